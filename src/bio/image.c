/*
 * image.c - decoders from TIFF, PNG, JPEG, BMP, PGM/PPM, WSQ and raw gray to bio_image.
 *
 * Design: every decoder works on a buffer in memory and produces 8-bit gray pixels through
 * one helper (img_alloc) so the size limits are checked in one place before any large
 * allocation. Third-party libraries (libtiff, libpng, libjpeg) report errors through
 * callbacks; those are captured into the caller's bio_msg, never printed. The libraries that
 * use longjmp (libpng, libjpeg) keep every resource in a heap context reached through a
 * pointer, so nothing a cleanup needs lives in a clobbered local.
 * Must never: print, exit, or trust a header's sizes before checking them against the data.
 */
#include "bio/image.h"
#include "bio/wsq.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
/* libjpeg needs FILE declared before its headers. */
#include <jpeglib.h>
#include <jerror.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define DEFAULT_DPI 500

const char *bio_image_format_name(bio_image_format f)
{
    switch (f) {
    case BIO_IMAGE_TIFF: return "tiff";
    case BIO_IMAGE_PNG: return "png";
    case BIO_IMAGE_JPEG: return "jpeg";
    case BIO_IMAGE_BMP: return "bmp";
    case BIO_IMAGE_PNM: return "pnm";
    case BIO_IMAGE_WSQ: return "wsq";
    case BIO_IMAGE_RAW: return "raw";
    case BIO_IMAGE_UNKNOWN: break;
    }
    return "unknown";
}

bio_image_format bio_image_detect(const uint8_t *b, size_t n)
{
    if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) ||
                   (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42) ||
                   (b[0] == 'I' && b[1] == 'I' && b[2] == 43 && b[3] == 0) ||
                   (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 43)))
        return BIO_IMAGE_TIFF;
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return BIO_IMAGE_PNG;
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return BIO_IMAGE_JPEG;
    if (bio_wsq_is(b, n))
        return BIO_IMAGE_WSQ;
    if (n >= 2 && b[0] == 'B' && b[1] == 'M')
        return BIO_IMAGE_BMP;
    if (n >= 3 && b[0] == 'P' && (b[1] == '2' || b[1] == '3' || b[1] == '5' || b[1] == '6') &&
        (b[2] == ' ' || b[2] == '\t' || b[2] == '\r' || b[2] == '\n' || b[2] == '#'))
        return BIO_IMAGE_PNM;
    return BIO_IMAGE_UNKNOWN;
}

/* Allocate width*height gray pixels after checking the size limits. */
static bio_status img_alloc(bio_image *img, long w, long h, bio_msg *msg)
{
    if (w <= 0 || h <= 0)
        return bio_fail(msg, BIO_EFORMAT, "image size %ldx%ld is not valid", w, h);
    if (w > BIO_IMAGE_MAX_SIDE || h > BIO_IMAGE_MAX_SIDE)
        return bio_fail(msg, BIO_EUNSUPPORTED, "image size %ldx%ld exceeds the limit of %d px",
                        w, h, BIO_IMAGE_MAX_SIDE);
    if (w * h > BIO_IMAGE_MAX_PIXELS)
        return bio_fail(msg, BIO_EUNSUPPORTED, "image size %ldx%ld exceeds the limit of %ld "
                        "pixels (8192x8192)", w, h, BIO_IMAGE_MAX_PIXELS);
    img->pixels = malloc((size_t)w * (size_t)h);
    if (!img->pixels)
        return bio_fail(msg, BIO_ENOMEM, "out of memory for a %ldx%ld image", w, h);
    img->width = (int)w;
    img->height = (int)h;
    return BIO_OK;
}

/* ITU-R BT.601 luma, rounded; equal channels map to themselves. */
static uint8_t rgb_gray(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((299u * r + 587u * g + 114u * b + 500u) / 1000u);
}

/* Composite a gray value with alpha over a white background. */
static uint8_t over_white(unsigned v, unsigned a)
{
    return (uint8_t)((v * a + 255u * (255u - a) + 127u) / 255u);
}

/* Convert one row of n pixels with ch 8-bit channels (gray, GA, RGB, RGBA) to gray. */
static void row_to_gray(const uint8_t *in, int ch, int n, uint8_t *out)
{
    for (int x = 0; x < n; x++, in += ch) {
        switch (ch) {
        case 1: out[x] = in[0]; break;
        case 2: out[x] = over_white(in[0], in[1]); break;
        case 3: out[x] = rgb_gray(in[0], in[1], in[2]); break;
        default: out[x] = over_white(rgb_gray(in[0], in[1], in[2]), in[3]); break;
        }
    }
}

static int dpi_round(double v)
{
    return (v > 0 && v < 100000) ? (int)lround(v) : 0;
}

/* ---------------------------------------------------------------- TIFF (libtiff) */

struct tiff_mem {
    const uint8_t *buf;
    toff_t len, pos;
    bio_msg *msg;
    int failed; /* an error was reported into msg */
    int cut;    /* a warning showed the data ends early (reported into msg) */
};

static tmsize_t tm_read(thandle_t h, void *dst, tmsize_t n)
{
    struct tiff_mem *m = (struct tiff_mem *)h;
    if (n < 0 || m->pos >= m->len)
        return 0;
    toff_t avail = m->len - m->pos;
    toff_t k = (toff_t)n < avail ? (toff_t)n : avail;
    memcpy(dst, m->buf + m->pos, (size_t)k);
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t tm_write(thandle_t h, void *src, tmsize_t n)
{
    (void)h;
    (void)src;
    (void)n;
    return -1;
}

static toff_t tm_seek(thandle_t h, toff_t off, int whence)
{
    struct tiff_mem *m = (struct tiff_mem *)h;
    toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;
    m->pos = base + off;
    return m->pos;
}

static int tm_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t tm_size(thandle_t h)
{
    return ((struct tiff_mem *)h)->len;
}

static int tm_map(thandle_t h, void **base, toff_t *size)
{
    (void)h;
    (void)base;
    (void)size;
    return 0;
}

static void tm_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

static int tm_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    struct tiff_mem *m = (struct tiff_mem *)user;
    if (m && !m->failed) {
        char text[200];
        vsnprintf(text, sizeof text, fmt, ap);
        bio_fail(m->msg, BIO_EFORMAT, "TIFF: %s%s%s", module ? module : "", module ? ": " : "",
                 text);
        m->failed = 1;
    }
    return 1;
}

static int tm_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    struct tiff_mem *m = (struct tiff_mem *)user;
    char text[200];
    vsnprintf(text, sizeof text, fmt, ap);
    /* Most warnings (unknown tags...) are harmless; an I/O error means the file is cut. */
    if (m && !m->failed && !m->cut && strstr(text, "IO error")) {
        bio_fail(m->msg, BIO_ETRUNC, "TIFF: file truncated: %s%s%s", module ? module : "",
                 module ? ": " : "", text);
        m->cut = 1;
    }
    return 1;
}

static bio_status decode_tiff(const uint8_t *buf, size_t len, bio_image *img,
                              bio_image_info *info, bio_msg *msg)
{
    struct tiff_mem m = {buf, len, 0, msg, 0, 0};
    bio_status st = BIO_OK;
    uint32_t *rgba = NULL;
    uint8_t *line = NULL;
    TIFF *tif = NULL;
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return bio_fail(msg, BIO_ENOMEM, "out of memory opening TIFF");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tm_error, &m);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tm_warning, &m);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)BIO_IMAGE_MAX_SIDE * 4 * 4096);
    tif = TIFFClientOpenExt("memory", "rm", (thandle_t)&m, tm_read, tm_write, tm_seek, tm_close,
                            tm_size, tm_map, tm_unmap, opts);
    if (!tif) {
        st = m.failed ? BIO_EFORMAT : bio_fail(msg, BIO_EFORMAT, "TIFF: cannot open");
        goto out;
    }
    uint32_t w = 0, h = 0;
    uint16_t bps = 1, spp = 1, photo = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo))
        photo = PHOTOMETRIC_MINISBLACK;
    if ((st = img_alloc(img, w, h, msg)) != BIO_OK)
        goto out;
    if (info) {
        info->channels = spp;
        info->bits = bps;
    }
    float xres = 0;
    uint16_t unit = RESUNIT_INCH;
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && xres > 0) {
        TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
        int dpi = unit == RESUNIT_INCH ? dpi_round(xres)
                  : unit == RESUNIT_CENTIMETER ? dpi_round((double)xres * 2.54) : 0;
        if (dpi > 0) {
            img->dpi = dpi;
            if (info)
                info->dpi_stated = 1;
        }
    }
    if (bps == 8 && spp == 1 && planar == PLANARCONFIG_CONTIG && !TIFFIsTiled(tif) &&
        (photo == PHOTOMETRIC_MINISBLACK || photo == PHOTOMETRIC_MINISWHITE)) {
        /* The FVC case: read the gray scanlines as they are. */
        tmsize_t sl = TIFFScanlineSize(tif);
        if (sl < (tmsize_t)w) {
            st = bio_fail(msg, BIO_EFORMAT, "TIFF: scanline shorter than the width");
            goto out;
        }
        line = malloc((size_t)sl);
        if (!line) {
            st = bio_fail(msg, BIO_ENOMEM, "out of memory reading TIFF");
            goto out;
        }
        for (uint32_t y = 0; y < h; y++) {
            if (TIFFReadScanline(tif, line, y, 0) < 0) {
                st = m.failed ? BIO_ETRUNC
                              : bio_fail(msg, BIO_ETRUNC, "TIFF: cannot read row %u", y);
                if (st == BIO_ETRUNC && m.failed)
                    bio_fail(msg, BIO_ETRUNC, "TIFF: row %u unreadable (truncated?)", y);
                goto out;
            }
            uint8_t *dst = img->pixels + (size_t)y * w;
            for (uint32_t x = 0; x < w; x++)
                dst[x] = photo == PHOTOMETRIC_MINISWHITE ? (uint8_t)(255 - line[x]) : line[x];
        }
    } else {
        /* Anything else libtiff can render (palette, RGB, 16-bit, tiled, YCbCr, ...). */
        rgba = malloc((size_t)w * h * sizeof *rgba);
        if (!rgba) {
            st = bio_fail(msg, BIO_ENOMEM, "out of memory reading TIFF");
            goto out;
        }
        if (!TIFFReadRGBAImageOriented(tif, w, h, rgba, ORIENTATION_TOPLEFT, 0)) {
            st = m.failed ? BIO_EFORMAT
                          : bio_fail(msg, BIO_EUNSUPPORTED, "TIFF: this variant cannot be read");
            goto out;
        }
        for (size_t i = 0; i < (size_t)w * h; i++) {
            uint32_t p = rgba[i];
            img->pixels[i] = over_white(rgb_gray(TIFFGetR(p), TIFFGetG(p), TIFFGetB(p)),
                                        TIFFGetA(p));
        }
    }
    if (m.cut)
        st = BIO_ETRUNC;
out:
    if (tif)
        TIFFClose(tif);
    TIFFOpenOptionsFree(opts);
    free(rgba);
    free(line);
    return st;
}

/* ---------------------------------------------------------------- PNG (libpng) */

struct png_ctx {
    const uint8_t *buf;
    size_t len, pos;
    bio_msg *msg;
    png_structp png;
    png_infop info;
    uint8_t *rows;       /* decoded rows, row-major, rowbytes each */
    png_bytep *rowp;
    int truncated;
};

static void png_mem_read(png_structp png, png_bytep dst, size_t n)
{
    struct png_ctx *c = (struct png_ctx *)png_get_io_ptr(png);
    if (n > c->len - c->pos) {
        c->truncated = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(dst, c->buf + c->pos, n);
    c->pos += n;
}

static void png_on_error(png_structp png, png_const_charp text)
{
    struct png_ctx *c = (struct png_ctx *)png_get_error_ptr(png);
    bio_fail(c->msg, c->truncated ? BIO_ETRUNC : BIO_EFORMAT, "PNG: %s%s", text,
             c->truncated ? " (file truncated)" : "");
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp text)
{
    (void)png;
    (void)text;
}

/* The part that may longjmp; all it allocates hangs off c. */
static bio_status png_run(struct png_ctx *c, bio_image *img, bio_image_info *info)
{
    if (setjmp(png_jmpbuf(c->png)))
        return c->truncated ? BIO_ETRUNC : BIO_EFORMAT;
    png_set_read_fn(c->png, c, png_mem_read);
    png_set_user_limits(c->png, BIO_IMAGE_MAX_SIDE, BIO_IMAGE_MAX_SIDE);
    png_read_info(c->png, c->info);
    png_uint_32 w = png_get_image_width(c->png, c->info);
    png_uint_32 h = png_get_image_height(c->png, c->info);
    int depth = png_get_bit_depth(c->png, c->info);
    int ctype = png_get_color_type(c->png, c->info);
    if (info) {
        info->channels = png_get_channels(c->png, c->info);
        info->bits = depth;
    }
    png_uint_32 rx = 0, ry = 0;
    int unit = 0;
    if (png_get_pHYs(c->png, c->info, &rx, &ry, &unit) && unit == PNG_RESOLUTION_METER &&
        rx > 0) {
        img->dpi = dpi_round(rx * 0.0254);
        if (info)
            info->dpi_stated = img->dpi > 0;
        if (img->dpi <= 0)
            img->dpi = DEFAULT_DPI;
    }
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(c->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(c->png);
    if (png_get_valid(c->png, c->info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(c->png);
    if (depth == 16)
        png_set_scale_16(c->png);
    png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);
    int ch = png_get_channels(c->png, c->info);
    size_t rowbytes = png_get_rowbytes(c->png, c->info);
    if (ch < 1 || ch > 4 || rowbytes < (size_t)w * (size_t)ch) {
        bio_fail(c->msg, BIO_EUNSUPPORTED, "PNG: unexpected layout (%d channels)", ch);
        return BIO_EUNSUPPORTED;
    }
    bio_status st = img_alloc(img, w, h, c->msg);
    if (st != BIO_OK)
        return st;
    c->rows = malloc(rowbytes * h);
    c->rowp = malloc(sizeof *c->rowp * h);
    if (!c->rows || !c->rowp)
        return bio_fail(c->msg, BIO_ENOMEM, "out of memory reading PNG");
    for (png_uint_32 y = 0; y < h; y++)
        c->rowp[y] = c->rows + rowbytes * y;
    png_read_image(c->png, c->rowp);
    png_read_end(c->png, NULL); /* a file cut after the pixels still lacks IEND: truncated */
    for (png_uint_32 y = 0; y < h; y++)
        row_to_gray(c->rowp[y], ch, (int)w, img->pixels + (size_t)y * w);
    return BIO_OK;
}

static bio_status png_probe_run(struct png_ctx *c, bio_image_header *hdr);

/* Decode (hdr NULL) or only read the header into hdr (bio_image_probe). */
static bio_status png_mem(const uint8_t *buf, size_t len, bio_image *img, bio_image_info *info,
                          bio_image_header *hdr, bio_msg *msg)
{
    bio_status st;
    struct png_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return bio_fail(msg, BIO_ENOMEM, "out of memory reading PNG");
    c->buf = buf;
    c->len = len;
    c->msg = msg;
    c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_on_error, png_on_warning);
    c->info = c->png ? png_create_info_struct(c->png) : NULL;
    if (!c->info) {
        st = bio_fail(msg, BIO_ENOMEM, "out of memory reading PNG");
        goto out;
    }
    st = hdr != NULL ? png_probe_run(c, hdr) : png_run(c, img, info);
out:
    if (c->png)
        png_destroy_read_struct(&c->png, c->info ? &c->info : NULL, NULL);
    free(c->rows);
    free(c->rowp);
    free(c);
    return st;
}

static bio_status decode_png(const uint8_t *buf, size_t len, bio_image *img,
                             bio_image_info *info, bio_msg *msg)
{
    return png_mem(buf, len, img, info, NULL, msg);
}

/* ---------------------------------------------------------------- JPEG (libjpeg) */

struct jpeg_ctx {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jmp_buf jmp;
    bio_msg *msg;
    int warned_trunc;
};

static void jpeg_on_error(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    bio_fail(c->msg, BIO_EFORMAT, "JPEG: %s", text);
    longjmp(c->jmp, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->client_data;
    /* JWRN_JPEG_EOF: libjpeg pads a truncated file with gray; we refuse it instead. */
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF)
        c->warned_trunc = 1;
}

static bio_status jpeg_run(struct jpeg_ctx *c, const uint8_t *buf, size_t len, bio_image *img,
                           bio_image_info *info)
{
    if (setjmp(c->jmp))
        return BIO_EFORMAT;
    jpeg_create_decompress(&c->cinfo);
    jpeg_mem_src(&c->cinfo, buf, (unsigned long)len);
    jpeg_read_header(&c->cinfo, TRUE);
    if (info) {
        info->channels = c->cinfo.num_components;
        info->bits = c->cinfo.data_precision;
    }
    if (c->cinfo.saw_JFIF_marker && c->cinfo.X_density > 0) {
        int dpi = c->cinfo.density_unit == 1 ? c->cinfo.X_density
                  : c->cinfo.density_unit == 2 ? dpi_round(c->cinfo.X_density * 2.54) : 0;
        if (dpi > 0) {
            img->dpi = dpi;
            if (info)
                info->dpi_stated = 1;
        }
    }
    if (c->cinfo.jpeg_color_space == JCS_CMYK || c->cinfo.jpeg_color_space == JCS_YCCK) {
        bio_fail(c->msg, BIO_EUNSUPPORTED, "JPEG: CMYK images are not supported");
        return BIO_EUNSUPPORTED;
    }
    c->cinfo.out_color_space = JCS_GRAYSCALE;
    bio_status st = img_alloc(img, c->cinfo.image_width, c->cinfo.image_height, c->msg);
    if (st != BIO_OK)
        return st;
    jpeg_start_decompress(&c->cinfo);
    while (c->cinfo.output_scanline < c->cinfo.output_height) {
        JSAMPROW row = img->pixels + (size_t)c->cinfo.output_scanline * (size_t)img->width;
        jpeg_read_scanlines(&c->cinfo, &row, 1);
    }
    if (c->warned_trunc) {
        bio_fail(c->msg, BIO_ETRUNC, "JPEG: file truncated (data ends before the image does)");
        return BIO_ETRUNC;
    }
    jpeg_finish_decompress(&c->cinfo);
    return BIO_OK;
}

static bio_status jpeg_probe_run(struct jpeg_ctx *c, const uint8_t *buf, size_t len,
                                 bio_image_header *hdr);

/* Decode (hdr NULL) or only read the header into hdr (bio_image_probe). */
static bio_status jpeg_mem(const uint8_t *buf, size_t len, bio_image *img, bio_image_info *info,
                           bio_image_header *hdr, bio_msg *msg)
{
    struct jpeg_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return bio_fail(msg, BIO_ENOMEM, "out of memory reading JPEG");
    c->msg = msg;
    c->cinfo.err = jpeg_std_error(&c->jerr);
    c->jerr.error_exit = jpeg_on_error;
    c->jerr.emit_message = jpeg_on_message;
    c->cinfo.client_data = c;
    bio_status st = hdr != NULL ? jpeg_probe_run(c, buf, len, hdr)
                                : jpeg_run(c, buf, len, img, info);
    jpeg_destroy_decompress(&c->cinfo);
    free(c);
    return st;
}

static bio_status decode_jpeg(const uint8_t *buf, size_t len, bio_image *img,
                              bio_image_info *info, bio_msg *msg)
{
    return jpeg_mem(buf, len, img, info, NULL, msg);
}

/* ---------------------------------------------------------------- BMP (own parser) */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Extract a channel with a bit mask, scaled to 0..255. */
static unsigned mask_chan(uint32_t v, uint32_t mask)
{
    if (!mask)
        return 0;
    int shift = 0;
    while (!(mask >> shift & 1u))
        shift++;
    uint32_t m = mask >> shift, x = (v & mask) >> shift;
    return (unsigned)((x * 255u + m / 2) / m);
}

static bio_status decode_bmp(const uint8_t *b, size_t n, bio_image *img, bio_image_info *info,
                             bio_msg *msg)
{
    if (n < 26)
        return bio_fail(msg, BIO_ETRUNC, "BMP: %zu bytes, shorter than its headers", n);
    uint32_t off = le32(b + 10), hs = le32(b + 14);
    long w, h;
    unsigned bpp, comp = 0, used = 0;
    uint32_t xppm = 0;
    if (hs == 12) { /* OS/2 BITMAPCOREHEADER */
        w = le16(b + 18);
        h = (int16_t)le16(b + 20);
        bpp = le16(b + 24);
    } else if (hs >= 40 && hs <= 124) {
        if (n < 14 + (size_t)hs)
            return bio_fail(msg, BIO_ETRUNC, "BMP: info header cut short");
        w = (int32_t)le32(b + 18);
        h = (int32_t)le32(b + 22);
        bpp = le16(b + 28);
        comp = le32(b + 30);
        xppm = le32(b + 38);
        used = le32(b + 46);
    } else {
        return bio_fail(msg, BIO_EUNSUPPORTED, "BMP: info header of %u bytes is not supported",
                        hs);
    }
    int topdown = h < 0;
    if (topdown)
        h = -h;
    if (info) {
        info->channels = bpp >= 24 ? 3 : 1;
        info->bits = bpp >= 24 ? 8 : (int)bpp;
    }
    if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 24 && bpp != 32)
        return bio_fail(msg, BIO_EUNSUPPORTED, "BMP: %u bits per pixel is not supported", bpp);
    uint32_t masks[4] = {0x00FF0000u, 0x0000FF00u, 0x000000FFu, 0};
    if (comp == 3 && bpp == 32) { /* BI_BITFIELDS: masks follow a 40-byte header */
        if (n < 14 + 40 + 12)
            return bio_fail(msg, BIO_ETRUNC, "BMP: bit field masks cut short");
        for (int i = 0; i < 3; i++)
            masks[i] = le32(b + 54 + 4 * i);
        if (hs >= 56)
            masks[3] = le32(b + 66);
    } else if (comp != 0) {
        return bio_fail(msg, BIO_EUNSUPPORTED, "BMP: compression %u (RLE/JPEG/PNG) is not "
                        "supported", comp);
    }
    uint8_t pal[256];
    if (bpp <= 8) {
        unsigned max = 1u << bpp, cnt = used ? used : max, esz = hs == 12 ? 3 : 4;
        if (cnt > max)
            return bio_fail(msg, BIO_EFORMAT, "BMP: %u palette entries for %u-bit pixels", cnt,
                            bpp);
        size_t po = 14 + (size_t)hs;
        if (po + (size_t)cnt * esz > n)
            return bio_fail(msg, BIO_ETRUNC, "BMP: palette cut short");
        memset(pal, 0, sizeof pal);
        for (unsigned i = 0; i < cnt; i++) {
            const uint8_t *e = b + po + (size_t)i * esz; /* B, G, R */
            pal[i] = rgb_gray(e[2], e[1], e[0]);
        }
    }
    if (w <= 0 || h <= 0)
        return bio_fail(msg, BIO_EFORMAT, "BMP: image size %ldx%ld is not valid", w, h);
    if (w > BIO_IMAGE_MAX_SIDE || h > BIO_IMAGE_MAX_SIDE)
        return bio_fail(msg, BIO_EUNSUPPORTED, "BMP: image size %ldx%ld exceeds the limit", w,
                        h);
    size_t stride = ((size_t)w * bpp + 31) / 32 * 4;
    if (off > n || (size_t)h * stride > n - off)
        return bio_fail(msg, BIO_ETRUNC, "BMP: pixel data needs %zu bytes at offset %u, the "
                        "file has %zu", (size_t)h * stride, off, n);
    bio_status st = img_alloc(img, w, h, msg);
    if (st != BIO_OK)
        return st;
    if (xppm > 0) {
        img->dpi = dpi_round(xppm * 0.0254);
        if (info)
            info->dpi_stated = 1;
    }
    for (long y = 0; y < h; y++) {
        const uint8_t *row = b + off + (size_t)(topdown ? y : h - 1 - y) * stride;
        uint8_t *dst = img->pixels + (size_t)y * (size_t)w;
        for (long x = 0; x < w; x++) {
            switch (bpp) {
            case 1: dst[x] = pal[row[x >> 3] >> (7 - (x & 7)) & 1]; break;
            case 4: dst[x] = pal[(x & 1) ? row[x >> 1] & 15 : row[x >> 1] >> 4]; break;
            case 8: dst[x] = pal[row[x]]; break;
            case 24: dst[x] = rgb_gray(row[3 * x + 2], row[3 * x + 1], row[3 * x]); break;
            default: {
                uint32_t v = le32(row + 4 * x);
                uint8_t g = rgb_gray(mask_chan(v, masks[0]), mask_chan(v, masks[1]),
                                     mask_chan(v, masks[2]));
                dst[x] = masks[3] ? over_white(g, mask_chan(v, masks[3])) : g;
            }
            }
        }
    }
    return BIO_OK;
}

/* ---------------------------------------------------------------- PGM / PPM */

/* Next ASCII unsigned integer after whitespace and #-comments; -1 at end, -2 when not a digit. */
static long pnm_int(const uint8_t *b, size_t n, size_t *pos)
{
    size_t p = *pos;
    for (;;) {
        while (p < n && (b[p] == ' ' || b[p] == '\t' || b[p] == '\r' || b[p] == '\n'))
            p++;
        if (p < n && b[p] == '#') {
            while (p < n && b[p] != '\n')
                p++;
            continue;
        }
        break;
    }
    if (p >= n) {
        *pos = p;
        return -1;
    }
    if (b[p] < '0' || b[p] > '9') {
        *pos = p;
        return -2;
    }
    long v = 0;
    while (p < n && b[p] >= '0' && b[p] <= '9') {
        if (v < 100000000)
            v = v * 10 + (b[p] - '0');
        p++;
    }
    *pos = p;
    return v;
}

static bio_status decode_pnm(const uint8_t *b, size_t n, bio_image *img, bio_image_info *info,
                             bio_msg *msg)
{
    char kind = (char)b[1];
    int ch = (kind == '3' || kind == '6') ? 3 : 1;
    int ascii = kind == '2' || kind == '3';
    size_t p = 2;
    long w = pnm_int(b, n, &p), h = pnm_int(b, n, &p), maxv = pnm_int(b, n, &p);
    if (w == -1 || h == -1 || maxv == -1)
        return bio_fail(msg, BIO_ETRUNC, "PNM: header cut short");
    if (w < 0 || h < 0 || maxv < 0)
        return bio_fail(msg, BIO_EFORMAT, "PNM: header is not numeric at byte %zu", p);
    if (maxv < 1 || maxv > 65535)
        return bio_fail(msg, BIO_EFORMAT, "PNM: maximum value %ld is not 1..65535", maxv);
    if (info) {
        info->channels = ch;
        info->bits = maxv > 255 ? 16 : 8;
    }
    if (w == 0 || h == 0 || w > BIO_IMAGE_MAX_SIDE || h > BIO_IMAGE_MAX_SIDE)
        return bio_fail(msg, w == 0 || h == 0 ? BIO_EFORMAT : BIO_EUNSUPPORTED,
                        "PNM: image size %ldx%ld is not valid or exceeds the limit", w, h);
    int bytes = maxv > 255 ? 2 : 1;
    size_t count = (size_t)w * (size_t)h * (size_t)ch;
    if (!ascii) {
        if (p >= n)
            return bio_fail(msg, BIO_ETRUNC, "PNM: no pixel data");
        p++; /* exactly one whitespace byte separates the header from the samples */
        if (count * (size_t)bytes > n - p)
            return bio_fail(msg, BIO_ETRUNC, "PNM: pixel data needs %zu bytes, the file has "
                            "%zu", count * (size_t)bytes, n - p);
    } else if (count > (n - p + 1) / 2) {
        /* Each ASCII sample is a digit at least, and samples are separated: a header that
           announces more than the rest of the file can hold is refused before the image is
           allocated (27 bytes claiming 20000 x 20000 cost 400 MB before). */
        return bio_fail(msg, BIO_ETRUNC, "PNM: %zu samples need at least %zu bytes, the file "
                        "has %zu", count, 2 * count - 1, n - p);
    }
    bio_status st = img_alloc(img, w, h, msg);
    if (st != BIO_OK)
        return st;
    unsigned s[3] = {0, 0, 0};
    for (size_t i = 0, k = 0; i < count; i++) {
        long v;
        if (ascii) {
            v = pnm_int(b, n, &p);
            if (v == -1) {
                st = bio_fail(msg, BIO_ETRUNC, "PNM: %zu of %zu samples present", i, count);
                goto fail;
            }
            if (v < 0 || v > maxv) {
                st = bio_fail(msg, BIO_EFORMAT, "PNM: bad sample at byte %zu", p);
                goto fail;
            }
        } else {
            v = bytes == 2 ? (long)(b[p] << 8 | b[p + 1]) : b[p];
            p += (size_t)bytes;
            if (v > maxv)
                v = maxv;
        }
        s[i % (size_t)ch] = (unsigned)((v * 255 + maxv / 2) / maxv);
        if ((i + 1) % (size_t)ch == 0)
            img->pixels[k++] = ch == 1 ? (uint8_t)s[0] : rgb_gray(s[0], s[1], s[2]);
    }
    return BIO_OK;
fail:
    bio_image_free(img);
    return st;
}

/* ---------------------------------------------------------------- raw gray */

/* Mean absolute difference between bytes d apart, over (at most) the first `span` bytes. */
static double mad(const uint8_t *b, size_t n, size_t d)
{
    if (d >= n)
        return 1e9;
    size_t cnt = n - d, step = cnt > 200000 ? cnt / 200000 : 1;
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i += step, k++)
        sum += abs((int)b[i] - (int)b[i + d]);
    return k ? sum / (double)k : 1e9;
}

bio_status bio_image_guess_raw(const uint8_t *b, size_t n, int *width, int *height,
                               bio_msg *msg)
{
    long best_w = 0;
    double best = 1e9;
    for (long w = BIO_IMAGE_MIN_SIDE; w <= BIO_IMAGE_MAX_SIDE && (size_t)w * BIO_IMAGE_MIN_SIDE
         <= n; w++) {
        if (n % (size_t)w)
            continue;
        long h = (long)(n / (size_t)w);
        if (h < BIO_IMAGE_MIN_SIDE || h > BIO_IMAGE_MAX_SIDE || w > 3 * h || h > 3 * w)
            continue;
        double s = mad(b, n, (size_t)w); /* vertical neighbours if w is right */
        if (s < best) {
            best = s;
            best_w = w;
        }
    }
    /* A right width makes vertical neighbours alike; a distant pixel is the baseline. */
    double base = mad(b, n, n / 3 + 7);
    if (!best_w || !(best < 0.6 * base))
        return bio_fail(msg, BIO_EFORMAT, "unknown image format (and %zu bytes do not look "
                        "like raw 8-bit gray of any plausible size)", n);
    *width = (int)best_w;
    *height = (int)(n / (size_t)best_w);
    return BIO_OK;
}

/* ---------------------------------------------------------------- public */

void bio_image_get_stats(const bio_image *img, bio_image_stats *st)
{
    memset(st, 0, sizeof *st);
    size_t n = (size_t)img->width * (size_t)img->height;
    if (!img->pixels || !n)
        return;
    double sum = 0, sq = 0;
    int mn = 255, mx = 0;
    for (size_t i = 0; i < n; i++) {
        int v = img->pixels[i];
        sum += v;
        sq += (double)v * v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    st->min = mn;
    st->max = mx;
    st->mean = sum / (double)n;
    double var = sq / (double)n - st->mean * st->mean;
    st->stddev = var > 0 ? sqrt(var) : 0;
    int blocks = 0, contrast = 0;
    for (int by = 0; by + 16 <= img->height; by += 16)
        for (int bx = 0; bx + 16 <= img->width; bx += 16) {
            double s = 0, q = 0;
            for (int y = by; y < by + 16; y++)
                for (int x = bx; x < bx + 16; x++) {
                    double v = img->pixels[(size_t)y * (size_t)img->width + (size_t)x];
                    s += v;
                    q += v * v;
                }
            double m = s / 256, vb = q / 256 - m * m;
            blocks++;
            if (vb >= BIO_IMAGE_BLOCK_SD * BIO_IMAGE_BLOCK_SD)
                contrast++;
        }
    st->contrast_blocks = blocks ? (double)contrast / blocks : 0;
}

bio_status bio_image_check(const bio_image *img, bio_msg *msg)
{
    if (img->width < BIO_IMAGE_MIN_SIDE || img->height < BIO_IMAGE_MIN_SIDE)
        return bio_fail(msg, BIO_ETOOSMALL, "image %dx%d is too small: a fingerprint needs at "
                        "least %dx%d px", img->width, img->height, BIO_IMAGE_MIN_SIDE,
                        BIO_IMAGE_MIN_SIDE);
    bio_image_stats s;
    bio_image_get_stats(img, &s);
    /* Ridges at 500 dpi give 16x16 blocks a stddev of 30..80; 2% such blocks is a tiny print. */
    if (s.stddev < 4.0 || s.contrast_blocks < 0.02)
        return bio_fail(msg, BIO_EBLANK, "image is blank: no ridge structure (gray stddev %.1f, "
                        "%.1f%% of blocks with contrast)", s.stddev, 100 * s.contrast_blocks);
    return BIO_OK;
}

bio_status bio_image_from_gray(const uint8_t *px, int width, int height, int dpi,
                               bio_image *img, bio_msg *msg)
{
    memset(img, 0, sizeof *img);
    if (!px)
        return bio_fail(msg, BIO_EINVAL, "no pixels");
    bio_status st = img_alloc(img, width, height, msg);
    if (st != BIO_OK)
        return st;
    memcpy(img->pixels, px, (size_t)width * (size_t)height);
    img->dpi = dpi > 0 ? dpi : DEFAULT_DPI;
    return BIO_OK;
}

bio_status bio_image_decode_ex(const uint8_t *buf, size_t len, unsigned flags, bio_image *img,
                               bio_image_info *info, bio_msg *msg)
{
    bio_image_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!img)
        return bio_fail(msg, BIO_EINVAL, "no image to fill");
    memset(img, 0, sizeof *img);
    if (!buf || len == 0)
        return bio_fail(msg, BIO_EFORMAT, "empty input: no image data");
    img->dpi = DEFAULT_DPI;
    bio_status st;
    info->format = bio_image_detect(buf, len);
    switch (info->format) {
    case BIO_IMAGE_TIFF: st = decode_tiff(buf, len, img, info, msg); break;
    case BIO_IMAGE_PNG: st = decode_png(buf, len, img, info, msg); break;
    case BIO_IMAGE_JPEG: st = decode_jpeg(buf, len, img, info, msg); break;
    case BIO_IMAGE_BMP: st = decode_bmp(buf, len, img, info, msg); break;
    case BIO_IMAGE_PNM: st = decode_pnm(buf, len, img, info, msg); break;
    case BIO_IMAGE_WSQ:
        st = bio_wsq_decode(buf, len, img, msg);
        info->channels = 1;
        info->bits = 8;
        info->dpi_stated = st == BIO_OK; /* WSQ always records its PPI (or -1: 500) */
        break;
    default: {
        int w = 0, h = 0;
        st = bio_image_guess_raw(buf, len, &w, &h, msg);
        if (st == BIO_OK) {
            info->format = BIO_IMAGE_RAW;
            info->channels = 1;
            info->bits = 8;
            st = bio_image_from_gray(buf, w, h, DEFAULT_DPI, img, msg);
        }
    }
    }
    if (st == BIO_OK && !(flags & BIO_IMAGE_NO_CHECK))
        st = bio_image_check(img, msg);
    if (st != BIO_OK)
        bio_image_free(img);
    return st;
}

bio_status bio_image_decode(const uint8_t *buf, size_t len, bio_image *img, bio_msg *msg)
{
    return bio_image_decode_ex(buf, len, 0, img, NULL, msg);
}

bio_status bio_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, bio_msg *msg)
{
    *buf = NULL;
    *len = 0;
    bio_status st = BIO_OK;
    uint8_t *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bio_fail(msg, BIO_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        st = bio_fail(msg, BIO_EIO, "%s: not a regular file", path);
        goto out;
    }
    long sz = ftell(f);
    if (sz < 0 || (unsigned long)sz > max) {
        st = bio_fail(msg, sz < 0 ? BIO_EIO : BIO_EUNSUPPORTED, "%s: size %ld is %s", path, sz,
                      sz < 0 ? "unknown" : "over the limit");
        goto out;
    }
    rewind(f);
    data = malloc(sz ? (size_t)sz : 1);
    if (!data) {
        st = bio_fail(msg, BIO_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (fread(data, 1, (size_t)sz, f) != (size_t)sz) {
        st = bio_fail(msg, BIO_EIO, "%s: read error", path);
        goto out;
    }
    *buf = data;
    *len = (size_t)sz;
    data = NULL;
out:
    free(data);
    fclose(f);
    return st;
}

bio_status bio_image_load_ex(const char *path, unsigned flags, bio_image *img,
                             bio_image_info *info, bio_msg *msg)
{
    if (img)
        memset(img, 0, sizeof *img);
    if (info)
        memset(info, 0, sizeof *info);
    if (!path || !img)
        return bio_fail(msg, BIO_EINVAL, "no path or image");
    uint8_t *buf;
    size_t len;
    bio_status st = bio_read_file(path, BIO_IMAGE_MAX_FILE, &buf, &len, msg);
    if (st != BIO_OK)
        return st;
    st = bio_image_decode_ex(buf, len, flags, img, info, msg);
    free(buf);
    if (st != BIO_OK && msg) {
        char tmp[sizeof msg->text];
        snprintf(tmp, sizeof tmp, "%s", msg->text);
        bio_fail(msg, st, "%s: %s", path, tmp);
    }
    return st;
}

bio_status bio_image_load(const char *path, bio_image *img, bio_msg *msg)
{
    return bio_image_load_ex(path, 0, img, NULL, msg);
}

/* ---------------------------------------------------------------- writers */

static bio_status save_png(const bio_image *img, FILE *f, bio_msg *msg)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    if (!pi) {
        if (png)
            png_destroy_write_struct(&png, NULL);
        return bio_fail(msg, BIO_ENOMEM, "out of memory writing PNG");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &pi);
        return bio_fail(msg, BIO_EIO, "PNG: write failed");
    }
    png_init_io(png, f);
    png_set_IHDR(png, pi, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_uint_32 ppm = (png_uint_32)lround(img->dpi / 0.0254);
    png_set_pHYs(png, pi, ppm, ppm, PNG_RESOLUTION_METER);
    png_write_info(png, pi);
    for (int y = 0; y < img->height; y++)
        png_write_row(png, img->pixels + (size_t)y * (size_t)img->width);
    png_write_end(png, pi);
    png_destroy_write_struct(&png, &pi);
    return BIO_OK;
}

bio_status bio_image_save(const bio_image *img, const char *path, bio_msg *msg)
{
    if (!img || !img->pixels || !path)
        return bio_fail(msg, BIO_EINVAL, "no image or path");
    size_t n = strlen(path);
    int png = n > 4 && strcmp(path + n - 4, ".png") == 0;
    if (!png && !(n > 4 && strcmp(path + n - 4, ".pgm") == 0))
        return bio_fail(msg, BIO_EINVAL, "%s: extension must be .pgm or .png", path);
    FILE *f = fopen(path, "wb");
    if (!f)
        return bio_fail(msg, BIO_EIO, "%s: cannot create: %s", path, strerror(errno));
    bio_status st = BIO_OK;
    if (png) {
        st = save_png(img, f, msg);
    } else {
        size_t px = (size_t)img->width * (size_t)img->height;
        if (fprintf(f, "P5\n%d %d\n255\n", img->width, img->height) < 0 ||
            fwrite(img->pixels, 1, px, f) != px)
            st = bio_fail(msg, BIO_EIO, "%s: write failed", path);
    }
    if (fclose(f) != 0 && st == BIO_OK)
        st = bio_fail(msg, BIO_EIO, "%s: write failed", path);
    return st;
}

/* ---------------------------------------------------------------- header probe */

/* PNG: libpng reads the signature and IHDR; png_read_info stops before the pixels. */
static bio_status png_probe_run(struct png_ctx *c, bio_image_header *hdr)
{
    if (setjmp(png_jmpbuf(c->png)))
        return c->truncated ? BIO_ETRUNC : BIO_EFORMAT;
    png_set_read_fn(c->png, c, png_mem_read);
    png_set_user_limits(c->png, 0x7fffffffL, 0x7fffffffL); /* report the size, refuse later */
    png_read_info(c->png, c->info);
    hdr->width = (long)png_get_image_width(c->png, c->info);
    hdr->height = (long)png_get_image_height(c->png, c->info);
    hdr->channels = png_get_channels(c->png, c->info);
    return BIO_OK;
}

static bio_status probe_png(const uint8_t *buf, size_t len, bio_image_header *hdr, bio_msg *msg)
{
    return png_mem(buf, len, NULL, NULL, hdr, msg);
}

/* JPEG: jpeg_read_header parses the markers up to the first scan, no pixel buffer. */
static bio_status jpeg_probe_run(struct jpeg_ctx *c, const uint8_t *buf, size_t len,
                                 bio_image_header *hdr)
{
    if (setjmp(c->jmp))
        return BIO_EFORMAT;
    jpeg_create_decompress(&c->cinfo);
    jpeg_mem_src(&c->cinfo, buf, (unsigned long)len);
    jpeg_read_header(&c->cinfo, TRUE);
    hdr->width = (long)c->cinfo.image_width;
    hdr->height = (long)c->cinfo.image_height;
    hdr->channels = c->cinfo.num_components;
    return BIO_OK;
}

static bio_status probe_jpeg(const uint8_t *buf, size_t len, bio_image_header *hdr,
                             bio_msg *msg)
{
    return jpeg_mem(buf, len, NULL, NULL, hdr, msg);
}

/* TIFF: opening reads the first directory (tags), not the strips. */
static bio_status probe_tiff(const uint8_t *buf, size_t len, bio_image_header *hdr,
                             bio_msg *msg)
{
    struct tiff_mem m = {buf, len, 0, msg, 0, 0};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return bio_fail(msg, BIO_ENOMEM, "out of memory opening TIFF");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tm_error, &m);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tm_warning, &m);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)1 << 20);
    TIFF *tif = TIFFClientOpenExt("memory", "rm", (thandle_t)&m, tm_read, tm_write, tm_seek,
                                  tm_close, tm_size, tm_map, tm_unmap, opts);
    bio_status st = BIO_OK;
    if (!tif) {
        st = m.failed ? BIO_EFORMAT : bio_fail(msg, BIO_EFORMAT, "TIFF: cannot open");
    } else {
        uint32_t w = 0, h = 0;
        uint16_t spp = 1;
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
        TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
        hdr->width = (long)w;
        hdr->height = (long)h;
        hdr->channels = spp;
        TIFFClose(tif);
    }
    TIFFOpenOptionsFree(opts);
    return st;
}

/* WSQ: walk the marker segments (each FFxx + 16-bit length) to the frame header (SOF, FFA2):
   length, black, white, height, width. */
static bio_status probe_wsq(const uint8_t *b, size_t n, bio_image_header *hdr, bio_msg *msg)
{
    size_t p = 2; /* after SOI */
    while (p + 4 <= n) {
        if (b[p] != 0xFF)
            return bio_fail(msg, BIO_EFORMAT, "WSQ: no marker at byte %zu", p);
        unsigned m = (unsigned)b[p] << 8 | b[p + 1];
        size_t seg = (size_t)b[p + 2] << 8 | b[p + 3];
        if (m == 0xFFA2) {
            if (p + 2 + 8 > n || seg < 8)
                return bio_fail(msg, BIO_ETRUNC, "WSQ: frame header cut short");
            hdr->height = (long)((unsigned)b[p + 6] << 8 | b[p + 7]);
            hdr->width = (long)((unsigned)b[p + 8] << 8 | b[p + 9]);
            hdr->channels = 1;
            return BIO_OK;
        }
        if (m == 0xFFA1 || m == 0xFFA3 || seg < 2)
            break;
        p += 2 + seg;
    }
    return bio_fail(msg, BIO_ETRUNC, "WSQ: no frame header");
}

static bio_status probe_bmp(const uint8_t *b, size_t n, bio_image_header *hdr, bio_msg *msg)
{
    if (n < 26)
        return bio_fail(msg, BIO_ETRUNC, "BMP: %zu bytes, shorter than its headers", n);
    uint32_t hs = le32(b + 14);
    if (hs == 12) {
        hdr->width = le16(b + 18);
        hdr->height = labs((long)(int16_t)le16(b + 20));
        hdr->channels = le16(b + 24) >= 24 ? 3 : 1;
    } else if (hs >= 40 && n >= 30) {
        hdr->width = (long)(int32_t)le32(b + 18);
        hdr->height = labs((long)(int32_t)le32(b + 22));
        hdr->channels = le16(b + 28) >= 24 ? 3 : 1;
    } else {
        return bio_fail(msg, BIO_EFORMAT, "BMP: info header of %u bytes is not valid", hs);
    }
    return BIO_OK;
}

static bio_status probe_pnm(const uint8_t *b, size_t n, bio_image_header *hdr, bio_msg *msg)
{
    size_t p = 2;
    long w = pnm_int(b, n, &p), h = pnm_int(b, n, &p);
    if (w == -1 || h == -1)
        return bio_fail(msg, BIO_ETRUNC, "PNM: header cut short");
    if (w < 0 || h < 0)
        return bio_fail(msg, BIO_EFORMAT, "PNM: header is not numeric at byte %zu", p);
    hdr->width = w;
    hdr->height = h;
    hdr->channels = (b[1] == '3' || b[1] == '6') ? 3 : 1;
    return BIO_OK;
}

bio_status bio_image_probe(const uint8_t *buf, size_t len, bio_image_header *hdr, bio_msg *msg)
{
    memset(hdr, 0, sizeof *hdr);
    if (!buf || len == 0)
        return bio_fail(msg, BIO_EFORMAT, "empty input: no image data");
    hdr->format = bio_image_detect(buf, len);
    switch (hdr->format) {
    case BIO_IMAGE_TIFF: return probe_tiff(buf, len, hdr, msg);
    case BIO_IMAGE_PNG: return probe_png(buf, len, hdr, msg);
    case BIO_IMAGE_JPEG: return probe_jpeg(buf, len, hdr, msg);
    case BIO_IMAGE_BMP: return probe_bmp(buf, len, hdr, msg);
    case BIO_IMAGE_PNM: return probe_pnm(buf, len, hdr, msg);
    case BIO_IMAGE_WSQ: return probe_wsq(buf, len, hdr, msg);
    default: {
        int w = 0, h = 0;
        bio_status st = bio_image_guess_raw(buf, len, &w, &h, msg);
        if (st == BIO_OK) {
            hdr->format = BIO_IMAGE_RAW;
            hdr->width = w;
            hdr->height = h;
            hdr->channels = 1;
        }
        return st;
    }
    }
}
