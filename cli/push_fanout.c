/* rtmp-push to several destinations (push_fanout.h): a thread per destination. */
#include "push_fanout.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/publisher.h"

#define WAIT_STEP_MS 100       /* waits look at the cancel flag this often */
#define SNAPSHOT_MS 100        /* a destination copies its publisher's stats this often */
#define CONFIG_ROOM 64         /* hand-off slots past the cap kept for sequence headers */
#define KEY_LINE_MAX 4096

/* One tag shared by the hand-off queues of every destination. */
struct item {
    int refs;                  /* atomic */
    rk_tag tag;                /* tag.data points into data */
    uint8_t data[];
};

enum dest_state { DEST_CONNECTING, DEST_SENDING, DEST_DONE };

struct dest {
    struct push_fanout *fan;
    int index;                 /* 1-based, as on the command line */
    rtmpkit_url url;
    int have_url;
    char shown[512];           /* the URL, key redacted */
    char prefix[48];           /* "rtmp-push #2" */
    rtmpkit_log log;           /* the command's, with this prefix (shares its secrets) */
    rtmpkit_session *session;
    rtmpkit_publisher *publisher;
    pthread_t thread;
    int thread_started;
    struct cli_stats stats;    /* shares the command's output */
    int checked_caps[2];
    /* Under lock: */
    pthread_mutex_t lock;
    pthread_cond_t cond;       /* the queue changed, or the state */
    struct item *ring[PUSH_FANOUT_QUEUE_TAGS + CONFIG_ROOM];
    size_t head, count, bytes;
    int need_keyframe;         /* the hand-off dropped video: wait for a keyframe */
    uint64_t handoff_dropped;
    int input_ended;
    enum dest_state state;
    int reconnecting;
    int err;                   /* how it ended */
    int interrupted;
    int fail_order;            /* 1 for the first destination to fail */
    char why[256];
    rtmpkit_publisher_stats snap;
    uint64_t snap_ms;          /* the destination thread's own: when snap was last copied */
};

struct push_fanout {
    const struct cli_options *opts;
    rtmpkit_log *log;
    const volatile sig_atomic_t *cancel;
    int realtime;
    int64_t span_ms;           /* hand-off queue span before dropping; 0: no limit */
    struct dest dests[CLI_MAX_URLS];
    int n;
    pthread_mutex_t lock;      /* started, failures */
    pthread_cond_t cond;
    int started;               /* destinations past their first attempt */
    int failures;
    uint64_t first_send_ms;    /* the reader's: when the first tag was handed out */
    int64_t first_dts_ms;
};

static void item_release(struct item *it)
{
    if (it && __atomic_sub_fetch(&it->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(it);
}

/* Waits on cond for at most WAIT_STEP_MS (lock held). */
static void timed_wait(pthread_cond_t *cond, pthread_mutex_t *lock)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += WAIT_STEP_MS * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(cond, lock, &ts);
}

void push_check_server_caps(rtmpkit_session *session, rtmpkit_log *log, int checked[2], const rk_tag *tag)
{
    int video = tag->type == RTMPKIT_FLV_VIDEO;
    rtmpkit_tag_header h;
    if ((tag->type != RTMPKIT_FLV_VIDEO && tag->type != RTMPKIT_FLV_AUDIO) || checked[video]
        || rtmpkit_tag_parse(tag->type, tag->data, tag->size, &h) <= 0 || !h.config || !h.track.fourcc)
        return;
    checked[video] = 1;
    /* The client is looked at for the first sequence headers only, sent before any
     * reconnect: during one, a thread of the session's may be connecting it. */
    if (rtmpkit_caps_lists(rtmpkit_client_server_caps(rtmpkit_session_client(session)), video, h.track.fourcc) == 0)
        rtmpkit_logf(log, RTMPKIT_LOG_WARN, "the server does not list %s codec %c%c%c%c among its capabilities",
                     video ? "video" : "audio", (char)(h.track.fourcc >> 24), (char)(h.track.fourcc >> 16),
                     (char)(h.track.fourcc >> 8), (char)h.track.fourcc);
}

/* --key-file with several URLs: line i is the key of URL i (empty: the URL holds it).
 * Returns the number of lines read into keys (each a new string or NULL), or an error. */
static int read_key_lines(const char *path, rtmpkit_log *log, char **keys, int n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char line[KEY_LINE_MAX + 2];
    int got = 0;
    if (!f) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "cannot read the key file %s: %s", path, strerror(errno));
        return RTMPKIT_EUSAGE;
    }
    while (got < n && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        if (len > KEY_LINE_MAX) {
            rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "line %d of %s is longer than %d bytes", got + 1, path, KEY_LINE_MAX);
            got = RTMPKIT_EUSAGE;
            break;
        }
        line[len] = 0;
        keys[got] = len ? strdup(line) : NULL;
        if (len && !keys[got]) {
            got = RTMPKIT_ENOMEM;
            break;
        }
        rtmpkit_log_add_secret(log, keys[got]);
        got++;
    }
    if (f != stdin)
        fclose(f);
    if (got >= 0 && got < n) {
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "the key file %s has %d line%s for %d URLs (one key a line, in the "
                     "order of the URLs; an empty line for a URL that holds its key)", path, got, got == 1 ? "" : "s", n);
        for (int i = 0; i < got; i++)
            free(keys[i]);
        return RTMPKIT_EUSAGE;
    }
    return got;
}

/* Each URL parsed with its own key, every secret registered before anything is logged. */
static int parse_destinations(struct push_fanout *f)
{
    const struct cli_options *opts = f->opts;
    char *keys[CLI_MAX_URLS] = { 0 };
    int err = 0;
    if (opts->key_file && (err = read_key_lines(opts->key_file, f->log, keys, opts->n_urls)) < 0)
        return err;
    for (int i = 0; i < opts->n_urls && err >= 0; i++) {
        struct cli_options one = *opts;
        struct dest *d = &f->dests[i];
        one.url = opts->urls[i];
        one.key_file = NULL;
        one.key = keys[i];
        if ((err = cli_parse_url(&one, f->log, 1, &d->url)) >= 0) {
            d->have_url = 1;
            f->n = i + 1;
        }
    }
    for (int i = 0; i < opts->n_urls; i++)
        free(keys[i]);
    return err;
}

int push_fanout_new(struct push_fanout **out, const struct cli_options *opts, rtmpkit_log *log)
{
    struct push_fanout *f = calloc(1, sizeof *f);
    int err;
    *out = f;
    if (!f)
        return RTMPKIT_ENOMEM;
    f->opts = opts;
    f->log = log;
    f->cancel = cli_install_signals();
    f->span_ms = opts->queue_ms > 0 ? 4 * (int64_t)opts->queue_ms : 0;
    if (f->span_ms && f->span_ms < PUSH_FANOUT_MIN_SPAN_MS)
        f->span_ms = PUSH_FANOUT_MIN_SPAN_MS;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    for (int i = 0; i < CLI_MAX_URLS; i++) {
        pthread_mutex_init(&f->dests[i].lock, NULL);
        pthread_cond_init(&f->dests[i].cond, NULL);
    }
    if ((err = parse_destinations(f)) < 0)
        return err;
    /* Every secret is known now: the destinations' logs may share them. */
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        d->fan = f;
        d->index = i + 1;
        rtmpkit_url_format_redacted(&d->url, 1, d->shown, sizeof d->shown);
        snprintf(d->prefix, sizeof d->prefix, "%s #%d", log->prefix ? log->prefix : "rtmp-push", d->index);
        d->log = *log;
        d->log.prefix = d->prefix;
        d->state = DEST_CONNECTING;
        rtmpkit_logf(log, RTMPKIT_LOG_INFO, "destination #%d: %s", d->index, d->shown);
    }
    return 0;
}

/* The destination has ended with err (lock not held). */
static void dest_end(struct dest *d, int err)
{
    struct push_fanout *f = d->fan;
    int order = 0;
    pthread_mutex_lock(&f->lock);
    if (err < 0 && err != RTMPKIT_ECANCELLED)
        order = ++f->failures;
    pthread_mutex_unlock(&f->lock);
    pthread_mutex_lock(&d->lock);
    d->fail_order = order;
    d->state = DEST_DONE;
    d->err = err == RTMPKIT_ECANCELLED ? 0 : err;
    d->interrupted = err == RTMPKIT_ECANCELLED;
    while (d->count > 0) {   /* what it held will never be sent */
        item_release(d->ring[d->head]);
        d->head = (d->head + 1) % (PUSH_FANOUT_QUEUE_TAGS + CONFIG_ROOM);
        d->count--;
    }
    d->bytes = 0;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* The next tag for the destination, or NULL once the input has ended and the queue is
 * empty, or on a signal. */
static struct item *dest_pop(struct dest *d)
{
    struct item *it = NULL;
    pthread_mutex_lock(&d->lock);
    while (d->count == 0 && !d->input_ended && !*d->fan->cancel)
        timed_wait(&d->cond, &d->lock);
    if (d->count > 0) {
        it = d->ring[d->head];
        d->head = (d->head + 1) % (PUSH_FANOUT_QUEUE_TAGS + CONFIG_ROOM);
        d->count--;
        d->bytes -= it->tag.size;
        pthread_cond_broadcast(&d->cond);   /* room for a reader that waits */
    }
    pthread_mutex_unlock(&d->lock);
    return it;
}

/* Copies the publisher's stats for the reader's stats lines (at most every SNAPSHOT_MS
 * unless force). */
static void dest_snapshot(struct dest *d, int force)
{
    rtmpkit_publisher_stats st;
    uint64_t now = rtmpkit_monotonic_ms();
    if (!d->publisher || (!force && now - d->snap_ms < SNAPSHOT_MS))
        return;
    d->snap_ms = now;
    rtmpkit_publisher_get_stats(d->publisher, &st);
    pthread_mutex_lock(&d->lock);
    d->snap = st;
    d->reconnecting = st.reconnecting;
    pthread_mutex_unlock(&d->lock);
}

static void set_why(struct dest *d, const char *why)
{
    pthread_mutex_lock(&d->lock);
    snprintf(d->why, sizeof d->why, "%s", why);
    pthread_mutex_unlock(&d->lock);
}

/* Sends the hand-off queue's tags until the input ends, then what is queued. */
static int dest_send_all(struct dest *d)
{
    struct item *it;
    int err = 0;
    while ((it = dest_pop(d))) {
        if (it->tag.flags & RTMPKIT_MEDIA_CONFIG)
            push_check_server_caps(d->session, &d->log, d->checked_caps, &it->tag);
        err = rtmpkit_publisher_send(d->publisher, &it->tag);
        item_release(it);
        dest_snapshot(d, 0);
        if (err < 0)
            break;
    }
    if (err >= 0 && *d->fan->cancel)
        err = RTMPKIT_ECANCELLED;
    if (err >= 0)
        err = rtmpkit_publisher_flush(d->publisher);
    if (err < 0 && err != RTMPKIT_ECANCELLED) {
        set_why(d, rtmpkit_publisher_error_message(d->publisher));
        rtmpkit_logf(&d->log, RTMPKIT_LOG_ERROR, "%s", d->why);
    }
    dest_snapshot(d, 1);
    return err;
}

/* The thread of one destination: connect and publish, then send until the end. */
static void *dest_main(void *arg)
{
    struct dest *d = arg;
    struct push_fanout *f = d->fan;
    const struct cli_options *opts = f->opts;
    int err = cli_start_session(opts, &d->url, &d->log, 1, 0, &d->session);
    if (err < 0 && d->session)
        set_why(d, rtmpkit_session_error_message(d->session));
    if (err >= 0) {
        rtmpkit_publisher_config pc = {
            .session = d->session,
            .paced = 0,              /* the reader paces, once for all */
            .live = f->realtime,     /* so the drop policy applies */
            .queue_ms = opts->queue_ms,
            .write_timeout_ms = opts->timeout > 0 ? (int)(opts->timeout * 1000) : 0,
            .cancel = f->cancel,
        };
        if (!(d->publisher = rtmpkit_publisher_new(&pc))) {
            err = RTMPKIT_ENOMEM;
            set_why(d, rtmpkit_strerror(err));
        }
    }
    pthread_mutex_lock(&d->lock);
    if (err >= 0)
        d->state = DEST_SENDING;
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_lock(&f->lock);
    f->started++;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    if (err >= 0) {
        rtmpkit_logf(&d->log, RTMPKIT_LOG_INFO, "publishing to %s", d->shown);
        err = dest_send_all(d);
    }
    /* Unpublished here, each destination on its own thread. */
    rtmpkit_publisher_free(d->publisher);
    d->publisher = NULL;
    rtmpkit_session_free(d->session);   /* FCUnpublish, deleteStream */
    d->session = NULL;
    dest_end(d, err);
    return NULL;
}

int push_fanout_start(struct push_fanout *f, const struct cli_stats *stats, int realtime)
{
    int err = 0, sending = 0;
    sigset_t stop, old;
    f->realtime = realtime;
    /* SIGINT and SIGTERM go to the reader, so that they interrupt a blocking read of
     * stdin or a device; the destinations see the flag within a wait step. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        d->stats = *stats;
        d->stats.own_out = 0;
        d->stats.name = d->prefix;
        if (pthread_create(&d->thread, NULL, dest_main, d) != 0) {
            set_why(d, "cannot start a thread");
            rtmpkit_logf(&d->log, RTMPKIT_LOG_ERROR, "%s", d->why);
            dest_end(d, RTMPKIT_ENOMEM);
            pthread_mutex_lock(&f->lock);
            f->started++;
            pthread_mutex_unlock(&f->lock);
            continue;
        }
        d->thread_started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_mutex_lock(&f->lock);
    while (f->started < f->n)
        timed_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        pthread_mutex_lock(&d->lock);
        sending += d->state == DEST_SENDING || (d->state == DEST_DONE && d->err >= 0 && !d->interrupted);
        if (d->state == DEST_DONE && (d->err < 0 || d->interrupted) && (err == 0 || d->fail_order == 1))
            err = d->interrupted ? RTMPKIT_ECANCELLED : d->err;
        pthread_mutex_unlock(&d->lock);
    }
    return sending ? 0 : err < 0 ? err : RTMPKIT_EINTERNAL;
}

/* 1 when the hand-off queue has no room for a tag of this size at this time. */
static int queue_full(const struct dest *d, const rk_tag *tag)
{
    const struct item *head = d->count ? d->ring[d->head] : NULL;
    return d->count >= PUSH_FANOUT_QUEUE_TAGS || d->bytes + tag->size > PUSH_FANOUT_QUEUE_BYTES ||
           (head && d->fan->span_ms > 0 && tag->dts_ms - head->tag.dts_ms > d->fan->span_ms);
}

/* The hand-off queue's drop policy: when full, a tag is dropped (video then waits for
 * a keyframe); sequence headers and metadata always get in. Lock held. Returns 1 when
 * the tag is to be queued. */
static int admit(struct dest *d, const rk_tag *tag)
{
    int full;
    if (tag->flags & RTMPKIT_MEDIA_CONFIG)
        return d->count < PUSH_FANOUT_QUEUE_TAGS + CONFIG_ROOM;
    full = queue_full(d, tag);
    if (tag->type == RTMPKIT_FLV_VIDEO) {
        if (d->need_keyframe && (tag->flags & RTMPKIT_MEDIA_KEYFRAME) && !full)
            d->need_keyframe = 0;
        if (full)
            d->need_keyframe = 1;
        full |= d->need_keyframe;
    }
    if (full && tag->type != RTMPKIT_FLV_DATA)
        d->handoff_dropped++;
    return !full;
}

/* Queues it for the destination (taking a reference), waiting for room when the input
 * is not real time. */
static void offer(struct dest *d, struct item *it)
{
    pthread_mutex_lock(&d->lock);
    if (!d->fan->realtime)
        while (d->state != DEST_DONE && queue_full(d, &it->tag) && !*d->fan->cancel)
            timed_wait(&d->cond, &d->lock);
    if (d->state != DEST_DONE && admit(d, &it->tag)) {
        __atomic_add_fetch(&it->refs, 1, __ATOMIC_ACQ_REL);
        d->ring[(d->head + d->count) % (PUSH_FANOUT_QUEUE_TAGS + CONFIG_ROOM)] = it;
        d->count++;
        d->bytes += it->tag.size;
        pthread_cond_broadcast(&d->cond);
    }
    pthread_mutex_unlock(&d->lock);
}

/* The error of the destination that failed first, or ECANCELLED, when none runs. */
static int all_ended(struct push_fanout *f)
{
    int err = RTMPKIT_ECANCELLED;
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        int done, e, first;
        pthread_mutex_lock(&d->lock);
        done = d->state == DEST_DONE;
        e = d->err;
        first = d->fail_order == 1;
        pthread_mutex_unlock(&d->lock);
        if (!done)
            return 0;
        if (e < 0 && (first || err == RTMPKIT_ECANCELLED))
            err = e;
    }
    return err;
}

int push_fanout_send(struct push_fanout *f, const rk_tag *tag)
{
    struct item *it = malloc(sizeof *it + (tag->size ? tag->size : 1));
    int err;
    if (!it)
        return RTMPKIT_ENOMEM;
    if (!f->first_send_ms) {
        f->first_send_ms = rtmpkit_monotonic_ms();
        f->first_dts_ms = tag->dts_ms;
    }
    it->refs = 1;
    it->tag = *tag;
    memcpy(it->data, tag->data, tag->size);
    it->tag.data = it->data;
    for (int i = 0; i < f->n; i++)
        offer(&f->dests[i], it);
    item_release(it);
    err = all_ended(f);
    return err;
}

static void dest_sample(struct dest *d, int final, struct cli_stats_sample *s)
{
    struct push_fanout *f = d->fan;
    rtmpkit_publisher_stats st;
    enum dest_state state;
    pthread_mutex_lock(&d->lock);
    st = d->snap;
    state = d->state;
    st.dropped += d->handoff_dropped;
    pthread_mutex_unlock(&d->lock);
    push_stats_sample(&st, final || state == DEST_DONE ? "done" : state == DEST_CONNECTING ? "connecting"
                           : st.reconnecting ? "reconnecting" : "sending",
                      f->realtime, f->first_send_ms, f->first_dts_ms, d->shown, s);
}

void push_stats_sample(const rtmpkit_publisher_stats *st, const char *state, int realtime, uint64_t first_send_ms,
                       int64_t first_dts_ms, const char *destination, struct cli_stats_sample *s)
{
    int64_t wall = first_send_ms ? (int64_t)(rtmpkit_monotonic_ms() - first_send_ms) : 0;
    memset(s, 0, sizeof *s);
    s->state = state;
    s->bytes = st->media_bytes;
    s->video_frames = st->video_sent;
    s->audio_frames = st->audio_sent;
    s->dropped = st->dropped;
    s->media_ms = st->last_dts_ms;
    s->reconnects = st->reconnects;
    s->queue_ms = st->queue_latency_ms < 0 ? 0 : st->queue_latency_ms;
    s->lateness_ms = !realtime ? -1
                   : wall > st->last_dts_ms - first_dts_ms ? wall - (st->last_dts_ms - first_dts_ms) : 0;
    s->destination = destination;
}

void push_fanout_tick(struct push_fanout *f, int final)
{
    for (int i = 0; i < f->n; i++) {
        struct cli_stats_sample s;
        if (f->dests[i].stats.mode == CLI_STATS_OFF)
            continue;
        dest_sample(&f->dests[i], final, &s);
        cli_stats_tick(&f->dests[i].stats, &s, final);
    }
}

void push_fanout_progress(struct push_fanout *f, struct cli_progress *progress, int force)
{
    int sending = 0, reconnecting = 0, done = 0;
    uint64_t dropped = 0;
    int64_t media_ms = 0;
    char position[128];
    if (!progress->enabled)
        return;
    for (int i = 0; i < f->n; i++) {
        struct cli_stats_sample s;
        dest_sample(&f->dests[i], 0, &s);
        done += s.state[0] == 'd';
        reconnecting += s.state[0] == 'r' || s.state[0] == 'c';
        sending += s.state[0] == 's';
        dropped += s.dropped;
        if (s.media_ms > media_ms)
            media_ms = s.media_ms;
    }
    cli_format_position(position, sizeof position, media_ms, -1, 0);
    cli_progress_draw(progress, force, "sending %s  %d destinations: %d sending, %d reconnecting, %d done  dropped %llu",
                      position, f->n, sending, reconnecting, done, (unsigned long long)dropped);
}

/* One line per destination: what it sent and how it ended. */
static void summarize(struct push_fanout *f)
{
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        struct cli_stats_sample s;
        char status[320];
        dest_sample(d, 1, &s);
        if (d->err < 0)
            snprintf(status, sizeof status, "failed (exit status %d): %s", rtmpkit_exit_status(d->err),
                     d->why[0] ? d->why : rtmpkit_strerror(d->err));
        else
            snprintf(status, sizeof status, "%s", d->interrupted ? "interrupted" : "ended normally");
        rtmpkit_logf(f->log, d->err < 0 ? RTMPKIT_LOG_ERROR : RTMPKIT_LOG_INFO,
                     "destination #%d %s: sent %.1f s, %llu video and %llu audio frames, %llu dropped, "
                     "%d reconnect%s; %s", d->index, d->shown, (double)s.media_ms / 1000,
                     (unsigned long long)s.video_frames, (unsigned long long)s.audio_frames,
                     (unsigned long long)s.dropped, s.reconnects, s.reconnects == 1 ? "" : "s", status);
    }
}

int push_fanout_finish(struct push_fanout *f, int cancelled)
{
    int err = 0;
    (void)cancelled;   /* the destinations see the signal's flag themselves */
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        pthread_mutex_lock(&d->lock);
        d->input_ended = 1;
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->lock);
    }
    for (int i = 0; i < f->n; i++) {
        struct dest *d = &f->dests[i];
        if (d->thread_started)
            pthread_join(d->thread, NULL);
        d->thread_started = 0;
        if (d->err < 0 && (err == 0 || d->fail_order == 1))
            err = d->err;
    }
    summarize(f);
    push_fanout_tick(f, 1);
    return err;
}

void push_fanout_free(struct push_fanout *f)
{
    if (!f)
        return;
    for (int i = 0; i < CLI_MAX_URLS; i++) {
        struct dest *d = &f->dests[i];
        if (d->thread_started) {   /* an early exit: the input ended now */
            pthread_mutex_lock(&d->lock);
            d->input_ended = 1;
            pthread_cond_broadcast(&d->cond);
            pthread_mutex_unlock(&d->lock);
            pthread_join(d->thread, NULL);
        }
        if (d->have_url)
            rtmpkit_url_free(&d->url);
        while (d->count > 0) {
            item_release(d->ring[d->head]);
            d->head = (d->head + 1) % (PUSH_FANOUT_QUEUE_TAGS + CONFIG_ROOM);
            d->count--;
        }
        pthread_mutex_destroy(&d->lock);
        pthread_cond_destroy(&d->cond);
    }
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f);
}
