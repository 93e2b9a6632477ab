/* The sequence header parsers (core/codecinfo.c) and the probe (core/probe.c) on
 * arbitrary bytes. The first byte picks the codec; the rest is its configuration, and
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
