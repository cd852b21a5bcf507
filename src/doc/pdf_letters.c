/*
 * pdf_letters.c - the two papers of SOP step 2's unhappy outcomes:
 *   (c) the missing-documents slip: "berkas tidak lengkap, dikembalikan kepada pemohon",
 *       the checklist of the SOP's seven documents showing what was brought and what is
 *       missing, so the applicant knows exactly what to bring next time;
 *   (d) the referral letter to Disdukcapil: "data tidak ditemukan, pemohon dirujuk ke
 *       Disdukcapil", saying whom and why.
 *
 * Never: decide which documents a case needs (core's checklist does; this prints it).
 */
#include "doc/pdf.h"
#include "doc/pdf_int.h"
#include "core/workflow.h"

#include <stdio.h>
#include <string.h>

static float row(pdf_ctx *c, float x, float colon, float y, const char *label,
                 const char *value)
{
    pdf_text(c, c->font, 10, x, y, 'l', label);
    pdf_text(c, c->font, 10, colon, y, 'l', ":");
    return pdf_para(c, c->font, 10, colon + 8, y, c->w - colon - 8 - x, 13, value) - 2;
}

/* A checklist box; ticked draws a check mark with two strokes. */
static void checkbox(pdf_ctx *c, float x, float y, int ticked)
{
    pdf_stroke_rect(c, x, y - 2, 10, 10, 0.8f);
    if (ticked) {
        HPDF_Page_SetLineWidth(c->page, 1.6f);
        HPDF_Page_MoveTo(c->page, x + 2, y + 3);
        HPDF_Page_LineTo(c->page, x + 4.5f, y + 0.5f);
        HPDF_Page_LineTo(c->page, x + 8.5f, y + 6.5f);
        HPDF_Page_Stroke(c->page);
    }
}

/* Validate an optional array of document ids; *count gets its length. */
static kt_code doc_list(const json_t *in, const char *key, int required, size_t *count,
                        kt_error *err)
{
    const json_t *a = json_object_get(in, key);
    *count = 0;
    if (a == NULL || json_is_null(a)) {
        if (required)
            return kt_fail(err, KT_EINVAL, "field_missing", key,
                           "kolom '%s' wajib diisi (daftar dokumen)", key);
        return KT_OK;
    }
    if (!json_is_array(a))
        return kt_fail(err, KT_EINVAL, "field_invalid", key,
                       "kolom '%s' harus daftar id dokumen", key);
    if (required && json_array_size(a) == 0)
        return kt_fail(err, KT_EINVAL, "field_missing", key,
                       "kolom '%s' kosong: tidak ada dokumen yang kurang", key);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *id = json_string_value(json_array_get(a, i));
        if (pdf_label_document(id) == NULL) {
            char field[64];
            snprintf(field, sizeof field, "%s[%zu]", key, i);
            return kt_fail(err, KT_EINVAL, "document_unknown", field,
                           "dokumen '%s' tidak dikenal", id != NULL ? id : "(bukan teks)");
        }
    }
    *count = json_array_size(a);
    return KT_OK;
}

static int in_list(const json_t *a, const char *id)
{
    for (size_t i = 0; i < json_array_size(a); i++)
        if (strcmp(json_string_value(json_array_get(a, i)), id) == 0)
            return 1;
    return 0;
}

kt_code pdf_slip(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    static const char *const checklist[] = {"pengantar_rt_rw", "f107",        "kk_copy",
                                            "ktp_asli",        "surat_kehilangan",
                                            "ijazah_akta",     "akta_status", "surat_pindah"};
    const char *name = NULL, *nik = NULL, *kind = NULL, *officer = NULL, *ticket = NULL;
    const char *note = NULL;
    int64_t at = 0;
    size_t n_missing = 0, n_presented = 0;
    char masked[17] = "-", when[64];
    pdf_ctx c;
    kt_code rc;

    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = pdf_get_str(in, "name", 1, 120, &name, err)) != KT_OK ||
        (rc = pdf_get_str(in, "nik", 0, 16, &nik, err)) != KT_OK ||
        (nik != NULL && (rc = pdf_mask_nik(nik, masked, err)) != KT_OK) ||
        (rc = pdf_get_str(in, "kind", 1, 32, &kind, err)) != KT_OK ||
        (rc = pdf_get_time(in, "at", 1, &at, err)) != KT_OK ||
        (rc = pdf_get_str(in, "officer", 0, 80, &officer, err)) != KT_OK ||
        (rc = pdf_get_str(in, "ticket", 0, 8, &ticket, err)) != KT_OK ||
        (rc = pdf_get_str(in, "note", 0, 400, &note, err)) != KT_OK ||
        (rc = doc_list(in, "missing", 1, &n_missing, err)) != KT_OK ||
        (rc = doc_list(in, "presented", 0, &n_presented, err)) != KT_OK)
        return rc;
    if (pdf_label_kind(kind) == NULL)
        return kt_fail(err, KT_EINVAL, "field_invalid", "kind",
                       "jenis permohonan '%s' tidak dikenal", kind);
    const json_t *missing = json_object_get(in, "missing");
    const json_t *presented = json_object_get(in, "presented");
    for (size_t i = 0; i < n_missing; i++)
        if (in_list(presented, json_string_value(json_array_get(missing, i))))
            return kt_fail(err, KT_EINVAL, "field_invalid", "presented",
                           "dokumen '%s' tercantum kurang sekaligus ada",
                           json_string_value(json_array_get(missing, i)));
    pdf_fmt_datetime(at, when, sizeof when);

    if ((rc = pdf_ctx_open(&c, 148, 210, "Berkas Permohonan e-KTP Tidak Lengkap", err)) != KT_OK)
        return rc;
    float cx = c.w / 2, mx = PDF_MM(12), colon = PDF_MM(48);
    float y = pdf_kop(&c, json_object_get(in, "office"), c.h - PDF_MM(8), 0.85f);
    y -= 24;
    pdf_text(&c, c.bold, 12, cx, y, 'c', "PEMBERITAHUAN BERKAS TIDAK LENGKAP");
    y -= 13;
    pdf_text(&c, c.font, 9, cx, y, 'c', "Permohonan e-KTP dikembalikan kepada pemohon");
    y -= 24;
    y = row(&c, mx, colon, y, "Nama", name);
    y = row(&c, mx, colon, y, "NIK", masked);
    y = row(&c, mx, colon, y, "Jenis permohonan", pdf_label_kind(kind));
    if (ticket != NULL)
        y = row(&c, mx, colon, y, "Nomor antrian", ticket);
    y = row(&c, mx, colon, y, "Tanggal", when);
    y -= 8;
    y = pdf_para(&c, c.font, 10, mx, y, c.w - 2 * mx, 13,
                 "Berkas permohonan Saudara belum lengkap. Mohon lengkapi dokumen yang "
                 "bertanda KURANG berikut ini:");
    y -= 6;
    for (size_t i = 0; i < sizeof checklist / sizeof checklist[0]; i++) {
        int is_missing = in_list(missing, checklist[i]);
        int is_present = in_list(presented, checklist[i]);
        if (!is_missing && !is_present)
            continue; /* not required for this case */
        checkbox(&c, mx, y, is_present);
        float ty = pdf_para(&c, is_missing ? c.bold : c.font, 10, mx + 18, y,
                            c.w - 2 * mx - 18 - PDF_MM(18), 13,
                            pdf_label_document(checklist[i]));
        pdf_text(&c, c.bold, 9, c.w - mx, y, 'r', is_missing ? "KURANG" : "ada");
        y = ty - 5;
    }
    if (note != NULL) {
        y -= 4;
        char buf_note[480];
        snprintf(buf_note, sizeof buf_note, "Keterangan: %s", note);
        y = pdf_para(&c, c.font, 9, mx, y, c.w - 2 * mx, 12, buf_note);
    }
    y -= 6;
    y = pdf_para(&c, c.font, 9, mx, y, c.w - 2 * mx, 12,
                 "Setelah dokumen lengkap, silakan datang kembali dan mengambil nomor antrian "
                 "baru. Pemberitahuan ini bukan penolakan permohonan.");
    y -= 16;
    float rx = c.w * 0.68f;
    pdf_text(&c, c.font, 9, rx, y, 'c', "Petugas Loket Penerima Berkas,");
    y -= 46;
    pdf_line(&c, rx - PDF_MM(25), y, rx + PDF_MM(25), y, 0.5f);
    if (officer != NULL)
        pdf_text(&c, c.font, 9, rx, y - 11, 'c', officer);
    return pdf_ctx_finish(&c, buf, len, err);
}

kt_code pdf_referral(const json_t *in, unsigned char **buf, size_t *len, kt_error *err)
{
    const char *letter_no = NULL, *name = NULL, *nik = NULL, *address = NULL, *kind = NULL;
    const char *reason = NULL, *note = NULL, *officer = NULL, *signer = NULL;
    char birth[40], date[40], line[600];
    int64_t at = 0;
    pdf_ctx c;
    kt_code rc;

    if (!json_is_object(in))
        return kt_fail(err, KT_EINVAL, "input_invalid", "", "masukan harus objek JSON");
    if ((rc = pdf_get_str(in, "letter_no", 0, 64, &letter_no, err)) != KT_OK ||
        (rc = pdf_get_str(in, "name", 1, 120, &name, err)) != KT_OK ||
        (rc = pdf_get_str(in, "nik", 0, 16, &nik, err)) != KT_OK ||
        (rc = pdf_get_date(in, "birth_date", 0, birth, sizeof birth, err)) != KT_OK ||
        (rc = pdf_get_str(in, "address", 0, 200, &address, err)) != KT_OK ||
        (rc = pdf_get_str(in, "kind", 0, 32, &kind, err)) != KT_OK ||
        (rc = pdf_get_str(in, "reason", 1, 32, &reason, err)) != KT_OK ||
        (rc = pdf_get_str(in, "note", 0, 400, &note, err)) != KT_OK ||
        (rc = pdf_get_time(in, "at", 1, &at, err)) != KT_OK ||
        (rc = pdf_get_str(in, "officer", 0, 80, &officer, err)) != KT_OK ||
        (rc = pdf_get_str(in, "signer", 0, 80, &signer, err)) != KT_OK)
        return rc;
    if (pdf_label_reason(reason) == NULL)
        return kt_fail(err, KT_EINVAL, "field_invalid", "reason",
                       "alasan rujukan '%s' tidak dikenal", reason);
    if (kind != NULL && pdf_label_kind(kind) == NULL)
        return kt_fail(err, KT_EINVAL, "field_invalid", "kind",
                       "jenis permohonan '%s' tidak dikenal", kind);
    if (nik != NULL && strspn(nik, "0123456789") != 16)
        return kt_fail(err, KT_EINVAL, "nik_invalid", "nik", "NIK harus 16 digit angka");
    if (strcmp(reason, "other") == 0 && note == NULL)
        return kt_fail(err, KT_EINVAL, "field_missing", "note",
                       "alasan 'other' memerlukan keterangan");
    pdf_fmt_date(at, date, sizeof date);

    if ((rc = pdf_ctx_open(&c, 210, 297, "Surat Rujukan ke Disdukcapil", err)) != KT_OK)
        return rc;
    float mx = PDF_MM(25), colon = PDF_MM(68), tw = c.w - 2 * mx;
    float y = pdf_kop(&c, json_object_get(in, "office"), c.h - PDF_MM(12), 1.0f);
    y -= 26;
    snprintf(line, sizeof line, "Neglasari, %s", date);
    pdf_text(&c, c.font, 11, c.w - mx, y, 'r', line);
    y -= 22;
    float lx = PDF_MM(47);
    y = row(&c, mx, lx, y, "Nomor", letter_no != NULL ? letter_no : "........................");
    y = row(&c, mx, lx, y, "Lampiran", "-");
    y = row(&c, mx, lx, y, "Perihal", "Rujukan pelayanan e-KTP");
    y -= 14;
    pdf_text(&c, c.font, 11, mx, y, 'l', "Kepada Yth.");
    y -= 14;
    y = pdf_para(&c, c.bold, 11, mx, y, tw * 0.7f, 14,
                 "Kepala Dinas Kependudukan dan Pencatatan Sipil (Disdukcapil) Kota Tangerang");
    pdf_text(&c, c.font, 11, mx, y, 'l', "di Tempat");
    y -= 26;
    y = pdf_para(&c, c.font, 11, mx, y, tw, 15,
                 "Dengan hormat, bersama ini kami rujuk pemohon pelayanan e-KTP berikut:");
    y -= 4;
    y = row(&c, mx + 14, colon, y, "Nama", name);
    y = row(&c, mx + 14, colon, y, "NIK", nik != NULL ? nik : "belum memiliki NIK");
    if (birth[0] != '\0')
        y = row(&c, mx + 14, colon, y, "Tanggal lahir", birth);
    if (address != NULL)
        y = row(&c, mx + 14, colon, y, "Alamat", address);
    if (kind != NULL)
        y = row(&c, mx + 14, colon, y, "Jenis permohonan", pdf_label_kind(kind));
    y -= 8;
    pdf_text(&c, c.font, 11, mx, y, 'l', "Alasan rujukan:");
    y -= 15;
    y = pdf_para(&c, c.bold, 11, mx + 14, y, tw - 14, 15, pdf_label_reason(reason));
    if (note != NULL) {
        snprintf(line, sizeof line, "Keterangan: %s", note);
        y = pdf_para(&c, c.font, 11, mx + 14, y, tw - 14, 15, line);
    }
    wf_reason rv;
    if (wf_reason_from_str(reason, &rv) && wf_reason_next_step(rv)[0] != '\0') {
        y -= 6; /* what the citizen does next, on the paper they carry there */
        y = pdf_para(&c, c.bold, 11, mx, y, tw, 15, wf_reason_next_step(rv));
    }
    y -= 8;
    y = pdf_para(&c, c.font, 11, mx, y, tw, 15,
                 "Permohonan tersebut tidak dapat diselesaikan di tingkat kecamatan. Mohon "
                 "kiranya pemohon dapat diberikan pelayanan lebih lanjut sesuai ketentuan "
                 "peraturan perundang-undangan yang berlaku (UU No. 23 Tahun 2006 tentang "
                 "Administrasi Kependudukan).");
    y -= 6;
    y = pdf_para(&c, c.font, 11, mx, y, tw, 15,
                 "Demikian surat rujukan ini dibuat untuk dipergunakan sebagaimana mestinya. "
                 "Atas perhatian dan kerja samanya diucapkan terima kasih.");
    y -= 24;
    float rx = c.w - mx - PDF_MM(35);
    pdf_text(&c, c.font, 11, rx, y, 'c', "a.n. CAMAT NEGLASARI");
    y -= 14;
    pdf_text(&c, c.font, 11, rx, y, 'c', "Kepala Seksi Pelayanan,");
    y -= 62;
    pdf_line(&c, rx - PDF_MM(33), y, rx + PDF_MM(33), y, 0.5f);
    if (signer != NULL)
        pdf_text(&c, c.bold, 11, rx, y - 13, 'c', signer);
    if (officer != NULL) {
        snprintf(line, sizeof line, "Diperiksa oleh petugas loket: %s", officer);
        pdf_text(&c, c.font, 8, mx, PDF_MM(15), 'l', line);
    }
    return pdf_ctx_finish(&c, buf, len, err);
}
