/* The RTMP client handshake, sans-I/O: C0+C1 out, S0+S1+S2 in, C2 out. */
#ifndef RK_HANDSHAKE_H
#define RK_HANDSHAKE_H

#include <stdint.h>

#include "rtmpkit/bytes.h"

#define RK_HANDSHAKE_SIZE 1536

typedef struct rk_handshake {
    int digest;             /* C1 carries an FP9 digest */
    int done;
    int server_digest;      /* S1 carried a valid server digest */
    uint8_t c1[RK_HANDSHAKE_SIZE];
    uint8_t in[1 + 2 * RK_HANDSHAKE_SIZE];   /* S0 S1 S2 as they arrive */
    size_t have;
} rk_handshake;

/* Prepares C1: time(4) = epoch_ms, then zero (simple) or version 9.0.124.2 with an FP9
 * digest, the rest from random (RK_HANDSHAKE_SIZE bytes supplied by the caller so that
 * tests are repeatable). Appends C0+C1 to out. Returns 0 or an error from out. */
int rk_handshake_start(rk_handshake *h, int use_digest, uint32_t epoch_ms,
                       const uint8_t random[RK_HANDSHAKE_SIZE], rtmpkit_buf *out);

/* Feeds server bytes. Consumes at most up to the end of S2 (anything after belongs to
 * the chunk stream) and returns the count consumed, or a negative error:
 * RTMPKIT_EHANDSHAKE for an S0 version other than 3. An S1 that announces a version is
 * checked for a server digest (scheme 0, then 1) and server_digest says whether it
 * matched; a mismatch is accepted, because nginx-rtmp and node-media-server echo C1 as
 * S1 when they do not recognise the client digest. Once S2 is complete it appends C2
 * (an echo of S1) to out and sets done. */
int rk_handshake_feed(rk_handshake *h, const uint8_t *buf, size_t len, rtmpkit_buf *out);

/* FP9 digest helpers, exposed for tests: offset of the digest in a 1536-byte packet
 * for scheme 0 (offset bytes at 8..11) or 1 (at 772..775). */
size_t rk_handshake_digest_offset(const uint8_t *packet, int scheme);

#endif
