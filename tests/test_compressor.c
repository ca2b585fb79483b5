/*
 * Compressor. References: the Giannoulis-Massberg-Reiss static curve written
 * out here in double, the closed-form step response of the one-pole gain
 * smoother (reduction after n+1 samples of a step to r: r (1 - c^(n+1)),
 * c = exp(-1 / (T_ms fs / 1000))), and exact unity where nothing is
 * compressed. A square wave of amplitude A has |x| = A at every sample, so
 * the peak detector sees a constant level and the output settles exactly on
 * the static curve.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/compressor.h"

#define FS 48000.0

static double ref_gain_db(double x, double t, double r, double w)
{
    const double d = x - t;
    if (d < -w / 2) return 0.0;
    if (d > w / 2 || w == 0.0) return (1.0 / r - 1.0) * d;
    return (1.0 / r - 1.0) * (d + w / 2) * (d + w / 2) / (2 * w);
}

static void square(float *x, size_t n, double amp)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)((i / 24) % 2 ? amp : -amp);
}

static mm_compressor *make(mm_compressor_config *cfg)
{
    int err = -99;
    mm_compressor *c = mm_compressor_create(cfg, &err);
    assert_non_null(c);
    assert_int_equal(err, MM_OK);
    return c;
}

static void test_static_curve_closed_form(void **state)
{
    (void)state;
    mm_compressor_config cfg = mm_compressor_config_default(FS, 1);
    const double knees[] = {0.0, 6.0, 12.0};
    const double ratios[] = {1.0, 2.0, 4.0, 20.0};
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < 4; r++) {
            cfg.threshold_db = -18.0;
            cfg.knee_db = knees[k];
            cfg.ratio = ratios[r];
            for (double x = -60.0; x <= 6.0; x += 0.25)
                assert_near(mm_compressor_static_gain_db(&cfg, x), ref_gain_db(x, -18.0, ratios[r], knees[k]), 1e-12);
        }
    /* continuity at the knee edges and the 4:1 slope above */
    cfg.ratio = 4.0;
    cfg.knee_db = 6.0;
    assert_near(mm_compressor_static_gain_db(&cfg, -21.0), 0.0, 1e-12);
    assert_near(mm_compressor_static_gain_db(&cfg, -15.0), -0.75 * 3.0, 1e-12);
    assert_near(mm_compressor_static_gain_db(&cfg, -8.0), -7.5, 1e-12);
}

/* Steady square waves at many levels settle on the static curve (the
 * vectorized log/exp approximations included) within 0.002 dB. */
static void test_steady_state_on_curve(void **state)
{
    (void)state;
    const size_t n = 9600;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (int knee = 0; knee <= 10; knee += 10) {
        mm_compressor_config cfg = mm_compressor_config_default(FS, 1);
        cfg.threshold_db = -24.0;
        cfg.ratio = 3.0;
        cfg.knee_db = knee;
        cfg.attack_ms = 1.0;
        cfg.release_ms = 5.0;
        cfg.makeup_db = 2.5;
        for (double lev = -50.0; lev <= 0.0; lev += 1.7) {
            mm_compressor *c = make(&cfg);
            square(x, n, pow(10.0, lev / 20.0));
            mm_compressor_process(c, (float *[]){y}, (const float *[]){x}, NULL, 0, n);
            const double out_db = tu_db(fabs(y[n - 1]));
            assert_near(out_db, lev + ref_gain_db(lev, -24.0, 3.0, knee) + 2.5, 0.002);
            assert_near(mm_compressor_max_reduction_db(c), -ref_gain_db(lev, -24.0, 3.0, knee), 0.002);
            mm_compressor_destroy(c);
        }
    }
    free(x);
    free(y);
}

/* A step from below threshold to 10 dB over it: the reduction follows
 * r (1 - c^(n+1)) during the attack, then decays as r c^(n+1) after the
 * signal drops back below threshold. */
static void test_attack_release_time_constants(void **state)
{
    (void)state;
    mm_compressor_config cfg = mm_compressor_config_default(FS, 1);
    cfg.threshold_db = -20.0;
    cfg.ratio = 5.0;
    cfg.knee_db = 0.0;
    cfg.attack_ms = 5.0;
    cfg.release_ms = 80.0;
    mm_compressor *c = make(&cfg);
    const size_t n = 24000;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    square(x, n, pow(10.0, -10.0 / 20.0));
    mm_compressor_process(c, (float *[]){y}, (const float *[]){x}, NULL, 0, n);
    const double r = 8.0; /* (1 - 1/5) * 10 dB */
    const double ca = exp(-1.0 / (5.0 * FS / 1000.0));
    const size_t checks[] = {0, 10, 239, 240, 1000, 5000};
    for (int i = 0; i < 6; i++) {
        const size_t k = checks[i];
        const double red = r * (1.0 - pow(ca, (double)(k + 1)));
        assert_near(-10.0 - tu_db(fabs(y[k])), red, 0.002);
    }
    /* after one time constant: 63.2 % of the way */
    assert_near((-10.0 - tu_db(fabs(y[239]))) / r, 1.0 - exp(-1.0), 0.005);

    /* release: drop to -40 dBFS (no compression target) */
    square(x, n, pow(10.0, -40.0 / 20.0));
    mm_compressor_process(c, (float *[]){y}, (const float *[]){x}, NULL, 0, n);
    const double cr = exp(-1.0 / (80.0 * FS / 1000.0));
    const double r0 = r * (1.0 - pow(ca, 24000.0));
    for (size_t k = 0; k < n; k += 997) {
        const double red = r0 * pow(cr, (double)(k + 1));
        assert_near(-40.0 - tu_db(fabs(y[k])), red, 0.002);
    }
    assert_near(mm_compressor_max_reduction_db(c), r, 0.002);
    mm_compressor_destroy(c);
    free(x);
    free(y);
}

/* A loud sidechain ducks a quiet input by the amount the curve gives for
 * the sidechain's level; a silent sidechain leaves the input untouched even
 * when the input itself is far over the threshold. */
static void test_sidechain(void **state)
{
    (void)state;
    mm_compressor_config cfg = mm_compressor_config_default(FS, 2);
    cfg.threshold_db = -30.0;
    cfg.ratio = 4.0;
    cfg.knee_db = 0.0;
    cfg.attack_ms = 0.5;
    cfg.release_ms = 10.0;
    const size_t n = 4800;
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    float *sc = malloc(n * sizeof(float)), *ol = malloc(n * sizeof(float)), *orr = malloc(n * sizeof(float));
    tu_sine(l, n, FS, 220.0, 0.1, 0.0);
    tu_sine(r, n, FS, 330.0, 0.05, 0.0);
    square(sc, n, pow(10.0, -10.0 / 20.0));
    mm_compressor *c = make(&cfg);
    mm_compressor_process(c, (float *[]){ol, orr}, (const float *[]){l, r}, (const float *[]){sc}, 1, n);
    const double g = -0.75 * 20.0; /* -10 dBFS key, 20 dB over, 4:1 */
    for (size_t i = n / 2; i < n; i += 37) {
        if (fabsf(l[i]) > 1e-3f) assert_near(tu_db(fabs(ol[i] / l[i])), g, 0.002);
        if (fabsf(r[i]) > 1e-3f) assert_near(tu_db(fabs(orr[i] / r[i])), g, 0.002);
    }
    mm_compressor_destroy(c);

    memset(sc, 0, n * sizeof(float));
    square(l, n, 0.9);
    c = make(&cfg);
    mm_compressor_process(c, (float *[]){ol, orr}, (const float *[]){l, r}, (const float *[]){sc}, 1, n);
    for (size_t i = 0; i < n; i++) assert_true(ol[i] == l[i] && orr[i] == r[i]);
    assert_near(mm_compressor_max_reduction_db(c), 0.0, 1e-12);
    mm_compressor_destroy(c);
    free(l), free(r), free(sc), free(ol), free(orr);
}

/* Linked channels: the quiet channel gets the loud channel's gain, so the
 * level difference between them (the stereo image) is unchanged. */
static void test_linked_channels_keep_image(void **state)
{
    (void)state;
    mm_compressor_config cfg = mm_compressor_config_default(FS, 2);
    cfg.attack_ms = 0.0;
    cfg.release_ms = 0.0;
    const size_t n = 4096;
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    float *ol = malloc(n * sizeof(float)), *orr = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        l[i] = (float)(0.5 * tu_uniform());
        r[i] = l[i] * 0.25f;
    }
    mm_compressor *c = make(&cfg);
    mm_compressor_process(c, (float *[]){ol, orr}, (const float *[]){l, r}, NULL, 0, n);
    double max_red = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (fabsf(l[i]) < 1e-4f) continue;
        assert_near(orr[i] / ol[i], 0.25, 1e-6);
        /* instantaneous times: each sample gets exactly the static gain of its own level */
        const double lev = tu_db(fabs(l[i]));
        assert_near(tu_db(fabs(ol[i] / l[i])), mm_compressor_static_gain_db(&cfg, lev), 0.002);
        if (-mm_compressor_static_gain_db(&cfg, lev) > max_red) max_red = -mm_compressor_static_gain_db(&cfg, lev);
    }
    assert_true(max_red > 5.0); /* the test did compress */
    assert_near(mm_compressor_max_reduction_db(c), max_red, 0.002);
    mm_compressor_destroy(c);
    free(l), free(r), free(ol), free(orr);
}

/* Ratio 1 and no make-up: output equals input to float rounding; a block
 * split anywhere gives the same samples as one call. */
static void test_identity_and_block_independence(void **state)
{
    (void)state;
    const size_t n = 10007;
    float *x = malloc(n * sizeof(float)), *y1 = malloc(n * sizeof(float)), *y2 = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.3 * tu_gauss());
    mm_compressor_config cfg = mm_compressor_config_default(FS, 1);
    cfg.ratio = 1.0;
    mm_compressor *c = make(&cfg);
    mm_compressor_process(c, (float *[]){y1}, (const float *[]){x}, NULL, 0, n);
    for (size_t i = 0; i < n; i++) assert_near(y1[i], x[i], 1e-6 * fabs(x[i]) + 1e-12);
    mm_compressor_destroy(c);

    cfg.ratio = 6.0;
    c = make(&cfg);
    mm_compressor_process(c, (float *[]){y1}, (const float *[]){x}, NULL, 0, n);
    mm_compressor_reset(c);
    assert_near(mm_compressor_max_reduction_db(c), 0.0, 0.0);
    size_t pos = 0, blk = 1;
    while (pos < n) {
        const size_t len = n - pos < blk ? n - pos : blk;
        mm_compressor_process(c, (float *[]){y2 + pos}, (const float *[]){x + pos}, NULL, 0, len);
        pos += len;
        blk = blk * 3 + 1;
    }
    assert_memory_equal(y1, y2, n * sizeof(float));
    assert_true(mm_compressor_mean_reduction_db(c) > 0.0);
    mm_compressor_destroy(c);
    free(x), free(y1), free(y2);
}

/* An Inf sample does not lock the gain: it counts as +60 dBFS and releases. */
static void test_non_finite(void **state)
{
    (void)state;
    mm_compressor_config cfg = mm_compressor_config_default(FS, 1);
    cfg.release_ms = 10.0;
    mm_compressor *c = make(&cfg);
    const size_t n = 48000;
    float *x = calloc(n, sizeof(float)), *y = malloc(n * sizeof(float));
    x[0] = INFINITY;
    x[1] = NAN;
    for (size_t i = 2; i < n; i++) x[i] = 0.01f;
    mm_compressor_process(c, (float *[]){y}, (const float *[]){x}, NULL, 0, n);
    assert_true(isfinite(mm_compressor_max_reduction_db(c)));
    assert_near(y[n - 1], 0.01, 1e-6); /* -40 dBFS is below the threshold: unity again */
    mm_compressor_destroy(c);
    free(x), free(y);
}

static void test_invalid_config(void **state)
{
    (void)state;
    mm_compressor_config good = mm_compressor_config_default(FS, 2);
    mm_compressor_config b;
    int err = 0;
    b = good, b.ratio = 0.5;
    assert_null(mm_compressor_create(&b, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    b = good, b.channels = 0;
    assert_null(mm_compressor_create(&b, &err));
    b = good, b.attack_ms = NAN;
    assert_null(mm_compressor_create(&b, &err));
    b = good, b.threshold_db = 3.0;
    assert_null(mm_compressor_create(&b, &err));
    b = good, b.sample_rate = 0.0;
    assert_null(mm_compressor_create(&b, NULL));
    assert_null(mm_compressor_create(NULL, &err));
    mm_compressor_destroy(NULL);
    mm_compressor_reset(NULL);
    mm_compressor_process(NULL, NULL, NULL, NULL, 0, 10);
    assert_near(mm_compressor_max_reduction_db(NULL), 0.0, 0.0);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_curve_closed_form),
        cmocka_unit_test(test_steady_state_on_curve),
        cmocka_unit_test(test_attack_release_time_constants),
        cmocka_unit_test(test_sidechain),
        cmocka_unit_test(test_linked_channels_keep_image),
        cmocka_unit_test(test_identity_and_block_independence),
        cmocka_unit_test(test_non_finite),
        cmocka_unit_test(test_invalid_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
