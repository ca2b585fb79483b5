/*
 * The analysis stage against closed-form answers: sines of known amplitude
 * and frequency, exact DC, exact clip runs, known silence, known channel
 * relations. Tolerances are stated per assertion.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/analyze.h"

typedef struct sig {
    int ch;
    size_t n;
    double fs;
    float *x[8];
} sig;

static sig sig_new(double fs, int ch, double seconds)
{
    sig s;
    memset(&s, 0, sizeof s);
    s.fs = fs;
    s.ch = ch;
    s.n = (size_t)(seconds * fs + 0.5);
    for (int c = 0; c < ch; c++) s.x[c] = calloc(s.n ? s.n : 1, sizeof(float));
    return s;
}

static void sig_free(sig *s)
{
    for (int c = 0; c < s->ch; c++) free(s->x[c]);
}

/* Analyse in blocks of `block` frames (0 = one call). */
static void analyse(const sig *s, mm_analyze_config *cfg, mm_analysis *r, mm_analyzer **keep, size_t block)
{
    mm_analyze_config def = mm_analyze_config_default(s->fs, s->ch);
    if (!cfg) cfg = &def;
    int err = -100;
    mm_analyzer *a = mm_analyzer_create(cfg, &err);
    assert_non_null(a);
    assert_int_equal(err, MM_OK);
    if (!block) block = s->n ? s->n : 1;
    for (size_t pos = 0; pos < s->n; pos += block) {
        size_t len = s->n - pos < block ? s->n - pos : block;
        const float *p[8];
        for (int c = 0; c < s->ch; c++) p[c] = s->x[c] + pos;
        assert_int_equal(mm_analyzer_process(a, p, len), MM_OK);
    }
    assert_int_equal(mm_analyzer_finish(a, r), MM_OK);
    if (keep) *keep = a;
    else mm_analyzer_destroy(a);
}

static double val(mm_measure m)
{
    if (m.reason != MM_REASON_NONE) {
        print_error("no value: %s\n", mm_reason_string(m.reason));
        fail();
    }
    return m.value;
}

static int band_of(const mm_analysis *r, double hz)
{
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++)
        if (fabs(r->band_center_hz[b] - hz) / hz < 0.03) return b;
    fail_msg("no band at %g Hz", hz);
    return -1;
}

/* A dual-mono sine of amplitude 0.5: peaks, RMS, crest and band level are
 * exact; the side is silent; correlation is 1. */
static void test_sine_levels(void **state)
{
    (void)state;
    static const double rates[] = {44100, 48000, 96000};
    for (int k = 0; k < 3; k++) {
        sig s = sig_new(rates[k], 2, 5.0);
        tu_sine(s.x[0], s.n, s.fs, 1000.0, 0.5, 0.3);
        memcpy(s.x[1], s.x[0], s.n * sizeof(float));
        mm_analysis r;
        analyse(&s, NULL, &r, NULL, 0);
        double a_db = tu_db(0.5);
        assert_near(val(r.sample_peak_dbfs), a_db, 0.01);       /* sampled 1 kHz: within 0.01 dB of the crest */
        assert_near(val(r.true_peak_dbtp), a_db, 0.05);         /* interpolator ripple */
        assert_near(val(r.rms_dbfs), a_db - 10 * log10(2.0), 0.01);
        assert_near(val(r.crest_db), 10 * log10(2.0), 0.02);
        int b = band_of(&r, 1000.0);
        assert_near(val(r.mid_band_db[b]), a_db, 0.05);         /* AES17: a sine reads its amplitude */
        assert_true(r.side_band_db[b].reason == MM_REASON_SILENT);
        assert_near(val(r.correlation), 1.0, 1e-6);
        assert_near(val(r.band_correlation[b]), 1.0, 1e-4);
        assert_int_equal(r.side_mid_db.reason, MM_REASON_SILENT);
        assert_near(val(r.balance_db), 0.0, 1e-6);
        assert_near(val(r.mono_loss_db), 0.0, 0.01);
        assert_near(val(r.integrated_lufs), a_db, 0.1);         /* 1 kHz stereo sine: LUFS = dBFS peak */
        assert_near(val(r.plr_db), val(r.true_peak_dbtp) - val(r.integrated_lufs), 1e-9);
        assert_near(val(r.psr_db), val(r.true_peak_dbtp) - val(r.shortterm_max_lufs), 1e-9);
        assert_int_equal(r.clip_runs, 0);
        assert_int_equal(r.overs, 0);
        assert_near(r.duration_s, 5.0, 1.0 / s.fs);
        sig_free(&s);
    }
}

/* Band levels of sines at band centres from 63 Hz to 16 kHz (the low bands
 * are a few FFT bins wide, so leakage costs a little more there). */
static void test_third_octave_sines(void **state)
{
    (void)state;
    static const double hz[] = {63.0, 100.0, 250.0, 1000.0, 4000.0, 10000.0, 16000.0};
    for (size_t k = 0; k < sizeof hz / sizeof hz[0]; k++) {
        sig s = sig_new(48000, 1, 4.0);
        double fc = 1000.0 * pow(2.0, round(3.0 * log2(hz[k] / 1000.0)) / 3.0); /* exact centre */
        tu_sine(s.x[0], s.n, s.fs, fc, 0.25, 0.0);
        mm_analysis r;
        analyse(&s, NULL, &r, NULL, 0);
        int b = band_of(&r, hz[k]);
        double tol = hz[k] < 200 ? 0.2 : 0.05;
        printf("# %.1f Hz sine: band %.2f dB (expected %.2f)\n", fc, val(r.mid_band_db[b]), tu_db(0.25));
        assert_near(val(r.mid_band_db[b]), tu_db(0.25), tol);
        /* two bands away holds only leakage: at least 40 dB down */
        if (b + 2 < MM_THIRD_OCTAVE_BANDS && r.mid_band_db[b + 2].reason == MM_REASON_NONE)
            assert_true(r.mid_band_db[b + 2].value < tu_db(0.25) - 40.0);
        assert_int_equal(r.side_band_db[b].reason, MM_REASON_NOT_STEREO);
        sig_free(&s);
    }
}

/* White noise: the bands add up to the signal's power (Parseval), and the
 * 4 tonal bands sum to 0 dB relative to the total. */
static void test_noise_energy(void **state)
{
    (void)state;
    sig s = sig_new(44100, 2, 10.0);
    double ms = 0;
    for (size_t i = 0; i < s.n; i++) {
        s.x[0][i] = (float)(0.1 * tu_gauss());
        s.x[1][i] = (float)(0.1 * tu_gauss());
        ms += 0.5 * ((double)s.x[0][i] * s.x[0][i] + (double)s.x[1][i] * s.x[1][i]);
    }
    ms /= (double)s.n;
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    double tot = 0;
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++)
        if (r.mid_band_db[b].reason == MM_REASON_NONE) tot += pow(10.0, r.mid_band_db[b].value / 10.0) / 2.0;
    /* mid of independent equal channels has half the power; the bands span
     * 17.8 Hz up to Nyquist (the top band is cut there) */
    double expect = ms / 2.0 * (22050.0 - 17.8) / 22050.0;
    assert_near(10 * log10(tot), 10 * log10(expect), 0.1);
    double sum = 0;
    for (int b = 0; b < MM_TONAL_BANDS; b++) sum += pow(10.0, val(r.tonal_mid_db[b]) / 10.0);
    assert_near(10 * log10(sum), 0.0, 0.01);
    /* white noise: band share = bandwidth share, e.g. 2-8 kHz is 6/19.98 of 20-20k */
    assert_near(val(r.tonal_mid_db[2]), 10 * log10(6000.0 / 19980.0), 0.15);
    /* independent channels: correlation near 0, side as loud as mid */
    assert_near(val(r.correlation), 0.0, 0.02);
    assert_near(val(r.side_mid_db), 0.0, 0.1);
    assert_near(val(r.mono_loss_db), 10 * log10(2.0), 0.1);
    sig_free(&s);
}

static void test_dc_offset(void **state)
{
    (void)state;
    sig s = sig_new(48000, 2, 2.0);
    tu_sine(s.x[0], s.n, s.fs, 440.0, 0.3, 0.0);
    for (size_t i = 0; i < s.n; i++) {
        s.x[1][i] = s.x[0][i] - 0.02f;
        s.x[0][i] += 0.05f;
    }
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    /* a whole number of 440 Hz cycles is not guaranteed: the sine's mean is
     * below 0.3 / (pi * 880 cycles) */
    assert_near(r.ch[0].dc_offset, 0.05, 2e-4);
    assert_near(r.ch[1].dc_offset, -0.02, 2e-4);
    assert_near(r.dc_offset_max, 0.05, 2e-4);
    sig_free(&s);
}

/* A 100 Hz sine of amplitude 2 hard-clipped at +-1: each half cycle has one
 * run of the samples where |sin| >= 1/2, i.e. 2/3 of it. */
static void test_clip_runs(void **state)
{
    (void)state;
    sig s = sig_new(48000, 1, 1.0);
    tu_sine(s.x[0], s.n, s.fs, 100.0, 2.0, 0.0);
    for (size_t i = 0; i < s.n; i++) s.x[0][i] = s.x[0][i] > 1.0f ? 1.0f : s.x[0][i] < -1.0f ? -1.0f : s.x[0][i];
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 1000);
    assert_int_equal(r.clip_runs, 200);                    /* 100 cycles, 2 runs each */
    assert_between(r.longest_clip_run, 159, 161);          /* 240 samples per half cycle * 2/3 */
    assert_int_equal(r.clip_event_count, MM_MAX_EVENTS);
    /* the first run starts where sin = 1/2: 1/12 of the 10 ms period */
    assert_near(r.clip_events[0].time_s, 0.01 / 12.0, 1.5 / s.fs);
    assert_near(r.clip_events[0].duration_s, 0.01 / 3.0, 2.0 / s.fs);
    assert_near(r.clip_events[0].peak_db, 0.0, 1e-6);
    /* events come out in time order */
    for (size_t i = 1; i < r.clip_event_count; i++) assert_true(r.clip_events[i].time_s > r.clip_events[i - 1].time_s);
    /* the clipped square-ish wave overshoots between samples */
    assert_true(r.overs > 0);
    assert_true(val(r.true_peak_dbtp) > 0.0);
    sig_free(&s);

    /* a single full-scale sample is a peak, not a clip (min run 2) */
    s = sig_new(48000, 1, 1.0);
    s.x[0][1000] = 1.0f;
    analyse(&s, NULL, &r, NULL, 0);
    assert_int_equal(r.clip_runs, 0);
    sig_free(&s);
}

/* EBU Tech 3341 case 19 through the analyzer: fs/4 at 45 degrees whose
 * samples sit at +-1.0 but whose waveform peaks at sqrt(2): +3.01 dBTP,
 * +0.2/-0.4 dB, and the overs are found. */
static void test_true_peak_over(void **state)
{
    (void)state;
    static const int os[] = {4, 8};
    for (int k = 0; k < 2; k++) {
        sig s = sig_new(48000, 2, 1.0);
        tu_sine(s.x[0], s.n, s.fs, 12000.0, sqrt(2.0), M_PI / 4.0);
        memcpy(s.x[1], s.x[0], s.n * sizeof(float));
        mm_analyze_config cfg = mm_analyze_config_default(48000, 2);
        cfg.true_peak_oversample = os[k];
        mm_analysis r;
        analyse(&s, &cfg, &r, NULL, 777);
        printf("# 3341-19 via analyzer, %dx: %.3f dBTP\n", os[k], val(r.true_peak_dbtp));
        assert_between(val(r.true_peak_dbtp), 3.01 - 0.4, 3.01 + 0.2);
        assert_near(val(r.sample_peak_dbfs), 0.0, 0.001);
        assert_true(r.overs >= 1);
        assert_true(r.over_event_count >= 1);
        assert_near(r.over_events[0].time_s, 0.0, 0.002);
        sig_free(&s);
    }
}

static void test_silence_edges(void **state)
{
    (void)state;
    sig s = sig_new(44100, 2, 4.0);
    size_t a = (size_t)(1.5 * s.fs), b = (size_t)(3.5 * s.fs);
    for (size_t i = a; i < b; i++) s.x[0][i] = s.x[1][i] = (float)(0.2 * sin(0.05 * (double)i));
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    /* the sine starts at phase 0: the first sample above -60 dBFS (0.001)
     * comes 0.001/(0.2*0.05) = 0.1 samples later, i.e. the next sample */
    assert_near(val(r.leading_silence_s), 1.5, 2.0 / s.fs);
    assert_near(val(r.trailing_silence_s), 0.5, 2.0 / s.fs);
    sig_free(&s);

    s = sig_new(44100, 2, 2.0); /* digital silence */
    analyse(&s, NULL, &r, NULL, 0);
    assert_int_equal(r.integrated_lufs.reason, MM_REASON_SILENT);
    assert_int_equal(r.sample_peak_dbfs.reason, MM_REASON_SILENT);
    assert_int_equal(r.true_peak_dbtp.reason, MM_REASON_SILENT);
    assert_int_equal(r.leading_silence_s.reason, MM_REASON_SILENT);
    assert_int_equal(r.correlation.reason, MM_REASON_SILENT);
    assert_int_equal(r.plr_db.reason, MM_REASON_SILENT);
    assert_int_equal(r.mid_band_db[10].reason, MM_REASON_SILENT);
    sig_free(&s);
}

static void test_too_short(void **state)
{
    (void)state;
    sig s = sig_new(48000, 2, 0.3);
    tu_sine(s.x[0], s.n, s.fs, 1000.0, 0.5, 0.0);
    memcpy(s.x[1], s.x[0], s.n * sizeof(float));
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    assert_int_equal(r.integrated_lufs.reason, MM_REASON_TOO_SHORT);
    assert_int_equal(r.loudness_range_lu.reason, MM_REASON_TOO_SHORT);
    assert_int_equal(r.shortterm_max_lufs.reason, MM_REASON_TOO_SHORT);
    assert_near(val(r.sample_peak_dbfs), tu_db(0.5), 0.01);
    /* shorter than one FFT frame: the spectrum still exists (zero-padded) */
    assert_near(val(r.mid_band_db[band_of(&r, 1000.0)]), tu_db(0.5), 0.5);
    sig_free(&s);

    s = sig_new(48000, 1, 0.0); /* no frames at all */
    analyse(&s, NULL, &r, NULL, 0);
    assert_int_equal(r.frames, 0);
    assert_int_equal(r.integrated_lufs.reason, MM_REASON_TOO_SHORT);
    assert_int_equal(r.sample_peak_dbfs.reason, MM_REASON_SILENT);
    sig_free(&s);
}

/* NaN and Inf samples are counted and measured as zeros. */
static void test_nonfinite(void **state)
{
    (void)state;
    sig s = sig_new(48000, 2, 3.0), z = sig_new(48000, 2, 3.0);
    tu_sine(s.x[0], s.n, s.fs, 1000.0, 0.5, 0.0);
    memcpy(s.x[1], s.x[0], s.n * sizeof(float));
    for (int c = 0; c < 2; c++) memcpy(z.x[c], s.x[c], s.n * sizeof(float));
    for (size_t i = 1000; i < 1100; i++) {
        s.x[0][i] = NAN;
        s.x[1][i] = (i & 1) ? INFINITY : -INFINITY;
        z.x[0][i] = z.x[1][i] = 0.0f;
    }
    mm_analysis r, rz;
    analyse(&s, NULL, &r, NULL, 0);
    analyse(&z, NULL, &rz, NULL, 0);
    assert_int_equal(r.nonfinite_samples, 200);
    assert_int_equal(r.ch[0].nonfinite_samples, 100);
    assert_true(val(r.integrated_lufs) == val(rz.integrated_lufs));
    assert_true(val(r.true_peak_dbtp) == val(rz.true_peak_dbtp));
    sig_free(&s);
    sig_free(&z);
}

/* Stereo relations: polarity, balance, low-end correlation. */
static void test_stereo_relations(void **state)
{
    (void)state;
    sig s = sig_new(48000, 2, 4.0);
    for (size_t i = 0; i < s.n; i++) {
        s.x[0][i] = (float)(0.2 * tu_gauss());
        s.x[1][i] = -s.x[0][i];
    }
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    assert_near(val(r.correlation), -1.0, 1e-6);
    assert_near(val(r.correlation_min), -1.0, 1e-6);
    assert_near(val(r.negative_correlation_s), 4.0, 0.11);
    assert_int_equal(r.mono_loss_db.reason, MM_REASON_CANCELS);
    assert_int_equal(r.side_mid_db.reason, MM_REASON_CANCELS);
    assert_near(val(r.correlation_low), -1.0, 1e-4);
    sig_free(&s);

    /* in-phase 60 Hz bass plus independent hiss: the low end is mono, the
     * whole is not; right channel 6.02 dB down on the hiss only */
    s = sig_new(48000, 2, 4.0);
    tu_sine(s.x[0], s.n, s.fs, 60.0, 0.4, 0.0);
    memcpy(s.x[1], s.x[0], s.n * sizeof(float));
    for (size_t i = 0; i < s.n; i++) {
        double hl = 0.2 * tu_gauss(), hr = 0.2 * tu_gauss();
        s.x[0][i] += (float)hl;
        s.x[1][i] += (float)hr;
    }
    mm_analyzer *kept = NULL; /* the series live as long as the analyzer */
    analyse(&s, NULL, &r, &kept, 0);
    assert_near(val(r.correlation_low), 1.0, 0.01);
    assert_true(val(r.correlation) < 0.9);
    assert_true(val(r.side_mid_low_db) < -20.0);
    /* 0.08 (sine) + 0.04 (hiss) both sides: balanced */
    assert_near(val(r.balance_db), 0.0, 0.1);
    /* correlation series: one value per 100 ms hop, all equal-ish */
    assert_int_equal(r.correlation_series_count, 40);
    assert_near(r.correlation_series_step_s, 0.1, 1e-9);
    assert_near(r.correlation_series[20], val(r.correlation), 0.1);
    mm_analyzer_destroy(kept);
    sig_free(&s);

    s = sig_new(48000, 2, 2.0);
    tu_sine(s.x[0], s.n, s.fs, 500.0, 0.5, 0.0);
    tu_sine(s.x[1], s.n, s.fs, 500.0, 0.25, 0.0);
    analyse(&s, NULL, &r, NULL, 0);
    assert_near(val(r.balance_db), 20 * log10(2.0), 0.01);
    sig_free(&s);
}

/* Cutting the stream differently changes nothing. */
static void test_block_independence(void **state)
{
    (void)state;
    sig s = sig_new(44100, 2, 6.0);
    for (size_t i = 0; i < s.n; i++) {
        double t = (double)i / s.fs;
        s.x[0][i] = (float)(0.3 * sin(2 * M_PI * 220 * t) + 0.1 * tu_gauss());
        s.x[1][i] = (float)(0.3 * sin(2 * M_PI * 330 * t) + 0.1 * tu_gauss());
    }
    s.x[0][5000] = 1.0f;
    s.x[0][5001] = 1.0f;
    mm_analysis a, b;
    mm_analyzer *ka, *kb;
    analyse(&s, NULL, &a, &ka, 0);
    analyse(&s, NULL, &b, &kb, 997);
    assert_true(val(a.integrated_lufs) == val(b.integrated_lufs));
    assert_true(val(a.true_peak_dbtp) == val(b.true_peak_dbtp));
    assert_true(val(a.loudness_range_lu) == val(b.loudness_range_lu));
    assert_true(val(a.shortterm_max_lufs) == val(b.shortterm_max_lufs));
    /* the correlation sums are taken per block in float lanes: not bit-exact */
    assert_near(val(a.correlation), val(b.correlation), 1e-6);
    assert_true(val(a.mid_band_db[20]) == val(b.mid_band_db[20]));
    assert_int_equal(a.clip_runs, b.clip_runs);
    assert_int_equal(a.clip_runs, 1);
    assert_int_equal(a.overs, b.overs);
    assert_int_equal(a.loudness_series_count, b.loudness_series_count);
    mm_analyzer_destroy(ka);
    mm_analyzer_destroy(kb);
    sig_free(&s);
}

/* 5.1: loudness with BS.1770 weights, spectrum of the channel mean, no
 * stereo figures. */
static void test_multichannel(void **state)
{
    (void)state;
    sig s = sig_new(48000, 6, 3.0);
    for (int c = 0; c < 6; c++) tu_sine(s.x[c], s.n, s.fs, 1000.0, 0.1, 0.0);
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    /* L, R, C at 1.0 and Ls, Rs at 1.41, LFE 0: 10 log10(3 + 2 * 1.41) = 7.65 dB
     * over one channel, which reads -20 - 3.01 LUFS */
    assert_near(val(r.integrated_lufs), -20.0 - 10 * log10(2.0) + 10 * log10(3.0 + 2 * 1.41), 0.1);
    assert_int_equal(r.correlation.reason, MM_REASON_NOT_STEREO);
    assert_near(val(r.mid_band_db[band_of(&r, 1000.0)]), -20.0, 0.05);
    sig_free(&s);
}

/* Events are the earliest ones whatever the channel: the second channel's
 * clips come first in time but are found after the first channel's. */
static void test_event_order(void **state)
{
    (void)state;
    sig s = sig_new(48000, 2, 1.0);
    for (size_t k = 0; k < 20; k++) {
        size_t at0 = 2000 + 100 * k, at1 = 10 + 100 * k; /* all inside the first chunk */
        s.x[0][at0] = s.x[0][at0 + 1] = 1.0f;
        s.x[1][at1] = s.x[1][at1 + 1] = -1.0f;
    }
    mm_analysis r;
    analyse(&s, NULL, &r, NULL, 0);
    assert_int_equal(r.clip_runs, 40);
    assert_int_equal(r.clip_event_count, MM_MAX_EVENTS);
    for (size_t i = 0; i < r.clip_event_count; i++) {
        assert_int_equal(r.clip_events[i].channel, 1);
        assert_near(r.clip_events[i].time_s, (10.0 + 100.0 * (double)i) / 48000.0, 1e-9);
    }
    sig_free(&s);
}

/* The ends of the supported range: 8 kHz and 384 kHz. */
static void test_rate_extremes(void **state)
{
    (void)state;
    static const double rates[] = {8000, 384000};
    for (int k = 0; k < 2; k++) {
        sig s = sig_new(rates[k], 2, 3.0);
        tu_sine(s.x[0], s.n, s.fs, 1000.0, 0.5, 0.0);
        memcpy(s.x[1], s.x[0], s.n * sizeof(float));
        mm_analysis r;
        analyse(&s, NULL, &r, NULL, 4096);
        printf("# %.0f Hz: %.3f LUFS, %.3f dBTP\n", rates[k], val(r.integrated_lufs), val(r.true_peak_dbtp));
        assert_near(val(r.integrated_lufs), tu_db(0.5), 0.1);
        assert_near(val(r.true_peak_dbtp), tu_db(0.5), 0.05);
        assert_near(val(r.mid_band_db[band_of(&r, 1000.0)]), tu_db(0.5), 0.05);
        /* at 8 kHz the bands above 4 kHz do not exist */
        if (rates[k] == 8000) assert_int_equal(r.mid_band_db[band_of(&r, 5000.0)].reason, MM_REASON_ABOVE_NYQUIST);
        sig_free(&s);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    int err = 0;
    mm_analyze_config cfg = mm_analyze_config_default(48000, 2);
    cfg.true_peak_oversample = 3;
    assert_null(mm_analyzer_create(&cfg, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    cfg = mm_analyze_config_default(1000, 2);
    assert_null(mm_analyzer_create(&cfg, &err));
    cfg = mm_analyze_config_default(48000, 65);
    assert_null(mm_analyzer_create(&cfg, &err));
    assert_null(mm_analyzer_create(NULL, &err));
    mm_analyzer_destroy(NULL);
    cfg = mm_analyze_config_default(48000, 2);
    mm_analyzer *a = mm_analyzer_create(&cfg, &err);
    assert_int_equal(mm_analyzer_process(a, NULL, 10), MM_ERR_INVALID_ARG);
    mm_analysis r;
    assert_int_equal(mm_analyzer_finish(a, &r), MM_OK);
    float z[4] = {0};
    const float *p[2] = {z, z};
    assert_int_equal(mm_analyzer_process(a, p, 4), MM_ERR_STATE); /* finished */
    mm_analyzer_reset(a);
    assert_int_equal(mm_analyzer_process(a, p, 4), MM_OK);
    mm_analyzer_destroy(a);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_seed_init(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sine_levels),    cmocka_unit_test(test_third_octave_sines),
        cmocka_unit_test(test_noise_energy),   cmocka_unit_test(test_dc_offset),
        cmocka_unit_test(test_clip_runs),      cmocka_unit_test(test_true_peak_over),
        cmocka_unit_test(test_silence_edges),  cmocka_unit_test(test_too_short),
        cmocka_unit_test(test_nonfinite),      cmocka_unit_test(test_stereo_relations),
        cmocka_unit_test(test_block_independence), cmocka_unit_test(test_multichannel),
        cmocka_unit_test(test_rate_extremes),  cmocka_unit_test(test_event_order),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
