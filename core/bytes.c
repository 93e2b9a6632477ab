#include "rtmpkit/bytes.h"

#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

void rtmpkit_reader_init(rtmpkit_reader *r, const uint8_t *buf, size_t len)
{
    r->p = buf;
    r->end = buf ? buf + len : buf;
    r->err = 0;
}

size_t rtmpkit_reader_left(const rtmpkit_reader *r)
{
    return (size_t)(r->end - r->p);
}

/* Returns the next n bytes, or NULL with err set; the one place that checks bounds. */
static const uint8_t *take(rtmpkit_reader *r, size_t n)
{
    const uint8_t *p = r->p;
    if (r->err || rtmpkit_reader_left(r) < n) {
        r->err = RTMPKIT_ETRUNCATED;
        r->p = r->end;
        return NULL;
    }
    r->p += n;
    return p;
}

uint8_t rtmpkit_read_u8(rtmpkit_reader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint16_t rtmpkit_read_u16(rtmpkit_reader *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rtmpkit_read_u24(rtmpkit_reader *r)
{
    const uint8_t *p = take(r, 3);
    return p ? rtmpkit_rb24(p) : 0;
}

uint32_t rtmpkit_read_u32(rtmpkit_reader *r)
{
    const uint8_t *p = take(r, 4);
    return p ? rtmpkit_rb32(p) : 0;
}

uint32_t rtmpkit_read_u32le(rtmpkit_reader *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

double rtmpkit_read_f64(rtmpkit_reader *r)
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

const uint8_t *rtmpkit_read_bytes(rtmpkit_reader *r, size_t n)
{
    return take(r, n);
}

void rtmpkit_skip(rtmpkit_reader *r, size_t n)
{
    (void)take(r, n);
}

void rtmpkit_buf_init(rtmpkit_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void rtmpkit_buf_free(rtmpkit_buf *b)
{
    free(b->data);
    rtmpkit_buf_init(b, b->max);
}

void rtmpkit_buf_reset(rtmpkit_buf *b)
{
    b->len = 0;
    b->err = 0;
}

uint8_t *rtmpkit_buf_reserve(rtmpkit_buf *b, size_t n)
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

void rtmpkit_buf_consume(rtmpkit_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void rtmpkit_put_bytes(rtmpkit_buf *b, const void *p, size_t n)
{
    uint8_t *dst = rtmpkit_buf_reserve(b, n);
    if (!dst)
        return;
    if (n)
        memcpy(dst, p, n);
    b->len += n;
}

void rtmpkit_put_u8(rtmpkit_buf *b, uint8_t v)
{
    rtmpkit_put_bytes(b, &v, 1);
}

void rtmpkit_put_u16(rtmpkit_buf *b, uint16_t v)
{
    uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    rtmpkit_put_bytes(b, p, 2);
}

void rtmpkit_put_u24(rtmpkit_buf *b, uint32_t v)
{
    uint8_t p[3];
    rtmpkit_wb24(p, v);
    rtmpkit_put_bytes(b, p, 3);
}

void rtmpkit_put_u32(rtmpkit_buf *b, uint32_t v)
{
    uint8_t p[4];
    rtmpkit_wb32(p, v);
    rtmpkit_put_bytes(b, p, 4);
}

void rtmpkit_put_u32le(rtmpkit_buf *b, uint32_t v)
{
    uint8_t p[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    rtmpkit_put_bytes(b, p, 4);
}

void rtmpkit_put_f64(rtmpkit_buf *b, double v)
{
    uint64_t bits;
    uint8_t p[8];
    memcpy(&bits, &v, sizeof bits);
    for (int i = 7; i >= 0; i--, bits >>= 8)
        p[i] = (uint8_t)bits;
    rtmpkit_put_bytes(b, p, 8);
}
