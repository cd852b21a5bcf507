/*
 * template.h - finger minutiae records: ISO/IEC 19794-2:2005 (decode, encode) and
 * ANSI INCITS 378-2004 (decode).
 *
 * Both start "FMR\0" " 20\0"; the codec tells them apart by the header layout (ANSI has a 2- or
 * 6-byte record length and a CBEFF product id; ISO a 4-byte length). A record may hold several
 * finger views; decoding returns them all, normalized into bio_template (angles in radians,
 * see bio.h). Extended data blocks are checked for consistency; ktpel's own ridge-map block
 * (bio.h bio_ridge_map, layout in template.c) is read into the view's ridge map, every other
 * block is skipped (a record without one decodes with ridge.cols 0). Every byte is
 * bounds-checked: a truncated or corrupt record gives BIO_ETRUNC / BIO_EFORMAT with the byte
 * offset, never a crash, and no output.
 */
#ifndef KTPEL_BIO_TEMPLATE_H
#define KTPEL_BIO_TEMPLATE_H

#include "bio/bio.h"

#include <stddef.h>
#include <stdint.h>

typedef enum bio_template_format {
    BIO_TEMPLATE_UNKNOWN = 0,
    BIO_TEMPLATE_ISO,    /* ISO/IEC 19794-2:2005 */
    BIO_TEMPLATE_ANSI    /* ANSI INCITS 378-2004 */
} bio_template_format;

/* The record header, for display. */
typedef struct bio_template_record {
    bio_template_format format;
    uint32_t length;            /* record length the header states */
    size_t trailing;            /* bytes after the record (padding), ignored */
    int length_mismatch;        /* 1: stated length too short, views run to the end of data */
    uint32_t product_id;        /* ANSI CBEFF product id (owner << 16 | type); 0 for ISO */
    uint16_t capture_equipment; /* ISO: device type id; ANSI: compliance (4 bits) + id (12) */
    uint16_t width, height, res_x, res_y;
    uint8_t view_count;
    uint32_t extended_bytes;    /* extended data skipped, all views */
} bio_template_record;

const char *bio_template_format_name(bio_template_format f);

/*
 * Decode a record. On success *views is a new array of *count views (owned by the caller;
 * free() it) and rec (may be NULL) describes the header. On failure *views is NULL, *count 0.
 */
bio_status bio_template_decode(const uint8_t *buf, size_t len, bio_template **views,
                               size_t *count, bio_template_record *rec, bio_msg *msg);

/*
 * Encode views as one ISO/IEC 19794-2:2005 record (size and resolution from views[0]; all views
 * must share them). *out is new (owned by the caller; free()). A view with a ridge map
 * (ridge.cols > 0) gets it as one extended data block; no other extended data is written.
 */
bio_status bio_template_encode_iso(const bio_template *views, size_t count, uint8_t **out,
                                   size_t *len, bio_msg *msg);

/* Angle conversions of the two standards: ISO unit 360/256 degrees, ANSI unit 2 degrees. */
float bio_angle_from_iso(uint8_t a);
uint8_t bio_angle_to_iso(float radians);
float bio_angle_from_ansi(uint8_t a);

#endif
