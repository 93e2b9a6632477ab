/* The publisher: pacing, the bounded queue and its drop policy, onMetaData and timecodes
 * (see rtmpkit/publisher.h). */
#include "rtmpkit/publisher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtmpkit/amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"

#define UNPACED_MAX_PENDING (512u * 1024)   /* bytes queued before an unpaced send waits */
#define QUEUE_FIFO_SIZE 4096                 /* tags remembered to measure queue latency */
#define METADATA_MAX (64u * 1024)
#define PUMP_WAIT_MS 100
#define OUTAGE_STEP_MS 20   /* how often a publisher waiting for a reconnect looks again */
/* Live sends keep the kernel's socket buffer small (Linux doubles this): what waits must
 * wait in our queue, where frames can still be dropped. */
#define LIVE_SEND_BUFFER (128 * 1024)

/* Where each queued tag ends in the output byte stream, and the moment it was due: when
 * it was queued, or, for an input faster than real time (a file piped in), its moment in
 * real time. How late the oldest undelivered tag is, is the latency our queue adds. */
struct queued_tag {
    uint64_t end_byte;
    uint64_t due_ms;
};

/* A tag that came while the connection was down, with its own copy of the data. */
struct held_tag {
    uint8_t type;
    uint32_t flags;
    int64_t dts_ms;
    uint64_t arrived_ms;
    uint8_t *data;
    size_t size;
};

struct rtmpkit_publisher {
    rtmpkit_publisher_config cfg;
    int started;
    uint64_t start_ms;          /* monotonic time at which stream time 0 was due */
    struct queued_tag fifo[QUEUE_FIFO_SIZE];
    size_t fifo_head, fifo_count;
    int waiting_for_keyframe;   /* video dropped until the next keyframe */
    int64_t next_timecode_ms;
    rtmpkit_publisher_stats stats;
    rtmpkit_buf metadata;       /* "@setDataFrame" + the source's onMetaData */
    rtmpkit_buf video_config;   /* the last sequence headers: sent again after a reconnect */
    rtmpkit_buf audio_config;
    /* The connection is down (cfg.session): tags wait in held, a ring of at most
     * RTMPKIT_PUBLISHER_HELD_MAX_TAGS (allocated at the first outage). */
    int outage;
    struct held_tag *held;
    size_t held_head, held_count, held_bytes, held_keyframes;
    int need_keyframe;          /* after a reconnect: video waits for a keyframe */
    uint64_t last_written;      /* bytes written at the last check, and when they moved: */
    uint64_t written_moved_ms;  /* a paced or live send that stops moving is a blocked link */
    char error[128];            /* a failure of the publisher's own; else the client's */
};

static uint64_t bytes_queued(rtmpkit_publisher *p)
{
    return rtmpkit_client_bytes_queued(p->cfg.client);
}

/* Bytes the server has acknowledged, at the TCP level. */
static uint64_t bytes_delivered(rtmpkit_publisher *p)
{
    return bytes_queued(p) - rtmpkit_client_undelivered(p->cfg.client);
}

/* Bytes handed to the kernel. */
static uint64_t bytes_written(rtmpkit_publisher *p)
{
    return bytes_queued(p) - rtmpkit_client_pending(p->cfg.client);
}

rtmpkit_publisher *rtmpkit_publisher_new(const rtmpkit_publisher_config *cfg)
{
    rtmpkit_publisher *p;
    if (!cfg || (!cfg->client && !cfg->session) || cfg->queue_ms < 0)
        return NULL;
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->cfg = *cfg;
    if (!p->cfg.client)
        p->cfg.client = rtmpkit_session_client(cfg->session);
    if (p->cfg.write_timeout_ms <= 0)
        p->cfg.write_timeout_ms = RTMPKIT_DEFAULT_WRITE_TIMEOUT_MS;
    rtmpkit_buf_init(&p->metadata, METADATA_MAX);
    rtmpkit_buf_init(&p->video_config, METADATA_MAX);
    rtmpkit_buf_init(&p->audio_config, METADATA_MAX);
    if (cfg->paced || cfg->live)
        rtmpkit_client_set_send_buffer(p->cfg.client, LIVE_SEND_BUFFER);
    return p;
}

void rtmpkit_publisher_free(rtmpkit_publisher *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->held_count; i++)
        free(p->held[(p->held_head + i) % RTMPKIT_PUBLISHER_HELD_MAX_TAGS].data);
    free(p->held);
    rtmpkit_buf_free(&p->metadata);
    rtmpkit_buf_free(&p->video_config);
    rtmpkit_buf_free(&p->audio_config);
    free(p);
}

/* How late the oldest tag not yet delivered is (0 when none is late). A burst of input
 * that the link carries faster than real time is not late, so it is not dropped. */
static int64_t queue_latency_ms(rtmpkit_publisher *p)
{
    uint64_t sent = bytes_delivered(p), now = rtmpkit_monotonic_ms();
    while (p->fifo_count > 0 && p->fifo[p->fifo_head].end_byte <= sent) {
        p->fifo_head = (p->fifo_head + 1) % QUEUE_FIFO_SIZE;
        p->fifo_count--;
    }
    if (p->fifo_count == 0 || p->fifo[p->fifo_head].due_ms >= now)
        return 0;
    return (int64_t)(now - p->fifo[p->fifo_head].due_ms);
}

/* The monotonic time of a stream time in real time. */
static uint64_t moment_of(const rtmpkit_publisher *p, int64_t dts_ms)
{
    return p->start_ms + (uint64_t)(dts_ms > 0 ? dts_ms : 0);
}

static void remember_queued(rtmpkit_publisher *p, int64_t dts_ms)
{
    uint64_t now = rtmpkit_monotonic_ms(), due = moment_of(p, dts_ms);
    size_t tail;
    if (p->fifo_count == QUEUE_FIFO_SIZE) {   /* forget the oldest: an estimate is enough */
        p->fifo_head = (p->fifo_head + 1) % QUEUE_FIFO_SIZE;
        p->fifo_count--;
    }
    tail = (p->fifo_head + p->fifo_count) % QUEUE_FIFO_SIZE;
    p->fifo[tail] = (struct queued_tag){ bytes_queued(p), due > now ? due : now };
    p->fifo_count++;
}

/* When the link is slower than the stream the queue grows: past the limit drop
 * non-reference frames, past twice the limit drop video up to the next keyframe, past
 * four times drop audio too. Sequence headers and metadata are never dropped. */
static int should_drop(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    int64_t limit = p->cfg.queue_ms, latency;
    if ((!p->cfg.paced && !p->cfg.live) || (tag->flags & RTMPKIT_MEDIA_CONFIG) || limit <= 0)
        return 0;
    latency = queue_latency_ms(p);
    if (tag->type == RTMPKIT_FLV_VIDEO) {
        if (p->waiting_for_keyframe && (tag->flags & RTMPKIT_MEDIA_KEYFRAME) && latency <= limit)
            p->waiting_for_keyframe = 0;
        if (!p->waiting_for_keyframe && latency > 2 * limit)
            p->waiting_for_keyframe = 1;
        return p->waiting_for_keyframe || (latency > limit && (tag->flags & RTMPKIT_MEDIA_DROPPABLE));
    }
    return tag->type == RTMPKIT_FLV_AUDIO && latency > 4 * limit;
}

static int is_metadata(const rtmpkit_media_tag *tag)
{
    return tag->type == RTMPKIT_FLV_DATA && rtmpkit_flv_is_metadata(tag->data, tag->size);
}

/* Keeps what a new connection needs before any frame: the metadata, wrapped as
 * "@setDataFrame" "onMetaData" {...} (servers take whatever follows "@setDataFrame" for
 * the stream's metadata: nginx would replace it with a cue point), and the last audio
 * and video sequence headers. */
static void remember_config(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    rtmpkit_buf *b = tag->type == RTMPKIT_FLV_VIDEO ? &p->video_config
                   : tag->type == RTMPKIT_FLV_AUDIO ? &p->audio_config : NULL;
    if (is_metadata(tag)) {
        rtmpkit_buf_reset(&p->metadata);
        rtmpkit_amf0_put_string(&p->metadata, "@setDataFrame");
        rtmpkit_put_bytes(&p->metadata, tag->data, tag->size);
    } else if (b && (tag->flags & RTMPKIT_MEDIA_CONFIG)) {
        rtmpkit_buf_reset(b);
        rtmpkit_put_bytes(b, tag->data, tag->size);
    }
}

/* The source's onMetaData goes out as remembered (with "@setDataFrame"); any other data
 * tag (onCuePoint, onTextData...) as it is. */
static int queue_tag(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    const uint8_t *data = tag->data;
    size_t size = tag->size;
    uint32_t timestamp = (uint32_t)tag->dts_ms;   /* 32-bit RTMP time wraps by design */
    int err;
    if (is_metadata(tag) && p->metadata.len && !p->metadata.err) {
        data = p->metadata.data;
        size = p->metadata.len;
    }
    if ((err = rtmpkit_client_queue_media(p->cfg.client, tag->type, timestamp, data, size)) < 0)
        return err;
    remember_queued(p, tag->dts_ms);
    p->stats.last_dts_ms = tag->dts_ms;
    if (!(tag->flags & RTMPKIT_MEDIA_CONFIG)) {
        rtmpkit_tag_header h;
        int frame = tag->type != RTMPKIT_FLV_DATA && rtmpkit_tag_parse(tag->type, data, size, &h) > 0 && h.frame;
        p->stats.media_bytes += size;
        if (frame && tag->type == RTMPKIT_FLV_VIDEO)
            p->stats.video_sent++;
        else if (frame && tag->type == RTMPKIT_FLV_AUDIO)
            p->stats.audio_sent++;
    }
    return 0;
}

/* An onFI data message with the wall-clock time at which the frame of that stream time
 * is sent, as FMLE and Wirecast send it ("sd" date, "st" time), plus the UTC
 * milliseconds, so that a player can show glass-to-glass latency. */
static int queue_timecode(rtmpkit_publisher *p, int64_t dts_ms)
{
    struct timespec now;
    struct tm local;
    char date[16], time_of_day[24];
    rtmpkit_buf b;
    int err;
    clock_gettime(CLOCK_REALTIME, &now);
    localtime_r(&now.tv_sec, &local);
    strftime(date, sizeof date, "%d-%m-%y", &local);
    snprintf(time_of_day, sizeof time_of_day, "%02d:%02d:%02d.%03ld", local.tm_hour, local.tm_min,
             local.tm_sec, now.tv_nsec / 1000000);
    rtmpkit_buf_init(&b, 256);
    rtmpkit_amf0_put_string(&b, "onFI");
    rtmpkit_amf0_put_ecma_array_start(&b, 3);
    rtmpkit_amf0_put_key(&b, "sd");
    rtmpkit_amf0_put_string(&b, date);
    rtmpkit_amf0_put_key(&b, "st");
    rtmpkit_amf0_put_string(&b, time_of_day);
    rtmpkit_amf0_put_key(&b, "rtmpkit_utc_ms");
    rtmpkit_amf0_put_number(&b, (double)now.tv_sec * 1000 + (double)(now.tv_nsec / 1000000));
    rtmpkit_amf0_put_object_end(&b);
    err = b.err ? b.err : rtmpkit_client_queue_media(p->cfg.client, RTMPKIT_FLV_DATA, (uint32_t)dts_ms, b.data, b.len);
    rtmpkit_buf_free(&b);
    return err;
}

/* Lets the queue drain below a bound, but gives up when nothing moves for the write
 * timeout. */
static int drain_to(rtmpkit_publisher *p, size_t max_pending)
{
    uint64_t last_progress = rtmpkit_monotonic_ms(), last_sent = bytes_written(p);
    while (rtmpkit_client_pending(p->cfg.client) > max_pending) {
        int err = rtmpkit_client_pump(p->cfg.client, PUMP_WAIT_MS);
        uint64_t now = rtmpkit_monotonic_ms(), sent = bytes_written(p);
        if (err < 0)
            return err;
        if (sent != last_sent) {
            last_sent = sent;
            last_progress = now;
        } else if (now - last_progress > (uint64_t)p->cfg.write_timeout_ms) {
            snprintf(p->error, sizeof p->error, "sending blocked for %d ms", p->cfg.write_timeout_ms);
            return RTMPKIT_ETIMEOUT;
        }
    }
    return 0;
}

/* A paced or live send never waits for the socket, so a link that takes nothing (a
 * black hole) shows as bytes written that stop moving while some wait. */
static int check_blocked(rtmpkit_publisher *p)
{
    uint64_t now = rtmpkit_monotonic_ms(), written = bytes_written(p);
    if (written != p->last_written || rtmpkit_client_pending(p->cfg.client) == 0) {
        p->last_written = written;
        p->written_moved_ms = now;
        return 0;
    }
    if (now - p->written_moved_ms <= (uint64_t)p->cfg.write_timeout_ms)
        return 0;
    snprintf(p->error, sizeof p->error, "sending blocked for %d ms", p->cfg.write_timeout_ms);
    return RTMPKIT_ETIMEOUT;
}

/* The connection failed with err: with a session whose policy retries it, the outage
 * begins (0), else err stays. What the dead connection had not delivered is gone. */
static int connection_failed(rtmpkit_publisher *p, int err)
{
    if (!p->cfg.session || err == RTMPKIT_ECANCELLED || p->outage)
        return err;
    if ((err = rtmpkit_session_lost(p->cfg.session, err, p->error[0] ? p->error : NULL)) < 0)
        return err;
    if (!p->held && !(p->held = calloc(RTMPKIT_PUBLISHER_HELD_MAX_TAGS, sizeof *p->held)))
        return RTMPKIT_ENOMEM;
    p->outage = 1;
    p->error[0] = 0;
    p->fifo_count = 0;
    return 0;
}

static struct held_tag *held_at(rtmpkit_publisher *p, size_t i)
{
    return &p->held[(p->held_head + i) % RTMPKIT_PUBLISHER_HELD_MAX_TAGS];
}

/* Removes the oldest held tag; counted as dropped when it was not sent. */
static void unhold_oldest(rtmpkit_publisher *p, int dropped)
{
    struct held_tag *h = held_at(p, 0);
    p->held_bytes -= h->size;
    if (h->type == RTMPKIT_FLV_VIDEO && (h->flags & RTMPKIT_MEDIA_KEYFRAME))
        p->held_keyframes--;
    free(h->data);
    h->data = NULL;
    p->held_head = (p->held_head + 1) % RTMPKIT_PUBLISHER_HELD_MAX_TAGS;
    p->held_count--;
    p->stats.dropped += (uint64_t)dropped;
}

/* The connection is down: a tag is held, the oldest going once more than queue_ms old
 * (the queue keeps its limit) or past the caps. Video that no held keyframe precedes
 * could not be decoded after the reconnect: dropped at once. Returns 1 held, 0 dropped. */
static int hold_tag(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    uint64_t now = rtmpkit_monotonic_ms();
    struct held_tag *h;
    while (p->held_count > 0 &&
           (p->held_count == RTMPKIT_PUBLISHER_HELD_MAX_TAGS ||
            p->held_bytes + tag->size > RTMPKIT_PUBLISHER_HELD_MAX_BYTES ||
            (p->cfg.queue_ms > 0 && now - held_at(p, 0)->arrived_ms > (uint64_t)p->cfg.queue_ms)))
        unhold_oldest(p, 1);
    if (tag->flags & RTMPKIT_MEDIA_CONFIG)
        return 1;   /* remembered: sent again before the held tags */
    if ((tag->type == RTMPKIT_FLV_VIDEO && !(tag->flags & RTMPKIT_MEDIA_KEYFRAME) && p->held_keyframes == 0) ||
        tag->size > RTMPKIT_PUBLISHER_HELD_MAX_BYTES) {
        p->stats.dropped++;
        return 0;
    }
    h = held_at(p, p->held_count);
    if (!(h->data = malloc(tag->size ? tag->size : 1))) {
        p->stats.dropped++;
        return 0;
    }
    memcpy(h->data, tag->data, tag->size);
    h->type = tag->type;
    h->flags = tag->flags;
    h->dts_ms = tag->dts_ms;
    h->arrived_ms = now;
    h->size = tag->size;
    p->held_count++;
    p->held_bytes += tag->size;
    if (tag->type == RTMPKIT_FLV_VIDEO && (tag->flags & RTMPKIT_MEDIA_KEYFRAME))
        p->held_keyframes++;
    return 1;
}

static int queue_config(rtmpkit_publisher *p, uint8_t type, const rtmpkit_buf *b, int64_t dts_ms)
{
    if (b->len == 0 || b->err)
        return 0;
    return rtmpkit_client_queue_media(p->cfg.client, type, (uint32_t)dts_ms, b->data, b->len);
}

/* Publishing again: the metadata and sequence headers first (at the time of the first
 * held tag, so nothing goes backwards), then the held tags, video from its first
 * keyframe (audio at once); without a held keyframe, video waits for the next one. */
static int resume(rtmpkit_publisher *p)
{
    int64_t at = p->held_count > 0 ? held_at(p, 0)->dts_ms : p->stats.last_dts_ms;
    int err, seen_keyframe = 0;
    p->outage = 0;
    p->stats.reconnects++;
    if (p->cfg.paced || p->cfg.live)
        rtmpkit_client_set_send_buffer(p->cfg.client, LIVE_SEND_BUFFER);
    if (at < p->stats.last_dts_ms)
        at = p->stats.last_dts_ms;
    if ((err = queue_config(p, RTMPKIT_FLV_DATA, &p->metadata, at)) < 0 ||
        (err = queue_config(p, RTMPKIT_FLV_VIDEO, &p->video_config, at)) < 0 ||
        (err = queue_config(p, RTMPKIT_FLV_AUDIO, &p->audio_config, at)) < 0)
        return err;
    p->need_keyframe = p->held_keyframes == 0;
    p->waiting_for_keyframe = 0;   /* the drop policy's, from before the cut */
    while (p->held_count > 0) {
        struct held_tag *h = held_at(p, 0);
        rtmpkit_media_tag tag = { h->type, h->dts_ms, h->flags, h->data, h->size };
        if (h->type == RTMPKIT_FLV_VIDEO && !seen_keyframe && !(h->flags & RTMPKIT_MEDIA_KEYFRAME)) {
            unhold_oldest(p, 1);
            continue;
        }
        seen_keyframe |= h->type == RTMPKIT_FLV_VIDEO;
        err = queue_tag(p, &tag);
        unhold_oldest(p, 0);
        if (err < 0)
            return err;
    }
    p->last_written = bytes_written(p);
    p->written_moved_ms = rtmpkit_monotonic_ms();
    return 0;
}

/* During an outage: the session's next attempt when its time has come; resumes once
 * publishing again. Returns 0 (whether or not still down) or an error that ends it. */
static int poll_outage(rtmpkit_publisher *p)
{
    int err = rtmpkit_session_poll(p->cfg.session);
    if (err == RTMPKIT_EAGAIN)
        return 0;
    return err < 0 ? err : resume(p);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Waits, serving the session, until the outage ends (an input that is not real time
 * has nothing to keep pace with). Returns 0 or an error. */
static int wait_for_reconnect(rtmpkit_publisher *p)
{
    while (p->outage) {
        int err;
        if (p->cfg.cancel && *p->cfg.cancel)
            return RTMPKIT_ECANCELLED;
        if ((err = poll_outage(p)) < 0)
            return err;
        if (p->outage)
            sleep_ms(OUTAGE_STEP_MS);
    }
    return 0;
}

/* Real time: waits for the tag's moment, serving the connection meanwhile (or, while it
 * is down, the session: the clock keeps running). */
static int wait_for_moment(rtmpkit_publisher *p, int64_t dts_ms)
{
    for (;;) {
        uint64_t now = rtmpkit_monotonic_ms(), due = moment_of(p, dts_ms);
        int err;
        if (now >= due)
            return 0;
        if (p->cfg.cancel && *p->cfg.cancel)
            return RTMPKIT_ECANCELLED;
        if (p->outage) {
            if ((err = poll_outage(p)) < 0)
                return err;
            if (p->outage)
                sleep_ms(due - now < OUTAGE_STEP_MS ? (int)(due - now) : OUTAGE_STEP_MS);
        } else if ((err = rtmpkit_client_pump(p->cfg.client, (int)(due - now))) < 0 &&
                   (err = connection_failed(p, err)) < 0) {
            return err;
        }
    }
}

/* After a reconnect without a held keyframe: video from the next keyframe on. */
static int waits_for_keyframe(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    if (!p->need_keyframe || tag->type != RTMPKIT_FLV_VIDEO || (tag->flags & RTMPKIT_MEDIA_CONFIG))
        return 0;
    if (tag->flags & RTMPKIT_MEDIA_KEYFRAME)
        p->need_keyframe = 0;
    return p->need_keyframe;
}

/* Queues the tag (and a timecode when one is due) on the live connection and writes what
 * the socket takes. */
static int send_now(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    int err;
    if ((err = queue_tag(p, tag)) < 0)
        return err;
    if (!p->cfg.no_timecodes && tag->type == RTMPKIT_FLV_VIDEO && !(tag->flags & RTMPKIT_MEDIA_CONFIG) &&
        tag->dts_ms >= p->next_timecode_ms) {
        if ((err = queue_timecode(p, tag->dts_ms)) < 0)
            return err;
        p->next_timecode_ms = tag->dts_ms + RTMPKIT_PUBLISHER_TIMECODE_MS;
    }
    if ((err = rtmpkit_client_pump(p->cfg.client, 0)) < 0)
        return connection_failed(p, err);
    if (p->cfg.paced || p->cfg.live)
        err = check_blocked(p);
    else
        err = drain_to(p, UNPACED_MAX_PENDING);
    return err < 0 ? connection_failed(p, err) : 0;
}

/* Where a ReconnectRequest is followed: a keyframe, or in a stream without video any
 * audio frame. */
static int at_boundary(const rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    if (tag->flags & RTMPKIT_MEDIA_CONFIG)
        return 0;
    if (tag->type == RTMPKIT_FLV_VIDEO)
        return (tag->flags & RTMPKIT_MEDIA_KEYFRAME) != 0;
    return tag->type == RTMPKIT_FLV_AUDIO && p->video_config.len == 0 && p->stats.video_sent == 0;
}

/* Make before break: the session starts the new connection at once, in the background
 * (input goes on being read and sent on the old connection), and at the first boundary
 * tag once it publishes there the switch is made: the old connection has every tag before
 * this one queued, and keeps them; the metadata and sequence headers go to the new place
 * at the tag's time, then the tag itself, and only then is the old connection closed. A
 * new place that fails is logged by the session; the tag then goes on the old connection
 * (or, when the session had to end it first, is held for the reconnect). Returns 1 when
 * the tag was sent or held, 0 when it is yet to be sent, or an error. */
static int move_at(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    int err = rtmpkit_session_move_start(p->cfg.session);
    if (err < 0 || !at_boundary(p, tag))
        return 0;
    err = rtmpkit_session_move_switch(p->cfg.session);
    if (err == RTMPKIT_ENETWORK) {   /* the old connection ended, the new place refused */
        if ((err = connection_failed(p, err)) < 0)
            return err;
        return hold_tag(p, tag);
    }
    if (err < 0)
        return 0;
    p->fifo_count = 0;   /* byte counts start again on the new connection */
    if (p->cfg.paced || p->cfg.live)
        rtmpkit_client_set_send_buffer(p->cfg.client, LIVE_SEND_BUFFER);
    p->last_written = bytes_written(p);
    p->written_moved_ms = rtmpkit_monotonic_ms();
    if ((err = queue_config(p, RTMPKIT_FLV_DATA, &p->metadata, tag->dts_ms)) < 0 ||
        (err = queue_config(p, RTMPKIT_FLV_VIDEO, &p->video_config, tag->dts_ms)) < 0 ||
        (err = queue_config(p, RTMPKIT_FLV_AUDIO, &p->audio_config, tag->dts_ms)) < 0)
        err = connection_failed(p, err);
    else
        err = send_now(p, tag);
    rtmpkit_session_move_finish(p->cfg.session);
    return err < 0 ? err : 1;
}

int rtmpkit_publisher_send(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    int err;
    if (p->cfg.cancel && *p->cfg.cancel)
        return RTMPKIT_ECANCELLED;
    if (!p->started) {
        p->started = 1;
        p->start_ms = rtmpkit_monotonic_ms();
        p->written_moved_ms = p->start_ms;
    }
    remember_config(p, tag);
    if (p->cfg.paced && (err = wait_for_moment(p, tag->dts_ms)) < 0)
        return err;
    if (p->outage && !p->cfg.paced && !p->cfg.live && (err = wait_for_reconnect(p)) < 0)
        return err;
    if (p->outage && (err = poll_outage(p)) < 0)
        return err;
    if (p->outage)
        return hold_tag(p, tag);
    if (waits_for_keyframe(p, tag) || should_drop(p, tag)) {
        p->stats.dropped++;
        return 0;
    }
    if (p->cfg.session && rtmpkit_session_move_pending(p->cfg.session) && (err = move_at(p, tag)) != 0)
        return err;
    if ((err = send_now(p, tag)) < 0)
        return err;
    return 1;
}

int rtmpkit_publisher_flush(rtmpkit_publisher *p)
{
    for (;;) {
        int err;
        if ((err = wait_for_reconnect(p)) < 0)
            return err;
        if ((err = drain_to(p, 0)) >= 0)
            return 0;
        if ((err = connection_failed(p, err)) < 0)
            return err;
    }
}

void rtmpkit_publisher_get_stats(rtmpkit_publisher *p, rtmpkit_publisher_stats *stats)
{
    p->stats.queue_latency_ms = p->outage ? 0 : queue_latency_ms(p);
    p->stats.reconnecting = p->outage;
    *stats = p->stats;
}

const char *rtmpkit_publisher_error_message(const rtmpkit_publisher *p)
{
    return p->error[0] ? p->error : rtmpkit_client_error_message(p->cfg.client);
}
