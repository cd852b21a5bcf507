/*
 * afis_search_bench.c - 1:N search at city scale: galleries of 10,000, 100,000 and 1,000,000
 * fingers (synthetic impostors from synth.h template mode, plus the FVC2002 DB1..DB4_B mates
 * when ../shared is present), searched with the two-stage search (gallery.h).
 *
 * Prints, per size: memory per finger, fingers/s and searches/s end to end, CPU seconds a
 * search, each stage's time, and the mates the search returns compared with exhaustive 1:1 on
 * those mates (the probe's 1:1 score against each of its mates decides which mates exhaustive
 * matching would report), at the FMR 1e-3 and 1e-4 thresholds; then the time to add a finger
 * (add_many, and one at a time) and to remove one.
 * Usage: afis_search_bench [max_size] [shortlist] [candidates] [verified]   (defaults
 * 1000000, 0, 0, 0: the search's own defaults)
 * Figures go to docs/benchmarks.md, section "AFIS: 1:N search". Never asserts speed.
 */
#include "bio/gallery.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/synth.h"
#include "bio/template.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FVC_ID(db, f, k) (4000000000ULL + (uint64_t)(db) * 1000 + (uint64_t)(f) * 10 + (k))
enum { SYN_PROBES = 20, BATCH = 65536 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bio_template fvc[4][10][8];
static int have_fvc;

static void load_fvc(void)
{
    const char *shared = getenv("KTPEL_SHARED");
    char path[1024];
    bio_msg msg = {{0}};
    for (int db = 0; db < 4; db++)
        for (int f = 0; f < 10; f++)
            for (int k = 0; k < 8; k++) {
                uint8_t *buf = NULL;
                size_t len = 0, cnt = 0;
                bio_template *v = NULL;
                snprintf(path, sizeof path, "%s/data/fingerprints/fvc2002/DB%d_B/%d_%d.iso",
                         shared ? shared : "../shared", db + 1, 101 + f, k + 1);
                if (bio_read_file(path, 1 << 20, &buf, &len, &msg) != BIO_OK ||
                    bio_template_decode(buf, len, &v, &cnt, NULL, &msg) != BIO_OK || cnt < 1) {
                    free(buf);
                    printf("SKIP: ../shared not found (%s): synthetic probes only\n", path);
                    return;
                }
                fvc[db][f][k] = v[0];
                free(v);
                free(buf);
            }
    have_fvc = 1;
}

typedef struct gen_job {
    bio_template *t;
    uint64_t *ids;
    size_t lo, hi, base;
} gen_job;

static void *gen_run(void *arg)
{
    gen_job *j = arg;
    bio_msg msg;
    for (size_t i = j->lo; i < j->hi; i++) {
        j->ids[i] = j->base + i;
        bio_synth_template(1, (uint32_t)(j->base + i), 0, &j->t[i], &msg);
    }
    return NULL;
}

/* Grow g with synthetic impostors (impression 0 of fingers [from, to)). */
static double add_many_s; /* seconds inside bio_gallery_add_many */

static int add_synthetic(bio_gallery *g, size_t from, size_t to, bio_template *t, uint64_t *ids)
{
    bio_msg msg = {{0}};
    for (size_t lo = from; lo < to; lo += BATCH) {
        size_t n = to - lo < BATCH ? to - lo : BATCH;
        gen_job j[2] = {{t, ids, 0, n / 2, lo}, {t, ids, n / 2, n, lo}};
        pthread_t tid;
        int started = pthread_create(&tid, NULL, gen_run, &j[0]) == 0;
        gen_run(&j[1]);
        if (started)
            pthread_join(tid, NULL);
        else
            gen_run(&j[0]);
        double a0 = now();
        bio_status st = bio_gallery_add_many(g, n, ids, t, 0, &msg);
        add_many_s += now() - a0;
        if (st != BIO_OK) {
            fprintf(stderr, "add_many: %s\n", msg.text);
            return 1;
        }
    }
    return 0;
}

static int has_id(const bio_candidate *c, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].id == id)
            return 1;
    return 0;
}

typedef struct tally {
    int probes, mates_exh, mates_found, extra; /* extra: returned, not a mate (false match) */
    double s1, s2, sv, sa, sb, cpu;
    size_t verified, refined, rescored;
} tally;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run_probe(const bio_gallery *g, const bio_template *p, const uint64_t *mates,
                     const bio_template *const *mate_t, int nm, const bio_search_opts *o,
                     tally *ty)
{
    bio_msg msg = {{0}};
    bio_candidate *c = NULL;
    size_t n = 0;
    bio_search_stats st;
    double c0 = cpu_now();
    if (bio_gallery_search(g, p, o, &c, &n, &st, &msg) != BIO_OK) {
        fprintf(stderr, "search: %s\n", msg.text);
        return 1;
    }
    ty->cpu += cpu_now() - c0;
    ty->probes++;
    ty->s1 += st.stage1_s;
    ty->s2 += st.stage2_s;
    ty->sv += st.verify_s;
    ty->sa += st.scan_s;
    ty->sb += st.refine_s;
    ty->verified += st.verified;
    ty->refined += st.refined;
    ty->rescored += st.rescored;
    bio_template *stored = malloc(sizeof *stored);
    if (stored == NULL) {
        free(c);
        return 1;
    }
    for (int i = 0; i < nm; i++) {
        /* exhaustive 1:1 on the mate as the gallery stores it: what a full scan would report */
        if (bio_gallery_get(g, mates[i], stored, &msg) != BIO_OK)
            *stored = *mate_t[i];
        double m = bio_match_templates(p, stored);
        if (m >= o->threshold) {
            ty->mates_exh++;
            ty->mates_found += has_id(c, n, mates[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        int mate = 0;
        for (int k = 0; k < nm; k++)
            mate |= c[i].id == mates[k];
        ty->extra += !mate;
    }
    free(stored);
    free(c);
    return 0;
}

/* One pass of the probes over g at the threshold of `fmr`; prints one row. */
static int run_pass(const bio_gallery *g, double fmr, size_t shortlist, size_t candidates,
                    size_t verified, size_t want)
{
    bio_msg msg = {{0}};
    bio_search_opts o = {bio_threshold_for_fmr(fmr), shortlist, 0, candidates, verified};
    tally fv = {0}, sy = {0};
    if (have_fvc)
        for (int db = 0; db < 4; db++)
            for (int f = 0; f < 10; f++) {
                uint64_t m[7];
                const bio_template *mt[7];
                for (int k = 1; k < 8; k++) {
                    m[k - 1] = FVC_ID(db, f, k);
                    mt[k - 1] = &fvc[db][f][k];
                }
                if (run_probe(g, &fvc[db][f][0], m, mt, 7, &o, &fv) != 0)
                    return 1;
            }
    for (int i = 0; i < SYN_PROBES; i++) {
        uint32_t f = (uint32_t)((size_t)i * 9973 % (want < 10000 ? want : 10000));
        bio_template p, mate;
        bio_synth_template(1, f, 1, &p, &msg);
        bio_synth_template(1, f, 0, &mate, &msg);
        uint64_t m = f;
        const bio_template *mt = &mate;
        if (run_probe(g, &p, &m, &mt, 1, &o, &sy) != 0)
            return 1;
    }
    int np = fv.probes + sy.probes;
    double s1 = (fv.s1 + sy.s1) / np, s2 = (fv.s2 + sy.s2) / np;
    double sv = (fv.sv + sy.sv) / np, sa = (fv.sa + sy.sa) / np, sb = (fv.sb + sy.sb) / np;
    double nv = (double)(fv.verified + sy.verified) / np;
    double nr = (double)(fv.refined + sy.refined) / np;
    double n1 = (double)(fv.rescored + sy.rescored) / np;
    size_t n = bio_gallery_count(g);
    char fm[32], sm[32];
    snprintf(fm, sizeof fm, "%d/%d", fv.mates_found, fv.mates_exh);
    snprintf(sm, sizeof sm, "%d/%d", sy.mates_found, sy.mates_exh);
    /* "cpu s": CPU seconds a search costs, all threads: what the wall time would be on one
       idle core (the machine running the bench may be shared). "cmp/s": fingers compared
       a second on one core (gallery / cpu s). */
    double cpu = (fv.cpu + sy.cpu) / np;
    printf("%-9zu %5.0e %8.0f %10.3g %8.2f %7.3f %8.1f %7.0f %8.1f %7.0f %8.1f %8.1f %6.0f "
           "%6.2g %10s %7s %5d\n",
           n, fmr, (double)bio_gallery_bytes(g) / (double)n, (double)n / (s1 + s2),
           1.0 / (s1 + s2), cpu, sa * 1e3, nr, sb * 1e3, nv, sv * 1e3, s2 * 1e3,
           n1, (double)n / cpu,
           have_fvc ? fm : "-", sm, fv.extra + sy.extra);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    size_t shortlist = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 0;
    size_t candidates = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 0;
    size_t verified = argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 0;
    const size_t sizes[3] = {10000, 100000, 1000000};
    bio_msg msg = {{0}};
    bio_gallery *g = NULL;
    bio_template *t = malloc(BATCH * sizeof *t);
    uint64_t *ids = malloc(BATCH * sizeof *ids);
    int rc = 1;
    if (t == NULL || ids == NULL || bio_gallery_new(&g, &msg) != BIO_OK)
        goto out;
    load_fvc();
    size_t nfvc = 0;
    if (have_fvc)
        for (int db = 0; db < 4; db++)
            for (int f = 0; f < 10; f++)
                for (int k = 1; k < 8; k++) {
                    if (bio_gallery_add(g, FVC_ID(db, f, k), &fvc[db][f][k], &msg) != BIO_OK)
                        goto out;
                    nfvc++;
                }
    /* Two passes a size: the service's threshold (FMR 1e-4, svc afis_fmr's default) and a
       looser one (1e-3) that admits weaker mates; the default shortlist follows the FMR. */
    const double fmrs[2] = {1e-4, 1e-3};
    printf("1:N search bench: shortlist %zu, candidates %zu, verified %zu (0: default), "
           "thresholds %.2f (FMR 1e-4), %.2f (FMR 1e-3), %zu FVC mates\n", shortlist,
           candidates, verified, bio_threshold_for_fmr(fmrs[0]), bio_threshold_for_fmr(fmrs[1]),
           nfvc);
    printf("%-9s %5s %8s %10s %8s %7s %8s %7s %8s %7s %8s %8s %6s %6s %10s %7s %5s\n",
           "gallery", "FMR", "B/finger", "fingers/s", "search/s", "cpu s", "A ms", "B n", "B ms",
           "C n", "C ms", "1:1 ms", "1:1 n", "cmp/s", "fvc mates", "syn", "extra");
    size_t have = 0;
    for (int si = 0; si < 3 && sizes[si] <= max; si++) {
        size_t want = sizes[si] - nfvc;
        double t0 = now();
        if (add_synthetic(g, have, want, t, ids) != 0)
            goto out;
        double build = now() - t0;
        have = want;
        for (int fi = 0; fi < 2; fi++)
            if (run_pass(g, fmrs[fi], shortlist, candidates, verified, want) != 0)
                goto out;
        fprintf(stderr, "  (built +%zu synthetic in %.1f s, %.2f us a finger in add_many; %d "
                "probes a pass)\n", want, build, add_many_s / (double)want * 1e6,
                (have_fvc ? 40 : 0) + SYN_PROBES);
    }
    /* adding and removing one finger at a time, as the service does at enrolment */
    {
        enum { ONE = 2000 };
        bio_template *one = malloc(sizeof *one);
        double ta = 0, tr = 0;
        if (one == NULL)
            goto out;
        for (uint32_t i = 0; i < ONE; i++) {
            bio_synth_template(2, i, 0, one, &msg);
            double a0 = now();
            bio_status st = bio_gallery_add(g, 9000000000ULL + i, one, &msg);
            ta += now() - a0;
            if (st != BIO_OK) {
                free(one);
                goto out;
            }
        }
        for (uint32_t i = 0; i < ONE; i++) {
            double r0 = now();
            bio_status st = bio_gallery_remove(g, 9000000000ULL + i, &msg);
            tr += now() - r0;
            if (st != BIO_OK) {
                free(one);
                goto out;
            }
        }
        free(one);
        printf("add_many %.2f us a finger (all cores, template generation excluded); add one "
               "%.2f us, remove one %.2f us (gallery of %zu)\n",
               add_many_s / (double)(have ? have : 1) * 1e6, ta / ONE * 1e6, tr / ONE * 1e6,
               bio_gallery_count(g));
    }
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "bench failed: %s\n", msg.text);
    bio_gallery_free(g);
    free(t);
    free(ids);
    return rc;
}
