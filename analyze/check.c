/*
 * Readiness checks: rules over the analysis, translation and codec
 * measurements. See include/mixmaster/check.h. The defaults and their
 * sources follow the project's domain notes (DOMAIN.md section 2 for mix
 * readiness, section 3 for delivery targets); the device thresholds are
 * mixmaster's own.
 */
#include "mixmaster/check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    P_CLIP_RUNS, P_OVERS_DBTP, P_HEAD_LOW, P_HEAD_HIGH, P_HEAD_MIN, P_LEVEL_MIN, P_CEILING, P_LOUD_TOL,
    P_DC_WARN, P_DC_FAIL, P_NEG_S, P_POLARITY, P_MONO_WARN, P_MONO_FAIL, P_LOW_CORR, P_LOW_SIDE, P_PSR_MIN,
    P_PLR_MAX, P_TONAL_TOL, P_LEAD_S, P_TRAIL_S, P_MIS_SIDE, P_MIN_RATE, P_MIN_BITS, P_NONFINITE,
    P_TR_MONO, P_TR_PHONE, P_TR_EARBUDS, P_TR_LAPTOP, P_TR_CAR, P_CODEC_CHANGE, P_CODEC_TP,
    P_COUNT
};

#define SRC_MIX "DOMAIN.md 2 (mix readiness)"
#define SRC_OWN "mixmaster default"

static const mm_check_param_info params[P_COUNT] = {
    {"clipping.max_runs", 0, "runs", SRC_MIX, "on-sample clipped runs allowed"},
    {"overs.max_dbtp", 0.0, "dBTP", "ITU-R BS.1770-4 Annex 2", "true peak above this is an inter-sample over"},
    {"headroom.ideal_low_dbfs", -6.0, "dBFS", SRC_MIX, "mix sample peak ideally at or above"},
    {"headroom.ideal_high_dbfs", -3.0, "dBFS", SRC_MIX, "mix sample peak above this is hot (warn)"},
    {"headroom.min_dbfs", -1.0, "dBFS", SRC_MIX, "mix sample peak above this leaves no headroom (fail)"},
    {"level.min_lufs", -30.0, "LUFS", SRC_MIX, "a mix quieter than this is too quiet (warn)"},
    {"true_peak.ceiling_dbtp", -1.0, "dBTP", "DOMAIN.md 3 (delivery targets)", "master true-peak ceiling (the preset's when one is given)"},
    {"loudness.tolerance_lu", 1.0, "LU", "DOMAIN.md 3 (delivery targets)", "master loudness allowed around the preset target"},
    {"dc.warn_offset", 0.001, "FS", SRC_MIX, "DC offset per channel above this warns (-60 dBFS)"},
    {"dc.fail_offset", 0.01, "FS", SRC_MIX, "DC offset per channel above this fails (-40 dBFS)"},
    {"phase.max_negative_s", 1.0, "s", SRC_MIX, "time with negative correlation allowed"},
    {"phase.polarity_correlation", -0.8, "", SRC_OWN, "low-end correlation at or below this means an inverted channel"},
    {"mono.max_loss_db", 3.0, "dB", SRC_MIX, "mono fold-down loudness loss above this warns"},
    {"mono.fail_loss_db", 6.0, "dB", SRC_OWN, "mono fold-down loudness loss above this fails"},
    {"low_end.min_correlation", 0.5, "", SRC_MIX, "correlation below 120 Hz under this warns"},
    {"low_end.max_side_db", -10.0, "dB", SRC_MIX, "side over mid energy below 120 Hz above this warns"},
    {"dynamics.min_psr_db", 8.0, "dB", SRC_MIX, "PSR under this is over-compressed (warn)"},
    {"dynamics.max_plr_db", 18.0, "dB", SRC_OWN, "master PLR above this is far too dynamic for a streaming target (warn)"},
    {"tonal.tolerance_db", 3.0, "dB", SRC_MIX, "tonal band deviation from the target allowed"},
    {"silence.max_leading_s", 1.0, "s", SRC_OWN, "leading silence allowed"},
    {"silence.max_trailing_s", 3.0, "s", SRC_OWN, "trailing silence allowed"},
    {"mono_in_stereo.min_side_db", -60.0, "dB", SRC_OWN, "side under mid below this means identical channels (warn)"},
    {"format.min_rate_hz", 44100.0, "Hz", SRC_MIX, "sample rate below this warns"},
    {"format.min_bits", 24.0, "bits", SRC_MIX, "a mix for mastering in fewer bits warns (float is fine)"},
    {"nonfinite.max_samples", 0, "samples", SRC_MIX, "NaN or Inf samples allowed"},
    {"translation.mono_band_db", 3.0, "dB", SRC_MIX, "tonal band change in mono above this warns"},
    {"translation.phone_max_loss_lu", 10.0, "LU", SRC_OWN, "loudness lost on a phone speaker above this warns"},
    {"translation.earbuds_max_loss_lu", 6.0, "LU", SRC_OWN, "loudness lost on earbuds above this warns"},
    {"translation.laptop_max_loss_lu", 8.0, "LU", SRC_OWN, "loudness lost on laptop speakers above this warns"},
    {"translation.car_max_loss_lu", 4.0, "LU", SRC_OWN, "loudness lost in a car above this warns"},
    {"codec.max_change_lu", 0.5, "LU", SRC_OWN, "loudness change through a lossy codec above this warns"},
    {"codec.max_true_peak_dbtp", 0.0, "dBTP", "DOMAIN.md 2 (codec overshoot)", "true peak after a lossy round trip above this clips the decoded stream"},
};

_Static_assert(P_COUNT <= MM_CHECK_PARAMS, "MM_CHECK_PARAMS too small");

static const char *const status_names[] = {"fail", "warn", "pass", "skip"};

const char *mm_check_status_name(mm_check_status s)
{
    return (unsigned)s <= MM_CHECK_SKIP ? status_names[s] : "?";
}

size_t mm_check_param_count(void)
{
    return P_COUNT;
}

const mm_check_param_info *mm_check_param(size_t i)
{
    return i < P_COUNT ? &params[i] : NULL;
}

/* Four-band balance of the built-in curve (presets.h), integrated here
 * the same way the test of presets.c does. */
static void builtin_tonal(double out[MM_TONAL_BANDS])
{
    double acc[MM_TONAL_BANDS] = {0}, tot = 0.0;
    const int n = 4000;
    for (int i = 0; i < n; i++) {
        const double f = 20.0 * pow(1000.0, (i + 0.5) / n);
        const double p = pow(10.0, mm_target_mid_db(f) / 10.0);
        tot += p;
        for (int b = 0; b < MM_TONAL_BANDS; b++)
            if (f >= mm_tonal_band_edges_hz[b] && f < mm_tonal_band_edges_hz[b + 1]) acc[b] += p;
    }
    for (int b = 0; b < MM_TONAL_BANDS; b++) out[b] = 10.0 * log10(acc[b] / tot);
}

void mm_check_config_default(mm_check_config *cfg, mm_check_stage stage, const mm_preset *preset)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->stage = stage;
    cfg->preset = preset;
    for (int i = 0; i < P_COUNT; i++) cfg->value[i] = params[i].default_value;
    builtin_tonal(cfg->tonal_target_db);
    snprintf(cfg->tonal_target_source, sizeof cfg->tonal_target_source,
             "built-in modern balance (presets.h)");
}

int mm_check_config_set(mm_check_config *cfg, const char *key, double value)
{
    if (!cfg || !key || !isfinite(value)) return MM_ERR_INVALID_ARG;
    if (!strncmp(key, "check.", 6)) key += 6;
    for (int i = 0; i < P_COUNT; i++)
        if (!strcmp(key, params[i].key)) {
            cfg->value[i] = value;
            cfg->user_set[i] = 1;
            return MM_OK;
        }
    return MM_ERR_INVALID_ARG;
}

int mm_check_config_reference(mm_check_config *cfg, const mm_analysis *ref, const char *name)
{
    if (!cfg || !ref) return MM_ERR_INVALID_ARG;
    for (int b = 0; b < MM_TONAL_BANDS; b++)
        if (ref->tonal_mid_db[b].reason != MM_REASON_NONE) return MM_ERR_NO_VALUE;
    for (int b = 0; b < MM_TONAL_BANDS; b++) cfg->tonal_target_db[b] = ref->tonal_mid_db[b].value;
    snprintf(cfg->tonal_target_source, sizeof cfg->tonal_target_source, "reference %s", name ? name : "track");
    return MM_OK;
}

/* ---- building results ---- */

typedef struct ctx {
    const mm_check_config *cfg;
    const mm_check_inputs *in;
    const mm_analysis *a;
    mm_check_report *rep;
} ctx;

static const mm_measure NONE = {0.0, MM_REASON_NOT_MEASURED};

static mm_measure val(double v)
{
    mm_measure m = {v, MM_REASON_NONE};
    return m;
}

static double P(const ctx *c, int i) { return c->cfg->value[i]; }

static const char *src(const ctx *c, int i)
{
    return c->cfg->user_set[i] ? "user (--set)" : params[i].source;
}

/* Add a result; text fields are printf formats filled later with set(). */
static mm_check_result *add(ctx *c, const char *id, mm_check_status st, mm_measure value, const char *unit)
{
    if (c->rep->count >= MM_CHECK_MAX_RESULTS) return NULL;
    mm_check_result *r = &c->rep->results[c->rep->count++];
    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof r->id, "%s", id);
    r->status = st;
    r->value = value;
    r->unit = unit;
    r->warn_at = r->fail_at = r->time_s = NONE;
    return r;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void put(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}
#define SET(r, field, ...) put((r)->field, sizeof((r)->field), __VA_ARGS__)

static mm_check_result *skip(ctx *c, const char *id, const char *why)
{
    mm_check_result *r = add(c, id, MM_CHECK_SKIP, NONE, "");
    if (r) SET(r, measured, "%s", why);
    return r;
}

/* worst of two statuses (FAIL < WARN < PASS) */
static mm_check_status worst(mm_check_status a, mm_check_status b) { return a < b ? a : b; }

/* ---- the checks ---- */

static void check_clipping(ctx *c)
{
    const mm_analysis *a = c->a;
    const double max = P(c, P_CLIP_RUNS);
    mm_check_result *r = add(c, "clipping", (double)a->clip_runs > max ? MM_CHECK_FAIL : MM_CHECK_PASS,
                             val((double)a->clip_runs), "runs");
    if (!r) return;
    SET(r, measured, "%llu clipped runs (%llu samples, longest %llu)", (unsigned long long)a->clip_runs,
        (unsigned long long)a->clipped_samples, (unsigned long long)a->longest_clip_run);
    SET(r, threshold, "more than %.0f runs fails", max);
    r->fail_at = val(max);
    if (a->clip_event_count) r->time_s = val(a->clip_events[0].time_s);
    SET(r, advice, "%s", r->status == MM_CHECK_FAIL
        ? "lower the level before the converter or the bounce and re-export; clipped samples cannot be repaired cleanly"
        : "no on-sample clipping");
    SET(r, source, "%s", src(c, P_CLIP_RUNS));
}

static void check_overs(ctx *c)
{
    const mm_analysis *a = c->a;
    if (a->true_peak_dbtp.reason) {
        skip(c, "overs", "no true peak (silent or empty)");
        return;
    }
    const double lim = P(c, P_OVERS_DBTP), tp = a->true_peak_dbtp.value;
    mm_check_result *r = add(c, "overs", tp > lim ? MM_CHECK_FAIL : MM_CHECK_PASS, val(tp), "dBTP");
    if (!r) return;
    SET(r, measured, "true peak %+.2f dBTP, %llu inter-sample over%s", tp, (unsigned long long)a->overs,
        a->overs == 1 ? "" : "s");
    SET(r, threshold, "above %+.1f dBTP fails", lim);
    r->fail_at = val(lim);
    if (a->over_event_count) r->time_s = val(a->over_events[0].time_s);
    SET(r, advice, "%s", r->status == MM_CHECK_FAIL
        ? "peaks between the samples exceed full scale and will clip in a converter or codec; lower the level or use a true-peak limiter"
        : "no inter-sample overs");
    SET(r, source, "%s", src(c, P_OVERS_DBTP));
}

static void check_headroom(ctx *c)
{
    const mm_analysis *a = c->a;
    if (c->cfg->stage != MM_STAGE_MIX) {
        skip(c, "headroom", "applies to a mix going to mastering (--stage mix)");
        return;
    }
    if (a->sample_peak_dbfs.reason) {
        skip(c, "headroom", "no sample peak (silent or empty)");
        return;
    }
    const double pk = a->sample_peak_dbfs.value;
    const double lo = P(c, P_HEAD_LOW), hi = P(c, P_HEAD_HIGH), mn = P(c, P_HEAD_MIN);
    mm_check_status st = pk > mn ? MM_CHECK_FAIL : pk > hi ? MM_CHECK_WARN : MM_CHECK_PASS;
    mm_check_result *r = add(c, "headroom", st, val(pk), "dBFS");
    if (!r) return;
    SET(r, measured, "sample peak %.2f dBFS", pk);
    SET(r, threshold, "ideal %.0f to %.0f dBFS; above %.0f warns, above %.0f fails", lo, hi, hi, mn);
    r->warn_at = val(hi);
    r->fail_at = val(mn);
    if (st == MM_CHECK_FAIL)
        SET(r, advice, "no headroom for mastering: pull the mix bus down about %.0f dB (peaks near %.0f dBFS) and remove any bus limiter",
            pk - 0.5 * (lo + hi), 0.5 * (lo + hi));
    else if (st == MM_CHECK_WARN)
        SET(r, advice, "hot: lower the mix bus about %.0f dB so peaks sit between %.0f and %.0f dBFS", pk - 0.5 * (lo + hi), lo, hi);
    else if (pk < lo)
        SET(r, advice, "peaks below %.0f dBFS: fine in 24-bit or float, more headroom than needed", lo);
    else
        SET(r, advice, "peaks in the ideal range for mastering");
    SET(r, source, "%s", src(c, c->cfg->user_set[P_HEAD_MIN] ? P_HEAD_MIN : P_HEAD_HIGH));
}

static void check_level(ctx *c)
{
    const mm_analysis *a = c->a;
    if (c->cfg->stage != MM_STAGE_MIX) return; /* the loudness check covers a master */
    if (a->integrated_lufs.reason) {
        mm_check_result *r = add(c, "level", MM_CHECK_FAIL, a->integrated_lufs, "LUFS");
        if (!r) return;
        SET(r, measured, "no integrated loudness (%s)", mm_reason_string(a->integrated_lufs.reason));
        SET(r, threshold, "below %.0f LUFS warns", P(c, P_LEVEL_MIN));
        SET(r, advice, "the file is silent or shorter than 400 ms: check the export");
        SET(r, source, "%s", src(c, P_LEVEL_MIN));
        return;
    }
    const double i = a->integrated_lufs.value, mn = P(c, P_LEVEL_MIN);
    mm_check_result *r = add(c, "level", i < mn ? MM_CHECK_WARN : MM_CHECK_PASS, val(i), "LUFS");
    if (!r) return;
    SET(r, measured, "integrated %.1f LUFS", i);
    SET(r, threshold, "below %.0f LUFS warns", mn);
    r->warn_at = val(mn);
    SET(r, advice, "%s", i < mn ? "too quiet: raise the mix bus (in 24-bit or float) so it does not sit near the noise floor"
                                : "level is fine for mastering");
    SET(r, source, "%s", src(c, P_LEVEL_MIN));
}

static double ceiling(const ctx *c)
{
    if (c->cfg->user_set[P_CEILING] || !c->cfg->preset) return P(c, P_CEILING);
    const double i = c->a->integrated_lufs.reason ? -100.0 : c->a->integrated_lufs.value;
    return mm_preset_ceiling_dbtp(c->cfg->preset, i);
}

static const char *ceiling_source(const ctx *c)
{
    if (c->cfg->user_set[P_CEILING]) return "user (--set)";
    return c->cfg->preset ? c->cfg->preset->source : params[P_CEILING].source;
}

static void check_true_peak(ctx *c)
{
    const mm_analysis *a = c->a;
    if (c->cfg->stage != MM_STAGE_MASTER && !c->cfg->preset) {
        skip(c, "true_peak", "ceiling of a delivery target (--stage master or --preset)");
        return;
    }
    if (a->true_peak_dbtp.reason) {
        skip(c, "true_peak", "no true peak (silent or empty)");
        return;
    }
    const double tp = a->true_peak_dbtp.value, ceil = ceiling(c);
    mm_check_result *r = add(c, "true_peak", tp > ceil ? MM_CHECK_FAIL : MM_CHECK_PASS, val(tp), "dBTP");
    if (!r) return;
    SET(r, measured, "true peak %+.2f dBTP", tp);
    SET(r, threshold, "above %+.1f dBTP fails%s%s", ceil, c->cfg->preset ? " for " : "",
        c->cfg->preset ? c->cfg->preset->name : "");
    r->fail_at = val(ceil);
    if (a->over_event_count) r->time_s = val(a->over_events[0].time_s);
    if (tp > ceil)
        SET(r, advice, "lower the true-peak limiter ceiling to %.1f dBTP (oversampled), or lower the gain %.1f dB", ceil, tp - ceil);
    else
        SET(r, advice, "%.1f dB under the ceiling", ceil - tp);
    SET(r, source, "%s", ceiling_source(c));
}

static int broadcast(const mm_preset *p)
{
    return p && (!strcmp(p->name, "ebu-r128") || !strcmp(p->name, "atsc-a85"));
}

static void check_loudness(ctx *c)
{
    const mm_analysis *a = c->a;
    const mm_preset *p = c->cfg->preset;
    if (c->cfg->stage != MM_STAGE_MASTER) return;
    if (!p) {
        skip(c, "loudness", "needs a delivery target (--preset)");
        return;
    }
    if (a->integrated_lufs.reason) {
        mm_check_result *r = add(c, "loudness", MM_CHECK_FAIL, a->integrated_lufs, "LUFS");
        if (!r) return;
        SET(r, measured, "no integrated loudness (%s)", mm_reason_string(a->integrated_lufs.reason));
        SET(r, threshold, "%s target", p->name);
        SET(r, advice, "the file is silent or shorter than 400 ms: check the export");
        SET(r, source, "%s", p->source);
        return;
    }
    const double i = a->integrated_lufs.value;
    double lo = p->lufs_low, hi = p->lufs_high;
    if (p->has_loudness_target && c->cfg->user_set[P_LOUD_TOL]) {
        lo = p->integrated_lufs - P(c, P_LOUD_TOL);
        hi = p->integrated_lufs + P(c, P_LOUD_TOL);
    }
    const int out = i < lo || i > hi;
    mm_check_result *r = add(c, "loudness", out ? (broadcast(p) ? MM_CHECK_FAIL : MM_CHECK_WARN) : MM_CHECK_PASS,
                             val(i), "LUFS");
    if (!r) return;
    SET(r, measured, "integrated %.1f LUFS", i);
    if (p->has_loudness_target)
        SET(r, threshold, "%.0f LUFS (%.1f to %.1f) for %s", p->integrated_lufs, lo, hi, p->name);
    else
        SET(r, threshold, "typically %.0f to %.0f LUFS for %s", lo, hi, p->name);
    if (broadcast(p)) r->fail_at = val(hi);
    else r->warn_at = val(hi);
    if (!out)
        SET(r, advice, "on target");
    else if (i > hi && p->has_loudness_target && !broadcast(p))
        SET(r, advice, "%.1f LU louder than %s plays it: it will be turned down, so the extra limiting buys nothing", i - p->integrated_lufs, p->name);
    else if (i > hi)
        SET(r, advice, "%.1f LU too loud: lower the gain", i - (p->has_loudness_target ? p->integrated_lufs : hi));
    else
        SET(r, advice, "%.1f LU quieter than the target: raise the gain into a true-peak limiter", (p->has_loudness_target ? p->integrated_lufs : lo) - i);
    SET(r, source, "%s", c->cfg->user_set[P_LOUD_TOL] ? "user (--set)" : p->source);
}

static void check_dc(ctx *c)
{
    const mm_analysis *a = c->a;
    const double w = P(c, P_DC_WARN), f = P(c, P_DC_FAIL);
    int worst_ch = 0;
    for (int ch = 1; ch < a->channels; ch++)
        if (fabs(a->ch[ch].dc_offset) > fabs(a->ch[worst_ch].dc_offset)) worst_ch = ch;
    const double dc = a->channels ? a->ch[worst_ch].dc_offset : 0.0;
    const double m = fabs(dc);
    mm_check_result *r = add(c, "dc_offset", m > f ? MM_CHECK_FAIL : m > w ? MM_CHECK_WARN : MM_CHECK_PASS, val(m), "FS");
    if (!r) return;
    char per[64] = "";
    if (a->channels == 2) snprintf(per, sizeof per, " (left %+.4f, right %+.4f)", a->ch[0].dc_offset, a->ch[1].dc_offset);
    SET(r, measured, "largest DC offset %.5f on channel %d%s", m, worst_ch + 1, per);
    SET(r, threshold, "above %.3f warns, above %.2f fails", w, f);
    r->warn_at = val(w);
    r->fail_at = val(f);
    SET(r, advice, "%s", m > w ? "remove the DC with a high-pass at a few Hz (it wastes headroom and clicks at edits)" : "no DC offset");
    SET(r, source, "%s", src(c, m > f ? P_DC_FAIL : P_DC_WARN));
}

static int stereo(const ctx *c) { return c->a->channels == 2; }

static void check_phase(ctx *c)
{
    const mm_analysis *a = c->a;
    if (!stereo(c) || a->correlation.reason) {
        skip(c, "phase", stereo(c) ? "no correlation (silent)" : "stereo files only");
        skip(c, "polarity", stereo(c) ? "no correlation (silent)" : "stereo files only");
        return;
    }
    const double corr = a->correlation.value;
    const double neg = a->negative_correlation_s.reason ? 0.0 : a->negative_correlation_s.value;
    const double maxneg = P(c, P_NEG_S);
    mm_check_status st = corr < 0.0 ? MM_CHECK_FAIL : neg > maxneg ? MM_CHECK_WARN : MM_CHECK_PASS;
    mm_check_result *r = add(c, "phase", st, val(corr), "");
    if (r) {
        SET(r, measured, "correlation %.2f overall, lowest %.2f, %.1f s below 0", corr,
            a->correlation_min.reason ? corr : a->correlation_min.value, neg);
        SET(r, threshold, "more than %.1f s below 0 warns; overall below 0 fails", maxneg);
        r->warn_at = val(maxneg);
        r->fail_at = val(0.0);
        if (a->correlation_series && st != MM_CHECK_PASS)
            for (size_t k = 0; k < a->correlation_series_count; k++)
                if (a->correlation_series[k] < 0.0f) {
                    r->time_s = val((double)k * a->correlation_series_step_s);
                    break;
                }
        SET(r, advice, "%s", st == MM_CHECK_FAIL ? "left and right are mostly out of phase: parts will vanish in mono; check polarity and stereo wideners"
                             : st == MM_CHECK_WARN ? "sustained out-of-phase passages: check wideners, phase-flipped doubles or spaced mics there"
                                                   : "no sustained negative correlation");
        SET(r, source, "%s", src(c, P_NEG_S));
    }
    /* an inverted channel: the low end, normally mono, is anti-correlated */
    const double pol = P(c, P_POLARITY);
    if (a->correlation_low.reason) {
        skip(c, "polarity", "no energy below 120 Hz");
        return;
    }
    const double cl = a->correlation_low.value;
    r = add(c, "polarity", cl <= pol && corr < 0.0 ? MM_CHECK_FAIL : MM_CHECK_PASS, val(cl), "");
    if (!r) return;
    SET(r, measured, "correlation below 120 Hz %.2f", cl);
    SET(r, threshold, "at or below %.2f (with overall below 0) fails", pol);
    r->fail_at = val(pol);
    SET(r, advice, "%s", r->status == MM_CHECK_FAIL ? "one channel is polarity-inverted: flip the polarity of one side (the bass and kick cancel in mono)"
                                                    : "no inverted channel");
    SET(r, source, "%s", src(c, P_POLARITY));
}

static void check_mono_loss(ctx *c)
{
    const mm_analysis *a = c->a;
    if (!stereo(c)) {
        skip(c, "mono_loss", "stereo files only");
        return;
    }
    const double w = P(c, P_MONO_WARN), f = P(c, P_MONO_FAIL);
    mm_check_result *r;
    if (a->mono_loss_db.reason == MM_REASON_CANCELS) {
        r = add(c, "mono_loss", MM_CHECK_FAIL, a->mono_loss_db, "dB");
        if (!r) return;
        SET(r, measured, "the mono fold-down cancels to silence");
    } else if (a->mono_loss_db.reason) {
        skip(c, "mono_loss", "no loudness (silent or too short)");
        return;
    } else {
        const double l = a->mono_loss_db.value;
        r = add(c, "mono_loss", l > f ? MM_CHECK_FAIL : l > w ? MM_CHECK_WARN : MM_CHECK_PASS, val(l), "dB");
        if (!r) return;
        SET(r, measured, "mono fold-down %.1f dB quieter", l);
    }
    SET(r, threshold, "loss above %.0f dB warns, above %.0f dB fails", w, f);
    r->warn_at = val(w);
    r->fail_at = val(f);
    SET(r, advice, "%s", r->status == MM_CHECK_PASS ? "holds up in mono"
                          : "mono listeners (phones, clubs, broadcast) lose much of the mix: reduce side-heavy effects and check polarity");
    SET(r, source, "%s", src(c, r->status == MM_CHECK_FAIL ? P_MONO_FAIL : P_MONO_WARN));
}

static void check_low_end(ctx *c)
{
    const mm_analysis *a = c->a;
    if (!stereo(c)) {
        skip(c, "low_end", "stereo files only");
        return;
    }
    if (a->correlation_low.reason) {
        skip(c, "low_end", "no energy below 120 Hz");
        return;
    }
    const double cl = a->correlation_low.value, mc = P(c, P_LOW_CORR), ms = P(c, P_LOW_SIDE);
    const int has_side = a->side_mid_low_db.reason == MM_REASON_NONE;
    const double side = has_side ? a->side_mid_low_db.value : -120.0;
    const int bad = cl < mc || (has_side && side > ms) || a->side_mid_low_db.reason == MM_REASON_CANCELS;
    mm_check_result *r = add(c, "low_end", bad ? MM_CHECK_WARN : MM_CHECK_PASS, val(cl), "");
    if (!r) return;
    if (has_side)
        SET(r, measured, "below 120 Hz: correlation %.2f, side %+.1f dB re mid", cl, side);
    else
        SET(r, measured, "below 120 Hz: correlation %.2f, no side energy", cl);
    SET(r, threshold, "correlation under %.1f or side above %.0f dB re mid warns", mc, ms);
    r->warn_at = val(mc);
    SET(r, advice, "%s", bad ? "keep the low end mono: centre the bass and kick, or narrow below 120 Hz (vinyl cutting and club systems need it)"
                             : "low end is mono-compatible");
    SET(r, source, "%s", src(c, P_LOW_CORR));
}

static void check_dynamics(ctx *c)
{
    const mm_analysis *a = c->a;
    const double mn = P(c, P_PSR_MIN);
    if (a->psr_db.reason) {
        skip(c, "dynamics.psr", "no short-term loudness (silent or shorter than 3 s)");
    } else {
        const double psr = a->psr_db.value;
        mm_check_result *r = add(c, "dynamics.psr", psr < mn ? MM_CHECK_WARN : MM_CHECK_PASS, val(psr), "dB");
        if (r) {
            SET(r, measured, "PSR %.1f dB (PLR %.1f dB)", psr, a->plr_db.reason ? 0.0 : a->plr_db.value);
            SET(r, threshold, "under %.0f dB warns (over-compressed)", mn);
            r->warn_at = val(mn);
            SET(r, advice, "%s", psr >= mn ? "transients have room"
                                 : c->cfg->stage == MM_STAGE_MIX ? "over-compressed for a mix: bypass the bus limiter/clipper and leave the loudness to mastering"
                                                                 : "over-compressed: ease the limiter; streaming platforms turn loud masters down anyway");
            SET(r, source, "%s", src(c, P_PSR_MIN));
        }
    }
    if (c->cfg->stage != MM_STAGE_MASTER) return;
    if (a->plr_db.reason) {
        skip(c, "dynamics.plr", "no integrated loudness");
        return;
    }
    const double plr = a->plr_db.value, mx = P(c, P_PLR_MAX);
    mm_check_result *r = add(c, "dynamics.plr", plr > mx ? MM_CHECK_WARN : MM_CHECK_PASS, val(plr), "dB");
    if (!r) return;
    SET(r, measured, "PLR %.1f dB", plr);
    SET(r, threshold, "above %.0f dB warns", mx);
    r->warn_at = val(mx);
    SET(r, advice, "%s", plr > mx ? "far too dynamic for a streaming target: it cannot reach the target loudness under the ceiling and will play quieter than other tracks"
                                  : "dynamics suit the target");
    SET(r, source, "%s", src(c, P_PLR_MAX));
}

static const char *const tonal_ids[MM_TONAL_BANDS] = {"tonal.low", "tonal.low_mid", "tonal.high_mid", "tonal.high"};
static const char *const tonal_words[MM_TONAL_BANDS] = {"below 250 Hz", "250 Hz-2 kHz", "2-8 kHz", "above 8 kHz"};

static void check_tonal(ctx *c)
{
    const mm_analysis *a = c->a;
    const double tol = P(c, P_TONAL_TOL);
    for (int b = 0; b < MM_TONAL_BANDS; b++) {
        if (a->tonal_mid_db[b].reason) {
            skip(c, tonal_ids[b], mm_reason_string(a->tonal_mid_db[b].reason));
            continue;
        }
        const double v = a->tonal_mid_db[b].value, t = c->cfg->tonal_target_db[b], d = v - t;
        mm_check_result *r = add(c, tonal_ids[b], fabs(d) > tol ? MM_CHECK_WARN : MM_CHECK_PASS, val(d), "dB");
        if (!r) continue;
        SET(r, measured, "%s %+.1f dB from the target (%.1f vs %.1f dB of the total)", tonal_words[b], d, v, t);
        SET(r, threshold, "more than +-%.1f dB warns", tol);
        r->warn_at = val(tol);
        if (fabs(d) > tol)
            SET(r, advice, "%s is %.1f dB too %s against the %s: a broad %s of about %.0f dB there", tonal_words[b], fabs(d),
                d > 0 ? "strong" : "weak", c->cfg->tonal_target_source, d > 0 ? "cut" : "boost", fabs(d) - 0.5 * tol);
        else
            SET(r, advice, "in line with the target");
        SET(r, source, "%s; tolerance %s", c->cfg->tonal_target_source, src(c, P_TONAL_TOL));
    }
}

static void check_silence(ctx *c)
{
    const mm_analysis *a = c->a;
    const struct {
        const char *id;
        mm_measure m;
        int p;
        const char *where;
    } s[2] = {{"silence.leading", a->leading_silence_s, P_LEAD_S, "before the music"},
              {"silence.trailing", a->trailing_silence_s, P_TRAIL_S, "after the music"}};
    for (int i = 0; i < 2; i++) {
        if (s[i].m.reason) {
            skip(c, s[i].id, mm_reason_string(s[i].m.reason));
            continue;
        }
        const double v = s[i].m.value, mx = P(c, s[i].p);
        mm_check_result *r = add(c, s[i].id, v > mx ? MM_CHECK_WARN : MM_CHECK_PASS, val(v), "s");
        if (!r) continue;
        SET(r, measured, "%.2f s of silence %s", v, s[i].where);
        SET(r, threshold, "more than %.1f s warns", mx);
        r->warn_at = val(mx);
        if (i == 1 && v > mx) r->time_s = val(a->duration_s - v);
        SET(r, advice, "%s", v > mx ? "trim the silence (gaps between tracks are set at delivery, not in the file)" : "fine");
        SET(r, source, "%s", src(c, s[i].p));
    }
}

static void check_mono_in_stereo(ctx *c)
{
    const mm_analysis *a = c->a;
    if (!stereo(c)) {
        skip(c, "mono_in_stereo", "stereo files only");
        return;
    }
    const double mn = P(c, P_MIS_SIDE);
    /* side silent: channels identical (no side/mid value, reason silent) */
    const int identical = a->side_mid_db.reason == MM_REASON_SILENT && a->integrated_lufs.reason == MM_REASON_NONE;
    const double side = a->side_mid_db.reason ? -200.0 : a->side_mid_db.value;
    if (a->integrated_lufs.reason) {
        skip(c, "mono_in_stereo", "silent");
        return;
    }
    const int bad = identical || side < mn;
    mm_check_result *r = add(c, "mono_in_stereo", bad ? MM_CHECK_WARN : MM_CHECK_PASS,
                             a->side_mid_db.reason ? a->side_mid_db : val(side), "dB");
    if (!r) return;
    if (identical) SET(r, measured, "left and right are identical (no side signal)");
    else SET(r, measured, "side %.1f dB under mid", -side);
    SET(r, threshold, "side more than %.0f dB under mid warns", -mn);
    r->warn_at = val(mn);
    SET(r, advice, "%s", bad ? "a mono signal in a stereo file: intended? if not, check the bounce settings (mono summing, a mono master bus)"
                             : "real stereo");
    SET(r, source, "%s", src(c, P_MIS_SIDE));
}

static void check_format(ctx *c)
{
    const mm_analysis *a = c->a;
    const double mr = P(c, P_MIN_RATE);
    mm_check_result *r = add(c, "format.sample_rate", a->sample_rate < mr ? MM_CHECK_WARN : MM_CHECK_PASS,
                             val(a->sample_rate), "Hz");
    if (r) {
        SET(r, measured, "%.0f Hz", a->sample_rate);
        SET(r, threshold, "below %.0f Hz warns", mr);
        r->warn_at = val(mr);
        SET(r, advice, "%s", a->sample_rate < mr ? "export at the session rate, 44.1 kHz or higher" : "fine");
        SET(r, source, "%s", src(c, P_MIN_RATE));
    }
    const mm_check_inputs *in = c->in;
    const double mb = P(c, P_MIN_BITS);
    mm_check_status st = MM_CHECK_PASS;
    if (in->lossy) st = c->cfg->stage == MM_STAGE_MIX ? MM_CHECK_FAIL : MM_CHECK_WARN;
    else if (!in->is_float && in->bit_depth > 0 && in->bit_depth < mb && c->cfg->stage == MM_STAGE_MIX) st = MM_CHECK_WARN;
    r = add(c, "format.bit_depth", st, in->bit_depth > 0 ? val(in->bit_depth) : NONE, "bits");
    if (!r) return;
    if (in->lossy) SET(r, measured, "lossy-coded file");
    else if (in->is_float) SET(r, measured, "%d-bit float", in->bit_depth);
    else if (in->bit_depth) SET(r, measured, "%d-bit", in->bit_depth);
    else SET(r, measured, "unknown");
    SET(r, threshold, "a mix below %.0f-bit integer warns; a lossy mix fails", mb);
    r->warn_at = val(mb);
    SET(r, advice, "%s", in->lossy ? "send the uncompressed export (WAV/AIFF/FLAC); a lossy file has lost what mastering needs"
                      : st == MM_CHECK_WARN ? "export 24-bit or 32-bit float, without dither, for mastering"
                                            : "fine");
    SET(r, source, "%s", src(c, P_MIN_BITS));
}

static void check_nonfinite(ctx *c)
{
    const mm_analysis *a = c->a;
    const double mx = P(c, P_NONFINITE);
    mm_check_result *r = add(c, "nonfinite", (double)a->nonfinite_samples > mx ? MM_CHECK_FAIL : MM_CHECK_PASS,
                             val((double)a->nonfinite_samples), "samples");
    if (!r) return;
    SET(r, measured, "%llu NaN/Inf samples", (unsigned long long)a->nonfinite_samples);
    SET(r, threshold, "more than %.0f fails", mx);
    r->fail_at = val(mx);
    SET(r, advice, "%s", a->nonfinite_samples ? "a plug-in produced invalid samples: find it and re-export (players may mute or crash)" : "fine");
    SET(r, source, "%s", src(c, P_NONFINITE));
}

static void check_translation(ctx *c)
{
    const mm_translation_result *t = c->in->translation;
    if (!t) {
        skip(c, "translation.mono", "not measured");
        for (int d = 0; d < MM_DEVICE_COUNT; d++) {
            char id[40];
            snprintf(id, sizeof id, "translation.%s", mm_device_name((mm_device)d));
            skip(c, id, "not measured");
        }
        return;
    }
    if (!stereo(c)) {
        skip(c, "translation.mono", "stereo files only");
    } else {
        int wb = -1;
        for (int b = 0; b < MM_TONAL_BANDS; b++)
            if (!t->mono_band_change_db[b].reason &&
                (wb < 0 || fabs(t->mono_band_change_db[b].value) > fabs(t->mono_band_change_db[wb].value)))
                wb = b;
        if (wb < 0) {
            skip(c, "translation.mono", "no spectrum (silent)");
        } else {
            const double d = t->mono_band_change_db[wb].value, mx = P(c, P_TR_MONO);
            mm_check_result *r = add(c, "translation.mono", fabs(d) > mx ? MM_CHECK_WARN : MM_CHECK_PASS, val(d), "dB");
            if (r) {
                SET(r, measured, "in mono %s changes %+.1f dB (loudness %s%.1f dB)", tonal_words[wb], d,
                    c->a->mono_loss_db.reason ? "" : "-", c->a->mono_loss_db.reason ? 0.0 : c->a->mono_loss_db.value);
                SET(r, threshold, "a tonal band changing more than %.0f dB warns", mx);
                r->warn_at = val(mx);
                SET(r, advice, "%s", fabs(d) > mx ? "that band is wide or out of phase: it changes a lot in mono; narrow it or check its phase"
                                                  : "tonal balance holds in mono");
                SET(r, source, "%s", src(c, P_TR_MONO));
            }
        }
    }
    for (int d = 0; d < MM_DEVICE_COUNT; d++) {
        char id[40];
        snprintf(id, sizeof id, "translation.%s", mm_device_name((mm_device)d));
        if (t->device_change_lu[d].reason) {
            skip(c, id, mm_reason_string(t->device_change_lu[d].reason));
            continue;
        }
        const double ch = t->device_change_lu[d].value, mx = P(c, P_TR_PHONE + d);
        mm_check_result *r = add(c, id, -ch > mx ? MM_CHECK_WARN : MM_CHECK_PASS, val(ch), "LU");
        if (!r) continue;
        int wb = 0;
        for (int b = 1; b < MM_TONAL_BANDS; b++)
            if (!t->device_band_change_db[d][b].reason && fabs(t->device_band_change_db[d][b].value) >
                                                              fabs(t->device_band_change_db[d][wb].value))
                wb = b;
        const double bd = t->device_band_change_db[d][wb].reason ? 0.0 : t->device_band_change_db[d][wb].value;
        SET(r, measured, "loudness %+.1f LU; %s %+.1f dB in the balance", ch, tonal_words[wb], bd);
        SET(r, threshold, "losing more than %.0f LU warns", mx);
        r->warn_at = val(-mx);
        if (-ch > mx)
            SET(r, advice, "the mix relies on what %s cannot play: give the bass harmonics (saturation, a higher octave) so it is heard without sub",
                mm_device_name((mm_device)d));
        else
            SET(r, advice, "translates to %s", mm_device_name((mm_device)d));
        SET(r, source, "%s; curve: %s", src(c, P_TR_PHONE + d), mm_device_description((mm_device)d));
    }
}

static void check_codecs(ctx *c)
{
    const mm_check_inputs *in = c->in;
    if (!in->codecs || !in->codec_count) {
        skip(c, "codec", "not measured");
        return;
    }
    const double mc = P(c, P_CODEC_CHANGE), mt = P(c, P_CODEC_TP);
    for (size_t i = 0; i < in->codec_count; i++) {
        const mm_check_codec *k = &in->codecs[i];
        char id[40];
        snprintf(id, sizeof id, "codec.%s", k->name);
        if (k->decoded_lufs.reason || k->original_lufs.reason || k->decoded_true_peak_dbtp.reason) {
            skip(c, id, "no loudness in the excerpt");
            continue;
        }
        const double ch = k->decoded_lufs.value - k->original_lufs.value, tp = k->decoded_true_peak_dbtp.value;
        mm_check_status st = fabs(ch) > mc ? MM_CHECK_WARN : MM_CHECK_PASS;
        if (tp > mt) st = worst(st, c->cfg->stage == MM_STAGE_MASTER ? MM_CHECK_FAIL : MM_CHECK_WARN);
        mm_check_result *r = add(c, id, st, val(tp), "dBTP");
        if (!r) continue;
        SET(r, measured, "%.0f kbps: true peak %+.2f -> %+.2f dBTP, loudness %+.2f LU", k->bitrate_kbps,
            k->original_true_peak_dbtp.reason ? 0.0 : k->original_true_peak_dbtp.value, tp, ch);
        SET(r, threshold, "decoded true peak above %+.1f dBTP %s; loudness change over %.1f LU warns", mt,
            c->cfg->stage == MM_STAGE_MASTER ? "fails" : "warns", mc);
        r->warn_at = val(mc);
        r->fail_at = val(mt);
        r->time_s = val(in->codec_excerpt_start_s);
        if (tp > mt)
            SET(r, advice, "the %s version clips when decoded: lower the true-peak ceiling (-2 dBTP for lossy delivery) or the level", k->name);
        else if (fabs(ch) > mc)
            SET(r, advice, "loudness shifts through %s: check the top end and the stereo width the encoder discards", k->name);
        else
            SET(r, advice, "survives %s encoding", k->name);
        SET(r, source, "%s; excerpt of %.0f s from %.1f s", src(c, tp > mt ? P_CODEC_TP : P_CODEC_CHANGE),
            in->codec_excerpt_s, in->codec_excerpt_start_s);
    }
}

int mm_check_run(const mm_check_config *cfg, const mm_check_inputs *in, mm_check_report *out)
{
    if (!cfg || !in || !in->analysis || !out) return MM_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    out->stage = cfg->stage;
    out->preset = cfg->preset;
    ctx c = {cfg, in, in->analysis, out};
    check_clipping(&c);
    check_overs(&c);
    check_headroom(&c);
    check_level(&c);
    check_true_peak(&c);
    check_loudness(&c);
    check_dc(&c);
    check_phase(&c);
    check_mono_loss(&c);
    check_low_end(&c);
    check_dynamics(&c);
    check_tonal(&c);
    check_silence(&c);
    check_mono_in_stereo(&c);
    check_format(&c);
    check_nonfinite(&c);
    check_translation(&c);
    check_codecs(&c);
    /* worst first, stable: insertion sort on status */
    for (size_t i = 1; i < out->count; i++) {
        mm_check_result tmp = out->results[i];
        size_t j = i;
        while (j > 0 && out->results[j - 1].status > tmp.status) {
            out->results[j] = out->results[j - 1];
            j--;
        }
        out->results[j] = tmp;
    }
    for (size_t i = 0; i < out->count; i++) {
        switch (out->results[i].status) {
        case MM_CHECK_FAIL: out->fails++; break;
        case MM_CHECK_WARN: out->warns++; break;
        case MM_CHECK_PASS: out->passes++; break;
        default: out->skips++; break;
        }
    }
    return MM_OK;
}
