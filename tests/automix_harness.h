/* Shared by the automix tests: load a corpus song (stems + balance.json),
 * run analysis, decision and render in memory, measure what came out.
 * Header-only; include after testutil.h. */
#ifndef MM_AUTOMIX_HARNESS_H
#define MM_AUTOMIX_HARNESS_H

#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <sndfile.h>

#include "mixmaster/automix.h"
#include "mixmaster/loudness.h"
#include "mixmaster/stems.h"

#define AH_MAX 8
#define AH_BLOCK 4096

typedef struct ah_song {
    int n;
    char name[AH_MAX][32];
    int ch[AH_MAX];
    size_t frames;
    double fs;
    float *x[AH_MAX][2];
    double ref_gain_db[AH_MAX], ref_pan[AH_MAX], ref_in_mix_lufs[AH_MAX];
} ah_song;

/* Generate a corpus song of `seconds` into dir (with $BUILD/mm-corpus);
 * `bass` is mm-corpus's --bass (NULL: the default saw). */
static inline int ah_make_song(const char *dir, double seconds, unsigned seed, const char *bass)
{
    const char *b = getenv("BUILD");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/mm-corpus song %s --seconds %g --seed %u%s%s >/dev/null", b ? b : "build", dir,
             seconds, seed, bass ? " --bass " : "", bass ? bass : "");
    return system(cmd);
}

static inline char *ah_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

/* Planar float copy of an audio file; returns frames (0 on failure). */
static inline size_t ah_read_audio(const char *path, float *out[2], int *ch, double *fs)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) return 0;
    float *inter = malloc((size_t)info.frames * (size_t)info.channels * sizeof(float));
    sf_readf_float(f, inter, info.frames);
    sf_close(f);
    *ch = info.channels;
    *fs = info.samplerate;
    for (int c = 0; c < info.channels && c < 2; c++) {
        out[c] = malloc((size_t)info.frames * sizeof(float));
        for (sf_count_t i = 0; i < info.frames; i++) out[c][i] = inter[i * info.channels + c];
    }
    free(inter);
    return (size_t)info.frames;
}

static inline int ah_load_song(const char *dir, ah_song *s)
{
    memset(s, 0, sizeof *s);
    char p[512];
    snprintf(p, sizeof p, "%s/balance.json", dir);
    char *txt = ah_read_text(p);
    if (!txt) return -1;
    cJSON *doc = cJSON_Parse(txt);
    free(txt);
    if (!doc) return -1;
    cJSON *st = cJSON_GetObjectItem(doc, "stems"), *e;
    cJSON_ArrayForEach(e, st)
    {
        if (s->n >= AH_MAX) break;
        int i = s->n++;
        snprintf(s->name[i], sizeof s->name[i], "%s", cJSON_GetObjectItem(e, "name")->valuestring);
        s->ref_gain_db[i] = cJSON_GetObjectItem(e, "gain_db")->valuedouble;
        s->ref_pan[i] = cJSON_GetObjectItem(e, "pan")->valuedouble;
        s->ref_in_mix_lufs[i] = cJSON_GetObjectItem(e, "loudness_in_mix_lufs")->valuedouble;
        snprintf(p, sizeof p, "%s/%s", dir, cJSON_GetObjectItem(e, "file")->valuestring);
        s->frames = ah_read_audio(p, s->x[i], &s->ch[i], &s->fs);
        if (!s->frames) return -1;
    }
    cJSON_Delete(doc);
    return 0;
}

static inline void ah_free_song(ah_song *s)
{
    for (int i = 0; i < s->n; i++)
        for (int c = 0; c < 2; c++) free(s->x[i][c]);
    memset(s, 0, sizeof *s);
}

/* Stems as automix sees them: `n` stems of ch[i] channels, planar. */
typedef struct ah_stems {
    int n;
    char name[AH_MAX][32];
    int ch[AH_MAX];
    size_t frames;
    double fs;
    float *x[AH_MAX][2];
} ah_stems;

static inline void ah_free_stems(ah_stems *s)
{
    for (int i = 0; i < s->n; i++)
        for (int c = 0; c < 2; c++) free(s->x[i][c]);
    memset(s, 0, sizeof *s);
}

/* Analysis of a set of stems: features and masking. */
typedef struct ah_analysis {
    mm_stem_features f[AH_MAX];
    mm_masking *mask;
} ah_analysis;

static inline void ah_analyse(const ah_stems *s, size_t hop, ah_analysis *out)
{
    mm_stem_analyzer *an[AH_MAX] = {0};
    int err;
    for (int i = 0; i < s->n; i++) {
        mm_stem_config sc = mm_stem_config_default(s->fs, s->ch[i]);
        if (hop) sc.hop = hop;
        sc.max_block = AH_BLOCK;
        an[i] = mm_stem_analyzer_create(&sc, &err);
        assert_non_null(an[i]);
    }
    out->mask = mm_masking_create(s->n, mm_stem_band_count(an[0]), mm_stem_band_hz(an[0]), &err);
    assert_non_null(out->mask);
    for (size_t pos = 0; pos < s->frames; pos += AH_BLOCK) {
        size_t fr = s->frames - pos < AH_BLOCK ? s->frames - pos : AH_BLOCK;
        for (int i = 0; i < s->n; i++) {
            const float *in[2] = {s->x[i][0] + pos, s->ch[i] > 1 ? s->x[i][1] + pos : NULL};
            assert_int_equal(mm_stem_analyzer_process(an[i], in, fr), MM_OK);
        }
        size_t ready = mm_stem_analyzer_frames_ready(an[0]);
        for (size_t k = 0; k < ready; k++) {
            const float *bands[AH_MAX];
            for (int i = 0; i < s->n; i++) bands[i] = mm_stem_analyzer_frame_bands(an[i], k);
            mm_masking_add_frame(out->mask, bands);
        }
        for (int i = 0; i < s->n; i++) mm_stem_analyzer_frames_consume(an[i]);
    }
    for (int i = 0; i < s->n; i++) {
        mm_stem_analyzer_finish(an[i], &out->f[i]);
        mm_stem_analyzer_destroy(an[i]);
    }
}

/* Decide a plan for analysed stems (roles from their names). */
static inline mm_automix_plan *ah_decide(const ah_stems *s, const ah_analysis *a, const mm_automix_config *cfg)
{
    int err;
    mm_automix_plan *p = mm_automix_plan_create(s->n, &err);
    assert_non_null(p);
    mm_automix_input in[AH_MAX];
    for (int i = 0; i < s->n; i++) {
        in[i].name = s->name[i];
        in[i].role = mm_role_from_filename(s->name[i]);
        in[i].role_source = "file_name";
        in[i].features = &a->f[i];
    }
    assert_int_equal(mm_automix_decide(cfg, in, s->n, a->mask, p), MM_OK);
    return p;
}

/* Render: out receives every stem as it sits in the mix (stereo, before any
 * master gain); *bus_tp the bus true peak (dBTP). */
static inline void ah_render(const ah_stems *s, const mm_automix_plan *p, ah_stems *out, double *bus_tp)
{
    int err;
    mm_automix_renderer *r = mm_automix_renderer_create(p, s->fs, s->ch, AH_BLOCK, &err);
    if (!r) {
        char why[256] = "";
        mm_automix_plan_validate(p, why, sizeof why);
        print_error("renderer: %s (%s)\n", mm_strerror(err), why);
    }
    assert_non_null(r);
    memset(out, 0, sizeof *out);
    out->n = s->n;
    out->frames = s->frames;
    out->fs = s->fs;
    for (int i = 0; i < s->n; i++) {
        out->ch[i] = 2;
        memcpy(out->name[i], s->name[i], sizeof out->name[i]);
        for (int c = 0; c < 2; c++) out->x[i][c] = malloc(s->frames * sizeof(float));
    }
    float *mix[2] = {malloc(AH_BLOCK * sizeof(float)), malloc(AH_BLOCK * sizeof(float))};
    for (size_t pos = 0; pos < s->frames; pos += AH_BLOCK) {
        size_t fr = s->frames - pos < AH_BLOCK ? s->frames - pos : AH_BLOCK;
        for (int i = 0; i < s->n; i++) {
            const float *in[2] = {s->x[i][0] + pos, s->ch[i] > 1 ? s->x[i][1] + pos : NULL};
            const float *key[2] = {NULL, NULL};
            if (p->stem[i].duck.enabled) {
                int k = p->stem[i].duck.key;
                key[0] = s->x[k][0] + pos;
                key[1] = s->ch[k] > 1 ? s->x[k][1] + pos : NULL;
            }
            assert_int_equal(mm_automix_renderer_stem(r, i, in, p->stem[i].duck.enabled ? key : NULL, fr), MM_OK);
            const float *const *o = mm_automix_renderer_stem_output(r, i);
            for (int c = 0; c < 2; c++) memcpy(out->x[i][c] + pos, o[c], fr * sizeof(float));
        }
        assert_int_equal(mm_automix_renderer_sum(r, mix, fr), MM_OK);
    }
    double sp;
    mm_automix_renderer_bus_peak(r, &sp, bus_tp);
    free(mix[0]);
    free(mix[1]);
    mm_automix_renderer_destroy(r);
}

/* BS.1770 integrated loudness of a planar stem (a mono one as one channel). */
static inline double ah_lufs(float *const x[2], int ch, size_t frames, double fs)
{
    int err;
    mm_loudness_config lc = mm_loudness_config_default(fs, ch);
    lc.series_capacity = 0;
    mm_loudness *m = mm_loudness_create(&lc, &err);
    const float *in[2] = {x[0], ch > 1 ? x[1] : NULL};
    mm_loudness_process(m, in, frames);
    mm_measure v = mm_loudness_integrated(m);
    mm_loudness_destroy(m);
    return v.reason == MM_REASON_NONE ? v.value : NAN;
}

/* Mean-removed errors of a[i] - b[i]: mean |e| and max |e|. */
static inline void ah_errors(const double *a, const double *b, int n, double *mae, double *mx, double *e)
{
    double mean = 0;
    for (int i = 0; i < n; i++) mean += a[i] - b[i];
    mean /= n;
    *mae = *mx = 0;
    for (int i = 0; i < n; i++) {
        e[i] = a[i] - b[i] - mean;
        *mae += fabs(e[i]) / n;
        if (fabs(e[i]) > *mx) *mx = fabs(e[i]);
    }
}

#endif
