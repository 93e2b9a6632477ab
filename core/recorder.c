/* FLV out, a tag per write as it arrives, metadata patched on close (see rtmpkit/recorder.h). */
#include "rtmpkit/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/timeline.h"

#define METADATA_MAX   (1024 * 1024)   /* the rewritten onMetaData */
#define NAME_MAX_LEN   64              /* "stdout", "descriptor N" */
#define FLV_FLAG_AUDIO 0x04
#define FLV_FLAG_VIDEO 0x01
#define FLV_FLAGS_AT   4               /* the flags byte in the file header */

struct rtmpkit_recorder {
    char *path;                 /* the file to create; NULL for stdout or a given fd */
    char name[NAME_MAX_LEN];    /* for messages when there is no path */
    int fd;                     /* the file's: -1 until opened */
    int own_fd;                 /* opened here: closed here */
    int opened, closed, failed;
    int reader_gone;            /* a pipe whose reader closed it (EPIPE) */
    int error_code;             /* the first failure's: RTMPKIT_EOUTPUT or _EDISK_FULL */
    int seekable;               /* a regular file, not appending: patched on close */
    off_t start;                /* where the FLV begins in it */
    uint64_t bytes;
    uint64_t tags[3];           /* audio, video, data */
    uint64_t frames[2];         /* audio, video tags that carry coded frames */
    uint8_t flv_flags;          /* audio/video, as seen */
    int metadata_done;          /* the first onMetaData was rewritten */
    off_t duration_at;          /* its doubles, from the FLV's start; -1: nothing to patch */
    off_t filesize_at;
    rtmpkit_timeline tl;
    uint64_t skipped;           /* frames left out after a reconnect */
    /* Per track (audio, video): what came last, to know a server's replay after a
     * reconnect and a sequence header sent again unchanged. */
    uint32_t last_wire[2];      /* the wire time of the last frame written */
    int have_wire[2];
    int resuming[2];            /* reconnected: no frame written on the track since */
    int replayed[2];            /* ... and the server sent again a frame already written */
    uint8_t *last_config[2];    /* the last sequence header written, and its length */
    size_t last_config_len[2];
    uint8_t *last_meta;         /* the last onMetaData received, as received */
    size_t last_meta_len;
    char error[256];
};

/* Remembers the first failure's message; every later write fails too. */
__attribute__((format(printf, 2, 3)))
static int fail(rtmpkit_recorder *rec, const char *fmt, ...)
{
    va_list ap;
    if (!rec->error[0]) {
        va_start(ap, fmt);
        vsnprintf(rec->error, sizeof rec->error, fmt, ap);
        va_end(ap);
    }
    if (!rec->failed)
        rec->error_code = RTMPKIT_EOUTPUT;
    rec->failed = 1;
    return rec->error_code;
}

/* The output as messages name it: "x.flv", "stdout", "descriptor 5". */
static const char *shown(const rtmpkit_recorder *rec)
{
    return rec->path ? rec->path : rec->name;
}

rtmpkit_recorder *rtmpkit_recorder_new(const rtmpkit_recorder_config *cfg)
{
    rtmpkit_recorder *rec = calloc(1, sizeof *rec);
    if (!rec)
        return NULL;
    rec->fd = -1;
    rec->duration_at = rec->filesize_at = -1;
    if (cfg->path && strcmp(cfg->path, "-") != 0) {
        if (!(rec->path = strdup(cfg->path))) {
            free(rec);
            return NULL;
        }
    } else {
        rec->fd = cfg->path ? STDOUT_FILENO : cfg->fd;
        if (rec->fd == STDOUT_FILENO)
            snprintf(rec->name, sizeof rec->name, "stdout");
        else
            snprintf(rec->name, sizeof rec->name, "descriptor %d", rec->fd);
    }
    rtmpkit_timeline_init(&rec->tl, cfg->timeline_flags);
    return rec;
}

/* A write that failed with errno e: a full disk has an error of its own, a pipe whose
 * reader went away is noted. */
static int write_failed(rtmpkit_recorder *rec, int e)
{
    int first = !rec->failed;
    fail(rec, "cannot write %s%s: %s", rec->path ? "" : "to ", shown(rec), strerror(e));
    if (first && e == EPIPE)
        rec->reader_gone = 1;
    if (first && (e == ENOSPC || e == EDQUOT || e == EFBIG))
        rec->error_code = RTMPKIT_EDISK_FULL;
    return rec->error_code;
}

static int write_all(rtmpkit_recorder *rec, struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(rec->fd, iov, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return write_failed(rec, errno);
        }
        rec->bytes += (uint64_t)n;
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* Patching needs absolute offsets: a regular file, not in append mode (pwrite would
 * append there). */
static void check_seekable(rtmpkit_recorder *rec)
{
    struct stat st;
    int flags = fcntl(rec->fd, F_GETFL);
    rec->seekable = fstat(rec->fd, &st) == 0 && S_ISREG(st.st_mode) && flags >= 0 && !(flags & O_APPEND) &&
                    (rec->start = lseek(rec->fd, 0, SEEK_CUR)) >= 0;
}

/* Creates the file (or takes stdout, or the given fd) and writes the FLV header. */
static int open_output(rtmpkit_recorder *rec)
{
    uint8_t header[RTMPKIT_FLV_HEADER_SIZE];
    struct iovec iov = { header, sizeof header };
    if (rec->path) {
        rec->fd = open(rec->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (rec->fd < 0)
            return fail(rec, "cannot create %s: %s", rec->path, strerror(errno));
        rec->own_fd = 1;
    }
    rec->opened = 1;
    check_seekable(rec);
    /* Both flags until we know: corrected on close when the output is seekable. */
    rtmpkit_flv_write_header(header, 1, 1);
    return write_all(rec, &iov, 1);
}

static int track_of(uint8_t type)
{
    return type == RTMPKIT_FLV_AUDIO ? 0 : type == RTMPKIT_FLV_VIDEO ? 1 : 2;
}

static int carries_frame(uint8_t type, const uint8_t *data, size_t len)
{
    rtmpkit_tag_header h;
    return rtmpkit_tag_parse(type, data, len, &h) > 0 && h.frame;
}

/* A tag that could be written only in part (the disk is full): a regular file is cut
 * back to the end of the last whole tag, so that it stays valid to its end. */
static void cut_partial_tag(rtmpkit_recorder *rec, uint64_t tag_start)
{
    if (rec->bytes == tag_start || !rec->seekable)
        return;
    if (ftruncate(rec->fd, rec->start + (off_t)tag_start) == 0 &&
        lseek(rec->fd, rec->start + (off_t)tag_start, SEEK_SET) >= 0)
        rec->bytes = tag_start;
}

/* One tag per write: after a kill -9 the file ends with complete tags, at most the one
 * being written is cut. */
static int write_tag(rtmpkit_recorder *rec, uint8_t type, uint32_t timestamp, const uint8_t *data, size_t len)
{
    uint8_t header[RTMPKIT_FLV_TAG_HEADER_SIZE], trailer[4];
    struct iovec iov[3] = {
        { header, sizeof header }, { (void *)data, len }, { trailer, sizeof trailer },
    };
    uint64_t tag_start = rec->bytes;
    int err;
    rtmpkit_flv_write_tag_header(header, type, (uint32_t)len, timestamp);
    rtmpkit_flv_write_tag_trailer(trailer, (uint32_t)len);
    if ((err = write_all(rec, iov, 3)) < 0) {
        cut_partial_tag(rec, tag_start);
        return err;
    }
    rec->tags[track_of(type)]++;
    if (type == RTMPKIT_FLV_AUDIO && carries_frame(type, data, len))
        rec->frames[0]++;
    if (type == RTMPKIT_FLV_VIDEO && carries_frame(type, data, len))
        rec->frames[1]++;
    if (type == RTMPKIT_FLV_AUDIO)
        rec->flv_flags |= FLV_FLAG_AUDIO;
    if (type == RTMPKIT_FLV_VIDEO)
        rec->flv_flags |= FLV_FLAG_VIDEO;
    return 0;
}

/* The first onMetaData is written again with duration and filesize properties whose
 * values are patched in place on close. */
static int write_metadata(rtmpkit_recorder *rec, uint32_t timestamp, const uint8_t *data, size_t len)
{
    rtmpkit_buf b;
    size_t duration_at, filesize_at;
    off_t tag_start = (off_t)rec->bytes;
    int err;

    rtmpkit_buf_init(&b, METADATA_MAX);
    if (rtmpkit_flv_metadata_with_totals(data, len, &b, &duration_at, &filesize_at) < 0 ||
        b.len > RTMPKIT_FLV_MAX_TAG_SIZE) {
        err = write_tag(rec, RTMPKIT_FLV_DATA, timestamp, data, len);   /* keep as received */
    } else {
        rec->metadata_done = 1;
        err = write_tag(rec, RTMPKIT_FLV_DATA, timestamp, b.data, b.len);
        if (err == 0 && rec->seekable) {
            rec->duration_at = tag_start + RTMPKIT_FLV_TAG_HEADER_SIZE + (off_t)duration_at;
            rec->filesize_at = tag_start + RTMPKIT_FLV_TAG_HEADER_SIZE + (off_t)filesize_at;
        }
    }
    rtmpkit_buf_free(&b);
    return err;
}

/* Whether two bodies are the same bytes. */
static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return a && alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Keeps a copy of data in *copy (replacing the old one). 0, or -1 when out of memory
 * (nothing kept then: the next one is written). */
static int keep_copy(uint8_t **copy, size_t *copy_len, const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    free(*copy);
    *copy = p;
    *copy_len = 0;
    if (!p)
        return -1;
    if (len)
        memcpy(p, data, len);
    *copy_len = len;
    return 0;
}

/* A sequence header that says what the last one on its track said: left out (servers
 * send them again on each play, after a reconnect too). */
static int repeated_config(rtmpkit_recorder *rec, uint8_t type, const uint8_t *data, size_t len)
{
    int t = track_of(type);
    if (same_bytes(rec->last_config[t], rec->last_config_len[t], data, len))
        return 1;
    keep_copy(&rec->last_config[t], &rec->last_config_len[t], data, len);
    return 0;
}

/* An onMetaData like the last one: left out. */
static int repeated_metadata(rtmpkit_recorder *rec, const uint8_t *data, size_t len)
{
    if (same_bytes(rec->last_meta, rec->last_meta_len, data, len))
        return 1;
    if (len <= METADATA_MAX)
        keep_copy(&rec->last_meta, &rec->last_meta_len, data, len);
    return 0;
}

/* A video frame that starts a picture on its own. */
static int is_keyframe(const uint8_t *data, size_t len)
{
    return len > 0 && (data[0] >> 4 & 7) == 1;   /* legacy and enhanced: frameType 1 */
}

/* After a reconnect, per track until a frame is written: frames the server sends again
 * (a GOP cache replays from its last keyframe: wire times up to the last written, within
 * RTMPKIT_TIMELINE_BACK_MS) are left out, and so is video before a keyframe unless such a
 * replay showed that the new frames continue the old ones. Returns 1 to leave it out. */
static int skip_after_reconnect(rtmpkit_recorder *rec, uint8_t type, uint32_t timestamp, const uint8_t *data,
                                size_t len)
{
    int t = track_of(type);
    if (!rec->resuming[t])
        return 0;
    if (rec->have_wire[t]) {
        int32_t step = (int32_t)(timestamp - rec->last_wire[t]);
        if (step <= 0 && step >= -RTMPKIT_TIMELINE_BACK_MS) {
            rec->replayed[t] = 1;
            rec->skipped++;
            return 1;
        }
    }
    if (type == RTMPKIT_FLV_VIDEO && !rec->replayed[t] && !is_keyframe(data, len)) {
        rec->skipped++;
        return 1;
    }
    rec->resuming[t] = rec->replayed[t] = 0;
    return 0;
}

/* Whether a tag is left out: a frame a reconnect made useless, a header or metadata said
 * before. A frame kept is remembered. */
static int leave_out(rtmpkit_recorder *rec, uint8_t type, uint32_t timestamp, const uint8_t *data, size_t len,
                     int config)
{
    if (type == RTMPKIT_FLV_DATA)
        return rtmpkit_flv_is_metadata(data, len) && repeated_metadata(rec, data, len);
    if (config)
        return repeated_config(rec, type, data, len);
    if (skip_after_reconnect(rec, type, timestamp, data, len))
        return 1;
    rec->last_wire[track_of(type)] = timestamp;
    rec->have_wire[track_of(type)] = 1;
    return 0;
}

int rtmpkit_recorder_write(rtmpkit_recorder *rec, uint8_t type, uint32_t timestamp,
                           const uint8_t *data, size_t len, uint64_t now_ms)
{
    int64_t out;
    int err, config;
    if (rec->closed)
        return fail(rec, "cannot write %s%s: the recording is closed", rec->path ? "" : "to ", shown(rec));
    if (rec->failed)
        return rec->error_code;
    if (type != RTMPKIT_FLV_AUDIO && type != RTMPKIT_FLV_VIDEO && type != RTMPKIT_FLV_DATA)
        return 0;
    config = rtmpkit_tag_is_config(type, data, len);
    if (leave_out(rec, type, timestamp, data, len, config))
        return 0;
    out = rtmpkit_timeline_map_tag(&rec->tl, type, timestamp, config, data, len, now_ms);
    if (out > UINT32_MAX)
        out = UINT32_MAX;       /* FLV's 32 bits: after 49 days the time stays there */
    if (!rec->opened && (err = open_output(rec)) < 0)
        return err;
    if (len > RTMPKIT_FLV_MAX_TAG_SIZE)
        return 0;   /* cannot be represented in FLV; the chunk layer caps below this anyway */
    if (type == RTMPKIT_FLV_DATA && !rec->metadata_done && rtmpkit_flv_is_metadata(data, len))
        return write_metadata(rec, (uint32_t)out, data, len);
    return write_tag(rec, type, (uint32_t)out, data, len);
}

void rtmpkit_recorder_new_segment(rtmpkit_recorder *rec)
{
    rtmpkit_timeline_new_segment(&rec->tl);
}

void rtmpkit_recorder_reconnected(rtmpkit_recorder *rec)
{
    rtmpkit_timeline_reconnected(&rec->tl);
    rec->resuming[0] = rec->resuming[1] = 1;
    rec->replayed[0] = rec->replayed[1] = 0;
}

static int64_t duration_ms(const rtmpkit_recorder *rec)
{
    int64_t d = rtmpkit_timeline_duration(&rec->tl);
    return d > UINT32_MAX ? UINT32_MAX : d;
}

/* An AMF0 number's 8 bytes (big-endian IEEE double) at offset in the FLV. */
static int patch_double(rtmpkit_recorder *rec, off_t offset, double value)
{
    uint8_t be[8];
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(bits >> (56 - 8 * i));
    if (pwrite(rec->fd, be, sizeof be, rec->start + offset) != (ssize_t)sizeof be)
        return fail(rec, "cannot update the metadata of %s: %s", shown(rec), strerror(errno));
    return 0;
}

/* Duration, file size and the real audio/video flags, written in place. */
static int patch_totals(rtmpkit_recorder *rec)
{
    int err = 0;
    if (rec->duration_at >= 0) {
        if (patch_double(rec, rec->duration_at, (double)duration_ms(rec) / 1000.0) < 0 ||
            patch_double(rec, rec->filesize_at, (double)rec->bytes) < 0)
            err = RTMPKIT_EOUTPUT;
    }
    if (rec->flv_flags && pwrite(rec->fd, &rec->flv_flags, 1, rec->start + FLV_FLAGS_AT) != 1)
        err = fail(rec, "cannot update the header of %s: %s", shown(rec), strerror(errno));
    return err;
}

int rtmpkit_recorder_close(rtmpkit_recorder *rec)
{
    int err = 0;
    if (rec->closed)
        return 0;
    rec->closed = 1;
    if (!rec->opened)
        return 0;
    if (rec->seekable)
        err = patch_totals(rec);
    if (rec->own_fd) {
        if (close(rec->fd) != 0)
            err = fail(rec, "cannot close %s: %s", shown(rec), strerror(errno));
        rec->fd = -1;
    }
    return err;
}

void rtmpkit_recorder_get_stats(const rtmpkit_recorder *rec, rtmpkit_recorder_stats *stats)
{
    stats->opened = rec->opened;
    stats->audio_tags = rec->tags[0];
    stats->video_tags = rec->tags[1];
    stats->data_tags = rec->tags[2];
    stats->audio_frames = rec->frames[0];
    stats->video_frames = rec->frames[1];
    stats->bytes = rec->bytes;
    stats->duration_ms = duration_ms(rec);
    stats->skipped = rec->skipped;
}

int rtmpkit_recorder_reader_gone(const rtmpkit_recorder *rec)
{
    return rec->reader_gone;
}

const char *rtmpkit_recorder_error_message(const rtmpkit_recorder *rec)
{
    return rec->error;
}

void rtmpkit_recorder_free(rtmpkit_recorder *rec)
{
    if (!rec)
        return;
    rtmpkit_recorder_close(rec);
    free(rec->last_config[0]);
    free(rec->last_config[1]);
    free(rec->last_meta);
    free(rec->path);
    free(rec);
}
