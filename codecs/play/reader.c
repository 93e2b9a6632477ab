/* The player's network reader: one thread that connects, plays, and turns the stream's
 * events into packets for the decoders. It places every tag on the player's timeline
 * (unwrapped, rebased when the publisher or the connection starts again), keeps the live
 * edge and the "waiting" state that the clock and the title follow, reads the title from
 * onMetaData and the publisher's wall clock from onFI, and applies --duration and the
 * headless end rules. The connection is the library's session (rtmpkit/session.h): it
 * reconnects as the options' policy says, and the player shows "reconnecting" meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "player_internal.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/session.h"

#define NO_MEDIA_WAITING_MS 2000              /* no media this long: "waiting for the stream" */
#define READ_WAIT_MS       200                /* one read's wait: then the no-media check */
/* With a window, the waits before connecting again: 0.5 s, doubling up to 5 s. */

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

/* The link's jitter: each video frame's arrival minus its media time, over the least of
 * that in the last JITTER_WINDOW_MS or two (the frame that came soonest); what a frame
 * is above it is how much later than the best the link brought it. */
static void note_arrival(struct rk_player *pl, int64_t ts, uint64_t arrival_ms)
{
    int64_t d = (int64_t)arrival_ms - ts, best;
    if (!pl->jitter_window_start || arrival_ms - pl->jitter_window_start > JITTER_WINDOW_MS) {
        pl->jitter_min[1] = pl->jitter_window_start ? pl->jitter_min[0] : d;
        pl->jitter_min[0] = d;
        pl->jitter_window_start = arrival_ms;
    }
    if (d < pl->jitter_min[0])
        pl->jitter_min[0] = d;
    best = pl->jitter_min[0] < pl->jitter_min[1] ? pl->jitter_min[0] : pl->jitter_min[1];
    pthread_mutex_lock(&pl->info_lock);
    rk_series_add(&pl->jitter, (int)(d - best));
    pthread_mutex_unlock(&pl->info_lock);
}

/* A FourCC as text, its bytes outside printable ASCII as '?'. */
static void fourcc_text(uint32_t f, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(f >> (24 - 8 * i));
        out[i] = c >= 0x20 && c < 0x7F ? c : '?';
    }
    out[4] = 0;
}

/* Warns once per FourCC about a track the decoders cannot play. The track played has
 * its decoder's warning instead. */
static void warn_unknown_fourcc(struct rk_player *pl, enum rk_decoder_kind kind, const rtmpkit_tag_track *t)
{
    char text[5];
    int played = kind == RK_DECODER_AUDIO ? atomic_load(&pl->audio_track) : 0;
    if (!t->fourcc || t->id == played || rk_fourcc_known(kind, t->fourcc))
        return;
    for (int i = 0; i < pl->n_warned_fourcc; i++)
        if (pl->warned_fourcc[i] == t->fourcc)
            return;
    if (pl->n_warned_fourcc < (int)(sizeof pl->warned_fourcc / sizeof pl->warned_fourcc[0]))
        pl->warned_fourcc[pl->n_warned_fourcc++] = t->fourcc;
    fourcc_text(t->fourcc, text);
    rtmpkit_logf(pl->log, RTMPKIT_LOG_WARN, "%s track %d: unknown codec FourCC \"%s\": its tags are skipped, "
                 "the other tracks play", kind == RK_DECODER_AUDIO ? "audio" : "video", t->id, text);
}

/* The tracks of an Enhanced RTMP tag: the ids of the audio tracks the player can play
 * (for cycling with key a), and a warning for codecs no decoder knows. */
static void note_tracks(struct rk_player *pl, enum rk_decoder_kind kind, const uint8_t *body, size_t len)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t;
    if (rtmpkit_tag_parse(kind == RK_DECODER_AUDIO ? RTMPKIT_FLV_AUDIO : RTMPKIT_FLV_VIDEO, body, len, &h) <= 0
        || h.packet == RTMPKIT_TAG_COMMAND)
        return;
    while (rtmpkit_tag_next_track(&h, &it, &t) > 0) {
        int known = !h.enhanced || rk_fourcc_known(kind, t.fourcc);
        if (kind == RK_DECODER_AUDIO && known)
            atomic_fetch_or(&pl->audio_tracks_seen[t.id / 64], 1ull << (t.id % 64));
        if (!known)
            warn_unknown_fourcc(pl, kind, &t);
    }
}

static int track_seen(struct rk_player *pl, int id)
{
    return (atomic_load(&pl->audio_tracks_seen[id / 64]) >> (id % 64)) & 1;
}

int rk_player_audio_track_count(struct rk_player *pl)
{
    int n = 0;
    for (int id = 0; id < 256; id++)
        n += track_seen(pl, id);
    return n;
}

int rk_player_next_audio_track(struct rk_player *pl)
{
    int now = atomic_load(&pl->audio_track);
    for (int i = 1; i < 256; i++) {
        int id = (now + i) % 256;
        if (track_seen(pl, id))
            return id;
    }
    return -1;
}

static void handle_media(struct rk_player *pl, const rtmpkit_event *ev)
{
    uint64_t arrival_ms = rtmpkit_monotonic_ms();
    enum rk_decoder_kind kind = ev->media_type == RTMPKIT_FLV_VIDEO ? RK_DECODER_VIDEO : RK_DECODER_AUDIO;
    struct rk_tag_info info;
    struct packet p;
    int64_t ts;
    atomic_fetch_add(&pl->bytes_received, ev->length);
    if (ev->media_type != RTMPKIT_FLV_DATA) {
        note_tracks(pl, kind, ev->data, ev->length);
        rk_tag_inspect(kind, kind == RK_DECODER_AUDIO ? (uint8_t)atomic_load(&pl->audio_track) : 0, ev->data,
                       ev->length, &info);
    } else
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
        if (kind == RK_DECODER_VIDEO)
            note_arrival(pl, ts, arrival_ms);
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
    p.arrival_ms = arrival_ms;
    p.len = ev->length;
    if (!(p.data = malloc(ev->length ? ev->length : 1)))
        return;
    memcpy(p.data, ev->data, ev->length);
    /* Headless decodes every frame: the reader waits for the decoder instead of dropping. */
    if (rk_pq_push(kind == RK_DECODER_VIDEO ? &pl->vq : &pl->aq, &p, pl->headless, &pl->quit) < 0) {
        free(p.data);
        atomic_fetch_add(&pl->packets_dropped, 1);
        if (kind == RK_DECODER_VIDEO)
            pl->video_need_key = 1;
    }
}

#define PLAY_START_LIVE_OR_RECORDED (-2)   /* live if there is one, else recorded */

/* No media for a while: the publisher is away ("waiting"); headless, it has ended for
 * good. That time counts on a connection that is up only: from the newest media or from
 * connected_ms (the last reconnect), never while reconnecting (a lost connection is a
 * fault, not the end). Returns 1 when the reading is over. */
static int no_media_is_the_end(struct rk_player *pl, uint64_t connected_ms)
{
    uint64_t now = rtmpkit_monotonic_ms(), last = atomic_load(&pl->last_media_ms);
    uint64_t since = last > connected_ms ? last : connected_ms;
    if (last && now - last > NO_MEDIA_WAITING_MS)
        atomic_store(&pl->waiting, 1);
    if (pl->headless && last && !atomic_load(&pl->reconnecting)
        && now - since > (uint64_t)pl->opts.end_timeout_ms) {
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "no media for %.1f s: the stream has ended",
                     pl->opts.end_timeout_ms / 1000.0);
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

/* One event of the session. Returns 1 when the reading is over. *first_ts as for
 * handle_event: each connection counts --duration from its own first media. */
static int handle_session_event(struct rk_player *pl, const rtmpkit_session_event *sev, int64_t *first_ts)
{
    switch (sev->type) {
    case RTMPKIT_SESSION_EVENT:
        return handle_event(pl, &sev->event, first_ts);
    case RTMPKIT_SESSION_RECONNECTING:
        /* The title says so; the publisher may restart its clock: a new segment. */
        atomic_store(&pl->reconnecting, 1);
        atomic_store(&pl->waiting, 1);
        rtmpkit_timeline_new_segment(&pl->tl);
        break;
    case RTMPKIT_SESSION_RESUMED:
        atomic_store(&pl->reconnecting, 0);
        atomic_fetch_add(&pl->reconnects, 1);
        *first_ts = -1;
        break;
    case RTMPKIT_SESSION_MOVED:   /* the server's ReconnectRequest: another server's clock */
        atomic_fetch_add(&pl->reconnects, 1);
        rtmpkit_timeline_new_segment(&pl->tl);
        *first_ts = -1;
        break;
    case RTMPKIT_SESSION_NO_MEDIA:   /* only with no_media_end_ms, which the player leaves off */
        break;
    }
    return 0;
}

/* Reads the session's events until the stream ends (headless), --duration, quit or an
 * error that ends the session. Returns 0 or that error. */
static int read_stream(struct rk_player *pl, rtmpkit_session *session)
{
    int64_t first_ts = -1;
    uint64_t connected_ms = 0;   /* the last reconnect or move */
    for (;;) {
        rtmpkit_session_event sev;
        int err;
        if (atomic_load(&pl->quit))
            return 0;
        err = rtmpkit_session_next_event(session, &sev, READ_WAIT_MS);
        if (err == RTMPKIT_EAGAIN) {
            if (no_media_is_the_end(pl, connected_ms))
                return 0;
            continue;
        }
        if (err < 0)
            return err;
        if (sev.type == RTMPKIT_SESSION_RESUMED || sev.type == RTMPKIT_SESSION_MOVED)
            connected_ms = rtmpkit_monotonic_ms();
        if (handle_session_event(pl, &sev, &first_ts))
            return 0;
    }
}

/* Connects, plays and reads (the session reconnects when the policy says so); logs the
 * error that ends it, once. At the end the decoders get the end of their queues. */
void *rk_player_reader_thread(void *arg)
{
    struct rk_player *pl = arg;
    rtmpkit_session_config cfg;
    rtmpkit_session *session;
    int err;
    memset(&cfg, 0, sizeof cfg);
    cfg.client = *pl->opts.client;
    cfg.stream = pl->opts.stream;
    cfg.play_start_ms = PLAY_START_LIVE_OR_RECORDED;
    cfg.reconnect = pl->opts.reconnect;
    cfg.follow_reconnect_request = pl->opts.follow_reconnect_request;
    if (!(session = rtmpkit_session_new(&cfg))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    if ((err = rtmpkit_session_start(session)) == 0) {
        char caps[512];
        rtmpkit_caps_format(rtmpkit_client_server_caps(rtmpkit_session_client(session)), caps, sizeof caps);
        rtmpkit_logf(pl->log, RTMPKIT_LOG_INFO, "server's Enhanced RTMP capabilities: %s", caps);
        err = read_stream(pl, session);
    }
    if (err < 0 && err != RTMPKIT_ECANCELLED)
        rtmpkit_logf(pl->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_session_error_message(session));
done:
    rtmpkit_session_free(session);
    pl->net_err = err == RTMPKIT_ECANCELLED ? 0 : err;
    rk_pq_set_eos(&pl->vq);
    rk_pq_set_eos(&pl->aq);
    atomic_store(&pl->net_done, 1);
    return NULL;
}
