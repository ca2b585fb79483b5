/*
 * Report figures and pages. Each plot type is drawn by the real gnuplot in
 * PNG and SVG and the file is checked: a PNG signature and an IHDR chunk
 * holding the requested size, an SVG element of the requested size. The
 * HTML page is loaded in headless Chromium through a harness page that
 * counts the images that failed to load and returns the page's text; a
 * deleted figure shows that the harness does see a broken image. Without
 * gnuplot the report still writes its JSON and page and says plots were
 * skipped.
 */
#include "cliutil.h"

#include "mixmaster/plot.h"
#include "mixmaster/report.h"

static int gnuplot_run(const char *script)
{
    char sp[600], cmd[1400];
    path_of(sp, sizeof sp, "script.gp");
    FILE *f = fopen(sp, "w");
    assert_non_null(f);
    fputs(script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "gnuplot < '%s' 2>'%s.err'", sp, sp);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3]; }

/* The file is a PNG (or SVG) of w x h. */
static void assert_image(const char *path, mm_plot_format fmt, int w, int h)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_error("%s was not written\n", path);
        fail();
    }
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    if (fmt == MM_PLOT_PNG) {
        assert_true(n > 100);
        assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
        assert_memory_equal(buf + 12, "IHDR", 4);
        assert_int_equal(be32(buf + 16), (unsigned)w);
        assert_int_equal(be32(buf + 20), (unsigned)h);
    } else {
        char want[64];
        assert_non_null(strstr((char *)buf, "<svg"));
        snprintf(want, sizeof want, "width=\"%d\"", w);
        assert_non_null(strstr((char *)buf, want));
        snprintf(want, sizeof want, "height=\"%d\"", h);
        assert_non_null(strstr((char *)buf, want));
        assert_non_null(strstr((char *)buf, "</svg>"));
    }
}

static void test_plot_types(void **state)
{
    (void)state;
    const mm_plot_format fmts[2] = {MM_PLOT_PNG, MM_PLOT_SVG};
    for (int fi = 0; fi < 2; fi++) {
        mm_plot_style st = mm_plot_style_default();
        st.format = fmts[fi];
        st.width = 820 + 10 * fi;
        st.height = 410;
        const char *ext = fi ? "svg" : "png";
        char out[600], name[64];
        int e;

        /* lines: a gap (NaN), a log axis, a target and a mark; a title with a quote */
        double y[100], hz[100];
        for (int i = 0; i < 100; i++) {
            hz[i] = 20.0 * pow(1000.0, i / 99.0);
            y[i] = i == 40 ? NAN : -20.0 + 5.0 * sin(i * 0.2);
        }
        mm_plot_line lines[2] = {{"short-term", NULL, y, 100, 0.0, 0.1, 2, 0}, {"band", hz, y, 100, 0, 0, 7, 1}};
        mm_plot_hline hl = {-23.0, "target -23 LUFS"};
        mm_plot_mark mk = {3.5, "track 2"};
        mm_plot_axes ax = mm_plot_axes_default("time (s)", "loudness (LUFS)");
        snprintf(name, sizeof name, "lines.%s", ext);
        path_of(out, sizeof out, name);
        char *s = mm_plot_lines(&st, "it's a test", out, &ax, lines, 1, &hl, 1, &mk, 1, &e);
        assert_non_null(s);
        assert_int_equal(gnuplot_run(s), 0);
        mm_report_free(s);
        assert_image(out, st.format, st.width, st.height);
        ax.logx = 1;
        snprintf(name, sizeof name, "log.%s", ext);
        path_of(out, sizeof out, name);
        s = mm_plot_lines(&st, "log", out, &ax, lines + 1, 1, NULL, 0, NULL, 0, &e);
        assert_int_equal(gnuplot_run(s), 0);
        mm_report_free(s);
        assert_image(out, st.format, st.width, st.height);

        /* bars: negative values, own colours, a target */
        const char *cats[3] = {"track \"one\"", "two", "three"};
        const char *ser[2] = {"integrated", "max short-term"};
        const char *cols[2] = {"#123456", NULL};
        double v[6] = {-14.2, -9.5, NAN, -11.0, -8.0, -6.5};
        snprintf(name, sizeof name, "bars.%s", ext);
        path_of(out, sizeof out, name);
        s = mm_plot_bars(&st, "bars", out, "LUFS", cats, 3, ser, 2, cols, v, &hl, 1, &e);
        assert_non_null(s);
        assert_int_equal(gnuplot_run(s), 0);
        mm_report_free(s);
        assert_image(out, st.format, st.width, st.height);

        /* points: labelled, and a square goniometer of many points */
        double px[3000], py[3000];
        for (int i = 0; i < 3000; i++) {
            px[i] = 0.3 * tu_gauss();
            py[i] = 0.5 * tu_gauss();
        }
        const char *labels[3] = {"a", NULL, "c"};
        snprintf(name, sizeof name, "points.%s", ext);
        path_of(out, sizeof out, name);
        s = mm_plot_points(&st, "points", out, &ax, px, py, 3, labels, 0, &e);
        assert_int_equal(gnuplot_run(s), 0);
        mm_report_free(s);
        assert_image(out, st.format, st.width, st.height);
        snprintf(name, sizeof name, "gonio.%s", ext);
        path_of(out, sizeof out, name);
        mm_plot_axes sq = mm_plot_axes_default("side", "mid");
        s = mm_plot_points(&st, "goniometer", out, &sq, px, py, 3000, NULL, 1, &e);
        assert_int_equal(gnuplot_run(s), 0);
        mm_report_free(s);
        assert_image(out, st.format, st.width, st.height);

        /* heat map with a blank diagonal */
        const char *stems[4] = {"kick", "bass", "lead", "pad"};
        double m[16];
        for (int i = 0; i < 16; i++) m[i] = i % 5 == 0 ? NAN : (double)i;
        snprintf(name, sizeof name, "heat.%s", ext);
        path_of(out, sizeof out, name);
        s = mm_plot_heatmap(&st, "masking", out, stems, stems, 4, m, "masking (dB)", 0.0, 20.0, &e);
        assert_non_null(s);
        assert_int_equal(gnuplot_run(s), 0);
        mm_report_free(s);
        assert_image(out, st.format, st.width, st.height);
    }
}

static void test_plot_invalid(void **state)
{
    (void)state;
    mm_plot_style st = mm_plot_style_default();
    int e = 0;
    double y[2] = {1, 2};
    mm_plot_line l = {"x", NULL, y, 2, 0, 1, 1, 0};
    st.width = 0;
    assert_null(mm_plot_lines(&st, "t", "o.png", NULL, &l, 1, NULL, 0, NULL, 0, &e));
    assert_int_equal(e, MM_ERR_INVALID_ARG);
    st = mm_plot_style_default();
    assert_null(mm_plot_lines(&st, "t", NULL, NULL, &l, 1, NULL, 0, NULL, 0, &e));
    l.y = NULL;
    assert_null(mm_plot_lines(&st, "t", "o.png", NULL, &l, 1, NULL, 0, NULL, 0, &e));
    assert_null(mm_plot_bars(&st, "t", "o.png", "y", NULL, 0, NULL, 0, NULL, NULL, NULL, 0, &e));
    const char *lab[1] = {"a"};
    assert_null(mm_plot_heatmap(&st, "t", "o.png", lab, lab, 1, y, "z", 1.0, 1.0, &e)); /* empty colour range */
    assert_int_equal(e, MM_ERR_INVALID_ARG);
}

static void test_html_escaping(void **state)
{
    (void)state;
    mm_html_item it = {"<b>", "a & b"};
    const char *note = "x < y \"quoted\"";
    mm_html_figure fig = {"a\"b.png", "cap <i>"};
    const char *head[2] = {"h1", "h2"}, *cells[2] = {"<td>", "ok"}, *rs[1] = {"warn\" onclick=\"x"};
    mm_html_section sec = {"<script>alert(1)</script>", "fail", &it, 1, head, 2, cells, rs, 1, &note, 1, &fig, 1};
    mm_html_page page = {"title & more", "sub", "notice <x>", &sec, 1};
    int e;
    char *h = mm_report_html(&page, &e);
    assert_non_null(h);
    assert_null(strstr(h, "<script>"));
    assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(h, "a &amp; b"));
    assert_non_null(strstr(h, "src=\"a&quot;b.png\""));
    assert_null(strstr(h, "onclick"));          /* an unknown status word is dropped, not echoed */
    assert_non_null(strstr(h, "badge fail"));
    assert_null(strstr(h, "http"));             /* nothing fetched from the network */
    mm_report_free(h);
    assert_null(mm_report_html(NULL, &e));
    assert_int_equal(e, MM_ERR_INVALID_ARG);
}

/* Load DIR/index.html in headless Chromium through a harness page; returns
 * the harness' text: "images=N broken=M [...]" then the page's text. */
static char *chromium_load(const char *rel_dir)
{
    char harness[600], cmd[4000], out[600];
    path_of(harness, sizeof harness, "harness.html");
    FILE *f = fopen(harness, "w");
    assert_non_null(f);
    fprintf(f, "<!DOCTYPE html><html><body><pre id=\"result\">pending</pre>\n"
               "<iframe id=\"f\" src=\"%s/index.html\" style=\"width:1200px;height:900px\"></iframe>\n"
               "<script>\n"
               "document.getElementById('f').onload = function () {\n"
               "  var d = this.contentDocument, im = d.images, broken = 0, bad = [];\n"
               "  for (var i = 0; i < im.length; i++)\n"
               "    if (!(im[i].complete && im[i].naturalWidth > 0)) { broken++; bad.push(im[i].getAttribute('src')); }\n"
               "  document.getElementById('result').textContent =\n"
               "    'images=' + im.length + ' broken=' + broken + ' [' + bad.join(',') + ']\\n' + d.body.innerText;\n"
               "};\n</script></body></html>\n", rel_dir);
    fclose(f);
    path_of(out, sizeof out, "dom.txt");
    snprintf(cmd, sizeof cmd,
             "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--user-data-dir='%s/chromium-profile' --allow-file-access-from-files --virtual-time-budget=15000 "
             "--dump-dom 'file://%s' > '%s' 2>/dev/null",
             dir, harness, out);
    int st = system(cmd);
    assert_int_equal(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    f = fopen(out, "rb");
    assert_non_null(f);
    char *text = calloc(1, 1 << 20);
    fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    return text;
}

static int images_in(const char *t, int *broken)
{
    const char *p = strstr(t, "images=");
    if (!p) return -1;
    int n = -1;
    *broken = -1;
    sscanf(p, "images=%d broken=%d", &n, broken);
    return n;
}

static void test_html_in_chromium(void **state)
{
    (void)state;
    if (system("command -v chromium >/dev/null 2>&1") != 0) {
        print_error("chromium is not installed: run 'make deps' (Debian package chromium)\n");
        fail();
    }
    char corpus[600], cmd[4000], err[4096];
    path_of(corpus, sizeof corpus, "corpus");
    snprintf(cmd, sizeof cmd, "%s/mm-corpus song '%s' --seconds 8 >/dev/null", build_dir, corpus);
    assert_int_equal(system(cmd), 0);

    /* analyze: per file 5 figures (stereo), plus the dynamics chart */
    snprintf(cmd, sizeof cmd, "analyze --report-dir %s/rep-analyze %s/mix.wav %s/flawed/polarity.wav", dir, corpus, corpus);
    assert_int_equal(run(cmd, NULL, 0, err, sizeof err), 0);
    assert_non_null(strstr(err, "rep-analyze/index.html"));
    char *t = chromium_load("rep-analyze");
    int broken, n = images_in(t, &broken);
    assert_int_equal(n, 11);
    assert_int_equal(broken, 0);
    /* the key numbers of the JSON appear on the page */
    char jp[600];
    snprintf(jp, sizeof jp, "%s/rep-analyze/report.json", dir);
    FILE *f = fopen(jp, "rb");
    assert_non_null(f);
    static char js[1 << 21];
    js[fread(js, 1, sizeof js - 1, f)] = 0;
    fclose(f);
    cJSON *doc = cJSON_Parse(js);
    assert_non_null(doc);
    const cJSON *lo = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0), "loudness");
    char want[64];
    snprintf(want, sizeof want, "%.1f LUFS", cJSON_GetObjectItem(lo, "integrated_lufs")->valuedouble);
    assert_non_null(strstr(t, want));
    snprintf(want, sizeof want, "%.2f dBTP", cJSON_GetObjectItem(lo, "true_peak_dbtp")->valuedouble);
    assert_non_null(strstr(t, want));
    cJSON_Delete(doc);
    free(t);

    /* the harness sees a missing figure */
    snprintf(cmd, sizeof cmd, "rm '%s/rep-analyze/01-mix-spectrum.png'", dir);
    assert_int_equal(system(cmd), 0);
    t = chromium_load("rep-analyze");
    n = images_in(t, &broken);
    assert_int_equal(n, 11);
    assert_int_equal(broken, 1);
    assert_non_null(strstr(t, "01-mix-spectrum.png"));
    free(t);

    /* check: the verdicts, every check row and the figures */
    snprintf(cmd, sizeof cmd, "check --no-codec --report-dir %s/rep-check %s/mix.wav %s/flawed/clipped.wav", dir, corpus, corpus);
    assert_int_equal(run(cmd, NULL, 0, err, sizeof err), 1);
    t = chromium_load("rep-check");
    n = images_in(t, &broken);
    assert_int_equal(n, 14); /* 7 per file: checks, translation, 5 analysis figures */
    assert_int_equal(broken, 0);
    assert_non_null(strstr(t, "clipping"));
    assert_non_null(strstr(t, "lower the level before the converter"));
    assert_non_null(strstr(t, "translation.phone"));
    free(t);

    /* master: spectra, EQ and the decisions with their reasons */
    snprintf(cmd, sizeof cmd, "master -q %s/mix.wav --preset spotify -o %s/master.wav --report-dir %s/rep-master", corpus, dir, dir);
    assert_int_equal(run(cmd, NULL, 0, err, sizeof err), 0);
    t = chromium_load("rep-master");
    n = images_in(t, &broken);
    assert_true(n >= 3);
    assert_int_equal(broken, 0);
    assert_non_null(strstr(t, "tonal match toward the preset spotify"));
    assert_non_null(strstr(t, "-14.0")); /* the target loudness in the before/after table */
    free(t);

    /* automix: masking heat maps, kick and bass, every decision */
    snprintf(cmd, sizeof cmd, "automix %s/stems -o %s/automix.wav --report-dir %s/rep-automix", corpus, dir, dir);
    assert_int_equal(run(cmd, NULL, 0, err, sizeof err), 0);
    t = chromium_load("rep-automix");
    n = images_in(t, &broken);
    assert_int_equal(n, 4);
    assert_int_equal(broken, 0);
    assert_non_null(strstr(t, "kick: gain"));
    assert_non_null(strstr(t, "bass: pan"));
    free(t);

    /* album: the four album figures, the suggested gains */
    snprintf(cmd, sizeof cmd, "album --preset apple --report-dir %s/rep-album %s/mix.wav %s/flawed/too_quiet.wav", dir, corpus, corpus);
    assert_int_equal(run(cmd, NULL, 0, err, sizeof err), 0);
    t = chromium_load("rep-album");
    n = images_in(t, &broken);
    assert_int_equal(n, 4);
    assert_int_equal(broken, 0);
    assert_non_null(strstr(t, "Suggested gain"));
    assert_non_null(strstr(t, "Loudest-section spread"));
    free(t);
}

/* No gnuplot on PATH: JSON and page are still written, and say why there
 * are no figures; the run succeeds. */
static void test_report_without_gnuplot(void **state)
{
    (void)state;
    char corpus[600], cmd[4000], err[4096], p[700];
    path_of(corpus, sizeof corpus, "corpus");
    snprintf(cmd, sizeof cmd, "%s/mm-corpus song '%s' --seconds 4 >/dev/null", build_dir, corpus);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "env PATH=/nonexistent %s analyze --report-dir '%s/rep-nognuplot' '%s/mix.wav' >/dev/null 2>'%s/err.txt'",
             bin, dir, corpus, dir);
    int st = system(cmd);
    assert_int_equal(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    snprintf(p, sizeof p, "%s/err.txt", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    err[fread(err, 1, sizeof err - 1, f)] = 0;
    fclose(f);
    assert_non_null(strstr(err, "plots skipped"));
    snprintf(p, sizeof p, "%s/rep-nognuplot/index.html", dir);
    f = fopen(p, "r");
    assert_non_null(f);
    static char html[1 << 16];
    html[fread(html, 1, sizeof html - 1, f)] = 0;
    fclose(f);
    assert_non_null(strstr(html, "plots skipped"));
    assert_null(strstr(html, "<img"));
    snprintf(p, sizeof p, "%s/rep-nognuplot/report.json", dir);
    assert_int_equal(access(p, R_OK), 0);
}

static int setup(void **state)
{
    (void)state;
    return cliutil_setup("test_report");
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_types),
        cmocka_unit_test(test_plot_invalid),
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_html_in_chromium),
        cmocka_unit_test(test_report_without_gnuplot),
    };
    return cmocka_run_group_tests(tests, setup, cliutil_teardown);
}
