/*
 * Linear-phase FIR equaliser by FFT convolution (overlap-save).
 * See include/mixmaster/fireq.h for the design and the latency.
 */
#include "mixmaster/fireq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/fft.h"
#include "internal.h"

#define FQ_MAX_CHANNELS 64
/* Points of a response kept per channel (the 1/3-octave grid has 31). */
#define FQ_MAX_POINTS 128
/* Resolution the automatic design size aims at: the Hann main lobe is
 * 4 bins of N, so fs/5 gives 4*5 = 20 Hz, finer than the 1/3 octave at
 * 63 Hz (14.6 Hz wide) once interpolated smoothly between band centres. */
#define FQ_AUTO_HZ 5.0

typedef struct fq_chan {
    float *H;      /* [2*(N+1)] filter spectrum on the 2N grid, interleaved re,im */
    float *taps;   /* [N-1] the FIR taps */
    float *hist;   /* [N] previous block */
    float *inbuf;  /* [N] block being filled */
    float *outbuf; /* [N] outputs of the last block */
    double hz[FQ_MAX_POINTS], db[FQ_MAX_POINTS];
    size_t npoints;
} fq_chan;

struct mm_fireq {
    mm_fireq_config cfg;
    size_t n;     /* design size N; FFT size 2N */
    mm_fft *fft;
    fq_chan ch[FQ_MAX_CHANNELS];
    void *mem;
    /* cleared by reset */
    size_t pos;   /* frames in the current block, 0..N-1 */
};

static size_t pow2_nearest(double x)
{
    size_t p = 256;
    while (p < 262144 && (double)p * 1.4142 < x) p <<= 1;
    return p;
}

mm_fireq_config mm_fireq_config_default(double sample_rate, int channels)
{
    mm_fireq_config c;
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.design_size = 0;
    return c;
}

void mm_fireq_destroy(mm_fireq *q)
{
    if (!q) return;
    mm_fft_destroy(q->fft);
    free(q->mem);
    free(q);
}

mm_fireq *mm_fireq_create(const mm_fireq_config *cfg, int *err)
{
    int e = MM_ERR_INVALID_ARG;
    mm_fireq *q = NULL;
    if (!cfg || !(cfg->sample_rate >= 8000.0 && cfg->sample_rate <= 384000.0) || cfg->channels < 1 ||
        cfg->channels > FQ_MAX_CHANNELS)
        goto fail;
    size_t n = cfg->design_size ? cfg->design_size : pow2_nearest(cfg->sample_rate / FQ_AUTO_HZ);
    if (n < 256 || n > 262144 || (n & (n - 1))) goto fail;
    e = MM_ERR_NOMEM;
    q = calloc(1, sizeof *q);
    if (!q) goto fail;
    q->cfg = *cfg;
    q->cfg.design_size = n;
    q->n = n;
    q->fft = mm_fft_create(2 * n, &e);
    if (!q->fft) goto fail;
    size_t per = mm__align_floats(2 * (n + 1)) + 4 * mm__align_floats(n);
    size_t total;
    if (!mm__size_mul(per, (size_t)cfg->channels, &total) || !mm__size_add(total, 16, &total)) goto fail;
    q->mem = calloc(total, sizeof(float));
    if (!q->mem) goto fail;
    float *f = (float *)(((uintptr_t)q->mem + 63u) & ~(uintptr_t)63u);
    for (int c = 0; c < cfg->channels; c++) {
        fq_chan *k = &q->ch[c];
        k->H = f; f += mm__align_floats(2 * (n + 1));
        k->taps = f; f += mm__align_floats(n);
        k->hist = f; f += mm__align_floats(n);
        k->inbuf = f; f += mm__align_floats(n);
        k->outbuf = f; f += mm__align_floats(n);
        mm_fireq_set_response(q, c, NULL, NULL, 0);
    }
    mm_fireq_reset(q);
    if (err) *err = MM_OK;
    return q;
fail:
    mm_fireq_destroy(q);
    if (err) *err = e;
    return NULL;
}

static double interp_db(const fq_chan *k, double hz)
{
    if (k->npoints == 0) return 0.0;
    if (hz <= k->hz[0]) return k->db[0];
    if (hz >= k->hz[k->npoints - 1]) return k->db[k->npoints - 1];
    size_t i = 1;
    while (k->hz[i] < hz) i++;
    double t = log(hz / k->hz[i - 1]) / log(k->hz[i] / k->hz[i - 1]);
    return k->db[i - 1] + t * (k->db[i] - k->db[i - 1]);
}

double mm_fireq_wanted_db(const mm_fireq *q, int ch, double hz)
{
    if (!q || ch < 0 || ch >= q->cfg.channels) return 0.0;
    return interp_db(&q->ch[ch], hz);
}

int mm_fireq_set_response(mm_fireq *q, int ch, const double *hz, const double *gain_db, size_t n)
{
    if (!q || ch < 0 || ch >= q->cfg.channels || n > FQ_MAX_POINTS || (n && (!hz || !gain_db)))
        return MM_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!(hz[i] > 0.0) || !isfinite(hz[i]) || !(fabs(gain_db[i]) <= 60.0) || (i && !(hz[i] > hz[i - 1])))
            return MM_ERR_INVALID_ARG;
    fq_chan *k = &q->ch[ch];
    k->npoints = n;
    for (size_t i = 0; i < n; i++) {
        k->hz[i] = hz[i];
        k->db[i] = gain_db[i];
    }
    const size_t N = q->n, M = 2 * N;
    const double fs = q->cfg.sample_rate;
    /* 1. the wanted magnitude, zero phase, on the 2N grid */
    float *fr = mm_fft_freq(q->fft);
    for (size_t b = 0; b <= N; b++) {
        fr[2 * b] = (float)pow(10.0, interp_db(k, (double)b * fs / (double)M) / 20.0);
        fr[2 * b + 1] = 0.0f;
    }
    mm_fft_inverse(q->fft);
    /* 2. N-1 taps around t = 0, Hann window zero at t = +-N/2, delay N/2-1 */
    float *t = mm_fft_time(q->fft);
    const long half = (long)N / 2 - 1;
    for (long j = 0; j < (long)N - 1; j++) {
        long off = j - half;
        double w = 0.5 + 0.5 * cos(2.0 * M_PI * (double)off / (double)N);
        k->taps[j] = (float)(t[(size_t)((off + (long)M) % (long)M)] * w);
    }
    /* 3. the filter spectrum of the taps, zero-padded to 2N */
    memset(t, 0, M * sizeof(float));
    memcpy(t, k->taps, (N - 1) * sizeof(float));
    mm_fft_forward(q->fft);
    memcpy(k->H, mm_fft_freq(q->fft), 2 * (N + 1) * sizeof(float));
    return MM_OK;
}

double mm_fireq_response_db(const mm_fireq *q, int ch, double hz)
{
    if (!q || ch < 0 || ch >= q->cfg.channels) return 0.0;
    const fq_chan *k = &q->ch[ch];
    double w = 2.0 * M_PI * hz / q->cfg.sample_rate, re = 0.0, im = 0.0;
    for (size_t j = 0; j + 1 < q->n; j++) {
        re += k->taps[j] * cos(w * (double)j);
        im -= k->taps[j] * sin(w * (double)j);
    }
    double m = sqrt(re * re + im * im);
    return m > 1e-30 ? 20.0 * log10(m) : -600.0;
}

size_t mm_fireq_latency(const mm_fireq *q) { return q ? q->n + q->n / 2 - 1 : 0; }
size_t mm_fireq_taps(const mm_fireq *q) { return q ? q->n - 1 : 0; }

void mm_fireq_reset(mm_fireq *q)
{
    if (!q) return;
    for (int c = 0; c < q->cfg.channels; c++) {
        memset(q->ch[c].hist, 0, q->n * sizeof(float));
        memset(q->ch[c].inbuf, 0, q->n * sizeof(float));
        memset(q->ch[c].outbuf, 0, q->n * sizeof(float));
    }
    q->pos = 0;
}

/*
 * Complex product of the block spectrum with the filter, in place.
 * IN/OUT x[0, 2*bins-1], IN h[0, 2*bins-1], interleaved re,im.
 */
MM_TARGET_CLONES
static void spectrum_multiply(float *MM_RESTRICT x, const float *MM_RESTRICT h, size_t bins)
{
    for (size_t b = 0; b < bins; b++) {
        float xr = x[2 * b], xi = x[2 * b + 1], hr = h[2 * b], hi = h[2 * b + 1];
        x[2 * b] = xr * hr - xi * hi;
        x[2 * b + 1] = xr * hi + xi * hr;
    }
}

/* A full block of every channel: convolve, refill outbuf, shift history. */
static void run_block(mm_fireq *q)
{
    const size_t N = q->n;
    float *t = mm_fft_time(q->fft);
    for (int c = 0; c < q->cfg.channels; c++) {
        fq_chan *k = &q->ch[c];
        memcpy(t, k->hist, N * sizeof(float));
        memcpy(t + N, k->inbuf, N * sizeof(float));
        mm_fft_forward(q->fft);
        spectrum_multiply(mm_fft_freq(q->fft), k->H, N + 1);
        mm_fft_inverse(q->fft);
        /* outputs N..2N-1 are free of circular wrap-around (taps N-1 <= N) */
        memcpy(k->outbuf, t + N, N * sizeof(float));
        memcpy(k->hist, k->inbuf, N * sizeof(float));
    }
    q->pos = 0;
}

int mm_fireq_process(mm_fireq *q, float *const out[], const float *const in[], size_t frames)
{
    if (!q || (frames && (!out || !in))) return MM_ERR_INVALID_ARG;
    const int nch = q->cfg.channels;
    size_t off = 0;
    while (off < frames) {
        size_t k = q->n - q->pos;
        if (k > frames - off) k = frames - off;
        for (int c = 0; c < nch; c++) {
            /* take the input before writing the output: out may equal in */
            memcpy(q->ch[c].inbuf + q->pos, in[c] + off, k * sizeof(float));
            memcpy(out[c] + off, q->ch[c].outbuf + q->pos, k * sizeof(float));
        }
        q->pos += k;
        off += k;
        if (q->pos == q->n) run_block(q);
    }
    return MM_OK;
}
