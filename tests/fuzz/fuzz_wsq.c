/*
 * fuzz_wsq.c - ktpel's WSQ decoder (src/bio/wsq.c, written from IAFIS-IC-0110): marker
 * stream, tables (DTT, DQT, DHT), frame header, Huffman-coded blocks, dequantization and the
 * wavelet synthesis.
 *
 * Besides the sanitizers it checks wsq.h's promises: truncated or corrupt data gives an error
 * with a reason and leaves the image zeroed; a decoded image has a size the decoder accepts
 * and pixels for every position.
 */
#include "fuzz.h"

#include "bio/image.h"
#include "bio/wsq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bio_image img;
    bio_msg msg = {{0}};
    memset(&img, 0xA5, sizeof img); /* the decoder must set every field itself */
    bio_status st = bio_wsq_decode(data, size, &img, &msg);
    if (st == BIO_OK) {
        if (img.pixels == NULL || img.width < 1 || img.height < 1 ||
            img.width > BIO_IMAGE_MAX_SIDE || img.height > BIO_IMAGE_MAX_SIDE || img.dpi <= 0)
            fz_fail("decoded WSQ %dx%d at %d dpi breaks the limits", img.width, img.height,
                    img.dpi);
        bio_image_stats stats;
        bio_image_get_stats(&img, &stats); /* reads every pixel */
        bio_image_free(&img);
    } else {
        if (img.pixels != NULL || img.width != 0 || img.height != 0)
            fz_fail("failed WSQ decode (%s) did not leave the image zeroed",
                    bio_status_name(st));
        if (msg.text[0] == '\0')
            fz_fail("failed WSQ decode (%s) gave no reason", bio_status_name(st));
    }
    return 0;
}
