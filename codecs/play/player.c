/* The player's life: rk_player_open prepares it (the queues, the timeline, and unless
 * headless the window and the sound device), rk_player_run starts the network reader and
 * a decoder thread per track, runs the window loop (or, headless, waits for every packet
 * to be decoded, printing stats), then stops and joins the threads; rk_player_close frees
 * it all. The other files each do one job of the player (see player_internal.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>

#include "overlay.h"
#include "player_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"

#define AUDIO_QUEUE_MS     3000               /* samples waiting for the device */
#define AUDIO_DEVICE_MS    22                 /* the device buffer: 1024 samples at 48 kHz */

static void init_view(struct view *v, const char *url_title)
{
    memset(v, 0, sizeof *v);
    v->last_latency_ms = -1;
    v->video_speed = 1.0;
    snprintf(v->title_base, sizeof v->title_base, "%s", url_title);
}

/* The window and the sound (a player without sound is still a player). */
static int open_outputs(struct rk_player *pl)
{
    const struct rk_player_options *o = &pl->opts;
    char why[256];
    int err;
    if ((err = rk_window_open(&pl->view.win, o->title ? o->title : pl->view.title_base, o->fullscreen,
                              why, sizeof why)) < 0) {
        rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "%s (use --no-display to decode without a window)", why);
        return err;
    }
    /* Low latency: the device holds an eighth of the target (256 samples at least). */
    int device_ms = pl->low_latency ? o->latency_ms / 8 : AUDIO_DEVICE_MS;
    if (!o->no_audio && rk_audio_open(&pl->audio, o->volume, AUDIO_QUEUE_MS, device_ms, &pl->audio_rate,
                                      &pl->audio_channels, why, sizeof why) < 0)
        rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "%s: playing without sound", why);
    return 0;
}

int rk_player_open(rk_player **out, const struct rk_player_options *opts)
{
    struct rk_player *pl;
    int err = 0;
    *out = NULL;
    if (!(pl = calloc(1, sizeof *pl))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(opts->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        return err;
    }
    pl->opts = *opts;
    pl->log = opts->log;
    pl->cancel = opts->cancel;
    pl->headless = opts->headless;
    pl->speed = 1.0;
    atomic_store(&pl->segment_start_ts, INT64_MIN);
    atomic_store(&pl->audio_track, opts->audio_track);
    pl->video_track = opts->video_track;
    pl->low_latency = opts->latency_ms < LOW_LATENCY_BELOW_MS;
    rtmpkit_timeline_init(&pl->tl, 0);   /* a reconnect's gap is kept: the clock runs on */
    pthread_mutex_init(&pl->info_lock, NULL);
    rk_pq_init(&pl->vq);
    rk_pq_init(&pl->aq);
    rk_fq_init(&pl->fq, pl->low_latency ? LOW_LATENCY_FRAMES : FRAME_QUEUE_MAX);
    init_view(&pl->view, opts->url_title);
    if (!pl->headless && (err = open_outputs(pl)) < 0) {
        rk_player_close(pl);
        return err;
    }
    *out = pl;
    return 0;
}

/* The network reader and a decoder per track played. Returns 0, or RTMPKIT_ENOMEM (logged)
 * when a thread cannot start (those started are joined by stop_threads). */
static int start_threads(struct rk_player *pl)
{
    if (pthread_create(&pl->net, NULL, rk_player_reader_thread, pl) != 0)
        goto fail;
    pl->started_net = 1;
    if (!pl->opts.no_video) {
        if (pthread_create(&pl->vdec, NULL, rk_player_video_thread, pl) != 0)
            goto fail;
        pl->started_v = 1;
    }
    if (!pl->opts.no_audio) {
        if (pthread_create(&pl->adec, NULL, rk_player_audio_thread, pl) != 0)
            goto fail;
        pl->started_a = 1;
    }
    return 0;
fail:
    rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "cannot start a thread: %s", strerror(errno));
    return RTMPKIT_ENOMEM;
}

static void stop_threads(struct rk_player *pl)
{
    atomic_store(&pl->quit, 1);
    if (pl->started_net)
        pthread_join(pl->net, NULL);
    if (pl->started_v)
        pthread_join(pl->vdec, NULL);
    if (pl->started_a)
        pthread_join(pl->adec, NULL);
    pl->started_net = pl->started_v = pl->started_a = 0;
}

/* Without a window: prints the stats until every packet read has been decoded. */
static void run_headless(struct rk_player *pl, struct view *v)
{
    uint64_t last_stats = rtmpkit_monotonic_ms(), last_count = 0;
    v->stats_start_ms = last_stats;
    while (!*pl->cancel) {
        uint64_t t;
        /* Every packet read is decoded before the end. */
        int done = atomic_load(&pl->net_done) && (pl->opts.no_video || atomic_load(&pl->video_thread_done)) &&
                   (pl->opts.no_audio || atomic_load(&pl->audio_threads_done));
        usleep(50 * 1000);
        t = rtmpkit_monotonic_ms();
        /* Each interval, and once more at the end: the last line has the final counts. */
        if (pl->opts.stats && t > last_stats && (t - last_stats >= STATS_INTERVAL_MS || done)) {
            uint64_t n = atomic_load(&pl->video_frames);
            v->last_clock = atomic_load(&pl->edge_ts);
            /* No frame is shown: the latency is that of the newest frame received. */
            pthread_mutex_lock(&pl->info_lock);
            if (pl->have_timecode)
                v->last_latency_ms = utc_now_ms() - (pl->timecode_utc_ms + (v->last_clock - pl->timecode_ts));
            pthread_mutex_unlock(&pl->info_lock);
            rk_player_print_stats(pl, v, t, (double)(n - last_count) * 1000.0 / (double)(t - last_stats));
            last_count = n;
            last_stats = t;
        }
        if (done)
            break;
    }
}

int rk_player_run(rk_player *pl)
{
    int err;
    pl->start_ms = rtmpkit_monotonic_ms();
    err = start_threads(pl);
    if (err == 0) {
        if (pl->headless)
            run_headless(pl, &pl->view);
        else
            rk_player_run_window(pl, &pl->view);
    }
    stop_threads(pl);
    /* A signal is the user's wish: whatever the connection did then is no failure. */
    if (err == 0 && !*pl->cancel)
        err = pl->net_err;
    return err;
}

void rk_player_close(rk_player *pl)
{
    if (!pl)
        return;
    stop_threads(pl);
    rk_audio_close(pl->audio);
    rk_overlay_close(&pl->view);
    rk_window_close(pl->view.win);
    if (pl->view.win || pl->audio)
        SDL_Quit();
    rk_pq_destroy(&pl->vq);
    rk_pq_destroy(&pl->aq);
    rk_fq_destroy(&pl->fq);
    pthread_mutex_destroy(&pl->info_lock);
    free(pl);
}
