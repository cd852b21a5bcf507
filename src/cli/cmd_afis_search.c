/*
 * cmd_afis_search.c - `ktpel afis search`: 1:N search of one probe (image or minutiae record)
 * in a gallery: every record/image of a folder, or N synthetic impostor templates
 * (src/bio/synth.h) to try the engine at scale. Prints the candidates at or above the
 * threshold, best first, with their 1:1 and first-stage scores and the search timings.
 * Never touches the database (the service owns the enrolled gallery).
 */
#include "cli/cli.h"

#include "bio/gallery.h"
#include "bio/match.h"
#include "bio/synth.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_afis_search(int argc, char **argv);
int cli_afis_load_template(const char *path, bio_template *t, int *was_image);

static int search_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel afis search (--gallery DIR | --synthetic N) --probe FILE\n"
            "                         [--fmr F | --threshold T] [--shortlist K] [--candidates C]\n"
            "                         [--threads T] [--seed S] [--exhaustive]\n"
            "Mencari PROBE (citra atau templat ISO/ANSI) di galeri; mencetak kandidat.\n");
    return out == stderr ? 2 : 0;
}

static int search_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every regular file of dir that is a template or an image; names[i] is id i. */
static int search_load_dir(const char *dir, bio_gallery *g, char ***names, size_t *count)
{
    int rc = 1;
    DIR *d = opendir(dir);
    char **list = NULL, path[4096];
    size_t n = 0, cap = 0;
    bio_msg msg = {{0}};
    bio_template *t = malloc(sizeof *t);
    if (d == NULL || t == NULL) {
        fprintf(stderr, "ktpel: --gallery %s: folder tidak dapat dibuka (%s)\n", dir,
                d == NULL ? strerror(errno) : "memori habis");
        goto out;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **l2 = realloc(list, cap * sizeof *l2);
            if (l2 == NULL)
                goto out;
            list = l2;
        }
        if ((list[n] = strdup(e->d_name)) == NULL)
            goto out;
        n++;
    }
    if (n > 0)
        qsort(list, n, sizeof *list, search_cmp_name);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        int img = 0;
        snprintf(path, sizeof path, "%s/%s", dir, list[i]);
        if (cli_afis_load_template(path, t, &img) != 0) {
            fprintf(stderr, "ktpel: %s dilewati\n", path);
            free(list[i]);
            continue;
        }
        if (bio_gallery_add(g, kept, t, &msg) != BIO_OK) {
            fprintf(stderr, "ktpel: %s: tidak dapat dimasukkan ke galeri (%s)\n", path, msg.text);
            free(list[i]);
            continue;
        }
        list[kept++] = list[i];
    }
    n = kept;
    rc = 0;
out:
    if (d != NULL)
        closedir(d);
    free(t);
    *names = list;
    *count = n;
    return rc;
}

int cli_afis_search(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help"))
        return search_usage(stdout);
    int bad = 0, rc = 1;
    const char *gdir = cli_opt(argc, argv, "gallery", NULL, &bad);
    const char *syn = cli_opt(argc, argv, "synthetic", NULL, &bad);
    const char *probe = cli_opt(argc, argv, "probe", NULL, &bad);
    const char *sfmr = cli_opt(argc, argv, "fmr", "0.0001", &bad);
    const char *sthr = cli_opt(argc, argv, "threshold", NULL, &bad);
    const char *ssl = cli_opt(argc, argv, "shortlist", "0", &bad);
    const char *scand = cli_opt(argc, argv, "candidates", "0", &bad);
    const char *sth = cli_opt(argc, argv, "threads", "0", &bad);
    const char *sseed = cli_opt(argc, argv, "seed", "1", &bad);
    int exhaustive = cli_flag(argc, argv, "exhaustive");
    if (bad || probe == NULL || (gdir == NULL) == (syn == NULL))
        return search_usage(stderr);
    char *end;
    double fmr = strtod(sfmr, &end);
    if (*end != '\0' || !(fmr > 0 && fmr < 1))
        return cli_usage("--fmr: '%s' harus bilangan antara 0 dan 1", sfmr);
    double thr = bio_threshold_for_fmr(fmr);
    if (sthr != NULL) {
        thr = strtod(sthr, &end);
        if (*end != '\0' || !(thr >= 0))
            return cli_usage("--threshold: '%s' harus bilangan >= 0", sthr);
    }
    long sl = strtol(ssl, &end, 10);
    if (*end != '\0' || sl < 0)
        return cli_usage("--shortlist: '%s' harus bilangan >= 0", ssl);
    long nc = strtol(scand, &end, 10);
    if (*end != '\0' || nc < 0)
        return cli_usage("--candidates: '%s' harus bilangan >= 0", scand);
    long th = strtol(sth, &end, 10);
    if (*end != '\0' || th < 0 || th > 64)
        return cli_usage("--threads: '%s' harus 0..64", sth);
    unsigned long long seed = strtoull(sseed, &end, 10);
    if (*end != '\0' || sseed[0] == '-')
        return cli_usage("--seed: '%s' bukan bilangan", sseed);
    long long nsyn = 0;
    if (syn != NULL) {
        nsyn = strtoll(syn, &end, 10);
        if (*end != '\0' || nsyn < 1 || nsyn > 100000000)
            return cli_usage("--synthetic: '%s' harus 1..100000000", syn);
    }

    bio_gallery *g = NULL;
    bio_template *pt = malloc(sizeof *pt), *batch = NULL;
    uint64_t *ids = NULL;
    char **names = NULL;
    size_t nnames = 0, ncand = 0;
    bio_candidate *cand = NULL;
    bio_msg msg = {{0}};
    int img = 0;
    if (pt == NULL || bio_gallery_new(&g, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: memori habis\n");
        goto out;
    }
    if (cli_afis_load_template(probe, pt, &img) != 0)
        goto out;
    if (gdir != NULL) {
        if (search_load_dir(gdir, g, &names, &nnames) != 0)
            goto out;
    } else {
        enum { B = 65536 };
        batch = malloc(B * sizeof *batch);
        ids = malloc(B * sizeof *ids);
        if (batch == NULL || ids == NULL) {
            fprintf(stderr, "ktpel: memori habis\n");
            goto out;
        }
        for (long long lo = 0; lo < nsyn; lo += B) {
            size_t n = (size_t)(nsyn - lo < B ? nsyn - lo : B);
            for (size_t i = 0; i < n; i++) {
                ids[i] = (uint64_t)lo + i;
                bio_synth_template(seed, (uint32_t)ids[i], 0, &batch[i], &msg);
            }
            if (bio_gallery_add_many(g, n, ids, batch, (int)th, &msg) != BIO_OK) {
                fprintf(stderr, "ktpel: galeri sintetis gagal dibuat (%s)\n", msg.text);
                goto out;
            }
        }
    }
    bio_search_opts o = {thr, (size_t)sl, (int)th, (size_t)nc, 0};
    bio_search_stats st;
    bio_status s = exhaustive ? bio_gallery_search_exhaustive(g, pt, &o, &cand, &ncand, &st, &msg)
                              : bio_gallery_search(g, pt, &o, &cand, &ncand, &st, &msg);
    if (s != BIO_OK) {
        fprintf(stderr, "ktpel: pencarian gagal (%s)\n", msg.text);
        goto out;
    }
    printf("galeri %zu jari, %zu diverifikasi geometri (%.1f ms), %zu dibandingkan 1:1, "
           "ambang %.2f; tahap 1 %.1f ms, tahap 2 %.1f ms\n",
           st.gallery, st.verified, st.verify_s * 1e3, st.rescored, thr, st.stage1_s * 1e3,
           st.stage2_s * 1e3);
    printf("%-5s %-10s %8s %8s  %s\n", "rank", "id", "score", "index", "name");
    for (size_t i = 0; i < ncand; i++)
        printf("%-5zu %-10llu %8.2f %8.2f  %s\n", i + 1, (unsigned long long)cand[i].id,
               cand[i].score, (double)cand[i].index_score,
               names != NULL && cand[i].id < nnames ? names[cand[i].id] : "-");
    if (ncand == 0)
        printf("tidak ada kandidat di atas ambang\n");
    rc = 0;
out:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    free(cand);
    free(batch);
    free(ids);
    free(pt);
    bio_gallery_free(g);
    return rc;
}
