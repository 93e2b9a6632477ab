/* Enhanced RTMP v2 tag bodies and sequence-start bodies: see enhanced.h. */
#include "enhanced.h"

#include <string.h>

#include "avc_aac.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"

#define HVCC_HEADER_SIZE    23      /* the fixed fields and numOfArrays */
#define AV1C_MARKER_VERSION 0x81
#define OPUS_HEAD_SIZE      19
#define FLAC_LAST_STREAMINFO 0x80   /* metadata block header: last block, type 0 */

/* ---- tag bodies ---- */

void rk_put_video_tag(rtmpkit_buf *out, const rk_tag_form *f, int frame_type, int packet, int32_t cts,
                      const uint8_t *payload, size_t len)
{
    rtmpkit_tag_header h;
    if (!f->enhanced) {
        rk_flv_put_avc(out, frame_type, packet, cts, payload, len);
        return;
    }
    memset(&h, 0, sizeof h);
    h.type = RTMPKIT_FLV_VIDEO;
    h.enhanced = 1;
    h.multitrack = f->track_id != 0;
    h.track.id = f->track_id;
    h.frame_type = frame_type;
    h.packet = packet;
    h.coded_frames_x = 1;   /* the writer keeps CodedFrames when the cts is not 0 */
    h.track.fourcc = f->fourcc;
    h.track.cts = packet == RTMPKIT_TAG_CODED_FRAMES ? cts : 0;
    h.track.data = payload;
    h.track.len = len;
    rtmpkit_tag_put(out, &h);
}

void rk_put_audio_tag(rtmpkit_buf *out, const rk_tag_form *f, int packet, const uint8_t *payload, size_t len)
{
    rtmpkit_tag_header h;
    if (!f->enhanced) {
        rk_flv_put_aac(out, packet, payload, len);
        return;
    }
    memset(&h, 0, sizeof h);
    h.type = RTMPKIT_FLV_AUDIO;
    h.enhanced = 1;
    h.multitrack = f->track_id != 0;
    h.track.id = f->track_id;
    h.packet = packet;
    h.track.fourcc = f->fourcc;
    h.track.data = payload;
    h.track.len = len;
    rtmpkit_tag_put(out, &h);
}

/* ---- decoder configuration records ---- */

int rk_hvcc_length_size(const uint8_t *hvcc, size_t len)
{
    rtmpkit_reader r;
    int arrays, length_size;

    if (len < HVCC_HEADER_SIZE || hvcc[0] != 1)
        return RTMPKIT_EINPUT;
    length_size = (hvcc[21] & 3) + 1;
    if (length_size == 3)
        return RTMPKIT_EINPUT;
    rtmpkit_reader_init(&r, hvcc + HVCC_HEADER_SIZE - 1, len - (HVCC_HEADER_SIZE - 1));
    arrays = rtmpkit_read_u8(&r);
    for (int i = 0; i < arrays && !r.err; i++) {
        int nalus;
        rtmpkit_read_u8(&r);   /* completeness, NAL unit type */
        nalus = rtmpkit_read_u16(&r);
        for (int j = 0; j < nalus && !r.err; j++)
            rtmpkit_read_bytes(&r, rtmpkit_read_u16(&r));
    }
    return r.err ? RTMPKIT_ETRUNCATED : length_size;
}

int rk_av1c_check(const uint8_t *buf, size_t len)
{
    return len >= 4 && buf[0] == AV1C_MARKER_VERSION ? 0 : RTMPKIT_EINPUT;
}

int rk_opus_head_check(const uint8_t *buf, size_t len)
{
    return len >= OPUS_HEAD_SIZE && !memcmp(buf, "OpusHead", 8) && buf[8] < 16 ? 0 : RTMPKIT_EINPUT;
}

int rk_flac_config(const uint8_t *extra, size_t len, rtmpkit_buf *out)
{
    if (len >= 8 + RK_FLAC_STREAMINFO_SIZE && !memcmp(extra, "fLaC", 4)) {
        if ((extra[4] & 0x7F) != 0 || rtmpkit_rb24(extra + 5) != RK_FLAC_STREAMINFO_SIZE)
            return RTMPKIT_EINPUT;   /* STREAMINFO comes first */
        rtmpkit_put_bytes(out, extra, len);
        return out->err;
    }
    if (len != RK_FLAC_STREAMINFO_SIZE)
        return RTMPKIT_EINPUT;
    rtmpkit_put_bytes(out, "fLaC", 4);
    rtmpkit_put_u8(out, FLAC_LAST_STREAMINFO);
    rtmpkit_put_u24(out, RK_FLAC_STREAMINFO_SIZE);
    rtmpkit_put_bytes(out, extra, len);
    return out->err;
}

/* ---- VP9 ---- */

static const struct vp9_level {
    int level;
    double max_sample_rate;     /* luma samples per second */
    double max_picture_size;    /* luma samples */
} vp9_levels[] = {
    { 10, 829440, 36864 }, { 11, 2764800, 73728 }, { 20, 4608000, 122880 },
    { 21, 9216000, 245760 }, { 30, 20736000, 552960 }, { 31, 36864000, 983040 },
    { 40, 83558400, 2228224 }, { 41, 160432128, 2228224 }, { 50, 311951360, 8912896 },
    { 51, 588251136, 8912896 }, { 52, 1176502272, 8912896 }, { 60, 1176502272, 35651584 },
    { 61, 2353004544.0, 35651584 }, { 62, 4706009088.0, 35651584 },
};

int rk_vp9_level(int width, int height, double fps)
{
    double size = (double)width * height, rate = size * (fps > 0 ? fps : 30);
    for (size_t i = 0; i < sizeof vp9_levels / sizeof vp9_levels[0]; i++)
        if (size <= vp9_levels[i].max_picture_size && rate <= vp9_levels[i].max_sample_rate)
            return vp9_levels[i].level;
    return 62;
}

void rk_vpcc_build(const rk_vpcc_params *p, rtmpkit_buf *out)
{
    int level = p->level > 0 ? p->level : rk_vp9_level(p->width, p->height, p->fps);
    rtmpkit_put_u8(out, 1);      /* version */
    rtmpkit_put_u24(out, 0);     /* flags */
    rtmpkit_put_u8(out, (uint8_t)p->profile);
    rtmpkit_put_u8(out, (uint8_t)level);
    rtmpkit_put_u8(out, (uint8_t)((p->bit_depth & 0x0F) << 4 | (p->chroma_subsampling & 7) << 1 | !!p->full_range));
    rtmpkit_put_u8(out, (uint8_t)p->color_primaries);
    rtmpkit_put_u8(out, (uint8_t)p->transfer);
    rtmpkit_put_u8(out, (uint8_t)p->matrix);
    rtmpkit_put_u16(out, 0);     /* codecInitializationDataSize: none for VP9 */
}
