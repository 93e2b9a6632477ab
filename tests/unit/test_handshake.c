/* Handshake: C0/C1 layout, the FP9 digest, S0 S1 S2 parsing fed whole, byte by byte and
 * with trailing bytes, simple and digest servers. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "handshake.h"
#include "rtmpkit/error.h"

static const uint8_t fp9_const[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE
};

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* HMAC-SHA256 of a 1536-byte packet without the 32 bytes at off, computed here
 * independently of handshake.c. */
static void digest_of(const uint8_t *pkt, size_t off, const char *key, size_t keylen, uint8_t out[32])
{
    uint8_t msg[1504];
    unsigned int n = 0;
    memcpy(msg, pkt, off);
    memcpy(msg + off, pkt + off + 32, 1536 - off - 32);
    HMAC(EVP_sha256(), key, (int)keylen, msg, sizeof msg, out, &n);
}

static size_t offset_of(const uint8_t *pkt, int scheme)
{
    size_t base = scheme ? 772 : 8;
    return (size_t)(pkt[base] + pkt[base + 1] + pkt[base + 2] + pkt[base + 3]) % 728 + base + 4;
}

/* Builds S0 S1 S2 (3073 bytes) into out. version NULL = simple; scheme < 0 = no digest. */
static void make_server(uint8_t *out, const uint8_t *version, int scheme, uint32_t seed)
{
    uint8_t *s1 = out + 1;
    out[0] = 3;
    fill_random(s1, 1536, seed);
    rtmpkit_wb32(s1, 12345);
    if (version)
        memcpy(s1 + 4, version, 4);
    else
        memset(s1 + 4, 0, 4);
    if (scheme >= 0) {
        size_t off = offset_of(s1, scheme);
        digest_of(s1, off, "Genuine Adobe Flash Media Server 001", 36, s1 + off);
    }
    fill_random(out + 1537, 1536, seed + 1);
}

static void test_rfc4231(void)
{
    /* RFC 4231 test case 2. */
    static const uint8_t expect[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43
    };
    const char *data = "what do ya want for nothing?";
    uint8_t out[32];
    unsigned int n = 0;
    CHECK(HMAC(EVP_sha256(), "Jefe", 4, (const uint8_t *)data, strlen(data), out, &n) != NULL);
    CHECK_INT(n, 32);
    CHECK_MEM(out, expect, 32);
}

static void test_c0c1(void)
{
    uint8_t rnd[RK_HANDSHAKE_SIZE], d[32];
    rk_handshake h;
    rtmpkit_buf out;
    size_t off;

    fill_random(rnd, sizeof rnd, 7);
    rtmpkit_buf_init(&out, 1 << 20);
    CHECK_INT(rk_handshake_start(&h, 0, 0x01020304, rnd, &out), 0);
    CHECK_INT(out.len, 1537);
    CHECK_INT(out.data[0], 3);
    CHECK_INT(rtmpkit_rb32(out.data + 1), 0x01020304);
    CHECK_INT(rtmpkit_rb32(out.data + 5), 0);
    CHECK_MEM(out.data + 9, rnd + 8, 1528);
    CHECK_MEM(h.c1, out.data + 1, 1536);
    rtmpkit_buf_free(&out);

    rtmpkit_buf_init(&out, 1 << 20);
    CHECK_INT(rk_handshake_start(&h, 1, 0xA0B0C0D0, rnd, &out), 0);
    CHECK_INT(out.len, 1537);
    CHECK_INT(out.data[0], 3);
    CHECK_INT(rtmpkit_rb32(out.data + 1), 0xA0B0C0D0);
    CHECK_INT(rtmpkit_rb32(out.data + 5), 0x80000702);
    off = offset_of(out.data + 1, 0);
    CHECK_INT(rk_handshake_digest_offset(out.data + 1, 0), off);
    CHECK(off >= 12 && off + 32 <= 772);
    /* The digest is the HMAC with the first 30 bytes of the client key. */
    digest_of(out.data + 1, off, "Genuine Adobe Flash Player 001", 30, d);
    CHECK_MEM(out.data + 1 + off, d, 32);
    /* Outside the digest, C1 is the time, version and the caller's random bytes. */
    CHECK_MEM(out.data + 9, rnd + 8, off - 8);
    CHECK_MEM(out.data + 1 + off + 32, rnd + off + 32, 1536 - off - 32);
    rtmpkit_buf_free(&out);

    /* The offset helper on known bytes. */
    {
        uint8_t pkt[1536] = { 0 };
        pkt[8] = 200; pkt[9] = 200; pkt[10] = 200; pkt[11] = 200;   /* 800 % 728 = 72 */
        CHECK_INT(rk_handshake_digest_offset(pkt, 0), 84);
        pkt[772] = 255; pkt[773] = 255; pkt[774] = 255; pkt[775] = 255; /* 1020 % 728 = 292 */
        CHECK_INT(rk_handshake_digest_offset(pkt, 1), 1068);
    }
}

/* Runs a handshake against server bytes fed in pieces of step (0 = whole).
 * Returns the feed result of the failing call or total consumed. */
static long run(rk_handshake *h, int digest, const uint8_t *srv, size_t len, size_t step, rtmpkit_buf *out)
{
    uint8_t rnd[RK_HANDSHAKE_SIZE];
    size_t pos = 0;
    fill_random(rnd, sizeof rnd, 99);
    rtmpkit_buf_init(out, 1 << 20);
    if (rk_handshake_start(h, digest, 1000, rnd, out) != 0)
        return -1000;
    rtmpkit_buf_reset(out);
    while (pos < len && !h->done) {
        size_t n = step && step < len - pos ? step : len - pos;
        int rc = rk_handshake_feed(h, srv + pos, n, out);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        pos += (size_t)rc;
    }
    return (long)pos;
}

static void test_server(void)
{
    static uint8_t srv[3073 + 100];
    static const uint8_t ver[4] = { 0x0D, 0x0E, 0x0A, 0x0D };   /* nginx-rtmp */
    static const uint8_t nms_ver[4] = { 1, 2, 3, 4 };          /* node-media-server */
    rk_handshake h;
    rtmpkit_buf out;

    /* Simple server, fed whole. */
    make_server(srv, NULL, -1, 1);
    CHECK_INT(run(&h, 0, srv, 3073, 0, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(h.server_digest, 0);
    CHECK_INT(out.len, 1536);
    CHECK_MEM(out.data, srv + 1, 1536);
    /* After done, nothing more is consumed. */
    CHECK_INT(rk_handshake_feed(&h, srv, 10, &out), 0);
    CHECK_INT(out.len, 1536);
    rtmpkit_buf_free(&out);

    /* Byte by byte. */
    CHECK_INT(run(&h, 1, srv, 3073, 1, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(out.len, 1536);
    CHECK_MEM(out.data, srv + 1, 1536);
    rtmpkit_buf_free(&out);

    /* Trailing chunk-stream bytes: consumption stops at the end of S2. */
    memset(srv + 3073, 0xAB, 100);
    CHECK_INT(run(&h, 1, srv, 3173, 0, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(out.len, 1536);
    rtmpkit_buf_free(&out);
    /* Same, in odd pieces. */
    CHECK_INT(run(&h, 1, srv, 3173, 1000, &out), 3073);
    CHECK_INT(h.done, 1);
    rtmpkit_buf_free(&out);
    {
        /* One call with S2's last byte plus trailing bytes consumes exactly up to S2's end. */
        uint8_t rnd[RK_HANDSHAKE_SIZE] = { 0 };
        rtmpkit_buf_init(&out, 1 << 20);
        rk_handshake_start(&h, 0, 0, rnd, &out);
        CHECK_INT(rk_handshake_feed(&h, srv, 3072, &out), 3072);
        CHECK_INT(h.done, 0);
        CHECK_INT(rk_handshake_feed(&h, srv + 3072, 101, &out), 1);
        CHECK_INT(h.done, 1);
        rtmpkit_buf_free(&out);
    }

    /* Bad S0. */
    make_server(srv, NULL, -1, 2);
    srv[0] = 6;
    CHECK_INT(run(&h, 1, srv, 3073, 0, &out), RTMPKIT_EHANDSHAKE);
    CHECK_INT(h.done, 0);
    /* And it stays an error. */
    CHECK_INT(rk_handshake_feed(&h, srv, 3073, &out), RTMPKIT_EHANDSHAKE);
    rtmpkit_buf_free(&out);
    srv[0] = 0;
    CHECK_INT(run(&h, 0, srv, 3073, 1, &out), RTMPKIT_EHANDSHAKE);
    rtmpkit_buf_free(&out);

    /* Digest servers: scheme 0 (nginx-rtmp), scheme 1, node-media-server's version. */
    make_server(srv, ver, 0, 3);
    CHECK_INT(run(&h, 1, srv, 3073, 0, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(h.server_digest, 1);
    CHECK_MEM(out.data, srv + 1, 1536);
    rtmpkit_buf_free(&out);
    CHECK_INT(run(&h, 1, srv, 3073, 1, &out), 3073);
    CHECK_INT(h.server_digest, 1);
    rtmpkit_buf_free(&out);

    make_server(srv, ver, 1, 4);
    CHECK_INT(run(&h, 1, srv, 3073, 7, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(h.server_digest, 1);
    rtmpkit_buf_free(&out);

    make_server(srv, nms_ver, 0, 5);
    CHECK_INT(run(&h, 1, srv, 3073, 0, &out), 3073);
    CHECK_INT(h.server_digest, 1);
    rtmpkit_buf_free(&out);

    /* A corrupted digest is accepted leniently, without server_digest. */
    make_server(srv, ver, 0, 6);
    srv[1 + offset_of(srv + 1, 0)] ^= 1;
    CHECK_INT(run(&h, 1, srv, 3073, 0, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(h.server_digest, 0);
    CHECK_MEM(out.data, srv + 1, 1536);
    rtmpkit_buf_free(&out);

    /* A digest made with the client key (a server echoing C1) is not a server digest. */
    {
        uint8_t *s1 = srv + 1;
        size_t off;
        make_server(srv, ver, -1, 7);
        off = offset_of(s1, 0);
        digest_of(s1, off, "Genuine Adobe Flash Player 001", 30, s1 + off);
        CHECK_INT(run(&h, 1, srv, 3073, 0, &out), 3073);
        CHECK_INT(h.done, 1);
        CHECK_INT(h.server_digest, 0);
        rtmpkit_buf_free(&out);
    }

    /* The full 68-byte key is not the one used for S1: a digest made with it does not count. */
    {
        uint8_t key[68], *s1 = srv + 1, d[32];
        size_t off;
        unsigned int n = 0;
        uint8_t msg[1504];
        memcpy(key, "Genuine Adobe Flash Media Server 001", 36);
        memcpy(key + 36, fp9_const, 32);
        make_server(srv, ver, -1, 8);
        off = offset_of(s1, 0);
        memcpy(msg, s1, off);
        memcpy(msg + off, s1 + off + 32, 1536 - off - 32);
        HMAC(EVP_sha256(), key, 68, msg, sizeof msg, d, &n);
        memcpy(s1 + off, d, 32);
        CHECK_INT(run(&h, 1, srv, 3073, 0, &out), 3073);
        CHECK_INT(h.server_digest, 0);
        rtmpkit_buf_free(&out);
    }

    /* Simple S1 (zero version) to a digest client. */
    make_server(srv, NULL, -1, 9);
    CHECK_INT(run(&h, 1, srv, 3073, 3, &out), 3073);
    CHECK_INT(h.done, 1);
    CHECK_INT(h.server_digest, 0);
    rtmpkit_buf_free(&out);

    /* An empty feed consumes nothing. */
    {
        uint8_t rnd[RK_HANDSHAKE_SIZE] = { 0 };
        rtmpkit_buf_init(&out, 1 << 20);
        rk_handshake_start(&h, 1, 0, rnd, &out);
        CHECK_INT(rk_handshake_feed(&h, srv, 0, &out), 0);
        CHECK_INT(h.done, 0);
        rtmpkit_buf_free(&out);
    }
}

int main(void)
{
    test_rfc4231();
    test_c0c1();
    test_server();
    return check_report("handshake");
}
