/* Private helpers shared by the library's modules. Not installed. */
#ifndef MM_DSP_INTERNAL_H
#define MM_DSP_INTERNAL_H
#ifndef MM_BUILDING_LIBRARY
#error "dsp/internal.h is private to libmixmaster and should not be included directly"
#endif

#include <stddef.h>
#include <stdint.h>

#include "mixmaster/common.h"

/* Strict C11 hides M_PI; the library needs it everywhere. */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Non-aliasing pointer qualifier, one macro for every kernel. */
#if defined(__GNUC__) || defined(__clang__)
#define MM_RESTRICT __restrict__
#else
#define MM_RESTRICT
#endif

/* Runtime-dispatched vector clones of a hot kernel: the loader picks the
 * AVX2+FMA (x86-64-v3) or AVX-512 body on CPUs that have them and the
 * baseline SSE2 body elsewhere, so one binary is fast on any x86-64. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && !defined(MM_NO_CLONES)
#define MM_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
/* A kernel written for one target (with its own runtime check) where the
 * clones of one source cannot be made fast on all targets alike. */
#define MM_HAVE_TARGETS 1
#define MM_TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#else
#define MM_TARGET_CLONES
#endif

/* A measured value, or no value and the reason why. */
static inline mm_measure mm__ok(double v)
{
    mm_measure m = {v, MM_REASON_NONE};
    return m;
}
static inline mm_measure mm__none(mm_reason r)
{
    mm_measure m = {0.0, r};
    return m;
}

/* Polyphase interpolator (windowed sinc, Kaiser beta) for true-peak
 * detection: phases 1..factor-1 of `taps` taps each into
 * coef[(q-1)*taps + j], unit DC gain, reversed for a dot product with the
 * newest sample last. Defined in dsp/truepeak.c. */
#define MM_POLYPHASE_MAX_TAPS 64
void mm__polyphase_design(float *coef, int factor, int taps, double beta);

/* Overflow-checked size arithmetic: returns 0 and leaves *out alone on overflow. */
static inline int mm__size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

static inline int mm__size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a) return 0;
    *out = a + b;
    return 1;
}

/* Round `n` up to a multiple of 16 floats (64 bytes) so that arrays carved
 * from one allocation stay aligned for vector loads. */
static inline size_t mm__align_floats(size_t n) { return (n + 15u) & ~(size_t)15u; }

#endif
