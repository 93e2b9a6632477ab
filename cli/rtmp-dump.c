/* rtmp-dump: save an RTMP stream to an FLV file (or stdout), exactly as received (with
 * --track, only some tracks of an Enhanced RTMP multitrack stream). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "dump_multi.h"
#include "stats.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/recorder.h"
#include "rtmpkit/timeline.h"

#define NAME "rtmp-dump"
#define EVENT_WAIT_MS 500   /* with a progress or stats line, the longest wait for an event */

/* --track: the ids of the tracks to keep; n 0: all. */
struct track_filter {
    uint8_t ids[256];
    size_t n;
    rtmpkit_buf body;           /* a Multitrack tag with tracks cut out */
};

/* The recording: its recorder, and with --split the file of each connection. */
struct recording {
    const char *path;            /* -o as given */
    int split;
    int part;                    /* 1, then 2, 3... with --split */
    char part_path[4096];
    rtmpkit_recorder *rec;
    struct track_filter filter;  /* --track */
};

/* The state the progress line and -v show. */
struct dump_state {
    int reconnecting;            /* waiting for an attempt, or making it */
    int reconnects;              /* connections made again */
};

static void draw_progress(struct cli_progress *p, const rtmpkit_recorder *rec, uint64_t started_ms,
                          const struct dump_state *ds, int64_t total_ms, int force)
{
    char size[32], state[48] = "", position[128];
    uint64_t elapsed_ms = started_ms ? rtmpkit_monotonic_ms() - started_ms : 0;
    double elapsed = (double)elapsed_ms / 1000.0;
    rtmpkit_recorder_stats st;
    rtmpkit_recorder_get_stats(rec, &st);
    cli_format_bytes(size, sizeof size, st.bytes);
    if (ds->reconnecting)
        snprintf(state, sizeof state, "  reconnecting (%d so far)", ds->reconnects);
    else if (ds->reconnects)
        snprintf(state, sizeof state, "  %d reconnect%s", ds->reconnects, ds->reconnects == 1 ? "" : "s");
    cli_format_position(position, sizeof position, st.duration_ms, total_ms, elapsed_ms);
    cli_progress_draw(p, force, "recorded %s  %s  %.0f kbit/s%s", position, size,
                      elapsed > 0 ? (double)st.bytes * 8 / 1000 / elapsed : 0.0, state);
}

/* A stats line when a second has passed (at once when final). */
static void stats_tick(struct cli_stats *stats, const rtmpkit_recorder *rec, const struct dump_state *ds, int final)
{
    struct cli_stats_sample s;
    rtmpkit_recorder_stats st;
    if (stats->mode == CLI_STATS_OFF)
        return;
    rtmpkit_recorder_get_stats(rec, &st);
    memset(&s, 0, sizeof s);
    s.state = final ? "done" : ds->reconnecting ? "reconnecting" : st.opened ? "recording" : "connecting";
    s.bytes = st.bytes;
    s.video_frames = st.video_frames;
    s.audio_frames = st.audio_frames;
    s.media_ms = st.duration_ms;
    s.reconnects = ds->reconnects;
    s.queue_ms = s.lateness_ms = -1;
    cli_stats_tick(stats, &s, final);
}


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
        /* onMetaData lists only the tracks kept; other data as it comes. */
        if (ev->media_type == RTMPKIT_FLV_DATA)
            keep = rtmpkit_flv_metadata_keep_tracks(ev->data, ev->length, f->ids, f->n, &f->body) == 2 ? 2 : 1;
        else
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

/* The file is created when the first tag arrives; a stream that comes back after its
 * end (--wait) continues 1 ms after what is written (no dead air in the file); after a
 * reconnect the gap is the time that really passed (rtmpkit_recorder_reconnected). */
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
    if (st.skipped)
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "%llu frames left out after reconnects (sent again, or before a keyframe)",
                     (unsigned long long)st.skipped);
    return err;
}

/* A connection made again: the same file goes on, or with --split the next part begins
 * (when the last one holds something). Returns 0 or an error. */
static int reconnected(struct recording *r, rtmpkit_log *log)
{
    rtmpkit_recorder_stats st;
    rtmpkit_recorder *next;
    rtmpkit_recorder_get_stats(r->rec, &st);
    if (!r->split || !st.opened) {
        rtmpkit_recorder_reconnected(r->rec);
        return 0;
    }
    if (dump_part_name(r->part_path, sizeof r->part_path, r->path, r->part + 1) < 0) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "--split: the file name is too long");
        return RTMPKIT_EUSAGE;
    }
    if (!(next = new_recorder(r->part_path)))
        return RTMPKIT_ENOMEM;
    finish_recording(r->rec, 0, log);
    rtmpkit_recorder_free(r->rec);
    r->rec = next;
    r->part++;
    rtmpkit_recorder_reconnected(r->rec);   /* video from a keyframe on */
    rtmpkit_logf(log, RTMPKIT_LOG_INFO, "recording part %d to %s", r->part, r->part_path);
    return 0;
}

/* A session event that is not a stream event. Returns 0, 1 when the recording is over,
 * or an error. */
static int session_event(struct recording *r, const rtmpkit_session_event *sev, struct dump_state *ds,
                         const struct cli_options *opts, rtmpkit_log *log)
{
    switch (sev->type) {
    case RTMPKIT_SESSION_RECONNECTING:   /* the session said why and when */
        ds->reconnecting = 1;
        return 0;
    case RTMPKIT_SESSION_RESUMED:
        ds->reconnecting = 0;
        ds->reconnects++;
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "reconnected (%d so far): the recording goes on", ds->reconnects);
        return reconnected(r, log);
    case RTMPKIT_SESSION_MOVED:   /* the server asked us to reconnect elsewhere (logged) */
        ds->reconnects++;
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "reconnected where the server asked: the recording goes on%s",
                     sev->aligned ? " (aligned: no frame lost or twice)" : "");
        return sev->aligned && !r->split ? 0 : reconnected(r, log);   /* aligned: the times go on */
    case RTMPKIT_SESSION_NO_MEDIA:
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "no media for %.1f s and the server still answers: the stream has ended",
                     opts->end_timeout);
        return 1;
    default:
        return 0;
    }
}

/* A stream event. Returns 0, 1 when the recording is over, or an error. */
static int stream_event(struct recording *r, const rtmpkit_event *ev, const struct cli_options *opts,
                        rtmpkit_log *log)
{
    rtmpkit_recorder_stats st;
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    int err;
    if (ev->type == RTMPKIT_EVENT_MEDIA) {
        if ((err = record_media(r->rec, ev, &r->filter)) < 0)
            return err;
        rtmpkit_recorder_get_stats(r->rec, &st);
        if (limit_ms >= 0 && st.duration_ms >= limit_ms) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "reached --duration %.1f s", opts->duration);
            return 1;
        }
    } else if (ev->type == RTMPKIT_EVENT_STREAM_END) {
        if (!opts->wait) {
            rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s)", ev->code);
            return 1;
        }
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "stream ended (%s); waiting for it to come back", ev->code);
        rtmpkit_recorder_new_segment(r->rec);
    } else if (ev->type == RTMPKIT_EVENT_STREAM_BEGIN) {
        rtmpkit_logf(log, RTMPKIT_LOG_DEBUG, "stream begins (%s)", ev->code);
    } else if (ev->type == RTMPKIT_EVENT_STATUS) {
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "status %s %s", ev->code, ev->description);
    }
    return 0;
}

/* Receives and records until the stream ends, --duration is reached, a signal arrives or
 * an error happens (the session reconnects as its policy allows; a silent link is one of
 * the failures it retries). Returns 0 or an error. */
static int record_stream(rtmpkit_session *session, struct recording *r, const struct cli_options *opts,
                         struct cli_stats *stats, rtmpkit_log *log)
{
    int64_t total_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    struct cli_progress progress;
    struct dump_state ds = { 0, 0 };
    uint64_t started = 0;   /* when the first tag arrived: the bit rate is over media time */
    int err;

    cli_progress_init(&progress, opts);
    for (;;) {
        rtmpkit_session_event sev;
        /* With a progress or stats line, wake up to redraw it while nothing comes (a reconnect). */
        err = rtmpkit_session_next_event(session, &sev,
                                         progress.enabled || stats->mode != CLI_STATS_OFF ? EVENT_WAIT_MS : 0);
        stats_tick(stats, r->rec, &ds, 0);
        if (err == RTMPKIT_EAGAIN) {
            if (started)
                draw_progress(&progress, r->rec, started, &ds, total_ms, 0);
            continue;
        }
        if (err < 0)
            break;
        if (sev.type == RTMPKIT_SESSION_EVENT) {
            if (sev.event.type == RTMPKIT_EVENT_MEDIA && !started)
                started = rtmpkit_monotonic_ms();
            err = stream_event(r, &sev.event, opts, log);
        } else {
            err = session_event(r, &sev, &ds, opts, log);
        }
        if (err != 0)
            break;
        if (started)
            draw_progress(&progress, r->rec, started, &ds, total_ms, 0);
    }
    if (progress.enabled && started)
        draw_progress(&progress, r->rec, started, &ds, total_ms, 1);
    stats_tick(stats, r->rec, &ds, 1);
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

/* An error of the output: the reader of a pipe that went away ends the recording like a
 * signal (status 0: `rtmp-dump URL -o - | head -c 1000` is a way to stop); else the
 * recorder's one line. Returns err or 0. */
static int output_failed(const rtmpkit_recorder *rec, int err, rtmpkit_log *log)
{
    if (rtmpkit_recorder_reader_gone(rec)) {
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "the reader of the output closed it: recording stopped");
        return 0;
    }
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_recorder_error_message(rec));
    return err;
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct recording r = { .part = 1 };
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
    if (dump_multi_wanted(&opts))   /* several streams, --from, --segment, an -o template */
        return dump_multi_run(&opts, NAME);
    cli_log_init(&log, NAME, &opts);
    rtmpkit_buf_init(&r.filter.body, RTMPKIT_FLV_MAX_TAG_SIZE);
    if (opts.tracks && (err = parse_tracks(opts.tracks, &r.filter, &log)) < 0)
        goto done;
    if ((err = cli_parse_url(&opts, &log, 0, &url)) < 0)
        goto done;
    have_url = 1;
    if (!(path = output_path(&opts, &log))) {
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if (opts.split && strcmp(path, "-") == 0) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--split needs a file name (-o FILE), not standard output");
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    r.path = path;
    r.split = opts.split;
    rtmpkit_url_format_redacted(&url, 0, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "recording %s to %s", shown, strcmp(path, "-") ? path : "stdout");
    if ((err = cli_stats_open(&stats, &opts, NAME, &log)) < 0)
        goto done;
    if ((err = cli_start_session(&opts, &url, &log, 0, play_start_ms(&opts), &session)) < 0)
        goto done;
    if (!(r.rec = new_recorder(path))) {
        err = RTMPKIT_ENOMEM;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto done;
    }
    err = record_stream(session, &r, &opts, &stats, &log);
    if (err == RTMPKIT_EOUTPUT || err == RTMPKIT_EDISK_FULL)
        err = output_failed(r.rec, err, &log);
    else if (err < 0)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_session_error_message(session));
done:
    rtmpkit_session_free(session);   /* deleteStream, close */
    if (r.rec)
        err = finish_recording(r.rec, err, &log);
    rtmpkit_recorder_free(r.rec);
    rtmpkit_buf_free(&r.filter.body);
    cli_stats_close(&stats);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
