/* rtmp-dump: save an RTMP stream to an FLV file (or stdout), exactly as received (with
 * --track, only some tracks of an Enhanced RTMP multitrack stream). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/recorder.h"
#include "rtmpkit/timeline.h"

#define NAME "rtmp-dump"

static void draw_progress(struct cli_progress *p, const rtmpkit_recorder *rec, uint64_t started_ms, int force)
{
    char size[32];
    double elapsed = (double)(rtmpkit_monotonic_ms() - started_ms) / 1000.0;
    rtmpkit_recorder_stats st;
    rtmpkit_recorder_get_stats(rec, &st);
    cli_format_bytes(size, sizeof size, st.bytes);
    cli_progress_draw(p, force, "recorded %02d:%02d:%02d  %s  %.0f kbit/s",
                      (int)(st.duration_ms / 3600000), (int)(st.duration_ms / 60000 % 60),
                      (int)(st.duration_ms / 1000 % 60), size,
                      elapsed > 0 ? (double)st.bytes * 8 / 1000 / elapsed : 0.0);
}

/* --track: the ids of the tracks to keep; n 0: all. */
struct track_filter {
    uint8_t ids[256];
    size_t n;
    rtmpkit_buf body;           /* a Multitrack tag with tracks cut out */
};

/* Parses "0,2" into f; RTMPKIT_EUSAGE (logged) when it is no such list. */
static int parse_tracks(const char *list, struct track_filter *f, rtmpkit_log *log)
{
    int ids[256];
    int n = cli_parse_ids("track", list, 255, ids, 256, log);
    for (int i = 0; i < n; i++)
        f->ids[f->n++] = (uint8_t)ids[i];
    return n < 0 ? n : 0;
}

/* Media written (with --track, only the tracks kept), or an output error. */
static int record_media(rtmpkit_recorder *rec, const rtmpkit_event *ev, struct track_filter *f)
{
    const uint8_t *data = ev->data;
    size_t len = ev->length;
    if (f->n) {
        int keep;
        rtmpkit_buf_reset(&f->body);
        keep = rtmpkit_tag_keep_tracks(ev->media_type, ev->data, ev->length, f->ids, f->n, &f->body);
        if (keep == 0)
            return 0;
        if (keep == 2) {
            data = f->body.data;
            len = f->body.len;
        }
    }
    return rtmpkit_recorder_write(rec, ev->media_type, ev->timestamp, data, len, rtmpkit_monotonic_ms());
}

/* Receives and records until the stream ends, --duration is reached, a signal arrives or
 * an error happens. Returns 0 or an error. */
static int record_stream(rtmpkit_session *session, rtmpkit_recorder *rec, const struct cli_options *opts,
                         struct track_filter *filter, rtmpkit_log *log)
{
    struct cli_progress progress;
    uint64_t started = 0;   /* when the first tag arrived: the bit rate is over media time */
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    int err;

    cli_progress_init(&progress, opts);
    for (;;) {
        rtmpkit_session_event sev;
        const rtmpkit_event *ev = &sev.event;
        rtmpkit_recorder_stats st;
        int end_ms;
        /* Some servers (node-media-server) say nothing when the publisher goes away:
         * media that stops for end_timeout means the stream has ended. */
        rtmpkit_recorder_get_stats(rec, &st);
        end_ms = st.bytes > RTMPKIT_FLV_HEADER_SIZE && !opts->wait ? (int)(opts->end_timeout * 1000) : 0;
        err = rtmpkit_session_next_event(session, &sev, end_ms);
        if (err == RTMPKIT_EAGAIN) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "no media for %.1f s: the stream has ended", opts->end_timeout);
            err = 0;
            break;
        }
        if (err < 0)
            break;
        if (sev.type == RTMPKIT_SESSION_RECONNECTING) {
            rtmpkit_recorder_new_segment(rec);   /* the session said why and when */
            continue;
        }
        if (sev.type != RTMPKIT_SESSION_EVENT)
            continue;
        if (ev->type == RTMPKIT_EVENT_MEDIA) {
            if (!started)
                started = rtmpkit_monotonic_ms();
            if ((err = record_media(rec, ev, filter)) < 0)
                break;
            draw_progress(&progress, rec, started, 0);
            rtmpkit_recorder_get_stats(rec, &st);
            if (limit_ms >= 0 && st.duration_ms >= limit_ms) {
                rtmpkit_logf(log, RTMPKIT_LOG_INFO, "reached --duration %.1f s", opts->duration);
                break;
            }
        } else if (ev->type == RTMPKIT_EVENT_STREAM_END) {
            if (!opts->wait) {
                rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s)", ev->code);
                break;
            }
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s); waiting for it to come back", ev->code);
            rtmpkit_recorder_new_segment(rec);
        } else if (ev->type == RTMPKIT_EVENT_STREAM_BEGIN) {
            rtmpkit_logf(log, RTMPKIT_LOG_DEBUG, "stream begins (%s)", ev->code);
        } else if (ev->type == RTMPKIT_EVENT_STATUS) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "status %s %s", ev->code, ev->description);
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

/* The file is created when the first tag arrives; a stream that comes back after its
 * end continues 1 ms after what is written (no dead air in the file). */
static rtmpkit_recorder *new_recorder(const char *path)
{
    rtmpkit_recorder_config cfg = { .path = path, .fd = -1, .timeline_flags = RTMPKIT_TIMELINE_CLOSE_GAPS };
    return rtmpkit_recorder_new(&cfg);
}

/* Closes the recording (when a tag came) and says what it holds. Returns err, or the
 * close's error when err was none. */
static int finish_recording(rtmpkit_recorder *rec, int err, rtmpkit_log *log)
{
    rtmpkit_recorder_stats st;
    int closed = rtmpkit_recorder_close(rec);
    rtmpkit_recorder_get_stats(rec, &st);
    if (!st.opened)
        return err;
    if (closed < 0 && err >= 0) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_recorder_error_message(rec));
        err = closed;
    }
    rtmpkit_logf(log, RTMPKIT_LOG_INFO, "saved %.1f s: %llu video, %llu audio, %llu data tags, %llu bytes",
                 (double)st.duration_ms / 1000, (unsigned long long)st.video_tags,
                 (unsigned long long)st.audio_tags, (unsigned long long)st.data_tags,
                 (unsigned long long)st.bytes);
    return err;
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct track_filter filter;
    rtmpkit_recorder *rec = NULL;
    rtmpkit_log log;
    rtmpkit_url url;
    rtmpkit_session *session = NULL;
    const char *path;
    char shown[512];
    int err, have_url = 0;
    int status = cli_parse(CLI_DUMP, NAME, argc, argv, &opts);

    if (status >= 0)
        return status;
    cli_log_init(&log, NAME, &opts);
    memset(&filter, 0, sizeof filter);
    rtmpkit_buf_init(&filter.body, RTMPKIT_FLV_MAX_TAG_SIZE);
    if (opts.tracks && (err = parse_tracks(opts.tracks, &filter, &log)) < 0)
        goto done;
    if ((err = cli_parse_url(&opts, &log, 0, &url)) < 0)
        goto done;
    have_url = 1;
    if (!(path = output_path(&opts, &log))) {
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    rtmpkit_url_format_redacted(&url, 0, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "recording %s to %s", shown, strcmp(path, "-") ? path : "stdout");
    if ((err = cli_start_session(&opts, &url, &log, 0, play_start_ms(&opts), &session)) < 0)
        goto done;
    if (!(rec = new_recorder(path))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    err = record_stream(session, rec, &opts, &filter, &log);
    if (err == RTMPKIT_EOUTPUT)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_recorder_error_message(rec));
    else if (err < 0)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_session_error_message(session));
done:
    rtmpkit_session_free(session);   /* deleteStream, close */
    if (rec)
        err = finish_recording(rec, err, &log);
    rtmpkit_recorder_free(rec);
    rtmpkit_buf_free(&filter.body);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
