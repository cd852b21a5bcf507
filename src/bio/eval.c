/*
 * eval.c - the FVC verification protocol (see eval.h): load or extract every sample of a
 * directory, prepare each once, score the genuine and impostor pairs, compute error rates.
 *
 * EER follows FVC: at each threshold t, FMR(t) = share of impostor scores >= t and
 * FNMR(t) = share of genuine scores < t; the EER is taken where the two curves cross (the
 * mean of the two rates at the closest crossing). Timings are means per operation, single
 * thread, as wall clock and as the thread's CPU time (the honest figure on a loaded machine).
 *
 * Never: print.
 */
#include "bio/eval.h"

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/template.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The protocol compares every pair of samples (n^2 / 2 scores of 8 + 8 bytes, ~100 us each):
   20,000 samples are 200 M comparisons, hours on two cores. A larger set is refused with a
   message, never cut short silently (an earlier cap of 1,000 evaluated a set of 1,200 as
   1,000 without a word). */
#define EVAL_MAX 20000

typedef struct sample {
    int finger, impression;
    char name[256];
} sample;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)   /* CPU time of the calling thread */
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_sample(const void *a, const void *b)
{
    const sample *x = a, *y = b;
    if (x->finger != y->finger)
        return x->finger - y->finger;
    return x->impression - y->impression;
}

void bio_eval_result_free(bio_eval_result *r)
{
    if (!r)
        return;
    free(r->gen_scores);
    free(r->imp_scores);
    free(r->gen_pairs);
    free(r->imp_pairs);
    free(r->finger);
    free(r->impression);
    r->gen_scores = r->imp_scores = NULL;
    r->gen_pairs = r->imp_pairs = r->finger = r->impression = NULL;
}

/* Share of sorted values v[0..n) that are >= t, and < t. */
static size_t count_ge(const double *v, size_t n, double t)
{
    size_t lo = 0, hi = n;   /* first index with v >= t */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n - lo;
}

bio_status bio_eval_rates(const double *gen, size_t ng, const double *imp, size_t ni,
                          bio_eval_result *r)
{
    if (!gen || !imp || !r || ng == 0 || ni == 0)
        return BIO_EINVAL;
    bio_status st = BIO_OK;
    double *g = malloc(ng * sizeof *g), *im = malloc(ni * sizeof *im);
    double *th = malloc((ng + ni + 1) * sizeof *th);
    if (!g || !im || !th) {
        st = BIO_ENOMEM;
        goto out;
    }
    memcpy(g, gen, ng * sizeof *g);
    memcpy(im, imp, ni * sizeof *im);
    qsort(g, ng, sizeof *g, cmp_double);
    qsort(im, ni, sizeof *im, cmp_double);
    memcpy(th, g, ng * sizeof *g);
    memcpy(th + ng, im, ni * sizeof *im);
    th[ng + ni] = im[ni - 1] + 1e-9 > g[ng - 1] ? im[ni - 1] + 1 : g[ng - 1] + 1;
    qsort(th, ng + ni + 1, sizeof *th, cmp_double);
    r->eer = 1;
    r->fmr100 = r->fmr1000 = r->zerofmr = 1;
    double best_gap = 2;
    for (size_t i = 0; i < ng + ni + 1; i++) {
        double t = th[i];
        double fmr = (double)count_ge(im, ni, t) / (double)ni;
        double fnmr = (double)(ng - count_ge(g, ng, t)) / (double)ng;
        double gap = fmr > fnmr ? fmr - fnmr : fnmr - fmr;
        if (gap < best_gap) {
            best_gap = gap;
            r->eer = 0.5 * (fmr + fnmr);
        }
        if (fmr <= 0.01 && fnmr < r->fmr100)
            r->fmr100 = fnmr;
        if (fmr <= 0.001 && fnmr < r->fmr1000)
            r->fmr1000 = fnmr;
        if (fmr == 0 && fnmr < r->zerofmr)
            r->zerofmr = fnmr;
    }
out:
    free(g);
    free(im);
    free(th);
    return st;
}

/* Parse "{finger}_{impression}.{ext}"; returns 1 when name fits and ext is wanted. */
static int parse_name(const char *name, int iso, int *finger, int *impression)
{
    int f, i, n = 0;
    if (sscanf(name, "%d_%d%n", &f, &i, &n) != 2 || name[n] != '.')
        return 0;
    const char *ext = name + n + 1;
    if (iso ? strcmp(ext, "iso") != 0
            : (strcmp(ext, "tif") && strcmp(ext, "tiff") && strcmp(ext, "png") &&
               strcmp(ext, "bmp") && strcmp(ext, "pgm") && strcmp(ext, "jpg") &&
               strcmp(ext, "wsq")))
        return 0;
    *finger = f;
    *impression = i;
    return 1;
}

static bio_status load_iso(const char *path, bio_template *t, bio_msg *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0, count = 0;
    bio_template *views = NULL;
    bio_status st = bio_read_file(path, 1u << 20, &buf, &len, msg);
    if (st != BIO_OK)
        return st;
    st = bio_template_decode(buf, len, &views, &count, NULL, msg);
    if (st == BIO_OK && count == 0)
        st = bio_fail(msg, BIO_EFORMAT, "%s: record has no finger view", path);
    if (st == BIO_OK)
        *t = views[0];
    free(views);
    free(buf);
    return st;
}

/* t through an ISO 19794-2 record and back (the stored form). */
static bio_status roundtrip(bio_template *t, bio_msg *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0, count = 0;
    bio_template *views = NULL;
    bio_status st = bio_template_encode_iso(t, 1, &buf, &len, msg);
    if (st == BIO_OK)
        st = bio_template_decode(buf, len, &views, &count, NULL, msg);
    if (st == BIO_OK && count != 1)
        st = bio_fail(msg, BIO_EFORMAT, "round trip gave %zu views", count);
    if (st == BIO_OK)
        *t = views[0];
    free(views);
    free(buf);
    return st;
}

bio_status bio_eval_dir(const char *dir, const bio_eval_opts *opts, bio_eval_result *r,
                        bio_msg *msg)
{
    bio_status st = BIO_OK;
    sample *s = NULL;
    bio_prepared **prep = NULL;
    bio_template *tpl = NULL;
    DIR *d = NULL;
    int n = 0;
    bio_eval_opts o = {0, BIO_EVAL_ALL, 0};
    if (opts)
        o = *opts;
    if (!dir || !r)
        return bio_fail(msg, BIO_EINVAL, "bio_eval_dir: directory and result are required");
    memset(r, 0, sizeof *r);
    d = opendir(dir);
    if (!d) {
        st = bio_fail(msg, BIO_EIO, "%s: cannot open directory", dir);
        goto out;
    }
    struct dirent *e;
    int cap_s = 0;
    while ((e = readdir(d)) != NULL) {
        int f, i;
        if (!parse_name(e->d_name, o.iso, &f, &i))
            continue;
        if (strlen(e->d_name) >= sizeof s[0].name) {
            st = bio_fail(msg, BIO_EINVAL, "%s/%s: file name longer than %zu bytes", dir,
                          e->d_name, sizeof s[0].name - 1);
            goto out;
        }
        if (n == EVAL_MAX) {
            st = bio_fail(msg, BIO_EINVAL,
                          "%s: more than %d samples; the protocol compares every pair "
                          "(evaluate a subset in a directory of its own)",
                          dir, EVAL_MAX);
            goto out;
        }
        if (n == cap_s) {
            int nc = cap_s ? cap_s * 2 : 256;
            sample *ns = realloc(s, (size_t)nc * sizeof *ns);
            if (!ns) {
                st = bio_fail(msg, BIO_ENOMEM, "out of memory");
                goto out;
            }
            s = ns;
            cap_s = nc;
        }
        s[n].finger = f;
        s[n].impression = i;
        snprintf(s[n].name, sizeof s[n].name, "%s", e->d_name);
        n++;
    }
    if (n < 2) {
        st = bio_fail(msg, BIO_EINVAL, "%s: fewer than two {finger}_{n}.%s samples", dir,
                      o.iso ? "iso" : "tif");
        goto out;
    }
    qsort(s, (size_t)n, sizeof *s, cmp_sample);
    prep = calloc((size_t)n, sizeof *prep);
    tpl = malloc(sizeof *tpl);
    if (!prep || !tpl) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory");
        goto out;
    }
    double t_ext = 0, t_prep = 0, c_ext = 0;
    for (int k = 0; k < n; k++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, s[k].name) >= (int)sizeof path) {
            st = bio_fail(msg, BIO_EINVAL, "%s: path too long", s[k].name);
            goto out;
        }
        bio_msg m2;
        bio_status s2;
        double t0 = now_s(), c0 = cpu_s();
        if (o.iso) {
            s2 = load_iso(path, tpl, &m2);
        } else {
            bio_image img;
            s2 = bio_image_load(path, &img, &m2);
            t0 = now_s();   /* time the extraction, not the decoding */
            c0 = cpu_s();
            if (s2 == BIO_OK) {
                s2 = bio_extract(&img, tpl, &m2);
                bio_image_free(&img);
            }
        }
        c_ext += cpu_s() - c0;
        double t1 = now_s();
        t_ext += t1 - t0;
        if (s2 == BIO_OK && o.roundtrip && !o.iso)
            s2 = roundtrip(tpl, &m2);
        if (s2 != BIO_OK) {
            r->failed++;
            tpl->count = 0;
            tpl->res_x = tpl->res_y = 197;
        }
        if (bio_prepare(tpl, &prep[k], &m2) != BIO_OK) {
            st = bio_fail(msg, BIO_ENOMEM, "%s: cannot prepare template", s[k].name);
            goto out;
        }
        t_prep += now_s() - t1;
    }
    r->samples = n;
    r->ms_extract = 1000.0 * t_ext / n;
    r->ms_extract_cpu = 1000.0 * c_ext / n;
    r->us_prepare = 1e6 * t_prep / n;

    /* Exact pair counts (samples are sorted by finger): genuine = sum of k(k-1)/2 over the
       fingers' k impressions, impostor = all pairs minus those (an upper bound for FIRST). */
    size_t gcap = 0, icap;
    for (int a = 0, b; a < n; a = b) {
        for (b = a; b < n && s[b].finger == s[a].finger; b++)
            ;
        gcap += (size_t)(b - a) * (size_t)(b - a - 1) / 2;
    }
    icap = (size_t)n * (size_t)(n - 1) / 2 - gcap;
    r->gen_scores = malloc((gcap + 1) * sizeof(double));
    r->imp_scores = malloc((icap + 1) * sizeof(double));
    r->gen_pairs = malloc(2 * (gcap + 1) * sizeof(int));
    r->imp_pairs = malloc(2 * (icap + 1) * sizeof(int));
    r->finger = malloc((size_t)n * sizeof(int));
    r->impression = malloc((size_t)n * sizeof(int));
    if (!r->gen_scores || !r->imp_scores || !r->gen_pairs || !r->imp_pairs || !r->finger ||
        !r->impression) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory");
        goto out;
    }
    for (int k = 0; k < n; k++) {
        r->finger[k] = s[k].finger;
        r->impression[k] = s[k].impression;
    }
    double t0 = now_s(), c0 = cpu_s();
    size_t ng = 0, ni = 0;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            if (s[a].finger == s[b].finger) {
                r->gen_pairs[2 * ng] = a;
                r->gen_pairs[2 * ng + 1] = b;
                r->gen_scores[ng++] = bio_match(prep[a], prep[b]);
            } else {
                if (o.impostors == BIO_EVAL_FIRST &&
                    (s[a].impression != s[0].impression || s[b].impression != s[0].impression))
                    continue;
                r->imp_pairs[2 * ni] = a;
                r->imp_pairs[2 * ni + 1] = b;
                r->imp_scores[ni++] = bio_match(prep[a], prep[b]);
            }
        }
    double dt = now_s() - t0, dc = cpu_s() - c0;
    r->genuine = (int)ng;
    r->impostor = (int)ni;
    r->us_match = (ng + ni) ? 1e6 * dt / (double)(ng + ni) : 0;
    r->us_match_cpu = (ng + ni) ? 1e6 * dc / (double)(ng + ni) : 0;
    if (ng == 0 || ni == 0) {
        st = bio_fail(msg, BIO_EINVAL, "%s: no genuine or no impostor pairs", dir);
        goto out;
    }
    for (size_t i = 0; i < ng; i++)
        r->gen_mean += r->gen_scores[i] / (double)ng;
    for (size_t i = 0; i < ni; i++) {
        r->imp_mean += r->imp_scores[i] / (double)ni;
        if (r->imp_scores[i] > r->imp_max)
            r->imp_max = r->imp_scores[i];
    }
    if ((st = bio_eval_rates(r->gen_scores, ng, r->imp_scores, ni, r)) != BIO_OK) {
        st = bio_fail(msg, st, "cannot compute error rates");
        goto out;
    }

out:
    if (d)
        closedir(d);
    if (prep)
        for (int k = 0; k < n; k++)
            bio_prepared_free(prep[k]);
    free(prep);
    free(tpl);
    free(s);
    if (st != BIO_OK)
        bio_eval_result_free(r);
    return st;
}
