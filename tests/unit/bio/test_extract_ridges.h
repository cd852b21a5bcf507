/*
 * test_extract_ridges.h - a fingerprint-like test image the bio tests draw themselves: parallel ridges
 * (period 9 px at 500 dpi) whose phase winds by 2*pi around twelve points, so each point is a
 * true minutia (a ridge ending or a bifurcation). The pattern is evaluated in a rotated and
 * shifted frame, so a transformed impression needs no resampling. Header-only: used by several
 * test executables. Not part of the library.
 */
#ifndef KTPEL_TEST_RIDGES_H
#define KTPEL_TEST_RIDGES_H

#include "bio/bio.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Pattern `seed` rotated by rot radians and shifted by (dx, dy) pixels, drawn at dpi
 * (320x320 pixels at 500 dpi, scaled with dpi). img->pixels is owned by the caller (free()).
 */
static inline int ridges_make(unsigned seed, double rot, double dx, double dy, int dpi,
                              bio_image *img)
{
    double k = dpi / 500.0;
    int n = (int)lround(320 * k);
    double px[12], py[12], sg[12];
    unsigned s = seed * 2654435761u + 12345u;
    for (int i = 0; i < 12; i++) {
        s = s * 1103515245u + 12345u;
        px[i] = 60 + (double)((s >> 8) % 200);
        s = s * 1103515245u + 12345u;
        py[i] = 60 + (double)((s >> 8) % 200);
        sg[i] = (i % 2) ? 1.0 : -1.0;
    }
    s = s * 1103515245u + 12345u;
    double base = (double)((s >> 8) % 180) * 3.14159265358979 / 180.0;
    img->width = img->height = n;
    img->dpi = dpi;
    img->pixels = malloc((size_t)n * (size_t)n);
    if (!img->pixels)
        return -1;
    double c = cos(rot), sn = sin(rot);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            /* Back to the pattern's own frame (500 dpi pixels). */
            double xi = x / k - 160 - dx, yi = y / k - 160 - dy;
            double u = c * xi + sn * yi + 160, v = -sn * xi + c * yi + 160;
            double r2 = ((u - 160) * (u - 160)) / (130.0 * 130.0) +
                        ((v - 160) * (v - 160)) / (150.0 * 150.0);
            double val = 255;
            if (r2 < 1) {
                double ph = 2 * 3.14159265358979 / 9.0 * (u * cos(base) + v * sin(base));
                for (int i = 0; i < 12; i++)
                    ph += sg[i] * atan2(v - py[i], u - px[i]);
                val = 128 + 110 * cos(ph);
            }
            img->pixels[y * n + x] = (uint8_t)lround(val);
        }
    return 0;
}

#endif
