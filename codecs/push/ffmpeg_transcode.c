/* The decode -> encode path of the FFmpeg pipeline, for what cannot be copied: packets
 * go to the input's decoder, its frames (timestamps in ms, loop offset included) to the
 * video or audio encoder (encode.h: H.264, HEVC, AV1, VP9; AAC, Opus, FLAC), and the encoded packets to packetizing. Opening the
 * decoder and the video encoder is here too. */
#include "ffmpeg_pipeline.h"

#include <math.h>

#include <libavutil/pixdesc.h>

#include "rtmpkit/error.h"

/* ---- opening ---- */

/* Output size: the options', keeping the aspect ratio when only one is given; even. */
void rk_ff_output_size(const struct rk_source_options *o, int in_w, int in_h, int *w, int *h)
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

int rk_ff_open_decoder(rk_ffmpeg_source *s, struct track *t)
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
        return rk_ff_fail_av(s, "cannot open the decoder for", t->in->name, ret);
    return 0;
}

/* VP9's vpcC from the encoder's parameters; AV1's av1C from its sequence header. */
static int encoder_config(struct track *t)
{
    const AVCodecContext *ctx = rk_venc_context(t->venc);
    AVCodecParameters *par = avcodec_parameters_alloc();
    int ret;
    if (!par || avcodec_parameters_from_context(par, ctx) < 0) {
        avcodec_parameters_free(&par);
        return RTMPKIT_ENOMEM;
    }
    if (t->codec == AV_CODEC_ID_VP9) {
        ret = rk_ff_vp9_config(t, par);
    } else {
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(ctx->pix_fmt);
        rtmpkit_buf_reset(&t->config);
        rk_put_video_tag(&t->config, &t->form, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_START, 0, NULL, 0);
        ret = rk_av1c_from_obus(ctx->extradata, ctx->extradata ? (size_t)ctx->extradata_size : 0,
                                d ? d->comp[0].depth : 8, d && d->nb_components == 1,
                                d ? d->log2_chroma_w : 1, d ? d->log2_chroma_h : 1, &t->config);
        t->have_config = ret == 0;
    }
    avcodec_parameters_free(&par);
    return ret;
}

int rk_ff_open_video_encoder(rk_ffmpeg_source *s, struct track *t)
{
    const struct rk_source_options *o = &s->opts;
    struct rk_venc_config cfg = {
        .width = t->width, .height = t->height, .fps = t->fps, .force_fps = o->fps > 0,
        .kbps = o->video_kbps, .gop_frames = o->gop_frames, .preset = o->preset, .codec = t->codec,
        .log = s->log,
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
    if (t->codec == AV_CODEC_ID_VP9 || t->codec == AV_CODEC_ID_AV1)
        ret = encoder_config(t);
    else
        ret = rk_ff_video_config(t, extra, len);
    if (ret < 0)
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: no configuration record from the %s encoder", t->in->name,
                     avcodec_get_name(t->codec));
    return ret;
}

/* ---- encoding ---- */

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
            ret = rk_ff_emit_video(s, t, pkt->data, (size_t)pkt->size, pkt->pts, pkt->dts,
                                   !!(pkt->flags & AV_PKT_FLAG_KEY));
        else
            ret = rk_ff_emit_audio(s, t, pkt->data, (size_t)pkt->size, pkt->dts);
        av_packet_unref(pkt);
        if (ret < 0)
            return ret;
    }
}

int rk_ff_encode_frame(rk_ffmpeg_source *s, struct track *t, const AVFrame *f)
{
    int ret;
    /* --duration: the encoder is flushed at the limit, so every frame before it comes out
     * (cutting its output by dts instead would lose the last B-frames of the GOP). */
    if (f && s->opts.duration > 0 && f->pts >= (int64_t)(s->opts.duration * 1000)) {
        if ((ret = rk_ff_encode_frame(s, t, NULL)) < 0)
            return ret;
        t->eof = 1;
        return 0;
    }
    ret = t->kind == VIDEO ? rk_venc_send(t->venc, f) : rk_aenc_send(t->aenc, f);
    return ret < 0 ? ret : drain_encoder(s, t);
}

/* ---- decoding ---- */

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
            return rk_ff_fail_av(s, "cannot decode", t->in->name, ret);
        if (f->best_effort_timestamp != AV_NOPTS_VALUE)
            f->pts = av_rescale_q(f->best_effort_timestamp, t->st->time_base, ms_tb) + t->in->offset_ms;
        else
            f->pts = t->last_raw_dts + t->in->offset_ms;
        ret = rk_ff_encode_frame(s, t, f);
        av_frame_unref(f);
        if (ret < 0)
            return ret;
    }
}

int rk_ff_decode_packet(rk_ffmpeg_source *s, struct track *t, const AVPacket *pkt)
{
    int ret = avcodec_send_packet(t->dec, pkt);
    if (ret == AVERROR_INVALIDDATA) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "%s: skipping an undecodable packet", t->in->name);
        return 0;
    }
    if (ret < 0 && ret != AVERROR_EOF)
        return rk_ff_fail_av(s, "cannot decode", t->in->name, ret);
    return drain_decoder(s, t);
}
