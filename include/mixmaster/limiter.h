/*
 * mixmaster/limiter.h - lookahead true-peak limiter.
 *
 * Recipe:
 *   mm_limiter_config cfg = mm_limiter_config_default(44100, 2);
 *   cfg.ceiling_dbtp = -1.0;
 *   mm_limiter *l = mm_limiter_create(&cfg, &err);
 *   mm_limiter_process(l, out, in, frames);       (any block size)
 *   ... output frame n is input frame n - mm_limiter_latency(l), limited;
 *   feed latency frames of zeros at the end to flush the tail
 *   mm_limiter_destroy(l);
 *
 * Detection: an 8x polyphase interpolator (48 taps per phase, longer than
 * the meter's in truepeak.h so that content near Nyquist is not under-read;
 * see limiter.c) gives, per input frame n, the largest magnitude p[n] of
 * the reconstructed signal on [n, n+1), the largest over the channels (one
 * gain for all channels, so the image does not move). The gain that frame
 * needs is
 *   r[n] = min(1, c / p[n]),  c = ceiling lowered by margin_db
 * (the margin covers what any finite interpolator leaves unread). A gain varying linearly from frame n to
 * n+1 keeps the interval's peak under c when both ends are at most r[n], so
 * the gain computer works on q[n] = min(r[n-1], r[n]).
 *
 * Gain computer (L = lookahead frames = L1 + L2 - 1, L1 = ceil(L/2)):
 *   m[n]  = min(q[n], ..., q[n+L-1])          sliding minimum, looking ahead
 *   b1[n] = (m[n-L1+1] + ... + m[n]) / L1      two moving averages: an
 *   b[n]  = (b1[n-L2+1] + ... + b1[n]) / L2    S-shaped attack over the lookahead
 *   g[n]  = b[n] when b[n] <= g[n-1], else g[n-1] + (b[n] - g[n-1]) a
 *           (release: one-pole, time constant release_ms)
 * Each m[k] averaged into b1[j] covers [j, j+L2-1], and each b1[j] averaged
 * into b[n] has n in that range, so b[n] <= q[n]; the release only ever
 * lowers the gain below b: g[n] <= q[n] always. The gain is smooth, with a
 * continuous slope (a single average would leave corners, and a corner in
 * the gain spreads the spectrum toward Nyquist, where it escapes a
 * detector that saw the signal before the gain); no step, no clipping.
 * The output is x[n - latency] g[n].
 *
 * Latency: 24 + L - 1 frames (24 + 131 at 44.1 kHz with the 3 ms
 * lookahead), reported by mm_limiter_latency().
 */
#ifndef MIXMASTER_LIMITER_H
#define MIXMASTER_LIMITER_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_limiter_config {
    double sample_rate;   /**< Hz, 8000..384000 */
    int channels;         /**< 1..64, one linked gain */
    double ceiling_dbtp;  /**< true-peak ceiling, -60..0 dBTP; default -1 */
    double lookahead_ms;  /**< attack ramp and lookahead, 0.1..50 ms; default 3 */
    double release_ms;    /**< 1..5000 ms; default 80 */
    double margin_db;     /**< detection margin under the ceiling, 0..3 dB; default 0.1 */
} mm_limiter_config;

mm_limiter_config mm_limiter_config_default(double sample_rate, int channels);

typedef struct mm_limiter mm_limiter;

mm_limiter *mm_limiter_create(const mm_limiter_config *cfg, int *err);

/** Limit `frames` frames. out[c] may equal in[c]. No allocation.
 *  Non-finite input samples are treated as 0. */
int mm_limiter_process(mm_limiter *l, float *const out[], const float *const in[], size_t frames);

/** Delay between input and output, frames. */
size_t mm_limiter_latency(const mm_limiter *l);

/** Largest gain reduction applied so far, dB (>= 0). */
double mm_limiter_max_reduction_db(const mm_limiter *l);

/** Frames processed with any gain reduction (gain below -0.01 dB). */
unsigned long long mm_limiter_limited_frames(const mm_limiter *l);

void mm_limiter_reset(mm_limiter *l);
void mm_limiter_destroy(mm_limiter *l);

#ifdef __cplusplus
}
#endif
#endif
