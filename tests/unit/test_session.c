/* The session (core/session.c) over the scripted in-memory server: start, events, and the
 * reconnect policy: a lost connection retried and resumed, the waits growing and capped,
 * permanent errors and a policy of none not retried, a first connect retried or not. */
#include <time.h>

#include "mem_server.h"
#include "rtmpkit/clock.h"
#include "session_internal.h"

struct fixture {
    struct server server;
    rtmpkit_url url;
    rtmpkit_session *session;
};

static int fixture_idle_ms = 2000;
static int fixture_follow;   /* the next fixture's session follows ReconnectRequest */

static void fixture_init_as(struct fixture *f, enum script script, const rtmpkit_reconnect_policy *policy,
                            int publish, int no_media_end_ms)
{
    rtmpkit_session_config cfg;
    rk_transport_opener opener = { server_open, &f->server };
    memset(f, 0, sizeof *f);
    server_init(&f->server, script);
    CHECK_INT(rtmpkit_url_parse("rtmp://127.0.0.1/live/cam1", &f->url), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.client.url = &f->url;
    cfg.client.handshake_timeout_ms = 2000;
    cfg.client.idle_timeout_ms = fixture_idle_ms;
    cfg.client.conn.simple_handshake = 1;
    cfg.stream = f->url.stream;
    cfg.play_start_ms = -2;
    cfg.publish = publish;
    cfg.no_media_end_ms = no_media_end_ms;
    cfg.follow_reconnect_request = fixture_follow;
    if (policy)
        cfg.reconnect = *policy;
    f->session = rk_session_new_with_opener(&cfg, &opener);
    CHECK(f->session != NULL);
}

static void fixture_init(struct fixture *f, enum script script, const rtmpkit_reconnect_policy *policy)
{
    fixture_init_as(f, script, policy, script == SCRIPT_PUBLISH, 0);
}

static void fixture_free(struct fixture *f)
{
    rtmpkit_session_free(f->session);
    server_free(&f->server);
    rtmpkit_url_free(&f->url);
}

/* The next event that is not EAGAIN (waits are cut into 50 ms calls, as a player's are). */
static int next(struct fixture *f, rtmpkit_session_event *ev)
{
    for (int i = 0; i < 200; i++) {
        int n = rtmpkit_session_next_event(f->session, ev, 50);
        if (n != RTMPKIT_EAGAIN)
            return n;
    }
    return RTMPKIT_ETIMEOUT;
}

/* Media events until something else comes; returns that and counts the media. */
static int media_until_other(struct fixture *f, rtmpkit_session_event *ev, int *media)
{
    int n;
    while ((n = next(f, ev)) == 1 && ev->type == RTMPKIT_SESSION_EVENT &&
           (ev->event.type == RTMPKIT_EVENT_MEDIA || ev->event.type == RTMPKIT_EVENT_STATUS ||
            ev->event.type == RTMPKIT_EVENT_STREAM_BEGIN))
        *media += ev->event.type == RTMPKIT_EVENT_MEDIA;
    return n;
}

/* The connection closes after three frames; the policy retries; the next connection
 * plays to the end. Nothing is lost on either side of the reconnect. */
static void test_reconnect_and_resume(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 3, .first_delay_ms = 20 };
    rtmpkit_session_event ev;
    struct fixture f;
    int media = 0;
    uint64_t before;
    fixture_init(&f, SCRIPT_CLOSE, &policy);
    f.server.later_script = 1;
    f.server.next_script = SCRIPT_PLAY;
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    CHECK_INT(media_until_other(&f, &ev, &media), 1);
    CHECK_INT(media, 3);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RECONNECTING);
    CHECK_INT(ev.error, RTMPKIT_ENETWORK);
    CHECK_INT(ev.attempt, 1);
    CHECK_INT(ev.delay_ms, 20);
    before = rtmpkit_monotonic_ms();
    CHECK_INT(next(&f, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RESUMED);
    CHECK_INT(ev.attempt, 1);
    CHECK(rtmpkit_monotonic_ms() - before >= 15);   /* it waited (most of) the delay */
    CHECK_INT(rtmpkit_session_reconnects(f.session), 1);
    CHECK_INT(f.server.opens, 2);
    CHECK(find_command(&f.server, "play", 1) != NULL);   /* played again on the new connection */
    media = 0;
    CHECK_INT(media_until_other(&f, &ev, &media), 1);
    CHECK_INT(media, 4);                              /* the second connection's metadata and frames */
    CHECK_INT(ev.type, RTMPKIT_SESSION_EVENT);
    CHECK_INT(ev.event.type, RTMPKIT_EVENT_STREAM_END);
    fixture_free(&f);
}

/* Each failed attempt waits longer: first delay, x factor, capped. When the attempts run
 * out, the error ends the session. */
static void test_delays_grow_and_stop(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 3, .first_delay_ms = 10, .factor = 2, .max_delay_ms = 25 };
    rtmpkit_session_event ev;
    struct fixture f;
    int media = 0;
    const int expected[3] = { 10, 20, 25 };
    fixture_init(&f, SCRIPT_CLOSE, &policy);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    f.server.refuse = 100;                            /* every later attempt refused */
    CHECK_INT(media_until_other(&f, &ev, &media), 1);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(ev.type, RTMPKIT_SESSION_RECONNECTING);
        CHECK_INT(ev.attempt, i + 1);
        CHECK_INT(ev.delay_ms, expected[i]);
        CHECK_INT(ev.error, i == 0 ? RTMPKIT_ENETWORK : RTMPKIT_EREFUSED);
        if (i < 2)
            CHECK_INT(next(&f, &ev), 1);
    }
    CHECK_INT(next(&f, &ev), RTMPKIT_EREFUSED);      /* the third attempt failed: no more */
    CHECK_INT(rtmpkit_session_reconnects(f.session), 0);
    CHECK_INT(f.server.refuse, 97);
    fixture_free(&f);
}

/* A policy of none: the lost connection is the session's end. */
static void test_no_policy(void)
{
    rtmpkit_session_event ev;
    struct fixture f;
    int media = 0;
    fixture_init(&f, SCRIPT_CLOSE, NULL);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    CHECK_INT(media_until_other(&f, &ev, &media), RTMPKIT_ENETWORK);
    CHECK_INT(media, 3);
    CHECK_INT(f.server.opens, 1);
    CHECK(strstr(rtmpkit_session_error_message(f.session), "closed") != NULL);
    fixture_free(&f);
}

/* A rejected connect is not worth a retry, whatever the policy. */
static void test_permanent_error(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = RTMPKIT_RECONNECT_FOREVER, .first_delay_ms = 10 };
    struct fixture f;
    fixture_init(&f, SCRIPT_REJECT, &policy);
    CHECK_INT(rtmpkit_session_start(f.session), RTMPKIT_EREJECTED);
    CHECK_INT(f.server.opens, 1);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_EREJECTED), 0);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_EAUTH), 0);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_EUNKNOWN_APP), 0);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_ETLS), 0);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_ENOT_FOUND), 0);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_ETIMEOUT), 1);
    fixture_free(&f);
}

/* A first connect that fails: retried by a policy for it, not by one for started streams. */
static void test_first_connect(void)
{
    rtmpkit_reconnect_policy retry = { .attempts = 3, .first_delay_ms = 10 };
    rtmpkit_reconnect_policy started_only = { .attempts = 3, .first_delay_ms = 10, .after_start_only = 1 };
    struct fixture f;
    fixture_init(&f, SCRIPT_PLAY, &retry);
    f.server.refuse = 2;
    CHECK_INT(rtmpkit_session_start(f.session), 0);   /* refused twice, then played */
    CHECK_INT(f.server.refuse, 0);
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);
    fixture_init(&f, SCRIPT_PLAY, &started_only);
    f.server.refuse = 2;
    CHECK_INT(rtmpkit_session_start(f.session), RTMPKIT_EREFUSED);
    CHECK_INT(f.server.refuse, 1);
    fixture_free(&f);
}

/* A publisher's recovery in steps: rtmpkit_session_lost schedules without waiting, poll
 * says EAGAIN until the attempt's time, a failed attempt schedules the next, a good one
 * publishes again; when the attempts run out the error comes back; a permanent error is
 * not retried. */
static void test_publisher_steps(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 2, .first_delay_ms = 30, .factor = 1 };
    struct fixture f;
    uint64_t before;
    int n, polls = 0;
    fixture_init(&f, SCRIPT_PUBLISH, &policy);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    CHECK_INT(rtmpkit_session_poll(f.session), 0);                 /* publishing: nothing to do */
    CHECK_INT(rtmpkit_session_reconnecting(f.session), 0);
    f.server.refuse = 1;
    before = rtmpkit_monotonic_ms();
    CHECK_INT(rtmpkit_session_lost(f.session, RTMPKIT_ENETWORK, "cut by the test"), 0);
    CHECK(rtmpkit_monotonic_ms() - before < 20);                   /* no waiting */
    CHECK_INT(rtmpkit_session_reconnecting(f.session), 1);
    CHECK_INT(rtmpkit_session_poll(f.session), RTMPKIT_EAGAIN);    /* not yet */
    CHECK_INT(f.server.refuse, 1);
    while ((n = rtmpkit_session_poll(f.session)) == RTMPKIT_EAGAIN && polls++ < 1000) {
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    CHECK_INT(n, 0);                                               /* refused once, then published */
    CHECK_INT(f.server.refuse, 0);
    CHECK(rtmpkit_monotonic_ms() - before >= 55);                  /* two waits of 30 ms (less a tick) */
    CHECK_INT(rtmpkit_session_reconnecting(f.session), 0);
    CHECK_INT(rtmpkit_session_reconnects(f.session), 1);
    CHECK(find_command(&f.server, "publish", 1) != NULL);
    /* Out of attempts: both refused. */
    f.server.refuse = 100;
    CHECK_INT(rtmpkit_session_lost(f.session, RTMPKIT_ETIMEOUT, NULL), 0);
    polls = 0;
    while ((n = rtmpkit_session_poll(f.session)) == RTMPKIT_EAGAIN && polls++ < 1000) {
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    CHECK_INT(n, RTMPKIT_EREFUSED);
    CHECK_INT(f.server.refuse, 98);
    CHECK_INT(rtmpkit_session_poll(f.session), RTMPKIT_EREFUSED);  /* and stays so */
    fixture_free(&f);
    /* A permanent error: no attempt. */
    fixture_init(&f, SCRIPT_PUBLISH, &policy);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    CHECK_INT(rtmpkit_session_lost(f.session, RTMPKIT_EPUBLISH_REFUSED, NULL), RTMPKIT_EPUBLISH_REFUSED);
    CHECK_INT(rtmpkit_session_reconnecting(f.session), 0);
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);
}

/* NetStream.Publish.BadName right after a drop (the server still holds the old stream)
 * is retried like a lost connection; on the first publish it is the key's fault. */
static void test_bad_name_after_drop(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 5, .first_delay_ms = 5 };
    struct fixture f;
    fixture_init_as(&f, SCRIPT_PUBLISH, &policy, 1, 0);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    f.server.mem->eof = 1;          /* the connection drops */
    f.server.bad_name = 2;          /* the next two publishes find the old one still there */
    CHECK_INT(rtmpkit_session_recover(f.session, RTMPKIT_ENETWORK), 0);
    CHECK_INT(f.server.opens, 4);   /* the first, two refused, the one that published */
    CHECK_INT(f.server.bad_name, 0);
    CHECK_INT(rtmpkit_session_reconnects(f.session), 1);
    CHECK(find_command(&f.server, "publish", 3) != NULL);
    fixture_free(&f);

    fixture_init_as(&f, SCRIPT_PUBLISH, &policy, 1, 0);
    f.server.bad_name = 1;
    CHECK_INT(rtmpkit_session_start(f.session), RTMPKIT_EPUBLISH_REFUSED);
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);
}

/* A connection that closes right after Play.Start, before media: on the first start the
 * server refusing the stream (no retry); after the stream had run, retried, but only
 * three times in a row. */
static void test_closed_at_start(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 10, .first_delay_ms = 5, .factor = 1 };
    rtmpkit_session_event ev;
    struct fixture f;
    int media = 0, n, reconnecting = 0;
    fixture_init(&f, SCRIPT_CLOSE, &policy);
    f.server.later_script = 1;
    f.server.next_script = SCRIPT_PLAY;
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    f.server.close_at_start = 2;    /* two closes at once after the drop, then it plays */
    while ((n = media_until_other(&f, &ev, &media)) == 1 && ev.type != RTMPKIT_SESSION_EVENT)
        reconnecting += ev.type == RTMPKIT_SESSION_RECONNECTING;
    CHECK_INT(n, 1);
    CHECK_INT(ev.event.type, RTMPKIT_EVENT_STREAM_END);
    CHECK_INT(reconnecting, 3);     /* the drop, then the two closes */
    CHECK_INT(media, 3 + 4);
    CHECK_INT(f.server.opens, 4);
    fixture_free(&f);

    fixture_init(&f, SCRIPT_CLOSE, &policy);
    f.server.later_script = 1;
    f.server.next_script = SCRIPT_PLAY;
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    f.server.close_at_start = 100;  /* a refusal: it gives up after three in a row */
    while ((n = next(&f, &ev)) == 1)
        ;
    CHECK_INT(n, RTMPKIT_ESTREAM_ERROR);
    CHECK_INT(f.server.opens, 5);   /* the first, then four closed at once */
    CHECK(strstr(rtmpkit_session_error_message(f.session), "refused the stream") != NULL);
    fixture_free(&f);

    fixture_init(&f, SCRIPT_PLAY, &policy);
    f.server.close_at_start = 1;    /* on the first start: a refusal, at once */
    n = rtmpkit_session_start(f.session);
    if (n == 0)
        while ((n = next(&f, &ev)) == 1)
            ;
    CHECK_INT(n, RTMPKIT_ESTREAM_ERROR);
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);
}

/* A host name that stops resolving on a reconnect is retried like a refusal. */
static void test_dns_failure_retried(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 4, .first_delay_ms = 5 };
    rtmpkit_session_event ev;
    struct fixture f;
    int media = 0;
    fixture_init(&f, SCRIPT_CLOSE, &policy);
    f.server.later_script = 1;
    f.server.next_script = SCRIPT_PLAY;
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    f.server.refuse = 2;
    f.server.refuse_error = RTMPKIT_EDNS;
    CHECK_INT(media_until_other(&f, &ev, &media), 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RECONNECTING);
    CHECK_INT(next(&f, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RECONNECTING);
    CHECK_INT(ev.error, RTMPKIT_EDNS);
    CHECK_INT(next(&f, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RECONNECTING);
    CHECK_INT(ev.error, RTMPKIT_EDNS);
    CHECK_INT(next(&f, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RESUMED);
    CHECK_INT(ev.attempt, 3);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_EDNS), 1);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_EBAD_URL), 0);
    CHECK_INT(rtmpkit_error_is_transient(RTMPKIT_EPUBLISH_REFUSED), 0);
    fixture_free(&f);
}

/* Media stops and the server still answers the probe: the stream has ended (NO_MEDIA).
 * Media stops and nothing comes back: a silent link, retried as a timeout. */
static void test_no_media(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 2, .first_delay_ms = 5 };
    rtmpkit_session_event ev;
    struct fixture f;
    int media = 0;
    fixture_init_as(&f, SCRIPT_SILENT, &policy, 0, 100);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    CHECK_INT(media_until_other(&f, &ev, &media), 1);
    CHECK_INT(media, 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_NO_MEDIA);
    CHECK(find_command(&f.server, "createStream", 1) != NULL);   /* the probe */
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);

    fixture_init_as(&f, SCRIPT_SILENT, &policy, 0, 100);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    f.server.deaf = 1;                                            /* a black hole */
    CHECK_INT(media_until_other(&f, &ev, &media), 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_RECONNECTING);
    CHECK_INT(ev.error, RTMPKIT_ETIMEOUT);
    CHECK(strstr(rtmpkit_session_error_message(f.session), "silent") != NULL);
    fixture_free(&f);
}

/* A server that starts the stream and then says nothing, on every connection: each
 * reconnect "succeeds", but the attempts are counted until media flows, so the policy's
 * limit still ends it. */
static void test_started_but_silent(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 2, .first_delay_ms = 5 };
    rtmpkit_session_event ev;
    struct fixture f;
    int n, resumed = 0, reconnecting = 0;
    fixture_idle_ms = 150;
    fixture_init(&f, SCRIPT_START_ONLY, &policy);
    fixture_idle_ms = 2000;
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    while ((n = next(&f, &ev)) == 1) {
        resumed += ev.type == RTMPKIT_SESSION_RESUMED;
        reconnecting += ev.type == RTMPKIT_SESSION_RECONNECTING;
    }
    CHECK_INT(n, RTMPKIT_ETIMEOUT);
    CHECK_INT(reconnecting, 2);
    CHECK_INT(resumed, 2);
    CHECK_INT(f.server.opens, 3);
    fixture_free(&f);
}

/* A player follows a ReconnectRequest make before break: the request is an event, the
 * new connection plays while the old one is still read; the old one ends, and the switch
 * comes (a MOVED event, the old connection closed) at the new place's first frame past
 * the old one's last (the new place sent that one again, at the same time: a GOP cache),
 * then the new connection's stream: its metadata, the frames past the old place's, its
 * end (the old place's end is not handed out). A refused tcUrl is an event like any
 * status; a session that does not follow gets a status and stays. */
static void test_move(void)
{
    rtmpkit_reconnect_policy policy = { .attempts = 1, .first_delay_ms = 10 };
    rtmpkit_session_event ev;
    struct fixture f;
    const struct received *connect;
    int media = 0, n;

    fixture_follow = 1;
    fixture_init(&f, SCRIPT_SILENT, &policy);
    fixture_follow = 0;
    f.server.later_script = 1;
    f.server.next_script = SCRIPT_PLAY;
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    put_reconnect_request(&f.server, "ftp://127.0.0.1/other");   /* refused: stays */
    put_reconnect_request(&f.server, "//127.0.0.1:1936/other");
    n = media_until_other(&f, &ev, &media);
    CHECK_INT(n, 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_EVENT);
    CHECK_INT(ev.event.type, RTMPKIT_EVENT_RECONNECT_REQUEST);
    CHECK_STR(ev.event.tc_url, "ftp://127.0.0.1/other");
    CHECK_INT(f.server.opens, 1);
    n = next(&f, &ev);
    CHECK(n == 1 && ev.type == RTMPKIT_SESSION_EVENT && ev.event.type == RTMPKIT_EVENT_RECONNECT_REQUEST);
    CHECK_INT(f.server.opens, 2);   /* the new place plays; the old connection is still open */
    CHECK(!f.server.spent[0]->closed);
    put_stream_control_on(&f.server, f.server.spent[0], 1, 1);   /* the old place's StreamEOF */
    n = next(&f, &ev);
    CHECK_INT(n, 1);
    CHECK_INT(ev.type, RTMPKIT_SESSION_MOVED);
    CHECK_INT(f.server.opens, 2);
    CHECK_INT(rtmpkit_session_moves(f.session), 1);
    CHECK(f.server.spent_count == 1 && f.server.spent[0]->closed);
    connect = find_command(&f.server, "connect", 1);
    CHECK(connect != NULL);
    if (connect)
        CHECK_STR(connect->arg, "rtmp://127.0.0.1:1936/other");
    CHECK(find_command(&f.server, "play", 1) != NULL);
    media = 0;
    n = media_until_other(&f, &ev, &media);   /* the new connection's stream, to its end */
    CHECK_INT(media, 3);                      /* metadata, audio at 10, video at 40 */
    CHECK(n == 1 && ev.type == RTMPKIT_SESSION_EVENT && ev.event.type == RTMPKIT_EVENT_STREAM_END);
    fixture_free(&f);

    /* Not following: connect says nothing of Reconnect, the request is a status. */
    fixture_init(&f, SCRIPT_SILENT, &policy);
    CHECK_INT(rtmpkit_session_start(f.session), 0);
    put_reconnect_request(&f.server, "//127.0.0.1:1936/other");
    media = 0;
    n = next(&f, &ev);
    while (n == 1 && ev.type == RTMPKIT_SESSION_EVENT && ev.event.type == RTMPKIT_EVENT_MEDIA)
        n = next(&f, &ev);
    CHECK(n == 1 && ev.type == RTMPKIT_SESSION_EVENT && ev.event.type == RTMPKIT_EVENT_STATUS);
    CHECK_STR(ev.event.code, "NetConnection.Connect.ReconnectRequest");
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);
}

int main(void)
{
    test_move();
    test_reconnect_and_resume();
    test_delays_grow_and_stop();
    test_no_policy();
    test_permanent_error();
    test_first_connect();
    test_publisher_steps();
    test_bad_name_after_drop();
    test_closed_at_start();
    test_dns_failure_retried();
    test_no_media();
    test_started_but_silent();
    return check_report("session");
}
