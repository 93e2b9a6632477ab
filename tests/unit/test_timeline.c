/* The timeline (core/timeline.c): unwrap, reorderings, composition times, publisher
 * restarts, forward jumps, reconnects, sequence headers and data. */
#include "check.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/timeline.h"

#define A RTMPKIT_FLV_AUDIO
#define V RTMPKIT_FLV_VIDEO
#define D RTMPKIT_FLV_DATA

static int64_t frame(rtmpkit_timeline *tl, uint8_t type, uint32_t wire, uint64_t now)
{
    return rtmpkit_timeline_map(tl, type, wire, 0, now);
}

static int64_t config(rtmpkit_timeline *tl, uint8_t type, uint32_t wire, uint64_t now)
{
    return rtmpkit_timeline_map(tl, type, wire, 1, now);
}

/* Video at 25 fps from wire time `from`, as fast as real time: returns the last output. */
static int64_t run_video(rtmpkit_timeline *tl, uint32_t from, int frames, uint64_t *now)
{
    int64_t out = -1;
    for (int i = 0; i < frames; i++, *now += 40)
        out = frame(tl, V, from + (uint32_t)(40 * i), *now);
    return out;
}

static void test_start_and_rebase(void)
{
    rtmpkit_timeline tl;
    rtmpkit_timeline_init(&tl, 0);
    CHECK_INT(rtmpkit_timeline_has_base(&tl), 0);
    CHECK_INT(rtmpkit_timeline_duration(&tl), 0);
    rtmpkit_timeline_new_segment(&tl);             /* before any tag: still from 0 */
    CHECK_INT(frame(&tl, V, 123456, 1000), 0);
    CHECK_INT(rtmpkit_timeline_has_base(&tl), 1);
    CHECK_INT(frame(&tl, A, 123470, 1010), 14);
    CHECK_INT(frame(&tl, V, 123496, 1040), 40);
    CHECK_INT(rtmpkit_timeline_duration(&tl), 40);
}

static void test_wrap(void)
{
    rtmpkit_timeline tl;
    uint64_t now = 5000;
    rtmpkit_timeline_init(&tl, 0);
    CHECK_INT(frame(&tl, A, 0xFFFFFF00u, now), 0);
    CHECK_INT(frame(&tl, A, 0xFFFFFF80u, now += 128), 128);
    CHECK_INT(frame(&tl, A, 0x00000100u, now += 384), 512);
    CHECK_INT(frame(&tl, V, 0x00000110u, now), 528);       /* a track first seen after the wrap */
    CHECK_INT(frame(&tl, A, 0x00000200u, now += 256), 768);
    /* Data and locate across the wrap too. */
    CHECK_INT(rtmpkit_timeline_locate(&tl, 0xFFFFFFF0u), 240);
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 0x00000200u, 0, now), 768);
}

static void test_small_reorderings(void)
{
    rtmpkit_timeline tl;
    rtmpkit_timeline_init(&tl, 0);
    /* One track stepping back 10 ms: clamped, not a restart. */
    CHECK_INT(frame(&tl, V, 1000, 0), 0);
    CHECK_INT(frame(&tl, V, 1040, 40), 40);
    CHECK_INT(frame(&tl, V, 1030, 80), 40);
    CHECK_INT(frame(&tl, V, 1080, 120), 80);               /* the wire time again: no rebase */
    /* Audio and video interleaved slightly out of order. */
    rtmpkit_timeline_init(&tl, 0);
    CHECK_INT(frame(&tl, A, 1000, 0), 0);
    CHECK_INT(frame(&tl, V, 990, 0), 0);                   /* before the base: held at 0 */
    CHECK_INT(frame(&tl, A, 1023, 20), 23);
    CHECK_INT(frame(&tl, V, 1023, 20), 23);
    CHECK_INT(frame(&tl, V, 1056, 50), 56);
    CHECK_INT(frame(&tl, A, 1046, 50), 46);
    CHECK_INT(frame(&tl, A, 1069, 70), 69);
    CHECK_INT(frame(&tl, V, 1089, 90), 89);
    CHECK_INT(rtmpkit_timeline_duration(&tl), 89);
}

static void test_composition_times(void)
{
    /* DTS of an IBBP stream (the composition times ride in the tag bodies, which the
     * timeline never sees): the DTS map one to one. */
    static const uint32_t dts[] = { 0, 33, 67, 100, 133, 167, 200 };
    /* A publisher that puts PTS in the timestamp: back by up to two frames, clamped. */
    static const uint32_t pts[] = { 0, 100, 33, 67, 200, 133, 167, 300 };
    static const int64_t pts_out[] = { 0, 100, 100, 100, 200, 200, 200, 300 };
    rtmpkit_timeline tl;
    rtmpkit_timeline_init(&tl, 0);
    for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++)
        CHECK_INT(frame(&tl, V, 90000 + dts[i], 33 * i), dts[i]);
    rtmpkit_timeline_init(&tl, 0);
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++)
        CHECK_INT(frame(&tl, V, 7000 + pts[i], 33 * i), pts_out[i]);
}

/* An AVC frame whose picture is shown cts ms after it is decoded, mapped with its body. */
static int64_t avc_frame(rtmpkit_timeline *tl, int key, uint32_t wire, int cts, uint64_t now)
{
    const uint8_t body[] = { key ? 0x17 : 0x27, 1, 0, (uint8_t)(cts >> 8), (uint8_t)cts, 0x65 };
    return rtmpkit_timeline_map_tag(tl, V, wire, 0, body, sizeof body, now);
}

/* With gaps closed a segment after B-frames starts once their last picture has been shown
 * for a frame: a keyframe right after the last decode time would be shown before them. */
static void test_segment_after_pictures_shown(void)
{
    rtmpkit_timeline tl;
    int64_t out;
    rtmpkit_timeline_init(&tl, RTMPKIT_TIMELINE_CLOSE_GAPS);
    avc_frame(&tl, 1, 1000, 80, 0);            /* I, shown 80 ms later */
    avc_frame(&tl, 0, 1040, 120, 40);          /* P, shown 120 ms later */
    out = avc_frame(&tl, 0, 1080, 0, 80);      /* B, shown at once: not the latest */
    CHECK_INT(out, 80);
    CHECK_INT(rtmpkit_timeline_duration(&tl), 80);
    rtmpkit_timeline_new_segment(&tl);
    CHECK_INT(frame(&tl, V, 0, 5000), 200);    /* 40 + 120 shown, for 40 ms; not 80 + 40 */
    CHECK_INT(frame(&tl, A, 10, 5010), 210);
    /* Without B-frames (shown when decoded): a frame after the last. */
    rtmpkit_timeline_init(&tl, RTMPKIT_TIMELINE_CLOSE_GAPS);
    rtmpkit_timeline_shown_at(&tl, frame(&tl, V, 1000, 0));
    rtmpkit_timeline_shown_at(&tl, frame(&tl, V, 1040, 40));
    rtmpkit_timeline_new_segment(&tl);
    CHECK_INT(frame(&tl, V, 0, 5000), 80);
}

static void test_publisher_restart(void)
{
    rtmpkit_timeline tl;
    uint64_t now = 0;
    int64_t last;

    /* At 0, half a second after the old one stopped. */
    rtmpkit_timeline_init(&tl, 0);
    last = run_video(&tl, 50000, 50, &now);
    CHECK_INT(last, 1960);
    now += 460;                                             /* 500 ms after the last frame */
    CHECK_INT(config(&tl, V, 0, now), last);                /* its header: no restart yet */
    CHECK_INT(frame(&tl, V, 0, now), last + 500);           /* back from 51960: a restart */
    CHECK_INT(frame(&tl, A, 0, now), last + 500);           /* the other track follows the base */
    CHECK_INT(frame(&tl, V, 40, now + 40), last + 540);

    /* At an arbitrary time, going back: 50000 -> 7000. */
    rtmpkit_timeline_init(&tl, 0);
    now = 0;
    last = run_video(&tl, 50000, 10, &now);
    CHECK_INT(frame(&tl, V, 7000, now), last + 40);
    CHECK_INT(frame(&tl, V, 7040, now + 40), last + 80);

    /* Going forward with little real time passing: 5000 -> 900000 is rebased. */
    rtmpkit_timeline_init(&tl, 0);
    now = 0;
    last = run_video(&tl, 5000, 10, &now);
    CHECK_INT(frame(&tl, V, 900000, now), last + 40);
    CHECK_INT(frame(&tl, A, 900010, now), last + 50);
    CHECK_INT(frame(&tl, V, 900040, now + 40), last + 80);
}

static void test_no_false_restart(void)
{
    rtmpkit_timeline tl;
    uint64_t now = 0;
    int64_t out = 0;
    /* A GOP cache (or a stalled link) released at once: 2 s of frames in no time. */
    rtmpkit_timeline_init(&tl, 0);
    for (int i = 0; i < 75; i++)
        out = frame(&tl, V, 10000 + 40 * (uint32_t)i, 0);
    CHECK_INT(out, 2960);
    /* A track that pauses for 10 s of real time comes back 10 s on: no restart. */
    rtmpkit_timeline_init(&tl, 0);
    now = 0;
    CHECK_INT(frame(&tl, V, 0, now), 0);
    for (int i = 1; i <= 250; i++)                          /* audio goes on, video stops */
        out = frame(&tl, A, 40 * (uint32_t)i, now += 40);
    CHECK_INT(out, 10000);
    CHECK_INT(frame(&tl, V, 10000, now), 10000);
    /* One forward step just inside elapsed + slack is kept; one past it is not. */
    rtmpkit_timeline_init(&tl, 0);
    CHECK_INT(frame(&tl, V, 0, 0), 0);
    CHECK_INT(frame(&tl, V, 1500, 500), 1500);
    CHECK_INT(frame(&tl, V, 3001, 1000), 2000);             /* 1501 > 500 + 1000: a new segment */
}

static void test_reconnect(void)
{
    rtmpkit_timeline tl;
    uint64_t now = 100000;
    int64_t last;

    /* The caller starts a new segment, 3 s pass, the new connection's wire time is
     * unrelated: the output continues 3 s later. */
    rtmpkit_timeline_init(&tl, 0);
    last = run_video(&tl, 70000, 25, &now);
    rtmpkit_timeline_new_segment(&tl);
    CHECK_INT(rtmpkit_timeline_has_base(&tl), 0);
    CHECK_INT(rtmpkit_timeline_locate(&tl, 71000), -1);
    rtmpkit_timeline_new_segment(&tl);                     /* twice is once */
    now += 3000 - 40;                                      /* 3 s after the last frame */
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 0, 0, now), last + 3000);
    CHECK_INT(config(&tl, A, 0, now), last + 3000);
    CHECK_INT(frame(&tl, V, 71000, now), last + 3000);     /* not the new wire time, not +1 */
    CHECK_INT(frame(&tl, V, 71040, now + 40), last + 3040);

    /* The same with gaps closed: where the last frame ends (it lasts a step, 40 ms). */
    rtmpkit_timeline_init(&tl, RTMPKIT_TIMELINE_CLOSE_GAPS);
    now = 0;
    last = run_video(&tl, 70000, 25, &now);
    rtmpkit_timeline_new_segment(&tl);
    CHECK_INT(frame(&tl, V, 0, now + 3000), last + 40);
    /* An implicit restart too. */
    CHECK_INT(frame(&tl, V, 40, now + 3040), last + 80);
    CHECK_INT(frame(&tl, V, 900000, now + 3080), last + 120);

    /* The caller's clock standing still or going back: at least 1 ms, never backwards. */
    rtmpkit_timeline_init(&tl, 0);
    CHECK_INT(frame(&tl, V, 500, 1000), 0);
    CHECK_INT(frame(&tl, V, 540, 1040), 40);
    rtmpkit_timeline_new_segment(&tl);
    CHECK_INT(frame(&tl, V, 0, 10), 41);
}

static void test_config_and_data(void)
{
    rtmpkit_timeline tl;
    uint64_t now = 0;
    rtmpkit_timeline_init(&tl, 0);
    /* Before the first frame: metadata and sequence headers at the segment's start, no
     * base (the frames that follow start from 0, not from the headers' wire time). */
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 0, 0, now), 0);
    CHECK_INT(rtmpkit_timeline_locate(&tl, 0), -1);
    CHECK_INT(config(&tl, V, 0, now), 0);
    CHECK_INT(config(&tl, A, 0, now), 0);
    CHECK_INT(rtmpkit_timeline_has_base(&tl), 0);
    CHECK_INT(frame(&tl, V, 123456, now), 0);
    CHECK_INT(rtmpkit_timeline_has_base(&tl), 1);
    CHECK_INT(frame(&tl, A, 123460, now), 4);
    run_video(&tl, 123496, 24, &now);                      /* up to 1 s */
    CHECK_INT(rtmpkit_timeline_duration(&tl), 960);
    /* Data on the audio/video timeline. */
    CHECK_INT(rtmpkit_timeline_locate(&tl, 123956), 500);
    CHECK_INT(rtmpkit_timeline_locate(&tl, 123000), 0);
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 123956, 0, now), 500);
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 124000, 0, now), 544);
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 123900, 0, now), 544);  /* never backwards */
    /* Data with a time far ahead: held near the newest frame, again and again. */
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 900000, 0, now), 960 + RTMPKIT_TIMELINE_SLACK_MS);
    CHECK_INT(rtmpkit_timeline_map(&tl, D, 950000, 0, now), 960 + RTMPKIT_TIMELINE_SLACK_MS);
    CHECK_INT(frame(&tl, V, 124456, now), 1000);
    /* A sequence header again, with time 0: no restart, not backwards, not a base. */
    CHECK_INT(config(&tl, V, 0, now), 1000);
    CHECK_INT(frame(&tl, V, 124496, now + 40), 1040);
    /* A sequence header slightly ahead: its own time. */
    CHECK_INT(config(&tl, V, 124516, now + 40), 1060);
    CHECK_INT(frame(&tl, V, 124536, now + 80), 1080);
}

/* A file read faster than real time (rtmp-push's FLV reader): its own clock is trusted,
 * forward steps stay, a step back (the file's timestamps restart) still starts a segment,
 * where the last frame ends; now_ms is never looked at. */
static void test_source_clock(void)
{
    rtmpkit_timeline tl, live;
    rtmpkit_timeline_init(&tl, RTMPKIT_TIMELINE_SOURCE_CLOCK);
    rtmpkit_timeline_init(&live, 0);
    CHECK_INT(frame(&tl, V, 1000, 0), 0);
    CHECK_INT(frame(&live, V, 1000, 0), 0);
    CHECK_INT(frame(&tl, V, 6000, 0), 5000);        /* a 5 s gap in the file is kept */
    CHECK_INT(frame(&live, V, 6000, 0), 1);         /* live, with no time passed: a restart */
    CHECK_INT(frame(&tl, V, 6040, 0), 5040);
    CHECK_INT(frame(&tl, V, 500, 99999), 5080);     /* back: a new segment, no real-time gap */
    CHECK_INT(frame(&tl, V, 540, 0), 5120);
    rtmpkit_timeline_new_segment(&tl);              /* the next loop of the file */
    CHECK_INT(config(&tl, V, 0, 0), 5160);
    CHECK_INT(frame(&tl, V, 1000, 77777), 5160);
}

/* rtmpkit_timeline_reconnected with CLOSE_GAPS: wire times that continue keep their
 * place (the wire's gap); wire times that restart get the real time passed, not a frame;
 * a later new segment closes its gap again. */
static void test_reconnected_keeps_real_gap(void)
{
    rtmpkit_timeline tl;
    uint64_t now = 1000;
    rtmpkit_timeline_init(&tl, RTMPKIT_TIMELINE_CLOSE_GAPS);
    CHECK_INT(run_video(&tl, 5000, 25, &now), 960);
    rtmpkit_timeline_reconnected(&tl);
    now += 2000;                                   /* the same publisher, 2 s later */
    CHECK_INT(frame(&tl, V, 5000 + 1000 + 2000, now), 1000 + 2000);
    rtmpkit_timeline_reconnected(&tl);
    now += 3000;                                   /* a server counting from 0 again */
    CHECK_INT(frame(&tl, V, 0, now), 3000 + 3000);
    CHECK_INT(frame(&tl, V, 40, now + 40), 6040);
    rtmpkit_timeline_new_segment(&tl);             /* --wait: the stream ends, comes back */
    CHECK_INT(frame(&tl, V, 0, now + 9000), 6080);
}

int main(void)
{
    test_start_and_rebase();
    test_wrap();
    test_small_reorderings();
    test_composition_times();
    test_segment_after_pictures_shown();
    test_publisher_restart();
    test_no_false_restart();
    test_reconnect();
    test_config_and_data();
    test_source_clock();
    test_reconnected_keeps_real_gap();
    return check_report("timeline");
}
