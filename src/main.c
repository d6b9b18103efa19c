/*
 * main.c - the buffr command: serve, migrate, backup, user create.
 * Only main() may exit the process; everything below returns codes.
 */
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "core/config.h"
#include "core/log.h"
#include "db/migrate.h"
#include "demo.h"
#include "http/server.h"
#include "identity/identity.h"
#include "idempotency/idempotency.h"

#define PASSWORD_LINE_MAX 1100

static void usage(FILE *out)
{
    fprintf(out,
            "Buffr Host %s - hospitality platform server\n"
            "\n"
            "Usage:\n"
            "  buffr serve [settings]           run the HTTP server (migrates first)\n"
            "  buffr migrate [settings]         apply pending database migrations\n"
            "  buffr backup FILE [settings]     online copy of a SQLite database to FILE\n"
            "  buffr user create --email E --full-name N (--tenant-name T | --tenant-id ID\n"
            "                    --role R) [--password P] [settings]\n"
            "                                   create a tenant owner (or a user of a tenant);\n"
            "                                   without --password, it is read from stdin\n"
            "  buffr --version | --help\n"
            "\n"
            "Settings (flags; also BUFFR_<NAME> environment variables or a --config FILE of\n"
            "'name = value' lines; flags win over the environment, which wins over the file):\n"
            "  --config FILE\n"
            "  --database URL               short for --database-url\n",
            BUFFR_VERSION);
    if (out == stdout)
        config_print_help();
}

static int load_config(config_t *c, int argc, char **argv, int first)
{
    char err[512];
    if (config_resolve(c, argc, argv, first, err, sizeof(err)) != 0) {
        fprintf(stderr, "buffr: %s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    config_t config;
    if (load_config(&config, argc, argv, 2) != 0)
        return 2;
    /* Signals are taken by this thread with sigwait; the server's threads
     * inherit the blocked mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    app_t app;
    if (app_init(&app, &config) != 0)
        return 1;
    if (config.demo_data && demo_ensure(&app) != 0) {
        app_free(&app);
        return 1;
    }
    char host[128];
    uint16_t port;
    config_listen_parts(&config, host, sizeof(host), &port);
    http_server_opts_t opts = {
        .host = host,
        .port = port,
        .threads = config.threads,
        .io_threads = config.io_threads,
        .max_body_bytes = config.max_body_bytes,
        .max_header_bytes = config.max_header_bytes,
        .max_connections = config.max_connections,
        .max_connections_per_ip = config.max_connections_per_ip,
        .connection_timeout_s = config.connection_timeout_s,
        .access_log = config.access_log,
        .idempotency_begin = idempotency_begin,
        .idempotency_finish = idempotency_finish,
    };
    http_server_t *server = NULL;
    size_t nroutes;
    const route_t *routes = api_routes(&nroutes);
    int rc = routes ? http_server_start(&opts, &app, routes, nroutes, api_authenticate, &server)
                    : BUFFR_ENOMEM;
    if (rc != 0) {
        log_error("cannot listen on %s (%s)", config.listen, buffr_strerror(rc));
        app_free(&app);
        return 1;
    }
    const char *shown = strchr(host, ':') ? "[%s]" : "%s";
    char hostpart[140];
    snprintf(hostpart, sizeof(hostpart), shown, host);
    printf("buffr listening on http://%s:%u (database: %s)\n", hostpart,
           (unsigned)http_server_port(server), db_backend_name(app.db));
    fflush(stdout);
    log_info("listening on %s:%u with %d handler threads", hostpart,
             (unsigned)http_server_port(server), config.threads);

    int sig = 0;
    sigwait(&stop, &sig);
    log_info("received %s: finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    http_server_stop(server, 30);
    app_free(&app);
    log_info("stopped");
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    config_t config;
    if (load_config(&config, argc, argv, 2) != 0)
        return 2;
    db_t *db = NULL;
    db_options_t opts = {.pool_size = 1};
    if (db_open(config.database_url, &opts, &db) != 0) {
        fprintf(stderr, "buffr: cannot open the database\n");
        return 1;
    }
    int applied = 0;
    int rc = app_migrate(db, &applied);
    int64_t version = 0;
    db_schema_version(db, &version);
    db_close(db);
    if (rc != 0) {
        fprintf(stderr, "buffr: migration failed (%s)\n", buffr_strerror(rc));
        return 1;
    }
    printf("applied %d migration(s); schema version %lld\n", applied, (long long)version);
    return 0;
}

static int cmd_backup(int argc, char **argv)
{
    if (argc < 3 || strncmp(argv[2], "--", 2) == 0) {
        fprintf(stderr, "buffr: backup needs a target file: buffr backup FILE\n");
        return 2;
    }
    config_t config;
    if (load_config(&config, argc, argv, 3) != 0)
        return 2;
    db_t *db = NULL;
    db_options_t opts = {.pool_size = 1};
    if (db_open(config.database_url, &opts, &db) != 0) {
        fprintf(stderr, "buffr: cannot open the database\n");
        return 1;
    }
    int rc = db_backup(db, argv[2]);
    db_close(db);
    if (rc == BUFFR_EINVAL) {
        fprintf(stderr, "buffr: backup copies SQLite databases; use pg_dump for PostgreSQL\n");
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "buffr: backup failed (%s)\n", buffr_strerror(rc));
        return 1;
    }
    printf("backup written to %s\n", argv[2]);
    return 0;
}

/* Take "--name value" / "--name=value" for the user fields out of argv so
 * that the rest can go to the settings parser. */
static const char *take_flag(int *argc, char **argv, int first, const char *name)
{
    size_t n = strlen(name);
    for (int i = first; i < *argc; i++) {
        const char *a = argv[i];
        const char *value = NULL;
        int used = 0;
        if (strcmp(a, name) == 0 && i + 1 < *argc) {
            value = argv[i + 1];
            used = 2;
        } else if (strncmp(a, name, n) == 0 && a[n] == '=') {
            value = a + n + 1;
            used = 1;
        }
        if (used) {
            memmove(&argv[i], &argv[i + used], (size_t)(*argc - i - used) * sizeof(char *));
            *argc -= used;
            return value;
        }
    }
    return NULL;
}

static int cmd_user_create(int argc, char **argv)
{
    const char *email = take_flag(&argc, argv, 3, "--email");
    const char *full_name = take_flag(&argc, argv, 3, "--full-name");
    const char *tenant_name = take_flag(&argc, argv, 3, "--tenant-name");
    const char *tenant_id = take_flag(&argc, argv, 3, "--tenant-id");
    const char *role = take_flag(&argc, argv, 3, "--role");
    const char *password = take_flag(&argc, argv, 3, "--password");
    if (email == NULL || full_name == NULL || (tenant_name == NULL) == (tenant_id == NULL)) {
        fprintf(stderr, "buffr: user create needs --email, --full-name and either --tenant-name "
                        "(a new tenant and its owner) or --tenant-id with --role\n");
        return 2;
    }
    principal_t operator_ = {.role = ROLE_OWNER, .services = SERVICE_ALL};
    if (tenant_id != NULL && uuid_normalize(tenant_id, operator_.tenant_id) != 0) {
        fprintf(stderr, "buffr: --tenant-id must be a UUID\n");
        return 2;
    }
    config_t config;
    if (load_config(&config, argc, argv, 3) != 0)
        return 2;
    /* Read last, so that every way out from here wipes it. */
    char line[PASSWORD_LINE_MAX] = "";
    if (password == NULL) {
        if (fgets(line, sizeof(line), stdin) == NULL) {
            fprintf(stderr, "buffr: no password given (use --password or write it to stdin)\n");
            return 2;
        }
        line[strcspn(line, "\r\n")] = '\0';
        password = line;
    }
    app_t app;
    if (app_init(&app, &config) != 0) {
        sodium_memzero(line, sizeof(line));
        return 1;
    }
    buffr_err_t e = {0};
    int rc;
    char tid[UUID_BUF_SIZE], uid[UUID_BUF_SIZE];
    if (tenant_name != NULL) {
        rc = identity_create_tenant_owner(&app, tenant_name, email, password, full_name, tid, uid,
                                          &e);
    } else {
        json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "email", email, "full_name", full_name,
                                 "password", password, "role", role ? role : "staff");
        json_t *user = NULL;
        rc = body ? users_create(&app, &operator_, body, &user, &e) : BUFFR_ENOMEM;
        snprintf(tid, sizeof(tid), "%s", operator_.tenant_id);
        snprintf(uid, sizeof(uid), "%s",
                 user ? json_string_value(json_object_get(user, "id")) : "");
        json_decref(body);
        json_decref(user);
        if (rc == BUFFR_ECONSTRAINT)
            buffr_fail(&e, rc, "tenant_id", "no such tenant");
    }
    sodium_memzero(line, sizeof(line));
    app_free(&app);
    if (rc != 0) {
        fprintf(stderr, "buffr: %s\n", e.message[0] ? e.message : buffr_strerror(rc));
        return 1;
    }
    printf("created user %s (%s) in tenant %s\n", uid, email, tid);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "buffr: libsodium failed to start\n");
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("buffr %s\n", BUFFR_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc, argv);
    if (strcmp(cmd, "backup") == 0)
        return cmd_backup(argc, argv);
    if (strcmp(cmd, "user") == 0 && argc >= 3 && strcmp(argv[2], "create") == 0)
        return cmd_user_create(argc, argv);
    fprintf(stderr, "buffr: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
