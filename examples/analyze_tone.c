/* Library example: measure a synthesised stereo tone with libmixmaster.
 * Build against an installed copy:
 *   cc analyze_tone.c $(pkg-config --cflags --libs mixmaster) -lm -o analyze_tone */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <mixmaster/analyze.h>

int main(void)
{
    enum { FS = 48000, FRAMES = 10 * FS };
    float *left = malloc(FRAMES * sizeof *left), *right = malloc(FRAMES * sizeof *right);
    if (!left || !right) return 1;
    for (int i = 0; i < FRAMES; i++) left[i] = right[i] = 0.1f * sinf(6.2831853f * 997.0f * i / FS);

    int err;
    mm_analyze_config cfg = mm_analyze_config_default(FS, 2);
    mm_analyzer *a = mm_analyzer_create(&cfg, &err);
    if (!a) {
        fprintf(stderr, "analyzer: %s\n", mm_strerror(err));
        return 1;
    }
    const float *const planar[2] = {left, right};
    mm_analyzer_process(a, planar, FRAMES); /* any block size, any number of calls */
    mm_analysis r;
    mm_analyzer_finish(a, &r);
    if (r.integrated_lufs.reason == MM_REASON_NONE)
        printf("%.2f LUFS, true peak %.2f dBTP, PLR %.2f dB\n", r.integrated_lufs.value, r.true_peak_dbtp.value,
               r.plr_db.value);
    else
        printf("no loudness: %s\n", mm_reason_string(r.integrated_lufs.reason));
    mm_analyzer_destroy(a);
    free(left);
    free(right);
    return 0;
}
