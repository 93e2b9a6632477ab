/* The RTMP protocol engine, the streams' part: the table of streams of one connection,
 * each with its name, role, state and createStream transaction; play, publish, media
 * out, close, and the statuses and user control events the server sends them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "conn_internal.h"
#include "log_internal.h"
#include "rtmpkit/error.h"

static int valid_handle(int stream)
{
    return stream >= 0 && stream < RTMPKIT_MAX_STREAMS;
}

static void clear_stream(struct rk_stream *s)
{
    free(s->name);
    free(s->publish_type);
    memset(s, 0, sizeof *s);
}

void rk_conn_streams_free(rtmpkit_conn *c)
{
    for (int i = 0; i < RTMPKIT_MAX_STREAMS; i++)
        clear_stream(&c->streams[i]);
}

/* The stream the server calls msid, or -1. */
static int stream_with_id(const rtmpkit_conn *c, uint32_t msid)
{
    for (int i = 0; i < RTMPKIT_MAX_STREAMS; i++)
        if (c->streams[i].state != RTMPKIT_STREAM_FREE && c->streams[i].id_known && c->streams[i].id == msid)
            return i;
    return -1;
}

int rk_conn_stream_of(const rtmpkit_conn *c, uint32_t msid)
{
    int stream = stream_with_id(c, msid), open = 0, only = -1;
    if (stream >= 0)
        return stream;
    for (int i = 0; i < RTMPKIT_MAX_STREAMS; i++) {
        if (c->streams[i].state != RTMPKIT_STREAM_FREE) {
            open++;
            only = i;
        }
    }
    return open == 1 ? only : -1;
}

/* Ends one stream with err and a one-line reason (code: the server's status code or "");
 * an ERROR event for it, and the connection goes on. Returns 0. */
static int stream_fail(rtmpkit_conn *c, int stream, int err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int stream_fail(rtmpkit_conn *c, int stream, int err, const char *code, const char *fmt, ...)
{
    struct rk_stream *s = &c->streams[stream];
    rtmpkit_event *ev;
    va_list ap;
    va_start(ap, fmt);
    rk_log_vformat(c->log, s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    snprintf(c->error_message, sizeof c->error_message, "%s", s->error);
    s->state = RTMPKIT_STREAM_FAILED;
    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "stream %d failed: %s", stream, s->error);
    ev = rk_conn_push_event(c, RTMPKIT_EVENT_ERROR, stream);
    if (!ev)
        return rk_conn_fail(c, RTMPKIT_ELIMIT, "too many events in one message");
    ev->error = err;
    ev->code = code;
    ev->description = s->error;
    return 0;
}

/* ---- commands for a stream ---- */

static int send_name_command(rtmpkit_conn *c, const char *command, const char *name)
{
    rk_conn_begin_command(c, command, RK_TX_UNTRACKED, -1);
    rtmpkit_amf0_put_null(&c->command);
    rtmpkit_amf0_put_string(&c->command, name);
    return rk_conn_finish_command(c, CSID_COMMAND, 0);
}

static int send_delete_stream(rtmpkit_conn *c, uint32_t id)
{
    rk_conn_begin_command(c, "deleteStream", RK_TX_NONE, -1);
    rtmpkit_amf0_put_null(&c->command);
    rtmpkit_amf0_put_number(&c->command, id);
    return rk_conn_finish_command(c, CSID_COMMAND, 0);
}

static int send_play(rtmpkit_conn *c, const struct rk_stream *s)
{
    uint8_t args[8];
    int err;
    rk_conn_begin_command(c, "play", RK_TX_NONE, -1);
    rtmpkit_amf0_put_null(&c->command);
    rtmpkit_amf0_put_string(&c->command, s->name);
    rtmpkit_amf0_put_number(&c->command, s->play_start);
    if ((err = rk_conn_finish_command(c, CSID_STREAM, s->id)) < 0)
        return err;
    /* The name is left out: it may be a stream key. */
    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "sent play (start %g, buffer %u ms, message stream %u)",
                 s->play_start, (unsigned)c->buffer_ms, s->id);
    rtmpkit_wb32(args, s->id);
    rtmpkit_wb32(args + 4, c->buffer_ms);
    return rk_conn_send_user_control(c, UC_SET_BUFFER_LENGTH, args, sizeof args);
}

static int send_publish(rtmpkit_conn *c, const struct rk_stream *s)
{
    rk_conn_begin_command(c, "publish", RK_TX_NONE, -1);
    rtmpkit_amf0_put_null(&c->command);
    rtmpkit_amf0_put_string(&c->command, s->name);
    rtmpkit_amf0_put_string(&c->command, s->publish_type);
    return rk_conn_finish_command(c, CSID_STREAM, s->id);
}

/* Takes a free slot for a new stream and sends its createStream (after releaseStream and
 * FCPublish for a publisher). Returns the handle or an error (nothing sent then). */
static int open_stream(rtmpkit_conn *c, const char *name, const char *publish_type, double start_ms)
{
    struct rk_stream *s;
    int stream = -1, err;
    if (c->state != RK_CONN_CONNECTED)
        return rk_conn_refuse(c, RTMPKIT_EINTERNAL, "a stream can only start on a connected connection");
    if (!name)
        return rk_conn_refuse(c, RTMPKIT_EUSAGE, "a stream needs a name");
    for (int i = 0; i < RTMPKIT_MAX_STREAMS && stream < 0; i++)
        if (c->streams[i].state == RTMPKIT_STREAM_FREE)
            stream = i;
    if (stream < 0)
        return rk_conn_refuse(c, RTMPKIT_ELIMIT, "more than %d streams on one connection", RTMPKIT_MAX_STREAMS);
    if (!rk_conn_can_track(c))
        return rk_conn_refuse(c, RTMPKIT_ELIMIT, "more than %d commands waiting for an answer",
                              RTMPKIT_MAX_TRANSACTIONS);
    s = &c->streams[stream];
    s->name = strdup(name);
    s->publish_type = publish_type ? strdup(publish_type) : NULL;
    s->play_start = start_ms;
    err = RTMPKIT_ENOMEM;
    if (!s->name || (publish_type && !s->publish_type))
        goto fail;
    /* nginx-rtmp and node-media-server never answer these two: do not wait for them. */
    if (publish_type && ((err = send_name_command(c, "releaseStream", name)) < 0
                         || (err = send_name_command(c, "FCPublish", name)) < 0))
        goto fail;
    if ((err = rk_conn_begin_command(c, "createStream", RK_TX_CREATE_STREAM, stream)) < 0)
        goto fail;
    rtmpkit_amf0_put_null(&c->command);
    if ((err = rk_conn_finish_command(c, CSID_COMMAND, 0)) < 0)
        goto fail;
    s->state = RTMPKIT_STREAM_CREATING;
    return stream;
fail:
    clear_stream(s);
    return err == RTMPKIT_ENOMEM ? rk_conn_refuse(c, err, "out of memory") : err;
}

int rtmpkit_conn_play(rtmpkit_conn *c, const char *name, double start_ms)
{
    return open_stream(c, name, NULL, start_ms);
}

int rtmpkit_conn_publish(rtmpkit_conn *c, const char *name, const char *type)
{
    return open_stream(c, name, type ? type : "live", 0);
}

int rtmpkit_conn_send_media(rtmpkit_conn *c, int stream, uint8_t type, uint32_t timestamp,
                            const uint8_t *data, size_t len)
{
    uint32_t csid = type == MSG_AUDIO ? CSID_AUDIO : type == MSG_VIDEO ? CSID_VIDEO : CSID_DATA;
    if (!valid_handle(stream))
        return RTMPKIT_EUSAGE;
    if (c->state != RK_CONN_CONNECTED || c->streams[stream].state != RTMPKIT_STREAM_PUBLISHING)
        return RTMPKIT_EINTERNAL;
    if (type != MSG_AUDIO && type != MSG_VIDEO && type != MSG_DATA_AMF0)
        return RTMPKIT_EUSAGE;
    return rk_conn_send_message(c, csid, type, c->streams[stream].id, timestamp, data, len);
}

/* Its createStream answer is still to come: the answer then deletes the stream again. */
static void orphan_transaction(rtmpkit_conn *c, int stream)
{
    for (int i = 0; i < RTMPKIT_MAX_TRANSACTIONS; i++)
        if (c->transactions[i].used && c->transactions[i].kind == RK_TX_CREATE_STREAM
            && c->transactions[i].stream == stream)
            c->transactions[i].stream = -1;
}

int rtmpkit_conn_close_stream(rtmpkit_conn *c, int stream)
{
    struct rk_stream *s;
    int err = 0;
    if (!valid_handle(stream))
        return RTMPKIT_EUSAGE;
    s = &c->streams[stream];
    if (s->state == RTMPKIT_STREAM_CREATING) {
        orphan_transaction(c, stream);
    } else if (s->state != RTMPKIT_STREAM_FREE && s->id_known && c->state == RK_CONN_CONNECTED) {
        if (s->publish_type && (s->state == RTMPKIT_STREAM_STARTING || s->state == RTMPKIT_STREAM_PUBLISHING))
            err = send_name_command(c, "FCUnpublish", s->name);
        if (err >= 0)
            err = send_delete_stream(c, s->id);
    }
    clear_stream(s);
    return err < 0 ? err : 0;
}

int rtmpkit_conn_probe(rtmpkit_conn *c)
{
    int err;
    if (c->state != RK_CONN_CONNECTED)
        return rk_conn_refuse(c, RTMPKIT_EINTERNAL, "a probe needs a connected connection");
    if ((err = rk_conn_begin_command(c, "createStream", RK_TX_UNTRACKED, -1)) < 0)
        return err;
    rtmpkit_amf0_put_null(&c->command);
    return rk_conn_finish_command(c, CSID_COMMAND, 0);
}

int rtmpkit_conn_stream_state(const rtmpkit_conn *c, int stream)
{
    return valid_handle(stream) ? (int)c->streams[stream].state : RTMPKIT_EUSAGE;
}

int64_t rtmpkit_conn_stream_id(const rtmpkit_conn *c, int stream)
{
    if (!valid_handle(stream) || !c->streams[stream].id_known)
        return -1;
    return c->streams[stream].id;
}

/* ---- what the server says about streams ---- */

/* The stream id in a createStream answer: a whole number that fits 32 bits. The range
 * test is written so that NaN fails it (NaN compares false both ways, and converting it
 * to an integer is undefined). Returns 0 or -1. */
static int answer_stream_id(const rtmpkit_conn *c, uint32_t *id)
{
    double v;
    if (c->value_count < 4 || c->values[3].type != RTMPKIT_AMF_NUMBER)
        return -1;
    v = c->values[3].number;
    if (!(v >= 0 && v <= UINT32_MAX) || v != (double)(uint32_t)v)
        return -1;
    *id = (uint32_t)v;
    return 0;
}

int rk_conn_stream_created(rtmpkit_conn *c, int stream, int is_error)
{
    const rtmpkit_amf *info = rk_conn_find_info(c, 3);
    const char *description = rk_conn_info_string(info, "description");
    struct rk_stream *s;
    uint32_t id = 0;
    int other;
    if (!is_error && answer_stream_id(c, &id) < 0)
        return rk_conn_fail(c, RTMPKIT_EPROTOCOL, "createStream answered without a stream id");
    if (stream < 0)   /* closed before the answer came: give the server's stream back */
        return is_error ? 0 : send_delete_stream(c, id);
    if (is_error)
        return stream_fail(c, stream, RTMPKIT_ESTREAM_ERROR, rk_conn_info_string(info, "code"),
                           "createStream failed%s%s", description[0] ? ": " : "", description);
    if ((other = stream_with_id(c, id)) >= 0)   /* nginx-rtmp and node-media-server do so */
        return stream_fail(c, stream, RTMPKIT_ESTREAM_ERROR, "",
                           "the server gave this stream message stream id %u, which stream %d has "
                           "already: it serves one stream per connection", id, other);
    s = &c->streams[stream];
    s->id = id;
    s->id_known = 1;
    s->state = RTMPKIT_STREAM_STARTING;
    if (!rk_conn_push_event(c, RTMPKIT_EVENT_STREAM_CREATED, stream))
        return RTMPKIT_EINTERNAL;
    return s->publish_type ? send_publish(c, s) : send_play(c, s);
}

/* Maps an onStatus code at level "error" to our error codes. */
static int status_error(const char *code)
{
    if (strcmp(code, "NetStream.Play.StreamNotFound") == 0)
        return RTMPKIT_ENOT_FOUND;
    if (strncmp(code, "NetStream.Publish.", 18) == 0)
        return RTMPKIT_EPUBLISH_REFUSED;
    if (strncmp(code, "NetConnection.Connect.", 22) == 0)
        return rk_conn_connect_error_of(code);
    return RTMPKIT_ESTREAM_ERROR;
}

static int is_stream_end(const char *code)
{
    return strcmp(code, "NetStream.Play.UnpublishNotify") == 0
        || strcmp(code, "NetStream.Play.Stop") == 0
        || strcmp(code, "NetStream.Play.Complete") == 0;
}

/* The event a status code means for stream s (NULL: none of ours); moves s to its next
 * state on a Start. */
static enum rtmpkit_event_type status_event(struct rk_stream *s, const char *code)
{
    if (s && s->state == RTMPKIT_STREAM_STARTING) {
        if (!s->publish_type && strcmp(code, "NetStream.Play.Start") == 0) {
            s->state = RTMPKIT_STREAM_PLAYING;
            return RTMPKIT_EVENT_PLAY_START;
        }
        if (s->publish_type && strcmp(code, "NetStream.Publish.Start") == 0) {
            s->state = RTMPKIT_STREAM_PUBLISHING;
            return RTMPKIT_EVENT_PUBLISH_START;
        }
    }
    if (is_stream_end(code))
        return RTMPKIT_EVENT_STREAM_END;
    if (strcmp(code, "NetStream.Play.PublishNotify") == 0)
        return RTMPKIT_EVENT_STREAM_BEGIN;
    return RTMPKIT_EVENT_STATUS;
}

/* Whether connect announced that we follow a ReconnectRequest. */
static int follows_reconnect(const rtmpkit_conn *c)
{
    return c->caps.present && c->caps.caps_ex > 0 && (c->caps.caps_ex & RTMPKIT_CAPS_EX_RECONNECT);
}

/* NetConnection.Connect.ReconnectRequest (Enhanced RTMP v2): an event of the connection
 * with the tcUrl, when we announced that we follow it and the tcUrl is a string of
 * bounded length (what it says is the session's to judge). Returns 1 when it is that
 * event, 0 when it stays a plain status, or an error. */
static int reconnect_request(rtmpkit_conn *c, const rtmpkit_amf *info, const char *description)
{
    const rtmpkit_amf *tc_url = info ? rtmpkit_amf_get(info, "tcUrl") : NULL;
    rtmpkit_event *ev;
    if (!follows_reconnect(c)) {
        rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "ReconnectRequest not followed: connect did not announce "
                     "Reconnect in capsEx");
        return 0;
    }
    if (tc_url && (tc_url->type != RTMPKIT_AMF_STRING || strlen(tc_url->string) != tc_url->length)) {
        rtmpkit_logf(c->log, RTMPKIT_LOG_WARN, "the server asks us to reconnect, but its tcUrl is no string "
                     "(or holds a NUL byte): ignored");
        return 0;
    }
    if (tc_url && tc_url->length > RTMPKIT_MAX_TC_URL) {
        rtmpkit_logf(c->log, RTMPKIT_LOG_WARN, "the server asks us to reconnect, but its tcUrl is %zu bytes "
                     "long (at most %d): ignored", tc_url->length, RTMPKIT_MAX_TC_URL);
        return 0;
    }
    if (!(ev = rk_conn_push_event(c, RTMPKIT_EVENT_RECONNECT_REQUEST, -1)))
        return rk_conn_fail(c, RTMPKIT_ELIMIT, "too many events in one message");
    ev->code = RTMPKIT_RECONNECT_REQUEST_CODE;
    ev->description = description;
    ev->tc_url = tc_url ? tc_url->string : "";
    return 1;
}

int rk_conn_handle_status(rtmpkit_conn *c, uint32_t msid, const rtmpkit_amf *info)
{
    const char *code = rk_conn_info_string(info, "code");
    const char *level = rk_conn_info_string(info, "level");
    const char *description = rk_conn_info_string(info, "description");
    int stream = rk_conn_stream_of(c, msid), n;
    rtmpkit_event *ev;

    rtmpkit_logf(c->log, RTMPKIT_LOG_DEBUG, "status %s (%s) %s", code, level, description);
    if (strcmp(code, RTMPKIT_RECONNECT_REQUEST_CODE) == 0 && strcmp(level, "status") == 0
        && (n = reconnect_request(c, info, description)) != 0)
        return n < 0 ? n : 0;
    if (strcmp(level, "error") == 0) {
        /* Fatal for its stream; for the connection when it is about none, or about it. */
        if (stream < 0 || strncmp(code, "NetConnection.", 14) == 0)
            return rk_conn_fail(c, status_error(code), "%s%s%s", code, description[0] ? ": " : "", description);
        return stream_fail(c, stream, status_error(code), code, "%s%s%s", code,
                           description[0] ? ": " : "", description);
    }
    ev = rk_conn_push_event(c, status_event(stream >= 0 ? &c->streams[stream] : NULL, code), stream);
    if (ev) {
        ev->code = code;
        ev->description = description;
    }
    return 0;
}

int rk_conn_stream_control(rtmpkit_conn *c, uint16_t event, uint32_t msid)
{
    int begin = event == UC_STREAM_BEGIN;
    rtmpkit_event *ev = rk_conn_push_event(c, begin ? RTMPKIT_EVENT_STREAM_BEGIN : RTMPKIT_EVENT_STREAM_END,
                                           rk_conn_stream_of(c, msid));
    if (ev)
        ev->code = begin ? "StreamBegin" : "StreamEOF";
    return 0;
}
