/* check --report-dir: per file the verdict, every check as a table row
 * (worst first), a pass/warn/fail chart by group, the playback translation
 * curves, and the analysis figures; report.json and index.html. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mixmaster/translation.h"

#define FIGS_PER_FILE 10
#define ITEMS_PER_FILE 24
#define COLS 5

static const char *const groups[] = {"peaks", "level", "stereo", "tonal", "hygiene", "translation", "codec"};
#define NGROUPS (sizeof groups / sizeof groups[0])

/* The chart group of a check id. */
static size_t group_of(const char *id)
{
    static const struct {
        const char *prefix;
        size_t g;
    } map[] = {{"clipping", 0}, {"overs", 0}, {"headroom", 0}, {"true_peak", 0}, {"level", 1}, {"loudness", 1},
               {"dynamics", 1}, {"phase", 2}, {"polarity", 2}, {"mono_loss", 2}, {"low_end", 2},
               {"mono_in_stereo", 2}, {"tonal", 3}, {"translation", 5}, {"codec", 6}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strncmp(id, map[i].prefix, strlen(map[i].prefix))) return map[i].g;
    return 4;
}

static int summary_figure(cli_report *r, cli_strpool *sp, const char *slug, const mm_check_report *rep,
                          mm_html_figure *fig)
{
    char tmp[3200];
    const char *name = cli_sp(sp, "%s-checks.%s", slug, cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double v[3 * NGROUPS] = {0};
    for (size_t i = 0; i < rep->count; i++) {
        const mm_check_result *c = &rep->results[i];
        if (c->status == MM_CHECK_SKIP) continue;
        v[(size_t)c->status * NGROUPS + group_of(c->id)] += 1.0;
    }
    const char *series[3] = {"fail", "warn", "pass"};
    const char *colors[3] = {"#c62828", "#e0a800", "#2e7d32"};
    int e;
    mm_plot_style st = r->style;
    st.height = 400;
    char *script = mm_plot_bars(&st, cli_sp(sp, "%s: readiness by group", slug), tmp, "checks", groups, NGROUPS,
                                series, 3, colors, v, NULL, 0, &e);
    if (cli_report_draw(r, script, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, "Checks by group: how many fail, warn and pass"};
    return 0;
}

static int translation_figure(cli_report *r, cli_strpool *sp, const char *slug, const mm_analysis *a,
                              const mm_translation_result *t, mm_html_figure *fig)
{
    char tmp[3200];
    const char *name = cli_sp(sp, "%s-translation.%s", slug, cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    enum { N = 120 };
    double hz[N], y[MM_DEVICE_COUNT][N];
    mm_plot_line lines[MM_DEVICE_COUNT];
    for (int i = 0; i < N; i++) hz[i] = 20.0 * pow(1000.0, i / (double)(N - 1));
    for (int d = 0; d < MM_DEVICE_COUNT; d++) {
        for (int i = 0; i < N; i++) {
            const double v = mm_device_response_db((mm_device)d, a->sample_rate, hz[i]);
            y[d][i] = v < -60.0 ? NAN : v;
        }
        const mm_measure ch = t->device_change_lu[d];
        lines[d] = (mm_plot_line){ch.reason ? cli_sp(sp, "%s", mm_device_name((mm_device)d))
                                            : cli_sp(sp, "%s (loudness %+.1f LU)", mm_device_name((mm_device)d), ch.value),
                                  hz, y[d], N, 0, 0, d + 1, 0};
    }
    mm_plot_axes ax = mm_plot_axes_default("frequency (Hz)", "playback response (dB)");
    ax.logx = 1;
    ax.xmin = 20.0;
    ax.xmax = 20000.0;
    ax.ymin = -40.0;
    ax.ymax = 10.0;
    int e;
    char *script = mm_plot_lines(&r->style, cli_sp(sp, "%s: translation to small speakers", slug), tmp, &ax, lines,
                                 MM_DEVICE_COUNT, NULL, 0, NULL, 0, &e);
    if (cli_report_draw(r, script, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, "Playback curves the mix was run through, with the loudness it keeps on each device"};
    return 0;
}

int cli_check_report(const char *dir, const mm_check_config *cfg, const mm_check_file *files,
                     const cli_gonio *const *gonio, size_t n, const mm_report_options *ro)
{
    char err[CLI_ERRLEN];
    cli_report r;
    if (cli_report_open(&r, dir, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        return -1;
    }
    cli_strpool sp = {0};
    int rc = -1, st;
    char *json = NULL;
    mm_html_section *sec = calloc(n + 1, sizeof *sec);
    mm_html_figure *figs = calloc(n * FIGS_PER_FILE + 1, sizeof *figs);
    mm_html_item *items = calloc(n * ITEMS_PER_FILE + 1, sizeof *items);
    const char **cells = calloc(n * MM_CHECK_MAX_RESULTS * COLS + 1, sizeof *cells);
    const char **rowst = calloc(n * MM_CHECK_MAX_RESULTS + 1, sizeof *rowst);
    const char **notes = calloc(n + 1, sizeof *notes);
    static const char *const head[COLS] = {"status", "check", "measured", "threshold (source)", "advice"};
    if (!sec || !figs || !items || !cells || !rowst || !notes) {
        fprintf(stderr, "mixmaster: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        mm_html_section *s = &sec[i];
        const mm_check_file *f = &files[i];
        s->title = f->file.info.path;
        if (!f->report || !f->file.analysis) {
            s->status = "fail";
            notes[i] = cli_sp(&sp, "could not be read: %s", f->file.error ? f->file.error : "unknown error");
            s->notes = &notes[i];
            s->nnotes = 1;
            continue;
        }
        const mm_check_report *rep = f->report;
        s->status = rep->fails ? "fail" : rep->warns ? "warn" : "pass";
        const char *slug = cli_report_slug(&sp, i, f->file.info.path);
        const char **c = &cells[i * MM_CHECK_MAX_RESULTS * COLS];
        const char **rs = &rowst[i * MM_CHECK_MAX_RESULTS];
        size_t nr = 0;
        for (size_t k = 0; k < rep->count; k++) {
            const mm_check_result *x = &rep->results[k];
            rs[nr] = mm_check_status_name(x->status);
            c[nr * COLS + 0] = mm_check_status_name(x->status);
            c[nr * COLS + 1] = x->id;
            c[nr * COLS + 2] = x->measured;
            c[nr * COLS + 3] = x->status == MM_CHECK_SKIP ? "" : cli_sp(&sp, "%s (%s)", x->threshold, x->source);
            c[nr * COLS + 4] = x->status == MM_CHECK_SKIP ? "" : x->advice;
            nr++;
        }
        s->head = head;
        s->ncols = COLS;
        s->cells = c;
        s->row_status = rs;
        s->nrows = nr;
        mm_html_figure *fg = &figs[i * FIGS_PER_FILE];
        size_t nf = 0;
        if (summary_figure(&r, &sp, slug, rep, &fg[nf]) == 0) nf++;
        if (f->translation && translation_figure(&r, &sp, slug, f->file.analysis, f->translation, &fg[nf]) == 0) nf++;
        nf += cli_report_analysis_figures(&r, &sp, slug, slug, f->file.analysis, gonio ? gonio[i] : NULL,
                                          cfg->preset && cfg->preset->has_loudness_target ? cfg->preset->integrated_lufs : NAN,
                                          NULL, fg + nf, FIGS_PER_FILE - nf);
        s->figures = fg;
        s->nfigures = nf;
        s->items = &items[i * ITEMS_PER_FILE];
        s->nitems = cli_report_analysis_items(&sp, f->file.analysis, &items[i * ITEMS_PER_FILE], ITEMS_PER_FILE);
    }
    json = mm_report_check_json(cfg, files, n, ro, &st);
    mm_html_page page = {"mixmaster check",
                         cli_sp(&sp, "stage %s%s%s; tonal target: %s; %s", cfg->stage == MM_STAGE_MASTER ? "master" : "mix",
                                cfg->preset ? ", preset " : "", cfg->preset ? cfg->preset->name : "",
                                cfg->tonal_target_source, ro->tool ? ro->tool : "mixmaster"),
                         r.notice[0] ? r.notice : NULL, sec, n};
    rc = cli_report_finish(&r, "report.json", json, &page);
out:
    mm_report_free(json);
    free(sec);
    free(figs);
    free(items);
    free(cells);
    free(rowst);
    free(notes);
    cli_sp_free(&sp);
    return rc;
}
