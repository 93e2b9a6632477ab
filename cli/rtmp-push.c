/* rtmp-push: publish a file, a device, stdin or the built-in test source to an RTMP
 * server, copying H.264/AAC as is and encoding anything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtmpkit/amf.h"
#include "rtmpkit/bytes.h"
#include "common.h"
#include "rtmpkit/flv.h"
#include "push_input.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"

#define NAME "rtmp-push"
#define UNPACED_MAX_PENDING (512u * 1024)   /* bytes queued before an unpaced push waits */
#define QUEUE_FIFO_SIZE 4096                 /* tags remembered to measure queue latency */
#define METADATA_MAX (64u * 1024)
#define TIMECODE_INTERVAL_MS 1000
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

struct pusher {
    rtmpkit_client *client;
    rk_push_input *source;
    const struct cli_options *opts;
    rtmpkit_log *log;
    int paced;
    uint64_t start_ms;          /* monotonic time at which stream time 0 was due */
    struct queued_tag fifo[QUEUE_FIFO_SIZE];
    size_t fifo_head, fifo_count;
    int64_t last_dts_ms;
    int waiting_for_keyframe;   /* video dropped until the next keyframe */
    uint64_t video_sent, audio_sent, dropped;
    uint64_t bytes_queued_media;
    rtmpkit_buf metadata;            /* "@setDataFrame" + the source's onMetaData */
    const volatile sig_atomic_t *cancel;
    int error_logged;           /* the failure was reported where it happened */
};

static const rtmpkit_conn *conn_of(struct pusher *p)
{
    return rtmpkit_client_conn(p->client);
}

/* Bytes the server has acknowledged, at the TCP level. */
static uint64_t bytes_delivered(struct pusher *p)
{
    return rtmpkit_conn_bytes_queued(conn_of(p)) - rtmpkit_client_undelivered(p->client);
}

/* Bytes handed to the kernel. */
static uint64_t bytes_written(struct pusher *p)
{
    return rtmpkit_conn_bytes_queued(conn_of(p)) - rtmpkit_client_pending(p->client);
}

/* How late the oldest tag not yet delivered is (0 when none is late). A burst of input
 * that the link carries faster than real time is not late, so it is not dropped. */
static int64_t queue_latency_ms(struct pusher *p)
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
static uint64_t moment_of(const struct pusher *p, int64_t dts_ms)
{
    return p->start_ms + (uint64_t)(dts_ms > 0 ? dts_ms : 0);
}

static void remember_queued(struct pusher *p, int64_t dts_ms)
{
    uint64_t now = rtmpkit_monotonic_ms(), due = moment_of(p, dts_ms);
    size_t tail;
    if (p->fifo_count == QUEUE_FIFO_SIZE) {   /* forget the oldest: an estimate is enough */
        p->fifo_head = (p->fifo_head + 1) % QUEUE_FIFO_SIZE;
        p->fifo_count--;
    }
    tail = (p->fifo_head + p->fifo_count) % QUEUE_FIFO_SIZE;
    p->fifo[tail] = (struct queued_tag){ rtmpkit_conn_bytes_queued(conn_of(p)), due > now ? due : now };
    p->fifo_count++;
    p->last_dts_ms = dts_ms;
}

/* When the link is slower than the stream the queue grows: past the limit drop
 * non-reference frames, past twice the limit drop video up to the next keyframe, past
 * four times drop audio too. Sequence headers and metadata are never dropped. */
static int should_drop(struct pusher *p, const rk_tag *tag)
{
    int64_t limit = p->opts->queue_ms, latency;
    if ((!p->paced && !rk_push_input_is_live(p->source)) || (tag->flags & RK_TAG_CONFIG) || limit <= 0)
        return 0;
    latency = queue_latency_ms(p);
    if (tag->type == 9) {
        if (p->waiting_for_keyframe && (tag->flags & RK_TAG_KEYFRAME) && latency <= limit)
            p->waiting_for_keyframe = 0;
        if (!p->waiting_for_keyframe && latency > 2 * limit)
            p->waiting_for_keyframe = 1;
        return p->waiting_for_keyframe || (latency > limit && (tag->flags & RK_TAG_DROPPABLE));
    }
    return tag->type == 8 && latency > 4 * limit;
}

/* The source's onMetaData goes out as "@setDataFrame" "onMetaData" {...}; any other data
 * tag (onCuePoint, onTextData...) as it is: servers take whatever follows "@setDataFrame"
 * for the stream's metadata (nginx would replace it with the cue point). */
static int send_tag(struct pusher *p, const rk_tag *tag)
{
    const uint8_t *data = tag->data;
    size_t size = tag->size;
    uint32_t timestamp = (uint32_t)tag->dts_ms;   /* 32-bit RTMP time wraps by design */
    int err;
    if (tag->type == 18 && rtmpkit_flv_is_metadata(data, size)) {
        rtmpkit_buf_reset(&p->metadata);
        rtmpkit_amf0_put_string(&p->metadata, "@setDataFrame");
        rtmpkit_put_bytes(&p->metadata, tag->data, tag->size);
        if (!p->metadata.err) {
            data = p->metadata.data;
            size = p->metadata.len;
        }
    }
    if ((err = rtmpkit_client_queue_media(p->client, tag->type, timestamp, data, size)) < 0)
        return err;
    remember_queued(p, tag->dts_ms);
    if (!(tag->flags & RK_TAG_CONFIG)) {
        p->bytes_queued_media += size;
        if (tag->type == 9)
            p->video_sent++;
        else if (tag->type == 8)
            p->audio_sent++;
    }
    return 0;
}

/* About once a second: an onFI data message with the wall-clock time at which the
 * frame of that stream time is sent, as FMLE and Wirecast send it ("sd" date, "st" time),
 * plus the UTC milliseconds, so that a player can show glass-to-glass latency. */
static int send_timecode(struct pusher *p, int64_t dts_ms)
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
    err = b.err ? b.err : rtmpkit_client_queue_media(p->client, 18, (uint32_t)dts_ms, b.data, b.len);
    rtmpkit_buf_free(&b);
    return err;
}

/* Unpaced: let the queue drain below a bound, but give up when nothing moves for the
 * write timeout. */
static int drain_to(struct pusher *p, size_t max_pending, int timeout_ms)
{
    uint64_t last_progress = rtmpkit_monotonic_ms(), last_sent = bytes_written(p);
    while (rtmpkit_client_pending(p->client) > max_pending) {
        int err = rtmpkit_client_pump(p->client, 100);
        uint64_t now = rtmpkit_monotonic_ms(), sent = bytes_written(p);
        if (err < 0)
            return err;
        if (sent != last_sent) {
            last_sent = sent;
            last_progress = now;
        } else if (now - last_progress > (uint64_t)timeout_ms) {
            rtmpkit_logf(p->log, RTMPKIT_LOG_ERROR, "sending blocked for %d ms", timeout_ms);
            p->error_logged = 1;
            return RTMPKIT_ETIMEOUT;
        }
    }
    return 0;
}

static void draw_progress(struct pusher *p, struct cli_progress *progress, int force)
{
    char size[32];
    double media_s = (double)p->last_dts_ms / 1000.0;
    cli_format_bytes(size, sizeof size, p->bytes_queued_media);
    cli_progress_draw(progress, force, "sent %02d:%02d:%02d  %s  %.0f kbit/s  %.1f fps  dropped %llu  queue %lld ms",
                      (int)(p->last_dts_ms / 3600000), (int)(p->last_dts_ms / 60000 % 60),
                      (int)(p->last_dts_ms / 1000 % 60), size,
                      media_s > 0 ? (double)p->bytes_queued_media * 8 / 1000 / media_s : 0.0,
                      media_s > 0 ? (double)p->video_sent / media_s : 0.0,
                      (unsigned long long)p->dropped, (long long)queue_latency_ms(p));
}

/* Sends the source's tags until its end, --duration, a signal or an error. */
static int push_stream(struct pusher *p)
{
    const struct cli_options *opts = p->opts;
    struct cli_progress progress;
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    int write_timeout_ms = opts->timeout > 0 ? (int)(opts->timeout * 1000) : 10000;
    int64_t next_timecode_ms = 0;
    int err = 0;

    cli_progress_init(&progress, opts);
    p->start_ms = rtmpkit_monotonic_ms();
    for (;;) {
        rk_tag tag;
        int n;
        if (*p->cancel) {
            err = RTMPKIT_ECANCELLED;
            break;
        }
        n = rk_push_input_read(p->source, &tag);
        if (n <= 0) {
            /* A signal can interrupt a blocking read of stdin or a device. */
            err = n < 0 && *p->cancel ? RTMPKIT_ECANCELLED : n;
            p->error_logged = n < 0;   /* the source said why */
            break;
        }
        if (limit_ms >= 0 && tag.dts_ms >= limit_ms && !(tag.flags & RK_TAG_CONFIG))
            break;
        if (p->paced) {
            /* Real time: wait for the tag's moment, serving the connection meanwhile. */
            for (;;) {
                uint64_t now = rtmpkit_monotonic_ms(), due = moment_of(p, tag.dts_ms);
                if (now >= due)
                    break;
                if ((err = rtmpkit_client_pump(p->client, (int)(due - now))) < 0)
                    goto done;
            }
        }
        if (should_drop(p, &tag)) {
            p->dropped++;
            continue;
        }
        if ((err = send_tag(p, &tag)) < 0)
            break;
        if (tag.type == 9 && !(tag.flags & RK_TAG_CONFIG) && tag.dts_ms >= next_timecode_ms) {
            if ((err = send_timecode(p, tag.dts_ms)) < 0)
                break;
            next_timecode_ms = tag.dts_ms + TIMECODE_INTERVAL_MS;
        }
        if ((err = rtmpkit_client_pump(p->client, 0)) < 0)
            break;
        if (!p->paced && (err = drain_to(p, UNPACED_MAX_PENDING, write_timeout_ms)) < 0)
            break;
        draw_progress(p, &progress, 0);
    }
    /* What is queued goes out before the stream is closed. */
    if (err >= 0)
        err = drain_to(p, 0, write_timeout_ms);
done:
    if (progress.enabled)
        draw_progress(p, &progress, 1);
    cli_progress_end(&progress);
    if (err == RTMPKIT_ECANCELLED) {
        rtmpkit_logf(p->log, RTMPKIT_LOG_INFO, "interrupted: unpublishing");
        return 0;
    }
    return err;
}

static void source_options(const struct cli_options *opts, rtmpkit_log *log, struct rk_push_source_options *so)
{
    memset(so, 0, sizeof *so);
    so->input = opts->input;
    so->format = opts->format;
    so->audio_input = opts->audio_input;
    so->audio_format = opts->audio_format;
    so->loop = opts->loop;
    so->force_encode = opts->encode;
    so->no_video = opts->no_video;
    so->no_audio = opts->no_audio;
    so->width = opts->width;
    so->height = opts->height;
    so->fps = opts->fps;
    so->video_kbps = opts->video_kbps;
    so->audio_kbps = opts->audio_kbps;
    so->gop_frames = opts->gop;
    so->preset = opts->preset;
    so->duration = opts->duration;
    so->log = log;
    so->cancel = cli_install_signals();   /* a signal ends a blocking read of stdin or a device */
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct rk_push_source_options source_opts;
    struct pusher p;
    rtmpkit_log log;
    rtmpkit_url url;
    rtmpkit_client_config cfg;
    char shown[512];
    int err, have_url = 0;
    int status = cli_parse(CLI_PUSH, NAME, argc, argv, &opts);

    if (status >= 0)
        return status;
    memset(&p, 0, sizeof p);
    rtmpkit_buf_init(&p.metadata, METADATA_MAX);
    cli_log_init(&log, NAME, &opts);
    p.opts = &opts;
    p.log = &log;
    if ((err = cli_parse_url(&opts, &log, 1, &url)) < 0)
        goto done;
    have_url = 1;
    if (opts.no_audio && opts.no_video) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--no-audio and --no-video leave nothing to send");
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if (opts.pace && opts.no_pace) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--pace and --no-pace exclude each other");
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    source_options(&opts, &log, &source_opts);
    if ((err = rk_push_input_open(&p.source, &source_opts)) < 0)
        goto done;   /* the source logged why */
    /* Files in real time; stdin and devices as they come, unless --pace. */
    p.paced = opts.pace || (!opts.no_pace && !rk_push_input_is_live(p.source));
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "input: %s", rk_push_input_describe(p.source));

    cli_client_config(&opts, &url, &log, &cfg);
    cfg.conn.publisher = 1;
    if (!(p.client = rtmpkit_client_new(&cfg))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    rtmpkit_url_format_redacted(&url, 1, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "publishing to %s", shown);
    if ((err = rtmpkit_client_connect(p.client)) < 0
        || (err = rtmpkit_client_publish(p.client, url.stream, "live")) < 0) {
        if (err != RTMPKIT_ECANCELLED)
            rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_client_error_message(p.client));
        goto done;
    }
    p.cancel = cfg.cancel;
    if (p.paced || rk_push_input_is_live(p.source))
        rtmpkit_client_set_send_buffer(p.client, LIVE_SEND_BUFFER);
    err = push_stream(&p);
    if (err < 0 && !p.error_logged)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_client_error_message(p.client));
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "sent %.1f s: %llu video and %llu audio frames, %llu dropped",
                 (double)p.last_dts_ms / 1000, (unsigned long long)p.video_sent,
                 (unsigned long long)p.audio_sent, (unsigned long long)p.dropped);
done:
    if (p.client) {
        rtmpkit_client_close(p.client);   /* FCUnpublish, deleteStream */
        rtmpkit_client_free(p.client);
    }
    if (p.source)
        rk_push_input_close(p.source);
    rtmpkit_buf_free(&p.metadata);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
