/*
 * Fuzz target: the automix plan reader, mm_automix_plan_parse (what
 * `mixmaster automix --plan P` feeds it). A plan it accepts must survive a
 * round trip: written back with mm_automix_plan_json, parsed again, and
 * written again to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/automix_report.h"
#include "mixmaster/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    int e;
    char why[256] = "";
    mm_automix_plan *p = mm_automix_plan_parse(text, &e, why, sizeof why);
    if (p) {
        char *j1 = mm_automix_plan_json(p, &e);
        if (!j1) abort();
        mm_automix_plan *q = mm_automix_plan_parse(j1, &e, why, sizeof why);
        if (!q) abort();
        char *j2 = mm_automix_plan_json(q, &e);
        if (!j2 || strcmp(j1, j2) != 0) abort();
        mm_report_free(j1);
        mm_report_free(j2);
        mm_automix_plan_destroy(q);
        mm_automix_plan_destroy(p);
    } else if (!why[0]) {
        abort(); /* a refusal names what is wrong */
    }
    free(text);
    return 0;
}
