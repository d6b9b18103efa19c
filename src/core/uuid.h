/*
 * uuid.h - UUID version 7 identifiers (RFC 9562): time-ordered, so rows
 * created together sit together in every index, and random enough that an
 * ID never reveals how many of anything a tenant has.
 */
#ifndef BUFFR_CORE_UUID_H
#define BUFFR_CORE_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_STR_LEN  36
#define UUID_BUF_SIZE 37

/* Write a new UUIDv7 as 36 lowercase characters plus NUL into out.
 * IDs made by one process are strictly increasing. */
void uuid_v7_new(char out[UUID_BUF_SIZE]);

/* Same, for a given Unix time in milliseconds (for tests and imports). */
void uuid_v7_at(uint64_t unix_ms, char out[UUID_BUF_SIZE]);

/* True when s is a canonical UUID string (8-4-4-4-12 hex, any version).
 * Uppercase hex is accepted; use uuid_normalize to store it. */
bool uuid_is_valid(const char *s);

/* Copy a valid UUID string into out in lowercase. Returns 0, or -1 when s is
 * not a UUID. */
int uuid_normalize(const char *s, char out[UUID_BUF_SIZE]);

/* The millisecond timestamp of a UUIDv7 (0 for another version). */
uint64_t uuid_v7_time_ms(const char *s);

#endif
