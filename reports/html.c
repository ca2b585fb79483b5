/* A self-contained HTML page for a run: key figures, tables, decisions and
 * figures, with inline CSS and nothing fetched from the network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/report.h"
#include "internal.h"

static void esc(mm__strbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&': mm__sb_printf(b, "&amp;"); break;
        case '<': mm__sb_printf(b, "&lt;"); break;
        case '>': mm__sb_printf(b, "&gt;"); break;
        case '"': mm__sb_printf(b, "&quot;"); break;
        case '\'': mm__sb_printf(b, "&#39;"); break;
        default: mm__sb_printf(b, "%c", *p);
        }
    }
}

/* A status word as a CSS class: only the three known words pass through. */
static const char *status_class(const char *s)
{
    if (!s) return "";
    if (!strcmp(s, "fail")) return "fail";
    if (!strcmp(s, "warn")) return "warn";
    if (!strcmp(s, "pass")) return "pass";
    if (!strcmp(s, "skip")) return "skip";
    return "";
}

static const char css[] =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;"
    "padding:0 1em}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;"
    "margin-top:2em}\n"
    ".sub{color:#666;margin-top:0}.notice{background:#fff4d6;border:1px solid #e0b84c;padding:.5em 1em}\n"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.92em}td,th{border:1px solid #ddd;padding:.3em .6em;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}\n"
    "table.kv td:first-child{color:#555}table.kv td:last-child{font-weight:bold;font-variant-numeric:tabular-nums}\n"
    "tr.fail td{background:#fde2e1}tr.warn td{background:#fff4d6}tr.skip td{color:#999}\n"
    ".badge{display:inline-block;padding:.1em .6em;border-radius:.8em;font-size:.75em;vertical-align:middle;"
    "margin-left:.6em;color:#fff}.badge.fail{background:#c62828}.badge.warn{background:#b8860b}"
    ".badge.pass{background:#2e7d32}\n"
    "ul.notes li{margin:.25em 0}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}"
    "figcaption{color:#555;font-size:.9em}\n";

static void section(mm__strbuf *b, const mm_html_section *s, size_t idx)
{
    mm__sb_printf(b, "<section id=\"s%zu\">\n<h2>", idx);
    esc(b, s->title);
    const char *cls = status_class(s->status);
    if (*cls) mm__sb_printf(b, "<span class=\"badge %s\">%s</span>", cls, cls);
    mm__sb_printf(b, "</h2>\n");
    if (s->nitems && s->items) {
        mm__sb_printf(b, "<table class=\"kv\">\n");
        for (size_t i = 0; i < s->nitems; i++) {
            mm__sb_printf(b, "<tr><td>");
            esc(b, s->items[i].key);
            mm__sb_printf(b, "</td><td>");
            esc(b, s->items[i].value);
            mm__sb_printf(b, "</td></tr>\n");
        }
        mm__sb_printf(b, "</table>\n");
    }
    if (s->nrows && s->ncols && s->cells) {
        mm__sb_printf(b, "<table class=\"grid\">\n");
        if (s->head) {
            mm__sb_printf(b, "<tr>");
            for (size_t c = 0; c < s->ncols; c++) {
                mm__sb_printf(b, "<th>");
                esc(b, s->head[c]);
                mm__sb_printf(b, "</th>");
            }
            mm__sb_printf(b, "</tr>\n");
        }
        for (size_t r = 0; r < s->nrows; r++) {
            const char *rc = s->row_status ? status_class(s->row_status[r]) : "";
            if (*rc) mm__sb_printf(b, "<tr class=\"%s\">", rc);
            else mm__sb_printf(b, "<tr>");
            for (size_t c = 0; c < s->ncols; c++) {
                mm__sb_printf(b, "<td>");
                esc(b, s->cells[r * s->ncols + c]);
                mm__sb_printf(b, "</td>");
            }
            mm__sb_printf(b, "</tr>\n");
        }
        mm__sb_printf(b, "</table>\n");
    }
    if (s->nnotes && s->notes) {
        mm__sb_printf(b, "<ul class=\"notes\">\n");
        for (size_t i = 0; i < s->nnotes; i++) {
            mm__sb_printf(b, "<li>");
            esc(b, s->notes[i]);
            mm__sb_printf(b, "</li>\n");
        }
        mm__sb_printf(b, "</ul>\n");
    }
    for (size_t i = 0; s->figures && i < s->nfigures; i++) {
        mm__sb_printf(b, "<figure><img src=\"");
        esc(b, s->figures[i].file);
        mm__sb_printf(b, "\" alt=\"");
        esc(b, s->figures[i].caption);
        mm__sb_printf(b, "\"><figcaption>");
        esc(b, s->figures[i].caption);
        mm__sb_printf(b, "</figcaption></figure>\n");
    }
    mm__sb_printf(b, "</section>\n");
}

char *mm_report_html(const mm_html_page *page, int *err)
{
    if (!page || (!page->sections && page->nsections)) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm__strbuf b = {NULL, 0, 0, 0};
    mm__sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    esc(&b, page->title);
    mm__sb_printf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
    esc(&b, page->title);
    mm__sb_printf(&b, "</h1>\n");
    if (page->subtitle) {
        mm__sb_printf(&b, "<p class=\"sub\">");
        esc(&b, page->subtitle);
        mm__sb_printf(&b, "</p>\n");
    }
    if (page->notice) {
        mm__sb_printf(&b, "<p class=\"notice\">");
        esc(&b, page->notice);
        mm__sb_printf(&b, "</p>\n");
    }
    for (size_t i = 0; i < page->nsections; i++) section(&b, &page->sections[i], i);
    mm__sb_printf(&b, "</body>\n</html>\n");
    return mm__sb_finish(&b, err);
}
