/*
 * worker.c - a background thread that runs one job now and then every `every_ms`, or at once
 * when woken, until stopped (svc_internal.h svc_worker_*): the SMS sender (sms.c) and the
 * link's agent (link_node.c) are each one.
 *
 * The job runs without the worker's lock; a wake during a run makes the next run start
 * without waiting; stop waits for a run under way to end, then joins the thread.
 *
 * Never: run the job with the lock held, or sleep on anything but the condition variable
 * (stop must be prompt).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "service/svc_internal.h"

struct svc_worker {
    void (*fn)(void *ctx);
    void *ctx;         /* borrowed */
    int64_t every_ms;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, woken;   /* guarded by mu */
};

static void *worker_main(void *arg)
{
    svc_worker *w = arg;
    for (;;) {
        w->fn(w->ctx);
        pthread_mutex_lock(&w->mu);
        if (!w->woken && !w->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            int64_t ns = (int64_t)until.tv_nsec + w->every_ms % 1000 * 1000000;
            until.tv_sec += (time_t)(w->every_ms / 1000 + ns / 1000000000);
            until.tv_nsec = (long)(ns % 1000000000);
            while (!w->woken && !w->stop &&
                   pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {
            }
        }
        int stop = w->stop;
        w->woken = 0;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            return NULL;
    }
}

kt_code svc_worker_start(void (*fn)(void *ctx), void *ctx, int64_t every_ms, svc_worker **out,
                         kt_error *err)
{
    *out = NULL;
    svc_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return svc_nomem(err);
    w->fn = fn;
    w->ctx = ctx;
    w->every_ms = every_ms > 0 ? every_ms : 1000;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return kt_fail(err, KT_EUNAVAIL, "thread_failed", "", "Thread latar belakang gagal dibuat");
    }
    *out = w;
    return KT_OK;
}

void svc_worker_wake(svc_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void svc_worker_stop(svc_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
