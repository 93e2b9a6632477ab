/* The player's decoder threads: one for video, one for audio, each taking packets from
 * its queue. The video thread skips to a keyframe when it falls too far behind the live
 * edge and hands pictures to the window's queue; the audio thread resamples into the sound
 * device and catches up with the live edge there (dropping when far behind, playing
 * slightly faster when a little behind). Headless, every frame is decoded and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libavutil/frame.h>
#include <libavutil/mem.h>

#include "decode.h"
#include "player_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"

#define DECODER_BEHIND_MS  2000               /* video decoding this far behind: skip to a keyframe */
#define ARRIVALS           64                 /* packets whose arrival a decoder may still hold */
#define AUDIO_HISTORY      512                /* audio packets kept for a switch of tracks */
#define AUDIO_HISTORY_BYTES (4 << 20)         /* and at most this many bytes of them */

/* When each packet sent to the video decoder arrived, found again by the decoding time
 * that its picture carries out of the decoder. */
struct arrivals {
    int64_t dts[ARRIVALS];
    uint64_t ms[ARRIVALS];
    unsigned next;
};

static void arrival_note(struct arrivals *a, int64_t dts, uint64_t ms)
{
    a->dts[a->next % ARRIVALS] = dts;
    a->ms[a->next % ARRIVALS] = ms;
    a->next++;
}

/* The arrival of the packet of dts, or fallback when it is not known. */
static uint64_t arrival_of(const struct arrivals *a, int64_t dts, uint64_t fallback)
{
    for (unsigned i = 0; i < ARRIVALS && i < a->next; i++) {
        unsigned k = (a->next - 1 - i) % ARRIVALS;
        if (a->dts[k] == dts)
            return a->ms[k];
    }
    return fallback;
}

static void set_desc(struct rk_player *pl, char *dst, size_t len, const rk_decoder *d)
{
    pthread_mutex_lock(&pl->info_lock);
    snprintf(dst, len, "%s", rk_decoder_describe(d));
    pthread_mutex_unlock(&pl->info_lock);
}

/* A decoder that cannot keep up falls behind the live edge: past a limit, it skips
 * everything up to a keyframe that is close enough (the frames would be dropped as late
 * anyway, and decoding them is what made it late). */
static int too_late(struct rk_player *pl, const struct packet *p, int *skipping)
{
    struct rk_tag_info info;
    int64_t lag = atomic_load(&pl->edge_ts) - p->ts;
    rk_tag_inspect(RK_DECODER_VIDEO, 0, p->data, p->len, &info);
    if (info.config)
        return 0;
    if (lag > pl->opts.latency_ms + DECODER_BEHIND_MS)
        *skipping = 1;
    else if (*skipping && info.keyframe)
        *skipping = 0;
    return *skipping;
}

/* Behind the live edge by more than the target while decoding: catch up by skipping the
 * frames no other frame needs (decoding them is what made it late, and they would be
 * dropped as late anyway); the others keep the picture intact. */
static void catch_up_nonref(struct rk_player *pl, rk_decoder *dec, const struct packet *p)
{
    int64_t lag = atomic_load(&pl->edge_ts) - p->ts;
    rk_decoder_skip_nonref(dec, lag > pl->opts.latency_ms);
}

/* A decoded picture goes to the window's queue with the times of its way. */
static void queue_picture(struct rk_player *pl, AVFrame *frame, const struct arrivals *arr)
{
    struct queued_frame qf;
    qf.decoded_ms = rtmpkit_monotonic_ms();
    qf.arrival_ms = arrival_of(arr, frame->pkt_dts, qf.decoded_ms);
    qf.f = av_frame_clone(frame);
    av_frame_unref(frame);
    if (!qf.f)
        return;
    rk_fq_push(&pl->fq, &qf, &pl->quit);
    /* Low latency: the window shows it now if it is due, not at its next wake-up. */
    if (pl->low_latency)
        rk_window_wake();
}

void *rk_player_video_thread(void *arg)
{
    struct rk_player *pl = arg;
    rk_decoder *dec = rk_decoder_new(RK_DECODER_VIDEO);
    AVFrame *frame = av_frame_alloc();
    struct arrivals arr = { .next = 0 };
    struct packet p;
    int r, errors = 0, skipping = 0;
    if (!dec || !frame)
        goto done;
    rk_decoder_set_low_delay(dec, pl->low_latency);
    rk_decoder_set_track(dec, (uint8_t)pl->video_track);
    while (!atomic_load(&pl->quit)) {
        r = rk_pq_pop(&pl->vq, &p, 100);
        if (r == 0)
            continue;
        if (r < 0) {
            rk_decoder_drain(dec);
        } else if (!pl->headless && too_late(pl, &p, &skipping)) {
            free(p.data);
            atomic_fetch_add(&pl->packets_dropped, 1);
            continue;
        } else {
            int err;
            if (!pl->headless)
                catch_up_nonref(pl, dec, &p);
            arrival_note(&arr, p.ts, p.arrival_ms);
            err = rk_decoder_send(dec, p.data, p.len, p.ts);
            free(p.data);
            if (err < 0 && errors++ < 5)
                rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "video: %s", rk_decoder_error(dec));
        }
        while (rk_decoder_receive(dec, frame) == 1) {
            atomic_fetch_add(&pl->video_frames, 1);
            atomic_store(&pl->video_pts_ns, rk_decoder_pts_ns(dec));
            set_desc(pl, pl->video_desc, sizeof pl->video_desc, dec);
            if (pl->headless)
                av_frame_unref(frame);
            else
                queue_picture(pl, frame, &arr);
        }
        if (r < 0)
            break;
    }
done:
    rk_fq_set_eos(&pl->fq);
    atomic_store(&pl->video_thread_done, 1);
    av_frame_free(&frame);
    rk_decoder_free(dec);
    return NULL;
}

/* Hands samples to the device: catches up with the live edge by dropping when far behind
 * and by playing slightly faster when a little behind. */
static void play_audio(struct rk_player *pl, rk_resampler *rs, const AVFrame *frame, int16_t **buf, int *cap)
{
    int64_t edge = atomic_load(&pl->edge_audio_ts), clock, delay;
    int target = pl->opts.latency_ms, n;
    double speed = 1.0;
    if (!pl->audio_start_ms)
        pl->audio_start_ms = rtmpkit_monotonic_ms();
    if (rk_audio_clock(pl->audio, &clock)) {
        /* Right after the start a server's GOP cache puts us behind: drop at once then. */
        int hard = rtmpkit_monotonic_ms() - pl->audio_start_ms < START_MS ? target : target + CATCHUP_HARD_MS;
        delay = edge - clock;
        if (delay > hard) {
            /* Far behind: skip what is older than the low mark. */
            int dropped = rk_audio_drop_before(pl->audio, edge - LOW_MARK(target));
            atomic_fetch_add(&pl->audio_dropped_ms, (unsigned long long)dropped);
            if (frame->pts + (int64_t)frame->nb_samples * 1000 / frame->sample_rate < edge - LOW_MARK(target)) {
                atomic_fetch_add(&pl->audio_dropped_ms,
                                 (unsigned long long)((int64_t)frame->nb_samples * 1000 / frame->sample_rate));
                return;
            }
        }
        /* Behind the high mark: faster until the low mark (hysteresis against jitter). */
        if (delay > HIGH_MARK(target))
            pl->audio_catching_up = 1;
        else if (delay < LOW_MARK(target))
            pl->audio_catching_up = 0;
        if (pl->audio_catching_up)
            speed = SPEEDUP;
    }
    pthread_mutex_lock(&pl->info_lock);
    pl->speed = speed;
    pthread_mutex_unlock(&pl->info_lock);
    if ((n = rk_resample(rs, frame, speed, buf, cap)) <= 0)
        return;
    while (rk_audio_write(pl->audio, *buf, n, frame->pts) == RTMPKIT_EAGAIN && !atomic_load(&pl->quit))
        usleep(5000);
}

/* The audio packets decoded last, kept (owned) so that a switch of tracks can decode the
 * new track from where the sound is (the samples queued for the device are the old
 * track's): a ring of AUDIO_HISTORY packets, AUDIO_HISTORY_BYTES at most. */
struct history {
    struct packet p[AUDIO_HISTORY];
    unsigned next, count;
    size_t bytes;
};

static void history_drop_oldest(struct history *h)
{
    struct packet *oldest = &h->p[(h->next + AUDIO_HISTORY - h->count) % AUDIO_HISTORY];
    h->bytes -= oldest->len;
    free(oldest->data);
    oldest->data = NULL;
    h->count--;
}

/* Takes p's data (p->data is NULL afterwards). */
static void history_add(struct history *h, struct packet *p)
{
    if (h->count == AUDIO_HISTORY)
        history_drop_oldest(h);
    h->p[h->next] = *p;
    h->bytes += p->len;
    h->count++;
    p->data = NULL;
    h->next = (h->next + 1) % AUDIO_HISTORY;
    while (h->count > 1 && h->bytes > AUDIO_HISTORY_BYTES)
        history_drop_oldest(h);
}

static void history_free(struct history *h)
{
    while (h->count > 0)
        history_drop_oldest(h);
}

/* Decodes what dec has ready and plays (or counts) it. */
static void take_audio(struct rk_player *pl, rk_decoder *dec, rk_resampler *rs, AVFrame *frame, int16_t **buf,
                       int *cap)
{
    while (rk_decoder_receive(dec, frame) == 1) {
        atomic_fetch_add(&pl->audio_frames, 1);
        atomic_fetch_add(&pl->audio_samples, (unsigned long long)frame->nb_samples);
        set_desc(pl, pl->audio_desc, sizeof pl->audio_desc, dec);
        if (pl->audio && frame->sample_rate > 0)
            play_audio(pl, rs, frame, buf, cap);
        av_frame_unref(frame);
    }
}

/* Another track was chosen (key a): the samples queued are the old track's, so they go;
 * the decoder takes the new track's configuration, and the packets of the history from
 * the sound heard now on are decoded again for the new track. The sound goes on
 * at the same media time: the clock, and the video following it, stay in sync. */
static void switch_track(struct rk_player *pl, rk_decoder *dec, int track, const struct history *h,
                         rk_resampler *rs, AVFrame *frame, int16_t **buf, int *cap)
{
    int64_t from = INT64_MAX, clock;   /* no sound heard yet (or starved): nothing to redo */
    char desc[96];
    if (pl->audio && rk_audio_clock(pl->audio, &clock))
        from = clock;   /* from the packet after the sound heard: the clock never steps back */
    if (pl->audio)
        rk_audio_flush(pl->audio);
    rk_decoder_set_track(dec, (uint8_t)track);
    for (unsigned i = 0; pl->audio && i < h->count; i++) {
        const struct packet *p = &h->p[(h->next + AUDIO_HISTORY - h->count + i) % AUDIO_HISTORY];
        if (p->ts < from)
            continue;
        rk_decoder_send(dec, p->data, p->len, p->ts);
        take_audio(pl, dec, rs, frame, buf, cap);
    }
    pthread_mutex_lock(&pl->info_lock);
    snprintf(desc, sizeof desc, "%s", rk_decoder_describe(dec));
    pthread_mutex_unlock(&pl->info_lock);
    rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "audio track %d%s%s", track, desc[0] ? ": " : "", desc);
}

void *rk_player_audio_thread(void *arg)
{
    struct rk_player *pl = arg;
    rk_decoder *dec = rk_decoder_new(RK_DECODER_AUDIO);
    rk_resampler *rs = pl->audio ? rk_resampler_new(pl->audio_rate, pl->audio_channels) : NULL;
    AVFrame *frame = av_frame_alloc();
    struct history *hist = calloc(1, sizeof *hist);
    int16_t *buf = NULL;
    int cap = 0, r, errors = 0, track = atomic_load(&pl->audio_track);
    struct packet p;
    if (!dec || !frame || !hist || (pl->audio && !rs))
        goto done;
    rk_decoder_set_track(dec, (uint8_t)track);
    while (!atomic_load(&pl->quit)) {
        if (atomic_load(&pl->audio_track) != track) {
            track = atomic_load(&pl->audio_track);
            switch_track(pl, dec, track, hist, rs, frame, &buf, &cap);
        }
        r = rk_pq_pop(&pl->aq, &p, 100);
        if (r == 0)
            continue;
        if (r < 0) {
            rk_decoder_drain(dec);
        } else {
            int err = rk_decoder_send(dec, p.data, p.len, p.ts);
            /* Only a stream with tracks to switch to keeps the history. */
            if (pl->audio && rk_player_audio_track_count(pl) > 1)
                history_add(hist, &p);
            free(p.data);
            if (err < 0 && errors++ < 5)
                rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "audio: %s", rk_decoder_error(dec));
        }
        take_audio(pl, dec, rs, frame, &buf, &cap);
        if (r < 0)
            break;
    }
done:
    atomic_store(&pl->audio_threads_done, 1);
    if (hist)
        history_free(hist);
    free(hist);
    av_free(buf);
    av_frame_free(&frame);
    rk_resampler_free(rs);
    rk_decoder_free(dec);
    return NULL;
}
