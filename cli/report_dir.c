/* --report-dir: a folder with the figures (gnuplot), the JSON and an
 * index.html. Every file appears whole or not at all: figures are drawn
 * into a temporary name and renamed, the page is written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

/* Is there an executable `name` on PATH? */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/bin:/bin";
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && n + strlen(name) + 2 < sizeof buf) {
            memcpy(buf, p, n);
            buf[n] = '/';
            strcpy(buf + n + 1, name);
            if (access(buf, X_OK) == 0) return 1;
        }
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    if (strlen(dir) >= sizeof buf) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    strcpy(buf, dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            const char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create folder %s: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "not a folder");
        return -1;
    }
    return 0;
}

int cli_report_open(cli_report *r, const char *dir, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (strlen(dir) + 64 >= sizeof r->dir) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    if (make_dirs(dir, err, errlen) != 0) return -1;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->style = mm_plot_style_default();
    const char *fmt = getenv("MM_PLOT_FORMAT");
    if (fmt && !strcmp(fmt, "svg")) r->style.format = MM_PLOT_SVG;
    r->gnuplot = on_path("gnuplot");
    if (!r->gnuplot)
        snprintf(r->notice, sizeof r->notice,
                 "plots skipped: gnuplot was not found on PATH (install gnuplot-nox); the figures and numbers are in the JSON");
    return 0;
}

const char *cli_report_ext(const cli_report *r)
{
    return r->style.format == MM_PLOT_SVG ? "svg" : "png";
}

int cli_report_temp(cli_report *r, const char *name, char *tmp, size_t tmplen)
{
    if (!r->gnuplot) return -1;
    snprintf(tmp, tmplen, "%s/.%s.tmp.XXXXXX", r->dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        r->failed++;
        return -1;
    }
    close(fd);
    return 0;
}

/* Run gnuplot with `script` on its standard input; 0 when it exits 0. Its
 * own messages go to `log` (a file), read back for the error line. */
static int run_gnuplot(const char *script, const char *logpath, char *err, size_t errlen)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {(char *)"gnuplot", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        snprintf(err, errlen, "cannot run gnuplot: %s", strerror(rc));
        return -1;
    }
    /* a gnuplot that dies early must not kill us with SIGPIPE */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    size_t len = strlen(script), off = 0;
    while (off < len) {
        ssize_t n = write(fds[1], script + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    close(fds[1]);
    sigaction(SIGPIPE, &old, NULL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && off == len) return 0;
    snprintf(err, errlen, "gnuplot failed");
    FILE *f = fopen(logpath, "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (line[0] && strspn(line, " ^") != strlen(line)) snprintf(err, errlen, "gnuplot: %s", line);
        }
        fclose(f);
    }
    return -1;
}

int cli_report_draw(cli_report *r, char *script, const char *tmp, const char *name)
{
    if (!script) {
        unlink(tmp);
        r->failed++;
        return -1;
    }
    char logpath[PATH_MAX], final[PATH_MAX], err[CLI_ERRLEN];
    snprintf(logpath, sizeof logpath, "%s.log", tmp);
    snprintf(final, sizeof final, "%s/%s", r->dir, name);
    int rc = run_gnuplot(script, logpath, err, sizeof err);
    mm_report_free(script);
    unlink(logpath);
    struct stat st;
    if (rc == 0 && (stat(tmp, &st) != 0 || st.st_size == 0)) {
        snprintf(err, sizeof err, "gnuplot wrote nothing");
        rc = -1;
    }
    if (rc == 0) {
        chmod(tmp, 0644);
        if (rename(tmp, final) != 0) {
            snprintf(err, sizeof err, "cannot rename into %.200s: %s", name, strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0) {
        unlink(tmp);
        r->failed++;
        snprintf(r->notice, sizeof r->notice, "some plots failed (%s): %s", name, err);
        return -1;
    }
    r->drawn++;
    return 0;
}

int cli_report_write(cli_report *r, const char *name, const char *text, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    return cli_write_output(path, text, strlen(text), err, errlen);
}

int cli_report_finish(cli_report *r, const char *json_name, const char *json, const mm_html_page *page)
{
    char err[CLI_ERRLEN];
    int st = MM_OK;
    char *html = mm_report_html(page, &st);
    if (!json || !html) {
        fprintf(stderr, "mixmaster: %s: cannot build the report: %s\n", r->dir, mm_strerror(json ? st : MM_ERR_NOMEM));
        mm_report_free(html);
        return -1;
    }
    int rc = 0;
    if (cli_report_write(r, json_name, json, err, sizeof err) != 0 || cli_report_write(r, "index.html", html, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", r->dir, err);
        rc = -1;
    } else {
        if (r->notice[0]) fprintf(stderr, "mixmaster: %s\n", r->notice);
        fprintf(stderr, "mixmaster: report: %s/index.html\n", r->dir);
    }
    mm_report_free(html);
    return rc;
}
