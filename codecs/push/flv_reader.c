/* An FLV file of H.264 + AAC, or an Enhanced FLV (HEVC, AV1, VP9, Opus, FLAC, AC-3...,
 * as rtmp-dump records them), read without FFmpeg: its tags already are what RTMP
 * carries, so rtmp-push sends them as they are. */
#include "flv_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/timeline.h"
#include "avc_aac.h"

#define READ_CHUNK       (256 * 1024)
#define MAX_TAG_BYTES    (RTMPKIT_FLV_MAX_TAG_SIZE + RTMPKIT_FLV_TAG_HEADER_SIZE + 4)
#define PROBE_TAGS       64         /* tags looked at to learn the codecs */

struct rk_flv_reader {
    int fd;
    char *path;
    uint8_t *buf;           /* file bytes not yet returned */
    size_t cap, start, end;
    int eof;
    size_t data_offset;     /* the first tag's position, for --loop */
    int loops_left;         /* 0: forever */
    rtmpkit_timeline tl;    /* the file's 32-bit times unwrapped; each loop a new segment */
    int64_t last_dts_ms;    /* highest dts returned */
    int have_first;         /* this loop has had its first frame */
    int no_audio, no_video;
    int avc_length_size;
    int sent_config;        /* metadata and sequence headers go out once, not each loop */
    int64_t duration_ms;    /* one pass, -1: not known */
    char description[160];
    rtmpkit_log *log;
};

static int fill(rk_flv_reader *s)
{
    ssize_t n;
    if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->end - s->start);
        s->end -= s->start;
        s->start = 0;
    }
    if (s->end == s->cap) {
        size_t cap = s->cap * 2 > MAX_TAG_BYTES ? MAX_TAG_BYTES + READ_CHUNK : s->cap * 2;
        uint8_t *buf = cap > s->cap ? realloc(s->buf, cap) : NULL;
        if (!buf)
            return RTMPKIT_ENOMEM;
        s->buf = buf;
        s->cap = cap;
    }
    do
        n = read(s->fd, s->buf + s->end, s->cap - s->end);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "cannot read %s: %s", s->path, strerror(errno));
        return RTMPKIT_EINPUT;
    }
    if (n == 0)
        s->eof = 1;
    s->end += (size_t)n;
    return 0;
}

/* The next raw tag of the file; 1, 0 at the end, or an error. */
static int next_file_tag(rk_flv_reader *s, rtmpkit_flv_tag *tag)
{
    for (;;) {
        int n = rtmpkit_flv_read_tag(s->buf + s->start, s->end - s->start, tag);
        int err;
        if (n > 0) {
            s->start += (size_t)n;
            return 1;
        }
        if (n < 0) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: broken FLV tag at byte %lld", s->path,
                         (long long)(lseek(s->fd, 0, SEEK_CUR) - (off_t)(s->end - s->start)));
            return RTMPKIT_EINPUT;
        }
        if (s->eof)
            return 0;   /* a cut last tag is the end of the file */
        if ((err = fill(s)) < 0)
            return err;
    }
}

static int rewind_to_data(rk_flv_reader *s)
{
    if (lseek(s->fd, (off_t)s->data_offset, SEEK_SET) < 0)
        return RTMPKIT_EINPUT;
    s->start = s->end = 0;
    s->eof = 0;
    return 0;
}

/* Sequence headers and onMetaData. Other data tags (onCuePoint, onTextData...) are
 * timed media: sent at their place as they are, since a server takes any
 * "@setDataFrame" for the metadata (nginx replaces the stream's with it). h is the
 * parsed header of an audio or video tag (cleared when it did not parse). */
static int is_config(const rtmpkit_flv_tag *t, const rtmpkit_tag_header *h)
{
    if (t->type == RTMPKIT_FLV_DATA)
        return rtmpkit_flv_is_metadata(t->data, t->size);
    return h->config;
}

/* Legacy H.264 and AAC tags, and Enhanced RTMP tags of the codecs rtmp-push sends (an
 * Enhanced FLV, as rtmp-dump records one), go out as they are: 1 for those, 0 for any
 * other parsed tag. */
static int copyable(const rtmpkit_tag_header *h)
{
    static const uint32_t known[] = {
        RTMPKIT_FOURCC_AVC1, RTMPKIT_FOURCC_HVC1, RTMPKIT_FOURCC_AV01, RTMPKIT_FOURCC_VP09,
        RTMPKIT_FOURCC_MP4A, RTMPKIT_FOURCC_OPUS, RTMPKIT_FOURCC_FLAC, RTMPKIT_FOURCC_AC3, RTMPKIT_FOURCC_EAC3,
    };
    if (h->enhanced) {
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (h->track.fourcc == known[i])
                return 1;
        return 0;
    }
    return h->type == RTMPKIT_FLV_VIDEO ? h->codec == RTMPKIT_VIDEO_CODEC_AVC : h->codec == RTMPKIT_SOUND_AAC;
}

/* "h264", "aac", or the FourCC of an enhanced track ("hvc1", "Opus"). */
static void codec_name(const rtmpkit_tag_header *h, char out[5])
{
    if (!h->enhanced) {
        snprintf(out, 5, "%s", h->type == RTMPKIT_FLV_VIDEO ? "h264" : "aac");
        return;
    }
    for (int i = 0; i < 4; i++) {
        char c = (char)(h->track.fourcc >> (24 - 8 * i));
        out[i] = c > 0x20 && c < 0x7F ? c : '?';
    }
    out[4] = 0;
}

/* Looks at the first tags: only H.264, AAC and the enhanced codecs can be sent as they are. Returns 1 when
 * the file fits, 0 when it needs FFmpeg, or an error. */
static int probe_codecs(rk_flv_reader *s)
{
    int video = -1, audio = -1, err = 1;   /* -1: none seen; 0/1: copyable */
    char vname[5] = "", aname[5] = "";
    rtmpkit_tag_header h;
    rtmpkit_flv_tag t;
    for (int i = 0; i < PROBE_TAGS && (video < 0 || audio < 0); i++) {
        int n = next_file_tag(s, &t), ok;
        if (n <= 0) {
            err = n;
            break;
        }
        if ((t.type != RTMPKIT_FLV_VIDEO && t.type != RTMPKIT_FLV_AUDIO) || t.size == 0)
            continue;
        ok = rtmpkit_tag_parse(t.type, t.data, t.size, &h) > 0 && copyable(&h);
        if (t.type == RTMPKIT_FLV_VIDEO && video < 0 && (video = ok))
            codec_name(&h, vname);
        if (t.type == RTMPKIT_FLV_AUDIO && audio < 0 && (audio = ok))
            codec_name(&h, aname);
        if (t.type == RTMPKIT_FLV_VIDEO && ok && h.config && h.track.len > 0 && h.track.fourcc == RTMPKIT_FOURCC_AVC1)
            s->avc_length_size = rk_avcc_length_size(h.track.data, h.track.len);
    }
    if (err < 0)
        return err;
    if ((video == 0 && !s->no_video) || (audio == 0 && !s->no_audio) || (video < 0 && audio < 0))
        return 0;
    snprintf(s->description, sizeof s->description, "%s%s%s (copied from FLV)",
             video >= 0 && !s->no_video ? vname : "", video >= 0 && audio >= 0 && !s->no_video && !s->no_audio ? " + " : "",
             audio >= 0 && !s->no_audio ? aname : "");
    err = rewind_to_data(s);
    return err < 0 ? err : 1;
}

/* The timestamp of the tag at offset, or -1. */
static int64_t tag_time_at(int fd, off_t offset)
{
    uint8_t h[RTMPKIT_FLV_TAG_HEADER_SIZE];
    if (offset < 0 || pread(fd, h, sizeof h, offset) != (ssize_t)sizeof h)
        return -1;
    return (int64_t)((uint32_t)h[7] << 24 | (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6]);
}

/* One pass: the last tag's time (found through the file's last PreviousTagSize) less
 * the first's. A file cut in the middle of a tag has no such end: -1. */
static int64_t file_duration_ms(int fd, off_t size, size_t data_offset)
{
    uint8_t prev[4];
    int64_t first, last;
    uint32_t back;
    if (size < (off_t)data_offset + 4 || pread(fd, prev, 4, size - 4) != 4)
        return -1;
    back = (uint32_t)prev[0] << 24 | (uint32_t)prev[1] << 16 | (uint32_t)prev[2] << 8 | prev[3];
    first = tag_time_at(fd, (off_t)data_offset);
    last = tag_time_at(fd, size - 4 - (off_t)back);
    return first < 0 || last < first || back < RTMPKIT_FLV_TAG_HEADER_SIZE ? -1 : last - first;
}

int rk_flv_reader_open(rk_flv_reader **out, const struct rk_source_options *o)
{
    rk_flv_reader *s;
    struct stat st;
    int flags = 0, n, err = 0;

    *out = NULL;
    if (!o->input || strcmp(o->input, "-") == 0 || strcmp(o->input, "testsrc") == 0
        || (o->format && strcmp(o->format, "flv") != 0) || o->audio_input || o->force_encode || o->enhanced
        || o->video_codec || o->audio_codec || o->n_audio_streams || o->n_video_streams
        || o->width || o->height || o->fps > 0)
        return 0;
    if (stat(o->input, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;   /* let FFmpeg say what is wrong with it */
    if (!(s = calloc(1, sizeof *s)))
        return RTMPKIT_ENOMEM;
    s->log = o->log;
    s->no_audio = o->no_audio;
    s->no_video = o->no_video;
    s->loops_left = o->loop;
    rtmpkit_timeline_init(&s->tl, RTMPKIT_TIMELINE_CLOSE_GAPS | RTMPKIT_TIMELINE_SOURCE_CLOCK);
    s->avc_length_size = 4;
    s->cap = READ_CHUNK;
    s->buf = malloc(s->cap);
    s->path = strdup(o->input);
    s->fd = open(o->input, O_RDONLY | O_CLOEXEC);
    if (!s->buf || !s->path || s->fd < 0) {
        err = s->fd < 0 ? 0 : RTMPKIT_ENOMEM;
        goto fail;
    }
    if ((err = fill(s)) < 0)
        goto fail;
    n = rtmpkit_flv_read_header(s->buf, s->end, &flags);
    if (n <= 0) {
        err = 0;   /* not FLV (or too short): FFmpeg's turn */
        goto fail;
    }
    s->start = s->data_offset = (size_t)n;
    s->duration_ms = file_duration_ms(s->fd, st.st_size, s->data_offset);
    if ((err = probe_codecs(s)) <= 0)
        goto fail;
    *out = s;
    return 1;
fail:
    rk_flv_reader_close(s);
    return err;
}

/* Flags a video frame for the drop policy, from its frame type and NAL headers. */
static uint32_t video_flags(const rk_flv_reader *s, const rtmpkit_tag_header *h)
{
    rk_h264_info info;
    uint32_t flags = 0;
    if (h->keyframe)
        flags |= RK_TAG_KEYFRAME;
    if (h->frame_type == RTMPKIT_TAG_FRAME_DISPOSABLE)
        flags |= RK_TAG_DROPPABLE;
    else if (h->frame && h->track.fourcc == RTMPKIT_FOURCC_AVC1
             && rk_h264_frame_info(h->track.data, h->track.len, s->avc_length_size, &info) == 0 && info.droppable)
        flags |= RK_TAG_DROPPABLE;
    return flags;
}

int rk_flv_reader_read(rk_flv_reader *s, rk_tag *tag)
{
    for (;;) {
        rtmpkit_flv_tag t;
        rtmpkit_tag_header h;
        int64_t dts;
        int n = next_file_tag(s, &t), config, any_config;
        if (n < 0)
            return n;
        if (n == 0) {
            /* The end of one play: again from the top, later by the time played. */
            if (s->loops_left == 1 || !s->have_first)
                return 0;
            if (s->loops_left > 1)
                s->loops_left--;
            rtmpkit_timeline_new_segment(&s->tl);
            s->have_first = 0;
            s->sent_config = 1;
            if ((n = rewind_to_data(s)) < 0)
                return n;
            continue;
        }
        if ((t.type == RTMPKIT_FLV_VIDEO && s->no_video) || (t.type == RTMPKIT_FLV_AUDIO && s->no_audio)
            || t.size == 0)
            continue;
        rtmpkit_tag_parse(t.type, t.data, t.size, &h);   /* cleared when not audio/video or broken */
        /* Headers before the first frame go out once, at 0; a later one (a change of
         * resolution) goes out at its place. */
        any_config = is_config(&t, &h);
        config = any_config && !s->have_first;
        if (config && s->sent_config)
            continue;
        if (!config)
            s->have_first = 1;
        dts = rtmpkit_timeline_map_tag(&s->tl, t.type, t.timestamp, any_config, t.data, t.size, 0);
        if (dts < s->last_dts_ms)
            dts = s->last_dts_ms;   /* never backwards, across the tracks too */
        s->last_dts_ms = dts;
        tag->type = t.type;
        tag->dts_ms = dts;
        tag->data = t.data;
        tag->size = t.size;
        tag->flags = any_config ? RK_TAG_CONFIG : t.type == RTMPKIT_FLV_VIDEO ? video_flags(s, &h) : 0;
        return 1;
    }
}

int64_t rk_flv_reader_duration_ms(const rk_flv_reader *s)
{
    return s->duration_ms;
}

const char *rk_flv_reader_describe(const rk_flv_reader *s)
{
    return s->description;
}

void rk_flv_reader_close(rk_flv_reader *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    free(s->path);
    free(s);
}
