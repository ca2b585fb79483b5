/* master --report-dir: the spectra of mix, master and target (mid and
 * side), the EQ the plan applied, loudness over time before and after, the
 * before/after figures, and every decision with the measurement behind it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mixmaster/master_report.h"

static double mval(mm_measure m) { return m.reason == MM_REASON_NONE ? m.value : NAN; }

/* Mix, master and target band levels for mid (side = 0) or side. */
static int spectrum_fig(cli_report *r, cli_strpool *sp, const mm_master_result *m, int side, mm_html_figure *fig)
{
    char tmp[3200];
    const char *name = cli_sp(sp, "master-spectrum-%s.%s", side ? "side" : "mid", cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double hz[MM_MASTER_BANDS], b[MM_MASTER_BANDS], a[MM_MASTER_BANDS], t[MM_MASTER_BANDS];
    for (int k = 0; k < MM_MASTER_BANDS; k++) {
        const mm_master_band *x = &m->plan->band[k];
        hz[k] = x->hz;
        b[k] = mval(side ? x->mix_side_db : x->mix_mid_db);
        /* the target aligned to the mix's level: mix + (target - mix after alignment) */
        t[k] = b[k] + mval(side ? x->side_diff_db : x->mid_diff_db);
        a[k] = m->after ? mval(side ? m->after->side_band_db[k] : m->after->mid_band_db[k]) : NAN;
    }
    /* the plan's levels are aligned to the mix's; the master is louder by
     * its gain: show the master at the mix's K-weighted level too */
    double shift = 0.0;
    if (m->after && m->before && m->after->integrated_lufs.reason == MM_REASON_NONE &&
        m->before->integrated_lufs.reason == MM_REASON_NONE)
        shift = m->after->integrated_lufs.value - m->before->integrated_lufs.value;
    for (int k = 0; k < MM_MASTER_BANDS; k++) a[k] -= shift;
    mm_plot_line lines[3] = {{"mix", hz, b, MM_MASTER_BANDS, 0, 0, 1, 1},
                             {"master (loudness-aligned)", hz, a, MM_MASTER_BANDS, 0, 0, 3, 1},
                             {m->plan->target_kind == MM_MASTER_TARGET_REFERENCE ? "reference" : "preset target", hz, t,
                              MM_MASTER_BANDS, 0, 0, 7, 0}};
    mm_plot_axes ax = mm_plot_axes_default("frequency (Hz)", "band level (dB)");
    ax.logx = 1;
    ax.xmin = 16.0;
    ax.xmax = 22000.0;
    int e;
    char *s = mm_plot_lines(&r->style, side ? "Side spectrum: mix, master, target" : "Mid spectrum: mix, master, target", tmp,
                            &ax, lines, m->after ? 3 : 2, NULL, 0, NULL, 0, &e);
    if (cli_report_draw(r, s, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, side ? "1/3-octave side spectrum before and after, against the target"
                                       : "1/3-octave mid spectrum before and after, against the target"};
    return 0;
}

static int eq_fig(cli_report *r, cli_strpool *sp, const mm_master_plan *p, mm_html_figure *fig)
{
    char tmp[3200];
    const char *name = cli_sp(sp, "master-eq.%s", cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double hz[MM_MASTER_BANDS], mid[MM_MASTER_BANDS], side[MM_MASTER_BANDS];
    for (int k = 0; k < MM_MASTER_BANDS; k++) {
        hz[k] = p->band[k].hz;
        mid[k] = p->band[k].mid_gain_db;
        side[k] = p->stereo ? p->band[k].side_gain_db : NAN;
    }
    mm_plot_line lines[2] = {{"mid EQ", hz, mid, MM_MASTER_BANDS, 0, 0, 1, 1}, {"side EQ (with width)", hz, side, MM_MASTER_BANDS, 0, 0, 2, 1}};
    mm_plot_hline h[2] = {{p->eq_range_db, "range limit"}, {-p->eq_range_db, "range limit"}};
    mm_plot_axes ax = mm_plot_axes_default("frequency (Hz)", "gain (dB)");
    ax.logx = 1;
    ax.xmin = 16.0;
    ax.xmax = 22000.0;
    int e;
    char *s = mm_plot_lines(&r->style, "Match EQ of the plan", tmp, &ax, lines, p->stereo ? 2 : 1, h, 2, NULL, 0, &e);
    if (cli_report_draw(r, s, tmp, name) != 0) return -1;
    *fig = (mm_html_figure){name, "The linear-phase match EQ applied to mid and side, per 1/3 octave"};
    return 0;
}

static int loudness_fig(cli_report *r, cli_strpool *sp, const mm_master_result *m, mm_html_figure *fig)
{
    const mm_analysis *b = m->before, *a = m->after;
    if (!b || !a || !b->loudness_series_count || !a->loudness_series_count) return -1;
    char tmp[3200];
    const char *name = cli_sp(sp, "master-loudness.%s", cli_report_ext(r));
    if (cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double *yb = malloc(b->loudness_series_count * sizeof(double)), *ya = malloc(a->loudness_series_count * sizeof(double));
    int rc = -1;
    if (yb && ya) {
        for (size_t i = 0; i < b->loudness_series_count; i++) yb[i] = b->shortterm_series[i];
        for (size_t i = 0; i < a->loudness_series_count; i++) ya[i] = a->shortterm_series[i];
        mm_plot_line lines[2] = {{"mix, short-term", NULL, yb, b->loudness_series_count, b->loudness_series_step_s, b->loudness_series_step_s, 1, 0},
                                 {"master, short-term", NULL, ya, a->loudness_series_count, a->loudness_series_step_s, a->loudness_series_step_s, 3, 0}};
        mm_plot_hline h = {m->plan->target_lufs, cli_sp(sp, "target %.1f LUFS", m->plan->target_lufs)};
        mm_plot_axes ax = mm_plot_axes_default("time (s)", "loudness (LUFS)");
        ax.ymin = -60.0;
        int e;
        char *s = mm_plot_lines(&r->style, "Loudness before and after", tmp, &ax, lines, 2, &h, 1, NULL, 0, &e);
        if (cli_report_draw(r, s, tmp, name) == 0) {
            *fig = (mm_html_figure){name, "Short-term loudness of the mix and of the master, with the target"};
            rc = 0;
        }
    } else {
        cli_report_draw(r, NULL, tmp, name);
    }
    free(yb);
    free(ya);
    return rc;
}

int cli_master_report(const char *dir, const mm_master_result *m, const char *tool)
{
    char err[CLI_ERRLEN];
    cli_report r;
    if (cli_report_open(&r, dir, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        return -1;
    }
    cli_strpool sp = {0};
    const mm_master_plan *p = m->plan;
    mm_html_figure figs[4];
    size_t nf = 0;
    if (spectrum_fig(&r, &sp, m, 0, &figs[nf]) == 0) nf++;
    if (p->stereo && spectrum_fig(&r, &sp, m, 1, &figs[nf]) == 0) nf++;
    if (eq_fig(&r, &sp, p, &figs[nf]) == 0) nf++;
    if (loudness_fig(&r, &sp, m, &figs[nf]) == 0) nf++;

    /* before / after */
    static const char *const head[4] = {"figure", "mix", "master", "target"};
    const char *cells[4 * 8];
    size_t nr = 0;
#define ROW(label, fmt, b, a, t)                                         \
    do {                                                                 \
        cells[nr * 4 + 0] = label;                                       \
        cells[nr * 4 + 1] = isfinite(b) ? cli_sp(&sp, fmt, b) : "-";     \
        cells[nr * 4 + 2] = isfinite(a) ? cli_sp(&sp, fmt, a) : "-";     \
        cells[nr * 4 + 3] = isfinite(t) ? cli_sp(&sp, fmt, t) : "-";     \
        nr++;                                                            \
    } while (0)
    const mm_analysis *b = m->before, *a = m->after, *ref = m->reference;
    ROW("integrated (LUFS)", "%.1f", mval(b->integrated_lufs), a ? mval(a->integrated_lufs) : NAN, p->target_lufs);
    ROW("true peak (dBTP)", "%.2f", mval(b->true_peak_dbtp), a ? mval(a->true_peak_dbtp) : NAN, p->ceiling_dbtp);
    ROW("PLR (dB)", "%.1f", mval(b->plr_db), a ? mval(a->plr_db) : NAN, mval(p->target_plr_db));
    ROW("loudness range (LU)", "%.1f", mval(b->loudness_range_lu), a ? mval(a->loudness_range_lu) : NAN,
        ref ? mval(ref->loudness_range_lu) : NAN);
    ROW("side / mid (dB)", "%.1f", mval(b->side_mid_db), a ? mval(a->side_mid_db) : NAN, mval(p->target_side_mid_db));
#undef ROW

    /* decisions and their reasons */
    const char *notes[8];
    size_t nn = 0;
    double lo = 0.0, hi = 0.0;
    for (int k = 0; k < MM_MASTER_BANDS; k++) {
        lo = fmin(lo, fmin(p->band[k].mid_gain_db, p->band[k].side_gain_db));
        hi = fmax(hi, fmax(p->band[k].mid_gain_db, p->band[k].side_gain_db));
    }
    notes[nn++] = cli_sp(&sp, "tonal match toward %s %s: EQ from %+.1f to %+.1f dB (amount %.0f %%, range +-%.0f dB, smoothed over %.2f octave)",
                         p->target_kind == MM_MASTER_TARGET_REFERENCE ? "the reference" : "the preset", p->target_name, lo, hi,
                         100.0 * p->amount, p->eq_range_db, p->smoothing_octaves);
    if (p->stereo)
        notes[nn++] = cli_sp(&sp, "width: side %+.1f dB because the mix's side/mid is %.1f dB and the target's %.1f dB; below %.0f Hz the side is not raised past %+.1f dB",
                             p->side_gain_db, mval(p->mix_side_mid_db), mval(p->target_side_mid_db), p->mono_below_hz, p->low_side_cap_db);
    notes[nn++] = p->compressor ? cli_sp(&sp, "compressor on (%.0f dB, %.1f:1, %.0f/%.0f ms) because the mix's PLR %.1f dB is more than %.0f dB above the target's %.1f dB",
                                         p->comp_threshold_db, p->comp_ratio, p->comp_attack_ms, p->comp_release_ms,
                                         mval(p->mix_plr_db), MM_MASTER_PLR_CLOSE_DB, mval(p->target_plr_db))
                                : cli_sp(&sp, "no compressor: the mix's PLR %.1f dB is within %.0f dB of the target's %.1f dB",
                                         mval(p->mix_plr_db), MM_MASTER_PLR_CLOSE_DB, mval(p->target_plr_db));
    notes[nn++] = cli_sp(&sp, "loudness: %.1f LUFS reached after the limiter with %+.2f dB of gain (%d passes over the mix)",
                         p->target_lufs, m->gain_db, m->render_passes);
    notes[nn++] = cli_sp(&sp, "ceiling %.1f dBTP (%s); the limiter reduced the gain by up to %.1f dB", p->ceiling_dbtp,
                         p->ceiling_reason, m->limiter_max_reduction_db);
    notes[nn++] = cli_sp(&sp, "output %s %s, %s", m->output_container ? m->output_container : "",
                         m->output_encoding ? m->output_encoding : "",
                         p->dither == MM_MASTER_DITHER_SHAPED ? "noise-shaped TPDF dither"
                         : p->dither == MM_MASTER_DITHER_TPDF ? "TPDF dither" : "no dither");
    mm_html_section sec = {cli_sp(&sp, "%s -> %s", m->input_path ? m->input_path : "", m->output_path ? m->output_path : ""),
                           NULL, NULL, 0, head, 4, cells, NULL, nr, notes, nn, figs, nf};
    int st;
    char *json = mm_master_report_json(m, tool, &st);
    mm_html_page page = {"mixmaster master", cli_sp(&sp, "target: %s; %s", p->target_name, tool ? tool : "mixmaster"),
                         r.notice[0] ? r.notice : NULL, &sec, 1};
    int rc = cli_report_finish(&r, "report.json", json, &page);
    mm_report_free(json);
    cli_sp_free(&sp);
    return rc;
}
