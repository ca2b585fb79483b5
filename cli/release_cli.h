/* Private declarations of `mixmaster release` (cmd_release.c,
 * release_files.c, report_release.c). */
#ifndef MM_RELEASE_CLI_H
#define MM_RELEASE_CLI_H

#include "cli.h"
#include "mixmaster/release_report.h"

/* SHA-256 of a file as 64 lower-case hex digits. 0 or -1 with a reason. */
int cli_sha256_file(const char *path, char hex[65], char *err, size_t errlen);

/* A Vorbis comment NAME=value (empty values are skipped). */
typedef struct cli_tag {
    const char *name;
    const char *value;
} cli_tag;

/* Set (replace) Vorbis comments in a FLAC file with libFLAC's metadata
 * interface. 0 or -1 with a reason. */
int cli_flac_set_tags(const char *path, const cli_tag *tags, size_t n, char *err, size_t errlen);

/* What a WAV file carries: RIFF INFO strings and the bext chunk. NULL or
 * "" fields are left out. */
typedef struct cli_wav_tags {
    const char *title, *artist, *album, *date, *genre, *tracknumber, *software, *comment;
    const char *bext_description, *originator, *origination_date, *origination_time, *coding_history;
} cli_wav_tags;

/* Set them on a WAV file opened for writing, before any audio. */
int cli_wav_set_tags(SNDFILE *sf, const cli_wav_tags *t, char *err, size_t errlen);

/* 0 the path does not exist, 1 an empty folder, 2 something else (a file
 * or a folder with entries), -1 cannot tell (errno). */
int cli_dir_state(const char *path);

/* Remove a folder and what is in it (the temporary release folder). */
void cli_remove_tree(const char *path);

/* One delivered track as the report sees it. */
typedef struct cli_release_track_view {
    const mm_analysis *analysis; /* of the delivered file */
    const mm_check_report *check;
} cli_release_track_view;

/* The --report-dir of release: the album timeline (track starts, gaps,
 * fades) and per track loudness and checks; `delivered` 0 when the
 * pre-delivery check stopped the release. 0 or -1 after a line on stderr. */
int cli_release_report(const char *dir, const mm_release_manifest *m, const cli_release_track_view *tracks,
                       const mm_report_options *ro, int delivered);

#endif
