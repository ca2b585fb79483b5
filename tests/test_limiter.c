/*
 * Lookahead true-peak limiter: the output's true peak, read by an
 * independent 8x oversampler (tp_oracle.h), never exceeds the ceiling on
 * worst-case signals; no hard clipping; reported latency = measured
 * latency; unity below the ceiling; a smooth gain; block-size independence.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/limiter.h"
#include "tp_oracle.h"

#define FS 44100.0
#define N 44100u /* 1 s */

/* Run the limiter over in[2][n] (plus the latency of zeros); out gets n
 * frames aligned with the input. */
static void run(const mm_limiter_config *cfg, float *const out[2], float *const in[2], size_t n, size_t block)
{
    int st;
    mm_limiter *l = mm_limiter_create(cfg, &st);
    assert_non_null(l);
    size_t lat = mm_limiter_latency(l);
    float *a = calloc(n + lat, sizeof(float)), *b = calloc(n + lat, sizeof(float));
    float *oa = calloc(n + lat, sizeof(float)), *ob = calloc(n + lat, sizeof(float));
    memcpy(a, in[0], n * sizeof(float));
    memcpy(b, in[1], n * sizeof(float));
    for (size_t off = 0; off < n + lat; off += block) {
        size_t k = n + lat - off < block ? n + lat - off : block;
        const float *ip[2] = {a + off, b + off};
        float *op[2] = {oa + off, ob + off};
        assert_int_equal(mm_limiter_process(l, op, ip, k), MM_OK);
    }
    memcpy(out[0], oa + lat, n * sizeof(float));
    memcpy(out[1], ob + lat, n * sizeof(float));
    free(a); free(b); free(oa); free(ob);
    mm_limiter_destroy(l);
}

static size_t longest_run_at(const float *x, size_t n, double ceiling_db)
{
    float thr = (float)pow(10.0, (ceiling_db - 0.01) / 20.0);
    size_t run = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        run = fabsf(x[i]) >= thr ? run + 1 : 0;
        if (run > best) best = run;
    }
    return best;
}

typedef void (*gen_fn)(float *l, float *r, size_t n);

static void gen_square(float *l, float *r, size_t n)
{
    /* full-scale naive square waves, 997 Hz and 5 kHz: Gibbs overshoot between samples */
    for (size_t i = 0; i < n; i++) {
        l[i] = fmod((double)i * 997.0 / FS, 1.0) < 0.5 ? 1.0f : -1.0f;
        r[i] = fmod((double)i * 5000.0 / FS, 1.0) < 0.5 ? 1.0f : -1.0f;
    }
}

static void gen_impulses(float *l, float *r, size_t n)
{
    memset(l, 0, n * sizeof(float));
    memset(r, 0, n * sizeof(float));
    for (size_t i = 1000; i + 2 < n; i += 3001) {
        l[i] = 1.0f;           /* lone full-scale impulse */
        r[i] = 1.0f;
        r[i + 1] = -1.0f;      /* a doublet: large inter-sample swing */
    }
}

static void gen_isp(float *l, float *r, size_t n)
{
    /* fs/4 at 45 degrees, amplitude sqrt(2): +3 dBTP with samples at 0 dBFS
     * (EBU Tech 3341 case 19), and fs/6 at 60 degrees */
    tu_sine(l, n, FS, FS / 4.0, sqrt(2.0), M_PI / 4.0);
    tu_sine(r, n, FS, FS / 6.0, 1.5, M_PI / 3.0);
}

static void gen_noise_bursts(float *l, float *r, size_t n)
{
    /* loud white noise bursts (+6 dBFS RMS peaks) between quiet passages */
    for (size_t i = 0; i < n; i++) {
        double amp = (i / 4410) % 2 ? 2.0 : 0.05;
        l[i] = (float)(amp * tu_gauss());
        r[i] = (float)(amp * tu_gauss());
    }
}

static void gen_sweep_hot(float *l, float *r, size_t n)
{
    /* log sweep 20 Hz - 20 kHz at +6 dBFS: every frequency, near Nyquist too */
    double ph = 0.0;
    for (size_t i = 0; i < n; i++) {
        double f = 20.0 * pow(1000.0, (double)i / n);
        ph += 2.0 * M_PI * f / FS;
        l[i] = (float)(2.0 * sin(ph));
        r[i] = (float)(2.0 * cos(ph));
    }
}

static void check_signal(gen_fn gen, const char *name, double ceiling)
{
    float *in[2] = {malloc(N * sizeof(float)), malloc(N * sizeof(float))};
    float *out[2] = {malloc(N * sizeof(float)), malloc(N * sizeof(float))};
    gen(in[0], in[1], N);
    mm_limiter_config cfg = mm_limiter_config_default(FS, 2);
    cfg.ceiling_dbtp = ceiling;
    run(&cfg, out, in, N, 777);
    double tp = fmax(tpo_peak(out[0], N), tpo_peak(out[1], N));
    size_t run_l = longest_run_at(out[0], N, ceiling), run_r = longest_run_at(out[1], N, ceiling);
    printf("# %s: output true peak %.4f dBTP (8x oracle), ceiling %.1f, longest run at ceiling %zu\n", name,
           20.0 * log10(tp), ceiling, run_l > run_r ? run_l : run_r);
    assert_true(20.0 * log10(tp) <= ceiling);
    assert_true(run_l < 2 && run_r < 2);
    for (int c = 0; c < 2; c++) {
        free(in[c]);
        free(out[c]);
    }
}

static void test_worst_case(void **state)
{
    (void)state;
    check_signal(gen_square, "square waves", -1.0);
    check_signal(gen_impulses, "impulses", -1.0);
    check_signal(gen_isp, "inter-sample peaks", -1.0);
    check_signal(gen_noise_bursts, "noise bursts", -2.0);
    check_signal(gen_sweep_hot, "hot sweep", -0.1);
    check_signal(gen_square, "square waves at -6", -6.0);
}

/* Below the ceiling the limiter is a pure delay: the measured delay of an
 * impulse equals the reported latency and the output is bit-identical. */
static void test_latency_and_unity(void **state)
{
    (void)state;
    const double rates[] = {44100, 48000, 96000};
    for (int k = 0; k < 3; k++) {
        mm_limiter_config cfg = mm_limiter_config_default(rates[k], 1);
        int st;
        mm_limiter *l = mm_limiter_create(&cfg, &st);
        assert_non_null(l);
        size_t lat = mm_limiter_latency(l), n = lat + 500;
        float *x = calloc(n, sizeof(float)), *y = calloc(n, sizeof(float));
        x[100] = 0.5f;
        x[101] = -0.25f;
        const float *ip[1] = {x};
        float *op[1] = {y};
        mm_limiter_process(l, op, ip, n);
        size_t at = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] != 0.0f) {
                at = i;
                break;
            }
        printf("# %.0f Hz: reported latency %zu, measured %zu\n", rates[k], lat, at - 100);
        assert_int_equal(at - 100, lat);
        assert_true(y[100 + lat] == 0.5f && y[101 + lat] == -0.25f);
        assert_true(mm_limiter_max_reduction_db(l) == 0.0);
        free(x);
        free(y);
        mm_limiter_destroy(l);
    }
}

/* A tone 6 dB over the ceiling: the gain settles at the reduction needed,
 * and never changes by more than 1/L per sample (the attack ramp). */
static void test_smooth_gain(void **state)
{
    (void)state;
    float *in[2] = {calloc(N, sizeof(float)), calloc(N, sizeof(float))};
    float *out[2] = {calloc(N, sizeof(float)), calloc(N, sizeof(float))};
    /* silence, then a 100 Hz tone at amplitude 1.0 (0 dBTP), ceiling -6 */
    for (size_t i = N / 4; i < N; i++) in[0][i] = in[1][i] = (float)sin(2.0 * M_PI * 100.0 * (double)i / FS);
    mm_limiter_config cfg = mm_limiter_config_default(FS, 2);
    cfg.ceiling_dbtp = -6.0;
    run(&cfg, out, in, N, 4096);
    double L = floor(cfg.lookahead_ms * 1e-3 * FS + 0.5);
    double prev = 1.0, worst_step = 0.0;
    for (size_t i = 0; i < N; i++) {
        if (fabsf(in[0][i]) < 0.2f) continue; /* gain readable only where the input is not small */
        double g = out[0][i] / in[0][i];
        if (i > 0 && fabsf(in[0][i - 1]) >= 0.2f) worst_step = fmax(worst_step, fabs(g - prev));
        prev = g;
    }
    double g_end = 0.0;
    for (size_t i = N - 4410; i < N; i++) g_end = fmax(g_end, fabs(out[0][i]));
    printf("# steady gain %.3f dB (ideal %.3f), largest gain step %.5f per sample (bound %.5f)\n",
           20.0 * log10(g_end), -6.0 - cfg.margin_db, worst_step, 1.0 / (L - ceil(L / 2.0) + 1.0));
    assert_near(20.0 * log10(g_end), -6.0 - cfg.margin_db, 0.05);
    /* the second average has length L - ceil(L/2) + 1 */
    assert_true(worst_step <= 1.0 / (L - ceil(L / 2.0) + 1.0) + 1e-6);
    for (int c = 0; c < 2; c++) {
        free(in[c]);
        free(out[c]);
    }
}

/* The same input in blocks of 1, 63, 1024 and all at once: identical. */
static void test_block_independence(void **state)
{
    (void)state;
    const size_t n = 20000;
    float *in[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    gen_noise_bursts(in[0], in[1], n);
    float *ref[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    float *o[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    mm_limiter_config cfg = mm_limiter_config_default(FS, 2);
    run(&cfg, ref, in, n, n);
    const size_t blocks[] = {1, 63, 1024};
    for (int k = 0; k < 3; k++) {
        run(&cfg, o, in, n, blocks[k]);
        assert_memory_equal(o[0], ref[0], n * sizeof(float));
        assert_memory_equal(o[1], ref[1], n * sizeof(float));
    }
    for (int c = 0; c < 2; c++) {
        free(in[c]);
        free(ref[c]);
        free(o[c]);
    }
}

static void test_config(void **state)
{
    (void)state;
    mm_limiter_config c = mm_limiter_config_default(FS, 2);
    int st;
    mm_limiter_config bad = c;
    bad.ceiling_dbtp = 1.0;
    assert_null(mm_limiter_create(&bad, &st));
    assert_int_equal(st, MM_ERR_INVALID_ARG);
    bad = c;
    bad.margin_db = -0.1;
    assert_null(mm_limiter_create(&bad, &st));
    bad = c;
    bad.channels = 0;
    assert_null(mm_limiter_create(&bad, &st));
    bad = c;
    bad.lookahead_ms = NAN;
    assert_null(mm_limiter_create(&bad, &st));
    assert_null(mm_limiter_create(NULL, &st));
    mm_limiter_destroy(NULL);
    mm_limiter *l = mm_limiter_create(&c, &st);
    assert_non_null(l);
    /* NaN and Inf input become silence, not a stuck gain */
    float x[64], y[64];
    for (int i = 0; i < 64; i++) x[i] = i % 2 ? NAN : INFINITY;
    const float *ip[2] = {x, x};
    float *op[2] = {y, y};
    assert_int_equal(mm_limiter_process(l, op, ip, 64), MM_OK);
    assert_int_equal(mm_limiter_process(NULL, op, ip, 64), MM_ERR_INVALID_ARG);
    assert_true(mm_limiter_max_reduction_db(l) == 0.0);
    mm_limiter_destroy(l);
}

int main(void)
{
    tu_seed_init("test_limiter");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worst_case),
        cmocka_unit_test(test_latency_and_unity),
        cmocka_unit_test(test_smooth_gain),
        cmocka_unit_test(test_block_independence),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
