/*
 * mixmaster/common.h - status codes, version and shared conventions.
 *
 * Conventions used by every mixmaster module:
 *  - Audio is planar 32-bit float: `const float *const in[]` holds one
 *    pointer per channel, each `frames` samples long. Full scale is 1.0.
 *  - Functions that can fail return an `int` status: MM_OK (0) or a
 *    negative MM_ERR_* code. Constructors return the object and report the
 *    status through `int *err` (which may be NULL).
 *  - Every object has create/process/reset/destroy; destroy(NULL) is a
 *    no-op. process() never allocates, prints or exits.
 *  - Units are in the names: _db, _dbfs, _lufs, _lu, _hz, _ms, frames
 *    (one sample per channel) versus samples.
 */
#ifndef MIXMASTER_COMMON_H
#define MIXMASTER_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

#define MM_VERSION_MAJOR 0
#define MM_VERSION_MINOR 1
#define MM_VERSION_PATCH 0

/** Status codes. Negative values are errors; the set is small and stable. */
typedef enum mm_status {
    MM_OK = 0,
    MM_ERR_INVALID_ARG = -1,  /**< an argument or config field is out of range */
    MM_ERR_NOMEM = -2,        /**< an allocation failed */
    MM_ERR_UNSUPPORTED = -3,  /**< valid but not supported (e.g. too many channels) */
    MM_ERR_IO = -4,           /**< reading or writing failed */
    MM_ERR_FORMAT = -5,       /**< the data is not in a format that can be read */
    MM_ERR_NO_VALUE = -6,     /**< the quantity does not exist for this input */
    MM_ERR_STATE = -7         /**< call not valid in the object's current state */
} mm_status;

/** A static, human-readable English text for a status code. Never NULL. */
const char *mm_strerror(int status);

/** "MAJOR.MINOR.PATCH" of the library that is linked. */
const char *mm_version_string(void);

/** Why a measured quantity has no value. */
typedef enum mm_reason {
    MM_REASON_NONE = 0,         /**< the value exists */
    MM_REASON_SILENT,           /**< the signal is silent (below the absolute gate) */
    MM_REASON_TOO_SHORT,        /**< the signal is shorter than the measurement window */
    MM_REASON_NOT_STEREO,       /**< the quantity is defined for two channels only */
    MM_REASON_NOT_MEASURED,     /**< the measurement was not requested */
    MM_REASON_CANCELS,          /**< the mono fold-down cancels to silence */
    MM_REASON_ABOVE_NYQUIST     /**< the frequency band lies above half the sample rate */
} mm_reason;

/** A short snake_case text for a reason ("silent", "too_short", ...). */
const char *mm_reason_string(mm_reason reason);

/** A measured quantity that may not exist. `value` is only meaningful when
 *  `reason == MM_REASON_NONE`; otherwise it is 0. */
typedef struct mm_measure {
    double value;
    mm_reason reason;
} mm_measure;

#ifdef __cplusplus
}
#endif
#endif
