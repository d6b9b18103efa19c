/* ops_api.c - /health, /metrics and the served OpenAPI document. */
#include "api/api.h"
#include "api/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "http/metrics.h"
#include "http/openapi.h"

void api_health(req_t *r)
{
    app_t *app = req_app(r);
    bool db_ok = db_ping(app->db) == 0;
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:I}", "status", db_ok ? "ok" : "degraded", "database",
                  db_ok ? "ok" : "unreachable", "backend", db_backend_name(app->db), "version",
                  BUFFR_VERSION, "uptime_s", (json_int_t)(time_monotonic() - app->started));
    if (body == NULL) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    reply_json(r, db_ok ? 200 : 503, body);
}

/* Resident set size from /proc/self/statm (pages). */
static long process_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    long size = 0, resident = 0;
    int n = fscanf(f, "%ld %ld", &size, &resident);
    fclose(f);
    return n == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

void api_metrics(req_t *r)
{
    char *http_text = NULL;
    size_t http_len = 0;
    if (metrics_render_http(&http_text, &http_len) != 0) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    app_t *app = req_app(r);
    db_stats_t s;
    db_get_stats(app->db, &s);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        free(http_text);
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    fwrite(http_text, 1, http_len, f);
    free(http_text);
    fprintf(f,
            "# HELP buffr_db_pool_size Database connections in the pool.\n"
            "# TYPE buffr_db_pool_size gauge\nbuffr_db_pool_size{backend=\"%s\"} %d\n"
            "# HELP buffr_db_pool_in_use Database connections lent out now.\n"
            "# TYPE buffr_db_pool_in_use gauge\nbuffr_db_pool_in_use %d\n"
            "# HELP buffr_db_pool_waits_total Times a request waited for a connection.\n"
            "# TYPE buffr_db_pool_waits_total counter\nbuffr_db_pool_waits_total %llu\n"
            "# HELP buffr_db_transactions_total Committed transactions.\n"
            "# TYPE buffr_db_transactions_total counter\nbuffr_db_transactions_total %llu\n"
            "# HELP buffr_db_rollbacks_total Rolled back transactions.\n"
            "# TYPE buffr_db_rollbacks_total counter\nbuffr_db_rollbacks_total %llu\n"
            "# HELP buffr_db_retries_total Transactions run again after a busy or "
            "serialization failure.\n"
            "# TYPE buffr_db_retries_total counter\nbuffr_db_retries_total %llu\n"
            "# HELP buffr_db_write_batches_total SQLite commits that carried queued writes.\n"
            "# TYPE buffr_db_write_batches_total counter\nbuffr_db_write_batches_total %llu\n"
            "# HELP buffr_db_batched_writes_total Units of write work committed in batches.\n"
            "# TYPE buffr_db_batched_writes_total counter\nbuffr_db_batched_writes_total %llu\n"
            "# HELP buffr_db_statements_total Statements run.\n"
            "# TYPE buffr_db_statements_total counter\nbuffr_db_statements_total %llu\n"
            "# HELP buffr_db_statement_seconds_total Time spent in statements.\n"
            "# TYPE buffr_db_statement_seconds_total counter\n"
            "buffr_db_statement_seconds_total %.6f\n"
            "# HELP buffr_process_resident_memory_bytes Resident memory of the process.\n"
            "# TYPE buffr_process_resident_memory_bytes gauge\n"
            "buffr_process_resident_memory_bytes %ld\n"
            "# HELP buffr_process_uptime_seconds Seconds since start.\n"
            "# TYPE buffr_process_uptime_seconds gauge\nbuffr_process_uptime_seconds %.0f\n",
            db_backend_name(app->db), s.pool_size, s.pool_in_use, (unsigned long long)s.pool_waits,
            (unsigned long long)s.transactions, (unsigned long long)s.rollbacks,
            (unsigned long long)s.retries, (unsigned long long)s.write_batches,
            (unsigned long long)s.batched_units, (unsigned long long)s.statements,
            s.statement_seconds, process_rss_bytes(), time_monotonic() - app->started);
    if (fclose(f) != 0 || text == NULL) {
        free(text);
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

void api_openapi(req_t *r)
{
    size_t n;
    const route_t *routes = api_routes(&n);
    json_t *doc = openapi_document(routes, n, BUFFR_VERSION);
    if (doc == NULL) {
        reply_error(r, BUFFR_ENOMEM, NULL, "out of memory");
        return;
    }
    reply_json(r, 200, doc);
}

/* ---- routes ---- */

static const char health_answer[] =
    OBJ("\"status\":{\"enum\":[\"ok\",\"degraded\"]},\"database\":" S_STR ",\"backend\":" S_STR
        ",\"version\":" S_STR,
        "\"status\",\"database\"");

const route_t ops_routes[] = {
    {"GET", "/health", api_health, PERM_PUBLIC, "Liveness and database check", "operations", 0,
     NULL, health_answer, 200},
    {"GET", "/metrics", api_metrics, PERM_PUBLIC, "Prometheus metrics", "operations", ROUTE_RAW,
     NULL, NULL, 200},
    {"GET", "/api/v1/openapi.json", api_openapi, PERM_PUBLIC, "This OpenAPI document", "operations",
     0, NULL, NULL, 200},
};
const size_t ops_routes_count = sizeof(ops_routes) / sizeof(ops_routes[0]);
