/*
 * upload.c - what a biometric upload really is, decided by the server (issue 9 items 3 and 7).
 *
 * The client's Content-Type is never trusted: it is not even read. For every slot the bytes
 * are probed (bio_image_probe: the real format from the magic bytes, the declared width and
 * height from the header, nothing allocated), the format must be one the slot's device makes,
 * the size must be within what such a device produces, and only then is the image decoded in
 * full. The face photo is decoded in colour and its backdrop checked against the birth year
 * (core/photo.h). The stored content type is the one derived here from the decoded format, so
 * a download can never replay text/html or SVG that a client declared.
 *
 * Per-slot bounds (width and height, pixels):
 *   face        PNG/JPEG            200..4000  (a 4:5 portrait cropped from a camera frame)
 *   signature   PNG/JPEG            100..4000  (signature pads, scanned forms at 300 dpi)
 *   iris        PNG/JPEG/BMP/PGM/TIFF 100..2000 (ISO/IEC 19794-6 images are 640x480)
 *   finger      any fingerprint format, ISO template  100..2000 (one finger at 1000 dpi)
 *
 * Never: allocate an image before its header's size has been checked; store a type the
 * server did not derive.
 */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* libjpeg needs FILE and size_t declared before its header. */
#include <jpeglib.h>

#include "bio/image.h"
#include "core/photo.h"
#include "service/svc_internal.h"
#include "service/upload.h"

typedef struct slot_rule {
    const char *prefix; /* slot name or prefix */
    long min_side, max_side;
    unsigned formats; /* bit per bio_image_format */
} slot_rule;

#define F(x) (1u << (x))
static const slot_rule RULES[] = {
    {"face", 200, 4000, F(BIO_IMAGE_PNG) | F(BIO_IMAGE_JPEG)},
    {"signature", 100, 4000, F(BIO_IMAGE_PNG) | F(BIO_IMAGE_JPEG)},
    {"iris_", 100, 2000,
     F(BIO_IMAGE_PNG) | F(BIO_IMAGE_JPEG) | F(BIO_IMAGE_BMP) | F(BIO_IMAGE_PNM) |
         F(BIO_IMAGE_TIFF)},
    {"finger_", BIO_IMAGE_MIN_SIDE, 2000,
     F(BIO_IMAGE_PNG) | F(BIO_IMAGE_JPEG) | F(BIO_IMAGE_BMP) | F(BIO_IMAGE_PNM) |
         F(BIO_IMAGE_TIFF) | F(BIO_IMAGE_WSQ) | F(BIO_IMAGE_RAW)},
};
#undef F

static const slot_rule *rule_of(const char *slot)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strncmp(slot, RULES[i].prefix, strlen(RULES[i].prefix)) == 0)
            return &RULES[i];
    return NULL;
}

const char *svc_upload_content_type(int format)
{
    switch ((bio_image_format)format) {
    case BIO_IMAGE_PNG: return "image/png";
    case BIO_IMAGE_JPEG: return "image/jpeg";
    case BIO_IMAGE_TIFF: return "image/tiff";
    case BIO_IMAGE_BMP: return "image/bmp";
    case BIO_IMAGE_PNM: return "image/x-portable-anymap";
    case BIO_IMAGE_WSQ: return "image/x-wsq";
    case BIO_IMAGE_RAW:
    case BIO_IMAGE_UNKNOWN: break;
    }
    return "application/octet-stream";
}

static const char *format_list(const slot_rule *r)
{
    if (r->formats == ((1u << BIO_IMAGE_PNG) | (1u << BIO_IMAGE_JPEG)))
        return "PNG atau JPEG";
    if (strcmp(r->prefix, "iris_") == 0)
        return "PNG, JPEG, BMP, PGM atau TIFF";
    return "gambar sidik jari (PNG, JPEG, BMP, PGM, TIFF, WSQ) atau templat ISO 19794-2";
}

/* ---- the face in colour: libpng's simplified API, libjpeg with RGB output --------------- */

static uint8_t *png_rgb(const void *data, size_t len, int *w, int *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, data, len))
        return NULL;
    im.format = PNG_FORMAT_RGB;
    size_t n = PNG_IMAGE_SIZE(im);
    uint8_t *px = malloc(n);
    if (px == NULL || !png_image_finish_read(&im, NULL, px, 0, NULL)) {
        png_image_free(&im);
        free(px);
        return NULL;
    }
    *w = (int)im.width;
    *h = (int)im.height;
    return px;
}

struct jpeg_rgb_ctx {
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr jerr;
    jmp_buf jmp;
    uint8_t *px; /* owned until returned */
};

static void jpeg_rgb_error(j_common_ptr ci)
{
    struct jpeg_rgb_ctx *c = (struct jpeg_rgb_ctx *)ci->client_data;
    longjmp(c->jmp, 1);
}

static void jpeg_rgb_message(j_common_ptr ci, int level)
{
    (void)ci;
    (void)level;
}

/* The part that may longjmp; everything it allocates hangs off c. */
static int jpeg_rgb_run(struct jpeg_rgb_ctx *c, const void *data, size_t len)
{
    if (setjmp(c->jmp))
        return -1;
    jpeg_create_decompress(&c->ci);
    jpeg_mem_src(&c->ci, data, (unsigned long)len);
    jpeg_read_header(&c->ci, TRUE);
    c->ci.out_color_space = JCS_RGB;
    /* The backdrop needs about 120 samples a side: a large photo is decoded scaled down
       (libjpeg's DCT scaling costs a fraction of a full decode). */
    unsigned shorter = c->ci.image_width < c->ci.image_height ? c->ci.image_width
                                                              : c->ci.image_height;
    c->ci.scale_num = 1;
    c->ci.scale_denom = shorter >= 1920 ? 8 : shorter >= 960 ? 4 : shorter >= 480 ? 2 : 1;
    jpeg_start_decompress(&c->ci);
    if (c->ci.output_components != 3)
        return -1;
    size_t stride = (size_t)c->ci.output_width * 3;
    c->px = malloc(stride * c->ci.output_height);
    if (c->px == NULL)
        return -1;
    while (c->ci.output_scanline < c->ci.output_height) {
        JSAMPROW row = c->px + (size_t)c->ci.output_scanline * stride;
        jpeg_read_scanlines(&c->ci, &row, 1);
    }
    jpeg_finish_decompress(&c->ci);
    return 0;
}

static uint8_t *jpeg_rgb(const void *data, size_t len, int *w, int *h)
{
    struct jpeg_rgb_ctx *c = calloc(1, sizeof *c);
    uint8_t *px = NULL;
    if (c == NULL)
        return NULL;
    c->ci.err = jpeg_std_error(&c->jerr);
    c->jerr.error_exit = jpeg_rgb_error;
    c->jerr.emit_message = jpeg_rgb_message;
    c->ci.client_data = c;
    if (jpeg_rgb_run(c, data, len) == 0) {
        px = c->px;
        c->px = NULL;
        *w = (int)c->ci.output_width;
        *h = (int)c->ci.output_height;
    }
    jpeg_destroy_decompress(&c->ci);
    free(c->px);
    free(c);
    return px;
}

kt_code svc_upload_check(const char *slot, const void *data, size_t len, int birth_year,
                         unsigned flags, svc_upload *u, kt_error *err)
{
    bio_image_header hdr;
    bio_msg msg;
    memset(u, 0, sizeof u[0]);
    const slot_rule *rule = rule_of(slot);
    if (rule == NULL)
        return kt_fail(err, KT_EINVAL, "slot_invalid", "slot", "Slot %s tidak dikenal", slot);
    /* A scanner that extracts itself sends an ISO 19794-2 record for a finger. */
    if (strncmp(slot, "finger_", 7) == 0 && len >= 4 && memcmp(data, "FMR\0", 4) == 0) {
        snprintf(u->content_type, sizeof u->content_type, "application/x-iso19794-2");
        return KT_OK;
    }
    bio_status st = bio_image_probe(data, len, &hdr, &msg);
    if (st != BIO_OK || !(rule->formats & (1u << hdr.format)))
        return kt_fail(err, KT_EINVAL, "image_invalid", "body",
                       "Berkas %s bukan gambar yang dapat diterima: %s (harus %s)", slot,
                       st != BIO_OK ? "bukan gambar yang dikenali"
                                    : bio_image_format_name(hdr.format),
                       format_list(rule));
    if (hdr.width > rule->max_side || hdr.height > rule->max_side)
        return kt_fail(err, KT_ETOOBIG, "image_too_large", "body",
                       "Gambar %s berukuran %ldx%ld piksel; paling besar %ldx%ld untuk slot ini",
                       slot, hdr.width, hdr.height, rule->max_side, rule->max_side);
    if (hdr.width < rule->min_side || hdr.height < rule->min_side)
        return kt_fail(err, KT_EINVAL, "image_too_small", "body",
                       "Gambar %s berukuran %ldx%ld piksel; paling kecil %ldx%ld untuk slot ini",
                       slot, hdr.width, hdr.height, rule->min_side, rule->min_side);
    u->format = (int)hdr.format;
    u->width = hdr.width;
    u->height = hdr.height;
    snprintf(u->content_type, sizeof u->content_type, "%s", svc_upload_content_type(hdr.format));
    if (strncmp(slot, "finger_", 7) == 0)
        return KT_OK; /* decoded and extracted by the AFIS (afis.c), which refuses bad prints */
    if (strcmp(slot, "face") != 0) {
        bio_image img;
        st = bio_image_decode_ex(data, len, BIO_IMAGE_NO_CHECK, &img, NULL, &msg);
        if (st == BIO_ENOMEM)
            return svc_nomem(err);
        if (st != BIO_OK)
            return kt_fail(err, KT_EINVAL, "image_invalid", "body",
                           "Berkas %s bukan gambar yang dapat dibaca (%s)", slot,
                           st == BIO_ETRUNC ? "berkas terpotong" : "isi gambar rusak");
        bio_image_free(&img);
        return KT_OK;
    }
    /* The face: decoded in colour, the backdrop checked against the birth year. */
    int w = 0, h = 0;
    uint8_t *rgb = hdr.format == BIO_IMAGE_PNG ? png_rgb(data, len, &w, &h)
                                               : jpeg_rgb(data, len, &w, &h);
    if (rgb == NULL)
        return kt_fail(err, KT_EINVAL, "image_invalid", "body",
                       "Berkas foto bukan gambar yang dapat dibaca (isi gambar rusak)");
    photo_bg_result bg = photo_bg_classify(rgb, w, h, (size_t)w * 3);
    free(rgb);
    snprintf(u->background, sizeof u->background, "%s", photo_bg_name(bg.verdict));
    if (birth_year > 0) {
        photo_bg need = photo_bg_required(birth_year);
        if (bg.verdict != need) {
            if (!(flags & SVC_BIO_BG_CONFIRMED))
                return kt_fail(err, KT_EREFUSED, "photo_background", "face",
                               "Warna latar foto terdeteksi %s, seharusnya %s untuk tahun "
                               "lahir %d (%s). Foto ulang dengan latar %s, atau nyatakan latar "
                               "sudah benar bila pemeriksaan keliru",
                               bg.verdict == PHOTO_BG_OTHER ? "bukan merah/biru"
                                                            : photo_bg_name(bg.verdict),
                               photo_bg_name(need), birth_year,
                               birth_year % 2 != 0 ? "ganjil" : "genap", photo_bg_name(need));
            u->background_confirmed = 1;
        }
    }
    return KT_OK;
}
