/*
 * error.h - Buffr Host's error codes and the error record handlers render.
 *
 * Every function that can fail returns 0 on success or a negative BUFFR_E*
 * code. Domain functions that fail for a reason a client should read also
 * fill a buffr_err_t (message and offending field). The mapping from a code
 * to an HTTP status and the API's machine-readable code lives in one table
 * (error.c), so no handler chooses a status by hand.
 */
#ifndef BUFFR_CORE_ERROR_H
#define BUFFR_CORE_ERROR_H

#include <stdarg.h>

enum {
    BUFFR_OK = 0,
    BUFFR_EVALIDATION = -1,   /* 400 VALIDATION_ERROR */
    BUFFR_EMALFORMED = -2,    /* 400 MALFORMED_JSON */
    BUFFR_EUNAUTH = -3,       /* 401 UNAUTHENTICATED */
    BUFFR_EFORBIDDEN = -4,    /* 403 FORBIDDEN */
    BUFFR_ENOTFOUND = -5,     /* 404 NOT_FOUND */
    BUFFR_ECONFLICT = -6,     /* 409 CONFLICT (unique key, stale version, in-flight duplicate) */
    BUFFR_ENOAVAIL = -7,      /* 409 NO_AVAILABILITY */
    BUFFR_ESTATE = -8,        /* 409 INVALID_STATE_TRANSITION */
    BUFFR_ESTOCK = -9,        /* 409 INSUFFICIENT_STOCK */
    BUFFR_ETOOLARGE = -10,    /* 413 PAYLOAD_TOO_LARGE */
    BUFFR_EMEDIA = -11,       /* 415 UNSUPPORTED_MEDIA_TYPE */
    BUFFR_EIDEMPOTENCY = -12, /* 422 IDEMPOTENCY_KEY_REUSED */
    BUFFR_ERATELIMIT = -13,   /* 429 RATE_LIMITED */
    BUFFR_EMETHOD = -14,      /* 405 METHOD_NOT_ALLOWED */
    BUFFR_EUNAVAILABLE = -15, /* 503 UNAVAILABLE (database down, pool exhausted) */
    BUFFR_ENOMEM = -16,       /* 500 INTERNAL */
    BUFFR_EIO = -17,          /* 500 INTERNAL */
    BUFFR_EDB = -18,          /* 500 INTERNAL: unexpected database error */
    BUFFR_EBUSY = -19,        /* retryable: SQLITE_BUSY, serialization failure, deadlock */
    BUFFR_ECONSTRAINT = -20,  /* a CHECK / foreign key / exclusion rule said no */
    BUFFR_EINVAL = -21,       /* programming error: bad argument (500 INTERNAL) */
    BUFFR_EINTERNAL = -22,    /* 500 INTERNAL */
};

/* What a client is told about a failure. */
typedef struct buffr_err {
    int code;          /* a BUFFR_E* value */
    char message[200]; /* human readable, never internal detail */
    char field[64];    /* offending input field, "" when none */
} buffr_err_t;

/* Fill *e (when non-NULL) and return code, so callers write
 * `return buffr_fail(e, BUFFR_EVALIDATION, "check_out", "check_out must be after check_in");` */
int buffr_fail(buffr_err_t *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* HTTP status for a code (500 for anything internal). */
int buffr_http_status(int code);
/* The API's machine-readable code, e.g. "VALIDATION_ERROR". */
const char *buffr_api_code(int code);
/* A short developer-facing name for logs, e.g. "EBUSY". */
const char *buffr_strerror(int code);

#endif
