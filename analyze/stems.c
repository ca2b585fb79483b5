/*
 * Per-stem features for automix: loudness where the stem plays, ERB-band
 * spectrum, centroid, crest, width, low-end fundamental, roles by name.
 * One streaming pass; memory fixed at create.
 */
#include "mixmaster/stems.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/biquad.h"
#include "mixmaster/fft.h"
#include "mixmaster/loudness.h"
#include "../dsp/internal.h"

/* ---- roles ---------------------------------------------------------------- */

static const char *const role_names[MM_ROLE_COUNT] = {
    "unknown", "kick", "snare", "hats", "drums", "perc", "bass", "lead_vocal", "backing_vocal",
    "lead", "guitar", "keys", "pad", "strings", "brass", "woodwinds", "fx",
};

/* Loudness relative to the lead, LU. DOMAIN.md section 5 (published rule
 * sets); drums (a kit or overheads, which carry the snare) take the snare's
 * -3 and fx the small-percussion -6.5: our choices, not in those sets. */
static const double role_offsets[MM_ROLE_COUNT] = {
    -4.0, -4.5, -3.0, -4.0, -3.0, -6.5, -2.5, 0.0, -2.0, 0.0, -2.5, -4.0, -4.0, -4.0, -4.5, -4.5, -6.5,
};

const char *mm_role_name(mm_role role)
{
    return (role >= 0 && role < MM_ROLE_COUNT) ? role_names[role] : "unknown";
}

double mm_role_offset_lu(mm_role role)
{
    return (role >= 0 && role < MM_ROLE_COUNT) ? role_offsets[role] : role_offsets[0];
}

int mm_role_parse(const char *name, mm_role *out)
{
    if (!name || !out) return MM_ERR_INVALID_ARG;
    for (int r = 0; r < MM_ROLE_COUNT; r++)
        if (!strcmp(name, role_names[r])) {
            *out = (mm_role)r;
            return MM_OK;
        }
    static const struct {
        const char *alias;
        mm_role role;
    } aliases[] = {{"vocal", MM_ROLE_LEAD_VOCAL}, {"vox", MM_ROLE_LEAD_VOCAL},
                   {"bvs", MM_ROLE_BACKING_VOCAL}, {"percussion", MM_ROLE_PERC},
                   {"hihat", MM_ROLE_HATS}, {"piano", MM_ROLE_KEYS}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(name, aliases[i].alias)) {
            *out = aliases[i].role;
            return MM_OK;
        }
    return MM_ERR_INVALID_ARG;
}

/* Keywords in priority order: backing vocals before vocals, kick before
 * bass ("bassdrum"), specific drums before the kit. Keywords of 3 letters
 * or more match anywhere in the name; shorter ones only as a whole word. */
static const struct {
    const char *word;
    mm_role role;
} role_words[] = {
    {"backing", MM_ROLE_BACKING_VOCAL}, {"bgv", MM_ROLE_BACKING_VOCAL}, {"bv", MM_ROLE_BACKING_VOCAL},
    {"bvs", MM_ROLE_BACKING_VOCAL},     {"harmony", MM_ROLE_BACKING_VOCAL}, {"choir", MM_ROLE_BACKING_VOCAL},
    {"vox", MM_ROLE_LEAD_VOCAL},        {"vocal", MM_ROLE_LEAD_VOCAL},  {"voc", MM_ROLE_LEAD_VOCAL},
    {"sing", MM_ROLE_LEAD_VOCAL},       {"kick", MM_ROLE_KICK},         {"kik", MM_ROLE_KICK},
    {"bassdrum", MM_ROLE_KICK},         {"bd", MM_ROLE_KICK},           {"snare", MM_ROLE_SNARE},
    {"snr", MM_ROLE_SNARE},             {"sd", MM_ROLE_SNARE},          {"rim", MM_ROLE_SNARE},
    {"hat", MM_ROLE_HATS},              {"hh", MM_ROLE_HATS},           {"cymbal", MM_ROLE_HATS},
    {"ride", MM_ROLE_HATS},             {"crash", MM_ROLE_HATS},        {"perc", MM_ROLE_PERC},
    {"shaker", MM_ROLE_PERC},           {"tamb", MM_ROLE_PERC},         {"conga", MM_ROLE_PERC},
    {"bongo", MM_ROLE_PERC},            {"clap", MM_ROLE_PERC},         {"block", MM_ROLE_PERC},
    {"tom", MM_ROLE_DRUMS},             {"drum", MM_ROLE_DRUMS},        {"kit", MM_ROLE_DRUMS},
    {"overhead", MM_ROLE_DRUMS},        {"oh", MM_ROLE_DRUMS},          {"room", MM_ROLE_DRUMS},
    {"bass", MM_ROLE_BASS},             {"sub", MM_ROLE_BASS},          {"808", MM_ROLE_BASS},
    {"guitar", MM_ROLE_GUITAR},         {"gtr", MM_ROLE_GUITAR},        {"gt", MM_ROLE_GUITAR},
    {"pad", MM_ROLE_PAD},               {"key", MM_ROLE_KEYS},          {"piano", MM_ROLE_KEYS},
    {"rhodes", MM_ROLE_KEYS},           {"organ", MM_ROLE_KEYS},        {"wurli", MM_ROLE_KEYS},
    {"synth", MM_ROLE_KEYS},            {"string", MM_ROLE_STRINGS},    {"violin", MM_ROLE_STRINGS},
    {"viola", MM_ROLE_STRINGS},         {"cello", MM_ROLE_STRINGS},     {"str", MM_ROLE_STRINGS},
    {"brass", MM_ROLE_BRASS},           {"trumpet", MM_ROLE_BRASS},     {"trombone", MM_ROLE_BRASS},
    {"horn", MM_ROLE_BRASS},            {"sax", MM_ROLE_WOODWINDS},     {"flute", MM_ROLE_WOODWINDS},
    {"clarinet", MM_ROLE_WOODWINDS},    {"oboe", MM_ROLE_WOODWINDS},    {"woodwind", MM_ROLE_WOODWINDS},
    {"lead", MM_ROLE_LEAD},             {"melody", MM_ROLE_LEAD},       {"solo", MM_ROLE_LEAD},
    {"fx", MM_ROLE_FX},                 {"sfx", MM_ROLE_FX},            {"riser", MM_ROLE_FX},
    {"impact", MM_ROLE_FX},             {"sweep", MM_ROLE_FX},
};

static int has_word(const char *name, const char *w)
{
    size_t k = strlen(w);
    if (k >= 3) return strstr(name, w) != NULL;
    for (const char *p = name; (p = strstr(p, w)) != NULL; p++) {
        int before = p == name || !isalnum((unsigned char)p[-1]) || isdigit((unsigned char)p[-1]);
        int after = !isalpha((unsigned char)p[k]);
        if (before && after) return 1;
    }
    return 0;
}

mm_role mm_role_from_filename(const char *path)
{
    if (!path) return MM_ROLE_UNKNOWN;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[256];
    size_t n = 0;
    for (; base[n] && n < sizeof name - 1; n++) name[n] = (char)tolower((unsigned char)base[n]);
    name[n] = 0;
    char *dot = strrchr(name, '.');
    if (dot && dot != name) *dot = 0;
    for (size_t i = 0; i < sizeof role_words / sizeof role_words[0]; i++)
        if (has_word(name, role_words[i].word)) return role_words[i].role;
    return MM_ROLE_UNKNOWN;
}

mm_role mm_role_from_features(const mm_stem_features *f, char *why, size_t whylen)
{
    char tmp[8];
    if (!why) {
        why = tmp;
        whylen = sizeof tmp;
    }
    if (!f || f->silent || f->centroid_hz.reason != MM_REASON_NONE) {
        snprintf(why, whylen, "silent: no spectrum to judge");
        return MM_ROLE_UNKNOWN;
    }
    double crest = f->crest_db.reason == MM_REASON_NONE ? f->crest_db.value : 0.0;
    double spread = f->level_spread_db.reason == MM_REASON_NONE ? f->level_spread_db.value : 0.0;
    /* Thresholds read off the corpus stems (kick 17 dB of level spread, bass
     * 8; snare 29 dB with half its power below 200 Hz, a woodblock 28 dB
     * with none): hits swing far more in level than held notes do. */
    if (f->low_fraction > 0.7) {
        mm_role r = spread > 12.0 ? MM_ROLE_KICK : MM_ROLE_BASS;
        snprintf(why, whylen, "%.0f %% of the power below 200 Hz, level spread %.1f dB", 100.0 * f->low_fraction, spread);
        return r;
    }
    if (f->centroid_hz.value > 5000.0) {
        snprintf(why, whylen, "spectral centroid %.0f Hz", f->centroid_hz.value);
        return MM_ROLE_HATS;
    }
    if (spread > 20.0 && crest > 15.0) {
        snprintf(why, whylen, "level spread %.1f dB, crest factor %.1f dB, %.0f %% of the power below 200 Hz", spread,
                 crest, 100.0 * f->low_fraction);
        return f->low_fraction > 0.25 ? MM_ROLE_SNARE : MM_ROLE_PERC;
    }
    snprintf(why, whylen, "no rule matched (centroid %.0f Hz, crest %.1f dB)", f->centroid_hz.value, crest);
    return MM_ROLE_UNKNOWN;
}

/* ---- stem analyzer --------------------------------------------------------- */

/* 10 ms level histograms: 0.1 dB bins from -160 to +20 dBFS. */
#define LVL_MIN_DB (-160.0)
#define LVL_STEP_DB 0.1
#define LVL_BINS 1800

struct mm_stem_analyzer {
    mm_stem_config cfg;
    int nb;                   /* ERB bands */
    size_t nbins;             /* fft_size / 2 + 1 */
    double band_hz[MM_ERB_MAX_BANDS];
    int *bin_band;            /* [nbins] lower band of each bin (-1 below band 0, -2 unused) */
    float *bin_w;             /* [nbins] weight of the lower band (the upper gets 1 - w) */
    /* band b = sum over k of band_w[band_off[b] + (k - band_k0[b])] * power[k],
     * k = band_k0[b] .. band_k0[b] + band_len[b] - 1: triangle weight times
     * the |X|^2 -> mean-square scale, as one dot product per band */
    int band_k0[MM_ERB_MAX_BANDS], band_len[MM_ERB_MAX_BANDS], band_off[MM_ERB_MAX_BANDS];
    float *band_w;
    double *bin_scale;        /* [nbins] |X|^2 -> mean square (x2 for inner bins) */
    double *kw2;              /* [nbins] K-weighting power response */
    mm_stft *stft[2];
    mm_loudness *meter;
    size_t queue_cap;
    float *queue;             /* [queue_cap][nb] */
    /* ---- everything below is cleared on reset ---- */
    size_t queued;
    double *spec[2];          /* [nbins] summed |X|^2 per channel (times bin_scale: mean square) */
    unsigned long long spec_frames;
    unsigned long long frames;
    double peak;
    double sum_ll, sum_rr, sum_lr;
    size_t blk_len, blk_fill;
    double blk_ss, blk_peak;
    uint32_t *hist_rms, *hist_pk; /* [LVL_BINS] */
    double *hist_rms_energy;      /* [LVL_BINS] summed mean square of the blocks */
};

static double erb_number(double hz) { return 21.4 * log10(1.0 + 0.00437 * hz); }
static double erb_to_hz(double z) { return (pow(10.0, z / 21.4) - 1.0) / 0.00437; }

mm_stem_config mm_stem_config_default(double sample_rate, int channels)
{
    mm_stem_config c;
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.fft_size = 4096;
    c.hop = 1024;
    c.erb_step = 0.5;
    c.active_gate_lu = 40.0;
    c.max_block = 65536;
    return c;
}

/* K-weighting power response at f (RBJ shelf and high-pass with the
 * BS.1770-4 parameters: +4 dB at 1682 Hz, Q 0.7071; 38.1 Hz, Q 0.5); used
 * only to predict loudness changes of an EQ, where 0.1 dB is plenty. */
static void kweight_curve(double fs, const double *hz, size_t n, double *out)
{
    mm_biquad_coeffs sh, hp;
    mm_biquad_design(&sh, MM_BIQUAD_HIGHSHELF, fs, 1681.97, 0.7071752, 3.9998);
    mm_biquad_design(&hp, MM_BIQUAD_HIGHPASS, fs, 38.1355, 0.5003, 0.0);
    for (size_t k = 0; k < n; k++) {
        if (hz[k] <= 0.0 || hz[k] >= 0.5 * fs) {
            out[k] = 0.0;
            continue;
        }
        double db = mm_biquad_response_db(&sh, fs, hz[k]) + mm_biquad_response_db(&hp, fs, hz[k]);
        out[k] = pow(10.0, db / 10.0);
    }
}

mm_stem_analyzer *mm_stem_analyzer_create(const mm_stem_config *cfg, int *err)
{
    int st = MM_ERR_INVALID_ARG;
    mm_stem_analyzer *s = NULL;
    if (!cfg || !(cfg->sample_rate >= 8000 && cfg->sample_rate <= 384000) || cfg->channels < 1 ||
        cfg->channels > 2 || cfg->fft_size < 256 || (cfg->fft_size & (cfg->fft_size - 1)) ||
        cfg->hop < 1 || cfg->hop > cfg->fft_size || !(cfg->erb_step >= 0.1 && cfg->erb_step <= 4) ||
        !(cfg->active_gate_lu > 0) || cfg->max_block < 1 || cfg->max_block > ((size_t)1 << 24))
        goto fail;
    st = MM_ERR_NOMEM;
    s = calloc(1, sizeof *s);
    if (!s) goto fail;
    s->cfg = *cfg;
    const double fs = cfg->sample_rate;
    const double z0 = erb_number(20.0), ztop = erb_number(fmin(20000.0, 0.499 * fs));
    s->nb = (int)floor((ztop - z0) / cfg->erb_step) + 1;
    if (s->nb > MM_ERB_MAX_BANDS) s->nb = MM_ERB_MAX_BANDS;
    for (int b = 0; b < s->nb; b++) s->band_hz[b] = erb_to_hz(z0 + b * cfg->erb_step);
    s->nbins = cfg->fft_size / 2 + 1;
    s->bin_band = calloc(s->nbins, sizeof *s->bin_band);
    s->bin_w = calloc(s->nbins, sizeof *s->bin_w);
    s->bin_scale = calloc(s->nbins, sizeof *s->bin_scale);
    s->kw2 = calloc(s->nbins, sizeof *s->kw2);
    s->spec[0] = calloc(s->nbins, sizeof(double));
    s->spec[1] = calloc(s->nbins, sizeof(double));
    s->queue_cap = cfg->max_block / cfg->hop + 2;
    s->queue = calloc(s->queue_cap * (size_t)s->nb, sizeof(float));
    s->hist_rms = calloc(LVL_BINS, sizeof(uint32_t));
    s->hist_pk = calloc(LVL_BINS, sizeof(uint32_t));
    s->hist_rms_energy = calloc(LVL_BINS, sizeof(double));
    if (!s->bin_band || !s->bin_w || !s->bin_scale || !s->kw2 || !s->spec[0] || !s->spec[1] || !s->queue ||
        !s->hist_rms || !s->hist_pk || !s->hist_rms_energy)
        goto fail;
    for (int c = 0; c < cfg->channels; c++) {
        s->stft[c] = mm_stft_create(cfg->fft_size, cfg->hop, &st);
        if (!s->stft[c]) goto fail;
    }
    mm_loudness_config lc = mm_loudness_config_default(fs, cfg->channels);
    s->meter = mm_loudness_create(&lc, &st);
    if (!s->meter) goto fail;
    st = MM_ERR_NOMEM;

    const double n = (double)cfg->fft_size, wp = mm_stft_window_power(s->stft[0]);
    double *hz = s->kw2; /* temporarily the bin frequencies */
    for (size_t k = 0; k < s->nbins; k++) {
        hz[k] = (double)k * fs / n;
        s->bin_scale[k] = (k == 0 || k == s->nbins - 1 ? 1.0 : 2.0) / (n * wp);
        double z = erb_number(hz[k]);
        double pos = (z - z0) / cfg->erb_step;
        int j = (int)floor(pos);
        double frac = pos - j;
        if (k == 0 || j < -1 || j >= s->nb) {
            s->bin_band[k] = -2;
        } else {
            s->bin_band[k] = j;
            s->bin_w[k] = (float)(1.0 - frac);
        }
    }
    /* per-band contiguous bin ranges */
    size_t total = 0;
    for (int b = 0; b < s->nb; b++) {
        int k0 = -1, k1 = -1;
        for (size_t k = 0; k < s->nbins; k++) {
            int j = s->bin_band[k];
            if (j == -2 || (j != b && j + 1 != b)) continue;
            if (k0 < 0) k0 = (int)k;
            k1 = (int)k;
        }
        s->band_k0[b] = k0 < 0 ? 0 : k0;
        s->band_len[b] = k0 < 0 ? 0 : k1 - k0 + 1;
        s->band_off[b] = (int)total;
        total += (size_t)s->band_len[b];
    }
    s->band_w = calloc(total + 1, sizeof(float));
    if (!s->band_w) goto fail;
    for (int b = 0; b < s->nb; b++)
        for (int t = 0; t < s->band_len[b]; t++) {
            size_t k = (size_t)(s->band_k0[b] + t);
            int j = s->bin_band[k];
            double w = j == b ? s->bin_w[k] : (j + 1 == b ? 1.0 - s->bin_w[k] : 0.0);
            s->band_w[s->band_off[b] + t] = (float)(w * s->bin_scale[k]);
        }
    double *tmp = malloc(s->nbins * sizeof *tmp);
    if (!tmp) goto fail;
    memcpy(tmp, hz, s->nbins * sizeof *tmp);
    kweight_curve(fs, tmp, s->nbins, s->kw2);
    free(tmp);
    s->blk_len = (size_t)lround(fs / 100.0);
    mm_stem_analyzer_reset(s);
    if (err) *err = MM_OK;
    return s;
fail:
    mm_stem_analyzer_destroy(s);
    if (err) *err = st;
    return NULL;
}

void mm_stem_analyzer_reset(mm_stem_analyzer *s)
{
    if (!s) return;
    s->queued = 0;
    for (int c = 0; c < 2; c++)
        if (s->spec[c]) memset(s->spec[c], 0, s->nbins * sizeof(double));
    for (int c = 0; c < s->cfg.channels; c++) mm_stft_reset(s->stft[c]);
    mm_loudness_reset(s->meter);
    s->spec_frames = s->frames = 0;
    s->peak = 0;
    s->sum_ll = s->sum_rr = s->sum_lr = 0;
    s->blk_fill = 0;
    s->blk_ss = s->blk_peak = 0;
    memset(s->hist_rms, 0, LVL_BINS * sizeof(uint32_t));
    memset(s->hist_pk, 0, LVL_BINS * sizeof(uint32_t));
    memset(s->hist_rms_energy, 0, LVL_BINS * sizeof(double));
}

void mm_stem_analyzer_destroy(mm_stem_analyzer *s)
{
    if (!s) return;
    for (int c = 0; c < 2; c++) {
        mm_stft_destroy(s->stft[c]);
        free(s->spec[c]);
    }
    mm_loudness_destroy(s->meter);
    free(s->bin_band);
    free(s->bin_w);
    free(s->band_w);
    free(s->bin_scale);
    free(s->kw2);
    free(s->queue);
    free(s->hist_rms);
    free(s->hist_pk);
    free(s->hist_rms_energy);
    free(s);
}

int mm_stem_band_count(const mm_stem_analyzer *s) { return s ? s->nb : 0; }
const double *mm_stem_band_hz(const mm_stem_analyzer *s) { return s ? s->band_hz : NULL; }
size_t mm_stem_analyzer_frames_ready(const mm_stem_analyzer *s) { return s ? s->queued : 0; }
void mm_stem_analyzer_frames_consume(mm_stem_analyzer *s)
{
    if (s) s->queued = 0;
}
const float *mm_stem_analyzer_frame_bands(const mm_stem_analyzer *s, size_t k)
{
    return (s && k < s->queued) ? s->queue + k * (size_t)s->nb : NULL;
}

static size_t level_bin(double ms)
{
    if (!(ms > 0)) return 0;
    double db = 10.0 * log10(ms);
    double b = (db - LVL_MIN_DB) / LVL_STEP_DB;
    if (b < 0) return 0;
    if (b >= LVL_BINS) return LVL_BINS - 1;
    return (size_t)b;
}

static double bin_db(size_t b) { return LVL_MIN_DB + ((double)b + 0.5) * LVL_STEP_DB; }

/* acc[k] += p[k], k = 0..n-1. */
MM_TARGET_CLONES
static void accumulate(double *MM_RESTRICT acc, const float *MM_RESTRICT p, size_t n)
{
    for (size_t k = 0; k < n; k++) acc[k] += (double)p[k];
}

/* sum over k < n of w[k] * p[k]. Eight partial sums, so the compiler can
 * keep them in one vector register without reassociating (no -ffast-math). */
MM_TARGET_CLONES
static float dot(const float *MM_RESTRICT w, const float *MM_RESTRICT p, size_t n)
{
    float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; j++) a[j] += w[k + (size_t)j] * p[k + (size_t)j];
    float t = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    for (; k < n; k++) t += w[k] * p[k];
    return t;
}

/* A completed STFT frame of every channel: band energies into the queue,
 * power into the long-term spectra. */
static void take_frame(mm_stem_analyzer *s)
{
    float *bands = s->queue + (s->queued < s->queue_cap ? s->queued : s->queue_cap - 1) * (size_t)s->nb;
    memset(bands, 0, (size_t)s->nb * sizeof(float));
    for (int c = 0; c < s->cfg.channels; c++) {
        const float *p = mm_stft_power(s->stft[c]);
        accumulate(s->spec[c], p, s->nbins);
        for (int b = 0; b < s->nb; b++)
            bands[b] += dot(s->band_w + s->band_off[b], p + s->band_k0[b], (size_t)s->band_len[b]);
    }
    s->spec_frames++;
    if (s->queued < s->queue_cap) s->queued++;
}

/* Statistics of one stretch of samples: sum of squares over the channels,
 * largest |x|, and the stereo sums. Non-finite samples count as 0. Eight
 * lanes of partial sums, as in dot(). */
static inline float finite_or_zero(float x) { return fabsf(x) <= 3.0e38f ? x : 0.0f; }

MM_TARGET_CLONES
static void stretch_stats(const float *MM_RESTRICT l, const float *MM_RESTRICT r, size_t n, float out[5])
{
    float ll[8] = {0}, rr[8] = {0}, lr[8] = {0}, pk[8] = {0};
    size_t i = 0;
    if (r) {
        for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++) {
                float a = finite_or_zero(l[i + (size_t)j]), b = finite_or_zero(r[i + (size_t)j]);
                ll[j] += a * a;
                rr[j] += b * b;
                lr[j] += a * b;
                float m = fabsf(a) > fabsf(b) ? fabsf(a) : fabsf(b);
                pk[j] = m > pk[j] ? m : pk[j];
            }
    } else {
        for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++) {
                float a = finite_or_zero(l[i + (size_t)j]);
                ll[j] += a * a;
                pk[j] = fabsf(a) > pk[j] ? fabsf(a) : pk[j];
            }
    }
    for (; i < n; i++) {
        float a = finite_or_zero(l[i]), b = r ? finite_or_zero(r[i]) : 0.0f;
        ll[0] += a * a;
        rr[0] += b * b;
        lr[0] += a * b;
        float m = fabsf(a) > fabsf(b) ? fabsf(a) : fabsf(b);
        pk[0] = m > pk[0] ? m : pk[0];
    }
    float sl = 0, sr = 0, slr = 0, p = 0;
    for (int j = 0; j < 8; j++) {
        sl += ll[j];
        sr += rr[j];
        slr += lr[j];
        p = pk[j] > p ? pk[j] : p;
    }
    out[0] = sl + sr;
    out[1] = p;
    out[2] = sl;
    out[3] = sr;
    out[4] = slr;
}

int mm_stem_analyzer_process(mm_stem_analyzer *s, const float *const in[], size_t frames)
{
    if (!s || (!in && frames) || frames > s->cfg.max_block) return MM_ERR_INVALID_ARG;
    const int nch = s->cfg.channels;
    int st = mm_loudness_process(s->meter, in, frames);
    if (st != MM_OK) return st;
    /* time-domain statistics */
    const float *l = in[0], *r = nch > 1 ? in[1] : NULL;
    double pk = s->peak, sll = 0, srr = 0, slr = 0;
    for (size_t n = 0; n < frames;) {
        size_t take = s->blk_len - s->blk_fill;
        if (take > frames - n) take = frames - n;
        float sv[5];
        stretch_stats(l + n, r ? r + n : NULL, take, sv);
        double ss = sv[0], bp = s->blk_peak > sv[1] ? s->blk_peak : sv[1];
        sll += sv[2];
        srr += sv[3];
        slr += sv[4];
        s->blk_ss += ss;
        s->blk_peak = bp;
        if (bp > pk) pk = bp;
        s->blk_fill += take;
        n += take;
        if (s->blk_fill == s->blk_len) {
            double ms = s->blk_ss / (double)(s->blk_len * (size_t)nch);
            size_t b = level_bin(ms);
            s->hist_rms[b]++;
            s->hist_rms_energy[b] += ms;
            s->hist_pk[level_bin(s->blk_peak * s->blk_peak)]++;
            s->blk_fill = 0;
            s->blk_ss = s->blk_peak = 0;
        }
    }
    s->peak = pk;
    s->sum_ll += sll;
    s->sum_rr += srr;
    s->sum_lr += slr;
    /* STFT, channels in lockstep (their frames complete together) */
    for (size_t n = 0; n < frames;) {
        size_t used = 0;
        int done = mm_stft_feed(s->stft[0], in[0] + n, frames - n, &used);
        if (nch > 1) {
            size_t u2;
            mm_stft_feed(s->stft[1], in[1] + n, used, &u2);
        }
        n += used;
        if (done) take_frame(s);
    }
    s->frames += frames;
    return MM_OK;
}

/* Lowest level bin of the "active" 10 ms blocks: within gate_db of the
 * 99th-percentile level (a robust maximum: one click does not set it). */
static size_t active_floor(const uint32_t *h, double gate_db, uint64_t *total)
{
    uint64_t n = 0;
    for (size_t b = 1; b < LVL_BINS; b++) n += h[b];
    *total = n;
    if (!n) return LVL_BINS;
    uint64_t want = n - n / 100, acc = 0;
    size_t p99 = 1;
    for (size_t b = 1; b < LVL_BINS; b++) {
        acc += h[b];
        if (acc >= want) {
            p99 = b;
            break;
        }
    }
    long fl = (long)p99 - (long)lround(gate_db / LVL_STEP_DB);
    return fl < 1 ? 1 : (size_t)fl;
}

static double hist_percentile(const uint32_t *h, size_t from, double q)
{
    uint64_t n = 0;
    for (size_t b = from; b < LVL_BINS; b++) n += h[b];
    if (!n) return NAN;
    uint64_t want = (uint64_t)ceil(q * (double)n), acc = 0;
    if (want < 1) want = 1;
    for (size_t b = from; b < LVL_BINS; b++) {
        acc += h[b];
        if (acc >= want) return bin_db(b);
    }
    return bin_db(LVL_BINS - 1);
}

int mm_stem_analyzer_finish(mm_stem_analyzer *s, mm_stem_features *f)
{
    if (!s || !f) return MM_ERR_INVALID_ARG;
    memset(f, 0, sizeof *f);
    const int nch = s->cfg.channels;
    const double fs = s->cfg.sample_rate;
    f->sample_rate = fs;
    f->channels = nch;
    f->frames = s->frames;
    f->integrated_lufs = mm_loudness_integrated(s->meter);
    f->shortterm_max_lufs = mm_loudness_shortterm_max(s->meter);
    f->silent = f->integrated_lufs.reason != MM_REASON_NONE;

    /* loudness where the stem plays: BS.1770 gating (Annex 1: -70 LUFS
     * absolute, then -10 LU relative) over the 400 ms blocks (the momentary
     * series, 100 ms step) within active_gate_lu of the loudest block */
    const float *mom, *stv;
    double step;
    size_t np = mm_loudness_series(s->meter, &mom, &stv, &step);
    double mmax = -INFINITY;
    size_t valid = 0;
    for (size_t i = 0; i < np; i++)
        if (isfinite(mom[i])) {
            valid++;
            if (mom[i] > mmax) mmax = mom[i];
        }
    if (valid && mmax > -70.0) {
        double g1 = fmax(-70.0, mmax - s->cfg.active_gate_lu), e = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < np; i++)
            if (isfinite(mom[i]) && mom[i] >= g1) {
                e += pow(10.0, (mom[i] + 0.691) / 10.0);
                cnt++;
            }
        double g2 = fmax(g1, -0.691 + 10.0 * log10(e / (double)cnt) - 10.0);
        double e2 = 0;
        size_t cnt2 = 0;
        for (size_t i = 0; i < np; i++)
            if (isfinite(mom[i]) && mom[i] >= g2) {
                e2 += pow(10.0, (mom[i] + 0.691) / 10.0);
                cnt2++;
            }
        f->active_lufs = mm__ok(-0.691 + 10.0 * log10(e2 / (double)cnt2));
        f->active_fraction = (double)cnt / (double)valid;
    } else {
        f->active_lufs = mm__none(valid ? MM_REASON_SILENT : MM_REASON_TOO_SHORT);
        f->silent = 1;
    }
    f->sample_peak_dbfs = s->peak > 0 ? mm__ok(20.0 * log10(s->peak)) : mm__none(MM_REASON_SILENT);

    /* 10 ms statistics over the active blocks */
    uint64_t tot;
    size_t fl = active_floor(s->hist_rms, s->cfg.active_gate_lu, &tot);
    if (fl < LVL_BINS && s->peak > 0) {
        double e = 0;
        uint64_t n = 0;
        for (size_t b = fl; b < LVL_BINS; b++) {
            e += s->hist_rms_energy[b];
            n += s->hist_rms[b];
        }
        double rms_db = 10.0 * log10(e / (double)n);
        f->active_rms_dbfs = mm__ok(rms_db);
        f->crest_db = mm__ok(f->sample_peak_dbfs.value - rms_db);
        f->level_spread_db = mm__ok(hist_percentile(s->hist_rms, fl, 0.9) - hist_percentile(s->hist_rms, fl, 0.1));
        uint64_t near = 0;
        for (size_t b = fl; b < LVL_BINS; b++)
            if (bin_db(b) >= rms_db - 10.0) near += s->hist_rms[b];
        f->sustain = (double)near / (double)n;
        uint64_t tp;
        size_t flp = active_floor(s->hist_pk, s->cfg.active_gate_lu, &tp);
        f->peak10_p10_dbfs = mm__ok(hist_percentile(s->hist_pk, flp, 0.1));
        f->peak10_p50_dbfs = mm__ok(hist_percentile(s->hist_pk, flp, 0.5));
        f->peak10_p90_dbfs = mm__ok(hist_percentile(s->hist_pk, flp, 0.9));
        double top = hist_percentile(s->hist_pk, flp, 0.99);
        f->peak10_top_dbfs = top;
        uint64_t np10 = 0;
        for (size_t b = flp; b < LVL_BINS; b++) np10 += s->hist_pk[b];
        for (size_t b = flp; b < LVL_BINS && np10; b++) {
            double below = top - bin_db(b);
            int k = below < 0 ? 0 : (int)below;
            if (k >= MM_STEM_LEVEL_BINS) k = MM_STEM_LEVEL_BINS - 1;
            f->peak10_hist[k] += (float)((double)s->hist_pk[b] / (double)np10);
        }
    } else {
        f->active_rms_dbfs = f->crest_db = f->level_spread_db = mm__none(MM_REASON_SILENT);
        f->peak10_p10_dbfs = f->peak10_p50_dbfs = f->peak10_p90_dbfs = mm__none(MM_REASON_SILENT);
    }

    /* long-term spectrum, channels summed */
    f->bands = s->nb;
    const double bin_hz = fs / (double)s->cfg.fft_size;
    double band[MM_ERB_MAX_BANDS] = {0}, kband[MM_ERB_MAX_BANDS] = {0};
    double tot_p = 0, cen = 0, low = 0, kE[2] = {0, 0};
    const double inv = s->spec_frames ? 1.0 / (double)s->spec_frames : 0.0;
    for (size_t k = 1; k < s->nbins; k++) {
        double p = 0;
        for (int c = 0; c < nch; c++) {
            p += s->spec[c][k] * inv * s->bin_scale[k];
            kE[c] += s->spec[c][k] * inv * s->bin_scale[k] * s->kw2[k];
        }
        double hz = (double)k * bin_hz;
        tot_p += p;
        cen += p * hz;
        if (hz < 200.0) low += p;
        int j = s->bin_band[k];
        if (j == -2) continue;
        if (j >= 0) {
            band[j] += p * s->bin_w[k];
            kband[j] += p * s->kw2[k] * s->bin_w[k];
        }
        if (j + 1 < s->nb) {
            band[j + 1] += p * (1.0 - s->bin_w[k]);
            kband[j + 1] += p * s->kw2[k] * (1.0 - s->bin_w[k]);
        }
    }
    for (int b = 0; b < s->nb; b++) {
        f->band_hz[b] = s->band_hz[b];
        f->erb_db[b] = band[b] > 1e-30 ? 10.0 * log10(band[b]) : -300.0;
        f->kband_db[b] = kband[b] > 1e-30 ? 10.0 * log10(kband[b]) : -300.0;
    }
    f->k_energy[0] = kE[0];
    f->k_energy[1] = kE[1];
    if (tot_p > 1e-30) {
        f->centroid_hz = mm__ok(cen / tot_p);
        f->low_fraction = low / tot_p;
        double acc = 0;
        f->low_cut_hz = mm__none(MM_REASON_SILENT);
        for (size_t k = 1; k < s->nbins; k++) {
            double p = 0;
            for (int c = 0; c < nch; c++) p += s->spec[c][k] * inv * s->bin_scale[k];
            if (acc + p >= 1e-3 * tot_p) {
                double frac = p > 0 ? (1e-3 * tot_p - acc) / p : 0.0;
                f->low_cut_hz = mm__ok(((double)k - 0.5 + frac) * bin_hz);
                break;
            }
            acc += p;
        }
        /* strongest component 35-120 Hz, parabolic interpolation on dB */
        size_t k0 = (size_t)ceil(35.0 / bin_hz), k1 = (size_t)floor(120.0 / bin_hz), best = 0;
        double bp = 0;
        for (size_t k = k0 < 2 ? 2 : k0; k <= k1 && k + 1 < s->nbins; k++) {
            double p = 0;
            for (int c = 0; c < nch; c++) p += s->spec[c][k];
            if (p > bp) {
                bp = p;
                best = k;
            }
        }
        if (best && bp * s->bin_scale[best] > 1e-6 * tot_p * (double)s->spec_frames) {
            double pm = 0, pp = 0;
            for (int c = 0; c < nch; c++) {
                pm += s->spec[c][best - 1];
                pp += s->spec[c][best + 1];
            }
            double a = 10 * log10(pm + 1e-30), b = 10 * log10(bp), c = 10 * log10(pp + 1e-30);
            double den = a - 2 * b + c, d = den < 0 ? 0.5 * (a - c) / den : 0.0;
            if (d > 0.5) d = 0.5;
            if (d < -0.5) d = -0.5;
            f->low_peak_hz = mm__ok(((double)best + d) * bin_hz);
        } else {
            f->low_peak_hz = mm__none(MM_REASON_SILENT);
        }
    } else {
        f->centroid_hz = f->low_cut_hz = f->low_peak_hz = mm__none(MM_REASON_SILENT);
    }

    if (nch == 2) {
        if (s->sum_ll > 0 && s->sum_rr > 0) {
            double corr = s->sum_lr / sqrt(s->sum_ll * s->sum_rr);
            f->correlation = mm__ok(corr);
            double side = s->sum_ll + s->sum_rr - 2 * s->sum_lr, mid = s->sum_ll + s->sum_rr + 2 * s->sum_lr;
            f->width_db = (side > 1e-12 * (s->sum_ll + s->sum_rr) && mid > 0) ? mm__ok(10 * log10(side / mid))
                                                                                : mm__none(MM_REASON_CANCELS);
            f->panned_mono = fabs(corr) >= 0.999;
        } else {
            f->correlation = f->width_db = mm__none(MM_REASON_SILENT);
            f->panned_mono = s->sum_ll > 0 || s->sum_rr > 0; /* one side only: a panned mono */
        }
        f->balance_db = (kE[0] > 0 && kE[1] > 0) ? mm__ok(10 * log10(kE[0] / kE[1])) : mm__none(MM_REASON_SILENT);
    } else {
        f->correlation = f->width_db = f->balance_db = mm__none(MM_REASON_NOT_STEREO);
    }
    return MM_OK;
}
