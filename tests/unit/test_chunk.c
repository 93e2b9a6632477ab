/* Chunk stream reader and writer: headers, timestamps, reassembly, limits, and
 * writer -> reader round trips fed whole, in pieces and one byte at a time. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chunk.h"
#include "rtmpkit/error.h"

typedef struct got {
    uint32_t csid, stream_id, timestamp, length;
    uint8_t type;
    uint8_t *data;
} got;

typedef struct gotlist {
    got m[512];
    int n;
} gotlist;

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void gotlist_free(gotlist *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->m[i].data);
    g->n = 0;
}

/* Feeds data to r in pieces of step bytes (0 = whole; step < 0 = random pieces up to
 * -step), keeping unconsumed bytes as a transport would. Collects messages. Returns 0 or
 * the reader's error. */
static int feed(rk_chunk_reader *r, const uint8_t *data, size_t len, long step, gotlist *g)
{
    size_t pos = 0, end;
    size_t first = step == 0 ? len : step > 0 ? (size_t)step : 1 + rnd() % (size_t)-step;
    end = first < len ? first : len;
    for (;;) {
        rk_message m;
        int ready = 0;
        int rc = rk_chunk_read(r, data + pos, end - pos, &m, &ready);
        if (rc < 0)
            return rc;
        pos += (size_t)rc;
        if (ready) {
            if (g->n < (int)(sizeof g->m / sizeof g->m[0])) {
                got *o = &g->m[g->n++];
                o->csid = m.csid;
                o->stream_id = m.stream_id;
                o->timestamp = m.timestamp;
                o->length = m.length;
                o->type = m.type;
                o->data = malloc(m.length ? m.length : 1);
                CHECK(m.data != NULL);
                if (m.length)
                    memcpy(o->data, m.data, m.length);
            }
            continue;
        }
        if (rc == 0 || pos == end) {
            size_t more;
            if (end == len)
                break;
            more = step == 0 ? len : step > 0 ? (size_t)step : 1 + rnd() % (size_t)-step;
            end = more < len - end ? end + more : len;
        }
    }
    return (int)(len - pos) == 0 ? 0 : 1;   /* 1: bytes left over (incomplete header) */
}

/* Raw chunk header builder for hand-made streams. ts < 0 means "do not write". */
static void hdr(rtmpkit_buf *b, int fmt, uint32_t csid, uint32_t ts, uint32_t len, uint8_t type, uint32_t sid,
                int ext_bytes)
{
    if (csid < 64) {
        rtmpkit_put_u8(b, (uint8_t)(fmt << 6 | csid));
    } else if (csid < 320) {
        rtmpkit_put_u8(b, (uint8_t)(fmt << 6));
        rtmpkit_put_u8(b, (uint8_t)(csid - 64));
    } else {
        rtmpkit_put_u8(b, (uint8_t)(fmt << 6 | 1));
        rtmpkit_put_u8(b, (uint8_t)((csid - 64) & 0xFF));
        rtmpkit_put_u8(b, (uint8_t)((csid - 64) >> 8));
    }
    if (fmt <= 2)
        rtmpkit_put_u24(b, ts >= 0xFFFFFF ? 0xFFFFFF : ts);
    if (fmt <= 1) {
        rtmpkit_put_u24(b, len);
        rtmpkit_put_u8(b, type);
    }
    if (fmt == 0)
        rtmpkit_put_u32le(b, sid);
    if (ext_bytes)
        rtmpkit_put_u32(b, ts);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void test_basic_and_incomplete(void)
{
    rk_chunk_reader *r = rk_chunk_reader_new();
    rtmpkit_buf b;
    uint8_t payload[100];
    rk_message m;
    int ready = 0;
    gotlist g = { .n = 0 };

    rtmpkit_buf_init(&b, 1 << 20);
    fill(payload, sizeof payload, 1);
    hdr(&b, 0, 3, 1000, 100, 20, 0x01020304, 0);
    rtmpkit_put_bytes(&b, payload, 100);
    /* The fmt-0 header is 12 bytes; fewer give "need more". */
    for (size_t i = 0; i < 12; i++) {
        CHECK_INT(rk_chunk_read(r, b.data, i, &m, &ready), 0);
        CHECK_INT(ready, 0);
    }
    /* A complete header and part of the payload are consumed. */
    CHECK_INT(rk_chunk_read(r, b.data, 50, &m, &ready), 50);
    CHECK_INT(ready, 0);
    CHECK_INT(rk_chunk_read(r, b.data + 50, b.len - 50, &m, &ready), (long long)b.len - 50);
    CHECK_INT(ready, 1);
    CHECK_INT(m.csid, 3);
    CHECK_INT(m.type, 20);
    CHECK_INT(m.stream_id, 0x01020304);
    CHECK_INT(m.timestamp, 1000);
    CHECK_INT(m.length, 100);
    CHECK_MEM(m.data, payload, 100);
    CHECK_STR(rk_chunk_reader_error(r), "no error");
    rk_chunk_reader_free(r);

    /* The same, one byte at a time. */
    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, b.data, b.len, 1, &g), 0);
    CHECK_INT(g.n, 1);
    CHECK_INT(g.m[0].timestamp, 1000);
    CHECK_MEM(g.m[0].data, payload, 100);
    gotlist_free(&g);
    rk_chunk_reader_free(r);
    rtmpkit_buf_free(&b);
}

/* Writes msgs with w, reads them back with chunk size cs, fed by step, compares. */
typedef struct wmsg {
    uint32_t csid, stream_id, ts, len;
    uint8_t type;
    uint8_t *data;
} wmsg;

static int round_trip(const wmsg *msgs, int n, uint32_t cs, long step)
{
    rk_chunk_writer w;
    rtmpkit_buf b;
    rk_chunk_reader *r = rk_chunk_reader_new();
    gotlist *g = calloc(1, sizeof *g);
    int ok = 1;

    rk_chunk_writer_init(&w);
    w.chunk_size = cs;
    rk_chunk_reader_set_chunk_size(r, cs);
    rtmpkit_buf_init(&b, 256u << 20);
    for (int i = 0; i < n; i++)
        if (rk_chunk_write(&w, &b, msgs[i].csid, msgs[i].type, msgs[i].stream_id, msgs[i].ts,
                           msgs[i].data, msgs[i].len) != 0)
            ok = 0;
    if (feed(r, b.data, b.len, step, g) != 0)
        ok = 0;
    if (g->n != n)
        ok = 0;
    for (int i = 0; ok && i < n; i++) {
        const got *o = &g->m[i];
        if (o->csid != msgs[i].csid || o->stream_id != msgs[i].stream_id ||
            o->timestamp != msgs[i].ts || o->length != msgs[i].len || o->type != msgs[i].type ||
            (msgs[i].len && memcmp(o->data, msgs[i].data, msgs[i].len) != 0)) {
            fprintf(stderr, "round trip: message %d differs (csid %u ts %u/%u len %u/%u)\n", i,
                    msgs[i].csid, o->timestamp, msgs[i].ts, o->length, msgs[i].len);
            ok = 0;
        }
    }
    if (!ok)
        fprintf(stderr, "round trip failed: chunk size %u step %ld: %s\n", cs, step,
                rk_chunk_reader_error(r));
    gotlist_free(g);
    free(g);
    rtmpkit_buf_free(&b);
    rk_chunk_reader_free(r);
    return ok;
}

static void test_csids(void)
{
    static const uint32_t ids[] = { 2, 3, 63, 64, 65, 318, 319, 320, 321, 1000, 65598, 65599 };
    static const uint8_t expect_basic[][3] = {
        [3] = { 0x00, 0x00 },           /* 64 */
        [6] = { 0x00, 0xFF },           /* 319 */
        [7] = { 0x01, 0x00, 0x01 },     /* 320 */
        [11] = { 0x01, 0xFF, 0xFF },    /* 65599 */
    };
    uint8_t data[300];
    wmsg msgs[12];
    fill(data, sizeof data, 9);
    for (int i = 0; i < 12; i++) {
        rk_chunk_writer w;
        rtmpkit_buf b;
        rk_chunk_writer_init(&w);
        rtmpkit_buf_init(&b, 1 << 20);
        CHECK_INT(rk_chunk_write(&w, &b, ids[i], 9, 1, 5, data, 10), 0);
        if (i == 3 || i == 6)
            CHECK_MEM(b.data, expect_basic[i], 2);
        if (i == 7 || i == 11)
            CHECK_MEM(b.data, expect_basic[i], 3);
        rtmpkit_buf_free(&b);
        msgs[i] = (wmsg){ ids[i], 1, (uint32_t)i * 10, 300, 9, data };
    }
    CHECK(round_trip(msgs, 12, 128, 0));
    CHECK(round_trip(msgs, 12, 128, 1));
    CHECK(round_trip(msgs, 12, 7, -5));

    /* The 3-byte form may also name csids 64..319. */
    {
        rk_chunk_reader *r = rk_chunk_reader_new();
        uint8_t in[] = { 0x01, 0x00, 0x00, 0, 0, 1, 0, 0, 1, 8, 0, 0, 0, 0, 0x55 };
        rk_message m;
        int ready = 0;
        CHECK_INT(rk_chunk_read(r, in, sizeof in, &m, &ready), sizeof in);
        CHECK_INT(ready, 1);
        CHECK_INT(m.csid, 64);
        CHECK_INT(m.data[0], 0x55);
        rk_chunk_reader_free(r);
    }
    /* Invalid csids are refused by the writer. */
    {
        rk_chunk_writer w;
        rtmpkit_buf b;
        rk_chunk_writer_init(&w);
        rtmpkit_buf_init(&b, 1 << 20);
        CHECK_INT(rk_chunk_write(&w, &b, 1, 9, 1, 5, data, 10), RTMPKIT_EINTERNAL);
        CHECK_INT(rk_chunk_write(&w, &b, 65600, 9, 1, 5, data, 10), RTMPKIT_EINTERNAL);
        CHECK_INT(b.len, 0);
        rtmpkit_buf_free(&b);
    }
}

static void test_chunk_sizes(void)
{
    uint8_t *big = malloc(200000);
    wmsg msgs[4];
    fill(big, 200000, 3);
    msgs[0] = (wmsg){ 3, 0, 0, 300, 20, big };
    msgs[1] = (wmsg){ 4, 1, 10, 0, 8, big };
    msgs[2] = (wmsg){ 6, 1, 20, 200000, 9, big };
    msgs[3] = (wmsg){ 3, 0, 30, 1, 20, big + 5 };
    CHECK(round_trip(msgs, 4, 1, 0));
    CHECK(round_trip(msgs, 4, 1, 1));
    CHECK(round_trip(msgs, 4, 0x7FFFFFFF, 0));
    CHECK(round_trip(msgs, 4, 0x7FFFFFFF, 1));
    CHECK(round_trip(msgs, 4, 0x7FFFFFFF, 1000));
    CHECK(round_trip(msgs, 4, 4096, -3000));

    /* With chunk size 0x7FFFFFFF, a 200000-byte message arrives in pieces: each piece is
     * consumed as it comes, so no input buffer ever needs to hold the whole chunk. */
    {
        rk_chunk_writer w;
        rtmpkit_buf b;
        rk_chunk_reader *r = rk_chunk_reader_new();
        rk_message m;
        int ready = 0;
        size_t pos = 0;
        rk_chunk_writer_init(&w);
        w.chunk_size = 0x7FFFFFFF;
        rk_chunk_reader_set_chunk_size(r, 0x7FFFFFFF);
        rtmpkit_buf_init(&b, 1 << 20);
        CHECK_INT(rk_chunk_write(&w, &b, 6, 9, 1, 20, big, 200000), 0);
        CHECK_INT(b.len, 12 + 200000);
        while (pos < b.len && !ready) {
            size_t n = b.len - pos < 4096 ? b.len - pos : 4096;
            int rc = rk_chunk_read(r, b.data + pos, n, &m, &ready);
            CHECK_INT(rc, n);
            if (rc <= 0)
                break;
            pos += (size_t)rc;
        }
        CHECK_INT(ready, 1);
        CHECK_INT(m.length, 200000);
        CHECK_MEM(m.data, big, 200000);
        rtmpkit_buf_free(&b);
        rk_chunk_reader_free(r);
    }

    /* Chunk size 0 (never valid; the engine rejects it) is clamped to 1, no stall. */
    {
        rk_chunk_reader *r = rk_chunk_reader_new();
        rk_chunk_writer w;
        rtmpkit_buf b;
        gotlist g = { .n = 0 };
        rk_chunk_reader_set_chunk_size(r, 0);
        rk_chunk_writer_init(&w);
        w.chunk_size = 1;
        rtmpkit_buf_init(&b, 1 << 20);
        CHECK_INT(rk_chunk_write(&w, &b, 3, 20, 0, 0, big, 5), 0);
        CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
        CHECK_INT(g.n, 1);
        CHECK_MEM(g.m[0].data, big, 5);
        gotlist_free(&g);
        /* The writer refuses chunk size 0. */
        w.chunk_size = 0;
        CHECK_INT(rk_chunk_write(&w, &b, 3, 20, 0, 0, big, 5), RTMPKIT_EINTERNAL);
        rtmpkit_buf_free(&b);
        rk_chunk_reader_free(r);
    }
    free(big);
}

static void expect_error(const uint8_t *in, size_t len, int err, const char *why)
{
    rk_chunk_reader *r = rk_chunk_reader_new();
    gotlist g = { .n = 0 };
    CHECK_INT(feed(r, in, len, 0, &g), err);
    if (why)
        CHECK_STR(rk_chunk_reader_error(r), why);
    /* The reader stays failed. */
    {
        rk_message m;
        int ready = 0;
        CHECK_INT(rk_chunk_read(r, in, len, &m, &ready), err);
        CHECK_INT(ready, 0);
    }
    gotlist_free(&g);
    rk_chunk_reader_free(r);
    /* Fed one byte at a time, the same error. */
    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, in, len, 1, &g), err);
    gotlist_free(&g);
    rk_chunk_reader_free(r);
}

static void test_fresh_stream_errors(void)
{
    rtmpkit_buf b;
    uint8_t payload[10] = { 0 };
    for (int fmt = 1; fmt <= 3; fmt++) {
        rtmpkit_buf_init(&b, 1 << 20);
        hdr(&b, fmt, 5, 10, 10, 8, 1, 0);
        rtmpkit_put_bytes(&b, payload, 10);
        expect_error(b.data, b.len, RTMPKIT_EPROTOCOL,
                     fmt == 1 ? "chunk stream 5: fmt 1 header without an earlier fmt 0" : NULL);
        rtmpkit_buf_free(&b);
    }
    /* fmt 3 on csid 6 after a fmt 0 on csid 5 is still a fresh stream. */
    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 5, 10, 10, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 10);
    hdr(&b, 3, 6, 0, 0, 0, 0, 0);
    rtmpkit_put_bytes(&b, payload, 10);
    expect_error(b.data, b.len, RTMPKIT_EPROTOCOL, "chunk stream 6: fmt 3 header without an earlier fmt 0");
    rtmpkit_buf_free(&b);
}

static void test_length_change(void)
{
    rtmpkit_buf b;
    uint8_t payload[400];
    gotlist g = { .n = 0 };
    rk_chunk_reader *r;
    fill(payload, sizeof payload, 5);

    /* 200-byte message, first chunk of 128, then a fmt 1 header announcing 300. */
    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 4, 0, 200, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 128);
    hdr(&b, 1, 4, 0, 300, 8, 0, 0);
    rtmpkit_put_bytes(&b, payload, 128);
    expect_error(b.data, b.len, RTMPKIT_EPROTOCOL,
                 "chunk stream 4: fmt 1 header changes the message (length 200->300, type 8->8) "
                 "after 128 of 200 bytes");
    rtmpkit_buf_free(&b);

    /* A shorter length is refused too (no copy past the announced length either way). */
    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 4, 0, 200, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 128);
    hdr(&b, 0, 4, 0, 10, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 72);
    expect_error(b.data, b.len, RTMPKIT_EPROTOCOL, NULL);
    rtmpkit_buf_free(&b);

    /* A type change mid-message too. */
    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 4, 0, 200, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 128);
    hdr(&b, 1, 4, 0, 200, 9, 0, 0);
    rtmpkit_put_bytes(&b, payload, 72);
    expect_error(b.data, b.len, RTMPKIT_EPROTOCOL, NULL);
    rtmpkit_buf_free(&b);

    /* A header that repeats the same message (fmt 0 or 2 instead of 3) continues it. */
    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 4, 50, 200, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 128);
    hdr(&b, 0, 4, 50, 200, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload + 128, 72);
    hdr(&b, 0, 4, 60, 300, 8, 1, 0);
    rtmpkit_put_bytes(&b, payload, 128);
    hdr(&b, 2, 4, 99, 0, 0, 0, 0);
    rtmpkit_put_bytes(&b, payload + 128, 128);
    hdr(&b, 3, 4, 0, 0, 0, 0, 0);
    rtmpkit_put_bytes(&b, payload + 256, 44);
    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 2);
    CHECK_INT(g.m[0].length, 200);
    CHECK_INT(g.m[0].timestamp, 50);
    CHECK_MEM(g.m[0].data, payload, 200);
    CHECK_INT(g.m[1].length, 300);
    CHECK_INT(g.m[1].timestamp, 60);
    CHECK_MEM(g.m[1].data, payload, 300);
    gotlist_free(&g);
    rk_chunk_reader_free(r);
    rtmpkit_buf_free(&b);
}

static void test_timestamps(void)
{
    rtmpkit_buf b;
    uint8_t payload[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    gotlist g = { .n = 0 };
    rk_chunk_reader *r = rk_chunk_reader_new();
    static const uint32_t expect[] = { 1000, 1033, 1066, 1099, 1109, 5, 10, 15, 0xFFFFFFFEu, 3, 100, 200 };

    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 4, 1000, 10, 8, 1, 0);   rtmpkit_put_bytes(&b, payload, 10);   /* 1000 */
    hdr(&b, 2, 4, 33, 0, 0, 0, 0);      rtmpkit_put_bytes(&b, payload, 10);   /* +33 */
    hdr(&b, 3, 4, 0, 0, 0, 0, 0);       rtmpkit_put_bytes(&b, payload, 10);   /* +33 again */
    hdr(&b, 3, 4, 0, 0, 0, 0, 0);       rtmpkit_put_bytes(&b, payload, 10);   /* +33 again */
    hdr(&b, 1, 4, 10, 5, 9, 0, 0);      rtmpkit_put_bytes(&b, payload, 5);    /* +10, len 5 */
    /* After fmt 0, a fmt-3 new message re-applies the absolute field as a delta. */
    hdr(&b, 0, 5, 5, 2, 8, 1, 0);       rtmpkit_put_bytes(&b, payload, 2);    /* 5 */
    hdr(&b, 3, 5, 0, 0, 0, 0, 0);       rtmpkit_put_bytes(&b, payload, 2);    /* 10 */
    hdr(&b, 3, 5, 0, 0, 0, 0, 0);       rtmpkit_put_bytes(&b, payload, 2);    /* 15 */
    /* 32-bit wrap of a delta. */
    hdr(&b, 0, 6, 0xFFFFFFFEu, 1, 8, 1, 1); rtmpkit_put_bytes(&b, payload, 1);
    hdr(&b, 2, 6, 5, 0, 0, 0, 0);       rtmpkit_put_bytes(&b, payload, 1);    /* wraps to 3 */
    /* Timestamps going backwards with fmt 0. */
    hdr(&b, 0, 7, 100, 1, 8, 1, 0);     rtmpkit_put_bytes(&b, payload, 1);
    hdr(&b, 2, 7, 100, 0, 0, 0, 0);     rtmpkit_put_bytes(&b, payload, 1);
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 12);
    for (int i = 0; i < g.n && i < 12; i++)
        CHECK_INT(g.m[i].timestamp, expect[i]);
    CHECK_INT(g.m[4].length, 5);
    CHECK_INT(g.m[4].type, 9);
    gotlist_free(&g);
    rk_chunk_reader_free(r);

    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, b.data, b.len, 1, &g), 0);
    CHECK_INT(g.n, 12);
    for (int i = 0; i < g.n && i < 12; i++)
        CHECK_INT(g.m[i].timestamp, expect[i]);
    gotlist_free(&g);
    rk_chunk_reader_free(r);
    rtmpkit_buf_free(&b);
}

/* Extended timestamps, from peers that repeat the 4 bytes on fmt-3 chunks and from peers
 * that do not. */
static void test_extended(void)
{
    uint8_t payload[300];
    const uint32_t T = 0x01000000;
    fill(payload, sizeof payload, 77);
    for (int repeat = 0; repeat <= 1; repeat++) {
        for (long step = 0; step <= 1; step++) {
            rtmpkit_buf b;
            gotlist g = { .n = 0 };
            rk_chunk_reader *r = rk_chunk_reader_new();
            rtmpkit_buf_init(&b, 1 << 20);
            /* 300 bytes in chunks of 128, 128, 44. */
            hdr(&b, 0, 4, T, 300, 9, 1, 1);
            rtmpkit_put_bytes(&b, payload, 128);
            hdr(&b, 3, 4, T, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload + 128, 128);
            hdr(&b, 3, 4, T, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload + 256, 44);
            /* A new message as fmt 3: the delta is the extended field again. */
            hdr(&b, 3, 4, T, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload, 128);
            hdr(&b, 3, 4, T, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload + 128, 128);
            hdr(&b, 3, 4, T, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload + 256, 44);
            /* An extended delta with fmt 2. */
            hdr(&b, 2, 4, 0x01000001, 0, 0, 0, 1);
            rtmpkit_put_bytes(&b, payload, 128);
            hdr(&b, 3, 4, 0x01000001, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload + 128, 128);
            hdr(&b, 3, 4, 0x01000001, 0, 0, 0, repeat);
            rtmpkit_put_bytes(&b, payload + 256, 44);
            /* Then a small delta: no extended field any more. */
            hdr(&b, 2, 4, 40, 0, 0, 0, 0);
            rtmpkit_put_bytes(&b, payload, 128);
            hdr(&b, 3, 4, 0, 0, 0, 0, 0);
            rtmpkit_put_bytes(&b, payload + 128, 128);
            hdr(&b, 3, 4, 0, 0, 0, 0, 0);
            rtmpkit_put_bytes(&b, payload + 256, 44);
            CHECK_INT(feed(r, b.data, b.len, step, &g), 0);
            CHECK_INT(g.n, 4);
            if (g.n == 4) {
                CHECK_INT(g.m[0].timestamp, T);
                CHECK_INT(g.m[1].timestamp, 2 * T);
                CHECK_INT(g.m[2].timestamp, 3 * T + 1);
                CHECK_INT(g.m[3].timestamp, 3 * T + 41);
                for (int i = 0; i < 4; i++) {
                    CHECK_INT(g.m[i].length, 300);
                    CHECK_MEM(g.m[i].data, payload, 300);
                }
            }
            gotlist_free(&g);
            rk_chunk_reader_free(r);
            rtmpkit_buf_free(&b);
        }
    }

    /* The writer repeats the extended field on every fmt-3 chunk. */
    {
        rk_chunk_writer w;
        rtmpkit_buf b;
        rk_chunk_writer_init(&w);
        rtmpkit_buf_init(&b, 1 << 20);
        CHECK_INT(rk_chunk_write(&w, &b, 4, 9, 1, T, payload, 300), 0);
        CHECK_INT(b.len, 12 + 4 + 300 + 2 * (1 + 4));
        CHECK_INT(rtmpkit_rb24(b.data + 1), 0xFFFFFF);
        CHECK_INT(rtmpkit_rb32(b.data + 12), T);
        CHECK_INT(b.data[16 + 128], 0xC4);
        CHECK_INT(rtmpkit_rb32(b.data + 16 + 128 + 1), T);
        CHECK_INT(b.data[16 + 128 + 5 + 128], 0xC4);
        CHECK_INT(rtmpkit_rb32(b.data + 16 + 128 + 5 + 128 + 1), T);
        /* 0xFFFFFF itself is written extended. */
        rtmpkit_buf_reset(&b);
        rk_chunk_writer_init(&w);
        CHECK_INT(rk_chunk_write(&w, &b, 4, 9, 1, 0xFFFFFF, payload, 10), 0);
        CHECK_INT(b.len, 12 + 4 + 10);
        CHECK_INT(rtmpkit_rb32(b.data + 12), 0xFFFFFF);
        rtmpkit_buf_reset(&b);
        rk_chunk_writer_init(&w);
        CHECK_INT(rk_chunk_write(&w, &b, 4, 9, 1, 0xFFFFFE, payload, 10), 0);
        CHECK_INT(b.len, 12 + 10);
        rtmpkit_buf_free(&b);
    }
    {
        wmsg msgs[6];
        msgs[0] = (wmsg){ 4, 1, 0xFFFFFF, 300, 9, payload };
        msgs[1] = (wmsg){ 4, 1, 0x2000000, 300, 9, payload };     /* fmt 2, extended delta */
        msgs[2] = (wmsg){ 4, 1, 0x2000000 + 0x1000001, 300, 9, payload };   /* fmt 2 */
        msgs[3] = (wmsg){ 4, 1, 0x2000000 + 2 * 0x1000001, 300, 9, payload }; /* fmt 3, extended */
        msgs[4] = (wmsg){ 4, 1, 0x2000000 + 2 * 0x1000001 + 5, 300, 9, payload };
        msgs[5] = (wmsg){ 4, 1, 0xFFFFFFF0u, 10, 9, payload };
        CHECK(round_trip(msgs, 6, 128, 0));
        CHECK(round_trip(msgs, 6, 128, 1));
        CHECK(round_trip(msgs, 6, 100, -7));
    }
}

static void test_writer_headers(void)
{
    rk_chunk_writer w;
    rtmpkit_buf b;
    uint8_t d[20] = { 0 };
    rk_chunk_writer_init(&w);
    CHECK_INT(w.chunk_size, 128);
    rtmpkit_buf_init(&b, 1 << 20);
#define W(csid, type, sid, ts, len) (rtmpkit_buf_reset(&b), rk_chunk_write(&w, &b, csid, type, sid, ts, d, len))
    CHECK_INT(W(4, 8, 1, 100, 10), 0);
    CHECK_INT(b.data[0] >> 6, 0);
    CHECK_INT(b.len, 12 + 10);
    CHECK_INT(W(4, 8, 1, 120, 10), 0);      /* same length/type after fmt 0: fmt 2 */
    CHECK_INT(b.data[0] >> 6, 2);
    CHECK_INT(rtmpkit_rb24(b.data + 1), 20);
    CHECK_INT(b.len, 4 + 10);
    CHECK_INT(W(4, 8, 1, 140, 10), 0);      /* same delta: fmt 3 */
    CHECK_INT(b.data[0], 0xC4);
    CHECK_INT(b.len, 1 + 10);
    CHECK_INT(W(4, 8, 1, 150, 10), 0);      /* delta changed: fmt 2 */
    CHECK_INT(b.data[0] >> 6, 2);
    CHECK_INT(W(4, 8, 1, 160, 11), 0);      /* length changed: fmt 1 */
    CHECK_INT(b.data[0] >> 6, 1);
    CHECK_INT(rtmpkit_rb24(b.data + 1), 10);
    CHECK_INT(rtmpkit_rb24(b.data + 4), 11);
    CHECK_INT(b.data[7], 8);
    CHECK_INT(b.len, 8 + 11);
    CHECK_INT(W(4, 9, 1, 170, 11), 0);      /* type changed: fmt 1 */
    CHECK_INT(b.data[0] >> 6, 1);
    CHECK_INT(W(4, 9, 1, 180, 11), 0);      /* same: fmt 3 */
    CHECK_INT(b.data[0] >> 6, 3);
    CHECK_INT(W(4, 9, 1, 170, 11), 0);      /* backwards: fmt 0 */
    CHECK_INT(b.data[0] >> 6, 0);
    CHECK_INT(rtmpkit_rb24(b.data + 1), 170);
    CHECK_INT(W(4, 9, 2, 180, 11), 0);      /* other stream id: fmt 0 */
    CHECK_INT(b.data[0] >> 6, 0);
    CHECK_INT(b.data[8], 2);
    CHECK_INT(W(5, 9, 2, 180, 11), 0);      /* other csid: fmt 0 */
    CHECK_INT(b.data[0], 5);
    CHECK_INT(W(4, 9, 2, 180, 0), 0);       /* zero length: a header only */
    CHECK_INT(b.len, 8);
    /* More csids than writer slots: still correct (fmt 0 when the state was evicted). */
    {
        wmsg msgs[60];
        for (int i = 0; i < 60; i++)
            msgs[i] = (wmsg){ 3 + (uint32_t)(i * 7) % 40, 1, (uint32_t)i * 10, 5, 8, d };
        CHECK(round_trip(msgs, 60, 128, 0));
    }
#undef W
    rtmpkit_buf_free(&b);
}

static void test_zero_length_and_interleave(void)
{
    rtmpkit_buf b;
    uint8_t p4[200], p5[50];
    gotlist g = { .n = 0 };
    rk_chunk_reader *r;
    rk_message m;
    int ready = 0;
    fill(p4, sizeof p4, 4);
    fill(p5, sizeof p5, 5);

    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 3, 7, 0, 20, 0, 0);      /* zero-length message */
    hdr(&b, 0, 4, 10, 200, 9, 1, 0);
    rtmpkit_put_bytes(&b, p4, 128);
    hdr(&b, 0, 5, 11, 50, 8, 1, 0);
    rtmpkit_put_bytes(&b, p5, 50);
    hdr(&b, 3, 4, 0, 0, 0, 0, 0);
    rtmpkit_put_bytes(&b, p4 + 128, 72);
    hdr(&b, 3, 3, 0, 0, 0, 0, 0);       /* another zero-length message, fmt 3: ts 14 */

    r = rk_chunk_reader_new();
    CHECK_INT(rk_chunk_read(r, b.data, b.len, &m, &ready), 12);
    CHECK_INT(ready, 1);
    CHECK_INT(m.length, 0);
    CHECK(m.data != NULL);
    CHECK_INT(m.timestamp, 7);
    rk_chunk_reader_free(r);

    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 4);
    if (g.n == 4) {
        CHECK_INT(g.m[0].csid, 3);
        CHECK_INT(g.m[1].csid, 5);
        CHECK_MEM(g.m[1].data, p5, 50);
        CHECK_INT(g.m[1].timestamp, 11);
        CHECK_INT(g.m[2].csid, 4);
        CHECK_INT(g.m[2].length, 200);
        CHECK_INT(g.m[2].timestamp, 10);
        CHECK_MEM(g.m[2].data, p4, 200);
        CHECK_INT(g.m[3].csid, 3);
        CHECK_INT(g.m[3].length, 0);
        CHECK_INT(g.m[3].timestamp, 14);
    }
    gotlist_free(&g);
    rk_chunk_reader_free(r);
    rtmpkit_buf_free(&b);
}

static void test_abort(void)
{
    rtmpkit_buf b;
    uint8_t p[300];
    gotlist g = { .n = 0 };
    rk_chunk_reader *r = rk_chunk_reader_new();
    fill(p, sizeof p, 8);

    rtmpkit_buf_init(&b, 1 << 20);
    hdr(&b, 0, 4, 10, 200, 9, 1, 0);
    rtmpkit_put_bytes(&b, p, 128);
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 0);
    rk_chunk_reader_abort(r, 4);
    rk_chunk_reader_abort(r, 4);         /* twice: harmless */
    rk_chunk_reader_abort(r, 77);        /* unknown csid: harmless */
    /* After the abort, a new message on the same csid; its fmt 3 start reuses the
     * header (length 200, delta 10). */
    rtmpkit_buf_reset(&b);
    hdr(&b, 3, 4, 0, 0, 0, 0, 0);
    rtmpkit_put_bytes(&b, p + 100, 128);
    hdr(&b, 3, 4, 0, 0, 0, 0, 0);
    rtmpkit_put_bytes(&b, p + 228, 72);
    hdr(&b, 1, 4, 5, 3, 8, 0, 0);
    rtmpkit_put_bytes(&b, p, 3);
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 2);
    if (g.n == 2) {
        CHECK_INT(g.m[0].length, 200);
        CHECK_INT(g.m[0].timestamp, 20);
        CHECK_MEM(g.m[0].data, p + 100, 200);
        CHECK_INT(g.m[1].length, 3);
        CHECK_INT(g.m[1].timestamp, 25);
    }
    gotlist_free(&g);

    /* Abort in the middle of a chunk's payload: the rest of that chunk is skipped. */
    rtmpkit_buf_reset(&b);
    hdr(&b, 0, 6, 0, 100, 9, 1, 0);
    rtmpkit_put_bytes(&b, p, 100);
    hdr(&b, 0, 7, 0, 2, 9, 1, 0);
    rtmpkit_put_bytes(&b, p, 2);
    {
        rk_message m;
        int ready = 0;
        CHECK_INT(rk_chunk_read(r, b.data, 50, &m, &ready), 50);
        rk_chunk_reader_abort(r, 6);
        CHECK_INT(feed(r, b.data + 50, b.len - 50, 0, &g), 0);
        CHECK_INT(g.n, 1);
        CHECK_INT(g.m[0].csid, 7);
        gotlist_free(&g);
    }
    rk_chunk_reader_free(r);
    rtmpkit_buf_free(&b);
}

#define MAX_LEN 0xFFFFFFu   /* the largest 24-bit message length */
/* RK_MAX_MESSAGE_SIZE (16 MiB) is above MAX_LEN, so no header can pass it today; the
 * partial-bytes arithmetic below assumes 2 * MAX_LEN + 2 == RK_MAX_PARTIAL_BYTES. */

/* A reader holding partial messages (first chunks only, on chunk streams 10, 11, ...) of
 * RK_MAX_PARTIAL_BYTES - keep bytes in all: keep bytes are left under the cap. */
static rk_chunk_reader *reader_with_partials(uint32_t keep)
{
    rk_chunk_reader *r = rk_chunk_reader_new();
    uint8_t p[128] = { 0 };
    uint32_t left = RK_MAX_PARTIAL_BYTES - keep, csid = 10;
    gotlist g = { .n = 0 };
    rtmpkit_buf b;
    rtmpkit_buf_init(&b, 1024);
    while (left > 0) {
        uint32_t len = left < RK_MAX_MESSAGE_SIZE ? left : RK_MAX_MESSAGE_SIZE;
        rtmpkit_buf_reset(&b);
        hdr(&b, 0, csid++, 0, len, 9, 1, 0);
        rtmpkit_put_bytes(&b, p, sizeof p);
        CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
        left -= len;
    }
    CHECK_INT(g.n, 0);
    rtmpkit_buf_free(&b);
    return r;
}

static void test_limits(void)
{
    rtmpkit_buf b;
    uint8_t p[128] = { 0 };
    gotlist g = { .n = 0 };
    rk_chunk_reader *r;

    rtmpkit_buf_init(&b, 1 << 20);
#if RK_MAX_MESSAGE_SIZE < 0xFFFFFF
    /* One byte over the message limit. */
    hdr(&b, 0, 4, 0, RK_MAX_MESSAGE_SIZE + 1, 9, 1, 0);
    rtmpkit_put_bytes(&b, p, 10);
    expect_error(b.data, b.len, RTMPKIT_ELIMIT, NULL);
    /* ... also through a fmt 1 header. */
    rtmpkit_buf_reset(&b);
    hdr(&b, 0, 4, 0, 1, 9, 1, 0);
    rtmpkit_put_bytes(&b, p, 1);
    hdr(&b, 1, 4, 0, RK_MAX_MESSAGE_SIZE + 1, 9, 1, 0);
    expect_error(b.data, b.len, RTMPKIT_ELIMIT, NULL);
#endif
    /* Exactly the limit is fine. */
    rtmpkit_buf_reset(&b);
    hdr(&b, 0, 4, 0, RK_MAX_MESSAGE_SIZE, 9, 1, 0);
    rtmpkit_put_bytes(&b, p, 10);
    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 0);
    rk_chunk_reader_free(r);

    /* Too many chunk streams. */
    rtmpkit_buf_reset(&b);
    for (uint32_t i = 0; i < RK_MAX_CHUNK_STREAMS; i++)
        hdr(&b, 0, 100 + i, 0, 0, 8, 1, 0);
    r = rk_chunk_reader_new();
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, RK_MAX_CHUNK_STREAMS);
    gotlist_free(&g);
    /* Known streams still work; one more does not. */
    rtmpkit_buf_reset(&b);
    hdr(&b, 0, 100, 0, 0, 8, 1, 0);
    CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
    CHECK_INT(g.n, 1);
    gotlist_free(&g);
    rtmpkit_buf_reset(&b);
    hdr(&b, 0, 2, 0, 0, 8, 1, 0);
    CHECK_INT(feed(r, b.data, b.len, 0, &g), RTMPKIT_ELIMIT);
    CHECK_STR(rk_chunk_reader_error(r), "chunk stream 2: more than 64 chunk streams in use");
    rk_chunk_reader_free(r);

    /* Too many partial bytes: partial messages that leave 2 bytes of the cap. */
    {
        char why[160];
        r = reader_with_partials(2);
        rtmpkit_buf_reset(&b);
        hdr(&b, 0, 6, 0, 2, 9, 1, 0);          /* partial for a moment: fits exactly */
        rtmpkit_put_bytes(&b, p, 2);
        CHECK_INT(feed(r, b.data, b.len, 1, &g), 0);
        CHECK_INT(g.n, 1);
        gotlist_free(&g);
        rtmpkit_buf_reset(&b);
        hdr(&b, 0, 6, 0, 3, 9, 1, 0);
        rtmpkit_put_bytes(&b, p, 3);
        CHECK_INT(feed(r, b.data, b.len, 0, &g), RTMPKIT_ELIMIT);
        snprintf(why, sizeof why, "chunk stream 6: 3 more bytes would pass the %u-byte limit on partial messages",
                 RK_MAX_PARTIAL_BYTES);
        CHECK_STR(rk_chunk_reader_error(r), why);
        rk_chunk_reader_free(r);
    }

    /* An abort gives the bytes back. */
    {
        r = reader_with_partials(0);
        rtmpkit_buf_reset(&b);
        hdr(&b, 0, 6, 0, 100, 9, 1, 0);
        rtmpkit_put_bytes(&b, p, 100);
        CHECK_INT(feed(r, b.data, b.len, 0, &g), RTMPKIT_ELIMIT);
        rk_chunk_reader_free(r);
        r = reader_with_partials(0);
        rk_chunk_reader_abort(r, 10);
        rtmpkit_buf_reset(&b);
        hdr(&b, 0, 6, 0, 100, 9, 1, 0);
        rtmpkit_put_bytes(&b, p, 100);
        CHECK_INT(feed(r, b.data, b.len, 0, &g), 0);
        CHECK_INT(g.n, 1);
        gotlist_free(&g);
        rk_chunk_reader_free(r);
    }

    /* The writer cannot express lengths above 24 bits. */
    {
        rk_chunk_writer w;
        rk_chunk_writer_init(&w);
        rtmpkit_buf_reset(&b);
        CHECK_INT(rk_chunk_write(&w, &b, 3, 8, 0, 0, p, 0x1000000), RTMPKIT_EINTERNAL);
        /* A full output buffer is reported and leaves nothing behind. */
        rtmpkit_buf small;
        rtmpkit_buf_init(&small, 16);
        CHECK_INT(rk_chunk_write(&w, &small, 3, 8, 0, 0, p, 100), RTMPKIT_ELIMIT);
        CHECK_INT(small.len, 0);
        rtmpkit_buf_free(&small);
    }
    rtmpkit_buf_free(&b);
}

/* Random messages through the writer and back, whole, byte by byte and in random pieces. */
static void test_random_round_trips(void)
{
    static const uint32_t sizes[] = { 1, 2, 3, 50, 128, 129, 4096, 60000, 0x7FFFFFFF };
    static const uint32_t csids[] = { 2, 3, 4, 5, 6, 63, 64, 200, 319, 320, 65599 };
    uint8_t *pool = malloc(70000);
    wmsg msgs[200];
    uint32_t ts[sizeof csids / sizeof csids[0]] = { 0 };
    rng_state = 0xC0FFEE;
    fill(pool, 70000, 11);
    for (int round = 0; round < 30; round++) {
        uint32_t cs = sizes[round % 9];
        int n = 20 + (int)(rnd() % 150);
        for (int i = 0; i < n; i++) {
            int k = (int)(rnd() % (sizeof csids / sizeof csids[0]));
            uint32_t r = rnd() % 100, len;
            if (r < 5)
                ts[k] = rnd();                       /* any time, also backwards */
            else if (r < 10)
                ts[k] += 0x1000000 + rnd() % 100;    /* extended delta */
            else if (r < 40)
                ts[k] += 33;
            else if (r < 60)
                ts[k] += rnd() % 50;
            r = rnd() % 100;
            len = r < 5 ? 0 : r < 40 ? 100 : r < 90 ? rnd() % 2000 : rnd() % 65000;
            msgs[i] = (wmsg){ csids[k], rnd() % 100 < 90 ? 1 : rnd() % 3,
                              ts[k], len, (uint8_t)(rnd() % 100 < 80 ? 9 : rnd() % 3 + 8),
                              pool + rnd() % 5000 };
        }
        CHECK(round_trip(msgs, n, cs, 0));
        CHECK(round_trip(msgs, n, cs, -(long)(1 + rnd() % 3000)));
        if (round % 5 == 0)
            CHECK(round_trip(msgs, n, cs, 1));
    }
    free(pool);
}

int main(void)
{
    test_basic_and_incomplete();
    test_csids();
    test_chunk_sizes();
    test_fresh_stream_errors();
    test_length_change();
    test_timestamps();
    test_extended();
    test_writer_headers();
    test_zero_length_and_interleave();
    test_abort();
    test_limits();
    test_random_round_trips();
    return check_report("chunk");
}
