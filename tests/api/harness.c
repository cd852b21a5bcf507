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
const char *api_source_ip;
char api_retry_after[16];

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
    if (n > 13 && strncasecmp(data, "Content-Type:", 13) == 0)
        copy_trim(r->ctype, sizeof r->ctype, data + 13, n - 13);
    else if (n > 6 && strncasecmp(data, "Allow:", 6) == 0)
        copy_trim(r->allow, sizeof r->allow, data + 6, n - 6);
    else if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
        copy_trim(api_retry_after, sizeof api_retry_after, data + 12, n - 12);
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
    if (api_source_ip != NULL) {
        snprintf(line, sizeof line, "host!%s", api_source_ip);
        curl_easy_setopt(c, CURLOPT_INTERFACE, line);
    }
    if (cookie != NULL && cookie[0] != '\0')
        curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
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
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
    s->pid = fork();
    if (s->pid == 0) {
        const char *argv[32] = {api_bin(), "serve", "--listen", listen, "--db", db,
                                "--data", data, "--quiet"};
        int n = 9;
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
