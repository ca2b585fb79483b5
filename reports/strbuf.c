/* Growable strings for the text reports. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

void mm__sb_printf(mm__strbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len <= (size_t)n) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}


char *mm__sb_finish(mm__strbuf *b, int *err)
{
    if (b->failed) {
        free(b->s);
        b->s = NULL;
        if (err) *err = MM_ERR_NOMEM;
        return NULL;
    }
    if (err) *err = MM_OK;
    return b->s;
}
