/*
 * Envelope follower. References are closed forms of the one-pole smoother
 * the header documents: after n+1 samples of a step from s0 toward d the
 * state is d + (s0 - d) c^(n+1), c = exp(-1 / (T_ms fs / 1000)).
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/envelope.h"

static mm_envelope *make(double fs, int ch, double att, double rel, mm_envelope_mode mode)
{
    mm_envelope_config cfg = mm_envelope_config_default(fs, ch);
    cfg.attack_ms = att;
    cfg.release_ms = rel;
    cfg.mode = mode;
    int err = -99;
    mm_envelope *e = mm_envelope_create(&cfg, &err);
    assert_non_null(e);
    assert_int_equal(err, MM_OK);
    return e;
}

static void run1(mm_envelope *e, float *y, const float *x, size_t n)
{
    const float *in[1] = {x};
    float *out[1] = {y};
    mm_envelope_process(e, out, in, n);
}

/* index of the first sample (0-based) with y >= thr, or n */
static size_t first_at_or_above(const float *y, size_t n, double thr)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] >= thr) return i;
    return n;
}

static size_t first_at_or_below(const float *y, size_t n, double thr)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] <= thr) return i;
    return n;
}

/* Attack: a step of height A reaches A (1 - 1/e) after attack_ms (within one
 * sample) and follows A (1 - c^(n+1)) throughout. Release likewise. */
static void test_step_attack_release(void **state)
{
    (void)state;
    static const struct {
        double fs, att, rel;
    } cases[] = {{48000.0, 5.0, 50.0}, {44100.0, 3.3, 120.7}, {96000.0, 0.5, 10.0}, {8000.0, 20.0, 300.0}};
    const double A = 0.5;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const double fs = cases[k].fs, att = cases[k].att * fs / 1000.0, rel = cases[k].rel * fs / 1000.0;
        const size_t n = (size_t)(20.0 * (att > rel ? att : rel)) + 100;
        float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
        mm_envelope *e = make(fs, 1, cases[k].att, cases[k].rel, MM_ENVELOPE_PEAK);

        for (size_t i = 0; i < n; i++) x[i] = (i & 1) ? (float)A : (float)-A; /* |x| is the step */
        run1(e, y, x, n);
        const double ca = exp(-1.0 / att);
        for (size_t i = 0; i < n; i++)
            /* float output: relative rounding 6e-8; 1e-6 absolute covers it */
            assert_near(y[i], A * (1.0 - pow(ca, (double)(i + 1))), 1e-6);
        size_t hit = first_at_or_above(y, n, A * (1.0 - exp(-1.0)));
        /* hit + 1 samples have been processed when the output first reaches it */
        assert_near((double)(hit + 1), att, 1.0);

        /* release from the (converged) state s0 = y[n-1] */
        const double s0 = y[n - 1];
        memset(x, 0, n * sizeof(float));
        run1(e, y, x, n);
        const double cr = exp(-1.0 / rel);
        for (size_t i = 0; i < n; i++) assert_near(y[i], s0 * pow(cr, (double)(i + 1)), 1e-6);
        hit = first_at_or_below(y, n, s0 * exp(-1.0));
        assert_near((double)(hit + 1), rel, 1.0);

        mm_envelope_destroy(e);
        free(x);
        free(y);
    }
}

/* RMS mode: a sine of amplitude A reads A/sqrt(2) within 1 %. Peak mode with
 * a slow release reads A within 1 %. */
static void test_sine_levels(void **state)
{
    (void)state;
    static const double rates[] = {44100.0, 48000.0, 96000.0};
    static const double freqs[] = {50.0, 1000.0, 9000.0};
    for (size_t r = 0; r < 3; r++)
        for (size_t f = 0; f < 3; f++) {
            const double fs = rates[r], A = 0.3;
            const size_t n = (size_t)(1.5 * fs), tail = (size_t)(0.2 * fs);
            float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
            tu_sine(x, n, fs, freqs[f], A, 0.2);
            /* 200 ms: the x^2 ripple at 2f (>= 100 Hz) is attenuated to < 0.8 % of the
             * mean power by the one-pole (1/(2 pi 2f tau)), i.e. < 0.4 % after sqrt */
            mm_envelope *e = make(fs, 1, 200.0, 200.0, MM_ENVELOPE_RMS);
            run1(e, y, x, n);
            for (size_t i = n - tail; i < n; i++) assert_near(y[i], A / sqrt(2.0), 0.01 * A / sqrt(2.0));
            mm_envelope_destroy(e);

            /* peak: instant attack; a 2 s release droops 0.5 % over half a 50 Hz period.
             * The reference is the sample peak, not A: at 9 kHz / 48 kHz the sample
             * grid repeats every 3 periods and never meets a crest (peak 0.9815 A). */
            float speak = 0.0f;
            for (size_t i = 0; i < n; i++) speak = fabsf(x[i]) > speak ? fabsf(x[i]) : speak;
            e = make(fs, 1, 0.0, 2000.0, MM_ENVELOPE_PEAK);
            run1(e, y, x, n);
            for (size_t i = n - tail; i < n; i++) assert_between(y[i], 0.99 * speak, speak);
            mm_envelope_destroy(e);
            free(x);
            free(y);
        }
}

/* Zero time constants: the output is |x| exactly in both modes. */
static void test_instantaneous(void **state)
{
    (void)state;
    const size_t n = 4000;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)(tu_uniform() * pow(10.0, -6.0 * fabs(tu_uniform())));
    mm_envelope *e = make(48000.0, 1, 0.0, 0.0, MM_ENVELOPE_PEAK);
    run1(e, y, x, n);
    for (size_t i = 0; i < n; i++) assert_true(y[i] == fabsf(x[i]));
    mm_envelope_destroy(e);
    /* RMS: sqrt of the double square of a float is exact */
    e = make(48000.0, 1, 0.0, 0.0, MM_ENVELOPE_RMS);
    run1(e, y, x, n);
    for (size_t i = 0; i < n; i++) assert_true(y[i] == fabsf(x[i]));
    mm_envelope_destroy(e);
    free(x);
    free(y);
}

/* Any split into blocks, and in-place processing, give bit-identical output. */
static void test_block_size_independence(void **state)
{
    (void)state;
    const size_t n = 30000;
    for (int mode = 0; mode < 2; mode++) {
        float *x[2], *y1[2], *y2[2];
        for (int c = 0; c < 2; c++) {
            x[c] = malloc(n * sizeof(float));
            y1[c] = malloc(n * sizeof(float));
            y2[c] = malloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++)
                x[c][i] = (float)(tu_uniform() * (0.5 + 0.5 * sin(2.0 * M_PI * (double)i / 5000.0)));
        }
        mm_envelope *e = make(44100.0, 2, 3.0, 80.0, (mm_envelope_mode)mode);
        mm_envelope_process(e, y1, (const float *const *)x, n);
        mm_envelope_reset(e);
        for (size_t off = 0; off < n;) {
            size_t b = tu_rand() % 1500u;
            if (b > n - off) b = n - off;
            const float *bi[2] = {x[0] + off, x[1] + off};
            float *bo[2] = {y2[0] + off, y2[1] + off};
            mm_envelope_process(e, bo, bi, b);
            off += b;
        }
        for (int c = 0; c < 2; c++) assert_memory_equal(y1[c], y2[c], n * sizeof(float));
        /* in place */
        mm_envelope_reset(e);
        mm_envelope_process(e, x, (const float *const *)x, n);
        for (int c = 0; c < 2; c++) assert_memory_equal(x[c], y1[c], n * sizeof(float));
        mm_envelope_destroy(e);
        for (int c = 0; c < 2; c++) {
            free(x[c]);
            free(y1[c]);
            free(y2[c]);
        }
    }
}

/* Channels are independent; set_times keeps the state; reset clears it. */
static void test_channels_times_reset(void **state)
{
    (void)state;
    const double fs = 48000.0;
    const size_t n = 48000;
    float *x0 = malloc(n * sizeof(float)), *x1 = calloc(n, sizeof(float));
    float *y0 = malloc(n * sizeof(float)), *y1 = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x0[i] = 1.0f;
    mm_envelope *e = make(fs, 2, 1.0, 10.0, MM_ENVELOPE_PEAK);
    const float *in[2] = {x0, x1};
    float *out[2] = {y0, y1};
    mm_envelope_process(e, out, in, n);
    for (size_t i = 0; i < n; i++) assert_true(y1[i] == 0.0f);
    assert_near(y0[n - 1], 1.0, 1e-6); /* 1 s = 1000 attack time constants */

    /* new release of 1000 ms, state kept: first output 0.5 + cr (1 - 0.5) */
    assert_int_equal(mm_envelope_set_times(e, 1.0, 1000.0), MM_OK);
    for (size_t i = 0; i < n; i++) x0[i] = 0.5f;
    mm_envelope_process(e, out, in, 1);
    const double cr = exp(-1.0 / (1000.0 * fs / 1000.0));
    assert_near(y0[0], 0.5 + cr * (1.0 - 0.5), 1e-6);

    /* release 0: the state drops to the input at once */
    assert_int_equal(mm_envelope_set_times(e, 1.0, 0.0), MM_OK);
    x0[0] = 0.25f;
    mm_envelope_process(e, out, in, 1);
    assert_true(y0[0] == 0.25f);

    /* reset: the next step starts from 0 again */
    mm_envelope_reset(e);
    x0[0] = 1.0f;
    mm_envelope_process(e, out, in, 1);
    assert_near(y0[0], 1.0 - exp(-1.0 / 48.0), 1e-6);
    mm_envelope_destroy(e);
    free(x0);
    free(x1);
    free(y0);
    free(y1);
}

/* NaN and Inf input samples count as silence; the output stays finite. */
static void test_non_finite_input(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        const size_t n = 1000;
        float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) x[i] = 0.5f;
        x[100] = NAN;
        x[200] = INFINITY;
        x[300] = -INFINITY;
        mm_envelope *e = make(48000.0, 1, 0.0, 1.0, (mm_envelope_mode)mode);
        run1(e, y, x, n);
        for (size_t i = 0; i < n; i++) assert_true(isfinite(y[i]) && y[i] <= 0.5f);
        /* a bad sample is a dip toward 0 (release 48 samples: 1 - 1/48 of the way back) */
        const double cr = exp(-1.0 / 48.0);
        const double want = mode ? 0.5 * sqrt(cr) : 0.5 * cr;
        assert_near(y[100], want, 1e-6);
        assert_true(y[101] == 0.5f); /* instant attack */
        mm_envelope_destroy(e);
        free(x);
        free(y);
    }
}

/* Sane configs accepted, insane ones rejected, nothing blows up. */
static void test_invalid_args(void **state)
{
    (void)state;
    mm_envelope_config d = mm_envelope_config_default(48000.0, 2);
    assert_true(d.sample_rate == 48000.0 && d.channels == 2);
    assert_true(d.attack_ms == 10.0 && d.release_ms == 100.0 && d.mode == MM_ENVELOPE_PEAK);

    mm_envelope_config bad[12];
    for (int i = 0; i < 12; i++) bad[i] = d;
    bad[0].sample_rate = 0.0;
    bad[1].sample_rate = NAN;
    bad[2].sample_rate = -1.0;
    bad[3].channels = 0;
    bad[4].channels = 1025;
    bad[5].attack_ms = -1.0;
    bad[6].attack_ms = NAN;
    bad[7].release_ms = INFINITY;
    bad[8].release_ms = -0.1;
    bad[9].mode = (mm_envelope_mode)2;
    bad[10].mode = (mm_envelope_mode)-1;
    bad[11].sample_rate = INFINITY;
    for (int i = 0; i < 12; i++) {
        int err = 0;
        assert_null(mm_envelope_create(&bad[i], &err));
        assert_int_equal(err, MM_ERR_INVALID_ARG);
    }
    assert_null(mm_envelope_create(NULL, NULL));

    d.channels = 1024;
    mm_envelope *e = mm_envelope_create(&d, NULL);
    assert_non_null(e);
    assert_int_equal(mm_envelope_set_times(e, -1.0, 1.0), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_envelope_set_times(e, 1.0, NAN), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_envelope_set_times(NULL, 1.0, 1.0), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_envelope_set_times(e, 0.0, 0.0), MM_OK);
    mm_envelope_process(e, NULL, NULL, 10);
    mm_envelope_process(NULL, NULL, NULL, 10);
    mm_envelope_reset(NULL);
    mm_envelope_destroy(e);
    mm_envelope_destroy(NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_attack_release),
        cmocka_unit_test(test_sine_levels),
        cmocka_unit_test(test_instantaneous),
        cmocka_unit_test(test_block_size_independence),
        cmocka_unit_test(test_channels_times_reset),
        cmocka_unit_test(test_non_finite_input),
        cmocka_unit_test(test_invalid_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
