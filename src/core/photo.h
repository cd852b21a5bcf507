/*
 * photo.h - the e-KTP photo's background colour rule.
 *
 * The SOP's recording equipment lists a red and a blue backdrop; the rule Disdukcapil applies
 * is red for people born in an odd year and blue for an even year. The service checks every
 * uploaded face photo against it (the recording page's own check is only a hint to the
 * operator). The backdrop is what the border ring of a portrait shows: the ring (6% of the
 * shorter side) is sampled, pixels that are too grey or too dark are not colour, and a colour
 * that covers at least 60% of the ring's samples is the verdict.
 *
 * Pure computation on pixels the caller decoded; no I/O.
 */
#ifndef KTPEL_CORE_PHOTO_H
#define KTPEL_CORE_PHOTO_H

#include <stddef.h>
#include <stdint.h>

typedef enum photo_bg { PHOTO_BG_OTHER = 0, PHOTO_BG_RED, PHOTO_BG_BLUE } photo_bg;

/* The backdrop the birth year requires (year > 0). */
photo_bg photo_bg_required(int birth_year);

/* "merah", "biru", "lain" (the words the pages and messages use). */
const char *photo_bg_name(photo_bg bg);

typedef struct photo_bg_result {
    photo_bg verdict;
    double share; /* share of the ring's samples of the verdict's colour (or of the larger one) */
} photo_bg_result;

/* Classify the border ring of an RGB image (3 bytes a pixel, rows of stride bytes). */
photo_bg_result photo_bg_classify(const uint8_t *rgb, int width, int height, size_t stride);

#endif
