/*
 * Feed-forward compressor: linked peak detector, soft-knee gain computer,
 * decoupled smooth-branching gain smoother. See include/mixmaster/compressor.h.
 *
 * A block is processed in chunks of CHUNK frames:
 *   1. detector level in dB per frame (max |x| over the detector channels),
 *   2. gain reduction of the static curve per frame,
 *   3. the one-pole smoother over the chunk (the only serial step),
 *   4. linear gain = 2^((makeup - reduction) / 6.02) applied to every channel.
 * Steps 1, 2 and 4 are straight loops over a chunk and vectorize; the log
 * and exp are polynomial approximations accurate to 2e-4 dB (tested against
 * the exact static curve), so no libm call runs per sample.
 */
#include "mixmaster/compressor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COMP_MAX_CHANNELS 64
#define CHUNK 256
/* 20 log10(x) = DB_PER_LOG2 * log2(x) */
#define DB_PER_LOG2 6.020599913279624
/* Detector floor: levels below -240 dBFS read as -240 (keeps log finite). */
#define LEVEL_FLOOR 1e-12f

struct mm_compressor {
    mm_compressor_config cfg;
    double ca, cr;         /* attack and release smoothing coefficients */
    double slope;          /* 1/R - 1 (<= 0) */
    /* cleared by reset */
    double red;            /* smoothed gain reduction, dB, >= 0 */
    double max_red, sum_red;
    uint64_t frames;
    /* scratch, one chunk */
    float *level;          /* detector dB, then target reduction dB */
    float *gain;           /* linear gain */
};

static double comp_coef(double ms, double fs)
{
    const double samples = ms * fs / 1000.0;
    return samples > 0.0 ? exp(-1.0 / samples) : 0.0;
}

mm_compressor_config mm_compressor_config_default(double sample_rate, int channels)
{
    mm_compressor_config c;
    memset(&c, 0, sizeof(c));
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.threshold_db = -20.0;
    c.ratio = 4.0;
    c.knee_db = 6.0;
    c.attack_ms = 10.0;
    c.release_ms = 100.0;
    c.makeup_db = 0.0;
    return c;
}

static int config_valid(const mm_compressor_config *c)
{
    /* negated comparisons reject NaN too */
    if (!c) return 0;
    if (!(c->sample_rate > 0.0 && c->sample_rate <= 1e6)) return 0;
    if (c->channels < 1 || c->channels > COMP_MAX_CHANNELS) return 0;
    if (!(c->threshold_db >= -120.0 && c->threshold_db <= 0.0)) return 0;
    if (!(c->ratio >= 1.0 && c->ratio <= 1000.0)) return 0;
    if (!(c->knee_db >= 0.0 && c->knee_db <= 48.0)) return 0;
    if (!(c->attack_ms >= 0.0 && c->attack_ms <= 10000.0)) return 0;
    if (!(c->release_ms >= 0.0 && c->release_ms <= 10000.0)) return 0;
    if (!(c->makeup_db >= -24.0 && c->makeup_db <= 24.0)) return 0;
    return 1;
}

double mm_compressor_static_gain_db(const mm_compressor_config *cfg, double level_db)
{
    if (!cfg || !(cfg->ratio >= 1.0)) return 0.0;
    const double slope = 1.0 / cfg->ratio - 1.0;
    const double over = level_db - cfg->threshold_db;
    const double w = cfg->knee_db;
    if (2.0 * over < -w) return 0.0;
    if (w > 0.0 && 2.0 * fabs(over) <= w) {
        const double k = over + 0.5 * w;
        return slope * k * k / (2.0 * w);
    }
    return slope * over;
}

mm_compressor *mm_compressor_create(const mm_compressor_config *cfg, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    if (!config_valid(cfg)) {
        *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_compressor *c = calloc(1, sizeof(*c));
    float *scratch = calloc(2 * CHUNK, sizeof(float));
    if (!c || !scratch) {
        free(c);
        free(scratch);
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    c->cfg = *cfg;
    c->ca = comp_coef(cfg->attack_ms, cfg->sample_rate);
    c->cr = comp_coef(cfg->release_ms, cfg->sample_rate);
    c->slope = 1.0 / cfg->ratio - 1.0;
    c->level = scratch;
    c->gain = scratch + CHUNK;
    mm_compressor_reset(c);
    *err = MM_OK;
    return c;
}

void mm_compressor_reset(mm_compressor *c)
{
    if (!c) return;
    c->red = 0.0;
    c->max_red = 0.0;
    c->sum_red = 0.0;
    c->frames = 0;
}

void mm_compressor_destroy(mm_compressor *c)
{
    if (!c) return;
    free(c->level); /* the one scratch allocation */
    free(c);
}

/* log2(x) for x > 0, finite: exponent from the bits, mantissa m in
 * [sqrt(1/2), sqrt(2)) through log2(m) = 2/ln2 * atanh(t), t = (m-1)/(m+1),
 * odd series to t^7 (|t| < 0.172: error below 3e-7). */
static inline float fast_log2(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    const int e0 = (int)((u >> 23) & 0xff) - 127;
    u = (u & 0x007fffffu) | 0x3f800000u; /* m in [1, 2) */
    float m1;
    memcpy(&m1, &u, sizeof m1);
    const int big = m1 > 1.41421356f; /* selects, not a branch: the loop vectorizes */
    const float m = big ? 0.5f * m1 : m1;
    const float e = (float)(e0 + big);
    const float t = (m - 1.0f) / (m + 1.0f);
    const float t2 = t * t;
    const float s = t * (2.88539008f + t2 * (0.961796694f + t2 * (0.577078016f + t2 * 0.412198575f)));
    return e + s;
}

/* 2^x for x in [-60, 10] (gains between -361 and +60 dB): integer part into
 * the exponent bits, fraction f in [-0.5, 0.5] by a degree-5 polynomial
 * (relative error below 3e-7, 3e-6 dB). The rounding uses a conversion, not
 * floorf, so the loop vectorizes on any x86-64. */
static inline float fast_exp2(float x)
{
    x = x < -60.0f ? -60.0f : (x > 10.0f ? 10.0f : x);
    const int32_t ni = (int32_t)(x + 64.5f) - 64; /* round to nearest: x + 64.5 > 0 */
    const float f = x - (float)ni;
    const float p = 1.0f + f * (0.693147182f + f * (0.240226507f + f * (0.0555041087f +
                    f * (0.00961812911f + f * 0.00133335581f))));
    const uint32_t u = (uint32_t)(ni + 127) << 23;
    float scale;
    memcpy(&scale, &u, sizeof scale);
    return p * scale;
}

/* Detector level (dB) of `n` frames: max |x| over `nch` channels. */
MM_TARGET_CLONES
static void detect_db(float *MM_RESTRICT level, const float *const det[], int nch, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++) level[i] = LEVEL_FLOOR;
    for (int ch = 0; ch < nch; ch++) {
        const float *MM_RESTRICT x = det[ch] + off;
        for (size_t i = 0; i < n; i++) {
            const float a = fabsf(x[i]);
            /* the comparison drops NaN (it never wins) */
            level[i] = a > level[i] ? a : level[i];
        }
    }
    /* an Inf sample reads as +60 dBFS, so it cannot hold the gain down for
     * longer than a +60 dB peak would */
    for (size_t i = 0; i < n; i++) {
        const float a = level[i] < 1e3f ? level[i] : 1e3f;
        level[i] = (float)DB_PER_LOG2 * fast_log2(a);
    }
}

/* In place: detector dB -> target gain reduction dB (>= 0). */
MM_TARGET_CLONES
static void static_reduction(float *MM_RESTRICT v, size_t n, float thr, float knee, float slope)
{
    const float half = 0.5f * knee;
    const float inv2w = knee > 0.0f ? 1.0f / (2.0f * knee) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        const float over = v[i] - thr;
        const float k = over + half;
        float g = over > half ? slope * over : slope * k * k * inv2w;
        g = over < -half ? 0.0f : g;
        v[i] = -g;
    }
}

MM_TARGET_CLONES
static void apply_gain(float *MM_RESTRICT out, const float *MM_RESTRICT in, const float *MM_RESTRICT g,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = in[i] * g[i];
}

/* Smoothed reduction (dB) -> linear gain with make-up, and the chunk's
 * largest and summed reduction. */
MM_TARGET_CLONES
static void reduction_to_gain(float *MM_RESTRICT gain, const float *MM_RESTRICT red, size_t n, float makeup,
                              float *max_out, double *sum_out)
{
    /* eight lanes of maxima and sums: plain loops over small arrays that the
     * vectorizer turns into one register each */
    float mx[8], sm[8];
    for (int k = 0; k < 8; k++) {
        mx[k] = *max_out;
        sm[k] = 0.0f;
    }
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            mx[k] = red[i + k] > mx[k] ? red[i + k] : mx[k];
            sm[k] += red[i + k];
        }
    for (; i < n; i++) {
        mx[0] = red[i] > mx[0] ? red[i] : mx[0];
        sm[0] += red[i];
    }
    for (i = 0; i < n; i++) gain[i] = fast_exp2((makeup - red[i]) * (float)(1.0 / DB_PER_LOG2));
    float m = mx[0];
    double sum = 0.0;
    for (int k = 0; k < 8; k++) {
        m = mx[k] > m ? mx[k] : m;
        sum += sm[k];
    }
    *max_out = m;
    *sum_out += sum;
}

void mm_compressor_process(mm_compressor *c, float *const out[], const float *const in[],
                           const float *const sidechain[], int sidechain_channels, size_t frames)
{
    if (!c || !out || !in) return;
    const float *const *det = sidechain ? sidechain : in;
    const int ndet = sidechain ? sidechain_channels : c->cfg.channels;
    if (ndet < 1) return;
    const double ca = c->ca, cr = c->cr;
    const float thr = (float)c->cfg.threshold_db, knee = (float)c->cfg.knee_db, slope = (float)c->slope;
    const float makeup = (float)c->cfg.makeup_db;
    double red = c->red, sum_red = 0.0;
    float max_red = (float)c->max_red;

    for (size_t off = 0; off < frames; off += CHUNK) {
        const size_t n = frames - off < CHUNK ? frames - off : CHUNK;
        float *MM_RESTRICT lv = c->level;
        detect_db(lv, det, ndet, off, n);
        static_reduction(lv, n, thr, knee, slope);
        /* the only serial step: the smoothing of the reduction, in place */
        for (size_t i = 0; i < n; i++) {
            const double target = lv[i];
            const double k = target > red ? ca : cr;
            red = target + k * (red - target);
            lv[i] = (float)red;
        }
        reduction_to_gain(c->gain, lv, n, makeup, &max_red, &sum_red);
        for (int ch = 0; ch < c->cfg.channels; ch++) apply_gain(out[ch] + off, in[ch] + off, c->gain, n);
    }
    c->red = red;
    c->max_red = max_red;
    c->sum_red += sum_red;
    c->frames += frames;
}

double mm_compressor_max_reduction_db(const mm_compressor *c)
{
    return c ? c->max_red : 0.0;
}

double mm_compressor_mean_reduction_db(const mm_compressor *c)
{
    return c && c->frames ? c->sum_red / (double)c->frames : 0.0;
}
