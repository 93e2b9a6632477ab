/* The client over an in-memory transport: a scripted server answers what the client
 * writes (simple handshake, connect, createStream, play or publish), so connect, play,
 * media, the idle timeout, a close mid-stream, a rejected connect and publishing run
 * through the real client and engine without a socket. */
#include <stdlib.h>

#include "check.h"
#include "chunk.h"
#include "client_internal.h"
#include "handshake.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "transport.h"

#define MAX_RECEIVED 64

enum script {
    SCRIPT_PLAY,            /* Play.Start, metadata, media, StreamEOF */
    SCRIPT_SILENT,          /* Play.Start, one frame, then nothing */
    SCRIPT_CLOSE,           /* Play.Start, three frames, then the connection closes */
    SCRIPT_REJECT,          /* connect _error */
    SCRIPT_PUBLISH,         /* Publish.Start, then it records what it gets */
    SCRIPT_NOT_FOUND_B,     /* plays; the stream named "b" is not found */
};

/* A message the client sent, as the server saw it. */
struct received {
    uint8_t type;
    uint32_t stream_id;
    uint32_t timestamp;
    uint32_t length;
    uint8_t first_byte;
    char command[32];       /* command messages: the name */
    char arg[32];           /* and the first string argument after the null */
};

struct server {
    enum script script;
    rk_mem_transport *mem;
    size_t parsed;          /* bytes of mem->out handled */
    int phase;              /* 0: waiting for C0 C1, 1: for C2, 2: chunks */
    uint32_t c1_time;       /* the time field of the client's C1 */
    rk_chunk_reader *reader;
    rk_chunk_writer writer;
    uint32_t next_stream_id;
    int opens;              /* transports handed out */
    struct received got[MAX_RECEIVED];
    int got_count;
};

static void put_message(struct server *s, uint32_t csid, uint8_t type, uint32_t sid, uint32_t ts,
                        const rtmpkit_buf *body)
{
    CHECK_INT(rk_chunk_write(&s->writer, &s->mem->in, csid, type, sid, ts, body->data, (uint32_t)body->len), 0);
}

static void put_control(struct server *s, uint8_t type, const uint8_t *body, size_t len)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 64);
    rtmpkit_put_bytes(&b, body, len);
    put_message(s, 2, type, 0, 0, &b);
    rtmpkit_buf_free(&b);
}

static void put_stream_control(struct server *s, uint16_t event, uint32_t sid)
{
    uint8_t body[6] = { 0, (uint8_t)event };
    rtmpkit_wb32(body + 2, sid);
    put_control(s, 4, body, sizeof body);
}

/* _result / _error (txn) with an info object, or with a number when code is NULL. */
static void put_answer(struct server *s, const char *name, double txn, const char *code, const char *description,
                       double number)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 4096);
    rtmpkit_amf0_put_string(&b, name);
    rtmpkit_amf0_put_number(&b, txn);
    rtmpkit_amf0_put_null(&b);
    if (code) {
        rtmpkit_amf0_put_object_start(&b);
        rtmpkit_amf0_put_key(&b, "level");
        rtmpkit_amf0_put_string(&b, name[1] == 'e' ? "error" : "status");
        rtmpkit_amf0_put_key(&b, "code");
        rtmpkit_amf0_put_string(&b, code);
        rtmpkit_amf0_put_key(&b, "description");
        rtmpkit_amf0_put_string(&b, description);
        rtmpkit_amf0_put_object_end(&b);
    } else {
        rtmpkit_amf0_put_number(&b, number);
    }
    put_message(s, 3, 20, 0, 0, &b);
    rtmpkit_buf_free(&b);
}

static void put_status(struct server *s, uint32_t sid, const char *level, const char *code)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 4096);
    rtmpkit_amf0_put_string(&b, "onStatus");
    rtmpkit_amf0_put_number(&b, 0);
    rtmpkit_amf0_put_null(&b);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "level");
    rtmpkit_amf0_put_string(&b, level);
    rtmpkit_amf0_put_key(&b, "code");
    rtmpkit_amf0_put_string(&b, code);
    rtmpkit_amf0_put_key(&b, "description");
    rtmpkit_amf0_put_string(&b, "scripted");
    rtmpkit_amf0_put_object_end(&b);
    put_message(s, 5, 20, sid, 0, &b);
    rtmpkit_buf_free(&b);
}

/* A media message: len bytes, the first one first, then the sid, then 0xEE. */
static void put_media(struct server *s, uint32_t sid, uint8_t type, uint32_t ts, uint8_t first, size_t len)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1 << 16);
    rtmpkit_put_u8(&b, first);
    rtmpkit_put_u8(&b, (uint8_t)sid);
    for (size_t i = 2; i < len; i++)
        rtmpkit_put_u8(&b, 0xEE);
    put_message(s, type == 8 ? 4 : 6, type, sid, ts, &b);
    rtmpkit_buf_free(&b);
}

static void put_metadata(struct server *s, uint32_t sid)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);
    rtmpkit_amf0_put_string(&b, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(&b, 1);
    rtmpkit_amf0_put_key(&b, "width");
    rtmpkit_amf0_put_number(&b, 320);
    rtmpkit_amf0_put_object_end(&b);
    put_message(s, 5, 18, sid, 0, &b);
    rtmpkit_buf_free(&b);
}

static void answer_play(struct server *s, uint32_t sid, const char *name)
{
    if (s->script == SCRIPT_NOT_FOUND_B && strcmp(name, "b") == 0) {
        put_status(s, sid, "error", "NetStream.Play.StreamNotFound");
        return;
    }
    put_stream_control(s, 0, sid);
    put_status(s, sid, "status", "NetStream.Play.Reset");
    put_status(s, sid, "status", "NetStream.Play.Start");
    switch (s->script) {
    case SCRIPT_PLAY:
    case SCRIPT_NOT_FOUND_B:
        put_metadata(s, sid);
        put_media(s, sid, 9, 0, 0x17, 1000);
        put_media(s, sid, 8, 10, 0xAF, 20);
        put_media(s, sid, 9, 40, 0x27, 6000);   /* more than one 4096-byte chunk */
        if (s->script == SCRIPT_PLAY)
            put_stream_control(s, 1, sid);
        break;
    case SCRIPT_SILENT:
        put_media(s, sid, 9, 0, 0x17, 100);
        break;
    case SCRIPT_CLOSE:
        for (uint32_t i = 0; i < 3; i++)
            put_media(s, sid, 9, 40 * i, 0x27, 100);
        s->mem->eof = 1;
        break;
    default:
        break;
    }
}

static void answer_command(struct server *s, const rk_message *m, struct received *r)
{
    static const uint8_t window[4] = { 0, 0x26, 0x25, 0xA0 }, bandwidth[5] = { 0, 0x26, 0x25, 0xA0, 2 };
    rtmpkit_amf v[8];
    int n = rtmpkit_amf0_decode_all(m->data, m->length, v, 8);
    double txn = n >= 2 && v[1].type == RTMPKIT_AMF_NUMBER ? v[1].number : 0;
    CHECK(n >= 2 && v[0].type == RTMPKIT_AMF_STRING);
    if (n < 2 || v[0].type != RTMPKIT_AMF_STRING)
        goto done;
    snprintf(r->command, sizeof r->command, "%s", v[0].string);
    if (n >= 4 && v[3].type == RTMPKIT_AMF_STRING)
        snprintf(r->arg, sizeof r->arg, "%s", v[3].string);
    if (strcmp(v[0].string, "connect") == 0 && s->script == SCRIPT_REJECT) {
        put_answer(s, "_error", txn, "NetConnection.Connect.Rejected", "go away", 0);
    } else if (strcmp(v[0].string, "connect") == 0) {
        uint8_t size[4];
        rtmpkit_wb32(size, 4096);   /* ours, as nginx does: the client's reader must follow */
        put_control(s, 1, size, sizeof size);
        s->writer.chunk_size = 4096;
        put_control(s, 5, window, sizeof window);
        put_control(s, 6, bandwidth, sizeof bandwidth);
        put_answer(s, "_result", txn, "NetConnection.Connect.Success", "ok", 0);
    } else if (strcmp(v[0].string, "createStream") == 0) {
        put_answer(s, "_result", txn, NULL, NULL, s->next_stream_id++);
    } else if (strcmp(v[0].string, "play") == 0) {
        answer_play(s, m->stream_id, r->arg);
    } else if (strcmp(v[0].string, "publish") == 0) {
        put_status(s, m->stream_id, "status", "NetStream.Publish.Start");
    }
done:
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&v[i]);
}

static void handle_client_message(struct server *s, const rk_message *m)
{
    struct received *r = s->got_count < MAX_RECEIVED ? &s->got[s->got_count++] : NULL;
    struct received scratch;
    if (!r)
        r = &scratch;
    memset(r, 0, sizeof *r);
    r->type = m->type;
    r->stream_id = m->stream_id;
    r->timestamp = m->timestamp;
    r->length = m->length;
    r->first_byte = m->length ? m->data[0] : 0;
    if (m->type == 1 && m->length >= 4)
        rk_chunk_reader_set_chunk_size(s->reader, rtmpkit_rb32(m->data));
    if (m->type == 20)
        answer_command(s, m, r);
}

/* Runs after each client write: answers the handshake, then each complete message. */
static void server_on_write(rk_mem_transport *mem, void *opaque)
{
    struct server *s = opaque;
    while (s->parsed < mem->out.len) {
        const uint8_t *p = mem->out.data + s->parsed;
        size_t left = mem->out.len - s->parsed;
        if (s->phase == 0) {   /* C0 C1: answer S0 S1 (simple) S2 */
            uint8_t *reply;
            if (left < 1 + RK_HANDSHAKE_SIZE)
                return;
            s->c1_time = rtmpkit_rb32(p + 1);
            reply = rtmpkit_buf_reserve(&mem->in, 1 + 2 * RK_HANDSHAKE_SIZE);
            CHECK(reply != NULL);
            if (!reply)
                return;
            memset(reply, 0x5A, 1 + 2 * RK_HANDSHAKE_SIZE);
            reply[0] = 3;
            memset(reply + 5, 0, 4);
            mem->in.len += 1 + 2 * RK_HANDSHAKE_SIZE;
            s->parsed += 1 + RK_HANDSHAKE_SIZE;
            s->phase = 1;
        } else if (s->phase == 1) {   /* C2 */
            if (left < RK_HANDSHAKE_SIZE)
                return;
            s->parsed += RK_HANDSHAKE_SIZE;
            s->phase = 2;
        } else {
            rk_message m;
            int ready = 0;
            int n = rk_chunk_read(s->reader, p, left, &m, &ready);
            CHECK(n >= 0);
            if (n <= 0)
                return;
            s->parsed += (size_t)n;
            if (ready)
                handle_client_message(s, &m);
        }
    }
}

static int server_open(void *opaque, rk_transport **out, char *why, size_t why_len)
{
    struct server *s = opaque;
    (void)why;
    (void)why_len;
    s->opens++;
    *out = &s->mem->base;
    return 0;
}

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
    f->server.script = script;
    f->server.mem = rk_mem_transport_new();
    f->server.reader = rk_chunk_reader_new();
    f->server.next_stream_id = 1;
    rk_chunk_writer_init(&f->server.writer);
    CHECK(f->server.mem && f->server.reader);
    f->server.mem->on_write = server_on_write;
    f->server.mem->opaque = &f->server;
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
    rk_mem_transport_free(f->server.mem);
    rk_chunk_reader_free(f->server.reader);
    rtmpkit_url_free(&f->url);
}

/* The first message the client sent with this command name, or NULL. */
static const struct received *find_command(const struct server *s, const char *name, int nth)
{
    for (int i = 0; i < s->got_count; i++)
        if (strcmp(s->got[i].command, name) == 0 && nth-- == 0)
            return &s->got[i];
    return NULL;
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
