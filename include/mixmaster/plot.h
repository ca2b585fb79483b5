/*
 * mixmaster/plot.h - gnuplot scripts for the report figures.
 *
 * Each function returns a complete gnuplot script (data inline, in
 * heredoc blocks) that draws one figure into `out_path` as PNG or SVG; the
 * caller runs it (`gnuplot` reading the script on its standard input) and
 * frees it with mm_report_free(). Nothing here runs a process or touches a
 * file, so the figures can be produced wherever gnuplot is, and tested.
 *
 * Every figure shares one look: white background, DejaVu Sans, a light
 * grid, the same colour for the same role (line style k is the k-th colour
 * of the palette; style 7 is the grey dashed line used for targets and
 * references), axes labelled with units.
 */
#ifndef MIXMASTER_PLOT_H
#define MIXMASTER_PLOT_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mm_plot_format { MM_PLOT_PNG = 0, MM_PLOT_SVG } mm_plot_format;

typedef struct mm_plot_style {
    mm_plot_format format;
    int width, height;    /**< pixels (SVG: user units) */
    int font_size;        /**< points */
} mm_plot_style;

/** PNG, 1000 x 480, 11 pt. */
mm_plot_style mm_plot_style_default(void);

/** Axes. NaN limits mean automatic. */
typedef struct mm_plot_axes {
    const char *xlabel, *ylabel;
    int logx;             /**< logarithmic x (frequency axes) */
    double xmin, xmax, ymin, ymax;
} mm_plot_axes;

/** Labels and automatic limits. */
mm_plot_axes mm_plot_axes_default(const char *xlabel, const char *ylabel);

/** A line: y[i] at x[i], or at x0 + i * dx when x is NULL. NaN = gap. */
typedef struct mm_plot_line {
    const char *label;
    const double *x;
    const double *y;
    size_t n;
    double x0, dx;
    int style;            /**< 1..8; 7 is the dashed grey reference */
    int points;           /**< draw points as well as lines */
} mm_plot_line;

/** A horizontal reference line (a target level). */
typedef struct mm_plot_hline {
    double y;
    const char *label;
} mm_plot_hline;

/** A vertical mark (a track boundary, an over). */
typedef struct mm_plot_mark {
    double x;
    const char *label;    /**< may be NULL */
} mm_plot_mark;

/** Lines against x, with optional horizontal targets and vertical marks. */
char *mm_plot_lines(const mm_plot_style *style, const char *title, const char *out_path,
                    const mm_plot_axes *axes, const mm_plot_line *lines, size_t nlines,
                    const mm_plot_hline *hlines, size_t nh, const mm_plot_mark *marks, size_t nm, int *err);

/** Grouped bars: values[s * ncat + c] is series s in category c (NaN: no
 *  bar). colors[s] ("#rrggbb") overrides the palette; NULL keeps it. */
char *mm_plot_bars(const mm_plot_style *style, const char *title, const char *out_path, const char *ylabel,
                   const char *const *categories, size_t ncat, const char *const *series, size_t nseries,
                   const char *const *colors, const double *values, const mm_plot_hline *hlines, size_t nh,
                   int *err);

/** Points (x[i], y[i]), each with an optional text label (labels may be
 *  NULL). `square` keeps the axes at the same scale (a goniometer). */
char *mm_plot_points(const mm_plot_style *style, const char *title, const char *out_path,
                     const mm_plot_axes *axes, const double *x, const double *y, size_t n,
                     const char *const *labels, int square, int *err);

/** A matrix as a heat map: values[r * n + c] (NaN: blank cell), rows and
 *  columns named by labels, colour scale from zmin to zmax. */
char *mm_plot_heatmap(const mm_plot_style *style, const char *title, const char *out_path,
                      const char *const *row_labels, const char *const *col_labels, size_t n,
                      const double *values, const char *zlabel, double zmin, double zmax, int *err);

#ifdef __cplusplus
}
#endif
#endif
