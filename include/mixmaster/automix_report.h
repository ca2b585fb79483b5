/*
 * mixmaster/automix_report.h - automix plans and reports as JSON.
 *
 * A plan is the editable record of every decision (schema below); it is
 * written with mm_automix_plan_json() and read back, strictly, with
 * mm_automix_plan_parse(): an unknown key, a missing field, a wrong type or a
 * value out of range is an error that names the field ("stems[2].eq[0].q:
 * must be 0.1..20"). Strings returned are owned by the caller (free with
 * mm_report_free from report.h).
 *
 * Plan: {"schema_version": 1, "kind": "mixmaster_automix_plan",
 *        "target_lufs", "peak_target_dbfs", "stems": [
 *          {"name", "role", "role_source", "channels", "silent", "input_lufs",
 *           "target_lufs", "predicted_lufs", "gain_db", "gain_reason",
 *           "fold_to_mono", "input_balance_db", "pan", "pan_reason",
 *           "eq": [{"type": "highpass|cut|carve|peak|lowpass", "freq_hz", "q",
 *                   "gain_db", "reason"}],
 *           "compression": null | {"threshold_db", "ratio", "knee_db",
 *                   "attack_ms", "release_ms", "makeup_db", "reason"},
 *           "ducking": null | {"key" (a stem name), "threshold_db", "ratio",
 *                   "depth_db", "attack_ms", "release_ms", "reason"}}]}
 * Required per stem: name, channels, gain_db, pan, eq, compression, ducking;
 * the rest is informative and may be left out of a hand-written plan.
 */
#ifndef MIXMASTER_AUTOMIX_REPORT_H
#define MIXMASTER_AUTOMIX_REPORT_H

#include <stddef.h>
#include "mixmaster/automix.h"
#include "mixmaster/stems.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_AUTOMIX_PLAN_SCHEMA_VERSION 1

/** The plan as a JSON document. NULL on allocation failure. */
char *mm_automix_plan_json(const mm_automix_plan *plan, int *err);

/** Parse a plan. Returns a new plan (free with mm_automix_plan_destroy) or
 *  NULL with *err set and one line in `why` naming the bad field. */
mm_automix_plan *mm_automix_plan_parse(const char *json, int *err, char *why, size_t whylen);

/** What the command line knew of one stem. */
typedef struct mm_automix_report_stem {
    const char *path;
    int sample_rate_hz;            /**< of the file */
    int resampled;                 /**< resampled to the session rate */
    unsigned long long frames;     /**< of the file, at its own rate */
    mm_measure loudness_after_lufs; /**< measured in the final mix (with master gain) */
    double comp_max_reduction_db, duck_max_reduction_db;
    const char *warning;           /**< one line or NULL */
    const mm_stem_features *features; /**< what the analysis measured (may be NULL) */
} mm_automix_report_stem;

typedef struct mm_automix_report {
    const char *tool;
    const mm_automix_plan *plan;
    const mm_automix_report_stem *stems;  /**< plan->stem_count of them */
    double sample_rate_hz;
    unsigned long long frames;
    const char *output_path;
    mm_measure mix_integrated_lufs;
    double bus_sample_peak_dbfs, bus_true_peak_dbtp; /**< before the master gain */
    double master_gain_db;
    double mix_sample_peak_dbfs, mix_true_peak_dbtp;  /**< after it */
    /** Masking of the input stems (may be NULL), read at unity gain ("as
     *  delivered") and at `balanced_gain_db` (the plan's gain and pan alone,
     *  per stem), and of the rendered stems (may be NULL). */
    const mm_masking *masking_in;
    const double *balanced_gain_db;
    const mm_masking *masking_out;
} mm_automix_report;

/** The report as a JSON document. NULL on allocation failure. */
char *mm_automix_report_json(const mm_automix_report *r, int *err);

#ifdef __cplusplus
}
#endif
#endif
