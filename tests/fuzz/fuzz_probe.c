/* The sequence header parsers (core/codecinfo.c, with the HEVC SPS and AV1 sequence
 * header parsers on the bytes as they are) and the probe (core/probe.c) on arbitrary
 * bytes. The first byte picks the codec; the rest is its configuration, and
 * then, cut into tags by a length byte each, a stream of audio, video and data messages
 * for the probe. Beyond what the sanitizers catch: the facts stay in range (a size is
 * never negative, a name never NULL) and the tally is consistent. */
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/codecinfo.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

static const uint32_t fourccs[] = { RTMPKIT_FOURCC_AVC1, RTMPKIT_FOURCC_HVC1, RTMPKIT_FOURCC_AV01,
                                    RTMPKIT_FOURCC_MP4A, RTMPKIT_FOURCC_OPUS, RTMPKIT_FOURCC_FLAC,
                                    RTMPKIT_FOURCC_VP09, 0 };

static void check_info(const rtmpkit_codec_info *c)
{
    REQUIRE(c->name && c->profile);
    REQUIRE(c->width >= 0 && c->height >= 0 && c->sample_rate >= 0 && c->channels >= 0);
    REQUIRE(c->frame_rate >= 0);
}

/* The SPS and sequence header parsers (rtmp-push builds its hvcC and av1C with them) on
 * the same bytes: what they accept is in range. */
static void check_shared_parsers(const uint8_t *data, size_t size)
{
    rtmpkit_hevc_sps s;
    rtmpkit_av1_seq_header sh;
    int err = rtmpkit_hevc_sps_parse(data, size, &s);
    REQUIRE(err == 0 || err == RTMPKIT_ETRUNCATED || err == RTMPKIT_EPROTOCOL);
    if (err == 0) {
        REQUIRE(s.width > 0 && s.width <= 65536 && s.height > 0 && s.height <= 65536);
        REQUIRE(s.bit_depth_luma >= 8 && s.bit_depth_luma <= 16);
        REQUIRE(s.bit_depth_chroma >= 8 && s.bit_depth_chroma <= 16);
        REQUIRE(s.chroma_format_idc >= 0 && s.chroma_format_idc <= 3);
        REQUIRE(s.max_sub_layers >= 1 && s.max_sub_layers <= 8);
    }
    err = rtmpkit_av1_seq_header_parse(data, size, &sh);
    REQUIRE(err == 0 || err == 1 || err == RTMPKIT_ETRUNCATED || err == RTMPKIT_EPROTOCOL);
    if (err == 1)
        REQUIRE(sh.width >= 1 && sh.height >= 1 && sh.frame_rate >= 0 && sh.profile <= 7 && sh.level_idx <= 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t types[3] = { RTMPKIT_FLV_AUDIO, RTMPKIT_FLV_VIDEO, RTMPKIT_FLV_DATA };
    rtmpkit_codec_info c;
    rtmpkit_probe *p;
    size_t at = 1;
    uint32_t ts = 0;
    int err;

    if (size < 1)
        return 0;
    err = rtmpkit_codec_config_parse(fourccs[data[0] % (sizeof fourccs / sizeof fourccs[0])], data + 1, size - 1, &c);
    REQUIRE(err == 0 || err == RTMPKIT_ETRUNCATED || err == RTMPKIT_EPROTOCOL);
    check_info(&c);
    check_shared_parsers(data + 1, size - 1);

    if (!(p = rtmpkit_probe_new(0)))
        return 0;
    while (at + 2 <= size) {
        uint8_t type = types[data[at] % 3];
        size_t len = data[at + 1];
        at += 2;
        if (len > size - at)
            len = size - at;
        ts += (uint32_t)(data[at - 2] >> 2) * 7;
        REQUIRE(rtmpkit_probe_add(p, type, ts, data + at, len, ts) == 0);
        at += len;
    }
    rtmpkit_probe_complete(p);
    for (size_t i = 0; i < rtmpkit_probe_track_count(p); i++) {
        const rtmpkit_probe_track *t = rtmpkit_probe_track_at(p, i);
        check_info(&t->codec);
        REQUIRE(t->keyframes <= t->frames);
        REQUIRE(t->frames == 0 || t->first_ms >= 0);
        REQUIRE(rtmpkit_probe_track_fps(t) >= 0 && rtmpkit_probe_track_bitrate(t) >= 0);
    }
    rtmpkit_probe_free(p);
    return 0;
}
