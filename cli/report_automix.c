/* automix --report-dir: the stem-pair masking matrix as heat maps before
 * and after, the kick/bass band in detail, loudness per stem before and
 * after, and every decision with its reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mixmaster/automix_report.h"

#define MAXS MM_AUTOMIX_MAX_STEMS

/* M (dB) of every ordered pair: row a masks column b; NaN on the diagonal. */
static int masking_matrix(const mm_masking *m, int n, double *out)
{
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            out[a * n + b] = NAN;
            if (a == b) continue;
            mm_masking_result r;
            if (mm_masking_pair(m, a, b, 0.0, 0.0, 20.0, 20000.0, NULL, &r) == MM_OK && r.cells > 0) out[a * n + b] = r.m_db;
        }
    return 0;
}

static int heat_fig(cli_report *r, cli_strpool *sp, const char *name, const char *title, const char *const *labels,
                    const mm_masking *m, int n, mm_html_figure *fig, const char *caption)
{
    char tmp[3200];
    if (!m || n < 2 || cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double *v = malloc((size_t)n * (size_t)n * sizeof(double));
    if (!v) {
        cli_report_draw(r, NULL, tmp, name);
        return -1;
    }
    masking_matrix(m, n, v);
    mm_plot_style st = r->style;
    st.width = 760;
    st.height = 620;
    int e;
    char *s = mm_plot_heatmap(&st, cli_sp(sp, "%s (row masks column)", title), tmp, labels, labels, (size_t)n, v,
                              "masking M (dB)", 0.0, 20.0, &e);
    free(v);
    if (cli_report_draw(r, s, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, caption};
    return 0;
}

static int kickbass_fig(cli_report *r, cli_strpool *sp, const mm_automix_report *rep, const double *band_hz, int bands,
                        mm_html_figure *fig)
{
    const mm_automix_plan *p = rep->plan;
    int kick = -1, bass = -1;
    for (int i = 0; i < p->stem_count; i++) {
        if (p->stem[i].role == MM_ROLE_KICK && kick < 0) kick = i;
        if (p->stem[i].role == MM_ROLE_BASS && bass < 0) bass = i;
    }
    if (kick < 0 || bass < 0 || !rep->masking_in || !rep->masking_out || !band_hz || bands <= 0) return -1;
    char tmp[3200];
    const char *name = cli_sp(sp, "automix-kick-bass.%s", cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double *hz = calloc((size_t)bands * 6, sizeof(double));
    if (!hz) {
        cli_report_draw(r, NULL, tmp, name);
        return -1;
    }
    double *b0 = hz + bands, *a0 = hz + 2 * bands, *c0 = hz + 3 * bands, *b1 = hz + 4 * bands, *a1 = hz + 5 * bands;
    mm_masking_pair_bands(rep->masking_in, kick, bass, 0.0, 0.0, b0, c0);
    mm_masking_pair_bands(rep->masking_out, kick, bass, 0.0, 0.0, a0, c0);
    mm_masking_pair_bands(rep->masking_in, bass, kick, 0.0, 0.0, b1, c0);
    mm_masking_pair_bands(rep->masking_out, bass, kick, 0.0, 0.0, a1, c0);
    size_t k = 0;
    /* keep the bands from 30 to 250 Hz */
    double *x = malloc((size_t)bands * 5 * sizeof(double));
    if (!x) {
        free(hz);
        cli_report_draw(r, NULL, tmp, name);
        return -1;
    }
    double *y0 = x + bands, *y1 = x + 2 * bands, *y2 = x + 3 * bands, *y3 = x + 4 * bands;
    for (int i = 0; i < bands; i++) {
        if (band_hz[i] < 30.0 || band_hz[i] > 250.0) continue;
        x[k] = band_hz[i];
        y0[k] = b0[i];
        y1[k] = a0[i];
        y2[k] = b1[i];
        y3[k] = a1[i];
        k++;
    }
    mm_plot_line lines[4] = {{"kick masks bass, as delivered", x, y0, k, 0, 0, 1, 1},
                             {"kick masks bass, mixed", x, y1, k, 0, 0, 3, 1},
                             {"bass masks kick, as delivered", x, y2, k, 0, 0, 2, 1},
                             {"bass masks kick, mixed", x, y3, k, 0, 0, 4, 1}};
    mm_plot_axes ax = mm_plot_axes_default("frequency (Hz)", "masker-to-signal ratio (dB)");
    ax.logx = 1;
    ax.xmin = 28.0;
    ax.xmax = 260.0;
    mm_plot_hline h = {0.0, "0 dB: masked above"};
    int e;
    char *s = mm_plot_lines(&r->style, "Kick and bass, 30-250 Hz", tmp, &ax, lines, 4, &h, 1, NULL, 0, &e);
    free(hz);
    free(x);
    if (cli_report_draw(r, s, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, "Masking between kick and bass per ERB band below 250 Hz, before and after the mix"};
    return 0;
}

static int loudness_fig(cli_report *r, cli_strpool *sp, const mm_automix_report *rep, const char *const *labels,
                        mm_html_figure *fig)
{
    const mm_automix_plan *p = rep->plan;
    const int n = p->stem_count;
    char tmp[3200];
    const char *name = cli_sp(sp, "automix-loudness.%s", cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double v[3 * MAXS];
    for (int i = 0; i < n; i++) {
        v[i] = p->stem[i].silent ? NAN : p->stem[i].input_lufs;
        v[n + i] = p->stem[i].silent ? NAN : p->stem[i].target_lufs;
        v[2 * n + i] = rep->stems[i].loudness_after_lufs.reason ? NAN : rep->stems[i].loudness_after_lufs.value;
    }
    const char *series[3] = {"as delivered", "target in the mix", "in the mix (measured)"};
    int e;
    char *s = mm_plot_bars(&r->style, "Loudness per stem", tmp, "LUFS", labels, (size_t)n, series, 3, NULL, v, NULL, 0, &e);
    if (cli_report_draw(r, s, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, "Each stem's loudness where it plays: as delivered, the rule's target, and measured in the mix"};
    return 0;
}

int cli_automix_report(const char *dir, const mm_automix_report *rep, const double *band_hz, int bands)
{
    char err[CLI_ERRLEN];
    cli_report r;
    if (cli_report_open(&r, dir, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        return -1;
    }
    cli_strpool sp = {0};
    const mm_automix_plan *p = rep->plan;
    const int n = p->stem_count;
    const char *labels[MAXS];
    for (int i = 0; i < n; i++) labels[i] = p->stem[i].name;
    const char *ext = cli_report_ext(&r);
    mm_html_figure figs[5];
    size_t nf = 0;
    if (loudness_fig(&r, &sp, rep, labels, &figs[nf]) == 0) nf++;
    if (heat_fig(&r, &sp, cli_sp(&sp, "automix-masking-before.%s", ext), "Masking as delivered", labels, rep->masking_in, n,
                 &figs[nf], "Masking M between every pair of stems as delivered (unity gains)") == 0)
        nf++;
    if (heat_fig(&r, &sp, cli_sp(&sp, "automix-masking-after.%s", ext), "Masking in the mix", labels, rep->masking_out, n,
                 &figs[nf], "Masking M between every pair of processed stems in the mix") == 0)
        nf++;
    if (kickbass_fig(&r, &sp, rep, band_hz, bands, &figs[nf]) == 0) nf++;

    /* a row per stem, and every decision with its reason */
    static const char *const head[6] = {"stem", "role", "loudness before / after (LUFS)", "gain (dB)", "pan", "EQ / dynamics"};
    const char *cells[6 * MAXS];
    const char **notes = calloc((size_t)n * (MM_AUTOMIX_MAX_EQ + 5) + 1, sizeof *notes);
    size_t nn = 0;
    for (int i = 0; i < n; i++) {
        const mm_automix_stem *s = &p->stem[i];
        cells[i * 6 + 0] = s->name;
        cells[i * 6 + 1] = cli_sp(&sp, "%s (%s)", mm_role_name(s->role), s->role_source);
        cells[i * 6 + 2] = s->silent ? "silent" : cli_sp(&sp, "%.1f / %.1f", s->input_lufs,
                                                         rep->stems[i].loudness_after_lufs.reason ? NAN : rep->stems[i].loudness_after_lufs.value);
        cells[i * 6 + 3] = cli_sp(&sp, "%+.1f", s->gain_db);
        cells[i * 6 + 4] = cli_sp(&sp, "%+.2f", s->pan);
        cells[i * 6 + 5] = cli_sp(&sp, "%d EQ move%s%s%s", s->eq_count, s->eq_count == 1 ? "" : "s",
                                  s->comp.enabled ? ", compressed" : "", s->duck.enabled ? ", ducked" : "");
        if (!notes) continue;
        notes[nn++] = cli_sp(&sp, "%s: gain %+.1f dB: %s", s->name, s->gain_db, s->gain_reason);
        notes[nn++] = cli_sp(&sp, "%s: pan %+.2f: %s", s->name, s->pan, s->pan_reason);
        for (int k = 0; k < s->eq_count; k++)
            notes[nn++] = cli_sp(&sp, "%s: %s %.0f Hz %+.1f dB: %s", s->name, mm_automix_eq_kind_name(s->eq[k].kind),
                                 s->eq[k].freq_hz, s->eq[k].gain_db, s->eq[k].reason);
        if (s->comp.enabled)
            notes[nn++] = cli_sp(&sp, "%s: compressor %.1f:1 at %.1f dBFS: %s", s->name, s->comp.ratio, s->comp.threshold_db, s->comp.reason);
        if (s->duck.enabled)
            notes[nn++] = cli_sp(&sp, "%s: ducked by %s, up to %.1f dB: %s", s->name, p->stem[s->duck.key].name,
                                 s->duck.depth_db, s->duck.reason);
    }
    mm_html_item items[6];
    size_t ni = 0;
    if (rep->mix_integrated_lufs.reason == MM_REASON_NONE)
        items[ni++] = (mm_html_item){"Mix loudness", cli_sp(&sp, "%.1f LUFS", rep->mix_integrated_lufs.value)};
    items[ni++] = (mm_html_item){"Mix true peak", cli_sp(&sp, "%.2f dBTP", rep->mix_true_peak_dbtp)};
    items[ni++] = (mm_html_item){"Bus peak before the master gain", cli_sp(&sp, "%.2f dBTP", rep->bus_true_peak_dbtp)};
    items[ni++] = (mm_html_item){"Master gain", cli_sp(&sp, "%+.2f dB", rep->master_gain_db)};
    mm_html_section sec = {cli_sp(&sp, "%d stems -> %s", n, rep->output_path ? rep->output_path : ""), NULL, items, ni,
                           head, 6, cells, NULL, (size_t)n, notes, nn, figs, nf};
    int st;
    char *json = mm_automix_report_json(rep, &st);
    mm_html_page page = {"mixmaster automix", rep->tool, r.notice[0] ? r.notice : NULL, &sec, 1};
    int rc = cli_report_finish(&r, "report.json", json, &page);
    mm_report_free(json);
    free(notes);
    cli_sp_free(&sp);
    return rc;
}
