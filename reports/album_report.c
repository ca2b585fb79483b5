/* Album consistency as JSON and as text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mixmaster/report.h"
#include "internal.h"

static const char *const band_names[MM_TONAL_BANDS] = {"below 250 Hz", "250 Hz-2 kHz", "2-8 kHz", "above 8 kHz"};

size_t mm_album_track_warnings(const mm_album_config *cfg, const mm_album_result *album, const mm_album_file *f,
                               char lines[][160], size_t max)
{
    size_t n = 0;
    const mm_album_track *t = f->track;
    const mm_analysis *a = f->file.analysis;
    if (!t || !a || !max) return 0;
    if (album->spread_warn && t->loudest_section_lufs.reason == MM_REASON_NONE &&
        fabs(t->loudest_section_lufs.value - album->common_section_lufs) > 0.5 * cfg->spread_warn_lu && n < max)
        snprintf(lines[n++], 160, "loudest section %.1f LUFS, %+.1f LU from where the album puts it: gain %+.1f dB",
                 t->loudest_section_lufs.value, t->loudest_section_lufs.value - album->common_section_lufs,
                 t->suggested_gain_db);
    for (int b = 0; b < MM_TONAL_BANDS && n < max; b++) {
        const mm_measure d = t->tonal_deviation_db[b];
        if (d.reason == MM_REASON_NONE && fabs(d.value) > cfg->tonal_warn_db)
            snprintf(lines[n++], 160, "%s %+.1f dB against the album mean: %s", band_names[b], d.value,
                     d.value > 0 ? "brighter/heavier than its neighbours" : "weaker than its neighbours");
    }
    if (t->dynamics_outlier && n < max && a->plr_db.reason == MM_REASON_NONE)
        snprintf(lines[n++], 160, "PLR %.1f dB against the album median %.1f dB: %s", a->plr_db.value,
                 album->plr_median_db, a->plr_db.value < album->plr_median_db ? "more compressed than the rest" : "more dynamic than the rest");
    if (t->limiting_db > 0.05 && n < max)
        snprintf(lines[n++], 160, "with the gain its true peak would reach %+.1f dBTP: %.1f dB of true-peak limiting to the %.1f dBTP ceiling",
                 t->predicted_true_peak_dbtp, t->limiting_db, album->ceiling_dbtp);
    return n;
}

static void album_obj(cJSON *o, const mm_album_config *cfg, const mm_album_result *r, const mm_album_file *files)
{
    mm__json_measure(o, "album_integrated_lufs", r->album_lufs, 2);
    mm__json_measure(o, "album_loudness_range_lu", r->album_lra_lu, 2);
    mm__json_num(o, "album_true_peak_dbtp", r->album_peak_dbtp, 2);
    cJSON_AddStringToObject(o, "loudest_track", files[r->loudest_track].file.info.path ? files[r->loudest_track].file.info.path : "");
    mm__json_num(o, "median_integrated_lufs", r->median_lufs, 2);
    mm__json_num(o, "loudest_section_spread_lu", r->loudest_section_spread_lu, 2);
    cJSON_AddBoolToObject(o, "spread_warning", r->spread_warn);
    mm__json_num(o, "spread_warn_above_lu", cfg->spread_warn_lu, 2);
    cJSON *t = cJSON_AddObjectToObject(o, "tonal_mean_db");
    if (t) {
        static const char *const k[MM_TONAL_BANDS] = {"low_db", "low_mid_db", "high_mid_db", "high_db"};
        for (int b = 0; b < MM_TONAL_BANDS; b++) mm__json_num(t, k[b], r->tonal_mean_db[b], 2);
    }
    mm__json_num(o, "plr_median_db", r->plr_median_db, 2);
    if (isfinite(r->target_lufs)) mm__json_num(o, "target_lufs", r->target_lufs, 2);
    else cJSON_AddNullToObject(o, "target_lufs");
    mm__json_num(o, "ceiling_dbtp", r->ceiling_dbtp, 2);
    mm__json_num(o, "common_loudest_section_lufs", r->common_section_lufs, 2);
    mm__json_measure(o, "album_integrated_after_gains_lufs", r->album_lufs_after, 2);
}

char *mm_report_album_json(const mm_album_config *cfg, const mm_album_result *album, const mm_album_file *files,
                           size_t count, const mm_report_options *opt, int *err)
{
    if (!cfg || !album || (!files && count)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_report_options def = mm_report_options_default();
    if (!opt) opt = &def;
    char *out = NULL;
    cJSON *doc = cJSON_CreateObject();
    if (!doc) goto done;
    cJSON_AddNumberToObject(doc, "schema_version", MM_REPORT_SCHEMA_VERSION);
    cJSON_AddStringToObject(doc, "tool", opt->tool ? opt->tool : "mixmaster");
    cJSON_AddStringToObject(doc, "command", "album");
    if (cfg->preset) cJSON_AddStringToObject(doc, "preset", cfg->preset->name);
    else cJSON_AddNullToObject(doc, "preset");
    cJSON *al = cJSON_AddObjectToObject(doc, "album");
    if (al && count) album_obj(al, cfg, album, files);
    cJSON *arr = cJSON_AddArrayToObject(doc, "tracks");
    for (size_t i = 0; arr && i < count; i++) {
        const mm_album_file *f = &files[i];
        cJSON *x = cJSON_CreateObject();
        if (!x) goto done;
        cJSON_AddItemToArray(arr, x);
        cJSON_AddNumberToObject(x, "position", (double)(i + 1));
        cJSON_AddStringToObject(x, "path", f->file.info.path ? f->file.info.path : "");
        if (!f->track || !f->file.analysis) {
            cJSON_AddStringToObject(x, "status", "error");
            cJSON_AddStringToObject(x, "error", f->file.error ? f->file.error : "unknown error");
            continue;
        }
        const mm_analysis *a = f->file.analysis;
        const mm_album_track *t = f->track;
        cJSON_AddStringToObject(x, "status", "ok");
        mm__json_measure(x, "integrated_lufs", a->integrated_lufs, 2);
        mm__json_measure(x, "loudness_range_lu", a->loudness_range_lu, 2);
        mm__json_measure(x, "max_shortterm_lufs", a->shortterm_max_lufs, 2);
        mm__json_measure(x, "true_peak_dbtp", a->true_peak_dbtp, 2);
        mm__json_measure(x, "plr_db", a->plr_db, 2);
        mm__json_measure(x, "psr_db", a->psr_db, 2);
        cJSON_AddItemToObject(x, "tonal_balance_db", mm__json_measure_array(a->tonal_mid_db, MM_TONAL_BANDS, 2));
        cJSON_AddItemToObject(x, "tonal_deviation_db", mm__json_measure_array(t->tonal_deviation_db, MM_TONAL_BANDS, 2));
        mm__json_measure(x, "correlation", a->correlation, 3);
        mm__json_measure(x, "leading_silence_s", a->leading_silence_s, 3);
        mm__json_measure(x, "trailing_silence_s", a->trailing_silence_s, 3);
        mm__json_num(x, "fade_in_s", t->fade_in_s, 2);
        mm__json_num(x, "fade_out_s", t->fade_out_s, 2);
        cJSON_AddBoolToObject(x, "tonal_warning", t->tonal_warn);
        cJSON_AddBoolToObject(x, "dynamics_outlier", t->dynamics_outlier);
        mm__json_num(x, "suggested_gain_db", t->suggested_gain_db, 2);
        mm__json_num(x, "predicted_true_peak_dbtp", t->predicted_true_peak_dbtp, 2);
        mm__json_num(x, "limiting_db", t->limiting_db, 2);
        char lines[8][160];
        size_t nw = mm_album_track_warnings(cfg, album, f, lines, 8);
        cJSON *w = cJSON_AddArrayToObject(x, "warnings");
        for (size_t k = 0; w && k < nw; k++) cJSON_AddItemToArray(w, cJSON_CreateString(lines[k]));
        cJSON_AddItemToObject(x, "analysis", mm__report_file_json(&f->file, opt));
    }
    out = cJSON_Print(doc);
done:
    cJSON_Delete(doc);
    if (err) *err = out ? MM_OK : MM_ERR_NOMEM;
    return out;
}

/* " -14.2" right-aligned in `width`, or "n/a" */
static void meas(mm__strbuf *b, mm_measure m, const char *sep, int width)
{
    if (m.reason == MM_REASON_NONE) mm__sb_printf(b, "%s%*.1f", sep, width, m.value);
    else mm__sb_printf(b, "%s%*s", sep, width, "n/a");
}

char *mm_report_album_text(const mm_album_config *cfg, const mm_album_result *r, const mm_album_file *files,
                           size_t count, int *err)
{
    if (!cfg || !r || (!files && count)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm__strbuf b = {NULL, 0, 0, 0};
    mm__sb_printf(&b, " #  %7s %6s %7s %7s %6s %6s %7s  %s\n", "LUFS", "LRA", "maxST", "dBTP", "PLR", "PSR", "gain", "track");
    for (size_t i = 0; i < count; i++) {
        const mm_album_file *f = &files[i];
        mm__sb_printf(&b, "%2zu  ", i + 1);
        if (!f->track || !f->file.analysis) {
            mm__sb_printf(&b, "error: %s  %s\n", f->file.error ? f->file.error : "unknown", f->file.info.path);
            continue;
        }
        const mm_analysis *a = f->file.analysis;
        meas(&b, a->integrated_lufs, "", 7);
        meas(&b, a->loudness_range_lu, " ", 6);
        meas(&b, a->shortterm_max_lufs, " ", 7);
        meas(&b, a->true_peak_dbtp, " ", 7);
        meas(&b, a->plr_db, " ", 6);
        meas(&b, a->psr_db, " ", 6);
        mm__sb_printf(&b, " %+7.1f  %s\n", f->track->suggested_gain_db, f->file.info.path);
        char lines[8][160];
        size_t nw = mm_album_track_warnings(cfg, r, f, lines, 8);
        for (size_t k = 0; k < nw; k++) mm__sb_printf(&b, "      ! %s\n", lines[k]);
    }
    mm__sb_printf(&b, "\nalbum: ");
    if (r->album_lufs.reason == MM_REASON_NONE) mm__sb_printf(&b, "%.1f LUFS as one programme", r->album_lufs.value);
    else mm__sb_printf(&b, "no loudness");
    if (r->album_lra_lu.reason == MM_REASON_NONE) mm__sb_printf(&b, ", LRA %.1f LU", r->album_lra_lu.value);
    mm__sb_printf(&b, ", peak %.1f dBTP, median track %.1f LUFS\n", r->album_peak_dbtp, r->median_lufs);
    mm__sb_printf(&b, "loudest sections spread %.1f LU%s\n", r->loudest_section_spread_lu,
                  r->spread_warn ? "  ! uneven: listeners will reach for the volume" : " (even)");
    if (isfinite(r->target_lufs))
        mm__sb_printf(&b, "with the gains: every loudest section at %.1f LUFS, album %.1f LUFS (target %.0f, %s), ceiling %.1f dBTP\n",
                      r->common_section_lufs, r->album_lufs_after.reason ? NAN : r->album_lufs_after.value, r->target_lufs,
                      cfg->preset ? cfg->preset->name : "", r->ceiling_dbtp);
    else
        mm__sb_printf(&b, "with the gains: every loudest section at %.1f LUFS (no preset: the album level is kept)\n",
                      r->common_section_lufs);
    return mm__sb_finish(&b, err);
}
