/* Audio/video tag body headers, legacy and Enhanced RTMP v2: see rtmpkit/flvtag.h. */
#include "rtmpkit/flvtag.h"

#include <string.h>

#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"

/* Wire values of the enhanced packet types. */
enum {
    VIDEO_SEQUENCE_START = 0,
    VIDEO_CODED_FRAMES = 1,
    VIDEO_SEQUENCE_END = 2,
    VIDEO_CODED_FRAMES_X = 3,
    VIDEO_METADATA = 4,
    VIDEO_MPEG2TS_SEQUENCE_START = 5,
    VIDEO_MULTITRACK = 6,
    VIDEO_MODEX = 7,
    AUDIO_SEQUENCE_START = 0,
    AUDIO_CODED_FRAMES = 1,
    AUDIO_SEQUENCE_END = 2,
    AUDIO_MULTICHANNEL_CONFIG = 4,
    AUDIO_MULTITRACK = 5,
    AUDIO_MODEX = 7,
};

#define EX_VIDEO_FLAG       0x80
#define MODEX_NANO_OFFSET   0       /* ModExType TimestampOffsetNano */
#define MODEX_LONG_SIZE     255     /* size-1 byte saying a UI16 size-1 follows */
#define NANO_OFFSET_SIZE    3
#define SI24_MAX            0x7FFFFF
#define SI24_MIN            (-0x800000)

static int32_t read_si24(rtmpkit_reader *r)
{
    int32_t v = (int32_t)rtmpkit_read_u24(r);
    return v & 0x800000 ? v - 0x1000000 : v;
}

static int32_t clamp_si24(int32_t v)
{
    return v > SI24_MAX ? SI24_MAX : v < SI24_MIN ? SI24_MIN : v;
}

/* Only these FourCCs carry a composition time in CodedFrames. */
static int fourcc_has_cts(uint32_t fourcc)
{
    return fourcc == RTMPKIT_FOURCC_AVC1 || fourcc == RTMPKIT_FOURCC_HVC1 || fourcc == RTMPKIT_FOURCC_VVC1;
}

static int valid_frame_type(int frame_type)
{
    return frame_type >= RTMPKIT_TAG_FRAME_KEY && frame_type <= RTMPKIT_TAG_FRAME_COMMAND;
}

/* The flags every parse derives from the packet and frame type. */
static void derive_flags(rtmpkit_tag_header *h)
{
    if (h->type == RTMPKIT_FLV_AUDIO)
        h->keyframe = 1;
    else
        h->keyframe = h->frame_type == RTMPKIT_TAG_FRAME_KEY || h->frame_type == RTMPKIT_TAG_FRAME_GENERATED_KEY;
    h->config = h->packet == RTMPKIT_TAG_SEQUENCE_START || h->packet == RTMPKIT_TAG_MPEG2TS_SEQUENCE_START;
    h->frame = h->packet == RTMPKIT_TAG_CODED_FRAMES && h->track.len > 0;
}

/* The rest of the reader is the single track's payload. */
static void take_rest(rtmpkit_reader *r, rtmpkit_tag_track *t)
{
    t->len = rtmpkit_reader_left(r);
    t->data = rtmpkit_read_bytes(r, t->len);
}

/* ---- legacy ---- */

static int parse_legacy_video(rtmpkit_reader *r, uint8_t b0, rtmpkit_tag_header *h)
{
    int avc_packet;
    h->frame_type = b0 >> 4;
    h->codec = b0 & 0x0F;
    if (!valid_frame_type(h->frame_type))
        return RTMPKIT_EPROTOCOL;
    if (h->frame_type == RTMPKIT_TAG_FRAME_COMMAND) {
        h->packet = RTMPKIT_TAG_COMMAND;
        take_rest(r, &h->track);
        return 0;
    }
    h->packet = RTMPKIT_TAG_CODED_FRAMES;
    if (h->codec == RTMPKIT_VIDEO_CODEC_AVC || h->codec == RTMPKIT_VIDEO_CODEC_HEVC) {
        h->track.fourcc = h->codec == RTMPKIT_VIDEO_CODEC_AVC ? RTMPKIT_FOURCC_AVC1 : RTMPKIT_FOURCC_HVC1;
        avc_packet = rtmpkit_read_u8(r);
        h->track.cts = read_si24(r);
        if (r->err)
            return r->err;
        if (avc_packet > 2)
            return RTMPKIT_EPROTOCOL;
        h->packet = avc_packet == 0 ? RTMPKIT_TAG_SEQUENCE_START
                  : avc_packet == 1 ? RTMPKIT_TAG_CODED_FRAMES : RTMPKIT_TAG_SEQUENCE_END;
        if (h->packet != RTMPKIT_TAG_CODED_FRAMES)
            h->track.cts = 0;
    }
    take_rest(r, &h->track);
    return 0;
}

static int parse_legacy_audio(rtmpkit_reader *r, uint8_t b0, rtmpkit_tag_header *h)
{
    static const int rates[4] = { 5512, 11025, 22050, 44100 };
    int aac_packet;
    h->codec = b0 >> 4;
    h->sample_rate = rates[(b0 >> 2) & 3];
    h->sample_bits = b0 & 2 ? 16 : 8;
    h->channels = (b0 & 1) + 1;
    h->packet = RTMPKIT_TAG_CODED_FRAMES;
    if (h->codec == RTMPKIT_SOUND_MP3 || h->codec == RTMPKIT_SOUND_MP3_8K)
        h->track.fourcc = RTMPKIT_FOURCC_MP3;
    if (h->codec == RTMPKIT_SOUND_AAC) {
        h->track.fourcc = RTMPKIT_FOURCC_MP4A;
        aac_packet = rtmpkit_read_u8(r);
        if (r->err)
            return r->err;
        if (aac_packet > 1)
            return RTMPKIT_EPROTOCOL;
        h->packet = aac_packet == 0 ? RTMPKIT_TAG_SEQUENCE_START : RTMPKIT_TAG_CODED_FRAMES;
    }
    take_rest(r, &h->track);
    return 0;
}

/* ---- enhanced ---- */

/* Reads ModEx blocks while the packet type says one follows; returns the real packet
 * type or an error. */
static int read_modex(rtmpkit_reader *r, int packet_type, int modex_type_value, rtmpkit_tag_header *h)
{
    while (packet_type == modex_type_value) {
        size_t size = (size_t)rtmpkit_read_u8(r) + 1;
        const uint8_t *data;
        int next;
        if (size == MODEX_LONG_SIZE + 1)
            size = (size_t)rtmpkit_read_u16(r) + 1;
        data = rtmpkit_read_bytes(r, size);
        next = rtmpkit_read_u8(r);
        if (r->err)
            return r->err;
        if (next >> 4 == MODEX_NANO_OFFSET) {
            if (size < NANO_OFFSET_SIZE)
                return RTMPKIT_EPROTOCOL;
            h->nano_offset = rtmpkit_rb24(data);
        }
        packet_type = next & 0x0F;
    }
    return packet_type;
}

/* Maps an enhanced packet type (not ModEx, not Multitrack) to the normalized one. */
static int video_packet(int packet_type)
{
    switch (packet_type) {
    case VIDEO_SEQUENCE_START: return RTMPKIT_TAG_SEQUENCE_START;
    case VIDEO_CODED_FRAMES: return RTMPKIT_TAG_CODED_FRAMES;
    case VIDEO_SEQUENCE_END: return RTMPKIT_TAG_SEQUENCE_END;
    case VIDEO_CODED_FRAMES_X: return RTMPKIT_TAG_CODED_FRAMES;
    case VIDEO_METADATA: return RTMPKIT_TAG_METADATA;
    case VIDEO_MPEG2TS_SEQUENCE_START: return RTMPKIT_TAG_MPEG2TS_SEQUENCE_START;
    }
    return RTMPKIT_EPROTOCOL;
}

static int audio_packet(int packet_type)
{
    switch (packet_type) {
    case AUDIO_SEQUENCE_START: return RTMPKIT_TAG_SEQUENCE_START;
    case AUDIO_CODED_FRAMES: return RTMPKIT_TAG_CODED_FRAMES;
    case AUDIO_SEQUENCE_END: return RTMPKIT_TAG_SEQUENCE_END;
    case AUDIO_MULTICHANNEL_CONFIG: return RTMPKIT_TAG_MULTICHANNEL_CONFIG;
    }
    return RTMPKIT_EPROTOCOL;
}

/* 1 when an enhanced track with this FourCC has a composition time: video CodedFrames
 * (x: CodedFramesX) of avc1/hvc1/vvc1. */
static int track_has_cts(const rtmpkit_tag_header *h, uint32_t fourcc, int x)
{
    return !x && h->type == RTMPKIT_FLV_VIDEO && h->packet == RTMPKIT_TAG_CODED_FRAMES && fourcc_has_cts(fourcc);
}

/* Reads one track of an enhanced tag at r: [FourCC] [trackId] [size], the composition
 * time where there is one, the payload. shared_fourcc is the tag's when the tracks do
 * not each have their own. */
static int read_track(rtmpkit_reader *r, const rtmpkit_tag_header *h, uint32_t shared_fourcc, rtmpkit_tag_track *t)
{
    rtmpkit_reader data;
    size_t size;
    memset(t, 0, sizeof *t);
    t->fourcc = shared_fourcc;
    if (h->multitrack) {
        if (h->multitrack_type == RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS)
            t->fourcc = rtmpkit_read_u32(r);
        t->id = rtmpkit_read_u8(r);
    }
    size = h->multitrack && h->multitrack_type != RTMPKIT_TAG_ONE_TRACK ? rtmpkit_read_u24(r) : rtmpkit_reader_left(r);
    rtmpkit_reader_init(&data, rtmpkit_read_bytes(r, size), size);
    if (r->err)
        return r->err;
    if (track_has_cts(h, t->fourcc, h->coded_frames_x))
        t->cts = read_si24(&data);
    take_rest(&data, t);
    return data.err;
}

static int parse_enhanced(rtmpkit_reader *r, uint8_t b0, rtmpkit_tag_header *h)
{
    int video = h->type == RTMPKIT_FLV_VIDEO;
    int packet_type = b0 & 0x0F;
    uint32_t fourcc = 0;
    int packet, mt, count, err;

    h->enhanced = 1;
    h->codec = -1;
    if (video && !valid_frame_type(h->frame_type = (b0 >> 4) & 7))
        return RTMPKIT_EPROTOCOL;
    if ((packet_type = read_modex(r, packet_type, video ? VIDEO_MODEX : AUDIO_MODEX, h)) < 0)
        return packet_type;
    /* A command frame has a command byte and no FourCC; metadata may use frame type 5. */
    if (video && h->frame_type == RTMPKIT_TAG_FRAME_COMMAND && packet_type != VIDEO_METADATA) {
        h->packet = RTMPKIT_TAG_COMMAND;
        take_rest(r, &h->track);
        h->next_track_at = h->body_len;
        return 1;
    }
    if (packet_type == (video ? VIDEO_MULTITRACK : AUDIO_MULTITRACK)) {
        mt = rtmpkit_read_u8(r);
        if (r->err)
            return r->err;
        h->multitrack = 1;
        h->multitrack_type = mt >> 4;
        packet_type = mt & 0x0F;
        if (h->multitrack_type > RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS)
            return RTMPKIT_EPROTOCOL;
    }
    if ((packet = video ? video_packet(packet_type) : audio_packet(packet_type)) < 0)
        return packet;   /* also a Multitrack or ModEx after Multitrack */
    h->packet = packet;
    h->coded_frames_x = video && packet_type == VIDEO_CODED_FRAMES_X;
    if (h->multitrack_type != RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS)
        fourcc = rtmpkit_read_u32(r);
    if (r->err)
        return r->err;
    if ((err = read_track(r, h, fourcc, &h->track)) < 0)
        return err;
    h->next_track_at = (size_t)(r->p - h->body);
    /* Every other track is checked now, so that iterating cannot fail. */
    for (count = 1; rtmpkit_reader_left(r) > 0; count++) {
        rtmpkit_tag_track t;
        if ((err = read_track(r, h, fourcc, &t)) < 0)
            return err;
    }
    return count;
}

int rtmpkit_tag_parse(uint8_t type, const uint8_t *body, size_t len, rtmpkit_tag_header *h)
{
    rtmpkit_reader r;
    uint8_t b0;
    int ret;

    memset(h, 0, sizeof *h);
    h->type = type;
    h->body = body;
    h->body_len = len;
    h->next_track_at = len;
    if (type != RTMPKIT_FLV_VIDEO && type != RTMPKIT_FLV_AUDIO)
        return RTMPKIT_EPROTOCOL;
    rtmpkit_reader_init(&r, body, len);
    b0 = rtmpkit_read_u8(&r);
    if (r.err)
        return r.err;
    if (type == RTMPKIT_FLV_VIDEO)
        ret = b0 & EX_VIDEO_FLAG ? parse_enhanced(&r, b0, h) : parse_legacy_video(&r, b0, h);
    else
        ret = b0 >> 4 == RTMPKIT_SOUND_EX_HEADER ? parse_enhanced(&r, b0, h) : parse_legacy_audio(&r, b0, h);
    if (ret < 0) {
        memset(h, 0, sizeof *h);
        return ret;
    }
    derive_flags(h);
    return ret > 0 ? ret : 1;
}

int rtmpkit_tag_next_track(const rtmpkit_tag_header *h, rtmpkit_tag_track_iter *it, rtmpkit_tag_track *t)
{
    rtmpkit_reader r;
    uint32_t shared_fourcc = h->multitrack_type == RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS ? 0 : h->track.fourcc;
    if (!h->body)
        return 0;   /* not a parsed tag */
    if (!it->started) {
        *t = h->track;
        it->started = 1;
        it->at = h->next_track_at;
        return 1;
    }
    if (it->at >= h->body_len)
        return 0;
    rtmpkit_reader_init(&r, h->body + it->at, h->body_len - it->at);
    if (read_track(&r, h, shared_fourcc, t) < 0) {
        it->at = h->body_len;   /* not a parsed header: stop */
        return 0;
    }
    it->at = (size_t)(r.p - h->body);
    return 1;
}

int rtmpkit_tag_find_track(const rtmpkit_tag_header *h, uint8_t id, rtmpkit_tag_track *t)
{
    rtmpkit_tag_track_iter it = { 0 };
    while (rtmpkit_tag_next_track(h, &it, t) > 0)
        if (t->id == id)
            return 1;
    return 0;
}

static int kept(uint8_t id, const uint8_t *keep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (keep[i] == id)
            return 1;
    return 0;
}

/* The most tracks one rewritten tag keeps; a tag with more keeps its first ones. */
#define KEEP_TRACKS_MAX 256

int rtmpkit_tag_keep_tracks(uint8_t type, const uint8_t *body, size_t len, const uint8_t *keep, size_t n,
                            rtmpkit_buf *out)
{
    rtmpkit_tag_track tracks[KEEP_TRACKS_MAX], t;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_header h;
    size_t total = 0, matching = 0, count = 0;

    if (type != RTMPKIT_FLV_VIDEO && type != RTMPKIT_FLV_AUDIO)
        return 1;
    if (len == 0 || rtmpkit_tag_parse(type, body, len, &h) <= 0)
        return 1;
    while (rtmpkit_tag_next_track(&h, &it, &t) > 0) {
        total++;
        if (!kept(t.id, keep, n))
            continue;
        matching++;
        if (count < KEEP_TRACKS_MAX)
            tracks[count++] = t;
    }
    /* Compared with every matching track, not the capped count: a tag whose tracks are
     * all kept is kept whole, however many it has. */
    if (matching == total)
        return 1;
    if (matching == 0)
        return 0;
    return rtmpkit_tag_put_tracks(out, &h, tracks, count) < 0 ? out->err : 2;
}

int rtmpkit_tag_is_config(uint8_t type, const uint8_t *body, size_t len)
{
    rtmpkit_tag_header h;
    if (len == 0 || (type != RTMPKIT_FLV_VIDEO && type != RTMPKIT_FLV_AUDIO))
        return 1;
    return rtmpkit_tag_parse(type, body, len, &h) > 0 && h.config;
}

int32_t rtmpkit_tag_shown_after_ms(uint8_t type, const uint8_t *body, size_t len)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t;
    int32_t most = 0;
    if (type != RTMPKIT_FLV_VIDEO || rtmpkit_tag_parse(type, body, len, &h) <= 0)
        return 0;
    while (rtmpkit_tag_next_track(&h, &it, &t) > 0)
        if (t.cts > most)
            most = t.cts;
    return most;
}

/* ---- writing ---- */

static int fail_usage(rtmpkit_buf *out)
{
    if (!out->err)
        out->err = RTMPKIT_EUSAGE;
    return out->err;
}

static int legacy_rate_index(int rate)
{
    switch (rate) {
    case 5512: return 0;
    case 11025: return 1;
    case 22050: return 2;
    case 44100: return 3;
    }
    return -1;
}

static int put_legacy_video(rtmpkit_buf *out, const rtmpkit_tag_header *h, const rtmpkit_tag_track *t)
{
    int avc = h->codec == RTMPKIT_VIDEO_CODEC_AVC || h->codec == RTMPKIT_VIDEO_CODEC_HEVC;
    int command = h->packet == RTMPKIT_TAG_COMMAND;
    if (h->codec < 0 || h->codec > 15 || !valid_frame_type(h->frame_type)
        || command != (h->frame_type == RTMPKIT_TAG_FRAME_COMMAND))
        return fail_usage(out);
    if (!command && h->packet != RTMPKIT_TAG_CODED_FRAMES
        && !(avc && (h->packet == RTMPKIT_TAG_SEQUENCE_START || h->packet == RTMPKIT_TAG_SEQUENCE_END)))
        return fail_usage(out);
    rtmpkit_put_u8(out, (uint8_t)(h->frame_type << 4 | h->codec));
    if (avc && !command) {
        int32_t cts = h->packet == RTMPKIT_TAG_CODED_FRAMES ? clamp_si24(t->cts) : 0;
        rtmpkit_put_u8(out, h->packet == RTMPKIT_TAG_SEQUENCE_START ? 0 : h->packet == RTMPKIT_TAG_CODED_FRAMES ? 1 : 2);
        rtmpkit_put_u24(out, (uint32_t)cts & 0xFFFFFF);
    }
    return 0;
}

static int put_legacy_audio(rtmpkit_buf *out, const rtmpkit_tag_header *h)
{
    int rate = legacy_rate_index(h->sample_rate);
    int aac = h->codec == RTMPKIT_SOUND_AAC;
    if (h->codec < 0 || h->codec > 15 || h->codec == RTMPKIT_SOUND_EX_HEADER || rate < 0
        || (h->sample_bits != 8 && h->sample_bits != 16) || (h->channels != 1 && h->channels != 2))
        return fail_usage(out);
    if (h->packet != RTMPKIT_TAG_CODED_FRAMES && !(aac && h->packet == RTMPKIT_TAG_SEQUENCE_START))
        return fail_usage(out);
    rtmpkit_put_u8(out, (uint8_t)(h->codec << 4 | rate << 2 | (h->sample_bits == 16) << 1 | (h->channels == 2)));
    if (aac)
        rtmpkit_put_u8(out, h->packet == RTMPKIT_TAG_SEQUENCE_START ? 0 : 1);
    return 0;
}

/* The enhanced wire packet type for h, or -1 when the media type has no such packet. */
static int enhanced_packet_type(const rtmpkit_tag_header *h, int x)
{
    if (h->type == RTMPKIT_FLV_VIDEO) {
        switch (h->packet) {
        case RTMPKIT_TAG_SEQUENCE_START: return VIDEO_SEQUENCE_START;
        case RTMPKIT_TAG_CODED_FRAMES: return x ? VIDEO_CODED_FRAMES_X : VIDEO_CODED_FRAMES;
        case RTMPKIT_TAG_SEQUENCE_END: return VIDEO_SEQUENCE_END;
        case RTMPKIT_TAG_METADATA: return VIDEO_METADATA;
        case RTMPKIT_TAG_MPEG2TS_SEQUENCE_START: return VIDEO_MPEG2TS_SEQUENCE_START;
        }
        return -1;
    }
    switch (h->packet) {
    case RTMPKIT_TAG_SEQUENCE_START: return AUDIO_SEQUENCE_START;
    case RTMPKIT_TAG_CODED_FRAMES: return AUDIO_CODED_FRAMES;
    case RTMPKIT_TAG_SEQUENCE_END: return AUDIO_SEQUENCE_END;
    case RTMPKIT_TAG_MULTICHANNEL_CONFIG: return AUDIO_MULTICHANNEL_CONFIG;
    }
    return -1;
}

/* Writes CodedFramesX only when asked and no track has a composition time to carry. */
static int use_coded_frames_x(const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks, size_t n)
{
    if (!h->coded_frames_x)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tracks[i].cts != 0 && fourcc_has_cts(tracks[i].fourcc))
            return 0;
    return 1;
}

/* Byte 0 with the packet type that comes first, behind a ModEx block when there is a
 * nano offset. */
static void put_first_byte(rtmpkit_buf *out, const rtmpkit_tag_header *h, int first)
{
    int video = h->type == RTMPKIT_FLV_VIDEO;
    uint8_t top = video ? (uint8_t)(EX_VIDEO_FLAG | h->frame_type << 4) : (uint8_t)(RTMPKIT_SOUND_EX_HEADER << 4);
    if (h->nano_offset) {
        rtmpkit_put_u8(out, (uint8_t)(top | (video ? VIDEO_MODEX : AUDIO_MODEX)));
        rtmpkit_put_u8(out, NANO_OFFSET_SIZE - 1);
        rtmpkit_put_u24(out, h->nano_offset);
        rtmpkit_put_u8(out, (uint8_t)(MODEX_NANO_OFFSET << 4 | first));
    } else {
        rtmpkit_put_u8(out, (uint8_t)(top | first));
    }
}

/* Byte 0 (and ModEx), the Multitrack header, the shared FourCC. */
static void put_enhanced_header(rtmpkit_buf *out, const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks,
                                int packet_type)
{
    int video = h->type == RTMPKIT_FLV_VIDEO;
    put_first_byte(out, h, h->multitrack ? (video ? VIDEO_MULTITRACK : AUDIO_MULTITRACK) : packet_type);
    if (h->multitrack)
        rtmpkit_put_u8(out, (uint8_t)(h->multitrack_type << 4 | packet_type));
    if (h->multitrack_type != RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS)
        rtmpkit_put_u32(out, tracks[0].fourcc);
}

/* [FourCC] [trackId] [size] [cts] payload. */
static void put_enhanced_track(rtmpkit_buf *out, const rtmpkit_tag_header *h, const rtmpkit_tag_track *t, int x)
{
    int cts = track_has_cts(h, t->fourcc, x);
    if (h->multitrack) {
        if (h->multitrack_type == RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS)
            rtmpkit_put_u32(out, t->fourcc);
        rtmpkit_put_u8(out, t->id);
        if (h->multitrack_type != RTMPKIT_TAG_ONE_TRACK)
            rtmpkit_put_u24(out, (uint32_t)((cts ? 3 : 0) + t->len));
    }
    if (cts)
        rtmpkit_put_u24(out, (uint32_t)clamp_si24(t->cts) & 0xFFFFFF);
    rtmpkit_put_bytes(out, t->data, t->len);
}

/* 1 when the tracks fit the header: their number, shared FourCC, sizes. */
static int tracks_fit(const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks, size_t n, int x)
{
    int many = h->multitrack && h->multitrack_type != RTMPKIT_TAG_ONE_TRACK;
    if (n != 1 && !many)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (h->multitrack_type == RTMPKIT_TAG_MANY_TRACKS && tracks[i].fourcc != tracks[0].fourcc)
            return 0;
        if (many && (track_has_cts(h, tracks[i].fourcc, x) ? 3 : 0) + tracks[i].len > 0xFFFFFF)
            return 0;
    }
    return 1;
}

static int put_enhanced(rtmpkit_buf *out, const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks, size_t n)
{
    int video = h->type == RTMPKIT_FLV_VIDEO;
    int x = use_coded_frames_x(h, tracks, n);
    int packet_type = enhanced_packet_type(h, x);

    if (h->nano_offset > 0xFFFFFF)
        return fail_usage(out);
    if (video && h->packet == RTMPKIT_TAG_COMMAND) {
        /* A command frame: byte 0 (with any ModEx) and the command, in the payload. */
        if (h->frame_type != RTMPKIT_TAG_FRAME_COMMAND || h->multitrack || h->multitrack_type || n != 1)
            return fail_usage(out);
        put_first_byte(out, h, VIDEO_CODED_FRAMES);
        rtmpkit_put_bytes(out, tracks[0].data, tracks[0].len);
        return out->err;
    }
    if (packet_type < 0 || (video && !valid_frame_type(h->frame_type))
        || (video && h->frame_type == RTMPKIT_TAG_FRAME_COMMAND && h->packet != RTMPKIT_TAG_METADATA)
        || (h->multitrack && (h->multitrack_type < RTMPKIT_TAG_ONE_TRACK
                              || h->multitrack_type > RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS))
        || (!h->multitrack && h->multitrack_type != RTMPKIT_TAG_ONE_TRACK)
        || !tracks_fit(h, tracks, n, x))
        return fail_usage(out);
    put_enhanced_header(out, h, tracks, packet_type);
    for (size_t i = 0; i < n; i++)
        put_enhanced_track(out, h, &tracks[i], x);
    return out->err;
}

int rtmpkit_tag_put_tracks(rtmpkit_buf *out, const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks, size_t n)
{
    int err;
    if (out->err)
        return out->err;
    if (n == 0 || (h->type != RTMPKIT_FLV_VIDEO && h->type != RTMPKIT_FLV_AUDIO))
        return fail_usage(out);
    if (h->enhanced)
        return put_enhanced(out, h, tracks, n);
    if (n != 1 || h->multitrack || h->nano_offset)
        return fail_usage(out);
    err = h->type == RTMPKIT_FLV_VIDEO ? put_legacy_video(out, h, tracks) : put_legacy_audio(out, h);
    if (err < 0)
        return err;
    rtmpkit_put_bytes(out, tracks[0].data, tracks[0].len);
    return out->err;
}

int rtmpkit_tag_put(rtmpkit_buf *out, const rtmpkit_tag_header *h)
{
    return rtmpkit_tag_put_tracks(out, h, &h->track, 1);
}
