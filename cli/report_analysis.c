/* Figures and key figures of one analysed file, for the HTML reports of
 * analyze and check (and the pieces album reuses). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mixmaster/presets.h"

const char *cli_report_slug(cli_strpool *sp, size_t index, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char buf[48];
    size_t n = 0;
    for (const char *q = base; *q && *q != '.' && n + 1 < sizeof buf; q++)
        buf[n++] = ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '-' || *q == '_') ? *q : '_';
    buf[n] = 0;
    return cli_sp(sp, "%02zu-%s", index + 1, n ? buf : "file");
}

const char *cli_sp(cli_strpool *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        char **s = realloc(p->s, cap * sizeof *s);
        if (!s) return "";
        p->s = s;
        p->cap = cap;
    }
    char *d = strdup(tmp);
    if (!d) return "";
    p->s[p->n++] = d;
    return d;
}

void cli_sp_free(cli_strpool *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->s[i]);
    free(p->s);
    memset(p, 0, sizeof *p);
}

int cli_gonio_init(cli_gonio *g, uint64_t total_frames, size_t points)
{
    memset(g, 0, sizeof *g);
    g->x = malloc(points * sizeof(double));
    g->y = malloc(points * sizeof(double));
    if (!g->x || !g->y) {
        cli_gonio_free(g);
        return -1;
    }
    g->cap = points;
    g->step = total_frames > points ? total_frames / points : 1;
    return 0;
}

void cli_gonio_feed(cli_gonio *g, const float *const planar[], int channels, size_t frames)
{
    if (!g->cap || channels != 2) return;
    /* one pair every `step` frames, counted across blocks */
    uint64_t first = (g->step - g->pos % g->step) % g->step;
    for (uint64_t i = first; i < frames && g->n < g->cap; i += g->step) {
        const double l = planar[0][i], r = planar[1][i];
        if (!isfinite(l) || !isfinite(r)) continue;
        g->x[g->n] = (r - l) * 0.70710678118654752;
        g->y[g->n] = (l + r) * 0.70710678118654752;
        g->n++;
    }
    g->pos += frames;
}

void cli_gonio_free(cli_gonio *g)
{
    free(g->x);
    free(g->y);
    memset(g, 0, sizeof *g);
}

static double mval(mm_measure m) { return m.reason == MM_REASON_NONE ? m.value : NAN; }

/* Draw a figure and, when it worked, list it. */
static void add_fig(cli_report *r, char *script, const char *tmp, const char *name, const char *caption,
                    mm_html_figure *figs, size_t *nf, size_t max)
{
    if (cli_report_draw(r, script, tmp, name) == 0 && *nf < max) {
        figs[*nf].file = name;
        figs[*nf].caption = caption;
        (*nf)++;
    }
}

size_t cli_report_analysis_figures(cli_report *r, cli_strpool *sp, const char *prefix, const char *title,
                                   const mm_analysis *a, const cli_gonio *g, double target_lufs,
                                   const double *ref_mid_db, mm_html_figure *figs, size_t max)
{
    size_t nf = 0;
    char tmp[3200];
    const char *ext = cli_report_ext(r);
    int e;

    /* loudness over time */
    if (a->loudness_series_count) {
        const size_t n = a->loudness_series_count;
        double *m = malloc(n * sizeof(double)), *s = malloc(n * sizeof(double));
        const char *name = cli_sp(sp, "%s-loudness.%s", prefix, ext);
        if (m && s && cli_report_temp(r, name, tmp, sizeof tmp) == 0) {
            for (size_t i = 0; i < n; i++) {
                m[i] = a->momentary_series[i];
                s[i] = a->shortterm_series[i];
            }
            const double step = a->loudness_series_step_s;
            mm_plot_line lines[2] = {{"momentary (400 ms)", NULL, m, n, step, step, 1, 0},
                                     {"short-term (3 s)", NULL, s, n, step, step, 2, 0}};
            mm_plot_hline h[2];
            size_t nh = 0;
            if (a->integrated_lufs.reason == MM_REASON_NONE)
                h[nh++] = (mm_plot_hline){a->integrated_lufs.value, cli_sp(sp, "integrated %.1f LUFS", a->integrated_lufs.value)};
            if (isfinite(target_lufs)) h[nh++] = (mm_plot_hline){target_lufs, cli_sp(sp, "target %.0f LUFS", target_lufs)};
            mm_plot_mark marks[MM_MAX_EVENTS];
            size_t nm = 0;
            for (size_t i = 0; i < a->over_event_count && nm < MM_MAX_EVENTS; i++)
                marks[nm++] = (mm_plot_mark){a->over_events[i].time_s, i == 0 ? "true-peak over" : NULL};
            mm_plot_axes ax = mm_plot_axes_default("time (s)", "loudness (LUFS)");
            ax.ymin = -60.0;
            add_fig(r, mm_plot_lines(&r->style, cli_sp(sp, "%s: loudness over time", title), tmp, &ax, lines, 2, h, nh, marks, nm, &e),
                    tmp, name, "Momentary and short-term loudness (EBU R128), with the integrated level and any true-peak overs", figs, &nf, max);
        }
        free(m);
        free(s);
    }

    /* long-term spectrum, mid and side, against the target */
    {
        double hz[MM_THIRD_OCTAVE_BANDS], mid[MM_THIRD_OCTAVE_BANDS], side[MM_THIRD_OCTAVE_BANDS], tgt[MM_THIRD_OCTAVE_BANDS];
        double off = 0.0;
        int cnt = 0;
        for (int k = 0; k < MM_THIRD_OCTAVE_BANDS; k++) {
            hz[k] = a->band_center_hz[k];
            mid[k] = mval(a->mid_band_db[k]);
            side[k] = mval(a->side_band_db[k]);
            tgt[k] = ref_mid_db ? ref_mid_db[k] : mm_target_mid_db(hz[k]);
            if (!ref_mid_db && isfinite(mid[k]) && hz[k] >= 100.0 && hz[k] <= 5000.0) {
                off += mid[k] - tgt[k];
                cnt++;
            }
        }
        /* the built-in curve is a shape: align it with the mix over 100 Hz-5 kHz */
        if (!ref_mid_db)
            for (int k = 0; k < MM_THIRD_OCTAVE_BANDS; k++) tgt[k] = cnt ? tgt[k] + off / cnt : NAN;
        const char *name = cli_sp(sp, "%s-spectrum.%s", prefix, ext);
        if (cli_report_temp(r, name, tmp, sizeof tmp) == 0) {
            mm_plot_line lines[3];
            size_t nl = 0;
            lines[nl++] = (mm_plot_line){"mid", hz, mid, MM_THIRD_OCTAVE_BANDS, 0, 0, 1, 1};
            if (a->channels == 2) lines[nl++] = (mm_plot_line){"side", hz, side, MM_THIRD_OCTAVE_BANDS, 0, 0, 2, 1};
            lines[nl++] = (mm_plot_line){ref_mid_db ? "reference mid" : "target (built-in, aligned)", hz, tgt,
                                         MM_THIRD_OCTAVE_BANDS, 0, 0, 7, 0};
            mm_plot_axes ax = mm_plot_axes_default("frequency (Hz)", "band level (dB)");
            ax.logx = 1;
            ax.xmin = 16.0;
            ax.xmax = 22000.0;
            add_fig(r, mm_plot_lines(&r->style, cli_sp(sp, "%s: 1/3-octave spectrum", title), tmp, &ax, lines, nl,
                                     NULL, 0, NULL, 0, &e),
                    tmp, name, "Long-term average spectrum in 1/3-octave bands, mid and side, against the tonal target", figs, &nf, max);
        }
    }

    if (a->channels == 2) {
        /* correlation over time */
        if (a->correlation_series_count) {
            const size_t n = a->correlation_series_count;
            double *c = malloc(n * sizeof(double));
            const char *name = cli_sp(sp, "%s-correlation.%s", prefix, ext);
            if (c && cli_report_temp(r, name, tmp, sizeof tmp) == 0) {
                for (size_t i = 0; i < n; i++) c[i] = a->correlation_series[i];
                const double step = a->correlation_series_step_s;
                mm_plot_line line = {"correlation (400 ms windows)", NULL, c, n, 0.4, step, 1, 0};
                mm_plot_hline h = {0.0, "0 (out of phase below)"};
                mm_plot_axes ax = mm_plot_axes_default("time (s)", "correlation");
                ax.ymin = -1.05;
                ax.ymax = 1.05;
                add_fig(r, mm_plot_lines(&r->style, cli_sp(sp, "%s: stereo correlation over time", title), tmp, &ax, &line, 1, &h, 1, NULL, 0, &e),
                        tmp, name, "Left/right correlation over time: +1 mono, 0 unrelated, -1 out of phase", figs, &nf, max);
            }
            free(c);
        }
        /* correlation per band */
        {
            double hz[MM_THIRD_OCTAVE_BANDS], c[MM_THIRD_OCTAVE_BANDS];
            for (int k = 0; k < MM_THIRD_OCTAVE_BANDS; k++) {
                hz[k] = a->band_center_hz[k];
                c[k] = mval(a->band_correlation[k]);
            }
            const char *name = cli_sp(sp, "%s-band-correlation.%s", prefix, ext);
            if (cli_report_temp(r, name, tmp, sizeof tmp) == 0) {
                mm_plot_line line = {"correlation per 1/3 octave", hz, c, MM_THIRD_OCTAVE_BANDS, 0, 0, 3, 1};
                mm_plot_hline h = {0.5, "0.5 (low end should stay above)"};
                mm_plot_axes ax = mm_plot_axes_default("frequency (Hz)", "correlation");
                ax.logx = 1;
                ax.xmin = 16.0;
                ax.xmax = 22000.0;
                ax.ymin = -1.05;
                ax.ymax = 1.05;
                add_fig(r, mm_plot_lines(&r->style, cli_sp(sp, "%s: correlation per band", title), tmp, &ax, &line, 1, &h, 1, NULL, 0, &e),
                        tmp, name, "Stereo correlation in each 1/3-octave band", figs, &nf, max);
            }
        }
        /* goniometer */
        if (g && g->n) {
            const char *name = cli_sp(sp, "%s-goniometer.%s", prefix, ext);
            if (cli_report_temp(r, name, tmp, sizeof tmp) == 0) {
                double lim = 0.0;
                for (size_t i = 0; i < g->n; i++) {
                    lim = fmax(lim, fabs(g->x[i]));
                    lim = fmax(lim, fabs(g->y[i]));
                }
                lim = lim > 0.0 ? lim * 1.05 : 1.0;
                mm_plot_style st = r->style;
                st.width = st.height = 560;
                mm_plot_axes ax = mm_plot_axes_default("side (R - L)/sqrt 2", "mid (L + R)/sqrt 2");
                ax.xmin = ax.ymin = -lim;
                ax.xmax = ax.ymax = lim;
                add_fig(r, mm_plot_points(&st, cli_sp(sp, "%s: goniometer", title), tmp, &ax, g->x, g->y, g->n, NULL, 1, &e),
                        tmp, name, "Goniometer: mono lies on the vertical, a wide image spreads sideways, out-of-phase content lies along the horizontal", figs, &nf, max);
            }
        }
    }
    return nf;
}

size_t cli_report_analysis_items(cli_strpool *sp, const mm_analysis *a, mm_html_item *it, size_t max)
{
    size_t n = 0;
#define ITEM(k, ...)                                            \
    do {                                                        \
        if (n < max) it[n++] = (mm_html_item){k, cli_sp(sp, __VA_ARGS__)}; \
    } while (0)
#define MEAS(k, m, fmt)                                                      \
    do {                                                                     \
        if ((m).reason == MM_REASON_NONE) ITEM(k, fmt, (m).value);           \
        else ITEM(k, "n/a (%s)", mm_reason_string((m).reason));              \
    } while (0)
    ITEM("Format", "%.0f Hz, %d ch, %.3f s", a->sample_rate, a->channels, a->duration_s);
    MEAS("Integrated loudness", a->integrated_lufs, "%.1f LUFS");
    MEAS("Loudness range", a->loudness_range_lu, "%.1f LU");
    MEAS("Max momentary", a->momentary_max_lufs, "%.1f LUFS");
    MEAS("Max short-term", a->shortterm_max_lufs, "%.1f LUFS");
    MEAS("True peak", a->true_peak_dbtp, "%.2f dBTP");
    MEAS("Sample peak", a->sample_peak_dbfs, "%.2f dBFS");
    MEAS("PLR", a->plr_db, "%.1f dB");
    MEAS("PSR", a->psr_db, "%.1f dB");
    MEAS("Crest factor", a->crest_db, "%.1f dB");
    if (a->channels == 2) {
        MEAS("Correlation", a->correlation, "%.2f");
        MEAS("Correlation below 120 Hz", a->correlation_low, "%.2f");
        MEAS("Side / mid", a->side_mid_db, "%.1f dB");
        MEAS("Mono fold-down loss", a->mono_loss_db, "%.1f dB");
    }
    ITEM("Tonal balance (mid)", "<250 Hz %.1f, 250-2k %.1f, 2-8k %.1f, >8k %.1f dB", mval(a->tonal_mid_db[0]),
         mval(a->tonal_mid_db[1]), mval(a->tonal_mid_db[2]), mval(a->tonal_mid_db[3]));
    ITEM("Clipping", "%llu runs, %llu overs", (unsigned long long)a->clip_runs, (unsigned long long)a->overs);
    ITEM("DC offset (largest)", "%.5f", a->dc_offset_max);
#undef ITEM
#undef MEAS
    return n;
}

int cli_report_dynamics_figure(cli_report *r, const char *name, const char *const *names,
                               const mm_analysis *const *a, size_t n)
{
    char tmp[3200];
    if (!n || cli_report_temp(r, name, tmp, sizeof tmp) != 0) return -1;
    double *v = malloc(3 * n * sizeof(double));
    if (!v) return -1;
    for (size_t i = 0; i < n; i++) {
        v[i] = mval(a[i]->plr_db);
        v[n + i] = mval(a[i]->psr_db);
        v[2 * n + i] = mval(a[i]->crest_db);
    }
    const char *series[3] = {"PLR (true peak - integrated)", "PSR (true peak - max short-term)", "crest (sample peak - RMS)"};
    mm_plot_hline h = {8.0, "PSR 8 dB: over-compressed below"};
    int e;
    char *script = mm_plot_bars(&r->style, "Dynamics per file", tmp, "dB", names, n, series, 3, NULL, v, &h, 1, &e);
    free(v);
    return cli_report_draw(r, script, tmp, name);
}
