/* Automix plans (written and strictly read back) and reports as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mixmaster/automix_report.h"
#include "mixmaster/report.h"

static double rnd(double x, int digits)
{
    double p = pow(10.0, digits);
    double r = round(x * p) / p;
    return isfinite(r) ? r : x;
}

static void num(cJSON *o, const char *key, double v, int digits)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, rnd(v, digits));
    else cJSON_AddNullToObject(o, key);
}

static void null_with_reason(cJSON *o, const char *key, const char *why)
{
    cJSON_AddNullToObject(o, key);
    cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "null_reasons");
    if (!r) r = cJSON_AddObjectToObject(o, "null_reasons");
    if (r) cJSON_AddStringToObject(r, key, why);
}

static void measure(cJSON *o, const char *key, mm_measure m, int digits)
{
    if (m.reason == MM_REASON_NONE && isfinite(m.value)) cJSON_AddNumberToObject(o, key, rnd(m.value, digits));
    else null_with_reason(o, key, mm_reason_string(m.reason == MM_REASON_NONE ? MM_REASON_SILENT : m.reason));
}

static cJSON *eq_json(const mm_automix_eq *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "type", mm_automix_eq_kind_name(e->kind));
    num(o, "freq_hz", e->freq_hz, 2);
    num(o, "q", e->q, 4);
    num(o, "gain_db", e->gain_db, 3);
    cJSON_AddStringToObject(o, "reason", e->reason);
    return o;
}

static cJSON *stem_plan_json(const mm_automix_plan *p, int i)
{
    const mm_automix_stem *s = &p->stem[i];
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "role", mm_role_name(s->role));
    cJSON_AddStringToObject(o, "role_source", s->role_source);
    cJSON_AddNumberToObject(o, "channels", s->channels);
    cJSON_AddBoolToObject(o, "silent", s->silent);
    if (s->silent) {
        null_with_reason(o, "input_lufs", "silent");
        null_with_reason(o, "predicted_lufs", "silent");
    } else {
        num(o, "input_lufs", s->input_lufs, 3);
        num(o, "predicted_lufs", s->predicted_lufs, 3);
    }
    num(o, "target_lufs", s->target_lufs, 3);
    num(o, "gain_db", s->gain_db, 4);
    cJSON_AddStringToObject(o, "gain_reason", s->gain_reason);
    cJSON_AddBoolToObject(o, "fold_to_mono", s->fold_to_mono);
    num(o, "input_balance_db", s->input_balance_db, 4);
    num(o, "pan", s->pan, 4);
    cJSON_AddStringToObject(o, "pan_reason", s->pan_reason);
    cJSON *eq = cJSON_AddArrayToObject(o, "eq");
    for (int k = 0; eq && k < s->eq_count; k++) cJSON_AddItemToArray(eq, eq_json(&s->eq[k]));
    if (s->comp.enabled) {
        cJSON *c = cJSON_AddObjectToObject(o, "compression");
        num(c, "threshold_db", s->comp.threshold_db, 3);
        num(c, "ratio", s->comp.ratio, 3);
        num(c, "knee_db", s->comp.knee_db, 3);
        num(c, "attack_ms", s->comp.attack_ms, 3);
        num(c, "release_ms", s->comp.release_ms, 3);
        num(c, "makeup_db", s->comp.makeup_db, 3);
        cJSON_AddStringToObject(c, "reason", s->comp.reason);
    } else {
        cJSON_AddNullToObject(o, "compression");
    }
    if (s->duck.enabled) {
        cJSON *d = cJSON_AddObjectToObject(o, "ducking");
        cJSON_AddStringToObject(d, "key", p->stem[s->duck.key].name);
        num(d, "threshold_db", s->duck.threshold_db, 3);
        num(d, "ratio", s->duck.ratio, 3);
        num(d, "depth_db", s->duck.depth_db, 3);
        num(d, "attack_ms", s->duck.attack_ms, 3);
        num(d, "release_ms", s->duck.release_ms, 3);
        cJSON_AddStringToObject(d, "reason", s->duck.reason);
    } else {
        cJSON_AddNullToObject(o, "ducking");
    }
    return o;
}

static cJSON *plan_object(const mm_automix_plan *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "schema_version", MM_AUTOMIX_PLAN_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "kind", "mixmaster_automix_plan");
    num(o, "target_lufs", p->target_lufs, 3);
    num(o, "peak_target_dbfs", p->peak_target_dbfs, 3);
    num(o, "balance", p->balance, 4);
    cJSON *bb = cJSON_AddArrayToObject(o, "band_balance");
    for (int b = 0; bb && b < 4; b++) cJSON_AddItemToArray(bb, cJSON_CreateNumber(rnd(p->band_balance[b], 4)));
    cJSON *st = cJSON_AddArrayToObject(o, "stems");
    for (int i = 0; st && i < p->stem_count; i++) cJSON_AddItemToArray(st, stem_plan_json(p, i));
    return o;
}

static char *print_doc(cJSON *doc, int *err)
{
    char *s = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (err) *err = s ? MM_OK : MM_ERR_NOMEM;
    return s;
}

char *mm_automix_plan_json(const mm_automix_plan *plan, int *err)
{
    if (!plan) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    return print_doc(plan_object(plan), err);
}

/* ---- strict reader ------------------------------------------------------- */

typedef struct rd {
    char *why;
    size_t whylen;
    int bad;
} rd;

static void fail(rd *r, const char *path, const char *what)
{
    if (r->bad) return;
    r->bad = 1;
    snprintf(r->why, r->whylen, "%s: %s", path, what);
}

/* Every key of `o` must be in `allowed`. */
static void only_keys(rd *r, const cJSON *o, const char *path, const char *const *allowed)
{
    for (const cJSON *c = o ? o->child : NULL; c && !r->bad; c = c->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (c->string && !strcmp(c->string, *a)) ok = 1;
        if (!ok) {
            char p[200];
            snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", c->string ? c->string : "?");
            fail(r, p, "unknown field");
        }
    }
}

static const cJSON *field(rd *r, const cJSON *o, const char *path, const char *key, int required)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!c && required) {
        char p[200];
        snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
        fail(r, p, "missing");
    }
    return c;
}

static double get_num(rd *r, const cJSON *o, const char *path, const char *key, int required, double dflt)
{
    const cJSON *c = field(r, o, path, key, required);
    if (!c || (!required && cJSON_IsNull(c))) return dflt;
    if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble)) {
        char p[200];
        snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
        fail(r, p, "must be a number");
        return dflt;
    }
    return c->valuedouble;
}

static int get_bool(rd *r, const cJSON *o, const char *path, const char *key, int dflt)
{
    const cJSON *c = field(r, o, path, key, 0);
    if (!c) return dflt;
    if (!cJSON_IsBool(c)) {
        char p[200];
        snprintf(p, sizeof p, "%s.%s", path, key);
        fail(r, p, "must be true or false");
        return dflt;
    }
    return cJSON_IsTrue(c);
}

static const char *get_str(rd *r, const cJSON *o, const char *path, const char *key, int required)
{
    const cJSON *c = field(r, o, path, key, required);
    if (!c) return NULL;
    if (!cJSON_IsString(c)) {
        char p[200];
        snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
        fail(r, p, "must be a string");
        return NULL;
    }
    return c->valuestring;
}

static void copy_reason(char *dst, const char *src)
{
    snprintf(dst, MM_AUTOMIX_REASON_LEN, "%s", src ? src : "set by hand");
}

mm_automix_plan *mm_automix_plan_parse(const char *json, int *err, char *why, size_t whylen)
{
    char dummy[8];
    rd r = {why ? why : dummy, why ? whylen : sizeof dummy, 0};
    mm_automix_plan *p = NULL;
    int st = MM_ERR_FORMAT;
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    if (!doc) {
        fail(&r, "plan", "not valid JSON");
        goto done;
    }
    if (!cJSON_IsObject(doc)) {
        fail(&r, "plan", "must be a JSON object");
        goto done;
    }
    static const char *const top_keys[] = {"schema_version", "kind", "target_lufs", "peak_target_dbfs",
                                           "balance", "band_balance", "stems", NULL};
    only_keys(&r, doc, "", top_keys);
    double ver = get_num(&r, doc, "", "schema_version", 1, 0);
    if (!r.bad && ver != MM_AUTOMIX_PLAN_SCHEMA_VERSION) fail(&r, "schema_version", "must be 1");
    const char *kind = get_str(&r, doc, "", "kind", 0);
    if (kind && strcmp(kind, "mixmaster_automix_plan")) fail(&r, "kind", "must be \"mixmaster_automix_plan\"");
    const cJSON *stems = field(&r, doc, "", "stems", 1);
    if (r.bad) goto done;
    if (!cJSON_IsArray(stems)) {
        fail(&r, "stems", "must be an array");
        goto done;
    }
    int n = cJSON_GetArraySize(stems);
    if (n < 1 || n > MM_AUTOMIX_MAX_STEMS) {
        char w[64];
        snprintf(w, sizeof w, "must hold 1 to %d stems", MM_AUTOMIX_MAX_STEMS);
        fail(&r, "stems", w);
        goto done;
    }
    p = mm_automix_plan_create(n, &st);
    if (!p) goto done;
    st = MM_ERR_FORMAT;
    p->target_lufs = get_num(&r, doc, "", "target_lufs", 0, -23.0);
    p->peak_target_dbfs = get_num(&r, doc, "", "peak_target_dbfs", 0, -6.0);
    p->balance = get_num(&r, doc, "", "balance", 0, 0.0);
    static const char *const stem_keys[] = {"name", "role", "role_source", "channels", "silent", "input_lufs",
                                            "target_lufs", "predicted_lufs", "gain_db", "gain_reason", "fold_to_mono",
                                            "input_balance_db", "pan", "pan_reason", "eq", "compression", "ducking",
                                            "null_reasons", NULL};
    static const char *const eq_keys[] = {"type", "freq_hz", "q", "gain_db", "reason", NULL};
    static const char *const comp_keys[] = {"threshold_db", "ratio", "knee_db", "attack_ms", "release_ms",
                                            "makeup_db", "reason", NULL};
    static const char *const duck_keys[] = {"key", "threshold_db", "ratio", "depth_db", "attack_ms", "release_ms",
                                            "reason", NULL};
    const char *duck_key[MM_AUTOMIX_MAX_STEMS] = {0};
    for (int i = 0; i < n && !r.bad; i++) {
        const cJSON *o = cJSON_GetArrayItem(stems, i);
        mm_automix_stem *s = &p->stem[i];
        char path[64];
        snprintf(path, sizeof path, "stems[%d]", i);
        if (!cJSON_IsObject(o)) {
            fail(&r, path, "must be an object");
            break;
        }
        only_keys(&r, o, path, stem_keys);
        const char *name = get_str(&r, o, path, "name", 1);
        if (name) {
            if (!*name || strlen(name) >= sizeof s->name) fail(&r, path, "name: must be 1 to 63 characters");
            snprintf(s->name, sizeof s->name, "%s", name);
        }
        const char *role = get_str(&r, o, path, "role", 0);
        if (role && mm_role_parse(role, &s->role) != MM_OK) {
            char p2[96];
            snprintf(p2, sizeof p2, "%s.role", path);
            fail(&r, p2, "not a known role");
        }
        const char *rs = get_str(&r, o, path, "role_source", 0);
        snprintf(s->role_source, sizeof s->role_source, "%s", rs ? rs : "plan");
        double ch = get_num(&r, o, path, "channels", 1, 1);
        if (!r.bad && ch != 1 && ch != 2) {
            char p2[96];
            snprintf(p2, sizeof p2, "%s.channels", path);
            fail(&r, p2, "must be 1 or 2");
        }
        s->channels = ch == 2 ? 2 : 1; /* never cast an unchecked double: it may not fit an int */
        s->silent = get_bool(&r, o, path, "silent", 0);
        s->input_lufs = get_num(&r, o, path, "input_lufs", 0, 0.0);
        s->target_lufs = get_num(&r, o, path, "target_lufs", 0, 0.0);
        s->predicted_lufs = get_num(&r, o, path, "predicted_lufs", 0, 0.0);
        s->gain_db = get_num(&r, o, path, "gain_db", 1, 0.0);
        copy_reason(s->gain_reason, get_str(&r, o, path, "gain_reason", 0));
        s->fold_to_mono = get_bool(&r, o, path, "fold_to_mono", 0);
        s->input_balance_db = get_num(&r, o, path, "input_balance_db", 0, 0.0);
        s->pan = get_num(&r, o, path, "pan", 1, 0.0);
        copy_reason(s->pan_reason, get_str(&r, o, path, "pan_reason", 0));
        const cJSON *eq = field(&r, o, path, "eq", 1);
        if (eq && !cJSON_IsArray(eq)) {
            char p2[96];
            snprintf(p2, sizeof p2, "%s.eq", path);
            fail(&r, p2, "must be an array");
        } else if (eq) {
            int ne = cJSON_GetArraySize(eq);
            if (ne > MM_AUTOMIX_MAX_EQ) {
                char p2[96], w[64];
                snprintf(p2, sizeof p2, "%s.eq", path);
                snprintf(w, sizeof w, "at most %d bands", MM_AUTOMIX_MAX_EQ);
                fail(&r, p2, w);
            }
            for (int k = 0; k < ne && !r.bad; k++) {
                const cJSON *e = cJSON_GetArrayItem(eq, k);
                char ep[96];
                snprintf(ep, sizeof ep, "%s.eq[%d]", path, k);
                if (!cJSON_IsObject(e)) {
                    fail(&r, ep, "must be an object");
                    break;
                }
                only_keys(&r, e, ep, eq_keys);
                mm_automix_eq *q = &s->eq[k];
                const char *type = get_str(&r, e, ep, "type", 1);
                if (type && mm_automix_eq_kind_parse(type, &q->kind) != MM_OK) {
                    char p2[128];
                    snprintf(p2, sizeof p2, "%s.type", ep);
                    fail(&r, p2, "must be highpass, lowpass, cut, carve or peak");
                }
                q->freq_hz = get_num(&r, e, ep, "freq_hz", 1, 1000);
                q->q = get_num(&r, e, ep, "q", 1, 0.7071);
                q->gain_db = get_num(&r, e, ep, "gain_db", q->kind != MM_AUTOMIX_EQ_HIGHPASS && q->kind != MM_AUTOMIX_EQ_LOWPASS, 0);
                copy_reason(q->reason, get_str(&r, e, ep, "reason", 0));
            }
            s->eq_count = ne;
        }
        const cJSON *c = field(&r, o, path, "compression", 1);
        char cp[96];
        snprintf(cp, sizeof cp, "%s.compression", path);
        if (c && cJSON_IsObject(c)) {
            only_keys(&r, c, cp, comp_keys);
            s->comp.enabled = 1;
            s->comp.threshold_db = get_num(&r, c, cp, "threshold_db", 1, 0);
            s->comp.ratio = get_num(&r, c, cp, "ratio", 1, 1);
            s->comp.knee_db = get_num(&r, c, cp, "knee_db", 0, 6);
            s->comp.attack_ms = get_num(&r, c, cp, "attack_ms", 1, 10);
            s->comp.release_ms = get_num(&r, c, cp, "release_ms", 1, 100);
            s->comp.makeup_db = get_num(&r, c, cp, "makeup_db", 0, 0);
            copy_reason(s->comp.reason, get_str(&r, c, cp, "reason", 0));
        } else if (c && !cJSON_IsNull(c)) {
            fail(&r, cp, "must be an object or null");
        }
        const cJSON *d = field(&r, o, path, "ducking", 1);
        snprintf(cp, sizeof cp, "%s.ducking", path);
        if (d && cJSON_IsObject(d)) {
            only_keys(&r, d, cp, duck_keys);
            s->duck.enabled = 1;
            duck_key[i] = get_str(&r, d, cp, "key", 1);
            s->duck.threshold_db = get_num(&r, d, cp, "threshold_db", 1, 0);
            s->duck.ratio = get_num(&r, d, cp, "ratio", 1, 1);
            s->duck.depth_db = get_num(&r, d, cp, "depth_db", 0, 0);
            s->duck.attack_ms = get_num(&r, d, cp, "attack_ms", 1, 5);
            s->duck.release_ms = get_num(&r, d, cp, "release_ms", 1, 110);
            copy_reason(s->duck.reason, get_str(&r, d, cp, "reason", 0));
        } else if (d && !cJSON_IsNull(d)) {
            fail(&r, cp, "must be an object or null");
        }
    }
    for (int i = 0; i < n && !r.bad; i++)
        for (int j = 0; j < i && !r.bad; j++)
            if (!strcmp(p->stem[i].name, p->stem[j].name)) {
                char p2[64];
                snprintf(p2, sizeof p2, "stems[%d].name", i);
                fail(&r, p2, "repeats another stem's name");
            }
    for (int i = 0; i < n && !r.bad; i++) {
        if (!p->stem[i].duck.enabled) continue;
        p->stem[i].duck.key = -1;
        for (int j = 0; j < n; j++)
            if (duck_key[i] && !strcmp(duck_key[i], p->stem[j].name)) p->stem[i].duck.key = j;
        if (p->stem[i].duck.key < 0 || p->stem[i].duck.key == i) {
            char p2[64];
            snprintf(p2, sizeof p2, "stems[%d].ducking.key", i);
            fail(&r, p2, "must name another stem of the plan");
        }
    }
    if (!r.bad) {
        char w[200];
        if (mm_automix_plan_validate(p, w, sizeof w) != MM_OK) {
            r.bad = 1;
            snprintf(r.why, r.whylen, "%s", w); /* w names the field */
        }
    }
done:
    cJSON_Delete(doc);
    if (r.bad || !p) {
        mm_automix_plan_destroy(p);
        if (err) *err = p ? MM_ERR_FORMAT : (r.bad ? MM_ERR_FORMAT : st);
        return NULL;
    }
    if (err) *err = MM_OK;
    return p;
}

/* ---- report ------------------------------------------------------------- */

/* The measured figures the decisions rest on. */
static cJSON *features_json(const mm_stem_features *f)
{
    cJSON *o = cJSON_CreateObject();
    measure(o, "integrated_lufs", f->integrated_lufs, 2);
    measure(o, "active_lufs", f->active_lufs, 2);
    num(o, "active_fraction", f->active_fraction, 3);
    measure(o, "shortterm_max_lufs", f->shortterm_max_lufs, 2);
    measure(o, "sample_peak_dbfs", f->sample_peak_dbfs, 2);
    measure(o, "active_rms_dbfs", f->active_rms_dbfs, 2);
    measure(o, "crest_db", f->crest_db, 2);
    measure(o, "level_spread_db", f->level_spread_db, 2);
    measure(o, "peak10_p90_dbfs", f->peak10_p90_dbfs, 2);
    num(o, "sustain", f->sustain, 3);
    measure(o, "centroid_hz", f->centroid_hz, 1);
    num(o, "low_fraction", f->low_fraction, 4);
    measure(o, "low_cut_hz", f->low_cut_hz, 1);
    measure(o, "kick_fundamental_hz", f->low_peak_hz, 2);
    measure(o, "correlation", f->correlation, 3);
    measure(o, "width_db", f->width_db, 2);
    measure(o, "balance_db", f->balance_db, 2);
    cJSON_AddBoolToObject(o, "panned_mono", f->panned_mono);
    cJSON *hz = cJSON_AddArrayToObject(o, "erb_band_hz"), *db = cJSON_AddArrayToObject(o, "erb_band_db");
    for (int k = 0; k < f->bands; k++) {
        cJSON_AddItemToArray(hz, cJSON_CreateNumber(rnd(f->band_hz[k], 1)));
        cJSON_AddItemToArray(db, f->erb_db[k] > -250 ? cJSON_CreateNumber(rnd(f->erb_db[k], 2)) : cJSON_CreateNull());
    }
    return o;
}

static cJSON *matrix(const mm_automix_report *r, const mm_masking *m, const double *gains, double lo, double hi)
{
    const int n = r->plan->stem_count;
    cJSON *o = cJSON_CreateObject();
    cJSON *mm = cJSON_AddArrayToObject(o, "m_db"), *mc = cJSON_AddArrayToObject(o, "mcf");
    for (int a = 0; a < n; a++) {
        cJSON *ra = cJSON_CreateArray(), *rc = cJSON_CreateArray();
        for (int b = 0; b < n; b++) {
            mm_masking_result res;
            if (a != b && mm_masking_pair(m, a, b, gains ? gains[a] : 0, gains ? gains[b] : 0, lo, hi, NULL, &res) == MM_OK &&
                res.cells > 0) {
                cJSON_AddItemToArray(ra, cJSON_CreateNumber(rnd(res.m_db, 3)));
                cJSON_AddItemToArray(rc, cJSON_CreateNumber(rnd(res.mcf, 4)));
            } else {
                cJSON_AddItemToArray(ra, cJSON_CreateNull());
                cJSON_AddItemToArray(rc, cJSON_CreateNull());
            }
        }
        cJSON_AddItemToArray(mm, ra);
        cJSON_AddItemToArray(mc, rc);
    }
    return o;
}

/* M and MCF of a on b over [lo, hi] Hz, over every frame or (peaks) over
 * b's peaks only. */
static cJSON *pair_json(const mm_masking *m, int a, int b, const double *g, double lo, double hi, int peaks)
{
    mm_masking_result res;
    int (*pair)(const mm_masking *, int, int, double, double, double, double, const double *, mm_masking_result *) =
        peaks ? mm_masking_pair_peaks : mm_masking_pair;
    if (!m || pair(m, a, b, g ? g[a] : 0, g ? g[b] : 0, lo, hi, NULL, &res) != MM_OK || res.cells <= 0)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    num(o, "m_db", res.m_db, 3);
    num(o, "mcf", res.mcf, 4);
    return o;
}

char *mm_automix_report_json(const mm_automix_report *r, int *err)
{
    if (!r || !r->plan || !r->stems) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    const mm_automix_plan *p = r->plan;
    const int n = p->stem_count;
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return print_doc(NULL, err);
    cJSON_AddNumberToObject(doc, "schema_version", MM_AUTOMIX_PLAN_SCHEMA_VERSION);
    cJSON_AddStringToObject(doc, "kind", "mixmaster_automix_report");
    if (r->tool) cJSON_AddStringToObject(doc, "tool", r->tool);
    num(doc, "sample_rate_hz", r->sample_rate_hz, 0);
    cJSON_AddNumberToObject(doc, "frames", (double)r->frames);
    num(doc, "duration_s", r->sample_rate_hz > 0 ? (double)r->frames / r->sample_rate_hz : NAN, 3);
    cJSON *out = cJSON_AddObjectToObject(doc, "mix");
    if (r->output_path) cJSON_AddStringToObject(out, "path", r->output_path);
    measure(out, "integrated_lufs", r->mix_integrated_lufs, 2);
    if (isfinite(r->bus_true_peak_dbtp)) {
        num(out, "bus_sample_peak_dbfs", r->bus_sample_peak_dbfs, 2);
        num(out, "bus_true_peak_dbtp", r->bus_true_peak_dbtp, 2);
        num(out, "sample_peak_dbfs", r->mix_sample_peak_dbfs, 2);
        num(out, "true_peak_dbtp", r->mix_true_peak_dbtp, 2);
    } else {
        null_with_reason(out, "bus_sample_peak_dbfs", "silent");
        null_with_reason(out, "bus_true_peak_dbtp", "silent");
        null_with_reason(out, "sample_peak_dbfs", "silent");
        null_with_reason(out, "true_peak_dbtp", "silent");
    }
    num(out, "master_gain_db", r->master_gain_db, 3);
    num(out, "peak_target_dbfs", p->peak_target_dbfs, 2);
    cJSON_AddBoolToObject(out, "clipped", isfinite(r->mix_sample_peak_dbfs) && r->mix_sample_peak_dbfs >= 0.0);

    cJSON *stems = cJSON_AddArrayToObject(doc, "stems");
    for (int i = 0; i < n; i++) {
        const mm_automix_stem *s = &p->stem[i];
        const mm_automix_report_stem *rs = &r->stems[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        if (rs->path) cJSON_AddStringToObject(o, "path", rs->path);
        cJSON_AddStringToObject(o, "role", mm_role_name(s->role));
        cJSON_AddStringToObject(o, "role_source", s->role_source);
        cJSON_AddNumberToObject(o, "channels", s->channels);
        cJSON_AddNumberToObject(o, "sample_rate_hz", rs->sample_rate_hz);
        cJSON_AddBoolToObject(o, "resampled", rs->resampled);
        if (s->silent) null_with_reason(o, "loudness_before_lufs", "silent");
        else num(o, "loudness_before_lufs", s->input_lufs, 2);
        measure(o, "loudness_after_lufs", rs->loudness_after_lufs, 2);
        num(o, "gain_db", s->gain_db, 2);
        cJSON_AddStringToObject(o, "gain_reason", s->gain_reason);
        num(o, "pan", s->pan, 3);
        cJSON_AddStringToObject(o, "pan_reason", s->pan_reason);
        cJSON_AddBoolToObject(o, "fold_to_mono", s->fold_to_mono);
        cJSON *eq = cJSON_AddArrayToObject(o, "eq");
        for (int k = 0; k < s->eq_count; k++) cJSON_AddItemToArray(eq, eq_json(&s->eq[k]));
        if (s->comp.enabled) {
            cJSON *c = cJSON_AddObjectToObject(o, "compression");
            num(c, "threshold_db", s->comp.threshold_db, 2);
            num(c, "ratio", s->comp.ratio, 2);
            num(c, "makeup_db", s->comp.makeup_db, 2);
            num(c, "max_reduction_db", rs->comp_max_reduction_db, 2);
            cJSON_AddStringToObject(c, "reason", s->comp.reason);
        } else {
            cJSON_AddNullToObject(o, "compression");
        }
        if (s->duck.enabled) {
            cJSON *d = cJSON_AddObjectToObject(o, "ducking");
            cJSON_AddStringToObject(d, "key", p->stem[s->duck.key].name);
            num(d, "depth_db", s->duck.depth_db, 2);
            num(d, "max_reduction_db", rs->duck_max_reduction_db, 2);
            cJSON_AddStringToObject(d, "reason", s->duck.reason);
        } else {
            cJSON_AddNullToObject(o, "ducking");
        }
        if (rs->warning) cJSON_AddStringToObject(o, "warning", rs->warning);
        if (rs->features) cJSON_AddItemToObject(o, "features", features_json(rs->features));
        cJSON_AddItemToArray(stems, o);
    }

    cJSON *mk = cJSON_AddObjectToObject(doc, "masking");
    cJSON_AddStringToObject(mk, "metric",
                            "ERB-band masker-to-signal ratio, rows mask columns: m_db[a][b] is the mean MSR "
                            "(clipped 0..20 dB) of a on b, mcf[a][b] the share of cells with MSR > 0; kick_bass "
                            "strokes_*: the same over the frames within 6 dB of the kick's loudest");
    cJSON *names = cJSON_AddArrayToObject(mk, "stems");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(names, cJSON_CreateString(p->stem[i].name));
    if (r->masking_in) {
        cJSON_AddItemToObject(mk, "as_delivered", matrix(r, r->masking_in, NULL, 0, 1e9));
        if (r->balanced_gain_db)
            cJSON_AddItemToObject(mk, "before", matrix(r, r->masking_in, r->balanced_gain_db, 0, 1e9));
    } else {
        null_with_reason(mk, "before", "not_measured");
    }
    if (r->masking_out) cJSON_AddItemToObject(mk, "after", matrix(r, r->masking_out, NULL, 0, 1e9));
    else null_with_reason(mk, "after", "not_measured");
    cJSON *kb = cJSON_AddArrayToObject(mk, "kick_bass");
    for (int b = 0; b < n; b++)
        for (int k = 0; k < n; k++) {
            if (p->stem[b].role != MM_ROLE_BASS || p->stem[k].role != MM_ROLE_KICK) continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "masker", p->stem[b].name);
            cJSON_AddStringToObject(o, "masked", p->stem[k].name);
            num(o, "low_hz", 30, 0);
            num(o, "high_hz", 250, 0);
            cJSON_AddItemToObject(o, "before", pair_json(r->masking_in, b, k, r->balanced_gain_db, 30, 250, 0));
            cJSON_AddItemToObject(o, "after", pair_json(r->masking_out, b, k, NULL, 30, 250, 0));
            /* the figure the kick/bass rule judges: the kick's strokes only */
            cJSON_AddItemToObject(o, "strokes_before",
                                  pair_json(r->masking_in, b, k, r->balanced_gain_db, 30, 250, 1));
            cJSON_AddItemToObject(o, "strokes_after", pair_json(r->masking_out, b, k, NULL, 30, 250, 1));
            cJSON_AddItemToArray(kb, o);
        }
    cJSON_AddItemToObject(doc, "plan", plan_object(p));
    return print_doc(doc, err);
}
