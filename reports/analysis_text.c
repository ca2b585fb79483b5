/* Analysis results as a text summary a person reads at a glance. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/report.h"
#include "internal.h"

/* "-14.2 LUFS" (with `decimals`) or "n/a (silent)". */
static void sb_measure(mm__strbuf *b, mm_measure m, int decimals, const char *unit)
{
    if (m.reason != MM_REASON_NONE) {
        mm__sb_printf(b, "n/a (%s)", mm_reason_string(m.reason));
        return;
    }
    mm__sb_printf(b, "%.*f", decimals, m.value);
    if (unit && *unit) mm__sb_printf(b, " %s", unit);
}

static void file_text(mm__strbuf *b, const mm_file_result *f)
{
    const mm_analysis *r = f->analysis;
    if (!r) {
        mm__sb_printf(b, "%s\n  error: %s\n", f->info.path, f->error ? f->error : "unknown error");
        return;
    }
    double d = r->duration_s;
    int mins = (int)(d / 60.0);
    mm__sb_printf(b, "%s  (%s %s, %.0f Hz, %d ch, %d:%06.3f)\n", f->info.path,
              f->info.container ? f->info.container : "?", f->info.encoding ? f->info.encoding : "?",
              r->sample_rate, r->channels, mins, d - 60.0 * mins);
    mm__sb_printf(b, "  Loudness  integrated ");
    sb_measure(b, r->integrated_lufs, 1, "LUFS");
    mm__sb_printf(b, "   range ");
    sb_measure(b, r->loudness_range_lu, 1, "LU");
    mm__sb_printf(b, "   max momentary ");
    sb_measure(b, r->momentary_max_lufs, 1, "LUFS");
    mm__sb_printf(b, "   max short-term ");
    sb_measure(b, r->shortterm_max_lufs, 1, "LUFS");
    if (r->channels == 1) mm__sb_printf(b, "   (mono as %s)", r->dual_mono ? "dual mono" : "one channel");
    mm__sb_printf(b, "\n  Peaks     true peak ");
    sb_measure(b, r->true_peak_dbtp, 2, "dBTP");
    mm__sb_printf(b, "   sample peak ");
    sb_measure(b, r->sample_peak_dbfs, 2, "dBFS");
    mm__sb_printf(b, "\n  Dynamics  PLR ");
    sb_measure(b, r->plr_db, 1, "dB");
    mm__sb_printf(b, "   PSR ");
    sb_measure(b, r->psr_db, 1, "dB");
    mm__sb_printf(b, "   crest ");
    sb_measure(b, r->crest_db, 1, "dB");
    mm__sb_printf(b, "   RMS ");
    sb_measure(b, r->rms_dbfs, 1, "dBFS");
    if (r->channels == 2) {
        mm__sb_printf(b, "\n  Stereo    correlation ");
        sb_measure(b, r->correlation, 2, "");
        mm__sb_printf(b, " (below 120 Hz ");
        sb_measure(b, r->correlation_low, 2, "");
        mm__sb_printf(b, ", lowest ");
        sb_measure(b, r->correlation_min, 2, "");
        mm__sb_printf(b, ")   side/mid ");
        sb_measure(b, r->side_mid_db, 1, "dB");
        mm__sb_printf(b, "   balance L/R ");
        sb_measure(b, r->balance_db, 2, "dB");
        mm__sb_printf(b, "   mono fold-down loss ");
        sb_measure(b, r->mono_loss_db, 1, "dB");
    }
    mm__sb_printf(b, "\n  Tonal     ");
    static const char *names[MM_TONAL_BANDS] = {"<250 Hz", "250-2k", "2k-8k", ">8k"};
    for (int i = 0; i < MM_TONAL_BANDS; i++) {
        mm__sb_printf(b, "%s ", names[i]);
        sb_measure(b, r->tonal_mid_db[i], 1, "dB");
        mm__sb_printf(b, i + 1 < MM_TONAL_BANDS ? "   " : "   (mid, relative to the total)");
    }
    mm__sb_printf(b, "\n  Hygiene   DC %.5f   clipped runs %llu (%llu samples, longest %llu)   overs %llu   NaN/Inf %llu",
              r->dc_offset_max, (unsigned long long)r->clip_runs, (unsigned long long)r->clipped_samples,
              (unsigned long long)r->longest_clip_run, (unsigned long long)r->overs,
              (unsigned long long)r->nonfinite_samples);
    mm__sb_printf(b, "\n            silence head ");
    sb_measure(b, r->leading_silence_s, 2, "s");
    mm__sb_printf(b, "   tail ");
    sb_measure(b, r->trailing_silence_s, 2, "s");
    if (r->clip_event_count) {
        mm__sb_printf(b, "\n            first clips at");
        for (size_t i = 0; i < r->clip_event_count && i < 4; i++)
            mm__sb_printf(b, " %.3f s (ch %d)", r->clip_events[i].time_s, r->clip_events[i].channel + 1);
    }
    if (r->over_event_count) {
        mm__sb_printf(b, "\n            first overs at");
        for (size_t i = 0; i < r->over_event_count && i < 4; i++)
            mm__sb_printf(b, " %.3f s (ch %d, %+.2f dBTP)", r->over_events[i].time_s, r->over_events[i].channel + 1,
                      r->over_events[i].peak_db);
    }
    mm__sb_printf(b, "\n");
}

char *mm_report_analysis_text(const mm_file_result *files, size_t count, const mm_report_options *opt,
                              int *err)
{
    (void)opt;
    mm__strbuf b = {NULL, 0, 0, 0};
    if (!files && count) {
        if (err) *err = MM_ERR_INVALID_ARG;
        return NULL;
    }
    mm__sb_printf(&b, "%s", "");
    for (size_t i = 0; i < count; i++) {
        if (i) mm__sb_printf(&b, "\n");
        file_text(&b, &files[i]);
    }
    return mm__sb_finish(&b, err);
}
