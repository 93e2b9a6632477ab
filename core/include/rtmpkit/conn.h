/* The RTMP protocol engine, sans-I/O: fed bytes and the time, it hands back bytes to send
 * and reports events. It never touches a socket, a clock or a file. */
#ifndef RTMPKIT_CONN_H
#define RTMPKIT_CONN_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/amf.h"
#include "rtmpkit/log.h"
#include "rtmpkit/url.h"

#define RTMPKIT_DEFAULT_BUFFER_MS  3000   /* SetBufferLength for play when the config says 0 */
#define RTMPKIT_OUR_CHUNK_SIZE     4096
#define RTMPKIT_OUR_WINDOW_ACK     2500000
#define RTMPKIT_MAX_PENDING_OUTPUT (64u * 1024 * 1024)   /* bytes queued to send */
#define RTMPKIT_MAX_STREAMS        64                    /* streams open on one connection */
/* Commands awaiting _result: connect, and one createStream per stream. */
#define RTMPKIT_MAX_TRANSACTIONS   (RTMPKIT_MAX_STREAMS + 2)

typedef struct rtmpkit_conn rtmpkit_conn;

/* Enhanced RTMP v2 capabilities, as connect announces them (fourCcList,
 * videoFourCcInfoMap, audioFourCcInfoMap, capsEx) and as a server may echo them in the
 * connect _result. */
#define RTMPKIT_CAPS_MAX     16           /* FourCCs per media type */
#define RTMPKIT_FOURCC_ANY   0x2A000000u  /* "*": every FourCC */
enum {
    RTMPKIT_CAN_DECODE = 1,
    RTMPKIT_CAN_ENCODE = 2,
    RTMPKIT_CAN_FORWARD = 4,
};
enum {
    RTMPKIT_CAPS_EX_RECONNECT = 1,
    RTMPKIT_CAPS_EX_MULTITRACK = 2,
    RTMPKIT_CAPS_EX_MODEX = 4,
    RTMPKIT_CAPS_EX_NANO_OFFSET = 8,
};
typedef struct rtmpkit_fourcc_cap {
    uint32_t fourcc;        /* RTMPKIT_FOURCC(...) or RTMPKIT_FOURCC_ANY */
    int flags;              /* RTMPKIT_CAN_* */
} rtmpkit_fourcc_cap;
typedef struct rtmpkit_caps {
    int present;            /* server caps: the _result had any of the fields */
    rtmpkit_fourcc_cap video[RTMPKIT_CAPS_MAX], audio[RTMPKIT_CAPS_MAX];
    int n_video, n_audio;   /* the info maps */
    uint32_t list[2 * RTMPKIT_CAPS_MAX];   /* fourCcList (announced: the maps' FourCCs) */
    int n_list;
    int caps_ex;            /* RTMPKIT_CAPS_EX_*; -1: not given */
} rtmpkit_caps;

/* 1 when caps (a server's) lists fourcc for video (or audio) in its info map or its
 * fourCcList, or "*"; 0 when it lists others only; -1 when it says nothing of the kind. */
RTMPKIT_API int rtmpkit_caps_lists(const rtmpkit_caps *caps, int video, uint32_t fourcc);
/* One line for logs: "video hvc1:decode,encode ... audio ... capsEx 6", or "none". */
RTMPKIT_API void rtmpkit_caps_format(const rtmpkit_caps *caps, char *out, size_t cap);

/* Strings are copied by rtmpkit_conn_new. */
typedef struct rtmpkit_conn_config {
    const char *app;           /* required */
    const char *tc_url;        /* required */
    const char *flash_ver;     /* NULL: "LNX 9,0,124,2" */
    const char *swf_url;       /* NULL: omitted */
    const char *page_url;      /* NULL: omitted */
    int simple_handshake;      /* 1: no FP9 digest in C1 */
    int publisher;             /* connect as a publisher (FMLE flashVer, type nonprivate) */
    uint32_t buffer_ms;        /* SetBufferLength for play; 0: RTMPKIT_DEFAULT_BUFFER_MS */
    rtmpkit_log *log;          /* not owned; may be NULL */
    /* Extra connect arguments: AMF0 values appended after the command object (rtmpdump's
     * -C, see --conn). Copied; NULL/0: none. */
    const uint8_t *connect_args;
    size_t connect_args_len;
    /* Enhanced RTMP capabilities to announce in connect (copied); NULL: none. */
    const rtmpkit_caps *caps;
} rtmpkit_conn_config;

enum rtmpkit_event_type {
    RTMPKIT_EVENT_CONNECTED = 1,   /* connect _result: the application accepted us */
    RTMPKIT_EVENT_STREAM_CREATED,  /* createStream _result: stream_id is now known */
    RTMPKIT_EVENT_PLAY_START,      /* NetStream.Play.Start */
    RTMPKIT_EVENT_PUBLISH_START,   /* NetStream.Publish.Start */
    RTMPKIT_EVENT_MEDIA,           /* an audio, video or data (FLV-style) message */
    RTMPKIT_EVENT_STATUS,          /* any other onStatus / onPlayStatus; informational */
    RTMPKIT_EVENT_STREAM_BEGIN,    /* publisher (re)started: StreamBegin, PublishNotify */
    RTMPKIT_EVENT_STREAM_END,      /* UnpublishNotify, Play.Stop, StreamEOF, Play.Complete */
    RTMPKIT_EVENT_ERROR,           /* error and description say why; with stream >= 0 only
                                    * that stream failed, with -1 the connection is dead */
    RTMPKIT_EVENT_RECONNECT_REQUEST, /* Enhanced RTMP: NetConnection.Connect.ReconnectRequest,
                                    * the server asks us to move to tc_url (stream -1). Only
                                    * when connect announced RTMPKIT_CAPS_EX_RECONNECT; else
                                    * it is a STATUS event like any other */
};

#define RTMPKIT_RECONNECT_REQUEST_CODE "NetConnection.Connect.ReconnectRequest"

/* The life of one stream (see rtmpkit_conn_stream_state). */
enum rtmpkit_stream_state {
    RTMPKIT_STREAM_FREE = 0,       /* no such stream: never started, or closed */
    RTMPKIT_STREAM_CREATING,       /* createStream sent, its answer not yet here */
    RTMPKIT_STREAM_STARTING,       /* play or publish sent, waiting for its Start */
    RTMPKIT_STREAM_PLAYING,
    RTMPKIT_STREAM_PUBLISHING,
    RTMPKIT_STREAM_FAILED,         /* the server's error ended it; close it to free the slot */
};

/* Pointers inside an event stay valid until the next rtmpkit_conn_recv,
 * rtmpkit_conn_close_stream or rtmpkit_conn_free. */
typedef struct rtmpkit_event {
    enum rtmpkit_event_type type;
    int stream;                /* the stream it concerns (the handle rtmpkit_conn_play or
                                * _publish returned), or -1: the connection as a whole */
    uint32_t stream_id;        /* that stream's message stream id at the server (0 until
                                * STREAM_CREATED, and for connection events) */
    uint8_t media_type;        /* MEDIA: RTMPKIT_FLV_AUDIO, _VIDEO or _DATA (rtmpkit/flv.h) */
    uint32_t timestamp;        /* MEDIA: 32-bit wire timestamp (wraps) */
    const uint8_t *data;       /* MEDIA: the tag body */
    size_t length;
    const char *code;          /* STATUS, PLAY_START, STREAM_END, ERROR...: e.g.
                                * "NetStream.Play.Stop", or "" */
    const char *description;   /* the server's words (ERROR: one line that says why), or "" */
    int error;                 /* ERROR: a negative RTMPKIT_E* code */
    const char *tc_url;        /* RECONNECT_REQUEST: the server's tcUrl as sent (absolute, or
                                * relative to ours; at most RTMPKIT_MAX_TC_URL bytes), or ""
                                * when it gave none (reconnect to the same); else "" */
} rtmpkit_event;

/* Returns NULL on bad config or no memory. */
RTMPKIT_API rtmpkit_conn *rtmpkit_conn_new(const rtmpkit_conn_config *cfg);
RTMPKIT_API void rtmpkit_conn_free(rtmpkit_conn *c);

/* Times: every now_ms the engine takes is monotonic milliseconds (CLOCK_MONOTONIC, or
 * any clock that never goes back), never wall time. */

/* Queues C0+C1. random: 1536 bytes for C1 (the caller's RNG, so tests are repeatable).
 * C1's time field is the low 32 bits of now_ms: the handshake allows any epoch.
 * After the handshake the engine sends connect by itself. */
RTMPKIT_API int rtmpkit_conn_start(rtmpkit_conn *c, uint64_t now_ms, const uint8_t *random);

/* Feeds received bytes. Returns the number consumed (it stops after each complete
 * message so that its events can be read first; call again with the rest), or a negative
 * error, after which the connection is dead (an ERROR event with stream -1 says why
 * too). An error of one stream is an event only: the return value stays >= 0. */
RTMPKIT_API int rtmpkit_conn_recv(rtmpkit_conn *c, const uint8_t *buf, size_t len, uint64_t now_ms);

/* Takes the next queued event. Returns 1 with *ev filled, 0 when there is none. */
RTMPKIT_API int rtmpkit_conn_poll_event(rtmpkit_conn *c, rtmpkit_event *ev);

/* The bytes waiting to be sent; after writing n of them, call rtmpkit_conn_output_done. */
RTMPKIT_API const uint8_t *rtmpkit_conn_output(rtmpkit_conn *c, size_t *len);
RTMPKIT_API void rtmpkit_conn_output_done(rtmpkit_conn *c, size_t n);

/* Streams. After CONNECTED, each play or publish starts a stream of its own on the
 * connection (RTMPKIT_MAX_STREAMS at once, then RTMPKIT_ELIMIT) and returns its handle,
 * a small number >= 0 that the caller can use at once: the server's message stream id
 * comes later, in STREAM_CREATED and every event of that stream. A handle stays the
 * stream's until rtmpkit_conn_close_stream; then it may be given to a new stream.
 * Many servers (nginx-rtmp, node-media-server) serve one stream per connection: they
 * answer every createStream with the same id, and each stream after the first then fails
 * alone (an ERROR event with RTMPKIT_ESTREAM_ERROR). */

/* createStream, then play(name, start) on the new stream with SetBufferLength.
 * start: -2 live or recorded, -1 live only, >= 0 recorded from ms. Events PLAY_START and
 * then MEDIA follow. Returns the stream handle or a negative error. */
RTMPKIT_API int rtmpkit_conn_play(rtmpkit_conn *c, const char *name, double start_ms);

/* releaseStream, FCPublish, createStream, then publish(name, type) on the new stream
 * (type NULL: "live"). Returns the stream handle or a negative error. */
RTMPKIT_API int rtmpkit_conn_publish(rtmpkit_conn *c, const char *name, const char *type);

/* After that stream's PUBLISH_START: sends one audio/video/data message on it. */
RTMPKIT_API int rtmpkit_conn_send_media(rtmpkit_conn *c, int stream, uint8_t type, uint32_t timestamp,
                            const uint8_t *data, size_t len);

/* Ends a stream politely (FCUnpublish when publishing, deleteStream) and frees its
 * handle. A stream whose createStream answer is still on its way is deleted when the
 * answer comes. A free handle is no error. */
RTMPKIT_API int rtmpkit_conn_close_stream(rtmpkit_conn *c, int stream);

/* Asks the server something every server answers, to learn whether it still talks: a
 * numbered createStream whose answer is ignored (node-media-server answers neither pings
 * nor unknown commands; no deleteStream follows: nginx-rtmp gives every stream id 1).
 * After CONNECTED. Returns 0 or a negative error. */
RTMPKIT_API int rtmpkit_conn_probe(rtmpkit_conn *c);

/* A stream's enum rtmpkit_stream_state, or RTMPKIT_EUSAGE for a handle out of range. */
RTMPKIT_API int rtmpkit_conn_stream_state(const rtmpkit_conn *c, int stream);
/* A stream's message stream id at the server, or -1 while it is not known. */
RTMPKIT_API int64_t rtmpkit_conn_stream_id(const rtmpkit_conn *c, int stream);

/* One line that says what went wrong last, with the server's words when it gave any. */
RTMPKIT_API const char *rtmpkit_conn_error_message(const rtmpkit_conn *c);

/* The description of the server's connect _error, as the server wrote it (not scrubbed
 * of secrets: for authentication, never for a log line), or "" when there was none. */
RTMPKIT_API const char *rtmpkit_conn_connect_error(const rtmpkit_conn *c);

/* The connect _result as the server sent it, once CONNECTED: its properties object
 * (fmsVer, capabilities, and for an Enhanced RTMP server the fourCcList,
 * videoFourCcInfoMap, audioFourCcInfoMap and capsEx it echoes) and its information
 * object (code, description, objectEncoding...). Each is a value of type NULL when the
 * server sent none. Owned by the engine; valid until rtmpkit_conn_free. */
RTMPKIT_API const rtmpkit_amf *rtmpkit_conn_connect_properties(const rtmpkit_conn *c);
RTMPKIT_API const rtmpkit_amf *rtmpkit_conn_connect_info(const rtmpkit_conn *c);
/* The Enhanced RTMP capabilities the server echoed in its connect _result (present 0
 * when it gave none, or before CONNECTED). */
RTMPKIT_API const rtmpkit_caps *rtmpkit_conn_server_caps(const rtmpkit_conn *c);

/* Counters, for stats. */
RTMPKIT_API uint64_t rtmpkit_conn_bytes_received(const rtmpkit_conn *c);
/* All bytes ever queued for sending (sent = this minus what rtmpkit_conn_output holds). */
RTMPKIT_API uint64_t rtmpkit_conn_bytes_queued(const rtmpkit_conn *c);
RTMPKIT_API int rtmpkit_conn_handshake_done(const rtmpkit_conn *c);

#endif
