/*
 * Playback translation: the mix through small-speaker curves and the mono
 * fold-down. See include/mixmaster/translation.h.
 */
#include "mixmaster/translation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/biquad.h"
#include "mixmaster/loudness.h"
#include "../dsp/internal.h"
#include "kweighting.h"

#define CHUNK 1024
#define DEVICE_STAGES 4
/* the device curve, then the two K-weighting stages of the meters */
#define MAX_STAGES (DEVICE_STAGES + 2)
#define POINTS_PER_BAND 8
/* Every device channel is one lane of a SIMD-friendly filter bank: the
 * phone's mono fold in lane 0, then left and right of the other devices. */
#define LANES 8

typedef struct stage {
    mm_biquad_type type;
    double hz, q, gain_db;
} stage;

typedef struct device_def {
    const char *name, *description;
    int mono;
    int stages;
    stage s[DEVICE_STAGES];
} device_def;

/* Curves: typical measured responses of each class of device, simplified to
 * a few sections (a 4th-order high-pass where the driver stops, the
 * presence or cabin resonance, the top roll-off). */
static const device_def devices[MM_DEVICE_COUNT] = {
    {"phone", "single speaker, mono: 4th-order high-pass at 400 Hz, +5 dB at 2 kHz, low-pass at 10 kHz", 1, 4,
     {{MM_BIQUAD_HIGHPASS, 400.0, 0.7071, 0.0},
      {MM_BIQUAD_HIGHPASS, 400.0, 0.7071, 0.0},
      {MM_BIQUAD_PEAK, 2000.0, 1.0, 5.0},
      {MM_BIQUAD_LOWPASS, 10000.0, 0.7071, 0.0}}},
    {"earbuds", "unsealed earbuds: 2nd-order high-pass at 100 Hz, +4 dB at 3 kHz, -3 dB shelf above 10 kHz", 0, 3,
     {{MM_BIQUAD_HIGHPASS, 100.0, 0.7071, 0.0},
      {MM_BIQUAD_PEAK, 3000.0, 1.2, 4.0},
      {MM_BIQUAD_HIGHSHELF, 10000.0, 0.7071, -3.0}}},
    {"laptop", "laptop speakers: 4th-order high-pass at 250 Hz, +3 dB at 4 kHz, low-pass at 12 kHz", 0, 4,
     {{MM_BIQUAD_HIGHPASS, 250.0, 0.7071, 0.0},
      {MM_BIQUAD_HIGHPASS, 250.0, 0.7071, 0.0},
      {MM_BIQUAD_PEAK, 4000.0, 1.0, 3.0},
      {MM_BIQUAD_LOWPASS, 12000.0, 0.7071, 0.0}}},
    {"car", "car cabin: high-pass at 30 Hz, +5 dB shelf below 80 Hz, -3 dB shelf above 8 kHz", 0, 3,
     {{MM_BIQUAD_HIGHPASS, 30.0, 0.7071, 0.0},
      {MM_BIQUAD_LOWSHELF, 80.0, 0.7071, 5.0},
      {MM_BIQUAD_HIGHSHELF, 8000.0, 0.7071, -3.0}}},
};

/* The filter bank: MAX_STAGES biquads per lane in transposed direct form
 * II, double precision, lanes in the innermost (vectorized) dimension. A
 * device with fewer stages has identity stages. */
typedef struct bank {
    double b0[MAX_STAGES][LANES], b1[MAX_STAGES][LANES], b2[MAX_STAGES][LANES];
    double a1[MAX_STAGES][LANES], a2[MAX_STAGES][LANES];
    double z1[MAX_STAGES][LANES], z2[MAX_STAGES][LANES];
} bank;

struct mm_translation {
    mm_translation_config cfg;
    bank *bk;
    int lane[MM_DEVICE_COUNT]; /* first lane of each device */
    mm_loudness *meter[MM_DEVICE_COUNT];
    float *out[LANES]; /* CHUNK frames each */
};

const char *mm_device_name(mm_device d)
{
    return (unsigned)d < MM_DEVICE_COUNT ? devices[d].name : NULL;
}

const char *mm_device_description(mm_device d)
{
    return (unsigned)d < MM_DEVICE_COUNT ? devices[d].description : NULL;
}

/* Design stage i of device d at fs; a section at or above Nyquist is left
 * out (identity): it would act above the band the file can carry. */
static mm_biquad_coeffs design(const device_def *d, int i, double fs)
{
    mm_biquad_coeffs c = mm_biquad_identity();
    if (d->s[i].hz < 0.49 * fs) mm_biquad_design(&c, d->s[i].type, fs, d->s[i].hz, d->s[i].q, d->s[i].gain_db);
    return c;
}

double mm_device_response_db(mm_device d, double sample_rate, double hz)
{
    if ((unsigned)d >= MM_DEVICE_COUNT || !(sample_rate > 0.0) || !(hz > 0.0) || hz >= 0.5 * sample_rate)
        return -300.0;
    double db = 0.0;
    for (int i = 0; i < devices[d].stages; i++) {
        mm_biquad_coeffs c = design(&devices[d], i, sample_rate);
        db += mm_biquad_response_db(&c, sample_rate, hz);
    }
    return db < -300.0 ? -300.0 : db;
}

mm_translation_config mm_translation_config_default(double sample_rate, int channels)
{
    mm_translation_config c = {sample_rate, channels};
    return c;
}

mm_translation *mm_translation_create(const mm_translation_config *cfg, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    if (!cfg || !(cfg->sample_rate >= 8000.0 && cfg->sample_rate <= 384000.0) || cfg->channels < 1 ||
        cfg->channels > 2) {
        *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_translation *t = calloc(1, sizeof(*t));
    if (!t) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    t->cfg = *cfg;
    int e = MM_OK;
    t->bk = calloc(1, sizeof(bank));
    if (!t->bk) e = MM_ERR_NOMEM;
    for (int l = 0; l < LANES && e == MM_OK; l++)
        if (!(t->out[l] = calloc(CHUNK, sizeof(float)))) e = MM_ERR_NOMEM;
    int lane = 0;
    mm_biquad_coeffs kpre, krlb;
    mm__kweighting_design(cfg->sample_rate, &kpre, &krlb);
    for (int d = 0; d < MM_DEVICE_COUNT && e == MM_OK; d++) {
        const int ch = devices[d].mono ? 1 : 2;
        t->lane[d] = lane;
        for (int i = 0; i < MAX_STAGES; i++) {
            mm_biquad_coeffs c = i < devices[d].stages ? design(&devices[d], i, cfg->sample_rate)
                                 : i == DEVICE_STAGES ? kpre : i == DEVICE_STAGES + 1 ? krlb : mm_biquad_identity();
            for (int k = 0; k < ch; k++) {
                t->bk->b0[i][lane + k] = c.b0;
                t->bk->b1[i][lane + k] = c.b1;
                t->bk->b2[i][lane + k] = c.b2;
                t->bk->a1[i][lane + k] = c.a1;
                t->bk->a2[i][lane + k] = c.a2;
            }
        }
        lane += ch;
        /* a mono input plays the same signal on both sides of a stereo device */
        mm_loudness_config lc = mm_loudness_config_default(cfg->sample_rate, cfg->channels == 1 ? 1 : ch);
        lc.series_capacity = 0;
        lc.dual_mono = lc.channels == 1; /* one speaker or one channel: as if both ears hear it */
        lc.prefiltered = 1;              /* the bank applies the K-weighting */
        t->meter[d] = mm_loudness_create(&lc, &e);
    }
    if (e != MM_OK) {
        mm_translation_destroy(t);
        *err = e;
        return NULL;
    }
    *err = MM_OK;
    return t;
}

/* Run `n` frames of left/right (right may equal left) through every lane. */
MM_TARGET_CLONES
static void bank_run(bank *MM_RESTRICT bk, const float *MM_RESTRICT l, const float *MM_RESTRICT r,
                     float *const out[LANES], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double xl = l[i], xr = r[i];
        double x[LANES] = {0.5 * (xl + xr), xl, xr, xl, xr, xl, xr, 0.0};
        for (int s = 0; s < MAX_STAGES; s++) {
            for (int k = 0; k < LANES; k++) {
                const double y = bk->b0[s][k] * x[k] + bk->z1[s][k];
                bk->z1[s][k] = bk->b1[s][k] * x[k] - bk->a1[s][k] * y + bk->z2[s][k];
                bk->z2[s][k] = bk->b2[s][k] * x[k] - bk->a2[s][k] * y;
                x[k] = y;
            }
        }
        for (int k = 0; k < LANES; k++) out[k][i] = (float)x[k];
    }
    /* flush denormal and non-finite state so silence after a burst stays fast
     * and a NaN cannot stick */
    for (int s = 0; s < MAX_STAGES; s++)
        for (int k = 0; k < LANES; k++) {
            if (!(fabs(bk->z1[s][k]) > 1e-30 && fabs(bk->z1[s][k]) < 1e30)) bk->z1[s][k] = 0.0;
            if (!(fabs(bk->z2[s][k]) > 1e-30 && fabs(bk->z2[s][k]) < 1e30)) bk->z2[s][k] = 0.0;
        }
}

int mm_translation_process(mm_translation *t, const float *const in[], size_t frames)
{
    if (!t || (!in && frames)) return MM_ERR_INVALID_ARG;
    const int stereo = t->cfg.channels == 2;
    for (size_t off = 0; off < frames; off += CHUNK) {
        const size_t n = frames - off < CHUNK ? frames - off : CHUNK;
        bank_run(t->bk, in[0] + off, (stereo ? in[1] : in[0]) + off, t->out, n);
        for (int d = 0; d < MM_DEVICE_COUNT; d++) {
            const float *ch[2] = {t->out[t->lane[d]], t->out[t->lane[d] + 1]};
            int e = mm_loudness_process(t->meter[d], ch, n);
            if (e != MM_OK) return e;
        }
    }
    return MM_OK;
}

/* Mean power response of device d over 1/3-octave band k (centre fc). */
static double band_weight(int d, double fs, double fc)
{
    double acc = 0.0;
    for (int i = 0; i < POINTS_PER_BAND; i++) {
        const double f = fc * pow(2.0, ((i + 0.5) / POINTS_PER_BAND - 0.5) / 3.0);
        acc += d < 0 ? 1.0 : pow(10.0, mm_device_response_db((mm_device)d, fs, f) / 10.0);
    }
    return acc / POINTS_PER_BAND;
}

/* Tonal band index of a 1/3-octave centre, -1 outside 20 Hz-20 kHz. */
static int tonal_band(double fc)
{
    for (int b = 0; b < MM_TONAL_BANDS; b++)
        if (fc >= mm_tonal_band_edges_hz[b] && fc < mm_tonal_band_edges_hz[b + 1]) return b;
    return -1;
}

/* Band levels relative to their total, from per-1/3-octave powers p[]. */
static void tonal_from_bands(const double *p, const mm_analysis *a, mm_measure out[MM_TONAL_BANDS])
{
    double acc[MM_TONAL_BANDS] = {0}, tot = 0.0;
    for (int k = 0; k < MM_THIRD_OCTAVE_BANDS; k++) {
        const int b = tonal_band(a->band_center_hz[k]);
        if (b < 0 || !(p[k] > 0.0)) continue;
        acc[b] += p[k];
        tot += p[k];
    }
    for (int b = 0; b < MM_TONAL_BANDS; b++)
        out[b] = (acc[b] > 1e-30 && tot > 1e-30) ? mm__ok(10.0 * log10(acc[b] / tot)) : mm__none(MM_REASON_SILENT);
}

static double band_power(mm_measure m)
{
    return m.reason == MM_REASON_NONE ? pow(10.0, m.value / 10.0) : 0.0;
}

int mm_translation_finish(const mm_translation *t, const mm_analysis *a, mm_translation_result *out)
{
    if (!t || !a || !out) return MM_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    const double fs = t->cfg.sample_rate;
    const int stereo = t->cfg.channels == 2;
    double mid[MM_THIRD_OCTAVE_BANDS], both[MM_THIRD_OCTAVE_BANDS], dev[MM_THIRD_OCTAVE_BANDS];
    for (int k = 0; k < MM_THIRD_OCTAVE_BANDS; k++) {
        mid[k] = band_power(a->mid_band_db[k]);
        both[k] = mid[k] + (stereo ? band_power(a->side_band_db[k]) : 0.0);
    }
    mm_measure ref[MM_TONAL_BANDS], mono[MM_TONAL_BANDS], devt[MM_TONAL_BANDS];
    tonal_from_bands(both, a, ref);
    tonal_from_bands(mid, a, mono);
    for (int b = 0; b < MM_TONAL_BANDS; b++) {
        if (!stereo)
            out->mono_band_change_db[b] = mm__none(MM_REASON_NOT_STEREO);
        else if (ref[b].reason || mono[b].reason)
            out->mono_band_change_db[b] = mm__none(ref[b].reason ? ref[b].reason : mono[b].reason);
        else
            out->mono_band_change_db[b] = mm__ok(mono[b].value - ref[b].value);
    }
    for (int d = 0; d < MM_DEVICE_COUNT; d++) {
        out->device_lufs[d] = mm_loudness_integrated(t->meter[d]);
        if (out->device_lufs[d].reason)
            out->device_change_lu[d] = mm__none(out->device_lufs[d].reason);
        else if (a->integrated_lufs.reason)
            out->device_change_lu[d] = mm__none(a->integrated_lufs.reason);
        else
            out->device_change_lu[d] = mm__ok(out->device_lufs[d].value - a->integrated_lufs.value);
        const double *src = devices[d].mono ? mid : both;
        for (int k = 0; k < MM_THIRD_OCTAVE_BANDS; k++)
            dev[k] = src[k] * (a->band_center_hz[k] < 0.5 * fs ? band_weight(d, fs, a->band_center_hz[k]) : 0.0);
        tonal_from_bands(dev, a, devt);
        for (int b = 0; b < MM_TONAL_BANDS; b++) {
            if (ref[b].reason || devt[b].reason)
                out->device_band_change_db[d][b] = mm__none(ref[b].reason ? ref[b].reason : devt[b].reason);
            else
                out->device_band_change_db[d][b] = mm__ok(devt[b].value - ref[b].value);
        }
    }
    return MM_OK;
}

void mm_translation_reset(mm_translation *t)
{
    if (!t) return;
    memset(t->bk->z1, 0, sizeof t->bk->z1);
    memset(t->bk->z2, 0, sizeof t->bk->z2);
    for (int d = 0; d < MM_DEVICE_COUNT; d++) mm_loudness_reset(t->meter[d]);
}

void mm_translation_destroy(mm_translation *t)
{
    if (!t) return;
    for (int d = 0; d < MM_DEVICE_COUNT; d++) mm_loudness_destroy(t->meter[d]);
    for (int l = 0; l < LANES; l++) free(t->out[l]);
    free(t->bk);
    free(t);
}
