/*
 * ratelimit.c - per-client rate limits of the public routes (booking, status lookups, the
 * phone queue page, the survey): a token bucket per client address, so one client cannot
 * flood the others out or try receipt numbers and birth dates by the thousand.
 *
 * A bucket holds `burst` requests and refills `per_min` a minute; a route's cost is 1 (a read)
 * or HTTP_LIMIT_WRITE_COST (a write or a lookup of a person's data). The table has a fixed
 * number of slots (memory does not grow with the number of clients): a client's slot is
 * found by a keyed hash of its address (so nobody can aim collisions at another client),
 * probing a few neighbours; a new client takes an empty slot or the one seen longest ago.
 * IPv6 clients are keyed by their /64 (one household or device gets a /64, and a client
 * could otherwise walk its addresses).
 *
 * Behind a reverse proxy every client has the proxy's address: the limit then applies to all
 * together (docs/operations.md: expose `serve --public-listen` directly, or limit at the proxy).
 *
 * Never: block (one mutex, no I/O), or allocate per request.
 */
#include "http/server.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SLOTS 4096
#define PROBE 8

typedef struct bucket {
    unsigned char key[16]; /* address (IPv4-mapped, or the IPv6 /64) */
    int used;
    int64_t last_ms;       /* last refill */
    int64_t milli;         /* tokens x 1000 */
} bucket;

struct http_limiter {
    pthread_mutex_t mu;
    unsigned per_min, burst;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    bucket b[SLOTS];
};

kt_code http_limiter_new(unsigned per_min, unsigned burst, http_limiter **out, kt_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return kt_fail(err, KT_EINTERNAL, "sodium_init", "", "libsodium gagal dimulai");
    http_limiter *l = calloc(1, sizeof *l);
    if (l == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    pthread_mutex_init(&l->mu, NULL);
    l->per_min = per_min > 0 ? per_min : 60;
    l->burst = burst > 0 ? burst : l->per_min / 2 + 1;
    crypto_shorthash_keygen(l->hash_key);
    *out = l;
    return KT_OK;
}

void http_limiter_free(http_limiter *l)
{
    if (l == NULL)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static void addr_key(const struct sockaddr *sa, unsigned char key[16])
{
    memset(key, 0, 16);
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(key, &in6->sin6_addr, 8); /* the /64 */
        key[15] = 6;
    }
}

int http_limiter_take(http_limiter *l, const struct sockaddr *sa, int64_t now_ms, unsigned cost,
                      unsigned *retry_after_s)
{
    unsigned char key[16], h[crypto_shorthash_BYTES];
    addr_key(sa, key);
    crypto_shorthash(h, key, sizeof key, l->hash_key);
    size_t base = ((size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16) % SLOTS;
    int64_t cap = (int64_t)l->burst * 1000, need = (int64_t)cost * 1000;
    pthread_mutex_lock(&l->mu);
    bucket *b = NULL, *oldest = NULL;
    for (size_t k = 0; k < PROBE; k++) {
        bucket *c = &l->b[(base + k) % SLOTS];
        if (c->used && memcmp(c->key, key, 16) == 0) {
            b = c;
            break;
        }
        if (oldest == NULL || !c->used || (oldest->used && c->last_ms < oldest->last_ms))
            oldest = c;
    }
    if (b == NULL) { /* a new client: a full bucket */
        b = oldest;
        memcpy(b->key, key, 16);
        b->used = 1;
        b->last_ms = now_ms;
        b->milli = cap;
    }
    if (now_ms > b->last_ms) {
        b->milli += (now_ms - b->last_ms) * (int64_t)l->per_min / 60;
        if (b->milli > cap)
            b->milli = cap;
        b->last_ms = now_ms;
    }
    int ok = b->milli >= need;
    if (ok) {
        b->milli -= need;
    } else if (retry_after_s != NULL) {
        int64_t ms = (need - b->milli) * 60 / (int64_t)l->per_min;
        *retry_after_s = (unsigned)(ms / 1000 + 1);
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}
