/* The protocol engine driven by a scripted server made of byte arrays. */
#include <math.h>
#include <stdlib.h>

#include "amf.h"
#include "rtmpkit/bytes.h"
#include "check.h"
#include "chunk.h"
#include "handshake.h"
#include "rtmpkit/conn.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/error.h"

#define MAX_SEEN 64

/* Events copied out of the engine (their pointers die at the next recv). */
struct seen_event {
    enum rtmpkit_event_type type;
    uint8_t media_type;
    uint32_t timestamp;
    size_t length;
    uint8_t first_byte;
    int stream;
    uint32_t stream_id;
    char code[128];
    char description[256];
    char tc_url[RTMPKIT_MAX_TC_URL + 1];
    int error;
};

struct fixture {
    rtmpkit_conn *conn;
    rk_chunk_writer server;      /* what the fake server sends */
    rk_chunk_reader *client;     /* parses what the engine sends */
    size_t client_skip;          /* handshake bytes of the engine's output still to skip */
    struct seen_event seen[MAX_SEEN];
    int seen_count;
    int last_recv;
};

static const rtmpkit_caps *fixture_caps;   /* announced by the next fixture's engine */

static void fixture_init(struct fixture *f, int publisher)
{
    rtmpkit_conn_config cfg = { .app = "live", .tc_url = "rtmp://127.0.0.1/live", .publisher = publisher,
                                .caps = fixture_caps };
    uint8_t random[RK_HANDSHAKE_SIZE];
    memset(f, 0, sizeof *f);
    for (int i = 0; i < RK_HANDSHAKE_SIZE; i++)
        random[i] = (uint8_t)(i * 7);
    cfg.simple_handshake = 1;
    f->conn = rtmpkit_conn_new(&cfg);
    rk_chunk_writer_init(&f->server);
    f->client = rk_chunk_reader_new();
    CHECK(f->conn != NULL);
    CHECK_INT(rtmpkit_conn_start(f->conn, 0, random), 0);
    f->client_skip = 1 + 2 * RK_HANDSHAKE_SIZE;   /* C0 C1, then C2 */
}

static void fixture_free(struct fixture *f)
{
    rtmpkit_conn_free(f->conn);
    rk_chunk_reader_free(f->client);
}

/* Feeds bytes to the engine the way a client does, copying events out. */
static void feed(struct fixture *f, const uint8_t *buf, size_t len)
{
    size_t used = 0;
    f->last_recv = 0;
    while (used < len) {
        rtmpkit_event ev;
        int n = rtmpkit_conn_recv(f->conn, buf + used, len - used, 0);
        if (n < 0) {
            f->last_recv = n;
        }
        while (rtmpkit_conn_poll_event(f->conn, &ev) && f->seen_count < MAX_SEEN) {
            struct seen_event *s = &f->seen[f->seen_count++];
            s->type = ev.type;
            s->media_type = ev.media_type;
            s->timestamp = ev.timestamp;
            s->length = ev.length;
            s->first_byte = ev.length ? ev.data[0] : 0;
            s->stream = ev.stream;
            s->stream_id = ev.stream_id;
            s->error = ev.error;
            snprintf(s->code, sizeof s->code, "%s", ev.code ? ev.code : "");
            snprintf(s->description, sizeof s->description, "%s", ev.description ? ev.description : "");
            snprintf(s->tc_url, sizeof s->tc_url, "%s", ev.tc_url ? ev.tc_url : "");
        }
        if (n <= 0)
            break;
        used += (size_t)n;
    }
}

/* The engine's output as messages; skips the handshake bytes first. */
static int next_client_message(struct fixture *f, rk_message *m)
{
    size_t len;
    const uint8_t *out = rtmpkit_conn_output(f->conn, &len);
    size_t skip = f->client_skip < len ? f->client_skip : len;
    size_t used = skip;
    f->client_skip -= skip;
    while (used < len) {
        int ready = 0;
        int n = rk_chunk_read(f->client, out + used, len - used, m, &ready);
        if (n <= 0)
            break;
        used += (size_t)n;
        if (ready) {
            /* m->data points into the reader, so the output can be consumed. */
            rtmpkit_conn_output_done(f->conn, used);
            return 1;
        }
    }
    rtmpkit_conn_output_done(f->conn, used);
    return 0;
}

static void send_server(struct fixture *f, uint32_t csid, uint8_t type, uint32_t sid, uint32_t ts, rtmpkit_buf *body)
{
    rtmpkit_buf wire;
    rtmpkit_buf_init(&wire, 1 << 24);
    CHECK_INT(rk_chunk_write(&f->server, &wire, csid, type, sid, ts, body->data, (uint32_t)body->len), 0);
    feed(f, wire.data, wire.len);
    rtmpkit_buf_free(&wire);
}

static void send_control(struct fixture *f, uint8_t type, const uint8_t *body, size_t len)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);
    rtmpkit_put_bytes(&b, body, len);
    send_server(f, 2, type, 0, 0, &b);
    rtmpkit_buf_free(&b);
}

static void send_status(struct fixture *f, uint32_t sid, const char *level, const char *code,
                        const char *description)
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
    rtmpkit_amf0_put_string(&b, description);
    rtmpkit_amf0_put_object_end(&b);
    send_server(f, 5, 20, sid, 0, &b);
    rtmpkit_buf_free(&b);
}

static void send_result(struct fixture *f, const char *name, double id, double stream_id,
                        const char *code, const char *description)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 4096);
    rtmpkit_amf0_put_string(&b, name);
    rtmpkit_amf0_put_number(&b, id);
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
        rtmpkit_amf0_put_number(&b, stream_id);
    }
    send_server(f, 3, 20, 0, 0, &b);
    rtmpkit_buf_free(&b);
}

/* A simple-handshake server: S0, S1 (zero version), S2. */
static void do_handshake(struct fixture *f)
{
    uint8_t s[1 + 2 * RK_HANDSHAKE_SIZE];
    memset(s, 0x5A, sizeof s);
    s[0] = 3;
    memset(s + 1 + 4, 0, 4);
    feed(f, s, sizeof s);
    CHECK(rtmpkit_conn_handshake_done(f->conn));
}

static const rtmpkit_amf *command_arg(rtmpkit_amf *values, int n, int index)
{
    return index < n ? &values[index] : NULL;
}

/* Decodes the next client message as a command and checks its name. */
static int expect_command(struct fixture *f, const char *name, rtmpkit_amf *values, uint32_t *stream_id)
{
    rk_message m;
    int n;
    if (!next_client_message(f, &m)) {
        CHECK(!"a command was sent");
        return -1;
    }
    CHECK_INT(m.type, 20);
    if (stream_id)
        *stream_id = m.stream_id;
    n = rtmpkit_amf0_decode_all(m.data, m.length, values, 8);
    CHECK(n >= 2);
    if (n >= 1)
        CHECK_STR(values[0].string, name);
    return n;
}

static void free_values(rtmpkit_amf *values, int n)
{
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&values[i]);
}

static void connect_ok(struct fixture *f)
{
    rtmpkit_amf v[8];
    rk_message m;
    uint8_t window[4] = { 0, 0, 0x13, 0x88 };   /* 5000 bytes */
    uint8_t bandwidth[5] = { 0, 0x26, 0x25, 0xA0, 2 };
    int n;

    do_handshake(f);
    n = expect_command(f, "connect", v, NULL);
    CHECK_INT(v[1].number, 1);
    CHECK_STR(rtmpkit_amf_get_string(command_arg(v, n, 2), "app"), "live");
    CHECK_STR(rtmpkit_amf_get_string(command_arg(v, n, 2), "tcUrl"), "rtmp://127.0.0.1/live");
    free_values(v, n);
    /* Set Chunk Size 4096 right after connect. */
    CHECK(next_client_message(f, &m));
    CHECK_INT(m.type, 1);
    CHECK_INT(m.length >= 4 ? rtmpkit_rb32(m.data) : 0, 4096);
    rk_chunk_reader_set_chunk_size(f->client, 4096);

    send_control(f, 5, window, sizeof window);
    send_control(f, 6, bandwidth, sizeof bandwidth);
    /* The engine answers Set Peer Bandwidth with its Window Ack Size. */
    CHECK(next_client_message(f, &m));
    CHECK_INT(m.type, 5);
    send_result(f, "_result", 1, 0, "NetConnection.Connect.Success", "Connection succeeded.");
    CHECK(f->seen_count > 0 && f->seen[f->seen_count - 1].type == RTMPKIT_EVENT_CONNECTED);
}

static void test_play_session(void)
{
    struct fixture f;
    rtmpkit_amf v[8];
    rk_message m;
    rtmpkit_buf b;
    uint32_t sid = 0;
    int n, base;

    fixture_init(&f, 0);
    connect_ok(&f);
    CHECK_INT(rtmpkit_conn_play(f.conn, "cam1", -2), 0);
    n = expect_command(&f, "createStream", v, NULL);
    CHECK_INT(v[1].number, 2);
    free_values(v, n);
    send_result(&f, "_result", 2, 7, NULL, NULL);
    CHECK_INT(f.seen[f.seen_count - 1].type, RTMPKIT_EVENT_STREAM_CREATED);
    CHECK_INT(f.seen[f.seen_count - 1].stream_id, 7);
    n = expect_command(&f, "play", v, &sid);
    CHECK_INT(sid, 7);
    CHECK(n >= 5);
    if (n >= 5) {
        CHECK_STR(v[3].string, "cam1");
        CHECK_INT(v[4].number, -2);
    }
    free_values(v, n);
    CHECK(next_client_message(&f, &m));   /* SetBufferLength for stream 7 */
    CHECK_INT(m.type, 4);
    CHECK(m.length == 10 && m.data[1] == 3 && rtmpkit_rb32(m.data + 2) == 7 && rtmpkit_rb32(m.data + 6) == 3000);

    base = f.seen_count;
    {
        uint8_t begin[6] = { 0, 0, 0, 0, 0, 7 };
        send_control(&f, 4, begin, sizeof begin);
    }
    send_status(&f, 1, "status", "NetStream.Play.Reset", "reset");
    send_status(&f, 1, "status", "NetStream.Play.Start", "Start live");
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_BEGIN);
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_STATUS);
    CHECK_STR(f.seen[base + 1].code, "NetStream.Play.Reset");
    CHECK_INT(f.seen[base + 2].type, RTMPKIT_EVENT_PLAY_START);

    /* |RtmpSampleAccess is signalling, onMetaData is content. */
    base = f.seen_count;
    rtmpkit_buf_init(&b, 1 << 16);
    rtmpkit_amf0_put_string(&b, "|RtmpSampleAccess");
    rtmpkit_amf0_put_bool(&b, 1);
    rtmpkit_amf0_put_bool(&b, 1);
    send_server(&f, 5, 18, 7, 0, &b);
    CHECK_INT(f.seen_count, base);
    rtmpkit_buf_reset(&b);
    rtmpkit_amf0_put_string(&b, "@setDataFrame");
    rtmpkit_amf0_put_string(&b, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(&b, 1);
    rtmpkit_amf0_put_key(&b, "width");
    rtmpkit_amf0_put_number(&b, 640);
    rtmpkit_amf0_put_object_end(&b);
    send_server(&f, 5, 18, 7, 0, &b);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_MEDIA);
    CHECK_INT(f.seen[base].media_type, 18);
    CHECK_INT(f.seen[base].first_byte, 2);
    CHECK_INT(f.seen[base].length, b.len - 16);   /* "@setDataFrame" stripped */

    /* A video frame of 10000 bytes (several chunks) at 40 ms. */
    rtmpkit_buf_reset(&b);
    rtmpkit_put_u8(&b, 0x17);
    for (int i = 1; i < 10000; i++)
        rtmpkit_put_u8(&b, (uint8_t)i);
    send_server(&f, 6, 9, 7, 40, &b);
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_MEDIA);
    CHECK_INT(f.seen[base + 1].media_type, 9);
    CHECK_INT(f.seen[base + 1].length, 10000);
    CHECK_INT(f.seen[base + 1].timestamp, 40);

    /* An aggregate of an audio and a video tag, relative times 1000 and 1033, at 80. */
    rtmpkit_buf_reset(&b);
    for (int i = 0; i < 2; i++) {
        uint8_t type = i ? 9 : 8;
        uint32_t ts = i ? 1033 : 1000, size = 5;
        rtmpkit_put_u8(&b, type);
        rtmpkit_put_u24(&b, size);
        rtmpkit_put_u24(&b, ts);
        rtmpkit_put_u8(&b, 0);
        rtmpkit_put_u24(&b, 0);
        for (uint32_t j = 0; j < size; j++)
            rtmpkit_put_u8(&b, type == 8 ? 0xAF : 0x27);
        rtmpkit_put_u32(&b, size + 11);
    }
    send_server(&f, 6, 22, 7, 80, &b);
    CHECK_INT(f.seen[base + 2].media_type, 8);
    CHECK_INT(f.seen[base + 2].timestamp, 80);
    CHECK_INT(f.seen[base + 3].media_type, 9);
    CHECK_INT(f.seen[base + 3].timestamp, 113);
    CHECK_INT(f.seen[base + 3].first_byte, 0x27);

    /* Ping: answered with the same 4 bytes. */
    {
        uint8_t ping[6] = { 0, 6, 0xDE, 0xAD, 0xBE, 0xEF };
        int found = 0;
        send_control(&f, 4, ping, sizeof ping);
        while (next_client_message(&f, &m))
            if (m.type == 4 && m.length == 6 && m.data[1] == 7 && rtmpkit_rb32(m.data + 2) == 0xDEADBEEF)
                found = 1;
        CHECK(found);
    }

    /* More than the 5000-byte window has arrived by now: an acknowledgement went out
     * when it was crossed. Send another window's worth and look for it. */
    {
        int acks = 0;
        rtmpkit_buf_reset(&b);
        for (int i = 0; i < 6000; i++)
            rtmpkit_put_u8(&b, 0xAF);
        send_server(&f, 4, 8, 7, 120, &b);
        while (next_client_message(&f, &m))
            if (m.type == 3 && m.length == 4 && rtmpkit_rb32(m.data) >= 5000
                && rtmpkit_rb32(m.data) <= rtmpkit_conn_bytes_received(f.conn))
                acks++;
        CHECK(acks >= 1);
    }

    base = f.seen_count;
    send_status(&f, 1, "status", "NetStream.Play.UnpublishNotify", "gone");
    {
        uint8_t eof[6] = { 0, 1, 0, 0, 0, 7 };
        send_control(&f, 4, eof, sizeof eof);
    }
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_END);
    CHECK_STR(f.seen[base].code, "NetStream.Play.UnpublishNotify");
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_STREAM_END);
    CHECK_STR(f.seen[base + 1].code, "StreamEOF");

    CHECK_INT(rtmpkit_conn_close_stream(f.conn, 0), 0);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, 0), RTMPKIT_STREAM_FREE);
    n = expect_command(&f, "deleteStream", v, NULL);
    CHECK(n >= 4 && v[3].number == 7);
    free_values(v, n);
    rtmpkit_buf_free(&b);
    fixture_free(&f);
}

static void test_publish_session(void)
{
    struct fixture f;
    rtmpkit_amf v[8];
    rk_message m;
    uint32_t sid = 0;
    uint8_t frame[3] = { 0x17, 1, 2 };
    int n, base;

    fixture_init(&f, 1);
    connect_ok(&f);
    CHECK_INT(rtmpkit_conn_send_media(f.conn, 0, 9, 0, frame, sizeof frame), RTMPKIT_EINTERNAL);
    CHECK_INT(rtmpkit_conn_publish(f.conn, "key", NULL), 0);
    n = expect_command(&f, "releaseStream", v, NULL);
    CHECK(n >= 4 && v[3].type == RTMPKIT_AMF_STRING);
    free_values(v, n);
    n = expect_command(&f, "FCPublish", v, NULL);
    free_values(v, n);
    n = expect_command(&f, "createStream", v, NULL);
    double create_id = v[1].number;
    free_values(v, n);
    send_result(&f, "_result", create_id, 1, NULL, NULL);
    n = expect_command(&f, "publish", v, &sid);
    CHECK_INT(sid, 1);
    CHECK(n >= 5);
    if (n >= 5) {
        CHECK_STR(v[3].string, "key");
        CHECK_STR(v[4].string, "live");
    }
    free_values(v, n);
    base = f.seen_count;
    send_status(&f, 1, "status", "NetStream.Publish.Start", "publishing");
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_PUBLISH_START);
    CHECK_INT(f.seen[base].stream, 0);
    CHECK_INT(f.seen[base].stream_id, 1);
    CHECK_INT(rtmpkit_conn_send_media(f.conn, 0, 9, 33, frame, sizeof frame), 0);
    CHECK(next_client_message(&f, &m));
    CHECK_INT(m.type, 9);
    CHECK_INT(m.stream_id, 1);
    CHECK_INT(m.timestamp, 33);
    CHECK_INT(m.length, 3);
    CHECK_INT(rtmpkit_conn_close_stream(f.conn, 0), 0);
    n = expect_command(&f, "FCUnpublish", v, NULL);
    free_values(v, n);
    n = expect_command(&f, "deleteStream", v, NULL);
    free_values(v, n);
    fixture_free(&f);
}

static void test_errors(void)
{
    struct fixture f;
    uint8_t zero[4] = { 0, 0, 0, 0 }, top[4] = { 0x80, 0, 0, 0 };

    /* connect _error: the server's description comes through. */
    fixture_init(&f, 0);
    do_handshake(&f);
    send_result(&f, "_error", 1, 0, "NetConnection.Connect.Rejected",
                "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ");
    CHECK_INT(f.last_recv, RTMPKIT_EREJECTED);
    CHECK_INT(f.seen[f.seen_count - 1].type, RTMPKIT_EVENT_ERROR);
    CHECK(strstr(rtmpkit_conn_error_message(f.conn), "authmod=adobe") != NULL);
    fixture_free(&f);

    /* an application the server does not have is an error of its own */
    fixture_init(&f, 0);
    do_handshake(&f);
    send_result(&f, "_error", 1, 0, "NetConnection.Connect.InvalidApp", "Application (nope) is not defined.");
    CHECK_INT(f.last_recv, RTMPKIT_EUNKNOWN_APP);
    CHECK(strstr(rtmpkit_conn_error_message(f.conn), "InvalidApp") != NULL);
    fixture_free(&f);

    /* Set Chunk Size 0 and with the top bit set are protocol errors. */
    fixture_init(&f, 0);
    do_handshake(&f);
    send_control(&f, 1, zero, sizeof zero);
    CHECK_INT(f.last_recv, RTMPKIT_EPROTOCOL);
    CHECK(strstr(rtmpkit_conn_error_message(f.conn), "chunk size") != NULL);
    fixture_free(&f);
    fixture_init(&f, 0);
    do_handshake(&f);
    send_control(&f, 1, top, sizeof top);
    CHECK_INT(f.last_recv, RTMPKIT_EPROTOCOL);
    fixture_free(&f);

    /* StreamNotFound is fatal for the stream, and says so; the connection lives on. */
    fixture_init(&f, 0);
    connect_ok(&f);
    rtmpkit_conn_play(f.conn, "nope", -2);
    send_result(&f, "_result", 2, 1, NULL, NULL);
    send_status(&f, 1, "error", "NetStream.Play.StreamNotFound", "No such stream");
    CHECK_INT(f.last_recv, 0);
    CHECK_INT(f.seen[f.seen_count - 1].type, RTMPKIT_EVENT_ERROR);
    CHECK_INT(f.seen[f.seen_count - 1].error, RTMPKIT_ENOT_FOUND);
    CHECK_INT(f.seen[f.seen_count - 1].stream, 0);
    CHECK_STR(f.seen[f.seen_count - 1].code, "NetStream.Play.StreamNotFound");
    CHECK_STR(f.seen[f.seen_count - 1].description, "NetStream.Play.StreamNotFound: No such stream");
    CHECK_STR(rtmpkit_conn_error_message(f.conn), "NetStream.Play.StreamNotFound: No such stream");
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, 0), RTMPKIT_STREAM_FAILED);
    fixture_free(&f);

    /* Publish refused: BadName. */
    fixture_init(&f, 1);
    connect_ok(&f);
    rtmpkit_conn_publish(f.conn, "key", "live");
    send_result(&f, "_result", 4, 1, NULL, NULL);
    send_status(&f, 1, "error", "NetStream.Publish.BadName", "Already publishing");
    CHECK_INT(f.seen[f.seen_count - 1].type, RTMPKIT_EVENT_ERROR);
    CHECK_INT(f.seen[f.seen_count - 1].error, RTMPKIT_EPUBLISH_REFUSED);
    CHECK_INT(f.seen[f.seen_count - 1].stream, 0);
    fixture_free(&f);

    /* An error about no stream of ours is the connection's. */
    fixture_init(&f, 0);
    connect_ok(&f);
    send_status(&f, 0, "error", "NetConnection.Call.Failed", "no");
    CHECK_INT(f.last_recv, RTMPKIT_ESTREAM_ERROR);
    CHECK_INT(f.seen[f.seen_count - 1].stream, -1);
    fixture_free(&f);

    /* A handshake reply that is not RTMP. */
    fixture_init(&f, 0);
    {
        uint8_t http[1 + 2 * RK_HANDSHAKE_SIZE];
        memset(http, 'H', sizeof http);
        feed(&f, http, sizeof http);
        CHECK_INT(f.last_recv, RTMPKIT_EHANDSHAKE);
    }
    fixture_free(&f);

    /* A command that is not AMF. */
    fixture_init(&f, 0);
    do_handshake(&f);
    {
        rtmpkit_buf b;
        rtmpkit_buf_init(&b, 64);
        rtmpkit_put_u8(&b, 0x42);
        send_server(&f, 3, 20, 0, 0, &b);
        rtmpkit_buf_free(&b);
    }
    CHECK_INT(f.last_recv, RTMPKIT_EPROTOCOL);
    fixture_free(&f);
}

/* Puts one FLV tag (header, body, PreviousTagSize) into an aggregate message body. */
static void put_agg_tag(rtmpkit_buf *b, uint8_t type, uint32_t ts, const rtmpkit_buf *body)
{
    rtmpkit_put_u8(b, type);
    rtmpkit_put_u24(b, (uint32_t)body->len);
    rtmpkit_put_u24(b, ts & 0xFFFFFF);
    rtmpkit_put_u8(b, (uint8_t)(ts >> 24));
    rtmpkit_put_u24(b, 0);
    rtmpkit_put_bytes(b, body->data, body->len);
    rtmpkit_put_u32(b, (uint32_t)body->len + 11);
}

static void put_status_data(rtmpkit_buf *b, const char *code)
{
    rtmpkit_buf_reset(b);
    rtmpkit_amf0_put_string(b, "onStatus");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "level");
    rtmpkit_amf0_put_string(b, "status");
    rtmpkit_amf0_put_key(b, "code");
    rtmpkit_amf0_put_string(b, code);
    rtmpkit_amf0_put_object_end(b);
}

/* Several onStatus data tags in one aggregate message: each status keeps its own values
 * until the next recv (the second used to overwrite, and leak, the first's), and a
 * message with more than the engine can hold fails cleanly. */
static void test_aggregate_statuses(void)
{
    static const char *codes[] = { "NetStream.Play.Reset", "NetStream.Play.Start",
                                   "NetStream.Play.Stop", "NetStream.Play.Complete",
                                   "NetStream.Play.Stop" };
    struct fixture f;
    rtmpkit_buf agg, body;
    int base;

    fixture_init(&f, 0);
    connect_ok(&f);
    rtmpkit_conn_play(f.conn, "cam", -2);
    send_result(&f, "_result", 2, 1, NULL, NULL);
    rtmpkit_buf_init(&agg, 1 << 16);
    rtmpkit_buf_init(&body, 1 << 16);
    put_status_data(&body, codes[0]);
    put_agg_tag(&agg, 18, 0, &body);
    put_status_data(&body, codes[1]);
    put_agg_tag(&agg, 18, 0, &body);
    base = f.seen_count;
    send_server(&f, 5, 22, 1, 0, &agg);
    CHECK_INT(f.last_recv, 0);
    CHECK_INT(f.seen_count, base + 2);
    CHECK_STR(f.seen[base].code, "NetStream.Play.Reset");
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_PLAY_START);
    CHECK_STR(f.seen[base + 1].code, "NetStream.Play.Start");

    /* Five statuses of two values each do not fit the eight the engine holds. */
    rtmpkit_buf_reset(&agg);
    for (int i = 0; i < 5; i++) {
        put_status_data(&body, codes[i]);
        put_agg_tag(&agg, 18, 0, &body);
    }
    send_server(&f, 5, 22, 1, 0, &agg);
    CHECK_INT(f.last_recv, RTMPKIT_ELIMIT);
    CHECK_INT(f.seen[f.seen_count - 1].type, RTMPKIT_EVENT_ERROR);
    rtmpkit_buf_free(&agg);
    rtmpkit_buf_free(&body);
    fixture_free(&f);
}

/* createStream answers whose stream id is not a whole 32-bit number fail cleanly; NaN
 * used to reach a float-to-integer conversion (undefined behaviour). */
static void test_bad_stream_ids(void)
{
    const double ids[] = { NAN, -NAN, INFINITY, -1, 1.5, 4294967296.0 };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        struct fixture f;
        fixture_init(&f, 0);
        connect_ok(&f);
        CHECK_INT(rtmpkit_conn_play(f.conn, "cam", -2), 0);
        send_result(&f, "_result", 2, ids[i], NULL, NULL);
        CHECK_INT(f.last_recv, RTMPKIT_EPROTOCOL);
        CHECK(strstr(rtmpkit_conn_error_message(f.conn), "stream id") != NULL);
        fixture_free(&f);
    }
}

/* A media message of len bytes (first, then 1, 2, 3...) on message stream sid. */
static void send_media(struct fixture *f, uint32_t sid, uint8_t type, uint32_t ts, uint8_t first, size_t len)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1 << 16);
    rtmpkit_put_u8(&b, first);
    for (size_t i = 1; i < len; i++)
        rtmpkit_put_u8(&b, (uint8_t)i);
    send_server(f, type == 8 ? 4 : 6, type, sid, ts, &b);
    rtmpkit_buf_free(&b);
}

/* StreamBegin (0) or StreamEOF (1) for message stream sid. */
static void send_stream_control(struct fixture *f, uint16_t event, uint32_t sid)
{
    uint8_t body[6] = { 0, (uint8_t)event };
    rtmpkit_wb32(body + 2, sid);
    send_control(f, 4, body, sizeof body);
}

static void check_media(const struct seen_event *s, int stream, uint32_t sid, uint8_t type, uint32_t ts,
                        uint8_t first, size_t len)
{
    CHECK_INT(s->type, RTMPKIT_EVENT_MEDIA);
    CHECK_INT(s->stream, stream);
    CHECK_INT(s->stream_id, sid);
    CHECK_INT(s->media_type, type);
    CHECK_INT(s->timestamp, ts);
    CHECK_INT(s->first_byte, first);
    CHECK_INT(s->length, len);
}

/* Expects play(name, start) on message stream sid, then its SetBufferLength. */
static void expect_play(struct fixture *f, uint32_t sid, const char *name, double start)
{
    rtmpkit_amf v[8];
    rk_message m;
    uint32_t on = 0;
    int n = expect_command(f, "play", v, &on);
    CHECK_INT(on, sid);
    CHECK(n >= 5);
    if (n >= 5) {
        CHECK_STR(v[3].string, name);
        CHECK_INT(v[4].number, start);
    }
    free_values(v, n);
    CHECK(next_client_message(f, &m));
    CHECK(m.type == 4 && m.length == 10 && m.data[1] == 3 && rtmpkit_rb32(m.data + 2) == sid);
}

/* Expects createStream and returns its transaction id. */
static double expect_create_stream(struct fixture *f)
{
    rtmpkit_amf v[8];
    int n = expect_command(f, "createStream", v, NULL);
    double id = n >= 2 ? v[1].number : -1;
    free_values(v, n);
    return id;
}

static void expect_delete_stream(struct fixture *f, uint32_t sid)
{
    rtmpkit_amf v[8];
    int n = expect_command(f, "deleteStream", v, NULL);
    CHECK(n >= 4 && v[3].type == RTMPKIT_AMF_NUMBER && v[3].number == sid);
    free_values(v, n);
}

/* Two plays over one connection: createStream answered in the other order, media routed
 * by message stream id, StreamEOF and an error status each end one stream only. */
static void test_two_plays(void)
{
    struct fixture f;
    double tx_a, tx_b;
    int a, b, base;

    fixture_init(&f, 0);
    connect_ok(&f);
    a = rtmpkit_conn_play(f.conn, "cam-a", -2);
    b = rtmpkit_conn_play(f.conn, "cam-b", -1);
    CHECK_INT(a, 0);
    CHECK_INT(b, 1);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, a), RTMPKIT_STREAM_CREATING);
    CHECK_INT(rtmpkit_conn_stream_id(f.conn, a), -1);
    tx_a = expect_create_stream(&f);
    tx_b = expect_create_stream(&f);
    CHECK(tx_a != tx_b);

    base = f.seen_count;
    send_result(&f, "_result", tx_b, 5, NULL, NULL);
    send_result(&f, "_result", tx_a, 4, NULL, NULL);
    CHECK_INT(f.seen_count, base + 2);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_CREATED);
    CHECK_INT(f.seen[base].stream, b);
    CHECK_INT(f.seen[base].stream_id, 5);
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_STREAM_CREATED);
    CHECK_INT(f.seen[base + 1].stream, a);
    CHECK_INT(f.seen[base + 1].stream_id, 4);
    expect_play(&f, 5, "cam-b", -1);
    expect_play(&f, 4, "cam-a", -2);
    CHECK_INT(rtmpkit_conn_stream_id(f.conn, a), 4);
    CHECK_INT(rtmpkit_conn_stream_id(f.conn, b), 5);

    base = f.seen_count;
    send_stream_control(&f, 0, 5);
    send_status(&f, 5, "status", "NetStream.Play.Start", "b");
    send_stream_control(&f, 0, 4);
    send_status(&f, 4, "status", "NetStream.Play.Start", "a");
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_BEGIN);
    CHECK_INT(f.seen[base].stream, b);
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_PLAY_START);
    CHECK_INT(f.seen[base + 1].stream, b);
    CHECK_INT(f.seen[base + 2].type, RTMPKIT_EVENT_STREAM_BEGIN);
    CHECK_INT(f.seen[base + 2].stream, a);
    CHECK_INT(f.seen[base + 3].type, RTMPKIT_EVENT_PLAY_START);
    CHECK_INT(f.seen[base + 3].stream, a);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, a), RTMPKIT_STREAM_PLAYING);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, b), RTMPKIT_STREAM_PLAYING);

    /* Interleaved media, each to its stream. */
    base = f.seen_count;
    send_media(&f, 4, 9, 40, 0x17, 100);
    send_media(&f, 5, 9, 40, 0x27, 200);
    send_media(&f, 5, 8, 41, 0xAF, 30);
    send_media(&f, 4, 8, 42, 0xAE, 31);
    CHECK_INT(f.seen_count, base + 4);
    check_media(&f.seen[base], a, 4, 9, 40, 0x17, 100);
    check_media(&f.seen[base + 1], b, 5, 9, 40, 0x27, 200);
    check_media(&f.seen[base + 2], b, 5, 8, 41, 0xAF, 30);
    check_media(&f.seen[base + 3], a, 4, 8, 42, 0xAE, 31);
    /* Media on a message stream of no stream of ours is dropped. */
    base = f.seen_count;
    send_media(&f, 9, 9, 50, 0x17, 10);
    CHECK_INT(f.last_recv, 0);
    CHECK_INT(f.seen_count, base);

    /* StreamEOF for b: an end for b only; a plays on. */
    send_stream_control(&f, 1, 5);
    send_media(&f, 4, 9, 80, 0x27, 10);
    CHECK_INT(f.seen_count, base + 2);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_END);
    CHECK_INT(f.seen[base].stream, b);
    CHECK_STR(f.seen[base].code, "StreamEOF");
    check_media(&f.seen[base + 1], a, 4, 9, 80, 0x27, 10);

    /* An error status on a ends a; b goes on, and the connection lives. */
    base = f.seen_count;
    send_status(&f, 4, "error", "NetStream.Play.Failed", "decoder gone");
    CHECK_INT(f.last_recv, 0);
    send_media(&f, 5, 9, 120, 0x17, 12);
    CHECK_INT(f.seen_count, base + 2);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_ERROR);
    CHECK_INT(f.seen[base].stream, a);
    CHECK_INT(f.seen[base].error, RTMPKIT_ESTREAM_ERROR);
    CHECK_STR(f.seen[base].description, "NetStream.Play.Failed: decoder gone");
    check_media(&f.seen[base + 1], b, 5, 9, 120, 0x17, 12);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, a), RTMPKIT_STREAM_FAILED);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, b), RTMPKIT_STREAM_PLAYING);

    CHECK_INT(rtmpkit_conn_close_stream(f.conn, a), 0);
    expect_delete_stream(&f, 4);
    CHECK_INT(rtmpkit_conn_close_stream(f.conn, b), 0);
    expect_delete_stream(&f, 5);
    CHECK_INT(rtmpkit_conn_close_stream(f.conn, b), 0);   /* a free handle: nothing to do */
    CHECK_INT(rtmpkit_conn_close_stream(f.conn, RTMPKIT_MAX_STREAMS), RTMPKIT_EUSAGE);
    fixture_free(&f);
}

/* A publish and a play on one connection. */
static void test_publish_and_play(void)
{
    static const uint8_t frame[3] = { 0x17, 1, 2 };
    struct fixture f;
    rtmpkit_amf v[8];
    rk_message m;
    uint32_t sid = 0;
    double tx_p, tx_q;
    int p, q, n, base;

    fixture_init(&f, 1);
    connect_ok(&f);
    p = rtmpkit_conn_publish(f.conn, "key", NULL);
    q = rtmpkit_conn_play(f.conn, "cam", -2);
    CHECK_INT(p, 0);
    CHECK_INT(q, 1);
    n = expect_command(&f, "releaseStream", v, NULL);
    free_values(v, n);
    n = expect_command(&f, "FCPublish", v, NULL);
    free_values(v, n);
    tx_p = expect_create_stream(&f);
    tx_q = expect_create_stream(&f);
    send_result(&f, "_result", tx_q, 2, NULL, NULL);
    send_result(&f, "_result", tx_p, 1, NULL, NULL);
    expect_play(&f, 2, "cam", -2);
    n = expect_command(&f, "publish", v, &sid);
    CHECK_INT(sid, 1);
    CHECK(n >= 5 && strcmp(v[3].string, "key") == 0 && strcmp(v[4].string, "live") == 0);
    free_values(v, n);

    base = f.seen_count;
    send_status(&f, 2, "status", "NetStream.Publish.Start", "not for a player");
    send_status(&f, 1, "status", "NetStream.Publish.Start", "publishing");
    send_status(&f, 2, "status", "NetStream.Play.Start", "playing");
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STATUS);
    CHECK_INT(f.seen[base].stream, q);
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_PUBLISH_START);
    CHECK_INT(f.seen[base + 1].stream, p);
    CHECK_INT(f.seen[base + 2].type, RTMPKIT_EVENT_PLAY_START);
    CHECK_INT(f.seen[base + 2].stream, q);

    CHECK_INT(rtmpkit_conn_send_media(f.conn, q, 9, 0, frame, sizeof frame), RTMPKIT_EINTERNAL);
    CHECK_INT(rtmpkit_conn_send_media(f.conn, p, 9, 33, frame, sizeof frame), 0);
    CHECK(next_client_message(&f, &m));
    CHECK(m.type == 9 && m.stream_id == 1 && m.timestamp == 33 && m.length == 3);
    base = f.seen_count;
    send_media(&f, 2, 9, 40, 0x17, 64);
    check_media(&f.seen[base], q, 2, 9, 40, 0x17, 64);

    /* The publish refused later: the play goes on. */
    base = f.seen_count;
    send_status(&f, 1, "error", "NetStream.Publish.BadName", "taken");
    send_media(&f, 2, 8, 60, 0xAF, 9);
    CHECK_INT(f.last_recv, 0);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_ERROR);
    CHECK_INT(f.seen[base].stream, p);
    CHECK_INT(f.seen[base].error, RTMPKIT_EPUBLISH_REFUSED);
    check_media(&f.seen[base + 1], q, 2, 8, 60, 0xAF, 9);
    CHECK_INT(rtmpkit_conn_send_media(f.conn, p, 9, 66, frame, sizeof frame), RTMPKIT_EINTERNAL);
    /* A refused publish is not unpublished, only deleted. */
    CHECK_INT(rtmpkit_conn_close_stream(f.conn, p), 0);
    expect_delete_stream(&f, 1);
    fixture_free(&f);
}

/* RTMPKIT_MAX_STREAMS at once, then ELIMIT; the connection goes on, a closed handle is
 * given again, and the late answer to a closed stream's createStream deletes it. */
static void test_stream_cap(void)
{
    struct fixture f;
    rk_message m;
    int base;

    fixture_init(&f, 0);
    connect_ok(&f);
    for (int i = 0; i < RTMPKIT_MAX_STREAMS; i++)
        CHECK_INT(rtmpkit_conn_play(f.conn, "cam", -2), i);
    CHECK_INT(rtmpkit_conn_play(f.conn, "cam", -2), RTMPKIT_ELIMIT);
    CHECK(strstr(rtmpkit_conn_error_message(f.conn), "more than 64 streams") != NULL);
    CHECK_INT(rtmpkit_conn_publish(f.conn, "key", NULL), RTMPKIT_ELIMIT);

    CHECK_INT(rtmpkit_conn_close_stream(f.conn, 10), 0);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, 10), RTMPKIT_STREAM_FREE);
    CHECK_INT(rtmpkit_conn_play(f.conn, "cam2", -2), 10);
    while (next_client_message(&f, &m))   /* 65 createStreams; ids 2.., then 66 */
        ;
    base = f.seen_count;
    send_result(&f, "_result", 12, 77, NULL, NULL);   /* the first stream 10's */
    expect_delete_stream(&f, 77);
    CHECK_INT(f.seen_count, base);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, 10), RTMPKIT_STREAM_CREATING);
    send_result(&f, "_result", 2 + RTMPKIT_MAX_STREAMS, 78, NULL, NULL);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_CREATED);
    CHECK_INT(f.seen[base].stream, 10);
    CHECK_INT(f.seen[base].stream_id, 78);
    expect_play(&f, 78, "cam2", -2);
    CHECK_INT(f.last_recv, 0);
    fixture_free(&f);
}

/* A server that serves one stream per connection (nginx-rtmp) answers every createStream
 * with message stream id 1: the second stream fails alone, and closing it sends nothing
 * that could end the first. */
static void test_one_stream_server(void)
{
    struct fixture f;
    rk_message m;
    double tx_a, tx_b;
    int a, b, base;

    fixture_init(&f, 0);
    connect_ok(&f);
    a = rtmpkit_conn_play(f.conn, "cam-a", -2);
    b = rtmpkit_conn_play(f.conn, "cam-b", -2);
    tx_a = expect_create_stream(&f);
    tx_b = expect_create_stream(&f);
    base = f.seen_count;
    send_result(&f, "_result", tx_a, 1, NULL, NULL);
    send_result(&f, "_result", tx_b, 1, NULL, NULL);
    CHECK_INT(f.last_recv, 0);
    CHECK_INT(f.seen_count, base + 2);
    CHECK_INT(f.seen[base].type, RTMPKIT_EVENT_STREAM_CREATED);
    CHECK_INT(f.seen[base].stream, a);
    CHECK_INT(f.seen[base + 1].type, RTMPKIT_EVENT_ERROR);
    CHECK_INT(f.seen[base + 1].stream, b);
    CHECK_INT(f.seen[base + 1].error, RTMPKIT_ESTREAM_ERROR);
    CHECK(strstr(f.seen[base + 1].description, "one stream per connection") != NULL);
    expect_play(&f, 1, "cam-a", -2);
    CHECK(!next_client_message(&f, &m));   /* no play for b */
    CHECK_INT(rtmpkit_conn_close_stream(f.conn, b), 0);
    CHECK(!next_client_message(&f, &m));   /* no deleteStream 1 */
    base = f.seen_count;
    send_media(&f, 1, 9, 0, 0x17, 50);
    check_media(&f.seen[base], a, 1, 9, 0, 0x17, 50);
    fixture_free(&f);
}

/* Enhanced RTMP capabilities: announced in the connect command object, read from the
 * server's _result properties, looked up. */
static void test_caps(void)
{
    static const rtmpkit_caps ours = {
        .video = { { RTMPKIT_FOURCC('h', 'v', 'c', '1'), RTMPKIT_CAN_ENCODE } }, .n_video = 1,
        .audio = { { RTMPKIT_FOURCC_ANY, RTMPKIT_CAN_FORWARD } }, .n_audio = 1,
        .list = { RTMPKIT_FOURCC('h', 'v', 'c', '1') }, .n_list = 1,
        .caps_ex = RTMPKIT_CAPS_EX_MODEX,
    };
    const rtmpkit_amf *obj, *list;
    const rtmpkit_caps *theirs;
    struct fixture f;
    rtmpkit_amf v[8];
    rtmpkit_buf b;
    char text[256];
    int n;

    fixture_caps = &ours;
    fixture_init(&f, 1);
    fixture_caps = NULL;
    do_handshake(&f);
    n = expect_command(&f, "connect", v, NULL);
    obj = command_arg(v, n, 2);
    list = rtmpkit_amf_get(obj, "fourCcList");
    CHECK(list && list->type == RTMPKIT_AMF_STRICT_ARRAY && list->count == 1);
    if (list && list->count == 1)
        CHECK_STR(list->items[0].string, "hvc1");
    CHECK_INT(rtmpkit_amf_get_number(rtmpkit_amf_get(obj, "videoFourCcInfoMap"), "hvc1", -1), 2);
    CHECK_INT(rtmpkit_amf_get_number(rtmpkit_amf_get(obj, "audioFourCcInfoMap"), "*", -1), 4);
    CHECK_INT(rtmpkit_amf_get_number(obj, "capsEx", -1), 4);
    free_values(v, n);
    CHECK_INT(rtmpkit_conn_server_caps(f.conn)->present, 0);

    /* The server's answer: av01 and Opus in its maps, capsEx 3. */
    rtmpkit_buf_init(&b, 4096);
    rtmpkit_amf0_put_string(&b, "_result");
    rtmpkit_amf0_put_number(&b, 1);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "fmsVer");
    rtmpkit_amf0_put_string(&b, "FMS/3,0,1,123");
    rtmpkit_amf0_put_key(&b, "videoFourCcInfoMap");
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "av01");
    rtmpkit_amf0_put_number(&b, 7);
    rtmpkit_amf0_put_key(&b, "toolong");   /* not a FourCC: ignored */
    rtmpkit_amf0_put_number(&b, 7);
    rtmpkit_amf0_put_object_end(&b);
    rtmpkit_amf0_put_key(&b, "audioFourCcInfoMap");
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "Opus");
    rtmpkit_amf0_put_number(&b, 4);
    rtmpkit_amf0_put_object_end(&b);
    rtmpkit_amf0_put_key(&b, "capsEx");
    rtmpkit_amf0_put_number(&b, 3);
    rtmpkit_amf0_put_object_end(&b);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "level");
    rtmpkit_amf0_put_string(&b, "status");
    rtmpkit_amf0_put_key(&b, "code");
    rtmpkit_amf0_put_string(&b, "NetConnection.Connect.Success");
    rtmpkit_amf0_put_object_end(&b);
    send_server(&f, 3, 20, 0, 0, &b);
    rtmpkit_buf_free(&b);
    theirs = rtmpkit_conn_server_caps(f.conn);
    CHECK_INT(theirs->present, 1);
    CHECK_INT(theirs->n_video, 1);
    CHECK_INT(theirs->caps_ex, 3);
    CHECK_INT(rtmpkit_caps_lists(theirs, 1, RTMPKIT_FOURCC('a', 'v', '0', '1')), 1);
    CHECK_INT(rtmpkit_caps_lists(theirs, 1, RTMPKIT_FOURCC('h', 'v', 'c', '1')), 0);
    CHECK_INT(rtmpkit_caps_lists(theirs, 0, RTMPKIT_FOURCC('O', 'p', 'u', 's')), 1);
    CHECK_INT(rtmpkit_caps_lists(theirs, 0, RTMPKIT_FOURCC('f', 'L', 'a', 'C')), 0);
    rtmpkit_caps_format(theirs, text, sizeof text);
    CHECK_STR(text, "video av01:7 audio Opus:4 capsEx 3");
    /* A legacy server says nothing: nothing to warn about. */
    {
        rtmpkit_caps none = { .caps_ex = -1 };
        CHECK_INT(rtmpkit_caps_lists(&none, 1, RTMPKIT_FOURCC('h', 'v', 'c', '1')), -1);
        rtmpkit_caps_format(&none, text, sizeof text);
        CHECK_STR(text, "none");
    }
    fixture_free(&f);
}

/* The connect _result's objects stay readable after the message: what rtmp-probe shows
 * of the server (fmsVer, and the Enhanced RTMP capabilities it echoes). */
static void test_connect_result_kept(void)
{
    struct fixture f;
    rtmpkit_buf b;
    const rtmpkit_amf *props, *list;

    fixture_init(&f, 0);
    CHECK_INT(rtmpkit_conn_connect_properties(f.conn)->type, RTMPKIT_AMF_NULL);
    CHECK_INT(rtmpkit_conn_connect_info(f.conn)->type, RTMPKIT_AMF_NULL);
    do_handshake(&f);
    rtmpkit_buf_init(&b, 4096);
    rtmpkit_amf0_put_string(&b, "_result");
    rtmpkit_amf0_put_number(&b, 1);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "fmsVer");
    rtmpkit_amf0_put_string(&b, "FMS/3,5,7,7009");
    rtmpkit_amf0_put_key(&b, "capabilities");
    rtmpkit_amf0_put_number(&b, 31);
    rtmpkit_amf0_put_key(&b, "capsEx");
    rtmpkit_amf0_put_number(&b, 3);
    rtmpkit_amf0_put_key(&b, "fourCcList");
    rtmpkit_amf0_put_ecma_array_start(&b, 0);   /* stands in for a strict array: any map works */
    rtmpkit_amf0_put_key(&b, "0");
    rtmpkit_amf0_put_string(&b, "hvc1");
    rtmpkit_amf0_put_object_end(&b);
    rtmpkit_amf0_put_object_end(&b);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "code");
    rtmpkit_amf0_put_string(&b, "NetConnection.Connect.Success");
    rtmpkit_amf0_put_object_end(&b);
    send_server(&f, 3, 20, 0, 0, &b);
    rtmpkit_buf_free(&b);
    CHECK(f.seen_count > 0 && f.seen[f.seen_count - 1].type == RTMPKIT_EVENT_CONNECTED);
    /* another message in between: the kept objects are not the message's values */
    send_status(&f, 0, "status", "NetConnection.Something", "x");
    props = rtmpkit_conn_connect_properties(f.conn);
    CHECK_STR(rtmpkit_amf_get_string(props, "fmsVer"), "FMS/3,5,7,7009");
    CHECK(rtmpkit_amf_get_number(props, "capsEx", 0) == 3);
    list = rtmpkit_amf_get(props, "fourCcList");
    CHECK(list && rtmpkit_amf_get_string(list, "0") && strcmp(rtmpkit_amf_get_string(list, "0"), "hvc1") == 0);
    CHECK_STR(rtmpkit_amf_get_string(rtmpkit_conn_connect_info(f.conn), "code"), "NetConnection.Connect.Success");
    fixture_free(&f);
}

/* A ReconnectRequest (onStatus on stream 0, transaction 0) with its tcUrl value. */
static void send_reconnect_request(struct fixture *f, const char *level, int tc_url_kind, const char *tc_url)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 8192);
    rtmpkit_amf0_put_string(&b, "onStatus");
    rtmpkit_amf0_put_number(&b, 0);
    rtmpkit_amf0_put_null(&b);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "level");
    rtmpkit_amf0_put_string(&b, level);
    rtmpkit_amf0_put_key(&b, "code");
    rtmpkit_amf0_put_string(&b, "NetConnection.Connect.ReconnectRequest");
    rtmpkit_amf0_put_key(&b, "description");
    rtmpkit_amf0_put_string(&b, "The streaming server is undergoing updates.");
    if (tc_url_kind == 1) {   /* a string */
        rtmpkit_amf0_put_key(&b, "tcUrl");
        rtmpkit_amf0_put_string(&b, tc_url);
    } else if (tc_url_kind == 2) {   /* a number */
        rtmpkit_amf0_put_key(&b, "tcUrl");
        rtmpkit_amf0_put_number(&b, 42);
    }
    rtmpkit_amf0_put_object_end(&b);
    send_server(f, 3, 20, 0, 0, &b);
    rtmpkit_buf_free(&b);
}

/* Enhanced RTMP ReconnectRequest: an event with the tcUrl when connect announced
 * Reconnect in capsEx (and says so), else a plain status; a tcUrl that is no string or
 * too long is no request; the connection and its stream go on either way. */
static void test_reconnect_request(void)
{
    static const rtmpkit_caps follows = { .caps_ex = RTMPKIT_CAPS_EX_RECONNECT | RTMPKIT_CAPS_EX_MODEX };
    static const rtmpkit_caps silent = { .caps_ex = RTMPKIT_CAPS_EX_MODEX };
    char longurl[RTMPKIT_MAX_TC_URL + 2];
    struct fixture f;
    rtmpkit_amf v[8];
    int n, stream;

    fixture_caps = &follows;
    fixture_init(&f, 1);
    fixture_caps = NULL;
    do_handshake(&f);
    n = expect_command(&f, "connect", v, NULL);
    CHECK_INT(rtmpkit_amf_get_number(command_arg(v, n, 2), "capsEx", -1), 5);
    free_values(v, n);
    send_result(&f, "_result", 1, 0, "NetConnection.Connect.Success", "ok");
    stream = rtmpkit_conn_publish(f.conn, "key", NULL);
    CHECK_INT(stream, 0);
    send_result(&f, "_result", 4, 1, NULL, NULL);
    send_status(&f, 1, "status", "NetStream.Publish.Start", "go");
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, stream), RTMPKIT_STREAM_PUBLISHING);

    f.seen_count = 0;
    send_reconnect_request(&f, "status", 1, "rtmp://192.0.2.1:1936/other");
    CHECK_INT(f.seen_count, 1);
    CHECK_INT(f.seen[0].type, RTMPKIT_EVENT_RECONNECT_REQUEST);
    CHECK_INT(f.seen[0].stream, -1);
    CHECK_STR(f.seen[0].code, RTMPKIT_RECONNECT_REQUEST_CODE);
    CHECK_STR(f.seen[0].tc_url, "rtmp://192.0.2.1:1936/other");
    CHECK_STR(f.seen[0].description, "The streaming server is undergoing updates.");
    /* No tcUrl: the same place; a relative one as sent (the session resolves it). */
    send_reconnect_request(&f, "status", 0, NULL);
    CHECK_INT(f.seen[1].type, RTMPKIT_EVENT_RECONNECT_REQUEST);
    CHECK_STR(f.seen[1].tc_url, "");
    send_reconnect_request(&f, "status", 1, "/other");
    CHECK_STR(f.seen[2].tc_url, "/other");
    /* A tcUrl that is a number, or too long: a status, no request. */
    send_reconnect_request(&f, "status", 2, NULL);
    CHECK_INT(f.seen[3].type, RTMPKIT_EVENT_STATUS);
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[sizeof longurl - 1] = 0;
    send_reconnect_request(&f, "status", 1, longurl);
    CHECK_INT(f.seen[4].type, RTMPKIT_EVENT_STATUS);
    CHECK_INT(f.seen_count, 5);
    CHECK_INT(f.last_recv, 0);
    CHECK_INT(rtmpkit_conn_stream_state(f.conn, stream), RTMPKIT_STREAM_PUBLISHING);
    CHECK_INT(rtmpkit_conn_send_media(f.conn, stream, 9, 0, (const uint8_t *)"\x17\x01", 2), 0);
    fixture_free(&f);

    /* Not announced: a plain status, nothing to follow. */
    fixture_caps = &silent;
    fixture_init(&f, 0);
    fixture_caps = NULL;
    do_handshake(&f);
    n = expect_command(&f, "connect", v, NULL);
    CHECK_INT(rtmpkit_amf_get_number(command_arg(v, n, 2), "capsEx", -1), 4);
    free_values(v, n);
    send_result(&f, "_result", 1, 0, "NetConnection.Connect.Success", "ok");
    f.seen_count = 0;
    send_reconnect_request(&f, "status", 1, "rtmp://192.0.2.1/other");
    CHECK_INT(f.seen_count, 1);
    CHECK_INT(f.seen[0].type, RTMPKIT_EVENT_STATUS);
    CHECK_STR(f.seen[0].code, RTMPKIT_RECONNECT_REQUEST_CODE);
    fixture_free(&f);
}

int main(void)
{
    test_connect_result_kept();
    test_caps();
    test_reconnect_request();
    test_play_session();
    test_publish_session();
    test_errors();
    test_aggregate_statuses();
    test_bad_stream_ids();
    test_two_plays();
    test_publish_and_play();
    test_stream_cap();
    test_one_stream_server();
    return check_report("conn");
}
