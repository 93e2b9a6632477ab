/* The engine of rtmp-play: the network reader, the decoder threads, A/V sync and the
 * catching up with the live edge, stats, and the window's event loop (see player.h). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <libavutil/frame.h>

#include "decode.h"
#include "player.h"
#include "render.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/timeline.h"

#define PACKET_QUEUE_MAX   2048               /* tags waiting for a decoder */
#define PACKET_QUEUE_BYTES (64 * 1024 * 1024)
#define FRAME_QUEUE_MAX    8                  /* decoded pictures waiting for their time */
#define AUDIO_QUEUE_MS     3000               /* samples waiting for the device */
#define CATCHUP_HARD_MS    1000               /* further behind than target + this: drop */
#define SPEEDUP            1.08               /* when behind target: play this much faster */
#define START_MS           3000               /* the start, when catching up is by dropping */
/* The player plays faster from the high mark down to the low mark: it stays well inside
 * the target, the rest of which absorbs the network's jitter. */
#define HIGH_MARK(target)  ((target) * 3 / 5)
#define LOW_MARK(target)   ((target) * 3 / 10)
#define DECODER_BEHIND_MS  2000               /* video decoding this far behind: skip to a keyframe */
#define NO_MEDIA_WAITING_MS 2000              /* no media this long: "waiting for the stream" */
#define HEADLESS_END_MS    5000               /* --no-display: no media this long ends it */
#define RECONNECT_MAX_MS   5000
#define STATS_INTERVAL_MS  1000

struct packet {
    int64_t ts;         /* unwrapped, monotonic across publisher restarts */
    uint8_t *data;      /* owned */
    size_t len;
};

struct packet_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct packet items[PACKET_QUEUE_MAX];
    size_t head, count, bytes;
    int eos;            /* no more packets will come */
};

struct frame_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    AVFrame *items[FRAME_QUEUE_MAX];
    size_t head, count;
    int eos;
};

/* The window thread's own: the window, the video clock and the stats of the interval. */
struct view {
    rk_window *win;
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
    int audio_master;
    /* Stats over the current interval. */
    uint64_t stats_start_ms;
    uint64_t shown_at_start;
    double av_sum;
    int av_count;
    int av_max;
    int64_t last_latency_ms;   /* glass to glass, -1 unknown */
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
    int play_started;             /* the server accepted play at least once */

    struct packet_queue vq, aq;
    struct frame_queue fq;
    rtmpkit_timeline tl;          /* the network reader's: wire time -> the player's */
    int video_need_key;           /* video packets were dropped: skip to a keyframe */

    rk_audio *audio;
    int audio_rate, audio_channels;
    atomic_int audio_threads_done;
    atomic_int video_thread_done;

    /* Written by the reader, read by the others. */
    atomic_llong edge_ts;         /* newest media timestamp received */
    atomic_llong edge_audio_ts;   /* newest audio timestamp received */
    atomic_ullong last_media_ms;  /* monotonic time of the newest media */
    atomic_int waiting;           /* the publisher stopped: waiting for it */
    atomic_int reconnecting;
    pthread_mutex_t info_lock;    /* guards the strings and the timecode below */
    char meta_title[256];
    char video_desc[96], audio_desc[96];
    int have_timecode;
    int64_t timecode_ts;          /* stream time of the timecode ... */
    int64_t timecode_utc_ms;      /* ... and the wall-clock time it was captured */
    double speed;                 /* audio playback speed (catching up) */
    int audio_catching_up;        /* the audio thread's own */
    uint64_t audio_start_ms;      /* the audio thread's own: when the first frame played */

    /* Counters. */
    atomic_ullong video_frames, audio_frames, audio_samples;
    atomic_ullong packets_dropped, frames_dropped, frames_shown, audio_dropped_ms;

    struct view view;
};

static int64_t utc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- queues ---- */

static void pq_init(struct packet_queue *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
}

static void pq_destroy(struct packet_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        free(q->items[(q->head + i) % PACKET_QUEUE_MAX].data);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/* Takes ownership of p->data when it returns 0. Blocks while full when block is set (until
 * quit), else returns RTMPKIT_EAGAIN when full. */
static int pq_push(struct packet_queue *q, struct packet *p, int block, atomic_int *quit)
{
    int err = 0;
    pthread_mutex_lock(&q->lock);
    while (q->count == PACKET_QUEUE_MAX || q->bytes + p->len > PACKET_QUEUE_BYTES) {
        if (!block || atomic_load(quit)) {
            err = RTMPKIT_EAGAIN;
            goto done;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    q->items[(q->head + q->count) % PACKET_QUEUE_MAX] = *p;
    q->count++;
    q->bytes += p->len;
    pthread_cond_broadcast(&q->cond);
done:
    pthread_mutex_unlock(&q->lock);
    return err;
}

static void pq_set_eos(struct packet_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->eos = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* Returns 1 with *p (the caller owns p->data), 0 after timeout_ms, -1 at the end. */
static int pq_pop(struct packet_queue *q, struct packet *p, int timeout_ms)
{
    int ret = 0;
    pthread_mutex_lock(&q->lock);
    if (q->count == 0 && !q->eos) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)timeout_ms * 1000000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    if (q->count > 0) {
        *p = q->items[q->head];
        q->head = (q->head + 1) % PACKET_QUEUE_MAX;
        q->count--;
        q->bytes -= p->len;
        pthread_cond_broadcast(&q->cond);
        ret = 1;
    } else if (q->eos) {
        ret = -1;
    }
    pthread_mutex_unlock(&q->lock);
    return ret;
}

static void fq_init(struct frame_queue *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
}

static void fq_destroy(struct frame_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        av_frame_free(&q->items[(q->head + i) % FRAME_QUEUE_MAX]);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/* Takes ownership of f; waits while the queue is full (until quit). */
static void fq_push(struct frame_queue *q, AVFrame *f, atomic_int *quit)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == FRAME_QUEUE_MAX && !atomic_load(quit)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    if (q->count == FRAME_QUEUE_MAX) {
        av_frame_free(&f);
    } else {
        q->items[(q->head + q->count) % FRAME_QUEUE_MAX] = f;
        q->count++;
    }
    pthread_mutex_unlock(&q->lock);
}

/* The pts of the i-th queued frame, or INT64_MIN when there is none. */
static int64_t fq_pts(struct frame_queue *q, size_t i)
{
    int64_t pts = INT64_MIN;
    pthread_mutex_lock(&q->lock);
    if (i < q->count)
        pts = q->items[(q->head + i) % FRAME_QUEUE_MAX]->pts;
    pthread_mutex_unlock(&q->lock);
    return pts;
}

static AVFrame *fq_pop(struct frame_queue *q)
{
    AVFrame *f = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->count > 0) {
        f = q->items[q->head];
        q->head = (q->head + 1) % FRAME_QUEUE_MAX;
        q->count--;
        pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return f;
}

/* ---- the network reader ---- */

/* "HH:MM:SS.mmm" local time on "dd-mm-yy" -> UTC ms, or -1. */
static int64_t parse_local_timecode(const char *sd, const char *st)
{
    struct tm tm;
    int day, mon, year, h, m, s, ms = 0;
    if (!sd || !st || sscanf(sd, "%d-%d-%d", &day, &mon, &year) != 3 ||
        sscanf(st, "%d:%d:%d.%d", &h, &m, &s, &ms) < 3)
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = day;
    tm.tm_mon = mon - 1;
    tm.tm_year = year < 100 ? year + 100 : year - 1900;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    return t == (time_t)-1 ? -1 : (int64_t)t * 1000 + ms;
}

/* onMetaData (title, for the window) and onFI (the publisher's wall clock). */
static void handle_data(struct rk_player *pl, const rtmpkit_event *ev, int64_t ts)
{
    rtmpkit_amf values[2];
    int n = rtmpkit_amf0_decode_all(ev->data, ev->length, values, 2);
    if (n < 0)
        return;
    if (n >= 1 && values[0].type == RTMPKIT_AMF_STRING)
        rtmpkit_logf(pl->log, RTMPKIT_LOG_DEBUG, "data message %s at %lld ms", values[0].string, (long long)ts);
    if (n == 2 && values[0].type == RTMPKIT_AMF_STRING &&
        (values[1].type == RTMPKIT_AMF_ECMA_ARRAY || values[1].type == RTMPKIT_AMF_OBJECT)) {
        if (strcmp(values[0].string, "onMetaData") == 0) {
            const char *title = rtmpkit_amf_get_string(&values[1], "title");
            pthread_mutex_lock(&pl->info_lock);
            snprintf(pl->meta_title, sizeof pl->meta_title, "%s", title ? title : "");
            pthread_mutex_unlock(&pl->info_lock);
        } else if (strcmp(values[0].string, "onFI") == 0) {
            double utc = rtmpkit_amf_get_number(&values[1], "rtmpkit_utc_ms", -1);
            int64_t ms = utc > 0 && utc < 1e15 ? (int64_t)utc
                       : parse_local_timecode(rtmpkit_amf_get_string(&values[1], "sd"),
                                              rtmpkit_amf_get_string(&values[1], "st"));
            if (ms > 0 && ts >= 0) {
                pthread_mutex_lock(&pl->info_lock);
                pl->have_timecode = 1;
                pl->timecode_ts = ts;
                pl->timecode_utc_ms = ms;
                pthread_mutex_unlock(&pl->info_lock);
            }
        }
    }
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&values[i]);
}

static void handle_media(struct rk_player *pl, const rtmpkit_event *ev)
{
    enum rk_decoder_kind kind = ev->media_type == RTMPKIT_FLV_VIDEO ? RK_DECODER_VIDEO : RK_DECODER_AUDIO;
    struct rk_tag_info info;
    struct packet p;
    int64_t ts;
    if (ev->media_type != RTMPKIT_FLV_DATA)
        rk_tag_inspect(kind, ev->data, ev->length, &info);
    else
        memset(&info, 0, sizeof info);
    /* Data (timecodes) is placed on the audio/video timeline: -1 before it has a base. */
    if (ev->media_type == RTMPKIT_FLV_DATA)
        ts = rtmpkit_timeline_locate(&pl->tl, ev->timestamp);
    else
        ts = rtmpkit_timeline_map(&pl->tl, ev->media_type, ev->timestamp, info.config, rtmpkit_monotonic_ms());
    if (ev->media_type == RTMPKIT_FLV_DATA) {
        handle_data(pl, ev, ts);
        return;
    }
    if ((kind == RK_DECODER_VIDEO && pl->opts.no_video) || (kind == RK_DECODER_AUDIO && pl->opts.no_audio))
        return;
    atomic_store(&pl->last_media_ms, rtmpkit_monotonic_ms());
    atomic_store(&pl->waiting, 0);
    if (info.frame) {
        if (ts > atomic_load(&pl->edge_ts))
            atomic_store(&pl->edge_ts, ts);
        if (kind == RK_DECODER_AUDIO)
            atomic_store(&pl->edge_audio_ts, ts);
    }
    if (kind == RK_DECODER_VIDEO && pl->video_need_key && !info.config) {
        if (!info.keyframe) {
            atomic_fetch_add(&pl->packets_dropped, 1);
            return;
        }
        pl->video_need_key = 0;
    }
    p.ts = ts;
    p.len = ev->length;
    if (!(p.data = malloc(ev->length ? ev->length : 1)))
        return;
    memcpy(p.data, ev->data, ev->length);
    /* Headless decodes every frame: the reader waits for the decoder instead of dropping. */
    if (pq_push(kind == RK_DECODER_VIDEO ? &pl->vq : &pl->aq, &p, pl->headless, &pl->quit) < 0) {
        free(p.data);
        atomic_fetch_add(&pl->packets_dropped, 1);
        if (kind == RK_DECODER_VIDEO)
            pl->video_need_key = 1;
    }
}

#define PLAY_START_LIVE_OR_RECORDED (-2)   /* rtmpkit_client_play: live if there is one, else recorded */

/* No media for a while: the publisher is away ("waiting"); headless, it has ended for
 * good. Returns 1 when the reading is over. */
static int no_media_is_the_end(struct rk_player *pl)
{
    uint64_t last = atomic_load(&pl->last_media_ms);
    if (last && rtmpkit_monotonic_ms() - last > NO_MEDIA_WAITING_MS)
        atomic_store(&pl->waiting, 1);
    if (pl->headless && last && rtmpkit_monotonic_ms() - last > HEADLESS_END_MS) {
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "no media for %d s: the stream has ended",
                     HEADLESS_END_MS / 1000);
        return 1;
    }
    return 0;
}

/* Media, the end and the start of the stream, its statuses. Returns 1 when the reading is
 * over (--duration reached, or the stream ended when headless). *first_ts is the player's
 * time of the first audio/video, for --duration. */
static int handle_event(struct rk_player *pl, const rtmpkit_event *ev, int64_t *first_ts)
{
    int64_t limit_ms = pl->opts.duration > 0 ? (int64_t)(pl->opts.duration * 1000) : -1;
    switch (ev->type) {
    case RTMPKIT_EVENT_MEDIA:
        handle_media(pl, ev);
        if (ev->media_type != RTMPKIT_FLV_DATA && rtmpkit_timeline_has_base(&pl->tl)) {
            int64_t t = rtmpkit_timeline_duration(&pl->tl);
            if (*first_ts < 0)
                *first_ts = t;
            if (limit_ms >= 0 && t - *first_ts >= limit_ms) {
                rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "reached --duration %.1f s", pl->opts.duration);
                return 1;
            }
        }
        break;
    case RTMPKIT_EVENT_STREAM_END:
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "stream ended (%s)%s", ev->code,
                     pl->headless ? "" : "; waiting for it to come back");
        if (pl->headless)
            return 1;
        atomic_store(&pl->waiting, 1);
        rtmpkit_timeline_new_segment(&pl->tl);
        break;
    case RTMPKIT_EVENT_STREAM_BEGIN:
        rtmpkit_logf(pl->log, RTMPKIT_LOG_DEBUG, "stream begins (%s)", ev->code);
        if (atomic_load(&pl->waiting))
            rtmpkit_timeline_new_segment(&pl->tl);
        break;
    case RTMPKIT_EVENT_STATUS:
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "status %s %s", ev->code, ev->description);
        break;
    default:
        break;
    }
    return 0;
}

/* Reads events until the stream ends (headless), --duration, quit or an error. Returns 0
 * or an error. */
static int read_stream(struct rk_player *pl, rtmpkit_client *client)
{
    int64_t first_ts = -1;
    for (;;) {
        rtmpkit_event ev;
        int err;
        if (atomic_load(&pl->quit))
            return 0;
        err = rtmpkit_client_next_event_timeout(client, &ev, 200);
        if (err == RTMPKIT_EAGAIN) {
            if (no_media_is_the_end(pl))
                return 0;
            continue;
        }
        if (err < 0)
            return err;
        if (handle_event(pl, &ev, &first_ts))
            return 0;
    }
}

/* One connection: connect, play, read until the end. Returns 0 or an error; logs it
 * unless a reconnect will follow (a window keeps retrying once play has worked). */
static int play_once(struct rk_player *pl, rtmpkit_client *client, int *backoff_ms)
{
    int err;
    if ((err = rtmpkit_client_connect(client)) < 0 ||
        (err = rtmpkit_client_play(client, pl->opts.stream, PLAY_START_LIVE_OR_RECORDED)) < 0) {
        if (err != RTMPKIT_ECANCELLED && !(pl->play_started && !pl->headless))
            rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_client_error_message(client));
        return err;
    }
    pl->play_started = 1;
    atomic_store(&pl->reconnecting, 0);
    *backoff_ms = 500;
    err = read_stream(pl, client);
    if (err < 0 && err != RTMPKIT_ECANCELLED && (pl->headless || atomic_load(&pl->quit)))
        rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_client_error_message(client));
    return err;
}

/* With a window, a connection lost after play has worked is retried: the window stays. */
static int should_reconnect(struct rk_player *pl, int err)
{
    return err < 0 && err != RTMPKIT_ECANCELLED && pl->play_started && !pl->headless &&
           !atomic_load(&pl->quit) && !*pl->cancel;
}

/* Shows "reconnecting", starts a new segment (the publisher may restart its clock) and
 * waits backoff_ms (cut short by quit or a signal). Returns the next backoff. */
static int wait_before_reconnect(struct rk_player *pl, int backoff_ms)
{
    atomic_store(&pl->reconnecting, 1);
    atomic_store(&pl->waiting, 1);
    rtmpkit_timeline_new_segment(&pl->tl);
    for (int waited = 0; waited < backoff_ms && !atomic_load(&pl->quit) && !*pl->cancel; waited += 50)
        usleep(50 * 1000);
    return backoff_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : backoff_ms * 2;
}

/* Connects and plays, reconnecting when it should; at the end the decoders get the end of
 * their queues. */
static void *net_thread(void *arg)
{
    struct rk_player *pl = arg;
    int err = 0, backoff_ms = 500;
    for (;;) {
        rtmpkit_client *client;
        if (!(client = rtmpkit_client_new(pl->opts.client))) {
            err = RTMPKIT_ENOMEM;
            rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
            break;
        }
        err = play_once(pl, client, &backoff_ms);
        if (should_reconnect(pl, err)) {
            rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "%s; reconnecting", rtmpkit_client_error_message(client));
            rtmpkit_client_close(client);
            rtmpkit_client_free(client);
            backoff_ms = wait_before_reconnect(pl, backoff_ms);
            continue;
        }
        rtmpkit_client_close(client);
        rtmpkit_client_free(client);
        break;
    }
    pl->net_err = err == RTMPKIT_ECANCELLED ? 0 : err;
    pq_set_eos(&pl->vq);
    pq_set_eos(&pl->aq);
    atomic_store(&pl->net_done, 1);
    return NULL;
}

/* ---- decoders ---- */

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
    rk_tag_inspect(RK_DECODER_VIDEO, p->data, p->len, &info);
    if (info.config)
        return 0;
    if (lag > pl->opts.latency_ms + DECODER_BEHIND_MS)
        *skipping = 1;
    else if (*skipping && info.keyframe)
        *skipping = 0;
    return *skipping;
}

static void *video_thread(void *arg)
{
    struct rk_player *pl = arg;
    rk_decoder *dec = rk_decoder_new(RK_DECODER_VIDEO);
    AVFrame *frame = av_frame_alloc();
    struct packet p;
    int r, errors = 0, skipping = 0;
    if (!dec || !frame)
        goto done;
    while (!atomic_load(&pl->quit)) {
        r = pq_pop(&pl->vq, &p, 100);
        if (r == 0)
            continue;
        if (r < 0) {
            rk_decoder_drain(dec);
        } else if (!pl->headless && too_late(pl, &p, &skipping)) {
            free(p.data);
            atomic_fetch_add(&pl->packets_dropped, 1);
            continue;
        } else {
            int err = rk_decoder_send(dec, p.data, p.len, p.ts);
            free(p.data);
            if (err < 0 && errors++ < 5)
                rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "video: %s", rk_decoder_error(dec));
        }
        while (rk_decoder_receive(dec, frame) == 1) {
            atomic_fetch_add(&pl->video_frames, 1);
            set_desc(pl, pl->video_desc, sizeof pl->video_desc, dec);
            if (pl->headless) {
                av_frame_unref(frame);
                continue;
            }
            AVFrame *f = av_frame_clone(frame);
            av_frame_unref(frame);
            if (f)
                fq_push(&pl->fq, f, &pl->quit);
        }
        if (r < 0)
            break;
    }
done:
    pthread_mutex_lock(&pl->fq.lock);
    pl->fq.eos = 1;
    pthread_mutex_unlock(&pl->fq.lock);
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

static void *audio_thread(void *arg)
{
    struct rk_player *pl = arg;
    rk_decoder *dec = rk_decoder_new(RK_DECODER_AUDIO);
    rk_resampler *rs = pl->audio ? rk_resampler_new(pl->audio_rate, pl->audio_channels) : NULL;
    AVFrame *frame = av_frame_alloc();
    int16_t *buf = NULL;
    int cap = 0, r, errors = 0;
    struct packet p;
    if (!dec || !frame || (pl->audio && !rs))
        goto done;
    while (!atomic_load(&pl->quit)) {
        r = pq_pop(&pl->aq, &p, 100);
        if (r == 0)
            continue;
        if (r < 0) {
            rk_decoder_drain(dec);
        } else {
            int err = rk_decoder_send(dec, p.data, p.len, p.ts);
            free(p.data);
            if (err < 0 && errors++ < 5)
                rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "audio: %s", rk_decoder_error(dec));
        }
        while (rk_decoder_receive(dec, frame) == 1) {
            atomic_fetch_add(&pl->audio_frames, 1);
            atomic_fetch_add(&pl->audio_samples, (unsigned long long)frame->nb_samples);
            set_desc(pl, pl->audio_desc, sizeof pl->audio_desc, dec);
            if (pl->audio && frame->sample_rate > 0)
                play_audio(pl, rs, frame, &buf, &cap);
            av_frame_unref(frame);
        }
        if (r < 0)
            break;
    }
done:
    atomic_store(&pl->audio_threads_done, 1);
    av_free(buf);
    av_frame_free(&frame);
    rk_resampler_free(rs);
    rk_decoder_free(dec);
    return NULL;
}

/* ---- the thread of rk_player_run: window, clock, display, stats ---- */


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

/* Shows the frame due now, dropping those whose successor is due as well. Returns how
 * many ms until the next frame is due (for the wait). */
static int present(struct rk_player *pl, struct view *v)
{
    uint64_t t = rtmpkit_monotonic_ms();
    int64_t clock, head, next;
    if ((head = fq_pts(&pl->fq, 0)) == INT64_MIN)
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
    while ((head = fq_pts(&pl->fq, 0)) != INT64_MIN && head <= clock) {
        AVFrame *f;
        next = fq_pts(&pl->fq, 1);
        f = fq_pop(&pl->fq);
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

static void update_title(struct rk_player *pl, struct view *v, double fps)
{
    char title[700];
    const char *state = atomic_load(&pl->reconnecting) ? " - reconnecting"
                      : atomic_load(&pl->waiting) ? " - waiting for the stream" : "";
    pthread_mutex_lock(&pl->info_lock);
    const char *base = pl->opts.title ? pl->opts.title : pl->meta_title[0] ? pl->meta_title : v->title_base;
    if (v->show_stats_in_title)
        snprintf(title, sizeof title, "%s%s - %.0f fps, %llu dropped%s", base, state, fps,
                 (unsigned long long)atomic_load(&pl->frames_dropped), pl->audio && rk_audio_muted(pl->audio) ? ", muted" : "");
    else
        snprintf(title, sizeof title, "%s%s", base, state);
    pthread_mutex_unlock(&pl->info_lock);
    /* A key from --key, --key-file or RTMP_STREAM_KEY is a secret like any other: the
     * window title is scrubbed the way log lines are. */
    rtmpkit_log_scrub(pl->log, title, sizeof title);
    if (strcmp(title, v->title_shown) != 0) {
        snprintf(v->title_shown, sizeof v->title_shown, "%s", title);
        rk_window_set_title(v->win, title);
    }
}

/* One stats line on stderr (text or JSON) for the interval that just ended. */
static void print_stats(struct rk_player *pl, struct view *v, uint64_t t, double fps)
{
    int64_t edge = atomic_load(&pl->edge_ts);
    int64_t buffer = v->last_clock ? edge - v->last_clock : -1;
    double av = v->av_count ? v->av_sum / v->av_count : 0;
    char vdesc[96], adesc[96];
    int64_t latency = v->last_latency_ms;
    double speed;
    pthread_mutex_lock(&pl->info_lock);
    snprintf(vdesc, sizeof vdesc, "%s", pl->video_desc);
    snprintf(adesc, sizeof adesc, "%s", pl->audio_desc);
    speed = pl->speed;
    pthread_mutex_unlock(&pl->info_lock);
    if (!v->audio_master)
        speed = v->video_speed;
    if (pl->opts.stats == RK_PLAYER_STATS_JSON) {
        fprintf(stderr, "{\"t_ms\":%llu,\"fps\":%.1f,\"video_frames\":%llu,\"shown\":%llu,\"dropped\":%llu,"
                "\"packets_dropped\":%llu,\"audio_frames\":%llu,\"audio_dropped_ms\":%llu,"
                "\"clock_ms\":%lld,\"edge_ms\":%lld,\"buffer_ms\":%lld,\"av_offset_ms\":%.1f,"
                "\"av_max_ms\":%d,\"av_samples\":%d,\"master\":\"%s\",\"speed\":%.2f,"
                "\"shown_pts_ms\":%lld,\"target_ms\":%d,",
                (unsigned long long)(t - v->stats_start_ms), fps,
                (unsigned long long)atomic_load(&pl->video_frames), (unsigned long long)atomic_load(&pl->frames_shown),
                (unsigned long long)atomic_load(&pl->frames_dropped),
                (unsigned long long)atomic_load(&pl->packets_dropped),
                (unsigned long long)atomic_load(&pl->audio_frames),
                (unsigned long long)atomic_load(&pl->audio_dropped_ms),
                (long long)v->last_clock, (long long)edge, (long long)buffer, av, v->av_max, v->av_count,
                v->audio_master ? "audio" : "video", speed, (long long)v->last_shown_pts, pl->opts.latency_ms);
        if (latency >= 0)
            fprintf(stderr, "\"latency_ms\":%lld,", (long long)latency);
        fprintf(stderr, "\"waiting\":%s,\"video\":\"%s\",\"audio\":\"%s\"}\n",
                atomic_load(&pl->waiting) ? "true" : "false", vdesc, adesc);
    } else {
        char lat[48] = "";
        if (latency >= 0)
            snprintf(lat, sizeof lat, "  latency %lld ms", (long long)latency);
        fprintf(stderr, "%s: %.1f fps  dropped %llu  A-V %+.0f ms  buffer %lld ms%s  x%.2f  %s%s%s%s\n", pl->opts.name, fps,
                (unsigned long long)atomic_load(&pl->frames_dropped), av, (long long)buffer, lat, speed,
                vdesc, adesc[0] && vdesc[0] ? ", " : "", adesc, atomic_load(&pl->waiting) ? "  (waiting)" : "");
    }
    fflush(stderr);
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
    default:
        break;
    }
}

/* Everything is over when the reader has finished and what it read has been played. */
static int played_out(struct rk_player *pl)
{
    if (!atomic_load(&pl->net_done))
        return 0;
    if (!pl->opts.no_video) {
        int eos;
        pthread_mutex_lock(&pl->fq.lock);
        eos = pl->fq.eos && pl->fq.count == 0;
        pthread_mutex_unlock(&pl->fq.lock);
        if (!eos)
            return 0;
    }
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
        print_stats(pl, v, t, fps);
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

static void run_window(struct rk_player *pl, struct view *v)
{
    uint64_t last_stats = rtmpkit_monotonic_ms(), last_title = 0, started = rtmpkit_monotonic_ms();
    v->stats_start_ms = started;
    while (!atomic_load(&pl->quit) && !*pl->cancel) {
        uint64_t t;
        handle_window_events(pl, v, pl->opts.no_video ? 20 : present(pl, v));
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
        if (pl->opts.stats && t - last_stats >= STATS_INTERVAL_MS) {
            uint64_t n = atomic_load(&pl->video_frames);
            v->last_clock = atomic_load(&pl->edge_ts);
            /* No frame is shown: the latency is that of the newest frame received. */
            pthread_mutex_lock(&pl->info_lock);
            if (pl->have_timecode)
                v->last_latency_ms = utc_now_ms() - (pl->timecode_utc_ms + (v->last_clock - pl->timecode_ts));
            pthread_mutex_unlock(&pl->info_lock);
            print_stats(pl, v, t, (double)(n - last_count) * 1000.0 / (double)(t - last_stats));
            last_count = n;
            last_stats = t;
        }
        if (done)
            break;
    }
}

/* ---- the player's life ---- */

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
    if (!o->no_audio && rk_audio_open(&pl->audio, o->volume, AUDIO_QUEUE_MS, &pl->audio_rate,
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
    rtmpkit_timeline_init(&pl->tl, 0);   /* a reconnect's gap is kept: the clock runs on */
    pthread_mutex_init(&pl->info_lock, NULL);
    pq_init(&pl->vq);
    pq_init(&pl->aq);
    fq_init(&pl->fq);
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
    if (pthread_create(&pl->net, NULL, net_thread, pl) != 0)
        goto fail;
    pl->started_net = 1;
    if (!pl->opts.no_video) {
        if (pthread_create(&pl->vdec, NULL, video_thread, pl) != 0)
            goto fail;
        pl->started_v = 1;
    }
    if (!pl->opts.no_audio) {
        if (pthread_create(&pl->adec, NULL, audio_thread, pl) != 0)
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

int rk_player_run(rk_player *pl)
{
    int err = start_threads(pl);
    if (err == 0) {
        if (pl->headless)
            run_headless(pl, &pl->view);
        else
            run_window(pl, &pl->view);
    }
    stop_threads(pl);
    /* A signal is the user's wish: whatever the connection did then is no failure. */
    if (err == 0 && !*pl->cancel)
        err = pl->net_err;
    return err;
}

void rk_player_get_totals(const rk_player *pl, struct rk_player_totals *totals)
{
    totals->video_frames = atomic_load(&pl->video_frames);
    totals->frames_shown = atomic_load(&pl->frames_shown);
    totals->frames_dropped = atomic_load(&pl->frames_dropped);
    totals->audio_frames = atomic_load(&pl->audio_frames);
    totals->audio_samples = atomic_load(&pl->audio_samples);
    totals->packets_dropped = atomic_load(&pl->packets_dropped);
}

void rk_player_close(rk_player *pl)
{
    if (!pl)
        return;
    stop_threads(pl);
    rk_audio_close(pl->audio);
    rk_window_close(pl->view.win);
    if (pl->view.win || pl->audio)
        SDL_Quit();
    pq_destroy(&pl->vq);
    pq_destroy(&pl->aq);
    fq_destroy(&pl->fq);
    pthread_mutex_destroy(&pl->info_lock);
    free(pl);
}
