/*
 * Linear-phase FIR EQ: a flat response is a pure delay of the reported
 * latency; the response to sines matches the wanted curve (interpolated in
 * log frequency between the points) within stated tolerances, checked both
 * by measuring filtered sines and by the taps' own DTFT; the impulse
 * response is symmetric (linear phase); block sizes do not matter.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/fireq.h"

#define FS 44100.0

static mm_fireq *make(int ch, double fs)
{
    mm_fireq_config c = mm_fireq_config_default(fs, ch);
    int st;
    mm_fireq *q = mm_fireq_create(&c, &st);
    assert_non_null(q);
    assert_int_equal(st, MM_OK);
    return q;
}

/* Filter x[0, n-1] (then latency zeros) through channel 0; out[n] aligned. */
static void filter(mm_fireq *q, float *out, const float *x, size_t n, size_t block)
{
    size_t lat = mm_fireq_latency(q), tot = n + lat;
    float *in = calloc(tot, sizeof(float)), *o = calloc(tot, sizeof(float));
    memcpy(in, x, n * sizeof(float));
    for (size_t off = 0; off < tot; off += block) {
        size_t k = tot - off < block ? tot - off : block;
        const float *ip[1] = {in + off};
        float *op[1] = {o + off};
        assert_int_equal(mm_fireq_process(q, op, ip, k), MM_OK);
    }
    memcpy(out, o + lat, n * sizeof(float));
    free(in);
    free(o);
}

static void test_flat_is_delay(void **state)
{
    (void)state;
    const double rates[] = {44100, 48000, 96000};
    for (int k = 0; k < 3; k++) {
        mm_fireq *q = make(1, rates[k]);
        size_t n = 20000;
        float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) x[i] = (float)tu_uniform();
        filter(q, y, x, n, 999);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)y[i] - x[i]));
        printf("# %.0f Hz: N %zu taps, latency %zu, flat error %.2e\n", rates[k], mm_fireq_taps(q) + 1,
               mm_fireq_latency(q), worst);
        assert_true(worst < 2e-6);
        free(x);
        free(y);
        mm_fireq_destroy(q);
    }
}

/* A curve with a shelf-like rise and a dip: filtered sines come out at the
 * wanted level within 0.05 dB from 50 Hz to 16 kHz (the Hann window's
 * smoothing over ~20 Hz is the only deviation), and the DTFT of the taps
 * agrees with the measured sine gain within 0.01 dB. */
static void test_response(void **state)
{
    (void)state;
    const double hz[] = {31.5, 100, 250, 1000, 2500, 6300, 16000};
    const double db[] = {3.0, 4.0, 1.0, -3.0, -1.0, 2.5, 6.0};
    mm_fireq *q = make(1, FS);
    assert_int_equal(mm_fireq_set_response(q, 0, hz, db, 7), MM_OK);
    const double probe[] = {50, 80, 140, 400, 1000, 1800, 3300, 8000, 12000, 16000};
    size_t n = 44100;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (int k = 0; k < 10; k++) {
        tu_sine(x, n, FS, probe[k], 0.25, 0.3);
        mm_fireq_reset(q);
        filter(q, y, x, n, 4096);
        /* RMS over the middle half, against the input's */
        double ey = 0.0, ex = 0.0;
        for (size_t i = n / 4; i < 3 * n / 4; i++) {
            ey += (double)y[i] * y[i];
            ex += (double)x[i] * x[i];
        }
        double meas = 10.0 * log10(ey / ex);
        double want = mm_fireq_wanted_db(q, 0, probe[k]);
        double dtft = mm_fireq_response_db(q, 0, probe[k]);
        printf("# %6.0f Hz: wanted %+.3f dB, measured %+.3f, taps' DTFT %+.3f\n", probe[k], want, meas, dtft);
        assert_near(meas, want, 0.05);
        assert_near(dtft, meas, 0.01);
    }
    /* log interpolation between points: 500 Hz is halfway (in octaves) from 250 to 1000 */
    assert_near(mm_fireq_wanted_db(q, 0, 500.0), -1.0, 1e-9);
    assert_near(mm_fireq_wanted_db(q, 0, 10.0), 3.0, 1e-12);    /* held below */
    assert_near(mm_fireq_wanted_db(q, 0, 20000.0), 6.0, 1e-12); /* and above */
    free(x);
    free(y);
    mm_fireq_destroy(q);
}

/* Linear phase: the impulse response is symmetric about the FIR delay. */
static void test_symmetric(void **state)
{
    (void)state;
    const double hz[] = {60, 300, 3000, 12000};
    const double db[] = {-6.0, 2.0, -4.0, 5.0};
    mm_fireq *q = make(1, FS);
    mm_fireq_set_response(q, 0, hz, db, 4);
    size_t taps = mm_fireq_taps(q), n = taps + 10;
    float *x = calloc(n, sizeof(float)), *y = calloc(n, sizeof(float));
    x[0] = 1.0f;
    /* without the FIFO delay: output at latency - (taps-1)/2 + k holds tap k */
    filter(q, y, x, n, 512);
    /* y[i] is aligned to the input, so the response is centred on i = 0:
     * h[-k] = y[-k] is not visible; compare the causal half with a run that
     * starts the impulse later */
    float *x2 = calloc(2 * n, sizeof(float)), *y2 = calloc(2 * n, sizeof(float));
    x2[taps] = 1.0f;
    mm_fireq_reset(q);
    filter(q, y2, x2, 2 * n, 512);
    double asym = 0.0, peak = 0.0;
    for (size_t k = 1; k < taps / 2; k++) {
        asym = fmax(asym, fabs((double)y2[taps + k] - y2[taps - k]));
        peak = fmax(peak, fabs((double)y2[taps + k]));
    }
    printf("# taps %zu, centre %.4f, largest asymmetry %.2e\n", taps, y2[taps], asym);
    assert_true(asym < 1e-6);
    assert_near(y2[taps], y[0], 1e-7);
    free(x);
    free(y);
    free(x2);
    free(y2);
    mm_fireq_destroy(q);
}

static void test_blocks_and_channels(void **state)
{
    (void)state;
    const double hz[] = {100, 1000, 10000};
    const double a[] = {3, -2, 4}, b[] = {-5, 0, -1};
    mm_fireq_config c = mm_fireq_config_default(FS, 2);
    int st;
    mm_fireq *q = mm_fireq_create(&c, &st);
    mm_fireq_set_response(q, 0, hz, a, 3);
    mm_fireq_set_response(q, 1, hz, b, 3);
    size_t n = 30000;
    float *x0 = malloc(n * sizeof(float)), *x1 = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        x0[i] = (float)tu_gauss();
        x1[i] = (float)tu_gauss();
    }
    float *r0 = malloc(n * sizeof(float)), *r1 = malloc(n * sizeof(float));
    float *o0 = malloc(n * sizeof(float)), *o1 = malloc(n * sizeof(float));
    const float *ip[2] = {x0, x1};
    float *rp[2] = {r0, r1};
    mm_fireq_process(q, rp, ip, n);
    const size_t blocks[] = {1, 100, 8191, 8192, 8193};
    for (int k = 0; k < 5; k++) {
        mm_fireq_reset(q);
        for (size_t off = 0; off < n; off += blocks[k]) {
            size_t m = n - off < blocks[k] ? n - off : blocks[k];
            const float *i2[2] = {x0 + off, x1 + off};
            float *o2[2] = {o0 + off, o1 + off};
            mm_fireq_process(q, o2, i2, m);
        }
        assert_memory_equal(o0, r0, n * sizeof(float));
        assert_memory_equal(o1, r1, n * sizeof(float));
    }
    /* in place works too */
    mm_fireq_reset(q);
    memcpy(o0, x0, n * sizeof(float));
    memcpy(o1, x1, n * sizeof(float));
    float *io[2] = {o0, o1};
    mm_fireq_process(q, io, (const float *const *)io, n);
    assert_memory_equal(o0, r0, n * sizeof(float));
    free(x0); free(x1); free(r0); free(r1); free(o0); free(o1);
    mm_fireq_destroy(q);
}

static void test_bad_args(void **state)
{
    (void)state;
    int st;
    mm_fireq_config c = mm_fireq_config_default(FS, 2);
    c.design_size = 1000; /* not a power of two */
    assert_null(mm_fireq_create(&c, &st));
    assert_int_equal(st, MM_ERR_INVALID_ARG);
    c = mm_fireq_config_default(1000.0, 2);
    assert_null(mm_fireq_create(&c, &st));
    c = mm_fireq_config_default(FS, 0);
    assert_null(mm_fireq_create(&c, &st));
    mm_fireq *q = make(1, FS);
    const double hz[] = {100, 50}, db[] = {0, 0}, big[] = {0, 80}, ok_hz[] = {50, 100};
    assert_int_equal(mm_fireq_set_response(q, 0, hz, db, 2), MM_ERR_INVALID_ARG); /* not increasing */
    assert_int_equal(mm_fireq_set_response(q, 0, ok_hz, big, 2), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_fireq_set_response(q, 1, ok_hz, db, 2), MM_ERR_INVALID_ARG); /* no channel 1 */
    assert_int_equal(mm_fireq_set_response(q, 0, NULL, NULL, 0), MM_OK);
    mm_fireq_destroy(q);
    mm_fireq_destroy(NULL);
}

int main(void)
{
    tu_seed_init("test_fireq");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_is_delay),
        cmocka_unit_test(test_response),
        cmocka_unit_test(test_symmetric),
        cmocka_unit_test(test_blocks_and_channels),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
