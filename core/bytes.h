/* Bounded big-endian reading and a growable, capped write buffer.
 * Both keep a sticky error flag: parse or build a whole message, then check it once. */
#ifndef RK_BYTES_H
#define RK_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A reader over (p, end). Reads past the end return 0 and set err; nothing is ever
 * read outside the buffer. The reader does not own the memory. */
typedef struct rk_reader {
    const uint8_t *p;
    const uint8_t *end;
    int err;
} rk_reader;

void rk_reader_init(rk_reader *r, const uint8_t *buf, size_t len);
size_t rk_reader_left(const rk_reader *r);
uint8_t rk_read_u8(rk_reader *r);
uint16_t rk_read_u16(rk_reader *r);
uint32_t rk_read_u24(rk_reader *r);
uint32_t rk_read_u32(rk_reader *r);
uint32_t rk_read_u32le(rk_reader *r);
double rk_read_f64(rk_reader *r);
/* Returns a pointer to the next n bytes inside the buffer and skips them, or NULL
 * (and sets err) when fewer than n are left. */
const uint8_t *rk_read_bytes(rk_reader *r, size_t n);
void rk_skip(rk_reader *r, size_t n);

/* A byte buffer that grows up to max bytes. Writes that would pass max, or fail to
 * allocate, set err and are dropped. data is owned by the buffer: rk_buf_free it. */
typedef struct rk_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
    int err;
} rk_buf;

void rk_buf_init(rk_buf *b, size_t max);
void rk_buf_free(rk_buf *b);
/* Makes room for n more bytes; returns a pointer to them (len is not changed) or NULL. */
uint8_t *rk_buf_reserve(rk_buf *b, size_t n);
/* Removes the first n bytes (already sent, say). */
void rk_buf_consume(rk_buf *b, size_t n);
void rk_buf_reset(rk_buf *b);
void rk_put_u8(rk_buf *b, uint8_t v);
void rk_put_u16(rk_buf *b, uint16_t v);
void rk_put_u24(rk_buf *b, uint32_t v);
void rk_put_u32(rk_buf *b, uint32_t v);
void rk_put_u32le(rk_buf *b, uint32_t v);
void rk_put_f64(rk_buf *b, double v);
void rk_put_bytes(rk_buf *b, const void *p, size_t n);

/* Writes into a fixed array; for headers of known size. */
static inline void rk_wb32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void rk_wb24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v;
}
static inline uint32_t rk_rb32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t rk_rb24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

#endif
