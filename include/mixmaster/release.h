/*
 * mixmaster/release.h - album delivery: identifiers, the running order,
 * gaps, trims and fades in exact frames, and the CUE sheet.
 *
 * Recipe (what `mixmaster release` does around its file work):
 *   1. mm_release_parse_json() (report.h side, reports/) reads release.json
 *      into an mm_release and validates it with mm_release_validate().
 *   2. The caller opens each track and learns its length in frames (and,
 *      for "trim": "auto", where the audio starts and ends:
 *      mm_release_audible_range()).
 *   3. mm_release_plan() turns the seconds of the description into frames:
 *      what to cut, how long each fade is, the silence before each track and
 *      where each track starts in the album (aligned to CD sectors on
 *      request). Every length is checked against the track it belongs to.
 *   4. Render each track: cut, gain, limit, then mm_release_fade_apply()
 *      on the delivered frames, then pad with silence to plan.frames.
 *   5. mm_release_cue_write() writes the CUE sheet for the separate files
 *      or for one continuous album file.
 *
 * Times: a CD frame is 1/75 s (Red Book, IEC 60908); CUE sheets count in
 * mm:ss:ff with ff in 0..74. At 44.1 kHz a CD frame (a sector of audio)
 * holds 588 sample frames (44100 / 75), so a track that starts on a sector
 * boundary starts at a multiple of 588 frames.
 *
 * Nothing here reads files, prints or exits.
 */
#ifndef MIXMASTER_RELEASE_H
#define MIXMASTER_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include "mixmaster/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_CD_FRAMES_PER_SECOND 75
#define MM_CD_SAMPLE_RATE 44100
#define MM_CD_SECTOR_FRAMES 588            /**< 44100 / 75 sample frames per CD sector */
#define MM_RELEASE_MAX_TRACKS 99           /**< a CD holds tracks 01..99 */
#define MM_RELEASE_MAX_GAP_S 60.0          /**< longest silence accepted before a track */
#define MM_RELEASE_DEFAULT_FIRST_GAP_S 2.0 /**< Red Book pregap of track 1 */
#define MM_RELEASE_DEFAULT_GAP_S 2.0       /**< between tracks: the usual burner default */
#define MM_RELEASE_AUTO_TRIM_DBFS (-60.0)  /**< "trim": "auto" cuts what stays below this */

/* ---- identifiers ------------------------------------------------------- */

/**
 * ISRC (ISO 3901): 12 characters CC XXX YY NNNNN - country code (two
 * letters), registrant (three letters or digits), year of reference (two
 * digits), designation (five digits). The hyphenated display form
 * "CC-XXX-YY-NNNNN" is accepted too, lower case is folded.
 * Writes the 12-character form (13 bytes with the NUL) to `out` (may be
 * NULL) and returns MM_OK, or MM_ERR_INVALID_ARG with the reason in
 * `why` (may be NULL; a static string).
 */
int mm_isrc_normalize(const char *isrc, char out[13], const char **why);

/**
 * UPC-A (12 digits) or EAN-13 (13 digits) with its GS1 check digit: the
 * digits are weighted 3, 1, 3, ... from the right (the check digit
 * excluded) and the check digit brings the sum to a multiple of 10.
 * Writes the 13-digit form (a UPC-A gains a leading 0; CUE CATALOG wants
 * 13 digits) to `ean13` (may be NULL). MM_OK or MM_ERR_INVALID_ARG with
 * the reason in `why`.
 */
int mm_upc_normalize(const char *code, char ean13[14], const char **why);

/** The GS1 check digit (0..9) of `n` leading digits, or -1 when one is not a digit. */
int mm_gs1_check_digit(const char *digits, size_t n);

/* ---- fades ------------------------------------------------------------- */

typedef enum mm_fade_curve {
    MM_FADE_LINEAR = 0,  /**< g = x */
    MM_FADE_EQUAL_POWER, /**< g = sin(pi x / 2): two of them crossfade at constant power */
    MM_FADE_S_CURVE,     /**< g = (1 - cos(pi x)) / 2: gentle at both ends */
    MM_FADE_LOG,         /**< linear in dB over 60 dB, lifted to reach 0:
                              g = (10^(3 (x - 1)) - 10^-3) / (1 - 10^-3) */
    MM_FADE_CURVE_COUNT
} mm_fade_curve;

/** "linear", "equal-power", "s-curve", "log"; NULL when out of range. */
const char *mm_fade_curve_name(mm_fade_curve c);
/** By name; MM_ERR_INVALID_ARG when unknown. */
int mm_fade_curve_parse(const char *name, mm_fade_curve *out);

/** The gain of a curve at progress x (clamped to [0, 1]): 0 at x = 0,
 *  exactly 1 at x = 1, rising monotonically in between. */
double mm_fade_gain(mm_fade_curve c, double x);

/**
 * Gain of frame k of a delivered track of `frames` frames with a fade-in
 * of `in` frames and a fade-out of `out` frames (in + out <= frames):
 *   fade-in   k <  in:            c(k / in)          (frame 0 is silent)
 *   fade-out  k >= frames - out:  c((frames - 1 - k) / out)  (the last frame is silent)
 *   otherwise 1.
 * So the fade-in occupies frames [0, in) and the first frame at full gain
 * is `in`; the fade-out occupies [frames - out, frames) and the last frame
 * at full gain is frames - out - 1. Neighbouring gains differ by at most
 * max|c'| / length (1/L linear, pi/(2L) equal-power and s-curve): no step,
 * no click.
 */
double mm_fade_gain_at(mm_fade_curve c, uint64_t k, uint64_t frames, uint64_t in, uint64_t out);

/** Multiply `n` frames of planar audio, which are frames [pos, pos + n)
 *  of the delivered track, by mm_fade_gain_at(). */
void mm_release_fade_apply(float *const ch[], int channels, size_t n, uint64_t pos, mm_fade_curve c,
                           uint64_t frames, uint64_t in, uint64_t out);

/** The first frame whose magnitude (any channel) exceeds `threshold`
 *  (linear), or n when none does. */
size_t mm_release_first_above(const float *const ch[], int channels, size_t n, float threshold);
/** One past the last frame whose magnitude exceeds `threshold`, or 0. */
size_t mm_release_end_above(const float *const ch[], int channels, size_t n, float threshold);

/* ---- the release description ------------------------------------------- */

typedef enum mm_release_trim { MM_TRIM_NONE = 0, MM_TRIM_SECONDS, MM_TRIM_AUTO } mm_release_trim;

typedef struct mm_release_track {
    char *file; /**< as written in release.json */
    char *title;
    char *artist;        /**< NULL: the album's artist */
    char isrc[13];       /**< 12 characters, or "" for none */
    double gap_before_s; /**< NaN: the default (2 s for track 1, 2 s between) */
    mm_release_trim trim;
    double trim_start_s, trim_end_s; /**< MM_TRIM_SECONDS: cut from head and tail */
    double fade_in_s, fade_out_s;
    mm_fade_curve fade_curve;
    double crossfade_s; /**< overlap with the previous track in the continuous file */
    double gain_db;     /**< NaN: the album gain from `album` */
    double target_lufs; /**< NaN: none; else the track alone goes to this level */
} mm_release_track;

typedef struct mm_release {
    char *title;
    char *artist;
    char *genre;  /**< NULL: none */
    int year;     /**< 0: none */
    char upc[14]; /**< 13 digits (EAN-13) or "" */
    size_t count;
    mm_release_track *tracks;
} mm_release;

/** Where a description is wrong: one line for the user. */
typedef struct mm_release_error {
    size_t track;      /**< 1-based; 0 for the album fields */
    char field[64];    /**< "tracks[2].isrc", "upc", ... */
    char message[320]; /**< the whole line, naming field and track */
} mm_release_error;

/** Fill an error (track 0 = album) with a printf-style message. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void mm_release_error_set(mm_release_error *e, size_t track, const char *field, const char *fmt, ...);

/**
 * Strict checks that need no audio: titles present and printable, ISRC
 * and UPC already normalized, times finite and non-negative, gap at most
 * MM_RELEASE_MAX_GAP_S, a crossfade only after track 1, not with a gap,
 * and no longer than the fades it joins. MM_OK or MM_ERR_INVALID_ARG with
 * the first problem in `err`.
 */
int mm_release_validate(const mm_release *r, mm_release_error *err);

/* ---- the plan in frames ------------------------------------------------- */

typedef struct mm_release_plan_config {
    double sample_rate; /**< of every track (they must agree) */
    int cd_align;       /**< 1: 44.1 kHz only; gaps, crossfades and track
                             lengths in whole sectors of 588 frames */
} mm_release_plan_config;

typedef struct mm_release_track_plan {
    uint64_t source_frames;        /**< the input file */
    uint64_t trim_start, trim_end; /**< frames cut from its head and tail */
    uint64_t audio_frames;         /**< source_frames - trims: what is kept */
    uint64_t pad_frames;           /**< silence after it up to a sector boundary */
    uint64_t frames;               /**< delivered length: audio_frames + pad_frames */
    uint64_t fade_in, fade_out;    /**< frames, inside the audio (not the pad) */
    uint64_t gap_before;           /**< silence before the track in the album */
    uint64_t overlap;              /**< frames shared with the previous track (crossfade) */
    uint64_t index00;              /**< album frame where the gap starts (= index01 without gap) */
    uint64_t index01;              /**< album frame where the track starts */
} mm_release_track_plan;

/**
 * Turn the description's seconds into frames (each rounded to the nearest
 * frame; with cd_align gaps and crossfades to the nearest sector and the
 * track padded up to the next sector boundary). `source_frames[i]` is the
 * length of track i; `audible[2 * i]`, `audible[2 * i + 1]` the audible
 * range found for "trim": "auto" (may be NULL when no track uses it).
 * Checks that trims and fades fit inside each track. Writes n plans and
 * the album length (frames) to *album_frames.
 */
int mm_release_plan(const mm_release_plan_config *cfg, const mm_release *r, const uint64_t *source_frames,
                    const uint64_t *audible, mm_release_track_plan *plans, uint64_t *album_frames,
                    mm_release_error *err);

/** Frames to CD frames (1/75 s), rounded to the nearest; exact for
 *  multiples of 588 at 44.1 kHz. */
uint64_t mm_cd_frames(uint64_t frames, double sample_rate);
/** "mm:ss:ff" for a count of CD frames (minutes may exceed 99). */
void mm_cd_time(uint64_t cd_frames, char out[32]);

/**
 * The CUE sheet. With `continuous_file` (not NULL) one FILE holds the
 * album: each TRACK gets INDEX 00 at the start of its gap (when it has
 * one) and INDEX 01 where it starts. Otherwise one FILE per track
 * (`track_files[i]`), INDEX 01 00:00:00 each, and the gap before a track
 * as PREGAP. TITLE, PERFORMER (a track's own when it differs), ISRC,
 * CATALOG (the UPC/EAN), REM DATE and REM GENRE. `file_type` is "WAVE"
 * (also right for FLAC in most players' reading of the format). Double
 * quotes inside text become single quotes (CUE has no escape).
 * Writes at most `cap` bytes (NUL included) and returns the full length,
 * like snprintf; a negative status on bad arguments.
 */
long mm_release_cue_write(char *buf, size_t cap, const mm_release *r, const mm_release_track_plan *plans,
                          double sample_rate, const char *const *track_files, const char *continuous_file,
                          const char *file_type);

#ifdef __cplusplus
}
#endif
#endif
