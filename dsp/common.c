/* Status texts and version: the single table mapping codes to words. */
#include "mixmaster/common.h"

#define MM_STR2(x) #x
#define MM_STR(x) MM_STR2(x)

const char *mm_strerror(int status)
{
    switch (status) {
    case MM_OK: return "success";
    case MM_ERR_INVALID_ARG: return "invalid argument";
    case MM_ERR_NOMEM: return "out of memory";
    case MM_ERR_UNSUPPORTED: return "not supported";
    case MM_ERR_IO: return "input/output error";
    case MM_ERR_FORMAT: return "unreadable or corrupt data";
    case MM_ERR_NO_VALUE: return "no value for this input";
    case MM_ERR_STATE: return "call not valid in this state";
    default: return "unknown error";
    }
}

const char *mm_version_string(void)
{
    return MM_STR(MM_VERSION_MAJOR) "." MM_STR(MM_VERSION_MINOR) "." MM_STR(MM_VERSION_PATCH);
}

const char *mm_reason_string(mm_reason reason)
{
    switch (reason) {
    case MM_REASON_NONE: return "none";
    case MM_REASON_SILENT: return "silent";
    case MM_REASON_TOO_SHORT: return "too_short";
    case MM_REASON_NOT_STEREO: return "not_stereo";
    case MM_REASON_NOT_MEASURED: return "not_measured";
    case MM_REASON_CANCELS: return "mono_fold_cancels";
    case MM_REASON_ABOVE_NYQUIST: return "above_nyquist";
    default: return "unknown";
    }
}
