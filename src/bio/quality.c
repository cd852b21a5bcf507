/*
 * quality.c - an NFIQ-like image quality score, 0..100 (100 best), so the operator can retake
 * a poor print at once (SOP step: perekaman sidik jari). It combines what predicts matching
 * failure: orientation certainty (smudged or dry prints lose coherence), ridge clarity (share
 * of foreground blocks with a clean, measurable ridge period), foreground area (a partial
 * touch) and the number of reliable minutiae.
 *
 * Never: print, keep global state.
 */
#include "bio/extract_internal.h"

static double clamp01(double v)
{
    return v < 0 ? 0 : (v > 1 ? 1 : v);
}

int bio_quality_score(const bio_field *f, int minutiae)
{
    if (!f || f->fg_blocks <= 0)
        return 0;
    double area = (double)f->fg_blocks * BIO_BLK * BIO_BLK;   /* pixels at 500 dpi */
    double s_area = clamp01(area / 60000.0);                  /* ~12 x 12 mm touches fully */
    double s_coh = clamp01(((double)f->mean_coh - 0.20) / 0.45);
    double s_clar = clamp01(((double)f->clarity - 0.30) / 0.60);
    double s_min = clamp01((minutiae - 5) / 25.0);
    /* Weighted mean, then capped by the weakest factor so one failure is never hidden. */
    double mean = 0.30 * s_coh + 0.25 * s_clar + 0.25 * s_area + 0.20 * s_min;
    double weakest = s_coh;
    if (s_clar < weakest)
        weakest = s_clar;
    if (s_area < weakest)
        weakest = s_area;
    if (s_min < weakest)
        weakest = s_min;
    double q = 100.0 * (0.75 * mean + 0.25 * weakest);
    int qi = (int)(q + 0.5);
    return qi < 0 ? 0 : (qi > 100 ? 100 : qi);
}
