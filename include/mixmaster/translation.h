/*
 * mixmaster/translation.h - how a mix translates to other playback: the
 * mono fold-down and small speakers (phone, earbuds, laptop, car), each a
 * band-limited playback curve built from RBJ biquads.
 *
 * Streaming: feed the same planar blocks as the analyzer; finish() needs
 * that file's mm_analysis for the spectral part. Loudness through each
 * device is measured in the time domain (the device curve, then a BS.1770
 * meter); its tonal balance is the analysis' long-term 1/3-octave spectrum
 * weighted by the device's power response (the mean of |H|^2 at 8 points
 * across each band). The phone is a single speaker: it plays the mono fold
 * (L+R)/2, measured as dual mono, so a centred mix loses nothing to the
 * fold itself; the other devices play stereo.
 */
#ifndef MIXMASTER_TRANSLATION_H
#define MIXMASTER_TRANSLATION_H

#include <stddef.h>
#include "mixmaster/analyze.h"
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mm_device {
    MM_DEVICE_PHONE = 0,  /**< phone speaker: mono, nothing below ~400 Hz */
    MM_DEVICE_EARBUDS,    /**< unsealed earbuds: thin below 100 Hz, 3 kHz lift */
    MM_DEVICE_LAPTOP,     /**< laptop speakers: nothing below ~250 Hz */
    MM_DEVICE_CAR,        /**< car: cabin gain in the low end, dull top */
    MM_DEVICE_COUNT
} mm_device;

/** "phone", "earbuds", "laptop", "car"; NULL out of range. */
const char *mm_device_name(mm_device d);
/** One line describing the curve. */
const char *mm_device_description(mm_device d);

/** Power response of the device curve in dB at `hz` for `sample_rate`. */
double mm_device_response_db(mm_device d, double sample_rate, double hz);

typedef struct mm_translation_config {
    double sample_rate;  /**< Hz, 8000..384000 */
    int channels;        /**< 1 or 2 */
} mm_translation_config;

mm_translation_config mm_translation_config_default(double sample_rate, int channels);

typedef struct mm_translation_result {
    /** Integrated loudness through the device, and its change from the
     *  original's integrated loudness (negative: quieter). */
    mm_measure device_lufs[MM_DEVICE_COUNT];
    mm_measure device_change_lu[MM_DEVICE_COUNT];
    /** Each tonal band's level relative to the total, through the device,
     *  minus the same for the original stereo playback (dB). */
    mm_measure device_band_change_db[MM_DEVICE_COUNT][MM_TONAL_BANDS];
    /** The same for the mono fold-down (mid only versus mid + side). */
    mm_measure mono_band_change_db[MM_TONAL_BANDS];
} mm_translation_result;

typedef struct mm_translation mm_translation;

mm_translation *mm_translation_create(const mm_translation_config *cfg, int *err);

/** Play `frames` more frames through every device. No allocation. */
int mm_translation_process(mm_translation *t, const float *const in[], size_t frames);

/** Results; `a` is the analysis of the same audio (for the spectra and the
 *  original loudness). */
int mm_translation_finish(const mm_translation *t, const mm_analysis *a, mm_translation_result *out);

void mm_translation_reset(mm_translation *t);
void mm_translation_destroy(mm_translation *t);

#ifdef __cplusplus
}
#endif
#endif
