/*
 * Album consistency. References: tracks built from one signal at known
 * gains (so their loudness differences are exact), the album loudness of
 * the tracks played back to back measured by one meter (the independent
 * answer the pooled figure must match), a fade with a known length, and on
 * the command line corpus songs at known levels whose suggested gains, once
 * applied, leave the loudest sections within 1 LU.
 */
#include "cliutil.h"

#include "mixmaster/album.h"
#include "mixmaster/loudness.h"
#include "mixmaster/report.h"

#define FS 48000.0

/* A "song": noise through a gentle low-pass, 6 s verse at -6 dB and 6 s
 * chorus, optionally with a bright top and hard clipping. */
typedef struct song {
    float *x[2];
    size_t n;
} song;

static song make_song(double gain_db, int bright, int clip, double fade_out_s)
{
    song s;
    s.n = (size_t)(12.0 * FS);
    s.x[0] = malloc(s.n * sizeof(float));
    s.x[1] = malloc(s.n * sizeof(float));
    double lp[2] = {0, 0};
    const double g = pow(10.0, gain_db / 20.0);
    for (size_t i = 0; i < s.n; i++) {
        const double sec = (double)i / FS;
        double env = sec < 6.0 ? 0.5 : 1.0;
        if (fade_out_s > 0.0 && sec > 12.0 - fade_out_s) env *= pow(10.0, -40.0 * (sec - (12.0 - fade_out_s)) / fade_out_s / 20.0);
        for (int c = 0; c < 2; c++) {
            const double w = tu_gauss();
            lp[c] += 0.2 * (w - lp[c]);
            double v = 0.25 * (lp[c] + (bright ? 1.2 * w : 0.05 * w)) * env;
            if (clip) v = fmax(-0.05, fmin(0.05, 4.0 * v));
            s.x[c][i] = (float)(g * v);
        }
    }
    return s;
}

static void free_song(song *s)
{
    free(s->x[0]);
    free(s->x[1]);
}

typedef struct measured {
    mm_analyzer *a;
    mm_loudness *m;
    mm_analysis r;
} measured;

static void measure(const song *s, measured *out)
{
    mm_analyze_config ac = mm_analyze_config_default(FS, 2);
    mm_loudness_config lc = mm_loudness_config_default(FS, 2);
    out->a = mm_analyzer_create(&ac, NULL);
    out->m = mm_loudness_create(&lc, NULL);
    assert_non_null(out->a);
    assert_non_null(out->m);
    const float *in[2] = {s->x[0], s->x[1]};
    mm_analyzer_process(out->a, in, s->n);
    mm_loudness_process(out->m, in, s->n);
    mm_analyzer_finish(out->a, &out->r);
}

static void unmeasure(measured *m)
{
    mm_analyzer_destroy(m->a);
    mm_loudness_destroy(m->m);
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
/* LUFS <-> mean square, BS.1770: L = -0.691 + 10 log10(z) */
static double v_lufs_to_db(double l) { return l + 0.691; }
static double lufs_of_power(double z) { return -0.691 + 10.0 * log10(z); }

static void test_gains_and_album_loudness(void **state)
{
    (void)state;
    const double offs[3] = {0.0, -6.0, 3.0};
    song s[3];
    measured m[3];
    mm_album_input in[3];
    for (int k = 0; k < 3; k++) {
        s[k] = make_song(offs[k], 0, 0, 0.0);
        measure(&s[k], &m[k]);
        in[k] = (mm_album_input){"t", &m[k].r, m[k].m};
    }
    /* the tracks are one signal at three gains, but different noise: the
     * loudest sections differ by the offsets within 0.3 LU */
    mm_album_config cfg = mm_album_config_default(mm_preset_find("spotify"));
    mm_album_track t[3];
    mm_album_result r;
    assert_int_equal(mm_album_analyze(&cfg, in, 3, t, &r), MM_OK);
    assert_near(r.loudest_section_spread_lu, 9.0, 0.3);
    assert_true(r.spread_warn);
    /* each gain brings its loudest section to the common level, exactly */
    for (int k = 0; k < 3; k++)
        assert_near(m[k].r.shortterm_max_lufs.value + t[k].suggested_gain_db, r.common_section_lufs, 1e-9);
    assert_near(t[1].suggested_gain_db - t[0].suggested_gain_db, 6.0, 0.3);
    /* the album lands on Spotify's -14 LUFS */
    assert_int_equal(r.album_lufs_after.reason, MM_REASON_NONE);
    assert_near(r.album_lufs_after.value, -14.0, 0.02);
    assert_near(r.target_lufs, -14.0, 0.0);
    assert_near(r.ceiling_dbtp, -1.0, 0.0);

    /* independent answer: the three tracks back to back through one meter */
    mm_loudness_config lc = mm_loudness_config_default(FS, 2);
    mm_loudness *one = mm_loudness_create(&lc, NULL);
    for (int k = 0; k < 3; k++) mm_loudness_process(one, (const float *const[]){s[k].x[0], s[k].x[1]}, s[k].n);
    mm_measure ai = mm_loudness_integrated(one);
    assert_near(r.album_lufs.value, ai.value, 0.05);
    mm_loudness_destroy(one);
    /* album LRA: EBU Tech 3342 written out here on the tracks' own
     * short-term values (10 per second), pooled: absolute gate -70 LUFS,
     * relative gate 20 LU under their power mean, 10th to 95th percentile */
    double st[3000];
    size_t ns = 0;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < m[k].r.loudness_series_count; i++) {
            const double v = m[k].r.shortterm_series[i];
            if (isfinite(v) && v > -70.0) st[ns++] = v;
        }
    double pw = 0.0;
    for (size_t i = 0; i < ns; i++) pw += pow(10.0, v_lufs_to_db(st[i]) / 10.0);
    const double gate = lufs_of_power(pw / (double)ns) - 20.0;
    size_t ng = 0;
    for (size_t i = 0; i < ns; i++)
        if (st[i] > gate) st[ng++] = st[i];
    qsort(st, ng, sizeof st[0], cmp_d);
    const double lra = st[(size_t)((double)(ng - 1) * 0.95 + 0.5)] - st[(size_t)((double)(ng - 1) * 0.10 + 0.5)];
    assert_near(r.album_lra_lu.value, lra, 0.2);
    /* with gains applied to the audio, the same meter agrees with the pooled prediction */
    one = mm_loudness_create(&lc, NULL);
    for (int k = 0; k < 3; k++) {
        const float g = (float)pow(10.0, t[k].suggested_gain_db / 20.0);
        for (size_t i = 0; i < s[k].n; i++) {
            s[k].x[0][i] *= g;
            s[k].x[1][i] *= g;
        }
        mm_loudness_process(one, (const float *const[]){s[k].x[0], s[k].x[1]}, s[k].n);
    }
    assert_near(mm_loudness_integrated(one).value, r.album_lufs_after.value, 0.05);
    mm_loudness_destroy(one);

    /* no preset: the median track's loudest section is the common level */
    cfg = mm_album_config_default(NULL);
    assert_int_equal(mm_album_analyze(&cfg, in, 3, t, &r), MM_OK);
    assert_near(t[0].suggested_gain_db, 0.0, 1e-9); /* track 0 is the median */
    assert_true(isnan(r.target_lufs));
    for (int k = 0; k < 3; k++) {
        unmeasure(&m[k]);
        free_song(&s[k]);
    }
}

static void test_outliers_and_fades(void **state)
{
    (void)state;
    song s[4] = {make_song(0, 0, 0, 0.0), make_song(0, 0, 0, 3.0), make_song(0, 1, 0, 0.0), make_song(0, 0, 1, 0.0)};
    measured m[4];
    mm_album_input in[4];
    for (int k = 0; k < 4; k++) {
        measure(&s[k], &m[k]);
        in[k] = (mm_album_input){"t", &m[k].r, m[k].m};
    }
    mm_album_config cfg = mm_album_config_default(NULL);
    mm_album_track t[4];
    mm_album_result r;
    assert_int_equal(mm_album_analyze(&cfg, in, 4, t, &r), MM_OK);
    /* the 3 s fade (40 dB) is found; the others have none */
    assert_near(t[1].fade_out_s, 3.0, 0.5);
    assert_near(t[0].fade_out_s, 0.0, 0.0);
    assert_near(t[0].fade_in_s, 0.0, 0.0);
    /* the bright track stands out above 8 kHz */
    assert_true(t[2].tonal_warn);
    assert_true(t[2].tonal_deviation_db[3].value > 3.0);
    assert_false(t[0].tonal_warn);
    /* the clipped track is the dynamics outlier */
    assert_true(t[3].dynamics_outlier);
    assert_false(t[0].dynamics_outlier);
    /* the report says so, in JSON and text */
    mm_album_file f[4];
    memset(f, 0, sizeof f);
    for (int k = 0; k < 4; k++) {
        f[k].file.info.path = "x.wav";
        f[k].file.analysis = &m[k].r;
        f[k].track = &t[k];
    }
    int e;
    char *j = mm_report_album_json(&cfg, &r, f, 4, NULL, &e);
    assert_non_null(j);
    cJSON *doc = cJSON_Parse(j);
    assert_non_null(doc);
    const cJSON *tr = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "tracks"), 3);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(tr, "dynamics_outlier")));
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(tr, "warnings")) >= 1);
    assert_true(json_has_only_numbers(j));
    cJSON_Delete(doc);
    mm_report_free(j);
    for (int k = 0; k < 4; k++) {
        unmeasure(&m[k]);
        free_song(&s[k]);
    }
}

/* ---- command line ---- */

/* Copy src to dst scaled by gain_db (libsndfile, float WAV). */
static void scaled_copy(const char *src, const char *dst, double gain_db)
{
    SF_INFO info = {0};
    SNDFILE *in = sf_open(src, SFM_READ, &info);
    assert_non_null(in);
    SF_INFO oi = info;
    oi.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *out = sf_open(dst, SFM_WRITE, &oi);
    assert_non_null(out);
    float buf[4096];
    const float g = (float)pow(10.0, gain_db / 20.0);
    sf_count_t n;
    while ((n = sf_read_float(in, buf, 4096)) > 0) {
        for (sf_count_t i = 0; i < n; i++) buf[i] *= g;
        sf_write_float(out, buf, n);
    }
    sf_close(in);
    sf_close(out);
}

static cJSON *album_json(const char *args, int *rc)
{
    static char out[1 << 22];
    char err[4096], full[8192];
    snprintf(full, sizeof full, "album --format json %s", args);
    *rc = run(full, out, sizeof out, err, sizeof err);
    cJSON *doc = cJSON_Parse(out);
    if (!doc) print_error("not JSON; stderr: %s\n", err);
    assert_non_null(doc);
    return doc;
}

static void test_cli_album(void **state)
{
    (void)state;
    char cmd[4096], src[700], t[3][700];
    const double lev[3] = {0.0, -7.0, 4.0};
    for (int k = 0; k < 3; k++) {
        snprintf(cmd, sizeof cmd, "%s/mm-corpus song '%s/song%d' --seconds 10 --seed %d >/dev/null", build_dir, dir, k + 1, k + 1);
        assert_int_equal(system(cmd), 0);
        snprintf(src, sizeof src, "%s/song%d/mix.wav", dir, k + 1);
        snprintf(t[k], sizeof t[k], "%s/track%d.wav", dir, k + 1);
        scaled_copy(src, t[k], lev[k]);
    }
    char args[4096];
    snprintf(args, sizeof args, "--preset apple -j 2 '%s' '%s' '%s'", t[0], t[1], t[2]);
    int rc;
    cJSON *doc = album_json(args, &rc);
    assert_int_equal(rc, 0);
    const cJSON *al = cJSON_GetObjectItem(doc, "album");
    assert_true(cJSON_GetObjectItem(al, "loudest_section_spread_lu")->valuedouble > 10.0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(al, "spread_warning")));
    assert_near(cJSON_GetObjectItem(al, "album_integrated_after_gains_lufs")->valuedouble, -16.0, 0.05);
    double g[3];
    for (int k = 0; k < 3; k++) {
        const cJSON *tr = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "tracks"), k);
        g[k] = cJSON_GetObjectItem(tr, "suggested_gain_db")->valuedouble;
    }
    cJSON_Delete(doc);
    /* --apply renders the album with the gains through the true-peak
     * limiter: measured again, the loudest sections are within 1 LU, the
     * album is on Apple's -16 LUFS and every true peak under -1 dBTP */
    assert_true(g[1] > g[0] && g[0] > g[2]); /* the quietest track gets the most gain */
    snprintf(args, sizeof args, "album --preset apple --apply -o '%s/applied' -j 2 '%s' '%s' '%s' >/dev/null", dir, t[0], t[1], t[2]);
    char err2[2048];
    assert_int_equal(run(args, NULL, 0, err2, sizeof err2), 0);
    snprintf(args, sizeof args, "--preset apple '%s/applied/01-track1.wav' '%s/applied/02-track2.wav' '%s/applied/03-track3.wav'", dir, dir, dir);
    doc = album_json(args, &rc);
    assert_int_equal(rc, 0);
    al = cJSON_GetObjectItem(doc, "album");
    assert_true(cJSON_GetObjectItem(al, "loudest_section_spread_lu")->valuedouble < 1.0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(al, "spread_warning")));
    assert_near(cJSON_GetObjectItem(al, "album_integrated_lufs")->valuedouble, -16.0, 0.5);
    const cJSON *tk;
    cJSON_ArrayForEach(tk, cJSON_GetObjectItem(doc, "tracks"))
    {
        assert_true(cJSON_GetObjectItem(tk, "true_peak_dbtp")->valuedouble <= -1.0 + 1e-9);
    }
    cJSON_Delete(doc);
    char p2[800];
    snprintf(p2, sizeof p2, "%s/applied/album.json", dir);
    assert_int_equal(access(p2, R_OK), 0);
    assert_int_equal(run("album --apply x.wav", NULL, 0, err2, sizeof err2), 2); /* needs -o DIR */

    /* a bad track: named on stderr, exit 3, the others still in the report */
    snprintf(args, sizeof args, "'%s' '%s/missing.wav' '%s'", t[0], dir, t[1]);
    doc = album_json(args, &rc);
    assert_int_equal(rc, 3);
    const cJSON *tr = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "tracks"), 1);
    assert_string_equal(cJSON_GetObjectItem(tr, "status")->valuestring, "error");
    tr = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "tracks"), 2);
    assert_string_equal(cJSON_GetObjectItem(tr, "status")->valuestring, "ok");
    cJSON_Delete(doc);
    char err[1024];
    assert_int_equal(run("album --preset nowhere x.wav", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("album", NULL, 0, err, sizeof err), 2);

    /* the report folder: the four album figures and the page */
    snprintf(cmd, sizeof cmd, "album --report-dir '%s/rep' '%s' '%s' '%s' >/dev/null", dir, t[0], t[1], t[2]);
    assert_int_equal(run(cmd, NULL, 0, err, sizeof err), 0);
    const char *figs[5] = {"album-loudness.png", "album-tonal.png", "album-dynamics.png", "album-sequence.png", "index.html"};
    for (int k = 0; k < 5; k++) {
        char p[800];
        snprintf(p, sizeof p, "%s/rep/%s", dir, figs[k]);
        assert_int_equal(access(p, R_OK), 0);
    }
}

static int setup(void **state)
{
    (void)state;
    return cliutil_setup("test_album");
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gains_and_album_loudness),
        cmocka_unit_test(test_outliers_and_fades),
        cmocka_unit_test(test_cli_album),
    };
    return cmocka_run_group_tests(tests, setup, cliutil_teardown);
}
