/*
 * mixmaster/fft.h - real FFT and short-time Fourier transform on FFTW3
 * (single precision). Plans are made once, at create time, with
 * FFTW_ESTIMATE; plan creation is serialised inside the library so objects
 * may be created from several threads. Transforms never allocate.
 *
 * FFT recipe:
 *   mm_fft *f = mm_fft_create(4096, &err);
 *   float *x = mm_fft_time(f);           fill 4096 samples
 *   mm_fft_forward(f);                   spectrum in mm_fft_freq(f)
 *   mm_fft_inverse(f);                   back into mm_fft_time(f), scaled by 1/n
 *
 * STFT recipe (one mono stream):
 *   mm_stft *s = mm_stft_create(8192, 4096, &err);   Hann window, hop 4096
 *   while (n) { size_t used; if (mm_stft_feed(s, x, n, &used)) use mm_stft_power(s);
 *               x += used; n -= used; }
 */
#ifndef MIXMASTER_FFT_H
#define MIXMASTER_FFT_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_fft mm_fft;

/** Real transform of even size n (2..2^24). One aligned buffer of n floats
 *  (time) and one of n/2+1 complex values (freq, interleaved re,im). */
mm_fft *mm_fft_create(size_t n, int *err);
size_t mm_fft_size(const mm_fft *f);
float *mm_fft_time(mm_fft *f);
/** Interleaved complex bins 0..n/2: freq[2k] = Re X[k], freq[2k+1] = Im X[k]. */
float *mm_fft_freq(mm_fft *f);
/** X[k] = sum_t x[t] e^{-2 pi i k t / n} (unscaled). */
void mm_fft_forward(mm_fft *f);
/** x[t] = (1/n) sum_k X[k] e^{+2 pi i k t / n}: forward then inverse is identity. */
void mm_fft_inverse(mm_fft *f);
void mm_fft_destroy(mm_fft *f);

/** Periodic Hann window w[t] = 0.5 - 0.5 cos(2 pi t / n), t = 0..n-1. */
void mm_window_hann(float *w, size_t n);

typedef struct mm_stft mm_stft;

/** Hann-windowed STFT of size n (even) with hop 1..n. */
mm_stft *mm_stft_create(size_t n, size_t hop, int *err);

/**
 * Take up to `frames` samples. Returns 1 when a full frame has been
 * transformed (its spectrum is then valid until the next feed), else 0.
 * *used receives the number of samples consumed (it stops right after a frame
 * completes, so call again with the rest). The first frame is complete after
 * n samples, then every hop samples.
 */
int mm_stft_feed(mm_stft *s, const float *x, size_t frames, size_t *used);

/** Complex spectrum of the last frame, n/2+1 bins interleaved re,im. */
const float *mm_stft_spectrum(const mm_stft *s);

/** Power |X[k]|^2 of the last frame, n/2+1 values. */
const float *mm_stft_power(const mm_stft *s);

/** Sum of the squared window, sum_t w[t]^2: divide the power by n times this
 *  to get the mean-square of the windowed signal (Parseval). */
double mm_stft_window_power(const mm_stft *s);

size_t mm_stft_size(const mm_stft *s);
void mm_stft_reset(mm_stft *s);
void mm_stft_destroy(mm_stft *s);

#ifdef __cplusplus
}
#endif
#endif
