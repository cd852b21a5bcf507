/*
 * router.c - matching a request path against a route pattern ("/api/tickets/{id}/recall").
 *
 * A pattern is literal segments and {name} segments; {name} matches exactly one non-empty
 * segment. Values are copied into r->pbuf so they stay valid for the whole request. Paths
 * are compared as decoded by libmicrohttpd; a trailing slash is not the same path.
 *
 * Never: allocate, or accept an empty segment as a parameter.
 */
#include "http/server.h"

#include <string.h>

int http_route_match(const char *pattern, const char *path, http_req *r)
{
    const char *p = pattern, *u = path;
    size_t used = 0;
    int n = 0;

    while (*p != '\0' && *u != '\0') {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            size_t nlen, vlen;
            if (pe == NULL || n >= HTTP_MAX_PARAMS)
                return 0;
            if (ue == NULL)
                ue = u + strlen(u);
            vlen = (size_t)(ue - u);
            nlen = (size_t)(pe - p - 1);
            if (vlen == 0 || used + nlen + vlen + 2 > sizeof r->pbuf)
                return 0;
            memcpy(r->pbuf + used, p + 1, nlen);
            r->pbuf[used + nlen] = '\0';
            r->param_name[n] = r->pbuf + used;
            used += nlen + 1;
            memcpy(r->pbuf + used, u, vlen);
            r->pbuf[used + vlen] = '\0';
            r->param_val[n] = r->pbuf + used;
            used += vlen + 1;
            n++;
            p = pe + 1;
            u = ue;
            continue;
        }
        if (*p != *u)
            return 0;
        p++;
        u++;
    }
    if (*p != '\0' || *u != '\0')
        return 0;
    r->nparams = n;
    return 1;
}

const char *http_param(const http_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->param_name[i], name) == 0)
            return r->param_val[i];
    return NULL;
}

kt_code http_param_id(const http_req *r, const char *name, int64_t *out, kt_error *err)
{
    const char *v = http_param(r, name);
    int64_t id = 0;
    if (v == NULL || *v == '\0')
        return kt_fail(err, KT_EINVAL, "id_invalid", name, "id tidak ada di alamat");
    for (const char *c = v; *c != '\0'; c++) {
        if (*c < '0' || *c > '9' || id > (INT64_MAX - 9) / 10)
            return kt_fail(err, KT_EINVAL, "id_invalid", name,
                           "id harus bilangan bulat positif, bukan '%.40s'", v);
        id = id * 10 + (*c - '0');
    }
    if (id <= 0)
        return kt_fail(err, KT_EINVAL, "id_invalid", name, "id harus lebih dari 0");
    *out = id;
    return KT_OK;
}
