/* A bounded bit reader with a sticky error (dav1d getbits style), for the bitstream
 * parsers of the library (core/codecinfo.c: H.264 and HEVC SPS, AV1 sequence header,
 * AudioSpecificConfig). Reading past the end sets err and gives 0; a parser reads all
 * its fields and checks err once. */
#ifndef RK_BITREADER_H
#define RK_BITREADER_H

#include <stddef.h>
#include <stdint.h>

typedef struct rk_bits {
    const uint8_t *buf;
    size_t len;          /* in bytes */
    size_t pos;          /* in bits */
    int err;             /* 0, RTMPKIT_ETRUNCATED (past the end) or RTMPKIT_EPROTOCOL (bad code) */
} rk_bits;

void rk_bits_init(rk_bits *b, const uint8_t *buf, size_t len);
/* The next n bits (0..32), most significant first. */
uint32_t rk_bits_read(rk_bits *b, int n);
/* Skips n bits (any count). */
void rk_bits_skip(rk_bits *b, int n);
/* Exp-Golomb ue(v); more than 31 leading zeros is malformed (RTMPKIT_EPROTOCOL). */
uint32_t rk_bits_ue(rk_bits *b);
/* Exp-Golomb se(v). */
int32_t rk_bits_se(rk_bits *b);
/* AV1's uvlc(): like ue(v), but 32 leading zeros or more mean UINT32_MAX. */
uint32_t rk_bits_uvlc(rk_bits *b);

/* The RBSP of a NAL unit: its bytes with the emulation prevention bytes (the 03 of
 * 00 00 03) taken out, at most cap of them into out. Returns how many were written. */
size_t rk_nal_rbsp(const uint8_t *nal, size_t len, uint8_t *out, size_t cap);

#endif
