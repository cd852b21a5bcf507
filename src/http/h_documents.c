/*
 * h_documents.c - the printed documents as PDF (application/pdf): the queue ticket (public:
 * the kiosk prints it), and an application's pickup receipt (with its signed QR), missing-
 * documents slip and referral letter. The service renders; a handler only sends the bytes.
 * Never: decide whether a document may be printed (the service refuses with the reason).
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>

typedef kt_code (*doc_fn)(svc *, const svc_actor *, int64_t, unsigned char **, size_t *,
                          kt_error *);

/* Reply with PDF bytes (stolen) named name-<id>.pdf, or the error. */
static void reply_pdf(http_req *r, kt_code rc, unsigned char *pdf, size_t len,
                      const char *name, int64_t id, const kt_error *err)
{
    char file[80];
    if (rc != KT_OK) {
        free(pdf);
        http_reply_error(r, err, NULL);
        return;
    }
    snprintf(file, sizeof file, "%s-%lld.pdf", name, (long long)id);
    http_reply_file(r, "application/pdf", "inline", file, pdf, len); /* made by the server */
}

/* A document of the {id} of the path, rendered by fn. */
static void doc_of_id(http_req *r, doc_fn fn, const char *name)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    int64_t id = 0;
    kt_error err;
    kt_error_clear(&err);
    kt_code rc = http_param_id(r, "id", &id, &err);
    if (rc == KT_OK)
        rc = fn(HTTP_API(r)->s, &r->actor, id, &pdf, &len, &err);
    reply_pdf(r, rc, pdf, len, name, id, &err);
}

/* The ticket is printed by the kiosk: no officer, no actor. */
static kt_code doc_ticket(svc *s, const svc_actor *who, int64_t id, unsigned char **pdf,
                          size_t *len, kt_error *err)
{
    (void)who;
    return svc_doc_ticket(s, id, pdf, len, err);
}

static void h_ticket(http_req *r) { doc_of_id(r, doc_ticket, "tiket"); }
static void h_receipt(http_req *r) { doc_of_id(r, svc_doc_receipt, "tanda-terima"); }
static void h_missing(http_req *r) { doc_of_id(r, svc_doc_missing, "kekurangan-berkas"); }
static void h_referral(http_req *r) { doc_of_id(r, svc_doc_referral, "surat-pengantar"); }

const http_route http_routes_documents[] = {
    {"GET", "/api/tickets/{id}/ticket.pdf", h_ticket, HTTP_PUBLIC},
    {"GET", "/api/applications/{id}/receipt.pdf", h_receipt, 0},
    {"GET", "/api/applications/{id}/missing.pdf", h_missing, 0},
    {"GET", "/api/applications/{id}/referral.pdf", h_referral, 0},
};
const size_t http_routes_documents_n =
    sizeof http_routes_documents / sizeof http_routes_documents[0];
