/*
 * Automix rendering and plans as JSON. References: the constant-power pan
 * law and dB gains written out in double; the biquad's own magnitude
 * response for a filtered sine in steady state; exact float sums for the
 * bus (the same additions in the same order); the JSON round trip compared
 * field by field with the rounding the writer applies.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/automix.h"
#include "mixmaster/automix_report.h"
#include "mixmaster/mixbus.h"
#include "mixmaster/report.h"

#define FS 48000.0
#define N 9600

static float *buf(void) { return calloc(N, sizeof(float)); }

/* Render `plan` over one block of the given stems; copies the outputs. */
static void render(const mm_automix_plan *p, const int *ch, float *const *const in[], float *out[][2], float *mix[2],
                   double *bus_tp)
{
    int err;
    mm_automix_renderer *r = mm_automix_renderer_create(p, FS, ch, N, &err);
    assert_non_null(r);
    for (int i = 0; i < p->stem_count; i++) {
        const float *key[2] = {NULL, NULL};
        if (p->stem[i].duck.enabled) {
            key[0] = in[p->stem[i].duck.key][0];
            key[1] = in[p->stem[i].duck.key][1];
        }
        assert_int_equal(mm_automix_renderer_stem(r, i, (const float *const *)in[i], p->stem[i].duck.enabled ? key : NULL, N),
                         MM_OK);
        const float *const *o = mm_automix_renderer_stem_output(r, i);
        for (int c = 0; c < 2; c++)
            if (out) memcpy(out[i][c], o[c], N * sizeof(float));
    }
    assert_int_equal(mm_automix_renderer_sum(r, mix, N), MM_OK);
    double sp;
    mm_automix_renderer_bus_peak(r, &sp, bus_tp);
    mm_automix_renderer_destroy(r);
}

/* Gain and pan of a mono stem, balance of a stereo stem, fold of a panned
 * mono pair, and the bus sum. */
static void test_gain_pan_fold_sum(void **state)
{
    (void)state;
    int err;
    mm_automix_plan *p = mm_automix_plan_create(3, &err);
    float *x = buf(), *y = buf(), *l = buf(), *r = buf(), *a = buf(), *b = buf();
    tu_sine(x, N, FS, 440, 0.5, 0);
    tu_sine(l, N, FS, 700, 0.3, 0);
    tu_sine(r, N, FS, 700, 0.6, 1.0); /* R 6 dB hotter than L */
    tu_sine(y, N, FS, 1000, 0.4, 0);
    const double pa = 0.35, ga = 0.3, pb = 0.0, gb = 0.0, pc = -0.5, gc = 0.0;
    for (size_t n = 0; n < N; n++) {
        a[n] = (float)(cos(0.2 * M_PI) * y[n]); /* a mono source panned: L = cos, R = sin */
        b[n] = (float)(sin(0.2 * M_PI) * y[n]);
    }
    /* stem 0: mono */
    p->stem[0].channels = 1;
    p->stem[0].gain_db = -6.0;
    p->stem[0].pan = pa;
    (void)ga;
    /* stem 1: stereo, measured 6.02 dB hotter on the right, to be centred */
    p->stem[1].channels = 2;
    p->stem[1].gain_db = gb;
    p->stem[1].pan = pb;
    p->stem[1].input_balance_db = 20 * log10(0.3 / 0.6);
    /* stem 2: the panned pair, folded back to mono and panned to -0.5 */
    p->stem[2].channels = 2;
    p->stem[2].fold_to_mono = 1;
    p->stem[2].input_balance_db = 20 * log10(cos(0.2 * M_PI) / sin(0.2 * M_PI));
    p->stem[2].gain_db = gc;
    p->stem[2].pan = pc;
    int ch[3] = {1, 2, 2};
    float *in0[2] = {x, NULL}, *in1[2] = {l, r}, *in2[2] = {a, b};
    float *const *ins[3] = {in0, in1, in2};
    float *out[3][2], *mix[2] = {buf(), buf()};
    for (int i = 0; i < 3; i++) out[i][0] = buf(), out[i][1] = buf();
    double tp;
    render(p, ch, ins, out, mix, &tp);
    double g = pow(10.0, -6.0 / 20), th = (pa + 1) * M_PI / 4;
    double thc = (pc + 1) * M_PI / 4;
    /* balance of stem 1: tan(th_a) = tan(pi/4) * sqrt(E_L/E_R) = 0.5 */
    double tha = atan(0.5);
    double peak = 0;
    for (size_t n = 0; n < N; n++) {
        assert_near(out[0][0][n], g * cos(th) * x[n], 1e-6);
        assert_near(out[0][1][n], g * sin(th) * x[n], 1e-6);
        assert_near(out[1][0][n], cos(tha) * l[n], 1e-6);
        assert_near(out[1][1][n], sin(tha) * r[n], 1e-6);
        assert_near(out[2][0][n], cos(thc) * y[n], 1e-5);
        assert_near(out[2][1][n], sin(thc) * y[n], 1e-5);
        for (int c = 0; c < 2; c++) {
            float s = 0.0f;
            s += out[0][c][n];
            s += out[1][c][n];
            s += out[2][c][n];
            assert_true(mix[c][n] == s); /* the bus is a plain float sum */
            if (fabsf(s) > peak) peak = fabsf(s);
        }
    }
    /* the centred stereo stem ends balanced: equal energy left and right */
    double el = 0, er = 0;
    for (size_t n = 0; n < N; n++) {
        el += (double)out[1][0][n] * out[1][0][n];
        er += (double)out[1][1][n] * out[1][1][n];
    }
    assert_near(10 * log10(el / er), 0.0, 0.01);
    assert_true(tp >= 20 * log10(peak) - 1e-9);
    for (int i = 0; i < 3; i++) free(out[i][0]), free(out[i][1]);
    free(mix[0]), free(mix[1]), free(x), free(y), free(l), free(r), free(a), free(b);
    mm_automix_plan_destroy(p);
}

/* EQ: a 40 Hz sine through the high-pass and a cut comes out at the
 * biquads' magnitude response; the pan law at the centre gives -3.01 dB. */
static void test_eq(void **state)
{
    (void)state;
    int err;
    mm_automix_plan *p = mm_automix_plan_create(1, &err);
    p->stem[0].eq_count = 2;
    p->stem[0].eq[0] = (mm_automix_eq){MM_AUTOMIX_EQ_HIGHPASS, 80, 0.7071, 0, ""};
    p->stem[0].eq[1] = (mm_automix_eq){MM_AUTOMIX_EQ_CUT, 45, 2, -5, ""};
    float *x = buf(), *o[1][2] = {{buf(), buf()}}, *mix[2] = {buf(), buf()};
    tu_sine(x, N, FS, 40, 0.5, 0);
    float *in0[2] = {x, NULL};
    float *const *ins[1] = {in0};
    int ch[1] = {1};
    double tp;
    render(p, ch, ins, o, mix, &tp);
    double want = mm_automix_eq_response_db(&p->stem[0], FS, 40) - 3.0103;
    double pk = 0;
    for (size_t n = N / 2; n < N; n++) pk = fmax(pk, fabs(o[0][0][n]));
    printf("# 40 Hz through HP 80 Hz and a 5 dB cut at 45 Hz: %.3f dB, response %.3f dB\n", tu_db(pk / 0.5), want);
    assert_near(tu_db(pk / 0.5), want, 0.02);
    free(x), free(o[0][0]), free(o[0][1]), free(mix[0]), free(mix[1]);
    mm_automix_plan_destroy(p);
}

/* Ducking: a steady bass is pulled down while the kick plays, by the depth
 * the plan asks for, and not at all before the kick. */
static void test_ducking(void **state)
{
    (void)state;
    int err;
    mm_automix_plan *p = mm_automix_plan_create(2, &err);
    float *kick = buf(), *bass = buf();
    tu_sine(bass, N, FS, 55, 0.25, 0);
    for (size_t n = N / 2; n < N; n++) kick[n] = (n / 24) % 2 ? 0.5f : -0.5f; /* |x| = 0.5 constant */
    p->stem[1].duck = (mm_automix_duck){1, 0, tu_db(0.5) - 4.0 / 0.9, 10.0, 4.0, 5.0, 110.0, ""};
    float *o[2][2] = {{buf(), buf()}, {buf(), buf()}}, *mix[2] = {buf(), buf()};
    float *in0[2] = {kick, NULL}, *in1[2] = {bass, NULL};
    float *const *ins[2] = {in0, in1};
    int ch[2] = {1, 1};
    double tp;
    render(p, ch, ins, o, mix, &tp);
    double g = cos(M_PI / 4), pre = 0, post = 0;
    for (size_t n = 0; n < N / 2; n++) pre = fmax(pre, fabs(o[1][0][n]));
    for (size_t n = N - N / 8; n < N; n++) post = fmax(post, fabs(o[1][0][n]));
    printf("# ducking: before the kick %.2f dB, during %.2f dB\n", tu_db(pre / (0.25 * g)), tu_db(post / (0.25 * g)));
    assert_near(tu_db(pre / (0.25 * g)), 0.0, 0.01);
    assert_near(tu_db(post / (0.25 * g)), -4.0, 0.1);
    /* the ducked stem needs its key */
    mm_automix_renderer *r = mm_automix_renderer_create(p, FS, ch, N, &err);
    assert_int_equal(mm_automix_renderer_stem(r, 1, (const float *const *)in1, NULL, N), MM_ERR_INVALID_ARG);
    mm_automix_renderer_destroy(r);
    free(kick), free(bass), free(mix[0]), free(mix[1]);
    for (int i = 0; i < 2; i++) free(o[i][0]), free(o[i][1]);
    mm_automix_plan_destroy(p);
}

/* A plan that would clip (+24 dB on a full-scale stem): the float bus holds
 * it, its peak is measured, and the master gain lands it at the target. */
static void test_never_clips(void **state)
{
    (void)state;
    int err;
    mm_automix_plan *p = mm_automix_plan_create(1, &err);
    p->stem[0].gain_db = 24.0;
    float *x = buf(), *mix[2] = {buf(), buf()};
    tu_sine(x, N, FS, 997, 1.0, 0);
    float *in0[2] = {x, NULL};
    float *const *ins[1] = {in0};
    int ch[1] = {1};
    double tp;
    render(p, ch, ins, NULL, mix, &tp);
    double peak = 0;
    for (size_t n = 0; n < N; n++) peak = fmax(peak, fabs(mix[0][n]));
    printf("# bus peak %.2f dBFS (true peak %.2f dBTP), master gain %+.2f dB\n", tu_db(peak), tp,
           mm_automix_master_gain_db(p, tp));
    assert_near(tu_db(peak), 24.0 - 3.0103, 0.01); /* nothing clipped on the float bus */
    assert_near(tp + mm_automix_master_gain_db(p, tp), -6.0, 1e-9);
    assert_near(mm_automix_master_gain_db(p, -12.0), 0.0, 0); /* never turned up */
    free(x), free(mix[0]), free(mix[1]);
    mm_automix_plan_destroy(p);
}

static void test_mixbus(void **state)
{
    (void)state;
    int err;
    mm_mixbus *b = mm_mixbus_create(2, &err);
    assert_non_null(b);
    float *x = buf(), *y = buf(), *o[2] = {buf(), buf()};
    tu_sine(x, N, FS, 1000, 0.25, 0);
    tu_sine(y, N, FS, 1000, 0.25, 0);
    const float *ia[2] = {x, y}, *ib[2] = {y, x};
    const float *const *ins[3] = {ia, NULL, ib};
    assert_int_equal(mm_mixbus_sum(b, o, ins, 3, N), MM_OK);
    double sp, tp;
    mm_mixbus_peaks(b, &sp, &tp);
    assert_near(sp, 0.5, 1e-4);
    assert_true(tp >= sp);
    assert_near(tp, 0.5, 0.01);
    mm_mixbus_reset(b);
    mm_mixbus_peaks(b, &sp, &tp);
    assert_near(sp, 0, 0);
    assert_null(mm_mixbus_create(0, &err));
    mm_mixbus_destroy(b);
    mm_mixbus_destroy(NULL);
    free(x), free(y), free(o[0]), free(o[1]);
}

static mm_automix_plan *sample_plan(void)
{
    int err;
    mm_automix_plan *p = mm_automix_plan_create(3, &err);
    const char *names[3] = {"kick", "bass", "pad L+R"};
    mm_role roles[3] = {MM_ROLE_KICK, MM_ROLE_BASS, MM_ROLE_PAD};
    for (int i = 0; i < 3; i++) {
        snprintf(p->stem[i].name, sizeof p->stem[i].name, "%s", names[i]);
        p->stem[i].role = roles[i];
        snprintf(p->stem[i].role_source, sizeof p->stem[i].role_source, "file_name");
        p->stem[i].input_lufs = -20.0 - i;
        p->stem[i].target_lufs = -27.5 + i;
        p->stem[i].predicted_lufs = -27.5 + i;
        p->stem[i].gain_db = -7.25 + 3.125 * i;
        snprintf(p->stem[i].gain_reason, MM_AUTOMIX_REASON_LEN, "because \"quoted\" %d", i);
    }
    p->stem[2].channels = 2;
    p->stem[2].pan = -0.3125;
    p->stem[2].input_balance_db = 1.5;
    p->stem[2].eq_count = 2;
    p->stem[2].eq[0] = (mm_automix_eq){MM_AUTOMIX_EQ_HIGHPASS, 79.5, 0.7071, 0, "rumble"};
    p->stem[2].eq[1] = (mm_automix_eq){MM_AUTOMIX_EQ_CUT, 2286.25, 2, -4.5, "masks kick"};
    p->stem[1].eq_count = 1;
    p->stem[1].eq[0] = (mm_automix_eq){MM_AUTOMIX_EQ_CARVE, 55.5, 2, -3, "carve"};
    p->stem[1].duck = (mm_automix_duck){1, 0, -10.25, 10, 5.5, 5, 110, "duck"};
    p->stem[2].comp = (mm_automix_comp){1, -18.5, 4, 6, 10, 150, 2.25, "comp"};
    return p;
}

static void test_plan_round_trip(void **state)
{
    (void)state;
    int err;
    mm_automix_plan *p = sample_plan();
    char *js = mm_automix_plan_json(p, &err);
    assert_non_null(js);
    char why[256];
    mm_automix_plan *q = mm_automix_plan_parse(js, &err, why, sizeof why);
    if (!q) print_error("%s\n", why);
    assert_non_null(q);
    assert_int_equal(q->stem_count, 3);
    for (int i = 0; i < 3; i++) {
        const mm_automix_stem *a = &p->stem[i], *b = &q->stem[i];
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->role, b->role);
        assert_int_equal(a->channels, b->channels);
        assert_near(a->gain_db, b->gain_db, 1e-4);
        assert_near(a->pan, b->pan, 1e-4);
        assert_near(a->input_balance_db, b->input_balance_db, 1e-4);
        assert_string_equal(a->gain_reason, b->gain_reason);
        assert_int_equal(a->eq_count, b->eq_count);
        for (int k = 0; k < a->eq_count; k++) {
            assert_int_equal(a->eq[k].kind, b->eq[k].kind);
            assert_near(a->eq[k].freq_hz, b->eq[k].freq_hz, 0.005);
            assert_near(a->eq[k].q, b->eq[k].q, 1e-4);
            assert_near(a->eq[k].gain_db, b->eq[k].gain_db, 1e-3);
            assert_string_equal(a->eq[k].reason, b->eq[k].reason);
        }
        assert_int_equal(a->comp.enabled, b->comp.enabled);
        assert_near(a->comp.threshold_db, b->comp.threshold_db, 1e-3);
        assert_near(a->comp.makeup_db, b->comp.makeup_db, 1e-3);
        assert_int_equal(a->duck.enabled, b->duck.enabled);
        assert_int_equal(a->duck.key, b->duck.key);
        assert_near(a->duck.threshold_db, b->duck.threshold_db, 1e-3);
    }
    /* written again, the text is the same */
    char *js2 = mm_automix_plan_json(q, &err);
    assert_string_equal(js, js2);
    mm_report_free(js);
    mm_report_free(js2);
    mm_automix_plan_destroy(p);
    mm_automix_plan_destroy(q);
}

static void tab_after_colon(char *out, const char *in)
{
    for (; *in; in++) {
        if (in[0] == ':' && in[1] == ' ') {
            *out++ = ':';
            *out++ = '\t';
            in++;
        } else {
            *out++ = *in;
        }
    }
    *out = 0;
}

/* The strict reader names the field that is wrong. */
static void test_plan_reader_errors(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *why;
    } c[] = {
        {"\"gain_db\": -7.25", "\"gain_dB\": -7.25", "stems[0].gain_dB: unknown field"},
        {"\"gain_db\": -7.25,", "", "stems[0].gain_db: missing"},
        {"\"pan\": -0.3125", "\"pan\": \"left\"", "stems[2].pan: must be a number"},
        {"\"q\": 2,", "\"q\": 50,", "stems[1].eq[0].q: must be 0.1..20"},
        {"\"type\": \"cut\"", "\"type\": \"boost\"", "stems[2].eq[1].type: must be highpass"},
        {"\"key\": \"kick\"", "\"key\": \"snare\"", "stems[1].ducking.key: must name another stem"},
        {"\"schema_version\": 1", "\"schema_version\": 2", "schema_version: must be 1"},
        {"\"name\": \"bass\"", "\"name\": \"kick\"", "stems[1].name: repeats another stem's name"},
        {"\"ratio\": 4,", "\"ratio\": 0.5,", "stems[2].compression.ratio: must be 1..100"},
        {"\"channels\": 2", "\"channels\": 6", "stems[2].channels: must be 1 or 2"},
    };
    int err;
    mm_automix_plan *p = sample_plan();
    char *js = mm_automix_plan_json(p, &err);
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        /* cJSON prints "key":<tab>value */
        char from[128], to[128];
        tab_after_colon(from, c[k].from);
        tab_after_colon(to, c[k].to);
        char *at = strstr(js, from);
        if (!at) print_error("'%s' not in the plan\n", from);
        assert_non_null(at);
        size_t n = strlen(js) + strlen(to) + 1;
        char *bad = malloc(n);
        snprintf(bad, n, "%.*s%s%s", (int)(at - js), js, to, at + strlen(from));
        char why[256] = "";
        mm_automix_plan *q = mm_automix_plan_parse(bad, &err, why, sizeof why);
        printf("# %s\n", why);
        assert_null(q);
        assert_int_equal(err, MM_ERR_FORMAT);
        assert_non_null(strstr(why, c[k].why));
        free(bad);
    }
    char why[256];
    /* found by fuzz_automix_plan: a channel count of 4e116 was cast to int */
    FILE *f = fopen("tests/data/automix_plan_huge_channels.json", "rb");
    assert_non_null(f);
    char crash[4096];
    crash[fread(crash, 1, sizeof crash - 1, f)] = 0;
    fclose(f);
    assert_null(mm_automix_plan_parse(crash, &err, why, sizeof why));
    assert_non_null(strstr(why, "channels"));
    assert_null(mm_automix_plan_parse("{\"schema_version\": 1", &err, why, sizeof why));
    assert_non_null(strstr(why, "not valid JSON"));
    assert_null(mm_automix_plan_parse("[]", &err, why, sizeof why));
    assert_null(mm_automix_plan_parse("{\"schema_version\": 1, \"stems\": []}", &err, why, sizeof why));
    assert_non_null(strstr(why, "stems: must hold 1 to"));
    /* a minimal hand-written plan is enough */
    mm_automix_plan *q = mm_automix_plan_parse(
        "{\"schema_version\": 1, \"stems\": [{\"name\": \"a\", \"channels\": 1, \"gain_db\": -3, \"pan\": 0.5, "
        "\"eq\": [{\"type\": \"highpass\", \"freq_hz\": 90, \"q\": 0.7}], \"compression\": null, \"ducking\": null}]}",
        &err, why, sizeof why);
    assert_non_null(q);
    assert_near(q->stem[0].gain_db, -3, 0);
    assert_near(q->peak_target_dbfs, -6, 0);
    mm_automix_plan_destroy(q);
    mm_report_free(js);
    mm_automix_plan_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gain_pan_fold_sum), cmocka_unit_test(test_eq),
        cmocka_unit_test(test_ducking),           cmocka_unit_test(test_never_clips),
        cmocka_unit_test(test_mixbus),            cmocka_unit_test(test_plan_round_trip),
        cmocka_unit_test(test_plan_reader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
