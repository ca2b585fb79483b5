/*
 * Real FFT and Hann-windowed STFT on FFTW3 (single precision).
 * See include/mixmaster/fft.h for the contract.
 *
 * Each object is one fftwf_malloc block (FFTW's allocator guarantees the
 * alignment its SIMD codelets want) holding the struct and every array, plus
 * the FFTW plans, which FFTW allocates itself. Plans are made in create with
 * FFTW_ESTIMATE (no trial transforms, so creating is cheap and deterministic)
 * on the object's own arrays and executed on those same arrays, so execution
 * allocates nothing and needs no new-array interface.
 *
 * FFTW conventions used: r2c computes X[k] = sum_t x[t] e^{-2 pi i k t/n} for
 * k = 0..n/2, unscaled; c2r computes the unscaled inverse (n times the
 * identity), so mm_fft_inverse multiplies by 1/n. The inverse plan carries
 * FFTW_PRESERVE_INPUT, since FFTW's c2r may otherwise overwrite its input:
 * the spectrum in mm_fft_freq() stays valid after mm_fft_inverse().
 */
#include "mixmaster/fft.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <fftw3.h>

#include "internal.h"

/* Size limits of the header: even n in [2, 2^24] (2^24 floats = 64 MB per
 * array; FFTW takes the size as an int). */
#define FFT_MIN_N 2u
#define FFT_MAX_N ((size_t)1 << 24)

/*
 * The one piece of file-scope mutable state in the library, and why: FFTW's
 * planner (fftwf_plan_*) and fftwf_destroy_plan share global tables and are
 * not thread safe, while fftwf_execute on distinct plans is ("the only
 * thread-safe routine in FFTW is fftw_execute", FFTW 3.3 manual, section
 * 5.4 "Thread safety"). Every plan creation and destruction in the library
 * goes through this lock, so objects may be created and destroyed from any
 * thread. (An application that also calls FFTW's planner directly must
 * serialise those calls itself.)
 */
static pthread_mutex_t fft_planner_lock = PTHREAD_MUTEX_INITIALIZER;

/* Bytes rounded up to a multiple of 64, so that arrays carved one after
 * another from a block stay 64-byte aligned. No overflow check: callers
 * pass sizes bounded by FFT_MAX_N. */
static size_t fft_round64(size_t bytes) { return (bytes + 63u) & ~(size_t)63u; }

static int fft_size_valid(size_t n)
{
    return n >= FFT_MIN_N && n <= FFT_MAX_N && n % 2u == 0;
}

/* Plan a forward r2c transform of size n from time[0, n-1] to
 * freq[0, n/2] under the planner lock. Returns NULL on failure. */
static fftwf_plan fft_plan_forward(size_t n, float *time, fftwf_complex *freq)
{
    pthread_mutex_lock(&fft_planner_lock);
    fftwf_plan p = fftwf_plan_dft_r2c_1d((int)n, time, freq, FFTW_ESTIMATE);
    pthread_mutex_unlock(&fft_planner_lock);
    return p;
}

/* Plan the inverse c2r transform freq[0, n/2] -> time[0, n-1], leaving freq
 * intact (see the top of the file), under the planner lock. NULL on failure. */
static fftwf_plan fft_plan_inverse(size_t n, fftwf_complex *freq, float *time)
{
    pthread_mutex_lock(&fft_planner_lock);
    fftwf_plan p = fftwf_plan_dft_c2r_1d((int)n, freq, time, FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
    pthread_mutex_unlock(&fft_planner_lock);
    return p;
}

/* Destroy a plan (NULL allowed) under the planner lock. */
static void fft_plan_destroy(fftwf_plan p)
{
    if (!p) return;
    pthread_mutex_lock(&fft_planner_lock);
    fftwf_destroy_plan(p);
    pthread_mutex_unlock(&fft_planner_lock);
}

/* ------------------------------------------------------------------------ */
/* FFT                                                                      */

struct mm_fft {
    size_t n;
    float inv_n;          /* 1/n, the scale of the inverse */
    float *time;          /* [n] */
    fftwf_complex *freq;  /* [n/2 + 1] */
    fftwf_plan fwd, inv;
};

mm_fft *mm_fft_create(size_t n, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    if (!fft_size_valid(n)) {
        *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    /* One block: [struct][time n][freq n/2+1 complex], each 64-byte aligned.
     * Bounded by FFT_MAX_N, so no overflow. */
    const size_t head = fft_round64(sizeof(mm_fft));
    const size_t time_bytes = fft_round64(n * sizeof(float));
    const size_t freq_bytes = fft_round64((n / 2u + 1u) * sizeof(fftwf_complex));
    unsigned char *mem = fftwf_malloc(head + time_bytes + freq_bytes);
    if (!mem) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    mm_fft *f = (mm_fft *)(void *)mem;
    memset(f, 0, sizeof *f);
    f->n = n;
    f->inv_n = (float)(1.0 / (double)n);
    f->time = (float *)(void *)(mem + head);
    f->freq = (fftwf_complex *)(void *)(mem + head + time_bytes);
    memset(f->time, 0, time_bytes + freq_bytes);
    f->fwd = fft_plan_forward(n, f->time, f->freq);
    f->inv = fft_plan_inverse(n, f->freq, f->time);
    if (!f->fwd || !f->inv) {
        mm_fft_destroy(f);
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    *err = MM_OK;
    return f;
}

size_t mm_fft_size(const mm_fft *f)
{
    return f ? f->n : 0;
}

float *mm_fft_time(mm_fft *f)
{
    return f ? f->time : NULL;
}

float *mm_fft_freq(mm_fft *f)
{
    /* fftwf_complex is float[2]: re, im, so the bins are already interleaved */
    return f ? (float *)f->freq : NULL;
}

void mm_fft_forward(mm_fft *f)
{
    if (f) fftwf_execute(f->fwd);
}

void mm_fft_inverse(mm_fft *f)
{
    if (!f) return;
    fftwf_execute(f->inv);
    float *MM_RESTRICT x = f->time;
    const float s = f->inv_n;
    for (size_t t = 0; t < f->n; t++) x[t] *= s;
}

void mm_fft_destroy(mm_fft *f)
{
    if (!f) return;
    fft_plan_destroy(f->fwd);
    fft_plan_destroy(f->inv);
    fftwf_free(f);
}

void mm_window_hann(float *w, size_t n)
{
    if (!w) return;
    /* periodic Hann (the DFT-even form, as the header defines it): a frame
     * of n samples sees exactly one period of the raised cosine */
    for (size_t t = 0; t < n; t++) w[t] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * (double)t / (double)n));
}

/* ------------------------------------------------------------------------ */
/* STFT                                                                     */

struct mm_stft {
    /* configuration (kept across reset) */
    size_t n, hop, nbins;   /* nbins = n/2 + 1 */
    double window_power;    /* sum_t w[t]^2 of the float window */
    float *window;          /* [n] periodic Hann */
    fftwf_plan plan;        /* frame -> freq */
    /* Everything below is cleared by reset. */
    size_t fill;            /* samples held in buf, 0..n-1 between calls */
    float *buf;             /* [n] the newest `fill` input samples, oldest first */
    float *frame;           /* [n] buf * window, the transform input */
    fftwf_complex *freq;    /* [nbins] spectrum of the last frame */
    float *power;           /* [nbins] |X[k]|^2 of the last frame */
};

mm_stft *mm_stft_create(size_t n, size_t hop, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    if (!fft_size_valid(n) || hop < 1 || hop > n) {
        *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    const size_t nbins = n / 2u + 1u;
    /* One block: [struct][window][buf][frame][freq][power], 64-byte aligned.
     * Bounded by FFT_MAX_N, so no overflow. */
    const size_t head = fft_round64(sizeof(mm_stft));
    const size_t nb = fft_round64(n * sizeof(float));
    const size_t freq_bytes = fft_round64(nbins * sizeof(fftwf_complex));
    const size_t power_bytes = fft_round64(nbins * sizeof(float));
    unsigned char *mem = fftwf_malloc(head + 3u * nb + freq_bytes + power_bytes);
    if (!mem) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    mm_stft *s = (mm_stft *)(void *)mem;
    memset(s, 0, sizeof *s);
    unsigned char *p = mem + head;
    s->n = n;
    s->hop = hop;
    s->nbins = nbins;
    s->window = (float *)(void *)p;
    s->buf = (float *)(void *)(p + nb);
    s->frame = (float *)(void *)(p + 2u * nb);
    s->freq = (fftwf_complex *)(void *)(p + 3u * nb);
    s->power = (float *)(void *)(p + 3u * nb + freq_bytes);
    memset(p, 0, 3u * nb + freq_bytes + power_bytes);
    mm_window_hann(s->window, n);
    double wp = 0.0;
    for (size_t t = 0; t < n; t++) wp += (double)s->window[t] * s->window[t];
    s->window_power = wp;
    s->plan = fft_plan_forward(n, s->frame, s->freq);
    if (!s->plan) {
        mm_stft_destroy(s);
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    *err = MM_OK;
    return s;
}

/*
 * Window the full buffer, transform it and fill the power spectrum; then
 * keep the last n - hop samples (moved to the front: O(n) per frame, the same
 * order as the windowing) for the next frame.
 * Precondition: s->fill == s->n.
 */
static void stft_frame(mm_stft *s)
{
    const size_t n = s->n;
    const float *MM_RESTRICT b = s->buf, *MM_RESTRICT w = s->window;
    float *MM_RESTRICT fr = s->frame;
    for (size_t t = 0; t < n; t++) fr[t] = b[t] * w[t];
    fftwf_execute(s->plan);
    const float *MM_RESTRICT X = (const float *)s->freq;
    float *MM_RESTRICT pw = s->power;
    for (size_t k = 0; k < s->nbins; k++) pw[k] = X[2 * k] * X[2 * k] + X[2 * k + 1] * X[2 * k + 1];
    memmove(s->buf, s->buf + s->hop, (n - s->hop) * sizeof(float));
    s->fill = n - s->hop;
}

int mm_stft_feed(mm_stft *s, const float *x, size_t frames, size_t *used)
{
    if (used) *used = 0;
    if (!s || (!x && frames)) return MM_ERR_INVALID_ARG;
    size_t k = s->n - s->fill; /* samples still missing from the next frame, >= 1 */
    if (k > frames) k = frames;
    if (k) memcpy(s->buf + s->fill, x, k * sizeof(float));
    s->fill += k;
    if (used) *used = k;
    if (s->fill < s->n) return 0;
    stft_frame(s);
    return 1;
}

const float *mm_stft_spectrum(const mm_stft *s)
{
    return s ? (const float *)s->freq : NULL;
}

const float *mm_stft_power(const mm_stft *s)
{
    return s ? s->power : NULL;
}

double mm_stft_window_power(const mm_stft *s)
{
    return s ? s->window_power : 0.0;
}

size_t mm_stft_size(const mm_stft *s)
{
    return s ? s->n : 0;
}

void mm_stft_reset(mm_stft *s)
{
    if (!s) return;
    s->fill = 0;
    memset(s->buf, 0, s->n * sizeof(float));
    memset(s->frame, 0, s->n * sizeof(float));
    memset(s->freq, 0, s->nbins * sizeof(fftwf_complex));
    memset(s->power, 0, s->nbins * sizeof(float));
}

void mm_stft_destroy(mm_stft *s)
{
    if (!s) return;
    fft_plan_destroy(s->plan);
    fftwf_free(s);
}
