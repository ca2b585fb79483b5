/* mixmaster analyze FILE... : measure files and report as text or JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define READ_BLOCK 4096

static const char usage[] =
    "usage: mixmaster analyze FILE... [-o OUT|-] [--format text|json] [-j N]\n"
    "                         [--true-peak 4|8] [--dual-mono] [--no-series]\n"
    "\n"
    "Measure loudness (BS.1770-4 / EBU R128), true peak, dynamics, spectrum,\n"
    "stereo image and signal hygiene of each FILE in one streaming pass.\n"
    "\n"
    "  -o, --output OUT   write the report to OUT (atomically) or '-' for stdout\n"
    "                     (default); an OUT ending in .json selects JSON\n"
    "  --format FMT       text (default) or json\n"
    "  -j, --jobs N       analyse N files at a time (default 1)\n"
    "  --true-peak N      true-peak oversampling, 4 (default) or 8\n"
    "  --dual-mono        measure a mono file as dual-mono stereo (+3.01 dB);\n"
    "                     the default measures one channel, as BS.1770 does\n"
    "  --no-series        leave the loudness and correlation series out of JSON\n"
    "  --report-dir DIR   also write DIR/index.html with plots (gnuplot), DIR/report.json\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 all files analysed, 2 usage error, 3 a file could not be\n"
    "read (the others are still reported).\n";

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
    job *jobs;
    mm_analyze_config base;
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

static void analyze_one(size_t i, void *ctx)
{
    run *rn = ctx;
    job *j = &rn->jobs[i];
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

/* Warnings for results that exist but deserve a word. */
static void warn_about(const job *j)
{
    const mm_analysis *r = &j->res;
    if (r->integrated_lufs.reason != MM_REASON_NONE)
        fprintf(stderr, "mixmaster: %s: warning: no integrated loudness (%s)\n", j->path,
                r->integrated_lufs.reason == MM_REASON_TOO_SHORT ? "shorter than 400 ms"
                                                                 : "digital silence or below -70 LUFS");
    if (r->nonfinite_samples)
        fprintf(stderr, "mixmaster: %s: warning: %llu NaN or infinite samples (measured as 0)\n", j->path,
                (unsigned long long)r->nonfinite_samples);
}

int cli_cmd_analyze(int argc, char **argv)
{
    const char *out = NULL, *format = NULL, *report_dir = NULL;
    int jobs_n = 1, tp = 4, dual = 0, series = 1;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    if (!files) {
        fprintf(stderr, "mixmaster: out of memory\n");
        return CLI_EXIT_INPUT;
    }
    int rc = CLI_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        /* options that take a value: "--opt VALUE", "--opt=VALUE", "-o VALUE" */
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        char name[32] = "";
        if (eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = 0;
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        int takes = !strcmp(name, "-o") || !strcmp(name, "--output") || !strcmp(name, "--format") ||
                    !strcmp(name, "-j") || !strcmp(name, "--jobs") || !strcmp(name, "--true-peak") ||
                    !strcmp(name, "--report-dir");
        if (takes && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mixmaster analyze: %s needs a value\n", name);
                goto done;
            }
            val = argv[++i];
        }
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(usage, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
            out = val;
        } else if (!strcmp(name, "--format")) {
            if (strcmp(val, "text") && strcmp(val, "json")) {
                fprintf(stderr, "mixmaster analyze: --format must be text or json, not '%s'\n", val);
                goto done;
            }
            format = val;
        } else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
            if (cli_parse_int(val, &jobs_n) || jobs_n < 1 || jobs_n > 256) {
                fprintf(stderr, "mixmaster analyze: -j needs a number from 1 to 256, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--true-peak")) {
            if (cli_parse_int(val, &tp) || (tp != 4 && tp != 8)) {
                fprintf(stderr, "mixmaster analyze: --true-peak must be 4 or 8, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--dual-mono")) {
            dual = 1;
        } else if (!strcmp(name, "--report-dir")) {
            report_dir = val;
        } else if (!strcmp(name, "--no-series")) {
            series = 0;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "mixmaster analyze: unknown option '%s' (see --help)\n", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "mixmaster analyze: no input files (see --help)\n");
        goto done;
    }
    if (!format) format = (out && cli_has_suffix(out, ".json")) ? "json" : "text";
    for (size_t i = 0; out && strcmp(out, "-") && i < nfiles; i++)
        if (!strcmp(out, files[i])) {
            fprintf(stderr, "mixmaster analyze: %s: refusing to overwrite an input with the report\n", out);
            goto done;
        }

    run rn;
    rn.base = mm_analyze_config_default(48000, 2);
    rn.base.true_peak_oversample = tp;
    rn.base.dual_mono = dual;
    rn.want_gonio = report_dir != NULL;
    rn.jobs = calloc(nfiles, sizeof *rn.jobs);
    mm_file_result *res = calloc(nfiles, sizeof *res);
    if (!rn.jobs || !res) {
        fprintf(stderr, "mixmaster: out of memory\n");
        free(rn.jobs);
        free(res);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) rn.jobs[i].path = files[i];
    cli_parallel_for(nfiles, jobs_n, analyze_one, &rn);

    int failed = 0;
    for (size_t i = 0; i < nfiles; i++) {
        job *j = &rn.jobs[i];
        if (j->ok) {
            res[i].info = j->info;
            res[i].analysis = &j->res;
            warn_about(j);
        } else {
            res[i].info.path = j->path;
            res[i].error = j->err;
            fprintf(stderr, "mixmaster: %s: %s\n", j->path, j->err);
            failed++;
        }
    }
    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    mm_report_options ro = mm_report_options_default();
    ro.include_series = series;
    ro.tool = tool;
    int st;
    char *doc = !strcmp(format, "json") ? mm_report_analysis_json(res, nfiles, &ro, &st)
                                        : mm_report_analysis_text(res, nfiles, &ro, &st);
    rc = failed ? CLI_EXIT_INPUT : CLI_EXIT_OK;
    if (!doc) {
        fprintf(stderr, "mixmaster analyze: cannot build the report: %s\n", mm_strerror(st));
        rc = CLI_EXIT_INPUT;
    } else {
        char err[CLI_ERRLEN];
        size_t len = strlen(doc);
        if (!strcmp(format, "json") && len) {
            /* end the document with a newline, as text files do */
            char *d2 = realloc(doc, len + 2);
            if (d2) {
                doc = d2;
                doc[len++] = '\n';
                doc[len] = 0;
            }
        }
        if (cli_write_output(out, doc, len, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster: %s: %s\n", out ? out : "stdout", err);
            rc = CLI_EXIT_INPUT;
        }
        mm_report_free(doc);
    }
    if (report_dir) {
        const cli_gonio **gs = calloc(nfiles, sizeof *gs);
        for (size_t i = 0; gs && i < nfiles; i++) gs[i] = &rn.jobs[i].gonio;
        if (!gs || cli_analyze_report(report_dir, res, gs, nfiles, &ro) != 0) rc = CLI_EXIT_INPUT;
        free(gs);
    }
    for (size_t i = 0; i < nfiles; i++) {
        free(rn.jobs[i].series);
        cli_gonio_free(&rn.jobs[i].gonio);
    }
    free(rn.jobs);
    free(res);
done:
    free(files);
    return rc;
}
