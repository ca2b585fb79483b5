/* Readiness check results as text: a verdict line per file, then one line
 * per check, worst first, with the advice where something is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/report.h"
#include "internal.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *label(mm_check_status s)
{
    switch (s) {
    case MM_CHECK_FAIL: return "FAIL";
    case MM_CHECK_WARN: return "WARN";
    case MM_CHECK_PASS: return "pass";
    default: return "skip";
    }
}

static const char *colour(mm_check_status s)
{
    switch (s) {
    case MM_CHECK_FAIL: return RED BOLD;
    case MM_CHECK_WARN: return YELLOW BOLD;
    case MM_CHECK_PASS: return GREEN;
    default: return DIM;
    }
}

static void file_text(mm__strbuf *b, const mm_check_config *cfg, const mm_check_file *f, int color)
{
    if (!f->report || !f->file.analysis) {
        mm__sb_printf(b, "%s\n  error: %s\n", f->file.info.path, f->file.error ? f->file.error : "unknown error");
        return;
    }
    const mm_check_report *r = f->report;
    const mm_check_status v = r->fails ? MM_CHECK_FAIL : r->warns ? MM_CHECK_WARN : MM_CHECK_PASS;
    mm__sb_printf(b, "%s: %s%s%s  (%zu fail, %zu warn, %zu pass; stage %s%s%s)\n", f->file.info.path,
                  color ? colour(v) : "", v == MM_CHECK_FAIL ? "NOT READY" : v == MM_CHECK_WARN ? "READY, WITH WARNINGS" : "READY",
                  color ? RESET : "", r->fails, r->warns, r->passes, cfg->stage == MM_STAGE_MASTER ? "master" : "mix",
                  cfg->preset ? ", preset " : "", cfg->preset ? cfg->preset->name : "");
    size_t skipped = 0;
    for (size_t i = 0; i < r->count; i++) {
        const mm_check_result *c = &r->results[i];
        if (c->status == MM_CHECK_SKIP) {
            skipped++;
            continue;
        }
        mm__sb_printf(b, "  %s%s%s  %-20s %s", color ? colour(c->status) : "", label(c->status), color ? RESET : "",
                      c->id, c->measured);
        if (c->time_s.reason == MM_REASON_NONE && c->status != MM_CHECK_PASS) {
            const double t = c->time_s.value;
            mm__sb_printf(b, " at %d:%06.3f", (int)(t / 60.0), t - 60.0 * (int)(t / 60.0));
        }
        mm__sb_printf(b, "  [%s]", c->threshold);
        if (c->status != MM_CHECK_PASS) mm__sb_printf(b, "  -> %s", c->advice);
        mm__sb_printf(b, "\n");
    }
    if (skipped) {
        mm__sb_printf(b, "  %sskipped:", color ? DIM : "");
        size_t n = 0;
        for (size_t i = 0; i < r->count; i++)
            if (r->results[i].status == MM_CHECK_SKIP)
                mm__sb_printf(b, "%s %s (%s)", n++ ? "," : "", r->results[i].id, r->results[i].measured);
        mm__sb_printf(b, "%s\n", color ? RESET : "");
    }
}

char *mm_report_check_text(const mm_check_config *cfg, const mm_check_file *files, size_t count, int color,
                           int *err)
{
    mm__strbuf b = {NULL, 0, 0, 0};
    if (!cfg || (!files && count)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm__sb_printf(&b, "%s", "");
    for (size_t i = 0; i < count; i++) {
        if (i) mm__sb_printf(&b, "\n");
        file_text(&b, cfg, &files[i], color);
    }
    return mm__sb_finish(&b, err);
}
