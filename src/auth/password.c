/*
 * password.c - password policy (length, UTF-8, libpwquality + cracklib) and
 * Argon2id hashing (libsodium).
 *
 * The policy never reads /etc/security/pwquality.conf: what the server
 * accepts must not depend on the host it runs on. libpwquality's own checks
 * miss the commonest pattern, a dictionary word with digits or symbols
 * around it ("password1234", "P@ssw0rd2024!"), so the word inside is also
 * run through cracklib on its own.
 *
 * Not here: where hashes are stored, and login throttling.
 */
#include "auth/password.h"

#include <pthread.h>
#include <pwquality.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD_ALG_PREFIX       "$argon2id$"
#define PASSWORD_MIN_MEMLIMIT_MIB 19 /* OWASP's floor for Argon2id */
#define PASSWORD_MIN_OPSLIMIT     2
#define PASSWORD_MIB              ((size_t)1024 * 1024)
/* cracklib refuses anything shorter than 6 as "too short", which says
 * nothing about a word found inside a longer password. */
#define PASSWORD_CORE_MIN_BYTES 6
/* libpwquality ignores user names and bad words shorter than this. */
#define PASSWORD_WORD_MIN_BYTES 4

/* Set once at start by password_configure, before threads run; the
 * defaults match the configuration's. */
static size_t password_memlimit = 64 * PASSWORD_MIB;
static unsigned long long password_opslimit = 2;

/* cracklib keeps state in statics: one check at a time. */
static pthread_mutex_t password_pwquality_lock = PTHREAD_MUTEX_INITIALIZER;

/* The hash password_burn verifies against, remade when the limits change so
 * that a burn always costs what a real verification costs. */
static pthread_mutex_t password_dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char password_dummy_hash[PASSWORD_HASH_BYTES];
static size_t password_dummy_memlimit;
static unsigned long long password_dummy_opslimit;

int password_configure(int memlimit_mib, int opslimit)
{
    if (memlimit_mib < PASSWORD_MIN_MEMLIMIT_MIB || opslimit < PASSWORD_MIN_OPSLIMIT)
        return BUFFR_EINVAL;
    size_t memlimit = (size_t)memlimit_mib * PASSWORD_MIB;
    if ((size_t)memlimit_mib > SIZE_MAX / PASSWORD_MIB || memlimit > crypto_pwhash_MEMLIMIT_MAX ||
        (unsigned long long)opslimit > crypto_pwhash_OPSLIMIT_MAX)
        return BUFFR_EINVAL;
    /* Picks the fastest Argon2 implementation for this CPU; idempotent. */
    if (sodium_init() < 0)
        return BUFFR_EINTERNAL;
    password_memlimit = memlimit;
    password_opslimit = (unsigned long long)opslimit;
    return 0;
}

/* At most one Argon2 computation per core at a time: a burst of logins
 * queues here instead of taking every worker thread's CPU and memlimit
 * bytes each (64 MiB by default) at once. */
static pthread_once_t password_gate_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t password_gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t password_gate_free = PTHREAD_COND_INITIALIZER;
static int password_gate_slots;

static void password_gate_init(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    password_gate_slots = cores > 0 ? (int)cores : 1;
}

static void password_gate_enter(void)
{
    pthread_once(&password_gate_once, password_gate_init);
    pthread_mutex_lock(&password_gate_lock);
    while (password_gate_slots == 0)
        pthread_cond_wait(&password_gate_free, &password_gate_lock);
    password_gate_slots--;
    pthread_mutex_unlock(&password_gate_lock);
}

static void password_gate_leave(void)
{
    pthread_mutex_lock(&password_gate_lock);
    password_gate_slots++;
    pthread_cond_signal(&password_gate_free);
    pthread_mutex_unlock(&password_gate_lock);
}

int password_hash(const char *password, char out[PASSWORD_HASH_BYTES])
{
    if (password == NULL || out == NULL)
        return BUFFR_EINVAL;
    password_gate_enter();
    /* crypto_pwhash_str_alg fails only when it cannot get its memory. */
    int rc = crypto_pwhash_str_alg(out, password, strlen(password), password_opslimit,
                                   password_memlimit, crypto_pwhash_ALG_ARGON2ID13);
    password_gate_leave();
    return rc == 0 ? 0 : BUFFR_ENOMEM;
}

static bool password_hash_is_argon2id(const char *hash)
{
    return hash != NULL && strnlen(hash, PASSWORD_HASH_BYTES) < PASSWORD_HASH_BYTES &&
           strncmp(hash, PASSWORD_ALG_PREFIX, strlen(PASSWORD_ALG_PREFIX)) == 0;
}

bool password_verify(const char *hash, const char *password)
{
    if (password == NULL || !password_hash_is_argon2id(hash))
        return false;
    password_gate_enter();
    bool ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    password_gate_leave();
    return ok;
}

bool password_needs_rehash(const char *hash)
{
    if (!password_hash_is_argon2id(hash))
        return true;
    return crypto_pwhash_str_needs_rehash(hash, password_opslimit, password_memlimit) != 0;
}

/* Copy a dummy hash made with the current limits into out; false when it
 * cannot be made (out of memory). */
static bool password_dummy_get(char out[PASSWORD_HASH_BYTES])
{
    bool ok = true;
    pthread_mutex_lock(&password_dummy_lock);
    if (password_dummy_hash[0] == '\0' || password_dummy_memlimit != password_memlimit ||
        password_dummy_opslimit != password_opslimit) {
        unsigned char noise[32];
        char noise_hex[sizeof(noise) * 2 + 1];
        randombytes_buf(noise, sizeof(noise));
        sodium_bin2hex(noise_hex, sizeof(noise_hex), noise, sizeof(noise));
        if (password_hash(noise_hex, password_dummy_hash) == 0) {
            password_dummy_memlimit = password_memlimit;
            password_dummy_opslimit = password_opslimit;
        } else {
            password_dummy_hash[0] = '\0';
            ok = false;
        }
    }
    if (ok)
        memcpy(out, password_dummy_hash, PASSWORD_HASH_BYTES);
    pthread_mutex_unlock(&password_dummy_lock);
    return ok;
}

void password_burn(const char *password)
{
    char dummy[PASSWORD_HASH_BYTES];
    if (!password_dummy_get(dummy))
        return;
    /* The result is meaningless; only the time spent matters. */
    (void)password_verify(dummy, password ? password : "");
}

/* ---- policy ---- */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, <= U+10FFFF. */
static bool password_is_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

static bool password_is_letter(unsigned char c)
{
    /* Bytes of non-ASCII characters count as letters: "Élodie" is a word. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static unsigned char password_ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Append the words (runs of >= PASSWORD_WORD_MIN_BYTES letters: "jdupont42"
 * gives "jdupont") of text[0..len) to a space-separated list, lowercased. */
static void password_words_append(char *list, size_t *used, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && !password_is_letter((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && password_is_letter((unsigned char)text[i]))
            i++;
        if (i - start < PASSWORD_WORD_MIN_BYTES)
            continue;
        if (*used > 0)
            list[(*used)++] = ' ';
        for (size_t k = start; k < i; k++)
            list[(*used)++] = (char)password_ascii_lower((unsigned char)text[k]);
    }
    list[*used] = '\0';
}

/* Words a password must not be built on: the email's local part and domain
 * labels (not the TLD: "com" says nothing) and the user's name. Caller
 * frees; NULL on ENOMEM. */
static char *password_personal_words(const char *email, const char *full_name)
{
    size_t email_len = email ? strlen(email) : 0;
    size_t name_len = full_name ? strlen(full_name) : 0;
    char *list = malloc(email_len + name_len + 2);
    if (list == NULL)
        return NULL;
    size_t used = 0;
    list[0] = '\0';
    if (email != NULL) {
        const char *at = strrchr(email, '@');
        size_t domain_len = 0;
        const char *domain = NULL;
        if (at != NULL) {
            domain = at + 1;
            const char *tld_dot = strrchr(domain, '.');
            domain_len = tld_dot ? (size_t)(tld_dot - domain) : 0;
        }
        password_words_append(list, &used, email, at ? (size_t)(at - email) : email_len);
        if (domain != NULL)
            password_words_append(list, &used, domain, domain_len);
    }
    if (full_name != NULL)
        password_words_append(list, &used, full_name, name_len);
    return list;
}

/* The email's local part, lowercased, for libpwquality's user name check.
 * Caller frees; NULL on ENOMEM, "" when there is none. */
static char *password_user_name(const char *email)
{
    size_t len = 0;
    if (email != NULL) {
        const char *at = strrchr(email, '@');
        len = at ? (size_t)(at - email) : strlen(email);
    }
    char *user = malloc(len + 1);
    if (user == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        user[i] = (char)password_ascii_lower((unsigned char)email[i]);
    user[len] = '\0';
    return user;
}

/* The password without the digits, punctuation and spaces around it:
 * "P@ssw0rd2024!" -> "P@ssw0rd". Written into out (room for len + 1). */
static size_t password_core(const char *password, size_t len, char *out)
{
    size_t start = 0, end = len;
    while (start < end && !password_is_letter((unsigned char)password[start]))
        start++;
    while (end > start && !password_is_letter((unsigned char)password[end - 1]))
        end--;
    memcpy(out, password + start, end - start);
    out[end - start] = '\0';
    return end - start;
}

/* Undo the usual letter-for-symbol swaps ("P@ssw0rd" -> "password"), which
 * cracklib only partly knows. Returns true when anything changed. */
static bool password_unleet(char *s)
{
    static const char from[] = "@4031!$57";
    static const char to[] = "aaoeiisst";
    bool changed = false;
    for (; *s; s++) {
        const char *hit = strchr(from, *s);
        if (hit != NULL) {
            *s = to[hit - from];
            changed = true;
        }
    }
    return changed;
}

/* Run libpwquality on candidate; 0 when it passes, else the pwquality error
 * with its reason, worded to follow "password is too weak: ", written into
 * reason. Caller holds the lock. */
static int password_pwquality_run(pwquality_settings_t *settings, const char *candidate,
                                  const char *user, char *reason, size_t reason_len)
{
    void *aux = NULL;
    int rc = pwquality_check(settings, candidate, NULL, user[0] ? user : NULL, &aux);
    if (rc >= 0)
        return 0;
    /* pwquality's own words for these two are about Unix accounts. */
    if (rc == PWQ_ERROR_USER_CHECK) {
        snprintf(reason, reason_len, "it contains the email address in some form");
        return rc;
    }
    if (rc == PWQ_ERROR_BAD_WORDS) {
        snprintf(reason, reason_len, "it contains the name or email address in some form");
        return rc;
    }
    char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
    const char *msg = pwquality_strerror(buf, sizeof(buf), rc, aux);
    if (msg == NULL)
        msg = "it is too easy to guess";
    static const char subject[] = "The password ";
    if (strncmp(msg, subject, sizeof(subject) - 1) == 0)
        snprintf(reason, reason_len, "it %s", msg + sizeof(subject) - 1);
    else
        snprintf(reason, reason_len, "%s", msg);
    return rc;
}

/* libpwquality's verdict on password and on the word inside it. */
static int password_pwquality(const char *password, size_t len, const char *email,
                              const char *full_name, char *reason, size_t reason_len)
{
    char *user = password_user_name(email);
    char *bad_words = password_personal_words(email, full_name);
    char *core = malloc(len + 1);
    pwquality_settings_t *settings = pwquality_default_settings();
    int rc = BUFFR_ENOMEM;
    if (user == NULL || bad_words == NULL || core == NULL || settings == NULL)
        goto done;
    /* Defaults, deliberately not pwquality_read_config(): see the top. */
    if (pwquality_set_int_value(settings, PWQ_SETTING_MIN_LENGTH, PASSWORD_MIN_BYTES) != 0 ||
        pwquality_set_int_value(settings, PWQ_SETTING_DICT_CHECK, 1) != 0 ||
        pwquality_set_int_value(settings, PWQ_SETTING_USER_CHECK, 1) != 0 ||
        (bad_words[0] != '\0' &&
         pwquality_set_str_value(settings, PWQ_SETTING_BAD_WORDS, bad_words) != 0)) {
        rc = BUFFR_EINTERNAL;
        goto done;
    }

    size_t core_len = password_core(password, len, core);

    pthread_mutex_lock(&password_pwquality_lock);
    rc = password_pwquality_run(settings, password, user, reason, reason_len);
    if (rc == 0 && core_len >= PASSWORD_CORE_MIN_BYTES) {
        /* The word alone only has to clear cracklib's own minimum, and only
         * the dictionary's verdict on it counts: a word that is merely
         * short may be part of a strong password. */
        pwquality_set_int_value(settings, PWQ_SETTING_MIN_LENGTH, PASSWORD_CORE_MIN_BYTES);
        int core_rc = 0;
        if (core_len < len)
            core_rc = password_pwquality_run(settings, core, user, reason, reason_len);
        if (core_rc != PWQ_ERROR_CRACKLIB_CHECK && password_unleet(core))
            core_rc = password_pwquality_run(settings, core, user, reason, reason_len);
        /* Only "is based on a dictionary word" counts here: on a short,
         * stripped core cracklib's other verdicts ("too simplistic") say
         * nothing about the whole password. */
        rc = core_rc == PWQ_ERROR_CRACKLIB_CHECK && strstr(reason, "dictionary word") ? core_rc : 0;
    }
    pthread_mutex_unlock(&password_pwquality_lock);
    rc = rc < 0 ? BUFFR_EVALIDATION : 0;

done:
    if (settings != NULL)
        pwquality_free_settings(settings);
    if (core != NULL) {
        sodium_memzero(core, len + 1);
        free(core);
    }
    free(bad_words);
    free(user);
    return rc;
}

int password_check_policy(const char *password, const char *email, const char *full_name,
                          buffr_err_t *e)
{
    if (password == NULL)
        return buffr_fail(e, BUFFR_EVALIDATION, "password", "password is required");
    size_t len = strlen(password);
    if (len < PASSWORD_MIN_BYTES)
        return buffr_fail(e, BUFFR_EVALIDATION, "password",
                          "password must be at least %d characters", PASSWORD_MIN_BYTES);
    if (len > PASSWORD_MAX_BYTES)
        return buffr_fail(e, BUFFR_EVALIDATION, "password", "password must be at most %d bytes",
                          PASSWORD_MAX_BYTES);
    if (!password_is_utf8((const unsigned char *)password, len))
        return buffr_fail(e, BUFFR_EVALIDATION, "password", "password must be valid UTF-8");

    char reason[PWQ_MAX_ERROR_MESSAGE_LEN];
    int rc = password_pwquality(password, len, email, full_name, reason, sizeof(reason));
    if (rc == BUFFR_EVALIDATION)
        return buffr_fail(e, BUFFR_EVALIDATION, "password", "password is too weak: %s", reason);
    if (rc != 0)
        return buffr_fail(e, rc, "password", "password could not be checked");
    return 0;
}
