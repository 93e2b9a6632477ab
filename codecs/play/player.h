/* The engine of rtmp-play: watch an RTMP stream in a window, with sound, in sync, close
 * to live (or, headless, decode every frame of it without a window or a sound device).
 *
 * Threads: the network reader (an rtmpkit session) hands tag bodies to two bounded
 * packet queues; a video decoder thread fills a bounded queue of frames; an audio decoder
 * thread resamples into the audio device's bounded sample queue (the SDL callback plays
 * it and its position is the master clock); the thread that calls rk_player_run owns the
 * window, its events and the display of each frame at its time. A slow decoder never
 * stalls the network reader (video packets are dropped up to the next keyframe when its
 * queue is full) and nothing stalls the window. */
#ifndef RK_PLAYER_H
#define RK_PLAYER_H

#include <signal.h>
#include <stdint.h>

#include "rtmpkit/client.h"
#include "rtmpkit/log.h"
#include "rtmpkit/session.h"

#define RK_PLAYER_DEFAULT_LATENCY_MS 500
#define RK_PLAYER_MIN_LATENCY_MS     50    /* below it the device buffer and a frame exceed the target */

enum rk_player_stats { RK_PLAYER_STATS_OFF, RK_PLAYER_STATS_TEXT, RK_PLAYER_STATS_JSON };

/* Nothing here is copied: every pointer must stay valid until rk_player_close. */
struct rk_player_options {
    const rtmpkit_client_config *client;   /* how to connect (used again on each reconnect) */
    const char *stream;          /* the stream name to play */
    const char *url_title;       /* the URL with its secrets hidden: the window's default title */
    const char *title;           /* --title: the window title, or NULL (then onMetaData's, else url_title) */
    const char *name;            /* the prefix of the text stats lines ("rtmp-play") */
    double duration;             /* seconds of media to play, 0: until the end */
    int latency_ms;              /* target end-to-end buffer, >= RK_PLAYER_MIN_LATENCY_MS */
    int volume;                  /* 0..100 */
    int fullscreen;
    enum rk_player_stats stats;  /* a stats line on stderr every second */
    int no_audio, no_video;      /* not both */
    int audio_track;             /* the Enhanced RTMP audio track played (0: the default) */
    int video_track;             /* the Enhanced RTMP video track shown (0: the default) */
    /* No window, no sound: every frame is decoded, the end of the stream (or no media for
     * end_timeout_ms while the server still answers) ends the run. */
    int headless;
    /* no media this long: the server is asked (rtmpkit_session_config.no_media_end_ms); an
     * answer is the end (headless), silence a lost connection (> 0) */
    int end_timeout_ms;
    rtmpkit_reconnect_policy reconnect;   /* after a lost connection (the window says "reconnecting") */
    int follow_reconnect_request;         /* 1: move where the server's ReconnectRequest says */
    rtmpkit_log *log;            /* not owned; may be used from every thread */
    const volatile sig_atomic_t *cancel;   /* nonzero (a signal): stop as soon as possible */
};

/* What was decoded and shown, for the summary at the end. */
struct rk_player_totals {
    uint64_t video_frames;       /* decoded */
    uint64_t frames_shown;
    uint64_t frames_dropped;     /* decoded but late */
    uint64_t audio_frames;       /* decoded */
    uint64_t audio_samples;
    uint64_t packets_dropped;    /* never decoded: queues full, or skipping to a keyframe */
};

typedef struct rk_player rk_player;

/* Prepares a player; unless headless, opens the window (it appears with the first frame)
 * and the sound device (without it, the player plays without sound and warns). Returns 0,
 * or a negative RTMPKIT_E* error it has logged (no window: RTMPKIT_E* from rk_window_open). */
int rk_player_open(rk_player **out, const struct rk_player_options *opts);

/* Connects, plays, and returns when the stream has been played out, the window was
 * closed (q, Esc), --duration was reached, *cancel was set or the connection failed for
 * good. Call it once. Returns 0 (also after a cancel), or a negative error (logged). */
int rk_player_run(rk_player *pl);

void rk_player_get_totals(const rk_player *pl, struct rk_player_totals *totals);

/* Closes the window and the sound device and frees pl (NULL is fine). */
void rk_player_close(rk_player *pl);

#endif
