/*
 * cmd_afis_quality.c - `ktpel afis quality IMG`: the NFIQ-like 0..100 score of an image and
 * the operator's advice (retake a poor print at once, SOP perekaman sidik jari).
 */
#include "cli/cli.h"

#include "bio/extract.h"
#include "bio/image.h"

#include <stdio.h>

int cli_afis_quality(int argc, char **argv);

int cli_afis_quality(int argc, char **argv)
{
    const char *path = cli_arg(argc, argv, 0, NULL);
    if (!path)
        return cli_usage("pemakaian: ktpel afis quality CITRA");
    bio_msg msg = {{0}};
    bio_image img;
    if (bio_image_load(path, &img, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: citra tidak dapat dibaca (%s)\n", path, msg.text);
        return 1;
    }
    int q = bio_image_quality(&img);
    bio_image_free(&img);
    printf("kualitas: %d/100 (%s)\n", q,
           q >= 60 ? "baik" : q >= 35 ? "cukup" : "buruk: ulangi pengambilan sidik jari");
    return 0;
}
