#include "decode.h"

#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "rtmpkit/error.h"
#include "rtmpkit/flvtag.h"

/* Sequence headers larger than this are not a decoder configuration we accept. */
#define MAX_EXTRADATA (1024 * 1024)
/* Input sample rates the resampler takes: a peer's 1 Hz or 30 Hz stream would make one
 * frame of 65535 samples (FLAC) hundreds of megabytes of output. */
#define RESAMPLE_MIN_RATE 1000
#define RESAMPLE_MAX_RATE 768000
/* Output of one converted frame, in seconds at the output rate: 10 s (the longest
 * legitimate frames, 65535-sample FLAC blocks at 8 kHz, last 8.2 s); 1.9 MB at 48 kHz
 * stereo. */
#define RESAMPLE_MAX_OUT_S 10
/* Packets go into libavcodec with times in nanoseconds, so that an Enhanced RTMP ModEx
 * TimestampOffsetNano reaches the frame at sub-millisecond precision. */
#define NS_PER_MS 1000000
/* Sequence headers remembered per Enhanced RTMP track, for switching tracks. */
#define MAX_TRACK_CONFIGS 16

/* The last sequence header tag seen for one track (the whole tag body). */
struct track_config {
    int used;
    uint8_t id;
    uint8_t *body;
    size_t len;
};

struct rk_decoder {
    enum rk_decoder_kind kind;
    AVCodecContext *ctx;
    AVCodecContext *old;          /* the decoder before a reopen, until its frames are out */
    AVPacket *pkt;
    enum AVCodecID codec_id;      /* of the open decoder */
    uint8_t *extradata;           /* the sequence header it was opened with */
    size_t extradata_len;
    int sample_rate, channels;    /* audio: what the legacy header said */
    int need_keyframe;            /* video: after a (re)open, frames wait for a keyframe */
    int low_delay;                /* rk_decoder_set_low_delay */
    int skip_nonref;              /* rk_decoder_skip_nonref */
    uint8_t track;                /* the Enhanced RTMP track decoded */
    uint32_t unknown_fourcc;      /* the last unknown FourCC reported (once each) */
    int64_t pts_ns;               /* the exact presentation time of the last frame received */
    struct track_config configs[MAX_TRACK_CONFIGS];
    char describe[96];
    char error[160];
};

/* One parsed tag body. */
struct tag {
    enum AVCodecID codec_id;
    int config;                   /* a sequence header */
    int end;                      /* end of sequence */
    int keyframe;
    int command;                  /* video command frame, metadata: nothing to decode */
    int32_t cts;                  /* composition time offset, ms */
    uint32_t nano_offset;         /* ModEx TimestampOffsetNano, ns (0 when absent) */
    uint32_t fourcc;              /* enhanced: the track's FourCC */
    const uint8_t *data;          /* the payload after the headers */
    size_t len;
    int sample_rate, channels;    /* legacy audio header */
    int pass_extradata;           /* config payload is decoder extradata */
};

/* A FourCC byte as text: a peer's bytes never reach the terminal as they are. */
static char safe_char(uint32_t c)
{
    c &= 0xFF;
    return c >= 0x20 && c < 0x7F ? (char)c : '?';
}

static enum AVCodecID video_fourcc_codec(uint32_t f)
{
    switch (f) {
    case RTMPKIT_FOURCC_AVC1: return AV_CODEC_ID_H264;
    case RTMPKIT_FOURCC_HVC1: return AV_CODEC_ID_HEVC;
    case RTMPKIT_FOURCC_AV01: return AV_CODEC_ID_AV1;
    case RTMPKIT_FOURCC_VP09: return AV_CODEC_ID_VP9;
    case RTMPKIT_FOURCC_VP08: return AV_CODEC_ID_VP8;
    }
    return AV_CODEC_ID_NONE;
}

static enum AVCodecID audio_fourcc_codec(uint32_t f)
{
    switch (f) {
    case RTMPKIT_FOURCC_MP4A: return AV_CODEC_ID_AAC;
    case RTMPKIT_FOURCC_OPUS: return AV_CODEC_ID_OPUS;
    case RTMPKIT_FOURCC_FLAC: return AV_CODEC_ID_FLAC;
    case RTMPKIT_FOURCC_AC3: return AV_CODEC_ID_AC3;
    case RTMPKIT_FOURCC_EAC3: return AV_CODEC_ID_EAC3;
    case RTMPKIT_FOURCC_MP3: return AV_CODEC_ID_MP3;
    }
    return AV_CODEC_ID_NONE;
}

int rk_fourcc_known(enum rk_decoder_kind kind, uint32_t fourcc)
{
    enum AVCodecID id = kind == RK_DECODER_VIDEO ? video_fourcc_codec(fourcc) : audio_fourcc_codec(fourcc);
    return id != AV_CODEC_ID_NONE;
}

/* Legacy video codecs without a FourCC (AVC and HEVC have theirs). */
static void map_legacy_video(const rtmpkit_tag_header *h, struct tag *t)
{
    switch (h->codec) {
    case RTMPKIT_VIDEO_CODEC_H263: t->codec_id = AV_CODEC_ID_FLV1; break;
    case RTMPKIT_VIDEO_CODEC_SCREEN: t->codec_id = AV_CODEC_ID_FLASHSV; break;
    case RTMPKIT_VIDEO_CODEC_VP6: t->codec_id = AV_CODEC_ID_VP6F; break;
    case RTMPKIT_VIDEO_CODEC_SCREEN2: t->codec_id = AV_CODEC_ID_FLASHSV2; break;
    }
    /* VP6: one byte of size adjustment, which FFmpeg takes as extradata. */
    if (t->codec_id == AV_CODEC_ID_VP6F && t->len > 0) {
        t->data++;
        t->len--;
    }
}

/* Legacy audio without a FourCC (AAC and MP3 have theirs): the format, and the rate and
 * channels that some formats fix whatever the header bits say. */
static void map_legacy_audio(const rtmpkit_tag_header *h, struct tag *t)
{
    switch (h->codec) {
    case 0: case 3: t->codec_id = h->sample_bits == 16 ? AV_CODEC_ID_PCM_S16LE : AV_CODEC_ID_PCM_U8; break;
    case 1: t->codec_id = AV_CODEC_ID_ADPCM_SWF; break;
    case 4: t->codec_id = AV_CODEC_ID_NELLYMOSER; t->sample_rate = 16000; t->channels = 1; break;
    case 5: t->codec_id = AV_CODEC_ID_NELLYMOSER; t->sample_rate = 8000; t->channels = 1; break;
    case 6: t->codec_id = AV_CODEC_ID_NELLYMOSER; break;
    case 7: t->codec_id = AV_CODEC_ID_PCM_ALAW; t->sample_rate = 8000; break;
    case 8: t->codec_id = AV_CODEC_ID_PCM_MULAW; t->sample_rate = 8000; break;
    case 11: t->codec_id = AV_CODEC_ID_SPEEX; t->sample_rate = 16000; t->channels = 1; break;
    case RTMPKIT_SOUND_MP3_8K: t->sample_rate = 8000; break;
    }
}

/* Maps the library's reading of a tag body to what the decoder needs; multitrack tags
 * give the track with this id. Returns 0 with *t filled (codec_id NONE for a codec we
 * do not know), or -1 when the body is malformed or has no such track. */
static int parse(enum rk_decoder_kind kind, uint8_t track_id, const uint8_t *b, size_t len, struct tag *t)
{
    int video = kind == RK_DECODER_VIDEO;
    rtmpkit_tag_header h;
    rtmpkit_tag_track track;

    memset(t, 0, sizeof *t);
    if (rtmpkit_tag_parse(video ? RTMPKIT_FLV_VIDEO : RTMPKIT_FLV_AUDIO, b, len, &h) < 0
        || !rtmpkit_tag_find_track(&h, track_id, &track))
        return -1;
    t->keyframe = h.keyframe;
    t->config = t->pass_extradata = h.config;
    t->end = h.packet == RTMPKIT_TAG_SEQUENCE_END;
    /* Command frames, metadata, multichannel configuration: nothing to decode. */
    t->command = h.packet == RTMPKIT_TAG_COMMAND || h.packet == RTMPKIT_TAG_METADATA
              || h.packet == RTMPKIT_TAG_MULTICHANNEL_CONFIG;
    t->cts = track.cts;
    t->nano_offset = h.nano_offset;
    t->fourcc = h.enhanced ? track.fourcc : 0;
    t->data = track.data;
    t->len = track.len;
    t->codec_id = video ? video_fourcc_codec(track.fourcc) : audio_fourcc_codec(track.fourcc);
    if (!h.enhanced && !video) {
        t->sample_rate = h.sample_rate;
        t->channels = h.channels;
    }
    if (!h.enhanced && video)
        map_legacy_video(&h, t);
    else if (!h.enhanced)
        map_legacy_audio(&h, t);
    return 0;
}

void rk_tag_inspect(enum rk_decoder_kind kind, uint8_t track, const uint8_t *body, size_t len,
                    struct rk_tag_info *info)
{
    struct tag t;
    memset(info, 0, sizeof *info);
    if (parse(kind, track, body, len, &t) < 0 || t.command)
        return;
    info->config = t.config;
    info->keyframe = t.keyframe;
    info->frame = !t.config && !t.end && t.len > 0;
}

rk_decoder *rk_decoder_new(enum rk_decoder_kind kind)
{
    rk_decoder *d = av_mallocz(sizeof *d);
    if (!d)
        return NULL;
    d->kind = kind;
    d->codec_id = AV_CODEC_ID_NONE;
    if (!(d->pkt = av_packet_alloc())) {
        av_free(d);
        return NULL;
    }
    return d;
}

/* The slot of track id's configuration: its own, else a free one, else NULL. */
static struct track_config *config_slot(rk_decoder *d, uint8_t id)
{
    struct track_config *free_slot = NULL;
    for (int i = 0; i < MAX_TRACK_CONFIGS; i++) {
        if (d->configs[i].used && d->configs[i].id == id)
            return &d->configs[i];
        if (!d->configs[i].used && !free_slot)
            free_slot = &d->configs[i];
    }
    return free_slot;
}

/* A sequence header tag: remembered for each of its tracks (a copy of the whole body),
 * so that switching to a track finds its configuration. */
static void remember_configs(rk_decoder *d, const uint8_t *body, size_t len)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t;
    if (len > MAX_EXTRADATA
        || rtmpkit_tag_parse(d->kind == RK_DECODER_VIDEO ? RTMPKIT_FLV_VIDEO : RTMPKIT_FLV_AUDIO, body, len, &h) <= 0
        || !h.config)
        return;
    while (rtmpkit_tag_next_track(&h, &it, &t) > 0) {
        struct track_config *c = config_slot(d, t.id);
        uint8_t *copy;
        if (!c || (c->used && c->len == len && memcmp(c->body, body, len) == 0))
            continue;
        if (!(copy = av_malloc(len)))
            return;
        memcpy(copy, body, len);
        av_free(c->body);
        *c = (struct track_config){ .used = 1, .id = t.id, .body = copy, .len = len };
    }
}

void rk_decoder_set_track(rk_decoder *d, uint8_t track)
{
    struct track_config *c;
    if (track == d->track)
        return;
    d->track = track;
    d->unknown_fourcc = 0;
    /* Nothing of the other track's stream stays in the decoder. */
    if (d->ctx)
        avcodec_flush_buffers(d->ctx);
    avcodec_free_context(&d->old);
    c = config_slot(d, track);
    if (c && c->used)
        rk_decoder_send(d, c->body, c->len, 0);   /* reopens when the codec or its header differ */
}

static void close_codec(rk_decoder *d)
{
    avcodec_free_context(&d->ctx);
    av_freep(&d->extradata);
    d->extradata_len = 0;
    d->codec_id = AV_CODEC_ID_NONE;
}

void rk_decoder_free(rk_decoder *d)
{
    if (!d)
        return;
    close_codec(d);
    for (int i = 0; i < MAX_TRACK_CONFIGS; i++)
        av_free(d->configs[i].body);
    avcodec_free_context(&d->old);
    av_packet_free(&d->pkt);
    av_free(d);
}

static const AVCodec *find_decoder(enum AVCodecID id)
{
    /* FFmpeg's own AV1 decoder needs a hardware accelerator: prefer dav1d. */
    if (id == AV_CODEC_ID_AV1) {
        const AVCodec *c = avcodec_find_decoder_by_name("libdav1d");
        if (c)
            return c;
    }
    return avcodec_find_decoder(id);
}

/* Opens a decoder for t (with its config payload as extradata when it is one). */
static int open_codec(rk_decoder *d, const struct tag *t)
{
    const AVCodec *codec = find_decoder(t->codec_id);
    const uint8_t *extra = NULL;
    size_t extra_len = 0;
    int err;

    close_codec(d);
    if (!codec) {
        snprintf(d->error, sizeof d->error, "no decoder for %s", avcodec_get_name(t->codec_id));
        return RTMPKIT_EINPUT;
    }
    if (t->pass_extradata && t->codec_id != AV_CODEC_ID_VP9) {
        extra = t->data;
        extra_len = t->len;
    } else if (t->codec_id == AV_CODEC_ID_VP6F) {
        extra = t->data - 1;   /* the size adjustment byte */
        extra_len = 1;
    }
    if (!(d->ctx = avcodec_alloc_context3(codec)))
        return RTMPKIT_ENOMEM;
    d->ctx->pkt_timebase = (AVRational){ 1, 1000000000 };
    if (extra_len > 0 && extra_len <= MAX_EXTRADATA) {
        if (!(d->ctx->extradata = av_mallocz(extra_len + AV_INPUT_BUFFER_PADDING_SIZE)))
            return RTMPKIT_ENOMEM;
        memcpy(d->ctx->extradata, extra, extra_len);
        d->ctx->extradata_size = (int)extra_len;
    }
    if (d->kind == RK_DECODER_AUDIO) {
        if (t->sample_rate > 0)
            d->ctx->sample_rate = t->sample_rate;
        if (t->channels > 0)
            av_channel_layout_default(&d->ctx->ch_layout, t->channels);
    } else if (d->low_delay) {
        /* Slices in threads: no frame is held back (frame threading holds one). */
        d->ctx->thread_count = 2;
        d->ctx->thread_type = FF_THREAD_SLICE;
        d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    } else {
        /* Two threads: frame threading costs one frame of delay and halves 1080p decode time. */
        d->ctx->thread_count = 2;
    }
    if (d->skip_nonref)
        d->ctx->skip_frame = AVDISCARD_NONREF;
    if ((err = avcodec_open2(d->ctx, codec, NULL)) < 0) {
        snprintf(d->error, sizeof d->error, "cannot open the %s decoder: %s", codec->name, av_err2str(err));
        avcodec_free_context(&d->ctx);
        return RTMPKIT_EINPUT;
    }
    d->codec_id = t->codec_id;
    d->sample_rate = t->sample_rate;
    d->channels = t->channels;
    if (t->config && t->len > 0 && t->len <= MAX_EXTRADATA) {
        if (!(d->extradata = av_malloc(t->len)))
            return RTMPKIT_ENOMEM;
        memcpy(d->extradata, t->data, t->len);
        d->extradata_len = t->len;
    }
    d->need_keyframe = d->kind == RK_DECODER_VIDEO;
    snprintf(d->describe, sizeof d->describe, "%s", codec->name);
    return 0;
}

/* A frame whose stream parameters differ from the open decoder's needs a new one. */
static int needs_reopen(const rk_decoder *d, const struct tag *t)
{
    if (!d->ctx || d->codec_id != t->codec_id)
        return 1;
    if (t->config)
        /* An empty header is stored as no extradata at all (NULL): compare no bytes then. */
        return d->extradata_len != t->len || (t->len > 0 && memcmp(d->extradata, t->data, t->len) != 0);
    /* Legacy audio headers without a sequence header carry rate and channels. */
    if (d->kind == RK_DECODER_AUDIO && !d->extradata && t->sample_rate &&
        (t->sample_rate != d->sample_rate || t->channels != d->channels))
        return 1;
    return 0;
}

int rk_decoder_send(rk_decoder *d, const uint8_t *body, size_t len, int64_t dts_ms)
{
    struct tag t;
    int err, parsed = parse(d->kind, d->track, body, len, &t);
    /* Sequence headers of every track (also those without our track) are remembered. */
    if (parsed < 0 || t.config)
        remember_configs(d, body, len);
    if (parsed < 0 || t.command)
        return 0;
    if (t.codec_id == AV_CODEC_ID_NONE) {
        /* An Enhanced RTMP codec we do not know: said once, its tags skipped. */
        if (!t.fourcc || t.fourcc == d->unknown_fourcc)
            return 0;
        d->unknown_fourcc = t.fourcc;
        snprintf(d->error, sizeof d->error, "unknown codec FourCC \"%c%c%c%c\": its tags are skipped",
                 safe_char(t.fourcc >> 24), safe_char(t.fourcc >> 16), safe_char(t.fourcc >> 8), safe_char(t.fourcc));
        return RTMPKIT_EINPUT;
    }
    if (t.end) {
        rk_decoder_drain(d);
        return 0;
    }
    if (t.config) {
        if (needs_reopen(d, &t)) {
            /* The frames the old decoder still holds come out before the new ones. */
            if (d->ctx) {
                avcodec_free_context(&d->old);
                avcodec_send_packet(d->ctx, NULL);
                d->old = d->ctx;
                d->ctx = NULL;
            }
            if ((err = open_codec(d, &t)) < 0)
                return err;
        }
        return 0;
    }
    if (t.len == 0)
        return 0;
    /* Codecs that need a sequence header (H.264, HEVC, AAC...) wait for one. */
    if (!d->ctx || d->codec_id != t.codec_id) {
        if (t.codec_id == AV_CODEC_ID_H264 || t.codec_id == AV_CODEC_ID_HEVC || t.codec_id == AV_CODEC_ID_AAC ||
            t.codec_id == AV_CODEC_ID_AV1 || t.codec_id == AV_CODEC_ID_OPUS || t.codec_id == AV_CODEC_ID_FLAC)
            return 0;
    }
    if (needs_reopen(d, &t) && (err = open_codec(d, &t)) < 0)
        return err;
    if (d->need_keyframe) {
        if (!t.keyframe)
            return 0;
        d->need_keyframe = 0;
    }
    av_packet_unref(d->pkt);
    if ((err = av_new_packet(d->pkt, (int)t.len)) < 0)
        return RTMPKIT_ENOMEM;
    memcpy(d->pkt->data, t.data, t.len);
    d->pkt->dts = dts_ms * NS_PER_MS;
    d->pkt->pts = (dts_ms + t.cts) * NS_PER_MS + t.nano_offset;
    if (t.keyframe)
        d->pkt->flags |= AV_PKT_FLAG_KEY;
    err = avcodec_send_packet(d->ctx, d->pkt);
    if (err == AVERROR(EAGAIN)) {
        /* The caller did not take all frames; it will, and this frame is lost. */
        snprintf(d->error, sizeof d->error, "decoder full: a frame was dropped");
        return RTMPKIT_EAGAIN;
    }
    if (err < 0) {
        snprintf(d->error, sizeof d->error, "%s: %s", d->describe, av_err2str(err));
        return RTMPKIT_EINPUT;
    }
    return 1;
}

/* ns -> ms, to the nearest (floor division: times before 0 round the same way). */
static int64_t ns_to_ms(int64_t ns)
{
    int64_t t = ns + NS_PER_MS / 2;
    return t / NS_PER_MS - (t % NS_PER_MS < 0);
}

/* The frame's times from the decoder's nanoseconds to the player's milliseconds; the
 * exact presentation time is kept for rk_decoder_pts_ns. */
static void frame_times_to_ms(rk_decoder *d, AVFrame *frame)
{
    int64_t pts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
    d->pts_ns = pts;
    frame->pts = pts == AV_NOPTS_VALUE ? pts : ns_to_ms(pts);
    if (frame->pkt_dts != AV_NOPTS_VALUE)
        frame->pkt_dts = ns_to_ms(frame->pkt_dts);
}

int rk_decoder_receive(rk_decoder *d, AVFrame *frame)
{
    int err;
    if (d->old) {
        if (avcodec_receive_frame(d->old, frame) == 0) {
            frame_times_to_ms(d, frame);
            return 1;
        }
        avcodec_free_context(&d->old);
    }
    if (!d->ctx)
        return 0;
    err = avcodec_receive_frame(d->ctx, frame);
    if (err == AVERROR_EOF) {
        avcodec_flush_buffers(d->ctx);   /* drained: ready for the next segment */
        return 0;
    }
    if (err < 0)
        return 0;
    frame_times_to_ms(d, frame);
    if (d->kind == RK_DECODER_VIDEO)
        snprintf(d->describe, sizeof d->describe, "%s %dx%d", d->ctx->codec->name, frame->width, frame->height);
    else
        snprintf(d->describe, sizeof d->describe, "%s %d Hz %d ch", d->ctx->codec->name, frame->sample_rate,
                 frame->ch_layout.nb_channels);
    return 1;
}

void rk_decoder_drain(rk_decoder *d)
{
    if (d->ctx)
        avcodec_send_packet(d->ctx, NULL);
}

void rk_decoder_set_low_delay(rk_decoder *d, int on)
{
    d->low_delay = on;
}

void rk_decoder_skip_nonref(rk_decoder *d, int on)
{
    if (d->skip_nonref == on)
        return;
    d->skip_nonref = on;
    if (d->ctx)
        d->ctx->skip_frame = on ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
}

int64_t rk_decoder_pts_ns(const rk_decoder *d)
{
    return d->pts_ns;
}

const char *rk_decoder_describe(const rk_decoder *d)
{
    return d->describe;
}

const char *rk_decoder_error(const rk_decoder *d)
{
    return d->error;
}

struct rk_resampler {
    SwrContext *swr;
    int out_rate, out_channels;
    int in_rate, in_format;
    AVChannelLayout in_layout;
};

rk_resampler *rk_resampler_new(int out_rate, int out_channels)
{
    rk_resampler *r = av_mallocz(sizeof *r);
    if (!r)
        return NULL;
    r->out_rate = out_rate;
    r->out_channels = out_channels;
    r->in_format = -1;
    return r;
}

void rk_resampler_free(rk_resampler *r)
{
    if (!r)
        return;
    swr_free(&r->swr);
    av_channel_layout_uninit(&r->in_layout);
    av_free(r);
}

/* (Re)creates the converter when the input format changes. */
static int setup_swr(rk_resampler *r, const AVFrame *f)
{
    AVChannelLayout out_layout;
    if (r->swr && r->in_rate == f->sample_rate && r->in_format == f->format &&
        av_channel_layout_compare(&r->in_layout, &f->ch_layout) == 0)
        return 0;
    swr_free(&r->swr);
    av_channel_layout_uninit(&r->in_layout);
    av_channel_layout_default(&out_layout, r->out_channels);
    /* FFmpeg 5.1 takes the layouts as non-const. */
    if (av_channel_layout_copy(&r->in_layout, &f->ch_layout) < 0)
        return RTMPKIT_ENOMEM;
    if (swr_alloc_set_opts2(&r->swr, &out_layout, AV_SAMPLE_FMT_S16, r->out_rate, &r->in_layout,
                            (enum AVSampleFormat)f->format, f->sample_rate, 0, NULL) < 0)
        return RTMPKIT_ENOMEM;
    /* Always through the resampler, so that the speed can be changed by compensation. */
    av_opt_set_int(r->swr, "flags", SWR_FLAG_RESAMPLE, 0);
    if (swr_init(r->swr) < 0) {
        swr_free(&r->swr);
        return RTMPKIT_EINPUT;
    }
    r->in_rate = f->sample_rate;
    r->in_format = f->format;
    return 0;
}

int rk_resample(rk_resampler *r, const AVFrame *frame, double speed, int16_t **out, int *out_cap)
{
    int err, n;
    int64_t want;
    if (frame->sample_rate <= 0 || frame->nb_samples <= 0)
        return 0;
    if (frame->sample_rate < RESAMPLE_MIN_RATE || frame->sample_rate > RESAMPLE_MAX_RATE)
        return RTMPKIT_EINPUT;
    if ((err = setup_swr(r, frame)) < 0)
        return err;
    /* In 64 bits: the cap below is checked before anything is cast or allocated. */
    want = av_rescale_rnd(swr_get_delay(r->swr, frame->sample_rate) + frame->nb_samples, r->out_rate,
                          frame->sample_rate, AV_ROUND_UP) + 64;
    if (want > (int64_t)r->out_rate * RESAMPLE_MAX_OUT_S)
        return RTMPKIT_EINPUT;
    if (speed > 1.001 || speed < 0.999) {
        int out_n = (int)((int64_t)frame->nb_samples * r->out_rate / frame->sample_rate);
        int delta = (int)(out_n / speed) - out_n;
        swr_set_compensation(r->swr, delta, out_n);
    } else {
        swr_set_compensation(r->swr, 0, 0);
    }
    if (want > *out_cap) {
        int16_t *p = av_realloc(*out, (size_t)want * (size_t)r->out_channels * sizeof(int16_t));
        if (!p)
            return RTMPKIT_ENOMEM;
        *out = p;
        *out_cap = (int)want;
    }
    uint8_t *dst = (uint8_t *)*out;
    n = swr_convert(r->swr, &dst, *out_cap, (const uint8_t **)frame->extended_data, frame->nb_samples);
    return n < 0 ? RTMPKIT_EINPUT : n;
}
