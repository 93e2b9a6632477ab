/* rtmp-dump with many streams in one process: one poll() loop, a non-blocking session
 * (rtmpkit/nbsession.h), a recorder, a timeline and an exit reason per stream. One
 * stream's failure only ends that stream. Also file name templates and --segment. */
#include "dump_multi.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/nbsession.h"
#include "rtmpkit/recorder.h"
#include "rtmpkit/timeline.h"

#define MAX_WAIT_MS      250    /* the loop looks at signals, progress and stats this often */
#define LIST_LINE_MAX    8192
#define PATH_MAX_LEN     4096
#define MAX_CONFIGS      16     /* sequence headers kept per stream for the next segment */

enum stream_state { ST_CONNECTING, ST_WAITING, ST_RECORDING, ST_RECONNECTING, ST_DONE, ST_FAILED };

/* A sequence header (or the metadata) to write again at the start of each segment. */
struct config_tag {
    uint8_t type;
    int key;                     /* type << 8 | track id; -1 for the metadata */
    rtmpkit_buf body;
};

struct stream {
    int index;                   /* 1-based, in the order given */
    char *url_text;              /* as given (owned) */
    char *template;              /* -o for this stream (owned) */
    char shown[512];             /* the URL for logs, secrets redacted */
    char label[160];             /* the stream's name in logs, stats and the summary */
    char log_prefix[200];
    rtmpkit_url url;
    int have_url;
    rtmpkit_log log;
    int have_log;
    rtmpkit_nbsession *session;
    enum stream_state state;
    int err;                     /* ST_FAILED: why */
    char why[800];               /* ST_FAILED: one line */
    uint64_t failed_at;          /* order of failures: the first one gives the exit status */
    /* the output */
    char path[PATH_MAX_LEN];     /* the current file */
    char expanded[PATH_MAX_LEN]; /* the template as it expanded for it (before numbering) */
    int file_no;                 /* 1, 2... (segments and --split parts) */
    rtmpkit_recorder *rec;
    rtmpkit_timeline tl;         /* the stream's time over all its files (the recorder's twin):
                                  * where --segment cuts */
    int64_t file_start_ms;       /* the current file's first frame on tl; -1: none yet */
    int64_t media_ms;            /* the stream's media time so far (all files) */
    uint64_t bytes_before, video_before, audio_before;   /* in the files already closed */
    int has_video;
    struct config_tag configs[MAX_CONFIGS];
    int n_configs;
    rtmpkit_buf filtered;        /* --track */
    struct cli_stats stats;
    uint64_t started_ms;         /* the first media */
    int reconnects;              /* connections made again */
};

struct multi {
    const struct cli_options *opts;
    const char *name;
    struct stream *streams;
    int n;
    uint8_t tracks[256];         /* --track */
    size_t n_tracks;
    rtmpkit_log log;
    struct cli_stats stats;      /* the shared output of the stats lines */
    struct cli_progress progress;
    uint64_t failures;           /* counter giving each failure its order */
};

int dump_multi_wanted(const struct cli_options *opts)
{
    return opts->n_pairs > 1 || opts->from || opts->segment > 0 || (opts->output && strchr(opts->output, '%'));
}

/* ---- the list of streams ---- */

static int add_stream(struct multi *m, const char *url, const char *output)
{
    struct stream *grown = realloc(m->streams, (size_t)(m->n + 1) * sizeof *grown);
    struct stream *s;
    if (!grown)
        return RTMPKIT_ENOMEM;
    m->streams = grown;
    s = &m->streams[m->n];
    memset(s, 0, sizeof *s);
    s->index = m->n + 1;
    s->url_text = strdup(url);
    s->template = output ? strdup(output) : NULL;
    m->n++;
    if (!s->url_text || (output && !s->template))
        return RTMPKIT_ENOMEM;
    return 0;
}

/* One line of a list: "URL [OUTPUT]"; blank lines and # comments are skipped. */
static int list_line(struct multi *m, char *line, const char *list, int line_no)
{
    char *url, *out, *end;
    line[strcspn(line, "\r\n")] = 0;
    url = line + strspn(line, " \t");
    if (!*url || *url == '#')
        return 0;
    out = url + strcspn(url, " \t");
    if (*out)
        *out++ = 0;
    out += strspn(out, " \t");
    for (end = out + strlen(out); end > out && (end[-1] == ' ' || end[-1] == '\t'); end--)
        end[-1] = 0;
    if (!*out && !m->opts->output) {
        rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "%s line %d: no output file (give \"URL FILE\", or -o TEMPLATE)",
                     list, line_no);
        return RTMPKIT_EUSAGE;
    }
    return add_stream(m, url, *out ? out : m->opts->output);
}

/* --from LIST (- for stdin). */
static int read_list(struct multi *m, const char *list)
{
    FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
    char line[LIST_LINE_MAX];
    int err = 0, line_no = 0;
    if (!f) {
        rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "cannot read %s: %s", list, strerror(errno));
        return RTMPKIT_EUSAGE;
    }
    while (err == 0 && fgets(line, sizeof line, f))
        err = list_line(m, line, list, ++line_no);
    if (f != stdin)
        fclose(f);
    return err;
}

static int collect_streams(struct multi *m)
{
    const struct cli_options *o = m->opts;
    int err = 0;
    for (int i = 0; i < o->n_pairs && err == 0; i++) {
        const char *out = o->pair_output[i] ? o->pair_output[i] : o->output;
        if (!out) {
            rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "no output for stream %d: give -o FILE after its URL", i + 1);
            return RTMPKIT_EUSAGE;
        }
        err = add_stream(m, o->pair_url[i], out);
    }
    if (err == 0 && o->from)
        err = read_list(m, o->from);
    if (err == 0 && m->n == 0) {
        rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "no stream to record");
        err = RTMPKIT_EUSAGE;
    }
    return err;
}

/* ---- file names ---- */

/* Copies v into out for a file name: '/' and control bytes become '_', '%' is doubled
 * (strftime comes next). Returns the bytes written. */
static size_t put_field(char *out, size_t cap, const char *v, size_t vlen)
{
    size_t n = 0;
    for (size_t i = 0; i < vlen && n + 2 < cap; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '%') {
            out[n++] = '%';
            out[n++] = '%';
        } else {
            out[n++] = c == '/' || c < 0x20 || c == 0x7f ? '_' : (char)c;
        }
    }
    return n;
}

/* The template with %n (stream), %a (application), %h (host) and strftime's fields
 * (local time now). Returns 0, or -1 when the result is empty or too long. */
static int expand_template(const struct stream *s, char *out, size_t cap)
{
    char step[PATH_MAX_LEN];
    size_t n = 0;
    time_t now = time(NULL);
    struct tm tm;
    const char *t = s->template;
    while (*t && n + 1 < sizeof step) {
        if (t[0] == '%' && (t[1] == 'n' || t[1] == 'a' || t[1] == 'h')) {
            const char *v = t[1] == 'n' ? s->url.stream : t[1] == 'a' ? s->url.app : s->url.host;
            n += put_field(step + n, sizeof step - n, v, strcspn(v, "?"));
            t += 2;
        } else if (t[0] == '%' && t[1]) {
            step[n++] = *t++;
            if (n + 1 < sizeof step)
                step[n++] = *t++;
        } else {
            step[n++] = *t++;
        }
    }
    step[n < sizeof step ? n : sizeof step - 1] = 0;
    localtime_r(&now, &tm);
    if (!step[0] || strftime(out, cap, step, &tm) == 0)
        return -1;
    return 0;
}

int dump_part_name(char *buf, size_t cap, const char *path, int n)
{
    const char *base = strrchr(path, '/'), *dot;
    int len;
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (!dot || dot == base)
        len = snprintf(buf, cap, "%s-%d", path, n);
    else
        len = snprintf(buf, cap, "%.*s-%d%s", (int)(dot - path), path, n, dot);
    return len < 0 || (size_t)len >= cap ? -1 : 0;
}

/* Creates the directories above path that a template names (rec/%n/...). */
static void make_parents(const char *path)
{
    char dir[PATH_MAX_LEN];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(dir, 0777);   /* an error shows when the file is created */
        *p = '/';
    }
}

/* The name of the stream's next file: the template now; numbered (NAME-2.flv, -3...) when
 * it gives the last file's name again (a template without time fields, or the same second). */
static int next_path(struct stream *s)
{
    char path[PATH_MAX_LEN], numbered[PATH_MAX_LEN];
    if (expand_template(s, path, sizeof path) < 0)
        return -1;
    if (s->file_no > 0 && strcmp(path, s->expanded) == 0) {
        if (dump_part_name(numbered, sizeof numbered, path, s->file_no + 1) < 0)
            return -1;
        snprintf(s->path, sizeof s->path, "%s", numbered);
    } else {
        snprintf(s->path, sizeof s->path, "%s", path);
    }
    snprintf(s->expanded, sizeof s->expanded, "%s", path);
    s->file_no++;
    return 0;
}

/* ---- recording ---- */

static rtmpkit_recorder *new_recorder(const char *path)
{
    rtmpkit_recorder_config cfg = { .path = path, .fd = -1, .timeline_flags = RTMPKIT_TIMELINE_CLOSE_GAPS };
    make_parents(path);
    return rtmpkit_recorder_new(&cfg);
}

/* The stream failed: why is logged unless said already (said 1), and kept for the summary. */
static void mark_failed(struct multi *m, struct stream *s, int err, const char *why, int said)
{
    if (s->state == ST_FAILED || s->state == ST_DONE)
        return;
    s->state = ST_FAILED;
    s->err = err;
    s->failed_at = ++m->failures;
    snprintf(s->why, sizeof s->why, "%s", why);
    if (!said)
        rtmpkit_logf(&s->log, RTMPKIT_LOG_ERROR, "%s", why);
}

static void set_failed(struct multi *m, struct stream *s, int err, const char *why)
{
    mark_failed(m, s, err, why, 0);
}

/* Closes the current file and says what it holds; an error closing it fails the stream. */
static void close_file(struct multi *m, struct stream *s)
{
    rtmpkit_recorder_stats st;
    int closed;
    if (!s->rec)
        return;
    closed = rtmpkit_recorder_close(s->rec);
    rtmpkit_recorder_get_stats(s->rec, &st);
    if (closed < 0)
        set_failed(m, s, closed, rtmpkit_recorder_error_message(s->rec));
    if (st.opened)
        rtmpkit_logf(&s->log, RTMPKIT_LOG_INFO, "saved %s: %.1f s, %llu video, %llu audio, %llu data tags, %llu bytes",
                     s->path, (double)st.duration_ms / 1000, (unsigned long long)st.video_tags,
                     (unsigned long long)st.audio_tags, (unsigned long long)st.data_tags,
                     (unsigned long long)st.bytes);
    s->bytes_before += st.bytes;
    s->video_before += st.video_frames;
    s->audio_before += st.audio_frames;
    rtmpkit_recorder_free(s->rec);
    s->rec = NULL;
}

/* Opens the stream's next file (the recorder creates it at its first tag). */
static int open_file(struct multi *m, struct stream *s)
{
    if (next_path(s) < 0) {
        set_failed(m, s, RTMPKIT_EUSAGE, "-o: the file name template gives an empty or too long name");
        return RTMPKIT_EUSAGE;
    }
    if (!(s->rec = new_recorder(s->path))) {
        set_failed(m, s, RTMPKIT_ENOMEM, rtmpkit_strerror(RTMPKIT_ENOMEM));
        return RTMPKIT_ENOMEM;
    }
    s->file_start_ms = -1;
    if (s->file_no > 1)
        rtmpkit_logf(&s->log, RTMPKIT_LOG_INFO, "recording file %d to %s", s->file_no, s->path);
    return 0;
}

/* Keeps the latest sequence header of each track, and the metadata, for the next segment. */
static void keep_config(struct stream *s, uint8_t type, const uint8_t *data, size_t len)
{
    rtmpkit_tag_header h;
    int key = -1, i;
    if (type == RTMPKIT_FLV_DATA) {
        if (len < 13 || !memmem(data, len < 40 ? len : 40, "onMetaData", 10))
            return;
    } else {
        if (!rtmpkit_tag_is_config(type, data, len))
            return;
        key = type << 8;
        if (rtmpkit_tag_parse(type, data, len, &h) >= 0)
            key |= h.track.id;
    }
    for (i = 0; i < s->n_configs && s->configs[i].key != key; i++)
        ;
    if (i == s->n_configs) {
        if (i == MAX_CONFIGS)
            return;
        s->n_configs++;
        rtmpkit_buf_init(&s->configs[i].body, RTMPKIT_FLV_MAX_TAG_SIZE);
    }
    s->configs[i].type = type;
    s->configs[i].key = key;
    rtmpkit_buf_reset(&s->configs[i].body);
    rtmpkit_put_bytes(&s->configs[i].body, data, len);
}

/* 1 when this tag (at out_ms on the stream's time) starts a new segment: a video keyframe
 * (an audio frame when the stream has no video) --segment seconds or more after the
 * current file's first frame. */
static int segment_due(const struct multi *m, const struct stream *s, uint8_t type, const uint8_t *data,
                       size_t len, int64_t out_ms)
{
    rtmpkit_tag_header h;
    if (m->opts->segment <= 0 || s->file_start_ms < 0 ||
        (type != RTMPKIT_FLV_VIDEO && (type != RTMPKIT_FLV_AUDIO || s->has_video)))
        return 0;
    if (out_ms - s->file_start_ms < (int64_t)(m->opts->segment * 1000))
        return 0;
    if (rtmpkit_tag_parse(type, data, len, &h) < 0 || h.config || !h.frame)
        return 0;
    return type == RTMPKIT_FLV_AUDIO || h.keyframe;
}

/* Starts the next segment: the file so far is finished, the next one begins with the
 * metadata and the sequence headers, then the frame that cut it. */
static int cut_segment(struct multi *m, struct stream *s, uint32_t wire)
{
    uint64_t now = rtmpkit_monotonic_ms();
    int err;
    close_file(m, s);
    if (s->state == ST_FAILED || (err = open_file(m, s)) < 0)
        return RTMPKIT_EOUTPUT;
    for (int i = 0; i < s->n_configs; i++)
        if ((err = rtmpkit_recorder_write(s->rec, s->configs[i].type, wire, s->configs[i].body.data,
                                          s->configs[i].body.len, now)) < 0)
            return err;
    return 0;
}

/* One media event into the stream's file (with --track, only the tracks kept). */
static int record_media(struct multi *m, struct stream *s, const rtmpkit_event *ev)
{
    const uint8_t *data = ev->data;
    size_t len = ev->length;
    uint64_t now;
    int64_t out_ms;
    int err, config;
    if (m->n_tracks) {
        int keep;
        rtmpkit_buf_reset(&s->filtered);
        keep = rtmpkit_tag_keep_tracks(ev->media_type, ev->data, ev->length, m->tracks, m->n_tracks, &s->filtered);
        if (keep == 0)
            return 0;
        if (keep == 2) {
            data = s->filtered.data;
            len = s->filtered.len;
        }
    }
    now = rtmpkit_monotonic_ms();
    config = ev->media_type != RTMPKIT_FLV_DATA && rtmpkit_tag_is_config(ev->media_type, data, len);
    out_ms = rtmpkit_timeline_map_tag(&s->tl, ev->media_type, ev->timestamp, config, data, len, now);
    if (ev->media_type == RTMPKIT_FLV_VIDEO)
        s->has_video = 1;
    if (segment_due(m, s, ev->media_type, data, len, out_ms) && (err = cut_segment(m, s, ev->timestamp)) < 0)
        return err;
    if (m->opts->segment > 0)
        keep_config(s, ev->media_type, data, len);
    if ((err = rtmpkit_recorder_write(s->rec, ev->media_type, ev->timestamp, data, len, now)) < 0)
        return err;
    if (s->file_start_ms < 0 && ev->media_type != RTMPKIT_FLV_DATA && !config)
        s->file_start_ms = out_ms;
    s->media_ms = rtmpkit_timeline_duration(&s->tl);
    return 0;
}

/* ---- the streams' lives ---- */

static void finish_stream(struct multi *m, struct stream *s, const char *why)
{
    if (s->state != ST_FAILED) {
        s->state = ST_DONE;
        rtmpkit_logf(&s->log, RTMPKIT_LOG_INFO, "%s", why);
    }
    rtmpkit_nbsession_free(s->session);
    s->session = NULL;
    close_file(m, s);
    (void)m;
}

static void stats_sample(const struct stream *s, struct cli_stats_sample *out)
{
    rtmpkit_recorder_stats st = { 0 };
    static const char *const names[] = { "connecting", "waiting", "recording", "reconnecting", "done", "failed" };
    if (s->rec)
        rtmpkit_recorder_get_stats(s->rec, &st);
    memset(out, 0, sizeof *out);
    out->stream = s->label;
    out->state = names[s->state];
    out->bytes = s->bytes_before + st.bytes;
    out->video_frames = s->video_before + st.video_frames;
    out->audio_frames = s->audio_before + st.audio_frames;
    out->media_ms = s->media_ms;
    out->reconnects = s->reconnects;
    out->queue_ms = out->lateness_ms = -1;
}

static void stats_tick(struct stream *s, int final)
{
    struct cli_stats_sample sample;
    if (s->stats.mode == CLI_STATS_OFF)
        return;
    stats_sample(s, &sample);
    cli_stats_tick(&s->stats, &sample, final);
}

/* Output errors end the stream (its file stays valid up to the failure). */
static void output_failed(struct multi *m, struct stream *s, int err)
{
    set_failed(m, s, err, s->rec && rtmpkit_recorder_error_message(s->rec)[0]
                              ? rtmpkit_recorder_error_message(s->rec) : rtmpkit_strerror(err));
    stats_tick(s, 1);
    finish_stream(m, s, "");
}

/* A session event. Returns 1 when the stream is over, else 0. */
static int on_event(struct multi *m, struct stream *s, const rtmpkit_session_event *sev)
{
    const struct cli_options *o = m->opts;
    const rtmpkit_event *ev = &sev->event;
    int err;
    switch (sev->type) {
    case RTMPKIT_SESSION_RECONNECTING:
        s->state = ST_RECONNECTING;
        return 0;
    case RTMPKIT_SESSION_RESUMED:
        s->state = ST_RECORDING;
        s->reconnects++;
        if (o->split) {
            rtmpkit_recorder_stats st;
            rtmpkit_recorder_get_stats(s->rec, &st);
            if (st.opened) {
                close_file(m, s);
                if (s->state == ST_FAILED || open_file(m, s) < 0) {
                    finish_stream(m, s, "");
                    return 1;
                }
            }
        }
        rtmpkit_recorder_reconnected(s->rec);
        rtmpkit_timeline_reconnected(&s->tl);
        return 0;
    case RTMPKIT_SESSION_NO_MEDIA:
        finish_stream(m, s, "no media and the server still answers: the stream has ended");
        return 1;
    default:
        break;
    }
    switch (ev->type) {
    case RTMPKIT_EVENT_MEDIA:
        if (!s->started_ms)
            s->started_ms = rtmpkit_monotonic_ms();
        s->state = ST_RECORDING;
        if ((err = record_media(m, s, ev)) < 0) {
            output_failed(m, s, err);
            return 1;
        }
        if (o->duration > 0 && s->media_ms >= (int64_t)(o->duration * 1000)) {
            finish_stream(m, s, "reached --duration");
            return 1;
        }
        return 0;
    case RTMPKIT_EVENT_STREAM_END:
        if (!o->wait) {
            finish_stream(m, s, "stream ended");
            return 1;
        }
        rtmpkit_logf(&s->log, RTMPKIT_LOG_INFO, "stream ended (%s); waiting for it to come back", ev->code);
        rtmpkit_recorder_new_segment(s->rec);
        rtmpkit_timeline_new_segment(&s->tl);
        return 0;
    case RTMPKIT_EVENT_STATUS:
        rtmpkit_logf(&s->log, RTMPKIT_LOG_INFO, "status %s %s", ev->code, ev->description);
        return 0;
    default:
        return 0;
    }
}

/* Steps one stream until it has nothing more to do now. */
static void run_stream(struct multi *m, struct stream *s, short revents)
{
    rtmpkit_session_event sev;
    for (;;) {
        int n = rtmpkit_nbsession_step(s->session, revents, &sev);
        revents = 0;
        if (n == 0)
            break;
        if (n < 0) {
            set_failed(m, s, n, rtmpkit_nbsession_error_message(s->session));
            stats_tick(s, 1);
            finish_stream(m, s, "");
            return;
        }
        if (on_event(m, s, &sev)) {
            stats_tick(s, 1);
            return;
        }
    }
    if (s->state == ST_CONNECTING && rtmpkit_nbsession_playing(s->session))
        s->state = ST_WAITING;
    stats_tick(s, 0);
}

static int live(const struct stream *s)
{
    return s->state != ST_DONE && s->state != ST_FAILED;
}

/* The TTY line: how many streams are in each state, and the total bit rate. */
static void draw_progress(struct multi *m, int force)
{
    int count[ST_FAILED + 1] = { 0 };
    uint64_t bytes = 0, now = rtmpkit_monotonic_ms(), first = 0;
    char size[32];
    for (int i = 0; i < m->n; i++) {
        struct cli_stats_sample sample;
        stats_sample(&m->streams[i], &sample);
        count[m->streams[i].state]++;
        bytes += sample.bytes;
        if (m->streams[i].started_ms && (!first || m->streams[i].started_ms < first))
            first = m->streams[i].started_ms;
    }
    cli_format_bytes(size, sizeof size, bytes);
    cli_progress_draw(&m->progress, force, "%d rec  %d wait  %d reconn  %d done  %d failed  %s  %.0f kbit/s",
                      count[ST_RECORDING], count[ST_CONNECTING] + count[ST_WAITING], count[ST_RECONNECTING],
                      count[ST_DONE], count[ST_FAILED], size,
                      first && now > first ? (double)bytes * 8 / (double)(now - first) : 0.0);
}

/* The loop: every stream's descriptor in one poll(), each stepped by what it said. */
static void run_all(struct multi *m, const volatile sig_atomic_t *cancel)
{
    struct pollfd *fds = calloc((size_t)m->n, sizeof *fds);
    if (!fds)
        return;
    while (!*cancel) {
        uint64_t now = rtmpkit_monotonic_ms(), wake = now + MAX_WAIT_MS;
        int alive = 0;
        for (int i = 0; i < m->n; i++) {
            struct stream *s = &m->streams[i];
            fds[i].fd = -1;
            fds[i].events = fds[i].revents = 0;
            if (!live(s))
                continue;
            alive++;
            uint64_t due = rtmpkit_nbsession_want(s->session, &fds[i].fd, &fds[i].events);
            if (due < wake)
                wake = due;
        }
        if (!alive)
            break;
        if (poll(fds, (nfds_t)m->n, wake > now ? (int)(wake - now) : 0) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < m->n; i++)
            if (live(&m->streams[i]))
                run_stream(m, &m->streams[i], fds[i].revents);
        draw_progress(m, 0);
    }
    free(fds);
}

/* ---- setup and the end ---- */

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

/* Parses the stream's URL and makes its session; a bad URL fails this stream only. */
static void setup_stream(struct multi *m, struct stream *s)
{
    struct cli_options o = *m->opts;
    rtmpkit_session_config sc;
    int err;
    s->stats = m->stats;   /* the same output, a clock of its own */
    s->stats.own_out = 0;
    snprintf(s->label, sizeof s->label, "#%d", s->index);
    snprintf(s->log_prefix, sizeof s->log_prefix, "%s: %s", m->name, s->label);
    cli_log_init(&s->log, s->log_prefix, m->opts);
    s->have_log = 1;
    rtmpkit_buf_init(&s->filtered, RTMPKIT_FLV_MAX_TAG_SIZE);
    rtmpkit_timeline_init(&s->tl, RTMPKIT_TIMELINE_CLOSE_GAPS);
    rtmpkit_url_redact_string(s->url_text, 0, s->shown, sizeof s->shown);
    o.url = s->url_text;
    o.server = NULL;
    if ((err = cli_parse_url(&o, &s->log, 0, &s->url)) < 0) {
        char why[600];
        snprintf(why, sizeof why, "bad URL %s", s->shown);
        mark_failed(m, s, err, why, 1);   /* cli_parse_url said why */
        stats_tick(s, 1);
        return;
    }
    s->have_url = 1;
    /* The label: the stream name (its query left out), the app too when names repeat. */
    snprintf(s->label, sizeof s->label, "%.*s", (int)strcspn(s->url.stream, "?"), s->url.stream);
    for (int i = 0; i < s->index - 1; i++)
        if (strcmp(m->streams[i].label, s->label) == 0) {
            snprintf(s->label, sizeof s->label, "%.*s/%.*s#%d", (int)strcspn(s->url.app, "?"), s->url.app,
                     (int)strcspn(s->url.stream, "?"), s->url.stream, s->index);
            break;
        }
    snprintf(s->log_prefix, sizeof s->log_prefix, "%s: %s", m->name, s->label);
    rtmpkit_url_format_redacted(&s->url, 0, s->shown, sizeof s->shown);
    if (open_file(m, s) < 0)
        return;
    memset(&sc, 0, sizeof sc);
    cli_client_config(m->opts, &s->url, &s->log, &sc.client);
    sc.stream = s->url.stream;
    sc.play_start_ms = play_start_ms(m->opts);
    cli_reconnect_policy(m->opts, 0, &sc.reconnect);
    if (!m->opts->wait)   /* a silent link is a fault, not the end */
        sc.no_media_end_ms = cli_seconds_to_ms(m->opts->end_timeout);
    if (!(s->session = rtmpkit_nbsession_new(&sc))) {
        set_failed(m, s, RTMPKIT_ENOMEM, rtmpkit_strerror(RTMPKIT_ENOMEM));
        return;
    }
    rtmpkit_logf(&s->log, RTMPKIT_LOG_INFO, "recording %s to %s", s->shown, s->path);
}

/* Two streams writing one file would ruin both: refused before anything starts. */
static int check_paths(struct multi *m)
{
    for (int i = 0; i < m->n; i++) {
        const struct stream *b = &m->streams[i];
        if (b->file_no && strcmp(b->path, "-") == 0 && (m->n > 1 || m->opts->segment > 0)) {
            rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "with several streams or --segment, each stream needs "
                         "a file (not -)");
            return RTMPKIT_EUSAGE;
        }
        for (int j = 0; j < i; j++) {
            const struct stream *a = &m->streams[j];
            if (a->file_no && b->file_no && strcmp(a->path, b->path) == 0) {
                rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "streams %d and %d would both write %s "
                             "(use %%n in -o, or a file per URL)", a->index, b->index, a->path);
                return RTMPKIT_EUSAGE;
            }
        }
    }
    return 0;
}

/* The final summary: one line for the run, one per failed stream. Returns the exit
 * status: that of the first failure, or 0. */
static int summary(struct multi *m, int interrupted)
{
    int done = 0, failed = 0, status = 0;
    uint64_t first = 0;
    for (int i = 0; i < m->n; i++) {
        const struct stream *s = &m->streams[i];
        if (s->state == ST_FAILED) {
            failed++;
            if (!first || s->failed_at < first) {
                first = s->failed_at;
                status = rtmpkit_exit_status(s->err);
            }
        } else {
            done++;
        }
    }
    rtmpkit_logf(&m->log, failed ? RTMPKIT_LOG_ERROR : RTMPKIT_LOG_INFO, "%d stream%s: %d complete, %d failed%s",
                 m->n, m->n == 1 ? "" : "s", done, failed, interrupted ? " (interrupted)" : "");
    for (int i = 0; i < m->n; i++) {
        const struct stream *s = &m->streams[i];
        if (s->state == ST_FAILED)
            rtmpkit_logf(&m->log, RTMPKIT_LOG_ERROR, "failed: %s (%s): %s [%s, exit status %d]", s->label, s->shown,
                         s->why, rtmpkit_error_name(s->err), rtmpkit_exit_status(s->err));
    }
    return status;
}

static void free_stream(struct stream *s)
{
    rtmpkit_nbsession_free(s->session);
    rtmpkit_recorder_free(s->rec);
    for (int i = 0; i < s->n_configs; i++)
        rtmpkit_buf_free(&s->configs[i].body);
    rtmpkit_buf_free(&s->filtered);
    if (s->have_url)
        rtmpkit_url_free(&s->url);
    if (s->have_log)
        rtmpkit_log_cleanup(&s->log);
    free(s->url_text);
    free(s->template);
}

int dump_multi_run(const struct cli_options *opts, const char *name)
{
    struct multi m;
    const volatile sig_atomic_t *cancel = cli_install_signals();
    int err, status = 0;

    memset(&m, 0, sizeof m);
    m.opts = opts;
    m.name = name;
    cli_log_init(&m.log, name, opts);
    cli_progress_init(&m.progress, opts);
    if (opts->tracks) {
        int ids[256], n = cli_parse_ids("track", opts->tracks, 255, ids, 256, &m.log);
        if ((err = n) < 0)
            goto done;
        for (int i = 0; i < n; i++)
            m.tracks[m.n_tracks++] = (uint8_t)ids[i];
    }
    if ((err = collect_streams(&m)) < 0)
        goto done;
    if ((err = cli_stats_open(&m.stats, opts, name, &m.log)) < 0)
        goto done;
    for (int i = 0; i < m.n; i++)
        setup_stream(&m, &m.streams[i]);
    if ((err = check_paths(&m)) < 0)
        goto done;
    rtmpkit_logf(&m.log, RTMPKIT_LOG_INFO, "recording %d stream%s", m.n, m.n == 1 ? "" : "s");
    run_all(&m, cancel);
    if (*cancel)
        rtmpkit_logf(&m.log, RTMPKIT_LOG_INFO, "interrupted: finishing every file");
    for (int i = 0; i < m.n; i++)
        if (live(&m.streams[i])) {
            finish_stream(&m, &m.streams[i], "interrupted");
            stats_tick(&m.streams[i], 1);
        }
    draw_progress(&m, 1);
    cli_progress_end(&m.progress);
    status = summary(&m, *cancel != 0);
    err = 0;
done:
    for (int i = 0; i < m.n; i++)
        free_stream(&m.streams[i]);
    free(m.streams);
    cli_stats_close(&m.stats);
    rtmpkit_log_cleanup(&m.log);
    return err < 0 ? rtmpkit_exit_status(err) : status;
}
