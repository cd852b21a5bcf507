/*
 * image.h - fingerprint images in, 8-bit gray bio_image out.
 *
 * Formats, detected by their magic bytes (never by the file name): TIFF (libtiff), PNG
 * (libpng), JPEG (libjpeg), BMP (own parser: 1/4/8-bit palette, 24/32-bit), PGM/PPM (P2, P3,
 * P5, P6), WSQ (wsq.h), and headerless raw 8-bit gray (the SourceAFIS .dat files): raw has no
 * magic, so it is tried last, and only when the byte count factors into a plausible width x
 * height whose rows are visibly correlated (see docs/internals/bio-formats.md).
 *
 * Colour is converted to gray with ITU-R BT.601 weights; alpha is composited over white.
 * Resolution comes from the file when it states one (TIFF, PNG pHYs, JPEG JFIF, BMP), else 500.
 *
 * Unless BIO_IMAGE_NO_CHECK is given, a decoded image must be at least BIO_IMAGE_MIN_SIDE
 * pixels on each side (BIO_ETOOSMALL) and hold some ridge-like contrast (BIO_EBLANK).
 * Nothing here prints; failures are a bio_status with the reason in bio_msg.
 */
#ifndef KTPEL_BIO_IMAGE_H
#define KTPEL_BIO_IMAGE_H

#include "bio/bio.h"

#include <stddef.h>
#include <stdint.h>

/* Smallest side accepted: 100 px is 5 mm at 500 dpi, less than a third of a fingertip. */
#define BIO_IMAGE_MIN_SIDE 100
/* Largest side accepted: guards allocations against hostile headers (20 inches at 1000 dpi). */
#define BIO_IMAGE_MAX_SIDE 20000
/* Largest image decoded, in pixels (width x height): 8192 x 8192, a whole ten-print card (8 x 8
   inches) at 1000 dpi, the largest thing a fingerprint workflow scans. The decoders allocate
   from the header before they know the data is there (up to 5 bytes a pixel: colour rows or
   libtiff's RGBA raster, then the gray image), so this bounds what a hostile header of a few
   bytes costs: about 320 MB, instead of 2 GB at BIO_IMAGE_MAX_SIDE squared. Larger images are
   refused with BIO_EUNSUPPORTED. The service bounds each upload slot far lower
   (src/service/upload.c). */
#define BIO_IMAGE_MAX_PIXELS (8192L * 8192L)
/* Largest file bio_image_load() reads. */
#define BIO_IMAGE_MAX_FILE (256u * 1024u * 1024u)

typedef enum bio_image_format {
    BIO_IMAGE_UNKNOWN = 0,
    BIO_IMAGE_TIFF,
    BIO_IMAGE_PNG,
    BIO_IMAGE_JPEG,
    BIO_IMAGE_BMP,
    BIO_IMAGE_PNM,   /* PGM or PPM, binary or ASCII */
    BIO_IMAGE_WSQ,
    BIO_IMAGE_RAW    /* headerless 8-bit gray; size inferred */
} bio_image_format;

/* What the file said, beyond the pixels. */
typedef struct bio_image_info {
    bio_image_format format;
    int channels;       /* samples per pixel in the file (1 gray, 3 RGB, 4 RGBA, ...) */
    int bits;           /* bits per sample in the file */
    int dpi_stated;     /* 1 if the file stated its resolution, 0 if img->dpi is the default */
} bio_image_info;

/* Flags for the _ex functions. */
#define BIO_IMAGE_NO_CHECK 1u   /* skip the too-small and blank checks */

/* Gray statistics of an image. */
typedef struct bio_image_stats {
    int min, max;
    double mean, stddev;
    double contrast_blocks;  /* fraction of 16x16 blocks with stddev >= BIO_IMAGE_BLOCK_SD */
} bio_image_stats;

#define BIO_IMAGE_BLOCK_SD 8.0

const char *bio_image_format_name(bio_image_format f);

/* The format the magic bytes announce; BIO_IMAGE_UNKNOWN when none (raw is never claimed). */
bio_image_format bio_image_detect(const uint8_t *buf, size_t len);

/*
 * Decode an image held in memory. On success *img owns new pixels (free with bio_image_free);
 * on failure *img is left zeroed. info may be NULL.
 */
bio_status bio_image_decode(const uint8_t *buf, size_t len, bio_image *img, bio_msg *msg);
bio_status bio_image_decode_ex(const uint8_t *buf, size_t len, unsigned flags, bio_image *img,
                               bio_image_info *info, bio_msg *msg);

/* Read a whole file and decode it. Same ownership as bio_image_decode(). */
bio_status bio_image_load(const char *path, bio_image *img, bio_msg *msg);
bio_status bio_image_load_ex(const char *path, unsigned flags, bio_image *img,
                             bio_image_info *info, bio_msg *msg);

/* Headerless gray pixels of known size, copied into a new image (dpi 0 means 500). */
bio_status bio_image_from_gray(const uint8_t *px, int width, int height, int dpi, bio_image *img,
                               bio_msg *msg);

/* Infer width x height of headerless gray data (len bytes); BIO_EFORMAT when no size fits. */
bio_status bio_image_guess_raw(const uint8_t *buf, size_t len, int *width, int *height,
                               bio_msg *msg);

void bio_image_get_stats(const bio_image *img, bio_image_stats *st);

/* The too-small and blank checks alone. */
bio_status bio_image_check(const bio_image *img, bio_msg *msg);

/* Write an image as binary PGM (P5) or PNG, chosen by the path's extension (.pgm / .png). */
bio_status bio_image_save(const bio_image *img, const char *path, bio_msg *msg);

/* What an image's header says, read without decoding its pixels. */
typedef struct bio_image_header {
    bio_image_format format;
    long width, height;
    int channels;       /* samples per pixel the header declares (0 when it does not say) */
} bio_image_header;

/*
 * Read only the header of an image in memory: its real format (from the magic bytes, never
 * from a name or a declared type) and its declared width and height. Nothing the size of the
 * image is allocated, so a caller can refuse a 5000x5000 picture that compresses to a few
 * kilobytes before decoding it (the decoders would allocate width x height). Headerless raw
 * gray is reported as BIO_IMAGE_RAW with the size bio_image_guess_raw infers. BIO_EFORMAT /
 * BIO_ETRUNC when the header is not a valid one.
 */
bio_status bio_image_probe(const uint8_t *buf, size_t len, bio_image_header *hdr, bio_msg *msg);

/* Read a whole file into memory (owned by caller; free()). */
bio_status bio_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, bio_msg *msg);

#endif
