/* An independent true-peak reading for the mastering tests: 8x
 * oversampling by direct evaluation of a long Kaiser-windowed sinc
 * (64 taps per phase, beta 9) in double precision. It shares nothing with
 * the library's polyphase meter (different length, window, arithmetic and
 * code), so a limiter that merely fools its own detector would fail here.
 * Cost: 7 x 64 multiply-adds per sample; keep test signals short. */
#ifndef MM_TP_ORACLE_H
#define MM_TP_ORACLE_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#define TPO_HALF 32
#define TPO_FACTOR 8

static double tpo_bessel_i0(double x)
{
    double s = 1.0, t = 1.0;
    for (int k = 1; k < 200; k++) {
        double f = x / (2.0 * k);
        t *= f * f;
        s += t;
        if (t < 1e-18 * s) break;
    }
    return s;
}

/* Largest |x(t)| of the reconstructed x[0, n-1] (zeros outside), sampled
 * at 8 points per sample; never below the sample peak. */
static double tpo_peak(const float *x, size_t n)
{
    double h[TPO_FACTOR][2 * TPO_HALF];
    const double beta = 9.0, i0b = tpo_bessel_i0(beta);
    for (int q = 1; q < TPO_FACTOR; q++) {
        double frac = (double)q / TPO_FACTOR, sum = 0.0;
        for (int k = 0; k < 2 * TPO_HALF; k++) {
            /* tap k multiplies x[m - TPO_HALF + 1 + k] for the point m + frac */
            double d = frac - (double)(k - TPO_HALF + 1);
            double r = d / (TPO_HALF + 0.5);
            double w = fabs(r) < 1.0 ? tpo_bessel_i0(beta * sqrt(1.0 - r * r)) / i0b : 0.0;
            double s = sin(M_PI * d) / (M_PI * d);
            h[q][k] = s * w;
            sum += h[q][k];
        }
        for (int k = 0; k < 2 * TPO_HALF; k++) h[q][k] /= sum;
    }
    double l1 = 0.0; /* |y| <= l1 * max |x| over the taps: a rigorous skip test */
    for (int q = 1; q < TPO_FACTOR; q++) {
        double a = 0.0;
        for (int k = 0; k < 2 * TPO_HALF; k++) a += fabs(h[q][k]);
        if (a > l1) l1 = a;
    }
    double peak = 0.0;
    size_t nblk = n / TPO_HALF + 1;
    double *bm = calloc(nblk, sizeof *bm);
    for (size_t m = 0; m < n; m++) {
        double a = fabs((double)x[m]);
        if (a > peak) peak = a;
        if (a > bm[m / TPO_HALF]) bm[m / TPO_HALF] = a;
    }
    for (long m = -1; m < (long)n; m++) {
        long lo = m - TPO_HALF + 1, hi = m + TPO_HALF;
        if (lo < 0) lo = 0;
        if (hi >= (long)n) hi = (long)n - 1;
        double nb = 0.0;
        for (long b = lo / TPO_HALF; b <= hi / TPO_HALF; b++) nb = bm[b] > nb ? bm[b] : nb;
        if (nb * l1 <= peak) continue;
        for (int q = 1; q < TPO_FACTOR; q++) {
            double y = 0.0;
            for (int k = 0; k < 2 * TPO_HALF; k++) {
                long idx = m - TPO_HALF + 1 + k;
                if (idx >= 0 && idx < (long)n) y += h[q][k] * x[idx];
            }
            if (fabs(y) > peak) peak = fabs(y);
        }
    }
    free(bm);
    return peak;
}

#endif
