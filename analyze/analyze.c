/*
 * The analysis stage: one streaming pass over planar float audio.
 * See include/mixmaster/analyze.h for what is measured.
 *
 * Per internal chunk (CHUNK frames) the analyzer
 *   1. copies each channel into scratch, replacing NaN/Inf by 0, while
 *      taking peak, sum and sum of squares (one vectorised pass);
 *   2. scans for clip runs and for the first/last sample above the silence
 *      threshold, only where the chunk's peak says there can be any;
 *   3. meters true peak (and scans for inter-sample overs only when the
 *      running true peak has crossed the over threshold);
 *   4. meters loudness (which also yields the mono fold-down);
 *   5. sums L*L, R*R, L*R per 100 ms for correlation over time;
 *   6. feeds mid and side to two Hann STFTs and accumulates |M|^2, |S|^2
 *      and Re(M S*) per bin, from which band levels, tonal balance,
 *      per-band correlation and the low-end figures follow at the end.
 */
#include "mixmaster/analyze.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/fft.h"
#include "mixmaster/loudness.h"
#include "mixmaster/truepeak.h"
#include "../dsp/internal.h"

#define CHUNK 4096u
/* Correlation windows: 100 ms hop, 4 hops = 400 ms window (the momentary
 * loudness window, long enough to read a bass cycle at 20 Hz many times). */
#define CORR_WINDOW_HOPS 4u
/* The low-end stereo figures look below this frequency (DOMAIN notes: mono
 * compatibility of the bass below about 120 Hz). */
#define LOW_END_HZ 120.0
#define BAND_LOW_HZ 20.0
#define BAND_HIGH_HZ 20000.0
/* Energies at or below this are silence (-200 dB). */
#define TINY 1e-20

const double mm_tonal_band_edges_hz[MM_TONAL_BANDS + 1] = {20.0, 250.0, 2000.0, 8000.0, 20000.0};

typedef struct run_state {
    uint64_t len;    /* samples in the open run, 0 = none */
    uint64_t start;  /* frame index of its first sample */
    float peak;      /* largest |x| in it */
} run_state;

typedef struct chan_state {
    double sum, sumsq;
    float peak;
    uint64_t nonfinite;
    uint64_t clipped, clip_runs, longest_clip, overs;
    run_state clip, over;
} chan_state;

struct mm_analyzer {
    mm_analyze_config cfg;
    int nch;
    int stereo;
    float clip_thr, over_thr, silence_thr;
    mm_loudness *meter;
    mm_truepeak *tp;
    mm_stft *stft_mid, *stft_side;
    size_t nfft, nbins;
    double bin_hz;
    size_t corr_hop;          /* frames per 100 ms correlation hop */
    size_t corr_cap;          /* series capacity (even) */
    /* buffers carved from one allocation */
    float *scratch[MM_ANALYZE_MAX_CHANNELS];
    float *fpeak[MM_ANALYZE_MAX_CHANNELS];
    float *mid, *side;
    double *acc_mm, *acc_ss, *acc_ms;
    float *corr_series;
    void *mem;
    /* Everything below is cleared by reset. */
    chan_state c[MM_ANALYZE_MAX_CHANNELS];
    uint64_t frames;
    uint64_t stft_frames;
    double spec_wsum;         /* sum of frame weights (spectrum_weighting) */
    int finished;
    uint64_t first_loud, last_loud;
    int has_loud;
    /* correlation */
    double hop_ll, hop_rr, hop_lr;
    size_t hop_fill;
    double win[CORR_WINDOW_HOPS][3];
    uint64_t hops;
    double tot_ll, tot_rr, tot_lr;
    double corr_min;
    int corr_min_valid;
    uint64_t neg_hops;
    size_t corr_n;
    uint64_t corr_step_hops, corr_pending;
    /* events */
    mm_event clip_ev[MM_MAX_EVENTS], over_ev[MM_MAX_EVENTS];
    size_t clip_ev_n, over_ev_n;
};

mm_analyze_config mm_analyze_config_default(double sample_rate, int channels)
{
    mm_analyze_config c;
    memset(&c, 0, sizeof c);
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.true_peak_oversample = 4;
    c.dual_mono = 0;
    /* -0.001 dBFS: catches 16-bit full scale (32767/32768 = -0.00027 dBFS). */
    c.clip_threshold_dbfs = -0.001;
    c.clip_min_run = 2;
    c.over_threshold_dbtp = 0.0;
    c.silence_threshold_dbfs = -60.0;
    /* 2.7 Hz bins at 44.1/48 kHz (16384 points): the Hann main lobe
     * (+-2 bins) then stays inside the 1/3-octave bands from 63 Hz up. */
    c.spectrum_resolution_hz = 3.0;
    c.spectrum_overlap = 0.5;
    c.series_capacity = 8192;
    return c;
}

static mm_measure db_of_amplitude(double a)
{
    return a > 1e-10 ? mm__ok(20.0 * log10(a)) : mm__none(MM_REASON_SILENT);
}

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

mm_analyzer *mm_analyzer_create(const mm_analyze_config *cfg, int *err)
{
    int e = MM_ERR_INVALID_ARG;
    mm_analyzer *a = NULL;
    if (!cfg || !(cfg->sample_rate >= 8000.0 && cfg->sample_rate <= 384000.0) ||
        cfg->channels < 1 || cfg->channels > MM_ANALYZE_MAX_CHANNELS ||
        (cfg->true_peak_oversample != 4 && cfg->true_peak_oversample != 8) ||
        cfg->clip_min_run < 1 || !(cfg->spectrum_resolution_hz >= 0.5) ||
        (cfg->spectrum_weighting != 0 && cfg->spectrum_weighting != 1) ||
        !(cfg->spectrum_overlap >= 0.0 && cfg->spectrum_overlap <= 0.75) ||
        !(cfg->clip_threshold_dbfs <= 0.0) || !isfinite(cfg->over_threshold_dbtp) ||
        !isfinite(cfg->silence_threshold_dbfs) || cfg->series_capacity > ((size_t)1 << 24))
        goto fail;
    e = MM_ERR_NOMEM;
    a = calloc(1, sizeof *a);
    if (!a) goto fail;
    a->cfg = *cfg;
    a->nch = cfg->channels;
    a->stereo = cfg->channels == 2;
    a->clip_thr = (float)pow(10.0, cfg->clip_threshold_dbfs / 20.0);
    a->over_thr = (float)pow(10.0, cfg->over_threshold_dbtp / 20.0);
    a->silence_thr = (float)pow(10.0, cfg->silence_threshold_dbfs / 20.0);

    mm_loudness_config lc = mm_loudness_config_default(cfg->sample_rate, cfg->channels);
    lc.dual_mono = cfg->dual_mono;
    lc.series_capacity = cfg->series_capacity;
    a->meter = mm_loudness_create(&lc, &e);
    if (!a->meter) goto fail;
    mm_truepeak_config tc = mm_truepeak_config_default(cfg->channels);
    tc.oversample = cfg->true_peak_oversample;
    a->tp = mm_truepeak_create(&tc, &e);
    if (!a->tp) goto fail;
    a->nfft = next_pow2((size_t)ceil(cfg->sample_rate / cfg->spectrum_resolution_hz));
    if (a->nfft > ((size_t)1 << 20)) {
        e = MM_ERR_INVALID_ARG;
        goto fail;
    }
    a->nbins = a->nfft / 2 + 1;
    a->bin_hz = cfg->sample_rate / (double)a->nfft;
    /* Welch averaging: Hann with 50 % overlap weighs every sample equally. */
    size_t hop = (size_t)floor((double)a->nfft * (1.0 - cfg->spectrum_overlap) + 0.5);
    a->stft_mid = mm_stft_create(a->nfft, hop, &e);
    if (!a->stft_mid) goto fail;
    if (a->stereo) {
        a->stft_side = mm_stft_create(a->nfft, hop, &e);
        if (!a->stft_side) goto fail;
    }
    a->corr_hop = (size_t)floor(cfg->sample_rate / 10.0 + 0.5);
    a->corr_cap = cfg->series_capacity & ~(size_t)1;

    /* one block: scratch and frame-peak chunks, mid/side, three spectra, series */
    size_t chunk = mm__align_floats(CHUNK);
    size_t floats = (size_t)(2 * a->nch + 2) * chunk + mm__align_floats(a->corr_cap);
    size_t bytes = floats * sizeof(float) + 3 * a->nbins * sizeof(double) + 64;
    e = MM_ERR_NOMEM;
    a->mem = calloc(1, bytes);
    if (!a->mem) goto fail;
    double *d = (double *)a->mem;
    a->acc_mm = d;
    a->acc_ss = d + a->nbins;
    a->acc_ms = d + 2 * a->nbins;
    float *f = (float *)(void *)(d + 3 * a->nbins);
    f = (float *)(void *)(((uintptr_t)f + 63u) & ~(uintptr_t)63u);
    for (int c = 0; c < a->nch; c++) {
        a->scratch[c] = f; f += chunk;
        a->fpeak[c] = f; f += chunk;
    }
    a->mid = f; f += chunk;
    a->side = f; f += chunk;
    a->corr_series = a->corr_cap ? f : NULL;
    mm_analyzer_reset(a);
    if (err) *err = MM_OK;
    return a;
fail:
    mm_analyzer_destroy(a);
    if (err) *err = e;
    return NULL;
}

void mm_analyzer_destroy(mm_analyzer *a)
{
    if (!a) return;
    mm_loudness_destroy(a->meter);
    mm_truepeak_destroy(a->tp);
    mm_stft_destroy(a->stft_mid);
    mm_stft_destroy(a->stft_side);
    free(a->mem);
    free(a);
}

void mm_analyzer_reset(mm_analyzer *a)
{
    if (!a) return;
    mm_loudness_reset(a->meter);
    mm_truepeak_reset(a->tp);
    mm_stft_reset(a->stft_mid);
    if (a->stft_side) mm_stft_reset(a->stft_side);
    memset(a->acc_mm, 0, 3 * a->nbins * sizeof(double));
    memset(a->c, 0, sizeof a->c);
    a->frames = a->stft_frames = 0;
    a->spec_wsum = 0.0;
    a->finished = 0;
    a->first_loud = a->last_loud = 0;
    a->has_loud = 0;
    a->hop_ll = a->hop_rr = a->hop_lr = 0.0;
    a->hop_fill = 0;
    memset(a->win, 0, sizeof a->win);
    a->hops = 0;
    a->tot_ll = a->tot_rr = a->tot_lr = 0.0;
    a->corr_min = 2.0;
    a->corr_min_valid = 0;
    a->neg_hops = 0;
    a->corr_n = 0;
    a->corr_step_hops = 1;
    a->corr_pending = 0;
    a->clip_ev_n = a->over_ev_n = 0;
}

const mm_loudness *mm_analyzer_loudness(const mm_analyzer *a) { return a ? a->meter : NULL; }

/*
 * Copy src to dst with NaN/Inf replaced by 0, and measure the copy.
 * IN src[0, n-1]; OUT dst[0, n-1]; OUT r[0] = max |x|, r[1] = sum x,
 * r[2] = sum x^2; returns the count of non-finite samples.
 * Sixteen independent lanes let the compiler vectorise the maximum and the
 * sums without reassociating floating-point arithmetic.
 */
MM_TARGET_CLONES
static size_t scan_copy(float *MM_RESTRICT dst, const float *MM_RESTRICT src, size_t n, double r[3])
{
    float pk[16] = {0}, s[16] = {0}, q[16] = {0};
    unsigned bad[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        for (int l = 0; l < 16; l++) {
            float x = src[i + l];
            int finite = fabsf(x) <= FLT_MAX; /* false for NaN and +-Inf */
            x = finite ? x : 0.0f;
            bad[l] += (unsigned)!finite;
            dst[i + l] = x;
            float ax = fabsf(x);
            pk[l] = ax > pk[l] ? ax : pk[l];
            s[l] += x;
            q[l] += x * x;
        }
    }
    for (; i < n; i++) {
        float x = src[i];
        int finite = fabsf(x) <= FLT_MAX;
        x = finite ? x : 0.0f;
        bad[0] += (unsigned)!finite;
        dst[i] = x;
        float ax = fabsf(x);
        pk[0] = ax > pk[0] ? ax : pk[0];
        s[0] += x;
        q[0] += x * x;
    }
    float p = 0.0f;
    double sum = 0.0, sq = 0.0;
    size_t nb = 0;
    for (int l = 0; l < 16; l++) {
        p = pk[l] > p ? pk[l] : p;
        sum += s[l];
        sq += q[l];
        nb += bad[l];
    }
    r[0] = p;
    r[1] = sum;
    r[2] = sq;
    return nb;
}

/* Keep the MM_MAX_EVENTS earliest events. Channels are scanned one after
 * another within a chunk, so a later-found event can be the earlier one:
 * when full, it replaces the latest kept event. */
static void store_event(mm_event *ev, size_t *count, double t, double dur, int ch, double peak_db)
{
    mm_event e = {t, dur, ch, peak_db};
    if (*count < MM_MAX_EVENTS) {
        ev[(*count)++] = e;
        return;
    }
    size_t last = 0;
    for (size_t i = 1; i < *count; i++)
        if (ev[i].time_s > ev[last].time_s) last = i;
    if (t < ev[last].time_s) ev[last] = e;
}

static int event_cmp(const void *a, const void *b)
{
    const mm_event *x = a, *y = b;
    if (x->time_s != y->time_s) return x->time_s < y->time_s ? -1 : 1;
    return x->channel - y->channel;
}

/* A clip run ended: count it if long enough. */
static void clip_close(mm_analyzer *a, int c)
{
    chan_state *s = &a->c[c];
    if (s->clip.len >= (uint64_t)a->cfg.clip_min_run) {
        s->clip_runs++;
        s->clipped += s->clip.len;
        if (s->clip.len > s->longest_clip) s->longest_clip = s->clip.len;
        store_event(a->clip_ev, &a->clip_ev_n, (double)s->clip.start / a->cfg.sample_rate,
                    (double)s->clip.len / a->cfg.sample_rate, c, 20.0 * log10(s->clip.peak));
    }
    s->clip.len = 0;
}

/* An over run ended (positions are input frames). */
static void over_close(mm_analyzer *a, int c)
{
    chan_state *s = &a->c[c];
    if (s->over.len) {
        s->overs++;
        store_event(a->over_ev, &a->over_ev_n, (double)s->over.start / a->cfg.sample_rate,
                    (double)s->over.len / a->cfg.sample_rate, c, 20.0 * log10(s->over.peak));
    }
    s->over.len = 0;
}

/* Runs of values >= thr in x[0, n-1], x[i] belonging to frame base + i. */
static void scan_runs(run_state *st, const float *x, size_t n, float thr, uint64_t base,
                      mm_analyzer *a, int c, void (*close)(mm_analyzer *, int))
{
    for (size_t i = 0; i < n; i++) {
        float ax = fabsf(x[i]);
        if (ax >= thr) {
            if (st->len == 0) {
                st->start = base + i;
                st->peak = 0.0f;
            }
            st->len++;
            if (ax > st->peak) st->peak = ax;
        } else if (st->len) {
            close(a, c);
        }
    }
}

/* Correlation of a window's sums, NaN when the window is silent. */
static double window_corr(const mm_analyzer *a, double ll, double rr, double lr, double frames)
{
    double ms = (ll + rr) / (2.0 * frames);
    double thr = (double)a->silence_thr * (double)a->silence_thr;
    if (!(ms > thr)) return NAN;
    if (ll <= TINY || rr <= TINY) return 0.0; /* one side silent: no common signal */
    return lr / sqrt(ll * rr);
}

static void corr_series_push(mm_analyzer *a, double v)
{
    if (!a->corr_cap) return;
    if (++a->corr_pending < a->corr_step_hops) return;
    a->corr_pending = 0;
    if (a->corr_n == a->corr_cap) {
        /* full: average neighbours (NaN = silent), halve, double the step */
        for (size_t i = 0; i < a->corr_cap / 2; i++) {
            float x = a->corr_series[2 * i], y = a->corr_series[2 * i + 1];
            a->corr_series[i] = isnan(x) ? y : isnan(y) ? x : 0.5f * (x + y);
        }
        a->corr_n = a->corr_cap / 2;
        a->corr_step_hops *= 2;
        a->corr_pending = a->corr_step_hops / 2;
        return;
    }
    a->corr_series[a->corr_n++] = (float)v;
}

/* Close one 100 ms hop: update the 400 ms window and the over-time figures. */
static void corr_hop_close(mm_analyzer *a)
{
    double *w = a->win[a->hops % CORR_WINDOW_HOPS];
    w[0] = a->hop_ll;
    w[1] = a->hop_rr;
    w[2] = a->hop_lr;
    a->hops++;
    unsigned nh = a->hops < CORR_WINDOW_HOPS ? (unsigned)a->hops : CORR_WINDOW_HOPS;
    double ll = 0, rr = 0, lr = 0;
    for (unsigned k = 0; k < nh; k++) {
        ll += a->win[k][0];
        rr += a->win[k][1];
        lr += a->win[k][2];
    }
    double v = window_corr(a, ll, rr, lr, (double)(nh * a->corr_hop));
    if (!isnan(v)) {
        if (v < a->corr_min) a->corr_min = v;
        a->corr_min_valid = 1;
        if (v < 0.0) a->neg_hops++;
    }
    corr_series_push(a, v);
    a->hop_ll = a->hop_rr = a->hop_lr = 0.0;
    a->hop_fill = 0;
}

/* Sum L*L, R*R, L*R of x[0..n-1] in double through float lanes. */
static void corr_sums(const float *MM_RESTRICT l, const float *MM_RESTRICT r, size_t n, double out[3])
{
    float a[8] = {0}, b[8] = {0}, c[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            a[k] += l[i + k] * l[i + k];
            b[k] += r[i + k] * r[i + k];
            c[k] += l[i + k] * r[i + k];
        }
    double sa = 0, sb = 0, sc = 0;
    for (; i < n; i++) {
        sa += (double)l[i] * l[i];
        sb += (double)r[i] * r[i];
        sc += (double)l[i] * r[i];
    }
    for (int k = 0; k < 8; k++) {
        sa += a[k];
        sb += b[k];
        sc += c[k];
    }
    out[0] = sa;
    out[1] = sb;
    out[2] = sc;
}

static void stereo_time(mm_analyzer *a, size_t n)
{
    const float *l = a->scratch[0], *r = a->scratch[1];
    size_t pos = 0;
    while (pos < n) {
        size_t k = a->corr_hop - a->hop_fill;
        if (k > n - pos) k = n - pos;
        double s[3];
        corr_sums(l + pos, r + pos, k, s);
        a->hop_ll += s[0];
        a->hop_rr += s[1];
        a->hop_lr += s[2];
        a->tot_ll += s[0];
        a->tot_rr += s[1];
        a->tot_lr += s[2];
        a->hop_fill += k;
        pos += k;
        if (a->hop_fill == a->corr_hop) corr_hop_close(a);
    }
}

/* Add the current STFT frame to the per-bin accumulators, with weight 1 or
 * (spectrum_weighting) the frame's own energy sum_k |M|^2 + |S|^2. */
static void spectrum_accumulate(mm_analyzer *a)
{
    const float *m = mm_stft_spectrum(a->stft_mid);
    const float *s = a->stereo ? mm_stft_spectrum(a->stft_side) : NULL;
    double w = 1.0;
    if (a->cfg.spectrum_weighting) {
        double e = 0.0;
        for (size_t k = 0; k < a->nbins; k++) {
            e += (double)m[2 * k] * m[2 * k] + (double)m[2 * k + 1] * m[2 * k + 1];
            if (s) e += (double)s[2 * k] * s[2 * k] + (double)s[2 * k + 1] * s[2 * k + 1];
        }
        w = e;
    }
    a->spec_wsum += w;
    if (s) {
        for (size_t k = 0; k < a->nbins; k++) {
            double mr = m[2 * k], mi = m[2 * k + 1], sr = s[2 * k], si = s[2 * k + 1];
            a->acc_mm[k] += w * (mr * mr + mi * mi);
            a->acc_ss[k] += w * (sr * sr + si * si);
            a->acc_ms[k] += w * (mr * sr + mi * si);
        }
    } else {
        for (size_t k = 0; k < a->nbins; k++) {
            double mr = m[2 * k], mi = m[2 * k + 1];
            a->acc_mm[k] += w * (mr * mr + mi * mi);
        }
    }
    a->stft_frames++;
}

static void spectrum_feed(mm_analyzer *a, const float *mid, const float *side, size_t n)
{
    size_t off = 0;
    while (off < n) {
        size_t used = 0, used_s = 0;
        int ready = mm_stft_feed(a->stft_mid, mid + off, n - off, &used);
        if (a->stereo) mm_stft_feed(a->stft_side, side + off, used, &used_s);
        if (ready) spectrum_accumulate(a);
        off += used;
    }
}

static void spectrum_chunk(mm_analyzer *a, size_t n)
{
    if (a->stereo) {
        const float *l = a->scratch[0], *r = a->scratch[1];
        float *MM_RESTRICT m = a->mid, *MM_RESTRICT s = a->side;
        for (size_t i = 0; i < n; i++) {
            m[i] = 0.5f * (l[i] + r[i]);
            s[i] = 0.5f * (l[i] - r[i]);
        }
        spectrum_feed(a, m, s, n);
    } else if (a->nch == 1) {
        spectrum_feed(a, a->scratch[0], NULL, n);
    } else {
        float g = 1.0f / (float)a->nch;
        for (size_t i = 0; i < n; i++) a->mid[i] = 0.0f;
        for (int c = 0; c < a->nch; c++)
            for (size_t i = 0; i < n; i++) a->mid[i] += g * a->scratch[c][i];
        spectrum_feed(a, a->mid, NULL, n);
    }
}

static void process_chunk(mm_analyzer *a, const float *const in[], size_t off, size_t n)
{
    for (int c = 0; c < a->nch; c++) {
        chan_state *s = &a->c[c];
        double r[3];
        s->nonfinite += scan_copy(a->scratch[c], in[c] + off, n, r);
        float pk = (float)r[0];
        s->sum += r[1];
        s->sumsq += r[2];
        if (pk > s->peak) s->peak = pk;
        if (pk >= a->clip_thr || s->clip.len)
            scan_runs(&s->clip, a->scratch[c], n, a->clip_thr, a->frames, a, c, clip_close);
        if (pk > a->silence_thr) {
            const float *x = a->scratch[c];
            size_t i = 0;
            while (fabsf(x[i]) <= a->silence_thr) i++;
            if (!a->has_loud || a->frames + i < a->first_loud) a->first_loud = a->frames + i;
            size_t j = n - 1;
            while (fabsf(x[j]) <= a->silence_thr) j--;
            if (!a->has_loud || a->frames + j > a->last_loud) a->last_loud = a->frames + j;
            a->has_loud = 1;
        }
    }
    mm_truepeak_process(a->tp, (const float *const *)a->scratch, n, a->fpeak);
    int lat = mm_truepeak_latency(a->tp);
    for (int c = 0; c < a->nch; c++) {
        run_state *o = &a->c[c].over;
        if (o->len || mm_truepeak_max(a->tp, c) > a->over_thr) {
            /* fpeak[i] belongs to input frame frames + i - latency */
            uint64_t base = a->frames >= (uint64_t)lat ? a->frames - (uint64_t)lat : 0;
            size_t skip = a->frames >= (uint64_t)lat ? 0 : (size_t)((uint64_t)lat - a->frames);
            if (skip < n)
                scan_runs(o, a->fpeak[c] + skip, n - skip, a->over_thr, base + 0, a, c, over_close);
        }
    }
    mm_loudness_process(a->meter, (const float *const *)a->scratch, n);
    if (a->stereo) stereo_time(a, n);
    spectrum_chunk(a, n);
    a->frames += n;
}

int mm_analyzer_process(mm_analyzer *a, const float *const in[], size_t frames)
{
    if (!a || (!in && frames)) return MM_ERR_INVALID_ARG;
    if (a->finished) return MM_ERR_STATE;
    for (int c = 0; c < a->nch && frames; c++)
        if (!in[c]) return MM_ERR_INVALID_ARG;
    size_t off = 0;
    while (off < frames) {
        size_t n = frames - off < CHUNK ? frames - off : CHUNK;
        process_chunk(a, in, off, n);
        off += n;
    }
    return MM_OK;
}

/* End of stream: push the true-peak interpolator's tail through, close open
 * runs, and transform a zero-padded frame when no full one was seen. */
static void finish_stream(mm_analyzer *a)
{
    int lat = mm_truepeak_latency(a->tp);
    size_t tail = (size_t)lat + 32u; /* latency plus the rest of the filter memory */
    if (tail > CHUNK) tail = CHUNK;
    for (int c = 0; c < a->nch; c++) memset(a->scratch[c], 0, tail * sizeof(float));
    mm_truepeak_process(a->tp, (const float *const *)a->scratch, tail, a->fpeak);
    for (int c = 0; c < a->nch; c++) {
        run_state *o = &a->c[c].over;
        uint64_t base = a->frames >= (uint64_t)lat ? a->frames - (uint64_t)lat : 0;
        size_t skip = a->frames >= (uint64_t)lat ? 0 : (size_t)((uint64_t)lat - a->frames);
        /* only the frames that belong to the real input */
        size_t upto = (size_t)lat < tail ? (size_t)lat : tail;
        if (skip < upto && (o->len || mm_truepeak_max(a->tp, c) > a->over_thr))
            scan_runs(o, a->fpeak[c] + skip, upto - skip, a->over_thr, base, a, c, over_close);
        over_close(a, c);
        clip_close(a, c);
    }
    if (a->stft_frames == 0 && a->frames > 0) {
        /* shorter than one frame: complete it with zeros */
        memset(a->mid, 0, CHUNK * sizeof(float));
        memset(a->side, 0, CHUNK * sizeof(float));
        while (a->stft_frames == 0) spectrum_feed(a, a->mid, a->side, CHUNK);
    }
    if (a->stereo && a->hop_fill) {
        /* the last partial 100 ms hop still counts in the totals (already
         * added); it is not a full window, so it does not enter the series */
        a->hop_fill = 0;
    }
    a->finished = 1;
}

/* Weighted energy of accumulated bins over [lo, hi) Hz, each bin covering
 * [(k - 1/2) df, (k + 1/2) df) and counted by its overlap fraction. */
static double band_energy(const mm_analyzer *a, const double *acc, double lo, double hi)
{
    double df = a->bin_hz;
    size_t k0 = (size_t)floor(lo / df + 0.5);
    size_t k1 = (size_t)floor(hi / df + 0.5);
    if (k1 >= a->nbins) k1 = a->nbins - 1;
    double e = 0.0;
    for (size_t k = k0; k <= k1; k++) {
        double blo = ((double)k - 0.5) * df, bhi = ((double)k + 0.5) * df;
        double olo = blo > lo ? blo : lo, ohi = bhi < hi ? bhi : hi;
        if (ohi > olo) e += acc[k] * (ohi - olo) / df;
    }
    return e;
}

/* Per-bin |L|^2 + |R|^2 style sums for correlation over [lo, hi): out[0] =
 * sum Re(L R*), out[1] = sum |L|^2, out[2] = sum |R|^2, with L = M + S and
 * R = M - S: Re(L R*) = |M|^2 - |S|^2, |L|^2 = |M|^2 + |S|^2 + 2 Re(M S*). */
static void band_lr(const mm_analyzer *a, double lo, double hi, double out[3])
{
    double mm = band_energy(a, a->acc_mm, lo, hi);
    double ss = band_energy(a, a->acc_ss, lo, hi);
    double ms = band_energy(a, a->acc_ms, lo, hi);
    out[0] = mm - ss;
    out[1] = mm + ss + 2.0 * ms;
    out[2] = mm + ss - 2.0 * ms;
}

static mm_measure corr_of(double lr, double ll, double rr)
{
    if (ll <= TINY && rr <= TINY) return mm__none(MM_REASON_SILENT);
    if (ll <= TINY || rr <= TINY) return mm__ok(0.0);
    double v = lr / sqrt(ll * rr);
    return mm__ok(v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v);
}

static void finish_spectrum(const mm_analyzer *a, mm_analysis *r)
{
    double nyq = a->cfg.sample_rate / 2.0;
    /* Parseval for a one-sided spectrum: mean square in a band =
     * 2 sum |X_k|^2 / (N sum w^2) per frame; the AES17 level is 10 log10 of
     * twice that. */
    /* with spectrum_weighting the accumulators hold sum w P: divide by sum w
     * (all-silent weighted input has sum w = 0 and silent accumulators) */
    double frames_eq = a->spec_wsum > 0.0 ? a->spec_wsum : (double)a->stft_frames;
    double norm = 4.0 / (frames_eq * (double)a->nfft * mm_stft_window_power(a->stft_mid));
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++) {
        double fc = 1000.0 * pow(2.0, (double)(b - 17) / 3.0);
        double lo = fc * pow(2.0, -1.0 / 6.0), hi = fc * pow(2.0, 1.0 / 6.0);
        r->band_center_hz[b] = fc;
        if (a->stft_frames == 0) {
            r->mid_band_db[b] = r->side_band_db[b] = r->band_correlation[b] = mm__none(MM_REASON_TOO_SHORT);
            continue;
        }
        if (fc >= nyq) {
            r->mid_band_db[b] = r->side_band_db[b] = r->band_correlation[b] = mm__none(MM_REASON_ABOVE_NYQUIST);
            continue;
        }
        /* a band whose centre is below Nyquist holds what lies below it
         * (the 20 kHz band of a 44.1 kHz file covers 17.96-22.05 kHz) */
        if (hi > nyq) hi = nyq;
        double em = band_energy(a, a->acc_mm, lo, hi) * norm;
        r->mid_band_db[b] = em > TINY ? mm__ok(10.0 * log10(em)) : mm__none(MM_REASON_SILENT);
        if (a->stereo) {
            double es = band_energy(a, a->acc_ss, lo, hi) * norm;
            r->side_band_db[b] = es > TINY ? mm__ok(10.0 * log10(es)) : mm__none(MM_REASON_SILENT);
            double s[3];
            band_lr(a, lo, hi, s);
            r->band_correlation[b] = corr_of(s[0], s[1], s[2]);
        } else {
            r->side_band_db[b] = r->band_correlation[b] = mm__none(MM_REASON_NOT_STEREO);
        }
    }
    double top = BAND_HIGH_HZ < nyq ? BAND_HIGH_HZ : nyq;
    double tot_m = band_energy(a, a->acc_mm, BAND_LOW_HZ, top);
    double tot_s = a->stereo ? band_energy(a, a->acc_ss, BAND_LOW_HZ, top) : 0.0;
    for (int b = 0; b < MM_TONAL_BANDS; b++) {
        double lo = mm_tonal_band_edges_hz[b], hi = mm_tonal_band_edges_hz[b + 1];
        if (a->stft_frames == 0) {
            r->tonal_mid_db[b] = r->tonal_side_db[b] = mm__none(MM_REASON_TOO_SHORT);
            continue;
        }
        if (lo >= nyq) {
            r->tonal_mid_db[b] = r->tonal_side_db[b] = mm__none(MM_REASON_ABOVE_NYQUIST);
            continue;
        }
        if (hi > nyq) hi = nyq;
        double em = band_energy(a, a->acc_mm, lo, hi);
        r->tonal_mid_db[b] = (em > TINY && tot_m > TINY) ? mm__ok(10.0 * log10(em / tot_m)) : mm__none(MM_REASON_SILENT);
        if (a->stereo) {
            double es = band_energy(a, a->acc_ss, lo, hi);
            r->tonal_side_db[b] = (es > TINY && tot_s > TINY) ? mm__ok(10.0 * log10(es / tot_s)) : mm__none(MM_REASON_SILENT);
        } else {
            r->tonal_side_db[b] = mm__none(MM_REASON_NOT_STEREO);
        }
    }
    if (a->stereo && a->stft_frames) {
        double s[3];
        band_lr(a, BAND_LOW_HZ, LOW_END_HZ, s);
        r->correlation_low = corr_of(s[0], s[1], s[2]);
        double mm = band_energy(a, a->acc_mm, BAND_LOW_HZ, LOW_END_HZ);
        double ss = band_energy(a, a->acc_ss, BAND_LOW_HZ, LOW_END_HZ);
        r->side_mid_low_db = (mm > TINY && ss > TINY) ? mm__ok(10.0 * log10(ss / mm)) : mm__none(MM_REASON_SILENT);
    } else {
        r->correlation_low = r->side_mid_low_db = mm__none(a->stereo ? MM_REASON_TOO_SHORT : MM_REASON_NOT_STEREO);
    }
}

static void finish_stereo(const mm_analyzer *a, mm_analysis *r)
{
    if (!a->stereo) {
        r->correlation = r->correlation_min = r->negative_correlation_s = mm__none(MM_REASON_NOT_STEREO);
        r->side_mid_db = r->balance_db = r->mono_fold_lufs = r->mono_loss_db = mm__none(MM_REASON_NOT_STEREO);
        return;
    }
    r->correlation = corr_of(a->tot_lr, a->tot_ll, a->tot_rr);
    r->correlation_min = a->corr_min_valid ? mm__ok(a->corr_min) : mm__none(MM_REASON_SILENT);
    r->negative_correlation_s = a->corr_min_valid ? mm__ok((double)a->neg_hops * (double)a->corr_hop / a->cfg.sample_rate)
                                                  : mm__none(MM_REASON_SILENT);
    /* side/mid energy from the time-domain sums: M^2 = (LL + RR + 2 LR) / 4 */
    double mm = (a->tot_ll + a->tot_rr + 2.0 * a->tot_lr) / 4.0;
    double ss = (a->tot_ll + a->tot_rr - 2.0 * a->tot_lr) / 4.0;
    /* a ratio with a silent side has no finite value in dB */
    if (mm <= TINY) r->side_mid_db = mm__none(ss <= TINY ? MM_REASON_SILENT : MM_REASON_CANCELS);
    else r->side_mid_db = ss > TINY ? mm__ok(10.0 * log10(ss / mm)) : mm__none(MM_REASON_SILENT);
    if (a->tot_ll <= TINY || a->tot_rr <= TINY) r->balance_db = mm__none(MM_REASON_SILENT);
    else r->balance_db = mm__ok(10.0 * log10(a->tot_ll / a->tot_rr));
    r->mono_fold_lufs = mm_loudness_fold_integrated(a->meter);
    if (r->mono_fold_lufs.reason == MM_REASON_NONE && r->integrated_lufs.reason == MM_REASON_NONE)
        r->mono_loss_db = mm__ok(r->integrated_lufs.value - r->mono_fold_lufs.value);
    else
        r->mono_loss_db = mm__none(r->mono_fold_lufs.reason != MM_REASON_NONE ? r->mono_fold_lufs.reason
                                                                          : r->integrated_lufs.reason);
}

int mm_analyzer_finish(mm_analyzer *a, mm_analysis *r)
{
    if (!a || !r) return MM_ERR_INVALID_ARG;
    if (!a->finished) finish_stream(a);
    memset(r, 0, sizeof *r);
    double fs = a->cfg.sample_rate;
    r->sample_rate = fs;
    r->channels = a->nch;
    r->frames = a->frames;
    r->duration_s = (double)a->frames / fs;
    r->dual_mono = a->cfg.dual_mono;
    r->true_peak_oversample = a->cfg.true_peak_oversample;

    r->integrated_lufs = mm_loudness_integrated(a->meter);
    r->loudness_range_lu = mm_loudness_range(a->meter);
    r->momentary_max_lufs = mm_loudness_momentary_max(a->meter);
    r->shortterm_max_lufs = mm_loudness_shortterm_max(a->meter);

    double peak = 0.0, tpeak = 0.0, sumsq = 0.0;
    for (int c = 0; c < a->nch; c++) {
        const chan_state *s = &a->c[c];
        mm_channel_stats *o = &r->ch[c];
        double tp = mm_truepeak_max(a->tp, c);
        if (tp < s->peak) tp = s->peak; /* BS.1770: report max(true, sample) */
        o->sample_peak_dbfs = db_of_amplitude(s->peak);
        o->true_peak_dbtp = db_of_amplitude(tp);
        double ms = a->frames ? s->sumsq / (double)a->frames : 0.0;
        o->rms_dbfs = ms > TINY ? mm__ok(10.0 * log10(ms)) : mm__none(MM_REASON_SILENT);
        o->crest_db = (o->rms_dbfs.reason == MM_REASON_NONE && o->sample_peak_dbfs.reason == MM_REASON_NONE)
                          ? mm__ok(o->sample_peak_dbfs.value - o->rms_dbfs.value)
                          : mm__none(MM_REASON_SILENT);
        o->dc_offset = a->frames ? s->sum / (double)a->frames : 0.0;
        o->clipped_samples = s->clipped;
        o->clip_runs = s->clip_runs;
        o->longest_clip_run = s->longest_clip;
        o->overs = s->overs;
        o->nonfinite_samples = s->nonfinite;
        if (s->peak > peak) peak = s->peak;
        if (tp > tpeak) tpeak = tp;
        sumsq += s->sumsq;
        if (fabs(o->dc_offset) > r->dc_offset_max) r->dc_offset_max = fabs(o->dc_offset);
        r->clipped_samples += s->clipped;
        r->clip_runs += s->clip_runs;
        if (s->longest_clip > r->longest_clip_run) r->longest_clip_run = s->longest_clip;
        r->overs += s->overs;
        r->nonfinite_samples += s->nonfinite;
    }
    r->sample_peak_dbfs = db_of_amplitude(peak);
    r->true_peak_dbtp = db_of_amplitude(tpeak);
    double ms = a->frames ? sumsq / ((double)a->frames * a->nch) : 0.0;
    r->rms_dbfs = ms > TINY ? mm__ok(10.0 * log10(ms)) : mm__none(MM_REASON_SILENT);
    r->crest_db = (r->rms_dbfs.reason == MM_REASON_NONE && r->sample_peak_dbfs.reason == MM_REASON_NONE)
                      ? mm__ok(r->sample_peak_dbfs.value - r->rms_dbfs.value)
                      : mm__none(MM_REASON_SILENT);
    if (r->true_peak_dbtp.reason == MM_REASON_NONE && r->integrated_lufs.reason == MM_REASON_NONE)
        r->plr_db = mm__ok(r->true_peak_dbtp.value - r->integrated_lufs.value);
    else
        r->plr_db = mm__none(r->integrated_lufs.reason != MM_REASON_NONE ? r->integrated_lufs.reason : MM_REASON_SILENT);
    if (r->true_peak_dbtp.reason == MM_REASON_NONE && r->shortterm_max_lufs.reason == MM_REASON_NONE)
        r->psr_db = mm__ok(r->true_peak_dbtp.value - r->shortterm_max_lufs.value);
    else
        r->psr_db = mm__none(r->shortterm_max_lufs.reason != MM_REASON_NONE ? r->shortterm_max_lufs.reason : MM_REASON_SILENT);

    finish_spectrum(a, r);
    finish_stereo(a, r);

    memcpy(r->clip_events, a->clip_ev, sizeof r->clip_events);
    r->clip_event_count = a->clip_ev_n;
    qsort(r->clip_events, r->clip_event_count, sizeof(mm_event), event_cmp);
    memcpy(r->over_events, a->over_ev, sizeof r->over_events);
    r->over_event_count = a->over_ev_n;
    qsort(r->over_events, r->over_event_count, sizeof(mm_event), event_cmp);
    if (a->has_loud) {
        r->leading_silence_s = mm__ok((double)a->first_loud / fs);
        r->trailing_silence_s = mm__ok((double)(a->frames - 1 - a->last_loud) / fs);
    } else {
        r->leading_silence_s = r->trailing_silence_s = mm__none(MM_REASON_SILENT);
    }
    r->loudness_series_count = mm_loudness_series(a->meter, &r->momentary_series, &r->shortterm_series,
                                                  &r->loudness_series_step_s);
    r->correlation_series = a->corr_series;
    r->correlation_series_count = a->stereo ? a->corr_n : 0;
    r->correlation_series_step_s = (double)a->corr_step_hops * (double)a->corr_hop / fs;
    return MM_OK;
}
