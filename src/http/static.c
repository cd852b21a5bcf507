/*
 * static.c - the pages of web/ served as files (no build step, no CDN).
 *
 * Safety: the decoded path is checked segment by segment (no "..", no hidden segment, no
 * backslash or control character), then resolved with realpath() and must still lie under
 * the web root, so neither a crafted path nor a symlink can leave web/. "/" and directories
 * serve their index.html. Files are sent with sendfile via MHD_create_response_from_fd.
 * The security headers (Content-Security-Policy by type, nosniff, ...) are added by server.c
 * to every reply, these included.
 *
 * Never: list a directory, or serve anything outside the web root.
 */
#include "http/server.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".wav", "audio/wav"},
    {".mp3", "audio/mpeg"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* 1 if every segment of the decoded URL path is harmless. */
static int path_safe(const char *p)
{
    if (p[0] != '/')
        return 0;
    for (const char *c = p; *c != '\0'; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            return 0;
        if (ch == '/' && c[1] == '.')
            return 0; /* "..", "./", hidden files like /.git */
    }
    return 1;
}

static void not_found(http_req *r)
{
    http_reply_fail(r, KT_ENOTFOUND, "not_found", "", "berkas %s tidak ditemukan", r->path);
}

int http_static_method_ok(http_req *r)
{
    if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
        return 1;
    http_reply_fail(r, KT_EINVAL, "method_not_allowed", "",
                    "metode %s tidak berlaku untuk berkas", r->method);
    r->status = 405;
    http_reply_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    return 0;
}

void http_static_serve(http_req *r, const char *root)
{
    char want[PATH_MAX], real[PATH_MAX];
    size_t rootlen = strlen(root);
    struct stat st;
    struct MHD_Response *resp;
    const char *ctype;
    int fd = -1, n;

    if (!http_static_method_ok(r))
        return;
    if (!path_safe(r->path)) {
        not_found(r);
        return;
    }
    n = snprintf(want, sizeof want, "%s%s", root, r->path);
    if (n < 0 || (size_t)n >= sizeof want - 16) {
        not_found(r);
        return;
    }
    if (want[n - 1] == '/')
        strcat(want, "index.html");
    if (realpath(want, real) == NULL || strncmp(real, root, rootlen) != 0 ||
        real[rootlen] != '/') {
        not_found(r);
        return;
    }
    if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (strlen(real) + 12 >= sizeof real) {
            not_found(r);
            return;
        }
        strcat(real, "/index.html");
    }
    fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        not_found(r);
        return;
    }
    ctype = content_type(real);
    resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* owns fd */
    if (resp == NULL) {
        close(fd);
        return; /* becomes a 500 */
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    r->resp = resp;
    r->status = 200;
    r->resp_len = (size_t)st.st_size;
}
