/* Reading audio files with libsndfile: clear reasons for every failure. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mixmaster/gain.h"
#include "../dsp/internal.h"

/* sf_open() reports failures through a process-wide text
 * (sf_strerror(NULL)); hold this lock so parallel opens don't mix them. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct subtype_desc {
    int code;
    const char *name;
    int bits, is_float, lossy;
} subtype_desc;

static const subtype_desc subtypes[] = {
    {SF_FORMAT_PCM_S8, "PCM_S8", 8, 0, 0},     {SF_FORMAT_PCM_U8, "PCM_U8", 8, 0, 0},
    {SF_FORMAT_PCM_16, "PCM_16", 16, 0, 0},    {SF_FORMAT_PCM_24, "PCM_24", 24, 0, 0},
    {SF_FORMAT_PCM_32, "PCM_32", 32, 0, 0},    {SF_FORMAT_FLOAT, "FLOAT", 32, 1, 0},
    {SF_FORMAT_DOUBLE, "DOUBLE", 64, 1, 0},    {SF_FORMAT_ULAW, "ULAW", 8, 0, 1},
    {SF_FORMAT_ALAW, "ALAW", 8, 0, 1},         {SF_FORMAT_VORBIS, "VORBIS", 0, 0, 1},
    {SF_FORMAT_OPUS, "OPUS", 0, 0, 1},         {SF_FORMAT_MPEG_LAYER_III, "MP3", 0, 0, 1},
    {SF_FORMAT_MPEG_LAYER_II, "MP2", 0, 0, 1}, {SF_FORMAT_MPEG_LAYER_I, "MP1", 0, 0, 1},
    {SF_FORMAT_ALAC_16, "ALAC_16", 16, 0, 0},  {SF_FORMAT_ALAC_20, "ALAC_20", 20, 0, 0},
    {SF_FORMAT_ALAC_24, "ALAC_24", 24, 0, 0},  {SF_FORMAT_ALAC_32, "ALAC_32", 32, 0, 0},
};

static const struct {
    int code;
    const char *name;
} containers[] = {
    {SF_FORMAT_WAV, "WAV"},   {SF_FORMAT_AIFF, "AIFF"}, {SF_FORMAT_AU, "AU"},     {SF_FORMAT_RAW, "RAW"},
    {SF_FORMAT_W64, "W64"},   {SF_FORMAT_FLAC, "FLAC"}, {SF_FORMAT_OGG, "OGG"},   {SF_FORMAT_CAF, "CAF"},
    {SF_FORMAT_RF64, "RF64"}, {SF_FORMAT_MPEG, "MPEG"}, {SF_FORMAT_WAVEX, "WAVEX"},
};

/* libsndfile shortens a file whose header claims more audio than it holds
 * and notes "(should be N)" on the data chunk line of its log. An RF64
 * file's real sizes sit in its ds64 chunk, noted as "Data size : N" with no
 * such remark: that one is held against the file length ("Length : N", the
 * first lines of the log). */
static int header_claims_more(SNDFILE *sf, char *line, size_t linelen)
{
    char log[8192];
    unsigned long long file_len = 0, ds64_data = 0;
    sf_command(sf, SFC_GET_LOG_INFO, log, (int)sizeof log);
    for (char *p = log; p && *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n < 200) {
            char buf[200];
            memcpy(buf, p, n);
            buf[n] = 0;
            const char *t = buf + strspn(buf, " ");
            if ((strncmp(buf, "data", 4) == 0 || strncmp(buf, "SSND", 4) == 0) && strstr(buf, "should be")) {
                snprintf(line, linelen, "%s", buf);
                return 1;
            }
            if (!file_len) sscanf(t, "Length : %llu", &file_len);
            if (!ds64_data) sscanf(t, "Data size : %llu", &ds64_data);
        }
        p = nl ? nl + 1 : NULL;
    }
    if (file_len && ds64_data > file_len) {
        snprintf(line, linelen, "ds64 data size %llu, file length %llu", ds64_data, file_len);
        return 1;
    }
    return 0;
}

/*
 * Little-endian PCM and float (WAV, WAVEX, W64, RF64) are read with
 * sf_read_raw and converted here: libsndfile converts a sample at a time
 * (0.027 s for a pass over a 240 s 24-bit stereo mix), these loops
 * vectorise (0.004 s). The values are libsndfile's bit for bit: an integer
 * sample times a power of two, as float.
 */
enum { RAW_NONE, RAW_S16, RAW_S24, RAW_S32, RAW_F32 };
static const size_t raw_bytes[] = {0, 2, 3, 4, 4};

MM_TARGET_CLONES
static void raw_to_float(float *MM_RESTRICT dst, const unsigned char *MM_RESTRICT src, size_t n, int kind)
{
    switch (kind) {
    case RAW_S16:
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)src[2 * i] << 16 | (uint32_t)src[2 * i + 1] << 24;
            dst[i] = (float)(int32_t)u * (1.0f / 2147483648.0f);
        }
        break;
    case RAW_S24:
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)src[3 * i] << 8 | (uint32_t)src[3 * i + 1] << 16 | (uint32_t)src[3 * i + 2] << 24;
            dst[i] = (float)(int32_t)u * (1.0f / 2147483648.0f);
        }
        break;
    case RAW_S32:
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 | (uint32_t)src[4 * i + 2] << 16 |
                         (uint32_t)src[4 * i + 3] << 24;
            dst[i] = (float)(int32_t)u * (1.0f / 2147483648.0f);
        }
        break;
    default:
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 | (uint32_t)src[4 * i + 2] << 16 |
                         (uint32_t)src[4 * i + 3] << 24;
            memcpy(dst + i, &u, sizeof u);
        }
        break;
    }
}

sf_count_t cli_audio_readf(cli_audio *a, float *dst, sf_count_t frames)
{
    const size_t bps = raw_bytes[a->raw_kind], nch = (size_t)a->info.channels;
    if (!a->raw_kind || frames <= 0) return sf_readf_float(a->sf, dst, frames);
    size_t need = (size_t)frames * nch * bps;
    if (need > a->raw_cap) {
        unsigned char *p = realloc(a->raw, need);
        if (!p) return sf_readf_float(a->sf, dst, frames);
        a->raw = p;
        a->raw_cap = need;
    }
    sf_count_t got = sf_read_raw(a->sf, a->raw, (sf_count_t)need);
    if (got <= 0) return got;
    size_t n = (size_t)got / (nch * bps);
    raw_to_float(dst, a->raw, n * nch, a->raw_kind);
    return (sf_count_t)n;
}

/* What every opened file must pass before any buffer is sized from its
 * header: a complete data chunk, a channel count and sample rate the
 * analysis supports. Then its format names. Closes the file on failure. */
static int audio_validate(cli_audio *a, char *err, size_t errlen)
{
    char line[200];
    if (header_claims_more(a->sf, line, sizeof line)) {
        snprintf(err, errlen, "truncated: the header declares more audio than the file holds (%s)", line);
        cli_audio_close(a);
        return -1;
    }
    if (a->info.channels < 1 || a->info.channels > MM_ANALYZE_MAX_CHANNELS) {
        snprintf(err, errlen, "%d channels: at most %d are supported", a->info.channels, MM_ANALYZE_MAX_CHANNELS);
        cli_audio_close(a);
        return -1;
    }
    if (a->info.samplerate < 8000 || a->info.samplerate > 384000) {
        snprintf(err, errlen, "sample rate %d Hz is outside 8000..384000 Hz", a->info.samplerate);
        cli_audio_close(a);
        return -1;
    }
    if (a->info.frames < 0) {
        snprintf(err, errlen, "the header declares a negative length");
        cli_audio_close(a);
        return -1;
    }
    int major = a->info.format & SF_FORMAT_TYPEMASK, sub = a->info.format & SF_FORMAT_SUBMASK;
    snprintf(a->container, sizeof a->container, "0x%x", major >> 16);
    for (size_t i = 0; i < sizeof containers / sizeof containers[0]; i++)
        if (containers[i].code == major) snprintf(a->container, sizeof a->container, "%s", containers[i].name);
    snprintf(a->encoding, sizeof a->encoding, "0x%x", sub);
    for (size_t i = 0; i < sizeof subtypes / sizeof subtypes[0]; i++)
        if (subtypes[i].code == sub) {
            snprintf(a->encoding, sizeof a->encoding, "%s", subtypes[i].name);
            a->bit_depth = subtypes[i].bits;
            a->is_float = subtypes[i].is_float;
            a->lossy = subtypes[i].lossy;
        }
    int endian = a->info.format & SF_FORMAT_ENDMASK;
    if ((major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX || major == SF_FORMAT_W64 || major == SF_FORMAT_RF64) &&
        (endian == SF_ENDIAN_FILE || endian == SF_ENDIAN_LITTLE))
        a->raw_kind = sub == SF_FORMAT_PCM_16 ? RAW_S16 : sub == SF_FORMAT_PCM_24 ? RAW_S24
                    : sub == SF_FORMAT_PCM_32 ? RAW_S32 : sub == SF_FORMAT_FLOAT ? RAW_F32 : RAW_NONE;
    a->exact_length = sub == SF_FORMAT_PCM_S8 || sub == SF_FORMAT_PCM_U8 || sub == SF_FORMAT_PCM_16 ||
                      sub == SF_FORMAT_PCM_24 || sub == SF_FORMAT_PCM_32 || sub == SF_FORMAT_FLOAT ||
                      sub == SF_FORMAT_DOUBLE;
    return 0;
}

/* sf_open's failure text, trimmed to one line. */
static void open_failure(char *err, size_t errlen)
{
    const char *why = sf_strerror(NULL);
    snprintf(err, errlen, "not a readable audio file (%s)", why && *why ? why : "unknown format");
    /* libsndfile's texts can end with a full stop or a newline */
    size_t n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) err[--n] = 0;
}

/*
 * A regular file is read through libsndfile's virtual I/O from a buffer of
 * our own. libsndfile reads a file 8 KB at a time, one system call each
 * (7,800 calls for a 240 s 24-bit stereo mix, a pass of analysis, probe or
 * render). Reading 64 KB per call (still in L2 when libsndfile converts
 * it), a reading pass of that mix takes 0.033 s instead of 0.060 s. A failed or
 * short read ends the data there, which the length check in
 * cli_audio_stream reports: a file cut short while it is read is noticed
 * at the next 64 KB.
 */
#define READER_BUFFER ((size_t)1 << 16)

typedef struct cli_reader {
    int fd;
    sf_count_t size;   /* file length at open */
    sf_count_t off;    /* file offset of buf[0] */
    size_t len, pos;   /* bytes in buf, bytes of them consumed */
    unsigned char buf[READER_BUFFER];
} cli_reader;

static sf_count_t reader_length(void *user) { return ((cli_reader *)user)->size; }

static sf_count_t reader_tell(void *user)
{
    const cli_reader *r = user;
    return r->off + (sf_count_t)r->pos;
}

static sf_count_t reader_seek(sf_count_t offset, int whence, void *user)
{
    cli_reader *r = user;
    sf_count_t t = whence == SEEK_SET ? offset : whence == SEEK_CUR ? reader_tell(r) + offset : r->size + offset;
    if (t < 0) return -1;
    if (t >= r->off && t <= r->off + (sf_count_t)r->len) {
        r->pos = (size_t)(t - r->off); /* inside the buffer */
    } else {
        r->off = t;
        r->len = r->pos = 0;
    }
    return t;
}

static sf_count_t reader_read(void *ptr, sf_count_t count, void *user)
{
    cli_reader *r = user;
    unsigned char *dst = ptr;
    sf_count_t got = 0;
    while (got < count) {
        if (r->pos == r->len) {
            r->off += (sf_count_t)r->len;
            r->len = r->pos = 0;
            ssize_t n;
            do n = pread(r->fd, r->buf, sizeof r->buf, (off_t)r->off);
            while (n < 0 && errno == EINTR);
            if (n <= 0) break;
            r->len = (size_t)n;
        }
        size_t k = r->len - r->pos;
        if ((sf_count_t)k > count - got) k = (size_t)(count - got);
        memcpy(dst + got, r->buf + r->pos, k);
        r->pos += k;
        got += (sf_count_t)k;
    }
    return got;
}

static sf_count_t reader_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0; /* opened for reading only */
}

static void reader_free(cli_reader *r)
{
    if (!r) return;
    close(r->fd);
    free(r);
}

int cli_audio_open(cli_audio *a, const char *path, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory, not an audio file");
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "empty file (0 bytes)");
        return -1;
    }
    if (S_ISREG(st.st_mode)) {
        a->rd = malloc(sizeof *a->rd);
        if (a->rd) {
            a->rd->fd = open(path, O_RDONLY | O_CLOEXEC);
            if (a->rd->fd < 0) {
                snprintf(err, errlen, "cannot open: %s", strerror(errno));
                free(a->rd);
                a->rd = NULL;
                return -1;
            }
            a->rd->size = (sf_count_t)st.st_size;
            a->rd->off = 0;
            a->rd->len = a->rd->pos = 0;
        }
    }
    pthread_mutex_lock(&open_lock);
    if (a->rd) {
        SF_VIRTUAL_IO vio = {reader_length, reader_seek, reader_read, reader_write, reader_tell};
        a->sf = sf_open_virtual(&vio, SFM_READ, &a->info, a->rd);
    } else {
        a->sf = sf_open(path, SFM_READ, &a->info);
    }
    if (!a->sf) open_failure(err, errlen);
    pthread_mutex_unlock(&open_lock);
    if (!a->sf) {
        reader_free(a->rd);
        a->rd = NULL;
        return -1;
    }
    return audio_validate(a, err, errlen);
}

int cli_audio_open_virtual(cli_audio *a, SF_VIRTUAL_IO *vio, void *user, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    pthread_mutex_lock(&open_lock);
    a->sf = sf_open_virtual(vio, SFM_READ, &a->info, user);
    if (!a->sf) open_failure(err, errlen);
    pthread_mutex_unlock(&open_lock);
    if (!a->sf) return -1;
    return audio_validate(a, err, errlen);
}

void cli_audio_close(cli_audio *a)
{
    /* the reader belongs to the open file (a copy of a closed cli_audio
     * has sf NULL and leaves it alone) */
    if (a->sf) {
        sf_close(a->sf);
        reader_free(a->rd);
        free(a->raw);
    }
    a->sf = NULL;
    a->rd = NULL;
    a->raw = NULL;
    a->raw_cap = 0;
}

void cli_audio_file_info(const cli_audio *a, const char *path, mm_file_info *out)
{
    out->path = path;
    out->container = a->container;
    out->encoding = a->encoding;
    out->bit_depth = a->bit_depth;
    out->is_float = a->is_float;
    out->lossy = a->lossy;
}

/* Read up to `limit` frames from the current position through fn in planar
 * blocks; *got counts them. Returns 0 at the limit or the end of the data,
 * -1 with a reason in err. */
static int stream_frames(cli_audio *a, uint64_t limit, size_t block, cli_block_fn fn, void *ctx, uint64_t *got,
                         char *err, size_t errlen)
{
    int ch = a->info.channels, st = MM_OK, rc = -1;
    /* block * channels * sizeof(float), checked: channels <= 64 after
     * audio_validate, but block comes from the caller */
    float *inter = block && block <= SIZE_MAX / sizeof(float) / (size_t)ch
                       ? malloc(block * (size_t)ch * sizeof(float))
                       : NULL;
    float **planar = mm_planar_alloc(ch, block, &st);
    *got = 0;
    if (!inter || !planar) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    while (*got < limit) {
        size_t want = limit - *got < (uint64_t)block ? (size_t)(limit - *got) : block;
        sf_count_t n = cli_audio_readf(a, inter, (sf_count_t)want);
        if (n <= 0) {
            int e = sf_error(a->sf);
            if (n < 0 || e != SF_ERR_NO_ERROR) {
                snprintf(err, errlen, "read error: %s", sf_strerror(a->sf));
                goto done;
            }
            break;
        }
        *got += (uint64_t)n;
        mm_deinterleave(planar, inter, ch, (size_t)n);
        st = fn(ctx, (const float *const *)planar, (size_t)n);
        if (st != MM_OK) {
            snprintf(err, errlen, "analysis failed: %s", mm_strerror(st));
            goto done;
        }
    }
    rc = 0;
done:
    free(inter);
    mm_planar_free(planar);
    return rc;
}

int cli_audio_stream(cli_audio *a, size_t block, cli_block_fn fn, void *ctx, char *err, size_t errlen)
{
    uint64_t frames_read;
    if (stream_frames(a, UINT64_MAX, block, fn, ctx, &frames_read, err, errlen) != 0) return -1;
    /* A PCM file's header gives its exact length: ending early means the
     * file shrank while it was read, or a read failed without a word from
     * libsndfile (a virtual reader returning an error, a vanished disk).
     * Codecs (lossy, ADPCM) may only estimate it, so they are not held to it. */
    if (a->exact_length && a->info.frames > 0 && a->info.frames != SF_COUNT_MAX &&
        frames_read < (uint64_t)a->info.frames) {
        snprintf(err, errlen, "read error: the file ended after %llu of the %llu frames its header declares (changed or "
                 "truncated while being read?)",
                 (unsigned long long)frames_read, (unsigned long long)a->info.frames);
        return -1;
    }
    return 0;
}

int cli_audio_stream_part(cli_audio *a, uint64_t start, uint64_t frames, size_t block, cli_block_fn fn, void *ctx,
                          char *err, size_t errlen)
{
    if (sf_seek(a->sf, (sf_count_t)start, SEEK_SET) < 0) {
        snprintf(err, errlen, "cannot seek: %s", sf_strerror(a->sf));
        return -1;
    }
    uint64_t got;
    if (stream_frames(a, frames, block, fn, ctx, &got, err, errlen) != 0) return -1;
    if (got < frames) {
        snprintf(err, errlen, "read error: the file ended at frame %llu, before the %llu its header declares",
                 (unsigned long long)(start + got), (unsigned long long)a->info.frames);
        return -1;
    }
    return 0;
}
