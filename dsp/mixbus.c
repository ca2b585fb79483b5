/* Float summing bus with sample- and true-peak metering. */
#include "mixmaster/mixbus.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/gain.h"
#include "mixmaster/truepeak.h"
#include "internal.h"

struct mm_mixbus {
    int channels;
    mm_truepeak *tp;
    double sample_peak;
};

mm_mixbus *mm_mixbus_create(int channels, int *err)
{
    int st = MM_ERR_INVALID_ARG;
    mm_mixbus *b = NULL;
    if (channels < 1 || channels > 64) goto fail;
    st = MM_ERR_NOMEM;
    b = calloc(1, sizeof *b);
    if (!b) goto fail;
    b->channels = channels;
    mm_truepeak_config tc = mm_truepeak_config_default(channels);
    b->tp = mm_truepeak_create(&tc, &st);
    if (!b->tp) goto fail;
    if (err) *err = MM_OK;
    return b;
fail:
    mm_mixbus_destroy(b);
    if (err) *err = st;
    return NULL;
}

/* dst[n] += src[n], n = 0..frames-1. */
MM_TARGET_CLONES
static void add_into(float *MM_RESTRICT dst, const float *MM_RESTRICT src, size_t frames)
{
    for (size_t n = 0; n < frames; n++) dst[n] += src[n];
}

int mm_mixbus_sum(mm_mixbus *b, float *const out[], const float *const *const inputs[], int count, size_t frames)
{
    if (!b || !out || (!inputs && count > 0) || count < 0) return MM_ERR_INVALID_ARG;
    for (int c = 0; c < b->channels; c++) {
        memset(out[c], 0, frames * sizeof(float));
        for (int k = 0; k < count; k++)
            if (inputs[k]) add_into(out[c], inputs[k][c], frames);
        float p = mm_peak_abs(out[c], frames);
        if (p > b->sample_peak) b->sample_peak = p;
    }
    return mm_truepeak_process(b->tp, (const float *const *)out, frames, NULL);
}

void mm_mixbus_peaks(const mm_mixbus *b, double *sample_peak, double *true_peak)
{
    double sp = b ? b->sample_peak : 0.0;
    double tp = b ? mm_truepeak_max(b->tp, -1) : 0.0;
    if (sample_peak) *sample_peak = sp;
    if (true_peak) *true_peak = tp > sp ? tp : sp;
}

void mm_mixbus_reset(mm_mixbus *b)
{
    if (!b) return;
    b->sample_peak = 0;
    mm_truepeak_reset(b->tp);
}

void mm_mixbus_destroy(mm_mixbus *b)
{
    if (!b) return;
    mm_truepeak_destroy(b->tp);
    free(b);
}
