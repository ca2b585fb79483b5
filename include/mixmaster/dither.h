/*
 * mixmaster/dither.h - word-length reduction with TPDF dither and optional
 * noise shaping, for writing fixed-point files (16 or 24 bit).
 *
 * Recipe:
 *   mm_dither_config cfg = mm_dither_config_default(44100, 2, 16);
 *   cfg.shaping = 1;
 *   mm_dither *d = mm_dither_create(&cfg, &err);
 *   mm_dither_process(d, ints, planar, frames);   interleaved integers
 *   mm_dither_destroy(d);
 *
 * One LSB is 2^-(bits-1) of full scale. Each sample x becomes
 *   v = x * 2^(bits-1) - sum_k h[k] e[n-k]        (noise-shaping feedback)
 *   y = round(v + t),  t = u1 + u2,  u1, u2 uniform in [-1/2, 1/2) LSB
 *   e[n] = y - v                                   (total error, dither included)
 * clamped to [-2^(bits-1), 2^(bits-1) - 1]. Without shaping (h = 0) the
 * error is white, TPDF of 2 LSB peak to peak, which makes its first two
 * moments independent of the signal (Lipshitz, Wannamaker and Vanderkooy,
 * JAES 1992). With shaping the error spectrum is |1 - sum_k h[k] z^-k|^2
 * times the white TPDF spectrum; h is the 9-tap "modified E-weighted" filter
 * of Lipshitz, Vanderkooy and Wannamaker ("Minimally audible noise shaping",
 * JAES 1991), designed for 44.1 kHz and used at 44.1 and 48 kHz. At other
 * rates the noise is left white (shaping = 1 then has no effect).
 * The noise generator is a seeded xorshift: outputs are reproducible.
 */
#ifndef MIXMASTER_DITHER_H
#define MIXMASTER_DITHER_H

#include <stddef.h>
#include <stdint.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_DITHER_SHAPING_TAPS 9

typedef struct mm_dither_config {
    double sample_rate;  /**< Hz, 8000..384000 */
    int channels;        /**< 1..64 */
    int bits;            /**< 8..24 */
    int shaping;         /**< 0 white TPDF (default), 1 noise-shaped TPDF */
    int dither;          /**< 1 add TPDF dither (default), 0 round only */
    uint32_t seed;       /**< noise seed, nonzero; default 1 */
} mm_dither_config;

mm_dither_config mm_dither_config_default(double sample_rate, int channels, int bits);

typedef struct mm_dither mm_dither;

mm_dither *mm_dither_create(const mm_dither_config *cfg, int *err);

/** Quantise `frames` frames of planar float (full scale 1.0) to interleaved
 *  integers in LSB units of cfg.bits. Non-finite samples become 0.
 *  Returns the number of samples that had to be clamped (>= 0). */
long mm_dither_process(mm_dither *d, int32_t *out, const float *const in[], size_t frames);

/** 1 when noise shaping is active at this sample rate. */
int mm_dither_is_shaped(const mm_dither *d);

/** The noise transfer |1 - sum h[k] e^{-jwk}| in dB at hz (0 dB when white). */
double mm_dither_shaping_db(const mm_dither *d, double hz);

void mm_dither_reset(mm_dither *d);
void mm_dither_destroy(mm_dither *d);

#ifdef __cplusplus
}
#endif
#endif
