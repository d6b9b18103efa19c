/*
 * ratelimit.c - fixed-window event counters per key (see ratelimit.h).
 *
 * A chained hash table under one mutex, plus a list of the entries ordered
 * by the start of their window (an entry whose window restarts moves to the
 * back). Expired windows are therefore always at the front: each insert
 * drops them first, and when the table is still full it drops the oldest
 * window, so memory stays bounded at RATELIMIT_MAX_KEYS whatever keys
 * clients invent. A limit <= 0 never blocks.
 */
#include "core/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RATELIMIT_MAX_KEYS 100000
#define RATELIMIT_BUCKETS  131072 /* power of two, above the key cap */

typedef struct ratelimit_entry {
    struct ratelimit_entry *chain;         /* next in the hash bucket */
    struct ratelimit_entry *older, *newer; /* window-start order */
    uint64_t hash;
    int64_t window_start;
    int count;
    char key[];
} ratelimit_entry_t;

struct ratelimit {
    pthread_mutex_t lock;
    int limit;
    int window_s;
    size_t nkeys;
    ratelimit_entry_t *oldest, *newest;
    ratelimit_entry_t **buckets;
};

static uint64_t ratelimit_hash(const char *key)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h ^ (h >> 32);
}

ratelimit_t *ratelimit_new(int limit, int window_s)
{
    ratelimit_t *rl = calloc(1, sizeof(*rl));
    if (rl == NULL)
        return NULL;
    rl->buckets = calloc(RATELIMIT_BUCKETS, sizeof(*rl->buckets));
    if (rl->buckets == NULL || pthread_mutex_init(&rl->lock, NULL) != 0) {
        free(rl->buckets);
        free(rl);
        return NULL;
    }
    rl->limit = limit;
    rl->window_s = window_s > 0 ? window_s : 1;
    return rl;
}

void ratelimit_free(ratelimit_t *rl)
{
    if (rl == NULL)
        return;
    ratelimit_entry_t *e = rl->oldest;
    while (e != NULL) {
        ratelimit_entry_t *next = e->newer;
        free(e);
        e = next;
    }
    free(rl->buckets);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static ratelimit_entry_t *ratelimit_find(ratelimit_t *rl, const char *key, uint64_t hash)
{
    for (ratelimit_entry_t *e = rl->buckets[hash & (RATELIMIT_BUCKETS - 1)]; e; e = e->chain)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static bool ratelimit_expired(const ratelimit_t *rl, const ratelimit_entry_t *e, int64_t now)
{
    return now >= e->window_start + rl->window_s;
}

static void ratelimit_unlink_order(ratelimit_t *rl, ratelimit_entry_t *e)
{
    if (e->older)
        e->older->newer = e->newer;
    else
        rl->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        rl->newest = e->older;
    e->older = e->newer = NULL;
}

static void ratelimit_append_order(ratelimit_t *rl, ratelimit_entry_t *e)
{
    e->older = rl->newest;
    e->newer = NULL;
    if (rl->newest)
        rl->newest->newer = e;
    else
        rl->oldest = e;
    rl->newest = e;
}

static void ratelimit_remove(ratelimit_t *rl, ratelimit_entry_t *e)
{
    ratelimit_entry_t **link = &rl->buckets[e->hash & (RATELIMIT_BUCKETS - 1)];
    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
    ratelimit_unlink_order(rl, e);
    rl->nkeys--;
    free(e);
}

bool ratelimit_blocked(ratelimit_t *rl, const char *key, int64_t now, int *retry_after)
{
    if (rl == NULL || key == NULL || rl->limit <= 0)
        return false;
    bool blocked = false;
    pthread_mutex_lock(&rl->lock);
    ratelimit_entry_t *e = ratelimit_find(rl, key, ratelimit_hash(key));
    if (e != NULL && !ratelimit_expired(rl, e, now) && e->count >= rl->limit) {
        blocked = true;
        if (retry_after != NULL) {
            int64_t left = e->window_start + rl->window_s - now;
            /* A clock that stepped back must not promise more than a window. */
            if (left > rl->window_s)
                left = rl->window_s;
            *retry_after = left < 1 ? 1 : (int)left;
        }
    }
    pthread_mutex_unlock(&rl->lock);
    return blocked;
}

void ratelimit_hit(ratelimit_t *rl, const char *key, int64_t now)
{
    if (rl == NULL || key == NULL || rl->limit <= 0)
        return;
    uint64_t hash = ratelimit_hash(key);
    pthread_mutex_lock(&rl->lock);
    ratelimit_entry_t *e = ratelimit_find(rl, key, hash);
    if (e != NULL && ratelimit_expired(rl, e, now)) {
        /* A new window: it is now the newest. */
        e->window_start = now;
        e->count = 0;
        ratelimit_unlink_order(rl, e);
        ratelimit_append_order(rl, e);
    }
    if (e == NULL) {
        while (rl->oldest != NULL && ratelimit_expired(rl, rl->oldest, now))
            ratelimit_remove(rl, rl->oldest);
        if (rl->nkeys >= RATELIMIT_MAX_KEYS)
            ratelimit_remove(rl, rl->oldest);
        size_t len = strlen(key);
        e = malloc(sizeof(*e) + len + 1);
        if (e == NULL) {
            /* Out of memory: this event goes uncounted rather than failing
             * the request that caused it. */
            pthread_mutex_unlock(&rl->lock);
            return;
        }
        memcpy(e->key, key, len + 1);
        e->hash = hash;
        e->window_start = now;
        e->count = 0;
        size_t bucket = hash & (RATELIMIT_BUCKETS - 1);
        e->chain = rl->buckets[bucket];
        rl->buckets[bucket] = e;
        ratelimit_append_order(rl, e);
        rl->nkeys++;
    }
    if (e->count < rl->limit)
        e->count++;
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_reset(ratelimit_t *rl, const char *key)
{
    if (rl == NULL || key == NULL)
        return;
    pthread_mutex_lock(&rl->lock);
    ratelimit_entry_t *e = ratelimit_find(rl, key, ratelimit_hash(key));
    if (e != NULL)
        ratelimit_remove(rl, e);
    pthread_mutex_unlock(&rl->lock);
}
