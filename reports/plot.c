/*
 * gnuplot scripts for the report figures. See include/mixmaster/plot.h.
 * Data go inline as heredoc blocks ($D0 << EOD ... EOD); strings are
 * written as gnuplot single-quoted strings (a quote doubled) with the
 * terminal in plain-text mode, so file names and titles print as they are.
 */
#include "mixmaster/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/report.h"
#include "internal.h"

static const char *const palette[8] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                       "#9467bd", "#8c564b", "#7f7f7f", "#17becf"};

mm_plot_style mm_plot_style_default(void)
{
    mm_plot_style s = {MM_PLOT_PNG, 1000, 480, 11};
    return s;
}

mm_plot_axes mm_plot_axes_default(const char *xlabel, const char *ylabel)
{
    mm_plot_axes a = {xlabel, ylabel, 0, NAN, NAN, NAN, NAN};
    return a;
}

/* 'text' with quotes doubled; control characters become spaces. */
static void quoted(mm__strbuf *b, const char *s)
{
    mm__sb_printf(b, "'");
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\'') mm__sb_printf(b, "''");
        else if ((unsigned char)*p < 0x20) mm__sb_printf(b, " ");
        else mm__sb_printf(b, "%c", *p);
    }
    mm__sb_printf(b, "'");
}

static void num(mm__strbuf *b, double v)
{
    if (isfinite(v)) mm__sb_printf(b, "%.7g", v);
    else mm__sb_printf(b, "NaN");
}

static int style_ok(const mm_plot_style *s)
{
    return s && s->width >= 100 && s->width <= 10000 && s->height >= 100 && s->height <= 10000 &&
           s->font_size >= 4 && s->font_size <= 72 && (s->format == MM_PLOT_PNG || s->format == MM_PLOT_SVG);
}

/* Terminal, output and the shared look. */
static void preamble(mm__strbuf *b, const mm_plot_style *s, const char *title, const char *out)
{
    if (s->format == MM_PLOT_SVG)
        mm__sb_printf(b, "set terminal svg size %d,%d noenhanced font 'DejaVu Sans,%d' background rgb 'white'\n",
                      s->width, s->height, s->font_size);
    else
        mm__sb_printf(b, "set terminal pngcairo size %d,%d noenhanced font 'DejaVu Sans,%d' background rgb 'white'\n",
                      s->width, s->height, s->font_size);
    mm__sb_printf(b, "set output ");
    quoted(b, out);
    mm__sb_printf(b, "\nset encoding utf8\n"
                     "set border 3 lw 1 lc rgb '#444444'\nset tics nomirror out\n"
                     "set grid xtics ytics lc rgb '#dddddd' lw 1 dt 1\n"
                     "set key outside right top vertical box lc rgb '#bbbbbb'\n");
    for (int i = 0; i < 8; i++)
        mm__sb_printf(b, "set style line %d lc rgb '%s' lw %s%s\n", i + 1, palette[i], i == 6 ? "1.5" : "2",
                      i == 6 ? " dt 2" : "");
    mm__sb_printf(b, "set title ");
    quoted(b, title);
    mm__sb_printf(b, " font ',%d'\n", s->font_size + 2);
}

static void axes_cmds(mm__strbuf *b, const mm_plot_axes *ax)
{
    if (!ax) return;
    if (ax->xlabel) {
        mm__sb_printf(b, "set xlabel ");
        quoted(b, ax->xlabel);
        mm__sb_printf(b, "\n");
    }
    if (ax->ylabel) {
        mm__sb_printf(b, "set ylabel ");
        quoted(b, ax->ylabel);
        mm__sb_printf(b, "\n");
    }
    if (ax->logx) mm__sb_printf(b, "set logscale x 10\nset format x '%%g'\n");
    mm__sb_printf(b, "set xrange [");
    if (isfinite(ax->xmin)) num(b, ax->xmin);
    mm__sb_printf(b, ":");
    if (isfinite(ax->xmax)) num(b, ax->xmax);
    mm__sb_printf(b, "]\nset yrange [");
    if (isfinite(ax->ymin)) num(b, ax->ymin);
    mm__sb_printf(b, ":");
    if (isfinite(ax->ymax)) num(b, ax->ymax);
    mm__sb_printf(b, "]\n");
}

static char *invalid(int *err)
{
    if (err) *err = MM_ERR_INVALID_ARG;
    return NULL;
}

char *mm_plot_lines(const mm_plot_style *style, const char *title, const char *out_path,
                    const mm_plot_axes *axes, const mm_plot_line *lines, size_t nlines,
                    const mm_plot_hline *hlines, size_t nh, const mm_plot_mark *marks, size_t nm, int *err)
{
    if (!style_ok(style) || !out_path || (!lines && nlines) || (!hlines && nh) || (!marks && nm)) return invalid(err);
    for (size_t i = 0; i < nlines; i++)
        if (!lines[i].y && lines[i].n) return invalid(err);
    mm__strbuf b = {NULL, 0, 0, 0};
    preamble(&b, style, title, out_path);
    axes_cmds(&b, axes);
    for (size_t i = 0; i < nlines; i++) {
        mm__sb_printf(&b, "$D%zu << EOD\n", i);
        for (size_t k = 0; k < lines[i].n; k++) {
            const double x = lines[i].x ? lines[i].x[k] : lines[i].x0 + (double)k * lines[i].dx;
            num(&b, x);
            mm__sb_printf(&b, " ");
            num(&b, lines[i].y[k]);
            mm__sb_printf(&b, "\n");
        }
        mm__sb_printf(&b, "EOD\n");
    }
    for (size_t i = 0; i < nm; i++) {
        mm__sb_printf(&b, "set arrow from ");
        num(&b, marks[i].x);
        mm__sb_printf(&b, ", graph 0 to ");
        num(&b, marks[i].x);
        mm__sb_printf(&b, ", graph 1 nohead lc rgb '#999999' lw 1 dt 3\n");
        if (marks[i].label) {
            mm__sb_printf(&b, "set label ");
            quoted(&b, marks[i].label);
            mm__sb_printf(&b, " at ");
            num(&b, marks[i].x);
            mm__sb_printf(&b, ", graph 0.97 left offset 0.3,0 font ',%d' tc rgb '#555555'\n", style->font_size - 2);
        }
    }
    mm__sb_printf(&b, "plot ");
    size_t items = 0;
    for (size_t i = 0; i < nlines; i++) {
        const int ls = lines[i].style >= 1 && lines[i].style <= 8 ? lines[i].style : (int)(i % 6) + 1;
        mm__sb_printf(&b, "%s$D%zu using 1:2 with %s ls %d%s title ", items++ ? ", \\\n     " : "", i,
                      lines[i].points ? "linespoints" : "lines", ls, lines[i].points ? " pt 7 ps 0.6" : "");
        quoted(&b, lines[i].label);
    }
    for (size_t i = 0; i < nh; i++) {
        mm__sb_printf(&b, "%s", items++ ? ", \\\n     " : "");
        num(&b, hlines[i].y);
        mm__sb_printf(&b, " with lines ls 7 title ");
        quoted(&b, hlines[i].label);
    }
    if (!items) mm__sb_printf(&b, "NaN notitle");
    mm__sb_printf(&b, "\nunset output\n");
    return mm__sb_finish(&b, err);
}

char *mm_plot_bars(const mm_plot_style *style, const char *title, const char *out_path, const char *ylabel,
                   const char *const *categories, size_t ncat, const char *const *series, size_t nseries,
                   const char *const *colors, const double *values, const mm_plot_hline *hlines, size_t nh,
                   int *err)
{
    if (!style_ok(style) || !out_path || !categories || !ncat || !series || !nseries || !values ||
        (!hlines && nh))
        return invalid(err);
    mm__strbuf b = {NULL, 0, 0, 0};
    preamble(&b, style, title, out_path);
    if (ylabel) {
        mm__sb_printf(&b, "set ylabel ");
        quoted(&b, ylabel);
        mm__sb_printf(&b, "\n");
    }
    mm__sb_printf(&b, "set style data histograms\nset style histogram clustered gap 1\n"
                      "set style fill solid 0.85 border lc rgb '#333333'\nset boxwidth 0.9\n"
                      "set xtics rotate by -30 left\nset grid noxtics ytics\n");
    if (ncat > 12) mm__sb_printf(&b, "set xtics font ',%d'\n", style->font_size - 2);
    /* bars grow from 0: the range always holds 0, every bar and every target */
    double lo = 0.0, hi = 0.0;
    for (size_t i = 0; i < ncat * nseries; i++)
        if (isfinite(values[i])) {
            lo = fmin(lo, values[i]);
            hi = fmax(hi, values[i]);
        }
    for (size_t i = 0; i < nh; i++)
        if (isfinite(hlines[i].y)) {
            lo = fmin(lo, hlines[i].y);
            hi = fmax(hi, hlines[i].y);
        }
    const double pad = 0.08 * (hi - lo > 0.0 ? hi - lo : 1.0);
    mm__sb_printf(&b, "set yrange [");
    num(&b, lo < 0.0 ? lo - pad : 0.0);
    mm__sb_printf(&b, ":");
    num(&b, hi > 0.0 ? hi + pad : 0.0);
    mm__sb_printf(&b, "]\n");
    mm__sb_printf(&b, "$D << EOD\n");
    for (size_t c = 0; c < ncat; c++) {
        /* the category as a quoted column: double quotes in it become single */
        mm__sb_printf(&b, "\"");
        for (const char *p = categories[c] ? categories[c] : ""; *p; p++)
            mm__sb_printf(&b, "%c", *p == '"' ? '\'' : ((unsigned char)*p < 0x20 ? ' ' : *p));
        mm__sb_printf(&b, "\"");
        for (size_t s = 0; s < nseries; s++) {
            mm__sb_printf(&b, " ");
            num(&b, values[s * ncat + c]);
        }
        mm__sb_printf(&b, "\n");
    }
    mm__sb_printf(&b, "EOD\n");
    /* targets as arrows across the plot (a histogram's x is the category index) */
    for (size_t i = 0; i < nh; i++) {
        mm__sb_printf(&b, "set arrow from graph 0, first ");
        num(&b, hlines[i].y);
        mm__sb_printf(&b, " to graph 1, first ");
        num(&b, hlines[i].y);
        mm__sb_printf(&b, " nohead ls 7\nset label ");
        quoted(&b, hlines[i].label);
        mm__sb_printf(&b, " at graph 0.01, first ");
        num(&b, hlines[i].y);
        mm__sb_printf(&b, " offset 0,0.6 font ',%d' tc rgb '#555555'\n", style->font_size - 2);
    }
    mm__sb_printf(&b, "plot ");
    for (size_t s = 0; s < nseries; s++) {
        const char *col = colors && colors[s] && colors[s][0] == '#' && strlen(colors[s]) == 7 ? colors[s] : palette[s % 8];
        mm__sb_printf(&b, "%s$D using %zu:xtic(1) lc rgb '%s' title ", s ? ", \\\n     " : "", s + 2, col);
        quoted(&b, series[s]);
    }
    mm__sb_printf(&b, "\nunset output\n");
    return mm__sb_finish(&b, err);
}

char *mm_plot_points(const mm_plot_style *style, const char *title, const char *out_path,
                     const mm_plot_axes *axes, const double *x, const double *y, size_t n,
                     const char *const *labels, int square, int *err)
{
    if (!style_ok(style) || !out_path || ((!x || !y) && n)) return invalid(err);
    mm__strbuf b = {NULL, 0, 0, 0};
    preamble(&b, style, title, out_path);
    axes_cmds(&b, axes);
    if (square) mm__sb_printf(&b, "set size ratio -1\nunset key\n");
    mm__sb_printf(&b, "$D << EOD\n");
    for (size_t i = 0; i < n; i++) {
        num(&b, x[i]);
        mm__sb_printf(&b, " ");
        num(&b, y[i]);
        mm__sb_printf(&b, "\n");
    }
    mm__sb_printf(&b, "EOD\n");
    for (size_t i = 0; labels && i < n; i++) {
        if (!labels[i] || !isfinite(x[i]) || !isfinite(y[i])) continue;
        mm__sb_printf(&b, "set label ");
        quoted(&b, labels[i]);
        mm__sb_printf(&b, " at ");
        num(&b, x[i]);
        mm__sb_printf(&b, ", ");
        num(&b, y[i]);
        mm__sb_printf(&b, " offset 0.6,0.4 font ',%d'\n", style->font_size - 1);
    }
    if (n > 2000) mm__sb_printf(&b, "plot $D using 1:2 with dots lc rgb '%s' notitle\n", palette[0]);
    else mm__sb_printf(&b, "plot $D using 1:2 with points pt 7 ps 1.2 lc rgb '%s' notitle\n", palette[0]);
    mm__sb_printf(&b, "unset output\n");
    return mm__sb_finish(&b, err);
}

char *mm_plot_heatmap(const mm_plot_style *style, const char *title, const char *out_path,
                      const char *const *row_labels, const char *const *col_labels, size_t n,
                      const double *values, const char *zlabel, double zmin, double zmax, int *err)
{
    if (!style_ok(style) || !out_path || !row_labels || !col_labels || !n || !values || !(zmax > zmin))
        return invalid(err);
    mm__strbuf b = {NULL, 0, 0, 0};
    preamble(&b, style, title, out_path);
    mm__sb_printf(&b, "unset key\nset size ratio -1\nset grid noxtics noytics\n"
                      "set palette defined (0 '#f7fbff', 0.5 '#6baed6', 1 '#08306b')\n"
                      "set cbrange [");
    num(&b, zmin);
    mm__sb_printf(&b, ":");
    num(&b, zmax);
    mm__sb_printf(&b, "]\n");
    if (zlabel) {
        mm__sb_printf(&b, "set cblabel ");
        quoted(&b, zlabel);
        mm__sb_printf(&b, "\n");
    }
    mm__sb_printf(&b, "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\nset xtics rotate by -40 left (", n - 1, n - 1);
    for (size_t i = 0; i < n; i++) {
        mm__sb_printf(&b, "%s", i ? ", " : "");
        quoted(&b, col_labels[i]);
        mm__sb_printf(&b, " %zu", i);
    }
    mm__sb_printf(&b, ")\nset ytics (");
    for (size_t i = 0; i < n; i++) {
        mm__sb_printf(&b, "%s", i ? ", " : "");
        quoted(&b, row_labels[i]);
        mm__sb_printf(&b, " %zu", i);
    }
    mm__sb_printf(&b, ")\n$D << EOD\n");
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) {
            mm__sb_printf(&b, "%zu %zu ", c, r);
            num(&b, values[r * n + c]);
            mm__sb_printf(&b, "\n");
        }
    mm__sb_printf(&b, "EOD\n");
    /* the value written in each cell */
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) {
            const double v = values[r * n + c];
            if (!isfinite(v)) continue;
            mm__sb_printf(&b, "set label '%.1f' at %zu,%zu center front font ',%d' tc rgb '%s'\n", v, c, r,
                          style->font_size - 2, (v - zmin) / (zmax - zmin) > 0.6 ? "#ffffff" : "#222222");
        }
    mm__sb_printf(&b, "plot $D using 1:2:3 with image\nunset output\n");
    return mm__sb_finish(&b, err);
}
