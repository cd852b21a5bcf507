/*
 * fuzz_upload.c - the server's own reading of a biometric upload (svc_upload_check,
 * src/service/upload.c): the header probe, the per-slot format and size bounds, the full
 * decode, and for the face the decode in colour (libpng's simplified API, libjpeg scaled) and
 * the backdrop rule (core/photo.c). The bytes are what an operator's browser, or anyone who
 * posts to PUT /api/applications/{id}/bio/{slot}, sends.
 *
 * Input: one selector byte, then the file. The selector's value mod 4 is the slot (0 face,
 * 1 signature, 2 iris_left, 3 finger_1), (value / 4) mod 4 the birth year (0 none, 1 1991:
 * red backdrop, 2 1990: blue, 3 2007), value & 16 the operator's "backdrop is right"
 * (SVC_BIO_BG_CONFIRMED).
 *
 * Checks upload.h's promises besides the sanitizers: a refusal is one of the documented ids
 * with a message; an accepted upload has a content type derived by the server from a format
 * the slot takes and a width and height within the slot's bounds; the face's backdrop is
 * named, and refused for the wrong year unless confirmed. And what comes next in the service
 * stays inside those bounds: an accepted finger image is decoded by the AFIS
 * (bio_image_decode), which must make exactly the probed size or fail. upload.options sets
 * -malloc_limit_mb far below fuzz_image's: nothing the slots accept (4000 x 4000 at most)
 * needs more.
 */
#include "fuzz.h"

#include "bio/image.h"
#include "service/upload.h"

static const char *const slots[4] = {"face", "signature", "iris_left", "finger_1"};
static const long max_side[4] = {4000, 4000, 2000, 2000};
static const long min_side[4] = {200, 100, 100, 100};
static const int years[4] = {0, 1991, 1990, 2007};

static int known_id(const char *id)
{
    static const char *const ids[] = {"image_invalid", "image_too_small", "image_too_large",
                                      "photo_background", "no_memory"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (strcmp(id, ids[i]) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0], si = sel % 4;
    int year = years[(sel / 4) % 4];
    unsigned flags = (sel & 16) ? SVC_BIO_BG_CONFIRMED : 0;
    const uint8_t *file = data + 1;
    size_t n = size - 1;
    /* the buffer exactly as long as the file, so ASan sees any read past it */
    uint8_t *copy = malloc(n ? n : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, file, n);

    svc_upload u;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = svc_upload_check(slots[si], copy, n, year, flags, &u, &err);
    if (rc != KT_OK) {
        if (!known_id(err.id) || err.message[0] == '\0')
            fz_fail("%s upload refused with id '%s': %s", slots[si], err.id, err.message);
        if (strcmp(err.id, "photo_background") == 0 && (si != 0 || year == 0 || flags))
            fz_fail("backdrop refusal for slot %s, year %d, flags %u", slots[si], year, flags);
        free(copy);
        return 0;
    }
    if (strcmp(u.content_type, "application/x-iso19794-2") == 0) {
        if (si != 3 || n < 4 || memcmp(copy, "FMR\0", 4) != 0)
            fz_fail("%s upload taken as an ISO template", slots[si]);
        free(copy);
        return 0;
    }
    if (strcmp(u.content_type, svc_upload_content_type(u.format)) != 0)
        fz_fail("stored type %s is not the one of the decoded format %d", u.content_type,
                u.format);
    if ((si < 2 && u.format != BIO_IMAGE_PNG && u.format != BIO_IMAGE_JPEG) ||
        (si == 2 && (u.format == BIO_IMAGE_WSQ || u.format == BIO_IMAGE_RAW)) ||
        u.format == BIO_IMAGE_UNKNOWN)
        fz_fail("%s upload accepted as %s", slots[si],
                bio_image_format_name((bio_image_format)u.format));
    if (u.width < min_side[si] || u.height < min_side[si] || u.width > max_side[si] ||
        u.height > max_side[si])
        fz_fail("%s upload of %ldx%ld accepted (bounds %ld..%ld)", slots[si], u.width,
                u.height, min_side[si], max_side[si]);
    if (si == 0) {
        if (strcmp(u.background, "merah") != 0 && strcmp(u.background, "biru") != 0 &&
            strcmp(u.background, "lain") != 0)
            fz_fail("face backdrop named '%s'", u.background);
        if (u.background_confirmed && !(flags && year > 0))
            fz_fail("backdrop confirmed without the operator's word");
    } else if (u.background[0] != '\0') {
        fz_fail("%s upload has a backdrop", slots[si]);
    }
    if (si == 3) {
        /* The AFIS decodes an accepted print next (src/service/afis.c). */
        bio_image img;
        bio_msg msg;
        bio_status st = bio_image_decode_ex(copy, n, BIO_IMAGE_NO_CHECK, &img, NULL, &msg);
        if (st == BIO_OK && (img.width != u.width || img.height != u.height))
            fz_fail("finger probed %ldx%ld, decoded %dx%d", u.width, u.height, img.width,
                    img.height);
        bio_image_free(&img);
    }
    free(copy);
    return 0;
}
