/*
 * throttle.c - keys that fail too often are refused for a while (svc_throttle): an address
 * that fails to log in (users.c), a receipt number whose card status does not match
 * (citizen.c). max failures of a key within window_ms block it for block_ms from the failure
 * that reached max.
 *
 * A fixed table in memory (slots entries, allocated once): a new key takes a free entry, else
 * the least recently seen one, so memory is bounded whatever is tried; a lost entry only
 * forgets failures. Keys are compared whole (up to THROTTLE_KEY_LEN - 1 bytes; longer keys
 * are cut, which only joins them). A linear scan under one mutex: slots are a thousand or so,
 * and every use is a refusal path or a login that costs far more.
 *
 * Why not src/http/limits.c's token buckets: those count requests before the service runs and
 * refill continuously; these count failures, which only the service knows (after the hash,
 * after the lookup), and block for a fixed time. Arrows point down: the service cannot use the
 * HTTP layer's table, and the throttle holds for any front end of the service.
 *
 * Never: allocate after svc_throttle_new.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jakarta.h"
#include "service/svc_internal.h"

#define THROTTLE_KEY_LEN 48

typedef struct throttle_entry {
    char key[THROTTLE_KEY_LEN];
    int failures;
    int64_t window_start, blocked_until, last;
} throttle_entry;

struct svc_throttle {
    pthread_mutex_t mu;
    int max;
    int64_t window_ms, block_ms;
    size_t slots, n;
    throttle_entry e[]; /* slots entries; the first n in use */
};

svc_throttle *svc_throttle_new(size_t slots, int max, int64_t window_ms, int64_t block_ms)
{
    svc_throttle *t = calloc(1, sizeof *t + slots * sizeof t->e[0]);
    if (t == NULL)
        return NULL;
    pthread_mutex_init(&t->mu, NULL);
    t->slots = slots;
    t->max = max;
    t->window_ms = window_ms;
    t->block_ms = block_ms;
    return t;
}

void svc_throttle_free(svc_throttle *t)
{
    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* key's entry; a new one (the oldest replaced when full) when create, else NULL. Lock held. */
static throttle_entry *find(svc_throttle *t, const char *key, int create, int64_t now)
{
    size_t oldest = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (strncmp(t->e[i].key, key, THROTTLE_KEY_LEN - 1) == 0)
            return &t->e[i];
        if (t->e[i].last < t->e[oldest].last)
            oldest = i;
    }
    if (!create || t->slots == 0)
        return NULL;
    throttle_entry *c = t->n < t->slots ? &t->e[t->n++] : &t->e[oldest];
    memset(c, 0, sizeof *c);
    snprintf(c->key, sizeof c->key, "%s", key);
    c->window_start = now;
    return c;
}

int64_t svc_throttle_blocked(svc_throttle *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->mu);
    throttle_entry *c = find(t, key, 0, now);
    int64_t until = c != NULL && c->blocked_until > now ? c->blocked_until : 0;
    pthread_mutex_unlock(&t->mu);
    return until;
}

int64_t svc_throttle_failed(svc_throttle *t, const char *key, int64_t now)
{
    int64_t start = 0;
    pthread_mutex_lock(&t->mu);
    throttle_entry *c = find(t, key, 1, now);
    if (c != NULL) {
        c->last = now;
        if (now - c->window_start > t->window_ms) {
            c->window_start = now;
            c->failures = 0;
        }
        if (++c->failures >= t->max && c->blocked_until <= now) {
            c->blocked_until = now + t->block_ms;
            c->window_start = now;
            c->failures = 0;
            start = c->blocked_until;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return start;
}

unsigned svc_wait_text(int64_t now, int64_t until, char *buf, size_t cap)
{
    jkt_datetime t = jkt_from_utc_ms(until);
    int64_t min = (until - now + 59999) / 60000, s = (until - now + 999) / 1000;
    snprintf(buf, cap, "%lld menit (sampai pukul %02d.%02d WIB)", (long long)(min > 0 ? min : 1),
             t.hour, t.minute);
    return s > 0 ? (unsigned)s : 1;
}
