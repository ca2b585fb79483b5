/*
 * mixmaster/gain.h - gain in dB, the constant-power pan law and planar
 * buffer helpers. Stateless.
 */
#ifndef MIXMASTER_GAIN_H
#define MIXMASTER_GAIN_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 10^(db/20). */
double mm_db_to_gain(double db);

/** 20 log10(gain); gain <= 0 gives -INFINITY (callers decide how to report it). */
double mm_gain_to_db(double gain);

/**
 * Constant-power pan law. pan in [-1, 1] (-1 hard left, 0 centre, +1 hard
 * right; values outside are clamped). With p = (pan + 1) / 2:
 *   left = cos(p * pi / 2), right = sin(p * pi / 2),
 * so left^2 + right^2 = 1 and the centre is -3.01 dB on each side.
 */
void mm_pan_gains(double pan, double *left, double *right);

/** x[n] *= gain, n = 0..frames-1. */
void mm_gain_apply(float *x, size_t frames, float gain);

/** out[n] = a[n] * ga + b[n] * gb (out may equal a or b). */
void mm_mix2(float *out, const float *a, float ga, const float *b, float gb, size_t frames);

/** Largest |x[n]| (0 for frames == 0). Non-finite samples are ignored. */
float mm_peak_abs(const float *x, size_t frames);

/** Planar buffer: `channels` pointers to `frames` floats each, in one
 *  allocation, each channel 64-byte aligned and zeroed. Free with mm_planar_free. */
float **mm_planar_alloc(int channels, size_t frames, int *err);
void mm_planar_free(float **buf);

/** Interleaved <-> planar conversion. */
void mm_deinterleave(float *const out[], const float *in, int channels, size_t frames);
void mm_interleave(float *out, const float *const in[], int channels, size_t frames);

#ifdef __cplusplus
}
#endif
#endif
