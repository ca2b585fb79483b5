/*
 * Fuzz target: the check threshold reader, mm_check_config_read_json (what
 * `mixmaster check --config FILE` feeds it). Any bytes: valid JSON or not,
 * flat or grouped keys, deep nesting, huge numbers. On success every
 * threshold must still be finite; on failure there must be a reason.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/check.h"
#include "mixmaster/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size + 1);
    if (!json) return 0;
    memcpy(json, data, size);
    json[size] = 0; /* the reader takes a C string, as the command gives it */
    mm_check_config cfg;
    mm_check_config_default(&cfg, (size & 1) ? MM_STAGE_MASTER : MM_STAGE_MIX, NULL);
    char why[256] = "";
    int rc = mm_check_config_read_json(&cfg, json, why, sizeof why);
    if (rc == MM_OK) {
        for (size_t i = 0; i < mm_check_param_count(); i++)
            if (!isfinite(cfg.value[i])) abort();
    } else if (rc != MM_ERR_FORMAT || !why[0]) {
        abort();
    }
    free(json);
    return 0;
}
