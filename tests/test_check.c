/*
 * Readiness checks. Three layers:
 *  - the rules, on hand-made analyses: every threshold just below and just
 *    above its edge, stage and preset rules, overrides by key and by JSON;
 *  - the playback translation, on synthesized signals whose answer is known:
 *    a 1 kHz tone through each device changes loudness by the device's
 *    response at 1 kHz, and a tone pair with a known mid/side split changes
 *    its tonal balance in mono by the amount computed here from M and S;
 *  - the command line on the corpus: each flawed variant is flagged by the
 *    right check, the clean mix passes everything, a signal built to
 *    overshoot trips the codec check, and bad files in a batch are reported
 *    while the others are still checked.
 */
#include "cliutil.h"

#include "mixmaster/check.h"
#include "mixmaster/report.h"
#include "mixmaster/translation.h"

static mm_measure ok(double v)
{
    mm_measure m = {v, MM_REASON_NONE};
    return m;
}

/* A clean stereo mix, every figure comfortably inside its threshold. */
static mm_analysis clean(const mm_check_config *cfg)
{
    mm_analysis a;
    memset(&a, 0, sizeof a);
    a.sample_rate = 48000;
    a.channels = 2;
    a.duration_s = 180.0;
    a.frames = 180 * 48000;
    a.true_peak_oversample = 4;
    a.integrated_lufs = ok(-20.0);
    a.loudness_range_lu = ok(6.0);
    a.momentary_max_lufs = ok(-14.0);
    a.shortterm_max_lufs = ok(-16.5);
    a.sample_peak_dbfs = ok(-4.5);
    a.true_peak_dbtp = ok(-4.3);
    a.plr_db = ok(15.7);
    a.psr_db = ok(12.2);
    a.crest_db = ok(15.0);
    a.rms_dbfs = ok(-19.5);
    for (int b = 0; b < MM_TONAL_BANDS; b++) {
        a.tonal_mid_db[b] = ok(cfg->tonal_target_db[b]);
        a.tonal_side_db[b] = ok(cfg->tonal_target_db[b]);
    }
    a.correlation = ok(0.8);
    a.correlation_low = ok(0.98);
    a.correlation_min = ok(0.3);
    a.negative_correlation_s = ok(0.0);
    a.side_mid_db = ok(-12.0);
    a.side_mid_low_db = ok(-30.0);
    a.balance_db = ok(0.1);
    a.mono_fold_lufs = ok(-20.4);
    a.mono_loss_db = ok(0.4);
    a.leading_silence_s = ok(0.05);
    a.trailing_silence_s = ok(0.8);
    return a;
}

static mm_check_inputs inputs(const mm_analysis *a)
{
    mm_check_inputs in;
    memset(&in, 0, sizeof in);
    in.analysis = a;
    in.bit_depth = 24;
    return in;
}

static const mm_check_result *find(const mm_check_report *r, const char *id)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->results[i].id, id)) return &r->results[i];
    return NULL;
}

static mm_check_status status_of(const mm_check_config *cfg, const mm_check_inputs *in, const char *id)
{
    static mm_check_report rep; /* large: keep it off the stack */
    assert_int_equal(mm_check_run(cfg, in, &rep), MM_OK);
    const mm_check_result *r = find(&rep, id);
    if (!r) {
        print_error("no check called %s\n", id);
        fail();
    }
    return r->status;
}

#define EXPECT(cfg, in, id, st) assert_int_equal(status_of(cfg, in, id), st)

static void test_clean_mix_passes_everything(void **state)
{
    (void)state;
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_analysis a = clean(&cfg);
    mm_check_inputs in = inputs(&a);
    static mm_check_report rep;
    assert_int_equal(mm_check_run(&cfg, &in, &rep), MM_OK);
    assert_int_equal(rep.fails, 0);
    assert_int_equal(rep.warns, 0);
    assert_true(rep.passes >= 20);
    assert_int_equal(rep.fails + rep.warns + rep.passes + rep.skips, rep.count);
    for (size_t i = 0; i < rep.count; i++) {
        const mm_check_result *r = &rep.results[i];
        if (r->status == MM_CHECK_SKIP) continue;
        assert_true(r->threshold[0] && r->source[0] && r->advice[0] && r->measured[0]);
    }
    /* master stage: headroom is not a master's business, loudness needs a preset */
    mm_check_config_default(&cfg, MM_STAGE_MASTER, NULL);
    EXPECT(&cfg, &in, "headroom", MM_CHECK_SKIP);
    EXPECT(&cfg, &in, "loudness", MM_CHECK_SKIP);
    EXPECT(&cfg, &in, "true_peak", MM_CHECK_PASS);
}

/* Each threshold, just inside and just outside. */
static void test_threshold_edges(void **state)
{
    (void)state;
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_analysis a;
    mm_check_inputs in;
#define CASE(field_assign, id, st)      \
    do {                                \
        a = clean(&cfg);                \
        in = inputs(&a);                \
        field_assign;                   \
        EXPECT(&cfg, &in, id, st);      \
    } while (0)
    CASE(a.clip_runs = 0, "clipping", MM_CHECK_PASS);
    CASE(a.clip_runs = 1, "clipping", MM_CHECK_FAIL);
    CASE(a.true_peak_dbtp = ok(-0.01), "overs", MM_CHECK_PASS);
    CASE(a.true_peak_dbtp = ok(0.01), "overs", MM_CHECK_FAIL);
    CASE(a.sample_peak_dbfs = ok(-3.01), "headroom", MM_CHECK_PASS);
    CASE(a.sample_peak_dbfs = ok(-2.99), "headroom", MM_CHECK_WARN);
    CASE(a.sample_peak_dbfs = ok(-1.01), "headroom", MM_CHECK_WARN);
    CASE(a.sample_peak_dbfs = ok(-0.99), "headroom", MM_CHECK_FAIL);
    CASE(a.sample_peak_dbfs = ok(-24.0), "headroom", MM_CHECK_PASS);
    CASE(a.integrated_lufs = ok(-29.99), "level", MM_CHECK_PASS);
    CASE(a.integrated_lufs = ok(-30.01), "level", MM_CHECK_WARN);
    CASE(a.ch[1].dc_offset = 0.00099, "dc_offset", MM_CHECK_PASS);
    CASE(a.ch[1].dc_offset = -0.00101, "dc_offset", MM_CHECK_WARN);
    CASE(a.ch[0].dc_offset = 0.0101, "dc_offset", MM_CHECK_FAIL);
    CASE(a.negative_correlation_s = ok(0.99), "phase", MM_CHECK_PASS);
    CASE(a.negative_correlation_s = ok(1.01), "phase", MM_CHECK_WARN);
    CASE(a.correlation = ok(-0.01), "phase", MM_CHECK_FAIL);
    CASE((a.correlation = ok(-0.5), a.correlation_low = ok(-0.79)), "polarity", MM_CHECK_PASS);
    CASE((a.correlation = ok(-0.5), a.correlation_low = ok(-0.81)), "polarity", MM_CHECK_FAIL);
    CASE((a.correlation = ok(0.1), a.correlation_low = ok(-0.9)), "polarity", MM_CHECK_PASS);
    CASE(a.mono_loss_db = ok(2.99), "mono_loss", MM_CHECK_PASS);
    CASE(a.mono_loss_db = ok(3.01), "mono_loss", MM_CHECK_WARN);
    CASE(a.mono_loss_db = ok(6.01), "mono_loss", MM_CHECK_FAIL);
    CASE(a.mono_loss_db.reason = MM_REASON_CANCELS, "mono_loss", MM_CHECK_FAIL);
    CASE(a.correlation_low = ok(0.51), "low_end", MM_CHECK_PASS);
    CASE(a.correlation_low = ok(0.49), "low_end", MM_CHECK_WARN);
    CASE(a.side_mid_low_db = ok(-10.01), "low_end", MM_CHECK_PASS);
    CASE(a.side_mid_low_db = ok(-9.99), "low_end", MM_CHECK_WARN);
    CASE(a.psr_db = ok(8.01), "dynamics.psr", MM_CHECK_PASS);
    CASE(a.psr_db = ok(7.99), "dynamics.psr", MM_CHECK_WARN);
    CASE(a.tonal_mid_db[0] = ok(cfg.tonal_target_db[0] + 2.99), "tonal.low", MM_CHECK_PASS);
    CASE(a.tonal_mid_db[0] = ok(cfg.tonal_target_db[0] + 3.01), "tonal.low", MM_CHECK_WARN);
    CASE(a.tonal_mid_db[3] = ok(cfg.tonal_target_db[3] - 3.01), "tonal.high", MM_CHECK_WARN);
    CASE(a.leading_silence_s = ok(0.99), "silence.leading", MM_CHECK_PASS);
    CASE(a.leading_silence_s = ok(1.01), "silence.leading", MM_CHECK_WARN);
    CASE(a.trailing_silence_s = ok(2.99), "silence.trailing", MM_CHECK_PASS);
    CASE(a.trailing_silence_s = ok(3.01), "silence.trailing", MM_CHECK_WARN);
    CASE(a.side_mid_db = ok(-59.9), "mono_in_stereo", MM_CHECK_PASS);
    CASE(a.side_mid_db = ok(-60.1), "mono_in_stereo", MM_CHECK_WARN);
    CASE(a.side_mid_db.reason = MM_REASON_SILENT, "mono_in_stereo", MM_CHECK_WARN);
    CASE(a.sample_rate = 44100, "format.sample_rate", MM_CHECK_PASS);
    CASE(a.sample_rate = 32000, "format.sample_rate", MM_CHECK_WARN);
    CASE(in.bit_depth = 16, "format.bit_depth", MM_CHECK_WARN);
    CASE((in.bit_depth = 32, in.is_float = 1), "format.bit_depth", MM_CHECK_PASS);
    CASE(in.lossy = 1, "format.bit_depth", MM_CHECK_FAIL);
    CASE(a.nonfinite_samples = 1, "nonfinite", MM_CHECK_FAIL);
    /* a mono file: stereo checks do not apply */
    CASE(a.channels = 1, "phase", MM_CHECK_SKIP);
    CASE(a.channels = 1, "low_end", MM_CHECK_SKIP);

    /* master stage with a preset */
    mm_check_config_default(&cfg, MM_STAGE_MASTER, mm_preset_find("spotify"));
    CASE((a.integrated_lufs = ok(-16.0), a.true_peak_dbtp = ok(-1.01)), "true_peak", MM_CHECK_PASS);
    CASE((a.integrated_lufs = ok(-16.0), a.true_peak_dbtp = ok(-0.99)), "true_peak", MM_CHECK_FAIL);
    /* louder than -14 LUFS: Spotify's ceiling is -2 dBTP */
    CASE((a.integrated_lufs = ok(-10.0), a.true_peak_dbtp = ok(-2.01)), "true_peak", MM_CHECK_PASS);
    CASE((a.integrated_lufs = ok(-10.0), a.true_peak_dbtp = ok(-1.99)), "true_peak", MM_CHECK_FAIL);
    CASE(a.integrated_lufs = ok(-14.99), "loudness", MM_CHECK_PASS);
    CASE(a.integrated_lufs = ok(-15.01), "loudness", MM_CHECK_WARN);
    CASE(a.integrated_lufs = ok(-12.99), "loudness", MM_CHECK_WARN);
    CASE(in.bit_depth = 16, "format.bit_depth", MM_CHECK_PASS);
    CASE(a.plr_db = ok(17.99), "dynamics.plr", MM_CHECK_PASS);
    CASE(a.plr_db = ok(18.01), "dynamics.plr", MM_CHECK_WARN);
    /* broadcast loudness out of range is a failure */
    mm_check_config_default(&cfg, MM_STAGE_MASTER, mm_preset_find("ebu-r128"));
    CASE(a.integrated_lufs = ok(-23.9), "loudness", MM_CHECK_PASS);
    CASE(a.integrated_lufs = ok(-24.1), "loudness", MM_CHECK_FAIL);

    /* translation and codec figures */
    mm_translation_result tr;
    memset(&tr, 0, sizeof tr);
    for (int d = 0; d < MM_DEVICE_COUNT; d++) tr.device_change_lu[d] = ok(-1.0);
    for (int b = 0; b < MM_TONAL_BANDS; b++) tr.mono_band_change_db[b] = ok(0.5);
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    CASE((in.translation = &tr, tr.device_change_lu[MM_DEVICE_PHONE] = ok(-9.99)), "translation.phone", MM_CHECK_PASS);
    CASE((in.translation = &tr, tr.device_change_lu[MM_DEVICE_PHONE] = ok(-10.01)), "translation.phone", MM_CHECK_WARN);
    CASE((in.translation = &tr, tr.device_change_lu[MM_DEVICE_CAR] = ok(-4.01)), "translation.car", MM_CHECK_WARN);
    CASE((in.translation = &tr, tr.mono_band_change_db[2] = ok(-2.99)), "translation.mono", MM_CHECK_PASS);
    CASE((in.translation = &tr, tr.mono_band_change_db[2] = ok(-3.01)), "translation.mono", MM_CHECK_WARN);
    mm_check_codec k = {"mp3", 320, ok(-10.0), ok(-10.2), ok(-1.0), ok(-0.01)};
    CASE((in.codecs = &k, in.codec_count = 1), "codec.mp3", MM_CHECK_PASS);
    CASE((k.decoded_true_peak_dbtp = ok(0.01), in.codecs = &k, in.codec_count = 1), "codec.mp3", MM_CHECK_WARN);
    CASE((k.decoded_true_peak_dbtp = ok(-1.0), k.decoded_lufs = ok(-10.51), in.codecs = &k, in.codec_count = 1),
         "codec.mp3", MM_CHECK_WARN);
    mm_check_config_default(&cfg, MM_STAGE_MASTER, NULL);
    CASE((k.decoded_true_peak_dbtp = ok(0.01), k.decoded_lufs = ok(-10.0), in.codecs = &k, in.codec_count = 1),
         "codec.mp3", MM_CHECK_FAIL);
#undef CASE
}

/* Overrides: by key (with or without "check."), by JSON (flat, grouped,
 * under "checks"); unknown keys and non-numbers are refused by name. */
static void test_overrides(void **state)
{
    (void)state;
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_analysis a = clean(&cfg);
    a.clip_runs = 3;
    mm_check_inputs in = inputs(&a);
    EXPECT(&cfg, &in, "clipping", MM_CHECK_FAIL);
    assert_int_equal(mm_check_config_set(&cfg, "check.clipping.max_runs", 3), MM_OK);
    EXPECT(&cfg, &in, "clipping", MM_CHECK_PASS);
    static mm_check_report rep;
    mm_check_run(&cfg, &in, &rep);
    assert_string_equal(find(&rep, "clipping")->source, "user (--set)");
    assert_int_equal(mm_check_config_set(&cfg, "clipping.nonsense", 1), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_check_config_set(&cfg, "clipping.max_runs", NAN), MM_ERR_INVALID_ARG);

    char why[256];
    mm_check_config_default(&cfg, MM_STAGE_MASTER, NULL);
    a = clean(&cfg);
    a.true_peak_dbtp = ok(-1.5);
    in = inputs(&a);
    EXPECT(&cfg, &in, "true_peak", MM_CHECK_PASS);
    assert_int_equal(mm_check_config_read_json(&cfg, "{\"true_peak\": {\"ceiling_dbtp\": -2}}", why, sizeof why), MM_OK);
    EXPECT(&cfg, &in, "true_peak", MM_CHECK_FAIL);
    assert_int_equal(mm_check_config_read_json(&cfg, "{\"checks\": {\"true_peak.ceiling_dbtp\": -1.4}}", why, sizeof why), MM_OK);
    EXPECT(&cfg, &in, "true_peak", MM_CHECK_PASS);
    assert_int_equal(mm_check_config_read_json(&cfg, "{\"true_peak\": {\"ceiling\": -2}}", why, sizeof why), MM_ERR_FORMAT);
    assert_non_null(strstr(why, "true_peak.ceiling"));
    assert_int_equal(mm_check_config_read_json(&cfg, "{\"dc.warn_offset\": \"small\"}", why, sizeof why), MM_ERR_FORMAT);
    assert_non_null(strstr(why, "dc.warn_offset"));
    assert_int_equal(mm_check_config_read_json(&cfg, "{\"dc.warn_offset\": ", why, sizeof why), MM_ERR_FORMAT);
    assert_int_equal(mm_check_config_read_json(&cfg, "[1, 2]", why, sizeof why), MM_ERR_FORMAT);

    /* a reference's balance replaces the built-in target */
    mm_analysis ref = clean(&cfg);
    for (int b = 0; b < MM_TONAL_BANDS; b++) ref.tonal_mid_db[b] = ok(-6.0 - 3.0 * b);
    assert_int_equal(mm_check_config_reference(&cfg, &ref, "ref.wav"), MM_OK);
    a.tonal_mid_db[1] = ok(-9.0 + 2.9);
    EXPECT(&cfg, &in, "tonal.low_mid", MM_CHECK_PASS);
    a.tonal_mid_db[1] = ok(-9.0 + 3.1);
    EXPECT(&cfg, &in, "tonal.low_mid", MM_CHECK_WARN);
    ref.tonal_mid_db[2].reason = MM_REASON_SILENT;
    assert_int_equal(mm_check_config_reference(&cfg, &ref, "ref.wav"), MM_ERR_NO_VALUE);

    /* every parameter has a unique key, a unit string and a source */
    for (size_t i = 0; i < mm_check_param_count(); i++) {
        const mm_check_param_info *p = mm_check_param(i);
        assert_non_null(p);
        assert_true(p->key[0] && p->source[0] && p->help[0] && p->unit);
        for (size_t j = 0; j < i; j++) assert_true(strcmp(p->key, mm_check_param(j)->key) != 0);
    }
    assert_null(mm_check_param(mm_check_param_count()));
    assert_int_equal(mm_check_run(NULL, &in, &rep), MM_ERR_INVALID_ARG);
}

/* Worst first: every fail before every warn before every pass. */
static void test_worst_first(void **state)
{
    (void)state;
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_analysis a = clean(&cfg);
    a.leading_silence_s = ok(5.0);  /* warn */
    a.nonfinite_samples = 9;        /* fail, late in check order */
    a.integrated_lufs = ok(-40.0);  /* warn */
    mm_check_inputs in = inputs(&a);
    static mm_check_report rep;
    mm_check_run(&cfg, &in, &rep);
    assert_int_equal(rep.fails, 1);
    assert_int_equal(rep.warns, 2);
    assert_string_equal(rep.results[0].id, "nonfinite");
    for (size_t i = 1; i < rep.count; i++) assert_true(rep.results[i - 1].status <= rep.results[i].status);
    /* stable: the warnings keep check order (level before silence) */
    assert_string_equal(rep.results[1].id, "level");
    assert_string_equal(rep.results[2].id, "silence.leading");
}

/* Play planar stereo through the translation and the analysis. */
static void translate(float *l, float *r, size_t n, double fs, mm_analysis *a, mm_translation_result *tr)
{
    mm_analyze_config ac = mm_analyze_config_default(fs, 2);
    mm_analyzer *an = mm_analyzer_create(&ac, NULL);
    mm_translation_config tc = mm_translation_config_default(fs, 2);
    mm_translation *t = mm_translation_create(&tc, NULL);
    assert_non_null(an);
    assert_non_null(t);
    const float *in[2] = {l, r};
    for (size_t pos = 0; pos < n; pos += 3000) {
        const size_t len = n - pos < 3000 ? n - pos : 3000;
        const float *p[2] = {in[0] + pos, in[1] + pos};
        assert_int_equal(mm_analyzer_process(an, p, len), MM_OK);
        assert_int_equal(mm_translation_process(t, p, len), MM_OK);
    }
    assert_int_equal(mm_analyzer_finish(an, a), MM_OK);
    assert_int_equal(mm_translation_finish(t, a, tr), MM_OK);
    mm_analyzer_destroy(an);
    mm_translation_destroy(t);
}

/* A 1 kHz tone (identical channels, so the phone's mono fold changes
 * nothing) changes loudness through each device by the device's response
 * at 1 kHz: the time-domain filter and meter agree with the analytic
 * response within 0.05 LU. A 50 Hz tone all but vanishes on the phone and
 * the laptop, and the check warns. */
static void test_translation_tones(void **state)
{
    (void)state;
    const double fs = 48000.0;
    const size_t n = (size_t)(fs * 5);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    tu_sine(l, n, fs, 1000.0, 0.1, 0.0);
    memcpy(r, l, n * sizeof(float));
    static mm_analysis a;
    mm_translation_result tr;
    translate(l, r, n, fs, &a, &tr);
    for (int d = 0; d < MM_DEVICE_COUNT; d++) {
        assert_int_equal(tr.device_change_lu[d].reason, MM_REASON_NONE);
        assert_near(tr.device_change_lu[d].value, mm_device_response_db((mm_device)d, fs, 1000.0), 0.05);
        /* all the energy stays in the 250 Hz-2 kHz band: no change in balance */
        assert_near(tr.device_band_change_db[d][1].value, 0.0, 0.01);
    }
    assert_near(mm_device_response_db(MM_DEVICE_PHONE, fs, 2000.0), 5.0, 0.6); /* the presence peak */

    tu_sine(l, n, fs, 50.0, 0.3, 0.0);
    memcpy(r, l, n * sizeof(float));
    translate(l, r, n, fs, &a, &tr);
    assert_true(tr.device_change_lu[MM_DEVICE_PHONE].value < -40.0);
    assert_true(tr.device_change_lu[MM_DEVICE_LAPTOP].value < -30.0);
    assert_true(tr.device_change_lu[MM_DEVICE_CAR].value > 0.0); /* cabin gain */
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_check_inputs in = inputs(&a);
    in.translation = &tr;
    EXPECT(&cfg, &in, "translation.phone", MM_CHECK_WARN);
    EXPECT(&cfg, &in, "translation.laptop", MM_CHECK_WARN);
    EXPECT(&cfg, &in, "translation.car", MM_CHECK_PASS);
    free(l);
    free(r);
}

/* 100 Hz in phase on both sides (mid only); 5 kHz with R = -L/2, so
 * M = L/4 and S = 3L/4. Stereo playback hears M^2 + S^2 per band, mono only
 * M^2: with equal amplitudes the low band goes from 1/1.625 to 1/1.0625 of
 * the total and the 2-8 kHz band from 0.625/1.625 to 0.0625/1.0625. */
static void test_translation_mono_balance(void **state)
{
    (void)state;
    const double fs = 48000.0;
    const size_t n = (size_t)(fs * 4);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    float *hi = malloc(n * sizeof(float));
    tu_sine(l, n, fs, 100.0, 0.2, 0.0);
    memcpy(r, l, n * sizeof(float));
    tu_sine(hi, n, fs, 5000.0, 0.2, 0.3);
    for (size_t i = 0; i < n; i++) {
        l[i] += hi[i];
        r[i] -= 0.5f * hi[i];
    }
    static mm_analysis a;
    mm_translation_result tr;
    translate(l, r, n, fs, &a, &tr);
    const double low = 10 * log10((1 / 1.0625) / (1 / 1.625));
    const double high = 10 * log10((0.0625 / 1.0625) / (0.625 / 1.625));
    assert_near(tr.mono_band_change_db[0].value, low, 0.1);
    assert_near(tr.mono_band_change_db[2].value, high, 0.1);
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_check_inputs in = inputs(&a);
    in.translation = &tr;
    EXPECT(&cfg, &in, "translation.mono", MM_CHECK_WARN);
    free(l);
    free(r);
    free(hi);
}

/* ---- command line ---- */

static char corpus[600];

static int setup(void **state)
{
    (void)state;
    if (cliutil_setup("test_check") != 0) return -1;
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/mm-corpus song %s --seconds 10 >/dev/null", build_dir, corpus);
    return system(cmd) == 0 ? 0 : -1;
}

static cJSON *check_json(const char *args, int *rc)
{
    static char out[1 << 22];
    char err[4096], full[9000];
    snprintf(full, sizeof full, "check --format json %s", args);
    *rc = run(full, out, sizeof out, err, sizeof err);
    assert_true(json_has_only_numbers(out));
    cJSON *doc = cJSON_Parse(out);
    if (!doc) print_error("not JSON; stderr: %s\n", err);
    assert_non_null(doc);
    return doc;
}

static const cJSON *file_entry(const cJSON *doc, const char *suffix)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "files"))
    {
        const char *p = cJSON_GetObjectItem(f, "path")->valuestring;
        if (strlen(p) >= strlen(suffix) && !strcmp(p + strlen(p) - strlen(suffix), suffix)) return f;
    }
    print_error("no file %s in the report\n", suffix);
    fail();
    return NULL;
}

static const char *check_status(const cJSON *file, const char *id)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(file, "checks"))
    {
        if (!strcmp(cJSON_GetObjectItem(c, "id")->valuestring, id)) return cJSON_GetObjectItem(c, "status")->valuestring;
    }
    print_error("no check %s\n", id);
    fail();
    return NULL;
}

/* No check other than those named (and the codec checks, which hot files
 * may trip) is worse than pass. */
static void only_these_flagged(const cJSON *file, const char *const ids[])
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(file, "checks"))
    {
        const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
        const char *st = cJSON_GetObjectItem(c, "status")->valuestring;
        if (!strcmp(st, "pass") || !strcmp(st, "skip") || !strncmp(id, "codec.", 6)) continue;
        int named = 0;
        for (int i = 0; ids[i]; i++) named |= !strcmp(ids[i], id);
        if (!named) {
            print_error("%s: unexpected %s on %s\n", cJSON_GetObjectItem(file, "path")->valuestring, st, id);
            fail();
        }
    }
}

static void test_corpus_flaws(void **state)
{
    (void)state;
    char args[8192];
    snprintf(args, sizeof args,
             "-j 2 %s/mix.wav %s/flawed/clipped.wav %s/flawed/dc_offset.wav %s/flawed/polarity.wav %s/flawed/mono.wav "
             "%s/flawed/too_quiet.wav %s/flawed/leading_silence.wav %s/flawed/no_headroom.wav",
             corpus, corpus, corpus, corpus, corpus, corpus, corpus, corpus);
    int rc;
    cJSON *doc = check_json(args, &rc);
    assert_int_equal(rc, 1); /* some checks failed */

    const cJSON *mix = file_entry(doc, "/mix.wav");
    assert_string_equal(cJSON_GetObjectItem(mix, "verdict")->valuestring, "pass");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(mix, "checks"))
    {
        const char *st = cJSON_GetObjectItem(c, "status")->valuestring;
        if (strcmp(st, "pass") && strcmp(st, "skip")) {
            print_error("clean mix: %s is %s\n", cJSON_GetObjectItem(c, "id")->valuestring, st);
            fail();
        }
    }

    const cJSON *f = file_entry(doc, "/clipped.wav");
    assert_string_equal(check_status(f, "clipping"), "fail");
    assert_string_equal(check_status(f, "overs"), "fail");
    assert_string_equal(check_status(f, "headroom"), "fail");
    only_these_flagged(f, (const char *const[]){"clipping", "overs", "headroom", "dynamics.psr", NULL});
    const cJSON *clip = NULL;
    cJSON_ArrayForEach(clip, cJSON_GetObjectItem(f, "checks"))
    {
        if (!strcmp(cJSON_GetObjectItem(clip, "id")->valuestring, "clipping")) break;
    }
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(clip, "time_s"))); /* where it happens */

    f = file_entry(doc, "/dc_offset.wav");
    assert_string_equal(check_status(f, "dc_offset"), "fail");
    only_these_flagged(f, (const char *const[]){"dc_offset", NULL});

    f = file_entry(doc, "/polarity.wav");
    assert_string_equal(check_status(f, "polarity"), "fail");
    assert_string_equal(check_status(f, "phase"), "fail");
    assert_string_equal(check_status(f, "mono_loss"), "fail");

    f = file_entry(doc, "/mono.wav");
    assert_string_equal(check_status(f, "mono_in_stereo"), "warn");
    only_these_flagged(f, (const char *const[]){"mono_in_stereo", NULL});

    f = file_entry(doc, "/too_quiet.wav");
    assert_string_equal(check_status(f, "level"), "warn");
    only_these_flagged(f, (const char *const[]){"level", NULL});

    f = file_entry(doc, "/leading_silence.wav");
    assert_string_equal(check_status(f, "silence.leading"), "warn");
    only_these_flagged(f, (const char *const[]){"silence.leading", NULL});

    f = file_entry(doc, "/no_headroom.wav");
    assert_string_equal(check_status(f, "headroom"), "fail");
    only_these_flagged(f, (const char *const[]){"headroom", "overs", NULL});

    /* thresholds are in the report with their sources */
    const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "thresholds"), "headroom.min_dbfs");
    assert_near(cJSON_GetObjectItem(t, "value")->valuedouble, -1.0, 0.0);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(t, "source")));
    cJSON_Delete(doc);

    /* the clean mix alone: exit 0; as a master for Spotify it is too quiet (warn) */
    snprintf(args, sizeof args, "--no-codec %s/mix.wav", corpus);
    doc = check_json(args, &rc);
    assert_int_equal(rc, 0);
    cJSON_Delete(doc);
    snprintf(args, sizeof args, "--no-codec --stage master --preset spotify %s/mix.wav", corpus);
    doc = check_json(args, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(check_status(file_entry(doc, "/mix.wav"), "loudness"), "warn");
    cJSON_Delete(doc);
    snprintf(args, sizeof args, "--no-codec --strict --stage master --preset spotify %s/mix.wav", corpus);
    doc = check_json(args, &rc);
    assert_int_equal(rc, 1);
    cJSON_Delete(doc);
    /* --set moves a threshold: with the limits raised above full scale the
     * file without headroom passes */
    snprintf(args, sizeof args,
             "--no-codec --set check.headroom.min_dbfs=1 --set headroom.ideal_high_dbfs=1 --set overs.max_dbtp=3 "
             "%s/flawed/no_headroom.wav", corpus);
    doc = check_json(args, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(check_status(file_entry(doc, "/no_headroom.wav"), "headroom"), "pass");
    cJSON_Delete(doc);
}

static float *overshoot_l;
static size_t overshoot_n;
static double overshoot_gain = 1.0;
static float fill_overshoot(size_t i, int c)
{
    (void)c;
    return (float)(overshoot_gain * overshoot_l[i]);
}

/* Dense, hard-clipped noise: flat-topped peaks that a lossy codec rebuilds
 * with overshoot. Scaled to -1.2 dBTP it passes the true-peak check of
 * Apple's -1 dBTP ceiling (Spotify would ask -2 dBTP of a master this loud),
 * and its Opus and Vorbis versions go over full scale. */
static void test_codec_overshoot(void **state)
{
    (void)state;
    overshoot_n = 44100 * 6;
    overshoot_l = malloc(overshoot_n * sizeof(float));
    for (size_t i = 0; i < overshoot_n; i++) {
        double v = 3.0 * tu_gauss();
        overshoot_l[i] = (float)(v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v);
    }
    write_wav("dense.wav", 2, 44100, overshoot_n, SF_FORMAT_FLOAT, fill_overshoot);
    char out[1 << 16], err[1024], args[1024], p[512];
    path_of(p, sizeof p, "dense.wav");
    snprintf(args, sizeof args, "analyze --format json --no-series %s", p);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 0);
    cJSON *doc = cJSON_Parse(out);
    const cJSON *lo = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0), "loudness");
    const double tp = cJSON_GetObjectItem(lo, "true_peak_dbtp")->valuedouble;
    cJSON_Delete(doc);
    overshoot_gain = pow(10.0, (-1.2 - tp) / 20.0);
    write_wav("dense.wav", 2, 44100, overshoot_n, SF_FORMAT_FLOAT, fill_overshoot);

    int rc;
    snprintf(args, sizeof args, "--stage master --preset apple --no-translation %s", p);
    doc = check_json(args, &rc);
    assert_int_equal(rc, 1);
    const cJSON *f = file_entry(doc, "/dense.wav");
    assert_string_equal(check_status(f, "true_peak"), "pass");
    assert_string_equal(check_status(f, "codec.opus"), "fail");
    assert_string_equal(check_status(f, "codec.vorbis"), "fail");
    const cJSON *k;
    int over = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(cJSON_GetObjectItem(f, "codecs"), "round_trips"))
    {
        const double before = cJSON_GetObjectItem(k, "original_true_peak_dbtp")->valuedouble;
        const double after = cJSON_GetObjectItem(k, "decoded_true_peak_dbtp")->valuedouble;
        assert_near(before, -1.2, 0.05);
        over += after > 0.0;
        assert_true(after > before + 0.5); /* every codec overshoots this signal */
    }
    assert_true(over >= 2); /* at 140 kbps Opus and Vorbis go over full scale; MP3 at 320 kbps less */
    cJSON_Delete(doc);
    free(overshoot_l);
}

/* Bad files among good ones: one line each naming the file, exit 3, and
 * the good file is still checked and reported. Usage errors exit 2. */
static void test_bad_inputs_and_usage(void **state)
{
    (void)state;
    char args[2048], out[1 << 16], err[4096], p[512];
    path_of(p, sizeof p, "notes.txt");
    FILE *f = fopen(p, "w");
    fputs("not audio\n", f);
    fclose(f);
    snprintf(args, sizeof args, "%s/missing.wav %s %s/mix.wav", dir, p, corpus);
    int rc;
    cJSON *doc = check_json(args, &rc);
    assert_int_equal(rc, 3);
    assert_string_equal(cJSON_GetObjectItem(file_entry(doc, "/missing.wav"), "status")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(file_entry(doc, "/notes.txt"), "status")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(file_entry(doc, "/mix.wav"), "verdict")->valuestring, "pass");
    cJSON_Delete(doc);
    snprintf(args, sizeof args, "check --no-codec %s/missing.wav %s/mix.wav", dir, corpus);
    assert_int_equal(run(args, out, sizeof out, err, sizeof err), 3);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "missing.wav"));
    assert_non_null(strstr(out, "READY")); /* the good file's text report */

    assert_int_equal(run("check --preset nowhere x.wav", NULL, 0, err, sizeof err), 2);
    assert_non_null(strstr(err, "nowhere"));
    assert_int_equal(run("check --set nope=1 x.wav", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("check --set headroom.min_dbfs=abc x.wav", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("check --stage final x.wav", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("check", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("check --list-presets", out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "spotify"));
    assert_non_null(strstr(out, "atsc-a85"));
    assert_int_equal(run("check --list-thresholds --set dynamics.min_psr_db=6", out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "dynamics.min_psr_db"));
    assert_int_equal(run("check --help", out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "--stage"));
    /* a threshold file with an unknown key: named, usage error */
    path_of(p, sizeof p, "th.json");
    f = fopen(p, "w");
    fputs("{\"headroom\": {\"max\": 3}}", f);
    fclose(f);
    snprintf(args, sizeof args, "check --config %s %s/mix.wav", p, corpus);
    assert_int_equal(run(args, NULL, 0, err, sizeof err), 2);
    assert_non_null(strstr(err, "headroom.max"));
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_mix_passes_everything),
        cmocka_unit_test(test_threshold_edges),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_worst_first),
        cmocka_unit_test(test_translation_tones),
        cmocka_unit_test(test_translation_mono_balance),
        cmocka_unit_test(test_corpus_flaws),
        cmocka_unit_test(test_codec_overshoot),
        cmocka_unit_test(test_bad_inputs_and_usage),
    };
    return cmocka_run_group_tests(tests, setup, cliutil_teardown);
}
