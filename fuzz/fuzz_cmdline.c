/*
 * Fuzz target: the command-line parsers of `mixmaster analyze` and
 * `mixmaster check` (cli_analyze_parse, cli_check_parse), which parse and
 * validate without running anything. The input is the argument list, NUL
 * separated; its first byte picks the command. Whatever the arguments, the
 * parser must return a known exit code, a usage error must come with a
 * reason, and accepted options must be in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const int check = data[0] & 1;
    char *buf = malloc(size); /* the arguments, NUL terminated */
    if (!buf) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = 0;
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = check ? "check" : "analyze";
    for (size_t i = 0; i < size - 1 && argc <= MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    char err[CLI_ERRLEN] = "";
    int rc;
    if (check) {
        cli_check_opts o;
        rc = cli_check_parse(argc, argv, &o, err, sizeof err);
        if (rc == CLI_EXIT_OK && !o.help && !o.list_presets && !o.list_thresholds &&
            (o.nfiles == 0 || o.jobs < 1 || !o.format))
            abort();
        cli_check_opts_free(&o);
    } else {
        cli_analyze_opts o;
        rc = cli_analyze_parse(argc, argv, &o, err, sizeof err);
        if (rc == CLI_EXIT_OK && !o.help &&
            (o.nfiles == 0 || o.jobs < 1 || o.jobs > 256 || (o.true_peak != 4 && o.true_peak != 8)))
            abort();
        cli_analyze_opts_free(&o);
    }
    if (rc != CLI_EXIT_OK && rc != CLI_EXIT_USAGE && rc != CLI_EXIT_INPUT) abort();
    if (rc != CLI_EXIT_OK && !err[0]) abort();
    free(buf);
    return 0;
}
