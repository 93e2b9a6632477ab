/* What the three commands share: one option table, help, the progress line, signals,
 * errors and exit codes. */
#ifndef CLI_COMMON_H
#define CLI_COMMON_H

#include <signal.h>
#include <stdint.h>

#include "rtmpkit/connargs.h"
#include "rtmpkit/client.h"
#include "rtmpkit/log.h"
#include "rtmpkit/session.h"
#include "rtmpkit/url.h"

/* The commands' own defaults (cli/defaults.h tables them with the others). */
#define CLI_DEFAULT_END_TIMEOUT_S 5     /* no media this long: the stream has ended */
#define CLI_DEFAULT_VOLUME        100
#define CLI_DEFAULT_LOOP          1

enum cli_command {
    CLI_DUMP = 1 << 0,
    CLI_PUSH = 1 << 1,
    CLI_PLAY = 1 << 2,
};

/* Every option of every command; each command sees the ones the table gives it. */
struct cli_options {
    const char *url;
    const char *output;
    const char *app;
    const char *stream;
    const char *tc_url;
    const char *flash_ver;
    const char *swf_url;
    const char *page_url;
    rtmpkit_connargs conn_args;   /* --conn items, encoded as they come (rtmpdump's -C) */
    const char *server;      /* OBS style: --server URL (up to the app) ... */
    const char *key;         /* ... and --key KEY (the stream) */
    const char *key_file;    /* the key in the first line of a file */
    const char *user;        /* authmod=adobe/llnw user (else the URL's userinfo) */
    const char *password;    /* (else the URL's, else RTMP_PASSWORD) */
    int live;
    int recorded;
    double start;            /* seconds, -1: not given */
    double duration;         /* seconds, 0: until the end */
    int wait;
    const char *tracks;          /* rtmp-dump --track: the track ids to keep, "0,2" */
    const char *audio_tracks;    /* rtmp-push --audio-track: input audio streams, "0,1" */
    const char *video_codec;     /* rtmp-push --video-codec: h264 hevc av1 vp9 */
    const char *audio_codec;     /* rtmp-push --audio-codec: aac opus flac */
    double end_timeout;      /* seconds without media after which a live stream has ended */
    int quiet;
    int verbose;
    enum cli_command command;    /* the command these options are for (cli_parse sets it) */
    double timeout;          /* idle read timeout, seconds */
    double connect_timeout;  /* connect + handshake, seconds */
    int ipv4;
    int ipv6;
    int simple_handshake;
    int buffer_ms;
    const char *ca_file;     /* rtmps: a CA to trust besides the system store */
    const char *ca_path;     /* rtmps: a directory of CAs (c_rehash'ed) */
    int insecure;            /* rtmps: no certificate verification (warned) */
    /* rtmp-push */
    const char *input;
    const char *format;          /* -f before the input */
    const char *audio_input;     /* a second input (a microphone) */
    const char *audio_format;    /* -f before the second input */
    int loop;                    /* times to play the input, 0 forever */
    int no_pace;
    int pace;
    int encode;
    int enhanced;                /* Enhanced RTMP headers for H.264/AAC too */
    int width, height;           /* --size */
    double fps;
    int video_kbps;
    int audio_kbps;
    int gop;
    const char *preset;
    int no_audio;
    int no_video;
    int queue_ms;
    /* rtmp-play */
    int latency_ms;              /* target end-to-end buffer */
    int volume;                  /* 0..100 */
    int fullscreen;
    const char *title;
    int stats;                   /* 0 off, 1 text line, 2 JSON lines (CLI_STATS_*) */
    int no_display;
};

enum { CLI_STATS_OFF, CLI_STATS_TEXT, CLI_STATS_JSON };

/* Parses argv for command. Returns -1 to go on, or the exit status to return now
 * (0 after --help / --version, 2 after a usage error, which it has reported). */
int cli_parse(enum cli_command command, const char *name, int argc, char **argv, struct cli_options *opts);

/* Parses a comma-separated list of numbers 0..max (an option's value, "0,2") into ids.
 * Returns how many, or RTMPKIT_EUSAGE (reported, naming the option) for anything else. */
int cli_parse_ids(const char *option, const char *list, int max, int *ids, int cap, rtmpkit_log *log);

/* Sets up the log for the options: level from -q/-v, prefix = command name. */
void cli_log_init(rtmpkit_log *log, const char *name, const struct cli_options *opts);

/* Parses the URL (or --server) with the --app/--stream/--tc-url overrides, takes the
 * stream key from --key, --key-file or RTMP_STREAM_KEY (the URL is then the server up to
 * the app, and the key the stream), the user and password from --user/--password, the
 * URL's userinfo or RTMP_PASSWORD, and registers every secret (user, password, key, query
 * values, and the stream when hide_stream) with the log before anything is logged.
 * Returns 0 or an error it has reported. */
int cli_parse_url(const struct cli_options *opts, rtmpkit_log *log, int hide_stream, rtmpkit_url *url);

/* Fills a client config from the options. */
void cli_client_config(const struct cli_options *opts, const rtmpkit_url *url, rtmpkit_log *log,
                       rtmpkit_client_config *cfg);

/* Creates the session of the command's one stream (publish, or play from play_start_ms)
 * and starts it: connect, then play or publish. A failure is logged (a cancel is not).
 * Returns 0 or an error; *out is set unless memory ran out (rtmpkit_session_free it). */
int cli_start_session(const struct cli_options *opts, const rtmpkit_url *url, rtmpkit_log *log, int publish,
                      double play_start_ms, rtmpkit_session **out);

/* SIGINT/SIGTERM (and SIGPIPE ignored): the returned flag becomes non-zero on a signal. */
const volatile sig_atomic_t *cli_install_signals(void);

/* A progress line on stderr, redrawn at most twice a second, only on a terminal and
 * not with -q. */
struct cli_progress {
    int enabled;
    int drawn;
    uint64_t last_draw_ms;
};
void cli_progress_init(struct cli_progress *p, const struct cli_options *opts);
void cli_progress_draw(struct cli_progress *p, int force, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_progress_end(struct cli_progress *p);

/* "1.5 MB" style sizes. */
void cli_format_bytes(char *buf, size_t len, uint64_t bytes);

#endif
