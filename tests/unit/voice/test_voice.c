/*
 * test_voice.c - the announcement WAV through the real clip bank (real espeak-ng, a real
 * cache folder in a temp dir): header, plausible length, cache reuse, office recordings,
 * and bad input refused with a clear error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "voice/voice.h"

static char g_dir[256];

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/ktpel-voice-XXXXXX");
    return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", g_dir);
    rm_tree(cache);
    rm_tree(g_dir);
    return 0;
}

/* A valid 16-bit PCM mono WAV; returns its duration in seconds. */
static double check_wav(const uint8_t *w, size_t len)
{
    assert_true(len > 44);
    assert_memory_equal(w, "RIFF", 4);
    assert_int_equal(rd32(w + 4), len - 8);
    assert_memory_equal(w + 8, "WAVEfmt ", 8);
    assert_int_equal(rd32(w + 16), 16);
    assert_int_equal(rd16(w + 20), 1);  /* PCM */
    assert_int_equal(rd16(w + 22), 1);  /* mono */
    assert_int_equal(rd16(w + 34), 16); /* bits */
    uint32_t rate = rd32(w + 24);
    assert_int_equal(rd32(w + 28), rate * 2);
    assert_memory_equal(w + 36, "data", 4);
    assert_int_equal(rd32(w + 40), len - 44);
    return (double)(len - 44) / 2.0 / rate;
}

static void test_announce(void **state)
{
    (void)state;
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", g_dir);
    voice_bank *vb = NULL;
    kt_error err;
    kt_error_clear(&err);
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_OK);
    uint8_t *w = NULL;
    size_t len = 0;
    assert_int_equal(voice_announce(vb, "A007", 2, &w, &len, &err), KT_OK);
    double secs = check_wav(w, len);
    printf("announcement A007 loket 2: %.2f s, %zu bytes\n", secs, len);
    assert_true(secs > 3.0 && secs < 15.0);
    /* the sentence is said twice after a chime: the second half is not silent */
    int16_t peak = 0;
    const uint8_t *data = w + 44;
    size_t n = (len - 44) / 2;
    for (size_t i = n * 3 / 4; i < n; i++) {
        int16_t v = (int16_t)rd16(data + 2 * i);
        if (v > peak)
            peak = v;
    }
    assert_true(peak > 1000);
    free(w);

    /* the longest call there is: three "sembilan" and "sembilan puluh sembilan" */
    assert_int_equal(voice_announce(vb, "Z999", 99, &w, &len, &err), KT_OK);
    secs = check_wav(w, len);
    printf("announcement Z999 loket 99: %.2f s\n", secs);
    assert_true(secs > 3.0 && secs < 20.0);
    free(w);
    voice_bank_close(vb);

    /* the cache is kept: a second open renders nothing */
    char clip[400];
    snprintf(clip, sizeof clip, "%s/d7.wav", cache);
    struct stat st1, st2;
    assert_int_equal(stat(clip, &st1), 0);
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_OK);
    assert_int_equal(stat(clip, &st2), 0);
    assert_int_equal(st1.st_mtime, st2.st_mtime);
    assert_int_equal(st1.st_ino, st2.st_ino);
    voice_bank_close(vb);
}

static void test_bad_input(void **state)
{
    (void)state;
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", g_dir);
    voice_bank *vb = NULL;
    kt_error err;
    kt_error_clear(&err);
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_OK);
    uint8_t *w = (uint8_t *)&err;
    size_t len = 7;

    const char *bad[] = {"ZZ", "", "a007", "A07", "A0071", "7A00", "A0x7"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kt_error_clear(&err);
        assert_int_equal(voice_announce(vb, bad[i], 2, &w, &len, &err), KT_EINVAL);
        assert_string_equal(err.id, "ticket_number_invalid");
        assert_string_equal(err.field, "number");
        assert_non_null(strstr(err.message, "tidak sah"));
        assert_null(w);
        assert_int_equal(len, 0);
    }
    assert_int_equal(voice_announce(vb, NULL, 2, &w, &len, &err), KT_EINVAL);

    int lokets[] = {0, -1, 100};
    for (size_t i = 0; i < 3; i++) {
        kt_error_clear(&err);
        assert_int_equal(voice_announce(vb, "A007", lokets[i], &w, &len, &err), KT_EINVAL);
        assert_string_equal(err.id, "loket_invalid");
        assert_string_equal(err.field, "loket");
        assert_null(w);
    }

    assert_int_equal(voice_say(vb, "", &w, &len, &err), KT_EINVAL);
    assert_string_equal(err.id, "voice_text_empty");
    assert_int_equal(voice_say(vb, "halo\001", &w, &len, &err), KT_EINVAL);
    assert_string_equal(err.id, "voice_text_invalid");
    voice_bank_close(vb);

    assert_int_equal(voice_bank_open("", &vb, &err), KT_EINVAL);
    assert_null(vb);
    /* a cache folder that cannot be made */
    assert_int_not_equal(voice_bank_open("/proc/ktpel-no/cache", &vb, &err), KT_OK);
    assert_null(vb);
}

static void test_say(void **state)
{
    (void)state;
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", g_dir);
    voice_bank *vb = NULL;
    kt_error err;
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_OK);
    uint8_t *w = NULL;
    size_t len = 0;
    /* text that starts like an option is spoken, not parsed as one */
    assert_int_equal(voice_say(vb, "-w /tmp/x Selamat pagi, layanan dibuka", &w, &len, &err),
                     KT_OK);
    double secs = check_wav(w, len);
    assert_true(secs > 0.5 && secs < 15.0);
    free(w);
    voice_bank_close(vb);
}

/* An office recording (8 kHz stereo) replaces a clip: it is converted on load. A clip that is
   not a WAV is refused with the file named. */
static void test_office_clip(void **state)
{
    (void)state;
    char cache[300], clip[400];
    snprintf(cache, sizeof cache, "%s/cache", g_dir);
    voice_bank *vb = NULL;
    kt_error err;
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_OK);
    voice_bank_close(vb);

    snprintf(clip, sizeof clip, "%s/loket.wav", cache);
    FILE *f = fopen(clip, "wb");
    assert_non_null(f);
    const uint32_t rate = 8000, frames = 4000;
    uint8_t h[44];
    memcpy(h, "RIFF", 4);
    uint32_t v = 36 + frames * 4;
    memcpy(h + 4, &v, 4); /* little-endian host (x86/arm) */
    memcpy(h + 8, "WAVEfmt ", 8);
    v = 16; memcpy(h + 16, &v, 4);
    uint16_t s = 1; memcpy(h + 20, &s, 2);
    s = 2; memcpy(h + 22, &s, 2);
    memcpy(h + 24, &rate, 4);
    v = rate * 4; memcpy(h + 28, &v, 4);
    s = 4; memcpy(h + 32, &s, 2);
    s = 16; memcpy(h + 34, &s, 2);
    memcpy(h + 36, "data", 4);
    v = frames * 4; memcpy(h + 40, &v, 4);
    fwrite(h, 1, 44, f);
    for (uint32_t i = 0; i < frames * 2; i++) {
        int16_t x = (int16_t)((i / 2) % 40 < 20 ? 8000 : -8000);
        fwrite(&x, 2, 1, f);
    }
    fclose(f);
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_OK);
    uint8_t *w = NULL;
    size_t len = 0;
    assert_int_equal(voice_announce(vb, "E001", 1, &w, &len, &err), KT_OK);
    check_wav(w, len);
    free(w);
    voice_bank_close(vb);

    f = fopen(clip, "wb");
    assert_non_null(f);
    fputs("not a wav", f);
    fclose(f);
    kt_error_clear(&err);
    assert_int_equal(voice_bank_open(cache, &vb, &err), KT_EINVAL);
    assert_null(vb);
    assert_string_equal(err.id, "voice_clip_format");
    assert_non_null(strstr(err.message, "loket.wav"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* one cache for the group (rendered once); the office clip test alters it: last */
        cmocka_unit_test(test_announce),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_say),
        cmocka_unit_test(test_office_clip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
