/*
 * clients.c - the client side of bench/http/flood: plain HTTP/1.1 over loopback sockets, each
 * bound to a chosen 127.x address so the server sees distinct clients (as machines of the
 * office LAN would be). Built by the flood script (cc -O2 -pthread); not part of ktpel.
 *
 *   clients others PORT SECONDS N        N other clients (127.0.0.2 ..), each a keep-alive
 *                                        connection asking GET /api/queue/board every 50 ms;
 *                                        prints "RESULT others n=.. p50_ms=.. p99_ms=..
 *                                        max_ms=.. failed=.." (a failure: no connection, no
 *                                        answer within 5 s, or not 200)
 *   clients slow PORT SECONDS N          N connections from 127.0.0.1 that send their headers
 *                                        one line every 2 s and never finish
 *   clients streams PORT SECONDS N       N GET /api/events from 127.0.0.1, held open
 *   clients hold PORT SECONDS N ADDRS    N idle connections spread over ADDRS addresses
 *                                        (127.0.1.1 ..), held open; prints how many the
 *                                        server still holds at the end
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned port;
static double seconds;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection from address `from` (blocking connect with a 5 s limit), or -1. */
static int dial(uint32_t from)
{
    struct sockaddr_in a = {0}, b = {0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    struct pollfd p;
    if (fd < 0)
        return -1;
    b.sin_family = AF_INET;
    b.sin_addr.s_addr = htonl(from);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&b, sizeof b) != 0 ||
        (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    p.fd = fd;
    p.events = POLLOUT;
    if (poll(&p, 1, 5000) != 1 || (p.revents & (POLLERR | POLLHUP))) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send one GET and read one whole reply (Content-Length); its status, or -1. */
static int get(int fd, const char *path)
{
    char rq[256], buf[16384];
    size_t have = 0;
    int n = snprintf(rq, sizeof rq, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (send(fd, rq, (size_t)n, MSG_NOSIGNAL) != n)
        return -1;
    double until = now_s() + 5;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)((until - now_s()) * 1000);
        if (left <= 0 || poll(&p, 1, left) != 1)
            return -1;
        ssize_t k = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (k <= 0)
            return -1;
        have += (size_t)k;
        buf[have] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        char *cl = strcasestr(buf, "Content-Length:");
        size_t body = cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
        if (have >= (size_t)(end + 4 - buf) + body)
            return atoi(buf + 9);
        if (have >= sizeof buf - 1)
            return -1;
    }
}

typedef struct other {
    uint32_t addr;
    double *lat;
    size_t n, cap;
    long failed;
} other;

static void *other_main(void *arg)
{
    other *o = arg;
    double end = now_s() + seconds;
    int fd = -1;
    while (now_s() < end) {
        double t0 = now_s();
        int st = -1;
        if (fd < 0)
            fd = dial(o->addr);
        if (fd >= 0)
            st = get(fd, "/api/queue/board");
        double t = now_s() - t0;
        if (st == 200 && o->n < o->cap) {
            o->lat[o->n++] = t * 1000;
        } else {
            o->failed++;
            if (fd >= 0)
                close(fd);
            fd = -1;
        }
        double pause = 0.05 - (now_s() - t0);
        if (pause > 0) {
            struct timespec ts = {0, (long)(pause * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int others(int n)
{
    other *o = calloc((size_t)n, sizeof *o);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    size_t total = 0, k = 0;
    long failed = 0;
    for (int i = 0; i < n; i++) {
        o[i].addr = 0x7f000002u + (uint32_t)i;
        o[i].cap = (size_t)(seconds * 40) + 16;
        o[i].lat = calloc(o[i].cap, sizeof(double));
        pthread_create(&th[i], NULL, other_main, &o[i]);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total += o[i].n;
        failed += o[i].failed;
    }
    double *all = calloc(total + 1, sizeof(double));
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < o[i].n; j++)
            all[k++] = o[i].lat[j];
    qsort(all, total, sizeof(double), cmp);
    printf("RESULT others n=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f failed=%ld\n", total,
           total ? all[total / 2] : 0.0, total ? all[(size_t)(total * 0.99)] : 0.0,
           total ? all[total - 1] : 0.0, failed);
    return 0;
}

static void raise_fds(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* n connections from addresses first..first+naddr-1; each sends `hello` once, then `tick`
   every 2 s (NULL: nothing) until the time is up; prints how many are still open at the end. */
static int hold(int n, uint32_t first, int naddr, const char *hello, const char *tick)
{
    int *fd = calloc((size_t)n, sizeof *fd);
    int made = 0, open_end = 0;
    raise_fds();
    for (int i = 0; i < n; i++) {
        struct sockaddr_in a = {0}, b = {0};
        fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        b.sin_family = AF_INET;
        b.sin_addr.s_addr = htonl(first + (uint32_t)(i % naddr));
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(0x7f000001);
        if (fd[i] < 0 || bind(fd[i], (struct sockaddr *)&b, sizeof b) != 0 ||
            (connect(fd[i], (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS)) {
            if (fd[i] >= 0)
                close(fd[i]);
            fd[i] = -1;
            continue;
        }
        made++;
    }
    struct timespec settle = {0, 300000000};
    nanosleep(&settle, NULL);
    for (int i = 0; i < n; i++)
        if (fd[i] >= 0 && hello != NULL)
            (void)send(fd[i], hello, strlen(hello), MSG_NOSIGNAL);
    double end = now_s() + seconds;
    while (now_s() < end) {
        struct timespec ts = {2, 0};
        nanosleep(&ts, NULL);
        for (int i = 0; i < n; i++) {
            char b[4096];
            if (fd[i] < 0)
                continue;
            while (recv(fd[i], b, sizeof b, MSG_DONTWAIT) > 0) {
            }
            if (tick != NULL)
                (void)send(fd[i], tick, strlen(tick), MSG_NOSIGNAL);
        }
    }
    for (int i = 0; i < n; i++) {
        char b[4096];
        ssize_t k;
        if (fd[i] < 0)
            continue;
        while ((k = recv(fd[i], b, sizeof b, MSG_DONTWAIT)) > 0) {
        }
        open_end += k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        close(fd[i]);
    }
    printf("RESULT held made=%d open_at_end=%d\n", made, open_end);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: clients others|slow|streams|hold PORT SECONDS N [ADDRS]\n");
        return 2;
    }
    port = (unsigned)atoi(argv[2]);
    seconds = atof(argv[3]);
    int n = atoi(argv[4]);
    if (strcmp(argv[1], "others") == 0)
        return others(n);
    if (strcmp(argv[1], "slow") == 0)
        return hold(n, 0x7f000001u, 1, "GET /api/queue/board HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                    "X-Slow: 1\r\n");
    if (strcmp(argv[1], "streams") == 0)
        return hold(n, 0x7f000001u, 1, "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                    NULL);
    if (strcmp(argv[1], "hold") == 0)
        return hold(n, 0x7f000101u, argc > 5 ? atoi(argv[5]) : 1, NULL, NULL);
    return 2;
}
