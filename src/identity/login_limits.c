/*
 * login_limits.c - sign-in attempt counts per address and per account, in a
 * fixed window, kept in the database for every instance (see
 * login_limits.h).
 *
 * One row per key: when the window of its first attempt started and how
 * many attempts it holds. A hit past the window starts a new one; rows of
 * ended windows are deleted now and then by a hit.
 */
#include "identity/login_limits.h"

#include <sodium.h>
#include <string.h>

#include "core/error.h"

#define LOGIN_KEY_HEX (crypto_generichash_BYTES * 2 + 1)
/* One hit in this many also deletes the rows of ended windows. */
#define LOGIN_PRUNE_ONE_IN 64

typedef struct login_limit_work {
    char key_hash[LOGIN_KEY_HEX];
    int64_t now, window;
    int limit;
    int retry_after; /* out of check: seconds left when over */
    bool over;
    bool prune;
} login_limit_work_t;

/* Hash kind and key under a key of their own derived from the signing
 * key: without it, the stored hashes cannot be tested against guesses. */
static void login_limit_hash(const app_t *app, login_limit_kind_t kind, const char *key,
                             char out[LOGIN_KEY_HEX])
{
    unsigned char subkey[crypto_generichash_KEYBYTES];
    static const char purpose[] = "buffr login attempt counts";
    size_t key_len = app->jwt_key_len < crypto_generichash_KEYBYTES_MAX
                         ? app->jwt_key_len
                         : crypto_generichash_KEYBYTES_MAX;
    crypto_generichash(subkey, sizeof(subkey), (const unsigned char *)purpose, sizeof(purpose) - 1,
                       key_len >= crypto_generichash_KEYBYTES_MIN ? app->jwt_key : NULL,
                       key_len >= crypto_generichash_KEYBYTES_MIN ? key_len : 0);
    crypto_generichash_state state;
    unsigned char digest[crypto_generichash_BYTES];
    unsigned char tag = kind == LOGIN_LIMIT_ADDRESS ? 'a' : 'e';
    crypto_generichash_init(&state, subkey, sizeof(subkey), sizeof(digest));
    crypto_generichash_update(&state, &tag, 1);
    crypto_generichash_update(&state, (const unsigned char *)key, strlen(key));
    crypto_generichash_final(&state, digest, sizeof(digest));
    sodium_bin2hex(out, LOGIN_KEY_HEX, digest, sizeof(digest));
    sodium_memzero(subkey, sizeof(subkey));
}

static void login_limit_prepare(app_t *app, login_limit_kind_t kind, const char *key, int64_t now,
                                login_limit_work_t *w)
{
    memset(w, 0, sizeof(*w));
    login_limit_hash(app, kind, key, w->key_hash);
    w->now = now;
    w->window = app->config.login_window_s;
    w->limit =
        kind == LOGIN_LIMIT_ADDRESS ? app->config.login_ip_limit : app->config.login_account_limit;
}

static int login_limit_check_in_tx(db_tx_t *tx, void *ctx)
{
    login_limit_work_t *w = ctx;
    w->over = false;
    db_rows_t *rows;
    int rc =
        db_query_first(tx, "SELECT window_start, attempts FROM login_attempts WHERE key_hash = $1",
                       DB_ARGS(DB_TEXT(w->key_hash)), &rows);
    if (rc == BUFFR_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    int64_t ends = db_int(rows, 0) + w->window, attempts = db_int(rows, 1);
    db_rows_free(rows);
    if (w->now < ends && attempts >= w->limit) {
        w->over = true;
        w->retry_after = (int)(ends - w->now);
    }
    return 0;
}

int login_limit_check(app_t *app, login_limit_kind_t kind, const char *key, int64_t now,
                      int *retry_after)
{
    if (key == NULL || key[0] == '\0')
        return 0;
    login_limit_work_t w;
    login_limit_prepare(app, kind, key, now, &w);
    int rc = db_transact(app->db, NULL, DB_READ, login_limit_check_in_tx, &w);
    if (rc != 0)
        return rc;
    if (!w.over)
        return 0;
    *retry_after = w.retry_after > 0 ? w.retry_after : 1;
    return BUFFR_ERATELIMIT;
}

static int login_limit_hit_in_tx(db_tx_t *tx, void *ctx)
{
    login_limit_work_t *w = ctx;
    /* Every SET expression reads the row as it was: both CASEs agree on
     * whether the window has ended. */
    int rc = db_exec(tx,
                     "INSERT INTO login_attempts (key_hash, window_start, attempts) "
                     "VALUES ($1, $2, 1) ON CONFLICT (key_hash) DO UPDATE SET "
                     "attempts = CASE WHEN login_attempts.window_start + $3 <= $2 THEN 1 "
                     "ELSE login_attempts.attempts + 1 END, "
                     "window_start = CASE WHEN login_attempts.window_start + $3 <= $2 THEN $2 "
                     "ELSE login_attempts.window_start END",
                     DB_ARGS(DB_TEXT(w->key_hash), DB_INT(w->now), DB_INT(w->window)), NULL);
    if (rc == 0 && w->prune)
        rc = db_exec(tx, "DELETE FROM login_attempts WHERE window_start + $1 <= $2",
                     DB_ARGS(DB_INT(w->window), DB_INT(w->now)), NULL);
    return rc;
}

int login_limit_hit(app_t *app, login_limit_kind_t kind, const char *key, int64_t now)
{
    if (key == NULL || key[0] == '\0')
        return 0;
    login_limit_work_t w;
    login_limit_prepare(app, kind, key, now, &w);
    w.prune = randombytes_uniform(LOGIN_PRUNE_ONE_IN) == 0;
    return db_transact(app->db, NULL, DB_WRITE, login_limit_hit_in_tx, &w);
}

static int login_limit_reset_in_tx(db_tx_t *tx, void *ctx)
{
    login_limit_work_t *w = ctx;
    return db_exec(tx, "DELETE FROM login_attempts WHERE key_hash = $1",
                   DB_ARGS(DB_TEXT(w->key_hash)), NULL);
}

int login_limit_reset(app_t *app, login_limit_kind_t kind, const char *key)
{
    if (key == NULL || key[0] == '\0')
        return 0;
    login_limit_work_t w;
    login_limit_prepare(app, kind, key, 0, &w);
    return db_transact(app->db, NULL, DB_WRITE, login_limit_reset_in_tx, &w);
}
