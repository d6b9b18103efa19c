/* uuid.c - UUIDv7 generation and validation. Randomness from libsodium. */
#include "core/uuid.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t uuid_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t uuid_last_ms;
static uint16_t uuid_last_seq; /* 12-bit counter in rand_a, RFC 9562 method 1 */

static void uuid_format(const uint8_t b[16], char out[UUID_BUF_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0xf];
    }
    out[o] = '\0';
}

void uuid_v7_at(uint64_t unix_ms, char out[UUID_BUF_SIZE])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof(b));

    pthread_mutex_lock(&uuid_lock);
    uint16_t seq;
    if (unix_ms > uuid_last_ms) {
        uuid_last_ms = unix_ms;
        /* Start the counter at a random point in its lower half so the
         * next IDs of this millisecond still have room to increase. */
        uuid_last_seq = (uint16_t)(((b[6] << 8) | b[7]) & 0x07ff);
    } else {
        /* Same millisecond (or the clock stepped back): keep order. */
        unix_ms = uuid_last_ms;
        if (++uuid_last_seq > 0x0fff) {
            uuid_last_ms = ++unix_ms;
            uuid_last_seq = 0;
        }
    }
    seq = uuid_last_seq;
    pthread_mutex_unlock(&uuid_lock);

    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(unix_ms >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | ((seq >> 8) & 0x0f));
    b[7] = (uint8_t)(seq & 0xff);
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
    uuid_format(b, out);
}

void uuid_v7_new(char out[UUID_BUF_SIZE])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uuid_v7_at((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u, out);
}

bool uuid_is_valid(const char *s)
{
    if (s == NULL)
        return false;
    for (int i = 0; i < UUID_STR_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return s[UUID_STR_LEN] == '\0';
}

int uuid_normalize(const char *s, char out[UUID_BUF_SIZE])
{
    if (!uuid_is_valid(s))
        return -1;
    for (int i = 0; i <= UUID_STR_LEN; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    return 0;
}

uint64_t uuid_v7_time_ms(const char *s)
{
    if (!uuid_is_valid(s) || s[14] != '7')
        return 0;
    uint64_t ms = 0;
    for (int i = 0; i < 13; i++) {
        if (s[i] == '-')
            continue;
        char c = (char)tolower((unsigned char)s[i]);
        ms = (ms << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return ms;
}
