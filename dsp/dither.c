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
/* Independent xorshift32 generators run side by side for white TPDF, so the
 * noise is made a vector at a time instead of one serial chain. */
#define DITHER_LANES 16
/* Samples quantised per block of generated noise (two uniforms each). */
#define DITHER_BLOCK 512

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
    uint32_t lane[DITHER_LANES];
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
    /* lane seeds: splitmix32 of seed + lane, never 0 */
    for (uint32_t l = 0; l < DITHER_LANES; l++) {
        uint32_t z = d->cfg.seed + 0x9e3779b9u * (l + 1);
        z = (z ^ (z >> 16)) * 0x85ebca6bu;
        z = (z ^ (z >> 13)) * 0xc2b2ae35u;
        z ^= z >> 16;
        d->lane[l] = z ? z : 1u;
    }
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

/* n (a multiple of DITHER_LANES) uniform words from the lanes, lane l
 * giving words l, l + 16, ... Vectorises: the lanes are independent. */
MM_TARGET_CLONES
static void lanes_fill(uint32_t *MM_RESTRICT out, uint32_t *MM_RESTRICT lane, size_t n)
{
    uint32_t s[DITHER_LANES];
    for (int l = 0; l < DITHER_LANES; l++) s[l] = lane[l];
    for (size_t i = 0; i < n; i += DITHER_LANES)
        for (int l = 0; l < DITHER_LANES; l++) {
            uint32_t x = s[l];
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s[l] = x;
            out[i + (size_t)l] = x;
        }
    for (int l = 0; l < DITHER_LANES; l++) lane[l] = s[l];
}

/* White TPDF (or plain rounding): no feedback state, so the noise comes
 * from the lanes a block at a time. Cloned so that floor() becomes one
 * instruction where the CPU has it. */
MM_TARGET_CLONES
static long quantise_white(int32_t *MM_RESTRICT out, const float *const in[], int nch, size_t frames, double scale,
                           double lo, double hi, int dith, uint32_t *lane)
{
    uint32_t rnd[2 * DITHER_BLOCK];
    float x[DITHER_BLOCK];
    long clamped = 0;
    const size_t per = DITHER_BLOCK / (size_t)nch; /* frames per block */
    for (size_t f0 = 0; f0 < frames; f0 += per) {
        size_t k = frames - f0 < per ? frames - f0 : per;
        size_t m = k * (size_t)nch;
        if (dith) lanes_fill(rnd, lane, (2 * m + DITHER_LANES - 1) / DITHER_LANES * DITHER_LANES);
        /* interleave first, so that the rounding below is one flat loop
         * the compiler vectorises (sample j takes words 2j and 2j+1) */
        for (int c = 0; c < nch; c++) {
            const float *MM_RESTRICT src = in[c] + f0;
            for (size_t n = 0; n < k; n++) x[n * (size_t)nch + (size_t)c] = src[n];
        }
        int32_t *MM_RESTRICT o = out + f0 * (size_t)nch;
        for (size_t j = 0; j < m; j++) {
            float xf = x[j];
            double v = fabsf(xf) <= FLT_MAX ? (double)xf * scale : 0.0;
            double t = dith ? ((double)rnd[2 * j] + (double)rnd[2 * j + 1]) * (1.0 / 4294967296.0) - 1.0 : 0.0;
            double y = floor(v + t + 0.5);
            clamped += (y < lo) + (y > hi);
            y = y < lo ? lo : y > hi ? hi : y;
            o[j] = (int32_t)y;
        }
    }
    return clamped;
}

long mm_dither_process(mm_dither *d, int32_t *out, const float *const in[], size_t frames)
{
    if (!d || (frames && (!out || !in))) return MM_ERR_INVALID_ARG;
    const int nch = d->cfg.channels, shaped = d->shaped, dith = d->cfg.dither;
    const double scale = d->scale, lo = d->lo, hi = d->hi;
    uint32_t rng = d->rng;
    long clamped = 0;
    if (!shaped) return quantise_white(out, in, nch, frames, scale, lo, hi, dith, d->lane);
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
