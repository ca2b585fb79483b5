/*
 * mm-corpus - deterministic generator of mixmaster's own test material.
 *
 *   mm-corpus song OUTDIR [--seconds S] [--rate HZ] [--seed N] [--bass saw|808]
 *   mm-corpus bench OUTFILE [--seconds S] [--rate HZ] [--seed N] [--bass saw|808]
 *   mm-corpus --help
 *
 * `song` writes seven raw stems of a procedurally synthesised 120 BPM song,
 * the reference balance that turns them into a mix (balance.json), that mix
 * (mix.wav, sample peak -6 dBFS), seven flawed variants of the mix and a
 * manifest. `bench` streams a long stereo mix of the same song for speed
 * and memory benchmarks. See corpus/README.md for the material.
 *
 * Design:
 *  - Everything is rendered block by block from a `song` state that holds
 *    the voices, the event list of the current bar and the wavetables; the
 *    memory use does not depend on the length. A render is a pure function
 *    of (seed, rate, song length, frame range from 0), so a second render
 *    from a reset state repeats the first bit for bit.
 *  - Song mode makes three passes over the same render: (1) measure every
 *    stem's peak and BS.1770 loudness, decide native levels and the balance;
 *    (2) measure the mix peak, decide the master gain, and measure the
 *    written stems; (3) write all files.
 *  - Randomness is a seeded hash per (stem, bar) plus xorshift32 noise per
 *    voice; rand() is never used. No file-scope mutable state.
 *  - Outputs are written to a hidden temp file in the target folder and
 *    renamed when complete, so a file appears whole or not at all.
 *
 * Exit status: 0 ok, 1 out of memory, 2 usage error, 3 I/O error.
 *
 * Self-contained on purpose: it links only libsndfile and libm, so the test
 * material does not depend on the library it is used to test.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sndfile.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define CORPUS_VERSION "0.1.0"

/* Exit codes (DOMAIN.md section 7: 2 usage, 3 input or I/O error). */
enum { EXIT_OK = 0, EXIT_NOMEM = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

/* ---------------------------------------------------------------------------
 * Constants
 * ------------------------------------------------------------------------- */

#define DEFAULT_SECONDS 30.0
#define DEFAULT_RATE 44100
#define DEFAULT_SEED 1u
#define BENCH_DEFAULT_SECONDS 240.0
#define MIN_SECONDS 1.0
#define MAX_SECONDS 36000.0   /* ten hours: the longest file a benchmark asks for */
#define MIN_RATE 8000
#define MAX_RATE 192000

/* Render granularity. 4096 frames keeps every per-block buffer in L2 and
 * makes per-block overhead (event checks, writer calls) negligible. */
#define BLOCK_FRAMES 4096

/* Song form: 120 BPM in 4/4 on a sixteenth-note grid; a bar lasts 2 s. */
#define TEMPO_BPM 120
#define STEPS_PER_BEAT 4
#define STEPS_PER_BAR 16
#define BARS_PER_CYCLE 16      /* the arrangement repeats every 16 bars (32 s) */
#define INTRO_BARS 4           /* the lead enters after 4 bars ... */
#define PERC_FIRST_BAR 2       /* ... and the perc after 2, */
#define SHORT_SONG_S 16.0      /* except in songs shorter than this: there every
                                  stem plays from the first bar, so that no stem
                                  file is silent */
#define BREAK_BAR 12           /* bar 12 of each cycle: drums, bass, perc drop out */
#define CHORUS_FIRST_BAR 13    /* bars 13..15: busier drums */

/* A 10 ms linear fade on every stem at the very end of the file so that
 * notes cut by the end of the file do not click. */
#define END_FADE_S 0.010

/* Target sample peak of the reference mix: DOMAIN.md section 2, "peaks
 * between -6 and -3 dBFS" for a mix going to mastering. */
#define MIX_PEAK_DBFS -6.0

/* The stem gains put the lead at -23 LUFS in the mix before the master gain,
 * the level of a rough mix before mastering (DOMAIN.md section 5); this
 * keeps every stem gain inside automix's -24..+12 dB clamp. */
#define LEAD_IN_MIX_LUFS -23.0

/* Flawed variants (DOMAIN.md section 2 lists what a readiness check finds). */
#define CLIP_DRIVE_DB 12.0            /* +12 dB over a -6 dBFS mix: peaks at +6 dBFS */
#define DC_LEFT 0.05                  /* DC offsets, full scale = 1.0 */
#define DC_RIGHT (-0.03)
#define QUIET_GAIN_DB -24.0           /* the mix pushed down to around -40 LUFS */
#define LEADING_SILENCE_S 2.0
#define NO_HEADROOM_PEAK_DBFS -0.1

/* The reference balance is measured over the whole song (every stem plays
 * from the first bar of a short song, so even 1 s has material for each). A
 * bench file decides its balance from the first 16-bar cycle only, so that
 * it can stream any length in one pass. */
#define CYCLE_S ((double)BARS_PER_CYCLE * STEPS_PER_BAR * 60.0 / (TEMPO_BPM * STEPS_PER_BEAT))

/* Wavetables: one band-limited table per (shape, octave band). Band b serves
 * fundamentals up to WT_BAND0_HZ * 2^b and holds only the harmonics that stay
 * below 0.45 * rate for that top frequency. 4096 points with linear
 * interpolation: worst error on harmonic k is about (pi k / 4096)^2 / 2,
 * -90 dB on the fundamental and -65 dB on the 20th harmonic. */
#define WT_SIZE 4096
#define WT_BANDS 10
#define WT_BAND0_HZ 32.0
#define WT_NYQUIST_FRACTION 0.45
#define WT_PITCH_MARGIN 1.03   /* vibrato (+1.8 %) and detune (+0.4 %) headroom */

#define MAX_VOICES 12          /* per stem: a pad holds 8 (two chords overlapping) */
#define MAX_EVENTS 32          /* per stem and bar: hats at most 16 + spare */

/* K-weighted loudness meter (ITU-R BS.1770-4): histogram of block loudness
 * in 0.01 LU bins between -70 and +10 LUFS, so memory does not grow. */
#define LM_BIN_LU 0.01
#define LM_MIN_LUFS -70.0      /* BS.1770-4 absolute gate */
#define LM_BINS 8000
#define LM_RELATIVE_GATE_LU -10.0

/* ---------------------------------------------------------------------------
 * Stems
 * ------------------------------------------------------------------------- */

enum stem_id { STEM_KICK, STEM_SNARE, STEM_HATS, STEM_BASS, STEM_PAD, STEM_LEAD, STEM_PERC, STEM_COUNT };

typedef struct stem_info {
    const char *name;        /* file name stem and role */
    int channels;            /* 1 mono, 2 stereo */
    double native_peak_dbfs; /* sample peak of the raw stem file */
    double offset_lu;        /* loudness in the mix relative to the lead (DOMAIN.md 5) */
    double pan;              /* -1 left .. +1 right */
    const char *description;
} stem_info;

/* Offsets: DOMAIN.md section 5 (bass -2.5, snare -3, kick -4.5, hats -4,
 * keys/pad -4, small percussion -6.5 LU relative to the lead). Pans: kick,
 * snare, bass and lead centred (content below 200 Hz or the focus); hats
 * and perc spread apart, pad (already wide) centred, which keeps the L/R
 * balance near 0. */
static const stem_info STEMS[STEM_COUNT] = {
    {"kick", 1, -1.5, -4.5, 0.0, "sine sweep 120->50 Hz with a noise click, beats 1 and 3 plus some 8ths"},
    {"snare", 1, -7.0, -3.0, 0.0, "high-passed noise burst with a 185 Hz tone body, beats 2 and 4, ghost notes and fills"},
    {"hats", 2, -17.0, -4.0, 0.3, "high-passed noise, different per channel, closed and open, 8ths and 16ths"},
    {"bass", 1, -3.5, -2.5, 0.0, "additive saw (10 harmonics) on chord roots and fifths, 43-98 Hz"},
    {"pad", 2, -12.0, -4.0, 0.0, "four-note chords of detuned additive saws, slow attack, detune differs per channel"},
    {"lead", 1, -9.0, 0.0, 0.0, "melody with delayed vibrato, enters after 4 bars, with rests"},
    {"perc", 1, -15.0, -6.5, -0.4, "woodblock-like two-partial hits on syncopated 16ths"},
};

/* `--bass 808`: the bass is an 808-style sub on the chord roots (43.7-65.4
 * Hz) that starts with every kick hit and holds to the next one, and the
 * kick is tuned up so that its fundamental (the end of its sweep) sits among
 * those roots. Then the bass masks the kick's strokes, not only their decay:
 * the case a sidechain duck is for. (With the saw bass, or with this sub
 * under the 50 Hz kick, the kick's strokes stay clear at the balance.) */
#define KICK_808_HZ 60.0
static const char KICK_808_DESCRIPTION[] =
    "sine sweep 130->60 Hz with a noise click, beats 1 and 3 plus some 8ths";
static const char BASS_808_DESCRIPTION[] =
    "808-style sub (sine, 2nd and 3rd harmonics at -12 and -20 dB) on the chord roots, 43-65 Hz, "
    "struck with every kick hit and held to the next";

/* ---------------------------------------------------------------------------
 * Random numbers
 * ------------------------------------------------------------------------- */

/* A well-mixed 32-bit hash of four words (murmur3 finalizer per word).
 * Used to derive an independent, position-addressable stream per
 * (seed, stem, bar, purpose). Never returns 0 (xorshift needs a nonzero state). */
static uint32_t hash32(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    const uint32_t w[4] = {a, b, c, d};
    uint32_t h = 0x9E3779B9u;
    for (int i = 0; i < 4; i++) {
        h ^= w[i] + 0x7F4A7C15u;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
    }
    return h ? h : 0x6D2B79F5u;
}

/* xorshift32 step (Marsaglia 2003). IN/OUT *s nonzero. Returns the new state. */
static inline uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* White noise in [-1, 1). */
static inline float noise_next(uint32_t *s)
{
    return (float)(int32_t)xorshift32(s) * (1.0f / 2147483648.0f);
}

/* Uniform in [0, 1). */
static double rng_uniform(uint32_t *s)
{
    return (double)(xorshift32(s) >> 8) * (1.0 / 16777216.0);
}

/* Uniform integer in [0, n), n >= 1. */
static int rng_below(uint32_t *s, int n)
{
    return (int)(rng_uniform(s) * n);
}

/* ---------------------------------------------------------------------------
 * Filters
 * ------------------------------------------------------------------------- */

/* Biquad coefficients, normalised so a0 = 1; run in transposed direct form II. */
typedef struct biquad {
    double b0, b1, b2, a1, a2;
} biquad;

typedef struct biquad_state {
    double z1, z2;
} biquad_state;

/* RBJ audio-EQ-cookbook high-pass. fc is clamped below 0.45 * rate so that
 * the design stays valid at 8 kHz. */
static biquad biquad_highpass(double fc_hz, double q, int rate)
{
    const double fc = fmin(fc_hz, 0.45 * rate);
    const double w = 2.0 * M_PI * fc / rate;
    const double alpha = sin(w) / (2.0 * q);
    const double cw = cos(w);
    const double a0 = 1.0 + alpha;
    biquad f;
    f.b0 = (1.0 + cw) / 2.0 / a0;
    f.b1 = -(1.0 + cw) / a0;
    f.b2 = f.b0;
    f.a1 = -2.0 * cw / a0;
    f.a2 = (1.0 - alpha) / a0;
    return f;
}

/* RBJ audio-EQ-cookbook low-pass, fc clamped below 0.45 * rate. */
static biquad biquad_lowpass(double fc_hz, double q, int rate)
{
    const double fc = fmin(fc_hz, 0.45 * rate);
    const double w = 2.0 * M_PI * fc / rate;
    const double alpha = sin(w) / (2.0 * q);
    const double cw = cos(w);
    const double a0 = 1.0 + alpha;
    biquad f;
    f.b0 = (1.0 - cw) / 2.0 / a0;
    f.b1 = (1.0 - cw) / a0;
    f.b2 = f.b0;
    f.a1 = -2.0 * cw / a0;
    f.a2 = (1.0 - alpha) / a0;
    return f;
}

/* One sample through a biquad (transposed direct form II). The +1e-20 keeps
 * the state out of denormals on silence. */
static inline double biquad_run(const biquad *f, biquad_state *s, double x)
{
    const double y = f->b0 * x + s->z1;
    s->z1 = f->b1 * x - f->a1 * y + s->z2 + 1e-20;
    s->z2 = f->b2 * x - f->a2 * y;
    return y;
}

/* ---------------------------------------------------------------------------
 * Wavetables
 * ------------------------------------------------------------------------- */

enum wt_shape { WT_SINE, WT_BASS, WT_PAD, WT_LEAD, WT_SUB, WT_SHAPES };

typedef struct wavebank {
    float *tab; /* [WT_SHAPES][WT_BANDS][WT_SIZE + 1]; the last point repeats the first */
} wavebank;

/* Amplitude of harmonic k (1-based) of a shape, and the most harmonics the
 * shape ever uses (it sets the timbre; the band sets the aliasing limit). */
static double shape_harmonic(int shape, int k, int *max_k)
{
    switch (shape) {
    case WT_BASS: /* plain saw, 10 harmonics: bright enough to be heard on small speakers */
        *max_k = 10;
        return 1.0 / k;
    case WT_PAD: /* saw with a -7.8 dB/octave tilt: soft */
        *max_k = 24;
        return pow((double)k, -1.3);
    case WT_LEAD: /* square-ish: odd harmonics 1/k, even ones 0.3/k */
        *max_k = 14;
        return (k % 2 ? 1.0 : 0.3) / k;
    case WT_SUB: /* an 808-style sub: a sine with a little 2nd and 3rd harmonic
                    (-12 and -20 dB), the warmth of a saturated sine */
        *max_k = 3;
        return k == 1 ? 1.0 : (k == 2 ? 0.25 : 0.1);
    default:
        *max_k = 1;
        return k == 1 ? 1.0 : 0.0;
    }
}

/* Table for a shape and band. IN shape < WT_SHAPES, band < WT_BANDS. */
static float *wavebank_slot(const wavebank *wb, int shape, int band)
{
    return wb->tab + ((size_t)shape * WT_BANDS + (size_t)band) * (WT_SIZE + 1);
}

/* Build all tables for a sample rate. Harmonics are read from the sine table
 * at index k*n mod WT_SIZE, which is exact. Returns 0 or -1 (no memory). */
static int wavebank_init(wavebank *wb, int rate)
{
    wb->tab = malloc(sizeof(float) * WT_SHAPES * WT_BANDS * (WT_SIZE + 1));
    if (!wb->tab)
        return -1;
    double *sine = malloc(sizeof(double) * WT_SIZE);
    double *acc = malloc(sizeof(double) * WT_SIZE);
    if (!sine || !acc) {
        free(sine);
        free(acc);
        free(wb->tab);
        wb->tab = NULL;
        return -1;
    }
    for (int n = 0; n < WT_SIZE; n++)
        sine[n] = sin(2.0 * M_PI * n / WT_SIZE);
    for (int shape = 0; shape < WT_SHAPES; shape++) {
        for (int band = 0; band < WT_BANDS; band++) {
            const double top_hz = WT_BAND0_HZ * ldexp(1.0, band) * WT_PITCH_MARGIN;
            int max_k = 1;
            shape_harmonic(shape, 1, &max_k);
            int nk = (int)(WT_NYQUIST_FRACTION * rate / top_hz);
            if (nk > max_k)
                nk = max_k;
            if (nk < 1)
                nk = 1;
            memset(acc, 0, sizeof(double) * WT_SIZE);
            for (int k = 1; k <= nk; k++) {
                const double a = shape_harmonic(shape, k, &max_k);
                for (int n = 0; n < WT_SIZE; n++)
                    acc[n] += a * sine[((size_t)k * (size_t)n) & (WT_SIZE - 1)];
            }
            float *t = wavebank_slot(wb, shape, band);
            for (int n = 0; n < WT_SIZE; n++)
                t[n] = (float)acc[n];
            t[WT_SIZE] = t[0];
        }
    }
    free(sine);
    free(acc);
    return 0;
}

static void wavebank_free(wavebank *wb)
{
    free(wb->tab);
    wb->tab = NULL;
}

/* The band-limited table to play a fundamental of f_hz. */
static const float *wavebank_table(const wavebank *wb, int shape, double f_hz)
{
    int band = 0;
    while (band < WT_BANDS - 1 && WT_BAND0_HZ * ldexp(1.0, band) < f_hz * WT_PITCH_MARGIN)
        band++;
    return wavebank_slot(wb, shape, band);
}

/* Linear-interpolated table read. IN ph in [0, 1). */
static inline float wt_read(const float *t, double ph)
{
    const double x = ph * WT_SIZE;
    const int i = (int)x;
    const float fr = (float)(x - i);
    return t[i] + fr * (t[i + 1] - t[i]);
}

/* Advance a phase in cycles by inc (0 <= inc < 1) and wrap into [0, 1). */
static inline double phase_step(double ph, double inc)
{
    ph += inc;
    return ph >= 1.0 ? ph - 1.0 : ph;
}

/* Phase increment (cycles per frame) for f_hz, or 0 when f_hz is too close
 * to Nyquist to be rendered without aliasing. */
static double safe_inc(double f_hz, int rate)
{
    return f_hz < WT_NYQUIST_FRACTION * rate ? f_hz / rate : 0.0;
}

/* ---------------------------------------------------------------------------
 * Events and voices
 * ------------------------------------------------------------------------- */

typedef struct event {
    int64_t start;  /* absolute frame */
    int64_t hold;   /* frames the note is held before its release */
    double freq_hz; /* pitch; 0 for unpitched hits */
    double vel;     /* amplitude 0..1 */
    int variant;    /* open hat, second perc pitch, ... */
} event;

/* One sounding note. Gate: linear attack over `att` frames, full level, then
 * a linear release from `rel_at` to `len` (both >= 1 ms: no clicks). Decays
 * are one-pole multipliers updated per frame. */
typedef struct voice {
    int active;
    int variant;
    int64_t age, att, rel_at, len; /* frames */
    double amp;                    /* velocity */
    double dec, dec_coef, sus;     /* main envelope, decays from 1 toward sus */
    double aux, aux_coef;          /* second decay: pitch sweep, tone body or partial */
    double aux2, aux2_coef;        /* third decay: click */
    double ph[4], inc[4];          /* oscillator phases and increments, cycles */
    double vib_ph, vib_inc;        /* lead vibrato LFO */
    const float *tab;
    uint32_t noise[3];             /* left / only, right, shared */
    biquad_state bq[4];            /* noise filters: high-pass, low-pass per channel */
} voice;

typedef struct stem {
    int id;
    voice v[MAX_VOICES];
    event ev[MAX_EVENTS];
    int ev_n, ev_pos;          /* events of the current bar, next one to start */
    int64_t next_bar;          /* index of the next bar to schedule */
    int64_t next_bar_frame;    /* its first frame */
    int melody_degree;         /* lead: scale degree of the last note (carries across bars) */
    double dc_x1, dc_y1;       /* DC blocker state (mono stems that need it) */
} stem;

typedef struct song {
    int rate;
    uint32_t seed;
    int64_t frames;        /* length of the render, for the end fade */
    int intro_bars;        /* bars before the lead enters */
    int perc_first_bar;
    int bass_808;          /* --bass 808: an 808 sub that hits with the kick, kick tuned up */
    int64_t fade_frames;
    wavebank wb;
    biquad hat_hp, hat_lp, snare_hp, snare_lp, click_lp;
    double dc_coef;        /* pole of the 20 Hz DC blocker */
    stem st[STEM_COUNT];
    float *buf;            /* [STEM_COUNT][2][BLOCK_FRAMES] rendered source block */
} song;

/* Rendered source block of a stem channel. */
static float *song_chan(const song *sg, int s, int ch)
{
    return sg->buf + ((size_t)s * 2 + (size_t)ch) * BLOCK_FRAMES;
}

/* Seconds to frames (rounded, at least 1). */
static int64_t sec_frames(const song *sg, double s)
{
    const int64_t n = (int64_t)llround(s * sg->rate);
    return n > 0 ? n : 1;
}

/* First frame of sixteenth-note step k (k counts from the start of the song).
 * Integer arithmetic: exact and identical for every block split. */
static int64_t step_frame(const song *sg, int64_t k)
{
    return k * sg->rate * 60 / (TEMPO_BPM * STEPS_PER_BEAT);
}

/* Frequency of MIDI note m (A4 = 69 = 440 Hz). */
static double midi_hz(double m)
{
    return 440.0 * pow(2.0, (m - 69.0) / 12.0);
}

/* ---------------------------------------------------------------------------
 * Arrangement: sections, chords and patterns
 * ------------------------------------------------------------------------- */

enum section { SEC_INTRO, SEC_VERSE, SEC_BREAK, SEC_CHORUS };

static enum section bar_section(const song *sg, int64_t bar)
{
    const int64_t b = bar % BARS_PER_CYCLE;
    if (bar < sg->intro_bars)
        return SEC_INTRO;
    if (b == BREAK_BAR)
        return SEC_BREAK;
    if (b >= CHORUS_FIRST_BAR)
        return SEC_CHORUS;
    return SEC_VERSE;
}

/* i-VI-III-VII in A minor (Am F C G), one chord per bar. Pad voicings in
 * MIDI notes around middle C; bass roots in octave 1-2 (43.7-65.4 Hz) and
 * fifths (65.4-98 Hz), inside the 40-110 Hz range of a bass line. */
static const int CHORD_PAD[4][4] = {{57, 60, 64, 69}, {53, 57, 60, 65}, {55, 60, 64, 67}, {55, 59, 62, 67}};
static const int CHORD_ROOT[4] = {33, 29, 36, 31};
/* A natural minor from A4 to E6: the lead's scale, indexed by degree. */
static const int LEAD_SCALE[12] = {69, 71, 72, 74, 76, 77, 79, 81, 83, 84, 86, 88};

/* Bass patterns: {step, length in steps, 0 root / 1 fifth}, 16 steps a bar. */
typedef struct bass_note {
    int step, len, fifth;
} bass_note;
static const bass_note BASS_PATTERNS[3][5] = {
    {{0, 6, 0}, {6, 2, 0}, {8, 4, 1}, {12, 4, 0}, {-1, 0, 0}},
    {{0, 3, 0}, {3, 3, 0}, {6, 2, 1}, {8, 6, 0}, {14, 2, 1}},
    {{0, 8, 0}, {8, 4, 0}, {12, 2, 1}, {14, 2, 0}, {-1, 0, 0}},
};

/* The steps (0..15) of bar `bar` where the kick hits, and their velocities;
 * returns how many. Drawn from the kick's own stream, so the kick and an
 * 808 bass that follows it agree. IN steps[], vel[] hold 8. */
static int kick_hits(const song *sg, int64_t bar, int *steps, double *vel)
{
    uint32_t r = hash32(sg->seed, (uint32_t)STEM_KICK, (uint32_t)bar, (uint32_t)(bar >> 32));
    const enum section sec = bar_section(sg, bar);
    int n = 0;
    if (sec == SEC_BREAK)
        return 0;
    for (int k = 0; k < STEPS_PER_BAR; k += 2) {
        int hit = (k == 0 || k == 8);
        if (k == 10 && (sec == SEC_CHORUS || rng_uniform(&r) < 0.5))
            hit = 1; /* "and" of 3 */
        if (k == 6 && sec == SEC_CHORUS)
            hit = 1;
        if (hit) {
            steps[n] = k;
            vel[n++] = k % 8 ? 0.8 : 1.0;
        }
    }
    return n;
}

/* Append an event. IN st->ev_n < MAX_EVENTS (patterns stay far below). */
static void add_event(stem *st, int64_t start, int64_t hold, double freq_hz, double vel, int variant)
{
    if (st->ev_n >= MAX_EVENTS)
        return;
    event *e = &st->ev[st->ev_n++];
    e->start = start;
    e->hold = hold > 1 ? hold : 1;
    e->freq_hz = freq_hz;
    e->vel = vel;
    e->variant = variant;
}

/* Fill st->ev with the events of `bar`, in start order. Each stem and bar
 * draws from its own hashed random stream, so the result does not depend on
 * how the render was split into blocks. */
static void schedule_bar(const song *sg, stem *st, int64_t bar)
{
    uint32_t r = hash32(sg->seed, (uint32_t)st->id, (uint32_t)bar, (uint32_t)(bar >> 32));
    const enum section sec = bar_section(sg, bar);
    const int64_t s0 = bar * STEPS_PER_BAR;
    const int chord = (int)(bar % 4);
    const int64_t gap = sec_frames(sg, 0.02); /* 20 ms between legato notes */
    st->ev_n = 0;
    st->ev_pos = 0;

    switch (st->id) {
    case STEM_KICK: {
        int steps[8] = {0};
        double vel[8] = {0};
        const int nh = kick_hits(sg, bar, steps, vel);
        for (int i = 0; i < nh; i++)
            add_event(st, step_frame(sg, s0 + steps[i]), 1, 0.0, vel[i], 0);
        break;
    }
    case STEM_SNARE:
        if (sec == SEC_BREAK)
            break;
        for (int k = 0; k < STEPS_PER_BAR; k++) {
            const int fill = bar % BARS_PER_CYCLE == BARS_PER_CYCLE - 1 && k >= 12;
            if (k == 4 || (k == 12 && !fill))
                add_event(st, step_frame(sg, s0 + k), 1, 0.0, 1.0, 0);
            else if (fill)
                add_event(st, step_frame(sg, s0 + k), 1, 0.0, 0.55 + 0.15 * (k - 12), 0);
            else if ((k == 7 || k == 9 || k == 15) && rng_uniform(&r) < 0.3)
                add_event(st, step_frame(sg, s0 + k), 1, 0.0, 0.22, 0); /* ghost note */
        }
        break;
    case STEM_HATS: {
        const int every = sec == SEC_CHORUS ? 1 : 2;
        for (int k = 0; k < STEPS_PER_BAR; k += every) {
            /* humanise: 0..1.5 ms late, accents on the off-beats */
            const int64_t late = (int64_t)(rng_uniform(&r) * 0.0015 * sg->rate);
            double vel = (k % 4 == 2) ? 1.0 : (k % 2 ? 0.45 : 0.7);
            vel *= 0.85 + 0.15 * rng_uniform(&r);
            if (sec == SEC_BREAK)
                vel *= 0.5;
            const int open = k == 14 && rng_uniform(&r) < 0.4;
            add_event(st, step_frame(sg, s0 + k) + late, 1, 0.0, vel, open);
        }
        break;
    }
    case STEM_PERC:
        if (sec == SEC_BREAK || bar < sg->perc_first_bar)
            break;
        for (int k = 0; k < STEPS_PER_BAR; k++) {
            const int first = bar == sg->perc_first_bar && k == 3; /* always enter on a hit */
            if ((k == 3 || k == 6 || k == 11 || k == 14) && (rng_uniform(&r) < 0.7 || first))
                add_event(st, step_frame(sg, s0 + k), 1, 0.0, 0.6 + 0.4 * rng_uniform(&r), k == 6 || k == 14);
        }
        break;
    case STEM_BASS: {
        if (sec == SEC_BREAK)
            break;
        if (sg->bass_808) {
            /* the 808 hits with the kick and holds to its next hit */
            int steps[8] = {0};
            double vel[8] = {0};
            const int nh = kick_hits(sg, bar, steps, vel);
            for (int i = 0; i < nh; i++) {
                const int64_t a = step_frame(sg, s0 + steps[i]);
                const int64_t b = step_frame(sg, s0 + (i + 1 < nh ? steps[i + 1] : STEPS_PER_BAR));
                add_event(st, a, b - a - gap, midi_hz(CHORD_ROOT[chord]), vel[i], 0);
            }
            break;
        }
        const bass_note *p = BASS_PATTERNS[rng_below(&r, 3)];
        for (int i = 0; i < 5 && p[i].step >= 0; i++) {
            const double m = CHORD_ROOT[chord] + (p[i].fifth ? 7 : 0);
            const int64_t a = step_frame(sg, s0 + p[i].step);
            const int64_t b = step_frame(sg, s0 + p[i].step + p[i].len);
            add_event(st, a, b - a - gap, midi_hz(m), p[i].step % 4 ? 0.8 : 1.0, 0);
        }
        break;
    }
    case STEM_PAD: {
        const int64_t a = step_frame(sg, s0);
        const int64_t b = step_frame(sg, s0 + STEPS_PER_BAR);
        for (int i = 0; i < 4; i++)
            add_event(st, a, b - a, midi_hz(CHORD_PAD[chord][i]), 1.0, i);
        break;
    }
    case STEM_LEAD: {
        if (sec == SEC_INTRO)
            break;
        /* Eighth-note grid: rests (more on off-beats), notes of 1-4 eighths,
         * stepwise motion on the scale, chord tone on the downbeat, and a
         * breath at the end of every second bar. */
        static const int DUR[6] = {1, 1, 2, 2, 3, 4};
        static const int MOVE[7] = {-2, -1, -1, 0, 1, 1, 2};
        int deg = st->melody_degree;
        for (int e = 0; e < 8;) {
            const int last = (bar % 2 == 1) ? 6 : 8;
            if (e >= last)
                break;
            const int first = bar == sg->intro_bars && e == 0; /* enter on the downbeat */
            if (rng_uniform(&r) < (e % 2 ? 0.3 : 0.15) && !first) {
                e++;
                continue;
            }
            int d = DUR[rng_below(&r, 6)];
            if (e + d > last)
                d = last - e;
            if (e == 0) { /* nearest chord tone to the current degree */
                int best = deg, bestdist = 99;
                for (int j = 0; j < 12; j++) {
                    const int pc = LEAD_SCALE[j] % 12;
                    int tone = 0;
                    for (int i = 0; i < 4; i++)
                        tone |= (CHORD_PAD[chord][i] % 12) == pc;
                    const int dist = abs(j - deg);
                    if (tone && dist < bestdist) {
                        best = j;
                        bestdist = dist;
                    }
                }
                deg = best;
            } else {
                deg += MOVE[rng_below(&r, 7)];
            }
            if (deg < 0)
                deg = 1;
            if (deg > 11)
                deg = 10;
            const int64_t a = step_frame(sg, s0 + 2 * e);
            const int64_t b = step_frame(sg, s0 + 2 * (e + d));
            add_event(st, a, b - a - gap, midi_hz(LEAD_SCALE[deg]), 0.8 + 0.2 * rng_uniform(&r), 0);
            e += d;
        }
        st->melody_degree = deg;
        break;
    }
    default:
        break;
    }
}

/* Decay multiplier per frame for a time constant tau_s (e^-1 after tau_s). */
static double decay_coef(const song *sg, double tau_s)
{
    return exp(-1.0 / (tau_s * sg->rate));
}

/* Set a voice's gate: attack att_s, held hold frames, release rel_s. */
static void voice_gate(const song *sg, voice *v, double att_s, int64_t hold, double rel_s)
{
    v->age = 0;
    v->att = sec_frames(sg, att_s);
    v->rel_at = hold > v->att ? hold : v->att;
    v->len = v->rel_at + sec_frames(sg, rel_s);
}

/* Start a voice for event e of stem `id`: set its gate, envelopes and
 * oscillators. Fixed drum hits use their own length and ignore e->hold. */
static void voice_start(const song *sg, int id, voice *v, const event *e)
{
    memset(v, 0, sizeof(*v));
    v->active = 1;
    v->variant = e->variant;
    v->amp = e->vel;
    v->dec = 1.0;
    v->dec_coef = 1.0;
    v->sus = 0.0;
    v->noise[0] = hash32(sg->seed, 100u + (uint32_t)id, (uint32_t)e->start, (uint32_t)(e->start >> 32));
    v->noise[1] = hash32(sg->seed, 200u + (uint32_t)id, (uint32_t)e->start, (uint32_t)(e->start >> 32));
    v->noise[2] = hash32(sg->seed, 300u + (uint32_t)id, (uint32_t)e->start, (uint32_t)(e->start >> 32));
    const int rate = sg->rate;
    switch (id) {
    case STEM_KICK:
        /* pitch 50 Hz + 70 Hz * e^(-t/35 ms): starts at 120 Hz (60 + 70 with
         * --bass 808); amplitude tau 200 ms */
        voice_gate(sg, v, 0.0005, sec_frames(sg, 0.36), 0.06);
        v->dec_coef = decay_coef(sg, 0.20);
        v->inc[0] = (sg->bass_808 ? KICK_808_HZ : 50.0) / rate;
        v->aux = 70.0 / rate;
        v->aux_coef = decay_coef(sg, 0.035);
        v->aux2 = 0.35; /* click: noise, tau 3 ms */
        v->aux2_coef = decay_coef(sg, 0.003);
        break;
    case STEM_SNARE:
        /* noise tau 110 ms; body 185 Hz (+35 Hz drop, tau 15 ms), tau 60 ms */
        voice_gate(sg, v, 0.0005, sec_frames(sg, 0.32), 0.06);
        v->dec_coef = decay_coef(sg, 0.11);
        v->inc[0] = safe_inc(185.0, rate);
        v->inc[1] = safe_inc(35.0, rate);
        v->aux = 1.0;
        v->aux_coef = decay_coef(sg, 0.06);
        v->aux2_coef = decay_coef(sg, 0.015);
        v->aux2 = 1.0;
        break;
    case STEM_HATS:
        if (e->variant) { /* open: tau 140 ms */
            voice_gate(sg, v, 0.0003, sec_frames(sg, 0.32), 0.08);
            v->dec_coef = decay_coef(sg, 0.14);
        } else { /* closed: tau 25 ms */
            voice_gate(sg, v, 0.0003, sec_frames(sg, 0.09), 0.03);
            v->dec_coef = decay_coef(sg, 0.025);
        }
        break;
    case STEM_PERC: {
        /* partials at f and 2.76 f (a free bar's second mode), tau 45 / 20 ms */
        const double f = e->variant ? 1150.0 : 820.0;
        voice_gate(sg, v, 0.0005, sec_frames(sg, 0.14), 0.04);
        v->dec_coef = decay_coef(sg, 0.045);
        v->inc[0] = safe_inc(f, rate);
        v->inc[1] = safe_inc(2.76 * f, rate);
        v->aux = 0.5;
        v->aux_coef = decay_coef(sg, 0.02);
        break;
    }
    case STEM_BASS:
        /* attack 5 ms, decay to 55 % (tau 250 ms), release 30 ms; the 808
         * decays to 60 % (tau 300 ms) */
        voice_gate(sg, v, 0.005, e->hold, 0.03);
        v->sus = sg->bass_808 ? 0.6 : 0.55;
        v->dec_coef = decay_coef(sg, sg->bass_808 ? 0.30 : 0.25);
        v->inc[0] = safe_inc(e->freq_hz, rate);
        v->tab = wavebank_table(&sg->wb, sg->bass_808 ? WT_SUB : WT_BASS, e->freq_hz);
        break;
    case STEM_PAD: {
        /* attack 350 ms, release 450 ms (overlaps the next chord); a centre
         * oscillator on both sides plus one detuned -6 cents on the left and
         * one +7 cents on the right: correlation about 0.5, like a chorus */
        static const double CENTS[3] = {0.0, -6.0, 7.0};
        voice_gate(sg, v, 0.35, e->hold, 0.45);
        v->sus = 1.0;
        v->tab = wavebank_table(&sg->wb, WT_PAD, e->freq_hz);
        uint32_t r = v->noise[0];
        for (int i = 0; i < 3; i++) {
            v->inc[i] = safe_inc(e->freq_hz * pow(2.0, CENTS[i] / 1200.0), rate);
            v->ph[i] = rng_uniform(&r); /* free-running phases: the attack starts at 0 */
        }
        break;
    }
    case STEM_LEAD:
        /* attack 12 ms, decay to 70 % (tau 350 ms), release 60 ms; a second
         * oscillator 6 cents sharp at 40 %; vibrato 5.5 Hz +-0.3 semitone
         * fading in from 150 ms to 400 ms */
        voice_gate(sg, v, 0.012, e->hold, 0.06);
        v->sus = 0.7;
        v->dec_coef = decay_coef(sg, 0.35);
        v->tab = wavebank_table(&sg->wb, WT_LEAD, e->freq_hz);
        v->inc[0] = safe_inc(e->freq_hz, rate);
        v->inc[1] = safe_inc(e->freq_hz * pow(2.0, 6.0 / 1200.0), rate);
        v->vib_inc = 5.5 / rate;
        break;
    default:
        v->active = 0;
        break;
    }
}

/* Gate value of the voice's current frame times its velocity; advances the
 * age and ends the voice after its last frame. */
static inline double voice_gate_next(voice *v)
{
    double g = v->amp;
    if (v->age < v->att)
        g *= (double)v->age / (double)v->att;
    else if (v->age >= v->rel_at)
        g *= (double)(v->len - v->age) / (double)(v->len - v->rel_at);
    if (++v->age >= v->len)
        v->active = 0;
    return g;
}

/* Main envelope of the current frame, then one step toward v->sus. */
static inline double voice_decay_next(voice *v)
{
    const double d = v->dec;
    v->dec = v->sus + (v->dec - v->sus) * v->dec_coef;
    return d;
}

/* Add n frames of voice v of stem `id` into out[0..channels-1][0..n-1].
 * Stops early if the voice ends. */
static void voice_render(const song *sg, int id, voice *v, float *const out[], size_t n)
{
    const float *sine = wavebank_slot(&sg->wb, WT_SINE, 0);
    switch (id) {
    case STEM_KICK:
        for (size_t i = 0; i < n && v->active; i++) {
            const double g = voice_gate_next(v) * voice_decay_next(v);
            v->ph[0] = phase_step(v->ph[0], v->inc[0] + v->aux);
            v->aux *= v->aux_coef;
            const double click = v->aux2 * biquad_run(&sg->click_lp, &v->bq[0], noise_next(&v->noise[0]));
            v->aux2 *= v->aux2_coef;
            out[0][i] += (float)(g * (wt_read(sine, v->ph[0]) + click));
        }
        break;
    case STEM_SNARE:
        for (size_t i = 0; i < n && v->active; i++) {
            const double g = voice_gate_next(v);
            const double nz = biquad_run(&sg->snare_lp, &v->bq[1],
                                         biquad_run(&sg->snare_hp, &v->bq[0], noise_next(&v->noise[0])));
            v->ph[0] = phase_step(v->ph[0], v->inc[0] + v->inc[1] * v->aux2);
            v->aux2 *= v->aux2_coef;
            const double body = v->aux * wt_read(sine, v->ph[0]);
            v->aux *= v->aux_coef;
            out[0][i] += (float)(g * (0.75 * voice_decay_next(v) * nz + 0.8 * body));
        }
        break;
    case STEM_HATS:
        for (size_t i = 0; i < n && v->active; i++) {
            const double g = voice_gate_next(v) * voice_decay_next(v);
            /* 80 % shared noise, 60 % own noise per side: correlation 0.64,
             * the slight difference of two overhead microphones */
            const double common = 0.8 * noise_next(&v->noise[2]);
            const double hl = biquad_run(&sg->hat_hp, &v->bq[0], common + 0.6 * noise_next(&v->noise[0]));
            const double hr = biquad_run(&sg->hat_hp, &v->bq[2], common + 0.6 * noise_next(&v->noise[1]));
            out[0][i] += (float)(g * biquad_run(&sg->hat_lp, &v->bq[1], hl));
            out[1][i] += (float)(g * biquad_run(&sg->hat_lp, &v->bq[3], hr));
        }
        break;
    case STEM_PERC:
        for (size_t i = 0; i < n && v->active; i++) {
            const double g = voice_gate_next(v) * voice_decay_next(v);
            v->ph[0] = phase_step(v->ph[0], v->inc[0]);
            v->ph[1] = phase_step(v->ph[1], v->inc[1]);
            const double s = wt_read(sine, v->ph[0]) + v->aux * wt_read(sine, v->ph[1]);
            v->aux *= v->aux_coef;
            out[0][i] += (float)(g * s);
        }
        break;
    case STEM_BASS:
        for (size_t i = 0; i < n && v->active; i++) {
            const double g = voice_gate_next(v) * voice_decay_next(v);
            v->ph[0] = phase_step(v->ph[0], v->inc[0]);
            out[0][i] += (float)(g * wt_read(v->tab, v->ph[0]));
        }
        break;
    case STEM_PAD: {
        double p0 = v->ph[0], p1 = v->ph[1], p2 = v->ph[2];
        const double i0 = v->inc[0], i1 = v->inc[1], i2 = v->inc[2];
        const float *tab = v->tab;
        for (size_t i = 0; i < n && v->active; i++) {
            const double g = 0.5 * voice_gate_next(v);
            p0 = phase_step(p0, i0);
            p1 = phase_step(p1, i1);
            p2 = phase_step(p2, i2);
            const double centre = wt_read(tab, p0);
            out[0][i] += (float)(g * (centre + wt_read(tab, p1)));
            out[1][i] += (float)(g * (centre + wt_read(tab, p2)));
        }
        v->ph[0] = p0; /* copy back */
        v->ph[1] = p1;
        v->ph[2] = p2;
        break;
    }
    case STEM_LEAD: {
        /* vibrato depth: 2^(0.3/12) - 1 = 1.75 % of the frequency */
        const double depth = 0.0175;
        const double vib_delay = 0.15 * sg->rate, vib_ramp = 0.25 * sg->rate;
        for (size_t i = 0; i < n && v->active; i++) {
            double amt = ((double)v->age - vib_delay) / vib_ramp;
            amt = amt < 0.0 ? 0.0 : (amt > 1.0 ? 1.0 : amt);
            const double g = voice_gate_next(v) * voice_decay_next(v);
            v->vib_ph = phase_step(v->vib_ph, v->vib_inc);
            const double f = 1.0 + depth * amt * wt_read(sine, v->vib_ph);
            v->ph[0] = phase_step(v->ph[0], v->inc[0] * f);
            v->ph[1] = phase_step(v->ph[1], v->inc[1] * f);
            out[0][i] += (float)(g * (wt_read(v->tab, v->ph[0]) + 0.4 * wt_read(v->tab, v->ph[1])));
        }
        break;
    }
    default:
        break;
    }
}

/* Start a voice for event e in a free slot. If every slot sounds (never with
 * the patterns above), the note is dropped rather than cutting one short. */
static void stem_note_on(const song *sg, stem *st, const event *e)
{
    for (int i = 0; i < MAX_VOICES; i++) {
        if (!st->v[i].active) {
            voice_start(sg, st->id, &st->v[i], e);
            return;
        }
    }
}

/* Render frames [t0, t0 + n) of one stem into out[ch][0..n-1] (zeroed
 * first). IN the stem was last rendered up to t0 (or reset and t0 = 0). */
static void stem_render(const song *sg, stem *st, float *const out[], int channels, int64_t t0, size_t n)
{
    for (int c = 0; c < channels; c++)
        memset(out[c], 0, sizeof(float) * n);
    size_t i = 0;
    while (i < n) {
        const int64_t now = t0 + (int64_t)i;
        if (now == st->next_bar_frame) {
            schedule_bar(sg, st, st->next_bar);
            st->next_bar++;
            st->next_bar_frame = step_frame(sg, st->next_bar * STEPS_PER_BAR);
        }
        while (st->ev_pos < st->ev_n && st->ev[st->ev_pos].start <= now)
            stem_note_on(sg, st, &st->ev[st->ev_pos++]);
        int64_t stop = t0 + (int64_t)n;
        if (st->next_bar_frame < stop)
            stop = st->next_bar_frame;
        if (st->ev_pos < st->ev_n && st->ev[st->ev_pos].start < stop)
            stop = st->ev[st->ev_pos].start;
        const size_t m = (size_t)(stop - now);
        float *seg[2] = {out[0] + i, channels > 1 ? out[1] + i : NULL};
        for (int k = 0; k < MAX_VOICES; k++)
            if (st->v[k].active)
                voice_render(sg, st->id, &st->v[k], seg, m);
        i += m;
    }
}

/* Reset the song to frame 0 for a render of `frames` frames. */
static void song_reset(song *sg, int64_t frames)
{
    sg->frames = frames;
    for (int s = 0; s < STEM_COUNT; s++) {
        stem *st = &sg->st[s];
        memset(st, 0, sizeof(*st));
        st->id = s;
        st->next_bar = 0;
        st->next_bar_frame = 0;
        st->melody_degree = 4; /* E5 */
    }
}

/* Create a renderer for a song of file_frames frames (the arrangement
 * depends on the length: see SHORT_SONG_S). Returns 0, or -1 when out of
 * memory. */
static int song_init(song *sg, int rate, uint32_t seed, int bass_808, int64_t file_frames)
{
    memset(sg, 0, sizeof(*sg));
    sg->rate = rate;
    sg->seed = seed;
    sg->bass_808 = bass_808;
    const int is_short = (double)file_frames < SHORT_SONG_S * rate;
    sg->intro_bars = is_short ? 0 : INTRO_BARS;
    sg->perc_first_bar = is_short ? 0 : PERC_FIRST_BAR;
    sg->fade_frames = (int64_t)llround(END_FADE_S * rate);
    /* Noise sources are band-limited the way a microphone and a real
     * cymbal or snare would leave them, which also keeps the inter-sample
     * peaks of the mix realistic: hats 4-10 kHz, snare wires 1.2-9 kHz,
     * kick click below 4 kHz (Butterworth Q 0.707 each). */
    sg->hat_hp = biquad_highpass(4000.0, 0.707, rate);
    sg->hat_lp = biquad_lowpass(10000.0, 0.707, rate);
    sg->snare_hp = biquad_highpass(1200.0, 0.707, rate);
    sg->snare_lp = biquad_lowpass(9000.0, 0.707, rate);
    sg->click_lp = biquad_lowpass(4000.0, 0.707, rate);
    /* Kick, snare and bass pass a first-order 20 Hz high-pass (a DC
     * blocker, pole exp(-2 pi 20 / rate)): their decaying notes start at
     * phase 0 and would otherwise leave a DC offset near -60 dBFS in the
     * mix, which would blur the dc_offset variant. The other stems measure
     * below -100 dBFS of DC without it. */
    sg->dc_coef = exp(-2.0 * M_PI * 20.0 / rate);
    if (wavebank_init(&sg->wb, rate) != 0)
        return -1;
    sg->buf = calloc((size_t)STEM_COUNT * 2 * BLOCK_FRAMES, sizeof(float));
    if (!sg->buf) {
        wavebank_free(&sg->wb);
        return -1;
    }
    song_reset(sg, 0);
    return 0;
}

static void song_free(song *sg)
{
    wavebank_free(&sg->wb);
    free(sg->buf);
    sg->buf = NULL;
}

/* y[n] = a (y[n-1] + x[n] - x[n-1]) in place over x[0..n-1], state in st.
 * +1e-20 keeps the state out of denormals on silence. */
static void dc_block(double a, stem *st, float *x, size_t n)
{
    double x1 = st->dc_x1, y1 = st->dc_y1;
    for (size_t i = 0; i < n; i++) {
        const double y = a * y1 + (a * (x[i] - x1) + 1e-20); /* one mul-add on the recursion */
        x1 = x[i];
        y1 = y;
        x[i] = (float)y;
    }
    st->dc_x1 = x1; /* copy back */
    st->dc_y1 = y1;
}

/* Render source frames [t0, t0 + n) of every stem into sg->buf, n <=
 * BLOCK_FRAMES, including the end fade of the last END_FADE_S seconds. */
static void song_render_block(song *sg, int64_t t0, size_t n)
{
    for (int s = 0; s < STEM_COUNT; s++) {
        float *out[2] = {song_chan(sg, s, 0), song_chan(sg, s, 1)};
        const int channels = STEMS[s].channels;
        stem_render(sg, &sg->st[s], out, channels, t0, n);
        if (s == STEM_KICK || s == STEM_SNARE || s == STEM_BASS)
            dc_block(sg->dc_coef, &sg->st[s], out[0], n);
        const int64_t fade0 = sg->frames - sg->fade_frames;
        for (size_t i = 0; i < n; i++) {
            const int64_t t = t0 + (int64_t)i;
            if (t < fade0)
                continue;
            const float g = (float)(sg->frames - t) / (float)(sg->fade_frames + 1);
            for (int c = 0; c < channels; c++)
                out[c][i] *= g;
        }
        if (channels == 1)
            memcpy(out[1], out[0], sizeof(float) * n);
    }
}

/* ---------------------------------------------------------------------------
 * Loudness meter (ITU-R BS.1770-4), integrated loudness only
 * ------------------------------------------------------------------------- */

typedef struct kweight {
    biquad shelf, hp;
} kweight;

/* K-weighting for any rate: the two BS.1770 stages re-derived from their
 * analog prototypes (shelf f0 1681.97 Hz, gain 4.0 dB, Q 0.7072; high-pass
 * f0 38.135 Hz, Q 0.5003), as libebur128's ebur128_init_filter does. */
static kweight kweight_design(int rate)
{
    kweight k;
    double f0 = 1681.974450955533, G = 3.999843853973347, Q = 0.7071752369554196;
    double K = tan(M_PI * f0 / rate);
    const double Vh = pow(10.0, G / 20.0);
    const double Vb = pow(Vh, 0.4996667741545416);
    double a0 = 1.0 + K / Q + K * K;
    k.shelf.b0 = (Vh + Vb * K / Q + K * K) / a0;
    k.shelf.b1 = 2.0 * (K * K - Vh) / a0;
    k.shelf.b2 = (Vh - Vb * K / Q + K * K) / a0;
    k.shelf.a1 = 2.0 * (K * K - 1.0) / a0;
    k.shelf.a2 = (1.0 - K / Q + K * K) / a0;
    f0 = 38.13547087602444;
    Q = 0.5003270373238773;
    K = tan(M_PI * f0 / rate);
    a0 = 1.0 + K / Q + K * K;
    k.hp.b0 = 1.0;
    k.hp.b1 = -2.0;
    k.hp.b2 = 1.0;
    k.hp.a1 = 2.0 * (K * K - 1.0) / a0;
    k.hp.a2 = (1.0 - K / Q + K * K) / a0;
    return k;
}

/* 400 ms gating blocks every 100 ms (75 % overlap, BS.1770-4 Annex 1),
 * built from 100 ms sub-block energies. */
typedef struct lmeter {
    kweight kw;
    biquad_state s1[2], s2[2];
    int64_t sub_len, sub_pos, nsub;
    double sub_acc, ring[4];
    double abs_sum;         /* sum of block energies above the absolute gate */
    int64_t abs_n;
    double esum[LM_BINS];   /* per-bin sum of block energies */
    uint32_t count[LM_BINS];
} lmeter;

static void lmeter_init(lmeter *m, int rate)
{
    memset(m, 0, sizeof(*m));
    m->kw = kweight_design(rate);
    m->sub_len = rate / 10;
}

/* Block loudness from mean square (BS.1770-4 eq. 2: -0.691 + 10 log10). */
static double energy_lufs(double e)
{
    return -0.691 + 10.0 * log10(e);
}

/* Feed n frames of one (right == NULL) or two channels. */
static void lmeter_add(lmeter *m, const float *left, const float *right, size_t n)
{
    const int nch = right ? 2 : 1;
    const float *in[2] = {left, right};
    for (size_t i = 0; i < n; i++) {
        double z = 0.0;
        for (int c = 0; c < nch; c++) {
            const double y = biquad_run(&m->kw.hp, &m->s2[c], biquad_run(&m->kw.shelf, &m->s1[c], in[c][i]));
            z += y * y;
        }
        m->sub_acc += z;
        if (++m->sub_pos < m->sub_len)
            continue;
        m->ring[m->nsub % 4] = m->sub_acc;
        m->nsub++;
        m->sub_acc = 0.0;
        m->sub_pos = 0;
        if (m->nsub < 4)
            continue;
        const double e = (m->ring[0] + m->ring[1] + m->ring[2] + m->ring[3]) / (4.0 * (double)m->sub_len);
        if (e <= 0.0)
            continue;
        const double l = energy_lufs(e);
        if (l < LM_MIN_LUFS)
            continue;
        int bin = (int)((l - LM_MIN_LUFS) / LM_BIN_LU);
        if (bin >= LM_BINS)
            bin = LM_BINS - 1;
        m->esum[bin] += e;
        m->count[bin]++;
        m->abs_sum += e;
        m->abs_n++;
    }
}

/* Integrated loudness in LUFS, or -INFINITY if no block passes the gates.
 * The relative gate is applied per 0.01 LU bin (error well under 0.01 LU). */
static double lmeter_integrated(const lmeter *m)
{
    if (m->abs_n == 0)
        return -INFINITY;
    const double gate = energy_lufs(m->abs_sum / (double)m->abs_n) + LM_RELATIVE_GATE_LU;
    double sum = 0.0;
    int64_t cnt = 0;
    for (int b = 0; b < LM_BINS; b++) {
        const double centre = LM_MIN_LUFS + (b + 0.5) * LM_BIN_LU;
        if (centre > gate) {
            sum += m->esum[b];
            cnt += m->count[b];
        }
    }
    return cnt ? energy_lufs(sum / (double)cnt) : -INFINITY;
}

/* ---------------------------------------------------------------------------
 * The reference balance
 * ------------------------------------------------------------------------- */

typedef struct plan {
    int64_t frames;                    /* length of the written files */
    int64_t analysis_frames;           /* length over which stems were measured */
    double src_peak[STEM_COUNT];       /* sample peak of the synthesised source */
    double src_mix_lufs[STEM_COUNT];   /* loudness of the source through its pan, unity gain */
    double native[STEM_COUNT];         /* raw stem = native * source */
    double gain[STEM_COUNT];           /* balance gain on the raw stem, linear */
    double pan_l[STEM_COUNT], pan_r[STEM_COUNT];
    double file_peak[STEM_COUNT];      /* measured on the written stems (pass 2): */
    double file_lufs[STEM_COUNT];      /*   sample peak, loudness (mono: 1 channel), */
    double file_mix_lufs[STEM_COUNT];  /*   loudness in the mix before the master gain */
    double mix_peak;                   /* sample peak of the mix before the master gain */
    double master;                     /* linear master gain */
    double mix_lufs;                   /* integrated loudness of mix.wav (own meter) */
    int64_t clip_samples, clip_runs, clip_runs3, clip_longest; /* clipped.wav, both channels */
} plan;

static double db_to_gain(double db)
{
    return pow(10.0, db / 20.0);
}

static double gain_to_db(double g)
{
    return 20.0 * log10(g);
}

/* 24-bit quantisation: round to the nearest step of 2^-23, clamp to the
 * codes of a 24-bit word. */
static inline int32_t quant24(double x)
{
    const double y = x * 8388608.0;
    if (y >= 8388607.0)
        return 8388607;
    if (y <= -8388608.0)
        return -8388608;
    return (int32_t)lrint(y);
}

/* Pass 1: render `frames` frames and measure each stem's peak and its
 * loudness through its pan. Then decide native levels and the balance:
 * stem i sits offset_lu(i) from the lead in the mix, the lead at
 * LEAD_IN_MIX_LUFS.
 * Returns 0 or -1 (no memory). */
static int plan_measure_stems(song *sg, plan *pl, int64_t frames)
{
    lmeter *m = calloc(STEM_COUNT, sizeof(lmeter));
    float *pan = malloc(sizeof(float) * 2 * BLOCK_FRAMES);
    if (!m || !pan) {
        free(m);
        free(pan);
        return -1;
    }
    for (int s = 0; s < STEM_COUNT; s++) {
        lmeter_init(&m[s], sg->rate);
        const double th = (STEMS[s].pan + 1.0) * M_PI / 4.0; /* constant-power law */
        pl->pan_l[s] = cos(th);
        pl->pan_r[s] = sin(th);
        pl->src_peak[s] = 0.0;
    }
    pl->analysis_frames = frames;
    song_reset(sg, frames);
    for (int64_t t = 0; t < frames; t += BLOCK_FRAMES) {
        const size_t n = (size_t)(frames - t < BLOCK_FRAMES ? frames - t : BLOCK_FRAMES);
        song_render_block(sg, t, n);
        for (int s = 0; s < STEM_COUNT; s++) {
            const float *l = song_chan(sg, s, 0), *r = song_chan(sg, s, 1);
            double pk = pl->src_peak[s];
            for (size_t i = 0; i < n; i++) {
                const double al = fabs(l[i]), ar = fabs(r[i]);
                pk = al > pk ? al : pk;
                pk = ar > pk ? ar : pk;
                pan[i] = (float)(pl->pan_l[s] * l[i]);
                pan[BLOCK_FRAMES + i] = (float)(pl->pan_r[s] * r[i]);
            }
            pl->src_peak[s] = pk;
            lmeter_add(&m[s], pan, pan + BLOCK_FRAMES, n);
        }
    }
    for (int s = 0; s < STEM_COUNT; s++)
        pl->src_mix_lufs[s] = lmeter_integrated(&m[s]);
    free(m);
    free(pan);

    const double lead_lufs = LEAD_IN_MIX_LUFS;
    for (int s = 0; s < STEM_COUNT; s++) {
        pl->native[s] = pl->src_peak[s] > 0.0 ? db_to_gain(STEMS[s].native_peak_dbfs) / pl->src_peak[s] : 1.0;
        double g_src = 1.0; /* gain on the source; unity if a stem is silent */
        if (isfinite(pl->src_mix_lufs[s]))
            g_src = db_to_gain(lead_lufs + STEMS[s].offset_lu - pl->src_mix_lufs[s]);
        pl->gain[s] = g_src / pl->native[s];
    }
    return 0;
}

/* Turn the source block into raw 24-bit stem samples (in place, exact in
 * float) and sum the mix in double: mix[c][i] = sum_s gain * pan_c * raw. */
static void mix_block(song *sg, const plan *pl, double *const mix[2], size_t n)
{
    memset(mix[0], 0, sizeof(double) * n);
    memset(mix[1], 0, sizeof(double) * n);
    for (int s = 0; s < STEM_COUNT; s++) {
        float *l = song_chan(sg, s, 0), *r = song_chan(sg, s, 1);
        const double nat = pl->native[s];
        const double gl = pl->gain[s] * pl->pan_l[s], gr = pl->gain[s] * pl->pan_r[s];
        for (size_t i = 0; i < n; i++) {
            l[i] = (float)quant24(nat * l[i]) * (1.0f / 8388608.0f);
            r[i] = STEMS[s].channels == 2 ? (float)quant24(nat * r[i]) * (1.0f / 8388608.0f) : l[i];
            mix[0][i] += gl * l[i];
            mix[1][i] += gr * r[i];
        }
    }
}

/* Pass 2: render `frames` frames of the mix and set the master gain so that
 * the sample peak sits at MIX_PEAK_DBFS. With stem_stats, also measure each
 * written stem's peak and loudness, alone and in the mix, over those frames.
 * Returns 0 or -1 (no memory). */
static int plan_measure_mix(song *sg, plan *pl, int64_t frames, double *const mix[2], int stem_stats)
{
    lmeter *m = NULL;
    float *pan = NULL;
    if (stem_stats) {
        m = calloc(2 * STEM_COUNT, sizeof(lmeter));
        pan = malloc(sizeof(float) * 2 * BLOCK_FRAMES);
        if (!m || !pan) {
            free(m);
            free(pan);
            return -1;
        }
        for (int s = 0; s < 2 * STEM_COUNT; s++)
            lmeter_init(&m[s], sg->rate);
    }
    double pk = 0.0;
    for (int s = 0; s < STEM_COUNT; s++)
        pl->file_peak[s] = 0.0;
    song_reset(sg, pl->frames);
    for (int64_t t = 0; t < frames; t += BLOCK_FRAMES) {
        const size_t n = (size_t)(frames - t < BLOCK_FRAMES ? frames - t : BLOCK_FRAMES);
        song_render_block(sg, t, n);
        mix_block(sg, pl, mix, n);
        for (size_t i = 0; i < n; i++) {
            const double al = fabs(mix[0][i]), ar = fabs(mix[1][i]);
            pk = al > pk ? al : pk;
            pk = ar > pk ? ar : pk;
        }
        for (int s = 0; stem_stats && s < STEM_COUNT; s++) {
            const float *l = song_chan(sg, s, 0), *r = song_chan(sg, s, 1);
            const float gl = (float)(pl->gain[s] * pl->pan_l[s]), gr = (float)(pl->gain[s] * pl->pan_r[s]);
            double sp = pl->file_peak[s];
            for (size_t i = 0; i < n; i++) {
                const double al = fabs(l[i]), ar = fabs(r[i]);
                sp = al > sp ? al : sp;
                sp = ar > sp ? ar : sp;
                pan[i] = gl * l[i];
                pan[BLOCK_FRAMES + i] = gr * r[i];
            }
            pl->file_peak[s] = sp;
            lmeter_add(&m[2 * s], l, STEMS[s].channels == 2 ? r : NULL, n);
            lmeter_add(&m[2 * s + 1], pan, pan + BLOCK_FRAMES, n);
        }
    }
    for (int s = 0; stem_stats && s < STEM_COUNT; s++) {
        pl->file_lufs[s] = lmeter_integrated(&m[2 * s]);
        pl->file_mix_lufs[s] = lmeter_integrated(&m[2 * s + 1]);
    }
    free(m);
    free(pan);
    pl->mix_peak = pk;
    pl->master = pk > 0.0 ? db_to_gain(MIX_PEAK_DBFS) / pk : 1.0;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Output files: temp file in the target folder, renamed when complete
 * ------------------------------------------------------------------------- */

typedef struct outfile {
    char *path;      /* final path */
    char *tmp;       /* hidden temp path in the same folder */
    SNDFILE *sf;
    int channels;
    int32_t *ibuf;   /* interleaved BLOCK_FRAMES * channels */
    int rf64;        /* 1 when the data would not fit a 4 GiB RIFF */
} outfile;

/* malloc'd "a" + "b" + "c"; NULL when out of memory. */
static char *str3(const char *a, const char *b, const char *c)
{
    const size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* Temp path for `path`: "<dir>/.<base>.<pid>.tmp". NULL when out of memory. */
static char *temp_path_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    const size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    char pid[32];
    snprintf(pid, sizeof(pid), ".%ld.tmp", (long)getpid());
    char *s = malloc(dirlen + 1 + strlen(path + dirlen) + strlen(pid) + 1);
    if (!s)
        return NULL;
    memcpy(s, path, dirlen);
    s[dirlen] = '.';
    strcpy(s + dirlen + 1, path + dirlen);
    strcat(s, pid);
    return s;
}

/* Create a directory and its missing parents. Prints a one-line error and
 * returns -1 on failure. */
static int make_dirs(const char *path)
{
    char *p = str3(path, "", "");
    if (!p) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        return -1;
    }
    for (char *q = p + 1;; q++) {
        const int end = *q == '\0';
        if (*q == '/' || end) {
            *q = '\0';
            struct stat stt;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "mm-corpus: cannot create directory %s: %s\n", p, strerror(errno));
                free(p);
                return -1;
            }
            if (stat(p, &stt) != 0 || !S_ISDIR(stt.st_mode)) {
                fprintf(stderr, "mm-corpus: cannot create directory %s: %s\n", p,
                        stat(p, &stt) != 0 ? strerror(errno) : "a file of that name exists");
                free(p);
                return -1;
            }
            if (end)
                break;
            *q = '/';
        }
    }
    free(p);
    return 0;
}

/* Open a 24-bit PCM WAV (RF64 when over 4 GiB) for `frames` frames at a temp
 * path. Prints a one-line error and returns -1 on failure. */
static int out_open(outfile *o, const char *path, int channels, int rate, int64_t frames)
{
    memset(o, 0, sizeof(*o));
    o->channels = channels;
    o->path = str3(path, "", "");
    o->tmp = temp_path_for(path);
    o->ibuf = malloc(sizeof(int32_t) * BLOCK_FRAMES * (size_t)channels);
    if (!o->path || !o->tmp || !o->ibuf) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        return -1;
    }
    /* RIFF sizes are 32-bit: leave 1 MiB for the header and chunks */
    o->rf64 = (double)frames * channels * 3.0 > 4294967295.0 - 1048576.0;
    SF_INFO info;
    memset(&info, 0, sizeof(info));
    info.samplerate = rate;
    info.channels = channels;
    info.format = (o->rf64 ? SF_FORMAT_RF64 : SF_FORMAT_WAV) | SF_FORMAT_PCM_24;
    errno = 0;
    o->sf = sf_open(o->tmp, SFM_WRITE, &info);
    if (!o->sf) {
        fprintf(stderr, "mm-corpus: cannot write %s: %s\n", path, errno ? strerror(errno) : sf_strerror(NULL));
        return -1;
    }
    return 0;
}

/* Quantise n frames of ch[0..channels-1] to 24 bits and append them.
 * ch == NULL writes silence. Prints a one-line error and returns -1 on failure. */
static int out_write(outfile *o, const double *const ch[], size_t n)
{
    const int nc = o->channels;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < nc; c++)
            o->ibuf[i * (size_t)nc + (size_t)c] = ch ? quant24(ch[c][i]) * 256 : 0;
    errno = 0;
    if (sf_writef_int(o->sf, o->ibuf, (sf_count_t)n) != (sf_count_t)n) {
        fprintf(stderr, "mm-corpus: cannot write %s: %s\n", o->path, errno ? strerror(errno) : sf_strerror(o->sf));
        return -1;
    }
    return 0;
}

/* Close the file; when keep, rename the temp file into place, else remove it.
 * Frees everything. Returns -1 (after a one-line error) if closing or
 * renaming failed. NULL-safe on a zeroed outfile. */
static int out_finish(outfile *o, int keep)
{
    int rc = 0;
    if (o->sf) {
        const int err = sf_close(o->sf);
        if (err != 0 && keep) {
            fprintf(stderr, "mm-corpus: cannot write %s: %s\n", o->path, sf_error_number(err));
            rc = -1;
        }
        o->sf = NULL;
        if (keep && rc == 0 && rename(o->tmp, o->path) != 0) {
            fprintf(stderr, "mm-corpus: cannot rename %s to %s: %s\n", o->tmp, o->path, strerror(errno));
            rc = -1;
        }
        if (!keep || rc != 0)
            unlink(o->tmp);
    }
    free(o->path);
    free(o->tmp);
    free(o->ibuf);
    memset(o, 0, sizeof(*o));
    return rc;
}

/* A text file written through a temp file. */
typedef struct textfile {
    char *path, *tmp;
    FILE *f;
} textfile;

static int text_open(textfile *t, const char *path)
{
    memset(t, 0, sizeof(*t));
    t->path = str3(path, "", "");
    t->tmp = temp_path_for(path);
    if (!t->path || !t->tmp) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        return -1;
    }
    t->f = fopen(t->tmp, "w");
    if (!t->f) {
        fprintf(stderr, "mm-corpus: cannot write %s: %s\n", t->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Close and rename into place (keep) or remove. Returns -1 on failure. */
static int text_finish(textfile *t, int keep)
{
    int rc = 0;
    if (t->f) {
        const int bad = ferror(t->f);
        const int err = fclose(t->f) != 0 ? errno : 0;
        t->f = NULL;
        if (keep && (bad || err)) {
            fprintf(stderr, "mm-corpus: cannot write %s: %s\n", t->path, strerror(err ? err : EIO));
            rc = -1;
        }
        if (keep && rc == 0 && rename(t->tmp, t->path) != 0) {
            fprintf(stderr, "mm-corpus: cannot rename %s to %s: %s\n", t->tmp, t->path, strerror(errno));
            rc = -1;
        }
        if (!keep || rc != 0)
            unlink(t->tmp);
    }
    free(t->path);
    free(t->tmp);
    memset(t, 0, sizeof(*t));
    return rc;
}

/* A JSON number (%.6g), or null when not finite. */
static void json_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.6g", x == 0.0 ? 0.0 : x);
    else
        fputs("null", f);
}

/* A JSON number with 10 significant digits, for the values that define the
 * mix (gains), so that summing the stems reproduces mix.wav to about 1 LSB. */
static void json_num_exact(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.10g", x == 0.0 ? 0.0 : x);
    else
        fputs("null", f);
}

/* A JSON string; the texts here are plain ASCII, but quote and backslash
 * are escaped and control characters dropped all the same. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
    fputc('"', f);
}

/* ---------------------------------------------------------------------------
 * Song mode
 * ------------------------------------------------------------------------- */

typedef struct options {
    const char *cmd;
    const char *out;
    double seconds;
    int seconds_set;
    int rate;
    uint32_t seed;
    int bass_808;    /* --bass 808 */
} options;

/* The mix variants written in song mode. */
enum variant { V_MIX, V_CLIPPED, V_DC, V_POLARITY, V_MONO, V_QUIET, V_SILENCE, V_NO_HEADROOM, V_COUNT };

typedef struct variant_info {
    const char *file;
    const char *flaw;
    const char *description;
} variant_info;

static const variant_info VARIANTS[V_COUNT] = {
    {"mix.wav", NULL, "reference mix: stems summed with balance.json, sample peak -6 dBFS, ready for mastering"},
    {"flawed/clipped.wav", "clipping", "mix driven +12 dB into hard clipping at full scale: runs of clipped samples"},
    {"flawed/dc_offset.wav", "dc_offset", "mix plus a DC offset of +0.05 on the left and -0.03 on the right channel"},
    {"flawed/polarity.wav", "polarity", "mix with the right channel inverted: correlation near -1"},
    {"flawed/mono.wav", "mono", "both channels identical, the mid (L+R)/2 of the mix"},
    {"flawed/too_quiet.wav", "too_quiet", "mix 24 dB down: about -40 LUFS"},
    {"flawed/leading_silence.wav", "leading_silence", "2.0 s of digital silence before the mix"},
    {"flawed/no_headroom.wav", "no_headroom", "mix normalised to a sample peak of -0.1 dBFS: no headroom for mastering"},
};

/* Per-channel tracker of runs of clipped samples. */
typedef struct clipstat {
    int64_t run[2];
} clipstat;

/* Fill out[0..1][0..n-1] with variant v of the mix block (pre-master mix
 * `mix`); counts clipped runs in pl for V_CLIPPED. */
static void variant_block(int v, plan *pl, clipstat *cs, const double *const mix[2], double *const out[2], size_t n)
{
    const double m = pl->master;
    const double drive = db_to_gain(CLIP_DRIVE_DB);
    const double quiet = db_to_gain(QUIET_GAIN_DB);
    const double full = pl->mix_peak > 0.0 ? db_to_gain(NO_HEADROOM_PEAK_DBFS) / pl->mix_peak : 1.0;
    for (size_t i = 0; i < n; i++) {
        const double l = m * mix[0][i], r = m * mix[1][i];
        double a = l, b = r;
        switch (v) {
        case V_CLIPPED: {
            a = fmax(-1.0, fmin(1.0, l * drive));
            b = fmax(-1.0, fmin(1.0, r * drive));
            const double x[2] = {l * drive, r * drive};
            for (int c = 0; c < 2; c++) {
                if (fabs(x[c]) >= 1.0) {
                    if (cs->run[c]++ == 0)
                        pl->clip_runs++;
                    if (cs->run[c] == 3)
                        pl->clip_runs3++;
                    pl->clip_samples++;
                    if (cs->run[c] > pl->clip_longest)
                        pl->clip_longest = cs->run[c];
                } else {
                    cs->run[c] = 0;
                }
            }
            break;
        }
        case V_DC:
            a = l + DC_LEFT;
            b = r + DC_RIGHT;
            break;
        case V_POLARITY:
            b = -r;
            break;
        case V_MONO:
            a = b = 0.5 * (l + r);
            break;
        case V_QUIET:
            a = l * quiet;
            b = r * quiet;
            break;
        case V_NO_HEADROOM:
            a = mix[0][i] * full;
            b = mix[1][i] * full;
            break;
        default:
            break;
        }
        out[0][i] = a;
        out[1][i] = b;
    }
}

/* Join dir and a relative path. NULL when out of memory. */
static char *path_join(const char *dir, const char *rel)
{
    const size_t n = strlen(dir);
    return str3(dir, n && dir[n - 1] == '/' ? "" : "/", rel);
}

/* Pass 3: render again and write the stems, the mix and its variants.
 * Returns 0, or -1 (after a one-line error; no output file left behind). */
static int write_song_audio(song *sg, plan *pl, const options *op, double *const mix[2], double *const work[2])
{
    outfile out[STEM_COUNT + V_COUNT];
    memset(out, 0, sizeof(out));
    const int64_t frames = pl->frames;
    const int64_t silence = (int64_t)llround(LEADING_SILENCE_S * sg->rate);
    lmeter *meter = malloc(sizeof(lmeter));
    float *fl = malloc(sizeof(float) * 2 * BLOCK_FRAMES);
    int rc = -1;
    if (!meter || !fl) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        goto done;
    }
    lmeter_init(meter, sg->rate);
    for (int s = 0; s < STEM_COUNT; s++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "stems/%s.wav", STEMS[s].name);
        char *p = path_join(op->out, rel);
        const int bad = !p || out_open(&out[s], p, STEMS[s].channels, sg->rate, frames) != 0;
        free(p);
        if (bad)
            goto done;
    }
    for (int v = 0; v < V_COUNT; v++) {
        char *p = path_join(op->out, VARIANTS[v].file);
        const int bad = !p || out_open(&out[STEM_COUNT + v], p, 2, sg->rate, frames + (v == V_SILENCE ? silence : 0)) != 0;
        free(p);
        if (bad)
            goto done;
    }
    for (int64_t t = 0; t < silence; t += BLOCK_FRAMES) {
        const size_t n = (size_t)(silence - t < BLOCK_FRAMES ? silence - t : BLOCK_FRAMES);
        if (out_write(&out[STEM_COUNT + V_SILENCE], NULL, n) != 0)
            goto done;
    }
    pl->clip_samples = pl->clip_runs = pl->clip_runs3 = pl->clip_longest = 0;
    clipstat cs = {{0, 0}};
    song_reset(sg, frames);
    for (int64_t t = 0; t < frames; t += BLOCK_FRAMES) {
        const size_t n = (size_t)(frames - t < BLOCK_FRAMES ? frames - t : BLOCK_FRAMES);
        song_render_block(sg, t, n);
        mix_block(sg, pl, mix, n);
        for (int s = 0; s < STEM_COUNT; s++) {
            const float *src[2] = {song_chan(sg, s, 0), song_chan(sg, s, 1)};
            for (int c = 0; c < STEMS[s].channels; c++)
                for (size_t i = 0; i < n; i++)
                    work[c][i] = src[c][i];
            if (out_write(&out[s], (const double *const *)work, n) != 0)
                goto done;
        }
        for (int v = 0; v < V_COUNT; v++) {
            variant_block(v, pl, &cs, (const double *const *)mix, work, n);
            if (v == V_MIX) {
                for (size_t i = 0; i < n; i++) {
                    fl[i] = (float)work[0][i];
                    fl[BLOCK_FRAMES + i] = (float)work[1][i];
                }
                lmeter_add(meter, fl, fl + BLOCK_FRAMES, n);
            }
            if (out_write(&out[STEM_COUNT + v], (const double *const *)work, n) != 0)
                goto done;
        }
    }
    pl->mix_lufs = lmeter_integrated(meter);
    rc = 0;
done:
    for (int k = 0; k < STEM_COUNT + V_COUNT; k++)
        if (out_finish(&out[k], rc == 0) != 0)
            rc = -1;
    free(meter);
    free(fl);
    return rc;
}

/* What stem s of this song is (kick and bass differ with --bass 808). */
static const char *stem_description(const song *sg, int s)
{
    if (sg->bass_808 && s == STEM_KICK)
        return KICK_808_DESCRIPTION;
    return s == STEM_BASS && sg->bass_808 ? BASS_808_DESCRIPTION : STEMS[s].description;
}

/* Write balance.json. Returns 0 or -1 (after a one-line error). */
static int write_balance(const song *sg, const plan *pl, const options *op)
{
    textfile t = {NULL, NULL, NULL};
    char *p = path_join(op->out, "balance.json");
    int rc = p ? text_open(&t, p) : -1;
    free(p);
    if (rc != 0) {
        text_finish(&t, 0);
        return -1;
    }
    FILE *f = t.f;
    const double master_db = gain_to_db(pl->master);
    fprintf(f, "{\n  \"schema_version\": 1,\n  \"generator\": \"mm-corpus %s\",\n", CORPUS_VERSION);
    fprintf(f, "  \"seed\": %lu,\n  \"sample_rate_hz\": %d,\n  \"frames\": %lld,\n  \"seconds\": ",
            (unsigned long)sg->seed, sg->rate, (long long)pl->frames);
    json_num(f, (double)pl->frames / sg->rate);
    fprintf(f, ",\n  \"tempo_bpm\": %d,\n  \"time_signature\": \"4/4\",\n", TEMPO_BPM);
    fputs("  \"pan_law\": \"constant power: left = cos((pan + 1) * pi / 4), right = sin((pan + 1) * pi / 4); "
          "a mono stem feeds both sides, a stereo stem's left channel only the left side and its right "
          "channel only the right side\",\n", f);
    fputs("  \"mix_formula\": \"mix[c] = 10^(master_gain_db / 20) * sum over stems of "
          "10^(gain_db / 20) * pan_c(pan) * stem[c]\",\n", f);
    fputs("  \"offsets_source\": \"DOMAIN.md section 5: loudness in the mix relative to the lead\",\n", f);
    fputs("  \"loudness_reference\": \"lead\",\n  \"analysis_seconds\": ", f);
    json_num(f, (double)pl->analysis_frames / sg->rate);
    fputs(",\n  \"master_gain_db\": ", f);
    json_num_exact(f, master_db);
    fputs(",\n  \"mix_sample_peak_dbfs\": ", f);
    json_num(f, gain_to_db(pl->mix_peak * pl->master));
    fputs(",\n  \"mix_integrated_lufs\": ", f);
    json_num(f, pl->mix_lufs);
    fputs(",\n  \"stems\": [\n", f);
    /* stem figures are measured on the written files (pass 2) */
    const double lead_mix = pl->file_mix_lufs[STEM_LEAD] + master_db;
    for (int s = 0; s < STEM_COUNT; s++) {
        const double in_mix = pl->file_mix_lufs[s] + master_db;
        fprintf(f, "    {\"name\": \"%s\", \"file\": \"stems/%s.wav\", \"role\": \"%s\", \"channels\": %d,\n",
                STEMS[s].name, STEMS[s].name, STEMS[s].name, STEMS[s].channels);
        fputs("     \"gain_db\": ", f);
        json_num_exact(f, gain_to_db(pl->gain[s]));
        fputs(", \"pan\": ", f);
        json_num(f, STEMS[s].pan);
        fputs(", \"offset_lu\": ", f);
        json_num(f, STEMS[s].offset_lu);
        fputs(",\n     \"stem_sample_peak_dbfs\": ", f);
        json_num(f, pl->file_peak[s] > 0.0 ? gain_to_db(pl->file_peak[s]) : -INFINITY);
        fputs(", \"stem_integrated_lufs\": ", f);
        json_num(f, pl->file_lufs[s]);
        fputs(",\n     \"loudness_in_mix_lufs\": ", f);
        json_num(f, in_mix);
        fputs(", \"relative_to_lead_lu\": ", f);
        json_num(f, in_mix - lead_mix);
        fputs(",\n     \"description\": ", f);
        json_str(f, stem_description(sg, s));
        fprintf(f, "}%s\n", s + 1 < STEM_COUNT ? "," : "");
    }
    fputs("  ]\n}\n", f);
    return text_finish(&t, 1);
}

/* Open a manifest entry for an audio file; the caller closes it with "}". */
static void manifest_audio(FILE *f, const char *path, const char *kind, const char *flaw, int64_t frames, int rate,
                           int channels, const char *desc)
{
    fputs("    {\"path\": ", f);
    json_str(f, path);
    fputs(", \"kind\": ", f);
    json_str(f, kind);
    fputs(", \"flaw\": ", f);
    if (flaw)
        json_str(f, flaw);
    else
        fputs("null", f);
    fprintf(f, ",\n     \"frames\": %lld, \"seconds\": ", (long long)frames);
    json_num(f, (double)frames / rate);
    fprintf(f, ", \"sample_rate_hz\": %d, \"channels\": %d, \"bits\": 24, \"format\": \"%s\",\n", rate, channels,
            (double)frames * channels * 3.0 > 4294967295.0 - 1048576.0 ? "rf64_pcm_24" : "wav_pcm_24");
    fputs("     \"description\": ", f);
    json_str(f, desc);
}

/* A complete manifest entry for a JSON file. */
static void manifest_json(FILE *f, const char *path, const char *kind, const char *desc)
{
    fputs("    {\"path\": ", f);
    json_str(f, path);
    fputs(", \"kind\": ", f);
    json_str(f, kind);
    fputs(", \"flaw\": null, \"format\": \"json\", \"description\": ", f);
    json_str(f, desc);
    fputs("}", f);
}

/* Write manifest.json. Returns 0 or -1 (after a one-line error). */
static int write_manifest(const song *sg, const plan *pl, const options *op)
{
    textfile t = {NULL, NULL, NULL};
    char *p = path_join(op->out, "manifest.json");
    int rc = p ? text_open(&t, p) : -1;
    free(p);
    if (rc != 0) {
        text_finish(&t, 0);
        return -1;
    }
    FILE *f = t.f;
    const int rate = sg->rate;
    const int64_t silence = (int64_t)llround(LEADING_SILENCE_S * rate);
    fprintf(f, "{\n  \"schema_version\": 1,\n  \"generator\": \"mm-corpus %s\",\n  \"seed\": %lu,\n",
            CORPUS_VERSION, (unsigned long)sg->seed);
    fprintf(f, "  \"sample_rate_hz\": %d,\n  \"files\": [\n", rate);
    for (int s = 0; s < STEM_COUNT; s++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "stems/%s.wav", STEMS[s].name);
        manifest_audio(f, rel, "stem", NULL, pl->frames, rate, STEMS[s].channels, stem_description(sg, s));
        fputs("},\n", f);
    }
    for (int v = 0; v < V_COUNT; v++) {
        const int64_t n = pl->frames + (v == V_SILENCE ? silence : 0);
        manifest_audio(f, VARIANTS[v].file, v == V_MIX ? "mix" : "flawed", VARIANTS[v].flaw, n, rate, 2,
                       VARIANTS[v].description);
        /* what a readiness check should find, as numbers */
        fputs(",\n     \"expect\": {", f);
        switch (v) {
        case V_MIX:
        case V_NO_HEADROOM:
            fputs("\"sample_peak_dbfs\": ", f);
            json_num(f, v == V_MIX ? MIX_PEAK_DBFS : NO_HEADROOM_PEAK_DBFS);
            fputs(", \"integrated_lufs\": ", f);
            json_num(f, pl->mix_lufs + (v == V_MIX ? 0.0 : NO_HEADROOM_PEAK_DBFS - MIX_PEAK_DBFS));
            break;
        case V_CLIPPED:
            fprintf(f, "\"clipped_samples\": %lld, \"clip_runs\": %lld, \"clip_runs_3_or_more\": %lld, "
                    "\"longest_clip_run\": %lld, \"drive_db\": ",
                    (long long)pl->clip_samples, (long long)pl->clip_runs, (long long)pl->clip_runs3,
                    (long long)pl->clip_longest);
            json_num(f, CLIP_DRIVE_DB);
            break;
        case V_DC:
            fputs("\"dc_offset\": [", f);
            json_num(f, DC_LEFT);
            fputs(", ", f);
            json_num(f, DC_RIGHT);
            fputs("]", f);
            break;
        case V_POLARITY:
            fputs("\"channel_inverted\": \"right\", \"correlation_sign\": -1", f);
            break;
        case V_MONO:
            fputs("\"side_energy\": 0, \"correlation\": 1", f);
            break;
        case V_QUIET:
            fputs("\"gain_db\": ", f);
            json_num(f, QUIET_GAIN_DB);
            fputs(", \"integrated_lufs\": ", f);
            json_num(f, pl->mix_lufs + QUIET_GAIN_DB);
            break;
        case V_SILENCE:
            fputs("\"leading_silence_seconds\": ", f);
            json_num(f, (double)silence / rate);
            break;
        default:
            break;
        }
        fputs("}}", f);
        fputs(",\n", f);
    }
    manifest_json(f, "balance.json", "balance",
                  "reference balance: per-stem gain_db, pan and role that turn the stems into mix.wav");
    fputs(",\n", f);
    manifest_json(f, "manifest.json", "manifest", "this list");
    fputs("\n  ]\n}\n", f);
    return text_finish(&t, 1);
}

/* Working buffers for the mix: two blocks of two channels, in double. */
typedef struct mixbufs {
    double *mem;
    double *mix[2], *work[2];
} mixbufs;

static int mixbufs_init(mixbufs *b)
{
    b->mem = malloc(sizeof(double) * 4 * BLOCK_FRAMES);
    if (!b->mem)
        return -1;
    for (int c = 0; c < 2; c++) {
        b->mix[c] = b->mem + (size_t)c * BLOCK_FRAMES;
        b->work[c] = b->mem + (size_t)(2 + c) * BLOCK_FRAMES;
    }
    return 0;
}

static int run_song(const options *op)
{
    song sg;
    plan pl;
    mixbufs mb;
    memset(&pl, 0, sizeof(pl));
    pl.frames = (int64_t)llround(op->seconds * op->rate);

    if (make_dirs(op->out) != 0)
        return EXIT_IO;
    for (int k = 0; k < 2; k++) {
        char *p = path_join(op->out, k ? "flawed" : "stems");
        const int bad = !p || make_dirs(p) != 0;
        free(p);
        if (bad)
            return EXIT_IO;
    }
    if (song_init(&sg, op->rate, op->seed, op->bass_808, pl.frames) != 0) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        return EXIT_NOMEM;
    }
    if (mixbufs_init(&mb) != 0 || plan_measure_stems(&sg, &pl, pl.frames) != 0) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        song_free(&sg);
        free(mb.mem);
        return EXIT_NOMEM;
    }
    if (plan_measure_mix(&sg, &pl, pl.frames, mb.mix, 1) != 0) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        song_free(&sg);
        free(mb.mem);
        return EXIT_NOMEM;
    }
    int rc = write_song_audio(&sg, &pl, op, mb.mix, mb.work);
    if (rc == 0)
        rc = write_balance(&sg, &pl, op);
    if (rc == 0)
        rc = write_manifest(&sg, &pl, op);
    song_free(&sg);
    free(mb.mem);
    if (rc != 0)
        return EXIT_IO;
    printf("mm-corpus: wrote %d stems, mix.wav, %d flawed variants, balance.json and manifest.json to %s\n",
           STEM_COUNT, V_COUNT - 1, op->out);
    printf("  %.6g s, %d Hz, seed %lu; mix %.2f LUFS, peak %.2f dBFS, master gain %.2f dB\n",
           (double)pl.frames / op->rate, op->rate, (unsigned long)op->seed, pl.mix_lufs,
           gain_to_db(pl.mix_peak * pl.master), gain_to_db(pl.master));
    return EXIT_OK;
}

/* ---------------------------------------------------------------------------
 * Bench mode
 * ------------------------------------------------------------------------- */

/* Stream the mix of a song of op->seconds to op->out. The balance and the
 * master gain come from the first cycle (at most CYCLE_S), so the rest of the
 * file is rendered once, in blocks; peaks later in the file may differ from
 * -6 dBFS by a fraction of a dB (the arrangement repeats every cycle). */
static int run_bench(const options *op)
{
    song sg;
    plan pl;
    mixbufs mb;
    outfile o;
    memset(&pl, 0, sizeof(pl));
    memset(&o, 0, sizeof(o));
    pl.frames = (int64_t)llround(op->seconds * op->rate);
    const int64_t cycle = (int64_t)llround(CYCLE_S * op->rate);

    const char *slash = strrchr(op->out, '/');
    if (slash && slash != op->out) {
        char *dir = str3(op->out, "", "");
        if (!dir) {
            fprintf(stderr, "mm-corpus: out of memory\n");
            return EXIT_NOMEM;
        }
        dir[slash - op->out] = '\0';
        const int bad = make_dirs(dir) != 0;
        free(dir);
        if (bad)
            return EXIT_IO;
    }
    if (song_init(&sg, op->rate, op->seed, op->bass_808, pl.frames) != 0) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        return EXIT_NOMEM;
    }
    if (mixbufs_init(&mb) != 0 || plan_measure_stems(&sg, &pl, pl.frames < cycle ? pl.frames : cycle) != 0) {
        fprintf(stderr, "mm-corpus: out of memory\n");
        song_free(&sg);
        free(mb.mem);
        return EXIT_NOMEM;
    }
    plan_measure_mix(&sg, &pl, pl.frames < cycle ? pl.frames : cycle, mb.mix, 0);
    int rc = out_open(&o, op->out, 2, op->rate, pl.frames);
    song_reset(&sg, pl.frames);
    for (int64_t t = 0; rc == 0 && t < pl.frames; t += BLOCK_FRAMES) {
        const size_t n = (size_t)(pl.frames - t < BLOCK_FRAMES ? pl.frames - t : BLOCK_FRAMES);
        song_render_block(&sg, t, n);
        mix_block(&sg, &pl, mb.mix, n);
        for (int c = 0; c < 2; c++)
            for (size_t i = 0; i < n; i++)
                mb.work[c][i] = pl.master * mb.mix[c][i];
        rc = out_write(&o, (const double *const *)mb.work, n);
    }
    if (out_finish(&o, rc == 0) != 0)
        rc = -1;
    song_free(&sg);
    free(mb.mem);
    if (rc != 0)
        return EXIT_IO;
    printf("mm-corpus: wrote %s (%.6g s, %d Hz, stereo, 24-bit, seed %lu)\n", op->out,
           (double)pl.frames / op->rate, op->rate, (unsigned long)op->seed);
    return EXIT_OK;
}

/* ---------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: mm-corpus song OUTDIR [--seconds S] [--rate HZ] [--seed N] [--bass saw|808]\n"
          "       mm-corpus bench OUTFILE [--seconds S] [--rate HZ] [--seed N] [--bass saw|808]\n"
          "       mm-corpus --help\n"
          "\n"
          "song   writes OUTDIR/stems/{kick,snare,hats,bass,pad,lead,perc}.wav (raw, unbalanced),\n"
          "       OUTDIR/balance.json (the reference balance), OUTDIR/mix.wav (reference mix,\n"
          "       sample peak -6 dBFS), OUTDIR/flawed/*.wav (clipped, dc_offset, polarity, mono,\n"
          "       too_quiet, leading_silence, no_headroom) and OUTDIR/manifest.json.\n"
          "bench  streams a long stereo mix of the same song to OUTFILE (memory does not grow).\n"
          "\n"
          "  --seconds S  length, 1 to 36000 (default 30; bench 240)\n"
          "  --rate HZ    sample rate, 8000 to 192000 (default 44100)\n"
          "  --seed N     0 to 4294967295 (default 1); the same seed and rate give identical files\n"
          "  --bass B     saw (default): a saw bass on roots and fifths; 808: an 808-style sub on\n"
          "               the roots that hits with the kick (tuned up to sit on it): it masks the kick\n"
          "\n"
          "All audio is 24-bit PCM WAV (RF64 above 4 GiB). Exit status: 0 ok, 1 out of memory,\n"
          "2 usage error, 3 I/O error.\n",
          f);
}

/* Parse a number option value; 0 on success. */
static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    const double x = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(x) || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* Parse argv into op. Returns -1 (after a one-line message) on a usage
 * error, 1 for --help, 0 otherwise. */
static int parse_args(int argc, char **argv, options *op)
{
    memset(op, 0, sizeof(*op));
    op->seconds = DEFAULT_SECONDS;
    op->rate = DEFAULT_RATE;
    op->seed = DEFAULT_SEED;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return 1;
        if (a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            const size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
            const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
            double x = 0.0;
            int which;
            if (nlen == 9 && !strncmp(a, "--seconds", nlen))
                which = 0;
            else if (nlen == 6 && !strncmp(a, "--rate", nlen))
                which = 1;
            else if (nlen == 6 && !strncmp(a, "--seed", nlen))
                which = 2;
            else if (nlen == 6 && !strncmp(a, "--bass", nlen))
                which = 3;
            else {
                fprintf(stderr, "mm-corpus: unknown option '%s' (see mm-corpus --help)\n", a);
                return -1;
            }
            if (!val) {
                fprintf(stderr, "mm-corpus: option '%.*s' needs a value\n", (int)nlen, a);
                return -1;
            }
            if (!eq)
                i++;
            if (which == 0) {
                if (parse_double(val, MIN_SECONDS, MAX_SECONDS, &x) != 0) {
                    fprintf(stderr, "mm-corpus: --seconds '%s' is not a number from 1 to 36000\n", val);
                    return -1;
                }
                op->seconds = x;
                op->seconds_set = 1;
            } else if (which == 1) {
                if (parse_double(val, MIN_RATE, MAX_RATE, &x) != 0 || x != floor(x)) {
                    fprintf(stderr, "mm-corpus: --rate '%s' is not an integer from 8000 to 192000\n", val);
                    return -1;
                }
                op->rate = (int)x;
            } else if (which == 3) {
                if (strcmp(val, "saw") && strcmp(val, "808")) {
                    fprintf(stderr, "mm-corpus: --bass '%s' is not saw or 808\n", val);
                    return -1;
                }
                op->bass_808 = !strcmp(val, "808");
            } else {
                if (parse_double(val, 0.0, 4294967295.0, &x) != 0 || x != floor(x)) {
                    fprintf(stderr, "mm-corpus: --seed '%s' is not an integer from 0 to 4294967295\n", val);
                    return -1;
                }
                op->seed = (uint32_t)x;
            }
        } else if (npos == 0) {
            op->cmd = a;
            npos++;
        } else if (npos == 1) {
            op->out = a;
            npos++;
        } else {
            fprintf(stderr, "mm-corpus: unexpected argument '%s' (see mm-corpus --help)\n", a);
            return -1;
        }
    }
    if (!op->cmd) {
        fprintf(stderr, "mm-corpus: missing command 'song' or 'bench' (see mm-corpus --help)\n");
        return -1;
    }
    if (strcmp(op->cmd, "song") && strcmp(op->cmd, "bench")) {
        fprintf(stderr, "mm-corpus: unknown command '%s' (see mm-corpus --help)\n", op->cmd);
        return -1;
    }
    if (!op->out || !op->out[0]) {
        fprintf(stderr, "mm-corpus: %s needs an output %s (see mm-corpus --help)\n", op->cmd,
                strcmp(op->cmd, "song") ? "file" : "folder");
        return -1;
    }
    if (!strcmp(op->cmd, "bench") && !op->seconds_set)
        op->seconds = BENCH_DEFAULT_SECONDS;
    return 0;
}

int main(int argc, char **argv)
{
    options op;
    const int p = parse_args(argc, argv, &op);
    if (p == 1) {
        usage(stdout);
        return EXIT_OK;
    }
    if (p != 0)
        return EXIT_USAGE;
    return strcmp(op.cmd, "song") ? run_bench(&op) : run_song(&op);
}
