/* Private helpers shared by the report writers. Not installed. */
#ifndef MM_REPORTS_INTERNAL_H
#define MM_REPORTS_INTERNAL_H

#include <cJSON.h>

#include "mixmaster/report.h"

/* A number rounded to `digits` decimals, or null when not finite. */
void mm__json_num(cJSON *o, const char *key, double v, int digits);
/* A measure: the value, or null plus an entry in the object's "null_reasons". */
void mm__json_measure(cJSON *o, const char *key, mm_measure m, int digits);
/* An array of measures (null where there is no value). */
cJSON *mm__json_measure_array(const mm_measure *m, size_t n, int digits);
/* The analysis object of one file, as in the analysis report. */
cJSON *mm__report_file_json(const mm_file_result *fr, const mm_report_options *opt);

/* Growable string; `failed` sticks once an allocation fails. */
typedef struct mm__strbuf {
    char *s;
    size_t len, cap;
    int failed;
} mm__strbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void mm__sb_printf(mm__strbuf *b, const char *fmt, ...);

#endif
