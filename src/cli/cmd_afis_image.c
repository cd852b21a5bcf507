/*
 * cmd_afis_image.c - `ktpel afis image FILE`: what a fingerprint image file holds: format,
 * size, resolution and gray statistics, and whether the engine accepts it (too small, blank).
 * Reads only; never writes the file.
 */
#include "cli/cli.h"

#include "bio/image.h"

#include <stdio.h>

int cli_afis_image(int argc, char **argv);

int cli_afis_image(int argc, char **argv)
{
    const char *path = cli_arg(argc, argv, 0, NULL);
    if (!path)
        return cli_usage("pemakaian: ktpel afis image BERKAS");
    bio_image img = {0, 0, 0, NULL};
    bio_image_info info;
    bio_msg msg = {{0}};
    if (bio_image_load_ex(path, BIO_IMAGE_NO_CHECK, &img, &info, &msg) != BIO_OK) {
        fprintf(stderr, "ktpel: citra tidak dapat dibaca: %s\n", msg.text);
        return 1;
    }
    bio_image_stats st;
    bio_image_get_stats(&img, &st);
    printf("berkas: %s\nformat: %s (%d kanal, %d bit per sampel)\nukuran: %dx%d piksel\n"
           "resolusi: %d dpi%s\n", path, bio_image_format_name(info.format), info.channels,
           info.bits, img.width, img.height, img.dpi,
           info.dpi_stated ? "" : " (tidak tercantum di berkas; bawaan)");
    printf("abu-abu: min %d, maks %d, rata-rata %.1f, simpangan baku %.1f\n"
           "blok berkontras: %.1f%%\n", st.min, st.max, st.mean, st.stddev,
           100 * st.contrast_blocks);
    bio_status s = bio_image_check(&img, &msg);
    if (s == BIO_OK)
        printf("status: dapat dipakai\n");
    else
        printf("status: DITOLAK - %s (%s)\n",
               s == BIO_ETOOSMALL ? "citra terlalu kecil" : "citra kosong, tanpa pola sidik jari",
               msg.text);
    bio_image_free(&img);
    return s == BIO_OK ? 0 : 1;
}
