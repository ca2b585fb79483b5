/*
 * mixmaster/envelope.h - envelope followers (peak or RMS) with separate
 * attack and release time constants.
 *
 * A one-pole smoother per channel: when the detector input rises, the state
 * moves toward it with coefficient exp(-1 / (attack_ms * fs / 1000)); when it
 * falls, with the release coefficient. The time constant is the time to
 * cover 1 - 1/e (63.2 %) of a step. In RMS mode the smoother runs on x^2 and
 * the output is its square root.
 */
#ifndef MIXMASTER_ENVELOPE_H
#define MIXMASTER_ENVELOPE_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mm_envelope_mode {
    MM_ENVELOPE_PEAK = 0,  /**< follows |x| */
    MM_ENVELOPE_RMS        /**< follows x^2, outputs sqrt */
} mm_envelope_mode;

typedef struct mm_envelope_config {
    double sample_rate;  /**< Hz, > 0 */
    int channels;        /**< 1..1024 */
    double attack_ms;    /**< >= 0; 0 = instantaneous */
    double release_ms;   /**< >= 0; 0 = instantaneous */
    mm_envelope_mode mode;
} mm_envelope_config;

/** Peak mode, 10 ms attack, 100 ms release. */
mm_envelope_config mm_envelope_config_default(double sample_rate, int channels);

typedef struct mm_envelope mm_envelope;

mm_envelope *mm_envelope_create(const mm_envelope_config *cfg, int *err);

/** Change the time constants without touching the state. */
int mm_envelope_set_times(mm_envelope *e, double attack_ms, double release_ms);

/** out[c][n] = envelope of in[c] (linear). out may equal in. No allocation. */
void mm_envelope_process(mm_envelope *e, float *const out[], const float *const in[],
                         size_t frames);

void mm_envelope_reset(mm_envelope *e);
void mm_envelope_destroy(mm_envelope *e);

#ifdef __cplusplus
}
#endif
#endif
