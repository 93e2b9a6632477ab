/* The non-blocking play session (see rtmpkit/nbsession.h): rtmpkit_session's policy over
 * the engine, driven by the caller's poll() instead of waits of its own. */
#include "rtmpkit/nbsession.h"

#include <netdb.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log_internal.h"
#include "session_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "tls.h"
#include "transport.h"

#define READ_BUFFER_SIZE   (16 * 1024)
#define READS_PER_STEP     8       /* then the others get their turn (want() asks for a step at once) */
#define PROBE_STEP_MS      50      /* how often a probe's answer is looked for */
/* A server that closes this soon after Play.Start, before any media, refused the stream
 * (as in client.c: node-media-server checks its ?sign= token after Start). */
#define REFUSAL_WINDOW_MS  2000

enum nb_state { NB_WAITING, NB_TCP, NB_TLS, NB_RTMP, NB_ACTIVE, NB_FAILED };

struct rtmpkit_nbsession {
    rtmpkit_session_config cfg;
    rtmpkit_conn_config conn_cfg;
    struct rk_tls_options tls;
    enum nb_state state;
    rtmpkit_conn *conn;            /* a fresh engine per attempt; NULL before the first */
    rk_transport *transport;
    struct addrinfo *addrs;        /* NB_TCP: the addresses of this attempt ... */
    struct addrinfo *next_addr;    /* ... and the next to try */
    int tcp_fd;                    /* NB_TCP: the socket connecting; -1: none */
    short tls_events;              /* NB_TLS: what the handshake waits for */
    int stream;                    /* the play stream's handle; -1: none */
    int connected;                 /* CONNECTED came on this connection */
    int started_once;              /* Play.Start came at least once */
    int attempt;                   /* attempts since the last failure (reset when media flows) */
    int reconnects;
    int last_error;                /* NB_FAILED: why */
    int insecure_warned;
    uint64_t deadline_ms;          /* NB_TCP / NB_TLS / NB_RTMP: give up then */
    uint64_t attempt_at_ms;        /* NB_WAITING: attempt then */
    uint64_t last_read_ms;
    uint64_t started_ms;           /* Play.Start on this connection; 0: not yet */
    int media_seen;                /* media on this connection */
    uint64_t last_media_ms, probe_at_ms;   /* the media watch (no_media_end_ms) */
    unsigned int seed;
    uint8_t in[READ_BUFFER_SIZE];
    size_t in_start, in_end;
    int more;                      /* the last step stopped reading with bytes maybe left
                                    * (TLS holds decrypted bytes poll() cannot see) */
    char error[600];
};

static int or_default(int value, int dflt)
{
    return value > 0 ? value : dflt;
}

static int set_error(rtmpkit_nbsession *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records a one-line reason for err (scrubbed of secrets) and returns err. */
static int set_error(rtmpkit_nbsession *s, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rk_log_vformat(s->cfg.client.log, s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    return err;
}

rtmpkit_nbsession *rtmpkit_nbsession_new(const rtmpkit_session_config *cfg)
{
    rtmpkit_nbsession *s;
    if (!cfg || !cfg->stream || cfg->publish || !cfg->client.url ||
        cfg->reconnect.attempts < RTMPKIT_RECONNECT_FOREVER)
        return NULL;
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->cfg = *cfg;
    s->cfg.client.connect_timeout_ms = or_default(cfg->client.connect_timeout_ms, RTMPKIT_DEFAULT_CONNECT_TIMEOUT_MS);
    s->cfg.client.handshake_timeout_ms = or_default(cfg->client.handshake_timeout_ms,
                                                    RTMPKIT_DEFAULT_HANDSHAKE_TIMEOUT_MS);
    s->cfg.client.idle_timeout_ms = or_default(cfg->client.idle_timeout_ms, RTMPKIT_DEFAULT_IDLE_TIMEOUT_MS);
    s->cfg.reconnect.first_delay_ms = or_default(cfg->reconnect.first_delay_ms, RTMPKIT_RECONNECT_DEFAULT_FIRST_MS);
    s->cfg.reconnect.max_delay_ms = or_default(cfg->reconnect.max_delay_ms, RTMPKIT_RECONNECT_DEFAULT_MAX_MS);
    if (s->cfg.reconnect.factor < 1)
        s->cfg.reconnect.factor = RTMPKIT_RECONNECT_DEFAULT_FACTOR;
    s->conn_cfg = cfg->client.conn;
    s->conn_cfg.publisher = 0;
    if (!s->conn_cfg.app)
        s->conn_cfg.app = cfg->client.url->app;
    if (!s->conn_cfg.tc_url)
        s->conn_cfg.tc_url = cfg->client.url->tc_url;
    if (!s->conn_cfg.log)
        s->conn_cfg.log = cfg->client.log;
    s->tls = (struct rk_tls_options){ .host = cfg->client.url->host, .ca_file = cfg->client.ca_file,
                                      .ca_path = cfg->client.ca_path, .insecure = cfg->client.insecure };
    s->tcp_fd = -1;
    s->stream = -1;
    s->state = NB_WAITING;
    s->attempt_at_ms = rtmpkit_monotonic_ms();
    s->seed = (unsigned int)s->attempt_at_ms ^ (unsigned int)(uintptr_t)s;
    return s;
}

/* Drops the connection of the current attempt (socket, addresses, engine kept for its
 * error message until the next attempt). */
static void drop_connection(rtmpkit_nbsession *s)
{
    if (s->transport)
        s->transport->ops->close(s->transport);
    s->transport = NULL;
    if (s->tcp_fd >= 0)
        close(s->tcp_fd);
    s->tcp_fd = -1;
    if (s->addrs)
        freeaddrinfo(s->addrs);
    s->addrs = s->next_addr = NULL;
    s->in_start = s->in_end = 0;
    s->stream = -1;
    s->connected = 0;
    s->started_ms = 0;
    s->media_seen = 0;
    s->last_media_ms = s->probe_at_ms = 0;
}

void rtmpkit_nbsession_free(rtmpkit_nbsession *s)
{
    if (!s)
        return;
    if (s->transport && s->conn && s->stream >= 0 && rtmpkit_conn_close_stream(s->conn, s->stream) >= 0) {
        size_t len;
        const uint8_t *data = rtmpkit_conn_output(s->conn, &len);
        if (len)   /* best effort: whatever the socket takes now */
            s->transport->ops->write(s->transport, data, len);
    }
    drop_connection(s);
    rtmpkit_conn_free(s->conn);
    free(s);
}

int rtmpkit_nbsession_playing(const rtmpkit_nbsession *s)
{
    return s->state == NB_ACTIVE;
}

int rtmpkit_nbsession_reconnecting(const rtmpkit_nbsession *s)
{
    return s->state != NB_FAILED && s->state != NB_ACTIVE && s->started_once;
}

int rtmpkit_nbsession_reconnects(const rtmpkit_nbsession *s)
{
    return s->reconnects;
}

const char *rtmpkit_nbsession_error_message(const rtmpkit_nbsession *s)
{
    return s->error[0] ? s->error : "no error";
}

/* ---- the policy (session.c's arithmetic) ---- */

static int should_retry(const rtmpkit_nbsession *s, int err)
{
    return rtmpkit_error_is_transient(err) && rk_reconnect_allows(&s->cfg.reconnect, s->attempt, s->started_once);
}

/* The attempt failed with err (its reason in s->error): a RECONNECTING event (1) when the
 * policy retries, else the error, which ends the session. */
static int failure(rtmpkit_nbsession *s, rtmpkit_session_event *ev, int err)
{
    const rtmpkit_reconnect_policy *p = &s->cfg.reconnect;
    char of[32] = "";
    drop_connection(s);
    if (!should_retry(s, err)) {
        s->state = NB_FAILED;
        return s->last_error = err;
    }
    s->attempt++;
    ev->type = RTMPKIT_SESSION_RECONNECTING;
    ev->error = err;
    ev->delay_ms = rk_reconnect_delay_ms(&s->cfg.reconnect, s->attempt, &s->seed);
    ev->attempt = s->attempt;
    s->attempt_at_ms = rtmpkit_monotonic_ms() + (uint64_t)ev->delay_ms;
    s->state = NB_WAITING;
    if (p->attempts != RTMPKIT_RECONNECT_FOREVER)
        snprintf(of, sizeof of, " of %d", p->attempts);
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_WARN, "%s (%s); reconnecting in %.1f s (attempt %d%s)",
                 rtmpkit_nbsession_error_message(s), rtmpkit_error_name(err), (double)ev->delay_ms / 1000,
                 s->attempt, of);
    return 1;
}

/* ---- connecting ---- */

/* Starts the TCP connect to the next address; the error of the last one when none is left. */
static int next_address(rtmpkit_nbsession *s, int err)
{
    const rtmpkit_url *url = s->cfg.client.url;
    while (s->next_addr) {
        struct addrinfo *ai = s->next_addr;
        int r;
        s->next_addr = ai->ai_next;
        if ((r = rk_tcp_connect_start(ai, &s->tcp_fd)) == 0)
            return 0;
        if (err != RTMPKIT_EREFUSED)
            err = r;
    }
    return set_error(s, err, "cannot connect to %s port %d: %s", url->host, url->port, rtmpkit_strerror(err));
}

/* The attempt's time has come: resolve (the one wait), start the TCP connect. */
static int begin_attempt(rtmpkit_nbsession *s)
{
    const rtmpkit_url *url = s->cfg.client.url;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
    char service[16];
    int gai, family = s->cfg.client.ip_family;

    s->error[0] = 0;
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "connecting to %s%s%s port %d", strchr(url->host, ':') ? "[" : "",
                 url->host, strchr(url->host, ':') ? "]" : "", url->port);
    if (url->tls && s->cfg.client.insecure && !s->insecure_warned) {
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_ERROR, "warning: TLS certificate verification is off (--insecure)");
        s->insecure_warned = 1;
    }
    hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    snprintf(service, sizeof service, "%d", url->port);
    gai = getaddrinfo(url->host, service, &hints, &s->addrs);
    if (gai != 0) {
        s->addrs = NULL;
        return set_error(s, gai == EAI_SYSTEM || gai == EAI_MEMORY ? RTMPKIT_ENETWORK : RTMPKIT_EDNS,
                         "cannot resolve %s: %s", url->host, gai_strerror(gai));
    }
    s->next_addr = s->addrs;
    s->state = NB_TCP;
    s->deadline_ms = rtmpkit_monotonic_ms() + (uint64_t)s->cfg.client.connect_timeout_ms;
    return next_address(s, RTMPKIT_ENETWORK);
}

/* TCP (and TLS) is up: a fresh engine starts the RTMP handshake. */
static int begin_rtmp(rtmpkit_nbsession *s)
{
    uint8_t random[1536];
    int err;
    rtmpkit_conn *conn = rtmpkit_conn_new(&s->conn_cfg);
    if (!conn)
        return set_error(s, RTMPKIT_ENOMEM, "out of memory");
    rtmpkit_conn_free(s->conn);
    s->conn = conn;
    if (RAND_bytes(random, sizeof random) != 1)
        return set_error(s, RTMPKIT_EINTERNAL, "no random bytes for the handshake");
    if ((err = rtmpkit_conn_start(s->conn, rtmpkit_monotonic_ms(), random)) < 0)
        return set_error(s, err, "%s", rtmpkit_conn_error_message(s->conn));
    s->state = NB_RTMP;
    s->last_read_ms = rtmpkit_monotonic_ms();
    s->deadline_ms = s->last_read_ms + (uint64_t)s->cfg.client.handshake_timeout_ms;
    return 0;
}

static int tls_step(rtmpkit_nbsession *s)
{
    char why[400] = "";
    int err = rk_tls_step(s->transport, &s->tls, &s->tls_events, why, sizeof why);
    if (err == RTMPKIT_EAGAIN)
        return err;
    if (err < 0)
        return set_error(s, err, "%s", why[0] ? why : rtmpkit_strerror(err));
    rk_tls_describe(s->transport, why, sizeof why);
    rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "TLS: %s, %s", why,
                 s->cfg.client.insecure ? "certificate not checked" : "certificate verified");
    return begin_rtmp(s);
}

/* NB_TCP: the connect finished (or failed); TLS or RTMP next. Returns 0, EAGAIN, or an error. */
static int tcp_ready(rtmpkit_nbsession *s)
{
    char why[400] = "";
    int fd = s->tcp_fd, err;
    s->tcp_fd = -1;
    if ((err = rk_tcp_connect_finish(fd, &s->transport)) < 0)
        return next_address(s, err);
    freeaddrinfo(s->addrs);
    s->addrs = s->next_addr = NULL;
    if (!s->cfg.client.url->tls)
        return begin_rtmp(s);
    {
        rk_transport *tcp = s->transport, *tls = NULL;
        if ((err = rk_tls_start(tcp, &s->tls, &tls, why, sizeof why)) < 0)
            return set_error(s, err, "%s", why[0] ? why : rtmpkit_strerror(err));
        s->transport = tls;
    }
    s->state = NB_TLS;
    s->deadline_ms = rtmpkit_monotonic_ms() + (uint64_t)s->cfg.client.handshake_timeout_ms;
    return tls_step(s);
}

/* ---- the connection ---- */

/* What the server closing the connection means at this point. */
static int connection_lost(rtmpkit_nbsession *s, const char *what)
{
    if (s->state == NB_RTMP && !rtmpkit_conn_handshake_done(s->conn))
        return set_error(s, RTMPKIT_EHANDSHAKE, "the server closed the connection during the handshake");
    if (s->state == NB_RTMP && !s->connected)
        /* nginx-rtmp closes the socket, without a word, on a connect to an unknown app. */
        return set_error(s, RTMPKIT_EUNKNOWN_APP,
                         "the server closed the connection after connect (unknown application \"%s\"?)",
                         s->cfg.client.url->app);
    if (s->started_ms && !s->media_seen && rtmpkit_monotonic_ms() - s->started_ms < REFUSAL_WINDOW_MS)
        return set_error(s, RTMPKIT_ESTREAM_ERROR, "the server closed the connection right after "
                         "NetStream.Play.Start: it refused the stream (a wrong or expired token?)");
    return set_error(s, RTMPKIT_ENETWORK, "%s", what);
}

/* Writes what the socket takes. Returns 0 or an error. */
static int write_available(rtmpkit_nbsession *s)
{
    for (;;) {
        size_t len;
        const uint8_t *data = rtmpkit_conn_output(s->conn, &len);
        int n;
        if (len == 0)
            return 0;
        n = s->transport->ops->write(s->transport, data, len);
        if (n == RTMPKIT_EAGAIN)
            return 0;
        if (n <= 0)
            return connection_lost(s, "connection lost while sending");
        rtmpkit_conn_output_done(s->conn, (size_t)n);
    }
}

/* An engine event. Returns 1 with *ev for the caller, 0 to go on, or an error. */
static int engine_event(rtmpkit_nbsession *s, const rtmpkit_event *e, rtmpkit_session_event *ev)
{
    uint64_t now = rtmpkit_monotonic_ms();
    if (e->type == RTMPKIT_EVENT_ERROR && (e->stream < 0 || e->stream == s->stream))
        return set_error(s, e->error, "%s", rtmpkit_conn_error_message(s->conn));
    if (e->type == RTMPKIT_EVENT_CONNECTED && e->stream < 0) {
        s->connected = 1;
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "connected to application \"%.*s\"",
                     (int)strcspn(s->cfg.client.url->app, "?"), s->cfg.client.url->app);
        if ((s->stream = rtmpkit_conn_play(s->conn, s->cfg.stream, s->cfg.play_start_ms)) < 0)
            return set_error(s, s->stream, "cannot start playing: %s", rtmpkit_conn_error_message(s->conn));
        return 0;
    }
    if (e->stream != s->stream || s->stream < 0)
        return 0;   /* the probe's createStream answer, and the like */
    if (e->type == RTMPKIT_EVENT_PLAY_START && s->state == NB_RTMP) {
        s->state = NB_ACTIVE;
        s->started_ms = now;
        if (!s->started_once) {
            s->started_once = 1;
            return 0;
        }
        s->reconnects++;
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_INFO, "playing again after %d attempt%s", s->attempt,
                     s->attempt == 1 ? "" : "s");
        ev->type = RTMPKIT_SESSION_RESUMED;
        ev->attempt = s->attempt;
        return 1;
    }
    if (s->state != NB_ACTIVE)
        return 0;
    if (e->type == RTMPKIT_EVENT_MEDIA) {
        s->media_seen = 1;
        s->last_media_ms = now;
        s->probe_at_ms = 0;
        s->attempt = 0;   /* flowing again: the next failure starts a new count */
    }
    ev->type = RTMPKIT_SESSION_EVENT;
    ev->event = *e;
    return 1;
}

/* Reads into the input buffer. Returns bytes (> 0), EAGAIN, or an error. */
static int read_available(rtmpkit_nbsession *s)
{
    int n;
    if (s->in_start > 0) {   /* keep the unconsumed tail (a partial chunk header) */
        memmove(s->in, s->in + s->in_start, s->in_end - s->in_start);
        s->in_end -= s->in_start;
        s->in_start = 0;
    }
    n = s->transport->ops->read(s->transport, s->in + s->in_end, sizeof s->in - s->in_end);
    if (n > 0) {
        s->in_end += (size_t)n;
        s->last_read_ms = rtmpkit_monotonic_ms();
        return n;
    }
    if (n == RTMPKIT_EAGAIN)
        return n;
    return connection_lost(s, n == 0 ? "the server closed the connection" : "connection lost");
}

/* Moves bytes and events. Returns 1 with *ev, 0 when the socket has nothing more (for
 * now), or an error. */
static int pump(rtmpkit_nbsession *s, rtmpkit_session_event *ev)
{
    int reads = 0;
    for (;;) {
        rtmpkit_event e;
        int n;
        if (rtmpkit_conn_poll_event(s->conn, &e)) {
            if ((n = engine_event(s, &e, ev)) != 0)
                return n;
            continue;
        }
        if ((n = write_available(s)) < 0)
            return n;
        if (s->in_start < s->in_end) {
            n = rtmpkit_conn_recv(s->conn, s->in + s->in_start, s->in_end - s->in_start, rtmpkit_monotonic_ms());
            if (n < 0)
                return set_error(s, n, "%s", rtmpkit_conn_error_message(s->conn));
            s->in_start += (size_t)n;
            if (n > 0)
                continue;   /* a message may have completed: look at its events */
        }
        if (s->in_start == s->in_end)
            s->in_start = s->in_end = 0;
        if (reads++ == READS_PER_STEP) {
            s->more = 1;
            return 0;
        }
        if ((n = read_available(s)) == RTMPKIT_EAGAIN)
            return 0;
        if (n < 0)
            return n;
    }
}

static int watching(const rtmpkit_nbsession *s)
{
    return s->cfg.no_media_end_ms > 0 && s->state == NB_ACTIVE && s->last_media_ms;
}

static uint64_t watch_deadline(const rtmpkit_nbsession *s)
{
    return (s->probe_at_ms ? s->probe_at_ms : s->last_media_ms) + (uint64_t)s->cfg.no_media_end_ms;
}

/* The clocks of a connection: the handshake's deadline, the idle timeout, the media
 * watch. Returns 1 with *ev (NO_MEDIA), 0, or an error. */
static int check_time(rtmpkit_nbsession *s, rtmpkit_session_event *ev)
{
    uint64_t now = rtmpkit_monotonic_ms();
    if (s->state == NB_RTMP && now >= s->deadline_ms) {
        if (!rtmpkit_conn_handshake_done(s->conn))
            return set_error(s, RTMPKIT_ETIMEOUT, "the server did not complete the RTMP handshake within %d ms",
                             s->cfg.client.handshake_timeout_ms);
        return set_error(s, RTMPKIT_ETIMEOUT, "no answer from the server within %d ms while waiting for %s",
                         s->cfg.client.handshake_timeout_ms,
                         s->connected ? "NetStream.Play.Start" : "the connect answer");
    }
    if (s->state != NB_ACTIVE)
        return 0;
    if (now >= s->last_read_ms + (uint64_t)s->cfg.client.idle_timeout_ms)
        return set_error(s, RTMPKIT_ETIMEOUT, "no answer from the server for %.1f s",
                         (double)(now - s->last_read_ms) / 1000);
    if (!watching(s))
        return 0;
    if (s->probe_at_ms && s->last_read_ms >= s->probe_at_ms) {
        s->last_media_ms = s->probe_at_ms = 0;   /* said once; watched again when media comes */
        ev->type = RTMPKIT_SESSION_NO_MEDIA;
        return 1;
    }
    if (now < watch_deadline(s))
        return 0;
    if (!s->probe_at_ms) {
        int err;
        s->probe_at_ms = now;
        rtmpkit_logf(s->cfg.client.log, RTMPKIT_LOG_DEBUG, "no media for %.1f s: does the server still talk?",
                     (double)s->cfg.no_media_end_ms / 1000);
        if ((err = rtmpkit_conn_probe(s->conn)) < 0)
            return set_error(s, err, "%s", rtmpkit_conn_error_message(s->conn));
        return write_available(s);
    }
    return set_error(s, RTMPKIT_ETIMEOUT, "the server went silent: no byte for %.1f s",
                     (double)(now - s->last_read_ms) / 1000);
}

/* One step of the state machine. Returns 1 with *ev, 0, EAGAIN (nothing now), or an
 * error of the attempt. */
static int advance(rtmpkit_nbsession *s, short revents, rtmpkit_session_event *ev)
{
    uint64_t now = rtmpkit_monotonic_ms();
    int n;
    switch (s->state) {
    case NB_WAITING:
        if (now < s->attempt_at_ms)
            return RTMPKIT_EAGAIN;
        return begin_attempt(s);
    case NB_TCP:
        if (revents & (POLLOUT | POLLERR | POLLHUP))
            return tcp_ready(s);
        if (now >= s->deadline_ms)
            return set_error(s, RTMPKIT_ETIMEOUT, "connecting to %s port %d timed out after %d ms",
                             s->cfg.client.url->host, s->cfg.client.url->port, s->cfg.client.connect_timeout_ms);
        return RTMPKIT_EAGAIN;
    case NB_TLS:
        if (now >= s->deadline_ms)
            return set_error(s, RTMPKIT_ETLS, "no TLS answer from %s within %d ms (is this an rtmps port?)",
                             s->tls.host, s->cfg.client.handshake_timeout_ms);
        return tls_step(s);
    case NB_RTMP:
    case NB_ACTIVE:
        if ((n = pump(s, ev)) != 0)
            return n;
        return (n = check_time(s, ev)) != 0 ? n : RTMPKIT_EAGAIN;
    case NB_FAILED:
    default:
        return s->last_error < 0 ? s->last_error : RTMPKIT_EINTERNAL;
    }
}

int rtmpkit_nbsession_step(rtmpkit_nbsession *s, short revents, rtmpkit_session_event *ev)
{
    memset(ev, 0, sizeof *ev);
    s->more = 0;
    for (;;) {
        int n;
        if (s->state == NB_FAILED)
            return s->last_error;
        n = advance(s, revents, ev);
        if (n == 1)
            return 1;
        if (n == RTMPKIT_EAGAIN)
            return 0;
        if (n < 0)
            return failure(s, ev, n);
        revents = 0;   /* a phase changed: try the next one at once */
    }
}

uint64_t rtmpkit_nbsession_want(const rtmpkit_nbsession *s, int *fd, short *events)
{
    uint64_t due;
    size_t pending = 0;
    *fd = -1;
    *events = 0;
    switch (s->state) {
    case NB_WAITING:
        return s->attempt_at_ms;
    case NB_TCP:
        *fd = s->tcp_fd;
        *events = POLLOUT;
        return s->deadline_ms;
    case NB_TLS:
        *fd = s->transport->fd;
        *events = s->tls_events;
        return s->deadline_ms;
    case NB_RTMP:
    case NB_ACTIVE:
        rtmpkit_conn_output(s->conn, &pending);
        *fd = s->transport->fd;
        *events = s->transport->ops->poll_events(s->transport, pending > 0);
        if (s->more)
            return rtmpkit_monotonic_ms();   /* step again at once: the others had their turn */
        if (s->state == NB_RTMP)
            return s->deadline_ms;
        due = s->last_read_ms + (uint64_t)s->cfg.client.idle_timeout_ms;
        if (watching(s)) {
            uint64_t w = s->probe_at_ms ? rtmpkit_monotonic_ms() + PROBE_STEP_MS : watch_deadline(s);
            if (w < due)
                due = w;
        }
        return due;
    default:
        return UINT64_MAX;
    }
}
