/* codecs/push/avc_aac.c on byte arrays: Annex B, avcC, frame flags, tag headers, ADTS, onMetaData. */
#include <string.h>

#include "rtmpkit/bytes.h"
#include "check.h"
#include "rtmpkit/error.h"
#include "avc_aac.h"

#define SPS 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9
#define PPS 0x68, 0xeb, 0xe3, 0xcb

static void test_annexb_iter(void)
{
    /* Junk before the first start code; 4-byte and 3-byte start codes; an empty NAL;
     * 00 00 03 (emulation prevention) inside a NAL stays as it is. */
    static const uint8_t in[] = {
        0xaa, 0x00, 0x00, 0x00, 0x01, 0x09, 0xf0,
        0x00, 0x00, 0x01, 0x65, 0x00, 0x00, 0x03, 0x01, 0x88,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x41, 0x9a,
    };
    rk_annexb_iter it;
    const uint8_t *nal;
    size_t n;

    rk_annexb_iter_init(&it, in, sizeof in);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 1);
    CHECK_INT(n, 2);
    CHECK_MEM(nal, "\x09\xf0", 2);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 1);
    CHECK_INT(n, 6);
    CHECK_MEM(nal, "\x65\x00\x00\x03\x01\x88", 6);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 1);
    CHECK_INT(n, 0);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 1);
    CHECK_INT(n, 2);
    CHECK_MEM(nal, "\x41\x9a", 2);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 0);

    /* No start code at all, an empty buffer, a lone start code. */
    rk_annexb_iter_init(&it, (const uint8_t *)"\x01\x02\x03", 3);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 0);
    rk_annexb_iter_init(&it, NULL, 0);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 0);
    rk_annexb_iter_init(&it, (const uint8_t *)"\x00\x00\x01", 3);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 0);
    /* Truncated start codes are data, not NAL boundaries. */
    rk_annexb_iter_init(&it, (const uint8_t *)"\x00\x00\x01\x41\x00\x00", 6);
    CHECK_INT(rk_annexb_next(&it, &nal, &n), 1);
    CHECK_INT(n, 3);

    CHECK_INT(rk_h264_is_annexb((const uint8_t *)"\x00\x00\x01\x65", 4), 1);
    CHECK_INT(rk_h264_is_annexb((const uint8_t *)"\x00\x00\x00\x01", 4), 1);
    CHECK_INT(rk_h264_is_annexb((const uint8_t *)"\x00\x00\x00\x05", 4), 0);
    CHECK_INT(rk_h264_is_annexb((const uint8_t *)"\x00\x00", 2), 0);
}

static void test_annexb_to_avcc(void)
{
    static const uint8_t in[] = {
        0x00, 0x00, 0x00, 0x01, 0x09, 0xf0,               /* AUD: dropped */
        0x00, 0x00, 0x00, 0x01, SPS,
        0x00, 0x00, 0x01, PPS,
        0x00, 0x00, 0x01,                                 /* empty: skipped */
        0x00, 0x00, 0x01, 0x65, 0x00, 0x00, 0x03, 0x00, 0x80,
    };
    static const uint8_t all[] = {
        0, 0, 0, 6, SPS, 0, 0, 0, 4, PPS, 0, 0, 0, 6, 0x65, 0x00, 0x00, 0x03, 0x00, 0x80,
    };
    static const uint8_t slices[] = { 0, 0, 0, 6, 0x65, 0x00, 0x00, 0x03, 0x00, 0x80 };
    rtmpkit_buf b;

    rtmpkit_buf_init(&b, 1024);
    CHECK_INT(rk_annexb_to_avcc(in, sizeof in, 0, &b), 3);
    CHECK_INT(b.len, sizeof all);
    CHECK_MEM(b.data, all, sizeof all);
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_annexb_to_avcc(in, sizeof in, 1, &b), 1);
    CHECK_INT(b.len, sizeof slices);
    CHECK_MEM(b.data, slices, sizeof slices);
    /* A buffer too small for the output reports the limit. */
    rtmpkit_buf_free(&b);
    rtmpkit_buf_init(&b, 8);
    CHECK_INT(rk_annexb_to_avcc(in, sizeof in, 0, &b), RTMPKIT_ELIMIT);
    rtmpkit_buf_free(&b);
}

static void test_avcc(void)
{
    static const uint8_t annexb[] = { 0, 0, 0, 1, SPS, 0, 0, 1, PPS, 0, 0, 1, SPS };
    static const uint8_t expect[] = {
        1, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0, 6, SPS, 1, 0, 4, PPS,
    };
    static const uint8_t avcc2[] = { 1, 0x4d, 0x40, 0x1e, 0xfd, 0xe1, 0, 6, SPS, 1, 0, 4, PPS };
    int ls = -1;
    rtmpkit_buf b;

    rtmpkit_buf_init(&b, 1024);
    /* The repeated SPS is kept once. */
    CHECK_INT(rk_avcc_from_annexb(annexb, sizeof annexb, &b), 0);
    CHECK_INT(b.len, sizeof expect);
    CHECK_MEM(b.data, expect, sizeof expect);
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_avcc_from_extradata(annexb, sizeof annexb, &b, &ls), 0);
    CHECK_INT(ls, 4);
    CHECK_MEM(b.data, expect, sizeof expect);

    /* avcC extradata is taken as is, with its NAL length size (2 here). */
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_avcc_from_extradata(avcc2, sizeof avcc2, &b, &ls), 0);
    CHECK_INT(ls, 2);
    CHECK_INT(b.len, sizeof avcc2);
    CHECK_MEM(b.data, avcc2, sizeof avcc2);

    /* Malformed avcC: every truncation, and a 3-byte length size. */
    for (size_t cut = 0; cut < sizeof avcc2; cut++)
        CHECK(rk_avcc_length_size(avcc2, cut) < 0);
    {
        uint8_t bad[sizeof avcc2];
        memcpy(bad, avcc2, sizeof bad);
        bad[4] = 0xfe;
        CHECK_INT(rk_avcc_length_size(bad, sizeof bad), RTMPKIT_EINPUT);
    }
    /* No PPS, no SPS, or an SPS too short for profile/level. */
    rtmpkit_buf_reset(&b);
    CHECK_INT(rk_avcc_from_annexb((const uint8_t *)"\x00\x00\x01\x67\x64\x00\x1f", 7, &b), RTMPKIT_EINPUT);
    CHECK_INT(rk_avcc_from_annexb((const uint8_t *)"\x00\x00\x01\x68\xeb", 5, &b), RTMPKIT_EINPUT);
    CHECK_INT(rk_avcc_from_annexb((const uint8_t *)"\x00\x00\x01\x67\x64\x00\x01\x68\xeb", 9, &b),
              RTMPKIT_EINPUT);
    CHECK_INT(rk_avcc_from_extradata(NULL, 0, &b, &ls), RTMPKIT_EINPUT);
    rtmpkit_buf_free(&b);
}

static void test_frame_info(void)
{
    static const uint8_t idr_annexb[] = { 0, 0, 1, 0x09, 0xf0, 0, 0, 1, SPS, 0, 0, 1, PPS, 0, 0, 1, 0x65, 0x88 };
    static const uint8_t p_len4[] = { 0, 0, 0, 2, 0x41, 0x9a, 0, 0, 0, 2, 0x41, 0x9b };
    static const uint8_t b_len4[] = { 0, 0, 0, 2, 0x06, 0x05, 0, 0, 0, 2, 0x01, 0x9e, 0, 0, 0, 2, 0x01, 0x9f };
    static const uint8_t mixed_len2[] = { 0, 2, 0x01, 0x9e, 0, 2, 0x21, 0x9f };
    static const uint8_t sei_only[] = { 0, 0, 0, 2, 0x06, 0x05 };
    static const uint8_t truncated[] = { 0, 0, 0, 9, 0x41, 0x9a };
    rk_h264_info info;

    CHECK_INT(rk_h264_frame_info(idr_annexb, sizeof idr_annexb, 0, &info), 0);
    CHECK_INT(info.keyframe, 1);
    CHECK_INT(info.droppable, 0);
    CHECK_INT(info.has_sps, 1);
    CHECK_INT(info.has_pps, 1);
    CHECK_INT(info.nals, 4);

    CHECK_INT(rk_h264_frame_info(p_len4, sizeof p_len4, 4, &info), 0);
    CHECK_INT(info.keyframe, 0);
    CHECK_INT(info.droppable, 0);

    /* nal_ref_idc 0 on every slice: droppable (SEI does not count). */
    CHECK_INT(rk_h264_frame_info(b_len4, sizeof b_len4, 4, &info), 0);
    CHECK_INT(info.keyframe, 0);
    CHECK_INT(info.droppable, 1);
    CHECK_INT(rk_h264_frame_info(mixed_len2, sizeof mixed_len2, 2, &info), 0);
    CHECK_INT(info.droppable, 0);
    CHECK_INT(rk_h264_frame_info(sei_only, sizeof sei_only, 4, &info), 0);
    CHECK_INT(info.droppable, 0);

    CHECK_INT(rk_h264_frame_info(truncated, sizeof truncated, 4, &info), RTMPKIT_ETRUNCATED);
    CHECK_INT(rk_h264_frame_info(p_len4, 3, 4, &info), RTMPKIT_ETRUNCATED);
    CHECK_INT(rk_h264_frame_info(p_len4, sizeof p_len4, 3, &info), RTMPKIT_EINPUT);
    CHECK_INT(rk_h264_frame_info(NULL, 0, 4, &info), 0);
    CHECK_INT(info.nals, 0);
}

static void test_tag_headers(void)
{
    rtmpkit_buf b;

    rtmpkit_buf_init(&b, 1024);
    rk_flv_put_avc(&b, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_CODED_FRAMES, 67, (const uint8_t *)"\xaa", 1);
    CHECK_INT(b.len, 6);
    CHECK_MEM(b.data, "\x17\x01\x00\x00\x43\xaa", 6);
    rtmpkit_buf_reset(&b);
    rk_flv_put_avc(&b, RTMPKIT_TAG_FRAME_INTER, RTMPKIT_TAG_CODED_FRAMES, -33, NULL, 0);
    CHECK_MEM(b.data, "\x27\x01\xff\xff\xdf", 5);
    rtmpkit_buf_reset(&b);
    rk_flv_put_avc(&b, RTMPKIT_TAG_FRAME_DISPOSABLE, RTMPKIT_TAG_CODED_FRAMES, -0x900000, NULL, 0);   /* clamped */
    CHECK_MEM(b.data, "\x37\x01\x80\x00\x00", 5);
    rtmpkit_buf_reset(&b);
    rk_flv_put_avc(&b, RTMPKIT_TAG_FRAME_KEY, RTMPKIT_TAG_SEQUENCE_END, 0x900000, NULL, 0);   /* no CTS */
    CHECK_MEM(b.data, "\x17\x02\x00\x00\x00", 5);
    rtmpkit_buf_reset(&b);
    rk_flv_put_aac(&b, RTMPKIT_TAG_SEQUENCE_START, (const uint8_t *)"\x12\x10", 2);
    CHECK_INT(b.len, 4);
    CHECK_MEM(b.data, "\xaf\x00\x12\x10", 4);
    rtmpkit_buf_free(&b);
}

static void test_adts(void)
{
    /* AAC LC, 44.1 kHz (index 4), stereo, no CRC, frame length 10 (7 + 3 bytes). */
    static const uint8_t f441[] = { 0xff, 0xf1, 0x50, 0x80, 0x01, 0x5f, 0xfc, 1, 2, 3 };
    /* AAC LC, 48 kHz (index 3), stereo, CRC present (9-byte header), length 11. */
    static const uint8_t f48[] = { 0xff, 0xf0, 0x4c, 0x80, 0x01, 0x7f, 0xfc, 0xaa, 0xbb, 1, 2 };
    uint8_t asc[2], bad[sizeof f441];
    rk_adts h;

    CHECK_INT(rk_adts_parse(f441, sizeof f441, &h), 0);
    CHECK_INT(h.object_type, 2);
    CHECK_INT(h.sample_rate, 44100);
    CHECK_INT(h.channels, 2);
    CHECK_INT(h.header_size, 7);
    CHECK_INT(h.frame_size, 10);
    rk_aac_asc_from_adts(&h, asc);
    CHECK_MEM(asc, "\x12\x10", 2);

    CHECK_INT(rk_adts_parse(f48, sizeof f48, &h), 0);
    CHECK_INT(h.sample_rate, 48000);
    CHECK_INT(h.header_size, 9);
    CHECK_INT(h.frame_size, 11);
    rk_aac_asc_from_adts(&h, asc);
    CHECK_MEM(asc, "\x11\x90", 2);

    /* Truncated header and truncated frame. */
    for (size_t cut = 0; cut < sizeof f441; cut++)
        CHECK_INT(rk_adts_parse(f441, cut, &h), RTMPKIT_ETRUNCATED);
    /* Bad sync word, layer != 0, reserved rate, channel config 0, frame shorter than its
     * header, several raw data blocks. */
    memcpy(bad, f441, sizeof bad);
    bad[1] = 0xe1;
    CHECK_INT(rk_adts_parse(bad, sizeof bad, &h), RTMPKIT_EINPUT);
    memcpy(bad, f441, sizeof bad);
    bad[1] = 0xf3;
    CHECK_INT(rk_adts_parse(bad, sizeof bad, &h), RTMPKIT_EINPUT);
    memcpy(bad, f441, sizeof bad);
    bad[2] = 0x7c;
    CHECK_INT(rk_adts_parse(bad, sizeof bad, &h), RTMPKIT_EINPUT);
    memcpy(bad, f441, sizeof bad);
    bad[2] = 0x50;
    bad[3] = 0x00;
    CHECK_INT(rk_adts_parse(bad, sizeof bad, &h), RTMPKIT_EINPUT);
    memcpy(bad, f441, sizeof bad);
    bad[4] = 0x00;
    bad[5] = 0xbf;
    CHECK_INT(rk_adts_parse(bad, sizeof bad, &h), RTMPKIT_EINPUT);
    memcpy(bad, f441, sizeof bad);
    bad[6] = 0xfd;
    CHECK_INT(rk_adts_parse(bad, sizeof bad, &h), RTMPKIT_EINPUT);
}

static void test_metadata(void)
{
    rk_flv_meta m = {
        .has_video = 1, .has_audio = 1, .width = 1280, .height = 720, .framerate = 30,
        .audiosamplerate = 48000, .stereo = 1, .encoder = "x",
    };
    static const uint8_t start[] = { 0x02, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a',
                                     0x08, 0, 0, 0, 8 };
    rtmpkit_buf b;

    rtmpkit_buf_init(&b, 4096);
    rk_flv_put_metadata(&b, &m);
    CHECK_INT(b.err, 0);
    CHECK(b.len > sizeof start + 3);
    CHECK_MEM(b.data, start, sizeof start);   /* 8 entries: w h fps vcodec acodec rate stereo enc */
    CHECK_MEM(b.data + b.len - 3, "\x00\x00\x09", 3);
    CHECK_MEM(b.data + sizeof start, "\x00\x05width\x00", 8);
    rtmpkit_buf_free(&b);
}

/* --video-track: videoTrackIdInfoMap {"1": {videocodecid, width, height, framerate}}
 * under the video fields, one more entry in the array. */
static void test_metadata_video_tracks(void)
{
    static const rk_flv_track_meta vt[] = { { .id = 1, .codecid = 0x61766331, .width = 160, .height = 120,
                                              .framerate = 25 } };
    rk_flv_meta m = { .has_video = 1, .width = 320, .height = 240, .video_tracks = vt, .n_video_tracks = 1 };
    static const uint8_t map[] = { 0x00, 19, 'v', 'i', 'd', 'e', 'o', 'T', 'r', 'a', 'c', 'k', 'I', 'd',
                                   'I', 'n', 'f', 'o', 'M', 'a', 'p', 0x03, 0x00, 0x01, '1', 0x03,
                                   0x00, 12, 'v', 'i', 'd', 'e', 'o', 'c', 'o', 'd', 'e', 'c', 'i', 'd', 0x00,
                                   0x41, 0xd8, 0x5d, 0x98, 0xcc, 0x40, 0x00, 0x00,
                                   0x00, 5, 'w', 'i', 'd', 't', 'h', 0x00, 0x40, 0x64, 0x00, 0, 0, 0, 0, 0 };
    rtmpkit_buf b;
    size_t at;

    rtmpkit_buf_init(&b, 4096);
    rk_flv_put_metadata(&b, &m);
    CHECK_INT(b.err, 0);
    CHECK_MEM(b.data + 13, "\x08\x00\x00\x00\x04", 5);   /* width height videocodecid map */
    for (at = 0; at + sizeof map <= b.len && memcmp(b.data + at, map, sizeof map) != 0; at++)
        ;
    CHECK(at + sizeof map <= b.len);
    CHECK_MEM(b.data + b.len - 9, "\x00\x00\x09\x00\x00\x09\x00\x00\x09", 9);   /* track, map, array */
    rtmpkit_buf_free(&b);
}

int main(void)
{
    test_annexb_iter();
    test_annexb_to_avcc();
    test_avcc();
    test_frame_info();
    test_tag_headers();
    test_adts();
    test_metadata();
    test_metadata_video_tracks();
    return check_report("tags");
}
