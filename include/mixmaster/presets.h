/*
 * mixmaster/presets.h - delivery targets (integrated loudness and true-peak
 * ceiling of streaming platforms and broadcast standards) and the built-in
 * tonal target curve used when no reference track is given.
 *
 * The table is static and read-only: no create/destroy, safe from any
 * thread. Names are lower-case ("spotify", "ebu-r128", ...).
 */
#ifndef MIXMASTER_PRESETS_H
#define MIXMASTER_PRESETS_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_preset {
    const char *name;         /**< "spotify", "apple", ... */
    const char *description;  /**< one line for --list-presets */
    /** 1 when the target normalizes to `integrated_lufs`; 0 for targets
     *  with no normalization (cd), which give only a typical range. */
    int has_loudness_target;
    double integrated_lufs;   /**< target integrated loudness (middle of the range when none) */
    double lufs_low;          /**< acceptable range for a delivered master, LUFS */
    double lufs_high;
    double true_peak_dbtp;    /**< ceiling */
    /** A master louder than `loud_lufs` must meet `loud_true_peak_dbtp`
     *  instead (Spotify: -2 dBTP above -14 LUFS). Equal to the ceiling when
     *  the target has no such rule. */
    double loud_lufs;
    double loud_true_peak_dbtp;
    const char *source;       /**< where the numbers come from */
} mm_preset;

/** Number of built-in presets. */
size_t mm_preset_count(void);

/** The i-th preset (0 <= i < mm_preset_count()), NULL past the end. */
const mm_preset *mm_preset_at(size_t i);

/** The preset called `name` (case-insensitive), or NULL. */
const mm_preset *mm_preset_find(const char *name);

/** The true-peak ceiling that applies to a master of the given integrated
 *  loudness (the stricter one when it is louder than loud_lufs). */
double mm_preset_ceiling_dbtp(const mm_preset *p, double integrated_lufs);

/**
 * The built-in tonal target: a smooth long-term average spectrum of a
 * modern, fairly bright pop/electronic master, in dB relative to the level
 * at 1 kHz, for the mid (M = (L+R)/2) and the side (S = (L-R)/2) signals,
 * on the same 1/3-octave scale as mm_analysis bands (a band level is the
 * power in the band, so pink noise reads flat). The mid rises to +6 dB at
 * 63 Hz, falls about 2 dB per octave to 1 kHz, 2.5 dB per octave to 8 kHz,
 * then rolls off above 16 kHz and below 30 Hz (interpolated linearly in
 * log-frequency between the points listed in analyze/presets.c). Its
 * four-band balance (mm_analysis tonal bands) is -1.7, -6.0, -12.8 and
 * -17.7 dB. The side sits 10 dB under the mid and falls a further 6 dB per
 * octave below 300 Hz, so the low end stays mono. Only the shape matters:
 * callers align it to the measured level of the programme.
 */
double mm_target_mid_db(double hz);
double mm_target_side_db(double hz);

#ifdef __cplusplus
}
#endif
#endif
