/* Command-line arguments: one option and its value, numbers as whole strings only. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_next_arg(int argc, char **argv, int *i, const char *const *takes_value, char name[32], const char **val)
{
    const char *a = argv[*i];
    const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
    *val = NULL;
    if (eq && (size_t)(eq - a) < 32) {
        memcpy(name, a, (size_t)(eq - a));
        name[eq - a] = 0;
        *val = eq + 1;
    } else {
        snprintf(name, 32, "%s", a);
    }
    if (*val) return 0;
    for (const char *const *t = takes_value; *t; t++)
        if (!strcmp(name, *t)) {
            if (*i + 1 >= argc) return -1;
            *val = argv[++*i];
            return 0;
        }
    return 0;
}

int cli_parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == 0 || *end != 0 || v < -1000000 || v > 1000000) return -1;
    *out = (int)v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *s == 0 || *end != 0 || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cli_usage_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}
