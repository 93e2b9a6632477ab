/* Fuzz target for the client handshake.
 * byte 0: bit 0 digest C1; bit 1 sign S1 with the server key (when the input gives
 *         a whole S1), so the digest path is reached; bits 2-7 with byte 1: split pattern.
 * The rest is what the server sends (S0 S1 S2 and maybe chunk bytes after it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sign_s1(uint8_t *s1, int scheme)
{
    static const char key[] = "Genuine Adobe Flash Media Server 001";
    uint8_t msg[RK_HANDSHAKE_SIZE - 32];
    unsigned int n = 0;
    size_t off = rk_handshake_digest_offset(s1, scheme);
    if (off < 12 || off + 32 > RK_HANDSHAKE_SIZE)
        abort();
    memcpy(msg, s1, off);
    memcpy(msg + off, s1 + off + 32, RK_HANDSHAKE_SIZE - off - 32);
    HMAC(EVP_sha256(), key, 36, msg, sizeof msg, s1 + off, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t rnd[RK_HANDSHAKE_SIZE];
    rk_handshake h;
    rtmpkit_buf out;
    uint8_t *srv;
    size_t len, pos = 0, step;
    int signed_s1 = 0;

    if (size < 2)
        return 0;
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (uint8_t)(i * 13 + data[1]);
    step = ((size_t)(data[0] >> 2) << 8 | data[1]) % 4000;
    len = size - 2;
    srv = malloc(len ? len : 1);
    if (!srv)
        return 0;
    if (len)
        memcpy(srv, data + 2, len);
    if ((data[0] & 2) && len >= 1 + RK_HANDSHAKE_SIZE) {
        sign_s1(srv + 1, data[1] & 1);
        signed_s1 = srv[5] | srv[6] | srv[7] | srv[8];
    }

    rtmpkit_buf_init(&out, 1 << 20);
    if (rk_handshake_start(&h, data[0] & 1, 0x12345678, rnd, &out) != 0 || out.len != 1537)
        abort();
    rtmpkit_buf_reset(&out);
    while (pos < len && !h.done) {
        size_t n = step && step < len - pos ? step : len - pos;
        int rc = rk_handshake_feed(&h, srv + pos, n, &out);
        if (rc < 0)
            break;
        if ((size_t)rc > n)
            abort();
        pos += (size_t)rc;
        if (rc == 0)
            break;
    }
    if (h.done) {
        /* Exactly S0 S1 S2 consumed; C2 echoes S1. */
        if (pos != 1 + 2 * RK_HANDSHAKE_SIZE || out.len != RK_HANDSHAKE_SIZE ||
            memcmp(out.data, srv + 1, RK_HANDSHAKE_SIZE) != 0)
            abort();
        if (signed_s1 && !h.server_digest)
            abort();
    } else if (pos > 2 * RK_HANDSHAKE_SIZE || out.len != 0) {
        abort();
    }
    rtmpkit_buf_free(&out);
    free(srv);
    return 0;
}
