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
    if (!cfg || !cfg->client || cfg->queue_ms < 0)
        return NULL;
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->cfg = *cfg;
    if (p->cfg.write_timeout_ms <= 0)
        p->cfg.write_timeout_ms = RTMPKIT_DEFAULT_WRITE_TIMEOUT_MS;
    rtmpkit_buf_init(&p->metadata, METADATA_MAX);
    if (cfg->paced || cfg->live)
        rtmpkit_client_set_send_buffer(cfg->client, LIVE_SEND_BUFFER);
    return p;
}

void rtmpkit_publisher_free(rtmpkit_publisher *p)
{
    if (!p)
        return;
    rtmpkit_buf_free(&p->metadata);
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

/* The source's onMetaData goes out as "@setDataFrame" "onMetaData" {...}; any other data
 * tag (onCuePoint, onTextData...) as it is: servers take whatever follows "@setDataFrame"
 * for the stream's metadata (nginx would replace it with the cue point). */
static int queue_tag(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    const uint8_t *data = tag->data;
    size_t size = tag->size;
    uint32_t timestamp = (uint32_t)tag->dts_ms;   /* 32-bit RTMP time wraps by design */
    int err;
    if (tag->type == RTMPKIT_FLV_DATA && rtmpkit_flv_is_metadata(data, size)) {
        rtmpkit_buf_reset(&p->metadata);
        rtmpkit_amf0_put_string(&p->metadata, "@setDataFrame");
        rtmpkit_put_bytes(&p->metadata, tag->data, tag->size);
        if (!p->metadata.err) {
            data = p->metadata.data;
            size = p->metadata.len;
        }
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

/* Real time: waits for the tag's moment, serving the connection meanwhile. */
static int wait_for_moment(rtmpkit_publisher *p, int64_t dts_ms)
{
    for (;;) {
        uint64_t now = rtmpkit_monotonic_ms(), due = moment_of(p, dts_ms);
        int err;
        if (now >= due)
            return 0;
        if ((err = rtmpkit_client_pump(p->cfg.client, (int)(due - now))) < 0)
            return err;
    }
}

int rtmpkit_publisher_send(rtmpkit_publisher *p, const rtmpkit_media_tag *tag)
{
    int err;
    if (p->cfg.cancel && *p->cfg.cancel)
        return RTMPKIT_ECANCELLED;
    if (!p->started) {
        p->started = 1;
        p->start_ms = rtmpkit_monotonic_ms();
    }
    if (p->cfg.paced && (err = wait_for_moment(p, tag->dts_ms)) < 0)
        return err;
    if (should_drop(p, tag)) {
        p->stats.dropped++;
        return 0;
    }
    if ((err = queue_tag(p, tag)) < 0)
        return err;
    if (!p->cfg.no_timecodes && tag->type == RTMPKIT_FLV_VIDEO && !(tag->flags & RTMPKIT_MEDIA_CONFIG) &&
        tag->dts_ms >= p->next_timecode_ms) {
        if ((err = queue_timecode(p, tag->dts_ms)) < 0)
            return err;
        p->next_timecode_ms = tag->dts_ms + RTMPKIT_PUBLISHER_TIMECODE_MS;
    }
    if ((err = rtmpkit_client_pump(p->cfg.client, 0)) < 0)
        return err;
    if (!p->cfg.paced && (err = drain_to(p, UNPACED_MAX_PENDING)) < 0)
        return err;
    return 1;
}

int rtmpkit_publisher_flush(rtmpkit_publisher *p)
{
    return drain_to(p, 0);
}

void rtmpkit_publisher_get_stats(rtmpkit_publisher *p, rtmpkit_publisher_stats *stats)
{
    p->stats.queue_latency_ms = queue_latency_ms(p);
    *stats = p->stats;
}

const char *rtmpkit_publisher_error_message(const rtmpkit_publisher *p)
{
    return p->error[0] ? p->error : rtmpkit_client_error_message(p->cfg.client);
}
