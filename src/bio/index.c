/*
 * index.c - minutia-pair bit-vector codes for the first stage of 1:N search (see index.h).
 *
 * Feature of an unordered pair (i, j) at distance d in [IX_DMIN, IX_DMAX] (500 dpi pixels):
 * (d quantized in IX_DSTEP steps, direction of i relative to the segment i->j, direction of j
 * relative to the same segment, both quantized in IX_NA sectors). The same pair seen from j
 * gives another tuple; the smaller of the two keys is kept, so the feature does not depend on
 * the minutiae's order in the template. The key is hashed to one of BIO_INDEX_BITS bits.
 * Minutia type is left out: extractors disagree on it too often.
 *
 * Never: allocate or keep state.
 */
#include "bio/index.h"

#include <math.h>
#include <string.h>

#ifndef IX_DMIN
#define IX_DMIN 14.0
#endif
#ifndef IX_DMAX
#define IX_DMAX 150.0
#endif
#ifndef IX_DSTEP
#define IX_DSTEP 10.0
#endif
#ifndef IX_NA
#define IX_NA 16
#endif

#define IX_PI 3.14159265358979323846

static uint32_t ix_hash(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x7feb352dU;
    k ^= k >> 15;
    k *= 0x846ca68bU;
    k ^= k >> 16;
    return k;
}

static int ix_sector(double a)
{
    a = fmod(a, 2 * IX_PI);
    if (a < 0)
        a += 2 * IX_PI;
    int s = (int)(a * IX_NA / (2 * IX_PI));
    return s >= IX_NA ? IX_NA - 1 : s;
}

unsigned bio_index_encode(const bio_template *t, bio_index_code *out)
{
    memset(out, 0, sizeof *out);
    if (t == NULL)
        return 0;
    double sx = t->res_x ? 197.0 / t->res_x : 1.0, sy = t->res_y ? 197.0 / t->res_y : 1.0;
    int n = t->count > BIO_MAX_MINUTIAE ? BIO_MAX_MINUTIAE : t->count;
    for (int i = 0; i < n; i++) {
        const bio_minutia *a = &t->m[i];
        for (int j = i + 1; j < n; j++) {
            const bio_minutia *b = &t->m[j];
            /* ISO angles are counter-clockwise with y up: flip y for the segment's angle */
            double dx = (b->x - a->x) * sx, dy = -(b->y - a->y) * sy;
            double d2 = dx * dx + dy * dy;
            if (d2 < IX_DMIN * IX_DMIN || d2 > IX_DMAX * IX_DMAX)
                continue;
            double d = sqrt(d2), beta = atan2(dy, dx);
            uint32_t qd = (uint32_t)((d - IX_DMIN) / IX_DSTEP);
            uint32_t ka = (uint32_t)ix_sector((double)a->angle - beta);
            uint32_t kb = (uint32_t)ix_sector((double)b->angle - beta);
            uint32_t kb2 = (uint32_t)ix_sector((double)b->angle - beta - IX_PI);
            uint32_t ka2 = (uint32_t)ix_sector((double)a->angle - beta - IX_PI);
            uint32_t k1 = (qd * IX_NA + ka) * IX_NA + kb;
            uint32_t k2 = (qd * IX_NA + kb2) * IX_NA + ka2;
            uint32_t bit = ix_hash(k1 < k2 ? k1 : k2) % BIO_INDEX_BITS;
            out->w[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    }
    return bio_index_popcount(out);
}

static unsigned ix_pop64(uint64_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
#endif
}

unsigned bio_index_popcount(const bio_index_code *c)
{
    unsigned s = 0;
    for (int i = 0; i < BIO_INDEX_WORDS; i++)
        s += ix_pop64(c->w[i]);
    return s;
}

unsigned bio_index_common(const bio_index_code *a, const bio_index_code *b)
{
    unsigned s = 0;
    for (int i = 0; i < BIO_INDEX_WORDS; i++)
        s += ix_pop64(a->w[i] & b->w[i]);
    return s;
}

float bio_index_score(double alpha, unsigned pg, unsigned common)
{
    double e = alpha * pg;
    return (float)((common - e) / sqrt(e + 1.0));
}

double bio_index_alpha(const bio_index_code *probe, const bio_index_code *codes,
                       const uint16_t *pops, size_t n, size_t stride)
{
    double sc = 0, sp = 0;
    if (stride == 0)
        stride = 1;
    for (size_t i = 0; i < n; i += stride) {
        sc += bio_index_common(probe, &codes[i]);
        sp += pops[i];
    }
    /* an empty or tiny gallery: fall back to the uniform-chance estimate */
    return sp > 0 && sc > 0 ? sc / sp : (double)bio_index_popcount(probe) / BIO_INDEX_BITS;
}

#define IX_SCAN_BODY                                                                       \
    for (size_t i = 0; i < n; i++) {                                                       \
        const uint64_t *a = probe->w, *b = codes[i].w;                                     \
        unsigned c = 0;                                                                    \
        for (int k = 0; k < BIO_INDEX_WORDS; k++)                                          \
            c += (unsigned)POPCOUNT(a[k] & b[k]);                                          \
        double e = alpha * pops[i];                                                        \
        scores[i] = (float)((c - e) / sqrt(e + 1.0));                                      \
    }

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define POPCOUNT __builtin_popcountll
__attribute__((target("popcnt"))) static void ix_scan_popcnt(
    const bio_index_code *probe, double alpha, const bio_index_code *codes,
    const uint16_t *pops, size_t n, float *scores)
{
    IX_SCAN_BODY
}
#undef POPCOUNT
#endif

#define POPCOUNT ix_pop64
static void ix_scan_generic(const bio_index_code *probe, double alpha,
                            const bio_index_code *codes, const uint16_t *pops, size_t n,
                            float *scores)
{
    IX_SCAN_BODY
}
#undef POPCOUNT

void bio_index_scan(const bio_index_code *probe, double alpha, const bio_index_code *codes,
                    const uint16_t *pops, size_t n, float *scores)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if (__builtin_cpu_supports("popcnt")) {
        ix_scan_popcnt(probe, alpha, codes, pops, n, scores);
        return;
    }
#endif
    ix_scan_generic(probe, alpha, codes, pops, n, scores);
}
