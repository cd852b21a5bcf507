/*
 * make_seeds.c - the seed inputs the project makes itself, so every harness starts from
 * valid inputs without ../shared (which adds real scans and records, see the *.shared lists
 * beside the harnesses). Written into OUT/<harness>/ at build time:
 *   image     one synthetic fingerprint (src/bio synth) as PNG, PGM (P5 and P2), PPM, BMP
 *             (1/4/8/24/32-bit), TIFF (gray, RGB LZW), JPEG and raw gray
 *   wsq       hand-made marker streams (the project has no WSQ encoder)
 *   template  the print's minutiae and ridge map as ISO 19794-2, and an ANSI 378 record
 *   token     a token, a signed payload and key files of fuzz_token's office key
 *   api       biometric and scan uploads of the print, a portrait for the face
 *   upload    portraits (red and blue backdrops, PNG and JPEG) for the face, the print in
 *             every format a slot takes, its ISO template for a finger
 *   backup    a real backup file, and backup_fixture.h's office as an archive, in chunks,
 *             its MANIFEST (whole and as its lines) and as entries (fuzz_backup's modes)
 *   seal      a real key file, alone and with a rotation's .new
 *   link      a packet link_packet_make made (under keys of its own: fuzz_link's are made per
 *             run), the fields of a packet the harness signs (envelope, manifest listing its
 *             parts with their hashes, entries), make's header and parts, a signed request,
 *             key files and a base64 key
 *   wav       announcement clips: 16-bit PCM mono and stereo, with and without extra chunks
 * Usage: make_seeds OUT
 */
#include "backup_fixture.h"

#include <jpeglib.h>
#include <math.h>
#include <sys/stat.h>
#include <tiffio.h>

#include "bio/extract.h"
#include "bio/image.h"
#include "bio/synth.h"
#include "bio/template.h"
#include "doc/token.h"
#include "link/link.h"
#include "../images.h"

#define SIDE 160

static char out_root[256];

static void path_of(char *p, size_t cap, const char *harness, const char *name)
{
    snprintf(p, cap, "%s/%s", out_root, harness);
    mkdir(p, 0755);
    snprintf(p, cap, "%s/%s/%s", out_root, harness, name);
}

static void seed(const char *harness, const char *name, const void *data, size_t n)
{
    char p[512];
    path_of(p, sizeof p, harness, name);
    fz_write_file(p, data, n);
}

/* A seed made of a text prefix and bytes. */
static void seed2(const char *harness, const char *name, const char *prefix, const void *data,
                  size_t n)
{
    size_t pl = strlen(prefix);
    uint8_t *b = malloc(pl + n);
    if (b == NULL)
        abort();
    memcpy(b, prefix, pl);
    memcpy(b + pl, data, n);
    seed(harness, name, b, pl + n);
    free(b);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    uint8_t *b = NULL;
    bio_msg m;
    if (bio_read_file(path, 64u << 20, &b, n, &m) != BIO_OK) {
        fprintf(stderr, "make_seeds: %s\n", m.text);
        exit(1);
    }
    return b;
}

static void le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xFFFF);
    le16(p + 2, v >> 16);
}

/* BMP of the gray image at bpp 1, 4, 8 (gray palette), 24 or 32 (bit fields). */
static void bmp(const bio_image *g, unsigned bpp, const char *name)
{
    unsigned ncol = bpp <= 8 ? 1u << bpp : 0, hs = bpp == 32 ? 56 : 40;
    size_t stride = ((size_t)g->width * bpp + 31) / 32 * 4;
    size_t off = 14 + hs + 4 * (size_t)ncol, n = off + stride * (size_t)g->height;
    uint8_t *b = calloc(1, n);
    if (b == NULL)
        abort();
    b[0] = 'B';
    b[1] = 'M';
    le32(b + 2, (uint32_t)n);
    le32(b + 10, (uint32_t)off);
    le32(b + 14, hs);
    le32(b + 18, (uint32_t)g->width);
    le32(b + 22, (uint32_t)g->height); /* bottom-up */
    le16(b + 26, 1);
    le16(b + 28, bpp);
    le32(b + 30, bpp == 32 ? 3 : 0);
    le32(b + 38, 19685); /* 500 dpi in pixels per metre */
    le32(b + 42, 19685);
    if (bpp == 32) {
        le32(b + 54, 0x00FF0000u);
        le32(b + 58, 0x0000FF00u);
        le32(b + 62, 0x000000FFu);
        le32(b + 66, 0xFF000000u);
    }
    for (unsigned i = 0; i < ncol; i++) {
        uint8_t v = (uint8_t)(i * 255 / (ncol - 1));
        b[14 + hs + 4 * i] = b[15 + hs + 4 * i] = b[16 + hs + 4 * i] = v;
    }
    for (int y = 0; y < g->height; y++) {
        uint8_t *row = b + off + (size_t)(g->height - 1 - y) * stride;
        const uint8_t *src = g->pixels + (size_t)y * (size_t)g->width;
        for (int x = 0; x < g->width; x++) {
            unsigned v = src[x];
            switch (bpp) {
            case 1: row[x / 8] |= (uint8_t)((v >= 128) << (7 - x % 8)); break;
            case 4: row[x / 2] |= (uint8_t)((v >> 4) << (x % 2 ? 0 : 4)); break;
            case 8: row[x] = (uint8_t)v; break;
            case 24: row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = (uint8_t)v; break;
            default:
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = (uint8_t)v;
                row[4 * x + 3] = 255;
            }
        }
    }
    seed("image", name, b, n);
    free(b);
}

/* ASCII P2 (gray) or P3 (colour) of the top-left corner, kept small. */
static void pnm_ascii(const bio_image *g, int colour, const char *name)
{
    int w = 120, h = 110;
    size_t cap = 64 + (size_t)w * h * 12;
    char *t = malloc(cap);
    if (t == NULL)
        abort();
    size_t n = (size_t)snprintf(t, cap, "P%c\n# ktpel fuzz seed\n%d %d\n255\n",
                                colour ? '3' : '2', w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned v = g->pixels[(size_t)y * (size_t)g->width + (size_t)x];
            n += (size_t)(colour ? snprintf(t + n, cap - n, "%u %u %u\n", v, v, v)
                                 : snprintf(t + n, cap - n, "%u\n", v));
        }
    seed("image", name, t, n);
    free(t);
}

static void ppm(const bio_image *g)
{
    size_t px = (size_t)g->width * (size_t)g->height;
    char head[64];
    int hl = snprintf(head, sizeof head, "P6\n%d %d\n255\n", g->width, g->height);
    uint8_t *b = malloc((size_t)hl + 3 * px);
    if (b == NULL)
        abort();
    memcpy(b, head, (size_t)hl);
    for (size_t i = 0; i < px; i++)
        b[hl + 3 * i] = b[hl + 3 * i + 1] = b[hl + 3 * i + 2] = g->pixels[i];
    seed("image", "print.ppm", b, (size_t)hl + 3 * px);
    free(b);
}

static void tiff(const bio_image *g, int rgb, const char *name)
{
    char p[512];
    path_of(p, sizeof p, "image", name);
    TIFF *t = TIFFOpen(p, "w");
    if (t == NULL)
        abort();
    int spp = rgb ? 3 : 1;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)g->width);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)g->height);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, rgb ? COMPRESSION_LZW : COMPRESSION_NONE);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 500.0);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 500.0);
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 32);
    uint8_t *row = malloc((size_t)g->width * (size_t)spp);
    if (row == NULL)
        abort();
    for (int y = 0; y < g->height; y++) {
        for (int x = 0; x < g->width; x++)
            for (int c = 0; c < spp; c++)
                row[x * spp + c] = g->pixels[(size_t)y * (size_t)g->width + (size_t)x];
        if (TIFFWriteScanline(t, row, (uint32_t)y, 0) < 0)
            abort();
    }
    free(row);
    TIFFClose(t);
}

/* A baseline JPEG of w x h pixels with comps (1 gray, 3 RGB) samples each, at path. */
static void jpeg_file(const char *p, const uint8_t *px, int w, int h, int comps)
{
    FILE *f = fopen(p, "wb");
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    if (f == NULL)
        abort();
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = comps == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    c.density_unit = 1;
    c.X_density = c.Y_density = 500;
    jpeg_set_quality(&c, 80, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(uintptr_t)(px + (size_t)c.next_scanline * (size_t)w *
                                                      (size_t)comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

static void jpeg(const bio_image *g)
{
    char p[512];
    path_of(p, sizeof p, "image", "print.jpg");
    jpeg_file(p, g->pixels, g->width, g->height, 1);
}

static void wsq_seeds(void)
{
    /* The streams of tests/unit/bio/test_wsq.c: enough structure for the fuzzer's markers. */
    static const uint8_t soi_eoi[] = {0xFF, 0xA0, 0xFF, 0xA1};
    static const uint8_t frame[] = {0xFF, 0xA0, 0xFF, 0xA2, 0x00, 0x11, 0, 255, 0x01, 0x00,
                                    0x01, 0x00, 0, 0, 128, 0, 0, 1, 2, 0, 0, 0xFF, 0xA1};
    static const uint8_t com[] = {0xFF, 0xA0, 0xFF, 0xA8, 0x00, 0x0C, 'N', 'I', 'S', 'T',
                                  '_', 'C', 'O', 'M', '\n', '1', 0xFF, 0xA1};
    seed("wsq", "soi-eoi.wsq", soi_eoi, sizeof soi_eoi);
    seed("wsq", "frame.wsq", frame, sizeof frame);
    seed("wsq", "comment.wsq", com, sizeof com);
}

static void template_seeds(const bio_image *g)
{
    bio_template t;
    bio_msg m;
    uint8_t *rec = NULL;
    size_t n = 0;
    if (bio_extract(g, &t, &m) != BIO_OK) {
        fprintf(stderr, "make_seeds: extract: %s\n", m.text);
        exit(1);
    }
    t.finger_position = 2;
    if (bio_template_encode_iso(&t, 1, &rec, &n, &m) != BIO_OK)
        abort();
    seed("template", "print.iso", rec, n);
    free(rec);
    t.ridge.cols = 0; /* a record without ktpel's block, as another vendor's */
    bio_template two[2] = {t, t};
    two[1].finger_position = 7;
    two[1].count = t.count > 12 ? 12 : t.count;
    if (bio_template_encode_iso(two, 2, &rec, &n, &m) != BIO_OK)
        abort();
    seed("template", "two-views.iso", rec, n);
    free(rec);
    /* ANSI INCITS 378-2004: 26-byte header, one view of three minutiae, no extended data. */
    uint8_t a[26 + 4 + 3 * 6 + 2] = {'F', 'M', 'R', 0, ' ', '2', '0', 0};
    a[8] = 0;
    a[9] = sizeof a;
    a[10] = 0x00; a[11] = 0x1B; a[12] = 0x00; a[13] = 0x01; /* CBEFF product id */
    a[15] = 0x00;                                          /* equipment */
    a[16] = 0x01; a[17] = 0x2C; a[18] = 0x01; a[19] = 0x90; /* 300 x 400 */
    a[20] = 0x00; a[21] = 0xC5; a[22] = 0x00; a[23] = 0xC5; /* 197 px/cm */
    a[24] = 1;
    uint8_t *v = a + 26;
    v[0] = 2; v[1] = 0; v[2] = 60; v[3] = 3;
    for (int i = 0; i < 3; i++) {
        uint8_t *mm = v + 4 + 6 * i;
        mm[0] = (uint8_t)(0x40 | (i == 1 ? 0x80 : 0)); mm[1] = (uint8_t)(40 + 30 * i);
        mm[2] = 0; mm[3] = (uint8_t)(90 + 20 * i);
        mm[4] = (uint8_t)(30 * i); mm[5] = 60;
    }
    seed("template", "three.ansi", a, sizeof a);
}

static void token_seeds(void)
{
    char dir[300], sec[400], tok[TOK_MAX_CHARS];
    tok_keys k;
    kt_error err;
    snprintf(dir, sizeof dir, "%s/.key", out_root);
    mkdir(dir, 0700);
    snprintf(sec, sizeof sec, "%s/receipt.key", dir);
    fz_write_file(sec, FZ_OFFICE_SEED_HEX, sizeof FZ_OFFICE_SEED_HEX - 1);
    chmod(sec, 0600);
    if (tok_load_secret(sec, &k, &err) != KT_OK ||
        tok_issue(&k, "TT-367110-20260302-0001", "3671104508900001",
                  INT64_C(1772416800000) - 60000, INT64_C(1772416800000) + 86400000LL * 30, tok,
                  sizeof tok, &err) != KT_OK) {
        fprintf(stderr, "make_seeds: token: %s\n", err.message);
        exit(1);
    }
    remove(sec);
    rmdir(dir);
    seed2("token", "verify-valid", "0", tok, strlen(tok));
    /* mode 1: a payload the harness signs: version 1, times, NIK hash, receipt number */
    uint8_t pl[1 + 4 + 4 + 16 + 1 + 8] = {1, 0x69, 0xA4, 0xE0, 0x00, 0x6A, 0x00, 0x00, 0x00};
    memset(pl + 9, 0x5A, 16);
    pl[25] = 8;
    memcpy(pl + 26, "TT-00001", 8);
    seed2("token", "signed-payload", "1", pl, sizeof pl);
    static const char hex[] = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c\n";
    seed2("token", "key-file", "3", hex, sizeof hex - 1);
    tok_keys_wipe(&k);
}

/* fuzz_upload: the slot selector byte (upload.c's slots: value mod 4 the slot, (value / 4)
   mod 4 the birth year, & 16 confirmed), then the file. */
enum { UP_FACE = 0, UP_SIGNATURE = 1, UP_IRIS = 2, UP_FINGER = 3, UP_1991 = 4, UP_1990 = 8,
       UP_CONFIRMED = 16 };

static void upload_seed(unsigned sel, const char *name, const void *data, size_t n)
{
    uint8_t *b = malloc(n + 1);
    if (b == NULL)
        abort();
    b[0] = (uint8_t)sel;
    memcpy(b + 1, data, n);
    seed("upload", name, b, n + 1);
    free(b);
}

/* Portraits for the face (a red and a blue backdrop, PNG and JPEG), and the print's files for
   the other slots. */
static void upload_seeds(void)
{
    size_t n = 0;
    uint8_t *red = t_png_portrait(200, 250, 200, 30, 40, &n);
    if (red == NULL)
        abort();
    upload_seed(UP_FACE | UP_1991, "face-red-1991.png", red, n);
    upload_seed(UP_FACE | UP_1990, "face-red-1990.png", red, n);
    upload_seed(UP_FACE | UP_1990 | UP_CONFIRMED, "face-red-1990-confirmed.png", red, n);
    free(red);
    uint8_t *blue = t_png_portrait(240, 300, 30, 60, 200, &n);
    if (blue == NULL)
        abort();
    upload_seed(UP_FACE | UP_1990, "face-blue-1990.png", blue, n);
    free(blue);
    /* the same portrait as a colour JPEG */
    uint8_t *px = malloc(200 * 250 * 3);
    if (px == NULL)
        abort();
    for (int y = 0; y < 250; y++)
        for (int x = 0; x < 200; x++) {
            double dx = (x - 100) / 56.0, dy = (y - 115) / 75.0;
            uint8_t *q = px + ((size_t)y * 200 + (size_t)x) * 3;
            int face = dx * dx + dy * dy < 1.0;
            q[0] = face ? 224 : 30;
            q[1] = face ? 176 : 60;
            q[2] = face ? 144 : 200;
        }
    char p[512];
    path_of(p, sizeof p, "upload", ".face.jpg");
    jpeg_file(p, px, 200, 250, 3);
    free(px);
    uint8_t *j = slurp(p, &n);
    remove(p);
    upload_seed(UP_FACE | UP_1990, "face-blue-1990.jpg", j, n);
    free(j);
    /* signature, iris and finger: the print in the formats each slot takes */
    static const struct { unsigned slot; const char *file; } pick[] = {
        {UP_SIGNATURE, "print.png"}, {UP_SIGNATURE, "print.jpg"}, {UP_IRIS, "print.png"},
        {UP_IRIS, "print-8bit.bmp"}, {UP_IRIS, "print.pgm"}, {UP_IRIS, "print-gray.tif"},
        {UP_FINGER, "print.png"}, {UP_FINGER, "print-24bit.bmp"}, {UP_FINGER, "corner-ascii.pgm"},
        {UP_FINGER, "print-rgb-lzw.tif"}, {UP_FINGER, "print.jpg"}, {UP_FINGER, "print.raw"},
    };
    for (size_t i = 0; i < sizeof pick / sizeof pick[0]; i++) {
        char name[64];
        path_of(p, sizeof p, "image", pick[i].file);
        uint8_t *b = slurp(p, &n);
        snprintf(name, sizeof name, "%s-%s", pick[i].slot == UP_SIGNATURE ? "signature"
                                             : pick[i].slot == UP_IRIS    ? "iris"
                                                                          : "finger",
                 pick[i].file);
        upload_seed(pick[i].slot, name, b, n);
        free(b);
    }
    path_of(p, sizeof p, "template", "print.iso");
    uint8_t *iso = slurp(p, &n);
    upload_seed(UP_FINGER, "finger-print.iso", iso, n);
    free(iso);
}

static void api_seeds(const uint8_t *png, size_t n)
{
    size_t fn = 0;
    uint8_t *face = t_png_portrait(200, 250, 200, 30, 40, &fn); /* BUDI, born 1995: red */
    if (face == NULL)
        abort();
    seed2("api", "put-finger-png", "operator PUT /api/applications/1/bio/finger_1\n"
                                     "Content-Type: image/png\n", png, n);
    seed2("api", "put-face-png", "operator PUT /api/applications/2/bio/face\n"
                                   "Content-Type: image/png\n", face, fn);
    free(face);
    seed2("api", "verify-finger-png", "handover POST /api/applications/1/verify-finger\n"
                                        "Content-Type: image/png\n", png, n);
    seed2("api", "scan-png", "handover POST /api/scan/receipt\nContent-Type: image/png\n", png,
          n);
}

/* fuzz_link's modes: '0' a packet file, '1' NUL-separated envelope, manifest and entries,
   '2' 3 bytes of change then header and parts, '3' request lines, '4' a key. */
static void link_seeds(void)
{
    static const char bio[] = "{\"nik\":\"3671104508900001\",\"name\":\"SITI AMINAH\"}";
    /* no NUL in it: fuzz_link's fields are NUL-separated */
    static const uint8_t face[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 'I', 'H', 'D', 'R'};
    link_sign_key node;
    link_box_key central;
    crypto_sign_keypair(node.pk, node.sk);
    crypto_box_keypair(central.pk, central.sk);
    link_envelope env;
    memset(&env, 0, sizeof env);
    snprintf(env.node_id, sizeof env.node_id, "367110-01");
    snprintf(env.kecamatan_code, sizeof env.kecamatan_code, "367110");
    snprintf(env.kind, sizeof env.kind, "rekam");
    snprintf(env.packet_id, sizeof env.packet_id, "367110-01-00000003");
    env.key_id = 1;
    env.seq = 3;
    env.created_at = FZ_NOW_MS;
    link_part parts[2];
    memset(parts, 0, sizeof parts);
    snprintf(parts[0].name, sizeof parts[0].name, "biodata.json");
    snprintf(parts[0].content_type, sizeof parts[0].content_type, "application/json");
    parts[0].data = (const uint8_t *)bio;
    parts[0].len = sizeof bio - 1;
    snprintf(parts[1].name, sizeof parts[1].name, "face");
    snprintf(parts[1].content_type, sizeof parts[1].content_type, "image/png");
    parts[1].data = face;
    parts[1].len = sizeof face;
    json_t *hdr = json_pack("{s:i,s:s}", "application", 1, "nik", "3671104508900001");
    uint8_t *pk = NULL;
    size_t len = 0;
    kt_error err;
    if (link_packet_make(&env, hdr, parts, 2, &node, central.pk, &pk, &len, &err) != KT_OK) {
        fprintf(stderr, "make_seeds: link_packet_make: %s\n", err.message);
        exit(1);
    }
    t_bytes b = {0};
    t_puts(&b, "0");
    t_put(&b, pk, len);
    seed("link", "packet", b.p, b.n);
    free(pk);
    b.n = 0;
    /* mode 1: the envelope (the harness adds the hashes), the manifest as make writes it */
    json_t *man = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:s,s:I,s:[]}", "application", 1,
                            "nik", "3671104508900001", "format", LINK_PACKET_FORMAT, "packet_id",
                            env.packet_id, "node_id", env.node_id, "kecamatan_code",
                            env.kecamatan_code, "key_id", 1, "seq", (json_int_t)3, "kind",
                            "rekam", "created_at", (json_int_t)FZ_NOW_MS, "parts");
    for (size_t i = 0; i < 2; i++) {
        char h[65];
        link_sha256_hex(parts[i].data, parts[i].len, h);
        json_array_append_new(json_object_get(man, "parts"),
                              json_pack("{s:s,s:s,s:I,s:s}", "name", parts[i].name,
                                        "content_type", parts[i].content_type, "size",
                                        (json_int_t)parts[i].len, "sha256", h));
    }
    json_t *ej = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:s,s:I}", "format", LINK_PACKET_FORMAT,
                           "packet_id", env.packet_id, "node_id", env.node_id, "kecamatan_code",
                           env.kecamatan_code, "key_id", 1, "seq", (json_int_t)3, "kind",
                           "rekam", "created_at", (json_int_t)FZ_NOW_MS);
    char *et = json_dumps(ej, JSON_COMPACT | JSON_SORT_KEYS),
         *mt = json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS);
    t_puts(&b, "1");
    t_put(&b, et, strlen(et) + 1);
    t_put(&b, mt, strlen(mt) + 1);
    t_puts(&b, "parts/biodata.json\n");
    t_put(&b, bio, sizeof bio);
    t_puts(&b, "parts/face\n");
    t_put(&b, face, sizeof face);
    seed("link", "signed", b.p, b.n);
    b.n = 0;
    /* mode 2: header, parts */
    t_puts(&b, "2");
    t_put(&b, "\x01\x20\x03", 3);
    t_puts(&b, "{\"application\":1}");
    t_put(&b, "", 1);
    t_puts(&b, "biodata.json\n");
    t_put(&b, bio, sizeof bio);
    t_puts(&b, "face\n");
    t_put(&b, face, sizeof face);
    seed("link", "make", b.p, b.n);
    b.n = 0;
    /* mode 3: a feed request */
    t_puts(&b, "3GET\n/api/link/v1/status?after=0&limit=100\n1772416800000\n");
    char sig[100];
    uint8_t raw[crypto_sign_BYTES] = {1};
    link_b64(raw, sizeof raw, sig, sizeof sig);
    t_puts(&b, sig);
    t_puts(&b, "\n");
    seed("link", "request", b.p, b.n);
    b.n = 0;
    /* mode 4: key files and a key in base64 */
    char p[512], line[200];
    path_of(p, sizeof p, "link", ".node.key");
    if (link_sign_key_new(p, &node, &err) != KT_OK)
        exit(1);
    size_t n = 0;
    uint8_t *k = slurp(p, &n);
    remove(p);
    t_puts(&b, "4");
    t_put(&b, k, n);
    seed("link", "sign-key", b.p, b.n);
    free(k);
    b.n = 0;
    snprintf(line, sizeof line, "4ktpel-x25519 ");
    sodium_bin2hex(line + strlen(line), sizeof line - strlen(line), central.sk, 32);
    strcat(line, "\n");
    seed("link", "box-key", line, strlen(line));
    snprintf(line, sizeof line, "4");
    link_b64(central.pk, 32, line + 1, sizeof line - 1);
    seed("link", "b64-key", line, strlen(line));
    t_free(&b);
    free(et);
    free(mt);
    json_decref(ej);
    json_decref(man);
    json_decref(hdr);
}

/* A WAV clip: 16-bit PCM, a short tone, at rate and channels; extra: a LIST chunk first. */
static void wav_seed(const char *name, uint8_t clip, uint32_t rate, unsigned ch, int extra)
{
    size_t frames = rate / 10, data = frames * ch * 2, listn = extra ? 8 + 12 : 0;
    size_t n = 1 + 12 + 24 + listn + 8 + data;
    uint8_t *b = calloc(1, n), *p = b + 1;
    if (b == NULL)
        abort();
    b[0] = clip;
    memcpy(p, "RIFF", 4);
    le32(p + 4, (uint32_t)(n - 1 - 8));
    memcpy(p + 8, "WAVEfmt ", 8);
    le32(p + 16, 16);
    le16(p + 20, 1);
    le16(p + 22, ch);
    le32(p + 24, rate);
    le32(p + 28, rate * ch * 2);
    le16(p + 32, ch * 2);
    le16(p + 34, 16);
    p += 36;
    if (extra) {
        memcpy(p, "LIST", 4);
        le32(p + 4, 12);
        memcpy(p + 8, "INFOISFT", 8);
        le32(p + 16, 0);
        p += 20;
    }
    memcpy(p, "data", 4);
    le32(p + 4, (uint32_t)data);
    p += 8;
    for (size_t i = 0; i < frames * ch; i++)
        le16(p + 2 * i, (unsigned)(uint16_t)(int16_t)(8000.0 * sin((double)(i / ch) * 0.3)));
    seed("wav", name, b, n);
    free(b);
}

/* A record of fuzz_backup's mode 2: [flags][length, 2 bytes][bytes]. */
static void chunk_record(t_bytes *b, unsigned flags, const uint8_t *d, size_t n)
{
    uint8_t h[3] = {(uint8_t)flags, (uint8_t)(n >> 8), (uint8_t)n};
    t_put(b, h, 3);
    t_put(b, d, n);
}

static void backup_seeds(void)
{
    char root[300], p[400];
    fz_office o;
    seal_ring *ring = NULL;
    kt_error err;
    t_bytes tar = {0}, man = {0}, b = {0};
    snprintf(root, sizeof root, "%s/.backup", out_root);
    snprintf(p, sizeof p, "rm -rf '%s'", root);
    (void)!system(p);
    if (mkdir(root, 0700) != 0 || fz_office_make(root, &o) != 0)
        abort();
    /* modes 0 and 1: a real backup (its own key: the harness's differs) */
    snprintf(p, sizeof p, "%s/ktpel.key", root);
    if (seal_key_create(p, &err) != KT_OK || seal_ring_load(p, &ring, &err) != KT_OK)
        abort();
    snprintf(p, sizeof p, "%s/backup.ktb", root);
    if (bak_backup(o.db, o.data, p, ring, &err) != KT_OK) {
        fprintf(stderr, "make_seeds: backup: %s\n", err.message);
        exit(1);
    }
    size_t n = 0;
    uint8_t *f = slurp(p, &n);
    seed2("backup", "file", "0", f, n);
    seed2("backup", "file-key", "1", f, n);
    free(f);
    seal_ring_free(ring);
    /* mode 3: the archive; mode 2: the archive in three chunks, the last FINAL */
    fz_office_tar(&o, NULL, 0, FZ_MAN_OWN, &tar);
    seed2("backup", "tar", "3", tar.p, tar.n);
    t_put(&b, "2", 1);
    chunk_record(&b, 0, tar.p, 512);
    chunk_record(&b, 0, tar.p + 512, tar.n / 2 - 512);
    chunk_record(&b, 3, tar.p + tar.n / 2, tar.n - tar.n / 2);
    seed("backup", "chunks", b.p, b.n);
    /* modes 4 and 5: the MANIFEST whole, and its file lines */
    fz_office_manifest(&o, &man);
    seed2("backup", "manifest", "4", man.p, man.n);
    const uint8_t *a = memchr(man.p, '\n', man.n), *e = NULL;
    for (const uint8_t *q = man.p; q != NULL && q < man.p + man.n;) {
        if ((size_t)(man.p + man.n - q) > 4 && memcmp(q, "end ", 4) == 0)
            e = q;
        const uint8_t *nl = memchr(q, '\n', (size_t)(man.p + man.n - q));
        q = nl != NULL ? nl + 1 : NULL;
    }
    if (a != NULL && e != NULL && e > a)
        seed2("backup", "manifest-lines", "5", a + 1, (size_t)(e - a - 1));
    /* mode 6: entries, as the office has them and with a folder, links and an unlisted file */
    static const char ent[] = "6fdata/bio/finger_1.sealed\nKTS1 a sealed finger\0"
                              "fdata/receipt-1.pdf\n%PDF-1.4";
    seed("backup", "entries", ent, sizeof ent - 1);
    static const char odd[] = "6ddata/bio\n\0fdata/bio/face.sealed\nKTS1\0"
                              "ldata/bio/link\n../../ktpel.db\0hdata/hard\nktpel.db\0"
                              "udata/unlisted\nx";
    seed("backup", "entries-odd", odd, sizeof odd - 1);
    t_free(&tar);
    t_free(&man);
    t_free(&b);
    fz_office_free(&o);
    snprintf(p, sizeof p, "rm -rf '%s'", root);
    (void)!system(p);
}

/* fuzz_seal: a real key file, alone and with a rotation's .new (modes 0 and 1). */
static void seal_seeds(void)
{
    char dir[300], a[400], b[400];
    kt_error err;
    size_t an = 0, bn = 0;
    snprintf(dir, sizeof dir, "%s/.seal", out_root);
    mkdir(dir, 0700);
    snprintf(a, sizeof a, "%s/ktpel.key", dir);
    snprintf(b, sizeof b, "%s/ktpel.key.new", dir);
    unlink(a);
    unlink(b);
    if (seal_key_create(a, &err) != KT_OK || seal_key_create(b, &err) != KT_OK)
        abort();
    uint8_t *ka = slurp(a, &an), *kb = slurp(b, &bn);
    seed2("seal", "key", "0", ka, an);
    t_bytes pair = {0};
    t_put(&pair, "1", 1);
    t_put(&pair, ka, an);
    t_put(&pair, "--\n", 3);
    t_put(&pair, kb, bn);
    seed("seal", "key-rotation", pair.p, pair.n);
    t_free(&pair);
    free(ka);
    free(kb);
    unlink(a);
    unlink(b);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds OUT\n");
        return 2;
    }
    snprintf(out_root, sizeof out_root, "%s", argv[1]);
    mkdir(out_root, 0755);

    bio_synth_master *master = NULL;
    bio_image full, g;
    bio_msg m;
    if (bio_synth_master_new(7, 3, 1, &master, &m) != BIO_OK ||
        bio_synth_impression(master, 0, &full, NULL, &m) != BIO_OK) {
        fprintf(stderr, "make_seeds: synth: %s\n", m.text);
        return 1;
    }
    bio_synth_master_free(master);
    /* The middle SIDE x SIDE of the impression: small seeds fuzz faster. */
    uint8_t *px = malloc(SIDE * SIDE);
    if (px == NULL)
        abort();
    int x0 = (full.width - SIDE) / 2, y0 = (full.height - SIDE) / 2;
    for (int y = 0; y < SIDE; y++)
        memcpy(px + y * SIDE, full.pixels + (size_t)(y0 + y) * (size_t)full.width + x0, SIDE);
    if (bio_image_from_gray(px, SIDE, SIDE, 500, &g, &m) != BIO_OK)
        abort();
    free(px);

    char p[512];
    path_of(p, sizeof p, "image", "print.png");
    if (bio_image_save(&g, p, &m) != BIO_OK)
        abort();
    path_of(p, sizeof p, "image", "print.pgm");
    if (bio_image_save(&g, p, &m) != BIO_OK)
        abort();
    pnm_ascii(&g, 0, "corner-ascii.pgm");
    pnm_ascii(&g, 1, "corner-ascii.ppm");
    ppm(&g);
    bmp(&g, 1, "print-1bit.bmp");
    bmp(&g, 4, "print-4bit.bmp");
    bmp(&g, 8, "print-8bit.bmp");
    bmp(&g, 24, "print-24bit.bmp");
    bmp(&g, 32, "print-32bit.bmp");
    tiff(&g, 0, "print-gray.tif");
    tiff(&g, 1, "print-rgb-lzw.tif");
    jpeg(&g);
    seed("image", "print.raw", g.pixels, (size_t)g.width * (size_t)g.height);

    wsq_seeds();
    template_seeds(&full);
    token_seeds();
    path_of(p, sizeof p, "image", "print.png");
    size_t n = 0;
    uint8_t *png = slurp(p, &n);
    api_seeds(png, n);
    free(png);
    upload_seeds();
    backup_seeds();
    seal_seeds();
    link_seeds();
    wav_seed("mono-22050", 3, 22050, 1, 0);
    wav_seed("stereo-44100-list", 20, 44100, 2, 1);
    wav_seed("mono-8000", 40, 8000, 1, 0);
    bio_image_free(&g);
    bio_image_free(&full);
    return 0;
}
