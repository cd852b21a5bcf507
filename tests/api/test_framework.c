/*
 * test_framework.c - the HTTP framework of src/http over real loopback sockets, with a
 * route table of its own (no service needed): routing and {id} parameters, 404/405, JSON
 * parsing and its errors (line/column), the 64 KiB and 8 MiB limits (declared and chunked),
 * the session gate, static files (index, content types, traversal and symlink refusal, a
 * static root the core keeps its own copy of) and
 * Server-Sent Events (a published message reaches an open stream; stop ends the stream).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "http/server.h"

static http_sse_hub *g_hub;

static void h_echo(http_req *r)
{
    json_t *in = NULL;
    kt_error err;
    kt_error_clear(&err);
    if (http_body_json(r, &in, &err) != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    http_reply_json(r, 200, in);
}

static void h_raw(http_req *r)
{
    int64_t id = 0;
    kt_error err;
    kt_error_clear(&err);
    if (http_param_id(r, "id", &id, &err) != KT_OK) {
        http_reply_error(r, &err, NULL);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:I,s:I,s:s}", "id", (json_int_t)id, "len",
                                      (json_int_t)r->body_len, "slot",
                                      http_param(r, "slot")));
}

static void h_private(http_req *r)
{
    http_reply_json(r, 200, json_pack("{s:s}", "username", r->actor.username));
}

static void h_events(http_req *r)
{
    http_sse_open(g_hub, r, 0);
}

static void h_publish(http_req *r)
{
    http_sse_publish(g_hub, 0, "ticket_called",
                     "{\"type\":\"ticket_called\",\"number\":\"A001\"}");
    http_reply_json(r, 200, NULL);
}

static const http_route routes[] = {
    {"POST", "/api/echo", h_echo, HTTP_PUBLIC},
    {"PUT", "/api/raw/{id}/{slot}", h_raw, HTTP_PUBLIC | HTTP_RAW},
    {"GET", "/api/private", h_private, 0},
    {"GET", "/api/events", h_events, HTTP_PUBLIC},
    {"POST", "/api/publish", h_publish, HTTP_PUBLIC},
};

static kt_code auth(void *app, const char *token, svc_actor *a, kt_error *err)
{
    (void)app;
    if (strcmp(token, "good") != 0)
        return kt_fail(err, KT_EUNAUTH, "session_invalid", "", "sesi tidak berlaku");
    memset(a, 0, sizeof *a);
    strcpy(a->username, "siti");
    strcpy(a->role, "intake");
    return KT_OK;
}

typedef struct fx {
    char dir[256];
    char web[300];
    http_config cfg;
    http_core *core;
    char base[64];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char p[512], real[300];
    http_core_config cc;
    kt_error err;
    assert_non_null(f);
    assert_int_equal(api_tmp_make(f->dir), 0);
    snprintf(f->web, sizeof f->web, "%s/web", f->dir);
    snprintf(p, sizeof p, "mkdir -p %s/sub", f->web);
    assert_int_equal(system(p), 0);
    snprintf(p, sizeof p, "%s/index.html", f->web);
    assert_int_equal(api_write_file(p, "<h1>ktpel</h1>", 14), 0);
    snprintf(p, sizeof p, "%s/app.css", f->web);
    assert_int_equal(api_write_file(p, "body{}", 6), 0);
    snprintf(p, sizeof p, "%s/sub/index.html", f->web);
    assert_int_equal(api_write_file(p, "<p>sub</p>", 10), 0);
    snprintf(p, sizeof p, "%s/secret.txt", f->dir);
    assert_int_equal(api_write_file(p, "SECRET", 6), 0);
    snprintf(p, sizeof p, "%s/.hidden", f->web);
    assert_int_equal(api_write_file(p, "HIDDEN", 6), 0);
    {
        char target[512];
        snprintf(target, sizeof target, "%s/secret.txt", f->dir);
        snprintf(p, sizeof p, "%s/link.txt", f->web);
        assert_int_equal(symlink(target, p), 0);
    }
    assert_non_null(realpath(f->web, real));
    strcpy(f->web, real);
    {
        http_sse_limits sl = {200, 0, 0, 0};
        assert_int_equal(http_sse_hub_new(&sl, &g_hub, &err), KT_OK);
    }
    f->cfg.listen = "127.0.0.1:0";
    f->cfg.quiet = 1;
    memset(&cc, 0, sizeof cc);
    cc.cfg = &f->cfg;
    cc.routes = routes;
    cc.nroutes = sizeof routes / sizeof routes[0];
    cc.auth = auth;
    cc.web_root = f->web;
    assert_int_equal(http_core_start(&cc, &f->core, &err), KT_OK);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", http_core_port(f->core));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    http_sse_close_all(g_hub);
    for (int i = 0; i < 200 && http_sse_count(g_hub) > 0; i++)
        usleep(10000);
    http_core_stop(f->core);
    http_sse_hub_free(g_hub);
    g_hub = NULL;
    api_tmp_remove(f->dir);
    free(f);
    return 0;
}

static void url(const fx *f, char out[512], const char *path)
{
    snprintf(out, 512, "%s%s", f->base, path);
}

static void test_echo_and_json_errors(void **state)
{
    fx *f = *state;
    char u[512], code[64];
    api_resp r;
    json_t *j, *e;

    url(f, u, "/api/echo");
    assert_int_equal(api_json(&r, "POST", u, NULL, "{\"nik\":\"3671101203900001\"}"), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "application/json"));
    j = api_body(&r);
    assert_string_equal(json_string_value(json_object_get(j, "nik")), "3671101203900001");
    json_decref(j);
    api_resp_free(&r);

    /* empty body = {} */
    assert_int_equal(api_json(&r, "POST", u, NULL, NULL), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{}");
    api_resp_free(&r);

    /* malformed: 400 with the line and column */
    assert_int_equal(api_json(&r, "POST", u, NULL, "{\n  \"nik\": 36711,,\n}"), 0);
    assert_int_equal(r.status, 400);
    j = api_body(&r);
    e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "json_malformed");
    assert_non_null(strstr(json_string_value(json_object_get(e, "field")), "line 2, column"));
    assert_true(strlen(json_string_value(json_object_get(e, "message"))) > 0);
    json_decref(j);
    api_resp_free(&r);

    assert_int_equal(api_json(&r, "POST", u, NULL, "[1,2]"), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(api_error_code(&r, code), "json_not_object");
    api_resp_free(&r);
}

static void test_routing(void **state)
{
    fx *f = *state;
    char u[512], code[64];
    api_resp r;
    json_t *j;

    url(f, u, "/api/nope");
    assert_int_equal(api_json(&r, "GET", u, NULL, NULL), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(api_error_code(&r, code), "not_found");
    api_resp_free(&r);

    url(f, u, "/api/echo");
    assert_int_equal(api_json(&r, "GET", u, NULL, NULL), 0);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "POST");
    assert_string_equal(api_error_code(&r, code), "method_not_allowed");
    api_resp_free(&r);

    url(f, u, "/api/raw/42/finger_1");
    assert_int_equal(api_call(&r, "PUT", u, NULL, "image/png", "abc", 3), 0);
    assert_int_equal(r.status, 200);
    j = api_body(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
    assert_int_equal(json_integer_value(json_object_get(j, "len")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "slot")), "finger_1");
    json_decref(j);
    api_resp_free(&r);

    url(f, u, "/api/raw/4x2/face");
    assert_int_equal(api_call(&r, "PUT", u, NULL, "image/png", "abc", 3), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(api_error_code(&r, code), "id_invalid");
    api_resp_free(&r);

    url(f, u, "/api/raw//face"); /* empty parameter does not match */
    assert_int_equal(api_call(&r, "PUT", u, NULL, "image/png", "abc", 3), 0);
    assert_int_equal(r.status, 404);
    api_resp_free(&r);
}

static void test_limits(void **state)
{
    fx *f = *state;
    char u[512], code[64];
    api_resp r;
    size_t big = 64 * 1024 + 1;
    char *body = malloc(9 * 1024 * 1024);
    assert_non_null(body);

    /* a JSON body one byte over 64 KiB */
    memset(body, ' ', big);
    body[0] = '{';
    body[big - 1] = '}';
    url(f, u, "/api/echo");
    assert_int_equal(api_call(&r, "POST", u, NULL, NULL, body, big), 0);
    assert_int_equal(r.status, 413);
    assert_string_equal(api_error_code(&r, code), "body_too_large");
    api_resp_free(&r);
    /* exactly 64 KiB is fine */
    assert_int_equal(api_call(&r, "POST", u, NULL, NULL, body, big - 1 - 1), 0);
    assert_int_equal(r.status, 400); /* not a closed object any more: parsed, not refused */
    api_resp_free(&r);

    /* a biometric upload: 8 MiB accepted, 8 MiB + 1 refused */
    memset(body, 'x', 9 * 1024 * 1024);
    url(f, u, "/api/raw/1/face");
    assert_int_equal(api_call(&r, "PUT", u, NULL, "image/jpeg", body, 8 * 1024 * 1024), 0);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
    assert_int_equal(api_call(&r, "PUT", u, NULL, "image/jpeg", body, 8 * 1024 * 1024 + 1), 0);
    assert_int_equal(r.status, 413);
    api_resp_free(&r);

    /* chunked (no Content-Length): discarded past the limit, then 413 */
    {
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        long status = 0;
        FILE *devnull = fopen("/dev/null", "w");
        FILE *src = fmemopen(body, 100 * 1024, "r");
        assert_non_null(c);
        assert_non_null(src);
        url(f, u, "/api/echo");
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_URL, u);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
        curl_easy_setopt(c, CURLOPT_READDATA, src);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, 413);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        fclose(src);
        fclose(devnull);
    }
    free(body);
}

static void test_session_gate(void **state)
{
    fx *f = *state;
    char u[512], code[64];
    api_resp r;
    url(f, u, "/api/private");
    assert_int_equal(api_json(&r, "GET", u, NULL, NULL), 0);
    assert_int_equal(r.status, 401);
    assert_string_equal(api_error_code(&r, code), "login_required");
    api_resp_free(&r);
    assert_int_equal(api_json(&r, "GET", u, "ktpel_session=bad", NULL), 0);
    assert_int_equal(r.status, 401);
    assert_string_equal(api_error_code(&r, code), "session_invalid");
    api_resp_free(&r);
    assert_int_equal(api_json(&r, "GET", u, "ktpel_session=good", NULL), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "siti"));
    api_resp_free(&r);
}

static void test_static(void **state)
{
    fx *f = *state;
    char u[512];
    api_resp r;
    static const char *const refused[] = {
        "/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/link.txt",
        "/.hidden", "/sub/%2e%2e/%2e%2e/secret.txt", "/nothing.html", "/..%2fsecret.txt",
        "/%5c..%5csecret.txt",
    };

    url(f, u, "/");
    assert_int_equal(api_call(&r, "GET", u, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<h1>ktpel</h1>");
    assert_non_null(strstr(r.ctype, "text/html"));
    api_resp_free(&r);

    url(f, u, "/app.css");
    assert_int_equal(api_call(&r, "GET", u, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/css"));
    api_resp_free(&r);

    url(f, u, "/sub/");
    assert_int_equal(api_call(&r, "GET", u, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<p>sub</p>");
    api_resp_free(&r);

    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        /* curl would normalise "/../" itself: send the path as is */
        url(f, u, refused[i]);
        {
            CURL *h = curl_easy_init();
            FILE *mem;
            char *out = NULL;
            size_t outlen = 0;
            long status = 0;
            mem = open_memstream(&out, &outlen);
            curl_easy_setopt(h, CURLOPT_URL, u);
            curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
            curl_easy_setopt(h, CURLOPT_WRITEDATA, mem);
            assert_int_equal(curl_easy_perform(h), CURLE_OK);
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            fclose(mem);
            if (status != 404)
                fprintf(stderr, "path %s -> %ld %s\n", refused[i], status, out);
            assert_int_equal(status, 404);
            assert_null(strstr(out, "SECRET"));
            assert_null(strstr(out, "HIDDEN"));
            free(out);
            curl_easy_cleanup(h);
        }
    }

    url(f, u, "/app.css");
    assert_int_equal(api_call(&r, "POST", u, NULL, NULL, "{}", 2), 0);
    assert_int_equal(r.status, 405);
    api_resp_free(&r);
}

/* The core keeps its own copy of web_root: http_server_start (api.c) handed it a buffer on
   its own stack, which later calls overwrote (found by tests/fuzz/fuzz_api: ASan
   stack-use-after-scope reading the root of a static file request). Here the caller's buffer
   is overwritten right after the start; static files must still be served. */
static void test_static_root_copied(void **state)
{
    fx *f = *state;
    char root[300], u[512];
    http_core_config cc;
    http_core *core = NULL;
    kt_error err;
    api_resp r;
    snprintf(root, sizeof root, "%s", f->web);
    memset(&cc, 0, sizeof cc);
    cc.cfg = &f->cfg;
    cc.routes = routes;
    cc.nroutes = sizeof routes / sizeof routes[0];
    cc.auth = auth;
    cc.web_root = root;
    assert_int_equal(http_core_start(&cc, &core, &err), KT_OK);
    memset(root, 'x', sizeof root - 1); /* the caller's buffer goes away */
    snprintf(u, sizeof u, "http://127.0.0.1:%u/app.css", http_core_port(core));
    assert_int_equal(api_call(&r, "GET", u, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "body{}");
    api_resp_free(&r);
    http_core_stop(core);
}

/* ---- SSE ---- */
typedef struct sse_client {
    char url[512];
    pthread_mutex_t mu;
    char got[8192];
    size_t n;
    int done;
} sse_client;

static size_t sse_write(char *data, size_t size, size_t nmemb, void *ud)
{
    sse_client *c = ud;
    size_t k = size * nmemb;
    pthread_mutex_lock(&c->mu);
    if (c->n + k < sizeof c->got) {
        memcpy(c->got + c->n, data, k);
        c->n += k;
        c->got[c->n] = '\0';
    }
    pthread_mutex_unlock(&c->mu);
    return k;
}

static void *sse_thread(void *arg)
{
    sse_client *c = arg;
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_perform(h);
    curl_easy_cleanup(h);
    pthread_mutex_lock(&c->mu);
    c->done = 1;
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static int sse_has(sse_client *c, const char *needle)
{
    int yes;
    pthread_mutex_lock(&c->mu);
    yes = strstr(c->got, needle) != NULL;
    pthread_mutex_unlock(&c->mu);
    return yes;
}

static void test_sse(void **state)
{
    fx *f = *state;
    sse_client c[2];
    pthread_t th[2];
    char u[512];
    api_resp r;
    int i, k;

    for (k = 0; k < 2; k++) {
        memset(&c[k], 0, sizeof c[k]);
        pthread_mutex_init(&c[k].mu, NULL);
        url(f, c[k].url, "/api/events");
        assert_int_equal(pthread_create(&th[k], NULL, sse_thread, &c[k]), 0);
    }
    /* wait until both streams are open (the hello comment arrived) */
    for (i = 0; i < 2000 && !(sse_has(&c[0], ": ktpel") && sse_has(&c[1], ": ktpel")); i++)
        usleep(5000);
    assert_true(sse_has(&c[0], ": ktpel") && sse_has(&c[1], ": ktpel"));
    url(f, u, "/api/publish");
    assert_int_equal(api_json(&r, "POST", u, NULL, NULL), 0);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
    for (i = 0; i < 2000 && !(sse_has(&c[0], "A001") && sse_has(&c[1], "A001")); i++)
        usleep(5000);
    for (k = 0; k < 2; k++) {
        assert_true(sse_has(&c[k], "event: ticket_called\ndata: {\"type\":\"ticket_called\""));
    }
    /* heartbeats (every 200 ms here) keep coming */
    for (i = 0; i < 2000 && !sse_has(&c[0], ": ping"); i++)
        usleep(5000);
    assert_true(sse_has(&c[0], ": ping"));
    /* a graceful stop ends the streams */
    http_sse_close_all(g_hub);
    for (k = 0; k < 2; k++)
        pthread_join(th[k], NULL);
    assert_int_equal(c[0].done, 1);
    for (i = 0; i < 200 && http_sse_count(g_hub) > 0; i++)
        usleep(10000);
    assert_int_equal(http_sse_count(g_hub), 0);
    for (k = 0; k < 2; k++)
        pthread_mutex_destroy(&c[k].mu);
}

/* A page that goes away: its stream ends and is freed (the reader sees the closed socket). */
static void test_sse_disconnect(void **state)
{
    fx *f = *state;
    sse_client *c = calloc(1, sizeof *c);
    int i;
    assert_non_null(c);
    pthread_mutex_init(&c->mu, NULL);
    url(f, c->url, "/api/events");
    {
        CURL *h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_URL, c->url);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 0L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 300L); /* the page closes after a moment */
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_perform(h);
        curl_easy_cleanup(h);
    }
    assert_true(sse_has(c, ": ktpel"));
    /* the waiting reader notices within a second and unlinks the stream */
    for (i = 0; i < 1000 && http_sse_count(g_hub) > 0; i++)
        usleep(10000);
    assert_int_equal(http_sse_count(g_hub), 0);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_and_json_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_root_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sse_disconnect, setup, teardown),
    };
    int rc;
    curl_global_init(CURL_GLOBAL_ALL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
