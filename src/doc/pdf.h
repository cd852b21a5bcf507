/*
 * pdf.h - the printed documents of the e-KTP service, rendered in memory with libharu.
 *
 * Design
 * - One function per document. Input: a jansson object shaped like the API's JSON (field
 *   names of docs/domain.md; times in Unix ms UTC, shown in Asia/Jakarta). Output: the PDF
 *   bytes in *buf (owned by the caller: free()) and their length in *len.
 * - Every document carries the kop surat "PEMERINTAH KOTA TANGERANG / KECAMATAN NEGLASARI"
 *   (the office may override it with "office" in the input) and Bahasa Indonesia text, set in
 *   DejaVu Sans embedded as a TrueType font. Input is UTF-8; it is printed in WinAnsi
 *   (CP1252: ASCII, Latin-1 letters, typographic quotes and dashes; others become "?").
 * - The fields each document reads are listed in docs/internals/doc.md. A missing or
 *   malformed field is KT_EINVAL naming the field; nothing is rendered.
 * - Fonts: /usr/share/fonts/truetype/dejavu (Debian fonts-dejavu-core), or the folder in the
 *   environment variable KTPEL_FONT_DIR. A missing font is KT_EIO.
 *
 * Never: sign tokens or touch key files (the receipt prints the token it is given), read
 * the database, write files (the CLI and the HTTP layer decide where bytes go).
 */
#ifndef KTPEL_DOC_PDF_H
#define KTPEL_DOC_PDF_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"

/* (a) Queue ticket, 80 mm thermal roll. in: {"number","service","taken_at","waiting"?,
   "priority"?, "office"?, "track_url"? (a QR to the ticket's page on the phone)} */
kt_code pdf_ticket(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* (b) Tanda Terima Pengambilan e-KTP, A5, with a QR code of the signed token.
   in: {"receipt_no","nik","name","kind"?,"recorded_at","expected_pickup" (YYYY-MM-DD),
   "token","officer"?, "office"?, "survey_url"? (a second QR: the satisfaction survey)} */
kt_code pdf_receipt(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* (c) Missing-documents slip (SOP step 2, berkas tidak lengkap), A5.
   in: {"name","nik"?,"kind","missing":[document ids],"presented"?:[ids],"at","officer"?,
   "ticket"?, "note"?} */
kt_code pdf_slip(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* (d) Referral letter to Disdukcapil (SOP step 2, data tidak ditemukan), A4.
   in: {"letter_no"?,"name","nik"?,"birth_date"?,"address"?,"kind"?,"reason" (reason id),
   "note"?,"at","officer"?,"signer"? (name of the Kasi Pelayanan)} */
kt_code pdf_referral(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* (e) Archive box label (Rak Arsip), A6 landscape.
   in: {"rack","box","from","to","period"?,"count"?,"kind"?} */
kt_code pdf_label(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* (f) Service report, A4, with bar charts. in: exactly what svc_day_summary returns
   (durations in ms): {"date" | "month", "by_kind", "by_state", "by_reason"?, "steps":[{"step",
   "count","p50_ms","p90_ms","max_ms","standard_ms"?,"share_within"?}], "total"?, "waiting"?,
   "officers"?:[{"username","role","actions"?{..},"count"?,"full_name"?}], "period"?,
   "generated_at"?}. See docs/internals/doc.md. */
kt_code pdf_report(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* (g) Citizen satisfaction survey report (Laporan SKM, PermenPANRB 14/2017), A4: exactly what
   svc_ikm_report returns: {"label","respondents","population"?,"sample_required"?,"ikm"?,
   "grade"?, "elements": [9 x {"id","label","nrr","value","grade"}] or [], "weakest"?,
   "profile"?, "suggestions"?, "office"?}. */
kt_code pdf_ikm(const json_t *in, unsigned char **buf, size_t *len, kt_error *err);

/* A QR code of text (level M, 4-module quiet zone) as an SVG image for a screen; *svg owned
   by caller (free()). KT_EINVAL "qr_encode" when the text does not fit a QR code. */
kt_code pdf_qr_svg(const char *text, char **svg, size_t *len, kt_error *err);

/* Render by name: "ticket", "receipt", "slip", "referral", "label", "report", "ikm". */
kt_code pdf_render(const char *kind, const json_t *in, unsigned char **buf, size_t *len,
                   kt_error *err);

#endif
