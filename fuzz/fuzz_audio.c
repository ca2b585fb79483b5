/*
 * Fuzz target: audio decoding into the analysis. The input bytes are an
 * audio file read through libsndfile virtual I/O (any container libsndfile
 * knows), checked by the same code as `mixmaster analyze`
 * (cli_audio_open_virtual), streamed into the analyzer and, for one or two
 * channels, the playback translation; then the JSON report is built.
 *
 * Work is capped so one input cannot stall the run: a small compressed
 * file may expand to hours, so analysis stops after MAX_SECONDS of audio.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mixmaster/report.h"
#include "mixmaster/translation.h"

#define MAX_SECONDS 20.0

typedef struct mem_file {
    const uint8_t *data;
    sf_count_t size, pos;
} mem_file;

static sf_count_t mem_len(void *u) { return ((mem_file *)u)->size; }

static sf_count_t mem_seek(sf_count_t off, int whence, void *u)
{
    mem_file *m = u;
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0) return -1;
    m->pos = base + off;
    return m->pos;
}

static sf_count_t mem_read(void *dst, sf_count_t n, void *u)
{
    mem_file *m = u;
    if (n <= 0 || m->pos >= m->size) return 0;
    if (n > m->size - m->pos) n = m->size - m->pos;
    memcpy(dst, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mem_write(const void *src, sf_count_t n, void *u)
{
    (void)src, (void)n, (void)u;
    return 0;
}

static sf_count_t mem_tell(void *u) { return ((mem_file *)u)->pos; }

typedef struct feed_ctx {
    mm_analyzer *a;
    mm_translation *t;
    uint64_t frames, max_frames;
} feed_ctx;

static int feed(void *ctx, const float *const planar[], size_t frames)
{
    feed_ctx *f = ctx;
    if (f->frames >= f->max_frames) return MM_ERR_STATE; /* enough: stop reading */
    f->frames += frames;
    int e = mm_analyzer_process(f->a, planar, frames);
    if (e == MM_OK && f->t) e = mm_translation_process(f->t, planar, frames);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mem_file m = {data, (sf_count_t)size, 0};
    SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
    cli_audio in;
    char err[CLI_ERRLEN];
    if (cli_audio_open_virtual(&in, &vio, &m, err, sizeof err) != 0) return 0;
    mm_analyze_config cfg = mm_analyze_config_default(in.info.samplerate, in.info.channels);
    int st;
    feed_ctx f = {mm_analyzer_create(&cfg, &st), NULL, 0, (uint64_t)(MAX_SECONDS * in.info.samplerate)};
    if (!f.a) abort(); /* the header checks admit only what the analyzer supports */
    if (in.info.channels <= 2) {
        mm_translation_config tc = mm_translation_config_default(in.info.samplerate, in.info.channels);
        if (!(f.t = mm_translation_create(&tc, &st))) abort();
    }
    if (cli_audio_stream(&in, 4096, feed, &f, err, sizeof err) == 0 || f.frames >= f.max_frames) {
        mm_analysis r;
        mm_analyzer_finish(f.a, &r);
        mm_translation_result tr;
        if (f.t) mm_translation_finish(f.t, &r, &tr);
        mm_file_info info;
        cli_audio_file_info(&in, "fuzz", &info);
        mm_file_result fr = {info, &r, NULL};
        mm_report_options ro = mm_report_options_default();
        char *doc = mm_report_analysis_jsonl(&fr, &ro, &st);
        if (!doc) abort();
        mm_report_free(doc);
    }
    mm_translation_destroy(f.t);
    mm_analyzer_destroy(f.a);
    cli_audio_close(&in);
    return 0;
}
