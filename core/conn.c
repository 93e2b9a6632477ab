/* The RTMP protocol engine, the connection's part: handshake, control messages, commands
 * and the receive loop. The table of streams is in conn_stream.c. Sans-I/O: bytes in,
 * bytes out, events. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "conn_internal.h"
#include "log_internal.h"
#include "rtmpkit/error.h"

#define DEFAULT_FLASH_VER     "LNX 9,0,124,2"
#define PUBLISHER_FLASH_VER   "FMLE/3.0 (compatible; rtmpkit)"
#define STATUS_DATA_VALUES    2       /* a status data message: name, info object */
#define MAX_EVENTS            4096    /* one aggregate message's worth of tags, at most */
#define COMMAND_BUFFER_MAX    (64u * 1024)

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

rtmpkit_conn *rtmpkit_conn_new(const rtmpkit_conn_config *cfg)
{
    rtmpkit_conn *c;
    if (!cfg || !cfg->app || !cfg->tc_url)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->app = strdup(cfg->app);
    c->tc_url = strdup(cfg->tc_url);
    c->flash_ver = strdup(cfg->flash_ver ? cfg->flash_ver
                          : cfg->publisher ? PUBLISHER_FLASH_VER : DEFAULT_FLASH_VER);
    c->swf_url = dup_or_null(cfg->swf_url);
    c->page_url = dup_or_null(cfg->page_url);
    c->simple_handshake = cfg->simple_handshake;
    c->publisher = cfg->publisher;
    c->buffer_ms = cfg->buffer_ms ? cfg->buffer_ms : RTMPKIT_DEFAULT_BUFFER_MS;
    c->log = cfg->log;
    if (cfg->caps) {
        c->caps = *cfg->caps;
        c->caps.present = 1;
    }
    c->server_caps.caps_ex = -1;
    if (cfg->connect_args && cfg->connect_args_len) {
        c->connect_args = malloc(cfg->connect_args_len);
        if (c->connect_args) {
            memcpy(c->connect_args, cfg->connect_args, cfg->connect_args_len);
            c->connect_args_len = cfg->connect_args_len;
        }
    }
    c->reader = rk_chunk_reader_new();
    c->events = calloc(MAX_EVENTS, sizeof *c->events);
    c->next_transaction_id = 1;
    c->connect_properties.type = c->connect_info.type = RTMPKIT_AMF_NULL;
    rk_chunk_writer_init(&c->writer);
    rtmpkit_buf_init(&c->out, RTMPKIT_MAX_PENDING_OUTPUT);
    rtmpkit_buf_init(&c->command, COMMAND_BUFFER_MAX);
    if (!c->app || !c->tc_url || !c->flash_ver || (cfg->swf_url && !c->swf_url)
        || (cfg->page_url && !c->page_url) || !c->reader || !c->events
        || (cfg->connect_args_len && cfg->connect_args && !c->connect_args)) {
        rtmpkit_conn_free(c);
        return NULL;
    }
    return c;
}

static void release_message_state(rtmpkit_conn *c)
{
    for (int i = 0; i < c->value_count; i++)
        rtmpkit_amf_free(&c->values[i]);
    c->value_count = 0;
    c->event_count = 0;
    c->event_next = 0;
}

void rtmpkit_conn_free(rtmpkit_conn *c)
{
    if (!c)
        return;
    release_message_state(c);
    rk_conn_streams_free(c);
    free(c->app);
    free(c->tc_url);
    free(c->flash_ver);
    free(c->swf_url);
    free(c->page_url);
    free(c->connect_args);
    free(c->connect_error);
    rtmpkit_amf_free(&c->connect_properties);
    rtmpkit_amf_free(&c->connect_info);
    free(c->events);
    rk_chunk_reader_free(c->reader);
    rtmpkit_buf_free(&c->out);
    rtmpkit_buf_free(&c->command);
    free(c);
}

/* ---- events and errors ---- */

rtmpkit_event *rk_conn_push_event(rtmpkit_conn *c, enum rtmpkit_event_type type, int stream)
{
    rtmpkit_event *ev;
    if (c->event_count >= MAX_EVENTS)
        return NULL;
    ev = &c->events[c->event_count++];
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->stream = stream;
    if (stream >= 0 && c->streams[stream].id_known)
        ev->stream_id = c->streams[stream].id;
    ev->code = "";
    ev->description = "";
    ev->tc_url = "";
    return ev;
}

static void set_message(rtmpkit_conn *c, const char *fmt, va_list ap)
{
    rk_log_vformat(c->log, c->error_message, sizeof c->error_message, fmt, ap);
}

int rk_conn_fail(rtmpkit_conn *c, int err, const char *fmt, ...)
{
    va_list ap;
    rtmpkit_event *ev;
    va_start(ap, fmt);
    set_message(c, fmt, ap);
    va_end(ap);
    c->state = RK_CONN_FAILED;
    ev = rk_conn_push_event(c, RTMPKIT_EVENT_ERROR, -1);
    if (ev) {
        ev->error = err;
        ev->description = c->error_message;
    }
    return err;
}

int rk_conn_refuse(rtmpkit_conn *c, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_message(c, fmt, ap);
    va_end(ap);
    return err;
}

const char *rtmpkit_conn_error_message(const rtmpkit_conn *c)
{
    return c->error_message[0] ? c->error_message : "no error";
}

const rtmpkit_caps *rtmpkit_conn_server_caps(const rtmpkit_conn *c)
{
    return &c->server_caps;
}

const char *rtmpkit_conn_connect_error(const rtmpkit_conn *c)
{
    return c->connect_error ? c->connect_error : "";
}

const rtmpkit_amf *rtmpkit_conn_connect_properties(const rtmpkit_conn *c)
{
    return &c->connect_properties;
}

const rtmpkit_amf *rtmpkit_conn_connect_info(const rtmpkit_conn *c)
{
    return &c->connect_info;
}

int rtmpkit_conn_poll_event(rtmpkit_conn *c, rtmpkit_event *ev)
{
    if (c->event_next >= c->event_count)
        return 0;
    *ev = c->events[c->event_next++];
    return 1;
}

uint64_t rtmpkit_conn_bytes_received(const rtmpkit_conn *c)
{
    return c->bytes_received;
}

uint64_t rtmpkit_conn_bytes_queued(const rtmpkit_conn *c)
{
    return c->bytes_sent + c->out.len;
}

int rtmpkit_conn_handshake_done(const rtmpkit_conn *c)
{
    return c->handshake.done;
}

/* ---- output ---- */

const uint8_t *rtmpkit_conn_output(rtmpkit_conn *c, size_t *len)
{
    *len = c->out.len;
    return c->out.data;
}

void rtmpkit_conn_output_done(rtmpkit_conn *c, size_t n)
{
    if (n > c->out.len)
        n = c->out.len;
    c->bytes_sent += n;
    rtmpkit_buf_consume(&c->out, n);
}

int rk_conn_send_message(rtmpkit_conn *c, uint32_t csid, uint8_t type, uint32_t stream_id,
                         uint32_t timestamp, const uint8_t *data, size_t len)
{
    int err;
    if (len > RK_MAX_MESSAGE_SIZE)
        return RTMPKIT_ELIMIT;
    err = rk_chunk_write(&c->writer, &c->out, csid, type, stream_id, timestamp, data, (uint32_t)len);
    if (err < 0)
        return rk_conn_fail(c, err, "cannot queue %zu bytes to send: %s", len, rtmpkit_strerror(err));
    return 0;
}

static int send_control(rtmpkit_conn *c, uint8_t type, uint32_t value)
{
    uint8_t body[4];
    rtmpkit_wb32(body, value);
    return rk_conn_send_message(c, CSID_CONTROL, type, 0, 0, body, sizeof body);
}

int rk_conn_send_user_control(rtmpkit_conn *c, uint16_t event, const uint8_t *args, size_t len)
{
    uint8_t body[10];
    body[0] = (uint8_t)(event >> 8);
    body[1] = (uint8_t)event;
    memcpy(body + 2, args, len);
    return rk_conn_send_message(c, CSID_CONTROL, MSG_USER_CONTROL, 0, 0, body, 2 + len);
}

/* ---- commands and transactions ---- */

static int free_transaction(const rtmpkit_conn *c)
{
    for (int i = 0; i < RTMPKIT_MAX_TRANSACTIONS; i++)
        if (!c->transactions[i].used)
            return i;
    return -1;
}

int rk_conn_can_track(const rtmpkit_conn *c)
{
    return free_transaction(c) >= 0;
}

int rk_conn_begin_command(rtmpkit_conn *c, const char *name, enum rk_transaction_kind kind, int stream)
{
    double id = 0;
    if (kind != RK_TX_NONE)
        id = c->next_transaction_id++;
    if (kind == RK_TX_CONNECT || kind == RK_TX_CREATE_STREAM) {
        int slot = free_transaction(c);
        if (slot < 0)
            return rk_conn_refuse(c, RTMPKIT_ELIMIT, "more than %d commands waiting for an answer",
                                  RTMPKIT_MAX_TRANSACTIONS);
        c->transactions[slot] = (struct rk_transaction){ id, kind, stream, 1 };
    }
    rtmpkit_buf_reset(&c->command);
    rtmpkit_amf0_put_string(&c->command, name);
    rtmpkit_amf0_put_number(&c->command, id);
    return 0;
}

int rk_conn_finish_command(rtmpkit_conn *c, uint32_t csid, uint32_t stream_id)
{
    if (c->command.err)
        return rk_conn_fail(c, c->command.err, "cannot build a command: %s", rtmpkit_strerror(c->command.err));
    return rk_conn_send_message(c, csid, MSG_COMMAND_AMF0, stream_id, 0, c->command.data, c->command.len);
}

/* Looks up and forgets a transaction; -1 when unknown. */
static int take_transaction(rtmpkit_conn *c, double id, struct rk_transaction *tx)
{
    for (int i = 0; i < RTMPKIT_MAX_TRANSACTIONS; i++) {
        if (c->transactions[i].used && c->transactions[i].id == id) {
            *tx = c->transactions[i];
            c->transactions[i].used = 0;
            return 0;
        }
    }
    return -1;
}

static void put_string_prop(rtmpkit_buf *b, const char *key, const char *value)
{
    rtmpkit_amf0_put_key(b, key);
    rtmpkit_amf0_put_string(b, value);
}

static void put_number_prop(rtmpkit_buf *b, const char *key, double value)
{
    rtmpkit_amf0_put_key(b, key);
    rtmpkit_amf0_put_number(b, value);
}

static int send_connect(rtmpkit_conn *c)
{
    rtmpkit_buf *b = &c->command;
    int err;
    if (rk_conn_begin_command(c, "connect", RK_TX_CONNECT, -1) < 0)
        return rk_conn_fail(c, RTMPKIT_EINTERNAL, "no room for the connect transaction");
    rtmpkit_amf0_put_object_start(b);
    put_string_prop(b, "app", c->app);
    if (c->publisher)
        put_string_prop(b, "type", "nonprivate");
    put_string_prop(b, "flashVer", c->flash_ver);
    if (c->swf_url)
        put_string_prop(b, "swfUrl", c->swf_url);
    put_string_prop(b, "tcUrl", c->tc_url);
    if (!c->publisher) {
        rtmpkit_amf0_put_key(b, "fpad");
        rtmpkit_amf0_put_bool(b, 0);
        put_number_prop(b, "capabilities", 15);
        put_number_prop(b, "audioCodecs", 4071);
        put_number_prop(b, "videoCodecs", 252);
        put_number_prop(b, "videoFunction", 1);
    }
    if (c->page_url)
        put_string_prop(b, "pageUrl", c->page_url);
    if (c->caps.present)
        rk_caps_put(b, &c->caps);
    rtmpkit_amf0_put_object_end(b);
    if (c->connect_args)
        rtmpkit_put_bytes(b, c->connect_args, c->connect_args_len);
    if ((err = rk_conn_finish_command(c, CSID_COMMAND, 0)) < 0)
        return err;
    /* Our own chunk size, right after connect; later messages use it. */
    if ((err = send_control(c, MSG_SET_CHUNK_SIZE, RTMPKIT_OUR_CHUNK_SIZE)) < 0)
        return err;
    c->writer.chunk_size = RTMPKIT_OUR_CHUNK_SIZE;
    c->state = RK_CONN_CONNECTING;
    /* Without the query: it may carry a token or an authentication response. */
    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "sent connect (app \"%.*s\"%s)", (int)strcspn(c->app, "?"),
                 c->app, c->connect_args_len ? ", with extra arguments" : "");
    return 0;
}

int rtmpkit_conn_start(rtmpkit_conn *c, uint64_t now_ms, const uint8_t *random)
{
    int err;
    if (c->state != RK_CONN_INIT)
        return RTMPKIT_EINTERNAL;
    /* C1's time is an epoch of our choosing: the monotonic clock's low 32 bits. */
    err = rk_handshake_start(&c->handshake, !c->simple_handshake, (uint32_t)now_ms, random, &c->out);
    if (err < 0)
        return rk_conn_fail(c, err, "cannot start the handshake: %s", rtmpkit_strerror(err));
    c->state = RK_CONN_HANDSHAKE;
    return 0;
}

/* ---- incoming messages ---- */

static int handle_set_chunk_size(rtmpkit_conn *c, const rk_message *m)
{
    uint32_t size;
    if (m->length < 4)
        return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "Set Chunk Size message of %u bytes", m->length);
    size = rtmpkit_rb32(m->data);
    if (size == 0 || size > RK_MAX_CHUNK_SIZE)
        return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "the server set an invalid chunk size (%u)", size);
    rk_chunk_reader_set_chunk_size(c->reader, size);
    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "server chunk size %u", size);
    return 0;
}

static int handle_user_control(rtmpkit_conn *c, const rk_message *m)
{
    uint16_t event;
    if (m->length < 2)
        return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "user control message of %u bytes", m->length);
    event = (uint16_t)(m->data[0] << 8 | m->data[1]);
    switch (event) {
    case UC_PING_REQUEST:
        if (m->length < 6)
            return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "PingRequest of %u bytes", m->length);
        return rk_conn_send_user_control(c, UC_PING_RESPONSE, m->data + 2, 4);
    case UC_STREAM_BEGIN:
    case UC_STREAM_EOF:
        /* The body names the message stream; a short one is taken as stream 0. */
        return rk_conn_stream_control(c, event, m->length >= 6 ? rtmpkit_rb32(m->data + 2) : 0);
    default:
        rtmpkit_logf(c->log, RTMPKIT_LOG_TRACE, "user control event %u ignored", event);
        return 0;
    }
}

const rtmpkit_amf *rk_conn_find_info(const rtmpkit_conn *c, int first)
{
    for (int i = first; i < c->value_count; i++)
        if (c->values[i].type == RTMPKIT_AMF_OBJECT || c->values[i].type == RTMPKIT_AMF_ECMA_ARRAY)
            return &c->values[i];
    return NULL;
}

const char *rk_conn_info_string(const rtmpkit_amf *info, const char *key)
{
    const char *s = info ? rtmpkit_amf_get_string(info, key) : NULL;
    return s ? s : "";
}

int rk_conn_connect_error_of(const char *code)
{
    if (strcmp(code, "NetConnection.Connect.InvalidApp") == 0)
        return RTMPKIT_EUNKNOWN_APP;
    return RTMPKIT_EREJECTED;
}

/* Moves the connect _result's properties (its third value) and information object out
 * of the message's values, for rtmpkit_conn_connect_properties/_info. */
static void keep_connect_result(rtmpkit_conn *c, const rtmpkit_amf *info)
{
    rtmpkit_amf_free(&c->connect_properties);
    rtmpkit_amf_free(&c->connect_info);
    if (c->value_count > 2 && (c->values[2].type == RTMPKIT_AMF_OBJECT || c->values[2].type == RTMPKIT_AMF_ECMA_ARRAY)) {
        c->connect_properties = c->values[2];
        c->values[2] = (rtmpkit_amf){ .type = RTMPKIT_AMF_NULL };
    }
    if (info && info != &c->values[2]) {
        rtmpkit_amf *owned = &c->values[info - c->values];
        c->connect_info = *owned;
        *owned = (rtmpkit_amf){ .type = RTMPKIT_AMF_NULL };
    }
}

static int connect_answered(rtmpkit_conn *c, int is_error)
{
    const rtmpkit_amf *info = rk_conn_find_info(c, 3);
    const char *description = rk_conn_info_string(info, "description");
    const char *code = rk_conn_info_string(info, "code");
    if (is_error) {
        free(c->connect_error);   /* kept whole: authentication parses it */
        c->connect_error = strdup(description);
        return rk_conn_fail(c, rk_conn_connect_error_of(code), "%s%s%s", code[0] ? code : "connect rejected",
                            description[0] ? ": " : "", description);
    }
    keep_connect_result(c, info);
    c->state = RK_CONN_CONNECTED;
    /* Servers echo Enhanced RTMP capabilities in the properties (or the information). */
    rk_caps_read(&c->connect_properties, &c->server_caps);
    rk_caps_read(&c->connect_info, &c->server_caps);
    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "connected");
    return rk_conn_push_event(c, RTMPKIT_EVENT_CONNECTED, -1) ? 0 : RTMPKIT_EINTERNAL;
}

static int handle_result(rtmpkit_conn *c, int is_error)
{
    struct rk_transaction tx;
    double id = c->value_count > 1 && c->values[1].type == RTMPKIT_AMF_NUMBER
                ? c->values[1].number : -1;

    if (take_transaction(c, id, &tx) < 0) {
        rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "answer to unknown transaction %g ignored", id);
        return 0;
    }
    switch (tx.kind) {
    case RK_TX_CONNECT:
        return connect_answered(c, is_error);
    case RK_TX_CREATE_STREAM:
        return rk_conn_stream_created(c, tx.stream, is_error);
    case RK_TX_UNTRACKED:
    case RK_TX_NONE:
        return 0;
    }
    return 0;
}

static int handle_command(rtmpkit_conn *c, uint32_t msid, const uint8_t *data, size_t len)
{
    const char *name;
    int n = rtmpkit_amf0_decode_all(data, len, c->values, RK_CONN_MAX_VALUES);
    if (n < 0)
        return rk_conn_fail(c, n == RTMPKIT_ELIMIT ? RTMPKIT_ELIMIT : RTMPKIT_EPROTOCOL,
                            "malformed command message (%s)", rtmpkit_strerror(n));
    c->value_count = n;
    if (n < 1 || c->values[0].type != RTMPKIT_AMF_STRING)
        return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "command message without a name");
    name = c->values[0].string;
    rtmpkit_logf(c->log, RTMPKIT_LOG_TRACE, "command %s", name);
    if (strcmp(name, "_result") == 0 || strcmp(name, "_error") == 0)
        return handle_result(c, name[1] == 'e');
    if (strcmp(name, "onStatus") == 0)
        return rk_conn_handle_status(c, msid, rk_conn_find_info(c, 2));
    if (strcmp(name, "close") == 0)
        return rk_conn_fail(c, RTMPKIT_ENETWORK, "the server closed the connection (close command)");
    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "command %s ignored", name);
    return 0;
}

/* The name of an AMF0 data message, if it starts with a short string, or "". */
static size_t data_name(const uint8_t *data, size_t len, char *name, size_t cap)
{
    size_t n;
    name[0] = 0;
    if (len < 3 || data[0] != 0x02)
        return 0;
    n = (size_t)(data[1] << 8 | data[2]);
    if (n >= cap || 3 + n > len)
        return 0;
    memcpy(name, data + 3, n);
    name[n] = 0;
    return 3 + n;
}

/* A media message, for the stream of its message stream id. */
static int emit_media(rtmpkit_conn *c, uint32_t msid, uint8_t type, uint32_t timestamp,
                      const uint8_t *data, size_t len)
{
    int stream = rk_conn_stream_of(c, msid);
    rtmpkit_event *ev;
    if (stream < 0) {
        rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "media on message stream %u, which is none of ours: ignored",
                     msid);
        return 0;
    }
    ev = rk_conn_push_event(c, RTMPKIT_EVENT_MEDIA, stream);
    if (!ev)
        return rk_conn_fail(c, RTMPKIT_ELIMIT, "more than %d tags in one message", MAX_EVENTS);
    ev->media_type = type;
    ev->timestamp = timestamp;
    ev->data = data;
    ev->length = len;
    return 0;
}

/* Decodes the first count AMF0 values of a body after the values already held: an
 * aggregate message can carry several status tags, and the events of the earlier ones
 * point into their values. The caller checks there is room for count more. Returns the
 * index of the first new value or an error. */
static int append_values(rtmpkit_conn *c, const uint8_t *data, size_t len, int count)
{
    int first = c->value_count;
    int n = rtmpkit_amf0_decode_all(data, len, c->values + first, (size_t)count);
    if (n < 0)
        return n;
    c->value_count += n;
    return first;
}

static int handle_data(rtmpkit_conn *c, uint32_t msid, uint32_t timestamp, const uint8_t *data, size_t len)
{
    char name[64];
    size_t skip = data_name(data, len, name, sizeof name);
    if (strcmp(name, "onStatus") == 0 || strcmp(name, "onPlayStatus") == 0) {
        int first;
        if (c->value_count > RK_CONN_MAX_VALUES - STATUS_DATA_VALUES)
            return rk_conn_fail(c, RTMPKIT_ELIMIT, "more than %d status messages in one message",
                                RK_CONN_MAX_VALUES / STATUS_DATA_VALUES);
        first = append_values(c, data, len, STATUS_DATA_VALUES);
        if (first < 0)
            return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "malformed %s message", name);
        return rk_conn_handle_status(c, msid, rk_conn_find_info(c, first + 1));
    }
    if (name[0] == '|') {   /* |RtmpSampleAccess and friends: signalling, not content */
        rtmpkit_logf(c->log, RTMPKIT_LOG_TRACE, "data message %s ignored", name);
        return 0;
    }
    if (strcmp(name, "@setDataFrame") == 0) {   /* a relay that kept the publisher's wrapper */
        data += skip;
        len -= skip;
    }
    return emit_media(c, msid, MSG_DATA_AMF0, timestamp, data, len);
}

/* An aggregate message holds FLV tags; their timestamps are relative to the first one's,
 * which maps to the message's own timestamp. */
static int handle_aggregate(rtmpkit_conn *c, const rk_message *m)
{
    rtmpkit_reader r;
    uint32_t first_ts = 0;
    int first = 1, err;
    rtmpkit_reader_init(&r, m->data, m->length);
    while (rtmpkit_reader_left(&r) > 0) {
        uint8_t type = rtmpkit_read_u8(&r);
        uint32_t size = rtmpkit_read_u24(&r);
        uint32_t ts = rtmpkit_read_u24(&r);
        ts |= (uint32_t)rtmpkit_read_u8(&r) << 24;
        rtmpkit_skip(&r, 3);
        const uint8_t *body = rtmpkit_read_bytes(&r, size);
        rtmpkit_skip(&r, 4);
        if (r.err)
            return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "aggregate message with a truncated tag");
        if (first) {
            first_ts = ts;
            first = 0;
        }
        ts = m->timestamp + (ts - first_ts);
        if (type == MSG_AUDIO || type == MSG_VIDEO)
            err = emit_media(c, m->stream_id, type, ts, body, size);
        else if (type == MSG_DATA_AMF0)
            err = handle_data(c, m->stream_id, ts, body, size);
        else
            err = 0;
        if (err < 0)
            return err;
    }
    return 0;
}

static int handle_message(rtmpkit_conn *c, const rk_message *m)
{
    rtmpkit_logf(c->log, RTMPKIT_LOG_TRACE, "message type %u csid %u stream %u ts %u len %u",
                 m->type, m->csid, m->stream_id, m->timestamp, m->length);
    switch (m->type) {
    case MSG_SET_CHUNK_SIZE:
        return handle_set_chunk_size(c, m);
    case MSG_ABORT:
        if (m->length >= 4)
            rk_chunk_reader_abort(c->reader, rtmpkit_rb32(m->data));
        return 0;
    case MSG_ACK:
        return 0;
    case MSG_USER_CONTROL:
        return handle_user_control(c, m);
    case MSG_WINDOW_ACK_SIZE:
        if (m->length < 4)
            return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "Window Ack Size message of %u bytes", m->length);
        c->peer_window = rtmpkit_rb32(m->data);
        return 0;
    case MSG_SET_PEER_BANDWIDTH:
        /* Answer once with our own window, as Flash Player does. */
        if (c->sent_window_ack)
            return 0;
        c->sent_window_ack = 1;
        return send_control(c, MSG_WINDOW_ACK_SIZE, RTMPKIT_OUR_WINDOW_ACK);
    case MSG_AUDIO:
    case MSG_VIDEO:
        return emit_media(c, m->stream_id, m->type, m->timestamp, m->data, m->length);
    case MSG_DATA_AMF0:
        return handle_data(c, m->stream_id, m->timestamp, m->data, m->length);
    case MSG_DATA_AMF3:   /* an AMF0 body behind one format byte */
        return m->length ? handle_data(c, m->stream_id, m->timestamp, m->data + 1, m->length - 1) : 0;
    case MSG_COMMAND_AMF0:
        return handle_command(c, m->stream_id, m->data, m->length);
    case MSG_COMMAND_AMF3:
        return m->length ? handle_command(c, m->stream_id, m->data + 1, m->length - 1) : 0;
    case MSG_AGGREGATE:
        return handle_aggregate(c, m);
    default:
        rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "message type %u ignored", m->type);
        return 0;
    }
}

/* Acknowledges received bytes once per window the server asked for. */
static int maybe_acknowledge(rtmpkit_conn *c)
{
    if (!c->peer_window || c->bytes_received - c->bytes_at_last_ack < c->peer_window)
        return 0;
    c->bytes_at_last_ack = c->bytes_received;
    return send_control(c, MSG_ACK, (uint32_t)c->bytes_received);
}

static int recv_handshake(rtmpkit_conn *c, const uint8_t *buf, size_t len)
{
    int n = rk_handshake_feed(&c->handshake, buf, len, &c->out);
    int err;
    if (n < 0)
        return rk_conn_fail(c, n, "handshake failed: the server's reply is not RTMP");
    if (c->handshake.done && (err = send_connect(c)) < 0)
        return err;
    return n;
}

int rtmpkit_conn_recv(rtmpkit_conn *c, const uint8_t *buf, size_t len, uint64_t now_ms)
{
    size_t used = 0;
    int err;
    (void)now_ms;
    release_message_state(c);
    if (c->state == RK_CONN_FAILED)
        return RTMPKIT_EPROTOCOL;
    if (c->state == RK_CONN_INIT)
        return RTMPKIT_EINTERNAL;
    if (c->state == RK_CONN_HANDSHAKE) {
        int n = recv_handshake(c, buf, len);
        if (n < 0)
            return n;
        c->bytes_received += (size_t)n;
        return n;
    }
    while (used < len) {
        rk_message m;
        int ready = 0;
        int n = rk_chunk_read(c->reader, buf + used, len - used, &m, &ready);
        if (n < 0)
            return rk_conn_fail(c, n, "%s", rk_chunk_reader_error(c->reader));
        used += (size_t)n;
        c->bytes_received += (size_t)n;
        if ((err = maybe_acknowledge(c)) < 0)
            return err;
        if (ready) {
            if ((err = handle_message(c, &m)) < 0)
                return err;
            break;
        }
        if (n == 0)
            break;
    }
    return (int)used;
}
