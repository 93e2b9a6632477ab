/* The client over an in-memory transport: a scripted server answers what the client
 * writes (simple handshake, connect, createStream, play or publish), so connect, play,
 * media, the idle timeout, a close mid-stream, a rejected connect and publishing run
 * through the real client and engine without a socket. */
#include "client_internal.h"
#include "mem_server.h"
#include "rtmpkit/clock.h"

struct fixture {
    struct server server;
    rtmpkit_url url;
    rtmpkit_client *client;
};

static void fixture_init(struct fixture *f, enum script script, int idle_timeout_ms, int publisher)
{
    rtmpkit_client_config cfg;
    rk_transport_opener opener;
    memset(f, 0, sizeof *f);
    server_init(&f->server, script);
    CHECK_INT(rtmpkit_url_parse("rtmp://127.0.0.1/live/cam1", &f->url), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = &f->url;
    cfg.idle_timeout_ms = idle_timeout_ms;
    cfg.handshake_timeout_ms = 2000;
    cfg.conn.simple_handshake = 1;
    cfg.conn.publisher = publisher;
    opener.open = server_open;
    opener.opaque = &f->server;
    f->client = rk_client_new_with_opener(&cfg, &opener);
    CHECK(f->client != NULL);
}

static void fixture_free(struct fixture *f)
{
    rtmpkit_client_free(f->client);
    server_free(&f->server);
    rtmpkit_url_free(&f->url);
}

static void test_connect_play_media(void)
{
    struct fixture f;
    rtmpkit_event ev;
    const struct received *r;
    uint64_t before, after;

    fixture_init(&f, SCRIPT_PLAY, 0, 0);
    before = rtmpkit_monotonic_ms();
    CHECK_INT(rtmpkit_client_connect(f.client), 0);
    after = rtmpkit_monotonic_ms();
    CHECK_INT(f.server.opens, 1);
    /* C1's time field: the monotonic clock's low 32 bits, not wall time. */
    CHECK((uint32_t)(f.server.c1_time - (uint32_t)before) <= (uint32_t)(after - before));
    r = find_command(&f.server, "connect", 0);
    CHECK(r != NULL);

    CHECK_INT(rtmpkit_client_play(f.client, "cam1", -2), 0);
    r = find_command(&f.server, "play", 0);
    CHECK(r != NULL && strcmp(r->arg, "cam1") == 0 && r->stream_id == 1);

    /* Play.Reset was dropped while waiting; metadata, video, audio, video, StreamEOF follow. */
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_EVENT_MEDIA);
    CHECK_INT(ev.media_type, 18);
    CHECK(ev.length > 13 && memcmp(ev.data + 3, "onMetaData", 10) == 0);
    CHECK_INT(ev.stream, 0);
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK(ev.type == RTMPKIT_EVENT_MEDIA && ev.media_type == 9 && ev.timestamp == 0 && ev.length == 1000);
    CHECK(ev.length == 1000 && ev.data[0] == 0x17 && ev.data[1] == 1 && ev.data[999] == 0xEE);
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK(ev.type == RTMPKIT_EVENT_MEDIA && ev.media_type == 8 && ev.timestamp == 10 && ev.length == 20);
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK(ev.type == RTMPKIT_EVENT_MEDIA && ev.media_type == 9 && ev.timestamp == 40 && ev.length == 6000);
    CHECK(ev.length == 6000 && ev.data[0] == 0x27 && ev.data[5999] == 0xEE);
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_EVENT_STREAM_END);
    CHECK_STR(ev.code, "StreamEOF");
    CHECK(rtmpkit_client_bytes_queued(f.client) == f.server.mem->out.len);

    CHECK_INT(rtmpkit_client_close(f.client), 0);
    r = find_command(&f.server, "deleteStream", 0);
    CHECK(r != NULL);
    CHECK(f.server.mem->closed);
    fixture_free(&f);
}

static void test_idle_timeout(void)
{
    struct fixture f;
    rtmpkit_event ev;
    uint64_t start, waited;

    fixture_init(&f, SCRIPT_SILENT, 300, 0);
    CHECK_INT(rtmpkit_client_connect(f.client), 0);
    CHECK_INT(rtmpkit_client_play(f.client, "cam1", -1), 0);
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_EVENT_MEDIA);
    /* A shorter wait of the caller's first: EAGAIN, and the connection is fine. */
    CHECK_INT(rtmpkit_client_next_event_timeout(f.client, &ev, 50), RTMPKIT_EAGAIN);
    start = rtmpkit_monotonic_ms();
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), RTMPKIT_ETIMEOUT);
    waited = rtmpkit_monotonic_ms() - start;
    CHECK(waited >= 200 && waited < 2000);
    CHECK(strstr(rtmpkit_client_error_message(f.client), "no answer from the server for 0.3 s") != NULL);
    fixture_free(&f);
}

static void test_close_mid_stream(void)
{
    struct fixture f;
    rtmpkit_event ev;
    int media = 0, n;

    fixture_init(&f, SCRIPT_CLOSE, 0, 0);
    CHECK_INT(rtmpkit_client_connect(f.client), 0);
    CHECK_INT(rtmpkit_client_play(f.client, "cam1", -2), 0);
    while ((n = rtmpkit_client_next_event(f.client, &ev)) == 1) {
        CHECK_INT(ev.type, RTMPKIT_EVENT_MEDIA);
        CHECK_INT(ev.timestamp, 40 * media);
        media++;
    }
    CHECK_INT(media, 3);
    CHECK_INT(n, RTMPKIT_ENETWORK);
    CHECK_STR(rtmpkit_client_error_message(f.client), "the server closed the connection");
    fixture_free(&f);
}

static void test_connect_rejected(void)
{
    struct fixture f;
    fixture_init(&f, SCRIPT_REJECT, 0, 0);
    CHECK_INT(rtmpkit_client_connect(f.client), RTMPKIT_EREJECTED);
    CHECK_STR(rtmpkit_client_error_message(f.client), "NetConnection.Connect.Rejected: go away");
    CHECK_INT(f.server.opens, 1);   /* no authmod asked for: no second attempt */
    fixture_free(&f);
}

static void test_publish(void)
{
    static const uint8_t video[5] = { 0x17, 0, 0, 0, 0 }, audio[3] = { 0xAF, 1, 0x21 };
    struct fixture f;
    const struct received *r;
    int media = 0;

    fixture_init(&f, SCRIPT_PUBLISH, 0, 1);
    CHECK_INT(rtmpkit_client_connect(f.client), 0);
    CHECK_INT(rtmpkit_client_queue_media(f.client, 9, 0, video, sizeof video), RTMPKIT_EUSAGE);
    CHECK_INT(rtmpkit_client_publish(f.client, "key", NULL), 0);
    r = find_command(&f.server, "releaseStream", 0);
    CHECK(r != NULL && strcmp(r->arg, "key") == 0);
    r = find_command(&f.server, "publish", 0);
    CHECK(r != NULL && strcmp(r->arg, "key") == 0 && r->stream_id == 1);

    CHECK_INT(rtmpkit_client_send_media(f.client, 9, 0, video, sizeof video), 0);
    CHECK_INT(rtmpkit_client_queue_media(f.client, 8, 23, audio, sizeof audio), 0);
    CHECK(rtmpkit_client_pending(f.client) > 0);
    CHECK_INT(rtmpkit_client_pump(f.client, 0), 0);
    CHECK_INT(rtmpkit_client_pending(f.client), 0);
    for (int i = 0; i < f.server.got_count; i++) {
        const struct received *g = &f.server.got[i];
        if (g->type != 8 && g->type != 9)
            continue;
        CHECK_INT(g->stream_id, 1);
        CHECK_INT(g->type, media == 0 ? 9 : 8);
        CHECK_INT(g->timestamp, media == 0 ? 0 : 23);
        CHECK_INT(g->length, media == 0 ? sizeof video : sizeof audio);
        CHECK_INT(g->first_byte, media == 0 ? 0x17 : 0xAF);
        media++;
    }
    CHECK_INT(media, 2);
    CHECK_INT(rtmpkit_client_close(f.client), 0);
    CHECK(find_command(&f.server, "FCUnpublish", 0) != NULL);
    CHECK(find_command(&f.server, "deleteStream", 0) != NULL);
    fixture_free(&f);
}

/* Two streams through the stream-aware calls: events carry their stream, and one
 * stream's error is an event, not the end of the client. */
static void test_two_streams(void)
{
    struct fixture f;
    rtmpkit_event ev;
    int a = -1, b = -1, media_a = 0, started_a = 0, error_b = 0, end_a = 0;

    fixture_init(&f, SCRIPT_NOT_FOUND_B, 0, 0);
    CHECK_INT(rtmpkit_client_connect(f.client), 0);
    CHECK_INT(rtmpkit_client_play_stream(f.client, "a", -2, &a), 0);
    CHECK_INT(rtmpkit_client_play_stream(f.client, "b", -2, &b), 0);
    CHECK(a == 0 && b == 1);
    while ((media_a < 4 || !error_b) && rtmpkit_client_next_event_timeout(f.client, &ev, 500) == 1) {
        if (ev.type == RTMPKIT_EVENT_PLAY_START && ev.stream == a)
            started_a++;
        if (ev.type == RTMPKIT_EVENT_MEDIA) {
            CHECK_INT(ev.stream, a);
            CHECK(ev.media_type == 18 || (ev.length >= 2 && ev.data[1] == 1));   /* sent on sid 1 */
            media_a++;
        }
        if (ev.type == RTMPKIT_EVENT_ERROR) {
            CHECK_INT(ev.stream, b);
            CHECK_INT(ev.error, RTMPKIT_ENOT_FOUND);
            error_b++;
        }
        if (ev.type == RTMPKIT_EVENT_STREAM_END)
            end_a++;
    }
    CHECK_INT(started_a, 1);
    CHECK_INT(media_a, 4);
    CHECK_INT(error_b, 1);
    CHECK_INT(end_a, 0);
    CHECK_INT(rtmpkit_client_close_stream(f.client, b), 0);
    CHECK(find_command(&f.server, "deleteStream", 0) != NULL);
    fixture_free(&f);
}

/* A publisher that pumps, with a play started on the side: pump stops at the player's
 * first event and leaves it to next_event. */
static void test_pump_holds_other_events(void)
{
    struct fixture f;
    rtmpkit_event ev;
    int q = -1;

    fixture_init(&f, SCRIPT_PLAY, 0, 1);
    CHECK_INT(rtmpkit_client_connect(f.client), 0);
    CHECK_INT(rtmpkit_client_publish(f.client, "key", NULL), 0);
    CHECK_INT(rtmpkit_client_play_stream(f.client, "cam", -2, &q), 0);
    CHECK_INT(q, 1);
    CHECK_INT(rtmpkit_client_pump(f.client, 1000), 0);
    CHECK_INT(rtmpkit_client_next_event(f.client, &ev), 1);
    CHECK_INT(ev.type, RTMPKIT_EVENT_STREAM_CREATED);
    CHECK_INT(ev.stream, q);
    CHECK_INT(ev.stream_id, 2);
    fixture_free(&f);
}

int main(void)
{
    test_connect_play_media();
    test_idle_timeout();
    test_close_mid_stream();
    test_connect_rejected();
    test_publish();
    test_two_streams();
    test_pump_holds_other_events();
    return check_report("client");
}
