/* A probe: fed the media messages of a stream as they arrive, it says what the stream
 * is: per track the codec and its configuration (rtmpkit/codecinfo.h), frames,
 * keyframes and their interval, bit rate, frame rate, timestamp gaps and when the first
 * keyframe came; and the stream's onMetaData. Sans-I/O: the caller gives the time. */
#ifndef RTMPKIT_PROBE_H
#define RTMPKIT_PROBE_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/amf.h"
#include "rtmpkit/codecinfo.h"

#define RTMPKIT_PROBE_MAX_TRACKS   16    /* tracks followed; more are counted, not followed */
#define RTMPKIT_PROBE_GAP_MIN_MS   250   /* a step shorter than this is never a gap */
#define RTMPKIT_PROBE_KEYFRAMES    2     /* keyframes per video track before it is complete */

typedef struct rtmpkit_probe_track {
    uint8_t type;               /* RTMPKIT_FLV_VIDEO or RTMPKIT_FLV_AUDIO */
    uint8_t id;                 /* the Enhanced RTMP track id; 0 is the default track */
    int enhanced;               /* its tags have Enhanced RTMP headers */
    rtmpkit_codec_info codec;   /* from the sequence header, else from the tag headers */
    int have_config;            /* a sequence header came */
    int config_error;           /* it did not parse: the error (the codec facts are partial) */
    uint64_t frames;            /* coded frames (sequence headers not counted) */
    uint64_t keyframes;         /* video */
    uint64_t bytes;             /* the frames' payload bytes (tag headers not counted) */
    int64_t first_ms, last_ms;  /* the first and last frame's timestamp, unwrapped; -1: none */
    int64_t first_key_wall_ms;  /* ms after the probe's start when the first keyframe came; -1 */
    int64_t key_interval_ms;    /* keyframe to keyframe, the mean; -1: fewer than 2 keyframes */
    double key_interval_frames; /* the same in frames; 0: unknown */
    int64_t max_step_ms;        /* the longest step between two consecutive frames */
    uint64_t gaps;              /* steps over 3 times the mean step and over RTMPKIT_PROBE_GAP_MIN_MS */
    uint64_t backwards;         /* steps that went back in time */
    /* internal */
    uint32_t last_wire;
    int64_t first_key_ms, last_key_ms;
    uint64_t frames_at_first_key, frames_at_last_key;
} rtmpkit_probe_track;

typedef struct rtmpkit_probe rtmpkit_probe;

/* start_ms: the caller's monotonic clock when it started (first_key_wall_ms counts from
 * it). NULL when out of memory. */
RTMPKIT_API rtmpkit_probe *rtmpkit_probe_new(uint64_t start_ms);
RTMPKIT_API void rtmpkit_probe_free(rtmpkit_probe *p);

/* One media message: type RTMPKIT_FLV_AUDIO, _VIDEO or _DATA, its 32-bit wire timestamp,
 * its body (not kept), now_ms on the caller's clock. Returns 0, or RTMPKIT_ENOMEM. Bodies
 * that do not parse are counted (rtmpkit_probe_bad_tags) and otherwise ignored. */
RTMPKIT_API int rtmpkit_probe_add(rtmpkit_probe *p, uint8_t type, uint32_t timestamp, const uint8_t *data,
                                  size_t len, uint64_t now_ms);

/* 1 when the probe has seen what it needs: every track's sequence header (for codecs
 * that have one) and RTMPKIT_PROBE_KEYFRAMES keyframes on each video track (one second
 * of audio when there is no video). onMetaData is not waited for: publishers send it
 * before media, so a stream without it by then has none. 0 otherwise. */
RTMPKIT_API int rtmpkit_probe_complete(const rtmpkit_probe *p);

RTMPKIT_API size_t rtmpkit_probe_track_count(const rtmpkit_probe *p);
/* The tracks in the order they first appeared; NULL past the end. */
RTMPKIT_API const rtmpkit_probe_track *rtmpkit_probe_track_at(const rtmpkit_probe *p, size_t i);

/* The measured frame rate (frames over their time span), 0 when under two frames. */
RTMPKIT_API double rtmpkit_probe_track_fps(const rtmpkit_probe_track *t);
/* The measured bit rate in bits per second over the frames' span; 0 when unknown. */
RTMPKIT_API double rtmpkit_probe_track_bitrate(const rtmpkit_probe_track *t);

/* The media seen, in ms: the longest span from a track's first frame to its last
 * (sequence headers and data, which servers send at time 0 to late joiners, not counted). */
RTMPKIT_API int64_t rtmpkit_probe_media_ms(const rtmpkit_probe *p);

/* The last onMetaData (or @setDataFrame onMetaData) object; a value of type NULL when
 * none came. Owned by the probe. */
RTMPKIT_API const rtmpkit_amf *rtmpkit_probe_metadata(const rtmpkit_probe *p);
/* Data messages seen, and tags whose headers did not parse. */
RTMPKIT_API uint64_t rtmpkit_probe_data_messages(const rtmpkit_probe *p);
RTMPKIT_API uint64_t rtmpkit_probe_bad_tags(const rtmpkit_probe *p);

#endif
