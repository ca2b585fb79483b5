/*
 * mixmaster/album.h - album consistency: the tracks of a record side by
 * side, the album as one programme, and a gain per track so the album
 * plays at an even level.
 *
 * The rule for the gains: the loudest section of each track (its maximum
 * short-term loudness) is brought to one common level, so a listener
 * does not reach for the volume between songs, while quiet songs stay
 * quieter overall than loud ones (their integrated loudness is not forced
 * equal). That common level is chosen so the album as one programme
 * (the tracks' gating blocks pooled, ReplayGain 2.0 style) lands on the
 * preset's integrated target; without a preset, on the median track's
 * loudest section (the album's level does not move).
 */
#ifndef MIXMASTER_ALBUM_H
#define MIXMASTER_ALBUM_H

#include <stddef.h>
#include "mixmaster/analyze.h"
#include "mixmaster/common.h"
#include "mixmaster/loudness.h"
#include "mixmaster/presets.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_album_config {
    const mm_preset *preset;     /**< NULL: no target, keep the album's level */
    double spread_warn_lu;       /**< loudest-section spread that warns; default 2 */
    double tonal_warn_db;        /**< band deviation from the album mean that warns; default 3 */
    double plr_outlier_db;       /**< PLR this far from the album median is an outlier; default 3 */
    double fade_min_drop_lu;     /**< a fade falls at least this much; default 10 */
    double fade_min_s;           /**< and lasts at least this long; default 1 */
} mm_album_config;

mm_album_config mm_album_config_default(const mm_preset *preset);

/** One track in: its analysis (with series) and a loudness meter that
 *  measured the same audio (for the album-as-programme figures). */
typedef struct mm_album_input {
    const char *name;
    const mm_analysis *analysis;
    const mm_loudness *meter;
} mm_album_input;

typedef struct mm_album_track {
    mm_measure loudest_section_lufs;   /**< max short-term */
    double fade_in_s, fade_out_s;      /**< 0: no fade */
    mm_measure tonal_deviation_db[MM_TONAL_BANDS]; /**< from the album mean */
    int tonal_warn;                    /**< a band beyond tonal_warn_db */
    int dynamics_outlier;              /**< PLR far from the album median */
    double suggested_gain_db;
    double predicted_true_peak_dbtp;   /**< true peak + gain, before any limiting */
    double limiting_db;                /**< how far that is over the ceiling (0: none needed) */
} mm_album_track;

typedef struct mm_album_result {
    size_t count;
    mm_measure album_lufs;             /**< the tracks as one programme */
    mm_measure album_lra_lu;
    double album_peak_dbtp;            /**< highest true peak */
    size_t loudest_track;              /**< by integrated loudness */
    double median_lufs;                /**< of the tracks' integrated loudness */
    double loudest_section_spread_lu;  /**< max - min of the loudest sections */
    int spread_warn;
    double tonal_mean_db[MM_TONAL_BANDS];
    double target_lufs;                /**< the album target (NaN: none) */
    double ceiling_dbtp;               /**< for the limiter when the gains are applied */
    double common_section_lufs;        /**< where every loudest section lands */
    mm_measure album_lufs_after;       /**< the programme with the gains */
    double plr_median_db;
} mm_album_result;

/**
 * Compare `n` tracks. `tracks` receives one entry per input. Tracks without
 * loudness (silent, too short) get no gain (0 dB) and are left out of the
 * album figures. MM_ERR_NO_VALUE when no track has loudness.
 */
int mm_album_analyze(const mm_album_config *cfg, const mm_album_input *in, size_t n, mm_album_track *tracks,
                     mm_album_result *out);

#ifdef __cplusplus
}
#endif
#endif
