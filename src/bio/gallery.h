/*
 * gallery.h - 1:N de-duplication search: a gallery of enrolled fingers held in memory,
 * searched in two stages with every core.
 *
 * Stage 1 ranks every finger by its index code (index.h: a 2048-bit vector, popcount overlap),
 * tens of millions of fingers per second. Its best `candidates` are ranked again by pair
 * geometry (bio_index_verify: a Hough vote on the stored minutiae and the pairing it implies,
 * ~50-80 us a finger, no bio_prepare), fused with their stage-1 score. Stage 2 re-scores the
 * best `shortlist` of those with the 1:1 matcher (match.h) and returns those at or above the
 * threshold, best first. A finger costs about 600 bytes: its code, its id and its minutiae packed in 4 bytes each (x, y up to 2047,
 * angle in ISO units of 2*pi/256, type); stage 2 unpacks and prepares candidates on the fly.
 *
 * The service loads the gallery at start (one add per enrolled finger) and keeps it in step
 * with enrolment. A gallery is not locked inside: searches may run concurrently with each
 * other, but add/remove need the caller's exclusive access (a rwlock in the service).
 * Never: print, read files, or allocate per compared finger in stage 1.
 */
#ifndef KTPEL_BIO_GALLERY_H
#define KTPEL_BIO_GALLERY_H

#include "bio/bio.h"

#include <stddef.h>
#include <stdint.h>

typedef struct bio_gallery bio_gallery;

/* *out owned by caller: free with bio_gallery_free(). */
bio_status bio_gallery_new(bio_gallery **out, bio_msg *msg);
void bio_gallery_free(bio_gallery *g);

/*
 * Enrol template t under `id` (the caller's key, e.g. a finger row id). An id already present
 * is BIO_EINVAL and changes nothing; so is a minutia beyond 2047 px.
 */
bio_status bio_gallery_add(bio_gallery *g, uint64_t id, const bio_template *t, bio_msg *msg);

/*
 * Enrol n templates at once, their index codes computed on `threads` threads (0: every core).
 * All or nothing: on any error (a duplicate id, within the batch too) nothing is added.
 */
bio_status bio_gallery_add_many(bio_gallery *g, size_t n, const uint64_t *ids,
                                const bio_template *t, int threads, bio_msg *msg);

/* Remove finger `id`; BIO_EINVAL if it is not there. */
bio_status bio_gallery_remove(bio_gallery *g, uint64_t id, bio_msg *msg);

size_t bio_gallery_count(const bio_gallery *g);
int bio_gallery_contains(const bio_gallery *g, uint64_t id);

/* The template stored for id (as packed: angle rounded to ISO units, quality dropped). */
bio_status bio_gallery_get(const bio_gallery *g, uint64_t id, bio_template *out, bio_msg *msg);

/* Heap bytes the gallery holds (all its arrays, capacity included). */
size_t bio_gallery_bytes(const bio_gallery *g);

typedef struct bio_search_opts {
    double threshold;   /* report candidates with 1:1 score >= threshold */
    size_t shortlist;   /* candidates re-scored by the 1:1 matcher; 0: BIO_SEARCH_SHORTLIST */
    int threads;        /* 0: every core */
    size_t candidates;  /* stage-1 candidates verified by pair geometry; 0: automatic
                           (max(4096, count/48), all of a small gallery); a value <= shortlist
                           skips the verification */
} bio_search_opts;

#define BIO_SEARCH_SHORTLIST 100

typedef struct bio_candidate {
    uint64_t id;
    double score;       /* 1:1 score (match.h) */
    float index_score;  /* stage-1 score (0 from the exhaustive search) */
} bio_candidate;

typedef struct bio_search_stats {
    size_t gallery;     /* fingers in the gallery */
    size_t rescored;    /* 1:1 comparisons made */
    double stage1_s;    /* seconds (wall) ranking by index code */
    double stage2_s;    /* seconds (wall) re-scoring with the 1:1 matcher */
    size_t verified;    /* fingers ranked by pair geometry */
    double verify_s;    /* seconds (wall) of that ranking (inside stage1_s) */
} bio_search_stats;

/*
 * Two-stage search of probe in g. *out (owned by caller; free()) receives *n candidates with
 * score >= o->threshold, best first (NULL when none). stats may be NULL.
 */
bio_status bio_gallery_search(const bio_gallery *g, const bio_template *probe,
                              const bio_search_opts *o, bio_candidate **out, size_t *n,
                              bio_search_stats *stats, bio_msg *msg);

/* The reference: the 1:1 matcher against every finger (o->shortlist ignored). Same outputs. */
bio_status bio_gallery_search_exhaustive(const bio_gallery *g, const bio_template *probe,
                                         const bio_search_opts *o, bio_candidate **out,
                                         size_t *n, bio_search_stats *stats, bio_msg *msg);

#endif
