/* Output files appear whole or not at all: write a temporary file in the
 * same folder (FINAL.tmp.XXXXXX), flush it to disk, then rename it over the
 * final name. A process killed mid-write (SIGKILL, power loss) cannot clean
 * up, so it may leave the temporary file behind, but never a partial file
 * at the final path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n >= k && strcasecmp(path + n - k, suffix) == 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int cli_temp_create(const char *path, char **tmp, char *err, size_t errlen)
{
    size_t n = strlen(path) + 16;
    *tmp = malloc(n);
    if (!*tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* same folder as the target, so rename() cannot cross file systems */
    snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file next to it: %s", strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    /* mkstemp makes the file 0600; give it the mode a plain create would
     * (if that fails the file keeps 0600, which is safe) */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) { /* keep 0600 */ }
    return fd;
}

int cli_same_file(const char *a, const char *b)
{
    if (!a || !b) return 0;
    if (!strcmp(a, b)) return 1;
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int is_stdout(const char *path) { return !path || strcmp(path, "-") == 0; }

int cli_sink_open(cli_sink *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (is_stdout(path)) {
        o->fd = STDOUT_FILENO;
        return 0;
    }
    o->path = path;
    o->fd = cli_temp_create(path, &o->tmp, err, errlen);
    return o->fd < 0 ? -1 : 0;
}

int cli_sink_write(cli_sink *o, const char *data, size_t len)
{
    if (o->err) return -1;
    if (write_all(o->fd, data, len) != 0) {
        o->err = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int cli_sink_commit(cli_sink *o, char *err, size_t errlen)
{
    int e = o->err;
    if (!o->tmp) { /* standard output: nothing to rename */
        memset(o, 0, sizeof *o);
        if (e) {
            snprintf(err, errlen, "cannot write to standard output: %s", strerror(e));
            return -1;
        }
        return 0;
    }
    if (!e && fsync(o->fd) != 0) e = errno;
    if (close(o->fd) != 0 && !e) e = errno;
    if (!e && rename(o->tmp, o->path) != 0) e = errno;
    if (e) {
        unlink(o->tmp);
        snprintf(err, errlen, "cannot write: %s", strerror(e));
    }
    free(o->tmp);
    memset(o, 0, sizeof *o);
    return e ? -1 : 0;
}

void cli_sink_abort(cli_sink *o)
{
    if (o->tmp) {
        close(o->fd);
        unlink(o->tmp);
        free(o->tmp);
    }
    memset(o, 0, sizeof *o);
}

int cli_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    cli_sink o;
    if (cli_sink_open(&o, path, err, errlen) != 0) return -1;
    cli_sink_write(&o, data, len);
    return cli_sink_commit(&o, err, errlen);
}

int cli_write_report(const char *cmd, const char *path, char *doc, int status, int json)
{
    if (!doc) {
        fprintf(stderr, "mixmaster %s: cannot build the report: %s\n", cmd, mm_strerror(status));
        return -1;
    }
    char err[CLI_ERRLEN];
    int rc = json ? cli_write_json(path, doc, err, sizeof err) : cli_write_output(path, doc, strlen(doc), err, sizeof err);
    if (rc != 0) fprintf(stderr, "mixmaster: %s: %s\n", path ? path : "stdout", err);
    mm_report_free(doc);
    return rc != 0 ? -1 : 0;
}

int cli_write_json(const char *path, const char *json, char *err, size_t errlen)
{
    cli_sink o;
    size_t len = strlen(json);
    if (cli_sink_open(&o, path, err, errlen) != 0) return -1;
    cli_sink_write(&o, json, len);
    if (len) cli_sink_write(&o, "\n", 1);
    return cli_sink_commit(&o, err, errlen);
}
