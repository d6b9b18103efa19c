/*
 * idempotency.h - Idempotency-Key for writes that must happen once
 * (reservations, orders, payments, refunds).
 *
 * The first request with a key records it as "processing" and goes on; when
 * its answer is ready the status and body are stored with the key. The same
 * key within 24 hours:
 *   - with the same request (method, path and body): the stored answer again,
 *     and the work is not done twice;
 *   - with a different request: 422 IDEMPOTENCY_KEY_REUSED;
 *   - while the first is still processing: 409 CONFLICT.
 * Keys are per tenant. A 5xx answer is not kept, so the client may retry.
 * A "processing" record older than IDEMPOTENCY_STALE_S (the server died
 * mid-request) no longer blocks the key.
 */
#ifndef BUFFR_IDEMPOTENCY_IDEMPOTENCY_H
#define BUFFR_IDEMPOTENCY_IDEMPOTENCY_H

#include <stddef.h>

#include "app.h"
#include "core/error.h"
#include "db/migrate.h"
#include "http/rbac.h"

#define IDEMPOTENCY_TTL_S   86400
#define IDEMPOTENCY_STALE_S 300
#define IDEMPOTENCY_KEY_MAX 255

extern const db_migration_t idempotency_migrations[];
extern const size_t idempotency_migrations_count;

/* What begin decided. */
typedef enum {
    IDEMPOTENCY_PROCEED = 0, /* do the work, then call idempotency_finish */
    IDEMPOTENCY_REPLAY = 1,  /* *status and *body (caller frees) hold the first answer */
} idempotency_verdict_t;

/* Claim key for this request. request is what identifies the request
 * (method, path, body); only its SHA-256 is kept. Returns a verdict (>= 0) or
 * BUFFR_EIDEMPOTENCY, BUFFR_ECONFLICT or a database error. */
int idempotency_begin(app_t *app, const char *tenant_id, const char *key, const void *request,
                      size_t request_len, int *status, char **body);

/* Store the answer for key (or forget the key when status >= 500). */
int idempotency_finish(app_t *app, const char *tenant_id, const char *key, int status,
                       const char *body, size_t body_len);

#endif
