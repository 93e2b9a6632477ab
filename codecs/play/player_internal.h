/* What the files of the player share (not for its users: they have player.h): struct
 * rk_player, the window thread's struct view, the pacing constants that the audio thread
 * and the video clock both follow, and each file's entry points.
 *
 * Who writes what: the network reader (reader.c) owns the timeline and the queues' input,
 * and publishes the live edge and the stream's state through atomics and info_lock; the
 * decoder threads (decoders.c) own their decoders; the thread of rk_player_run owns
 * struct view (present.c, window.c, stats.c). Counters are atomics anyone may add to. */
#ifndef RK_PLAYER_INTERNAL_H
#define RK_PLAYER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "budget.h"
#include "player.h"
#include "queue.h"
#include "render.h"
#include "rtmpkit/timeline.h"

/* Catching up with the live edge, by the audio thread and by the video clock alike. */
#define CATCHUP_HARD_MS    1000               /* further behind than target + this: drop */
#define SPEEDUP            1.08               /* when behind target: play this much faster */
#define START_MS           3000               /* the start, when catching up is by dropping */
/* The player plays faster from the high mark down to the low mark: it stays well inside
 * the target, the rest of which absorbs the network's jitter. */
#define HIGH_MARK(target)  ((target) * 3 / 5)
#define LOW_MARK(target)   ((target) * 3 / 10)
#define STATS_INTERVAL_MS  1000
/* Low-latency mode, for targets below this: a small sound device buffer (an eighth of the
 * target), a short picture queue, no frame threading in the video decoder, and a picture
 * presented the moment it is decoded when it is already due. */
#define LOW_LATENCY_BELOW_MS 300
#define LOW_LATENCY_FRAMES  3                 /* decoded pictures waiting for their time */
#define JITTER_WINDOW_MS    5000              /* the link's best delay is the least over this */

/* The window thread's own: the window, the video clock and the stats of the interval. */
struct view {
    rk_window *win;
    struct rk_overlay *overlay;   /* the stats overlay (key i), see overlay.h */
    int show_stats_in_title;
    char title_base[512];
    char title_shown[700];
    /* The video clock, when there is no audio to follow: anchor + elapsed * speed. */
    int anchored;
    int64_t anchor_pts;
    uint64_t anchor_ms;
    double anchor_offset;
    double video_speed;
    int catching_up;
    uint64_t first_ms;         /* when the video clock first ran */
    int64_t last_clock;
    int64_t last_shown_pts;
    int shown_any;             /* last_shown_pts is a picture's */
    int audio_master;
    /* Stats over the current interval. */
    uint64_t stats_start_ms;
    uint64_t shown_at_start;
    double av_sum;
    int av_count;
    int av_max;
    int64_t last_latency_ms;   /* glass to glass, -1 unknown */
    struct rk_budget budget;   /* the latency budget of the interval's pictures */
    uint64_t last_shown_ms;    /* monotonic time the last picture was shown */
    uint64_t stats_bytes;      /* bytes_received when the last stats line was written, */
    uint64_t stats_last_ms;    /* and when (0: none yet) */
};

struct rk_player {
    struct rk_player_options opts;
    rtmpkit_log *log;             /* opts.log */
    const volatile sig_atomic_t *cancel;   /* opts.cancel */
    int headless;                 /* opts.headless */
    pthread_t net, vdec, adec;
    int started_net, started_v, started_a;
    atomic_int quit;              /* everyone stops */
    atomic_int net_done;          /* the network reader has finished */
    int net_err;                  /* its error (0: the stream ended, --duration, a signal) */

    struct packet_queue vq, aq;
    struct frame_queue fq;
    rtmpkit_timeline tl;          /* the network reader's: wire time -> the player's */
    int low_latency;              /* target below LOW_LATENCY_BELOW_MS */
    int video_need_key;           /* video packets were dropped: skip to a keyframe */

    rk_audio *audio;
    int audio_rate, audio_channels;
    atomic_int audio_threads_done;
    atomic_int video_thread_done;

    /* Written by the reader, read by the others. */
    atomic_llong edge_ts;         /* newest media timestamp received */
    atomic_llong edge_audio_ts;   /* newest audio timestamp received */
    atomic_ullong last_media_ms;  /* monotonic time of the newest media */
    atomic_ullong bytes_received; /* audio, video and data bodies (the overlay's bitrate) */
    atomic_int waiting;           /* the publisher stopped: waiting for it */
    atomic_int reconnecting;
    atomic_int reconnects;        /* connections made again so far */
    /* The time of the first frame after the newest gap (a reconnect, a publisher starting
     * again; INT64_MIN: none yet): a picture from before it is never shown once the clock
     * has passed it. segment_pending: the reader's own, a gap with no frame after it yet. */
    atomic_llong segment_start_ts;
    int segment_pending;
    pthread_mutex_t info_lock;    /* guards the strings and the timecode below */
    char meta_title[256];
    char video_desc[96], audio_desc[96];
    int have_timecode;
    int64_t timecode_ts;          /* stream time of the timecode ... */
    int64_t timecode_utc_ms;      /* ... and the wall-clock time it was captured */
    struct rk_series jitter;      /* the interval's video arrivals: delay over the link's best */
    double speed;                 /* audio playback speed (catching up) */
    int audio_catching_up;        /* the audio thread's own */
    uint64_t audio_start_ms;      /* the audio thread's own: when the first frame played */
    /* Enhanced RTMP audio tracks: the one played (--audio-track, then key a), the ids the
     * stream has carried (a bit each), and the unknown FourCCs the reader warned about. */
    atomic_int audio_track;
    atomic_ullong audio_tracks_seen[4];
    int video_track;              /* the video track shown (--video-track), for the whole run */
    atomic_ullong video_tracks_seen[4];
    uint32_t warned_fourcc[8];    /* the reader's own */
    int n_warned_fourcc;
    atomic_llong video_pts_ns;    /* the exact presentation time of the newest decoded picture */
    /* The reader's own: the least (arrival - media time) of this and the last window. */
    int64_t jitter_min[2];
    uint64_t jitter_window_start;

    /* Counters. */
    atomic_ullong video_frames, audio_frames, audio_samples;
    atomic_ullong packets_dropped, frames_dropped, frames_shown, audio_dropped_ms;
    atomic_ullong frames_late;    /* shown more than a frame interval after they were due */
    atomic_ullong frames_repeated;   /* a picture left on screen a frame interval too long */

    uint64_t start_ms;            /* monotonic time rk_player_run started */
    struct view view;
};

static inline int64_t utc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* reader.c: the network reader's thread (arg: the player). Plays the stream until it
 * ends, --duration, quit or an error (in net_err), then ends the packet queues. */
void *rk_player_reader_thread(void *arg);

/* decoders.c: the decoder threads (arg: the player). Each ends at the end of its packet
 * queue or at quit; the video one then ends the frame queue. */
void *rk_player_video_thread(void *arg);
void *rk_player_audio_thread(void *arg);

/* reader.c: the next playable audio track the stream has carried after the one played,
 * or -1 when it has carried one track or none. */
int rk_player_next_audio_track(struct rk_player *pl);
/* The number of audio tracks (in codecs the player knows) the stream has carried so far. */
int rk_player_audio_track_count(struct rk_player *pl);
/* The same for video tracks. */
int rk_player_video_track_count(struct rk_player *pl);

/* present.c: shows the frame due now by the master clock, dropping those whose successor
 * is due as well. Returns how many ms until the next frame is due (for the wait). */
int rk_player_present(struct rk_player *pl, struct view *v);

/* window.c: the window's loop, until the stream has played out, quit or a signal. */
void rk_player_run_window(struct rk_player *pl, struct view *v);

/* stats.c: one stats line on stderr (text or JSON) for the interval that ends at t. */
void rk_player_print_stats(struct rk_player *pl, struct view *v, uint64_t t, double fps);

#endif
