/*
 * login_limits.h - how many sign-in attempts an address or an account may
 * make per window (login_ip_limit, login_account_limit, login_window_s).
 *
 * The counts live in the database (login_attempts), so every instance
 * behind a load balancer sees the same ones and a restart forgets none.
 * Keys are stored only as a keyed BLAKE2b hash (the key derived from the
 * token signing key), so the table holds no address or email in clear.
 *
 * Not here: what an attempt is (auth.c and mfa.c decide when to count).
 */
#ifndef BUFFR_IDENTITY_LOGIN_LIMITS_H
#define BUFFR_IDENTITY_LOGIN_LIMITS_H

#include <stdint.h>

#include "app.h"

typedef enum {
    LOGIN_LIMIT_ADDRESS, /* attempts from a client address (login_ip_limit) */
    LOGIN_LIMIT_ACCOUNT, /* failures on an account, by normalised email (login_account_limit) */
} login_limit_kind_t;

/* Is key over its limit at now? 0 when not; BUFFR_ERATELIMIT with
 * *retry_after (seconds until its window ends) when it is; or a database
 * error. An empty or NULL key is never limited. */
int login_limit_check(app_t *app, login_limit_kind_t kind, const char *key, int64_t now,
                      int *retry_after);

/* Count one attempt for key (a new window when the last one has ended).
 * 0 or a database error. */
int login_limit_hit(app_t *app, login_limit_kind_t kind, const char *key, int64_t now);

/* Forget key's attempts (a successful sign-in clears its failures). */
int login_limit_reset(app_t *app, login_limit_kind_t kind, const char *key);

#endif
