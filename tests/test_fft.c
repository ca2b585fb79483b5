/*
 * FFT and STFT. Oracles: a direct O(n^2) DFT in double, Parseval's theorem,
 * the closed form of a windowed bin-centre sine, and the STFT's own
 * definition (frame m = samples [m hop, m hop + n) times the Hann window),
 * recomputed here with the direct DFT.
 */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "mixmaster/fft.h"

/* X[k] = sum_t x[t] e^{-2 pi i k t / n}, k = 0..n/2, in double; the twiddle
 * index k t is reduced mod n so cos/sin see small arguments. */
static void dft(const float *x, size_t n, double *re, double *im)
{
    for (size_t k = 0; k <= n / 2; k++) {
        double sr = 0.0, si = 0.0;
        for (size_t t = 0; t < n; t++) {
            const double a = 2.0 * M_PI * (double)((k * t) % n) / (double)n;
            sr += x[t] * cos(a);
            si -= x[t] * sin(a);
        }
        re[k] = sr;
        im[k] = si;
    }
}

/* max_k |X[k] - D[k]| / rms_k |D[k]| over the n/2+1 bins. */
static double rel_err(const float *X, const double *re, const double *im, size_t n)
{
    double emax = 0.0, p = 0.0;
    for (size_t k = 0; k <= n / 2; k++) {
        const double dr = X[2 * k] - re[k], di = X[2 * k + 1] - im[k];
        const double e = sqrt(dr * dr + di * di);
        if (e > emax) emax = e;
        p += re[k] * re[k] + im[k] * im[k];
    }
    return emax / sqrt(p / (double)(n / 2 + 1));
}

static const size_t fft_sizes[] = {2, 4, 6, 8, 10, 64, 100, 1024, 1536};
#define NFFT (sizeof fft_sizes / sizeof fft_sizes[0])

/* forward vs the direct DFT: relative error < 1e-5 of the RMS spectrum
 * (float FFT error grows like 6e-8 log2 n; 1e-5 leaves a wide margin) */
static void test_forward_vs_dft(void **state)
{
    (void)state;
    for (size_t s = 0; s < NFFT; s++) {
        const size_t n = fft_sizes[s];
        int err = -99;
        mm_fft *f = mm_fft_create(n, &err);
        assert_non_null(f);
        assert_int_equal(err, MM_OK);
        assert_int_equal(mm_fft_size(f), n);
        float *x = mm_fft_time(f);
        for (int rep = 0; rep < 3; rep++) {
            for (size_t t = 0; t < n; t++) x[t] = (float)tu_uniform();
            float *keep = malloc(n * sizeof(float));
            memcpy(keep, x, n * sizeof(float));
            double *re = malloc((n / 2 + 1) * sizeof(double)), *im = malloc((n / 2 + 1) * sizeof(double));
            dft(keep, n, re, im);
            mm_fft_forward(f);
            assert_true(rel_err(mm_fft_freq(f), re, im, n) < 1e-5);
            /* the DC and Nyquist bins of a real signal are real */
            assert_true(mm_fft_freq(f)[1] == 0.0f);
            assert_true(mm_fft_freq(f)[2 * (n / 2) + 1] == 0.0f);
            free(keep);
            free(re);
            free(im);
        }
        mm_fft_destroy(f);
    }
}

/* inverse(forward(x)) = x within 1e-6 (x in [-1, 1]); the spectrum survives
 * the inverse; Parseval: sum |x|^2 = (1/n) sum over all n bins |X|^2. */
static void test_inverse_and_parseval(void **state)
{
    (void)state;
    for (size_t s = 0; s < NFFT; s++) {
        const size_t n = fft_sizes[s];
        mm_fft *f = mm_fft_create(n, NULL);
        assert_non_null(f);
        float *x = mm_fft_time(f), *X = mm_fft_freq(f);
        float *keep = malloc(n * sizeof(float)), *spec = malloc((n + 2) * sizeof(float));
        for (size_t t = 0; t < n; t++) keep[t] = x[t] = (float)tu_uniform();
        mm_fft_forward(f);
        memcpy(spec, X, (n + 2) * sizeof(float));

        double e_time = 0.0, e_freq = 0.0;
        for (size_t t = 0; t < n; t++) e_time += (double)keep[t] * keep[t];
        for (size_t k = 0; k <= n / 2; k++) {
            /* bins 1..n/2-1 stand for their mirror images too */
            const double w = (k == 0 || k == n / 2) ? 1.0 : 2.0;
            e_freq += w * ((double)X[2 * k] * X[2 * k] + (double)X[2 * k + 1] * X[2 * k + 1]);
        }
        /* float rounding: relative 1e-6 */
        assert_near(e_freq / (double)n / e_time, 1.0, 1e-6);

        for (size_t t = 0; t < n; t++) x[t] = 1e9f; /* must be overwritten */
        mm_fft_inverse(f);
        for (size_t t = 0; t < n; t++) assert_near(x[t], keep[t], 1e-6);
        assert_memory_equal(X, spec, (n + 2) * sizeof(float));
        free(keep);
        free(spec);
        mm_fft_destroy(f);
    }
}

/* A unit impulse at t0 has X[k] = e^{-2 pi i k t0 / n}; a cosine on bin k0
 * has X[k0] = n/2 (exact closed forms). */
static void test_closed_forms(void **state)
{
    (void)state;
    const size_t n = 256;
    mm_fft *f = mm_fft_create(n, NULL);
    float *x = mm_fft_time(f), *X = mm_fft_freq(f);
    memset(x, 0, n * sizeof(float));
    x[5] = 1.0f;
    mm_fft_forward(f);
    for (size_t k = 0; k <= n / 2; k++) {
        const double a = -2.0 * M_PI * (double)(k * 5) / (double)n;
        assert_near(X[2 * k], cos(a), 1e-6);
        assert_near(X[2 * k + 1], sin(a), 1e-6);
    }
    for (size_t t = 0; t < n; t++) x[t] = (float)cos(2.0 * M_PI * 10.0 * (double)t / (double)n);
    mm_fft_forward(f);
    for (size_t k = 0; k <= n / 2; k++) {
        assert_near(X[2 * k], k == 10 ? n / 2.0 : 0.0, 1e-4); /* 1e-4 = 6e-8 * n * log2 n */
        assert_near(X[2 * k + 1], 0.0, 1e-4);
    }
    mm_fft_destroy(f);
}

static void test_window(void **state)
{
    (void)state;
    float w[64];
    mm_window_hann(w, 64);
    assert_true(w[0] == 0.0f);
    assert_true(w[32] == 1.0f); /* periodic: the peak is at n/2, and w[n-1] != 0 */
    assert_near(w[16], 0.5, 1e-7);
    assert_true(w[63] > 0.0f);
    for (size_t t = 1; t < 64; t++) assert_near(w[t], w[64 - t], 1e-7); /* DFT-even symmetry */
    for (size_t t = 0; t < 64; t++) assert_near(w[t], 0.5 - 0.5 * cos(2.0 * M_PI * (double)t / 64.0), 1e-7);
}

/* Feed the whole of x in chunks of `chunk` samples (0 = everything at once),
 * calling back on every completed frame. Returns the frame count. */
typedef void (*frame_fn)(const mm_stft *s, size_t frame, void *ctx);

static size_t feed_all(mm_stft *s, const float *x, size_t len, size_t chunk, frame_fn cb, void *ctx)
{
    size_t frames = 0, off = 0;
    while (off < len) {
        size_t give = chunk ? chunk : len - off;
        if (give > len - off) give = len - off;
        size_t pos = 0;
        while (pos < give) {
            size_t used = 12345;
            int r = mm_stft_feed(s, x + off + pos, give - pos, &used);
            assert_true(r == 0 || r == 1);
            assert_true(used >= 1 && used <= give - pos);
            if (r == 1) {
                if (cb) cb(s, frames, ctx);
                frames++;
            } else {
                assert_int_equal(used, give - pos); /* no frame: everything was taken */
            }
            pos += used;
        }
        off += give;
    }
    return frames;
}

/* frames after L samples: 0 before n, then 1 + floor((L - n) / hop) */
static void test_stft_frame_count(void **state)
{
    (void)state;
    static const size_t cfg[][2] = {{8, 8}, {8, 4}, {8, 3}, {16, 1}, {64, 48}, {1024, 512}, {6, 5}};
    float *x = calloc(10000, sizeof(float));
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        const size_t n = cfg[c][0], hop = cfg[c][1];
        static const size_t lens[] = {0, 1, 5, 7, 8, 9, 63, 64, 100, 1023, 1024, 1536, 1537, 5000};
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            const size_t L = lens[l];
            const size_t want = L < n ? 0 : 1 + (L - n) / hop;
            mm_stft *s = mm_stft_create(n, hop, NULL);
            assert_non_null(s);
            assert_int_equal(mm_stft_size(s), n);
            assert_int_equal(feed_all(s, x, L, 0, NULL, NULL), want);
            mm_stft_reset(s);
            assert_int_equal(feed_all(s, x, L, 7, NULL, NULL), want);
            mm_stft_destroy(s);
        }
    }
    free(x);
}

/* A bin-centre sine: the power peaks in that bin, and the Parseval mean
 * square (one-sided bins, doubled except DC/Nyquist) / (n * window power)
 * equals A^2/2: for a bin-centre frequency away from DC and Nyquist the
 * window's w^2 weighting averages sin^2 exactly. Tolerance 0.5 %. */
typedef struct sine_ctx {
    size_t n, k0;
    double amp;
    int frames;
} sine_ctx;

static void check_sine_frame(const mm_stft *s, size_t frame, void *vctx)
{
    (void)frame;
    sine_ctx *c = vctx;
    const float *p = mm_stft_power(s);
    const float *X = mm_stft_spectrum(s);
    size_t best = 0;
    double sum = 0.0;
    for (size_t k = 0; k <= c->n / 2; k++) {
        if (p[k] > p[best]) best = k;
        /* power is |X|^2 of the spectrum (float rounding) */
        const double m2 = (double)X[2 * k] * X[2 * k] + (double)X[2 * k + 1] * X[2 * k + 1];
        assert_near(p[k], m2, 1e-6 * (m2 + 1.0));
        sum += ((k == 0 || k == c->n / 2) ? 1.0 : 2.0) * p[k];
    }
    assert_int_equal(best, c->k0);
    const double ms = sum / ((double)c->n * mm_stft_window_power(s));
    assert_near(ms, c->amp * c->amp / 2.0, 0.005 * c->amp * c->amp / 2.0);
    /* Hann main lobe: the window's DFT is n/2 at 0 and -n/4 at +-1, so bins
     * k0 +- 1 hold half the amplitude, a quarter of the power */
    assert_near(p[c->k0 + 1] / p[c->k0], 0.25, 1e-4);
    assert_near(p[c->k0 - 1] / p[c->k0], 0.25, 1e-4);
    c->frames++;
}

static void test_stft_sine(void **state)
{
    (void)state;
    const double fs = 48000.0;
    static const size_t ns[] = {256, 1024, 4096};
    for (size_t i = 0; i < 3; i++) {
        const size_t n = ns[i], hop = n / 2, len = 8 * n;
        mm_stft *s = mm_stft_create(n, hop, NULL);
        /* periodic Hann: sum w^2 = 3n/8 exactly */
        assert_near(mm_stft_window_power(s), 3.0 * (double)n / 8.0, 1e-4 * (double)n);
        sine_ctx c = {n, n / 10, 0.7, 0};
        float *x = malloc(len * sizeof(float));
        tu_sine(x, len, fs, (double)c.k0 * fs / (double)n, c.amp, 0.4);
        size_t frames = feed_all(s, x, len, 1000, check_sine_frame, &c);
        assert_int_equal(frames, 1 + (len - n) / hop);
        assert_int_equal((size_t)c.frames, frames);
        free(x);
        mm_stft_destroy(s);
    }
}

/* Spectra equal the definition (frame m = x[m hop ..] * w) via the direct
 * DFT, and feeding in odd chunk sizes gives bit-identical spectra to one
 * big feed. */
typedef struct rec_ctx {
    float *store; /* [frames][n+2] */
    size_t stride;
} rec_ctx;

static void record_frame(const mm_stft *s, size_t frame, void *vctx)
{
    rec_ctx *c = vctx;
    memcpy(c->store + frame * c->stride, mm_stft_spectrum(s), c->stride * sizeof(float));
}

static void test_stft_chunking_and_definition(void **state)
{
    (void)state;
    const size_t n = 100, hop = 37, len = 2000;
    const size_t nframes = 1 + (len - n) / hop;
    float *x = malloc(len * sizeof(float));
    for (size_t i = 0; i < len; i++) x[i] = (float)tu_uniform();
    mm_stft *s = mm_stft_create(n, hop, NULL);
    rec_ctx one = {malloc(nframes * (n + 2) * sizeof(float)), n + 2};
    rec_ctx many = {malloc(nframes * (n + 2) * sizeof(float)), n + 2};
    assert_int_equal(feed_all(s, x, len, 0, record_frame, &one), nframes);
    static const size_t chunks[] = {1, 3, 7, 99, 101, 333};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        mm_stft_reset(s);
        memset(many.store, 0, nframes * (n + 2) * sizeof(float));
        assert_int_equal(feed_all(s, x, len, chunks[c], record_frame, &many), nframes);
        assert_memory_equal(one.store, many.store, nframes * (n + 2) * sizeof(float));
    }
    /* the definition, for every frame */
    float w[100], frame[100];
    double re[51], im[51];
    mm_window_hann(w, n);
    for (size_t m = 0; m < nframes; m++) {
        for (size_t t = 0; t < n; t++) frame[t] = x[m * hop + t] * w[t];
        dft(frame, n, re, im);
        assert_true(rel_err(one.store + m * (n + 2), re, im, n) < 1e-5);
    }
    /* reset clears the history: the first frame after reset equals frame 0 */
    mm_stft_reset(s);
    size_t used;
    assert_int_equal(mm_stft_feed(s, x, len, &used), 1);
    assert_int_equal(used, n);
    assert_memory_equal(mm_stft_spectrum(s), one.store, (n + 2) * sizeof(float));
    free(one.store);
    free(many.store);
    free(x);
    mm_stft_destroy(s);
}

/* Sane sizes accepted, insane ones rejected. */
static void test_invalid_args(void **state)
{
    (void)state;
    static const size_t bad_n[] = {0, 1, 3, 7, 1001, ((size_t)1 << 24) + 2, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad_n / sizeof bad_n[0]; i++) {
        int err = 0;
        assert_null(mm_fft_create(bad_n[i], &err));
        assert_int_equal(err, MM_ERR_INVALID_ARG);
        err = 0;
        assert_null(mm_stft_create(bad_n[i], 1, &err));
        assert_int_equal(err, MM_ERR_INVALID_ARG);
    }
    int err = 0;
    assert_null(mm_stft_create(8, 0, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    assert_null(mm_stft_create(8, 9, &err));
    assert_null(mm_fft_create(0, NULL));
    mm_stft *s = mm_stft_create(2, 2, &err); /* smallest */
    assert_non_null(s);
    assert_int_equal(err, MM_OK);
    size_t used = 99;
    assert_int_equal(mm_stft_feed(s, NULL, 0, &used), 0);
    assert_int_equal(used, 0);
    assert_true(mm_stft_feed(s, NULL, 5, &used) < 0);
    assert_true(mm_stft_feed(NULL, NULL, 0, &used) < 0);
    mm_stft_destroy(s);
    mm_fft_destroy(NULL);
    mm_stft_destroy(NULL);
    mm_stft_reset(NULL);
    mm_fft_forward(NULL);
    mm_fft_inverse(NULL);
    assert_null(mm_fft_time(NULL));
    assert_int_equal(mm_fft_size(NULL), 0);
}

/* Two threads create, use and destroy FFTs and STFTs at the same time (the
 * planner is not thread safe; the library serialises it). Each transform is
 * checked against its closed form: X[k] of a unit impulse at 0 is 1. */
static void *thread_body(void *arg)
{
    const size_t base = *(const size_t *)arg;
    long bad = 0;
    for (int i = 0; i < 200; i++) {
        const size_t n = base + 2u * (size_t)(i % 50);
        mm_fft *f = mm_fft_create(n, NULL);
        mm_stft *s = mm_stft_create(n, n / 2, NULL);
        if (!f || !s) {
            bad++;
        } else {
            float *x = mm_fft_time(f);
            memset(x, 0, n * sizeof(float));
            x[0] = 1.0f;
            mm_fft_forward(f);
            const float *X = mm_fft_freq(f);
            for (size_t k = 0; k <= n / 2; k++)
                if (fabsf(X[2 * k] - 1.0f) > 1e-6f || fabsf(X[2 * k + 1]) > 1e-6f) bad++;
        }
        mm_fft_destroy(f);
        mm_stft_destroy(s);
    }
    return (void *)(intptr_t)bad;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[2];
    size_t base[2] = {64, 66};
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, thread_body, &base[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *r;
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_int_equal((intptr_t)r, 0);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_vs_dft),
        cmocka_unit_test(test_inverse_and_parseval),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_stft_frame_count),
        cmocka_unit_test(test_stft_sine),
        cmocka_unit_test(test_stft_chunking_and_definition),
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
