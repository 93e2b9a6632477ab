#include "common.h"
#include "defaults.h"

#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/rtmpkit.h"

#define ALL_COMMANDS (CLI_DUMP | CLI_PUSH | CLI_PLAY | CLI_PROBE)
#define PROGRESS_INTERVAL_MS 500

enum arg_type {
    ARG_FLAG,       /* int set to 1 */
    ARG_COUNT,      /* int incremented */
    ARG_INT,
    ARG_SECONDS,    /* double >= 0 */
    ARG_ATTEMPTS,   /* int >= 0, or "forever" (RTMPKIT_RECONNECT_FOREVER) */
    ARG_STRING,
    ARG_SIZE,       /* WxH into two ints: width, then height */
    ARG_FORMAT,     /* -f: the format of the next input */
    ARG_PERCENT,    /* int 0..100 */
    ARG_STATS,      /* optional argument: none or "text" -> text, "json" -> JSON lines */
    ARG_CONN,       /* --conn: one more connect argument (repeatable), rtmpkit_connargs */
};

struct option_spec {
    const char *name;
    int short_name;         /* 0: long only */
    enum arg_type type;
    unsigned commands;
    size_t offset;          /* into struct cli_options */
    const char *metavar;
    const char *help;
};

#define OPT(field) offsetof(struct cli_options, field)

/* Special entries handled by cli_parse itself. */
#define OFFSET_HELP    ((size_t)-1)
#define OFFSET_VERSION ((size_t)-2)

static const struct option_spec option_table[] = {
    { "output", 'o', ARG_STRING, CLI_DUMP, OPT(output), "FILE",
      "write the FLV to FILE (- for stdout); a template with %n stream, %a app, %h host, strftime fields" },
    { "format", 'f', ARG_FORMAT, CLI_PUSH, OPT(format), "FMT", "format of the next input (v4l2, alsa, pulse, x11grab, mpegts...)" },
    { "loop", 0, ARG_INT, CLI_PUSH, OPT(loop), "N", "play the input N times (0: forever; default {LOOP})" },
    { "no-pace", 0, ARG_FLAG, CLI_PUSH, OPT(no_pace), NULL, "send a file as fast as the link allows, not in real time" },
    { "pace", 0, ARG_FLAG, CLI_PUSH, OPT(pace), NULL, "send stdin or a device in real time too, by its timestamps (ffmpeg -re)" },
    { "audio-track", 0, ARG_STRING, CLI_PUSH | CLI_PLAY, OPT(audio_tracks), "N[,N...]",
      "push: send these audio streams of the input (0: its first) as tracks 0, 1... (Enhanced RTMP multitrack); play: play audio track N" },
    { "video-track", 0, ARG_STRING, CLI_PUSH | CLI_PLAY, OPT(video_tracks), "N[,N...]",
      "push: send these video streams of the input (0: its first) as tracks 0, 1... (Enhanced RTMP multitrack; tracks past 0 copied only); play: show video track N" },
    { "video-codec", 0, ARG_STRING, CLI_PUSH, OPT(video_codec), "C",
      "encode video to h264, hevc, av1 or vp9 unless the input already is (default: copy, else h264)" },
    { "audio-codec", 0, ARG_STRING, CLI_PUSH, OPT(audio_codec), "C",
      "encode audio to aac, opus or flac unless the input already is (default: copy, else aac)" },
    { "encode", 0, ARG_FLAG, CLI_PUSH, OPT(encode), NULL, "encode to H.264/AAC even when the input's codecs can be copied" },
    { "enhanced", 0, ARG_FLAG, CLI_PUSH, OPT(enhanced), NULL, "send H.264/AAC with Enhanced RTMP headers (avc1, mp4a) too" },
    { "size", 0, ARG_SIZE, CLI_PUSH, OPT(width), "WxH", "encoded picture size (default: the input's)" },
    { "fps", 0, ARG_SECONDS, CLI_PUSH, OPT(fps), "N", "encoded frame rate (default: the input's)" },
    { "video-bitrate", 0, ARG_INT, CLI_PUSH, OPT(video_kbps), "KBPS", "H.264 bit rate when encoding (default {VIDEO_BITRATE})" },
    { "audio-bitrate", 0, ARG_INT, CLI_PUSH, OPT(audio_kbps), "KBPS", "AAC bit rate when encoding (default {AUDIO_BITRATE})" },
    { "gop", 0, ARG_INT, CLI_PUSH, OPT(gop), "FRAMES", "keyframe interval when encoding (default {GOP} s)" },
    { "preset", 0, ARG_STRING, CLI_PUSH, OPT(preset), "P", "x264 preset when encoding (default {PRESET})" },
    { "no-audio", 0, ARG_FLAG, CLI_PUSH | CLI_PLAY, OPT(no_audio), NULL, "leave the audio out" },
    { "no-video", 0, ARG_FLAG, CLI_PUSH | CLI_PLAY, OPT(no_video), NULL, "leave the video out" },
    { "queue", 0, ARG_INT, CLI_PUSH, OPT(queue_ms), "MS",
      "when the link is slower than the stream, drop frames beyond MS of queue (default {QUEUE})" },
    { "latency", 0, ARG_INT, CLI_PLAY, OPT(latency_ms), "MS",
      "target latency: catch up when further than MS behind the live edge (default {LATENCY}, at least {MIN_LATENCY})" },
    { "volume", 0, ARG_PERCENT, CLI_PLAY, OPT(volume), "0-100", "audio volume in percent (default {VOLUME})" },
    { "fullscreen", 0, ARG_FLAG, CLI_PLAY, OPT(fullscreen), NULL, "start in fullscreen" },
    { "title", 0, ARG_STRING, CLI_PLAY, OPT(title), "T", "window title (default: the URL, key redacted)" },
    { "stats", 0, ARG_STATS, CLI_PLAY | CLI_PUSH | CLI_DUMP, OPT(stats), "[=json]",
      "a stats line on stderr every second (JSON lines with --stats=json)" },
    { "stats-file", 0, ARG_STRING, CLI_PUSH | CLI_DUMP, OPT(stats_file), "FILE",
      "write the stats lines to FILE instead (JSON unless --stats says otherwise)" },
    { "no-display", 0, ARG_FLAG, CLI_PLAY, OPT(no_display), NULL,
      "decode only, no window and no sound (tests, benchmarks)" },
    { "live", 0, ARG_FLAG, CLI_DUMP, OPT(live), NULL, "ask for the live stream only (play start -1)" },
    { "recorded", 0, ARG_FLAG, CLI_DUMP, OPT(recorded), NULL, "ask for a recorded stream only (play start 0)" },
    { "start", 0, ARG_SECONDS, CLI_DUMP, OPT(start), "SEC", "start a recorded stream SEC seconds in" },
    { "duration", 0, ARG_SECONDS, CLI_DUMP | CLI_PUSH | CLI_PLAY | CLI_PROBE, OPT(duration), "SEC", "stop after SEC seconds of media" },
    { "json", 0, ARG_FLAG, CLI_PROBE, OPT(json), NULL, "print the report as one JSON object (schema in rtmp-probe(1))" },
    { "max-time", 0, ARG_SECONDS, CLI_PROBE, OPT(max_time), "SEC",
      "report what came within SEC seconds, complete or not (default {PROBE_MAX_TIME})" },
    { "wait", 0, ARG_FLAG, CLI_DUMP, OPT(wait), NULL, "when the publisher stops, wait for it to come back" },
    { "track", 0, ARG_STRING, CLI_DUMP, OPT(tracks), "IDS",
      "keep only these Enhanced RTMP tracks (ids 0-255, comma-separated; 0 is the default track)" },
    { "end-timeout", 0, ARG_SECONDS, CLI_DUMP, OPT(end_timeout), "SEC",
      "after media stopped for SEC seconds and the server still answers, the stream has ended (default {END_TIMEOUT}; 0: never)" },
    { "split", 0, ARG_FLAG, CLI_DUMP, OPT(split), NULL,
      "after a reconnect, record into a new numbered file (NAME-2.flv, NAME-3.flv...)" },
    { "from", 0, ARG_STRING, CLI_DUMP, OPT(from), "LIST",
      "record every stream of LIST (lines \"URL OUTPUT\"; - for stdin) in one process" },
    { "segment", 0, ARG_SECONDS, CLI_DUMP, OPT(segment), "SEC",
      "start a new file at the first keyframe after SEC seconds of media (names from the -o template)" },
    { "app", 0, ARG_STRING, ALL_COMMANDS, OPT(app), "APP", "application name (overrides the URL's)" },
    { "stream", 0, ARG_STRING, ALL_COMMANDS, OPT(stream), "NAME", "stream name / playpath (overrides the URL's)" },
    { "tc-url", 0, ARG_STRING, ALL_COMMANDS, OPT(tc_url), "URL", "tcUrl sent in connect (default: from the URL)" },
    { "flash-ver", 0, ARG_STRING, ALL_COMMANDS, OPT(flash_ver), "STR", "flashVer sent in connect" },
    { "swf-url", 0, ARG_STRING, ALL_COMMANDS, OPT(swf_url), "URL", "swfUrl sent in connect" },
    { "page-url", 0, ARG_STRING, ALL_COMMANDS, OPT(page_url), "URL", "pageUrl sent in connect" },
    { "conn", 0, ARG_CONN, ALL_COMMANDS, OPT(conn_args), "TYPE:VALUE",
      "one more connect argument, rtmpdump -C syntax (B:1 N:2 S:text Z: O:1 NS:name:text O:0); repeatable" },
    { "server", 0, ARG_STRING, ALL_COMMANDS, OPT(server), "URL",
      "the server up to the application (rtmp://host/app), instead of a URL argument; with --key" },
    { "key", 0, ARG_STRING, ALL_COMMANDS, OPT(key), "KEY",
      "the stream key (the stream name; visible in the process list: prefer --key-file or RTMP_STREAM_KEY)" },
    { "key-file", 0, ARG_STRING, ALL_COMMANDS, OPT(key_file), "FILE", "read the stream key from the first line of FILE (rtmp-push with several URLs: one key a line, in order)" },
    { "user", 0, ARG_STRING, ALL_COMMANDS, OPT(user), "NAME", "user name for authmod=adobe/llnw server authentication" },
    { "password", 0, ARG_STRING, ALL_COMMANDS, OPT(password), "PW",
      "password for server authentication (visible in the process list: prefer RTMP_PASSWORD)" },
    { "timeout", 0, ARG_SECONDS, ALL_COMMANDS, OPT(timeout), "SEC", "give up after SEC seconds without data (default {TIMEOUT})" },
    { "connect-timeout", 0, ARG_SECONDS, ALL_COMMANDS, OPT(connect_timeout), "SEC",
      "give up connecting, handshaking or starting after SEC seconds (default {CONNECT_TIMEOUT})" },
    { "buffer", 0, ARG_INT, CLI_DUMP | CLI_PLAY | CLI_PROBE, OPT(buffer_ms), "MS", "buffer length asked of the server (default {BUFFER})" },
    { "reconnect", 0, ARG_ATTEMPTS, CLI_DUMP | CLI_PUSH | CLI_PLAY | CLI_PROBE, OPT(reconnect), "N",
      "after a lost connection, connect again up to N times (0: never; forever; default: rtmp-push {RECONNECT_PUSH}, rtmp-dump {RECONNECT_DUMP}, rtmp-play {RECONNECT_PLAY}, rtmp-probe {RECONNECT_PROBE})" },
    { "reconnect-max-delay", 0, ARG_SECONDS, CLI_DUMP | CLI_PUSH | CLI_PLAY | CLI_PROBE, OPT(reconnect_max_delay), "SEC",
      "wait at most SEC seconds between attempts (they start at {RECONNECT_FIRST} s, x1.5 each; default {RECONNECT_MAX_DELAY})" },
    { "simple-handshake", 0, ARG_FLAG, ALL_COMMANDS, OPT(simple_handshake), NULL, "send no FP9 digest in the handshake" },
    { "ca-file", 0, ARG_STRING, ALL_COMMANDS, OPT(ca_file), "FILE",
      "rtmps: also trust the CA certificates in FILE (PEM)" },
    { "ca-path", 0, ARG_STRING, ALL_COMMANDS, OPT(ca_path), "DIR",
      "rtmps: also trust the CA certificates in DIR (hashed, see openssl rehash)" },
    { "insecure", 0, ARG_FLAG, ALL_COMMANDS, OPT(insecure), NULL,
      "rtmps: do not verify the server's certificate (unsafe; warned on every run)" },
    { "ipv4", '4', ARG_FLAG, ALL_COMMANDS, OPT(ipv4), NULL, "use IPv4 only" },
    { "ipv6", '6', ARG_FLAG, ALL_COMMANDS, OPT(ipv6), NULL, "use IPv6 only" },
    { "quiet", 'q', ARG_FLAG, ALL_COMMANDS, OPT(quiet), NULL, "print errors only, no progress" },
    { "verbose", 'v', ARG_COUNT, ALL_COMMANDS, OPT(verbose), NULL, "say more (-vv: protocol details)" },
    { "help", 'h', ARG_FLAG, ALL_COMMANDS, OFFSET_HELP, NULL, "show this help and exit" },
    { "version", 'V', ARG_FLAG, ALL_COMMANDS, OFFSET_VERSION, NULL, "show the version and exit" },
};

#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

static const char *usage_line(enum cli_command command)
{
    switch (command) {
    case CLI_DUMP: return "rtmp://host[:port]/app[/instance]/stream [-o FILE|-] [options]\n"
                          "       rtmp-dump URL -o FILE [URL -o FILE...] [--from LIST] [options]   (many streams)";
    case CLI_PUSH: return "INPUT rtmp://host[:port]/app/key [URL...] [options]";
    case CLI_PLAY: return "rtmp://host[:port]/app/stream [options]";
    case CLI_PROBE: return "rtmp://host[:port]/app/stream [--json] [options]";
    }
    return "";
}

/* Copies text to out with each "{NAME}" replaced by that default's value (cli/defaults.h). */
static void expand_defaults(const char *text, char *out, size_t cap)
{
    size_t len = 0;
    while (*text && len + 1 < cap) {
        const char *end = *text == '{' ? strchr(text, '}') : NULL;
        if (end && cli_default_text(text + 1, (size_t)(end - text - 1), out + len, cap - len) == 0) {
            len += strlen(out + len);
            text = end + 1;
        } else {
            out[len++] = *text++;
        }
    }
    out[len] = 0;
}

static void print_help(enum cli_command command, const char *name)
{
    printf("Usage: %s %s\n\nOptions:\n", name, usage_line(command));
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_table[i];
        char left[64], help[256];
        if (!(o->commands & command))
            continue;
        snprintf(left, sizeof left, "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                 o->metavar && o->metavar[0] != '[' ? " " : "", o->metavar ? o->metavar : "");
        expand_defaults(o->help, help, sizeof help);
        printf("  %-28s %s\n", left, help);
    }
    printf("\nExit status: 0 on success; see EXIT STATUS in %s(1) for each error.\n", name);
}

/* The options whose argument is one of a fixed set of words, for the shell completions
 * (FILE and DIR arguments are known by their metavar). Each name must be in the table. */
static const struct {
    const char *option;
    const char *words;
} option_words[] = {
    { "format", "v4l2 alsa pulse x11grab fbdev kmsgrab lavfi flv mpegts mp4 matroska" },
    { "preset", "ultrafast superfast veryfast faster fast medium slow slower veryslow placebo" },
    { "stats", "text json" },
    { "reconnect", "forever" },   /* or a number */
    { "video-codec", "h264 hevc av1 vp9" },
    { "audio-codec", "aac opus flac" },
};

const char *cli_command_name(enum cli_command command)
{
    switch (command) {
    case CLI_DUMP: return "rtmp-dump";
    case CLI_PUSH: return "rtmp-push";
    case CLI_PLAY: return "rtmp-play";
    case CLI_PROBE: return "rtmp-probe";
    }
    return NULL;
}

static const char *words_of(const char *option)
{
    for (size_t i = 0; i < sizeof option_words / sizeof option_words[0]; i++)
        if (strcmp(option_words[i].option, option) == 0)
            return option_words[i].words;
    return NULL;
}

const char *cli_option_words_unknown(void)
{
    for (size_t i = 0; i < sizeof option_words / sizeof option_words[0]; i++) {
        size_t j = 0;
        while (j < OPTION_COUNT && strcmp(option_table[j].name, option_words[i].option) != 0)
            j++;
        if (j == OPTION_COUNT)
            return option_words[i].option;
    }
    return NULL;
}

int cli_option_info(enum cli_command command, size_t index, struct cli_option_info *info)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_table[i];
        int has_arg = o->type != ARG_FLAG && o->type != ARG_COUNT;
        if (!(o->commands & command) || index-- > 0)
            continue;
        memset(info, 0, sizeof *info);
        info->name = o->name;
        info->short_name = o->short_name;
        info->metavar = has_arg ? o->metavar : NULL;
        info->optional = o->type == ARG_STATS;
        info->repeatable = o->type == ARG_COUNT || o->type == ARG_CONN || o->type == ARG_FORMAT;
        info->words = has_arg ? words_of(o->name) : NULL;
        info->kind = !has_arg ? CLI_ARG_NONE
                   : info->words ? CLI_ARG_WORDS
                   : o->metavar && strcmp(o->metavar, "FILE") == 0 ? CLI_ARG_FILE
                   : o->metavar && strcmp(o->metavar, "DIR") == 0 ? CLI_ARG_DIR : CLI_ARG_VALUE;
        expand_defaults(o->help, info->help, sizeof info->help);
        return 0;
    }
    return -1;
}

static int usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try --help)\n");
    return rtmpkit_exit_status(RTMPKIT_EUSAGE);
}

/* Stores one option's argument into opts; returns 0 or -1 after reporting. */
static int store_option(const struct option_spec *o, const char *arg, const char *name,
                        struct cli_options *opts)
{
    char *field = (char *)opts + o->offset;
    char *end = NULL;
    switch (o->type) {
    case ARG_FLAG:
        *(int *)field = 1;
        return 0;
    case ARG_COUNT:
        (*(int *)field)++;
        return 0;
    case ARG_INT: {
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < 0 || v > 1000000000) {
            usage_error(name, "--%s wants a whole number, not \"%s\"", o->name, arg);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case ARG_SECONDS: {
        double v = strtod(arg, &end);
        if (!*arg || *end || !(v >= 0) || v > 1e9) {
            usage_error(name, "--%s wants seconds (a number >= 0), not \"%s\"", o->name, arg);
            return -1;
        }
        *(double *)field = v;
        return 0;
    }
    case ARG_ATTEMPTS: {
        long v = strcmp(arg, "forever") == 0 ? RTMPKIT_RECONNECT_FOREVER : strtol(arg, &end, 10);
        if (v != RTMPKIT_RECONNECT_FOREVER && (!*arg || *end || v < 0 || v > 1000000000)) {
            usage_error(name, "--%s wants a number of attempts or \"forever\", not \"%s\"", o->name, arg);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case ARG_STRING:
        *(const char **)field = arg;
        return 0;
    case ARG_SIZE: {
        long w = strtol(arg, &end, 10), h = 0;
        if (end != arg && (*end == 'x' || *end == 'X')) {
            const char *hs = end + 1;
            h = strtol(hs, &end, 10);
            if (end == hs)
                h = 0;
        }
        if (*end || w < 16 || h < 16 || w > 8192 || h > 8192 || w % 2 || h % 2) {
            usage_error(name, "--%s wants WIDTHxHEIGHT (even numbers, 16 to 8192), not \"%s\"", o->name, arg);
            return -1;
        }
        ((int *)field)[0] = (int)w;
        ((int *)field)[1] = (int)h;
        return 0;
    }
    case ARG_PERCENT: {
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < 0 || v > 100) {
            usage_error(name, "--%s wants a percentage from 0 to 100, not \"%s\"", o->name, arg);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case ARG_STATS:
        if (!arg || strcmp(arg, "text") == 0) {
            *(int *)field = CLI_STATS_TEXT;
        } else if (strcmp(arg, "json") == 0) {
            *(int *)field = CLI_STATS_JSON;
        } else {
            usage_error(name, "--%s takes no argument or =json, not \"%s\"", o->name, arg);
            return -1;
        }
        return 0;
    case ARG_CONN: {
        char why[300];
        if (rtmpkit_connargs_add((rtmpkit_connargs *)field, arg, why, sizeof why) < 0) {
            usage_error(name, "%s", why);
            return -1;
        }
        return 0;
    }
    case ARG_FORMAT:
        /* -f applies to the input that follows it: the first or the second. */
        if (opts->input)
            opts->audio_format = arg;
        else
            opts->format = arg;
        return 0;
    }
    return -1;
}

#define MAX_POSITIONAL (2 + CLI_MAX_URLS)

/* An argument that names an RTMP server (rtmp://, rtmps://...), not an input. */
static int is_rtmp_url(const char *s)
{
    const char *sep = strstr(s, "://");
    return strncasecmp(s, "rtmp", 4) == 0 && sep && sep - s <= 7;
}

/* rtmp-push without --server: INPUT [AUDIO_INPUT] URL [URL...]; the second argument is
 * the audio input unless it is an RTMP URL. */
static int take_push_positional(const char *name, const char **positional, int count, struct cli_options *opts)
{
    int first_url = count >= 3 && !is_rtmp_url(positional[1]) ? 2 : 1;
    if (count < 2)
        return usage_error(name, count == 0 ? "no input and URL given" : "no URL given (rtmp-push INPUT URL)");
    if (count - first_url > CLI_MAX_URLS)
        return usage_error(name, "at most %d destination URLs", CLI_MAX_URLS);
    opts->input = positional[0];
    opts->audio_input = first_url == 2 ? positional[1] : NULL;
    for (int i = first_url; i < count; i++)
        opts->urls[opts->n_urls++] = positional[i];
    opts->url = opts->urls[0];
    if (opts->n_urls > 1 && opts->key)
        return usage_error(name, "--key names one stream: with several URLs give the keys in --key-file lines or in the URLs");
    return -1;
}

/* Assigns the arguments that are not options: [INPUT [AUDIO_INPUT]] URL. Returns -1 when
 * they fit, or the usage exit status after reporting. */
static int take_positional(enum cli_command command, const char *name, const char **positional,
                           int count, struct cli_options *opts)
{
    /* With --server the URL is not an argument. */
    int urls = opts->server ? 0 : 1;
    int inputs = command == CLI_PUSH ? count - urls : 0;
    int max = (command == CLI_PUSH ? 2 : 0) + urls;
    if (command == CLI_PUSH && urls)
        return take_push_positional(name, positional, count, opts);
    if (command == CLI_PUSH && inputs <= 0)
        return usage_error(name, count == 0 ? "no input and URL given" : "no URL given (rtmp-push INPUT URL)");
    if (command == CLI_DUMP && opts->from && count == 0)
        return -1;   /* the URLs are in the list */
    if (command != CLI_PUSH && count < urls)
        return usage_error(name, "no URL given");
    if (count > max)
        return usage_error(name, opts->server ? "unexpected argument \"%s\" (the URL is given by --server)"
                                              : "unexpected argument \"%s\"", positional[max]);
    opts->input = inputs >= 1 ? positional[0] : NULL;
    opts->audio_input = inputs >= 2 ? positional[1] : NULL;
    opts->url = urls ? positional[count - 1] : opts->server;
    return -1;
}

int cli_parse(enum cli_command command, const char *name, int argc, char **argv, struct cli_options *opts)
{
    const char *positional[MAX_POSITIONAL];
    int n_positional = 0, err;
    struct option long_options[OPTION_COUNT + 1];
    const struct option_spec *by_index[OPTION_COUNT];
    char short_options[3 * OPTION_COUNT + 2] = "+";   /* "+": stop at each non-option */
    size_t n = 0;
    int c, index;

    memset(opts, 0, sizeof *opts);
    opts->command = command;
    opts->reconnect = CLI_RECONNECT_UNSET;
    opts->start = -1;
    opts->end_timeout = CLI_DEFAULT_END_TIMEOUT_S;
    opts->loop = CLI_DEFAULT_LOOP;
    opts->queue_ms = RTMPKIT_PUBLISHER_DEFAULT_QUEUE_MS;
    opts->latency_ms = RK_PLAYER_DEFAULT_LATENCY_MS;
    opts->volume = CLI_DEFAULT_VOLUME;
    opts->max_time = CLI_DEFAULT_PROBE_MAX_S;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_table[i];
        int has_arg = o->type == ARG_FLAG || o->type == ARG_COUNT ? no_argument
                    : o->type == ARG_STATS ? optional_argument : required_argument;
        if (!(o->commands & command))
            continue;
        by_index[n] = o;
        long_options[n] = (struct option){ o->name, has_arg, NULL, 0 };
        if (o->short_name) {
            size_t len = strlen(short_options);
            short_options[len] = (char)o->short_name;
            short_options[len + 1] = has_arg ? ':' : 0;
            short_options[len + 2] = 0;
        }
        n++;
    }
    long_options[n] = (struct option){ 0, 0, 0, 0 };

    opterr = 0;
    optind = 1;
    for (;;) {
        c = getopt_long(argc, argv, short_options, long_options, &index);
        if (c == -1) {
            /* "+" mode stops at each argument that is not an option: take it, go on. */
            if (optind >= argc)
                break;
            if (command == CLI_DUMP) {   /* URL -o FILE pairs: every URL is one stream */
                if (opts->n_pairs == CLI_MAX_PAIRS)
                    return usage_error(name, "more than %d URLs: use --from LIST", CLI_MAX_PAIRS);
                opts->pair_url[opts->n_pairs] = argv[optind];
                opts->pair_output[opts->n_pairs++] = opts->pending_output;
                opts->pending_output = NULL;
                if (n_positional == 1) {   /* the first is the single stream's URL */
                    optind++;
                    continue;
                }
            }
            if (n_positional == MAX_POSITIONAL)
                return usage_error(name, "unexpected argument \"%s\"", argv[optind]);
            positional[n_positional++] = argv[optind++];
            if (command == CLI_PUSH && n_positional == 1)
                opts->input = positional[0];   /* so that a later -f is the audio input's */
            continue;
        }
        const struct option_spec *o = NULL;
        if (c == '?' || c == ':') {
            if (optopt)
                return usage_error(name, "unknown option or missing argument: -%c", optopt);
            return usage_error(name, "unknown option or missing argument: %s", argv[optind - 1]);
        }
        if (c == 0) {
            o = by_index[index];
        } else {
            for (size_t i = 0; i < n && !o; i++)
                if (by_index[i]->short_name == c)
                    o = by_index[i];
        }
        if (!o)
            return usage_error(name, "unknown option");
        if (o->offset == OFFSET_HELP) {
            print_help(command, name);
            return 0;
        }
        if (o->offset == OFFSET_VERSION) {
            printf("%s %s\n", name, RTMPKIT_VERSION);
            return 0;
        }
        if (store_option(o, optarg, name, opts) < 0)
            return rtmpkit_exit_status(RTMPKIT_EUSAGE);
        if (command == CLI_DUMP && o->offset == OPT(output)) {   /* the last URL's, or the next's */
            if (opts->n_pairs && !opts->pair_output[opts->n_pairs - 1])
                opts->pair_output[opts->n_pairs - 1] = optarg;
            else
                opts->pending_output = optarg;
        }
    }
    if ((err = take_positional(command, name, positional, n_positional, opts)) >= 0)
        return err;
    if (opts->live && opts->recorded)
        return usage_error(name, "--live and --recorded exclude each other");
    if (opts->ipv4 && opts->ipv6)
        return usage_error(name, "-4 and -6 exclude each other");
    if (opts->key && opts->key_file)
        return usage_error(name, "--key and --key-file exclude each other");
    if ((opts->key || opts->key_file) && opts->stream)
        return usage_error(name, "--stream and a key (--key, --key-file) exclude each other");
    {
        char why[300];
        if (rtmpkit_connargs_finish(&opts->conn_args, why, sizeof why) < 0)
            return usage_error(name, "%s", why);
    }
    return -1;
}

void cli_log_init(rtmpkit_log *log, const char *name, const struct cli_options *opts)
{
    rtmpkit_log_init(log, name);
    if (opts->quiet)
        log->level = RTMPKIT_LOG_ERROR;
    else
        log->level = RTMPKIT_LOG_WARN + opts->verbose;
}

static int add_secret(rtmpkit_log *log, const char *s, int *err);

/* Registers each query value of s (after its '?') as a secret, whatever its length. */
static void add_query_secrets(rtmpkit_log *log, const char *s, int *err)
{
    const char *q = s ? strchr(s, '?') : NULL;
    while (q && *q) {
        const char *value = strchr(q, '=');
        const char *end;
        char *copy;
        if (!value)
            break;
        value++;
        end = value + strcspn(value, "&");
        if (!(copy = strndup(value, (size_t)(end - value)))) {
            if (*err == 0)
                *err = RTMPKIT_ENOMEM;
            return;
        }
        add_secret(log, copy, err);
        free(copy);
        q = *end ? end + 1 : end;
    }
}

#define KEY_FILE_MAX 4096

/* Reads the first line of path (without its line end) into a new string in *out.
 * Returns 0 or an error it has logged. */
static int read_key_file(const char *path, rtmpkit_log *log, char **out)
{
    char *line = malloc(KEY_FILE_MAX + 2);
    FILE *f;
    size_t n;
    *out = NULL;
    if (!line)
        return RTMPKIT_ENOMEM;
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f || !fgets(line, KEY_FILE_MAX + 2, f)) {
        int e = errno;
        if (f && f != stdin)
            fclose(f);
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "cannot read the key file %s: %s", path,
                     f ? "it is empty" : strerror(e));
        free(line);
        return RTMPKIT_EUSAGE;
    }
    if (f != stdin)
        fclose(f);
    n = strcspn(line, "\r\n");
    if (n > KEY_FILE_MAX) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "the key in %s is longer than %d bytes", path, KEY_FILE_MAX);
        free(line);
        return RTMPKIT_EUSAGE;
    }
    line[n] = 0;
    if (n == 0) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "the key file %s starts with an empty line", path);
        free(line);
        return RTMPKIT_EUSAGE;
    }
    *out = line;
    return 0;
}

static const char *non_empty_env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

/* The URL may be redacted only if every secret is known: a full table is an error. */
static int add_secret(rtmpkit_log *log, const char *s, int *err)
{
    int e = rtmpkit_log_add_secret(log, s);
    if (e < 0 && *err == 0)
        *err = e;
    return e;
}

/* Replaces a copied field (user, password) of url. */
static int set_field(char **field, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return RTMPKIT_ENOMEM;
    free(*field);
    *field = copy;
    return 0;
}

int cli_parse_url(const struct cli_options *opts, rtmpkit_log *log, int hide_stream, rtmpkit_url *url)
{
    char shown[512];
    char *key = NULL, *joined = NULL;
    const char *password = opts->password, *env_key = non_empty_env("RTMP_STREAM_KEY");
    int err = 0, secret_err = 0, have_url = 0;

    /* Secrets first: nothing below may print one before it is known. */
    if (opts->key_file && (err = read_key_file(opts->key_file, log, &key)) < 0)
        goto fail;
    if (opts->key && !(key = strdup(opts->key))) {
        err = RTMPKIT_ENOMEM;
        goto fail;
    }
    add_secret(log, key, &secret_err);
    add_secret(log, env_key, &secret_err);
    add_secret(log, opts->user, &secret_err);
    add_secret(log, opts->password, &secret_err);
    add_secret(log, non_empty_env("RTMP_PASSWORD"), &secret_err);

    err = rtmpkit_url_parse(opts->url, url);
    if (err < 0) {
        rtmpkit_url_redact_string(opts->url, hide_stream || key || env_key, shown, sizeof shown);
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s: %s (expected rtmp://host[:port]/app/stream)",
                     shown, rtmpkit_strerror(err));
        goto fail;
    }
    have_url = 1;
    /* RTMP_STREAM_KEY is the stream only when nothing else names one. */
    if (!key && env_key && !url->stream[0] && !opts->stream && !(key = strdup(env_key))) {
        err = RTMPKIT_ENOMEM;
        goto fail;
    }
    if (key) {
        /* OBS style: the whole path of the URL is the app, the key is the stream. */
        if (!opts->app && url->stream[0]) {
            size_t n = strlen(url->app) + 1 + strlen(url->stream) + 1;
            const char *q = strchr(url->app, '?');
            if (!(joined = malloc(n))) {
                err = RTMPKIT_ENOMEM;
                goto fail;
            }
            /* A query on the app (rtmp://host/app?x/inst cannot parse so) stays at the end. */
            if (q)
                snprintf(joined, n, "%.*s/%s%s", (int)(q - url->app), url->app, url->stream, q);
            else
                snprintf(joined, n, "%s/%s", url->app, url->stream);
        }
        err = rtmpkit_url_override(url, opts->app ? opts->app : joined, key, opts->tc_url);
    } else {
        err = rtmpkit_url_override(url, opts->app, opts->stream, opts->tc_url);
    }
    if (err < 0) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto fail;
    }
    if (!password && !url->password)
        password = non_empty_env("RTMP_PASSWORD");
    if ((opts->user && (err = set_field(&url->user, opts->user)) < 0)
        || (password && (err = set_field(&url->password, password)) < 0)) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(err));
        goto fail;
    }
    add_secret(log, url->user, &secret_err);
    add_secret(log, url->password, &secret_err);
    add_query_secrets(log, url->app, &secret_err);
    add_query_secrets(log, url->stream, &secret_err);
    add_query_secrets(log, url->tc_url, &secret_err);
    if (hide_stream || key)
        add_secret(log, url->stream, &secret_err);
    if (secret_err < 0) {
        err = secret_err == RTMPKIT_ELIMIT ? RTMPKIT_EUSAGE : secret_err;
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "too many secret values (user, password, key, query values) "
                     "to keep out of the log: at most %d", RTMPKIT_LOG_MAX_SECRETS);
        goto fail;
    }
    if (!url->stream[0]) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "the URL names no stream (rtmp://host/app/STREAM, --stream, "
                     "--key, --key-file or RTMP_STREAM_KEY)");
        err = RTMPKIT_EBAD_URL;
        goto fail;
    }
    free(key);
    free(joined);
    return 0;
fail:
    if (have_url)
        rtmpkit_url_free(url);
    free(key);
    free(joined);
    return err < 0 ? err : RTMPKIT_EINTERNAL;
}

int cli_parse_ids(const char *option, const char *list, int max, int *ids, int cap, rtmpkit_log *log)
{
    const char *p = list;
    int n = 0;
    for (;;) {
        char *end;
        long id = *p >= '0' && *p <= '9' ? strtol(p, &end, 10) : -1;
        if (id < 0 || id > max || n >= cap || (*end && *end != ','))
            break;
        ids[n++] = (int)id;
        if (!*end)
            return n;
        p = end + 1;
    }
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "--%s \"%s\": expected at most %d numbers 0-%d separated by commas",
                 option, list, cap, max);
    return RTMPKIT_EUSAGE;
}

/* What each command announces in connect (Enhanced RTMP v2): a publisher encodes the
 * codecs rtmp-push can send, a player decodes what rtmp-play decodes (track 0 of
 * Multitrack tags, ModEx read), a recorder forwards everything as it comes. */
#define CAP(a, b, c, d, flags) { RTMPKIT_FOURCC(a, b, c, d), flags }
static const rtmpkit_caps push_caps = {
    .video = { CAP('a', 'v', 'c', '1', RTMPKIT_CAN_ENCODE), CAP('h', 'v', 'c', '1', RTMPKIT_CAN_ENCODE),
               CAP('a', 'v', '0', '1', RTMPKIT_CAN_ENCODE), CAP('v', 'p', '0', '9', RTMPKIT_CAN_ENCODE) },
    .n_video = 4,
    .audio = { CAP('m', 'p', '4', 'a', RTMPKIT_CAN_ENCODE), CAP('O', 'p', 'u', 's', RTMPKIT_CAN_ENCODE),
               CAP('f', 'L', 'a', 'C', RTMPKIT_CAN_ENCODE), CAP('a', 'c', '-', '3', RTMPKIT_CAN_ENCODE),
               CAP('e', 'c', '-', '3', RTMPKIT_CAN_ENCODE) },
    .n_audio = 5,
    .list = { RTMPKIT_FOURCC_AVC1, RTMPKIT_FOURCC_HVC1, RTMPKIT_FOURCC_AV01, RTMPKIT_FOURCC_VP09 },
    .n_list = 4,
    .caps_ex = 0,
};
static const rtmpkit_caps play_caps = {
    .video = { CAP('a', 'v', 'c', '1', RTMPKIT_CAN_DECODE), CAP('h', 'v', 'c', '1', RTMPKIT_CAN_DECODE),
               CAP('a', 'v', '0', '1', RTMPKIT_CAN_DECODE), CAP('v', 'p', '0', '9', RTMPKIT_CAN_DECODE),
               CAP('v', 'p', '0', '8', RTMPKIT_CAN_DECODE) },
    .n_video = 5,
    .audio = { CAP('m', 'p', '4', 'a', RTMPKIT_CAN_DECODE), CAP('O', 'p', 'u', 's', RTMPKIT_CAN_DECODE),
               CAP('f', 'L', 'a', 'C', RTMPKIT_CAN_DECODE), CAP('a', 'c', '-', '3', RTMPKIT_CAN_DECODE),
               CAP('e', 'c', '-', '3', RTMPKIT_CAN_DECODE), CAP('.', 'm', 'p', '3', RTMPKIT_CAN_DECODE) },
    .n_audio = 6,
    .list = { RTMPKIT_FOURCC_AVC1, RTMPKIT_FOURCC_HVC1, RTMPKIT_FOURCC_AV01, RTMPKIT_FOURCC_VP09,
              RTMPKIT_FOURCC_VP08 },
    .n_list = 5,
    .caps_ex = RTMPKIT_CAPS_EX_MULTITRACK | RTMPKIT_CAPS_EX_MODEX,
};
static const rtmpkit_caps dump_caps = {
    .video = { { RTMPKIT_FOURCC_ANY, RTMPKIT_CAN_FORWARD } },
    .n_video = 1,
    .audio = { { RTMPKIT_FOURCC_ANY, RTMPKIT_CAN_FORWARD } },
    .n_audio = 1,
    .list = { RTMPKIT_FOURCC_ANY },
    .n_list = 1,
    .caps_ex = RTMPKIT_CAPS_EX_MULTITRACK | RTMPKIT_CAPS_EX_MODEX | RTMPKIT_CAPS_EX_NANO_OFFSET,
};

static const rtmpkit_caps *command_caps(enum cli_command command)
{
    return command == CLI_PUSH ? &push_caps : command == CLI_PLAY ? &play_caps : &dump_caps;
}

int cli_seconds_to_ms(double s)
{
    return s > 0 ? (int)(s * 1000 + 0.5) : 0;
}

void cli_client_config(const struct cli_options *opts, const rtmpkit_url *url, rtmpkit_log *log,
                       rtmpkit_client_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->url = url;
    cfg->log = log;
    cfg->connect_timeout_ms = cli_seconds_to_ms(opts->connect_timeout);
    cfg->handshake_timeout_ms = cli_seconds_to_ms(opts->connect_timeout);
    cfg->idle_timeout_ms = cli_seconds_to_ms(opts->timeout);
    cfg->write_timeout_ms = cli_seconds_to_ms(opts->timeout);
    cfg->ip_family = opts->ipv4 ? 4 : opts->ipv6 ? 6 : 0;
    cfg->conn.flash_ver = opts->flash_ver;
    cfg->conn.swf_url = opts->swf_url;
    cfg->conn.page_url = opts->page_url;
    if (opts->conn_args.len) {
        cfg->conn.connect_args = opts->conn_args.data;
        cfg->conn.connect_args_len = opts->conn_args.len;
    }
    cfg->conn.simple_handshake = opts->simple_handshake;
    cfg->conn.caps = command_caps(opts->command);
    cfg->conn.buffer_ms = (uint32_t)opts->buffer_ms;
    cfg->ca_file = opts->ca_file;
    cfg->ca_path = opts->ca_path;
    cfg->insecure = opts->insecure;
    cfg->cancel = cli_install_signals();
}

void cli_reconnect_policy(const struct cli_options *opts, int headless, rtmpkit_reconnect_policy *out)
{
    int attempts = opts->reconnect;
    if (attempts == CLI_RECONNECT_UNSET)
        attempts = opts->command == CLI_PUSH ? CLI_DEFAULT_RECONNECT_PUSH
                 : opts->command == CLI_DUMP ? CLI_DEFAULT_RECONNECT_DUMP
                 : opts->command == CLI_PROBE ? CLI_DEFAULT_RECONNECT_PROBE
                 : headless ? 0 : CLI_DEFAULT_RECONNECT_PLAY;
    rtmpkit_reconnect_policy_default(out, attempts);
    if (opts->reconnect_max_delay > 0)
        out->max_delay_ms = (int)(opts->reconnect_max_delay * 1000);
    if (out->first_delay_ms > out->max_delay_ms)
        out->first_delay_ms = out->max_delay_ms;
}

int cli_follows_reconnect_request(const struct cli_options *opts)
{
    return opts->command != CLI_PROBE && opts->reconnect != 0;
}

int cli_start_session(const struct cli_options *opts, const rtmpkit_url *url, rtmpkit_log *log, int publish,
                      double play_start_ms, rtmpkit_session **out)
{
    rtmpkit_session_config sc;
    int err;
    memset(&sc, 0, sizeof sc);
    cli_client_config(opts, url, log, &sc.client);
    sc.publish = publish;
    sc.stream = url->stream;
    sc.play_start_ms = play_start_ms;
    cli_reconnect_policy(opts, 0, &sc.reconnect);
    sc.follow_reconnect_request = cli_follows_reconnect_request(opts);
    if (opts->command == CLI_DUMP && !opts->wait)   /* a silent link is a fault, not the end */
        sc.no_media_end_ms = cli_seconds_to_ms(opts->end_timeout);
    if (!(*out = rtmpkit_session_new(&sc))) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_strerror(RTMPKIT_ENOMEM));
        return RTMPKIT_ENOMEM;
    }
    err = rtmpkit_session_start(*out);
    if (err < 0 && err != RTMPKIT_ECANCELLED)
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", rtmpkit_session_error_message(*out));
    if (err >= 0) {
        char caps[512];
        rtmpkit_caps_format(rtmpkit_client_server_caps(rtmpkit_session_client(*out)), caps, sizeof caps);
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "server's Enhanced RTMP capabilities: %s", caps);
    }
    return err;
}

/* The one process-wide flag: a signal handler has nowhere else to write. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

const volatile sig_atomic_t *cli_install_signals(void)
{
    static int installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        installed = 1;
    }
    return &stop_requested;
}

#define PROGRESS_BAR_WIDTH 20

/* HH:MM:SS of ms (negative: 0). */
static void format_clock(char *buf, size_t len, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    snprintf(buf, len, "%02lld:%02lld:%02lld", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
             (long long)(ms / 1000 % 60));
}

void cli_format_position(char *buf, size_t len, int64_t pos_ms, int64_t total_ms, uint64_t elapsed_ms)
{
    char pos[32], total[32], left[32], bar[PROGRESS_BAR_WIDTH + 1];
    double fraction;
    int filled;
    format_clock(pos, sizeof pos, pos_ms);
    if (total_ms <= 0) {
        snprintf(buf, len, "%s", pos);
        return;
    }
    fraction = pos_ms <= 0 ? 0.0 : pos_ms >= total_ms ? 1.0 : (double)pos_ms / (double)total_ms;
    filled = (int)(fraction * PROGRESS_BAR_WIDTH);
    for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_BAR_WIDTH] = 0;
    format_clock(total, sizeof total, total_ms);
    if (pos_ms > 0)
        format_clock(left, sizeof left, (int64_t)((double)(total_ms - pos_ms) * (double)elapsed_ms / (double)pos_ms));
    else
        snprintf(left, sizeof left, "--:--:--");
    snprintf(buf, len, "%s / %s [%s] %3d%% %s left", pos, total, bar, (int)(fraction * 100), left);
}

void cli_format_bytes(char *buf, size_t len, uint64_t bytes)
{
    if (bytes < 1000)
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
    else if (bytes < 1000000)
        snprintf(buf, len, "%.1f kB", (double)bytes / 1e3);
    else if (bytes < 1000000000)
        snprintf(buf, len, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(buf, len, "%.2f GB", (double)bytes / 1e9);
}

void cli_progress_init(struct cli_progress *p, const struct cli_options *opts)
{
    memset(p, 0, sizeof *p);
    /* Stats lines on stderr take its place. */
    p->enabled = !opts->quiet && isatty(STDERR_FILENO) && !(opts->stats && !opts->stats_file);
}

void cli_progress_draw(struct cli_progress *p, int force, const char *fmt, ...)
{
    uint64_t now = rtmpkit_monotonic_ms();
    char line[256];
    va_list ap;
    if (!p->enabled || (!force && p->drawn && now - p->last_draw_ms < PROGRESS_INTERVAL_MS))
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r%-78s", line);
    fflush(stderr);
    p->drawn = 1;
    p->last_draw_ms = now;
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->enabled && p->drawn)
        fputc('\n', stderr);
    p->drawn = 0;
}
