/*
 * Lossy codec round trip in memory: encode planar float audio to MP3, Ogg
 * Opus or Ogg Vorbis with libsndfile's virtual I/O, decode it again and
 * measure the decoded audio with the analysis stage. Nothing touches the
 * disk. Opus only runs at 48 kHz (and 8/12/16/24), so other rates are
 * resampled to 48 kHz with libsoxr on the way in, as a streaming service's
 * encoder does.
 */
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A growable in-memory file. */
typedef struct memfile {
    unsigned char *data;
    sf_count_t len, cap, pos;
    int oom;
} memfile;

static sf_count_t mf_len(void *u) { return ((memfile *)u)->len; }

static sf_count_t mf_seek(sf_count_t off, int whence, void *u)
{
    memfile *m = u;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;
    sf_count_t p = base + off;
    if (p < 0) return -1;
    m->pos = p;
    return p;
}

static sf_count_t mf_read(void *dst, sf_count_t n, void *u)
{
    memfile *m = u;
    if (m->pos >= m->len || n <= 0) return 0;
    if (n > m->len - m->pos) n = m->len - m->pos;
    memcpy(dst, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mf_write(const void *src, sf_count_t n, void *u)
{
    memfile *m = u;
    if (n <= 0) return 0;
    if (m->pos + n > m->cap) {
        sf_count_t cap = m->cap ? m->cap : 1 << 20;
        while (cap < m->pos + n) cap *= 2;
        unsigned char *d = realloc(m->data, (size_t)cap);
        if (!d) {
            m->oom = 1;
            return 0;
        }
        m->data = d;
        m->cap = cap;
    }
    if (m->pos > m->len) memset(m->data + m->len, 0, (size_t)(m->pos - m->len));
    memcpy(m->data + m->pos, src, (size_t)n);
    m->pos += n;
    if (m->pos > m->len) m->len = m->pos;
    return n;
}

static sf_count_t mf_tell(void *u) { return ((memfile *)u)->pos; }

static SF_VIRTUAL_IO mf_io = {mf_len, mf_seek, mf_read, mf_write, mf_tell};

static const struct {
    cli_codec id;
    const char *name;
    int format;
    double level; /* libsndfile compression level 0 (best) .. 1 (smallest) */
} codecs[] = {
    /* MP3 at 320 kbps CBR (download stores), Opus near 140 kbps (video and
     * web streaming), Vorbis near 140 kbps (music streaming) */
    {CLI_CODEC_MP3, "mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 0.0},
    {CLI_CODEC_OPUS, "opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 0.75},
    {CLI_CODEC_VORBIS, "vorbis", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 0.5},
};

const char *cli_codec_name(cli_codec c)
{
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (codecs[i].id == c) return codecs[i].name;
    return "?";
}

/* Resample planar float to `out_rate` (allocates *out[c]); frames out. */
size_t cli_resample(const float *const in[], int ch, size_t frames, double in_rate, double out_rate, float **out,
                    char *err, size_t errlen)
{
    size_t cap = (size_t)((double)frames * out_rate / in_rate) + 64, done = 0;
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I) /* one channel at a time */;
    for (int c = 0; c < ch; c++) {
        out[c] = malloc(cap * sizeof(float));
        if (!out[c]) {
            snprintf(err, errlen, "out of memory");
            return 0;
        }
        size_t odone = 0;
        soxr_error_t e = soxr_oneshot(in_rate, out_rate, 1, in[c], frames, NULL, out[c], cap, &odone, &io, &q, NULL);
        if (e) {
            snprintf(err, errlen, "resampling failed: %s", e);
            return 0;
        }
        done = odone;
    }
    return done;
}

int cli_codec_roundtrip(cli_codec codec, const float *const in[], int channels, size_t frames, double rate,
                        cli_codec_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    res->codec = codec;
    int idx = -1;
    for (int i = 0; i < (int)(sizeof codecs / sizeof codecs[0]); i++)
        if (codecs[i].id == codec) idx = i;
    if (idx < 0 || channels < 1 || channels > 2 || frames == 0) {
        snprintf(err, errlen, "codec round trip needs 1 or 2 channels and some audio");
        return -1;
    }
    int rc = -1;
    float *rs[2] = {NULL, NULL};
    float *ibuf = NULL, *dec[2] = {NULL, NULL};
    memfile mf = {0};
    SNDFILE *sf = NULL;
    mm_analyzer *an = NULL;

    const float *const *src = in;
    double enc_rate = rate;
    size_t enc_frames = frames;
    if (codec == CLI_CODEC_OPUS && rate != 48000.0 && rate != 24000.0 && rate != 16000.0 && rate != 12000.0 &&
        rate != 8000.0) {
        enc_rate = 48000.0;
        enc_frames = cli_resample(in, channels, frames, rate, enc_rate, rs, err, errlen);
        if (!enc_frames) goto out;
        src = (const float *const *)rs;
    }
    if (codec == CLI_CODEC_MP3 && enc_rate > 48000.0) {
        snprintf(err, errlen, "MP3 does not carry %.0f Hz", enc_rate);
        goto out;
    }

    SF_INFO info = {0};
    info.samplerate = (int)enc_rate;
    info.channels = channels;
    info.format = codecs[idx].format;
    sf = sf_open_virtual(&mf_io, SFM_WRITE, &info, &mf);
    if (!sf) {
        snprintf(err, errlen, "%s encoder: %s", codecs[idx].name, sf_strerror(NULL));
        goto out;
    }
    double level = codecs[idx].level;
    if (codec == CLI_CODEC_MP3) { /* constant bit rate, as stores and players stream it */
        int mode = SF_BITRATE_MODE_CONSTANT;
        sf_command(sf, SFC_SET_BITRATE_MODE, &mode, sizeof mode);
    }
    sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
    enum { BLOCK = 4096 };
    ibuf = malloc((size_t)BLOCK * (size_t)channels * sizeof(float));
    if (!ibuf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t pos = 0; pos < enc_frames; pos += BLOCK) {
        size_t n = enc_frames - pos < BLOCK ? enc_frames - pos : BLOCK;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < channels; c++) ibuf[i * (size_t)channels + (size_t)c] = src[c][pos + i];
        if (sf_writef_float(sf, ibuf, (sf_count_t)n) != (sf_count_t)n || mf.oom) {
            snprintf(err, errlen, "%s encoder: %s", codecs[idx].name, mf.oom ? "out of memory" : sf_strerror(sf));
            goto out;
        }
    }
    if (sf_close(sf) != 0 || mf.oom) {
        sf = NULL;
        snprintf(err, errlen, "%s encoder could not finish", codecs[idx].name);
        goto out;
    }
    sf = NULL;
    res->bytes = (size_t)mf.len;
    res->bitrate_kbps = (double)mf.len * 8.0 / ((double)enc_frames / enc_rate) / 1000.0;

    /* decode and measure */
    mf.pos = 0;
    memset(&info, 0, sizeof info);
    sf = sf_open_virtual(&mf_io, SFM_READ, &info, &mf);
    if (!sf) {
        snprintf(err, errlen, "%s decoder: %s", codecs[idx].name, sf_strerror(NULL));
        goto out;
    }
    if (info.channels != channels) {
        snprintf(err, errlen, "%s decoder returned %d channels, not %d", codecs[idx].name, info.channels, channels);
        goto out;
    }
    mm_analyze_config cfg = mm_analyze_config_default(info.samplerate, info.channels);
    int e = 0;
    an = mm_analyzer_create(&cfg, &e);
    if (!an) {
        snprintf(err, errlen, "analysis of decoded %s: %s", codecs[idx].name, mm_strerror(e));
        goto out;
    }
    for (int c = 0; c < channels; c++) {
        dec[c] = malloc(BLOCK * sizeof(float));
        if (!dec[c]) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    for (;;) {
        sf_count_t n = sf_readf_float(sf, ibuf, BLOCK);
        if (n <= 0) break;
        for (sf_count_t i = 0; i < n; i++)
            for (int c = 0; c < channels; c++) dec[c][i] = ibuf[i * channels + c];
        mm_analyzer_process(an, (const float *const *)dec, (size_t)n);
        res->decoded_frames += (uint64_t)n;
    }
    mm_analyzer_finish(an, &res->decoded);
    res->decoded_rate = info.samplerate;
    rc = 0;
out:
    if (sf) sf_close(sf);
    mm_analyzer_destroy(an);
    free(mf.data);
    free(ibuf);
    for (int c = 0; c < 2; c++) {
        free(rs[c]);
        free(dec[c]);
    }
    /* the series of res->decoded point into the destroyed analyzer */
    res->decoded.momentary_series = res->decoded.shortterm_series = res->decoded.correlation_series = NULL;
    res->decoded.loudness_series_count = res->decoded.correlation_series_count = 0;
    return rc;
}
