/*
 * cmd_afis_synth.c - `ktpel afis synth`: write synthetic fingerprints (SFinGe method, see
 * src/bio/synth.h) for tests and demonstrations on machines without real data: per finger and
 * impression an image (PGM or PNG, 300x400, 500 dpi) and its true minutiae as an ISO/IEC
 * 19794-2 record. With --templates-only no image is rendered (fast: large impostor sets).
 * Never touches the database.
 */
#include "cli/cli.h"

#include "bio/image.h"
#include "bio/synth.h"
#include "bio/template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_afis_synth(int argc, char **argv);

static int synth_usage(FILE *out)
{
    fprintf(out, "usage: ktpel afis synth --out DIR [--fingers N] [--impressions K] [--seed S]\n"
                 "                        [--format pgm|png] [--templates-only]\n"
                 "Menulis DIR/f<NNNNN>_<k>.<pgm|png> dan minutiae sebenarnya DIR/f<NNNNN>_<k>.iso.\n");
    return out == stderr ? 2 : 0;
}

static int synth_number(const char *s, const char *flag, unsigned long long max,
                        unsigned long long *v)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || x > max)
        return cli_usage("--%s: '%s' bukan bilangan 0..%llu", flag, s, max);
    *v = x;
    return 0;
}

static int synth_write(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "ktpel: %s: tidak dapat ditulis (%s)\n", path, strerror(errno));
        return 1;
    }
    int bad = fwrite(buf, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, "ktpel: %s: gagal menulis\n", path);
    return bad;
}

int cli_afis_synth(int argc, char **argv)
{
    if (cli_flag(argc, argv, "help"))
        return synth_usage(stdout);
    int bad = 0;
    const char *out = cli_opt(argc, argv, "out", NULL, &bad);
    const char *sf = cli_opt(argc, argv, "fingers", "10", &bad);
    const char *sk = cli_opt(argc, argv, "impressions", "4", &bad);
    const char *ss = cli_opt(argc, argv, "seed", "1", &bad);
    const char *fmt = cli_opt(argc, argv, "format", "png", &bad);
    int tonly = cli_flag(argc, argv, "templates-only");
    if (bad || out == NULL)
        return synth_usage(stderr);
    unsigned long long nf = 0, nk = 0, seed = 0;
    if (synth_number(sf, "fingers", 100000, &nf) || synth_number(sk, "impressions", 100, &nk) ||
        synth_number(ss, "seed", UINT64_MAX, &seed))
        return 2;
    if (strcmp(fmt, "png") != 0 && strcmp(fmt, "pgm") != 0)
        return cli_usage("--format: '%s' tidak dikenal (png atau pgm)", fmt);
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ktpel: %s: folder tidak dapat dibuat (%s)\n", out, strerror(errno));
        return 1;
    }
    int rc = 0;
    bio_msg msg = {{0}};
    char path[4096];
    for (unsigned long long f = 0; f < nf && rc == 0; f++) {
        bio_synth_master *m = NULL;
        if (bio_synth_master_new(seed, (uint32_t)f, !tonly, &m, &msg) != BIO_OK) {
            fprintf(stderr, "ktpel: sintesis jari %llu gagal (%s)\n", f, msg.text);
            rc = 1;
            break;
        }
        for (unsigned long long k = 0; k < nk && rc == 0; k++) {
            bio_image img = {0};
            bio_template t;
            uint8_t *iso = NULL;
            size_t len = 0;
            if (bio_synth_impression(m, (uint32_t)k, tonly ? NULL : &img, &t, &msg) != BIO_OK) {
                fprintf(stderr, "ktpel: sintesis jari %llu cetakan %llu gagal (%s)\n", f, k,
                        msg.text);
                rc = 1;
                break;
            }
            if (!tonly) {
                snprintf(path, sizeof path, "%s/f%05llu_%llu.%s", out, f, k, fmt);
                if (bio_image_save(&img, path, &msg) != BIO_OK) {
                    fprintf(stderr, "ktpel: %s: gagal menulis citra (%s)\n", path, msg.text);
                    rc = 1;
                }
                bio_image_free(&img);
            }
            if (rc == 0 && bio_template_encode_iso(&t, 1, &iso, &len, &msg) != BIO_OK) {
                fprintf(stderr, "ktpel: templat ISO gagal dibuat (%s)\n", msg.text);
                rc = 1;
            }
            if (rc == 0) {
                snprintf(path, sizeof path, "%s/f%05llu_%llu.iso", out, f, k);
                rc = synth_write(path, iso, len);
            }
            free(iso);
        }
        bio_synth_master_free(m);
    }
    if (rc == 0)
        printf("%llu jari x %llu cetakan ditulis ke %s\n", nf, nk, out);
    return rc;
}
