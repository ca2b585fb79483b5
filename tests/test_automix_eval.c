/*
 * Automix judged on the corpus song, whose reference balance (balance.json,
 * measured by the corpus generator's own meter) is the answer:
 *  - recovery (DOMAIN.md section 5): the stems, at their reference balance,
 *    get random gains (+-12 dB) and pans baked in (seeded, 24 trials);
 *    automix must bring each stem's loudness in the mix back to the
 *    reference, mean removed: mean absolute error <= 2 LU, none over 4 LU.
 *    The do-nothing and equal-loudness baselines are printed beside it.
 *  - invariance: all inputs 6 dB hotter change only the gains (by -6 dB).
 *  - idempotence: automix on its own output stems changes nothing by more
 *    than 0.5 dB: no stem's loudness in the mix or side of its pan, no
 *    1/3-octave band of the mix's spectrum (level removed), and no move of
 *    the second plan (level, EQ response where the stem has power, duck).
 *    On the corpus song and on its 808 variant (mm-corpus --bass 808),
 *    whose bass masks the kick's strokes so that the first run carves and
 *    ducks it.
 *  - masking: on the 808 variant the bass masks the kick; kick/bass M and
 *    MCF go down (30-250 Hz, and at the kick's strokes below the trigger),
 *    and the kick keeps its level in its fundamental band.
 *  - peaks: the bus is float; the master gain lands the true peak at -6 dBTP.
 */
#include "testutil.h"
#include "automix_harness.h"
#include "mixmaster/analyze.h"

#define SONG_SECONDS 8.0
#define TRIALS 24

static char dir[256];
static ah_song song, song808;

static int setup(void **state)
{
    (void)state;
    char sub[300];
    snprintf(dir, sizeof dir, "/tmp/mm-automix-eval-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    for (int v = 0; v < 2; v++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, v ? "808" : "saw");
        if (ah_make_song(sub, SONG_SECONDS, 1, v ? "808" : NULL) != 0) {
            fprintf(stderr, "test_automix_eval: mm-corpus failed (is it built?)\n");
            return -1;
        }
        if (ah_load_song(sub, v ? &song808 : &song) != 0) return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ah_free_song(&song);
    ah_free_song(&song808);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The stems of `sg` at their reference balance, then each given
 * `extra_db[i]` and, when pan is not NULL, panned (mono stems become a
 * panned stereo pair, stereo stems are balanced) with constant power. */
static void perturbed_song(const ah_song *sg, ah_stems *out, const double *extra_db, const double *pan)
{
    memset(out, 0, sizeof *out);
    out->n = sg->n;
    out->frames = sg->frames;
    out->fs = sg->fs;
    for (int i = 0; i < sg->n; i++) {
        memcpy(out->name[i], sg->name[i], sizeof out->name[i]);
        double g = pow(10.0, (sg->ref_gain_db[i] + extra_db[i]) / 20.0);
        double gl = 1, gr = 1;
        if (pan) {
            double th = (pan[i] + 1.0) * M_PI / 4.0;
            gl = cos(th) * (sg->ch[i] == 2 ? sqrt(2.0) : 1.0);
            gr = sin(th) * (sg->ch[i] == 2 ? sqrt(2.0) : 1.0);
        }
        out->ch[i] = pan ? 2 : sg->ch[i];
        for (int c = 0; c < out->ch[i]; c++) {
            out->x[i][c] = malloc(sg->frames * sizeof(float));
            const float *src = sg->x[i][sg->ch[i] == 2 ? c : 0];
            double gc = g * (pan ? (c == 0 ? gl : gr) : 1.0);
            for (size_t n = 0; n < sg->frames; n++) out->x[i][c][n] = (float)(gc * src[n]);
        }
    }
}

static void perturbed(ah_stems *out, const double *extra_db, const double *pan)
{
    perturbed_song(&song, out, extra_db, pan);
}

/* Run automix on stems; fills the per-stem loudness in the mix and returns
 * the plan. `analysis` (may be NULL) receives the analysis it decided on
 * (the caller destroys its masking). */
static mm_automix_plan *automix_full(const ah_stems *in, double *lufs_in_mix, ah_stems *rendered, double *bus_tp,
                                     ah_analysis *analysis)
{
    ah_analysis a;
    ah_analyse(in, 0, &a);
    mm_automix_config cfg = mm_automix_config_default();
    mm_automix_plan *p = ah_decide(in, &a, &cfg);
    ah_stems r;
    double tp;
    ah_render(in, p, &r, &tp);
    for (int i = 0; i < in->n; i++) lufs_in_mix[i] = ah_lufs(r.x[i], 2, r.frames, r.fs);
    if (bus_tp) *bus_tp = tp;
    if (rendered) *rendered = r;
    else ah_free_stems(&r);
    if (analysis) *analysis = a;
    else mm_masking_destroy(a.mask);
    return p;
}

static mm_automix_plan *automix(const ah_stems *in, double *lufs_in_mix, ah_stems *rendered, double *bus_tp)
{
    return automix_full(in, lufs_in_mix, rendered, bus_tp, NULL);
}

static void test_recovery(void **state)
{
    (void)state;
    double sum_mae = 0, worst = 0, base_mae = 0, base_worst = 0, eq_mae, eq_worst;
    int n = song.n;
    double e[AH_MAX];
    /* equal loudness: every stem at the same loudness */
    double flat[AH_MAX] = {0};
    ah_errors(flat, song.ref_in_mix_lufs, n, &eq_mae, &eq_worst, e);
    for (int t = 0; t < TRIALS; t++) {
        double d[AH_MAX], pan[AH_MAX], got[AH_MAX], before[AH_MAX], mae, mx;
        for (int i = 0; i < n; i++) {
            d[i] = 12.0 * tu_uniform();
            /* mono stems become a panned pair anywhere in +-0.9; stereo
             * stems are balanced within +-0.5 (a balance control cannot
             * move what only one side holds, so the test does not ask it to) */
            pan[i] = (song.ch[i] == 2 ? 0.5 : 0.9) * tu_uniform();
        }
        ah_stems in;
        perturbed(&in, d, pan);
        for (int i = 0; i < n; i++) before[i] = ah_lufs(in.x[i], 2, in.frames, in.fs);
        mm_automix_plan *p = automix(&in, got, NULL, NULL);
        ah_errors(got, song.ref_in_mix_lufs, n, &mae, &mx, e);
        double bm, bx, eb[AH_MAX];
        ah_errors(before, song.ref_in_mix_lufs, n, &bm, &bx, eb);
        printf("# trial %2d: automix MAE %.2f LU, max %.2f LU (do nothing: MAE %.2f, max %.2f)\n", t, mae, mx, bm, bx);
        if (!(mae <= 2.0 && mx <= 4.0))
            for (int i = 0; i < n; i++)
                printf("#   %-6s perturbed %+6.2f dB pan %+.2f -> gain %+6.2f dB, error %+.2f LU\n", song.name[i], d[i],
                       pan[i], p->stem[i].gain_db, e[i]);
        assert_true(mae <= 2.0);
        assert_true(mx <= 4.0);
        sum_mae += mae;
        if (mx > worst) worst = mx;
        base_mae += bm;
        if (bx > base_worst) base_worst = bx;
        mm_automix_plan_destroy(p);
        ah_free_stems(&in);
    }
    printf("# recovery over %d trials (+-12 dB, random pans), per-stem loudness in the mix vs the reference, mean removed:\n",
           TRIALS);
    printf("#   automix        mean MAE %.2f LU, worst stem %.2f LU   (limits 2 and 4)\n", sum_mae / TRIALS, worst);
    printf("#   do nothing     mean MAE %.2f LU, worst stem %.2f LU\n", base_mae / TRIALS, base_worst);
    printf("#   equal loudness      MAE %.2f LU, worst stem %.2f LU\n", eq_mae, eq_worst);
}

/* Every input 6 dB hotter: gains 6 dB lower, every other decision and the
 * rendered stems unchanged. */
static void test_invariance(void **state)
{
    (void)state;
    double z[AH_MAX] = {0}, hot[AH_MAX], l0[AH_MAX], l1[AH_MAX];
    for (int i = 0; i < song.n; i++) hot[i] = 6.0;
    ah_stems a, b;
    perturbed(&a, z, NULL);
    perturbed(&b, hot, NULL);
    mm_automix_plan *p0 = automix(&a, l0, NULL, NULL), *p1 = automix(&b, l1, NULL, NULL);
    for (int i = 0; i < song.n; i++) {
        const mm_automix_stem *s0 = &p0->stem[i], *s1 = &p1->stem[i];
        printf("# %-6s gain %+7.3f / %+7.3f dB, in mix %.3f / %.3f LUFS\n", s0->name, s0->gain_db, s1->gain_db, l0[i], l1[i]);
        assert_near(s1->gain_db, s0->gain_db - 6.0, 0.05);
        assert_near(s1->pan, s0->pan, 1e-3);
        for (int k = 0; k < s0->eq_count || k < s1->eq_count; k++)
            printf("#   eq %d: %s %.1f Hz %+.2f dB / %s %.1f Hz %+.2f dB\n", k, mm_automix_eq_kind_name(s0->eq[k].kind),
                   s0->eq[k].freq_hz, s0->eq[k].gain_db, mm_automix_eq_kind_name(s1->eq[k].kind), s1->eq[k].freq_hz,
                   s1->eq[k].gain_db);
        assert_int_equal(s1->eq_count, s0->eq_count);
        for (int k = 0; k < s0->eq_count; k++) {
            assert_int_equal(s1->eq[k].kind, s0->eq[k].kind);
            assert_near(s1->eq[k].freq_hz, s0->eq[k].freq_hz, 0.01 * s0->eq[k].freq_hz);
            assert_near(s1->eq[k].gain_db, s0->eq[k].gain_db, 0.1);
        }
        assert_int_equal(s1->comp.enabled, s0->comp.enabled);
        if (s0->comp.enabled) assert_near(s1->comp.threshold_db, s0->comp.threshold_db + 6.0, 0.11);
        assert_int_equal(s1->duck.enabled, s0->duck.enabled);
        if (s0->duck.enabled) assert_near(s1->duck.threshold_db, s0->duck.threshold_db + 6.0, 0.11);
        assert_near(l1[i], l0[i], 0.05);
    }
    mm_automix_plan_destroy(p0);
    mm_automix_plan_destroy(p1);
    ah_free_stems(&a);
    ah_free_stems(&b);
}

/* Long-term 1/3-octave mid spectrum (dB) of the sum of rendered stems. */
static void mix_spectrum(const ah_stems *r, double *out)
{
    int err;
    float *mix[2] = {calloc(r->frames, sizeof(float)), calloc(r->frames, sizeof(float))};
    for (int i = 0; i < r->n; i++)
        for (int c = 0; c < 2; c++)
            for (size_t n = 0; n < r->frames; n++) mix[c][n] += r->x[i][c][n];
    mm_analyze_config ac = mm_analyze_config_default(r->fs, 2);
    mm_analyzer *a = mm_analyzer_create(&ac, &err);
    mm_analyzer_process(a, (const float *const *)mix, r->frames);
    mm_analysis res;
    mm_analyzer_finish(a, &res);
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++)
        out[b] = res.mid_band_db[b].reason == MM_REASON_NONE ? res.mid_band_db[b].value : NAN;
    mm_analyzer_destroy(a);
    free(mix[0]);
    free(mix[1]);
}

/* Automix on its own output stems (the first run's stems as they sit in
 * the mix, before any master gain), on song `sg` with its stems first put
 * off balance by up to 8 dB. Nothing may move by more than 0.5 dB:
 *  - each stem's loudness in the mix (common level removed) and each side
 *    of its pan;
 *  - every 1/3-octave band of the mix's long-term mid spectrum that has a
 *    value (the mixes' common level removed);
 *  - the second plan: the loudness it moves each stem by (gain plus what
 *    EQ, pan and ducking take), the response of its EQ in every ERB band
 *    where the stem has power (within 30 dB of its strongest band), a duck.
 * Returns whether the first run carved and ducked the bass. */
static int idempotence_on(const ah_song *sg, const char *label)
{
    const int n = sg->n;
    double d[AH_MAX] = {0}, l1[AH_MAX], l2[AH_MAX], mae, mx, e[AH_MAX];
    for (int i = 0; i < n; i++) d[i] = 8.0 * tu_uniform();
    ah_stems in, out1, out2;
    ah_analysis a2;
    perturbed_song(sg, &in, d, NULL);
    mm_automix_plan *p1 = automix(&in, l1, &out1, NULL);
    mm_automix_plan *p2 = automix_full(&out1, l2, &out2, NULL, &a2);
    ah_errors(l2, l1, n, &mae, &mx, e);
    int moved = 0;
    double worst_level = 0, worst_eq = 0;
    for (int i = 0; i < n; i++) {
        const mm_automix_stem *s1 = &p1->stem[i], *s2 = &p2->stem[i];
        const mm_stem_features *f = &a2.f[i];
        printf("# %s %-6s first run gain %+6.2f dB pan %+.2f, %d EQ%s; second run gain %+6.2f dB pan %+.2f, %d EQ%s, "
               "loudness %+.2f dB\n",
               label, s1->name, s1->gain_db, s1->pan, s1->eq_count, s1->duck.enabled ? ", duck" : "", s2->gain_db,
               s2->pan, s2->eq_count, s2->duck.enabled ? ", duck" : "", e[i]);
        for (int k = 0; k < s1->eq_count; k++)
            if (s1->eq[k].kind == MM_AUTOMIX_EQ_CARVE) moved |= 1;
        if (s1->duck.enabled) moved |= 2;
        /* where the stem sits: each side's pan gain moves by 0.5 dB at most */
        double t1 = (s1->pan + 1) * M_PI / 4, t2 = (s2->pan + 1) * M_PI / 4;
        assert_true(fabs(tu_db(cos(t2) / cos(t1))) <= 0.5 && fabs(tu_db(sin(t2) / sin(t1))) <= 0.5);
        /* the second plan: the loudness it gives or takes */
        double level = s2->silent ? 0.0 : s2->predicted_lufs - s2->input_lufs;
        worst_level = fmax(worst_level, fabs(level));
        assert_true(fabs(level) <= 0.5);
        /* its EQ where the stem has power */
        double top = -1e9, eq = 0;
        for (int k = 0; k < f->bands; k++) top = fmax(top, f->erb_db[k]);
        for (int k = 0; k < f->bands; k++)
            if (f->erb_db[k] >= top - 30.0)
                eq = fmax(eq, fabs(mm_automix_eq_response_db(s2, f->sample_rate, f->band_hz[k])));
        worst_eq = fmax(worst_eq, eq);
        if (level != 0.0 || eq > 0.05)
            printf("#   second plan moves it by %+.2f dB, its EQ by %.2f dB at most where it has power\n", level, eq);
        assert_true(eq <= 0.5);
        assert_true(!s2->duck.enabled || s2->duck.depth_db <= 0.5);
    }
    printf("# %s idempotence: loudness in the mix moved by at most %.2f dB (mean %.2f); the second plan moves a "
           "stem's level by %.2f dB and its EQ by %.2f dB at most\n",
           label, mx, mae, worst_level, worst_eq);
    assert_true(mx <= 0.5);
    /* the mixes' long-term 1/3-octave spectra (mid), level removed */
    double sp1[MM_THIRD_OCTAVE_BANDS], sp2[MM_THIRD_OCTAVE_BANDS];
    mix_spectrum(&out1, sp1);
    mix_spectrum(&out2, sp2);
    double off = 0, worst = 0, wf = 0;
    int nbands = 0;
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++)
        if (isfinite(sp1[b]) && isfinite(sp2[b])) {
            off += sp2[b] - sp1[b];
            nbands++;
        }
    assert_true(nbands > 0);
    off /= nbands;
    for (int b = 0; b < MM_THIRD_OCTAVE_BANDS; b++) {
        /* a band that has a value in one mix has one in the other */
        assert_int_equal(isfinite(sp1[b]), isfinite(sp2[b]));
        if (isfinite(sp1[b]) && fabs(sp2[b] - sp1[b] - off) > worst) {
            worst = fabs(sp2[b] - sp1[b] - off);
            wf = 1000.0 * pow(2.0, (b - 17) / 3.0);
        }
    }
    printf("# %s idempotence: the mix's 1/3-octave spectrum moved by at most %.2f dB (at %.0f Hz, %d bands)\n", label,
           worst, wf, nbands);
    assert_true(worst <= 0.5);
    mm_masking_destroy(a2.mask);
    mm_automix_plan_destroy(p1);
    mm_automix_plan_destroy(p2);
    ah_free_stems(&in);
    ah_free_stems(&out1);
    ah_free_stems(&out2);
    return moved;
}

static void test_idempotence(void **state)
{
    (void)state;
    idempotence_on(&song, "song");
}

/* The 808 variant: the first run carves and ducks the bass, the second
 * leaves it alone. */
static void test_idempotence_808(void **state)
{
    (void)state;
    assert_int_equal(idempotence_on(&song808, "808"), 3);
}

static int find(const ah_song *sg, const char *name)
{
    for (int i = 0; i < sg->n; i++)
        if (!strcmp(sg->name[i], name)) return i;
    return -1;
}

/* Kick and bass on the 808 variant: masking at the planned gains alone
 * (before) and measured on the rendered stems (after), over 30-250 Hz and at
 * the kick's strokes (the figure the rule judges); the kick's fundamental
 * band keeps its level. */
static void test_kick_bass_masking(void **state)
{
    (void)state;
    double z[AH_MAX] = {0};
    ah_stems in, out;
    perturbed_song(&song808, &in, z, NULL);
    ah_analysis a;
    ah_analyse(&in, 0, &a);
    mm_automix_config cfg = mm_automix_config_default();
    mm_automix_plan *p = ah_decide(&in, &a, &cfg);
    double tp;
    ah_render(&in, p, &out, &tp);
    int k = find(&song808, "kick"), b = find(&song808, "bass");
    assert_true(k >= 0 && b >= 0);
    ah_analysis after;
    ah_analyse(&out, 0, &after);
    mm_masking_result before_r, after_r, before_s, after_s;
    /* before: the plan's gains alone (mono kick and bass: pan keeps power) */
    mm_masking_pair(a.mask, b, k, p->stem[b].gain_db, p->stem[k].gain_db, 30, 250, NULL, &before_r);
    mm_masking_pair(after.mask, b, k, 0, 0, 30, 250, NULL, &after_r);
    /* at the strokes, before: the gains that put each stem at its target
     * (the plan's bass gain also makes up what the cut and duck take) */
    double gb = p->stem[b].target_lufs - p->stem[b].input_lufs, gk = p->stem[k].target_lufs - p->stem[k].input_lufs;
    mm_masking_pair_peaks(a.mask, b, k, gb, gk, 30, 250, NULL, &before_s);
    mm_masking_pair_peaks(after.mask, b, k, 0, 0, 30, 250, NULL, &after_s);
    printf("# bass -> kick, 30-250 Hz: M %.2f -> %.2f dB, MCF %.3f -> %.3f\n", before_r.m_db, after_r.m_db, before_r.mcf,
           after_r.mcf);
    printf("# bass -> kick at the kick's strokes, 30-250 Hz: M %.2f -> %.2f dB, MCF %.3f -> %.3f (trigger: M > %.1f and "
           "MCF > %.2f)\n",
           before_s.m_db, after_s.m_db, before_s.mcf, after_s.mcf, cfg.mask_m_db, cfg.mask_mcf);
    for (int e = 0; e < p->stem[b].eq_count; e++) printf("# bass EQ: %s\n", p->stem[b].eq[e].reason);
    if (p->stem[b].duck.enabled) printf("# bass duck %.1f dB: %s\n", p->stem[b].duck.depth_db, p->stem[b].duck.reason);
    /* the 808 does mask the kick's strokes, and no longer does after */
    assert_true(before_s.m_db > cfg.mask_m_db && before_s.mcf > cfg.mask_mcf);
    assert_false(after_s.m_db > cfg.mask_m_db && after_s.mcf > cfg.mask_mcf);
    assert_true(after_s.m_db < before_s.m_db);
    assert_true(after_s.mcf < before_s.mcf);
    assert_true(after_r.m_db < before_r.m_db);
    assert_true(after_r.mcf < before_r.mcf);
    int carved = 0;
    for (int e = 0; e < p->stem[b].eq_count; e++) carved |= p->stem[b].eq[e].kind == MM_AUTOMIX_EQ_CARVE;
    assert_true(carved);
    assert_true(p->stem[b].duck.enabled);
    assert_int_equal(p->stem[b].duck.key, k);
    /* the kick's level in the ERB band of its fundamental: input plus its
     * gain, nothing taken away */
    double f0 = a.f[k].low_peak_hz.value;
    int band = 0;
    for (int z2 = 0; z2 < a.f[k].bands; z2++)
        if (fabs(a.f[k].band_hz[z2] - f0) < fabs(a.f[k].band_hz[band] - f0)) band = z2;
    double want = a.f[k].erb_db[band] + p->stem[k].gain_db, got = after.f[k].erb_db[band];
    printf("# kick fundamental %.1f Hz: band level %.2f dB, gain-only %.2f dB\n", f0, got, want);
    assert_true(got >= want - 0.1);
    /* peaks: a master gain of min(0, -6 - bus) puts the true peak at or below -6 dBTP */
    double mg = mm_automix_master_gain_db(p, tp);
    printf("# bus true peak %.2f dBTP, master gain %+.2f dB\n", tp, mg);
    assert_true(tp + mg <= -6.0 + 1e-9);
    mm_masking_destroy(a.mask);
    mm_masking_destroy(after.mask);
    mm_automix_plan_destroy(p);
    ah_free_stems(&in);
    ah_free_stems(&out);
}

/* The corpus song's saw bass masks the kick's decay (M over 30-250 Hz above
 * the trigger) but not its strokes: the rule leaves it alone. */
static void test_kick_bass_saw(void **state)
{
    (void)state;
    double z[AH_MAX] = {0};
    ah_stems in;
    perturbed(&in, z, NULL);
    ah_analysis a;
    ah_analyse(&in, 0, &a);
    mm_automix_config cfg = mm_automix_config_default();
    mm_automix_plan *p = ah_decide(&in, &a, &cfg);
    int k = find(&song, "kick"), b = find(&song, "bass");
    assert_true(k >= 0 && b >= 0);
    double gb = p->stem[b].target_lufs - p->stem[b].input_lufs, gk = p->stem[k].target_lufs - p->stem[k].input_lufs;
    mm_masking_result all, strokes;
    mm_masking_pair(a.mask, b, k, gb, gk, 30, 250, NULL, &all);
    mm_masking_pair_peaks(a.mask, b, k, gb, gk, 30, 250, NULL, &strokes);
    printf("# saw bass -> kick, 30-250 Hz: M %.2f dB, MCF %.3f; at the kick's strokes: M %.2f dB, MCF %.3f\n", all.m_db,
           all.mcf, strokes.m_db, strokes.mcf);
    assert_true(all.m_db > cfg.mask_m_db && all.mcf > cfg.mask_mcf);
    assert_false(strokes.m_db > cfg.mask_m_db && strokes.mcf > cfg.mask_mcf);
    assert_int_equal(p->stem[b].eq_count, 0);
    assert_false(p->stem[b].duck.enabled);
    mm_masking_destroy(a.mask);
    mm_automix_plan_destroy(p);
    ah_free_stems(&in);
}

/* The masking metric at STFT hop 1024 (the default, half the cost) against
 * the hop 512 of DOMAIN.md section 5, on every ordered pair of the song. */
static void test_hop_choice(void **state)
{
    (void)state;
    double z[AH_MAX] = {0};
    ah_stems in;
    perturbed(&in, z, NULL);
    ah_analysis a512, a1024;
    ah_analyse(&in, 512, &a512);
    ah_analyse(&in, 1024, &a1024);
    double worst_m = 0, worst_c = 0, mean_m = 0;
    int pairs = 0, wx = 0, wy = 0;
    for (int x = 0; x < in.n; x++)
        for (int y = 0; y < in.n; y++) {
            if (x == y) continue;
            mm_masking_result r1, r2;
            mm_masking_pair(a512.mask, x, y, 0, 0, 0, 1e9, NULL, &r1);
            mm_masking_pair(a1024.mask, x, y, 0, 0, 0, 1e9, NULL, &r2);
            if (fabs(r1.m_db - r2.m_db) > worst_m) {
                worst_m = fabs(r1.m_db - r2.m_db);
                wx = x;
                wy = y;
            }
            worst_c = fmax(worst_c, fabs(r1.mcf - r2.mcf));
            mean_m += fabs(r1.m_db - r2.m_db);
            pairs++;
        }
    printf("# hop 1024 vs 512 over %d pairs: M differs by %.3f dB at most (%s on %s; mean %.3f), MCF by %.4f at most\n",
           pairs, worst_m, in.name[wx], in.name[wy], mean_m / pairs, worst_c);
    assert_true(mean_m / pairs <= 0.2);
    assert_true(worst_m <= 1.0);
    assert_true(worst_c <= 0.05);
    mm_masking_destroy(a512.mask);
    mm_masking_destroy(a1024.mask);
    ah_free_stems(&in);
}

/* With names that say nothing, the spectrum finds the drums and the bass. */
static void test_roles_by_spectrum(void **state)
{
    (void)state;
    double z[AH_MAX] = {0};
    ah_stems in;
    perturbed(&in, z, NULL);
    ah_analysis a;
    ah_analyse(&in, 0, &a);
    static const struct {
        const char *name;
        mm_role role;
    } want[] = {{"kick", MM_ROLE_KICK}, {"bass", MM_ROLE_BASS}, {"hats", MM_ROLE_HATS},
                {"snare", MM_ROLE_SNARE}, {"perc", MM_ROLE_PERC}};
    for (int i = 0; i < in.n; i++) {
        char why[160];
        mm_role r = mm_role_from_features(&a.f[i], why, sizeof why);
        printf("# %-6s -> %-8s (%s)\n", in.name[i], mm_role_name(r), why);
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
            if (!strcmp(want[k].name, in.name[i])) assert_int_equal(r, want[k].role);
    }
    mm_masking_destroy(a.mask);
    ah_free_stems(&in);
}

int main(void)
{
    tu_seed_init("test_automix_eval");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovery),          cmocka_unit_test(test_invariance),
        cmocka_unit_test(test_idempotence),       cmocka_unit_test(test_idempotence_808),
        cmocka_unit_test(test_kick_bass_masking), cmocka_unit_test(test_kick_bass_saw),
        cmocka_unit_test(test_hop_choice),        cmocka_unit_test(test_roles_by_spectrum),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
