/*
 * Mastering decisions: two analyses (or an analysis and a preset) in, a
 * plan of numbers out. No audio is touched here, so every rule can be
 * tested with hand-made analyses. The rules are listed in
 * include/mixmaster/master.h; the constants below carry their reasons.
 */
#include "mixmaster/master.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mixmaster/biquad.h"
#include "../dsp/internal.h"
#include "../analyze/kweighting.h"

/* Width changes are kept within +-6 dB of side level: beyond that a
 * master's image changes character rather than width. */
#define WIDTH_RANGE_DB 6.0
/* A side band more than this below the mix's mid band in the same band is
 * left alone: boosting it would raise noise and leakage, not a real side
 * signal (a centred bass typically has its side 60 dB down). */
#define SIDE_FLOOR_BELOW_MID_DB 40.0
/* The low end is never made wider than a side/mid ratio of -10 dB below
 * mono_below_hz: correlation stays near 0.8 or more there (DOMAIN.md 2:
 * "below about 120 Hz, correlation should be 0.5 or more with little side
 * energy"). */
#define LOW_SIDE_MID_MAX_DB (-10.0)
/* A mid band this far under the mix's loudest band is its noise floor. */
#define MID_FLOOR_BELOW_MAX_DB 60.0
/* In the distance, side below the mid by more than this is inaudible and
 * counts as this floor (see mm_master_distance). */
#define SIDE_DISTANCE_FLOOR_DB 60.0
/* The distance is judged over 31.5 Hz - 16 kHz (DOMAIN.md section 4). */
#define DIST_LOW_HZ 31.5
#define DIST_HIGH_HZ 16000.0
/* Compressor: threshold 4 dB above the mix's integrated loudness, so that
 * the peaks (a mix's PLR is typically 12-18 dB, its sample peaks 8-14 dB
 * over its loudness) are reduced while the body of the programme passes;
 * 6 dB soft knee; a 1 ms attack, because it is the transient peaks that set
 * PLR (a slow attack lets them through and compresses only the body, which
 * raises PLR); 150 ms release avoids pumping on a beat. */
#define COMP_THRESHOLD_ABOVE_LUFS 4.0
#define COMP_KNEE_DB 6.0
#define COMP_ATTACK_MS 1.0
#define COMP_RELEASE_MS 150.0
#define COMP_MAX_RATIO 2.5
/* The loudness a master may miss its target by (issue 4: 0.5 LU). */
#define LOUDNESS_TOLERANCE_LU 0.5
/* Limiter timing; see limiter.h. */
#define LIM_LOOKAHEAD_MS 3.0
#define LIM_RELEASE_MS 80.0

static mm_measure none(mm_reason r)
{
    mm_measure m = {0.0, r == MM_REASON_NONE ? MM_REASON_NOT_MEASURED : r};
    return m;
}

static int has(mm_measure m) { return m.reason == MM_REASON_NONE && isfinite(m.value); }

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

mm_master_options mm_master_options_default(void)
{
    mm_master_options o;
    o.amount = 1.0;
    o.eq_range_db = 9.0;
    /* triangular window of half-width 1/2 octave: the 1/3-octave neighbours
     * weigh 1/3 of the centre, so single-band notches and peaks of the
     * measurement are softened but broad shapes are followed exactly */
    o.smoothing_octaves = 0.5;
    o.ceiling_dbtp = NAN;
    o.bits = 24;
    o.lossy_output = 0;
    o.mono_below_hz = 120.0;
    return o;
}

mm_analyze_config mm_master_analyze_config(double sample_rate, int channels)
{
    mm_analyze_config c = mm_analyze_config_default(sample_rate, channels);
    c.spectrum_weighting = 1;
    /* frames back to back: a track's long-term spectrum averages thousands
     * of them either way, at half the cost of the two analyses */
    c.spectrum_overlap = 0.0;
    c.series_capacity = 0;
    return c;
}

/* K-weighting (BS.1770-4 Annex 1) power gain at a band centre, from the
 * meter's own design at 48 kHz (bands up to 20 kHz stay below its Nyquist). */
static double kweight_power(double hz)
{
    mm_biquad_coeffs pre, rlb;
    mm__kweighting_design(48000.0, &pre, &rlb);
    double db = mm_biquad_response_db(&pre, 48000.0, hz) + mm_biquad_response_db(&rlb, 48000.0, hz);
    return pow(10.0, db / 10.0);
}

/* Triangular smoothing over bands with a value. IN x[], have[]; OUT y[]. */
static void smooth_bands(double *y, const double *x, const int *have, double half_octaves)
{
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        if (!have[b]) {
            y[b] = 0.0;
            continue;
        }
        double s = 0.0, w = 0.0;
        for (int j = 0; j < MM_MASTER_BANDS; j++) {
            if (!have[j]) continue;
            double d = fabs((double)(j - b)) / 3.0;
            double wj = half_octaves > 0.0 ? 1.0 - d / half_octaves : (j == b ? 1.0 : 0.0);
            if (wj <= 0.0) continue;
            s += wj * x[j];
            w += wj;
        }
        y[b] = w > 0.0 ? s / w : 0.0;
    }
}

static void set_ceiling(mm_master_plan *p, const mm_preset *preset, const mm_master_options *o)
{
    if (isfinite(o->ceiling_dbtp)) {
        p->ceiling_dbtp = o->ceiling_dbtp;
        snprintf(p->ceiling_reason, sizeof p->ceiling_reason, "set by the user");
        return;
    }
    if (preset) {
        /* the master lands within LOUDNESS_TOLERANCE_LU of its target, so a
         * stricter ceiling for louder masters (Spotify: -2 dBTP above -14
         * LUFS) applies as soon as the target is that close to it */
        p->ceiling_dbtp = mm_preset_ceiling_dbtp(preset, p->target_lufs + LOUDNESS_TOLERANCE_LU);
        snprintf(p->ceiling_reason, sizeof p->ceiling_reason, "preset %s%s", preset->name,
                 p->ceiling_dbtp < preset->true_peak_dbtp ? " (its louder-master rule)" : "");
    } else if (p->target_lufs > -14.0) {
        p->ceiling_dbtp = -2.0;
        snprintf(p->ceiling_reason, sizeof p->ceiling_reason, "target louder than -14 LUFS");
    } else {
        p->ceiling_dbtp = -1.0;
        snprintf(p->ceiling_reason, sizeof p->ceiling_reason, "default");
    }
    if (o->lossy_output && p->ceiling_dbtp > -2.0) {
        p->ceiling_dbtp = -2.0;
        snprintf(p->ceiling_reason, sizeof p->ceiling_reason, "lossy codec output");
    }
}

static int band_in_distance(double hz) { return hz >= DIST_LOW_HZ * 0.99 && hz <= DIST_HIGH_HZ * 1.01; }

int mm_master_decide(mm_master_plan *p, const mm_analysis *mix, const mm_analysis *ref, const char *ref_name,
                     const mm_preset *preset, const mm_master_options *opt)
{
    if (!p || !mix || (!ref) == (!preset)) return MM_ERR_INVALID_ARG;
    mm_master_options o = opt ? *opt : mm_master_options_default();
    if (!(o.amount >= 0.0 && o.amount <= 1.0) || !(o.eq_range_db >= 0.0 && o.eq_range_db <= 24.0) ||
        !(o.smoothing_octaves >= 0.0 && o.smoothing_octaves <= 2.0) ||
        (isfinite(o.ceiling_dbtp) && !(o.ceiling_dbtp >= -20.0 && o.ceiling_dbtp <= 0.0)) ||
        (o.bits != 16 && o.bits != 24 && o.bits != 32) || !(o.mono_below_hz >= 0.0 && o.mono_below_hz <= 500.0))
        return MM_ERR_INVALID_ARG;
    if (!has(mix->integrated_lufs)) return MM_ERR_NO_VALUE;
    if (ref && !has(ref->integrated_lufs)) return MM_ERR_NO_VALUE;

    memset(p, 0, sizeof *p);
    p->schema_version = MM_MASTER_PLAN_SCHEMA_VERSION;
    p->target_kind = ref ? MM_MASTER_TARGET_REFERENCE : MM_MASTER_TARGET_PRESET;
    snprintf(p->target_name, sizeof p->target_name, "%s", ref ? (ref_name ? ref_name : "reference") : preset->name);
    p->amount = o.amount;
    p->eq_range_db = o.eq_range_db;
    p->smoothing_octaves = o.smoothing_octaves;
    p->stereo = mix->channels == 2;
    p->mono_below_hz = o.mono_below_hz;

    /* --- loudness target and ceiling ------------------------------------ */
    p->mix_lufs = mix->integrated_lufs;
    p->target_lufs = ref ? ref->integrated_lufs.value : preset->integrated_lufs;
    p->gain_db = p->target_lufs - mix->integrated_lufs.value;
    set_ceiling(p, preset, &o);
    p->limiter_lookahead_ms = LIM_LOOKAHEAD_MS;
    p->limiter_release_ms = LIM_RELEASE_MS;

    /* --- target spectra --------------------------------------------------- */
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        mm_master_band *bd = &p->band[b];
        bd->hz = mix->band_center_hz[b];
        bd->mix_mid_db = mix->mid_band_db[b];
        bd->mix_side_db = p->stereo ? mix->side_band_db[b] : none(MM_REASON_NOT_STEREO);
        if (ref) {
            bd->target_mid_db = ref->mid_band_db[b];
            bd->target_side_db = ref->channels == 2 ? ref->side_band_db[b] : none(MM_REASON_NOT_STEREO);
        } else {
            bd->target_mid_db = mm__ok(mm_target_mid_db(bd->hz));
            bd->target_side_db = mm__ok(mm_target_side_db(bd->hz));
        }
    }
    /* level alignment: K-weighted power over the bands both have, above the
     * mix's noise floor (see MID_FLOOR_BELOW_MAX_DB) */
    double mix_max = -INFINITY;
    for (int b = 0; b < MM_MASTER_BANDS; b++)
        if (has(p->band[b].mix_mid_db) && p->band[b].mix_mid_db.value > mix_max) mix_max = p->band[b].mix_mid_db.value;
    double em = 0.0, et = 0.0;
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        const mm_master_band *bd = &p->band[b];
        if (!has(bd->mix_mid_db) || !has(bd->target_mid_db)) continue;
        if (bd->mix_mid_db.value < mix_max - MID_FLOOR_BELOW_MAX_DB) continue;
        double k = kweight_power(bd->hz);
        em += k * pow(10.0, bd->mix_mid_db.value / 10.0);
        et += k * pow(10.0, bd->target_mid_db.value / 10.0);
    }
    if (!(em > 0.0 && et > 0.0)) return MM_ERR_NO_VALUE;
    p->level_offset_db = 10.0 * log10(et / em);

    /* --- width ------------------------------------------------------------ */
    double w_raw = 0.0;
    if (p->stereo) {
        p->mix_side_mid_db = mix->side_mid_db;
        p->mix_side_mid_low_db = mix->side_mid_low_db;
        if (ref) {
            p->target_side_mid_db = ref->channels == 2 ? ref->side_mid_db : none(MM_REASON_NOT_STEREO);
            p->target_side_mid_low_db = ref->channels == 2 ? ref->side_mid_low_db : none(MM_REASON_NOT_STEREO);
        } else {
            /* the target curve's side/mid energy ratio, overall and low */
            double m = 0, s = 0, ml = 0, sl = 0;
            for (int b = 0; b < MM_MASTER_BANDS; b++) {
                double hz = p->band[b].hz;
                if (hz >= mix->sample_rate / 2.0) continue;
                double pm = pow(10.0, mm_target_mid_db(hz) / 10.0), ps = pow(10.0, mm_target_side_db(hz) / 10.0);
                m += pm;
                s += ps;
                if (hz < 120.0) {
                    ml += pm;
                    sl += ps;
                }
            }
            p->target_side_mid_db = mm__ok(10.0 * log10(s / m));
            p->target_side_mid_low_db = mm__ok(10.0 * log10(sl / ml));
        }
        if (has(p->mix_side_mid_db) && has(p->target_side_mid_db))
            w_raw = p->target_side_mid_db.value - p->mix_side_mid_db.value;
        p->side_gain_db = clampd(w_raw, -WIDTH_RANGE_DB, WIDTH_RANGE_DB) * o.amount;
        /* below mono_below_hz the side may rise only toward a reference
         * that is wider there, and never past LOW_SIDE_MID_MAX_DB; a preset
         * never widens the low end */
        double dlow = 0.0;
        if (ref && has(p->mix_side_mid_low_db) && has(p->target_side_mid_low_db)) {
            dlow = p->target_side_mid_low_db.value - p->mix_side_mid_low_db.value;
            dlow = fmin(dlow, LOW_SIDE_MID_MAX_DB - p->mix_side_mid_low_db.value);
        }
        p->low_side_cap_db = (dlow > 0.0 ? dlow : 0.0) * o.amount;
    } else {
        p->mix_side_mid_db = p->target_side_mid_db = none(MM_REASON_NOT_STEREO);
        p->mix_side_mid_low_db = p->target_side_mid_low_db = none(MM_REASON_NOT_STEREO);
    }

    /* --- tonal match ------------------------------------------------------ */
    double dmid[MM_MASTER_BANDS], dside[MM_MASTER_BANDS], smid[MM_MASTER_BANDS], sside[MM_MASTER_BANDS];
    int hmid[MM_MASTER_BANDS], hside[MM_MASTER_BANDS];
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        mm_master_band *bd = &p->band[b];
        hmid[b] = has(bd->mix_mid_db) && has(bd->target_mid_db);
        hside[b] = p->stereo && has(bd->mix_side_db) && has(bd->target_side_db);
        bd->mid_diff_db = hmid[b] ? mm__ok(bd->target_mid_db.value - p->level_offset_db - bd->mix_mid_db.value)
                                  : none(has(bd->mix_mid_db) ? bd->target_mid_db.reason : bd->mix_mid_db.reason);
        bd->side_diff_db = hside[b] ? mm__ok(bd->target_side_db.value - p->level_offset_db - bd->mix_side_db.value)
                                    : none(!p->stereo ? MM_REASON_NOT_STEREO
                                                      : has(bd->mix_side_db) ? bd->target_side_db.reason
                                                                             : bd->mix_side_db.reason);
        dmid[b] = hmid[b] ? bd->mid_diff_db.value : 0.0;
        /* a mid band at the mix's noise floor (MID_FLOOR_BELOW_MAX_DB under
         * its loudest band) has nothing to boost: no EQ of its own, and it
         * does not pull its neighbours through the smoothing */
        if (hmid[b] && bd->mix_mid_db.value < mix_max - MID_FLOOR_BELOW_MAX_DB) {
            hmid[b] = 0;
            dmid[b] = 0.0;
        }
        /* the side EQ carries what the broadband width change does not */
        dside[b] = hside[b] ? bd->side_diff_db.value - w_raw : 0.0;
        /* against the generic preset curve, a side band at the mix's floor
         * (40 dB under the mid of the band) gets no EQ of its own. A
         * reference, being real programme, is followed even there: a cut or
         * a boost of a masked band is harmless, the range limit bounds it,
         * and it measured closer (recovery side 0.25 dB RMS against 0.62
         * with a 60 dB floor) */
        if (hside[b] && preset && (!has(bd->mix_mid_db) || bd->mix_side_db.value < bd->mix_mid_db.value - SIDE_FLOOR_BELOW_MID_DB)) {
            hside[b] = 0;
            dside[b] = 0.0;
        }
    }
    smooth_bands(smid, dmid, hmid, o.smoothing_octaves);
    smooth_bands(sside, dside, hside, o.smoothing_octaves);
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        mm_master_band *bd = &p->band[b];
        bd->mid_gain_db = clampd(smid[b], -o.eq_range_db, o.eq_range_db) * o.amount;
        if (!p->stereo) continue;
        double g = clampd(sside[b], -o.eq_range_db, o.eq_range_db) * o.amount + p->side_gain_db;
        /* low end: never wider than the target is there */
        if (bd->hz < p->mono_below_hz && g > p->low_side_cap_db) g = p->low_side_cap_db;
        bd->side_gain_db = g;
    }

    /* --- dynamics --------------------------------------------------------- */
    p->mix_plr_db = mix->plr_db;
    p->mix_psr_db = mix->psr_db;
    if (ref) {
        p->target_plr_db = ref->plr_db;
        p->target_psr_db = ref->psr_db;
    } else {
        /* a preset master peaks at its ceiling and plays at its loudness */
        p->target_plr_db = mm__ok(p->ceiling_dbtp - p->target_lufs);
        p->target_psr_db = none(MM_REASON_NOT_MEASURED);
    }
    p->comp_threshold_db = mix->integrated_lufs.value + COMP_THRESHOLD_ABOVE_LUFS;
    if (p->comp_threshold_db > 0.0) p->comp_threshold_db = 0.0;
    p->comp_knee_db = COMP_KNEE_DB;
    p->comp_attack_ms = COMP_ATTACK_MS;
    p->comp_release_ms = COMP_RELEASE_MS;
    p->comp_ratio = 1.0;
    if (has(p->mix_plr_db) && has(p->target_plr_db) && o.amount > 0.0) {
        double excess = p->mix_plr_db.value - p->target_plr_db.value;
        if (excess > MM_MASTER_PLR_CLOSE_DB) {
            p->compressor = 1;
            /* 6 dB of excess asks for 2:1, capped at 2.5:1: gentle, the
             * limiter takes the rest */
            p->comp_ratio = 1.0 + o.amount * fmin(excess / 6.0, COMP_MAX_RATIO - 1.0);
        }
    }

    /* --- output ----------------------------------------------------------- */
    p->bits = o.bits;
    p->dither = (o.lossy_output || o.bits == 32) ? MM_MASTER_DITHER_NONE
                : o.bits == 16                  ? MM_MASTER_DITHER_SHAPED
                                                : MM_MASTER_DITHER_TPDF;
    return MM_OK;
}

int mm_master_plan_validate(const mm_master_plan *p, const char **field)
{
    const char *bad = NULL;
#define CHECK(cond, name)                  \
    do {                                   \
        if (!bad && !(cond)) bad = (name); \
    } while (0)
    if (!p) {
        if (field) *field = "plan";
        return MM_ERR_INVALID_ARG;
    }
    CHECK(p->schema_version == MM_MASTER_PLAN_SCHEMA_VERSION, "schema_version");
    CHECK(p->target_kind == MM_MASTER_TARGET_REFERENCE || p->target_kind == MM_MASTER_TARGET_PRESET, "target.kind");
    CHECK(p->amount >= 0.0 && p->amount <= 1.0, "amount");
    CHECK(p->eq_range_db >= 0.0 && p->eq_range_db <= 24.0, "eq.range_db");
    CHECK(p->smoothing_octaves >= 0.0 && p->smoothing_octaves <= 2.0, "eq.smoothing_octaves");
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        const mm_master_band *bd = &p->band[b];
        CHECK(bd->hz > 0.0 && bd->hz < 30000.0 && (b == 0 || bd->hz > p->band[b - 1].hz), "eq.bands[].hz");
        CHECK(fabs(bd->mid_gain_db) <= 30.0, "eq.bands[].mid_gain_db");
        CHECK(fabs(bd->side_gain_db) <= 30.0, "eq.bands[].side_gain_db");
    }
    CHECK(fabs(p->side_gain_db) <= 30.0, "width.side_gain_db");
    CHECK(p->mono_below_hz >= 0.0 && p->mono_below_hz <= 500.0, "width.mono_below_hz");
    CHECK(p->comp_threshold_db >= -120.0 && p->comp_threshold_db <= 0.0, "compressor.threshold_db");
    CHECK(p->comp_ratio >= 1.0 && p->comp_ratio <= 20.0, "compressor.ratio");
    CHECK(p->comp_knee_db >= 0.0 && p->comp_knee_db <= 24.0, "compressor.knee_db");
    CHECK(p->comp_attack_ms >= 0.0 && p->comp_attack_ms <= 1000.0, "compressor.attack_ms");
    CHECK(p->comp_release_ms >= 0.0 && p->comp_release_ms <= 5000.0, "compressor.release_ms");
    CHECK(p->target_lufs >= -70.0 && p->target_lufs <= 0.0, "loudness.target_lufs");
    CHECK(fabs(p->gain_db) <= 60.0, "loudness.gain_db");
    CHECK(p->ceiling_dbtp >= -20.0 && p->ceiling_dbtp <= 0.0, "ceiling.ceiling_dbtp");
    CHECK(p->limiter_lookahead_ms >= 0.1 && p->limiter_lookahead_ms <= 50.0, "limiter.lookahead_ms");
    CHECK(p->limiter_release_ms >= 1.0 && p->limiter_release_ms <= 5000.0, "limiter.release_ms");
    CHECK(p->bits == 16 || p->bits == 24 || p->bits == 32, "output.bits");
    CHECK(p->dither >= MM_MASTER_DITHER_NONE && p->dither <= MM_MASTER_DITHER_SHAPED, "output.dither");
    CHECK(p->bits != 32 || p->dither == MM_MASTER_DITHER_NONE, "output.dither");
#undef CHECK
    if (field) *field = bad;
    return bad ? MM_ERR_INVALID_ARG : MM_OK;
}

int mm_master_distance(const mm_master_plan *p, const mm_analysis *a, mm_measure *mid_rms, mm_measure *side_rms,
                       mm_measure mid_db[MM_MASTER_BANDS], mm_measure side_db[MM_MASTER_BANDS])
{
    if (!p || !a) return MM_ERR_INVALID_ARG;
    mm_measure md[MM_MASTER_BANDS], sd[MM_MASTER_BANDS];
    /* loudness normalisation: against a reference, shift by the integrated
     * loudness difference; against a preset curve (no absolute level), by
     * the mean mid difference */
    double shift = 0.0;
    int use_mean = p->target_kind == MM_MASTER_TARGET_PRESET || !has(a->integrated_lufs);
    if (!use_mean) shift = a->integrated_lufs.value - p->target_lufs;
    double sum = 0.0;
    int n = 0;
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        const mm_master_band *bd = &p->band[b];
        md[b] = (has(a->mid_band_db[b]) && has(bd->target_mid_db))
                    ? mm__ok(a->mid_band_db[b].value - bd->target_mid_db.value)
                    : none(has(a->mid_band_db[b]) ? bd->target_mid_db.reason : a->mid_band_db[b].reason);
        /* side levels more than SIDE_DISTANCE_FLOOR_DB under the mid of the
         * same band count as that floor (silence and dither noise included):
         * the side is inaudible there, and a mono signal would otherwise
         * read either no distance or one of 100 dB from dither alone */
        double as = 0.0, ts = 0.0;
        int ha = 0, ht = 0;
        if (a->channels == 2 && has(a->mid_band_db[b])) {
            double fl = a->mid_band_db[b].value - SIDE_DISTANCE_FLOOR_DB;
            as = has(a->side_band_db[b]) && a->side_band_db[b].value > fl ? a->side_band_db[b].value : fl;
            ha = 1;
        }
        if (has(bd->target_mid_db) && bd->target_side_db.reason != MM_REASON_NOT_STEREO) {
            double fl = bd->target_mid_db.value - SIDE_DISTANCE_FLOOR_DB;
            ts = has(bd->target_side_db) && bd->target_side_db.value > fl ? bd->target_side_db.value : fl;
            ht = 1;
        }
        sd[b] = (ha && ht) ? mm__ok(as - ts)
                           : none(a->channels != 2 || bd->target_side_db.reason == MM_REASON_NOT_STEREO
                                      ? MM_REASON_NOT_STEREO
                                      : has(a->mid_band_db[b]) ? bd->target_mid_db.reason : a->mid_band_db[b].reason);
        if (has(md[b]) && band_in_distance(bd->hz)) {
            sum += md[b].value;
            n++;
        }
    }
    if (use_mean && n) shift = sum / n;
    double em = 0.0, es = 0.0;
    int nm = 0, ns = 0;
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        if (has(md[b])) md[b].value -= shift;
        if (has(sd[b])) sd[b].value -= shift;
        if (!band_in_distance(p->band[b].hz)) continue;
        if (has(md[b])) {
            em += md[b].value * md[b].value;
            nm++;
        }
        if (has(sd[b])) {
            es += sd[b].value * sd[b].value;
            ns++;
        }
    }
    if (mid_rms) *mid_rms = nm ? mm__ok(sqrt(em / nm)) : none(MM_REASON_SILENT);
    if (side_rms) *side_rms = ns ? mm__ok(sqrt(es / ns)) : none(a->channels == 2 ? MM_REASON_SILENT : MM_REASON_NOT_STEREO);
    if (mid_db) memcpy(mid_db, md, sizeof md);
    if (side_db) memcpy(side_db, sd, sizeof sd);
    return MM_OK;
}

double mm_master_plan_eq_loudness_db(const mm_master_plan *p)
{
    if (!p) return 0.0;
    /* stereo loudness sums L^2 + R^2 = 2 (M^2 + S^2): mid and side add */
    double num = 0.0, den = 0.0;
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        const mm_master_band *bd = &p->band[b];
        double k = kweight_power(bd->hz);
        if (has(bd->mix_mid_db)) {
            double e = k * pow(10.0, bd->mix_mid_db.value / 10.0);
            den += e;
            num += e * pow(10.0, bd->mid_gain_db / 10.0);
        }
        if (p->stereo && has(bd->mix_side_db)) {
            double e = k * pow(10.0, bd->mix_side_db.value / 10.0);
            den += e;
            num += e * pow(10.0, bd->side_gain_db / 10.0);
        }
    }
    return (num > 0.0 && den > 0.0) ? 10.0 * log10(num / den) : 0.0;
}
