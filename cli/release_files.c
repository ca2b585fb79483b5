/* File work of `mixmaster release`: tags in the delivered files (libFLAC's
 * metadata interface for FLAC Vorbis comments, libsndfile for WAV INFO and
 * bext), SHA-256 checksums (nettle), and the release folder that appears
 * whole or not at all. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <FLAC/metadata.h>
#include <nettle/sha2.h>

#include "release_cli.h"

int cli_sha256_file(const char *path, char hex[65], char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    unsigned char buf[65536];
    size_t n;
    sha256_init(&ctx);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&ctx, n, buf);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "read error");
        return -1;
    }
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return 0;
}

int cli_flac_set_tags(const char *path, const cli_tag *tags, size_t n, char *err, size_t errlen)
{
    int rc = -1;
    FLAC__Metadata_Chain *chain = FLAC__metadata_chain_new();
    FLAC__Metadata_Iterator *it = FLAC__metadata_iterator_new();
    FLAC__StreamMetadata *vc = NULL;
    if (!chain || !it) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!FLAC__metadata_chain_read(chain, path)) {
        snprintf(err, errlen, "cannot read the FLAC metadata: %s",
                 FLAC__Metadata_ChainStatusString[FLAC__metadata_chain_status(chain)]);
        goto out;
    }
    FLAC__metadata_iterator_init(it, chain);
    do {
        if (FLAC__metadata_iterator_get_block_type(it) == FLAC__METADATA_TYPE_VORBIS_COMMENT) {
            vc = FLAC__metadata_iterator_get_block(it);
            break;
        }
    } while (FLAC__metadata_iterator_next(it));
    if (!vc) {
        vc = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
        /* after STREAMINFO, the first block */
        FLAC__metadata_iterator_init(it, chain);
        if (!vc || !FLAC__metadata_iterator_insert_block_after(it, vc)) {
            if (vc) FLAC__metadata_object_delete(vc);
            snprintf(err, errlen, "cannot add a Vorbis comment block");
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!tags[i].value || !tags[i].value[0]) continue;
        FLAC__StreamMetadata_VorbisComment_Entry e;
        if (!FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&e, tags[i].name,
                                                                            tags[i].value) ||
            !FLAC__metadata_object_vorbiscomment_replace_comment(vc, e, true, false)) {
            snprintf(err, errlen, "cannot set the Vorbis comment %s", tags[i].name);
            goto out;
        }
    }
    FLAC__metadata_chain_sort_padding(chain);
    if (!FLAC__metadata_chain_write(chain, true, false)) {
        snprintf(err, errlen, "cannot write the FLAC metadata: %s",
                 FLAC__Metadata_ChainStatusString[FLAC__metadata_chain_status(chain)]);
        goto out;
    }
    rc = 0;
out:
    if (it) FLAC__metadata_iterator_delete(it);
    if (chain) FLAC__metadata_chain_delete(chain);
    return rc;
}

int cli_wav_set_tags(SNDFILE *sf, const cli_wav_tags *t, char *err, size_t errlen)
{
    /* RIFF INFO: INAM title, IART artist, IPRD album, ICRD date, IGNR genre,
     * ITRK track number, ISFT software, ICMT comment (ISRC and UPC: INFO has
     * no field for them). Set before any audio is written. */
    const struct {
        int id;
        const char *v;
    } s[] = {{SF_STR_TITLE, t->title},       {SF_STR_ARTIST, t->artist},
             {SF_STR_ALBUM, t->album},       {SF_STR_DATE, t->date},
             {SF_STR_GENRE, t->genre},       {SF_STR_TRACKNUMBER, t->tracknumber},
             {SF_STR_SOFTWARE, t->software}, {SF_STR_COMMENT, t->comment}};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i].v && s[i].v[0] && sf_set_string(sf, s[i].id, s[i].v) != 0) {
            snprintf(err, errlen, "cannot set a RIFF INFO field: %s", sf_strerror(sf));
            return -1;
        }
    /* Broadcast wave (EBU Tech 3285) bext: Description (256 characters:
     * artist, title and the ISRC, for which bext has no field of its own),
     * Originator (32), origination date and time, coding history. */
    SF_BROADCAST_INFO b;
    memset(&b, 0, sizeof b);
    snprintf(b.description, sizeof b.description, "%s", t->bext_description ? t->bext_description : "");
    snprintf(b.originator, sizeof b.originator, "%s", t->originator ? t->originator : "");
    if (t->origination_date)
        snprintf(b.origination_date, sizeof b.origination_date, "%s", t->origination_date);
    if (t->origination_time)
        snprintf(b.origination_time, sizeof b.origination_time, "%s", t->origination_time);
    if (t->coding_history) {
        int k = snprintf(b.coding_history, sizeof b.coding_history, "%s", t->coding_history);
        b.coding_history_size =
            (uint32_t)(k < (int)sizeof b.coding_history ? k : (int)sizeof b.coding_history - 1);
    }
    if (sf_command(sf, SFC_SET_BROADCAST_INFO, &b, sizeof b) != SF_TRUE) {
        snprintf(err, errlen, "cannot set the broadcast-wave (bext) fields");
        return -1;
    }
    return 0;
}

int cli_dir_state(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return 2;
    DIR *d = opendir(path);
    if (!d) return -1;
    int empty = 1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty ? 1 : 2;
}

void cli_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        remove(path);
        return;
    }
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            cli_remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}
