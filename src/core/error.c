/*
 * error.c - filling kt_error. See error.h. Never allocates; truncates safely.
 */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

kt_code kt_vfail(kt_error *err, kt_code code, const char *id, const char *field,
                 const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->retry_s = 0;
    copy_str(err->id, sizeof err->id, id);
    copy_str(err->field, sizeof err->field, field);
    if (fmt != NULL)
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    else
        err->message[0] = '\0';
    return code;
}

kt_code kt_fail(kt_error *err, kt_code code, const char *id, const char *field,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kt_vfail(err, code, id, field, fmt, ap);
    va_end(ap);
    return code;
}

kt_code kt_fail_retry(kt_error *err, kt_code code, unsigned retry_s, const char *id,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kt_vfail(err, code, id, "", fmt, ap);
    va_end(ap);
    if (err != NULL)
        err->retry_s = retry_s > 0 ? retry_s : 1;
    return code;
}

void kt_error_clear(kt_error *err)
{
    if (err == NULL)
        return;
    err->code = KT_OK;
    err->retry_s = 0;
    err->id[0] = err->field[0] = err->message[0] = '\0';
}

int kt_http_status(kt_code code)
{
    switch (code) {
    case KT_OK: return 200;
    case KT_EINVAL: return 400;
    case KT_EUNAUTH: return 401;
    case KT_EFORBIDDEN: return 403;
    case KT_ENOTFOUND: return 404;
    case KT_ECONFLICT: return 409;
    case KT_ETOOBIG: return 413;
    case KT_EREFUSED: return 422;
    case KT_EUNAVAIL: return 503;
    case KT_ELIMIT: return 429;
    case KT_EIO:
    case KT_ENOMEM:
    case KT_EINTERNAL: return 500;
    }
    return 500;
}

const char *kt_code_name(kt_code code)
{
    switch (code) {
    case KT_OK: return "ok";
    case KT_EINVAL: return "invalid";
    case KT_EUNAUTH: return "unauthenticated";
    case KT_EFORBIDDEN: return "forbidden";
    case KT_ENOTFOUND: return "not_found";
    case KT_ECONFLICT: return "conflict";
    case KT_ETOOBIG: return "too_big";
    case KT_EREFUSED: return "refused";
    case KT_EIO: return "io";
    case KT_ENOMEM: return "no_memory";
    case KT_EINTERNAL: return "internal";
    case KT_EUNAVAIL: return "unavailable";
    case KT_ELIMIT: return "too_many";
    }
    return "internal";
}
