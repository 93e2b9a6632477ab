#include "bytes.h"

#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

void rk_reader_init(rk_reader *r, const uint8_t *buf, size_t len)
{
    r->p = buf;
    r->end = buf ? buf + len : buf;
    r->err = 0;
}

size_t rk_reader_left(const rk_reader *r)
{
    return (size_t)(r->end - r->p);
}

/* Returns the next n bytes, or NULL with err set; the one place that checks bounds. */
static const uint8_t *take(rk_reader *r, size_t n)
{
    const uint8_t *p = r->p;
    if (r->err || rk_reader_left(r) < n) {
        r->err = RTMPKIT_ETRUNCATED;
        r->p = r->end;
        return NULL;
    }
    r->p += n;
    return p;
}

uint8_t rk_read_u8(rk_reader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint16_t rk_read_u16(rk_reader *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rk_read_u24(rk_reader *r)
{
    const uint8_t *p = take(r, 3);
    return p ? rk_rb24(p) : 0;
}

uint32_t rk_read_u32(rk_reader *r)
{
    const uint8_t *p = take(r, 4);
    return p ? rk_rb32(p) : 0;
}

uint32_t rk_read_u32le(rk_reader *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

double rk_read_f64(rk_reader *r)
{
    const uint8_t *p = take(r, 8);
    uint64_t bits = 0;
    double d;
    if (!p)
        return 0;
    for (int i = 0; i < 8; i++)
        bits = bits << 8 | p[i];
    memcpy(&d, &bits, sizeof d);
    return d;
}

const uint8_t *rk_read_bytes(rk_reader *r, size_t n)
{
    return take(r, n);
}

void rk_skip(rk_reader *r, size_t n)
{
    (void)take(r, n);
}

void rk_buf_init(rk_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void rk_buf_free(rk_buf *b)
{
    free(b->data);
    rk_buf_init(b, b->max);
}

void rk_buf_reset(rk_buf *b)
{
    b->len = 0;
    b->err = 0;
}

uint8_t *rk_buf_reserve(rk_buf *b, size_t n)
{
    if (b->err)
        return NULL;
    if (n > b->max || b->len > b->max - n) {
        b->err = RTMPKIT_ELIMIT;
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap = cap > b->max / 2 ? b->max : cap * 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data) {
            b->err = RTMPKIT_ENOMEM;
            return NULL;
        }
        b->data = data;
        b->cap = cap;
    }
    return b->data + b->len;
}

void rk_buf_consume(rk_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void rk_put_bytes(rk_buf *b, const void *p, size_t n)
{
    uint8_t *dst = rk_buf_reserve(b, n);
    if (!dst)
        return;
    if (n)
        memcpy(dst, p, n);
    b->len += n;
}

void rk_put_u8(rk_buf *b, uint8_t v)
{
    rk_put_bytes(b, &v, 1);
}

void rk_put_u16(rk_buf *b, uint16_t v)
{
    uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    rk_put_bytes(b, p, 2);
}

void rk_put_u24(rk_buf *b, uint32_t v)
{
    uint8_t p[3];
    rk_wb24(p, v);
    rk_put_bytes(b, p, 3);
}

void rk_put_u32(rk_buf *b, uint32_t v)
{
    uint8_t p[4];
    rk_wb32(p, v);
    rk_put_bytes(b, p, 4);
}

void rk_put_u32le(rk_buf *b, uint32_t v)
{
    uint8_t p[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    rk_put_bytes(b, p, 4);
}

void rk_put_f64(rk_buf *b, double v)
{
    uint64_t bits;
    uint8_t p[8];
    memcpy(&bits, &v, sizeof bits);
    for (int i = 7; i >= 0; i--, bits >>= 8)
        p[i] = (uint8_t)bits;
    rk_put_bytes(b, p, 8);
}
