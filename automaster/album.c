/*
 * Album consistency. See include/mixmaster/album.h for the gain rule.
 */
#include "mixmaster/album.h"
#include "../dsp/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

mm_album_config mm_album_config_default(const mm_preset *preset)
{
    mm_album_config c;
    memset(&c, 0, sizeof c);
    c.preset = preset;
    c.spread_warn_lu = 2.0;
    c.tonal_warn_db = 3.0;
    c.plr_outlier_db = 3.0;
    c.fade_min_drop_lu = 10.0;
    c.fade_min_s = 1.0;
    return c;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of n values (sorts a copy in tmp). */
static double median(const double *v, size_t n, double *tmp)
{
    memcpy(tmp, v, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/*
 * A fade at one end of the momentary series: walking inward from the last
 * (or first) audible point, the loudness keeps rising (1 LU of ripple
 * allowed) for at least min_s and at least min_drop. Returns its length in
 * seconds, or 0 when there is none.
 */
static double fade(const mm_analysis *a, int at_end, const mm_album_config *cfg)
{
    const float *m = a->momentary_series;
    const size_t n = a->loudness_series_count;
    const double step = a->loudness_series_step_s;
    if (!m || n < 4 || !(step > 0.0)) return 0.0;
    /* first audible point from that end */
    size_t k = 0;
    while (k < n && !isfinite(m[at_end ? n - 1 - k : k])) k++;
    if (k >= n) return 0.0;
    const size_t start = k;
    const double quiet = m[at_end ? n - 1 - k : k];
    double peak = quiet;
    size_t end = k;
    for (size_t j = k + 1; j < n; j++) {
        const float v = m[at_end ? n - 1 - j : j];
        if (!isfinite(v) || v < peak - 1.0) break; /* stops rising */
        if (v > peak) {
            peak = v;
            end = j;
        }
    }
    /* the fade ends (walking inward) where it first comes within 1 LU of
     * the level it reaches, not where that plateau happens to peak */
    for (size_t j = start; j < end; j++) {
        const float v = m[at_end ? n - 1 - j : j];
        if (isfinite(v) && v >= peak - 1.0) {
            end = j;
            break;
        }
    }
    const double dur = (double)(end - start) * step, drop = peak - quiet;
    return dur >= cfg->fade_min_s && drop >= cfg->fade_min_drop_lu ? dur : 0.0;
}

int mm_album_analyze(const mm_album_config *cfg, const mm_album_input *in, size_t n, mm_album_track *tracks,
                     mm_album_result *out)
{
    if (!cfg || !in || !n || !tracks || !out) return MM_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    memset(tracks, 0, n * sizeof *tracks);
    out->count = n;
    out->target_lufs = cfg->preset && cfg->preset->has_loudness_target ? cfg->preset->integrated_lufs : NAN;
    int rc = MM_OK;
    double *v = malloc(4 * n * sizeof(double));
    const mm_loudness **meters = malloc(n * sizeof *meters);
    double *gains = v + n, *tmp = v + 2 * n, *plr = v + 3 * n;
    size_t *idx = malloc(n * sizeof *idx);
    if (!v || !meters || !idx) {
        rc = MM_ERR_NOMEM;
        goto out;
    }
    /* the tracks with loudness */
    size_t m = 0, nplr = 0;
    double peak = -INFINITY, lo = INFINITY, hi = -INFINITY, loudest = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const mm_analysis *a = in[i].analysis;
        if (!a) {
            rc = MM_ERR_INVALID_ARG;
            goto out;
        }
        tracks[i].loudest_section_lufs = a->shortterm_max_lufs;
        tracks[i].fade_in_s = fade(a, 0, cfg);
        tracks[i].fade_out_s = fade(a, 1, cfg);
        if (a->true_peak_dbtp.reason == MM_REASON_NONE) peak = fmax(peak, a->true_peak_dbtp.value);
        if (a->integrated_lufs.reason || a->shortterm_max_lufs.reason || !in[i].meter) continue;
        v[m] = a->shortterm_max_lufs.value;
        lo = fmin(lo, v[m]);
        hi = fmax(hi, v[m]);
        meters[m] = in[i].meter;
        idx[m] = i;
        if (a->integrated_lufs.value > loudest) {
            loudest = a->integrated_lufs.value;
            out->loudest_track = i;
        }
        if (a->plr_db.reason == MM_REASON_NONE) plr[nplr++] = a->plr_db.value;
        m++;
    }
    out->album_peak_dbtp = isfinite(peak) ? peak : -200.0;
    if (m == 0) {
        rc = MM_ERR_NO_VALUE;
        goto out;
    }
    out->loudest_section_spread_lu = hi - lo;
    out->spread_warn = hi - lo > cfg->spread_warn_lu;
    for (size_t k = 0; k < m; k++) tmp[k] = in[idx[k]].analysis->integrated_lufs.value;
    memcpy(gains, tmp, m * sizeof *gains);
    out->median_lufs = median(gains, m, tmp);
    out->plr_median_db = nplr ? median(plr, nplr, tmp) : NAN;
    mm_loudness_pooled(meters, NULL, m, &out->album_lufs, &out->album_lra_lu);

    /* tonal mean and deviations */
    for (int b = 0; b < MM_TONAL_BANDS; b++) {
        double s = 0.0;
        size_t c = 0;
        for (size_t k = 0; k < m; k++) {
            const mm_measure t = in[idx[k]].analysis->tonal_mid_db[b];
            if (t.reason == MM_REASON_NONE) {
                s += t.value;
                c++;
            }
        }
        out->tonal_mean_db[b] = c ? s / (double)c : NAN;
    }
    for (size_t i = 0; i < n; i++) {
        const mm_analysis *a = in[i].analysis;
        for (int b = 0; b < MM_TONAL_BANDS; b++) {
            const mm_measure t = a->tonal_mid_db[b];
            if (t.reason || !isfinite(out->tonal_mean_db[b])) {
                tracks[i].tonal_deviation_db[b] = t.reason ? t : mm__none(MM_REASON_NOT_MEASURED);
                continue;
            }
            const double d = t.value - out->tonal_mean_db[b];
            tracks[i].tonal_deviation_db[b] = mm__ok(d);
            if (fabs(d) > cfg->tonal_warn_db) tracks[i].tonal_warn = 1;
        }
        if (a->plr_db.reason == MM_REASON_NONE && isfinite(out->plr_median_db) &&
            fabs(a->plr_db.value - out->plr_median_db) > cfg->plr_outlier_db)
            tracks[i].dynamics_outlier = 1;
    }

    /* gains: loudest sections to a common level X; X from the target */
    for (size_t k = 0; k < m; k++) gains[k] = -v[k];
    double x;
    if (isfinite(out->target_lufs)) {
        mm_measure at0;
        mm_loudness_pooled(meters, gains, m, &at0, NULL);
        x = at0.reason == MM_REASON_NONE ? out->target_lufs - at0.value : median(v, m, tmp);
    } else {
        x = median(v, m, tmp);
    }
    out->common_section_lufs = x;
    for (size_t k = 0; k < m; k++) gains[k] += x;
    mm_loudness_pooled(meters, gains, m, &out->album_lufs_after, NULL);
    const double ceil = cfg->preset ? cfg->preset->true_peak_dbtp : -1.0;
    out->ceiling_dbtp = cfg->preset && isfinite(out->target_lufs) ? mm_preset_ceiling_dbtp(cfg->preset, out->target_lufs) : ceil;
    for (size_t k = 0; k < m; k++) {
        mm_album_track *t = &tracks[idx[k]];
        const mm_analysis *a = in[idx[k]].analysis;
        t->suggested_gain_db = gains[k];
        t->predicted_true_peak_dbtp = a->true_peak_dbtp.reason ? -200.0 : a->true_peak_dbtp.value + gains[k];
        t->limiting_db = fmax(0.0, t->predicted_true_peak_dbtp - out->ceiling_dbtp);
    }
out:
    free(v);
    free(meters);
    free(idx);
    return rc;
}
