/*
 * mixmaster/stems.h - what automix needs to know about each stem of a
 * multitrack, and about each pair of stems: per-stem features (loudness
 * judged where the stem plays, ERB-band spectrum, centroid, crest, width,
 * low-end fundamental), the role of a stem (kick, bass, lead vocal...) and
 * the ERB-band masking metric between every ordered pair.
 *
 * Recipe (all stems advance together, block by block):
 *   mm_stem_config sc = mm_stem_config_default(44100, 2);
 *   mm_stem_analyzer *s[n];   s[i] = mm_stem_analyzer_create(&sc_i, &err);
 *   mm_masking *m = mm_masking_create(n, mm_stem_band_count(s[0]), &err);
 *   while (audio) {
 *       for each stem i: mm_stem_analyzer_process(s[i], planar_i, frames);   (same frames for all)
 *       for k in 0..mm_stem_analyzer_frames_ready(s[0])-1:
 *           bands[i] = mm_stem_analyzer_frame_bands(s[i], k);  for each i
 *           mm_masking_add_frame(m, bands);
 *       for each stem i: mm_stem_analyzer_frames_consume(s[i]);
 *   }
 *   mm_stem_features f[n];  mm_stem_analyzer_finish(s[i], &f[i]);
 *   mm_masking_pair(m, a, b, gain_a_db, gain_b_db, 30, 250, NULL, &res);   any gains, after the fact
 *
 * ERB bands (Glasberg and Moore 1990): ERB-number z(f) = 21.4 log10(1 + 0.00437 f).
 * Band k is a triangle on the z axis centred at z(20 Hz) + k * step (step
 * 0.5 ERB by default) reaching zero at the neighbouring centres, so the
 * weights of any frequency sum to 1. Bands stop at 20 kHz or below Nyquist.
 *
 * Masking (DOMAIN.md section 5, STFT 4096 Hann): for the ordered pair A -> B (A masks B), A's band
 * energies are spread -10 dB per ERB upward and -25 dB per ERB downward and
 * lowered by 6 dB to give a masking threshold T_A; the masker-to-signal
 * ratio of a time-frequency cell is MSR = 10 log10(T_A / E_B). A cell counts
 * when B's band lies within 30 dB of B's strongest band in that frame (so a
 * bass's empty treble is not scored) and B's frame is not silent (above
 * zero and within 60 dB of B's loudest frame so far). Each
 * cell's MSR is clipped to 0..20 dB before averaging: M is the mean clipped
 * MSR, MCF the fraction of counted cells with MSR > 0.
 * The analysis keeps, per pair and band, a histogram of the unclipped MSR
 * (1 dB bins, each keeping the sum of its values), so M and MCF can be read
 * back for any pair of gains applied to A and B afterwards: that is how
 * automix predicts the masking of its own balance from one analysis pass.
 * A second histogram holds only the cells of the frames where B is at its
 * peaks (within 6 dB of its loudest frame so far): for a kick, its strokes
 * rather than its decay (mm_masking_pair_peaks). And per pair it keeps B's
 * energy by A's frame level (mm_masking_energy_by_level), which tells what
 * a duck of B keyed by A takes from B's loudness.
 */
#ifndef MIXMASTER_STEMS_H
#define MIXMASTER_STEMS_H

#include <stddef.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most ERB bands a stem analyzer produces (0.5 ERB steps, 20 Hz-20 kHz: 82). */
#define MM_ERB_MAX_BANDS 96

/** 1 dB bins of the 10 ms peak-level distribution kept in the features. */
#define MM_STEM_LEVEL_BINS 64

struct mm_stem_features;

/* ---- roles ------------------------------------------------------------ */

typedef enum mm_role {
    MM_ROLE_UNKNOWN = 0,
    MM_ROLE_KICK,
    MM_ROLE_SNARE,
    MM_ROLE_HATS,           /**< hi-hats and cymbals */
    MM_ROLE_DRUMS,          /**< a kit, overheads or room */
    MM_ROLE_PERC,           /**< small percussion */
    MM_ROLE_BASS,
    MM_ROLE_LEAD_VOCAL,
    MM_ROLE_BACKING_VOCAL,
    MM_ROLE_LEAD,           /**< a lead instrument carrying the melody */
    MM_ROLE_GUITAR,
    MM_ROLE_KEYS,
    MM_ROLE_PAD,
    MM_ROLE_STRINGS,
    MM_ROLE_BRASS,
    MM_ROLE_WOODWINDS,
    MM_ROLE_FX,
    MM_ROLE_COUNT
} mm_role;

/** snake_case name of a role ("kick", "lead_vocal", ...). */
const char *mm_role_name(mm_role role);

/** The role called `name` (exact snake_case names, also "vocal"/"vox" for
 *  lead_vocal). Returns MM_OK or MM_ERR_INVALID_ARG. */
int mm_role_parse(const char *name, mm_role *out);

/** The role a file name suggests ("Kick In.wav", "bvs_2.flac", "gtr-L.aif"):
 *  keywords matched on the lower-cased base name; MM_ROLE_UNKNOWN if none. */
mm_role mm_role_from_filename(const char *path);

/** The role a stem's features suggest when its name says nothing: more than
 *  70 % of the power below 200 Hz -> kick when its 10 ms level swings (spread
 *  over 12 dB), else bass; centroid above 5 kHz -> hats; level spread over
 *  20 dB and crest over 15 dB -> snare with a low body, else perc; else
 *  unknown. `why` (may be NULL) receives the deciding figures. */
mm_role mm_role_from_features(const struct mm_stem_features *f, char *why, size_t whylen);

/** Loudness offset of a role relative to the lead, LU (DOMAIN.md section 5:
 *  backing vocals -2, bass -2.5, guitar -2.5, snare -3, kick -4.5, hats -4,
 *  keys/pad/strings -4, brass/woodwinds -4.5, small percussion -6.5, unknown -4). */
double mm_role_offset_lu(mm_role role);

/* ---- per-stem features ------------------------------------------------- */

typedef struct mm_stem_config {
    double sample_rate;     /**< Hz, 8000..384000 */
    int channels;           /**< 1 or 2 */
    size_t fft_size;        /**< STFT size (default 4096, power of two) */
    size_t hop;             /**< STFT hop (default 1024; DOMAIN.md section 5 says 512: on
                                 the corpus song M moves by 0.09 dB on average and 0.65 dB
                                 at most, MCF by 0.034 at most, for half the cost; see
                                 tests/test_automix_eval.c) */
    double erb_step;        /**< band spacing in ERB (default 0.5) */
    double active_gate_lu;  /**< a 400 ms block below the stem's loudest by more than this
                                 is not "playing" (default 40 LU; then BS.1770's -10 LU
                                 relative gate applies as usual) */
    size_t max_block;       /**< largest `frames` passed to process (default 65536) */
} mm_stem_config;

mm_stem_config mm_stem_config_default(double sample_rate, int channels);

/** Everything automix measures on one stem. Levels of a silent stem are
 *  0 with `silent` set; optional values carry a reason. */
typedef struct mm_stem_features {
    double sample_rate;
    int channels;
    unsigned long long frames;
    int silent;                     /**< no 400 ms block above -70 LUFS */

    mm_measure integrated_lufs;     /**< BS.1770-4 (a mono stem as one channel) */
    mm_measure active_lufs;         /**< BS.1770 gating over the blocks where the stem plays */
    double active_fraction;         /**< share of 400 ms blocks where it plays, 0..1 */
    mm_measure shortterm_max_lufs;
    mm_measure sample_peak_dbfs;
    mm_measure active_rms_dbfs;     /**< 10 ms blocks where it plays, all channels */
    mm_measure crest_db;            /**< sample peak - active RMS */
    /* 10 ms peak level (max |x| over channels) percentiles over the active
     * blocks, dBFS: the level a peak-detecting compressor sees */
    mm_measure peak10_p10_dbfs, peak10_p50_dbfs, peak10_p90_dbfs;
    double peak10_top_dbfs;         /**< 99th percentile of the 10 ms peak levels */
    float peak10_hist[MM_STEM_LEVEL_BINS]; /**< share of the active 10 ms blocks whose peak
                                                lies k..k+1 dB below peak10_top_dbfs */
    mm_measure level_spread_db;     /**< P90 - P10 of the active 10 ms RMS levels */
    double sustain;                 /**< share of active 10 ms blocks within 10 dB of the
                                         active RMS: near 1 for a held note, low for hits */

    /* spectrum (long-term average, sum of the channels' power) */
    int bands;
    double band_hz[MM_ERB_MAX_BANDS];
    double erb_db[MM_ERB_MAX_BANDS]; /**< mean-square power in the band, dB (a full-scale
                                          sine reads -3.01 summed over its bands) */
    double kband_db[MM_ERB_MAX_BANDS]; /**< the same after K-weighting (BS.1770): what a
                                            loudness meter hears of each band */
    mm_measure centroid_hz;
    double low_fraction;            /**< share of power below 200 Hz */
    mm_measure low_cut_hz;          /**< below this lies 0.1 % (-30 dB) of the power */
    mm_measure low_peak_hz;         /**< strongest component 35-120 Hz (kick fundamental) */

    /* stereo */
    mm_measure correlation;         /**< L/R, stereo only */
    mm_measure width_db;            /**< side over mid energy (S = (L-R)/2, M = (L+R)/2) */
    mm_measure balance_db;          /**< K-weighted left over right energy */
    double k_energy[2];             /**< K-weighted mean square per channel (for pan maths) */
    int panned_mono;                /**< stereo whose channels are scaled copies (|corr| >= 0.999) */
} mm_stem_features;

typedef struct mm_stem_analyzer mm_stem_analyzer;

mm_stem_analyzer *mm_stem_analyzer_create(const mm_stem_config *cfg, int *err);

/** Analyse `frames` (<= max_block) frames of planar audio. No allocation.
 *  Completed STFT frames queue up until mm_stem_analyzer_frames_consume(). */
int mm_stem_analyzer_process(mm_stem_analyzer *s, const float *const in[], size_t frames);

/** STFT frames completed and not yet consumed, and the ERB band energies
 *  (mean square, summed over channels, `bands` values) of the k-th of them. */
size_t mm_stem_analyzer_frames_ready(const mm_stem_analyzer *s);
const float *mm_stem_analyzer_frame_bands(const mm_stem_analyzer *s, size_t k);
void mm_stem_analyzer_frames_consume(mm_stem_analyzer *s);

/** Number of ERB bands and their centre frequencies (Hz). */
int mm_stem_band_count(const mm_stem_analyzer *s);
const double *mm_stem_band_hz(const mm_stem_analyzer *s);

/** Fill the features of everything processed so far. */
int mm_stem_analyzer_finish(mm_stem_analyzer *s, mm_stem_features *out);

void mm_stem_analyzer_reset(mm_stem_analyzer *s);
void mm_stem_analyzer_destroy(mm_stem_analyzer *s);

/* ---- masking ------------------------------------------------------------ */

typedef struct mm_masking mm_masking;

/** For `stems` stems (2..64) of `bands` ERB bands (from mm_stem_band_count;
 *  every stem must use the same rate and band layout), band centres `band_hz`. */
mm_masking *mm_masking_create(int stems, int bands, const double *band_hz, int *err);

/** One STFT frame of every stem: band_energy[i] holds `bands` mean-square
 *  band energies of stem i (NULL: stem i is left out, e.g. silent). */
int mm_masking_add_frame(mm_masking *m, const float *const band_energy[]);

typedef struct mm_masking_result {
    double m_db;      /**< mean clipped MSR, 0..20 dB */
    double mcf;       /**< fraction of counted cells with MSR > 0 */
    double cells;     /**< counted cells */
} mm_masking_result;

/** Masking of `a` on `b` (a masks b) with gains gain_a_db and gain_b_db
 *  applied to the stems, over the bands whose centre lies in
 *  [lo_hz, hi_hz]. `band_shift_db` (may be NULL) adds a per-band change of
 *  A's level (an EQ on the masker) on top of gain_a_db. */
int mm_masking_pair(const mm_masking *m, int a, int b, double gain_a_db, double gain_b_db,
                    double lo_hz, double hi_hz, const double *band_shift_db, mm_masking_result *out);

/** The same over B's peaks only: the frames where B lies within 6 dB of its
 *  loudest frame so far (a kick's strokes, not its decay). This is where a
 *  cut or a duck on A can help B, and where they show: automix judges
 *  kick/bass masking by it. Same arguments as mm_masking_pair. */
int mm_masking_pair_peaks(const mm_masking *m, int a, int b, double gain_a_db, double gain_b_db,
                          double lo_hz, double hi_hz, const double *band_shift_db, mm_masking_result *out);

/** How b's energy falls over a's level: share[k] (k = 0..bins-2) is the
 *  share of b's energy (summed over its bands, every frame) in the frames
 *  where a's level (its strongest band, in 1 dB bins) lies k bins below
 *  the bin of a's loudest frame, i.e. k-1..k+1 dB below it; share[bins-1]
 *  holds the rest (a lower, silent or left out). The shares sum to 1, or
 *  are all 0 when b is silent. What a duck of b keyed by a takes from b's
 *  loudness follows from it. bins >= 2. */
int mm_masking_energy_by_level(const mm_masking *m, int a, int b, double *share, int bins);

/** Per band: the mean clipped MSR of a on b (dB) and the counted cells. */
int mm_masking_pair_bands(const mm_masking *m, int a, int b, double gain_a_db, double gain_b_db,
                          double *msr_db, double *cells);

/** Frames added so far. */
unsigned long long mm_masking_frames(const mm_masking *m);

void mm_masking_reset(mm_masking *m);
void mm_masking_destroy(mm_masking *m);

#ifdef __cplusplus
}
#endif
#endif
