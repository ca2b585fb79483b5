/* Private declarations of the command-line front end. */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stddef.h>
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

int cli_cmd_analyze(int argc, char **argv);
int cli_cmd_automix(int argc, char **argv);

#endif
