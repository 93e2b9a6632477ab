/* A scripted RTMP server in memory, for the unit tests of the client and the session: it
 * answers what the client writes on an in-memory transport (simple handshake, connect,
 * createStream, play or publish) as its script says, and remembers what it received.
 * Each connect attempt of the client opens a fresh connection (a new transport and chunk
 * reader); a test can make attempts fail (refuse) and change the script of the later
 * ones. Static functions: include it in one test file. */
#ifndef MEM_SERVER_H
#define MEM_SERVER_H

#include <stdlib.h>

#include "check.h"
#include "chunk.h"
#include "handshake.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "transport.h"

#define MAX_RECEIVED 1024
#define MAX_CONNECTIONS 16

enum script {
    SCRIPT_PLAY,            /* Play.Start, metadata, media, StreamEOF */
    SCRIPT_SILENT,          /* Play.Start, one frame, then nothing */
    SCRIPT_CLOSE,           /* Play.Start, three frames, then the connection closes */
    SCRIPT_REJECT,          /* connect _error */
    SCRIPT_PUBLISH,         /* Publish.Start, then it records what it gets */
    SCRIPT_NOT_FOUND_B,     /* plays; the stream named "b" is not found */
    SCRIPT_START_ONLY,      /* Play.Start, then nothing at all */
};

/* A message the client sent, as the server saw it. */
struct received {
    uint8_t type;
    uint32_t stream_id;
    uint32_t timestamp;
    uint32_t length;
    uint8_t first_byte;
    uint8_t second_byte;    /* AVC/AAC packet type: 0 for a sequence header */
    int connection;         /* 0 for the first connection, 1 for the next... */
    char command[32];       /* command messages: the name; data messages: their first string */
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
    int refuse;             /* the next this many connect attempts are refused */
    int refuse_error;       /* with this error (0: RTMPKIT_EREFUSED) */
    int later_script;       /* 1: connections after the first follow next_script */
    enum script next_script;
    int deaf;               /* 1: messages are read and never answered (a black hole) */
    int bad_name;           /* the next this many publish commands get NetStream.Publish.BadName */
    int close_at_start;     /* the next this many plays close right after Play.Start */
    rk_mem_transport *spent[MAX_CONNECTIONS];   /* earlier connections, freed at the end */
    rk_chunk_reader *spent_reader[MAX_CONNECTIONS];   /* and their parse state: what a */
    size_t spent_parsed[MAX_CONNECTIONS];             /* client that moved on still sends */
    int spent_phase[MAX_CONNECTIONS];                 /* them is recorded, never answered */
    int spent_count;
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

/* A User Control event on an earlier connection (a fresh writer: fmt 0, one chunk). */
__attribute__((unused)) static void put_stream_control_on(struct server *s, rk_mem_transport *mem, uint16_t event,
                                                          uint32_t sid)
{
    rk_chunk_writer w;
    uint8_t body[6] = { 0, (uint8_t)event };
    (void)s;
    rtmpkit_wb32(body + 2, sid);
    rk_chunk_writer_init(&w);
    CHECK_INT(rk_chunk_write(&w, &mem->in, 2, 4, 0, 0, body, sizeof body), 0);
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

/* Enhanced RTMP ReconnectRequest: onStatus on stream 0 with tc_url (NULL: none). */
__attribute__((unused)) static void put_reconnect_request(struct server *s, const char *tc_url)
{
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 4096);
    rtmpkit_amf0_put_string(&b, "onStatus");
    rtmpkit_amf0_put_number(&b, 0);
    rtmpkit_amf0_put_null(&b);
    rtmpkit_amf0_put_object_start(&b);
    rtmpkit_amf0_put_key(&b, "level");
    rtmpkit_amf0_put_string(&b, "status");
    rtmpkit_amf0_put_key(&b, "code");
    rtmpkit_amf0_put_string(&b, "NetConnection.Connect.ReconnectRequest");
    if (tc_url) {
        rtmpkit_amf0_put_key(&b, "tcUrl");
        rtmpkit_amf0_put_string(&b, tc_url);
    }
    rtmpkit_amf0_put_object_end(&b);
    put_message(s, 3, 20, 0, 0, &b);
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
    if (s->close_at_start > 0) {   /* as a server refusing the stream after all does */
        s->close_at_start--;
        s->mem->eof = 1;
        return;
    }
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
    if (strcmp(v[0].string, "connect") == 0 && n >= 3)   /* connect: its tcUrl */
        snprintf(r->arg, sizeof r->arg, "%s", rtmpkit_amf_get_string(&v[2], "tcUrl") ? rtmpkit_amf_get_string(&v[2], "tcUrl") : "");
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
    } else if (strcmp(v[0].string, "publish") == 0 && s->bad_name > 0) {
        s->bad_name--;
        put_status(s, m->stream_id, "error", "NetStream.Publish.BadName");
    } else if (strcmp(v[0].string, "publish") == 0) {
        put_status(s, m->stream_id, "status", "NetStream.Publish.Start");
    }
done:
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&v[i]);
}

static void handle_client_message(struct server *s, const rk_message *m, rk_chunk_reader *reader, int connection)
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
    r->second_byte = m->length > 1 ? m->data[1] : 0;
    r->connection = connection;
    if (m->type == 1 && m->length >= 4)
        rk_chunk_reader_set_chunk_size(reader, rtmpkit_rb32(m->data));
    if (m->type == 20 && !s->deaf && reader == s->reader)
        answer_command(s, m, r);
    if (m->type == 18) {   /* data: its name, the first string */
        rtmpkit_amf name;
        if (rtmpkit_amf0_decode(m->data, m->length, &name) > 0 && name.type == RTMPKIT_AMF_STRING)
            snprintf(r->command, sizeof r->command, "%s", name.string);
        rtmpkit_amf_free(&name);
    }
}

/* An earlier connection's messages (a client that moved on still sends there until it
 * closes it): recorded with their connection's number, never answered. */
static void spent_on_write(struct server *s, rk_mem_transport *mem)
{
    for (int i = 0; i < s->spent_count; i++) {
        while (s->spent[i] == mem && s->spent_phase[i] == 2 && s->spent_parsed[i] < mem->out.len) {
            rk_message m;
            int ready = 0;
            int n = rk_chunk_read(s->spent_reader[i], mem->out.data + s->spent_parsed[i],
                                  mem->out.len - s->spent_parsed[i], &m, &ready);
            CHECK(n >= 0);
            if (n <= 0)
                return;
            s->spent_parsed[i] += (size_t)n;
            if (ready)
                handle_client_message(s, &m, s->spent_reader[i], i);
        }
    }
}

/* Runs after each client write: answers the handshake, then each complete message. */
static void server_on_write(rk_mem_transport *mem, void *opaque)
{
    struct server *s = opaque;
    if (mem != s->mem) {
        spent_on_write(s, mem);
        return;
    }
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
                handle_client_message(s, &m, s->reader, s->opens > 0 ? s->opens - 1 : 0);
        }
    }
}

/* A fresh connection: transport and parse state; the old transport is kept (the client
 * closes it, the test frees it) and the received messages stay. */
static void server_connection(struct server *s)
{
    if (s->mem && s->spent_count < MAX_CONNECTIONS) {
        s->spent[s->spent_count] = s->mem;
        s->spent_reader[s->spent_count] = s->reader;
        s->spent_parsed[s->spent_count] = s->parsed;
        s->spent_phase[s->spent_count++] = s->phase;
    } else {
        rk_chunk_reader_free(s->reader);
    }
    s->mem = rk_mem_transport_new();
    s->reader = rk_chunk_reader_new();
    CHECK(s->mem && s->reader);
    s->mem->on_write = server_on_write;
    s->mem->opaque = s;
    rk_chunk_writer_init(&s->writer);
    s->parsed = 0;
    s->phase = 0;
    s->next_stream_id = 1;   /* each connection's streams, as a real server's */
}

static void server_init(struct server *s, enum script script)
{
    memset(s, 0, sizeof *s);
    s->script = script;
    s->next_stream_id = 1;
    server_connection(s);
}

static void server_free(struct server *s)
{
    for (int i = 0; i < s->spent_count; i++) {
        rk_mem_transport_free(s->spent[i]);
        rk_chunk_reader_free(s->spent_reader[i]);
    }
    rk_mem_transport_free(s->mem);
    rk_chunk_reader_free(s->reader);
}

/* The client's transport opener: each attempt after the first gets a new connection
 * (with the later script when one is set), or is refused while s->refuse lasts. */
static int server_open(void *opaque, rk_transport **out, char *why, size_t why_len)
{
    struct server *s = opaque;
    if (s->refuse > 0) {
        s->refuse--;
        snprintf(why, why_len, "refused by the test");
        return s->refuse_error ? s->refuse_error : RTMPKIT_EREFUSED;
    }
    if (s->opens++ > 0) {
        server_connection(s);
        if (s->later_script)
            s->script = s->next_script;
    }
    *out = &s->mem->base;
    return 0;
}

/* The first message the client sent with this command name, or NULL. */
static const struct received *find_command(const struct server *s, const char *name, int nth)
{
    for (int i = 0; i < s->got_count; i++)
        if (strcmp(s->got[i].command, name) == 0 && nth-- == 0)
            return &s->got[i];
    return NULL;
}

#endif
