/* mixmaster release release.json -o DIR : the album as delivered files.
 *
 * Order of work: read and validate release.json; open and analyse every
 * track (nothing is written before all inputs are known good); the album
 * gains (automaster/album.c) and the plan in frames (automaster/release.c);
 * then, inside a temporary folder next to DIR, each track is cut, gained,
 * limited to the album's true-peak ceiling, faded, padded, dithered and
 * written with its tags, and measured as written; the pre-delivery check
 * (check --stage master) runs on those measures; the CUE sheets, the
 * continuous file and the manifest follow; finally the folder is renamed
 * to DIR. Any failure removes the temporary folder: DIR appears whole or
 * not at all. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "release_cli.h"
#include "mixmaster/album.h"
#include "mixmaster/dither.h"
#include "mixmaster/gain.h"
#include "mixmaster/limiter.h"
#include "mixmaster/loudness.h"
#include "mixmaster/translation.h"
#include "mixmaster/truepeak.h"

#define BLOCK 4096
#define CODEC_EXCERPT_S 20.0   /* as check: the loudest 20 s through each codec */
#define CODEC_MAX_RATE 48000.0 /* the codecs take at most 48 kHz (Opus) */

static const char usage[] =
    "usage: mixmaster release RELEASE.json -o DIR [--preset NAME] [--format wav|flac]\n"
    "                         [--bits 16|24] [--report-dir R] [--continuous] [--force]\n"
    "\n"
    "Deliver an album: every track mastered to the album target with the album's\n"
    "even gains (as 'mixmaster album' suggests) through the true-peak limiter,\n"
    "trimmed, faded and dithered, with its title, artist and ISRC in the file;\n"
    "a CUE sheet (gaps as PREGAP), optionally one continuous album file with its\n"
    "own CUE sheet (INDEX 00/01), and manifest.json with each file's loudness, true\n"
    "peak, duration, start in the album and SHA-256. See mixmaster(1) for the\n"
    "format of RELEASE.json.\n"
    "\n"
    "  -o, --output DIR   the release folder: must not exist or be empty; it is\n"
    "                     built next to it and renamed into place when complete\n"
    "  --preset NAME      album target and true-peak ceiling (default: keep the\n"
    "                     album's level, -1 dBTP); 'cd' also aligns every track to\n"
    "                     CD sectors (588 frames, 44.1 kHz) and defaults to 16 bits\n"
    "  --format FMT       wav (default; RIFF INFO and bext) or flac (Vorbis comments)\n"
    "  --bits N           16 or 24 (default 24; 16 with --preset cd); TPDF dither\n"
    "  --continuous       also write album-continuous.<ext> with the gaps and\n"
    "                     crossfades, and album-continuous.cue pointing into it\n"
    "  --report-dir R     also write R/index.html with the album timeline\n"
    "  --force            deliver even when a track fails the pre-delivery check\n"
    "  -q, --quiet        print nothing but errors\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 delivered, 1 a track failed the pre-delivery check (nothing\n"
    "written), 2 usage error, 3 bad release.json, unreadable input or I/O error.\n";

typedef struct opts {
    const char *json, *out, *preset, *format, *report_dir;
    int bits, continuous, force, quiet;
} opts;

/* One track through the whole command. */
typedef struct track {
    char *path;          /* resolved source path */
    uint64_t frames;     /* source length */
    uint64_t audible[2]; /* for trim "auto" */
    mm_analyzer *src_an;
    mm_analysis src;
    double gain_db;
    double limiting_db;
    double ceiling_dbtp; /* of its limiter */
    mm_analyzer *out_an; /* measures what is written */
    mm_analysis out;
    mm_translation *trans; /* playback translation of what is written */
    mm_translation_result trans_res;
    mm_check_codec codecs[CLI_CODEC_COUNT];
    size_t codec_count;
    double excerpt_start_s, excerpt_s;
    mm_check_report check;
    char file[300]; /* delivered name */
    char sha[65];
} track;

/* `file` relative to the folder of `json` (absolute paths stay). */
static char *resolve(const char *json, const char *file)
{
    const char *slash = strrchr(json, '/');
    size_t dl = file[0] == '/' || !slash ? 0 : (size_t)(slash - json) + 1;
    char *p = malloc(dl + strlen(file) + 1);
    if (!p) return NULL;
    memcpy(p, json, dl);
    strcpy(p + dl, file);
    return p;
}

/* "03 - Title.flac" with what a file name cannot hold replaced. */
static void track_file_name(char *out, size_t n, size_t number, const char *title, const char *ext)
{
    char t[200];
    size_t k = 0;
    for (const char *p = title; *p && k + 1 < sizeof t; p++) {
        unsigned char c = (unsigned char)*p;
        t[k++] = (c == '/' || c == '\\' || c < 0x20 || c == ':' || c == '*' || c == '?' || c == '"' ||
                  c == '<' || c == '>' || c == '|')
                     ? '_'
                     : (char)c;
    }
    while (k && (t[k - 1] == '.' || t[k - 1] == ' '))
        k--;
    t[k] = 0;
    snprintf(out, n, "%02zu - %s.%s", number, k ? t : "track", ext);
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        static const char *const takes[] = {"-o", "--output", "--preset", "--format", "--bits", "--report-dir", NULL};
        const char *a = argv[i], *val;
        char name[32];
        if (cli_next_arg(argc, argv, &i, takes, name, &val) != 0) {
            fprintf(stderr, "mixmaster release: %s needs a value\n", name);
            return CLI_EXIT_USAGE;
        }
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
            o->out = val;
        } else if (!strcmp(name, "--preset")) {
            o->preset = val;
        } else if (!strcmp(name, "--format")) {
            if (strcmp(val, "wav") && strcmp(val, "flac")) {
                fprintf(stderr, "mixmaster release: --format must be wav or flac, not '%s'\n", val);
                return CLI_EXIT_USAGE;
            }
            o->format = val;
        } else if (!strcmp(name, "--bits")) {
            if (cli_parse_int(val, &o->bits) || (o->bits != 16 && o->bits != 24)) {
                fprintf(stderr, "mixmaster release: --bits must be 16 or 24, not '%s'\n", val);
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(name, "--report-dir")) {
            o->report_dir = val;
        } else if (!strcmp(name, "--continuous")) {
            o->continuous = 1;
        } else if (!strcmp(name, "--force")) {
            o->force = 1;
        } else if (!strcmp(name, "-q") || !strcmp(name, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "mixmaster release: unknown option '%s' (see --help)\n", a);
            return CLI_EXIT_USAGE;
        } else if (!o->json) {
            o->json = a;
        } else {
            fprintf(stderr, "mixmaster release: one release description at a time ('%s' is extra)\n", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (!o->json) {
        fprintf(stderr, "mixmaster release: no release.json (see --help)\n");
        return CLI_EXIT_USAGE;
    }
    if (!o->out || !o->out[0]) {
        fprintf(stderr, "mixmaster release: the release folder is missing: -o DIR\n");
        return CLI_EXIT_USAGE;
    }
    if (!o->format) o->format = "wav";
    return 0;
}

/* ---- analysis of the sources -------------------------------------------- */

typedef struct scan_ctx {
    mm_analyzer *a;
    uint64_t pos, first, end;
    int nch;
    float thr;
} scan_ctx;

static int scan_feed(void *ctx, const float *const planar[], size_t frames)
{
    scan_ctx *s = ctx;
    size_t f = mm_release_first_above(planar, s->nch, frames, s->thr);
    if (f < frames) {
        if (s->first == UINT64_MAX) s->first = s->pos + f;
        s->end = s->pos + mm_release_end_above(planar, s->nch, frames, s->thr);
    }
    s->pos += frames;
    return mm_analyzer_process(s->a, planar, frames);
}

/* ---- rendering ------------------------------------------------------------ */

typedef struct render_ctx {
    const mm_release_track_plan *p;
    mm_fade_curve curve;
    int nch, bits;
    float gain;
    mm_limiter *lim;
    mm_dither *dither;
    mm_analyzer *an;
    mm_translation *trans;
    SNDFILE *sf;
    uint64_t src_pos; /* source frames seen */
    uint64_t out_pos; /* delivered frames written */
    size_t skip;      /* limiter output frames still to drop (its latency) */
    float *in[8], *o[8];
    float *inter;
    int32_t *ints;
    int write_failed;
} render_ctx;

/* Fade, quantise and write k frames of r->o (from offset off); measure
 * the values the file holds. Digital silence stays exactly zero (the
 * dither is not added where every channel is 0), so gaps, pads and the
 * ends of fades are true silence. */
static int emit(render_ctx *r, size_t off, size_t k)
{
    if (!k) return MM_OK;
    float *p[8];
    for (int c = 0; c < r->nch; c++)
        p[c] = r->o[c] + off;
    if (r->out_pos < r->p->audio_frames)
        mm_release_fade_apply(p, r->nch, k, r->out_pos, r->curve, r->p->audio_frames, r->p->fade_in,
                              r->p->fade_out);
    mm_dither_process(r->dither, r->ints, (const float *const *)p, k);
    const int shift = 32 - r->bits;
    const float inv = (float)ldexp(1.0, -(r->bits - 1));
    for (size_t i = 0; i < k; i++) {
        int silent = 1;
        for (int c = 0; c < r->nch; c++)
            silent &= p[c][i] == 0.0f;
        for (int c = 0; c < r->nch; c++) {
            size_t j = i * (size_t)r->nch + (size_t)c;
            int32_t v = silent ? 0 : r->ints[j];
            p[c][i] = (float)v * inv;
            r->ints[j] = (int32_t)((uint32_t)v << shift);
        }
    }
    if (sf_writef_int(r->sf, r->ints, (sf_count_t)k) != (sf_count_t)k) {
        r->write_failed = 1;
        return MM_ERR_IO;
    }
    r->out_pos += k;
    int st = mm_analyzer_process(r->an, (const float *const *)p, k);
    if (st == MM_OK && r->trans) st = mm_translation_process(r->trans, (const float *const *)p, k);
    return st;
}

/* Limit k frames of r->in and emit what comes out past the latency. */
static int limit_emit(render_ctx *r, size_t k)
{
    int st = mm_limiter_process(r->lim, r->o, (const float *const *)r->in, k);
    if (st != MM_OK) return st;
    size_t drop = r->skip < k ? r->skip : k;
    r->skip -= drop;
    return emit(r, drop, k - drop);
}

static int render_feed(void *ctx, const float *const planar[], size_t frames)
{
    render_ctx *r = ctx;
    const uint64_t lo = r->p->trim_start, hi = r->p->trim_start + r->p->audio_frames;
    uint64_t a = r->src_pos > lo ? r->src_pos : lo;
    uint64_t b = r->src_pos + frames < hi ? r->src_pos + frames : hi;
    int st = MM_OK;
    if (b > a) {
        size_t off = (size_t)(a - r->src_pos), k = (size_t)(b - a);
        for (int c = 0; c < r->nch; c++)
            for (size_t i = 0; i < k; i++)
                r->in[c][i] = planar[c][off + i] * r->gain;
        st = limit_emit(r, k);
    }
    r->src_pos += frames;
    return st;
}

/* The limiter's tail, then the pad to plan.frames. */
static int render_finish(render_ctx *r)
{
    size_t left = mm_limiter_latency(r->lim);
    while (left) {
        size_t k = left < BLOCK ? left : BLOCK;
        for (int c = 0; c < r->nch; c++)
            memset(r->in[c], 0, k * sizeof(float));
        int st = limit_emit(r, k);
        if (st != MM_OK) return st;
        left -= k;
    }
    while (r->out_pos < r->p->frames) {
        uint64_t rem = r->p->frames - r->out_pos;
        size_t k = rem < BLOCK ? (size_t)rem : BLOCK;
        for (int c = 0; c < r->nch; c++)
            memset(r->o[c], 0, k * sizeof(float));
        int st = emit(r, 0, k);
        if (st != MM_OK) return st;
    }
    return r->out_pos == r->p->frames ? MM_OK : MM_ERR_STATE;
}

/* ---- the continuous album file -------------------------------------------- */

/* Copy `frames` frames of integer audio from `in` to `out`, or the zeros. */
static int write_zeros(SNDFILE *out, int nch, uint64_t frames, int32_t *buf)
{
    memset(buf, 0, (size_t)BLOCK * (size_t)nch * sizeof *buf);
    while (frames) {
        size_t k = frames < BLOCK ? (size_t)frames : BLOCK;
        if (sf_writef_int(out, buf, (sf_count_t)k) != (sf_count_t)k) return -1;
        frames -= k;
    }
    return 0;
}

/* A cross-fade: the previous track's tail `a` and this track's head `b`
 * (h frames, interleaved, in sf_readf_int's 32-bit scale) summed into `a`.
 * Two tracks each under the ceiling can sum above it (in-phase material
 * under equal-power fades adds up to 3 dB mid-overlap), so the sum is
 * measured (8x true peak per frame) and, where it passes the ceiling,
 * lowered by a gain confined to the overlap: the gain each frame needs,
 * its minimum over XF_SMOOTH frames, then averaged over XF_SMOOTH frames
 * (never above what any frame needs, no step). Near the ends of the
 * overlap one track is alone and needs no gain, so the tracks around it stay bit
 * for bit what the separate files hold. The result is measured again and,
 * if interpolation between frames still peaks over, cut 0.1 dB deeper.
 * Returns the deepest cut in dB (0 when the plain sum fits), or -1 when
 * memory runs out. */
#define XF_SMOOTH 256
#define XF_EDGE 64
static double crossfade_sum(int32_t *a, const int32_t *b, uint64_t h, int nch, double ceiling_dbtp, double step)
{
    const size_t n = (size_t)h;
    int e;
    mm_truepeak_config tc = mm_truepeak_config_default(nch);
    tc.oversample = 8;
    mm_truepeak *tp = mm_truepeak_create(&tc, &e);
    const size_t lat = tp ? (size_t)mm_truepeak_latency(tp) : 0;
    float **x = mm_planar_alloc(nch, n + lat, &e), **pk = mm_planar_alloc(nch, n + lat, &e);
    double *need = malloc(n * sizeof *need), *g = malloc(n * sizeof *g);
    double *pre = malloc(n * sizeof *pre), *suf = malloc(n * sizeof *suf);
    double cut_db = -1.0;
    if (!tp || !x || !pk || !need || !g || !pre || !suf) goto out;
    const double scale = 1.0 / 2147483648.0, lim = pow(10.0, ceiling_dbtp / 20.0);
    for (size_t k = 0; k < n; k++) g[k] = 1.0;
    double margin = 1.0;
    for (int attempt = 0; attempt < 6; attempt++) {
        /* peaks of the sum with the gain so far */
        for (int c = 0; c < nch; c++) {
            for (size_t k = 0; k < n; k++) {
                size_t j = k * (size_t)nch + (size_t)c;
                x[c][k] = (float)(((double)a[j] + (double)b[j]) * scale * g[k]);
            }
            memset(x[c] + n, 0, lat * sizeof(float));
        }
        mm_truepeak_reset(tp);
        mm_truepeak_process(tp, (const float *const *)x, n + lat, pk);
        /* the first and last XF_EDGE frames are left alone: their readings
         * lack the audio around the overlap, and one track is alone there */
        int over = 0;
        for (size_t k = 0; k < n; k++) {
            double p = 0.0;
            for (int c = 0; c < nch; c++) p = fmax(p, pk[c][k + lat]);
            if (k < XF_EDGE || k + XF_EDGE >= n) p = 0.0;
            need[k] = p > lim * margin ? lim * margin / p : 1.0;
            over |= p > lim;
        }
        if (!over) break;
        /* min over the window ending XF_SMOOTH - 1 frames later, then the
         * mean over the window: each frame gets at most what it needs */
        /* the window minimum in O(n) (van Herk / Gil-Werman): minima from
         * the start of each block of XF_SMOOTH frames (pre) and to its end
         * (suf); a window spans at most two blocks */
        for (size_t k = 0; k < n; k++) pre[k] = k % XF_SMOOTH ? fmin(pre[k - 1], need[k]) : need[k];
        for (size_t k = n; k-- > 0;)
            suf[k] = (k + 1) % XF_SMOOTH && k + 1 < n ? fmin(suf[k + 1], need[k]) : need[k];
        for (size_t k = 0; k < n; k++) {
            size_t last = k + XF_SMOOTH - 1 < n ? k + XF_SMOOTH - 1 : n - 1;
            /* in k's own block only at the end of the overlap: suf alone */
            pk[0][k] = (float)(last / XF_SMOOTH == k / XF_SMOOTH ? suf[k] : fmin(suf[k], pre[last]));
        }
        double acc = 0.0;
        for (size_t k = 0; k < n; k++) {
            acc += pk[0][k] - (k >= XF_SMOOTH ? pk[0][k - XF_SMOOTH] : 1.0);
            double mean = 1.0 + acc / XF_SMOOTH;
            g[k] *= fmin(1.0, mean);
        }
        margin *= pow(10.0, -0.1 / 20.0);
    }
    double gmin = 1.0;
    for (size_t k = 0; k < n; k++) {
        gmin = fmin(gmin, g[k]);
        for (int c = 0; c < nch; c++) {
            size_t j = k * (size_t)nch + (size_t)c;
            double v = ((double)a[j] + (double)b[j]) * g[k];
            /* whole steps of the delivered word length, as the tracks hold */
            v = floor(v / step + 0.5) * step;
            a[j] = v > (double)INT32_MAX - (step - 1.0) ? (int32_t)((double)INT32_MAX - (step - 1.0))
                   : v < (double)INT32_MIN              ? INT32_MIN
                                                        : (int32_t)v;
        }
    }
    cut_db = -20.0 * log10(gmin);
out:
    mm_truepeak_destroy(tp);
    mm_planar_free(x);
    mm_planar_free(pk);
    free(need);
    free(g);
    free(pre);
    free(suf);
    return cut_db;
}

/* Frames [start, start + count) of a track (fr, interleaved): those before
 * keep_from go to the album file, the tail from keep_from on (which
 * overlaps the next track) into nh, indexed from keep_from. 0, or -1 when
 * writing fails. */
static int put_frames(SNDFILE *out, const int32_t *fr, uint64_t start, uint64_t count, uint64_t keep_from,
                      int32_t *nh, int nch)
{
    uint64_t wn = start + count <= keep_from ? count : keep_from > start ? keep_from - start : 0;
    if (wn && sf_writef_int(out, fr, (sf_count_t)wn) != (sf_count_t)wn) return -1;
    for (uint64_t q = wn; q < count; q++)
        memcpy(nh + (start + q - keep_from) * (uint64_t)nch, fr + q * (uint64_t)nch, (size_t)nch * sizeof *nh);
    return 0;
}

/* The album as one file: the delivered tracks, bit for bit, at their
 * album positions; gaps are digital silence; where a track cross-fades
 * into the next the two overlap and are summed, kept under the ceiling by
 * crossfade_sum(). cut_db[i] receives the dip applied where track i
 * begins (0: none). */
static int write_continuous(const char *path, int format, const char *dir, const track *tr,
                            const mm_release_track_plan *plans, size_t n, int nch, double fs, double ceiling_dbtp,
                            double *cut_db, char *err, size_t errlen)
{
    SF_INFO info = {0};
    info.samplerate = (int)fs;
    info.channels = nch;
    info.format = format;
    SNDFILE *out = sf_open(path, SFM_WRITE, &info);
    if (!out) {
        snprintf(err, errlen, "cannot write: %s", sf_strerror(NULL));
        return -1;
    }
    int rc = -1;
    snprintf(err, errlen, "out of memory"); /* until a more precise reason */
    /* one step of the delivered word length, in sf_readf_int's 32-bit scale */
    const double step = (format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16 ? 65536.0 : 256.0;
    int32_t *buf = malloc((size_t)BLOCK * (size_t)nch * sizeof *buf);
    int32_t *hold = NULL; /* the previous track's tail that overlaps this one */
    uint64_t held = 0, cur = 0;
    char p[4096];
    if (!buf) goto out;
    for (size_t i = 0; i < n; i++) {
        const mm_release_track_plan *pl = &plans[i];
        const uint64_t next_overlap = i + 1 < n ? plans[i + 1].overlap : 0;
        if (pl->index01 > cur && write_zeros(out, nch, pl->index01 - cur, buf) != 0) goto io;
        snprintf(p, sizeof p, "%s/%s", dir, tr[i].file);
        SF_INFO ii = {0};
        SNDFILE *in = sf_open(p, SFM_READ, &ii);
        if (!in) {
            snprintf(err, errlen, "%s: cannot read back: %s", tr[i].file, sf_strerror(NULL));
            goto out;
        }
        uint64_t pos = 0;
        int32_t *nh = next_overlap ? malloc((size_t)next_overlap * (size_t)nch * sizeof *nh) : NULL;
        if (next_overlap && !nh) {
            sf_close(in);
            goto out;
        }
        cut_db[i] = 0.0;
        if (held) {
            /* the overlap with the previous track's tail, summed whole */
            int32_t *head = malloc((size_t)held * (size_t)nch * sizeof *head);
            if (!head || sf_readf_int(in, head, (sf_count_t)held) != (sf_count_t)held) {
                if (head) snprintf(err, errlen, "%s: cannot read back its first %llu frames", tr[i].file,
                                   (unsigned long long)held);
                free(head);
                free(nh);
                sf_close(in);
                goto out;
            }
            cut_db[i] = crossfade_sum(hold, head, held, nch, ceiling_dbtp, step);
            free(head);
            if (cut_db[i] < 0.0) {
                free(nh);
                sf_close(in);
                goto out;
            }
            if (put_frames(out, hold, 0, held, pl->frames - next_overlap, nh, nch) != 0) {
                sf_close(in);
                free(nh);
                goto io;
            }
            pos = held;
        }
        for (;;) {
            sf_count_t got = sf_readf_int(in, buf, BLOCK);
            if (got <= 0) break;
            if (put_frames(out, buf, pos, (uint64_t)got, pl->frames - next_overlap, nh, nch) != 0) {
                sf_close(in);
                free(nh);
                goto io;
            }
            pos += (uint64_t)got;
        }
        sf_close(in);
        free(hold);
        hold = nh;
        held = next_overlap;
        cur = pl->index01 + pl->frames - next_overlap;
    }
    rc = 0;
    goto out;
io:
    snprintf(err, errlen, "cannot write: %s", sf_strerror(out));
out:
    if (sf_close(out) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot finish writing");
        rc = -1;
    }
    free(buf);
    free(hold);
    return rc;
}

/* ---- the codec round trips of the pre-delivery check ---------------------- */

/* As `mixmaster check` does: the loudest `CODEC_EXCERPT_S` seconds of the
 * delivered file (around its largest short-term loudness) through MP3,
 * Opus and Vorbis, measured before and after. A codec that cannot run is
 * left out (its rule is then skipped), as in check. */
static void codec_round_trips(track *k, const char *path, int quiet)
{
    const mm_analysis *a = &k->out;
    cli_audio in;
    char err[CLI_ERRLEN];
    if (a->integrated_lufs.reason != MM_REASON_NONE) return;
    if (cli_audio_open(&in, path, err, sizeof err) != 0) return;
    const int ch = in.info.channels;
    const double rate = in.info.samplerate;
    double start = 0.0, len = a->duration_s, centre = a->duration_s / 2.0, best = -1e9;
    if (ch > 2 || rate > CODEC_MAX_RATE) goto out;
    if (len > CODEC_EXCERPT_S) {
        for (size_t q = 0; q < a->loudness_series_count; q++) {
            const float v = a->shortterm_series[q];
            if (v == v && v > best) { /* v == v: not NaN */
                best = v;
                centre = ((double)q + 1.0) * a->loudness_series_step_s - 1.5;
            }
        }
        len = CODEC_EXCERPT_S;
        start = centre - len / 2.0;
        if (start < 0.0) start = 0.0;
        if (start + len > a->duration_s) start = a->duration_s - len;
    }
    size_t n = (size_t)(len * rate), got = 0;
    float *pl[2] = {NULL, NULL}, *ibuf = malloc((size_t)BLOCK * (size_t)ch * sizeof(float));
    for (int c = 0; c < ch; c++)
        pl[c] = calloc(n ? n : 1, sizeof(float));
    if (!ibuf || !pl[0] || (ch == 2 && !pl[1]) || sf_seek(in.sf, (sf_count_t)(start * rate), SEEK_SET) < 0)
        goto done;
    while (got < n) {
        sf_count_t r = sf_readf_float(in.sf, ibuf, (sf_count_t)(n - got < BLOCK ? n - got : BLOCK));
        if (r <= 0) break;
        for (sf_count_t i = 0; i < r; i++)
            for (int c = 0; c < ch; c++)
                pl[c][got + (size_t)i] = ibuf[i * ch + c];
        got += (size_t)r;
    }
    mm_analyze_config cfg = mm_analyze_config_default(rate, ch);
    int e;
    mm_analyzer *an = mm_analyzer_create(&cfg, &e);
    if (!an) goto done;
    mm_analysis orig;
    mm_analyzer_process(an, (const float *const *)pl, n);
    mm_analyzer_finish(an, &orig);
    mm_analyzer_destroy(an);
    for (int c = 0; c < CLI_CODEC_COUNT; c++) {
        cli_codec_result cr;
        if (cli_codec_roundtrip((cli_codec)c, (const float *const *)pl, ch, n, rate, &cr, err, sizeof err) !=
            0) {
            if (!quiet)
                fprintf(stderr, "mixmaster release: %s: %s round trip skipped: %s\n", k->file,
                        cli_codec_name((cli_codec)c), err);
            continue;
        }
        mm_check_codec *cc = &k->codecs[k->codec_count++];
        cc->name = cli_codec_name((cli_codec)c);
        cc->bitrate_kbps = cr.bitrate_kbps;
        cc->original_lufs = orig.integrated_lufs;
        cc->decoded_lufs = cr.decoded.integrated_lufs;
        cc->original_true_peak_dbtp = orig.true_peak_dbtp;
        cc->decoded_true_peak_dbtp = cr.decoded.true_peak_dbtp;
    }
    k->excerpt_start_s = start;
    k->excerpt_s = len;
done:
    free(ibuf);
    free(pl[0]);
    free(pl[1]);
out:
    cli_audio_close(&in);
}

/* ---- the command ----------------------------------------------------------- */

/* Everything the delivery of one track needs. */
typedef struct deliver_ctx {
    const mm_release *rel;
    track *tr;
    const mm_release_track_plan *plans;
    const char *tmpdir, *ext;
    const mm_preset *preset;
    double fs, ceiling;
    int nch, bits, flac, sf_format, quiet;
    mm_dither *dither;
    float *bufs;   /* 2 * nch blocks of BLOCK frames */
    int32_t *ints; /* nch * BLOCK */
    char date[16], time[16], year[16], total[24], tool[64];
} deliver_ctx;

/* Track i into the temporary folder: render (cut, gain, limiter, fades,
 * pad, dither), tags, the measures and the check of what was written, its
 * SHA-256. 0, or -1 after a line on stderr. */
static int deliver_track(const deliver_ctx *d, size_t i)
{
    char err[CLI_ERRLEN], path[4096], tracknum[24];
    int st;
    SNDFILE *sf = NULL;
    mm_limiter *lim = NULL;
    const mm_release_track *t = &d->rel->tracks[i];
    track *k = &d->tr[i];
    track_file_name(k->file, sizeof k->file, i + 1, t->title, d->ext);
    snprintf(path, sizeof path, "%s/%s", d->tmpdir, k->file);
    mm_analyze_config ac = mm_analyze_config_default(d->fs, d->nch);
    mm_translation_config tc = mm_translation_config_default(d->fs, d->nch);
    if (d->nch <= 2 && !(k->trans = mm_translation_create(&tc, &st))) {
        fprintf(stderr, "mixmaster release: %s\n", mm_strerror(st));
        goto fail;
    }
    if (!(k->out_an = mm_analyzer_create(&ac, &st))) {
        fprintf(stderr, "mixmaster release: %s\n", mm_strerror(st));
        goto fail;
    }
    SF_INFO info = {0};
    info.samplerate = (int)d->fs;
    info.channels = d->nch;
    info.format = d->sf_format;
    if (!(sf = sf_open(path, SFM_WRITE, &info))) {
        fprintf(stderr, "mixmaster release: %s: cannot write: %s\n", k->file, sf_strerror(NULL));
        goto fail;
    }
    snprintf(tracknum, sizeof tracknum, "%zu", i + 1);
    const char *artist = t->artist ? t->artist : d->rel->artist;
    if (!d->flac) {
        char comment[128] = "", desc[256], hist[128];
        int cl = 0;
        if (t->isrc[0]) cl = snprintf(comment, sizeof comment, "ISRC %s", t->isrc);
        if (d->rel->upc[0])
            snprintf(comment + cl, sizeof comment - (size_t)cl, "%sUPC/EAN %s", cl ? "; " : "", d->rel->upc);
        snprintf(desc, sizeof desc, "%.90s - %.120s%s%s", artist, t->title, t->isrc[0] ? " - ISRC " : "",
                 t->isrc);
        snprintf(hist, sizeof hist, "A=PCM,F=%d,W=%d,M=%s,T=%s\r\n", (int)d->fs, d->bits,
                 d->nch == 2   ? "stereo"
                 : d->nch == 1 ? "mono"
                               : "multichannel",
                 d->tool);
        cli_wav_tags wt = {t->title, artist, d->rel->title, d->year, d->rel->genre, tracknum, d->tool,
                           comment,  desc,   "mixmaster",   d->date, d->time,       hist};
        if (cli_wav_set_tags(sf, &wt, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster release: %s: %s\n", k->file, err);
            goto fail;
        }
    }
    /* the ceiling: the album's, or the preset's stricter one for a
     * track that will play louder than its threshold (Spotify: -2 dBTP
     * above -14 LUFS), with 0.5 LU to spare for the measurement */
    mm_limiter_config lc = mm_limiter_config_default(d->fs, d->nch);
    lc.ceiling_dbtp = d->ceiling;
    if (d->preset && k->src.integrated_lufs.reason == MM_REASON_NONE &&
        k->src.integrated_lufs.value + k->gain_db > d->preset->loud_lufs - 0.5 &&
        d->preset->loud_true_peak_dbtp < d->ceiling)
        lc.ceiling_dbtp = d->preset->loud_true_peak_dbtp;
    k->ceiling_dbtp = lc.ceiling_dbtp;
    if (!(lim = mm_limiter_create(&lc, &st))) {
        fprintf(stderr, "mixmaster release: %s\n", mm_strerror(st));
        goto fail;
    }
    mm_dither_reset(d->dither);
    render_ctx r;
    memset(&r, 0, sizeof r);
    r.p = &d->plans[i];
    r.curve = t->fade_curve;
    r.nch = d->nch;
    r.bits = d->bits;
    r.gain = (float)pow(10.0, k->gain_db / 20.0);
    r.lim = lim;
    r.dither = d->dither;
    r.an = k->out_an;
    r.trans = k->trans;
    r.sf = sf;
    r.skip = mm_limiter_latency(lim);
    for (int c = 0; c < d->nch; c++) {
        r.in[c] = d->bufs + (size_t)c * BLOCK;
        r.o[c] = d->bufs + (size_t)(d->nch + c) * BLOCK;
    }
    r.ints = d->ints;
    cli_audio in;
    if (cli_audio_open(&in, k->path, err, sizeof err) != 0 ||
        cli_audio_stream(&in, BLOCK, render_feed, &r, err, sizeof err) != 0 || render_finish(&r) != MM_OK) {
        if (r.write_failed)
            fprintf(stderr, "mixmaster release: %s: cannot write: %s\n", k->file, sf_strerror(sf));
        else
            fprintf(stderr, "mixmaster release: %s: %s\n", k->path, err);
        cli_audio_close(&in);
        goto fail;
    }
    cli_audio_close(&in);
    k->limiting_db = mm_limiter_max_reduction_db(lim);
    if (sf_close(sf) != 0) {
        sf = NULL;
        fprintf(stderr, "mixmaster release: %s: cannot finish writing\n", k->file);
        goto fail;
    }
    sf = NULL;
    if (d->flac) {
        cli_tag tags[] = {{"TITLE", t->title},       {"ARTIST", artist},
                          {"ALBUM", d->rel->title},  {"ALBUMARTIST", d->rel->artist},
                          {"DATE", d->year},         {"GENRE", d->rel->genre},
                          {"TRACKNUMBER", tracknum}, {"TRACKTOTAL", d->total},
                          {"ISRC", t->isrc},         {"BARCODE", d->rel->upc},
                          {"ENCODER", d->tool}};
        if (cli_flac_set_tags(path, tags, sizeof tags / sizeof tags[0], err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster release: %s: %s\n", k->file, err);
            goto fail;
        }
    }
    mm_analyzer_finish(k->out_an, &k->out);
    if (k->trans) mm_translation_finish(k->trans, &k->out, &k->trans_res);
    codec_round_trips(k, path, d->quiet);
    /* the pre-delivery gate: the rules of check --stage master on the
     * same measures check takes (analysis, playback translation, codec
     * round trips) of what was written */
    mm_check_config cc;
    mm_check_config_default(&cc, MM_STAGE_MASTER, d->preset);
    mm_check_inputs ci;
    memset(&ci, 0, sizeof ci);
    ci.analysis = &k->out;
    ci.translation = k->trans ? &k->trans_res : NULL;
    ci.codecs = k->codec_count ? k->codecs : NULL;
    ci.codec_count = k->codec_count;
    ci.codec_excerpt_start_s = k->excerpt_start_s;
    ci.codec_excerpt_s = k->excerpt_s;
    ci.bit_depth = d->bits;
    if (mm_check_run(&cc, &ci, &k->check) != MM_OK) {
        fprintf(stderr, "mixmaster release: %s: the check could not run\n", k->file);
        goto fail;
    }
    if (cli_sha256_file(path, k->sha, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster release: %s: %s\n", k->file, err);
        goto fail;
    }
    mm_limiter_destroy(lim);
    return 0;
fail:
    if (sf) sf_close(sf);
    mm_limiter_destroy(lim);
    return -1;
}

static double mval(mm_measure m)
{
    return m.reason == MM_REASON_NONE ? m.value : NAN;
}

int cli_cmd_release(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
    rc = CLI_EXIT_INPUT;
    char err[CLI_ERRLEN], path[4096];
    char *text = NULL, *tmpdir = NULL, *manifest = NULL;
    mm_release *rel = NULL;
    track *tr = NULL;
    mm_release_track_plan *plans = NULL;
    mm_album_input *ins = NULL;
    mm_album_track *atr = NULL;
    mm_release_delivered *dv = NULL;
    double *xcut = NULL; /* the continuous file's cross-fade dip per track, dB */
    mm_dither *dither = NULL;
    float *bufs = NULL;
    int32_t *ints = NULL;
    cli_release_track_view *views = NULL;
    int st;

    const mm_preset *preset = NULL;
    if (o.preset && !(preset = mm_preset_find(o.preset))) {
        fprintf(stderr, "mixmaster release: unknown preset '%s' (see mixmaster check --list-presets)\n",
                o.preset);
        return CLI_EXIT_USAGE;
    }
    const int cd = preset && !strcmp(preset->name, "cd");
    const int bits = o.bits ? o.bits : cd ? 16 : 24;
    const int flac = !strcmp(o.format, "flac");
    const char *ext = flac ? "flac" : "wav";

    /* 1. the description */
    if (!(text = cli_read_text(o.json, (size_t)16 << 20, "a release description", err, sizeof err))) {
        fprintf(stderr, "mixmaster release: %s: %s\n", o.json, err);
        goto done;
    }
    mm_release_error re;
    memset(&re, 0, sizeof re);
    if ((st = mm_release_parse_json(text, &rel, &re)) != MM_OK) {
        fprintf(stderr, "mixmaster release: %s: %s\n", o.json,
                st == MM_ERR_NOMEM ? "out of memory" : re.message);
        goto done;
    }
    const size_t n = rel->count;

    /* 2. the output folder: must not exist, or be empty */
    int ds = cli_dir_state(o.out);
    if (ds < 0) {
        fprintf(stderr, "mixmaster release: %s: cannot create the release folder there: %s\n", o.out,
                strerror(errno));
        goto done;
    }
    if (ds == 2) {
        fprintf(stderr,
                "mixmaster release: %s: already exists and is not an empty folder (the release goes into a "
                "new one)\n",
                o.out);
        goto done;
    }

    /* 3. every input, read and analysed before anything is written */
    tr = calloc(n, sizeof *tr);
    plans = calloc(n, sizeof *plans);
    ins = calloc(n, sizeof *ins);
    atr = calloc(n, sizeof *atr);
    dv = calloc(n, sizeof *dv);
    views = calloc(n, sizeof *views);
    if (!tr || !plans || !ins || !atr || !dv || !views) goto nomem;
    double fs = 0.0;
    int nch = 0;
    for (size_t i = 0; i < n; i++) {
        const mm_release_track *t = &rel->tracks[i];
        cli_audio in;
        if (!(tr[i].path = resolve(o.json, t->file))) goto nomem;
        if (cli_audio_open(&in, tr[i].path, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster release: %s: track %zu, tracks[%zu].file: %s: %s\n", o.json, i + 1, i,
                    tr[i].path, err);
            goto done;
        }
        if (i == 0) {
            fs = in.info.samplerate;
            nch = in.info.channels;
        }
        if (in.info.samplerate != (int)fs || in.info.channels != nch || nch > 8) {
            fprintf(stderr,
                    "mixmaster release: %s: track %zu, tracks[%zu].file: %s: %d Hz, %d channels; every track "
                    "must "
                    "match track 1 (%g Hz, %d channels, at most 8)\n",
                    o.json, i + 1, i, tr[i].path, in.info.samplerate, in.info.channels, fs, nch);
            cli_audio_close(&in);
            goto done;
        }
        mm_analyze_config ac = mm_analyze_config_default(fs, nch);
        scan_ctx sc = {NULL, 0, UINT64_MAX, 0, nch, (float)pow(10.0, MM_RELEASE_AUTO_TRIM_DBFS / 20.0)};
        sc.a = tr[i].src_an = mm_analyzer_create(&ac, &st);
        if (!sc.a) {
            fprintf(stderr, "mixmaster release: %s: %s\n", tr[i].path, mm_strerror(st));
            cli_audio_close(&in);
            goto done;
        }
        if (cli_audio_stream(&in, BLOCK, scan_feed, &sc, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster release: %s: track %zu: %s: %s\n", o.json, i + 1, tr[i].path, err);
            cli_audio_close(&in);
            goto done;
        }
        cli_audio_close(&in);
        mm_analyzer_finish(sc.a, &tr[i].src);
        tr[i].frames = sc.pos;
        tr[i].audible[0] = sc.first == UINT64_MAX ? 0 : sc.first;
        tr[i].audible[1] = sc.end;
        ins[i] = (mm_album_input){t->title, &tr[i].src, mm_analyzer_loudness(sc.a)};
    }

    /* 4. gains and the plan */
    mm_album_config acfg = mm_album_config_default(preset);
    mm_album_result al;
    memset(&al, 0, sizeof al);
    st = mm_album_analyze(&acfg, ins, n, atr, &al);
    if (st != MM_OK && st != MM_ERR_NO_VALUE) {
        fprintf(stderr, "mixmaster release: album analysis: %s\n", mm_strerror(st));
        goto done;
    }
    const int album_ok = st == MM_OK;
    const double ceiling = album_ok ? al.ceiling_dbtp : preset ? preset->true_peak_dbtp : -1.0;
    for (size_t i = 0; i < n; i++) {
        const mm_release_track *t = &rel->tracks[i];
        if (!isnan(t->gain_db))
            tr[i].gain_db = t->gain_db;
        else if (!isnan(t->target_lufs)) {
            if (tr[i].src.integrated_lufs.reason != MM_REASON_NONE) {
                fprintf(stderr,
                        "mixmaster release: %s: track %zu, tracks[%zu].target_lufs: %s has no measurable "
                        "loudness\n",
                        o.json, i + 1, i, tr[i].path);
                goto done;
            }
            tr[i].gain_db = t->target_lufs - tr[i].src.integrated_lufs.value;
        } else
            tr[i].gain_db = album_ok ? atr[i].suggested_gain_db : 0.0;
    }
    uint64_t *src_frames = calloc(2 * n, sizeof *src_frames), album_frames = 0;
    uint64_t *audible = calloc(2 * n, sizeof *audible);
    if (!src_frames || !audible) {
        free(src_frames);
        free(audible);
        goto nomem;
    }
    for (size_t i = 0; i < n; i++) {
        src_frames[i] = tr[i].frames;
        audible[2 * i] = tr[i].audible[0];
        audible[2 * i + 1] = tr[i].audible[1];
    }
    mm_release_plan_config pc = {fs, cd};
    st = mm_release_plan(&pc, rel, src_frames, audible, plans, &album_frames, &re);
    free(src_frames);
    free(audible);
    if (st != MM_OK) {
        fprintf(stderr, "mixmaster release: %s: %s\n", o.json, re.message);
        goto done;
    }

    /* 5. the temporary folder next to the output */
    {
        size_t l = strlen(o.out);
        while (l > 1 && o.out[l - 1] == '/')
            l--;
        if (!(tmpdir = malloc(l + 24))) goto nomem;
        snprintf(tmpdir, l + 24, "%.*s.partial-XXXXXX", (int)l, o.out);
        if (!mkdtemp(tmpdir)) {
            fprintf(stderr, "mixmaster release: %s: cannot create the release folder next to it: %s\n", o.out,
                    strerror(errno));
            free(tmpdir);
            tmpdir = NULL;
            goto done;
        }
    }

    /* 6. render every track */
    mm_dither_config dc = mm_dither_config_default(fs, nch, bits);
    if (!(dither = mm_dither_create(&dc, &st))) {
        fprintf(stderr, "mixmaster release: %s\n", mm_strerror(st));
        goto done;
    }
    bufs = malloc((size_t)2 * (size_t)nch * BLOCK * sizeof *bufs);
    ints = malloc((size_t)nch * BLOCK * sizeof *ints);
    if (!bufs || !ints) goto nomem;
    char date[16] = "", tim[16] = "";
    {
        time_t now = time(NULL);
        struct tm tmv;
        if (gmtime_r(&now, &tmv)) {
            strftime(date, sizeof date, "%Y-%m-%d", &tmv);
            strftime(tim, sizeof tim, "%H:%M:%S", &tmv);
        }
    }
    char year[16] = "", total[24], tool[64];
    if (rel->year) snprintf(year, sizeof year, "%d", rel->year);
    snprintf(total, sizeof total, "%zu", n);
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    const int sf_format =
        (flac ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | (bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24);
    deliver_ctx dx = {rel,       tr,      plans,  tmpdir, ext,  preset, fs, ceiling, nch, bits, flac,
                      sf_format, o.quiet, dither, bufs,   ints, "",     "", "",      "",  ""};
    memcpy(dx.date, date, sizeof dx.date);
    memcpy(dx.time, tim, sizeof dx.time);
    memcpy(dx.year, year, sizeof dx.year);
    memcpy(dx.total, total, sizeof dx.total);
    memcpy(dx.tool, tool, sizeof dx.tool);
    int any_fail = 0;
    for (size_t i = 0; i < n; i++) {
        if (deliver_track(&dx, i) != 0) goto done;
        if (tr[i].check.fails) any_fail = 1;
    }
    /* what was delivered, for the manifest and the report */
    const mm_loudness **meters = calloc(n, sizeof *meters);
    if (!meters) goto nomem;
    for (size_t i = 0; i < n; i++) {
        meters[i] = mm_analyzer_loudness(tr[i].out_an);
        dv[i].file = (mm_release_file){tr[i].file, tr[i].sha};
        dv[i].gain_db = tr[i].gain_db;
        dv[i].ceiling_dbtp = tr[i].ceiling_dbtp;
        dv[i].limiting_db = tr[i].limiting_db;
        dv[i].continuous_cut_db = NAN; /* set when the continuous file is written */
        dv[i].integrated_lufs = tr[i].out.integrated_lufs;
        dv[i].true_peak_dbtp = tr[i].out.true_peak_dbtp;
        dv[i].check_status = tr[i].check.fails ? "fail" : tr[i].check.warns ? "warn" : "pass";
        dv[i].check_fails = tr[i].check.fails;
        dv[i].check_warns = tr[i].check.warns;
        views[i] = (cli_release_track_view){&tr[i].out, &tr[i].check};
    }
    mm_release_manifest m;
    memset(&m, 0, sizeof m);
    m.release = rel;
    m.plans = plans;
    m.tracks = dv;
    m.sample_rate = fs;
    m.channels = nch;
    m.bits = bits;
    m.format = ext;
    m.preset = preset ? preset->name : NULL;
    m.target_lufs = album_ok ? al.target_lufs : NAN;
    m.ceiling_dbtp = ceiling;
    m.album_lufs = mm_loudness_integrated_multiple(meters, n);
    free(meters);
    m.album_frames = album_frames;
    m.cd_aligned = cd;
    mm_report_options ro = mm_report_options_default();
    ro.tool = tool;
    if (any_fail) {
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < tr[i].check.count; c++) {
                const mm_check_result *cr = &tr[i].check.results[c];
                if (cr->status != MM_CHECK_FAIL) continue;
                fprintf(stderr, "mixmaster release: track %zu '%s': %s failed: %s (%s)%s%s\n", i + 1,
                        rel->tracks[i].title, cr->id, cr->measured, cr->threshold, cr->advice[0] ? "; " : "",
                        cr->advice);
            }
        if (!o.force) {
            fprintf(stderr,
                    "mixmaster release: the pre-delivery check failed (check --stage master%s%s): nothing "
                    "delivered; fix the tracks or use --force\n",
                    preset ? " --preset " : "", preset ? preset->name : "");
            rc = CLI_EXIT_FAIL;
            /* the report shows why, with every figure of every track */
            if (o.report_dir) cli_release_report(o.report_dir, &m, views, &ro, 0);
            goto done;
        }
        fprintf(stderr, "mixmaster release: --force: delivering despite the failed checks\n");
        m.forced = 1;
    }

    /* 7. CUE sheets, the continuous file, the manifest */
    const char **names = calloc(n, sizeof *names);
    if (!names) goto nomem;
    for (size_t i = 0; i < n; i++)
        names[i] = tr[i].file;
    char cue_sha[65] = "", cont_sha[65] = "", ccue_sha[65] = "", cont_name[32];
    snprintf(cont_name, sizeof cont_name, "album-continuous.%s", ext);
    const char *cue_names[2] = {"album.cue", "album-continuous.cue"};
    for (int pass = 0; pass < 1 + o.continuous; pass++) {
        long len = mm_release_cue_write(NULL, 0, rel, plans, fs, names, pass ? cont_name : NULL, "WAVE");
        char *cue = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (!cue) {
            free(names);
            goto nomem;
        }
        mm_release_cue_write(cue, (size_t)len + 1, rel, plans, fs, names, pass ? cont_name : NULL, "WAVE");
        snprintf(path, sizeof path, "%s/%s", tmpdir, cue_names[pass]);
        int bad = cli_write_output(path, cue, (size_t)len, err, sizeof err) != 0 ||
                  cli_sha256_file(path, pass ? ccue_sha : cue_sha, err, sizeof err) != 0;
        free(cue);
        if (bad) {
            free(names);
            fprintf(stderr, "mixmaster release: %s: %s\n", cue_names[pass], err);
            goto done;
        }
    }
    free(names);
    if (o.continuous) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, cont_name);
        xcut = calloc(n, sizeof *xcut);
        if (!xcut ||
            write_continuous(path, sf_format, tmpdir, tr, plans, n, nch, fs, ceiling, xcut, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster release: %s: %s\n", cont_name, xcut ? err : "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) dv[i].continuous_cut_db = xcut[i];
        for (size_t i = 0; i < n && !o.quiet; i++)
            if (xcut[i] > 0.0)
                fprintf(stderr,
                        "mixmaster release: %s: the cross-fade into track %zu summed above %.1f dBTP; lowered "
                        "by up to %.2f dB there\n",
                        cont_name, i + 1, ceiling, xcut[i]);
        if (flac) {
            cli_tag tags[] = {{"TITLE", rel->title},        {"ARTIST", rel->artist}, {"ALBUM", rel->title},
                              {"ALBUMARTIST", rel->artist}, {"DATE", year},          {"GENRE", rel->genre},
                              {"BARCODE", rel->upc},        {"ENCODER", tool}};
            if (cli_flac_set_tags(path, tags, sizeof tags / sizeof tags[0], err, sizeof err) != 0) {
                fprintf(stderr, "mixmaster release: %s: %s\n", cont_name, err);
                goto done;
            }
        }
        if (cli_sha256_file(path, cont_sha, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster release: %s: %s\n", cont_name, err);
            goto done;
        }
    }
    m.cue = (mm_release_file){"album.cue", cue_sha};
    if (o.continuous) {
        m.continuous = (mm_release_file){cont_name, cont_sha};
        m.continuous_cue = (mm_release_file){"album-continuous.cue", ccue_sha};
    }
    if (!(manifest = mm_report_release_manifest(&m, &ro, &st))) {
        fprintf(stderr, "mixmaster release: manifest: %s\n", mm_strerror(st));
        goto done;
    }
    snprintf(path, sizeof path, "%s/manifest.json", tmpdir);
    if (cli_write_json(path, manifest, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster release: manifest.json: %s\n", err);
        goto done;
    }

    /* 8. into place */
    if (ds == 1 && rmdir(o.out) != 0) {
        fprintf(stderr, "mixmaster release: %s: cannot replace the empty folder: %s\n", o.out,
                strerror(errno));
        goto done;
    }
    if (rename(tmpdir, o.out) != 0) {
        fprintf(stderr, "mixmaster release: %s: cannot move the release into place: %s\n", o.out,
                strerror(errno));
        goto done;
    }
    free(tmpdir);
    tmpdir = NULL;
    if (!o.quiet) {
        printf("%-3s %-40s %9s %9s %10s %10s %8s  %s\n", "#", "file", "LUFS", "dBTP", "start", "length",
               "gain", "check");
        for (size_t i = 0; i < n; i++) {
            char s0[32], s1[32];
            mm_cd_time(mm_cd_frames(plans[i].index01, fs), s0);
            mm_cd_time(mm_cd_frames(plans[i].frames, fs), s1);
            printf("%-3zu %-40.40s %9.1f %9.2f %10s %10s %+7.1f  %s\n", i + 1, tr[i].file,
                   mval(tr[i].out.integrated_lufs), mval(tr[i].out.true_peak_dbtp), s0, s1, tr[i].gain_db,
                   dv[i].check_status);
        }
        printf("album: %s, %.1f LUFS as one programme; wrote %s/\n", rel->title, mval(m.album_lufs), o.out);
    }
    rc = CLI_EXIT_OK;
    if (o.report_dir && cli_release_report(o.report_dir, &m, views, &ro, 1) != 0) rc = CLI_EXIT_INPUT;
    goto done;
nomem:
    fprintf(stderr, "mixmaster release: out of memory\n");
done:
    free(xcut);
    if (tmpdir) {
        cli_remove_tree(tmpdir);
        free(tmpdir);
    }
    for (size_t i = 0; tr && rel && i < rel->count; i++) {
        free(tr[i].path);
        mm_analyzer_destroy(tr[i].src_an);
        mm_analyzer_destroy(tr[i].out_an);
        mm_translation_destroy(tr[i].trans);
    }
    free(tr);
    free(plans);
    free(ins);
    free(atr);
    free(dv);
    free(views);
    free(bufs);
    free(ints);
    mm_dither_destroy(dither);
    mm_report_free(manifest);
    mm_release_free(rel);
    free(text);
    return rc;
}
