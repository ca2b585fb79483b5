/* Shared helpers for the cmocka test programs: tolerances, seeded noise,
 * signal synthesis. Header-only; each test program includes it once. */
#ifndef MM_TESTUTIL_H
#define MM_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Fail unless |a - b| <= tol, printing both values. */
#define assert_near(a, b, tol)                                                              \
    do {                                                                                    \
        double tu_a_ = (double)(a), tu_b_ = (double)(b), tu_t_ = (double)(tol);             \
        if (!(fabs(tu_a_ - tu_b_) <= tu_t_)) {                                              \
            print_error("%s = %.6f, expected %.6f within %g\n", #a, tu_a_, tu_b_, tu_t_);   \
            fail();                                                                         \
        }                                                                                   \
    } while (0)

/* Fail unless lo <= a <= hi. */
#define assert_between(a, lo, hi)                                                           \
    do {                                                                                    \
        double tu_a_ = (double)(a), tu_l_ = (double)(lo), tu_h_ = (double)(hi);             \
        if (!(tu_a_ >= tu_l_ && tu_a_ <= tu_h_)) {                                          \
            print_error("%s = %.6f, expected in [%.6f, %.6f]\n", #a, tu_a_, tu_l_, tu_h_);  \
            fail();                                                                         \
        }                                                                                   \
    } while (0)

/* Seeded generator (xorshift32). Set MM_TEST_SEED to replay a run; the seed
 * in use is printed by tu_seed_init(). */
static uint32_t tu_state = 0x9e3779b9u;

static inline void tu_seed_init(const char *prog)
{
    const char *s = getenv("MM_TEST_SEED");
    tu_state = s ? (uint32_t)strtoul(s, NULL, 10) : 12345u;
    if (tu_state == 0) tu_state = 1;
    printf("# %s: seed %u (replay with MM_TEST_SEED=%u)\n", prog, tu_state, tu_state);
}

static inline uint32_t tu_rand(void)
{
    uint32_t x = tu_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return tu_state = x;
}

/* Uniform in [-1, 1). */
static inline double tu_uniform(void) { return (double)tu_rand() / 2147483648.0 - 1.0; }

/* Standard normal (Box-Muller). */
static inline double tu_gauss(void)
{
    double u1 = ((double)tu_rand() + 1.0) / 4294967297.0;
    double u2 = (double)tu_rand() / 4294967296.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* x[n] = amp * sin(2 pi f n / fs + phase), computed in double. */
static inline void tu_sine(float *x, size_t frames, double fs, double f, double amp,
                           double phase)
{
    for (size_t n = 0; n < frames; n++) x[n] = (float)(amp * sin(2.0 * M_PI * f * (double)n / fs + phase));
}

static inline double tu_db(double x) { return 20.0 * log10(x); }

/* make test-valgrind sets MM_TEST_VALGRIND=1. Memcheck runs some 50x
 * slower, so the slowest loops cut their repetitions (each says where);
 * every code path still runs. */
static inline int tu_under_valgrind(void)
{
    const char *v = getenv("MM_TEST_VALGRIND");
    return v && v[0] && !(v[0] == '0' && v[1] == 0);
}

#endif
