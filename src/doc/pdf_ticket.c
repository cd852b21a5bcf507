/*
 * pdf_ticket.c - (a) the queue ticket (SOP step 1), printed by the kiosk on an 80 mm
 * thermal roll: the number big enough to read across the waiting room, the service, the
 * time taken in Asia/Jakarta and how many people wait before the holder.
 *
 * Never: decide the number or the waiting count (the queue does; this only prints them).
 */
#include "doc/pdf.h"
#include "doc/pdf_int.h"

#include <stdio.h>
#include <string.h>

#define TICKET_W_MM 80.0f
#define TICKET_H_MM 95.0f
#define TICKET_QR_MM 34.0f /* the QR to the ticket's page on the phone, and its caption */

/* Service prefix per docs/domain.md: the letter of the number must match the service. */
static char service_prefix(const char *service)
{
    static const char *const order[] = {"rekam_baru", "perubahan_data", "hilang_rusak",
                                        "pindah_datang", "pengambilan"};
    for (int i = 0; i < 5; i++)
        if (strcmp(order[i], service) == 0)
            return (char)('A' + i);
    return 0;
}

kt_code pdf_ticket(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    const char *number = NULL, *service = NULL, *reason = NULL, *track = NULL;
    int64_t taken_at = 0;
    long long waiting = -1;
    pdf_ctx c;
    kt_code rc;
    char line[128];

    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = pdf_get_str(in, "number", 1, 8, &number, err)) != KT_OK ||
        (rc = pdf_get_str(in, "service", 1, 32, &service, err)) != KT_OK ||
        (rc = pdf_get_time(in, "taken_at", 1, &taken_at, err)) != KT_OK ||
        (rc = pdf_get_int(in, "waiting", 0, 0, 100000, &waiting, err)) != KT_OK ||
        (rc = pdf_get_str(in, "priority_reason", 0, 64, &reason, err)) != KT_OK ||
        (rc = pdf_get_str(in, "track_url", 0, 300, &track, err)) != KT_OK)
        return rc;
    char prefix = service_prefix(service);
    if (prefix == 0)
        return kt_fail(err, KT_EINVAL, "service_unknown", "service",
                       "layanan '%s' tidak dikenal", service);
    if (strlen(number) != 4 || number[0] != prefix || strspn(number + 1, "0123456789") != 3)
        return kt_fail(err, KT_EINVAL, "field_invalid", "number",
                       "nomor antrian '%s' harus %c diikuti 3 angka (layanan %s)", number,
                       prefix, service);
    const json_t *prio = json_object_get(in, "priority");
    if (prio != NULL && !json_is_boolean(prio))
        return kt_fail(err, KT_EINVAL, "field_invalid", "priority",
                       "kolom 'priority' harus true atau false");

    if ((rc = pdf_ctx_open(&c, TICKET_W_MM, TICKET_H_MM + (track != NULL ? TICKET_QR_MM : 0),
                           "Nomor Antrian", err)) != KT_OK)
        return rc;
    float cx = c.w / 2;
    float y = pdf_kop(&c, json_object_get(in, "office"), c.h - PDF_MM(3), 0.72f);
    y -= 20;
    pdf_text(&c, c.font, 10, cx, y, 'c', "NOMOR ANTRIAN");
    y -= 66;
    pdf_text(&c, c.bold, 66, cx, y, 'c', number);
    y -= 24;
    pdf_text(&c, c.bold, 13, cx, y, 'c', pdf_label_service(service));
    if (json_is_true(prio)) {
        y -= 20;
        float bw = PDF_MM(50);
        pdf_fill_rect(&c, cx - bw / 2, y - 5, bw, 17, 0, 0, 0);
        HPDF_Page_SetRGBFill(c.page, 1, 1, 1);
        snprintf(line, sizeof line, "PRIORITAS%s%s", reason != NULL ? ": " : "",
                 reason != NULL ? reason : "");
        pdf_text(&c, c.bold, 9, cx, y, 'c', line);
        HPDF_Page_SetRGBFill(c.page, 0, 0, 0);
    }
    y -= 22;
    char when[64];
    pdf_fmt_datetime(taken_at, when, sizeof when);
    pdf_text(&c, c.font, 9, cx, y, 'c', when);
    if (waiting >= 0) {
        y -= 15;
        if (waiting == 0)
            snprintf(line, sizeof line, "Tidak ada antrian sebelum Anda");
        else
            snprintf(line, sizeof line, "Menunggu sebelum Anda: %lld orang", waiting);
        pdf_text(&c, c.bold, 9, cx, y, 'c', line);
    }
    y -= 10;
    pdf_line(&c, PDF_MM(6), y, c.w - PDF_MM(6), y, 0.4f);
    y -= 11;
    y = pdf_para(&c, c.font, 7, PDF_MM(6), y, c.w - PDF_MM(12), 9,
                 "Silakan menunggu panggilan di ruang tunggu dan perhatikan layar antrian. "
                 "Nomor ini hanya berlaku hari ini. Siapkan berkas persyaratan Anda.");
    if (track != NULL) {
        /* The ticket's own page: how many are ahead, the wait, the call (no personal data). */
        float qs = PDF_MM(27);
        y -= 4;
        if ((rc = pdf_qr(&c, track, cx - qs / 2, y - qs, qs, err)) != KT_OK) {
            pdf_ctx_close(&c);
            return rc;
        }
        y -= qs + 8;
        pdf_text(&c, c.font, 7, cx, y, 'c', "Pindai untuk memantau antrian Anda di HP");
    }
    return pdf_ctx_finish(&c, buf, len, err);
}
