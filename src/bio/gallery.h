/*
 * gallery.h - 1:N de-duplication search: a gallery of enrolled fingers held in memory,
 * searched in stages with every core.
 *
 * Every stage looks for minutia pairs of the probe and a finger that agree in shape and on
 * one placement of the finger (index.h). Stage A votes with each finger's stored pair records
 * (its minutiae with their 8 nearest neighbours) for every finger, about a microsecond each;
 * stage B re-ranks the best `candidates` (default 1/40 of the gallery, at least 2,000) with
 * exact directions and the minutiae paired under the strongest placements; stage C re-ranks
 * the best `verified` (default 1/500 of the gallery, at least 1,000) by all pairs up to 150 px,
 * fused with stage B; the 1:1 matcher (match.h) re-scores the best `shortlist` (by default a third
 * of the impostors the threshold lets through, count x FMR / 3, at least 100) and returns those at or above the threshold, best
 * first. A finger costs about 1 KB or less: its id, frame, minutiae packed in
 * 4 bytes each (x, y up to 2047, angle in ISO units of 2*pi/256, type) and pair records of 4
 * bytes each (about 4.75 a minutia); the 1:1 stage unpacks and prepares candidates on the fly.
 *
 * The service loads the gallery at start (add_many, a few microseconds a finger on every
 * core) and keeps it in step with enrolment. A gallery is not locked inside: searches may run
 * concurrently with each other, but add/remove need the caller's exclusive access (a rwlock
 * in the service).
 * Never: print, read files, or allocate per compared finger.
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
    size_t shortlist;   /* candidates re-scored by the 1:1 matcher; 0: automatic,
                           count x bio_fmr_for_threshold(threshold) / 3, at least
                           BIO_SEARCH_SHORTLIST. A looser threshold admits weaker mates and
                           more impostors that outrank them: at 1 M fingers and FMR 1e-3 the
                           weakest FVC mate comes ~280th (333 kept), at FMR 1e-4 every mate
                           is within the first 100 */
    int threads;        /* 0: every core */
    size_t candidates;  /* stage-A candidates re-ranked by stage B; 0: automatic (count/40,
                           at least BIO_SEARCH_REFINED); a value <= shortlist makes stage A
                           pick the shortlist alone */
    size_t verified;    /* stage-B candidates re-ranked by stage C; 0: automatic (count/500,
                           at least BIO_SEARCH_VERIFIED); a value <= shortlist skips stage C */
} bio_search_opts;

#define BIO_SEARCH_SHORTLIST 100
#define BIO_SEARCH_REFINED 2000
#define BIO_SEARCH_VERIFIED 1000

typedef struct bio_candidate {
    uint64_t id;
    double score;       /* 1:1 score (match.h) */
    float index_score;  /* stage-A score (0 from the exhaustive search) */
} bio_candidate;

typedef struct bio_search_stats {
    size_t gallery;     /* fingers in the gallery */
    size_t rescored;    /* 1:1 comparisons made */
    double stage1_s;    /* seconds (wall) ranking: stages A, B and C */
    double stage2_s;    /* seconds (wall) re-scoring with the 1:1 matcher */
    size_t verified;    /* fingers ranked by stage C */
    double verify_s;    /* seconds (wall) of stage C (inside stage1_s) */
    double scan_s;      /* seconds (wall) of stage A (inside stage1_s) */
    size_t refined;     /* fingers ranked by stage B */
    double refine_s;    /* seconds (wall) of stage B (inside stage1_s) */
} bio_search_stats;

/*
 * Search of probe in g. *out (owned by caller; free()) receives *n candidates with
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
