/*
 * scan.c - QR scanning at the handover counter (SOP step 6): a camera frame of the pickup
 * receipt (Tanda Terima Pengambilan) in, the receipt's verified token and its application out.
 *
 * The handover page grabs a frame from the webcam (getUserMedia) and posts it; the QR is read
 * here, on the server, with libzbar (Debian libzbar0 / libzbar-dev), so every counter reads
 * receipts the same way whatever its browser supports. The image is decoded to 8-bit grey by
 * src/bio's image reader (PNG, JPEG, PGM/PPM, BMP, TIFF), handed to zbar as a Y800 frame, and
 * every QR found is tried as a receipt token with svc_receipt_verify (records.c): verified
 * offline (signature, expiry), then its receipt looked up, as for a scanner that types it. A
 * handheld scanner that types the receipt number still works through GET /api/receipts/{no}.
 *
 * Never: mark a receipt used or move an application (the handover does that, with the token
 * this returns); keep the image.
 */
#include <stdio.h>
#include <string.h>
#include <zbar.h>

#include "bio/image.h"
#include "service/rec_internal.h"

/* The QR texts in a grey image, as a new array (owned by caller). */
static kt_code qr_texts(const bio_image *img, json_t **out, kt_error *err)
{
    zbar_image_scanner_t *scanner = NULL;
    zbar_image_t *zi = NULL;
    kt_code rc = KT_OK;
    json_t *arr = json_array();
    *out = NULL;
    if (arr == NULL)
        return svc_nomem(err);
    if ((scanner = zbar_image_scanner_create()) == NULL || (zi = zbar_image_create()) == NULL) {
        rc = svc_nomem(err);
        goto out;
    }
    /* QR only: fewer false reads from the receipt's printed text and lines. */
    zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zi, (unsigned)img->width, (unsigned)img->height);
    /* Borrowed pixels: no cleanup handler, the image outlives the scan. */
    zbar_image_set_data(zi, img->pixels, (unsigned long)img->width * (unsigned long)img->height,
                        NULL);
    if (zbar_scan_image(scanner, zi) < 0) {
        rc = kt_fail(err, KT_EIO, "scan_failed", "image", "Pemindai QR gagal membaca gambar");
        goto out;
    }
    for (const zbar_symbol_t *sym = zbar_image_first_symbol(zi); sym != NULL;
         sym = zbar_symbol_next(sym))
        if (zbar_symbol_get_type(sym) == ZBAR_QRCODE && zbar_symbol_get_data(sym) != NULL)
            json_array_append_new(arr, json_string(zbar_symbol_get_data(sym)));
    *out = arr;
    arr = NULL;
out:
    if (zi != NULL)
        zbar_image_destroy(zi);
    if (scanner != NULL)
        zbar_image_scanner_destroy(scanner);
    json_decref(arr);
    return rc;
}

kt_code svc_scan_receipt(svc *s, const svc_actor *who, const void *image, size_t len,
                         json_t **out, kt_error *err)
{
    static const char *const roles[] = {"handover", "supervisor", NULL};
    bio_image img;
    bio_msg msg;
    json_t *texts = NULL, *app = NULL;
    kt_code rc;
    memset(&img, 0, sizeof img);
    *out = NULL;
    if ((rc = svc_rec_require_roles(who, roles, "memindai QR tanda terima", err)) != KT_OK)
        return rc;
    if (image == NULL || len == 0)
        return kt_fail(err, KT_EINVAL, "scan_image_empty", "image",
                       "Gambar kamera kosong: tidak ada yang dipindai");
    if (bio_image_decode_ex(image, len, BIO_IMAGE_NO_CHECK, &img, NULL, &msg) != BIO_OK)
        return kt_fail(err, KT_EINVAL, "scan_image_invalid", "image",
                       "Berkas yang dikirim bukan gambar yang bisa dibaca (PNG, JPEG, PGM)");
    if ((rc = qr_texts(&img, &texts, err)) != KT_OK)
        goto out;
    if (json_array_size(texts) == 0) {
        rc = kt_fail(err, KT_EREFUSED, "qr_not_found", "image",
                     "Tidak ada kode QR terbaca di gambar; dekatkan tanda terima ke kamera, "
                     "pastikan terang dan tidak buram");
        goto out;
    }
    /* The first QR that is a valid token wins; otherwise the first one's error is reported. */
    kt_error first;
    kt_error_clear(&first);
    size_t i;
    json_t *v;
    json_array_foreach(texts, i, v) {
        kt_error e;
        kt_error_clear(&e);
        /* As a scanner that types the QR text would: verified, found, handover step begun. */
        rc = svc_receipt_verify(s, who, json_string_value(v), &app, &e);
        if (rc == KT_OK) {
            const char *no = svc_jstr(app, "receipt_no");
            *out = json_pack("{s:O, s:s, s:O, s:I}", "token", v, "receipt_no",
                             no != NULL ? no : "", "application", app, "symbols",
                             (json_int_t)json_array_size(texts));
            rc = *out != NULL ? KT_OK : svc_nomem(err);
            goto out;
        }
        if (i == 0)
            first = e;
    }
    if (err != NULL)
        *err = first;
    rc = first.code != KT_OK ? first.code : KT_EINVAL;
out:
    bio_image_free(&img);
    json_decref(texts);
    json_decref(app);
    return rc;
}
