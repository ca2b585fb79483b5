/* mixmaster check FILE... : is a mix ready for mastering, or a master ready
 * for delivery? Analysis, translation and a lossy codec round trip, then the
 * readiness rules of check.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mixmaster/check.h"
#include "mixmaster/presets.h"
#include "mixmaster/translation.h"

#define READ_BLOCK 4096
#define CODEC_MAX_RATE 48000.0

static const char usage[] =
    "usage: mixmaster check FILE... [--stage mix|master] [--preset NAME] [--reference REF]\n"
    "                       [-o OUT|-] [--format text|json|jsonl] [-j N] [--strict]\n"
    "                       [--set KEY=VALUE]... [--config FILE.json]\n"
    "                       [--codec-seconds S] [--no-codec] [--no-translation]\n"
    "       mixmaster check --list-presets | --list-thresholds\n"
    "\n"
    "Check each FILE for what a mastering engineer (--stage mix, the default)\n"
    "or a distributor (--stage master) would send back: clipping and\n"
    "inter-sample overs, headroom, true peak against the target's ceiling,\n"
    "loudness, DC, phase and polarity, mono fold-down, low-end stereo,\n"
    "dynamics, tonal balance, silence, format, NaN/Inf, and translation to\n"
    "mono, phone, earbuds, laptop and car playback and through MP3, Opus and\n"
    "Vorbis encoding.\n"
    "\n"
    "  --stage STAGE      mix (ready for mastering) or master (ready for delivery)\n"
    "  --preset NAME      delivery target: loudness and true-peak ceiling\n"
    "                     (--list-presets); --stage master without one uses -1 dBTP\n"
    "  --reference REF    use REF's tonal balance as the target instead of the\n"
    "                     built-in curve\n"
    "  -o, --output OUT   write the report to OUT (atomically) or '-' (stdout)\n"
    "  --format FMT       text (default), json (also chosen by an OUT ending .json)\n"
    "                     or jsonl (one line of JSON per file, as each finishes)\n"
    "  -j, --jobs N       check N files at a time (default 1)\n"
    "  --strict           warnings fail too (exit 1)\n"
    "  --set KEY=VALUE    change a threshold (--list-thresholds); repeatable;\n"
    "                     'check.' in front of KEY is accepted\n"
    "  --config FILE      thresholds from JSON: {\"true_peak\": {\"ceiling_dbtp\": -2}}\n"
    "                     or {\"true_peak.ceiling_dbtp\": -2}; --set wins over it\n"
    "  --codec-seconds S  length of the loudest excerpt sent through the codecs\n"
    "                     (default 20; 0 = the whole file)\n"
    "  --no-codec         skip the codec round trip\n"
    "  --no-translation   skip the playback-device simulation\n"
    "  --report-dir DIR   also write DIR/index.html with plots (gnuplot), DIR/report.json\n"
    "  -h, --help         show this help\n"
    "\n"
    "A batch of several files prints a summary line on stderr, and a progress\n"
    "bar when stderr is a terminal.\n"
    "\n"
    "Exit status: 0 every file passes (warnings allowed unless --strict),\n"
    "1 a check failed or some files of a batch could not be read (the others\n"
    "are still checked and reported), 2 usage error, 3 no file could be read\n"
    "or the report could not be written.\n";

typedef cli_check_opts opts;

typedef struct job {
    const char *path;
    int ok;
    char err[CLI_ERRLEN];
    char container[24], encoding[24];
    mm_file_info info;
    mm_analysis res;
    float *series;
    int have_translation;
    mm_translation_result tr;
    mm_check_codec codecs[CLI_CODEC_COUNT];
    size_t codec_count;
    double excerpt_start_s, excerpt_s;
    mm_check_report report;
    cli_gonio gonio;
} job;

typedef struct run {
    const opts *o;
    job *jobs; /* one per file for a whole document; NULL when streaming */
    mm_report_options ro;
    cli_batch batch;
    int check_failed; /* a file failed a check (or warned, with --strict); under batch.lock */
} run;

typedef struct feed_ctx {
    mm_analyzer *a;
    mm_translation *t;
    cli_gonio *g;
} feed_ctx;

static int feed(void *ctx, const float *const planar[], size_t frames)
{
    feed_ctx *f = ctx;
    if (f->g) cli_gonio_feed(f->g, planar, 2, frames); /* set for stereo files only */
    int e = mm_analyzer_process(f->a, planar, frames);
    if (e == MM_OK && f->t) e = mm_translation_process(f->t, planar, frames);
    return e;
}

/* The excerpt for the codecs: `seconds` long around the loudest 3 s
 * (largest short-term loudness), inside the file. */
static void pick_excerpt(const mm_analysis *r, double seconds, double *start, double *len)
{
    const double dur = r->duration_s;
    if (seconds <= 0.0 || seconds >= dur) {
        *start = 0.0;
        *len = dur;
        return;
    }
    double centre = dur / 2.0, best = -1e9;
    for (size_t k = 0; k < r->loudness_series_count; k++) {
        const float v = r->shortterm_series[k];
        if (v == v && v > best) { /* v == v: not NaN */
            best = v;
            centre = ((double)k + 1.0) * r->loudness_series_step_s - 1.5;
        }
    }
    double s = centre - seconds / 2.0;
    if (s < 0.0) s = 0.0;
    if (s + seconds > dur) s = dur - seconds;
    *start = s;
    *len = seconds;
}

/* Read frames [start, start + n) into planar buffers (allocated). */
static int read_excerpt(cli_audio *in, sf_count_t start, size_t n, float **pl, char *err, size_t errlen)
{
    const int ch = in->info.channels;
    float *ibuf = malloc((size_t)READ_BLOCK * (size_t)ch * sizeof(float));
    for (int c = 0; c < ch; c++) pl[c] = malloc((n ? n : 1) * sizeof(float));
    int ok = ibuf != NULL;
    for (int c = 0; c < ch; c++) ok = ok && pl[c];
    if (!ok) {
        free(ibuf);
        snprintf(err, errlen, "out of memory for the codec excerpt");
        return -1;
    }
    if (sf_seek(in->sf, start, SEEK_SET) < 0) {
        free(ibuf);
        snprintf(err, errlen, "cannot seek for the codec excerpt: %s", sf_strerror(in->sf));
        return -1;
    }
    size_t got = 0;
    while (got < n) {
        sf_count_t want = (sf_count_t)(n - got < READ_BLOCK ? n - got : READ_BLOCK);
        sf_count_t r = sf_readf_float(in->sf, ibuf, want);
        if (r <= 0) break;
        for (sf_count_t i = 0; i < r; i++)
            for (int c = 0; c < ch; c++) {
                const float v = ibuf[i * ch + c];
                pl[c][got + (size_t)i] = v == v && v - v == 0.0f ? v : 0.0f; /* NaN/Inf as 0, as the analysis does */
            }
        got += (size_t)r;
    }
    free(ibuf);
    for (size_t i = got; i < n; i++)
        for (int c = 0; c < ch; c++) pl[c][i] = 0.0f;
    return 0;
}

static mm_measure measured_lufs(const mm_analysis *a) { return a->integrated_lufs; }

/* Codec round trips on the loudest excerpt. Failure of one codec is noted
 * in err but does not fail the file. */
static void run_codecs(job *j, cli_audio *in, const opts *o)
{
    const int ch = in->info.channels;
    double rate = in->info.samplerate;
    if (ch > 2 || j->res.integrated_lufs.reason) return;
    pick_excerpt(&j->res, o->codec_seconds, &j->excerpt_start_s, &j->excerpt_s);
    /* above 48 kHz the excerpt is shortened to 30 s worth of 48 kHz frames */
    double secs = j->excerpt_s;
    if (rate > CODEC_MAX_RATE && secs * rate > 30.0 * CODEC_MAX_RATE) secs = 30.0 * CODEC_MAX_RATE / rate;
    j->excerpt_s = secs;
    size_t n = (size_t)(secs * rate);
    if (n == 0) return;
    float *pl[2] = {NULL, NULL}, *rs[2] = {NULL, NULL};
    char err[CLI_ERRLEN];
    if (read_excerpt(in, (sf_count_t)(j->excerpt_start_s * rate), n, pl, err, sizeof err) != 0) goto out;
    if (rate > CODEC_MAX_RATE) { /* a streaming service transcodes hi-res from 48 kHz or below */
        size_t m = cli_resample((const float *const *)pl, ch, n, rate, CODEC_MAX_RATE, rs, err, sizeof err);
        if (!m) goto out;
        for (int c = 0; c < ch; c++) {
            free(pl[c]);
            pl[c] = rs[c];
            rs[c] = NULL;
        }
        n = m;
        rate = CODEC_MAX_RATE;
    }
    /* the excerpt as it is, measured the same way as the decoded versions */
    mm_analyze_config cfg = mm_analyze_config_default(rate, ch);
    int e;
    mm_analyzer *an = mm_analyzer_create(&cfg, &e);
    if (!an) goto out;
    mm_analyzer_process(an, (const float *const *)pl, n);
    mm_analysis orig;
    mm_analyzer_finish(an, &orig);
    mm_analyzer_destroy(an);
    for (int k = 0; k < CLI_CODEC_COUNT; k++) {
        cli_codec_result cr;
        if (cli_codec_roundtrip((cli_codec)k, (const float *const *)pl, ch, n, rate, &cr, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster check: %s: %s round trip skipped: %s\n", j->path, cli_codec_name((cli_codec)k), err);
            continue;
        }
        mm_check_codec *c = &j->codecs[j->codec_count++];
        c->name = cli_codec_name((cli_codec)k);
        c->bitrate_kbps = cr.bitrate_kbps;
        c->original_lufs = measured_lufs(&orig);
        c->decoded_lufs = measured_lufs(&cr.decoded);
        c->original_true_peak_dbtp = orig.true_peak_dbtp;
        c->decoded_true_peak_dbtp = cr.decoded.true_peak_dbtp;
    }
out:
    for (int c = 0; c < 2; c++) {
        free(pl[c]);
        free(rs[c]);
    }
}

static void check_file(const opts *o, job *j)
{
    cli_audio in;
    if (cli_audio_open(&in, j->path, j->err, sizeof j->err) != 0) return;
    memcpy(j->container, in.container, sizeof j->container);
    memcpy(j->encoding, in.encoding, sizeof j->encoding);
    cli_audio_file_info(&in, j->path, &j->info);
    j->info.container = j->container;
    j->info.encoding = j->encoding;

    mm_analyze_config acfg = mm_analyze_config_default(in.info.samplerate, in.info.channels);
    int st;
    feed_ctx f = {mm_analyzer_create(&acfg, &st), NULL, NULL};
    if (o->gonio && in.info.channels == 2 && cli_gonio_init(&j->gonio, (uint64_t)in.info.frames, 4000) == 0)
        f.g = &j->gonio;
    if (!f.a) {
        snprintf(j->err, sizeof j->err, "cannot analyse: %s", mm_strerror(st));
        cli_audio_close(&in);
        return;
    }
    if (o->translation && in.info.channels <= 2) {
        mm_translation_config tc = mm_translation_config_default(in.info.samplerate, in.info.channels);
        f.t = mm_translation_create(&tc, &st);
        if (!f.t) {
            snprintf(j->err, sizeof j->err, "cannot simulate playback: %s", mm_strerror(st));
            goto out;
        }
    }
    if (cli_audio_stream(&in, READ_BLOCK, feed, &f, j->err, sizeof j->err) != 0) goto out;
    mm_analyzer_finish(f.a, &j->res);
    if (f.t) {
        mm_translation_finish(f.t, &j->res, &j->tr);
        j->have_translation = 1;
    }
    if (o->codec) run_codecs(j, &in, o);
    mm_check_inputs ci;
    memset(&ci, 0, sizeof ci);
    ci.analysis = &j->res;
    ci.translation = j->have_translation ? &j->tr : NULL;
    ci.codecs = j->codec_count ? j->codecs : NULL;
    ci.codec_count = j->codec_count;
    ci.codec_excerpt_start_s = j->excerpt_start_s;
    ci.codec_excerpt_s = j->excerpt_s;
    ci.bit_depth = in.bit_depth;
    ci.is_float = in.is_float;
    ci.lossy = in.lossy;
    mm_check_run(&o->cfg, &ci, &j->report);
    if (cli_keep_series(&j->res, &j->series) != 0) snprintf(j->err, sizeof j->err, "out of memory");
    else j->ok = 1;
out:
    mm_translation_destroy(f.t);
    mm_analyzer_destroy(f.a);
    cli_audio_close(&in);
}

/* The report's view of a finished job. */
static void check_file_of(const job *j, mm_check_file *cf)
{
    memset(cf, 0, sizeof *cf);
    cf->file.info.path = j->path;
    if (!j->ok) {
        cf->file.error = j->err;
        return;
    }
    cf->file.info = j->info;
    cf->file.analysis = &j->res;
    cf->report = &j->report;
    cf->translation = j->have_translation ? &j->tr : NULL;
    cf->codecs = j->codec_count ? j->codecs : NULL;
    cf->codec_count = j->codec_count;
    cf->codec_excerpt_start_s = j->excerpt_start_s;
    cf->codec_excerpt_s = j->excerpt_s;
}

/* Analyse a reference track for the tonal target. */
static int load_reference(opts *o, const char *path)
{
    job j;
    memset(&j, 0, sizeof j);
    j.path = path;
    opts ro = *o;
    ro.codec = 0;
    ro.translation = 0;
    ro.gonio = 0;
    check_file(&ro, &j);
    free(j.series);
    if (!j.ok) {
        fprintf(stderr, "mixmaster check: %s: %s\n", path, j.err);
        return -1;
    }
    if (mm_check_config_reference(&o->cfg, &j.res, path) != MM_OK) {
        fprintf(stderr, "mixmaster check: %s: the reference has no tonal balance (silent or too short)\n", path);
        return -1;
    }
    return 0;
}

static void list_presets(void)
{
    printf("%-14s %-8s %-8s %s\n", "preset", "LUFS", "dBTP", "description");
    for (size_t i = 0; i < mm_preset_count(); i++) {
        const mm_preset *p = mm_preset_at(i);
        char l[16];
        if (p->has_loudness_target) snprintf(l, sizeof l, "%.0f", p->integrated_lufs);
        else snprintf(l, sizeof l, "%.0f..%.0f", p->lufs_low, p->lufs_high);
        printf("%-14s %-8s %-8.0f %s\n", p->name, l, p->true_peak_dbtp, p->description);
    }
}

static void list_thresholds(const mm_check_config *cfg)
{
    printf("%-36s %10s %-6s %s\n", "threshold", "value", "unit", "meaning (source)");
    for (size_t i = 0; i < mm_check_param_count(); i++) {
        const mm_check_param_info *p = mm_check_param(i);
        printf("%-36s %10g %-6s %s (%s)\n", p->key, cfg->value[i], p->unit, p->help,
               cfg->user_set[i] ? "user" : p->source);
    }
}

/* One file, on a worker thread: check it, then report it to the batch
 * (and stream its JSON line, dropping its results at once). */
static void check_one(size_t i, void *ctx)
{
    run *rn = ctx;
    job *j = rn->jobs ? &rn->jobs[i] : malloc(sizeof *j);
    if (!j) { /* streaming, and not even the job fits: say so on the line */
        cli_batch_file_done(&rn->batch, 0, NULL, rn->o->files[i], "out of memory", NULL);
        return;
    }
    if (!rn->jobs) memset(j, 0, sizeof *j);
    j->path = rn->o->files[i];
    check_file(rn->o, j);
    char *line = NULL;
    if (rn->batch.stream) {
        mm_check_file cf;
        check_file_of(j, &cf);
        int st;
        line = mm_report_check_jsonl(&rn->o->cfg, &cf, &rn->ro, &st);
        if (!line) {
            j->ok = 0;
            snprintf(j->err, sizeof j->err, "cannot build the report: %s", mm_strerror(st));
        }
    }
    if (j->ok && (j->report.fails || (rn->o->strict && j->report.warns))) {
        pthread_mutex_lock(&rn->batch.lock);
        rn->check_failed = 1;
        pthread_mutex_unlock(&rn->batch.lock);
    }
    cli_batch_file_done(&rn->batch, j->ok, line, j->path, j->ok ? NULL : j->err, NULL);
    mm_report_free(line);
    if (!rn->jobs) {
        free(j->series);
        cli_gonio_free(&j->gonio);
        free(j);
    }
}

void cli_check_opts_free(cli_check_opts *o)
{
    free(o->files);
    o->files = NULL;
    o->nfiles = 0;
}

int cli_check_parse(int argc, char **argv, cli_check_opts *o, char *err, size_t errlen)
{
    const char *preset_name = NULL, *config = NULL;
    mm_check_stage stage = MM_STAGE_MIX;
    memset(o, 0, sizeof *o);
    o->jobs = 1;
    o->codec = 1;
    o->translation = 1;
    o->codec_seconds = 20.0;
    const size_t nargs = argc > 0 ? (size_t)argc : 1;
    o->files = calloc(2 * nargs, sizeof *o->files);
    if (!o->files) {
        snprintf(err, errlen, "out of memory");
        return CLI_EXIT_INPUT;
    }
    const char **sets = o->files + nargs; /* the --set values, in order */
    size_t nsets = 0;
    for (int i = 1; i < argc; i++) {
        static const char *const takes_value[] = {"-o", "--output", "--format", "-j", "--jobs", "--stage", "--preset",
                                                  "--reference", "--set", "--config", "--codec-seconds",
                                                  "--report-dir", NULL};
        const char *a = argv[i], *val;
        char name[32];
        if (cli_next_arg(argc, argv, &i, takes_value, name, &val) != 0)
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
        } else if (!strcmp(name, "--stage")) {
            if (!strcmp(val, "mix")) stage = MM_STAGE_MIX;
            else if (!strcmp(val, "master")) stage = MM_STAGE_MASTER;
            else return cli_usage_error(err, errlen, "--stage must be mix or master, not '%s'", val);
        } else if (!strcmp(name, "--preset")) {
            preset_name = val;
        } else if (!strcmp(name, "--reference")) {
            o->reference = val;
        } else if (!strcmp(name, "--set")) {
            sets[nsets++] = val;
        } else if (!strcmp(name, "--config")) {
            config = val;
        } else if (!strcmp(name, "--codec-seconds")) {
            if (cli_parse_double(val, &o->codec_seconds) || o->codec_seconds < 0.0)
                return cli_usage_error(err, errlen, "--codec-seconds needs a number of seconds >= 0, not '%s'", val);
        } else if (!strcmp(name, "--report-dir")) {
            o->report_dir = val;
            o->gonio = 1;
        } else if (!strcmp(name, "--no-codec")) {
            o->codec = 0;
        } else if (!strcmp(name, "--no-translation")) {
            o->translation = 0;
        } else if (!strcmp(name, "--strict")) {
            o->strict = 1;
        } else if (!strcmp(name, "--list-presets")) {
            o->list_presets = 1;
        } else if (!strcmp(name, "--list-thresholds")) {
            o->list_thresholds = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            return cli_usage_error(err, errlen, "unknown option '%s' (see --help)", a);
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    const mm_preset *preset = NULL;
    if (preset_name && !(preset = mm_preset_find(preset_name)))
        return cli_usage_error(err, errlen, "unknown preset '%s' (see --list-presets)", preset_name);
    mm_check_config_default(&o->cfg, stage, preset);
    if (config) {
        char why[CLI_ERRLEN] = "";
        char *text = cli_read_text(config, (size_t)16 << 20, "a threshold file", why, sizeof why);
        if (!text) {
            snprintf(err, errlen, "%s: %s", config, why);
            return CLI_EXIT_INPUT;
        }
        int e = mm_check_config_read_json(&o->cfg, text, why, sizeof why);
        free(text);
        if (e != MM_OK) return cli_usage_error(err, errlen, "%s: %s", config, why);
    }
    for (size_t k = 0; k < nsets; k++) {
        const char *s = sets[k], *eqs = strchr(s, '=');
        char key[96];
        double v;
        if (!eqs || (size_t)(eqs - s) >= sizeof key || cli_parse_double(eqs + 1, &v))
            return cli_usage_error(err, errlen, "--set needs KEY=NUMBER, not '%s'", s);
        memcpy(key, s, (size_t)(eqs - s));
        key[eqs - s] = 0;
        if (mm_check_config_set(&o->cfg, key, v) != MM_OK)
            return cli_usage_error(err, errlen, "--set: no threshold called '%s' (see --list-thresholds)", key);
    }
    if (o->list_presets || o->list_thresholds) return CLI_EXIT_OK;
    if (o->nfiles == 0) return cli_usage_error(err, errlen, "no input files (see --help)");
    if (!o->format) o->format = (o->out && cli_has_suffix(o->out, ".json")) ? "json" : "text";
    for (size_t i = 0; o->out && strcmp(o->out, "-") && i < o->nfiles; i++)
        if (cli_same_file(o->out, o->files[i]))
            return cli_usage_error(err, errlen, "%s: refusing to overwrite an input with the report", o->out);
    return CLI_EXIT_OK;
}

/* The whole document (json or text) once every file is done. */
static int write_document(const opts *o, const run *rn)
{
    mm_check_file *res = calloc(o->nfiles, sizeof *res);
    if (!res) {
        fprintf(stderr, "mixmaster: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < o->nfiles; i++) check_file_of(&rn->jobs[i], &res[i]);
    const int to_tty = (!o->out || !strcmp(o->out, "-")) && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    const int json = !strcmp(o->format, "json");
    int st;
    char *doc = json ? mm_report_check_json(&o->cfg, res, o->nfiles, &rn->ro, &st)
                     : mm_report_check_text(&o->cfg, res, o->nfiles, to_tty, &st);
    int rc = cli_write_report("check", o->out, doc, st, json);
    free(res);
    return rc;
}

/* --report-dir: the page with plots and report.json, once every file is done. */
static int write_report_dir(const opts *o, const run *rn)
{
    mm_check_file *res = calloc(o->nfiles, sizeof *res);
    const cli_gonio **gs = calloc(o->nfiles, sizeof *gs);
    int rc = -1;
    if (res && gs) {
        for (size_t i = 0; i < o->nfiles; i++) {
            check_file_of(&rn->jobs[i], &res[i]);
            gs[i] = &rn->jobs[i].gonio;
        }
        rc = cli_check_report(o->report_dir, &o->cfg, res, gs, o->nfiles, &rn->ro);
    } else {
        fprintf(stderr, "mixmaster: out of memory\n");
    }
    free(gs);
    free(res);
    return rc;
}

static int run_batch(opts *o)
{
    if (o->reference && load_reference(o, o->reference) != 0) return CLI_EXIT_INPUT;
    run rn;
    memset(&rn, 0, sizeof rn);
    rn.o = o;
    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    rn.ro = mm_report_options_default();
    rn.ro.tool = tool;
    const int stream = !strcmp(o->format, "jsonl");
    /* a report folder needs every file's results at the end, even when the
     * lines are streamed */
    if ((!stream || o->report_dir) && !(rn.jobs = calloc(o->nfiles, sizeof *rn.jobs))) {
        fprintf(stderr, "mixmaster: out of memory\n");
        return CLI_EXIT_INPUT;
    }
    char err[CLI_ERRLEN];
    if (cli_batch_begin(&rn.batch, "check", o->nfiles, stream, o->out, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", o->out ? o->out : "stdout", err);
        free(rn.jobs);
        return CLI_EXIT_INPUT;
    }
    cli_parallel_for(o->nfiles, o->jobs, check_one, &rn);
    /* a failed check or a partly read batch: 1; nothing read at all: 3 */
    int rc = cli_batch_exit_code(&rn.batch);
    if (rc == CLI_EXIT_OK && rn.check_failed) rc = CLI_EXIT_FAIL;
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

int cli_cmd_check(int argc, char **argv)
{
    opts o;
    char err[CLI_ERRLEN];
    int rc = cli_check_parse(argc, argv, &o, err, sizeof err);
    if (rc != CLI_EXIT_OK) {
        fprintf(stderr, "mixmaster check: %s\n", err);
    } else if (o.help) {
        fputs(usage, stdout);
    } else if (o.list_presets || o.list_thresholds) {
        if (o.list_presets) list_presets();
        if (o.list_thresholds) list_thresholds(&o.cfg);
    } else {
        rc = run_batch(&o);
    }
    cli_check_opts_free(&o);
    return rc;
}
