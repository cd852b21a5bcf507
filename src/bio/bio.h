/*
 * bio.h - the fingerprint engine's shared types: images, minutiae, templates, status.
 *
 * src/bio is a library of its own: it includes nothing of ktpel outside src/bio, so it can be
 * tested, benchmarked and reused alone. Its errors are bio_status plus a message written into
 * a caller's buffer (bio_msg), never printed.
 *
 * Coordinates: image convention, x to the right, y down, in pixels of the image (or of the
 * template's stated size). Angles: radians in [0, 2*pi), counter-clockwise from the +x axis as
 * a person sees the image (ISO/IEC 19794-2 convention, where one unit is 2*pi/256); a
 * minutia's direction is the one ISO/IEC 19794-2:2005 defines for its type.
 */
#ifndef KTPEL_BIO_H
#define KTPEL_BIO_H

#include <stddef.h>
#include <stdint.h>

typedef enum bio_status {
    BIO_OK = 0,
    BIO_EINVAL,       /* bad argument */
    BIO_EFORMAT,      /* not a valid file / record of that format */
    BIO_ETRUNC,       /* record or file shorter than it says */
    BIO_EUNSUPPORTED, /* valid, but a variant this engine does not handle */
    BIO_ETOOSMALL,    /* image too small to hold a fingerprint */
    BIO_EBLANK,       /* image holds no usable fingerprint (blank, no ridges) */
    BIO_ENOMEM,
    BIO_EIO           /* could not read or write a file */
} bio_status;

/* A message buffer for the reason of a failure (English, for logs and the CLI). */
typedef struct bio_msg {
    char text[256];
} bio_msg;

/* Set msg (if not NULL) printf-style and return st. */
bio_status bio_fail(bio_msg *msg, bio_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *bio_status_name(bio_status st);

/* An 8-bit grayscale image; 0 black (ridge), 255 white (valley/background). */
typedef struct bio_image {
    int width, height;
    int dpi;           /* resolution in dots per inch; 500 when the file does not say */
    uint8_t *pixels;   /* width*height bytes, row-major; owned: free with bio_image_free() */
} bio_image;

void bio_image_free(bio_image *img);

enum { BIO_MINUTIA_OTHER = 0, BIO_MINUTIA_ENDING = 1, BIO_MINUTIA_BIFURCATION = 2 };

typedef struct bio_minutia {
    uint16_t x, y;     /* pixels */
    float angle;       /* radians [0, 2*pi), see above */
    uint8_t type;      /* BIO_MINUTIA_* */
    uint8_t quality;   /* 0..100; 0 = not reported */
} bio_minutia;

#define BIO_MAX_MINUTIAE 255

/* One finger view: what ISO/IEC 19794-2 and ANSI INCITS 378 carry, normalized. */
typedef struct bio_template {
    uint16_t width, height;     /* image size the coordinates refer to */
    uint16_t res_x, res_y;      /* pixels per centimetre (ISO); 197 = 500 dpi */
    uint8_t finger_position;    /* ISO finger code: 0 unknown, 1 right thumb .. 10 left little */
    uint8_t impression;         /* ISO impression type, 0 live-scan plain */
    uint8_t quality;            /* finger quality 0..100 */
    uint16_t count;             /* number of minutiae used in m[] */
    bio_minutia m[BIO_MAX_MINUTIAE];
    /* Added by the template codec (template.h); zero when a template is made by extraction. */
    uint8_t view_number;        /* ISO/ANSI view number 0..15 of this finger in the record */
    uint16_t capture_equipment; /* record header's capture device field, repeated per view */
} bio_template;

#endif
