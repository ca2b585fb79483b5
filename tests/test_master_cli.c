/*
 * `mixmaster master` as a user meets it (drives $BUILD/mixmaster):
 *  - a preset master: same rate, channels and length as the mix, loudness
 *    within 0.5 LU, true peak under the ceiling (independent 8x oracle),
 *    valid JSON report and plan with schema versions and no NaN;
 *  - --plan-out then --plan reproduces the master byte for byte;
 *  - a reference at another rate and in mono works; output formats and bit
 *    depths follow the extension and --bits;
 *  - bad input: one line on stderr naming the file, exit 3 (usage errors
 *    exit 2), no output and no temporary file left, an existing output
 *    untouched, an input never overwritten.
 */
#include "testutil.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <sndfile.h>

#include "mixmaster/analyze.h"
#include "tp_oracle.h"

static char bin[512], corpus[512];
static char dir[256];

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

static int run(const char *args, char *err, size_t errn)
{
    char cmd[4096], pe[512];
    path_of(pe, sizeof pe, "stderr.txt");
    snprintf(cmd, sizeof cmd, "cd %s && %s %s >stdout.txt 2>%s", dir, bin, args, pe);
    int st = system(cmd);
    if (err) {
        err[0] = 0;
        FILE *f = fopen(pe, "rb");
        if (f) {
            size_t n = fread(err, 1, errn - 1, f);
            err[n] = 0;
            fclose(f);
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int exists(const char *name)
{
    char p[512];
    path_of(p, sizeof p, name);
    return access(p, F_OK) == 0;
}

/* No "*.tmp.*" file is left in the folder. */
static int temp_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static char *slurp(const char *name)
{
    char p[512];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

/* Outside strings, JSON may hold only true, false, null and exponents. */
static int json_has_only_numbers(const char *s)
{
    int in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in_str = 0;
            continue;
        }
        if (*p == '"') in_str = 1;
        else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) p += 3;
            else if (!strncmp(p, "false", 5)) p += 4;
            else if ((*p == 'e' || *p == 'E') && p > s && p[-1] >= '0' && p[-1] <= '9') continue;
            else return 0;
        }
    }
    return 1;
}

typedef struct audio {
    float *ch[2];
    SF_INFO info;
} audio;

static int load(const char *name, audio *a)
{
    char p[512];
    path_of(p, sizeof p, name);
    memset(a, 0, sizeof *a);
    SNDFILE *f = sf_open(p, SFM_READ, &a->info);
    if (!f) return -1;
    size_t n = (size_t)a->info.frames;
    int c = a->info.channels;
    float *buf = malloc(n * (size_t)c * sizeof(float) + 1);
    sf_readf_float(f, buf, (sf_count_t)n);
    sf_close(f);
    for (int k = 0; k < c && k < 2; k++) {
        a->ch[k] = malloc(n * sizeof(float) + 1);
        for (size_t i = 0; i < n; i++) a->ch[k][i] = buf[i * (size_t)c + (size_t)k];
    }
    free(buf);
    return 0;
}

static void audio_free(audio *a)
{
    free(a->ch[0]);
    free(a->ch[1]);
}

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("BUILD");
    char cwd[256];
    assert_non_null(getcwd(cwd, sizeof cwd));
    if (b && b[0] == '/') snprintf(bin, sizeof bin, "%s/mixmaster", b);
    else snprintf(bin, sizeof bin, "%s/%s/mixmaster", cwd, b ? b : "build");
    snprintf(dir, sizeof dir, "/tmp/mm-master-cli-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/%s/mm-corpus song %s/c --seconds 8 >/dev/null", b && b[0] == '/' ? "" : cwd,
             b ? b : "build", dir);
    if (b && b[0] == '/') snprintf(cmd, sizeof cmd, "%s/mm-corpus song %s/c --seconds 8 >/dev/null", b, dir);
    if (system(cmd) != 0) return -1;
    snprintf(corpus, sizeof corpus, "%s/c", dir);
    /* a mono reference at 48 kHz: the mix's left channel, relabelled */
    audio m;
    if (load("c/mix.wav", &m) != 0) return -1;
    char p[512];
    path_of(p, sizeof p, "ref48mono.wav");
    SF_INFO info = {0};
    info.channels = 1;
    info.samplerate = 48000;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    SNDFILE *f = sf_open(p, SFM_WRITE, &info);
    sf_writef_float(f, m.ch[0], m.info.frames);
    sf_close(f);
    /* silence, text, truncated */
    path_of(p, sizeof p, "silence.wav");
    info.samplerate = 44100;
    info.channels = 2;
    f = sf_open(p, SFM_WRITE, &info);
    float z[2 * 4410] = {0};
    for (int k = 0; k < 20; k++) sf_writef_float(f, z, 4410);
    sf_close(f);
    audio_free(&m);
    snprintf(cmd, sizeof cmd,
             "cd %s && echo 'not audio' > notes.wav && head -c 300000 c/mix.wav > truncated.wav && "
             "echo '{\"schema_version\": 1, \"kind\": \"mixmaster_master_plan\"}' > partial_plan.json",
             dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A stereo master measured: loudness and the rest by the analysis stage,
 * true peak (dBTP) by the 8x oracle. */
static mm_analysis measure(const audio *out, double *tp_dbtp)
{
    mm_analyze_config c = mm_analyze_config_default(out->info.samplerate, 2);
    int st;
    mm_analyzer *a = mm_analyzer_create(&c, &st);
    assert_non_null(a);
    mm_analyzer_process(a, (const float *const *)out->ch, (size_t)out->info.frames);
    mm_analysis r;
    mm_analyzer_finish(a, &r);
    mm_analyzer_destroy(a);
    *tp_dbtp = 20.0 * log10(fmax(tpo_peak(out->ch[0], (size_t)out->info.frames),
                                 tpo_peak(out->ch[1], (size_t)out->info.frames)));
    return r;
}

static void test_preset_master(void **state)
{
    (void)state;
    char err[4096];
    int rc = run("master c/mix.wav --preset spotify -o out.wav --report r.json --plan-out p.json", err, sizeof err);
    if (rc) printf("%s", err);
    assert_int_equal(rc, 0);
    assert_int_equal(temp_files(), 0);
    audio in, out;
    assert_int_equal(load("c/mix.wav", &in), 0);
    assert_int_equal(load("out.wav", &out), 0);
    assert_int_equal(out.info.frames, in.info.frames);
    assert_int_equal(out.info.samplerate, in.info.samplerate);
    assert_int_equal(out.info.channels, 2);
    assert_int_equal(out.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    /* loudness by the analysis stage, true peak by the oracle */
    double tp;
    mm_analysis r = measure(&out, &tp);
    printf("# spotify master: %.2f LUFS, %.3f dBTP (oracle), clip runs %llu\n", r.integrated_lufs.value, tp,
           (unsigned long long)r.clip_runs);
    assert_near(r.integrated_lufs.value, -14.0, 0.5);
    assert_true(tp <= -2.0); /* spotify: -2 dBTP for a master at -14 LUFS or louder */
    assert_int_equal(r.clip_runs, 0);
    audio_free(&in);
    audio_free(&out);
    /* the project's own delivery check agrees */
    assert_int_equal(run("check --no-codec --stage master --preset spotify out.wav", err, sizeof err), 0);
    /* the report */
    char *rep = slurp("r.json");
    assert_non_null(rep);
    assert_true(json_has_only_numbers(rep));
    cJSON *j = cJSON_Parse(rep);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "schema_version")->valueint, 1);
    cJSON *after = cJSON_GetObjectItem(j, "after");
    assert_near(cJSON_GetObjectItem(after, "integrated_lufs")->valuedouble, -14.0, 0.5);
    assert_true(cJSON_GetObjectItem(after, "true_peak_dbtp")->valuedouble <= -2.0);
    assert_non_null(cJSON_GetObjectItem(after, "mid_distance_db"));
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "before"), "loudness_range_lu"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(after, "side_band_difference_db")), 31);
    cJSON *checks = cJSON_GetObjectItem(j, "checks");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(checks, 0), "status")->valuestring, "pass");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(checks, 1), "status")->valuestring, "pass");
    cJSON_Delete(j);
    free(rep);
    char *plan = slurp("p.json");
    assert_true(json_has_only_numbers(plan));
    j = cJSON_Parse(plan);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "mixmaster_master_plan");
    cJSON_Delete(j);
    free(plan);
}

/* --plan-out, then --plan: the same master, byte for byte. */
static void test_plan_reapply(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(run("master c/mix.wav --reference c/flawed/mono.wav --amount 80 -o a.flac --plan-out a.json -q",
                         err, sizeof err),
                     0);
    assert_int_equal(run("master c/mix.wav --plan a.json -o b.flac -q", err, sizeof err), 0);
    char *x = slurp("a.flac"), *y = slurp("b.flac");
    struct stat sa, sb;
    char pa[512], pb[512];
    path_of(pa, sizeof pa, "a.flac");
    path_of(pb, sizeof pb, "b.flac");
    stat(pa, &sa);
    stat(pb, &sb);
    assert_int_equal(sa.st_size, sb.st_size);
    assert_memory_equal(x, y, (size_t)sa.st_size);
    free(x);
    free(y);
    /* an edited plan is applied: amount and gains as written */
    char *plan = slurp("a.json");
    assert_non_null(strstr(plan, "\"amount\":\t0.8"));
    free(plan);
}

static void test_reference_rate_mono_and_formats(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(run("master c/mix.wav --reference ref48mono.wav -o m.wav --bits 16 -q", err, sizeof err), 0);
    audio a;
    assert_int_equal(load("m.wav", &a), 0);
    assert_int_equal(a.info.samplerate, 44100);
    assert_int_equal(a.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    audio_free(&a);
    assert_int_equal(run("master c/mix.wav --preset apple -o f.aiff --bits 32f -q", err, sizeof err), 0);
    assert_int_equal(load("f.aiff", &a), 0);
    assert_int_equal(a.info.format, SF_FORMAT_AIFF | SF_FORMAT_FLOAT);
    audio_free(&a);
    assert_int_equal(run("master c/mix.wav --preset tidal -o t.flac -q", err, sizeof err), 0);
    assert_int_equal(load("t.flac", &a), 0);
    assert_int_equal(a.info.format, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
    audio_free(&a);
    /* lossy: -2 dBTP by default, written as float to the encoder */
    assert_int_equal(run("master c/mix.wav --preset spotify -o v.ogg --report v.json -q", err, sizeof err), 0);
    char *rep = slurp("v.json");
    cJSON *j = cJSON_Parse(rep);
    assert_near(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "target"), "ceiling_dbtp")->valuedouble, -2.0, 0);
    cJSON_Delete(j);
    free(rep);
    /* a mono mix masters to mono */
    assert_int_equal(run("master ref48mono.wav --preset spotify -o mono_out.wav -q", err, sizeof err), 0);
    assert_int_equal(load("mono_out.wav", &a), 0);
    assert_int_equal(a.info.channels, 1);
    assert_int_equal(a.info.samplerate, 48000);
    audio_free(&a);
    assert_int_equal(temp_files(), 0);
}

/* exit code, one line naming `name`, and nothing written */
static void expect_fail(const char *args, int code, const char *name, const char *out)
{
    char err[4096];
    int rc = run(args, err, sizeof err);
    printf("# %s -> %d: %s", args, rc, err);
    assert_int_equal(rc, code);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, name));
    if (out) assert_false(exists(out));
    assert_int_equal(temp_files(), 0);
}

/* A mix of a minute or more: the probe reads segments of it (through the
 * tool's own PCM reader for WAV, libsndfile's decoder for FLAC, seeking
 * either way). 64 s: the corpus mix eight times, the first 8 dB down. The
 * master lands within 0.5 LU of spotify's -14 LUFS under its -2 dBTP. */
static void test_long_mix(void **state)
{
    (void)state;
    audio in;
    assert_int_equal(load("c/mix.wav", &in), 0);
    const size_t n = (size_t)in.info.frames, reps = 8;
    float *buf = malloc(n * reps * 2 * sizeof(float));
    assert_non_null(buf);
    for (size_t k = 0; k < reps; k++)
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 2; c++) buf[(k * n + i) * 2 + (size_t)c] = in.ch[c][i] * (k == 0 ? 0.398f : 1.0f);
    const char *names[2] = {"long.wav", "long.flac"};
    const int formats[2] = {SF_FORMAT_WAV | SF_FORMAT_PCM_24, SF_FORMAT_FLAC | SF_FORMAT_PCM_24};
    for (int f = 0; f < 2; f++) {
        char path[600], cmd[700], err[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        SF_INFO info = {0};
        info.samplerate = in.info.samplerate;
        info.channels = 2;
        info.format = formats[f];
        SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
        assert_non_null(sf);
        assert_int_equal(sf_writef_float(sf, buf, (sf_count_t)(n * reps)), (sf_count_t)(n * reps));
        sf_close(sf);
        snprintf(cmd, sizeof cmd, "master %s --preset spotify -o long_out.wav", names[f]);
        int rc = run(cmd, err, sizeof err);
        if (rc) printf("%s", err);
        assert_int_equal(rc, 0);
        audio out;
        assert_int_equal(load("long_out.wav", &out), 0);
        assert_int_equal(out.info.frames, (sf_count_t)(n * reps));
        double tp;
        mm_analysis r = measure(&out, &tp);
        printf("# %s (64 s, sampled probe): %.2f LUFS, %.3f dBTP (oracle)\n", names[f], r.integrated_lufs.value, tp);
        assert_near(r.integrated_lufs.value, -14.0, 0.5);
        assert_true(tp <= -2.0);
        audio_free(&out);
    }
    free(buf);
    audio_free(&in);
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_fail("master missing.wav --preset spotify -o x.wav", 3, "missing.wav", "x.wav");
    expect_fail("master notes.wav --preset spotify -o x.wav", 3, "notes.wav", "x.wav");
    expect_fail("master truncated.wav --preset spotify -o x.wav", 3, "truncated.wav", "x.wav");
    expect_fail("master silence.wav --preset spotify -o x.wav", 3, "silence.wav", "x.wav");
    expect_fail("master c/mix.wav --reference nope.wav -o x.wav", 3, "nope.wav", "x.wav");
    expect_fail("master c/mix.wav --reference silence.wav -o x.wav", 3, "silence.wav", "x.wav");
    expect_fail("master c/mix.wav --plan partial_plan.json -o x.wav", 3, "target", "x.wav");
    expect_fail("master c/mix.wav --plan notes.wav -o x.wav", 3, "notes.wav", "x.wav");
    /* usage */
    expect_fail("master c/mix.wav --preset nowhere -o x.wav", 2, "nowhere", "x.wav");
    expect_fail("master c/mix.wav --preset spotify --reference c/mix.wav -o x.wav", 2, "exactly one", "x.wav");
    expect_fail("master c/mix.wav --preset spotify", 2, "-o", NULL);
    expect_fail("master c/mix.wav --preset spotify --amount 150 -o x.wav", 2, "--amount", "x.wav");
    expect_fail("master c/mix.wav --preset spotify --ceiling 1 -o x.wav", 2, "--ceiling", "x.wav");
    expect_fail("master c/mix.wav --preset spotify --bits 12 -o x.wav", 2, "--bits", "x.wav");
    expect_fail("master c/mix.wav --preset spotify -o x.xyz", 2, "x.xyz", "x.xyz");
    expect_fail("master c/mix.wav --preset spotify --bits 32f -o x.flac", 2, "x.flac", "x.flac");
    /* never over an input */
    char *before = slurp("c/mix.wav");
    struct stat s0;
    char p[512];
    path_of(p, sizeof p, "c/mix.wav");
    stat(p, &s0);
    expect_fail("master c/mix.wav --preset spotify -o c/mix.wav", 2, "c/mix.wav", NULL);
    expect_fail("master c/mix.wav --preset spotify -o ./c/../c/mix.wav", 2, "mix.wav", NULL);
    expect_fail("master c/mix.wav --reference ref48mono.wav -o ref48mono.wav", 2, "ref48mono.wav", NULL);
    expect_fail("master c/mix.wav --preset spotify -o y.wav --report c/mix.wav", 2, "c/mix.wav", "y.wav");
    char *after = slurp("c/mix.wav");
    assert_memory_equal(before, after, (size_t)s0.st_size);
    free(before);
    free(after);
    /* a failed run leaves an existing output as it was */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "echo keep > %s/keep.wav", dir);
    assert_int_equal(system(cmd), 0);
    expect_fail("master truncated.wav --preset spotify -o keep.wav", 3, "truncated.wav", NULL);
    char *k = slurp("keep.wav");
    assert_string_equal(k, "keep\n");
    free(k);
}

static void test_help(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(run("master --help", err, sizeof err), 0);
    char *o = slurp("stdout.txt");
    assert_non_null(strstr(o, "--reference"));
    assert_non_null(strstr(o, "--plan-out"));
    free(o);
    assert_int_equal(run("--help", err, sizeof err), 0);
    o = slurp("stdout.txt");
    assert_non_null(strstr(o, "master"));
    free(o);
}

int main(void)
{
    tu_seed_init("test_master_cli");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preset_master),
        cmocka_unit_test(test_plan_reapply),
        cmocka_unit_test(test_reference_rate_mono_and_formats),
        cmocka_unit_test(test_long_mix),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
