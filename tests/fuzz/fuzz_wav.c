/*
 * fuzz_wav.c - the clip bank of src/voice (voice.c): the WAV files of the queue
 * announcements. espeak-ng renders them once, and an office may replace any of them by its
 * own recording (docs/internals/voice.md), so voice_bank_open reads files a person made:
 * RIFF chunks, the fmt and data chunks, resampling and silence trimming.
 *
 * Setup renders the bank once (espeak-ng, a build dependency). Input: the first byte picks
 * the clip replaced, the rest is its file. The bank is opened; when it opens, a call is
 * assembled from it. A refused clip gives an error id naming the file; then the clip is
 * put back.
 */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

#include "voice/voice.h"

#define MAX_CLIPS 128

static char cache[300];
static char *clip_path[MAX_CLIPS];
static uint8_t *clip_data[MAX_CLIPS];
static size_t clip_len[MAX_CLIPS];
static int nclips;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    voice_bank *vb = NULL;
    kt_error err;
    snprintf(cache, sizeof cache, "%s/voice", fz_dir("wav"));
    if (voice_bank_open(cache, &vb, &err) != KT_OK) {
        fprintf(stderr, "fuzz_wav: the clip bank cannot be rendered (espeak-ng): %s\n",
                err.message);
        abort();
    }
    voice_bank_close(vb);
    DIR *d = opendir(cache);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL && nclips < MAX_CLIPS) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".wav") == 0) {
            char p[600];
            snprintf(p, sizeof p, "%s/%s", cache, de->d_name);
            clip_path[nclips++] = strdup(p);
        }
    }
    if (d != NULL)
        closedir(d);
    qsort(clip_path, (size_t)nclips, sizeof clip_path[0], by_name);
    for (int i = 0; i < nclips; i++) {
        FILE *f = fopen(clip_path[i], "rb");
        struct stat st;
        if (f == NULL || fstat(fileno(f), &st) != 0 ||
            (clip_data[i] = malloc((size_t)st.st_size + 1)) == NULL ||
            fread(clip_data[i], 1, (size_t)st.st_size, f) != (size_t)st.st_size)
            abort();
        clip_len[i] = (size_t)st.st_size;
        fclose(f);
    }
    if (nclips == 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int k = data[0] % nclips;
    voice_bank *vb = NULL;
    kt_error err;
    fz_write_file(clip_path[k], data + 1, size - 1);
    if (voice_bank_open(cache, &vb, &err) == KT_OK) {
        uint8_t *wav = NULL;
        size_t len = 0;
        if (voice_announce(vb, "A007", 12, &wav, &len, &err) != KT_OK)
            fz_fail("announcing from a bank that opened failed: %s", err.message);
        if (len < 44 || memcmp(wav, "RIFF", 4) != 0)
            fz_fail("announcement is not a WAV file");
        free(wav);
        voice_bank_close(vb);
    } else if (err.id[0] == '\0' || strstr(err.field, ".wav") == NULL) {
        fz_fail("refused clip without an id naming the file (%s, %s)", err.id, err.field);
    }
    fz_write_file(clip_path[k], clip_data[k], clip_len[k]);
    return 0;
}
