/*
 * Mastering plan (write and strict read) and mastering report, as JSON.
 * Schema: include/mixmaster/master_report.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mixmaster/master_report.h"
#include "mixmaster/report.h"

#define PLAN_DIGITS 4

static double rnd(double x, int digits)
{
    double p = pow(10.0, digits);
    double r = round(x * p) / p;
    return isfinite(r) ? r : x;
}

static int has(mm_measure m) { return m.reason == MM_REASON_NONE && isfinite(m.value); }

static void note_null(cJSON *o, const char *key, mm_reason why)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "null_reasons");
    if (!n) n = cJSON_AddObjectToObject(o, "null_reasons");
    if (n) cJSON_AddStringToObject(n, key, mm_reason_string(why == MM_REASON_NONE ? MM_REASON_SILENT : why));
}

static void add_num(cJSON *o, const char *key, double v, int digits)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, rnd(v, digits));
    else {
        cJSON_AddNullToObject(o, key);
        note_null(o, key, MM_REASON_NOT_MEASURED);
    }
}

static void add_measure(cJSON *o, const char *key, mm_measure m, int digits)
{
    if (has(m)) {
        cJSON_AddNumberToObject(o, key, rnd(m.value, digits));
        return;
    }
    cJSON_AddNullToObject(o, key);
    note_null(o, key, m.reason);
}

static const char *dither_name(mm_master_dither d)
{
    return d == MM_MASTER_DITHER_SHAPED ? "tpdf_shaped" : d == MM_MASTER_DITHER_TPDF ? "tpdf" : "none";
}

char *mm_master_plan_to_json(const mm_master_plan *p, int *err)
{
    const int D = PLAN_DIGITS;
    if (!p) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    cJSON *root = cJSON_CreateObject();
    if (!root) goto nomem;
    cJSON_AddNumberToObject(root, "schema_version", p->schema_version);
    cJSON_AddStringToObject(root, "kind", "mixmaster_master_plan");

    cJSON *t = cJSON_AddObjectToObject(root, "target");
    cJSON_AddStringToObject(t, "kind", p->target_kind == MM_MASTER_TARGET_PRESET ? "preset" : "reference");
    cJSON_AddStringToObject(t, "name", p->target_name);
    add_num(t, "integrated_lufs", p->target_lufs, D);

    cJSON *s = cJSON_AddObjectToObject(root, "settings");
    add_num(s, "amount", p->amount, D);
    add_num(s, "eq_range_db", p->eq_range_db, D);
    add_num(s, "smoothing_octaves", p->smoothing_octaves, D);

    cJSON *eq = cJSON_AddObjectToObject(root, "eq");
    cJSON_AddStringToObject(eq, "design", "linear_phase_fir_mid_side");
    add_num(eq, "level_offset_db", p->level_offset_db, D);
    cJSON *bands = cJSON_AddArrayToObject(eq, "bands");
    for (int b = 0; bands && b < MM_MASTER_BANDS; b++) {
        const mm_master_band *bd = &p->band[b];
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        add_num(o, "hz", bd->hz, D);
        add_num(o, "mid_gain_db", bd->mid_gain_db, D);
        add_num(o, "side_gain_db", bd->side_gain_db, D);
        add_measure(o, "mix_mid_db", bd->mix_mid_db, D);
        add_measure(o, "target_mid_db", bd->target_mid_db, D);
        add_measure(o, "mid_diff_db", bd->mid_diff_db, D);
        add_measure(o, "mix_side_db", bd->mix_side_db, D);
        add_measure(o, "target_side_db", bd->target_side_db, D);
        add_measure(o, "side_diff_db", bd->side_diff_db, D);
        cJSON_AddItemToArray(bands, o);
    }

    cJSON *w = cJSON_AddObjectToObject(root, "width");
    cJSON_AddBoolToObject(w, "stereo", p->stereo);
    add_num(w, "side_gain_db", p->side_gain_db, D);
    add_num(w, "mono_below_hz", p->mono_below_hz, D);
    add_num(w, "low_side_cap_db", p->low_side_cap_db, D);
    add_measure(w, "mix_side_mid_db", p->mix_side_mid_db, D);
    add_measure(w, "target_side_mid_db", p->target_side_mid_db, D);
    add_measure(w, "mix_side_mid_low_db", p->mix_side_mid_low_db, D);
    add_measure(w, "target_side_mid_low_db", p->target_side_mid_low_db, D);

    cJSON *c = cJSON_AddObjectToObject(root, "compressor");
    cJSON_AddBoolToObject(c, "enabled", p->compressor);
    add_num(c, "threshold_db", p->comp_threshold_db, D);
    add_num(c, "ratio", p->comp_ratio, D);
    add_num(c, "knee_db", p->comp_knee_db, D);
    add_num(c, "attack_ms", p->comp_attack_ms, D);
    add_num(c, "release_ms", p->comp_release_ms, D);
    add_measure(c, "mix_plr_db", p->mix_plr_db, D);
    add_measure(c, "target_plr_db", p->target_plr_db, D);
    add_measure(c, "mix_psr_db", p->mix_psr_db, D);
    add_measure(c, "target_psr_db", p->target_psr_db, D);
    add_num(c, "close_db", MM_MASTER_PLR_CLOSE_DB, D);

    cJSON *l = cJSON_AddObjectToObject(root, "loudness");
    add_num(l, "target_lufs", p->target_lufs, D);
    add_measure(l, "mix_lufs", p->mix_lufs, D);
    add_num(l, "gain_db", p->gain_db, D);

    cJSON *ce = cJSON_AddObjectToObject(root, "ceiling");
    add_num(ce, "ceiling_dbtp", p->ceiling_dbtp, D);
    cJSON_AddStringToObject(ce, "reason", p->ceiling_reason);

    cJSON *li = cJSON_AddObjectToObject(root, "limiter");
    add_num(li, "lookahead_ms", p->limiter_lookahead_ms, D);
    add_num(li, "release_ms", p->limiter_release_ms, D);

    cJSON *out = cJSON_AddObjectToObject(root, "output");
    cJSON_AddNumberToObject(out, "bits", p->bits);
    cJSON_AddBoolToObject(out, "float", p->bits == 32);
    cJSON_AddStringToObject(out, "dither", dither_name(p->dither));
    cJSON_AddStringToObject(out, "dither_reason",
                            p->bits == 32                         ? "float output keeps every bit: no dither"
                            : p->dither == MM_MASTER_DITHER_NONE  ? "lossy codec output: the encoder takes float"
                            : p->dither == MM_MASTER_DITHER_SHAPED ? "16-bit output: TPDF, noise-shaped away from 1-5 kHz"
                                                                   : "24-bit output: TPDF");

    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    if (!txt) goto nomem;
    if (err) *err = MM_OK;
    return txt;
nomem:
    cJSON_Delete(root);
    if (err) *err = MM_ERR_NOMEM;
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Strict reader                                                          */

typedef struct reader {
    char *err;
    size_t errlen;
    int failed;
} reader;

static void fail(reader *r, const char *fmt, ...)
{
    if (r->failed) return;
    r->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
}

static const cJSON *obj(reader *r, const cJSON *parent, const char *pname, const char *key)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!cJSON_IsObject(o)) {
        fail(r, "%s%s%s: %s", pname, *pname ? "." : "", key, o ? "expected an object" : "missing");
        return NULL;
    }
    return o;
}

static double num(reader *r, const cJSON *o, const char *path, const char *key)
{
    if (!o) return 0.0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        fail(r, "%s.%s: %s", path, key, v ? "expected a number" : "missing");
        return 0.0;
    }
    return v->valuedouble;
}

static int boolean(reader *r, const cJSON *o, const char *path, const char *key)
{
    if (!o) return 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsBool(v)) {
        fail(r, "%s.%s: %s", path, key, v ? "expected true or false" : "missing");
        return 0;
    }
    return cJSON_IsTrue(v);
}

static const char *str(reader *r, const cJSON *o, const char *path, const char *key)
{
    if (!o) return "";
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) {
        fail(r, "%s.%s: %s", path, key, v ? "expected a string" : "missing");
        return "";
    }
    return v->valuestring;
}

static mm_reason reason_from(const char *s)
{
    for (int k = MM_REASON_SILENT; k <= MM_REASON_ABOVE_NYQUIST; k++)
        if (!strcmp(s, mm_reason_string((mm_reason)k))) return (mm_reason)k;
    return MM_REASON_NOT_MEASURED;
}

/* A trigger: a number, or null (reason from null_reasons). */
static mm_measure meas(reader *r, const cJSON *o, const char *path, const char *key)
{
    mm_measure m = {0.0, MM_REASON_NOT_MEASURED};
    if (!o) return m;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        m.value = v->valuedouble;
        m.reason = MM_REASON_NONE;
    } else if (cJSON_IsNull(v)) {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "null_reasons"), key);
        if (cJSON_IsString(why)) m.reason = reason_from(why->valuestring);
    } else {
        fail(r, "%s.%s: %s", path, key, v ? "expected a number or null" : "missing");
    }
    return m;
}

int mm_master_plan_from_json(const char *text, mm_master_plan *p, char *errbuf, size_t errlen)
{
    char dummy[8];
    reader r = {errbuf ? errbuf : dummy, errbuf ? errlen : sizeof dummy, 0};
    if (!text || !p) return MM_ERR_INVALID_ARG;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        size_t off = end ? (size_t)(end - text) : 0;
        int line = 1;
        for (size_t i = 0; i < off && text[i]; i++) line += text[i] == '\n';
        fail(&r, "not valid JSON (near line %d)", line);
        return MM_ERR_FORMAT;
    }
    memset(p, 0, sizeof *p);
    if (!cJSON_IsObject(root)) fail(&r, "the document is not a JSON object");
    double sv = num(&r, root, "plan", "schema_version");
    if (!r.failed && sv != MM_MASTER_PLAN_SCHEMA_VERSION)
        fail(&r, "plan.schema_version: %g is not supported (expected %d)", sv, MM_MASTER_PLAN_SCHEMA_VERSION);
    p->schema_version = sv == MM_MASTER_PLAN_SCHEMA_VERSION ? MM_MASTER_PLAN_SCHEMA_VERSION : 0;
    if (!r.failed && strcmp(str(&r, root, "plan", "kind"), "mixmaster_master_plan"))
        fail(&r, "plan.kind: expected \"mixmaster_master_plan\"");

    const cJSON *t = r.failed ? NULL : obj(&r, root, "", "target");
    const char *tk = str(&r, t, "target", "kind");
    if (!r.failed && strcmp(tk, "preset") && strcmp(tk, "reference"))
        fail(&r, "target.kind: expected \"reference\" or \"preset\", not \"%s\"", tk);
    p->target_kind = !strcmp(tk, "preset") ? MM_MASTER_TARGET_PRESET : MM_MASTER_TARGET_REFERENCE;
    snprintf(p->target_name, sizeof p->target_name, "%s", str(&r, t, "target", "name"));

    const cJSON *s = r.failed ? NULL : obj(&r, root, "", "settings");
    p->amount = num(&r, s, "settings", "amount");
    p->eq_range_db = num(&r, s, "settings", "eq_range_db");
    p->smoothing_octaves = num(&r, s, "settings", "smoothing_octaves");

    const cJSON *eq = r.failed ? NULL : obj(&r, root, "", "eq");
    p->level_offset_db = num(&r, eq, "eq", "level_offset_db");
    const cJSON *bands = eq ? cJSON_GetObjectItemCaseSensitive(eq, "bands") : NULL;
    if (eq && !r.failed) {
        if (!cJSON_IsArray(bands)) fail(&r, "eq.bands: %s", bands ? "expected an array" : "missing");
        else if (cJSON_GetArraySize(bands) != MM_MASTER_BANDS)
            fail(&r, "eq.bands: expected %d bands, found %d", MM_MASTER_BANDS, cJSON_GetArraySize(bands));
    }
    for (int b = 0; b < MM_MASTER_BANDS && !r.failed; b++) {
        const cJSON *o = cJSON_GetArrayItem(bands, b);
        char path[32];
        snprintf(path, sizeof path, "eq.bands[%d]", b);
        if (!cJSON_IsObject(o)) {
            fail(&r, "%s: expected an object", path);
            break;
        }
        mm_master_band *bd = &p->band[b];
        bd->hz = num(&r, o, path, "hz");
        bd->mid_gain_db = num(&r, o, path, "mid_gain_db");
        bd->side_gain_db = num(&r, o, path, "side_gain_db");
        bd->mix_mid_db = meas(&r, o, path, "mix_mid_db");
        bd->target_mid_db = meas(&r, o, path, "target_mid_db");
        bd->mid_diff_db = meas(&r, o, path, "mid_diff_db");
        bd->mix_side_db = meas(&r, o, path, "mix_side_db");
        bd->target_side_db = meas(&r, o, path, "target_side_db");
        bd->side_diff_db = meas(&r, o, path, "side_diff_db");
    }

    const cJSON *w = r.failed ? NULL : obj(&r, root, "", "width");
    p->stereo = boolean(&r, w, "width", "stereo");
    p->side_gain_db = num(&r, w, "width", "side_gain_db");
    p->mono_below_hz = num(&r, w, "width", "mono_below_hz");
    p->low_side_cap_db = num(&r, w, "width", "low_side_cap_db");
    p->mix_side_mid_db = meas(&r, w, "width", "mix_side_mid_db");
    p->target_side_mid_db = meas(&r, w, "width", "target_side_mid_db");
    p->mix_side_mid_low_db = meas(&r, w, "width", "mix_side_mid_low_db");
    p->target_side_mid_low_db = meas(&r, w, "width", "target_side_mid_low_db");

    const cJSON *c = r.failed ? NULL : obj(&r, root, "", "compressor");
    p->compressor = boolean(&r, c, "compressor", "enabled");
    p->comp_threshold_db = num(&r, c, "compressor", "threshold_db");
    p->comp_ratio = num(&r, c, "compressor", "ratio");
    p->comp_knee_db = num(&r, c, "compressor", "knee_db");
    p->comp_attack_ms = num(&r, c, "compressor", "attack_ms");
    p->comp_release_ms = num(&r, c, "compressor", "release_ms");
    p->mix_plr_db = meas(&r, c, "compressor", "mix_plr_db");
    p->target_plr_db = meas(&r, c, "compressor", "target_plr_db");
    p->mix_psr_db = meas(&r, c, "compressor", "mix_psr_db");
    p->target_psr_db = meas(&r, c, "compressor", "target_psr_db");

    const cJSON *l = r.failed ? NULL : obj(&r, root, "", "loudness");
    p->target_lufs = num(&r, l, "loudness", "target_lufs");
    p->mix_lufs = meas(&r, l, "loudness", "mix_lufs");
    p->gain_db = num(&r, l, "loudness", "gain_db");

    const cJSON *ce = r.failed ? NULL : obj(&r, root, "", "ceiling");
    p->ceiling_dbtp = num(&r, ce, "ceiling", "ceiling_dbtp");
    snprintf(p->ceiling_reason, sizeof p->ceiling_reason, "%s", str(&r, ce, "ceiling", "reason"));

    const cJSON *li = r.failed ? NULL : obj(&r, root, "", "limiter");
    p->limiter_lookahead_ms = num(&r, li, "limiter", "lookahead_ms");
    p->limiter_release_ms = num(&r, li, "limiter", "release_ms");

    const cJSON *o = r.failed ? NULL : obj(&r, root, "", "output");
    double bits = num(&r, o, "output", "bits");
    /* compare as doubles first: a huge number does not fit an int */
    p->bits = bits == 16.0 ? 16 : bits == 24.0 ? 24 : bits == 32.0 ? 32 : 0;
    if (!r.failed && !p->bits) fail(&r, "output.bits: expected 16, 24 or 32");
    const char *dn = str(&r, o, "output", "dither");
    if (!r.failed) {
        if (!strcmp(dn, "none")) p->dither = MM_MASTER_DITHER_NONE;
        else if (!strcmp(dn, "tpdf")) p->dither = MM_MASTER_DITHER_TPDF;
        else if (!strcmp(dn, "tpdf_shaped")) p->dither = MM_MASTER_DITHER_SHAPED;
        else fail(&r, "output.dither: expected \"none\", \"tpdf\" or \"tpdf_shaped\", not \"%s\"", dn);
    }
    cJSON_Delete(root);
    if (!r.failed) {
        const char *field = NULL;
        if (mm_master_plan_validate(p, &field) != MM_OK) fail(&r, "%s: out of range", field);
    }
    return r.failed ? MM_ERR_FORMAT : MM_OK;
}

/* ---------------------------------------------------------------------- */
/* Report                                                                 */

static void add_figures(cJSON *o, const mm_analysis *a, const mm_master_plan *p, int distance)
{
    add_measure(o, "integrated_lufs", a->integrated_lufs, 2);
    add_measure(o, "true_peak_dbtp", a->true_peak_dbtp, 2);
    add_measure(o, "sample_peak_dbfs", a->sample_peak_dbfs, 2);
    add_measure(o, "plr_db", a->plr_db, 2);
    add_measure(o, "psr_db", a->psr_db, 2);
    add_measure(o, "loudness_range_lu", a->loudness_range_lu, 2);
    add_measure(o, "side_to_mid_db", a->side_mid_db, 2);
    add_measure(o, "correlation", a->correlation, 3);
    cJSON_AddNumberToObject(o, "clipped_samples", (double)a->clipped_samples);
    if (!distance) return;
    mm_measure mr, sr, md[MM_MASTER_BANDS], sd[MM_MASTER_BANDS];
    mm_master_distance(p, a, &mr, &sr, md, sd);
    add_measure(o, "mid_distance_db", mr, 2);
    add_measure(o, "side_distance_db", sr, 2);
    cJSON *am = cJSON_AddArrayToObject(o, "mid_band_difference_db");
    cJSON *as = cJSON_AddArrayToObject(o, "side_band_difference_db");
    for (int b = 0; am && as && b < MM_MASTER_BANDS; b++) {
        cJSON_AddItemToArray(am, has(md[b]) ? cJSON_CreateNumber(rnd(md[b].value, 2)) : cJSON_CreateNull());
        cJSON_AddItemToArray(as, has(sd[b]) ? cJSON_CreateNumber(rnd(sd[b].value, 2)) : cJSON_CreateNull());
    }
}

static void add_check(cJSON *arr, const char *name, const char *status, double value, const char *value_key,
                      double threshold, const char *threshold_key, const char *source)
{
    cJSON *c = cJSON_CreateObject();
    if (!c) return;
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "status", status);
    add_num(c, value_key, value, 3);
    add_num(c, threshold_key, threshold, 3);
    cJSON_AddStringToObject(c, "source", source);
    cJSON_AddItemToArray(arr, c);
}

char *mm_master_report_json(const mm_master_result *r, const char *tool, int *err)
{
    if (!r || !r->plan || !r->before || !r->after) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    const mm_master_plan *p = r->plan;
    cJSON *root = cJSON_CreateObject();
    if (!root) goto nomem;
    cJSON_AddNumberToObject(root, "schema_version", MM_MASTER_REPORT_SCHEMA_VERSION);
    cJSON_AddStringToObject(root, "kind", "mixmaster_master_report");
    if (tool) cJSON_AddStringToObject(root, "tool", tool);

    cJSON *in = cJSON_AddObjectToObject(root, "input");
    cJSON_AddStringToObject(in, "path", r->input_path ? r->input_path : "");
    cJSON_AddNumberToObject(in, "sample_rate_hz", r->before->sample_rate);
    cJSON_AddNumberToObject(in, "channels", r->before->channels);
    cJSON_AddNumberToObject(in, "frames", (double)r->before->frames);
    add_num(in, "duration_s", r->before->duration_s, 6);

    cJSON *out = cJSON_AddObjectToObject(root, "output");
    cJSON_AddStringToObject(out, "path", r->output_path ? r->output_path : "");
    if (r->output_container) cJSON_AddStringToObject(out, "container", r->output_container);
    if (r->output_encoding) cJSON_AddStringToObject(out, "encoding", r->output_encoding);
    cJSON_AddNumberToObject(out, "bits", p->bits);
    cJSON_AddStringToObject(out, "dither", dither_name(p->dither));
    /* "after" describes the samples handed to the writer: exact for PCM and
     * float, before the encoder for a lossy codec (decode to see its effect;
     * mixmaster check measures codec round trips) */
    int lossy = r->output_encoding && (!strcmp(r->output_encoding, "VORBIS") || !strcmp(r->output_encoding, "OPUS") ||
                                       !strcmp(r->output_encoding, "MP3"));
    cJSON_AddBoolToObject(out, "after_measured_before_encoder", lossy);
    cJSON_AddNumberToObject(out, "sample_rate_hz", r->after->sample_rate);
    cJSON_AddNumberToObject(out, "frames", (double)r->after->frames);

    cJSON *t = cJSON_AddObjectToObject(root, "target");
    cJSON_AddStringToObject(t, "kind", p->target_kind == MM_MASTER_TARGET_PRESET ? "preset" : "reference");
    cJSON_AddStringToObject(t, "name", p->target_name);
    if (r->reference_path) cJSON_AddStringToObject(t, "path", r->reference_path);
    add_num(t, "integrated_lufs", p->target_lufs, 2);
    add_num(t, "ceiling_dbtp", p->ceiling_dbtp, 2);
    cJSON_AddStringToObject(t, "ceiling_reason", p->ceiling_reason);

    cJSON *bh = cJSON_CreateArray();
    for (int b = 0; bh && b < MM_MASTER_BANDS; b++) cJSON_AddItemToArray(bh, cJSON_CreateNumber(rnd(p->band[b].hz, 2)));
    cJSON_AddItemToObject(root, "band_hz", bh);
    add_figures(cJSON_AddObjectToObject(root, "before"), r->before, p, 1);
    add_figures(cJSON_AddObjectToObject(root, "after"), r->after, p, 1);
    if (r->reference) add_figures(cJSON_AddObjectToObject(root, "reference"), r->reference, p, 0);

    cJSON *res = cJSON_AddObjectToObject(root, "render");
    add_num(res, "gain_db", r->gain_db, 3);
    add_num(res, "limiter_max_reduction_db", r->limiter_max_reduction_db, 2);
    add_num(res, "compressor_max_reduction_db", r->compressor_max_reduction_db, 2);
    cJSON_AddNumberToObject(res, "passes_over_mix", r->render_passes);
    cJSON_AddNumberToObject(res, "latency_frames", (double)r->latency_frames);
    cJSON_AddNumberToObject(res, "clamped_samples", (double)r->clamped_samples);

    /* checks: the delivery figures with their thresholds */
    cJSON *checks = cJSON_AddArrayToObject(root, "checks");
    double lerr = has(r->after->integrated_lufs) ? r->after->integrated_lufs.value - p->target_lufs : NAN;
    add_check(checks, "loudness", isfinite(lerr) && fabs(lerr) <= 0.5 ? "pass" : "fail", lerr, "error_lu", 0.5,
              "tolerance_lu", "issue 4: within 0.5 LU of the target");
    double tp = has(r->after->true_peak_dbtp) ? r->after->true_peak_dbtp.value : -INFINITY;
    double margin = p->ceiling_dbtp - tp;
    add_check(checks, "true_peak", margin >= 0.0 ? "pass" : "fail", isfinite(tp) ? tp : NAN, "true_peak_dbtp",
              p->ceiling_dbtp, "ceiling_dbtp", "delivery ceiling (DOMAIN.md section 3)");
    add_check(checks, "hard_clipping", r->after->clip_runs == 0 ? "pass" : "fail", (double)r->after->clip_runs,
              "runs_at_ceiling", 0.0, "max_runs_at_ceiling",
              "no run of 2 or more samples within 0.01 dB of the ceiling (the master is analysed with that clip threshold)");
    mm_measure b_mid, b_side, a_mid, a_side;
    mm_master_distance(p, r->before, &b_mid, &b_side, NULL, NULL);
    mm_master_distance(p, r->after, &a_mid, &a_side, NULL, NULL);
    if (has(a_mid) && has(b_mid))
        add_check(checks, "mid_spectrum", a_mid.value <= b_mid.value + 1e-9 ? "pass" : "warn", a_mid.value,
                  "distance_db", b_mid.value, "do_nothing_distance_db",
                  "1/3-octave RMS over 31.5 Hz-16 kHz after loudness normalisation (DOMAIN.md section 4)");
    if (has(a_side) && has(b_side))
        add_check(checks, "side_spectrum", a_side.value <= b_side.value + 1e-9 ? "pass" : "warn", a_side.value,
                  "distance_db", b_side.value, "do_nothing_distance_db",
                  "1/3-octave RMS over 31.5 Hz-16 kHz after loudness normalisation (DOMAIN.md section 4)");

    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    if (!txt) goto nomem;
    if (err) *err = MM_OK;
    return txt;
nomem:
    cJSON_Delete(root);
    if (err) *err = MM_ERR_NOMEM;
    return NULL;
}
