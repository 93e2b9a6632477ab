/* The RTMP chunk stream: reassembly of messages from chunks, under caps, and the writer. */
#ifndef RK_CHUNK_H
#define RK_CHUNK_H

#include <stdint.h>

#include "rtmpkit/bytes.h"

#define RK_DEFAULT_CHUNK_SIZE    128
#define RK_MAX_CHUNK_SIZE        0x7FFFFFFFu
#define RK_MAX_CSID              65599u
/* Limits on what a peer can make us hold (DESIGN.md §6). */
#define RK_MAX_MESSAGE_SIZE      (8u * 1024 * 1024)   /* one message, bytes */
#define RK_MAX_PARTIAL_BYTES     (32u * 1024 * 1024)  /* all partial messages together */
#define RK_MAX_CHUNK_STREAMS     64                   /* chunk streams with state */

/* A complete message. data points into the reader and stays valid until the next
 * rk_chunk_read or rk_chunk_reader_free call. */
typedef struct rk_message {
    uint32_t csid;
    uint8_t type;
    uint32_t stream_id;
    uint32_t timestamp;     /* as on the wire: 32-bit, absolute, may wrap */
    uint32_t length;
    const uint8_t *data;
} rk_message;

typedef struct rk_chunk_reader rk_chunk_reader;

rk_chunk_reader *rk_chunk_reader_new(void);
void rk_chunk_reader_free(rk_chunk_reader *r);
/* The peer's Set Chunk Size. size must be 1..RK_MAX_CHUNK_SIZE (the engine checks);
 * no buffer is sized from it. */
void rk_chunk_reader_set_chunk_size(rk_chunk_reader *r, uint32_t size);
/* Abort Message: drop the partial message of a chunk stream. */
void rk_chunk_reader_abort(rk_chunk_reader *r, uint32_t csid);
/* Reads from buf. Returns the number of bytes consumed (0 when a header is incomplete:
 * feed more), and stops right after a message completes, setting *ready = 1 and *msg.
 * Returns RTMPKIT_EPROTOCOL or RTMPKIT_ELIMIT (or ENOMEM) on bad input; the reader is
 * unusable afterwards and rk_chunk_reader_error() says why in one line. */
int rk_chunk_read(rk_chunk_reader *r, const uint8_t *buf, size_t len, rk_message *msg, int *ready);
const char *rk_chunk_reader_error(const rk_chunk_reader *r);

/* Writer state per chunk stream, to pick the shortest header. */
#define RK_WRITER_STREAMS 16
typedef struct rk_chunk_writer {
    uint32_t chunk_size;
    struct {
        uint32_t csid;
        uint32_t stream_id;
        uint32_t timestamp;
        uint32_t delta;
        uint32_t length;
        uint8_t type;
        int used;
    } last[RK_WRITER_STREAMS];
} rk_chunk_writer;

void rk_chunk_writer_init(rk_chunk_writer *w);
/* Appends one message as chunks of w->chunk_size to out. csid 2..65599. The timestamp
 * is 32-bit absolute; extended timestamps are written when needed, repeated on fmt-3
 * chunks. Returns 0 or the error in out. */
int rk_chunk_write(rk_chunk_writer *w, rtmpkit_buf *out, uint32_t csid, uint8_t type,
                   uint32_t stream_id, uint32_t timestamp, const uint8_t *data, uint32_t len);

#endif
