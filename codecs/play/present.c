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

/* The latency budget of a picture just shown (due: when the clock reached its time), and
 * whether it came late or the one before it stayed too long. */
static void account_frame(struct rk_player *pl, struct view *v, const struct queued_frame *qf, uint64_t due,
                          int64_t prev_pts)
{
    struct rk_frame_times ft;
    const AVFrame *f = qf->f;
    int64_t interval = prev_pts != INT64_MIN && f->pts > prev_pts ? f->pts - prev_pts : 0;
    ft.arrival_ms = qf->arrival_ms;
    ft.decoded_ms = qf->decoded_ms;
    ft.due_ms = due;
    ft.shown_ms = rtmpkit_monotonic_ms();
    ft.shown_utc_ms = utc_now_ms();
    ft.held_ms = atomic_load(&pl->edge_ts) - f->pts;
    ft.send_utc_ms = -1;
    pthread_mutex_lock(&pl->info_lock);
    if (pl->have_timecode) {
        ft.send_utc_ms = pl->timecode_utc_ms + (f->pts - pl->timecode_ts);
        v->last_latency_ms = ft.shown_utc_ms - ft.send_utc_ms;
    }
    pthread_mutex_unlock(&pl->info_lock);
    rk_budget_add_frame(&v->budget, &ft);
    /* Late: shown a frame interval or more after it was due (and after it was decoded). */
    if (interval > 0 && (int64_t)ft.shown_ms - (int64_t)(due > qf->decoded_ms ? due : qf->decoded_ms) >= interval)
        atomic_fetch_add(&pl->frames_late, 1);
    /* Repeated: the picture before stayed on screen a whole frame interval too long. */
    if (interval > 0 && v->last_shown_ms && (int64_t)(ft.shown_ms - v->last_shown_ms) >= 2 * interval)
        atomic_fetch_add(&pl->frames_repeated, 1);
    v->last_shown_ms = ft.shown_ms;
}

static void show_frame(struct rk_player *pl, struct view *v, const struct queued_frame *qf, int64_t clock,
                       uint64_t t)
{
    AVFrame *f = qf->f;
    int64_t prev_pts = v->shown_any ? v->last_shown_pts : INT64_MIN;
    int off = (int)(f->pts - clock);
    if (v->audio_master) {
        v->av_sum += off;
        v->av_count++;
        if (abs(off) > abs(v->av_max))
            v->av_max = off;
    }
    if (rk_window_show(v->win, f) < 0)
        rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "cannot show a frame: %s", SDL_GetError());
    if (!v->shown_any)
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "first picture %llu ms after the start (its bytes arrived at %llu ms, "
                     "decoded at %llu ms)", (unsigned long long)(rtmpkit_monotonic_ms() - pl->start_ms),
                     (unsigned long long)(qf->arrival_ms - pl->start_ms), (unsigned long long)(qf->decoded_ms - pl->start_ms));
    v->last_shown_pts = f->pts;
    v->shown_any = 1;
    atomic_fetch_add(&pl->frames_shown, 1);
    /* Due when the clock (running at its speed) reached the picture's time. */
    account_frame(pl, v, qf, t - (uint64_t)(clock - f->pts), prev_pts);
}

/* A picture from before the newest gap in the stream (the connection or the publisher
 * started again) while the clock is past the gap: its sound never came (the clock stopped
 * short of it, then went on from the new segment), and against the new clock it would be
 * as late as the gap is long. */
static int before_gap(struct rk_player *pl, int64_t pts, int64_t clock)
{
    int64_t start = atomic_load(&pl->segment_start_ts);
    return start != INT64_MIN && pts < start && clock >= start;
}

int rk_player_present(struct rk_player *pl, struct view *v)
{
    uint64_t t = rtmpkit_monotonic_ms();
    int64_t clock, head, next;
    if (pl->audio)
        rk_series_add(&v->budget.s[RK_STAGE_AUDIO_DEVICE], rk_audio_delay_ms(pl->audio));
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
    /* The first picture at once, due or not: a still until the clock reaches the next. */
    if (!v->shown_any) {
        struct queued_frame qf;
        if (rk_fq_pop(&pl->fq, &qf)) {
            show_frame(pl, v, &qf, clock, t);
            av_frame_free(&qf.f);
        }
    }
    while ((head = rk_fq_pts(&pl->fq, 0)) != INT64_MIN && head <= clock) {
        struct queued_frame qf;
        next = rk_fq_pts(&pl->fq, 1);
        if (!rk_fq_pop(&pl->fq, &qf))
            break;
        if ((next != INT64_MIN && next <= clock) || before_gap(pl, qf.f->pts, clock)) {
            atomic_fetch_add(&pl->frames_dropped, 1);   /* late: its successor is due too */
            av_frame_free(&qf.f);
            continue;
        }
        show_frame(pl, v, &qf, clock, t);
        av_frame_free(&qf.f);
    }
    v->last_clock = clock;
    if (head == INT64_MIN)
        return 10;
    return head - clock > 10 ? 10 : (int)(head - clock > 1 ? head - clock : 1);
}
