/* The codec facts of sequence headers (core/codecinfo.c) and the probe's tally
 * (core/probe.c). The avcC and AudioSpecificConfig bytes are what ffmpeg (libx264, aac)
 * wrote; ffprobe said of them: High 640x360 level 30, 30 fps; Constrained Baseline
 * 1280x720 level 31, 25 fps; AAC LC 48000 Hz mono. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/codecinfo.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/probe.h"

static const uint8_t avcc_high[] = {
    0x01, 0x64, 0x00, 0x1e, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9,
    0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2d, 0x96, 0x01, 0x00,
    0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00 };
static const uint8_t avcc_baseline[] = {
    0x01, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x42, 0xc0, 0x1f, 0xd9, 0x00, 0x50, 0x05, 0xbb, 0x01,
    0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x24, 0x80, 0x01, 0x00, 0x05,
    0x68, 0xcb, 0x83, 0xcb, 0x20 };
/* libx265, 1920x1080 10 bits (ffprobe: Main 10, level 123); VPS, SPS and PPS arrays */
static const uint8_t hvcc_main10[] = {
    0x01, 0x02, 0x20, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0xf0, 0x00, 0xfc, 0xfd, 0xfa,
    0xfa, 0x00, 0x00, 0x0f, 0x03, 0x20, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x7b, 0x95, 0x98, 0x09, 0x21, 0x00,
    0x01, 0x00, 0x2c, 0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x7b, 0xa0, 0x03, 0xc0, 0x80, 0x10, 0xe4, 0xd9, 0x65, 0x66, 0x92, 0x4c, 0xaf, 0x01, 0x68, 0x08,
    0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0x90, 0x40, 0x22, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01,
    0xc1, 0x72, 0xb4, 0x62, 0x40 };
/* libsvtav1, 854x480 (ffprobe: Main, level 4 = 3.0), with its sequence header OBU */
static const uint8_t av1c_main[] = { 0x81, 0x04, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x24, 0xc6, 0xab,
                                     0xdf, 0x00, 0xbe, 0x00, 0x10 };
static const uint8_t asc_lc_48k_mono[] = { 0x11, 0x88, 0x56, 0xe5, 0x00 };

static int near(double a, double b, double tolerance)
{
    return fabs(a - b) <= tolerance;
}

static void test_avcc(void)
{
    rtmpkit_codec_info c;
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AVC1, avcc_high, sizeof avcc_high, &c), 0);
    CHECK_STR(c.name, "h264");
    CHECK_STR(c.profile, "High");
    CHECK_INT(c.profile_idc, 100);
    CHECK_INT(c.level_idc, 30);
    CHECK(near(c.level, 3.0, 1e-9));
    CHECK_INT(c.width, 640);
    CHECK_INT(c.height, 360);
    CHECK_INT(c.bit_depth, 8);
    CHECK(near(c.frame_rate, 30, 1e-9));

    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AVC1, avcc_baseline, sizeof avcc_baseline, &c), 0);
    CHECK_STR(c.profile, "Constrained Baseline");
    CHECK_INT(c.level_idc, 31);
    CHECK_INT(c.width, 1280);
    CHECK_INT(c.height, 720);
    CHECK(near(c.frame_rate, 25, 1e-9));

    /* cut anywhere: an error or the facts read so far, never a read past the end */
    for (size_t n = 0; n < sizeof avcc_high; n++) {
        int err = rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AVC1, avcc_high, n, &c);
        CHECK(err == 0 || err == RTMPKIT_ETRUNCATED || err == RTMPKIT_EPROTOCOL);
        CHECK_STR(c.name, "h264");
    }
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AVC1, avcc_high, 8, &c), RTMPKIT_ETRUNCATED);
    {
        uint8_t bad[sizeof avcc_high];
        memcpy(bad, avcc_high, sizeof bad);
        bad[0] = 2;                                    /* configurationVersion */
        CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AVC1, bad, sizeof bad, &c), RTMPKIT_EPROTOCOL);
    }
}

static void test_hvcc_av1c_sizes(void)
{
    rtmpkit_codec_info c;
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_HVC1, hvcc_main10, sizeof hvcc_main10, &c), 0);
    CHECK_STR(c.profile, "Main 10");
    CHECK_INT(c.level_idc, 123);
    CHECK(near(c.level, 4.1, 1e-9));
    CHECK_INT(c.width, 1920);
    CHECK_INT(c.height, 1080);
    CHECK_INT(c.bit_depth, 10);
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AV01, av1c_main, sizeof av1c_main, &c), 0);
    CHECK_STR(c.profile, "Main");
    CHECK_INT(c.level_idc, 4);
    CHECK(near(c.level, 3.0, 1e-9));
    CHECK_INT(c.width, 854);
    CHECK_INT(c.height, 480);
    CHECK_INT(c.bit_depth, 8);
    for (size_t n = 0; n < sizeof hvcc_main10; n++) {
        int err = rtmpkit_codec_config_parse(RTMPKIT_FOURCC_HVC1, hvcc_main10, n, &c);
        CHECK(err == 0 || err == RTMPKIT_ETRUNCATED || err == RTMPKIT_EPROTOCOL);
    }
    for (size_t n = 0; n < sizeof av1c_main; n++) {
        int err = rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AV01, av1c_main, n, &c);
        CHECK(err == 0 || err == RTMPKIT_ETRUNCATED || err == RTMPKIT_EPROTOCOL);
        CHECK(c.width == 0 || c.width == 854);
    }
}

static void test_other_configs(void)
{
    /* hvcC: Main, level 93 (3.1), 8 bits; av1C: Main, seq_level_idx 8 (4.0), 10 bits */
    static const uint8_t hvcc[23] = { 0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93, 0xF0, 0, 0xFC, 0xFD,
                                      0xF8, 0xF8, 0, 0, 0x0F, 0 };
    static const uint8_t av1c[4] = { 0x81, 0x08, 0x4C, 0x00 };
    static const uint8_t opus[19] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0,
                                      0, 0, 0 };
    /* "fLaC", STREAMINFO block header (last, 34 bytes), 44100 Hz, 2 channels, 16 bits */
    static const uint8_t flac[4 + 4 + 18] = { 'f', 'L', 'a', 'C', 0x80, 0, 0, 34, 0x10, 0, 0x10, 0, 0, 0, 0, 0, 0,
                                              0, 0x0A, 0xC4, 0x42, 0xF0, 0, 0, 0, 0 };
    /* HE-AAC (explicit SBR): core 24000 Hz stereo, output 48000 Hz */
    static const uint8_t he_aac[4] = { 0x2B, 0x11, 0x80, 0x00 };
    rtmpkit_codec_info c;

    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_HVC1, hvcc, sizeof hvcc, &c), 0);
    CHECK_STR(c.name, "hevc");
    CHECK_STR(c.profile, "Main");
    CHECK_INT(c.level_idc, 93);
    CHECK(near(c.level, 3.1, 1e-9));
    CHECK_INT(c.bit_depth, 8);
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_HVC1, hvcc, 12, &c), RTMPKIT_ETRUNCATED);

    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_AV01, av1c, sizeof av1c, &c), 0);
    CHECK_STR(c.name, "av1");
    CHECK_STR(c.profile, "Main");
    CHECK_INT(c.level_idc, 8);
    CHECK(near(c.level, 4.0, 1e-9));
    CHECK_INT(c.bit_depth, 10);

    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_MP4A, asc_lc_48k_mono, sizeof asc_lc_48k_mono, &c), 0);
    CHECK_STR(c.name, "aac");
    CHECK_STR(c.profile, "LC");
    CHECK_INT(c.profile_idc, 2);
    CHECK_INT(c.sample_rate, 48000);
    CHECK_INT(c.channels, 1);
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_MP4A, he_aac, sizeof he_aac, &c), 0);
    CHECK_STR(c.profile, "HE-AAC");
    CHECK_INT(c.sample_rate, 48000);
    CHECK_INT(c.channels, 2);
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_MP4A, asc_lc_48k_mono, 1, &c), RTMPKIT_ETRUNCATED);

    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_OPUS, opus, sizeof opus, &c), 0);
    CHECK_INT(c.channels, 2);
    CHECK_INT(c.sample_rate, 48000);
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_FLAC, flac, sizeof flac, &c), 0);
    CHECK_INT(c.sample_rate, 44100);
    CHECK_INT(c.channels, 2);
    CHECK_INT(c.bit_depth, 16);
    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_FLAC, flac + 8, sizeof flac - 8, &c), 0);
    CHECK_INT(c.sample_rate, 44100);

    CHECK_INT(rtmpkit_codec_config_parse(RTMPKIT_FOURCC_VP09, NULL, 0, &c), 0);
    CHECK_STR(c.name, "vp9");
    CHECK_INT(c.width, 0);
}

/* Builds a tag body with the library's writer. */
static size_t avc_tag(uint8_t *out, size_t cap, int key, int packet, const uint8_t *payload, size_t len)
{
    rtmpkit_buf b;
    rtmpkit_tag_header h;
    size_t n;
    memset(&h, 0, sizeof h);
    h.type = RTMPKIT_FLV_VIDEO;
    h.codec = RTMPKIT_VIDEO_CODEC_AVC;
    h.frame_type = key ? RTMPKIT_TAG_FRAME_KEY : RTMPKIT_TAG_FRAME_INTER;
    h.packet = packet;
    h.track.data = payload;
    h.track.len = len;
    rtmpkit_buf_init(&b, cap);
    CHECK_INT(rtmpkit_tag_put(&b, &h), 0);
    n = b.len < cap ? b.len : cap;
    memcpy(out, b.data, n);
    rtmpkit_buf_free(&b);
    return n;
}

static size_t aac_tag(uint8_t *out, int packet, const uint8_t *payload, size_t len)
{
    out[0] = 0xAF;
    out[1] = (uint8_t)(packet == RTMPKIT_TAG_SEQUENCE_START ? 0 : 1);
    memcpy(out + 2, payload, len);
    return 2 + len;
}

static size_t metadata(uint8_t *out, size_t cap)
{
    rtmpkit_buf b;
    size_t n;
    rtmpkit_buf_init(&b, cap);
    rtmpkit_amf0_put_string(&b, "@setDataFrame");
    rtmpkit_amf0_put_string(&b, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(&b, 2);
    rtmpkit_amf0_put_key(&b, "width");
    rtmpkit_amf0_put_number(&b, 640);
    rtmpkit_amf0_put_key(&b, "encoder");
    rtmpkit_amf0_put_string(&b, "test");
    rtmpkit_amf0_put_object_end(&b);
    n = b.len;
    memcpy(out, b.data, n);
    rtmpkit_buf_free(&b);
    return n;
}

static void test_probe_tally(void)
{
    uint8_t tag[256], frame[100];
    rtmpkit_probe *p = rtmpkit_probe_new(1000);
    const rtmpkit_probe_track *v, *a;
    size_t n;
    /* the wire time wraps in the middle: the tally must not see a jump */
    uint32_t base = 0xFFFFFFFFu - 1000;

    memset(frame, 0x11, sizeof frame);
    CHECK(p != NULL);
    n = metadata(tag, sizeof tag);
    CHECK_INT(rtmpkit_probe_add(p, RTMPKIT_FLV_DATA, 0, tag, n, 1000), 0);
    CHECK_STR(rtmpkit_amf_get_string(rtmpkit_probe_metadata(p), "encoder"), "test");
    n = avc_tag(tag, sizeof tag, 1, RTMPKIT_TAG_SEQUENCE_START, avcc_high, sizeof avcc_high);
    CHECK_INT(rtmpkit_probe_add(p, RTMPKIT_FLV_VIDEO, base, tag, n, 1000), 0);
    n = aac_tag(tag, RTMPKIT_TAG_SEQUENCE_START, asc_lc_48k_mono, sizeof asc_lc_48k_mono);
    CHECK_INT(rtmpkit_probe_add(p, RTMPKIT_FLV_AUDIO, base, tag, n, 1000), 0);
    CHECK_INT(rtmpkit_probe_complete(p), 0);
    /* 61 video frames at 30 fps (a keyframe every 30), audio every 20 ms; one 600 ms hole */
    for (int i = 0; i <= 60; i++) {
        uint32_t ts = base + (uint32_t)(i * 1000 / 30) + (i >= 45 ? 600 : 0);
        n = avc_tag(tag, sizeof tag, i % 30 == 0, RTMPKIT_TAG_CODED_FRAMES, frame, sizeof frame);
        CHECK_INT(rtmpkit_probe_add(p, RTMPKIT_FLV_VIDEO, ts, tag, n, 1200 + (uint64_t)i), 0);
        CHECK_INT(rtmpkit_probe_complete(p), i >= 30);
    }
    for (int i = 0; i < 100; i++) {
        n = aac_tag(tag, RTMPKIT_TAG_CODED_FRAMES, frame, 10);
        CHECK_INT(rtmpkit_probe_add(p, RTMPKIT_FLV_AUDIO, base + (uint32_t)(i * 20), tag, n, 1300), 0);
    }
    CHECK_INT(rtmpkit_probe_add(p, RTMPKIT_FLV_VIDEO, 0, (const uint8_t *)"\x17", 1, 1400), 0);
    CHECK_INT((int)rtmpkit_probe_bad_tags(p), 1);
    CHECK_INT((int)rtmpkit_probe_track_count(p), 2);
    CHECK_INT((int)rtmpkit_probe_media_ms(p), 2600);
    v = rtmpkit_probe_track_at(p, 0);
    a = rtmpkit_probe_track_at(p, 1);
    CHECK(rtmpkit_probe_track_at(p, 2) == NULL);
    CHECK_INT(v->type, RTMPKIT_FLV_VIDEO);
    CHECK_STR(v->codec.profile, "High");
    CHECK_INT(v->codec.width, 640);
    CHECK_INT((int)v->frames, 61);
    CHECK_INT((int)v->keyframes, 3);
    CHECK_INT((int)v->first_key_wall_ms, 200);
    /* keyframes at 0, 1000 and 2600 ms: the mean interval 1300 ms, 30 frames */
    CHECK_INT((int)v->key_interval_ms, 1300);
    CHECK(near(v->key_interval_frames, 30, 1e-9));
    CHECK_INT((int)v->gaps, 1);
    CHECK_INT((int)v->max_step_ms, 634);
    CHECK_INT((int)v->backwards, 0);
    CHECK_INT((int)v->bytes, 61 * 100);
    CHECK(near(rtmpkit_probe_track_fps(v), 60 * 1000.0 / 2600, 1e-9));
    CHECK(near(rtmpkit_probe_track_bitrate(v), 61 * 100 * 8 * 1000.0 / (2600.0 * 61 / 60), 1e-6));
    CHECK_INT(a->type, RTMPKIT_FLV_AUDIO);
    CHECK_INT(a->codec.sample_rate, 48000);
    CHECK_INT(a->codec.channels, 1);
    CHECK_INT((int)a->frames, 100);
    CHECK(near(rtmpkit_probe_track_fps(a), 50, 1e-9));
    CHECK_INT((int)a->gaps, 0);
    rtmpkit_probe_free(p);
}

/* Audio alone is complete after a second of it. */
static void test_probe_audio_only(void)
{
    uint8_t tag[64];
    rtmpkit_probe *p = rtmpkit_probe_new(0);
    size_t n = aac_tag(tag, RTMPKIT_TAG_SEQUENCE_START, asc_lc_48k_mono, sizeof asc_lc_48k_mono);
    rtmpkit_probe_add(p, RTMPKIT_FLV_AUDIO, 0, tag, n, 0);
    for (int i = 0; i <= 50; i++) {
        n = aac_tag(tag, RTMPKIT_TAG_CODED_FRAMES, (const uint8_t *)"\x21\x22", 2);
        rtmpkit_probe_add(p, RTMPKIT_FLV_AUDIO, (uint32_t)(i * 20), tag, n, 0);
        CHECK_INT(rtmpkit_probe_complete(p), i >= 50);
    }
    CHECK_INT(rtmpkit_probe_metadata(p)->type, RTMPKIT_AMF_NULL);
    rtmpkit_probe_free(p);
}

int main(void)
{
    test_avcc();
    test_hvcc_av1c_sizes();
    test_other_configs();
    test_probe_tally();
    test_probe_audio_only();
    return check_report("probe");
}
