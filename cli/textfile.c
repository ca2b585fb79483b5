/* Small text inputs (plans, threshold files, release descriptions) read
 * whole, with a size limit so that a wrong path to a huge file is refused
 * instead of filling memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

char *cli_read_text(const char *path, size_t max_bytes, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        if (cap >= max_bytes) {
            snprintf(err, errlen, "larger than %zu MB: too large for %s", max_bytes >> 20, what);
            free(buf);
            fclose(f);
            return NULL;
        }
        char *b2 = realloc(buf, 2 * cap + 1);
        if (!b2) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b2;
        cap *= 2;
    }
    if (!buf) {
        snprintf(err, errlen, "out of memory");
    } else if (ferror(f)) {
        snprintf(err, errlen, "read error");
        free(buf);
        buf = NULL;
    } else {
        buf[n] = 0;
    }
    fclose(f);
    return buf;
}
