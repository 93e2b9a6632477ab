/* The media pipeline behind rtmp-push: inputs -> (copy | decode + encode) -> FLV tag
 * bodies in two per-stream queues -> merged by DTS, rebased to 0, never going back. */
#include "ffmpeg_source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/time.h>

#include "rtmpkit/bytes.h"
#include "encode.h"
#include "rtmpkit/error.h"
#include "rtmpkit/version.h"
#include "avc_aac.h"
#include "testsrc.h"

#define TAG_MAX_BYTES   (64u << 20)   /* one tag body; larger frames are an input error */
/* Look-ahead: while one stream has nothing queued we read on, but stop once the other
 * stream's queue spans this much (a sparse or dead stream must not make us buffer the
 * whole file); its late tags are then clamped to the output clock. */
#define LOOKAHEAD_MS_FILE  10000
#define LOOKAHEAD_MS_LIVE  1000
#define LOOKAHEAD_BYTES    (64u << 20)
#define ENCODER_NAME "rtmpkit " RTMPKIT_VERSION

static const AVRational ms_tb = { 1, 1000 };

enum { VIDEO = 0, AUDIO = 1, NTRACKS = 2 };

/* One queued tag; data follows the struct. */
struct qtag {
    struct qtag *next;
    int64_t dts;            /* ms, loop offset applied, not yet rebased */
    uint32_t flags;
    uint8_t type;
    size_t size;
    uint8_t data[];
};

struct queue {
    struct qtag *head, *tail;
    size_t count, bytes;
};

struct input {
    AVFormatContext *fmt;       /* NULL for testsrc */
    rk_testsrc *ts;
    const char *name;
    int loops_left;             /* plays still to come after this one; -1: forever */
    int64_t offset_ms;          /* added to all timestamps: the length of the plays so far */
    int64_t first_ms, end_ms;   /* extent of one play (pts, raw), for the next offset */
    int live;
};

struct track {
    int present;
    int kind;                   /* VIDEO or AUDIO */
    struct input *in;
    int index;                  /* stream index in in->fmt */
    AVStream *st;
    int copy;
    AVCodecContext *dec;
    rk_venc *venc;
    rk_aenc *aenc;
    struct queue q;
    int eof;
    int have_config;
    rtmpkit_buf config;              /* sequence header tag body */
    int length_size;            /* video: NAL length size of the input packets, 0: Annex B.
                                 * Known from the extradata, never guessed per packet: a
                                 * 256..511-byte NAL has a length that looks like 00 00 01. */
    int seen_key;               /* video: leading non-keyframes are dropped */
    int64_t last_raw_dts;       /* ms, to estimate missing packet durations */
    int64_t delta_ms;
    int seen_dts;               /* a packet had a dts: later ones without get dts = pts */
    int leading_no_dts;         /* video: packets before that, with a pts only */
    int64_t first_pts_ms;       /* the first of those packets' pts */
    /* for describe() and onMetaData */
    const char *in_codec;
    int width, height;
    double fps;
    int sample_rate, channels;
    double kbps;
};

struct rk_ffmpeg_source {
    struct rk_source_options opts;
    rtmpkit_log *log;
    struct input main_in, audio_in;
    struct track tr[NTRACKS];
    struct queue head;          /* onMetaData and sequence headers, sent first */
    struct qtag *cur;           /* the tag last returned */
    AVPacket *pkt, *opkt;
    AVFrame *frame;
    rtmpkit_buf scratch;
    int have_base;
    int64_t base, last_out;
    int live;
    char desc[256];
};

/* ---- queues ---- */

static void queue_push(struct queue *q, struct qtag *t)
{
    t->next = NULL;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    q->count++;
    q->bytes += t->size;
}

static struct qtag *queue_pop(struct queue *q)
{
    struct qtag *t = q->head;
    if (!t)
        return NULL;
    q->head = t->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= t->size;
    return t;
}

static void queue_free(struct queue *q)
{
    struct qtag *t;
    while ((t = queue_pop(q)))
        free(t);
}

static int queue_span_over(const struct queue *q, int64_t max_ms)
{
    return q->head && (q->tail->dts - q->head->dts > max_ms || q->bytes > LOOKAHEAD_BYTES);
}

/* Queues a copy of body as a tag. */
static int enqueue(struct queue *q, uint8_t type, int64_t dts, uint32_t flags, const rtmpkit_buf *body)
{
    struct qtag *t;

    if (body->err)
        return body->err == RTMPKIT_ELIMIT ? RTMPKIT_EINPUT : body->err;
    if (!(t = malloc(sizeof *t + body->len)))
        return RTMPKIT_ENOMEM;
    t->dts = dts;
    t->flags = flags;
    t->type = type;
    t->size = body->len;
    memcpy(t->data, body->data, body->len);
    queue_push(q, t);
    return 0;
}

/* ---- logging ---- */

static int cancelled(const rk_ffmpeg_source *s)
{
    return s->opts.cancel && *s->opts.cancel;
}


static int fail_av(rk_ffmpeg_source *s, const char *what, const char *name, int averr)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(averr, msg, sizeof msg);
    rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s %s: %s", what, name, msg);
    return RTMPKIT_EINPUT;
}

/* ---- video tags ---- */

/* The sequence header tag body for extradata (H.264 avcC / Annex B, or AAC ASC). */
static int config_body(struct track *t, const uint8_t *extra, size_t len, rtmpkit_buf *body, int *length_size)
{
    if (t->kind == AUDIO) {
        rk_flv_put_aac(body, RTMPKIT_TAG_SEQUENCE_START, extra, len);
        return body->err;
    }
    rk_flv_put_avc(body, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_START, 0, NULL, 0);
    if (rk_avcc_from_extradata(extra, len, body, length_size) < 0)
        return RTMPKIT_EINPUT;
    if (extra[0] != 1)
        *length_size = 0;
    return 0;
}

/* The sequence header from extradata when there is any (avcC or Annex B). */
static int video_config_from_extradata(struct track *t, const uint8_t *extra, size_t len)
{
    int ret;
    if (!extra || !len)
        return 0;
    rtmpkit_buf_reset(&t->config);
    /* Annex B extradata means Annex B packets: length_size 0. */
    if ((ret = config_body(t, extra, len, &t->config, &t->length_size)) < 0)
        return ret;
    t->have_config = 1;
    return 0;
}

/* The first keyframe of an Annex B stream without extradata carries SPS/PPS in band. */
static int video_config_inband(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n)
{
    rtmpkit_buf_reset(&t->config);
    rk_flv_put_avc(&t->config, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_START, 0, NULL, 0);
    if (t->length_size != 0 || rk_avcc_from_annexb(p, n, &t->config) < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: H.264 without SPS/PPS before the first keyframe",
                     t->in->name);
        return RTMPKIT_EINPUT;
    }
    t->have_config = 1;
    return 0;
}

/* Queues one H.264 access unit (Annex B or length-prefixed as t->length_size says);
 * Annex B is converted to the 4-byte lengths our avcC announces. */
static int emit_video(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n,
                      int64_t pts, int64_t dts, int container_key)
{
    rtmpkit_buf *b = &s->scratch;
    rk_h264_info info;
    int annexb = t->length_size == 0;
    int key, ret;

    if (rk_h264_frame_info(p, n, annexb ? 0 : t->length_size, &info) < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "skipping a malformed H.264 frame at %lld ms", (long long)dts);
        return 0;
    }
    key = info.keyframe || container_key;
    if (!t->seen_key) {
        if (!key)
            return 0;   /* undecodable without the frames before it */
        if (!t->have_config && (ret = video_config_inband(s, t, p, n)) < 0)
            return ret;
        t->seen_key = 1;
    }
    rtmpkit_buf_reset(b);
    rk_flv_put_avc(b, key ? RTMPKIT_TAG_FRAME_KEY : info.droppable ? RTMPKIT_TAG_FRAME_DISPOSABLE : RTMPKIT_TAG_FRAME_INTER,
                   RTMPKIT_TAG_CODED_FRAMES, (int32_t)(pts - dts), NULL, 0);
    if (annexb)
        rk_annexb_to_avcc(p, n, 0, b);
    else
        rtmpkit_put_bytes(b, p, n);
    return enqueue(&t->q, 9, dts, (key ? RK_TAG_KEYFRAME : 0) | (info.droppable ? RK_TAG_DROPPABLE : 0), b);
}

/* ---- audio tags ---- */

static int audio_config(struct track *t, const uint8_t *asc, size_t len)
{
    rtmpkit_buf_reset(&t->config);
    rk_flv_put_aac(&t->config, RTMPKIT_TAG_SEQUENCE_START, asc, len);
    t->have_config = !t->config.err;
    return t->config.err;
}

/* Strips ADTS headers; one packet may hold several frames (1024 samples each). */
static int emit_adts(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n, int64_t dts)
{
    int64_t i = 0;
    rk_adts h;
    int ret;

    while (n > 0) {
        if ((ret = rk_adts_parse(p, n, &h)) < 0) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "skipping %zu bytes of malformed ADTS audio at %lld ms",
                         n, (long long)dts);
            return 0;
        }
        if (!t->have_config) {
            uint8_t asc[2];
            rk_aac_asc_from_adts(&h, asc);
            if ((ret = audio_config(t, asc, 2)) < 0)
                return ret;
            t->sample_rate = h.sample_rate;
            t->channels = h.channels;
        }
        rtmpkit_buf_reset(&s->scratch);
        rk_flv_put_aac(&s->scratch, RTMPKIT_TAG_CODED_FRAMES, p + h.header_size, (size_t)(h.frame_size - h.header_size));
        if ((ret = enqueue(&t->q, 8, dts + i * 1024 * 1000 / h.sample_rate, 0, &s->scratch)) < 0)
            return ret;
        p += h.frame_size;
        n -= (size_t)h.frame_size;
        i++;
    }
    return 0;
}

/* A packet is ADTS when the stream has no AudioSpecificConfig, or when it is exactly one
 * well-formed ADTS frame (some muxers keep the headers). */
static int is_adts(const struct track *t, const uint8_t *p, size_t n)
{
    rk_adts h;
    if (!t->have_config)
        return 1;
    return rk_adts_parse(p, n, &h) == 0 && (size_t)h.frame_size == n;
}

static int emit_audio(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n, int64_t dts)
{
    if (is_adts(t, p, n))
        return emit_adts(s, t, p, n, dts);
    rtmpkit_buf_reset(&s->scratch);
    rk_flv_put_aac(&s->scratch, RTMPKIT_TAG_CODED_FRAMES, p, n);
    return enqueue(&t->q, 8, dts, 0, &s->scratch);
}

/* ---- timestamps ---- */

/* Records the play's extent (raw ms) so the next loop starts right after it. */
static void note_extent(struct track *t, int64_t pts, int64_t dur)
{
    struct input *in = t->in;
    if (pts < in->first_ms)
        in->first_ms = pts;
    if (pts + dur > in->end_ms)
        in->end_ms = pts + dur;
}

/* Matroska stores no dts: FFmpeg derives it from the pts of the frames that follow, so
 * the first video_delay packets of a stream with B-frames have none. Using their pts
 * would put them after the next frames' dts (clamped, their composition times lost): they
 * get the dts of the frames before the first pts instead, one frame apart. */
static int64_t leading_dts(struct track *t, int64_t pts)
{
    int delay = t->st->codecpar->video_delay;
    int64_t dts;
    if (t->leading_no_dts == 0)
        t->first_pts_ms = pts;
    dts = t->first_pts_ms - llrint((delay - t->leading_no_dts) * 1000.0 / (t->fps > 0 ? t->fps : 30));
    t->leading_no_dts++;
    return dts < pts ? dts : pts;
}

/* A packet's (pts, dts) in ms with the loop offset; its duration feeds the extent. */
static void packet_times(struct track *t, const AVPacket *pkt, int64_t *pts, int64_t *dts)
{
    int64_t d = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    int64_t p = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : d;
    int64_t dur;

    if (d == AV_NOPTS_VALUE) {
        *dts = *pts = t->last_raw_dts == INT64_MIN ? 0 : t->last_raw_dts + t->delta_ms;
    } else {
        *dts = av_rescale_q(d, t->st->time_base, ms_tb);
        *pts = av_rescale_q(p, t->st->time_base, ms_tb);
        if (pkt->dts != AV_NOPTS_VALUE)
            t->seen_dts = 1;
        else if (t->kind == VIDEO && !t->seen_dts && t->st->codecpar->video_delay > 0)
            *dts = leading_dts(t, *pts);
    }
    if (t->last_raw_dts != INT64_MIN && *dts > t->last_raw_dts)
        t->delta_ms = *dts - t->last_raw_dts;
    t->last_raw_dts = *dts;
    dur = pkt->duration > 0 ? av_rescale_q(pkt->duration, t->st->time_base, ms_tb) : t->delta_ms;
    note_extent(t, *pts, dur);
    *pts += t->in->offset_ms;
    *dts += t->in->offset_ms;
}

/* ---- encode path ---- */

/* Moves every packet the encoder has ready into the track's queue. */
static int drain_encoder(rk_ffmpeg_source *s, struct track *t)
{
    AVPacket *pkt = s->opkt;
    int ret;

    for (;;) {
        ret = t->kind == VIDEO ? rk_venc_receive(t->venc, pkt) : rk_aenc_receive(t->aenc, pkt);
        if (ret <= 0)
            return ret;
        if (t->kind == VIDEO)
            ret = emit_video(s, t, pkt->data, (size_t)pkt->size, pkt->pts, pkt->dts,
                             !!(pkt->flags & AV_PKT_FLAG_KEY));
        else
            ret = emit_audio(s, t, pkt->data, (size_t)pkt->size, pkt->dts);
        av_packet_unref(pkt);
        if (ret < 0)
            return ret;
    }
}

static int encode_frame(rk_ffmpeg_source *s, struct track *t, const AVFrame *f)
{
    int ret;
    /* --duration: the encoder is flushed at the limit, so every frame before it comes out
     * (cutting its output by dts instead would lose the last B-frames of the GOP). */
    if (f && s->opts.duration > 0 && f->pts >= (int64_t)(s->opts.duration * 1000)) {
        if ((ret = encode_frame(s, t, NULL)) < 0)
            return ret;
        t->eof = 1;
        return 0;
    }
    ret = t->kind == VIDEO ? rk_venc_send(t->venc, f) : rk_aenc_send(t->aenc, f);
    return ret < 0 ? ret : drain_encoder(s, t);
}

/* Decoded frames go to the encoder with ms timestamps (loop offset included). */
static int drain_decoder(rk_ffmpeg_source *s, struct track *t)
{
    AVFrame *f = s->frame;
    int ret;

    for (;;) {
        ret = avcodec_receive_frame(t->dec, f);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return fail_av(s, "cannot decode", t->in->name, ret);
        if (f->best_effort_timestamp != AV_NOPTS_VALUE)
            f->pts = av_rescale_q(f->best_effort_timestamp, t->st->time_base, ms_tb) + t->in->offset_ms;
        else
            f->pts = t->last_raw_dts + t->in->offset_ms;
        ret = encode_frame(s, t, f);
        av_frame_unref(f);
        if (ret < 0)
            return ret;
    }
}

static int decode_packet(rk_ffmpeg_source *s, struct track *t, const AVPacket *pkt)
{
    int ret = avcodec_send_packet(t->dec, pkt);
    if (ret == AVERROR_INVALIDDATA) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "%s: skipping an undecodable packet", t->in->name);
        return 0;
    }
    if (ret < 0 && ret != AVERROR_EOF)
        return fail_av(s, "cannot decode", t->in->name, ret);
    return drain_decoder(s, t);
}

/* ---- packets in ---- */

/* A copied stream may change its configuration mid-way (an FLV with a new sequence
 * header, a resolution change): send the new one, at this packet's time, before it. */
static int config_update(rk_ffmpeg_source *s, struct track *t, const AVPacket *pkt, int64_t dts)
{
    size_t len = 0;
    const uint8_t *extra = av_packet_get_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, &len);
    int length_size = t->length_size, ret = 0;
    rtmpkit_buf body;

    if (!extra || !len)
        return 0;
    rtmpkit_buf_init(&body, 1 << 20);
    if (config_body(t, extra, len, &body, &length_size) < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "%s: ignoring a malformed new configuration", t->in->name);
        goto done;
    }
    if (t->have_config && body.len == t->config.len && !memcmp(body.data, t->config.data, body.len))
        goto done;
    if (t->have_config && (ret = enqueue(&t->q, t->kind == VIDEO ? 9 : 8, dts, RK_TAG_CONFIG, &body)) < 0)
        goto done;
    rtmpkit_buf_free(&t->config);
    t->config = body;
    rtmpkit_buf_init(&body, 1 << 20);
    t->length_size = length_size;
    t->have_config = 1;
done:
    rtmpkit_buf_free(&body);
    return ret;
}

static int track_packet(rk_ffmpeg_source *s, struct track *t, AVPacket *pkt)
{
    int64_t pts, dts;
    int ret;

    packet_times(t, pkt, &pts, &dts);
    if (!t->copy)
        return decode_packet(s, t, pkt);
    if ((ret = config_update(s, t, pkt, dts)) < 0)
        return ret;
    if (t->kind == VIDEO)
        return emit_video(s, t, pkt->data, (size_t)pkt->size, pts, dts, !!(pkt->flags & AV_PKT_FLAG_KEY));
    return emit_audio(s, t, pkt->data, (size_t)pkt->size, dts);
}

static struct track *track_for(rk_ffmpeg_source *s, const struct input *in, int index)
{
    for (int i = 0; i < NTRACKS; i++)
        if (s->tr[i].present && s->tr[i].in == in && s->tr[i].index == index)
            return &s->tr[i];
    return NULL;
}

/* End of one play: empty the decoders (they are reused for the next play). */
static int drain_decoders_of(rk_ffmpeg_source *s, struct input *in)
{
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        int ret;
        if (!t->present || t->in != in || t->copy)
            continue;
        if ((ret = decode_packet(s, t, NULL)) < 0)
            return ret;
        avcodec_flush_buffers(t->dec);
    }
    return 0;
}

static int finish_tracks_of(rk_ffmpeg_source *s, struct input *in)
{
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        int ret;
        if (!t->present || t->in != in || t->eof)
            continue;
        if (!t->copy && (ret = encode_frame(s, t, NULL)) < 0)
            return ret;
        t->eof = 1;
    }
    return 0;
}

/* Seeks back for the next play; timestamps continue after the last play's end. */
static int rewind_input(rk_ffmpeg_source *s, struct input *in)
{
    int64_t start = in->fmt->start_time != AV_NOPTS_VALUE ? in->fmt->start_time : 0;
    int ret = avformat_seek_file(in->fmt, -1, INT64_MIN, start, start, 0);

    if (ret < 0) {
        fail_av(s, "cannot loop", in->name, ret);
        return 0;
    }
    if (in->end_ms > in->first_ms)
        in->offset_ms += in->end_ms - in->first_ms;
    for (int i = 0; i < NTRACKS; i++)
        if (s->tr[i].in == in)
            s->tr[i].seen_dts = s->tr[i].leading_no_dts = 0;   /* a new start, maybe without dts again */
    if (in->loops_left > 0)
        in->loops_left--;
    rtmpkit_logf(s->log, RTMPKIT_LOG_DEBUG, "looping %s (offset %lld ms)", in->name,
                 (long long)in->offset_ms);
    return 1;
}

static int input_end(rk_ffmpeg_source *s, struct input *in)
{
    int ret;
    if ((ret = drain_decoders_of(s, in)) < 0)
        return ret;
    if (in->loops_left != 0 && !in->live && (ret = rewind_input(s, in)) != 0)
        return ret < 0 ? ret : 0;
    return finish_tracks_of(s, in);
}

/* Reads one packet of in and hands it to its track. */
static int input_read(rk_ffmpeg_source *s, struct input *in)
{
    int ret = av_read_frame(in->fmt, s->pkt);
    struct track *t;

    if (ret < 0 && cancelled(s))
        return RTMPKIT_ECANCELLED;
    if (ret == AVERROR_EOF || (ret < 0 && avio_feof(in->fmt->pb)))
        return input_end(s, in);
    if (ret == AVERROR(EAGAIN)) {
        av_usleep(2000);   /* a non-blocking device with nothing yet: do not spin */
        return 0;
    }
    if (ret < 0)
        return cancelled(s) ? RTMPKIT_ECANCELLED : fail_av(s, "cannot read", in->name, ret);
    t = track_for(s, in, s->pkt->stream_index);
    ret = t && !t->eof ? track_packet(s, t, s->pkt) : 0;
    av_packet_unref(s->pkt);
    return ret;
}

/* testsrc: one more picture or block of samples for this track. */
static int testsrc_step(rk_ffmpeg_source *s, struct track *t)
{
    const AVFrame *f;
    int ret = t->kind == VIDEO ? rk_testsrc_video(t->in->ts, &f) : rk_testsrc_audio(t->in->ts, &f);
    return ret < 0 ? ret : encode_frame(s, t, f);
}

static int fill_step(rk_ffmpeg_source *s, struct track *t)
{
    return t->in->ts ? testsrc_step(s, t) : input_read(s, t->in);
}

/* ---- merging ---- */

/* The track to read for next, or NULL when every track has a tag ready, has ended, or
 * waits on a stream whose look-ahead is full. */
static struct track *track_to_fill(rk_ffmpeg_source *s)
{
    int64_t bound = s->live ? LOOKAHEAD_MS_LIVE : LOOKAHEAD_MS_FILE;
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i], *o = &s->tr[!i];
        if (!t->present || t->eof || t->q.head)
            continue;
        if (o->present && queue_span_over(&o->q, bound))
            continue;
        return t;
    }
    return NULL;
}

static int fill_queues(rk_ffmpeg_source *s)
{
    struct track *t;
    int ret;
    while ((t = track_to_fill(s)))
        if ((ret = fill_step(s, t)) < 0)
            return ret;
    return 0;
}

/* The queued tag with the smallest dts (audio first on ties), or NULL at the end. */
static struct track *pick_track(rk_ffmpeg_source *s)
{
    struct track *best = NULL;
    for (int i = NTRACKS - 1; i >= 0; i--) {
        struct track *t = &s->tr[i];
        if (t->present && t->q.head && (!best || t->q.head->dts < best->q.head->dts))
            best = t;
    }
    return best;
}

/* Rebases to the first media tag and keeps the output clock from going back. */
static void rebase(rk_ffmpeg_source *s, struct qtag *q)
{
    int64_t dts;
    if (!s->have_base) {
        s->base = q->dts;
        s->have_base = 1;
    }
    dts = q->dts - s->base;
    if (dts < s->last_out)
        dts = s->last_out;
    s->last_out = dts;
    q->dts = dts;
}

static void set_tag(rk_ffmpeg_source *s, struct qtag *q, rk_tag *tag)
{
    free(s->cur);
    s->cur = q;
    tag->type = q->type;
    tag->dts_ms = q->dts;
    tag->flags = q->flags;
    tag->data = q->data;
    tag->size = q->size;
}

int rk_ffmpeg_source_read(rk_ffmpeg_source *s, rk_tag *tag)
{
    struct track *t;
    struct qtag *q;
    int ret;

    if ((q = queue_pop(&s->head))) {
        set_tag(s, q, tag);
        return 1;
    }
    if ((ret = fill_queues(s)) < 0)
        return ret;
    if (!(t = pick_track(s)))
        return 0;
    q = queue_pop(&t->q);
    rebase(s, q);
    set_tag(s, q, tag);
    return 1;
}

/* ---- opening ---- */

static int is_device(const AVFormatContext *fmt)
{
    const AVClass *c = fmt->iformat->priv_class;
    return c && (AV_IS_INPUT_DEVICE(c->category));
}

/* FFmpeg polls this during blocking I/O: a signal ends a read of stdin or a device. */
static int interrupted(void *opaque)
{
    return cancelled(opaque);
}

static int open_format(rk_ffmpeg_source *s, struct input *in, const char *name, const char *format)
{
    const AVInputFormat *ifmt = NULL;
    int ret;

    in->name = name;
    if (format && !(ifmt = av_find_input_format(format))) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "unknown input format \"%s\"", format);
        return RTMPKIT_EINPUT;
    }
    if (!(in->fmt = avformat_alloc_context()))
        return RTMPKIT_ENOMEM;
    in->fmt->interrupt_callback = (AVIOInterruptCB){ interrupted, s };
    /* "-" is standard input; the container (FLV, MPEG-TS...) is probed. */
    ret = avformat_open_input(&in->fmt, strcmp(name, "-") ? name : "pipe:0", ifmt, NULL);
    if (ret < 0)
        return cancelled(s) ? RTMPKIT_ECANCELLED : fail_av(s, "cannot open", name, ret);
    if ((ret = avformat_find_stream_info(in->fmt, NULL)) < 0)
        return cancelled(s) ? RTMPKIT_ECANCELLED : fail_av(s, "cannot read streams of", name, ret);
    in->live = is_device(in->fmt) || !strcmp(name, "-") ||
               (strstr(name, "://") && strncmp(name, "file:", 5));
    in->first_ms = INT64_MAX;
    in->end_ms = INT64_MIN;
    return 0;
}

/* Output size: the options', keeping the aspect ratio when only one is given; even. */
static void output_size(const struct rk_source_options *o, int in_w, int in_h, int *w, int *h)
{
    *w = o->width;
    *h = o->height;
    if (*w <= 0 && *h <= 0) {
        *w = in_w;
        *h = in_h;
    } else if (*w <= 0) {
        *w = in_h > 0 ? (int)lrint((double)*h * in_w / in_h) : *h * 16 / 9;
    } else if (*h <= 0) {
        *h = in_w > 0 ? (int)lrint((double)*w * in_h / in_w) : *w * 9 / 16;
    }
    *w &= ~1;
    *h &= ~1;
}

static int open_inputs(rk_ffmpeg_source *s)
{
    const struct rk_source_options *o = &s->opts;
    int ret;

    if (!strcmp(o->input, "testsrc") && !o->format) {
        struct rk_testsrc_config cfg = { 0, 0, o->fps, 48000, 2 };
        output_size(o, 1280, 720, &cfg.width, &cfg.height);
        s->main_in.name = "testsrc";
        if ((ret = rk_testsrc_open(&s->main_in.ts, &cfg)) < 0) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "cannot start the test source");
            return ret;
        }
    } else if ((ret = open_format(s, &s->main_in, o->input, o->format)) < 0) {
        return ret;
    }
    s->main_in.loops_left = o->loop <= 0 ? -1 : o->loop - 1;
    if (o->audio_input && (ret = open_format(s, &s->audio_in, o->audio_input, o->audio_format)) < 0)
        return ret;
    s->live = s->main_in.live || (o->audio_input && s->audio_in.live);
    return 0;
}

static int find_stream(struct input *in, enum AVMediaType type)
{
    int idx;
    if (!in->fmt)
        return -1;
    idx = av_find_best_stream(in->fmt, type, -1, -1, NULL, 0);
    if (idx >= 0 && (in->fmt->streams[idx]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        return -1;   /* cover art, not video */
    return idx;
}

static void init_track(struct track *t, int kind, struct input *in, int index)
{
    t->present = 1;
    t->kind = kind;
    t->in = in;
    t->index = index;
    t->st = in->fmt ? in->fmt->streams[index] : NULL;
    t->last_raw_dts = INT64_MIN;
    rtmpkit_buf_init(&t->config, 1 << 20);
}

static int pick_streams(rk_ffmpeg_source *s)
{
    const struct rk_source_options *o = &s->opts;
    struct input *ain = o->audio_input ? &s->audio_in : &s->main_in;
    int v = -1, a = -1;

    if (!o->no_video)
        v = s->main_in.ts ? 0 : find_stream(&s->main_in, AVMEDIA_TYPE_VIDEO);
    if (!o->no_audio)
        a = ain->ts ? 1 : find_stream(ain, AVMEDIA_TYPE_AUDIO);
    if (v < 0 && a < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no usable audio or video stream", o->input);
        return RTMPKIT_EINPUT;
    }
    if (v >= 0)
        init_track(&s->tr[VIDEO], VIDEO, &s->main_in, v);
    if (a >= 0)
        init_track(&s->tr[AUDIO], AUDIO, ain, a);
    return 0;
}

static double stream_fps(const AVStream *st)
{
    AVRational r = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    double fps = r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
    return fps > 0 && fps <= 240 ? fps : 30;
}

static int video_must_encode(const struct rk_source_options *o, const AVCodecParameters *par,
                             double fps)
{
    if (o->force_encode || par->codec_id != AV_CODEC_ID_H264)
        return 1;
    if ((o->width > 0 && o->width != par->width) || (o->height > 0 && o->height != par->height))
        return 1;
    return o->fps > 0 && fabs(o->fps - fps) > 0.01;
}

static int open_decoder(rk_ffmpeg_source *s, struct track *t)
{
    const AVCodec *codec = avcodec_find_decoder(t->st->codecpar->codec_id);
    int ret;

    if (!codec) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no decoder for %s", t->in->name, t->in_codec);
        return RTMPKIT_EINPUT;
    }
    if (!(t->dec = avcodec_alloc_context3(codec)))
        return RTMPKIT_ENOMEM;
    if (avcodec_parameters_to_context(t->dec, t->st->codecpar) < 0)
        return RTMPKIT_ENOMEM;
    t->dec->pkt_timebase = t->st->time_base;
    if ((ret = avcodec_open2(t->dec, codec, NULL)) < 0)
        return fail_av(s, "cannot open the decoder for", t->in->name, ret);
    return 0;
}

static int open_video_encoder(rk_ffmpeg_source *s, struct track *t)
{
    const struct rk_source_options *o = &s->opts;
    struct rk_venc_config cfg = {
        .width = t->width, .height = t->height, .fps = t->fps, .force_fps = o->fps > 0,
        .kbps = o->video_kbps, .gop_frames = o->gop_frames, .preset = o->preset, .log = s->log,
    };
    const uint8_t *extra;
    size_t len;
    int ret;

    if (t->width < 16 || t->height < 16) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: cannot encode a %dx%d picture", t->in->name,
                     t->width, t->height);
        return RTMPKIT_EINPUT;
    }
    if ((ret = rk_venc_open(&t->venc, &cfg)) < 0)
        return ret;
    extra = rk_venc_extradata(t->venc, &len);
    t->kbps = o->video_kbps > 0 ? o->video_kbps : RK_PUSH_DEFAULT_VIDEO_KBPS;
    return video_config_from_extradata(t, extra, len);
}

static int setup_video(rk_ffmpeg_source *s, struct track *t)
{
    const struct rk_source_options *o = &s->opts;
    const AVCodecParameters *par;
    int ret;

    if (t->in->ts) {
        rk_testsrc_size(t->in->ts, &t->width, &t->height, &t->fps);
        t->in_codec = "testsrc";
        return open_video_encoder(s, t);
    }
    par = t->st->codecpar;
    t->in_codec = avcodec_get_name(par->codec_id);
    t->fps = stream_fps(t->st);
    t->copy = !video_must_encode(o, par, t->fps);
    if (t->copy) {
        t->width = par->width;
        t->height = par->height;
        t->kbps = par->bit_rate > 0 ? par->bit_rate / 1000.0 : 0;
        ret = video_config_from_extradata(t, par->extradata, (size_t)par->extradata_size);
        if (ret < 0)
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: malformed H.264 configuration", t->in->name);
        return ret < 0 ? RTMPKIT_EINPUT : 0;
    }
    output_size(o, par->width, par->height, &t->width, &t->height);
    if (o->fps > 0)
        t->fps = o->fps;
    if ((ret = open_decoder(s, t)) < 0)
        return ret;
    return open_video_encoder(s, t);
}

static int setup_audio(rk_ffmpeg_source *s, struct track *t)
{
    const struct rk_source_options *o = &s->opts;
    const AVCodecParameters *par = t->in->ts ? NULL : t->st->codecpar;
    struct rk_aenc_config cfg = { 48000, 2, o->audio_kbps, s->log };
    const uint8_t *extra;
    size_t len;
    int ret;

    t->in_codec = par ? avcodec_get_name(par->codec_id) : "testsrc";
    if (par && par->codec_id == AV_CODEC_ID_AAC && !o->force_encode) {
        t->copy = 1;
        t->sample_rate = par->sample_rate;
        t->channels = par->ch_layout.nb_channels;
        t->kbps = par->bit_rate > 0 ? par->bit_rate / 1000.0 : 0;
        if (par->extradata_size > 0)
            return audio_config(t, par->extradata, (size_t)par->extradata_size);
        return 0;   /* ADTS: the config comes from the first frame's header */
    }
    if (par && par->sample_rate == 44100)
        cfg.sample_rate = 44100;
    if (par && (ret = open_decoder(s, t)) < 0)
        return ret;
    if ((ret = rk_aenc_open(&t->aenc, &cfg)) < 0)
        return ret;
    t->sample_rate = cfg.sample_rate;
    t->channels = cfg.channels;
    t->kbps = o->audio_kbps > 0 ? o->audio_kbps : RK_PUSH_DEFAULT_AUDIO_KBPS;
    extra = rk_aenc_extradata(t->aenc, &len);
    return audio_config(t, extra, len);
}

/* Reads until each stream has its first tag (the copy path learns some sequence headers
 * from the first frames), then checks every stream has one. */
static int prefetch(rk_ffmpeg_source *s)
{
    int ret;
    if ((ret = fill_queues(s)) < 0)
        return ret;
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        if (!t->present || t->have_config)
            continue;
        if (t->q.head || !t->eof) {
            rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no %s configuration found", t->in->name,
                         i == VIDEO ? "H.264" : "AAC");
            return RTMPKIT_EINPUT;
        }
        t->present = 0;   /* the stream had no packet at all: drop it */
    }
    if (!s->tr[VIDEO].present && !s->tr[AUDIO].present) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no audio or video data", s->opts.input);
        return RTMPKIT_EINPUT;
    }
    return 0;
}

static int push_header_tag(rk_ffmpeg_source *s, uint8_t type, const rtmpkit_buf *body)
{
    return enqueue(&s->head, type, 0, RK_TAG_CONFIG, body);
}

static int build_header(rk_ffmpeg_source *s)
{
    const struct track *v = &s->tr[VIDEO], *a = &s->tr[AUDIO];
    rk_flv_meta m = {
        .has_video = v->present, .has_audio = a->present,
        .width = v->width, .height = v->height, .framerate = v->fps, .videodatarate = v->kbps,
        .audiodatarate = a->kbps, .audiosamplerate = a->sample_rate, .audiosamplesize = 16,
        .stereo = a->channels >= 2, .encoder = ENCODER_NAME,
    };
    int ret;

    if (s->main_in.fmt && !s->live && s->opts.loop == 1 && s->main_in.fmt->duration > 0)
        m.duration = s->main_in.fmt->duration / (double)AV_TIME_BASE;
    rtmpkit_buf_reset(&s->scratch);
    rk_flv_put_metadata(&s->scratch, &m);
    if ((ret = push_header_tag(s, 18, &s->scratch)) < 0)
        return ret;
    if (v->present && (ret = push_header_tag(s, 9, &v->config)) < 0)
        return ret;
    if (a->present && (ret = push_header_tag(s, 8, &a->config)) < 0)
        return ret;
    return 0;
}

static void describe_track(const struct track *t, char *out, size_t cap)
{
    const char *how = t->copy ? "copied" : "encoded";
    if (t->kind == VIDEO)
        snprintf(out, cap, "h264 %dx%d %.4g fps (%s%s%s)", t->width, t->height, t->fps, how,
                 t->copy ? "" : " from ", t->copy ? "" : t->in_codec);
    else
        snprintf(out, cap, "aac %d Hz %s (%s%s%s)", t->sample_rate,
                 t->channels == 1 ? "mono" : t->channels == 2 ? "stereo" : "multichannel", how,
                 t->copy ? "" : " from ", t->copy ? "" : t->in_codec);
}

static void build_description(rk_ffmpeg_source *s)
{
    char v[120] = "", a[120] = "";
    if (s->tr[VIDEO].present)
        describe_track(&s->tr[VIDEO], v, sizeof v);
    if (s->tr[AUDIO].present)
        describe_track(&s->tr[AUDIO], a, sizeof a);
    snprintf(s->desc, sizeof s->desc, "%s%s%s", v, *v && *a ? " + " : "", a);
}

/* FFmpeg's own messages (x264 statistics, decoder complaints) go to stderr through its
 * process-wide logger; follow our level so that a normal run shows only its errors. */
static void set_ffmpeg_log_level(const rtmpkit_log *log)
{
    int level = log ? log->level : RTMPKIT_LOG_INFO;
    av_log_set_level(level <= RTMPKIT_LOG_QUIET ? AV_LOG_QUIET
                     : level >= RTMPKIT_LOG_TRACE ? AV_LOG_VERBOSE
                     : level >= RTMPKIT_LOG_DEBUG ? AV_LOG_INFO : AV_LOG_ERROR);
}

static int alloc_source(rk_ffmpeg_source **out, const struct rk_source_options *opts)
{
    rk_ffmpeg_source *s = calloc(1, sizeof *s);
    if (!s)
        return RTMPKIT_ENOMEM;
    *out = s;
    s->opts = *opts;
    s->log = opts->log;
    rtmpkit_buf_init(&s->scratch, TAG_MAX_BYTES);
    if (!(s->pkt = av_packet_alloc()) || !(s->opkt = av_packet_alloc()) || !(s->frame = av_frame_alloc()))
        return RTMPKIT_ENOMEM;
    return 0;
}

int rk_ffmpeg_source_open(rk_ffmpeg_source **out, const struct rk_source_options *opts)
{
    rk_ffmpeg_source *s = NULL;
    int ret;

    *out = NULL;
    if (!opts || !opts->input)
        return RTMPKIT_EUSAGE;
    avdevice_register_all();   /* v4l2, alsa, pulse, x11grab for -f */
    set_ffmpeg_log_level(opts->log);
    if ((ret = alloc_source(&s, opts)) < 0)
        goto fail;
    if ((ret = open_inputs(s)) < 0 || (ret = pick_streams(s)) < 0)
        goto fail;
    if (s->tr[VIDEO].present && (ret = setup_video(s, &s->tr[VIDEO])) < 0)
        goto fail;
    if (s->tr[AUDIO].present && (ret = setup_audio(s, &s->tr[AUDIO])) < 0)
        goto fail;
    if ((ret = prefetch(s)) < 0 || (ret = build_header(s)) < 0)
        goto fail;
    build_description(s);
    *out = s;
    return 0;
fail:
    rk_ffmpeg_source_close(s);
    return ret;
}

int rk_ffmpeg_source_is_live(const rk_ffmpeg_source *s)
{
    return s->live;
}

const char *rk_ffmpeg_source_describe(const rk_ffmpeg_source *s)
{
    return s->desc;
}

static void close_input(struct input *in)
{
    avformat_close_input(&in->fmt);
    rk_testsrc_close(in->ts);
    in->ts = NULL;
}

void rk_ffmpeg_source_close(rk_ffmpeg_source *s)
{
    if (!s)
        return;
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        avcodec_free_context(&t->dec);
        rk_venc_close(t->venc);
        rk_aenc_close(t->aenc);
        queue_free(&t->q);
        rtmpkit_buf_free(&t->config);
    }
    close_input(&s->main_in);
    close_input(&s->audio_in);
    queue_free(&s->head);
    free(s->cur);
    av_packet_free(&s->pkt);
    av_packet_free(&s->opkt);
    av_frame_free(&s->frame);
    rtmpkit_buf_free(&s->scratch);
    free(s);
}
