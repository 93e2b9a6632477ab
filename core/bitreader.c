/* The library's one bit reader (see bitreader.h). */
#include "bitreader.h"

#include "rtmpkit/error.h"

void rk_bits_init(rk_bits *b, const uint8_t *buf, size_t len)
{
    b->buf = buf;
    b->len = len;
    b->pos = 0;
    b->err = 0;
}

uint32_t rk_bits_read(rk_bits *b, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        if (b->pos >= b->len * 8) {
            b->err = RTMPKIT_ETRUNCATED;
            return 0;
        }
        v = v << 1 | ((b->buf[b->pos / 8] >> (7 - b->pos % 8)) & 1);
        b->pos++;
    }
    return v;
}

void rk_bits_skip(rk_bits *b, int n)
{
    while (n > 0 && !b->err) {
        int step = n > 32 ? 32 : n;
        rk_bits_read(b, step);
        n -= step;
    }
}

uint32_t rk_bits_ue(rk_bits *b)
{
    int zeros = 0;
    while (!b->err && rk_bits_read(b, 1) == 0) {
        if (++zeros > 31) {
            b->err = RTMPKIT_EPROTOCOL;
            return 0;
        }
    }
    if (b->err)
        return 0;
    return (uint32_t)((1ull << zeros) - 1 + rk_bits_read(b, zeros));
}

int32_t rk_bits_se(rk_bits *b)
{
    uint32_t v = rk_bits_ue(b);
    return v & 1 ? (int32_t)((v + 1) / 2) : -(int32_t)(v / 2);
}

uint32_t rk_bits_uvlc(rk_bits *b)
{
    int zeros = 0;
    while (!b->err && rk_bits_read(b, 1) == 0)
        zeros++;
    if (b->err || zeros >= 32)
        return UINT32_MAX;
    return (uint32_t)((1ull << zeros) - 1 + rk_bits_read(b, zeros));
}

size_t rk_nal_rbsp(const uint8_t *nal, size_t len, uint8_t *out, size_t cap)
{
    size_t n = 0, zeros = 0;
    for (size_t i = 0; i < len && n < cap; i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = nal[i] == 0 ? zeros + 1 : 0;
        out[n++] = nal[i];
    }
    return n;
}
