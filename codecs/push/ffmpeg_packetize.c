/* Packetizing in the FFmpeg pipeline: H.264 and AAC packets (copied from the input or
 * fresh from the encoders) become FLV tag bodies in their track's queue, with the
 * sequence headers they need: from the extradata, from the first keyframe's SPS/PPS, from
 * the first ADTS header, or anew when a copied stream changes its configuration. */
#include "ffmpeg_pipeline.h"

#include <string.h>

#include "avc_aac.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"

/* ---- video ---- */

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
int rk_ff_video_config(struct track *t, const uint8_t *extra, size_t len)
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
int rk_ff_emit_video(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n,
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
    return rk_ff_enqueue(&t->q, RTMPKIT_FLV_VIDEO, dts, (key ? RK_TAG_KEYFRAME : 0) | (info.droppable ? RK_TAG_DROPPABLE : 0), b);
}

/* ---- audio ---- */

int rk_ff_audio_config(struct track *t, const uint8_t *asc, size_t len)
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
            if ((ret = rk_ff_audio_config(t, asc, 2)) < 0)
                return ret;
            t->sample_rate = h.sample_rate;
            t->channels = h.channels;
        }
        rtmpkit_buf_reset(&s->scratch);
        rk_flv_put_aac(&s->scratch, RTMPKIT_TAG_CODED_FRAMES, p + h.header_size, (size_t)(h.frame_size - h.header_size));
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
    if (is_adts(t, p, n))
        return emit_adts(s, t, p, n, dts);
    rtmpkit_buf_reset(&s->scratch);
    rk_flv_put_aac(&s->scratch, RTMPKIT_TAG_CODED_FRAMES, p, n);
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

    if (!extra || !len)
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
