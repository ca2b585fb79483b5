/* Private helpers shared by the report writers. Not installed. */
#ifndef MM_REPORTS_INTERNAL_H
#define MM_REPORTS_INTERNAL_H

#include <cJSON.h>

#include "mixmaster/report.h"

/*
 * Allocation failures while a JSON tree is built. cJSON's Add* calls return
 * NULL (or false) when an allocation fails and the member is then silently
 * missing; a report missing a member must not be returned as complete. The
 * macros below route every Add* and Create* call of reports/ through a check that
 * notes the failure in a per-thread flag (reports are built on any thread,
 * and threading a context through every helper would hide the JSON
 * structure), and free an item that could not be attached. Each top-level
 * writer clears the flag first and fails with MM_ERR_NOMEM when it is set.
 */
void mm__json_begin(void);
int mm__json_failed(void);
cJSON *mm__json_ok(cJSON *item);
/* The printed document, or NULL (freed) when a member went missing. */
char *mm__json_finish(char *printed);

static inline cJSON_bool mm__json_add_item_to_object(cJSON *o, const char *key, cJSON *item)
{
    if (cJSON_AddItemToObject(o, key, item)) return 1;
    cJSON_Delete(item);
    mm__json_ok(NULL);
    return 0;
}

static inline cJSON_bool mm__json_add_item_to_array(cJSON *a, cJSON *item)
{
    if (cJSON_AddItemToArray(a, item)) return 1;
    cJSON_Delete(item);
    mm__json_ok(NULL);
    return 0;
}

/* Attaching frees the item when it fails, so a caller must not free it
 * again: only the files written that way opt in (MM_JSON_ATTACH_FREES). */
#ifdef MM_JSON_ATTACH_FREES
#define cJSON_AddItemToObject(o, k, item) mm__json_add_item_to_object(o, k, item)
#define cJSON_AddItemToArray(a, item) mm__json_add_item_to_array(a, item)
#endif
#define cJSON_AddArrayToObject(o, k) mm__json_ok(cJSON_AddArrayToObject(o, k))
#define cJSON_AddObjectToObject(o, k) mm__json_ok(cJSON_AddObjectToObject(o, k))
#define cJSON_AddBoolToObject(o, k, b) mm__json_ok(cJSON_AddBoolToObject(o, k, b))
#define cJSON_AddNullToObject(o, k) mm__json_ok(cJSON_AddNullToObject(o, k))
#define cJSON_AddNumberToObject(o, k, v) mm__json_ok(cJSON_AddNumberToObject(o, k, v))
#define cJSON_AddStringToObject(o, k, v) mm__json_ok(cJSON_AddStringToObject(o, k, v))
#define cJSON_CreateObject() mm__json_ok(cJSON_CreateObject())
#define cJSON_CreateArray() mm__json_ok(cJSON_CreateArray())
#define cJSON_CreateNumber(v) mm__json_ok(cJSON_CreateNumber(v))
#define cJSON_CreateNull() mm__json_ok(cJSON_CreateNull())
#define cJSON_CreateString(v) mm__json_ok(cJSON_CreateString(v))

/* A number rounded to `digits` decimals, or null when not finite. */
void mm__json_num(cJSON *o, const char *key, double v, int digits);
/* A measure: the value, or null plus an entry in the object's "null_reasons". */
void mm__json_measure(cJSON *o, const char *key, mm_measure m, int digits);
/* An array of measures (null where there is no value). */
cJSON *mm__json_measure_array(const mm_measure *m, size_t n, int digits);
/* The analysis object of one file, as in the analysis report. */
cJSON *mm__report_file_json(const mm_file_result *fr, const mm_report_options *opt);
/* Move every member of `from` to the end of `to`, in order. */
void mm__json_move_members(cJSON *to, cJSON *from);

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
/* The text (the caller frees it), or NULL with *err = MM_ERR_NOMEM when an
 * append failed (the buffer is then freed). */
char *mm__sb_finish(mm__strbuf *b, int *err);

#endif
