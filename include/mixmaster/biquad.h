/*
 * mixmaster/biquad.h - RBJ biquad filters and a multichannel cascade.
 *
 * Recipe:
 *   1. mm_biquad_coeffs c; mm_biquad_design(&c, MM_BIQUAD_PEAK, 48000, 1000, 0.7, -3.0);
 *   2. mm_biquad_cascade *f = mm_biquad_cascade_create(2, 4, &err);
 *   3. mm_biquad_cascade_set(f, 0, &c);          (stage 0; stages in use = highest set + 1)
 *   4. mm_biquad_cascade_process(f, out, in, frames);   (out may equal in)
 *   5. mm_biquad_cascade_destroy(f);
 *
 * Coefficients follow R. Bristow-Johnson, "Cookbook formulae for audio EQ
 * biquad filter coefficients", normalised so that a0 = 1:
 *   H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
 * The cascade runs in transposed direct form II with double-precision state
 * (float state loses low-frequency filters at high sample rates).
 */
#ifndef MIXMASTER_BIQUAD_H
#define MIXMASTER_BIQUAD_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mm_biquad_type {
    MM_BIQUAD_LOWPASS = 0,
    MM_BIQUAD_HIGHPASS,
    MM_BIQUAD_BANDPASS,   /**< constant 0 dB peak gain */
    MM_BIQUAD_NOTCH,
    MM_BIQUAD_ALLPASS,
    MM_BIQUAD_PEAK,       /**< peaking EQ, uses gain_db */
    MM_BIQUAD_LOWSHELF,   /**< uses gain_db; q is the shelf Q (0.7071 = S of 1) */
    MM_BIQUAD_HIGHSHELF   /**< uses gain_db; q is the shelf Q */
} mm_biquad_type;

/** Normalised coefficients (a0 = 1). Plain data: copy freely. */
typedef struct mm_biquad_coeffs {
    double b0, b1, b2, a1, a2;
} mm_biquad_coeffs;

/** The identity filter (b0 = 1, everything else 0). */
mm_biquad_coeffs mm_biquad_identity(void);

/**
 * Design one RBJ section. freq_hz must be in (0, sample_rate/2), q > 0,
 * sample_rate > 0; gain_db is ignored by the types that do not use it.
 * Returns MM_OK or MM_ERR_INVALID_ARG (and leaves *out unchanged).
 */
int mm_biquad_design(mm_biquad_coeffs *out, mm_biquad_type type, double sample_rate,
                     double freq_hz, double q, double gain_db);

/** Magnitude response |H(e^jw)| in dB at freq_hz, computed in double. */
double mm_biquad_response_db(const mm_biquad_coeffs *c, double sample_rate, double freq_hz);

/** Opaque cascade of up to max_stages sections applied to each of `channels`. */
typedef struct mm_biquad_cascade mm_biquad_cascade;

/** Create with every stage set to identity and no stage in use.
 *  channels in 1..1024, max_stages in 1..64. One allocation. */
mm_biquad_cascade *mm_biquad_cascade_create(int channels, int max_stages, int *err);

/** Set stage `stage` (0-based). Stages in use become max(in use, stage + 1).
 *  State is kept, so coefficients can change between blocks. */
int mm_biquad_cascade_set(mm_biquad_cascade *f, int stage, const mm_biquad_coeffs *c);

/** Number of stages in use (0 = pass-through). Setting fewer stages than in
 *  use drops the later ones. */
int mm_biquad_cascade_set_stages(mm_biquad_cascade *f, int stages);
int mm_biquad_cascade_stages(const mm_biquad_cascade *f);

/** Filter `frames` frames of every channel. out[c] may equal in[c]. No allocation. */
void mm_biquad_cascade_process(mm_biquad_cascade *f, float *const out[],
                               const float *const in[], size_t frames);

/** Clear the filter state (not the coefficients). */
void mm_biquad_cascade_reset(mm_biquad_cascade *f);

/** Free; NULL is a no-op. */
void mm_biquad_cascade_destroy(mm_biquad_cascade *f);

#ifdef __cplusplus
}
#endif
#endif
