/*
 * slow_fsync.c - an LD_PRELOAD shim for the HTTP benchmark (bench/http/run, env FSYNC_US):
 * every fsync/fdatasync of the server takes at least FSYNC_US microseconds more, one at a
 * time, like a disk that completes 1e6 / FSYNC_US flushes a second. It makes the durable-write
 * figures comparable across runs on a machine whose real disk speed varies with the other
 * jobs on it (a shared VM disk measured 342 to 7,000 fsync/s within the same hour).
 * Built by bench/http/run with cc; never linked into ktpel.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t disk = PTHREAD_MUTEX_INITIALIZER;

static void disk_wait(void)
{
    const char *e = getenv("FSYNC_US");
    long us = e != NULL ? atol(e) : 0;
    if (us <= 0)
        return;
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    pthread_mutex_lock(&disk);
    while (nanosleep(&ts, &ts) != 0)
        ;
    pthread_mutex_unlock(&disk);
}

int fsync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    int rc = real(fd);
    disk_wait();
    return rc;
}

int fdatasync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    int rc = real(fd);
    disk_wait();
    return rc;
}
