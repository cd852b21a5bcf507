/*
 * voice.h - queue call announcements, made on the server, offline (SOP step 1: the number is
 * called over the sound system).
 *
 * A clip bank of Indonesian words, digits, letters and loket names is rendered once with
 * espeak-ng's Indonesian voice (or replaced by clips the office recorded) into a cache folder;
 * each call is assembled from clips: a chime, then the sentence twice, e.g.
 * "Nomor antrian, A, nol, nol, tujuh, silakan menuju loket dua".
 *
 * Thread-safe after voice_bank_open().
 */
#ifndef KTPEL_VOICE_H
#define KTPEL_VOICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct voice_bank voice_bank;

/* Open (rendering what is missing) the clip bank in cache_dir. *out owned: voice_bank_close. */
kt_code voice_bank_open(const char *cache_dir, voice_bank **out, kt_error *err);
void voice_bank_close(voice_bank *vb);

/* The announcement of ticket `number` (e.g. "A007") called to loket `loket` (1..99), as a
   RIFF/WAVE file (16-bit PCM mono). *wav owned by caller: free(). */
kt_code voice_announce(voice_bank *vb, const char *number, int loket, uint8_t **wav,
                       size_t *len, kt_error *err);

/* Any other Indonesian text, rendered by espeak-ng. *wav owned by caller: free(). */
kt_code voice_say(voice_bank *vb, const char *text, uint8_t **wav, size_t *len, kt_error *err);

#endif
