/* mixmaster - command-line front end: parse the command, run it, exit. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: mixmaster COMMAND [OPTIONS] FILE...\n"
    "\n"
    "Commands:\n"
    "  analyze   measure loudness, peaks, dynamics, spectrum, stereo and hygiene\n"
    "  automix   balance a rough mix from stems, explaining every move\n"
    "  check     is a mix ready for mastering, or a master ready for delivery?\n"
    "  album     compare the tracks of an album; a gain per track for an even album\n"
    "  master    master a mix toward a reference track or a delivery preset\n"
    "  release   deliver an album: mastered, faded, tagged files, CUE sheet, manifest\n"
    "\n"
    "Run 'mixmaster COMMAND --help' for the options of a command.\n"
    "  -h, --help      show this help\n"
    "  -V, --version   show the version\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("mixmaster %s\n", mm_version_string());
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "analyze")) return cli_cmd_analyze(argc - 1, argv + 1);
    if (!strcmp(cmd, "automix")) return cli_cmd_automix(argc - 1, argv + 1);
    if (!strcmp(cmd, "check")) return cli_cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "album")) return cli_cmd_album(argc - 1, argv + 1);
    if (!strcmp(cmd, "master")) return cli_cmd_master(argc - 1, argv + 1);
    if (!strcmp(cmd, "release")) return cli_cmd_release(argc - 1, argv + 1);
    fprintf(stderr, "mixmaster: unknown command '%s' (see mixmaster --help)\n", cmd);
    return CLI_EXIT_USAGE;
}
