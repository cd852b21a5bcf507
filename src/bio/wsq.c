/*
 * wsq.c - WSQ decoder (placeholder until the codec lands).
 */
#include "bio/wsq.h"

#include <string.h>

int bio_wsq_is(const uint8_t *buf, size_t len)
{
    return len >= 4 && buf[0] == 0xFF && buf[1] == 0xA0 && buf[2] == 0xFF;
}

bio_status bio_wsq_decode(const uint8_t *buf, size_t len, bio_image *img, bio_msg *msg)
{
    (void)buf;
    (void)len;
    memset(img, 0, sizeof *img);
    return bio_fail(msg, BIO_EUNSUPPORTED, "WSQ decoding not available yet");
}
