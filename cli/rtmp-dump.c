/* rtmp-dump: save an RTMP stream to an FLV file (or stdout), exactly as received. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "stats.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/recorder.h"
#include "rtmpkit/timeline.h"

#define NAME "rtmp-dump"
#define STATS_WAIT_MS 1000   /* with --stats, the longest wait for an event */

static void draw_progress(struct cli_progress *p, const rtmpkit_recorder *rec, uint64_t started_ms, int64_t total_ms,
                          int force)
{
    char size[32], position[128];
    uint64_t elapsed_ms = rtmpkit_monotonic_ms() - started_ms;
    double elapsed = (double)elapsed_ms / 1000.0;
    rtmpkit_recorder_stats st;
    rtmpkit_recorder_get_stats(rec, &st);
    cli_format_bytes(size, sizeof size, st.bytes);
    cli_format_position(position, sizeof position, st.duration_ms, total_ms, elapsed_ms);
    cli_progress_draw(p, force, "recorded %s  %s  %.0f kbit/s", position, size,
                      elapsed > 0 ? (double)st.bytes * 8 / 1000 / elapsed : 0.0);
}

static void stats_tick(struct cli_stats *stats, const rtmpkit_recorder *rec, const rtmpkit_session *session,
                       const char *state, int force)
{
    struct cli_stats_sample s;
    rtmpkit_recorder_stats st;
    if (stats->mode == CLI_STATS_OFF)
        return;
    rtmpkit_recorder_get_stats(rec, &st);
    memset(&s, 0, sizeof s);
    s.state = state;
    s.bytes = st.bytes;
    s.video_frames = st.video_frames;
    s.audio_frames = st.audio_frames;
    s.media_ms = st.duration_ms;
    s.reconnects = rtmpkit_session_reconnects(session);
    s.queue_ms = s.lateness_ms = -1;
    cli_stats_tick(stats, &s, force);
}

/* Media written, or an output error. */
static int record_media(rtmpkit_recorder *rec, const rtmpkit_event *ev)
{
    return rtmpkit_recorder_write(rec, ev->media_type, ev->timestamp, ev->data, ev->length,
                                  rtmpkit_monotonic_ms());
}

/* Receives and records until the stream ends, --duration is reached, a signal arrives or
 * an error happens. Returns 0 or an error. */
static int record_stream(rtmpkit_session *session, rtmpkit_recorder *rec, const struct cli_options *opts,
                         struct cli_stats *stats, rtmpkit_log *log)
{
    struct cli_progress progress;
    const char *state = "recording";
    uint64_t last_event = rtmpkit_monotonic_ms();
    uint64_t started = 0;   /* when the first tag arrived: the bit rate is over media time */
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    int err;

    cli_progress_init(&progress, opts);
    for (;;) {
        rtmpkit_session_event sev;
        const rtmpkit_event *ev = &sev.event;
        rtmpkit_recorder_stats st;
        int end_ms, wait_ms;
        /* Some servers (node-media-server) say nothing when the publisher goes away:
         * media that stops for end_timeout means the stream has ended. */
        rtmpkit_recorder_get_stats(rec, &st);
        end_ms = st.bytes > RTMPKIT_FLV_HEADER_SIZE && !opts->wait ? (int)(opts->end_timeout * 1000) : 0;
        wait_ms = end_ms;
        if (stats->mode != CLI_STATS_OFF) {   /* wake up for the stats line at least */
            int left = end_ms - (int)(rtmpkit_monotonic_ms() - last_event);
            wait_ms = end_ms && left < STATS_WAIT_MS ? (left > 0 ? left : 1) : STATS_WAIT_MS;
        }
        err = rtmpkit_session_next_event(session, &sev, wait_ms);
        stats_tick(stats, rec, session, state, 0);
        if (err == RTMPKIT_EAGAIN) {
            if (!end_ms || rtmpkit_monotonic_ms() - last_event < (uint64_t)end_ms)
                continue;
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "no media for %.1f s: the stream has ended", opts->end_timeout);
            err = 0;
            break;
        }
        if (err < 0)
            break;
        last_event = rtmpkit_monotonic_ms();
        state = sev.type == RTMPKIT_SESSION_RECONNECTING ? "reconnecting" : "recording";
        if (sev.type == RTMPKIT_SESSION_RECONNECTING) {
            rtmpkit_recorder_new_segment(rec);   /* the session said why and when */
            continue;
        }
        if (sev.type != RTMPKIT_SESSION_EVENT)
            continue;
        if (ev->type == RTMPKIT_EVENT_MEDIA) {
            if (!started)
                started = rtmpkit_monotonic_ms();
            if ((err = record_media(rec, ev)) < 0)
                break;
            draw_progress(&progress, rec, started, limit_ms, 0);
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
        draw_progress(&progress, rec, started, limit_ms, 1);
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
    rtmpkit_recorder *rec = NULL;
    rtmpkit_log log;
    rtmpkit_url url;
    rtmpkit_session *session = NULL;
    struct cli_stats stats = { 0 };
    const char *path;
    char shown[512];
    int err, have_url = 0;
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
    rtmpkit_url_format_redacted(&url, 0, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "recording %s to %s", shown, strcmp(path, "-") ? path : "stdout");
    if ((err = cli_stats_open(&stats, &opts, NAME, &log)) < 0)
        goto done;
    if ((err = cli_start_session(&opts, &url, &log, 0, play_start_ms(&opts), &session)) < 0)
        goto done;
    if (!(rec = new_recorder(path))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    err = record_stream(session, rec, &opts, &stats, &log);
    stats_tick(&stats, rec, session, "done", 1);
    if (err == RTMPKIT_EOUTPUT)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_recorder_error_message(rec));
    else if (err < 0)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_session_error_message(session));
done:
    rtmpkit_session_free(session);   /* deleteStream, close */
    if (rec)
        err = finish_recording(rec, err, &log);
    rtmpkit_recorder_free(rec);
    cli_stats_close(&stats);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
