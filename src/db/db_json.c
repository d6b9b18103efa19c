/*
 * db_json.c - reading one row into a JSON value: the step every module's
 * "read it back" and "get one" take. Knows no resource: the caller renders.
 */
#include "db/db.h"

#include <jansson.h>

#include "core/error.h"

int db_query_first(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                   db_rows_t **rows)
{
    int rc = db_query(tx, sql, args, nargs, rows);
    if (rc != 0)
        return rc;
    rc = db_next(*rows);
    if (rc == 1)
        return 0;
    db_rows_free(*rows);
    *rows = NULL;
    return rc == 0 ? BUFFR_ENOTFOUND : rc;
}

int db_query_json(db_tx_t *tx, const char *sql, const db_arg_t *args, size_t nargs,
                  db_row_json_fn render, json_t **out)
{
    db_rows_t *rows;
    int rc = db_query_first(tx, sql, args, nargs, &rows);
    if (rc != 0)
        return rc;
    json_t *one = render(rows);
    db_rows_free(rows);
    if (one == NULL)
        return BUFFR_ENOMEM;
    json_decref(*out);
    *out = one;
    return 0;
}
