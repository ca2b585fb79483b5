/*
 * The mastering chain: mid/side FIR match EQ -> compressor -> gain ->
 * true-peak limiter, and the probe that predicts what the limiter does to
 * loudness at a range of gains, so the gain can be set to reach the target
 * loudness after the limiter. See include/mixmaster/master.h.
 *
 * The probe. The limiter is the only non-linear stage after the gain, and
 * its effect on loudness depends on the gain. One pass over the pre-limiter
 * signal (after EQ and compressor, before the gain) collects, per cell of
 * PROBE_CELL frames, the largest true peak (the limiter's own 8x detector)
 * and the K-weighted energy (BS.1770-4 Annex 1 filters). For each candidate
 * gain G the limiter is then modelled at cell rate: the gain a cell needs
 * is c / (G p) with p the largest peak over the lookahead, released with
 * the limiter's release time, and the cell's energy scales by (G g)^2
 * (K-weighting is linear and the limiter's gain is slow compared with the
 * cell). Every candidate keeps its 100 ms sums and a histogram of 400 ms
 * block loudness (0.02 LU bins), from which the gated integrated loudness
 * follows as in BS.1770-4 (absolute gate -70 LUFS, relative gate -10 LU).
 * Memory is fixed: nothing grows with the length of the programme.
 *
 * A sampled probe sees segments of the mix instead of all of it (the
 * command line's default on long mixes: a quarter of the programme). Each
 * segment starts with frames that only warm the EQ and the compressor up;
 * its 400 ms blocks never span two segments. The probe also meters the
 * input over the same blocks, so that the loudness of the parts it saw can
 * be set against the whole mix's (mm_master_chain_set_input_lufs): every
 * candidate's loudness is shifted by the difference.
 */
#include "mixmaster/master.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/biquad.h"
#include "mixmaster/compressor.h"
#include "mixmaster/fireq.h"
#include "mixmaster/gain.h"
#include "mixmaster/limiter.h"
#include "mixmaster/truepeak.h"
#include "../analyze/kweighting.h"
#include "../dsp/internal.h"

#define CHAIN_CHUNK 4096u
/* Probe cell: 32 frames (0.7 ms at 44.1 kHz), a fraction of the 3 ms
 * lookahead, so the cell-rate model follows the limiter's attack. */
#define PROBE_CELL 32u
#define PROBE_CANDIDATES 16
/* Histogram of block loudness: -70 .. +10 LUFS in 0.02 LU bins. */
#define HIST_LOW (-70.0)
#define HIST_STEP 0.02
#define HIST_BINS 4000
#define PROBE_MAX_LOOKAHEAD_CELLS 64

/* Candidate gains relative to the plan's first estimate, dB. Below 0 covers
 * an EQ that made the programme louder; above covers compressor and limiter
 * losses, up to 18 dB of limiting. */
static const double cand_offset_db[PROBE_CANDIDATES] = {-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 18};

typedef struct probe_cand {
    double g;        /* linear candidate gain */
    double gc;       /* released cell gain */
    double sub;      /* energy of the current 100 ms sub-block */
    double ring[4];  /* the last four sub-blocks */
    unsigned nsub;
    uint32_t count[HIST_BINS];
    double energy[HIST_BINS];
} probe_cand;

struct mm_master_chain {
    mm_master_plan plan;
    double fs;
    int nch;
    mm_fireq *eq;
    mm_compressor *comp;
    mm_limiter *lim;
    double gain_db;
    float **tmp;      /* [nch][CHAIN_CHUNK] */
    float **ms;       /* [2][CHAIN_CHUNK] mid, side */
    /* probe */
    mm_truepeak *tp;
    mm_biquad_cascade *kw; /* K-weighting of a mono probe, else NULL */
    float **fpeak;    /* [nch][CHAIN_CHUNK] */
    probe_cand *cand; /* [PROBE_CANDIDATES] */
    double cth;       /* linear detection ceiling (limiter's) */
    double rel_cell;  /* release coefficient per cell */
    size_t sub_len;   /* frames per 100 ms */
    size_t look_cells;
    /* probe state, cleared by reset */
    double cell_p, cell_e;
    size_t cell_fill, sub_fill;
    double ring_p[PROBE_MAX_LOOKAHEAD_CELLS + 1], ring_e[PROBE_MAX_LOOKAHEAD_CELLS + 1];
    int ring_end[PROBE_MAX_LOOKAHEAD_CELLS + 1];
    size_t cells;     /* cells completed */
    /* sampled probe */
    mm_biquad_cascade *kw_in; /* K-weighting of a mono input, else NULL */
    mm_biquad_coeffs kpre, krlb; /* the K-weighting, for stereo pairs */
    double kz[8], kz_in[8];      /* pair states: the probe's, the input's */
    probe_cand in_cand;       /* the input's blocks (gain 1, no limiter) */
    double in_sub_e;          /* input energy of the current 100 ms sub-block */
    double input_lufs;        /* the whole mix's integrated loudness, or NAN */
    size_t warm_left;         /* frames of the segment that only warm up */
    size_t segments;
};

void mm_master_chain_destroy(mm_master_chain *ch)
{
    if (!ch) return;
    mm_fireq_destroy(ch->eq);
    mm_compressor_destroy(ch->comp);
    mm_limiter_destroy(ch->lim);
    mm_truepeak_destroy(ch->tp);
    mm_biquad_cascade_destroy(ch->kw);
    mm_biquad_cascade_destroy(ch->kw_in);
    mm_planar_free(ch->tmp);
    mm_planar_free(ch->ms);
    mm_planar_free(ch->fpeak);
    free(ch->cand);
    free(ch);
}

/* EQ points of one response: band centres below Nyquist. */
static int set_eq(mm_master_chain *ch, int which)
{
    double hz[MM_MASTER_BANDS], db[MM_MASTER_BANDS];
    size_t n = 0;
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        const mm_master_band *bd = &ch->plan.band[b];
        if (bd->hz >= ch->fs / 2.0) break;
        hz[n] = bd->hz;
        db[n] = which == 0 ? bd->mid_gain_db : bd->side_gain_db;
        n++;
    }
    return mm_fireq_set_response(ch->eq, which, hz, db, n);
}

mm_master_chain *mm_master_chain_create(const mm_master_plan *plan, double sample_rate, int channels, int *err)
{
    int e = MM_ERR_INVALID_ARG;
    mm_master_chain *ch = NULL;
    if (!plan || mm_master_plan_validate(plan, NULL) != MM_OK || !(sample_rate >= 8000.0 && sample_rate <= 384000.0))
        goto fail;
    if (channels < 1 || channels > 2) {
        e = MM_ERR_UNSUPPORTED;
        goto fail;
    }
    e = MM_ERR_NOMEM;
    ch = calloc(1, sizeof *ch);
    if (!ch) goto fail;
    ch->plan = *plan;
    ch->fs = sample_rate;
    ch->nch = channels;
    ch->gain_db = plan->gain_db;
    mm_fireq_config qc = mm_fireq_config_default(sample_rate, channels == 2 ? 2 : 1);
    ch->eq = mm_fireq_create(&qc, &e);
    if (!ch->eq) goto fail;
    e = set_eq(ch, 0);
    if (e == MM_OK && channels == 2) e = set_eq(ch, 1);
    if (e != MM_OK) goto fail;
    if (plan->compressor) {
        mm_compressor_config cc = mm_compressor_config_default(sample_rate, channels);
        cc.threshold_db = plan->comp_threshold_db;
        cc.ratio = plan->comp_ratio;
        cc.knee_db = plan->comp_knee_db;
        cc.attack_ms = plan->comp_attack_ms;
        cc.release_ms = plan->comp_release_ms;
        cc.makeup_db = 0.0;
        ch->comp = mm_compressor_create(&cc, &e);
        if (!ch->comp) goto fail;
    }
    mm_limiter_config lc = mm_limiter_config_default(sample_rate, channels);
    lc.ceiling_dbtp = plan->ceiling_dbtp;
    lc.lookahead_ms = plan->limiter_lookahead_ms;
    lc.release_ms = plan->limiter_release_ms;
    ch->lim = mm_limiter_create(&lc, &e);
    if (!ch->lim) goto fail;
    ch->tmp = mm_planar_alloc(channels, CHAIN_CHUNK, &e);
    ch->ms = mm_planar_alloc(2, CHAIN_CHUNK, &e);
    ch->fpeak = mm_planar_alloc(channels, CHAIN_CHUNK, &e);
    if (!ch->tmp || !ch->ms || !ch->fpeak) {
        e = MM_ERR_NOMEM; /* a later success has overwritten e */
        goto fail;
    }
    /* probe */
    mm_truepeak_config tc = mm_truepeak_config_default(channels);
    /* the probe only estimates loudness: the BS.1770 4x reading suffices */
    tc.oversample = 4;
    ch->tp = mm_truepeak_create(&tc, &e);
    if (!ch->tp) goto fail;
    mm__kweighting_design(sample_rate, &ch->kpre, &ch->krlb);
    if (channels == 1) {
        /* stereo goes through the meter's two-lane filter (kz, kz_in) */
        ch->kw = mm_biquad_cascade_create(1, 2, &e);
        ch->kw_in = ch->kw ? mm_biquad_cascade_create(1, 2, &e) : NULL;
        if (!ch->kw_in) goto fail;
        for (int k = 0; k < 2; k++) {
            mm_biquad_cascade_set(ch->kw, k, k ? &ch->krlb : &ch->kpre);
            mm_biquad_cascade_set(ch->kw_in, k, k ? &ch->krlb : &ch->kpre);
        }
    }
    ch->input_lufs = NAN;
    e = MM_ERR_NOMEM;
    ch->cand = calloc(PROBE_CANDIDATES, sizeof *ch->cand);
    if (!ch->cand) goto fail;
    ch->cth = pow(10.0, (lc.ceiling_dbtp - lc.margin_db) / 20.0);
    ch->rel_cell = 1.0 - exp(-(double)PROBE_CELL / (lc.release_ms * 1e-3 * sample_rate));
    ch->sub_len = (size_t)floor(sample_rate / 10.0 + 0.5);
    ch->look_cells = (size_t)ceil(lc.lookahead_ms * 1e-3 * sample_rate / PROBE_CELL);
    if (ch->look_cells > PROBE_MAX_LOOKAHEAD_CELLS) ch->look_cells = PROBE_MAX_LOOKAHEAD_CELLS;
    mm_master_chain_reset(ch);
    if (err) *err = MM_OK;
    return ch;
fail:
    mm_master_chain_destroy(ch);
    if (err) *err = e;
    return NULL;
}

void mm_master_chain_reset(mm_master_chain *ch)
{
    if (!ch) return;
    mm_fireq_reset(ch->eq);
    if (ch->comp) mm_compressor_reset(ch->comp);
    mm_limiter_reset(ch->lim);
    mm_truepeak_reset(ch->tp);
    mm_biquad_cascade_reset(ch->kw);
    for (int k = 0; k < PROBE_CANDIDATES; k++) {
        probe_cand *c = &ch->cand[k];
        memset(c, 0, sizeof *c);
        c->g = pow(10.0, (ch->plan.gain_db + cand_offset_db[k]) / 20.0);
        c->gc = 1.0;
    }
    ch->cell_p = ch->cell_e = 0.0;
    ch->cell_fill = ch->sub_fill = 0;
    ch->cells = 0;
    mm_biquad_cascade_reset(ch->kw_in);
    memset(ch->kz, 0, sizeof ch->kz);
    memset(ch->kz_in, 0, sizeof ch->kz_in);
    memset(&ch->in_cand, 0, sizeof ch->in_cand);
    ch->in_cand.g = ch->in_cand.gc = 1.0;
    ch->in_sub_e = 0.0;
    ch->warm_left = 0;
    ch->segments = 0;
}

void mm_master_chain_set_gain_db(mm_master_chain *ch, double gain_db)
{
    if (ch && isfinite(gain_db)) ch->gain_db = gain_db;
}

double mm_master_chain_gain_db(const mm_master_chain *ch) { return ch ? ch->gain_db : 0.0; }

size_t mm_master_chain_latency(const mm_master_chain *ch)
{
    return ch ? mm_fireq_latency(ch->eq) + mm_limiter_latency(ch->lim) : 0;
}

double mm_master_chain_eq_response_db(const mm_master_chain *ch, int which, double hz)
{
    if (!ch || which < 0 || which > 1 || (which == 1 && ch->nch != 2)) return 0.0;
    return mm_fireq_response_db(ch->eq, which, hz);
}

double mm_master_chain_limiter_max_db(const mm_master_chain *ch)
{
    return ch ? mm_limiter_max_reduction_db(ch->lim) : 0.0;
}

double mm_master_chain_compressor_max_db(const mm_master_chain *ch)
{
    return (ch && ch->comp) ? mm_compressor_max_reduction_db(ch->comp) : 0.0;
}

/* EQ and compressor of n <= CHAIN_CHUNK frames into ch->tmp. */
static void pre_stages(mm_master_chain *ch, const float *const in[], size_t off, size_t n)
{
    if (ch->nch == 2) {
        const float *l = in[0] + off, *r = in[1] + off;
        float *MM_RESTRICT m = ch->ms[0], *MM_RESTRICT s = ch->ms[1];
        for (size_t i = 0; i < n; i++) {
            m[i] = 0.5f * (l[i] + r[i]);
            s[i] = 0.5f * (l[i] - r[i]);
        }
        mm_fireq_process(ch->eq, ch->ms, (const float *const *)ch->ms, n);
        float *MM_RESTRICT ol = ch->tmp[0], *MM_RESTRICT orr = ch->tmp[1];
        for (size_t i = 0; i < n; i++) {
            ol[i] = m[i] + s[i];
            orr[i] = m[i] - s[i];
        }
    } else {
        memcpy(ch->tmp[0], in[0] + off, n * sizeof(float));
        mm_fireq_process(ch->eq, ch->tmp, (const float *const *)ch->tmp, n);
    }
    if (ch->comp) mm_compressor_process(ch->comp, ch->tmp, (const float *const *)ch->tmp, NULL, 0, n);
}

int mm_master_chain_process(mm_master_chain *ch, float *const out[], const float *const in[], size_t frames)
{
    if (!ch || (frames && (!out || !in))) return MM_ERR_INVALID_ARG;
    const float g = (float)pow(10.0, ch->gain_db / 20.0);
    size_t off = 0;
    while (off < frames) {
        size_t n = frames - off < CHAIN_CHUNK ? frames - off : CHAIN_CHUNK;
        pre_stages(ch, in, off, n);
        for (int c = 0; c < ch->nch; c++) mm_gain_apply(ch->tmp[c], n, g);
        float *o[2] = {out[0] + off, ch->nch == 2 ? out[1] + off : NULL};
        mm_limiter_process(ch->lim, o, (const float *const *)ch->tmp, n);
        off += n;
    }
    return MM_OK;
}

/* Block loudness into a candidate's histogram. */
static void hist_add(probe_cand *c, double energy, double frames)
{
    double ms = energy / frames;
    if (!(ms > 0.0)) return;
    double l = -0.691 + 10.0 * log10(ms);
    if (l < HIST_LOW) return;
    long bin = (long)floor((l - HIST_LOW) / HIST_STEP);
    if (bin >= HIST_BINS) bin = HIST_BINS - 1;
    c->count[bin]++;
    c->energy[bin] += ms;
}

/* A 100 ms sub-block of a candidate is complete: its 400 ms block (the last
 * four sub-blocks, BS.1770-4 Annex 1: 75 % overlap) goes to the histogram. */
static void sub_close(probe_cand *c, size_t sub_len)
{
    c->ring[c->nsub % 4] = c->sub;
    c->nsub++;
    c->sub = 0.0;
    if (c->nsub >= 4) hist_add(c, c->ring[0] + c->ring[1] + c->ring[2] + c->ring[3], 4.0 * (double)sub_len);
}

/* One cell leaves the lookahead window: model the limiter on it. */
static void probe_cell(mm_master_chain *ch, double pmax, double e, int sub_end)
{
    const double cth = ch->cth, rel = ch->rel_cell;
    for (int k = 0; k < PROBE_CANDIDATES; k++) {
        probe_cand *c = &ch->cand[k];
        double p = pmax * c->g;
        double req = p > cth ? cth / p : 1.0;
        c->gc = req <= c->gc ? req : c->gc + (req - c->gc) * rel;
        double gg = c->g * c->gc;
        c->sub += e * gg * gg;
        if (sub_end) sub_close(c, ch->sub_len);
    }
}

/* A cell is complete: queue it, and release the one a lookahead back. */
static void cell_done(mm_master_chain *ch, int sub_end)
{
    const size_t W = ch->look_cells + 1;
    size_t slot = ch->cells % W;
    ch->ring_p[slot] = ch->cell_p;
    ch->ring_e[slot] = ch->cell_e;
    ch->ring_end[slot] = sub_end;
    ch->cells++;
    if (ch->cells >= W) {
        size_t old = ch->cells % W; /* the oldest of the W queued cells */
        double pmax = 0.0;
        for (size_t j = 0; j < W; j++) pmax = ch->ring_p[j] > pmax ? ch->ring_p[j] : pmax;
        probe_cell(ch, pmax, ch->ring_e[old], ch->ring_end[old]);
    }
    ch->cell_p = ch->cell_e = 0.0;
    ch->cell_fill = 0;
}

int mm_master_chain_probe(mm_master_chain *ch, const float *const in[], size_t frames)
{
    if (!ch || (frames && !in)) return MM_ERR_INVALID_ARG;
    size_t off = 0;
    while (off < frames) {
        size_t n = frames - off < CHAIN_CHUNK ? frames - off : CHAIN_CHUNK;
        pre_stages(ch, in, off, n);
        mm_truepeak_process(ch->tp, (const float *const *)ch->tmp, n, ch->fpeak);
        if (ch->nch == 2)
            mm__kweight_pair_filter(&ch->kpre, &ch->krlb, ch->kz, ch->tmp[0], ch->tmp[1], ch->tmp[0], ch->tmp[1], n);
        else
            mm_biquad_cascade_process(ch->kw, ch->tmp, (const float *const *)ch->tmp, n);
        if (ch->segments) {
            /* the input's K-weighted signal, into ch->ms (free after pre_stages) */
            if (ch->nch == 2) {
                mm__kweight_pair_filter(&ch->kpre, &ch->krlb, ch->kz_in, in[0] + off, in[1] + off, ch->ms[0],
                                        ch->ms[1], n);
            } else {
                const float *src[1] = {in[0] + off};
                mm_biquad_cascade_process(ch->kw_in, ch->ms, src, n);
            }
        }
        /* the warm-up of a segment feeds the filters, not the statistics */
        size_t i = ch->warm_left < n ? ch->warm_left : n;
        ch->warm_left -= i;
        while (i < n) {
            size_t k = PROBE_CELL - ch->cell_fill;
            if (k > ch->sub_len - ch->sub_fill) k = ch->sub_len - ch->sub_fill;
            if (k > n - i) k = n - i;
            float pk = (float)ch->cell_p;
            double e = 0.0, ein = 0.0;
            for (int c = 0; c < ch->nch; c++) {
                const float *fp = ch->fpeak[c] + i, *y = ch->tmp[c] + i;
                float ec = 0.0f;
                for (size_t j = 0; j < k; j++) {
                    pk = fp[j] > pk ? fp[j] : pk;
                    ec += y[j] * y[j];
                }
                e += ec;
                if (ch->segments) {
                    const float *x = ch->ms[c] + i;
                    float ei = 0.0f;
                    for (size_t j = 0; j < k; j++) ei += x[j] * x[j];
                    ein += ei;
                }
            }
            ch->cell_p = pk;
            ch->cell_e += e;
            ch->in_sub_e += ein;
            ch->cell_fill += k;
            ch->sub_fill += k;
            i += k;
            int sub_end = ch->sub_fill == ch->sub_len;
            if (sub_end) {
                ch->sub_fill = 0;
                if (ch->segments) {
                    ch->in_cand.sub = ch->in_sub_e;
                    ch->in_sub_e = 0.0;
                    sub_close(&ch->in_cand, ch->sub_len);
                }
            }
            if (ch->cell_fill == PROBE_CELL || sub_end) cell_done(ch, sub_end);
        }
        off += n;
    }
    return MM_OK;
}

int mm_master_chain_probe_segment(mm_master_chain *ch, size_t warmup_frames)
{
    if (!ch) return MM_ERR_INVALID_ARG;
    /* the input's filter state is clear: reset cleared it, and nothing
     * runs it before the first segment */
    ch->segments++;
    /* blocks, cells and the limiter model start again; histograms stay */
    for (int k = 0; k < PROBE_CANDIDATES; k++) {
        probe_cand *c = &ch->cand[k];
        c->gc = 1.0;
        c->sub = 0.0;
        c->nsub = 0;
    }
    ch->in_cand.sub = 0.0;
    ch->in_cand.nsub = 0;
    ch->in_sub_e = 0.0;
    ch->cell_p = ch->cell_e = 0.0;
    ch->cell_fill = ch->sub_fill = 0;
    ch->cells = 0;
    ch->warm_left = warmup_frames;
    return MM_OK;
}

void mm_master_chain_set_input_lufs(mm_master_chain *ch, double lufs)
{
    if (ch) ch->input_lufs = lufs;
}

/* Gated integrated loudness of a candidate's histogram; -INFINITY if none. */
static double hist_integrated(const probe_cand *c)
{
    double e = 0.0, n = 0.0;
    for (int b = 0; b < HIST_BINS; b++) {
        e += c->energy[b];
        n += c->count[b];
    }
    if (n <= 0.0) return -INFINITY;
    double gate = -0.691 + 10.0 * log10(e / n) - 10.0;
    double e2 = 0.0, n2 = 0.0;
    for (int b = 0; b < HIST_BINS; b++) {
        double centre = HIST_LOW + (b + 0.5) * HIST_STEP;
        if (centre < gate) continue;
        e2 += c->energy[b];
        n2 += c->count[b];
    }
    return n2 > 0.0 ? -0.691 + 10.0 * log10(e2 / n2) : -INFINITY;
}

int mm_master_chain_probe_gain(const mm_master_chain *ch, double *gain_db, double *slope)
{
    if (!ch || !gain_db) return MM_ERR_INVALID_ARG;
    double L[PROBE_CANDIDATES], G[PROBE_CANDIDATES];
    /* a sampled probe: the parts it saw against the whole mix */
    double bias = 0.0;
    if (ch->segments && isfinite(ch->input_lufs)) {
        double seen = hist_integrated(&ch->in_cand);
        if (isfinite(seen)) bias = seen - ch->input_lufs;
    }
    for (int k = 0; k < PROBE_CANDIDATES; k++) {
        L[k] = hist_integrated(&ch->cand[k]) - bias;
        G[k] = ch->plan.gain_db + cand_offset_db[k];
    }
    if (!isfinite(L[0])) return MM_ERR_NO_VALUE;
    const double T = ch->plan.target_lufs;
    double s = 1.0, g;
    if (T <= L[0]) {
        /* quieter than every candidate: below them the limiter is idle */
        g = G[0] - (L[0] - T);
    } else {
        int k = 0;
        while (k + 1 < PROBE_CANDIDATES && L[k + 1] < T) k++;
        if (k + 1 == PROBE_CANDIDATES) {
            /* the target is out of reach of 18 dB of limiting: take the loudest */
            g = G[k];
            s = k > 0 ? (L[k] - L[k - 1]) / (G[k] - G[k - 1]) : 1.0;
            *gain_db = g;
            if (slope) *slope = s;
            return MM_ERR_NO_VALUE;
        }
        s = (L[k + 1] - L[k]) / (G[k + 1] - G[k]);
        g = s > 1e-6 ? G[k] + (T - L[k]) / s : G[k];
    }
    *gain_db = g;
    if (slope) *slope = s;
    return MM_OK;
}
