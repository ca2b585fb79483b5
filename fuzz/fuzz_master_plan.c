/*
 * Fuzz target: the mastering plan reader, mm_master_plan_from_json (what
 * `mixmaster master --plan P` feeds it). A plan it accepts must survive a
 * round trip: written back with mm_master_plan_to_json, read again, and
 * written again to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/master_report.h"
#include "mixmaster/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    mm_master_plan plan, again;
    char why[256] = "";
    int rc = mm_master_plan_from_json(text, &plan, why, sizeof why);
    if (rc == MM_OK) {
        int e;
        char *j1 = mm_master_plan_to_json(&plan, &e);
        if (!j1) abort();
        if (mm_master_plan_from_json(j1, &again, why, sizeof why) != MM_OK) abort();
        char *j2 = mm_master_plan_to_json(&again, &e);
        if (!j2 || strcmp(j1, j2) != 0) abort();
        mm_report_free(j1);
        mm_report_free(j2);
    } else if (!why[0]) {
        abort(); /* a refusal names what is wrong */
    }
    free(text);
    return 0;
}
