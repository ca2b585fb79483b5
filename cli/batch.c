/* Batches of files: what happens as each file finishes (its JSON line
 * streamed out, its error or warnings on stderr, the counts, a progress bar
 * on a terminal) and the closing summary. Workers call
 * cli_batch_file_done() from any thread; everything it touches is under
 * the batch lock, so lines never interleave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Width of the bar in characters; the whole line stays under 80 columns. */
#define BAR_WIDTH 40

int cli_batch_begin(cli_batch *b, const char *cmd, size_t total, int stream, const char *out_path, char *err,
                    size_t errlen)
{
    memset(b, 0, sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    b->cmd = cmd;
    b->total = total;
    /* a bar is for a person watching: stderr is a terminal and there is
     * more than one file (MM_NO_PROGRESS=1 turns it off) */
    const char *np = getenv("MM_NO_PROGRESS");
    b->progress = total > 1 && isatty(STDERR_FILENO) && !(np && *np && strcmp(np, "0"));
    b->stream = stream;
    if (stream && cli_sink_open(&b->out, out_path, err, errlen) != 0) {
        pthread_mutex_destroy(&b->lock);
        return -1;
    }
    return 0;
}

/* Erase the bar, if drawn, so that a message line starts clean. */
static void bar_clear(cli_batch *b)
{
    if (b->bar_drawn) fputs("\r\033[K", stderr);
    b->bar_drawn = 0;
}

static void bar_draw(cli_batch *b)
{
    if (!b->progress) return;
    char bar[BAR_WIDTH + 1];
    size_t fill = b->total ? b->done * BAR_WIDTH / b->total : BAR_WIDTH;
    for (size_t k = 0; k < BAR_WIDTH; k++) bar[k] = k < fill ? '=' : ' ';
    bar[BAR_WIDTH] = 0;
    fprintf(stderr, "\r[%s] %zu/%zu", bar, b->done, b->total);
    if (b->failed) fprintf(stderr, " (%zu failed)", b->failed);
    fflush(stderr);
    b->bar_drawn = 1;
}

void cli_batch_file_done(cli_batch *b, int ok, const char *line, const char *path, const char *error,
                         const char *warnings)
{
    pthread_mutex_lock(&b->lock);
    b->done++;
    if (ok) b->ok++;
    else b->failed++;
    if (b->stream && line) {
        /* lines to a terminal share it with the bar: erase the bar first */
        if (!b->out.tmp && b->bar_drawn && isatty(b->out.fd)) bar_clear(b);
        cli_sink_write(&b->out, line, strlen(line));
        cli_sink_write(&b->out, "\n", 1);
    }
    if (error || (warnings && *warnings)) {
        bar_clear(b);
        if (error) fprintf(stderr, "mixmaster: %s: %s\n", path, error);
        if (warnings) fputs(warnings, stderr);
    }
    bar_draw(b);
    pthread_mutex_unlock(&b->lock);
}

int cli_batch_end(cli_batch *b, char *err, size_t errlen)
{
    int rc = 0;
    bar_clear(b);
    if (b->stream) rc = cli_sink_commit(&b->out, err, errlen);
    if (b->total > 1)
        fprintf(stderr, "mixmaster %s: %zu files: %zu ok, %zu failed\n", b->cmd, b->total, b->ok, b->failed);
    pthread_mutex_destroy(&b->lock);
    return rc;
}

int cli_batch_exit_code(const cli_batch *b)
{
    if (b->failed == 0) return CLI_EXIT_OK;
    return b->ok == 0 ? CLI_EXIT_INPUT : CLI_EXIT_FAIL;
}
