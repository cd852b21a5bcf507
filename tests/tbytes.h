/*
 * tbytes.h - a growable byte buffer for the tests and harnesses that build what they send or
 * write (an HTTP request, a backup file). Header-only; aborts when memory runs out (the
 * test's own failure, not the code under test's).
 *
 * Ownership: t_bytes.p is owned by the holder (t_free); it is always NUL-terminated.
 */
#ifndef KTPEL_TESTS_TBYTES_H
#define KTPEL_TESTS_TBYTES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct t_bytes {
    uint8_t *p; /* owned */
    size_t n, cap;
} t_bytes;

__attribute__((unused)) static void t_put(t_bytes *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = '\0';
}

__attribute__((unused)) static void t_puts(t_bytes *b, const char *s) { t_put(b, s, strlen(s)); }

__attribute__((unused)) static void t_free(t_bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

#endif
