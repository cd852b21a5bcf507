/*
 * upload.h - the server's own reading of a biometric upload (upload.c); never included
 * outside src/service.
 */
#ifndef KTPEL_SERVICE_UPLOAD_H
#define KTPEL_SERVICE_UPLOAD_H

#include <stddef.h>

#include "core/error.h"

#include "service/service.h" /* SVC_BIO_BG_CONFIRMED */

typedef struct svc_upload {
    char content_type[40];    /* derived from the decoded format, what downloads send */
    int format;               /* bio_image_format */
    long width, height;
    char background[8];       /* face: "merah" | "biru" | "lain" */
    int background_confirmed; /* face: stored on the operator's word (SVC_BIO_BG_CONFIRMED) */
} svc_upload;

/* Probe, bound, decode and (face) check the backdrop of an upload for slot. birth_year 0 =
   unknown (no backdrop rule). Errors: 400 image_invalid, image_too_small; 413
   image_too_large; 422 photo_background. */
kt_code svc_upload_check(const char *slot, const void *data, size_t len, int birth_year,
                         unsigned flags, svc_upload *u, kt_error *err);

/* The content type of a bio_image_format ("application/octet-stream" for raw / unknown). */
const char *svc_upload_content_type(int format);

#endif
