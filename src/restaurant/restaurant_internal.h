/*
 * restaurant_internal.h - helpers shared by the restaurant module's files
 * (not part of its interface: the API layer includes restaurant.h only).
 */
#ifndef BUFFR_RESTAURANT_INTERNAL_H
#define BUFFR_RESTAURANT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "core/timeutil.h"
#include "core/uuid.h"
#include "app.h"
#include "db/db.h"

#define RESTAURANT_TZ_MAX 64

/* db_transact for this module. On SQLite, which admits one writer at a
 * time, the module's writers queue on a process mutex instead of in
 * SQLite's busy handler, whose sleeps (up to 100 ms each) otherwise give
 * orders a long latency tail under load. Reads go straight through. */
int restaurant_transact(app_t *app, const char *tenant_id, int flags, db_work_fn work, void *ctx);

/* Finish a domain call: on success *out = result; on failure free result
 * and make sure *e explains rc (a not-found names what). */
int restaurant_done(int rc, json_t *result, json_t **out, buffr_err_t *e, const char *what);

/* 0 when the property exists in the transaction's tenant, else
 * BUFFR_ENOTFOUND. currency (4 bytes) and timezone (RESTAURANT_TZ_MAX) may
 * be NULL. */
int restaurant_property_read(db_tx_t *tx, const char *pid, char *currency, char *zone_name);

/* An RFC 3339 JSON string of a Unix time (NULL on ENOMEM). */
json_t *restaurant_time_json(int64_t unix_seconds);

/* Optional or required UUID field (normalised to lowercase). */
int restaurant_uuid_field(json_t *body, const char *field, bool required, char out[UUID_BUF_SIZE],
                          bool *present, buffr_err_t *e);

/* A station name: 1..32 of [a-z0-9_-]. */
bool restaurant_station_valid(const char *s);

/* The civil date (YYYY-MM-DD) of a Unix time in an IANA zone, read from
 * the system's TZif files (cached). Unknown zone: BUFFR_EINVAL. */
int business_day_of(const char *zone_name, int64_t unix_seconds, char out[DATE_BUF_SIZE]);

/* A signed table token (table_token.c). */
#define TABLE_TOKEN_MAX 128
int table_token_make(const unsigned char *key, size_t key_len, const char *tenant_id,
                     const char *property_id, const char *table_id, int64_t token_version,
                     char out[TABLE_TOKEN_MAX]);
/* Check the signature (constant time) and unpack. BUFFR_EUNAUTH if bad. */
int table_token_parse(const unsigned char *key, size_t key_len, const char *token,
                      char tenant_id[UUID_BUF_SIZE], char property_id[UUID_BUF_SIZE],
                      char table_id[UUID_BUF_SIZE], int64_t *token_version);

/* QR code images of text (qr_code.c); *out is malloc'ed, caller frees. */
int qr_code_svg(const char *text, char **out, size_t *len);
int qr_code_png(const char *text, unsigned char **out, size_t *len);

#endif
