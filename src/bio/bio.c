/*
 * bio.c - the small shared helpers of bio.h: failure messages, status names, image release,
 * the ridge-map cell code.
 * Design: errors are a bio_status plus a message in a caller-supplied bio_msg; nothing here
 * prints or allocates.
 */
#include "bio/bio.h"

#include <math.h>
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

/*
 * Ridge-map cell code: orientation code (0..15, steps of pi/16) in the low nibble, period code
 * (0..14) in the high one, so BIO_RIDGE_NONE (high nibble 15) is never a cell. The period steps
 * are logarithmic (a factor 3^(1/14), ~8%) because the matcher compares periods by their ratio.
 */
#define RIDGE_PI 3.14159265358979323846
#define RIDGE_P_MIN 5.0
#define RIDGE_P_MAX 15.0
#define RIDGE_P_STEPS 14

uint8_t bio_ridge_code(double orientation, double period)
{
    double o = fmod(orientation, RIDGE_PI);
    if (o < 0)
        o += RIDGE_PI;
    int oc = (int)lrint(o * 16.0 / RIDGE_PI) & 15;
    double p = period < RIDGE_P_MIN ? RIDGE_P_MIN : (period > RIDGE_P_MAX ? RIDGE_P_MAX : period);
    int pc = (int)lrint(log(p / RIDGE_P_MIN) / log(RIDGE_P_MAX / RIDGE_P_MIN) * RIDGE_P_STEPS);
    return (uint8_t)(pc << 4 | oc);
}

void bio_ridge_decode(uint8_t code, double *orientation, double *period)
{
    int pc = code >> 4;
    if (pc > RIDGE_P_STEPS)
        pc = RIDGE_P_STEPS;
    if (orientation)
        *orientation = (code & 15) * RIDGE_PI / 16.0;
    if (period)
        *period = RIDGE_P_MIN * pow(RIDGE_P_MAX / RIDGE_P_MIN, pc / (double)RIDGE_P_STEPS);
}
