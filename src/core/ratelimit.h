/*
 * ratelimit.h - counting events per key in a fixed window (login attempts
 * per client address and per account). In memory, per process: behind a load
 * balancer each instance counts its own share, so the effective limit is at
 * most the instance count times the configured one.
 */
#ifndef BUFFR_CORE_RATELIMIT_H
#define BUFFR_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ratelimit ratelimit_t;

/* limit events per window_s seconds for each key. NULL on ENOMEM. */
ratelimit_t *ratelimit_new(int limit, int window_s);
void ratelimit_free(ratelimit_t *rl);

/* Is key over its limit at time now? When it is, *retry_after gets the
 * seconds until the window resets. Does not count an event. */
bool ratelimit_blocked(ratelimit_t *rl, const char *key, int64_t now, int *retry_after);
/* Count one event for key. */
void ratelimit_hit(ratelimit_t *rl, const char *key, int64_t now);
/* Forget key (after a successful login, its failures no longer count). */
void ratelimit_reset(ratelimit_t *rl, const char *key);

#endif
