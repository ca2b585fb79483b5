/* Helpers for the tests that drive the real binaries ($BUILD/mixmaster,
 * $BUILD/mm-corpus): a scratch folder, audio files written with libsndfile,
 * running a command line and capturing what it prints. Header-only; each
 * test program includes it once. */
#ifndef MM_CLIUTIL_H
#define MM_CLIUTIL_H

#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <sndfile.h>

static char bin[512];
static char dir[256];
static char build_dir[512];

static inline void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* Write a file of `frames` frames in container|encoding `format`; fill(i, c)
 * gives sample values. */
static inline void write_file(const char *name, int ch, double fs, size_t frames, int format,
                       float (*fill)(size_t i, int c))
{
    char p[512];
    path_of(p, sizeof p, name);
    SF_INFO info = {0};
    info.channels = ch;
    info.samplerate = (int)fs;
    info.format = format;
    SNDFILE *f = sf_open(p, SFM_WRITE, &info);
    assert_non_null(f);
    float *buf = malloc(frames * (size_t)ch * sizeof(float) + 1);
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < ch; c++) buf[i * (size_t)ch + (size_t)c] = fill(i, c);
    assert_int_equal(sf_writef_float(f, buf, (sf_count_t)frames), (sf_count_t)frames);
    sf_close(f);
    free(buf);
}

static inline void write_wav(const char *name, int ch, double fs, size_t frames, int format,
                      float (*fill)(size_t i, int c))
{
    write_file(name, ch, fs, frames, SF_FORMAT_WAV | format, fill);
}

/* Run the binary with `args` (a shell word list); capture stdout and
 * stderr into files; return the exit code. */
static inline int run(const char *args, char *out, size_t outn, char *err, size_t errn)
{
    char cmd[11000], po[512], pe[512];
    path_of(po, sizeof po, "stdout.txt");
    path_of(pe, sizeof pe, "stderr.txt");
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", bin, args, po, pe);
    int st = system(cmd);
    FILE *f;
    if (out) {
        out[0] = 0;
        if ((f = fopen(po, "rb"))) { size_t n = fread(out, 1, outn - 1, f); out[n] = 0; fclose(f); }
    }
    if (err) {
        err[0] = 0;
        if ((f = fopen(pe, "rb"))) { size_t n = fread(err, 1, errn - 1, f); err[n] = 0; fclose(f); }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Outside strings, JSON has no letters but true, false, null and exponents:
 * so a NaN or Infinity printed by mistake cannot hide from this. */
static inline int json_has_only_numbers(const char *s)
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

static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Find the binaries and make the scratch folder; 0 or -1. */
static inline int cliutil_setup(const char *prog)
{
    const char *b = getenv("BUILD");
    char cwd[256];
    assert_non_null(getcwd(cwd, sizeof cwd));
    if (b && b[0] == '/') snprintf(bin, sizeof bin, "%s/mixmaster", b);
    else snprintf(bin, sizeof bin, "%s/%s/mixmaster", cwd, b ? b : "build");
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "%s: %s not built\n", prog, bin);
        return -1;
    }
    snprintf(build_dir, sizeof build_dir, "%.*s", (int)(strlen(bin) - strlen("/mixmaster")), bin);
    snprintf(dir, sizeof dir, "/tmp/mm-test-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    return 0;
}

static inline int cliutil_teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
