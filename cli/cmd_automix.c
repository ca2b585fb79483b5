/*
 * mixmaster automix STEM... | DIR -o MIX : a balanced rough mix from stems.
 *
 * Two streaming passes over the stems, all of them advancing together:
 *   1. analysis: per-stem features and the masking between every pair;
 *   2. render: the plan applied, summed on a float bus into temporary float
 *      files next to the outputs; the bus peak sets the master gain;
 * then each temporary file is scaled and written in its final format and
 * renamed into place, so outputs appear whole or not at all.
 * Stems of other rates are resampled with libsoxr; shorter stems are padded
 * with silence at their end.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <soxr.h>

#include "cli.h"
#include "mixmaster/automix.h"
#include "mixmaster/automix_report.h"
#include "mixmaster/gain.h"
#include "mixmaster/loudness.h"
#include "mixmaster/stems.h"

/* Frames per block: big enough that the per-block thread hand-off costs
 * nothing, small enough that memory stays a few MB per stem. */
#define BLOCK 16384
#define RS_CHUNK 4096

static const char usage[] =
    "usage: mixmaster automix STEM... | DIR -o MIX [--plan-out P] [--plan P]\n"
    "                         [--stems-out DIR] [--role FILE=ROLE] [--report R.json]\n"
    "                         [-j N] [--target LUFS] [--peak DBFS] [--no-resample]\n"
    "\n"
    "Balance a rough mix from stems (one file per instrument, same start, mono\n"
    "or stereo): gain by role around a target loudness, pan, high-pass, masking\n"
    "cuts, bass-under-kick carving and ducking, compression only where a stem's\n"
    "dynamics fall outside its role's norm. Every move is explained in the plan.\n"
    "\n"
    "  -o, --output MIX    the mix (format from the extension: .wav .flac .aiff\n"
    "                      .w64 .caf 24-bit, .ogg Vorbis, .opus, .mp3)\n"
    "  --plan-out P        write the plan (JSON, editable)\n"
    "  --plan P            render this plan instead of deciding one\n"
    "  --stems-out DIR     write each processed stem as it sits in the mix\n"
    "                      (they sum to the mix), in the mix's format\n"
    "  --role FILE=ROLE    set a stem's role (kick snare hats drums perc bass\n"
    "                      lead_vocal backing_vocal lead guitar keys pad strings\n"
    "                      brass woodwinds fx unknown); FILE is the path or name\n"
    "  --report R.json     write the report: roles, loudness before/after, gain,\n"
    "                      pan, EQ, compression, masking before/after\n"
    "  --report-dir DIR    also write DIR/index.html with plots (masking heat maps\n"
    "                      before/after, kick and bass, loudness per stem)\n"
    "  -j, --jobs N        process N stems at a time (default 1)\n"
    "  --target LUFS       loudness of the lead in the mix (default -23)\n"
    "  --peak DBFS         mix true peak at most this (default -6)\n"
    "  --no-resample       refuse stems whose rate differs instead of resampling\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 done, 2 usage error, 3 a stem or output could not be\n"
    "read or written (nothing is written then).\n";

static const char *const audio_ext[] = {".wav", ".wave", ".aif", ".aiff", ".flac", ".ogg", ".oga", ".opus",
                                        ".mp3", ".w64", ".rf64", ".caf", ".au", ".snd", NULL};

typedef struct stem {
    const char *path;
    char name[MM_AUTOMIX_NAME_LEN];
    cli_audio in;
    int ch, rate;
    soxr_t sx;
    float *inbuf;                 /* interleaved file frames awaiting the resampler */
    size_t in_len, in_pos;
    int file_eof, drained;
    float *inter;                 /* interleaved block */
    float **planar;               /* [2][BLOCK] */
    mm_role role;
    const char *role_source;
    char role_why[160];
    mm_stem_analyzer *an, *an_out;
    mm_stem_features feat, feat_out;
    SNDFILE *tmp_sf;
    char *tmp_path;
    char err[CLI_ERRLEN];
    int failed;
    unsigned long long nonfinite; /* NaN or infinite samples read as 0 */
} stem;

typedef struct session {
    stem *st;
    int n;
    double rate;
    unsigned long long frames;
    mm_masking *mask_in, *mask_out;
    mm_automix_renderer *rend;
    int want_out_analysis;
    int block_pass; /* 0: read and analyse, 1: read for the render */
    size_t block_frames;
} session;

/* ---- reading, resampling, padding ---------------------------------------- */

static int stem_rewind(stem *s)
{
    if (sf_seek(s->in.sf, 0, SEEK_SET) < 0) {
        snprintf(s->err, sizeof s->err, "cannot seek back to the start for the second pass");
        return -1;
    }
    if (s->sx) soxr_clear(s->sx);
    s->in_len = s->in_pos = 0;
    s->file_eof = s->drained = 0;
    return 0;
}

/* Exactly `frames` frames into s->planar: the file's audio, resampled when
 * its rate differs, then silence. */
static int stem_read(stem *s, size_t frames)
{
    float *dst = s->inter;
    size_t have = 0;
    const int ch = s->ch;
    if (!s->sx) {
        if (!s->file_eof) {
            sf_count_t n = sf_readf_float(s->in.sf, dst, (sf_count_t)frames);
            if (n < 0) n = 0;
            have = (size_t)n;
            if (have < frames) {
                if (sf_error(s->in.sf) != SF_ERR_NO_ERROR) {
                    snprintf(s->err, sizeof s->err, "read error: %s", sf_strerror(s->in.sf));
                    return -1;
                }
                s->file_eof = 1;
            }
        }
    } else {
        while (have < frames && !s->drained) {
            if (s->in_pos == s->in_len && !s->file_eof) {
                sf_count_t n = sf_readf_float(s->in.sf, s->inbuf, RS_CHUNK);
                if (n <= 0) {
                    if (sf_error(s->in.sf) != SF_ERR_NO_ERROR) {
                        snprintf(s->err, sizeof s->err, "read error: %s", sf_strerror(s->in.sf));
                        return -1;
                    }
                    s->file_eof = 1;
                    n = 0;
                }
                s->in_len = (size_t)n;
                s->in_pos = 0;
            }
            size_t idone = 0, odone = 0;
            soxr_error_t e;
            if (s->in_pos < s->in_len)
                e = soxr_process(s->sx, s->inbuf + s->in_pos * (size_t)ch, s->in_len - s->in_pos, &idone,
                                 dst + have * (size_t)ch, frames - have, &odone);
            else {
                e = soxr_process(s->sx, NULL, 0, NULL, dst + have * (size_t)ch, frames - have, &odone);
                if (!e && odone == 0) s->drained = 1;
            }
            if (e) {
                snprintf(s->err, sizeof s->err, "resampling failed: %s", soxr_strerror(e));
                return -1;
            }
            s->in_pos += idone;
            have += odone;
        }
    }
    /* NaN or infinite samples would poison every filter after them: read as 0 */
    for (size_t i = 0; i < have * (size_t)ch; i++)
        if (!isfinite(dst[i])) {
            dst[i] = 0.0f;
            s->nonfinite++;
        }
    if (have < frames) memset(dst + have * (size_t)ch, 0, (frames - have) * (size_t)ch * sizeof(float));
    mm_deinterleave(s->planar, dst, ch, frames);
    return 0;
}

/* ---- writing ---------------------------------------------------------------- */

typedef struct fmt_ext {
    const char *ext;
    int format;
} fmt_ext;

static const fmt_ext out_formats[] = {
    {".wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24},    {".wave", SF_FORMAT_WAV | SF_FORMAT_PCM_24},
    {".flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24},  {".aif", SF_FORMAT_AIFF | SF_FORMAT_PCM_24},
    {".aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24},  {".w64", SF_FORMAT_W64 | SF_FORMAT_PCM_24},
    {".rf64", SF_FORMAT_RF64 | SF_FORMAT_PCM_24},  {".caf", SF_FORMAT_CAF | SF_FORMAT_PCM_24},
    {".ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},    {".oga", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
    {".opus", SF_FORMAT_OGG | SF_FORMAT_OPUS},     {".mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III},
};

static int format_for(const char *path, const char **ext)
{
    for (size_t i = 0; i < sizeof out_formats / sizeof out_formats[0]; i++)
        if (cli_has_suffix(path, out_formats[i].ext)) {
            if (ext) *ext = out_formats[i].ext;
            return out_formats[i].format;
        }
    return 0;
}

/* A new temporary file next to `final`; returns its name (malloc'd) with
 * the SNDFILE open for writing, or NULL with a reason. */
static char *open_temp(const char *final, int format, int ch, double rate, SNDFILE **sf, char *err, size_t errlen)
{
    char *tmp;
    int fd = cli_temp_create(final, &tmp, err, errlen);
    if (fd < 0) return NULL;
    SF_INFO info = {0};
    info.samplerate = (int)rate;
    info.channels = ch;
    info.format = format;
    *sf = sf_open_fd(fd, SFM_WRITE, &info, 1);
    if (!*sf) {
        snprintf(err, errlen, "cannot write this format: %s", sf_strerror(NULL));
        close(fd);
        unlink(tmp);
        free(tmp);
        return NULL;
    }
    sf_command(*sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    return tmp;
}

static int write_planar(SNDFILE *sf, float *inter, const float *const planar[], int ch, size_t frames, float gain)
{
    mm_interleave(inter, planar, ch, frames);
    if (gain != 1.0f)
        for (size_t i = 0; i < frames * (size_t)ch; i++) inter[i] *= gain;
    return sf_writef_float(sf, inter, (sf_count_t)frames) == (sf_count_t)frames ? 0 : -1;
}

/* Scale a float temp file by `gain` into `final`'s format (another temp),
 * metering the result. Returns the new temp name or NULL. */
static char *finish_file(const char *tmp_float, const char *final, int format, double rate, float gain,
                         mm_loudness *meter, double *sample_peak, char *err, size_t errlen)
{
    SF_INFO ri = {0};
    SNDFILE *in = sf_open(tmp_float, SFM_READ, &ri);
    if (!in) {
        snprintf(err, errlen, "cannot reopen the rendered audio: %s", sf_strerror(NULL));
        return NULL;
    }
    SNDFILE *out = NULL;
    char *tmp = open_temp(final, format, ri.channels, rate, &out, err, errlen);
    float *buf = malloc((size_t)BLOCK * (size_t)ri.channels * sizeof(float));
    int st;
    float **pl = mm_planar_alloc(ri.channels, BLOCK, &st);
    int bad = !tmp || !buf || !pl;
    if (!bad && (!buf || !pl)) snprintf(err, errlen, "out of memory");
    double peak = 0;
    while (!bad) {
        sf_count_t n = sf_readf_float(in, buf, BLOCK);
        if (n <= 0) break;
        size_t m = (size_t)n * (size_t)ri.channels;
        for (size_t i = 0; i < m; i++) {
            buf[i] *= gain;
            float a = fabsf(buf[i]);
            if (a > peak) peak = a;
        }
        if (meter) {
            mm_deinterleave(pl, buf, ri.channels, (size_t)n);
            mm_loudness_process(meter, (const float *const *)pl, (size_t)n);
        }
        if (sf_writef_float(out, buf, n) != n) {
            snprintf(err, errlen, "cannot write: %s", sf_strerror(out));
            bad = 1;
        }
    }
    sf_close(in);
    if (out) {
        sf_write_sync(out);
        if (sf_close(out) != 0 && !bad) {
            snprintf(err, errlen, "cannot write: closing failed");
            bad = 1;
        }
    }
    free(buf);
    mm_planar_free(pl);
    if (sample_peak) *sample_peak = peak;
    if (bad) {
        if (tmp) unlink(tmp);
        free(tmp);
        return NULL;
    }
    return tmp;
}

/* ---- the passes ------------------------------------------------------------ */

static void block_job(size_t i, void *ctx)
{
    session *ss = ctx;
    stem *s = &ss->st[i];
    if (s->failed) return;
    const size_t fr = ss->block_frames;
    if (stem_read(s, fr) != 0) {
        s->failed = 1;
        return;
    }
    if (ss->block_pass == 0) mm_stem_analyzer_process(s->an, (const float *const *)s->planar, fr);
}

typedef struct render_ctx {
    session *ss;
    const mm_automix_plan *plan;
    float *inter_out; /* per stem, 2 * BLOCK */
    int peak_only;    /* render to measure the bus, write nothing */
    float gain;       /* master gain applied to what is written */
} render_ctx;

static void render_job(size_t i, void *ctx)
{
    render_ctx *rc = ctx;
    session *ss = rc->ss;
    stem *s = &ss->st[i];
    if (s->failed) return;
    const mm_automix_stem *ps = &rc->plan->stem[i];
    const float *const *key = ps->duck.enabled ? (const float *const *)ss->st[ps->duck.key].planar : NULL;
    mm_automix_renderer_stem(ss->rend, (int)i, (const float *const *)s->planar, key, ss->block_frames);
    if (rc->peak_only) return;
    const float *const *out = mm_automix_renderer_stem_output(ss->rend, (int)i);
    if (s->an_out) mm_stem_analyzer_process(s->an_out, out, ss->block_frames);
    if (s->tmp_sf &&
        write_planar(s->tmp_sf, rc->inter_out + i * 2 * BLOCK, out, 2, ss->block_frames, rc->gain) != 0) {
        snprintf(s->err, sizeof s->err, "cannot write the processed stem: %s", sf_strerror(s->tmp_sf));
        s->failed = 1;
    }
}

/* Feed the queued STFT frames of every stem's analyzer to a masking object. */
static void feed_masking(mm_masking *m, stem *st, int n, int out)
{
    const float *bands[MM_AUTOMIX_MAX_STEMS];
    mm_stem_analyzer *a0 = out ? st[0].an_out : st[0].an;
    size_t ready = mm_stem_analyzer_frames_ready(a0);
    for (size_t k = 0; k < ready; k++) {
        for (int i = 0; i < n; i++) {
            mm_stem_analyzer *a = out ? st[i].an_out : st[i].an;
            bands[i] = mm_stem_analyzer_frame_bands(a, k);
        }
        mm_masking_add_frame(m, bands);
    }
    for (int i = 0; i < n; i++) mm_stem_analyzer_frames_consume(out ? st[i].an_out : st[i].an);
}

static int any_failed(session *ss)
{
    int bad = 0;
    for (int i = 0; i < ss->n; i++)
        if (ss->st[i].failed) {
            fprintf(stderr, "mixmaster: %s: %s\n", ss->st[i].path, ss->st[i].err);
            bad = 1;
        }
    return bad;
}

/* ---- options and files ----------------------------------------------------- */

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == 0 || *end != 0 || v < -1000000 || v > 1000000) return -1;
    *out = (int)v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *s == 0 || *end != 0 || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int is_audio_name(const char *name)
{
    for (const char *const *e = audio_ext; *e; e++)
        if (cli_has_suffix(name, *e)) return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The audio files of a folder, sorted by name (others are skipped). */
static char **list_dir(const char *dir, int *count, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open the folder: %s", strerror(errno));
        return NULL;
    }
    char **v = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !is_audio_name(e->d_name)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        v[n] = malloc(len);
        if (!v[n]) break;
        snprintf(v[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(v, (size_t)n, sizeof *v, cmp_str);
    *count = n;
    if (!n) snprintf(err, errlen, "no audio files in the folder (looked for .wav .flac .aiff .ogg .mp3 ...)");
    return v;
}

static void stem_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, n, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = 0;
}

typedef struct role_opt {
    char *file;
    mm_role role;
    int used;
} role_opt;

/* ---- main ----------------------------------------------------------------- */

int cli_cmd_automix(int argc, char **argv)
{
    const char *out = NULL, *plan_out = NULL, *plan_in = NULL, *stems_out = NULL, *report = NULL;
    const char *report_dir = NULL;
    int jobs = 1, no_resample = 0, rc = CLI_EXIT_USAGE;
    double target = -23.0, peak = -6.0;
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    role_opt *roles = calloc((size_t)argc + 1, sizeof *roles);
    char **dir_files = NULL;
    const char **dir_paths = NULL;
    int ndir = 0, nargs = 0, nroles = 0;
    session ss;
    memset(&ss, 0, sizeof ss);
    mm_automix_plan *plan = NULL;
    char **final_tmp = NULL;
    char *mix_tmp_float = NULL;
    SNDFILE *mix_sf = NULL;
    float *mix_inter = NULL, **mix_pl = NULL;
    render_ctx rcx = {0};
    char err[CLI_ERRLEN] = "";
    if (!args || !roles) {
        fprintf(stderr, "mixmaster: out of memory\n");
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (int i = 1; i < argc; i++) {
        static const char *const takes_value[] = {"-o", "--output", "--plan-out", "--plan", "--stems-out", "--role",
                                                  "--report", "-j", "--jobs", "--target", "--peak", "--report-dir", NULL};
        const char *a = argv[i], *val;
        char name[32];
        if (cli_next_arg(argc, argv, &i, takes_value, name, &val) != 0) {
            fprintf(stderr, "mixmaster automix: %s needs a value\n", name);
            goto done;
        }
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(usage, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
            out = val;
        } else if (!strcmp(name, "--plan-out")) {
            plan_out = val;
        } else if (!strcmp(name, "--plan")) {
            plan_in = val;
        } else if (!strcmp(name, "--stems-out")) {
            stems_out = val;
        } else if (!strcmp(name, "--report")) {
            report = val;
        } else if (!strcmp(name, "--report-dir")) {
            report_dir = val;
        } else if (!strcmp(name, "--role")) {
            const char *e = strrchr(val, '=');
            if (!e || e == val || !e[1]) {
                fprintf(stderr, "mixmaster automix: --role needs FILE=ROLE, not '%s'\n", val);
                goto done;
            }
            char *f = strndup(val, (size_t)(e - val));
            if (!f || mm_role_parse(e + 1, &roles[nroles].role) != MM_OK) {
                fprintf(stderr, "mixmaster automix: --role %s: unknown role '%s' (see --help)\n", val, e + 1);
                free(f);
                goto done;
            }
            roles[nroles++].file = f;
        } else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
            if (parse_int(val, &jobs) || jobs < 1 || jobs > 256) {
                fprintf(stderr, "mixmaster automix: -j needs a number from 1 to 256, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--target")) {
            if (parse_double(val, &target) || target < -60 || target > 0) {
                fprintf(stderr, "mixmaster automix: --target needs a loudness from -60 to 0 LUFS, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--peak")) {
            if (parse_double(val, &peak) || peak < -60 || peak > 0) {
                fprintf(stderr, "mixmaster automix: --peak needs a level from -60 to 0 dBFS, not '%s'\n", val);
                goto done;
            }
        } else if (!strcmp(name, "--no-resample")) {
            no_resample = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "mixmaster automix: unknown option '%s' (see --help)\n", a);
            goto done;
        } else {
            args[nargs++] = a;
        }
    }
    if (!nargs) {
        fprintf(stderr, "mixmaster automix: no stems (give stem files or one folder; see --help)\n");
        goto done;
    }
    if (!out) {
        fprintf(stderr, "mixmaster automix: no output: -o MIX is required\n");
        goto done;
    }
    int out_format = format_for(out, NULL);
    if (!out_format) {
        fprintf(stderr, "mixmaster automix: %s: unknown output format (use .wav .flac .aiff .w64 .caf .ogg .opus .mp3)\n",
                out);
        goto done;
    }
    /* one folder: its audio files */
    struct stat sb;
    const char **paths = args;
    int n = nargs;
    if (nargs == 1 && stat(args[0], &sb) == 0 && S_ISDIR(sb.st_mode)) {
        dir_files = list_dir(args[0], &ndir, err, sizeof err);
        if (!ndir) {
            fprintf(stderr, "mixmaster: %s: %s\n", args[0], err);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        dir_paths = calloc((size_t)ndir, sizeof *dir_paths);
        if (!dir_paths) {
            fprintf(stderr, "mixmaster: out of memory\n");
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        for (int i = 0; i < ndir; i++) dir_paths[i] = dir_files[i];
        paths = dir_paths;
        n = ndir;
    }
    if (n > MM_AUTOMIX_MAX_STEMS) {
        fprintf(stderr, "mixmaster automix: %d stems: at most %d are supported\n", n, MM_AUTOMIX_MAX_STEMS);
        goto done;
    }
    ss.n = n;
    ss.st = calloc((size_t)n, sizeof *ss.st);
    if (!ss.st) {
        fprintf(stderr, "mixmaster: out of memory\n");
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        ss.st[i].path = paths[i];
        stem_name(paths[i], ss.st[i].name, sizeof ss.st[i].name);
        for (int j = 0; j < i; j++)
            if (!strcmp(ss.st[i].name, ss.st[j].name)) {
                fprintf(stderr, "mixmaster automix: %s and %s have the same stem name '%s'\n", paths[j], paths[i],
                        ss.st[i].name);
                goto done;
            }
        if (cli_same_file(out, paths[i]) || (plan_out && cli_same_file(plan_out, paths[i])) ||
            (report && cli_same_file(report, paths[i]))) {
            fprintf(stderr, "mixmaster automix: %s: refusing to overwrite an input stem\n", paths[i]);
            goto done;
        }
    }
    /* open every stem before anything is written */
    int bad = 0;
    for (int i = 0; i < n; i++) {
        stem *s = &ss.st[i];
        if (cli_audio_open(&s->in, s->path, s->err, sizeof s->err) != 0) {
            fprintf(stderr, "mixmaster: %s: %s\n", s->path, s->err);
            bad = 1;
            continue;
        }
        s->ch = s->in.info.channels;
        s->rate = s->in.info.samplerate;
        if (s->ch > 2) {
            fprintf(stderr, "mixmaster: %s: %d channels: automix takes mono or stereo stems (split it into mono or "
                            "stereo files first)\n", s->path, s->ch);
            bad = 1;
        }
    }
    if (bad) {
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    /* the session rate: the most common one (the highest on a tie) */
    int best = 0;
    for (int i = 0; i < n; i++) {
        int cnt = 0;
        for (int j = 0; j < n; j++) cnt += ss.st[j].rate == ss.st[i].rate;
        if (cnt > best || (cnt == best && ss.st[i].rate > (int)ss.rate)) {
            best = cnt;
            ss.rate = ss.st[i].rate;
        }
    }
    for (int i = 0; i < n; i++) {
        stem *s = &ss.st[i];
        unsigned long long fr = (unsigned long long)s->in.info.frames;
        if (s->rate != (int)ss.rate) {
            if (no_resample) {
                fprintf(stderr, "mixmaster: %s: sample rate %d Hz differs from the other stems' %.0f Hz (--no-resample "
                                "was given)\n", s->path, s->rate, ss.rate);
                bad = 1;
                continue;
            }
            soxr_error_t e = NULL;
            s->sx = soxr_create((double)s->rate, ss.rate, (unsigned)s->ch, &e, NULL, NULL, NULL);
            s->inbuf = malloc((size_t)RS_CHUNK * (size_t)s->ch * sizeof(float));
            if (!s->sx || e || !s->inbuf) {
                fprintf(stderr, "mixmaster: %s: cannot resample from %d Hz: %s\n", s->path, s->rate, e ? e : "out of memory");
                bad = 1;
                continue;
            }
            fprintf(stderr, "mixmaster: %s: %d Hz, resampled to %.0f Hz (libsoxr, high quality)\n", s->path, s->rate, ss.rate);
            fr = (unsigned long long)ceil((double)fr * ss.rate / (double)s->rate);
        }
        if (fr > ss.frames) ss.frames = fr;
    }
    if (bad) {
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        stem *s = &ss.st[i];
        unsigned long long fr = s->sx ? (unsigned long long)ceil((double)s->in.info.frames * ss.rate / s->rate)
                                      : (unsigned long long)s->in.info.frames;
        if (fr < ss.frames)
            fprintf(stderr, "mixmaster: %s: %.3f s shorter than the longest stem: padded with silence at its end\n",
                    s->path, (double)(ss.frames - fr) / ss.rate);
    }
    /* roles: --role, then the file name, then (after analysis) the spectrum */
    for (int r = 0; r < nroles; r++) {
        for (int i = 0; i < n; i++) {
            stem *s = &ss.st[i];
            const char *b = strrchr(s->path, '/');
            b = b ? b + 1 : s->path;
            if (!strcmp(roles[r].file, s->path) || !strcmp(roles[r].file, b) || !strcmp(roles[r].file, s->name)) {
                s->role = roles[r].role;
                s->role_source = "user";
                roles[r].used = 1;
            }
        }
        if (!roles[r].used) {
            fprintf(stderr, "mixmaster automix: --role %s: no stem of that name\n", roles[r].file);
            goto done;
        }
    }
    for (int i = 0; i < n; i++)
        if (!ss.st[i].role_source) {
            ss.st[i].role = mm_role_from_filename(ss.st[i].path);
            if (ss.st[i].role != MM_ROLE_UNKNOWN) ss.st[i].role_source = "file_name";
        }
    if (plan_in) {
        char *txt = cli_read_text(plan_in, (size_t)64 << 20, "a plan", err, sizeof err);
        if (!txt) {
            fprintf(stderr, "mixmaster: %s: %s\n", plan_in, err);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        int st;
        mm_automix_plan *pl = mm_automix_plan_parse(txt, &st, err, sizeof err);
        free(txt);
        if (!pl) {
            fprintf(stderr, "mixmaster: %s: not a usable plan: %s\n", plan_in, err);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        /* the plan's stems in the inputs' order, matched by name */
        plan = mm_automix_plan_create(n, &st);
        int used[MM_AUTOMIX_MAX_STEMS] = {0}, map[MM_AUTOMIX_MAX_STEMS];
        for (int i = 0; plan && i < n && !bad; i++) {
            map[i] = -1;
            for (int k = 0; k < pl->stem_count; k++)
                if (!strcmp(pl->stem[k].name, ss.st[i].name)) map[i] = k;
            if (map[i] < 0) {
                fprintf(stderr, "mixmaster: %s: the plan has no stem named '%s' (%s)\n", plan_in, ss.st[i].name,
                        ss.st[i].path);
                bad = 1;
            } else if (pl->stem[map[i]].channels != ss.st[i].ch) {
                fprintf(stderr, "mixmaster: %s: stem '%s' has %d channel(s) in the plan but %s has %d\n", plan_in,
                        ss.st[i].name, pl->stem[map[i]].channels, ss.st[i].path, ss.st[i].ch);
                bad = 1;
            } else {
                used[map[i]] = 1;
            }
        }
        for (int k = 0; plan && k < pl->stem_count && !bad; k++)
            if (!used[k]) {
                fprintf(stderr, "mixmaster: %s: the plan's stem '%s' is not among the inputs\n", plan_in,
                        pl->stem[k].name);
                bad = 1;
            }
        if (plan && !bad) {
            *plan = *pl;
            plan->stem_count = n;
            int inv[MM_AUTOMIX_MAX_STEMS];
            for (int i = 0; i < n; i++) inv[map[i]] = i;
            for (int i = 0; i < n; i++) {
                plan->stem[i] = pl->stem[map[i]];
                if (plan->stem[i].duck.enabled) plan->stem[i].duck.key = inv[plan->stem[i].duck.key];
            }
            if (peak != -6.0) plan->peak_target_dbfs = peak;
        }
        mm_automix_plan_destroy(pl);
        if (!plan || bad) {
            if (!plan) fprintf(stderr, "mixmaster: out of memory\n");
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }

    /* ---- pass 1: analysis ---- */
    for (int i = 0; i < n; i++) {
        stem *s = &ss.st[i];
        int st;
        mm_stem_config sc = mm_stem_config_default(ss.rate, s->ch);
        sc.max_block = BLOCK;
        s->an = mm_stem_analyzer_create(&sc, &st);
        s->inter = malloc((size_t)BLOCK * 2 * sizeof(float));
        s->planar = mm_planar_alloc(2, BLOCK, &st);
        if (!s->an || !s->inter || !s->planar) {
            fprintf(stderr, "mixmaster: %s: cannot analyse: %s\n", s->path, mm_strerror(st));
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }
    int st = MM_OK;
    if (n >= 2) {
        ss.mask_in = mm_masking_create(n, mm_stem_band_count(ss.st[0].an), mm_stem_band_hz(ss.st[0].an), &st);
        if (!ss.mask_in) {
            fprintf(stderr, "mixmaster automix: cannot measure masking: %s\n", mm_strerror(st));
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }
    for (unsigned long long pos = 0; pos < ss.frames; pos += ss.block_frames) {
        ss.block_frames = (size_t)(ss.frames - pos < BLOCK ? ss.frames - pos : BLOCK);
        ss.block_pass = 0;
        cli_parallel_for((size_t)n, jobs, block_job, &ss);
        if (any_failed(&ss)) {
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        if (ss.mask_in) feed_masking(ss.mask_in, ss.st, n, 0);
    }
    for (int i = 0; i < n; i++) {
        stem *s = &ss.st[i];
        mm_stem_analyzer_finish(s->an, &s->feat);
        if (!s->role_source) {
            s->role = mm_role_from_features(&s->feat, s->role_why, sizeof s->role_why);
            s->role_source = "spectrum";
        }
        if (s->nonfinite)
            fprintf(stderr, "mixmaster: %s: warning: %llu NaN or infinite samples, read as 0\n", s->path, s->nonfinite);
        if (s->feat.silent)
            fprintf(stderr, "mixmaster: %s: warning: silent (no 400 ms block above -70 LUFS): kept at unity gain\n",
                    s->path);
    }

    /* ---- decide ---- */
    if (!plan) {
        plan = mm_automix_plan_create(n, &st);
        if (!plan) {
            fprintf(stderr, "mixmaster: out of memory\n");
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        mm_automix_config cfg = mm_automix_config_default();
        cfg.target_lufs = target;
        cfg.peak_target_dbfs = peak;
        mm_automix_input in[MM_AUTOMIX_MAX_STEMS];
        for (int i = 0; i < n; i++) {
            in[i].name = ss.st[i].name;
            in[i].role = ss.st[i].role;
            in[i].role_source = ss.st[i].role_source;
            in[i].features = &ss.st[i].feat;
        }
        st = mm_automix_decide(&cfg, in, n, ss.mask_in, plan);
        if (st != MM_OK) {
            fprintf(stderr, "mixmaster automix: cannot decide a plan: %s\n", mm_strerror(st));
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        mm_automix_plan_quantize(plan); /* what --plan-out writes is what is rendered */
    }

    /* ---- pass 2: render into float temporaries ---- */
    int chans[MM_AUTOMIX_MAX_STEMS];
    for (int i = 0; i < n; i++) chans[i] = ss.st[i].ch;
    ss.rend = mm_automix_renderer_create(plan, ss.rate, chans, BLOCK, &st);
    if (!ss.rend) {
        char why[200] = "";
        mm_automix_plan_validate(plan, why, sizeof why);
        fprintf(stderr, "mixmaster automix: cannot render the plan: %s%s%s\n", mm_strerror(st), *why ? ": " : "", why);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    if (stems_out) {
        if (mkdir(stems_out, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "mixmaster: %s: cannot create the folder: %s\n", stems_out, strerror(errno));
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }
    ss.want_out_analysis = report != NULL || report_dir != NULL;
    for (int i = 0; i < n; i++) {
        stem *s = &ss.st[i];
        if (stem_rewind(s) != 0) {
            fprintf(stderr, "mixmaster: %s: %s\n", s->path, s->err);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        if (ss.want_out_analysis) {
            mm_stem_config sc = mm_stem_config_default(ss.rate, 2);
            sc.max_block = BLOCK;
            s->an_out = mm_stem_analyzer_create(&sc, &st);
            if (!s->an_out) {
                fprintf(stderr, "mixmaster: cannot analyse the result: %s\n", mm_strerror(st));
                rc = CLI_EXIT_INPUT;
                goto done;
            }
        }
        if (stems_out) {
            size_t len = strlen(stems_out) + strlen(s->name) + 16;
            char *fin = malloc(len);
            const char *ext = ".wav";
            format_for(out, &ext);
            if (fin) snprintf(fin, len, "%s/%s%s", stems_out, s->name, ext);
            for (int j = 0; fin && j < n; j++)
                if (cli_same_file(fin, ss.st[j].path)) {
                    fprintf(stderr, "mixmaster automix: %s: refusing to overwrite an input stem with --stems-out\n", fin);
                    free(fin);
                    rc = CLI_EXIT_USAGE;
                    goto done;
                }
            s->tmp_path = fin ? open_temp(fin, out_format, 2, ss.rate, &s->tmp_sf, err, sizeof err) : NULL;
            free(fin);
            if (!s->tmp_path) {
                fprintf(stderr, "mixmaster: %s: %s\n", stems_out, err);
                rc = CLI_EXIT_INPUT;
                goto done;
            }
        }
    }
    if (ss.want_out_analysis && n >= 2) {
        ss.mask_out = mm_masking_create(n, mm_stem_band_count(ss.st[0].an_out), mm_stem_band_hz(ss.st[0].an_out), &st);
        if (!ss.mask_out) {
            fprintf(stderr, "mixmaster automix: cannot measure masking: %s\n", mm_strerror(st));
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }
    /* With --stems-out, a first render measures the bus so that the mix and
     * the stems are written once, already scaled, in their final format;
     * otherwise the mix goes to a float temporary that is scaled after. */
    const int direct = stems_out != NULL;
    mix_tmp_float = open_temp(out, direct ? out_format : SF_FORMAT_W64 | SF_FORMAT_FLOAT, 2, ss.rate, &mix_sf, err,
                              sizeof err);
    if (!mix_tmp_float) {
        fprintf(stderr, "mixmaster: %s: %s\n", out, err);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    mix_inter = malloc((size_t)BLOCK * 2 * sizeof(float));
    mix_pl = mm_planar_alloc(2, BLOCK, &st);
    rcx.ss = &ss;
    rcx.plan = plan;
    rcx.inter_out = stems_out ? malloc((size_t)n * 2 * BLOCK * sizeof(float)) : NULL;
    rcx.gain = 1.0f;
    mm_loudness_config lc = mm_loudness_config_default(ss.rate, 2);
    lc.series_capacity = 0;
    mm_loudness *mix_meter = mm_loudness_create(&lc, &st);
    double mix_peak = 0;
    if (!mix_inter || !mix_pl || (stems_out && !rcx.inter_out) || !mix_meter) {
        fprintf(stderr, "mixmaster: out of memory\n");
        mm_loudness_destroy(mix_meter);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    double bus_sp, bus_tp, master_db = 0.0;
    if (direct) {
        rcx.peak_only = 1;
        for (unsigned long long pos = 0; pos < ss.frames; pos += ss.block_frames) {
            ss.block_frames = (size_t)(ss.frames - pos < BLOCK ? ss.frames - pos : BLOCK);
            ss.block_pass = 1;
            cli_parallel_for((size_t)n, jobs, block_job, &ss);
            if (!any_failed(&ss)) cli_parallel_for((size_t)n, jobs, render_job, &rcx);
            if (any_failed(&ss)) {
                mm_loudness_destroy(mix_meter);
                rc = CLI_EXIT_INPUT;
                goto done;
            }
            mm_automix_renderer_sum(ss.rend, mix_pl, ss.block_frames);
        }
        mm_automix_renderer_bus_peak(ss.rend, &bus_sp, &bus_tp);
        master_db = mm_automix_master_gain_db(plan, bus_tp);
        rcx.gain = (float)pow(10.0, master_db / 20.0);
        rcx.peak_only = 0;
        mm_automix_renderer_reset(ss.rend);
        for (int i = 0; i < n; i++)
            if (stem_rewind(&ss.st[i]) != 0) {
                fprintf(stderr, "mixmaster: %s: %s\n", ss.st[i].path, ss.st[i].err);
                mm_loudness_destroy(mix_meter);
                rc = CLI_EXIT_INPUT;
                goto done;
            }
    }
    for (unsigned long long pos = 0; pos < ss.frames; pos += ss.block_frames) {
        ss.block_frames = (size_t)(ss.frames - pos < BLOCK ? ss.frames - pos : BLOCK);
        ss.block_pass = 1;
        cli_parallel_for((size_t)n, jobs, block_job, &ss);
        if (!any_failed(&ss)) cli_parallel_for((size_t)n, jobs, render_job, &rcx);
        if (any_failed(&ss)) {
            mm_loudness_destroy(mix_meter);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        if (ss.mask_out) feed_masking(ss.mask_out, ss.st, n, 1);
        mm_automix_renderer_sum(ss.rend, mix_pl, ss.block_frames);
        if (direct) {
            for (int c = 0; c < 2; c++) {
                mm_gain_apply(mix_pl[c], ss.block_frames, rcx.gain);
                double pk = mm_peak_abs(mix_pl[c], ss.block_frames);
                if (pk > mix_peak) mix_peak = pk;
            }
            mm_loudness_process(mix_meter, (const float *const *)mix_pl, ss.block_frames);
        }
        if (write_planar(mix_sf, mix_inter, (const float *const *)mix_pl, 2, ss.block_frames, 1.0f) != 0) {
            fprintf(stderr, "mixmaster: %s: cannot write: %s\n", out, sf_strerror(mix_sf));
            mm_loudness_destroy(mix_meter);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }
    /* flushed to disk before the renames (a crash leaves old or new, never half) */
    int close_bad = 0;
    sf_write_sync(mix_sf);
    close_bad |= sf_close(mix_sf) != 0;
    mix_sf = NULL;
    for (int i = 0; i < n; i++)
        if (ss.st[i].tmp_sf) {
            sf_write_sync(ss.st[i].tmp_sf);
            close_bad |= sf_close(ss.st[i].tmp_sf) != 0;
            ss.st[i].tmp_sf = NULL;
        }
    if (close_bad) {
        fprintf(stderr, "mixmaster: %s: cannot write: closing the output failed\n", out);
        mm_loudness_destroy(mix_meter);
        rc = CLI_EXIT_INPUT;
        goto done;
    }

    /* ---- master gain, final formats, then everything renamed at once ---- */
    mm_automix_renderer_bus_peak(ss.rend, &bus_sp, &bus_tp);
    if (!direct) master_db = mm_automix_master_gain_db(plan, bus_tp);
    float master = (float)pow(10.0, master_db / 20.0);
    final_tmp = calloc((size_t)n + 1, sizeof *final_tmp);
    if (!final_tmp) {
        fprintf(stderr, "mixmaster: out of memory\n");
        mm_loudness_destroy(mix_meter);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    if (direct) {
        final_tmp[n] = mix_tmp_float; /* already final */
        mix_tmp_float = NULL;
        for (int i = 0; i < n; i++) {
            final_tmp[i] = ss.st[i].tmp_path;
            ss.st[i].tmp_path = NULL;
        }
    } else {
        final_tmp[n] = finish_file(mix_tmp_float, out, out_format, ss.rate, master, mix_meter, &mix_peak, err, sizeof err);
    }
    if (!final_tmp[n]) {
        fprintf(stderr, "mixmaster: %s: %s\n", out, err);
        mm_loudness_destroy(mix_meter);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    mm_measure mix_lufs = mm_loudness_integrated(mix_meter);
    mm_loudness_destroy(mix_meter);

    /* plan and report texts before any rename, so a failure leaves nothing */
    char *plan_txt = NULL, *report_txt = NULL;
    if (plan_out) plan_txt = mm_automix_plan_json(plan, &st);
    mm_automix_report_stem rs[MM_AUTOMIX_MAX_STEMS];
    double balanced[MM_AUTOMIX_MAX_STEMS];
    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    if (report || report_dir) {
        for (int i = 0; i < n; i++) {
            stem *s = &ss.st[i];
            memset(&rs[i], 0, sizeof rs[i]);
            rs[i].path = s->path;
            rs[i].sample_rate_hz = s->rate;
            rs[i].resampled = s->sx != NULL;
            rs[i].frames = (unsigned long long)s->in.info.frames;
            mm_stem_analyzer_finish(s->an_out, &s->feat_out);
            rs[i].loudness_after_lufs = s->feat_out.integrated_lufs;
            if (rs[i].loudness_after_lufs.reason == MM_REASON_NONE) rs[i].loudness_after_lufs.value += master_db;
            mm_automix_renderer_reduction(ss.rend, i, &rs[i].comp_max_reduction_db, &rs[i].duck_max_reduction_db);
            rs[i].warning = s->feat.silent ? "silent: kept at unity gain" : NULL;
            rs[i].features = &s->feat;
            /* the plan's gain and pan alone, as a change of the stem's power */
            double gl, gr;
            mm_automix_pan_gains(&plan->stem[i], &gl, &gr);
            double pw = 1.0;
            if (s->ch == 2 && !plan->stem[i].fold_to_mono) {
                double el = s->feat.k_energy[0], er = s->feat.k_energy[1];
                pw = (el + er > 0) ? (gl * gl * el + gr * gr * er) / (el + er) : 0.5;
            }
            balanced[i] = plan->stem[i].gain_db + 10.0 * log10(pw > 1e-12 ? pw : 1e-12);
        }
        mm_automix_report r;
        memset(&r, 0, sizeof r);
        r.tool = tool;
        r.plan = plan;
        r.stems = rs;
        r.sample_rate_hz = ss.rate;
        r.frames = ss.frames;
        r.output_path = out;
        r.mix_integrated_lufs = mix_lufs;
        r.bus_sample_peak_dbfs = bus_sp;
        r.bus_true_peak_dbtp = bus_tp;
        r.master_gain_db = master_db;
        r.mix_sample_peak_dbfs = mix_peak > 0 ? 20 * log10(mix_peak) : -INFINITY;
        r.mix_true_peak_dbtp = bus_tp + master_db;
        r.masking_in = ss.mask_in;
        r.balanced_gain_db = balanced;
        r.masking_out = ss.mask_out;
        if (report) report_txt = mm_automix_report_json(&r, &st);
        if (report_dir && cli_automix_report(report_dir, &r, ss.st[0].feat.band_hz, ss.st[0].feat.bands) != 0) {
            free(plan_txt);
            free(report_txt);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
    }
    if ((plan_out && !plan_txt) || (report && !report_txt)) {
        fprintf(stderr, "mixmaster automix: cannot build the JSON: %s\n", mm_strerror(st));
        free(plan_txt);
        free(report_txt);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    int wbad = 0;
    if (plan_txt && cli_write_output(plan_out, plan_txt, strlen(plan_txt), err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", plan_out, err);
        wbad = 1;
    }
    if (!wbad && report_txt && cli_write_output(report, report_txt, strlen(report_txt), err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", report, err);
        wbad = 1;
    }
    free(plan_txt);
    free(report_txt);
    if (wbad) {
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    for (int i = 0; stems_out && i < n; i++) {
        char fin[PATH_MAX];
        const char *ext = ".wav";
        format_for(out, &ext);
        snprintf(fin, sizeof fin, "%s/%s%s", stems_out, ss.st[i].name, ext);
        if (rename(final_tmp[i], fin) != 0) {
            fprintf(stderr, "mixmaster: %s: cannot write: %s\n", fin, strerror(errno));
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        free(final_tmp[i]);
        final_tmp[i] = NULL;
    }
    if (rename(final_tmp[n], out) != 0) {
        fprintf(stderr, "mixmaster: %s: cannot write: %s\n", out, strerror(errno));
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    free(final_tmp[n]);
    final_tmp[n] = NULL;

    /* a few lines for the person at the terminal */
    printf("%-12s %-13s %9s %9s %6s  %s\n", "stem", "role", "in LUFS", "gain dB", "pan", "moves");
    for (int i = 0; i < n; i++) {
        const mm_automix_stem *s = &plan->stem[i];
        char moves[256] = "";
        size_t len = 0;
        for (int k = 0; k < s->eq_count && len < sizeof moves; k++) {
            const mm_automix_eq *e = &s->eq[k];
            if (e->kind == MM_AUTOMIX_EQ_HIGHPASS || e->kind == MM_AUTOMIX_EQ_LOWPASS)
                len += (size_t)snprintf(moves + len, sizeof moves - len, "%s %.0f Hz  ", e->kind == MM_AUTOMIX_EQ_HIGHPASS ? "HP" : "LP", e->freq_hz);
            else
                len += (size_t)snprintf(moves + len, sizeof moves - len, "%s %.0f Hz %+.1f dB  ",
                                        e->kind == MM_AUTOMIX_EQ_CARVE ? "carve" : "cut", e->freq_hz, e->gain_db);
        }
        if (s->comp.enabled && len < sizeof moves)
            len += (size_t)snprintf(moves + len, sizeof moves - len, "comp %.0f:1  ", s->comp.ratio);
        if (s->duck.enabled && len < sizeof moves)
            snprintf(moves + len, sizeof moves - len, "duck from %s %.1f dB", plan->stem[s->duck.key].name, s->duck.depth_db);
        size_t ml = strlen(moves);
        while (ml && moves[ml - 1] == ' ') moves[--ml] = 0;
        char in_l[16];
        if (s->silent) snprintf(in_l, sizeof in_l, "silent");
        else snprintf(in_l, sizeof in_l, "%.1f", s->input_lufs);
        printf("%-12s %-13s %9s %+9.1f %+6.2f%s%s\n", s->name, mm_role_name(s->role), in_l, s->gain_db, s->pan,
               *moves ? "  " : "", moves);
    }
    if (mix_lufs.reason == MM_REASON_NONE)
        printf("mix: %s  %.1f LUFS, true peak %.1f dBTP (bus %.1f dBTP, master gain %+.1f dB)\n", out, mix_lufs.value,
               bus_tp + master_db, bus_tp, master_db);
    else
        printf("mix: %s  silent\n", out);
    rc = CLI_EXIT_OK;

done:
    if (mix_sf) sf_close(mix_sf);
    if (mix_tmp_float) {
        unlink(mix_tmp_float);
        free(mix_tmp_float);
    }
    if (final_tmp) {
        for (int i = 0; i <= ss.n; i++)
            if (final_tmp[i]) {
                unlink(final_tmp[i]);
                free(final_tmp[i]);
            }
        free(final_tmp);
    }
    free(mix_inter);
    mm_planar_free(mix_pl);
    free(rcx.inter_out);
    for (int i = 0; ss.st && i < ss.n; i++) {
        stem *s = &ss.st[i];
        cli_audio_close(&s->in);
        if (s->sx) soxr_delete(s->sx);
        free(s->inbuf);
        free(s->inter);
        mm_planar_free(s->planar);
        mm_stem_analyzer_destroy(s->an);
        mm_stem_analyzer_destroy(s->an_out);
        if (s->tmp_sf) sf_close(s->tmp_sf);
        if (s->tmp_path) {
            unlink(s->tmp_path);
            free(s->tmp_path);
        }
    }
    free(ss.st);
    mm_masking_destroy(ss.mask_in);
    mm_masking_destroy(ss.mask_out);
    mm_automix_renderer_destroy(ss.rend);
    mm_automix_plan_destroy(plan);
    for (int i = 0; i < ndir; i++) free(dir_files[i]);
    free(dir_files);
    free(dir_paths);
    for (int r = 0; roles && r < nroles; r++) free(roles[r].file);
    free(roles);
    free(args);
    return rc;
}
