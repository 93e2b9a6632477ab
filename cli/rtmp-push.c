/* rtmp-push: publish a file, a device, stdin or the built-in test source to an RTMP
 * server, copying H.264/HEVC/AV1/VP9 and AAC/Opus/FLAC/AC-3/E-AC-3 as they are (Enhanced
 * RTMP for all but H.264/AAC) and encoding anything else to H.264/AAC. */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "source.h"
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
    int checked_caps[2];        /* audio, video: the first sequence header was checked */
};

/* Once per media type, at its first sequence header: a warning when the server announced
 * Enhanced RTMP codecs and this one is not among them (it may still pass it on). */
static void check_server_lists(struct pusher *p, const rk_tag *tag)
{
    const rtmpkit_caps *caps = rtmpkit_client_server_caps(rtmpkit_session_client(p->session));
    int video = tag->type == RTMPKIT_FLV_VIDEO;
    rtmpkit_tag_header h;
    if ((tag->type != RTMPKIT_FLV_VIDEO && tag->type != RTMPKIT_FLV_AUDIO) || p->checked_caps[video]
        || rtmpkit_tag_parse(tag->type, tag->data, tag->size, &h) <= 0 || !h.config || !h.track.fourcc)
        return;
    p->checked_caps[video] = 1;
    if (rtmpkit_caps_lists(caps, video, h.track.fourcc) == 0)
        rtmpkit_logf(p->log, RTMPKIT_LOG_WARN, "the server does not list %s codec %c%c%c%c among its capabilities",
                     video ? "video" : "audio", (char)(h.track.fourcc >> 24), (char)(h.track.fourcc >> 16),
                     (char)(h.track.fourcc >> 8), (char)h.track.fourcc);
}

static void draw_progress(struct pusher *p, struct cli_progress *progress, int force)
{
    rtmpkit_publisher_stats st;
    char size[32];
    double media_s;
    rtmpkit_publisher_get_stats(p->publisher, &st);
    media_s = (double)st.last_dts_ms / 1000.0;
    cli_format_bytes(size, sizeof size, st.media_bytes);
    cli_progress_draw(progress, force, "sent %02d:%02d:%02d  %s  %.0f kbit/s  %.1f fps  dropped %llu  queue %lld ms",
                      (int)(st.last_dts_ms / 3600000), (int)(st.last_dts_ms / 60000 % 60),
                      (int)(st.last_dts_ms / 1000 % 60), size,
                      media_s > 0 ? (double)st.media_bytes * 8 / 1000 / media_s : 0.0,
                      media_s > 0 ? (double)st.video_sent / media_s : 0.0,
                      (unsigned long long)st.dropped, (long long)st.queue_latency_ms);
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
        if (tag.flags & RTMPKIT_MEDIA_CONFIG)
            check_server_lists(p, &tag);
        if ((err = rtmpkit_publisher_send(p->publisher, &tag)) < 0)
            break;
        draw_progress(p, &progress, 0);
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

/* The publisher over the connected client: files in real time; stdin and devices as they
 * come, unless --pace. */
static int start_publisher(struct pusher *p)
{
    const struct cli_options *opts = p->opts;
    rtmpkit_publisher_config pc = {
        .client = rtmpkit_session_client(p->session),
        .paced = opts->pace || (!opts->no_pace && !rk_source_is_live(p->source)),
        .live = rk_source_is_live(p->source),
        .queue_ms = opts->queue_ms,
        .write_timeout_ms = opts->timeout > 0 ? (int)(opts->timeout * 1000) : 0,
        .cancel = p->cancel,
    };
    if (!(p->publisher = rtmpkit_publisher_new(&pc))) {
        rtmpkit_logf(p->log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(RTMPKIT_ENOMEM));
        return RTMPKIT_ENOMEM;
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
    rtmpkit_publisher_get_stats(p->publisher, &st);
    rtmpkit_logf(p->log, RTMPKIT_LOG_INFO, "sent %.1f s: %llu video and %llu audio frames, %llu dropped",
                 (double)st.last_dts_ms / 1000, (unsigned long long)st.video_sent,
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
    if ((err = cli_parse_url(&opts, &log, 1, &url)) < 0)
        goto done;
    have_url = 1;
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
    source_options(&opts, &log, &source_opts);
    if (opts.audio_tracks
        && (err = source_opts.n_audio_streams = cli_parse_ids("audio-track", opts.audio_tracks, 255,
                                                               source_opts.audio_streams, RK_MAX_AUDIO_TRACKS,
                                                               &log)) < 0)
        goto done;
    if ((err = rk_source_open(&p.source, &source_opts)) < 0)
        goto done;   /* the source logged why */
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "input: %s", rk_source_describe(p.source));

    rtmpkit_url_format_redacted(&url, 1, shown, sizeof shown);
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "publishing to %s", shown);
    if ((err = cli_start_session(&opts, &url, &log, 1, 0, &p.session)) < 0)
        goto done;
    if ((err = start_publisher(&p)) < 0)
        goto done;
    err = push_stream(&p);
    if (err < 0 && !p.error_logged)
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_publisher_error_message(p.publisher));
    report_totals(&p);
done:
    rtmpkit_publisher_free(p.publisher);
    rtmpkit_session_free(p.session);   /* FCUnpublish, deleteStream */
    if (p.source)
        rk_source_close(p.source);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
