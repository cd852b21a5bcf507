/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz share (docs/fuzzing.md).
 *
 * Each harness is one fuzz_<name>.c with LLVMFuzzerTestOneInput (and, when it needs a real
 * service, a database or a server, LLVMFuzzerInitialize); libFuzzer supplies main(). Inputs
 * are bytes: a harness never trusts them more than ktpel does, and checks what ktpel
 * promises about bad input (a clear error, no output, nothing changed) besides what the
 * sanitizers catch. A broken promise is reported with fz_fail(), which aborts: libFuzzer
 * then saves the input as a crash artifact.
 *
 * Header-only (static functions) so each harness stays one file; built only with
 * -DKTPEL_FUZZ=ON (clang).
 *
 * Never: write outside the harness's own temporary folder, or use the network beyond
 * loopback.
 */
#ifndef KTPEL_FUZZ_H
#define KTPEL_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The office's receipt key of the harnesses (an Ed25519 seed, hex): fixed, so a token in a
   seed or a crash verifies on every run. A test key, never an office's. */
#define FZ_OFFICE_SEED_HEX "6b7470656c2066757a7a2d6861726e657373206f6666696365206b6579203031\n"

/* The harnesses' "now": 2026-03-02 09:00 WIB (02:00 UTC), a Monday. */
#define FZ_NOW_MS INT64_C(1772416800000)

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken promise of the code under test: say what, then abort (libFuzzer keeps the input). */
__attribute__((format(printf, 1, 2), noreturn, unused)) static void fz_fail(const char *fmt,
                                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\nFUZZ INVARIANT BROKEN: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* The input as a NUL-terminated string (owned by caller: free()). Bytes after an embedded
   NUL are what a C string would not see, as with a value from a file or the network. */
__attribute__((unused)) static char *fz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Split text at its first n-1 newlines (in place) into f[0..n-1]; missing fields are "". */
__attribute__((unused)) static void fz_lines(char *text, const char **f, int n)
{
    char *p = text;
    for (int i = 0; i < n; i++) {
        f[i] = p != NULL ? p : "";
        char *nl = p != NULL && i < n - 1 ? strchr(p, '\n') : NULL;
        if (nl != NULL)
            *nl++ = '\0';
        p = nl;
    }
}

/* 1 when needle (n bytes, n > 0) occurs in hay (h bytes). */
__attribute__((unused)) static int fz_contains(const char *hay, size_t h, const char *needle,
                                               size_t n)
{
    for (size_t i = 0; i + n <= h; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

static char fz_dir_path[256];

static void fz_dir_remove(void)
{
    char cmd[300];
    if (fz_dir_path[0] != '\0' && snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir_path) <
                                       (int)sizeof cmd)
        (void)!system(cmd);
}

/* The harness's own temporary folder, made on first use and removed at exit (a crash leaves
   it behind for the post-mortem). */
__attribute__((unused)) static const char *fz_dir(const char *name)
{
    if (fz_dir_path[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(fz_dir_path, sizeof fz_dir_path, "%s/ktpel-fuzz-%s-XXXXXX",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", name);
        if (mkdtemp(fz_dir_path) == NULL) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fz_dir_remove);
    }
    return fz_dir_path;
}

/* Write bytes to a file (whole, truncating); aborts on failure (the harness's own fault). */
__attribute__((unused)) static void fz_write_file(const char *path, const void *data,
                                                  size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

#endif
