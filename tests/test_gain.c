/*
 * Gain, pan law and buffer helpers. The vector kernels are compared with the
 * scalar formula of the header, written out here as plain loops, over sizes
 * 0..25, 64, 65, 999 and odd start offsets. The project builds as ISO C11,
 * where GCC does not fuse a * b + c, so "exact" means bit-identical.
 */
#include "testutil.h"

#include <float.h>
#include <stdint.h>
#include <string.h>

#include "mixmaster/gain.h"

static const size_t sizes[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                               15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 65, 999};
#define NSIZES (sizeof sizes / sizeof sizes[0])
static const size_t offsets[] = {0, 1, 3};
#define NOFFS (sizeof offsets / sizeof offsets[0])
#define MAXN (999 + 3 + 1) /* largest size, largest offset, one guard */

static void fill_noise(float *x, size_t n, double amp)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(amp * tu_uniform());
}

static void test_db_gain(void **state)
{
    (void)state;
    /* definitions: 20 dB = x10, -6.0206 dB = x0.5 */
    assert_near(mm_db_to_gain(20.0), 10.0, 1e-12);
    assert_near(mm_db_to_gain(0.0), 1.0, 0.0);
    assert_near(mm_db_to_gain(-20.0 * log10(2.0)), 0.5, 1e-15);
    assert_near(mm_gain_to_db(10.0), 20.0, 1e-12);
    assert_near(mm_gain_to_db(1.0), 0.0, 0.0);
    assert_near(mm_gain_to_db(2.0), 6.0206, 1e-4);
    assert_true(mm_gain_to_db(0.0) == -INFINITY);
    assert_true(mm_gain_to_db(-1.0) == -INFINITY);
    assert_true(mm_db_to_gain(-INFINITY) == 0.0);
    /* round trips, relative precision of double: 1e-12 dB, 1e-13 relative */
    for (double db = -200.0; db <= 60.0; db += 0.37) {
        assert_near(mm_gain_to_db(mm_db_to_gain(db)), db, 1e-12);
        const double g = mm_db_to_gain(db);
        assert_near(mm_db_to_gain(mm_gain_to_db(g)) / g, 1.0, 1e-13);
    }
}

static void test_pan(void **state)
{
    (void)state;
    double l, r;
    for (int i = -1000; i <= 1000; i++) {
        const double pan = i / 1000.0, p = (pan + 1.0) / 2.0;
        mm_pan_gains(pan, &l, &r);
        /* constant power and the header's formula, to double rounding */
        assert_near(l * l + r * r, 1.0, 1e-15);
        assert_near(l, cos(p * M_PI / 2.0), 1e-15);
        assert_near(r, sin(p * M_PI / 2.0), 1e-15);
        /* mirror symmetry: pan and -pan swap the sides exactly */
        double l2, r2;
        mm_pan_gains(-pan, &l2, &r2);
        assert_true(l2 == r && r2 == l);
    }
    /* centre: -3.0103 dB each (10 log10(1/2)) */
    mm_pan_gains(0.0, &l, &r);
    assert_near(20.0 * log10(l), -3.0103, 1e-4);
    assert_near(20.0 * log10(r), -3.0103, 1e-4);
    assert_true(l == r);
    /* hard positions are exact */
    mm_pan_gains(-1.0, &l, &r);
    assert_true(l == 1.0 && r == 0.0);
    mm_pan_gains(1.0, &l, &r);
    assert_true(l == 0.0 && r == 1.0);
    /* clamping */
    mm_pan_gains(-7.0, &l, &r);
    assert_true(l == 1.0 && r == 0.0);
    mm_pan_gains(1.5, &l, &r);
    assert_true(l == 0.0 && r == 1.0);
    mm_pan_gains(INFINITY, &l, &r);
    assert_true(l == 0.0 && r == 1.0);
    mm_pan_gains(-INFINITY, &l, &r);
    assert_true(l == 1.0 && r == 0.0);
    /* NaN: centre */
    mm_pan_gains(NAN, &l, &r);
    assert_true(l == r && fabs(l - sqrt(0.5)) < 1e-15);
    /* either output may be NULL */
    mm_pan_gains(0.5, NULL, &r);
    mm_pan_gains(0.5, &l, NULL);
    assert_near(l, cos(0.75 * M_PI / 2.0), 1e-15);
    assert_near(r, sin(0.75 * M_PI / 2.0), 1e-15);
}

static void test_gain_apply(void **state)
{
    (void)state;
    float buf[MAXN], ref[MAXN];
    static const float gains[] = {0.0f, 1.0f, -1.0f, 0.5f, 3.3f, 1e-5f};
    for (size_t s = 0; s < NSIZES; s++)
        for (size_t o = 0; o < NOFFS; o++)
            for (size_t g = 0; g < sizeof gains / sizeof gains[0]; g++) {
                const size_t n = sizes[s], off = offsets[o];
                fill_noise(buf, MAXN, 2.0);
                memcpy(ref, buf, sizeof buf);
                for (size_t i = 0; i < n; i++) ref[off + i] = ref[off + i] * gains[g];
                mm_gain_apply(buf + off, n, gains[g]);
                /* exact, and nothing outside [off, off + n) touched */
                assert_memory_equal(buf, ref, sizeof buf);
            }
}

static void test_mix2(void **state)
{
    (void)state;
    float a[MAXN], b[MAXN], out[MAXN], ref[MAXN], a2[MAXN];
    for (size_t s = 0; s < NSIZES; s++)
        for (size_t o = 0; o < NOFFS; o++) {
            const size_t n = sizes[s], off = offsets[o];
            const float ga = (float)tu_uniform() * 2.0f, gb = (float)tu_uniform() * 2.0f;
            fill_noise(a, MAXN, 1.0);
            fill_noise(b, MAXN, 1.0);
            fill_noise(out, MAXN, 1.0);
            memcpy(ref, out, sizeof out);
            for (size_t i = 0; i < n; i++) ref[off + i] = a[off + i] * ga + b[off + i] * gb;
            mm_mix2(out + off, a + off, ga, b + off, gb, n);
            assert_memory_equal(out, ref, sizeof out);
            /* out == a and out == b */
            memcpy(a2, a, sizeof a);
            mm_mix2(a2 + off, a2 + off, ga, b + off, gb, n);
            assert_memory_equal(a2 + off, ref + off, n * sizeof(float));
            memcpy(a2, b, sizeof b);
            mm_mix2(a2 + off, a + off, ga, a2 + off, gb, n);
            assert_memory_equal(a2 + off, ref + off, n * sizeof(float));
        }
}

static float naive_peak(const float *x, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && fabsf(x[i]) > m) m = fabsf(x[i]);
    return m;
}

static void test_peak_abs(void **state)
{
    (void)state;
    float x[MAXN];
    for (int rep = 0; rep < 20; rep++)
        for (size_t s = 0; s < NSIZES; s++)
            for (size_t o = 0; o < NOFFS; o++) {
                const size_t n = sizes[s], off = offsets[o];
                fill_noise(x, MAXN, 1.0);
                /* a large value just outside the range must not count */
                if (off) x[off - 1] = 100.0f;
                x[off + n] = -100.0f;
                /* plant the peak anywhere, including the unvectorised tail */
                if (n) x[off + tu_rand() % n] = (rep & 1) ? -1.5f : 1.25f;
                /* non-finite values, ignored */
                if (n > 2 && rep % 3 == 0) {
                    x[off + tu_rand() % n] = NAN;
                    x[off + tu_rand() % n] = INFINITY;
                    x[off + tu_rand() % n] = -INFINITY;
                }
                const float want = naive_peak(x + off, n);
                assert_true(mm_peak_abs(x + off, n) == want);
            }
    /* edge cases */
    assert_true(mm_peak_abs(x, 0) == 0.0f);
    for (size_t i = 0; i < 40; i++) x[i] = NAN;
    assert_true(mm_peak_abs(x, 40) == 0.0f);
    x[37] = -FLT_MAX;
    assert_true(mm_peak_abs(x, 40) == FLT_MAX);
    x[37] = -0.0f;
    x[3] = 1e-40f; /* subnormal */
    assert_true(mm_peak_abs(x, 40) == 1e-40f);
}

static void test_planar_alloc(void **state)
{
    (void)state;
    static const int chans[] = {1, 2, 3, 6, 17};
    static const size_t frames[] = {0, 1, 15, 16, 17, 1000, 48000};
    for (size_t c = 0; c < sizeof chans / sizeof chans[0]; c++)
        for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
            /* dirty the heap with a same-sized buffer first, so that zeroing is tested */
            int err = -99;
            float **junk = mm_planar_alloc(chans[c], frames[f], &err);
            assert_non_null(junk);
            for (int ch = 0; ch < chans[c]; ch++)
                for (size_t i = 0; i < frames[f]; i++) junk[ch][i] = 1.0f;
            mm_planar_free(junk);

            err = -99;
            float **p = mm_planar_alloc(chans[c], frames[f], &err);
            assert_non_null(p);
            assert_int_equal(err, MM_OK);
            for (int ch = 0; ch < chans[c]; ch++) {
                assert_int_equal((uintptr_t)p[ch] % 64u, 0);
                for (size_t i = 0; i < frames[f]; i++) assert_true(p[ch][i] == 0.0f);
                if (ch > 0) assert_true(p[ch] >= p[ch - 1] + frames[f]); /* no overlap */
            }
            /* every sample writable (ASan checks the extent) */
            for (int ch = 0; ch < chans[c]; ch++)
                for (size_t i = 0; i < frames[f]; i++) p[ch][i] = (float)ch;
            for (int ch = 0; ch < chans[c]; ch++)
                for (size_t i = 0; i < frames[f]; i++) assert_true(p[ch][i] == (float)ch);
            mm_planar_free(p);
        }
    int err = 0;
    assert_null(mm_planar_alloc(0, 10, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    assert_null(mm_planar_alloc(-3, 10, NULL));
    err = 0;
    assert_null(mm_planar_alloc(2, SIZE_MAX / 2, &err)); /* size overflow */
    assert_int_equal(err, MM_ERR_NOMEM);
    err = 0;
    assert_null(mm_planar_alloc(1, SIZE_MAX - 3, &err));
    assert_int_equal(err, MM_ERR_NOMEM);
    mm_planar_free(NULL);
}

static void test_interleave(void **state)
{
    (void)state;
    static const size_t frames[] = {0, 1, 7, 64, 65, 999};
    for (int ch = 1; ch <= 8; ch++)
        for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
            const size_t n = frames[f];
            float *inter = malloc((n * (size_t)ch + 1) * sizeof(float));
            float *back = malloc((n * (size_t)ch + 1) * sizeof(float));
            fill_noise(inter, n * (size_t)ch, 1.0);
            float **pl = mm_planar_alloc(ch, n, NULL);
            assert_non_null(pl);
            mm_deinterleave(pl, inter, ch, n);
            for (int c = 0; c < ch; c++)
                for (size_t i = 0; i < n; i++) assert_true(pl[c][i] == inter[i * (size_t)ch + (size_t)c]);
            back[n * (size_t)ch] = 42.0f; /* guard: not written */
            mm_interleave(back, (const float *const *)pl, ch, n);
            assert_memory_equal(back, inter, n * (size_t)ch * sizeof(float));
            assert_true(back[n * (size_t)ch] == 42.0f);
            mm_planar_free(pl);
            free(inter);
            free(back);
        }
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_gain),     cmocka_unit_test(test_pan),
        cmocka_unit_test(test_gain_apply),  cmocka_unit_test(test_mix2),
        cmocka_unit_test(test_peak_abs),    cmocka_unit_test(test_planar_alloc),
        cmocka_unit_test(test_interleave),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
