/*
 * Peak / RMS envelope follower with separate attack and release.
 * See include/mixmaster/envelope.h for the contract.
 *
 * Per channel, with detector d[n] = |x[n]| (peak) or x[n]^2 (RMS):
 *
 *   c    = d[n] > s ? ca : cr
 *   s    = d[n] + c (s - d[n])          one-pole toward d[n]
 *   out  = s (peak)  or  sqrt(s) (RMS)
 *
 *   ca, cr = exp(-1 / (T_ms * fs / 1000)), or 0 for T_ms = 0
 *
 * After a step from 0 to 1 the state is 1 - c^(n+1) once n+1 samples have
 * been processed, so it covers 1 - 1/e of the step after T_ms * fs / 1000
 * samples: the time constant is T_ms, as the header defines it. The state is
 * kept in double (a 1 s release at 192 kHz has 1 - c = 5e-6, which float
 * would round badly).
 */
#include "mixmaster/envelope.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ENV_MAX_CHANNELS 1024
/* Default times: a 10 ms attack follows transients closely; a 100 ms release
 * rides over the individual cycles of bass notes down to 10 Hz. */
#define ENV_DEFAULT_ATTACK_MS 10.0
#define ENV_DEFAULT_RELEASE_MS 100.0
/* State below this is flushed to 0 (-600 dB in peak mode, -300 dB in RMS
 * mode, where the state is a power): a follower releasing into silence
 * never reaches the slow subnormal range of double. The same select also
 * turns a NaN state into 0. */
#define ENV_FLUSH_BELOW 1e-30

struct mm_envelope {
    /* configuration (kept across reset) */
    int channels;
    mm_envelope_mode mode;
    double sample_rate;
    double ca, cr; /* attack and release coefficients */
    /* Everything below is cleared by reset. */
    double *state; /* [channels] smoothed |x| or x^2 */
};

/* The one-pole coefficient for a time constant of ms milliseconds at fs Hz:
 * exp(-1 / samples) reaches 1/e of the remaining distance after `samples`
 * samples. 0 ms gives 0 (the state jumps to the input). ms >= 0, fs > 0. */
static double env_coef(double ms, double fs)
{
    const double samples = ms * fs / 1000.0;
    return samples > 0.0 ? exp(-1.0 / samples) : 0.0;
}

static int env_times_valid(double attack_ms, double release_ms)
{
    /* the negated comparisons also reject NaN */
    return attack_ms >= 0.0 && release_ms >= 0.0 && isfinite(attack_ms) && isfinite(release_ms);
}

mm_envelope_config mm_envelope_config_default(double sample_rate, int channels)
{
    mm_envelope_config cfg;
    cfg.sample_rate = sample_rate;
    cfg.channels = channels;
    cfg.attack_ms = ENV_DEFAULT_ATTACK_MS;
    cfg.release_ms = ENV_DEFAULT_RELEASE_MS;
    cfg.mode = MM_ENVELOPE_PEAK;
    return cfg;
}

mm_envelope *mm_envelope_create(const mm_envelope_config *cfg, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    *err = MM_ERR_INVALID_ARG;
    if (!cfg || !(cfg->sample_rate > 0.0) || !isfinite(cfg->sample_rate)) return NULL;
    if (cfg->channels < 1 || cfg->channels > ENV_MAX_CHANNELS) return NULL;
    if (!env_times_valid(cfg->attack_ms, cfg->release_ms)) return NULL;
    if (cfg->mode != MM_ENVELOPE_PEAK && cfg->mode != MM_ENVELOPE_RMS) return NULL;

    /* One allocation: [struct][state]. */
    const size_t head = (sizeof(mm_envelope) + 15u) & ~(size_t)15u;
    size_t bytes;
    if (!mm__size_mul((size_t)cfg->channels, sizeof(double), &bytes) || !mm__size_add(bytes, head, &bytes)) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    unsigned char *mem = malloc(bytes);
    if (!mem) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    mm_envelope *e = (mm_envelope *)(void *)mem;
    memset(e, 0, sizeof *e);
    e->channels = cfg->channels;
    e->mode = cfg->mode;
    e->sample_rate = cfg->sample_rate;
    e->ca = env_coef(cfg->attack_ms, cfg->sample_rate);
    e->cr = env_coef(cfg->release_ms, cfg->sample_rate);
    e->state = (double *)(void *)(mem + head);
    mm_envelope_reset(e);
    *err = MM_OK;
    return e;
}

int mm_envelope_set_times(mm_envelope *e, double attack_ms, double release_ms)
{
    if (!e || !env_times_valid(attack_ms, release_ms)) return MM_ERR_INVALID_ARG;
    e->ca = env_coef(attack_ms, e->sample_rate);
    e->cr = env_coef(release_ms, e->sample_rate);
    return MM_OK;
}

/*
 * One channel of the follower described at the top of the file.
 * IN src[0, n-1]   OUT dst[0, n-1] (may equal src: sample i is read before
 * it is written)   IN/OUT *state. RMS selects x^2 and sqrt. Non-finite input
 * samples (NaN, +-Inf) are detected as 0, so one bad sample cannot poison
 * the state.
 *
 * Legend:  d  detector value of this sample, in double
 *          s  smoothed state (|x| or x^2), c the coefficient chosen for it
 */
static inline void env_channel(const float *src, float *dst, size_t n, double ca, double cr,
                               double *state, const int RMS)
{
    double s = *state;
    for (size_t i = 0; i < n; i++) {
        const float x = src[i];
        const double a = fabsf(x) <= FLT_MAX ? (double)fabsf(x) : 0.0; /* NaN fails <= too */
        const double d = RMS ? a * a : a;
        const double c = d > s ? ca : cr;
        s = d + c * (s - d);
        s = s > ENV_FLUSH_BELOW ? s : 0.0;
        dst[i] = RMS ? (float)sqrt(s) : (float)s;
    }
    *state = s; /* copy back */
}

void mm_envelope_process(mm_envelope *e, float *const out[], const float *const in[], size_t frames)
{
    if (!e || !out || !in || frames == 0) return;
    for (int ch = 0; ch < e->channels; ch++)
        if (!out[ch] || !in[ch]) return;
    const double ca = e->ca, cr = e->cr;
    for (int ch = 0; ch < e->channels; ch++) {
        if (e->mode == MM_ENVELOPE_RMS)
            env_channel(in[ch], out[ch], frames, ca, cr, &e->state[ch], 1);
        else
            env_channel(in[ch], out[ch], frames, ca, cr, &e->state[ch], 0);
    }
}

void mm_envelope_reset(mm_envelope *e)
{
    if (!e) return;
    memset(e->state, 0, (size_t)e->channels * sizeof(double));
}

void mm_envelope_destroy(mm_envelope *e)
{
    free(e);
}
