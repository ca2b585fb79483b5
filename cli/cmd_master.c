/*
 * mixmaster master MIX (--reference REF | --preset NAME | --plan P) -o OUT
 *
 * Passes over the mix (streamed, memory does not grow with length):
 *   1. analyse the mix (and the reference) and decide the plan;
 *   2. probe (when the limiter or a compressor will work): EQ and
 *      compressor, predicting the limiter's loudness at a range of gains,
 *      which gives the gain that meets the target after it (on a long mix
 *      from segments covering a quarter of it, see probe_sampled);
 *   3. render to a temporary file next to OUT, measuring what is written;
 *      if the loudness misses the target by more than RENDER_TOLERANCE_LU,
 *      probe if that was not done, correct the gain and render again (at
 *      most MAX_RENDERS renders).
 * Then the temporary file is renamed to OUT, and the report and the plan
 * are written (each atomically). Any failure leaves no output behind.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mixmaster/dither.h"
#include "mixmaster/gain.h"
#include "mixmaster/master.h"
#include "mixmaster/master_report.h"
#include "mixmaster/presets.h"

#define BLOCK 4096
/* A render whose loudness misses the target by more than this is redone
 * with the gain corrected (the issue asks for 0.5 LU; this leaves room). */
#define RENDER_TOLERANCE_LU 0.2
#define MAX_RENDERS 3
/* See the probe decision in cli_cmd_master. */
#define PROBE_MARGIN_DB 1.0

/* The probe pass: returns 0, or -1 after printing the error. */
static int probe_pass(mm_master_chain *chain, const char *mix, size_t latency, float **zero, int quiet,
                      double input_lufs, double *gain, double *slope);

static const char usage[] =
    "usage: mixmaster master MIX (--reference REF | --preset NAME | --plan P) -o OUT\n"
    "                        [--amount N] [--ceiling DBTP] [--bits 16|24|32f]\n"
    "                        [--plan-out P] [--report R.json] [-q]\n"
    "\n"
    "Master MIX toward a reference track or a delivery preset: mid/side\n"
    "linear-phase match EQ, stereo width, a gentle compressor when the mix is\n"
    "far more dynamic than the target, then gain and a true-peak limiter so\n"
    "that the master reaches the target loudness under the ceiling.\n"
    "\n"
    "  --reference REF   match the tonal balance, width, dynamics and loudness\n"
    "                    of REF (any rate, mono or stereo)\n"
    "  --preset NAME     match a delivery target (spotify, apple, youtube, amazon,\n"
    "                    tidal, deezer, ebu-r128, atsc-a85, aes-streaming, cd)\n"
    "                    and the built-in tonal target curve\n"
    "  --plan P          apply a plan written by --plan-out (perhaps edited)\n"
    "  -o, --output OUT  the master; the format follows the extension (.wav,\n"
    "                    .flac, .aiff, .w64, .caf, .rf64, .ogg, .opus, .mp3);\n"
    "                    written atomically, never over MIX or REF\n"
    "  --amount N        how far to match, 0..100 %% (default 100)\n"
    "  --ceiling DBTP    true-peak ceiling, -20..0 (default -1; -2 when the\n"
    "                    target is louder than -14 LUFS or OUT is lossy)\n"
    "  --bits B          16 (noise-shaped TPDF dither), 24 (TPDF dither) or 32f\n"
    "                    (float); default: the mix's own when it is one of these\n"
    "  --plan-out P      write the plan as JSON\n"
    "  --report R.json   write the before/after report as JSON ('-' for stdout)\n"
    "  --report-dir DIR  also write DIR/index.html with plots and DIR/report.json\n"
    "  -q, --quiet       print nothing but errors\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 ok, 2 usage error, 3 an input could not be read or an\n"
    "output could not be written.\n";

typedef struct opts {
    const char *mix, *ref, *preset, *plan_in, *out, *plan_out, *report, *report_dir;
    double amount, ceiling;
    int bits, quiet;
} opts;

/* ---------------------------------------------------------------------- */
/* small helpers                                                          */

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v)) return -1;
    if (*end == '%' && end[1] == 0) end++;
    if (*end) return -1;
    *out = v;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

typedef struct out_format {
    int format;
    int lossy;
    const char *container, *encoding;
} out_format;

/* The libsndfile format for OUT's extension and the bit depth. Returns 0,
 * or -1 with a reason. */
static int pick_format(const char *path, int bits, out_format *f, char *err, size_t errlen)
{
    static const struct {
        const char *ext;
        int major, sub;
        const char *name;
    } table[] = {
        {".wav", SF_FORMAT_WAV, 0, "WAV"},     {".w64", SF_FORMAT_W64, 0, "W64"},
        {".rf64", SF_FORMAT_RF64, 0, "RF64"},  {".aif", SF_FORMAT_AIFF, 0, "AIFF"},
        {".aiff", SF_FORMAT_AIFF, 0, "AIFF"},  {".caf", SF_FORMAT_CAF, 0, "CAF"},
        {".au", SF_FORMAT_AU, 0, "AU"},        {".flac", SF_FORMAT_FLAC, 0, "FLAC"},
        {".ogg", SF_FORMAT_OGG, SF_FORMAT_VORBIS, "OGG"}, {".oga", SF_FORMAT_OGG, SF_FORMAT_VORBIS, "OGG"},
        {".opus", SF_FORMAT_OGG, SF_FORMAT_OPUS, "OGG"},  {".mp3", SF_FORMAT_MPEG, SF_FORMAT_MPEG_LAYER_III, "MPEG"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!cli_has_suffix(path, table[i].ext)) continue;
        f->container = table[i].name;
        if (table[i].sub) {
            f->format = table[i].major | table[i].sub;
            f->lossy = 1;
            f->encoding = table[i].sub == SF_FORMAT_VORBIS ? "VORBIS" : table[i].sub == SF_FORMAT_OPUS ? "OPUS" : "MP3";
            return 0;
        }
        f->lossy = 0;
        if (bits == 32 && table[i].major == SF_FORMAT_FLAC) {
            snprintf(err, errlen, "FLAC holds 16 or 24 bits, not float (use --bits 16 or 24)");
            return -1;
        }
        int sub = bits == 16 ? SF_FORMAT_PCM_16 : bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT;
        f->encoding = bits == 16 ? "PCM_16" : bits == 24 ? "PCM_24" : "FLOAT";
        f->format = table[i].major | sub;
        return 0;
    }
    snprintf(err, errlen, "unknown output extension (use .wav, .flac, .aiff, .w64, .caf, .rf64, .au, .ogg, .opus or .mp3)");
    return -1;
}

/* ---------------------------------------------------------------------- */
/* passes                                                                 */

static int feed_analyzer(void *ctx, const float *const planar[], size_t frames)
{
    return mm_analyzer_process(ctx, planar, frames);
}

/* Analyse a whole file. Returns 0, or -1 with the reason in err. */
static int analyse_file(const char *path, int dual_mono, mm_analyzer **an, mm_analysis *res, cli_audio *fmt,
                        char *err, size_t errlen)
{
    cli_audio in;
    if (cli_audio_open(&in, path, err, errlen) != 0) return -1;
    if (fmt) *fmt = in;
    mm_analyze_config cfg = mm_master_analyze_config(in.info.samplerate, in.info.channels);
    cfg.dual_mono = dual_mono && in.info.channels == 1;
    int st;
    *an = mm_analyzer_create(&cfg, &st);
    if (!*an) {
        snprintf(err, errlen, "cannot analyse: %s", mm_strerror(st));
        cli_audio_close(&in);
        return -1;
    }
    int rc = cli_audio_stream(&in, BLOCK, feed_analyzer, *an, err, errlen);
    if (rc == 0) mm_analyzer_finish(*an, res);
    cli_audio_close(&in);
    if (fmt) fmt->sf = NULL;
    return rc;
}

static int feed_probe(void *ctx, const float *const planar[], size_t frames)
{
    return mm_master_chain_probe(ctx, planar, frames);
}

typedef struct render_ctx {
    mm_master_chain *chain;
    SNDFILE *sf;
    int nch, bits, write_float;
    mm_dither *dither;
    mm_analyzer *after;       /* the full analysis of what is written, or */
    mm_loudness *after_meter; /* only its loudness (-q without --report) */
    float *o[2];
    float *inter;
    int32_t *ints;
    size_t skip;      /* output frames still to drop (the chain's latency) */
    long clamped;
    int write_failed;
} render_ctx;

/* Write k frames of o (offset off), and measure what was written. */
static int emit(render_ctx *r, size_t off, size_t k)
{
    if (!k) return MM_OK;
    float *p[2] = {r->o[0] + off, r->nch == 2 ? r->o[1] + off : NULL};
    if (r->write_float) {
        mm_interleave(r->inter, (const float *const *)p, r->nch, k);
        if (sf_writef_float(r->sf, r->inter, (sf_count_t)k) != (sf_count_t)k) r->write_failed = 1;
    } else {
        long cl = mm_dither_process(r->dither, r->ints, (const float *const *)p, k);
        if (cl > 0) r->clamped += cl;
        const int shift = 32 - r->bits;
        const float inv = (float)ldexp(1.0, -(r->bits - 1));
        for (size_t i = 0; i < k; i++)
            for (int c = 0; c < r->nch; c++) {
                size_t j = i * (size_t)r->nch + (size_t)c;
                int32_t v = r->ints[j];
                p[c][i] = (float)v * inv; /* what the file holds */
                r->ints[j] = (int32_t)((uint32_t)v << shift);
            }
        if (sf_writef_int(r->sf, r->ints, (sf_count_t)k) != (sf_count_t)k) r->write_failed = 1;
    }
    if (r->write_failed) return MM_ERR_IO;
    if (r->after_meter) return mm_loudness_process(r->after_meter, (const float *const *)p, k);
    return mm_analyzer_process(r->after, (const float *const *)p, k);
}

static int feed_render(void *ctx, const float *const planar[], size_t frames)
{
    render_ctx *r = ctx;
    int st = mm_master_chain_process(r->chain, r->o, planar, frames);
    if (st != MM_OK) return st;
    size_t drop = r->skip < frames ? r->skip : frames;
    r->skip -= drop;
    return emit(r, drop, frames - drop);
}

/* Feed `frames` frames of silence through fn (flushing the chain). */
static int feed_zeros(cli_block_fn fn, void *ctx, size_t frames, float **zero)
{
    while (frames) {
        size_t k = frames < BLOCK ? frames : BLOCK;
        int st = fn(ctx, (const float *const *)zero, k);
        if (st != MM_OK) return st;
        frames -= k;
    }
    return MM_OK;
}

/* ---------------------------------------------------------------------- */

/* The sampled probe: on a mix of at least PROBE_SAMPLED_MIN_S, segments of
 * PROBE_WARM_S (warm-up) + PROBE_SEG_S (measured) seconds every
 * PROBE_PERIOD_S seconds: a quarter of the mix measured, three tenths read.
 * The loudness the limiter leaves at each gain follows from the programme's
 * peaks and level, which segments spread over the whole length show as
 * well as all of it does; the input's loudness over the same blocks
 * corrects for the segments being louder or quieter than the whole. Over
 * the corpus and bench mixes its gain is within 0.05 dB of the full
 * probe's; a render that still misses is corrected by the render loop. */
#define PROBE_PERIOD_S 10.0
#define PROBE_SEG_S 2.5
#define PROBE_WARM_S 0.5
#define PROBE_SAMPLED_MIN_S 60.0

static int probe_sampled(cli_audio *in, mm_master_chain *chain, size_t latency, char *err, size_t errlen)
{
    const double fs = in->info.samplerate;
    const uint64_t frames = (uint64_t)in->info.frames, period = (uint64_t)(PROBE_PERIOD_S * fs);
    const uint64_t seg = (uint64_t)(PROBE_SEG_S * fs);
    uint64_t warm = (uint64_t)(PROBE_WARM_S * fs);
    if (warm < 2 * (uint64_t)latency) warm = 2 * (uint64_t)latency; /* the FIR's whole span, twice */
    for (uint64_t t = 0; t + warm + seg <= frames; t += period) {
        mm_master_chain_probe_segment(chain, (size_t)warm);
        if (cli_audio_stream_part(in, t, warm + seg, BLOCK, feed_probe, chain, err, errlen) != 0) return -1;
    }
    return 0;
}

/* The probe pass: sampled (above) when input_lufs (the mix's integrated
 * loudness) is given and the mix is long and seekable, else over the whole
 * mix. Returns 0, or -1 after printing the error. */
static int probe_pass(mm_master_chain *chain, const char *mix, size_t latency, float **zero, int quiet,
                      double input_lufs, double *gain, double *slope)
{
    char err[CLI_ERRLEN];
    cli_audio in;
    mm_master_chain_reset(chain);
    if (cli_audio_open(&in, mix, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", mix, err);
        return -1;
    }
    int rc;
    if (isfinite(input_lufs) && in.info.seekable &&
        (double)in.info.frames >= PROBE_SAMPLED_MIN_S * in.info.samplerate) {
        mm_master_chain_set_input_lufs(chain, input_lufs);
        rc = probe_sampled(&in, chain, latency, err, sizeof err);
    } else {
        rc = cli_audio_stream(&in, BLOCK, feed_probe, chain, err, sizeof err);
        if (rc == 0) feed_zeros(feed_probe, chain, latency, zero);
    }
    cli_audio_close(&in);
    if (rc != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", mix, err);
        return -1;
    }
    if (mm_master_chain_probe_gain(chain, gain, slope) == MM_ERR_NO_VALUE && !quiet)
        fprintf(stderr, "mixmaster: %s: warning: the target loudness is out of reach under the ceiling\n", mix);
    return 0;
}

static void fmt_measure(char *buf, size_t n, int digits, mm_measure m)
{
    if (m.reason == MM_REASON_NONE && isfinite(m.value)) snprintf(buf, n, "%.*f", digits, m.value);
    else snprintf(buf, n, "-");
}

static void print_line(const char *label, const mm_analysis *a, const mm_master_plan *p)
{
    mm_measure dm, ds;
    mm_master_distance(p, a, &dm, &ds, NULL, NULL);
    char i[16], tp[16], plr[16], lra[16], sm[16], d1[16], d2[16];
    fmt_measure(i, sizeof i, 1, a->integrated_lufs);
    fmt_measure(tp, sizeof tp, 2, a->true_peak_dbtp);
    fmt_measure(plr, sizeof plr, 1, a->plr_db);
    fmt_measure(lra, sizeof lra, 1, a->loudness_range_lu);
    fmt_measure(sm, sizeof sm, 1, a->side_mid_db);
    fmt_measure(d1, sizeof d1, 2, dm);
    fmt_measure(d2, sizeof d2, 2, ds);
    printf("  %-7s %6s LUFS   TP %6s dBTP   PLR %5s dB   LRA %4s LU   side/mid %6s dB   "
           "distance mid %s side %s dB\n",
           label, i, tp, plr, lra, sm, d1, d2);
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->amount = 100.0;
    o->ceiling = NAN;
    for (int i = 1; i < argc; i++) {
        static const char *const takes[] = {"-o", "--output", "--reference", "--preset", "--plan", "--plan-out",
                                            "--report", "--amount", "--ceiling", "--bits", "--report-dir", NULL};
        const char *a = argv[i], *val;
        char name[32];
        if (cli_next_arg(argc, argv, &i, takes, name, &val) != 0) {
            fprintf(stderr, "mixmaster master: %s needs a value\n", name);
            return CLI_EXIT_USAGE;
        }
        if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(name, "-o") || !strcmp(name, "--output")) o->out = val;
        else if (!strcmp(name, "--reference")) o->ref = val;
        else if (!strcmp(name, "--preset")) o->preset = val;
        else if (!strcmp(name, "--plan")) o->plan_in = val;
        else if (!strcmp(name, "--plan-out")) o->plan_out = val;
        else if (!strcmp(name, "--report")) o->report = val;
        else if (!strcmp(name, "--report-dir")) o->report_dir = val;
        else if (!strcmp(name, "-q") || !strcmp(name, "--quiet")) o->quiet = 1;
        else if (!strcmp(name, "--amount")) {
            if (parse_double(val, &o->amount) || o->amount < 0.0 || o->amount > 100.0) {
                fprintf(stderr, "mixmaster master: --amount must be 0..100 (percent), not '%s'\n", val);
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(name, "--ceiling")) {
            if (parse_double(val, &o->ceiling) || o->ceiling < -20.0 || o->ceiling > 0.0) {
                fprintf(stderr, "mixmaster master: --ceiling must be -20..0 dBTP, not '%s'\n", val);
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(name, "--bits")) {
            if (!strcmp(val, "16")) o->bits = 16;
            else if (!strcmp(val, "24")) o->bits = 24;
            else if (!strcmp(val, "32f") || !strcmp(val, "32")) o->bits = 32;
            else {
                fprintf(stderr, "mixmaster master: --bits must be 16, 24 or 32f, not '%s'\n", val);
                return CLI_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "mixmaster master: unknown option '%s' (see --help)\n", a);
            return CLI_EXIT_USAGE;
        } else if (o->mix) {
            fprintf(stderr, "mixmaster master: one mix at a time ('%s' and '%s')\n", o->mix, a);
            return CLI_EXIT_USAGE;
        } else {
            o->mix = a;
        }
    }
    if (!o->mix) {
        fprintf(stderr, "mixmaster master: no mix given (see --help)\n");
        return CLI_EXIT_USAGE;
    }
    if (!o->out) {
        fprintf(stderr, "mixmaster master: no output given (-o OUT)\n");
        return CLI_EXIT_USAGE;
    }
    int targets = !!o->ref + !!o->preset + !!o->plan_in;
    if (targets != 1) {
        fprintf(stderr, "mixmaster master: give exactly one of --reference, --preset and --plan\n");
        return CLI_EXIT_USAGE;
    }
    if (o->plan_in && (isfinite(o->ceiling) || o->amount != 100.0)) {
        fprintf(stderr, "mixmaster master: --amount and --ceiling are part of the plan; edit the plan instead\n");
        return CLI_EXIT_USAGE;
    }
    if (o->preset && !mm_preset_find(o->preset)) {
        fprintf(stderr, "mixmaster master: unknown preset '%s' (", o->preset);
        for (size_t k = 0; k < mm_preset_count(); k++)
            fprintf(stderr, "%s%s", k ? ", " : "", mm_preset_at(k)->name);
        fprintf(stderr, ")\n");
        return CLI_EXIT_USAGE;
    }
    const char *ins[3] = {o->mix, o->ref, o->plan_in};
    const char *outs[3] = {o->out, o->plan_out, o->report};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (outs[j] && strcmp(outs[j], "-") && cli_same_file(ins[i], outs[j])) {
                fprintf(stderr, "mixmaster master: %s: refusing to overwrite an input\n", outs[j]);
                return CLI_EXIT_USAGE;
            }
    if (!strcmp(o->out, "-")) {
        fprintf(stderr, "mixmaster master: the master must go to a file, not standard output\n");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_cmd_master(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
    rc = CLI_EXIT_INPUT;

    char err[CLI_ERRLEN];
    mm_analyzer *mix_an = NULL, *ref_an = NULL, *after_an = NULL;
    mm_loudness *after_meter = NULL;
    mm_master_chain *chain = NULL;
    mm_dither *dither = NULL;
    float **ob = NULL, **zero = NULL;
    float *inter = NULL;
    int32_t *ints = NULL;
    char *tmp = NULL, *plan_json = NULL, *report_json = NULL;
    SNDFILE *sf = NULL;
    mm_analysis mix, ref, after;
    mm_master_plan plan;
    cli_audio mixfmt;
    int st;

    /* 1. analysis and plan */
    if (analyse_file(o.mix, 0, &mix_an, &mix, &mixfmt, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster: %s: %s\n", o.mix, err);
        goto done;
    }
    if (mix.channels > 2) {
        fprintf(stderr, "mixmaster: %s: %d channels: master takes mono or stereo mixes\n", o.mix, mix.channels);
        goto done;
    }
    if (mix.integrated_lufs.reason != MM_REASON_NONE) {
        fprintf(stderr, "mixmaster: %s: cannot master: no integrated loudness (%s)\n", o.mix,
                mix.integrated_lufs.reason == MM_REASON_TOO_SHORT ? "shorter than 400 ms"
                                                                  : "silent or below -70 LUFS");
        goto done;
    }
    int bits = o.bits ? o.bits
               : mixfmt.is_float ? 32
               : (mixfmt.bit_depth == 16) ? 16 : 24;
    out_format of;
    if (pick_format(o.out, bits, &of, err, sizeof err) != 0) {
        fprintf(stderr, "mixmaster master: %s: %s\n", o.out, err);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    if (o.plan_in) {
        char *txt = cli_read_text(o.plan_in, (size_t)16 << 20, "a plan", err, sizeof err);
        if (!txt) {
            fprintf(stderr, "mixmaster: %s: %s\n", o.plan_in, err);
            goto done;
        }
        st = mm_master_plan_from_json(txt, &plan, err, sizeof err);
        free(txt);
        if (st != MM_OK) {
            fprintf(stderr, "mixmaster: %s: bad plan: %s\n", o.plan_in, err);
            goto done;
        }
        if (o.bits) { /* --bits overrides the plan's word length */
            plan.bits = bits;
            plan.dither = bits == 32 ? MM_MASTER_DITHER_NONE : bits == 16 ? MM_MASTER_DITHER_SHAPED : MM_MASTER_DITHER_TPDF;
        }
        if (pick_format(o.out, plan.bits, &of, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster master: %s: %s\n", o.out, err);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
        if (plan.stereo != (mix.channels == 2)) {
            fprintf(stderr, "mixmaster: %s: the plan is for a %s mix, this one is %s\n", o.plan_in,
                    plan.stereo ? "stereo" : "mono", mix.channels == 2 ? "stereo" : "mono");
            goto done;
        }
    } else {
        const mm_preset *preset = o.preset ? mm_preset_find(o.preset) : NULL;
        if (o.ref) {
            /* a mono reference is heard on both speakers: measure it as dual mono */
            if (analyse_file(o.ref, mix.channels == 2, &ref_an, &ref, NULL, err, sizeof err) != 0) {
                fprintf(stderr, "mixmaster: %s: %s\n", o.ref, err);
                goto done;
            }
            if (ref.integrated_lufs.reason != MM_REASON_NONE) {
                fprintf(stderr, "mixmaster: %s: cannot use as a reference: no integrated loudness (%s)\n", o.ref,
                        ref.integrated_lufs.reason == MM_REASON_TOO_SHORT ? "shorter than 400 ms"
                                                                          : "silent or below -70 LUFS");
                goto done;
            }
        }
        mm_master_options mo = mm_master_options_default();
        mo.amount = o.amount / 100.0;
        mo.ceiling_dbtp = o.ceiling;
        mo.bits = bits;
        mo.lossy_output = of.lossy;
        st = mm_master_decide(&plan, &mix, o.ref ? &ref : NULL, o.ref ? base_name(o.ref) : NULL, preset, &mo);
        if (st != MM_OK) {
            fprintf(stderr, "mixmaster: %s: cannot decide a plan: %s\n", o.mix, mm_strerror(st));
            goto done;
        }
    }
    /* the plan as written is the plan rendered: --plan-out then --plan
     * reproduces this master exactly */
    plan_json = mm_master_plan_to_json(&plan, &st);
    if (!plan_json || mm_master_plan_from_json(plan_json, &plan, err, sizeof err) != MM_OK) {
        fprintf(stderr, "mixmaster: %s: cannot write the plan: %s\n", o.mix, plan_json ? err : mm_strerror(st));
        goto done;
    }
    if (of.lossy) plan.dither = MM_MASTER_DITHER_NONE;
    /* no length limit: a WAV past 4 GiB of data is written as RF64 (the
     * extension stays, as other tools do for long recordings) */
    if ((of.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV &&
        (double)mix.frames * mix.channels * (plan.bits / 8) > 4294967295.0 - 65536.0) {
        of.format = (of.format & ~SF_FORMAT_TYPEMASK) | SF_FORMAT_RF64;
        of.container = "RF64";
    }

    /* 2. the chain, and whether the limiter needs a probe first */
    const int nch = mix.channels;
    const double fs = mix.sample_rate;
    chain = mm_master_chain_create(&plan, fs, nch, &st);
    ob = mm_planar_alloc(2, BLOCK, &st);
    zero = mm_planar_alloc(2, BLOCK, &st);
    inter = malloc((size_t)BLOCK * 2 * sizeof(float));
    ints = malloc((size_t)BLOCK * 2 * sizeof(int32_t));
    if (!chain || !ob || !zero || !inter || !ints) {
        fprintf(stderr, "mixmaster: %s: cannot set up the mastering chain: %s\n", o.mix, mm_strerror(st));
        goto done;
    }
    size_t latency = mm_master_chain_latency(chain);
    cli_audio in;
    /* Without limiting and compression the loudness follows from the plan
     * (gain minus what the EQ adds), and one render meets the target. The
     * probe pass comes first only when it will be needed: a compressor, or
     * a mix whose true peak, raised by the gain alone, comes within
     * PROBE_MARGIN_DB of the ceiling (the limiter will work). Otherwise the
     * render goes first; if EQ boosts drive the limiter enough to miss the
     * target, the loop below probes and renders again. */
    double gain = plan.gain_db - mm_master_plan_eq_loudness_db(&plan), slope = 1.0;
    int probed = 0;
    int need_probe = plan.compressor || mix.true_peak_dbtp.reason != MM_REASON_NONE ||
                     mix.true_peak_dbtp.value + gain > plan.ceiling_dbtp - PROBE_MARGIN_DB;
    int passes = 1; /* passes over the mix: the analysis, probes, renders */
    /* 3. render (again if the loudness misses) */
    int tfd = cli_temp_create(o.out, &tmp, err, sizeof err);
    if (tfd >= 0) close(tfd);
    if (!tmp) {
        fprintf(stderr, "mixmaster: %s: %s\n", o.out, err);
        goto done;
    }
    mm_analyze_config ac = mm_master_analyze_config(fs, nch);
    /* "clipped" in the master's figures means at the ceiling: a run of two
     * samples within 0.01 dB of it would be a hard clip */
    ac.clip_threshold_dbfs = plan.ceiling_dbtp - 0.01;
    /* what nobody will see is not measured: with -q and no reports only the
     * loudness of the master is needed (to confirm the target) */
    if (o.quiet && !o.report && !o.report_dir) {
        mm_loudness_config lc = mm_loudness_config_default(fs, nch);
        lc.series_capacity = 0;
        after_meter = mm_loudness_create(&lc, &st);
    } else {
        after_an = mm_analyzer_create(&ac, &st);
    }
    if (!after_an && !after_meter) {
        fprintf(stderr, "mixmaster: %s: %s\n", o.mix, mm_strerror(st));
        goto done;
    }
    if (plan.dither != MM_MASTER_DITHER_NONE || (!of.lossy && plan.bits != 32)) {
        mm_dither_config dc = mm_dither_config_default(fs, nch, plan.bits == 32 ? 24 : plan.bits);
        dc.shaping = plan.dither == MM_MASTER_DITHER_SHAPED;
        dc.dither = plan.dither != MM_MASTER_DITHER_NONE;
        dither = mm_dither_create(&dc, &st);
        if (!dither) {
            fprintf(stderr, "mixmaster: %s: %s\n", o.mix, mm_strerror(st));
            goto done;
        }
    }
    /* the mix's loudness lets the probe sample a long mix */
    const double in_lufs = mix.integrated_lufs.reason == MM_REASON_NONE ? mix.integrated_lufs.value : NAN;
    if (need_probe) {
        if (probe_pass(chain, o.mix, latency, zero, o.quiet, in_lufs, &gain, &slope) != 0) goto done;
        probed = 1;
        passes++;
    }
    render_ctx r;
    for (int attempt = 0;; attempt++) {
        memset(&r, 0, sizeof r);
        mm_master_chain_reset(chain);
        mm_master_chain_set_gain_db(chain, gain);
        if (after_an) mm_analyzer_reset(after_an);
        if (after_meter) mm_loudness_reset(after_meter);
        if (dither) mm_dither_reset(dither);
        SF_INFO info = {0};
        info.samplerate = (int)fs;
        info.channels = nch;
        info.format = of.format;
        if (!sf_format_check(&info)) {
            fprintf(stderr, "mixmaster master: %s: %s cannot hold %d channels at %d Hz with %s\n", o.out,
                    of.container, nch, (int)fs, of.encoding);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
        sf = sf_open(tmp, SFM_WRITE, &info);
        if (!sf) {
            fprintf(stderr, "mixmaster: %s: cannot write: %s\n", o.out, sf_strerror(NULL));
            goto done;
        }
        if (of.lossy) {
            double q = 0.9; /* near the top of the codec's quality range */
            sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &q, sizeof q);
        }
        r.chain = chain;
        r.sf = sf;
        r.nch = nch;
        r.bits = plan.bits;
        r.write_float = of.lossy || plan.bits == 32;
        r.dither = dither;
        r.after = after_an;
        r.after_meter = after_meter;
        r.o[0] = ob[0];
        r.o[1] = ob[1];
        r.inter = inter;
        r.ints = ints;
        r.skip = latency;
        if (cli_audio_open(&in, o.mix, err, sizeof err) != 0 ||
            cli_audio_stream(&in, BLOCK, feed_render, &r, err, sizeof err) != 0) {
            cli_audio_close(&in);
            if (r.write_failed) fprintf(stderr, "mixmaster: %s: cannot write: %s\n", o.out, sf_strerror(sf));
            else fprintf(stderr, "mixmaster: %s: %s\n", o.mix, err);
            goto done;
        }
        cli_audio_close(&in);
        if (feed_zeros(feed_render, &r, latency, zero) != MM_OK || sf_error(sf) != SF_ERR_NO_ERROR) {
            fprintf(stderr, "mixmaster: %s: cannot write: %s\n", o.out, sf_strerror(sf));
            goto done;
        }
        if (after_an) mm_analyzer_finish(after_an, &after);
        else {
            memset(&after, 0, sizeof after);
            after.integrated_lufs = mm_loudness_integrated(after_meter);
        }
        passes++;
        double miss = after.integrated_lufs.reason == MM_REASON_NONE ? plan.target_lufs - after.integrated_lufs.value : 0.0;
        if (fabs(miss) <= RENDER_TOLERANCE_LU || attempt + 1 >= MAX_RENDERS) break;
        sf_close(sf);
        sf = NULL;
        if (!probed) {
            /* the limiter (or the estimate) missed: measure it properly */
            if (probe_pass(chain, o.mix, latency, zero, o.quiet, in_lufs, &gain, &slope) != 0) goto done;
            probed = 1;
            passes++;
        } else {
            /* the limiter flattens the gain-to-loudness curve: follow its slope */
            gain += miss / (slope > 0.3 ? slope : 0.3);
        }
    }
    sf_write_sync(sf);
    if (sf_close(sf) != 0) {
        sf = NULL;
        fprintf(stderr, "mixmaster: %s: cannot write: %s\n", o.out, sf_strerror(NULL));
        goto done;
    }
    sf = NULL;

    /* 4. report and plan, then the master appears */
    mm_master_result res;
    memset(&res, 0, sizeof res);
    res.input_path = o.mix;
    res.output_path = o.out;
    res.output_container = of.container;
    res.output_encoding = of.encoding;
    res.reference_path = o.ref;
    res.plan = &plan;
    res.before = &mix;
    res.after = &after;
    res.reference = o.ref ? &ref : NULL;
    res.gain_db = gain;
    res.limiter_max_reduction_db = mm_master_chain_limiter_max_db(chain);
    res.compressor_max_reduction_db = mm_master_chain_compressor_max_db(chain);
    res.render_passes = passes;
    res.latency_frames = latency;
    res.clamped_samples = r.clamped;
    char tool[64];
    snprintf(tool, sizeof tool, "mixmaster %s", mm_version_string());
    if (o.report) {
        report_json = mm_master_report_json(&res, tool, &st);
        if (!report_json) {
            fprintf(stderr, "mixmaster: %s: cannot build the report: %s\n", o.report, mm_strerror(st));
            goto done;
        }
    }
    if (rename(tmp, o.out) != 0) {
        fprintf(stderr, "mixmaster: %s: cannot write: %s\n", o.out, strerror(errno));
        goto done;
    }
    free(tmp);
    tmp = NULL;
    if (o.report) {
        if (cli_write_json(o.report, report_json, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster: %s: %s\n", o.report, err);
            goto done;
        }
    }
    if (o.plan_out) {
        free(plan_json);
        plan_json = mm_master_plan_to_json(&plan, &st);
        if (!plan_json || cli_write_json(o.plan_out, plan_json, err, sizeof err) != 0) {
            fprintf(stderr, "mixmaster: %s: %s\n", o.plan_out, plan_json ? err : mm_strerror(st));
            goto done;
        }
    }
    if (o.report_dir && cli_master_report(o.report_dir, &res, tool) != 0) goto done;
    if (!o.quiet && !(o.report && !strcmp(o.report, "-"))) {
        FILE *so = stdout;
        fprintf(so, "%s -> %s  (%s %s: %.1f LUFS, ceiling %.1f dBTP; %s %s)\n", o.mix, o.out,
                plan.target_kind == MM_MASTER_TARGET_PRESET ? "preset" : "reference", plan.target_name,
                plan.target_lufs, plan.ceiling_dbtp, of.container, of.encoding);
        print_line("before", &mix, &plan);
        print_line("after", &after, &plan);
        double emax = 0.0, emin = 0.0;
        for (int b = 0; b < MM_MASTER_BANDS; b++) {
            emax = fmax(emax, fmax(plan.band[b].mid_gain_db, plan.band[b].side_gain_db));
            emin = fmin(emin, fmin(plan.band[b].mid_gain_db, plan.band[b].side_gain_db));
        }
        fprintf(so, "  chain   EQ %+.1f..%+.1f dB, width %+.1f dB, ", emin, emax, plan.side_gain_db);
        if (plan.compressor)
            fprintf(so, "compressor %.1f:1 at %.1f dBFS (PLR %.1f vs %.1f dB), ", plan.comp_ratio,
                    plan.comp_threshold_db, plan.mix_plr_db.value, plan.target_plr_db.value);
        else fprintf(so, "no compressor, ");
        fprintf(so, "gain %+.2f dB, limiter up to %.1f dB, %d passes\n", gain, res.limiter_max_reduction_db, passes);
    }
    rc = CLI_EXIT_OK;
done:
    if (sf) sf_close(sf);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(plan_json);
    free(report_json);
    free(inter);
    free(ints);
    mm_planar_free(ob);
    mm_planar_free(zero);
    mm_dither_destroy(dither);
    mm_master_chain_destroy(chain);
    mm_analyzer_destroy(mix_an);
    mm_analyzer_destroy(ref_an);
    mm_analyzer_destroy(after_an);
    mm_loudness_destroy(after_meter);
    return rc;
}
