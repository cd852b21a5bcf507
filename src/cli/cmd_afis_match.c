/*
 * cmd_afis_match.c - `ktpel afis match A B`: 1:1 comparison of two fingerprints, each an image
 * (minutiae extracted on the fly) or a minutiae record (ISO 19794-2 / ANSI 378). Prints the
 * score and the decision at the threshold for a 0.1% false match rate.
 * Also holds cli_afis_load_template(), shared by the afis commands that accept either kind.
 */
#include "cli/cli.h"

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/match.h"
#include "bio/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_afis_match(int argc, char **argv);
int cli_afis_load_template(const char *path, bio_template *t, int *was_image);

/*
 * Load path as a minutiae record when it decodes as one, else as an image and extract it.
 * Prints the reason on failure and returns 1; 0 on success.
 */
int cli_afis_load_template(const char *path, bio_template *t, int *was_image)
{
    bio_msg msg = {{0}};
    uint8_t *buf = NULL;
    size_t len = 0, count = 0;
    bio_template *views = NULL;
    int rc = 1;
    *was_image = 0;
    if (bio_read_file(path, BIO_IMAGE_MAX_FILE, &buf, &len, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: berkas tidak dapat dibaca (%s)\n", path, msg.text);
        goto out;
    }
    if (bio_image_detect(buf, len) == BIO_IMAGE_UNKNOWN &&
        bio_template_decode(buf, len, &views, &count, NULL, &msg) == BIO_OK && count > 0) {
        *t = views[0];
        rc = 0;
        goto out;
    }
    bio_image img;
    if (bio_image_decode(buf, len, &img, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: bukan citra sidik jari maupun templat minutiae (%s)\n",
                path, msg.text);
        goto out;
    }
    *was_image = 1;
    bio_status st = bio_extract(&img, t, &msg);
    bio_image_free(&img);
    if (st != BIO_OK) {
        fprintf(stderr, "ktpel: %s: minutiae tidak dapat diekstraksi (%s)\n", path, msg.text);
        goto out;
    }
    rc = 0;
out:
    free(views);
    free(buf);
    return rc;
}

int cli_afis_match(int argc, char **argv)
{
    const char *a = cli_arg(argc, argv, 0, NULL), *b = cli_arg(argc, argv, 1, NULL);
    if (!a || !b)
        return cli_usage("pemakaian: ktpel afis match A B (citra atau templat .iso)");
    int rc = 1, ia, ib;
    bio_template *ta = malloc(sizeof *ta), *tb = malloc(sizeof *tb);
    if (!ta || !tb) {
        fprintf(stderr, "ktpel: memori tidak cukup\n");
        goto out;
    }
    if (cli_afis_load_template(a, ta, &ia) || cli_afis_load_template(b, tb, &ib))
        goto out;
    double s = bio_match_templates(ta, tb);
    double thr = bio_threshold_for_fmr(1e-3);
    printf("skor: %.2f\nambang (FMR 0,1%%): %.2f\nkeputusan: %s\nminutiae: %u / %u\n", s, thr,
           s >= thr ? "COCOK (jari yang sama)" : "TIDAK COCOK", (unsigned)ta->count,
           (unsigned)tb->count);
    rc = s >= thr ? 0 : 3;
out:
    free(ta);
    free(tb);
    return rc;
}
