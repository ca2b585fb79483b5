/* Private to libmixmaster: the BS.1770-4 K-weighting design shared by the
 * loudness meter (analyze/loudness.c) and the mastering loudness probe. */
#ifndef MM_ANALYZE_KWEIGHTING_H
#define MM_ANALYZE_KWEIGHTING_H
#ifndef MM_BUILDING_LIBRARY
#error "analyze/kweighting.h is private to libmixmaster and should not be included directly"
#endif

#include "mixmaster/biquad.h"

/* Stage 1 (pre-filter, high shelf) and stage 2 (RLB high-pass) of the
 * K-weighting at sample rate fs; see analyze/loudness.c. */
void mm__kweighting_design(double fs, mm_biquad_coeffs *pre, mm_biquad_coeffs *rlb);

/* K-weight a stereo pair l, r [0, n-1] into yl, yr (may equal l, r), the
 * two channels in the lanes of one vector (the meter's own filter, twice
 * the speed of two biquad cascades). IN/OUT z[8]: the state, zero to start. */
void mm__kweight_pair_filter(const mm_biquad_coeffs *pre, const mm_biquad_coeffs *rlb, double z[8],
                             const float *l, const float *r, float *yl, float *yr, size_t n);

#endif
