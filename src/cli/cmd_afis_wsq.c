/*
 * cmd_afis_wsq.c - `ktpel afis wsq IMAGE [--out OUT.wsq] [--bitrate 0.75]`: a fingerprint image
 * (any format the engine reads, WSQ included) encoded as WSQ (src/bio/wsq_encode.c), decoded
 * back with the project's decoder, and what it cost: size, compression ratio, bits a pixel and
 * the PSNR of the round trip. The packet to Disdukcapil carries each finger so.
 */
#include "cli/cli.h"

#include "bio/image.h"
#include "bio/wsq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int cli_afis_wsq(int argc, char **argv);

int cli_afis_wsq(int argc, char **argv)
{
    static const char *const valued[] = {"out", "bitrate", NULL};
    const char *path = cli_arg(argc, argv, 0, valued);
    int bad = 0;
    const char *outp = cli_opt(argc, argv, "out", NULL, &bad);
    const char *rate_s = cli_opt(argc, argv, "bitrate", "0.75", &bad);
    char *end = NULL;
    double rate = strtod(rate_s, &end);
    if (path == NULL || bad || *end != '\0' || !(rate > 0.0 && rate <= 8.0))
        return cli_usage("pemakaian: ktpel afis wsq CITRA [--out KELUARAN.wsq] [--bitrate 0.75]"
                         " (bit per piksel, 0..8)");
    bio_image img = {0, 0, 0, NULL}, back = {0, 0, 0, NULL};
    bio_msg msg = {{0}};
    uint8_t *wsq = NULL;
    size_t n = 0;
    int rc = 1;
    if (bio_image_load_ex(path, BIO_IMAGE_NO_CHECK, &img, NULL, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: citra tidak dapat dibaca: %s\n", msg.text);
        return 1;
    }
    if (bio_wsq_encode(&img, rate, &wsq, &n, &msg) != BIO_OK ||
        bio_wsq_decode(wsq, n, &back, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: WSQ gagal: %s\n", msg.text);
        goto out;
    }
    size_t px = (size_t)img.width * (size_t)img.height;
    double se = 0.0;
    for (size_t i = 0; i < px; i++) {
        double d = (double)img.pixels[i] - (double)back.pixels[i];
        se += d * d;
    }
    double psnr = se > 0.0 ? 10.0 * log10(255.0 * 255.0 / (se / (double)px)) : 99.0;
    if (outp != NULL) {
        kt_error err;
        kt_error_clear(&err);
        if (cli_write_file(outp, wsq, n, &err) != KT_OK) {
            fprintf(stderr, "ktpel: %s\n", err.message);
            goto out;
        }
    }
    printf("citra: %s (%dx%d, %d dpi)\nwsq: %zu bita, rasio %.1f:1, %.3f bit per piksel "
           "(target %.2f)\npsnr bolak-balik: %.2f dB\n",
           path, img.width, img.height, img.dpi, n, (double)px / (double)n,
           8.0 * (double)n / (double)px, rate, psnr);
    rc = 0;
out:
    free(wsq);
    bio_image_free(&img);
    bio_image_free(&back);
    return rc;
}
