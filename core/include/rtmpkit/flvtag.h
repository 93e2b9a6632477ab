/* The header at the start of an FLV/RTMP audio or video tag body, legacy and Enhanced
 * RTMP v2: read it (sans-I/O, bounded, on (body, len)) and write it.
 *
 * Legacy video:  frameType<<4 | codecId, then for AVC (7) and HEVC (12, a common
 *                convention) AVCPacketType and an SI24 composition time.
 * Legacy audio:  soundFormat<<4 | rate<<2 | size<<1 | type, then for AAC (10) an
 *                AACPacketType.
 * Enhanced video: 0x80 | frameType<<4 | packetType, Enhanced audio: 0x90 | packetType;
 *                any number of ModEx blocks, an optional Multitrack header, a FourCC, and
 *                per track [FourCC] trackId [size], an SI24 composition time for
 *                avc1/hvc1/vvc1 CodedFrames, the payload.
 * A body is enhanced exactly when its first byte says so (video bit 7, sound format 9),
 * so a legacy body is never read as enhanced, nor the reverse. */
#ifndef RTMPKIT_FLVTAG_H
#define RTMPKIT_FLVTAG_H

#include "rtmpkit/bytes.h"
#include "rtmpkit/export.h"
#include "rtmpkit/flv.h"

#include <stddef.h>
#include <stdint.h>

#define RTMPKIT_FOURCC(a, b, c, d) \
    ((uint32_t)(uint8_t)(a) << 24 | (uint32_t)(uint8_t)(b) << 16 | (uint32_t)(uint8_t)(c) << 8 | (uint32_t)(uint8_t)(d))

/* The FourCCs of Enhanced RTMP; legacy AVC, HEVC (12), AAC and MP3 are given these too. */
#define RTMPKIT_FOURCC_AVC1  RTMPKIT_FOURCC('a', 'v', 'c', '1')
#define RTMPKIT_FOURCC_HVC1  RTMPKIT_FOURCC('h', 'v', 'c', '1')
#define RTMPKIT_FOURCC_VVC1  RTMPKIT_FOURCC('v', 'v', 'c', '1')
#define RTMPKIT_FOURCC_AV01  RTMPKIT_FOURCC('a', 'v', '0', '1')
#define RTMPKIT_FOURCC_VP09  RTMPKIT_FOURCC('v', 'p', '0', '9')
#define RTMPKIT_FOURCC_VP08  RTMPKIT_FOURCC('v', 'p', '0', '8')
#define RTMPKIT_FOURCC_OPUS  RTMPKIT_FOURCC('O', 'p', 'u', 's')
#define RTMPKIT_FOURCC_FLAC  RTMPKIT_FOURCC('f', 'L', 'a', 'C')
#define RTMPKIT_FOURCC_AC3   RTMPKIT_FOURCC('a', 'c', '-', '3')
#define RTMPKIT_FOURCC_EAC3  RTMPKIT_FOURCC('e', 'c', '-', '3')
#define RTMPKIT_FOURCC_MP4A  RTMPKIT_FOURCC('m', 'p', '4', 'a')
#define RTMPKIT_FOURCC_MP3   RTMPKIT_FOURCC('.', 'm', 'p', '3')

/* Legacy video codec ids and sound formats with a meaning of their own here. */
enum {
    RTMPKIT_VIDEO_CODEC_H263 = 2,
    RTMPKIT_VIDEO_CODEC_SCREEN = 3,
    RTMPKIT_VIDEO_CODEC_VP6 = 4,
    RTMPKIT_VIDEO_CODEC_VP6A = 5,
    RTMPKIT_VIDEO_CODEC_SCREEN2 = 6,
    RTMPKIT_VIDEO_CODEC_AVC = 7,
    RTMPKIT_VIDEO_CODEC_HEVC = 12,      /* not in the FLV spec; widely used */
    RTMPKIT_SOUND_MP3 = 2,
    RTMPKIT_SOUND_EX_HEADER = 9,        /* Enhanced RTMP audio */
    RTMPKIT_SOUND_AAC = 10,
    RTMPKIT_SOUND_MP3_8K = 14,
};

/* Video frame types (legacy and enhanced). */
enum rtmpkit_tag_frame {
    RTMPKIT_TAG_FRAME_KEY = 1,
    RTMPKIT_TAG_FRAME_INTER = 2,
    RTMPKIT_TAG_FRAME_DISPOSABLE = 3,
    RTMPKIT_TAG_FRAME_GENERATED_KEY = 4,
    RTMPKIT_TAG_FRAME_COMMAND = 5,      /* a video info / command frame: nothing to decode */
};

/* What the tag carries, the same for legacy and enhanced headers. */
enum rtmpkit_tag_packet {
    RTMPKIT_TAG_SEQUENCE_START = 0,     /* decoder configuration (avcC, hvcC, ASC, OpusHead...) */
    RTMPKIT_TAG_CODED_FRAMES,           /* a coded frame (enhanced CodedFrames and CodedFramesX) */
    RTMPKIT_TAG_SEQUENCE_END,
    RTMPKIT_TAG_METADATA,               /* video: AMF "colorInfo" and such */
    RTMPKIT_TAG_MPEG2TS_SEQUENCE_START, /* video: an MPEG-2 TS descriptor as configuration */
    RTMPKIT_TAG_MULTICHANNEL_CONFIG,    /* audio: channel order and count */
    RTMPKIT_TAG_COMMAND,                /* video frame type 5: payload[0] is the command */
};

/* Enhanced RTMP AvMultitrackType. */
enum rtmpkit_tag_multitrack {
    RTMPKIT_TAG_ONE_TRACK = 0,
    RTMPKIT_TAG_MANY_TRACKS = 1,
    RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS = 2,
};

/* One track of a tag; a tag that is not multitrack has one, with id 0. */
typedef struct rtmpkit_tag_track {
    uint32_t fourcc;        /* 0 when unknown (a legacy codec without one) */
    uint8_t id;             /* 0 is the default track */
    int32_t cts;            /* composition time (PTS - DTS) in ms; 0 when absent */
    const uint8_t *data;    /* the payload, inside the parsed body (not owned) */
    size_t len;
} rtmpkit_tag_track;

/* A parsed header, also the description the writer takes. */
typedef struct rtmpkit_tag_header {
    uint8_t type;           /* RTMPKIT_FLV_VIDEO or RTMPKIT_FLV_AUDIO */
    int enhanced;           /* 1: an Enhanced RTMP header */
    int codec;              /* legacy: the video CodecID or audio SoundFormat; enhanced: -1 */
    int sample_rate;        /* legacy audio, as the header says: 5512, 11025, 22050 or 44100 */
    int sample_bits;        /* legacy audio: 8 or 16 */
    int channels;           /* legacy audio: 1 or 2 */
    int frame_type;         /* video: enum rtmpkit_tag_frame; audio: 0 */
    int packet;             /* enum rtmpkit_tag_packet */
    int coded_frames_x;     /* enhanced: CodedFramesX (frames without composition times) */
    int keyframe;           /* video: a key frame; audio: always 1 */
    int config;             /* a sequence header: SEQUENCE_START or MPEG2TS_SEQUENCE_START */
    int frame;              /* carries a coded frame: CODED_FRAMES with a payload */
    uint32_t nano_offset;   /* ModEx TimestampOffsetNano: ns to add to the timestamp; 0 when absent */
    int multitrack;         /* 1: a Multitrack header; multitrack_type says which */
    int multitrack_type;    /* enum rtmpkit_tag_multitrack */
    rtmpkit_tag_track track;    /* the first track (the only one unless MANY_TRACKS*) */
    /* Internal, for rtmpkit_tag_next_track. */
    const uint8_t *body;
    size_t body_len;
    size_t next_track_at;
} rtmpkit_tag_header;

/* Parses the header of an audio (type 8) or video (type 9) tag body. Every track of a
 * multitrack tag is checked. Returns the number of tracks (>= 1), RTMPKIT_ETRUNCATED
 * when the body ends inside a header or a track, or RTMPKIT_EPROTOCOL when a field has a
 * reserved value (another tag type, a reserved frame or packet type, Multitrack inside
 * Multitrack...). Never reads outside (body, len); h points into body afterwards. On
 * an error *h is cleared: no flags, no tracks. */
RTMPKIT_API int rtmpkit_tag_parse(uint8_t type, const uint8_t *body, size_t len, rtmpkit_tag_header *h);

/* Iterates over the tracks of a parsed tag, first to last, with no limit on their number:
 *     rtmpkit_tag_track_iter it = { 0 }; rtmpkit_tag_track t;
 *     while (rtmpkit_tag_next_track(h, &it, &t) > 0) ...
 * Returns 1 with the next track in *t, 0 after the last. */
typedef struct rtmpkit_tag_track_iter {
    int started;
    size_t at;              /* where the next track starts in the body */
} rtmpkit_tag_track_iter;
RTMPKIT_API int rtmpkit_tag_next_track(const rtmpkit_tag_header *h, rtmpkit_tag_track_iter *it,
                                       rtmpkit_tag_track *t);
/* Finds the (first) track with this id; 1 when found, else 0. */
RTMPKIT_API int rtmpkit_tag_find_track(const rtmpkit_tag_header *h, uint8_t id, rtmpkit_tag_track *t);

/* Keeps only the tracks whose ids are among keep[0..n-1] in an audio or video tag body
 * (a tag that is not multitrack is track 0). Returns 1 when the body is to be kept as it
 * is (every track kept, or a body that does not parse: kept as received), 0 when none of
 * its tracks is kept (drop the tag), or 2 with the body rewritten into out: a Multitrack
 * tag with the kept tracks only (same header, ModEx, packet and FourCCs). Negative: out's
 * error. */
RTMPKIT_API int rtmpkit_tag_keep_tracks(uint8_t type, const uint8_t *body, size_t len, const uint8_t *keep,
                                        size_t n, rtmpkit_buf *out);

/* 1 for the tags a recorder keeps as configuration: sequence headers (also inside ModEx
 * or Multitrack), empty bodies, and every tag that is neither audio nor video (data). 0
 * otherwise, and for a body that does not parse. */
RTMPKIT_API int rtmpkit_tag_is_config(uint8_t type, const uint8_t *body, size_t len);

/* How long after its timestamp a video tag's latest picture is shown: the largest
 * composition time of its tracks (B-frames), in ms; 0 for audio, data, negative times and
 * a body that does not parse. */
RTMPKIT_API int32_t rtmpkit_tag_shown_after_ms(uint8_t type, const uint8_t *body, size_t len);


/* Appends a tag body with the header h describes and one track, h->track (its data is
 * copied as the payload; NULL with len 0 writes the header only). Used fields: type,
 * enhanced; legacy: codec, sample_rate/sample_bits/channels (audio), frame_type, packet,
 * track.cts (AVC/HEVC, clamped to 24 bits); enhanced: frame_type (video), packet,
 * coded_frames_x, nano_offset (a ModEx block when not 0), multitrack/multitrack_type
 * and track.fourcc/id/cts. Composition times are written only where the format has
 * them: avc1/hvc1/vvc1 CodedFrames, written as CodedFramesX instead when
 * coded_frames_x is set and the cts is 0. Returns 0, or RTMPKIT_EUSAGE when h cannot
 * be written (a value out of range, a packet the format does not have), or the buffer's
 * error; errors are also left sticky in out->err. */
RTMPKIT_API int rtmpkit_tag_put(rtmpkit_buf *out, const rtmpkit_tag_header *h);
/* The same with n tracks: several tracks need h->multitrack with MANY_TRACKS (all
 * FourCCs the same) or MANY_TRACKS_MANY_CODECS; h->track is not used. */
RTMPKIT_API int rtmpkit_tag_put_tracks(rtmpkit_buf *out, const rtmpkit_tag_header *h,
                                       const rtmpkit_tag_track *tracks, size_t n);

#endif
