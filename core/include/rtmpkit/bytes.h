/* Bounded big-endian reading and a growable, capped write buffer: what every parser and
 * message builder of the library uses, public so that programs building tag bodies or
 * AMF values use the same. Both keep a sticky error flag: parse or build a whole
 * message, then check it once. */
#ifndef RTMPKIT_BYTES_H
#define RTMPKIT_BYTES_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

/* A reader over (p, end). Reads past the end return 0 and set err; nothing is ever
 * read outside the buffer. The reader does not own the memory. */
typedef struct rtmpkit_reader {
    const uint8_t *p;
    const uint8_t *end;
    int err;
} rtmpkit_reader;

RTMPKIT_API void rtmpkit_reader_init(rtmpkit_reader *r, const uint8_t *buf, size_t len);
RTMPKIT_API size_t rtmpkit_reader_left(const rtmpkit_reader *r);
RTMPKIT_API uint8_t rtmpkit_read_u8(rtmpkit_reader *r);
RTMPKIT_API uint16_t rtmpkit_read_u16(rtmpkit_reader *r);
RTMPKIT_API uint32_t rtmpkit_read_u24(rtmpkit_reader *r);
RTMPKIT_API uint32_t rtmpkit_read_u32(rtmpkit_reader *r);
RTMPKIT_API uint32_t rtmpkit_read_u32le(rtmpkit_reader *r);
RTMPKIT_API double rtmpkit_read_f64(rtmpkit_reader *r);
/* Returns a pointer to the next n bytes inside the buffer and skips them, or NULL
 * (and sets err) when fewer than n are left. */
RTMPKIT_API const uint8_t *rtmpkit_read_bytes(rtmpkit_reader *r, size_t n);
RTMPKIT_API void rtmpkit_skip(rtmpkit_reader *r, size_t n);

/* A byte buffer that grows up to max bytes. Writes that would pass max, or fail to
 * allocate, set err and are dropped. data is owned by the buffer: rtmpkit_buf_free it. */
typedef struct rtmpkit_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
    int err;
} rtmpkit_buf;

RTMPKIT_API void rtmpkit_buf_init(rtmpkit_buf *b, size_t max);
RTMPKIT_API void rtmpkit_buf_free(rtmpkit_buf *b);
/* Makes room for n more bytes; returns a pointer to them (len is not changed) or NULL. */
RTMPKIT_API uint8_t *rtmpkit_buf_reserve(rtmpkit_buf *b, size_t n);
/* Removes the first n bytes (already sent, say). */
RTMPKIT_API void rtmpkit_buf_consume(rtmpkit_buf *b, size_t n);
RTMPKIT_API void rtmpkit_buf_reset(rtmpkit_buf *b);
RTMPKIT_API void rtmpkit_put_u8(rtmpkit_buf *b, uint8_t v);
RTMPKIT_API void rtmpkit_put_u16(rtmpkit_buf *b, uint16_t v);
RTMPKIT_API void rtmpkit_put_u24(rtmpkit_buf *b, uint32_t v);
RTMPKIT_API void rtmpkit_put_u32(rtmpkit_buf *b, uint32_t v);
RTMPKIT_API void rtmpkit_put_u32le(rtmpkit_buf *b, uint32_t v);
RTMPKIT_API void rtmpkit_put_f64(rtmpkit_buf *b, double v);
RTMPKIT_API void rtmpkit_put_bytes(rtmpkit_buf *b, const void *p, size_t n);

/* Writes into a fixed array; for headers of known size. */
static inline void rtmpkit_wb32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void rtmpkit_wb24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v;
}
static inline uint32_t rtmpkit_rb32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t rtmpkit_rb24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

#endif
