/*
 * password.h - password policy and hashing.
 *
 * Hashing: Argon2id through libsodium's crypto_pwhash_str_alg, with the
 * memory and pass limits from the configuration (at least 19 MiB and 2
 * passes). The stored string is the self-describing PHC format, so the
 * limits can be raised later and old hashes still verify
 * (password_needs_rehash tells when to upgrade one at login).
 *
 * Policy: 12 to 1024 bytes of UTF-8 (no truncation: every byte counts), and
 * not a well-known weak password as libpwquality (with cracklib's dictionary)
 * judges it, also checked against the user's email and name.
 */
#ifndef BUFFR_AUTH_PASSWORD_H
#define BUFFR_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define PASSWORD_MIN_BYTES  12
#define PASSWORD_MAX_BYTES  1024
#define PASSWORD_HASH_BYTES 128 /* crypto_pwhash_STRBYTES */

/* Set the Argon2id cost once at start (MiB >= 19, passes >= 2). */
int password_configure(int memlimit_mib, int opslimit);

/* 0 when password is acceptable for this user, else BUFFR_EVALIDATION with a
 * message for the user (field "password"). email/full_name may be NULL. */
int password_check_policy(const char *password, const char *email, const char *full_name,
                          buffr_err_t *e);

/* Hash into out (PASSWORD_HASH_BYTES). 0, or BUFFR_ENOMEM. */
int password_hash(const char *password, char out[PASSWORD_HASH_BYTES]);

/* true when password matches hash. */
bool password_verify(const char *hash, const char *password);

/* true when hash was made with weaker limits than configured now. */
bool password_needs_rehash(const char *hash);

/* Spend the time of one verification without a real hash, so a login for an
 * unknown email takes as long as one with a wrong password. */
void password_burn(const char *password);

#endif
