/*
 * `mixmaster automix` as a user meets it, on a short corpus song: outputs
 * whole and valid, the mix under -6 dBTP, --stems-out stems that sum to the
 * mix, a plan that re-renders the same mix, -j 2 the same as -j 1, and bad
 * input refused with one clear line and nothing written. Drives the real
 * binary ($BUILD/mixmaster).
 */
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <sndfile.h>

static char bin[512], corpus[512];
static char dir[256];

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

static int run(const char *args, char *err, size_t errn)
{
    char cmd[8192], po[512], pe[512];
    path_of(po, sizeof po, "stdout.txt");
    path_of(pe, sizeof pe, "stderr.txt");
    snprintf(cmd, sizeof cmd, "%s automix %s >%s 2>%s", bin, args, po, pe);
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

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Interleaved samples of a file; frames and channels out. */
static float *load(const char *path, size_t *frames, int *ch, int *rate)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) return NULL;
    float *x = malloc((size_t)info.frames * (size_t)info.channels * sizeof(float) + 4);
    sf_readf_float(f, x, info.frames);
    sf_close(f);
    *frames = (size_t)info.frames;
    *ch = info.channels;
    if (rate) *rate = info.samplerate;
    return x;
}

static void write_wav(const char *path, int ch, int rate, size_t frames, int sub, double f0, double amp);

/* A float stem with a NaN every 1000 samples: read as 0, said once, and the
 * mix stays finite. */
static void test_nan_stem(void **state)
{
    (void)state;
    char p[512], out[512], args[4096], err[8192];
    path_of(p, sizeof p, "nan-keys.wav");
    path_of(out, sizeof out, "nan-mix.wav");
    SF_INFO info = {0};
    info.channels = 1;
    info.samplerate = 44100;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *f = sf_open(p, SFM_WRITE, &info);
    float *x = malloc(44100 * 6 * sizeof(float));
    for (size_t i = 0; i < 44100 * 6; i++) x[i] = i % 1000 == 7 ? NAN : (float)(0.2 * sin(2 * M_PI * 440 * i / 44100.0));
    sf_writef_float(f, x, 44100 * 6);
    sf_close(f);
    free(x);
    snprintf(args, sizeof args, "%s/stems/kick.wav %s -o %s", corpus, p, out);
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "nan-keys.wav: warning: 265 NaN or infinite samples, read as 0"));
    size_t fr = 0;
    int ch = 0;
    float *m = load(out, &fr, &ch, NULL);
    assert_non_null(m);
    for (size_t i = 0; i < fr * (size_t)ch; i++) assert_true(isfinite(m[i]));
    free(m);
}

static void write_wav(const char *path, int ch, int rate, size_t frames, int sub, double f0, double amp)
{
    SF_INFO info = {0};
    info.channels = ch;
    info.samplerate = rate;
    info.format = SF_FORMAT_WAV | sub;
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    assert_non_null(f);
    float *x = malloc(frames * (size_t)ch * sizeof(float));
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < ch; c++) x[i * (size_t)ch + (size_t)c] = (float)(amp * sin(2 * M_PI * f0 * (double)i / rate + c));
    sf_writef_float(f, x, (sf_count_t)frames);
    sf_close(f);
    free(x);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Outside strings, JSON has no letters but true, false, null and exponents. */
static int json_has_only_numbers(const char *s)
{
    int in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in_str = 0;
            continue;
        }
        if (*p == '"') {
            in_str = 1;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) p += 3;
            else if (!strncmp(p, "false", 5)) p += 4;
            else if ((*p == 'e' || *p == 'E') && p > s && p[-1] >= '0' && p[-1] <= '9') continue;
            else return 0;
        }
    }
    return 1;
}

static int no_temp_files(const char *folder)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -a %s | grep -q '\\.tmp\\.'", folder);
    return system(cmd) != 0;
}

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("BUILD");
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd)) return -1;
    if (b && b[0] == '/') snprintf(bin, sizeof bin, "%s/mixmaster", b);
    else snprintf(bin, sizeof bin, "%s/%s/mixmaster", cwd, b ? b : "build");
    snprintf(dir, sizeof dir, "/tmp/mm-automix-cli-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(corpus, sizeof corpus, "%s/song", dir);
    char cmd[1024];
    /* the 808 variant: its bass masks the kick's strokes, so the plan carves and ducks it */
    snprintf(cmd, sizeof cmd, "%s/mm-corpus song %s --seconds 6 --seed 3 --bass 808 >/dev/null", b ? b : "build",
             corpus);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The whole job: mix, plan, report, stems; the stems sum to the mix. */
static void test_full_run(void **state)
{
    (void)state;
    char args[4096], err[8192], mix[512], plan[512], rep[512], so[512];
    path_of(mix, sizeof mix, "mix.wav");
    path_of(plan, sizeof plan, "plan.json");
    path_of(rep, sizeof rep, "report.json");
    path_of(so, sizeof so, "stems-out");
    snprintf(args, sizeof args, "%s/stems -o %s --plan-out %s --report %s --stems-out %s", corpus, mix, plan, rep, so);
    int rc = run(args, err, sizeof err);
    printf("# %s", err);
    assert_int_equal(rc, 0);
    size_t fr = 0, f2 = 0;
    int ch = 0, c2 = 0, rate = 0;
    float *m = load(mix, &fr, &ch, &rate);
    assert_non_null(m);
    assert_int_equal(ch, 2);
    assert_int_equal(rate, 44100);
    assert_int_equal(fr, (size_t)(6 * 44100));
    double pk = 0;
    for (size_t i = 0; i < fr * 2; i++) pk = fmax(pk, fabs(m[i]));
    printf("# mix sample peak %.2f dBFS\n", tu_db(pk));
    assert_true(tu_db(pk) <= -6.0 + 1e-3);
    /* the processed stems sum to the mix within their 24-bit rounding */
    static const char *names[7] = {"kick", "snare", "hats", "bass", "pad", "lead", "perc"};
    double *sum = calloc(fr * 2, sizeof(double));
    for (int k = 0; k < 7; k++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s.wav", so, names[k]);
        float *s = load(p, &f2, &c2, NULL);
        assert_non_null(s);
        assert_int_equal(f2, fr);
        assert_int_equal(c2, 2);
        for (size_t i = 0; i < fr * 2; i++) sum[i] += s[i];
        free(s);
    }
    double worst = 0;
    for (size_t i = 0; i < fr * 2; i++) worst = fmax(worst, fabs(sum[i] - m[i]));
    printf("# stems-out sum vs mix: largest difference %.2f LSB (24-bit)\n", worst * 8388608.0);
    assert_true(worst <= 8.0 / 8388608.0); /* 7 stems + the mix, half an LSB each */
    free(sum);
    free(m);
    /* the report: valid JSON, numbers only, every stem, masking before/after */
    char *txt = slurp(rep);
    assert_non_null(txt);
    assert_true(json_has_only_numbers(txt));
    cJSON *doc = cJSON_Parse(txt);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(doc, "schema_version")->valueint, 1);
    cJSON *stems = cJSON_GetObjectItem(doc, "stems");
    assert_int_equal(cJSON_GetArraySize(stems), 7);
    cJSON *s0 = cJSON_GetArrayItem(stems, 0);
    const char *keys[] = {"role", "loudness_before_lufs", "loudness_after_lufs", "gain_db", "pan", "eq", "compression"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) assert_non_null(cJSON_GetObjectItem(s0, keys[k]));
    cJSON *mk = cJSON_GetObjectItem(doc, "masking");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(mk, "before"), "m_db")), 7);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(mk, "after"), "m_db")), 7);
    cJSON *kb = cJSON_GetArrayItem(cJSON_GetObjectItem(mk, "kick_bass"), 0);
    double mb = cJSON_GetObjectItem(cJSON_GetObjectItem(kb, "before"), "m_db")->valuedouble;
    double ma = cJSON_GetObjectItem(cJSON_GetObjectItem(kb, "after"), "m_db")->valuedouble;
    double cb = cJSON_GetObjectItem(cJSON_GetObjectItem(kb, "before"), "mcf")->valuedouble;
    double ca = cJSON_GetObjectItem(cJSON_GetObjectItem(kb, "after"), "mcf")->valuedouble;
    printf("# report kick/bass: M %.2f -> %.2f dB, MCF %.3f -> %.3f\n", mb, ma, cb, ca);
    assert_true(ma < mb && ca < cb);
    double sb = cJSON_GetObjectItem(cJSON_GetObjectItem(kb, "strokes_before"), "m_db")->valuedouble;
    double sa = cJSON_GetObjectItem(cJSON_GetObjectItem(kb, "strokes_after"), "m_db")->valuedouble;
    printf("# report kick/bass at the kick's strokes: M %.2f -> %.2f dB\n", sb, sa);
    assert_true(sa < sb);
    cJSON *mixo = cJSON_GetObjectItem(doc, "mix");
    assert_true(cJSON_GetObjectItem(mixo, "true_peak_dbtp")->valuedouble <= -6.0 + 0.01);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(mixo, "clipped")));
    /* after-loudness relative to the lead matches the role offsets within 1 LU */
    double lead = 0, kick = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, stems)
    {
        const char *n = cJSON_GetObjectItem(e, "name")->valuestring;
        double v = cJSON_GetObjectItem(e, "loudness_after_lufs")->valuedouble;
        if (!strcmp(n, "lead")) lead = v;
        if (!strcmp(n, "kick")) kick = v;
    }
    printf("# kick sits %.2f LU from the lead (rule: -4.5)\n", kick - lead);
    assert_near(kick - lead, -4.5, 1.0);
    cJSON_Delete(doc);
    /* the plan: the bass's carve and duck name the figure that triggered
     * them, masking at the kick's strokes */
    txt = slurp(plan);
    assert_non_null(txt);
    doc = cJSON_Parse(txt);
    assert_non_null(doc);
    int carve = 0, duck = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "stems"))
    {
        if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring, "bass")) continue;
        cJSON *q;
        cJSON_ArrayForEach(q, cJSON_GetObjectItem(e, "eq"))
        if (!strcmp(cJSON_GetObjectItem(q, "type")->valuestring, "carve")) {
            const char *why = cJSON_GetObjectItem(q, "reason")->valuestring;
            printf("# bass carve: %s\n", why);
            carve += strstr(why, "at its strokes") != NULL;
        }
        cJSON *d = cJSON_GetObjectItem(e, "ducking");
        if (cJSON_IsObject(d)) {
            const char *why = cJSON_GetObjectItem(d, "reason")->valuestring;
            printf("# bass duck: %s\n", why);
            duck += strstr(why, "at its strokes") != NULL;
        }
    }
    assert_int_equal(carve, 1);
    assert_int_equal(duck, 1);
    cJSON_Delete(doc);
    assert_true(no_temp_files(dir));
    assert_true(no_temp_files(so));
}

/* The plan re-renders the same mix, -j 2 gives the same mix, and an edited
 * plan (a stem pushed 20 dB) still never clips. */
static void test_plan_rerender(void **state)
{
    (void)state;
    char args[4096], err[8192], mix[512], mix2[512], mix3[512], plan[512], plan2[512];
    path_of(mix, sizeof mix, "mix.wav");
    path_of(mix2, sizeof mix2, "mix2.wav");
    path_of(mix3, sizeof mix3, "mix3.wav");
    path_of(plan, sizeof plan, "plan.json");
    path_of(plan2, sizeof plan2, "plan-loud.json");
    if (!exists(plan)) {
        snprintf(args, sizeof args, "%s/stems -o %s --plan-out %s", corpus, mix, plan);
        assert_int_equal(run(args, err, sizeof err), 0);
    }
    snprintf(args, sizeof args, "%s/stems -o %s --plan %s -j 2", corpus, mix2, plan);
    assert_int_equal(run(args, err, sizeof err), 0);
    size_t f1 = 0, f2 = 0;
    int c1 = 0, c2 = 0;
    float *a = load(mix, &f1, &c1, NULL), *b = load(mix2, &f2, &c2, NULL);
    assert_int_equal(f1, f2);
    assert_memory_equal(a, b, f1 * 2 * sizeof(float));
    free(b);
    /* edit: the kick 20 dB hotter */
    char *txt = slurp(plan);
    char *k = strstr(txt, "\"name\":\t\"kick\"");
    assert_non_null(k);
    char *g = strstr(k, "\"gain_db\":\t");
    assert_non_null(g);
    g += strlen("\"gain_db\":\t");
    double v = strtod(g, NULL);
    char *end;
    strtod(g, &end);
    char edited[1 << 16];
    snprintf(edited, sizeof edited, "%.*s%.4f%s", (int)(g - txt), txt, v + 20.0, end);
    FILE *f = fopen(plan2, "w");
    fputs(edited, f);
    fclose(f);
    snprintf(args, sizeof args, "%s/stems -o %s --plan %s", corpus, mix3, plan2);
    assert_int_equal(run(args, err, sizeof err), 0);
    float *c = load(mix3, &f2, &c2, NULL);
    double pk = 0;
    for (size_t i = 0; i < f2 * 2; i++) pk = fmax(pk, fabs(c[i]));
    printf("# kick +20 dB by hand: mix sample peak %.2f dBFS\n", tu_db(pk));
    assert_true(tu_db(pk) <= -6.0 + 1e-3);
    free(a);
    free(c);
}

/* Bad input: one line naming the file and the reason, exit 3, nothing written. */
static void test_bad_inputs(void **state)
{
    (void)state;
    char args[4096], err[8192], out[512], p[512], q[512];
    path_of(out, sizeof out, "bad-mix.wav");
    /* an empty folder */
    path_of(p, sizeof p, "empty");
    mkdir(p, 0777);
    snprintf(args, sizeof args, "%s -o %s", p, out);
    assert_int_equal(run(args, err, sizeof err), 3);
    printf("# %s", err);
    assert_non_null(strstr(err, "no audio files"));
    assert_non_null(strstr(err, p));
    assert_false(exists(out));
    /* a text file among the stems */
    path_of(q, sizeof q, "notes.wav");
    FILE *f = fopen(q, "w");
    fputs("liner notes, not audio\n", f);
    fclose(f);
    snprintf(args, sizeof args, "%s/stems/kick.wav %s/stems/bass.wav %s -o %s", corpus, corpus, q, out);
    assert_int_equal(run(args, err, sizeof err), 3);
    printf("# %s", err);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, q));
    assert_non_null(strstr(err, "not a readable audio file"));
    assert_false(exists(out));
    /* more than two channels */
    path_of(q, sizeof q, "surround.wav");
    write_wav(q, 6, 44100, 44100, SF_FORMAT_PCM_16, 440, 0.1);
    snprintf(args, sizeof args, "%s/stems/kick.wav %s -o %s", corpus, q, out);
    assert_int_equal(run(args, err, sizeof err), 3);
    printf("# %s", err);
    assert_non_null(strstr(err, "6 channels"));
    assert_false(exists(out));
    /* a different rate refused on request */
    path_of(q, sizeof q, "tone48k.wav");
    write_wav(q, 1, 48000, 48000 * 6, SF_FORMAT_PCM_24, 330, 0.2);
    snprintf(args, sizeof args, "%s/stems/kick.wav %s/stems/bass.wav %s --no-resample -o %s", corpus, corpus, q, out);
    assert_int_equal(run(args, err, sizeof err), 3);
    printf("# %s", err);
    assert_non_null(strstr(err, "48000 Hz differs"));
    assert_false(exists(out));
    /* a plan with a bad field */
    path_of(q, sizeof q, "bad-plan.json");
    f = fopen(q, "w");
    fputs("{\"schema_version\": 1, \"stems\": [{\"name\": \"kick\", \"channels\": 1, \"gain_db\": -3, \"pan\": 0, "
          "\"eq\": [], \"compression\": null, \"ducking\": null, \"colour\": \"red\"}]}",
          f);
    fclose(f);
    snprintf(args, sizeof args, "%s/stems/kick.wav -o %s --plan %s", corpus, out, q);
    assert_int_equal(run(args, err, sizeof err), 3);
    printf("# %s", err);
    assert_non_null(strstr(err, "stems[0].colour: unknown field"));
    assert_false(exists(out));
    /* an output folder that does not exist: nothing half-written anywhere */
    snprintf(args, sizeof args, "%s/stems -o %s/no/such/mix.wav", corpus, dir);
    assert_int_equal(run(args, err, sizeof err), 3);
    assert_true(no_temp_files(dir));
    /* usage errors exit 2 */
    snprintf(args, sizeof args, "%s/stems", corpus);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "-o MIX is required"));
    snprintf(args, sizeof args, "%s/stems -o %s --role kick=tuba", corpus, out);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "tuba"));
    snprintf(args, sizeof args, "%s/stems -o %s -j 0", corpus, out);
    assert_int_equal(run(args, err, sizeof err), 2);
    snprintf(args, sizeof args, "%s/stems/kick.wav -o %s/stems/kick.wav", corpus, corpus);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "refusing to overwrite"));
    assert_int_equal(run("--help", err, sizeof err), 0);
    assert_false(exists(out));
}

/* A silent stem stays at unity with a warning; a 48 kHz stem is resampled;
 * a shorter stem is padded; --role overrides the file name. */
static void test_odd_stems(void **state)
{
    (void)state;
    char args[8192], err[8192], out[512], plan[512], sil[512], t48[512], shortp[512];
    path_of(out, sizeof out, "odd-mix.flac");
    path_of(plan, sizeof plan, "odd-plan.json");
    path_of(sil, sizeof sil, "silence.wav");
    path_of(t48, sizeof t48, "keys48k.wav");
    path_of(shortp, sizeof shortp, "short.wav");
    write_wav(sil, 2, 44100, 44100 * 6, SF_FORMAT_PCM_16, 0, 0.0);
    write_wav(t48, 1, 48000, 48000 * 6, SF_FORMAT_PCM_24, 330, 0.2);
    char t44[512];
    path_of(t44, sizeof t44, "keys44k.wav");
    write_wav(t44, 1, 44100, 44100 * 6, SF_FORMAT_PCM_24, 330, 0.2);
    write_wav(shortp, 1, 44100, 44100 * 3, SF_FORMAT_PCM_24, 660, 0.1);
    snprintf(args, sizeof args, "%s/stems/kick.wav %s/stems/bass.wav %s %s %s %s -o %s --plan-out %s --role short=lead",
             corpus, corpus, sil, t48, t44, shortp, out, plan);
    int rc = run(args, err, sizeof err);
    printf("# %s", err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "silence.wav: warning: silent"));
    assert_non_null(strstr(err, "keys48k.wav: 48000 Hz, resampled to 44100 Hz"));
    assert_non_null(strstr(err, "short.wav: 3.000 s shorter"));
    size_t fr;
    int ch, rate;
    float *m = load(out, &fr, &ch, &rate);
    assert_non_null(m);
    assert_int_equal(rate, 44100);
    assert_int_equal(fr, (size_t)(6 * 44100));
    free(m);
    cJSON *doc = cJSON_Parse(slurp(plan));
    assert_non_null(doc);
    cJSON *e;
    double l44 = 0, l48 = 1;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "stems"))
    {
        const char *n = cJSON_GetObjectItem(e, "name")->valuestring;
        if (!strcmp(n, "silence")) {
            assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "silent")));
            assert_near(cJSON_GetObjectItem(e, "gain_db")->valuedouble, 0.0, 0);
            assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "input_lufs")));
        }
        if (!strcmp(n, "short")) {
            assert_string_equal(cJSON_GetObjectItem(e, "role")->valuestring, "lead");
            assert_string_equal(cJSON_GetObjectItem(e, "role_source")->valuestring, "user");
        }
        if (!strcmp(n, "keys44k")) l44 = cJSON_GetObjectItem(e, "input_lufs")->valuedouble;
        if (!strcmp(n, "keys48k")) {
            assert_string_equal(cJSON_GetObjectItem(e, "role")->valuestring, "keys");
            l48 = cJSON_GetObjectItem(e, "input_lufs")->valuedouble;
        }
    }
    /* the resampled sine measures what the same sine at 44.1 kHz does */
    printf("# 330 Hz sine: %.3f LUFS resampled from 48 kHz, %.3f LUFS written at 44.1 kHz\n", l48, l44);
    assert_near(l48, l44, 0.02);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_run),
        cmocka_unit_test(test_plan_rerender),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_odd_stems),
        cmocka_unit_test(test_nan_stem),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
