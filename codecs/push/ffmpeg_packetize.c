/* Packetizing in the FFmpeg pipeline: packets (copied from the input or fresh from the
 * encoders) become FLV tag bodies in their track's queue, legacy H.264/AAC or Enhanced
 * RTMP (HEVC, AV1, VP9, Opus, FLAC, AC-3, E-AC-3, and H.264/AAC with --enhanced), with
 * the sequence headers they need: from the extradata, from the first keyframe's SPS/PPS,
 * from the first ADTS header, from the codec parameters (VP9), or anew when a copied
 * stream changes its configuration. */
#include "ffmpeg_pipeline.h"

#include <string.h>

#include <libavutil/pixdesc.h>

#include "avc_aac.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"

uint32_t rk_ff_fourcc(enum AVCodecID codec)
{
    switch (codec) {
    case AV_CODEC_ID_H264: return RTMPKIT_FOURCC_AVC1;
    case AV_CODEC_ID_HEVC: return RTMPKIT_FOURCC_HVC1;
    case AV_CODEC_ID_AV1: return RTMPKIT_FOURCC_AV01;
    case AV_CODEC_ID_VP9: return RTMPKIT_FOURCC_VP09;
    case AV_CODEC_ID_AAC: return RTMPKIT_FOURCC_MP4A;
    case AV_CODEC_ID_OPUS: return RTMPKIT_FOURCC_OPUS;
    case AV_CODEC_ID_FLAC: return RTMPKIT_FOURCC_FLAC;
    case AV_CODEC_ID_AC3: return RTMPKIT_FOURCC_AC3;
    case AV_CODEC_ID_EAC3: return RTMPKIT_FOURCC_EAC3;
    default: return 0;
    }
}

/* ---- sequence headers ---- */

static void put_config_header(struct track *t, rtmpkit_buf *body)
{
    if (t->kind == VIDEO)
        rk_put_video_tag(body, &t->form, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_START, 0, NULL, 0);
    else
        rk_put_audio_tag(body, &t->form, RTMPKIT_TAG_SEQUENCE_START, NULL, 0);
}

/* The record of a codec whose extradata is its decoder configuration as it is, checked. */
static int check_record(const struct track *t, const uint8_t *extra, size_t len, int *length_size)
{
    int n;
    switch (t->codec) {
    case AV_CODEC_ID_HEVC:
        if ((n = rk_hvcc_length_size(extra, len)) < 0)
            return RTMPKIT_EINPUT;
        *length_size = n;
        return 0;
    case AV_CODEC_ID_AV1: return rk_av1c_check(extra, len);
    case AV_CODEC_ID_OPUS: return rk_opus_head_check(extra, len);
    case AV_CODEC_ID_AAC: return len > 0 ? 0 : RTMPKIT_EINPUT;
    default: return RTMPKIT_EINPUT;
    }
}

/* The sequence header tag body for extradata (see rk_ff_video_config / _audio_config). */
static int config_body(struct track *t, const uint8_t *extra, size_t len, rtmpkit_buf *body, int *length_size)
{
    put_config_header(t, body);
    switch (t->codec) {
    case AV_CODEC_ID_H264:
        if (rk_avcc_from_extradata(extra, len, body, length_size) < 0)
            return RTMPKIT_EINPUT;
        if (extra[0] != 1)
            *length_size = 0;
        return 0;
    case AV_CODEC_ID_HEVC:
        if (extra[0] == 1)
            break;   /* an hvcC: checked below */
        *length_size = 0;   /* Annex B: so are the packets */
        return rk_hvcc_from_annexb(extra, len, body) < 0 ? RTMPKIT_EINPUT : 0;
    case AV_CODEC_ID_FLAC:
        return rk_flac_config(extra, len, body) < 0 ? RTMPKIT_EINPUT : 0;
    case AV_CODEC_ID_AC3:
    case AV_CODEC_ID_EAC3:
        return body->err;   /* no configuration record: the frames say it all */
    default:
        break;
    }
    if (check_record(t, extra, len, length_size) < 0)
        return RTMPKIT_EINPUT;
    rtmpkit_put_bytes(body, extra, len);
    return body->err;
}

static int set_config(struct track *t, const uint8_t *extra, size_t len)
{
    int ret;
    rtmpkit_buf_reset(&t->config);
    /* Annex B extradata means Annex B packets: length_size 0. */
    if ((ret = config_body(t, extra, len, &t->config, &t->length_size)) < 0)
        return ret;
    t->have_config = 1;
    return 0;
}

int rk_ff_video_config(struct track *t, const uint8_t *extra, size_t len)
{
    if (!extra || !len)   /* H.264, HEVC: parameter sets in band, in Annex B packets */
        return t->codec == AV_CODEC_ID_H264 || t->codec == AV_CODEC_ID_HEVC ? 0 : RTMPKIT_EINPUT;
    return set_config(t, extra, len);
}

int rk_ff_vp9_config(struct track *t, const AVCodecParameters *par)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(par->format);
    rk_vpcc_params p = {
        .profile = par->profile >= 0 ? par->profile : 0,
        .level = par->level > 0 ? par->level : 0,
        .bit_depth = d ? d->comp[0].depth : 8,
        .chroma_subsampling = 0,
        .full_range = par->color_range == AVCOL_RANGE_JPEG,
        .color_primaries = par->color_primaries, .transfer = par->color_trc, .matrix = par->color_space,
        .width = par->width, .height = par->height, .fps = t->fps,
    };
    if (d && d->log2_chroma_w == 0)
        p.chroma_subsampling = 3;   /* 4:4:4 */
    else if (d && d->log2_chroma_h == 0)
        p.chroma_subsampling = 2;   /* 4:2:2 */
    else if (par->chroma_location == AVCHROMA_LOC_TOPLEFT)
        p.chroma_subsampling = 1;   /* 4:2:0 colocated with luma */
    rtmpkit_buf_reset(&t->config);
    put_config_header(t, &t->config);
    rk_vpcc_build(&p, &t->config);
    t->have_config = !t->config.err;
    return t->config.err;
}

/* The first keyframe of an Annex B stream without extradata carries its parameter sets
 * in band (H.264 SPS/PPS, HEVC VPS/SPS/PPS). */
static int video_config_inband(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n)
{
    int hevc = t->codec == AV_CODEC_ID_HEVC;
    rtmpkit_buf_reset(&t->config);
    put_config_header(t, &t->config);
    if (t->length_size != 0
        || (hevc ? rk_hvcc_from_annexb(p, n, &t->config) : rk_avcc_from_annexb(p, n, &t->config)) < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_ERROR, "%s: %s without parameter sets before the first keyframe",
                     t->in->name, hevc ? "HEVC" : "H.264");
        return RTMPKIT_EINPUT;
    }
    t->have_config = 1;
    return 0;
}

/* Queues one H.264 access unit (Annex B or length-prefixed as t->length_size says);
 * Annex B is converted to the 4-byte lengths our avcC announces. */
static int emit_h264(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n,
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
    rk_put_video_tag(b, &t->form, key ? RTMPKIT_TAG_FRAME_KEY : info.droppable ? RTMPKIT_TAG_FRAME_DISPOSABLE : RTMPKIT_TAG_FRAME_INTER,
                     RTMPKIT_TAG_CODED_FRAMES, (int32_t)(pts - dts), NULL, 0);
    if (annexb)
        rk_annexb_to_avcc(p, n, 0, b);
    else
        rtmpkit_put_bytes(b, p, n);
    return rk_ff_enqueue(&t->q, RTMPKIT_FLV_VIDEO, dts, (key ? RK_TAG_KEYFRAME : 0) | (info.droppable ? RK_TAG_DROPPABLE : 0), b);
}

int rk_ff_emit_video(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n,
                     int64_t pts, int64_t dts, int container_key)
{
    rtmpkit_buf *b = &s->scratch;
    if (t->codec == AV_CODEC_ID_H264)
        return emit_h264(s, t, p, n, pts, dts, container_key);
    /* HEVC (lengths as its hvcC says, or Annex B made length-prefixed), AV1 (OBUs of a
     * temporal unit), VP9: as they are. */
    int annexb = t->codec == AV_CODEC_ID_HEVC && t->length_size == 0;
    int ret;
    if (!t->seen_key) {
        if (!container_key)
            return 0;
        if (!t->have_config && (ret = video_config_inband(s, t, p, n)) < 0)
            return ret;
        t->seen_key = 1;
    }
    rtmpkit_buf_reset(b);
    rk_put_video_tag(b, &t->form, container_key ? RTMPKIT_TAG_FRAME_KEY : RTMPKIT_TAG_FRAME_INTER,
                     RTMPKIT_TAG_CODED_FRAMES, (int32_t)(pts - dts), annexb ? NULL : p, annexb ? 0 : n);
    if (annexb)
        rk_hevc_annexb_to_lp(p, n, b);
    return rk_ff_enqueue(&t->q, RTMPKIT_FLV_VIDEO, dts, container_key ? RK_TAG_KEYFRAME : 0, b);
}

/* ---- audio ---- */

int rk_ff_audio_config(struct track *t, const uint8_t *extra, size_t len)
{
    return set_config(t, extra, len);
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
            if ((ret = rk_ff_audio_config(t, asc, 2)) < 0)
                return ret;
            t->sample_rate = h.sample_rate;
            t->channels = h.channels;
        }
        rtmpkit_buf_reset(&s->scratch);
        rk_put_audio_tag(&s->scratch, &t->form, RTMPKIT_TAG_CODED_FRAMES, p + h.header_size, (size_t)(h.frame_size - h.header_size));
        if ((ret = rk_ff_enqueue(&t->q, RTMPKIT_FLV_AUDIO, dts + i * 1024 * 1000 / h.sample_rate, 0, &s->scratch)) < 0)
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

int rk_ff_emit_audio(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n, int64_t dts)
{
    if (t->codec == AV_CODEC_ID_AAC && is_adts(t, p, n))
        return emit_adts(s, t, p, n, dts);
    rtmpkit_buf_reset(&s->scratch);
    rk_put_audio_tag(&s->scratch, &t->form, RTMPKIT_TAG_CODED_FRAMES, p, n);
    return rk_ff_enqueue(&t->q, RTMPKIT_FLV_AUDIO, dts, 0, &s->scratch);
}

/* ---- configuration changes ---- */

/* A copied stream may change its configuration mid-way (an FLV with a new sequence
 * header, a resolution change): send the new one, at this packet's time, before it. */
int rk_ff_config_update(rk_ffmpeg_source *s, struct track *t, const AVPacket *pkt, int64_t dts)
{
    size_t len = 0;
    const uint8_t *extra = av_packet_get_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, &len);
    int length_size = t->length_size, ret = 0;
    rtmpkit_buf body;

    if (!extra || !len || t->codec == AV_CODEC_ID_VP9)
        return 0;
    rtmpkit_buf_init(&body, 1 << 20);
    if (config_body(t, extra, len, &body, &length_size) < 0) {
        rtmpkit_logf(s->log, RTMPKIT_LOG_WARN, "%s: ignoring a malformed new configuration", t->in->name);
        goto done;
    }
    if (t->have_config && body.len == t->config.len && !memcmp(body.data, t->config.data, body.len))
        goto done;
    if (t->have_config && (ret = rk_ff_enqueue(&t->q, t->kind == VIDEO ? 9 : 8, dts, RK_TAG_CONFIG, &body)) < 0)
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

/* ---- the end ---- */

int rk_ff_end_body(const struct track *t, rtmpkit_buf *body)
{
    rtmpkit_buf_reset(body);
    if (!t->form.enhanced)
        return 0;   /* legacy streams end as they always have: no tag */
    if (t->kind == VIDEO)
        rk_put_video_tag(body, &t->form, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_END, 0, NULL, 0);
    else
        rk_put_audio_tag(body, &t->form, RTMPKIT_TAG_SEQUENCE_END, NULL, 0);
    return body->err;
}
