/*
 * mixmaster/master.h - reference-matched mastering: decide a plan from two
 * analyses (the mix and a reference, or the mix and a delivery preset), then
 * render it with a streaming chain.
 *
 * Recipe:
 *   1. analyse the mix and the reference with mm_analyzer (configure both
 *      with mm_master_analyze_config() so loud sections weigh more);
 *   2. mm_master_options o = mm_master_options_default();  o.amount = 0.8;
 *      mm_master_plan plan;
 *      mm_master_decide(&plan, &mix, &ref, "ref.wav", NULL, &o);   (or NULL, NULL, preset)
 *   3. mm_master_chain *ch = mm_master_chain_create(&plan, fs, channels, &err);
 *      probe pass:  mm_master_chain_probe(ch, in, frames) over the whole mix
 *                   and latency frames of zeros, then
 *                   mm_master_chain_probe_gain(ch, &gain_db, &slope);
 *                   (or over segments of a long mix: before each,
 *                   mm_master_chain_probe_segment(ch, warmup_frames), and
 *                   mm_master_chain_set_input_lufs(ch, mix loudness) once)
 *                   (when neither limiter nor compressor will work, skip it:
 *                   gain_db = plan.gain_db - mm_master_plan_eq_loudness_db(&plan))
 *      render pass: mm_master_chain_reset(ch); mm_master_chain_set_gain_db(ch, gain_db);
 *                   mm_master_chain_process(ch, out, in, frames) over the mix,
 *                   then latency frames of zeros: output frame n of the chain
 *                   is input frame n - mm_master_chain_latency(ch).
 *   4. measure the output; if its loudness misses the target, correct the
 *      gain by miss / slope and render again (the limiter makes loudness a
 *      non-linear function of the gain, so the probe is an estimate).
 *
 * The chain: mid/side linear-phase match EQ (with the width change and the
 * mono-compatible low end as part of the side response) -> compressor
 * (optional) -> gain -> lookahead true-peak limiter. Dither belongs to the
 * writer (dither.h). Mono input uses the mid response only.
 *
 * Decisions (all in mm_master_decide, all recorded with their trigger):
 *  - tonal match: per 1/3-octave band, mid and side, the target spectrum
 *    minus the mix spectrum after aligning their K-weighted levels (so the
 *    EQ shapes, it does not set loudness); smoothed over `smoothing_octaves`,
 *    limited to +-eq_range_db, scaled by amount.
 *  - width: side gain = target side/mid ratio - mix side/mid ratio (dB,
 *    limited to +-6 dB, scaled by amount) above mono_below_hz; below it the
 *    side is never raised past the target's low-end side/mid ratio.
 *  - dynamics: a compressor when the mix's PLR exceeds the target's by more
 *    than 3 dB (the target PLR of a preset is ceiling - target loudness).
 *  - loudness: the target's integrated loudness, reached after the limiter.
 *  - ceiling: -1 dBTP; -2 dBTP when the target is louder than -14 LUFS or
 *    the output is a lossy codec; the preset's own rule when it has one.
 */
#ifndef MIXMASTER_MASTER_H
#define MIXMASTER_MASTER_H

#include <stddef.h>
#include "mixmaster/analyze.h"
#include "mixmaster/common.h"
#include "mixmaster/presets.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_MASTER_PLAN_SCHEMA_VERSION 1
#define MM_MASTER_BANDS MM_THIRD_OCTAVE_BANDS
/** A difference in PLR up to this is "already close": no compressor. */
#define MM_MASTER_PLR_CLOSE_DB 3.0

typedef enum mm_master_target_kind {
    MM_MASTER_TARGET_REFERENCE = 0,
    MM_MASTER_TARGET_PRESET = 1
} mm_master_target_kind;

typedef enum mm_master_dither {
    MM_MASTER_DITHER_NONE = 0,    /**< float output or lossy codec */
    MM_MASTER_DITHER_TPDF = 1,
    MM_MASTER_DITHER_SHAPED = 2   /**< TPDF, noise-shaped (16 bit) */
} mm_master_dither;

/** One 1/3-octave band of the match EQ. *_diff_db is the measured trigger
 *  (target - mix after level alignment; no value when either side has none);
 *  *_gain_db is what is applied at the band centre. */
typedef struct mm_master_band {
    double hz;
    mm_measure mix_mid_db, target_mid_db;   /**< band levels as measured (target aligned) */
    mm_measure mix_side_db, target_side_db;
    mm_measure mid_diff_db, side_diff_db;
    double mid_gain_db;
    double side_gain_db;  /**< includes the width gain and the low-end rule */
} mm_master_band;

typedef struct mm_master_plan {
    int schema_version;
    mm_master_target_kind target_kind;
    char target_name[256];      /**< preset name or reference file name */

    /* knobs the plan was decided with */
    double amount;              /**< 0..1 */
    double eq_range_db;
    double smoothing_octaves;

    /* tonal match */
    double level_offset_db;     /**< target - mix K-weighted spectral level, removed before differencing */
    mm_master_band band[MM_MASTER_BANDS];

    /* stereo width */
    int stereo;                 /**< 0: the mix is mono, no side processing */
    double side_gain_db;        /**< broadband side gain above mono_below_hz */
    double mono_below_hz;
    double low_side_cap_db;     /**< largest side gain allowed below mono_below_hz */
    mm_measure mix_side_mid_db, target_side_mid_db;       /**< triggers */
    mm_measure mix_side_mid_low_db, target_side_mid_low_db;

    /* dynamics */
    int compressor;             /**< 1: use it */
    double comp_threshold_db, comp_ratio, comp_knee_db, comp_attack_ms, comp_release_ms;
    mm_measure mix_plr_db, target_plr_db, mix_psr_db, target_psr_db; /**< triggers */

    /* loudness and peaks */
    double target_lufs;
    mm_measure mix_lufs;
    double gain_db;             /**< first estimate (target - mix); the render refines it */
    double ceiling_dbtp;
    char ceiling_reason[96];
    double limiter_lookahead_ms, limiter_release_ms;

    /* output word length */
    int bits;                   /**< 16, 24, or 32 (float) */
    mm_master_dither dither;
} mm_master_plan;

typedef struct mm_master_options {
    double amount;              /**< 0..1, default 1 */
    double eq_range_db;         /**< 0..24, default 9 */
    double smoothing_octaves;   /**< triangular window half-width, 0..2; default 1/2 */
    double ceiling_dbtp;        /**< NaN (default): decide; else -20..0 */
    int bits;                   /**< 16, 24 (default) or 32 (float) */
    int lossy_output;           /**< the output is a lossy codec (ceiling -2, no dither) */
    double mono_below_hz;       /**< default 120 */
} mm_master_options;

mm_master_options mm_master_options_default(void);

/** The analyzer settings mastering expects: loudness-weighted spectrum,
 *  STFT frames back to back (the long-term average of a track, at half the
 *  cost), no time series. */
mm_analyze_config mm_master_analyze_config(double sample_rate, int channels);

/**
 * Decide a plan. Exactly one of `ref` and `preset` is non-NULL. `ref_name`
 * (may be NULL) names the reference in the plan. Needs the mix's integrated
 * loudness (MM_ERR_NO_VALUE for a silent or too short mix, or reference).
 */
int mm_master_decide(mm_master_plan *plan, const mm_analysis *mix, const mm_analysis *ref,
                     const char *ref_name, const mm_preset *preset, const mm_master_options *opt);

/** Check a plan's numbers are usable (ranges, finite); MM_OK or
 *  MM_ERR_INVALID_ARG. `field` (may be NULL) receives the first bad one. */
int mm_master_plan_validate(const mm_master_plan *plan, const char **field);

/** The loudness change the plan's match EQ makes on the mix, dB, predicted
 *  from the mix's band levels and the band gains, K-weighted (BS.1770-4).
 *  Without limiting or compression, plan.gain_db minus this reaches the
 *  target; the command line renders once with it when the limiter is not
 *  expected to work, and falls back to the probe when that misses. */
double mm_master_plan_eq_loudness_db(const mm_master_plan *plan);

/** The remaining mid and side 1/3-octave distance of an analysis to the
 *  plan's target (DOMAIN.md section 4): RMS over the bands from 31.5 Hz to
 *  16 kHz of (analysis band - target band) after loudness normalisation:
 *  both shifted by the integrated loudness difference against a reference;
 *  by the mean mid difference against a preset curve (it has no absolute
 *  level). A side band more than 60 dB under the mid of the same band
 *  (silence, dither noise) counts as that floor. Per-band differences go
 *  to mid_db/side_db (may be NULL), no value where either side has none. */
int mm_master_distance(const mm_master_plan *plan, const mm_analysis *a, mm_measure *mid_rms_db,
                       mm_measure *side_rms_db, mm_measure mid_db[MM_MASTER_BANDS],
                       mm_measure side_db[MM_MASTER_BANDS]);

/* ---------------------------------------------------------------------- */
/* Render                                                                 */

typedef struct mm_master_chain mm_master_chain;

mm_master_chain *mm_master_chain_create(const mm_master_plan *plan, double sample_rate, int channels, int *err);

/** Render `frames` frames (out may equal in). No allocation. */
int mm_master_chain_process(mm_master_chain *ch, float *const out[], const float *const in[], size_t frames);

/** Probe pass: EQ and compressor only, measuring what the limiter would do
 *  at a range of gains (no output). No allocation. */
int mm_master_chain_probe(mm_master_chain *ch, const float *const in[], size_t frames);

/** Sampled probe: start a segment of the mix (call before feeding it with
 *  mm_master_chain_probe). Its first warmup_frames frames only warm the EQ
 *  and compressor up and are not measured; 400 ms blocks do not span two
 *  segments. Without this call the probe measures everything it is fed. */
int mm_master_chain_probe_segment(mm_master_chain *ch, size_t warmup_frames);

/** The whole mix's integrated loudness (LUFS, from its analysis). After a
 *  sampled probe, mm_master_chain_probe_gain shifts its estimate by how much
 *  louder or quieter the measured segments of the input were than this. */
void mm_master_chain_set_input_lufs(mm_master_chain *ch, double lufs);

/** After a probe pass: the gain (dB) whose limited output reaches the plan's
 *  target loudness, and the estimated loudness slope (LU per dB) there. */
int mm_master_chain_probe_gain(const mm_master_chain *ch, double *gain_db, double *slope);

void mm_master_chain_set_gain_db(mm_master_chain *ch, double gain_db);
double mm_master_chain_gain_db(const mm_master_chain *ch);
size_t mm_master_chain_latency(const mm_master_chain *ch);

/** The match EQ's designed response at hz (mid: ch 0, side: ch 1), dB. */
double mm_master_chain_eq_response_db(const mm_master_chain *ch, int which, double hz);

/** Statistics of the last render: largest limiter and compressor gain
 *  reduction (dB, >= 0). */
double mm_master_chain_limiter_max_db(const mm_master_chain *ch);
double mm_master_chain_compressor_max_db(const mm_master_chain *ch);

/** Clear all signal state (keeps the plan and the gain). */
void mm_master_chain_reset(mm_master_chain *ch);
void mm_master_chain_destroy(mm_master_chain *ch);

#ifdef __cplusplus
}
#endif
#endif
