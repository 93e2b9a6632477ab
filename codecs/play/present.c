/* The player's clock and the presenting of pictures, on the window's thread. The master
 * clock is the sound device's position when audio plays; otherwise a wall clock anchored
 * to the video, which catches up with the live edge by running slightly faster or, when
 * far behind, by jumping. Each picture is shown when the clock reaches it; a picture whose
 * successor is already due is dropped as late. */
#include <stdlib.h>

#include <SDL.h>
#include <libavutil/frame.h>

#include "player_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/log.h"

static int64_t video_clock(struct view *v, uint64_t t)
{
    return v->anchor_pts + (int64_t)(v->anchor_offset + (double)(t - v->anchor_ms) * v->video_speed);
}

static void anchor(struct view *v, int64_t pts, uint64_t t)
{
    v->anchored = 1;
    v->anchor_pts = pts;
    v->anchor_ms = t;
    v->anchor_offset = 0;
}

/* Returns the master clock now: the audio device's position when audio plays, else a
 * wall clock anchored to the video. 0 when there is no clock yet. */
static int master_clock(struct rk_player *pl, struct view *v, uint64_t t, int64_t *clock)
{
    if (pl->audio && rk_audio_clock(pl->audio, clock)) {
        v->audio_master = 1;
        /* Keep the video clock in step, for when the audio stops. */
        anchor(v, *clock, t);
        return 1;
    }
    v->audio_master = 0;
    if (!v->anchored)
        return 0;
    /* Video master: catch up with the live edge by running faster, or jump when far. */
    int64_t c = video_clock(v, t), edge = atomic_load(&pl->edge_ts);
    int target = pl->opts.latency_ms;
    if (!v->first_ms)
        v->first_ms = t;
    if (edge - c > (t - v->first_ms < START_MS ? target : target + CATCHUP_HARD_MS)) {
        anchor(v, edge - LOW_MARK(target), t);
        c = edge - LOW_MARK(target);
    }
    if (edge - c > HIGH_MARK(target))
        v->catching_up = 1;
    else if (edge - c < LOW_MARK(target))
        v->catching_up = 0;
    double speed = v->catching_up ? SPEEDUP : 1.0;
    if (speed != v->video_speed) {
        /* Re-anchor so that the clock is continuous when the speed changes. */
        anchor(v, c, t);
        v->video_speed = speed;
    }
    *clock = c;
    return 1;
}

static void show_frame(struct rk_player *pl, struct view *v, AVFrame *f, int64_t clock)
{
    int off = (int)(f->pts - clock);
    if (v->audio_master) {
        v->av_sum += off;
        v->av_count++;
        if (abs(off) > abs(v->av_max))
            v->av_max = off;
    }
    if (rk_window_show(v->win, f) < 0)
        rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "cannot show a frame: %s", SDL_GetError());
    v->last_shown_pts = f->pts;
    atomic_fetch_add(&pl->frames_shown, 1);
    pthread_mutex_lock(&pl->info_lock);
    if (pl->have_timecode)
        v->last_latency_ms = utc_now_ms() - (pl->timecode_utc_ms + (f->pts - pl->timecode_ts));
    pthread_mutex_unlock(&pl->info_lock);
}

int rk_player_present(struct rk_player *pl, struct view *v)
{
    uint64_t t = rtmpkit_monotonic_ms();
    int64_t clock, head, next;
    if ((head = rk_fq_pts(&pl->fq, 0)) == INT64_MIN)
        return 10;
    if (!master_clock(pl, v, t, &clock)) {
        anchor(v, head, t);
        v->video_speed = 1.0;
        clock = head;
    }
    /* A frame far ahead of a wall clock (a publisher restart, a jump): follow it. */
    if (!v->audio_master && (head > clock + 2000 || head < clock - 2000)) {
        anchor(v, head, t);
        clock = head;
    }
    while ((head = rk_fq_pts(&pl->fq, 0)) != INT64_MIN && head <= clock) {
        AVFrame *f;
        next = rk_fq_pts(&pl->fq, 1);
        f = rk_fq_pop(&pl->fq);
        if (next != INT64_MIN && next <= clock) {
            atomic_fetch_add(&pl->frames_dropped, 1);   /* late: its successor is due too */
            av_frame_free(&f);
            continue;
        }
        show_frame(pl, v, f, clock);
        av_frame_free(&f);
    }
    v->last_clock = clock;
    if (head == INT64_MIN)
        return 10;
    return head - clock > 10 ? 10 : (int)(head - clock > 1 ? head - clock : 1);
}
