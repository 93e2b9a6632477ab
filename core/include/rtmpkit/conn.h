/* The RTMP protocol engine, sans-I/O: fed bytes and the time, it hands back bytes to send
 * and reports events. It never touches a socket, a clock or a file. */
#ifndef RTMPKIT_CONN_H
#define RTMPKIT_CONN_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/log.h"

#define RTMPKIT_DEFAULT_BUFFER_MS  3000   /* SetBufferLength for play when the config says 0 */
#define RTMPKIT_OUR_CHUNK_SIZE     4096
#define RTMPKIT_OUR_WINDOW_ACK     2500000
#define RTMPKIT_MAX_PENDING_OUTPUT (64u * 1024 * 1024)   /* bytes queued to send */
#define RTMPKIT_MAX_TRANSACTIONS   16                    /* commands awaiting _result */

typedef struct rtmpkit_conn rtmpkit_conn;

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
} rtmpkit_conn_config;

enum rtmpkit_event_type {
    RTMPKIT_EVENT_CONNECTED = 1,   /* connect _result: the application accepted us */
    RTMPKIT_EVENT_STREAM_CREATED,  /* createStream _result: stream_id */
    RTMPKIT_EVENT_PLAY_START,      /* NetStream.Play.Start */
    RTMPKIT_EVENT_PUBLISH_START,   /* NetStream.Publish.Start */
    RTMPKIT_EVENT_MEDIA,           /* an audio, video or data (FLV-style) message */
    RTMPKIT_EVENT_STATUS,          /* any other onStatus / onPlayStatus; informational */
    RTMPKIT_EVENT_STREAM_BEGIN,    /* publisher (re)started: StreamBegin, PublishNotify */
    RTMPKIT_EVENT_STREAM_END,      /* UnpublishNotify, Play.Stop, StreamEOF, Play.Complete */
    RTMPKIT_EVENT_ERROR,           /* fatal: error and message say why */
};

/* Pointers inside an event stay valid until the next rtmpkit_conn_recv or _free. */
typedef struct rtmpkit_event {
    enum rtmpkit_event_type type;
    uint8_t media_type;        /* MEDIA: 8 audio, 9 video, 18 data */
    uint32_t timestamp;        /* MEDIA: 32-bit wire timestamp (wraps) */
    const uint8_t *data;       /* MEDIA: the tag body */
    size_t length;
    uint32_t stream_id;        /* STREAM_CREATED, MEDIA */
    const char *code;          /* STATUS, PLAY_START, STREAM_END...: e.g. "NetStream.Play.Stop" */
    const char *description;   /* the server's words, or "" */
    int error;                 /* ERROR: a negative RTMPKIT_E* code */
} rtmpkit_event;

/* Returns NULL on bad config or no memory. */
RTMPKIT_API rtmpkit_conn *rtmpkit_conn_new(const rtmpkit_conn_config *cfg);
RTMPKIT_API void rtmpkit_conn_free(rtmpkit_conn *c);

/* Queues C0+C1. random: 1536 bytes for C1 (the caller's RNG, so tests are repeatable).
 * After the handshake the engine sends connect by itself. */
RTMPKIT_API int rtmpkit_conn_start(rtmpkit_conn *c, uint64_t now_ms, const uint8_t *random);

/* Feeds received bytes. Returns the number consumed (it stops after each complete
 * message so that its events can be read first; call again with the rest), or a negative
 * error, after which the connection is dead (an ERROR event says why too). */
RTMPKIT_API int rtmpkit_conn_recv(rtmpkit_conn *c, const uint8_t *buf, size_t len, uint64_t now_ms);

/* Takes the next queued event. Returns 1 with *ev filled, 0 when there is none. */
RTMPKIT_API int rtmpkit_conn_poll_event(rtmpkit_conn *c, rtmpkit_event *ev);

/* The bytes waiting to be sent; after writing n of them, call rtmpkit_conn_output_done. */
RTMPKIT_API const uint8_t *rtmpkit_conn_output(rtmpkit_conn *c, size_t *len);
RTMPKIT_API void rtmpkit_conn_output_done(rtmpkit_conn *c, size_t n);

/* After CONNECTED: createStream, then play(name, start) on the new stream with
 * SetBufferLength. start: -2 live or recorded, -1 live only, >= 0 recorded from ms.
 * Events PLAY_START and then MEDIA follow. */
RTMPKIT_API int rtmpkit_conn_play(rtmpkit_conn *c, const char *name, double start_ms);

/* After CONNECTED: releaseStream, FCPublish, createStream, then publish(name, type). */
RTMPKIT_API int rtmpkit_conn_publish(rtmpkit_conn *c, const char *name, const char *type);

/* After PUBLISH_START: sends one audio/video/data message on the stream. */
RTMPKIT_API int rtmpkit_conn_send_media(rtmpkit_conn *c, uint8_t type, uint32_t timestamp,
                            const uint8_t *data, size_t len);

/* Ends the stream politely: FCUnpublish (when publishing) and deleteStream. */
RTMPKIT_API int rtmpkit_conn_close_stream(rtmpkit_conn *c);

/* One line that says what went wrong last, with the server's words when it gave any. */
RTMPKIT_API const char *rtmpkit_conn_error_message(const rtmpkit_conn *c);

/* The description of the server's connect _error, as the server wrote it (not scrubbed
 * of secrets: for authentication, never for a log line), or "" when there was none. */
RTMPKIT_API const char *rtmpkit_conn_connect_error(const rtmpkit_conn *c);

/* Counters, for stats. */
RTMPKIT_API uint64_t rtmpkit_conn_bytes_received(const rtmpkit_conn *c);
/* All bytes ever queued for sending (sent = this minus what rtmpkit_conn_output holds). */
RTMPKIT_API uint64_t rtmpkit_conn_bytes_queued(const rtmpkit_conn *c);
RTMPKIT_API int rtmpkit_conn_handshake_done(const rtmpkit_conn *c);

#endif
