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

/*
 * Ridge map of a finger view: the ridge orientation and the ridge period on a grid of square
 * cells (24 pixels at 500 dpi), where the print is clear. It travels beside the minutiae (in an
 * ISO/IEC 19794-2 extended data block of vendor type, template.c) and lets the matcher check
 * that an alignment found from a few minutiae also lines up the ridge flow and the ridge
 * spacing of the whole overlap (match.c). A record without it (another vendor's) has cols 0.
 *
 * v[row * cols + col] is BIO_RIDGE_NONE (background, or ridges too unclear) or a code made by
 * bio_ridge_code(): orientation in 16 steps of pi/16, counter-clockwise from +x like minutia
 * angles, in [0, pi); period (the distance between ridges, in pixels at 500 dpi) in 15
 * logarithmic steps from 5 to 15.
 */
#define BIO_RIDGE_MAX_CELLS 1536
#define BIO_RIDGE_MAX_SIDE 64        /* cols, rows at most */
#define BIO_RIDGE_NONE 0xFF

typedef struct bio_ridge_map {
    uint8_t cols, rows;     /* grid size; 0: no map */
    uint8_t cell;           /* cell side, template pixels */
    uint16_t x0, y0;        /* top-left corner of cell (0, 0), template pixels */
    uint8_t v[BIO_RIDGE_MAX_CELLS];
} bio_ridge_map;

/* The cell code of an orientation (radians, any; taken modulo pi) and a period (px at 500 dpi,
   clamped to 5..15). */
uint8_t bio_ridge_code(double orientation, double period);
/* Decode a cell code (not BIO_RIDGE_NONE): orientation in [0, pi), period in 5..15. */
void bio_ridge_decode(uint8_t code, double *orientation, double *period);

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
    /* Ridge map (see above): made by extraction, carried by the ISO codec; cols 0 = none. */
    bio_ridge_map ridge;
} bio_template;

#endif
