/*
 * photo.c - the photo background rule (photo.h). The classification mirrors the recording
 * page's hint (web/js/image.js backgroundHue) so that both say the same thing.
 */
#include "core/photo.h"

photo_bg photo_bg_required(int birth_year)
{
    return (birth_year % 2 != 0) ? PHOTO_BG_RED : PHOTO_BG_BLUE;
}

const char *photo_bg_name(photo_bg bg)
{
    switch (bg) {
    case PHOTO_BG_RED: return "merah";
    case PHOTO_BG_BLUE: return "biru";
    case PHOTO_BG_OTHER: break;
    }
    return "lain";
}

/* Hue in degrees, saturation and value of one pixel (HSV). */
static void hsv(int r, int g, int b, double *h, double *s, double *v)
{
    int max = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int min = r < g ? (r < b ? r : b) : (g < b ? g : b);
    int d = max - min;
    *v = max / 255.0;
    if (d == 0) {
        *h = 0;
        *s = 0;
        return;
    }
    double hh;
    if (max == r) {
        hh = (double)(g - b) / d;
        if (hh < 0)
            hh += 6;
    } else if (max == g) {
        hh = (double)(b - r) / d + 2;
    } else {
        hh = (double)(r - g) / d + 4;
    }
    *h = hh * 60;
    *s = (double)d / max;
}

photo_bg_result photo_bg_classify(const uint8_t *rgb, int width, int height, size_t stride)
{
    photo_bg_result res = {PHOTO_BG_OTHER, 0};
    int shorter = width < height ? width : height;
    if (rgb == NULL || shorter <= 0)
        return res;
    int ring = (int)(shorter * 0.06 + 0.5);
    if (ring < 2)
        ring = 2;
    int step = (int)(shorter / 120.0 + 0.5);
    if (step < 1)
        step = 1;
    long red = 0, blue = 0, n = 0;
    for (int y = 0; y < height; y += step)
        for (int x = 0; x < width; x += step) {
            if (x >= ring && x < width - ring && y >= ring && y < height - ring)
                continue;
            const uint8_t *p = rgb + (size_t)y * stride + (size_t)x * 3;
            double h, s, v;
            hsv(p[0], p[1], p[2], &h, &s, &v);
            n++;
            if (s < 0.35 || v < 0.2)
                continue;
            if (h < 20 || h > 340)
                red++;
            else if (h > 190 && h < 255)
                blue++;
        }
    double rs = n ? (double)red / (double)n : 0, bs = n ? (double)blue / (double)n : 0;
    if (rs >= 0.6)
        res.verdict = PHOTO_BG_RED, res.share = rs;
    else if (bs >= 0.6)
        res.verdict = PHOTO_BG_BLUE, res.share = bs;
    else
        res.share = rs > bs ? rs : bs;
    return res;
}
