/*
 * Gain, pan law and planar buffer helpers. See include/mixmaster/gain.h.
 *
 * The per-sample kernels are plain loops written so that GCC vectorises
 * them; MM_TARGET_CLONES builds AVX-512, AVX2 and SSE2 bodies and the loader
 * picks one. The project compiles as ISO C (-std=c11), where GCC does not
 * contract a * b + c into a fused multiply-add, so every clone rounds exactly
 * like the scalar expression in the header.
 */
#include "mixmaster/gain.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Independent running maxima in mm_peak_abs: one 512-bit vector of floats.
 * A single max reduction would not vectorise (GCC does not reorder float max
 * without -ffast-math); 16 lanes do, on every clone. */
#define GAIN_PEAK_LANES 16
/* Alignment of each channel of a planar buffer: a cache line, and the
 * widest vector load (AVX-512). */
#define GAIN_PLANAR_ALIGN 64u

double mm_db_to_gain(double db)
{
    return pow(10.0, db / 20.0);
}

double mm_gain_to_db(double gain)
{
    if (gain <= 0.0) return -INFINITY;
    return 20.0 * log10(gain);
}

void mm_pan_gains(double pan, double *left, double *right)
{
    if (isnan(pan)) pan = 0.0; /* no direction given: centre */
    if (pan < -1.0) pan = -1.0;
    if (pan > 1.0) pan = 1.0;
    /* cos(p pi/2) is written as sin((1 - p) pi/2) with 1 - p = (1 - pan)/2
     * computed from pan directly: sin(0) is exactly 0 at the hard positions
     * (cos(pi/2) is 6e-17), and pan and -pan give exactly mirrored gains. */
    const double p = (pan + 1.0) * 0.5, q = (1.0 - pan) * 0.5;
    const double l = sin(q * (M_PI / 2.0)), r = sin(p * (M_PI / 2.0));
    if (left) *left = l;
    if (right) *right = r;
}

MM_TARGET_CLONES
void mm_gain_apply(float *x, size_t frames, float gain)
{
    if (!x) return;
    for (size_t n = 0; n < frames; n++) x[n] *= gain;
}

/* No restrict: out may equal a or b. GCC vectorises with a runtime overlap
 * check, and out == a or out == b is safe either way because element n of
 * the output depends only on element n of the inputs. */
MM_TARGET_CLONES
void mm_mix2(float *out, const float *a, float ga, const float *b, float gb, size_t frames)
{
    if (!out || !a || !b) return;
    for (size_t n = 0; n < frames; n++) out[n] = a[n] * ga + b[n] * gb;
}

/*
 * Legend:  m[l]  running max of |x[n]| over n % 16 == l (after the start)
 *          a     |x[n]| if finite, else 0; NaN fails the <= test as well
 */
MM_TARGET_CLONES
float mm_peak_abs(const float *x, size_t frames)
{
    if (!x) return 0.0f;
    float m[GAIN_PEAK_LANES] = {0};
    size_t n = 0;
    for (; n + GAIN_PEAK_LANES <= frames; n += GAIN_PEAK_LANES)
        for (int l = 0; l < GAIN_PEAK_LANES; l++) {
            const float a = fabsf(x[n + l]);
            const float v = a <= FLT_MAX ? a : 0.0f;
            m[l] = v > m[l] ? v : m[l];
        }
    for (size_t l = 0; n + l < frames; l++) {
        const float a = fabsf(x[n + l]);
        const float v = a <= FLT_MAX ? a : 0.0f;
        m[l] = v > m[l] ? v : m[l];
    }
    float best = 0.0f;
    for (int l = 0; l < GAIN_PEAK_LANES; l++) best = m[l] > best ? m[l] : best;
    return best;
}

float **mm_planar_alloc(int channels, size_t frames, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    if (channels < 1) {
        *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    /* One allocation: [channels pointers, padded to 64 bytes][channel 0]
     * [channel 1]..., each channel padded to a multiple of 16 floats. */
    const size_t nch = (size_t)channels;
    size_t head, padded, data, bytes;
    if (!mm__size_mul(nch, sizeof(float *), &head) || !mm__size_add(head, GAIN_PLANAR_ALIGN - 1u, &head) ||
        !mm__size_add(frames, 15u, &padded) || /* mm__align_floats(frames) cannot wrap */
        !mm__size_mul(nch, mm__align_floats(frames), &data) || !mm__size_mul(data, sizeof(float), &data) ||
        !mm__size_add(head & ~(size_t)(GAIN_PLANAR_ALIGN - 1u), data, &bytes)) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    head &= ~(size_t)(GAIN_PLANAR_ALIGN - 1u);
    const size_t stride = mm__align_floats(frames);
    unsigned char *mem = aligned_alloc(GAIN_PLANAR_ALIGN, bytes); /* bytes is a multiple of 64 */
    if (!mem) {
        *err = MM_ERR_NOMEM;
        return NULL;
    }
    float **ptr = (float **)(void *)mem;
    float *base = (float *)(void *)(mem + head);
    if (data) memset(base, 0, data);
    for (size_t c = 0; c < nch; c++) ptr[c] = base + c * stride;
    *err = MM_OK;
    return ptr;
}

void mm_planar_free(float **buf)
{
    free(buf);
}

/*
 * Stereo is the common case and gets its own loop: with the channel count
 * a constant GCC turns the two strided streams into shuffles.
 * IN in[0, 2*frames-1]  OUT l[0, frames-1], r[0, frames-1]
 */
static inline void gain_deinterleave2(float *MM_RESTRICT l, float *MM_RESTRICT r,
                                      const float *MM_RESTRICT in, size_t frames)
{
    for (size_t n = 0; n < frames; n++) {
        l[n] = in[2 * n];
        r[n] = in[2 * n + 1];
    }
}

static inline void gain_interleave2(float *MM_RESTRICT out, const float *MM_RESTRICT l,
                                    const float *MM_RESTRICT r, size_t frames)
{
    for (size_t n = 0; n < frames; n++) {
        out[2 * n] = l[n];
        out[2 * n + 1] = r[n];
    }
}

MM_TARGET_CLONES
void mm_deinterleave(float *const out[], const float *in, int channels, size_t frames)
{
    if (!out || !in || channels < 1) return;
    const size_t nch = (size_t)channels;
    if (channels == 1) {
        if (out[0] != in) memmove(out[0], in, frames * sizeof(float));
        return;
    }
    if (channels == 2) {
        gain_deinterleave2(out[0], out[1], in, frames);
        return;
    }
    for (size_t c = 0; c < nch; c++) {
        float *MM_RESTRICT dst = out[c];
        const float *MM_RESTRICT src = in + c;
        for (size_t n = 0; n < frames; n++) dst[n] = src[n * nch];
    }
}

MM_TARGET_CLONES
void mm_interleave(float *out, const float *const in[], int channels, size_t frames)
{
    if (!out || !in || channels < 1) return;
    const size_t nch = (size_t)channels;
    if (channels == 1) {
        if (in[0] != out) memmove(out, in[0], frames * sizeof(float));
        return;
    }
    if (channels == 2) {
        gain_interleave2(out, in[0], in[1], frames);
        return;
    }
    for (size_t c = 0; c < nch; c++) {
        float *MM_RESTRICT dst = out + c;
        const float *MM_RESTRICT src = in[c];
        for (size_t n = 0; n < frames; n++) dst[n * nch] = src[n];
    }
}
