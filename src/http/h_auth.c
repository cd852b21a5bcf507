/*
 * h_auth.c - POST /api/login, POST /api/logout, GET /api/me, POST /api/me/password
 * (docs/api.md "Auth").
 *
 * The session token lives only in an HttpOnly, SameSite=Strict cookie: scripts in the page
 * cannot read it and other sites cannot make the browser send it (another port of the same
 * host is the same site: server.c's Origin and Fetch Metadata checks cover that). Over HTTPS
 * (TLS here or at the proxy) the cookie is also Secure: never sent over plain HTTP. The
 * client's address (r->client) goes to the service for login throttling and the audit trail.
 * Never: say whether the username or the password was wrong (the service's message).
 */
#include "http/api.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static json_t *actor_json(const svc_actor *a)
{
    return json_pack("{s:I,s:s,s:s,s:i,s:b}", "user_id", (json_int_t)a->user_id, "username",
                     a->username, "role", a->role, "loket", a->loket, "must_change_password",
                     a->must_change_password);
}

static void h_login(http_req *r)
{
    json_t *in = http_json_in(r);
    const char *user, *pass;
    json_t *loket;
    char token[65];
    char cookie[160];
    char ip[INET_ADDRSTRLEN];
    svc_actor a;
    kt_error err;
    kt_code rc;
    int lk = 0;

    if (in == NULL)
        return;
    user = json_string_value(json_object_get(in, "username"));
    pass = json_string_value(json_object_get(in, "password"));
    loket = json_object_get(in, "loket");
    if (user == NULL || user[0] == '\0') {
        http_reply_fail(r, KT_EINVAL, "field_missing", "username", "nama pengguna wajib diisi");
        goto out;
    }
    if (pass == NULL) {
        http_reply_fail(r, KT_EINVAL, "field_missing", "password", "kata sandi wajib diisi");
        goto out;
    }
    if (loket != NULL && !json_is_null(loket)) {
        if (!json_is_integer(loket) || json_integer_value(loket) < 0 ||
            json_integer_value(loket) > 99) {
            http_reply_fail(r, KT_EINVAL, "loket_invalid", "loket",
                            "loket harus nomor 1..99");
            goto out;
        }
        lk = (int)json_integer_value(loket);
    }
    kt_error_clear(&err);
    http_client_text(r, ip, sizeof ip);
    rc = svc_login(HTTP_API(r)->s, user, pass, lk, ip, token, &a, &err);
    if (rc != KT_OK) {
        http_reply_error(r, &err, NULL);
        goto out;
    }
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
             HTTP_SESSION_COOKIE, token, http_core_https(r->core) ? "; Secure" : "");
    r->actor = a;
    r->has_actor = 1;
    http_reply_json(r, 200, actor_json(&a));
    http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
out:
    json_decref(in);
}

static void h_logout(http_req *r)
{
    kt_error err;
    char cookie[128];
    kt_error_clear(&err);
    if (svc_logout(HTTP_API(r)->s, r->token, &err) != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             HTTP_SESSION_COOKIE, http_core_https(r->core) ? "; Secure" : "");
    http_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
    http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}

static void h_me(http_req *r)
{
    http_reply_json(r, 200, actor_json(&r->actor));
}

static void h_password(http_req *r)
{
    http_run_in(r, svc_password_change, 200);
}

const http_route http_routes_auth[] = {
    {"POST", "/api/login", h_login, HTTP_PUBLIC},
    {"POST", "/api/logout", h_logout, 0},
    {"GET", "/api/me", h_me, 0},
    {"POST", "/api/me/password", h_password, 0},
};
const size_t http_routes_auth_n = sizeof http_routes_auth / sizeof http_routes_auth[0];
