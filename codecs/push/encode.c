/* The encoders of the FFmpeg pipeline: H.264, HEVC, AV1 or VP9 video and AAC, Opus or
 * FLAC audio, each fed frames of any size, format and rate through swscale or swresample,
 * and handing back packets with millisecond timestamps. */
#include "encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "source.h"
#include "rtmpkit/error.h"

static const AVRational ms_tb = { 1, 1000 };

static void log_av(rtmpkit_log *log, const char *what, int averr)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(averr, msg, sizeof msg);
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s: %s", what, msg);
}

/* ---- video ---- */

struct rk_venc {
    AVCodecContext *ctx;
    struct SwsContext *sws;
    AVFrame *conv;          /* scaled picture, reused */
    AVFrame *ref;           /* a reference to the caller's frame with our pts */
    double fps;
    int force_fps;
    int64_t last_pts;       /* ms, or INT64_MIN before the first frame */
    int64_t last_slot;
    int flushed;
    const char *what;       /* the encoder's name, for messages */
    rtmpkit_log *log;
};

/* x264's preset names, fastest first, and what SVT-AV1 (preset) and libvpx
 * (cpu-used, realtime deadline) take for each. */
static const struct preset_map {
    const char *x264;
    const char *svtav1;
    const char *vpx_cpu_used;
} presets[] = {
    { "ultrafast", "12", "8" }, { "superfast", "11", "8" }, { "veryfast", "10", "7" },
    { "faster", "9", "6" }, { "fast", "8", "5" }, { "medium", "6", "4" },
    { "slow", "4", "3" }, { "slower", "3", "2" }, { "veryslow", "2", "1" }, { "placebo", "1", "0" },
};

static const struct preset_map *find_preset(const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(presets[i].x264, name))
            return &presets[i];
    return &presets[2];   /* veryfast */
}

static AVDictionary *video_options(const struct rk_venc_config *cfg)
{
    const char *preset = cfg->preset ? cfg->preset : RK_PUSH_DEFAULT_PRESET;
    AVDictionary *d = NULL;
    switch (cfg->codec) {
    case AV_CODEC_ID_HEVC:
        av_dict_set(&d, "preset", preset, 0);
        av_dict_set(&d, "x265-params", "log-level=error", 0);
        break;
    case AV_CODEC_ID_AV1:
        av_dict_set(&d, "preset", find_preset(preset)->svtav1, 0);
        break;
    case AV_CODEC_ID_VP9:
        av_dict_set(&d, "deadline", "realtime", 0);
        av_dict_set(&d, "cpu-used", find_preset(preset)->vpx_cpu_used, 0);
        av_dict_set(&d, "row-mt", "1", 0);
        break;
    default:
        av_dict_set(&d, "preset", preset, 0);
        av_dict_set(&d, "profile", "high", 0);
    }
    return d;
}

static const char *video_encoder_name(enum AVCodecID codec)
{
    switch (codec) {
    case AV_CODEC_ID_HEVC: return "libx265";
    case AV_CODEC_ID_AV1: return "libsvtav1";
    case AV_CODEC_ID_VP9: return "libvpx-vp9";
    default: return "libx264";
    }
}

static int venc_setup(rk_venc *e, const struct rk_venc_config *cfg)
{
    const char *name = video_encoder_name(cfg->codec);
    const AVCodec *codec = avcodec_find_encoder_by_name(name);
    AVDictionary *opts = NULL;
    int kbps = cfg->kbps > 0 ? cfg->kbps : RK_PUSH_DEFAULT_VIDEO_KBPS;
    int ret;

    if (!codec) {
        rtmpkit_logf(cfg->log, RTMPKIT_LOG_ERROR, "this FFmpeg has no %s encoder", name);
        return RTMPKIT_EINPUT;
    }
    e->what = name;
    if (!(e->ctx = avcodec_alloc_context3(codec)))
        return RTMPKIT_ENOMEM;
    e->ctx->width = cfg->width;
    e->ctx->height = cfg->height;
    e->ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    /* Milliseconds in and out: FLV's unit, and variable frame rates need no mapping. */
    e->ctx->time_base = ms_tb;
    e->ctx->framerate = av_d2q(e->fps, 100000);
    e->ctx->gop_size = cfg->gop_frames > 0 ? cfg->gop_frames : (int)lrint(RK_PUSH_DEFAULT_GOP_S * e->fps);
    e->ctx->bit_rate = (int64_t)kbps * 1000;
    if (cfg->codec != AV_CODEC_ID_AV1) {   /* SVT-AV1 wants its maximum above the target: VBR */
        e->ctx->rc_max_rate = e->ctx->bit_rate;
        e->ctx->rc_buffer_size = (int)(2 * e->ctx->bit_rate);
    }
    e->ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    opts = video_options(cfg);
    ret = avcodec_open2(e->ctx, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0) {
        log_av(cfg->log, "cannot open the video encoder", ret);
        return RTMPKIT_EINPUT;
    }
    return 0;
}

int rk_venc_open(rk_venc **out, const struct rk_venc_config *cfg)
{
    rk_venc *e = calloc(1, sizeof *e);
    int ret = RTMPKIT_ENOMEM;

    *out = NULL;
    if (!e)
        goto fail;
    e->log = cfg->log;
    e->fps = cfg->fps > 0 ? cfg->fps : 30;
    e->force_fps = cfg->force_fps;
    e->last_pts = INT64_MIN;
    e->last_slot = INT64_MIN;
    if (!(e->conv = av_frame_alloc()) || !(e->ref = av_frame_alloc()))
        goto fail;
    if ((ret = venc_setup(e, cfg)) < 0)
        goto fail;
    *out = e;
    return 0;
fail:
    rk_venc_close(e);
    return ret;
}

/* The pts this frame gets, or INT64_MIN to drop it (it does not advance the clock). */
static int64_t venc_pts(rk_venc *e, int64_t pts)
{
    if (e->force_fps) {
        int64_t slot = llrint((double)pts * e->fps / 1000.0);
        if (e->last_slot != INT64_MIN && slot <= e->last_slot)
            return INT64_MIN;
        e->last_slot = slot;
        pts = llrint((double)slot * 1000.0 / e->fps);
    }
    if (e->last_pts != INT64_MIN && pts <= e->last_pts)
        return INT64_MIN;
    e->last_pts = pts;
    return pts;
}

/* Scales/converts frame into e->conv (kept writable: the encoder may hold the last one). */
static int venc_convert(rk_venc *e, const AVFrame *frame)
{
    int ret;

    e->sws = sws_getCachedContext(e->sws, frame->width, frame->height, frame->format,
                                  e->ctx->width, e->ctx->height, AV_PIX_FMT_YUV420P,
                                  SWS_BICUBIC, NULL, NULL, NULL);
    if (!e->sws) {
        rtmpkit_logf(e->log, RTMPKIT_LOG_ERROR, "cannot convert %dx%d %s pictures",
                     frame->width, frame->height, av_get_pix_fmt_name(frame->format));
        return RTMPKIT_EINPUT;
    }
    if (!e->conv->buf[0]) {
        e->conv->width = e->ctx->width;
        e->conv->height = e->ctx->height;
        e->conv->format = AV_PIX_FMT_YUV420P;
        if (av_frame_get_buffer(e->conv, 0) < 0)
            return RTMPKIT_ENOMEM;
    }
    if (av_frame_make_writable(e->conv) < 0)
        return RTMPKIT_ENOMEM;
    ret = sws_scale(e->sws, (const uint8_t *const *)frame->data, frame->linesize, 0,
                    frame->height, e->conv->data, e->conv->linesize);
    return ret > 0 ? 0 : RTMPKIT_EINPUT;
}

int rk_venc_send(rk_venc *e, const AVFrame *frame)
{
    int64_t pts;
    int ret;

    if (!frame) {
        if (e->flushed)
            return 0;
        e->flushed = 1;
        ret = avcodec_send_frame(e->ctx, NULL);
        return ret < 0 && ret != AVERROR_EOF ? RTMPKIT_EINPUT : 0;
    }
    if (e->flushed || (pts = venc_pts(e, frame->pts)) == INT64_MIN)
        return 0;
    if (frame->width == e->ctx->width && frame->height == e->ctx->height &&
        frame->format == AV_PIX_FMT_YUV420P) {
        if (av_frame_ref(e->ref, frame) < 0)
            return RTMPKIT_ENOMEM;
    } else {
        if ((ret = venc_convert(e, frame)) < 0)
            return ret;
        if (av_frame_ref(e->ref, e->conv) < 0)
            return RTMPKIT_ENOMEM;
    }
    e->ref->pts = pts;
    e->ref->pict_type = AV_PICTURE_TYPE_NONE;   /* let x264 choose, whatever the decoder said */
    ret = avcodec_send_frame(e->ctx, e->ref);
    av_frame_unref(e->ref);
    if (ret < 0) {
        log_av(e->log, e->what, ret);
        return RTMPKIT_EINPUT;
    }
    return 0;
}

/* The send/receive result as ours: 1 packet, 0 nothing (now or ever), < 0 error. */
static int receive(AVCodecContext *ctx, AVPacket *pkt, rtmpkit_log *log, const char *what)
{
    int ret = avcodec_receive_packet(ctx, pkt);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
        return 0;
    if (ret < 0) {
        log_av(log, what, ret);
        return RTMPKIT_EINPUT;
    }
    av_packet_rescale_ts(pkt, ctx->time_base, ms_tb);
    return 1;
}

int rk_venc_receive(rk_venc *e, AVPacket *pkt)
{
    return receive(e->ctx, pkt, e->log, e->what);
}

const AVCodecContext *rk_venc_context(const rk_venc *e)
{
    return e->ctx;
}

const uint8_t *rk_venc_extradata(const rk_venc *e, size_t *len)
{
    *len = e->ctx->extradata ? (size_t)e->ctx->extradata_size : 0;
    return e->ctx->extradata;
}

void rk_venc_close(rk_venc *e)
{
    if (!e)
        return;
    avcodec_free_context(&e->ctx);
    sws_freeContext(e->sws);
    av_frame_free(&e->conv);
    av_frame_free(&e->ref);
    free(e);
}

/* ---- audio ---- */

struct rk_aenc {
    AVCodecContext *ctx;
    SwrContext *swr;
    AVChannelLayout in_layout;   /* what swr is set up for */
    int in_format, in_rate;
    AVAudioFifo *fifo;
    AVFrame *frame;              /* encoder input, frame_size samples */
    AVFrame *conv;               /* swr output */
    int64_t next_pts;            /* samples: pts of the first sample in the FIFO */
    int anchored;
    int flushing, sent_null;
    const char *what;            /* the encoder's name, for messages */
    rtmpkit_log *log;
};

static const AVCodec *audio_encoder(enum AVCodecID codec)
{
    if (codec == AV_CODEC_ID_OPUS)
        return avcodec_find_encoder_by_name("libopus");   /* FFmpeg's own is experimental */
    return avcodec_find_encoder(codec == AV_CODEC_ID_FLAC ? AV_CODEC_ID_FLAC : AV_CODEC_ID_AAC);
}

static int aenc_setup(rk_aenc *e, const struct rk_aenc_config *cfg)
{
    const AVCodec *codec = audio_encoder(cfg->codec);
    int ret;

    if (!codec) {
        rtmpkit_logf(cfg->log, RTMPKIT_LOG_ERROR, "this FFmpeg has no %s encoder", avcodec_get_name(cfg->codec));
        return RTMPKIT_EINPUT;
    }
    if (!(e->ctx = avcodec_alloc_context3(codec)))
        return RTMPKIT_ENOMEM;
    e->what = codec->name;
    /* The encoder's first sample format: FLTP for AAC, S16 or FLT for Opus, S16 for FLAC. */
    e->ctx->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
    e->ctx->sample_rate = cfg->codec == AV_CODEC_ID_OPUS ? 48000 : cfg->sample_rate;
    av_channel_layout_default(&e->ctx->ch_layout, cfg->channels == 1 ? 1 : 2);
    e->ctx->bit_rate = (int64_t)(cfg->kbps > 0 ? cfg->kbps : RK_PUSH_DEFAULT_AUDIO_KBPS) * 1000;
    e->ctx->time_base = (AVRational){ 1, e->ctx->sample_rate };
    e->ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((ret = avcodec_open2(e->ctx, codec, NULL)) < 0) {
        log_av(cfg->log, "cannot open the audio encoder", ret);
        return RTMPKIT_EINPUT;
    }
    return 0;
}

static int aenc_alloc_frame(rk_aenc *e)
{
    e->frame->format = e->ctx->sample_fmt;
    e->frame->sample_rate = e->ctx->sample_rate;
    e->frame->nb_samples = e->ctx->frame_size;
    if (av_channel_layout_copy(&e->frame->ch_layout, &e->ctx->ch_layout) < 0 ||
        av_frame_get_buffer(e->frame, 0) < 0)
        return RTMPKIT_ENOMEM;
    return 0;
}

int rk_aenc_open(rk_aenc **out, const struct rk_aenc_config *cfg)
{
    rk_aenc *e = calloc(1, sizeof *e);
    int ret = RTMPKIT_ENOMEM;

    *out = NULL;
    if (!e)
        goto fail;
    e->log = cfg->log;
    if (!(e->frame = av_frame_alloc()) || !(e->conv = av_frame_alloc()))
        goto fail;
    if ((ret = aenc_setup(e, cfg)) < 0)
        goto fail;
    ret = RTMPKIT_ENOMEM;
    if (!(e->fifo = av_audio_fifo_alloc(e->ctx->sample_fmt, e->ctx->ch_layout.nb_channels,
                                        e->ctx->frame_size * 4)))
        goto fail;
    if ((ret = aenc_alloc_frame(e)) < 0)
        goto fail;
    *out = e;
    return 0;
fail:
    rk_aenc_close(e);
    return ret;
}

/* (Re)builds the resampler when the input's format, rate or layout changes. */
static int aenc_resampler(rk_aenc *e, const AVFrame *f)
{
    if (e->swr && f->format == e->in_format && f->sample_rate == e->in_rate &&
        !av_channel_layout_compare(&f->ch_layout, &e->in_layout))
        return 0;
    swr_free(&e->swr);
    av_channel_layout_uninit(&e->in_layout);
    if (av_channel_layout_copy(&e->in_layout, &f->ch_layout) < 0)
        return RTMPKIT_ENOMEM;
    if (swr_alloc_set_opts2(&e->swr, &e->ctx->ch_layout, e->ctx->sample_fmt, e->ctx->sample_rate,
                            &e->in_layout, f->format, f->sample_rate, 0, NULL) < 0 ||
        swr_init(e->swr) < 0) {
        rtmpkit_logf(e->log, RTMPKIT_LOG_ERROR, "cannot resample %d Hz %s audio",
                     f->sample_rate, av_get_sample_fmt_name(f->format));
        swr_free(&e->swr);
        return RTMPKIT_EINPUT;
    }
    e->in_format = f->format;
    e->in_rate = f->sample_rate;
    return 0;
}

/* Keeps the output clock on the input's: anchored at the first frame, moved forward on
 * gaps; small jitter is ignored so the sample count stays exact. */
static void aenc_clock(rk_aenc *e, const AVFrame *f)
{
    int64_t pts, expected;

    if (f->pts == AV_NOPTS_VALUE)
        return;
    pts = av_rescale(f->pts, e->ctx->sample_rate, 1000);
    expected = e->next_pts + av_audio_fifo_size(e->fifo);
    if (!e->anchored) {
        e->next_pts = pts - av_audio_fifo_size(e->fifo);
        e->anchored = 1;
    } else if (pts - expected > e->ctx->sample_rate / 2) {
        e->next_pts += pts - expected;
    }
}

/* Resamples in (or drains swr when in is NULL) into the FIFO. */
static int aenc_fill_fifo(rk_aenc *e, const AVFrame *in)
{
    int count = swr_get_out_samples(e->swr, in ? in->nb_samples : 0);
    int n;

    if (count <= 0)
        return 0;
    av_frame_unref(e->conv);
    e->conv->format = e->ctx->sample_fmt;
    e->conv->nb_samples = count;
    if (av_channel_layout_copy(&e->conv->ch_layout, &e->ctx->ch_layout) < 0 ||
        av_frame_get_buffer(e->conv, 0) < 0)
        return RTMPKIT_ENOMEM;
    n = swr_convert(e->swr, e->conv->data, count,
                    in ? (const uint8_t **)in->extended_data : NULL, in ? in->nb_samples : 0);
    if (n < 0)
        return RTMPKIT_EINPUT;
    if (n > 0 && av_audio_fifo_write(e->fifo, (void **)e->conv->data, n) < n)
        return RTMPKIT_ENOMEM;
    return 0;
}

int rk_aenc_send(rk_aenc *e, const AVFrame *frame)
{
    int ret;

    if (!frame) {
        e->flushing = 1;
        return e->swr ? aenc_fill_fifo(e, NULL) : 0;
    }
    if (e->flushing)
        return 0;
    if ((ret = aenc_resampler(e, frame)) < 0)
        return ret;
    aenc_clock(e, frame);
    return aenc_fill_fifo(e, frame);
}

/* Moves up to frame_size samples from the FIFO into the encoder; the last frame may be
 * short (the AAC encoder pads it). */
static int aenc_feed(rk_aenc *e)
{
    int n = av_audio_fifo_size(e->fifo);
    int ret;

    if (n > e->ctx->frame_size)
        n = e->ctx->frame_size;
    if (av_frame_make_writable(e->frame) < 0)
        return RTMPKIT_ENOMEM;
    e->frame->nb_samples = n;
    if (av_audio_fifo_read(e->fifo, (void **)e->frame->data, n) < n)
        return RTMPKIT_EINPUT;
    e->frame->pts = e->next_pts;
    e->next_pts += n;
    ret = avcodec_send_frame(e->ctx, e->frame);
    if (ret < 0) {
        log_av(e->log, e->what, ret);
        return RTMPKIT_EINPUT;
    }
    return 0;
}

int rk_aenc_receive(rk_aenc *e, AVPacket *pkt)
{
    for (;;) {
        int ret = receive(e->ctx, pkt, e->log, e->what);
        int have = av_audio_fifo_size(e->fifo);
        if (ret != 0)
            return ret;
        if (have >= e->ctx->frame_size || (e->flushing && have > 0)) {
            if ((ret = aenc_feed(e)) < 0)
                return ret;
        } else if (e->flushing && !e->sent_null) {
            e->sent_null = 1;
            avcodec_send_frame(e->ctx, NULL);
        } else {
            return 0;
        }
    }
}

const uint8_t *rk_aenc_extradata(const rk_aenc *e, size_t *len)
{
    *len = e->ctx->extradata ? (size_t)e->ctx->extradata_size : 0;
    return e->ctx->extradata;
}

void rk_aenc_close(rk_aenc *e)
{
    if (!e)
        return;
    avcodec_free_context(&e->ctx);
    swr_free(&e->swr);
    av_channel_layout_uninit(&e->in_layout);
    av_audio_fifo_free(e->fifo);
    av_frame_free(&e->frame);
    av_frame_free(&e->conv);
    free(e);
}
