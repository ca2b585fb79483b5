/* Number parsing for command-line options: whole strings only. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cli.h"

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
