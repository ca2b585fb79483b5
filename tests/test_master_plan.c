/*
 * Mastering decisions without audio: hand-made analyses in, plan out.
 * Every rule of include/mixmaster/master.h is checked against numbers that
 * follow from it by hand: level alignment, tilt following, the range limit,
 * amount, smoothing, width and the mono low end, the compressor trigger,
 * ceilings, dither, the distance measure, and the plan's JSON round trip
 * and strict reader.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/master.h"
#include "mixmaster/master_report.h"
#include "mixmaster/report.h"

static mm_measure M(double v)
{
    mm_measure m = {v, MM_REASON_NONE};
    return m;
}

/* A stereo analysis with mid bands from f, side = mid - 12 dB. */
static mm_analysis make(double (*f)(double hz), double lufs, double tp, double side_mid)
{
    mm_analysis a;
    memset(&a, 0, sizeof a);
    a.sample_rate = 44100;
    a.channels = 2;
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++) {
        double hz = 1000.0 * pow(2.0, (b - 17) / 3.0);
        a.band_center_hz[b] = hz;
        a.mid_band_db[b] = M(f(hz));
        a.side_band_db[b] = M(f(hz) - 12.0);
    }
    a.integrated_lufs = M(lufs);
    a.true_peak_dbtp = M(tp);
    a.plr_db = M(tp - lufs);
    a.shortterm_max_lufs = M(lufs + 1.0);
    a.psr_db = M(tp - lufs - 1.0);
    a.side_mid_db = M(side_mid);
    a.side_mid_low_db = M(-30.0);
    return a;
}

static double pink(double hz) { (void)hz; return -30.0; }
static double tilt(double hz) { return -30.0 + 1.0 * log2(hz / 1000.0) + 6.0; } /* +1 dB/oct, +6 dB level */
static double bump(double hz) { return -30.0 + (fabs(log2(hz / 1000.0)) < 0.2 ? 15.0 : 0.0); }

static void test_identity(void **state)
{
    (void)state;
    mm_analysis a = make(pink, -18, -3, -12);
    mm_master_plan p;
    assert_int_equal(mm_master_decide(&p, &a, &a, "ref.wav", NULL, NULL), MM_OK);
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        assert_near(p.band[b].mid_gain_db, 0.0, 1e-9);
        assert_near(p.band[b].side_gain_db, 0.0, 1e-9);
    }
    assert_near(p.gain_db, 0.0, 1e-12);
    assert_near(p.side_gain_db, 0.0, 1e-12);
    assert_int_equal(p.compressor, 0);
    assert_near(p.ceiling_dbtp, -1.0, 0);
    assert_string_equal(p.target_name, "ref.wav");
    assert_int_equal(mm_master_plan_validate(&p, NULL), MM_OK);
    assert_near(mm_master_plan_eq_loudness_db(&p), 0.0, 1e-9);
}

/* A reference tilted +1 dB/octave and 6 dB louder: the EQ follows the
 * tilt (the level goes to the loudness gain, not the EQ), within the
 * smoothing's edge effect at the ends. */
static void test_tilt(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -12), ref = make(tilt, -14, -1, -12);
    mm_master_plan p;
    assert_int_equal(mm_master_decide(&p, &mix, &ref, "ref", NULL, NULL), MM_OK);
    assert_near(p.gain_db, 6.0, 1e-12);
    /* gains differ by 1 dB per octave = 1/3 dB per band away from the ends */
    for (int b = 3; b < MM_MASTER_BANDS - 3; b++) {
        double step = p.band[b + 1].mid_gain_db - p.band[b].mid_gain_db;
        assert_near(step, 1.0 / 3.0, 1e-9);
        assert_near(p.band[b + 1].side_gain_db - p.band[b].side_gain_db, 1.0 / 3.0, 1e-9);
        /* the measured trigger is the raw difference */
        assert_near(p.band[b + 1].mid_diff_db.value - p.band[b].mid_diff_db.value, 1.0 / 3.0, 1e-9);
    }
    /* level alignment is K-weighted: the gains' K-weighted mean is 0 dB */
    assert_near(mm_master_plan_eq_loudness_db(&p), 0.0, 0.3);
}

static void test_range_amount_smoothing(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -12), ref = make(bump, -20, -6, -12);
    mm_master_options o = mm_master_options_default();
    o.smoothing_octaves = 0.0;
    mm_master_plan p;
    assert_int_equal(mm_master_decide(&p, &mix, &ref, "ref", NULL, &o), MM_OK);
    /* +15 dB at 1 kHz only: the difference is 15 - offset, limited to +9 */
    assert_near(p.band[17].mid_gain_db, 9.0, 1e-9);
    assert_true(p.band[17].mid_diff_db.value > 12.0);
    assert_near(p.band[16].mid_gain_db, p.band[16].mid_diff_db.value, 1e-9);
    /* amount 50 %: half of the limited gain */
    o.amount = 0.5;
    mm_master_plan h;
    mm_master_decide(&h, &mix, &ref, "ref", NULL, &o);
    assert_near(h.band[17].mid_gain_db, 4.5, 1e-9);
    assert_near(h.band[5].mid_gain_db, 0.5 * p.band[5].mid_gain_db, 1e-9);
    /* smoothing 1/2 octave: neighbours weigh 1/3: peak = (d17 + (d16 + d18)/3) / (5/3) */
    o.amount = 1.0;
    o.smoothing_octaves = 0.5;
    o.eq_range_db = 24.0;
    mm_master_plan s;
    mm_master_decide(&s, &mix, &ref, "ref", NULL, &o);
    double d16 = s.band[16].mid_diff_db.value, d17 = s.band[17].mid_diff_db.value, d18 = s.band[18].mid_diff_db.value;
    assert_near(s.band[17].mid_gain_db, (d17 + (d16 + d18) / 3.0) / (5.0 / 3.0), 1e-9);
    /* amount 0: nothing at all */
    o.amount = 0.0;
    mm_master_plan z;
    mix.plr_db = M(25.0);
    mm_master_decide(&z, &mix, &ref, "ref", NULL, &o);
    for (int b = 0; b < MM_MASTER_BANDS; b++) assert_near(z.band[b].mid_gain_db, 0.0, 0.0);
    assert_int_equal(z.compressor, 0);
}

static void test_width_and_low_end(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -16), ref = make(pink, -20, -6, -12);
    /* the reference is 4 dB wider overall, and wider below 120 Hz by 3 dB */
    ref.side_mid_low_db = M(-27.0);
    mm_master_plan p;
    mm_master_decide(&p, &mix, &ref, "ref", NULL, NULL);
    assert_near(p.side_gain_db, 4.0, 1e-12);
    assert_near(p.low_side_cap_db, 3.0, 1e-12);
    for (int b = 0; b < MM_MASTER_BANDS; b++) {
        /* band side levels are equal, so the side EQ removes the width gain
         * again above 120 Hz... */
        if (p.band[b].hz >= 120.0) assert_near(p.band[b].side_gain_db, 0.0, 1e-9);
        else assert_true(p.band[b].side_gain_db <= 3.0 + 1e-12);
    }
    /* a preset never widens the low end */
    mm_master_plan q;
    mix.side_mid_low_db = M(-60.0);
    mm_master_decide(&q, &mix, NULL, NULL, mm_preset_find("spotify"), NULL);
    assert_near(q.low_side_cap_db, 0.0, 0.0);
    for (int b = 0; b < MM_MASTER_BANDS; b++)
        if (q.band[b].hz < q.mono_below_hz) assert_true(q.band[b].side_gain_db <= 0.0);
    /* a mono reference says nothing about the side */
    mm_analysis mono = make(pink, -20, -6, -12);
    mono.channels = 1;
    mm_master_plan r;
    mm_master_decide(&r, &mix, &mono, "mono", NULL, NULL);
    assert_near(r.side_gain_db, 0.0, 0.0);
    assert_int_equal(r.target_side_mid_db.reason, MM_REASON_NOT_STEREO);
    for (int b = 0; b < MM_MASTER_BANDS; b++) assert_near(r.band[b].side_gain_db, 0.0, 0.0);
}

/* A mix band 60 dB under its loudest is noise floor: no EQ there, and it
 * does not pull its neighbours through the smoothing. */
static void test_noise_floor(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -12), ref = make(pink, -20, -6, -12);
    mix.mid_band_db[25] = M(-100.0); /* 8 kHz: 70 dB under the other bands */
    mm_master_plan p;
    mm_master_decide(&p, &mix, &ref, "ref", NULL, NULL);
    assert_true(p.band[25].mid_diff_db.value > 60.0); /* the trigger is still reported */
    assert_near(p.band[25].mid_gain_db, 0.0, 0.0);
    assert_true(fabs(p.band[24].mid_gain_db) < 0.1 && fabs(p.band[26].mid_gain_db) < 0.1);
}

static void test_compressor_trigger(void **state)
{
    (void)state;
    mm_analysis ref = make(pink, -10, -1, -12); /* PLR 9 */
    mm_analysis close_mix = make(pink, -20, -8, -12); /* PLR 12: 3 dB over, "close" */
    mm_analysis far_mix = make(pink, -20, -2, -12);   /* PLR 18: 9 dB over */
    mm_master_plan p;
    mm_master_decide(&p, &close_mix, &ref, "ref", NULL, NULL);
    assert_int_equal(p.compressor, 0);
    assert_near(p.mix_plr_db.value, 12.0, 1e-12);
    assert_near(p.target_plr_db.value, 9.0, 1e-12);
    mm_master_decide(&p, &far_mix, &ref, "ref", NULL, NULL);
    assert_int_equal(p.compressor, 1);
    assert_near(p.comp_ratio, 2.5, 1e-12); /* 1 + min(9/6, 1.5) */
    assert_near(p.comp_threshold_db, -16.0, 1e-12); /* mix loudness + 4 */
    /* preset: the target PLR is ceiling - loudness */
    mm_master_decide(&p, &far_mix, NULL, NULL, mm_preset_find("apple"), NULL);
    assert_near(p.target_plr_db.value, -1.0 - (-16.0), 1e-12);
    assert_int_equal(p.compressor, 0); /* 18 - 15 = 3: close */
}

static void test_ceiling_and_output(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -12), loud = make(pink, -9, -0.5, -12);
    mm_master_plan p;
    mm_master_options o = mm_master_options_default();
    mm_master_decide(&p, &mix, &loud, "ref", NULL, &o);
    assert_near(p.ceiling_dbtp, -2.0, 0); /* louder than -14 LUFS */
    mm_master_decide(&p, &mix, &mix, "ref", NULL, &o);
    assert_near(p.ceiling_dbtp, -1.0, 0);
    assert_int_equal(p.dither, MM_MASTER_DITHER_TPDF); /* 24 bit */
    o.lossy_output = 1;
    mm_master_decide(&p, &mix, &mix, "ref", NULL, &o);
    assert_near(p.ceiling_dbtp, -2.0, 0);
    assert_int_equal(p.dither, MM_MASTER_DITHER_NONE);
    o = mm_master_options_default();
    o.bits = 16;
    o.ceiling_dbtp = -0.5;
    mm_master_decide(&p, &mix, NULL, NULL, mm_preset_find("ebu-r128"), &o);
    assert_near(p.ceiling_dbtp, -0.5, 0);
    assert_near(p.target_lufs, -23.0, 0);
    assert_int_equal(p.dither, MM_MASTER_DITHER_SHAPED);
    assert_string_equal(p.target_name, "ebu-r128");
    o.bits = 32;
    o.ceiling_dbtp = NAN;
    mm_master_decide(&p, &mix, NULL, NULL, mm_preset_find("amazon"), &o);
    assert_near(p.ceiling_dbtp, -2.0, 0);
    assert_int_equal(p.dither, MM_MASTER_DITHER_NONE);
}

static void test_bad_input(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -12), silent = mix;
    silent.integrated_lufs.reason = MM_REASON_SILENT;
    mm_master_plan p;
    const mm_preset *sp = mm_preset_find("spotify");
    assert_int_equal(mm_master_decide(&p, &silent, NULL, NULL, sp, NULL), MM_ERR_NO_VALUE);
    assert_int_equal(mm_master_decide(&p, &mix, &silent, "x", NULL, NULL), MM_ERR_NO_VALUE);
    assert_int_equal(mm_master_decide(&p, &mix, &mix, "x", sp, NULL), MM_ERR_INVALID_ARG); /* both */
    assert_int_equal(mm_master_decide(&p, &mix, NULL, NULL, NULL, NULL), MM_ERR_INVALID_ARG); /* neither */
    mm_master_options o = mm_master_options_default();
    o.amount = 1.5;
    assert_int_equal(mm_master_decide(&p, &mix, NULL, NULL, sp, &o), MM_ERR_INVALID_ARG);
    o = mm_master_options_default();
    o.bits = 20;
    assert_int_equal(mm_master_decide(&p, &mix, NULL, NULL, sp, &o), MM_ERR_INVALID_ARG);
    mm_master_decide(&p, &mix, NULL, NULL, sp, NULL);
    const char *field = NULL;
    p.comp_ratio = 0.5;
    assert_int_equal(mm_master_plan_validate(&p, &field), MM_ERR_INVALID_ARG);
    assert_string_equal(field, "compressor.ratio");
}

/* The distance removes the loudness difference and measures the rest. */
static void test_distance(void **state)
{
    (void)state;
    mm_analysis ref = make(pink, -14, -1, -12), a = make(pink, -20, -6, -12);
    mm_master_plan p;
    mm_master_decide(&p, &a, &ref, "ref", NULL, NULL);
    mm_measure dm, ds;
    mm_master_distance(&p, &ref, &dm, &ds, NULL, NULL);
    assert_near(dm.value, 0.0, 1e-12);
    /* a: same shape, band levels equal but 6 LU quieter: after normalisation
     * every band reads +6 dB */
    mm_master_distance(&p, &a, &dm, &ds, NULL, NULL);
    assert_near(dm.value, 6.0, 1e-9);
    assert_near(ds.value, 6.0, 1e-9);
    /* +-1 dB alternating over the 27 bands 31.5 Hz-16 kHz: RMS 1 */
    mm_analysis z = ref;
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++) z.mid_band_db[b].value += (b % 2) ? 1.0 : -1.0;
    mm_measure bands[MM_MASTER_BANDS];
    mm_master_distance(&p, &z, &dm, NULL, bands, NULL);
    assert_near(dm.value, 1.0, 1e-9);
    assert_near(bands[17].value, 1.0, 1e-9);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -2, -16), ref = make(tilt, -9, -1, -12);
    ref.side_band_db[3].reason = MM_REASON_SILENT; /* a trigger without a value */
    mm_master_plan p, q;
    mm_master_decide(&p, &mix, &ref, "ref \"quoted\".wav", NULL, NULL);
    int st;
    char *a = mm_master_plan_to_json(&p, &st);
    assert_non_null(a);
    char err[256];
    assert_int_equal(mm_master_plan_from_json(a, &q, err, sizeof err), MM_OK);
    char *b = mm_master_plan_to_json(&q, &st);
    assert_string_equal(a, b); /* written, read, written: the same text */
    /* numbers keep 4 decimals */
    assert_near(q.band[20].mid_gain_db, p.band[20].mid_gain_db, 5e-5);
    assert_near(q.comp_ratio, p.comp_ratio, 5e-5);
    assert_int_equal(q.compressor, p.compressor);
    assert_int_equal(q.dither, p.dither);
    assert_string_equal(q.target_name, p.target_name);
    assert_int_equal(q.band[3].target_side_db.reason, MM_REASON_SILENT);
    assert_non_null(strstr(a, "\"null_reasons\""));
    mm_report_free(a);
    mm_report_free(b);
}

/* The strict reader names the field. */
static void expect_error(const char *json, const char *field)
{
    mm_master_plan q;
    char err[256];
    assert_int_equal(mm_master_plan_from_json(json, &q, err, sizeof err), MM_ERR_FORMAT);
    printf("# %s -> %s\n", field, err);
    assert_non_null(strstr(err, field));
}

static char *edited(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    assert_non_null(at);
    size_t n = strlen(doc) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - doc), doc, to, at + strlen(from));
    return s;
}

static void test_json_strict(void **state)
{
    (void)state;
    mm_analysis mix = make(pink, -20, -6, -12);
    mm_master_plan p;
    mm_master_decide(&p, &mix, NULL, NULL, mm_preset_find("spotify"), NULL);
    int st;
    char *doc = mm_master_plan_to_json(&p, &st);
    char *e;
    expect_error("{\"schema_version\": 1", "not valid JSON");
    expect_error("[]", "not a JSON object");
    e = edited(doc, "\"schema_version\":\t1", "\"schema_version\":\t7");
    expect_error(e, "schema_version");
    free(e);
    e = edited(doc, "\"ratio\":\t1", "\"ratio\":\t\"two\"");
    expect_error(e, "compressor.ratio");
    free(e);
    e = edited(doc, "\"ceiling_dbtp\":\t-2", "\"ceiling_dbtp\":\t3");
    expect_error(e, "ceiling.ceiling_dbtp");
    free(e);
    e = edited(doc, "\"mid_gain_db\"", "\"mid_gain\"");
    expect_error(e, "eq.bands[0].mid_gain_db");
    free(e);
    e = edited(doc, "\"dither\":\t\"tpdf\"", "\"dither\":\t\"lots\"");
    expect_error(e, "output.dither");
    free(e);
    e = edited(doc, "\"enabled\":\tfalse", "\"enabled\":\t0");
    expect_error(e, "compressor.enabled");
    free(e);
    e = edited(doc, "\"kind\":\t\"preset\"", "\"kind\":\t\"guess\"");
    expect_error(e, "target.kind");
    free(e);
    /* numbers far beyond an int are refused, not cast (undefined behaviour) */
    e = edited(doc, "\"schema_version\":\t1", "\"schema_version\":\t4e116");
    expect_error(e, "schema_version");
    free(e);
    e = edited(doc, "\"bits\":\t24", "\"bits\":\t4e116");
    expect_error(e, "output.bits");
    free(e);
    mm_report_free(doc);
}

int main(void)
{
    tu_seed_init("test_master_plan");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_tilt),
        cmocka_unit_test(test_range_amount_smoothing),
        cmocka_unit_test(test_width_and_low_end),
        cmocka_unit_test(test_noise_floor),
        cmocka_unit_test(test_compressor_trigger),
        cmocka_unit_test(test_ceiling_and_output),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_json_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
