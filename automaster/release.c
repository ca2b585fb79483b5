/* Album delivery: identifiers, fades, the plan in frames and the CUE sheet.
 * See include/mixmaster/release.h for the formulas and conventions. */
#include "mixmaster/release.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- identifiers ------------------------------------------------------- */

int mm_isrc_normalize(const char *isrc, char out[13], const char **why)
{
    const char *w = NULL;
    char s[13];
    size_t n = 0, len;
    if (!isrc) {
        if (why) *why = "missing";
        return MM_ERR_INVALID_ARG;
    }
    len = strlen(isrc);
    /* the display form CC-XXX-YY-NNNNN: hyphens after 2, 5 and 7 characters */
    if (len == 15) {
        if (isrc[2] != '-' || isrc[6] != '-' || isrc[9] != '-') {
            w = "hyphens belong after the country code, the registrant and the year (CC-XXX-YY-NNNNN)";
            goto bad;
        }
    } else if (len != 12) {
        w = "an ISRC has 12 characters (CC XXX YY NNNNN)";
        goto bad;
    }
    for (size_t i = 0; i < len; i++) {
        if (len == 15 && (i == 2 || i == 6 || i == 9)) continue;
        s[n++] = (char)toupper((unsigned char)isrc[i]);
    }
    s[12] = 0;
    for (int i = 0; i < 2; i++)
        if (s[i] < 'A' || s[i] > 'Z') {
            w = "the first two characters are the country code (letters)";
            goto bad;
        }
    for (int i = 2; i < 5; i++)
        if (!isalnum((unsigned char)s[i]) || (unsigned char)s[i] > 127) {
            w = "characters 3-5 are the registrant code (letters or digits)";
            goto bad;
        }
    for (int i = 5; i < 7; i++)
        if (s[i] < '0' || s[i] > '9') {
            w = "characters 6-7 are the year of reference (digits)";
            goto bad;
        }
    for (int i = 7; i < 12; i++)
        if (s[i] < '0' || s[i] > '9') {
            w = "characters 8-12 are the designation code (digits)";
            goto bad;
        }
    if (out) memcpy(out, s, 13);
    return MM_OK;
bad:
    if (why) *why = w;
    return MM_ERR_INVALID_ARG;
}

int mm_gs1_check_digit(const char *digits, size_t n)
{
    /* GS1 General Specifications 7.9.1: weights 3 and 1 alternate from the
     * rightmost digit (next to the check digit), which gets 3. */
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        char c = digits[n - 1 - i];
        if (c < '0' || c > '9') return -1;
        sum += (c - '0') * (i % 2 == 0 ? 3 : 1);
    }
    return (10 - sum % 10) % 10;
}

int mm_upc_normalize(const char *code, char ean13[14], const char **why)
{
    size_t n = code ? strlen(code) : 0;
    if (n != 12 && n != 13) {
        if (why) *why = "a UPC-A has 12 digits and an EAN-13 13";
        return MM_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9') {
            if (why) *why = "only digits";
            return MM_ERR_INVALID_ARG;
        }
    if (mm_gs1_check_digit(code, n - 1) != code[n - 1] - '0') {
        if (why) *why = "the check digit does not match (GS1 mod-10)";
        return MM_ERR_INVALID_ARG;
    }
    if (ean13) {
        if (n == 12) {
            ean13[0] = '0';
            memcpy(ean13 + 1, code, 13);
        } else {
            memcpy(ean13, code, 14);
        }
    }
    return MM_OK;
}

/* ---- fades ------------------------------------------------------------- */

static const char *const curve_names[MM_FADE_CURVE_COUNT] = {"linear", "equal-power", "s-curve", "log"};

const char *mm_fade_curve_name(mm_fade_curve c)
{
    return (unsigned)c < MM_FADE_CURVE_COUNT ? curve_names[c] : NULL;
}

int mm_fade_curve_parse(const char *name, mm_fade_curve *out)
{
    for (int i = 0; name && i < MM_FADE_CURVE_COUNT; i++)
        if (!strcmp(name, curve_names[i])) {
            *out = (mm_fade_curve)i;
            return MM_OK;
        }
    return MM_ERR_INVALID_ARG;
}

double mm_fade_gain(mm_fade_curve c, double x)
{
    const double pi = 3.14159265358979323846;
    if (!(x > 0.0)) return 0.0;
    if (x >= 1.0) return 1.0;
    switch (c) {
    case MM_FADE_EQUAL_POWER:
        return sin(0.5 * pi * x);
    case MM_FADE_S_CURVE:
        return 0.5 - 0.5 * cos(pi * x);
    case MM_FADE_LOG: {
        /* 60 dB of range (the level falls 20 dB per third of the fade), the
         * floor 10^-3 subtracted so that the fade reaches true silence */
        const double floor_ = 1e-3;
        return (pow(10.0, 3.0 * (x - 1.0)) - floor_) / (1.0 - floor_);
    }
    case MM_FADE_LINEAR:
    default:
        return x;
    }
}

double mm_fade_gain_at(mm_fade_curve c, uint64_t k, uint64_t frames, uint64_t in, uint64_t out)
{
    double g = 1.0;
    if (k < in) g *= mm_fade_gain(c, (double)k / (double)in);
    if (out > frames) out = frames;
    if (out && k < frames && k >= frames - out) g *= mm_fade_gain(c, (double)(frames - 1 - k) / (double)out);
    if (k >= frames) g = 0.0;
    return g;
}

void mm_release_fade_apply(float *const ch[], int channels, size_t n, uint64_t pos, mm_fade_curve c,
                           uint64_t frames, uint64_t in, uint64_t out)
{
    const uint64_t out_start = frames >= out ? frames - out : 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = pos + i;
        if (k >= in && k < out_start && k < frames) continue; /* full gain */
        float g = (float)mm_fade_gain_at(c, k, frames, in, out);
        for (int ci = 0; ci < channels; ci++)
            ch[ci][i] *= g;
    }
}

size_t mm_release_first_above(const float *const ch[], int channels, size_t n, float threshold)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            if (fabsf(ch[c][i]) > threshold) return i;
    return n;
}

size_t mm_release_end_above(const float *const ch[], int channels, size_t n, float threshold)
{
    for (size_t i = n; i > 0; i--)
        for (int c = 0; c < channels; c++)
            if (fabsf(ch[c][i - 1]) > threshold) return i;
    return 0;
}

/* ---- the description ---------------------------------------------------- */

void mm_release_error_set(mm_release_error *e, size_t track, const char *field, const char *fmt, ...)
{
    if (!e) return;
    e->track = track;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (track)
        snprintf(e->message, sizeof e->message, "track %zu, %s: %s", track, e->field, msg);
    else
        snprintf(e->message, sizeof e->message, "%s: %s", e->field, msg);
}

static int text_ok(const char *s)
{
    if (!s || !*s) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

/* A time field: finite and non-negative (NaN allowed where `nan_ok`). */
static int time_bad(double v, int nan_ok)
{
    return nan_ok && isnan(v) ? 0 : !(isfinite(v) && v >= 0.0);
}

int mm_release_validate(const mm_release *r, mm_release_error *err)
{
    char f[64];
    if (!r) return MM_ERR_INVALID_ARG;
    if (!text_ok(r->title)) {
        mm_release_error_set(err, 0, "title", "the album needs a title (printable text)");
        return MM_ERR_INVALID_ARG;
    }
    if (!text_ok(r->artist)) {
        mm_release_error_set(err, 0, "artist", "the album needs an artist (printable text)");
        return MM_ERR_INVALID_ARG;
    }
    if (r->genre && !text_ok(r->genre)) {
        mm_release_error_set(err, 0, "genre", "must be printable text");
        return MM_ERR_INVALID_ARG;
    }
    if (r->upc[0] && mm_upc_normalize(r->upc, NULL, NULL) != MM_OK) {
        mm_release_error_set(err, 0, "upc", "'%s' is not a valid UPC/EAN", r->upc);
        return MM_ERR_INVALID_ARG;
    }
    if (r->year && (r->year < 1000 || r->year > 9999)) {
        mm_release_error_set(err, 0, "year", "%d is not a four-digit year", r->year);
        return MM_ERR_INVALID_ARG;
    }
    if (r->count == 0 || r->count > MM_RELEASE_MAX_TRACKS) {
        mm_release_error_set(err, 0, "tracks", "a release has 1 to %d tracks, not %zu", MM_RELEASE_MAX_TRACKS,
                             r->count);
        return MM_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < r->count; i++) {
        const mm_release_track *t = &r->tracks[i];
        const size_t tn = i + 1;
#define FIELD(name) (snprintf(f, sizeof f, "tracks[%zu]." name, i), f)
        if (!text_ok(t->file)) {
            mm_release_error_set(err, tn, FIELD("file"), "the track needs a file");
            return MM_ERR_INVALID_ARG;
        }
        if (!text_ok(t->title)) {
            mm_release_error_set(err, tn, FIELD("title"), "the track needs a title (printable text)");
            return MM_ERR_INVALID_ARG;
        }
        if (t->artist && !text_ok(t->artist)) {
            mm_release_error_set(err, tn, FIELD("artist"), "must be printable text");
            return MM_ERR_INVALID_ARG;
        }
        const char *why = NULL;
        if (t->isrc[0] && mm_isrc_normalize(t->isrc, NULL, &why) != MM_OK) {
            mm_release_error_set(err, tn, FIELD("isrc"), "'%s' is not an ISRC: %s", t->isrc, why);
            return MM_ERR_INVALID_ARG;
        }
        if (time_bad(t->gap_before_s, 1) ||
            (!isnan(t->gap_before_s) && t->gap_before_s > MM_RELEASE_MAX_GAP_S)) {
            mm_release_error_set(err, tn, FIELD("gap_before_s"), "%g s is not a gap (0 to %g s)",
                                 t->gap_before_s, MM_RELEASE_MAX_GAP_S);
            return MM_ERR_INVALID_ARG;
        }
        if (t->trim == MM_TRIM_SECONDS && (time_bad(t->trim_start_s, 0) || time_bad(t->trim_end_s, 0))) {
            mm_release_error_set(err, tn, FIELD("trim"), "start_s and end_s must be finite and non-negative");
            return MM_ERR_INVALID_ARG;
        }
        if (time_bad(t->fade_in_s, 0)) {
            mm_release_error_set(err, tn, FIELD("fade_in_s"), "%g s: must be finite and non-negative",
                                 t->fade_in_s);
            return MM_ERR_INVALID_ARG;
        }
        if (time_bad(t->fade_out_s, 0)) {
            mm_release_error_set(err, tn, FIELD("fade_out_s"), "%g s: must be finite and non-negative",
                                 t->fade_out_s);
            return MM_ERR_INVALID_ARG;
        }
        if ((unsigned)t->fade_curve >= MM_FADE_CURVE_COUNT) {
            mm_release_error_set(err, tn, FIELD("fade_curve"), "unknown curve");
            return MM_ERR_INVALID_ARG;
        }
        if (time_bad(t->crossfade_s, 0)) {
            mm_release_error_set(err, tn, FIELD("crossfade_s"), "%g s: must be finite and non-negative",
                                 t->crossfade_s);
            return MM_ERR_INVALID_ARG;
        }
        if (t->crossfade_s > 0.0) {
            if (i == 0) {
                mm_release_error_set(err, tn, FIELD("crossfade_s"),
                                     "the first track has nothing to cross-fade with");
                return MM_ERR_INVALID_ARG;
            }
            if (!isnan(t->gap_before_s) && t->gap_before_s > 0.0) {
                mm_release_error_set(err, tn, FIELD("crossfade_s"),
                                     "a track cross-fades or follows a gap, not both");
                return MM_ERR_INVALID_ARG;
            }
            if (t->crossfade_s > t->fade_in_s || t->crossfade_s > r->tracks[i - 1].fade_out_s) {
                mm_release_error_set(
                    err, tn, FIELD("crossfade_s"),
                    "%g s is longer than this track's fade_in_s (%g s) or the previous fade_out_s (%g s)",
                    t->crossfade_s, t->fade_in_s, r->tracks[i - 1].fade_out_s);
                return MM_ERR_INVALID_ARG;
            }
        }
        if (!isnan(t->gain_db) && !(isfinite(t->gain_db) && fabs(t->gain_db) <= 40.0)) {
            mm_release_error_set(err, tn, FIELD("gain_db"), "%g dB is outside -40..40 dB", t->gain_db);
            return MM_ERR_INVALID_ARG;
        }
        if (!isnan(t->target_lufs) &&
            !(isfinite(t->target_lufs) && t->target_lufs >= -70.0 && t->target_lufs <= 0.0)) {
            mm_release_error_set(err, tn, FIELD("target_lufs"), "%g LUFS is outside -70..0 LUFS",
                                 t->target_lufs);
            return MM_ERR_INVALID_ARG;
        }
        if (!isnan(t->gain_db) && !isnan(t->target_lufs)) {
            mm_release_error_set(err, tn, FIELD("gain_db"), "give gain_db or target_lufs, not both");
            return MM_ERR_INVALID_ARG;
        }
#undef FIELD
    }
    return MM_OK;
}

/* ---- the plan ----------------------------------------------------------- */

/* Seconds to frames, to the nearest frame (or the nearest `unit` frames). */
static uint64_t to_frames(double s, double fs, uint64_t unit)
{
    /* clamped to 2^52 frames (over 3000 years at 44.1 kHz): longer than any
     * track, so an absurd time fails the length checks instead of
     * overflowing the conversion */
    const double cap = 4503599627370496.0;
    double f = floor(s * fs / (double)unit + 0.5);
    if (!(f > 0.0)) return 0;
    return (uint64_t)(f < cap ? f : cap) * unit;
}

int mm_release_plan(const mm_release_plan_config *cfg, const mm_release *r, const uint64_t *source_frames,
                    const uint64_t *audible, mm_release_track_plan *plans, uint64_t *album_frames,
                    mm_release_error *err)
{
    char f[64];
    if (!cfg || !r || !source_frames || !plans ||
        !(cfg->sample_rate >= 1000.0 && cfg->sample_rate <= 768000.0))
        return MM_ERR_INVALID_ARG;
    const double fs = cfg->sample_rate;
    if (cfg->cd_align && fs != MM_CD_SAMPLE_RATE) {
        mm_release_error_set(err, 0, "preset", "CD sector alignment needs 44100 Hz tracks, not %g Hz", fs);
        return MM_ERR_INVALID_ARG;
    }
    const uint64_t unit = cfg->cd_align ? MM_CD_SECTOR_FRAMES : 1;
    uint64_t pos = 0, prev_end = 0;
    for (size_t i = 0; i < r->count; i++) {
        const mm_release_track *t = &r->tracks[i];
        mm_release_track_plan *p = &plans[i];
        const size_t tn = i + 1;
        memset(p, 0, sizeof *p);
        p->source_frames = source_frames[i];
        if (t->trim == MM_TRIM_SECONDS) {
            p->trim_start = to_frames(t->trim_start_s, fs, 1);
            p->trim_end = to_frames(t->trim_end_s, fs, 1);
        } else if (t->trim == MM_TRIM_AUTO && audible) {
            uint64_t a0 = audible[2 * i], a1 = audible[2 * i + 1];
            if (a1 <= a0 || a1 > p->source_frames) {
                mm_release_error_set(err, tn, (snprintf(f, sizeof f, "tracks[%zu].trim", i), f),
                                     "\"auto\" found no audio above %g dBFS in %s", MM_RELEASE_AUTO_TRIM_DBFS,
                                     t->file);
                return MM_ERR_INVALID_ARG;
            }
            p->trim_start = a0;
            p->trim_end = p->source_frames - a1;
        }
        if (p->trim_start + p->trim_end >= p->source_frames) {
            mm_release_error_set(err, tn, (snprintf(f, sizeof f, "tracks[%zu].trim", i), f),
                                 "cuts %.3f s from a track of %.3f s: nothing would be left",
                                 (double)(p->trim_start + p->trim_end) / fs, (double)p->source_frames / fs);
            return MM_ERR_INVALID_ARG;
        }
        p->audio_frames = p->source_frames - p->trim_start - p->trim_end;
        p->fade_in = to_frames(t->fade_in_s, fs, 1);
        p->fade_out = to_frames(t->fade_out_s, fs, 1);
        if (p->fade_in > p->audio_frames) {
            mm_release_error_set(err, tn, (snprintf(f, sizeof f, "tracks[%zu].fade_in_s", i), f),
                                 "%g s is longer than the track (%.3f s after trimming)", t->fade_in_s,
                                 (double)p->audio_frames / fs);
            return MM_ERR_INVALID_ARG;
        }
        if (p->fade_out > p->audio_frames) {
            mm_release_error_set(err, tn, (snprintf(f, sizeof f, "tracks[%zu].fade_out_s", i), f),
                                 "%g s is longer than the track (%.3f s after trimming)", t->fade_out_s,
                                 (double)p->audio_frames / fs);
            return MM_ERR_INVALID_ARG;
        }
        if (p->fade_in + p->fade_out > p->audio_frames) {
            mm_release_error_set(
                err, tn, (snprintf(f, sizeof f, "tracks[%zu].fade_out_s", i), f),
                "fade_in_s + fade_out_s = %g s is longer than the track (%.3f s after trimming)",
                t->fade_in_s + t->fade_out_s, (double)p->audio_frames / fs);
            return MM_ERR_INVALID_ARG;
        }
        p->pad_frames = (unit - p->audio_frames % unit) % unit;
        p->frames = p->audio_frames + p->pad_frames;
        double gap_s = !isnan(t->gap_before_s) ? t->gap_before_s
                       : i == 0                ? (cfg->cd_align ? MM_RELEASE_DEFAULT_FIRST_GAP_S : 0.0)
                       : t->crossfade_s > 0.0  ? 0.0
                                               : MM_RELEASE_DEFAULT_GAP_S;
        p->gap_before = to_frames(gap_s, fs, unit);
        if (t->crossfade_s > 0.0) {
            p->overlap = to_frames(t->crossfade_s, fs, unit);
            /* the overlap lies inside the previous track's delivered audio
             * (its fade-out plus its pad) and this track's fade-in */
            const mm_release_track_plan *q = &plans[i - 1];
            if (p->overlap > q->fade_out + q->pad_frames || p->overlap > p->fade_in + (unit - 1)) {
                mm_release_error_set(err, tn, (snprintf(f, sizeof f, "tracks[%zu].crossfade_s", i), f),
                                     "%g s does not fit inside the fades it joins", t->crossfade_s);
                return MM_ERR_INVALID_ARG;
            }
            p->gap_before = 0;
            p->index00 = p->index01 = prev_end - p->overlap;
        } else {
            p->index00 = pos;
            p->index01 = pos + p->gap_before;
        }
        prev_end = pos = p->index01 + p->frames;
    }
    if (album_frames) *album_frames = pos;
    return MM_OK;
}

uint64_t mm_cd_frames(uint64_t frames, double sample_rate)
{
    /* frames * 75 / rate to the nearest; integer arithmetic at integral rates */
    uint64_t fs = (uint64_t)sample_rate;
    if ((double)fs == sample_rate && fs > 0) return (frames * MM_CD_FRAMES_PER_SECOND + fs / 2) / fs;
    return (uint64_t)floor((double)frames * MM_CD_FRAMES_PER_SECOND / sample_rate + 0.5);
}

void mm_cd_time(uint64_t cd_frames, char out[32])
{
    uint64_t ff = cd_frames % 75, s = cd_frames / 75;
    snprintf(out, 32, "%02llu:%02llu:%02llu", (unsigned long long)(s / 60), (unsigned long long)(s % 60),
             (unsigned long long)ff);
}

/* snprintf into buf at *len, counting what would have been written. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (k > 0) *len += (size_t)k;
}

/* CUE text: a quoted string with double quotes turned into single ones. */
static void put_quoted(char *buf, size_t cap, size_t *len, const char *key, const char *s, const char *indent)
{
    put(buf, cap, len, "%s%s \"", indent, key);
    for (const char *p = s; *p; p++)
        put(buf, cap, len, "%c", *p == '"' ? '\'' : *p);
    put(buf, cap, len, "\"\n");
}

long mm_release_cue_write(char *buf, size_t cap, const mm_release *r, const mm_release_track_plan *plans,
                          double sample_rate, const char *const *track_files, const char *continuous_file,
                          const char *file_type)
{
    if (!r || !plans || (!continuous_file && !track_files) || !(sample_rate > 0.0)) return MM_ERR_INVALID_ARG;
    if (!file_type) file_type = "WAVE";
    size_t len = 0;
    char t0[32], t1[32];
    if (buf && cap) buf[0] = 0;
    if (r->genre) put_quoted(buf, cap, &len, "REM GENRE", r->genre, "");
    if (r->year) put(buf, cap, &len, "REM DATE %d\n", r->year);
    put(buf, cap, &len, "REM COMMENT \"mixmaster %s\"\n", mm_version_string());
    if (r->upc[0]) put(buf, cap, &len, "CATALOG %s\n", r->upc);
    put_quoted(buf, cap, &len, "PERFORMER", r->artist, "");
    put_quoted(buf, cap, &len, "TITLE", r->title, "");
    if (continuous_file) {
        put_quoted(buf, cap, &len, "FILE", continuous_file, "");
        len--; /* the newline: the type follows on the same line */
        put(buf, cap, &len, " %s\n", file_type);
    }
    for (size_t i = 0; i < r->count; i++) {
        const mm_release_track *t = &r->tracks[i];
        const mm_release_track_plan *p = &plans[i];
        if (!continuous_file) {
            put_quoted(buf, cap, &len, "FILE", track_files[i], "");
            len--;
            put(buf, cap, &len, " %s\n", file_type);
        }
        put(buf, cap, &len, "  TRACK %02zu AUDIO\n", i + 1);
        put_quoted(buf, cap, &len, "TITLE", t->title, "    ");
        put_quoted(buf, cap, &len, "PERFORMER", t->artist ? t->artist : r->artist, "    ");
        if (t->isrc[0]) put(buf, cap, &len, "    ISRC %s\n", t->isrc);
        if (continuous_file) {
            mm_cd_time(mm_cd_frames(p->index01, sample_rate), t1);
            if (p->index01 > p->index00) {
                mm_cd_time(mm_cd_frames(p->index00, sample_rate), t0);
                put(buf, cap, &len, "    INDEX 00 %s\n", t0);
            }
            put(buf, cap, &len, "    INDEX 01 %s\n", t1);
        } else {
            if (p->gap_before) {
                mm_cd_time(mm_cd_frames(p->gap_before, sample_rate), t0);
                put(buf, cap, &len, "    PREGAP %s\n", t0);
            }
            put(buf, cap, &len, "    INDEX 01 00:00:00\n");
        }
    }
    if (buf && cap) buf[len < cap ? len : cap - 1] = 0;
    return (long)len;
}
