/* Private declarations of the command-line front end. */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sndfile.h>

#include "mixmaster/analyze.h"
#include "mixmaster/check.h"
#include "mixmaster/dither.h"
#include "mixmaster/plot.h"
#include "mixmaster/report.h"

/* Exit codes shared by every command. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_INPUT = 3 };

#define CLI_ERRLEN 512

/* An open input file and what we know of its format. */
struct cli_reader;
typedef struct cli_audio {
    SNDFILE *sf;
    struct cli_reader *rd; /* the buffered reader under sf (regular files), or NULL */
    SF_INFO info;
    char container[24];
    char encoding[24];
    int bit_depth, is_float, lossy;
    int exact_length;  /* PCM or float samples: info.frames is exact */
    int raw_kind;      /* samples cli_audio_readf converts itself (0: libsndfile does) */
    unsigned char *raw;
    size_t raw_cap;
} cli_audio;

/* Open `path` for reading. On failure returns -1 with a one-line reason in
 * err (without the path). */
int cli_audio_open(cli_audio *a, const char *path, char *err, size_t errlen);
/* The same for a file reached through libsndfile virtual I/O (a buffer, a
 * socket, a test's failing reader); `user` is passed to its callbacks. */
int cli_audio_open_virtual(cli_audio *a, SF_VIRTUAL_IO *vio, void *user, char *err, size_t errlen);
void cli_audio_close(cli_audio *a);

/* sf_readf_float on an open file: up to `frames` interleaved frames into
 * dst; returns the frames read (0 at the end) or a negative value. */
sf_count_t cli_audio_readf(cli_audio *a, float *dst, sf_count_t frames);

/* Fill an mm_file_info from an open file (strings point into `a`). */
void cli_audio_file_info(const cli_audio *a, const char *path, mm_file_info *out);

/* Read the whole file through `fn` in planar blocks of up to `block` frames.
 * fn returns an mm status; reading stops at the first error. A PCM file
 * that ends before the length its header declares (it shrank while being
 * read, or a read failed) is an error. Returns 0 or -1 with a reason in err. */
typedef int (*cli_block_fn)(void *ctx, const float *const planar[], size_t frames);
int cli_audio_stream(cli_audio *a, size_t block, cli_block_fn fn, void *ctx, char *err, size_t errlen);
/* The same for frames [start, start + frames) of a seekable file; ending
 * before the last of them is an error. */
int cli_audio_stream_part(cli_audio *a, uint64_t start, uint64_t frames, size_t block, cli_block_fn fn, void *ctx,
                          char *err, size_t errlen);

/* Write `len` bytes to `path` atomically (temporary file PATH.tmp.XXXXXX in
 * the same folder, then rename), or to standard output when path is "-" or
 * NULL. Returns 0 or -1 with a reason in err. */
/* Create an empty PATH.tmp.XXXXXX next to `path` with the mode a plain
 * create would give: its descriptor, its name in *tmp (malloc'd), or -1
 * with the reason in err. The output is renamed over `path` when whole. */
/* Do two paths name the same file (the same spelling, or the same device
 * and inode: a link or another way to the same place)? */
int cli_same_file(const char *a, const char *b);
int cli_temp_create(const char *path, char **tmp, char *err, size_t errlen);
/* A small text file read whole (NUL-ended, malloc'd), refused past
 * max_bytes ("larger than N MB: too large for `what`"), or NULL with the
 * reason in err. */
char *cli_read_text(const char *path, size_t max_bytes, const char *what, char *err, size_t errlen);
int cli_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen);
/* The same for a JSON document, ended with a newline as text files are
 * (cJSON's output has none). */
int cli_write_json(const char *path, const char *json, char *err, size_t errlen);
/* A command's whole report `doc` (JSON or text, from a report writer that
 * returned `status`) to path or stdout; a failure to build or write it is
 * printed in one line. Frees doc. 0 or -1. */
int cli_write_report(const char *cmd, const char *path, char *doc, int status, int json);

/* The same in steps, for output written as it is produced: open, write any
 * number of times (the first failure sticks), then commit (rename into
 * place; on any failure the temporary file is removed) or abort. */
typedef struct cli_sink {
    int fd;
    int err;          /* errno of the first failed write, 0 if none */
    char *tmp;        /* temporary name; NULL for standard output */
    const char *path;
} cli_sink;
int cli_sink_open(cli_sink *o, const char *path, char *err, size_t errlen);
int cli_sink_write(cli_sink *o, const char *data, size_t len);
int cli_sink_commit(cli_sink *o, char *err, size_t errlen);
void cli_sink_abort(cli_sink *o);

/* A batch of files (batch.c): counts, errors and warnings as each file
 * finishes, JSON lines streamed to the output, a progress bar on stderr
 * when it is a terminal, and a summary line at the end (batches of more
 * than one file). */
typedef struct cli_batch {
    pthread_mutex_t lock;
    const char *cmd;          /* "analyze", "check" */
    size_t total, done, ok, failed;
    int progress, bar_drawn;
    int stream;               /* JSON lines go to `out` as files finish */
    cli_sink out;
} cli_batch;
int cli_batch_begin(cli_batch *b, const char *cmd, size_t total, int stream, const char *out_path, char *err,
                    size_t errlen);
/* A file finished. `line`: its JSON line when streaming (no newline);
 * `error`: why it failed (NULL when ok); `warnings`: whole lines for stderr
 * or NULL. Thread-safe. */
void cli_batch_file_done(cli_batch *b, int ok, const char *line, const char *path, const char *error,
                         const char *warnings);
/* Commit the stream, erase the bar, print the summary. 0 or -1 (the stream
 * could not be written; reason in err). */
int cli_batch_end(cli_batch *b, char *err, size_t errlen);
/* 0 every file read; 1 some failed and some did not; 3 none could be read. */
int cli_batch_exit_code(const cli_batch *b);

/* Does the path end in ".json" (case-insensitive)? */
int cli_has_suffix(const char *path, const char *suffix);

/* Run fn(i, ctx) for i in [0, count) on `jobs` threads. */
void cli_parallel_for(size_t count, int jobs, void (*fn)(size_t i, void *ctx), void *ctx);

/* Writing audio (audio_out.c): format from the extension, TPDF dither to
 * 16 or 24 bits (noise-shaped at 16), written under a temporary name next to
 * the final path and renamed into place by commit. */
#define CLI_OUT_BLOCK 4096
typedef struct cli_out {
    SNDFILE *sf;
    char *path, *tmp;
    int channels, bits, failed;
    mm_dither *dither;
    float *inter;
    int32_t *ints;
    long clamped;        /* samples clamped at full scale by the quantiser */
    uint64_t frames;
} cli_out;
/* The libsndfile format for path's extension (.wav .flac .aiff .w64 .caf
 * .rf64 .au) at 16, 24 or 32 (float) bits. 0 or -1 with a reason. */
int cli_out_format(const char *path, int bits, int *format, char *err, size_t errlen);
int cli_out_open(cli_out *o, const char *path, double rate, int channels, int bits, char *err, size_t errlen);
int cli_out_write(cli_out *o, const float *const planar[], size_t frames);
/* Close and rename into place; on failure the temporary file is removed. */
int cli_out_commit(cli_out *o, char *err, size_t errlen);
/* Remove the temporary file (nothing appears at the final path). */
void cli_out_abort(cli_out *o);

/* Lossy codec round trip in memory (codec.c). */
typedef enum cli_codec { CLI_CODEC_MP3, CLI_CODEC_OPUS, CLI_CODEC_VORBIS, CLI_CODEC_COUNT } cli_codec;

typedef struct cli_codec_result {
    cli_codec codec;
    size_t bytes;            /* size of the encoded stream */
    double bitrate_kbps;     /* its average bit rate */
    int decoded_rate;        /* Hz (Opus decodes at 48 kHz) */
    uint64_t decoded_frames;
    mm_analysis decoded;     /* analysis of the decoded audio (no series) */
} cli_codec_result;

const char *cli_codec_name(cli_codec c);

/* Encode `frames` frames of planar float audio (1 or 2 channels) with the
 * codec, decode, analyse. Returns 0 or -1 with a reason in err. */
int cli_codec_roundtrip(cli_codec codec, const float *const in[], int channels, size_t frames, double rate,
                        cli_codec_result *res, char *err, size_t errlen);

/* Copy an analysis' series out of its analyzer (cmd_analyze.c); *store
 * holds the copy, to be freed by the caller. Returns 0 or -1 (no memory). */
int cli_keep_series(mm_analysis *r, float **store);

/* Parse a whole decimal number / a finite real; 0 on success. */
/* One argument of a command line at argv[*i]: `name` is the argument up
 * to the '=' of "--opt=VALUE" (else all of it); `*val` what follows the
 * '=', or, for a name in the NULL-ended `takes_value`, the next argument
 * (*i advances). -1 when such an option ends the line without a value. */
int cli_next_arg(int argc, char **argv, int *i, const char *const *takes_value, char name[32], const char **val);
int cli_parse_int(const char *s, int *out);
int cli_parse_double(const char *s, double *out);

/* Resample planar float (codec.c); allocates out[c]; returns frames or 0
 * with a reason in err. */
size_t cli_resample(const float *const in[], int channels, size_t frames, double in_rate, double out_rate,
                    float **out, char *err, size_t errlen);

/* Options of `mixmaster analyze`, filled by cli_analyze_parse() without
 * running anything (so the parser can be tested and fuzzed alone). */
typedef struct cli_analyze_opts {
    const char *out;      /* NULL: standard output */
    const char *format;   /* "text", "json" or "jsonl" (resolved) */
    int jobs, true_peak, dual_mono, series, help;
    const char *report_dir; /* --report-dir, NULL if none */
    const char **files;   /* points into argv; free with cli_analyze_opts_free */
    size_t nfiles;
} cli_analyze_opts;

/* Parse argv[1..argc-1]. Returns CLI_EXIT_OK (run the command, or print the
 * help when o->help is set) or an exit code with a one-line reason in err.
 * Prints nothing. */
int cli_analyze_parse(int argc, char **argv, cli_analyze_opts *o, char *err, size_t errlen);
void cli_analyze_opts_free(cli_analyze_opts *o);

/* Options of `mixmaster check`, after the thresholds are resolved (preset,
 * --config file, --set), as cli_check_parse() leaves them. */
typedef struct cli_check_opts {
    mm_check_config cfg;
    const char *out, *format, *reference, *report_dir;
    int jobs, strict, help, list_presets, list_thresholds;
    int codec, translation, gonio;
    double codec_seconds;
    const char **files;
    size_t nfiles;
} cli_check_opts;

/* Parse argv[1..argc-1] and resolve the thresholds (this reads the file
 * --config names). Same return convention as cli_analyze_parse. */
int cli_check_parse(int argc, char **argv, cli_check_opts *o, char *err, size_t errlen);
void cli_check_opts_free(cli_check_opts *o);

/* Format a usage error into err; returns CLI_EXIT_USAGE (parse.c). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int cli_usage_error(char *err, size_t errlen, const char *fmt, ...);
/* --report-dir (report_dir.c): figures drawn by gnuplot, written atomically. */
typedef struct cli_report {
    char dir[3072];
    mm_plot_style style;
    int gnuplot;          /* gnuplot found on PATH */
    int drawn, failed;
    char notice[600];     /* why plots are missing, for the page and stderr */
} cli_report;

/* Create the folder (and parents); find gnuplot. 0 or -1 with a reason. */
int cli_report_open(cli_report *r, const char *dir, char *err, size_t errlen);
/* "png" or "svg" (MM_PLOT_FORMAT=svg in the environment selects SVG). */
const char *cli_report_ext(const cli_report *r);
/* Reserve a temporary output name for figure `name`; -1 when plots are off. */
int cli_report_temp(cli_report *r, const char *name, char *tmp, size_t tmplen);
/* Run `script` (freed here) that draws into `tmp`, then rename it to
 * dir/name. 0, or -1 (noted in r->notice). */
int cli_report_draw(cli_report *r, char *script, const char *tmp, const char *name);
/* Write dir/name atomically. */
int cli_report_write(cli_report *r, const char *name, const char *text, char *err, size_t errlen);
/* Write the JSON (NULL: it could not be built) as json_name and the page as
 * index.html, then say on stderr where the page is (and why plots are
 * missing, if they are). 0, or -1 after a one-line error. */
int cli_report_finish(cli_report *r, const char *json_name, const char *json, const mm_html_page *page);

/* Strings that live as long as a report (report_analysis.c). */
typedef struct cli_strpool {
    char **s;
    size_t n, cap;
} cli_strpool;
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
const char *cli_sp(cli_strpool *p, const char *fmt, ...);
void cli_sp_free(cli_strpool *p);
/* "03-name": a figure prefix from a file's position and name, safe in paths and HTML. */
const char *cli_report_slug(cli_strpool *sp, size_t index, const char *path);

/* A bounded set of (left, right) sample pairs for the goniometer. */
typedef struct cli_gonio {
    double *x, *y;        /* side (R-L)/sqrt2, mid (L+R)/sqrt2 */
    size_t n, cap;
    uint64_t step, pos;
} cli_gonio;
int cli_gonio_init(cli_gonio *g, uint64_t total_frames, size_t points);
void cli_gonio_feed(cli_gonio *g, const float *const planar[], int channels, size_t frames);
void cli_gonio_free(cli_gonio *g);

/* Figures and an HTML section for one analysed file. `prefix` names the
 * figure files; `target_lufs` (NaN: none) is drawn on the loudness plot.
 * Figures are appended to figs (up to max). */
size_t cli_report_analysis_figures(cli_report *r, cli_strpool *sp, const char *prefix, const char *title,
                                   const mm_analysis *a, const cli_gonio *g, double target_lufs,
                                   const double *ref_mid_db, mm_html_figure *figs, size_t max);
/* Key figures of an analysis (up to max items). */
size_t cli_report_analysis_items(cli_strpool *sp, const mm_analysis *a, mm_html_item *items, size_t max);
/* A bar chart of PLR, PSR and crest per file. */
int cli_report_dynamics_figure(cli_report *r, const char *name, const char *const *names,
                               const mm_analysis *const *a, size_t n);

/* The --report-dir of analyze (report_analyze.c): figures, report.json and
 * index.html for a batch. 0, or -1 after a one-line error on stderr. */
int cli_analyze_report(const char *dir, const mm_file_result *res, const cli_gonio *const *gonio, size_t n,
                       const mm_report_options *ro);

/* The --report-dir of check (report_check.c). */
int cli_check_report(const char *dir, const mm_check_config *cfg, const mm_check_file *files,
                     const cli_gonio *const *gonio, size_t n, const mm_report_options *ro);

/* The --report-dir of master (report_master.c). */
struct mm_master_result;
int cli_master_report(const char *dir, const struct mm_master_result *m, const char *tool);

/* The --report-dir of automix (report_automix.c). */
struct mm_automix_report;
int cli_automix_report(const char *dir, const struct mm_automix_report *rep, const double *band_hz, int bands);

int cli_cmd_analyze(int argc, char **argv);
int cli_cmd_automix(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_album(int argc, char **argv);
int cli_cmd_master(int argc, char **argv);
int cli_cmd_release(int argc, char **argv);

#endif
