/*
 * The command line under abuse, as a catalogue run or a web service meets
 * it: runs killed with SIGKILL at random points never leave a partial
 * report at the final path; a full disk (RLIMIT_FSIZE, /dev/full) fails
 * cleanly with nothing at the final path; headers claiming absurd sizes are
 * refused in one line without a big allocation; large batches in JSON
 * Lines keep every result when some files fail, count them in a summary
 * line and exit 1. Drives the real binary ($BUILD/mixmaster).
 *
 * What a SIGKILL may leave: the temporary file (OUT.tmp.XXXXXX) being
 * written when the process died; a killed process cannot remove it. The
 * guarantee is about the final path: absent, or a complete report.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include "cliutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

static float fill_tone(size_t i, int c)
{
    return (float)(0.25 * sin(2 * M_PI * (440.0 + 220.0 * c) * (double)i / 44100.0));
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    if (len) *len = got;
    return s;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Start the binary with args (NULL-terminated, without the program name),
 * stdout and stderr to /dev/null; returns its pid. */
static pid_t spawn(char *const args[])
{
    char *argv[32];
    int n = 0;
    argv[n++] = bin;
    for (int k = 0; args[k] && n < 31; k++) argv[n++] = args[k];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(bin, argv);
        _exit(127);
    }
    return pid;
}

/* Look at folder `d`: is the report there, is a temporary of it there, and
 * is anything else there (inputs, *.wav, are not counted)? Removes the
 * temporaries. Returns the number of stray entries. */
static int scan_outputs(const char *d, const char *final_name, int *final_seen, int *tmp_seen)
{
    DIR *dd = opendir(d);
    assert_non_null(dd);
    struct dirent *e;
    char tmp_prefix[256], p[1024];
    snprintf(tmp_prefix, sizeof tmp_prefix, "%s.tmp.", final_name);
    int stray = 0;
    *final_seen = *tmp_seen = 0;
    while ((e = readdir(dd))) {
        if (e->d_name[0] == '.' || ends_with(e->d_name, ".wav")) continue;
        if (!strcmp(e->d_name, final_name)) {
            *final_seen = 1;
        } else if (!strncmp(e->d_name, tmp_prefix, strlen(tmp_prefix))) {
            *tmp_seen = 1;
            snprintf(p, sizeof p, "%s/%s", d, e->d_name);
            unlink(p);
        } else {
            printf("# stray file %s\n", e->d_name);
            stray++;
        }
    }
    closedir(dd);
    return stray;
}

/* Is `path` a complete report of `nfiles` files, all ok? JSON: one
 * document; JSON Lines: nfiles lines, each a document. */
static int report_complete(const char *path, int jsonl, int nfiles)
{
    char *s = slurp(path, NULL);
    if (!s) return 0;
    int ok = 1;
    if (!jsonl) {
        cJSON *doc = cJSON_Parse(s);
        cJSON *files = cJSON_GetObjectItem(doc, "files");
        ok = doc && cJSON_GetArraySize(files) == nfiles;
        for (int i = 0; ok && i < nfiles; i++)
            ok = !strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(files, i), "status")->valuestring, "ok");
        cJSON_Delete(doc);
    } else {
        int lines = 0;
        for (char *line = strtok(s, "\n"); line && ok; line = strtok(NULL, "\n")) {
            cJSON *doc = cJSON_Parse(line);
            ok = doc && cJSON_GetObjectItem(doc, "schema_version");
            cJSON_Delete(doc);
            lines++;
        }
        ok = ok && lines == nfiles;
    }
    free(s);
    return ok;
}

static char killdir[400];

/* What makes a final output complete: a report of nfiles files (JSON or
 * JSON Lines), or an audio file of `frames` frames. */
typedef struct expect {
    int jsonl, nfiles;
    long long frames; /* > 0: an audio file */
} expect;

static int output_complete(const char *path, const expect *x)
{
    if (x->frames <= 0) return report_complete(path, x->jsonl, x->nfiles);
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) return 0;
    sf_close(f);
    return info.frames == x->frames;
}

/* Kill `iters` runs of args at random times, T the time of a whole run:
 * a third in [0, T/2), a third in [0.8 T, 1.2 T) where the output is
 * written and renamed, a third in [0, 2 T); after each, the final path
 * holds a complete output or nothing. */
static void kill_at_random_x(const char *label, char *const args[], const char *final_name, const expect *x,
                             int iters, int exit_code)
{
    char final[700];
    snprintf(final, sizeof final, "%s/%s", killdir, final_name);
    unlink(final);
    /* the shortest of three whole runs: the first may pay for a cold cache */
    double whole = 1e9;
    pid_t pid;
    int st;
    for (int r = 0; r < 3; r++) {
        const double t0 = now_s();
        pid = spawn(args);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        const double t = now_s() - t0;
        whole = t < whole ? t : whole;
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), exit_code);
        assert_true(output_complete(final, x));
    }
    int complete = 0, absent = 0, temps = 0, killed = 0, fs, ts;
    for (int i = 0; i < iters; i++) {
        unlink(final);
        const double u = (double)(tu_rand() % 10000u) / 10000.0;
        /* thirds: early in the run, around the rename, anywhere; the first
         * kill lands at 2 % of a whole run so that at least one run is cut
         * short however the machine's load changes its speed */
        const double delay = i == 0       ? 0.02 * whole
                             : i % 3 == 0 ? 0.5 * whole * u
                             : i % 3 == 1 ? whole * (0.8 + 0.4 * u)
                                          : 2.0 * whole * u;
        pid = spawn(args);
        struct timespec d = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL; /* not already finished */
        assert_int_equal(scan_outputs(killdir, final_name, &fs, &ts), 0);
        temps += ts;
        if (fs) {
            if (!output_complete(final, x))
                fail_msg("%s: killed after %.3f s, %s is there but incomplete", label, delay, final_name);
            complete++;
        } else {
            absent++;
        }
    }
    unlink(final);
    printf("# %s: whole run %.3f s; %d runs, %d killed before they ended: %d complete reports, %d no report "
           "(%d left a temporary)\n",
           label, whole, iters, killed, complete, absent, temps);
    /* kills did land inside runs (how many after the rename depends on the
     * machine's load, so it is printed, not required) */
    assert_true(killed > 0);
    assert_true(absent > 0);
}

static void kill_at_random(const char *label, char *const args[], const char *final_name, int jsonl, int nfiles,
                           int iters, int exit_code)
{
    const expect x = {jsonl, nfiles, 0};
    kill_at_random_x(label, args, final_name, &x, iters, exit_code);
}

static void test_sigkill_atomic(void **state)
{
    (void)state;
    char a[600], b[600], c[600];
    snprintf(a, sizeof a, "%s/a.wav", killdir);
    snprintf(b, sizeof b, "%s/b.wav", killdir);
    snprintf(c, sizeof c, "%s/c.wav", killdir);
    char out[700];
    snprintf(out, sizeof out, "%s/report.json", killdir);
    char *json[] = {"analyze", "--format", "json", "-o", out, a, b, c, NULL};
    kill_at_random("analyze -o report.json", json, "report.json", 0, 3, 24, 0);
    snprintf(out, sizeof out, "%s/report.jsonl", killdir);
    char *jsonl[] = {"analyze", "-j", "2", "--format", "jsonl", "-o", out, a, b, c, NULL};
    kill_at_random("analyze --format jsonl -o", jsonl, "report.jsonl", 1, 3, 12, 0);
    snprintf(out, sizeof out, "%s/check.json", killdir);
    char *check[] = {"check", "--no-codec", "-o", out, a, b, c, NULL};
    /* pure tones fail the tonal-balance checks: exit 1 */
    kill_at_random("check -o check.json", check, "check.json", 0, 3, 12, 1);
    /* audio: a master appears whole (every frame of the input) or not at all */
    snprintf(out, sizeof out, "%s/master.flac", killdir);
    char *master[] = {"master", "-q", a, "--preset", "spotify", "-o", out, NULL};
    const expect audio = {0, 0, 44100LL * 10};
    kill_at_random_x("master -o master.flac", master, "master.flac", &audio, 12, 0);
}

/* Run a shell command line; return the exit code, stderr in err. */
static int sh(const char *cmdline, char *err, size_t errn)
{
    char cmd[4096], pe[600];
    path_of(pe, sizeof pe, "sh-stderr.txt");
    snprintf(cmd, sizeof cmd, "%s 2>%s", cmdline, pe);
    int st = system(cmd);
    FILE *f = fopen(pe, "rb");
    err[0] = 0;
    if (f) {
        size_t n = fread(err, 1, errn - 1, f);
        err[n] = 0;
        fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A full disk: a file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored, so
 * write() fails with EFBIG the way it fails with ENOSPC) for -o, and
 * /dev/full for standard output. The run fails with exit 3 and a reason,
 * and nothing is left at the final path, not even a temporary. */
static void test_disk_full(void **state)
{
    (void)state;
    char cmd[3000], err[4096], a[600], out[700];
    snprintf(a, sizeof a, "%s/a.wav", killdir);
    static const char *const modes[] = {"--format json", "--format jsonl", "--format text"};
    for (int m = 0; m < 3; m++) {
        snprintf(out, sizeof out, "%s/full.out", killdir);
        /* one block of 512 bytes: every report of two files is larger */
        snprintf(cmd, sizeof cmd, "ulimit -f 1; trap '' XFSZ; exec %s analyze %s -o %s %s %s", bin, modes[m], out, a, a);
        int rc = sh(cmd, err, sizeof err);
        printf("# -o with a 512-byte file size limit, %s: exit %d: %s", modes[m], rc, err);
        assert_int_equal(rc, 3);
        assert_non_null(strstr(err, "File too large"));
        int fs, ts;
        assert_int_equal(scan_outputs(killdir, "full.out", &fs, &ts), 0);
        assert_false(fs);
        assert_false(ts); /* a failed write removes its temporary */
        snprintf(cmd, sizeof cmd, "%s analyze %s %s >/dev/full", bin, modes[m], a);
        rc = sh(cmd, err, sizeof err);
        printf("# stdout to /dev/full, %s: exit %d: %s", modes[m], rc, err);
        assert_int_equal(rc, 3);
        assert_non_null(strstr(err, "No space left on device"));
    }
    snprintf(cmd, sizeof cmd, "ulimit -f 1; trap '' XFSZ; exec %s check --no-codec -o %s/full.json %s", bin, killdir,
             a);
    assert_int_equal(sh(cmd, err, sizeof err), 3);
    assert_non_null(strstr(err, "File too large"));
    int fs, ts;
    assert_int_equal(scan_outputs(killdir, "full.json", &fs, &ts), 0);
    assert_false(fs || ts);
}

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }
static void put64(unsigned char *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static void fmt_chunk(unsigned char *p, unsigned ch, uint32_t rate)
{
    memcpy(p, "fmt ", 4);
    put32(p + 4, 16);
    put16(p + 8, 1);
    put16(p + 10, ch);
    put32(p + 12, rate);
    put32(p + 16, rate * ch * 2);
    put16(p + 20, ch * 2);
    put16(p + 22, 16);
}

/* Write a header and `zeros` bytes of silence. */
static void write_raw(const char *name, const unsigned char *h, size_t hn, size_t zeros)
{
    char p[600];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(h, 1, hn, f);
    for (size_t i = 0; i < zeros; i++) fputc(0, f);
    fclose(f);
}

static void wav_header(unsigned char *h, unsigned ch, uint32_t rate, uint32_t data_bytes)
{
    memcpy(h, "RIFF", 4);
    put32(h + 4, 36 + data_bytes);
    memcpy(h + 8, "WAVE", 4);
    fmt_chunk(h + 12, ch, rate);
    memcpy(h + 36, "data", 4);
    put32(h + 40, data_bytes);
}

/* Headers that lie about their size are refused at open, before any buffer
 * is sized from them: exit 3, one line naming the file and why, and the
 * process stays small and quick. */
static void test_absurd_headers(void **state)
{
    (void)state;
    unsigned char h[128];
    wav_header(h, 65535, 44100, 4096);
    write_raw("chan65535.wav", h, 44, 4096);
    wav_header(h, 100, 44100, 4000);
    write_raw("chan100.wav", h, 44, 4000);
    wav_header(h, 2, 44100, 0xfffffff0u); /* 1 billion frames claimed, 4 KB held */
    write_raw("len4g.wav", h, 44, 4096);
    /* RF64: 2^42 bytes of data (2^40 frames, 288 days) claimed in ds64 */
    memset(h, 0, sizeof h);
    memcpy(h, "RF64", 4);
    put32(h + 4, 0xffffffffu);
    memcpy(h + 8, "WAVE", 4);
    memcpy(h + 12, "ds64", 4);
    put32(h + 16, 28);
    put64(h + 20, ((uint64_t)1 << 42) + 36);
    put64(h + 28, (uint64_t)1 << 42);
    put64(h + 36, (uint64_t)1 << 40);
    put32(h + 44, 0);
    fmt_chunk(h + 48, 2, 44100);
    memcpy(h + 72, "data", 4);
    put32(h + 76, 0xffffffffu);
    write_raw("rf64-2p40.wav", h, 80, 4096);
    wav_header(h, 2, 4000000000u, 4096);
    write_raw("rate4g.wav", h, 44, 4096);
    static const struct {
        const char *name, *why;
    } cases[] = {
        {"chan65535.wav", "channels"},
        {"chan100.wav", "100 channels: at most 64"},
        {"len4g.wav", "truncated"},
        {"rf64-2p40.wav", "truncated"},
        {"rate4g.wav", "not a readable audio file"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char p[600], po[600], pe[600], err[4096];
        path_of(p, sizeof p, cases[k].name);
        path_of(po, sizeof po, "absurd-out.txt");
        path_of(pe, sizeof pe, "absurd-err.txt");
        double t0 = now_s();
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fo, 1);
            dup2(fe, 2);
            execl(bin, bin, "analyze", "--format", "json", p, (char *)NULL);
            _exit(127);
        }
        int st;
        struct rusage ru;
        assert_int_equal(wait4(pid, &st, 0, &ru), pid);
        const double t = now_s() - t0;
        char *e = slurp(pe, NULL);
        snprintf(err, sizeof err, "%s", e ? e : "");
        free(e);
        printf("# %s: exit %d, %.2f s, peak RSS %.1f MB: %s", cases[k].name, WEXITSTATUS(st), t,
               (double)ru.ru_maxrss / 1024.0, err);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 3);
        assert_int_equal(count_lines(err), 1);
        assert_non_null(strstr(err, p));
        assert_non_null(strstr(err, cases[k].why));
        /* a normal run of the tool peaks near 8 MB */
        assert_true(ru.ru_maxrss < 64 * 1024);
        assert_true(t < 5.0);
    }
}

static double amp_of(int k) { return 0.05 * (k + 1); }
static int fill_k;
static float fill_amp(size_t i, int c)
{
    (void)c;
    return (float)(amp_of(fill_k) * sin(2 * M_PI * 997.0 * (double)i / 48000.0));
}

/* A batch of 12 with two bad files, streamed as JSON Lines on two threads:
 * 12 lines, each valid JSON with schema_version, every path once, every
 * good file's figures right; a summary line with the counts; exit 1. */
static void test_batch_jsonl(void **state)
{
    (void)state;
    char args[8192] = "", p[600];
    size_t n = 0;
    for (int k = 0; k < 10; k++) {
        char name[64];
        snprintf(name, sizeof name, "batch%02d.wav", k);
        fill_k = k;
        write_wav(name, 1, 48000, 48000, SF_FORMAT_PCM_16, fill_amp);
        path_of(p, sizeof p, name);
        n += (size_t)snprintf(args + n, sizeof args - n, " %s", p);
        if (k == 4) { /* the bad ones sit among the good */
            path_of(p, sizeof p, "batch-missing.wav");
            n += (size_t)snprintf(args + n, sizeof args - n, " %s", p);
        }
    }
    path_of(p, sizeof p, "batch-corrupt.wav");
    FILE *f = fopen(p, "wb");
    fputs("RIFF\x10\x00\x00\x00WAVEjunkjunkjunk", f);
    fclose(f);
    n += (size_t)snprintf(args + n, sizeof args - n, " %s", p);
    static const char *const cmds[] = {"analyze -j 2 --format jsonl", "check -j 2 --no-codec --format jsonl"};
    for (int c = 0; c < 2; c++) {
        char full[9000], err[8192];
        static char out[1 << 22];
        snprintf(full, sizeof full, "%s%s", cmds[c], args);
        int rc = run(full, out, sizeof out, err, sizeof err);
        printf("# %s (12 files): exit %d; stderr:\n%s", cmds[c], rc, err);
        assert_int_equal(rc, 1);
        assert_int_equal(count_lines(out), 12);
        assert_non_null(strstr(err, c ? "mixmaster check: 12 files: 10 ok, 2 failed\n"
                                      : "mixmaster analyze: 12 files: 10 ok, 2 failed\n"));
        int seen[10] = {0}, bad = 0;
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            cJSON *doc = cJSON_Parse(line);
            assert_non_null(doc);
            assert_true(json_has_only_numbers(line));
            assert_int_equal(cJSON_GetObjectItem(doc, "schema_version")->valueint, 1);
            const char *path = cJSON_GetObjectItem(doc, "path")->valuestring;
            const char *status = cJSON_GetObjectItem(doc, "status")->valuestring;
            const char *b = strstr(path, "/batch");
            assert_non_null(b);
            if (!strcmp(status, "error")) {
                assert_true(strstr(path, "missing") || strstr(path, "corrupt"));
                assert_non_null(cJSON_GetObjectItem(doc, "error"));
                bad++;
            } else {
                int k = atoi(b + 6);
                assert_true(k >= 0 && k < 10);
                seen[k]++;
                cJSON *an = c ? cJSON_GetObjectItem(doc, "analysis") : doc;
                double il = cJSON_GetObjectItem(cJSON_GetObjectItem(an, "loudness"), "integrated_lufs")->valuedouble;
                /* a mono sine of amplitude A reads 20 log10 A - 3.01 LUFS */
                assert_near(il, tu_db(amp_of(k)) - 3.01, 0.1);
            }
            cJSON_Delete(doc);
        }
        assert_int_equal(bad, 2);
        for (int k = 0; k < 10; k++) assert_int_equal(seen[k], 1);
    }
    /* threads change the order of the lines, not their content: -j 1 and
     * -j 2 give the same lines once sorted (the FFT plans of parallel
     * analyzers are made under the library's planner lock) */
    char full[12000], sorted1[700], sorted2[700];
    path_of(sorted1, sizeof sorted1, "sorted1.txt");
    path_of(sorted2, sizeof sorted2, "sorted2.txt");
    for (int j = 1; j <= 2; j++) {
        snprintf(full, sizeof full, "%s analyze -j %d --no-series --format jsonl%s 2>/dev/null | sort > %s", bin, j, args,
                 j == 1 ? sorted1 : sorted2);
        assert_true(system(full) != -1);
    }
    size_t n1, n2;
    char *s1 = slurp(sorted1, &n1), *s2 = slurp(sorted2, &n2);
    assert_non_null(s1);
    assert_non_null(s2);
    assert_int_equal(count_lines(s1), 12);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
}

/* The progress bar appears when stderr is a terminal (script(1) gives the
 * command one), and never in the report. */
static void test_progress_on_terminal(void **state)
{
    (void)state;
    if (system("command -v script >/dev/null 2>&1") != 0) {
        printf("# script(1) not found: progress bar on a terminal not tested\n");
        return;
    }
    char a[600], out[700], cmd[4000], po[600];
    snprintf(a, sizeof a, "%s/a.wav", killdir);
    snprintf(out, sizeof out, "%s/progress.jsonl", killdir);
    path_of(po, sizeof po, "typescript.txt");
    snprintf(cmd, sizeof cmd, "script -qec \"%s analyze --format jsonl -o %s %s %s %s/missing.wav\" /dev/null >%s", bin,
             out, a, a, killdir, po);
    int st = system(cmd); /* script -e passes on the command's exit code */
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1); /* one file of three failed */
    char *tty = slurp(po, NULL);
    assert_non_null(tty);
    printf("# terminal: %zu bytes\n", strlen(tty));
    assert_non_null(strstr(tty, "\r["));
    assert_non_null(strstr(tty, "] 3/3"));
    assert_non_null(strstr(tty, "3 files: 2 ok, 1 failed"));
    free(tty);
    char *rep = slurp(out, NULL);
    assert_non_null(rep);
    assert_null(strchr(rep, '\r'));
    assert_int_equal(count_lines(rep), 3);
    free(rep);
    unlink(out);
}

static int setup(void **state)
{
    (void)state;
    if (cliutil_setup("test_robust") != 0) return -1;
    tu_seed_init("test_robust");
    snprintf(killdir, sizeof killdir, "%s/kill", dir);
    if (mkdir(killdir, 0755) != 0) return -1;
    /* three 10 s stereo files: a run takes a fraction of a second */
    char p[600];
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "kill/%c.wav", 'a' + k);
        write_wav(name, 2, 44100, 44100 * 10, SF_FORMAT_PCM_24, fill_tone);
    }
    path_of(p, sizeof p, "kill/a.wav");
    return access(p, R_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absurd_headers),     cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_batch_jsonl),        cmocka_unit_test(test_progress_on_terminal),
        cmocka_unit_test(test_sigkill_atomic),
    };
    return cmocka_run_group_tests(tests, setup, cliutil_teardown);
}
