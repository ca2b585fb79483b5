/*
 * mixmaster/mixbus.h - a floating-point summing bus with peak metering.
 *
 * The bus adds any number of planar inputs into one output in float, so it
 * never clips however hot the sum; it meters the sample peak and the true
 * peak (BS.1770-4 Annex 2, 4x) of what it produced, so the caller can set
 * a master gain that lands the peak where it wants (headroom for mastering).
 *
 * Recipe:
 *   mm_mixbus *b = mm_mixbus_create(2, &err);
 *   per block: mm_mixbus_sum(b, out, inputs, count, frames);
 *   mm_mixbus_peaks(b, &sample_peak, &true_peak);     (linear, since create/reset)
 *   mm_mixbus_destroy(b);
 */
#ifndef MIXMASTER_MIXBUS_H
#define MIXMASTER_MIXBUS_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_mixbus mm_mixbus;

/** A bus of `channels` (1..64) channels. */
mm_mixbus *mm_mixbus_create(int channels, int *err);

/** out[c][n] = sum over k < count of inputs[k][c][n], then meter out.
 *  Each inputs[k] holds `channels` planar pointers; a NULL inputs[k] is
 *  skipped. out must not alias any input. No allocation. */
int mm_mixbus_sum(mm_mixbus *b, float *const out[], const float *const *const inputs[], int count,
                  size_t frames);

/** Largest |sample| and true peak (max of true and sample peak) of the
 *  output since create/reset, linear. */
void mm_mixbus_peaks(const mm_mixbus *b, double *sample_peak, double *true_peak);

void mm_mixbus_reset(mm_mixbus *b);
void mm_mixbus_destroy(mm_mixbus *b);

#ifdef __cplusplus
}
#endif
#endif
