/*
 * mixmaster/check.h - readiness checks: is a mix ready for mastering, or a
 * master ready for delivery?
 *
 * The checks are rules over measurements (mm_analysis, optionally the
 * translation results and codec round trips): each gives a status
 * (pass/warn/fail, or skip when it does not apply), the measured value, the
 * threshold it was held to and where that threshold comes from, a time in
 * the file when the problem has one, and one line of advice.
 *
 * Every threshold is a named parameter ("true_peak.ceiling_dbtp",
 * "dynamics.min_psr_db", ...) with a default and a source;
 * mm_check_config_set() changes one, and the result then names "user" as
 * the source.
 *
 *   mm_check_config cfg;
 *   mm_check_config_default(&cfg, MM_STAGE_MASTER, mm_preset_find("spotify"));
 *   mm_check_config_set(&cfg, "dynamics.min_psr_db", 7.0);
 *   mm_check_inputs in = { .analysis = &r };
 *   mm_check_report rep;
 *   mm_check_run(&cfg, &in, &rep);      rep.results[i] worst first
 */
#ifndef MIXMASTER_CHECK_H
#define MIXMASTER_CHECK_H

#include <stddef.h>
#include "mixmaster/analyze.h"
#include "mixmaster/common.h"
#include "mixmaster/presets.h"
#include "mixmaster/translation.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mm_check_status {
    MM_CHECK_FAIL = 0,  /**< must be fixed */
    MM_CHECK_WARN,      /**< worth a look */
    MM_CHECK_PASS,
    MM_CHECK_SKIP       /**< does not apply (or could not be measured) */
} mm_check_status;

/** "fail", "warn", "pass", "skip". */
const char *mm_check_status_name(mm_check_status s);

typedef enum mm_check_stage {
    MM_STAGE_MIX = 0,  /**< a mix going to mastering */
    MM_STAGE_MASTER    /**< a master going to delivery */
} mm_check_stage;

/** Number of threshold parameters. */
#define MM_CHECK_PARAMS 48

/** Description of parameter i (0 <= i < mm_check_param_count()). */
typedef struct mm_check_param_info {
    const char *key;      /**< "group.name_unit" */
    double default_value;
    const char *unit;
    const char *source;   /**< where the default comes from */
    const char *help;
} mm_check_param_info;

size_t mm_check_param_count(void);
const mm_check_param_info *mm_check_param(size_t i);

typedef struct mm_check_config {
    mm_check_stage stage;
    const mm_preset *preset;     /**< delivery target; NULL: none (stage master uses its ceiling -1 dBTP) */
    double value[MM_CHECK_PARAMS];
    unsigned char user_set[MM_CHECK_PARAMS];
    /** Tonal target: four-band balance (mid, dB relative to the total)
     *  and where it comes from. The default is the built-in curve of
     *  presets.h; a reference track's own balance replaces it. */
    double tonal_target_db[MM_TONAL_BANDS];
    char tonal_target_source[160];
} mm_check_config;

/** Defaults for a stage and (optional) preset. */
void mm_check_config_default(mm_check_config *cfg, mm_check_stage stage, const mm_preset *preset);

/**
 * Set a parameter by key; "check." in front of the key is accepted.
 * MM_ERR_INVALID_ARG for an unknown key or a non-finite value.
 */
int mm_check_config_set(mm_check_config *cfg, const char *key, double value);

/** Use a reference track's analysis as the tonal target. */
int mm_check_config_reference(mm_check_config *cfg, const mm_analysis *reference, const char *name);

/** One lossy codec round trip, measured on the decoded audio. */
typedef struct mm_check_codec {
    const char *name;           /**< "mp3", "opus", "vorbis" */
    double bitrate_kbps;
    mm_measure original_lufs;   /**< the excerpt before encoding */
    mm_measure decoded_lufs;
    mm_measure original_true_peak_dbtp;
    mm_measure decoded_true_peak_dbtp;
} mm_check_codec;

typedef struct mm_check_inputs {
    const mm_analysis *analysis;             /**< required */
    const mm_translation_result *translation; /**< NULL: translation not measured */
    const mm_check_codec *codecs;            /**< NULL or codec_count entries */
    size_t codec_count;
    double codec_excerpt_start_s, codec_excerpt_s; /**< the part that was encoded */
    int bit_depth;   /**< of the file; 0 unknown */
    int is_float;
    int lossy;       /**< the file itself is lossy-coded */
} mm_check_inputs;

#define MM_CHECK_MAX_RESULTS 48

typedef struct mm_check_result {
    char id[40];              /**< "clipping", "tonal.high", "translation.phone", ... */
    mm_check_status status;
    mm_measure value;         /**< the measured figure */
    const char *unit;
    char measured[96];        /**< the figure in words, with details */
    char threshold[96];       /**< what it was held to, in words */
    mm_measure warn_at;       /**< numeric thresholds (no value when not used) */
    mm_measure fail_at;
    mm_measure time_s;        /**< where in the file (first occurrence) */
    char advice[200];
    char source[160];
} mm_check_result;

typedef struct mm_check_report {
    mm_check_result results[MM_CHECK_MAX_RESULTS]; /**< worst first, then in check order */
    size_t count;
    size_t fails, warns, passes, skips;
    mm_check_stage stage;
    const mm_preset *preset;
} mm_check_report;

/** Run every check. MM_ERR_INVALID_ARG when cfg, in or in->analysis is NULL. */
int mm_check_run(const mm_check_config *cfg, const mm_check_inputs *in, mm_check_report *out);

#ifdef __cplusplus
}
#endif
#endif
