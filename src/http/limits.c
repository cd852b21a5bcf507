/*
 * limits.c - per-client budgets as token buckets in a table of fixed size.
 *
 * A bucket holds up to `burst` tokens and refills at `rate` tokens a second; a request takes
 * one, and a client whose bucket is empty is told how long to wait (Retry-After) instead of
 * being served. Buckets are keyed by (kind, client): the request rate of an address, the
 * ticket budget of an address, a registered kiosk's ticket rate.
 *
 * Memory is fixed at creation: open addressing over a power-of-two table, at most
 * LIMIT_PROBES slots looked at per key. When a key finds no slot, the slot seen least recently
 * among those probed is taken over (its client, idle the longest, starts again with a full
 * bucket, which is what it would have refilled to anyway unless it was very recent). So a
 * flood of new addresses costs no memory, and a client that is being limited right now is
 * the last to be forgotten.
 *
 * Never: allocate after creation, or hold the lock for longer than a few arithmetic steps.
 */
#include "http/server.h"

#include <pthread.h>
#include <stdlib.h>

#define LIMIT_PROBES 8

typedef struct bucket {
    uint64_t key;    /* 0 = free */
    double tokens;
    int64_t at_ns;   /* last refill */
} bucket;

struct http_limiter {
    pthread_mutex_t mu;
    bucket *slots;   /* owned */
    size_t mask;
};

kt_code http_limiter_new(size_t slots, http_limiter **out, kt_error *err)
{
    size_t n = 64;
    http_limiter *l;
    *out = NULL;
    while (n < slots && n < ((size_t)1 << 24))
        n <<= 1;
    l = calloc(1, sizeof *l);
    if (l == NULL || (l->slots = calloc(n, sizeof *l->slots)) == NULL) {
        free(l);
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    }
    l->mask = n - 1;
    pthread_mutex_init(&l->mu, NULL);
    *out = l;
    return KT_OK;
}

void http_limiter_free(http_limiter *l)
{
    if (l == NULL)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->slots);
    free(l);
}

static uint64_t mix(uint64_t x) /* splitmix64's finaliser: spreads similar addresses */
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

unsigned http_limiter_take(http_limiter *l, uint64_t key, double rate, double burst,
                           int64_t now_ns)
{
    bucket *b = NULL, *oldest = NULL;
    unsigned wait = 0;
    size_t h;
    if (key == 0)
        key = 1;
    if (rate <= 0 || burst < 1)
        return 0;
    h = (size_t)mix(key);
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < LIMIT_PROBES; i++) {
        bucket *s = &l->slots[(h + i) & l->mask];
        if (s->key == key) {
            b = s;
            break;
        }
        if (s->key == 0) {
            if (oldest == NULL || oldest->key != 0)
                oldest = s; /* a free slot beats any taken one */
            continue;
        }
        if (oldest == NULL || (oldest->key != 0 && s->at_ns < oldest->at_ns))
            oldest = s;
    }
    if (b == NULL) {
        b = oldest;
        b->key = key;
        b->tokens = burst;
        b->at_ns = now_ns;
    }
    if (now_ns > b->at_ns) {
        b->tokens += (double)(now_ns - b->at_ns) / 1e9 * rate;
        if (b->tokens > burst)
            b->tokens = burst;
        b->at_ns = now_ns;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
    } else {
        double s = (1.0 - b->tokens) / rate;
        wait = s < 1.0 ? 1u : s > 86400.0 ? 86400u : (unsigned)(s + 0.999);
    }
    pthread_mutex_unlock(&l->mu);
    return wait;
}
