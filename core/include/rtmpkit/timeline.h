/* A timeline: the 32-bit wire timestamps of a played stream's tags mapped to output times
 * that a recorder can write and a player can schedule.
 *
 * All times are milliseconds. Per track (audio, video, data) the wire time is unwrapped
 * into 64 bits. The output never goes backwards on a track, and never jumps forward by
 * more than the real time that passed: the caller passes a monotonic now_ms (its clock,
 * any origin) with each tag.
 *
 * The output is made of segments. A segment starts at the first tag, after
 * rtmpkit_timeline_new_segment (the stream ended and begins again, a reconnect, a new
 * play), and when a track's wire time goes back by more than RTMPKIT_TIMELINE_BACK_MS or
 * forward by more than the real time passed plus RTMPKIT_TIMELINE_SLACK_MS (a publisher
 * that restarts at 0 or at another time). A segment's base is its first audio or video
 * frame; it continues after the highest output so far, the gap being the real time from
 * the last frame to the segment's first tag (at least 1 ms). With
 * RTMPKIT_TIMELINE_CLOSE_GAPS it starts where the last frames end instead: after the
 * last audio and video frames have lasted as long as the step between each track's last
 * two frames, and after the last picture is shown (rtmpkit_timeline_shown_at), so that
 * neither sound nor pictures of two segments overlap.
 *
 * Sequence headers (is_config) and data tags never set a segment's base nor start one.
 *
 * The struct is public so that callers can embed it; its fields are private: use the
 * functions. It holds no resources (nothing to free) and is not thread-safe. */
#ifndef RTMPKIT_TIMELINE_H
#define RTMPKIT_TIMELINE_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

/* A track whose wire time goes back further than this has a new publisher behind it. */
#define RTMPKIT_TIMELINE_BACK_MS   1000
/* A track whose wire time goes forward further than the real time passed plus this has
 * a new publisher behind it (servers send bursts faster than real time, but each step
 * of a burst is small). */
#define RTMPKIT_TIMELINE_SLACK_MS  1000

/* Flags for rtmpkit_timeline_init. */
#define RTMPKIT_TIMELINE_CLOSE_GAPS 0x1u   /* a new segment starts where the last frames end,
                                            * whatever time passed (a file without dead air) */
#define RTMPKIT_TIMELINE_SOURCE_CLOCK 0x2u /* the wire times are the source's own clock (a file
                                            * read faster than real time): a step forward is
                                            * never a restart, and now_ms is not used */

enum { RTMPKIT_TIMELINE_TRACKS = 3 };      /* audio, video, data */

typedef struct rtmpkit_timeline_track {
    int seen;                /* a frame of this track in the current segment */
    uint32_t last_wire;      /* its wire time ... */
    int64_t last_pos;        /* ... and its time from the segment's base */
    uint64_t last_now_ms;    /* when it came */
    int64_t last_out;        /* the track's highest output */
    int64_t last_step;       /* wire time between its last two frames: how long one lasts */
} rtmpkit_timeline_track;

typedef struct rtmpkit_timeline {
    unsigned flags;
    rtmpkit_timeline_track tracks[RTMPKIT_TIMELINE_TRACKS];
    int started;             /* a frame has been mapped */
    int pending;             /* the next tag starts a segment */
    int have_base;           /* the segment has its first frame */
    uint32_t ref_wire;       /* the newest frame: wire time and time from the base */
    int64_t ref_pos;
    int64_t offset;          /* output time of the segment's base */
    int64_t max_out;         /* highest output so far */
    int64_t max_shown;       /* latest time a picture is shown (rtmpkit_timeline_shown_at) */
    uint64_t last_now_ms;    /* when the newest frame came */
    int real_gap;            /* reconnected: a segment started before the next frame keeps
                              * the real time passed as its gap, even with CLOSE_GAPS */
} rtmpkit_timeline;

/* Starts an empty timeline: the first segment's base maps to 0. flags: 0, or
 * RTMPKIT_TIMELINE_CLOSE_GAPS and/or RTMPKIT_TIMELINE_SOURCE_CLOCK. */
RTMPKIT_API void rtmpkit_timeline_init(rtmpkit_timeline *tl, unsigned flags);

/* Maps one tag: type is RTMPKIT_FLV_AUDIO, _VIDEO or _DATA (anything else counts as
 * data), wire_ms its timestamp, is_config 1 for a sequence header (decoder configuration:
 * it is not a frame), now_ms the caller's monotonic clock when the tag came. Returns the
 * output time (>= 0). Data and sequence headers get the segment's start before its
 * base, else their place next to the frames, never before their track's last output. */
RTMPKIT_API int64_t rtmpkit_timeline_map(rtmpkit_timeline *tl, uint8_t type, uint32_t wire_ms,
                                         int is_config, uint64_t now_ms);

/* Where a tag of wire_ms (a data message: onFI timecodes, cue points) falls on the
 * audio/video timeline, without recording it: >= 0, or -1 when the segment has no base
 * yet. */
RTMPKIT_API int64_t rtmpkit_timeline_locate(const rtmpkit_timeline *tl, uint32_t wire_ms);

/* The next tag starts a new segment (call it when the stream ends or begins again, on a
 * reconnect, on a new play; calling it twice is calling it once). */
RTMPKIT_API void rtmpkit_timeline_new_segment(rtmpkit_timeline *tl);

/* The connection was lost and made again, the same stream expected. Tracks whose wire
 * times continue (the same publisher, a server that passes its times through) keep their
 * place: the time between is what the wire says. A track that restarts (a server that
 * counts from 0 for each player, a new publisher) starts a segment whose gap is the real
 * time that passed, even with RTMPKIT_TIMELINE_CLOSE_GAPS: a recording keeps the outage
 * as the time it lasted. */
RTMPKIT_API void rtmpkit_timeline_reconnected(rtmpkit_timeline *tl);

/* The video frame just mapped is shown at shown_ms (its output time plus its composition
 * time: B-frames are shown after they are decoded). With RTMPKIT_TIMELINE_CLOSE_GAPS a new
 * segment starts after the latest such picture has lasted a frame, so that none of its
 * pictures is shown before one of the segment before. */
RTMPKIT_API void rtmpkit_timeline_shown_at(rtmpkit_timeline *tl, int64_t shown_ms);

/* rtmpkit_timeline_map for a tag whose body is at hand: a video frame's picture is also
 * noted as shown at its output time plus its composition time (rtmpkit_timeline_shown_at,
 * rtmpkit_tag_shown_after_ms). What recorders and file readers call. */
RTMPKIT_API int64_t rtmpkit_timeline_map_tag(rtmpkit_timeline *tl, uint8_t type, uint32_t wire_ms, int is_config,
                                             const uint8_t *body, size_t len, uint64_t now_ms);

/* The highest output time so far (the length of a recording), 0 before any tag. */
RTMPKIT_API int64_t rtmpkit_timeline_duration(const rtmpkit_timeline *tl);

/* 1 when the current segment has its base (an audio or video frame), else 0. */
RTMPKIT_API int rtmpkit_timeline_has_base(const rtmpkit_timeline *tl);

#endif
