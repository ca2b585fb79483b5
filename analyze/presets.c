/*
 * Delivery targets and the built-in tonal target curve.
 */
#include "mixmaster/presets.h"

#include <math.h>
#include <strings.h>

static const mm_preset presets[] = {
    { "spotify", "Spotify: -14 LUFS, -1 dBTP (-2 dBTP when louder than -14 LUFS)",
      1, -14.0, -15.0, -13.0, -1.0, -14.0, -2.0,
      "Spotify for Artists, loudness normalization (also Loud -11, Quiet -19)" },
    { "apple", "Apple Music: -16 LUFS, -1 dBTP (Sound Check)",
      1, -16.0, -17.0, -15.0, -1.0, -16.0, -1.0,
      "Apple Digital Masters / Sound Check" },
    { "youtube", "YouTube: -14 LUFS, -1 dBTP (turn-down only)",
      1, -14.0, -15.0, -13.0, -1.0, -14.0, -1.0,
      "YouTube loudness normalization (turn-down only)" },
    { "amazon", "Amazon Music: -14 LUFS, -2 dBTP",
      1, -14.0, -15.0, -13.0, -2.0, -14.0, -2.0,
      "Amazon Music loudness normalization" },
    { "tidal", "Tidal: -14 LUFS, -1 dBTP",
      1, -14.0, -15.0, -13.0, -1.0, -14.0, -1.0,
      "Tidal loudness normalization" },
    { "deezer", "Deezer: -15 LUFS, -1 dBTP",
      1, -15.0, -16.0, -14.0, -1.0, -15.0, -1.0,
      "Deezer loudness normalization" },
    { "ebu-r128", "EBU R128 broadcast: -23 LUFS +-1 LU, -1 dBTP",
      1, -23.0, -24.0, -22.0, -1.0, -23.0, -1.0,
      "EBU R128 (2023) and Tech 3343; -2 dBTP for MP2/AC-3 distribution" },
    { "atsc-a85", "ATSC A/85 US broadcast: -24 LKFS +-2 dB, -2 dBTP",
      1, -24.0, -26.0, -22.0, -2.0, -24.0, -2.0,
      "ATSC A/85:2013" },
    { "aes-streaming", "AES streaming: -16 LUFS per track (loudest <= -14), -1 dBTP",
      1, -16.0, -18.0, -14.0, -1.0, -16.0, -1.0,
      "AES TD1008 (2021), recommendations for loudness of internet audio streaming" },
    { "cd", "CD master: no normalization, typically -12 to -7 LUFS, -1 dBTP if encoded later",
      0, -9.5, -12.0, -7.0, -1.0, -9.5, -1.0,
      "Common mastering practice for CD (Red Book has no loudness target)" },
};

size_t mm_preset_count(void)
{
    return sizeof(presets) / sizeof(presets[0]);
}

const mm_preset *mm_preset_at(size_t i)
{
    return i < mm_preset_count() ? &presets[i] : 0;
}

const mm_preset *mm_preset_find(const char *name)
{
    if (!name) return 0;
    for (size_t i = 0; i < mm_preset_count(); i++)
        if (strcasecmp(presets[i].name, name) == 0) return &presets[i];
    return 0;
}

double mm_preset_ceiling_dbtp(const mm_preset *p, double integrated_lufs)
{
    if (!p) return -1.0;
    if (integrated_lufs > p->loud_lufs && p->loud_true_peak_dbtp < p->true_peak_dbtp)
        return p->loud_true_peak_dbtp;
    return p->true_peak_dbtp;
}

/* (Hz, dB re 1 kHz) points of the mid target; beyond the ends it falls
 * 12 dB per octave below 20 Hz and 24 dB per octave above 20 kHz. */
static const double target_points[][2] = {
    {20.0, -4.0},    {30.0, 2.0},     {40.0, 5.0},     {63.0, 6.0},     {125.0, 5.0},
    {250.0, 3.0},    {500.0, 1.5},    {1000.0, 0.0},   {2000.0, -2.5},  {4000.0, -4.5},
    {8000.0, -5.5},  {12000.0, -6.5}, {16000.0, -8.5}, {20000.0, -14.0},
};
#define TARGET_POINTS (sizeof(target_points) / sizeof(target_points[0]))

double mm_target_mid_db(double hz)
{
    if (!(hz > 0.0)) return -120.0;
    double db;
    if (hz <= target_points[0][0]) {
        db = target_points[0][1] - 12.0 * log2(target_points[0][0] / hz);
    } else if (hz >= target_points[TARGET_POINTS - 1][0]) {
        db = target_points[TARGET_POINTS - 1][1] - 24.0 * log2(hz / target_points[TARGET_POINTS - 1][0]);
    } else {
        size_t i = 1;
        while (hz > target_points[i][0]) i++;
        const double f0 = target_points[i - 1][0], f1 = target_points[i][0];
        const double d0 = target_points[i - 1][1], d1 = target_points[i][1];
        db = d0 + (d1 - d0) * log2(hz / f0) / log2(f1 / f0);
    }
    return db < -120.0 ? -120.0 : db;
}

double mm_target_side_db(double hz)
{
    if (!(hz > 0.0)) return -120.0;
    double db = mm_target_mid_db(hz) - 10.0;
    if (hz < 300.0) db -= 6.0 * log2(300.0 / hz);
    return db < -120.0 ? -120.0 : db;
}
