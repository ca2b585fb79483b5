/*
 * mm-seedgen IN.wav DIR: the seed corpus of fuzz_audio. Writes a short
 * excerpt of IN (a file of the project's corpus, made by mm-corpus) in
 * every container and encoding libsndfile writes that the tool reads, plus
 * hand-made headers that claim absurd sizes. Seeds are small (a few KB) so
 * the fuzzer spends its time in the parsers, not in long decodes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

static const struct {
    const char *name;
    int format, channels;
    double seconds;
} seeds[] = {
    {"pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 0.1},
    {"pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 2, 0.1},
    {"pcm32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 1, 0.05},
    {"u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1, 0.1},
    {"float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 0.05},
    {"double.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 1, 0.05},
    {"ulaw.wav", SF_FORMAT_WAV | SF_FORMAT_ULAW, 1, 0.1},
    {"ima.wav", SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM, 2, 0.1},
    {"ms.wav", SF_FORMAT_WAV | SF_FORMAT_MS_ADPCM, 1, 0.1},
    {"six.wavex", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, 6, 0.03},
    {"pcm16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 2, 0.1},
    {"float.aiff", SF_FORMAT_AIFF | SF_FORMAT_FLOAT, 1, 0.05},
    {"pcm16.au", SF_FORMAT_AU | SF_FORMAT_PCM_16, 1, 0.1},
    {"pcm24.caf", SF_FORMAT_CAF | SF_FORMAT_PCM_24, 2, 0.05},
    {"alac.caf", SF_FORMAT_CAF | SF_FORMAT_ALAC_16, 2, 0.1},
    {"pcm16.w64", SF_FORMAT_W64 | SF_FORMAT_PCM_16, 2, 0.05},
    {"pcm16.rf64", SF_FORMAT_RF64 | SF_FORMAT_PCM_16, 2, 0.05},
    {"pcm16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 2, 0.2},
    {"pcm24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 1, 0.2},
    {"vorbis.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 2, 0.2},
    {"opus.ogg", SF_FORMAT_OGG | SF_FORMAT_OPUS, 1, 0.1},
    {"mp3.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 1, 0.2},
    {"pcm16.voc", SF_FORMAT_VOC | SF_FORMAT_PCM_16, 1, 0.05},
    {"pcm16.paf", SF_FORMAT_PAF | SF_FORMAT_PCM_16, 1, 0.05},
    {"gsm.wav", SF_FORMAT_WAV | SF_FORMAT_GSM610, 1, 0.1},
};

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

/* A 44-byte WAV header with the given fields, then `data` bytes of zeros. */
static int absurd_wav(const char *dir, const char *name, unsigned channels, uint32_t rate, uint32_t data_claim,
                      size_t data)
{
    uint8_t h[44] = "RIFF....WAVEfmt ";
    put32(h + 4, 36 + data_claim);
    put32(h + 16, 16);
    put16(h + 20, 1); /* PCM */
    put16(h + 22, channels);
    put32(h + 24, rate);
    put32(h + 28, rate * channels * 2);
    put16(h + 32, channels * 2);
    put16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    put32(h + 40, data_claim);
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) return -1;
    fwrite(h, 1, sizeof h, f);
    for (size_t i = 0; i < data; i++) fputc(0, f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mm-seedgen IN.wav DIR\n");
        return 2;
    }
    SF_INFO ii = {0};
    SNDFILE *in = sf_open(argv[1], SFM_READ, &ii);
    if (!in || ii.channels < 1) {
        fprintf(stderr, "mm-seedgen: %s: %s\n", argv[1], sf_strerror(in));
        return 3;
    }
    const size_t max = (size_t)(0.2 * ii.samplerate) + 1;
    float *src = calloc(max * (size_t)ii.channels, sizeof(float));
    float *buf = calloc(max * 6, sizeof(float));
    if (!src || !buf) return 1;
    /* an excerpt from the middle, where every stem plays */
    sf_seek(in, ii.frames / 2 < (sf_count_t)max ? 0 : ii.frames / 2, SEEK_SET);
    sf_count_t got = sf_readf_float(in, src, (sf_count_t)max);
    sf_close(in);
    int written = 0;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        SF_INFO oi = {0};
        oi.samplerate = ii.samplerate;
        oi.channels = seeds[k].channels;
        oi.format = seeds[k].format;
        if (!sf_format_check(&oi)) continue; /* this libsndfile lacks it */
        size_t n = (size_t)(seeds[k].seconds * ii.samplerate);
        if (n > (size_t)got) n = (size_t)got;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < oi.channels; c++)
                buf[i * (size_t)oi.channels + (size_t)c] = src[i * (size_t)ii.channels + (size_t)(c % ii.channels)];
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", argv[2], seeds[k].name);
        SNDFILE *out = sf_open(p, SFM_WRITE, &oi);
        if (!out) continue;
        sf_writef_float(out, buf, (sf_count_t)n);
        sf_close(out);
        written++;
    }
    /* headers that lie: 65535 channels; 4 GiB of data in a 1 KB file; a
     * 1 Hz and a 4 GHz sample rate */
    if (absurd_wav(argv[2], "absurd-channels.wav", 65535, 44100, 1024, 1024) ||
        absurd_wav(argv[2], "absurd-length.wav", 2, 44100, 0xfffffff0u, 1024) ||
        absurd_wav(argv[2], "absurd-rate-low.wav", 1, 1, 1024, 1024) ||
        absurd_wav(argv[2], "absurd-rate-high.wav", 1, 4000000000u, 1024, 1024)) {
        fprintf(stderr, "mm-seedgen: %s: cannot write\n", argv[2]);
        return 3;
    }
    printf("mm-seedgen: %d audio seeds and 4 hand-made headers in %s\n", written, argv[2]);
    free(src);
    free(buf);
    return 0;
}
