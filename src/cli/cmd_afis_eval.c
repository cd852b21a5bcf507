/*
 * cmd_afis_eval.c - `ktpel afis eval DIR [--iso] [--impostors all|first]`: the FVC
 * verification protocol on a set of {finger}_{n} images (or their .iso records): EER, FMR100,
 * FMR1000, ZeroFMR and the time per extraction and per comparison. See src/bio/eval.h.
 */
#include "cli/cli.h"

#include "bio/eval.h"

#include <stdio.h>
#include <string.h>

int cli_afis_eval(int argc, char **argv);

int cli_afis_eval(int argc, char **argv)
{
    static const char *const valued[] = {"impostors", NULL};
    int bad = 0;
    const char *dir = cli_arg(argc, argv, 0, valued);
    const char *imp = cli_opt(argc, argv, "--impostors", "all", &bad);
    if (!dir || bad || (strcmp(imp, "all") != 0 && strcmp(imp, "first") != 0))
        return cli_usage("pemakaian: ktpel afis eval DIREKTORI [--iso] [--impostors all|first]");
    bio_eval_opts o = {cli_flag(argc, argv, "--iso"),
                       strcmp(imp, "first") == 0 ? BIO_EVAL_FIRST : BIO_EVAL_ALL};
    bio_eval_result r;
    bio_msg msg = {{0}};
    if (bio_eval_dir(dir, &o, &r, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: evaluasi gagal (%s)\n", dir, msg.text);
        return 1;
    }
    printf("set: %s (%s)\n", dir, o.iso ? "templat .iso" : "ekstraksi dari citra");
    printf("sampel: %d (gagal: %d)\npasangan genuine: %d, impostor: %d\n", r.samples, r.failed,
           r.genuine, r.impostor);
    printf("EER: %.2f%%\nFMR100: %.2f%%\nFMR1000: %.2f%%\nZeroFMR: %.2f%%\n", 100 * r.eer,
           100 * r.fmr100, 100 * r.fmr1000, 100 * r.zerofmr);
    printf("skor rata-rata genuine: %.2f, impostor: %.2f (maks %.2f)\n", r.gen_mean, r.imp_mean,
           r.imp_max);
    printf("waktu per %s: %.2f ms\nwaktu per persiapan templat: %.0f us\n",
           o.iso ? "dekode" : "ekstraksi", r.ms_extract, r.us_prepare);
    printf("waktu per perbandingan: %.1f us (%.0f perbandingan/detik/inti)\n", r.us_match,
           r.us_match > 0 ? 1e6 / r.us_match : 0.0);
    bio_eval_result_free(&r);
    return 0;
}
