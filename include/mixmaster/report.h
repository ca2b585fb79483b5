/*
 * mixmaster/report.h - analysis results as JSON (schema below) or as a
 * readable text summary. The functions return a string owned by the caller
 * (free with mm_report_free); nothing is printed.
 *
 * JSON conventions: snake_case keys with the unit in the name
 * (integrated_lufs, true_peak_dbtp), numbers as numbers, and `null` where a
 * value does not exist; each object that holds a null also has a
 * "null_reasons" object naming why ("silent", "too_short", "not_stereo",
 * "above_nyquist", ...). Never NaN or Infinity. The document carries
 * "schema_version" (MM_REPORT_SCHEMA_VERSION).
 */
#ifndef MIXMASTER_REPORT_H
#define MIXMASTER_REPORT_H

#include <stddef.h>
#include "mixmaster/analyze.h"
#include "mixmaster/album.h"
#include "mixmaster/check.h"
#include "mixmaster/translation.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_REPORT_SCHEMA_VERSION 1

/** What the reader knew of the file (the library does not open files). */
typedef struct mm_file_info {
    const char *path;
    const char *container;  /**< e.g. "WAV", "FLAC"; may be NULL */
    const char *encoding;   /**< e.g. "PCM_24", "FLOAT", "VORBIS"; may be NULL */
    int bit_depth;          /**< 0 when not meaningful (lossy codecs) */
    int is_float;           /**< floating-point samples */
    int lossy;              /**< lossy codec */
} mm_file_info;

/** One file of a batch: either an analysis or an error message. */
typedef struct mm_file_result {
    mm_file_info info;
    const mm_analysis *analysis; /**< NULL when the file failed */
    const char *error;           /**< one line, when analysis is NULL */
} mm_file_result;

typedef struct mm_report_options {
    int include_series;     /**< add the loudness/correlation time series */
    const char *tool;       /**< "mixmaster 0.1.0"; may be NULL */
} mm_report_options;

mm_report_options mm_report_options_default(void);

/** The analysis report of `count` files as a JSON document. NULL on
 *  allocation failure (*err = MM_ERR_NOMEM). */
char *mm_report_analysis_json(const mm_file_result *files, size_t count,
                              const mm_report_options *opt, int *err);

/** One file as one line of JSON (no newline inside, none at the end), for
 *  streaming a batch as JSON Lines: {"schema_version": 1, "tool": ...,
 *  "path": ..., "status": ...} followed by the same members as that file's
 *  entry in mm_report_analysis_json's "files". NULL on allocation failure. */
char *mm_report_analysis_jsonl(const mm_file_result *file, const mm_report_options *opt, int *err);

/** A text summary, a few lines per file. */
char *mm_report_analysis_text(const mm_file_result *files, size_t count,
                              const mm_report_options *opt, int *err);

/** One file of a readiness check: its analysis (or error) and results. */
typedef struct mm_check_file {
    mm_file_result file;
    const mm_check_report *report;            /**< NULL when the file failed */
    const mm_translation_result *translation; /**< may be NULL */
    const mm_check_codec *codecs;             /**< may be NULL */
    size_t codec_count;
    double codec_excerpt_start_s, codec_excerpt_s;
} mm_check_file;

/** The check report as JSON: stage, preset, every threshold with its value
 *  and source, the tonal target, and per file a "checks" array (worst
 *  first) plus the full analysis, translation and codec figures. */
char *mm_report_check_json(const mm_check_config *cfg, const mm_check_file *files, size_t count,
                           const mm_report_options *opt, int *err);

/** One file of a check as one line of JSON (JSON Lines): "schema_version",
 *  "tool", "command", "stage", "preset" (its name or null), then the same
 *  members as the file's entry in mm_report_check_json. The thresholds are
 *  not repeated on every line. */
char *mm_report_check_jsonl(const mm_check_config *cfg, const mm_check_file *file, const mm_report_options *opt,
                            int *err);

/** The check report as text: per file a verdict line, then one line per
 *  check, worst first. `color` adds ANSI colours (for a terminal). */
char *mm_report_check_text(const mm_check_config *cfg, const mm_check_file *files, size_t count,
                           int color, int *err);

/**
 * Read check thresholds from a JSON document: either flat
 * {"true_peak.ceiling_dbtp": -2} or grouped {"true_peak": {"ceiling_dbtp": -2}},
 * optionally inside {"checks": ...}. On error returns MM_ERR_FORMAT with
 * a one-line reason naming the key in `why`.
 */
int mm_check_config_read_json(mm_check_config *cfg, const char *json, char *why, size_t whylen);

/** One track of an album report: its analysis (or error) and figures. */
typedef struct mm_album_file {
    mm_file_result file;
    const mm_album_track *track; /**< NULL when the file failed */
} mm_album_file;

/** The album report as JSON: the album figures, then per track its key
 *  figures, deviations, warnings, suggested gain and full analysis. */
char *mm_report_album_json(const mm_album_config *cfg, const mm_album_result *album, const mm_album_file *files,
                           size_t count, const mm_report_options *opt, int *err);

/** The album report as text: a table, one row per track, then the album. */
char *mm_report_album_text(const mm_album_config *cfg, const mm_album_result *album, const mm_album_file *files,
                           size_t count, int *err);

/** The warnings of one track, one short line each, written into lines[]
 *  (up to max, each up to 160 bytes); returns how many. */
size_t mm_album_track_warnings(const mm_album_config *cfg, const mm_album_result *album, const mm_album_file *f,
                               char lines[][160], size_t max);

/* ---- HTML page ---- */

/** A key figure: "Integrated" -> "-14.2 LUFS". */
typedef struct mm_html_item {
    const char *key;
    const char *value;
} mm_html_item;

/** An image beside the page (a relative file name) with a caption. */
typedef struct mm_html_figure {
    const char *file;
    const char *caption;
} mm_html_figure;

/** One section: a heading with an optional status badge ("pass", "warn",
 *  "fail"), key figures, a table (ncols header cells, then nrows * ncols
 *  cells; row_status, when given, colours each row), free lines (decisions
 *  and their reasons, warnings), and figures. Any part may be empty. */
typedef struct mm_html_section {
    const char *title;
    const char *status;
    const mm_html_item *items;
    size_t nitems;
    const char *const *head;
    size_t ncols;
    const char *const *cells;
    const char *const *row_status;
    size_t nrows;
    const char *const *notes;
    size_t nnotes;
    const mm_html_figure *figures;
    size_t nfigures;
} mm_html_section;

typedef struct mm_html_page {
    const char *title;
    const char *subtitle;  /**< the command line, the date */
    const char *notice;    /**< e.g. "plots skipped: gnuplot not found" */
    const mm_html_section *sections;
    size_t nsections;
} mm_html_page;

/** A self-contained HTML page (inline CSS, no script, no network; images
 *  are referenced by relative name). Text is escaped. */
char *mm_report_html(const mm_html_page *page, int *err);

/** Free a string returned by a mm_report_* function. NULL is a no-op. */
void mm_report_free(char *s);

#ifdef __cplusplus
}
#endif
#endif
