/* The RTMP client handshake (C0 C1 / S0 S1 S2 / C2), simple and FP9 digest, sans-I/O. */
#include "handshake.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rtmpkit/error.h"

#define RK_DIGEST_LEN 32

/* The 32-byte constant that completes both FP9 keys. */
#define RK_FP9_CONST \
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57, \
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE

/* "Genuine Adobe Flash Player 001" + constant; the C1 digest uses the first 30 bytes. */
static const uint8_t client_key[62] = {
    'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o', 'b', 'e', ' ', 'F', 'l', 'a', 's', 'h', ' ',
    'P', 'l', 'a', 'y', 'e', 'r', ' ', '0', '0', '1', RK_FP9_CONST
};
/* "Genuine Adobe Flash Media Server 001" + constant; the S1 digest uses the first 36 bytes. */
static const uint8_t server_key[68] = {
    'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o', 'b', 'e', ' ', 'F', 'l', 'a', 's', 'h', ' ',
    'M', 'e', 'd', 'i', 'a', ' ', 'S', 'e', 'r', 'v', 'e', 'r', ' ', '0', '0', '1', RK_FP9_CONST
};
#define CLIENT_KEY_PARTIAL 30
#define SERVER_KEY_PARTIAL 36

/* Flash Player 9.0.124.2, as ffmpeg announces it. */
static const uint8_t fp9_version[4] = { 0x80, 0x00, 0x07, 0x02 };

size_t rk_handshake_digest_offset(const uint8_t *packet, int scheme)
{
    size_t base = scheme ? 772 : 8;
    size_t sum = (size_t)packet[base] + packet[base + 1] + packet[base + 2] + packet[base + 3];
    return sum % 728 + base + 4;
}

/* HMAC-SHA256 over the packet without its 32 digest bytes at off. Returns 0 or -1. */
static int packet_digest(const uint8_t *packet, size_t off, const uint8_t *key, size_t keylen,
                         uint8_t out[RK_DIGEST_LEN])
{
    uint8_t msg[RK_HANDSHAKE_SIZE - RK_DIGEST_LEN];
    unsigned int outlen = 0;
    memcpy(msg, packet, off);
    memcpy(msg + off, packet + off + RK_DIGEST_LEN, RK_HANDSHAKE_SIZE - off - RK_DIGEST_LEN);
    if (!HMAC(EVP_sha256(), key, (int)keylen, msg, sizeof msg, out, &outlen) ||
        outlen != RK_DIGEST_LEN)
        return -1;
    return 0;
}

/* 1 when the packet carries a valid digest for key at the given scheme. */
static int digest_matches(const uint8_t *packet, int scheme, const uint8_t *key, size_t keylen)
{
    uint8_t d[RK_DIGEST_LEN];
    size_t off = rk_handshake_digest_offset(packet, scheme);
    if (packet_digest(packet, off, key, keylen, d) != 0)
        return 0;
    return memcmp(d, packet + off, RK_DIGEST_LEN) == 0;
}

int rk_handshake_start(rk_handshake *h, int use_digest, uint32_t epoch_ms,
                       const uint8_t random[RK_HANDSHAKE_SIZE], rtmpkit_buf *out)
{
    memset(h, 0, sizeof *h);
    h->digest = use_digest ? 1 : 0;
    memcpy(h->c1, random, RK_HANDSHAKE_SIZE);
    rtmpkit_wb32(h->c1, epoch_ms);
    if (h->digest) {
        size_t off;
        memcpy(h->c1 + 4, fp9_version, 4);
        off = rk_handshake_digest_offset(h->c1, 0);
        if (packet_digest(h->c1, off, client_key, CLIENT_KEY_PARTIAL, h->c1 + off) != 0)
            return RTMPKIT_EINTERNAL;
    } else {
        memset(h->c1 + 4, 0, 4);
    }
    rtmpkit_put_u8(out, 3);
    rtmpkit_put_bytes(out, h->c1, RK_HANDSHAKE_SIZE);
    return out->err ? out->err : 0;
}

/* Checks S1 (in[1..1536]). A zero version means a simple handshake. Otherwise the server
 * claims a digest; we record whether it checks but accept either way: nginx-rtmp and
 * node-media-server answer a digest C1 they do not recognise with an echo of C1 (our
 * version, a client-key digest), and the FP9 keys are public, so a strict check would
 * only break interop without protecting anything. */
static void check_s1(rk_handshake *h)
{
    const uint8_t *s1 = h->in + 1;
    h->server_digest = 0;
    if (!(s1[4] | s1[5] | s1[6] | s1[7]))
        return;
    if (digest_matches(s1, 0, server_key, SERVER_KEY_PARTIAL) ||
        digest_matches(s1, 1, server_key, SERVER_KEY_PARTIAL))
        h->server_digest = 1;
}

int rk_handshake_feed(rk_handshake *h, const uint8_t *buf, size_t len, rtmpkit_buf *out)
{
    size_t used = 0;
    if (h->done)
        return 0;
    while (used < len && h->have < sizeof h->in) {
        size_t want, n;
        if (h->have == 0) {
            /* S0 is not stored until it checks, so a bad version stays an error. */
            if (buf[used] != 3)
                return RTMPKIT_EHANDSHAKE;
            h->in[h->have++] = buf[used++];
            continue;
        }
        want = h->have < 1 + RK_HANDSHAKE_SIZE ? 1 + RK_HANDSHAKE_SIZE : sizeof h->in;
        n = want - h->have;
        if (n > len - used)
            n = len - used;
        memcpy(h->in + h->have, buf + used, n);
        h->have += n;
        used += n;
        if (h->have == 1 + RK_HANDSHAKE_SIZE)
            check_s1(h);
    }
    if (h->have == sizeof h->in) {
        rtmpkit_put_bytes(out, h->in + 1, RK_HANDSHAKE_SIZE);   /* C2 echoes S1 */
        if (out->err)
            return out->err;
        h->done = 1;
    }
    return (int)used;
}
