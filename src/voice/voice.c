/*
 * voice.c - queue call announcements (see voice.h), assembled from a clip bank.
 *
 * Design
 * - The bank is a fixed list of clips (words, digits, letters, number words). Each clip is a
 *   WAV file `<name>.wav` in the cache folder; missing ones are rendered once by running
 *   Debian's `espeak-ng -v id` (no network, no shell: fork + execvp, the text in a file).
 *   An office may replace any file by its own recording (16-bit PCM, any rate, mono or
 *   stereo): it is converted to the bank's rate and trimmed of silence on load.
 * - All clips are held in memory as 16-bit mono samples at VOICE_RATE after open; the bank
 *   is immutable from then on, so announcing is thread-safe and does no file I/O.
 * - An announcement is: chime (two sine tones made here), short pause, the sentence, a longer
 *   pause, the sentence again. The sentence: "nomor antrian, A, nol, nol, tujuh, silakan
 *   menuju loket dua". Loket numbers 1..99 are spoken as Indonesian number words built from
 *   digit clips plus "sepuluh", "sebelas", "belas" and "puluh".
 *
 * Never: call a shell, reach the network, or touch files outside the cache folder.
 */
#include "voice/voice.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define VOICE_RATE 22050        /* espeak-ng's native rate */
#define VOICE_MAX_CLIP_S 10     /* a clip longer than this is not a word: refuse it */
#define VOICE_MAX_SAY 1000      /* characters accepted by voice_say */

typedef struct clip_def {
    const char *name; /* file name without .wav */
    const char *text; /* what espeak-ng says */
} clip_def;

/* Indonesian letter names (ejaan: a, be, ce, de, ...) so a letter is not read as a word. */
static const clip_def CLIPS[] = {
    {"nomor_antrian", "nomor antrian"}, {"silakan_menuju", "silakan menuju"},
    {"loket", "loket"},
    {"d0", "nol"}, {"d1", "satu"}, {"d2", "dua"}, {"d3", "tiga"}, {"d4", "empat"},
    {"d5", "lima"}, {"d6", "enam"}, {"d7", "tujuh"}, {"d8", "delapan"}, {"d9", "sembilan"},
    {"sepuluh", "sepuluh"}, {"sebelas", "sebelas"}, {"belas", "belas"}, {"puluh", "puluh"},
    {"lA", "a"}, {"lB", "be"}, {"lC", "ce"}, {"lD", "de"}, {"lE", "e"}, {"lF", "ef"},
    {"lG", "ge"}, {"lH", "ha"}, {"lI", "i"}, {"lJ", "je"}, {"lK", "ka"}, {"lL", "el"},
    {"lM", "em"}, {"lN", "en"}, {"lO", "o"}, {"lP", "pe"}, {"lQ", "ki"}, {"lR", "er"},
    {"lS", "es"}, {"lT", "te"}, {"lU", "u"}, {"lV", "fe"}, {"lW", "we"}, {"lX", "eks"},
    {"lY", "ye"}, {"lZ", "zet"},
};
#define NCLIPS (sizeof CLIPS / sizeof CLIPS[0])

enum { C_NOMOR = 0, C_SILAKAN = 1, C_LOKET = 2, C_D0 = 3, C_SEPULUH = 13, C_SEBELAS = 14,
       C_BELAS = 15, C_PULUH = 16, C_LA = 17 };

typedef struct pcm {
    int16_t *s; /* owned by the bank */
    size_t n;
} pcm;

struct voice_bank {
    char *dir;          /* owned */
    pcm clips[NCLIPS];
    pcm chime;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static kt_code read_file(const char *path, uint8_t **out, size_t *len, kt_error *err)
{
    kt_code rc = KT_OK;
    uint8_t *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return kt_fail(err, KT_EIO, "voice_read", path, "Tidak bisa membuka %s: %s", path,
                       strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        rc = kt_fail(err, KT_EIO, "voice_read", path, "Tidak bisa membaca %s", path);
        goto out;
    }
    long sz = ftell(f);
    if (sz < 0 || sz > 64L * 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0) {
        rc = kt_fail(err, KT_EIO, "voice_read", path, "Ukuran berkas %s tidak wajar", path);
        goto out;
    }
    buf = malloc((size_t)sz + 1);
    if (buf == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        rc = kt_fail(err, KT_EIO, "voice_read", path, "Tidak bisa membaca %s", path);
        goto out;
    }
    *out = buf;
    *len = (size_t)sz;
    buf = NULL;
out:
    free(buf);
    fclose(f);
    return rc;
}

/* Run espeak-ng -v id -w wav_path -f text_path, without a shell. */
static kt_code run_espeak(const char *text_path, const char *wav_path, kt_error *err)
{
    pid_t pid = fork();
    if (pid < 0)
        return kt_fail(err, KT_EUNAVAIL, "voice_espeak", "", "Tidak bisa menjalankan espeak-ng: %s",
                       strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        char *argv[] = {(char *)(uintptr_t)"espeak-ng", (char *)(uintptr_t)"-v",
                        (char *)(uintptr_t)"id", (char *)(uintptr_t)"-s",
                        (char *)(uintptr_t)"180", (char *)(uintptr_t)"-w",
                        (char *)(uintptr_t)wav_path, (char *)(uintptr_t)"-f",
                        (char *)(uintptr_t)text_path, NULL};
        execvp("espeak-ng", argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return kt_fail(err, KT_EINTERNAL, "voice_espeak", "", "waitpid: %s", strerror(errno));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return kt_fail(err, KT_EUNAVAIL, "voice_espeak", "",
                       "espeak-ng gagal (status %d); pasang paket espeak-ng",
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return KT_OK;
}

/* Render text with espeak-ng into the WAV file `dest` (written atomically via a temp file
   in dir). */
static kt_code render_to(const char *dir, const char *text, const char *dest, kt_error *err)
{
    kt_code rc = KT_OK;
    char tpath[4096], wpath[4096];
    int tfd = -1, wfd = -1;
    tpath[0] = wpath[0] = '\0';
    if (snprintf(tpath, sizeof tpath, "%s/.say-XXXXXX", dir) >= (int)sizeof tpath ||
        snprintf(wpath, sizeof wpath, "%s/.wav-XXXXXX", dir) >= (int)sizeof wpath) {
        tpath[0] = wpath[0] = '\0';
        return kt_fail(err, KT_EINVAL, "voice_path", "cache_dir", "Nama folder cache terlalu panjang");
    }
    tfd = mkstemp(tpath);
    if (tfd < 0) {
        tpath[0] = '\0';
        rc = kt_fail(err, KT_EIO, "voice_cache", dir, "Tidak bisa menulis di %s: %s", dir,
                     strerror(errno));
        goto out;
    }
    wfd = mkstemp(wpath);
    if (wfd < 0) {
        wpath[0] = '\0';
        rc = kt_fail(err, KT_EIO, "voice_cache", dir, "Tidak bisa menulis di %s: %s", dir,
                     strerror(errno));
        goto out;
    }
    size_t n = strlen(text);
    if (write(tfd, text, n) != (ssize_t)n) {
        rc = kt_fail(err, KT_EIO, "voice_cache", dir, "Tidak bisa menulis di %s", dir);
        goto out;
    }
    close(tfd);
    tfd = -1;
    close(wfd);
    wfd = -1;
    rc = run_espeak(tpath, wpath, err);
    if (rc != KT_OK)
        goto out;
    if (dest != NULL) {
        if (rename(wpath, dest) != 0) {
            rc = kt_fail(err, KT_EIO, "voice_cache", dest, "Tidak bisa menyimpan %s: %s", dest,
                         strerror(errno));
            goto out;
        }
        wpath[0] = '\0';
    }
out:
    if (tfd >= 0)
        close(tfd);
    if (wfd >= 0)
        close(wfd);
    if (tpath[0] != '\0')
        unlink(tpath);
    if (rc != KT_OK && wpath[0] != '\0')
        unlink(wpath);
    return rc;
}

/* Parse a 16-bit PCM WAV into mono samples at VOICE_RATE. *out->s owned by caller. */
static kt_code wav_decode(const uint8_t *b, size_t len, const char *what, pcm *out, kt_error *err)
{
    if (len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
        return kt_fail(err, KT_EINVAL, "voice_clip_format", what, "%s bukan berkas WAV", what);
    const uint8_t *fmt = NULL, *data = NULL;
    size_t data_len = 0;
    size_t pos = 12;
    while (pos + 8 <= len) {
        uint32_t csz = rd32(b + pos + 4);
        const uint8_t *body = b + pos + 8;
        size_t avail = len - pos - 8;
        if (memcmp(b + pos, "fmt ", 4) == 0 && csz >= 16 && avail >= 16)
            fmt = body;
        else if (memcmp(b + pos, "data", 4) == 0) {
            data = body;
            /* espeak-ng writing to a pipe leaves 0xffffffff: take what is there. */
            data_len = csz > avail ? avail : csz;
            break;
        }
        if (csz > avail)
            break;
        pos += 8 + (size_t)csz + (csz & 1u);
    }
    if (fmt == NULL || data == NULL)
        return kt_fail(err, KT_EINVAL, "voice_clip_format", what, "%s: WAV tanpa fmt/data", what);
    unsigned format = rd16(fmt), channels = rd16(fmt + 2), bits = rd16(fmt + 14);
    uint32_t rate = rd32(fmt + 4);
    if (format != 1 || bits != 16 || channels < 1 || channels > 2 || rate < 4000 || rate > 96000)
        return kt_fail(err, KT_EINVAL, "voice_clip_format", what,
                       "%s: harus PCM 16-bit mono/stereo (format %u, %u bit, %u kanal, %u Hz)",
                       what, format, bits, channels, (unsigned)rate);
    size_t frames = data_len / (2u * channels);
    if (frames > (size_t)rate * VOICE_MAX_CLIP_S)
        return kt_fail(err, KT_EINVAL, "voice_clip_long", what, "%s: klip lebih dari %d detik",
                       what, VOICE_MAX_CLIP_S);
    size_t n = frames == 0 ? 0 : (size_t)((double)frames * VOICE_RATE / rate);
    int16_t *s = malloc((n ? n : 1) * sizeof *s);
    if (s == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    for (size_t i = 0; i < n; i++) {
        /* linear interpolation from the source rate (identity when rates match) */
        double src = (double)i * rate / VOICE_RATE;
        size_t k = (size_t)src;
        double frac = src - (double)k;
        double v[2];
        for (int j = 0; j < 2; j++) {
            size_t f = k + (size_t)j < frames ? k + (size_t)j : frames - 1;
            int sum = 0;
            for (unsigned c = 0; c < channels; c++)
                sum += (int16_t)rd16(data + (f * channels + c) * 2);
            v[j] = (double)sum / channels;
        }
        s[i] = (int16_t)lrint(v[0] + (v[1] - v[0]) * frac);
    }
    out->s = s;
    out->n = n;
    return KT_OK;
}

/* Cut leading and trailing silence so the gaps between words are ours, not espeak's. */
static void trim_silence(pcm *p)
{
    const int thr = 500;
    size_t a = 0, b = p->n;
    while (a < b && abs(p->s[a]) < thr)
        a++;
    while (b > a && abs(p->s[b - 1]) < thr)
        b--;
    /* keep a few ms around the sound so consonants are not clipped */
    size_t pad = VOICE_RATE / 100;
    a = a > pad ? a - pad : 0;
    b = b + pad < p->n ? b + pad : p->n;
    memmove(p->s, p->s + a, (b - a) * sizeof *p->s);
    p->n = b - a;
}

/* The chime: two sine tones (a "ding-dong", E6 then C6) with a soft attack and decay. */
static kt_code make_chime(pcm *out, kt_error *err)
{
    const double tones[2] = {1318.5, 1046.5};
    const size_t each = VOICE_RATE * 55 / 100;
    size_t n = 2 * each;
    int16_t *s = malloc(n * sizeof *s);
    if (s == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < each; i++) {
            double x = (double)i / VOICE_RATE;
            double attack = i < VOICE_RATE / 100 ? (double)i / (VOICE_RATE / 100.0) : 1.0;
            size_t left = each - i;
            double release = left < VOICE_RATE / 30 ? (double)left / (VOICE_RATE / 30.0) : 1.0;
            double env = attack * release * exp(-3.5 * x);
            double v = sin(2.0 * M_PI * tones[t] * x) + 0.3 * sin(4.0 * M_PI * tones[t] * x);
            s[t * each + i] = (int16_t)lrint(9000.0 * env * v);
        }
    }
    out->s = s;
    out->n = n;
    return KT_OK;
}

static kt_code ensure_dir(const char *dir, kt_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return kt_fail(err, KT_EINVAL, "voice_path", "cache_dir", "Nama folder cache terlalu panjang");
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return kt_fail(err, KT_EIO, "voice_cache", dir, "Tidak bisa membuat folder %s: %s",
                           buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return kt_fail(err, KT_EIO, "voice_cache", dir, "Tidak bisa membuat folder %s: %s", buf,
                       strerror(errno));
    return KT_OK;
}

/* ---- the bank --------------------------------------------------------------------------- */

kt_code voice_bank_open(const char *cache_dir, voice_bank **out, kt_error *err)
{
    kt_code rc = KT_OK;
    voice_bank *vb = NULL;
    uint8_t *file = NULL;
    if (out == NULL)
        return kt_fail(err, KT_EINVAL, "voice_arg", "out", "Argumen kosong");
    *out = NULL;
    if (cache_dir == NULL || cache_dir[0] == '\0')
        return kt_fail(err, KT_EINVAL, "voice_path", "cache_dir", "Folder cache suara kosong");
    rc = ensure_dir(cache_dir, err);
    if (rc != KT_OK)
        return rc;
    vb = calloc(1, sizeof *vb);
    if (vb == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    vb->dir = strdup(cache_dir);
    if (vb->dir == NULL) {
        rc = kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
        goto out;
    }
    for (size_t i = 0; i < NCLIPS; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s.wav", cache_dir, CLIPS[i].name) >= (int)sizeof path) {
            rc = kt_fail(err, KT_EINVAL, "voice_path", "cache_dir", "Nama folder cache terlalu panjang");
            goto out;
        }
        if (access(path, R_OK) != 0) {
            rc = render_to(cache_dir, CLIPS[i].text, path, err);
            if (rc != KT_OK)
                goto out;
        }
        size_t len = 0;
        rc = read_file(path, &file, &len, err);
        if (rc != KT_OK)
            goto out;
        rc = wav_decode(file, len, path, &vb->clips[i], err);
        free(file);
        file = NULL;
        if (rc != KT_OK)
            goto out;
        trim_silence(&vb->clips[i]);
    }
    rc = make_chime(&vb->chime, err);
    if (rc != KT_OK)
        goto out;
    *out = vb;
    vb = NULL;
out:
    free(file);
    voice_bank_close(vb);
    return rc;
}

void voice_bank_close(voice_bank *vb)
{
    if (vb == NULL)
        return;
    for (size_t i = 0; i < NCLIPS; i++)
        free(vb->clips[i].s);
    free(vb->chime.s);
    free(vb->dir);
    free(vb);
}

/* ---- assembling ------------------------------------------------------------------------- */

/* One piece of the announcement: a clip, or silence of `gap_ms` when clip is NULL. */
typedef struct piece {
    const pcm *clip;
    int gap_ms;
} piece;

#define MAX_PIECES 64

typedef struct seq {
    piece p[MAX_PIECES];
    size_t n;
} seq;

static void seq_clip(seq *q, const pcm *c)
{
    if (q->n < MAX_PIECES)
        q->p[q->n++] = (piece){c, 0};
}

static void seq_gap(seq *q, int ms)
{
    if (q->n < MAX_PIECES)
        q->p[q->n++] = (piece){NULL, ms};
}

/* Loket numbers as spoken: 1 "satu", 10 "sepuluh", 11 "sebelas", 12 "dua belas",
   20 "dua puluh", 25 "dua puluh lima". */
static void seq_number(seq *q, const voice_bank *vb, int n)
{
    const pcm *c = vb->clips;
    if (n < 10) {
        seq_clip(q, &c[C_D0 + n]);
    } else if (n == 10) {
        seq_clip(q, &c[C_SEPULUH]);
    } else if (n == 11) {
        seq_clip(q, &c[C_SEBELAS]);
    } else if (n < 20) {
        seq_clip(q, &c[C_D0 + n - 10]);
        seq_gap(q, 40);
        seq_clip(q, &c[C_BELAS]);
    } else {
        seq_clip(q, &c[C_D0 + n / 10]);
        seq_gap(q, 40);
        seq_clip(q, &c[C_PULUH]);
        if (n % 10 != 0) {
            seq_gap(q, 40);
            seq_clip(q, &c[C_D0 + n % 10]);
        }
    }
}

static void seq_sentence(seq *q, const voice_bank *vb, const char *number, int loket)
{
    const pcm *c = vb->clips;
    seq_clip(q, &c[C_NOMOR]);
    seq_gap(q, 250);
    seq_clip(q, &c[C_LA + (number[0] - 'A')]);
    for (const char *d = number + 1; *d != '\0'; d++) {
        seq_gap(q, 60);
        seq_clip(q, &c[C_D0 + (*d - '0')]);
    }
    seq_gap(q, 350);
    seq_clip(q, &c[C_SILAKAN]);
    seq_gap(q, 80);
    seq_clip(q, &c[C_LOKET]);
    seq_gap(q, 80);
    seq_number(q, vb, loket);
}

/* Write a RIFF/WAVE header for `samples` 16-bit mono samples at VOICE_RATE. */
static void wav_header(uint8_t h[44], size_t samples)
{
    uint32_t data = (uint32_t)(samples * 2);
    memcpy(h, "RIFF", 4);
    wr32(h + 4, 36 + data);
    memcpy(h + 8, "WAVEfmt ", 8);
    wr32(h + 16, 16);
    wr16(h + 20, 1);
    wr16(h + 22, 1);
    wr32(h + 24, VOICE_RATE);
    wr32(h + 28, VOICE_RATE * 2);
    wr16(h + 32, 2);
    wr16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    wr32(h + 40, data);
}

static kt_code seq_render(const seq *q, uint8_t **wav, size_t *len, kt_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < q->n; i++)
        total += q->p[i].clip ? q->p[i].clip->n : (size_t)q->p[i].gap_ms * VOICE_RATE / 1000;
    size_t bytes = 44 + total * 2;
    uint8_t *buf = malloc(bytes);
    if (buf == NULL)
        return kt_fail(err, KT_ENOMEM, "no_memory", "", "Memori habis");
    wav_header(buf, total);
    uint8_t *w = buf + 44;
    for (size_t i = 0; i < q->n; i++) {
        if (q->p[i].clip != NULL) {
            for (size_t k = 0; k < q->p[i].clip->n; k++, w += 2)
                wr16(w, (uint16_t)q->p[i].clip->s[k]);
        } else {
            size_t g = (size_t)q->p[i].gap_ms * VOICE_RATE / 1000;
            memset(w, 0, g * 2);
            w += g * 2;
        }
    }
    *wav = buf;
    *len = bytes;
    return KT_OK;
}

kt_code voice_announce(voice_bank *vb, const char *number, int loket, uint8_t **wav,
                       size_t *len, kt_error *err)
{
    if (vb == NULL || wav == NULL || len == NULL)
        return kt_fail(err, KT_EINVAL, "voice_arg", "", "Argumen kosong");
    *wav = NULL;
    *len = 0;
    /* A ticket number is a service prefix letter and 3 digits (docs/domain.md), e.g. A007. */
    size_t n = number ? strlen(number) : 0;
    int ok = n == 4 && number[0] >= 'A' && number[0] <= 'Z';
    for (size_t i = 1; ok && i < n; i++)
        ok = number[i] >= '0' && number[i] <= '9';
    if (!ok)
        return kt_fail(err, KT_EINVAL, "ticket_number_invalid", "number",
                       "Nomor antrian \"%.16s\" tidak sah: harus satu huruf dan tiga angka, "
                       "mis. A007", number ? number : "");
    if (loket < 1 || loket > 99)
        return kt_fail(err, KT_EINVAL, "loket_invalid", "loket",
                       "Nomor loket %d tidak sah: harus 1 sampai 99", loket);
    seq q = {.n = 0};
    seq_clip(&q, &vb->chime);
    seq_gap(&q, 400);
    seq_sentence(&q, vb, number, loket);
    seq_gap(&q, 800);
    seq_sentence(&q, vb, number, loket);
    seq_gap(&q, 300);
    return seq_render(&q, wav, len, err);
}

kt_code voice_say(voice_bank *vb, const char *text, uint8_t **wav, size_t *len, kt_error *err)
{
    kt_code rc = KT_OK;
    uint8_t *file = NULL;
    pcm p = {NULL, 0};
    char path[4096];
    int fd = -1;
    path[0] = '\0';
    if (vb == NULL || wav == NULL || len == NULL)
        return kt_fail(err, KT_EINVAL, "voice_arg", "", "Argumen kosong");
    *wav = NULL;
    *len = 0;
    size_t n = text ? strlen(text) : 0;
    int printable = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch < 0x20 && ch != '\n' && ch != '\t')
            return kt_fail(err, KT_EINVAL, "voice_text_invalid", "text",
                           "Teks berisi karakter kendali pada posisi %zu", i + 1);
        if (ch > 0x20)
            printable = 1;
    }
    if (!printable)
        return kt_fail(err, KT_EINVAL, "voice_text_empty", "text", "Teks yang diucapkan kosong");
    if (n > VOICE_MAX_SAY)
        return kt_fail(err, KT_EINVAL, "voice_text_long", "text",
                       "Teks terlalu panjang: %zu karakter, paling banyak %d", n, VOICE_MAX_SAY);
    if (snprintf(path, sizeof path, "%s/.out-XXXXXX", vb->dir) >= (int)sizeof path) {
        path[0] = '\0';
        return kt_fail(err, KT_EINVAL, "voice_path", "cache_dir", "Nama folder cache terlalu panjang");
    }
    fd = mkstemp(path);
    if (fd < 0) {
        path[0] = '\0';
        return kt_fail(err, KT_EIO, "voice_cache", vb->dir, "Tidak bisa menulis di %s: %s",
                       vb->dir, strerror(errno));
    }
    close(fd);
    rc = render_to(vb->dir, text, path, err);
    if (rc != KT_OK)
        goto out;
    size_t flen = 0;
    rc = read_file(path, &file, &flen, err);
    if (rc != KT_OK)
        goto out;
    /* Re-encode: espeak-ng's header may carry an unknown length; ours is exact. */
    rc = wav_decode(file, flen, "espeak-ng", &p, err);
    if (rc != KT_OK)
        goto out;
    seq q = {.n = 0};
    seq_clip(&q, &p);
    rc = seq_render(&q, wav, len, err);
out:
    if (path[0] != '\0')
        unlink(path);
    free(file);
    free(p.s);
    return rc;
}
