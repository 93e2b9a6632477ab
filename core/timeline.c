/* Wire timestamps -> output times: unwrap per track, rebase per segment, never backwards,
 * never further forward than the real time that passed (see rtmpkit/timeline.h). */
#include "rtmpkit/timeline.h"

#include <string.h>

#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"

enum { TRACK_AUDIO, TRACK_VIDEO, TRACK_DATA };

static int track_of(uint8_t type)
{
    return type == RTMPKIT_FLV_AUDIO ? TRACK_AUDIO : type == RTMPKIT_FLV_VIDEO ? TRACK_VIDEO : TRACK_DATA;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Milliseconds from then to now on the caller's clock; 0 if it went back. */
static int64_t elapsed(uint64_t then, uint64_t now)
{
    return now > then ? (int64_t)(now - then) : 0;
}

void rtmpkit_timeline_init(rtmpkit_timeline *tl, unsigned flags)
{
    memset(tl, 0, sizeof *tl);
    tl->flags = flags;
    tl->pending = 1;
}

void rtmpkit_timeline_new_segment(rtmpkit_timeline *tl)
{
    tl->pending = 1;
    tl->have_base = 0;
    for (int i = 0; i < RTMPKIT_TIMELINE_TRACKS; i++)
        tl->tracks[i].seen = 0;
}

/* Where the output ends: after the last audio frame and the last picture have lasted as
 * long as their track's last step (and after the highest output). */
static int64_t end_of_frames(const rtmpkit_timeline *tl)
{
    const rtmpkit_timeline_track *a = &tl->tracks[TRACK_AUDIO], *v = &tl->tracks[TRACK_VIDEO];
    int64_t end = tl->max_out + 1;
    end = max64(end, a->last_out + a->last_step);
    end = max64(end, max64(v->last_out, tl->max_shown) + v->last_step);
    return end;
}

/* Places a pending segment, now: after the highest output by the real time since the
 * last tag, or with gaps closed where the frames end (the very first segment starts at 0). */
static void place_segment(rtmpkit_timeline *tl, uint64_t now_ms)
{
    if (tl->started) {
        if (tl->real_gap || !(tl->flags & (RTMPKIT_TIMELINE_CLOSE_GAPS | RTMPKIT_TIMELINE_SOURCE_CLOCK)))
            tl->offset = tl->max_out + max64(elapsed(tl->last_now_ms, now_ms), 1);
        else
            tl->offset = end_of_frames(tl);
    }
    tl->pending = 0;
    tl->real_gap = 0;
}

/* A frame that goes back too far, or forward further than the time passed (unless the
 * wire time is the source's own clock): the publisher behind the track has restarted. */
static int is_discontinuity(const rtmpkit_timeline *tl, const rtmpkit_timeline_track *t, uint32_t wire_ms,
                            uint64_t now_ms)
{
    int64_t step = (int32_t)(wire_ms - t->last_wire);
    if (step < -RTMPKIT_TIMELINE_BACK_MS)
        return 1;
    return !(tl->flags & RTMPKIT_TIMELINE_SOURCE_CLOCK) &&
           step > elapsed(t->last_now_ms, now_ms) + RTMPKIT_TIMELINE_SLACK_MS;
}

/* The time from the segment's base of wire_ms on track t (base set): from the track's
 * last frame, or from the newest frame of any track. 32-bit differences: wraps vanish. */
static int64_t position(const rtmpkit_timeline *tl, const rtmpkit_timeline_track *t, uint32_t wire_ms)
{
    if (t->seen)
        return t->last_pos + (int32_t)(wire_ms - t->last_wire);
    return tl->ref_pos + (int32_t)(wire_ms - tl->ref_wire);
}

/* An audio or video frame: it may start a segment, it sets the base, it moves the track. */
static int64_t map_frame(rtmpkit_timeline *tl, rtmpkit_timeline_track *t, uint32_t wire_ms, uint64_t now_ms)
{
    int64_t pos;
    if (t->seen && is_discontinuity(tl, t, wire_ms, now_ms)) {
        rtmpkit_timeline_new_segment(tl);
        place_segment(tl, now_ms);
    }
    tl->real_gap = 0;   /* the first frame after a reconnect has found its place */
    if (!tl->have_base) {
        tl->have_base = 1;
        tl->ref_wire = wire_ms;
        tl->ref_pos = 0;
    }
    pos = position(tl, t, wire_ms);
    if (t->seen && pos > t->last_pos && pos - t->last_pos <= RTMPKIT_TIMELINE_SLACK_MS)
        t->last_step = pos - t->last_pos;
    t->seen = 1;
    t->last_wire = wire_ms;
    t->last_pos = pos;
    t->last_now_ms = now_ms;
    tl->ref_wire = wire_ms;
    tl->ref_pos = pos;
    tl->last_now_ms = now_ms;
    tl->started = 1;
    return tl->offset + pos;
}

/* A sequence header or data: placed next to the frames, moving nothing but its output.
 * A time far ahead of the newest frame is taken for a wrong one and held near it. */
static int64_t map_passive(const rtmpkit_timeline *tl, const rtmpkit_timeline_track *t, uint32_t wire_ms)
{
    int64_t lo = max64(t->last_out, tl->offset);
    int64_t hi = max64(lo, tl->offset + tl->ref_pos + RTMPKIT_TIMELINE_SLACK_MS);
    int64_t out = tl->have_base ? tl->offset + position(tl, t, wire_ms) : lo;
    return out < lo ? lo : out > hi ? hi : out;
}

int64_t rtmpkit_timeline_map(rtmpkit_timeline *tl, uint8_t type, uint32_t wire_ms, int is_config, uint64_t now_ms)
{
    rtmpkit_timeline_track *t = &tl->tracks[track_of(type)];
    int64_t out;
    if (tl->pending)
        place_segment(tl, now_ms);
    if (track_of(type) != TRACK_DATA && !is_config) {
        out = map_frame(tl, t, wire_ms, now_ms);   /* may move the offset: read it after */
        out = max64(out, max64(t->last_out, tl->offset));
    } else
        out = map_passive(tl, t, wire_ms);
    t->last_out = out;
    tl->max_out = max64(tl->max_out, out);
    return out;
}

int64_t rtmpkit_timeline_locate(const rtmpkit_timeline *tl, uint32_t wire_ms)
{
    if (!rtmpkit_timeline_has_base(tl))
        return -1;
    return max64(tl->offset + tl->ref_pos + (int32_t)(wire_ms - tl->ref_wire), 0);
}

void rtmpkit_timeline_reconnected(rtmpkit_timeline *tl)
{
    if (tl->started)
        tl->real_gap = 1;
}

void rtmpkit_timeline_shown_at(rtmpkit_timeline *tl, int64_t shown_ms)
{
    tl->max_shown = max64(tl->max_shown, shown_ms);
}

int64_t rtmpkit_timeline_map_tag(rtmpkit_timeline *tl, uint8_t type, uint32_t wire_ms, int is_config,
                                 const uint8_t *body, size_t len, uint64_t now_ms)
{
    int64_t out = rtmpkit_timeline_map(tl, type, wire_ms, is_config, now_ms);
    if (type == RTMPKIT_FLV_VIDEO && !is_config)
        rtmpkit_timeline_shown_at(tl, out + rtmpkit_tag_shown_after_ms(type, body, len));
    return out;
}

int64_t rtmpkit_timeline_duration(const rtmpkit_timeline *tl)
{
    return tl->max_out;
}

int rtmpkit_timeline_has_base(const rtmpkit_timeline *tl)
{
    return tl->have_base;
}
