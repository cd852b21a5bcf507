/*
 * gallery.c - the in-memory gallery and its multi-threaded 1:N search (gallery.h).
 *
 * Layout, structure of arrays: per finger its id, frame (image size, resolution), and offset
 * and count into two arenas: packed minutiae (4 bytes each) and pair records (index.h, 4 bytes
 * each). Removal moves the last finger into the hole (slots are not stable; ids are) and
 * leaves the arena holes as garbage, compacted when they outgrow the live data. An
 * open-addressing table of slots (linear probing, backward-shift deletion; the id is read
 * from ids[]) maps id -> slot.
 *
 * Search: stage A (bio_index_hough) over every finger, each thread a contiguous slice with its
 * own top-K min-heap, the heaps merged; stage B (bio_index_refine) and stage C
 * (bio_index_verify) over the best of the previous stage, threads taking candidates in turn;
 * then the 1:1 matcher (bio_match) over the shortlist, best first so the work interleaves
 * evenly.
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

struct bio_gallery {
    size_t n, cap;
    uint64_t *ids;
    bio_index_frame *frame;
    uint32_t *moff;     /* offset of the finger's minutiae in mins[] */
    uint8_t *mcount;
    uint32_t *poff;     /* offset of the finger's pair records in pairs[] */
    uint16_t *pcount;
    uint32_t *mins;     /* packed minutiae: x 11 bits, y 11, ISO angle 8, type 2 */
    size_t mlen, mcap, mgarbage;
    uint32_t *pairs;    /* pair records (bio_index_pairs) */
    size_t plen, pcap, pgarbage;
    uint32_t *hslot;    /* id table: slot + 1; 0 = empty */
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

/* The table position holding id, or SIZE_MAX. */
static size_t gl_find(const bio_gallery *g, uint64_t id)
{
    if (g->hcap == 0)
        return SIZE_MAX;
    size_t mask = g->hcap - 1;
    for (size_t h = gl_mix(id) & mask;; h = (h + 1) & mask) {
        if (g->hslot[h] == 0)
            return SIZE_MAX;
        if (g->ids[g->hslot[h] - 1] == id)
            return h;
    }
}

/* File slot (whose id is ids[slot]); the id must not be in the table. */
static void gl_hput(bio_gallery *g, size_t slot)
{
    size_t mask = g->hcap - 1, h = gl_mix(g->ids[slot]) & mask;
    while (g->hslot[h] != 0)
        h = (h + 1) & mask;
    g->hslot[h] = (uint32_t)(slot + 1);
}

static void gl_hdel(bio_gallery *g, size_t h)
{
    size_t mask = g->hcap - 1;
    g->hslot[h] = 0;
    /* backward shift: pull later entries of the run into the hole when they may live there */
    for (size_t j = (h + 1) & mask; g->hslot[j] != 0; j = (j + 1) & mask) {
        size_t home = gl_mix(g->ids[g->hslot[j] - 1]) & mask;
        int movable = (h <= j) ? (home <= h || home > j) : (home <= h && home > j);
        if (movable) {
            g->hslot[h] = g->hslot[j];
            g->hslot[j] = 0;
            h = j;
        }
    }
}

/* Room for n fingers in the table (load <= 1/2); refiles slots [0, g->n). */
static bio_status gl_hreserve(bio_gallery *g, size_t n, bio_msg *msg)
{
    if (n * 2 <= g->hcap)
        return BIO_OK;
    size_t cap = g->hcap ? g->hcap : 1024;
    while (cap < n * 2)
        cap *= 2;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (slot == NULL)
        return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for the id table");
    free(g->hslot);
    g->hslot = slot;
    g->hcap = cap;
    for (size_t s = 0; s < g->n; s++)
        gl_hput(g, s);
    return BIO_OK;
}

/* ---- storage ---- */

/* Resize array *p to cap elements; *p kept on failure. */
static bio_status gl_grow(void **p, size_t elem, size_t cap)
{
    void *q = realloc(*p, cap * elem);
    if (q == NULL)
        return BIO_ENOMEM;
    *p = q;
    return BIO_OK;
}

/* A capacity for `need` elements growing from `cap`: exactly `need` when the caller knows the
   total (add_many), else half as much again (not double: the arenas hold most of the
   gallery's bytes, and slack counts against the memory per finger). */
static size_t gl_newcap(size_t cap, size_t need, size_t least, int geometric)
{
    size_t c = geometric ? cap + cap / 2 : need;
    if (c < least)
        c = least;
    return c < need ? need : c;
}

/* Room for `fingers` more fingers, `minutiae` more minutiae and `pairs` more pair records. */
static bio_status gl_reserve(bio_gallery *g, size_t fingers, size_t minutiae, size_t pairs,
                             int geometric, bio_msg *msg)
{
    if (g->n + fingers > UINT32_MAX - 1)
        return bio_fail(msg, BIO_EINVAL, "gallery: more than 4 billion fingers");
    if (g->n + fingers > g->cap) {
        size_t c2 = gl_newcap(g->cap, g->n + fingers, 256, geometric);
        if (gl_grow((void **)&g->ids, sizeof *g->ids, c2) ||
            gl_grow((void **)&g->frame, sizeof *g->frame, c2) ||
            gl_grow((void **)&g->moff, sizeof *g->moff, c2) ||
            gl_grow((void **)&g->mcount, sizeof *g->mcount, c2) ||
            gl_grow((void **)&g->poff, sizeof *g->poff, c2) ||
            gl_grow((void **)&g->pcount, sizeof *g->pcount, c2))
            return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for %zu fingers", c2);
        g->cap = c2;
    }
    if (g->mlen + minutiae > g->mcap) {
        size_t cap = gl_newcap(g->mcap, g->mlen + minutiae, 4096, geometric);
        if (cap > UINT32_MAX)
            return bio_fail(msg, BIO_EINVAL, "gallery: minutiae store over 4 billion");
        if (gl_grow((void **)&g->mins, sizeof *g->mins, cap))
            return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for minutiae");
        g->mcap = cap;
    }
    if (g->plen + pairs > g->pcap) {
        size_t cap = gl_newcap(g->pcap, g->plen + pairs, 4096, geometric);
        if (cap > UINT32_MAX)
            return bio_fail(msg, BIO_EINVAL, "gallery: pair store over 4 billion");
        if (gl_grow((void **)&g->pairs, sizeof *g->pairs, cap))
            return bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for pair records");
        g->pcap = cap;
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

/* Append (capacity reserved, id new); pairs[0..np) are t's records. */
static void gl_append(bio_gallery *g, uint64_t id, const bio_template *t, const uint32_t *pairs,
                      int np)
{
    size_t s = g->n++;
    g->ids[s] = id;
    g->frame[s] = (bio_index_frame){t->width, t->height, t->res_x, t->res_y};
    g->moff[s] = (uint32_t)g->mlen;
    g->mcount[s] = (uint8_t)t->count;
    for (int i = 0; i < t->count; i++) {
        const bio_minutia *m = &t->m[i];
        g->mins[g->mlen++] = BIO_INDEX_PACK(m->x, m->y, bio_angle_to_iso(m->angle), m->type);
    }
    g->poff[s] = (uint32_t)g->plen;
    g->pcount[s] = (uint16_t)np;
    memcpy(g->pairs + g->plen, pairs, (size_t)np * sizeof *pairs);
    g->plen += (size_t)np;
    gl_hput(g, s);
}

static void gl_unpack(const bio_gallery *g, size_t s, bio_template *t)
{
    memset(t, 0, offsetof(bio_template, m));
    t->width = g->frame[s].width;
    t->height = g->frame[s].height;
    t->res_x = g->frame[s].res_x;
    t->res_y = g->frame[s].res_y;
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

/* Rewrite an arena without holes: *arena (len elements, cap capacity), per-finger offsets
   off[] and counts given by count(s). Keeps the garbage when out of memory (correctness does
   not depend on compaction). */
static void gl_compact_mins(bio_gallery *g)
{
    uint32_t *tmp = malloc(g->mcap * sizeof *tmp);
    if (tmp == NULL)
        return;
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

static void gl_compact_pairs(bio_gallery *g)
{
    uint32_t *tmp = malloc(g->pcap * sizeof *tmp);
    if (tmp == NULL)
        return;
    size_t len = 0;
    for (size_t s = 0; s < g->n; s++) {
        memcpy(tmp + len, g->pairs + g->poff[s], g->pcount[s] * sizeof *tmp);
        g->poff[s] = (uint32_t)len;
        len += g->pcount[s];
    }
    free(g->pairs);
    g->pairs = tmp;
    g->plen = len;
    g->pgarbage = 0;
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
    free(g->frame);
    free(g->moff);
    free(g->mcount);
    free(g->poff);
    free(g->pcount);
    free(g->mins);
    free(g->pairs);
    free(g->hslot);
    free(g);
}

bio_status bio_gallery_add(bio_gallery *g, uint64_t id, const bio_template *t, bio_msg *msg)
{
    bio_status st;
    uint32_t pairs[BIO_INDEX_MAX_PAIRS];
    if (g == NULL)
        return bio_fail(msg, BIO_EINVAL, "gallery: no gallery");
    if ((st = gl_check(t, msg)) != BIO_OK)
        return st;
    if (gl_find(g, id) != SIZE_MAX)
        return bio_fail(msg, BIO_EINVAL, "gallery: id %llu is already enrolled",
                        (unsigned long long)id);
    int np = bio_index_pairs(t, pairs);
    if ((st = gl_reserve(g, 1, t->count, (size_t)np, 1, msg)) != BIO_OK)
        return st;
    gl_append(g, id, t, pairs, np);
    return BIO_OK;
}

typedef struct gl_enc_job {
    const bio_template *t;
    uint32_t *pairs;    /* BIO_INDEX_MAX_PAIRS per template */
    int *np;
    size_t lo, hi;
} gl_enc_job;

static void *gl_enc_run(void *arg)
{
    gl_enc_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++)
        j->np[i] = bio_index_pairs(&j->t[i], j->pairs + (i - j->lo) * BIO_INDEX_MAX_PAIRS);
    return NULL;
}

static int gl_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Templates made into pair records at a time by add_many (4 KB of records each). */
enum { GL_ENC_CHUNK = 1024 };

bio_status bio_gallery_add_many(bio_gallery *g, size_t n, const uint64_t *ids,
                                const bio_template *t, int threads, bio_msg *msg)
{
    bio_status st = BIO_OK;
    uint64_t *sorted = NULL;
    uint32_t *pairs = NULL;
    int *np = NULL;
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
    np = malloc(n * sizeof *np);
    int nt = gl_threads(threads);
    if ((size_t)nt > n)
        nt = (int)n;
    size_t chunk = n < GL_ENC_CHUNK ? n : GL_ENC_CHUNK;
    pairs = malloc(chunk * BIO_INDEX_MAX_PAIRS * sizeof *pairs);
    if (sorted == NULL || np == NULL || pairs == NULL) {
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
    /* Pair records a chunk at a time on every thread, appended as they come. The arena is
       sized from the records made so far (3% more for the rest), so a load of a million
       fingers carries little slack. A failure takes back what the batch appended: all or
       nothing. */
    size_t n0 = g->n, mlen0 = g->mlen, plen0 = g->plen;
    if ((st = gl_reserve(g, n, total, 0, 0, msg)) != BIO_OK)
        goto out;
    for (size_t lo = 0; lo < n; lo += chunk) {
        size_t hi = lo + chunk < n ? lo + chunk : n, m = hi - lo;
        int nj = (size_t)nt < m ? nt : (int)m;
        gl_enc_job jobs[64];
        for (int k = 0; k < nj; k++) {
            size_t a = lo + m * (size_t)k / (size_t)nj, b = lo + m * (size_t)(k + 1) / (size_t)nj;
            jobs[k] = (gl_enc_job){t, pairs + (a - lo) * BIO_INDEX_MAX_PAIRS, np, a, b};
        }
        gl_parallel(nj, gl_enc_run, jobs, sizeof jobs[0]);
        size_t cp = 0;
        for (size_t i = lo; i < hi; i++)
            cp += (size_t)np[i];
        if (g->plen + cp > g->pcap) {
            double per = (double)(g->plen - plen0 + cp) / (double)hi;
            size_t rest = (size_t)(per * (double)(n - hi) * 1.03);
            if ((st = gl_reserve(g, 0, 0, cp + rest, 0, msg)) != BIO_OK) {
                while (g->n > n0)
                    gl_hdel(g, gl_find(g, g->ids[--g->n]));
                g->mlen = mlen0;
                g->plen = plen0;
                goto out;
            }
        }
        for (size_t i = lo; i < hi; i++)
            gl_append(g, ids[i], &t[i], pairs + (i - lo) * BIO_INDEX_MAX_PAIRS, np[i]);
    }
out:
    free(sorted);
    free(pairs);
    free(np);
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
    g->pgarbage += g->pcount[s];
    if (s != last) {
        size_t hl = gl_find(g, g->ids[last]);
        g->ids[s] = g->ids[last];
        g->frame[s] = g->frame[last];
        g->moff[s] = g->moff[last];
        g->mcount[s] = g->mcount[last];
        g->poff[s] = g->poff[last];
        g->pcount[s] = g->pcount[last];
        g->hslot[hl] = (uint32_t)(s + 1);
    }
    g->n--;
    if (g->mgarbage > 4096 && g->mgarbage > g->mlen / 2)
        gl_compact_mins(g);
    if (g->pgarbage > 4096 && g->pgarbage > g->plen / 2)
        gl_compact_pairs(g);
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
    size_t per = sizeof *g->ids + sizeof *g->frame + sizeof *g->moff + sizeof *g->mcount +
                 sizeof *g->poff + sizeof *g->pcount;
    return sizeof *g + g->cap * per + g->mcap * sizeof *g->mins +
           g->pcap * sizeof *g->pairs + g->hcap * sizeof *g->hslot;
}

/* ---- search ---- */

typedef struct gl_hit {
    float s;            /* stage A score */
    float v;            /* score of the later stages (the rank they sort by) */
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

typedef struct gl_a_job {
    const bio_gallery *g;
    const bio_index_table *table;
    size_t lo, hi, k;
    gl_hit *heap;       /* k entries, owned by the search */
    size_t nheap;
    bio_status st;
    bio_msg msg;
} gl_a_job;

static void *gl_a_run(void *arg)
{
    gl_a_job *j = arg;
    const bio_gallery *g = j->g;
    bio_index_scratch *sc = NULL;
    if ((j->st = bio_index_scratch_new(&sc, &j->msg)) != BIO_OK)
        return NULL;
    for (size_t i = j->lo; i < j->hi; i++) {
        float s = bio_index_hough(j->table, g->mins + g->moff[i], g->mcount[i], &g->frame[i],
                                  g->pairs + g->poff[i], g->pcount[i], sc);
        gl_heap_push(j->heap, &j->nheap, j->k, (gl_hit){s, 0.0f, (uint32_t)i});
    }
    bio_index_scratch_free(sc);
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
    if (x->s != y->s)
        return (x->s < y->s) - (x->s > y->s);
    return (x->slot > y->slot) - (x->slot < y->slot);
}

/* by the later stages' score, then stage A's, then slot: a total order (stable results) */
static int gl_cmp_ranked(const void *a, const void *b)
{
    const gl_hit *x = a, *y = b;
    if (x->v != y->v)
        return (x->v < y->v) - (x->v > y->v);
    if (x->s != y->s)
        return (x->s < y->s) - (x->s > y->s);
    return (x->slot > y->slot) - (x->slot < y->slot);
}

/*
 * Weight of ln(verification score) against ln(stage B score) in the rank that picks the
 * shortlist (docs/internals/bio-search.md): the two fail on different mates.
 */
#define GL_FUSE_W 0.5f

typedef struct gl_bc_job {
    const bio_gallery *g;
    const bio_index_table *table;   /* stage B, or */
    const bio_index_probe *probe;   /* stage C */
    gl_hit *list;
    size_t n, first, step;
    bio_status st;
    bio_msg msg;
} gl_bc_job;

static void *gl_b_run(void *arg)
{
    gl_bc_job *j = arg;
    const bio_gallery *g = j->g;
    bio_index_scratch *sc = NULL;
    if ((j->st = bio_index_scratch_new(&sc, &j->msg)) != BIO_OK)
        return NULL;
    for (size_t i = j->first; i < j->n; i += j->step) {
        size_t s = j->list[i].slot;
        j->list[i].v = bio_index_refine(j->table, g->mins + g->moff[s], g->mcount[s],
                                        &g->frame[s], g->pairs + g->poff[s], g->pcount[s], sc);
    }
    bio_index_scratch_free(sc);
    return NULL;
}

static void *gl_c_run(void *arg)
{
    gl_bc_job *j = arg;
    const bio_gallery *g = j->g;
    bio_index_acc *acc = NULL;
    if ((j->st = bio_index_acc_new(&acc, &j->msg)) != BIO_OK)
        return NULL;
    for (size_t i = j->first; i < j->n; i += j->step) {
        size_t s = j->list[i].slot;
        float c = bio_index_verify(j->probe, g->mins + g->moff[s], g->mcount[s],
                                   g->frame[s].res_x, g->frame[s].res_y, acc);
        /* fused with stage B's score: each rescues mates the other misses */
        j->list[i].v = logf(j->list[i].v + 1e-6f) + GL_FUSE_W * logf(c + 1e-6f);
    }
    bio_index_acc_free(acc);
    return NULL;
}

/* Run stage B (table) or C (probe) over list[0..n) and sort it best first. */
static bio_status gl_stage(const bio_gallery *g, const bio_index_table *table,
                           const bio_index_probe *probe, gl_hit *list, size_t n, int threads,
                           bio_msg *msg)
{
    bio_status st = BIO_OK;
    int nt = gl_threads(threads);
    if ((size_t)nt > n / 64 + 1)
        nt = (int)(n / 64 + 1);
    gl_bc_job jobs[64];
    for (int k = 0; k < nt; k++)
        jobs[k] = (gl_bc_job){g, table, probe, list, n, (size_t)k, (size_t)nt, BIO_OK, {{0}}};
    gl_parallel(nt, table != NULL ? gl_b_run : gl_c_run, jobs, sizeof jobs[0]);
    for (int k = 0; k < nt; k++)
        if (jobs[k].st != BIO_OK && st == BIO_OK) {
            if (msg != NULL)
                *msg = jobs[k].msg;
            st = jobs[k].st;
        }
    if (st == BIO_OK)
        qsort(list, n, sizeof *list, gl_cmp_ranked);
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

static size_t gl_clamp(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

bio_status bio_gallery_search(const bio_gallery *g, const bio_template *probe,
                              const bio_search_opts *o, bio_candidate **out, size_t *n,
                              bio_search_stats *stats, bio_msg *msg)
{
    bio_status st = gl_search_args(g, probe, o, out, n, msg);
    if (st != BIO_OK)
        return st;
    bio_index_table *table = NULL;
    bio_index_probe *vprobe = NULL;
    gl_hit *heaps = NULL, *list = NULL;
    size_t nlist = 0, nrefined = 0, nverified = 0;
    double t0 = gl_now(), ta = 0, tb = 0, tc = 0;
    /* sizes of the stages: shortlist k2 <= verified kc <= refined kb */
    double fmr = bio_fmr_for_threshold(o->threshold);
    size_t k2 = o->shortlist ? o->shortlist
                             : gl_clamp((size_t)((double)g->n * fmr / 3.0), BIO_SEARCH_SHORTLIST,
                                        SIZE_MAX);
    size_t kb = o->candidates ? o->candidates : gl_clamp(g->n / 40, BIO_SEARCH_REFINED, SIZE_MAX);
    size_t kc = o->verified ? o->verified : gl_clamp(g->n / 500, BIO_SEARCH_VERIFIED, SIZE_MAX);
    kb = gl_clamp(kb, k2, g->n);
    kc = gl_clamp(kc, k2, kb);
    k2 = k2 < g->n ? k2 : g->n;
    int nt = gl_threads(o->threads);
    if ((size_t)nt > g->n / 1024 + 1)
        nt = (int)(g->n / 1024 + 1);
    if ((st = bio_index_table_new(probe, &table, msg)) != BIO_OK)
        goto out;
    heaps = malloc((size_t)nt * (kb ? kb : 1) * sizeof *heaps);
    if (heaps == NULL) {
        st = bio_fail(msg, BIO_ENOMEM, "gallery: out of memory for %zu candidates", kb);
        goto out;
    }
    gl_a_job jobs[64];
    for (int i = 0; i < nt; i++)
        jobs[i] = (gl_a_job){g, table, g->n * (size_t)i / (size_t)nt,
                             g->n * (size_t)(i + 1) / (size_t)nt, kb, heaps + (size_t)i * kb, 0,
                             BIO_OK, {{0}}};
    if (kb > 0)
        gl_parallel(nt, gl_a_run, jobs, sizeof jobs[0]);
    for (int i = 0; i < nt; i++)
        if (jobs[i].st != BIO_OK) {
            if (msg != NULL)
                *msg = jobs[i].msg;
            st = jobs[i].st;
            goto out;
        }
    /* merge: the heaps sit back to back; compact, sort, keep the best kb */
    list = heaps;
    for (int i = 0; i < nt; i++) {
        memmove(list + nlist, jobs[i].heap, jobs[i].nheap * sizeof *list);
        nlist += jobs[i].nheap;
    }
    qsort(list, nlist, sizeof *list, gl_cmp_hit);
    if (nlist > kb)
        nlist = kb;
    ta = gl_now() - t0;
    if (nlist > k2) {
        double tb0 = gl_now();
        if ((st = gl_stage(g, table, NULL, list, nlist, o->threads, msg)) != BIO_OK)
            goto out;
        nrefined = nlist;
        if (nlist > kc)
            nlist = kc;
        tb = gl_now() - tb0;
        if (nlist > k2) {
            double tc0 = gl_now();
            if ((st = bio_index_probe_new(probe, &vprobe, msg)) != BIO_OK ||
                (st = gl_stage(g, NULL, vprobe, list, nlist, o->threads, msg)) != BIO_OK)
                goto out;
            nverified = nlist;
            nlist = k2;
            tc = gl_now() - tc0;
        }
    }
    double t1 = gl_now();
    st = gl_rescore(g, probe, list, nlist, 0, o, out, n, msg);
    if (stats != NULL)
        *stats = (bio_search_stats){g->n, nlist, t1 - t0, gl_now() - t1, nverified, tc, ta,
                                    nrefined, tb};
out:
    bio_index_table_free(table);
    bio_index_probe_free(vprobe);
    free(heaps);
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
        *stats = (bio_search_stats){g->n, g->n, 0.0, gl_now() - t0, 0, 0.0, 0.0, 0, 0.0};
    free(list);
    return st;
}
