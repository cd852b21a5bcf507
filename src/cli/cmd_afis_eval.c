/*
 * cmd_afis_eval.c - `ktpel afis eval DIR [--iso | --roundtrip] [--impostors all|first]
 * [--scores FILE]`: the
 * FVC verification protocol on a set of {finger}_{n} images (or their .iso records): EER,
 * FMR100, FMR1000, ZeroFMR and the time per extraction and per comparison. --roundtrip scores the
 * templates as the service stores them (through an ISO record). See src/bio/eval.h.
 * --scores writes every compared pair, one a line: "g|i FINGER_IMP FINGER_IMP SCORE" (for
 * analysis: which genuine pairs fail, which impostors score high).
 */
#include "cli/cli.h"

#include "bio/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_afis_eval(int argc, char **argv);

/* The score lines of r (see the top of this file) into a new buffer; NULL on no memory. */
static char *score_lines(const bio_eval_result *r, size_t *len)
{
    size_t cap = (size_t)(r->genuine + r->impostor) * 48 + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (int kind = 0; kind < 2; kind++) {
        int cnt = kind ? r->impostor : r->genuine;
        const int *pp = kind ? r->imp_pairs : r->gen_pairs;
        const double *sc = kind ? r->imp_scores : r->gen_scores;
        for (int k = 0; k < cnt; k++) {
            int a = pp[2 * k], b = pp[2 * k + 1];
            int w = snprintf(buf + n, cap - n, "%c %d_%d %d_%d %.4f\n", kind ? 'i' : 'g',
                             r->finger[a], r->impression[a], r->finger[b], r->impression[b],
                             sc[k]);
            if (w < 0 || (size_t)w >= cap - n) {
                free(buf);
                return NULL;
            }
            n += (size_t)w;
        }
    }
    *len = n;
    return buf;
}

int cli_afis_eval(int argc, char **argv)
{
    static const char *const valued[] = {"impostors", "scores", NULL};
    int bad = 0;
    const char *dir = cli_arg(argc, argv, 0, valued);
    const char *imp = cli_opt(argc, argv, "--impostors", "all", &bad);
    const char *scores = cli_opt(argc, argv, "--scores", NULL, &bad);
    if (!dir || bad || (strcmp(imp, "all") != 0 && strcmp(imp, "first") != 0))
        return cli_usage("pemakaian: ktpel afis eval DIREKTORI [--iso | --roundtrip] "
                         "[--impostors all|first] "
                         "[--scores BERKAS]");
    bio_eval_opts o = {cli_flag(argc, argv, "--iso"),
                       strcmp(imp, "first") == 0 ? BIO_EVAL_FIRST : BIO_EVAL_ALL,
                       cli_flag(argc, argv, "--roundtrip")};
    bio_eval_result r;
    bio_msg msg = {{0}};
    if (bio_eval_dir(dir, &o, &r, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: evaluasi gagal (%s)\n", dir, msg.text);
        return 1;
    }
    printf("set: %s (%s)\n", dir,
           o.iso ? "templat .iso"
                 : o.roundtrip ? "ekstraksi dari citra, lewat rekaman ISO" : "ekstraksi dari citra");
    printf("sampel: %d (gagal: %d)\npasangan genuine: %d, impostor: %d\n", r.samples, r.failed,
           r.genuine, r.impostor);
    printf("EER: %.2f%%\nFMR100: %.2f%%\nFMR1000: %.2f%%\nZeroFMR: %.2f%%\n", 100 * r.eer,
           100 * r.fmr100, 100 * r.fmr1000, 100 * r.zerofmr);
    printf("skor rata-rata genuine: %.2f, impostor: %.2f (maks %.2f)\n", r.gen_mean, r.imp_mean,
           r.imp_max);
    printf("waktu per %s: %.2f ms (CPU %.2f ms)\nwaktu per persiapan templat: %.0f us\n",
           o.iso ? "dekode" : "ekstraksi", r.ms_extract, r.ms_extract_cpu, r.us_prepare);
    printf("waktu per perbandingan: %.1f us (%.0f perbandingan/detik/inti; CPU %.1f us, %.0f/s)\n",
           r.us_match, r.us_match > 0 ? 1e6 / r.us_match : 0.0, r.us_match_cpu,
           r.us_match_cpu > 0 ? 1e6 / r.us_match_cpu : 0.0);
    int rc = 0;
    if (scores) {
        size_t len = 0;
        char *buf = score_lines(&r, &len);
        kt_error err;
        if (!buf) {
            fprintf(stderr, "ktpel: %s: memori habis\n", scores);
            rc = 1;
        } else if (cli_write_file(scores, buf, len, &err) != KT_OK) {
            rc = cli_report(&err);
        }
        free(buf);
    }
    bio_eval_result_free(&r);
    return rc;
}
