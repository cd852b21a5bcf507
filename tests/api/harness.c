/*
 * harness.c - see harness.h. libcurl easy handles, one per call (the tests are not about
 * client speed); the server is a child process of the test.
 */
#include "harness.h"

#include <curl/curl.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int g_quiet; /* no curl error print while polling for the server */
static char g_kiosk[80];          /* X-Ktpel-Kiosk sent by every call, "" = none */
static char g_headers[8][200];    /* more headers every call sends */
static int g_nheaders;
static char g_ca[300];            /* CA file for https, "" = the system's */
static char g_source[64];         /* local address of calls, "" = default */
static void copy_trim(char *dst, size_t cap, const char *src, size_t n);
static char g_log[300];           /* the next server's stderr, "" = quiet */

void api_use_source(const char *ip)
{
    snprintf(g_source, sizeof g_source, "%s", ip != NULL ? ip : "");
}

void api_server_log(const char *path)
{
    snprintf(g_log, sizeof g_log, "%s", path != NULL ? path : "");
}

const char *api_header(const api_resp *r, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *l = r->headers; *l != '\0';) {
        const char *e = strstr(l, "\r\n");
        size_t len = e != NULL ? (size_t)(e - l) : strlen(l);
        if (len > n && strncasecmp(l, name, n) == 0 && l[n] == ':') {
            copy_trim(out, cap, l + n + 1, len - n - 1);
            return out;
        }
        l += len + (e != NULL ? 2 : 0);
    }
    return NULL;
}

void api_use_kiosk(const char *token)
{
    snprintf(g_kiosk, sizeof g_kiosk, "%s", token != NULL ? token : "");
}

void api_add_header(const char *line)
{
    if (line == NULL) {
        g_nheaders = 0;
        return;
    }
    if (g_nheaders < 8)
        snprintf(g_headers[g_nheaders++], sizeof g_headers[0], "%s", line);
}

void api_use_ca(const char *pem_path)
{
    snprintf(g_ca, sizeof g_ca, "%s", pem_path != NULL ? pem_path : "");
}

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t n = size * nmemb;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *np;
        while (cap < b->n + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (np == NULL)
            return 0;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

static void copy_trim(char *dst, size_t cap, const char *src, size_t n)
{
    while (n > 0 && (src[n - 1] == '\r' || src[n - 1] == '\n' || src[n - 1] == ' '))
        n--;
    while (n > 0 && *src == ' ') {
        src++;
        n--;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    api_resp *r = ud;
    size_t n = size * nmemb;
    size_t have = strlen(r->headers);
    if (n > 0 && strncmp(data, "HTTP/", 5) == 0)
        r->headers[0] = '\0', have = 0; /* a new status line (after 100 Continue): start over */
    if (have + n + 1 < sizeof r->headers) {
        memcpy(r->headers + have, data, n);
        r->headers[have + n] = '\0';
    }
    if (n > 13 && strncasecmp(data, "Content-Type:", 13) == 0)
        copy_trim(r->ctype, sizeof r->ctype, data + 13, n - 13);
    else if (n > 6 && strncasecmp(data, "Allow:", 6) == 0)
        copy_trim(r->allow, sizeof r->allow, data + 6, n - 6);
    else if (n > 11 && strncasecmp(data, "Set-Cookie:", 11) == 0) {
        copy_trim(r->set_cookie, sizeof r->set_cookie, data + 11, n - 11);
        const char *semi = strchr(r->set_cookie, ';');
        size_t k = semi ? (size_t)(semi - r->set_cookie) : strlen(r->set_cookie);
        copy_trim(r->cookie, sizeof r->cookie, r->set_cookie, k);
    }
    return n;
}

int api_call(api_resp *out, const char *method, const char *url, const char *cookie,
             const char *ctype, const void *body, size_t len)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    buf b = {0};
    char line[160];
    CURLcode cr;

    memset(out, 0, sizeof *out);
    if (c == NULL)
        return -1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (cookie != NULL && cookie[0] != '\0')
        curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    if (g_ca[0] != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, g_ca);
    if (g_source[0] != '\0')
        curl_easy_setopt(c, CURLOPT_INTERFACE, g_source);
    if (g_kiosk[0] != '\0') {
        snprintf(line, sizeof line, "X-Ktpel-Kiosk: %s", g_kiosk);
        h = curl_slist_append(h, line);
    }
    for (int i = 0; i < g_nheaders; i++)
        h = curl_slist_append(h, g_headers[i]);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        snprintf(line, sizeof line, "Content-Type: %s", ctype ? ctype : "application/json");
        h = curl_slist_append(h, line);
        h = curl_slist_append(h, "Expect:");
    }
    if (h != NULL)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    out->body = b.p != NULL ? b.p : calloc(1, 1);
    out->len = b.n;
    if (cr != CURLE_OK && out->status == 0) {
        if (!g_quiet)
            fprintf(stderr, "curl %s %s: %s\n", method, url, curl_easy_strerror(cr));
        return -1;
    }
    return 0;
}

int api_json(api_resp *out, const char *method, const char *url, const char *cookie,
             const char *json_text)
{
    return api_call(out, method, url, cookie, NULL, json_text,
                    json_text != NULL ? strlen(json_text) : 0);
}

int api_expect(api_resp *out, const char *base, const char *method, const char *cookie,
               const char *ctype, const char *body, long want, const char *fmt, ...)
{
    char path[400], url[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    snprintf(url, sizeof url, "%s%s", base, path);
    if (api_call(out, method, url, cookie, ctype, body, body != NULL ? strlen(body) : 0) != 0)
        return -1;
    if (out->status != want) {
        fprintf(stderr, "%s %s -> %ld (want %ld): %.300s\n", method, path, out->status, want,
                out->body);
        return -1;
    }
    return 0;
}

static size_t sse_write(char *data, size_t size, size_t nmemb, void *ud)
{
    api_sse *s = ud;
    size_t k = size * nmemb;
    pthread_mutex_lock(&s->mu);
    if (s->n + k < sizeof s->got) {
        memcpy(s->got + s->n, data, k);
        s->n += k;
        s->got[s->n] = '\0';
    }
    pthread_mutex_unlock(&s->mu);
    return s->stop ? 0 : k;
}

static int sse_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return ((api_sse *)ud)->stop ? 1 : 0;
}

static void *sse_main(void *arg)
{
    api_sse *s = arg;
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sse_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (g_ca[0] != '\0')
        curl_easy_setopt(h, CURLOPT_CAINFO, g_ca);
    if (s->cookie[0] != '\0')
        curl_easy_setopt(h, CURLOPT_COOKIE, s->cookie);
    if (s->source[0] != '\0')
        curl_easy_setopt(h, CURLOPT_INTERFACE, s->source);
    curl_easy_perform(h);
    curl_easy_cleanup(h);
    return NULL;
}

int api_sse_start(api_sse *s, const char *url, const char *cookie, const char *source)
{
    memset(s->got, 0, sizeof s->got);
    s->n = 0;
    s->stop = 0;
    snprintf(s->url, sizeof s->url, "%s", url);
    snprintf(s->cookie, sizeof s->cookie, "%s", cookie != NULL ? cookie : "");
    snprintf(s->source, sizeof s->source, "%s", source != NULL ? source : "");
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->th, NULL, sse_main, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        return -1;
    }
    return 0;
}

int api_sse_has(api_sse *s, const char *needle)
{
    pthread_mutex_lock(&s->mu);
    int yes = strstr(s->got, needle) != NULL;
    pthread_mutex_unlock(&s->mu);
    return yes;
}

int api_sse_wait(api_sse *s, const char *needle)
{
    for (int i = 0; i < 1000 && !api_sse_has(s, needle); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return api_sse_has(s, needle);
}

void api_sse_stop(api_sse *s)
{
    s->stop = 1;
    pthread_join(s->th, NULL);
    pthread_mutex_destroy(&s->mu);
}

void api_resp_free(api_resp *r)
{
    free(r->body);
    r->body = NULL;
}

json_t *api_body(const api_resp *r)
{
    return r->body != NULL ? json_loads(r->body, 0, NULL) : NULL;
}

const char *api_error_code(const api_resp *r, char b[64])
{
    json_t *j = api_body(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(b, 64, "%s", c != NULL ? c : "");
    json_decref(j);
    return b;
}

int api_tmp_make(char dir[256])
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, 256, "%s/ktpel-api-XXXXXX", t != NULL && t[0] != '\0' ? t : "/tmp");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

void api_tmp_remove(const char *dir)
{
    const char *args[] = {"rm", "-rf", dir, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execvp("rm", (char *const *)(uintptr_t)args);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

int api_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    if (len > 0 && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

unsigned api_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

const char *api_bin(void)
{
    const char *b = getenv("KTPEL_BIN");
    return b != NULL && b[0] != '\0' ? b : "ktpel";
}

int api_ktpel_in(const char *const *args, const char *input)
{
    const char *argv[32];
    int n = 0, st = 0, fds[2] = {-1, -1};
    pid_t pid;
    argv[n++] = api_bin();
    for (int i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (input != NULL && pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (input != NULL) {
            dup2(fds[0], STDIN_FILENO);
            close(fds[0]);
            close(fds[1]);
        }
        if (null >= 0) { /* the commands' JSON is not the test's output; errors still show */
            dup2(null, STDOUT_FILENO);
            close(null);
        }
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    if (input != NULL) {
        close(fds[0]);
        if (pid > 0 && write(fds[1], input, strlen(input)) < 0)
            fprintf(stderr, "write to ktpel stdin failed\n");
        close(fds[1]);
    }
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int api_ktpel(const char *const *args)
{
    return api_ktpel_in(args, NULL);
}

int api_ktpel_out(const char *const *args, char *out, size_t cap)
{
    const char *argv[32];
    int n = 0, st = 0, fds[2];
    size_t got = 0;
    pid_t pid;
    argv[n++] = api_bin();
    for (int i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (cap == 0 || pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        ssize_t k = got + 1 < cap ? read(fds[0], out + got, cap - 1 - got) : 0;
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    out[got] = '\0';
    close(fds[0]);
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int api_kiosk_add(const char *db, const char *name, char token[65])
{
    char out[1024];
    const char *args[] = {"kiosk", "add", name, "--db", db, NULL};
    json_t *j;
    const char *t;
    token[0] = '\0';
    if (api_ktpel_out(args, out, sizeof out) != 0 || (j = json_loads(out, 0, NULL)) == NULL)
        return -1;
    t = json_string_value(json_object_get(j, "token"));
    if (t != NULL)
        snprintf(token, 65, "%s", t);
    json_decref(j);
    return token[0] != '\0' ? 0 : -1;
}

int api_tls_make(const char *dir, char cert[300], char key[300])
{
    snprintf(cert, 300, "%s/cert.pem", dir);
    snprintf(key, 300, "%s/key.pem", dir);
    const char *args[] = {"tls", "self-signed", "--cert", cert, "--key", key, NULL};
    return api_ktpel(args) == 0 ? 0 : -1;
}

int api_server_start(api_server *s, const char *db, const char *data)
{
    return api_server_start_with(s, db, data, NULL);
}

int api_server_start_with(api_server *s, const char *db, const char *data,
                          const char *const *extra)
{
    char listen[64];
    memset(s, 0, sizeof *s);
    s->port = api_free_port();
    if (s->port == 0)
        return -1;
    snprintf(listen, sizeof listen, "127.0.0.1:%u", s->port);
    int tls = 0;
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        tls |= strcmp(extra[i], "--tls-cert") == 0;
    snprintf(s->base, sizeof s->base, "%s://127.0.0.1:%u", tls ? "https" : "http", s->port);
    s->pid = fork();
    if (s->pid == 0) {
        const char *argv[32] = {api_bin(), "serve", "--listen", listen, "--db", db,
                                "--data", data, "--quiet"};
        int n = 9;
        if (g_log[0] != '\0') { /* the access log to a file instead of --quiet */
            int fd = open(g_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, STDERR_FILENO);
                close(fd);
            }
            n = 8;
        }
        for (int i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    if (s->pid < 0)
        return -1;
    for (int i = 0; i < 400; i++) { /* wait until it answers: up to 20 s */
        api_resp r;
        char url[128];
        int st;
        snprintf(url, sizeof url, "%s/api/queue/board", s->base);
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        g_quiet = 1;
        if (api_call(&r, "GET", url, NULL, NULL, NULL, 0) == 0 && r.status != 0) {
            g_quiet = 0;
            api_resp_free(&r);
            return 0;
        }
        g_quiet = 0;
        api_resp_free(&r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    api_server_stop(s);
    return -1;
}

int api_server_stop(api_server *s)
{
    int st = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 200; i++) { /* graceful: up to 10 s */
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return -1;
}

int api_site_make(char dir[256], char db[300], char data[300], const char *csv)
{
    char csvpath[300];
    if (api_tmp_make(dir) != 0)
        return -1;
    snprintf(db, 300, "%s/ktpel.db", dir);
    snprintf(data, 300, "%s/data", dir);
    snprintf(csvpath, sizeof csvpath, "%s/siak.csv", dir);
    const char *init[] = {"init", "--db", db, NULL};
    const char *import[] = {"import-siak", csvpath, "--db", db, NULL};
    if (api_write_file(csvpath, csv, strlen(csv)) != 0 || api_ktpel(init) != 0 ||
        api_ktpel(import) != 0)
        return -1;
    return 0;
}

int api_add_user(const char *db, const char *name, const char *role, const char *loket)
{
    char pw[80];
    const char *args_l[] = {"user", "add", name, "--role", role, "--full-name", name, "--loket",
                            loket, "--db", db, NULL};
    const char *args[] = {"user", "add", name, "--role", role, "--full-name", name, "--db",
                          db, NULL};
    snprintf(pw, sizeof pw, "rahasia-%s\n", name);
    return api_ktpel_in(loket != NULL ? args_l : args, pw);
}

int api_login(const char *base, const char *user, int loket, char cookie[160])
{
    char url[200], body[200];
    api_resp r;
    snprintf(url, sizeof url, "%s/api/login", base);
    snprintf(body, sizeof body,
             "{\"username\":\"%s\",\"password\":\"rahasia-%s\",\"loket\":%d}", user, user,
             loket);
    if (api_json(&r, "POST", url, NULL, body) != 0)
        return -1;
    int ok = r.status == 200 && r.cookie[0] != '\0';
    if (!ok)
        fprintf(stderr, "login %s: %ld %s\n", user, r.status, r.body != NULL ? r.body : "");
    snprintf(cookie, 160, "%s", r.cookie);
    api_resp_free(&r);
    return ok ? 0 : -1;
}
