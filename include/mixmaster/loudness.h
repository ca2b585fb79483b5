/*
 * mixmaster/loudness.h - programme loudness per ITU-R BS.1770-4 and
 * EBU R128 (Tech 3341 momentary/short-term/integrated, Tech 3342 loudness
 * range), in one streaming pass with memory that does not grow with length.
 *
 * Recipe:
 *   mm_loudness_config cfg = mm_loudness_config_default(48000, 2);
 *   mm_loudness *m = mm_loudness_create(&cfg, &err);
 *   mm_loudness_process(m, in, frames);            (repeat per block)
 *   mm_measure i = mm_loudness_integrated(m);      (i.value in LUFS when i.reason == MM_REASON_NONE)
 *   mm_loudness_destroy(m);
 *
 * How it measures:
 *  - K-weighting (BS.1770-4 Annex 1: the "pre-filter" high shelf and the
 *    "RLB" high-pass), with coefficients derived for any sample rate from the
 *    analogue prototypes, so the 48 kHz values of the standard are reproduced.
 *  - Mean squares are kept per sub-block of 10 ms (round(fs / 100) frames).
 *    Momentary (400 ms) and short-term (3 s) loudness are updated every
 *    sub-block, so their maxima are taken on a 10 ms step (Tech 3341 asks for
 *    at least 10 Hz; a 100 ms step misses case 13 by up to 0.45 LU).
 *  - Integrated loudness gates 400 ms blocks every 100 ms (75 % overlap):
 *    absolute gate -70 LUFS, relative gate -10 LU. Loudness range takes the
 *    3 s short-term values every 100 ms, absolute gate -70 LUFS, relative gate
 *    -20 LU, and returns P95 - P10. Both keep histograms of 0.01 LU bins
 *    (from -70 to +30 LUFS) instead of every block: results are within
 *    0.01 LU of the exact block lists and memory is fixed.
 *  - Channel weights (BS.1770-4 Table 4): L, R, C 1.0; surrounds 1.41
 *    (+1.5 dB); LFE excluded. A one-channel input is measured as one
 *    channel (weight 1.0) unless `dual_mono` is set, which weighs it 2.0:
 *    a dual-mono stereo file then reads the same as its single channel.
 *  - With two channels the meter also measures the mono fold-down
 *    M = (L + R) / 2 played as dual mono (weight 2.0) from the same
 *    K-weighted samples, so identical channels lose nothing and
 *    uncorrelated ones lose about 3 dB.
 */
#ifndef MIXMASTER_LOUDNESS_H
#define MIXMASTER_LOUDNESS_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest channel count the meter accepts. */
#define MM_LOUDNESS_MAX_CHANNELS 64

typedef enum mm_channel_role {
    MM_CHANNEL_UNUSED = 0,     /**< not measured (weight 0) */
    MM_CHANNEL_LEFT,           /**< weight 1.0 */
    MM_CHANNEL_RIGHT,          /**< weight 1.0 */
    MM_CHANNEL_CENTER,         /**< weight 1.0 */
    MM_CHANNEL_LFE,            /**< excluded (weight 0) */
    MM_CHANNEL_LEFT_SURROUND,  /**< weight 1.41 */
    MM_CHANNEL_RIGHT_SURROUND, /**< weight 1.41 */
    MM_CHANNEL_DUAL_MONO       /**< weight 2.0: one channel standing for two */
} mm_channel_role;

typedef struct mm_loudness_config {
    double sample_rate;  /**< Hz, 8000..384000 */
    int channels;        /**< 1..MM_LOUDNESS_MAX_CHANNELS */
    /** Role of each channel. Defaults (WAV/SMPTE order): 1: mono; 2: L R;
     *  3: L R C; 4: L R Ls Rs; 5: L R C Ls Rs; 6+: L R C LFE Ls Rs, the rest
     *  unused. */
    mm_channel_role roles[MM_LOUDNESS_MAX_CHANNELS];
    int dual_mono;       /**< 1: a mono input weighs 2.0 (reads as dual-mono stereo) */
    /** Points kept of the momentary and short-term series (one every 100 ms;
     *  when full, neighbours are merged by their maximum and the step
     *  doubles). 0 keeps no series. Default 8192. */
    size_t series_capacity;
    /** 1: the input is already K-weighted (BS.1770-4 Annex 1 stages 1 and
     *  2 applied by the caller, e.g. inside a larger filter bank); the meter
     *  then only measures and gates. Default 0. */
    int prefiltered;
} mm_loudness_config;

mm_loudness_config mm_loudness_config_default(double sample_rate, int channels);

typedef struct mm_loudness mm_loudness;

mm_loudness *mm_loudness_create(const mm_loudness_config *cfg, int *err);

/** Meter `frames` frames of every channel. No allocation. */
int mm_loudness_process(mm_loudness *m, const float *const in[], size_t frames);

/** Integrated (gated) loudness, LUFS. No value: MM_REASON_TOO_SHORT (less than
 *  one 400 ms block) or MM_REASON_SILENT (no block above -70 LUFS). */
mm_measure mm_loudness_integrated(const mm_loudness *m);

/** Loudness range (EBU Tech 3342), LU. No value when shorter than 3 s or silent. */
mm_measure mm_loudness_range(const mm_loudness *m);

/** Largest momentary (400 ms) / short-term (3 s) loudness so far, LUFS, on a
 *  10 ms step. No value when shorter than the window or digitally silent. */
mm_measure mm_loudness_momentary_max(const mm_loudness *m);
mm_measure mm_loudness_shortterm_max(const mm_loudness *m);

/** The latest momentary / short-term loudness (window ending at the last
 *  complete 10 ms sub-block), LUFS. */
mm_measure mm_loudness_momentary(const mm_loudness *m);
mm_measure mm_loudness_shortterm(const mm_loudness *m);

/** Integrated loudness of the mono fold-down (two-channel input only; other
 *  counts give MM_REASON_NOT_STEREO; a fold that cancels gives MM_REASON_CANCELS). */
mm_measure mm_loudness_fold_integrated(const mm_loudness *m);

/**
 * The momentary and short-term series, one point per *step_s seconds from
 * the start (point k covers the window ending at (k + 1) * step_s). Values
 * are LUFS, NaN where the window is not yet full or is silent. Pointers stay
 * valid until the next process/reset/destroy. Returns the point count.
 */
size_t mm_loudness_series(const mm_loudness *m, const float **momentary,
                          const float **shortterm, double *step_s);

/** Integrated loudness of several meters taken as one programme (album
 *  loudness, or the sum of stems): their gating blocks are pooled. */
mm_measure mm_loudness_integrated_multiple(const mm_loudness *const meters[], size_t count);

/**
 * Integrated loudness and loudness range of several meters taken as one
 * programme (an album), each as if played with gain gains_db[k] (NULL: no
 * gain). The gating histograms are shifted by the gain to the nearest
 * 0.01 LU; blocks a negative gain pushes under the -70 LUFS absolute gate
 * drop out, and blocks that were under it before a positive gain stay out
 * (they weigh nothing in practice). Either output may be NULL. Allocates a
 * scratch histogram: MM_ERR_NOMEM, or MM_ERR_INVALID_ARG.
 */
int mm_loudness_pooled(const mm_loudness *const meters[], const double *gains_db, size_t count,
                       mm_measure *integrated, mm_measure *range);

/** Frames metered since create/reset. */
unsigned long long mm_loudness_frames(const mm_loudness *m);

void mm_loudness_reset(mm_loudness *m);
void mm_loudness_destroy(mm_loudness *m);

#ifdef __cplusplus
}
#endif
#endif
