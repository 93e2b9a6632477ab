/* What the four commands share: one option table, help, the progress line, signals,
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
#define CLI_DEFAULT_PROBE_MAX_S   20    /* rtmp-probe: report what came by then */
/* Attempts to connect again after a lost connection (RTMPKIT_RECONNECT_FOREVER: no limit).
 * rtmp-play retries for ever with a window and never headless unless --reconnect says.
 * rtmp-dump: 10 attempts cover about two minutes of outage (1 s, x1.5, capped at 30 s) and
 * still end an unattended recording whose server is gone for good. */
#define CLI_DEFAULT_RECONNECT_PUSH RTMPKIT_RECONNECT_FOREVER
#define CLI_DEFAULT_RECONNECT_DUMP 10
#define CLI_DEFAULT_RECONNECT_PLAY RTMPKIT_RECONNECT_FOREVER
#define CLI_DEFAULT_RECONNECT_PROBE 0       /* a probe reports what it saw; it does not wait out an outage */
#define CLI_RECONNECT_UNSET        (-2)   /* --reconnect not given: the command's default */

#define CLI_MAX_URLS 16   /* rtmp-push: destinations of one input */
#define CLI_MAX_PAIRS 1024   /* rtmp-dump: URL -o FILE pairs on the command line (more: --from) */

enum cli_command {
    CLI_DUMP = 1 << 0,
    CLI_PUSH = 1 << 1,
    CLI_PLAY = 1 << 2,
    CLI_PROBE = 1 << 3,
};

/* Every option of every command; each command sees the ones the table gives it. */
struct cli_options {
    enum cli_command command;    /* the command parsing these */
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
    int split;               /* rtmp-dump: a new numbered file per connection */
    /* rtmp-dump with several streams: each URL argument and the -o after it (or before
     * it, when that -o was not taken by an earlier URL), in order; output NULL: the last
     * -o given (a template) */
    int n_pairs;
    const char *pair_url[CLI_MAX_PAIRS];
    const char *pair_output[CLI_MAX_PAIRS];
    const char *pending_output;  /* an -o not yet taken by a URL */
    const char *from;            /* --from LIST: "URL OUTPUT" lines, - for stdin */
    double segment;              /* --segment SEC: a new file at the first keyframe after SEC s */
    const char *tracks;          /* rtmp-dump --track: the track ids to keep, "0,2" */
    const char *audio_tracks;    /* rtmp-push --audio-track: input audio streams, "0,1" */
    const char *video_tracks;    /* rtmp-push --video-track: input video streams, "0,1"; rtmp-play: the track */
    const char *video_codec;     /* rtmp-push --video-codec: h264 hevc av1 vp9 */
    const char *audio_codec;     /* rtmp-push --audio-codec: aac opus flac */
    double end_timeout;      /* seconds without media after which a live stream has ended */
    int quiet;
    int verbose;
    double timeout;          /* idle read timeout, seconds */
    double connect_timeout;  /* connect + handshake, seconds */
    int ipv4;
    int ipv6;
    int simple_handshake;
    int buffer_ms;
    const char *ca_file;     /* rtmps: a CA to trust besides the system store */
    const char *ca_path;     /* rtmps: a directory of CAs (c_rehash'ed) */
    int insecure;            /* rtmps: no certificate verification (warned) */
    int reconnect;           /* attempts after a lost connection, CLI_RECONNECT_UNSET, or FOREVER */
    double reconnect_max_delay;   /* seconds; 0: the library's default cap */
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
    /* rtmp-push INPUT URL [URL...]: the destinations, in order (urls[0] is also url) */
    const char *urls[CLI_MAX_URLS];
    int n_urls;
    /* rtmp-play */
    int latency_ms;              /* target end-to-end buffer */
    int volume;                  /* 0..100 */
    int fullscreen;
    const char *title;
    int stats;                   /* 0 off, 1 text line, 2 JSON lines (CLI_STATS_*) */
    const char *stats_file;      /* the stats lines go here (JSON unless --stats says) */
    int no_display;
    /* rtmp-probe */
    int json;                    /* the report as one JSON object */
    double max_time;             /* seconds: report what came by then */
};

enum { CLI_STATS_OFF, CLI_STATS_TEXT, CLI_STATS_JSON };

/* What an option's argument is, for the shell completions (cli/gen-completions.c). */
enum cli_arg_kind {
    CLI_ARG_NONE,    /* a flag: no argument */
    CLI_ARG_VALUE,   /* a number, a name...: nothing to complete */
    CLI_ARG_FILE,    /* metavar FILE */
    CLI_ARG_DIR,     /* metavar DIR */
    CLI_ARG_WORDS,   /* one of the words in .words */
};

/* One option of a command as the shells see it, from the option table. */
struct cli_option_info {
    const char *name;        /* the long name, without "--" */
    int short_name;          /* 0: long only */
    const char *metavar;     /* NULL for a flag */
    int optional;            /* the argument is optional: only as --name=VALUE */
    int repeatable;          /* may be given more than once (-vv, --conn, -f) */
    enum cli_arg_kind kind;
    const char *words;       /* CLI_ARG_WORDS: the words, separated by spaces */
    char help[256];          /* the --help text, defaults filled in */
};

/* The name of one command ("rtmp-dump"), or NULL when command is not one command. */
const char *cli_command_name(enum cli_command command);

/* Describes the index-th option of command (in --help order). Returns 0, or -1 past
 * the last one. */
int cli_option_info(enum cli_command command, size_t index, struct cli_option_info *info);

/* Names an entry of the completion words table that is no option of the table, or NULL
 * (gen-completions fails the build on one). */
const char *cli_option_words_unknown(void);

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

/* The milliseconds of an option in seconds (0 stays 0: the default). */
int cli_seconds_to_ms(double s);

/* Fills a client config from the options. */
void cli_client_config(const struct cli_options *opts, const rtmpkit_url *url, rtmpkit_log *log,
                       rtmpkit_client_config *cfg);

/* The reconnect policy of the options: --reconnect (or the command's default) attempts,
 * the library's default waits, capped by --reconnect-max-delay. headless: rtmp-play without
 * a window, which retries only when --reconnect asks. */
void cli_reconnect_policy(const struct cli_options *opts, int headless, rtmpkit_reconnect_policy *out);

/* Whether the command follows Enhanced RTMP's ReconnectRequest (and so announces
 * Reconnect in capsEx): push, play and dump do unless --reconnect 0; probe never. */
int cli_follows_reconnect_request(const struct cli_options *opts);

/* Creates the session of the command's one stream (publish, or play from play_start_ms)
 * and starts it, with the options' reconnect policy: connect, then play or publish. A failure is logged (a cancel is not).
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

/* Where a run is, as pv shows it: "00:01:23 / 00:05:00 [#####.....] 27% 00:03:37 left"
 * when total_ms > 0 (the time left at the pace of the elapsed_ms so far), else "00:01:23". */
void cli_format_position(char *buf, size_t len, int64_t pos_ms, int64_t total_ms, uint64_t elapsed_ms);

/* "1.5 MB" style sizes. */
void cli_format_bytes(char *buf, size_t len, uint64_t bytes);

#endif
