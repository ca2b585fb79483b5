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
    "                       [-o OUT|-] [--format text|json] [-j N] [--strict]\n"
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
    "  --format FMT       text (default) or json (also chosen by an OUT ending .json)\n"
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
    "Exit status: 0 every file passes (warnings allowed unless --strict),\n"
    "1 a check failed, 2 usage error, 3 a file could not be read (the other\n"
    "files are still checked and reported).\n";

typedef struct opts {
    mm_check_config cfg;
    int codec, translation, gonio;
    double codec_seconds;
} opts;

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
    job *jobs;
    const opts *o;
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

static void check_one(size_t i, void *ctx)
{
    run *rn = ctx;
    job *j = &rn->jobs[i];
    const opts *o = rn->o;
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

/* Analyse a reference track for the tonal target. */
static int load_reference(opts *o, const char *path)
{
    job j;
    memset(&j, 0, sizeof j);
    j.path = path;
    opts ro = *o;
    ro.codec = 0;
    ro.translation = 0;
    run rn = {&j, &ro};
    check_one(0, &rn);
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

static char *slurp(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    while (s) {
        if (len + 1 >= cap) {
            if (cap > (1u << 24)) {
                snprintf(err, errlen, "larger than 16 MB: not a threshold file");
                free(s);
                s = NULL;
                break;
            }
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
        size_t n = fread(s + len, 1, cap - 1 - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "read error");
                free(s);
                s = NULL;
            }
            break;
        }
    }
    if (s) s[len] = 0;
    else if (!err[0]) snprintf(err, errlen, "out of memory");
    fclose(f);
    return s;
}

int cli_cmd_check(int argc, char **argv)
{
    const char *out = NULL, *format = NULL, *preset_name = NULL, *reference = NULL, *config = NULL;
    const char *report_dir = NULL;
    int jobs_n = 1, strict = 0, list_p = 0, list_t = 0;
    mm_check_stage stage = MM_STAGE_MIX;
    opts o;
    memset(&o, 0, sizeof o);
    o.codec = 1;
    o.translation = 1;
    o.codec_seconds = 20.0;
    const char **files = calloc((size_t)argc, sizeof *files);
    const char **sets = calloc((size_t)argc, sizeof *sets);
    size_t nfiles = 0, nsets = 0;
    int rc = CLI_EXIT_USAGE;
    job *jobs = NULL;
    mm_check_file *res = NULL;
    if (!files || !sets) {
        fprintf(stderr, "mixmaster: out of memory\n");
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        char name[32] = "";
        if (eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = 0;
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        static const char *const takes_value[] = {"-o", "--output", "--format", "-j", "--jobs", "--stage", "--preset",
                                                  "--reference", "--set", "--config", "--codec-seconds",
                                                  "--report-dir"};
        int takes = 0;
        for (size_t k = 0; k < sizeof takes_value / sizeof *takes_value; k++) takes |= !strcmp(name, takes_value[k]);
        if (takes && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mixmaster check: %s needs a value\n", name);
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
                fprintf(stderr, "mixmaster check: --format must be text or json, not '%s'\n", val);
                goto done;
            }
            format = val;
        } else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
            if (cli_parse_int(val, &jobs_n) || jobs_n < 1 || jobs_n > 256) {
                fprintf(stderr, "mixmaster check: -j needs a number from 1 to 256, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--stage")) {
            if (!strcmp(val, "mix")) stage = MM_STAGE_MIX;
            else if (!strcmp(val, "master")) stage = MM_STAGE_MASTER;
            else {
                fprintf(stderr, "mixmaster check: --stage must be mix or master, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--preset")) {
            preset_name = val;
        } else if (!strcmp(name, "--reference")) {
            reference = val;
        } else if (!strcmp(name, "--set")) {
            sets[nsets++] = val;
        } else if (!strcmp(name, "--config")) {
            config = val;
        } else if (!strcmp(name, "--codec-seconds")) {
            if (cli_parse_double(val, &o.codec_seconds) || o.codec_seconds < 0.0) {
                fprintf(stderr, "mixmaster check: --codec-seconds needs a number of seconds >= 0, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--report-dir")) {
            report_dir = val;
            o.gonio = 1;
        } else if (!strcmp(name, "--no-codec")) {
            o.codec = 0;
        } else if (!strcmp(name, "--no-translation")) {
            o.translation = 0;
        } else if (!strcmp(name, "--strict")) {
            strict = 1;
        } else if (!strcmp(name, "--list-presets")) {
            list_p = 1;
        } else if (!strcmp(name, "--list-thresholds")) {
            list_t = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "mixmaster check: unknown option '%s' (see --help)\n", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    const mm_preset *preset = NULL;
    if (preset_name && !(preset = mm_preset_find(preset_name))) {
        fprintf(stderr, "mixmaster check: unknown preset '%s' (see --list-presets)\n", preset_name);
        goto done;
    }
    mm_check_config_default(&o.cfg, stage, preset);
    if (config) {
        char err[CLI_ERRLEN] = "";
        char *text = slurp(config, err, sizeof err);
        if (!text) {
            fprintf(stderr, "mixmaster check: %s: %s\n", config, err);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        int e = mm_check_config_read_json(&o.cfg, text, err, sizeof err);
        free(text);
        if (e != MM_OK) {
            fprintf(stderr, "mixmaster check: %s: %s\n", config, err);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
    }
    for (size_t k = 0; k < nsets; k++) {
        const char *s = sets[k], *eqs = strchr(s, '=');
        char key[96];
        double v;
        if (!eqs || (size_t)(eqs - s) >= sizeof key || cli_parse_double(eqs + 1, &v)) {
            fprintf(stderr, "mixmaster check: --set needs KEY=NUMBER, not '%s'\n", s);
            goto done;
        }
        memcpy(key, s, (size_t)(eqs - s));
        key[eqs - s] = 0;
        if (mm_check_config_set(&o.cfg, key, v) != MM_OK) {
            fprintf(stderr, "mixmaster check: --set: no threshold called '%s' (see --list-thresholds)\n", key);
            goto done;
        }
    }
    if (list_p || list_t) {
        if (list_p) list_presets();
        if (list_t) list_thresholds(&o.cfg);
        rc = CLI_EXIT_OK;
        goto done;
    }
    if (nfiles == 0) {
        fprintf(stderr, "mixmaster check: no input files (see --help)\n");
        goto done;
    }
    if (!format) format = (out && cli_has_suffix(out, ".json")) ? "json" : "text";
    for (size_t i = 0; out && strcmp(out, "-") && i < nfiles; i++)
        if (!strcmp(out, files[i])) {
            fprintf(stderr, "mixmaster check: %s: refusing to overwrite an input with the report\n", out);
            goto done;
        }
    if (reference && load_reference(&o, reference) != 0) {
        rc = CLI_EXIT_INPUT;
        goto done;
    }

    jobs = calloc(nfiles, sizeof *jobs);
    res = calloc(nfiles, sizeof *res);
    if (!jobs || !res) {
        fprintf(stderr, "mixmaster: out of memory\n");
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) jobs[i].path = files[i];
    run rn = {jobs, &o};
    cli_parallel_for(nfiles, jobs_n, check_one, &rn);

    int input_failed = 0, check_failed = 0;
    for (size_t i = 0; i < nfiles; i++) {
        job *j = &jobs[i];
        res[i].file.info.path = j->path;
        if (j->ok) {
            res[i].file.info = j->info;
            res[i].file.analysis = &j->res;
            res[i].report = &j->report;
            res[i].translation = j->have_translation ? &j->tr : NULL;
            res[i].codecs = j->codec_count ? j->codecs : NULL;
            res[i].codec_count = j->codec_count;
            res[i].codec_excerpt_start_s = j->excerpt_start_s;
            res[i].codec_excerpt_s = j->excerpt_s;
            if (j->report.fails || (strict && j->report.warns)) check_failed = 1;
        } else {
            res[i].file.error = j->err;
            fprintf(stderr, "mixmaster: %s: %s\n", j->path, j->err);
            input_failed = 1;
        }
    }
    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    mm_report_options ro = mm_report_options_default();
    ro.tool = tool;
    const int to_tty = (!out || !strcmp(out, "-")) && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    int st;
    char *doc = !strcmp(format, "json") ? mm_report_check_json(&o.cfg, res, nfiles, &ro, &st)
                                        : mm_report_check_text(&o.cfg, res, nfiles, to_tty, &st);
    rc = input_failed ? CLI_EXIT_INPUT : check_failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    if (!doc) {
        fprintf(stderr, "mixmaster check: cannot build the report: %s\n", mm_strerror(st));
        rc = CLI_EXIT_INPUT;
    } else {
        char err[CLI_ERRLEN];
        size_t len = strlen(doc);
        if (!strcmp(format, "json") && len) {
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
        for (size_t i = 0; gs && i < nfiles; i++) gs[i] = &jobs[i].gonio;
        if (!gs || cli_check_report(report_dir, &o.cfg, res, gs, nfiles, &ro) != 0) rc = CLI_EXIT_INPUT;
        free(gs);
    }
done:
    for (size_t i = 0; jobs && i < nfiles; i++) {
        free(jobs[i].series);
        cli_gonio_free(&jobs[i].gonio);
    }
    free(jobs);
    free(res);
    free(files);
    free(sets);
    return rc;
}
