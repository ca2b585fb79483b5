/*
 * Allocation-failure injection: every create function of the library, and
 * the report writers, is run with its 1st, 2nd, ... N-th allocation failing
 * until one run needs no more than N allocations. Each failing run must
 * return NULL with MM_ERR_NOMEM (or, where an allocation is optional, a
 * working object), free everything it took (checked here by counting live
 * blocks, and again by LeakSanitizer under `make test SAN=1` and by
 * valgrind), and not crash.
 *
 * Mechanism: this program is linked with -Wl,--wrap for the allocator
 * entry points the library calls (malloc, calloc, realloc, aligned_alloc,
 * free, fftwf_malloc, fftwf_free and the FFTW planner calls, whose NULL
 * return is also an allocation failure), so the library needs no hook and
 * exports nothing for tests. cJSON (a shared library) is reached through
 * cJSON_InitHooks instead.
 */
#include "testutil.h"

#include <string.h>

#include <cJSON.h>
#include <fftw3.h>

#include "mixmaster/analyze.h"
#include "mixmaster/automix.h"
#include "mixmaster/biquad.h"
#include "mixmaster/check.h"
#include "mixmaster/compressor.h"
#include "mixmaster/dither.h"
#include "mixmaster/envelope.h"
#include "mixmaster/fft.h"
#include "mixmaster/fireq.h"
#include "mixmaster/gain.h"
#include "mixmaster/limiter.h"
#include "mixmaster/loudness.h"
#include "mixmaster/master.h"
#include "mixmaster/mixbus.h"
#include "mixmaster/report.h"
#include "mixmaster/stems.h"
#include "mixmaster/translation.h"
#include "mixmaster/truepeak.h"

/* ------------------------------------------------------------------------ */
/* The injector                                                             */

#define MAX_LIVE 4096

static struct {
    int armed;          /* count (and maybe fail) allocations */
    long count;         /* allocations seen while armed */
    long fail_at;       /* fail the allocation with this 1-based number */
    int injected;       /* a failure was injected */
    void *live[MAX_LIVE]; /* blocks allocated while armed and not yet freed */
    size_t nlive;
} inj;

static void arm(long fail_at)
{
    inj.armed = 1;
    inj.count = 0;
    inj.fail_at = fail_at;
    inj.injected = 0;
}

static void disarm(void) { inj.armed = 0; }

/* Count one allocation; 1 when it must fail. */
static int should_fail(void)
{
    if (!inj.armed) return 0;
    if (++inj.count == inj.fail_at) {
        inj.injected = 1;
        return 1;
    }
    return 0;
}

static void track(void *p)
{
    if (!p) return;
    if (inj.nlive < MAX_LIVE) inj.live[inj.nlive++] = p;
    else fail_msg("more than %d live blocks", MAX_LIVE);
}

static void untrack(void *p)
{
    for (size_t i = 0; p && i < inj.nlive; i++)
        if (inj.live[i] == p) {
            inj.live[i] = inj.live[--inj.nlive];
            return;
        }
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void __real_free(void *p);
void *__real_fftwf_malloc(size_t n);
void __real_fftwf_free(void *p);
fftwf_plan __real_fftwf_plan_dft_r2c_1d(int n, float *in, fftwf_complex *out, unsigned flags);
fftwf_plan __real_fftwf_plan_dft_c2r_1d(int n, fftwf_complex *in, float *out, unsigned flags);
void __real_fftwf_destroy_plan(fftwf_plan p);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
void __wrap_free(void *p);
void *__wrap_fftwf_malloc(size_t n);
void __wrap_fftwf_free(void *p);
fftwf_plan __wrap_fftwf_plan_dft_r2c_1d(int n, float *in, fftwf_complex *out, unsigned flags);
fftwf_plan __wrap_fftwf_plan_dft_c2r_1d(int n, fftwf_complex *in, float *out, unsigned flags);
void __wrap_fftwf_destroy_plan(fftwf_plan p);

void *__wrap_malloc(size_t n)
{
    if (should_fail()) return NULL;
    void *p = __real_malloc(n);
    if (inj.armed) track(p);
    return p;
}

void *__wrap_calloc(size_t k, size_t n)
{
    if (should_fail()) return NULL;
    void *p = __real_calloc(k, n);
    if (inj.armed) track(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (should_fail()) return NULL;
    void *q = __real_realloc(p, n);
    if (q) {
        untrack(p);
        if (inj.armed) track(q);
    }
    return q;
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    if (should_fail()) return NULL;
    void *p = __real_aligned_alloc(a, n);
    if (inj.armed) track(p);
    return p;
}

void __wrap_free(void *p)
{
    untrack(p);
    __real_free(p);
}

void *__wrap_fftwf_malloc(size_t n)
{
    if (should_fail()) return NULL;
    void *p = __real_fftwf_malloc(n);
    if (inj.armed) track(p);
    return p;
}

void __wrap_fftwf_free(void *p)
{
    untrack(p);
    __real_fftwf_free(p);
}

fftwf_plan __wrap_fftwf_plan_dft_r2c_1d(int n, float *in, fftwf_complex *out, unsigned flags)
{
    if (should_fail()) return NULL;
    fftwf_plan p = __real_fftwf_plan_dft_r2c_1d(n, in, out, flags);
    if (inj.armed) track(p);
    return p;
}

fftwf_plan __wrap_fftwf_plan_dft_c2r_1d(int n, fftwf_complex *in, float *out, unsigned flags)
{
    if (should_fail()) return NULL;
    fftwf_plan p = __real_fftwf_plan_dft_c2r_1d(n, in, out, flags);
    if (inj.armed) track(p);
    return p;
}

void __wrap_fftwf_destroy_plan(fftwf_plan p)
{
    untrack(p);
    __real_fftwf_destroy_plan(p);
}

/* cJSON's allocator, for the report writers and the threshold reader */
static void *json_malloc(size_t n) { return __wrap_malloc(n); }
static void json_free(void *p) { __wrap_free(p); }

/* ------------------------------------------------------------------------ */
/* The driver                                                               */

/* One subject: try() creates (and, for reports, builds) something and
 * returns it or NULL with *err set; undo() frees it. */
typedef struct subject {
    const char *name;
    void *(*try)(int *err);
    void (*undo)(void *obj);
    int optional_allocs; /* a failed allocation may still give an object */
} subject;

/* Run `s` with allocation N failing, for N = 1, 2, ... until a run with no
 * failure; returns the number of allocations a successful create needs. */
static long exhaust(const subject *s)
{
    long n, total = 0;
    /* Under valgrind the report writers' hundreds of allocations are
     * failed one in 7 beyond the first 50 (each run rebuilds the report). */
    const long stride = tu_under_valgrind() ? 7 : 1;
    for (n = 1;; n += n < 50 ? 1 : stride) {
        int err = 12345;
        arm(n);
        void *obj = s->try(&err);
        disarm();
        const int injected = inj.injected;
        total = inj.count;
        if (obj) {
            if (!injected) assert_int_equal(err, MM_OK);
            else if (!s->optional_allocs) fail_msg("%s: allocation %ld failed, yet create succeeded", s->name, n);
            arm(0); /* count the frees: everything taken must be given back */
            s->undo(obj);
            disarm();
        } else {
            if (!injected) fail_msg("%s: failed with no allocation failing (err %d)", s->name, err);
            if (err != MM_ERR_NOMEM) fail_msg("%s: allocation %ld failed: err %d, not MM_ERR_NOMEM", s->name, n, err);
        }
        if (inj.nlive != 0) fail_msg("%s: %zu blocks leaked when allocation %ld failed", s->name, inj.nlive, n);
        if (!injected) break;
    }
    printf("# %-28s %3ld allocations; %s failing is handled\n", s->name, total,
           stride > 1 && total > 50 ? "every one of the first 50 and one in 7 after" : "each one");
    assert_true(total >= 1); /* the subject allocates: the test can fail */
    return total;
}

/* Subjects */

static void *analyzer_stereo(int *e)
{
    mm_analyze_config c = mm_analyze_config_default(44100, 2);
    return mm_analyzer_create(&c, e);
}
static void *analyzer_mono8x(int *e)
{
    mm_analyze_config c = mm_analyze_config_default(96000, 1);
    c.true_peak_oversample = 8;
    return mm_analyzer_create(&c, e);
}
static void *analyzer_6ch(int *e)
{
    mm_analyze_config c = mm_analyze_config_default(48000, 6);
    return mm_analyzer_create(&c, e);
}
static void analyzer_undo(void *p) { mm_analyzer_destroy(p); }

static void *loudness(int *e)
{
    mm_loudness_config c = mm_loudness_config_default(48000, 2);
    return mm_loudness_create(&c, e);
}
static void loudness_undo(void *p) { mm_loudness_destroy(p); }

static void *truepeak(int *e)
{
    mm_truepeak_config c = mm_truepeak_config_default(2);
    return mm_truepeak_create(&c, e);
}
static void truepeak_undo(void *p) { mm_truepeak_destroy(p); }

static void *cascade(int *e) { return mm_biquad_cascade_create(2, 8, e); }
static void cascade_undo(void *p) { mm_biquad_cascade_destroy(p); }

static void *fft(int *e) { return mm_fft_create(4096, e); }
static void fft_undo(void *p) { mm_fft_destroy(p); }

static void *stft(int *e) { return mm_stft_create(2048, 512, e); }
static void stft_undo(void *p) { mm_stft_destroy(p); }

static void *envelope(int *e)
{
    mm_envelope_config c = mm_envelope_config_default(48000, 2);
    return mm_envelope_create(&c, e);
}
static void envelope_undo(void *p) { mm_envelope_destroy(p); }

static void *planar(int *e) { return mm_planar_alloc(4, 1000, e); }
static void planar_undo(void *p) { mm_planar_free(p); }

static void *compressor(int *e)
{
    mm_compressor_config c = mm_compressor_config_default(48000, 2);
    return mm_compressor_create(&c, e);
}
static void compressor_undo(void *p) { mm_compressor_destroy(p); }

static void *translation_stereo(int *e)
{
    mm_translation_config c = mm_translation_config_default(44100, 2);
    return mm_translation_create(&c, e);
}
static void *translation_mono(int *e)
{
    mm_translation_config c = mm_translation_config_default(48000, 1);
    return mm_translation_create(&c, e);
}
static void translation_undo(void *p) { mm_translation_destroy(p); }

static void *limiter(int *e)
{
    mm_limiter_config c = mm_limiter_config_default(44100, 2);
    return mm_limiter_create(&c, e);
}
static void limiter_undo(void *p) { mm_limiter_destroy(p); }

static void *fireq(int *e)
{
    mm_fireq_config c = mm_fireq_config_default(44100, 2);
    return mm_fireq_create(&c, e);
}
static void fireq_undo(void *p) { mm_fireq_destroy(p); }

static void *dither(int *e)
{
    mm_dither_config c = mm_dither_config_default(44100, 2, 16);
    return mm_dither_create(&c, e);
}
static void dither_undo(void *p) { mm_dither_destroy(p); }

static void *mixbus(int *e) { return mm_mixbus_create(2, e); }
static void mixbus_undo(void *p) { mm_mixbus_destroy(p); }

static void *stem_analyzer(int *e)
{
    mm_stem_config c = mm_stem_config_default(44100, 2);
    return mm_stem_analyzer_create(&c, e);
}
static void stem_analyzer_undo(void *p) { mm_stem_analyzer_destroy(p); }

static int erb_bands;
static double erb_hz[MM_ERB_MAX_BANDS];
static void *masking(int *e) { return mm_masking_create(3, erb_bands, erb_hz, e); }
static void masking_undo(void *p) { mm_masking_destroy(p); }

static void *automix_plan(int *e) { return mm_automix_plan_create(4, e); }
static void automix_plan_undo(void *p) { mm_automix_plan_destroy(p); }

static mm_automix_plan *render_plan;
static void *automix_renderer(int *e)
{
    static const int ch[2] = {1, 2};
    return mm_automix_renderer_create(render_plan, 44100, ch, 4096, e);
}
static void automix_renderer_undo(void *p) { mm_automix_renderer_destroy(p); }

static mm_master_plan master_plan;
static void *master_chain(int *e) { return mm_master_chain_create(&master_plan, 48000, 2, e); }
static void master_chain_undo(void *p) { mm_master_chain_destroy(p); }

/* A finished analysis of a short tone, made before arming. */
static mm_analyzer *report_an;
static mm_analysis report_res;

static mm_file_result report_file(void)
{
    mm_file_result f;
    memset(&f, 0, sizeof f);
    f.info.path = "tone.wav";
    f.info.container = "WAV";
    f.info.encoding = "PCM_24";
    f.info.bit_depth = 24;
    f.analysis = &report_res;
    return f;
}

static void *report_json(int *e)
{
    mm_file_result f[2] = {report_file(), {{"bad.wav", NULL, NULL, 0, 0, 0}, NULL, "not audio"}};
    return mm_report_analysis_json(f, 2, NULL, e);
}
static void *report_jsonl(int *e)
{
    mm_file_result f = report_file();
    return mm_report_analysis_jsonl(&f, NULL, e);
}
static void *report_text(int *e)
{
    mm_file_result f = report_file();
    return mm_report_analysis_text(&f, 1, NULL, e);
}
static void *report_check_json(int *e)
{
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MIX, NULL);
    mm_check_inputs in;
    memset(&in, 0, sizeof in);
    in.analysis = &report_res;
    static mm_check_report rep;
    mm_check_run(&cfg, &in, &rep);
    mm_check_file f;
    memset(&f, 0, sizeof f);
    f.file = report_file();
    f.report = &rep;
    return mm_report_check_json(&cfg, &f, 1, NULL, e);
}
static void report_undo(void *p) { mm_report_free(p); }

/* The threshold reader returns a status, not an object: wrap it. */
static int config_ok = 1;
static void *config_json(int *e)
{
    mm_check_config cfg;
    mm_check_config_default(&cfg, MM_STAGE_MASTER, NULL);
    char why[256];
    int rc = mm_check_config_read_json(&cfg, "{\"true_peak\": {\"ceiling_dbtp\": -2}, \"level.min_lufs\": -28}", why,
                                       sizeof why);
    if (rc == MM_OK) {
        *e = MM_OK;
        return &config_ok;
    }
    /* cJSON does not say why a parse failed: any failure under injection
     * is reported as unreadable data, which is what the reader can know */
    *e = rc == MM_ERR_FORMAT ? MM_ERR_NOMEM : rc;
    return NULL;
}
static void config_undo(void *p) { (void)p; }

static const subject dsp_subjects[] = {
    {"mm_loudness_create", loudness, loudness_undo, 0},
    {"mm_truepeak_create", truepeak, truepeak_undo, 0},
    {"mm_biquad_cascade_create", cascade, cascade_undo, 0},
    {"mm_fft_create", fft, fft_undo, 0},
    {"mm_stft_create", stft, stft_undo, 0},
    {"mm_envelope_create", envelope, envelope_undo, 0},
    {"mm_planar_alloc", planar, planar_undo, 0},
    {"mm_compressor_create", compressor, compressor_undo, 0},
    {"mm_limiter_create", limiter, limiter_undo, 0},
    {"mm_fireq_create", fireq, fireq_undo, 0},
    {"mm_dither_create", dither, dither_undo, 0},
    {"mm_mixbus_create", mixbus, mixbus_undo, 0},
};

static const subject analysis_subjects[] = {
    {"mm_analyzer_create (stereo)", analyzer_stereo, analyzer_undo, 0},
    {"mm_analyzer_create (mono 8x)", analyzer_mono8x, analyzer_undo, 0},
    {"mm_analyzer_create (6 ch)", analyzer_6ch, analyzer_undo, 0},
    {"mm_translation_create (2 ch)", translation_stereo, translation_undo, 0},
    {"mm_translation_create (1 ch)", translation_mono, translation_undo, 0},
    {"mm_stem_analyzer_create", stem_analyzer, stem_analyzer_undo, 0},
    {"mm_masking_create", masking, masking_undo, 0},
    {"mm_automix_plan_create", automix_plan, automix_plan_undo, 0},
    {"mm_automix_renderer_create", automix_renderer, automix_renderer_undo, 0},
    {"mm_master_chain_create", master_chain, master_chain_undo, 0},
};

static const subject report_subjects[] = {
    {"mm_report_analysis_json", report_json, report_undo, 0},
    {"mm_report_analysis_jsonl", report_jsonl, report_undo, 0},
    {"mm_report_analysis_text", report_text, report_undo, 0},
    {"mm_report_check_json", report_check_json, report_undo, 0},
    {"mm_check_config_read_json", config_json, config_undo, 0},
};

static void test_dsp_creates(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dsp_subjects / sizeof dsp_subjects[0]; i++) exhaust(&dsp_subjects[i]);
}

/* The analyzer, the translation, the stem analyzer, the automix renderer
 * and the mastering chain hold several DSP objects: a failure in any of
 * them must unwind the ones already made. */
static void test_analysis_creates(void **state)
{
    (void)state;
    long n[sizeof analysis_subjects / sizeof analysis_subjects[0]];
    for (size_t i = 0; i < sizeof analysis_subjects / sizeof analysis_subjects[0]; i++)
        n[i] = exhaust(&analysis_subjects[i]);
    assert_true(n[0] >= 4); /* loudness, true peak, two STFTs at least */
    assert_true(n[2] <= n[0]); /* no side STFT for 6 channels */
}

static void test_reports(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof report_subjects / sizeof report_subjects[0]; i++) exhaust(&report_subjects[i]);
}

/* A failed create really failed: the object is usable once memory is back. */
static void test_recovers(void **state)
{
    (void)state;
    int e;
    arm(1);
    mm_analyzer *a = analyzer_stereo(&e);
    disarm();
    assert_null(a);
    assert_int_equal(e, MM_ERR_NOMEM);
    a = analyzer_stereo(&e);
    assert_non_null(a);
    float x[4800], y[4800];
    tu_sine(x, 4800, 44100, 1000, 0.5, 0);
    tu_sine(y, 4800, 44100, 1000, 0.5, 0);
    for (int k = 0; k < 20; k++) assert_int_equal(mm_analyzer_process(a, (const float *const[]){x, y}, 4800), MM_OK);
    mm_analysis r;
    assert_int_equal(mm_analyzer_finish(a, &r), MM_OK);
    assert_int_equal(r.integrated_lufs.reason, MM_REASON_NONE);
    assert_near(r.integrated_lufs.value, tu_db(0.5), 0.1);
    mm_analyzer_destroy(a);
}

static int setup(void **state)
{
    (void)state;
    cJSON_Hooks h = {json_malloc, json_free};
    cJSON_InitHooks(&h);
    int e;
    mm_analyze_config c = mm_analyze_config_default(48000, 2);
    report_an = mm_analyzer_create(&c, &e);
    if (!report_an) return -1;
    static float x[48000], y[48000];
    tu_sine(x, 48000, 48000, 997, 0.3, 0);
    tu_sine(y, 48000, 48000, 997, 0.2, 1);
    for (int k = 0; k < 3; k++) mm_analyzer_process(report_an, (const float *const[]){x, y}, 48000);
    mm_analyzer_finish(report_an, &report_res);
    /* what the composite objects are made from */
    mm_stem_config sc = mm_stem_config_default(44100, 2);
    mm_stem_analyzer *sa = mm_stem_analyzer_create(&sc, &e);
    if (!sa) return -1;
    erb_bands = mm_stem_band_count(sa);
    memcpy(erb_hz, mm_stem_band_hz(sa), (size_t)erb_bands * sizeof(double));
    mm_stem_analyzer_destroy(sa);
    if (!(render_plan = mm_automix_plan_create(2, &e))) return -1;
    mm_analyze_config mc = mm_master_analyze_config(48000, 2);
    mm_analyzer *ma = mm_analyzer_create(&mc, &e);
    if (!ma) return -1;
    for (int k = 0; k < 5; k++) mm_analyzer_process(ma, (const float *const[]){x, y}, 48000);
    mm_analysis mr;
    mm_analyzer_finish(ma, &mr);
    mm_master_options mo = mm_master_options_default();
    int rc = mm_master_decide(&master_plan, &mr, NULL, NULL, mm_preset_find("spotify"), &mo);
    mm_analyzer_destroy(ma);
    return rc == MM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mm_analyzer_destroy(report_an);
    mm_automix_plan_destroy(render_plan);
    cJSON_InitHooks(NULL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsp_creates),
        cmocka_unit_test(test_analysis_creates),
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_recovers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
