/*
 * mixmaster/analyze.h - one streaming pass that measures what a mix or
 * mastering engineer looks at first: loudness, peaks, dynamics, spectrum,
 * stereo image and signal hygiene. Memory does not grow with the length of
 * the input (series are kept at a bounded number of points).
 *
 * Recipe:
 *   mm_analyze_config cfg = mm_analyze_config_default(44100, 2);
 *   mm_analyzer *a = mm_analyzer_create(&cfg, &err);
 *   while (more audio) mm_analyzer_process(a, planar, frames);
 *   mm_analysis r;
 *   mm_analyzer_finish(a, &r);      r.integrated_lufs.value, r.true_peak_dbtp.value ...
 *   mm_analyzer_destroy(a);         (r's series pointers die with the analyzer)
 *
 * Every quantity that may not exist is an mm_measure: when its `reason` is
 * not MM_REASON_NONE there is no value (silence, too short, not stereo...).
 * Levels follow these conventions:
 *  - dBFS of a sample value: 20 log10 |x|, full scale 1.0.
 *  - RMS in dBFS: 20 log10 sqrt(mean x^2) (a full-scale sine reads -3.01).
 *  - Band levels (1/3 octave, tonal balance): a sine of amplitude A in the
 *    band reads 20 log10 A (AES17 convention), i.e. 10 log10(2 * mean square).
 *  - Mid = (L + R) / 2, side = (L - R) / 2.
 */
#ifndef MIXMASTER_ANALYZE_H
#define MIXMASTER_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include "mixmaster/common.h"
#include "mixmaster/loudness.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_ANALYZE_MAX_CHANNELS MM_LOUDNESS_MAX_CHANNELS
/** 1/3-octave bands 20 Hz .. 20 kHz: centres 1000 * 2^(k/3), k = -17..13. */
#define MM_THIRD_OCTAVE_BANDS 31
/** Tonal balance bands: < 250 Hz, 250 Hz - 2 kHz, 2 - 8 kHz, > 8 kHz. */
#define MM_TONAL_BANDS 4
/** Clipping and over events whose times are kept (the earliest, in time order). */
#define MM_MAX_EVENTS 16

/** Frequency edges of the tonal-balance bands, Hz (5 values: 20 .. 20000). */
extern const double mm_tonal_band_edges_hz[MM_TONAL_BANDS + 1];

typedef struct mm_analyze_config {
    double sample_rate;          /**< Hz, 8000..384000 */
    int channels;                /**< 1..MM_ANALYZE_MAX_CHANNELS */
    int true_peak_oversample;    /**< 4 (default) or 8 */
    int dual_mono;               /**< mono loudness as dual mono (+3.01 dB); default 0 */
    double clip_threshold_dbfs;  /**< |x| at or above counts as clipped; default -0.001 */
    int clip_min_run;            /**< consecutive samples that make a clip; default 2 */
    double over_threshold_dbtp;  /**< interpolated peak above counts as an over; default 0 */
    double silence_threshold_dbfs; /**< leading/trailing silence; default -60 */
    double spectrum_resolution_hz; /**< FFT bin spacing at most this; default 3 */
    size_t series_capacity;      /**< points kept per time series; default 8192 */
    /** Long-term spectrum averaging. 0 (default): every STFT frame counts
     *  the same (the plain long-term average). 1: each frame is weighted by
     *  its own energy (mid + side), so loud sections weigh more than quiet
     *  intros and breakdowns; a steady signal reads the same either way.
     *  Applies to every figure built from the spectrum (bands, tonal
     *  balance, band correlation, the below-120 Hz stereo figures). */
    int spectrum_weighting;
    /** Fraction of each STFT frame the next one shares, 0..0.75. 0.5
     *  (default): Hann frames at half overlap weigh every sample alike.
     *  0: frames back to back, half the cost; the long-term average of a
     *  whole track (thousands of frames) hardly moves (mastering uses it). */
    double spectrum_overlap;
} mm_analyze_config;

mm_analyze_config mm_analyze_config_default(double sample_rate, int channels);

/** A clip or over event: where it starts, how long, which channel. */
typedef struct mm_event {
    double time_s;
    double duration_s;
    int channel;
    double peak_db;   /**< largest level in the event, dBFS or dBTP */
} mm_event;

typedef struct mm_channel_stats {
    mm_measure sample_peak_dbfs;
    mm_measure true_peak_dbtp;   /**< max(true peak, sample peak) */
    mm_measure rms_dbfs;
    mm_measure crest_db;         /**< sample peak - RMS */
    double dc_offset;            /**< mean sample value, linear */
    uint64_t clipped_samples;    /**< samples inside clip runs */
    uint64_t clip_runs;
    uint64_t longest_clip_run;   /**< samples */
    uint64_t overs;              /**< inter-sample over events */
    uint64_t nonfinite_samples;  /**< NaN or Inf (measured as 0) */
} mm_channel_stats;

typedef struct mm_analysis {
    /* format */
    double sample_rate;
    int channels;
    uint64_t frames;
    double duration_s;
    int dual_mono;               /**< the mono loudness convention in use */
    int true_peak_oversample;

    /* loudness (BS.1770-4 / R128) */
    mm_measure integrated_lufs;
    mm_measure loudness_range_lu;
    mm_measure momentary_max_lufs;
    mm_measure shortterm_max_lufs;
    mm_measure sample_peak_dbfs;
    mm_measure true_peak_dbtp;   /**< max(true peak, sample peak) over channels */

    /* dynamics */
    mm_measure plr_db;           /**< true peak - integrated */
    mm_measure psr_db;           /**< true peak - max short-term */
    mm_measure crest_db;         /**< sample peak - RMS (all channels) */
    mm_measure rms_dbfs;         /**< all channels */

    /* spectrum: long-term average, 1/3 octave and four tonal bands */
    double band_center_hz[MM_THIRD_OCTAVE_BANDS];
    mm_measure mid_band_db[MM_THIRD_OCTAVE_BANDS];   /**< mono/multichannel: channel mean */
    mm_measure side_band_db[MM_THIRD_OCTAVE_BANDS];  /**< stereo only */
    mm_measure tonal_mid_db[MM_TONAL_BANDS];  /**< band level relative to 20 Hz-20 kHz total */
    mm_measure tonal_side_db[MM_TONAL_BANDS];
    mm_measure band_correlation[MM_THIRD_OCTAVE_BANDS]; /**< stereo only */

    /* stereo (two channels) */
    mm_measure correlation;       /**< overall, -1..1 */
    mm_measure correlation_low;   /**< below 120 Hz */
    mm_measure correlation_min;   /**< lowest 400 ms window above the silence threshold */
    mm_measure negative_correlation_s; /**< time in windows with correlation < 0 */
    mm_measure side_mid_db;       /**< side energy over mid energy (no value when side is silent) */
    mm_measure side_mid_low_db;   /**< the same below 120 Hz */
    mm_measure balance_db;        /**< left energy over right energy (no value when one is silent) */
    mm_measure mono_fold_lufs;    /**< integrated loudness of (L+R)/2 as dual mono */
    mm_measure mono_loss_db;      /**< integrated - mono_fold (positive = lost) */

    /* hygiene */
    mm_channel_stats ch[MM_ANALYZE_MAX_CHANNELS];
    double dc_offset_max;         /**< largest |DC| over channels, linear */
    uint64_t clipped_samples, clip_runs, longest_clip_run, overs, nonfinite_samples;
    mm_event clip_events[MM_MAX_EVENTS];
    size_t clip_event_count;      /**< events stored (at most MM_MAX_EVENTS) */
    mm_event over_events[MM_MAX_EVENTS];
    size_t over_event_count;
    mm_measure leading_silence_s;
    mm_measure trailing_silence_s;

    /* series (valid until the analyzer is processed again, reset or destroyed).
     * Loudness: LUFS, NaN = no value; correlation: NaN in silent windows. */
    const float *momentary_series;
    const float *shortterm_series;
    size_t loudness_series_count;
    double loudness_series_step_s;
    const float *correlation_series;
    size_t correlation_series_count;
    double correlation_series_step_s;
} mm_analysis;

typedef struct mm_analyzer mm_analyzer;

mm_analyzer *mm_analyzer_create(const mm_analyze_config *cfg, int *err);

/** Analyse `frames` more frames. Any block size; no allocation. */
int mm_analyzer_process(mm_analyzer *a, const float *const in[], size_t frames);

/** Fill *out with the results of everything processed so far. The last
 *  partial spectrum frame is included. May be called more than once. */
int mm_analyzer_finish(mm_analyzer *a, mm_analysis *out);

/** The analyzer's loudness meter (for pooling album or stem-sum loudness
 *  with mm_loudness_integrated_multiple). Owned by the analyzer. */
const mm_loudness *mm_analyzer_loudness(const mm_analyzer *a);

void mm_analyzer_reset(mm_analyzer *a);
void mm_analyzer_destroy(mm_analyzer *a);

#ifdef __cplusplus
}
#endif
#endif
