/*
 * config.c - settings from defaults, a config file, the environment and flags,
 * in that order of precedence (later wins). One table describes every key, so
 * the file, the environment, the flags and --help can never disagree.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { KEY_STRING, KEY_INT, KEY_INT64, KEY_BOOL } key_type_t;

typedef struct config_key {
    const char *name;
    key_type_t type;
    size_t offset;
    size_t size; /* for strings: buffer size */
    int64_t min, max;
    const char *help;
} config_key_t;

#define STR_KEY(field, help)                                                                       \
    {                                                                                              \
#field, KEY_STRING, offsetof(config_t, field), sizeof(((config_t *)0)->field), 0, 0, help  \
    }
#define INT_KEY(field, lo, hi, help)                                                               \
    {                                                                                              \
#field, KEY_INT, offsetof(config_t, field), 0, lo, hi, help                                \
    }
#define INT64_KEY(field, lo, hi, help)                                                             \
    {                                                                                              \
#field, KEY_INT64, offsetof(config_t, field), 0, lo, hi, help                              \
    }
#define BOOL_KEY(field, help)                                                                      \
    {                                                                                              \
#field, KEY_BOOL, offsetof(config_t, field), 0, 0, 1, help                                 \
    }

static const config_key_t config_keys[] = {
    STR_KEY(listen, "HOST:PORT to listen on (port 0 picks a free one)"),
    STR_KEY(database_url, "sqlite:PATH or postgresql://user@host:port/db"),
    STR_KEY(data_dir, "directory for the SQLite database and uploaded files"),
    STR_KEY(jwt_secret, "token signing secret (default: generated once, kept in the database)"),
    STR_KEY(public_url, "http(s)://host[:port][/prefix] clients reach the server at, for the "
                        "links it prints (default: each request's Host)"),
    STR_KEY(log_level, "debug, info, warn or error"),
    INT_KEY(threads, 1, 1024, "request handler threads (they wait on the database)"),
    INT_KEY(io_threads, 0, 256, "threads reading and writing connections (0: one per core)"),
    INT_KEY(db_pool_size, 1, 1024, "database connections (default: as many as threads)"),
    INT64_KEY(max_body_bytes, 1024, INT64_C(1) << 30, "largest request body accepted"),
    INT_KEY(max_header_bytes, 1024, 1 << 20, "largest request header block accepted"),
    INT_KEY(max_connections, 1, 1000000, "open connections at most"),
    INT_KEY(max_connections_per_ip, 0, 1000000,
            "open connections per client address (0: no limit)"),
    INT_KEY(connection_timeout_s, 1, 3600, "drop a connection idle or stalled this long"),
    INT_KEY(access_token_ttl_s, 60, 86400, "access token lifetime"),
    INT_KEY(refresh_token_ttl_s, 300, 31536000, "refresh token lifetime"),
    BOOL_KEY(registration_enabled, "allow POST /api/v1/auth/register"),
    BOOL_KEY(demo_data, "create a demo tenant with an owner login on first start"),
    BOOL_KEY(access_log, "write a JSON access log line per request"),
    INT_KEY(login_ip_limit, 1, 1000000, "login attempts per client address per window"),
    INT_KEY(login_account_limit, 1, 1000000, "failed logins per account per window"),
    INT_KEY(login_window_s, 1, 86400, "login rate-limit window"),
    INT_KEY(password_memlimit_mib, 19, 4096, "Argon2id memory per password hash, MiB"),
    INT_KEY(password_opslimit, 2, 64, "Argon2id passes per password hash"),
};
#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

void config_defaults(config_t *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8080");
    snprintf(c->data_dir, sizeof(c->data_dir), "./data");
    snprintf(c->log_level, sizeof(c->log_level), "info");
    /* Handlers block on the database; more of them than cores lets reads
     * run side by side and concurrent writes share one SQLite commit. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = cores > 0 ? (int)cores * 4 : 16;
    if (c->threads < 16)
        c->threads = 16;
    c->db_pool_size = 0; /* resolved to threads in config_resolve */
    c->max_body_bytes = 1024 * 1024;
    c->max_header_bytes = 16 * 1024;
    c->max_connections = 1024;
    c->max_connections_per_ip = 0;
    c->connection_timeout_s = 30;
    c->access_token_ttl_s = 900;
    c->refresh_token_ttl_s = 30 * 86400;
    c->registration_enabled = true;
    c->demo_data = false;
    c->access_log = true;
    c->login_ip_limit = 30;
    c->login_account_limit = 5;
    c->login_window_s = 300;
    c->password_memlimit_mib = 64;
    c->password_opslimit = 2;
}

static const config_key_t *config_find(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(config_keys[i].name, key) == 0)
            return &config_keys[i];
    return NULL;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int config_set(config_t *c, const char *key, const char *value, char *err, size_t errlen)
{
    const config_key_t *k = config_find(key);
    if (k == NULL) {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -1;
    }
    char *field = (char *)c + k->offset;
    switch (k->type) {
    case KEY_STRING:
        if (strlen(value) >= k->size) {
            snprintf(err, errlen, "%s is too long (at most %zu bytes)", key, k->size - 1);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case KEY_BOOL: {
        bool b;
        if (parse_bool(value, &b) != 0) {
            snprintf(err, errlen, "%s must be true or false, not '%s'", key, value);
            return -1;
        }
        *(bool *)field = b;
        return 0;
    }
    case KEY_INT:
    case KEY_INT64: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max) {
            snprintf(err, errlen, "%s must be an integer from %lld to %lld, not '%s'", key,
                     (long long)k->min, (long long)k->max, value);
            return -1;
        }
        if (k->type == KEY_INT)
            *(int *)field = (int)v;
        else
            *(int64_t *)field = (int64_t)v;
        return 0;
    }
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int config_load_file(config_t *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int lineno = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            fclose(f);
            return -1;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        char kerr[256];
        if (config_set(c, key, value, kerr, sizeof(kerr)) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, kerr);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

int config_load_env(config_t *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char name[96] = "BUFFR_";
        size_t n = strlen(name);
        for (const char *p = config_keys[i].name; *p && n < sizeof(name) - 1; p++)
            name[n++] = (char)toupper((unsigned char)*p);
        name[n] = '\0';
        const char *v = getenv(name);
        if (v == NULL)
            continue;
        char kerr[256];
        if (config_set(c, config_keys[i].name, v, kerr, sizeof(kerr)) != 0) {
            snprintf(err, errlen, "%s: %s", name, kerr);
            return -1;
        }
    }
    return 0;
}

/* "--database" is the documented short form of "--database-url". */
static const char *flag_alias(const char *key)
{
    return strcmp(key, "database") == 0 ? "database_url" : key;
}

int config_load_args(config_t *c, int argc, char **argv, int first, char *err, size_t errlen)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s'", arg);
            return -1;
        }
        char key[96];
        const char *value = NULL;
        const char *eq = strchr(arg + 2, '=');
        size_t klen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (klen == 0 || klen >= sizeof(key)) {
            snprintf(err, errlen, "bad flag '%s'", arg);
            return -1;
        }
        for (size_t j = 0; j < klen; j++)
            key[j] = arg[2 + j] == '-' ? '_' : arg[2 + j];
        key[klen] = '\0';
        if (strcmp(key, "config") == 0) { /* handled by config_resolve */
            if (!eq)
                i++;
            continue;
        }
        const char *name = flag_alias(key);
        const config_key_t *k = config_find(name);
        if (k == NULL) {
            snprintf(err, errlen, "unknown flag '--%.*s'", (int)klen, arg + 2);
            return -1;
        }
        if (eq) {
            value = eq + 1;
        } else if (k->type == KEY_BOOL && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            value = "true"; /* a bare boolean flag switches it on */
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(err, errlen, "flag '%s' needs a value", arg);
            return -1;
        }
        if (config_set(c, name, value, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int config_resolve(config_t *c, int argc, char **argv, int first, char *err, size_t errlen)
{
    config_defaults(c);
    const char *file = getenv("BUFFR_CONFIG");
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
    }
    if (file != NULL && file[0] != '\0' && config_load_file(c, file, err, errlen) != 0)
        return -1;
    if (config_load_env(c, err, errlen) != 0)
        return -1;
    if (config_load_args(c, argc, argv, first, err, errlen) != 0)
        return -1;
    if (c->database_url[0] == '\0')
        snprintf(c->database_url, sizeof(c->database_url), "sqlite:%s/buffr.db", c->data_dir);
    if (c->db_pool_size == 0)
        c->db_pool_size = c->threads;
    if (c->public_url[0] != '\0' && strncmp(c->public_url, "http://", 7) != 0 &&
        strncmp(c->public_url, "https://", 8) != 0) {
        snprintf(err, errlen, "public_url must start with http:// or https://, not '%s'",
                 c->public_url);
        return -1;
    }
    char host[128];
    uint16_t port;
    if (config_listen_parts(c, host, sizeof(host), &port) != 0) {
        snprintf(err, errlen, "listen must be HOST:PORT, not '%s'", c->listen);
        return -1;
    }
    return 0;
}

int config_listen_parts(const config_t *c, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon = strrchr(c->listen, ':');
    if (colon == NULL || colon == c->listen)
        return -1;
    const char *h = c->listen;
    size_t hl = (size_t)(colon - c->listen);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') { /* [::1]:8080 */
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    char *end = NULL;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno != 0 || end == colon + 1 || *end != '\0' || p < 0 || p > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return 0;
}

void config_print_help(void)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char flag[64];
        size_t n = 0;
        for (const char *p = config_keys[i].name; *p && n < sizeof(flag) - 1; p++)
            flag[n++] = *p == '_' ? '-' : *p;
        flag[n] = '\0';
        printf("  --%-24s %s\n", flag, config_keys[i].help);
    }
}
