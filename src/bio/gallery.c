/*
 * gallery.c - the in-memory gallery and its two-stage, multi-threaded 1:N search (gallery.h).
 *
 * Layout, structure of arrays so stage 1 streams only what it reads: ids[], codes[] (2048-bit
 * index codes, 64-byte aligned), pops[] (their popcounts), and per finger an offset into one
 * arena of packed minutiae plus its count and header. Removal moves the last finger into the
 * hole (slots are not stable; ids are) and leaves the arena hole as garbage, compacted when it
 * outgrows the live data. An open-addressing table (linear probing, backward-shift deletion)
 * maps id -> slot.
 *
 * Stage 1: each thread scans a contiguous slice, keeps its own top-K in a min-heap, and the
 * slices' heaps are merged. Verification: threads take those candidates in turn and score
 * each by bio_index_verify() on its packed minutiae (one accumulator per thread); the best
 * `shortlist` by that score go on. Stage 2: the shortlist is re-scored by bio_match(), threads
 * taking candidates in turn (best first, so the work interleaves evenly).
 *
 * Never: print, read files, or lock (the caller serialises add/remove against searches).
 */
#include "bio/gallery.h"

#include "bio/index.h"
#include "bio/match.h"
#include "bio/template.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GL_MAX_COORD 2047

typedef struct gl_head {
    uint16_t width, height, res_x, res_y;
} gl_head;

struct bio_gallery {
    size_t n, cap;
    uint64_t *ids;
    bio_index_code *codes;
    uint16_t *pops;
    uint32_t *moff;     /* offset of the finger's minutiae in mins[] */
    uint8_t *mcount;
    gl_head *head;
    uint32_t *mins;     /* packed minutiae: x 11 bits, y 11, ISO angle 8, type 2 */
    size_t mlen, mcap, mgarbage;
    uint64_t *hkeys;
    uint32_t *hslot;    /* slot + 1; 0 = empty */
    size_t hcap;        /* power of two */
};

/* ---- small helpers ---- */

static double gl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int gl_threads(int want)
{
    if (want > 0)
        return want > 64 ? 64 : want;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1 : c > 64 ? 64 : (int)c;
}

/* Run fn(arg_i) for i < n on n threads (the last on this one); inline if a thread fails. */
static void gl_parallel(int n, void *(*fn)(void *), void *args, size_t arg_size)
{
    pthread_t tid[64];
    int started[64] = {0};
    for (int i = 0; i < n - 1; i++)
        started[i] = pthread_create(&tid[i], NULL, fn, (char *)args + (size_t)i * arg_size) == 0;
    fn((char *)args + (size_t)(n - 1) * arg_size);
    for (int i = 0; i < n - 1; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            fn((char *)args + (size_t)i * arg_size);
    }
}

static uint64_t gl_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- id -> slot table ---- */

static size_t gl_find(const bio_gallery *g, uint64_t id)
{
    if (g->hcap == 0)
        return SIZE_MAX;
    size_t mask = g->hcap - 1;
    for (size_t h = gl_mix(id) & mask;; h = (h + 1) & mask) {
        if (g->hslot[h] == 0)
            return SIZE_MAX;
        if (g->hkeys[h] == id)
            return h;
    }
}

static void gl_hput(bio_gallery *g, uint64_t id, size_t slot)
{
    size_t mask = g->hcap - 1, h = gl_mix(id) & mask;
    while (g->hslot[h] != 0 && g->hkeys[h] != id)
        h = (h + 1) & mask;
    g->hkeys[h] = id;
    g->hslot[h] = (uint32_t)(slot + 1);
}

static void gl_hdel(bio_gallery *g, size_t h)
{
    size_t mask = g->hcap - 1;
    g->hslot[h] = 0;
    /* backward shift: pull later entries of the run into the hole when they may live there */
    for (size_t j = (h + 1) & mask; g->hslot[j] != 0; j = (j + 1) & mask) {
        size_t home = gl_mix(g->hkeys[j]) & mask;
        int movable = (h <= j) ? (home <= h || home > j) : (home <= h && home > j);
        if (movable) {
            g->hkeys[h] = g->hkeys[j];
            g->hslot[h] = g->hslot[j];
            g->hslot[j] = 0;
            h = j;
        }
    }
}

static bio_status gl_hreserve(bio_gallery *g, size_t n, bio_msg *msg)
{
    if (n * 2 <= g->hcap)
        return BIO_OK;
    size_t cap = g->hcap ? g->hcap : 1024;
    while (cap < n * 2)
        cap *= 2;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (keys == NULL || slot == NULL) {
        free(keys);
        free(slot);
        return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for the id table");
    }
    uint64_t *ok = g->hkeys;
    uint32_t *os = g->hslot;
    size_t ocap = g->hcap;
    g->hkeys = keys;
    g->hslot = slot;
    g->hcap = cap;
    for (size_t i = 0; i < ocap; i++)
        if (os[i] != 0)
            gl_hput(g, ok[i], os[i] - 1);
    free(ok);
    free(os);
    return BIO_OK;
}

/* ---- storage ---- */

/* Resize array *p from oldcap to cap elements (aligned when align > 0); *p kept on failure. */
static bio_status gl_grow(void **p, size_t elem, size_t oldcap, size_t cap, size_t align)
{
    void *q;
    if (align) {
        q = aligned_alloc(align, (cap * elem + align - 1) / align * align);
        if (q != NULL && *p != NULL)
            memcpy(q, *p, oldcap * elem);
        if (q != NULL)
            free(*p);
    } else {
        q = realloc(*p, cap * elem);
    }
    if (q == NULL)
        return BIO_ENOMEM;
    *p = q;
    return BIO_OK;
}

static bio_status gl_reserve(bio_gallery *g, size_t fingers, size_t minutiae, bio_msg *msg)
{
    if (fingers > UINT32_MAX - 1)
        return bio_fail(msg, BIO_EINVAL, "gallery: more than 4 billion fingers");
    if (g->n + fingers > g->cap) {
        size_t c2 = g->cap ? g->cap : 256, oc = g->cap;
        while (c2 < g->n + fingers)
            c2 *= 2;
        if (gl_grow((void **)&g->ids, sizeof *g->ids, oc, c2, 0) ||
            gl_grow((void **)&g->pops, sizeof *g->pops, oc, c2, 0) ||
            gl_grow((void **)&g->moff, sizeof *g->moff, oc, c2, 0) ||
            gl_grow((void **)&g->mcount, sizeof *g->mcount, oc, c2, 0) ||
            gl_grow((void **)&g->head, sizeof *g->head, oc, c2, 0) ||
            gl_grow((void **)&g->codes, sizeof *g->codes, oc, c2, 64))
            return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for %zu fingers", c2);
        g->cap = c2;
    }
    if (g->mlen + minutiae > g->mcap) {
        size_t cap = g->mcap ? g->mcap : 4096;
        while (cap < g->mlen + minutiae)
            cap *= 2;
        if (cap > UINT32_MAX)
            return bio_fail(msg, BIO_EINVAL, "gallery: minutiae store over 4 billion");
        if (gl_grow((void **)&g->mins, sizeof *g->mins, g->mcap, cap, 0))
            return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for minutiae");
        g->mcap = cap;
    }
    return gl_hreserve(g, g->n + fingers, msg);
}

static bio_status gl_check(const bio_template *t, bio_msg *msg)
{
    if (t == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: no template");
    if (t->count > BIO_MAX_MINUTIAE)
        return bio_fail(msg, BIO_EINVAL, "gallery: %u minutiae, at most %d", t->count,
                        BIO_MAX_MINUTIAE);
    for (int i = 0; i < t->count; i++)
        if (t->m[i].x > GL_MAX_COORD || t->m[i].y > GL_MAX_COORD)
            return bio_fail(msg, BIO_EINVAL,
                            "gallery: minutia %d at (%u, %u) is beyond %d px", i, t->m[i].x,
                            t->m[i].y, GL_MAX_COORD);
    return BIO_OK;
}

/* Append (capacity reserved, id new). */
static void gl_append(bio_gallery *g, uint64_t id, const bio_template *t,
                      const bio_index_code *code)
{
    size_t s = g->n++;
    g->ids[s] = id;
    g->codes[s] = *code;
    g->pops[s] = (uint16_t)bio_index_popcount(code);
    g->moff[s] = (uint32_t)g->mlen;
    g->mcount[s] = (uint8_t)t->count;
    g->head[s] = (gl_head){t->width, t->height, t->res_x, t->res_y};
    for (int i = 0; i < t->count; i++) {
        const bio_minutia *m = &t->m[i];
        g->mins[g->mlen++] = BIO_INDEX_PACK(m->x, m->y, bio_angle_to_iso(m->angle), m->type);
    }
    gl_hput(g, id, s);
}

static void gl_unpack(const bio_gallery *g, size_t s, bio_template *t)
{
    memset(t, 0, offsetof(bio_template, m));
    t->width = g->head[s].width;
    t->height = g->head[s].height;
    t->res_x = g->head[s].res_x;
    t->res_y = g->head[s].res_y;
    t->count = g->mcount[s];
    const uint32_t *p = g->mins + g->moff[s];
    for (int i = 0; i < t->count; i++) {
        bio_minutia *m = &t->m[i];
        m->x = (uint16_t)(p[i] & 0x7ff);
        m->y = (uint16_t)((p[i] >> 11) & 0x7ff);
        m->angle = bio_angle_from_iso((uint8_t)((p[i] >> 22) & 0xff));
        m->type = (uint8_t)(p[i] >> 30);
        m->quality = 0;
    }
    t->view_number = 0;
    t->capture_equipment = 0;
}

/* Rewrite the arena without holes. */
static void gl_compact(bio_gallery *g)
{
    uint32_t *tmp = malloc(g->mcap * sizeof *tmp);
    if (tmp == NULL)
        return; /* keep the garbage; correctness does not depend on compaction */
    size_t len = 0;
    for (size_t s = 0; s < g->n; s++) {
        memcpy(tmp + len, g->mins + g->moff[s], g->mcount[s] * sizeof *tmp);
        g->moff[s] = (uint32_t)len;
        len += g->mcount[s];
    }
    free(g->mins);
    g->mins = tmp;
    g->mlen = len;
    g->mgarbage = 0;
}

/* ---- public: lifecycle and editing ---- */

bio_status bio_gallery_new(bio_gallery **out, bio_msg *msg)
{
    if (out == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: no output pointer");
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory");
    return BIO_OK;
}

void bio_gallery_free(bio_gallery *g)
{
    if (g == NULL)
        return;
    free(g->ids);
    free(g->codes);
    free(g->pops);
    free(g->moff);
    free(g->mcount);
    free(g->head);
    free(g->mins);
    free(g->hkeys);
    free(g->hslot);
    free(g);
}

bio_status bio_gallery_add(bio_gallery *g, uint64_t id, const bio_template *t, bio_msg *msg)
{
    bio_status st;
    if (g == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: no gallery");
    if ((st = gl_check(t, msg)) != BIO_OK)
        return st;
    if (gl_find(g, id) != SIZE_MAX)
        return bio_fail(msg, BIO_EINVAL, "gallery: id %llu is already enrolled",
                        (unsigned long long)id);
    if ((st = gl_reserve(g, 1, t->count, msg)) != BIO_OK)
        return st;
    bio_index_code code;
    bio_index_encode(t, &code);
    gl_append(g, id, t, &code);
    return BIO_OK;
}

typedef struct gl_enc_job {
    const bio_template *t;
    bio_index_code *codes;
    size_t lo, hi;
} gl_enc_job;

static void *gl_enc_run(void *arg)
{
    gl_enc_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++)
        bio_index_encode(&j->t[i], &j->codes[i]);
    return NULL;
}

static int gl_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

bio_status bio_gallery_add_many(bio_gallery *g, size_t n, const uint64_t *ids,
                                const bio_template *t, int threads, bio_msg *msg)
{
    bio_status st = BIO_OK;
    uint64_t *sorted = NULL;
    bio_index_code *codes = NULL;
    size_t total = 0;
    if (g == NULL || (n > 0 && (ids == NULL || t == NULL)))
        return bio_fail(msg, BIO_EINVAL, "gallery: add_many needs a gallery, ids and templates");
    if (n == 0)
        return BIO_OK;
    for (size_t i = 0; i < n; i++) {
        if ((st = gl_check(&t[i], msg)) != BIO_OK)
            return st;
        total += t[i].count;
        if (gl_find(g, ids[i]) != SIZE_MAX)
            return bio_fail(msg, BIO_EINVAL, "gallery: id %llu is already enrolled",
                            (unsigned long long)ids[i]);
    }
    sorted = malloc(n * sizeof *sorted);
    codes = aligned_alloc(64, n * sizeof *codes);
    if (sorted == NULL || codes == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "gallery: out of memory adding %zu fingers", n);
        goto out;
    }
    memcpy(sorted, ids, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, gl_cmp_u64);
    for (size_t i = 1; i < n; i++)
        if (sorted[i] == sorted[i - 1]) {
            st = bio_fail(msg, BIO_EINVAL, "gallery: id %llu appears twice in the batch",
                          (unsigned long long)sorted[i]);
            goto out;
        }
    if ((st = gl_reserve(g, n, total, msg)) != BIO_OK)
        goto out;
    int nt = gl_threads(threads);
    if ((size_t)nt > n)
        nt = (int)n;
    gl_enc_job jobs[64];
    for (int k = 0; k < nt; k++)
        jobs[k] = (gl_enc_job){t, codes, n * (size_t)k / (size_t)nt,
                               n * (size_t)(k + 1) / (size_t)nt};
    gl_parallel(nt, gl_enc_run, jobs, sizeof jobs[0]);
    for (size_t i = 0; i < n; i++)
        gl_append(g, ids[i], &t[i], &codes[i]);
out:
    free(sorted);
    free(codes);
    return st;
}

bio_status bio_gallery_remove(bio_gallery *g, uint64_t id, bio_msg *msg)
{
    if (g == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: no gallery");
    size_t h = gl_find(g, id);
    if (h == SIZE_MAX)
        return bio_fail(msg, BIO_EINVAL, "gallery: id %llu is not enrolled",
                        (unsigned long long)id);
    size_t s = g->hslot[h] - 1, last = g->n - 1;
    gl_hdel(g, h);
    g->mgarbage += g->mcount[s];
    if (s != last) {
        g->ids[s] = g->ids[last];
        g->codes[s] = g->codes[last];
        g->pops[s] = g->pops[last];
        g->moff[s] = g->moff[last];
        g->mcount[s] = g->mcount[last];
        g->head[s] = g->head[last];
        gl_hput(g, g->ids[s], s);
    }
    g->n--;
    if (g->mgarbage > 4096 && g->mgarbage > g->mlen / 2)
        gl_compact(g);
    return BIO_OK;
}

size_t bio_gallery_count(const bio_gallery *g)
{
    return g ? g->n : 0;
}

int bio_gallery_contains(const bio_gallery *g, uint64_t id)
{
    return g != NULL && gl_find(g, id) != SIZE_MAX;
}

bio_status bio_gallery_get(const bio_gallery *g, uint64_t id, bio_template *out, bio_msg *msg)
{
    if (g == NULL || out == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: get needs a gallery and an output");
    size_t h = gl_find(g, id);
    if (h == SIZE_MAX)
        return bio_fail(msg, BIO_EINVAL, "gallery: id %llu is not enrolled",
                        (unsigned long long)id);
    gl_unpack(g, g->hslot[h] - 1, out);
    return BIO_OK;
}

size_t bio_gallery_bytes(const bio_gallery *g)
{
    if (g == NULL)
        return 0;
    size_t per = sizeof *g->ids + sizeof *g->codes + sizeof *g->pops + sizeof *g->moff +
                 sizeof *g->mcount + sizeof *g->head;
    return sizeof *g + g->cap * per + g->mcap * sizeof *g->mins +
           g->hcap * (sizeof *g->hkeys + sizeof *g->hslot);
}

/* ---- search ---- */

typedef struct gl_hit {
    float s;            /* stage-1 score */
    float v;            /* verification score */
    uint32_t slot;
} gl_hit;

/* min-heap on s: the root is the weakest of the best K */
static void gl_heap_push(gl_hit *h, size_t *n, size_t k, gl_hit x)
{
    if (*n < k) {
        size_t i = (*n)++;
        while (i > 0 && h[(i - 1) / 2].s > x.s) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    if (x.s <= h[0].s)
        return;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        float ms = x.s;
        if (l < *n && h[l].s < ms) {
            m = l;
            ms = h[l].s;
        }
        if (r < *n && h[r].s < ms)
            m = r;
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

typedef struct gl_s1_job {
    const bio_gallery *g;
    const bio_index_code *probe;
    double alpha;
    size_t lo, hi, k;
    gl_hit *heap;       /* k entries, owned by the search */
    size_t nheap;
    float *buf;         /* scratch scores */
} gl_s1_job;

enum { GL_BLOCK = 4096 };

static void *gl_s1_run(void *arg)
{
    gl_s1_job *j = arg;
    for (size_t b = j->lo; b < j->hi; b += GL_BLOCK) {
        size_t e = b + GL_BLOCK < j->hi ? b + GL_BLOCK : j->hi;
        bio_index_scan(j->probe, j->alpha, j->g->codes + b, j->g->pops + b, e - b, j->buf);
        for (size_t i = b; i < e; i++)
            gl_heap_push(j->heap, &j->nheap, j->k, (gl_hit){j->buf[i - b], 0.0f, (uint32_t)i});
    }
    return NULL;
}

typedef struct gl_s2_job {
    const bio_gallery *g;
    const bio_prepared *probe;
    const gl_hit *list;
    size_t n, first, step;
    double *scores;
    bio_status st;
    bio_msg msg;
} gl_s2_job;

static void *gl_s2_run(void *arg)
{
    gl_s2_job *j = arg;
    bio_template *t = malloc(sizeof *t);
    if (t == NULL) {
        j->st = bio_fail(&j->msg, BIO_ENOMEM, "gallery: out of memory re-scoring");
        return NULL;
    }
    for (size_t i = j->first; i < j->n; i += j->step) {
        bio_prepared *c = NULL;
        gl_unpack(j->g, j->list[i].slot, t);
        if ((j->st = bio_prepare(t, &c, &j->msg)) != BIO_OK)
            break;
        j->scores[i] = bio_match(j->probe, c);
        bio_prepared_free(c);
    }
    free(t);
    return NULL;
}

static int gl_cmp_hit(const void *a, const void *b)
{
    const gl_hit *x = a, *y = b;
    return (x->s < y->s) - (x->s > y->s);
}

/* by verification score, then stage-1 score, then slot: a total order (stable results) */
static int gl_cmp_verified(const void *a, const void *b)
{
    const gl_hit *x = a, *y = b;
    if (x->v != y->v)
        return (x->v < y->v) - (x->v > y->v);
    if (x->s != y->s)
        return (x->s < y->s) - (x->s > y->s);
    return (x->slot > y->slot) - (x->slot < y->slot);
}

/*
 * Weight of log(verification score) against the stage-1 z-score in the rank that picks the
 * shortlist. Measured on FVC2002 probes among 10k synthetic impostors (docs/internals/
 * bio-search.md): with every finger verified, 3 puts all 269 mates into the top 64; either
 * score alone loses some.
 */
#define GL_FUSE_W 3.0f

typedef struct gl_v_job {
    const bio_gallery *g;
    const bio_index_probe *probe;
    gl_hit *list;
    size_t n, first, step;
    bio_status st;
    bio_msg msg;
} gl_v_job;

static void *gl_v_run(void *arg)
{
    gl_v_job *j = arg;
    bio_index_acc *acc = NULL;
    if ((j->st = bio_index_acc_new(&acc, &j->msg)) != BIO_OK)
        return NULL;
    for (size_t i = j->first; i < j->n; i += j->step) {
        size_t s = j->list[i].slot;
        float v = bio_index_verify(j->probe, j->g->mins + j->g->moff[s], j->g->mcount[s],
                                   j->g->head[s].res_x, j->g->head[s].res_y, acc);
        /* fused with the stage-1 score: each feature rescues mates the other misses */
        j->list[i].v = j->list[i].s + GL_FUSE_W * logf(v + 1e-6f);
    }
    bio_index_acc_free(acc);
    return NULL;
}

/* Score list[0..n) by pair geometry and sort it best first. */
static bio_status gl_verify(const bio_gallery *g, const bio_template *probe, gl_hit *list,
                            size_t n, int threads, bio_msg *msg)
{
    bio_index_probe *ip = NULL;
    bio_status st = bio_index_probe_new(probe, &ip, msg);
    if (st != BIO_OK)
        return st;
    int nt = gl_threads(threads);
    if ((size_t)nt > n / 64 + 1)
        nt = (int)(n / 64 + 1);
    gl_v_job jobs[64];
    for (int k = 0; k < nt; k++)
        jobs[k] = (gl_v_job){g, ip, list, n, (size_t)k, (size_t)nt, BIO_OK, {{0}}};
    gl_parallel(nt, gl_v_run, jobs, sizeof jobs[0]);
    for (int k = 0; k < nt; k++)
        if (jobs[k].st != BIO_OK && st == BIO_OK) {
            if (msg != NULL)
                *msg = jobs[k].msg;
            st = jobs[k].st;
        }
    bio_index_probe_free(ip);
    if (st == BIO_OK)
        qsort(list, n, sizeof *list, gl_cmp_verified);
    return st;
}

static int gl_cmp_cand(const void *a, const void *b)
{
    const bio_candidate *x = a, *y = b;
    if (x->score != y->score)
        return (x->score < y->score) - (x->score > y->score);
    return (x->id > y->id) - (x->id < y->id);
}

/* Re-score list[0..n) with the 1:1 matcher; keep those >= threshold into *out. */
static bio_status gl_rescore(const bio_gallery *g, const bio_template *probe, const gl_hit *list,
                             size_t n, int exhaustive, const bio_search_opts *o,
                             bio_candidate **out, size_t *nout, bio_msg *msg)
{
    bio_status st = BIO_OK;
    bio_prepared *pp = NULL;
    double *scores = NULL;
    bio_candidate *res = NULL;
    size_t nres = 0;
    if ((st = bio_prepare(probe, &pp, msg)) != BIO_OK)
        goto out;
    scores = calloc(n ? n : 1, sizeof *scores);
    if (scores == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "gallery: out of memory re-scoring %zu", n);
        goto out;
    }
    int nt = gl_threads(o->threads);
    if ((size_t)nt > n)
        nt = n ? (int)n : 1;
    gl_s2_job jobs[64];
    for (int k = 0; k < nt; k++)
        jobs[k] = (gl_s2_job){g, pp, list, n, (size_t)k, (size_t)nt, scores, BIO_OK, {{0}}};
    gl_parallel(nt, gl_s2_run, jobs, sizeof jobs[0]);
    for (int k = 0; k < nt; k++)
        if (jobs[k].st != BIO_OK) {
            if (msg != NULL)
                *msg = jobs[k].msg;
            st = jobs[k].st;
            goto out;
        }
    for (size_t i = 0; i < n; i++)
        nres += scores[i] >= o->threshold;
    if (nres > 0) {
        res = malloc(nres * sizeof *res);
        if (res == NULL) {
            st = bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for %zu candidates", nres);
            goto out;
        }
        nres = 0;
        for (size_t i = 0; i < n; i++)
            if (scores[i] >= o->threshold)
                res[nres++] = (bio_candidate){g->ids[list[i].slot], scores[i],
                                              exhaustive ? 0.0f : list[i].s};
        qsort(res, nres, sizeof *res, gl_cmp_cand);
    }
    *out = res;
    *nout = nres;
    res = NULL;
out:
    bio_prepared_free(pp);
    free(scores);
    free(res);
    return st;
}

static bio_status gl_search_args(const bio_gallery *g, const bio_template *probe,
                                 const bio_search_opts *o, bio_candidate **out, size_t *n,
                                 bio_msg *msg)
{
    if (out != NULL)
        *out = NULL;
    if (n != NULL)
        *n = 0;
    if (g == NULL || probe == NULL || o == NULL || out == NULL || n == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: search needs gallery, probe, options, outputs");
    if (probe->count > BIO_MAX_MINUTIAE)
        return bio_fail(msg, BIO_EINVAL, "gallery: probe has %u minutiae, at most %d",
                        probe->count, BIO_MAX_MINUTIAE);
    return BIO_OK;
}

bio_status bio_gallery_search(const bio_gallery *g, const bio_template *probe,
                              const bio_search_opts *o, bio_candidate **out, size_t *n,
                              bio_search_stats *stats, bio_msg *msg)
{
    bio_status st = gl_search_args(g, probe, o, out, n, msg);
    if (st != BIO_OK)
        return st;
    gl_hit *heaps = NULL, *list = NULL;
    float *bufs = NULL;
    size_t nlist = 0, nverified = 0;
    double t0 = gl_now(), tv = 0;
    size_t k2 = o->shortlist ? o->shortlist : BIO_SEARCH_SHORTLIST;
    size_t k = o->candidates;
    if (k == 0)
        k = g->n / 48 > 4096 ? g->n / 48 : 4096;
    if (k < k2)
        k = k2;
    if (k > g->n)
        k = g->n;
    int nt = gl_threads(o->threads);
    if ((size_t)nt > g->n / GL_BLOCK + 1)
        nt = (int)(g->n / GL_BLOCK + 1);
    bio_index_code pc;
    bio_index_encode(probe, &pc);
    double alpha = bio_index_alpha(&pc, g->codes, g->pops, g->n, g->n / 4096 + 1);
    heaps = malloc((size_t)nt * (k ? k : 1) * sizeof *heaps);
    bufs = malloc((size_t)nt * GL_BLOCK * sizeof *bufs);
    if (heaps == NULL || bufs == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for a shortlist of %zu", k);
        goto out;
    }
    gl_s1_job jobs[64];
    for (int i = 0; i < nt; i++)
        jobs[i] = (gl_s1_job){g, &pc, alpha, g->n * (size_t)i / (size_t)nt,
                              g->n * (size_t)(i + 1) / (size_t)nt, k, heaps + (size_t)i * k, 0,
                              bufs + (size_t)i * GL_BLOCK};
    if (k > 0)
        gl_parallel(nt, gl_s1_run, jobs, sizeof jobs[0]);
    /* merge: the heaps sit back to back; compact, sort, keep the best k */
    list = heaps;
    for (int i = 0; i < nt; i++) {
        memmove(list + nlist, jobs[i].heap, jobs[i].nheap * sizeof *list);
        nlist += jobs[i].nheap;
    }
    qsort(list, nlist, sizeof *list, gl_cmp_hit);
    if (nlist > k)
        nlist = k;
    if (nlist > k2) {
        double tv0 = gl_now();
        if ((st = gl_verify(g, probe, list, nlist, o->threads, msg)) != BIO_OK)
            goto out;
        nverified = nlist;
        nlist = k2;
        tv = gl_now() - tv0;
    }
    double t1 = gl_now();
    st = gl_rescore(g, probe, list, nlist, 0, o, out, n, msg);
    if (stats != NULL)
        *stats = (bio_search_stats){g->n, nlist, t1 - t0, gl_now() - t1, nverified, tv};
out:
    free(heaps);
    free(bufs);
    return st;
}

bio_status bio_gallery_search_exhaustive(const bio_gallery *g, const bio_template *probe,
                                         const bio_search_opts *o, bio_candidate **out,
                                         size_t *n, bio_search_stats *stats, bio_msg *msg)
{
    bio_status st = gl_search_args(g, probe, o, out, n, msg);
    if (st != BIO_OK)
        return st;
    gl_hit *list = malloc((g->n ? g->n : 1) * sizeof *list);
    if (list == NULL)
        return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for %zu fingers", g->n);
    for (size_t i = 0; i < g->n; i++)
        list[i] = (gl_hit){0.0f, 0.0f, (uint32_t)i};
    double t0 = gl_now();
    st = gl_rescore(g, probe, list, g->n, 1, o, out, n, msg);
    if (stats != NULL)
        *stats = (bio_search_stats){g->n, g->n, 0.0, gl_now() - t0, 0, 0.0};
    free(list);
    return st;
}
