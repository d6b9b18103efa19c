/*
 * test_jwt.c - unit tests for auth/jwt.c: round trips, every way a token
 * must be refused, and known answers computed independently (Python's hmac,
 * hashlib and base64, run once while writing this file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "core/error.h"

#define NOW 1700000000

static const unsigned char test_key[JWT_KEY_BYTES] = "buffr-known-answer-test-key-0001";
static const unsigned char other_key[JWT_KEY_BYTES] = "buffr-known-answer-test-key-0002";

/* python3: hmac.new(b"buffr-known-answer-test-key-0001", header + "." + payload, sha256) with
 * payload {"sub":"user-1","exp":4102444800,"iat":1700000000}. */
static const char kat_token[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMH0."
    "Ae7IrxibNxeXsSrxjBsMv2PyKyGBOg9ekXdw9jhCaXc";

/* Same, with the 100-byte key 00 01 02 ... 63 (longer than the HMAC block,
 * so the key is hashed first) and the header keys in the other order. */
static const char kat_token_long_key[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."
    "eyJleHAiOjQxMDI0NDQ4MDAsImp0aSI6IjAxOTBjN2E0LTdiMmUtNzAwMC04MDAwLTAwMDAwMDAwMDAwMSIsInJvbG"
    "UiOiJvd25lciJ9."
    "LlsJrrn0btncQksetzf_VAi7_JZ6jSl1incHXuSv370";

static char *b64url(const void *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    assert_non_null(out);
    sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* Build header.payload.signature by hand, signing with HS256 whatever the
 * header claims, so that only the verifier's own rules can refuse it. */
static char *make_token(const char *header_json, const char *payload_json, const unsigned char *key,
                        size_t keylen)
{
    char *h = b64url(header_json, strlen(header_json));
    char *p = b64url(payload_json, strlen(payload_json));
    size_t input_len = strlen(h) + 1 + strlen(p);
    char *token = malloc(input_len + 1 + 44);
    assert_non_null(token);
    snprintf(token, input_len + 1, "%s.%s", h, p);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, input_len);
    crypto_auth_hmacsha256_final(&st, mac);
    char *s = b64url(mac, sizeof(mac));
    token[input_len] = '.';
    strcpy(token + input_len + 1, s);
    free(h);
    free(p);
    free(s);
    return token;
}

static char *make_hs256(const char *payload_json)
{
    return make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload_json, test_key,
                      sizeof(test_key));
}

static int verify(const char *token, json_t **claims)
{
    return jwt_verify(token, test_key, sizeof(test_key), NOW, claims);
}

static void assert_refused(const char *token)
{
    json_t *claims = (json_t *)0x1;
    assert_int_equal(verify(token, &claims), BUFFR_EUNAUTH);
    assert_null(claims);
}

static void test_round_trip(void **state)
{
    (void)state;
    json_t *in = json_pack("{s:s, s:s, s:I, s:I, s:[s,s]}", "sub", "user-1", "role", "owner", "iat",
                           (json_int_t)NOW, "exp", (json_int_t)NOW + 900, "permissions",
                           "restaurant", "spa");
    assert_non_null(in);
    char *token = jwt_sign(in, test_key, sizeof(test_key));
    assert_non_null(token);
    assert_memory_equal(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37);

    json_t *out = NULL;
    assert_int_equal(verify(token, &out), 0);
    assert_non_null(out);
    assert_true(json_equal(in, out));
    assert_string_equal(json_string_value(json_object_get(out, "role")), "owner");

    /* One second before exp still valid; at exp, no longer. */
    json_decref(out);
    out = NULL;
    assert_int_equal(jwt_verify(token, test_key, sizeof(test_key), NOW + 899, &out), 0);
    json_decref(out);
    out = NULL;
    assert_int_equal(jwt_verify(token, test_key, sizeof(test_key), NOW + 900, &out), BUFFR_EUNAUTH);
    assert_null(out);

    json_decref(in);
    free(token);
}

static void test_known_answer(void **state)
{
    (void)state;
    json_t *out = NULL;
    assert_int_equal(verify(kat_token, &out), 0);
    assert_string_equal(json_string_value(json_object_get(out, "sub")), "user-1");
    assert_int_equal(json_integer_value(json_object_get(out, "exp")), 4102444800LL);
    json_decref(out);

    /* Signing the same claims in the same order gives the same token. */
    json_t *in = json_pack("{s:s, s:I, s:I}", "sub", "user-1", "exp", (json_int_t)4102444800LL,
                           "iat", (json_int_t)1700000000);
    char *token = jwt_sign(in, test_key, sizeof(test_key));
    assert_non_null(token);
    assert_string_equal(token, kat_token);
    free(token);
    json_decref(in);

    unsigned char long_key[100];
    for (size_t i = 0; i < sizeof(long_key); i++)
        long_key[i] = (unsigned char)i;
    out = NULL;
    assert_int_equal(jwt_verify(kat_token_long_key, long_key, sizeof(long_key), NOW, &out), 0);
    assert_string_equal(json_string_value(json_object_get(out, "role")), "owner");
    json_decref(out);
    out = NULL;
    /* The same key cut to 64 bytes is another key. */
    assert_int_equal(jwt_verify(kat_token_long_key, long_key, 64, NOW, &out), BUFFR_EUNAUTH);
    assert_null(out);
}

static void test_expired(void **state)
{
    (void)state;
    char *t = make_hs256("{\"sub\":\"u\",\"exp\":1699999999}");
    assert_refused(t);
    free(t);
    t = make_hs256("{\"sub\":\"u\",\"exp\":1700000000}");
    assert_refused(t);
    free(t);
}

static void test_exp_required_and_integer(void **state)
{
    (void)state;
    const char *payloads[] = {
        "{\"sub\":\"u\"}",
        "{\"sub\":\"u\",\"exp\":null}",
        "{\"sub\":\"u\",\"exp\":\"4102444800\"}",
        "{\"sub\":\"u\",\"exp\":4102444800.0}",
        "{\"sub\":\"u\",\"exp\":true}",
    };
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        char *t = make_hs256(payloads[i]);
        assert_refused(t);
        free(t);
    }
}

static void test_nbf_and_iat(void **state)
{
    (void)state;
    json_t *out = NULL;
    /* Within the leeway: accepted. */
    char *t = make_hs256("{\"exp\":4102444800,\"nbf\":1700000030,\"iat\":1700000030}");
    assert_int_equal(verify(t, &out), 0);
    json_decref(out);
    free(t);
    /* nbf in the future beyond the leeway. */
    t = make_hs256("{\"exp\":4102444800,\"nbf\":1700000031}");
    assert_refused(t);
    free(t);
    /* iat in the future beyond the leeway. */
    t = make_hs256("{\"exp\":4102444800,\"iat\":1700000031}");
    assert_refused(t);
    free(t);
    /* nbf/iat of the wrong type. */
    t = make_hs256("{\"exp\":4102444800,\"nbf\":\"0\"}");
    assert_refused(t);
    free(t);
    t = make_hs256("{\"exp\":4102444800,\"iat\":1.5}");
    assert_refused(t);
    free(t);
}

static void test_alg_none(void **state)
{
    (void)state;
    const char *payload = "{\"sub\":\"u\",\"exp\":4102444800}";
    char *p = b64url(payload, strlen(payload));
    char token[256];
    snprintf(token, sizeof(token), "eyJhbGciOiJub25lIn0.%s.", p);
    assert_refused(token);
    /* Even with a valid HS256 signature over it. */
    char *t = make_token("{\"alg\":\"none\"}", "{\"sub\":\"u\",\"exp\":4102444800}", test_key,
                         sizeof(test_key));
    assert_refused(t);
    free(t);
    free(p);
}

static void test_other_algs(void **state)
{
    (void)state;
    const char *headers[] = {
        "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256 \",\"typ\":\"JWT\"}",
        "{\"alg\":[\"HS256\"]}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWS\"}",
        "{\"alg\":\"HS256\",\"typ\":null}",
        "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
        "[\"HS256\"]",
        "{}",
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char *t = make_token(headers[i], "{\"exp\":4102444800}", test_key, sizeof(test_key));
        assert_refused(t);
        free(t);
    }
    /* Control: the same construction with the right header passes, and so
     * does a header without typ. */
    json_t *out = NULL;
    char *t = make_token("{\"alg\":\"HS256\"}", "{\"exp\":4102444800}", test_key, sizeof(test_key));
    assert_int_equal(verify(t, &out), 0);
    json_decref(out);
    free(t);
}

static void test_extra_header_params(void **state)
{
    (void)state;
    const char *headers[] = {
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"1\"}",
        "{\"alg\":\"HS256\",\"jku\":\"https://evil.example/jwks.json\"}",
        "{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}",
        "{\"alg\":\"HS256\",\"x5u\":\"https://evil.example/cert.pem\"}",
        "{\"alg\":\"HS256\",\"x5c\":[]}",
        "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
        "{\"alg\":\"HS256\",\"cty\":\"JWT\"}",
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char *t = make_token(headers[i], "{\"exp\":4102444800}", test_key, sizeof(test_key));
        assert_refused(t);
        free(t);
    }
}

static void test_tampering(void **state)
{
    (void)state;
    char *t = strdup(kat_token);
    assert_non_null(t);
    json_t *out = NULL;
    assert_int_equal(verify(t, &out), 0);
    json_decref(out);

    /* Flip one payload character (to another valid base64url character). */
    char *payload = strchr(t, '.') + 1;
    payload[5] = payload[5] == 'A' ? 'B' : 'A';
    assert_refused(t);
    free(t);

    /* Flip one signature bit (first character: all its bits are used). */
    t = strdup(kat_token);
    char *sig = strrchr(t, '.') + 1;
    sig[0] = sig[0] == 'A' ? 'Q' : 'A';
    assert_refused(t);

    /* A truncated or extended signature. */
    sig[0] = kat_token[sig - t];
    t[strlen(t) - 1] = '\0';
    assert_refused(t);
    free(t);
    char longer[sizeof(kat_token) + 4];
    snprintf(longer, sizeof(longer), "%sAAAA", kat_token);
    assert_refused(longer);

    /* Payload swapped for another validly encoded one, signature kept. */
    char *other = make_hs256("{\"sub\":\"admin\",\"exp\":4102444800}");
    char *mixed = malloc(strlen(other) + strlen(kat_token) + 1);
    assert_non_null(mixed);
    size_t upto_sig = (size_t)(strrchr(other, '.') - other) + 1;
    memcpy(mixed, other, upto_sig);
    strcpy(mixed + upto_sig, strrchr(kat_token, '.') + 1);
    assert_refused(mixed);
    free(mixed);
    free(other);
}

static void test_non_canonical_signature(void **state)
{
    (void)state;
    /* 32 bytes make 43 characters whose last two bits are unused: setting
     * them gives a different string that decodes to the same bytes. */
    char *t = strdup(kat_token);
    size_t n = strlen(t);
    assert_int_equal(t[n - 1], 'c');
    t[n - 1] = 'd';
    assert_refused(t);
    free(t);
}

static void test_wrong_key(void **state)
{
    (void)state;
    json_t *out = NULL;
    assert_int_equal(jwt_verify(kat_token, other_key, sizeof(other_key), NOW, &out), BUFFR_EUNAUTH);
    assert_null(out);
    assert_int_equal(jwt_verify(kat_token, test_key, sizeof(test_key) - 1, NOW, &out),
                     BUFFR_EUNAUTH);
    assert_int_equal(jwt_verify(kat_token, test_key, 0, NOW, &out), BUFFR_EUNAUTH);
    assert_int_equal(jwt_verify(NULL, test_key, sizeof(test_key), NOW, &out), BUFFR_EUNAUTH);
}

static void test_part_count(void **state)
{
    (void)state;
    const char *h = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", h);
    assert_refused(buf);
    /* Two parts: header.payload. */
    snprintf(buf, sizeof(buf), "%.*s", (int)(strrchr(kat_token, '.') - kat_token), kat_token);
    assert_refused(buf);
    /* Four parts: a valid token with something appended. */
    snprintf(buf, sizeof(buf), "%s.", kat_token);
    assert_refused(buf);
    snprintf(buf, sizeof(buf), "%s.AAAA", kat_token);
    assert_refused(buf);
    /* Empty parts. */
    assert_refused("");
    assert_refused("..");
    snprintf(buf, sizeof(buf), "%s..%s", h, strrchr(kat_token, '.') + 1);
    assert_refused(buf);
}

static void test_garbage_encoding(void **state)
{
    (void)state;
    char buf[512];
    const char *p = strchr(kat_token, '.');
    /* Standard base64 characters, spaces, and '=' padding are not base64url. */
    snprintf(buf, sizeof(buf), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9+%s", p);
    assert_refused(buf);
    snprintf(buf, sizeof(buf), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9/%s", p);
    assert_refused(buf);
    snprintf(buf, sizeof(buf), "eyJhbGciOiJIUzI1NiIsInR5cCI6 IkpXVCJ9%s", p);
    assert_refused(buf);
    snprintf(buf, sizeof(buf), "%s=", kat_token);
    assert_refused(buf);
    /* '=' padding after the payload. */
    char *padded_payload = strdup(kat_token);
    char *dot2 = strrchr(padded_payload, '.');
    *dot2 = '\0';
    snprintf(buf, sizeof(buf), "%s==.%s", padded_payload, dot2 + 1);
    assert_refused(buf);
    free(padded_payload);
    /* A part whose length is 1 mod 4 cannot be base64 at all. */
    char *t = make_hs256("{\"exp\":4102444800}");
    snprintf(buf, sizeof(buf), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9A%s", strchr(t, '.'));
    assert_refused(buf);
    free(t);
    /* Base64 of something that is not JSON, or JSON that is not an object. */
    t = make_token("{\"alg\":\"HS256\"}", "not json", test_key, sizeof(test_key));
    assert_refused(t);
    free(t);
    t = make_token("{\"alg\":\"HS256\"}", "[4102444800]", test_key, sizeof(test_key));
    assert_refused(t);
    free(t);
    t = make_token("{\"alg\":\"HS256\"}", "{\"exp\":4102444800} {}", test_key, sizeof(test_key));
    assert_refused(t);
    free(t);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    /* Duplicate keys would let two parsers read two different tokens. */
    char *t = make_hs256("{\"exp\":4102444800,\"sub\":\"user-1\",\"sub\":\"admin\"}");
    assert_refused(t);
    free(t);
    t = make_hs256("{\"exp\":1,\"exp\":4102444800}");
    assert_refused(t);
    free(t);
}

static void test_oversize(void **state)
{
    (void)state;
    /* A validly signed token over 8 KiB. */
    size_t filler = 9000;
    char *payload = malloc(filler + 64);
    assert_non_null(payload);
    int n = snprintf(payload, 64, "{\"exp\":4102444800,\"pad\":\"");
    memset(payload + n, 'x', filler);
    strcpy(payload + n + filler, "\"}");
    char *t = make_hs256(payload);
    assert_true(strlen(t) > 8192);
    assert_refused(t);
    free(t);
    /* Control: a 4 KiB one passes. */
    strcpy(payload + n + 3000, "\"}");
    t = make_hs256(payload);
    json_t *out = NULL;
    assert_int_equal(verify(t, &out), 0);
    json_decref(out);
    free(t);
    free(payload);
}

static void test_sign_refuses_bad_input(void **state)
{
    (void)state;
    json_t *arr = json_array();
    assert_null(jwt_sign(arr, test_key, sizeof(test_key)));
    json_decref(arr);
    json_t *obj = json_pack("{s:I}", "exp", (json_int_t)4102444800LL);
    assert_null(jwt_sign(obj, test_key, 0));
    assert_null(jwt_sign(obj, NULL, 32));
    assert_null(jwt_sign(NULL, test_key, sizeof(test_key)));
    json_decref(obj);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_expired),          cmocka_unit_test(test_exp_required_and_integer),
        cmocka_unit_test(test_nbf_and_iat),      cmocka_unit_test(test_alg_none),
        cmocka_unit_test(test_other_algs),       cmocka_unit_test(test_extra_header_params),
        cmocka_unit_test(test_tampering),        cmocka_unit_test(test_non_canonical_signature),
        cmocka_unit_test(test_wrong_key),        cmocka_unit_test(test_part_count),
        cmocka_unit_test(test_garbage_encoding), cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_oversize),         cmocka_unit_test(test_sign_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
