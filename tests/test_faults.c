/*
 * Fault injection at the edges of the command line, through the same
 * functions the tool uses (cli/audio_in.c, cli/outfile.c):
 *  - read errors in the middle of a file: libsndfile virtual I/O whose read
 *    fails (returns -1) or stops early (returns 0) at every position of a
 *    file, header included: never a "successful" analysis of part of it;
 *  - a file that shrinks while it is read is an error; one that grows is
 *    read to the length its header declared, no further;
 *  - a write that fails with ENOSPC part way through an output leaves
 *    nothing at the final path and no temporary file;
 *  - the tool's own readers (a 64 KB buffer under libsndfile, raw PCM
 *    converted in cli_audio_readf) give libsndfile's samples bit for bit,
 *    in every format, in odd blocks, after a seek, with chunks after the
 *    audio.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static char dir[256];
static unsigned char *wav;     /* a 1 s stereo 16-bit WAV in memory */
static size_t wav_len;
static const size_t wav_frames = 44100;

/* ---- a virtual file that fails on demand ---- */

typedef struct vfile {
    const unsigned char *data;
    sf_count_t size, pos;
    sf_count_t fail_at;   /* reads touching bytes at or past this offset fail */
    int fail_with_error;  /* 1: read returns -1; 0: it returns 0 (early end) */
} vfile;

static sf_count_t v_len(void *u) { return ((vfile *)u)->size; }
static sf_count_t v_seek(sf_count_t off, int whence, void *u)
{
    vfile *v = u;
    sf_count_t p = (whence == SEEK_CUR ? v->pos : whence == SEEK_END ? v->size : 0) + off;
    if (p < 0) return -1;
    v->pos = p;
    return p;
}
static sf_count_t v_read(void *dst, sf_count_t n, void *u)
{
    vfile *v = u;
    if (v->pos + n > v->fail_at) {
        /* deliver what lies before the fault, then fail */
        sf_count_t ok = v->fail_at > v->pos ? v->fail_at - v->pos : 0;
        if (ok == 0) return v->fail_with_error ? -1 : 0;
        n = ok;
    }
    if (v->pos >= v->size) return 0;
    if (n > v->size - v->pos) n = v->size - v->pos;
    memcpy(dst, v->data + v->pos, (size_t)n);
    v->pos += n;
    return n;
}
static sf_count_t v_write(const void *p, sf_count_t n, void *u)
{
    (void)p, (void)n, (void)u;
    return -1;
}
static sf_count_t v_tell(void *u) { return ((vfile *)u)->pos; }

typedef struct counter {
    uint64_t frames;
    double sum;
} counter;

static int count_block(void *ctx, const float *const planar[], size_t frames)
{
    counter *c = ctx;
    c->frames += frames;
    for (size_t i = 0; i < frames; i++) c->sum += fabs(planar[0][i]);
    return MM_OK;
}

/* The whole file through virtual I/O: every frame arrives. */
static void test_virtual_io_reads_whole_file(void **state)
{
    (void)state;
    vfile v = {wav, (sf_count_t)wav_len, 0, (sf_count_t)wav_len + 1, 1};
    SF_VIRTUAL_IO io = {v_len, v_seek, v_read, v_write, v_tell};
    cli_audio a;
    char err[CLI_ERRLEN];
    assert_int_equal(cli_audio_open_virtual(&a, &io, &v, err, sizeof err), 0);
    assert_int_equal(a.info.frames, (sf_count_t)wav_frames);
    assert_string_equal(a.encoding, "PCM_16");
    counter c = {0, 0};
    assert_int_equal(cli_audio_stream(&a, 1000, count_block, &c, err, sizeof err), 0);
    assert_int_equal(c.frames, wav_frames);
    cli_audio_close(&a);
}

/* A read fault at every 97th byte of the file, as an error and as an early
 * end: the open fails with a reason, or the stream does, naming a read
 * error. No fault position gives a partial analysis reported as whole. */
static void test_virtual_io_faults_everywhere(void **state)
{
    (void)state;
    int open_failed = 0, read_failed = 0;
    /* every 97th byte; every 997th under valgrind */
    const sf_count_t step = tu_under_valgrind() ? 997 : 97;
    for (int with_error = 0; with_error < 2; with_error++)
        for (sf_count_t at = 0; at < (sf_count_t)wav_len; at += step) {
            vfile v = {wav, (sf_count_t)wav_len, 0, at, with_error};
            SF_VIRTUAL_IO io = {v_len, v_seek, v_read, v_write, v_tell};
            cli_audio a;
            char err[CLI_ERRLEN] = "";
            if (cli_audio_open_virtual(&a, &io, &v, err, sizeof err) != 0) {
                assert_true(err[0] != 0);
                open_failed++;
                continue;
            }
            counter c = {0, 0};
            int rc = cli_audio_stream(&a, 512, count_block, &c, err, sizeof err);
            cli_audio_close(&a);
            if (rc == 0) fail_msg("fault at byte %lld (%s): read %llu frames as if whole", (long long)at,
                                  with_error ? "error" : "early end", (unsigned long long)c.frames);
            assert_non_null(strstr(err, "read error"));
            assert_true(c.frames < wav_frames);
            read_failed++;
        }
    printf("# %d faults in the header refused at open, %d in the audio reported as read errors\n", open_failed,
           read_failed);
    assert_true(open_failed > 0);
    assert_true(read_failed > 100 * 97 / step);
}

/* ---- a real file changed while it is read ---- */

typedef struct changer {
    const char *path;
    int shrink;    /* 1: cut the file to 10 KB; 0: append a second of audio */
    int done;
    uint64_t frames;
} changer;

static int change_after_first_block(void *ctx, const float *const planar[], size_t frames)
{
    (void)planar;
    changer *c = ctx;
    c->frames += frames;
    if (!c->done) {
        c->done = 1;
        if (c->shrink) {
            assert_int_equal(truncate(c->path, 10000), 0);
        } else {
            int fd = open(c->path, O_WRONLY | O_APPEND);
            assert_true(fd >= 0);
            assert_int_equal(write(fd, wav + 44, wav_len - 44), (ssize_t)(wav_len - 44));
            close(fd);
        }
    }
    return MM_OK;
}

static void test_file_changes_while_read(void **state)
{
    (void)state;
    for (int shrink = 0; shrink < 2; shrink++) {
        char p[512];
        snprintf(p, sizeof p, "%s/changing.wav", dir);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        fwrite(wav, 1, wav_len, f);
        fclose(f);
        cli_audio a;
        char err[CLI_ERRLEN] = "";
        assert_int_equal(cli_audio_open(&a, p, err, sizeof err), 0);
        changer c = {p, shrink, 0, 0};
        int rc = cli_audio_stream(&a, 4096, change_after_first_block, &c, err, sizeof err);
        cli_audio_close(&a);
        printf("# %s while read: %s (%llu frames)\n", shrink ? "shrunk" : "grown", rc ? err : "read",
               (unsigned long long)c.frames);
        if (shrink) {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "ended after"));
            assert_true(c.frames < wav_frames);
        } else {
            /* the length is the header's, fixed at open: no more, no less */
            assert_int_equal(rc, 0);
            assert_int_equal(c.frames, wav_frames);
        }
    }
}


/* ---- the tool's readers against libsndfile's own ---- */

static void test_readers_match_libsndfile(void **state)
{
    (void)state;
    static const struct {
        int format, bits; /* bits 0: float */
        const char *name;
    } fmts[] = {
        {SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16, "wav16"},   {SF_FORMAT_WAV | SF_FORMAT_PCM_24, 24, "wav24"},
        {SF_FORMAT_WAV | SF_FORMAT_PCM_32, 32, "wav32"},   {SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0, "wavf"},
        {SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, 24, "wavex"}, {SF_FORMAT_W64 | SF_FORMAT_PCM_24, 24, "w64"},
        {SF_FORMAT_RF64 | SF_FORMAT_PCM_16, 16, "rf64"},   {SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 24, "aiff"},
        {SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 24, "flac"},
    };
    const size_t n = 30011, seek_to = 12345;
    float *x = malloc(n * 2 * sizeof(float)), *want = malloc(n * 2 * sizeof(float)),
          *got = malloc(n * 2 * sizeof(float));
    for (size_t i = 0; i < 2 * n; i++) x[i] = (float)(0.999 * tu_uniform());
    x[0] = -1.0f; /* negative full scale */
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        char p[512];
        snprintf(p, sizeof p, "%s/readers.%s", dir, fmts[f].name);
        SF_INFO info = {0};
        info.samplerate = 44100;
        info.channels = 2;
        info.format = fmts[f].format;
        SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
        assert_non_null(sf);
        sf_set_string(sf, SF_STR_TITLE, "a chunk after the audio");
        assert_int_equal(sf_writef_float(sf, x, (sf_count_t)n), (sf_count_t)n);
        sf_close(sf);
        /* the tool's reading, in odd blocks */
        cli_audio a;
        char err[CLI_ERRLEN];
        assert_int_equal(cli_audio_open(&a, p, err, sizeof err), 0);
        size_t off = 0, blk = 1000;
        while (off < n) {
            /* libsndfile zero-fills what a short read leaves of the request */
            size_t ask = blk < n - off ? blk : n - off;
            sf_count_t k = cli_audio_readf(&a, got + 2 * off, (sf_count_t)ask);
            assert_true(k > 0);
            off += (size_t)k;
            blk = blk == 1000 ? 4097 : 1000;
        }
        assert_int_equal(off, n);
        assert_int_equal(cli_audio_readf(&a, want, 1000), 0); /* and then the end */
        /* against what was written: libsndfile writes x * (2^(bits-1) - 1)
         * rounded and reads back / 2^(bits-1), so within two steps of the
         * word length (and a float's precision at 32 bits); float exactly */
        double step = fmts[f].bits ? ldexp(1.0, 1 - fmts[f].bits) : 0.0, worst = 0.0;
        for (size_t i = 0; i < 2 * n; i++) worst = fmax(worst, fabs((double)got[i] - (double)x[i]));
        assert_true(worst <= (fmts[f].bits ? fmax(2.0 * step, 2e-7) : 0.0));
        /* against libsndfile's own conversion where the tool converts
         * itself: bit for bit, and after a seek */
        if (a.raw_kind) {
            SF_INFO ri = {0};
            sf = sf_open(p, SFM_READ, &ri);
            assert_non_null(sf);
            assert_int_equal(sf_readf_float(sf, want, (sf_count_t)n), (sf_count_t)n);
            sf_close(sf);
            assert_memory_equal(got, want, n * 2 * sizeof(float));
        }
        assert_int_equal(sf_seek(a.sf, (sf_count_t)seek_to, SEEK_SET), (sf_count_t)seek_to);
        assert_int_equal(cli_audio_readf(&a, want, 100), 100);
        assert_memory_equal(want, got + 2 * seek_to, 100 * 2 * sizeof(float));
        printf("# %s: %zu frames, largest error %.3g (step %.3g), %s\n", fmts[f].name, n, worst, step,
               a.raw_kind ? "converted by the tool, as libsndfile converts" : "converted by libsndfile");
        cli_audio_close(&a);
    }
    free(x);
    free(want);
    free(got);
}

/* ---- a write that fails part way ---- */

/* The disk fills up after the first part of an output: the commit fails
 * with ENOSPC's words and nothing is left, at the final path or as a
 * temporary. */
static void test_output_disk_full(void **state)
{
    (void)state;
    char p[512], err[CLI_ERRLEN];
    snprintf(p, sizeof p, "%s/out.jsonl", dir);
    cli_sink o;
    assert_int_equal(cli_sink_open(&o, p, err, sizeof err), 0);
    assert_int_equal(cli_sink_write(&o, "{\"a\": 1}\n", 9), 0);
    /* from here on the file is on a full disk */
    int full = open("/dev/full", O_WRONLY);
    assert_true(full >= 0);
    assert_true(dup2(full, o.fd) == o.fd);
    close(full);
    assert_int_equal(cli_sink_write(&o, "{\"b\": 2}\n", 9), -1);
    assert_int_equal(cli_sink_write(&o, "{\"c\": 3}\n", 9), -1); /* the failure sticks */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s", o.tmp);
    assert_int_equal(cli_sink_commit(&o, err, sizeof err), -1);
    printf("# %s\n", err);
    assert_non_null(strstr(err, strerror(ENOSPC)));
    struct stat st;
    assert_int_not_equal(stat(p, &st), 0);
    assert_int_not_equal(stat(tmp, &st), 0);
    /* and when nothing fails, the whole output appears at once */
    assert_int_equal(cli_write_output(p, "{}\n", 3, err, sizeof err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 3);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mm-faults-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char p[512];
    snprintf(p, sizeof p, "%s/src.wav", dir);
    SF_INFO info = {0};
    info.channels = 2;
    info.samplerate = 44100;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *f = sf_open(p, SFM_WRITE, &info);
    if (!f) return -1;
    static float buf[44100 * 2];
    for (size_t i = 0; i < wav_frames; i++) buf[2 * i] = buf[2 * i + 1] = (float)(0.5 * sin(0.05 * (double)i));
    sf_writef_float(f, buf, (sf_count_t)wav_frames);
    sf_close(f);
    FILE *fp = fopen(p, "rb");
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    wav_len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    wav = malloc(wav_len);
    if (!wav || fread(wav, 1, wav_len, fp) != wav_len) return -1;
    fclose(fp);
    /* the tests below rely on a plain 44-byte header */
    return wav_len == 44 + wav_frames * 4 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(wav);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virtual_io_reads_whole_file),
        cmocka_unit_test(test_virtual_io_faults_everywhere),
        cmocka_unit_test(test_file_changes_while_read),
        cmocka_unit_test(test_readers_match_libsndfile),
        cmocka_unit_test(test_output_disk_full),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
