/* Sequence headers to codec facts (see rtmpkit/codecinfo.h). */
#include "rtmpkit/codecinfo.h"

#include <string.h>

#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"

#define SPS_RBSP_MAX 1024    /* an SPS is tens of bytes; only its start is read */

/* ---- a bounded bit reader with a sticky error (dav1d getbits style) ---- */

struct bits {
    const uint8_t *buf;
    size_t len;
    size_t pos;          /* in bits */
    int err;
};

static void bits_init(struct bits *b, const uint8_t *buf, size_t len)
{
    b->buf = buf;
    b->len = len;
    b->pos = 0;
    b->err = 0;
}

static uint32_t bits_read(struct bits *b, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        if (b->pos >= b->len * 8) {
            b->err = RTMPKIT_ETRUNCATED;
            return 0;
        }
        v = v << 1 | ((b->buf[b->pos / 8] >> (7 - b->pos % 8)) & 1);
        b->pos++;
    }
    return v;
}

/* Exp-Golomb ue(v); more than 31 leading zeros is malformed. */
static uint32_t bits_ue(struct bits *b)
{
    int zeros = 0;
    while (!b->err && bits_read(b, 1) == 0) {
        if (++zeros > 31) {
            b->err = RTMPKIT_EPROTOCOL;
            return 0;
        }
    }
    if (b->err)
        return 0;
    return (uint32_t)((1ull << zeros) - 1 + bits_read(b, zeros));
}

static void bits_skip(struct bits *b, int n)
{
    while (n > 0 && !b->err) {
        int step = n > 32 ? 32 : n;
        bits_read(b, step);
        n -= step;
    }
}

/* AV1's uvlc(): like ue(v), but 32 leading zeros or more mean the largest value. */
static uint32_t bits_uvlc(struct bits *b)
{
    int zeros = 0;
    while (!b->err && bits_read(b, 1) == 0)
        zeros++;
    if (b->err || zeros >= 32)
        return UINT32_MAX;
    return (uint32_t)((1ull << zeros) - 1 + bits_read(b, zeros));
}

static int32_t bits_se(struct bits *b)
{
    uint32_t v = bits_ue(b);
    return v & 1 ? (int32_t)((v + 1) / 2) : -(int32_t)(v / 2);
}

/* ---- names ---- */

static const char *fourcc_name(uint32_t fourcc)
{
    switch (fourcc) {
    case RTMPKIT_FOURCC_AVC1: return "h264";
    case RTMPKIT_FOURCC_HVC1: return "hevc";
    case RTMPKIT_FOURCC_VVC1: return "vvc";
    case RTMPKIT_FOURCC_AV01: return "av1";
    case RTMPKIT_FOURCC_VP09: return "vp9";
    case RTMPKIT_FOURCC_VP08: return "vp8";
    case RTMPKIT_FOURCC_MP4A: return "aac";
    case RTMPKIT_FOURCC_OPUS: return "opus";
    case RTMPKIT_FOURCC_FLAC: return "flac";
    case RTMPKIT_FOURCC_AC3: return "ac3";
    case RTMPKIT_FOURCC_EAC3: return "eac3";
    case RTMPKIT_FOURCC_MP3: return "mp3";
    }
    return "";
}

static const char *legacy_name(uint8_t tag_type, int codec)
{
    static const char *const video[16] = { [2] = "flv1", [3] = "flashsv", [4] = "vp6f", [5] = "vp6a",
                                           [6] = "flashsv2", [7] = "h264", [12] = "hevc" };
    static const char *const audio[16] = { [0] = "pcm", [1] = "adpcm_swf", [2] = "mp3", [3] = "pcm_s16le",
                                           [4] = "nellymoser", [5] = "nellymoser", [6] = "nellymoser",
                                           [7] = "pcm_alaw", [8] = "pcm_mulaw", [10] = "aac", [11] = "speex",
                                           [14] = "mp3" };
    const char *name = NULL;
    if (codec >= 0 && codec < 16)
        name = tag_type == RTMPKIT_FLV_VIDEO ? video[codec] : audio[codec];
    return name ? name : "";
}

void rtmpkit_codec_info_init(rtmpkit_codec_info *info, uint32_t fourcc, uint8_t tag_type, int legacy_codec)
{
    memset(info, 0, sizeof *info);
    info->fourcc = fourcc;
    info->name = fourcc ? fourcc_name(fourcc) : legacy_name(tag_type, legacy_codec);
    info->profile = "";
    info->profile_idc = -1;
    info->level_idc = -1;
}

/* ---- H.264: avcC and its first SPS ---- */

static const char *h264_profile(int idc, int constraints)
{
    switch (idc) {
    case 66: return constraints & 0x40 ? "Constrained Baseline" : "Baseline";
    case 77: return "Main";
    case 88: return "Extended";
    case 100: return "High";
    case 110: return constraints & 0x10 ? "High 10 Intra" : "High 10";
    case 122: return constraints & 0x10 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244: return constraints & 0x10 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44: return "CAVLC 4:4:4";
    }
    return "";
}

static int h264_has_chroma_info(int idc)
{
    static const int with[] = { 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 };
    for (size_t i = 0; i < sizeof with / sizeof with[0]; i++)
        if (with[i] == idc)
            return 1;
    return 0;
}

static void skip_scaling_list(struct bits *b, int size)
{
    int last = 8, next = 8;
    for (int j = 0; j < size && !b->err; j++) {
        if (next != 0)
            next = (int)(((int64_t)last + bits_se(b) + 256) % 256);   /* a peer's delta may be any 32-bit value */
        last = next == 0 ? last : next;
    }
}

/* The VUI up to its timing info: the frame rate, when the stream says it. */
static void h264_vui_frame_rate(struct bits *b, rtmpkit_codec_info *info)
{
    if (bits_read(b, 1) && bits_read(b, 8) == 255)   /* aspect_ratio_info, Extended_SAR */
        bits_read(b, 32);
    if (bits_read(b, 1))                               /* overscan_info_present */
        bits_read(b, 1);
    if (bits_read(b, 1)) {                             /* video_signal_type_present */
        bits_read(b, 4);
        if (bits_read(b, 1))                           /* colour_description_present */
            bits_read(b, 24);
    }
    if (bits_read(b, 1)) {                             /* chroma_loc_info_present */
        bits_ue(b);
        bits_ue(b);
    }
    if (bits_read(b, 1)) {                             /* timing_info_present */
        uint32_t units = bits_read(b, 32), scale = bits_read(b, 32);
        if (!b->err && units > 0)
            info->frame_rate = (double)scale / (2.0 * units);
    }
}

/* Parses an SPS RBSP (after the NAL header byte). */
static int h264_sps(const uint8_t *rbsp, size_t len, rtmpkit_codec_info *info)
{
    struct bits b;
    uint32_t chroma = 1, mbs_w, map_h, frame_mbs_only, poc_type;
    uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
    int idc, constraints, sub_w, sub_h;

    bits_init(&b, rbsp, len);
    idc = (int)bits_read(&b, 8);
    constraints = (int)bits_read(&b, 8);
    info->level_idc = (int)bits_read(&b, 8);
    info->level = info->level_idc / 10.0;
    info->profile_idc = idc;
    info->profile = h264_profile(idc, constraints);
    bits_ue(&b);                                       /* seq_parameter_set_id */
    info->bit_depth = 8;
    if (h264_has_chroma_info(idc)) {
        chroma = bits_ue(&b);
        if (chroma == 3)
            bits_read(&b, 1);                          /* separate_colour_plane */
        {
            uint32_t depth_minus8 = bits_ue(&b);
            if (depth_minus8 > 6)                      /* 14 bits at most (7.4.2.1.1) */
                return RTMPKIT_EPROTOCOL;
            info->bit_depth = 8 + (int)depth_minus8;
        }
        bits_ue(&b);                                   /* bit_depth_chroma */
        bits_read(&b, 1);                              /* qpprime_y_zero_transform_bypass */
        if (bits_read(&b, 1)) {                        /* seq_scaling_matrix_present */
            for (int i = 0; i < (chroma != 3 ? 8 : 12) && !b.err; i++)
                if (bits_read(&b, 1))
                    skip_scaling_list(&b, i < 6 ? 16 : 64);
        }
    }
    bits_ue(&b);                                       /* log2_max_frame_num - 4 */
    poc_type = bits_ue(&b);
    if (poc_type == 0) {
        bits_ue(&b);
    } else if (poc_type == 1) {
        uint32_t n;
        bits_read(&b, 1);
        bits_se(&b);
        bits_se(&b);
        n = bits_ue(&b);
        if (n > 255)
            return RTMPKIT_EPROTOCOL;
        for (uint32_t i = 0; i < n && !b.err; i++)
            bits_se(&b);
    }
    bits_ue(&b);                                       /* max_num_ref_frames */
    bits_read(&b, 1);                                  /* gaps_in_frame_num_allowed */
    mbs_w = bits_ue(&b) + 1;
    map_h = bits_ue(&b) + 1;
    frame_mbs_only = bits_read(&b, 1);
    if (!frame_mbs_only)
        bits_read(&b, 1);                              /* mb_adaptive_frame_field */
    bits_read(&b, 1);                                  /* direct_8x8_inference */
    if (bits_read(&b, 1)) {
        crop_l = bits_ue(&b);
        crop_r = bits_ue(&b);
        crop_t = bits_ue(&b);
        crop_b = bits_ue(&b);
    }
    if (b.err)
        return b.err;
    if (chroma > 3 || mbs_w > 1024 || map_h > 1024)
        return RTMPKIT_EPROTOCOL;
    sub_w = chroma == 1 || chroma == 2 ? 2 : 1;
    sub_h = chroma == 1 ? 2 : 1;
    {
        int64_t w = (int64_t)mbs_w * 16 - (int64_t)sub_w * (crop_l + crop_r);
        int64_t h = (int64_t)(2 - frame_mbs_only) * map_h * 16 - (int64_t)sub_h * (2 - frame_mbs_only) * (crop_t + crop_b);
        if (w <= 0 || h <= 0)
            return RTMPKIT_EPROTOCOL;
        info->width = (int)w;
        info->height = (int)h;
    }
    if (bits_read(&b, 1))                              /* vui_parameters_present */
        h264_vui_frame_rate(&b, info);
    return 0;   /* a VUI cut short only loses the frame rate */
}

/* The RBSP of a NAL payload: emulation prevention bytes (00 00 03) taken out. */
static size_t unescape(const uint8_t *nal, size_t len, uint8_t *out, size_t cap)
{
    size_t n = 0, zeros = 0;
    for (size_t i = 0; i < len && n < cap; i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = nal[i] == 0 ? zeros + 1 : 0;
        out[n++] = nal[i];
    }
    return n;
}

static int parse_avcc(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    rtmpkit_reader r;
    uint8_t rbsp[SPS_RBSP_MAX];
    const uint8_t *sps;
    size_t sps_len;
    int count;

    rtmpkit_reader_init(&r, data, len);
    if (rtmpkit_read_u8(&r) != 1 && !r.err)
        return RTMPKIT_EPROTOCOL;                      /* configurationVersion */
    info->profile_idc = rtmpkit_read_u8(&r);
    rtmpkit_read_u8(&r);
    info->level_idc = rtmpkit_read_u8(&r);
    info->level = info->level_idc / 10.0;
    rtmpkit_read_u8(&r);                               /* lengthSizeMinusOne */
    count = rtmpkit_read_u8(&r) & 0x1F;
    if (r.err)
        return r.err;
    if (count == 0)
        return 0;                                      /* no SPS: the header's numbers only */
    sps_len = rtmpkit_read_u16(&r);
    sps = rtmpkit_read_bytes(&r, sps_len);
    if (r.err)
        return r.err;
    if (sps_len < 4 || (sps[0] & 0x1F) != 7)
        return RTMPKIT_EPROTOCOL;
    return h264_sps(rbsp, unescape(sps + 1, sps_len - 1, rbsp, sizeof rbsp), info);
}

/* ---- HEVC: hvcC and the SPS in its arrays ---- */

#define HEVC_NAL_SPS 33

/* profile_tier_level(1, max_sub_layers_minus1) after the general profile and level,
 * which the hvcC header repeats. */
static void hevc_skip_sub_layers(struct bits *b, int max_sub_layers_minus1)
{
    int profile[8] = { 0 }, level[8] = { 0 };
    for (int i = 0; i < max_sub_layers_minus1; i++) {
        profile[i] = (int)bits_read(b, 1);
        level[i] = (int)bits_read(b, 1);
    }
    if (max_sub_layers_minus1 > 0)
        bits_skip(b, 2 * (8 - max_sub_layers_minus1));
    for (int i = 0; i < max_sub_layers_minus1; i++)
        bits_skip(b, (profile[i] ? 88 : 0) + (level[i] ? 8 : 0));
}

/* The picture size and bit depth of an SPS RBSP (after the 2-byte NAL header). */
static int hevc_sps(const uint8_t *rbsp, size_t len, rtmpkit_codec_info *info)
{
    struct bits b;
    uint32_t chroma, w, h, depth_minus8, crop[4] = { 0, 0, 0, 0 };
    int sub_layers, sub_w, sub_h;
    bits_init(&b, rbsp, len);
    bits_read(&b, 4);                                  /* sps_video_parameter_set_id */
    sub_layers = (int)bits_read(&b, 3);
    bits_read(&b, 1);
    bits_skip(&b, 2 + 1 + 5 + 32 + 48 + 8);            /* the general profile, tier and level */
    hevc_skip_sub_layers(&b, sub_layers);
    bits_ue(&b);                                       /* sps_seq_parameter_set_id */
    chroma = bits_ue(&b);
    if (chroma == 3)
        bits_read(&b, 1);
    w = bits_ue(&b);
    h = bits_ue(&b);
    if (bits_read(&b, 1))
        for (int i = 0; i < 4; i++)
            crop[i] = bits_ue(&b);
    depth_minus8 = bits_ue(&b);
    if (b.err)
        return b.err;
    if (depth_minus8 > 8 || chroma > 3 || w == 0 || h == 0 || w > 65536 || h > 65536)
        return RTMPKIT_EPROTOCOL;   /* 16 bits at most (7.4.3.2.1) */
    info->bit_depth = 8 + (int)depth_minus8;
    sub_w = chroma == 1 || chroma == 2 ? 2 : 1;
    sub_h = chroma == 1 ? 2 : 1;
    {
        int64_t cw = (int64_t)w - (int64_t)sub_w * ((int64_t)crop[0] + crop[1]);
        int64_t ch = (int64_t)h - (int64_t)sub_h * ((int64_t)crop[2] + crop[3]);
        if (cw <= 0 || ch <= 0)
            return RTMPKIT_EPROTOCOL;
        info->width = (int)cw;
        info->height = (int)ch;
    }
    return 0;
}

/* The first SPS in the hvcC's arrays (after its 23-byte header), or 0 when none. */
static int hvcc_sps(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    rtmpkit_reader r;
    uint8_t rbsp[SPS_RBSP_MAX];
    int arrays;
    rtmpkit_reader_init(&r, data + 22, len - 22);
    arrays = rtmpkit_read_u8(&r);
    for (int i = 0; i < arrays && !r.err; i++) {
        int type = rtmpkit_read_u8(&r) & 0x3F, count = rtmpkit_read_u16(&r);
        for (int j = 0; j < count && !r.err; j++) {
            size_t n = rtmpkit_read_u16(&r);
            const uint8_t *nal = rtmpkit_read_bytes(&r, n);
            if (r.err)
                break;
            if (type == HEVC_NAL_SPS && n > 2)
                return hevc_sps(rbsp, unescape(nal + 2, n - 2, rbsp, sizeof rbsp), info);
        }
    }
    return r.err;
}

/* ---- AV1: av1C and the sequence header OBU after it ---- */

#define AV1_OBU_SEQUENCE_HEADER 1

/* The size (and frame rate, when its timing info says) of a sequence header OBU's payload. */
static int av1_sequence_header(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    struct bits b;
    int reduced, decoder_model = 0, delay_bits = 0, display_delay = 0, w_bits, h_bits;
    bits_init(&b, data, len);
    bits_read(&b, 3);                                  /* seq_profile */
    bits_read(&b, 1);                                  /* still_picture */
    reduced = (int)bits_read(&b, 1);
    if (reduced) {
        bits_read(&b, 5);
    } else {
        if (bits_read(&b, 1)) {                        /* timing_info_present */
            uint32_t units = bits_read(&b, 32), scale = bits_read(&b, 32), ticks = 1;
            if (bits_read(&b, 1))                      /* equal_picture_interval */
                ticks = bits_uvlc(&b) + 1;
            if (!b.err && units > 0 && ticks > 0)
                info->frame_rate = (double)scale / ((double)units * ticks);
            if ((decoder_model = (int)bits_read(&b, 1))) {
                delay_bits = (int)bits_read(&b, 5) + 1;
                bits_skip(&b, 32 + 5 + 5);
            }
        }
        display_delay = (int)bits_read(&b, 1);
        for (int i = 0, n = (int)bits_read(&b, 5) + 1; i < n && !b.err; i++) {
            bits_read(&b, 12);                         /* operating_point_idc */
            if (bits_read(&b, 5) > 7)                  /* seq_level_idx */
                bits_read(&b, 1);
            if (decoder_model && bits_read(&b, 1))
                bits_skip(&b, 2 * delay_bits + 1);
            if (display_delay && bits_read(&b, 1))
                bits_read(&b, 4);
        }
    }
    w_bits = (int)bits_read(&b, 4) + 1;
    h_bits = (int)bits_read(&b, 4) + 1;
    info->width = (int)bits_read(&b, w_bits) + 1;
    info->height = (int)bits_read(&b, h_bits) + 1;
    if (b.err) {
        info->width = info->height = 0;
        return b.err;
    }
    return 0;
}

/* The configOBUs after the av1C's 4 bytes: the sequence header, when there is one. */
static int av1c_obus(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    size_t at = 0;
    while (at < len) {
        uint8_t header = data[at++];
        int type = header >> 3 & 0xF;
        size_t size = len - at;
        if (header & 4)
            at++;                                      /* obu_extension_header */
        if (header & 2) {                              /* obu_has_size_field: leb128 */
            size = 0;
            for (int i = 0; i < 8; i++) {
                if (at >= len)
                    return RTMPKIT_ETRUNCATED;
                size |= (size_t)(data[at] & 0x7F) << (7 * i);
                if (!(data[at++] & 0x80))
                    break;
            }
        }
        if (at > len || size > len - at)
            return RTMPKIT_ETRUNCATED;
        if (type == AV1_OBU_SEQUENCE_HEADER)
            return av1_sequence_header(data + at, size, info);
        at += size;
    }
    return 0;
}

/* ---- HEVC, AV1: the numbers at the start of their configuration records ---- */

static int parse_hvcc(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    static const char *const profiles[] = { "", "Main", "Main 10", "Main Still Picture", "Rext", "High Throughput 4:4:4",
                                            "Multiview Main", "Scalable Main", "3D Main", "Screen Extended" };
    uint8_t b1;
    if (len < 13)
        return RTMPKIT_ETRUNCATED;
    if (data[0] != 1)
        return RTMPKIT_EPROTOCOL;
    b1 = data[1];
    info->profile_idc = b1 & 0x1F;
    info->profile = info->profile_idc < (int)(sizeof profiles / sizeof profiles[0]) ? profiles[info->profile_idc] : "";
    info->level_idc = data[12];
    info->level = data[12] / 30.0;
    if (len >= 18)
        info->bit_depth = 8 + (data[17] & 7);          /* bitDepthLumaMinus8 */
    return len > 23 ? hvcc_sps(data, len, info) : 0;
}

static int parse_av1c(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    static const char *const profiles[] = { "Main", "High", "Professional" };
    int idx;
    if (len < 4)
        return RTMPKIT_ETRUNCATED;
    if (data[0] != 0x81)                               /* marker 1, version 1 */
        return RTMPKIT_EPROTOCOL;
    info->profile_idc = data[1] >> 5;
    info->profile = info->profile_idc < 3 ? profiles[info->profile_idc] : "";
    idx = data[1] & 0x1F;
    info->level_idc = idx;
    if (idx < 24)
        info->level = 2 + (idx >> 2) + (idx & 3) / 10.0;
    info->bit_depth = data[2] & 0x40 ? (data[2] & 0x20 ? 12 : 10) : 8;
    return av1c_obus(data + 4, len - 4, info);
}

/* ---- audio ---- */

static const int aac_rates[13] = { 96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000,
                                   11025, 8000, 7350 };

static uint32_t asc_object_type(struct bits *b)
{
    uint32_t t = bits_read(b, 5);
    return t == 31 ? 32 + bits_read(b, 6) : t;
}

static int asc_rate(struct bits *b)
{
    uint32_t index = bits_read(b, 4);
    if (index == 15)
        return (int)bits_read(b, 24);
    return index < 13 ? aac_rates[index] : -1;
}

static const char *aac_profile(uint32_t type)
{
    switch (type) {
    case 1: return "Main";
    case 2: return "LC";
    case 3: return "SSR";
    case 4: return "LTP";
    case 5: return "HE-AAC";
    case 23: return "LD";
    case 29: return "HE-AACv2";
    case 39: return "ELD";
    }
    return "";
}

static int parse_asc(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    static const int channels[8] = { 0, 1, 2, 3, 4, 5, 6, 8 };
    struct bits b;
    uint32_t type, config;
    int rate;

    bits_init(&b, data, len);
    type = asc_object_type(&b);
    rate = asc_rate(&b);
    config = bits_read(&b, 4);
    if (b.err)
        return b.err;
    if (rate <= 0)
        return RTMPKIT_EPROTOCOL;
    info->profile_idc = (int)type;
    info->sample_rate = rate;
    info->channels = channels[config & 7];
    if (type == 5 || type == 29) {
        /* explicit SBR (and PS): the output rate follows; the core's object type too */
        int ext = asc_rate(&b);
        if (!b.err && ext > 0)
            info->sample_rate = ext;
        if (type == 29 && info->channels == 1)
            info->channels = 2;                        /* parametric stereo */
    }
    info->profile = aac_profile(type);
    return 0;
}

static int parse_opus_head(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    if (len < 19)
        return RTMPKIT_ETRUNCATED;
    if (memcmp(data, "OpusHead", 8) != 0)
        return RTMPKIT_EPROTOCOL;
    info->channels = data[9];
    info->sample_rate = 48000;                         /* Opus always decodes at 48 kHz */
    return 0;
}

static int parse_flac(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    const uint8_t *si;
    if (len >= 4 && memcmp(data, "fLaC", 4) == 0) {
        data += 4;
        len -= 4;
    }
    if (len >= 4 && (data[0] & 0x7F) == 0 && (data[1] << 16 | data[2] << 8 | data[3]) == 34) {
        data += 4;                                     /* a STREAMINFO block header */
        len -= 4;
    }
    if (len < 18)
        return RTMPKIT_ETRUNCATED;
    si = data + 10;
    info->sample_rate = (int)((uint32_t)si[0] << 12 | (uint32_t)si[1] << 4 | si[2] >> 4);
    info->channels = ((si[2] >> 1) & 7) + 1;
    info->bit_depth = ((si[2] & 1) << 4 | si[3] >> 4) + 1;
    return info->sample_rate > 0 ? 0 : RTMPKIT_EPROTOCOL;
}

int rtmpkit_codec_config_parse(uint32_t fourcc, const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    rtmpkit_codec_info_init(info, fourcc, 0, -1);
    if (!data && len)
        return RTMPKIT_EINTERNAL;
    switch (fourcc) {
    case RTMPKIT_FOURCC_AVC1: return parse_avcc(data, len, info);
    case RTMPKIT_FOURCC_HVC1: return parse_hvcc(data, len, info);
    case RTMPKIT_FOURCC_AV01: return parse_av1c(data, len, info);
    case RTMPKIT_FOURCC_MP4A: return parse_asc(data, len, info);
    case RTMPKIT_FOURCC_OPUS: return parse_opus_head(data, len, info);
    case RTMPKIT_FOURCC_FLAC: return parse_flac(data, len, info);
    }
    return 0;
}
