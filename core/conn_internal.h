/* The protocol engine's insides, shared by conn.c (the connection: handshake, control
 * messages, commands, the receive loop) and conn_stream.c (the table of streams). */
#ifndef RK_CONN_INTERNAL_H
#define RK_CONN_INTERNAL_H

#include "rtmpkit/conn.h"

#include "rtmpkit/bytes.h"
#include "chunk.h"
#include "handshake.h"

/* Message types (RTMP spec §5.4, §7.1). */
enum {
    MSG_SET_CHUNK_SIZE = 1,
    MSG_ABORT = 2,
    MSG_ACK = 3,
    MSG_USER_CONTROL = 4,
    MSG_WINDOW_ACK_SIZE = 5,
    MSG_SET_PEER_BANDWIDTH = 6,
    MSG_AUDIO = 8,
    MSG_VIDEO = 9,
    MSG_DATA_AMF3 = 15,
    MSG_COMMAND_AMF3 = 17,
    MSG_DATA_AMF0 = 18,
    MSG_COMMAND_AMF0 = 20,
    MSG_AGGREGATE = 22,
};

/* User control events. */
enum {
    UC_STREAM_BEGIN = 0,
    UC_STREAM_EOF = 1,
    UC_STREAM_DRY = 2,
    UC_SET_BUFFER_LENGTH = 3,
    UC_STREAM_IS_RECORDED = 4,
    UC_PING_REQUEST = 6,
    UC_PING_RESPONSE = 7,
};

/* Chunk stream ids we send on (the ones ffmpeg and OBS use). */
enum {
    CSID_CONTROL = 2,
    CSID_COMMAND = 3,
    CSID_AUDIO = 4,
    CSID_DATA = 5,
    CSID_VIDEO = 6,
    CSID_STREAM = 8,
};

#define RK_CONN_MAX_VALUES  8        /* AMF values of the current message */
#define RK_CONN_STREAM_ERROR_MAX 256

enum rk_conn_state {
    RK_CONN_INIT,
    RK_CONN_HANDSHAKE,
    RK_CONN_CONNECTING,
    RK_CONN_CONNECTED,
    RK_CONN_FAILED,
};

enum rk_transaction_kind {
    RK_TX_CONNECT,
    RK_TX_CREATE_STREAM,
    RK_TX_UNTRACKED,        /* releaseStream, FCPublish: numbered, answer not needed */
    RK_TX_NONE,             /* play, publish, deleteStream...: transaction id 0 */
};

struct rk_transaction {
    double id;
    enum rk_transaction_kind kind;
    int stream;             /* createStream: the stream it creates; -1 once closed */
    int used;
};

/* One stream of the connection; the slot is free when state is RTMPKIT_STREAM_FREE. */
struct rk_stream {
    enum rtmpkit_stream_state state;
    int id_known;           /* the createStream answer came */
    uint32_t id;            /* the server's message stream id, when id_known */
    char *name;
    char *publish_type;     /* NULL: a play stream */
    double play_start;
    char error[RK_CONN_STREAM_ERROR_MAX];   /* why it failed, for its ERROR event */
};

struct rtmpkit_conn {
    char *app;
    char *tc_url;
    char *flash_ver;
    char *swf_url;
    char *page_url;
    int simple_handshake;
    int publisher;
    uint32_t buffer_ms;
    rtmpkit_log *log;
    uint8_t *connect_args;  /* AMF0 values after the connect object; may be NULL */
    size_t connect_args_len;
    rtmpkit_caps caps;          /* announced in connect (present: announce at all) */
    rtmpkit_caps server_caps;   /* echoed in the connect _result */
    char *connect_error;    /* the server's description in the connect _error; NULL: none */

    enum rk_conn_state state;
    rk_handshake handshake;
    rk_chunk_reader *reader;
    rk_chunk_writer writer;
    rtmpkit_buf out;
    rtmpkit_buf command;         /* scratch for building one command body */

    uint64_t bytes_received;
    uint64_t bytes_sent;    /* taken out of out by the driver */
    uint64_t bytes_at_last_ack;
    uint32_t peer_window;   /* the server's Window Ack Size: acknowledge every this many */
    int sent_window_ack;

    struct rk_transaction transactions[RTMPKIT_MAX_TRANSACTIONS];
    double next_transaction_id;
    struct rk_stream streams[RTMPKIT_MAX_STREAMS];

    rtmpkit_event *events;  /* the events of the current message */
    size_t event_count;
    size_t event_next;
    rtmpkit_amf values[RK_CONN_MAX_VALUES];   /* the current message's, owned until next recv */
    int value_count;
    rtmpkit_amf connect_properties;   /* the connect _result's, moved out of values */
    rtmpkit_amf connect_info;

    char error_message[512];
};

/* conn.c */

/* Queues an event about stream (-1: the connection); NULL when the message already has
 * too many. */
rtmpkit_event *rk_conn_push_event(rtmpkit_conn *c, enum rtmpkit_event_type type, int stream);
/* Marks the connection dead with err and a one-line reason (an ERROR event); returns err. */
int rk_conn_fail(rtmpkit_conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets the message rtmpkit_conn_error_message gives, without failing anything; returns err. */
int rk_conn_refuse(rtmpkit_conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rk_conn_send_message(rtmpkit_conn *c, uint32_t csid, uint8_t type, uint32_t stream_id,
                         uint32_t timestamp, const uint8_t *data, size_t len);
int rk_conn_send_user_control(rtmpkit_conn *c, uint16_t event, const uint8_t *args, size_t len);
/* Starts a command body in c->command: name, transaction id. RK_TX_CONNECT and
 * RK_TX_CREATE_STREAM take an entry of the transaction table (for stream). Returns 0, or
 * RTMPKIT_ELIMIT when the table is full (check rk_conn_can_track first to send nothing). */
int rk_conn_begin_command(rtmpkit_conn *c, const char *name, enum rk_transaction_kind kind, int stream);
int rk_conn_can_track(const rtmpkit_conn *c);
/* Sends c->command on csid and the message stream stream_id. */
int rk_conn_finish_command(rtmpkit_conn *c, uint32_t csid, uint32_t stream_id);
/* The info object of a status or _error: the first object from value index first on. */
const rtmpkit_amf *rk_conn_find_info(const rtmpkit_conn *c, int first);
/* The error a NetConnection.Connect.* error code means: UNKNOWN_APP for InvalidApp
 * (the application does not exist), else REJECTED. */
int rk_conn_connect_error_of(const char *code);

/* ---- caps.c: Enhanced RTMP capabilities ---- */

/* Writes fourCcList, the info maps and capsEx as properties of the open command object. */
void rk_caps_put(rtmpkit_buf *b, const rtmpkit_caps *caps);
/* Adds what obj (a command object or info object) says of capabilities to caps. */
void rk_caps_read(const rtmpkit_amf *obj, rtmpkit_caps *caps);
const char *rk_conn_info_string(const rtmpkit_amf *info, const char *key);

/* conn_stream.c */

void rk_conn_streams_free(rtmpkit_conn *c);
/* The stream a message on the server's message stream msid concerns: the one with that
 * id; else, while exactly one stream is open, that one (some servers send its statuses
 * on stream 0); else -1. */
int rk_conn_stream_of(const rtmpkit_conn *c, uint32_t msid);
/* The createStream answer for stream (-1: closed meanwhile), in c->values. */
int rk_conn_stream_created(rtmpkit_conn *c, int stream, int is_error);
/* An onStatus (command or data message) on message stream msid. */
int rk_conn_handle_status(rtmpkit_conn *c, uint32_t msid, const rtmpkit_amf *info);
/* StreamBegin / StreamEOF for the server's message stream msid. */
int rk_conn_stream_control(rtmpkit_conn *c, uint16_t event, uint32_t msid);

#endif
