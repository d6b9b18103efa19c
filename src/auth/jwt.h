/*
 * jwt.h - HS256 JSON Web Tokens (RFC 7519 / RFC 7515), strict.
 *
 * Only one algorithm is ever accepted: the header must be exactly
 * {"alg":"HS256","typ":"JWT"} in content (any key order, "typ" optional).
 * "none", any other alg, "crit", and key-locating parameters such as "jku",
 * "jwk", "x5u", "kid" are refused: nothing in a token chooses how it is
 * verified. The signature is compared in constant time. exp is required and
 * must be in the future; nbf, when present, must not be in the future; iat,
 * when present, must not be in the future beyond the leeway.
 *
 * HMAC-SHA-256 and base64url come from libsodium.
 */
#ifndef BUFFR_AUTH_JWT_H
#define BUFFR_AUTH_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JWT_KEY_BYTES 32
#define JWT_LEEWAY_S  30 /* clock skew allowed for nbf and iat */

/* Sign claims (not stolen) into a compact token; caller frees.
 * NULL on allocation failure. */
char *jwt_sign(const json_t *claims, const unsigned char *key, size_t keylen);

/* Verify token with key at time now (Unix seconds). On success returns 0 and
 * *claims_out (caller decrefs). BUFFR_EUNAUTH for anything wrong: malformed,
 * wrong alg, bad signature, expired, not yet valid. */
int jwt_verify(const char *token, const unsigned char *key, size_t keylen, int64_t now,
               json_t **claims_out);

#endif
