/* rtmp-play: watch an RTMP stream in a window, with sound, in sync, close to live; or,
 * with --no-display, decode every frame of it and count them. The player itself is
 * codecs/play/; this is its command line. */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "player.h"
#include "rtmpkit/error.h"

#define NAME "rtmp-play"

static enum rk_player_stats stats_mode(int stats)
{
    return stats == CLI_STATS_JSON ? RK_PLAYER_STATS_JSON
         : stats == CLI_STATS_TEXT ? RK_PLAYER_STATS_TEXT : RK_PLAYER_STATS_OFF;
}

static void player_options(const struct cli_options *opts, const rtmpkit_url *url, const char *url_title,
                           const rtmpkit_client_config *cfg, rtmpkit_log *log, struct rk_player_options *po)
{
    memset(po, 0, sizeof *po);
    po->client = cfg;
    po->stream = url->stream;
    po->url_title = url_title;
    po->title = opts->title;
    po->name = NAME;
    po->duration = opts->duration;
    po->latency_ms = opts->latency_ms;
    po->volume = opts->volume;
    po->fullscreen = opts->fullscreen;
    po->stats = stats_mode(opts->stats);
    po->no_audio = opts->no_audio;
    po->no_video = opts->no_video;
    po->headless = opts->no_display;
    po->end_timeout_ms = CLI_DEFAULT_END_TIMEOUT_S * 1000;   /* the one rtmp-dump has too */
    cli_reconnect_policy(opts, opts->no_display, &po->reconnect);
    po->follow_reconnect_request = cli_follows_reconnect_request(opts);
    po->log = log;
    po->cancel = cfg->cancel;
}

/* The last words: a machine-readable line on stdout when headless (the tests read it),
 * and a summary in the log. */
static void report_totals(const rk_player *player, int headless, rtmpkit_log *log)
{
    struct rk_player_totals t;
    rk_player_get_totals(player, &t);
    if (headless)
        printf("decoded video_frames=%llu audio_frames=%llu audio_samples=%llu packets_dropped=%llu\n",
               (unsigned long long)t.video_frames, (unsigned long long)t.audio_frames,
               (unsigned long long)t.audio_samples, (unsigned long long)t.packets_dropped);
    rtmpkit_logf(log, RTMPKIT_LOG_INFO, "decoded %llu video frames (%llu shown, %llu dropped), %llu audio frames",
                 (unsigned long long)t.video_frames, (unsigned long long)t.frames_shown,
                 (unsigned long long)t.frames_dropped, (unsigned long long)t.audio_frames);
}

int main(int argc, char **argv)
{
    struct cli_options opts;
    struct rk_player_options player_opts;
    rk_player *player = NULL;
    rtmpkit_client_config cfg;
    rtmpkit_log log;
    rtmpkit_url url;
    char shown[512];
    int err = 0, have_url = 0, audio_track = 0, video_track = 0;
    int status = cli_parse(CLI_PLAY, NAME, argc, argv, &opts);

    if (status >= 0)
        return status;
    cli_log_init(&log, NAME, &opts);
    if (opts.audio_tracks && (err = cli_parse_ids("audio-track", opts.audio_tracks, 255, &audio_track, 1, &log)) < 0)
        goto done;
    if (opts.video_tracks && (err = cli_parse_ids("video-track", opts.video_tracks, 255, &video_track, 1, &log)) < 0)
        goto done;
    if (opts.no_audio && opts.no_video) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--no-audio and --no-video leave nothing to play (try --help)");
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if (opts.latency_ms < RK_PLAYER_MIN_LATENCY_MS) {
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "--latency %d is below %d ms, which no stream can keep (try --help)",
                     opts.latency_ms, RK_PLAYER_MIN_LATENCY_MS);
        err = RTMPKIT_EUSAGE;
        goto done;
    }
    if ((err = cli_parse_url(&opts, &log, 0, &url)) < 0)
        goto done;
    have_url = 1;
    cli_client_config(&opts, &url, &log, &cfg);   /* also installs the signal handlers */
    rtmpkit_url_format_redacted(&url, 0, shown, sizeof shown);
    rtmpkit_log_scrub(&log, shown, sizeof shown);   /* a key from --key & co */
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "playing %s", shown);

    player_options(&opts, &url, shown, &cfg, &log, &player_opts);
    player_opts.audio_track = audio_track;
    player_opts.video_track = video_track;
    if ((err = rk_player_open(&player, &player_opts)) < 0)
        goto done;   /* the player logged why */
    err = rk_player_run(player);
    report_totals(player, opts.no_display, &log);
done:
    rk_player_close(player);
    if (have_url)
        rtmpkit_url_free(&url);
    rtmpkit_log_cleanup(&log);
    return rtmpkit_exit_status(err);
}
