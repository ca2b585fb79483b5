/*
 * `mixmaster release` as a user meets it (drives $BUILD/mixmaster):
 *  - FLAC delivery with a continuous file: tags read back with libFLAC and
 *    with two independent readers (metaflac, ffprobe); SHA-256 of every
 *    file against sha256sum; track order; the CUE sheets parsed back and
 *    matched to the gaps and to the delivered lengths, to the CD frame; the
 *    continuous file equal, sample for sample, to the tracks at their
 *    places with silent gaps; fades that start and end on the requested
 *    frames with no step; the album timeline in the HTML report, loaded in
 *    headless Chromium with both figures;
 *  - CD delivery (WAV, 16 bit): sectors of 588 frames, the 2 s pregap, the
 *    album gains of `mixmaster album`, RIFF INFO and bext read back, the
 *    pre-delivery check passed on corpus songs;
 *  - a crossfade: the continuous file is the exact sum in the overlap;
 *  - bad input: a missing track file, a bad ISRC, a fade longer than the
 *    track, an output folder that cannot be created, a non-empty output,
 *    a track that fails the check: one line naming field and track or the
 *    file, the documented exit code, and no release folder and no
 *    temporary folder left behind.
 */
#include "cliutil.h"

#include <dirent.h>
#include <ebur128.h>
#include <strings.h>

#include <FLAC/metadata.h>

#include "mixmaster/release.h"

#define FS 44100

/* Sources: cosines (first sample at full amplitude, so "trim": "auto"
 * finds the start exactly) at 0.1 after `lead` frames of silence. */
static size_t lead;
static double freq;
static int loud; /* 1: at 0.95 (-0.45 dBFS) instead of 0.1 */
static float cosine(size_t i, int c)
{
    (void)c;
    if (i < lead) return 0.0f;
    return (float)((loud ? 0.95 : 0.1) * cos(2.0 * M_PI * freq * (double)(i - lead) / FS));
}
static float antiphase(size_t i, int c)
{
    float v = (float)(0.3 * sin(2.0 * M_PI * 441.0 * (double)i / FS));
    return c ? -v : v;
}

static void write_text(const char *name, const char *text)
{
    char p[1024];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *name)
{
    char p[1024];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static int exists(const char *name)
{
    char p[1024];
    path_of(p, sizeof p, name);
    return access(p, F_OK) == 0;
}

/* No "*.partial-*" folder is left in the scratch folder. */
static void assert_no_partial(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strstr(e->d_name, ".partial-")) fail_msg("left behind: %s", e->d_name);
    }
    closedir(d);
}

/* The output of a shell command (first line kept). */
static void shell(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t k = fread(out, 1, n - 1, p);
    out[k] = 0;
    pclose(p);
}

static cJSON *manifest_of(const char *release_dir)
{
    char name[256];
    snprintf(name, sizeof name, "%s/manifest.json", release_dir);
    char *s = slurp(name);
    assert_non_null(s);
    assert_true(json_has_only_numbers(s));
    cJSON *m = cJSON_Parse(s);
    free(s);
    assert_non_null(m);
    assert_string_equal(cJSON_GetObjectItem(m, "kind")->valuestring, "mixmaster_release_manifest");
    return m;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    if (!cJSON_IsNumber(v)) fail_msg("%s is not a number", k);
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    if (!cJSON_IsString(v)) fail_msg("%s is not a string", k);
    return v->valuestring;
}

/* Whole file as interleaved ints; returns frames. */
static sf_count_t read_ints(const char *rel, int **out, SF_INFO *info)
{
    char p[1024];
    path_of(p, sizeof p, rel);
    memset(info, 0, sizeof *info);
    SNDFILE *f = sf_open(p, SFM_READ, info);
    if (!f) fail_msg("cannot open %s", p);
    *out = malloc((size_t)(info->frames * info->channels + 1) * sizeof(int));
    assert_int_equal(sf_readf_int(f, *out, info->frames), info->frames);
    sf_close(f);
    return info->frames;
}

/* A CUE sheet: TITLE, ISRC, INDEX 00/01 and PREGAP of each track (CD frames; -1 absent). */
typedef struct cue_track {
    char title[64], isrc[16], file[64];
    long index00, index01, pregap;
} cue_track;

static long cue_time(const char *s)
{
    int m, sec, f;
    if (sscanf(s, "%d:%d:%d", &m, &sec, &f) != 3 || sec > 59 || f > 74) return -2;
    return ((long)m * 60 + sec) * 75 + f;
}

static int parse_cue(const char *text, cue_track *t, int max)
{
    int n = -1;
    char file[64] = "";
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[256], a[80], b[80];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        char *w = line;
        while (*w == ' ')
            w++;
        int k;
        if (sscanf(w, "TRACK %d AUDIO", &k) == 1) {
            assert_int_equal(k, ++n + 1);
            assert_true(n < max);
            memset(&t[n], 0, sizeof t[n]);
            t[n].index00 = t[n].index01 = t[n].pregap = -1;
            snprintf(t[n].file, sizeof t[n].file, "%s", file);
        } else if (!strncmp(w, "FILE \"", 6)) {
            const char *q = strchr(w + 6, '"');
            snprintf(file, sizeof file, "%.*s", (int)(q - (w + 6)), w + 6);
        } else if (n >= 0 && !strncmp(w, "TITLE \"", 7)) {
            snprintf(t[n].title, sizeof t[n].title, "%.*s", (int)(strlen(w) - 8), w + 7);
        } else if (n >= 0 && sscanf(w, "ISRC %15s", a) == 1) {
            strcpy(t[n].isrc, a);
        } else if (n >= 0 && sscanf(w, "INDEX %79s %79s", a, b) == 2) {
            if (!strcmp(a, "00")) t[n].index00 = cue_time(b);
            if (!strcmp(a, "01")) t[n].index01 = cue_time(b);
        } else if (n >= 0 && sscanf(w, "PREGAP %79s", a) == 1) {
            t[n].pregap = cue_time(a);
        }
        p += len + (nl ? 1 : 0);
    }
    return n + 1;
}

static const char *flac_tag(const FLAC__StreamMetadata *tags, const char *name, char *buf, size_t n)
{
    size_t nl = strlen(name);
    for (FLAC__uint32 i = 0; i < tags->data.vorbis_comment.num_comments; i++) {
        const FLAC__StreamMetadata_VorbisComment_Entry *e = &tags->data.vorbis_comment.comments[i];
        if (e->length > nl && !strncasecmp((const char *)e->entry, name, nl) && e->entry[nl] == '=') {
            snprintf(buf, n, "%.*s", (int)(e->length - nl - 1), (const char *)e->entry + nl + 1);
            return buf;
        }
    }
    return NULL;
}

/* Load DIR/index.html in headless Chromium through a harness page (as
 * test_report.c does); returns "images=N broken=M [...]" and the page text. */
static char *chromium_load(const char *rel_dir)
{
    char harness[600], cmd[4000], out[600];
    path_of(harness, sizeof harness, "harness.html");
    FILE *f = fopen(harness, "w");
    assert_non_null(f);
    fprintf(f,
            "<!DOCTYPE html><html><body><pre id=\"result\">pending</pre>\n"
            "<iframe id=\"f\" src=\"%s/index.html\" style=\"width:1200px;height:900px\"></iframe>\n"
            "<script>\n"
            "document.getElementById('f').onload = function () {\n"
            "  var d = this.contentDocument, im = d.images, broken = 0, bad = [];\n"
            "  for (var i = 0; i < im.length; i++)\n"
            "    if (!(im[i].complete && im[i].naturalWidth > 0)) { broken++; "
            "bad.push(im[i].getAttribute('src')); }\n"
            "  document.getElementById('result').textContent =\n"
            "    'images=' + im.length + ' broken=' + broken + ' [' + bad.join(',') + ']\\n' + "
            "d.body.innerText;\n"
            "};\n</script></body></html>\n",
            rel_dir);
    fclose(f);
    path_of(out, sizeof out, "dom.txt");
    snprintf(
        cmd, sizeof cmd,
        "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--user-data-dir='%s/chromium-profile' --allow-file-access-from-files --virtual-time-budget=15000 "
        "--dump-dom 'file://%s' > '%s' 2>/dev/null",
        dir, harness, out);
    int st = system(cmd);
    assert_int_equal(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    char *text = slurp("dom.txt");
    assert_non_null(text);
    return text;
}

static const char *const flac_release =
    "{\"title\":\"Test Album\",\"artist\":\"The "
    "Band\",\"year\":2026,\"genre\":\"Test\",\"upc\":\"036000291452\",\n"
    " \"tracks\":[\n"
    "  "
    "{\"file\":\"src/"
    "a.wav\",\"title\":\"Alpha\",\"isrc\":\"US-RC1-76-07839\",\"trim\":\"auto\",\"fade_out_s\":0.5,\n"
    "   \"fade_curve\":\"linear\",\"gain_db\":0},\n"
    "  {\"file\":\"src/b.wav\",\"title\":\"Beta\",\"artist\":\"A "
    "Guest\",\"isrc\":\"GBAYE0601498\",\"gap_before_s\":1.0,\n"
    "   \"fade_in_s\":0.2,\"fade_curve\":\"linear\",\"gain_db\":0},\n"
    "  "
    "{\"file\":\"src/"
    "c.wav\",\"title\":\"Gamma\",\"gap_before_s\":0.5,\"fade_out_s\":0.3,\"fade_curve\":\"log\",\n"
    "   \"trim\":{\"start_s\":0.1,\"end_s\":0.2},\"gain_db\":0}]}\n";

static void make_sources(void)
{
    char p[512];
    path_of(p, sizeof p, "src");
    mkdir(p, 0755);
    lead = FS / 4; /* 0.25 s of silence before a */
    freq = 441.0;
    write_wav("src/a.wav", 2, FS, 2 * FS, SF_FORMAT_PCM_24, cosine);
    lead = 0;
    freq = 630.0;
    write_wav("src/b.wav", 2, FS, 3 * FS / 2, SF_FORMAT_PCM_24, cosine);
    freq = 882.0;
    write_wav("src/c.wav", 2, FS, 9 * FS / 5, SF_FORMAT_PCM_24, cosine);
}

static void test_flac_release(void **state)
{
    (void)state;
    char out[8192], err[8192], cmd[2048], p[512];
    make_sources();
    write_text("release.json", flac_release);
    int rc =
        run("release $D/release.json -o $D/flac --format flac --continuous --force --report-dir $D/report",
            out, sizeof out, err, sizeof err);
    if (rc != 0) fail_msg("exit %d: %s", rc, err);
    assert_no_partial();
    static const char *const files[] = {"01 - Alpha.flac", "02 - Beta.flac",        "03 - Gamma.flac",
                                        "album.cue",       "album-continuous.flac", "album-continuous.cue",
                                        "manifest.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "flac/%s", files[i]);
        if (!exists(p)) fail_msg("missing %s", p);
    }
    cJSON *m = manifest_of("flac");
    const cJSON *tr = cJSON_GetObjectItem(m, "tracks");
    assert_int_equal(cJSON_GetArraySize(tr), 3);
    static const char *const titles[] = {"Alpha", "Beta", "Gamma"};
    static const char *const isrc[] = {"USRC17607839", "GBAYE0601498", NULL};
    /* lengths: a loses its 0.25 s of silence; c its 0.1 s + 0.2 s trims */
    const long want_frames[3] = {2 * FS - FS / 4, 3 * FS / 2, 9 * FS / 5 - FS / 10 - FS / 5};
    const long gaps[3] = {0, FS, FS / 2};
    long pos = 0, starts[3], frames[3];
    for (int i = 0; i < 3; i++) {
        const cJSON *t = cJSON_GetArrayItem(tr, i);
        /* track order preserved: number, title, file name */
        assert_int_equal((int)num(t, "number"), i + 1);
        assert_string_equal(str(t, "title"), titles[i]);
        assert_string_equal(str(t, "file"), files[i]);
        snprintf(p, sizeof p, "flac/%s", files[i]);
        int *x;
        SF_INFO info;
        frames[i] = (long)read_ints(p, &x, &info);
        free(x);
        assert_int_equal(frames[i], want_frames[i]);
        assert_int_equal((long)num(t, "duration_frames"), frames[i]);
        assert_int_equal(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_PCM_24);
        pos += gaps[i];
        starts[i] = pos;
        assert_int_equal((long)num(t, "start_frame"), pos);
        assert_int_equal((long)num(t, "start_cd_frame"), (long)mm_cd_frames((uint64_t)pos, FS));
        pos += frames[i];
        /* SHA-256 against sha256sum */
        snprintf(cmd, sizeof cmd, "sha256sum '%s/flac/%s'", dir, files[i]);
        shell(cmd, out, sizeof out);
        assert_memory_equal(out, str(t, "sha256"), 64);
        /* tags: libFLAC, metaflac and ffprobe agree */
        FLAC__StreamMetadata *tags = NULL;
        char full[1024], v[128];
        path_of(full, sizeof full, p);
        assert_true(FLAC__metadata_get_tags(full, &tags));
        assert_string_equal(flac_tag(tags, "TITLE", v, sizeof v), titles[i]);
        assert_string_equal(flac_tag(tags, "ARTIST", v, sizeof v), i == 1 ? "A Guest" : "The Band");
        assert_string_equal(flac_tag(tags, "ALBUM", v, sizeof v), "Test Album");
        assert_string_equal(flac_tag(tags, "DATE", v, sizeof v), "2026");
        snprintf(out, sizeof out, "%d", i + 1);
        assert_string_equal(flac_tag(tags, "TRACKNUMBER", v, sizeof v), out);
        assert_string_equal(flac_tag(tags, "BARCODE", v, sizeof v), "0036000291452");
        if (isrc[i])
            assert_string_equal(flac_tag(tags, "ISRC", v, sizeof v), isrc[i]);
        else
            assert_null(flac_tag(tags, "ISRC", v, sizeof v));
        FLAC__metadata_object_delete(tags);
        if (system("command -v metaflac >/dev/null 2>&1") == 0) {
            snprintf(cmd, sizeof cmd, "metaflac --show-tag=ISRC --show-tag=TITLE '%s'", full);
            shell(cmd, out, sizeof out);
            snprintf(v, sizeof v, "TITLE=%s", titles[i]);
            assert_non_null(strstr(out, v));
            if (isrc[i]) {
                snprintf(v, sizeof v, "ISRC=%s", isrc[i]);
                assert_non_null(strstr(out, v));
            }
        } else {
            print_message("metaflac not found: that reader skipped (apt-get install flac)\n");
        }
        if (system("command -v ffprobe >/dev/null 2>&1") == 0) {
            snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries format_tags -of default=nw=1 '%s'",
                     full);
            shell(cmd, out, sizeof out);
            snprintf(v, sizeof v, "TAG:TITLE=%s", titles[i]);
            assert_non_null(strstr(out, v));
            if (isrc[i]) {
                snprintf(v, sizeof v, "TAG:ISRC=%s", isrc[i]);
                assert_non_null(strstr(out, v));
            }
        } else {
            print_message("ffprobe not found: that reader skipped (apt-get install ffmpeg)\n");
        }
    }
    const cJSON *al = cJSON_GetObjectItem(m, "album");
    assert_int_equal((long)num(al, "duration_frames"), pos);

    /* the CUE sheets, to the CD frame */
    char *cue = slurp("flac/album-continuous.cue");
    assert_non_null(cue);
    assert_non_null(strstr(cue, "CATALOG 0036000291452\n"));
    assert_non_null(strstr(cue, "FILE \"album-continuous.flac\" WAVE\n"));
    cue_track ct[4];
    assert_int_equal(parse_cue(cue, ct, 4), 3);
    free(cue);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(ct[i].title, titles[i]);
        assert_string_equal(ct[i].isrc, isrc[i] ? isrc[i] : "");
        assert_int_equal(ct[i].index01, (long)mm_cd_frames((uint64_t)starts[i], FS));
        if (gaps[i]) {
            /* INDEX 00 where the previous track ends */
            assert_int_equal(ct[i].index00,
                             (long)mm_cd_frames((uint64_t)(starts[i - 1] + frames[i - 1]), FS));
        } else {
            assert_int_equal(ct[i].index00, -1);
        }
    }
    /* 1 s gap = 75 CD frames; track 1 lasts 1.75 s = 131.25 -> 131 */
    assert_int_equal(ct[1].index01 - ct[1].index00, 75);
    assert_int_equal(ct[1].index00, 131);
    cue = slurp("flac/album.cue");
    assert_int_equal(parse_cue(cue, ct, 4), 3);
    free(cue);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(ct[i].file, files[i]);
        assert_int_equal(ct[i].index01, 0);
        assert_int_equal(ct[i].pregap, gaps[i] ? (long)mm_cd_frames((uint64_t)gaps[i], FS) : -1);
    }

    /* the continuous file: the tracks bit for bit at their places, silent gaps */
    int *album, *x;
    SF_INFO ai, xi;
    assert_int_equal(read_ints("flac/album-continuous.flac", &album, &ai), pos);
    long cur = 0;
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "flac/%s", files[i]);
        read_ints(p, &x, &xi);
        for (; cur < starts[i]; cur++)
            assert_true(album[2 * cur] == 0 && album[2 * cur + 1] == 0);
        assert_memory_equal(album + 2 * starts[i], x, (size_t)frames[i] * 2 * sizeof(int));
        cur = starts[i] + frames[i];
        free(x);
    }
    free(album);

    /* fades: b fades in linearly over 0.2 s = 8820 frames at 0 dB gain, c
     * fades out (log) over 0.3 s; a fades out linearly over 0.5 s */
    const double lsb = 1.0 / 8388608.0; /* 24-bit */
    SNDFILE *f;
    SF_INFO info = {0};
    path_of(p, sizeof p, "flac/02 - Beta.flac");
    f = sf_open(p, SFM_READ, &info);
    assert_non_null(f);
    double *y = malloc((size_t)info.frames * 2 * sizeof(double));
    assert_int_equal(sf_readf_double(f, y, info.frames), info.frames);
    sf_close(f);
    const long fin = FS / 5;
    double maxerr = 0.0, maxstep = 0.0;
    freq = 630.0;
    for (long k = 0; k < info.frames; k++) {
        double g = k < fin ? (double)k / fin : 1.0;
        double want = g * cosine((size_t)k, 0);
        maxerr = fmax(maxerr, fabs(y[2 * k] - want));
        if (k) maxstep = fmax(maxstep, fabs(y[2 * k] - y[2 * k - 2]));
    }
    assert_true(y[0] == 0.0 && y[1] == 0.0); /* the fade starts on frame 0 */
    assert_true(fabs(y[2 * (fin - 1)]) < 0.1 * (fin - 1.0) / fin + 3 * lsb);
    assert_true(maxerr <= 3 * lsb); /* ends on frame 8820: from there the source, to the LSB */
    /* no discontinuity: no step larger than the cosine's own (0.1 * 2 pi 630 / 44100) plus the fade's */
    assert_true(maxstep <= 0.1 * 2.0 * M_PI * 630.0 / FS + 0.1 / fin + 4 * lsb);
    free(y);
    path_of(p, sizeof p, "flac/01 - Alpha.flac");
    info = (SF_INFO){0};
    f = sf_open(p, SFM_READ, &info);
    y = malloc((size_t)info.frames * 2 * sizeof(double));
    assert_int_equal(sf_readf_double(f, y, info.frames), info.frames);
    sf_close(f);
    const long n = (long)info.frames, fout = FS / 2;
    freq = 441.0;
    lead = 0; /* the silence was trimmed: frame k of the delivery is frame k of the cosine */
    assert_true(y[2 * (n - 1)] == 0.0); /* the fade ends on the last frame */
    assert_true(fabs(y[2 * (n - fout - 1)] - cosine((size_t)(n - fout - 1), 0)) <=
                3 * lsb); /* full gain up to here */
    for (long k = n - fout; k < n; k++)
        assert_true(fabs(y[2 * k] - (double)(n - 1 - k) / fout * cosine((size_t)k, 0)) <= 3 * lsb);
    free(y);

    /* the report: the album timeline and the fades as figures */
    char *html = slurp("report/index.html");
    assert_non_null(html);
    assert_non_null(strstr(html, "Release"));
    assert_non_null(strstr(html, "USRC17607839"));
    if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
        assert_non_null(strstr(html, "release-timeline."));
        assert_non_null(strstr(html, "release-fades."));
        assert_true(exists("report/release-timeline.png") || exists("report/release-timeline.svg"));
    }
    free(html);
    if (system("command -v chromium >/dev/null 2>&1") == 0 &&
        system("command -v gnuplot >/dev/null 2>&1") == 0) {
        /* the page as a browser shows it: both figures load, the numbers are there */
        char *t = chromium_load("report");
        int ni = -1, nb = -1;
        const char *ip = strstr(t, "images=");
        assert_non_null(ip);
        sscanf(ip, "images=%d broken=%d", &ni, &nb);
        assert_int_equal(ni, 2);
        assert_int_equal(nb, 0);
        assert_non_null(strstr(t, "GBAYE0601498"));
        assert_non_null(strstr(t, "02 - Beta.flac"));
        assert_non_null(strstr(t, "album time"));
        free(t);
    } else {
        print_message("chromium or gnuplot not found: the page was not loaded in a browser (make deps)\n");
    }
    cJSON_Delete(m);
}

/* CD: corpus songs (they pass the mastering check), 16-bit WAV. */
static void test_cd_release(void **state)
{
    (void)state;
    char out[8192], err[8192], cmd[4096], p[512];
    for (int s = 1; s <= 3; s++) {
        snprintf(cmd, sizeof cmd, "%s/mm-corpus song %s/song%d --seconds 4 --seed %d >/dev/null", build_dir,
                 dir, s, s);
        assert_int_equal(system(cmd), 0);
    }
    write_text("cd.json", "{\"title\":\"CD\",\"artist\":\"Band\",\"year\":2025,\"tracks\":["
                          "{\"file\":\"song1/mix.wav\",\"title\":\"One\",\"isrc\":\"USRC17607839\"},"
                          "{\"file\":\"song2/mix.wav\",\"title\":\"Two\",\"gap_before_s\":1.3},"
                          "{\"file\":\"song3/mix.wav\",\"title\":\"Three\",\"fade_out_s\":1.0}]}");
    path_of(p, sizeof p, "cd");
    assert_int_equal(mkdir(p, 0755), 0); /* an empty folder is accepted */
    int rc = run("release $D/cd.json -o $D/cd --preset cd --continuous", out, sizeof out, err, sizeof err);
    if (rc != 0) fail_msg("exit %d: %s", rc, err);
    assert_no_partial();
    cJSON *m = manifest_of("cd");
    const cJSON *dl = cJSON_GetObjectItem(m, "delivery");
    assert_int_equal((int)num(dl, "bits"), 16);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(dl, "cd_sector_aligned")));
    /* the gains are the ones `mixmaster album --preset cd` suggests */
    snprintf(cmd, sizeof cmd,
             "album --preset cd -o %s/album.json %s/song1/mix.wav %s/song2/mix.wav %s/song3/mix.wav", dir,
             dir, dir, dir);
    assert_int_equal(run(cmd, out, sizeof out, err, sizeof err), 0);
    char *albs = slurp("album.json");
    cJSON *alb = cJSON_Parse(albs);
    free(albs);
    assert_non_null(alb);
    const cJSON *tr = cJSON_GetObjectItem(m, "tracks");
    for (int i = 0; i < 3; i++) {
        const cJSON *t = cJSON_GetArrayItem(tr, i);
        long start = (long)num(t, "start_frame"), frames = (long)num(t, "duration_frames");
        assert_int_equal(start % MM_CD_SECTOR_FRAMES, 0);
        assert_int_equal(frames % MM_CD_SECTOR_FRAMES, 0);
        if (i == 0) assert_int_equal(start, 2 * FS); /* the Red Book pregap */
        assert_string_equal(str(t, "check"), num(t, "check_warns") > 0 ? "warn" : "pass");
        const cJSON *af = cJSON_GetArrayItem(cJSON_GetObjectItem(alb, "tracks"), i);
        assert_int_equal((int)num(af, "position"), i + 1);
        assert_near(num(t, "gain_db"), num(af, "suggested_gain_db"), 0.011);
    }
    cJSON_Delete(alb);
    /* CUE: the pregap of track 1 and the 1.3 s gap in whole sectors (97.5 -> 98 CD frames) */
    char *cue = slurp("cd/album-continuous.cue");
    cue_track ct[4];
    assert_int_equal(parse_cue(cue, ct, 4), 3);
    free(cue);
    assert_int_equal(ct[0].index00, 0);
    assert_int_equal(ct[0].index01, 150);
    assert_int_equal(ct[1].index01 - ct[1].index00, 98);
    for (int i = 0; i < 3; i++)
        assert_int_equal((long)ct[i].index01 * MM_CD_SECTOR_FRAMES,
                         (long)num(cJSON_GetArrayItem(tr, i), "start_frame"));
    cue = slurp("cd/album.cue");
    assert_int_equal(parse_cue(cue, ct, 4), 3);
    free(cue);
    assert_int_equal(ct[0].pregap, 150);
    assert_int_equal(ct[1].pregap, 98);
    assert_int_equal(ct[2].pregap, 150); /* the default 2 s between tracks */

    /* WAV: RIFF INFO and bext read back with libsndfile; title with ffprobe */
    path_of(p, sizeof p, "cd/01 - One.wav");
    SF_INFO info = {0};
    SNDFILE *f = sf_open(p, SFM_READ, &info);
    assert_non_null(f);
    assert_int_equal(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    assert_string_equal(sf_get_string(f, SF_STR_TITLE), "One");
    assert_string_equal(sf_get_string(f, SF_STR_ARTIST), "Band");
    assert_string_equal(sf_get_string(f, SF_STR_ALBUM), "CD");
    assert_non_null(strstr(sf_get_string(f, SF_STR_COMMENT), "ISRC USRC17607839"));
    SF_BROADCAST_INFO bi;
    memset(&bi, 0, sizeof bi);
    assert_int_equal(sf_command(f, SFC_GET_BROADCAST_INFO, &bi, sizeof bi), SF_TRUE);
    assert_non_null(strstr(bi.description, "ISRC USRC17607839"));
    assert_string_equal(bi.originator, "mixmaster");
    assert_non_null(strstr(bi.coding_history, "A=PCM,F=44100,W=16"));
    sf_close(f);
    if (system("command -v ffprobe >/dev/null 2>&1") == 0) {
        snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries format_tags -of default=nw=1 '%s'", p);
        shell(cmd, out, sizeof out);
        assert_non_null(strstr(out, "=One"));
    }
    cJSON_Delete(m);
}

/* A crossfade: in the continuous file the second track starts inside the
 * first one's fade-out and the overlap is the exact sum of both. */
static void test_crossfade(void **state)
{
    (void)state;
    char out[4096], err[8192];
    make_sources();
    write_text("xf.json", "{\"title\":\"X\",\"artist\":\"B\",\"tracks\":["
                          "{\"file\":\"src/b.wav\",\"title\":\"Out\",\"fade_out_s\":0.3,\"gain_db\":0},"
                          "{\"file\":\"src/c.wav\",\"title\":\"In\",\"crossfade_s\":0.2,\"fade_in_s\":0.2,"
                          "\"fade_curve\":\"linear\",\"gain_db\":0}]}");
    int rc = run("release $D/xf.json -o $D/xf --continuous", out, sizeof out, err, sizeof err);
    if (rc != 0 && rc != 1) fail_msg("exit %d: %s", rc, err);
    if (rc == 1)
        assert_int_equal(
            run("release $D/xf.json -o $D/xf --continuous --force", out, sizeof out, err, sizeof err), 0);
    cJSON *m = manifest_of("xf");
    const cJSON *tr = cJSON_GetObjectItem(m, "tracks");
    const long fa = (long)num(cJSON_GetArrayItem(tr, 0), "duration_frames");
    const long fb = (long)num(cJSON_GetArrayItem(tr, 1), "duration_frames");
    const long sb = (long)num(cJSON_GetArrayItem(tr, 1), "start_frame");
    assert_int_equal(fa, 3 * FS / 2);
    assert_int_equal(sb, fa - FS / 5); /* 0.2 s = 8820 frames of overlap */
    assert_near(num(cJSON_GetArrayItem(tr, 1), "crossfade_s"), 0.2, 1e-9);
    int *album, *a, *b;
    SF_INFO ai, xi;
    assert_int_equal(read_ints("xf/album-continuous.wav", &album, &ai), sb + fb);
    read_ints("xf/01 - Out.wav", &a, &xi);
    read_ints("xf/02 - In.wav", &b, &xi);
    for (long k = 0; k < sb + fb; k++)
        for (int c = 0; c < 2; c++) {
            long va = k < fa ? a[2 * k + c] : 0, vb = k >= sb ? b[2 * (k - sb) + c] : 0;
            if ((long)album[2 * k + c] != va + vb)
                fail_msg("frame %ld: %d != %ld + %ld", k, album[2 * k + c], va, vb);
        }
    free(album);
    free(a);
    free(b);
    char *cue = slurp("xf/album-continuous.cue");
    cue_track ct[3];
    assert_int_equal(parse_cue(cue, ct, 3), 2);
    free(cue);
    assert_int_equal(ct[1].index00, -1);
    assert_int_equal(ct[1].index01, (long)mm_cd_frames((uint64_t)sb, FS));
    cJSON_Delete(m);
}

/* True peak of interleaved stereo (32-bit integers, or floats when x is
 * NULL), by libebur128 (4x): an independent meter. */
static double ebur128_true_peak_db(const int *x, const float *xf, long frames)
{
    ebur128_state *st = ebur128_init(2, FS, EBUR128_MODE_TRUE_PEAK);
    assert_non_null(st);
    if (x) assert_int_equal(ebur128_add_frames_int(st, x, (size_t)frames), EBUR128_SUCCESS);
    else assert_int_equal(ebur128_add_frames_float(st, xf, (size_t)frames), EBUR128_SUCCESS);
    double a = 0, b = 0;
    ebur128_true_peak(st, 0, &a);
    ebur128_true_peak(st, 1, &b);
    ebur128_destroy(&st);
    return 20.0 * log10(fmax(a, b));
}

/* Two loud tracks (the same 441 Hz tone, limited to -1 dBTP) cross-faded
 * with equal-power fades: in phase, the plain sum would peak 3 dB over the
 * ceiling mid-overlap. The continuous file stays under the ceiling, the
 * cut goes no deeper than it must, and outside the overlap the file is
 * the tracks bit for bit. */
static void test_crossfade_ceiling(void **state)
{
    (void)state;
    char out[4096], err[8192];
    make_sources();
    lead = 0;
    freq = 441.0;
    loud = 1;
    write_wav("src/loud.wav", 2, FS, 2 * FS, SF_FORMAT_PCM_24, cosine);
    loud = 0;
    write_text("xl.json", "{\"title\":\"X\",\"artist\":\"B\",\"tracks\":["
                          "{\"file\":\"src/loud.wav\",\"title\":\"Out\",\"fade_out_s\":1,"
                          "\"fade_curve\":\"equal-power\",\"gain_db\":0},"
                          "{\"file\":\"src/loud.wav\",\"title\":\"In\",\"crossfade_s\":1,\"fade_in_s\":1,"
                          "\"fade_curve\":\"equal-power\",\"gain_db\":0}]}");
    int rc = run("release $D/xl.json -o $D/xl --continuous --force --report-dir $D/xlr", out, sizeof out, err,
                 sizeof err);
    if (rc != 0) fail_msg("exit %d: %s", rc, err);
    printf("# %s", strstr(err, "cross-fade") ? strstr(err, "cross-fade") : "(no cross-fade line)\n");
    assert_non_null(strstr(err, "lowered by up to"));
    cJSON *m = manifest_of("xl");
    const cJSON *tr = cJSON_GetObjectItem(m, "tracks");
    const long fa = (long)num(cJSON_GetArrayItem(tr, 0), "duration_frames");
    const long fb = (long)num(cJSON_GetArrayItem(tr, 1), "duration_frames");
    const long sb = (long)num(cJSON_GetArrayItem(tr, 1), "start_frame");
    assert_int_equal(sb, fa - FS);
    /* the manifest records the dip: none into track 1, about 2.9 dB (the
     * 3 dB of the in-phase sum over tracks 0.1 dB under the ceiling) into 2 */
    assert_near(num(cJSON_GetArrayItem(tr, 0), "continuous_cut_db"), 0.0, 1e-9);
    const double cut = num(cJSON_GetArrayItem(tr, 1), "continuous_cut_db");
    printf("# manifest: continuous_cut_db %.2f for track 2\n", cut);
    assert_true(cut > 2.5 && cut < 3.5);
    /* and the report page says it */
    char *page = slurp("xlr/index.html");
    assert_non_null(page);
    assert_non_null(strstr(page, "lowered by up to"));
    free(page);
    int *album, *a, *b;
    SF_INFO ai, xi;
    assert_int_equal(read_ints("xl/album-continuous.wav", &album, &ai), sb + fb);
    read_ints("xl/01 - Out.wav", &a, &xi);
    read_ints("xl/02 - In.wav", &b, &xi);
    /* each track alone is at the ceiling; their plain sum is well over it */
    const double ta = ebur128_true_peak_db(a, NULL, fa), tb = ebur128_true_peak_db(b, NULL, fb);
    /* the plain sum in floats: in integers it would clip at full scale */
    float *plain = malloc((size_t)(2 * FS) * sizeof *plain);
    for (long k = 0; k < FS; k++)
        for (int c = 0; c < 2; c++)
            plain[2 * k + c] = (float)(((double)a[2 * (sb + k) + c] + b[2 * k + c]) / 2147483648.0);
    /* inside the overlap, 0.1 s from its ends (a meter started mid-signal
     * reads the step from silence at its start as a peak) */
    const long e = FS / 10;
    const double tplain = ebur128_true_peak_db(NULL, plain + 2 * e, FS - 2 * e);
    const double tall = ebur128_true_peak_db(album, NULL, sb + fb);
    const double tov = ebur128_true_peak_db(album + 2 * (sb + e), NULL, FS - 2 * e);
    printf("# tracks %.2f / %.2f dBTP, plain sum of the overlap %.2f dBTP, continuous file %.2f dBTP "
           "(its overlap %.2f dBTP), libebur128 4x\n",
           ta, tb, tplain, tall, tov);
    assert_true(ta <= -0.95 && tb <= -0.95);
    assert_true(tplain > -1.0 + 2.5); /* equal-power fades in phase: +3 dB */
    assert_true(tall <= -1.0 + 0.05); /* the ceiling, with the meters' difference (8x vs 4x) */
    assert_true(tov >= -1.5);         /* and the cut no deeper than it must be */
    for (long k = 0; k < sb + fb; k++)
        for (int c = 0; c < 2; c++) {
            if (k >= sb && k < fa) continue; /* the overlap */
            long want = k < fa ? a[2 * k + c] : b[2 * (k - sb) + c];
            if ((long)album[2 * k + c] != want) fail_msg("frame %ld: %d != %ld", k, album[2 * k + c], want);
        }
    free(plain);
    free(album);
    free(a);
    free(b);
    cJSON_Delete(m);
}

/* Each bad input: its exit code, a line naming `what`, and no release. */
static void bad(const char *json, const char *args, int want_rc, const char *what, const char *what2)
{
    char out[4096], err[8192], cmd[1024];
    if (json) write_text("bad.json", json);
    snprintf(cmd, sizeof cmd, "release $D/bad.json %s", args);
    int rc = run(cmd, out, sizeof out, err, sizeof err);
    if (rc != want_rc || !strstr(err, what) || (what2 && !strstr(err, what2)))
        fail_msg("'%s': exit %d (want %d), stderr: %s", args, rc, want_rc, err);
    assert_no_partial();
    assert_false(exists("never"));
}

static void test_bad_input(void **state)
{
    (void)state;
    char p[512];
    make_sources();
    /* a missing track file: the field, the track and the path */
    bad("{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"src/a.wav\",\"title\":\"One\"},"
        "{\"file\":\"src/nope.wav\",\"title\":\"Two\"}]}",
        "-o $D/never", 3, "tracks[1].file", "src/nope.wav");
    /* a bad ISRC */
    bad("{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"src/"
        "a.wav\",\"title\":\"One\",\"isrc\":\"US-RC1-76-0783\"}]}",
        "-o $D/never", 3, "tracks[0].isrc", "track 1");
    /* a bad UPC check digit */
    bad("{\"title\":\"A\",\"artist\":\"B\",\"upc\":\"036000291453\",\"tracks\":[{\"file\":\"src/"
        "a.wav\",\"title\":\"One\"}]}",
        "-o $D/never", 3, "upc", "check digit");
    /* a fade longer than the track (b is 1.5 s) */
    bad("{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"src/a.wav\",\"title\":\"One\"},"
        "{\"file\":\"src/b.wav\",\"title\":\"Two\"},{\"file\":\"src/"
        "b.wav\",\"title\":\"Three\",\"fade_out_s\":2}]}",
        "-o $D/never", 3, "tracks[2].fade_out_s", "longer than the track");
    /* the output folder cannot be created: its parent is a file */
    write_text("plainfile", "x");
    bad("{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"src/"
        "a.wav\",\"title\":\"One\",\"gain_db\":0}]}",
        "-o $D/plainfile/out --force", 3, "plainfile/out", "cannot create the release folder");
    /* a folder that is not empty is left alone */
    path_of(p, sizeof p, "full");
    mkdir(p, 0755);
    write_text("full/keep.txt", "mine");
    bad(NULL, "-o $D/full --force", 3, "full", "not an empty folder");
    char *k = slurp("full/keep.txt");
    assert_string_equal(k, "mine");
    free(k);
    /* a track in opposite polarity fails the pre-delivery check: exit 1,
     * nothing delivered; --force delivers and says so in the manifest */
    write_wav("src/anti.wav", 2, FS, 2 * FS, SF_FORMAT_PCM_24, antiphase);
    bad("{\"title\":\"A\",\"artist\":\"B\",\"tracks\":[{\"file\":\"src/anti.wav\",\"title\":\"Anti\"}]}",
        "-o $D/never --preset apple --report-dir $D/failrep", 1, "track 1 'Anti': ", "nothing delivered");
    /* the report says why */
    char *fr = slurp("failrep/index.html");
    assert_non_null(fr);
    assert_non_null(strstr(fr, "the pre-delivery check failed"));
    assert_non_null(strstr(fr, "fail phase") ? strstr(fr, "fail phase") : strstr(fr, "fail polarity"));
    free(fr);
    char out[4096], err[8192];
    assert_int_equal(
        run("release $D/bad.json -o $D/forced --preset apple --force", out, sizeof out, err, sizeof err), 0);
    cJSON *m = manifest_of("forced");
    assert_true(
        cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "delivery"), "forced_past_failed_checks")));
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "tracks"), 0), "check"), "fail");
    cJSON_Delete(m);
    /* usage errors exit 2 */
    bad(NULL, "", 2, "-o DIR", NULL);
    bad(NULL, "-o $D/never --bits 20", 2, "--bits", NULL);
    bad(NULL, "-o $D/never --format mp3", 2, "--format", NULL);
    bad(NULL, "-o $D/never --preset nowhere", 2, "nowhere", NULL);
    /* not JSON */
    bad("{\"title\":", "-o $D/never", 3, "not valid JSON", NULL);
}

static int setup(void **state)
{
    (void)state;
    if (cliutil_setup("test_release_cli") != 0) return -1;
    /* $D in the arguments is the scratch folder */
    setenv("D", dir, 1);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flac_release),
        cmocka_unit_test(test_cd_release),
        cmocka_unit_test(test_crossfade),
        cmocka_unit_test(test_crossfade_ceiling),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, cliutil_teardown);
}
