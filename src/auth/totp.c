/*
 * totp.c - TOTP secrets, codes and provisioning URIs (RFC 6238) over liboath.
 *
 * Fixed parameters (30 s, 6 digits, HMAC-SHA-1) because that is what
 * authenticator apps implement reliably. Input codes are checked to be six
 * ASCII digits before liboath sees them, so "12345 " or "+12345" never
 * reach a string comparison.
 *
 * Not here: storing secrets, remembering the last accepted step (replay
 * protection) and rate limiting guesses; the identity module does those.
 */
#include "auth/totp.h"

#include <liboath/oath.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

int totp_global_init(void)
{
    if (sodium_init() < 0)
        return BUFFR_EINTERNAL;
    return oath_init() == OATH_OK ? 0 : BUFFR_EINTERNAL;
}

int totp_secret_new(unsigned char *secret, char *b32, size_t b32len)
{
    if (secret == NULL || b32 == NULL)
        return BUFFR_EINVAL;
    randombytes_buf(secret, TOTP_SECRET_BYTES);
    char *encoded = NULL;
    size_t encoded_len = 0;
    int rc = oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &encoded, &encoded_len);
    if (rc != OATH_OK)
        return rc == OATH_MALLOC_ERROR ? BUFFR_ENOMEM : BUFFR_EINTERNAL;
    /* Apps and RFC 4648 section 3.2 allow dropping the padding; stored
     * secrets never carry it. (160 bits make none, but be exact anyway.) */
    while (encoded_len > 0 && encoded[encoded_len - 1] == '=')
        encoded_len--;
    if (encoded_len >= b32len) {
        sodium_memzero(encoded, encoded_len);
        free(encoded);
        return BUFFR_EINVAL;
    }
    memcpy(b32, encoded, encoded_len);
    b32[encoded_len] = '\0';
    sodium_memzero(encoded, encoded_len);
    free(encoded);
    return 0;
}

int totp_secret_decode(const char *b32, unsigned char *secret, size_t *len)
{
    if (b32 == NULL || secret == NULL || len == NULL)
        return BUFFR_EINVAL;
    char *decoded = NULL;
    size_t decoded_len = 0;
    if (oath_base32_decode(b32, strlen(b32), &decoded, &decoded_len) != OATH_OK)
        return BUFFR_EINVAL;
    int rc = 0;
    if (decoded == NULL || decoded_len == 0 || decoded_len > *len) {
        rc = BUFFR_EINVAL;
    } else {
        memcpy(secret, decoded, decoded_len);
        *len = decoded_len;
    }
    if (decoded != NULL) {
        sodium_memzero(decoded, decoded_len);
        free(decoded);
    }
    return rc;
}

/* RFC 3986 section 2.3: only unreserved characters go out as they are. */
static bool totp_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Append the percent-encoding of s at out (room checked by the caller's
 * worst-case sizing); returns the new end. */
static char *totp_pct_append(char *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (totp_is_unreserved(*p)) {
            *out++ = (char)*p;
        } else {
            *out++ = '%';
            *out++ = hex[*p >> 4];
            *out++ = hex[*p & 0x0f];
        }
    }
    return out;
}

static char *totp_str_append(char *out, const char *s)
{
    size_t n = strlen(s);
    memcpy(out, s, n);
    return out + n;
}

/* Returns NULL when an argument is NULL, as well as on ENOMEM. */
char *totp_uri(const char *issuer, const char *account, const char *b32_secret)
{
    if (issuer == NULL || account == NULL || b32_secret == NULL)
        return NULL;
    static const char scheme[] = "otpauth://totp/";
    static const char tail[] = "&algorithm=SHA1&digits=6&period=30";
    /* Every byte may become three. */
    size_t cap = sizeof(scheme) + 3 * strlen(issuer) + 1 + 3 * strlen(account) +
                 sizeof("?secret=") + 3 * strlen(b32_secret) + sizeof("&issuer=") +
                 3 * strlen(issuer) + sizeof(tail) + 1;
    char *uri = malloc(cap);
    if (uri == NULL)
        return NULL;
    char *p = totp_str_append(uri, scheme);
    p = totp_pct_append(p, issuer);
    *p++ = ':';
    p = totp_pct_append(p, account);
    p = totp_str_append(p, "?secret=");
    p = totp_pct_append(p, b32_secret);
    p = totp_str_append(p, "&issuer=");
    p = totp_pct_append(p, issuer);
    p = totp_str_append(p, tail);
    *p = '\0';
    return uri;
}

int totp_generate(const unsigned char *secret, size_t len, int64_t now, char out[7])
{
    if (secret == NULL || len == 0 || now < 0 || out == NULL)
        return BUFFR_EINVAL;
    int rc = oath_totp_generate2((const char *)secret, len, (time_t)now, TOTP_STEP_S,
                                 OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, 0, out);
    return rc == OATH_OK ? 0 : BUFFR_EINTERNAL;
}

static bool totp_code_is_well_formed(const char *code)
{
    for (int i = 0; i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9')
            return false;
    return code[TOTP_DIGITS] == '\0';
}

int totp_verify(const unsigned char *secret, size_t len, const char *code, int64_t now,
                int64_t *step)
{
    if (secret == NULL || len == 0 || now < 0 || step == NULL)
        return BUFFR_EINVAL;
    if (code == NULL || !totp_code_is_well_formed(code))
        return BUFFR_EUNAUTH;
    int position = 0;
    int rc =
        oath_totp_validate4((const char *)secret, len, (time_t)now, TOTP_STEP_S,
                            OATH_TOTP_DEFAULT_START_TIME, TOTP_WINDOW, &position, NULL, 0, code);
    if (rc < 0)
        return BUFFR_EUNAUTH;
    /* position is signed: negative when the code is from a past step. */
    *step = now / TOTP_STEP_S + position;
    return 0;
}
