/*
 * Delivery presets and the built-in tonal target. References: the published
 * platform figures (DOMAIN notes, section 3) and the curve's defining slopes
 * written out here.
 */
#include "testutil.h"

#include <string.h>

#include "mixmaster/presets.h"

static void test_table(void **state)
{
    (void)state;
    const char *names[] = {"spotify", "apple", "youtube", "amazon", "tidal", "deezer",
                           "ebu-r128", "atsc-a85", "aes-streaming", "cd"};
    const double lufs[] = {-14, -16, -14, -14, -14, -15, -23, -24, -16, -9.5};
    const double tp[] = {-1, -1, -1, -2, -1, -1, -1, -2, -1, -1};
    assert_int_equal(mm_preset_count(), 10);
    for (int i = 0; i < 10; i++) {
        const mm_preset *p = mm_preset_find(names[i]);
        assert_non_null(p);
        assert_string_equal(p->name, names[i]);
        assert_near(p->integrated_lufs, lufs[i], 0.0);
        assert_near(p->true_peak_dbtp, tp[i], 0.0);
        assert_true(p->lufs_low <= p->integrated_lufs && p->integrated_lufs <= p->lufs_high);
        assert_true(p->source && p->source[0] && p->description && p->description[0]);
        assert_ptr_equal(mm_preset_at((size_t)i), p); /* listing order is the table order */
    }
    assert_null(mm_preset_at(10));
    assert_ptr_equal(mm_preset_find("SPOTIFY"), mm_preset_find("spotify"));
    assert_null(mm_preset_find("spotifyx"));
    assert_null(mm_preset_find(NULL));
    assert_int_equal(mm_preset_find("cd")->has_loudness_target, 0);
    assert_int_equal(mm_preset_find("apple")->has_loudness_target, 1);
}

/* Spotify asks for -2 dBTP once a master is louder than -14 LUFS. */
static void test_loud_ceiling(void **state)
{
    (void)state;
    const mm_preset *s = mm_preset_find("spotify");
    assert_near(mm_preset_ceiling_dbtp(s, -16.0), -1.0, 0.0);
    assert_near(mm_preset_ceiling_dbtp(s, -14.0), -1.0, 0.0);
    assert_near(mm_preset_ceiling_dbtp(s, -9.0), -2.0, 0.0);
    const mm_preset *a = mm_preset_find("apple");
    assert_near(mm_preset_ceiling_dbtp(a, -9.0), -1.0, 0.0);
}

/* The curve passes through its defining points, interpolates linearly in
 * log-frequency between them, and its four-band balance (power summed over
 * the tonal bands, relative to the total, integrated numerically here on a
 * fine log grid) is the one the header states. */
static void test_target_curve(void **state)
{
    (void)state;
    assert_near(mm_target_mid_db(1000.0), 0.0, 1e-12);
    assert_near(mm_target_mid_db(63.0), 6.0, 1e-12);
    assert_near(mm_target_mid_db(8000.0), -5.5, 1e-12);
    assert_near(mm_target_mid_db(sqrt(1000.0 * 2000.0)), -1.25, 1e-9);
    assert_near(mm_target_mid_db(10.0), -4.0 - 12.0, 1e-9);
    assert_near(mm_target_mid_db(40000.0), -14.0 - 24.0, 1e-9);
    /* side 10 dB under the mid above 300 Hz, a further 6 dB/octave below */
    assert_near(mm_target_side_db(2000.0), mm_target_mid_db(2000.0) - 10.0, 1e-12);
    assert_near(mm_target_side_db(75.0), mm_target_mid_db(75.0) - 10.0 - 12.0, 1e-9);
    assert_true(mm_target_mid_db(0.0) <= -120.0 && mm_target_side_db(-5.0) <= -120.0);
    assert_true(mm_target_mid_db(1e9) >= -120.0);

    const double edges[5] = {20.0, 250.0, 2000.0, 8000.0, 20000.0};
    const double expect[4] = {-1.7, -6.0, -12.8, -17.7};
    double acc[4] = {0}, tot = 0.0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        const double f = 20.0 * pow(1000.0, (i + 0.5) / n); /* 20 Hz .. 20 kHz */
        const double p = pow(10.0, mm_target_mid_db(f) / 10.0);
        tot += p;
        for (int b = 0; b < 4; b++)
            if (f >= edges[b] && f < edges[b + 1]) acc[b] += p;
    }
    for (int b = 0; b < 4; b++) assert_near(10.0 * log10(acc[b] / tot), expect[b], 0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_loud_ceiling),
        cmocka_unit_test(test_target_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
