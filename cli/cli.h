/* Private declarations of the command-line front end. */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sndfile.h>

#include "mixmaster/analyze.h"
#include "mixmaster/report.h"

/* Exit codes shared by every command. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_INPUT = 3 };

#define CLI_ERRLEN 512

/* An open input file and what we know of its format. */
typedef struct cli_audio {
    SNDFILE *sf;
    SF_INFO info;
    char container[24];
    char encoding[24];
    int bit_depth, is_float, lossy;
} cli_audio;

/* Open `path` for reading. On failure returns -1 with a one-line reason in
 * err (without the path). */
int cli_audio_open(cli_audio *a, const char *path, char *err, size_t errlen);
void cli_audio_close(cli_audio *a);

/* Fill an mm_file_info from an open file (strings point into `a`). */
void cli_audio_file_info(const cli_audio *a, const char *path, mm_file_info *out);

/* Read the whole file through `fn` in planar blocks of up to `block` frames.
 * fn returns an mm status; reading stops at the first error. Returns 0 or -1
 * with a reason in err. */
typedef int (*cli_block_fn)(void *ctx, const float *const planar[], size_t frames);
int cli_audio_stream(cli_audio *a, size_t block, cli_block_fn fn, void *ctx, char *err, size_t errlen);

/* Write `len` bytes to `path` atomically (temporary file in the same
 * folder, then rename), or to standard output when path is "-" or NULL.
 * Returns 0 or -1 with a reason in err. */
int cli_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* Does the path end in ".json" (case-insensitive)? */
int cli_has_suffix(const char *path, const char *suffix);

/* Run fn(i, ctx) for i in [0, count) on `jobs` threads. */
void cli_parallel_for(size_t count, int jobs, void (*fn)(size_t i, void *ctx), void *ctx);

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
int cli_parse_int(const char *s, int *out);
int cli_parse_double(const char *s, double *out);

/* Resample planar float (codec.c); allocates out[c]; returns frames or 0
 * with a reason in err. */
size_t cli_resample(const float *const in[], int channels, size_t frames, double in_rate, double out_rate,
                    float **out, char *err, size_t errlen);

int cli_cmd_analyze(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);

#endif
