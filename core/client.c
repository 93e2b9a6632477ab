/* Drives one protocol engine over a transport: the only place where the core meets a
 * socket and a clock. */
#include "rtmpkit/client.h"

#include <openssl/rand.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "auth.h"
#include "client_internal.h"
#include "log_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "tls.h"

#define CLOSE_FLUSH_MS               1000
#define READ_BUFFER_SIZE             (64 * 1024)
#define AUTH_MAX_RETRIES             2      /* authmod=adobe/llnw: "need auth", then the response */
#define AUTH_QUERY_MAX               1024
/* A server that closes this soon after NetStream.*.Start, before any media, refused the
 * stream: node-media-server answers Start first and checks its ?sign= token after. */
#define REFUSAL_WINDOW_MS            2000

struct rtmpkit_client {
    rtmpkit_client_config cfg;
    int insecure_warned;          /* once per client, not at every reconnect */
    rtmpkit_conn *conn;
    rk_transport_opener opener;   /* open NULL: TCP, and TLS for rtmps */
    rk_transport *transport;
    uint8_t in[READ_BUFFER_SIZE];
    size_t in_start;        /* bytes before this were consumed by the engine */
    size_t in_end;
    uint64_t last_read_ms;
    rtmpkit_conn_config conn_cfg;   /* what each connect attempt's engine is made from */
    uint64_t queued_before; /* bytes queued by the engines of earlier connects */
    uint64_t started_ms;    /* when Play.Start or Publish.Start arrived; 0: not yet */
    int publishing;
    int media_seen;         /* a media message arrived after Play.Start */
    int stream;             /* "the" stream of the single-stream functions: the last
                             * started; -1: none */
    int fatal_stream;       /* started by rtmpkit_client_play/_publish: its error is the
                             * error of rtmpkit_client_next_event; -1: none */
    rtmpkit_event held;     /* an event pump took from the engine for next_event (valid:
                             * the engine is fed nothing while it is held) */
    int has_held;
    int engine_spent;       /* the engine has been started: a new connect needs a new one */
    char failed_code[64];   /* the server's status code of the last stream failure, or "" */
    int closed_at_start;    /* the last failure: closed right after Start, taken as a refusal */
    int move_requested;     /* a ReconnectRequest came and nobody took it yet: */
    char move_tc_url[RTMPKIT_MAX_TC_URL + 1];   /* its tcUrl ("": the same place) */
    char move_description[256];
    char error[600];
};

static int or_default(int value, int dflt)
{
    return value > 0 ? value : dflt;
}

rtmpkit_client *rk_client_new_with_opener(const rtmpkit_client_config *cfg, const rk_transport_opener *opener)
{
    rtmpkit_client *cl;
    rtmpkit_conn_config conn_cfg;
    if (!cfg || !cfg->url)
        return NULL;
    cl = calloc(1, sizeof *cl);
    if (!cl)
        return NULL;
    cl->cfg = *cfg;
    cl->cfg.connect_timeout_ms = or_default(cfg->connect_timeout_ms, RTMPKIT_DEFAULT_CONNECT_TIMEOUT_MS);
    cl->cfg.handshake_timeout_ms = or_default(cfg->handshake_timeout_ms, RTMPKIT_DEFAULT_HANDSHAKE_TIMEOUT_MS);
    cl->cfg.idle_timeout_ms = or_default(cfg->idle_timeout_ms, RTMPKIT_DEFAULT_IDLE_TIMEOUT_MS);
    cl->cfg.write_timeout_ms = or_default(cfg->write_timeout_ms, RTMPKIT_DEFAULT_WRITE_TIMEOUT_MS);
    conn_cfg = cfg->conn;
    if (!conn_cfg.app)
        conn_cfg.app = cfg->url->app;
    if (!conn_cfg.tc_url)
        conn_cfg.tc_url = cfg->url->tc_url;
    if (!conn_cfg.log)
        conn_cfg.log = cfg->log;
    cl->conn_cfg = conn_cfg;
    cl->conn = rtmpkit_conn_new(&conn_cfg);
    if (!cl->conn) {
        free(cl);
        return NULL;
    }
    if (opener)
        cl->opener = *opener;
    cl->stream = cl->fatal_stream = -1;
    return cl;
}

rtmpkit_client *rtmpkit_client_new(const rtmpkit_client_config *cfg)
{
    return rk_client_new_with_opener(cfg, NULL);
}

void rtmpkit_client_free(rtmpkit_client *cl)
{
    if (!cl)
        return;
    if (cl->transport)
        cl->transport->ops->close(cl->transport);
    rtmpkit_conn_free(cl->conn);
    free(cl);
}

const char *rtmpkit_client_error_message(const rtmpkit_client *cl)
{
    return cl->error[0] ? cl->error : "no error";
}

const rtmpkit_amf *rtmpkit_client_connect_properties(const rtmpkit_client *cl)
{
    return rtmpkit_conn_connect_properties(cl->conn);
}

const rtmpkit_amf *rtmpkit_client_connect_info(const rtmpkit_client *cl)
{
    return rtmpkit_conn_connect_info(cl->conn);
}

const char *rk_client_failed_code(const rtmpkit_client *cl)
{
    return cl->failed_code;
}

int rk_client_closed_at_start(const rtmpkit_client *cl)
{
    return cl->closed_at_start;
}

const rtmpkit_caps *rtmpkit_client_server_caps(const rtmpkit_client *cl)
{
    return rtmpkit_conn_server_caps(cl->conn);
}

uint64_t rtmpkit_client_bytes_queued(const rtmpkit_client *cl)
{
    return cl->queued_before + rtmpkit_conn_bytes_queued(cl->conn);
}

static int set_error(rtmpkit_client *cl, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records a one-line reason for err (scrubbed of secrets) and returns err. */
static int set_error(rtmpkit_client *cl, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rk_log_vformat(cl->cfg.log, cl->error, sizeof cl->error, fmt, ap);
    va_end(ap);
    return err;
}

int rk_client_fail(rtmpkit_client *cl, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cl->error, sizeof cl->error, fmt, ap);
    va_end(ap);
    rtmpkit_log_scrub(cl->cfg.log, cl->error, sizeof cl->error);
    return err;
}

uint64_t rk_client_last_read_ms(const rtmpkit_client *cl)
{
    return cl->last_read_ms;
}

static int engine_error(rtmpkit_client *cl, int err)
{
    return set_error(cl, err, "%s", rtmpkit_conn_error_message(cl->conn));
}

/* The connection went away (what: why, for a plain loss). Right after the server said
 * Start, before any media, that is the server refusing the stream after all. */
static int connection_lost(rtmpkit_client *cl, const char *what)
{
    cl->closed_at_start = cl->started_ms && !cl->media_seen &&
                          rtmpkit_monotonic_ms() - cl->started_ms < REFUSAL_WINDOW_MS;
    if (cl->closed_at_start)
        return set_error(cl, cl->publishing ? RTMPKIT_EPUBLISH_REFUSED : RTMPKIT_ESTREAM_ERROR,
                         "the server closed the connection right after NetStream.%s.Start: it refused "
                         "the stream (a wrong or expired token?)", cl->publishing ? "Publish" : "Play");
    return set_error(cl, RTMPKIT_ENETWORK, "%s", what);
}

/* Writes what the socket takes now. Returns 1 when everything went out, 0 when the
 * socket is full, or an error. */
static int write_available(rtmpkit_client *cl)
{
    for (;;) {
        size_t len;
        const uint8_t *data = rtmpkit_conn_output(cl->conn, &len);
        int n;
        if (len == 0)
            return 1;
        n = cl->transport->ops->write(cl->transport, data, len);
        if (n == RTMPKIT_EAGAIN)
            return 0;
        if (n <= 0)
            return connection_lost(cl, "connection lost while sending");
        rtmpkit_conn_output_done(cl->conn, (size_t)n);
    }
}

/* Writes the engine's pending output, waiting at most timeout_ms when the socket is full. */
static int flush_output(rtmpkit_client *cl, int timeout_ms)
{
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)timeout_ms;
    for (;;) {
        int n = write_available(cl);
        uint64_t now = rtmpkit_monotonic_ms();
        if (n != 0)
            return n < 0 ? n : 0;
        if (now >= deadline)
            return set_error(cl, RTMPKIT_ETIMEOUT, "sending blocked for %d ms", timeout_ms);
        n = rk_transport_wait(cl->transport, 1, (int)(deadline - now), cl->cfg.cancel);
        if (n < 0)
            return n == RTMPKIT_ECANCELLED ? n : set_error(cl, n, "connection lost while sending");
    }
}

/* Reads what the socket has now into the input buffer. Returns bytes read (> 0),
 * RTMPKIT_EAGAIN, or an error (the server closing is ENETWORK). */
static int read_available(rtmpkit_client *cl, const char *waiting_for)
{
    int n;
    if (cl->in_start > 0) {   /* keep the unconsumed tail (a partial chunk header) */
        memmove(cl->in, cl->in + cl->in_start, cl->in_end - cl->in_start);
        cl->in_end -= cl->in_start;
        cl->in_start = 0;
    }
    n = cl->transport->ops->read(cl->transport, cl->in + cl->in_end, sizeof cl->in - cl->in_end);
    if (n > 0) {
        cl->in_end += (size_t)n;
        cl->last_read_ms = rtmpkit_monotonic_ms();
        return n;
    }
    if (n == 0 && waiting_for)
        return set_error(cl, RTMPKIT_ENETWORK, "the server closed the connection while waiting for %s",
                         waiting_for);
    if (n == 0)
        return connection_lost(cl, "the server closed the connection");
    if (n != RTMPKIT_EAGAIN)
        return connection_lost(cl, "connection lost");
    return n;
}

/* Reads what the socket has, waiting until deadline. Returns bytes read, or an error. */
static int read_more(rtmpkit_client *cl, uint64_t deadline, const char *waiting_for)
{
    for (;;) {
        int n = read_available(cl, waiting_for);
        uint64_t now;
        if (n != RTMPKIT_EAGAIN)
            return n;
        now = rtmpkit_monotonic_ms();
        if (now >= deadline)
            return set_error(cl, RTMPKIT_ETIMEOUT, "no answer from the server for %.1f s%s%s",
                             (double)(now - cl->last_read_ms) / 1000,
                             waiting_for ? " while waiting for " : "", waiting_for ? waiting_for : "");
        n = rk_transport_wait(cl->transport, 0, (int)(deadline - now), cl->cfg.cancel);
        if (n == RTMPKIT_ECANCELLED)
            return set_error(cl, n, "interrupted");
        if (n < 0)
            return set_error(cl, n, "connection lost");
    }
}

/* Keeps a ReconnectRequest for rk_client_take_move_request (a later one replaces it). */
static void keep_move_request(rtmpkit_client *cl, const rtmpkit_event *ev)
{
    snprintf(cl->move_tc_url, sizeof cl->move_tc_url, "%s", ev->tc_url);
    snprintf(cl->move_description, sizeof cl->move_description, "%s", ev->description);
    cl->move_requested = 1;
}

int rk_client_take_move_request(rtmpkit_client *cl, char *tc_url, size_t tc_cap, char *description, size_t d_cap)
{
    if (!cl->move_requested)
        return 0;
    cl->move_requested = 0;
    snprintf(tc_url, tc_cap, "%s", cl->move_tc_url);
    snprintf(description, d_cap, "%s", cl->move_description);
    return 1;
}

rtmpkit_client *rk_client_new_moved(const rtmpkit_client *cl, const rtmpkit_url *url)
{
    rtmpkit_client_config cfg = cl->cfg;
    rtmpkit_client *moved;
    cfg.url = url;
    cfg.conn.app = cfg.conn.tc_url = NULL;   /* the new URL's */
    if (!(moved = rk_client_new_with_opener(&cfg, cl->opener.open ? &cl->opener : NULL)))
        return NULL;
    moved->insecure_warned = cl->insecure_warned;
    return moved;
}

int rk_client_swap(rtmpkit_client *a, rtmpkit_client *b)
{
    rtmpkit_client *tmp = malloc(sizeof *tmp);
    if (!tmp)
        return RTMPKIT_ENOMEM;
    memcpy(tmp, a, sizeof *tmp);
    memcpy(a, b, sizeof *a);
    memcpy(b, tmp, sizeof *b);
    free(tmp);
    return 0;
}

/* An ERROR event that ends the caller's wait: the connection's, or that of the stream
 * started by rtmpkit_client_play/_publish. Other streams' errors are events. */
static int is_fatal(const rtmpkit_client *cl, const rtmpkit_event *ev)
{
    return ev->type == RTMPKIT_EVENT_ERROR && (ev->stream < 0 || ev->stream == cl->fatal_stream);
}

/* Returns the next engine event, feeding it bytes and flushing its output as needed,
 * until deadline. Fatal ERROR events come back as their error code. */
static int next_event(rtmpkit_client *cl, rtmpkit_event *ev, uint64_t deadline, const char *waiting_for)
{
    if (cl->has_held) {
        *ev = cl->held;
        cl->has_held = 0;
        return 1;
    }
    for (;;) {
        int n;
        if (rtmpkit_conn_poll_event(cl->conn, ev)) {
            if (is_fatal(cl, ev)) {
                snprintf(cl->failed_code, sizeof cl->failed_code, "%s", ev->code ? ev->code : "");
                return engine_error(cl, ev->error);
            }
            if (ev->type == RTMPKIT_EVENT_MEDIA)
                cl->media_seen = 1;
            if (ev->type == RTMPKIT_EVENT_RECONNECT_REQUEST)
                keep_move_request(cl, ev);
            return 1;
        }
        if ((n = flush_output(cl, cl->cfg.write_timeout_ms)) < 0)
            return n;
        if (cl->in_start < cl->in_end) {
            n = rtmpkit_conn_recv(cl->conn, cl->in + cl->in_start, cl->in_end - cl->in_start, rtmpkit_monotonic_ms());
            if (n < 0)
                return engine_error(cl, n);
            cl->in_start += (size_t)n;
            if (n > 0)
                continue;   /* a message may have completed: look at its events */
            /* 0: the engine holds a partial chunk header and needs more bytes */
        }
        if (cl->in_start == cl->in_end)
            cl->in_start = cl->in_end = 0;
        if ((n = read_more(cl, deadline, waiting_for)) < 0)
            return n;
    }
}

/* Waits for an event of the wanted type about stream (-1: the connection); other events
 * before it are dropped (logged). */
static int wait_for(rtmpkit_client *cl, enum rtmpkit_event_type wanted, int stream, const char *what)
{
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)cl->cfg.handshake_timeout_ms;
    rtmpkit_event ev;
    for (;;) {
        int n = next_event(cl, &ev, deadline, what);
        if (n < 0)
            return n;
        if (ev.type == wanted && ev.stream == stream)
            return 0;
        if (ev.code[0])
            rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_DEBUG, "while waiting for %s: %s %s", what, ev.code,
                         ev.description);
    }
}

/* Replaces the TCP transport by TLS over it (the handshake counts against the handshake
 * timeout). On failure the TCP transport stays for rtmpkit_client_free to close. */
static int start_tls(rtmpkit_client *cl)
{
    struct rk_tls_options o = {
        .host = cl->cfg.url->host,
        .ca_file = cl->cfg.ca_file,
        .ca_path = cl->cfg.ca_path,
        .insecure = cl->cfg.insecure,
    };
    rk_transport *tls = NULL;
    char why[400] = "";
    int err = rk_tls_wrap(cl->transport, &o, cl->cfg.handshake_timeout_ms, cl->cfg.cancel, &tls,
                          why, sizeof why);
    if (err < 0)
        return set_error(cl, err, "%s", why[0] ? why : rtmpkit_strerror(err));
    cl->transport = tls;
    rk_tls_describe(tls, why, sizeof why);
    rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_INFO, "TLS: %s, %s", why,
                 cl->cfg.insecure ? "certificate not checked" : "certificate verified");
    return 0;
}

/* One connect attempt: a fresh TCP (and TLS) connection, handshake and connect, with
 * auth_query (or nothing) appended to the app and the tcUrl. Returns 0 once connected. */
static int connect_once(rtmpkit_client *cl, const char *auth_query, int fresh_engine)
{
    const rtmpkit_url *url = cl->cfg.url;
    uint8_t random[1536];
    char why[300] = "";
    int err;

    if (cl->transport) {
        cl->transport->ops->close(cl->transport);
        cl->transport = NULL;
    }
    cl->in_start = cl->in_end = 0;
    if (fresh_engine) {
        rtmpkit_conn_config cc = cl->conn_cfg;
        char *app = auth_query ? rk_auth_append_query(cc.app, auth_query) : NULL;
        char *tc_url = auth_query ? rk_auth_append_query(cc.tc_url, auth_query) : NULL;
        rtmpkit_conn *conn = NULL;
        if (!auth_query || (app && tc_url)) {
            if (auth_query) {
                cc.app = app;
                cc.tc_url = tc_url;
            }
            conn = rtmpkit_conn_new(&cc);
        }
        free(app);
        free(tc_url);
        if (!conn)
            return set_error(cl, RTMPKIT_ENOMEM, "out of memory");
        cl->queued_before += rtmpkit_conn_bytes_queued(cl->conn);
        rtmpkit_conn_free(cl->conn);
        cl->conn = conn;
    }

    rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_INFO, "connecting to %s%s%s port %d", strchr(url->host, ':') ? "[" : "",
                 url->host, strchr(url->host, ':') ? "]" : "", url->port);
    /* Logged at the error level so that -q (errors only) still shows it: the design
     * promises a warning on every run (once, not at each reconnect). */
    if (url->tls && cl->cfg.insecure && !cl->insecure_warned) {
        rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_ERROR, "warning: TLS certificate verification is off (--insecure)");
        cl->insecure_warned = 1;
    }
    if (cl->opener.open)
        err = cl->opener.open(cl->opener.opaque, &cl->transport, why, sizeof why);
    else
        err = rk_tcp_connect(url->host, url->port, cl->cfg.ip_family, cl->cfg.connect_timeout_ms,
                             cl->cfg.cancel, &cl->transport, why, sizeof why);
    if (err < 0)
        return set_error(cl, err, "%s", why[0] ? why : rtmpkit_strerror(err));
    if (url->tls && !cl->opener.open && (err = start_tls(cl)) < 0)
        return err;
    cl->last_read_ms = rtmpkit_monotonic_ms();
    if (RAND_bytes(random, sizeof random) != 1)
        return set_error(cl, RTMPKIT_EINTERNAL, "no random bytes for the handshake");
    cl->engine_spent = 1;
    if ((err = rtmpkit_conn_start(cl->conn, rtmpkit_monotonic_ms(), random)) < 0)
        return engine_error(cl, err);
    err = wait_for(cl, RTMPKIT_EVENT_CONNECTED, -1, rtmpkit_conn_handshake_done(cl->conn)
                   ? "the connect answer" : "the handshake");
    if (err == RTMPKIT_ENETWORK && !rtmpkit_conn_handshake_done(cl->conn))
        return set_error(cl, RTMPKIT_EHANDSHAKE, "the server closed the connection during the handshake");
    if (err == RTMPKIT_ENETWORK)
        /* nginx-rtmp closes the socket, without a word, on a connect to an unknown app. */
        return set_error(cl, RTMPKIT_EUNKNOWN_APP,
                         "the server closed the connection after connect (unknown application \"%s\"?)",
                         url->app);
    if (err == RTMPKIT_ETIMEOUT && !rtmpkit_conn_handshake_done(cl->conn))
        return set_error(cl, RTMPKIT_ETIMEOUT, "the server did not complete the RTMP handshake within %d ms",
                         cl->cfg.handshake_timeout_ms);
    return err;
}

/* After a rejected connect: when the server asked for authmod=adobe or llnw, the query
 * for the next attempt (0), else the error to report. attempt: retries made so far. */
static int auth_next_query(rtmpkit_client *cl, int attempt, char *query, size_t cap)
{
    const rtmpkit_url *url = cl->cfg.url;
    const char *description = rtmpkit_conn_connect_error(cl->conn);
    enum rk_auth_method m = rk_auth_method_of(description);
    const char *name = rk_auth_method_name(m);
    uint8_t nonce_bytes[4];
    char nonce[9], why[300], app[512];
    int err;

    if (m == RK_AUTH_NONE)
        return RTMPKIT_EREJECTED;   /* the engine's message stands */
    if (!url->user || !url->user[0] || !url->password)
        return set_error(cl, RTMPKIT_EAUTH, "the server wants authmod=%s: give user and password "
                         "(rtmp://USER@host/..., or --user; and RTMP_PASSWORD or --password)", name);
    if (RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1)
        return set_error(cl, RTMPKIT_EINTERNAL, "no random bytes for the authentication");
    snprintf(nonce, sizeof nonce, "%02x%02x%02x%02x", nonce_bytes[0], nonce_bytes[1], nonce_bytes[2],
             nonce_bytes[3]);
    snprintf(app, sizeof app, "%.*s", (int)strcspn(cl->conn_cfg.app, "?"), cl->conn_cfg.app);
    err = rk_auth_answer(description, url->user, url->password, app, nonce, query, cap, why, sizeof why);
    if (err < 0)
        return set_error(cl, err, "authentication failed: %s", why[0] ? why : rtmpkit_strerror(err));
    if (attempt >= AUTH_MAX_RETRIES)
        return set_error(cl, RTMPKIT_EAUTH, "authentication failed: the server refused our authmod=%s "
                         "response (%s)", name, rtmpkit_conn_error_message(cl->conn));
    rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_INFO, "the server asks for authmod=%s: %s", name,
                 strstr(query, "response=") ? "answering its challenge" : "sending the user name");
    return 0;
}

int rtmpkit_client_connect(rtmpkit_client *cl)
{
    char query[AUTH_QUERY_MAX] = "";
    int err, used = cl->engine_spent;   /* connected before: the engine is spent */
    cl->started_ms = 0;
    cl->media_seen = 0;
    cl->stream = cl->fatal_stream = -1;
    cl->has_held = 0;
    cl->failed_code[0] = 0;
    cl->closed_at_start = 0;
    for (int attempt = 0;; attempt++) {
        err = connect_once(cl, query[0] ? query : NULL, attempt > 0 || used);
        if (err != RTMPKIT_EREJECTED)
            break;
        if ((err = auth_next_query(cl, attempt, query, sizeof query)) < 0)
            break;
    }
    if (err < 0)
        return err;
    rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_INFO, "connected to application \"%.*s\"%s",
                 (int)strcspn(cl->cfg.url->app, "?"), cl->cfg.url->app,
                 query[0] ? " (authenticated)" : "");
    return 0;
}

/* Starts a stream (a publisher with publish_type, else a player) without waiting, and
 * makes it "the" stream of the single-stream functions. Returns its handle or an error. */
static int start_stream(rtmpkit_client *cl, const char *name, const char *publish_type, double start_ms)
{
    int stream = publish_type ? rtmpkit_conn_publish(cl->conn, name, publish_type)
                              : rtmpkit_conn_play(cl->conn, name, start_ms);
    int err;
    if (stream < 0)
        return set_error(cl, stream, "cannot start %s: %s", publish_type ? "publishing" : "playing",
                         rtmpkit_conn_error_message(cl->conn));
    cl->stream = stream;
    if ((err = flush_output(cl, cl->cfg.write_timeout_ms)) < 0)
        return err;
    return stream;
}

/* Starts a stream and waits for its Start: the single-stream way. */
static int start_and_wait(rtmpkit_client *cl, const char *name, const char *publish_type, double start_ms)
{
    int stream = start_stream(cl, name, publish_type, start_ms), err;
    if (stream < 0)
        return stream;
    cl->fatal_stream = stream;
    err = publish_type ? wait_for(cl, RTMPKIT_EVENT_PUBLISH_START, stream, "NetStream.Publish.Start")
                       : wait_for(cl, RTMPKIT_EVENT_PLAY_START, stream, "NetStream.Play.Start");
    if (err < 0)
        return err;
    cl->started_ms = rtmpkit_monotonic_ms();
    cl->publishing = publish_type != NULL;
    cl->media_seen = 0;
    return 0;
}

int rtmpkit_client_play(rtmpkit_client *cl, const char *name, double start_ms)
{
    return start_and_wait(cl, name, NULL, start_ms);
}

int rtmpkit_client_publish(rtmpkit_client *cl, const char *name, const char *type)
{
    return start_and_wait(cl, name, type ? type : "live", 0);
}

int rtmpkit_client_play_stream(rtmpkit_client *cl, const char *name, double start_ms, int *stream)
{
    int s = start_stream(cl, name, NULL, start_ms);
    if (s < 0)
        return s;
    *stream = s;
    return 0;
}

int rtmpkit_client_publish_stream(rtmpkit_client *cl, const char *name, const char *type, int *stream)
{
    int s = start_stream(cl, name, type ? type : "live", 0);
    if (s < 0)
        return s;
    *stream = s;
    return 0;
}

int rk_client_probe(rtmpkit_client *cl)
{
    int err = rtmpkit_conn_probe(cl->conn);
    if (err < 0)
        return engine_error(cl, err);
    return flush_output(cl, cl->cfg.write_timeout_ms);
}

int rtmpkit_client_next_event_timeout(rtmpkit_client *cl, rtmpkit_event *ev, int timeout_ms)
{
    uint64_t give_up = timeout_ms > 0 ? rtmpkit_monotonic_ms() + (uint64_t)timeout_ms : UINT64_MAX;
    /* The idle deadline moves with every byte received. */
    for (;;) {
        uint64_t idle_deadline = cl->last_read_ms + (uint64_t)cl->cfg.idle_timeout_ms;
        int n = next_event(cl, ev, idle_deadline < give_up ? idle_deadline : give_up, NULL);
        uint64_t now = rtmpkit_monotonic_ms();
        if (n != RTMPKIT_ETIMEOUT)
            return n;
        if (now >= cl->last_read_ms + (uint64_t)cl->cfg.idle_timeout_ms)
            return n;
        if (now >= give_up) {
            cl->error[0] = 0;
            return RTMPKIT_EAGAIN;
        }
    }
}

int rtmpkit_client_next_event(rtmpkit_client *cl, rtmpkit_event *ev)
{
    return rtmpkit_client_next_event_timeout(cl, ev, 0);
}

int rtmpkit_client_queue_media_on(rtmpkit_client *cl, int stream, uint8_t type, uint32_t timestamp,
                                  const uint8_t *data, size_t len)
{
    int err = rtmpkit_conn_send_media(cl->conn, stream, type, timestamp, data, len);
    if (err < 0)
        return set_error(cl, err, "cannot queue a message: %s", rtmpkit_strerror(err));
    return 0;
}

int rtmpkit_client_send_media_on(rtmpkit_client *cl, int stream, uint8_t type, uint32_t timestamp,
                                 const uint8_t *data, size_t len)
{
    int err = rtmpkit_conn_send_media(cl->conn, stream, type, timestamp, data, len);
    if (err < 0)
        return set_error(cl, err, "cannot send: %s", rtmpkit_strerror(err));
    return flush_output(cl, cl->cfg.write_timeout_ms);
}

int rtmpkit_client_send_media(rtmpkit_client *cl, uint8_t type, uint32_t timestamp,
                              const uint8_t *data, size_t len)
{
    return rtmpkit_client_send_media_on(cl, cl->stream, type, timestamp, data, len);
}

int rtmpkit_client_queue_media(rtmpkit_client *cl, uint8_t type, uint32_t timestamp,
                               const uint8_t *data, size_t len)
{
    return rtmpkit_client_queue_media_on(cl, cl->stream, type, timestamp, data, len);
}

size_t rtmpkit_client_pending(rtmpkit_client *cl)
{
    size_t len;
    rtmpkit_conn_output(cl->conn, &len);
    return len;
}

size_t rtmpkit_client_undelivered(rtmpkit_client *cl)
{
    int unsent = 0;
    size_t len = rtmpkit_client_pending(cl);
    /* The kernel's send queue too: bytes written but not yet acknowledged by the peer. */
    if (cl->transport && cl->transport->fd >= 0 && ioctl(cl->transport->fd, SIOCOUTQ, &unsent) == 0
        && unsent > 0)
        len += (size_t)unsent;
    return len;
}

int rtmpkit_client_set_send_buffer(rtmpkit_client *cl, int bytes)
{
    if (!cl->transport || setsockopt(cl->transport->fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0)
        return RTMPKIT_ENETWORK;
    return 0;
}

/* Feeds the engine what has been read. The server's words about the connection and the
 * single stream are errors (fatal) or status lines (logged); the first event of another
 * stream is held for rtmpkit_client_next_event, and the engine gets no more bytes until
 * it is taken. */
static int process_input(rtmpkit_client *cl)
{
    while (!cl->has_held && cl->in_start < cl->in_end) {
        rtmpkit_event ev;
        int n = rtmpkit_conn_recv(cl->conn, cl->in + cl->in_start, cl->in_end - cl->in_start, rtmpkit_monotonic_ms());
        if (n < 0)
            return engine_error(cl, n);
        cl->in_start += (size_t)n;
        while (!cl->has_held && rtmpkit_conn_poll_event(cl->conn, &ev)) {
            if (is_fatal(cl, &ev))
                return engine_error(cl, ev.error);
            if (ev.stream >= 0 && ev.stream != cl->fatal_stream) {
                cl->held = ev;
                cl->has_held = 1;
            } else if (ev.type == RTMPKIT_EVENT_RECONNECT_REQUEST) {
                keep_move_request(cl, &ev);   /* the session takes it */
            } else if (ev.type != RTMPKIT_EVENT_MEDIA) {
                rtmpkit_logf(cl->cfg.log, RTMPKIT_LOG_INFO, "server: %s %s", ev.code, ev.description);
            }
        }
        if (n == 0)
            break;
    }
    return 0;
}

int rtmpkit_client_pump(rtmpkit_client *cl, int timeout_ms)
{
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int all_sent, n;
        uint64_t now;
        if ((all_sent = write_available(cl)) < 0)
            return all_sent;
        if (cl->has_held)
            return 0;   /* an event waits for rtmpkit_client_next_event */
        n = read_available(cl, NULL);
        if (n > 0) {
            if ((n = process_input(cl)) < 0)
                return n;
            continue;
        }
        if (n != RTMPKIT_EAGAIN)
            return n;
        now = rtmpkit_monotonic_ms();
        if (now >= deadline)
            return 0;
        n = rk_transport_wait(cl->transport, !all_sent, (int)(deadline - now), cl->cfg.cancel);
        if (n == RTMPKIT_ECANCELLED)
            return set_error(cl, n, "interrupted");
        if (n < 0)
            return set_error(cl, n, "connection lost");
    }
}

int rtmpkit_client_close_stream(rtmpkit_client *cl, int stream)
{
    int err = rtmpkit_conn_close_stream(cl->conn, stream);
    if (err < 0)
        return set_error(cl, err, "cannot close the stream: %s", rtmpkit_strerror(err));
    if (stream == cl->stream)
        cl->stream = -1;
    if (stream == cl->fatal_stream)
        cl->fatal_stream = -1;
    return cl->transport ? flush_output(cl, cl->cfg.write_timeout_ms) : 0;
}

void rk_client_abort(rtmpkit_client *cl)
{
    if (cl->transport)
        cl->transport->ops->close(cl->transport);
    cl->transport = NULL;
    cl->stream = cl->fatal_stream = -1;
    cl->has_held = 0;
}

int rtmpkit_client_close(rtmpkit_client *cl)
{
    int err = 0, queued = 1;
    if (!cl->transport)
        return 0;
    for (int i = 0; i < RTMPKIT_MAX_STREAMS; i++)
        if (rtmpkit_conn_close_stream(cl->conn, i) < 0)
            queued = 0;
    if (queued)
        err = flush_output(cl, CLOSE_FLUSH_MS);
    cl->transport->ops->close(cl->transport);
    cl->transport = NULL;
    cl->stream = cl->fatal_stream = -1;
    cl->has_held = 0;
    return err < 0 ? err : 0;
}
