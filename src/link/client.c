/*
 * client.c - the node's HTTPS client (libcurl): one request, the central's TLS public key
 * pinned (CURLOPT_PINNEDPUBLICKEY, "sha256//..."), a bounded answer, the signed request
 * headers of link.h.
 *
 * A pinned key replaces the web's certificate authorities: the central's certificate is
 * self-signed or from the city's own CA, and the node trusts exactly the key it was given at
 * enrolment. Without a pin (plain http on loopback, for development) nothing is verified.
 *
 * Never: follow redirects, read an unbounded answer, print.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link.h"

#define RESP_MAX ((size_t)8 << 20)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct rbuf {
    char *p;
    size_t n, cap;
    int over;
} rbuf;

static size_t on_data(char *data, size_t sz, size_t nm, void *ctx)
{
    rbuf *b = ctx;
    size_t len = sz * nm;
    if (b->n + len + 1 > RESP_MAX) {
        b->over = 1;
        return 0;
    }
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL)
            return 0;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

kt_code link_http_call(const link_http *rq, long *status, char **resp, size_t *resp_len,
                       kt_error *err)
{
    char ebuf[CURL_ERROR_SIZE] = "", h[200];
    struct curl_slist *hdr = NULL;
    rbuf b = {0};
    kt_code rc = KT_OK;
    *status = 0;
    *resp = NULL;
    *resp_len = 0;
    pthread_once(&once, curl_init_once);
    CURL *c = curl_easy_init();
    if (c == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis (curl)");
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout_s > 0 ? rq->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (rq->pin != NULL && rq->pin[0] != '\0') {
        /* The pin is the trust: the certificate's issuer chain and name are not checked. */
        curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, rq->pin);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body != NULL ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
        snprintf(h, sizeof h, "Content-Type: %s",
                 rq->content_type != NULL ? rq->content_type : "application/json");
        hdr = curl_slist_append(hdr, h);
        hdr = curl_slist_append(hdr, "Expect:");
    }
    if (rq->sig != NULL) {
        snprintf(h, sizeof h, "X-Ktpel-Node: %s", rq->sig->node);
        hdr = curl_slist_append(hdr, h);
        snprintf(h, sizeof h, "X-Ktpel-Time: %s", rq->sig->time);
        hdr = curl_slist_append(hdr, h);
        snprintf(h, sizeof h, "X-Ktpel-Signature: %s", rq->sig->sig);
        hdr = curl_slist_append(hdr, h);
    }
    if (hdr != NULL)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        rc = kt_fail(err, KT_EUNAVAIL, "central_unreachable", "central",
                     "Pusat (Disdukcapil) tidak dapat dihubungi: %s",
                     ebuf[0] ? ebuf : curl_easy_strerror(cc));
        if (b.over)
            rc = kt_fail(err, KT_ETOOBIG, "answer_too_big", "central",
                         "Jawaban pusat terlalu besar");
        free(b.p);
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    *resp = b.p != NULL ? b.p : calloc(1, 1);
    *resp_len = b.n;
    if (*resp == NULL)
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
out:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return rc;
}
