/*
 * Automix decisions without audio: hand-made features and masking fed with
 * synthetic band energies, checked against the rules written out here
 * (DOMAIN.md section 5) and closed-form masking values:
 *   a masker holding energy E in one band only has the threshold
 *   T = E * 10^(-0.6) in that band (the spread passes add E twice and the
 *   band itself is taken once), E * 10^(-0.5 * 10/10) * 10^(-0.6) one
 *   0.5-ERB band above and E * 10^(-0.5 * 25/10) * 10^(-0.6) one below.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/automix.h"
#include "mixmaster/stems.h"
#include "mixmaster/compressor.h"

static double band_hz[MM_ERB_MAX_BANDS];
static int nb;

/* Band centres as the stem analyzer makes them at 48 kHz. */
static void bands_init(void)
{
    int err;
    mm_stem_config sc = mm_stem_config_default(48000, 1);
    mm_stem_analyzer *a = mm_stem_analyzer_create(&sc, &err);
    assert_non_null(a);
    nb = mm_stem_band_count(a);
    memcpy(band_hz, mm_stem_band_hz(a), (size_t)nb * sizeof(double));
    mm_stem_analyzer_destroy(a);
}

static int band_near(double hz)
{
    int b = 0;
    for (int k = 0; k < nb; k++)
        if (fabs(band_hz[k] - hz) < fabs(band_hz[b] - hz)) b = k;
    return b;
}

/* Features of a plain mono stem at `lufs` that triggers nothing by itself. */
static mm_stem_features feat(double lufs)
{
    mm_stem_features f;
    memset(&f, 0, sizeof f);
    f.sample_rate = 48000;
    f.channels = 1;
    f.frames = 480000;
    f.integrated_lufs.value = f.active_lufs.value = lufs;
    f.active_fraction = 1.0;
    f.sample_peak_dbfs.value = lufs + 12;
    f.active_rms_dbfs.value = lufs;
    f.crest_db.value = 12;
    f.peak10_p10_dbfs.value = lufs;
    f.peak10_p50_dbfs.value = lufs + 4;
    f.peak10_p90_dbfs.value = lufs + 8;
    f.peak10_top_dbfs = lufs + 10;
    f.peak10_hist[0] = 1.0f;
    f.level_spread_db.value = 6;
    f.sustain = 0.8;
    f.bands = nb;
    for (int k = 0; k < nb; k++) {
        f.band_hz[k] = band_hz[k];
        f.erb_db[k] = f.kband_db[k] = -40.0;
    }
    f.centroid_hz.value = 1000;
    f.low_fraction = 0.1;
    f.low_cut_hz.reason = MM_REASON_SILENT; /* no high-pass unless a test sets it */
    f.low_peak_hz.value = 60;
    f.correlation.reason = f.width_db.reason = f.balance_db.reason = MM_REASON_NOT_STEREO;
    return f;
}

static void decide(mm_automix_input *in, int n, const mm_masking *m, mm_automix_plan **out, mm_automix_config *cfg)
{
    int err;
    mm_automix_config c = mm_automix_config_default();
    if (cfg) c = *cfg;
    *out = mm_automix_plan_create(n, &err);
    assert_non_null(*out);
    assert_int_equal(mm_automix_decide(&c, in, n, m, *out), MM_OK);
}

/* g = target + offset(role) - L, clamped to -24..+12; silent stays at 0. */
static void test_gain_rule(void **state)
{
    (void)state;
    bands_init();
    static const struct {
        const char *name;
        mm_role role;
        double lufs, want;
    } c[] = {
        {"vox", MM_ROLE_LEAD_VOCAL, -18.0, -23.0 - (-18.0)},
        {"bv", MM_ROLE_BACKING_VOCAL, -30.0, -23.0 - 2.0 + 30.0},
        {"bass", MM_ROLE_BASS, -20.0, -23.0 - 2.5 + 20.0},
        {"kick", MM_ROLE_KICK, -10.0, -23.0 - 4.5 + 10.0},
        {"hat", MM_ROLE_HATS, -26.0, -23.0 - 4.0 + 26.0},
        {"perc", MM_ROLE_PERC, -28.0, -23.0 - 6.5 + 28.0},
        {"quiet", MM_ROLE_GUITAR, -60.0, 12.0},   /* clamped from +34.5 */
        {"loud", MM_ROLE_KEYS, 5.0, -24.0},       /* clamped from -32 */
    };
    const int n = (int)(sizeof c / sizeof c[0]) + 1;
    mm_stem_features f[16];
    mm_automix_input in[16];
    for (int i = 0; i < n - 1; i++) {
        f[i] = feat(c[i].lufs);
        in[i] = (mm_automix_input){c[i].name, c[i].role, "user", &f[i]};
    }
    f[n - 1] = feat(-20);
    f[n - 1].silent = 1;
    f[n - 1].active_lufs.reason = MM_REASON_SILENT;
    in[n - 1] = (mm_automix_input){"silence", MM_ROLE_KEYS, "user", &f[n - 1]};
    mm_automix_config cfg = mm_automix_config_default();
    cfg.use_pan = 0; /* pans of mono stems keep power anyway; keep the test on gains */
    mm_automix_plan *p;
    decide(in, n, NULL, &p, &cfg);
    for (int i = 0; i < n - 1; i++) {
        printf("# %-6s %-14s %6.1f LUFS -> %+6.2f dB: %s\n", c[i].name, mm_role_name(c[i].role), c[i].lufs,
               p->stem[i].gain_db, p->stem[i].gain_reason);
        assert_near(p->stem[i].gain_db, c[i].want, 1e-9);
        assert_near(p->stem[i].predicted_lufs, fmin(fmax(c[i].lufs + c[i].want, -200), 200), 1e-9);
    }
    assert_non_null(strstr(p->stem[6].gain_reason, "clamped from +34.5"));
    assert_non_null(strstr(p->stem[7].gain_reason, "clamped from -32.0"));
    assert_true(p->stem[n - 1].silent);
    assert_near(p->stem[n - 1].gain_db, 0.0, 0);
    assert_non_null(strstr(p->stem[n - 1].gain_reason, "silent"));
    assert_int_equal(mm_automix_plan_validate(p, NULL, 0), MM_OK);
    mm_automix_plan_destroy(p);
}

/* Centre elements stay centred; two similar stems go to opposite sides and
 * the louder one sits nearer the centre so that w1 sin(p1 pi/2) = w2 sin(p2 pi/2). */
static void test_pan_rule(void **state)
{
    (void)state;
    mm_stem_features f[6];
    mm_automix_input in[6];
    const char *names[6] = {"kick", "bass", "vox", "lowpad", "gtr", "keys"};
    mm_role roles[6] = {MM_ROLE_KICK, MM_ROLE_BASS, MM_ROLE_LEAD_VOCAL, MM_ROLE_PAD, MM_ROLE_GUITAR, MM_ROLE_KEYS};
    for (int i = 0; i < 6; i++) {
        f[i] = feat(-20);
        in[i] = (mm_automix_input){names[i], roles[i], "user", &f[i]};
    }
    f[3].low_fraction = 0.7; /* mostly below 200 Hz: centred */
    /* guitar and keys: the same spectral shape */
    for (int k = 0; k < nb; k++) f[4].erb_db[k] = f[5].erb_db[k] = f[4].kband_db[k] = f[5].kband_db[k] = -20 - 0.3 * k;
    f[4].centroid_hz.value = 1500;
    f[5].centroid_hz.value = 1200;
    mm_automix_plan *p;
    decide(in, 6, NULL, &p, NULL);
    for (int i = 0; i < 6; i++) printf("# %-6s pan %+.4f: %s\n", names[i], p->stem[i].pan, p->stem[i].pan_reason);
    for (int i = 0; i < 4; i++) assert_near(p->stem[i].pan, 0.0, 0);
    assert_non_null(strstr(p->stem[3].pan_reason, "below 200 Hz"));
    assert_true(p->stem[4].pan * p->stem[5].pan < 0);
    /* guitar (-2.5 LU) is 1.5 LU louder than keys (-4): keys at 0.6, guitar nearer */
    double wg = pow(10.0, -25.5 / 10), wk = pow(10.0, -27.0 / 10);
    assert_near(fabs(p->stem[5].pan), 0.6, 1e-9);
    assert_near(wg * sin(fabs(p->stem[4].pan) * M_PI / 2), wk * sin(0.6 * M_PI / 2), 1e-12);
    assert_true(fabs(p->balance) <= 0.05);
    for (int b = 0; b < 4; b++) assert_true(fabs(p->band_balance[b]) <= 0.05 + 1e-12);
    mm_automix_plan_destroy(p);
}

/* A high-pass an octave below where the power starts, not on kick and bass,
 * capped at 300 Hz; the gain makes up the loudness it takes. */
static void test_highpass_rule(void **state)
{
    (void)state;
    mm_stem_features f[4];
    mm_automix_input in[4];
    const char *names[4] = {"kick", "bass", "vox", "hats"};
    mm_role roles[4] = {MM_ROLE_KICK, MM_ROLE_BASS, MM_ROLE_LEAD_VOCAL, MM_ROLE_HATS};
    for (int i = 0; i < 4; i++) {
        f[i] = feat(-20);
        f[i].low_cut_hz.reason = MM_REASON_NONE;
        f[i].low_cut_hz.value = 200;
        in[i] = (mm_automix_input){names[i], roles[i], "user", &f[i]};
    }
    f[3].low_cut_hz.value = 4000;
    /* the vocal's power sits in one band at 150 Hz, where the filter takes a known share */
    for (int k = 0; k < nb; k++) f[2].kband_db[k] = -300;
    int b150 = band_near(150);
    f[2].kband_db[b150] = -20;
    mm_automix_plan *p;
    decide(in, 4, NULL, &p, NULL);
    assert_int_equal(p->stem[0].eq_count, 0);
    assert_int_equal(p->stem[1].eq_count, 0);
    assert_int_equal(p->stem[2].eq_count, 1);
    assert_int_equal(p->stem[2].eq[0].kind, MM_AUTOMIX_EQ_HIGHPASS);
    assert_near(p->stem[2].eq[0].freq_hz, 100.0, 1e-9);
    assert_near(p->stem[3].eq[0].freq_hz, 300.0, 1e-9);
    mm_biquad_coeffs c;
    mm_biquad_design(&c, MM_BIQUAD_HIGHPASS, 48000, 100.0, 0.7071, 0);
    double loss = mm_biquad_response_db(&c, 48000, band_hz[b150]);
    printf("# high-pass 100 Hz takes %.3f dB at %.1f Hz; gain %+.3f dB\n", loss, band_hz[b150], p->stem[2].gain_db);
    assert_near(p->stem[2].gain_db, -23.0 + 20.0 - loss, 1e-9);
    mm_automix_plan_destroy(p);
}

/* One frame where every stem holds energy in one band only. */
static void one_band_frames(mm_masking *m, int n, const int *band, const double *energy, int frames)
{
    float e[8][MM_ERB_MAX_BANDS];
    const float *pp[8];
    for (int i = 0; i < n; i++) {
        memset(e[i], 0, sizeof e[i]);
        e[i][band[i]] = (float)energy[i];
        pp[i] = e[i];
    }
    for (int t = 0; t < frames; t++) assert_int_equal(mm_masking_add_frame(m, pp), MM_OK);
}

/* M and MCF against the closed form, with gains, spreading up and down. */
static void test_masking_metric(void **state)
{
    (void)state;
    int err;
    mm_masking *m = mm_masking_create(3, nb, band_hz, &err);
    assert_non_null(m);
    int k0 = band_near(500);
    int band[3] = {k0, k0 + 1, k0 - 1};
    double en[3] = {1.0, 1e-3, 1e-3};
    one_band_frames(m, 3, band, en, 10);
    mm_masking_result r;
    /* A (stem 0) on B (stem 1) one band above: 10 log10(1 * 10^-0.5 * 10^-0.6 / 1e-3) = 19 dB */
    assert_int_equal(mm_masking_pair(m, 0, 1, 0, 0, 0, 1e9, NULL, &r), MM_OK);
    assert_near(r.m_db, 30.0 - 5.0 - 6.0, 1e-4);
    assert_near(r.mcf, 1.0, 0);
    assert_near(r.cells, 10, 0);
    /* one band below: 30 - 12.5 - 6 = 11.5 dB */
    mm_masking_pair(m, 0, 2, 0, 0, 0, 1e9, NULL, &r);
    assert_near(r.m_db, 30.0 - 12.5 - 6.0, 1e-4);
    /* gains move the MSR: -10 dB on A -> 9 dB; -25 dB on A -> MSR -6, clipped: M 0, MCF 0 */
    mm_masking_pair(m, 0, 1, -10, 0, 0, 1e9, NULL, &r);
    assert_near(r.m_db, 9.0, 1e-4);
    mm_masking_pair(m, 0, 1, -25, 0, 0, 1e9, NULL, &r);
    assert_near(r.m_db, 0.0, 1e-9);
    assert_near(r.mcf, 0.0, 0);
    /* clipped at 20 dB: +10 dB on A gives 29 dB -> 20 */
    mm_masking_pair(m, 0, 1, 10, 0, 0, 1e9, NULL, &r);
    assert_near(r.m_db, 20.0, 1e-9);
    /* B on A: B's band lies two bands... B (k0+1) spreads down 12.5 dB onto k0:
     * 10 log10(1e-3 * 10^-1.25 * 10^-0.6 / 1) = -48.5 dB: M 0, MCF 0 */
    mm_masking_pair(m, 1, 0, 0, 0, 0, 1e9, NULL, &r);
    assert_near(r.m_db, 0.0, 1e-9);
    assert_near(r.mcf, 0.0, 0);
    /* a band range that excludes B's band counts nothing */
    mm_masking_pair(m, 0, 1, 0, 0, 20, 100, NULL, &r);
    assert_near(r.cells, 0, 0);
    /* per-band view */
    double msr[MM_ERB_MAX_BANDS], cells[MM_ERB_MAX_BANDS];
    mm_masking_pair_bands(m, 0, 1, 0, 0, msr, cells);
    assert_near(msr[k0 + 1], 19.0, 1e-4);
    assert_near(cells[k0 + 1], 10, 0);
    assert_near(cells[k0], 0, 0);
    /* bad arguments */
    assert_int_equal(mm_masking_pair(m, 0, 0, 0, 0, 0, 1e9, NULL, &r), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_masking_pair(m, 0, 3, 0, 0, 0, 1e9, NULL, &r), MM_ERR_INVALID_ARG);
    assert_null(mm_masking_create(1, nb, band_hz, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    mm_masking_destroy(m);
    mm_masking_destroy(NULL);
}

/* Frames where stem i holds energy[i] in band[i] (NULL: left out). */
static void frames_of(mm_masking *m, int n, const int *band, const double *energy, const int *absent, int frames)
{
    float e[8][MM_ERB_MAX_BANDS];
    const float *pp[8];
    for (int i = 0; i < n; i++) {
        memset(e[i], 0, sizeof e[i]);
        e[i][band[i]] = (float)energy[i];
        pp[i] = absent && absent[i] ? NULL : e[i];
    }
    for (int t = 0; t < frames; t++) assert_int_equal(mm_masking_add_frame(m, pp), MM_OK);
}

/* At B's peaks: only the frames within 6 dB of B's loudest count. B (stem 1)
 * strikes at 1.0 for 5 frames, 0.3 (-5.2 dB) for 3, then decays to 0.01
 * (-20 dB) for 20; A (stem 0) holds 0.1 in the same band throughout:
 * MSR = 10 log10(0.1 * 10^-0.6 / E_B). */
static void test_masking_peaks(void **state)
{
    (void)state;
    int err;
    mm_masking *m = mm_masking_create(2, nb, band_hz, &err);
    assert_non_null(m);
    int k0 = band_near(60), band[2] = {k0, k0};
    const double eb[3] = {1.0, 0.3, 0.01};
    const int nf[3] = {5, 3, 20};
    for (int j = 0; j < 3; j++) {
        double en[2] = {0.1, eb[j]};
        frames_of(m, 2, band, en, NULL, nf[j]);
    }
    double msr[3];
    for (int j = 0; j < 3; j++) msr[j] = 10.0 * log10(0.1 * pow(10.0, -0.6) / (double)(float)eb[j]);
    mm_masking_result r;
    /* all frames: only the decay is masked (MSR 4 dB) */
    assert_int_equal(mm_masking_pair(m, 0, 1, 0, 0, 0, 1e9, NULL, &r), MM_OK);
    assert_near(r.cells, 28, 0);
    assert_near(r.m_db, 20 * msr[2] / 28, 1e-4);
    assert_near(r.mcf, 20.0 / 28, 1e-9);
    /* at B's peaks: the 8 frames of the stroke, none masked */
    assert_int_equal(mm_masking_pair_peaks(m, 0, 1, 0, 0, 0, 1e9, NULL, &r), MM_OK);
    assert_near(r.cells, 8, 0);
    assert_near(r.m_db, 0, 1e-9);
    assert_near(r.mcf, 0, 0);
    /* A 20 dB louder masks the stroke too: +4 and +9.2 dB */
    mm_masking_pair_peaks(m, 0, 1, 20, 0, 0, 1e9, NULL, &r);
    assert_near(r.m_db, (5 * (msr[0] + 20) + 3 * (msr[1] + 20)) / 8, 1e-4);
    assert_near(r.mcf, 1.0, 0);
    /* a band shift on A moves it the same way; a band range without B counts nothing */
    double shift[MM_ERB_MAX_BANDS] = {0};
    shift[k0] = 20;
    mm_masking_result r2;
    mm_masking_pair_peaks(m, 0, 1, 0, 0, 0, 1e9, shift, &r2);
    assert_near(r2.m_db, r.m_db, 1e-9);
    mm_masking_pair_peaks(m, 0, 1, 0, 0, 200, 1e9, NULL, &r);
    assert_near(r.cells, 0, 0);
    /* A's peaks on B's masking of A: A is at its loudest throughout */
    mm_masking_result all;
    mm_masking_pair(m, 1, 0, 0, 0, 0, 1e9, NULL, &all);
    mm_masking_pair_peaks(m, 1, 0, 0, 0, 0, 1e9, NULL, &r);
    assert_near(r.cells, all.cells, 0);
    assert_near(r.m_db, all.m_db, 1e-9);
    assert_int_equal(mm_masking_pair_peaks(m, 1, 1, 0, 0, 0, 1e9, NULL, &r), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_masking_pair_peaks(NULL, 0, 1, 0, 0, 0, 1e9, NULL, &r), MM_ERR_INVALID_ARG);
    /* reset forgets the peaks too */
    mm_masking_reset(m);
    mm_masking_pair_peaks(m, 0, 1, 0, 0, 0, 1e9, NULL, &r);
    assert_near(r.cells, 0, 0);
    mm_masking_destroy(m);
}

/* B's energy by A's level: A (stem 0) at 1.0 for 4 frames, at 0.05 (13.0 dB
 * down) for 4, left out for 2; B (stem 1) holds 2.0, 1.0 and 1.0 meanwhile,
 * 14 in all. */
static void test_energy_by_level(void **state)
{
    (void)state;
    int err;
    mm_masking *m = mm_masking_create(2, nb, band_hz, &err);
    assert_non_null(m);
    int band[2] = {band_near(60), band_near(200)};
    double en[2] = {1.0, 2.0};
    frames_of(m, 2, band, en, NULL, 4);
    en[0] = 0.05;
    en[1] = 1.0;
    frames_of(m, 2, band, en, NULL, 4);
    int absent[2] = {1, 0};
    frames_of(m, 2, band, en, absent, 2);
    double share[64], sum = 0;
    assert_int_equal(mm_masking_energy_by_level(m, 0, 1, share, 64), MM_OK);
    for (int k = 0; k < 64; k++) sum += share[k];
    printf("# B's energy by A's level: %.4f at the top, %.4f 13 dB down, %.4f with A out\n", share[0], share[13],
           share[63]);
    assert_near(sum, 1.0, 1e-12);
    assert_near(share[0], 8.0 / 14, 1e-6);
    assert_near(share[13], 4.0 / 14, 1e-6);
    assert_near(share[63], 2.0 / 14, 1e-6);
    /* fewer bins: what lies further down joins the last */
    assert_int_equal(mm_masking_energy_by_level(m, 0, 1, share, 8), MM_OK);
    assert_near(share[0], 8.0 / 14, 1e-6);
    assert_near(share[7], 6.0 / 14, 1e-6);
    /* the other way: A's energy by B's level. The bins are 1 dB steps of
     * the level itself, counted from the loudest frame's: B's top (2.0,
     * +3.01 dB) lies in the bin of 3..4 dB, its 1.0 in the bin of 0..1 dB,
     * 4 bins down */
    assert_int_equal(mm_masking_energy_by_level(m, 1, 0, share, 64), MM_OK);
    assert_near(share[0], 4.0 / 4.2, 1e-6);
    assert_near(share[4], 0.2 / 4.2, 1e-6);
    assert_int_equal(mm_masking_energy_by_level(m, 0, 0, share, 64), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_masking_energy_by_level(m, 0, 1, share, 1), MM_ERR_INVALID_ARG);
    mm_masking_reset(m);
    assert_int_equal(mm_masking_energy_by_level(m, 0, 1, share, 64), MM_OK);
    assert_near(share[0], 0, 0);
    mm_masking_destroy(m);
}

/* Kick and bass sharing one band at the kick fundamental. MSR = 10 log10(Eb
 * 10^-0.6 / Ek) (gains 0: both stems measured at their targets). */
static mm_automix_plan *kick_bass(double bass_energy, double bass_sustain, mm_masking **mout)
{
    int err;
    mm_stem_features f[2];
    f[0] = feat(-27.5); /* at their targets: gains 0 */
    f[1] = feat(-25.5);
    f[1].sustain = bass_sustain;
    int k0 = band_near(60);
    f[0].low_peak_hz.value = band_hz[k0];
    mm_masking *m = mm_masking_create(2, nb, band_hz, &err);
    int band[2] = {k0, k0};
    double en[2] = {1.0, bass_energy};
    one_band_frames(m, 2, band, en, 20);
    mm_automix_input in[2] = {{"kick", MM_ROLE_KICK, "user", &f[0]}, {"bass", MM_ROLE_BASS, "user", &f[1]}};
    mm_automix_plan *p;
    decide(in, 2, m, &p, NULL);
    *mout = m;
    return p;
}

static void test_kick_bass_rules(void **state)
{
    (void)state;
    mm_masking *m;
    /* every frame is one of the kick's strokes here (its level does not
     * move), so the figure at the strokes is the MSR itself.
     * MSR 4 dB (Eb = 10^1.0): carve min(3, 4/2) = 2 dB at the kick
     * fundamental; afterwards 2 dB: no ducking */
    mm_automix_plan *p = kick_bass(pow(10.0, 1.0), 0.9, &m);
    printf("# carve: %s %.1f Hz %+.2f dB: %s\n", mm_automix_eq_kind_name(p->stem[1].eq[0].kind), p->stem[1].eq[0].freq_hz,
           p->stem[1].eq[0].gain_db, p->stem[1].eq[0].reason);
    assert_int_equal(p->stem[1].eq_count, 1);
    assert_int_equal(p->stem[1].eq[0].kind, MM_AUTOMIX_EQ_CARVE);
    assert_near(p->stem[1].eq[0].freq_hz, band_hz[band_near(60)], 1e-9);
    assert_near(p->stem[1].eq[0].gain_db, -2.0, 1e-3);
    assert_near(p->stem[1].eq[0].q, 2.0, 0);
    assert_non_null(strstr(p->stem[1].eq[0].reason, "at its strokes"));
    assert_false(p->stem[1].duck.enabled);
    assert_int_equal(p->stem[0].eq_count, 0); /* the kick is never cut */
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
    /* MSR 14 dB: carve 3 dB, 11 dB left: duck by duck_max_db (6 dB), keyed
     * by the kick, threshold for full depth at the kick's 10 ms P90 */
    p = kick_bass(pow(10.0, 2.0), 0.9, &m);
    assert_near(p->stem[1].eq[0].gain_db, -3.0, 1e-9);
    assert_true(p->stem[1].duck.enabled);
    assert_int_equal(p->stem[1].duck.key, 0);
    assert_near(p->stem[1].duck.depth_db, 6.0, 1e-9);
    assert_near(p->stem[1].duck.attack_ms, 5.0, 0);
    assert_near(p->stem[1].duck.release_ms, 110.0, 0);
    double ratio = p->stem[1].duck.ratio;
    assert_near((1 - 1 / ratio) * (-27.5 + 8 - p->stem[1].duck.threshold_db), 6.0, 1e-9);
    printf("# duck: %s\n", p->stem[1].duck.reason);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
    /* MSR 5 dB: carve 2.5 dB, 2.5 dB left: no duck; MSR 8 dB: carve 3 dB,
     * 5 dB left: a duck, and it goes the full duck_max_db, not 5 dB */
    p = kick_bass(pow(10.0, 1.1), 0.9, &m);
    assert_near(p->stem[1].eq[0].gain_db, -2.5, 1e-3);
    assert_false(p->stem[1].duck.enabled);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
    p = kick_bass(pow(10.0, 1.4), 0.9, &m);
    assert_near(p->stem[1].eq[0].gain_db, -3.0, 1e-9);
    assert_true(p->stem[1].duck.enabled);
    assert_near(p->stem[1].duck.depth_db, 6.0, 1e-9);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
    /* the same masking but a bass of short notes: no ducking */
    p = kick_bass(pow(10.0, 2.0), 0.2, &m);
    assert_false(p->stem[1].duck.enabled);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
    /* below the thresholds: MSR 2 dB -> nothing */
    p = kick_bass(pow(10.0, 0.8), 0.9, &m);
    assert_int_equal(p->stem[1].eq_count, 0);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
}

/* Kick and bass judged at the kick's strokes. The kick strikes at 1.0 for 5
 * frames and rings at 0.01 (-20 dB) for 20; the bass holds 0.1 throughout:
 * MSR 10 log10(0.1 * 10^-0.6 / E_kick) is -16 dB at the strokes and +4 dB
 * in the ring. Over all frames M = 3.2 dB, MCF 0.8 (past the trigger); at
 * the strokes nothing is masked: no carve, no duck. A bass 20 dB louder
 * masks the strokes too (+4 dB): a 2 dB carve, after which the 2 dB left
 * are under the trigger: no duck. */
static void test_kick_bass_strokes(void **state)
{
    (void)state;
    int err;
    mm_stem_features f[2];
    f[0] = feat(-27.5);
    f[1] = feat(-25.5);
    f[1].sustain = 0.9;
    int k0 = band_near(60), band[2] = {k0, k0};
    f[0].low_peak_hz.value = band_hz[k0];
    mm_automix_input in[2] = {{"kick", MM_ROLE_KICK, "user", &f[0]}, {"bass", MM_ROLE_BASS, "user", &f[1]}};
    for (int loud = 0; loud < 2; loud++) {
        mm_masking *m = mm_masking_create(2, nb, band_hz, &err);
        double bass = loud ? 10.0 : 0.1;
        double en[2] = {1.0, bass};
        one_band_frames(m, 2, band, en, 5);
        en[0] = 0.01;
        one_band_frames(m, 2, band, en, 20);
        mm_masking_result all, strokes;
        mm_masking_pair(m, 1, 0, 0, 0, 30, 250, NULL, &all);
        mm_masking_pair_peaks(m, 1, 0, 0, 0, 30, 250, NULL, &strokes);
        printf("# bass %.1f: over all frames M %.2f dB, MCF %.2f; at the kick's strokes M %.2f dB, MCF %.2f\n", bass,
               all.m_db, all.mcf, strokes.m_db, strokes.mcf);
        mm_automix_plan *p;
        decide(in, 2, m, &p, NULL);
        if (!loud) {
            assert_true(all.m_db > 3.0 && all.mcf > 0.35); /* the former trigger would carve */
            assert_near(strokes.m_db, 0.0, 1e-9);
            assert_int_equal(p->stem[1].eq_count, 0);
            assert_false(p->stem[1].duck.enabled);
        } else {
            double msr = 10.0 * log10(10.0 * pow(10.0, -0.6) / 1.0);
            assert_near(strokes.m_db, msr, 1e-4);
            assert_int_equal(p->stem[1].eq_count, 1);
            assert_near(p->stem[1].eq[0].gain_db, -msr / 2, 1e-3);
            printf("# %s\n", p->stem[1].eq[0].reason);
            assert_false(p->stem[1].duck.enabled);
        }
        mm_automix_plan_destroy(p);
        mm_masking_destroy(m);
    }
}

/* What a duck takes from the bass, from where the bass plays against the
 * kick's level: the kick strikes (at its loudest) in half the frames and is
 * silent in the other half; the bass holds the same energy throughout, 14 dB
 * over the threshold of the kick's band (no carve: use_carve off). The duck
 * reduces the bass by (1 - 1/10)(L - T) where the kick plays at its top
 * bin's level L = top - 0.5 dB, not at all elsewhere: the gain makes up
 * -10 log10(0.5 * 10^(-gr/10) + 0.5). */
static void test_duck_loudness(void **state)
{
    (void)state;
    int err;
    mm_stem_features f[2];
    f[0] = feat(-27.5);
    f[1] = feat(-25.5); /* at its target: the gain is the make-up alone */
    f[1].sustain = 0.9;
    int k0 = band_near(60), band[2] = {k0, k0};
    mm_masking *m = mm_masking_create(2, nb, band_hz, &err);
    double en[2] = {1.0, 100.0};
    one_band_frames(m, 2, band, en, 10);
    int absent[2] = {1, 0};
    frames_of(m, 2, band, en, absent, 10);
    mm_automix_input in[2] = {{"kick", MM_ROLE_KICK, "user", &f[0]}, {"bass", MM_ROLE_BASS, "user", &f[1]}};
    mm_automix_config cfg = mm_automix_config_default();
    cfg.use_carve = 0;
    mm_automix_plan *p;
    decide(in, 2, m, &p, &cfg);
    const mm_automix_duck *d = &p->stem[1].duck;
    assert_true(d->enabled);
    double gr = (1.0 - 1.0 / d->ratio) * (f[0].peak10_top_dbfs - 0.5 - d->threshold_db);
    double want = -10.0 * log10(0.5 * pow(10.0, -gr / 10.0) + 0.5);
    printf("# duck %.1f dB, %.2f dB at the strokes: the bass makes up %.3f dB (closed form %.3f)\n", d->depth_db, gr,
           p->stem[1].gain_db, want);
    assert_near(p->stem[1].gain_db, want, 1e-6);
    assert_near(p->stem[1].predicted_lufs, f[1].active_lufs.value, 1e-9);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
}

/* A pad masking the vocal in one band: a cut on the pad only, Q 2, depth
 * min(MSR, 6) at that band; the vocal untouched. */
static void test_masking_cut_rule(void **state)
{
    (void)state;
    int err;
    mm_stem_features f[2];
    f[0] = feat(-23.0); /* vocal at its target */
    f[1] = feat(-27.0); /* pad at its target */
    int k0 = band_near(1000);
    mm_masking *m = mm_masking_create(2, nb, band_hz, &err);
    int band[2] = {k0, k0};
    double en[2] = {1.0, pow(10.0, 1.0)}; /* MSR = 10 - 6 = 4 dB */
    one_band_frames(m, 2, band, en, 20);
    mm_automix_input in[2] = {{"vox", MM_ROLE_LEAD_VOCAL, "user", &f[0]}, {"pad", MM_ROLE_PAD, "user", &f[1]}};
    mm_automix_plan *p;
    decide(in, 2, m, &p, NULL);
    assert_int_equal(p->stem[0].eq_count, 0);
    assert_int_equal(p->stem[1].eq_count, 1);
    assert_int_equal(p->stem[1].eq[0].kind, MM_AUTOMIX_EQ_CUT);
    assert_near(p->stem[1].eq[0].freq_hz, band_hz[k0], 1e-9);
    assert_near(p->stem[1].eq[0].gain_db, -4.0, 1e-3);
    assert_near(p->stem[1].eq[0].q, 2.0, 0);
    printf("# cut: %s\n", p->stem[1].eq[0].reason);
    assert_non_null(strstr(p->stem[1].eq[0].reason, "masks vox"));
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
    /* a strong masker: capped at 6 dB */
    m = mm_masking_create(2, nb, band_hz, &err);
    en[1] = pow(10.0, 2.0);
    one_band_frames(m, 2, band, en, 20);
    decide(in, 2, m, &p, NULL);
    assert_near(p->stem[1].eq[0].gain_db, -6.0, 1e-9);
    assert_true(p->stem[1].eq_count <= 3);
    mm_automix_plan_destroy(p);
    mm_masking_destroy(m);
}

/* Compression only outside the role's norm; threshold for 3.5 dB of gain
 * reduction at the 10 ms peak P90; make-up restores the power. */
static void test_compression_rule(void **state)
{
    (void)state;
    mm_stem_features f[3];
    f[0] = feat(-20);
    f[0].level_spread_db.value = 20; /* vocal norm: 14 */
    f[1] = feat(-20);
    f[1].level_spread_db.value = 10;
    f[2] = feat(-20);
    f[2].crest_db.value = 20; /* drums judged by crest: norm 26 */
    f[2].level_spread_db.value = 30;
    mm_automix_input in[3] = {{"vox", MM_ROLE_LEAD_VOCAL, "user", &f[0]},
                              {"vox2", MM_ROLE_BACKING_VOCAL, "user", &f[1]},
                              {"snare", MM_ROLE_SNARE, "user", &f[2]}};
    mm_automix_plan *p;
    decide(in, 3, NULL, &p, NULL);
    const mm_automix_comp *c = &p->stem[0].comp;
    assert_true(c->enabled);
    assert_near(c->ratio, 4.0, 0);
    assert_near((1 - 1 / c->ratio) * (f[0].peak10_p90_dbfs.value - c->threshold_db), 3.5, 1e-9);
    /* every active block peaks at top - 0.5 dB = -10.5 dBFS (histogram bin 0):
     * the make-up is the static reduction there */
    mm_compressor_config cc = {48000, 1, c->threshold_db, c->ratio, c->knee_db, 10, 100, 0};
    (void)cc;
    double x = f[0].peak10_top_dbfs - 0.5 - c->threshold_db, w = c->knee_db, g;
    if (x > w / 2) g = (1 / c->ratio - 1) * x;
    else g = (1 / c->ratio - 1) * (x + w / 2) * (x + w / 2) / (2 * w);
    assert_near(c->makeup_db, -g, 1e-9);
    printf("# comp: %s; threshold %.2f dB, make-up %.2f dB, attack %.1f ms, release %.1f ms\n", c->reason,
           c->threshold_db, c->makeup_db, c->attack_ms, c->release_ms);
    assert_false(p->stem[1].comp.enabled);
    assert_false(p->stem[2].comp.enabled); /* a snare's crest of 20 dB is normal */
    mm_automix_plan_destroy(p);
}

static void test_roles(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        mm_role role;
    } c[] = {
        {"Kick In.wav", MM_ROLE_KICK},         {"stems/BassDrum.wav", MM_ROLE_KICK},
        {"bvs_2.flac", MM_ROLE_BACKING_VOCAL}, {"Lead Vox.wav", MM_ROLE_LEAD_VOCAL},
        {"gtr-L.aif", MM_ROLE_GUITAR},         {"bass DI.wav", MM_ROLE_BASS},
        {"sub 808.wav", MM_ROLE_BASS},         {"OH L.wav", MM_ROLE_DRUMS},
        {"hihat.wav", MM_ROLE_HATS},           {"Strings.wav", MM_ROLE_STRINGS},
        {"Piano.wav", MM_ROLE_KEYS},           {"lead.wav", MM_ROLE_LEAD},
        {"perc.wav", MM_ROLE_PERC},            {"snare top.wav", MM_ROLE_SNARE},
        {"pad.wav", MM_ROLE_PAD},              {"track 7.wav", MM_ROLE_UNKNOWN},
        {"sax solo.wav", MM_ROLE_WOODWINDS},   {"riser fx.wav", MM_ROLE_FX},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        mm_role r = mm_role_from_filename(c[i].file);
        printf("# %-20s -> %s\n", c[i].file, mm_role_name(r));
        assert_int_equal(r, c[i].role);
    }
    mm_role r;
    for (int k = 0; k < MM_ROLE_COUNT; k++) {
        assert_int_equal(mm_role_parse(mm_role_name((mm_role)k), &r), MM_OK);
        assert_int_equal(r, k);
    }
    assert_int_equal(mm_role_parse("tuba", &r), MM_ERR_INVALID_ARG);
    /* spectral fallback */
    mm_stem_features f = feat(-20);
    f.low_fraction = 0.8;
    f.level_spread_db.value = 8;
    assert_int_equal(mm_role_from_features(&f, NULL, 0), MM_ROLE_BASS);
    f.level_spread_db.value = 17;
    assert_int_equal(mm_role_from_features(&f, NULL, 0), MM_ROLE_KICK);
    f.low_fraction = 0.05;
    f.centroid_hz.value = 7000;
    char why[160];
    assert_int_equal(mm_role_from_features(&f, why, sizeof why), MM_ROLE_HATS);
    assert_non_null(strstr(why, "7000 Hz"));
    f.centroid_hz.value = 1500;
    f.crest_db.value = 19;
    f.level_spread_db.value = 28;
    assert_int_equal(mm_role_from_features(&f, NULL, 0), MM_ROLE_PERC);
    f.low_fraction = 0.5;
    assert_int_equal(mm_role_from_features(&f, NULL, 0), MM_ROLE_SNARE);
    f.crest_db.value = 10;
    f.level_spread_db.value = 6;
    assert_int_equal(mm_role_from_features(&f, NULL, 0), MM_ROLE_UNKNOWN);
}

/* Plans out of range are refused with the field named. */
static void test_validate(void **state)
{
    (void)state;
    int err;
    mm_automix_plan *p = mm_automix_plan_create(2, &err);
    char why[200];
    assert_int_equal(mm_automix_plan_validate(p, why, sizeof why), MM_OK);
    p->stem[1].pan = 1.5;
    assert_int_equal(mm_automix_plan_validate(p, why, sizeof why), MM_ERR_INVALID_ARG);
    assert_string_equal(why, "stems[1].pan: must be -1..1");
    p->stem[1].pan = 0;
    p->stem[0].eq_count = 1;
    p->stem[0].eq[0] = (mm_automix_eq){MM_AUTOMIX_EQ_CUT, 1000, 0.01, -3, ""};
    assert_int_equal(mm_automix_plan_validate(p, why, sizeof why), MM_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "stems[0].eq[0].q"));
    p->stem[0].eq[0].q = 2;
    p->stem[0].duck.enabled = 1;
    p->stem[0].duck.key = 0;
    assert_int_equal(mm_automix_plan_validate(p, why, sizeof why), MM_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "ducking.key"));
    mm_automix_plan_destroy(p);
    assert_null(mm_automix_plan_create(0, &err));
    assert_int_equal(err, MM_ERR_INVALID_ARG);
    assert_null(mm_automix_plan_create(MM_AUTOMIX_MAX_STEMS + 1, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gain_rule),        cmocka_unit_test(test_pan_rule),
        cmocka_unit_test(test_highpass_rule),    cmocka_unit_test(test_masking_metric),
        cmocka_unit_test(test_masking_peaks),    cmocka_unit_test(test_energy_by_level),
        cmocka_unit_test(test_kick_bass_rules),  cmocka_unit_test(test_kick_bass_strokes),
        cmocka_unit_test(test_duck_loudness),    cmocka_unit_test(test_masking_cut_rule),
        cmocka_unit_test(test_compression_rule), cmocka_unit_test(test_roles),
        cmocka_unit_test(test_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
