/*
 * Album delivery in the library: ISRC and UPC/EAN validation against codes
 * with known check digits, fade curves and fades that start and end on the
 * requested frames, the plan's frame arithmetic (trims, gaps, CD sectors of
 * 588 frames), the CUE sheet parsed back to the CD frame, and the strict
 * reader of release.json.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/release.h"
#include "mixmaster/release_report.h"

static void test_isrc(void **state)
{
    (void)state;
    char out[13];
    const char *why = NULL;
    static const char *const good[][2] = {{"USRC17607839", "USRC17607839"},
                                          {"us-rc1-76-07839", "USRC17607839"},
                                          {"GBAYE0601498", "GBAYE0601498"},
                                          {"FR-6V8-12-00001", "FR6V81200001"}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(mm_isrc_normalize(good[i][0], out, &why), MM_OK);
        assert_string_equal(out, good[i][1]);
    }
    static const char *const bad[] = {
        "USRC1760783",     /* 11 characters */
        "USRC176078390",   /* 13 */
        "1SRC17607839",    /* the country code is two letters */
        "US$C17607839",    /* registrant: letters or digits */
        "USRC1A607839",    /* year: digits */
        "USRC1760783X",    /* designation: digits */
        "US-RC176-07839",  /* hyphens in the wrong places (14 characters) */
        "USR-C1-76-07839", /* 15 characters, wrong hyphens */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_equal(mm_isrc_normalize(bad[i], out, &why), MM_ERR_INVALID_ARG);
        assert_non_null(why);
    }
    assert_int_equal(mm_isrc_normalize(NULL, out, &why), MM_ERR_INVALID_ARG);
}

static void test_upc(void **state)
{
    (void)state;
    char ean[14];
    const char *why = NULL;
    /* 0 3 6 0 0 0 2 9 1 4 5: 3*(0+6+0+2+1+5) + (3+0+0+9+4) = 42 + 16 = 58 -> 2 */
    assert_int_equal(mm_gs1_check_digit("03600029145", 11), 2);
    assert_int_equal(mm_gs1_check_digit("400638133393", 12), 1);
    assert_int_equal(mm_gs1_check_digit("03600a29145", 11), -1);
    assert_int_equal(mm_upc_normalize("036000291452", ean, &why), MM_OK);
    assert_string_equal(ean, "0036000291452"); /* UPC-A as EAN-13 */
    assert_int_equal(mm_upc_normalize("4006381333931", ean, &why), MM_OK);
    assert_string_equal(ean, "4006381333931");
    assert_int_equal(mm_upc_normalize("5901234123457", NULL, NULL), MM_OK);
    static const char *const bad[] = {"036000291453",   "4006381333932", "03600029145",
                                      "40063813339311", "03600029145a",  ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_equal(mm_upc_normalize(bad[i], ean, &why), MM_ERR_INVALID_ARG);
        assert_non_null(why);
    }
}

static void test_fade_curves(void **state)
{
    (void)state;
    for (int c = 0; c < MM_FADE_CURVE_COUNT; c++) {
        mm_fade_curve fc;
        assert_int_equal(mm_fade_curve_parse(mm_fade_curve_name((mm_fade_curve)c), &fc), MM_OK);
        assert_int_equal(fc, c);
        assert_true(mm_fade_gain(fc, 0.0) == 0.0);
        assert_true(mm_fade_gain(fc, 1.0) == 1.0);
        assert_true(mm_fade_gain(fc, -1.0) == 0.0);
        assert_true(mm_fade_gain(fc, 2.0) == 1.0);
        double prev = 0.0;
        for (int i = 1; i <= 1000; i++) {
            double g = mm_fade_gain(fc, i / 1000.0);
            assert_true(g > prev);
            prev = g;
        }
    }
    assert_int_equal(mm_fade_curve_parse("cosine", &(mm_fade_curve){0}), MM_ERR_INVALID_ARG);
    assert_null(mm_fade_curve_name(MM_FADE_CURVE_COUNT));
    for (int i = 0; i <= 100; i++) {
        double x = i / 100.0;
        /* equal power: a fade-out and a fade-in of the same length sum to constant power */
        double a = mm_fade_gain(MM_FADE_EQUAL_POWER, x), b = mm_fade_gain(MM_FADE_EQUAL_POWER, 1.0 - x);
        assert_near(a * a + b * b, 1.0, 1e-12);
        /* s-curve: constant amplitude sum, and half way at the middle */
        assert_near(mm_fade_gain(MM_FADE_S_CURVE, x) + mm_fade_gain(MM_FADE_S_CURVE, 1.0 - x), 1.0, 1e-12);
        assert_near(mm_fade_gain(MM_FADE_LINEAR, x), x, 1e-15);
    }
    /* log: 20 dB per third of the fade above the lifted floor */
    assert_near(mm_fade_gain(MM_FADE_LOG, 2.0 / 3.0), (0.1 - 1e-3) / (1.0 - 1e-3), 1e-12);
    assert_near(mm_fade_gain(MM_FADE_LOG, 1.0 / 3.0), (0.01 - 1e-3) / (1.0 - 1e-3), 1e-12);
}

/* Fades on a constant signal: start and end on the requested frames, no
 * step larger than the curve's slope allows, the same whatever the block size. */
static void test_fade_apply_exact(void **state)
{
    (void)state;
    enum { N = 1000, IN = 100, OUT = 200 };
    static const double max_slope[MM_FADE_CURVE_COUNT] = {1.0, 1.5707963267948966, 1.5707963267948966,
                                                          6.9147};
    for (int c = 0; c < MM_FADE_CURVE_COUNT; c++) {
        float a[N], b[N];
        for (int i = 0; i < N; i++)
            a[i] = b[i] = 0.5f;
        float *pa[1] = {a};
        mm_release_fade_apply(pa, 1, N, 0, (mm_fade_curve)c, N, IN, OUT);
        /* the same in blocks of 7 frames */
        for (size_t pos = 0; pos < N; pos += 7) {
            float *pb[1] = {b + pos};
            mm_release_fade_apply(pb, 1, pos + 7 <= N ? 7 : N - pos, pos, (mm_fade_curve)c, N, IN, OUT);
        }
        assert_memory_equal(a, b, sizeof a);
        assert_true(a[0] == 0.0f); /* the fade-in starts at frame 0 */
        assert_true(a[1] > 0.0f);
        assert_true(a[IN - 1] < 0.5f);       /* and lasts IN frames */
        assert_true(a[IN] == 0.5f);          /* frame IN is the first at full gain */
        assert_true(a[N - OUT - 1] == 0.5f); /* the last at full gain */
        assert_true(a[N - OUT] < 0.5f);      /* the fade-out starts here */
        assert_true(a[N - 2] > 0.0f);
        assert_true(a[N - 1] == 0.0f); /* and ends on the last frame */
        for (int i = 1; i < N; i++) {
            double step = fabs((double)a[i] - a[i - 1]) / 0.5;
            double len = i <= IN ? IN : OUT;
            assert_true(step <= max_slope[c] / len + 1e-6);
        }
    }
    /* gains outside the track are zero; a track without fades is untouched */
    assert_true(mm_fade_gain_at(MM_FADE_LINEAR, 1000, 1000, 0, 0) == 0.0);
    assert_true(mm_fade_gain_at(MM_FADE_LINEAR, 0, 1000, 0, 0) == 1.0);
    assert_true(mm_fade_gain_at(MM_FADE_LINEAR, 999, 1000, 0, 0) == 1.0);
    /* a fade-out longer than the track is the whole track */
    assert_near(mm_fade_gain_at(MM_FADE_LINEAR, 0, 10, 0, 20), 0.9, 1e-12);
    assert_true(mm_fade_gain_at(MM_FADE_LINEAR, 9, 10, 0, 20) == 0.0);
}

static void test_audible_range(void **state)
{
    (void)state;
    float l[100] = {0}, r[100] = {0};
    l[10] = 0.01f;
    r[57] = -0.02f;
    const float *ch[2] = {l, r};
    assert_int_equal(mm_release_first_above(ch, 2, 100, 0.001f), 10);
    assert_int_equal(mm_release_end_above(ch, 2, 100, 0.001f), 58);
    assert_int_equal(mm_release_first_above(ch, 2, 100, 0.5f), 100);
    assert_int_equal(mm_release_end_above(ch, 2, 100, 0.5f), 0);
}

/* A release of three tracks built in memory. */
static mm_release_track tracks3[3];
static mm_release rel3;

static void init3(void)
{
    memset(tracks3, 0, sizeof tracks3);
    static char *files[3] = {"a.wav", "b.wav", "c.wav"}, *titles[3] = {"Alpha", "Beta \"B\"", "Gamma"};
    for (int i = 0; i < 3; i++) {
        tracks3[i].file = files[i];
        tracks3[i].title = titles[i];
        tracks3[i].gap_before_s = NAN;
        tracks3[i].gain_db = NAN;
        tracks3[i].target_lufs = NAN;
        tracks3[i].fade_curve = MM_FADE_EQUAL_POWER;
    }
    memcpy(tracks3[0].isrc, "USRC17607839", 13);
    memcpy(tracks3[2].isrc, "GBAYE0601498", 13);
    memset(&rel3, 0, sizeof rel3);
    rel3.title = "Album";
    rel3.artist = "Band";
    rel3.year = 2026;
    memcpy(rel3.upc, "0036000291452", 14);
    rel3.count = 3;
    rel3.tracks = tracks3;
}

static void test_plan_frames(void **state)
{
    (void)state;
    init3();
    const double fs = 48000.0;
    tracks3[0].trim = MM_TRIM_SECONDS;
    tracks3[0].trim_start_s = 0.5;
    tracks3[0].trim_end_s = 0.25;
    tracks3[0].fade_out_s = 1.0;
    tracks3[1].gap_before_s = 1.5;
    tracks3[1].fade_in_s = 0.01;
    tracks3[2].trim = MM_TRIM_AUTO;
    uint64_t src[3] = {480000 + 17, 240000, 300000}, aud[6] = {0, 0, 0, 0, 1000, 299000}, total = 0;
    mm_release_track_plan p[3];
    mm_release_error e;
    mm_release_plan_config cfg = {fs, 0};
    assert_int_equal(mm_release_validate(&rel3, &e), MM_OK);
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, aud, p, &total, &e), MM_OK);
    assert_int_equal(p[0].trim_start, 24000);
    assert_int_equal(p[0].trim_end, 12000);
    assert_int_equal(p[0].audio_frames, 480017 - 36000);
    assert_int_equal(p[0].pad_frames, 0);
    assert_int_equal(p[0].fade_out, 48000);
    assert_int_equal(p[0].gap_before, 0); /* track 1 without CD: no gap */
    assert_int_equal(p[0].index00, 0);
    assert_int_equal(p[0].index01, 0);
    assert_int_equal(p[1].gap_before, 72000);
    assert_int_equal(p[1].fade_in, 480);
    assert_int_equal(p[1].index00, 444017);
    assert_int_equal(p[1].index01, 444017 + 72000);
    assert_int_equal(p[2].trim_start, 1000);
    assert_int_equal(p[2].trim_end, 1000);
    assert_int_equal(p[2].gap_before, 96000); /* the default 2 s between tracks */
    assert_int_equal(p[2].index01, 444017 + 72000 + 240000 + 96000);
    assert_int_equal(total, p[2].index01 + 298000);

    /* CD: 44.1 kHz, 2 s before track 1, every start and length on a sector */
    tracks3[2].trim = MM_TRIM_NONE;
    tracks3[1].gap_before_s = 1.0 + 0.3 / 75.0; /* 75.3 sectors: rounds to 75 */
    cfg = (mm_release_plan_config){44100.0, 1};
    uint64_t cd_src[3] = {44100 * 3 + 17, 44100 * 2, 44100 * 4 + 587};
    assert_int_equal(mm_release_plan(&cfg, &rel3, cd_src, NULL, p, &total, &e), MM_OK);
    assert_int_equal(p[0].gap_before, 88200); /* 150 sectors = 00:02:00 */
    assert_int_equal(p[1].gap_before, 44100);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(p[i].index01 % MM_CD_SECTOR_FRAMES, 0);
        assert_int_equal(p[i].index00 % MM_CD_SECTOR_FRAMES, 0);
        assert_int_equal(p[i].frames % MM_CD_SECTOR_FRAMES, 0);
        assert_true(p[i].pad_frames < MM_CD_SECTOR_FRAMES);
        assert_int_equal(p[i].frames, p[i].audio_frames + p[i].pad_frames);
    }
    assert_int_equal(p[0].audio_frames,
                     132300 + 17 - 22050 - 11025); /* trims of 0.5 s + 0.25 s at 44.1 kHz */
    assert_int_equal(p[0].pad_frames, 588 - 99242 % 588);
    assert_int_equal(p[2].pad_frames, 1);
    assert_int_equal(total % MM_CD_SECTOR_FRAMES, 0);
    /* CD alignment at another rate is refused, naming the preset */
    cfg.sample_rate = 48000.0;
    assert_int_equal(mm_release_plan(&cfg, &rel3, cd_src, NULL, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "preset");
}

static void test_plan_errors(void **state)
{
    (void)state;
    init3();
    uint64_t src[3] = {48000, 48000, 48000}, total;
    mm_release_track_plan p[3];
    mm_release_error e;
    mm_release_plan_config cfg = {48000.0, 0};
    tracks3[1].fade_out_s = 1.5; /* longer than the 1 s track */
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_int_equal(e.track, 2);
    assert_string_equal(e.field, "tracks[1].fade_out_s");
    assert_non_null(strstr(e.message, "track 2"));
    assert_non_null(strstr(e.message, "longer than the track"));
    tracks3[1].fade_out_s = 0.6;
    tracks3[1].fade_in_s = 0.6; /* together longer */
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_int_equal(e.track, 2);
    tracks3[1].fade_in_s = 0.4;
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_OK);
    tracks3[2].trim = MM_TRIM_SECONDS;
    tracks3[2].trim_start_s = 0.5;
    tracks3[2].trim_end_s = 0.5; /* nothing left */
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[2].trim");
    tracks3[2].trim_start_s = 1e300; /* absurd: refused, not overflowed */
    tracks3[2].trim_end_s = 0.0;
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[2].trim");
    tracks3[2].trim = MM_TRIM_NONE;
    tracks3[2].fade_in_s = 1e300;
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[2].fade_in_s");
    tracks3[2].fade_in_s = 0.0;
    tracks3[2].trim = MM_TRIM_AUTO;
    uint64_t aud[6] = {0, 48000, 0, 48000, 0, 0}; /* silent: no audio above the threshold */
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, aud, p, &total, &e), MM_ERR_INVALID_ARG);
    assert_int_equal(e.track, 3);

    /* validation: each error names its field and track */
    init3();
    tracks3[0].fade_in_s = -1.0;
    assert_int_equal(mm_release_validate(&rel3, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[0].fade_in_s");
    assert_int_equal(e.track, 1);
    init3();
    tracks3[1].gap_before_s = 61.0;
    assert_int_equal(mm_release_validate(&rel3, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[1].gap_before_s");
    init3();
    tracks3[0].crossfade_s = 1.0;
    assert_int_equal(mm_release_validate(&rel3, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[0].crossfade_s");
    init3();
    tracks3[1].crossfade_s = 1.0; /* the fades it joins are 0 s */
    assert_int_equal(mm_release_validate(&rel3, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[1].crossfade_s");
    init3();
    memcpy(tracks3[2].isrc, "XXRC1760783", 12);
    assert_int_equal(mm_release_validate(&rel3, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "tracks[2].isrc");
    init3();
    memcpy(rel3.upc, "0036000291453", 14);
    assert_int_equal(mm_release_validate(&rel3, &e), MM_ERR_INVALID_ARG);
    assert_string_equal(e.field, "upc");
    assert_int_equal(e.track, 0);
}

/* "mm:ss:ff" back to CD frames. */
static long cue_time(const char *s)
{
    int m, sec, f;
    if (sscanf(s, "%d:%d:%d", &m, &sec, &f) != 3 || sec > 59 || f > 74) return -1;
    return ((long)m * 60 + sec) * 75 + f;
}

/* Parse a CUE sheet: per track its TITLE, ISRC, INDEX 00/01 and PREGAP
 * (CD frames, -1 when absent); returns the number of tracks. */
typedef struct cue_track {
    char title[64], isrc[16], file[64];
    long index00, index01, pregap;
} cue_track;

static int parse_cue(const char *text, cue_track *t, int max, char *catalog)
{
    int n = -1;
    char file[64] = "";
    catalog[0] = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[256];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        char *w = line;
        while (*w == ' ')
            w++;
        char a[80], b[80];
        int k;
        if (sscanf(w, "TRACK %d AUDIO", &k) == 1) {
            n++;
            assert_int_equal(k, n + 1);
            assert_true(n < max);
            memset(&t[n], 0, sizeof t[n]);
            t[n].index00 = t[n].index01 = t[n].pregap = -1;
            snprintf(t[n].file, sizeof t[n].file, "%s", file);
        } else if (!strncmp(w, "FILE \"", 6)) {
            const char *q = strchr(w + 6, '"');
            snprintf(file, sizeof file, "%.*s", (int)(q - (w + 6)), w + 6);
        } else if (sscanf(w, "CATALOG %13s", a) == 1) {
            strcpy(catalog, a);
        } else if (n >= 0 && !strncmp(w, "TITLE \"", 7)) {
            snprintf(t[n].title, sizeof t[n].title, "%.*s", (int)(strlen(w) - 8), w + 7);
        } else if (n >= 0 && sscanf(w, "ISRC %15s", a) == 1) {
            strcpy(t[n].isrc, a);
        } else if (n >= 0 && sscanf(w, "INDEX %79s %79s", a, b) == 2) {
            if (!strcmp(a, "00"))
                t[n].index00 = cue_time(b);
            else if (!strcmp(a, "01"))
                t[n].index01 = cue_time(b);
        } else if (n >= 0 && sscanf(w, "PREGAP %79s", a) == 1) {
            t[n].pregap = cue_time(a);
        }
        p += len + (nl ? 1 : 0);
    }
    return n + 1;
}

static void test_cue_sheet(void **state)
{
    (void)state;
    init3();
    tracks3[1].gap_before_s = 0.5;
    tracks3[2].gap_before_s = 0.0;
    uint64_t src[3] = {44100 * 3 + 100, 44100 * 2 + 5, 44100 * 4}, total;
    mm_release_track_plan p[3];
    mm_release_error e;
    mm_release_plan_config cfg = {44100.0, 1};
    assert_int_equal(mm_release_plan(&cfg, &rel3, src, NULL, p, &total, &e), MM_OK);
    char buf[4096], cat[16];
    cue_track t[4];
    long len = mm_release_cue_write(buf, sizeof buf, &rel3, p, 44100.0, NULL, "album.wav", "WAVE");
    assert_true(len > 0 && (size_t)len == strlen(buf));
    assert_int_equal(parse_cue(buf, t, 4, cat), 3);
    assert_string_equal(cat, "0036000291452");
    /* order, titles (a double quote becomes a single one), ISRC */
    assert_string_equal(t[0].title, "Alpha");
    assert_string_equal(t[1].title, "Beta 'B'");
    assert_string_equal(t[2].title, "Gamma");
    assert_string_equal(t[0].isrc, "USRC17607839");
    assert_string_equal(t[1].isrc, "");
    assert_string_equal(t[2].isrc, "GBAYE0601498");
    /* to the CD frame: 2 s pregap of track 1, 0.5 s before track 2 (rounded to
     * 38 sectors), none before 3; each start = previous start + its sectors */
    assert_int_equal(t[0].index00, 0);
    assert_int_equal(t[0].index01, 150);
    assert_int_equal(t[1].index01 - t[1].index00, 38);
    assert_int_equal(t[2].index00, -1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal((uint64_t)t[i].index01 * MM_CD_SECTOR_FRAMES, p[i].index01);
        if (i)
            assert_int_equal(t[i].index01 - t[i - 1].index01,
                             (long)((p[i - 1].frames + p[i].gap_before) / 588));
    }
    assert_int_equal(t[1].index00 - t[0].index01,
                     (long)(p[0].frames / 588)); /* track 1 is 3 s + 100 frames: 226 sectors */
    assert_int_equal(p[0].frames / 588, 226);

    /* separate files: PREGAP for the gaps, INDEX 01 at the start of each file */
    const char *files[3] = {"01 - Alpha.wav", "02 - Beta.wav", "03 - Gamma.wav"};
    len = mm_release_cue_write(buf, sizeof buf, &rel3, p, 44100.0, files, NULL, "WAVE");
    assert_int_equal(parse_cue(buf, t, 4, cat), 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(t[i].file, files[i]);
        assert_int_equal(t[i].index01, 0);
        assert_int_equal(t[i].pregap, p[i].gap_before ? (long)(p[i].gap_before / 588) : -1);
    }
    /* snprintf-like: a short buffer gets a terminated prefix and the full length */
    char small[32];
    long full = mm_release_cue_write(small, sizeof small, &rel3, p, 44100.0, files, NULL, "WAVE");
    assert_int_equal(full, len);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(mm_release_cue_write(NULL, 0, &rel3, p, 44100.0, files, NULL, "WAVE"), len);
    assert_true(mm_release_cue_write(buf, sizeof buf, &rel3, p, 44100.0, NULL, NULL, "WAVE") < 0);

    char tm[32];
    mm_cd_time(75, tm);
    assert_string_equal(tm, "00:01:00");
    mm_cd_time(75 * 3600 + 74, tm);
    assert_string_equal(tm, "60:00:74");
    assert_int_equal(mm_cd_frames(588, 44100.0), 1);
    assert_int_equal(mm_cd_frames(293, 44100.0), 0);
    assert_int_equal(mm_cd_frames(295, 44100.0), 1);
    assert_int_equal(mm_cd_frames(48000, 48000.0), 75);
}

static void test_release_json(void **state)
{
    (void)state;
    mm_release *r = NULL;
    mm_release_error e;
    const char *good =
        "{\"title\":\"A\",\"artist\":\"B\",\"year\":2026,\"upc\":\"036000291452\",\"tracks\":["
        "{\"file\":\"1.wav\",\"title\":\"One\",\"isrc\":\"us-rc1-76-07839\",\"trim\":\"auto\"},"
        "{\"file\":\"2.wav\",\"title\":\"Two\",\"artist\":\"C\",\"gap_before_s\":1,\"fade_in_s\":0.5,"
        "\"fade_out_s\":2,\"fade_curve\":\"s-curve\",\"trim\":{\"start_s\":0.1,\"end_s\":0.2},\"gain_db\":-1}"
        "]}";
    assert_int_equal(mm_release_parse_json(good, &r, &e), MM_OK);
    assert_non_null(r);
    assert_int_equal(r->count, 2);
    assert_string_equal(r->upc, "0036000291452");
    assert_string_equal(r->tracks[0].isrc, "USRC17607839");
    assert_int_equal(r->tracks[0].trim, MM_TRIM_AUTO);
    assert_true(isnan(r->tracks[0].gap_before_s));
    assert_int_equal(r->tracks[0].fade_curve, MM_FADE_EQUAL_POWER);
    assert_null(r->tracks[0].artist);
    assert_string_equal(r->tracks[1].artist, "C");
    assert_int_equal(r->tracks[1].fade_curve, MM_FADE_S_CURVE);
    assert_int_equal(r->tracks[1].trim, MM_TRIM_SECONDS);
    assert_near(r->tracks[1].trim_end_s, 0.2, 0);
    assert_near(r->tracks[1].gain_db, -1.0, 0);
    mm_release_free(r);
    mm_release_free(NULL);

    static const struct {
        const char *doc, *field;
        size_t track;
    } bad[] = {
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\"},"
         "{\"file\":\"2.wav\",\"title\":\"Two\",\"isrc\":\"USRC1760783\"}]}",
         "tracks[1].isrc", 2},
        {"{\"title\":\"A\",\"artist\":\"B\",\"upc\":\"036000291453\",\"tracks\":[{\"file\":\"1.wav\","
         "\"title\":\"One\"}]}",
         "upc", 0},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\",\"fade_out\":1}"
         "]}",
         "tracks[0].fade_out", 1},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\"}]}", "tracks[0].title", 1},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\",\"fade_in_s\":"
         "\"2\"}]}",
         "tracks[0].fade_in_s", 1},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\",\"fade_in_s\":-"
         "2}]}",
         "tracks[0].fade_in_s", 1},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\",\"trim\":"
         "\"some\"}]}",
         "tracks[0].trim", 1},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\",\"fade_curve\":"
         "\"cos\"}]}",
         "tracks[0].fade_curve", 1},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[]}", "tracks", 0},
        {"{\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\"}]}", "title", 0},
        {"{\"title\":\"A\",\"artist\":\"B\",\"year\":26,\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\"}]}",
         "year", 0},
        {"{\"title\":\"A\",\"artist\":\"B\",\"label\":\"X\",\"tracks\":[{\"file\":\"1.wav\",\"title\":"
         "\"One\"}]}",
         "label", 0},
        {"{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"1.wav\",\"title\":\"One\",\"gain_db\":1,"
         "\"target_lufs\":-14}]}",
         "tracks[0].gain_db", 1},
        {"{\"title\":\"A\"", "release.json", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = (mm_release *)&e; /* must be reset to NULL */
        memset(&e, 0, sizeof e);
        int st = mm_release_parse_json(bad[i].doc, &r, &e);
        if (st == MM_OK || strcmp(e.field, bad[i].field) || e.track != bad[i].track)
            fail_msg("case %zu: status %d, field '%s' (want '%s'), track %zu: %s", i, st, e.field,
                     bad[i].field, e.track, e.message);
        assert_null(r);
        assert_non_null(strstr(e.message, bad[i].field));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isrc),          cmocka_unit_test(test_upc),
        cmocka_unit_test(test_fade_curves),   cmocka_unit_test(test_fade_apply_exact),
        cmocka_unit_test(test_audible_range), cmocka_unit_test(test_plan_frames),
        cmocka_unit_test(test_plan_errors),   cmocka_unit_test(test_cue_sheet),
        cmocka_unit_test(test_release_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
