/*
 * Lookahead true-peak limiter. The gain computer and its guarantee are
 * described in include/mixmaster/limiter.h.
 *
 * Stream indexing: at input frame t the true-peak meter delivers the peak of
 * frame u = t - D (D = its latency; the first D values describe the silence
 * before the start). q[u] enters a monotonic deque that yields the sliding
 * minimum m[u-L+1] over q[u-L+1 .. u]; m enters a ring whose running sum
 * gives b[u-L+1]; the released gain multiplies the delayed input frame
 * u-L+1 = t - (D + L - 1). Before the first frame, q is taken as 1 (the
 * input is silent there), so the deque starts with one entry of 1 and the
 * ring with L ones: every window is then full from the first frame on and
 * b[n] <= q[n] holds for the very first output too.
 */
#include "mixmaster/limiter.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LIM_CHUNK 1024u
/*
 * Detector: an 8x polyphase interpolator of its own, longer than the
 * meter's (truepeak.h: 32 taps per phase, Kaiser beta 5), because a limiter
 * must not under-read: content between 0.45 fs and Nyquist (cymbals, noise,
 * the aliases of a naive square wave) is under-read by up to 0.26 dB by the
 * 32-tap design and would pass the ceiling. Same construction (windowed
 * sinc centred on a tap, so phase 0 is the sample itself and only 7 phases
 * need arithmetic), with LIM_TP_TAPS taps per phase and beta LIM_TP_BETA.
 * Measured with the tests' independent oracle (tests/tp_oracle.h: direct
 * 8x evaluation in double, Kaiser beta 9) on full-band noise bursts and
 * naive full-scale square waves, limited outputs read 0.06-0.11 dB under
 * the ceiling (0.1 dB margin); 48 taps left noise up to 0.09 dB over.
 */
#define LIM_TP_FACTOR 8
#define LIM_TP_PHASES (LIM_TP_FACTOR - 1)
#define LIM_TP_TAPS 64
#define LIM_TP_BETA 8.0
#define LIM_TP_LATENCY (LIM_TP_TAPS / 2)
#if defined(__GNUC__) || defined(__clang__)
#define LIM_STR_(x) #x
#define LIM_UNROLL(n) _Pragma(LIM_STR_(GCC unroll n))
#else
#define LIM_UNROLL(n)
#endif
#define LIM_MAX_CHANNELS 64
/* Gain below this counts as limiting in mm_limiter_limited_frames (-0.01 dB). */
#define LIM_ACTIVE 0.998849

struct mm_limiter {
    mm_limiter_config cfg;
    int nch;
    float coef[LIM_TP_PHASES * LIM_TP_TAPS];
    float coef_t[LIM_TP_TAPS * 8]; /* tap-major copy for detect_v4: [j][phase], phase 7 unused */
    int v4;                        /* the CPU runs detect_v4 */
    double need[LIM_CHUNK];        /* gain each frame of a chunk needs */
    double l1;           /* largest sum |coef| of a phase: |y| <= l1 max |x| */
    float *hist[LIM_MAX_CHANNELS]; /* TAPS-1 history + LIM_CHUNK new samples */
    size_t D, L, latency;
    double cth;          /* linear detection ceiling */
    double rel;          /* release coefficient a */
    size_t dmask;        /* delay ring mask */
    size_t qmask;        /* deque ring mask (>= L + 1 entries) */
    size_t mlen;         /* L1: length of the m ring (first average) */
    size_t blen;         /* L2: length of the b ring (second average) */
    float *delay[LIM_MAX_CHANNELS];
    float *fpeak[LIM_MAX_CHANNELS];
    double *dq_val;      /* deque values */
    long long *dq_idx;   /* deque indices */
    double *mring, *bring;
    void *mem;
    /* cleared by reset */
    size_t wpos;         /* frames written to the delay ring (mod size) */
    long long u;         /* next detected frame index */
    size_t dq_head, dq_tail; /* deque occupies [head, tail) mod size */
    size_t mpos;
    double msum, bsum;
    size_t bpos;
    double r_prev, g;
    double min_gain;
    unsigned long long limited;
    unsigned long long ones;  /* consecutive frames with q = 1 just processed */
};

mm_limiter_config mm_limiter_config_default(double sample_rate, int channels)
{
    mm_limiter_config c;
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.ceiling_dbtp = -1.0;
    /* 3 ms: long enough that the attack ramp adds no audible distortion to
     * bass (a 50 Hz cycle is 20 ms; the ramp spans 1/7 of it), short enough
     * that the gain dips only just before a peak. */
    c.lookahead_ms = 3.0;
    c.release_ms = 80.0;
    c.margin_db = 0.1;
    return c;
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

/*
 * Largest magnitude of the 8x interpolated signal on each frame's interval.
 * IN src[0, n+TAPS-2] (src[i+TAPS-1] newest of output i), coef as designed
 * OUT dst[0, n-1]: max(|src[i+TAPS/2-1]|, |y_1| .. |y_7|)
 * Each vector lane computes one frame; four partial sums shorten the add
 * chain (as in dsp/truepeak.c).
 */
MM_TARGET_CLONES
static void detect(float *MM_RESTRICT dst, const float *MM_RESTRICT src, const float *MM_RESTRICT coef, size_t n)
{
    const float *MM_RESTRICT centre = src + LIM_TP_TAPS / 2 - 1;
    for (size_t i = 0; i < n; i++) dst[i] = fabsf(centre[i]);
    for (int q = 0; q < LIM_TP_PHASES; q++) {
        const float *MM_RESTRICT r = coef + (size_t)q * LIM_TP_TAPS;
        for (size_t i = 0; i < n; i++) {
            const float *MM_RESTRICT s = src + i;
            float a0 = r[0] * s[0], a1 = r[1] * s[1], a2 = r[2] * s[2], a3 = r[3] * s[3];
            LIM_UNROLL(16)
            for (int j = 4; j < LIM_TP_TAPS; j += 4) {
                a0 += r[j] * s[j];
                a1 += r[j + 1] * s[j + 1];
                a2 += r[j + 2] * s[j + 2];
                a3 += r[j + 3] * s[j + 3];
            }
            float y = fabsf((a0 + a1) + (a2 + a3));
            dst[i] = y > dst[i] ? y : dst[i];
        }
    }
}

#ifdef MM_HAVE_TARGETS
/*
 * detect() for AVX-512, 16 frames at a time, with the same arithmetic in the
 * same order (four partial sums per phase), so its values are detect()'s bit
 * for bit: each tap loads its vector of source frames once and multiplies it
 * into all seven phases (28 sums held in registers), where detect() loads
 * it once per phase; those loads, mostly split across cache lines, bound
 * detect(). 2.4x detect()'s AVX-512 clone on 21 M frames. A target of its
 * own, not a clone: the SSE2 and AVX2 bodies of this source would spill
 * the sums.
 * IN src[0, n+TAPS-2], coef_t  OUT dst[0, n-1]; n a multiple of 16
 */
typedef float lim_v16 __attribute__((vector_size(64)));
MM_TARGET_V4
static void detect_v4(float *MM_RESTRICT dst, const float *MM_RESTRICT src, const float *MM_RESTRICT coef_t, size_t n)
{
    for (size_t i0 = 0; i0 + 16 <= n; i0 += 16) {
        lim_v16 a[LIM_TP_PHASES][4];
        for (int q = 0; q < LIM_TP_PHASES; q++)
            for (int k = 0; k < 4; k++) a[q][k] = (lim_v16){0};
        for (int j = 0; j < LIM_TP_TAPS; j += 4) {
            LIM_UNROLL(4)
            for (int k = 0; k < 4; k++) {
                lim_v16 sv;
                memcpy(&sv, src + i0 + j + k, sizeof sv);
                const float *c = coef_t + (j + k) * 8;
                LIM_UNROLL(7)
                for (int q = 0; q < LIM_TP_PHASES; q++) a[q][k] += c[q] * sv;
            }
        }
        const float *centre = src + i0 + LIM_TP_TAPS / 2 - 1;
        for (int t = 0; t < 16; t++) {
            float x = fabsf(centre[t]);
            for (int q = 0; q < LIM_TP_PHASES; q++) {
                float y = fabsf((a[q][0][t] + a[q][1][t]) + (a[q][2][t] + a[q][3][t]));
                x = y > x ? y : x;
            }
            dst[i0 + t] = x;
        }
    }
}
#endif

/* detect() or, where the CPU has AVX-512, detect_v4() for whole groups of
 * 16 frames and detect() for the rest (the same values either way). */
static void detect_any(const mm_limiter *l, float *dst, const float *src, size_t n)
{
    size_t done = 0;
#ifdef MM_HAVE_TARGETS
    if (l->v4) {
        done = n / 16 * 16;
        detect_v4(dst, src, l->coef_t, done);
    }
#endif
    if (done < n) detect(dst + done, src + done, l->coef, n - done);
}

/*
 * detect() only where a peak could reach the ceiling. An interpolated value
 * is a sum of LIM_TP_TAPS samples weighted by one phase, so it is at most
 * l1 times their largest magnitude; a block of DETECT_BLOCK outputs whose
 * taps all lie below cth / l1 needs no interpolation (its gain is 1 either
 * way) and gets the sample magnitudes. Control-rate work: a block maximum
 * costs one comparison per sample against 448 multiply-adds.
 * IN src[0, n+TAPS-2]  OUT dst[0, n-1]
 */
#define DETECT_BLOCK 16u
static void detect_sparse(const mm_limiter *l, float *dst, const float *src, size_t n)
{
    /* block maxima of the source, then the largest over the blocks a group
     * of outputs reads (outputs [i0, i0+16) read src[i0, i0+16+TAPS-2]) */
    enum { NB = (LIM_CHUNK + LIM_TP_TAPS) / DETECT_BLOCK + 2, SPAN = (LIM_TP_TAPS - 1) / DETECT_BLOCK + 1 };
    float bm[NB];
    const size_t m = n + LIM_TP_TAPS - 1, nb = (m + DETECT_BLOCK - 1) / DETECT_BLOCK;
    for (size_t b = 0; b < nb; b++) {
        float mx = 0.0f;
        size_t e = (b + 1) * DETECT_BLOCK < m ? (b + 1) * DETECT_BLOCK : m;
        for (size_t j = b * DETECT_BLOCK; j < e; j++) mx = fabsf(src[j]) > mx ? fabsf(src[j]) : mx;
        bm[b] = mx;
    }
    const float safe = (float)(l->cth / l->l1);
    size_t run = 0; /* start of the pending run of blocks that need detect() */
    int pending = 0;
    for (size_t i0 = 0, b = 0; i0 < n; i0 += DETECT_BLOCK, b++) {
        size_t k = n - i0 < DETECT_BLOCK ? n - i0 : DETECT_BLOCK;
        float mx = 0.0f;
        for (size_t j = b; j <= b + SPAN && j < nb; j++) mx = bm[j] > mx ? bm[j] : mx;
        if (mx < safe) {
            /* runs are detected in one call: the kernel vectorises over frames */
            if (pending) detect_any(l, dst + run, src + run, i0 - run);
            pending = 0;
            for (size_t j = 0; j < k; j++) dst[i0 + j] = fabsf(src[i0 + j + LIM_TP_TAPS / 2 - 1]);
        } else if (!pending) {
            pending = 1;
            run = i0;
        }
    }
    if (pending) detect_any(l, dst + run, src + run, n - run);
}

void mm_limiter_destroy(mm_limiter *l)
{
    if (!l) return;
    free(l->mem);
    free(l);
}

mm_limiter *mm_limiter_create(const mm_limiter_config *cfg, int *err)
{
    int e = MM_ERR_INVALID_ARG;
    mm_limiter *l = NULL;
    if (!cfg || !(cfg->sample_rate >= 8000.0 && cfg->sample_rate <= 384000.0) || cfg->channels < 1 ||
        cfg->channels > LIM_MAX_CHANNELS || !(cfg->ceiling_dbtp >= -60.0 && cfg->ceiling_dbtp <= 0.0) ||
        !(cfg->lookahead_ms >= 0.1 && cfg->lookahead_ms <= 50.0) ||
        !(cfg->release_ms >= 1.0 && cfg->release_ms <= 5000.0) ||
        !(cfg->margin_db >= 0.0 && cfg->margin_db <= 3.0))
        goto fail;
    e = MM_ERR_NOMEM;
    l = calloc(1, sizeof *l);
    if (!l) goto fail;
    l->cfg = *cfg;
    l->nch = cfg->channels;
    mm__polyphase_design(l->coef, LIM_TP_FACTOR, LIM_TP_TAPS, LIM_TP_BETA);
    for (int q = 0; q < LIM_TP_PHASES; q++) {
        double a = 0.0;
        for (int j = 0; j < LIM_TP_TAPS; j++) a += fabs(l->coef[q * LIM_TP_TAPS + j]);
        if (a > l->l1) l->l1 = a;
    }
    for (int j = 0; j < LIM_TP_TAPS; j++)
        for (int q = 0; q < 8; q++) l->coef_t[j * 8 + q] = q < LIM_TP_PHASES ? l->coef[q * LIM_TP_TAPS + j] : 0.0f;
#ifdef MM_HAVE_TARGETS
    l->v4 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    /* output i of the detector describes frame (newest - TAPS/2) */
    l->D = LIM_TP_LATENCY;
    l->L = (size_t)floor(cfg->lookahead_ms * 1e-3 * cfg->sample_rate + 0.5);
    if (l->L < 1) l->L = 1;
    l->latency = l->D + l->L - 1;
    l->cth = pow(10.0, (cfg->ceiling_dbtp - cfg->margin_db) / 20.0);
    l->rel = 1.0 - exp(-1.0 / (cfg->release_ms * 1e-3 * cfg->sample_rate));
    size_t dsize = pow2_at_least(l->latency + LIM_CHUNK + 1);
    l->dmask = dsize - 1;
    size_t qsize = pow2_at_least(l->L + 2);
    l->qmask = qsize - 1;
    /* two averages of L1 + L2 - 1 = L frames in all (see limiter.h) */
    l->mlen = (l->L + 1) / 2;
    l->blen = l->L - l->mlen + 1;
    size_t chunk = mm__align_floats(LIM_CHUNK);
    size_t hlen = mm__align_floats(LIM_TP_TAPS - 1 + LIM_CHUNK);
    size_t floats = (size_t)l->nch * (dsize + chunk + hlen);
    size_t bytes = floats * sizeof(float) + qsize * (sizeof(double) + sizeof(long long)) +
                   (l->mlen + l->blen) * sizeof(double) + 128;
    e = MM_ERR_NOMEM;
    l->mem = calloc(1, bytes);
    if (!l->mem) goto fail;
    double *d = (double *)l->mem;
    l->dq_val = d;
    l->mring = d + qsize;
    l->bring = d + qsize + l->mlen;
    l->dq_idx = (long long *)(void *)(d + qsize + l->mlen + l->blen);
    float *f = (float *)(void *)(l->dq_idx + qsize);
    f = (float *)(void *)(((uintptr_t)f + 63u) & ~(uintptr_t)63u);
    for (int c = 0; c < l->nch; c++) {
        l->delay[c] = f; f += dsize;
        l->fpeak[c] = f; f += chunk;
        l->hist[c] = f; f += hlen;
    }
    mm_limiter_reset(l);
    if (err) *err = MM_OK;
    return l;
fail:
    mm_limiter_destroy(l);
    if (err) *err = e;
    return NULL;
}

void mm_limiter_reset(mm_limiter *l)
{
    if (!l) return;
    for (int c = 0; c < l->nch; c++) {
        memset(l->delay[c], 0, (l->dmask + 1) * sizeof(float));
        memset(l->hist[c], 0, (LIM_TP_TAPS - 1) * sizeof(float));
    }
    l->wpos = 0;
    l->u = 0;
    /* the silence before the start: one deque entry of 1, L ones in the ring */
    l->dq_head = 0;
    l->dq_tail = 1;
    l->dq_val[0] = 1.0;
    l->dq_idx[0] = -1;
    for (size_t i = 0; i < l->mlen; i++) l->mring[i] = 1.0;
    l->mpos = 0;
    l->msum = (double)l->mlen;
    for (size_t i = 0; i < l->blen; i++) l->bring[i] = (double)l->mlen;
    l->bpos = 0;
    l->bsum = (double)l->blen * (double)l->mlen;
    l->r_prev = 1.0;
    l->g = 1.0;
    l->min_gain = 1.0;
    l->limited = 0;
    l->ones = 0;
}

size_t mm_limiter_latency(const mm_limiter *l) { return l ? l->latency : 0; }

double mm_limiter_max_reduction_db(const mm_limiter *l)
{
    return (l && l->min_gain < 1.0) ? -20.0 * log10(l->min_gain) : 0.0;
}

unsigned long long mm_limiter_limited_frames(const mm_limiter *l) { return l ? l->limited : 0; }

/*
 * The gain each frame needs: r = cth / p for p, the largest detected peak
 * over the channels, above cth, else 1. A pass of its own ahead of the
 * per-frame recursion, so that the divisions run in vectors.
 * IN fpeak[0, nch-1][0, n-1]   OUT r[0, n-1]
 */
MM_TARGET_CLONES
static void gain_needed(double *MM_RESTRICT r, float *const fpeak[], int nch, size_t n, double cth)
{
    const float *MM_RESTRICT p0 = fpeak[0];
    for (size_t i = 0; i < n; i++) r[i] = p0[i];
    for (int c = 1; c < nch; c++) {
        const float *MM_RESTRICT pc = fpeak[c];
        for (size_t i = 0; i < n; i++) r[i] = (double)pc[i] > r[i] ? (double)pc[i] : r[i];
    }
    for (size_t i = 0; i < n; i++) r[i] = r[i] > cth ? cth / r[i] : 1.0;
}

/*
 * One chunk of n <= LIM_CHUNK frames.
 * Legend:
 *   p        largest interpolated magnitude over the channels, frame u
 *   r, q     gain frame u needs; q also covers the interval before it
 *   dq_*     monotonic deque of (index, q), increasing values from head
 *   m        sliding minimum over the last L q's = m[u-L+1]
 *   msum     running sum of the last L1 m's (L1 b1)
 *   bsum     running sum of the last L2 msum's (L1 L2 b); one division
 *            gives b, exactly 1 when every m is 1
 *   g        released gain, applied to delayed frame u-L+1
 */
static void process_chunk(mm_limiter *l, float *const out[], const float *const in[], size_t off, size_t n)
{
    const int nch = l->nch;
    const size_t dmask = l->dmask, qmask = l->qmask, L = l->L, L1 = l->mlen, L2 = l->blen, lat = l->latency;
    for (int c = 0; c < nch; c++) {
        const float *x = in[c] + off;
        float *cl = l->hist[c] + LIM_TP_TAPS - 1, *dl = l->delay[c];
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            /* non-finite and denormal-range values become 0 */
            v = (fabsf(v) <= FLT_MAX && fabsf(v) >= 1e-30f) ? v : 0.0f;
            cl[i] = v;
            dl[(l->wpos + i) & dmask] = v;
        }
        detect_sparse(l, l->fpeak[c], l->hist[c], n);
        memmove(l->hist[c], l->hist[c] + n, (LIM_TP_TAPS - 1) * sizeof(float));
    }
    /* Idle: every window holds only ones and the gain is 1, and nothing in
     * this chunk needs reduction. The per-frame recursion would leave all
     * state as it is (the deque keeps one entry, now the newest), so copy. */
    if (l->g == 1.0 && l->ones >= (unsigned long long)(L + L1 + L2)) {
        float pmax = 0.0f;
        for (int c = 0; c < nch; c++)
            for (size_t i = 0; i < n; i++) pmax = l->fpeak[c][i] > pmax ? l->fpeak[c][i] : pmax;
        if ((double)pmax <= l->cth) {
            for (int c = 0; c < nch; c++)
                for (size_t i = 0; i < n; i++) out[c][off + i] = l->delay[c][(l->wpos + i - lat) & dmask];
            l->u += (long long)n;
            l->dq_head = 0;
            l->dq_tail = 1;
            l->dq_val[0] = 1.0;
            l->dq_idx[0] = l->u - 1;
            l->r_prev = 1.0;
            l->ones += n;
            l->wpos = (l->wpos + n) & dmask;
            return;
        }
    }
    /* copy back variables at the end */
    const double rel = l->rel;
    double r_prev = l->r_prev, g = l->g, msum = l->msum, bsum = l->bsum, min_gain = l->min_gain;
    size_t head = l->dq_head, tail = l->dq_tail, mpos = l->mpos, bpos = l->bpos;
    long long u = l->u;
    unsigned long long limited = l->limited, ones = l->ones;
    const double l1l2 = (double)L1 * (double)L2;
    gain_needed(l->need, l->fpeak, nch, n, l->cth);
    for (size_t i = 0; i < n; i++, u++) {
        double r = l->need[i];
        double q = r < r_prev ? r : r_prev;
        ones = q == 1.0 ? ones + 1 : 0;
        r_prev = r;
        while (tail != head && l->dq_val[(tail - 1) & qmask] >= q) tail--;
        l->dq_val[tail & qmask] = q;
        l->dq_idx[tail & qmask] = u;
        tail++;
        while (l->dq_idx[head & qmask] <= u - (long long)L) head++;
        double m = l->dq_val[head & qmask];
        msum += m - l->mring[mpos];
        l->mring[mpos] = m;
        mpos = mpos + 1 == L1 ? 0 : mpos + 1;
        bsum += msum - l->bring[bpos];
        l->bring[bpos] = msum;
        bpos = bpos + 1 == L2 ? 0 : bpos + 1;
        double b = bsum / l1l2;
        /* release; the last 1e-9 is taken at once so the gain can become
         * exactly 1 again (the idle path above needs it) */
        g = b <= g ? b : (b - g < 1e-9 ? b : g + (b - g) * rel);
        if (g < min_gain) min_gain = g;
        limited += g < LIM_ACTIVE;
        size_t rd = (l->wpos + i - lat) & dmask;
        for (int c = 0; c < nch; c++) out[c][off + i] = (float)(l->delay[c][rd] * g);
    }
    /* re-add the ring once per chunk so rounding in the running sum cannot
     * build up over hours of audio */
    msum = 0.0;
    for (size_t k = 0; k < L1; k++) msum += l->mring[k];
    bsum = 0.0;
    for (size_t k = 0; k < L2; k++) bsum += l->bring[k];
    l->bsum = bsum;
    l->bpos = bpos;
    l->r_prev = r_prev;
    l->g = g;
    l->msum = msum;
    l->min_gain = min_gain;
    l->dq_head = head & qmask;
    l->dq_tail = l->dq_head + ((tail - head) & qmask);
    l->mpos = mpos;
    l->u = u;
    l->limited = limited;
    l->ones = ones;
    l->wpos = (l->wpos + n) & dmask;
}

int mm_limiter_process(mm_limiter *l, float *const out[], const float *const in[], size_t frames)
{
    if (!l || (frames && (!out || !in))) return MM_ERR_INVALID_ARG;
    size_t off = 0;
    while (off < frames) {
        size_t n = frames - off < LIM_CHUNK ? frames - off : LIM_CHUNK;
        process_chunk(l, out, in, off, n);
        off += n;
    }
    return MM_OK;
}
