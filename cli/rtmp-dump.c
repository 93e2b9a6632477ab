/* rtmp-dump: save an RTMP stream to an FLV file (or stdout), exactly as received. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/flv.h"

#define NAME "rtmp-dump"
#define METADATA_MAX (1024 * 1024)

enum track_index { TRACK_AUDIO, TRACK_VIDEO, TRACK_DATA, TRACK_COUNT };

/* Per-track timestamp state: 32-bit wire time unwrapped into 64 bits, output kept
 * monotonic. */
struct track {
    int seen;
    uint32_t last_wire;
    int64_t last_unwrapped;
    int64_t last_out;
    uint64_t tags;
};

struct recording {
    const char *path;           /* "-" for stdout */
    int fd;
    int seekable;
    uint64_t bytes;             /* written so far */
    struct track tracks[TRACK_COUNT];
    /* The file's time is (unwrapped wire time - base) + offset. A new segment starts when
     * the publisher comes back (or the server's clock jumps back): it gets a new base and
     * continues after what is already written. */
    int have_base;
    uint32_t base_wire;         /* wire time of the segment's first frame */
    int64_t base_unwrapped;
    int64_t offset_ms;
    int64_t last_out_ms;        /* highest output timestamp written */
    uint8_t flv_flags;          /* audio 4 / video 1, as seen */
    off_t duration_offset;      /* where onMetaData's duration double is, or -1 */
    off_t filesize_offset;
    char error[256];
};

/* A track whose clock goes back this far has a new publisher behind it. */
#define DISCONTINUITY_MS 1000

static enum track_index track_of(uint8_t type)
{
    return type == RTMPKIT_FLV_AUDIO ? TRACK_AUDIO : type == RTMPKIT_FLV_VIDEO ? TRACK_VIDEO : TRACK_DATA;
}

/* Sequence headers (decoder configuration) are not frames: they do not set time 0. */
static int is_config_tag(uint8_t type, const uint8_t *data, size_t len)
{
    if (len < 2)
        return len == 0;
    if (type == RTMPKIT_FLV_VIDEO) {
        if (data[0] & 0x80)                         /* enhanced: packet type 0 = SequenceStart */
            return (data[0] & 0x0F) == 0;
        return ((data[0] & 0x0F) == 7 || (data[0] & 0x0F) == 12) && data[1] == 0;
    }
    if (type == RTMPKIT_FLV_AUDIO) {
        if ((data[0] >> 4) == 9)                    /* enhanced audio: SequenceStart */
            return (data[0] & 0x0F) == 0;
        return (data[0] >> 4) == 10 && data[1] == 0;
    }
    return 1;
}

/* Called when the publisher restarts: the next frame starts a new segment right after
 * what is already written. */
static void start_segment(struct recording *rec)
{
    rec->have_base = 0;
    rec->offset_ms = rec->bytes > RTMPKIT_FLV_HEADER_SIZE ? rec->last_out_ms + 1 : 0;
    for (int i = 0; i < TRACK_COUNT; i++)
        rec->tracks[i].seen = 0;
}

/* Maps a wire timestamp to the file's: unwrap per track, rebase to the segment's first
 * frame, never go backwards. */
static uint32_t output_time(struct recording *rec, uint8_t type, uint32_t wire, int is_config)
{
    struct track *t = &rec->tracks[track_of(type)];
    int64_t unwrapped, out;
    if (t->seen && (int32_t)(wire - t->last_wire) < -DISCONTINUITY_MS && !is_config)
        start_segment(rec);
    if (!rec->have_base && !is_config && type != RTMPKIT_FLV_DATA) {
        rec->have_base = 1;
        rec->base_wire = wire;
        rec->base_unwrapped = wire;
    }
    if (t->seen)
        unwrapped = t->last_unwrapped + (int32_t)(wire - t->last_wire);
    else if (rec->have_base)
        unwrapped = rec->base_unwrapped + (int32_t)(wire - rec->base_wire);
    else
        unwrapped = wire;
    t->seen = 1;
    t->last_wire = wire;
    t->last_unwrapped = unwrapped;
    out = rec->offset_ms + (rec->have_base ? unwrapped - rec->base_unwrapped : 0);
    if (out < t->last_out)
        out = t->last_out;
    if (out > UINT32_MAX)
        out = UINT32_MAX;
    t->last_out = out;
    if (out > rec->last_out_ms)
        rec->last_out_ms = out;
    return (uint32_t)out;
}

static int write_all(struct recording *rec, struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(rec->fd, iov, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(rec->error, sizeof rec->error, "cannot write %s: %s",
                     rec->fd == STDOUT_FILENO ? "to stdout" : rec->path, strerror(errno));
            return RTMPKIT_EOUTPUT;
        }
        rec->bytes += (uint64_t)n;
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* One tag per write: after a kill -9 the file ends with complete tags, at most the one
 * being written is cut. */
static int write_tag(struct recording *rec, uint8_t type, uint32_t timestamp, const uint8_t *data, size_t len)
{
    uint8_t header[RTMPKIT_FLV_TAG_HEADER_SIZE], trailer[4];
    struct iovec iov[3] = {
        { header, sizeof header }, { (void *)data, len }, { trailer, sizeof trailer },
    };
    if (len > RTMPKIT_FLV_MAX_TAG_SIZE)
        return 0;   /* cannot be represented in FLV; the chunk layer caps below this anyway */
    rtmpkit_flv_write_tag_header(header, type, (uint32_t)len, timestamp);
    rtmpkit_flv_write_tag_trailer(trailer, (uint32_t)len);
    rec->tracks[track_of(type)].tags++;
    if (type == RTMPKIT_FLV_AUDIO)
        rec->flv_flags |= 4;
    if (type == RTMPKIT_FLV_VIDEO)
        rec->flv_flags |= 1;
    return write_all(rec, iov, 3);
}

static void init_recording(struct recording *rec, const char *path)
{
    memset(rec, 0, sizeof *rec);
    rec->path = path;
    rec->fd = -1;
    rec->duration_offset = rec->filesize_offset = -1;
}

/* The file is created when the first tag arrives: a stream refused or never published
 * leaves no empty file behind. */
static int open_output(struct recording *rec)
{
    uint8_t header[RTMPKIT_FLV_HEADER_SIZE];
    struct iovec iov = { header, sizeof header };
    struct stat st;
    if (strcmp(rec->path, "-") == 0) {
        rec->fd = STDOUT_FILENO;
    } else {
        rec->fd = open(rec->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (rec->fd < 0) {
            snprintf(rec->error, sizeof rec->error, "cannot create %s: %s", rec->path, strerror(errno));
            return RTMPKIT_EOUTPUT;
        }
    }
    rec->seekable = fstat(rec->fd, &st) == 0 && S_ISREG(st.st_mode);
    /* Both flags until we know: corrected at the end when the file is seekable. */
    rtmpkit_flv_write_header(header, 1, 1);
    return write_all(rec, &iov, 1);
}

/* The first onMetaData is written again with duration and filesize properties whose
 * values are patched in place when the recording ends. */
static int write_metadata(struct recording *rec, uint32_t timestamp, const uint8_t *data, size_t len)
{
    rtmpkit_buf b;
    size_t duration_at, filesize_at;
    uint64_t tag_start = rec->bytes;
    int err;

    rtmpkit_buf_init(&b, METADATA_MAX);
    if (rtmpkit_flv_metadata_with_totals(data, len, &b, &duration_at, &filesize_at) < 0) {
        err = write_tag(rec, RTMPKIT_FLV_DATA, timestamp, data, len);   /* keep as received */
    } else {
        err = write_tag(rec, RTMPKIT_FLV_DATA, timestamp, b.data, b.len);
        if (err == 0 && rec->seekable) {
            rec->duration_offset = (off_t)(tag_start + RTMPKIT_FLV_TAG_HEADER_SIZE + duration_at);
            rec->filesize_offset = (off_t)(tag_start + RTMPKIT_FLV_TAG_HEADER_SIZE + filesize_at);
        }
    }
    rtmpkit_buf_free(&b);
    return err;
}

static int record_media(struct recording *rec, const rtmpkit_event *ev)
{
    int config = is_config_tag(ev->media_type, ev->data, ev->length), err;
    uint32_t ts = output_time(rec, ev->media_type, ev->timestamp, config);
    if (rec->fd < 0 && (err = open_output(rec)) < 0)
        return err;
    if (ev->media_type == RTMPKIT_FLV_DATA && rec->duration_offset < 0 && rtmpkit_flv_is_metadata(ev->data, ev->length))
        return write_metadata(rec, ts, ev->data, ev->length);
    return write_tag(rec, ev->media_type, ts, ev->data, ev->length);
}

static void patch_double(struct recording *rec, off_t offset, double value)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 8);
    rtmpkit_put_f64(&b, value);
    if (!b.err && pwrite(rec->fd, b.data, 8, offset) != 8)
        snprintf(rec->error, sizeof rec->error, "cannot update the metadata of %s: %s", rec->path, strerror(errno));
    rtmpkit_buf_free(&b);
}

/* Writes duration, file size and the real audio/video flags in place; closes. */
static int finish_recording(struct recording *rec)
{
    int err = 0;
    if (rec->seekable) {
        if (rec->duration_offset >= 0) {
            patch_double(rec, rec->duration_offset, (double)rec->last_out_ms / 1000.0);
            patch_double(rec, rec->filesize_offset, (double)rec->bytes);
        }
        if (rec->flv_flags && pwrite(rec->fd, &rec->flv_flags, 1, 4) != 1)
            err = RTMPKIT_EOUTPUT;
    }
    if (rec->fd != STDOUT_FILENO && close(rec->fd) != 0) {
        snprintf(rec->error, sizeof rec->error, "cannot close %s: %s", rec->path, strerror(errno));
        err = RTMPKIT_EOUTPUT;
    }
    return err;
}

static void draw_progress(struct cli_progress *p, const struct recording *rec, uint64_t started_ms, int force)
{
    char size[32];
    double elapsed = (double)(rtmpkit_monotonic_ms() - started_ms) / 1000.0;
    cli_format_bytes(size, sizeof size, rec->bytes);
    cli_progress_draw(p, force, "recorded %02d:%02d:%02d  %s  %.0f kbit/s",
                      (int)(rec->last_out_ms / 3600000), (int)(rec->last_out_ms / 60000 % 60),
                      (int)(rec->last_out_ms / 1000 % 60), size,
                      elapsed > 0 ? (double)rec->bytes * 8 / 1000 / elapsed : 0.0);
}

/* Receives and records until the stream ends, --duration is reached, a signal arrives or
 * an error happens. Returns 0 or an error. */
static int record_stream(rtmpkit_client *client, struct recording *rec, const struct cli_options *opts,
                         rtmpkit_log *log)
{
    struct cli_progress progress;
    uint64_t started = 0;   /* when the first tag arrived: the bit rate is over media time */
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    int err;

    cli_progress_init(&progress, opts);
    for (;;) {
        rtmpkit_event ev;
        /* Some servers (node-media-server) say nothing when the publisher goes away:
         * media that stops for end_timeout means the stream has ended. */
        int end_ms = rec->bytes > RTMPKIT_FLV_HEADER_SIZE && !opts->wait ? (int)(opts->end_timeout * 1000) : 0;
        err = rtmpkit_client_next_event_timeout(client, &ev, end_ms);
        if (err == RTMPKIT_EAGAIN) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "no media for %.1f s: the stream has ended", opts->end_timeout);
            err = 0;
            break;
        }
        if (err < 0)
            break;
        if (ev.type == RTMPKIT_EVENT_MEDIA) {
            if (!started)
                started = rtmpkit_monotonic_ms();
            if ((err = record_media(rec, &ev)) < 0)
                break;
            draw_progress(&progress, rec, started, 0);
            if (limit_ms >= 0 && rec->last_out_ms >= limit_ms) {
                rtmpkit_logf(log, RTMPKIT_LOG_INFO, "reached --duration %.1f s", opts->duration);
                break;
            }
        } else if (ev.type == RTMPKIT_EVENT_STREAM_END) {
            if (!opts->wait) {
                rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s)", ev.code);
                break;
            }
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s); waiting for it to come back", ev.code);
            start_segment(rec);
        } else if (ev.type == RTMPKIT_EVENT_STREAM_BEGIN) {
            rtmpkit_logf(log, RTMPKIT_LOG_DEBUG, "stream begins (%s)", ev.code);
        } else if (ev.type == RTMPKIT_EVENT_STATUS) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "status %s %s", ev.code, ev.description);
        }
    }
    if (progress.enabled && started)
        draw_progress(&progress, rec, started, 1);
    cli_progress_end(&progress);
    if (err == RTMPKIT_ECANCELLED) {
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "interrupted: finishing the file");
        return 0;
    }
    return err < 0 ? err : 0;
}

static double play_start_ms(const struct cli_options *opts)
{
    if (opts->start >= 0)
        return opts->start * 1000;
    if (opts->recorded)
        return 0;
    if (opts->live)
        return -1;
    return -2;
}

static const char *output_path(const struct cli_options *opts, rtmpkit_log *log)
{
    if (opts->output)
        return opts->output;
    if (!isatty(STDOUT_FILENO))
        return "-";
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "no output: use -o FILE, or -o - to write to stdout (not a terminal)");
    return NULL;
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct recording rec;
    rtmpkit_log log;
    rtmpkit_url url;
    rtmpkit_client_config cfg;
    rtmpkit_client *client = NULL;
    const char *path;
    char shown[512];
    int err, have_url = 0, have_file = 0;
    int status = cli_parse(CLI_DUMP, NAME, argc, argv, &opts);

    if (status >= 0)
        return status;
    cli_log_init(&log, NAME, &opts);
    if ((err = cli_parse_url(&opts, &log, 0, &url)) < 0)
        goto done;
    have_url = 1;
    if (!(path = output_path(&opts, &log))) {
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    cli_client_config(&opts, &url, &log, &cfg);
    if (!(client = rtmpkit_client_new(&cfg))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    rtmpkit_url_format_redacted(&url, 0, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "recording %s to %s", shown, strcmp(path, "-") ? path : "stdout");
    if ((err = rtmpkit_client_connect(client)) < 0 || (err = rtmpkit_client_play(client, url.stream, play_start_ms(&opts))) < 0) {
        if (err != RTMPKIT_ECANCELLED)
            rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_client_error_message(client));
        goto done;
    }
    init_recording(&rec, path);
    have_file = 1;
    err = record_stream(client, &rec, &opts, &log);
    if (err == RTMPKIT_EOUTPUT)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rec.error);
    else if (err < 0)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_client_error_message(client));
done:
    if (client)
        rtmpkit_client_close(client);
    if (have_file && rec.fd >= 0) {
        int finish = finish_recording(&rec);
        if (finish < 0 && err >= 0) {
            rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rec.error);
            err = finish;
        }
        rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "saved %.1f s: %llu video, %llu audio, %llu data tags, %llu bytes",
                     (double)rec.last_out_ms / 1000, (unsigned long long)rec.tracks[TRACK_VIDEO].tags,
                     (unsigned long long)rec.tracks[TRACK_AUDIO].tags,
                     (unsigned long long)rec.tracks[TRACK_DATA].tags, (unsigned long long)rec.bytes);
    }
    rtmpkit_client_free(client);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
