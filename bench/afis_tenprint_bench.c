/*
 * afis_tenprint_bench.c - ten-print identification at city scale: how often a second enrolment
 * of a person is missed (FNIR) when unique new people are flagged at most at a given rate
 * (FPIR 1e-3, 1e-2), and the search time of one ten-finger enrolment, against galleries of N
 * people (10 N fingers).
 *
 * Gallery: N synthetic people (src/bio synth, template mode: a finger's true minutiae as an
 * extractor would report them), ten fingers each, one in-memory gallery per finger position
 * (bio_gallery; id = person x 10 + position - 1), plus, when ../shared is there, one person
 * per FVC set (FVC2002 and FVC2000 DB1..4 B: its ten fingers are one person's ten fingers,
 * first impression enrolled, extracted from the images).
 * Probes: `mated` synthetic people already enrolled (other touches of their ten fingers), the
 * FVC people's impressions 2..8 (real prints: dry, wet, distorted), and `unmated` people who
 * are not in the gallery. One enrolment is searched as the person-level decision allows
 * (src/bio/tenprint.h): the `searched` strongest fingers (most minutiae) are searched 1:N
 * (shortlist 50) in the gallery of their own position and of the other hand's same finger (a
 * swapped hand;
 * --any: every position), the likeliest people found (4) have all their fingers compared with
 * all the probe's, and the fused evidence decides at the threshold of each FPIR.
 * Prints per N: memory, build time, FNIR at FPIR 1e-3 and 1e-2 (synthetic and FVC mates),
 * the unmated searches flagged at each (measured FPIR), and the time per enrolment (wall and
 * process CPU: the machine is shared, CPU is the honest figure).
 *
 * Usage: afis_tenprint_bench [--mated M] [--unmated U] [--searched K] [--any] [N ...]
 *        (defaults: M 200, U 200, K 2, N 10000 100000)
 * Figures go to docs/benchmarks.md, "AFIS: ten-print identification". Never asserts speed.
 */
#include "bio/extract.h"
#include "bio/gallery.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/synth.h"
#include "bio/tenprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEED 20261207u
#define BATCH 4096
#define VERIFY 4
#define SCREEN_FMR 1e-2
#define SHORTLIST 50
#define FVC_SETS 8

static const char *const fvc_sets[FVC_SETS] = {
    "fvc2002/DB1_B", "fvc2002/DB2_B", "fvc2002/DB3_B", "fvc2002/DB4_B",
    "fvc2000/DB1_B", "fvc2000/DB2_B", "fvc2000/DB3_B", "fvc2000/DB4_B"};

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void) /* every thread of the process */
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const bio_msg *m)
{
    fprintf(stderr, "afis_tenprint_bench: %s: %s\n", what, m != NULL ? m->text : "");
    exit(1);
}

/* A ten-print: templates by position 1..10 (index 0..9). */
typedef struct person {
    bio_template f[10];
    int have[10];
} person;

typedef struct world {
    bio_gallery *g[10];     /* one per position */
    size_t persons;
    int any;                /* search every position */
    int searched;           /* probe fingers searched 1:N */
} world;

static int mirror(int pos) { return pos > 5 ? pos - 5 : pos + 5; }

/* The synthetic person p's ten fingers, touch `imp`. */
static void synth_person(uint32_t p, uint32_t imp, person *out)
{
    bio_msg m;
    for (int i = 0; i < 10; i++) {
        if (bio_synth_template(SEED, 10 * p + (uint32_t)i, imp, &out->f[i], &m) != BIO_OK)
            die("synth", &m);
        out->f[i].finger_position = (uint8_t)(i + 1);
        out->have[i] = out->f[i].count > 0;
    }
}

/* FVC set s's ten fingers as one person (impression imp, 1..8); 0 when ../shared is absent. */
static int fvc_person(int s, int imp, person *out)
{
    const char *sh = getenv("KTPEL_SHARED");
    char path[1024];
    memset(out->have, 0, sizeof out->have);
    for (int i = 0; i < 10; i++) {
        bio_image img;
        bio_msg m;
        snprintf(path, sizeof path, "%s/data/fingerprints/%s/%d_%d.tif",
                 sh ? sh : "../shared", fvc_sets[s], 101 + i, imp);
        if (bio_image_load(path, &img, &m) != BIO_OK)
            return 0;
        if (bio_extract(&img, &out->f[i], &m) == BIO_OK) {
            out->f[i].finger_position = (uint8_t)(i + 1);
            out->have[i] = 1;
        }
        bio_image_free(&img);
    }
    return 1;
}

static void enrol(world *w, uint64_t pid, const person *p)
{
    bio_msg m;
    for (int i = 0; i < 10; i++)
        if (p->have[i] && bio_gallery_add(w->g[i], pid * 10 + (uint64_t)i, &p->f[i], &m) != BIO_OK)
            die("enrol", &m);
}

/* N synthetic people into the ten galleries, in batches on every core. */
static void build(world *w, size_t n)
{
    bio_template *t = malloc(BATCH * sizeof *t);
    uint64_t *ids = malloc(BATCH * sizeof *ids);
    bio_msg m;
    if (!t || !ids)
        die("build", NULL);
    for (int pos = 0; pos < 10; pos++)
        for (size_t a = 0; a < n; a += BATCH) {
            size_t k = n - a < BATCH ? n - a : BATCH;
            for (size_t j = 0; j < k; j++) {
                uint32_t p = (uint32_t)(a + j);
                if (bio_synth_template(SEED, 10 * p + (uint32_t)pos, 0, &t[j], &m) != BIO_OK)
                    die("synth", &m);
                ids[j] = (uint64_t)p * 10 + (uint64_t)pos;
            }
            if (bio_gallery_add_many(w->g[pos], k, ids, t, 0, &m) != BIO_OK)
                die("add_many", &m);
        }
    free(t);
    free(ids);
}

typedef struct outcome {
    uint64_t best;          /* best candidate person (UINT64_MAX: none) */
    double best_ev;
    double mate_ev;         /* evidence of the expected person (0 when not a candidate) */
    double other_ev;        /* best evidence of anyone else */
    double wall_s, cpu_s;
} outcome;

static int cmp_int_desc_count(const void *a, const void *b, const person *p)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (int)p->f[y].count - (int)p->f[x].count;
}

/* One enrolment searched as the person level allows (see the top of this file). */
static outcome identify(const world *w, const person *probe, uint64_t mate, uint64_t twin)
{
    outcome o = {UINT64_MAX, 0, 0, 0, 0, 0};
    double w0 = wall(), c0 = cpu();
    size_t cap = 1024, n = 0;
    bio_tp_comparison *c = malloc(cap * sizeof *c);
    bio_prepared *pp[10] = {0};
    bio_msg m;
    if (!c)
        die("identify", NULL);
    /* The strongest fingers first (most minutiae). */
    int order[10], no = 0;
    for (int i = 0; i < 10; i++)
        if (probe->have[i])
            order[no++] = i;
    for (int i = 1; i < no; i++) /* insertion sort: ten elements */
        for (int j = i; j > 0 && cmp_int_desc_count(&order[j - 1], &order[j], probe) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    bio_search_opts so;
    memset(&so, 0, sizeof so);
    so.threshold = bio_threshold_for_fmr(SCREEN_FMR);
    /* The person level needs a few candidates a finger, not every finger at FMR 1e-2 (the
       automatic shortlist, count x FMR / 3: 3,333 1:1 comparisons a search at 1 M). */
    so.shortlist = SHORTLIST;
    int searched = no < w->searched ? no : w->searched;
    for (int k = 0; k < searched; k++) {
        int i = order[k];
        for (int pos = 1; pos <= 10; pos++) {
            if (!w->any && pos != i + 1 && pos != mirror(i + 1))
                continue;
            bio_candidate *cand = NULL;
            size_t nc = 0;
            if (bio_gallery_search(w->g[pos - 1], &probe->f[i], &so, &cand, &nc, NULL, &m) !=
                BIO_OK)
                die("search", &m);
            for (size_t j = 0; j < nc; j++) {
                if (n == cap) {
                    cap *= 2;
                    c = realloc(c, cap * sizeof *c);
                    if (!c)
                        die("identify", NULL);
                }
                c[n++] = (bio_tp_comparison){i, i + 1, cand[j].id / 10, cand[j].id,
                                             (int)(cand[j].id % 10) + 1, cand[j].score};
            }
            free(cand);
        }
    }
    bio_tp_opts to = {1e-3, w->persons, no, 10};
    bio_tp_candidate *people = NULL;
    size_t np = 0;
    if (bio_tenprint_fuse(c, n, &to, &people, &np, NULL, &m) != BIO_OK)
        die("fuse", &m);
    /* The likeliest people: every finger against every probe finger (1:1, the gallery's
       stored minutiae). */
    for (size_t k = 0; k < np && k < VERIFY; k++) {
        for (int pos = 0; pos < 10; pos++) {
            uint64_t id = people[k].person * 10 + (uint64_t)pos;
            bio_template *t = malloc(sizeof *t);
            bio_prepared *cp = NULL;
            if (!t)
                die("verify", NULL);
            if (!bio_gallery_contains(w->g[pos], id) ||
                bio_gallery_get(w->g[pos], id, t, &m) != BIO_OK ||
                bio_prepare(t, &cp, &m) != BIO_OK) {
                free(t);
                continue;
            }
            for (int i = 0; i < 10; i++) {
                if (!probe->have[i])
                    continue;
                int seen = 0;
                for (size_t j = 0; j < n && !seen; j++)
                    seen = c[j].probe == i && c[j].finger_id == id;
                if (seen)
                    continue;
                if (!pp[i] && bio_prepare(&probe->f[i], &pp[i], &m) != BIO_OK)
                    die("prepare", &m);
                double s = bio_match(pp[i], cp);
                if (s < so.threshold)
                    continue;
                if (n == cap) {
                    cap *= 2;
                    c = realloc(c, cap * sizeof *c);
                    if (!c)
                        die("identify", NULL);
                }
                c[n++] = (bio_tp_comparison){i, i + 1, people[k].person, id, pos + 1, s};
            }
            bio_prepared_free(cp);
            free(t);
        }
    }
    free(people);
    people = NULL;
    if (bio_tenprint_fuse(c, n, &to, &people, &np, NULL, &m) != BIO_OK)
        die("fuse", &m);
    o.wall_s = wall() - w0;
    o.cpu_s = cpu() - c0;
    for (size_t k = 0; k < np; k++) {
        if (k == 0) {
            o.best = people[k].person;
            o.best_ev = people[k].evidence;
        }
        if (people[k].person == mate || people[k].person == twin) {
            if (people[k].evidence > o.mate_ev)
                o.mate_ev = people[k].evidence;
        } else if (people[k].evidence > o.other_ev) {
            o.other_ev = people[k].evidence;
        }
    }
    free(people);
    free(c);
    for (int i = 0; i < 10; i++)
        bio_prepared_free(pp[i]);
    return o;
}

static const double fpirs[2] = {1e-3, 1e-2};

static void run(size_t n, int mated, int unmated, int searched, int any)
{
    world w;
    bio_msg m;
    memset(&w, 0, sizeof w);
    w.any = any;
    w.searched = searched;
    for (int i = 0; i < 10; i++)
        if (bio_gallery_new(&w.g[i], &m) != BIO_OK)
            die("gallery", &m);
    double t0 = wall(), c0 = cpu();
    build(&w, n);
    person *p = malloc(sizeof *p);
    if (!p)
        die("person", NULL);
    int fvc = 0;
    for (int s = 0; s < FVC_SETS; s++)
        if (fvc_person(s, 1, p)) {
            enrol(&w, n + (size_t)s, p);
            fvc++;
        }
    w.persons = n + (size_t)fvc;
    size_t fingers = 0, bytes = 0;
    for (int i = 0; i < 10; i++) {
        fingers += bio_gallery_count(w.g[i]);
        bytes += bio_gallery_bytes(w.g[i]);
    }
    printf("\n== %zu people (%zu fingers%s), %s search of the %d strongest fingers\n", w.persons,
           fingers, fvc ? ", FVC people included" : "", any ? "any-position" : "positional+mirror",
           searched);
    printf("build: %.1f s wall, %.1f s CPU; gallery %.1f MB (%.0f B a finger)\n", wall() - t0,
           cpu() - c0, (double)bytes / 1e6, (double)bytes / (double)fingers);
    double th[2];
    for (int f = 0; f < 2; f++) {
        th[f] = bio_tenprint_threshold(fpirs[f], w.persons, 10);
        printf("threshold at FPIR %g: evidence %.2f\n", fpirs[f], th[f]);
    }
    int miss[2] = {0, 0}, wrong[2] = {0, 0}, fmiss[2] = {0, 0}, fn = 0, flagged[2] = {0, 0};
    double ws = 0, cs = 0, wmax = 0, mate_min = 1e9, unm_max = 0;
    int searches = 0;
    for (int j = 0; j < mated; j++) {
        uint32_t pid = (uint32_t)(((uint64_t)j * 7919u) % n);
        synth_person(pid, 1 + (uint32_t)(j % 3), p);
        outcome o = identify(&w, p, pid, UINT64_MAX);
        for (int f = 0; f < 2; f++) {
            miss[f] += o.mate_ev < th[f];
            wrong[f] += o.other_ev >= th[f];
        }
        if (o.mate_ev < mate_min)
            mate_min = o.mate_ev;
        ws += o.wall_s;
        cs += o.cpu_s;
        wmax = o.wall_s > wmax ? o.wall_s : wmax;
        searches++;
    }
    for (int s = 0; s < FVC_SETS && fvc; s++)
        for (int imp = 2; imp <= 8; imp++) {
            if (!fvc_person(s, imp, p))
                continue;
            /* FVC2000 DB1_B and DB2_B hold the same ten fingers (two sensors): each set's
               person is the other's mate too (found by this bench: their fingers match at
               scores 10-30 at every position). */
            uint64_t twin = s == 4 ? n + 5 : s == 5 ? n + 4 : UINT64_MAX;
            outcome o = identify(&w, p, n + (size_t)s, twin);
            for (int f = 0; f < 2; f++) {
                fmiss[f] += o.mate_ev < th[f];
                wrong[f] += o.other_ev >= th[f];
            }
            if (o.mate_ev < th[0])
                printf("  FVC %s impression %d: mate evidence %.1f (best other %.1f)\n",
                       fvc_sets[s], imp, o.mate_ev, o.other_ev);
            fn++;
            ws += o.wall_s;
            cs += o.cpu_s;
            searches++;
        }
    for (int j = 0; j < unmated; j++) {
        synth_person((uint32_t)(n + 1000 + (size_t)j), 1, p);
        outcome o = identify(&w, p, UINT64_MAX, UINT64_MAX);
        for (int f = 0; f < 2; f++)
            flagged[f] += o.best_ev >= th[f];
        unm_max = o.best_ev > unm_max ? o.best_ev : unm_max;
        ws += o.wall_s;
        cs += o.cpu_s;
        searches++;
    }
    for (int f = 0; f < 2; f++)
        printf("FPIR %g: FNIR synthetic %d/%d = %.2f%%, FVC %d/%d = %.2f%%; unique people flagged "
               "%d/%d; mated searches with another person above it %d\n",
               fpirs[f], miss[f], mated, mated ? 100.0 * miss[f] / mated : 0.0, fmiss[f], fn,
               fn ? 100.0 * fmiss[f] / fn : 0.0, flagged[f], unmated, wrong[f]);
    printf("weakest synthetic mate's evidence %.1f; strongest unmated candidate %.1f\n", mate_min,
           unm_max);
    printf("time per enrolment: %.2f s wall (max %.2f), %.2f s CPU (%d searches)\n",
           ws / searches, wmax, cs / searches, searches);
    fflush(stdout);
    free(p);
    for (int i = 0; i < 10; i++)
        bio_gallery_free(w.g[i]);
}

int main(int argc, char **argv)
{
    int mated = 200, unmated = 200, searched = 2, any = 0, sizes = 0;
    size_t n[16];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mated") == 0 && i + 1 < argc)
            mated = atoi(argv[++i]);
        else if (strcmp(argv[i], "--unmated") == 0 && i + 1 < argc)
            unmated = atoi(argv[++i]);
        else if (strcmp(argv[i], "--searched") == 0 && i + 1 < argc)
            searched = atoi(argv[++i]);
        else if (strcmp(argv[i], "--any") == 0)
            any = 1;
        else if (sizes < 16 && atol(argv[i]) > 0)
            n[sizes++] = (size_t)atol(argv[i]);
        else {
            fprintf(stderr, "usage: afis_tenprint_bench [--mated M] [--unmated U] "
                            "[--searched K] [--any] [N ...]\n");
            return 2;
        }
    }
    if (sizes == 0) {
        n[0] = 10000;
        n[1] = 100000;
        sizes = 2;
    }
    if (searched < 1 || searched > 10 || mated < 0 || unmated < 0) {
        fprintf(stderr, "afis_tenprint_bench: --searched 1..10, counts >= 0\n");
        return 2;
    }
    for (int i = 0; i < sizes; i++)
        run(n[i], mated, unmated, searched, any);
    return 0;
}
