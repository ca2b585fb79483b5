/*
 * mixmaster/automix.h - a balanced rough mix from stems, in two steps:
 * decide (features and masking -> a plan of numbers, each move with the
 * measured figure that triggered it) and render (the plan applied to the
 * stems with dsp/ kernels). Plans can be tested, edited and written as JSON
 * (reports/) without any audio.
 *
 * Recipe:
 *   1. Analyse every stem (mixmaster/stems.h): features + masking.
 *   2. mm_automix_config cfg = mm_automix_config_default();
 *      mm_automix_input in[n] = {{"kick", MM_ROLE_KICK, "file_name", &features[0]}, ...};
 *      mm_automix_plan *plan = mm_automix_plan_create(n, &err);
 *      mm_automix_decide(&cfg, in, n, masking, plan);
 *   3. int ch[n] = {...};
 *      mm_automix_renderer *r = mm_automix_renderer_create(plan, ch, 65536, &err);
 *      per block: mm_automix_renderer_stem(r, i, in_i, key_in, frames) for every i
 *                 (independent: may run on several threads), then
 *                 mm_automix_renderer_sum(r, mix, frames);
 *      mm_automix_renderer_bus_peak(r, &sample_dbfs, &true_dbtp);
 *   4. The caller scales mix and stems by mm_automix_master_gain_db() so the
 *      bus peak lands at the plan's peak target (never above it, never clipping).
 *
 * Rules (DOMAIN.md section 5):
 *  - gain: g = target + offset(role) - L, L the stem's loudness where it
 *    plays, corrected for the loudness its pan, EQ and ducking take away;
 *    clamped to gain_min_db..gain_max_db. Silent stems stay at unity.
 *  - pan (constant power): kick, snare, bass, lead vocal, lead and anything
 *    with more than half its power below 200 Hz stay centred; the others
 *    are paired by spectral similarity and put on opposite sides, the
 *    louder of a pair nearer the centre so the L/R balance stays within
 *    `balance_tolerance`, overall and in four bands. A stereo stem whose
 *    channels are scaled copies (a panned mono source) is folded to mono
 *    first, so its pan can be set.
 *  - high-pass (12 dB/oct) an octave below where a stem's power starts (the
 *    frequency under which lies 0.1 %) on all but kick and bass.
 *  - masking cuts on the masker only (for a pair A -> B where B's role is at
 *    least as loud as A's): up to `max_cuts` peaking cuts per stem, Q
 *    `cut_q`, depth min(band MSR, max_cut_db), where M and MCF are high.
 *  - kick/bass, judged at the kick's strokes (the frames within 6 dB of its
 *    loudest, mm_masking_pair_peaks), 30-250 Hz: if MCF > mask_mcf and
 *    M > mask_m_db, cut the bass at the kick fundamental by
 *    min(carve_max_db, M/2), Q 2; if that masking is still predicted after
 *    the cut and the gain that makes it up, and the bass sustains, duck it
 *    from the kick by duck_max_db (5 ms attack, 110 ms release). The kick's
 *    decay, which the bass masks too, is left out: no cut or duck clears it,
 *    so judging it made a second run on automix's own output cut and duck
 *    again. The gain makes up what the duck takes, from where the bass
 *    plays against the kick's level (mm_masking_energy_by_level).
 *  - compression only when the stem's level spread (or crest, for drums) is
 *    outside its role's norm: ratio vocals 4, bass 5, drums 6, other 4,
 *    threshold from the 90th percentile of the 10 ms peak level for 3.5 dB of
 *    gain reduction there, times scaled by the crest factor, make-up that
 *    restores loudness.
 */
#ifndef MIXMASTER_AUTOMIX_H
#define MIXMASTER_AUTOMIX_H

#include <stddef.h>
#include "mixmaster/biquad.h"
#include "mixmaster/common.h"
#include "mixmaster/stems.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_AUTOMIX_MAX_STEMS 32
#define MM_AUTOMIX_MAX_EQ 8
#define MM_AUTOMIX_NAME_LEN 64
#define MM_AUTOMIX_REASON_LEN 240

typedef struct mm_automix_config {
    double target_lufs;        /**< loudness of the lead in the mix (default -23 LUFS) */
    double peak_target_dbfs;   /**< mix-bus true peak at most this (default -6) */
    double gain_min_db, gain_max_db; /**< gain clamp (default -24, +12) */
    double balance_tolerance;  /**< |L/R balance| at most this, 0..1 (default 0.05) */
    double mask_m_db;          /**< masking is high when M above this (default 3 dB) ... */
    double mask_mcf;           /**< ... and MCF above this (default 0.35) */
    int max_cuts;              /**< masking cuts per stem, 0..3 (default 3) */
    double max_cut_db;         /**< depth cap of a masking cut (default 6 dB) */
    double cut_q;              /**< Q of the cuts (default 2) */
    double carve_max_db;       /**< bass-under-kick cut cap (default 3 dB) */
    double duck_min_db, duck_max_db; /**< sidechain ducking depth range (3, 6 dB); the
                                          kick/bass rule ducks by duck_max_db, the depth
                                          that clears its trigger (duck_min_db is not
                                          used by the rules) */
    double duck_attack_ms, duck_release_ms; /**< 5 ms, 110 ms */
    int use_pan, use_highpass, use_cuts, use_carve, use_duck, use_compression; /**< all 1 */
} mm_automix_config;

mm_automix_config mm_automix_config_default(void);

/** One stem as the decision sees it. */
typedef struct mm_automix_input {
    const char *name;             /**< shown in the plan (e.g. the file's base name) */
    mm_role role;
    const char *role_source;      /**< "user", "file_name", "spectrum" (may be NULL) */
    const mm_stem_features *features;
} mm_automix_input;

typedef enum mm_automix_eq_kind {
    MM_AUTOMIX_EQ_HIGHPASS = 0,   /**< high-pass, 2nd order Butterworth (q 0.7071) */
    MM_AUTOMIX_EQ_CUT,            /**< masking cut (peaking) */
    MM_AUTOMIX_EQ_CARVE,          /**< bass-under-kick cut (peaking) */
    MM_AUTOMIX_EQ_PEAK,           /**< a peaking band added by hand */
    MM_AUTOMIX_EQ_LOWPASS         /**< a low-pass added by hand */
} mm_automix_eq_kind;

/** snake_case name of an EQ kind ("highpass", "cut", ...) and its parser. */
const char *mm_automix_eq_kind_name(mm_automix_eq_kind k);
int mm_automix_eq_kind_parse(const char *s, mm_automix_eq_kind *out);

typedef struct mm_automix_eq {
    mm_automix_eq_kind kind;
    double freq_hz, q, gain_db;   /**< gain_db used by peaking kinds (negative = cut) */
    char reason[MM_AUTOMIX_REASON_LEN];
} mm_automix_eq;

typedef struct mm_automix_comp {
    int enabled;
    double threshold_db, ratio, knee_db, attack_ms, release_ms, makeup_db;
    char reason[MM_AUTOMIX_REASON_LEN];
} mm_automix_comp;

typedef struct mm_automix_duck {
    int enabled;
    int key;                      /**< index of the stem that keys the ducking */
    double threshold_db;          /**< on the key's input level, dBFS */
    double ratio, depth_db, attack_ms, release_ms;
    char reason[MM_AUTOMIX_REASON_LEN];
} mm_automix_duck;

typedef struct mm_automix_stem {
    char name[MM_AUTOMIX_NAME_LEN];
    mm_role role;
    char role_source[16];
    int channels;                 /**< of the input stem, 1 or 2 */
    int silent;
    double input_lufs;            /**< loudness where it plays (0 when silent) */
    double target_lufs;           /**< target loudness in the mix (target + role offset) */
    double predicted_lufs;        /**< loudness in the mix the plan predicts (before master gain) */
    double gain_db;
    char gain_reason[MM_AUTOMIX_REASON_LEN];
    int fold_to_mono;             /**< stereo input folded to mono before pan */
    double input_balance_db;      /**< measured L over R energy of a stereo input (0 mono) */
    double pan;                   /**< -1..1, where the stem should sit */
    char pan_reason[MM_AUTOMIX_REASON_LEN];
    int eq_count;
    mm_automix_eq eq[MM_AUTOMIX_MAX_EQ];
    mm_automix_comp comp;
    mm_automix_duck duck;
} mm_automix_stem;

typedef struct mm_automix_plan {
    double target_lufs;
    double peak_target_dbfs;
    double balance;               /**< predicted overall L/R balance, -1 (left) .. 1 (right) */
    double band_balance[4];       /**< the same in <250, 250-2k, 2k-8k, >8k Hz */
    int stem_count;
    mm_automix_stem stem[MM_AUTOMIX_MAX_STEMS];
} mm_automix_plan;

/** A zeroed plan of `stems` stems (1..MM_AUTOMIX_MAX_STEMS), unity gain, centred. */
mm_automix_plan *mm_automix_plan_create(int stems, int *err);
void mm_automix_plan_destroy(mm_automix_plan *p);

/**
 * Decide the plan for `n` stems. `masking` (may be NULL: no masking moves)
 * must hold the same stems in the same order. Overwrites *plan (its
 * stem_count must be n).
 */
int mm_automix_decide(const mm_automix_config *cfg, const mm_automix_input *in, int n,
                      const mm_masking *masking, mm_automix_plan *plan);

/** Check a plan (from JSON or edited by hand) for values out of range.
 *  Returns MM_OK or MM_ERR_INVALID_ARG with the offending field in `why`. */
int mm_automix_plan_validate(const mm_automix_plan *plan, char *why, size_t whylen);

/** Round every number of a plan to the digits its JSON keeps (gains and
 *  pans to 1e-4, frequencies to 0.01 Hz, Q to 1e-4, EQ and dynamics to
 *  1e-3), so that the plan written is exactly the plan rendered. */
void mm_automix_plan_quantize(mm_automix_plan *plan);

/** Power response |H|^2 in dB of a stem's EQ at freq_hz. */
double mm_automix_eq_response_db(const mm_automix_stem *s, double sample_rate, double freq_hz);

/** The channel gains a stem is panned with: `out_left`, `out_right` for a
 *  mono (or folded) stem, or the balance gains of a stereo stem's own
 *  channels (so that it ends at `pan` from where it measured). */
void mm_automix_pan_gains(const mm_automix_stem *s, double *left, double *right);

/** Master gain (dB, <= 0) that brings a bus true peak to the target. */
double mm_automix_master_gain_db(const mm_automix_plan *plan, double bus_true_peak_dbtp);

/* ---- render -------------------------------------------------------------- */

typedef struct mm_automix_renderer mm_automix_renderer;

/** channels[i] of each input stem (1 or 2, as in the plan); blocks of at
 *  most max_block frames. Copies what it needs from the plan. */
mm_automix_renderer *mm_automix_renderer_create(const mm_automix_plan *plan, double sample_rate,
                                                const int channels[], size_t max_block, int *err);

/** Process `frames` of stem i (planar, channels[i]). key_in is the raw input
 *  of the stem that keys its ducking (NULL when the plan has none). The
 *  result is stem i as it sits in the mix (stereo), kept until the next
 *  call for i. Calls for different i may run concurrently. No allocation. */
int mm_automix_renderer_stem(mm_automix_renderer *r, int i, const float *const in[],
                             const float *const key_in[], size_t frames);

/** Stereo output of stem i from its last mm_automix_renderer_stem call. */
const float *const *mm_automix_renderer_stem_output(const mm_automix_renderer *r, int i);

/** Sum every stem's last output into mix[0..1] (frames as in the last stem
 *  calls) and meter the bus. No allocation, no clipping (float bus). */
int mm_automix_renderer_sum(mm_automix_renderer *r, float *const mix[], size_t frames);

/** The bus peaks so far (before any master gain): sample peak dBFS and
 *  true peak dBTP (4x, max of true and sample peak); -INFINITY when silent. */
void mm_automix_renderer_bus_peak(const mm_automix_renderer *r, double *sample_dbfs, double *true_dbtp);

/** Largest and mean gain reduction of stem i's compressor and ducker, dB. */
void mm_automix_renderer_reduction(const mm_automix_renderer *r, int i, double *comp_max_db,
                                   double *duck_max_db);

void mm_automix_renderer_reset(mm_automix_renderer *r);
void mm_automix_renderer_destroy(mm_automix_renderer *r);

#ifdef __cplusplus
}
#endif
#endif
