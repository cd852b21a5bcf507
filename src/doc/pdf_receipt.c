/*
 * pdf_receipt.c - (b) Tanda Terima Pengambilan e-KTP (SOP step 4): the paper the applicant
 * brings back at step 6 to collect the printed card. It shows the receipt number, the NIK
 * partly masked (the paper travels; the full NIK stays in the office), the name, when the
 * data was recorded, the expected pickup date, and a QR code carrying the signed token
 * (doc/token.h) that the handover loket scans.
 *
 * Never: sign anything here. The service issues the token (tok_issue) and passes it in, so
 * this file needs no key and cannot leak one.
 */
#include "doc/pdf.h"
#include "doc/pdf_int.h"
#include "doc/token.h"

#include <stdio.h>
#include <string.h>

#define A5_W_MM 148.0f
#define A5_H_MM 210.0f

/* One "label : value" row; returns the y of the next row. */
static float row(pdf_ctx *c, float y, const char *label, const char *value, int bold)
{
    float x = PDF_MM(12), colon = PDF_MM(62);
    pdf_text(c, c->font, 9.5f, x, y, 'l', label);
    pdf_text(c, c->font, 9.5f, colon, y, 'l', ":");
    return pdf_para(c, bold ? c->bold : c->font, 9.5f, colon + PDF_MM(3), y,
                    c->w - colon - PDF_MM(15), 12, value) - 3;
}

kt_code pdf_receipt(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    const char *receipt_no = NULL, *nik = NULL, *name = NULL, *kind = NULL, *token = NULL;
    const char *officer = NULL, *survey = NULL;
    int64_t recorded_at = 0;
    char pickup[40], masked[17], recorded[64], line[160];
    pdf_ctx c;
    kt_code rc;

    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = pdf_get_str(in, "receipt_no", 1, TOK_RECEIPT_MAX, &receipt_no, err)) != KT_OK ||
        (rc = pdf_get_str(in, "nik", 1, 16, &nik, err)) != KT_OK ||
        (rc = pdf_mask_nik(nik, masked, err)) != KT_OK ||
        (rc = pdf_get_str(in, "name", 1, 120, &name, err)) != KT_OK ||
        (rc = pdf_get_str(in, "kind", 0, 32, &kind, err)) != KT_OK ||
        (rc = pdf_get_time(in, "recorded_at", 1, &recorded_at, err)) != KT_OK ||
        (rc = pdf_get_date(in, "expected_pickup", 1, pickup, sizeof pickup, err)) != KT_OK ||
        (rc = pdf_get_str(in, "token", 1, TOK_MAX_CHARS - 1, &token, err)) != KT_OK ||
        (rc = pdf_get_str(in, "officer", 0, 80, &officer, err)) != KT_OK ||
        (rc = pdf_get_str(in, "survey_url", 0, 300, &survey, err)) != KT_OK)
        return rc;
    if (kind != NULL && pdf_label_kind(kind) == NULL)
        return kt_fail(err, KT_EINVAL, "field_invalid", "kind",
                       "jenis permohonan '%s' tidak dikenal", kind);
    pdf_fmt_datetime(recorded_at, recorded, sizeof recorded);

    if ((rc = pdf_ctx_open(&c, A5_W_MM, A5_H_MM, "Tanda Terima Pengambilan e-KTP", err)) !=
        KT_OK)
        return rc;
    float cx = c.w / 2, mx = PDF_MM(12);
    float y = pdf_kop(&c, json_object_get(in, "office"), c.h - PDF_MM(8), 0.85f);
    y -= 24;
    pdf_text(&c, c.bold, 13, cx, y, 'c', "TANDA TERIMA PENGAMBILAN e-KTP");
    y -= 24;
    y = row(&c, y, "Nomor tanda terima", receipt_no, 1);
    y = row(&c, y, "NIK", masked, 0);
    y = row(&c, y, "Nama", name, 1);
    if (kind != NULL)
        y = row(&c, y, "Jenis permohonan", pdf_label_kind(kind), 0);
    y = row(&c, y, "Tanggal perekaman", recorded, 0);
    y = row(&c, y, "Perkiraan tanggal ambil", pickup, 1);
    y = row(&c, y, "Tempat pengambilan", "Loket Penyerahan Dokumen, Kantor Kecamatan", 0);

    /* QR on the left, what to bring on the right. */
    y -= 8;
    float qs = PDF_MM(36);
    float qy = y - qs;
    if ((rc = pdf_qr(&c, token, mx - PDF_MM(2), qy, qs, err)) != KT_OK) {
        pdf_ctx_close(&c);
        return rc;
    }
    float nx = mx + qs + PDF_MM(2), nw = c.w - nx - mx;
    float ny = y - 10;
    pdf_text(&c, c.bold, 9, nx, ny, 'l', "Perhatian:");
    ny -= 12;
    ny = pdf_para(&c, c.font, 8, nx, ny, nw, 10,
                  "1. Bawa tanda terima ini saat mengambil e-KTP dan ambil nomor antrian "
                  "layanan Pengambilan e-KTP (E).");
    ny = pdf_para(&c, c.font, 8, nx, ny, nw, 10,
                  "2. e-KTP hanya diserahkan kepada pemohon atau kuasanya dengan menunjukkan "
                  "tanda terima ini.");
    ny = pdf_para(&c, c.font, 8, nx, ny, nw, 10,
                  "3. Kode QR ditandatangani secara digital; tanda terima yang diubah akan "
                  "ditolak. Tanda terima hanya berlaku untuk satu kali pengambilan.");
    (void)ny;

    /* Signatures: applicant left, officer right (SOP step 4 is the handover loket's). */
    y = qy - 22;
    char date[40];
    pdf_fmt_date(recorded_at, date, sizeof date);
    snprintf(line, sizeof line, "Neglasari, %s", date);
    float rx = c.w * 0.62f, lx = c.w * 0.24f;
    pdf_text(&c, c.font, 9, rx, y, 'c', line);
    y -= 13;
    pdf_text(&c, c.font, 9, lx, y, 'c', "Pemohon,");
    pdf_text(&c, c.font, 9, rx, y, 'c', "Petugas Loket Penyerahan Dokumen,");
    y -= 48;
    pdf_line(&c, lx - PDF_MM(22), y, lx + PDF_MM(22), y, 0.5f);
    pdf_line(&c, rx - PDF_MM(26), y, rx + PDF_MM(26), y, 0.5f);
    y -= 11;
    pdf_text(&c, c.font, 8.5f, lx, y, 'c', name);
    if (officer != NULL)
        pdf_text(&c, c.font, 8.5f, rx, y, 'c', officer);
    if (survey != NULL) {
        /* The satisfaction survey (PermenPANRB 14/2017): its own QR, one survey per receipt. */
        float ss = PDF_MM(24), sy = PDF_MM(8);
        y -= 12;
        pdf_line(&c, mx, y, c.w - mx, y, 0.3f);
        if ((rc = pdf_qr(&c, survey, mx - PDF_MM(2), sy, ss, err)) != KT_OK) {
            pdf_ctx_close(&c);
            return rc;
        }
        float tx = mx + ss + PDF_MM(1);
        pdf_text(&c, c.bold, 8.5f, tx, sy + ss - 14, 'l', "Survei Kepuasan Masyarakat");
        (void)pdf_para(&c, c.font, 7.5f, tx, sy + ss - 26, c.w - tx - mx, 9.5f,
                       "Bantu kami memperbaiki layanan: pindai kode ini dan beri penilaian "
                       "(anonim, sekali per tanda terima, sekitar 2 menit).");
    }
    return pdf_ctx_finish(&c, buf, len, err);
}
