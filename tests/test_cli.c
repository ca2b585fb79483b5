/*
 * The command line as a user meets it: bad inputs give one clear line naming
 * the file and exit 3; a batch with a bad file still reports the others;
 * JSON is valid JSON with nulls and reasons instead of -inf/nan; outputs
 * appear whole or not at all. Drives the real binary ($BUILD/mixmaster).
 */
#include "cliutil.h"

static float fill_tone(size_t i, int c) { return (float)(0.25 * sin(2 * M_PI * 1000.0 * (double)i / 48000.0 + c)); }
static float fill_zero(size_t i, int c) { (void)i; (void)c; return 0.0f; }
static float fill_nan(size_t i, int c) { return (i % 1000 == 7) ? NAN : fill_tone(i, c); }

static int setup(void **state)
{
    (void)state;
    if (cliutil_setup("test_cli") != 0) return -1;
    write_wav("tone.wav", 2, 48000, 48000 * 3, SF_FORMAT_PCM_24, fill_tone);
    write_wav("short.wav", 2, 48000, 48000 * 3 / 10, SF_FORMAT_PCM_16, fill_tone);
    write_wav("silence.wav", 2, 48000, 48000 * 2, SF_FORMAT_PCM_16, fill_zero);
    write_wav("nan.wav", 2, 48000, 48000 * 2, SF_FORMAT_FLOAT, fill_nan);
    char p[512], q[512];
    /* truncated: the header promises 3 s, the file holds about half */
    path_of(p, sizeof p, "tone.wav");
    path_of(q, sizeof q, "truncated.wav");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "head -c 400000 %s > %s", p, q);
    if (system(cmd) != 0) return -1;
    /* corrupt: RIFF id overwritten */
    path_of(q, sizeof q, "corrupt.wav");
    snprintf(cmd, sizeof cmd, "cp %s %s && printf 'JUNK' | dd of=%s bs=1 seek=0 conv=notrunc 2>/dev/null", p, q, q);
    if (system(cmd) != 0) return -1;
    path_of(q, sizeof q, "notes.txt");
    FILE *f = fopen(q, "w");
    fputs("these are liner notes, not audio\n", f);
    fclose(f);
    path_of(q, sizeof q, "empty.wav");
    f = fopen(q, "w");
    fclose(f);
    return 0;
}


/* Each bad input: exit 3, exactly one stderr line naming the file and why. */
static void test_bad_inputs(void **state)
{
    (void)state;
    static const struct {
        const char *name, *why;
    } cases[] = {
        {"missing.wav", "No such file"},   {"empty.wav", "empty file"},
        {"truncated.wav", "truncated"},     {"corrupt.wav", "not a readable audio file"},
        {"notes.txt", "not a readable audio file"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char p[512], args[1024], err[4096];
        path_of(p, sizeof p, cases[k].name);
        snprintf(args, sizeof args, "analyze %s", p);
        int rc = run(args, NULL, 0, err, sizeof err);
        printf("# %s -> exit %d: %s", cases[k].name, rc, err);
        assert_int_equal(rc, 3);
        assert_int_equal(count_lines(err), 1);
        assert_non_null(strstr(err, p));
        assert_non_null(strstr(err, cases[k].why));
    }
}

/* Short, silent and NaN files are analysed; the missing values are null
 * with a reason, and a warning line says so. */
static void test_degenerate_inputs(void **state)
{
    (void)state;
    static const struct {
        const char *name, *reason, *warn;
    } cases[] = {
        {"short.wav", "too_short", "shorter than 400 ms"},
        {"silence.wav", "silent", "silence"},
        {"nan.wav", NULL, "NaN"},
    };
    for (size_t k = 0; k < 3; k++) {
        char p[512], args[1024], err[4096];
        static char out[1 << 20];
        path_of(p, sizeof p, cases[k].name);
        snprintf(args, sizeof args, "analyze --format json %s", p);
        int rc = run(args, out, sizeof out, err, sizeof err);
        assert_int_equal(rc, 0);
        assert_non_null(strstr(err, cases[k].warn));
        cJSON *doc = cJSON_Parse(out);
        assert_non_null(doc);
        assert_true(json_has_only_numbers(out));
        cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
        cJSON *loud = cJSON_GetObjectItem(f0, "loudness");
        cJSON *il = cJSON_GetObjectItem(loud, "integrated_lufs");
        if (cases[k].reason) {
            assert_true(cJSON_IsNull(il));
            cJSON *why = cJSON_GetObjectItem(cJSON_GetObjectItem(loud, "null_reasons"), "integrated_lufs");
            assert_string_equal(why->valuestring, cases[k].reason);
        } else {
            assert_true(cJSON_IsNumber(il));
            cJSON *h = cJSON_GetObjectItem(f0, "hygiene");
            assert_int_equal(cJSON_GetObjectItem(h, "nonfinite_samples")->valuedouble, 2 * 96);
        }
        cJSON_Delete(doc);
    }
}

/* A batch with bad files: the good ones keep their results, exit 1 (some
 * files failed, others did not), a summary line counts them, and the JSON
 * lists every file in order with status ok or error. -j 2 gives the same
 * document. A batch where every file fails exits 3. */
static void test_batch(void **state)
{
    (void)state;
    char a[512], b[512], c[512], args[2048], err[4096];
    static char out1[1 << 20], out2[1 << 20];
    path_of(a, sizeof a, "tone.wav");
    path_of(b, sizeof b, "notes.txt");
    path_of(c, sizeof c, "short.wav");
    snprintf(args, sizeof args, "analyze --format json %s %s %s", a, b, c);
    assert_int_equal(run(args, out1, sizeof out1, err, sizeof err), 1);
    assert_non_null(strstr(err, b));
    assert_non_null(strstr(err, "mixmaster analyze: 3 files: 2 ok, 1 failed\n"));
    assert_int_equal(count_lines(err), 3); /* the error, short.wav's warning, the summary */
    assert_null(strchr(err, '\r')); /* no progress bar: stderr is not a terminal */
    snprintf(args, sizeof args, "analyze -j 2 --format json %s %s %s", a, b, c);
    assert_int_equal(run(args, out2, sizeof out2, NULL, 0), 1);
    assert_string_equal(out1, out2);
    cJSON *doc = cJSON_Parse(out1);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(doc, "schema_version")->valueint, 1);
    cJSON *files = cJSON_GetObjectItem(doc, "files");
    assert_int_equal(cJSON_GetArraySize(files), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(files, 0), "status")->valuestring, "ok");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(files, 1), "status")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(files, 2), "status")->valuestring, "ok");
    cJSON *l = cJSON_GetObjectItem(cJSON_GetArrayItem(files, 0), "loudness");
    /* a 1 kHz stereo tone at -12.04 dBFS peak reads -12.04 LUFS */
    assert_near(cJSON_GetObjectItem(l, "integrated_lufs")->valuedouble, tu_db(0.25), 0.1);
    cJSON_Delete(doc);
    path_of(c, sizeof c, "corrupt.wav");
    snprintf(args, sizeof args, "analyze --format json %s %s", b, c);
    assert_int_equal(run(args, out1, sizeof out1, err, sizeof err), 3);
    assert_non_null(strstr(err, "2 files: 0 ok, 2 failed"));
}

/* -o writes the whole file (atomically); a folder that does not exist is an
 * error and leaves nothing behind; the input is never the output. */
static void test_outputs(void **state)
{
    (void)state;
    char a[512], o[512], args[2048], err[4096];
    path_of(a, sizeof a, "tone.wav");
    path_of(o, sizeof o, "report.json");
    snprintf(args, sizeof args, "analyze %s -o %s", a, o);
    assert_int_equal(run(args, NULL, 0, NULL, 0), 0);
    FILE *f = fopen(o, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc); /* .json selected JSON */
    cJSON_Delete(doc);
    snprintf(args, sizeof args, "analyze %s -o %s/no/such/dir/r.json", a, dir);
    assert_int_equal(run(args, NULL, 0, err, sizeof err), 3);
    assert_non_null(strstr(err, "no/such/dir"));
    snprintf(args, sizeof args, "analyze %s -o %s", a, a);
    assert_int_equal(run(args, NULL, 0, err, sizeof err), 2);
    /* the same input spelled another way is refused too, for each command
     * that writes a report */
    static const char *const cmds[] = {"analyze", "check --no-codec", "album"};
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
        snprintf(args, sizeof args, "%s %s -o %s/./tone.wav", cmds[k], a, dir);
        assert_int_equal(run(args, NULL, 0, err, sizeof err), 2);
        assert_non_null(strstr(err, "refusing to overwrite"));
    }
    struct stat st;
    assert_int_equal(stat(a, &st), 0);
    assert_true(st.st_size > 100000); /* input untouched */
    /* no temporary files are left in the folder */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q '\\.tmp\\.'", dir);
    assert_int_not_equal(system(cmd), 0);
}

static void test_usage(void **state)
{
    (void)state;
    char out[8192], err[4096];
    assert_int_equal(run("--version", out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "mixmaster 0."));
    assert_int_equal(run("analyze --help", out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "usage: mixmaster analyze"));
    assert_int_equal(run("analyze", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("analyze --format xml x.wav", NULL, 0, err, sizeof err), 2);
    assert_non_null(strstr(err, "xml"));
    assert_int_equal(run("analyze -j 0 x.wav", NULL, 0, NULL, 0), 2);
    assert_int_equal(run("frobnicate", NULL, 0, err, sizeof err), 2);
    assert_int_equal(run("", NULL, 0, NULL, 0), 2);
}

/* Every container the issue names reads, and a lossless copy measures the
 * same as the WAV; lossy codecs land within 0.3 LU of it. */
static void test_formats(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int format;
        double tol;
    } fmts[] = {
        {"tone.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 0.01},
        {"tone.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 0.01},
        {"tone.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 0.3},
        {"tone.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 0.3},
        {"tone.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 0.3},
    };
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        write_file(fmts[k].name, 2, 48000, 48000 * 3, fmts[k].format, fill_tone);
        char p[512], args[1024], err[4096];
        static char out[1 << 20];
        path_of(p, sizeof p, fmts[k].name);
        snprintf(args, sizeof args, "analyze --no-series --format json %s", p);
        int rc = run(args, out, sizeof out, err, sizeof err);
        assert_int_equal(rc, 0);
        cJSON *doc = cJSON_Parse(out);
        assert_non_null(doc);
        cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
        double il = cJSON_GetObjectItem(cJSON_GetObjectItem(f0, "loudness"), "integrated_lufs")->valuedouble;
        cJSON *fmt = cJSON_GetObjectItem(f0, "format");
        printf("# %s: %s %s, %.2f LUFS\n", fmts[k].name, cJSON_GetObjectItem(fmt, "container")->valuestring,
               cJSON_GetObjectItem(fmt, "encoding")->valuestring, il);
        assert_near(il, tu_db(0.25), fmts[k].tol + 0.1);
        assert_true(cJSON_IsBool(cJSON_GetObjectItem(fmt, "lossy")));
        cJSON_Delete(doc);
    }
}

/* The text summary carries the key numbers. */
static void test_text(void **state)
{
    (void)state;
    char a[512], args[1024];
    static char out[1 << 16];
    path_of(a, sizeof a, "tone.wav");
    snprintf(args, sizeof args, "analyze %s", a);
    assert_int_equal(run(args, out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "integrated -12.0 LUFS"));
    assert_non_null(strstr(out, "true peak -12.0"));
    assert_non_null(strstr(out, "48000 Hz, 2 ch"));
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_degenerate_inputs),
        cmocka_unit_test(test_batch),      cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_usage),      cmocka_unit_test(test_text),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, setup, cliutil_teardown);
}
