/* mixmaster album TRACK... : the tracks of an album side by side, the album
 * as one programme, and a gain per track for an even album. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mixmaster/album.h"
#include "mixmaster/limiter.h"
#include "mixmaster/loudness.h"

#define READ_BLOCK 4096
#define GAP_S 2.0 /* silence between tracks in the sequence plot */

static const char usage[] =
    "usage: mixmaster album TRACK... [--preset NAME] [--report-dir DIR] [-o OUT|-]\n"
    "                       [--format text|json] [-j N]\n"
    "       mixmaster album TRACK... --apply -o DIR [--preset NAME] [--bits 16|24|32]\n"
    "\n"
    "Compare the tracks of an album: loudness, loudness range, loudest section,\n"
    "true peak, PLR/PSR, tonal balance, stereo, silence and fades of each; the\n"
    "album as one programme; the spread of the loudest sections; tracks whose\n"
    "tonal balance or dynamics stand out; and a gain per track that brings every\n"
    "loudest section to one level, with the album at the preset's target.\n"
    "\n"
    "  --preset NAME      album target (mixmaster check --list-presets); without one\n"
    "                     the album keeps its level\n"
    "  --report-dir DIR   also write DIR/index.html with plots, DIR/album.json\n"
    "  -o, --output OUT   write the report to OUT (atomically) or '-' (stdout)\n"
    "  --format FMT       text (default) or json (also chosen by an OUT ending .json)\n"
    "  -j, --jobs N       analyse N tracks at a time (default 1)\n"
    "  --apply            render the album with the suggested gains through a\n"
    "                     true-peak limiter at the target's ceiling into the folder\n"
    "                     given by -o (NN-name.ext, with DIR/album.json)\n"
    "  --bits N           bit depth of the rendered tracks: 16, 24 (default) or\n"
    "                     32 (float); 16 and 24 bit are TPDF-dithered\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 every track analysed, 2 usage error, 3 a track could not be\n"
    "read (the others are still reported).\n";

typedef struct job {
    const char *path;
    int ok;
    char err[CLI_ERRLEN];
    char container[24], encoding[24];
    mm_file_info info;
    mm_analysis res;
    float *series;
    mm_loudness *meter;
} job;

typedef struct feed_ctx {
    mm_analyzer *a;
    mm_loudness *m;
} feed_ctx;

static int feed(void *ctx, const float *const planar[], size_t frames)
{
    feed_ctx *f = ctx;
    int e = mm_analyzer_process(f->a, planar, frames);
    return e == MM_OK ? mm_loudness_process(f->m, planar, frames) : e;
}

static void album_one(size_t i, void *ctx)
{
    job *j = &((job *)ctx)[i];
    cli_audio in;
    if (cli_audio_open(&in, j->path, j->err, sizeof j->err) != 0) return;
    memcpy(j->container, in.container, sizeof j->container);
    memcpy(j->encoding, in.encoding, sizeof j->encoding);
    cli_audio_file_info(&in, j->path, &j->info);
    j->info.container = j->container;
    j->info.encoding = j->encoding;
    mm_analyze_config ac = mm_analyze_config_default(in.info.samplerate, in.info.channels);
    mm_loudness_config lc = mm_loudness_config_default(in.info.samplerate, in.info.channels);
    lc.series_capacity = 0;
    int st;
    feed_ctx f = {mm_analyzer_create(&ac, &st), NULL};
    if (f.a) f.m = mm_loudness_create(&lc, &st);
    if (!f.a || !f.m) {
        snprintf(j->err, sizeof j->err, "cannot analyse: %s", mm_strerror(st));
        goto out;
    }
    if (cli_audio_stream(&in, READ_BLOCK, feed, &f, j->err, sizeof j->err) != 0) goto out;
    mm_analyzer_finish(f.a, &j->res);
    if (cli_keep_series(&j->res, &j->series) != 0) {
        snprintf(j->err, sizeof j->err, "out of memory");
        goto out;
    }
    j->meter = f.m;
    f.m = NULL;
    j->ok = 1;
out:
    mm_loudness_destroy(f.m);
    mm_analyzer_destroy(f.a);
    cli_audio_close(&in);
}

static double mval(mm_measure m) { return m.reason == MM_REASON_NONE ? m.value : NAN; }

/* The album's figures and page. */
static int album_report(const char *dir, const mm_album_config *cfg, const mm_album_result *al, const mm_album_file *files,
                        size_t n, const mm_report_options *ro)
{
    char err[CLI_ERRLEN], tmp[3200];
    cli_report r;
    if (cli_report_open(&r, dir, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        return -1;
    }
    cli_strpool sp = {0};
    const char *ext = cli_report_ext(&r);
    int e, rc = -1;
    mm_html_figure figs[4];
    size_t nf = 0;
    const char **labels = calloc(n + 1, sizeof *labels);
    double *vals = calloc(4 * n + 8, sizeof(double));
    mm_plot_line *lines = calloc(n + 2, sizeof *lines);
    double *seq = NULL;
    char *json = NULL;
    mm_html_section *sec = calloc(n + 1, sizeof *sec);
    mm_html_item *items = calloc(8 * (n + 1), sizeof *items);
    const char **notes = calloc(8 * (n + 1), sizeof *notes);
    if (!labels || !vals || !lines || !sec || !items || !notes) goto out;
    for (size_t i = 0; i < n; i++) labels[i] = cli_sp(&sp, "%zu", i + 1);

    /* per-track loudness bars */
    const char *name = cli_sp(&sp, "album-loudness.%s", ext);
    if (cli_report_temp(&r, name, tmp, sizeof tmp) == 0) {
        for (size_t i = 0; i < n; i++) {
            const mm_analysis *a = files[i].file.analysis;
            vals[i] = a ? mval(a->integrated_lufs) : NAN;
            vals[n + i] = a ? mval(a->shortterm_max_lufs) : NAN;
        }
        const char *series[2] = {"integrated", "loudest section (max short-term)"};
        mm_plot_hline h[2];
        size_t nh = 0;
        if (isfinite(al->target_lufs)) h[nh++] = (mm_plot_hline){al->target_lufs, cli_sp(&sp, "target %.0f LUFS", al->target_lufs)};
        h[nh++] = (mm_plot_hline){al->common_section_lufs, cli_sp(&sp, "loudest sections after the gains %.1f LUFS", al->common_section_lufs)};
        char *s = mm_plot_bars(&r.style, "Loudness per track", tmp, "LUFS", labels, n, series, 2, NULL, vals, h, nh, &e);
        if (cli_report_draw(&r, s, tmp, name) == 0) figs[nf++] = (mm_html_figure){name, "Integrated loudness and loudest section of each track"};
    }
    /* tonal balance overlay */
    static const double band_hz[MM_TONAL_BANDS] = {70.7, 707.0, 4000.0, 12650.0};
    name = cli_sp(&sp, "album-tonal.%s", ext);
    if (cli_report_temp(&r, name, tmp, sizeof tmp) == 0) {
        double *ty = calloc((n + 1) * MM_TONAL_BANDS, sizeof(double));
        size_t nl = 0;
        for (size_t i = 0; ty && i < n; i++) {
            const mm_analysis *a = files[i].file.analysis;
            if (!a) continue;
            for (int b = 0; b < MM_TONAL_BANDS; b++) ty[i * MM_TONAL_BANDS + b] = mval(a->tonal_mid_db[b]);
            lines[nl++] = (mm_plot_line){cli_sp(&sp, "track %zu", i + 1), band_hz, ty + i * MM_TONAL_BANDS, MM_TONAL_BANDS, 0, 0, (int)(i % 6) + 1, 1};
        }
        if (ty) {
            for (int b = 0; b < MM_TONAL_BANDS; b++) ty[n * MM_TONAL_BANDS + b] = al->tonal_mean_db[b];
            lines[nl++] = (mm_plot_line){"album mean", band_hz, ty + n * MM_TONAL_BANDS, MM_TONAL_BANDS, 0, 0, 7, 0};
            mm_plot_axes ax = mm_plot_axes_default("band (<250 Hz, 250 Hz-2 kHz, 2-8 kHz, >8 kHz), Hz", "level re total (dB)");
            ax.logx = 1;
            ax.xmin = 40.0;
            ax.xmax = 20000.0;
            char *s = mm_plot_lines(&r.style, "Tonal balance per track", tmp, &ax, lines, nl, NULL, 0, NULL, 0, &e);
            if (cli_report_draw(&r, s, tmp, name) == 0) figs[nf++] = (mm_html_figure){name, "Four-band tonal balance of each track against the album mean"};
        } else {
            cli_report_draw(&r, NULL, tmp, name);
        }
        free(ty);
    }
    /* dynamics scatter */
    name = cli_sp(&sp, "album-dynamics.%s", ext);
    if (cli_report_temp(&r, name, tmp, sizeof tmp) == 0) {
        for (size_t i = 0; i < n; i++) {
            const mm_analysis *a = files[i].file.analysis;
            vals[2 * n + i] = a ? mval(a->integrated_lufs) : NAN;
            vals[3 * n + i] = a ? mval(a->plr_db) : NAN;
        }
        mm_plot_axes ax = mm_plot_axes_default("integrated loudness (LUFS)", "PLR (dB)");
        char *s = mm_plot_points(&r.style, "Dynamics per track", tmp, &ax, vals + 2 * n, vals + 3 * n, n, labels, 0, &e);
        if (cli_report_draw(&r, s, tmp, name) == 0) figs[nf++] = (mm_html_figure){name, "Loudness against PLR: a track far from the others stands out"};
    }
    /* the album in sequence */
    name = cli_sp(&sp, "album-sequence.%s", ext);
    size_t total = 0;
    double step = 0.0;
    for (size_t i = 0; i < n; i++) {
        const mm_analysis *a = files[i].file.analysis;
        if (a && a->loudness_series_count) {
            step = step > 0.0 ? step : a->loudness_series_step_s;
            total += a->loudness_series_count + (size_t)(GAP_S / a->loudness_series_step_s) + 1;
        }
    }
    if (total && step > 0.0 && (seq = malloc(total * sizeof(double))) && cli_report_temp(&r, name, tmp, sizeof tmp) == 0) {
        mm_plot_mark *marks = calloc(n, sizeof *marks);
        double *xs = malloc(total * sizeof(double));
        size_t k = 0, nm = 0;
        double t0 = 0.0;
        for (size_t i = 0; marks && xs && i < n; i++) {
            const mm_analysis *a = files[i].file.analysis;
            if (!a || !a->loudness_series_count) continue;
            marks[nm++] = (mm_plot_mark){t0, labels[i]};
            for (size_t q = 0; q < a->loudness_series_count && k < total; q++) {
                xs[k] = t0 + (double)(q + 1) * a->loudness_series_step_s;
                seq[k++] = a->shortterm_series[q];
            }
            t0 += a->duration_s;
            if (k < total) {
                xs[k] = t0 + 0.5 * GAP_S;
                seq[k++] = NAN; /* the gap */
            }
            t0 += GAP_S;
        }
        mm_plot_line l = {"short-term loudness", xs, seq, k, 0, 0, 2, 0};
        mm_plot_hline h[1];
        size_t nh = 0;
        if (isfinite(al->target_lufs)) h[nh++] = (mm_plot_hline){al->target_lufs, cli_sp(&sp, "target %.0f LUFS", al->target_lufs)};
        mm_plot_axes ax = mm_plot_axes_default("album time (s)", "short-term loudness (LUFS)");
        ax.ymin = -50.0;
        mm_plot_style st = r.style;
        st.width = 1200;
        char *s = marks && xs ? mm_plot_lines(&st, "The album in sequence", tmp, &ax, &l, 1, h, nh, marks, nm, &e) : NULL;
        if (cli_report_draw(&r, s, tmp, name) == 0) figs[nf++] = (mm_html_figure){name, "Short-term loudness across the album in order, each track marked, 2 s between tracks"};
        free(marks);
        free(xs);
    }

    /* page: the album, then each track with its figures and warnings */
    size_t ni = 0;
    mm_html_item *ai = items;
    if (al->album_lufs.reason == MM_REASON_NONE) ai[ni++] = (mm_html_item){"Album loudness", cli_sp(&sp, "%.1f LUFS", al->album_lufs.value)};
    if (al->album_lra_lu.reason == MM_REASON_NONE) ai[ni++] = (mm_html_item){"Album loudness range", cli_sp(&sp, "%.1f LU", al->album_lra_lu.value)};
    ai[ni++] = (mm_html_item){"Album peak", cli_sp(&sp, "%.2f dBTP", al->album_peak_dbtp)};
    ai[ni++] = (mm_html_item){"Median track", cli_sp(&sp, "%.1f LUFS", al->median_lufs)};
    ai[ni++] = (mm_html_item){"Loudest-section spread", cli_sp(&sp, "%.1f LU%s", al->loudest_section_spread_lu, al->spread_warn ? " (uneven)" : "")};
    ai[ni++] = (mm_html_item){"Loudest sections after the gains", cli_sp(&sp, "%.1f LUFS", al->common_section_lufs)};
    sec[0] = (mm_html_section){"Album", al->spread_warn ? "warn" : "pass", ai, ni, NULL, 0, NULL, NULL, 0, NULL, 0, figs, nf};
    for (size_t i = 0; i < n; i++) {
        const mm_album_file *f = &files[i];
        mm_html_section *s = &sec[1 + i];
        s->title = cli_sp(&sp, "%zu. %s", i + 1, f->file.info.path);
        const char **tn = &notes[8 * (i + 1)];
        if (!f->track || !f->file.analysis) {
            s->status = "fail";
            tn[0] = cli_sp(&sp, "could not be read: %s", f->file.error ? f->file.error : "unknown error");
            s->notes = tn;
            s->nnotes = 1;
            continue;
        }
        char lines8[8][160];
        size_t nw = mm_album_track_warnings(cfg, al, f, lines8, 7);
        for (size_t k = 0; k < nw; k++) tn[k] = cli_sp(&sp, "%s", lines8[k]);
        tn[nw++] = cli_sp(&sp, "suggested gain %+.1f dB", f->track->suggested_gain_db);
        s->notes = tn;
        s->nnotes = nw;
        s->status = nw > 1 ? "warn" : "pass";
        mm_html_item *ti = &items[8 * (i + 1)];
        const mm_analysis *a = f->file.analysis;
        size_t k = 0;
        ti[k++] = (mm_html_item){"Integrated", a->integrated_lufs.reason ? "n/a" : cli_sp(&sp, "%.1f LUFS", a->integrated_lufs.value)};
        ti[k++] = (mm_html_item){"Loudest section", a->shortterm_max_lufs.reason ? "n/a" : cli_sp(&sp, "%.1f LUFS", a->shortterm_max_lufs.value)};
        ti[k++] = (mm_html_item){"True peak", a->true_peak_dbtp.reason ? "n/a" : cli_sp(&sp, "%.2f dBTP", a->true_peak_dbtp.value)};
        ti[k++] = (mm_html_item){"PLR / PSR", cli_sp(&sp, "%.1f / %.1f dB", mval(a->plr_db), mval(a->psr_db))};
        ti[k++] = (mm_html_item){"Fades in / out", cli_sp(&sp, "%.1f / %.1f s", f->track->fade_in_s, f->track->fade_out_s)};
        ti[k++] = (mm_html_item){"Suggested gain", cli_sp(&sp, "%+.1f dB", f->track->suggested_gain_db)};
        s->items = ti;
        s->nitems = k;
    }
    json = mm_report_album_json(cfg, al, files, n, ro, &e);
    mm_html_page page = {"mixmaster album", cli_sp(&sp, "%zu tracks%s%s; %s", n, cfg->preset ? ", preset " : "", cfg->preset ? cfg->preset->name : "", ro->tool ? ro->tool : "mixmaster"),
                         r.notice[0] ? r.notice : NULL, sec, n + 1};
    rc = cli_report_finish(&r, "album.json", json, &page);
out:
    free(labels);
    free(vals);
    free(lines);
    free(seq);
    free(sec);
    free(items);
    free(notes);
    mm_report_free(json);
    cli_sp_free(&sp);
    return rc;
}

/* --apply: each track with its gain, through the limiter, into the folder. */
typedef struct apply_job {
    const char *in;
    char *out;
    double gain_db, ceiling_dbtp;
    int bits;
    int ok;
    char err[CLI_ERRLEN];
    double limited_db;
    mm_analysis after;
} apply_job;

typedef struct apply_ctx {
    float gain;
    mm_limiter *lim;
    cli_out *out;
    mm_analyzer *after;
    float *buf[2];
    size_t skip; /* output frames still to drop (the limiter's latency) */
} apply_ctx;

static int apply_block(void *ctx, const float *const planar[], size_t frames)
{
    apply_ctx *a = ctx;
    const int nch = a->out->channels;
    for (int c = 0; c < nch; c++)
        for (size_t i = 0; i < frames; i++) a->buf[c][i] = planar ? planar[c][i] * a->gain : 0.0f;
    int st = mm_limiter_process(a->lim, a->buf, (const float *const *)a->buf, frames);
    if (st != MM_OK) return st;
    const size_t drop = a->skip < frames ? a->skip : frames;
    a->skip -= drop;
    const float *p[2] = {a->buf[0] + drop, nch == 2 ? a->buf[1] + drop : NULL};
    if (cli_out_write(a->out, p, frames - drop) != 0) return MM_ERR_IO;
    return mm_analyzer_process(a->after, p, frames - drop);
}

static void apply_one(size_t i, void *ctx)
{
    apply_job *j = &((apply_job *)ctx)[i];
    if (!j->out) return;
    if (cli_same_file(j->in, j->out)) {
        snprintf(j->err, sizeof j->err, "refusing to overwrite the input %s", j->in);
        return;
    }
    cli_audio in;
    if (cli_audio_open(&in, j->in, j->err, sizeof j->err) != 0) return;
    const int nch = in.info.channels;
    const double fs = in.info.samplerate;
    cli_out out;
    memset(&out, 0, sizeof out);
    apply_ctx a = {(float)pow(10.0, j->gain_db / 20.0), NULL, &out, NULL, {NULL, NULL}, 0};
    if (nch > 2) {
        snprintf(j->err, sizeof j->err, "--apply renders mono and stereo tracks, not %d channels", nch);
        goto done;
    }
    mm_limiter_config lc = mm_limiter_config_default(fs, nch);
    lc.ceiling_dbtp = j->ceiling_dbtp;
    mm_analyze_config ac = mm_analyze_config_default(fs, nch);
    int st;
    a.lim = mm_limiter_create(&lc, &st);
    if (a.lim) a.after = mm_analyzer_create(&ac, &st);
    for (int c = 0; c < nch; c++) a.buf[c] = malloc(READ_BLOCK * sizeof(float));
    if (!a.lim || !a.after || !a.buf[0] || (nch == 2 && !a.buf[1])) {
        snprintf(j->err, sizeof j->err, "cannot render: %s", a.lim && a.after ? "out of memory" : mm_strerror(st));
        goto done;
    }
    a.skip = mm_limiter_latency(a.lim);
    if (cli_out_open(&out, j->out, fs, nch, j->bits, j->err, sizeof j->err) != 0) goto done;
    if (cli_audio_stream(&in, READ_BLOCK, apply_block, &a, j->err, sizeof j->err) != 0) goto done;
    /* flush: the limiter's latency in silence brings out the last frames */
    for (size_t left = mm_limiter_latency(a.lim); left;) {
        const size_t k = left < READ_BLOCK ? left : READ_BLOCK;
        if (apply_block(&a, NULL, k) != MM_OK) {
            snprintf(j->err, sizeof j->err, "write failed");
            goto done;
        }
        left -= k;
    }
    if (cli_out_commit(&out, j->err, sizeof j->err) != 0) goto done;
    mm_analyzer_finish(a.after, &j->after);
    j->after.momentary_series = j->after.shortterm_series = j->after.correlation_series = NULL;
    j->after.loudness_series_count = j->after.correlation_series_count = 0;
    j->limited_db = mm_limiter_max_reduction_db(a.lim);
    j->ok = 1;
done:
    cli_out_abort(&out);
    mm_limiter_destroy(a.lim);
    mm_analyzer_destroy(a.after);
    free(a.buf[0]);
    free(a.buf[1]);
    cli_audio_close(&in);
}

/* The rendered file for track i: DIR/NN-name.ext, keeping a lossless
 * extension the writer knows, else .wav. */
static char *apply_name(const char *dir, size_t i, const char *path, int bits)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot ? (size_t)(dot - base) : strlen(base);
    int fmt;
    char err[64];
    const char *ext = dot && cli_out_format(base, bits, &fmt, err, sizeof err) == 0 ? dot : ".wav";
    size_t n = strlen(dir) + stem + strlen(ext) + 16;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%02zu-%.*s%s", dir, i + 1, (int)stem, base, ext);
    return s;
}

static int apply_album(const char *dir, const job *jobs, const mm_album_track *tracks, const mm_album_result *al,
                       size_t n, int bits, int jobs_n)
{
    char err[CLI_ERRLEN];
    cli_report r; /* only for its mkdir -p */
    if (cli_report_open(&r, dir, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        return -1;
    }
    apply_job *aj = calloc(n, sizeof *aj);
    size_t *map = calloc(n, sizeof *map);
    size_t m = 0;
    int rc = 0;
    if (!aj || !map) {
        free(aj);
        free(map);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!jobs[i].ok) continue;
        aj[m].in = jobs[i].path;
        aj[m].out = apply_name(dir, i, jobs[i].path, bits);
        aj[m].gain_db = tracks[i].suggested_gain_db;
        aj[m].ceiling_dbtp = al->ceiling_dbtp;
        aj[m].bits = bits;
        map[m++] = i;
    }
    cli_parallel_for(m, jobs_n, apply_one, aj);
    printf("\nrendered with the gains, true-peak limited at %.1f dBTP:\n", al->ceiling_dbtp);
    printf(" #    gain  limited   maxST    LUFS    dBTP  file\n");
    for (size_t k = 0; k < m; k++) {
        apply_job *j = &aj[k];
        if (!j->out) snprintf(j->err, sizeof j->err, "out of memory");
        if (!j->ok) {
            fprintf(stderr, "mixmaster: %s: %s\n", j->out ? j->out : j->in, j->err);
            rc = -1;
            continue;
        }
        printf("%2zu  %+6.1f  %5.1f dB  %6.1f  %6.1f  %6.2f  %s\n", map[k] + 1, j->gain_db, j->limited_db,
               mval(j->after.shortterm_max_lufs), mval(j->after.integrated_lufs), mval(j->after.true_peak_dbtp), j->out);
    }
    for (size_t k = 0; k < m; k++) free(aj[k].out);
    free(aj);
    free(map);
    return rc;
}

int cli_cmd_album(int argc, char **argv)
{
    const char *out = NULL, *format = NULL, *preset_name = NULL, *report_dir = NULL;
    int jobs_n = 1, apply = 0, bits = 24;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    int rc = CLI_EXIT_USAGE;
    job *jobs = NULL;
    mm_album_file *res = NULL;
    mm_album_input *ins = NULL;
    mm_album_track *tracks = NULL;
    if (!files) {
        fprintf(stderr, "mixmaster: out of memory\n");
        return CLI_EXIT_INPUT;
    }
    for (int i = 1; i < argc; i++) {
        static const char *const takes[] = {"-o",         "--output", "--format", "-j", "--jobs", "--preset",
                                            "--report-dir", "--bits", NULL};
        const char *a = argv[i], *val;
        char name[32];
        if (cli_next_arg(argc, argv, &i, takes, name, &val) != 0) {
            fprintf(stderr, "mixmaster album: %s needs a value\n", name);
            goto done;
        }
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(usage, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
            out = val;
        } else if (!strcmp(name, "--format")) {
            if (strcmp(val, "text") && strcmp(val, "json")) {
                fprintf(stderr, "mixmaster album: --format must be text or json, not '%s'\n", val);
                goto done;
            }
            format = val;
        } else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
            if (cli_parse_int(val, &jobs_n) || jobs_n < 1 || jobs_n > 256) {
                fprintf(stderr, "mixmaster album: -j needs a number from 1 to 256, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--preset")) {
            preset_name = val;
        } else if (!strcmp(name, "--report-dir")) {
            report_dir = val;
        } else if (!strcmp(name, "--apply")) {
            apply = 1;
        } else if (!strcmp(name, "--bits")) {
            if (!strcmp(val, "32f")) bits = 32;
            else if (cli_parse_int(val, &bits) || (bits != 16 && bits != 24 && bits != 32)) {
                fprintf(stderr, "mixmaster album: --bits must be 16, 24 or 32, not '%s'\n", val);
                goto done;
            }
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "mixmaster album: unknown option '%s' (see --help)\n", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    const mm_preset *preset = NULL;
    if (preset_name && !(preset = mm_preset_find(preset_name))) {
        fprintf(stderr, "mixmaster album: unknown preset '%s' (see mixmaster check --list-presets)\n", preset_name);
        goto done;
    }
    if (nfiles == 0) {
        fprintf(stderr, "mixmaster album: no tracks (see --help)\n");
        goto done;
    }
    const char *apply_dir = NULL;
    if (apply) {
        if (!out || !strcmp(out, "-")) {
            fprintf(stderr, "mixmaster album: --apply needs -o DIR, the folder for the rendered tracks\n");
            goto done;
        }
        apply_dir = out;
        out = NULL; /* the text report goes to stdout, the JSON into the folder */
    }
    if (!format) format = (out && cli_has_suffix(out, ".json")) ? "json" : "text";
    for (size_t i = 0; out && strcmp(out, "-") && i < nfiles; i++)
        if (cli_same_file(out, files[i])) {
            fprintf(stderr, "mixmaster album: %s: refusing to overwrite an input with the report\n", out);
            goto done;
        }
    jobs = calloc(nfiles, sizeof *jobs);
    res = calloc(nfiles, sizeof *res);
    ins = calloc(nfiles, sizeof *ins);
    tracks = calloc(nfiles, sizeof *tracks);
    if (!jobs || !res || !ins || !tracks) {
        fprintf(stderr, "mixmaster: out of memory\n");
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) jobs[i].path = files[i];
    cli_parallel_for(nfiles, jobs_n, album_one, jobs);

    /* the album of the tracks that could be read, in their order */
    size_t nok = 0;
    int failed = 0;
    size_t *map = calloc(nfiles, sizeof *map);
    if (!map) {
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        res[i].file.info.path = jobs[i].path;
        if (!jobs[i].ok) {
            res[i].file.error = jobs[i].err;
            fprintf(stderr, "mixmaster: %s: %s\n", jobs[i].path, jobs[i].err);
            failed = 1;
            continue;
        }
        res[i].file.info = jobs[i].info;
        res[i].file.analysis = &jobs[i].res;
        ins[nok] = (mm_album_input){jobs[i].path, &jobs[i].res, jobs[i].meter};
        map[nok++] = i;
    }
    mm_album_config cfg = mm_album_config_default(preset);
    mm_album_result al;
    memset(&al, 0, sizeof al);
    mm_album_track *tr = calloc(nok + 1, sizeof *tr);
    int st = tr && nok ? mm_album_analyze(&cfg, ins, nok, tr, &al) : MM_ERR_NO_VALUE;
    if (st != MM_OK && st != MM_ERR_NO_VALUE) {
        fprintf(stderr, "mixmaster album: %s\n", mm_strerror(st));
        rc = CLI_EXIT_INPUT;
        free(tr);
        free(map);
        goto done;
    }
    if (st == MM_ERR_NO_VALUE) fprintf(stderr, "mixmaster album: no track has loudness (silent, too short or unreadable)\n");
    for (size_t k = 0; tr && k < nok; k++) {
        tracks[map[k]] = tr[k];
        res[map[k]].track = &tracks[map[k]];
    }
    /* the album's loudest track index refers to the readable tracks */
    if (nok) al.loudest_track = map[al.loudest_track];
    free(tr);
    free(map);

    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    mm_report_options ro = mm_report_options_default();
    ro.tool = tool;
    char *doc = !strcmp(format, "json") ? mm_report_album_json(&cfg, &al, res, nfiles, &ro, &st)
                                        : mm_report_album_text(&cfg, &al, res, nfiles, &st);
    rc = failed || !nok ? CLI_EXIT_INPUT : CLI_EXIT_OK;
    if (cli_write_report("album", out, doc, st, !strcmp(format, "json")) != 0) rc = CLI_EXIT_INPUT;
    if (report_dir && nok && album_report(report_dir, &cfg, &al, res, nfiles, &ro) != 0) rc = CLI_EXIT_INPUT;
    if (apply_dir && nok) {
        if (apply_album(apply_dir, jobs, tracks, &al, nfiles, bits, jobs_n) != 0) rc = CLI_EXIT_INPUT;
        char *j = mm_report_album_json(&cfg, &al, res, nfiles, &ro, &st);
        char err[CLI_ERRLEN], path[4096];
        snprintf(path, sizeof path, "%s/album.json", apply_dir);
        if (!j || cli_write_output(path, j, strlen(j), err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster: %s: %s\n", path, j ? err : "cannot build the report");
            rc = CLI_EXIT_INPUT;
        }
        mm_report_free(j);
    }
done:
    for (size_t i = 0; jobs && i < nfiles; i++) {
        free(jobs[i].series);
        mm_loudness_destroy(jobs[i].meter);
    }
    free(jobs);
    free(res);
    free(ins);
    free(tracks);
    free(files);
    return rc;
}
