/*
 * Biquad design and cascade. The oracle for the design is the RBJ analog
 * prototype H(s) of each type, evaluated here in complex arithmetic at the
 * bilinear-transform frequency s = j tan(pi f / fs) / tan(pi f0 / fs); the
 * library evaluates the digital polynomials instead, so the two share no
 * code. The cascade is checked against mm_biquad_response_db with long sines
 * whose windows hold a whole number of periods (so the RMS is exact).
 */
#include "testutil.h"

#include <complex.h>
#include <string.h>

#include "mixmaster/biquad.h"

static const double rates[] = {44100.0, 48000.0, 96000.0};
#define NRATES (sizeof rates / sizeof rates[0])

static const mm_biquad_type all_types[] = {MM_BIQUAD_LOWPASS, MM_BIQUAD_HIGHPASS, MM_BIQUAD_BANDPASS,
                                           MM_BIQUAD_NOTCH,   MM_BIQUAD_ALLPASS,  MM_BIQUAD_PEAK,
                                           MM_BIQUAD_LOWSHELF, MM_BIQUAD_HIGHSHELF};
#define NTYPES (sizeof all_types / sizeof all_types[0])

/* 1/sqrt(2): Butterworth Q, and the shelf Q that equals slope S = 1. */
#define Q_BUTTER 0.70710678118654752440

/* |H(jW)| in dB of the RBJ cookbook's analog prototype, W normalised to f0
 * and pre-warped as the bilinear transform does. */
static double analog_db(mm_biquad_type type, double fs, double f0, double q, double gain_db, double f)
{
    const double W = tan(M_PI * f / fs) / tan(M_PI * f0 / fs);
    const double complex s = I * W;
    const double A = pow(10.0, gain_db / 40.0), sA = sqrt(A);
    const double complex den = s * s + s / q + 1.0;
    double complex h;
    switch (type) {
    case MM_BIQUAD_LOWPASS: h = 1.0 / den; break;
    case MM_BIQUAD_HIGHPASS: h = s * s / den; break;
    case MM_BIQUAD_BANDPASS: h = (s / q) / den; break;
    case MM_BIQUAD_NOTCH: h = (s * s + 1.0) / den; break;
    case MM_BIQUAD_ALLPASS: h = (s * s - s / q + 1.0) / den; break;
    case MM_BIQUAD_PEAK: h = (s * s + s * (A / q) + 1.0) / (s * s + s / (A * q) + 1.0); break;
    case MM_BIQUAD_LOWSHELF: h = A * (s * s + (sA / q) * s + A) / (A * s * s + (sA / q) * s + 1.0); break;
    case MM_BIQUAD_HIGHSHELF: h = A * (A * s * s + (sA / q) * s + 1.0) / (s * s + (sA / q) * s + A); break;
    default: h = NAN; break;
    }
    return 20.0 * log10(cabs(h));
}

static mm_biquad_coeffs design_ok(mm_biquad_type type, double fs, double f0, double q, double gain_db)
{
    mm_biquad_coeffs c;
    assert_int_equal(mm_biquad_design(&c, type, fs, f0, q, gain_db), MM_OK);
    return c;
}

/* Every type at many (fs, f0, Q, gain) against the analog prototype. */
static void test_design_matches_prototype(void **state)
{
    (void)state;
    static const double f0s[] = {30.0, 100.0, 1000.0, 5000.0, 15000.0};
    static const double qs[] = {0.3, Q_BUTTER, 2.0, 8.0};
    static const double gains[] = {-15.0, -3.0, 6.0, 12.0};
    static const double ratios[] = {0.01, 0.1, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0, 5.0, 20.0};
    int checked = 0;
    for (size_t r = 0; r < NRATES; r++)
        for (size_t t = 0; t < NTYPES; t++)
            for (size_t i = 0; i < sizeof f0s / sizeof f0s[0]; i++)
                for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++)
                    for (size_t g = 0; g < sizeof gains / sizeof gains[0]; g++) {
                        const double fs = rates[r], f0 = f0s[i], q = qs[j], gdb = gains[g];
                        mm_biquad_coeffs c = design_ok(all_types[t], fs, f0, q, gdb);
                        for (size_t k = 0; k < sizeof ratios / sizeof ratios[0]; k++) {
                            const double f = f0 * ratios[k];
                            if (f >= 0.5 * fs) continue;
                            const double want = analog_db(all_types[t], fs, f0, q, gdb, f);
                            const double got = mm_biquad_response_db(&c, fs, f);
                            if (want < -80.0) {
                                /* deep in a stop band or a notch: dB is ill-conditioned,
                                 * ask only that the filter agrees it is deep */
                                assert_true(got < -70.0);
                            } else {
                                /* tolerance 0.01 dB (both are exact up to rounding) */
                                assert_near(got, want, 0.01);
                            }
                            checked++;
                        }
                    }
    assert_true(checked > 3000);
}

/* The textbook points of each type, without the prototype formula. */
static void test_design_known_points(void **state)
{
    (void)state;
    const double fs = 48000.0;
    mm_biquad_coeffs c;

    /* Butterworth LPF/HPF: |H(f0)| = 1/sqrt(2) = -3.0103 dB; 0 dB in the pass band */
    c = design_ok(MM_BIQUAD_LOWPASS, fs, 1000.0, Q_BUTTER, 0.0);
    assert_near(mm_biquad_response_db(&c, fs, 1000.0), -3.0103, 0.001);
    assert_near(mm_biquad_response_db(&c, fs, 0.0), 0.0, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 1.0), 0.0, 1e-6);
    assert_true(mm_biquad_response_db(&c, fs, 20000.0) < -50.0); /* 12 dB/oct beyond f0 */
    c = design_ok(MM_BIQUAD_HIGHPASS, fs, 1000.0, Q_BUTTER, 0.0);
    assert_near(mm_biquad_response_db(&c, fs, 1000.0), -3.0103, 0.001);
    assert_near(mm_biquad_response_db(&c, fs, 24000.0), 0.0, 1e-9); /* Nyquist: exactly 1 */
    assert_true(mm_biquad_response_db(&c, fs, 0.0) == -INFINITY);   /* double zero at DC */

    /* BPF (constant 0 dB peak): 0 dB at f0 */
    c = design_ok(MM_BIQUAD_BANDPASS, fs, 2000.0, 3.0, 0.0);
    assert_near(mm_biquad_response_db(&c, fs, 2000.0), 0.0, 1e-9);
    assert_true(mm_biquad_response_db(&c, fs, 500.0) < -10.0);

    /* notch: zero at f0, 0 dB at DC and Nyquist */
    c = design_ok(MM_BIQUAD_NOTCH, fs, 3000.0, 2.0, 0.0);
    assert_true(mm_biquad_response_db(&c, fs, 3000.0) < -120.0);
    assert_near(mm_biquad_response_db(&c, fs, 0.0), 0.0, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 24000.0), 0.0, 1e-9);

    /* allpass: 0 dB everywhere */
    c = design_ok(MM_BIQUAD_ALLPASS, fs, 700.0, 0.9, 0.0);
    for (double f = 0.0; f < 24000.0; f += 97.0) assert_near(mm_biquad_response_db(&c, fs, f), 0.0, 1e-9);

    /* peaking EQ: exactly gain_db at f0, 0 dB at DC and Nyquist */
    c = design_ok(MM_BIQUAD_PEAK, fs, 1000.0, 0.7, -7.5);
    assert_near(mm_biquad_response_db(&c, fs, 1000.0), -7.5, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 0.0), 0.0, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 24000.0), 0.0, 1e-9);

    /* shelves: gain_db on the shelf side, 0 dB on the other, gain_db/2 at f0 */
    c = design_ok(MM_BIQUAD_LOWSHELF, fs, 200.0, Q_BUTTER, 9.0);
    assert_near(mm_biquad_response_db(&c, fs, 0.0), 9.0, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 200.0), 4.5, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 24000.0), 0.0, 1e-9);
    c = design_ok(MM_BIQUAD_HIGHSHELF, fs, 6000.0, Q_BUTTER, -6.0);
    assert_near(mm_biquad_response_db(&c, fs, 0.0), 0.0, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 6000.0), -3.0, 1e-9);
    assert_near(mm_biquad_response_db(&c, fs, 24000.0), -6.0, 1e-9);

    /* identity: 0 dB */
    c = mm_biquad_identity();
    assert_true(c.b0 == 1.0 && c.b1 == 0.0 && c.b2 == 0.0 && c.a1 == 0.0 && c.a2 == 0.0);
    assert_near(mm_biquad_response_db(&c, fs, 1234.0), 0.0, 0.0);
}

/*
 * Filter `frames` frames of a sine (both channels; channel 1 at half the
 * amplitude) and return the output/input RMS ratio in dB over the window
 * [skip, skip + win). f and fs are integers and win = fs, so the window
 * holds exactly f periods and the RMS of a sine is exact.
 */
static void sine_gain_db(mm_biquad_cascade *bq, double fs, double f, double skip_s, double out_db[2])
{
    const size_t skip = (size_t)(skip_s * fs), win = (size_t)fs, total = skip + win;
    float *x0 = malloc(total * sizeof(float)), *x1 = malloc(total * sizeof(float));
    float *y0 = malloc(total * sizeof(float)), *y1 = malloc(total * sizeof(float));
    tu_sine(x0, total, fs, f, 0.5, 0.3);
    tu_sine(x1, total, fs, f, 0.25, 1.1);
    mm_biquad_cascade_reset(bq);
    const float *in[2] = {x0, x1};
    float *out[2] = {y0, y1};
    /* blocks of 1000 frames, as a host would call */
    for (size_t off = 0; off < total; off += 1000) {
        size_t n = total - off < 1000 ? total - off : 1000;
        const float *bi[2] = {in[0] + off, in[1] + off};
        float *bo[2] = {out[0] + off, out[1] + off};
        mm_biquad_cascade_process(bq, bo, bi, n);
    }
    for (int c = 0; c < 2; c++) {
        double ei = 0.0, eo = 0.0;
        for (size_t i = skip; i < total; i++) {
            ei += (double)in[c][i] * in[c][i];
            eo += (double)out[c][i] * out[c][i];
        }
        out_db[c] = 10.0 * log10(eo / ei);
    }
    free(x0);
    free(x1);
    free(y0);
    free(y1);
}

/* A 3-stage EQ at 44.1/48/96 kHz filters sines as its response says. */
static void test_cascade_sine_matches_response(void **state)
{
    (void)state;
    static const double freqs[] = {60.0, 100.0, 1000.0, 3000.0, 10000.0, 15000.0};
    for (size_t r = 0; r < NRATES; r++) {
        const double fs = rates[r];
        mm_biquad_coeffs c[3];
        c[0] = design_ok(MM_BIQUAD_HIGHPASS, fs, 80.0, Q_BUTTER, 0.0);
        c[1] = design_ok(MM_BIQUAD_PEAK, fs, 1000.0, 1.0, 6.0);
        c[2] = design_ok(MM_BIQUAD_HIGHSHELF, fs, 8000.0, Q_BUTTER, -4.0);
        int err = -99;
        mm_biquad_cascade *bq = mm_biquad_cascade_create(2, 4, &err);
        assert_non_null(bq);
        assert_int_equal(err, MM_OK);
        for (int k = 0; k < 3; k++) assert_int_equal(mm_biquad_cascade_set(bq, k, &c[k]), MM_OK);
        assert_int_equal(mm_biquad_cascade_stages(bq), 3);
        for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++) {
            double want = 0.0, got[2];
            for (int k = 0; k < 3; k++) want += mm_biquad_response_db(&c[k], fs, freqs[i]);
            /* transients of the slowest pole (80 Hz, Q 0.71: tau = 2 ms) are gone after 0.25 s */
            sine_gain_db(bq, fs, freqs[i], 0.25, got);
            /* tolerance 0.05 dB: float I/O rounding is ~1e-6 dB, so this is generous */
            assert_near(got[0], want, 0.05);
            assert_near(got[1], want, 0.05);
        }
        mm_biquad_cascade_destroy(bq);
    }
}

/* A 4th-order Butterworth highpass at 20 Hz, 96 kHz: the poles sit within
 * 1e-3 of z = 1, where float state would lose the response. */
static void test_low_highpass_at_96k(void **state)
{
    (void)state;
    const double fs = 96000.0, fc = 20.0;
    /* 4th-order Butterworth: two sections with Q = 1/(2 cos(pi/8)), 1/(2 cos(3 pi/8)) */
    const double q1 = 1.0 / (2.0 * cos(M_PI / 8.0)), q2 = 1.0 / (2.0 * cos(3.0 * M_PI / 8.0));
    mm_biquad_coeffs c1 = design_ok(MM_BIQUAD_HIGHPASS, fs, fc, q1, 0.0);
    mm_biquad_coeffs c2 = design_ok(MM_BIQUAD_HIGHPASS, fs, fc, q2, 0.0);
    mm_biquad_cascade *bq = mm_biquad_cascade_create(2, 2, NULL);
    assert_non_null(bq);
    mm_biquad_cascade_set(bq, 0, &c1);
    mm_biquad_cascade_set(bq, 1, &c2);
    static const double freqs[] = {10.0, 20.0, 40.0, 100.0};
    for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++) {
        const double f = freqs[i];
        /* analog Butterworth |H|^2 = r^8 / (1 + r^8), r = f / fc; the bilinear
         * warp at 20 Hz / 96 kHz changes r by (pi f/fs)^2/3 ~ 1e-7 */
        const double r8 = pow(f / fc, 8.0);
        const double butter = 10.0 * log10(r8 / (1.0 + r8));
        const double resp = mm_biquad_response_db(&c1, fs, f) + mm_biquad_response_db(&c2, fs, f);
        assert_near(resp, butter, 0.001);
        double got[2];
        /* slowest decay: zeta = 0.38, tau = 1/(zeta w0) = 21 ms; 1 s is 48 tau */
        sine_gain_db(bq, fs, f, 1.0, got);
        assert_near(got[0], resp, 0.05);
        assert_near(got[1], resp, 0.05);
    }
    /* Noise floor: a 1 kHz + 25 Hz mix against the same sections run in
     * direct form I in long double. Float state would leave an error near
     * -60 dB here (its rounding noise is amplified ~1e4 by poles this close
     * to z = 1); double state is limited by the float output, ~-140 dB.
     * Threshold: error RMS 110 dB below the signal RMS. */
    {
        const size_t m = 96000;
        float *x = malloc(m * sizeof(float)), *y = malloc(m * sizeof(float));
        for (size_t i = 0; i < m; i++)
            x[i] = (float)(0.4 * sin(2.0 * M_PI * 1000.0 * (double)i / fs) +
                           0.4 * sin(2.0 * M_PI * 25.0 * (double)i / fs + 0.5));
        const float *in[2] = {x, x};
        float *out[2] = {y, y};
        mm_biquad_cascade *one = mm_biquad_cascade_create(1, 2, NULL);
        mm_biquad_cascade_set(one, 0, &c1);
        mm_biquad_cascade_set(one, 1, &c2);
        mm_biquad_cascade_process(one, out, in, m);
        mm_biquad_cascade_destroy(one);
        const mm_biquad_coeffs *cs[2] = {&c1, &c2};
        long double x1[2] = {0, 0}, x2[2] = {0, 0}, y1[2] = {0, 0}, y2[2] = {0, 0};
        double err2 = 0.0, sig2 = 0.0;
        for (size_t i = 0; i < m; i++) {
            long double v = x[i];
            for (int k = 0; k < 2; k++) {
                const mm_biquad_coeffs *c = cs[k];
                long double w = (long double)c->b0 * v + (long double)c->b1 * x1[k] +
                                (long double)c->b2 * x2[k] - (long double)c->a1 * y1[k] -
                                (long double)c->a2 * y2[k];
                x2[k] = x1[k];
                x1[k] = v;
                y2[k] = y1[k];
                y1[k] = w;
                v = w;
            }
            double e = (double)(y[i] - v);
            err2 += e * e;
            sig2 += (double)(v * v);
        }
        const double floor_db = 10.0 * log10(err2 / sig2);
        print_message("20 Hz HPF at 96 kHz: error %.1f dB below the signal\n", -floor_db);
        assert_true(floor_db < -110.0);
        free(x);
        free(y);
    }

    /* DC is removed: after 2 s of a 0.5 step the output is below 1e-6 */
    const size_t n = 192000;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = 0.5f;
    float *io[2] = {x, x};
    mm_biquad_cascade_reset(bq);
    mm_biquad_cascade_process(bq, io, (const float *const *)io, n);
    for (size_t i = n - 1000; i < n; i++) assert_true(fabsf(x[i]) < 1e-6f);
    free(x);
    mm_biquad_cascade_destroy(bq);
}

static float *noise(size_t n, double amp);

/* y = cascade(x) for c[0..stages-1] in direct form I, long double: an
 * independent topology and precision for the cascade to agree with. */
static void reference_df1(const mm_biquad_coeffs *c, int stages, const float *x, double *y, size_t n)
{
    long double s[64][4] = {{0}}; /* x1, x2, y1, y2 per stage */
    for (size_t i = 0; i < n; i++) {
        long double v = x[i];
        for (int k = 0; k < stages; k++) {
            long double w = (long double)c[k].b0 * v + (long double)c[k].b1 * s[k][0] +
                            (long double)c[k].b2 * s[k][1] - (long double)c[k].a1 * s[k][2] -
                            (long double)c[k].a2 * s[k][3];
            s[k][1] = s[k][0];
            s[k][0] = v;
            s[k][3] = s[k][2];
            s[k][2] = w;
            v = w;
        }
        y[i] = (double)v;
    }
}

/* Every stage count 1..10 (the internal grouping of stages changes with it)
 * against the direct form I reference on noise, 3 channels. */
static void test_matches_reference_every_stage_count(void **state)
{
    (void)state;
    const size_t n = 3000;
    const double fs = 48000.0;
    static const mm_biquad_type types[] = {MM_BIQUAD_PEAK, MM_BIQUAD_LOWSHELF, MM_BIQUAD_HIGHSHELF,
                                           MM_BIQUAD_ALLPASS, MM_BIQUAD_LOWPASS};
    for (int stages = 1; stages <= 10; stages++) {
        mm_biquad_coeffs c[10];
        for (int k = 0; k < stages; k++) {
            mm_biquad_type t = types[tu_rand() % 5u];
            double f0 = 100.0 * pow(100.0, (double)(tu_rand() % 1000u) / 1000.0); /* 100 Hz..10 kHz */
            double q = 0.5 + 1.5 * (double)(tu_rand() % 1000u) / 1000.0;
            double g = 12.0 * tu_uniform();
            if (t == MM_BIQUAD_LOWPASS) f0 = 15000.0;
            c[k] = design_ok(t, fs, f0, q, g);
        }
        mm_biquad_cascade *bq = mm_biquad_cascade_create(3, 10, NULL);
        for (int k = 0; k < stages; k++) mm_biquad_cascade_set(bq, k, &c[k]);
        float *x[3], *y[3];
        for (int ch = 0; ch < 3; ch++) {
            x[ch] = noise(n, 0.25 * (ch + 1));
            y[ch] = malloc(n * sizeof(float));
        }
        mm_biquad_cascade_process(bq, y, (const float *const *)x, n);
        double *ref = malloc(n * sizeof(double));
        for (int ch = 0; ch < 3; ch++) {
            reference_df1(c, stages, x[ch], ref, n);
            double err2 = 0.0, sig2 = 0.0;
            for (size_t i = 0; i < n; i++) {
                err2 += (y[ch][i] - ref[i]) * (y[ch][i] - ref[i]);
                sig2 += ref[i] * ref[i];
            }
            /* float output rounding alone is ~-150 dB; 120 dB leaves room for
             * the state rounding of 10 stages */
            assert_true(10.0 * log10(err2 / sig2) < -120.0);
            free(x[ch]);
            free(y[ch]);
        }
        free(ref);
        mm_biquad_cascade_destroy(bq);
    }
}

/* Five random-ish stages on stereo noise (five stages: one full group of
 * four and a group of one). */
static mm_biquad_cascade *make_five_stage(double fs)
{
    mm_biquad_cascade *bq = mm_biquad_cascade_create(2, 8, NULL);
    assert_non_null(bq);
    mm_biquad_coeffs c[5];
    c[0] = design_ok(MM_BIQUAD_HIGHPASS, fs, 30.0, Q_BUTTER, 0.0);
    c[1] = design_ok(MM_BIQUAD_PEAK, fs, 300.0, 2.0, 4.0);
    c[2] = design_ok(MM_BIQUAD_LOWSHELF, fs, 120.0, Q_BUTTER, -3.0);
    c[3] = design_ok(MM_BIQUAD_NOTCH, fs, 5000.0, 4.0, 0.0);
    c[4] = design_ok(MM_BIQUAD_LOWPASS, fs, 16000.0, 0.6, 0.0);
    for (int k = 0; k < 5; k++) assert_int_equal(mm_biquad_cascade_set(bq, k, &c[k]), MM_OK);
    return bq;
}

static float *noise(size_t n, double amp)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)(amp * tu_uniform());
    return x;
}

/* out == in gives bit-identical results to separate buffers. */
static void test_in_place_equals_out_of_place(void **state)
{
    (void)state;
    const size_t n = 5000;
    float *x[2] = {noise(n, 0.8), noise(n, 0.3)};
    float *y[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    mm_biquad_cascade *bq = make_five_stage(48000.0);
    mm_biquad_cascade_process(bq, y, (const float *const *)x, n);
    mm_biquad_cascade_reset(bq);
    mm_biquad_cascade_process(bq, x, (const float *const *)x, n);
    for (int c = 0; c < 2; c++) assert_memory_equal(x[c], y[c], n * sizeof(float));
    mm_biquad_cascade_destroy(bq);
    for (int c = 0; c < 2; c++) {
        free(x[c]);
        free(y[c]);
    }
}

/* Random block sizes (0 included, some above the internal chunk) give
 * bit-identical output to one call. */
static void test_block_size_independence(void **state)
{
    (void)state;
    const size_t n = 20000;
    float *x[2] = {noise(n, 0.8), noise(n, 0.3)};
    float *y1[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    float *y2[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    mm_biquad_cascade *bq = make_five_stage(44100.0);
    mm_biquad_cascade_process(bq, y1, (const float *const *)x, n);
    mm_biquad_cascade_reset(bq);
    size_t off = 0;
    while (off < n) {
        size_t b = tu_rand() % 700u;
        if (b > n - off) b = n - off;
        const float *bi[2] = {x[0] + off, x[1] + off};
        float *bo[2] = {y2[0] + off, y2[1] + off};
        mm_biquad_cascade_process(bq, bo, bi, b);
        off += b;
    }
    for (int c = 0; c < 2; c++) assert_memory_equal(y1[c], y2[c], n * sizeof(float));
    mm_biquad_cascade_destroy(bq);
    for (int c = 0; c < 2; c++) {
        free(x[c]);
        free(y1[c]);
        free(y2[c]);
    }
}

/* reset() restores the initial state: the same input gives the same output. */
static void test_reset(void **state)
{
    (void)state;
    const size_t n = 3000;
    float *x[2] = {noise(n, 0.5), noise(n, 0.5)};
    float *junk[2] = {noise(n, 1.0), noise(n, 1.0)};
    float *y1[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    float *y2[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    mm_biquad_cascade *bq = make_five_stage(96000.0);
    mm_biquad_cascade_process(bq, y1, (const float *const *)x, n);
    mm_biquad_cascade_process(bq, junk, (const float *const *)junk, n);
    mm_biquad_cascade_reset(bq);
    assert_int_equal(mm_biquad_cascade_stages(bq), 5); /* coefficients are kept */
    mm_biquad_cascade_process(bq, y2, (const float *const *)x, n);
    for (int c = 0; c < 2; c++) assert_memory_equal(y1[c], y2[c], n * sizeof(float));
    /* and the filter is not the identity (so the comparison above means something) */
    assert_memory_not_equal(x[0], y1[0], n * sizeof(float));
    mm_biquad_cascade_destroy(bq);
    for (int c = 0; c < 2; c++) {
        free(x[c]);
        free(junk[c]);
        free(y1[c]);
        free(y2[c]);
    }
}

/* Stage bookkeeping: pass-through when empty, set() extends, set_stages()
 * drops the later stages (they come back as identity). */
static void test_stage_count(void **state)
{
    (void)state;
    const size_t n = 2000;
    float *x = noise(n, 0.7), *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
    const float *in[1] = {x};
    float *out_y[1] = {y}, *out_z[1] = {z};
    int err = -99;
    mm_biquad_cascade *bq = mm_biquad_cascade_create(1, 4, &err);
    assert_int_equal(err, MM_OK);
    assert_int_equal(mm_biquad_cascade_stages(bq), 0);
    mm_biquad_cascade_process(bq, out_y, in, n);
    assert_memory_equal(x, y, n * sizeof(float)); /* 0 stages: exact copy */

    mm_biquad_coeffs lp = design_ok(MM_BIQUAD_LOWPASS, 48000.0, 2000.0, Q_BUTTER, 0.0);
    mm_biquad_coeffs pk = design_ok(MM_BIQUAD_PEAK, 48000.0, 500.0, 1.0, 10.0);
    assert_int_equal(mm_biquad_cascade_set(bq, 0, &lp), MM_OK);
    assert_int_equal(mm_biquad_cascade_set(bq, 2, &pk), MM_OK);
    assert_int_equal(mm_biquad_cascade_stages(bq), 3);
    assert_int_equal(mm_biquad_cascade_set(bq, 1, &pk), MM_OK);
    assert_int_equal(mm_biquad_cascade_stages(bq), 3); /* lower stage: count unchanged */
    assert_int_equal(mm_biquad_cascade_set_stages(bq, 1), MM_OK);
    assert_int_equal(mm_biquad_cascade_stages(bq), 1);
    assert_int_equal(mm_biquad_cascade_set_stages(bq, 4), MM_OK);
    mm_biquad_cascade_reset(bq);
    mm_biquad_cascade_process(bq, out_y, in, n);

    mm_biquad_cascade *ref = mm_biquad_cascade_create(1, 1, NULL);
    mm_biquad_cascade_set(ref, 0, &lp);
    mm_biquad_cascade_process(ref, out_z, in, n);
    /* identity stages multiply by 1 and add 0: exact */
    assert_memory_equal(y, z, n * sizeof(float));
    assert_memory_not_equal(x, z, n * sizeof(float));
    mm_biquad_cascade_destroy(ref);
    mm_biquad_cascade_destroy(bq);
    free(x);
    free(y);
    free(z);
}

/* A NaN or Inf input sample does not disable the filter for good. */
static void test_recovers_from_nan(void **state)
{
    (void)state;
    const size_t n = 4096;
    float *x = noise(n, 0.5), *y = malloc(n * sizeof(float));
    x[10] = NAN;
    x[20] = INFINITY;
    mm_biquad_cascade *bq = mm_biquad_cascade_create(1, 1, NULL);
    mm_biquad_coeffs c = design_ok(MM_BIQUAD_LOWPASS, 48000.0, 1000.0, Q_BUTTER, 0.0);
    mm_biquad_cascade_set(bq, 0, &c);
    const float *in[1] = {x};
    float *out[1] = {y};
    mm_biquad_cascade_process(bq, out, in, 1000); /* poisons the state mid-call */
    const float *in2[1] = {x + 1000};
    float *out2[1] = {y + 1000};
    mm_biquad_cascade_process(bq, out2, in2, n - 1000);
    for (size_t i = 1000; i < n; i++) assert_true(isfinite(y[i]));
    mm_biquad_cascade_destroy(bq);
    free(x);
    free(y);
}

/* Sane arguments accepted, insane ones rejected, *out left alone. */
static void test_invalid_args(void **state)
{
    (void)state;
    const double fs = 48000.0;
    mm_biquad_coeffs keep = {7.0, 7.0, 7.0, 7.0, 7.0}, c = keep;
    struct {
        mm_biquad_type type;
        double fs, f, q, g;
    } bad[] = {
        {MM_BIQUAD_LOWPASS, fs, 0.0, 1.0, 0.0},       {MM_BIQUAD_LOWPASS, fs, -5.0, 1.0, 0.0},
        {MM_BIQUAD_LOWPASS, fs, 24000.0, 1.0, 0.0},   {MM_BIQUAD_LOWPASS, fs, 30000.0, 1.0, 0.0},
        {MM_BIQUAD_LOWPASS, fs, NAN, 1.0, 0.0},       {MM_BIQUAD_LOWPASS, fs, 1000.0, 0.0, 0.0},
        {MM_BIQUAD_LOWPASS, fs, 1000.0, -1.0, 0.0},   {MM_BIQUAD_LOWPASS, fs, 1000.0, NAN, 0.0},
        {MM_BIQUAD_LOWPASS, fs, 1000.0, INFINITY, 0.0}, {MM_BIQUAD_LOWPASS, 0.0, 1000.0, 1.0, 0.0},
        {MM_BIQUAD_LOWPASS, -fs, 1000.0, 1.0, 0.0},   {MM_BIQUAD_LOWPASS, INFINITY, 1000.0, 1.0, 0.0},
        {MM_BIQUAD_PEAK, fs, 1000.0, 1.0, NAN},       {MM_BIQUAD_LOWSHELF, fs, 1000.0, 1.0, INFINITY},
        {(mm_biquad_type)99, fs, 1000.0, 1.0, 0.0},   {(mm_biquad_type)-1, fs, 1000.0, 1.0, 0.0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mm_biquad_design(&c, bad[i].type, bad[i].fs, bad[i].f, bad[i].q, bad[i].g),
                         MM_ERR_INVALID_ARG);
        assert_memory_equal(&c, &keep, sizeof c);
    }
    assert_int_equal(mm_biquad_design(NULL, MM_BIQUAD_LOWPASS, fs, 1000.0, 1.0, 0.0), MM_ERR_INVALID_ARG);
    /* gain_db is ignored (even NaN) by the types that do not use it; edges just inside are fine */
    assert_int_equal(mm_biquad_design(&c, MM_BIQUAD_LOWPASS, fs, 1000.0, 1.0, NAN), MM_OK);
    assert_int_equal(mm_biquad_design(&c, MM_BIQUAD_HIGHPASS, fs, 23999.0, 1.0, 0.0), MM_OK);
    assert_int_equal(mm_biquad_design(&c, MM_BIQUAD_HIGHPASS, fs, 0.001, 1.0, 0.0), MM_OK);

    int err = 0;
    assert_null(mm_biquad_cascade_create(0, 1, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    err = 0;
    assert_null(mm_biquad_cascade_create(1025, 1, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    err = 0;
    assert_null(mm_biquad_cascade_create(2, 0, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    err = 0;
    assert_null(mm_biquad_cascade_create(2, 65, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    assert_null(mm_biquad_cascade_create(-1, -1, NULL));

    mm_biquad_cascade *bq = mm_biquad_cascade_create(1024, 64, &err);
    assert_non_null(bq);
    assert_int_equal(err, MM_OK);
    mm_biquad_coeffs id = mm_biquad_identity(), nan_c = {NAN, 0, 0, 0, 0};
    assert_int_equal(mm_biquad_cascade_set(bq, -1, &id), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set(bq, 64, &id), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set(bq, 0, NULL), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set(bq, 0, &nan_c), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set(NULL, 0, &id), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set(bq, 63, &id), MM_OK);
    assert_int_equal(mm_biquad_cascade_stages(bq), 64);
    assert_int_equal(mm_biquad_cascade_set_stages(bq, 65), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set_stages(bq, -1), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_set_stages(NULL, 0), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_biquad_cascade_stages(NULL), MM_ERR_INVALID_ARG);
    mm_biquad_cascade_process(NULL, NULL, NULL, 10); /* no-ops, must not crash */
    mm_biquad_cascade_reset(NULL);
    mm_biquad_cascade_destroy(bq);
    mm_biquad_cascade_destroy(NULL);
    assert_true(isnan(mm_biquad_response_db(NULL, fs, 100.0)));
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_design_matches_prototype),
        cmocka_unit_test(test_design_known_points),
        cmocka_unit_test(test_cascade_sine_matches_response),
        cmocka_unit_test(test_low_highpass_at_96k),
        cmocka_unit_test(test_matches_reference_every_stage_count),
        cmocka_unit_test(test_in_place_equals_out_of_place),
        cmocka_unit_test(test_block_size_independence),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_stage_count),
        cmocka_unit_test(test_recovers_from_nan),
        cmocka_unit_test(test_invalid_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
