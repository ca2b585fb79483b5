/*
 * Apply an automix plan to the stems, block by block:
 *   fold (panned mono) -> EQ (biquad cascade) -> compressor -> ducking
 *   (compressor keyed by another stem's input) -> gain -> pan -> bus.
 * Everything is allocated at create; the per-stem calls are independent,
 * so a caller may run them on several threads.
 */
#include "mixmaster/automix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/biquad.h"
#include "mixmaster/compressor.h"
#include "mixmaster/mixbus.h"
#include "../dsp/internal.h"

typedef struct rstem {
    int in_ch, work_ch;
    int fold;
    float fold_l, fold_r;  /* mono = fold_l * L + fold_r * R */
    float out_l, out_r;    /* gain times pan gains */
    int key;               /* ducking key stem or -1 */
    mm_biquad_cascade *eq;
    mm_compressor *comp, *duck;
    float *work[2], *out[2];
} rstem;

struct mm_automix_renderer {
    int n;
    size_t max_block, last_frames;
    mm_mixbus *bus;
    rstem st[MM_AUTOMIX_MAX_STEMS];
    const float *const *outs[MM_AUTOMIX_MAX_STEMS];
    float *buf; /* every work and out buffer */
};

static int eq_coeffs(const mm_automix_eq *e, double fs, mm_biquad_coeffs *c)
{
    double f = fmin(e->freq_hz, 0.49 * fs);
    switch (e->kind) {
    case MM_AUTOMIX_EQ_HIGHPASS: return mm_biquad_design(c, MM_BIQUAD_HIGHPASS, fs, f, e->q, 0.0);
    case MM_AUTOMIX_EQ_LOWPASS: return mm_biquad_design(c, MM_BIQUAD_LOWPASS, fs, f, e->q, 0.0);
    default: return mm_biquad_design(c, MM_BIQUAD_PEAK, fs, f, e->q, e->gain_db);
    }
}

mm_automix_renderer *mm_automix_renderer_create(const mm_automix_plan *plan, double sample_rate,
                                                const int channels[], size_t max_block, int *err)
{
    int st = MM_ERR_INVALID_ARG;
    mm_automix_renderer *r = NULL;
    if (!plan || !channels || !(sample_rate >= 8000 && sample_rate <= 384000) || max_block < 1 ||
        max_block > ((size_t)1 << 24) || mm_automix_plan_validate(plan, NULL, 0) != MM_OK)
        goto fail;
    for (int i = 0; i < plan->stem_count; i++)
        if (channels[i] < 1 || channels[i] > 2) goto fail;
    st = MM_ERR_NOMEM;
    r = calloc(1, sizeof *r);
    if (!r) goto fail;
    r->n = plan->stem_count;
    r->max_block = max_block;
    const size_t stride = mm__align_floats(max_block);
    size_t floats;
    if (!mm__size_mul(stride, (size_t)r->n * 4u, &floats)) goto fail;
    r->buf = aligned_alloc(64, floats * sizeof(float));
    if (!r->buf) goto fail;
    memset(r->buf, 0, floats * sizeof(float));
    r->bus = mm_mixbus_create(2, &st);
    if (!r->bus) goto fail;
    for (int i = 0; i < r->n; i++) {
        const mm_automix_stem *s = &plan->stem[i];
        rstem *t = &r->st[i];
        for (int c = 0; c < 2; c++) {
            t->work[c] = r->buf + ((size_t)i * 4u + (size_t)c) * stride;
            t->out[c] = r->buf + ((size_t)i * 4u + 2u + (size_t)c) * stride;
        }
        r->outs[i] = (const float *const *)t->out;
        t->in_ch = channels[i];
        t->fold = t->in_ch == 2 && s->fold_to_mono;
        t->work_ch = (t->in_ch == 2 && !t->fold) ? 2 : 1;
        if (t->fold) {
            /* power-preserving fold of a panned mono source: weights in
             * proportion to the channel amplitudes, so L = a x, R = b x
             * folds back to sqrt(a^2 + b^2) x */
            double phi = atan(pow(10.0, -s->input_balance_db / 20.0));
            t->fold_l = (float)cos(phi);
            t->fold_r = (float)sin(phi);
        }
        mm_automix_stem ps = *s;
        ps.channels = t->in_ch;
        double gl, gr, g = pow(10.0, s->gain_db / 20.0);
        mm_automix_pan_gains(&ps, &gl, &gr);
        t->out_l = (float)(g * gl);
        t->out_r = (float)(g * gr);
        t->key = -1;
        if (s->eq_count > 0) {
            t->eq = mm_biquad_cascade_create(t->work_ch, s->eq_count, &st);
            if (!t->eq) goto fail;
            for (int k = 0; k < s->eq_count; k++) {
                mm_biquad_coeffs c;
                st = eq_coeffs(&s->eq[k], sample_rate, &c);
                if (st != MM_OK) goto fail;
                mm_biquad_cascade_set(t->eq, k, &c);
            }
        }
        if (s->comp.enabled) {
            mm_compressor_config cc = mm_compressor_config_default(sample_rate, t->work_ch);
            cc.threshold_db = s->comp.threshold_db;
            cc.ratio = s->comp.ratio;
            cc.knee_db = s->comp.knee_db;
            cc.attack_ms = s->comp.attack_ms;
            cc.release_ms = s->comp.release_ms;
            cc.makeup_db = s->comp.makeup_db;
            t->comp = mm_compressor_create(&cc, &st);
            if (!t->comp) goto fail;
        }
        if (s->duck.enabled) {
            mm_compressor_config cc = mm_compressor_config_default(sample_rate, t->work_ch);
            cc.threshold_db = s->duck.threshold_db;
            cc.ratio = s->duck.ratio;
            cc.knee_db = 0.0;
            cc.attack_ms = s->duck.attack_ms;
            cc.release_ms = s->duck.release_ms;
            cc.makeup_db = 0.0;
            t->duck = mm_compressor_create(&cc, &st);
            if (!t->duck) goto fail;
            t->key = s->duck.key;
        }
    }
    if (err) *err = MM_OK;
    return r;
fail:
    mm_automix_renderer_destroy(r);
    if (err) *err = st;
    return NULL;
}

/* out[n] = g * x[n]. */
MM_TARGET_CLONES
static void scale_into(float *MM_RESTRICT out, const float *MM_RESTRICT x, float g, size_t frames)
{
    for (size_t n = 0; n < frames; n++) out[n] = g * x[n];
}

/* out[n] = a * l[n] + b * r[n]. */
MM_TARGET_CLONES
static void fold_into(float *MM_RESTRICT out, const float *MM_RESTRICT l, const float *MM_RESTRICT r, float a, float b,
                      size_t frames)
{
    for (size_t n = 0; n < frames; n++) out[n] = a * l[n] + b * r[n];
}

int mm_automix_renderer_stem(mm_automix_renderer *r, int i, const float *const in[], const float *const key_in[],
                             size_t frames)
{
    if (!r || i < 0 || i >= r->n || !in || frames > r->max_block) return MM_ERR_INVALID_ARG;
    rstem *t = &r->st[i];
    if (t->duck && !key_in) return MM_ERR_INVALID_ARG;
    if (t->fold) fold_into(t->work[0], in[0], in[1], t->fold_l, t->fold_r, frames);
    else
        for (int c = 0; c < t->work_ch; c++) memcpy(t->work[c], in[c], frames * sizeof(float));
    if (t->eq) mm_biquad_cascade_process(t->eq, t->work, (const float *const *)t->work, frames);
    if (t->comp) mm_compressor_process(t->comp, t->work, (const float *const *)t->work, NULL, 0, frames);
    if (t->duck) mm_compressor_process(t->duck, t->work, (const float *const *)t->work, key_in, r->st[t->key].in_ch, frames);
    scale_into(t->out[0], t->work[0], t->out_l, frames);
    scale_into(t->out[1], t->work[t->work_ch - 1], t->out_r, frames);
    return MM_OK;
}

const float *const *mm_automix_renderer_stem_output(const mm_automix_renderer *r, int i)
{
    return (r && i >= 0 && i < r->n) ? r->outs[i] : NULL;
}

int mm_automix_renderer_sum(mm_automix_renderer *r, float *const mix[], size_t frames)
{
    if (!r || !mix || frames > r->max_block) return MM_ERR_INVALID_ARG;
    r->last_frames = frames;
    return mm_mixbus_sum(r->bus, mix, r->outs, r->n, frames);
}

void mm_automix_renderer_bus_peak(const mm_automix_renderer *r, double *sample_dbfs, double *true_dbtp)
{
    double sp = 0, tp = 0;
    mm_mixbus_peaks(r ? r->bus : NULL, &sp, &tp);
    if (sample_dbfs) *sample_dbfs = sp > 0 ? 20.0 * log10(sp) : -INFINITY;
    if (true_dbtp) *true_dbtp = tp > 0 ? 20.0 * log10(tp) : -INFINITY;
}

void mm_automix_renderer_reduction(const mm_automix_renderer *r, int i, double *comp_max_db, double *duck_max_db)
{
    const rstem *t = (r && i >= 0 && i < r->n) ? &r->st[i] : NULL;
    if (comp_max_db) *comp_max_db = (t && t->comp) ? mm_compressor_max_reduction_db(t->comp) : 0.0;
    if (duck_max_db) *duck_max_db = (t && t->duck) ? mm_compressor_max_reduction_db(t->duck) : 0.0;
}

void mm_automix_renderer_reset(mm_automix_renderer *r)
{
    if (!r) return;
    for (int i = 0; i < r->n; i++) {
        mm_biquad_cascade_reset(r->st[i].eq);
        mm_compressor_reset(r->st[i].comp);
        mm_compressor_reset(r->st[i].duck);
    }
    mm_mixbus_reset(r->bus);
}

void mm_automix_renderer_destroy(mm_automix_renderer *r)
{
    if (!r) return;
    for (int i = 0; i < r->n; i++) {
        mm_biquad_cascade_destroy(r->st[i].eq);
        mm_compressor_destroy(r->st[i].comp);
        mm_compressor_destroy(r->st[i].duck);
    }
    mm_mixbus_destroy(r->bus);
    free(r->buf);
    free(r);
}
