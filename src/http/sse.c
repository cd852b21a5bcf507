/*
 * sse.c - live updates as Server-Sent Events (GET /api/events).
 *
 * Each open stream is a callback response with its own outbox. The server runs a thread per
 * connection (server.c), so the content reader may block: when the outbox is empty it waits
 * on the stream's condition variable, costing a sleeping thread and no busy loop.
 * http_sse_publish() appends the message to every outbox and signals the waiting readers, so
 * an event reaches every page at once. A heartbeat thread publishes a ": ping" comment every
 * heartbeat_ms: it keeps proxies from closing the stream and, since a waiting reader does not
 * notice a vanished client, it is also what detects a closed page (the write fails,
 * libmicrohttpd ends the response and the free callback unlinks the stream).
 *
 * Audiences: each stream belongs to one audience (0 = the public stream of the display board
 * and the kiosk, others as api.c numbers them: the staff roles); a message is published to
 * one audience, so what a stream carries is decided by who opened it (api.c, from the
 * service's event views), never by the page.
 *
 * Bounds (one client cannot take the event streams of everybody): at most max_streams open
 * in all and client_streams per client address, else 503 streams_full with Retry-After; a
 * stream lives at most max_age_s and then ends (EventSource reconnects after "retry"); a
 * waiting reader wakes every second to see whether its client is still there (a closed
 * socket reads as end of file, and a client that sends anything on an event stream, which no
 * browser does, is ended too), so a closed page frees its slot within a second rather than
 * at the next failed heartbeat. A stream whose client is too slow to take 256 KiB of events is
 * ended (the page reconnects); one that reads nothing at all trips libmicrohttpd's timeout.
 *
 * Locks: hub->mu (the list) is taken before a stream's mu, never the other way round.
 * Ownership: a stream is owned by its MHD response (freed in stream_free, the response's
 *            free callback); the hub only links it while it is alive.
 *
 * Never: call MHD_stop_daemon while a reader waits (http_sse_close_all first ends them).
 */
#include "http/server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SSE_OUTBOX_MAX ((size_t)256 * 1024)

typedef struct sse_stream {
    struct sse_stream *prev, *next;
    http_sse_hub *hub;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when the outbox grows or the stream closes */
    char *buf;        /* outbox: buf[off..len) not sent yet */
    size_t off, len, cap;
    int closed;       /* end the response once the outbox is empty */
    unsigned audience;
    uint32_t client;  /* the client's address (per-client cap) */
    int fd;           /* the connection's socket, to see whether the client left; -1 unknown */
    time_t ends_at;   /* CLOCK_MONOTONIC seconds: the stream's age limit */
    int linked;       /* in the hub's list (and counted) */
} sse_stream;

struct http_sse_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sse_stream *head;
    size_t count;
    http_sse_limits lim; /* defaults filled in */
    int stopping;
    pthread_t beat;
};

/* stream->mu held */
static void stream_append(sse_stream *st, const char *text, size_t n)
{
    if (st->closed)
        return;
    if (st->off > 0 && st->off == st->len)
        st->off = st->len = 0;
    if (st->len - st->off + n > SSE_OUTBOX_MAX) {
        st->closed = 1; /* too slow a reader: end the stream, it will reconnect */
        return;
    }
    if (st->len + n > st->cap) {
        size_t cap = st->cap != 0 ? st->cap : 4096;
        char *nb;
        if (st->off > 0) { /* compact first */
            memmove(st->buf, st->buf + st->off, st->len - st->off);
            st->len -= st->off;
            st->off = 0;
        }
        while (cap < st->len + n)
            cap *= 2;
        if (cap > st->cap) {
            nb = realloc(st->buf, cap);
            if (nb == NULL) {
                st->closed = 1;
                return;
            }
            st->buf = nb;
            st->cap = cap;
        }
    }
    memcpy(st->buf + st->len, text, n);
    st->len += n;
}

/* stream->mu held */
static void stream_wake(sse_stream *st)
{
    pthread_cond_signal(&st->cv);
}

static time_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* 1 when the client closed the connection (or sent something, which no EventSource does). */
static int client_gone(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char b;
    ssize_t n;
    if (fd < 0 || poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
        return 1;
    n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    sse_stream *st = cls;
    ssize_t n = 0;
    (void)pos;
    pthread_mutex_lock(&st->mu);
    while (st->len == st->off && !st->closed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (pthread_cond_timedwait(&st->cv, &st->mu, &ts) == ETIMEDOUT &&
            (mono_s() >= st->ends_at || client_gone(st->fd)))
            st->closed = 1;
    }
    if (st->len > st->off) {
        size_t k = st->len - st->off;
        if (k > max)
            k = max;
        memcpy(out, st->buf + st->off, k);
        st->off += k;
        n = (ssize_t)k;
    } else {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    }
    pthread_mutex_unlock(&st->mu);
    return n;
}

static void stream_free(void *cls)
{
    sse_stream *st = cls;
    http_sse_hub *hub = st->hub;
    if (st->linked) {
        pthread_mutex_lock(&hub->mu);
        if (st->prev != NULL)
            st->prev->next = st->next;
        else
            hub->head = st->next;
        if (st->next != NULL)
            st->next->prev = st->prev;
        hub->count--;
        pthread_mutex_unlock(&hub->mu);
    }
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st->buf);
    free(st);
}

void http_sse_open(http_sse_hub *hub, http_req *r, unsigned audience)
{
    static const char hello[] = "retry: 2000\n: ktpel\n\n";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct MHD_Response *resp;
    size_t mine = 0, all;
    sse_stream *st = calloc(1, sizeof *st);

    if (st == NULL)
        return;
    st->hub = hub;
    st->audience = audience;
    st->client = r->client;
    st->fd = ci != NULL ? ci->connect_fd : -1;
    st->ends_at = mono_s() + (time_t)hub->lim.max_age_s;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    stream_append(st, hello, sizeof hello - 1);
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st,
                                             stream_free);
    if (resp == NULL) {
        stream_free(st);
        return;
    }
    /* counted and linked under one lock, so concurrent opens cannot pass the caps */
    pthread_mutex_lock(&hub->mu);
    all = hub->count;
    for (sse_stream *o = hub->head; o != NULL; o = o->next)
        mine += o->client == r->client;
    if (all < hub->lim.max_streams && mine < hub->lim.client_streams) {
        if (hub->stopping)
            st->closed = 1;
        st->linked = 1;
        st->next = hub->head;
        if (hub->head != NULL)
            hub->head->prev = st;
        hub->head = st;
        hub->count++;
    }
    pthread_mutex_unlock(&hub->mu);
    if (!st->linked) {
        MHD_destroy_response(resp); /* frees st */
        if (all >= hub->lim.max_streams)
            http_reply_limited(r, 503, 30, "streams_full",
                               "server sedang melayani %zu siaran langsung (batas); halaman "
                               "akan mencoba lagi",
                               all);
        else
            http_reply_limited(r, 503, 30, "streams_full",
                               "perangkat ini sudah membuka %zu siaran langsung (batas %u); "
                               "tutup tab yang tidak dipakai",
                               mine, hub->lim.client_streams);
        return;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    r->resp = resp;
    r->status = 200;
}

/* To every stream of audience (HTTP_SSE_ALL: every stream). */
#define HTTP_SSE_ALL 0xFFFFFFFFu
static void publish_raw(http_sse_hub *hub, unsigned audience, const char *text, size_t n)
{
    pthread_mutex_lock(&hub->mu);
    for (sse_stream *st = hub->head; st != NULL; st = st->next) {
        if (audience != HTTP_SSE_ALL && st->audience != audience)
            continue;
        pthread_mutex_lock(&st->mu);
        stream_append(st, text, n);
        stream_wake(st);
        pthread_mutex_unlock(&st->mu);
    }
    pthread_mutex_unlock(&hub->mu);
}

void http_sse_publish(http_sse_hub *hub, unsigned audience, const char *event,
                      const char *data)
{
    size_t n = strlen(event) + strlen(data) + 32;
    char *msg = malloc(n);
    int k;
    if (msg == NULL)
        return;
    /* data is one line (compact JSON never contains a raw newline) */
    k = snprintf(msg, n, "event: %s\ndata: %s\n\n", event, data);
    if (k > 0 && (size_t)k < n)
        publish_raw(hub, audience, msg, (size_t)k);
    free(msg);
}

static void *heartbeat(void *arg)
{
    static const char ping[] = ": ping\n\n";
    http_sse_hub *hub = arg;
    pthread_mutex_lock(&hub->mu);
    while (!hub->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(hub->lim.heartbeat_ms / 1000);
        ts.tv_nsec += (long)(hub->lim.heartbeat_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&hub->cv, &hub->mu, &ts) == ETIMEDOUT && !hub->stopping) {
            pthread_mutex_unlock(&hub->mu);
            publish_raw(hub, HTTP_SSE_ALL, ping, sizeof ping - 1);
            pthread_mutex_lock(&hub->mu);
        }
    }
    pthread_mutex_unlock(&hub->mu);
    return NULL;
}

kt_code http_sse_hub_new(const http_sse_limits *lim, http_sse_hub **out, kt_error *err)
{
    http_sse_hub *hub = calloc(1, sizeof *hub);
    *out = NULL;
    if (hub == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "memori habis");
    hub->lim = *lim;
    if (hub->lim.heartbeat_ms == 0)
        hub->lim.heartbeat_ms = 15000;
    if (hub->lim.max_streams == 0)
        hub->lim.max_streams = 256;
    if (hub->lim.client_streams == 0)
        hub->lim.client_streams = 8;
    if (hub->lim.max_age_s == 0)
        hub->lim.max_age_s = 600;
    pthread_mutex_init(&hub->mu, NULL);
    pthread_cond_init(&hub->cv, NULL);
    if (pthread_create(&hub->beat, NULL, heartbeat, hub) != 0) {
        pthread_cond_destroy(&hub->cv);
        pthread_mutex_destroy(&hub->mu);
        free(hub);
        return kt_fail(err, KT_EUNAVAIL, "thread_failed", "", "gagal membuat thread");
    }
    *out = hub;
    return KT_OK;
}

size_t http_sse_count(http_sse_hub *hub)
{
    size_t n;
    pthread_mutex_lock(&hub->mu);
    n = hub->count;
    pthread_mutex_unlock(&hub->mu);
    return n;
}

void http_sse_close_all(http_sse_hub *hub)
{
    pthread_mutex_lock(&hub->mu);
    hub->stopping = 1;
    pthread_cond_broadcast(&hub->cv);
    for (sse_stream *st = hub->head; st != NULL; st = st->next) {
        pthread_mutex_lock(&st->mu);
        st->closed = 1;
        stream_wake(st);
        pthread_mutex_unlock(&st->mu);
    }
    pthread_mutex_unlock(&hub->mu);
}

void http_sse_hub_free(http_sse_hub *hub)
{
    if (hub == NULL)
        return;
    http_sse_close_all(hub);
    pthread_join(hub->beat, NULL);
    pthread_cond_destroy(&hub->cv);
    pthread_mutex_destroy(&hub->mu);
    free(hub);
}
