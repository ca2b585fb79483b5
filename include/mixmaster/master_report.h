/*
 * mixmaster/master_report.h - the mastering plan as JSON (write and read
 * back, so a plan can be edited and re-applied) and the mastering report
 * (before/after figures and the remaining distance to the target).
 *
 * Plan document ("kind": "mixmaster_master_plan", "schema_version": 1):
 *   target      kind (reference|preset), name, integrated_lufs
 *   settings    amount, eq_range_db, smoothing_octaves
 *   eq          level_offset_db, bands[31]: hz, mid_gain_db, side_gain_db
 *               and their triggers mix_mid_db, target_mid_db, mid_diff_db,
 *               mix_side_db, target_side_db, side_diff_db
 *   width       stereo, side_gain_db, mono_below_hz, low_side_cap_db and the
 *               triggers mix/target side_mid_db, side_mid_low_db
 *   compressor  enabled, threshold_db, ratio, knee_db, attack_ms, release_ms
 *               and the triggers mix/target plr_db, psr_db, close_db
 *   loudness    target_lufs, mix_lufs, gain_db
 *   ceiling     ceiling_dbtp, reason
 *   limiter     lookahead_ms, release_ms
 *   output      bits (16, 24, 32), float, dither (none|tpdf|tpdf_shaped)
 * Numbers are rounded to 4 decimals. A measured trigger that has no value
 * is null, and the object holding it names the reason in "null_reasons".
 *
 * The reader is strict: every setting must be present with the right
 * type and in range; the error names the field ("eq.bands[3].mid_gain_db:
 * expected a number"). Triggers are informative and may be null.
 */
#ifndef MIXMASTER_MASTER_REPORT_H
#define MIXMASTER_MASTER_REPORT_H

#include <stddef.h>
#include "mixmaster/master.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_MASTER_REPORT_SCHEMA_VERSION 1

/** The plan as a JSON document (free with mm_report_free). */
char *mm_master_plan_to_json(const mm_master_plan *plan, int *err);

/** Parse a plan. MM_OK, or MM_ERR_FORMAT with one line in errbuf naming
 *  the field and what is wrong with it. */
int mm_master_plan_from_json(const char *text, mm_master_plan *plan, char *errbuf, size_t errlen);

/** Everything the mastering report shows. */
typedef struct mm_master_result {
    const char *input_path;
    const char *output_path;
    const char *output_container;   /**< "WAV", "FLAC", ... (may be NULL) */
    const char *output_encoding;    /**< "PCM_24", ... (may be NULL) */
    const char *reference_path;     /**< NULL for a preset */
    const mm_master_plan *plan;
    const mm_analysis *before;      /**< the mix */
    const mm_analysis *after;       /**< the master, as written */
    const mm_analysis *reference;   /**< NULL for a preset */
    double gain_db;                 /**< gain before the limiter, as rendered */
    double limiter_max_reduction_db;
    double compressor_max_reduction_db;
    int render_passes;              /**< passes over the mix: analysis, probe, renders */
    size_t latency_frames;          /**< chain latency, compensated */
    long clamped_samples;           /**< samples clamped by the word length */
} mm_master_result;

/** The report as JSON: before, after (and reference) figures, per-band
 *  remaining differences, and pass/fail checks with their thresholds. */
char *mm_master_report_json(const mm_master_result *r, const char *tool, int *err);

#ifdef __cplusplus
}
#endif
#endif
