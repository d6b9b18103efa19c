/*
 * test_password.c - unit tests for auth/password.c: Argon2id hashing and
 * verification, rehash detection, and the password policy (length, UTF-8,
 * cracklib dictionary, personal words). Uses the cheapest allowed cost
 * (19 MiB, 2 passes) so the suite stays fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "core/error.h"
#include "core/timeutil.h"

static void assert_policy_ok(const char *password, const char *email, const char *full_name)
{
    buffr_err_t e = {0};
    int rc = password_check_policy(password, email, full_name, &e);
    if (rc != 0)
        fail_msg("\"%s\" refused: %s", password, e.message);
}

/* Refused with a message starting with prefix. */
static void assert_policy_refused(const char *password, const char *email, const char *full_name,
                                  const char *prefix)
{
    buffr_err_t e = {0};
    int rc = password_check_policy(password, email, full_name, &e);
    if (rc != BUFFR_EVALIDATION)
        fail_msg("\"%s\" accepted (rc %d)", password, rc);
    assert_int_equal(e.code, BUFFR_EVALIDATION);
    assert_string_equal(e.field, "password");
    if (strncmp(e.message, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\": message \"%s\" does not start with \"%s\"", password, e.message, prefix);
}

static void test_configure_limits(void **state)
{
    (void)state;
    assert_int_equal(password_configure(18, 2), BUFFR_EINVAL);
    assert_int_equal(password_configure(19, 1), BUFFR_EINVAL);
    assert_int_equal(password_configure(0, 0), BUFFR_EINVAL);
    assert_int_equal(password_configure(-64, 3), BUFFR_EINVAL);
    assert_int_equal(password_configure(19, 2), 0);
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    assert_int_equal(password_configure(19, 2), 0);
    char hash[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("correct horse battery staple 42", hash), 0);
    /* PHC string with exactly the configured parameters. */
    assert_int_equal(strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
    assert_true(strlen(hash) < PASSWORD_HASH_BYTES);

    assert_true(password_verify(hash, "correct horse battery staple 42"));
    assert_false(password_verify(hash, "correct horse battery staple 43"));
    assert_false(password_verify(hash, "correct horse battery staple 4"));
    assert_false(password_verify(hash, ""));
    assert_false(password_verify(hash, NULL));
    assert_false(password_verify(NULL, "correct horse battery staple 42"));

    /* Same password, new salt: a different string, both verify. */
    char hash2[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("correct horse battery staple 42", hash2), 0);
    assert_string_not_equal(hash, hash2);
    assert_true(password_verify(hash2, "correct horse battery staple 42"));

    /* Tampered hash. */
    char tampered[PASSWORD_HASH_BYTES];
    memcpy(tampered, hash, sizeof(tampered));
    size_t n = strlen(tampered);
    tampered[n - 2] = tampered[n - 2] == 'A' ? 'B' : 'A';
    assert_false(password_verify(tampered, "correct horse battery staple 42"));
}

static void test_refuses_other_algorithms(void **state)
{
    (void)state;
    /* A genuine Argon2i hash, which libsodium itself would verify: only
     * Argon2id is accepted, so an injected weaker hash never verifies. */
    assert_int_equal(password_configure(19, 2), 0);
    char argon2i[crypto_pwhash_STRBYTES];
    assert_int_equal(crypto_pwhash_str_alg(argon2i, "hunter2hunter2", 14, 3, 19u * 1024 * 1024,
                                           crypto_pwhash_ALG_ARGON2I13),
                     0);
    assert_int_equal(strncmp(argon2i, "$argon2i$", 9), 0);
    assert_int_equal(crypto_pwhash_str_verify(argon2i, "hunter2hunter2", 14), 0);
    assert_false(password_verify(argon2i, "hunter2hunter2"));
    assert_false(password_verify("$2y$10$abcdefghijklmnopqrstuv", "hunter2hunter2"));
    assert_false(password_verify("", "hunter2hunter2"));
    assert_true(password_needs_rehash(argon2i));
    assert_true(password_needs_rehash(""));
}

static void test_needs_rehash(void **state)
{
    (void)state;
    assert_int_equal(password_configure(19, 2), 0);
    char hash[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("bramble-otter-quasar-71", hash), 0);
    assert_false(password_needs_rehash(hash));

    assert_int_equal(password_configure(19, 3), 0);
    assert_true(password_needs_rehash(hash));
    /* Old hashes still verify under the new configuration. */
    assert_true(password_verify(hash, "bramble-otter-quasar-71"));

    assert_int_equal(password_configure(20, 2), 0);
    assert_true(password_needs_rehash(hash));

    assert_int_equal(password_configure(19, 2), 0);
    assert_false(password_needs_rehash(hash));
}

static void test_no_truncation(void **state)
{
    (void)state;
    assert_int_equal(password_configure(19, 2), 0);
    char a[301], b[301];
    for (size_t i = 0; i < 300; i++)
        a[i] = (char)('a' + (i * 7) % 26);
    a[300] = '\0';
    memcpy(b, a, sizeof(a));
    b[200] = b[200] == 'x' ? 'y' : 'x';
    char hash_a[PASSWORD_HASH_BYTES], hash_b[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash(a, hash_a), 0);
    assert_int_equal(password_hash(b, hash_b), 0);
    assert_true(password_verify(hash_a, a));
    assert_true(password_verify(hash_b, b));
    assert_false(password_verify(hash_a, b));
    assert_false(password_verify(hash_b, a));
}

static void test_burn(void **state)
{
    (void)state;
    /* A burn must cost about what verifying a wrong password costs, so
     * that unknown emails cannot be told apart by timing. */
    assert_int_equal(password_configure(19, 2), 0);
    char hash[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("bramble-otter-quasar-71", hash), 0);
    password_burn("warm up"); /* makes the dummy hash */
    password_burn(NULL);
    double t0 = time_monotonic();
    for (int i = 0; i < 3; i++)
        assert_false(password_verify(hash, "a wrong guess"));
    double t1 = time_monotonic();
    for (int i = 0; i < 3; i++)
        password_burn("a wrong guess");
    double t2 = time_monotonic();
    /* Loose bound: the machine is shared. */
    if (t2 - t1 < (t1 - t0) / 4)
        fail_msg("burn took %.4f s, verify %.4f s", t2 - t1, t1 - t0);

    /* After the limits change, burns follow (the dummy is remade). */
    assert_int_equal(password_configure(19, 3), 0);
    password_burn("a wrong guess");
    assert_int_equal(password_configure(19, 2), 0);
}

static void test_policy_length(void **state)
{
    (void)state;
    assert_policy_refused("Xk9#mQ2vL9p", NULL, NULL, "password must be at least 12 characters");
    assert_policy_refused("", NULL, NULL, "password must be at least 12 characters");
    assert_policy_refused(NULL, NULL, NULL, "password is required");
    /* Exactly 12, random-looking: fine. */
    assert_policy_ok("Kx8#mQ2vL9pz", NULL, NULL);

    /* 1024 bytes is the most; 1025 is refused. The text is varied enough
     * for cracklib not to call it systematic. */
    char big[PASSWORD_MAX_BYTES + 2];
    uint32_t x = 12345;
    for (size_t i = 0; i < PASSWORD_MAX_BYTES + 1; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)('!' + (x >> 16) % 94);
    }
    big[PASSWORD_MAX_BYTES] = '\0';
    assert_policy_ok(big, NULL, NULL);
    big[PASSWORD_MAX_BYTES] = 'x';
    big[PASSWORD_MAX_BYTES + 1] = '\0';
    assert_policy_refused(big, NULL, NULL, "password must be at most 1024 bytes");
}

static void test_policy_utf8(void **state)
{
    (void)state;
    assert_policy_ok("mot de passe très sûr, vraiment!", NULL, NULL);
    assert_policy_refused("Kx8#mQ2vL9pz\xff", NULL, NULL, "password must be valid UTF-8");
    /* Overlong '/' and a UTF-16 surrogate. */
    assert_policy_refused("Kx8#mQ2vL9pz\xc0\xaf", NULL, NULL, "password must be valid UTF-8");
    assert_policy_refused("Kx8#mQ2vL9pz\xed\xa0\x80", NULL, NULL, "password must be valid UTF-8");
    /* Truncated sequence at the end. */
    assert_policy_refused("Kx8#mQ2vL9pz\xc3", NULL, NULL, "password must be valid UTF-8");
}

static void test_policy_dictionary(void **state)
{
    (void)state;
    const char *weak[] = {
        "password1234", "qwertyuiop123", "iloveyou2024!",  "P@ssw0rd2024!",
        "Password1234", "monkey123456",  "Sunshine2024!!", "2024!!dragon!!",
        "letmein12345", "football1234",  "abcdefgh2024",   "123456789012",
    };
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
        assert_policy_refused(weak[i], NULL, NULL, "password is too weak: ");
    /* The reason comes from cracklib. */
    buffr_err_t e = {0};
    assert_int_equal(password_check_policy("password1234", NULL, NULL, &e), BUFFR_EVALIDATION);
    assert_string_equal(e.message,
                        "password is too weak: it fails the dictionary check - it is based on a "
                        "dictionary word");
}

static void test_policy_personal(void **state)
{
    (void)state;
    const char *email = "jdupont@grandhotel.fr";
    const char *name = "Marie Curie-Sklodowska";
    /* Built on the email's local part, forwards or backwards. */
    assert_policy_refused("jdupont-2024!xyz", email, name,
                          "password is too weak: it contains the email address");
    assert_policy_refused("JDupont_Secure_99", email, name, "password is too weak: ");
    assert_policy_refused("xyz!tnopudj-77", email, name, "password is too weak: ");
    /* On the domain or the name. */
    assert_policy_refused("grandhotel-2024!", email, name,
                          "password is too weak: it contains the name or email address");
    assert_policy_refused("Sklodowska#2024xyz", email, name, "password is too weak: ");
    assert_policy_refused("marie-rocks-4242", email, name, "password is too weak: ");
    /* Controls: the same passwords are fine for someone else. */
    assert_policy_ok("jdupont-2024!xyz", "alice@example.org", "Alice Martin");
    assert_policy_ok("marie-rocks-4242", "alice@example.org", "Alice Martin");
    /* A local part split by dots still counts word by word. */
    assert_policy_refused("Dupont-Rocks-4242", "jean.dupont@example.org", NULL,
                          "password is too weak: ");
}

static void test_policy_strong(void **state)
{
    (void)state;
    const char *strong[] = {
        "correct horse battery staple 42",
        "Tr0ub4dor&3-xyzzy-plugh",
        "bramble-otter-quasar-71",
        "plum7-Orbit-Velvet",
    };
    for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++) {
        assert_policy_ok(strong[i], NULL, NULL);
        assert_policy_ok(strong[i], "jdupont@grandhotel.fr", "Marie Curie-Sklodowska");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configure_limits),
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_refuses_other_algorithms),
        cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_no_truncation),
        cmocka_unit_test(test_burn),
        cmocka_unit_test(test_policy_length),
        cmocka_unit_test(test_policy_utf8),
        cmocka_unit_test(test_policy_dictionary),
        cmocka_unit_test(test_policy_personal),
        cmocka_unit_test(test_policy_strong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
