/* mixmaster analyze FILE... : measure files and report as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define READ_BLOCK 4096

static const char usage[] =
    "usage: mixmaster analyze FILE... [-o OUT|-] [--format text|json|jsonl] [-j N]\n"
    "                         [--true-peak 4|8] [--dual-mono] [--no-series]\n"
    "\n"
    "Measure loudness (BS.1770-4 / EBU R128), true peak, dynamics, spectrum,\n"
    "stereo image and signal hygiene of each FILE in one streaming pass.\n"
    "\n"
    "  -o, --output OUT   write the report to OUT (atomically) or '-' for stdout\n"
    "                     (default); an OUT ending in .json selects JSON\n"
    "  --format FMT       text (default), json (one document) or jsonl (one\n"
    "                     line of JSON per file, written as each file finishes)\n"
    "  -j, --jobs N       analyse N files at a time (default 1)\n"
    "  --true-peak N      true-peak oversampling, 4 (default) or 8\n"
    "  --dual-mono        measure a mono file as dual-mono stereo (+3.01 dB);\n"
    "                     the default measures one channel, as BS.1770 does\n"
    "  --no-series        leave the loudness and correlation series out of JSON\n"
    "  --report-dir DIR   also write DIR/index.html with plots (gnuplot), DIR/report.json\n"
    "  -h, --help         show this help\n"
    "\n"
    "A batch of several files prints a summary line on stderr, and a progress\n"
    "bar when stderr is a terminal.\n"
    "\n"
    "Exit status: 0 all files analysed, 1 some files of a batch could not be\n"
    "read (the others are still reported), 2 usage error, 3 no file could be\n"
    "read or the report could not be written.\n";

typedef struct job {
    const char *path;
    int ok;
    char err[CLI_ERRLEN];
    mm_analysis res;
    mm_file_info info;
    char container[24], encoding[24];
    float *series; /* copies of the series, owned here */
    cli_gonio gonio; /* sample pairs for the report's goniometer */
} job;

typedef struct run {
    const cli_analyze_opts *o;
    mm_analyze_config base;
    job *jobs; /* one per file for a whole document or a report folder; NULL when streaming */
    mm_report_options ro;
    cli_batch batch;
    int want_gonio;
} run;

typedef struct feed_ctx {
    mm_analyzer *a;
    cli_gonio *g;
} feed_ctx;

static int feed(void *ctx, const float *const planar[], size_t frames)
{
    feed_ctx *f = ctx;
    if (f->g) cli_gonio_feed(f->g, planar, 2, frames); /* set for stereo files only */
    return mm_analyzer_process(f->a, planar, frames);
}

/* Copy the series out of the analyzer so it can be destroyed now; *store
 * receives the copy (free it when done with r). */
int cli_keep_series(mm_analysis *r, float **store)
{
    size_t nl = r->loudness_series_count, nc = r->correlation_series_count;
    *store = NULL;
    if (nl + nc == 0) return 0;
    float *s = malloc((2 * nl + nc) * sizeof(float));
    if (!s) return -1;
    memcpy(s, r->momentary_series, nl * sizeof(float));
    memcpy(s + nl, r->shortterm_series, nl * sizeof(float));
    if (nc) memcpy(s + 2 * nl, r->correlation_series, nc * sizeof(float));
    r->momentary_series = s;
    r->shortterm_series = s + nl;
    r->correlation_series = nc ? s + 2 * nl : NULL;
    *store = s;
    return 0;
}

static void analyze_file(const run *rn, job *j)
{
    cli_audio in;
    if (cli_audio_open(&in, j->path, j->err, sizeof j->err) != 0) return;
    memcpy(j->container, in.container, sizeof j->container);
    memcpy(j->encoding, in.encoding, sizeof j->encoding);
    cli_audio_file_info(&in, j->path, &j->info);
    j->info.container = j->container;
    j->info.encoding = j->encoding;

    mm_analyze_config cfg = rn->base;
    cfg.sample_rate = in.info.samplerate;
    cfg.channels = in.info.channels;
    int st;
    mm_analyzer *a = mm_analyzer_create(&cfg, &st);
    if (!a) {
        snprintf(j->err, sizeof j->err, "cannot analyse: %s", mm_strerror(st));
        cli_audio_close(&in);
        return;
    }
    feed_ctx fc = {a, NULL};
    if (rn->want_gonio && in.info.channels == 2 && cli_gonio_init(&j->gonio, (uint64_t)in.info.frames, 4000) == 0)
        fc.g = &j->gonio;
    if (cli_audio_stream(&in, READ_BLOCK, feed, &fc, j->err, sizeof j->err) == 0) {
        mm_analyzer_finish(a, &j->res);
        if (cli_keep_series(&j->res, &j->series) != 0) snprintf(j->err, sizeof j->err, "out of memory");
        else j->ok = 1;
    }
    mm_analyzer_destroy(a);
    cli_audio_close(&in);
}

/* Warnings for results that exist but deserve a word, as whole lines. */
static void warnings_of(const job *j, char *w, size_t wlen)
{
    const mm_analysis *r = &j->res;
    size_t n = 0;
    w[0] = 0;
    if (!j->ok) return;
    if (r->integrated_lufs.reason != MM_REASON_NONE)
        n += (size_t)snprintf(w + n, wlen - n, "mixmaster: %s: warning: no integrated loudness (%s)\n", j->path,
                              r->integrated_lufs.reason == MM_REASON_TOO_SHORT ? "shorter than 400 ms"
                                                                               : "digital silence or below -70 LUFS");
    if (r->nonfinite_samples && n < wlen)
        snprintf(w + n, wlen - n, "mixmaster: %s: warning: %llu NaN or infinite samples (measured as 0)\n", j->path,
                 (unsigned long long)r->nonfinite_samples);
}

static void file_result_of(const job *j, mm_file_result *fr)
{
    memset(fr, 0, sizeof *fr);
    if (j->ok) {
        fr->info = j->info;
        fr->analysis = &j->res;
    } else {
        fr->info.path = j->path;
        fr->error = j->err;
    }
}

/* One file, on a worker thread: analyse, then report it to the batch (and
 * stream its JSON line). A streamed file's results are dropped at once, so
 * memory does not grow with the number of files. */
static void analyze_one(size_t i, void *ctx)
{
    run *rn = ctx;
    job local, *j = rn->jobs ? &rn->jobs[i] : &local;
    if (!rn->jobs) memset(&local, 0, sizeof local);
    j->path = rn->o->files[i];
    analyze_file(rn, j);
    char warn[2 * CLI_ERRLEN];
    warnings_of(j, warn, sizeof warn);
    char *line = NULL;
    if (rn->batch.stream) {
        mm_file_result fr;
        file_result_of(j, &fr);
        int st;
        line = mm_report_analysis_jsonl(&fr, &rn->ro, &st);
        if (!line) {
            j->ok = 0;
            snprintf(j->err, sizeof j->err, "cannot build the report: %s", mm_strerror(st));
        }
    }
    cli_batch_file_done((cli_batch *)&rn->batch, j->ok, line, j->path, j->ok ? NULL : j->err, warn);
    mm_report_free(line);
    if (!rn->jobs) free(local.series);
}


void cli_analyze_opts_free(cli_analyze_opts *o)
{
    free(o->files);
    o->files = NULL;
    o->nfiles = 0;
}

int cli_analyze_parse(int argc, char **argv, cli_analyze_opts *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->jobs = 1;
    o->true_peak = 4;
    o->series = 1;
    o->files = calloc(argc > 0 ? (size_t)argc : 1, sizeof *o->files);
    if (!o->files) {
        snprintf(err, errlen, "out of memory");
        return CLI_EXIT_INPUT;
    }
    for (int i = 1; i < argc; i++) {
        /* options that take a value: "--opt VALUE", "--opt=VALUE", "-o VALUE" */
        static const char *const takes[] = {"-o",          "--output",     "--format", "-j", "--jobs",
                                            "--true-peak", "--report-dir", NULL};
        const char *a = argv[i], *val;
        char name[32];
        if (cli_next_arg(argc, argv, &i, takes, name, &val) != 0)
            return cli_usage_error(err, errlen, "%s needs a value", name);
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            o->help = 1;
            return CLI_EXIT_OK;
        } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
            o->out = val;
        } else if (!strcmp(name, "--format")) {
            if (strcmp(val, "text") && strcmp(val, "json") && strcmp(val, "jsonl"))
                return cli_usage_error(err, errlen, "--format must be text, json or jsonl, not '%s'", val);
            o->format = val;
        } else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
            if (cli_parse_int(val, &o->jobs) || o->jobs < 1 || o->jobs > 256)
                return cli_usage_error(err, errlen, "-j needs a number from 1 to 256, not '%s'", val);
        } else if (!strcmp(name, "--true-peak")) {
            if (cli_parse_int(val, &o->true_peak) || (o->true_peak != 4 && o->true_peak != 8))
                return cli_usage_error(err, errlen, "--true-peak must be 4 or 8, not '%s'", val);
        } else if (!strcmp(name, "--dual-mono")) {
            o->dual_mono = 1;
        } else if (!strcmp(name, "--report-dir")) {
            o->report_dir = val;
        } else if (!strcmp(name, "--no-series")) {
            o->series = 0;
        } else if (a[0] == '-' && a[1] != 0) {
            return cli_usage_error(err, errlen, "unknown option '%s' (see --help)", a);
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    if (o->nfiles == 0) return cli_usage_error(err, errlen, "%s", "no input files (see --help)");
    if (!o->format) o->format = (o->out && cli_has_suffix(o->out, ".json")) ? "json" : "text";
    for (size_t i = 0; o->out && strcmp(o->out, "-") && i < o->nfiles; i++)
        if (cli_same_file(o->out, o->files[i]))
            return cli_usage_error(err, errlen, "%s: refusing to overwrite an input with the report", o->out);
    return CLI_EXIT_OK;
}

/* The whole document (json or text) once every file is done. */
static int write_document(const cli_analyze_opts *o, const run *rn)
{
    mm_file_result *res = calloc(o->nfiles, sizeof *res);
    if (!res) {
        fprintf(stderr, "mixmaster: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < o->nfiles; i++) file_result_of(&rn->jobs[i], &res[i]);
    int st;
    const int json = !strcmp(o->format, "json");
    char *doc = json ? mm_report_analysis_json(res, o->nfiles, &rn->ro, &st)
                     : mm_report_analysis_text(res, o->nfiles, &rn->ro, &st);
    int rc = cli_write_report("analyze", o->out, doc, st, json);
    free(res);
    return rc;
}

/* --report-dir: the page with plots and report.json, once every file is done. */
static int write_report_dir(const cli_analyze_opts *o, const run *rn)
{
    mm_file_result *res = calloc(o->nfiles, sizeof *res);
    const cli_gonio **gs = calloc(o->nfiles, sizeof *gs);
    int rc = -1;
    if (res && gs) {
        for (size_t i = 0; i < o->nfiles; i++) {
            file_result_of(&rn->jobs[i], &res[i]);
            gs[i] = &rn->jobs[i].gonio;
        }
        rc = cli_analyze_report(o->report_dir, res, gs, o->nfiles, &rn->ro);
    } else {
        fprintf(stderr, "mixmaster: out of memory\n");
    }
    free(gs);
    free(res);
    return rc;
}

static int run_batch(const cli_analyze_opts *o)
{
    run rn;
    memset(&rn, 0, sizeof rn);
    rn.o = o;
    rn.base = mm_analyze_config_default(48000, 2);
    rn.base.true_peak_oversample = o->true_peak;
    rn.base.dual_mono = o->dual_mono;
    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    rn.ro = mm_report_options_default();
    rn.ro.include_series = o->series;
    rn.ro.tool = tool;
    const int stream = !strcmp(o->format, "jsonl");
    rn.want_gonio = o->report_dir != NULL;
    /* a report folder needs every file's results at the end, even when the
     * lines are streamed */
    if ((!stream || o->report_dir) && !(rn.jobs = calloc(o->nfiles, sizeof *rn.jobs))) {
        fprintf(stderr, "mixmaster: out of memory\n");
        return CLI_EXIT_INPUT;
    }
    char err[CLI_ERRLEN];
    if (cli_batch_begin(&rn.batch, "analyze", o->nfiles, stream, o->out, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", o->out ? o->out : "stdout", err);
        free(rn.jobs);
        return CLI_EXIT_INPUT;
    }
    cli_parallel_for(o->nfiles, o->jobs, analyze_one, &rn);
    int rc = cli_batch_exit_code(&rn.batch);
    if (cli_batch_end(&rn.batch, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", o->out ? o->out : "stdout", err);
        rc = CLI_EXIT_INPUT;
    }
    if (!stream && write_document(o, &rn) != 0) rc = CLI_EXIT_INPUT;
    if (o->report_dir && write_report_dir(o, &rn) != 0) rc = CLI_EXIT_INPUT;
    for (size_t i = 0; rn.jobs && i < o->nfiles; i++) {
        free(rn.jobs[i].series);
        cli_gonio_free(&rn.jobs[i].gonio);
    }
    free(rn.jobs);
    return rc;
}

int cli_cmd_analyze(int argc, char **argv)
{
    cli_analyze_opts o;
    char err[CLI_ERRLEN];
    int rc = cli_analyze_parse(argc, argv, &o, err, sizeof err);
    if (rc != CLI_EXIT_OK) fprintf(stderr, rc == CLI_EXIT_USAGE ? "mixmaster analyze: %s\n" : "mixmaster: %s\n", err);
    else if (o.help) fputs(usage, stdout);
    else rc = run_batch(&o);
    cli_analyze_opts_free(&o);
    return rc;
}
