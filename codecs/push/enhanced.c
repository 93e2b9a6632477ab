/* Enhanced RTMP v2 tag bodies and sequence-start bodies: see enhanced.h. */
#include "enhanced.h"

#include <string.h>

#include "avc_aac.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/codecinfo.h"
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

/* ---- HDR metadata ---- */

static void put_number(rtmpkit_buf *b, const char *key, double v)
{
    rtmpkit_amf0_put_key(b, key);
    rtmpkit_amf0_put_number(b, v);
}

static void put_color_amf(rtmpkit_buf *b, const rk_color_info *c)
{
    rtmpkit_amf0_put_string(b, "colorInfo");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "colorConfig");
    rtmpkit_amf0_put_object_start(b);
    if (c->transfer >= 0)
        put_number(b, "transferCharacteristics", c->transfer);
    if (c->matrix >= 0)
        put_number(b, "matrixCoefficients", c->matrix);
    if (c->primaries >= 0)
        put_number(b, "colorPrimaries", c->primaries);
    rtmpkit_amf0_put_object_end(b);
    if (c->has_cll) {
        rtmpkit_amf0_put_key(b, "hdrCll");
        rtmpkit_amf0_put_object_start(b);
        put_number(b, "maxFall", c->max_fall);
        put_number(b, "maxCLL", c->max_cll);
        rtmpkit_amf0_put_object_end(b);
    }
    if (c->has_primaries || c->has_luminance) {
        rtmpkit_amf0_put_key(b, "hdrMdcv");
        rtmpkit_amf0_put_object_start(b);
        if (c->has_primaries) {
            put_number(b, "redX", c->red_x);
            put_number(b, "redY", c->red_y);
            put_number(b, "greenX", c->green_x);
            put_number(b, "greenY", c->green_y);
            put_number(b, "blueX", c->blue_x);
            put_number(b, "blueY", c->blue_y);
            put_number(b, "whitePointX", c->white_x);
            put_number(b, "whitePointY", c->white_y);
        }
        if (c->has_luminance) {
            put_number(b, "maxLuminance", c->max_luminance);
            put_number(b, "minLuminance", c->min_luminance);
        }
        rtmpkit_amf0_put_object_end(b);
    }
    rtmpkit_amf0_put_object_end(b);
}

void rk_put_color_info_tag(rtmpkit_buf *out, const rk_tag_form *f, const rk_color_info *c)
{
    rtmpkit_tag_header h;
    memset(&h, 0, sizeof h);
    h.type = RTMPKIT_FLV_VIDEO;
    h.enhanced = 1;
    /* A Multitrack tag of frame type 5 is a command (the command byte is read before the
     * Multitrack byte), and OBS's frame type 0 is reserved: a track past 0 gets frame
     * type 1, as its sequence start has. */
    h.frame_type = f->track_id ? RTMPKIT_TAG_FRAME_KEY : RTMPKIT_TAG_FRAME_COMMAND;
    h.packet = RTMPKIT_TAG_METADATA;
    h.multitrack = f->track_id != 0;
    h.track.id = f->track_id;
    h.track.fourcc = f->fourcc;
    rtmpkit_tag_put(out, &h);   /* the header; the AMF payload follows */
    put_color_amf(out, c);
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

/* ---- HEVC from Annex B ---- */

enum { HEVC_VPS = 32, HEVC_SPS = 33, HEVC_PPS = 34, HEVC_AUD = 35 };
#define HVCC_MAX_ARRAY_NALS 8

static int hevc_nal_type(const uint8_t *nal, size_t len)
{
    return len >= 2 ? (nal[0] >> 1) & 0x3F : -1;
}

struct nal_ref {
    const uint8_t *p;
    size_t len;
};

int rk_hvcc_from_annexb(const uint8_t *buf, size_t len, rtmpkit_buf *out)
{
    static const int types[3] = { HEVC_VPS, HEVC_SPS, HEVC_PPS };
    struct nal_ref nals[3][HVCC_MAX_ARRAY_NALS];
    int counts[3] = { 0 };
    rtmpkit_hevc_sps sps;
    rk_annexb_iter it;
    const uint8_t *nal;
    size_t n;

    rk_annexb_iter_init(&it, buf, len);
    while (rk_annexb_next(&it, &nal, &n))
        for (int k = 0; k < 3; k++)
            if (hevc_nal_type(nal, n) == types[k] && counts[k] < HVCC_MAX_ARRAY_NALS && n <= 0xFFFF)
                nals[k][counts[k]++] = (struct nal_ref){ nal, n };
    if (!counts[0] || !counts[1] || !counts[2] || rtmpkit_hevc_sps_parse(nals[1][0].p, nals[1][0].len, &sps) < 0)
        return RTMPKIT_EINPUT;
    rtmpkit_put_u8(out, 1);
    rtmpkit_put_u8(out, (uint8_t)(sps.profile_space << 6 | sps.tier << 5 | sps.profile_idc));
    rtmpkit_put_u32(out, sps.compatibility_flags);
    rtmpkit_put_u16(out, (uint16_t)(sps.constraint_flags >> 32));
    rtmpkit_put_u32(out, (uint32_t)sps.constraint_flags);
    rtmpkit_put_u8(out, (uint8_t)sps.level_idc);
    rtmpkit_put_u16(out, 0xF000);   /* min_spatial_segmentation_idc 0 */
    rtmpkit_put_u8(out, 0xFC);      /* parallelismType 0 */
    rtmpkit_put_u8(out, (uint8_t)(0xFC | sps.chroma_format_idc));
    rtmpkit_put_u8(out, (uint8_t)(0xF8 | (sps.bit_depth_luma - 8)));
    rtmpkit_put_u8(out, (uint8_t)(0xF8 | (sps.bit_depth_chroma - 8)));
    rtmpkit_put_u16(out, 0);        /* avgFrameRate: unknown */
    rtmpkit_put_u8(out, (uint8_t)((sps.max_sub_layers & 7) << 3 | sps.temporal_id_nesting << 2 | 3));
    rtmpkit_put_u8(out, 3);         /* arrays: VPS, SPS, PPS */
    for (int k = 0; k < 3; k++) {
        rtmpkit_put_u8(out, (uint8_t)(0x80 | types[k]));   /* array_completeness */
        rtmpkit_put_u16(out, (uint16_t)counts[k]);
        for (int i = 0; i < counts[k]; i++) {
            rtmpkit_put_u16(out, (uint16_t)nals[k][i].len);
            rtmpkit_put_bytes(out, nals[k][i].p, nals[k][i].len);
        }
    }
    return out->err;
}

int rk_hevc_annexb_to_lp(const uint8_t *buf, size_t len, rtmpkit_buf *out)
{
    rk_annexb_iter it;
    const uint8_t *nal;
    size_t n;
    int count = 0;

    rk_annexb_iter_init(&it, buf, len);
    while (rk_annexb_next(&it, &nal, &n)) {
        if (n == 0 || hevc_nal_type(nal, n) == HEVC_AUD || n > 0xFFFFFFFFu)
            continue;
        rtmpkit_put_u32(out, (uint32_t)n);
        rtmpkit_put_bytes(out, nal, n);
        count++;
    }
    return out->err ? out->err : count;
}

/* ---- AV1 ---- */

int rk_av1c_from_obus(const uint8_t *obus, size_t len, int bit_depth, int mono, int sub_x, int sub_y,
                      rtmpkit_buf *out)
{
    rtmpkit_av1_seq_header sh;
    if (rtmpkit_av1_seq_header_parse(obus, len, &sh) != 1)
        return RTMPKIT_EINPUT;
    rtmpkit_put_u8(out, AV1C_MARKER_VERSION);
    rtmpkit_put_u8(out, (uint8_t)(sh.profile << 5 | sh.level_idx));
    rtmpkit_put_u8(out, (uint8_t)(sh.tier << 7 | (bit_depth > 8) << 6 | (bit_depth == 12) << 5 | !!mono << 4
                                  | !!sub_x << 3 | !!sub_y << 2));
    rtmpkit_put_u8(out, 0);   /* no initial presentation delay */
    rtmpkit_put_bytes(out, obus, len);
    return out->err;
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
