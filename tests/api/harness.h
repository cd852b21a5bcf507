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
} api_resp;

/* The local address calls are made from (e.g. "127.0.0.2": another client on the loopback, for
   per-client limits); NULL = the system's choice. */
extern const char *api_source_ip;
/* Retry-After of the last response that had one ("" if none). */
extern char api_retry_after[16];

/* One HTTP call. body may be NULL. cookie: "name=value" or NULL. ctype NULL = JSON. */
int api_call(api_resp *out, const char *method, const char *url, const char *cookie,
             const char *ctype, const void *body, size_t len);
/* JSON shorthand: body is a JSON text or NULL. */
int api_json(api_resp *out, const char *method, const char *url, const char *cookie,
             const char *json_text);
void api_resp_free(api_resp *r);
/* Parsed body (new reference) or NULL. */
json_t *api_body(const api_resp *r);
/* error.code of an error body, "" if none (borrowed from a static buffer per call). */
const char *api_error_code(const api_resp *r, char buf[64]);

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
    char base[64];       /* "http://127.0.0.1:PORT" */
} api_server;
/* Start `ktpel serve --listen 127.0.0.1:PORT --db db --data data --quiet` and wait until
   it answers (up to 20 s). */
int api_server_start(api_server *s, const char *db, const char *data);
/* The same with more arguments for `ktpel serve` (NULL-terminated; NULL: none). */
int api_server_start_with(api_server *s, const char *db, const char *data,
                          const char *const *extra);
/* SIGTERM, wait (SIGKILL after 10 s); returns the exit status (0 = graceful and, under
   ASan, leak-free), or -1. */
int api_server_stop(api_server *s);

/* ktpel binary path (env KTPEL_BIN). */
const char *api_bin(void);

/* The office most suites test, prepared through the CLI in a new temp folder (api_tmp_make):
   db = dir/ktpel.db, data = dir/data; `ktpel init`, then `ktpel import-siak` of csv (written
   to dir/siak.csv). 0, or -1. */
int api_site_make(char dir[256], char db[300], char data[300], const char *csv);
/* `ktpel user add NAME --role ROLE --full-name NAME [--loket LOKET] --db DB`, the password
   "rahasia-NAME" on stdin (the one api_login uses); the exit status. */
int api_add_user(const char *db, const char *name, const char *role, const char *loket);
/* POST base/api/login as user, password "rahasia-USER", at loket; 0 with the session cookie
   ("ktpel_session=...") in cookie, or -1 (the answer printed). */
int api_login(const char *base, const char *user, int loket, char cookie[160]);

#endif
