/* Audio/video tag body headers (core/flvtag.c): every legacy and Enhanced RTMP packet
 * type, multitrack, ModEx, truncation, the writer and round trips. */
#include <stdlib.h>

#include "check.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flvtag.h"

#define V RTMPKIT_FLV_VIDEO
#define A RTMPKIT_FLV_AUDIO

/* Parses an exact-size heap copy of body, so that any overread is caught by the
 * sanitizers; the copy lives until the next call. */
static uint8_t *held;

static int parse(uint8_t type, const void *body, size_t len, rtmpkit_tag_header *h)
{
    free(held);
    held = malloc(len ? len : 1);
    if (len)
        memcpy(held, body, len);
    return rtmpkit_tag_parse(type, held, len, h);
}

/* The payload is the expected bytes and ends where the body ends. */
#define CHECK_PAYLOAD(t, bytes, n) do { \
    CHECK_INT((t).len, (n)); \
    if ((t).len == (size_t)(n)) \
        CHECK_MEM((t).data, (bytes), (n)); \
} while (0)

static void test_legacy_video(void)
{
    rtmpkit_tag_header h;

    /* AVC sequence header: the CTS field is there but means nothing. */
    CHECK_INT(parse(V, "\x17\x00\x00\x00\x00\x01\x64", 7, &h), 1);
    CHECK_INT(h.enhanced, 0);
    CHECK_INT(h.codec, 7);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_KEY);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_START);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_AVC1);
    CHECK_INT(h.keyframe, 1);
    CHECK_INT(h.config, 1);
    CHECK_INT(h.frame, 0);
    CHECK_INT(h.multitrack, 0);
    CHECK_INT(h.track.id, 0);
    CHECK_PAYLOAD(h.track, "\x01\x64", 2);

    /* An inter frame with a negative composition time (-40). */
    CHECK_INT(parse(V, "\x27\x01\xff\xff\xd8\xaa\xbb", 7, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_INT(h.track.cts, -40);
    CHECK_INT(h.keyframe, 0);
    CHECK_INT(h.frame, 1);
    CHECK_INT(h.config, 0);
    CHECK_PAYLOAD(h.track, "\xaa\xbb", 2);

    /* End of sequence; a NALU packet without payload is not a frame. */
    CHECK_INT(parse(V, "\x17\x02\x00\x00\x00", 5, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_END);
    CHECK_INT(h.frame, 0);
    CHECK_INT(parse(V, "\x17\x01\x00\x00\x10", 5, &h), 1);
    CHECK_INT(h.track.cts, 16);
    CHECK_INT(h.frame, 0);

    /* HEVC as codec 12, with the AVC layout. */
    CHECK_INT(parse(V, "\x1c\x01\x00\x00\x21\x26\x01", 7, &h), 1);
    CHECK_INT(h.codec, 12);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_INT(h.track.cts, 33);
    CHECK_PAYLOAD(h.track, "\x26\x01", 2);

    /* Other legacy codecs: the payload follows byte 0 (VP6's adjustment byte included). */
    CHECK_INT(parse(V, "\x22\x00\x00\x84", 4, &h), 1);
    CHECK_INT(h.codec, RTMPKIT_VIDEO_CODEC_H263);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_INTER);
    CHECK_INT(h.track.fourcc, 0);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_PAYLOAD(h.track, "\x00\x00\x84", 3);
    CHECK_INT(parse(V, "\x34\x12\x9a", 3, &h), 1);
    CHECK_INT(h.codec, RTMPKIT_VIDEO_CODEC_VP6);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_DISPOSABLE);
    CHECK_PAYLOAD(h.track, "\x12\x9a", 2);
    CHECK_INT(parse(V, "\x42\x01", 2, &h), 1);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_GENERATED_KEY);
    CHECK_INT(h.keyframe, 1);

    /* A command frame, even for AVC: nothing but the command byte. */
    CHECK_INT(parse(V, "\x57\x01", 2, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_COMMAND);
    CHECK_INT(h.frame, 0);
    CHECK_INT(h.keyframe, 0);
    CHECK_PAYLOAD(h.track, "\x01", 1);

    /* Reserved frame types, a reserved AVCPacketType, short headers. */
    CHECK_INT(parse(V, "\x07\x01\x00\x00\x00", 5, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x67\x01\x00\x00\x00", 5, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x17\x03\x00\x00\x00", 5, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x17\x01\x00\x00", 4, &h), RTMPKIT_ETRUNCATED);
    CHECK_INT(parse(V, "", 0, &h), RTMPKIT_ETRUNCATED);
    CHECK_INT(parse(RTMPKIT_FLV_DATA, "\x02", 1, &h), RTMPKIT_EPROTOCOL);
}

static void test_legacy_audio(void)
{
    rtmpkit_tag_header h;

    CHECK_INT(parse(A, "\xaf\x00\x12\x10", 4, &h), 1);
    CHECK_INT(h.codec, RTMPKIT_SOUND_AAC);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_MP4A);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_START);
    CHECK_INT(h.config, 1);
    CHECK_INT(h.keyframe, 1);
    CHECK_INT(h.sample_rate, 44100);
    CHECK_INT(h.sample_bits, 16);
    CHECK_INT(h.channels, 2);
    CHECK_INT(h.frame_type, 0);
    CHECK_PAYLOAD(h.track, "\x12\x10", 2);
    CHECK_INT(parse(A, "\xaf\x01\x21\x10", 4, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_INT(h.frame, 1);
    CHECK_PAYLOAD(h.track, "\x21\x10", 2);
    CHECK_INT(parse(A, "\xaf\x02\x21", 3, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(A, "\xaf", 1, &h), RTMPKIT_ETRUNCATED);

    /* MP3 (2 and 8 kHz 14) get '.mp3'; PCM's rate, size and channels as the bits say. */
    CHECK_INT(parse(A, "\x2f\xff\xfb", 3, &h), 1);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_MP3);
    CHECK_PAYLOAD(h.track, "\xff\xfb", 2);
    CHECK_INT(parse(A, "\xe2\xff", 2, &h), 1);
    CHECK_INT(h.codec, RTMPKIT_SOUND_MP3_8K);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_MP3);
    CHECK_INT(parse(A, "\x36\x01\x02", 3, &h), 1);
    CHECK_INT(h.codec, 3);
    CHECK_INT(h.track.fourcc, 0);
    CHECK_INT(h.sample_rate, 11025);
    CHECK_INT(h.sample_bits, 16);
    CHECK_INT(h.channels, 1);
    CHECK_INT(parse(A, "\x71\x55", 2, &h), 1);
    CHECK_INT(h.sample_rate, 5512);
    CHECK_INT(h.sample_bits, 8);
    CHECK_INT(h.channels, 2);
    /* A legacy header with an empty payload is no frame. */
    CHECK_INT(parse(A, "\x2f", 1, &h), 1);
    CHECK_INT(h.frame, 0);
}

static void test_enhanced_video(void)
{
    rtmpkit_tag_header h;

    CHECK_INT(parse(V, "\x90hvc1\x01\x02", 7, &h), 1);
    CHECK_INT(h.enhanced, 1);
    CHECK_INT(h.codec, -1);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_KEY);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_START);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_INT(h.config, 1);
    CHECK_PAYLOAD(h.track, "\x01\x02", 2);

    /* CodedFrames: avc1, hvc1 and vvc1 carry a composition time, av01 and vp09 do not. */
    CHECK_INT(parse(V, "\x91" "avc1\xff\xff\xfe\x65", 9, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_INT(h.coded_frames_x, 0);
    CHECK_INT(h.track.cts, -2);
    CHECK_INT(h.frame, 1);
    CHECK_PAYLOAD(h.track, "\x65", 1);
    CHECK_INT(parse(V, "\xa1vvc1\x00\x00\x05\x01", 9, &h), 1);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_INTER);
    CHECK_INT(h.track.cts, 5);
    CHECK_PAYLOAD(h.track, "\x01", 1);
    CHECK_INT(parse(V, "\x91" "av01\x12\x00", 7, &h), 1);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_AV01);
    CHECK_INT(h.track.cts, 0);
    CHECK_PAYLOAD(h.track, "\x12\x00", 2);
    CHECK_INT(parse(V, "\xb1vp09\x83", 6, &h), 1);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_DISPOSABLE);
    CHECK_PAYLOAD(h.track, "\x83", 1);
    CHECK_INT(parse(V, "\x91" "avc1\x00\x00", 7, &h), RTMPKIT_ETRUNCATED);

    /* CodedFramesX: no composition time even for avc1. */
    CHECK_INT(parse(V, "\x93hvc1\x26\x01", 7, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_INT(h.coded_frames_x, 1);
    CHECK_INT(h.track.cts, 0);
    CHECK_PAYLOAD(h.track, "\x26\x01", 2);

    CHECK_INT(parse(V, "\x92vp08", 5, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_END);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_VP08);
    CHECK_INT(h.frame, 0);
    CHECK_INT(h.config, 0);

    /* Metadata, sent with frame type 5 by FFmpeg: still metadata, with its FourCC. */
    CHECK_INT(parse(V, "\xd4hvc1\x02\x00\x09", 8, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_METADATA);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_COMMAND);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_INT(h.frame, 0);
    CHECK_INT(h.config, 0);
    CHECK_PAYLOAD(h.track, "\x02\x00\x09", 3);

    CHECK_INT(parse(V, "\x95" "av01\x47", 6, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_MPEG2TS_SEQUENCE_START);
    CHECK_INT(h.config, 1);

    /* A command frame has the command byte and no FourCC. */
    CHECK_INT(parse(V, "\xd1\x00", 2, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_COMMAND);
    CHECK_INT(h.track.fourcc, 0);
    CHECK_PAYLOAD(h.track, "\x00", 1);

    /* Reserved packet types 8..15 and frame types 0, 6, 7; short FourCCs. */
    for (int pt = 8; pt < 16; pt++) {
        uint8_t b[8] = { (uint8_t)(0x90 | pt), 'a', 'v', 'c', '1', 0, 0, 0 };
        CHECK_INT(parse(V, b, sizeof b, &h), RTMPKIT_EPROTOCOL);
    }
    CHECK_INT(parse(V, "\x81" "avc1\x00\x00\x00", 8, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\xe1" "avc1\x00\x00\x00", 8, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\xf1" "avc1\x00\x00\x00", 8, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x92hvc", 4, &h), RTMPKIT_ETRUNCATED);
    CHECK_INT(parse(V, "\x90", 1, &h), RTMPKIT_ETRUNCATED);
}

static void test_enhanced_audio(void)
{
    rtmpkit_tag_header h;
    static const struct { const char *body; size_t len; int packet; uint32_t fourcc; } cases[] = {
        { "\x90OpusOpusHead", 13, RTMPKIT_TAG_SEQUENCE_START, RTMPKIT_FOURCC_OPUS },
        { "\x91" "fLaC\xff\xf8", 7, RTMPKIT_TAG_CODED_FRAMES, RTMPKIT_FOURCC_FLAC },
        { "\x91" "ac-3\x0b\x77", 7, RTMPKIT_TAG_CODED_FRAMES, RTMPKIT_FOURCC_AC3 },
        { "\x91" "ec-3\x0b\x77", 7, RTMPKIT_TAG_CODED_FRAMES, RTMPKIT_FOURCC_EAC3 },
        { "\x91.mp3\xff\xfb", 7, RTMPKIT_TAG_CODED_FRAMES, RTMPKIT_FOURCC_MP3 },
        { "\x92mp4a", 5, RTMPKIT_TAG_SEQUENCE_END, RTMPKIT_FOURCC_MP4A },
        { "\x94Opus\x01\x02", 7, RTMPKIT_TAG_MULTICHANNEL_CONFIG, RTMPKIT_FOURCC_OPUS },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(parse(A, cases[i].body, cases[i].len, &h), 1);
        CHECK_INT(h.enhanced, 1);
        CHECK_INT(h.packet, cases[i].packet);
        CHECK_INT(h.track.fourcc, cases[i].fourcc);
        CHECK_INT(h.track.cts, 0);
        CHECK_INT(h.keyframe, 1);
        CHECK_INT(h.sample_rate, 0);
        CHECK_PAYLOAD(h.track, cases[i].body + 5, cases[i].len - 5);
    }
    CHECK_INT(parse(A, "\x90OpusOpusHead", 13, &h), 1);
    CHECK_INT(h.config, 1);
    /* Audio has no CodedFramesX and no packet types 3 or 6; no audio command frames. */
    CHECK_INT(parse(A, "\x93Opus\x00", 6, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(A, "\x96Opus\x00", 6, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(A, "\x98Opus\x00", 6, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(A, "\x91Op", 3, &h), RTMPKIT_ETRUNCATED);
}

/* Collects the tracks of h. */
static int tracks_of(const rtmpkit_tag_header *h, rtmpkit_tag_track *out, int max)
{
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t;
    int n = 0;
    while (rtmpkit_tag_next_track(h, &it, &t) > 0) {
        if (n < max)
            out[n] = t;
        n++;
    }
    return n;
}

/* A video ManyTracks avc1 CodedFrames tag: tracks 1, 0, 7 with their own CTS. */
static const uint8_t many_tracks[] = {
    0x96, 0x11, 'a', 'v', 'c', '1',
    1, 0, 0, 5, 0x00, 0x00, 0x28, 0xa1, 0xa2,
    0, 0, 0, 4, 0xff, 0xff, 0xf6, 0xb1,
    7, 0, 0, 3, 0x00, 0x00, 0x00,
};
/* Track boundaries of many_tracks (where a cut leaves a valid tag with fewer tracks). */
static const size_t many_tracks_ends[] = { 15, 23, 30 };

static void test_multitrack(void)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track t[4];

    /* OneTrack: the track id, no size, the CTS of avc1 frames. */
    CHECK_INT(parse(V, "\x96\x01" "avc1" "\x02" "\x00\x00\x21\x65", 11, &h), 1);
    CHECK_INT(h.multitrack, 1);
    CHECK_INT(h.multitrack_type, RTMPKIT_TAG_ONE_TRACK);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_INT(h.track.id, 2);
    CHECK_INT(h.track.cts, 33);
    CHECK_PAYLOAD(h.track, "\x65", 1);
    CHECK_INT(tracks_of(&h, t, 4), 1);
    CHECK_INT(rtmpkit_tag_find_track(&h, 0, &t[0]), 0);
    CHECK_INT(rtmpkit_tag_find_track(&h, 2, &t[0]), 1);

    /* ManyTracks: every track, in order; track 0 by id. */
    CHECK_INT(parse(V, many_tracks, sizeof many_tracks, &h), 3);
    CHECK_INT(h.multitrack_type, RTMPKIT_TAG_MANY_TRACKS);
    CHECK_INT(h.frame, 1);
    CHECK_INT(h.keyframe, 1);
    CHECK_INT(h.track.id, 1);
    CHECK_INT(tracks_of(&h, t, 4), 3);
    CHECK_INT(t[0].id, 1);
    CHECK_INT(t[0].fourcc, RTMPKIT_FOURCC_AVC1);
    CHECK_INT(t[0].cts, 40);
    CHECK_PAYLOAD(t[0], "\xa1\xa2", 2);
    CHECK_INT(t[1].id, 0);
    CHECK_INT(t[1].fourcc, RTMPKIT_FOURCC_AVC1);
    CHECK_INT(t[1].cts, -10);
    CHECK_PAYLOAD(t[1], "\xb1", 1);
    CHECK_INT(t[2].id, 7);
    CHECK_INT(t[2].len, 0);
    CHECK(t[2].data == held + sizeof many_tracks);
    CHECK_INT(rtmpkit_tag_find_track(&h, 0, &t[3]), 1);
    CHECK_INT(t[3].cts, -10);
    CHECK_PAYLOAD(t[3], "\xb1", 1);
    CHECK_INT(rtmpkit_tag_find_track(&h, 9, &t[3]), 0);

    /* ManyTracksManyCodecs: a FourCC per track; only avc1/hvc1 have a CTS. */
    static const uint8_t mixed[] = {
        0x96, 0x21,
        'a', 'v', '0', '1', 0, 0, 0, 2, 0x12, 0x00,
        'h', 'v', 'c', '1', 1, 0, 0, 4, 0x00, 0x00, 0x0a, 0x26,
        'v', 'p', '0', '9', 2, 0, 0, 1, 0x83,
    };
    CHECK_INT(parse(V, mixed, sizeof mixed, &h), 3);
    CHECK_INT(h.multitrack_type, RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_KEY);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_AV01);
    CHECK_INT(tracks_of(&h, t, 4), 3);
    CHECK_INT(t[0].fourcc, RTMPKIT_FOURCC_AV01);
    CHECK_INT(t[0].cts, 0);
    CHECK_PAYLOAD(t[0], "\x12\x00", 2);
    CHECK_INT(t[1].fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_INT(t[1].cts, 10);
    CHECK_PAYLOAD(t[1], "\x26", 1);
    CHECK_INT(t[2].fourcc, RTMPKIT_FOURCC_VP09);
    CHECK_INT(t[2].id, 2);
    CHECK_PAYLOAD(t[2], "\x83", 1);

    /* Audio ManyTracks of sequence starts. */
    CHECK_INT(parse(A, "\x95\x10" "Opus" "\x00\x00\x00\x02\xa0\xa1" "\x01\x00\x00\x01\xb0", 17, &h), 2);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_START);
    CHECK_INT(h.config, 1);
    CHECK_INT(tracks_of(&h, t, 4), 2);
    CHECK_INT(t[1].fourcc, RTMPKIT_FOURCC_OPUS);
    CHECK_INT(t[1].id, 1);
    CHECK_PAYLOAD(t[1], "\xb0", 1);

    /* Multitrack or ModEx inside Multitrack, a reserved multitrack type, a track that
     * says it is longer than the body, a partial track header after the last track. */
    CHECK_INT(parse(V, "\x96\x06" "avc1" "\x00", 7, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x96\x07" "avc1" "\x00", 7, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(A, "\x95\x05" "Opus" "\x00", 7, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x96\x31" "avc1" "\x00\x00\x00\x00", 10, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x96\x13" "avc1" "\x00\x00\x00\x05\x01", 11, &h), RTMPKIT_ETRUNCATED);
    CHECK_INT(parse(V, "\x96\x13" "avc1" "\x00\x00\x00\x01\x01" "\x01\x00", 13, &h), RTMPKIT_ETRUNCATED);
    /* A ManyTracks CodedFrames track too short for its CTS. */
    CHECK_INT(parse(V, "\x96\x11" "avc1" "\x00\x00\x00\x02\x00\x00", 12, &h), RTMPKIT_ETRUNCATED);
    /* No track at all; a failed parse leaves no tracks and no flags. */
    CHECK_INT(parse(V, "\x96\x13" "avc1", 6, &h), RTMPKIT_ETRUNCATED);
    CHECK_INT(tracks_of(&h, t, 4), 0);
    CHECK_INT(rtmpkit_tag_find_track(&h, 0, &t[0]), 0);
    CHECK_INT(parse(V, "\x90" "avc1\x01\x02", 7, &h), 1);
    CHECK_INT(parse(V, "\x17\x03\x00\x00\x00\x01", 6, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(h.config + h.keyframe + h.frame + h.multitrack + h.codec + (int)h.track.fourcc, 0);
    CHECK_INT(tracks_of(&h, t, 4), 0);
}

static void test_modex(void)
{
    rtmpkit_tag_header h;
    uint8_t long_modex[4 + 300 + 1 + 10];
    size_t n = 0;

    /* A nano offset (size-1 = 2: three bytes), then CodedFrames avc1. */
    CHECK_INT(parse(V, "\x97\x02\x0f\x42\x3f\x01" "avc1" "\x00\x00\x14\x65", 14, &h), 1);
    CHECK_INT(h.nano_offset, 999999);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_INT(h.frame_type, RTMPKIT_TAG_FRAME_KEY);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_AVC1);
    CHECK_INT(h.track.cts, 20);
    CHECK_PAYLOAD(h.track, "\x65", 1);

    /* The long form: 255, then a UI16 size-1 (300 bytes of an unknown ModEx type 5),
     * then a short nano offset block, then SequenceStart hvc1. */
    long_modex[n++] = 0x97;
    long_modex[n++] = 255;
    long_modex[n++] = 0x01;
    long_modex[n++] = 0x2b;   /* 299 + 1 = 300 */
    memset(long_modex + n, 0xee, 300);
    n += 300;
    long_modex[n++] = 0x57;   /* type 5, next: ModEx */
    memcpy(long_modex + n, "\x02\x00\x00\x07\x00" "hvc1" "\x01", 10);
    n += 10;
    CHECK_INT(n, sizeof long_modex);
    CHECK_INT(parse(V, long_modex, n, &h), 1);
    CHECK_INT(h.nano_offset, 7);
    CHECK_INT(h.packet, RTMPKIT_TAG_SEQUENCE_START);
    CHECK_INT(h.track.fourcc, RTMPKIT_FOURCC_HVC1);
    CHECK_PAYLOAD(h.track, "\x01", 1);
    /* Cut inside the long block. */
    CHECK_INT(parse(V, long_modex, 200, &h), RTMPKIT_ETRUNCATED);

    /* ModEx before Multitrack, and in audio. */
    CHECK_INT(parse(V, "\x97\x02\x00\x01\x00\x06\x01" "av01" "\x03\xaa", 13, &h), 1);
    CHECK_INT(h.nano_offset, 256);
    CHECK_INT(h.multitrack, 1);
    CHECK_INT(h.track.id, 3);
    CHECK_PAYLOAD(h.track, "\xaa", 1);
    CHECK_INT(parse(A, "\x97\x02\x00\x00\x10\x01" "Opus" "\xfc", 11, &h), 1);
    CHECK_INT(h.nano_offset, 16);
    CHECK_INT(h.packet, RTMPKIT_TAG_CODED_FRAMES);
    CHECK_PAYLOAD(h.track, "\xfc", 1);

    /* A ModEx before a command frame; a nano offset shorter than 3 bytes. */
    CHECK_INT(parse(V, "\xd7\x02\x00\x00\x01\x01\x00", 7, &h), 1);
    CHECK_INT(h.packet, RTMPKIT_TAG_COMMAND);
    CHECK_INT(h.nano_offset, 1);
    CHECK_INT(parse(V, "\x97\x01\x00\x00\x01" "avc1", 9, &h), RTMPKIT_EPROTOCOL);
    CHECK_INT(parse(V, "\x97\x02\x00\x00", 4, &h), RTMPKIT_ETRUNCATED);
}

/* Every cut of a body shorter than min_len fails; longer cuts fail unless they end at
 * one of the ends given (then the body has that many tracks). The parser only ever sees
 * an exact-size copy. */
static void check_cuts(uint8_t type, const uint8_t *body, size_t len, size_t min_len,
                       const size_t *ends, size_t n_ends)
{
    rtmpkit_tag_header h;
    for (size_t cut = 0; cut < len; cut++) {
        int ret = parse(type, body, cut, &h);
        int expect_tracks = 0;
        for (size_t i = 0; i < n_ends; i++)
            if (ends[i] == cut)
                expect_tracks = (int)i + 1;
        if (cut < min_len) {
            CHECK(ret < 0);
        } else if (n_ends) {
            if (expect_tracks)
                CHECK_INT(ret, expect_tracks);
            else
                CHECK(ret < 0);
        } else {
            /* Only the payload is short: it ends at the cut. */
            CHECK_INT(ret, 1);
            CHECK(h.track.data + h.track.len == held + cut);
        }
    }
}

static void test_truncation(void)
{
    static const uint8_t avc[] = { 0x27, 0x01, 0x00, 0x00, 0x28, 0xa1, 0xa2 };
    static const uint8_t aac[] = { 0xaf, 0x01, 0x21, 0x10 };
    static const uint8_t ex_cts[] = { 0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21, 0x26, 0x01 };
    static const uint8_t modex[] = { 0x97, 0xff, 0x00, 0x02, 0x00, 0x00, 0x05, 0x01, 'a', 'v', 'c', '1',
                                     0x00, 0x00, 0x01, 0x65 };
    static const uint8_t audio_modex_mt[] = { 0x97, 0x02, 0x00, 0x00, 0x10, 0x05, 0x00, 'O', 'p', 'u', 's',
                                              0x02, 0xfc };
    check_cuts(V, avc, sizeof avc, 5, NULL, 0);
    check_cuts(A, aac, sizeof aac, 2, NULL, 0);
    check_cuts(V, ex_cts, sizeof ex_cts, 8, NULL, 0);
    check_cuts(V, modex, sizeof modex, 15, NULL, 0);
    check_cuts(A, audio_modex_mt, sizeof audio_modex_mt, 12, NULL, 0);
    check_cuts(V, many_tracks, sizeof many_tracks, 0, many_tracks_ends, 3);
}

/* Writes h, parses it back and compares every field; returns the bytes written. */
static size_t round_trip(const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks, int n, uint8_t *bytes,
                         size_t cap)
{
    rtmpkit_tag_header p;
    rtmpkit_tag_track got[8];
    rtmpkit_buf b;
    size_t len = 0;

    rtmpkit_buf_init(&b, 4096);
    CHECK_INT(tracks ? rtmpkit_tag_put_tracks(&b, h, tracks, (size_t)n) : rtmpkit_tag_put(&b, h), 0);
    if (!tracks) {
        tracks = &h->track;
        n = 1;
    }
    CHECK_INT(parse(h->type, b.data, b.len, &p), n);
    CHECK_INT(p.enhanced, h->enhanced);
    CHECK_INT(p.packet, h->packet);
    CHECK_INT(p.frame_type, h->frame_type);
    CHECK_INT(p.nano_offset, h->nano_offset);
    CHECK_INT(p.multitrack, h->multitrack);
    CHECK_INT(p.multitrack_type, h->multitrack_type);
    if (!h->enhanced) {
        CHECK_INT(p.codec, h->codec);
        if (h->type == A) {
            CHECK_INT(p.sample_rate, h->sample_rate);
            CHECK_INT(p.sample_bits, h->sample_bits);
            CHECK_INT(p.channels, h->channels);
        }
    }
    CHECK_INT(tracks_of(&p, got, 8), n);
    for (int i = 0; i < n && i < 8; i++) {
        if (h->enhanced)
            CHECK_INT(got[i].fourcc, tracks[i].fourcc);
        CHECK_INT(got[i].id, tracks[i].id);
        CHECK_INT(got[i].cts, tracks[i].cts);
        CHECK_PAYLOAD(got[i], tracks[i].data, tracks[i].len);
    }
    if (b.len <= cap && bytes) {
        memcpy(bytes, b.data, b.len);
        len = b.len;
    }
    rtmpkit_buf_free(&b);
    return len;
}

static void test_write(void)
{
    static const uint8_t pay[] = { 0xde, 0xad };
    uint8_t out[64];
    rtmpkit_tag_header h;
    rtmpkit_tag_track tracks[3];

    /* Legacy AVC: every packet type; the CTS only on frames. */
    memset(&h, 0, sizeof h);
    h.type = V;
    h.codec = RTMPKIT_VIDEO_CODEC_AVC;
    h.frame_type = RTMPKIT_TAG_FRAME_KEY;
    h.packet = RTMPKIT_TAG_SEQUENCE_START;
    h.track.data = pay;
    h.track.len = 2;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\x17\x00\x00\x00\x00\xde\xad", 7);
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    h.frame_type = RTMPKIT_TAG_FRAME_INTER;
    h.track.cts = -33;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\x27\x01\xff\xff\xdf\xde\xad", 7);
    h.packet = RTMPKIT_TAG_SEQUENCE_END;
    h.track.cts = 0;
    h.track.len = 0;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 5);
    CHECK_MEM(out, "\x27\x02\x00\x00\x00", 5);
    h.codec = RTMPKIT_VIDEO_CODEC_HEVC;
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    h.track.cts = 66;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 5);
    CHECK_MEM(out, "\x2c\x01\x00\x00\x42", 5);
    h.codec = RTMPKIT_VIDEO_CODEC_H263;
    h.frame_type = RTMPKIT_TAG_FRAME_DISPOSABLE;
    h.track.cts = 0;
    h.track.len = 2;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 3);
    CHECK_MEM(out, "\x32\xde\xad", 3);
    h.frame_type = RTMPKIT_TAG_FRAME_COMMAND;
    h.packet = RTMPKIT_TAG_COMMAND;
    h.track.len = 1;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 2);
    CHECK_MEM(out, "\x52\xde", 2);

    /* Legacy audio: AAC both packets, MP3, PCM with its rate/size/channels. */
    memset(&h, 0, sizeof h);
    h.type = A;
    h.codec = RTMPKIT_SOUND_AAC;
    h.sample_rate = 44100;
    h.sample_bits = 16;
    h.channels = 2;
    h.packet = RTMPKIT_TAG_SEQUENCE_START;
    h.track.data = pay;
    h.track.len = 2;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 4);
    CHECK_MEM(out, "\xaf\x00\xde\xad", 4);
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 4);
    CHECK_MEM(out, "\xaf\x01\xde\xad", 4);
    h.codec = RTMPKIT_SOUND_MP3;
    h.sample_rate = 22050;
    h.channels = 1;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 3);
    CHECK_MEM(out, "\x2a\xde\xad", 3);
    h.codec = 0;
    h.sample_rate = 5512;
    h.sample_bits = 8;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 3);
    CHECK_MEM(out, "\x00\xde\xad", 3);

    /* Enhanced video: every packet type. */
    memset(&h, 0, sizeof h);
    h.type = V;
    h.enhanced = 1;
    h.frame_type = RTMPKIT_TAG_FRAME_KEY;
    h.track.fourcc = RTMPKIT_FOURCC_HVC1;
    h.track.data = pay;
    h.track.len = 2;
    h.packet = RTMPKIT_TAG_SEQUENCE_START;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\x90hvc1\xde\xad", 7);
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    h.track.cts = 40;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 10);
    CHECK_MEM(out, "\x91hvc1\x00\x00\x28\xde\xad", 10);
    /* CodedFramesX when asked and the CTS is 0, CodedFrames when there is one. */
    h.coded_frames_x = 1;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 10);
    CHECK_MEM(out, "\x91hvc1\x00\x00\x28", 8);
    h.track.cts = 0;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\x93hvc1\xde\xad", 7);
    h.coded_frames_x = 0;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 10);
    CHECK_MEM(out, "\x91hvc1\x00\x00\x00", 8);
    /* No CTS for av01. */
    h.track.fourcc = RTMPKIT_FOURCC_AV01;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\x91" "av01\xde\xad", 7);
    h.packet = RTMPKIT_TAG_SEQUENCE_END;
    h.track.len = 0;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 5);
    CHECK_MEM(out, "\x92" "av01", 5);
    h.packet = RTMPKIT_TAG_MPEG2TS_SEQUENCE_START;
    h.track.len = 2;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\x95" "av01\xde\xad", 7);
    h.packet = RTMPKIT_TAG_METADATA;
    h.frame_type = RTMPKIT_TAG_FRAME_COMMAND;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\xd4" "av01\xde\xad", 7);
    h.packet = RTMPKIT_TAG_COMMAND;
    h.track.fourcc = 0;
    h.track.len = 1;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 2);
    CHECK_MEM(out, "\xd1\xde", 2);
    h.nano_offset = 3;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
    CHECK_MEM(out, "\xd7\x02\x00\x00\x03\x01\xde", 7);
    h.nano_offset = 0;

    /* ModEx nano offset, OneTrack with a track id, both. */
    h.frame_type = RTMPKIT_TAG_FRAME_INTER;
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    h.track.fourcc = RTMPKIT_FOURCC_AVC1;
    h.track.cts = -1;
    h.track.len = 2;
    h.nano_offset = 500000;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 15);
    CHECK_MEM(out, "\xa7\x02\x07\xa1\x20\x01" "avc1" "\xff\xff\xff\xde\xad", 15);
    h.nano_offset = 0;
    h.multitrack = 1;
    h.multitrack_type = RTMPKIT_TAG_ONE_TRACK;
    h.track.id = 4;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 12);
    CHECK_MEM(out, "\xa6\x01" "avc1" "\x04\xff\xff\xff\xde\xad", 12);
    h.nano_offset = 1;
    CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 17);
    CHECK_MEM(out, "\xa7\x02\x00\x00\x01\x06\x01" "avc1" "\x04", 12);

    /* ManyTracks and ManyTracksManyCodecs, three tracks each. */
    memset(tracks, 0, sizeof tracks);
    for (int i = 0; i < 3; i++) {
        tracks[i].fourcc = RTMPKIT_FOURCC_AVC1;
        tracks[i].id = (uint8_t)(2 - i);
        tracks[i].cts = i * 10 - 5;
        tracks[i].data = pay;
        tracks[i].len = (size_t)i;
    }
    h.nano_offset = 0;
    h.multitrack_type = RTMPKIT_TAG_MANY_TRACKS;
    CHECK_INT(round_trip(&h, tracks, 3, out, sizeof out), 6 + 3 * 7 + 3);
    CHECK_MEM(out, "\xa6\x11" "avc1" "\x02\x00\x00\x03\xff\xff\xfb" "\x01\x00\x00\x04\x00\x00\x05\xde", 21);
    tracks[1].fourcc = RTMPKIT_FOURCC_VP09;
    tracks[2].fourcc = RTMPKIT_FOURCC_HVC1;
    tracks[1].cts = 0;
    h.multitrack_type = RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS;
    CHECK_INT(round_trip(&h, tracks, 3, out, sizeof out), 2 + 11 + 9 + 13);
    CHECK_MEM(out, "\xa6\x21" "avc1" "\x02\x00\x00\x03\xff\xff\xfb" "vp09" "\x01\x00\x00\x01\xde", 22);

    /* Enhanced audio: every packet type, multitrack. */
    memset(&h, 0, sizeof h);
    h.type = A;
    h.enhanced = 1;
    h.track.fourcc = RTMPKIT_FOURCC_OPUS;
    h.track.data = pay;
    h.track.len = 2;
    static const int audio_packets[] = { RTMPKIT_TAG_SEQUENCE_START, RTMPKIT_TAG_CODED_FRAMES,
                                         RTMPKIT_TAG_SEQUENCE_END, RTMPKIT_TAG_MULTICHANNEL_CONFIG };
    static const uint8_t audio_bytes[] = { 0x90, 0x91, 0x92, 0x94 };
    for (int i = 0; i < 4; i++) {
        h.packet = audio_packets[i];
        CHECK_INT(round_trip(&h, NULL, 0, out, sizeof out), 7);
        CHECK_INT(out[0], audio_bytes[i]);
        CHECK_MEM(out + 1, "Opus\xde\xad", 6);
    }
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    h.multitrack = 1;
    h.multitrack_type = RTMPKIT_TAG_MANY_TRACKS;
    for (int i = 0; i < 3; i++) {
        tracks[i].fourcc = RTMPKIT_FOURCC_OPUS;
        tracks[i].cts = 0;   /* audio has none */
    }
    CHECK_INT(round_trip(&h, tracks, 3, out, sizeof out), 6 + 3 * 4 + 3);
    CHECK_MEM(out, "\x95\x11" "Opus" "\x02\x00\x00\x00" "\x01\x00\x00\x01\xde", 15);
}

static void test_write_errors(void)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track tracks[2];
    rtmpkit_buf b;

    rtmpkit_buf_init(&b, 4096);
    /* Legacy video has no metadata; legacy H.263 no sequence start; a command packet
     * needs frame type 5; frame type 6 does not exist. */
    memset(&h, 0, sizeof h);
    h.type = V;
    h.codec = RTMPKIT_VIDEO_CODEC_AVC;
    h.frame_type = RTMPKIT_TAG_FRAME_KEY;
    h.packet = RTMPKIT_TAG_METADATA;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    CHECK_INT(b.err, RTMPKIT_EUSAGE);
    CHECK_INT(b.len, 0);
    /* Sticky: a good header after an error is not written. */
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    CHECK_INT(b.len, 0);
    rtmpkit_buf_reset(&b);
    h.codec = RTMPKIT_VIDEO_CODEC_H263;
    h.packet = RTMPKIT_TAG_SEQUENCE_START;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.packet = RTMPKIT_TAG_COMMAND;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    h.frame_type = 6;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    /* The CTS is clamped to 24 bits. */
    h.codec = RTMPKIT_VIDEO_CODEC_AVC;
    h.frame_type = RTMPKIT_TAG_FRAME_KEY;
    h.track.cts = -0x900000;
    CHECK_INT(rtmpkit_tag_put(&b, &h), 0);
    CHECK_MEM(b.data, "\x17\x01\x80\x00\x00", 5);
    rtmpkit_buf_reset(&b);
    h.track.cts = 0x900000;
    CHECK_INT(rtmpkit_tag_put(&b, &h), 0);
    CHECK_MEM(b.data, "\x17\x01\x7f\xff\xff", 5);
    rtmpkit_buf_reset(&b);
    /* Legacy cannot be multitrack or carry a nano offset. */
    h.track.cts = 0;
    h.nano_offset = 5;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);

    /* Legacy audio: a rate FLV cannot say, sound format 9, an MP3 sequence start. */
    memset(&h, 0, sizeof h);
    h.type = A;
    h.codec = RTMPKIT_SOUND_AAC;
    h.sample_rate = 48000;
    h.sample_bits = 16;
    h.channels = 2;
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.sample_rate = 44100;
    h.codec = RTMPKIT_SOUND_EX_HEADER;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.codec = RTMPKIT_SOUND_MP3;
    h.packet = RTMPKIT_TAG_SEQUENCE_START;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);

    /* Enhanced: audio has no metadata or command; two tracks need ManyTracks; ManyTracks
     * need one FourCC; a nano offset past 24 bits; a tag type that is not A/V. */
    memset(&h, 0, sizeof h);
    h.type = A;
    h.enhanced = 1;
    h.track.fourcc = RTMPKIT_FOURCC_OPUS;
    h.packet = RTMPKIT_TAG_METADATA;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.packet = RTMPKIT_TAG_COMMAND;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    memset(tracks, 0, sizeof tracks);
    tracks[0].fourcc = tracks[1].fourcc = RTMPKIT_FOURCC_OPUS;
    h.packet = RTMPKIT_TAG_CODED_FRAMES;
    CHECK_INT(rtmpkit_tag_put_tracks(&b, &h, tracks, 2), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.multitrack = 1;
    h.multitrack_type = RTMPKIT_TAG_ONE_TRACK;
    CHECK_INT(rtmpkit_tag_put_tracks(&b, &h, tracks, 2), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.multitrack_type = RTMPKIT_TAG_MANY_TRACKS;
    tracks[1].fourcc = RTMPKIT_FOURCC_FLAC;
    CHECK_INT(rtmpkit_tag_put_tracks(&b, &h, tracks, 2), RTMPKIT_EUSAGE);
    CHECK_INT(b.len, 0);
    rtmpkit_buf_reset(&b);
    h.multitrack_type = 3;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.multitrack = 0;
    h.multitrack_type = 0;
    h.nano_offset = 0x1000000;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    h.nano_offset = 0;
    h.type = RTMPKIT_FLV_DATA;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    rtmpkit_buf_reset(&b);
    /* Enhanced video: a coded frame of frame type 5 is a command, not a frame. */
    h.type = V;
    h.track.fourcc = RTMPKIT_FOURCC_AVC1;
    h.frame_type = RTMPKIT_TAG_FRAME_COMMAND;
    CHECK_INT(rtmpkit_tag_put(&b, &h), RTMPKIT_EUSAGE);
    CHECK_INT(b.len, 0);
    rtmpkit_buf_free(&b);
}

/* What cli/rtmp-dump.c's is_config_tag said, and what is new. */
static void test_is_config(void)
{
    CHECK_INT(rtmpkit_tag_is_config(V, NULL, 0), 1);
    CHECK_INT(rtmpkit_tag_is_config(A, NULL, 0), 1);
    CHECK_INT(rtmpkit_tag_is_config(RTMPKIT_FLV_DATA, (const uint8_t *)"\x02\x00", 2), 1);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x17\x00\x00\x00\x00\x01", 6), 1);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x1c\x00\x00\x00\x00\x01", 6), 1);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x17\x01\x00\x00\x00\x01", 6), 0);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x17\x02\x00\x00\x00", 5), 0);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x12\x00", 2), 0);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x17", 1), 0);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x90hvc1\x01", 6), 1);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x91hvc1\x00\x00\x00\x01", 9), 0);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x95" "av01\x47", 6), 1);
    CHECK_INT(rtmpkit_tag_is_config(A, (const uint8_t *)"\xaf\x00\x12\x10", 4), 1);
    CHECK_INT(rtmpkit_tag_is_config(A, (const uint8_t *)"\xaf\x01\x21", 3), 0);
    CHECK_INT(rtmpkit_tag_is_config(A, (const uint8_t *)"\x2f\xff", 2), 0);
    CHECK_INT(rtmpkit_tag_is_config(A, (const uint8_t *)"\x90OpusOpusHead", 13), 1);
    CHECK_INT(rtmpkit_tag_is_config(A, (const uint8_t *)"\x91Opus\xfc", 6), 0);
    /* New: sequence starts behind ModEx or Multitrack are configuration too. */
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x97\x02\x00\x00\x01\x00" "avc1\x01", 11), 1);
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x96\x00" "avc1\x00\x01", 8), 1);
    /* A body that does not parse is not. */
    CHECK_INT(rtmpkit_tag_is_config(V, (const uint8_t *)"\x90hv", 3), 0);
}

/* The latest picture of a video tag: its tracks' largest composition time, never negative. */
static void test_shown_after(void)
{
    CHECK_INT(rtmpkit_tag_shown_after_ms(V, (const uint8_t *)"\x17\x01\x00\x00\x21\x65", 6), 33);
    CHECK_INT(rtmpkit_tag_shown_after_ms(V, (const uint8_t *)"\x27\x01\xff\xff\xd8\xaa", 6), 0);   /* -40 */
    CHECK_INT(rtmpkit_tag_shown_after_ms(V, many_tracks, sizeof many_tracks), 40);   /* 40, -10, 0 */
    CHECK_INT(rtmpkit_tag_shown_after_ms(V, (const uint8_t *)"\x91hvc1\x00\x00\x50\x01", 9), 80);
    CHECK_INT(rtmpkit_tag_shown_after_ms(V, (const uint8_t *)"\x90hv", 3), 0);   /* does not parse */
    CHECK_INT(rtmpkit_tag_shown_after_ms(A, (const uint8_t *)"\xaf\x01\x21", 3), 0);
    CHECK_INT(rtmpkit_tag_shown_after_ms(RTMPKIT_FLV_DATA, (const uint8_t *)"\x02\x00", 2), 0);
}

/* A recorder's --track: tracks not kept are cut out of Multitrack tags, whole tags dropped. */
static void test_keep_tracks(void)
{
    static const uint8_t keep02[] = { 0, 2 }, keep1[] = { 1 }, keep0[] = { 0 };
    rtmpkit_tag_track tracks[3] = {
        { RTMPKIT_FOURCC_OPUS, 0, 0, (const uint8_t *)"aa", 2 },
        { RTMPKIT_FOURCC_OPUS, 1, 0, (const uint8_t *)"bbb", 3 },
        { RTMPKIT_FOURCC_OPUS, 2, 0, (const uint8_t *)"c", 1 },
    };
    rtmpkit_tag_track kept[2] = { tracks[0], tracks[2] };
    rtmpkit_tag_header h = { .type = A, .enhanced = 1, .packet = RTMPKIT_TAG_CODED_FRAMES, .multitrack = 1,
                             .multitrack_type = RTMPKIT_TAG_MANY_TRACKS };
    rtmpkit_buf all, want, out;
    rtmpkit_buf_init(&all, 256);
    rtmpkit_buf_init(&want, 256);
    rtmpkit_buf_init(&out, 256);
    CHECK_INT(rtmpkit_tag_put_tracks(&all, &h, tracks, 3), 0);
    CHECK_INT(rtmpkit_tag_put_tracks(&want, &h, kept, 2), 0);
    CHECK_INT(rtmpkit_tag_keep_tracks(A, all.data, all.len, keep02, 2, &out), 2);
    CHECK_INT(out.len, want.len);
    CHECK_MEM(out.data, want.data, want.len);
    rtmpkit_buf_reset(&out);
    CHECK_INT(rtmpkit_tag_keep_tracks(A, all.data, all.len, (const uint8_t *)"\0\1\2", 3, &out), 1);
    CHECK_INT(rtmpkit_tag_keep_tracks(A, all.data, all.len, (const uint8_t *)"\7", 1, &out), 0);
    CHECK_INT(out.len, 0);
    /* A plain tag is track 0; a OneTrack tag has its id. */
    CHECK_INT(rtmpkit_tag_keep_tracks(A, (const uint8_t *)"\x91Opus\xfc", 6, keep0, 1, &out), 1);
    CHECK_INT(rtmpkit_tag_keep_tracks(A, (const uint8_t *)"\x91Opus\xfc", 6, keep1, 1, &out), 0);
    CHECK_INT(rtmpkit_tag_keep_tracks(V, (const uint8_t *)"\x96\x01" "av01\x01\x55", 8, keep1, 1, &out), 1);
    CHECK_INT(rtmpkit_tag_keep_tracks(V, (const uint8_t *)"\x96\x01" "av01\x01\x55", 8, keep0, 1, &out), 0);
    /* Bodies that do not parse, empty ones and data tags stay as received. */
    CHECK_INT(rtmpkit_tag_keep_tracks(V, (const uint8_t *)"\x90hv", 3, keep1, 1, &out), 1);
    CHECK_INT(rtmpkit_tag_keep_tracks(V, NULL, 0, keep1, 1, &out), 1);
    CHECK_INT(rtmpkit_tag_keep_tracks(RTMPKIT_FLV_DATA, (const uint8_t *)"\x02\x00", 2, keep1, 1, &out), 1);
    CHECK_INT(out.len, 0);
    rtmpkit_buf_free(&all);
    rtmpkit_buf_free(&want);
    rtmpkit_buf_free(&out);
}

int main(void)
{
    test_keep_tracks();
    test_legacy_video();
    test_legacy_audio();
    test_enhanced_video();
    test_enhanced_audio();
    test_multitrack();
    test_modex();
    test_truncation();
    test_write();
    test_write_errors();
    test_is_config();
    test_shown_after();
    free(held);
    return check_report("flvtag");
}
