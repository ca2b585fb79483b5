/*
 * TPDF dither and noise shaping, against closed-form statistics:
 *  - without dither, plain rounding (exact integers);
 *  - TPDF: total error mean 0 and variance 1/4 LSB^2 (1/12 from rounding,
 *    2/12 from the triangular dither), independent of the signal: a DC
 *    offset of 0.3 LSB comes out unbiased (plain rounding would lose it);
 *  - shaped: the error spectrum follows |1 - sum h z^-k|^2 (the filter's
 *    closed-form response) within 0.5 dB in octave bands;
 *  - clamping at full scale is counted; output is reproducible per seed.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/dither.h"
#include "mixmaster/fft.h"

#define FS 44100.0

static mm_dither *make(int bits, int shaping, int dither)
{
    mm_dither_config c = mm_dither_config_default(FS, 1, bits);
    c.shaping = shaping;
    c.dither = dither;
    int st;
    mm_dither *d = mm_dither_create(&c, &st);
    assert_non_null(d);
    return d;
}

static void test_rounding(void **state)
{
    (void)state;
    mm_dither *d = make(16, 0, 0);
    float x[6] = {0.0f, 1.0f / 32768.0f, 0.4f / 32768.0f, -0.6f / 32768.0f, 1.0f, -1.0f};
    int32_t y[6];
    const float *in[1] = {x};
    long cl = mm_dither_process(d, y, in, 6);
    assert_int_equal(y[0], 0);
    assert_int_equal(y[1], 1);
    assert_int_equal(y[2], 0);
    assert_int_equal(y[3], -1);
    assert_int_equal(y[4], 32767); /* +1.0 is one LSB over full scale: clamped */
    assert_int_equal(y[5], -32768);
    assert_int_equal(cl, 1);
    mm_dither_destroy(d);
}

static void test_tpdf_statistics(void **state)
{
    (void)state;
    mm_dither *d = make(16, 0, 1);
    const size_t n = 400000;
    float *x = malloc(n * sizeof(float));
    int32_t *y = malloc(n * sizeof(int32_t));
    /* a slow sine of a few LSB plus a 0.3 LSB offset */
    for (size_t i = 0; i < n; i++) x[i] = (float)((0.3 + 5.0 * sin(2 * M_PI * 31.0 * (double)i / FS)) / 32768.0);
    const float *in[1] = {x};
    mm_dither_process(d, y, in, n);
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)y[i] - (double)x[i] * 32768.0;
        m += e;
        v += e * e;
    }
    m /= (double)n;
    v = v / (double)n - m * m;
    printf("# TPDF error: mean %+.4f LSB (expected 0), variance %.4f LSB^2 (expected 0.25)\n", m, v);
    assert_near(m, 0.0, 0.01);
    assert_near(v, 0.25, 0.0075); /* 3 % */
    /* the offset survives: mean output = 0.3 LSB + mean of the sine (~0) */
    double mo = 0.0;
    for (size_t i = 0; i < n; i++) mo += y[i];
    assert_near(mo / (double)n, 0.3, 0.02);
    /* reproducible */
    int32_t *y2 = malloc(n * sizeof(int32_t));
    mm_dither_reset(d);
    mm_dither_process(d, y2, in, n);
    assert_memory_equal(y, y2, n * sizeof(int32_t));
    free(x);
    free(y);
    free(y2);
    mm_dither_destroy(d);
}

/* Average power spectrum of the error e = y - x (in LSB) with a Hann STFT. */
static void error_spectrum(mm_dither *d, double *psd, size_t nfft, size_t frames)
{
    int st;
    mm_stft *s = mm_stft_create(nfft, nfft / 2, &st);
    float *x = malloc(frames * sizeof(float)), *e = malloc(frames * sizeof(float));
    int32_t *y = malloc(frames * sizeof(int32_t));
    for (size_t i = 0; i < frames; i++) x[i] = (float)(0.25 * sin(2 * M_PI * 440.0 * (double)i / FS));
    const float *in[1] = {x};
    mm_dither_process(d, y, in, frames);
    for (size_t i = 0; i < frames; i++) e[i] = (float)((double)y[i] - (double)x[i] * 32768.0);
    memset(psd, 0, (nfft / 2 + 1) * sizeof(double));
    size_t off = 0, count = 0;
    while (off < frames) {
        size_t used;
        if (mm_stft_feed(s, e + off, frames - off, &used)) {
            const float *p = mm_stft_power(s);
            for (size_t k = 0; k <= nfft / 2; k++) psd[k] += p[k];
            count++;
        }
        off += used;
    }
    for (size_t k = 0; k <= nfft / 2; k++) psd[k] /= (double)count;
    mm_stft_destroy(s);
    free(x);
    free(e);
    free(y);
}

static double band_db(const double *psd, size_t nfft, double lo, double hi)
{
    double s = 0.0;
    size_t n = 0;
    for (size_t k = (size_t)(lo / FS * nfft); k <= (size_t)(hi / FS * nfft); k++, n++) s += psd[k];
    return 10.0 * log10(s / (double)n);
}

static void test_shaping(void **state)
{
    (void)state;
    const size_t nfft = 1024, frames = 441000;
    double *white = malloc((nfft / 2 + 1) * sizeof(double)), *shaped = malloc((nfft / 2 + 1) * sizeof(double));
    mm_dither *dw = make(16, 0, 1), *ds = make(16, 1, 1);
    assert_int_equal(mm_dither_is_shaped(ds), 1);
    error_spectrum(dw, white, nfft, frames);
    error_spectrum(ds, shaped, nfft, frames);
    /* octave bands: shaped minus white against the filter's |NTF|^2 (band mean) */
    const double edges[] = {250, 500, 1000, 2000, 4000, 8000, 16000, 21000};
    for (int b = 0; b < 7; b++) {
        double meas = band_db(shaped, nfft, edges[b], edges[b + 1]) - band_db(white, nfft, edges[b], edges[b + 1]);
        double lin = 0.0;
        int n = 0;
        for (double f = edges[b]; f <= edges[b + 1]; f += 5.0, n++) lin += pow(10.0, mm_dither_shaping_db(ds, f) / 10.0);
        double want = 10.0 * log10(lin / n);
        printf("# %5.0f-%5.0f Hz: shaped - white %+6.2f dB, filter %+6.2f dB\n", edges[b], edges[b + 1], meas, want);
        assert_near(meas, want, 0.5);
    }
    /* the point of shaping: less noise where hearing is most sensitive */
    assert_true(mm_dither_shaping_db(ds, 3500.0) < -10.0);
    /* at other rates shaping is off (the filter is for 44.1/48 kHz) */
    mm_dither_config c = mm_dither_config_default(96000, 1, 16);
    c.shaping = 1;
    int st;
    mm_dither *d96 = mm_dither_create(&c, &st);
    assert_int_equal(mm_dither_is_shaped(d96), 0);
    assert_near(mm_dither_shaping_db(d96, 3000.0), 0.0, 0.0);
    mm_dither_destroy(d96);
    mm_dither_destroy(dw);
    mm_dither_destroy(ds);
    free(white);
    free(shaped);
}

static void test_bad_args(void **state)
{
    (void)state;
    int st;
    mm_dither_config c = mm_dither_config_default(FS, 2, 32);
    assert_null(mm_dither_create(&c, &st));
    assert_int_equal(st, MM_ERR_INVALID_ARG);
    c = mm_dither_config_default(FS, 2, 24);
    c.seed = 0;
    assert_null(mm_dither_create(&c, &st));
    c = mm_dither_config_default(FS, 0, 24);
    assert_null(mm_dither_create(&c, &st));
    mm_dither_destroy(NULL);
    /* NaN in, 0 out */
    mm_dither *d = make(24, 0, 0);
    float x[2] = {NAN, INFINITY};
    int32_t y[2];
    const float *in[1] = {x};
    mm_dither_process(d, y, in, 2);
    assert_int_equal(y[0], 0);
    assert_int_equal(y[1], 0);
    mm_dither_destroy(d);
}

int main(void)
{
    tu_seed_init("test_dither");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_tpdf_statistics),
        cmocka_unit_test(test_shaping),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
