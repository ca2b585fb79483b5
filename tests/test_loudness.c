/*
 * Loudness meter conformance: EBU Tech 3341 (cases 1-6, 9, 12) and
 * Tech 3342 (cases 1-4), synthesised from their definitions at 44.1, 48 and
 * 96 kHz, plus libebur128 as an independent meter on programme-like noise.
 * Tolerances are the documents' own (+-0.1 LU; LRA +-1 LU) unless stated.
 */
#include "testutil.h"

#include <string.h>

#include <ebur128.h>

#include "mixmaster/biquad.h"
#include "mixmaster/loudness.h"

static const double rates[] = {44100.0, 48000.0, 96000.0};
#define NRATES (sizeof rates / sizeof rates[0])
#define BLOCK 4800

/* A segment of a test signal: `seconds` of a 1 kHz sine at `dbfs` peak. */
typedef struct seg {
    double seconds;
    double dbfs;
} seg;

/* Per-channel levels for multichannel cases (dBFS; -999 = silent). */
typedef struct sig {
    const seg *segs;
    size_t nsegs;
    int repeat;
} sig;

/*
 * Stream a piecewise-constant 1 kHz sine (phase continuous, as the EBU
 * signals are) through the meter. `chan_db` offsets each channel's level.
 * `check` (optional) runs after every 10 ms of audio.
 */
typedef void (*step_fn)(const mm_loudness *m, double t, void *ctx);

static void run_signal(mm_loudness *m, double fs, int channels, const double *chan_db, const seg *segs,
                       size_t nsegs, int repeat, step_fn check, void *ctx)
{
    float *buf[8];
    for (int c = 0; c < channels; c++) buf[c] = malloc(BLOCK * sizeof(float));
    double phase = 0.0, w = 2.0 * M_PI * 1000.0 / fs;
    size_t step = (size_t)floor(fs / 100.0 + 0.5);
    unsigned long long done = 0;
    for (int r = 0; r < repeat; r++) {
        for (size_t s = 0; s < nsegs; s++) {
            size_t left = (size_t)floor(segs[s].seconds * fs + 0.5);
            double amp = pow(10.0, segs[s].dbfs / 20.0);
            while (left) {
                /* blocks end on 10 ms boundaries so `check` sees every step */
                size_t n = step - (size_t)(done % step);
                if (n > left) n = left;
                for (size_t i = 0; i < n; i++) {
                    double v = amp * sin(phase);
                    phase += w;
                    if (phase > 2.0 * M_PI) phase -= 2.0 * M_PI;
                    for (int c = 0; c < channels; c++)
                        buf[c][i] = chan_db ? (float)(v * pow(10.0, chan_db[c] / 20.0)) : (float)v;
                }
                assert_int_equal(mm_loudness_process(m, (const float *const *)buf, n), MM_OK);
                left -= n;
                done += n;
                if (check && done % step == 0) check(m, (double)done / fs, ctx);
            }
        }
    }
    for (int c = 0; c < channels; c++) free(buf[c]);
}

static mm_loudness *meter(double fs, int channels)
{
    mm_loudness_config cfg = mm_loudness_config_default(fs, channels);
    int err = -100;
    mm_loudness *m = mm_loudness_create(&cfg, &err);
    assert_non_null(m);
    assert_int_equal(err, MM_OK);
    return m;
}

static double value(mm_measure x)
{
    if (x.reason != MM_REASON_NONE) {
        print_error("no value: %s\n", mm_reason_string(x.reason));
        fail();
    }
    return x.value;
}

/* Integrated (and optionally M, S at the end) of a stereo case at every rate. */
static void stereo_case(const char *name, const seg *segs, size_t n, double expect_i, int check_ms)
{
    for (size_t r = 0; r < NRATES; r++) {
        mm_loudness *m = meter(rates[r], 2);
        run_signal(m, rates[r], 2, NULL, segs, n, 1, NULL, NULL);
        double i = value(mm_loudness_integrated(m));
        printf("# %s @ %.0f Hz: I = %.3f LUFS (expected %.1f +- 0.1)\n", name, rates[r], i, expect_i);
        assert_near(i, expect_i, 0.1);
        if (check_ms) {
            assert_near(value(mm_loudness_momentary(m)), expect_i, 0.1);
            assert_near(value(mm_loudness_shortterm(m)), expect_i, 0.1);
            assert_near(value(mm_loudness_momentary_max(m)), expect_i, 0.1);
            assert_near(value(mm_loudness_shortterm_max(m)), expect_i, 0.1);
        }
        mm_loudness_destroy(m);
    }
}

static void test_3341_case1(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -23.0}};
    stereo_case("3341-1", s, 1, -23.0, 1);
}

static void test_3341_case2(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -33.0}};
    stereo_case("3341-2", s, 1, -33.0, 1);
}

static void test_3341_case3(void **state)
{
    (void)state;
    const seg s[] = {{10.0, -36.0}, {60.0, -23.0}, {10.0, -36.0}};
    stereo_case("3341-3", s, 3, -23.0, 0);
}

static void test_3341_case4(void **state)
{
    (void)state;
    const seg s[] = {{10.0, -72.0}, {10.0, -36.0}, {60.0, -23.0}, {10.0, -36.0}, {10.0, -72.0}};
    stereo_case("3341-4", s, 5, -23.0, 0);
}

static void test_3341_case5(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -26.0}, {20.1, -20.0}, {20.0, -26.0}};
    stereo_case("3341-5", s, 3, -23.0, 0);
}

/* Case 6: 5.0 channels L, R at -28, C at -24, Ls, Rs at -30 dBFS. */
static void test_3341_case6(void **state)
{
    (void)state;
    const seg s[] = {{20.0, 0.0}};
    const double chan[5] = {-28.0, -28.0, -24.0, -30.0, -30.0};
    for (size_t r = 0; r < NRATES; r++) {
        mm_loudness *m = meter(rates[r], 5);
        run_signal(m, rates[r], 5, chan, s, 1, 1, NULL, NULL);
        double i = value(mm_loudness_integrated(m));
        printf("# 3341-6 @ %.0f Hz: I = %.3f LUFS\n", rates[r], i);
        assert_near(i, -23.0, 0.1);
        mm_loudness_destroy(m);
    }
}

typedef struct window_check {
    double from_s;
    double expect;
    int momentary;
    int checked;
    double worst;
} window_check;

static void check_window(const mm_loudness *m, double t, void *ctx)
{
    window_check *w = ctx;
    if (t < w->from_s) return;
    double v = value(w->momentary ? mm_loudness_momentary(m) : mm_loudness_shortterm(m));
    if (fabs(v - w->expect) > fabs(w->worst - w->expect)) w->worst = v;
    assert_near(v, w->expect, 0.1);
    w->checked++;
}

/* Case 9: (1.34 s at -20, 1.66 s at -30) x 5: short-term -23.0 from 3 s on, every 10 ms. */
static void test_3341_case9(void **state)
{
    (void)state;
    const seg s[] = {{1.34, -20.0}, {1.66, -30.0}};
    for (size_t r = 0; r < NRATES; r++) {
        mm_loudness *m = meter(rates[r], 2);
        window_check w = {3.0, -23.0, 0, 0, -23.0};
        run_signal(m, rates[r], 2, NULL, s, 2, 5, check_window, &w);
        printf("# 3341-9 @ %.0f Hz: %d short-term values, worst %.3f LUFS\n", rates[r], w.checked, w.worst);
        assert_true(w.checked >= 1100);
        mm_loudness_destroy(m);
    }
}

/* Case 12: (0.18 s at -20, 0.22 s at -30) x 25: momentary -23.0 from 1 s on. */
static void test_3341_case12(void **state)
{
    (void)state;
    const seg s[] = {{0.18, -20.0}, {0.22, -30.0}};
    for (size_t r = 0; r < NRATES; r++) {
        mm_loudness *m = meter(rates[r], 2);
        window_check w = {1.0, -23.0, 1, 0, -23.0};
        run_signal(m, rates[r], 2, NULL, s, 2, 25, check_window, &w);
        printf("# 3341-12 @ %.0f Hz: %d momentary values, worst %.3f LUFS\n", rates[r], w.checked, w.worst);
        assert_true(w.checked >= 850);
        mm_loudness_destroy(m);
    }
}

static void lra_case(const char *name, const seg *segs, size_t n, double expect)
{
    for (size_t r = 0; r < NRATES; r++) {
        mm_loudness *m = meter(rates[r], 2);
        run_signal(m, rates[r], 2, NULL, segs, n, 1, NULL, NULL);
        double lra = value(mm_loudness_range(m));
        printf("# %s @ %.0f Hz: LRA = %.3f LU (expected %.0f +- 1)\n", name, rates[r], lra, expect);
        assert_near(lra, expect, 1.0);
        /* regression: a steady-state step measures within 0.1 LU of the step */
        assert_near(lra, expect, 0.1);
        mm_loudness_destroy(m);
    }
}

static void test_3342_case1(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -20.0}, {20.0, -30.0}};
    lra_case("3342-1", s, 2, 10.0);
}

static void test_3342_case2(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -20.0}, {20.0, -15.0}};
    lra_case("3342-2", s, 2, 5.0);
}

static void test_3342_case3(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -40.0}, {20.0, -20.0}};
    lra_case("3342-3", s, 2, 20.0);
}

static void test_3342_case4(void **state)
{
    (void)state;
    const seg s[] = {{20.0, -50.0}, {20.0, -35.0}, {20.0, -20.0}, {20.0, -35.0}, {20.0, -50.0}};
    lra_case("3342-4", s, 5, 15.0);
}

/* Programme-like stereo noise: filtered noise with a slow level envelope and
 * partly correlated channels, so that gating and LRA have work to do. */
static void make_programme(float *l, float *r, size_t n, double fs)
{
    double lp_l = 0, lp_r = 0, common = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs;
        double env = pow(10.0, (-12.0 + 9.0 * sin(2.0 * M_PI * t / 7.3) + 4.0 * sin(2.0 * M_PI * t / 1.9)) / 20.0);
        if (t > 12.0 && t < 14.0) env *= 0.001; /* a near-silent break */
        common = 0.97 * common + 0.03 * tu_gauss();
        lp_l = 0.6 * lp_l + 0.4 * tu_gauss();
        lp_r = 0.6 * lp_r + 0.4 * tu_gauss();
        l[i] = (float)(env * (0.25 * lp_l + 1.5 * common));
        r[i] = (float)(env * (0.25 * lp_r + 1.5 * common));
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* EBU Tech 3342 on a list of short-term values (LUFS): absolute gate
 * -70 LUFS, relative gate -20 LU below their power mean, then P95 - P10 by
 * nearest rank. Exact (no histogram): the reference for the meter's bins. */
static double lra_exact(double *st, size_t n)
{
    size_t k = 0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        if (st[i] > -70.0) {
            st[k++] = st[i];
            sum += pow(10.0, (st[i] + 0.691) / 10.0);
        }
    double rel = -0.691 + 10.0 * log10(sum / (double)k) - 20.0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (st[i] > rel) st[m++] = st[i];
    qsort(st, m, sizeof *st, cmp_double);
    size_t lo = (size_t)((double)(m - 1) * 0.10 + 0.5), hi = (size_t)((double)(m - 1) * 0.95 + 0.5);
    return st[hi] - st[lo];
}

/* libebur128 (exact block lists, not histogram mode) as the reference meter.
 * Its own LRA samples the short-term loudness every 1 s (Tech 3342 allows
 * any hop up to 1 s); this meter uses 100 ms, so the LRA reference is
 * computed from libebur128's short-term values taken every 100 ms. */
static void test_vs_libebur128(void **state)
{
    (void)state;
    for (size_t k = 0; k < NRATES; k++) {
        double fs = rates[k];
        size_t n = (size_t)(30.0 * fs);
        float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
        float *inter = malloc(2 * n * sizeof(float));
        make_programme(l, r, n, fs);
        for (size_t i = 0; i < n; i++) {
            inter[2 * i] = l[i];
            inter[2 * i + 1] = r[i];
        }
        mm_loudness *m = meter(fs, 2);
        ebur128_state *e = ebur128_init(2, (unsigned long)fs, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_S);
        assert_non_null(e);
        /* feed both in 10 ms steps; track libebur128's M and S maxima per step */
        size_t step = (size_t)floor(fs / 100.0 + 0.5);
        double ref_mmax = -HUGE_VAL, ref_smax = -HUGE_VAL;
        double *st_list = malloc((n / step + 1) * sizeof(double));
        size_t st_n = 0, steps = 0;
        for (size_t pos = 0; pos < n; pos += step) {
            size_t len = n - pos < step ? n - pos : step;
            const float *pl[2] = {l + pos, r + pos};
            mm_loudness_process(m, pl, len);
            ebur128_add_frames_float(e, inter + 2 * pos, len);
            if (len == step && pos + len >= (size_t)(0.4 * fs)) {
                double v;
                if (ebur128_loudness_momentary(e, &v) == EBUR128_SUCCESS && v > ref_mmax) ref_mmax = v;
            }
            if (len == step && pos + len >= (size_t)(3.0 * fs)) {
                double v;
                if (ebur128_loudness_shortterm(e, &v) == EBUR128_SUCCESS) {
                    if (v > ref_smax) ref_smax = v;
                    /* a short-term value every 100 ms, windows ending at 3.0, 3.1 ... s */
                    if ((steps - 299) % 10 == 0) st_list[st_n++] = v;
                }
            }
            steps++;
        }
        double ri, rl;
        ebur128_loudness_global(e, &ri);
        ebur128_loudness_range(e, &rl);
        double rl_exact = lra_exact(st_list, st_n);
        free(st_list);
        double mi = value(mm_loudness_integrated(m)), ml = value(mm_loudness_range(m));
        double mm = value(mm_loudness_momentary_max(m)), ms = value(mm_loudness_shortterm_max(m));
        printf("# vs libebur128 @ %.0f Hz: I %.4f/%.4f  LRA %.4f/%.4f (libebur128's 1 s hop: %.4f)  Mmax %.4f/%.4f  "
               "Smax %.4f/%.4f\n", fs, mi, ri, ml, rl_exact, rl, mm, ref_mmax, ms, ref_smax);
        /* histogram gating: 0.01 LU bins, so within 0.02 LU of exact lists */
        assert_near(mi, ri, 0.02);
        assert_near(ml, rl_exact, 0.02);
        /* same windows, same 10 ms steps: only rounding differs */
        assert_near(mm, ref_mmax, 0.01);
        assert_near(ms, ref_smax, 0.01);
        ebur128_destroy(&e);
        mm_loudness_destroy(m);
        free(l);
        free(r);
        free(inter);
    }
}

/* Mono: one channel reads 3.01 dB below dual-mono stereo, per BS.1770. */
static void test_mono_conventions(void **state)
{
    (void)state;
    const seg s[] = {{10.0, -23.0}};
    mm_loudness_config cfg = mm_loudness_config_default(48000, 1);
    mm_loudness *one = mm_loudness_create(&cfg, NULL);
    cfg.dual_mono = 1;
    mm_loudness *dual = mm_loudness_create(&cfg, NULL);
    run_signal(one, 48000, 1, NULL, s, 1, 1, NULL, NULL);
    run_signal(dual, 48000, 1, NULL, s, 1, 1, NULL, NULL);
    assert_near(value(mm_loudness_integrated(one)), -23.0 - 10.0 * log10(2.0), 0.1);
    assert_near(value(mm_loudness_integrated(dual)), -23.0, 0.1);
    assert_int_equal(mm_loudness_fold_integrated(one).reason, MM_REASON_NOT_STEREO);
    mm_loudness_destroy(one);
    mm_loudness_destroy(dual);
}

/* 5.1: the LFE channel does not count; surrounds weigh +1.5 dB. */
static void test_lfe_excluded(void **state)
{
    (void)state;
    const seg s[] = {{10.0, 0.0}};
    const double with_lfe[6] = {-28.0, -28.0, -24.0, -6.0, -30.0, -30.0};
    mm_loudness *m = meter(48000, 6);
    run_signal(m, 48000, 6, with_lfe, s, 1, 1, NULL, NULL);
    assert_near(value(mm_loudness_integrated(m)), -23.0, 0.1);
    mm_loudness_destroy(m);
}

/* Mono fold-down: identical channels lose 0 dB, uncorrelated noise about
 * 3.01 dB, opposite polarity cancels. */
static void test_fold_down(void **state)
{
    (void)state;
    double fs = 48000;
    size_t n = (size_t)(10 * fs);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    const float *p[2] = {l, r};
    for (size_t i = 0; i < n; i++) l[i] = r[i] = (float)(0.1 * tu_gauss());
    mm_loudness *m = meter(fs, 2);
    mm_loudness_process(m, p, n);
    assert_near(value(mm_loudness_integrated(m)) - value(mm_loudness_fold_integrated(m)), 0.0, 0.01);
    mm_loudness_reset(m);
    for (size_t i = 0; i < n; i++) r[i] = (float)(0.1 * tu_gauss());
    mm_loudness_process(m, p, n);
    /* independent noise: the fold keeps half the power, minus chance correlation */
    assert_near(value(mm_loudness_integrated(m)) - value(mm_loudness_fold_integrated(m)), 10.0 * log10(2.0), 0.05);
    mm_loudness_reset(m);
    for (size_t i = 0; i < n; i++) r[i] = -l[i];
    mm_loudness_process(m, p, n);
    assert_int_equal(mm_loudness_fold_integrated(m).reason, MM_REASON_CANCELS);
    mm_loudness_destroy(m);
    free(l);
    free(r);
}

static void test_silence_and_short(void **state)
{
    (void)state;
    double fs = 44100;
    float *z = calloc(44100 * 5, sizeof(float));
    const float *p[2] = {z, z};
    mm_loudness *m = meter(fs, 2);
    mm_loudness_process(m, p, (size_t)(0.3 * fs));
    assert_int_equal(mm_loudness_integrated(m).reason, MM_REASON_TOO_SHORT);
    assert_int_equal(mm_loudness_momentary_max(m).reason, MM_REASON_TOO_SHORT);
    assert_int_equal(mm_loudness_range(m).reason, MM_REASON_TOO_SHORT);
    mm_loudness_process(m, p, 44100 * 4);
    assert_int_equal(mm_loudness_integrated(m).reason, MM_REASON_SILENT);
    assert_int_equal(mm_loudness_range(m).reason, MM_REASON_SILENT);
    assert_int_equal(mm_loudness_shortterm_max(m).reason, MM_REASON_SILENT);
    mm_loudness_destroy(m);
    free(z);
}

/* Results do not depend on how the stream is cut into blocks. */
static void test_block_independence(void **state)
{
    (void)state;
    double fs = 44100;
    size_t n = (size_t)(8 * fs);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    make_programme(l, r, n, fs);
    mm_loudness *a = meter(fs, 2), *b = meter(fs, 2);
    const float *p[2] = {l, r};
    mm_loudness_process(a, p, n);
    for (size_t pos = 0; pos < n;) {
        size_t len = 1 + tu_rand() % 5000;
        if (len > n - pos) len = n - pos;
        const float *q[2] = {l + pos, r + pos};
        mm_loudness_process(b, q, len);
        pos += len;
    }
    assert_true(value(mm_loudness_integrated(a)) == value(mm_loudness_integrated(b)));
    assert_true(value(mm_loudness_range(a)) == value(mm_loudness_range(b)));
    assert_true(value(mm_loudness_momentary_max(a)) == value(mm_loudness_momentary_max(b)));
    mm_loudness_destroy(a);
    mm_loudness_destroy(b);
    free(l);
    free(r);
}

/* Series: one point per 100 ms; bounded capacity merges and doubles the step. */
static void test_series(void **state)
{
    (void)state;
    const seg s[] = {{6.0, -23.0}};
    mm_loudness *m = meter(48000, 2);
    run_signal(m, 48000, 2, NULL, s, 1, 1, NULL, NULL);
    const float *mo, *st;
    double step;
    size_t n = mm_loudness_series(m, &mo, &st, &step);
    assert_int_equal(n, 60);
    assert_near(step, 0.1, 1e-9);
    assert_true(isnan(mo[0]) && isnan(mo[2]));   /* before 400 ms: no value */
    assert_near(mo[3], -23.0, 0.1);              /* the window ending at 400 ms */
    assert_true(isnan(st[28]));                  /* before 3 s */
    assert_near(st[29], -23.0, 0.1);
    mm_loudness_destroy(m);

    mm_loudness_config cfg = mm_loudness_config_default(48000, 2);
    cfg.series_capacity = 16;
    m = mm_loudness_create(&cfg, NULL);
    run_signal(m, 48000, 2, NULL, s, 1, 1, NULL, NULL);
    n = mm_loudness_series(m, &mo, &st, &step);
    assert_true(n <= 16 && n >= 8);
    assert_near(step, 0.4, 1e-9); /* 60 points into 16: the step doubled twice */
    assert_near(mo[n - 1], -23.0, 0.1);
    mm_loudness_destroy(m);
}

/* Album loudness: pooled blocks of two meters equal one meter fed both. */
static void test_integrated_multiple(void **state)
{
    (void)state;
    const seg a[] = {{10.0, -20.0}}, b[] = {{20.0, -30.0}}, ab[] = {{10.0, -20.0}, {20.0, -30.0}};
    mm_loudness *ma = meter(48000, 2), *mb = meter(48000, 2), *mab = meter(48000, 2);
    run_signal(ma, 48000, 2, NULL, a, 1, 1, NULL, NULL);
    run_signal(mb, 48000, 2, NULL, b, 1, 1, NULL, NULL);
    run_signal(mab, 48000, 2, NULL, ab, 2, 1, NULL, NULL);
    const mm_loudness *both[2] = {ma, mb};
    /* the joint meter has 3 extra blocks straddling the join; allow 0.05 LU */
    assert_near(value(mm_loudness_integrated_multiple(both, 2)), value(mm_loudness_integrated(mab)), 0.05);
    mm_loudness_destroy(ma);
    mm_loudness_destroy(mb);
    mm_loudness_destroy(mab);
}

static void test_invalid_config(void **state)
{
    (void)state;
    int err = 0;
    mm_loudness_config cfg = mm_loudness_config_default(4000, 2);
    assert_null(mm_loudness_create(&cfg, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    cfg = mm_loudness_config_default(48000, 0);
    assert_null(mm_loudness_create(&cfg, &err));
    cfg = mm_loudness_config_default(48000, MM_LOUDNESS_MAX_CHANNELS + 1);
    assert_null(mm_loudness_create(&cfg, &err));
    assert_null(mm_loudness_create(NULL, &err));
    mm_loudness_destroy(NULL);
    assert_int_equal(mm_loudness_integrated(NULL).reason, MM_REASON_NOT_MEASURED);
}


/* A meter told its input is already K-weighted reads the same as a normal
 * meter on the raw signal when the caller applies the K-weighting (here:
 * the BS.1770-4 Annex 1 48 kHz coefficients, written out, in a cascade). */
static void test_prefiltered(void **state)
{
    (void)state;
    const double fs = 48000.0;
    const size_t n = (size_t)(fs * 6);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    float *kl = malloc(n * sizeof(float)), *kr = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        l[i] = (float)(0.2 * tu_gauss() * (i < n / 2 ? 0.3 : 1.0));
        r[i] = (float)(0.5 * l[i] + 0.1 * tu_gauss());
    }
    const mm_biquad_coeffs pre = {1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585};
    const mm_biquad_coeffs rlb = {1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621};
    mm_biquad_cascade *k = mm_biquad_cascade_create(2, 2, NULL);
    mm_biquad_cascade_set(k, 0, &pre);
    mm_biquad_cascade_set(k, 1, &rlb);
    mm_biquad_cascade_process(k, (float *[]){kl, kr}, (const float *[]){l, r}, n);
    mm_loudness_config c = mm_loudness_config_default(fs, 2);
    mm_loudness *raw = mm_loudness_create(&c, NULL);
    c.prefiltered = 1;
    mm_loudness *pf = mm_loudness_create(&c, NULL);
    mm_loudness_process(raw, (const float *[]){l, r}, n);
    mm_loudness_process(pf, (const float *[]){kl, kr}, n);
    assert_near(mm_loudness_integrated(pf).value, mm_loudness_integrated(raw).value, 0.001);
    assert_near(mm_loudness_range(pf).value, mm_loudness_range(raw).value, 0.02);
    assert_near(mm_loudness_fold_integrated(pf).value, mm_loudness_fold_integrated(raw).value, 0.001);
    assert_near(mm_loudness_shortterm_max(pf).value, mm_loudness_shortterm_max(raw).value, 0.001);
    mm_loudness_destroy(raw);
    mm_loudness_destroy(pf);
    mm_biquad_cascade_destroy(k);
    free(l), free(r), free(kl), free(kr);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_3341_case1),   cmocka_unit_test(test_3341_case2),
        cmocka_unit_test(test_3341_case3),   cmocka_unit_test(test_3341_case4),
        cmocka_unit_test(test_3341_case5),   cmocka_unit_test(test_3341_case6),
        cmocka_unit_test(test_3341_case9),   cmocka_unit_test(test_3341_case12),
        cmocka_unit_test(test_3342_case1),   cmocka_unit_test(test_3342_case2),
        cmocka_unit_test(test_3342_case3),   cmocka_unit_test(test_3342_case4),
        cmocka_unit_test(test_vs_libebur128), cmocka_unit_test(test_mono_conventions),
        cmocka_unit_test(test_lfe_excluded), cmocka_unit_test(test_fold_down),
        cmocka_unit_test(test_silence_and_short), cmocka_unit_test(test_block_independence),
        cmocka_unit_test(test_series),       cmocka_unit_test(test_integrated_multiple),
        cmocka_unit_test(test_invalid_config),  cmocka_unit_test(test_prefiltered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
