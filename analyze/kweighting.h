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

#endif
