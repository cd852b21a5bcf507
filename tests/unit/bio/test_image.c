/*
 * test_image.c - the image decoders (src/bio/image.c) through real files.
 *
 * Images are made in code (a ring pattern with ridge-like contrast) and written by the test
 * in every format (PGM, PPM, BMP, PNG, TIFF, JPEG, raw), then decoded; every prefix of a file
 * must fail cleanly. With ../shared present, the FVC TIFFs and the SourceAFIS images are
 * decoded too, and the same print in PNG, BMP, JPEG and raw must agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <jpeglib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "bio/image.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ktpel_bioimg_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

/* A fingerprint-like pattern: concentric ridges every 9 px. Owned by caller (free). */
static uint8_t *rings(int w, int h)
{
    uint8_t *px = malloc((size_t)w * (size_t)h);
    assert_non_null(px);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double r = hypot(x - w / 2.0, y - h / 2.0);
            px[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)lround(128 + 100 * sin(r * 0.7));
        }
    return px;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    uint8_t *b;
    bio_msg m;
    assert_int_equal(bio_read_file(path, 1u << 26, &b, len, &m), BIO_OK);
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A BMP of the gray pixels at 8 (inverted palette), 24 or 32 bpp. Owned by caller. */
static uint8_t *make_bmp(const uint8_t *px, int w, int h, int bpp, int topdown, uint32_t ppm,
                         size_t *len)
{
    size_t stride = ((size_t)w * (size_t)bpp + 31) / 32 * 4;
    size_t pal = bpp == 8 ? 1024 : 0, off = 54 + pal, n = off + stride * (size_t)h;
    uint8_t *b = calloc(1, n);
    assert_non_null(b);
    b[0] = 'B';
    b[1] = 'M';
    put32(b + 2, (uint32_t)n);
    put32(b + 10, (uint32_t)off);
    put32(b + 14, 40);
    put32(b + 18, (uint32_t)w);
    put32(b + 22, topdown ? (uint32_t)-h : (uint32_t)h);
    b[26] = 1;
    b[28] = (uint8_t)bpp;
    put32(b + 38, ppm);
    put32(b + 42, ppm);
    for (int i = 0; i < 256 && pal; i++) /* palette entry i is gray 255-i */
        b[54 + 4 * i] = b[55 + 4 * i] = b[56 + 4 * i] = (uint8_t)(255 - i);
    for (int y = 0; y < h; y++) {
        uint8_t *row = b + off + (size_t)(topdown ? y : h - 1 - y) * stride;
        for (int x = 0; x < w; x++) {
            uint8_t v = px[(size_t)y * (size_t)w + (size_t)x];
            if (bpp == 8)
                row[x] = (uint8_t)(255 - v);
            else
                memset(row + (size_t)x * (size_t)(bpp / 8), v, 3);
        }
    }
    *len = n;
    return b;
}

static void assert_same_pixels(const bio_image *img, const uint8_t *px, int w, int h)
{
    assert_int_equal(img->width, w);
    assert_int_equal(img->height, h);
    assert_memory_equal(img->pixels, px, (size_t)w * (size_t)h);
}

/* Every proper prefix must fail (never crash, never succeed with a partial image). */
static void assert_prefixes_fail(const uint8_t *buf, size_t len)
{
    size_t step = len > 4000 ? len / 2000 : 1;
    for (size_t k = 0; k < len; k += (k < 600 ? 1 : step)) {
        bio_image img;
        bio_msg m = {{0}};
        bio_status st = bio_image_decode(buf, k, &img, &m);
        if (st == BIO_OK)
            fail_msg("prefix of %zu/%zu bytes decoded", k, len);
        assert_null(img.pixels);
        assert_true(m.text[0] != 0);
    }
}

static void test_pgm_roundtrip(void **state)
{
    (void)state;
    uint8_t *px = rings(160, 200);
    bio_image src = {160, 200, 500, px}, img;
    bio_msg m;
    assert_int_equal(bio_image_save(&src, tpath("a.pgm"), &m), BIO_OK);
    bio_image_info info;
    assert_int_equal(bio_image_load_ex(tpath("a.pgm"), 0, &img, &info, &m), BIO_OK);
    assert_int_equal(info.format, BIO_IMAGE_PNM);
    assert_int_equal(img.dpi, 500);
    assert_int_equal(info.dpi_stated, 0);
    assert_same_pixels(&img, px, 160, 200);
    bio_image_free(&img);
    size_t len;
    uint8_t *b = read_all(tpath("a.pgm"), &len);
    assert_prefixes_fail(b, len);
    free(b);
    free(px);
}

static void test_pgm_ascii_and_ppm(void **state)
{
    (void)state;
    int w = 120, h = 110;
    uint8_t *px = rings(w, h);
    size_t cap = (size_t)w * (size_t)h * 13 + 100, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n, "P2\n# made by test_image\n%d %d\n# max\n1000\n", w, h);
    for (int i = 0; i < w * h; i++) /* maxval 1000: v*1000/255 scales back to v */
        n += (size_t)snprintf(t + n, cap - n, "%ld%c", lround(px[i] * 1000.0 / 255.0),
                              i % 17 == 16 ? '\n' : ' ');
    bio_image img;
    bio_msg m;
    assert_int_equal(bio_image_decode((const uint8_t *)t, n, &img, &m), BIO_OK);
    assert_same_pixels(&img, px, w, h);
    bio_image_free(&img);
    /* an out-of-range sample is refused with its position */
    t[n - 2] = '9';
    memcpy(t + n - 6, "99999", 5);
    assert_int_equal(bio_image_decode((const uint8_t *)t, n, &img, &m), BIO_EFORMAT);
    free(t);

    /* P6 colour: equal channels stay the same gray */
    size_t hl = (size_t)snprintf(NULL, 0, "P6 %d %d 255\n", w, h);
    uint8_t *p6 = malloc(hl + 1 + (size_t)w * (size_t)h * 3);
    assert_non_null(p6);
    snprintf((char *)p6, hl + 1, "P6 %d %d 255\n", w, h);
    for (int i = 0; i < w * h; i++)
        memset(p6 + hl + 3 * (size_t)i, px[i], 3);
    assert_int_equal(bio_image_decode(p6, hl + (size_t)w * (size_t)h * 3, &img, &m), BIO_OK);
    assert_same_pixels(&img, px, w, h);
    bio_image_free(&img);
    free(p6);
    free(px);
}

static void test_bmp_variants(void **state)
{
    (void)state;
    int w = 131, h = 117; /* odd width: rows are padded */
    uint8_t *px = rings(w, h);
    const int bpps[] = {8, 24, 32};
    for (int i = 0; i < 3; i++) {
        size_t len;
        uint8_t *b = make_bmp(px, w, h, bpps[i], i == 2, i == 1 ? 23622 : 0, &len);
        bio_image img;
        bio_image_info info;
        bio_msg m;
        assert_int_equal(bio_image_decode_ex(b, len, 0, &img, &info, &m), BIO_OK);
        assert_int_equal(info.format, BIO_IMAGE_BMP);
        assert_same_pixels(&img, px, w, h);
        assert_int_equal(img.dpi, i == 1 ? 600 : 500);
        bio_image_free(&img);
        if (i == 0)
            assert_prefixes_fail(b, len);
        free(b);
    }
    free(px);
}

static void test_png_roundtrip(void **state)
{
    (void)state;
    uint8_t *px = rings(200, 150);
    bio_image src = {200, 150, 569, px}, img;
    bio_msg m;
    assert_int_equal(bio_image_save(&src, tpath("a.png"), &m), BIO_OK);
    bio_image_info info;
    assert_int_equal(bio_image_load_ex(tpath("a.png"), 0, &img, &info, &m), BIO_OK);
    assert_int_equal(info.format, BIO_IMAGE_PNG);
    assert_int_equal(img.dpi, 569);
    assert_int_equal(info.dpi_stated, 1);
    assert_same_pixels(&img, px, 200, 150);
    bio_image_free(&img);
    size_t len;
    uint8_t *b = read_all(tpath("a.png"), &len);
    assert_prefixes_fail(b, len);
    free(b);
    free(px);
}

static void test_tiff_written_by_libtiff(void **state)
{
    (void)state;
    int w = 140, h = 130;
    uint8_t *px = rings(w, h);
    TIFF *t = TIFFOpen(tpath("a.tif"), "w");
    assert_non_null(t);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 569.0);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 569.0);
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    for (int y = 0; y < h; y++)
        assert_true(TIFFWriteScanline(t, px + (size_t)y * (size_t)w, (uint32_t)y, 0) == 1);
    TIFFClose(t);
    bio_image img;
    bio_image_info info;
    bio_msg m;
    assert_int_equal(bio_image_load_ex(tpath("a.tif"), 0, &img, &info, &m), BIO_OK);
    assert_int_equal(info.format, BIO_IMAGE_TIFF);
    assert_int_equal(img.dpi, 569);
    assert_same_pixels(&img, px, w, h);
    bio_image_free(&img);
    size_t len;
    uint8_t *b = read_all(tpath("a.tif"), &len);
    assert_prefixes_fail(b, len);
    free(b);
    free(px);
}

static void jpeg_error_exit(j_common_ptr c)
{
    (void)c;
    fail_msg("libjpeg failed while the test wrote a JPEG");
}

static void test_jpeg_written_by_libjpeg(void **state)
{
    (void)state;
    int w = 160, h = 144;
    uint8_t *px = rings(w, h);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    e.error_exit = jpeg_error_exit;
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    jpeg_mem_dest(&c, &out, &outlen);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    c.density_unit = 1;
    c.X_density = c.Y_density = 1000;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = px + (size_t)c.next_scanline * (size_t)w;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    bio_image img;
    bio_image_info info;
    bio_msg m;
    assert_int_equal(bio_image_decode_ex(out, outlen, 0, &img, &info, &m), BIO_OK);
    assert_int_equal(info.format, BIO_IMAGE_JPEG);
    assert_int_equal(img.dpi, 1000);
    double diff = 0;
    for (int i = 0; i < w * h; i++)
        diff += abs(img.pixels[i] - px[i]);
    assert_true(diff / (w * h) < 3.0); /* lossy, but close at quality 95 */
    bio_image_free(&img);
    assert_prefixes_fail(out, outlen);
    free(out);
    free(px);
}

static void test_raw_size_guess(void **state)
{
    (void)state;
    int w = 150, h = 230;
    uint8_t *px = rings(w, h);
    int gw = 0, gh = 0;
    bio_msg m;
    assert_int_equal(bio_image_guess_raw(px, (size_t)w * (size_t)h, &gw, &gh, &m), BIO_OK);
    assert_int_equal(gw, w);
    assert_int_equal(gh, h);
    bio_image img;
    bio_image_info info;
    assert_int_equal(bio_image_decode_ex(px, (size_t)w * (size_t)h, 0, &img, &info, &m), BIO_OK);
    assert_int_equal(info.format, BIO_IMAGE_RAW);
    assert_same_pixels(&img, px, w, h);
    bio_image_free(&img);
    /* text is not an image of any size */
    char text[40000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "the quick brown fox jumps over the lazy dog "[i % 44];
    assert_int_equal(bio_image_decode((const uint8_t *)text, sizeof text, &img, &m),
                     BIO_EFORMAT);
    assert_non_null(strstr(m.text, "unknown image format"));
    free(px);
}

static void test_bad_input(void **state)
{
    (void)state;
    bio_image img;
    bio_msg m;
    assert_int_equal(bio_image_decode(NULL, 0, &img, &m), BIO_EFORMAT);
    assert_int_equal(bio_image_decode((const uint8_t *)"hello", 5, &img, &m), BIO_EFORMAT);
    assert_int_equal(bio_image_load(tpath("missing.png"), &img, &m), BIO_EIO);
    assert_non_null(strstr(m.text, "missing.png"));

    /* too small: 60x60 ridges */
    uint8_t *px = rings(60, 60);
    bio_image small = {60, 60, 500, px};
    assert_int_equal(bio_image_save(&small, tpath("small.pgm"), &m), BIO_OK);
    assert_int_equal(bio_image_load(tpath("small.pgm"), &img, &m), BIO_ETOOSMALL);
    assert_null(img.pixels);
    assert_non_null(strstr(m.text, "too small"));
    assert_int_equal(bio_image_load_ex(tpath("small.pgm"), BIO_IMAGE_NO_CHECK, &img, NULL, &m),
                     BIO_OK);
    bio_image_free(&img);
    free(px);

    /* blank: flat gray with faint noise */
    uint8_t *flat = malloc(300 * 300);
    assert_non_null(flat);
    for (int i = 0; i < 300 * 300; i++)
        flat[i] = (uint8_t)(200 + (i * 7919 % 5));
    bio_image blank = {300, 300, 500, flat};
    assert_int_equal(bio_image_check(&blank, &m), BIO_EBLANK);
    assert_non_null(strstr(m.text, "blank"));
    free(flat);

    /* a BMP whose header claims more rows than the file has */
    uint8_t *p2 = rings(120, 120);
    size_t len;
    uint8_t *b = make_bmp(p2, 120, 120, 24, 0, 0, &len);
    put32(b + 22, 500);
    assert_int_equal(bio_image_decode(b, len, &img, &m), BIO_ETRUNC);
    free(b);
    free(p2);
}

/* The PNG chunk CRC (ISO 3309, as in the PNG specification's sample code). */
static uint32_t png_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A header that announces a huge image is refused before the image is allocated (issue 9
   item 7; found by fuzz_image: 27 bytes of ASCII PGM claiming 20000 x 20000 cost 400 MB,
   a PNG or TIFF header 2 GB, before the missing data was noticed). */
static void test_size_limits(void **state)
{
    (void)state;
    bio_image img;
    bio_msg m;
    /* ASCII PGM: 8000 x 8000 is under the pixel limit, but four samples are not 64 million */
    static const char p2[] = "P2\n8000 8000\n255\n0 0 0 0\n";
    assert_int_equal(bio_image_decode((const uint8_t *)p2, sizeof p2 - 1, &img, &m), BIO_ETRUNC);
    assert_non_null(strstr(m.text, "need at least"));
    assert_null(img.pixels);
    /* ... and at 20000 x 20000 (the side limit) it is the same refusal */
    static const char big[] = "P2 20000 20000 255 0 0 0";
    assert_int_equal(bio_image_decode((const uint8_t *)big, sizeof big - 1, &img, &m), BIO_ETRUNC);
    /* a real ASCII PGM still decodes (the bound is exact: one digit and one space a sample) */
    char small[2 * 100 * 100 + 32];
    int k = snprintf(small, sizeof small, "P2 100 100 1\n");
    for (int i = 0; i < 100 * 100; i++) {
        small[k++] = (char)('0' + (i / 7 + i % 100 / 5) % 2);
        small[k++] = i + 1 < 100 * 100 ? ' ' : '\0';
    }
    assert_int_equal(bio_image_decode_ex((const uint8_t *)small, (size_t)k - 1, BIO_IMAGE_NO_CHECK,
                                         &img, NULL, &m),
                     BIO_OK);
    assert_int_equal(img.width, 100);
    bio_image_free(&img);

    /* PNG: a real 150 x 150 file whose IHDR says 9000 x 9000 (81 million pixels, under the
       side limit): refused from the header, not after allocating rows for it */
    uint8_t *px = rings(150, 150);
    bio_image src = {150, 150, 500, px};
    assert_int_equal(bio_image_save(&src, tpath("big.png"), &m), BIO_OK);
    size_t len;
    uint8_t *b = read_all(tpath("big.png"), &len);
    assert_memory_equal(b + 12, "IHDR", 4);
    put32be(b + 16, 9000);
    put32be(b + 20, 9000);
    put32be(b + 29, png_crc(b + 12, 17));
    assert_int_equal(bio_image_decode(b, len, &img, &m), BIO_EUNSUPPORTED);
    assert_non_null(strstr(m.text, "8192x8192"));
    assert_null(img.pixels);
    /* the header probe still reports what the file claims (the service refuses it by slot) */
    bio_image_header hdr;
    assert_int_equal(bio_image_probe(b, len, &hdr, &m), BIO_OK);
    assert_int_equal(hdr.width, 9000);
    /* 8192 x 8192 is allowed by the limit: the decoder goes on and finds the data missing */
    put32be(b + 16, 8192);
    put32be(b + 20, 8192);
    put32be(b + 29, png_crc(b + 12, 17));
    bio_status st = bio_image_decode(b, len, &img, &m);
    assert_true(st == BIO_EFORMAT || st == BIO_ETRUNC);
    free(b);

    /* BMP (uncompressed) checks its pixel data against the file before allocating, as before */
    b = make_bmp(px, 150, 150, 24, 0, 0, &len);
    put32(b + 18, 9000);
    put32(b + 22, 9000);
    assert_int_equal(bio_image_decode(b, len, &img, &m), BIO_ETRUNC);
    free(b);
    free(px);
}

/* ------------------------------------------------------------ shared data */

static const char *shared(void)
{
    const char *s = getenv("KTPEL_SHARED");
    static char p[512];
    if (!s)
        return NULL;
    snprintf(p, sizeof p, "%s/data/fingerprints", s);
    return access(p, R_OK) == 0 ? p : NULL;
}

static void load_shared(const char *rel, bio_image *img, bio_image_info *info)
{
    char p[768];
    bio_msg m = {{0}};
    snprintf(p, sizeof p, "%s/%s", shared(), rel);
    bio_status st = bio_image_load_ex(p, 0, img, info, &m);
    if (st != BIO_OK)
        fail_msg("%s: %s", rel, m.text);
}

static void test_shared_images(void **state)
{
    (void)state;
    if (!shared()) {
        printf("SKIP: ../shared not found\n");
        return;
    }
    static const struct {
        const char *file;
        int w, h;
        bio_image_format f;
    } cases[] = {
        {"fvc2002/DB1_B/101_1.tif", 388, 374, BIO_IMAGE_TIFF},
        {"fvc2002/DB2_B/101_1.tif", 296, 560, BIO_IMAGE_TIFF},
        {"fvc2002/DB3_B/101_1.tif", 300, 300, BIO_IMAGE_TIFF},
        {"fvc2002/DB4_B/101_1.tif", 288, 384, BIO_IMAGE_TIFF},
        {"sourceafis-testres/probe.png", 388, 374, BIO_IMAGE_PNG},
        {"sourceafis-testres/probe.bmp", 388, 374, BIO_IMAGE_BMP},
        {"sourceafis-testres/probe.jpeg", 388, 374, BIO_IMAGE_JPEG},
        {"sourceafis-testres/matching.png", 388, 374, BIO_IMAGE_PNG},
        {"sourceafis-testres/gray-probe.dat", 332, 533, BIO_IMAGE_RAW},
        {"sourceafis-testres/gray-matching.dat", 320, 407, BIO_IMAGE_RAW},
        {"sourceafis-testres/gray-nonmatching.dat", 333, 435, BIO_IMAGE_RAW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bio_image img;
        bio_image_info info;
        load_shared(cases[i].file, &img, &info);
        assert_int_equal(img.width, cases[i].w);
        assert_int_equal(img.height, cases[i].h);
        assert_int_equal(info.format, cases[i].f);
        bio_image_free(&img);
    }
    /* The same print as RGBA PNG, 24-bit BMP and JPEG: lossless ones agree exactly. */
    bio_image png, bmp, jpg;
    load_shared("sourceafis-testres/probe.png", &png, NULL);
    load_shared("sourceafis-testres/probe.bmp", &bmp, NULL);
    load_shared("sourceafis-testres/probe.jpeg", &jpg, NULL);
    size_t n = (size_t)png.width * (size_t)png.height;
    double dj = 0;
    int db = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs(png.pixels[i] - bmp.pixels[i]);
        db = d > db ? d : db;
        dj += abs(png.pixels[i] - jpg.pixels[i]);
    }
    printf("probe png vs bmp: max diff %d; png vs jpeg: mean diff %.2f\n", db, dj / (double)n);
    assert_true(db <= 1);
    assert_true(dj / (double)n < 4.0);
    bio_image_free(&png);
    bio_image_free(&bmp);
    bio_image_free(&jpg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pgm_roundtrip),
        cmocka_unit_test(test_pgm_ascii_and_ppm),
        cmocka_unit_test(test_bmp_variants),
        cmocka_unit_test(test_png_roundtrip),
        cmocka_unit_test(test_tiff_written_by_libtiff),
        cmocka_unit_test(test_jpeg_written_by_libjpeg),
        cmocka_unit_test(test_raw_size_guess),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_shared_images),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
