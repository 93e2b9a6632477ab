/* A client: drives one engine over a transport (TCP, or TLS over TCP for rtmps) with timeouts. */
#ifndef RTMPKIT_CLIENT_H
#define RTMPKIT_CLIENT_H

#include "rtmpkit/export.h"

#include <signal.h>
#include <stdint.h>

#include "rtmpkit/conn.h"
#include "rtmpkit/log.h"
#include "rtmpkit/url.h"

typedef struct rtmpkit_client rtmpkit_client;

/* What a zero in the config means; the commands' help and man pages show these. */
#define RTMPKIT_DEFAULT_CONNECT_TIMEOUT_MS   10000
#define RTMPKIT_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000
#define RTMPKIT_DEFAULT_IDLE_TIMEOUT_MS      30000
#define RTMPKIT_DEFAULT_WRITE_TIMEOUT_MS     10000

typedef struct rtmpkit_client_config {
    const rtmpkit_url *url;          /* not owned; must outlive the client */
    int connect_timeout_ms;          /* 0: RTMPKIT_DEFAULT_CONNECT_TIMEOUT_MS */
    int handshake_timeout_ms;        /* handshake + connect + createStream; 0: the default */
    int idle_timeout_ms;             /* no byte received for this long; 0: the default */
    int write_timeout_ms;            /* a blocked write; 0: the default */
    int ip_family;                   /* 0 any, 4, 6 */
    const volatile sig_atomic_t *cancel;   /* when non-zero, waits return CANCELLED */
    rtmpkit_log *log;                /* not owned */
    rtmpkit_conn_config conn;        /* app and tc_url are taken from url when NULL */
    /* rtmps: the server's certificate is verified against the system CA store, plus these */
    const char *ca_file;             /* PEM CA certificates to trust too; NULL: none; not owned */
    const char *ca_path;             /* a hashed directory of CA certificates; NULL: none */
    int insecure;                    /* 1: no certificate or host check (warned on every connect) */
} rtmpkit_client_config;

RTMPKIT_API rtmpkit_client *rtmpkit_client_new(const rtmpkit_client_config *cfg);
RTMPKIT_API void rtmpkit_client_free(rtmpkit_client *cl);

/* Resolves, connects, handshakes and sends connect; returns 0 once the server accepted
 * the connect, or a negative error (rtmpkit_client_error_message says more). */
RTMPKIT_API int rtmpkit_client_connect(rtmpkit_client *cl);

/* One stream, waiting for it to start. The single-stream functions below (play, publish,
 * send_media, queue_media, and next_event's errors) act on "the" stream: the one started
 * last. While these two wait, events of other streams are dropped: to run several
 * streams, start them with the _stream variants further down. */

/* Starts playing; returns 0 once NetStream.Play.Start arrived (media events may follow). */
RTMPKIT_API int rtmpkit_client_play(rtmpkit_client *cl, const char *name, double start_ms);
/* Starts publishing; returns 0 once NetStream.Publish.Start arrived. */
RTMPKIT_API int rtmpkit_client_publish(rtmpkit_client *cl, const char *name, const char *type);
/* Waits for the next event (MEDIA, STATUS, STREAM_BEGIN, STREAM_END, and every event of
 * streams started with the _stream variants). Returns 1 with *ev, or a negative error
 * (TIMEOUT after idle_timeout_ms, CANCELLED, NETWORK, the error of the connection or of
 * the stream rtmpkit_client_play/_publish started...). */
RTMPKIT_API int rtmpkit_client_next_event(rtmpkit_client *cl, rtmpkit_event *ev);
/* Like rtmpkit_client_next_event, but gives up after timeout_ms without an event and
 * returns RTMPKIT_EAGAIN then (the connection itself is still fine). */
RTMPKIT_API int rtmpkit_client_next_event_timeout(rtmpkit_client *cl, rtmpkit_event *ev, int timeout_ms);
/* Sends one media message on the stream (blocking up to write_timeout_ms when the socket
 * is full). */
RTMPKIT_API int rtmpkit_client_send_media(rtmpkit_client *cl, uint8_t type, uint32_t timestamp,
                              const uint8_t *data, size_t len);
/* Queues one media message without waiting for the socket; rtmpkit_client_pump sends it.
 * The queue is bounded by RTMPKIT_MAX_PENDING_OUTPUT (then RTMPKIT_ELIMIT). */
RTMPKIT_API int rtmpkit_client_queue_media(rtmpkit_client *cl, uint8_t type, uint32_t timestamp,
                                           const uint8_t *data, size_t len);

/* Several streams on one connection (RTMPKIT_MAX_STREAMS at once). These start a stream
 * and return at once with its handle in *stream; everything about it then comes from
 * rtmpkit_client_next_event with ev->stream set to the handle: PLAY_START or
 * PUBLISH_START, MEDIA, STATUS, STREAM_BEGIN/END, and ERROR when that stream alone failed
 * (the others go on). Media can be sent once its PUBLISH_START came. */
RTMPKIT_API int rtmpkit_client_play_stream(rtmpkit_client *cl, const char *name, double start_ms,
                                           int *stream);
RTMPKIT_API int rtmpkit_client_publish_stream(rtmpkit_client *cl, const char *name, const char *type,
                                              int *stream);
RTMPKIT_API int rtmpkit_client_send_media_on(rtmpkit_client *cl, int stream, uint8_t type,
                                             uint32_t timestamp, const uint8_t *data, size_t len);
RTMPKIT_API int rtmpkit_client_queue_media_on(rtmpkit_client *cl, int stream, uint8_t type,
                                              uint32_t timestamp, const uint8_t *data, size_t len);
/* Ends one stream (FCUnpublish when publishing, deleteStream); its handle is free again. */
RTMPKIT_API int rtmpkit_client_close_stream(rtmpkit_client *cl, int stream);

/* Sends what the socket takes and handles what the server says (acks, pings, status),
 * waiting up to timeout_ms for the socket (0: no waiting). With nothing to send it
 * waits the whole time for server messages, so it doubles as a pacing sleep. An event of
 * a stream started with a _stream variant stops it early: it waits for
 * rtmpkit_client_next_event, and no more is read until it is taken. Returns 0, or a
 * negative error (the server's error status, a lost connection, CANCELLED). */
RTMPKIT_API int rtmpkit_client_pump(rtmpkit_client *cl, int timeout_ms);
/* Bytes queued here and not yet written to the socket. */
RTMPKIT_API size_t rtmpkit_client_pending(rtmpkit_client *cl);
/* Bytes not yet delivered: ours plus the kernel's unacknowledged send queue (what a live
 * publisher's latency is made of). */
RTMPKIT_API size_t rtmpkit_client_undelivered(rtmpkit_client *cl);
/* All bytes ever queued for sending on this connection (written = this minus
 * rtmpkit_client_pending; delivered = this minus rtmpkit_client_undelivered). */
RTMPKIT_API uint64_t rtmpkit_client_bytes_queued(const rtmpkit_client *cl);
/* Caps the kernel's send buffer (SO_SNDBUF) of the connection: a live publisher keeps
 * its backlog where it can still drop frames, not in a socket buffer of megabytes. */
RTMPKIT_API int rtmpkit_client_set_send_buffer(rtmpkit_client *cl, int bytes);
/* deleteStream (and FCUnpublish) for every stream, flush for a moment, close the socket. */
RTMPKIT_API int rtmpkit_client_close(rtmpkit_client *cl);

RTMPKIT_API const char *rtmpkit_client_error_message(const rtmpkit_client *cl);
/* The Enhanced RTMP capabilities the server echoed when this connection connected
 * (rtmpkit/conn.h; present 0 when it gave none). */
RTMPKIT_API const rtmpkit_caps *rtmpkit_client_server_caps(const rtmpkit_client *cl);

/* The last connect _result's properties and information objects (see
 * rtmpkit_conn_connect_properties): what the server says it is (fmsVer) and can do
 * (capabilities, Enhanced RTMP's capsEx and FourCC maps). Values of type NULL before a
 * connect succeeded. Valid until the next rtmpkit_client_connect or rtmpkit_client_free. */
RTMPKIT_API const rtmpkit_amf *rtmpkit_client_connect_properties(const rtmpkit_client *cl);
RTMPKIT_API const rtmpkit_amf *rtmpkit_client_connect_info(const rtmpkit_client *cl);

#endif
