/* The --report-dir of release: the album timeline and one section per
 * delivered track. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release_cli.h"

#define FADE_POINTS 64 /* points drawn per fade: smooth at any plot width */

static double mval(mm_measure m)
{
    return m.reason == MM_REASON_NONE ? m.value : NAN;
}

/* The gain envelope of track i in album seconds: silence in the gap,
 * the fade-in, full gain, the fade-out, silence in the pad. Returns the
 * number of points written to x, y (at most 2 * FADE_POINTS + 8). */
static size_t envelope(const mm_release_manifest *m, size_t i, double *x, double *y)
{
    const mm_release_track_plan *p = &m->plans[i];
    const mm_fade_curve c = m->release->tracks[i].fade_curve;
    const double fs = m->sample_rate, t0 = (double)p->index01 / fs;
    size_t k = 0;
    if (p->index00 < p->index01) {
        x[k] = (double)p->index00 / fs;
        y[k++] = 0.0;
    }
    if (p->fade_in) {
        for (int q = 0; q <= FADE_POINTS; q++) {
            uint64_t f = p->fade_in * (uint64_t)q / FADE_POINTS;
            x[k] = t0 + (double)f / fs;
            y[k++] = mm_fade_gain_at(c, f, p->audio_frames, p->fade_in, p->fade_out);
        }
    } else {
        x[k] = t0;
        y[k++] = 0.0;
        x[k] = t0;
        y[k++] = 1.0;
    }
    if (p->fade_out) {
        uint64_t s = p->audio_frames - p->fade_out;
        for (int q = 0; q <= FADE_POINTS; q++) {
            uint64_t f = s + (p->fade_out - 1) * (uint64_t)q / FADE_POINTS;
            x[k] = t0 + (double)f / fs;
            y[k++] = mm_fade_gain_at(c, f, p->audio_frames, p->fade_in, p->fade_out);
        }
    } else {
        x[k] = t0 + (double)p->audio_frames / fs;
        y[k++] = 1.0;
        x[k] = t0 + (double)p->audio_frames / fs;
        y[k++] = 0.0;
    }
    x[k] = t0 + (double)p->frames / fs;
    y[k++] = 0.0;
    return k;
}

int cli_release_report(const char *dir, const mm_release_manifest *m, const cli_release_track_view *tv,
                       const mm_report_options *ro, int delivered)
{
    char err[CLI_ERRLEN], tmp[3200];
    cli_report r;
    if (cli_report_open(&r, dir, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        return -1;
    }
    const mm_release *rel = m->release;
    const size_t n = rel->count;
    const double fs = m->sample_rate;
    cli_strpool sp = {0};
    const char *ext = cli_report_ext(&r);
    int e, rc = -1;
    mm_html_figure figs[2];
    size_t nf = 0;
    char *html = NULL;
    mm_plot_line *lines = calloc(n, sizeof *lines);
    mm_plot_mark *marks = calloc(2 * n, sizeof *marks);
    double *env = calloc(n * 2 * (2 * FADE_POINTS + 8), sizeof *env);
    mm_html_section *sec = calloc(n + 1, sizeof *sec);
    mm_html_item *items = calloc(10 * (n + 1), sizeof *items);
    const char **notes = calloc(8 * (n + 1), sizeof *notes);
    double **xs = calloc(n, sizeof *xs), **ys = calloc(n, sizeof *ys);
    if (!lines || !marks || !env || !sec || !items || !notes || !xs || !ys) goto out;
    size_t nm = 0;
    for (size_t i = 0; i < n; i++) {
        marks[nm++] = (mm_plot_mark){(double)m->plans[i].index01 / fs, cli_sp(&sp, "%zu", i + 1)};
    }
    const double album_s = (double)m->album_frames / fs;

    /* 1. the timeline: momentary loudness of each delivered track where it
     * plays in the album; the gaps stay empty */
    const char *name = cli_sp(&sp, "release-timeline.%s", ext);
    if (cli_report_temp(&r, name, tmp, sizeof tmp) == 0) {
        size_t nl = 0;
        for (size_t i = 0; i < n; i++) {
            const mm_analysis *a = tv[i].analysis;
            size_t cnt = a->loudness_series_count;
            if (!cnt) continue;
            xs[i] = malloc(cnt * sizeof(double));
            ys[i] = malloc(cnt * sizeof(double));
            if (!xs[i] || !ys[i]) continue;
            const double t0 = (double)m->plans[i].index01 / fs;
            for (size_t q = 0; q < cnt; q++) {
                xs[i][q] = t0 + (double)(q + 1) * a->loudness_series_step_s;
                ys[i][q] = a->momentary_series[q];
            }
            lines[nl++] = (mm_plot_line){cli_sp(&sp, "%zu %s", i + 1, rel->tracks[i].title),
                                         xs[i],
                                         ys[i],
                                         cnt,
                                         0,
                                         0,
                                         (int)(i % 6) + 1,
                                         0};
        }
        mm_plot_hline h[1];
        size_t nh = 0;
        if (isfinite(m->target_lufs))
            h[nh++] = (mm_plot_hline){m->target_lufs, cli_sp(&sp, "target %.0f LUFS", m->target_lufs)};
        mm_plot_axes ax = mm_plot_axes_default("album time (s); marks: track starts (INDEX 01)",
                                               "momentary loudness (LUFS)");
        ax.ymin = -50.0;
        ax.xmin = 0.0;
        ax.xmax = album_s;
        mm_plot_style st = r.style;
        st.width = 1200;
        char *s = mm_plot_lines(&st, "Album timeline", tmp, &ax, lines, nl, h, nh, marks, nm, &e);
        if (cli_report_draw(&r, s, tmp, name) == 0)
            figs[nf++] = (mm_html_figure){
                name, "The delivered tracks in album time: momentary loudness (400 ms), each track "
                      "start marked, the gaps empty"};
    }
    /* 2. fades and gaps: each track's gain envelope */
    name = cli_sp(&sp, "release-fades.%s", ext);
    if (cli_report_temp(&r, name, tmp, sizeof tmp) == 0) {
        const size_t per = 2 * FADE_POINTS + 8;
        for (size_t i = 0; i < n; i++) {
            double *x = env + 2 * i * per, *y = x + per;
            size_t k = envelope(m, i, x, y);
            lines[i] =
                (mm_plot_line){cli_sp(&sp, "%zu (%s)", i + 1, mm_fade_curve_name(rel->tracks[i].fade_curve)),
                               x,
                               y,
                               k,
                               0,
                               0,
                               (int)(i % 6) + 1,
                               0};
        }
        mm_plot_axes ax = mm_plot_axes_default("album time (s); marks: track starts (INDEX 01)", "fade gain");
        ax.ymin = 0.0;
        ax.ymax = 1.1;
        ax.xmin = 0.0;
        ax.xmax = album_s;
        mm_plot_style st = r.style;
        st.width = 1200;
        st.height = 320;
        char *s = mm_plot_lines(&st, "Gaps and fades", tmp, &ax, lines, n, NULL, 0, marks, nm, &e);
        if (cli_report_draw(&r, s, tmp, name) == 0)
            figs[nf++] =
                (mm_html_figure){name, "Gain of each track across the album: silence in the gaps, the fade "
                                       "curves, overlaps where tracks cross-fade"};
    }

    /* the page */
    size_t ni = 0;
    mm_html_item *ai = items;
    ai[ni++] =
        (mm_html_item){"Delivered", !delivered  ? "no: the pre-delivery check failed (see the tracks below)"
                                    : m->forced ? "yes, with --force past failed checks"
                                                : "yes"};
    ai[ni++] = (mm_html_item){"Album", cli_sp(&sp, "%s - %s", rel->artist, rel->title)};
    if (rel->upc[0]) ai[ni++] = (mm_html_item){"UPC/EAN", rel->upc};
    ai[ni++] = (mm_html_item){"Length", cli_sp(&sp, "%.3f s (%zu tracks)", album_s, n)};
    ai[ni++] = (mm_html_item){"Album loudness",
                              m->album_lufs.reason ? "n/a" : cli_sp(&sp, "%.1f LUFS", m->album_lufs.value)};
    ai[ni++] = (mm_html_item){"Delivery", cli_sp(&sp, "%s, %d bit, %.0f Hz%s", m->format, m->bits, fs,
                                                 m->cd_aligned ? ", CD sectors" : "")};
    ai[ni++] = (mm_html_item){
        "Target / ceiling",
        cli_sp(&sp, "%s / %.1f dBTP",
               isfinite(m->target_lufs) ? cli_sp(&sp, "%.1f LUFS", m->target_lufs) : "album level kept",
               m->ceiling_dbtp)};
    sec[0] = (mm_html_section){
        "Release", !delivered || m->forced ? "fail" : "pass", ai, ni, NULL, 0, NULL, NULL, 0, NULL, 0, figs,
        nf};
    for (size_t i = 0; i < n; i++) {
        const mm_release_track *t = &rel->tracks[i];
        const mm_release_track_plan *p = &m->plans[i];
        const mm_release_delivered *d = &m->tracks[i];
        mm_html_section *s = &sec[1 + i];
        s->title = cli_sp(&sp, "%zu. %s", i + 1, d->file.name);
        s->status = d->check_status;
        mm_html_item *ti = &items[10 * (i + 1)];
        size_t k = 0;
        ti[k++] = (mm_html_item){"Title / artist",
                                 cli_sp(&sp, "%s / %s", t->title, t->artist ? t->artist : rel->artist)};
        ti[k++] = (mm_html_item){"ISRC", t->isrc[0] ? t->isrc : "none"};
        ti[k++] = (mm_html_item){
            "Starts at",
            p->overlap
                ? cli_sp(&sp, "%.3f s (frame %llu), cross-fading %.3f s with the track before",
                         (double)p->index01 / fs, (unsigned long long)p->index01, (double)p->overlap / fs)
                : cli_sp(&sp, "%.3f s (frame %llu), after a gap of %.3f s", (double)p->index01 / fs,
                         (unsigned long long)p->index01, (double)p->gap_before / fs)};
        ti[k++] = (mm_html_item){"Length", cli_sp(&sp, "%.3f s (%llu frames)", (double)p->frames / fs,
                                                  (unsigned long long)p->frames)};
        ti[k++] =
            (mm_html_item){"Trim / fades", cli_sp(&sp, "cut %.3f s + %.3f s; fade in %.3f s, out %.3f s (%s)",
                                                  (double)p->trim_start / fs, (double)p->trim_end / fs,
                                                  (double)p->fade_in / fs, (double)p->fade_out / fs,
                                                  mm_fade_curve_name(t->fade_curve))};
        ti[k++] =
            (mm_html_item){"Gain / limiting", cli_sp(&sp, "%+.1f dB / %.1f dB", d->gain_db, d->limiting_db)};
        ti[k++] =
            (mm_html_item){"Loudness / true peak", cli_sp(&sp, "%.1f LUFS / %.2f dBTP",
                                                          mval(d->integrated_lufs), mval(d->true_peak_dbtp))};
        if (d->continuous_cut_db > 0.0) /* NaN: no continuous file */
            ti[k++] = (mm_html_item){"Cross-fade in the continuous file",
                                     cli_sp(&sp, "the sum passed %.1f dBTP: lowered by up to %.2f dB inside the overlap",
                                            m->ceiling_dbtp, d->continuous_cut_db)};
        ti[k++] = (mm_html_item){"SHA-256", delivered ? d->file.sha256 : "(not delivered)"};
        s->items = ti;
        s->nitems = k;
        const char **tn = &notes[8 * (i + 1)];
        size_t nn = 0;
        const mm_check_report *cr = tv[i].check;
        for (size_t c = 0; cr && c < cr->count && nn < 8; c++)
            if (cr->results[c].status == MM_CHECK_FAIL || cr->results[c].status == MM_CHECK_WARN)
                tn[nn++] = cli_sp(&sp, "%s %s: %s (%s)", mm_check_status_name(cr->results[c].status),
                                  cr->results[c].id, cr->results[c].measured, cr->results[c].threshold);
        s->notes = tn;
        s->nnotes = nn;
    }
    mm_html_page page = {
        "mixmaster release",
        cli_sp(&sp, "%s - %s; %s", rel->artist, rel->title, ro && ro->tool ? ro->tool : "mixmaster"),
        r.notice[0] ? r.notice : NULL, sec, n + 1};
    html = mm_report_html(&page, &e);
    if (!html) {
        fprintf(stderr, "mixmaster: %s: cannot build the report: %s\n", dir, mm_strerror(e));
        goto out;
    }
    if (cli_report_write(&r, "index.html", html, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", dir, err);
        goto out;
    }
    if (r.notice[0]) fprintf(stderr, "mixmaster: %s\n", r.notice);
    fprintf(stderr, "mixmaster: report: %s/index.html\n", dir);
    rc = 0;
out:
    for (size_t i = 0; xs && ys && i < n; i++) {
        free(xs[i]);
        free(ys[i]);
    }
    free(xs);
    free(ys);
    free(lines);
    free(marks);
    free(env);
    free(sec);
    free(items);
    free(notes);
    mm_report_free(html);
    cli_sp_free(&sp);
    return rc;
}
