/*
 * cmd_afis_extract.c - `ktpel afis extract IMG [-o out.iso] [--list]`: minutiae of one
 * fingerprint image, optionally written as an ISO/IEC 19794-2:2005 record.
 */
#include "cli/cli.h"

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_afis_extract(int argc, char **argv);

int cli_afis_extract(int argc, char **argv)
{
    /* "-o FILE" is a short flag cli_arg() does not know: walk argv here. */
    const char *path = NULL;
    int bad = 0;
    const char *outp = cli_opt(argc, argv, "--out", NULL, &bad);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc)
                bad = 1;
            else
                outp = argv[++i];
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else if (argv[i][0] == '-' && strcmp(argv[i], "--list") != 0 &&
                   strncmp(argv[i], "--out=", 6) != 0) {
            bad = 1;
        }
    }
    if (!path || bad)
        return cli_usage("pemakaian: ktpel afis extract CITRA [-o keluaran.iso] [--list]");
    int rc = 1, q = 0;
    uint8_t *rec = NULL;
    size_t len = 0;
    bio_msg msg = {{0}};
    bio_image img = {0, 0, 0, NULL};
    bio_template *t = malloc(sizeof *t);
    if (!t) {
        fprintf(stderr, "ktpel: memori tidak cukup\n");
        goto out;
    }
    if (bio_image_load(path, &img, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: citra tidak dapat dibaca (%s)\n", path, msg.text);
        goto out;
    }
    if (bio_extract_q(&img, t, &q, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: %s: minutiae tidak dapat diekstraksi (%s)\n", path, msg.text);
        goto out;
    }
    printf("citra: %dx%d, %d dpi\nminutiae: %u\nkualitas: %d/100\n", img.width, img.height,
           img.dpi, (unsigned)t->count, q);
    if (cli_flag(argc, argv, "--list"))
        for (unsigned i = 0; i < t->count; i++)
            printf("%4u x=%u y=%u sudut=%.1f jenis=%s kualitas=%u\n", i, (unsigned)t->m[i].x,
                   (unsigned)t->m[i].y, (double)t->m[i].angle * 180.0 / 3.14159265358979,
                   t->m[i].type == BIO_MINUTIA_ENDING ? "ujung" : "percabangan",
                   (unsigned)t->m[i].quality);
    if (outp) {
        if (bio_template_encode_iso(t, 1, &rec, &len, &msg) != BIO_OK) {
            fprintf(stderr, "ktpel: templat ISO tidak dapat dibuat (%s)\n", msg.text);
            goto out;
        }
        FILE *f = fopen(outp, "wb");
        if (!f || fwrite(rec, 1, len, f) != len) {
            fprintf(stderr, "ktpel: %s: berkas tidak dapat ditulis\n", outp);
            if (f)
                fclose(f);
            goto out;
        }
        if (fclose(f) != 0) {
            fprintf(stderr, "ktpel: %s: berkas tidak dapat ditulis\n", outp);
            goto out;
        }
        printf("templat ISO 19794-2 ditulis: %s (%zu byte)\n", outp, len);
    }
    rc = 0;
out:
    free(rec);
    free(t);
    bio_image_free(&img);
    return rc;
}
