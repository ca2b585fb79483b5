/*
 * Private to dsp/truepeak.c and its tests: the true-peak kernels and a
 * read-only view of the interpolator's coefficients.
 *
 * Kernel layout (both versions compute the same thing):
 *   src[0 .. n+taps-2]   input; src[i+taps-1] is the newest sample of output i
 *   coef[q*taps + j]     interpolating phase q+1 (q = 0..phases-1), tap j;
 *                        phase q+1 reads the signal at (taps/2 - 1) + (q+1)/L
 *                        samples after src[i], i.e. y = sum_j coef[j] src[i+j]
 *   dst[i]               max(|src[i + taps/2 - 1]|, |y_1|, ..., |y_phases|):
 *                        the largest magnitude of the oversampled signal on
 *                        the interval [t, t+1) whose left end is that sample
 * Phase 0 of the interpolator reproduces the input exactly (a Nyquist
 * filter, see truepeak.c), so it is the plain |sample| term above.
 */
#ifndef MM_DSP_TRUEPEAK_KERNEL_H
#define MM_DSP_TRUEPEAK_KERNEL_H
#ifndef MM_BUILDING_LIBRARY
#error "dsp/truepeak_kernel.h is private to libmixmaster and should not be included directly"
#endif

#include <stddef.h>

#include "mixmaster/truepeak.h"

/* Number of independent running maxima a kernel keeps per channel. */
#define MM_TRUEPEAK_LANES 16

/*
 * Plain scalar reference (double accumulation, no vector tricks).
 * IN  src[0, n+taps-2], coef[0, phases*taps-1]
 * OUT dst[0, n-1]
 * Preconditions: taps even and >= 2, phases >= 1.
 */
void mm__truepeak_reference(float *dst, const float *src, const float *coef, int phases, int taps, size_t n);

/*
 * The vectorised kernel used by mm_truepeak_process (runtime-dispatched
 * clones). Same contract as the reference, and also folds every dst[i] into
 * lanes[0, MM_TRUEPEAK_LANES-1] (lanes[l] = max(lanes[l], dst[i]) for
 * i % MM_TRUEPEAK_LANES == l). taps must be one of the compiled sizes
 * (12 or 32); returns MM_ERR_INVALID_ARG for any other, else MM_OK.
 * src, dst and lanes must not overlap.
 */
int mm__truepeak_fast(float *dst, float *lanes, const float *src, const float *coef, int phases, int taps,
                      size_t n);

/* The meter's coefficient table in the layout above, with its shape. */
const float *mm__truepeak_coefs(const mm_truepeak *tp, int *phases, int *taps);

#endif
