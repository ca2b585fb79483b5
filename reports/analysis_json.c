/* Analysis results as JSON (cJSON). Schema: include/mixmaster/report.h and
 * the README's "JSON output" section. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mixmaster/report.h"
#define MM_JSON_ATTACH_FREES /* see internal.h */
#include "internal.h"

mm_report_options mm_report_options_default(void)
{
    mm_report_options o = {1, NULL};
    return o;
}

void mm_report_free(char *s) { free(s); }

/* The one piece of mutable state in reports/: see internal.h. */
static _Thread_local int json_alloc_failed;

void mm__json_begin(void) { json_alloc_failed = 0; }
int mm__json_failed(void) { return json_alloc_failed; }

cJSON *mm__json_ok(cJSON *item)
{
    if (!item) json_alloc_failed = 1;
    return item;
}

/* The printed tree, or NULL (freeing it) when any member went missing. */
char *mm__json_finish(char *printed)
{
    if (printed && json_alloc_failed) {
        cJSON_free(printed);
        return NULL;
    }
    return printed;
}

/* Round to `digits` decimals so that reports read 0.1 rather than
 * 0.10000000000000001; values far beyond any level are left alone. */
static double rounded(double x, int digits)
{
    double p = pow(10.0, digits);
    double r = round(x * p) / p;
    return isfinite(r) ? r : x;
}

/* Number or null; cJSON would print NaN as null too, but say it plainly. */
void mm__json_num(cJSON *o, const char *key, double v, int digits)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, rounded(v, digits));
    else cJSON_AddNullToObject(o, key);
}

/* Add a measure; a missing value becomes null plus an entry in "null_reasons". */
void mm__json_measure(cJSON *o, const char *key, mm_measure m, int digits)
{
    if (m.reason == MM_REASON_NONE && isfinite(m.value)) {
        cJSON_AddNumberToObject(o, key, rounded(m.value, digits));
        return;
    }
    cJSON_AddNullToObject(o, key);
    cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "null_reasons");
    if (!why) why = cJSON_AddObjectToObject(o, "null_reasons");
    if (why) cJSON_AddStringToObject(why, key, mm_reason_string(m.reason == MM_REASON_NONE ? MM_REASON_SILENT : m.reason));
}

cJSON *mm__json_measure_array(const mm_measure *m, size_t n, int digits)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *v = (m[i].reason == MM_REASON_NONE && isfinite(m[i].value))
                       ? cJSON_CreateNumber(rounded(m[i].value, digits))
                       : cJSON_CreateNull();
        cJSON_AddItemToArray(a, v);
    }
    return a;
}

/* The first non-value reason of an array, for the object's null_reasons. */
static void note_array_reason(cJSON *o, const char *key, const mm_measure *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].reason == MM_REASON_NONE) continue;
        cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "null_reasons");
        if (!why) why = cJSON_AddObjectToObject(o, "null_reasons");
        char k[64];
        snprintf(k, sizeof k, "%s[%zu]", key, i);
        if (why) cJSON_AddStringToObject(why, k, mm_reason_string(m[i].reason));
        return;
    }
}

static cJSON *float_series(const float *x, size_t n, int digits)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, isfinite(x[i]) ? cJSON_CreateNumber(rounded(x[i], digits)) : cJSON_CreateNull());
    return a;
}

static cJSON *events_json(const mm_event *ev, size_t n, const char *peak_key)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (!e) break;
        mm__json_num(e, "time_s", ev[i].time_s, 6);
        mm__json_num(e, "duration_s", ev[i].duration_s, 6);
        cJSON_AddNumberToObject(e, "channel", ev[i].channel);
        mm__json_num(e, peak_key, ev[i].peak_db, 3);
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

static void add_format(cJSON *f, const mm_file_info *info, const mm_analysis *r)
{
    if (info->container) cJSON_AddStringToObject(f, "container", info->container);
    if (info->encoding) cJSON_AddStringToObject(f, "encoding", info->encoding);
    if (info->bit_depth > 0) cJSON_AddNumberToObject(f, "bit_depth", info->bit_depth);
    else {
        cJSON_AddNullToObject(f, "bit_depth");
        cJSON *why = cJSON_AddObjectToObject(f, "null_reasons");
        if (why) cJSON_AddStringToObject(why, "bit_depth", info->lossy ? "lossy_codec" : "unknown");
    }
    cJSON_AddBoolToObject(f, "float", info->is_float);
    cJSON_AddBoolToObject(f, "lossy", info->lossy);
    cJSON_AddNumberToObject(f, "sample_rate_hz", r->sample_rate);
    cJSON_AddNumberToObject(f, "channels", r->channels);
    cJSON_AddNumberToObject(f, "frames", (double)r->frames);
    mm__json_num(f, "duration_s", r->duration_s, 6);
}

cJSON *mm__report_file_json(const mm_file_result *fr, const mm_report_options *opt)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "path", fr->info.path ? fr->info.path : "");
    const mm_analysis *r = fr->analysis;
    if (!r) {
        cJSON_AddStringToObject(o, "status", "error");
        cJSON_AddStringToObject(o, "error", fr->error ? fr->error : "unknown error");
        return o;
    }
    cJSON_AddStringToObject(o, "status", "ok");
    add_format(cJSON_AddObjectToObject(o, "format"), &fr->info, r);

    cJSON *l = cJSON_AddObjectToObject(o, "loudness");
    mm__json_measure(l, "integrated_lufs", r->integrated_lufs, 2);
    mm__json_measure(l, "loudness_range_lu", r->loudness_range_lu, 2);
    mm__json_measure(l, "momentary_max_lufs", r->momentary_max_lufs, 2);
    mm__json_measure(l, "shortterm_max_lufs", r->shortterm_max_lufs, 2);
    mm__json_measure(l, "sample_peak_dbfs", r->sample_peak_dbfs, 2);
    mm__json_measure(l, "true_peak_dbtp", r->true_peak_dbtp, 2);
    cJSON_AddNumberToObject(l, "true_peak_oversampling", r->true_peak_oversample);
    cJSON_AddStringToObject(l, "mono_convention",
                            r->channels != 1 ? "not_mono" : r->dual_mono ? "dual_mono" : "single_channel");

    cJSON *d = cJSON_AddObjectToObject(o, "dynamics");
    mm__json_measure(d, "plr_db", r->plr_db, 2);
    mm__json_measure(d, "psr_db", r->psr_db, 2);
    mm__json_measure(d, "crest_db", r->crest_db, 2);
    mm__json_measure(d, "rms_dbfs", r->rms_dbfs, 2);

    cJSON *s = cJSON_AddObjectToObject(o, "spectrum");
    cJSON_AddStringToObject(s, "level_convention", "aes17_sine_amplitude_db");
    cJSON *t = cJSON_AddObjectToObject(s, "third_octave");
    cJSON *fc = cJSON_CreateArray();
    for (int b = 0; fc && b < MM_THIRD_OCTAVE_BANDS; b++)
        cJSON_AddItemToArray(fc, cJSON_CreateNumber(rounded(r->band_center_hz[b], 2)));
    cJSON_AddItemToObject(t, "center_hz", fc);
    cJSON_AddItemToObject(t, "mid_db", mm__json_measure_array(r->mid_band_db, MM_THIRD_OCTAVE_BANDS, 2));
    note_array_reason(t, "mid_db", r->mid_band_db, MM_THIRD_OCTAVE_BANDS);
    cJSON_AddItemToObject(t, "side_db", mm__json_measure_array(r->side_band_db, MM_THIRD_OCTAVE_BANDS, 2));
    note_array_reason(t, "side_db", r->side_band_db, MM_THIRD_OCTAVE_BANDS);
    cJSON_AddItemToObject(t, "correlation", mm__json_measure_array(r->band_correlation, MM_THIRD_OCTAVE_BANDS, 3));
    note_array_reason(t, "correlation", r->band_correlation, MM_THIRD_OCTAVE_BANDS);
    cJSON *tb = cJSON_AddObjectToObject(s, "tonal_balance");
    cJSON *edges = cJSON_CreateDoubleArray(mm_tonal_band_edges_hz, MM_TONAL_BANDS + 1);
    cJSON_AddItemToObject(tb, "band_edges_hz", edges);
    cJSON_AddStringToObject(tb, "reference", "relative_to_20hz_20khz_total");
    cJSON_AddItemToObject(tb, "mid_db", mm__json_measure_array(r->tonal_mid_db, MM_TONAL_BANDS, 2));
    note_array_reason(tb, "mid_db", r->tonal_mid_db, MM_TONAL_BANDS);
    cJSON_AddItemToObject(tb, "side_db", mm__json_measure_array(r->tonal_side_db, MM_TONAL_BANDS, 2));
    note_array_reason(tb, "side_db", r->tonal_side_db, MM_TONAL_BANDS);

    cJSON *st = cJSON_AddObjectToObject(o, "stereo");
    mm__json_measure(st, "correlation", r->correlation, 4);
    mm__json_measure(st, "correlation_below_120hz", r->correlation_low, 4);
    mm__json_measure(st, "correlation_min", r->correlation_min, 4);
    mm__json_measure(st, "negative_correlation_s", r->negative_correlation_s, 2);
    mm__json_measure(st, "side_to_mid_db", r->side_mid_db, 2);
    mm__json_measure(st, "side_to_mid_below_120hz_db", r->side_mid_low_db, 2);
    mm__json_measure(st, "balance_db", r->balance_db, 3);
    mm__json_measure(st, "mono_fold_lufs", r->mono_fold_lufs, 2);
    mm__json_measure(st, "mono_fold_loss_db", r->mono_loss_db, 2);

    cJSON *h = cJSON_AddObjectToObject(o, "hygiene");
    mm__json_num(h, "dc_offset_max", r->dc_offset_max, 6);
    cJSON_AddNumberToObject(h, "clipped_samples", (double)r->clipped_samples);
    cJSON_AddNumberToObject(h, "clip_runs", (double)r->clip_runs);
    cJSON_AddNumberToObject(h, "longest_clip_run_samples", (double)r->longest_clip_run);
    cJSON_AddItemToObject(h, "clip_events", events_json(r->clip_events, r->clip_event_count, "peak_dbfs"));
    cJSON_AddNumberToObject(h, "inter_sample_overs", (double)r->overs);
    cJSON_AddItemToObject(h, "over_events", events_json(r->over_events, r->over_event_count, "peak_dbtp"));
    cJSON_AddNumberToObject(h, "nonfinite_samples", (double)r->nonfinite_samples);
    mm__json_measure(h, "leading_silence_s", r->leading_silence_s, 4);
    mm__json_measure(h, "trailing_silence_s", r->trailing_silence_s, 4);

    cJSON *chs = cJSON_AddArrayToObject(o, "channels");
    for (int c = 0; chs && c < r->channels; c++) {
        const mm_channel_stats *cs = &r->ch[c];
        cJSON *x = cJSON_CreateObject();
        if (!x) break;
        mm__json_measure(x, "sample_peak_dbfs", cs->sample_peak_dbfs, 2);
        mm__json_measure(x, "true_peak_dbtp", cs->true_peak_dbtp, 2);
        mm__json_measure(x, "rms_dbfs", cs->rms_dbfs, 2);
        mm__json_measure(x, "crest_db", cs->crest_db, 2);
        mm__json_num(x, "dc_offset", cs->dc_offset, 6);
        cJSON_AddNumberToObject(x, "clipped_samples", (double)cs->clipped_samples);
        cJSON_AddNumberToObject(x, "clip_runs", (double)cs->clip_runs);
        cJSON_AddNumberToObject(x, "inter_sample_overs", (double)cs->overs);
        cJSON_AddNumberToObject(x, "nonfinite_samples", (double)cs->nonfinite_samples);
        cJSON_AddItemToArray(chs, x);
    }

    if (opt->include_series) {
        cJSON *se = cJSON_AddObjectToObject(o, "series");
        mm__json_num(se, "loudness_step_s", r->loudness_series_step_s, 6);
        cJSON_AddItemToObject(se, "momentary_lufs", float_series(r->momentary_series, r->loudness_series_count, 2));
        cJSON_AddItemToObject(se, "shortterm_lufs", float_series(r->shortterm_series, r->loudness_series_count, 2));
        if (r->channels == 2) {
            mm__json_num(se, "correlation_step_s", r->correlation_series_step_s, 6);
            cJSON_AddItemToObject(se, "correlation", float_series(r->correlation_series, r->correlation_series_count, 3));
        }
    }
    return o;
}

char *mm_report_analysis_json(const mm_file_result *files, size_t count, const mm_report_options *opt,
                              int *err)
{
    mm_report_options def = mm_report_options_default();
    if (!opt) opt = &def;
    if (!files && count) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm__json_begin();
    cJSON *root = cJSON_CreateObject();
    char *out = NULL;
    if (!root) goto done;
    cJSON_AddNumberToObject(root, "schema_version", MM_REPORT_SCHEMA_VERSION);
    if (opt->tool) cJSON_AddStringToObject(root, "tool", opt->tool);
    cJSON *arr = cJSON_AddArrayToObject(root, "files");
    if (!arr) goto done;
    for (size_t i = 0; i < count; i++) {
        cJSON *f = mm__report_file_json(&files[i], opt);
        if (!f) goto done;
        cJSON_AddItemToArray(arr, f);
    }
    out = mm__json_finish(cJSON_Print(root));
done:
    cJSON_Delete(root);
    if (err) *err = out ? MM_OK : MM_ERR_NOMEM;
    return out;
}

/* Move every member of `from` to the end of `to` (keeps their order). */
void mm__json_move_members(cJSON *to, cJSON *from)
{
    while (from->child) {
        cJSON *it = cJSON_DetachItemViaPointer(from, from->child);
        /* cJSON copies the key before freeing the item's own copy */
        cJSON_AddItemToObject(to, it->string, it); /* frees it on failure */
    }
}

char *mm_report_analysis_jsonl(const mm_file_result *file, const mm_report_options *opt, int *err)
{
    mm_report_options def = mm_report_options_default();
    if (!opt) opt = &def;
    if (!file) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    char *out = NULL;
    mm__json_begin();
    cJSON *line = cJSON_CreateObject();
    cJSON *f = mm__report_file_json(file, opt);
    if (!line || !f) goto done;
    cJSON_AddNumberToObject(line, "schema_version", MM_REPORT_SCHEMA_VERSION);
    if (opt->tool) cJSON_AddStringToObject(line, "tool", opt->tool);
    mm__json_move_members(line, f);
    out = mm__json_finish(cJSON_PrintUnformatted(line));
done:
    cJSON_Delete(line);
    cJSON_Delete(f);
    if (err) *err = out ? MM_OK : MM_ERR_NOMEM;
    return out;
}
