/*
 * fuzz_image.c - the image reader of src/bio (bio_image_decode_ex): TIFF, PNG and JPEG
 * through libtiff, libpng and libjpeg with ktpel's glue (memory I/O, error callbacks,
 * longjmp, conversion to gray, size limits), ktpel's own BMP and PGM/PPM parsers, WSQ by
 * magic, and the raw-gray size guess for data without a magic number.
 *
 * The same bytes go through the header probe (bio_image_probe: the service's first look at
 * an upload, which refuses a size before anything is decoded) with its own WSQ, BMP and PNM
 * header readers and libpng/libjpeg/libtiff header reads.
 *
 * Besides the sanitizers it checks image.h's promises: a decoded image has a size within
 * 1..BIO_IMAGE_MAX_SIDE and BIO_IMAGE_MAX_PIXELS, pixels for every position (all of them
 * read) and a dpi; a failure leaves no pixels and says why; the check that
 * bio_image_decode() adds refuses only too-small and blank images. And the probe tells the
 * truth: an image that decodes was probed as the same format with the same width and height
 * (else an upload could pass the service's size bound with one header and be decoded with
 * another), and a probe that fails says why.
 * The decoders' allocations are bounded by BIO_IMAGE_MAX_PIXELS (at most ~5 bytes a pixel):
 * image.options sets -malloc_limit_mb so that a larger allocation is reported.
 */
#include "fuzz.h"

#include "bio/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bio_image img;
    bio_image_info info;
    bio_msg msg = {{0}}, msg2 = {{0}};
    bio_status st = bio_image_decode_ex(data, size, BIO_IMAGE_NO_CHECK, &img, &info, &msg);
    if (st == BIO_OK) {
        if (img.pixels == NULL || img.width < 1 || img.height < 1 ||
            img.width > BIO_IMAGE_MAX_SIDE || img.height > BIO_IMAGE_MAX_SIDE || img.dpi <= 0)
            fz_fail("decoded image %dx%d at %d dpi (pixels %p) breaks image.h's limits",
                    img.width, img.height, img.dpi, (void *)img.pixels);
        if (info.format == BIO_IMAGE_UNKNOWN)
            fz_fail("decoded image without a format");
        /* Reads every pixel: ASan sees a buffer shorter than width x height. */
        bio_image_stats stats;
        bio_image_get_stats(&img, &stats);
        if (stats.min > stats.max)
            fz_fail("stats of a decoded image: min %d > max %d", stats.min, stats.max);
    } else {
        if (img.pixels != NULL)
            fz_fail("failed decode (%s) left pixels behind", bio_status_name(st));
        if (msg.text[0] == '\0')
            fz_fail("failed decode (%s) gave no reason", bio_status_name(st));
    }

    bio_image_header hdr;
    bio_msg pmsg = {{0}};
    bio_status pst = bio_image_probe(data, size, &hdr, &pmsg);
    if (pst != BIO_OK && pmsg.text[0] == '\0')
        fz_fail("failed probe (%s) gave no reason", bio_status_name(pst));
    if (st == BIO_OK) {
        if ((long)img.width * img.height > BIO_IMAGE_MAX_PIXELS)
            fz_fail("decoded image %dx%d is over BIO_IMAGE_MAX_PIXELS", img.width, img.height);
        if (pst != BIO_OK)
            fz_fail("a %s image of %dx%d decodes, but the probe refuses it: %s",
                    bio_image_format_name(info.format), img.width, img.height, pmsg.text);
        if (hdr.format != info.format || hdr.width != img.width || hdr.height != img.height)
            fz_fail("the probe says %s %ldx%ld, the decoder made %s %dx%d",
                    bio_image_format_name(hdr.format), hdr.width, hdr.height,
                    bio_image_format_name(info.format), img.width, img.height);
    }

    if (st == BIO_OK) {
        /* What bio_image_decode() adds to the unchecked decode: too small, blank, nothing
           else. */
        bio_status st2 = bio_image_check(&img, &msg2);
        if (st2 != BIO_OK && st2 != BIO_ETOOSMALL && st2 != BIO_EBLANK)
            fz_fail("image check of a decoded image: %s: %s", bio_status_name(st2), msg2.text);
    }
    bio_image_free(&img);
    return 0;
}
