/* The probe: what a stream is, from its media messages (see rtmpkit/probe.h). */
#include "rtmpkit/probe.h"

#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"

#define DATA_VALUES       3       /* "@setDataFrame", "onMetaData", the object */
#define AUDIO_ONLY_MS     1000    /* audio enough to say what it is when there is no video */

struct rtmpkit_probe {
    uint64_t start_ms;
    rtmpkit_probe_track tracks[RTMPKIT_PROBE_MAX_TRACKS];
    size_t track_count;
    rtmpkit_amf metadata;
    uint64_t data_messages;
    uint64_t bad_tags;
};

rtmpkit_probe *rtmpkit_probe_new(uint64_t start_ms)
{
    rtmpkit_probe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->start_ms = start_ms;
    p->metadata.type = RTMPKIT_AMF_NULL;
    return p;
}

void rtmpkit_probe_free(rtmpkit_probe *p)
{
    if (!p)
        return;
    rtmpkit_amf_free(&p->metadata);
    free(p);
}

/* The track (type, id), made on first sight; NULL when the table is full. */
static rtmpkit_probe_track *track_of(rtmpkit_probe *p, uint8_t type, uint8_t id, const rtmpkit_tag_header *h)
{
    rtmpkit_probe_track *t;
    for (size_t i = 0; i < p->track_count; i++)
        if (p->tracks[i].type == type && p->tracks[i].id == id)
            return &p->tracks[i];
    if (p->track_count == RTMPKIT_PROBE_MAX_TRACKS)
        return NULL;
    t = &p->tracks[p->track_count++];
    memset(t, 0, sizeof *t);
    t->type = type;
    t->id = id;
    t->enhanced = h->enhanced;
    t->first_ms = t->last_ms = t->first_key_ms = t->last_key_ms = -1;
    t->first_key_wall_ms = t->key_interval_ms = -1;
    rtmpkit_codec_info_init(&t->codec, 0, type, h->codec);
    return t;
}

/* Codec facts from the tag: its FourCC, and what a legacy audio header says until (or
 * unless) a sequence header says better. */
static void note_codec(rtmpkit_probe_track *t, const rtmpkit_tag_header *h, const rtmpkit_tag_track *tr)
{
    if (t->have_config)
        return;
    if (tr->fourcc && t->codec.fourcc != tr->fourcc)
        rtmpkit_codec_info_init(&t->codec, tr->fourcc, t->type, h->codec);
    if (t->type == RTMPKIT_FLV_AUDIO && !h->enhanced && h->codec != RTMPKIT_SOUND_AAC) {
        t->codec.sample_rate = h->sample_rate;
        t->codec.channels = h->channels;
        t->codec.bit_depth = h->sample_bits;
    }
}

/* The frame's timestamp unwrapped against the track's last one (32-bit wire times wrap). */
static int64_t unwrap(const rtmpkit_probe_track *t, uint32_t wire)
{
    if (t->last_ms < 0)
        return wire;
    return t->last_ms + (int32_t)(wire - t->last_wire);
}

static void note_frame(rtmpkit_probe *p, rtmpkit_probe_track *t, const rtmpkit_tag_header *h, size_t len,
                       uint32_t wire, uint64_t now_ms)
{
    int64_t ms = unwrap(t, wire);
    if (t->frames > 0) {
        int64_t step = ms - t->last_ms;
        double mean = t->frames > 1 ? (double)(t->last_ms - t->first_ms) / (double)(t->frames - 1) : 0;
        if (step < 0)
            t->backwards++;
        if (step > t->max_step_ms)
            t->max_step_ms = step;
        if (t->frames > 1 && step >= RTMPKIT_PROBE_GAP_MIN_MS && (double)step > 3 * mean)
            t->gaps++;
    } else {
        t->first_ms = ms;
    }
    t->last_ms = ms;
    t->last_wire = wire;
    t->frames++;
    t->bytes += len;
    if (t->type != RTMPKIT_FLV_VIDEO || !h->keyframe)
        return;
    t->keyframes++;
    if (t->first_key_ms < 0) {
        t->first_key_ms = ms;
        t->frames_at_first_key = t->frames;
        t->first_key_wall_ms = now_ms >= p->start_ms ? (int64_t)(now_ms - p->start_ms) : 0;
    } else {
        uint64_t n = t->keyframes - 1;
        t->key_interval_ms = (ms - t->first_key_ms) / (int64_t)n;
        t->key_interval_frames = (double)(t->frames - t->frames_at_first_key) / (double)n;
    }
    t->last_key_ms = ms;
    t->frames_at_last_key = t->frames;
}

static int add_av(rtmpkit_probe *p, uint8_t type, uint32_t timestamp, const uint8_t *data, size_t len,
                  uint64_t now_ms)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track tr;
    if (len == 0)
        return 0;
    if (rtmpkit_tag_parse(type, data, len, &h) < 0) {
        p->bad_tags++;
        return 0;
    }
    while (rtmpkit_tag_next_track(&h, &it, &tr) > 0) {
        rtmpkit_probe_track *t = track_of(p, type, tr.id, &h);
        if (!t)
            continue;
        note_codec(t, &h, &tr);
        if (h.config && h.packet == RTMPKIT_TAG_SEQUENCE_START) {
            t->config_error = rtmpkit_codec_config_parse(t->codec.fourcc, tr.data, tr.len, &t->codec);
            if (t->config_error == 0 && !t->codec.name[0])
                rtmpkit_codec_info_init(&t->codec, t->codec.fourcc, type, h.codec);
            t->have_config = 1;
        } else if (h.frame) {
            note_frame(p, t, &h, tr.len, timestamp, now_ms);
        }
    }
    return 0;
}

/* Keeps the object of an onMetaData message (with or without @setDataFrame). */
static int add_data(rtmpkit_probe *p, const uint8_t *data, size_t len)
{
    rtmpkit_amf v[DATA_VALUES];
    int n = rtmpkit_amf0_decode_all(data, len, v, DATA_VALUES), first = 0;
    p->data_messages++;
    if (n == RTMPKIT_ENOMEM)
        return n;
    if (n < 0)
        return 0;
    if (n > 0 && v[0].type == RTMPKIT_AMF_STRING && strcmp(v[0].string, "@setDataFrame") == 0)
        first = 1;
    if (n > first + 1 && v[first].type == RTMPKIT_AMF_STRING && strcmp(v[first].string, "onMetaData") == 0
        && (v[first + 1].type == RTMPKIT_AMF_ECMA_ARRAY || v[first + 1].type == RTMPKIT_AMF_OBJECT)) {
        rtmpkit_amf_free(&p->metadata);
        p->metadata = v[first + 1];
        v[first + 1].type = RTMPKIT_AMF_NULL;   /* moved */
        v[first + 1].props = NULL;
        v[first + 1].count = 0;
    }
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&v[i]);
    return 0;
}

int rtmpkit_probe_add(rtmpkit_probe *p, uint8_t type, uint32_t timestamp, const uint8_t *data, size_t len,
                      uint64_t now_ms)
{
    if (type == RTMPKIT_FLV_DATA)
        return add_data(p, data, len);
    if (type == RTMPKIT_FLV_AUDIO || type == RTMPKIT_FLV_VIDEO)
        return add_av(p, type, timestamp, data, len, now_ms);
    return 0;
}

/* Codecs whose decoder needs a sequence header. */
static int needs_config(const rtmpkit_probe_track *t)
{
    switch (t->codec.fourcc) {
    case RTMPKIT_FOURCC_AVC1: case RTMPKIT_FOURCC_HVC1: case RTMPKIT_FOURCC_VVC1: case RTMPKIT_FOURCC_AV01:
    case RTMPKIT_FOURCC_VP09: case RTMPKIT_FOURCC_MP4A: case RTMPKIT_FOURCC_OPUS: case RTMPKIT_FOURCC_FLAC:
        return 1;
    }
    return 0;
}

int rtmpkit_probe_complete(const rtmpkit_probe *p)
{
    int video = 0, audio_done = 0;
    for (size_t i = 0; i < p->track_count; i++) {
        const rtmpkit_probe_track *t = &p->tracks[i];
        if (needs_config(t) && !t->have_config)
            return 0;
        if (t->type == RTMPKIT_FLV_VIDEO) {
            video = 1;
            if (t->keyframes < RTMPKIT_PROBE_KEYFRAMES)
                return 0;
        } else if (t->frames > 0 && t->last_ms - t->first_ms >= AUDIO_ONLY_MS) {
            audio_done = 1;
        }
    }
    return video || audio_done;
}

size_t rtmpkit_probe_track_count(const rtmpkit_probe *p)
{
    return p->track_count;
}

const rtmpkit_probe_track *rtmpkit_probe_track_at(const rtmpkit_probe *p, size_t i)
{
    return i < p->track_count ? &p->tracks[i] : NULL;
}

double rtmpkit_probe_track_fps(const rtmpkit_probe_track *t)
{
    if (t->frames < 2 || t->last_ms <= t->first_ms)
        return 0;
    return (double)(t->frames - 1) * 1000.0 / (double)(t->last_ms - t->first_ms);
}

double rtmpkit_probe_track_bitrate(const rtmpkit_probe_track *t)
{
    /* n frames span n - 1 steps; the last frame lasts one more mean step */
    double span;
    if (t->frames < 2 || t->last_ms <= t->first_ms)
        return 0;
    span = (double)(t->last_ms - t->first_ms) * (double)t->frames / (double)(t->frames - 1);
    return (double)t->bytes * 8 * 1000.0 / span;
}

int64_t rtmpkit_probe_media_ms(const rtmpkit_probe *p)
{
    int64_t longest = 0;
    for (size_t i = 0; i < p->track_count; i++)
        if (p->tracks[i].frames > 0 && p->tracks[i].last_ms - p->tracks[i].first_ms > longest)
            longest = p->tracks[i].last_ms - p->tracks[i].first_ms;
    return longest;
}

const rtmpkit_amf *rtmpkit_probe_metadata(const rtmpkit_probe *p)
{
    return &p->metadata;
}

uint64_t rtmpkit_probe_data_messages(const rtmpkit_probe *p)
{
    return p->data_messages;
}

uint64_t rtmpkit_probe_bad_tags(const rtmpkit_probe *p)
{
    return p->bad_tags;
}
