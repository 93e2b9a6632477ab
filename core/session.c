/* The session: connect, play or publish, and the reconnect policy (see rtmpkit/session.h). */
#include "rtmpkit/session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "session_internal.h"

#define SLEEP_STEP_MS          50      /* how often a wait looks at the cancel flag */
#define PROBE_STEP_MS          50      /* how often a probe's answer is looked for */
#define EARLY_CLOSE_RETRIES    3       /* closes right after a restart retried in a row */
#define MOVE_TAKEN_TRIES       3       /* publishes at a new place that says the stream is taken */
#define MOVE_TAKEN_WAIT_MS     200     /* before each */
#define MOVE_STEP_MS           20      /* how often a player looks at its move under way */
#define MOVE_HOLD_MAX_TAGS     4096    /* a player's new place: tags held until the switch */
#define MOVE_HOLD_MAX_BYTES    (16u * 1024 * 1024)
#define MOVE_ALIGN_MS          5000    /* the old place gets this long to reach the switch */
#define MOVE_SAME_CLOCK_MS     10000   /* new wire times this near the old: the same clock */
#define MOVE_MATCH_FRAMES      256     /* the old place's last frames per track, to find at the new */
#define MOVE_MATCH_MS          2000    /* how long one is looked for before the wire times decide */

enum state { STATE_NEW, STATE_ACTIVE, STATE_WAITING, STATE_FAILED };

/* A connection being made (connect, then publish or play) in a thread of its own, so that
 * the caller goes on meanwhile: a move's new connection, while a publisher keeps reading
 * its input and sending on the old one; or a reconnect attempt of rtmpkit_session_poll's,
 * while a publisher keeps reading its input into the outage's queue. The thread touches
 * only its client (and reads the session's config and the log); the session joins it
 * before using the client. */
struct connect_job {
    rtmpkit_session *session;
    rtmpkit_client *client;     /* the connection being made; the thread's until done */
    pthread_t thread;
    int threaded;               /* a thread runs (or ran) it and is not joined yet */
    atomic_int done;            /* the work is over: err says how it went */
    int err;
};

/* A tag of the new place, held (copied) until the player switches to it. */
struct held_media {
    uint8_t type;               /* 0: the end of the new place's stream (data: its code) */
    uint32_t ts;
    int key, config, frame;
    uint64_t hash;              /* a frame's bytes (payload_hash) */
    uint8_t *data;
    size_t len;
};

/* A player's move, make before break: once the new place plays, both connections are
 * read; the old one's tags go to the caller, the new one's are held. The switch tag is
 * the new place's first video keyframe (audio frame without video) whose wire time is
 * past the last one taken from the old place on its track (the same clock: a cluster's
 * servers pass the publisher's times through), or its first frame past that one when the
 * new place sent that one too (a GOP cache: its frames continue ours, so the next one
 * decodes); the old place's tags go on to the caller until its own reach that time,
 * then the caller gets MOVED and the held tags from the switch tag on (audio past the old
 * place's last). A server that starts each player's stream at 0 (nginx-rtmp) puts the
 * new place on another clock: the first video frame (audio without video) both places
 * sent, the same bytes, gives the offset between the clocks, and the new place's times
 * are handed out with it added (the caller sees one clock). Without such a frame, wire
 * times near the old ones are taken for the same clock; far from them, for another one:
 * the switch is the first keyframe, and the caller's timeline
 * (rtmpkit_timeline_reconnected) keeps the real time between. */
struct play_move {
    rtmpkit_client *next;       /* playing at the new place (owned until the switch) */
    struct held_media *q;
    size_t n, bytes, out;       /* held; after the switch, the next to hand out */
    long at;                    /* the switch tag's index; -1: not found yet */
    int same_clock;             /* 1 same (with offset), 0 another, -1 not known yet */
    int32_t offset;             /* a new place's wire time + offset: the old place's */
    int seen_old[3];            /* a frame taken from the old place, per track ... */
    uint32_t last_old[3];       /* ... and its wire time */
    uint64_t old_hash[2][MOVE_MATCH_FRAMES];   /* the old place's last frames per track (rings) */
    uint32_t old_ts[2][MOVE_MATCH_FRAMES];
    size_t old_count[2];
    uint64_t since_ms;          /* when the new place began to play */
    int old_over;               /* the old place ended or failed: switch when the new can */
    int old_err;                /* how it failed (0: its stream ended, old_end holds how) */
    rtmpkit_event old_end;      /* handed out after all if the move fails */
    char old_code[64];
    int switched;
};

struct rtmpkit_session {
    rtmpkit_session_config cfg;
    rtmpkit_client *client;
    enum state state;
    int started_once;           /* Play.Start / Publish.Start arrived at least once */
    int attempt;                /* attempts since the last failure; 0: none yet */
    int reconnects;             /* successful ones, over the whole life */
    uint64_t attempt_at_ms;     /* WAITING: when to try again */
    int last_error;             /* FAILED by rtmpkit_session_lost/_poll: why */
    const char *why;            /* the caller's reason for the failure being logged; not owned */
    uint64_t last_media_ms;     /* ACTIVE: when media last came; 0: none on this connection */
    uint64_t probe_at_ms;       /* when the server was asked whether it still talks; 0: not */
    unsigned int seed;          /* the jitter's; no process-wide state */
    int early_closes;           /* restarted streams closed at once, in a row */
    int reconnected;            /* the connection now is not the first */
    rtmpkit_caps caps;          /* announced: the config's, Reconnect set as it says */
    rtmpkit_url *url;           /* where we are after a move (owned); NULL: the config's */
    rtmpkit_url *move_to;       /* a ReconnectRequest's place, not yet moved to (owned) */
    rtmpkit_client *left;       /* during a move: the connection being left */
    rtmpkit_url *left_url;      /* its URL, when owned */
    struct connect_job *job;    /* a move's new connection being made; NULL: none */
    struct connect_job *attempt_job;   /* poll's reconnect attempt under way; NULL: none */
    struct play_move *play;     /* a player's move: the new place plays, not switched to */
    int inline_connects;        /* a transport opener (memory, tests) is not thread-safe:
                                 * connect jobs run in the caller's thread */
    char end_code[64];          /* a failed move's late end of stream: its code */
    int32_t wire_offset;        /* added to this connection's wire times (a move to another
                                 * clock, aligned on a frame) */
    int seen_frame[3];          /* a frame handed out on this connection, per track ... */
    uint32_t last_frame[3];     /* ... and its wire time (where a player's move aligns) */
    int moves;
    int taken_tries;            /* a move's break before make: attempts left before the
                                 * policy's (0: none under way) */
};

int rtmpkit_error_is_transient(int err)
{
    switch (err) {
    case RTMPKIT_EDNS:
    case RTMPKIT_EREFUSED:
    case RTMPKIT_ETIMEOUT:
    case RTMPKIT_EHANDSHAKE:
    case RTMPKIT_ENETWORK:
        return 1;
    default:
        return 0;
    }
}

void rtmpkit_reconnect_policy_default(rtmpkit_reconnect_policy *p, int attempts)
{
    memset(p, 0, sizeof *p);
    p->attempts = attempts;
    p->first_delay_ms = RTMPKIT_RECONNECT_DEFAULT_FIRST_MS;
    p->factor = RTMPKIT_RECONNECT_DEFAULT_FACTOR;
    p->max_delay_ms = RTMPKIT_RECONNECT_DEFAULT_MAX_MS;
    p->jitter_percent = RTMPKIT_RECONNECT_DEFAULT_JITTER;
    p->after_start_only = 1;
}

/* capsEx says Reconnect exactly when the session follows a ReconnectRequest. */
static void announce_reconnect(rtmpkit_session *s)
{
    const rtmpkit_caps *given = s->cfg.client.conn.caps;
    if (!given && !s->cfg.follow_reconnect_request)
        return;
    if (given) {
        s->caps = *given;
    } else {
        memset(&s->caps, 0, sizeof s->caps);
        s->caps.caps_ex = -1;
    }
    if (s->cfg.follow_reconnect_request)
        s->caps.caps_ex = (s->caps.caps_ex < 0 ? 0 : s->caps.caps_ex) | RTMPKIT_CAPS_EX_RECONNECT;
    else if (s->caps.caps_ex > 0)
        s->caps.caps_ex &= ~RTMPKIT_CAPS_EX_RECONNECT;
    s->cfg.client.conn.caps = &s->caps;
}

static void move_abandon(rtmpkit_session *s);
static void attempt_abandon(rtmpkit_session *s);
static void play_move_free(struct play_move *m);

static void free_url(rtmpkit_url *u)
{
    rtmpkit_url_free(u);
    free(u);
}

rtmpkit_session *rtmpkit_session_new(const rtmpkit_session_config *cfg)
{
    return rk_session_new_with_opener(cfg, NULL);
}

rtmpkit_session *rk_session_new_with_opener(const rtmpkit_session_config *cfg, const rk_transport_opener *opener)
{
    rtmpkit_session *s;
    if (!cfg || !cfg->stream || cfg->reconnect.attempts < RTMPKIT_RECONNECT_FOREVER)
        return NULL;
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->cfg = *cfg;
    if (!s->cfg.publish_type)
        s->cfg.publish_type = "live";
    if (s->cfg.reconnect.first_delay_ms <= 0)
        s->cfg.reconnect.first_delay_ms = RTMPKIT_RECONNECT_DEFAULT_FIRST_MS;
    if (s->cfg.reconnect.factor < 1)
        s->cfg.reconnect.factor = RTMPKIT_RECONNECT_DEFAULT_FACTOR;
    if (s->cfg.reconnect.max_delay_ms <= 0)
        s->cfg.reconnect.max_delay_ms = RTMPKIT_RECONNECT_DEFAULT_MAX_MS;
    s->cfg.client.conn.publisher = cfg->publish;
    announce_reconnect(s);
    s->seed = (unsigned int)rtmpkit_monotonic_ms() ^ (unsigned int)(uintptr_t)s;
    s->inline_connects = opener != NULL;
    if (!(s->client = rk_client_new_with_opener(&s->cfg.client, opener))) {
        free(s);
        return NULL;
    }
    return s;
}

void rtmpkit_session_free(rtmpkit_session *s)
{
    if (!s)
        return;
    move_abandon(s);
    attempt_abandon(s);
    play_move_free(s->play);
    rtmpkit_session_move_finish(s);
    rtmpkit_client_close(s->client);
    rtmpkit_client_free(s->client);
    free_url(s->url);
    free_url(s->move_to);
    free(s);
}

rtmpkit_client *rtmpkit_session_client(rtmpkit_session *s)
{
    return s->client;
}

int rtmpkit_session_reconnects(const rtmpkit_session *s)
{
    return s->reconnects;
}

const char *rtmpkit_session_error_message(const rtmpkit_session *s)
{
    return rtmpkit_client_error_message(s->client);
}

static int cancelled(const rtmpkit_session *s)
{
    return s->cfg.client.cancel && *s->cfg.client.cancel;
}

/* Sleeps until the monotonic time until_ms, but at most max_ms (<= 0: no limit).
 * Returns 1 when until_ms was reached, 0 when max_ms ran out first, or ECANCELLED. */
static int sleep_until(const rtmpkit_session *s, uint64_t until_ms, int max_ms)
{
    uint64_t give_up = max_ms > 0 ? rtmpkit_monotonic_ms() + (uint64_t)max_ms : UINT64_MAX;
    for (;;) {
        uint64_t now = rtmpkit_monotonic_ms();
        uint64_t next = until_ms < give_up ? until_ms : give_up;
        struct timespec step;
        if (cancelled(s))
            return RTMPKIT_ECANCELLED;
        if (now >= until_ms)
            return 1;
        if (now >= give_up)
            return 0;
        if (next - now > SLEEP_STEP_MS)
            next = now + SLEEP_STEP_MS;
        step.tv_sec = (time_t)((next - now) / 1000);
        step.tv_nsec = (long)((next - now) % 1000) * 1000000;
        nanosleep(&step, NULL);
    }
}

/* NetStream.Publish.BadName after a drop: the server still holds our old session for a
 * while (nginx-rtmp until it notices the dead socket), which the next attempt outlasts.
 * On a first publish it means what it says: the key is taken or wrong. */
static int is_stale_publisher(const rtmpkit_session *s, int err)
{
    return err == RTMPKIT_EPUBLISH_REFUSED && s->cfg.publish && s->started_once &&
           strcmp(rk_client_failed_code(s->client), "NetStream.Publish.BadName") == 0;
}

/* The connection closed without a word within seconds of Publish.Start or Play.Start,
 * before any media: the client calls that a refusal (an expired token). On the first
 * connection it is one. On a reconnection, a second fault soon after the first looks the
 * same, so it is retried, but only a few times in a row: a refusal soon shows itself. */
static int is_early_close_after_run(const rtmpkit_session *s, int err)
{
    return (err == RTMPKIT_EPUBLISH_REFUSED || err == RTMPKIT_ESTREAM_ERROR) && s->reconnected &&
           rk_client_closed_at_start(s->client) && s->early_closes < EARLY_CLOSE_RETRIES;
}

int rk_reconnect_allows(const rtmpkit_reconnect_policy *p, int attempts, int started_once)
{
    if (p->attempts == 0 || (p->after_start_only && !started_once))
        return 0;
    return p->attempts == RTMPKIT_RECONNECT_FOREVER || attempts < p->attempts;
}

int rk_reconnect_delay_ms(const rtmpkit_reconnect_policy *p, int attempt, unsigned int *seed)
{
    double delay = p->first_delay_ms;
    for (int i = 1; i < attempt && delay < p->max_delay_ms; i++)
        delay *= p->factor;
    if (delay > p->max_delay_ms)
        delay = p->max_delay_ms;
    if (p->jitter_percent > 0) {
        double r = (double)rand_r(seed) / RAND_MAX * 2 - 1;   /* -1 .. 1 */
        delay += delay * p->jitter_percent / 100.0 * r;
    }
    return delay < 1 ? 1 : (int)delay;
}

/* Whether err is worth another attempt under the policy. */
static int should_retry(const rtmpkit_session *s, int err)
{
    if (cancelled(s) ||
        !(rtmpkit_error_is_transient(err) || is_stale_publisher(s, err) || is_early_close_after_run(s, err)))
        return 0;
    return rk_reconnect_allows(&s->cfg.reconnect, s->attempt, s->started_once);
}

/* Connects cl and starts the stream on it. */
static int start_on(rtmpkit_session *s, rtmpkit_client *cl)
{
    int err = rtmpkit_client_connect(cl);
    if (err >= 0)
        err = s->cfg.publish ? rtmpkit_client_publish(cl, s->cfg.stream, s->cfg.publish_type)
                             : rtmpkit_client_play(cl, s->cfg.stream, s->cfg.play_start_ms);
    return err;
}

/* The stream started on the session's client. */
static void streaming(rtmpkit_session *s)
{
    s->started_once = 1;
    s->state = STATE_ACTIVE;
    s->last_media_ms = s->probe_at_ms = 0;
}

/* Connects and starts the stream: one attempt. */
static int connect_and_start(rtmpkit_session *s)
{
    int err = start_on(s, s->client);
    if (err < 0)
        return err;
    streaming(s);
    return 0;
}

/* ---- Enhanced RTMP ReconnectRequest ---- */

static const rtmpkit_url *current_url(const rtmpkit_session *s)
{
    return s->url ? s->url : s->cfg.client.url;
}

/* The query values of a new app join the secrets kept out of the log. Returns 0, or -1
 * when the log has no room for them. */
static int add_query_secrets(rtmpkit_session *s, const char *app)
{
    const char *q = strchr(app, '?');
    while (q && *q) {
        const char *value = strchr(q, '='), *end;
        char *copy;
        int err;
        if (!value)
            return 0;
        value++;
        end = value + strcspn(value, "&");
        if (!(copy = strndup(value, (size_t)(end - value))))
            return -1;
        err = copy[0] ? rtmpkit_log_add_secret(s->cfg.client.log, copy) : 0;
        free(copy);
        if (err < 0)
            return -1;
        q = *end ? end + 1 : end;
    }
    return 0;
}

/* Takes the request the client got, if any: the place it names (checked, logged) becomes
 * move_to. */
static void take_move_request(rtmpkit_session *s)
{
    char tc_url[RTMPKIT_MAX_TC_URL + 1], description[256], shown[RTMPKIT_MAX_TC_URL + 64];
    const char *why = "";
    rtmpkit_url *to;
    int err;
    if (!rk_client_take_move_request(s->client, tc_url, sizeof tc_url, description, sizeof description)
        || !s->cfg.follow_reconnect_request)
        return;
    if (!(to = calloc(1, sizeof *to)))
        return;
    err = rtmpkit_url_resolve_move(current_url(s), tc_url, to, &why);
    if (err >= 0 && (s->cfg.client.log && add_query_secrets(s, to->app) < 0)) {
        rtmpkit_url_free(to);
        why = "too many secret values to keep out of the log";
        err = RTMPKIT_ELIMIT;
    }
    if (err < 0) {
        rtmpkit_url_redact_string(tc_url, s->cfg.publish, shown, sizeof shown);
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_WARN, "the server asks us to reconnect to \"%s\": refused, %s; "
                     "staying on this connection", shown, why[0] ? why : rtmpkit_strerror(err));
        free(to);
        return;
    }
    free_url(s->move_to);
    s->move_to = to;
    rtmpkit_url_format_redacted(to, s->cfg.publish, shown, sizeof shown);
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "the server asks us to reconnect to %s%s%s%s: moving%s",
                 shown, description[0] ? " (" : "", description, description[0] ? ")" : "",
                 s->cfg.publish ? " at the next keyframe" : "");
}

int rtmpkit_session_move_pending(rtmpkit_session *s)
{
    if (s->state == STATE_ACTIVE && !s->job)   /* a move under way keeps its place */
        take_move_request(s);
    return s->move_to != NULL;
}

/* Before an attempt after a failure: a pending move goes to its place at once (a new
 * client for it, the pointer kept). */
static void adopt_move_url(rtmpkit_session *s)
{
    rtmpkit_client *moved;
    take_move_request(s);
    if (!s->move_to || !(moved = rk_client_new_moved(s->client, s->move_to)))
        return;
    if (rk_client_swap(s->client, moved) < 0) {
        rtmpkit_client_free(moved);
        return;
    }
    rtmpkit_client_free(moved);   /* the failed connection's client */
    free_url(s->url);
    s->url = s->move_to;
    s->move_to = NULL;
    s->cfg.client.url = s->url;
    s->moves++;
}

/* The new place refused to publish the stream while we still publish it at the old
 * one (NetStream.Publish.BadName: the same server, or one that shares its streams). */
static int refused_as_taken(const rtmpkit_session *s, const rtmpkit_client *moved, int err)
{
    return s->cfg.publish && err == RTMPKIT_EPUBLISH_REFUSED
        && strcmp(rk_client_failed_code(moved), "NetStream.Publish.BadName") == 0;
}

/* Break before make, when make before break is refused as above: the old connection
 * ends (what it has queued goes) and the session waits as after a lost connection, its
 * attempts going to the new place: a few soon, while the server lets go of the old
 * stream (MOVE_TAKEN_TRIES, whatever the policy), then the policy's. They are made by
 * rtmpkit_session_poll, so the caller goes on reading its input meanwhile. */
static void leave_for_taken_place(rtmpkit_session *s)
{
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "the new place refuses a second publisher of the stream: "
                 "ending this connection first");
    rtmpkit_client_close(s->client);
    s->taken_tries = MOVE_TAKEN_TRIES;
    s->attempt_at_ms = rtmpkit_monotonic_ms() + MOVE_TAKEN_WAIT_MS;
    s->state = STATE_WAITING;
}

static void *connect_thread(void *arg)
{
    struct connect_job *job = arg;
    job->err = start_on(job->session, job->client);
    atomic_store(&job->done, 1);
    return NULL;
}

/* A job connecting client, in a thread when one can be had (else done before this
 * returns: the caller waited for it). NULL when out of memory. */
static struct connect_job *connect_job_start(rtmpkit_session *s, rtmpkit_client *client)
{
    struct connect_job *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->session = s;
    job->client = client;
    if (!s->inline_connects && pthread_create(&job->thread, NULL, connect_thread, job) == 0)
        job->threaded = 1;
    else
        connect_thread(job);
    return job;
}

/* Waits for the job's thread (at once when its work is done). Returns how it went. */
static int connect_job_join(struct connect_job *job)
{
    if (job->threaded)
        pthread_join(job->thread, NULL);
    job->threaded = 0;
    return job->err;
}

/* Forgets the pending move after a failure to start it (logged here). Returns err. */
static int forget_move(rtmpkit_session *s, const rtmpkit_client *moved, int err)
{
    char shown[RTMPKIT_MAX_TC_URL + 64];
    rtmpkit_url_format_redacted(s->move_to, s->cfg.publish, shown, sizeof shown);
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_WARN, "cannot reconnect to %s as the server asked (%s); "
                 "staying on this connection", shown,
                 moved ? rtmpkit_client_error_message(moved) : rtmpkit_strerror(err));
    free_url(s->move_to);
    s->move_to = NULL;
    return err;
}

int rtmpkit_session_move_start(rtmpkit_session *s)
{
    rtmpkit_client *moved;
    if (s->job)
        return 0;
    if (!s->move_to || s->state != STATE_ACTIVE || s->left)
        return RTMPKIT_EINTERNAL;
    if (!(moved = rk_client_new_moved(s->client, s->move_to)))
        return forget_move(s, NULL, RTMPKIT_ENOMEM);
    if (!(s->job = connect_job_start(s, moved))) {
        rtmpkit_client_free(moved);
        return forget_move(s, NULL, RTMPKIT_ENOMEM);
    }
    return 0;
}

/* Waits for the move's thread (at once when its work is done). Returns the job, taken
 * from the session (the caller frees it and its client). */
static struct connect_job *move_join(rtmpkit_session *s)
{
    struct connect_job *job = s->job;
    if (job)
        connect_job_join(job);
    s->job = NULL;
    return job;
}

/* A move under way is dropped (its new connection closed); the request stays pending. */
static void move_abandon(rtmpkit_session *s)
{
    struct connect_job *job = move_join(s);
    if (!job)
        return;
    rtmpkit_client_close(job->client);
    rtmpkit_client_free(job->client);
    free(job);
}

/* One log line: the stream goes on at the session's URL, where a move took it. */
static void log_new_place(const rtmpkit_session *s)
{
    char shown[RTMPKIT_MAX_TC_URL + 64];
    rtmpkit_url_format_redacted(current_url(s), s->cfg.publish, shown, sizeof shown);
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "%s at %s", s->cfg.publish ? "publishing" : "playing", shown);
}

/* The session's client now talks to the new place; old (the same client's former self)
 * is kept aside for rtmpkit_session_move_finish. */
static void moved_to_new_place(rtmpkit_session *s, rtmpkit_client *old)
{
    s->left = old;   /* closed already after a break before make */
    s->left_url = s->url;
    s->url = s->move_to;
    s->move_to = NULL;
    s->cfg.client.url = s->url;
    s->moves++;
    s->last_media_ms = s->probe_at_ms = 0;
    log_new_place(s);
}

int rtmpkit_session_move_switch(rtmpkit_session *s)
{
    struct connect_job *job;
    rtmpkit_client *moved;
    int err;
    if (!s->job)
        return RTMPKIT_EINTERNAL;
    if (!atomic_load(&s->job->done))
        return RTMPKIT_EAGAIN;
    job = move_join(s);
    moved = job->client;
    err = job->err;
    free(job);
    if (err < 0 && refused_as_taken(s, moved, err)) {
        rtmpkit_client_free(moved);
        leave_for_taken_place(s);
        return RTMPKIT_ENETWORK;
    }
    if (err >= 0)
        err = rk_client_swap(s->client, moved);
    if (err < 0) {
        forget_move(s, moved, err);
        rtmpkit_client_free(moved);
        return err;
    }
    moved_to_new_place(s, moved);
    return 0;
}

void rtmpkit_session_move_finish(rtmpkit_session *s)
{
    if (!s->left)
        return;
    rtmpkit_client_close(s->left);   /* FCUnpublish, deleteStream, what is queued goes */
    rtmpkit_client_free(s->left);
    free_url(s->left_url);
    s->left = NULL;
    s->left_url = NULL;
}

int rtmpkit_session_moves(const rtmpkit_session *s)
{
    return s->moves;
}

/* After a failure the policy retries: counts the attempt, logs it, sets its time. */
static void schedule_attempt(rtmpkit_session *s, int err, int *delay_ms)
{
    const rtmpkit_reconnect_policy *p = &s->cfg.reconnect;
    char of[32] = "";
    s->attempt++;
    s->early_closes = is_early_close_after_run(s, err) ? s->early_closes + 1 : 0;
    *delay_ms = rk_reconnect_delay_ms(&s->cfg.reconnect, s->attempt, &s->seed);
    s->attempt_at_ms = rtmpkit_monotonic_ms() + (uint64_t)*delay_ms;
    s->state = STATE_WAITING;
    if (p->attempts != RTMPKIT_RECONNECT_FOREVER)
        snprintf(of, sizeof of, " of %d", p->attempts);
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_WARN, "%s (%s); reconnecting in %.1f s (attempt %d%s)",
                 s->why ? s->why : rtmpkit_client_error_message(s->client), rtmpkit_error_name(err),
                 (double)*delay_ms / 1000, s->attempt, of);
}

/* Before an attempt: closes what is left of the failed connection; the attempt goes to
 * the place a ReconnectRequest named, if one was pending. */
static void prepare_attempt(rtmpkit_session *s)
{
    rtmpkit_client_close(s->client);
    s->reconnected = 1;
    s->wire_offset = 0;
    memset(s->seen_frame, 0, sizeof s->seen_frame);
    move_abandon(s);   /* a move under way: its attempt goes to the new place instead */
    adopt_move_url(s);
}

/* An attempt went as err says: the stream is back when it went well. Returns err. */
static int attempt_done(rtmpkit_session *s, int err)
{
    if (err < 0)
        return err;
    streaming(s);
    if (s->taken_tries) {   /* a move, not a reconnect */
        s->taken_tries = 0;
        log_new_place(s);
        return 0;
    }
    s->reconnects++;
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "%s again after %d attempt%s",
                 s->cfg.publish ? "publishing" : "playing", s->attempt, s->attempt == 1 ? "" : "s");
    return 0;
}

/* One attempt, waited for. */
static int attempt_now(rtmpkit_session *s)
{
    prepare_attempt(s);
    return attempt_done(s, start_on(s, s->client));
}

/* rtmpkit_session_poll's attempt, made in a thread once its time has come so that the
 * caller goes on meanwhile. Returns 0 while it has not begun or is under way, or 1 when
 * it is over, *err saying how it went. */
static int attempt_in_background(rtmpkit_session *s, int *err)
{
    struct connect_job *job = s->attempt_job;
    if (!job) {
        if (rtmpkit_monotonic_ms() < s->attempt_at_ms)
            return 0;
        prepare_attempt(s);
        if (!(job = s->attempt_job = connect_job_start(s, s->client))) {
            *err = RTMPKIT_ENOMEM;
            return 1;
        }
    }
    if (!atomic_load(&job->done))
        return 0;
    *err = attempt_done(s, connect_job_join(job));
    free(job);
    s->attempt_job = NULL;
    return 1;
}

/* An attempt under way is waited for (a cancel ends it at once) and forgotten. */
static void attempt_abandon(rtmpkit_session *s)
{
    if (!s->attempt_job)
        return;
    connect_job_join(s->attempt_job);
    free(s->attempt_job);
    s->attempt_job = NULL;
}

int rtmpkit_session_recover(rtmpkit_session *s, int err)
{
    int delay_ms;
    while (err < 0 && should_retry(s, err)) {
        schedule_attempt(s, err, &delay_ms);
        if ((err = sleep_until(s, s->attempt_at_ms, 0)) < 0)
            break;
        err = attempt_now(s);
    }
    s->attempt = 0;
    if (err < 0)
        s->state = STATE_FAILED;
    return err < 0 ? err : 0;
}

int rtmpkit_session_lost(rtmpkit_session *s, int err, const char *why)
{
    int delay_ms;
    if (s->state != STATE_ACTIVE)
        return s->state == STATE_WAITING ? 0 : RTMPKIT_EINTERNAL;
    if (!should_retry(s, err)) {
        s->state = STATE_FAILED;
        s->last_error = err;
        return err;
    }
    s->why = why;
    schedule_attempt(s, err, &delay_ms);
    s->why = NULL;
    rk_client_abort(s->client);   /* the socket goes now; the attempt does not wait on it */
    return 0;
}

int rtmpkit_session_poll(rtmpkit_session *s)
{
    int err, delay_ms;
    if (s->state == STATE_ACTIVE)
        return 0;
    if (s->state != STATE_WAITING)
        return s->last_error < 0 ? s->last_error : RTMPKIT_EINTERNAL;
    if (cancelled(s)) {
        attempt_abandon(s);
        s->state = STATE_FAILED;
        return s->last_error = RTMPKIT_ECANCELLED;
    }
    if (!attempt_in_background(s, &err))
        return RTMPKIT_EAGAIN;
    if (err >= 0) {
        s->attempt = 0;
        return 0;
    }
    if (s->taken_tries > 1 && refused_as_taken(s, s->client, err)) {
        s->taken_tries--;
        s->attempt_at_ms = rtmpkit_monotonic_ms() + MOVE_TAKEN_WAIT_MS;
        return RTMPKIT_EAGAIN;
    }
    s->taken_tries = 0;
    if (!should_retry(s, err)) {
        s->state = STATE_FAILED;
        s->attempt = 0;
        return s->last_error = err;
    }
    schedule_attempt(s, err, &delay_ms);
    return RTMPKIT_EAGAIN;
}

int rtmpkit_session_reconnecting(const rtmpkit_session *s)
{
    return s->state == STATE_WAITING;
}

int rtmpkit_session_start(rtmpkit_session *s)
{
    return rtmpkit_session_recover(s, connect_and_start(s));
}

/* After a failure: a RECONNECTING event (1) when the policy retries it, else the error,
 * which ends the session. */
static int after_failure(rtmpkit_session *s, rtmpkit_session_event *ev, int err)
{
    if (!should_retry(s, err)) {
        s->state = STATE_FAILED;
        return err;
    }
    ev->type = RTMPKIT_SESSION_RECONNECTING;
    ev->error = err;
    schedule_attempt(s, err, &ev->delay_ms);
    ev->attempt = s->attempt;
    return 1;
}

/* WAITING: the attempt once its time has come. */
static int next_attempt(rtmpkit_session *s, rtmpkit_session_event *ev, int timeout_ms)
{
    int n = sleep_until(s, s->attempt_at_ms, timeout_ms), attempt = s->attempt;
    if (n <= 0)
        return n < 0 ? n : RTMPKIT_EAGAIN;
    if ((n = attempt_now(s)) < 0)
        return after_failure(s, ev, n);
    /* The attempts are counted until media flows again: a server that starts the stream
     * and then stays silent is not a success each time (it would be retried for ever). */
    ev->type = RTMPKIT_SESSION_RESUMED;
    ev->attempt = attempt;
    return 1;
}

/* Whether the media is watched for its end: on, and media came on this connection. */
static int watching(const rtmpkit_session *s)
{
    return s->cfg.no_media_end_ms > 0 && !s->cfg.publish && s->last_media_ms;
}

/* The time by which something must happen: media (or else a probe is sent), or an answer
 * to the probe. */
static uint64_t watch_deadline(const rtmpkit_session *s)
{
    return (s->probe_at_ms ? s->probe_at_ms : s->last_media_ms) + (uint64_t)s->cfg.no_media_end_ms;
}

/* No media before the watch deadline: ask the server, or judge its answer (any byte
 * since the question). Returns EAGAIN (the wait goes on), 1 with a NO_MEDIA or
 * RECONNECTING event, or an error. */
static int media_stopped(rtmpkit_session *s, rtmpkit_session_event *ev)
{
    int err;
    if (s->probe_at_ms && rk_client_last_read_ms(s->client) >= s->probe_at_ms) {
        s->last_media_ms = s->probe_at_ms = 0;   /* said once; watched again when media comes */
        ev->type = RTMPKIT_SESSION_NO_MEDIA;
        return 1;
    }
    if (rtmpkit_monotonic_ms() < watch_deadline(s))
        return RTMPKIT_EAGAIN;
    if (!s->probe_at_ms) {
        s->probe_at_ms = rtmpkit_monotonic_ms();
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_DEBUG, "no media for %.1f s: does the server still talk?",
                     (double)s->cfg.no_media_end_ms / 1000);
        return (err = rk_client_probe(s->client)) < 0 ? after_failure(s, ev, err) : RTMPKIT_EAGAIN;
    }
    err = rk_client_fail(s->client, RTMPKIT_ETIMEOUT, "the server went silent: no byte for %.1f s",
                         (double)(rtmpkit_monotonic_ms() - rk_client_last_read_ms(s->client)) / 1000);
    return after_failure(s, ev, err);
}

/* The next event of the session's client, its media times on the clock handed out
 * (wire_offset). As rtmpkit_client_next_event_timeout. */
static int client_event(rtmpkit_session *s, rtmpkit_event *e, int timeout_ms)
{
    int n = rtmpkit_client_next_event_timeout(s->client, e, timeout_ms);
    if (n == 1 && e->type == RTMPKIT_EVENT_MEDIA)
        e->timestamp += (uint32_t)s->wire_offset;
    return n;
}

/* ---- a player's move, make before break (struct play_move) ---- */

static int track_of(uint8_t type)
{
    return type == RTMPKIT_FLV_AUDIO ? 0 : type == RTMPKIT_FLV_VIDEO ? 1 : 2;
}

/* Wire time a after b (32-bit times wrap). */
static int32_t wire_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/* A media event handed out: a frame's wire time is kept, per track. */
static void note_frame(rtmpkit_session *s, const rtmpkit_event *e)
{
    rtmpkit_tag_header th;
    int t = track_of(e->media_type);
    if (t < 2 && rtmpkit_tag_parse(e->media_type, e->data, e->length, &th) > 0 && th.frame) {
        s->seen_frame[t] = 1;
        s->last_frame[t] = e->timestamp;
    }
}

static void play_move_free(struct play_move *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->q[i].data);
    free(m->q);
    if (m->next) {
        rtmpkit_client_close(m->next);
        rtmpkit_client_free(m->next);
    }
    free(m);
}

/* The move is given up (logged by the caller or here): the new place's connection goes,
 * the old one goes on, or, when it is over, its end or failure is handed out now. Returns
 * 0 (go on), 1 with *ev, or an error. */
static int play_move_fail(rtmpkit_session *s, rtmpkit_session_event *ev, const char *why)
{
    struct play_move *m = s->play;
    int over = m->old_over, err = m->old_err;
    if (why) {
        char shown[RTMPKIT_MAX_TC_URL + 64];
        rtmpkit_url_format_redacted(s->move_to, 0, shown, sizeof shown);
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_WARN, "cannot play at %s as the server asked (%s); "
                     "staying on this connection", shown, why);
    }
    if (over && !err) {
        ev->type = RTMPKIT_SESSION_EVENT;
        ev->event = m->old_end;
        snprintf(s->end_code, sizeof s->end_code, "%s", m->old_code);
        ev->event.code = s->end_code;
        ev->event.description = "";
    }
    play_move_free(m);   /* before the URL its connection uses */
    s->play = NULL;
    free_url(s->move_to);
    s->move_to = NULL;
    if (over && err)
        return after_failure(s, ev, err);
    return over ? 1 : 0;
}

/* FNV-1a over a tag body: the same frame at two places. */
static uint64_t payload_hash(const uint8_t *p, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Holds a media tag of the new place (a copy). Returns 0, or -1 when the hold is full. */
static int hold_new(struct play_move *m, const rtmpkit_event *e)
{
    struct held_media *h;
    rtmpkit_tag_header th;
    if (m->n == MOVE_HOLD_MAX_TAGS || m->bytes + e->length > MOVE_HOLD_MAX_BYTES)
        return -1;
    if (!m->q && !(m->q = calloc(MOVE_HOLD_MAX_TAGS, sizeof *m->q)))
        return -1;
    h = &m->q[m->n];
    memset(h, 0, sizeof *h);
    if (!(h->data = malloc(e->length ? e->length : 1)))
        return -1;
    memcpy(h->data, e->data, e->length);
    h->len = e->length;
    h->type = e->media_type;
    h->ts = e->timestamp;
    if (e->media_type != RTMPKIT_FLV_DATA && rtmpkit_tag_parse(e->media_type, e->data, e->length, &th) > 0) {
        h->config = th.config;
        h->frame = th.frame;
        h->key = th.frame && th.keyframe;
        if (h->frame)
            h->hash = payload_hash(e->data, e->length);
    }
    m->n++;
    m->bytes += e->length;
    return 0;
}

/* A held tag's wire time on the old place's clock. */
static uint32_t old_clock(const struct play_move *m, const struct held_media *h)
{
    return h->ts + (uint32_t)m->offset;
}

/* Where the old place sent a frame of track t with these bytes: its wire time, or -1
 * when it sent none, or more than one (a still picture, silence: no telling which). */
static int64_t old_time_of(const struct play_move *m, int t, uint64_t hash)
{
    size_t n = m->old_count[t] < MOVE_MATCH_FRAMES ? m->old_count[t] : MOVE_MATCH_FRAMES;
    int64_t at = -1;
    for (size_t k = 0; k < n; k++) {
        if (m->old_hash[t][k] != hash)
            continue;
        if (at >= 0)
            return -1;
        at = m->old_ts[t][k];
    }
    return at;
}

/* Decides the new place's clock (see struct play_move): a frame of the track t (video,
 * or audio in a stream without video) both places sent gives the offset; without one
 * (the old place over, or none within MOVE_MATCH_MS of the new place's start) its first
 * frame's distance from the old place's last on the track. */
static void find_clock(struct play_move *m, int t, uint64_t now)
{
    const struct held_media *first = NULL;
    for (size_t i = 0; i < m->n && m->same_clock < 0; i++) {
        const struct held_media *h = &m->q[i];
        int64_t old_ts;
        if (track_of(h->type) != t || !h->frame)
            continue;
        if (!first)
            first = h;
        if ((old_ts = old_time_of(m, t, h->hash)) >= 0) {
            m->offset = wire_diff((uint32_t)old_ts, h->ts);
            m->same_clock = 1;
        }
    }
    if (m->same_clock >= 0 || !first
        || (m->seen_old[t] && !m->old_over && now - m->since_ms < MOVE_MATCH_MS))
        return;   /* the old place may yet send a frame the new one has */
    m->same_clock = m->seen_old[t] && abs(wire_diff(first->ts, m->last_old[t])) <= MOVE_SAME_CLOCK_MS;
}

/* Looks for the switch tag among the held ones (see struct play_move). */
static void find_switch(struct play_move *m, uint64_t now)
{
    int t = m->seen_old[1], overlap = 0;
    for (size_t i = 0; i < m->n; i++)
        t |= m->q[i].type == RTMPKIT_FLV_VIDEO && m->q[i].frame;
    find_clock(m, t, now);
    for (size_t i = 0; i < m->n && m->at < 0 && m->same_clock >= 0; i++) {
        const struct held_media *h = &m->q[i];
        int32_t past_old = wire_diff(old_clock(m, h), m->last_old[t]);
        if (track_of(h->type) != t || !h->frame)
            continue;
        if (m->same_clock && past_old == 0)
            overlap = 1;   /* the old place's last frame, sent again */
        if ((t == 1 && !h->key && !overlap) || (m->same_clock && past_old <= 0))
            continue;
        m->at = (long)i;
    }
}

/* The new place's events that are there now: media held, the rest dropped (the caller
 * had them from the old place). Returns 0, or an error of the new connection. */
static int read_new_place(struct play_move *m)
{
    rtmpkit_event e;
    int n;
    while ((n = rtmpkit_client_next_event_timeout(m->next, &e, 1)) == 1) {
        if (e.type == RTMPKIT_EVENT_STREAM_END) {   /* held as a tag of type 0 */
            e.media_type = 0;
            e.data = (const uint8_t *)e.code;
            e.length = strlen(e.code) + 1;
        }
        if ((e.type == RTMPKIT_EVENT_MEDIA || e.type == RTMPKIT_EVENT_STREAM_END) && hold_new(m, &e) < 0)
            return RTMPKIT_ELIMIT;
    }
    return n == RTMPKIT_EAGAIN ? 0 : n;
}

/* The switch: the session's client plays at the new place, the old connection is closed,
 * a MOVED event; the held tags follow (next_held). */
static int play_switch(rtmpkit_session *s, rtmpkit_session_event *ev)
{
    struct play_move *m = s->play;
    ev->aligned = m->at >= 0 && m->same_clock == 1;
    if (!ev->aligned)
        m->offset = 0;   /* not aligned: the new place's times as they come */
    s->wire_offset = m->offset;
    if (m->at < 0)
        m->at = (long)m->n;   /* nothing to align with: the new place's stream as it comes */
    if (rk_client_swap(s->client, m->next) < 0)
        return play_move_fail(s, ev, rtmpkit_strerror(RTMPKIT_ENOMEM));
    moved_to_new_place(s, m->next);
    m->next = NULL;
    rtmpkit_session_move_finish(s);
    m->switched = 1;
    ev->type = RTMPKIT_SESSION_MOVED;
    return 1;
}

/* After the switch: the next held tag the caller gets (sequence headers and data all;
 * video from the switch tag on; audio past the old place's last on the same clock, else
 * from the switch tag on; the new place's end of stream). Returns 1 with *ev, or 0 when
 * none is left. */
static int next_held(rtmpkit_session *s, rtmpkit_session_event *ev)
{
    struct play_move *m = s->play;
    while (m->out < m->n) {
        const struct held_media *h = &m->q[m->out++];
        int after = (long)(m->out - 1) >= m->at;
        if (!h->config && h->type == RTMPKIT_FLV_AUDIO && m->same_clock == 1 && (m->seen_old[0] || m->seen_old[1]))
            after = wire_diff(old_clock(m, h), m->last_old[m->seen_old[0] ? 0 : 1]) > 0;
        if (!h->config && h->type != RTMPKIT_FLV_DATA && h->type != 0 && !after)
            continue;
        memset(&ev->event, 0, sizeof ev->event);
        ev->type = RTMPKIT_SESSION_EVENT;
        ev->event.type = h->type ? RTMPKIT_EVENT_MEDIA : RTMPKIT_EVENT_STREAM_END;
        ev->event.stream = -1;
        ev->event.media_type = h->type;
        ev->event.timestamp = old_clock(m, h);
        ev->event.data = h->data;
        ev->event.length = h->len;
        ev->event.code = ev->event.description = ev->event.tc_url = "";
        if (!h->type) {
            ev->event.code = (const char *)h->data;
            ev->event.data = NULL;
            ev->event.length = 0;
        }
        note_frame(s, &ev->event);
        s->last_media_ms = rtmpkit_monotonic_ms();
        return 1;
    }
    return 0;
}

/* An event of the old place during the move. Returns 1 to hand it out, 0 when it is
 * kept back (the end of its stream, or a tag past the switch: the switch is due). */
static int old_place_event(struct play_move *m, const rtmpkit_event *e, int *switch_now)
{
    rtmpkit_tag_header th;
    int t = track_of(e->media_type);
    if (e->type == RTMPKIT_EVENT_STREAM_END) {
        m->old_over = 1;
        m->old_end = *e;
        snprintf(m->old_code, sizeof m->old_code, "%s", e->code ? e->code : "");
        return 0;
    }
    if (e->type != RTMPKIT_EVENT_MEDIA || t == 2 || rtmpkit_tag_parse(e->media_type, e->data, e->length, &th) <= 0
        || !th.frame)
        return 1;
    if (m->at >= 0 && m->same_clock == 1 && t == track_of(m->q[m->at].type)
        && wire_diff(e->timestamp, old_clock(m, &m->q[m->at])) >= 0) {
        *switch_now = 1;   /* the old place has reached the switch: this tag comes from the new */
        return 0;
    }
    m->seen_old[t] = 1;
    m->last_old[t] = e->timestamp;
    m->old_hash[t][m->old_count[t] % MOVE_MATCH_FRAMES] = payload_hash(e->data, e->length);
    m->old_ts[t][m->old_count[t] % MOVE_MATCH_FRAMES] = e->timestamp;
    m->old_count[t]++;
    return 1;
}

/* One wait of a player whose move is under way: the new connection being made (the old
 * one read meanwhile), then both read until the switch, then the held tags. Returns as
 * active_event does. */
static int moving_event(rtmpkit_session *s, rtmpkit_session_event *ev, uint64_t give_up)
{
    struct play_move *m = s->play;
    uint64_t now = rtmpkit_monotonic_ms();
    int n, switch_now = 0, wait_ms;
    if (cancelled(s))
        return RTMPKIT_ECANCELLED;
    if (m->switched) {
        if (next_held(s, ev))
            return 1;
        play_move_free(m);
        s->play = NULL;
        return RTMPKIT_EAGAIN;   /* the caller waits on the new connection as usual */
    }
    if (s->job && atomic_load(&s->job->done)) {
        struct connect_job *job = move_join(s);
        m->next = job->client;
        n = job->err;
        free(job);
        m->since_ms = now;
        if (n < 0) {
            char why[300];
            snprintf(why, sizeof why, "%s", rtmpkit_client_error_message(m->next));
            return play_move_fail(s, ev, why);
        }
    }
    if (m->next) {
        if ((n = read_new_place(m)) < 0)
            return play_move_fail(s, ev, rtmpkit_client_error_message(m->next));
        find_switch(m, now);
        if ((m->at >= 0 && (m->same_clock != 1 || m->old_over)) || now - m->since_ms > MOVE_ALIGN_MS)
            return play_switch(s, ev);
    }
    if (m->old_over) {   /* nothing more from the old place: wait for the new one */
        struct timespec step = { 0, MOVE_STEP_MS * 1000000L };
        nanosleep(&step, NULL);
        return RTMPKIT_EAGAIN;
    }
    wait_ms = give_up > now && give_up - now < MOVE_STEP_MS ? (int)(give_up - now) : MOVE_STEP_MS;
    n = client_event(s, &ev->event, wait_ms > 0 ? wait_ms : 1);
    if (n == RTMPKIT_EAGAIN)
        return n;
    if (n < 0) {   /* the old place is gone: the new one takes over as soon as it can */
        m->old_over = 1;
        m->old_err = n;
        return RTMPKIT_EAGAIN;
    }
    if (!old_place_event(m, &ev->event, &switch_now))
        return switch_now ? play_switch(s, ev) : RTMPKIT_EAGAIN;
    ev->type = RTMPKIT_SESSION_EVENT;
    if (ev->event.type == RTMPKIT_EVENT_MEDIA) {
        note_frame(s, &ev->event);
        s->last_media_ms = rtmpkit_monotonic_ms();
    }
    return 1;
}

/* A ReconnectRequest the session follows: the new connection is started (in its own
 * thread) and the move goes on in moving_event. Returns 0, or -1 when it could not start
 * (logged). */
static int begin_play_move(rtmpkit_session *s)
{
    if (!(s->play = calloc(1, sizeof *s->play))) {
        forget_move(s, NULL, RTMPKIT_ENOMEM);
        return -1;
    }
    s->play->at = -1;
    s->play->same_clock = -1;
    memcpy(s->play->seen_old, s->seen_frame, sizeof s->seen_frame);
    memcpy(s->play->last_old, s->last_frame, sizeof s->last_frame);
    if (rtmpkit_session_move_start(s) < 0) {
        free(s->play);
        s->play = NULL;
        return -1;
    }
    return 0;
}

/* One wait of an active session, until give_up at most (and shorter while the media is
 * watched: its deadline, and short steps while a probe's answer is awaited). */
static int active_event(rtmpkit_session *s, rtmpkit_session_event *ev, uint64_t give_up)
{
    uint64_t now = rtmpkit_monotonic_ms(), until = give_up;
    int n;
    if (s->play)
        return moving_event(s, ev, give_up);
    if (watching(s)) {
        uint64_t due = watch_deadline(s);
        if (due < until)
            until = due;
        if (s->probe_at_ms && now + PROBE_STEP_MS < until)
            until = now + PROBE_STEP_MS;
    }
    n = client_event(s, &ev->event, until == UINT64_MAX ? 0 : until > now ? (int)(until - now) : 1);
    if (n == 1 && ev->event.type == RTMPKIT_EVENT_RECONNECT_REQUEST && rtmpkit_session_move_pending(s))
        begin_play_move(s);   /* the request is handed out as an event too */
    if (n == 1) {
        ev->type = RTMPKIT_SESSION_EVENT;
        if (ev->event.type == RTMPKIT_EVENT_MEDIA) {
            note_frame(s, &ev->event);
            s->last_media_ms = rtmpkit_monotonic_ms();
            s->probe_at_ms = 0;
            s->attempt = 0;   /* flowing again: the next failure starts a new count */
        }
        return 1;
    }
    if (n != RTMPKIT_EAGAIN)
        return after_failure(s, ev, n);
    return watching(s) ? media_stopped(s, ev) : n;
}

int rtmpkit_session_next_event(rtmpkit_session *s, rtmpkit_session_event *ev, int timeout_ms)
{
    uint64_t give_up = timeout_ms > 0 ? rtmpkit_monotonic_ms() + (uint64_t)timeout_ms : UINT64_MAX;
    int n;
    ev->type = 0;
    ev->error = ev->delay_ms = ev->attempt = ev->aligned = 0;
    if (s->state == STATE_WAITING)
        return next_attempt(s, ev, timeout_ms);
    if (s->state != STATE_ACTIVE)
        return RTMPKIT_EINTERNAL;
    /* The media watch cuts the waits short: wait again until the caller's time is up. */
    while ((n = active_event(s, ev, give_up)) == RTMPKIT_EAGAIN && rtmpkit_monotonic_ms() < give_up)
        ;
    return n;
}
