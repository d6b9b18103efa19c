/*
 * jwt.c - strict HS256 JSON Web Tokens: signing and verification.
 *
 * The verifier decides everything itself: the algorithm is always HS256 with
 * the server's key, and a header that asks for anything else (another alg,
 * "none", a key id, a key URL, critical extensions) is refused outright.
 * Base64url is the unpadded URL-safe alphabet, decoded strictly (no padding,
 * no whitespace, no trailing bits), and JSON with duplicate keys is refused,
 * so that one token has exactly one reading.
 *
 * Not here: which claims a session needs (sub, tenant_id, jti...) and
 * revocation; the callers check those.
 */
#include "auth/jwt.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Far above any token we issue (a few hundred bytes), low enough that a
 * hostile Authorization header costs little to refuse. */
#define JWT_MAX_TOKEN_BYTES 8192
#define JWT_SIG_BYTES       crypto_auth_hmacsha256_BYTES
#define JWT_B64_VARIANT     sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* base64url of {"alg":"HS256","typ":"JWT"}: the only header we produce. */
static const char jwt_header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static int jwt_hmac(const unsigned char *key, size_t keylen, const char *input, size_t inlen,
                    unsigned char mac[JWT_SIG_BYTES])
{
    crypto_auth_hmacsha256_state st;
    /* The _init/_update/_final form accepts keys of any length. */
    if (crypto_auth_hmacsha256_init(&st, key, keylen) != 0 ||
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, inlen) != 0 ||
        crypto_auth_hmacsha256_final(&st, mac) != 0) {
        sodium_memzero(&st, sizeof(st));
        return BUFFR_EINTERNAL;
    }
    sodium_memzero(&st, sizeof(st));
    return 0;
}

/* Write the unpadded base64url of bin into out (room for
 * sodium_base64_ENCODED_LEN bytes) and return the length without NUL. */
static size_t jwt_b64_encode(char *out, size_t outlen, const unsigned char *bin, size_t binlen)
{
    sodium_bin2base64(out, outlen, bin, binlen, JWT_B64_VARIANT);
    return strlen(out);
}

/* Decode one token part strictly into a fresh buffer (caller frees).
 * Returns 0, BUFFR_EUNAUTH for bad encoding or BUFFR_ENOMEM. */
static int jwt_b64_decode(const char *part, size_t partlen, unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (partlen == 0)
        return BUFFR_EUNAUTH;
    size_t cap = partlen / 4 * 3 + 3;
    unsigned char *bin = malloc(cap);
    if (bin == NULL)
        return BUFFR_ENOMEM;
    size_t binlen = 0;
    /* No ignore set and no end pointer: any character outside the alphabet,
     * '=' included, and any unused trailing bit set fail the decode. */
    if (sodium_base642bin(bin, cap, part, partlen, NULL, &binlen, NULL, JWT_B64_VARIANT) != 0) {
        free(bin);
        return BUFFR_EUNAUTH;
    }
    /* Belt and braces against non-canonical input: the part must be exactly
     * what encoding its bytes gives back. */
    if (sodium_base64_ENCODED_LEN(binlen, JWT_B64_VARIANT) - 1 != partlen) {
        free(bin);
        return BUFFR_EUNAUTH;
    }
    *out = bin;
    *outlen = binlen;
    return 0;
}

/* Decode a part and parse it as one JSON object. */
static int jwt_decode_object(const char *part, size_t partlen, json_t **obj)
{
    unsigned char *bin;
    size_t binlen;
    int rc = jwt_b64_decode(part, partlen, &bin, &binlen);
    if (rc != 0)
        return rc;
    json_error_t jerr;
    json_t *v = json_loadb((const char *)bin, binlen, JSON_REJECT_DUPLICATES, &jerr);
    free(bin);
    if (v == NULL || !json_is_object(v)) {
        json_decref(v);
        return BUFFR_EUNAUTH;
    }
    *obj = v;
    return 0;
}

static bool jwt_string_is(const json_t *v, const char *expected)
{
    size_t n = strlen(expected);
    return json_is_string(v) && json_string_length(v) == n &&
           memcmp(json_string_value(v), expected, n) == 0;
}

/* The header must say HS256 (and optionally typ JWT) and nothing else. */
static bool jwt_header_is_acceptable(json_t *header)
{
    const char *name;
    json_t *value;
    bool has_alg = false;
    json_object_foreach(header, name, value)
    {
        if (strcmp(name, "alg") == 0) {
            if (!jwt_string_is(value, "HS256"))
                return false;
            has_alg = true;
        } else if (strcmp(name, "typ") == 0) {
            if (!jwt_string_is(value, "JWT"))
                return false;
        } else {
            return false;
        }
    }
    return has_alg;
}

static bool jwt_times_are_valid(json_t *claims, int64_t now)
{
    json_t *exp = json_object_get(claims, "exp");
    if (!json_is_integer(exp) || json_integer_value(exp) <= now)
        return false;
    json_t *nbf = json_object_get(claims, "nbf");
    if (nbf != NULL && (!json_is_integer(nbf) || json_integer_value(nbf) > now + JWT_LEEWAY_S))
        return false;
    json_t *iat = json_object_get(claims, "iat");
    if (iat != NULL && (!json_is_integer(iat) || json_integer_value(iat) > now + JWT_LEEWAY_S))
        return false;
    return true;
}

char *jwt_sign(const json_t *claims, const unsigned char *key, size_t keylen)
{
    if (!json_is_object(claims) || key == NULL || keylen == 0)
        return NULL;
    char *payload = json_dumps(claims, JSON_COMPACT);
    if (payload == NULL)
        return NULL;
    size_t payload_len = strlen(payload);
    size_t header_len = sizeof(jwt_header_b64) - 1;
    size_t payload_b64_cap = sodium_base64_ENCODED_LEN(payload_len, JWT_B64_VARIANT);
    size_t sig_b64_cap = sodium_base64_ENCODED_LEN(JWT_SIG_BYTES, JWT_B64_VARIANT);
    size_t cap = header_len + 1 + payload_b64_cap + 1 + sig_b64_cap;
    char *token = malloc(cap);
    if (token == NULL) {
        free(payload);
        return NULL;
    }
    size_t pos = 0;
    memcpy(token, jwt_header_b64, header_len);
    pos += header_len;
    token[pos++] = '.';
    pos += jwt_b64_encode(token + pos, cap - pos, (const unsigned char *)payload, payload_len);
    free(payload);

    unsigned char mac[JWT_SIG_BYTES];
    if (jwt_hmac(key, keylen, token, pos, mac) != 0) {
        free(token);
        return NULL;
    }
    token[pos++] = '.';
    jwt_b64_encode(token + pos, cap - pos, mac, sizeof(mac));
    sodium_memzero(mac, sizeof(mac));
    return token;
}

int jwt_verify(const char *token, const unsigned char *key, size_t keylen, int64_t now,
               json_t **claims_out)
{
    if (claims_out != NULL)
        *claims_out = NULL;
    if (token == NULL || key == NULL || keylen == 0 || claims_out == NULL)
        return BUFFR_EUNAUTH;
    size_t len = strnlen(token, JWT_MAX_TOKEN_BYTES + 1);
    if (len > JWT_MAX_TOKEN_BYTES)
        return BUFFR_EUNAUTH;

    const char *dot1 = memchr(token, '.', len);
    if (dot1 == NULL)
        return BUFFR_EUNAUTH;
    const char *dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (dot2 == NULL)
        return BUFFR_EUNAUTH;
    const char *end = token + len;
    if (memchr(dot2 + 1, '.', (size_t)(end - (dot2 + 1))) != NULL)
        return BUFFR_EUNAUTH;

    const char *header_part = token;
    size_t header_len = (size_t)(dot1 - token);
    const char *payload_part = dot1 + 1;
    size_t payload_len = (size_t)(dot2 - payload_part);
    const char *sig_part = dot2 + 1;
    size_t sig_len = (size_t)(end - sig_part);

    /* Header first: it is small, and a refused alg must never reach the MAC. */
    json_t *header = NULL;
    int rc = jwt_decode_object(header_part, header_len, &header);
    if (rc != 0)
        return rc;
    bool header_ok = jwt_header_is_acceptable(header);
    json_decref(header);
    if (!header_ok)
        return BUFFR_EUNAUTH;

    unsigned char *sig;
    size_t sig_bytes;
    rc = jwt_b64_decode(sig_part, sig_len, &sig, &sig_bytes);
    if (rc != 0)
        return rc;
    if (sig_bytes != JWT_SIG_BYTES) {
        free(sig);
        return BUFFR_EUNAUTH;
    }
    unsigned char mac[JWT_SIG_BYTES];
    rc = jwt_hmac(key, keylen, token, (size_t)(dot2 - token), mac);
    bool sig_ok = rc == 0 && sodium_memcmp(mac, sig, JWT_SIG_BYTES) == 0;
    sodium_memzero(mac, sizeof(mac));
    free(sig);
    if (!sig_ok)
        return BUFFR_EUNAUTH;

    json_t *claims = NULL;
    rc = jwt_decode_object(payload_part, payload_len, &claims);
    if (rc != 0)
        return rc;
    if (!jwt_times_are_valid(claims, now)) {
        json_decref(claims);
        return BUFFR_EUNAUTH;
    }
    *claims_out = claims;
    return 0;
}
