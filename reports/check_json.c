/* Readiness check results as JSON, and check thresholds read from JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mixmaster/report.h"
#define MM_JSON_ATTACH_FREES /* see internal.h */
#include "internal.h"

static const char *const tonal_keys[MM_TONAL_BANDS] = {"low_db", "low_mid_db", "high_mid_db", "high_db"};

static cJSON *thresholds_json(const mm_check_config *cfg)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; o && i < mm_check_param_count(); i++) {
        const mm_check_param_info *p = mm_check_param(i);
        cJSON *t = cJSON_AddObjectToObject(o, p->key);
        if (!t) continue;
        mm__json_num(t, "value", cfg->value[i], 6);
        cJSON_AddStringToObject(t, "unit", p->unit);
        cJSON_AddStringToObject(t, "source", cfg->user_set[i] ? "user" : p->source);
        cJSON_AddStringToObject(t, "meaning", p->help);
    }
    return o;
}

static cJSON *result_json(const mm_check_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "status", mm_check_status_name(r->status));
    if (r->status == MM_CHECK_SKIP) {
        cJSON_AddStringToObject(o, "reason", r->measured);
        return o;
    }
    mm__json_measure(o, "value", r->value, 4);
    cJSON_AddStringToObject(o, "unit", r->unit ? r->unit : "");
    cJSON_AddStringToObject(o, "measured", r->measured);
    cJSON_AddStringToObject(o, "threshold", r->threshold);
    if (r->warn_at.reason == MM_REASON_NONE) mm__json_num(o, "warn_at", r->warn_at.value, 4);
    else cJSON_AddNullToObject(o, "warn_at");
    if (r->fail_at.reason == MM_REASON_NONE) mm__json_num(o, "fail_at", r->fail_at.value, 4);
    else cJSON_AddNullToObject(o, "fail_at");
    if (r->time_s.reason == MM_REASON_NONE) mm__json_num(o, "time_s", r->time_s.value, 3);
    else cJSON_AddNullToObject(o, "time_s");
    cJSON_AddStringToObject(o, "advice", r->advice);
    cJSON_AddStringToObject(o, "source", r->source);
    return o;
}

static cJSON *translation_json(const mm_translation_result *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON *mono = cJSON_AddObjectToObject(o, "mono");
    if (mono) {
        cJSON_AddItemToObject(mono, "tonal_change_db", mm__json_measure_array(t->mono_band_change_db, MM_TONAL_BANDS, 2));
    }
    cJSON *dev = cJSON_AddObjectToObject(o, "devices");
    for (int d = 0; dev && d < MM_DEVICE_COUNT; d++) {
        cJSON *x = cJSON_AddObjectToObject(dev, mm_device_name((mm_device)d));
        if (!x) continue;
        cJSON_AddStringToObject(x, "curve", mm_device_description((mm_device)d));
        mm__json_measure(x, "integrated_lufs", t->device_lufs[d], 2);
        mm__json_measure(x, "loudness_change_lu", t->device_change_lu[d], 2);
        cJSON_AddItemToObject(x, "tonal_change_db", mm__json_measure_array(t->device_band_change_db[d], MM_TONAL_BANDS, 2));
    }
    return o;
}

static cJSON *codecs_json(const mm_check_file *f)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    mm__json_num(o, "excerpt_start_s", f->codec_excerpt_start_s, 3);
    mm__json_num(o, "excerpt_s", f->codec_excerpt_s, 3);
    cJSON *arr = cJSON_AddArrayToObject(o, "round_trips");
    for (size_t i = 0; arr && i < f->codec_count; i++) {
        const mm_check_codec *k = &f->codecs[i];
        cJSON *x = cJSON_CreateObject();
        if (!x) break;
        cJSON_AddStringToObject(x, "codec", k->name);
        mm__json_num(x, "bitrate_kbps", k->bitrate_kbps, 1);
        mm__json_measure(x, "original_lufs", k->original_lufs, 2);
        mm__json_measure(x, "decoded_lufs", k->decoded_lufs, 2);
        mm_measure ch = k->decoded_lufs;
        if (!ch.reason && !k->original_lufs.reason) ch.value -= k->original_lufs.value;
        else if (!ch.reason) ch.reason = k->original_lufs.reason;
        mm__json_measure(x, "loudness_change_lu", ch, 2);
        mm__json_measure(x, "original_true_peak_dbtp", k->original_true_peak_dbtp, 2);
        mm__json_measure(x, "decoded_true_peak_dbtp", k->decoded_true_peak_dbtp, 2);
        cJSON_AddItemToArray(arr, x);
    }
    return o;
}

static const char *verdict(const mm_check_report *r)
{
    return r->fails ? "fail" : r->warns ? "warn" : "pass";
}

/* The members of one file's entry: path, status, then either error or
 * verdict, summary, checks, translation, codecs and analysis. Returns -1
 * for a file that could not be read, else its verdict as MM_CHECK_FAIL/WARN/PASS. */
static int check_file_json(cJSON *x, const mm_check_file *f, const mm_report_options *opt)
{
    cJSON_AddStringToObject(x, "path", f->file.info.path ? f->file.info.path : "");
    if (!f->report || !f->file.analysis) {
        cJSON_AddStringToObject(x, "status", "error");
        cJSON_AddStringToObject(x, "error", f->file.error ? f->file.error : "unknown error");
        return -1;
    }
    const mm_check_report *r = f->report;
    cJSON_AddStringToObject(x, "status", "ok");
    cJSON_AddStringToObject(x, "verdict", verdict(r));
    cJSON *s = cJSON_AddObjectToObject(x, "summary");
    if (s) {
        cJSON_AddNumberToObject(s, "fail", (double)r->fails);
        cJSON_AddNumberToObject(s, "warn", (double)r->warns);
        cJSON_AddNumberToObject(s, "pass", (double)r->passes);
        cJSON_AddNumberToObject(s, "skip", (double)r->skips);
    }
    cJSON *checks = cJSON_AddArrayToObject(x, "checks");
    for (size_t k = 0; checks && k < r->count; k++) cJSON_AddItemToArray(checks, result_json(&r->results[k]));
    if (f->translation) cJSON_AddItemToObject(x, "translation", translation_json(f->translation));
    else cJSON_AddNullToObject(x, "translation");
    if (f->codecs && f->codec_count) cJSON_AddItemToObject(x, "codecs", codecs_json(f));
    else cJSON_AddNullToObject(x, "codecs");
    cJSON_AddItemToObject(x, "analysis", mm__report_file_json(&f->file, opt));
    return r->fails ? MM_CHECK_FAIL : r->warns ? MM_CHECK_WARN : MM_CHECK_PASS;
}

char *mm_report_check_json(const mm_check_config *cfg, const mm_check_file *files, size_t count,
                           const mm_report_options *opt, int *err)
{
    if (!cfg || (!files && count)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_report_options def = mm_report_options_default();
    if (!opt) opt = &def;
    char *out = NULL;
    mm__json_begin();
    cJSON *doc = cJSON_CreateObject();
    if (!doc) goto done;
    cJSON_AddNumberToObject(doc, "schema_version", MM_REPORT_SCHEMA_VERSION);
    cJSON_AddStringToObject(doc, "tool", opt->tool ? opt->tool : "mixmaster");
    cJSON_AddStringToObject(doc, "command", "check");
    cJSON_AddStringToObject(doc, "stage", cfg->stage == MM_STAGE_MASTER ? "master" : "mix");
    if (cfg->preset) {
        cJSON *p = cJSON_AddObjectToObject(doc, "preset");
        if (p) {
            cJSON_AddStringToObject(p, "name", cfg->preset->name);
            if (cfg->preset->has_loudness_target) mm__json_num(p, "integrated_lufs", cfg->preset->integrated_lufs, 2);
            else cJSON_AddNullToObject(p, "integrated_lufs");
            mm__json_num(p, "true_peak_dbtp", cfg->preset->true_peak_dbtp, 2);
            cJSON_AddStringToObject(p, "source", cfg->preset->source);
        }
    } else {
        cJSON_AddNullToObject(doc, "preset");
    }
    cJSON *tt = cJSON_AddObjectToObject(doc, "tonal_target");
    if (tt) {
        for (int b = 0; b < MM_TONAL_BANDS; b++) mm__json_num(tt, tonal_keys[b], cfg->tonal_target_db[b], 2);
        cJSON_AddStringToObject(tt, "source", cfg->tonal_target_source);
    }
    cJSON_AddItemToObject(doc, "thresholds", thresholds_json(cfg));
    cJSON *arr = cJSON_AddArrayToObject(doc, "files");
    size_t nf = 0, nw = 0, np = 0, ne = 0;
    for (size_t i = 0; arr && i < count; i++) {
        const mm_check_file *f = &files[i];
        cJSON *x = cJSON_CreateObject();
        if (!x) goto done;
        cJSON_AddItemToArray(arr, x);
        switch (check_file_json(x, f, opt)) {
        case -1: ne++; break;
        case MM_CHECK_FAIL: nf++; break;
        case MM_CHECK_WARN: nw++; break;
        default: np++; break;
        }
    }
    cJSON *sum = cJSON_AddObjectToObject(doc, "summary");
    if (sum) {
        cJSON_AddNumberToObject(sum, "files", (double)count);
        cJSON_AddNumberToObject(sum, "fail", (double)nf);
        cJSON_AddNumberToObject(sum, "warn", (double)nw);
        cJSON_AddNumberToObject(sum, "pass", (double)np);
        cJSON_AddNumberToObject(sum, "error", (double)ne);
    }
    out = mm__json_finish(cJSON_Print(doc));
done:
    cJSON_Delete(doc);
    if (err) *err = out ? MM_OK : MM_ERR_NOMEM;
    return out;
}

char *mm_report_check_jsonl(const mm_check_config *cfg, const mm_check_file *file, const mm_report_options *opt,
                            int *err)
{
    if (!cfg || !file) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm_report_options def = mm_report_options_default();
    if (!opt) opt = &def;
    char *out = NULL;
    mm__json_begin();
    cJSON *line = cJSON_CreateObject();
    if (!line) goto done;
    cJSON_AddNumberToObject(line, "schema_version", MM_REPORT_SCHEMA_VERSION);
    cJSON_AddStringToObject(line, "tool", opt->tool ? opt->tool : "mixmaster");
    cJSON_AddStringToObject(line, "command", "check");
    cJSON_AddStringToObject(line, "stage", cfg->stage == MM_STAGE_MASTER ? "master" : "mix");
    if (cfg->preset) cJSON_AddStringToObject(line, "preset", cfg->preset->name);
    else cJSON_AddNullToObject(line, "preset");
    check_file_json(line, file, opt);
    out = mm__json_finish(cJSON_PrintUnformatted(line));
done:
    cJSON_Delete(line);
    if (err) *err = out ? MM_OK : MM_ERR_NOMEM;
    return out;
}

/* Apply one key = number, with a reason on failure. */
static int set_one(mm_check_config *cfg, const char *key, const cJSON *v, char *why, size_t whylen)
{
    if (!cJSON_IsNumber(v)) {
        snprintf(why, whylen, "\"%s\": the value must be a number", key);
        return MM_ERR_FORMAT;
    }
    if (mm_check_config_set(cfg, key, v->valuedouble) != MM_OK) {
        snprintf(why, whylen, "\"%s\": no such threshold (mixmaster check --list-thresholds)", key);
        return MM_ERR_FORMAT;
    }
    return MM_OK;
}

int mm_check_config_read_json(mm_check_config *cfg, const char *json, char *why, size_t whylen)
{
    if (!cfg || !json) return MM_ERR_INVALID_ARG;
    cJSON *doc = cJSON_Parse(json);
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(why, whylen, "not valid JSON%s%.20s", at ? " near: " : "", at ? at : "");
        return MM_ERR_FORMAT;
    }
    int rc = MM_OK;
    const cJSON *root = doc;
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(doc, "checks");
    if (checks) root = checks;
    if (!cJSON_IsObject(root)) {
        snprintf(why, whylen, "the thresholds must be a JSON object");
        rc = MM_ERR_FORMAT;
        goto done;
    }
    for (const cJSON *it = root->child; it && rc == MM_OK; it = it->next) {
        if (root == doc && it == checks) continue;
        if (cJSON_IsObject(it)) {
            for (const cJSON *s = it->child; s && rc == MM_OK; s = s->next) {
                char key[128];
                snprintf(key, sizeof key, "%s.%s", it->string, s->string);
                rc = set_one(cfg, key, s, why, whylen);
            }
        } else {
            rc = set_one(cfg, it->string, it, why, whylen);
        }
    }
done:
    cJSON_Delete(doc);
    return rc;
}
