/* idempotency.c - the idempotency_keys table and its claim/store protocol. */
#include "idempotency/idempotency.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

static const char idempotency_v1_sql[] =
    "CREATE TABLE idempotency_keys ("
    "  tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL,"
    "  request_hash TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('processing','done')),"
    "  status BIGINT,"
    "  response TEXT,"
    "  created_at BIGINT NOT NULL,"
    "  PRIMARY KEY (tenant_id, key)"
    ");"
    "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);";

const db_migration_t idempotency_migrations[] = {
    {.version = 2026112103,
     .name = "idempotency keys",
     .sql = idempotency_v1_sql,
     .tenant_tables = "idempotency_keys"},
};
const size_t idempotency_migrations_count =
    sizeof(idempotency_migrations) / sizeof(idempotency_migrations[0]);

typedef struct claim_work {
    const char *key;
    char hash[65];
    int verdict;
    int status;
    char *body;
} claim_work_t;

static int claim_in_tx(db_tx_t *tx, void *ctx)
{
    claim_work_t *w = ctx;
    int64_t now = time_now();
    free(w->body);
    w->body = NULL;
    /* Forget what expired or was abandoned mid-request, then claim. */
    int rc = db_exec(tx,
                     "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND "
                     "(created_at < $3 OR (state = 'processing' AND created_at < $4))",
                     DB_ARGS(DB_TEXT(w->key), DB_INT(now - IDEMPOTENCY_TTL_S),
                             DB_INT(now - IDEMPOTENCY_STALE_S)),
                     NULL);
    if (rc != 0)
        return rc;
    int64_t inserted = 0;
    rc = db_exec(tx,
                 "INSERT INTO idempotency_keys (tenant_id, key, request_hash, state, created_at) "
                 "VALUES ($1, $2, $3, 'processing', $4) ON CONFLICT (tenant_id, key) DO NOTHING",
                 DB_ARGS(DB_TEXT(w->key), DB_TEXT(w->hash), DB_INT(now)), &inserted);
    if (rc != 0)
        return rc;
    if (inserted == 1) {
        w->verdict = IDEMPOTENCY_PROCEED;
        return 0;
    }
    db_rows_t *rows;
    rc = db_query(tx,
                  "SELECT request_hash, state, status, response FROM idempotency_keys "
                  "WHERE tenant_id = $1 AND key = $2",
                  DB_ARGS(DB_TEXT(w->key)), &rows);
    if (rc != 0)
        return rc;
    rc = db_next(rows);
    if (rc == 1) {
        if (strcmp(db_text(rows, 0), w->hash) != 0) {
            rc = BUFFR_EIDEMPOTENCY;
        } else if (strcmp(db_text(rows, 1), "done") != 0) {
            rc = BUFFR_ECONFLICT;
        } else {
            w->verdict = IDEMPOTENCY_REPLAY;
            w->status = (int)db_int(rows, 2);
            const char *body = db_text(rows, 3);
            w->body = strdup(body ? body : "");
            rc = w->body ? 0 : BUFFR_ENOMEM;
        }
    } else if (rc == 0) {
        rc = BUFFR_EBUSY; /* removed between our insert and read: try again */
    }
    db_rows_free(rows);
    return rc;
}

int idempotency_begin(app_t *app, const char *tenant_id, const char *key, const void *request,
                      size_t request_len, int *status, char **body)
{
    claim_work_t w = {.key = key};
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, request, request_len);
    sodium_bin2hex(w.hash, sizeof(w.hash), digest, sizeof(digest));
    int rc = db_transact(app->db, tenant_id, DB_WRITE, claim_in_tx, &w);
    if (rc != 0) {
        free(w.body);
        return rc;
    }
    *status = w.status;
    *body = w.body;
    return w.verdict;
}

typedef struct store_work {
    const char *key;
    int status;
    const char *body;
} store_work_t;

static int store_in_tx(db_tx_t *tx, void *ctx)
{
    store_work_t *w = ctx;
    /* A server failure is not kept, so a retry does the work; neither is a
     * request that got no answer of its own (status 0: the shared 500 went
     * out instead), which would otherwise be replayed as an invalid status. */
    if (w->status < 100 || w->status >= 500)
        return db_exec(tx, "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
                       DB_ARGS(DB_TEXT(w->key)), NULL);
    return db_exec(tx,
                   "UPDATE idempotency_keys SET state = 'done', status = $3, response = $4 "
                   "WHERE tenant_id = $1 AND key = $2",
                   DB_ARGS(DB_TEXT(w->key), DB_INT(w->status), DB_TEXT(w->body)), NULL);
}

int idempotency_finish(app_t *app, const char *tenant_id, const char *key, int status,
                       const char *body, size_t body_len)
{
    /* Bodies are JSON text without NUL; copy to terminate. */
    char *copy = malloc(body_len + 1);
    if (copy == NULL)
        return BUFFR_ENOMEM;
    if (body_len > 0)
        memcpy(copy, body, body_len);
    copy[body_len] = '\0';
    store_work_t w = {.key = key, .status = status, .body = copy};
    int rc = db_transact(app->db, tenant_id, DB_WRITE, store_in_tx, &w);
    free(copy);
    return rc;
}
