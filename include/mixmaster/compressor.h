/*
 * mixmaster/compressor.h - feed-forward dynamic range compressor with a
 * soft knee, program-linked channels and an optional external sidechain.
 *
 * Detector: the peak of |x| across the channels (linked, so the stereo image
 * does not move) or of the sidechain input when one is given. Gain computer
 * (Giannoulis, Massberg and Reiss, JAES 2012), with level x and threshold T
 * in dBFS, ratio R and knee width W in dB:
 *
 *   x - T <  -W/2        : gain  = 0
 *   |x - T| <= W/2       : gain  = (1/R - 1) (x - T + W/2)^2 / (2 W)
 *   x - T >  W/2         : gain  = (1/R - 1) (x - T)
 *
 * The gain (in dB, <= 0) is smoothed with separate attack and release time
 * constants (the decoupled, smooth branching detector of the same paper:
 * 63.2 % of a step in attack_ms or release_ms), then make-up gain is added.
 * A steady signal therefore settles exactly on the static curve.
 */
#ifndef MIXMASTER_COMPRESSOR_H
#define MIXMASTER_COMPRESSOR_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_compressor_config {
    double sample_rate;   /**< Hz, > 0 */
    int channels;         /**< 1..64, processed with one linked gain */
    double threshold_db;  /**< dBFS, -120..0 */
    double ratio;         /**< >= 1 (1 = no compression) */
    double knee_db;       /**< >= 0; 0 = hard knee */
    double attack_ms;     /**< >= 0 */
    double release_ms;    /**< >= 0 */
    double makeup_db;     /**< added after the gain computer, -24..+24 */
} mm_compressor_config;

/** -20 dBFS, 4:1, 6 dB knee, 10 ms attack, 100 ms release, no make-up. */
mm_compressor_config mm_compressor_config_default(double sample_rate, int channels);

typedef struct mm_compressor mm_compressor;

mm_compressor *mm_compressor_create(const mm_compressor_config *cfg, int *err);

/** Static curve of the gain computer: gain in dB (<= 0, without make-up)
 *  for a detector level in dBFS. Pure function of the config. */
double mm_compressor_static_gain_db(const mm_compressor_config *cfg, double level_db);

/**
 * Compress `frames` frames: out[c] = in[c] * gain. `sidechain` holds
 * `sidechain_channels` planar channels that drive the detector instead of
 * `in` (a kick keying a bass); NULL to detect on `in`. out may equal in.
 * No allocation.
 */
void mm_compressor_process(mm_compressor *c, float *const out[], const float *const in[],
                           const float *const sidechain[], int sidechain_channels, size_t frames);

/** Largest gain reduction (dB, >= 0) since create or the last reset, and
 *  the running mean of the gain reduction over all processed frames. */
double mm_compressor_max_reduction_db(const mm_compressor *c);
double mm_compressor_mean_reduction_db(const mm_compressor *c);

void mm_compressor_reset(mm_compressor *c);
void mm_compressor_destroy(mm_compressor *c);

#ifdef __cplusplus
}
#endif
#endif
