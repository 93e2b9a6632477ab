/* Sequence headers to codec facts (see rtmpkit/codecinfo.h). */
#include "rtmpkit/codecinfo.h"

#include <string.h>

#include "bitreader.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"

#define SPS_RBSP_MAX 1024    /* an H.264 SPS is tens of bytes; only its start is read */

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

static void skip_scaling_list(rk_bits *b, int size)
{
    int last = 8, next = 8;
    for (int j = 0; j < size && !b->err; j++) {
        if (next != 0)
            next = (int)(((int64_t)last + rk_bits_se(b) + 256) % 256);   /* a peer's delta may be any 32-bit value */
        last = next == 0 ? last : next;
    }
}

/* The VUI up to its timing info: the frame rate, when the stream says it. */
static void h264_vui_frame_rate(rk_bits *b, rtmpkit_codec_info *info)
{
    if (rk_bits_read(b, 1) && rk_bits_read(b, 8) == 255) /* aspect_ratio_info, Extended_SAR */
        rk_bits_read(b, 32);
    if (rk_bits_read(b, 1))                            /* overscan_info_present */
        rk_bits_read(b, 1);
    if (rk_bits_read(b, 1)) {                          /* video_signal_type_present */
        rk_bits_read(b, 4);
        if (rk_bits_read(b, 1))                        /* colour_description_present */
            rk_bits_read(b, 24);
    }
    if (rk_bits_read(b, 1)) {                          /* chroma_loc_info_present */
        rk_bits_ue(b);
        rk_bits_ue(b);
    }
    if (rk_bits_read(b, 1)) {                          /* timing_info_present */
        uint32_t units = rk_bits_read(b, 32), scale = rk_bits_read(b, 32);
        if (!b->err && units > 0)
            info->frame_rate = (double)scale / (2.0 * units);
    }
}

/* Parses an SPS RBSP (after the NAL header byte). */
static int h264_sps(const uint8_t *rbsp, size_t len, rtmpkit_codec_info *info)
{
    rk_bits b;
    uint32_t chroma = 1, mbs_w, map_h, frame_mbs_only, poc_type;
    uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
    int idc, constraints, sub_w, sub_h;

    rk_bits_init(&b, rbsp, len);
    idc = (int)rk_bits_read(&b, 8);
    constraints = (int)rk_bits_read(&b, 8);
    info->level_idc = (int)rk_bits_read(&b, 8);
    info->level = info->level_idc / 10.0;
    info->profile_idc = idc;
    info->profile = h264_profile(idc, constraints);
    rk_bits_ue(&b);                                    /* seq_parameter_set_id */
    info->bit_depth = 8;
    if (h264_has_chroma_info(idc)) {
        chroma = rk_bits_ue(&b);
        if (chroma == 3)
            rk_bits_read(&b, 1);                       /* separate_colour_plane */
        {
            uint32_t depth_minus8 = rk_bits_ue(&b);
            if (depth_minus8 > 6)                      /* 14 bits at most (7.4.2.1.1) */
                return RTMPKIT_EPROTOCOL;
            info->bit_depth = 8 + (int)depth_minus8;
        }
        rk_bits_ue(&b);                                /* bit_depth_chroma */
        rk_bits_read(&b, 1);                           /* qpprime_y_zero_transform_bypass */
        if (rk_bits_read(&b, 1)) {                     /* seq_scaling_matrix_present */
            for (int i = 0; i < (chroma != 3 ? 8 : 12) && !b.err; i++)
                if (rk_bits_read(&b, 1))
                    skip_scaling_list(&b, i < 6 ? 16 : 64);
        }
    }
    rk_bits_ue(&b);                                    /* log2_max_frame_num - 4 */
    poc_type = rk_bits_ue(&b);
    if (poc_type == 0) {
        rk_bits_ue(&b);
    } else if (poc_type == 1) {
        uint32_t n;
        rk_bits_read(&b, 1);
        rk_bits_se(&b);
        rk_bits_se(&b);
        n = rk_bits_ue(&b);
        if (n > 255)
            return RTMPKIT_EPROTOCOL;
        for (uint32_t i = 0; i < n && !b.err; i++)
            rk_bits_se(&b);
    }
    rk_bits_ue(&b);                                    /* max_num_ref_frames */
    rk_bits_read(&b, 1);                               /* gaps_in_frame_num_allowed */
    mbs_w = rk_bits_ue(&b) + 1;
    map_h = rk_bits_ue(&b) + 1;
    frame_mbs_only = rk_bits_read(&b, 1);
    if (!frame_mbs_only)
        rk_bits_read(&b, 1);                           /* mb_adaptive_frame_field */
    rk_bits_read(&b, 1);                               /* direct_8x8_inference */
    if (rk_bits_read(&b, 1)) {
        crop_l = rk_bits_ue(&b);
        crop_r = rk_bits_ue(&b);
        crop_t = rk_bits_ue(&b);
        crop_b = rk_bits_ue(&b);
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
    if (rk_bits_read(&b, 1))                           /* vui_parameters_present */
        h264_vui_frame_rate(&b, info);
    return 0;   /* a VUI cut short only loses the frame rate */
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
    return h264_sps(rbsp, rk_nal_rbsp(sps + 1, sps_len - 1, rbsp, sizeof rbsp), info);
}

/* ---- HEVC: the SPS, and the first one in an hvcC's arrays ---- */

#define HEVC_NAL_SPS      33
#define HEVC_SPS_RBSP_MAX 256   /* what is read of an SPS fits in about 180 bytes */

/* general_profile_space, tier, profile_idc, compatibility and constraint flags, level_idc:
 * the 12 bytes at the start of profile_tier_level. */
static void hevc_general_ptl(rk_bits *b, rtmpkit_hevc_sps *sps)
{
    sps->profile_space = (int)rk_bits_read(b, 2);
    sps->tier = (int)rk_bits_read(b, 1);
    sps->profile_idc = (int)rk_bits_read(b, 5);
    sps->compatibility_flags = rk_bits_read(b, 32);
    sps->constraint_flags = (uint64_t)rk_bits_read(b, 16) << 32;
    sps->constraint_flags |= rk_bits_read(b, 32);
    sps->level_idc = (int)rk_bits_read(b, 8);
}

/* profile_tier_level(1, max_sub_layers_minus1) after its general part. */
static void hevc_skip_sub_layers(rk_bits *b, int max_sub_layers_minus1)
{
    int profile[8] = { 0 }, level[8] = { 0 };
    for (int i = 0; i < max_sub_layers_minus1; i++) {
        profile[i] = (int)rk_bits_read(b, 1);
        level[i] = (int)rk_bits_read(b, 1);
    }
    if (max_sub_layers_minus1 > 0)
        rk_bits_skip(b, 2 * (8 - max_sub_layers_minus1));
    for (int i = 0; i < max_sub_layers_minus1; i++)
        rk_bits_skip(b, (profile[i] ? 88 : 0) + (level[i] ? 8 : 0));
}

/* The picture size less the conformance window (7.4.3.2.1); 0, or RTMPKIT_EPROTOCOL when
 * the window leaves nothing. */
static int hevc_cropped_size(uint32_t w, uint32_t h, const uint32_t crop[4], rtmpkit_hevc_sps *sps)
{
    int sub_w = sps->chroma_format_idc == 1 || sps->chroma_format_idc == 2 ? 2 : 1;
    int sub_h = sps->chroma_format_idc == 1 ? 2 : 1;
    int64_t cw = (int64_t)w - (int64_t)sub_w * ((int64_t)crop[0] + crop[1]);
    int64_t ch = (int64_t)h - (int64_t)sub_h * ((int64_t)crop[2] + crop[3]);
    if (cw <= 0 || ch <= 0)
        return RTMPKIT_EPROTOCOL;
    sps->width = (int)cw;
    sps->height = (int)ch;
    return 0;
}

int rtmpkit_hevc_sps_parse(const uint8_t *nal, size_t len, rtmpkit_hevc_sps *sps)
{
    uint8_t rbsp[HEVC_SPS_RBSP_MAX];
    rk_bits b;
    uint32_t chroma, w, h, luma_minus8, chroma_minus8, crop[4] = { 0, 0, 0, 0 };
    int sub_layers_minus1;

    if (len < 2 || !nal)
        return RTMPKIT_ETRUNCATED;
    if ((nal[0] >> 1 & 0x3F) != HEVC_NAL_SPS)
        return RTMPKIT_EPROTOCOL;
    rk_bits_init(&b, rbsp, rk_nal_rbsp(nal, len, rbsp, sizeof rbsp));
    rk_bits_skip(&b, 16);                              /* the NAL header */
    rk_bits_read(&b, 4);                               /* sps_video_parameter_set_id */
    sub_layers_minus1 = (int)rk_bits_read(&b, 3);
    sps->max_sub_layers = sub_layers_minus1 + 1;
    sps->temporal_id_nesting = (int)rk_bits_read(&b, 1);
    hevc_general_ptl(&b, sps);
    hevc_skip_sub_layers(&b, sub_layers_minus1);
    rk_bits_ue(&b);                                    /* sps_seq_parameter_set_id */
    chroma = rk_bits_ue(&b);
    if (chroma == 3)
        rk_bits_read(&b, 1);                           /* separate_colour_plane_flag */
    w = rk_bits_ue(&b);
    h = rk_bits_ue(&b);
    if (rk_bits_read(&b, 1))                           /* conformance_window_flag */
        for (int i = 0; i < 4; i++)
            crop[i] = rk_bits_ue(&b);
    luma_minus8 = rk_bits_ue(&b);
    chroma_minus8 = rk_bits_ue(&b);
    if (b.err)
        return b.err;
    /* Checked before any arithmetic: a peer's ue(v) may be any 32-bit value. */
    if (chroma > 3 || luma_minus8 > 8 || chroma_minus8 > 8 || w == 0 || h == 0 || w > 65536 || h > 65536)
        return RTMPKIT_EPROTOCOL;                      /* 16 bits at most (7.4.3.2.1) */
    sps->chroma_format_idc = (int)chroma;
    sps->bit_depth_luma = 8 + (int)luma_minus8;
    sps->bit_depth_chroma = 8 + (int)chroma_minus8;
    return hevc_cropped_size(w, h, crop, sps);
}

/* The picture size and bit depth from the first SPS in the hvcC's arrays (after its
 * 23-byte header); 0 when there is none. */
static int hvcc_sps(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    rtmpkit_reader r;
    rtmpkit_hevc_sps sps;
    int arrays, err;
    rtmpkit_reader_init(&r, data + 22, len - 22);
    arrays = rtmpkit_read_u8(&r);
    for (int i = 0; i < arrays && !r.err; i++) {
        int type = rtmpkit_read_u8(&r) & 0x3F, count = rtmpkit_read_u16(&r);
        for (int j = 0; j < count && !r.err; j++) {
            size_t n = rtmpkit_read_u16(&r);
            const uint8_t *nal = rtmpkit_read_bytes(&r, n);
            if (r.err)
                break;
            if (type != HEVC_NAL_SPS || n <= 2)
                continue;
            if ((err = rtmpkit_hevc_sps_parse(nal, n, &sps)) < 0)
                return err;
            info->bit_depth = sps.bit_depth_luma;
            info->width = sps.width;
            info->height = sps.height;
            return 0;
        }
    }
    return r.err;
}

/* ---- AV1: the sequence header OBU, and the one after an av1C ---- */

#define AV1_OBU_SEQUENCE_HEADER 1

/* timing_info() and decoder_model_info(): the frame rate, and the length of the
 * operating points' decoder model fields (0 without a decoder model). */
static int av1_timing_info(rk_bits *b, rtmpkit_av1_seq_header *sh)
{
    uint32_t units = rk_bits_read(b, 32), scale = rk_bits_read(b, 32), ticks = 1;
    int delay_bits = 0;
    if (rk_bits_read(b, 1))                            /* equal_picture_interval */
        ticks = rk_bits_uvlc(b) + 1;
    if (!b->err && units > 0 && ticks > 0)
        sh->frame_rate = (double)scale / ((double)units * ticks);
    if (rk_bits_read(b, 1)) {                          /* decoder_model_info_present */
        delay_bits = (int)rk_bits_read(b, 5) + 1;
        rk_bits_skip(b, 32 + 5 + 5);
    }
    return delay_bits;
}

/* A sequence header OBU's payload (5.5.1), up to the maximum frame size. */
static int av1_sequence_header(const uint8_t *data, size_t len, rtmpkit_av1_seq_header *sh)
{
    rk_bits b;
    int delay_bits = 0, display_delay, w_bits, h_bits;
    rk_bits_init(&b, data, len);
    memset(sh, 0, sizeof *sh);
    sh->profile = (int)rk_bits_read(&b, 3);
    rk_bits_read(&b, 1);                               /* still_picture */
    if (rk_bits_read(&b, 1)) {                         /* reduced_still_picture_header */
        sh->level_idx = (int)rk_bits_read(&b, 5);
    } else {
        if (rk_bits_read(&b, 1))                       /* timing_info_present */
            delay_bits = av1_timing_info(&b, sh);
        display_delay = (int)rk_bits_read(&b, 1);
        for (int i = 0, n = (int)rk_bits_read(&b, 5) + 1; i < n && !b.err; i++) {
            int level, tier = 0;
            rk_bits_read(&b, 12);                      /* operating_point_idc */
            level = (int)rk_bits_read(&b, 5);
            if (level > 7)
                tier = (int)rk_bits_read(&b, 1);
            if (i == 0) {
                sh->level_idx = level;
                sh->tier = tier;
            }
            if (delay_bits && rk_bits_read(&b, 1))     /* decoder_model_present_for_this_op */
                rk_bits_skip(&b, 2 * delay_bits + 1);
            if (display_delay && rk_bits_read(&b, 1))
                rk_bits_read(&b, 4);
        }
    }
    w_bits = (int)rk_bits_read(&b, 4) + 1;
    h_bits = (int)rk_bits_read(&b, 4) + 1;
    sh->width = (int)rk_bits_read(&b, w_bits) + 1;
    sh->height = (int)rk_bits_read(&b, h_bits) + 1;
    return b.err;
}

int rtmpkit_av1_seq_header_parse(const uint8_t *obus, size_t len, rtmpkit_av1_seq_header *sh)
{
    size_t at = 0;
    if (!obus)
        return 0;
    while (at < len) {
        uint8_t header = obus[at++];
        int type = header >> 3 & 0xF, err;
        size_t size;
        if (header & 4)
            at++;                                      /* obu_extension_header */
        if (at > len)
            return RTMPKIT_ETRUNCATED;
        size = len - at;                               /* no size field: the rest */
        if (header & 2) {                              /* obu_has_size_field: leb128, 8 bytes at most */
            int i;
            size = 0;
            for (i = 0; i < 8; i++) {
                if (at >= len)
                    return RTMPKIT_ETRUNCATED;
                size |= (size_t)(obus[at] & 0x7F) << (7 * i);
                if (!(obus[at++] & 0x80))
                    break;
            }
            if (i == 8)
                return RTMPKIT_EPROTOCOL;
        }
        if (size > len - at)
            return RTMPKIT_ETRUNCATED;
        if (type == AV1_OBU_SEQUENCE_HEADER)
            return (err = av1_sequence_header(obus + at, size, sh)) < 0 ? err : 1;
        at += size;
    }
    return 0;
}

/* The size and frame rate from the sequence header in the configOBUs after the av1C's
 * 4 bytes, when there is one. */
static int av1c_obus(const uint8_t *data, size_t len, rtmpkit_codec_info *info)
{
    rtmpkit_av1_seq_header sh;
    int found = rtmpkit_av1_seq_header_parse(data, len, &sh);
    if (found == 1) {
        info->width = sh.width;
        info->height = sh.height;
        info->frame_rate = sh.frame_rate;
    }
    return found < 0 ? found : 0;
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

static uint32_t asc_object_type(rk_bits *b)
{
    uint32_t t = rk_bits_read(b, 5);
    return t == 31 ? 32 + rk_bits_read(b, 6) : t;
}

static int asc_rate(rk_bits *b)
{
    uint32_t index = rk_bits_read(b, 4);
    if (index == 15)
        return (int)rk_bits_read(b, 24);
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
    rk_bits b;
    uint32_t type, config;
    int rate;

    rk_bits_init(&b, data, len);
    type = asc_object_type(&b);
    rate = asc_rate(&b);
    config = rk_bits_read(&b, 4);
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
