/* analyze --report-dir: per file the loudness, spectrum and stereo figures
 * with the key figures, one dynamics chart for the batch, report.json and
 * index.html. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FIGS_PER_FILE 8
#define ITEMS_PER_FILE 24

int cli_analyze_report(const char *dir, const mm_file_result *res, const cli_gonio *const *gonio, size_t n,
                       const mm_report_options *ro)
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
    const char **names = calloc(n + 1, sizeof *names), **notes = calloc(n + 1, sizeof *notes);
    const mm_analysis **an = calloc(n + 1, sizeof *an);
    if (!sec || !figs || !items || !names || !notes || !an) {
        fprintf(stderr, "mixmaster: out of memory\n");
        goto out;
    }
    size_t ns = 0, nok = 0;
    mm_html_figure dyn = {NULL, NULL};
    for (size_t i = 0; i < n; i++) {
        mm_html_section *s = &sec[1 + i];
        s->title = res[i].info.path;
        if (!res[i].analysis) {
            s->status = "fail";
            notes[i] = cli_sp(&sp, "could not be read: %s", res[i].error ? res[i].error : "unknown error");
            s->notes = &notes[i];
            s->nnotes = 1;
            continue;
        }
        const char *slug = cli_report_slug(&sp, i, res[i].info.path);
        s->figures = &figs[i * FIGS_PER_FILE];
        s->nfigures = cli_report_analysis_figures(&r, &sp, slug, slug, res[i].analysis, gonio ? gonio[i] : NULL, NAN, NULL,
                                                  &figs[i * FIGS_PER_FILE], FIGS_PER_FILE);
        s->items = &items[i * ITEMS_PER_FILE];
        s->nitems = cli_report_analysis_items(&sp, res[i].analysis, &items[i * ITEMS_PER_FILE], ITEMS_PER_FILE);
        names[nok] = slug;
        an[nok++] = res[i].analysis;
    }
    if (nok) {
        const char *name = cli_sp(&sp, "dynamics.%s", cli_report_ext(&r));
        if (cli_report_dynamics_figure(&r, name, names, an, nok) == 0) dyn = (mm_html_figure){name, "PLR, PSR and crest factor of each file"};
    }
    sec[0].title = "Batch";
    sec[0].figures = dyn.file ? &dyn : NULL;
    sec[0].nfigures = dyn.file ? 1 : 0;
    ns = n + 1;

    json = mm_report_analysis_json(res, n, ro, &st);
    mm_html_page page = {"mixmaster analyze", cli_sp(&sp, "%zu file%s, %s", n, n == 1 ? "" : "s", ro->tool ? ro->tool : "mixmaster"),
                         r.notice[0] ? r.notice : NULL, sec, ns};
    rc = cli_report_finish(&r, "report.json", json, &page);
out:
    mm_report_free(json);
    free(sec);
    free(figs);
    free(items);
    free(names);
    free(notes);
    free(an);
    cli_sp_free(&sp);
    return rc;
}
