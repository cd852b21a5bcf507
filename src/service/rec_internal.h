/*
 * rec_internal.h - the records side's hooks into the application use cases (apps.c) and what
 * its files (records.c, archive.c, register.c, reports.c, konsolidasi.c, backup_job.c) share.
 * Never included outside src/service.
 *
 * Each hook runs inside the caller's write transaction, so what it writes commits (or rolls
 * back) together with the step that called it.
 */
#ifndef KTPEL_SERVICE_REC_INTERNAL_H
#define KTPEL_SERVICE_REC_INTERNAL_H

#include "service/svc_internal.h"

/* Step 4: sign a token for the receipt just inserted (office key created on first use) and
   keep it with the receipt. */
kt_code svc_rec_receipt_issued(svc *s, store *db, const char *receipt_no, const char *nik,
                               int64_t now_ms, kt_error *err);

/* Step 6, before the transaction: when `in` has "token" (the scanned QR text), verify it
   offline (public key, expiry) and write its receipt number into no (cap >= 33); no[0] = 0
   when there is no token. A token whose receipt number differs from in.receipt_no is
   refused. */
kt_code svc_rec_token_receipt_no(svc *s, const json_t *in, char *no, size_t cap,
                                 kt_error *err);

/* Step 6, inside the handover transaction, after the receipt was matched to the
   application: check the token belongs to the NIK (when a token came) and mark the receipt
   used; a receipt already used is KT_ECONFLICT "receipt_used". */
kt_code svc_rec_receipt_use(svc *s, store *db, const char *nik, const char *receipt_no,
                            const json_t *in, kt_error *err);

/* An application reached state `to` (called for every move): when it is an end state with a
   paper file, give the file its place in the archive rack. */
kt_code svc_rec_app_moved(svc *s, store *db, int64_t app_id, const char *to, kt_error *err);

/* The office's secret receipt key (beside the database; created with its public file when
   create and missing). Wipe with tok_keys_wipe(). The citizen's side derives its link key
   from it (cit_internal.h). */
struct tok_keys;
kt_code svc_rec_load_secret(const svc *s, int create, struct tok_keys *k, kt_error *err);

/* Any staff role (or system); KT_EFORBIDDEN otherwise. */
kt_code svc_rec_require_staff(const svc_actor *who, kt_error *err);
/* One of the listed roles (NULL-terminated), admin or system. */
kt_code svc_rec_require_roles(const svc_actor *who, const char *const *roles, const char *what,
                              kt_error *err);

/* "YYYY-MM-DD" Jakarta day bounds of [from, to] (inclusive days) in UTC ms; NULL from/to =
   today. field names for errors: "from", "to". */
kt_code svc_rec_range(svc *s, const char *from, const char *to, int64_t *start_ms,
                      int64_t *end_ms, kt_error *err);

/* A growing text buffer (CSV). */
typedef struct rec_buf {
    char *p; /* owned */
    size_t n, cap;
} rec_buf;
int rec_buf_add(rec_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One CSV field (quoted when it holds , " or a line break), followed by sep; a field a
   spreadsheet would read as a formula (leading = + - @ tab CR) is quoted with a leading
   apostrophe. Every CSV export writes its text cells through this. */
int rec_buf_csv(rec_buf *b, const char *v, char sep);

#endif
