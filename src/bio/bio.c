/*
 * bio.c - the small shared helpers of bio.h: failure messages, status names, image release.
 * Design: errors are a bio_status plus a message in a caller-supplied bio_msg; nothing here
 * prints or allocates.
 */
#include "bio/bio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bio_status bio_fail(bio_msg *msg, bio_status st, const char *fmt, ...)
{
    if (msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg->text, sizeof msg->text, fmt, ap);
        va_end(ap);
    }
    return st;
}

const char *bio_status_name(bio_status st)
{
    switch (st) {
    case BIO_OK: return "ok";
    case BIO_EINVAL: return "invalid argument";
    case BIO_EFORMAT: return "bad format";
    case BIO_ETRUNC: return "truncated";
    case BIO_EUNSUPPORTED: return "unsupported";
    case BIO_ETOOSMALL: return "too small";
    case BIO_EBLANK: return "blank";
    case BIO_ENOMEM: return "out of memory";
    case BIO_EIO: return "i/o error";
    }
    return "unknown";
}

void bio_image_free(bio_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = 0;
}
