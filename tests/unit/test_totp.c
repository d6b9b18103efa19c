/*
 * test_totp.c - unit tests for auth/totp.c: RFC 6238 Appendix B vectors,
 * the verification window and the step it reports, code format checks,
 * base32 secrets and the otpauth:// URI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "auth/totp.h"
#include "core/error.h"

/* RFC 6238 Appendix B's SHA-1 seed. */
static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_SECRET_LEN 20

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    /* The RFC's 8-digit codes end in these 6 digits (RFC 4226 truncation
     * is the same number modulo 10^6). */
    static const struct {
        int64_t t;
        const char *code;
    } vectors[] = {
        {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
        {1234567890, "005924"}, {2000000000, "279037"}, {20000000000LL, "353130"},
    };
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        char code[7] = "";
        assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, vectors[i].t, code), 0);
        assert_string_equal(code, vectors[i].code);
        int64_t step = -1;
        assert_int_equal(
            totp_verify(rfc_secret, RFC_SECRET_LEN, vectors[i].code, vectors[i].t, &step), 0);
        assert_int_equal(step, vectors[i].t / 30);
    }
}

static void test_window(void **state)
{
    (void)state;
    const int64_t now = 1111111111; /* step 37037037, 1 s into it */
    const int64_t step_now = now / 30;
    char code[7];
    int64_t step;

    /* One step either side: accepted, and the reported step is the code's. */
    for (int offset = -1; offset <= 1; offset++) {
        assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, now + 30 * offset, code), 0);
        step = -1;
        assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, code, now, &step), 0);
        assert_int_equal(step, step_now + offset);
    }
    /* Two steps either side: refused. */
    for (int offset = -2; offset <= 2; offset += 4) {
        assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, now + 30 * offset, code), 0);
        step = -1;
        assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, code, now, &step), BUFFR_EUNAUTH);
        assert_int_equal(step, -1);
    }
    /* The last second of a step and the first of the next are one step
     * apart, not one time unit. */
    assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, 1111111110 + 29, code), 0);
    assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, code, 1111111110 + 30, &step), 0);
    assert_int_equal(step, 37037037);
    assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, code, 1111111110 + 90, &step),
                     BUFFR_EUNAUTH);
}

static void test_wrong_secret(void **state)
{
    (void)state;
    static const unsigned char other[] = "12345678901234567891";
    int64_t step;
    assert_int_equal(totp_verify(other, RFC_SECRET_LEN, "050471", 1111111111, &step),
                     BUFFR_EUNAUTH);
    /* An off-by-one digit is a different code. */
    assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, "050472", 1111111111, &step),
                     BUFFR_EUNAUTH);
}

static void test_code_format(void **state)
{
    (void)state;
    /* 050471 is valid at T=1111111111; every variant of it is refused. */
    const char *bad[] = {
        "50471",  "0504710", "050471 ", " 050471",  "+50471",  "-50471",  "05047a",
        "0x5047", "",        "05 0471", "050471\n", "０50471", "05047.1",
    };
    int64_t step;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, bad[i], 1111111111, &step),
                         BUFFR_EUNAUTH);
    assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, NULL, 1111111111, &step),
                     BUFFR_EUNAUTH);
    assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, "050471", 1111111111, &step), 0);
}

static void test_base32(void **state)
{
    (void)state;
    unsigned char secret[TOTP_SECRET_BYTES];
    char b32[40];
    assert_int_equal(totp_secret_new(secret, b32, sizeof(b32)), 0);
    assert_int_equal(strlen(b32), 32);
    for (const char *p = b32; *p; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '7'));

    unsigned char decoded[64];
    size_t len = sizeof(decoded);
    assert_int_equal(totp_secret_decode(b32, decoded, &len), 0);
    assert_int_equal(len, TOTP_SECRET_BYTES);
    assert_memory_equal(decoded, secret, TOTP_SECRET_BYTES);

    /* Two secrets are not the same. */
    unsigned char secret2[TOTP_SECRET_BYTES];
    char b32_2[40];
    assert_int_equal(totp_secret_new(secret2, b32_2, sizeof(b32_2)), 0);
    assert_string_not_equal(b32, b32_2);

    /* The RFC secret, as every app would show it. */
    len = sizeof(decoded);
    assert_int_equal(totp_secret_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", decoded, &len), 0);
    assert_int_equal(len, RFC_SECRET_LEN);
    assert_memory_equal(decoded, rfc_secret, RFC_SECRET_LEN);

    /* Too small a destination, empty input, characters outside base32. */
    len = 10;
    assert_int_equal(totp_secret_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", decoded, &len),
                     BUFFR_EINVAL);
    len = sizeof(decoded);
    assert_int_equal(totp_secret_decode("", decoded, &len), BUFFR_EINVAL);
    len = sizeof(decoded);
    assert_int_equal(totp_secret_decode("GEZDGNBVGY3TQOJ1", decoded, &len), BUFFR_EINVAL);
    len = sizeof(decoded);
    assert_int_equal(totp_secret_decode("GEZDGNBV!Y3TQOJQ", decoded, &len), BUFFR_EINVAL);

    /* Room for the text but not the NUL. */
    assert_int_equal(totp_secret_new(secret, b32, 32), BUFFR_EINVAL);
    assert_int_equal(totp_secret_new(secret, b32, 33), 0);
    assert_int_equal(strlen(b32), 32);
}

static void test_uri(void **state)
{
    (void)state;
    char *uri = totp_uri("Hotel Été & Spa", "marie.dupont+spa@example.com", "JBSWY3DPEHPK3PXP");
    assert_non_null(uri);
    assert_string_equal(uri, "otpauth://totp/Hotel%20%C3%89t%C3%A9%20%26%20Spa:"
                             "marie.dupont%2Bspa%40example.com?secret=JBSWY3DPEHPK3PXP"
                             "&issuer=Hotel%20%C3%89t%C3%A9%20%26%20Spa"
                             "&algorithm=SHA1&digits=6&period=30");
    free(uri);

    /* Reserved characters that would change the URI's structure. */
    uri = totp_uri("A:B/C?D#E", "x~y_z-1.2", "GEZDGNBV");
    assert_non_null(uri);
    assert_string_equal(uri, "otpauth://totp/A%3AB%2FC%3FD%23E:x~y_z-1.2?secret=GEZDGNBV"
                             "&issuer=A%3AB%2FC%3FD%23E&algorithm=SHA1&digits=6&period=30");
    free(uri);

    assert_null(totp_uri(NULL, "a", "GEZDGNBV"));
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char code[7];
    int64_t step;
    assert_int_equal(totp_generate(rfc_secret, 0, 59, code), BUFFR_EINVAL);
    assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, -1, code), BUFFR_EINVAL);
    assert_int_equal(totp_verify(rfc_secret, 0, "287082", 59, &step), BUFFR_EINVAL);
}

int main(void)
{
    if (totp_global_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors), cmocka_unit_test(test_window),
        cmocka_unit_test(test_wrong_secret),    cmocka_unit_test(test_code_format),
        cmocka_unit_test(test_base32),          cmocka_unit_test(test_uri),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
