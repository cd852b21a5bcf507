/*
 * images.h - real images for the tests' biometric uploads, made with libpng: the server
 * decodes every upload (src/service/upload.c), so a test sends what a camera, a signature pad
 * or an iris camera would. Header-only (static functions), shared by the unit and API suites.
 *
 * Ownership: every returned buffer is owned by the caller (free()).
 */
#ifndef KTPEL_TESTS_IMAGES_H
#define KTPEL_TESTS_IMAGES_H

#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Pixels (format PNG_FORMAT_RGB or PNG_FORMAT_GRAY) encoded as a PNG in memory. */
__attribute__((unused)) static unsigned char *t_png_encode(const uint8_t *px, int w, int h, png_uint_32 format,
                                   size_t *len)
{
    png_image im;
    unsigned char *out = NULL;
    png_alloc_size_t n = 0;
    *len = 0;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = (png_uint_32)w;
    im.height = (png_uint_32)h;
    im.format = format;
    if (png_image_write_to_memory(&im, NULL, &n, 0, px, 0, NULL) && n > 0 &&
        (out = malloc(n)) != NULL &&
        !png_image_write_to_memory(&im, out, &n, 0, px, 0, NULL)) {
        free(out);
        out = NULL;
    }
    if (out != NULL)
        *len = (size_t)n;
    return out;
}

/* An RGB PNG of w x h: a backdrop of colour (r, g, b) with a skin-coloured oval in the middle
   (a portrait as the recording desk's camera makes it). */
__attribute__((unused)) static unsigned char *t_png_portrait(int w, int h, uint8_t r, uint8_t g,
                                                             uint8_t b, size_t *len)
{
    uint8_t *px = malloc((size_t)w * (size_t)h * 3);
    *len = 0;
    if (px == NULL)
        return NULL;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx = (x - w / 2.0) / (w * 0.28), dy = (y - h * 0.46) / (h * 0.3);
            uint8_t *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
            int face = dx * dx + dy * dy < 1.0;
            p[0] = face ? 224 : r;
            p[1] = face ? 176 : g;
            p[2] = face ? 144 : b;
        }
    unsigned char *out = t_png_encode(px, w, h, PNG_FORMAT_RGB, len);
    free(px);
    return out;
}

/* The face photo a resident with this NIK needs: red backdrop for an odd birth year, blue for
   an even one (the NIK's digits 11-12 are the birth year's last two, so they carry its
   parity). */
__attribute__((unused)) static unsigned char *t_face_for_nik(const char *nik, size_t *len)
{
    int odd = (nik[11] - '0') % 2 != 0;
    return odd ? t_png_portrait(300, 400, 198, 40, 40, len)
               : t_png_portrait(300, 400, 21, 101, 192, len);
}

/* A grey PNG of w x h with a few dark strokes: a signature pad's output, or an iris image. */
__attribute__((unused)) static unsigned char *t_png_gray(int w, int h, size_t *len)
{
    uint8_t *px = malloc((size_t)w * (size_t)h);
    *len = 0;
    if (px == NULL)
        return NULL;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[(size_t)y * (size_t)w + (size_t)x] =
                (uint8_t)(((x / 7 + y / 5) % 9 == 0 || (x * y) % 97 == 3) ? 30 : 235 - (x % 40));
    unsigned char *out = t_png_encode(px, w, h, PNG_FORMAT_GRAY, len);
    free(px);
    return out;
}

#endif
