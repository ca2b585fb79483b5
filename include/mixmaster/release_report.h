/*
 * mixmaster/release_report.h - release.json in, the delivery manifest out.
 *
 * release.json ("schema_version": 1 optional):
 *   {
 *     "title": "Album", "artist": "Band", "year": 2026, "genre": "Rock",
 *     "upc": "036000291452",                 UPC-A (12) or EAN-13 (13 digits)
 *     "tracks": [
 *       { "file": "one.wav",                 relative to release.json's folder
 *         "title": "One", "artist": "Guest", artist only when it differs
 *         "isrc": "USRC17607839",            or "US-RC1-76-07839"
 *         "gap_before_s": 2,                 default 2 s (track 1: 0, 2 s with --preset cd)
 *         "trim": "auto" | {"start_s": 0.5, "end_s": 1.0},
 *         "fade_in_s": 0, "fade_out_s": 3,
 *         "fade_curve": "linear|equal-power|s-curve|log",  default equal-power
 *         "crossfade_s": 0,                  overlap with the previous track
 *                                            (continuous file only)
 *         "gain_db": -1.5 | "target_lufs": -14   instead of the album gain
 *       } ]
 *   }
 * The reader is strict: an unknown key, a wrong type, a bad ISRC or UPC,
 * a negative time are errors that name the field and the track
 * ("track 2, tracks[1].isrc: 'US-12' is not an ISRC: ...").
 *
 * Manifest ("kind": "mixmaster_release_manifest", "schema_version": 1):
 * the album, the delivery settings, and per track its file, SHA-256,
 * duration, start in the album (INDEX 01, seconds and frames), gap,
 * trims, fades, gain, final loudness and true peak measured on the
 * delivered file, and its check status; the CUE sheets and the continuous
 * file with their SHA-256.
 */
#ifndef MIXMASTER_RELEASE_REPORT_H
#define MIXMASTER_RELEASE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "mixmaster/release.h"
#include "mixmaster/report.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MM_RELEASE_SCHEMA_VERSION 1

/** Parse and validate (mm_release_validate) a release description.
 *  MM_OK with *out (free with mm_release_free), or MM_ERR_FORMAT /
 *  MM_ERR_INVALID_ARG with the line in err. */
int mm_release_parse_json(const char *text, mm_release **out, mm_release_error *err);
void mm_release_free(mm_release *r); /* NULL ok */

/** A delivered file and its checksum (64 hex digits). */
typedef struct mm_release_file {
    const char *name; /**< inside the release folder; NULL: none */
    const char *sha256;
} mm_release_file;

typedef struct mm_release_delivered {
    mm_release_file file;
    double gain_db;             /**< applied before the limiter */
    double ceiling_dbtp;        /**< the limiter's true-peak ceiling for this track */
    double limiting_db;         /**< the limiter's deepest gain reduction */
    double continuous_cut_db;   /**< in the continuous file, the deepest dip that keeps the
                                     cross-fade into this track under the ceiling (0: none);
                                     NaN: no continuous file */
    mm_measure integrated_lufs; /**< of the delivered file */
    mm_measure true_peak_dbtp;
    const char *check_status; /**< "pass", "warn", "fail" */
    size_t check_fails, check_warns;
} mm_release_delivered;

typedef struct mm_release_manifest {
    const mm_release *release;
    const mm_release_track_plan *plans;
    const mm_release_delivered *tracks;
    double sample_rate;
    int channels, bits;
    const char *format; /**< "wav", "flac" */
    const char *preset; /**< NULL: none */
    double target_lufs; /**< NaN: none */
    double ceiling_dbtp;
    mm_measure album_lufs; /**< the delivered tracks as one programme */
    uint64_t album_frames;
    int cd_aligned, forced;
    mm_release_file cue;                        /**< the CUE sheet of the separate files */
    mm_release_file continuous, continuous_cue; /**< name NULL: not written */
} mm_release_manifest;

/** The manifest as JSON (free with mm_report_free). */
char *mm_report_release_manifest(const mm_release_manifest *m, const mm_report_options *opt, int *err);

#ifdef __cplusplus
}
#endif
#endif
