/* codecs/push/enhanced.c on byte arrays: Enhanced RTMP tag bodies of either form, the
 * checks of hvcC / av1C / OpusHead, the FLAC and VP9 sequence-start bodies. */
#include "check.h"
#include "enhanced.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"

static void test_video_tags(void)
{
    static const uint8_t frame[] = { 0xaa, 0xbb };
    rk_tag_form hevc = { RTMPKIT_FOURCC_HVC1, 1, 0 }, av1 = { RTMPKIT_FOURCC_AV01, 1, 0 };
    rk_tag_form avc = { RTMPKIT_FOURCC_AVC1, 0, 0 }, avc_ex = { RTMPKIT_FOURCC_AVC1, 1, 0 };
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);

    /* HEVC with a composition time: CodedFrames (1) and the SI24 cts. */
    rk_put_video_tag(&b, &hevc, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_CODED_FRAMES, -2, frame, 2);
    CHECK_INT(b.len, 10);
    CHECK_MEM(b.data, "\x91hvc1\xff\xff\xfe\xaa\xbb", 10);
    /* Without one: CodedFramesX (3), no cts. */
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &hevc, RTMPKIT_TAG_FRAME_INTER, RTMPKIT_TAG_CODED_FRAMES, 0, frame, 2);
    CHECK_MEM(b.data, "\xa3hvc1\xaa\xbb", 7);
    /* AV1 has no composition time field at all: CodedFramesX, whatever the cts. */
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &av1, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_CODED_FRAMES, 40, frame, 2);
    CHECK_INT(b.len, 7);
    CHECK_MEM(b.data, "\x93" "av01\xaa\xbb", 7);
    /* Sequence start and end. */
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &av1, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_START, 0, frame, 2);
    CHECK_MEM(b.data, "\x90" "av01\xaa\xbb", 7);
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &hevc, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_END, 0, NULL, 0);
    CHECK_INT(b.len, 5);
    CHECK_MEM(b.data, "\x92hvc1", 5);
    /* H.264: legacy by default, avc1 with --enhanced. */
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &avc, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_CODED_FRAMES, 80, frame, 2);
    CHECK_MEM(b.data, "\x17\x01\x00\x00\x50\xaa\xbb", 7);
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &avc_ex, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_CODED_FRAMES, 80, frame, 2);
    CHECK_MEM(b.data, "\x91" "avc1\x00\x00\x50\xaa\xbb", 10);
    CHECK_INT(b.err, 0);
    rtmpkit_buf_free(&b);
}

/* --video-track: a video track other than 0 is Multitrack (6), OneTrack + the packet
 * type, the FourCC, the track id, then the packet (with its SI24 cts for CodedFrames). */
static void test_video_multitrack_tags(void)
{
    static const uint8_t frame[] = { 0xaa, 0xbb };
    rk_tag_form hevc = { RTMPKIT_FOURCC_HVC1, 1, 1 }, avc = { RTMPKIT_FOURCC_AVC1, 1, 2 };
    rtmpkit_tag_header h;
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);

    rk_put_video_tag(&b, &hevc, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_CODED_FRAMES, -2, frame, 2);
    CHECK_INT(b.len, 12);
    CHECK_MEM(b.data, "\x96\x01hvc1\x01\xff\xff\xfe\xaa\xbb", 12);
    CHECK_INT(rtmpkit_tag_parse(RTMPKIT_FLV_VIDEO, b.data, b.len, &h), 1);
    CHECK_INT(h.multitrack, 1);
    CHECK_INT(h.track.id, 1);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_INT(h.track.cts, -2);
    CHECK_INT(h.track.len, 2);
    /* An H.264 track's sequence start: avc1, track 2, the avcC as it is. */
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &avc, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_START, 0, frame, 2);
    CHECK_MEM(b.data, "\x96\x00" "avc1\x02\xaa\xbb", 9);
    CHECK_INT(rtmpkit_tag_parse(RTMPKIT_FLV_VIDEO, b.data, b.len, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_START);
    CHECK_INT(h.track.id, 2);
    /* An inter frame without a cts: CodedFramesX (3) inside. */
    rtmpkit_buf_reset(&b);
    rk_put_video_tag(&b, &avc, RTMPKIT_TAG_FRAME_INTER, RTMPKIT_TAG_CODED_FRAMES, 0, frame, 2);
    CHECK_MEM(b.data, "\xa6\x03" "avc1\x02\xaa\xbb", 9);
    CHECK_INT(b.err, 0);
    rtmpkit_buf_free(&b);
}

static void test_audio_tags(void)
{
    static const uint8_t frame[] = { 0x01, 0x02, 0x03 };
    rk_tag_form opus = { RTMPKIT_FOURCC_OPUS, 1, 0 }, ac3 = { RTMPKIT_FOURCC_AC3, 1, 0 };
    rk_tag_form aac = { RTMPKIT_FOURCC_MP4A, 0, 0 }, aac_ex = { RTMPKIT_FOURCC_MP4A, 1, 0 };
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);

    rk_put_audio_tag(&b, &opus, RTMPKIT_TAG_CODED_FRAMES, frame, 3);
    CHECK_MEM(b.data, "\x91Opus\x01\x02\x03", 8);
    rtmpkit_buf_reset(&b);
    rk_put_audio_tag(&b, &ac3, RTMPKIT_TAG_SEQUENCE_START, NULL, 0);
    CHECK_INT(b.len, 5);
    CHECK_MEM(b.data, "\x90" "ac-3", 5);
    rtmpkit_buf_reset(&b);
    rk_put_audio_tag(&b, &opus, RTMPKIT_TAG_SEQUENCE_END, NULL, 0);
    CHECK_MEM(b.data, "\x92Opus", 5);
    rtmpkit_buf_reset(&b);
    rk_put_audio_tag(&b, &aac, RTMPKIT_TAG_CODED_FRAMES, frame, 3);
    CHECK_MEM(b.data, "\xaf\x01\x01\x02\x03", 5);
    rtmpkit_buf_reset(&b);
    rk_put_audio_tag(&b, &aac_ex, RTMPKIT_TAG_SEQUENCE_START, frame, 2);
    CHECK_MEM(b.data, "\x90mp4a\x01\x02", 7);
    /* A second audio track: Multitrack (5), OneTrack + packet type, FourCC, track id. */
    rtmpkit_buf_reset(&b);
    opus.track_id = 1;
    rk_put_audio_tag(&b, &opus, RTMPKIT_TAG_CODED_FRAMES, frame, 3);
    CHECK_INT(b.len, 10);
    CHECK_MEM(b.data, "\x95\x01Opus\x01\x01\x02\x03", 10);
    CHECK_INT(b.err, 0);
    rtmpkit_buf_free(&b);
}

static void test_records(void)
{
    /* An hvcC with 4-byte lengths and one array of one 2-byte NAL. */
    uint8_t hvcc[23 + 3 + 4] = { 1 };
    hvcc[21] = 0xfc | 3;
    hvcc[22] = 1;
    memcpy(hvcc + 23, "\x20\x00\x01\x00\x02\x40\x01", 7);
    CHECK_INT(rk_hvcc_length_size(hvcc, sizeof hvcc), 4);
    CHECK_INT(rk_hvcc_length_size(hvcc, sizeof hvcc - 1), RTMPKIT_ETRUNCATED);   /* NAL cut */
    hvcc[21] = 0xfc | 2;
    CHECK_INT(rk_hvcc_length_size(hvcc, sizeof hvcc), RTMPKIT_EINPUT);           /* 3-byte lengths */
    hvcc[21] = 0xfc | 1;
    CHECK_INT(rk_hvcc_length_size(hvcc, sizeof hvcc), 2);
    /* Annex B extradata is no hvcC. */
    CHECK_INT(rk_hvcc_length_size((const uint8_t *)"\x00\x00\x00\x01\x40\x01", 6), RTMPKIT_EINPUT);

    CHECK_INT(rk_av1c_check((const uint8_t *)"\x81\x00\x0c\x00", 4), 0);
    CHECK_INT(rk_av1c_check((const uint8_t *)"\x12\x00\x0a\x0b", 4), RTMPKIT_EINPUT);   /* an OBU */
    CHECK_INT(rk_opus_head_check((const uint8_t *)"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0\0", 19), 0);
    CHECK_INT(rk_opus_head_check((const uint8_t *)"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0", 18), RTMPKIT_EINPUT);
    CHECK_INT(rk_opus_head_check((const uint8_t *)"OpusTags\x01\x02\x38\x01\x80\xbb\0\0\0\0\0", 19), RTMPKIT_EINPUT);
}

static void test_flac(void)
{
    uint8_t si[RK_FLAC_STREAMINFO_SIZE], with_header[8 + RK_FLAC_STREAMINFO_SIZE];
    rtmpkit_buf b;
    for (size_t i = 0; i < sizeof si; i++)
        si[i] = (uint8_t)i;
    rtmpkit_buf_init(&b, 1024);
    /* A bare STREAMINFO gets "fLaC" and a last-block header. */
    CHECK_INT(rk_flac_config(si, sizeof si, &b), 0);
    CHECK_INT(b.len, 42);
    CHECK_MEM(b.data, "fLaC\x80\x00\x00\x22", 8);
    CHECK_MEM(b.data + 8, si, sizeof si);
    /* "fLaC" and blocks already: as they are. */
    memcpy(with_header, b.data, 42);
    with_header[4] = 0x00;   /* not the last block */
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_flac_config(with_header, 42, &b), 0);
    CHECK_MEM(b.data, with_header, 42);
    /* Not STREAMINFO first, or a wrong size. */
    with_header[4] = 0x04;
    CHECK_INT(rk_flac_config(with_header, 42, &b), RTMPKIT_EINPUT);
    CHECK_INT(rk_flac_config(si, 33, &b), RTMPKIT_EINPUT);
    rtmpkit_buf_free(&b);
}

static void test_vpcc(void)
{
    rk_vpcc_params p = { 0, 0, 8, 0, 0, 2, 2, 2, 320, 240, 25 };
    rtmpkit_buf b;
    CHECK_INT(rk_vp9_level(320, 240, 25), 20);      /* 76800 samples, 1.92 M/s */
    CHECK_INT(rk_vp9_level(1280, 720, 30), 31);
    CHECK_INT(rk_vp9_level(1920, 1080, 60), 41);
    CHECK_INT(rk_vp9_level(16384, 16384, 60), 62);
    rtmpkit_buf_init(&b, 64);
    rk_vpcc_build(&p, &b);
    CHECK_INT(b.len, 12);
    CHECK_MEM(b.data, "\x01\x00\x00\x00\x00\x14\x80\x02\x02\x02\x00\x00", 12);
    /* 10-bit 4:2:0 colocated, full range, BT.2020 PQ, profile 2, level given. */
    rtmpkit_buf_reset(&b);
    p = (rk_vpcc_params){ 2, 41, 10, 1, 1, 9, 16, 9, 1920, 1080, 60 };
    rk_vpcc_build(&p, &b);
    CHECK_MEM(b.data, "\x01\x00\x00\x00\x02\x29\xa3\x09\x10\x09\x00\x00", 12);
    rtmpkit_buf_free(&b);
}

/* x265's VPS, SPS and PPS (Annex B, as MPEG-TS carries them) for 320x240 Main 8-bit
 * 4:2:0: the hvcC built from them has the header fields FFmpeg's Matroska muxer wrote for
 * the same stream (avgFrameRate aside) and one array per type. */
static void test_hvcc_from_annexb(void)
{
    static const uint8_t annexb[] = {
        0x00, 0x00, 0x01, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00,
        0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c,
        0x95, 0x90, 0x09, 0x00, 0x00, 0x00, 0x01, 0x42, 0x01, 0x01, 0x01, 0x60,
        0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
        0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x24, 0x93, 0x2b, 0xc0,
        0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x32,
        0x10, 0x00, 0x00, 0x00, 0x01, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
        0x00,
    };
    static const uint8_t mkv_header[23] = {
        0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3c,
        0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03,
    };
    uint8_t frame[] = { 0, 0, 0, 1, 0x46, 0x01, 0x10, 0, 0, 1, 0x26, 0x01, 0xaa, 0xbb };   /* AUD, IDR */
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 4096);
    CHECK_INT(rk_hvcc_from_annexb(annexb, sizeof annexb, &b), 0);
    CHECK_MEM(b.data, mkv_header, sizeof mkv_header);
    CHECK_INT(rk_hvcc_length_size(b.data, b.len), 4);
    /* VPS array: complete, type 32, one NAL of 24 bytes. */
    CHECK_MEM(b.data + 23, "\xa0\x00\x01\x00\x18\x40\x01", 7);
    /* Each NAL whole (the PPS with the trailing zero byte that ends the buffer). */
    CHECK_INT(b.len, 23 + 3 * 5 + 74);   /* 85 bytes less 11 of start codes */
    /* Without the PPS, or with the SPS cut short: no record. */
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_hvcc_from_annexb(annexb, sizeof annexb - 13, &b), RTMPKIT_EINPUT);
    CHECK_INT(rk_hvcc_from_annexb(annexb, 40, &b), RTMPKIT_EINPUT);
    /* Packets: 4-byte lengths, the access unit delimiter left out. */
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_hevc_annexb_to_lp(frame, sizeof frame, &b), 1);
    CHECK_INT(b.len, 8);
    CHECK_MEM(b.data, "\x00\x00\x00\x04\x26\x01\xaa\xbb", 8);
    rtmpkit_buf_free(&b);
}

/* x265's VPS, SPS and PPS for 322x240 Rext 4:4:4 8-bit: the hvcC header is the one
 * FFmpeg's MP4 muxer wrote for the same stream (profile 4, its 48 constraint flags,
 * chroma format 3). */
static void test_hvcc_rext444(void)
{
    static const uint8_t annexb[] = {
        0x00, 0x00, 0x01, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9e,
        0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3c, 0x95, 0x98, 0x09, 0x00, 0x00, 0x00, 0x01, 0x42, 0x01,
        0x01, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3c, 0x90,
        0x01, 0x49, 0x01, 0xe3, 0x9f, 0xcb, 0x2b, 0x34, 0x92, 0x65, 0x78, 0x0b, 0x40, 0x40, 0x00, 0x00,
        0x03, 0x00, 0x40, 0x00, 0x00, 0x06, 0x58, 0x05, 0x25, 0x97, 0x80, 0x03, 0xd0, 0x90, 0x00, 0x7a,
        0x12, 0x20, 0x00, 0x00, 0x00, 0x01, 0x44, 0x01, 0xc1, 0x72, 0x86, 0x0c, 0x46, 0x24,
    };
    static const uint8_t mp4_header[23] = {
        0x01, 0x04, 0x08, 0x00, 0x00, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3c,
        0xf0, 0x00, 0xfc, 0xff, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03,
    };
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 4096);
    CHECK_INT(rk_hvcc_from_annexb(annexb, sizeof annexb, &b), 0);
    CHECK_MEM(b.data, mp4_header, sizeof mp4_header);
    CHECK_INT(rk_hvcc_length_size(b.data, b.len), 4);
    rtmpkit_buf_free(&b);
}

/* SVT-AV1's sequence header OBU (320x240 main 4:2:0 8-bit): the av1C built from it is
 * the one FFmpeg's Matroska muxer wrote for the same stream. */
static void test_av1c_from_obus(void)
{
    static const uint8_t obus[] = { 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0x02, 0xf8, 0x00, 0x40 };
    static const uint8_t temporal_delimiter[] = { 0x12, 0x00 };
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 256);
    CHECK_INT(rk_av1c_from_obus(obus, sizeof obus, 8, 0, 1, 1, &b), 0);
    CHECK_INT(b.len, 4 + sizeof obus);
    CHECK_MEM(b.data, "\x81\x00\x0c\x00", 4);
    CHECK_MEM(b.data + 4, obus, sizeof obus);
    CHECK_INT(rk_av1c_check(b.data, b.len), 0);
    /* 10-bit: high_bitdepth set. */
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_av1c_from_obus(obus, sizeof obus, 10, 0, 1, 1, &b), 0);
    CHECK_INT(b.data[2], 0x4c);
    /* No sequence header, or one cut short. */
    CHECK_INT(rk_av1c_from_obus(temporal_delimiter, sizeof temporal_delimiter, 8, 0, 1, 1, &b), RTMPKIT_EINPUT);
    CHECK_INT(rk_av1c_from_obus(obus, 5, 8, 0, 1, 1, &b), RTMPKIT_EINPUT);
    rtmpkit_buf_free(&b);
}

/* HDR: a Metadata packet (frame type 5) with AMF0 "colorInfo". */
static void test_color_info(void)
{
    rk_tag_form hevc = { RTMPKIT_FOURCC_HVC1, 1, 0 };
    rk_color_info c = { .transfer = 16, .matrix = 9, .primaries = -1, .has_cll = 1, .max_cll = 1000, .max_fall = 400 };
    rtmpkit_tag_header h;
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);
    rk_put_color_info_tag(&b, &hevc, &c);
    CHECK_INT(b.err, 0);
    CHECK_MEM(b.data, "\xd4hvc1\x02\x00\x09" "colorInfo\x03\x00\x0b" "colorConfig\x03", 26);
    CHECK(memmem(b.data, b.len, "transferCharacteristics", 23) != NULL);
    CHECK(memmem(b.data, b.len, "colorPrimaries", 14) == NULL);   /* -1: left out */
    CHECK(memmem(b.data, b.len, "maxCLL", 6) != NULL);
    CHECK(memmem(b.data, b.len, "hdrMdcv", 7) == NULL);
    /* The library reads it as video metadata of hvc1. */
    CHECK_INT(rtmpkit_tag_parse(RTMPKIT_FLV_VIDEO, b.data, b.len, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_METADATA);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    rtmpkit_buf_free(&b);
}

/* HDR of a video track past 0 (rtmp-push --video-track): a Multitrack OneTrack Metadata
 * packet with the track's id before the same AMF; frame type 1, as frame type 5 would make
 * it a command. */
static void test_color_info_track(void)
{
    rk_tag_form track0 = { RTMPKIT_FOURCC_HVC1, 1, 0 }, track2 = { RTMPKIT_FOURCC_HVC1, 1, 2 };
    rk_color_info c = { .transfer = 16, .matrix = 9, .primaries = 9, .has_primaries = 1, .red_x = 0.708,
                        .has_luminance = 1, .max_luminance = 1000, .min_luminance = 0.005 };
    rtmpkit_tag_header h;
    rtmpkit_buf b, plain;
    rtmpkit_buf_init(&b, 1024);
    rtmpkit_buf_init(&plain, 1024);
    rk_put_color_info_tag(&b, &track2, &c);
    rk_put_color_info_tag(&plain, &track0, &c);
    CHECK_INT(b.err, 0);
    /* 0x80 | frame type 1 << 4 | Multitrack 6; OneTrack 0 << 4 | Metadata 4; FourCC; id. */
    CHECK_MEM(b.data, "\x96\x04hvc1\x02" "\x02\x00\x09" "colorInfo", 19);
    /* The AMF after the header is track 0's, byte for byte (its header: 0xd4 hvc1). */
    CHECK_INT(b.len, plain.len + 2);
    CHECK(b.len == plain.len + 2 && memcmp(b.data + 7, plain.data + 5, plain.len - 5) == 0);
    CHECK(memmem(b.data, b.len, "hdrMdcv", 7) != NULL && memmem(b.data, b.len, "hdrCll", 6) == NULL);
    /* The library reads it as video metadata of track 2, the AMF its data. */
    CHECK_INT(rtmpkit_tag_parse(RTMPKIT_FLV_VIDEO, b.data, b.len, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_METADATA);
    CHECK_INT(h.multitrack, 1);
    CHECK_INT(h.track.id, 2);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_INT(h.track.len, plain.len - 5);
    CHECK(h.track.len == plain.len - 5 && memcmp(h.track.data, plain.data + 5, plain.len - 5) == 0);
    rtmpkit_buf_free(&plain);
    rtmpkit_buf_free(&b);
}

int main(void)
{
    test_color_info();
    test_color_info_track();
    test_av1c_from_obus();
    test_hvcc_from_annexb();
    test_hvcc_rext444();
    test_video_tags();
    test_video_multitrack_tags();
    test_audio_tags();
    test_records();
    test_flac();
    test_vpcc();
    return check_report("enhanced");
}
