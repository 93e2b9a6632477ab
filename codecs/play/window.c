/* The player's window loop, on the thread that called rk_player_run: it waits for window
 * events (keys, close, exposure) no longer than until the next picture is due, presents
 * pictures, shows the window even before the first one, keeps the title (the stream's
 * name and state, and the stats when asked for with s), ends each stats interval, and
 * stops once the stream has played out. */
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "overlay.h"
#include "player_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/log.h"

static void update_title(struct rk_player *pl, struct view *v, double fps)
{
    char title[700], tracks[256] = "", vtrack[48] = "", atrack[48] = "";
    const char *state = atomic_load(&pl->reconnecting) ? " - reconnecting"
                      : atomic_load(&pl->waiting) ? " - waiting for the stream" : "";
    int n_tracks = rk_player_audio_track_count(pl), n_video = rk_player_video_track_count(pl);
    pthread_mutex_lock(&pl->info_lock);
    const char *base = pl->opts.title ? pl->opts.title : pl->meta_title[0] ? pl->meta_title : v->title_base;
    /* A stream with several audio or video tracks (or another video track chosen): the
     * codecs and the tracks played (key a for audio). */
    if (n_video > 1 || pl->video_track)
        snprintf(vtrack, sizeof vtrack, "%svideo track %d of %d", pl->video_desc[0] ? ", " : "", pl->video_track,
                 n_video);
    if (n_tracks > 1)
        snprintf(atrack, sizeof atrack, ", audio track %d of %d", atomic_load(&pl->audio_track), n_tracks);
    if (vtrack[0] || atrack[0])
        snprintf(tracks, sizeof tracks, " - %s%s%s%s%s", pl->video_desc, vtrack,
                 (pl->video_desc[0] || vtrack[0]) && pl->audio_desc[0] ? ", " : "", pl->audio_desc, atrack);
    if (v->show_stats_in_title)
        snprintf(title, sizeof title, "%s%s%s - %.0f fps, %llu dropped%s", base, state, tracks, fps,
                 (unsigned long long)atomic_load(&pl->frames_dropped), pl->audio && rk_audio_muted(pl->audio) ? ", muted" : "");
    else
        snprintf(title, sizeof title, "%s%s%s", base, state, tracks);
    pthread_mutex_unlock(&pl->info_lock);
    /* A key from --key, --key-file or RTMP_STREAM_KEY is a secret like any other: the
     * window title is scrubbed the way log lines are. */
    rtmpkit_log_scrub(pl->log, title, sizeof title);
    if (strcmp(title, v->title_shown) != 0) {
        snprintf(v->title_shown, sizeof v->title_shown, "%s", title);
        rk_window_set_title(v->win, title);
    }
}

/* Key a: the next audio track the stream has carried (the audio thread switches). */
static void cycle_audio_track(struct rk_player *pl)
{
    int next = rk_player_next_audio_track(pl);
    if (pl->opts.no_audio)
        return;
    if (next < 0) {
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "the stream has no other audio track");
        return;
    }
    atomic_store(&pl->audio_track, next);
}

static void handle_key(struct rk_player *pl, struct view *v, SDL_Keycode key)
{
    switch (key) {
    case SDLK_q:
    case SDLK_ESCAPE:
        atomic_store(&pl->quit, 1);
        break;
    case SDLK_f:
        rk_window_toggle_fullscreen(v->win);
        break;
    case SDLK_m:
        if (pl->audio)
            rk_audio_toggle_mute(pl->audio);
        break;
    case SDLK_UP:
    case SDLK_DOWN:
        if (pl->audio)
            rk_audio_set_volume(pl->audio, rk_audio_volume(pl->audio) + (key == SDLK_UP ? 10 : -10));
        break;
    case SDLK_s:
        v->show_stats_in_title = !v->show_stats_in_title;
        break;
    case SDLK_i:
        rk_overlay_toggle(v);
        break;
    case SDLK_a:
        cycle_audio_track(pl);
        break;
    default:
        break;
    }
}

/* Everything is over when the reader has finished and what it read has been played. */
static int played_out(struct rk_player *pl)
{
    if (!atomic_load(&pl->net_done))
        return 0;
    if (!pl->opts.no_video && !rk_fq_finished(&pl->fq))
        return 0;
    if (!pl->opts.no_audio && !atomic_load(&pl->audio_threads_done))
        return 0;
    if (pl->audio) {
        int64_t clock, end = rk_audio_queued_end(pl->audio);
        if (end >= 0 && rk_audio_clock(pl->audio, &clock) && clock < end - 50)
            return 0;
    }
    return 1;
}

/* Waits up to wait_ms for window events (quit, keys, exposure) and handles them all. */
static void handle_window_events(struct rk_player *pl, struct view *v, int wait_ms)
{
    SDL_Event e;
    if (!SDL_WaitEventTimeout(&e, wait_ms))
        return;
    do {
        if (e.type == SDL_QUIT)
            atomic_store(&pl->quit, 1);
        else if (e.type == SDL_KEYDOWN)
            handle_key(pl, v, e.key.keysym.sym);
        else if (e.type == SDL_WINDOWEVENT && (e.window.event == SDL_WINDOWEVENT_EXPOSED ||
                                               e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED))
            rk_window_redraw(v->win);
    } while (SDL_PollEvent(&e));
}

/* At the end of each stats interval: the stats line, the title, and a new interval. */
static void end_stats_interval(struct rk_player *pl, struct view *v, uint64_t t, uint64_t *last_stats,
                               uint64_t *last_title)
{
    double fps = (double)(atomic_load(&pl->frames_shown) - v->shown_at_start) * 1000.0 / (double)(t - *last_stats);
    if (pl->opts.stats)
        rk_player_print_stats(pl, v, t, fps);
    rk_overlay_sample(pl, v, fps);
    if (t - *last_title >= 500) {
        update_title(pl, v, fps);
        *last_title = t;
    }
    *last_stats = t;
    v->shown_at_start = atomic_load(&pl->frames_shown);
    v->av_sum = 0;
    v->av_count = 0;
    v->av_max = 0;
}

void rk_player_run_window(struct rk_player *pl, struct view *v)
{
    uint64_t last_stats = rtmpkit_monotonic_ms(), last_title = 0, started = rtmpkit_monotonic_ms();
    v->stats_start_ms = started;
    rk_overlay_open(pl, v);
    while (!atomic_load(&pl->quit) && !*pl->cancel) {
        uint64_t t;
        handle_window_events(pl, v, pl->opts.no_video ? 20 : rk_player_present(pl, v));
        t = rtmpkit_monotonic_ms();
        /* No picture yet after a second (audio only, or waiting): show the window anyway. */
        if (!rk_window_has_frame(v->win) && t - started > 1000)
            rk_window_ensure(v->win, 640, 360);
        if (pl->opts.no_video) {
            int64_t c;
            if (pl->audio && rk_audio_clock(pl->audio, &c)) {
                v->last_clock = c;
                v->audio_master = 1;
            }
        }
        if (t - last_stats >= STATS_INTERVAL_MS)
            end_stats_interval(pl, v, t, &last_stats, &last_title);
        if (played_out(pl))
            break;
    }
}
