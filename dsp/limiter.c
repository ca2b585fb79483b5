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

#include "mixmaster/truepeak.h"
#include "internal.h"

#define LIM_CHUNK 1024u
#define LIM_MAX_CHANNELS 64
/* Gain below this counts as limiting in mm_limiter_limited_frames (-0.01 dB). */
#define LIM_ACTIVE 0.998849

struct mm_limiter {
    mm_limiter_config cfg;
    int nch;
    mm_truepeak *tp;
    size_t D, L, latency;
    double cth;          /* linear detection ceiling */
    double rel;          /* release coefficient a */
    size_t dmask;        /* delay ring mask */
    size_t qmask;        /* deque ring mask (>= L + 1 entries) */
    size_t mlen;         /* L: length of the m ring */
    float *delay[LIM_MAX_CHANNELS];
    float *clean[LIM_MAX_CHANNELS];
    float *fpeak[LIM_MAX_CHANNELS];
    double *dq_val;      /* deque values */
    long long *dq_idx;   /* deque indices */
    double *mring;
    void *mem;
    /* cleared by reset */
    size_t wpos;         /* frames written to the delay ring (mod size) */
    long long u;         /* next detected frame index */
    size_t dq_head, dq_tail; /* deque occupies [head, tail) mod size */
    size_t mpos;
    double msum;
    double r_prev, g;
    double min_gain;
    unsigned long long limited;
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
    c.oversample = 8;
    c.margin_db = 0.1;
    return c;
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

void mm_limiter_destroy(mm_limiter *l)
{
    if (!l) return;
    mm_truepeak_destroy(l->tp);
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
        !(cfg->release_ms >= 1.0 && cfg->release_ms <= 5000.0) || (cfg->oversample != 4 && cfg->oversample != 8) ||
        !(cfg->margin_db >= 0.0 && cfg->margin_db <= 3.0))
        goto fail;
    e = MM_ERR_NOMEM;
    l = calloc(1, sizeof *l);
    if (!l) goto fail;
    l->cfg = *cfg;
    l->nch = cfg->channels;
    mm_truepeak_config tc = mm_truepeak_config_default(cfg->channels);
    tc.oversample = cfg->oversample;
    l->tp = mm_truepeak_create(&tc, &e);
    if (!l->tp) goto fail;
    l->D = (size_t)mm_truepeak_latency(l->tp);
    l->L = (size_t)floor(cfg->lookahead_ms * 1e-3 * cfg->sample_rate + 0.5);
    if (l->L < 1) l->L = 1;
    l->latency = l->D + l->L - 1;
    l->cth = pow(10.0, (cfg->ceiling_dbtp - cfg->margin_db) / 20.0);
    l->rel = 1.0 - exp(-1.0 / (cfg->release_ms * 1e-3 * cfg->sample_rate));
    size_t dsize = pow2_at_least(l->latency + LIM_CHUNK + 1);
    l->dmask = dsize - 1;
    size_t qsize = pow2_at_least(l->L + 2);
    l->qmask = qsize - 1;
    l->mlen = l->L;
    size_t chunk = mm__align_floats(LIM_CHUNK);
    size_t floats = (size_t)l->nch * (dsize + 2 * chunk);
    size_t bytes = floats * sizeof(float) + qsize * (sizeof(double) + sizeof(long long)) +
                   l->mlen * sizeof(double) + 128;
    e = MM_ERR_NOMEM;
    l->mem = calloc(1, bytes);
    if (!l->mem) goto fail;
    double *d = (double *)l->mem;
    l->dq_val = d;
    l->mring = d + qsize;
    l->dq_idx = (long long *)(void *)(d + qsize + l->mlen);
    float *f = (float *)(void *)(l->dq_idx + qsize);
    f = (float *)(void *)(((uintptr_t)f + 63u) & ~(uintptr_t)63u);
    for (int c = 0; c < l->nch; c++) {
        l->delay[c] = f; f += dsize;
        l->clean[c] = f; f += chunk;
        l->fpeak[c] = f; f += chunk;
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
    mm_truepeak_reset(l->tp);
    for (int c = 0; c < l->nch; c++) memset(l->delay[c], 0, (l->dmask + 1) * sizeof(float));
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
    l->r_prev = 1.0;
    l->g = 1.0;
    l->min_gain = 1.0;
    l->limited = 0;
}

size_t mm_limiter_latency(const mm_limiter *l) { return l ? l->latency : 0; }

double mm_limiter_max_reduction_db(const mm_limiter *l)
{
    return (l && l->min_gain < 1.0) ? -20.0 * log10(l->min_gain) : 0.0;
}

unsigned long long mm_limiter_limited_frames(const mm_limiter *l) { return l ? l->limited : 0; }

/*
 * One chunk of n <= LIM_CHUNK frames.
 * Legend:
 *   p        largest interpolated magnitude over the channels, frame u
 *   r, q     gain frame u needs; q also covers the interval before it
 *   dq_*     monotonic deque of (index, q), increasing values from head
 *   m        sliding minimum over the last L q's = m[u-L+1]
 *   msum     running sum of the last L m's; b = msum / L
 *   g        released gain, applied to delayed frame u-L+1
 */
static void process_chunk(mm_limiter *l, float *const out[], const float *const in[], size_t off, size_t n)
{
    const int nch = l->nch;
    const size_t dmask = l->dmask, qmask = l->qmask, L = l->L, lat = l->latency;
    for (int c = 0; c < nch; c++) {
        const float *x = in[c] + off;
        float *cl = l->clean[c], *dl = l->delay[c];
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            v = fabsf(v) <= FLT_MAX ? v : 0.0f;
            cl[i] = v;
            dl[(l->wpos + i) & dmask] = v;
        }
    }
    mm_truepeak_process(l->tp, (const float *const *)l->clean, n, l->fpeak);
    /* copy back variables at the end */
    const double cth = l->cth, rel = l->rel, invL = 1.0 / (double)L;
    double r_prev = l->r_prev, g = l->g, msum = l->msum, min_gain = l->min_gain;
    size_t head = l->dq_head, tail = l->dq_tail, mpos = l->mpos;
    long long u = l->u;
    unsigned long long limited = l->limited;
    for (size_t i = 0; i < n; i++, u++) {
        float pk = l->fpeak[0][i];
        for (int c = 1; c < nch; c++) pk = l->fpeak[c][i] > pk ? l->fpeak[c][i] : pk;
        double r = (double)pk > cth ? cth / (double)pk : 1.0;
        double q = r < r_prev ? r : r_prev;
        r_prev = r;
        while (tail != head && l->dq_val[(tail - 1) & qmask] >= q) tail--;
        l->dq_val[tail & qmask] = q;
        l->dq_idx[tail & qmask] = u;
        tail++;
        while (l->dq_idx[head & qmask] <= u - (long long)L) head++;
        double m = l->dq_val[head & qmask];
        msum += m - l->mring[mpos];
        l->mring[mpos] = m;
        mpos = mpos + 1 == L ? 0 : mpos + 1;
        double b = msum * invL;
        g = b <= g ? b : g + (b - g) * rel;
        if (g < min_gain) min_gain = g;
        limited += g < LIM_ACTIVE;
        size_t rd = (l->wpos + i - lat) & dmask;
        for (int c = 0; c < nch; c++) out[c][off + i] = (float)(l->delay[c][rd] * g);
    }
    /* re-add the ring once per chunk so rounding in the running sum cannot
     * build up over hours of audio */
    msum = 0.0;
    for (size_t k = 0; k < L; k++) msum += l->mring[k];
    l->r_prev = r_prev;
    l->g = g;
    l->msum = msum;
    l->min_gain = min_gain;
    l->dq_head = head & qmask;
    l->dq_tail = l->dq_head + ((tail - head) & qmask);
    l->mpos = mpos;
    l->u = u;
    l->limited = limited;
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
