/*
 * TPDF dither with optional error-feedback noise shaping.
 * See include/mixmaster/dither.h for the arithmetic and the sources.
 */
#include "mixmaster/dither.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DITHER_MAX_CHANNELS 64

/* Lipshitz, Vanderkooy and Wannamaker 1991, modified E-weighted, 9 taps,
 * for 44.1 kHz: the error reaches the output as 1 - sum h[k] z^-k. */
static const double e_weighted[MM_DITHER_SHAPING_TAPS] = {2.412, -3.370, 3.937, -4.174, 3.353,
                                                          -2.205, 1.281, -0.569, 0.0847};

struct mm_dither {
    mm_dither_config cfg;
    int shaped;
    double scale, lo, hi;
    /* cleared by reset */
    uint32_t rng;
    double err[DITHER_MAX_CHANNELS][MM_DITHER_SHAPING_TAPS]; /* e[n-1-k] */
};

mm_dither_config mm_dither_config_default(double sample_rate, int channels, int bits)
{
    mm_dither_config c;
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.bits = bits;
    c.shaping = 0;
    c.dither = 1;
    c.seed = 1;
    return c;
}

mm_dither *mm_dither_create(const mm_dither_config *cfg, int *err)
{
    if (!cfg || !(cfg->sample_rate >= 8000.0 && cfg->sample_rate <= 384000.0) || cfg->channels < 1 ||
        cfg->channels > DITHER_MAX_CHANNELS || cfg->bits < 8 || cfg->bits > 24 || cfg->seed == 0 ||
        (cfg->shaping != 0 && cfg->shaping != 1) || (cfg->dither != 0 && cfg->dither != 1)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_dither *d = calloc(1, sizeof *d);
    if (!d) {
        if (err) *err = MM_ERR_NOMEM;
        return NULL;
    }
    d->cfg = *cfg;
    /* the filter was designed for 44.1 kHz; 48 kHz moves its dip by 9 % */
    d->shaped = cfg->shaping && cfg->sample_rate >= 44000.0 && cfg->sample_rate <= 48500.0;
    d->scale = ldexp(1.0, cfg->bits - 1);
    d->lo = -d->scale;
    d->hi = d->scale - 1.0;
    mm_dither_reset(d);
    if (err) *err = MM_OK;
    return d;
}

void mm_dither_reset(mm_dither *d)
{
    if (!d) return;
    d->rng = d->cfg.seed;
    memset(d->err, 0, sizeof d->err);
}

void mm_dither_destroy(mm_dither *d) { free(d); }

int mm_dither_is_shaped(const mm_dither *d) { return d ? d->shaped : 0; }

double mm_dither_shaping_db(const mm_dither *d, double hz)
{
    if (!d || !d->shaped) return 0.0;
    double w = 2.0 * M_PI * hz / d->cfg.sample_rate, re = 1.0, im = 0.0;
    for (int k = 0; k < MM_DITHER_SHAPING_TAPS; k++) {
        re -= e_weighted[k] * cos(w * (k + 1));
        im += e_weighted[k] * sin(w * (k + 1));
    }
    return 10.0 * log10(re * re + im * im);
}

/* xorshift32: the sum of two uniforms in [-1/2, 1/2) from one 64-bit
 * step would need a wider state; two 32-bit steps keep the generator the
 * one the header documents. Returns u1 + u2 in LSB. */
static inline double tpdf(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    uint32_t y = x;
    y ^= y << 13;
    y ^= y >> 17;
    y ^= y << 5;
    *s = y;
    return ((double)x + (double)y) * (1.0 / 4294967296.0) - 1.0;
}

/* White TPDF (or plain rounding): no feedback state. Cloned so that floor()
 * becomes one instruction where the CPU has it. */
MM_TARGET_CLONES
static long quantise_white(int32_t *MM_RESTRICT out, const float *const in[], int nch, size_t frames, double scale,
                           double lo, double hi, int dith, uint32_t *state)
{
    uint32_t rng = *state;
    long clamped = 0;
    for (size_t n = 0; n < frames; n++) {
        for (int c = 0; c < nch; c++) {
            float xf = in[c][n];
            double v = fabsf(xf) <= FLT_MAX ? (double)xf * scale : 0.0;
            double y = floor(v + (dith ? tpdf(&rng) : 0.0) + 0.5);
            if (y < lo) { y = lo; clamped++; }
            if (y > hi) { y = hi; clamped++; }
            out[n * (size_t)nch + (size_t)c] = (int32_t)y;
        }
    }
    *state = rng;
    return clamped;
}

long mm_dither_process(mm_dither *d, int32_t *out, const float *const in[], size_t frames)
{
    if (!d || (frames && (!out || !in))) return MM_ERR_INVALID_ARG;
    const int nch = d->cfg.channels, shaped = d->shaped, dith = d->cfg.dither;
    const double scale = d->scale, lo = d->lo, hi = d->hi;
    uint32_t rng = d->rng;
    long clamped = 0;
    if (!shaped) return quantise_white(out, in, nch, frames, scale, lo, hi, dith, &d->rng);
    for (size_t n = 0; n < frames; n++) {
        for (int c = 0; c < nch; c++) {
            float xf = in[c][n];
            double v = fabsf(xf) <= FLT_MAX ? (double)xf * scale : 0.0;
            double *e = d->err[c];
            for (int k = 0; k < MM_DITHER_SHAPING_TAPS; k++) v -= e_weighted[k] * e[k];
            double y = floor(v + (dith ? tpdf(&rng) : 0.0) + 0.5);
            if (y < lo) { y = lo; clamped++; }
            if (y > hi) { y = hi; clamped++; }
            /* a clamped sample's error is not fed back in full: it would
             * ring the filter for the samples that follow */
            double en = y - v;
            if (en > 2.0) en = 2.0;
            if (en < -2.0) en = -2.0;
            memmove(e + 1, e, (MM_DITHER_SHAPING_TAPS - 1) * sizeof(double));
            e[0] = en;
            out[n * (size_t)nch + (size_t)c] = (int32_t)y;
        }
    }
    d->rng = rng;
    return clamped;
}
