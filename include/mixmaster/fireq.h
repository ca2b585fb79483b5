/*
 * mixmaster/fireq.h - linear-phase FIR equaliser, one magnitude response per
 * channel, applied by FFT convolution (overlap-save). Used by the mastering
 * chain for the mid/side match EQ.
 *
 * Recipe:
 *   mm_fireq_config cfg = mm_fireq_config_default(44100, 2);   (8192-point design)
 *   mm_fireq *q = mm_fireq_create(&cfg, &err);
 *   mm_fireq_set_response(q, 0, hz, gain_db, npoints);        (per channel, before processing)
 *   mm_fireq_process(q, out, in, frames);                     (any block size)
 *   ... output frame n is input frame n - mm_fireq_latency(q), filtered
 *   mm_fireq_destroy(q);
 *
 * Design (frequency sampling, then windowing): the wanted magnitude is read
 * at the bins of a 2N-point grid (N = cfg.design_size), with the response
 * given as (hz, dB) points interpolated linearly in dB over log frequency
 * and held flat beyond the first and last point. Its zero-phase inverse
 * transform is cut to the N-1 taps around time 0, Hann-windowed and delayed
 * by N/2 - 1 taps, so the filter is symmetric (exactly linear phase) and its
 * response is the wanted one smoothed by the window's main lobe (4 bins of
 * the N grid, 21.5 Hz at 44.1 kHz for N = 8192).
 *
 * Processing: blocks of N input frames are transformed with the last N
 * frames of history (2N-point FFT), multiplied by the filter spectrum and
 * transformed back; the last N outputs of each block are valid (overlap-
 * save). A FIFO on each side lets the caller use any block size, which adds
 * N frames of delay: the latency is N + N/2 - 1 frames, fixed.
 */
#ifndef MIXMASTER_FIREQ_H
#define MIXMASTER_FIREQ_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_fireq_config {
    double sample_rate;  /**< Hz, 8000..384000 */
    int channels;        /**< 1..64, each with its own response */
    /** N: power of two, 256..262144. 0 picks the power of two nearest to
     *  sample_rate / 5 Hz (8192 at 44.1 and 48 kHz), so the window's
     *  resolution is about 20 Hz at any rate. */
    size_t design_size;
} mm_fireq_config;

mm_fireq_config mm_fireq_config_default(double sample_rate, int channels);

typedef struct mm_fireq mm_fireq;

/** Every channel starts as a pure delay (flat 0 dB response). */
mm_fireq *mm_fireq_create(const mm_fireq_config *cfg, int *err);

/**
 * Design the filter of channel `ch` from `n` points (hz strictly increasing,
 * > 0; gain_db finite, within +-60 dB). n = 0 sets a flat response. Not
 * real-time safe (it runs two FFTs) but allocates nothing; call it between
 * blocks. Returns MM_OK or MM_ERR_INVALID_ARG.
 */
int mm_fireq_set_response(mm_fireq *q, int ch, const double *hz, const double *gain_db, size_t n);

/** The response asked for at `hz` (interpolated from the points), dB. */
double mm_fireq_wanted_db(const mm_fireq *q, int ch, double hz);

/** The designed filter's actual magnitude response at `hz`, dB, computed
 *  from its taps (a direct DTFT, in double). */
double mm_fireq_response_db(const mm_fireq *q, int ch, double hz);

/** Filter `frames` frames (out may equal in). No allocation. */
int mm_fireq_process(mm_fireq *q, float *const out[], const float *const in[], size_t frames);

/** Delay between input and output, frames: N + N/2 - 1. */
size_t mm_fireq_latency(const mm_fireq *q);

/** Number of taps of each filter (N - 1). */
size_t mm_fireq_taps(const mm_fireq *q);

/** Clear the signal history (not the responses). */
void mm_fireq_reset(mm_fireq *q);
void mm_fireq_destroy(mm_fireq *q);

#ifdef __cplusplus
}
#endif
#endif
