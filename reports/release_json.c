/* release.json (strict reader) and the delivery manifest (writer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mixmaster/release_report.h"
#include "internal.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void mm_release_free(mm_release *r)
{
    if (!r) return;
    for (size_t i = 0; r->tracks && i < r->count; i++) {
        free(r->tracks[i].file);
        free(r->tracks[i].title);
        free(r->tracks[i].artist);
    }
    free(r->tracks);
    free(r->title);
    free(r->artist);
    free(r->genre);
    free(r);
}

/* Key checks: every key of `o` must be in `allowed`. */
static const char *unknown_key(const cJSON *o, const char *const *allowed)
{
    for (const cJSON *c = o->child; c; c = c->next) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (!strcmp(c->string, allowed[i])) ok = 1;
        if (!ok) return c->string;
    }
    return NULL;
}

/* A string field: 0 absent, 1 present (copied to *out), -1 wrong type / no memory. */
static int get_str(const cJSON *o, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 0;
    if (!cJSON_IsString(v) || !v->valuestring) return -1;
    *out = dup_str(v->valuestring);
    return *out ? 1 : -2;
}

/* A number field: 0 absent, 1 present, -1 wrong type. */
static int get_num(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 0;
    if (!cJSON_IsNumber(v)) return -1;
    *out = v->valuedouble;
    return 1;
}

static int parse_track(const cJSON *o, size_t i, mm_release_track *t, mm_release_error *err)
{
    static const char *const keys[] = {"file",    "title",       "artist",     "isrc",       "gap_before_s",
                                       "trim",    "fade_in_s",   "fade_out_s", "fade_curve", "crossfade_s",
                                       "gain_db", "target_lufs", NULL};
    char f[64];
    const size_t tn = i + 1;
#define FIELD(name) (snprintf(f, sizeof f, "tracks[%zu].%s", i, name), f)
    if (!cJSON_IsObject(o)) {
        mm_release_error_set(err, tn, (snprintf(f, sizeof f, "tracks[%zu]", i), f), "expected an object");
        return MM_ERR_FORMAT;
    }
    const char *bad = unknown_key(o, keys);
    if (bad) {
        mm_release_error_set(err, tn, FIELD(bad),
                             "unknown key (see the release.json format in the man page)");
        return MM_ERR_FORMAT;
    }
    t->gap_before_s = NAN;
    t->gain_db = NAN;
    t->target_lufs = NAN;
    t->fade_curve = MM_FADE_EQUAL_POWER;
    static const char *const strs[] = {"file", "title", "artist"};
    char **dst[] = {&t->file, &t->title, &t->artist};
    for (int k = 0; k < 3; k++) {
        int r = get_str(o, strs[k], dst[k]);
        if (r < 0) {
            mm_release_error_set(err, tn, FIELD(strs[k]), r == -2 ? "out of memory" : "expected a string");
            return r == -2 ? MM_ERR_NOMEM : MM_ERR_FORMAT;
        }
        if (r == 0 && k < 2) {
            mm_release_error_set(err, tn, FIELD(strs[k]), "missing");
            return MM_ERR_FORMAT;
        }
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "isrc");
    if (v) {
        const char *why = NULL;
        if (!cJSON_IsString(v)) {
            mm_release_error_set(err, tn, FIELD("isrc"), "expected a string");
            return MM_ERR_FORMAT;
        }
        if (mm_isrc_normalize(v->valuestring, t->isrc, &why) != MM_OK) {
            mm_release_error_set(err, tn, FIELD("isrc"), "'%.40s' is not an ISRC: %s", v->valuestring, why);
            return MM_ERR_INVALID_ARG;
        }
    }
    static const char *const nums[] = {"gap_before_s", "fade_in_s", "fade_out_s",
                                       "crossfade_s",  "gain_db",   "target_lufs"};
    double *nd[] = {&t->gap_before_s, &t->fade_in_s, &t->fade_out_s,
                    &t->crossfade_s,  &t->gain_db,   &t->target_lufs};
    for (int k = 0; k < 6; k++)
        if (get_num(o, nums[k], nd[k]) < 0) {
            mm_release_error_set(err, tn, FIELD(nums[k]), "expected a number");
            return MM_ERR_FORMAT;
        }
    v = cJSON_GetObjectItemCaseSensitive(o, "fade_curve");
    if (v && (!cJSON_IsString(v) || mm_fade_curve_parse(v->valuestring, &t->fade_curve) != MM_OK)) {
        mm_release_error_set(err, tn, FIELD("fade_curve"),
                             "expected one of linear, equal-power, s-curve, log");
        return MM_ERR_FORMAT;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "trim");
    if (v) {
        static const char *const tkeys[] = {"start_s", "end_s", NULL};
        if (cJSON_IsString(v) && !strcmp(v->valuestring, "auto")) {
            t->trim = MM_TRIM_AUTO;
        } else if (cJSON_IsObject(v)) {
            t->trim = MM_TRIM_SECONDS;
            const char *b = unknown_key(v, tkeys);
            char sub[48];
            if (b) {
                snprintf(sub, sizeof sub, "trim.%s", b);
                mm_release_error_set(err, tn, FIELD(sub), "unknown key (start_s, end_s)");
                return MM_ERR_FORMAT;
            }
            if (get_num(v, "start_s", &t->trim_start_s) < 0 || get_num(v, "end_s", &t->trim_end_s) < 0) {
                mm_release_error_set(err, tn, FIELD("trim"), "start_s and end_s are numbers (seconds)");
                return MM_ERR_FORMAT;
            }
        } else {
            mm_release_error_set(err, tn, FIELD("trim"),
                                 "expected \"auto\" or {\"start_s\": s, \"end_s\": s}");
            return MM_ERR_FORMAT;
        }
    }
#undef FIELD
    return MM_OK;
}

int mm_release_parse_json(const char *text, mm_release **out, mm_release_error *err)
{
    static const char *const keys[] = {"schema_version", "title", "artist", "year",
                                       "genre",          "upc",   "tracks", NULL};
    if (!text || !out) return MM_ERR_INVALID_ARG;
    *out = NULL;
    cJSON *doc = cJSON_Parse(text);
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        size_t line = 1;
        for (const char *p = text; at && p < at; p++)
            line += *p == '\n';
        mm_release_error_set(err, 0, "release.json", "not valid JSON (near line %zu)", line);
        return MM_ERR_FORMAT;
    }
    int st = MM_ERR_FORMAT;
    mm_release *r = calloc(1, sizeof *r);
    if (!r) {
        st = MM_ERR_NOMEM;
        goto out;
    }
    if (!cJSON_IsObject(doc)) {
        mm_release_error_set(err, 0, "release.json", "expected an object at the top");
        goto out;
    }
    const char *bad = unknown_key(doc, keys);
    if (bad) {
        mm_release_error_set(err, 0, bad, "unknown key (see the release.json format in the man page)");
        goto out;
    }
    double d = 0.0;
    if (get_num(doc, "schema_version", &d) < 0 ||
        (cJSON_GetObjectItemCaseSensitive(doc, "schema_version") && d != MM_RELEASE_SCHEMA_VERSION)) {
        mm_release_error_set(err, 0, "schema_version", "this mixmaster reads version %d",
                             MM_RELEASE_SCHEMA_VERSION);
        goto out;
    }
    static const char *const strs[] = {"title", "artist", "genre"};
    char **dst[] = {&r->title, &r->artist, &r->genre};
    for (int k = 0; k < 3; k++) {
        int g = get_str(doc, strs[k], dst[k]);
        if (g < 0 || (g == 0 && k < 2)) {
            mm_release_error_set(err, 0, strs[k], g == 0 ? "missing" : "expected a string");
            goto out;
        }
    }
    int g = get_num(doc, "year", &d);
    if (g < 0 || (g == 1 && (d != floor(d) || d < 1000 || d > 9999))) {
        mm_release_error_set(err, 0, "year", "expected a four-digit year");
        goto out;
    }
    r->year = g == 1 ? (int)d : 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "upc");
    if (v) {
        const char *why = NULL;
        if (!cJSON_IsString(v)) {
            mm_release_error_set(err, 0, "upc", "expected a string of digits");
            goto out;
        }
        if (mm_upc_normalize(v->valuestring, r->upc, &why) != MM_OK) {
            mm_release_error_set(err, 0, "upc", "'%.40s' is not a UPC/EAN: %s", v->valuestring, why);
            st = MM_ERR_INVALID_ARG;
            goto out;
        }
    }
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(doc, "tracks");
    if (!cJSON_IsArray(tr) || cJSON_GetArraySize(tr) < 1) {
        mm_release_error_set(err, 0, "tracks", "expected a list of at least one track");
        goto out;
    }
    size_t n = (size_t)cJSON_GetArraySize(tr);
    if (n > MM_RELEASE_MAX_TRACKS) {
        mm_release_error_set(err, 0, "tracks", "%zu tracks: a release has at most %d", n,
                             MM_RELEASE_MAX_TRACKS);
        goto out;
    }
    r->tracks = calloc(n, sizeof *r->tracks);
    if (!r->tracks) {
        st = MM_ERR_NOMEM;
        goto out;
    }
    r->count = n;
    size_t i = 0;
    for (const cJSON *t = tr->child; t; t = t->next, i++)
        if ((st = parse_track(t, i, &r->tracks[i], err)) != MM_OK) goto out;
    st = mm_release_validate(r, err);
out:
    cJSON_Delete(doc);
    if (st != MM_OK)
        mm_release_free(r);
    else
        *out = r;
    return st;
}

static void add_file(cJSON *o, const char *key, mm_release_file f)
{
    if (!f.name) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    cJSON *c = cJSON_AddObjectToObject(o, key);
    if (!c) return;
    cJSON_AddStringToObject(c, "file", f.name);
    cJSON_AddStringToObject(c, "sha256", f.sha256 ? f.sha256 : "");
}

char *mm_report_release_manifest(const mm_release_manifest *m, const mm_report_options *opt, int *err)
{
    if (err) *err = MM_OK;
    if (!m || !m->release || !m->plans || !m->tracks || !(m->sample_rate > 0.0)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    const mm_release *r = m->release;
    const double fs = m->sample_rate;
    cJSON *doc = cJSON_CreateObject();
    char *out = NULL;
    if (!doc) goto out;
    cJSON_AddStringToObject(doc, "kind", "mixmaster_release_manifest");
    cJSON_AddNumberToObject(doc, "schema_version", MM_RELEASE_SCHEMA_VERSION);
    if (opt && opt->tool) cJSON_AddStringToObject(doc, "tool", opt->tool);
    cJSON *al = cJSON_AddObjectToObject(doc, "album");
    if (al) {
        cJSON_AddStringToObject(al, "title", r->title);
        cJSON_AddStringToObject(al, "artist", r->artist);
        if (r->year)
            cJSON_AddNumberToObject(al, "year", r->year);
        else
            cJSON_AddNullToObject(al, "year");
        if (r->genre)
            cJSON_AddStringToObject(al, "genre", r->genre);
        else
            cJSON_AddNullToObject(al, "genre");
        if (r->upc[0])
            cJSON_AddStringToObject(al, "upc_ean13", r->upc);
        else
            cJSON_AddNullToObject(al, "upc_ean13");
        cJSON_AddNumberToObject(al, "track_count", (double)r->count);
        mm__json_num(al, "duration_s", (double)m->album_frames / fs, 4);
        cJSON_AddNumberToObject(al, "duration_frames", (double)m->album_frames);
        mm__json_measure(al, "integrated_lufs", m->album_lufs, 2);
    }
    cJSON *dl = cJSON_AddObjectToObject(doc, "delivery");
    if (dl) {
        cJSON_AddStringToObject(dl, "format", m->format ? m->format : "wav");
        cJSON_AddNumberToObject(dl, "bits", m->bits);
        cJSON_AddNumberToObject(dl, "sample_rate_hz", fs);
        cJSON_AddNumberToObject(dl, "channels", m->channels);
        if (m->preset)
            cJSON_AddStringToObject(dl, "preset", m->preset);
        else
            cJSON_AddNullToObject(dl, "preset");
        mm__json_num(dl, "target_lufs", m->target_lufs, 2);
        mm__json_num(dl, "ceiling_dbtp", m->ceiling_dbtp, 2);
        cJSON_AddBoolToObject(dl, "cd_sector_aligned", m->cd_aligned);
        cJSON_AddStringToObject(dl, "dither", "tpdf");
        cJSON_AddBoolToObject(dl, "forced_past_failed_checks", m->forced);
    }
    cJSON *ta = cJSON_AddArrayToObject(doc, "tracks");
    for (size_t i = 0; ta && i < r->count; i++) {
        const mm_release_track *t = &r->tracks[i];
        const mm_release_track_plan *p = &m->plans[i];
        const mm_release_delivered *d = &m->tracks[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(ta, o)) {
            cJSON_Delete(o);
            break;
        }
        cJSON_AddNumberToObject(o, "number", (double)(i + 1));
        cJSON_AddStringToObject(o, "title", t->title);
        cJSON_AddStringToObject(o, "artist", t->artist ? t->artist : r->artist);
        if (t->isrc[0])
            cJSON_AddStringToObject(o, "isrc", t->isrc);
        else
            cJSON_AddNullToObject(o, "isrc");
        cJSON_AddStringToObject(o, "source", t->file);
        cJSON_AddStringToObject(o, "file", d->file.name ? d->file.name : "");
        cJSON_AddStringToObject(o, "sha256", d->file.sha256 ? d->file.sha256 : "");
        mm__json_num(o, "duration_s", (double)p->frames / fs, 4);
        cJSON_AddNumberToObject(o, "duration_frames", (double)p->frames);
        mm__json_num(o, "start_s", (double)p->index01 / fs, 4);
        cJSON_AddNumberToObject(o, "start_frame", (double)p->index01);
        cJSON_AddNumberToObject(o, "start_cd_frame", (double)mm_cd_frames(p->index01, fs));
        mm__json_num(o, "gap_before_s", (double)p->gap_before / fs, 4);
        mm__json_num(o, "crossfade_s", (double)p->overlap / fs, 4);
        mm__json_num(o, "trim_start_s", (double)p->trim_start / fs, 4);
        mm__json_num(o, "trim_end_s", (double)p->trim_end / fs, 4);
        mm__json_num(o, "pad_s", (double)p->pad_frames / fs, 4);
        mm__json_num(o, "fade_in_s", (double)p->fade_in / fs, 4);
        mm__json_num(o, "fade_out_s", (double)p->fade_out / fs, 4);
        cJSON_AddStringToObject(o, "fade_curve", mm_fade_curve_name(t->fade_curve));
        mm__json_num(o, "gain_db", d->gain_db, 2);
        mm__json_num(o, "ceiling_dbtp", d->ceiling_dbtp, 2);
        mm__json_num(o, "limiting_db", d->limiting_db, 2);
        if (isnan(d->continuous_cut_db)) cJSON_AddNullToObject(o, "continuous_cut_db");
        else mm__json_num(o, "continuous_cut_db", d->continuous_cut_db, 2);
        mm__json_measure(o, "integrated_lufs", d->integrated_lufs, 2);
        mm__json_measure(o, "true_peak_dbtp", d->true_peak_dbtp, 2);
        cJSON_AddStringToObject(o, "check", d->check_status ? d->check_status : "skip");
        cJSON_AddNumberToObject(o, "check_fails", (double)d->check_fails);
        cJSON_AddNumberToObject(o, "check_warns", (double)d->check_warns);
    }
    add_file(doc, "cue", m->cue);
    add_file(doc, "continuous", m->continuous);
    add_file(doc, "continuous_cue", m->continuous_cue);
    out = cJSON_Print(doc);
out:
    cJSON_Delete(doc);
    if (!out && err) *err = MM_ERR_NOMEM;
    return out;
}
