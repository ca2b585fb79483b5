/*
 * Fuzz target: the release description, release.json (what `mixmaster
 * release` reads first), through mm_release_parse_json, then the plan in
 * frames and the CUE sheets, for tracks of made-up lengths. A description
 * it refuses must say why; one it accepts must give plans that add up
 * (kept + trimmed = source, fades inside the kept audio, tracks in order
 * inside the album, whole CD sectors with cd_align) and CUE sheets whose
 * length the sizing call predicts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixmaster/release.h"
#include "mixmaster/release_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cue(const mm_release *r, const mm_release_track_plan *plans, const char *const *names,
                      const char *continuous)
{
    long n = mm_release_cue_write(NULL, 0, r, plans, 44100.0, names, continuous, "WAVE");
    if (n < 0) abort();
    char *buf = malloc((size_t)n + 1);
    if (!buf) return;
    if (mm_release_cue_write(buf, (size_t)n + 1, r, plans, 44100.0, names, continuous, "WAVE") != n) abort();
    if (strlen(buf) != (size_t)n) abort();
    free(buf);
}

static void check_plans(const mm_release *r, int cd)
{
    const size_t n = r->count;
    mm_release_track_plan *plans = calloc(n ? n : 1, sizeof *plans);
    uint64_t *src = calloc(n ? n : 1, sizeof *src), *aud = calloc(2 * (n ? n : 1), sizeof *aud);
    char(*name)[32] = calloc(n ? n : 1, sizeof *name);
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!plans || !src || !aud || !name || !names) goto done;
    for (size_t i = 0; i < n; i++) {
        /* 30 s and a few odd frames, audible from 0.5 s to 1 s before the end */
        src[i] = 44100u * 30u + 37u * i;
        aud[2 * i] = 22050;
        aud[2 * i + 1] = src[i] - 44100;
        snprintf(name[i], sizeof name[i], "%02zu.wav", i + 1);
        names[i] = name[i];
    }
    mm_release_plan_config cfg = {44100.0, cd};
    mm_release_error err;
    memset(&err, 0, sizeof err);
    uint64_t album = 0;
    if (mm_release_plan(&cfg, r, src, aud, plans, &album, &err) != MM_OK) {
        if (!err.message[0]) abort(); /* a refusal names what is wrong */
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const mm_release_track_plan *p = &plans[i];
        if (p->source_frames != src[i] || p->trim_start + p->trim_end + p->audio_frames != p->source_frames) abort();
        if (p->frames != p->audio_frames + p->pad_frames || p->fade_in + p->fade_out > p->audio_frames) abort();
        if (p->index00 > p->index01 || p->index01 + p->frames > album) abort();
        if (i > 0 && p->index01 < plans[i - 1].index01) abort();
        if (cd && (p->index01 % 588 || p->frames % 588 || p->index00 % 588)) abort();
    }
    check_cue(r, plans, names, NULL);
    check_cue(r, plans, names, "album-continuous.wav");
done:
    free(plans);
    free(src);
    free(aud);
    free(name);
    free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    mm_release *r = NULL;
    mm_release_error err;
    memset(&err, 0, sizeof err);
    if (mm_release_parse_json(text, &r, &err) == MM_OK) {
        if (!r || mm_release_validate(r, &err) != MM_OK) abort();
        check_plans(r, 0);
        check_plans(r, 1);
        mm_release_free(r);
    } else if (!err.message[0] || r) {
        abort();
    }
    free(text);
    return 0;
}
