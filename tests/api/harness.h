/*
 * harness.h - what the API tests share: HTTP calls with libcurl, a temp folder, running the
 * real ktpel binary (CLI commands and `ktpel serve` on a free loopback port).
 *
 * Every response body is owned by the api_resp (api_resp_free). The server is started as a
 * child process and always killed in api_server_stop (SIGTERM, then SIGKILL), so no test
 * leaves a process behind.
 */
#ifndef KTPEL_TESTS_API_HARNESS_H
#define KTPEL_TESTS_API_HARNESS_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct api_resp {
    long status;
    char *body;          /* NUL-terminated (owned) */
    size_t len;
    char ctype[128];     /* Content-Type */
    char cookie[160];    /* "ktpel_session=..." from Set-Cookie, or "" */
    char set_cookie[256];/* the whole Set-Cookie value */
    char allow[64];
    char headers[4096];  /* every response header line, "\r\n"-separated as received */
} api_resp;

/* One HTTP call. body may be NULL. cookie: "name=value" or NULL. ctype NULL = JSON.
   Every call also sends the headers set with api_use_kiosk / api_add_header and trusts the
   certificate given to api_use_ca (https://). */
int api_call(api_resp *out, const char *method, const char *url, const char *cookie,
             const char *ctype, const void *body, size_t len);
/* JSON shorthand: body is a JSON text or NULL. */
int api_json(api_resp *out, const char *method, const char *url, const char *cookie,
             const char *json_text);
void api_resp_free(api_resp *r);
/* The value of response header `name` (case-insensitive) copied into out, or NULL. */
const char *api_header(const api_resp *r, const char *name, char *out, size_t cap);
/* Calls from now on leave from this local address (e.g. "127.0.0.2": another client on
   loopback); NULL: the default. */
void api_use_source(const char *ip);
/* From now on this test process is a registered kiosk: every call sends
   X-Ktpel-Kiosk: token (NULL: stop). */
void api_use_kiosk(const char *token);
/* A header every later call sends ("Name: value", copied; NULL clears them all). */
void api_add_header(const char *line);
/* Trust this PEM certificate for https:// calls (NULL: the system's). */
void api_use_ca(const char *pem_path);
/* Register a kiosk with `ktpel kiosk add NAME --db DB` and put its secret in token. 0 or -1. */
int api_kiosk_add(const char *db, const char *name, char token[65]);
/* `ktpel tls self-signed` into dir/cert.pem and dir/key.pem (paths written to cert, key). */
int api_tls_make(const char *dir, char cert[300], char key[300]);
/* Parsed body (new reference) or NULL. */
json_t *api_body(const api_resp *r);
/* error.code of an error body, "" if none (borrowed from a static buffer per call). */
const char *api_error_code(const api_resp *r, char buf[64]);

/* One call to base + the formatted path that must answer `want` (else the answer is printed
   and -1 returned); the response is left in out (api_resp_free). ctype NULL = JSON. */
int api_expect(api_resp *out, const char *base, const char *method, const char *cookie,
               const char *ctype, const char *body, long want, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* A Server-Sent Events client on a thread of its own: what the stream sent so far, kept in
   `got` (up to 64 KiB). api_sse_start, then api_sse_wait for a text, api_sse_stop to end. */
typedef struct api_sse {
    char url[512];
    char cookie[160];    /* "" = none */
    char source[32];     /* local address, "" = default */
    pthread_mutex_t mu;
    char got[65536];
    size_t n;
    volatile int stop;
    pthread_t th;
} api_sse;
/* Open url (with cookie and source address when not NULL) and read it until api_sse_stop. */
int api_sse_start(api_sse *s, const char *url, const char *cookie, const char *source);
/* 1 when the stream has sent `needle` (within 10 s), else 0. */
int api_sse_wait(api_sse *s, const char *needle);
/* 1 when the stream has sent `needle` so far. */
int api_sse_has(api_sse *s, const char *needle);
void api_sse_stop(api_sse *s);

/* mkdtemp under TMPDIR; path written to dir (cap 256). rm -rf with api_tmp_remove. */
int api_tmp_make(char dir[256]);
void api_tmp_remove(const char *dir);
int api_write_file(const char *path, const void *data, size_t len);

/* A free loopback TCP port (bound then closed). */
unsigned api_free_port(void);

/* Run the ktpel binary with args (NULL-terminated); returns its exit status, output to
   the test's stderr/stdout. */
int api_ktpel(const char *const *args);
/* The same, with `input` written to its stdin (e.g. a password). */
int api_ktpel_in(const char *const *args, const char *input);

typedef struct api_server {
    pid_t pid;
    unsigned port;
    char base[64];       /* "http://127.0.0.1:PORT", https:// when started with --tls-cert */
} api_server;
/* Start `ktpel serve --listen 127.0.0.1:PORT --db db --data data --quiet` and wait until
   it answers (up to 20 s). */
int api_server_start(api_server *s, const char *db, const char *data);
/* The same with more arguments for `ktpel serve` (NULL-terminated; NULL: none). */
int api_server_start_with(api_server *s, const char *db, const char *data,
                          const char *const *extra);
/* The next api_server_start* runs without --quiet and writes its stderr (the access log)
   to path (NULL: back to quiet, stderr inherited). */
void api_server_log(const char *path);
/* SIGTERM, wait (SIGKILL after 10 s); returns the exit status (0 = graceful and, under
   ASan, leak-free), or -1. */
int api_server_stop(api_server *s);

/* ktpel binary path (env KTPEL_BIN). */
const char *api_bin(void);

/* The office most suites test, prepared through the CLI in a new temp folder (api_tmp_make):
   db = dir/ktpel.db, data = dir/data; `ktpel init`, then `ktpel import-siak` of csv (written
   to dir/siak.csv). 0, or -1. */
int api_site_make(char dir[256], char db[300], char data[300], const char *csv);
/* Run the ktpel binary and capture its stdout (up to cap - 1 bytes, NUL-terminated). */
int api_ktpel_out(const char *const *args, char *out, size_t cap);
/* `ktpel user add NAME --role ROLE --full-name NAME [--loket LOKET] --db DB`, the password
   "rahasia-NAME" on stdin (the one api_login uses); the exit status. */
int api_add_user(const char *db, const char *name, const char *role, const char *loket);
/* POST base/api/login as user, password "rahasia-USER", at loket; 0 with the session cookie
   ("ktpel_session=...") in cookie, or -1 (the answer printed). */
int api_login(const char *base, const char *user, int loket, char cookie[160]);

#endif
