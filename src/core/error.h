/*
 * error.h - the one error type of ktpel.
 *
 * Every fallible function returns a kt_code and, when it fails, fills a kt_error
 * that says what went wrong, where (the field or input position) and why.
 * The HTTP layer turns it into {"error": {"code", "message", "field"}} with the
 * status from kt_http_status() (and Retry-After when retry_s says when to try again); the CLI
 * prints "ktpel: <field>: <message>" on stderr. There is one source of messages: the layer
 * that detects the fault.
 *
 * Messages shown to people are in Bahasa Indonesia; `code` is a stable English
 * identifier for programs (e.g. "nik_invalid", "illegal_transition").
 *
 * Pure C, no I/O, no allocation: a kt_error lives on the caller's stack.
 */
#ifndef KTPEL_CORE_ERROR_H
#define KTPEL_CORE_ERROR_H

#include <stdarg.h>

typedef enum kt_code {
    KT_OK = 0,
    KT_EINVAL,     /* bad input: malformed, out of range (HTTP 400) */
    KT_EUNAUTH,    /* not logged in / bad credentials (401) */
    KT_EFORBIDDEN, /* logged in, but the role may not do this (403) */
    KT_ENOTFOUND,  /* no such thing (404) */
    KT_ECONFLICT,  /* state does not allow it: illegal transition, duplicate (409) */
    KT_ETOOBIG,    /* body or upload over its limit (413) */
    KT_EREFUSED,   /* a rule of the SOP or the law refuses it (422) */
    KT_EIO,        /* storage or file system failure (500) */
    KT_ENOMEM,     /* out of memory (500) */
    KT_EINTERNAL,  /* a bug: an invariant broke (500) */
    KT_EUNAVAIL,   /* temporarily unavailable: busy database, peer down (503) */
    KT_ELIMIT      /* too many: a client's or an account's limit, retry after retry_s (429) */
} kt_code;

typedef struct kt_error {
    kt_code code;
    char id[48];       /* stable machine identifier, e.g. "nik_invalid" */
    char field[64];    /* the input it concerns ("nik", "line 12 column 3"), or "" */
    char message[256]; /* for a person, Bahasa Indonesia */
    unsigned retry_s;  /* KT_ELIMIT, KT_EUNAVAIL: seconds until a retry may succeed; 0 = unsaid */
} kt_error;

/* Fill err (if not NULL) and return code. printf-style message. */
kt_code kt_fail(kt_error *err, kt_code code, const char *id, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
kt_code kt_vfail(kt_error *err, kt_code code, const char *id, const char *field,
                 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
/* The one way to say "too many / not now, retry after retry_s seconds" (KT_ELIMIT: 429,
   KT_EUNAVAIL: 503; the HTTP reply carries Retry-After). The message says the wait too. */
kt_code kt_fail_retry(kt_error *err, kt_code code, unsigned retry_s, const char *id,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Reset to KT_OK with empty strings. */
void kt_error_clear(kt_error *err);

/* HTTP status for a code (400, 401, ...); 200 for KT_OK. */
int kt_http_status(kt_code code);

/* Stable English name of a code ("invalid", "not_found", ...). */
const char *kt_code_name(kt_code code);

#endif
