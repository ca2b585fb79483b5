/* Writing audio: the format from the file's extension, TPDF dither down to
 * 16 or 24 bits, and the file written under a temporary name next to its
 * final path, renamed into place only when it is complete. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mixmaster/gain.h"

int cli_out_format(const char *path, int bits, int *format, char *err, size_t errlen)
{
    static const struct {
        const char *ext;
        int major;
    } table[] = {
        {".wav", SF_FORMAT_WAV},   {".w64", SF_FORMAT_W64}, {".rf64", SF_FORMAT_RF64}, {".aif", SF_FORMAT_AIFF},
        {".aiff", SF_FORMAT_AIFF}, {".caf", SF_FORMAT_CAF}, {".au", SF_FORMAT_AU},     {".flac", SF_FORMAT_FLAC},
    };
    if (bits != 16 && bits != 24 && bits != 32) {
        snprintf(err, errlen, "bit depth must be 16, 24 or 32 (float)");
        return -1;
    }
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!cli_has_suffix(path, table[i].ext)) continue;
        if (bits == 32 && table[i].major == SF_FORMAT_FLAC) {
            snprintf(err, errlen, "FLAC holds 16 or 24 bits, not float");
            return -1;
        }
        *format = table[i].major | (bits == 16 ? SF_FORMAT_PCM_16 : bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT);
        return 0;
    }
    snprintf(err, errlen, "unknown output extension (use .wav, .flac, .aiff, .w64, .caf, .rf64 or .au)");
    return -1;
}

int cli_out_open(cli_out *o, const char *path, double rate, int channels, int bits, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    int format;
    if (cli_out_format(path, bits, &format, err, errlen) != 0) return -1;
    o->channels = channels;
    o->bits = bits;
    o->path = strdup(path);
    o->inter = malloc(CLI_OUT_BLOCK * (size_t)channels * sizeof(float));
    o->ints = malloc(CLI_OUT_BLOCK * (size_t)channels * sizeof(int32_t));
    if (!o->path || !o->inter || !o->ints) {
        snprintf(err, errlen, "out of memory");
        cli_out_abort(o);
        return -1;
    }
    int fd = cli_temp_create(path, &o->tmp, err, errlen);
    if (fd < 0) {
        cli_out_abort(o);
        return -1;
    }
    close(fd);
    if (bits != 32) {
        mm_dither_config dc = mm_dither_config_default(rate, channels, bits);
        dc.shaping = bits == 16;
        int e;
        o->dither = mm_dither_create(&dc, &e);
        if (!o->dither) {
            snprintf(err, errlen, "dither: %s", mm_strerror(e));
            cli_out_abort(o);
            return -1;
        }
    }
    SF_INFO info = {0};
    info.samplerate = (int)rate;
    info.channels = channels;
    info.format = format;
    o->sf = sf_open(o->tmp, SFM_WRITE, &info);
    if (!o->sf) {
        snprintf(err, errlen, "cannot write: %s", sf_strerror(NULL));
        cli_out_abort(o);
        return -1;
    }
    return 0;
}

int cli_out_write(cli_out *o, const float *const planar[], size_t frames)
{
    for (size_t off = 0; off < frames && !o->failed; off += CLI_OUT_BLOCK) {
        const size_t k = frames - off < CLI_OUT_BLOCK ? frames - off : CLI_OUT_BLOCK;
        const float *p[64];
        for (int c = 0; c < o->channels && c < 64; c++) p[c] = planar[c] + off;
        if (!o->dither) {
            mm_interleave(o->inter, p, o->channels, k);
            if (sf_writef_float(o->sf, o->inter, (sf_count_t)k) != (sf_count_t)k) o->failed = 1;
        } else {
            long cl = mm_dither_process(o->dither, o->ints, p, k);
            if (cl > 0) o->clamped += cl;
            const int shift = 32 - o->bits;
            const size_t n = k * (size_t)o->channels;
            for (size_t i = 0; i < n; i++) o->ints[i] = (int32_t)((uint32_t)o->ints[i] << shift);
            if (sf_writef_int(o->sf, o->ints, (sf_count_t)k) != (sf_count_t)k) o->failed = 1;
        }
        o->frames += k;
    }
    return o->failed ? -1 : 0;
}

int cli_out_commit(cli_out *o, char *err, size_t errlen)
{
    int rc = 0;
    if (o->failed) {
        snprintf(err, errlen, "write failed: %s", sf_strerror(o->sf));
        rc = -1;
    }
    if (o->sf) {
        const int e = sf_close(o->sf);
        o->sf = NULL;
        if (e != 0 && rc == 0) {
            snprintf(err, errlen, "write failed: %s", sf_error_number(e));
            rc = -1;
        }
    }
    if (rc == 0 && rename(o->tmp, o->path) != 0) {
        snprintf(err, errlen, "cannot rename into place: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        free(o->tmp);
        o->tmp = NULL;
    }
    cli_out_abort(o);
    return rc;
}

void cli_out_abort(cli_out *o)
{
    if (o->sf) sf_close(o->sf);
    if (o->tmp) unlink(o->tmp);
    mm_dither_destroy(o->dither);
    free(o->tmp);
    free(o->path);
    free(o->inter);
    free(o->ints);
    const long clamped = o->clamped;
    const uint64_t frames = o->frames;
    memset(o, 0, sizeof *o);
    o->clamped = clamped;
    o->frames = frames;
}
