/*
 * The analyzer's energy-weighted long-term spectrum (spectrum_weighting = 1),
 * which mastering uses so that loud sections weigh more than quiet intros:
 *  - a steady signal reads the same weighted or not (within 0.01 dB);
 *  - a quiet 200 Hz intro before a loud 2 kHz section: the plain average
 *    keeps the intro at its time share (-30 dB tone, 1/3 of the time:
 *    -30 + 10 log10(1/3) = -34.8 dB), the weighted one pushes it down
 *    (by the energy ratio, 24 dB, less what the frames straddling the
 *    change hold), while the loud band reads its level as if the intro
 *    were not there (the plain average's 2/3 time share is gone);
 *  - frames back to back (spectrum_overlap 0, mastering's choice) read the
 *    bands of 60 s of slowly swelling tones within 0.1 dB of half-overlapped
 *    frames; an overlap outside 0..0.75 is refused.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/analyze.h"

#define FS 48000.0

static mm_analysis run_overlap(const float *l, const float *r, size_t n, int weighting, double overlap)
{
    mm_analyze_config c = mm_analyze_config_default(FS, 2);
    c.spectrum_weighting = weighting;
    c.spectrum_overlap = overlap;
    int st;
    mm_analyzer *a = mm_analyzer_create(&c, &st);
    assert_non_null(a);
    const float *in[2] = {l, r};
    mm_analyzer_process(a, in, n);
    mm_analysis res;
    mm_analyzer_finish(a, &res);
    mm_analyzer_destroy(a);
    return res;
}

static mm_analysis run(const float *l, const float *r, size_t n, int weighting)
{
    return run_overlap(l, r, n, weighting, 0.5);
}

static int band_of(const mm_analysis *a, double hz)
{
    int best = 0;
    for (int b = 1; b < MM_THIRD_OCTAVE_BANDS; b++)
        if (fabs(log(a->band_center_hz[b] / hz)) < fabs(log(a->band_center_hz[best] / hz))) best = b;
    return best;
}

static void test_steady(void **state)
{
    (void)state;
    size_t n = (size_t)(4 * FS);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        l[i] = (float)(0.1 * tu_gauss());
        r[i] = (float)(0.5 * l[i] + 0.05 * tu_gauss());
    }
    mm_analysis p = run(l, r, n, 0), w = run(l, r, n, 1);
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++) {
        if (p.mid_band_db[b].reason != MM_REASON_NONE) continue;
        assert_near(w.mid_band_db[b].value, p.mid_band_db[b].value, 0.05);
        assert_near(w.side_band_db[b].value, p.side_band_db[b].value, 0.05);
    }
    /* the frames of steady noise differ a little in energy: compare the
     * total, which must agree much better */
    assert_near(w.tonal_mid_db[1].value, p.tonal_mid_db[1].value, 0.01);
    free(l);
    free(r);
}

static void test_quiet_intro(void **state)
{
    (void)state;
    size_t n1 = (size_t)(2 * FS), n = (size_t)(6 * FS);
    float *l = malloc(n * sizeof(float));
    tu_sine(l, n1, FS, 200.0, pow(10.0, -30.0 / 20.0), 0.0);
    tu_sine(l + n1, n - n1, FS, 2000.0, 0.5, 0.0);
    mm_analysis p = run(l, l, n, 0), w = run(l, l, n, 1);
    int b200 = band_of(&p, 200.0), b2k = band_of(&p, 2000.0);
    double share = 10.0 * log10(2.0 / 3.0);
    printf("# plain: 200 Hz %.2f dB, 2 kHz %.2f dB; weighted: 200 Hz %.2f dB, 2 kHz %.2f dB\n",
           p.mid_band_db[b200].value, p.mid_band_db[b2k].value, w.mid_band_db[b200].value, w.mid_band_db[b2k].value);
    assert_near(p.mid_band_db[b200].value, -30.0 + 10.0 * log10(1.0 / 3.0), 0.2);
    assert_near(p.mid_band_db[b2k].value, 20.0 * log10(0.5) + share, 0.2);
    assert_near(w.mid_band_db[b2k].value, 20.0 * log10(0.5), 0.2);
    /* intro frames alone would put it ~24 dB further down; the frames that
     * straddle the change (weighted like loud frames) hold intro too */
    assert_true(w.mid_band_db[b200].value < p.mid_band_db[b200].value - 10.0);
    free(l);
}

static void test_overlap(void **state)
{
    (void)state;
    size_t n = (size_t)(60 * FS);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    const double hz[5] = {63.0, 250.0, 1000.0, 4000.0, 12500.0};
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / FS, m = 0.0, s = 0.0;
        for (int k = 0; k < 5; k++) {
            /* each tone swells at its own slow rate, none tied to the hop */
            double a = 0.05 * (1.2 + sin(2.0 * M_PI * (0.13 + 0.11 * k) * t));
            m += a * sin(2.0 * M_PI * hz[k] * t);
            s += 0.3 * a * sin(2.0 * M_PI * hz[k] * 1.01 * t + k);
        }
        l[i] = (float)(m + s);
        r[i] = (float)(m - s);
    }
    for (int w = 0; w < 2; w++) {
        mm_analysis half = run_overlap(l, r, n, w, 0.5), none = run_overlap(l, r, n, w, 0.0);
        double worst = 0.0;
        for (int k = 0; k < 5; k++) {
            int b = band_of(&half, hz[k]);
            assert_int_equal(none.mid_band_db[b].reason, MM_REASON_NONE);
            worst = fmax(worst, fabs(none.mid_band_db[b].value - half.mid_band_db[b].value));
            worst = fmax(worst, fabs(none.side_band_db[b].value - half.side_band_db[b].value));
        }
        printf("# %s: frames back to back vs half overlap, largest band difference %.3f dB\n",
               w ? "weighted" : "plain", worst);
        assert_true(worst <= 0.1);
    }
    free(l);
    free(r);
}

static void test_config_checked(void **state)
{
    (void)state;
    mm_analyze_config c = mm_analyze_config_default(FS, 2);
    c.spectrum_weighting = 2;
    int st;
    assert_null(mm_analyzer_create(&c, &st));
    assert_int_equal(st, MM_ERR_INVALID_ARG);
    c = mm_analyze_config_default(FS, 2);
    c.spectrum_overlap = 0.8;
    assert_null(mm_analyzer_create(&c, &st));
    assert_int_equal(st, MM_ERR_INVALID_ARG);
    /* silence stays silent and well defined when weighted */
    float z[4800] = {0};
    mm_analysis w = run(z, z, 4800, 1);
    assert_int_equal(w.mid_band_db[17].reason, MM_REASON_SILENT);
}

int main(void)
{
    tu_seed_init("test_analyze_weighting");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady),
        cmocka_unit_test(test_quiet_intro),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_config_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
