/*
 * config.h - the server's settings and where they come from.
 *
 * Precedence, lowest first: built-in defaults, the config file (--config
 * FILE or BUFFR_CONFIG; "key = value" lines, '#' comments), environment
 * variables (BUFFR_<KEY> upper-cased), command-line flags (--key value or
 * --key=value, '_' written as '-'). The same key names are used everywhere,
 * e.g. database_url / BUFFR_DATABASE_URL / --database-url (--database too).
 */
#ifndef BUFFR_CORE_CONFIG_H
#define BUFFR_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct config {
    char listen[128];        /* HOST:PORT, default 127.0.0.1:8080 */
    char database_url[1024]; /* default sqlite:./data/buffr.db */
    char data_dir[512];      /* default ./data */
    char jwt_secret[256];    /* empty: generated once and kept in the database */
    /* http(s)://host[:port][/prefix] clients reach the server at, for the links
     * it prints (table QR codes); empty: each request's Host, over http. */
    char public_url[256];
    char log_level[16];         /* debug, info, warn, error */
    int threads;                /* request handler threads; default 4 x cores (min 16) */
    int io_threads;             /* HTTP socket threads; 0 (default) = one per core */
    int db_pool_size;           /* database connections; default = threads */
    int64_t max_body_bytes;     /* default 1 MiB */
    int max_header_bytes;       /* default 16 KiB */
    int max_connections;        /* default 1024 */
    int max_connections_per_ip; /* default 0 (no limit) */
    int connection_timeout_s;   /* idle/slow connection timeout, default 30 */
    int access_token_ttl_s;     /* default 900 */
    int refresh_token_ttl_s;    /* default 30 days */
    bool registration_enabled;  /* default true */
    bool demo_data;             /* create the demo tenant on first start; default false */
    bool access_log;            /* default true */
    int login_ip_limit;         /* login attempts per IP per window, default 30 */
    int login_account_limit;    /* failed logins per account per window, default 5 */
    int login_window_s;         /* default 300 */
    int password_memlimit_mib;  /* Argon2id memory, default 64 (minimum 19) */
    int password_opslimit;      /* Argon2id passes, default 2 (minimum 2) */
} config_t;

void config_defaults(config_t *c);

/* Set one key from text (the key as in the file: "database_url"). Returns 0,
 * or -1 with a message in err for an unknown key or a bad value. */
int config_set(config_t *c, const char *key, const char *value, char *err, size_t errlen);

/* Read a "key = value" file. Returns 0, or -1 with a message in err. */
int config_load_file(config_t *c, const char *path, char *err, size_t errlen);

/* Apply every BUFFR_<KEY> environment variable that is set. */
int config_load_env(config_t *c, char *err, size_t errlen);

/* Apply flags from argv[first..argc): "--key value" / "--key=value".
 * Unknown flags are an error. */
int config_load_args(config_t *c, int argc, char **argv, int first, char *err, size_t errlen);

/* The whole chain for a command: defaults, file, env, flags. */
int config_resolve(config_t *c, int argc, char **argv, int first, char *err, size_t errlen);

/* Split c->listen into host and port. */
int config_listen_parts(const config_t *c, char *host, size_t hostlen, uint16_t *port);

/* The keys, with a one-line description each, for --help. */
void config_print_help(void);

#endif
