/*
 * The automix rules engine: stem features and masking in, a plan out.
 * Every move records the measured figure that triggered it. No audio here,
 * so every rule can be tested with hand-made features.
 */
#include "mixmaster/automix.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/internal.h"

/* Pan magnitudes handed to the pairs of similar stems, most similar first. */
static const double pair_pans[] = {0.6, 0.4, 0.8, 0.3, 0.5, 0.7, 0.35, 0.55, 0.75, 0.45};
/* Tonal bands for the L/R balance check (DOMAIN.md section 2). */
static const double balance_edges_hz[5] = {0.0, 250.0, 2000.0, 8000.0, 1e9};
/* Compression: the gain reduction wanted at the 90th percentile of the
 * 10 ms peak level (DOMAIN.md section 5: 3-4 dB). */
#define COMP_TARGET_GR_DB 3.5
/* Ducking ratio: high, so the depth is set by the threshold. */
#define DUCK_RATIO 10.0
/* A stem "sustains" when at least half of its active 10 ms blocks lie
 * within 10 dB of its active RMS (a held bass note; kick hits do not). */
#define SUSTAIN_MIN 0.5

mm_automix_config mm_automix_config_default(void)
{
    mm_automix_config c;
    c.target_lufs = -23.0;
    c.peak_target_dbfs = -6.0;
    c.gain_min_db = -24.0;
    c.gain_max_db = 12.0;
    c.balance_tolerance = 0.05;
    c.mask_m_db = 3.0;
    c.mask_mcf = 0.35;
    c.max_cuts = 3;
    c.max_cut_db = 6.0;
    c.cut_q = 2.0;
    c.carve_max_db = 3.0;
    c.duck_min_db = 3.0;
    c.duck_max_db = 6.0;
    c.duck_attack_ms = 5.0;
    c.duck_release_ms = 110.0;
    c.use_pan = c.use_highpass = c.use_cuts = c.use_carve = c.use_duck = c.use_compression = 1;
    return c;
}

static const char *const eq_kind_names[] = {"highpass", "cut", "carve", "peak", "lowpass"};

const char *mm_automix_eq_kind_name(mm_automix_eq_kind k)
{
    return (k >= 0 && k <= MM_AUTOMIX_EQ_LOWPASS) ? eq_kind_names[k] : "peak";
}

int mm_automix_eq_kind_parse(const char *s, mm_automix_eq_kind *out)
{
    for (int k = 0; s && k <= MM_AUTOMIX_EQ_LOWPASS; k++)
        if (!strcmp(s, eq_kind_names[k])) {
            *out = (mm_automix_eq_kind)k;
            return MM_OK;
        }
    return MM_ERR_INVALID_ARG;
}

mm_automix_plan *mm_automix_plan_create(int stems, int *err)
{
    if (stems < 1 || stems > MM_AUTOMIX_MAX_STEMS) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_automix_plan *p = calloc(1, sizeof *p);
    if (!p) {
        if (err) *err = MM_ERR_NOMEM;
        return NULL;
    }
    mm_automix_config c = mm_automix_config_default();
    p->target_lufs = c.target_lufs;
    p->peak_target_dbfs = c.peak_target_dbfs;
    p->stem_count = stems;
    for (int i = 0; i < stems; i++) p->stem[i].channels = 1;
    if (err) *err = MM_OK;
    return p;
}

void mm_automix_plan_destroy(mm_automix_plan *p) { free(p); }

static void say(char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, MM_AUTOMIX_REASON_LEN, fmt, ap);
    va_end(ap);
}

static int eq_design(const mm_automix_eq *e, double fs, mm_biquad_coeffs *c)
{
    switch (e->kind) {
    case MM_AUTOMIX_EQ_HIGHPASS: return mm_biquad_design(c, MM_BIQUAD_HIGHPASS, fs, e->freq_hz, e->q, 0.0);
    case MM_AUTOMIX_EQ_LOWPASS: return mm_biquad_design(c, MM_BIQUAD_LOWPASS, fs, e->freq_hz, e->q, 0.0);
    default: return mm_biquad_design(c, MM_BIQUAD_PEAK, fs, e->freq_hz, e->q, e->gain_db);
    }
}

double mm_automix_eq_response_db(const mm_automix_stem *s, double sample_rate, double freq_hz)
{
    double db = 0;
    for (int k = 0; s && k < s->eq_count; k++) {
        mm_biquad_coeffs c;
        if (eq_design(&s->eq[k], sample_rate, &c) == MM_OK) db += mm_biquad_response_db(&c, sample_rate, freq_hz);
    }
    return db;
}

void mm_automix_pan_gains(const mm_automix_stem *s, double *left, double *right)
{
    double p = s->pan < -1 ? -1 : s->pan > 1 ? 1 : s->pan;
    double th = (p + 1.0) * M_PI / 4.0;
    if (s->channels == 2 && !s->fold_to_mono) {
        /* balance a stereo stem so it ends at `pan` from where it measured:
         * tan(th_a) = tan(th) * sqrt(E_L / E_R) */
        double r = pow(10.0, s->input_balance_db / 20.0);
        th = atan2(sin(th) * r, cos(th));
    }
    *left = cos(th);
    *right = sin(th);
}

double mm_automix_master_gain_db(const mm_automix_plan *plan, double bus_true_peak_dbtp)
{
    if (!plan || !isfinite(bus_true_peak_dbtp)) return 0.0;
    double g = plan->peak_target_dbfs - bus_true_peak_dbtp;
    return g < 0 ? g : 0.0;
}

/* Loudness change (dB) a stem's EQ causes: K-weighted band powers with the
 * EQ's response over without. */
static double eq_loudness_change(const mm_automix_stem *s, const mm_stem_features *f)
{
    if (!s->eq_count) return 0.0;
    double a = 0, b = 0;
    for (int k = 0; k < f->bands; k++) {
        if (f->kband_db[k] < -250) continue;
        double p = pow(10.0, f->kband_db[k] / 10.0);
        a += p * pow(10.0, mm_automix_eq_response_db(s, f->sample_rate, f->band_hz[k]) / 10.0);
        b += p;
    }
    return (a > 0 && b > 0) ? 10.0 * log10(a / b) : 0.0;
}

/* Loudness change (dB) of the pan: a mono or folded stem keeps its power
 * (cos^2 + sin^2 = 1); a stereo stem's channels are weighted. */
static double pan_loudness_change(const mm_automix_stem *s, const mm_stem_features *f)
{
    if (s->channels != 2 || s->fold_to_mono) return 0.0;
    double l, r;
    mm_automix_pan_gains(s, &l, &r);
    double el = f->k_energy[0], er = f->k_energy[1];
    if (!(el + er > 0)) return 0.0;
    double e = l * l * el + r * r * er;
    return e > 0 ? 10.0 * log10(e / (el + er)) : 0.0;
}

static int is_drum(mm_role r)
{
    return r == MM_ROLE_KICK || r == MM_ROLE_SNARE || r == MM_ROLE_HATS || r == MM_ROLE_DRUMS || r == MM_ROLE_PERC;
}

static int is_vocal(mm_role r) { return r == MM_ROLE_LEAD_VOCAL || r == MM_ROLE_BACKING_VOCAL; }

static int always_centred(mm_role r)
{
    return r == MM_ROLE_KICK || r == MM_ROLE_SNARE || r == MM_ROLE_BASS || r == MM_ROLE_LEAD_VOCAL ||
           r == MM_ROLE_LEAD;
}

/* Spectral similarity of two stems: correlation of their ERB spectra (dB)
 * over the bands where either is within 60 dB of its strongest band. */
static double similarity(const mm_stem_features *a, const mm_stem_features *b)
{
    double ma = -1e9, mb = -1e9;
    for (int k = 0; k < a->bands; k++) {
        if (a->erb_db[k] > ma) ma = a->erb_db[k];
        if (b->erb_db[k] > mb) mb = b->erb_db[k];
    }
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
    for (int k = 0; k < a->bands && k < b->bands; k++) {
        if (a->erb_db[k] < ma - 60 && b->erb_db[k] < mb - 60) continue;
        double x = fmax(a->erb_db[k], ma - 60) - ma, y = fmax(b->erb_db[k], mb - 60) - mb;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
        n++;
    }
    if (n < 2) return 0;
    double vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
    return (vx > 0 && vy > 0) ? (sxy - sx * sy / n) / sqrt(vx * vy) : 0;
}

/* Predicted L/R balance, overall (band < 0) or in one of the four bands:
 * sum of w_i sin(p_i pi / 2) over sum of w_i, w_i the stem's power in the
 * mix (its target loudness spread over its K-weighted spectrum). */
static double balance_of(const mm_automix_plan *p, const mm_automix_input *in, int n, int band, double scale)
{
    double num = 0, den = 0;
    for (int i = 0; i < n; i++) {
        const mm_automix_stem *s = &p->stem[i];
        const mm_stem_features *f = in[i].features;
        if (s->silent) continue;
        double w = 0, tot = 0;
        for (int k = 0; k < f->bands; k++) {
            if (f->kband_db[k] < -250) continue;
            /* the stem's band powers after its EQ (its loudness is kept) */
            double e = pow(10.0, (f->kband_db[k] + mm_automix_eq_response_db(s, f->sample_rate, f->band_hz[k])) / 10.0);
            tot += e;
            if (band < 0 || (f->band_hz[k] >= balance_edges_hz[band] && f->band_hz[k] < balance_edges_hz[band + 1]))
                w += e;
        }
        if (!(tot > 0)) continue;
        w = w / tot * pow(10.0, s->target_lufs / 10.0);
        num += w * sin(s->pan * scale * M_PI / 2.0);
        den += w;
    }
    return den > 0 ? num / den : 0.0;
}

static double worst_balance(const mm_automix_plan *p, const mm_automix_input *in, int n, double scale)
{
    double worst = fabs(balance_of(p, in, n, -1, scale));
    for (int b = 0; b < 4; b++) worst = fmax(worst, fabs(balance_of(p, in, n, b, scale)));
    return worst;
}

static void decide_pan(const mm_automix_config *cfg, const mm_automix_input *in, int n, mm_automix_plan *p)
{
    int spread[MM_AUTOMIX_MAX_STEMS], ns = 0;
    for (int i = 0; i < n; i++) {
        mm_automix_stem *s = &p->stem[i];
        const mm_stem_features *f = in[i].features;
        s->pan = 0.0;
        if (s->silent) {
            say(s->pan_reason, "centred: silent");
        } else if (!cfg->use_pan) {
            say(s->pan_reason, "centred: panning is off");
        } else if (always_centred(s->role)) {
            say(s->pan_reason, "centred: %s is a centre element", mm_role_name(s->role));
        } else if (f->low_fraction > 0.5) {
            say(s->pan_reason, "centred: %.0f %% of its power lies below 200 Hz", 100.0 * f->low_fraction);
        } else {
            spread[ns++] = i;
        }
    }
    /* pair the most similar stems first and put each pair on opposite sides */
    int used[MM_AUTOMIX_MAX_STEMS] = {0}, pairs = 0;
    for (;;) {
        int ba = -1, bb = -1;
        double best = -2;
        for (int x = 0; x < ns; x++)
            for (int y = x + 1; y < ns; y++) {
                if (used[x] || used[y]) continue;
                double sim = similarity(in[spread[x]].features, in[spread[y]].features);
                if (sim > best) {
                    best = sim;
                    ba = x;
                    bb = y;
                }
            }
        if (ba < 0) break;
        used[ba] = used[bb] = 1;
        int i = spread[ba], j = spread[bb];
        double mag = pair_pans[pairs % (int)(sizeof pair_pans / sizeof pair_pans[0])];
        /* the brighter stem alternates sides from pair to pair */
        const mm_stem_features *fi = in[i].features, *fj = in[j].features;
        int i_bright = fi->centroid_hz.value >= fj->centroid_hz.value;
        double side_i = ((pairs % 2 == 0) == i_bright) ? 1.0 : -1.0;
        /* the louder one moves nearer the centre so the pair balances:
         * w_i sin(p_i pi/2) = w_j sin(p_j pi/2) */
        double wi = pow(10.0, p->stem[i].target_lufs / 10.0), wj = pow(10.0, p->stem[j].target_lufs / 10.0);
        double pi_ = mag, pj = mag;
        if (wi > wj) pi_ = 2.0 / M_PI * asin(wj / wi * sin(mag * M_PI / 2.0));
        else if (wj > wi) pj = 2.0 / M_PI * asin(wi / wj * sin(mag * M_PI / 2.0));
        p->stem[i].pan = side_i * pi_;
        p->stem[j].pan = -side_i * pj;
        say(p->stem[i].pan_reason, "spread: most like %s (spectral similarity %.2f), placed opposite it",
            p->stem[j].name, best);
        say(p->stem[j].pan_reason, "spread: most like %s (spectral similarity %.2f), placed opposite it",
            p->stem[i].name, best);
        pairs++;
    }
    for (int x = 0; x < ns; x++)
        if (!used[x]) say(p->stem[spread[x]].pan_reason, "centred: no partner to balance it");
    /* keep the balance within tolerance overall and per band: narrow every
     * spread pan by a common factor if needed */
    /* the widest common scale (bisection) whose worst balance is in tolerance */
    double scale = 1.0;
    if (worst_balance(p, in, n, 1.0) > cfg->balance_tolerance) {
        double lo = 0.0, hi = 1.0;
        for (int it = 0; it < 40; it++) {
            double mid = 0.5 * (lo + hi);
            if (worst_balance(p, in, n, mid) <= cfg->balance_tolerance) lo = mid;
            else hi = mid;
        }
        scale = lo;
    }
    if (scale < 1.0)
        for (int x = 0; x < ns; x++) {
            mm_automix_stem *s = &p->stem[spread[x]];
            s->pan *= scale;
            size_t len = strlen(s->pan_reason);
            snprintf(s->pan_reason + len, MM_AUTOMIX_REASON_LEN - len, "; narrowed to %.0f %% to keep L/R balance",
                     100 * scale);
        }
    p->balance = balance_of(p, in, n, -1, 1.0);
    for (int b = 0; b < 4; b++) p->band_balance[b] = balance_of(p, in, n, b, 1.0);
}

static int add_eq(mm_automix_stem *s, mm_automix_eq_kind kind, double hz, double q, double gain_db)
{
    if (s->eq_count >= MM_AUTOMIX_MAX_EQ) return -1;
    mm_automix_eq *e = &s->eq[s->eq_count++];
    e->kind = kind;
    e->freq_hz = hz;
    e->q = q;
    e->gain_db = gain_db;
    e->reason[0] = 0;
    return s->eq_count - 1;
}

static void decide_highpass(const mm_automix_config *cfg, const mm_automix_input *in, int n, mm_automix_plan *p)
{
    for (int i = 0; i < n && cfg->use_highpass; i++) {
        mm_automix_stem *s = &p->stem[i];
        const mm_stem_features *f = in[i].features;
        if (s->silent || s->role == MM_ROLE_KICK || s->role == MM_ROLE_BASS || f->low_cut_hz.reason != MM_REASON_NONE)
            continue;
        /* an octave below where the power starts: the 12 dB/oct slope takes
         * 0.26 dB there and leaves the stem's own low end alone; capped at
         * 300 Hz so a bright stem keeps its body */
        double hz = fmin(0.5 * f->low_cut_hz.value, 300.0);
        if (hz < 30.0) continue;
        int k = add_eq(s, MM_AUTOMIX_EQ_HIGHPASS, hz, 0.7071, 0.0);
        if (k >= 0)
            say(s->eq[k].reason, "no useful low end: 0.1 %% of its power lies below %.0f Hz", f->low_cut_hz.value);
    }
}

/* Predicted per-band change of a stem's level: its EQ plus the gain that
 * makes up the loudness the EQ takes. */
static void level_shift(const mm_automix_stem *s, const mm_stem_features *f, double *shift)
{
    double makeup = -eq_loudness_change(s, f);
    for (int k = 0; k < f->bands; k++) shift[k] = mm_automix_eq_response_db(s, f->sample_rate, f->band_hz[k]) + makeup;
}

/* Kick and bass, judged where the moves act: at the kick's strokes (the
 * frames within 6 dB of its loudest, mm_masking_pair_peaks), 30-250 Hz.
 * Over all frames the figure counts the kick's decay, which the bass masks
 * by 10-20 dB and which neither a cut of at most 3 dB nor a duck that
 * follows the kick's envelope can clear: there it stayed above the trigger
 * after the moves (5.0 -> 4.7 dB on the corpus song), and a second run on
 * the result carved and ducked again. At the strokes the same thresholds
 * hold, and after the moves the figure falls under them.
 * Carve the bass at the kick fundamental by min(carve_max_db, M/2); if the
 * masking predicted after the cut (and the gain that makes up its
 * loudness) still passes the trigger and the bass sustains, duck the bass
 * from the kick by duck_max_db. The duck acts on the strokes only and the
 * STFT frames (93 ms) straddle them: on the corpus's 808 song each dB of
 * duck depth lowers M at the strokes by about 0.15 dB, so a shallower duck
 * leaves the figure above the trigger and a second run ducking again. A
 * bass that masks the strokes by more than these capped moves clear (M
 * above about 3.7 dB there) is moved again by a second run. */
static void decide_kick_bass(const mm_automix_config *cfg, const mm_automix_input *in, int n,
                             const mm_masking *mk, const double *G, mm_automix_plan *p)
{
    for (int b = 0; b < n; b++) {
        mm_automix_stem *bs = &p->stem[b];
        const mm_stem_features *bf = in[b].features;
        if (bs->role != MM_ROLE_BASS || bs->silent) continue;
        for (int k = 0; k < n; k++) {
            mm_automix_stem *ks = &p->stem[k];
            const mm_stem_features *kf = in[k].features;
            if (ks->role != MM_ROLE_KICK || ks->silent) continue;
            mm_masking_result r;
            if (mm_masking_pair_peaks(mk, b, k, G[b], G[k], 30.0, 250.0, NULL, &r) != MM_OK || r.cells <= 0) continue;
            if (!(r.mcf > cfg->mask_mcf && r.m_db > cfg->mask_m_db)) continue;
            double f0 = kf->low_peak_hz.reason == MM_REASON_NONE ? kf->low_peak_hz.value : 60.0;
            double depth = fmin(cfg->carve_max_db, r.m_db / 2.0);
            double shift[MM_ERB_MAX_BANDS] = {0};
            if (cfg->use_carve) {
                int e = add_eq(bs, MM_AUTOMIX_EQ_CARVE, f0, 2.0, -depth);
                if (e < 0) continue;
                say(bs->eq[e].reason,
                    "masks %s at its strokes (frames within 6 dB of its loudest), 30-250 Hz: M %.1f dB, MCF %.2f; "
                    "cut at its fundamental %.0f Hz",
                    ks->name, r.m_db, r.mcf, f0);
                level_shift(bs, bf, shift);
            }
            mm_masking_result r2;
            mm_masking_pair_peaks(mk, b, k, G[b], G[k], 30.0, 250.0, shift, &r2);
            if (cfg->use_duck && !bs->duck.enabled && r2.mcf > cfg->mask_mcf && r2.m_db > cfg->mask_m_db &&
                bf->sustain >= SUSTAIN_MIN && kf->peak10_p90_dbfs.reason == MM_REASON_NONE) {
                double d = cfg->duck_max_db;
                bs->duck.enabled = 1;
                bs->duck.key = k;
                bs->duck.depth_db = d;
                bs->duck.ratio = DUCK_RATIO;
                /* full depth when the kick reaches its 10 ms peak P90:
                 * (1 - 1/R) (P90 - T) = depth */
                bs->duck.threshold_db = kf->peak10_p90_dbfs.value - d / (1.0 - 1.0 / DUCK_RATIO);
                bs->duck.attack_ms = cfg->duck_attack_ms;
                bs->duck.release_ms = cfg->duck_release_ms;
                say(bs->duck.reason,
                    "masking of %s at its strokes persists after the cut (predicted M %.1f dB, MCF %.2f) and the "
                    "bass sustains (%.2f)",
                    ks->name, r2.m_db, r2.mcf, bf->sustain);
            }
        }
    }
}

/* Masking cuts on the masker, one at a time: take the pair (a -> b) whose
 * masking is still high, predicted with a's cuts so far and the gain that
 * makes up their loudness; try a cut in the bands where b loses most and
 * keep the first that lowers the pair's predicted M (by 0.25 dB) or MCF (by
 * 0.02): on a broadband masker a cut plus its make-up can raise masking
 * elsewhere, and such a cut is not made. A pair no cut helps is left alone.
 * Stopping once no pair is high, or no cut helps, keeps a second run on
 * the result from cutting again. */
static void decide_cuts(const mm_automix_config *cfg, const mm_automix_input *in, int n, const mm_masking *mk,
                        const double *G, mm_automix_plan *p)
{
    if (!cfg->use_cuts || cfg->max_cuts <= 0) return;
    for (int a = 0; a < n; a++) {
        mm_automix_stem *sa = &p->stem[a];
        const mm_stem_features *fa = in[a].features;
        if (sa->silent || sa->role == MM_ROLE_KICK) continue;
        int cut_bands[8] = {0}, ncut = 0, hopeless[MM_AUTOMIX_MAX_STEMS] = {0};
        while (ncut < cfg->max_cuts && ncut < 3) {
            double shift[MM_ERB_MAX_BANDS];
            level_shift(sa, fa, shift);
            int wb = -1;
            mm_masking_result wr = {0, 0, 0};
            for (int b = 0; b < n; b++) {
                mm_automix_stem *sb = &p->stem[b];
                if (b == a || sb->silent || hopeless[b]) continue;
                if (mm_role_offset_lu(sb->role) < mm_role_offset_lu(sa->role)) continue; /* b matters less */
                if (sa->role == MM_ROLE_BASS && sb->role == MM_ROLE_KICK) continue;     /* the carve's job */
                mm_masking_result r;
                if (mm_masking_pair(mk, a, b, G[a], G[b], 0.0, 1e9, shift, &r) != MM_OK) continue;
                if (r.m_db > cfg->mask_m_db && r.mcf > cfg->mask_mcf && r.m_db > wr.m_db) {
                    wr = r;
                    wb = b;
                }
            }
            if (wb < 0) break;
            int tried[MM_ERB_MAX_BANDS] = {0}, accepted = 0;
            for (int attempt = 0; attempt < 6 && !accepted; attempt++) {
                /* the band where b loses most: mean MSR weighted by how often b is there */
                int best = -1;
                double score = 0, best_msr = 0;
                for (int k = 0; k < fa->bands; k++) {
                    if (tried[k] || fa->band_hz[k] < 40.0 || fa->band_hz[k] > 16000.0) continue;
                    int near = 0;
                    for (int u = 0; u < ncut; u++)
                        if (abs(cut_bands[u] - k) < 2) near = 1;
                    if (near) continue;
                    mm_masking_result r;
                    mm_masking_pair(mk, a, wb, G[a], G[wb], fa->band_hz[k], fa->band_hz[k], shift, &r);
                    if (r.m_db <= cfg->mask_m_db) continue;
                    if (r.m_db * r.cells > score) {
                        score = r.m_db * r.cells;
                        best = k;
                        best_msr = r.m_db;
                    }
                }
                if (best < 0) break;
                tried[best] = 1;
                int e = add_eq(sa, MM_AUTOMIX_EQ_CUT, fa->band_hz[best], cfg->cut_q, -fmin(best_msr, cfg->max_cut_db));
                if (e < 0) break;
                double after_shift[MM_ERB_MAX_BANDS];
                level_shift(sa, fa, after_shift);
                mm_masking_result r2;
                mm_masking_pair(mk, a, wb, G[a], G[wb], 0.0, 1e9, after_shift, &r2);
                if (r2.m_db <= wr.m_db - 0.25 || r2.mcf <= wr.mcf - 0.02) {
                    say(sa->eq[e].reason, "masks %s: M %.1f dB, MCF %.2f; worst at %.0f Hz (MSR %.1f dB); predicted after: M %.1f dB, MCF %.2f",
                        p->stem[wb].name, wr.m_db, wr.mcf, fa->band_hz[best], best_msr, r2.m_db, r2.mcf);
                    cut_bands[ncut++] = best;
                    accepted = 1;
                } else {
                    sa->eq_count--; /* this cut does not help b */
                }
            }
            if (!accepted) hopeless[wb] = 1;
        }
    }
}

/* Role norms for compression. Sustained parts: P90 - P10 of the 10 ms RMS
 * levels where the stem plays; drums: crest factor. Ratios from DOMAIN.md
 * section 5. The norms are our choice: a spread or crest beyond them is
 * what an engineer would hear as uneven. */
static void comp_norm(mm_role r, double *limit, int *by_crest, double *ratio)
{
    *by_crest = 0;
    if (is_vocal(r)) {
        *limit = 14.0;
        *ratio = 4.0;
    } else if (r == MM_ROLE_BASS) {
        *limit = 12.0;
        *ratio = 5.0;
    } else if (is_drum(r)) {
        *limit = 26.0;
        *by_crest = 1;
        *ratio = 6.0;
    } else {
        *limit = 18.0;
        *ratio = 4.0;
    }
}

/* Loudness lost to a compressor with make-up 0, from the distribution of
 * 10 ms peak levels (each block weighted by its power). */
static double comp_loss_db(const mm_stem_features *f, double thr, double ratio, double knee)
{
    double num = 0, den = 0;
    for (int k = 0; k < MM_STEM_LEVEL_BINS; k++) {
        if (f->peak10_hist[k] <= 0) continue;
        double lvl = f->peak10_top_dbfs - (k + 0.5);
        double x = lvl - thr, g;
        if (x < -knee / 2) g = 0;
        else if (knee > 0 && x <= knee / 2) g = (1.0 / ratio - 1.0) * (x + knee / 2) * (x + knee / 2) / (2 * knee);
        else g = (1.0 / ratio - 1.0) * x;
        double w = f->peak10_hist[k] * pow(10.0, lvl / 10.0);
        num += w * pow(10.0, g / 10.0);
        den += w;
    }
    return (num > 0 && den > 0) ? -10.0 * log10(num / den) : 0.0;
}

static void decide_compression(const mm_automix_config *cfg, const mm_automix_input *in, int n, mm_automix_plan *p)
{
    for (int i = 0; i < n && cfg->use_compression; i++) {
        mm_automix_stem *s = &p->stem[i];
        const mm_stem_features *f = in[i].features;
        if (s->silent || f->peak10_p90_dbfs.reason != MM_REASON_NONE) continue;
        double limit, ratio;
        int by_crest;
        comp_norm(s->role, &limit, &by_crest, &ratio);
        mm_measure m = by_crest ? f->crest_db : f->level_spread_db;
        if (m.reason != MM_REASON_NONE || m.value <= limit) continue;
        mm_automix_comp *c = &s->comp;
        double crest = f->crest_db.reason == MM_REASON_NONE ? f->crest_db.value : 12.0;
        c->enabled = 1;
        c->ratio = ratio;
        c->knee_db = 6.0;
        c->threshold_db = f->peak10_p90_dbfs.value - COMP_TARGET_GR_DB / (1.0 - 1.0 / ratio);
        /* times scaled by the crest factor (Giannoulis, Massberg and Reiss
         * 2013: peakier material wants a faster attack and longer release);
         * 12 dB of crest gives 10 ms / 150 ms */
        c->attack_ms = fmin(30.0, fmax(1.0, 10.0 * 12.0 / fmax(crest, 3.0)));
        c->release_ms = fmin(400.0, fmax(50.0, 150.0 * crest / 12.0));
        c->makeup_db = comp_loss_db(f, c->threshold_db, c->ratio, c->knee_db);
        say(c->reason, "%s %.1f dB is outside the %s norm (at most %.0f dB)", by_crest ? "crest factor" : "level spread",
            m.value, mm_role_name(s->role), limit);
    }
}

/* Loudness lost to ducking. share[k] (mm_masking_energy_by_level) is the
 * share of the stem's energy in the frames where the key lies k 1-dB bins
 * below its loudest frame, the last one the rest; such a frame is taken as
 * a key level k + 0.5 dB under the key's 10 ms peak top, and the duck's
 * static reduction there applies in full (the frames' 93 ms windows already
 * smooth the level as the attack and release do). Measured on the corpus
 * songs (saw bass, sustained sub, 808) with a 6 dB duck: the stem then
 * lands within 0.2 dB of its target loudness; the former estimate, which
 * spread the stem's energy evenly over the key's active time and took 70 %
 * of the static reduction, left a bass that hits with the kick 0.6-1.8 dB
 * short. */
#define DUCK_LEVEL_BINS 64
static double duck_loss_db(const mm_automix_duck *d, const mm_stem_features *key, const double *share)
{
    double keep = share[DUCK_LEVEL_BINS - 1], tot = share[DUCK_LEVEL_BINS - 1];
    for (int k = 0; k < DUCK_LEVEL_BINS - 1; k++) {
        double lvl = key->peak10_top_dbfs - (k + 0.5);
        double gr = lvl > d->threshold_db ? fmin((1.0 - 1.0 / d->ratio) * (lvl - d->threshold_db), 2 * d->depth_db) : 0;
        keep += share[k] * pow(10.0, -gr / 10.0);
        tot += share[k];
    }
    return (tot > 0 && keep > 0) ? -10.0 * log10(keep / tot) : 0.0;
}

int mm_automix_decide(const mm_automix_config *cfg, const mm_automix_input *in, int n, const mm_masking *masking,
                      mm_automix_plan *plan)
{
    if (!cfg || !in || !plan || n < 1 || n > MM_AUTOMIX_MAX_STEMS || plan->stem_count != n) return MM_ERR_INVALID_ARG;
    for (int i = 0; i < n; i++)
        if (!in[i].features || in[i].features->channels < 1 || in[i].features->channels > 2) return MM_ERR_INVALID_ARG;
    memset(plan->stem, 0, sizeof plan->stem);
    plan->target_lufs = cfg->target_lufs;
    plan->peak_target_dbfs = cfg->peak_target_dbfs;
    double G[MM_AUTOMIX_MAX_STEMS];
    for (int i = 0; i < n; i++) {
        mm_automix_stem *s = &plan->stem[i];
        const mm_stem_features *f = in[i].features;
        snprintf(s->name, sizeof s->name, "%s", in[i].name ? in[i].name : "stem");
        s->role = in[i].role;
        snprintf(s->role_source, sizeof s->role_source, "%s", in[i].role_source ? in[i].role_source : "user");
        s->channels = f->channels;
        s->silent = f->silent || f->active_lufs.reason != MM_REASON_NONE;
        s->input_lufs = s->silent ? 0.0 : f->active_lufs.value;
        s->target_lufs = cfg->target_lufs + mm_role_offset_lu(s->role);
        if (f->channels == 2) {
            s->fold_to_mono = f->panned_mono;
            s->input_balance_db = f->balance_db.reason == MM_REASON_NONE ? f->balance_db.value : 0.0;
            if (s->input_balance_db > 60) s->input_balance_db = 60;
            if (s->input_balance_db < -60) s->input_balance_db = -60;
        }
        /* the gain each stem needs, for judging masking at the balance */
        G[i] = s->silent ? 0.0 : s->target_lufs - s->input_lufs;
    }
    decide_highpass(cfg, in, n, plan);
    if (masking) {
        decide_kick_bass(cfg, in, n, masking, G, plan);
        decide_cuts(cfg, in, n, masking, G, plan);
    }
    decide_pan(cfg, in, n, plan); /* after the EQ, which moves the band balance */
    decide_compression(cfg, in, n, plan);

    for (int i = 0; i < n; i++) {
        mm_automix_stem *s = &plan->stem[i];
        const mm_stem_features *f = in[i].features;
        if (s->silent) {
            s->gain_db = 0.0;
            s->predicted_lufs = 0.0;
            say(s->gain_reason, "silent (no 400 ms block above -70 LUFS): kept at unity");
            continue;
        }
        double d_eq = eq_loudness_change(s, f), d_pan = pan_loudness_change(s, f);
        /* a duck is only decided with masking, which holds what it takes */
        double share[DUCK_LEVEL_BINS], d_duck = 0.0;
        if (s->duck.enabled && masking &&
            mm_masking_energy_by_level(masking, s->duck.key, i, share, DUCK_LEVEL_BINS) == MM_OK)
            d_duck = -duck_loss_db(&s->duck, in[s->duck.key].features, share);
        /* the clamp bounds the level correction; the make-up for what the
         * pan, EQ and ducking take is added on top (it changes no balance) */
        double g = s->target_lufs - s->input_lufs;
        double gc = fmin(cfg->gain_max_db, fmax(cfg->gain_min_db, g));
        s->gain_db = fmin(24.0, gc - d_eq - d_pan - d_duck);
        s->predicted_lufs = s->input_lufs + s->gain_db + d_eq + d_pan + d_duck;
        size_t len = (size_t)snprintf(s->gain_reason, MM_AUTOMIX_REASON_LEN,
                                      "%s sits %+.1f LU from the lead: target %.1f LUFS; it measures %.1f LUFS where it "
                                      "plays (%.0f %% of the time)",
                                      mm_role_name(s->role), mm_role_offset_lu(s->role), s->target_lufs, s->input_lufs,
                                      100.0 * f->active_fraction);
        if (len < MM_AUTOMIX_REASON_LEN && (fabs(d_eq) + fabs(d_pan) + fabs(d_duck) >= 0.05))
            len += (size_t)snprintf(s->gain_reason + len, MM_AUTOMIX_REASON_LEN - len,
                                    "; makes up %.1f dB taken by EQ, pan and ducking", -(d_eq + d_pan + d_duck));
        if (len < MM_AUTOMIX_REASON_LEN && gc != g)
            snprintf(s->gain_reason + len, MM_AUTOMIX_REASON_LEN - len, "; clamped from %+.1f dB", g);
    }
    return MM_OK;
}

/* Rounded to `digits` decimals exactly as the JSON writer rounds. */
static double q_to(double x, int digits)
{
    double p = pow(10.0, digits);
    double r = round(x * p) / p;
    return isfinite(r) ? r : x;
}

void mm_automix_plan_quantize(mm_automix_plan *p)
{
    if (!p) return;
    for (int i = 0; i < p->stem_count; i++) {
        mm_automix_stem *s = &p->stem[i];
        s->gain_db = q_to(s->gain_db, 4);
        s->pan = q_to(s->pan, 4);
        s->input_balance_db = q_to(s->input_balance_db, 4);
        for (int k = 0; k < s->eq_count; k++) {
            s->eq[k].freq_hz = q_to(s->eq[k].freq_hz, 2);
            s->eq[k].q = q_to(s->eq[k].q, 4);
            s->eq[k].gain_db = q_to(s->eq[k].gain_db, 3);
        }
        mm_automix_comp *c = &s->comp;
        c->threshold_db = q_to(c->threshold_db, 3);
        c->ratio = q_to(c->ratio, 3);
        c->knee_db = q_to(c->knee_db, 3);
        c->attack_ms = q_to(c->attack_ms, 3);
        c->release_ms = q_to(c->release_ms, 3);
        c->makeup_db = q_to(c->makeup_db, 3);
        mm_automix_duck *d = &s->duck;
        d->threshold_db = q_to(d->threshold_db, 3);
        d->ratio = q_to(d->ratio, 3);
        d->depth_db = q_to(d->depth_db, 3);
        d->attack_ms = q_to(d->attack_ms, 3);
        d->release_ms = q_to(d->release_ms, 3);
    }
}

int mm_automix_plan_validate(const mm_automix_plan *p, char *why, size_t whylen)
{
#define BAD(...)                                      \
    do {                                              \
        if (why) snprintf(why, whylen, __VA_ARGS__);  \
        return MM_ERR_INVALID_ARG;                    \
    } while (0)
    if (!p) BAD("no plan");
    if (p->stem_count < 1 || p->stem_count > MM_AUTOMIX_MAX_STEMS) BAD("stems: 1 to %d stems", MM_AUTOMIX_MAX_STEMS);
    if (!(p->peak_target_dbfs <= 0 && p->peak_target_dbfs >= -60)) BAD("peak_target_dbfs: must be -60..0");
    for (int i = 0; i < p->stem_count; i++) {
        const mm_automix_stem *s = &p->stem[i];
        if (s->channels < 1 || s->channels > 2) BAD("stems[%d].channels: 1 or 2", i);
        if (!(s->gain_db >= -60 && s->gain_db <= 24)) BAD("stems[%d].gain_db: must be -60..24 dB", i);
        if (!(s->pan >= -1 && s->pan <= 1)) BAD("stems[%d].pan: must be -1..1", i);
        if (!(fabs(s->input_balance_db) <= 60)) BAD("stems[%d].input_balance_db: must be -60..60", i);
        if (s->eq_count < 0 || s->eq_count > MM_AUTOMIX_MAX_EQ) BAD("stems[%d].eq: at most %d bands", i, MM_AUTOMIX_MAX_EQ);
        for (int k = 0; k < s->eq_count; k++) {
            const mm_automix_eq *e = &s->eq[k];
            if (!(e->freq_hz >= 10 && e->freq_hz <= 40000)) BAD("stems[%d].eq[%d].freq_hz: must be 10..40000 Hz", i, k);
            if (!(e->q >= 0.1 && e->q <= 20)) BAD("stems[%d].eq[%d].q: must be 0.1..20", i, k);
            if (!(e->gain_db >= -30 && e->gain_db <= 15)) BAD("stems[%d].eq[%d].gain_db: must be -30..15 dB", i, k);
        }
        const mm_automix_comp *c = &s->comp;
        if (c->enabled) {
            if (!(c->threshold_db >= -120 && c->threshold_db <= 0)) BAD("stems[%d].compression.threshold_db: must be -120..0", i);
            if (!(c->ratio >= 1 && c->ratio <= 100)) BAD("stems[%d].compression.ratio: must be 1..100", i);
            if (!(c->knee_db >= 0 && c->knee_db <= 24)) BAD("stems[%d].compression.knee_db: must be 0..24", i);
            if (!(c->attack_ms >= 0 && c->attack_ms <= 1000)) BAD("stems[%d].compression.attack_ms: must be 0..1000", i);
            if (!(c->release_ms >= 0 && c->release_ms <= 5000)) BAD("stems[%d].compression.release_ms: must be 0..5000", i);
            if (!(c->makeup_db >= -24 && c->makeup_db <= 24)) BAD("stems[%d].compression.makeup_db: must be -24..24", i);
        }
        const mm_automix_duck *d = &s->duck;
        if (d->enabled) {
            if (d->key < 0 || d->key >= p->stem_count || d->key == i) BAD("stems[%d].ducking.key: another stem", i);
            if (!(d->threshold_db >= -120 && d->threshold_db <= 0)) BAD("stems[%d].ducking.threshold_db: must be -120..0", i);
            if (!(d->ratio >= 1 && d->ratio <= 100)) BAD("stems[%d].ducking.ratio: must be 1..100", i);
            if (!(d->attack_ms >= 0 && d->attack_ms <= 1000)) BAD("stems[%d].ducking.attack_ms: must be 0..1000", i);
            if (!(d->release_ms >= 0 && d->release_ms <= 5000)) BAD("stems[%d].ducking.release_ms: must be 0..5000", i);
        }
    }
    return MM_OK;
#undef BAD
}
