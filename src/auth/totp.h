/*
 * totp.h - time-based one-time passwords (RFC 6238, over RFC 4226 HOTP),
 * through liboath. 30-second steps, 6 digits, HMAC-SHA-1: what every
 * authenticator app speaks.
 *
 * Replay protection is the caller's part: totp_verify() reports the time
 * step a code matched, the caller stores the last accepted step per user and
 * refuses any code whose step is not greater.
 */
#ifndef BUFFR_AUTH_TOTP_H
#define BUFFR_AUTH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */
#define TOTP_STEP_S       30
#define TOTP_DIGITS       6
#define TOTP_WINDOW       1 /* steps accepted either side of now, for clock skew */

/* Process-wide liboath setup; call once before any other totp_* call. */
int totp_global_init(void);

/* Fill secret with TOTP_SECRET_BYTES random bytes and write its base32
 * (RFC 4648, no padding) into b32 (at least 40 bytes). */
int totp_secret_new(unsigned char *secret, char *b32, size_t b32len);

/* Decode a base32 secret (as stored) into secret (*len in: capacity, out:
 * length). 0 or BUFFR_EINVAL. */
int totp_secret_decode(const char *b32, unsigned char *secret, size_t *len);

/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded. Caller frees; NULL on ENOMEM. */
char *totp_uri(const char *issuer, const char *account, const char *b32_secret);

/* The code for time now (for tests and the CLI). out has room for 7 bytes. */
int totp_generate(const unsigned char *secret, size_t len, int64_t now, char out[7]);

/* Check code at time now within TOTP_WINDOW. 0 with *step = the matched time
 * step (now/30 + offset), or BUFFR_EUNAUTH. Codes that are not exactly 6
 * digits are refused. */
int totp_verify(const unsigned char *secret, size_t len, const char *code, int64_t now,
                int64_t *step);

#endif
