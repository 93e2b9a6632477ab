/* rtmp-push: publish a file, a device, stdin or the built-in test source to an RTMP
 * server, copying H.264/HEVC/AV1/VP9 and AAC/Opus/FLAC/AC-3/E-AC-3 as they are (Enhanced
 * RTMP for all but H.264/AAC) and encoding anything else to H.264/AAC. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "push_fanout.h"
#include "source.h"
#include "stats.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/publisher.h"

#define NAME "rtmp-push"

struct pusher {
    rtmpkit_session *session;
    rtmpkit_publisher *publisher;
    rk_source *source;
    const struct cli_options *opts;
    rtmpkit_log *log;
    const volatile sig_atomic_t *cancel;
    int error_logged;           /* the failure was reported where it happened */
    struct cli_stats stats;
    int realtime;               /* paced or live: the media should keep up with the clock */
    uint64_t first_send_ms;     /* monotonic, when the first frame went to the publisher */
    int64_t first_dts_ms;       /* and its timestamp */
    int64_t pass_ms;            /* one pass over the input, -1: not known */
    int64_t total_ms;           /* all passes, or --duration; -1: not known */
    int checked_caps[2];        /* audio, video: the first sequence header was checked */
    const char *destination;    /* the URL, key redacted (the stats lines') */
    struct push_fanout *fanout; /* several URLs: the destinations (session, publisher unused) */
};

/* How much there is to send: the passes of a file of known length, --duration if less. */
static void measure_input(struct pusher *p)
{
    int64_t limit = p->opts->duration > 0 ? (int64_t)(p->opts->duration * 1000) : -1;
    p->pass_ms = rk_source_duration_ms(p->source);
    p->total_ms = p->pass_ms > 0 && p->opts->loop > 0 ? p->pass_ms * p->opts->loop : -1;
    if (limit > 0 && (p->total_ms < 0 || limit < p->total_ms))
        p->total_ms = limit;
}

/* The stats of the moment; lateness only when sending in real time. */
static void stats_sample(const struct pusher *p, const char *state, struct cli_stats_sample *s)
{
    rtmpkit_publisher_stats st;
    rtmpkit_publisher_get_stats(p->publisher, &st);
    push_stats_sample(&st, state, p->realtime, p->first_send_ms, p->first_dts_ms, p->destination, s);
}

static void draw_progress(struct pusher *p, struct cli_progress *progress, int force)
{
    rtmpkit_publisher_stats st;
    char size[32], position[128], loop[64] = "";
    double media_s;
    uint64_t elapsed = p->first_send_ms ? rtmpkit_monotonic_ms() - p->first_send_ms : 0;
    rtmpkit_publisher_get_stats(p->publisher, &st);
    media_s = (double)st.last_dts_ms / 1000.0;
    cli_format_bytes(size, sizeof size, st.media_bytes);
    cli_format_position(position, sizeof position, st.last_dts_ms, p->total_ms, elapsed);
    if (p->opts->loop != 1 && p->pass_ms > 0) {
        int64_t pass = st.last_dts_ms / p->pass_ms + 1;
        if (p->opts->loop > 0)
            snprintf(loop, sizeof loop, "  loop %lld/%d", (long long)(pass < p->opts->loop ? pass : p->opts->loop), p->opts->loop);
        else
            snprintf(loop, sizeof loop, "  loop %lld", (long long)pass);
    }
    cli_progress_draw(progress, force, "%s %s  %s  %.0f kbit/s  %.1f fps  dropped %llu  queue %lld ms  reconnects %d%s",
                      st.reconnecting ? "reconnecting" : "sending", position, size,
                      media_s > 0 ? (double)st.media_bytes * 8 / 1000 / media_s : 0.0,
                      media_s > 0 ? (double)st.video_sent / media_s : 0.0,
                      (unsigned long long)st.dropped, (long long)st.queue_latency_ms, st.reconnects, loop);
}

/* A stats line when a second has passed; final: the last one, at once, state "done". */
static void stats_tick(struct pusher *p, int final)
{
    struct cli_stats_sample s;
    rtmpkit_publisher_stats st;
    if (p->stats.mode == CLI_STATS_OFF)
        return;
    rtmpkit_publisher_get_stats(p->publisher, &st);
    stats_sample(p, final ? "done" : st.reconnecting ? "reconnecting" : "sending", &s);
    cli_stats_tick(&p->stats, &s, final);
}

/* The source's end-of-stream tags (a SequenceEnd per enhanced track); a failure here
 * loses nothing already sent, so it is only logged. */
static void send_end_tags(struct pusher *p)
{
    rk_tag tag;
    int n, err = 0;
    while (err >= 0 && (n = rk_source_end(p->source, &tag)) > 0)
        err = rtmpkit_publisher_send(p->publisher, &tag);
    if (err < 0)
        rtmpkit_logf(p->log, RTMPKIT_LOG_DEBUG, "sequence end not sent: %s", rtmpkit_strerror(err));
}

/* Sends the source's tags until its end, --duration, a signal or an error. */
static int push_stream(struct pusher *p)
{
    const struct cli_options *opts = p->opts;
    struct cli_progress progress;
    int64_t limit_ms = opts->duration > 0 ? (int64_t)(opts->duration * 1000) : -1;
    int err = 0;

    cli_progress_init(&progress, opts);
    for (;;) {
        rk_tag tag;
        int n;
        if (*p->cancel) {
            err = RTMPKIT_ECANCELLED;
            break;
        }
        n = rk_source_read(p->source, &tag);
        if (n <= 0) {
            /* A signal can interrupt a blocking read of stdin or a device. */
            err = n < 0 && *p->cancel ? RTMPKIT_ECANCELLED : n;
            p->error_logged = n < 0;   /* the source said why */
            break;
        }
        if (limit_ms >= 0 && tag.dts_ms >= limit_ms && !(tag.flags & RTMPKIT_MEDIA_CONFIG))
            break;
        if (!p->first_send_ms) {
            p->first_send_ms = rtmpkit_monotonic_ms();
            p->first_dts_ms = tag.dts_ms;
        }
        if (tag.flags & RTMPKIT_MEDIA_CONFIG)
            push_check_server_caps(p->session, p->log, p->checked_caps, &tag);
        if ((err = rtmpkit_publisher_send(p->publisher, &tag)) < 0)
            break;
        draw_progress(p, &progress, 0);
        stats_tick(p, 0);
    }
    /* Enhanced tracks end with a SequenceEnd; what is queued goes out before the stream
     * is closed. */
    if (err >= 0 || err == RTMPKIT_ECANCELLED)
        send_end_tags(p);
    if (err >= 0)
        err = rtmpkit_publisher_flush(p->publisher);
    if (progress.enabled)
        draw_progress(p, &progress, 1);
    cli_progress_end(&progress);
    if (err == RTMPKIT_ECANCELLED) {
        rtmpkit_logf(p->log, RTMPKIT_LOG_INFO, "interrupted: unpublishing");
        return 0;
    }
    return err;
}

/* Several URLs, paced: waits for the tag's moment in real time (from the first tag),
 * keeping the stats and progress lines going. Returns 0 or RTMPKIT_ECANCELLED. */
static int wait_for_moment(struct pusher *p, const rk_tag *tag, struct cli_progress *progress)
{
    for (;;) {
        uint64_t now = rtmpkit_monotonic_ms();
        uint64_t due = p->first_send_ms + (uint64_t)(tag->dts_ms > p->first_dts_ms ? tag->dts_ms - p->first_dts_ms : 0);
        uint64_t step;
        struct timespec ts;
        if (*p->cancel)
            return RTMPKIT_ECANCELLED;
        if (now >= due)
            return 0;
        step = due - now < 50 ? due - now : 50;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)step * 1000000;
        nanosleep(&ts, NULL);
        push_fanout_tick(p->fanout, 0);
        push_fanout_progress(p->fanout, progress, 0);
    }
}

/* Several URLs: reads the input once and hands each tag to every destination, in real
 * time when paced, until its end, --duration, a signal, an input error or the end of
 * every destination. */
static int push_to_all(struct pusher *p, int paced)
{
    struct cli_progress progress;
    int64_t limit_ms = p->opts->duration > 0 ? (int64_t)(p->opts->duration * 1000) : -1;
    int err = 0;
    rk_tag tag;
    int n;

    cli_progress_init(&progress, p->opts);
    for (;;) {
        if (*p->cancel) {
            err = RTMPKIT_ECANCELLED;
            break;
        }
        n = rk_source_read(p->source, &tag);
        if (n <= 0) {
            err = n < 0 && *p->cancel ? RTMPKIT_ECANCELLED : n;
            p->error_logged = n < 0;
            break;
        }
        if (limit_ms >= 0 && tag.dts_ms >= limit_ms && !(tag.flags & RTMPKIT_MEDIA_CONFIG))
            break;
        if (!p->first_send_ms) {
            p->first_send_ms = rtmpkit_monotonic_ms();
            p->first_dts_ms = tag.dts_ms;
        }
        if (paced && (err = wait_for_moment(p, &tag, &progress)) < 0)
            break;
        if ((err = push_fanout_send(p->fanout, &tag)) < 0)
            break;   /* every destination has ended */
        push_fanout_progress(p->fanout, &progress, 0);
        push_fanout_tick(p->fanout, 0);
    }
    while ((err >= 0 || err == RTMPKIT_ECANCELLED) && rk_source_end(p->source, &tag) > 0)
        if (push_fanout_send(p->fanout, &tag) < 0)
            break;
    push_fanout_progress(p->fanout, &progress, 1);
    cli_progress_end(&progress);
    return err;
}

/* Several URLs: a thread per destination (push_fanout.h). Returns 0 when the input was
 * sent to the end (or a signal came) and every destination ended normally; else the
 * input's error, or the error of the destination that failed first. */
static int push_multi(struct pusher *p)
{
    int live = rk_source_is_live(p->source);
    int paced = p->opts->pace || (!p->opts->no_pace && !live);
    int err, fin;
    p->realtime = paced || live;
    if ((err = push_fanout_start(p->fanout, &p->stats, p->realtime)) < 0) {
        p->error_logged = 1;   /* each destination said why */
        push_fanout_finish(p->fanout, 0);
        return err;
    }
    err = push_to_all(p, paced);
    fin = push_fanout_finish(p->fanout, err == RTMPKIT_ECANCELLED);
    p->error_logged = 1;
    if (err == RTMPKIT_ECANCELLED) {
        rtmpkit_logf(p->log, RTMPKIT_LOG_INFO, "interrupted: unpublishing");
        return 0;
    }
    return err < 0 && err != RTMPKIT_ECANCELLED ? err : fin;
}

/* The publisher over the session's client: files in real time; stdin and devices as they
 * come, unless --pace. A lost connection is the session's to recover (its policy); the
 * publisher keeps reading meanwhile, and resumes at a keyframe with headers sent again. */
static int start_publisher(struct pusher *p)
{
    const struct cli_options *opts = p->opts;
    rtmpkit_publisher_config pc = {
        .session = p->session,
        .paced = opts->pace || (!opts->no_pace && !rk_source_is_live(p->source)),
        .live = rk_source_is_live(p->source),
        .queue_ms = opts->queue_ms,
        .write_timeout_ms = opts->timeout > 0 ? (int)(opts->timeout * 1000) : 0,
        .cancel = p->cancel,
    };
    p->realtime = pc.paced || pc.live;
    if (!(p->publisher = rtmpkit_publisher_new(&pc))) {
        rtmpkit_logf(p->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(RTMPKIT_ENOMEM));
        return RTMPKIT_ENOMEM;
    }
    return 0;
}

/* --video-track: the video streams as tracks; the tracks past 0 are copied, so the
 * options that make video encoded cannot go with more than one. */
static int video_tracks(const struct cli_options *opts, rtmpkit_log *log, struct rk_source_options *so)
{
    int n = cli_parse_ids("video-track", opts->video_tracks, 255, so->video_streams, RK_MAX_VIDEO_TRACKS, log);
    if (n < 0)
        return n;
    so->n_video_streams = n;
    if (n > 1 && (opts->encode || opts->video_codec || opts->width > 0 || opts->height > 0 || opts->fps > 0)) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "--video-track: video tracks past 0 are copied, never encoded "
                     "(not with --encode, --video-codec, --size or --fps)");
        return RTMPKIT_EUSAGE;
    }
    return 0;
}

static void source_options(const struct cli_options *opts, rtmpkit_log *log, struct rk_source_options *so)
{
    memset(so, 0, sizeof *so);
    so->input = opts->input;
    so->format = opts->format;
    so->audio_input = opts->audio_input;
    so->audio_format = opts->audio_format;
    so->loop = opts->loop;
    so->force_encode = opts->encode;
    so->enhanced = opts->enhanced;
    so->video_codec = opts->video_codec;
    so->audio_codec = opts->audio_codec;
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

/* 1 when name (an option's value, or NULL) is one of the space-separated names. */
static int codec_name_ok(const char *option, const char *name, const char *names, rtmpkit_log *log)
{
    size_t n = name ? strlen(name) : 0;
    for (const char *p = names; name && n && *p; p += strcspn(p, " "), p += *p == ' ')
        if (strcspn(p, " ") == n && !strncmp(p, name, n))
            return 1;
    if (!name)
        return 1;
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "--%s \"%s\": expected one of %s", option, name, names);
    return 0;
}

static void report_totals(struct pusher *p)
{
    rtmpkit_publisher_stats st;
    char reconnects[48] = "";
    rtmpkit_publisher_get_stats(p->publisher, &st);
    if (st.reconnects)
        snprintf(reconnects, sizeof reconnects, " (%d reconnect%s)", st.reconnects, st.reconnects == 1 ? "" : "s");
    rtmpkit_logf(p->log, RTMPKIT_LOG_INFO, "sent %.1f s%s: %llu video and %llu audio frames, %llu dropped",
                 (double)st.last_dts_ms / 1000, reconnects, (unsigned long long)st.video_sent,
                 (unsigned long long)st.audio_sent, (unsigned long long)st.dropped);
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct rk_source_options source_opts;
    struct pusher p;
    rtmpkit_log log;
    rtmpkit_url url;
    char shown[512];
    int err, have_url = 0;
    int status = cli_parse(CLI_PUSH, NAME, argc, argv, &opts);

    if (status >= 0)
        return status;
    memset(&p, 0, sizeof p);
    cli_log_init(&log, NAME, &opts);
    p.opts = &opts;
    p.log = &log;
    p.cancel = cli_install_signals();
    if (opts.n_urls > 1) {
        if ((err = push_fanout_new(&p.fanout, &opts, &log)) < 0)
            goto done;
    } else {
        if ((err = cli_parse_url(&opts, &log, 1, &url)) < 0)
            goto done;
        have_url = 1;
    }
    if (opts.no_audio && opts.no_video) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--no-audio and --no-video leave nothing to send");
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if (!codec_name_ok("video-codec", opts.video_codec, "h264 hevc av1 vp9", &log)
        || !codec_name_ok("audio-codec", opts.audio_codec, "aac opus flac", &log)) {
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if (opts.pace && opts.no_pace) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--pace and --no-pace exclude each other");
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if ((err = cli_stats_open(&p.stats, &opts, NAME, &log)) < 0)
        goto done;
    source_options(&opts, &log, &source_opts);
    if (opts.audio_tracks
        && (err = source_opts.n_audio_streams = cli_parse_ids("audio-track", opts.audio_tracks, 255,
                                                               source_opts.audio_streams, RK_MAX_AUDIO_TRACKS,
                                                               &log)) < 0)
        goto done;
    if (opts.video_tracks && (err = video_tracks(&opts, &log, &source_opts)) < 0)
        goto done;
    if ((err = rk_source_open(&p.source, &source_opts)) < 0)
        goto done;   /* the source logged why */
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "input: %s", rk_source_describe(p.source));
    measure_input(&p);
    if (p.fanout) {
        err = push_multi(&p);
        goto done;
    }

    rtmpkit_url_format_redacted(&url, 1, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "publishing to %s", shown);
    p.destination = shown;
    if ((err = cli_start_session(&opts, &url, &log, 1, 0, &p.session)) < 0)
        goto done;
    if ((err = start_publisher(&p)) < 0)
        goto done;
    err = push_stream(&p);
    if (err < 0 && !p.error_logged)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_publisher_error_message(p.publisher));
    report_totals(&p);
    stats_tick(&p, 1);
done:
    push_fanout_free(p.fanout);
    cli_stats_close(&p.stats);
    rtmpkit_publisher_free(p.publisher);
    rtmpkit_session_free(p.session);   /* FCUnpublish, deleteStream */
    if (p.source)
        rk_source_close(p.source);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
