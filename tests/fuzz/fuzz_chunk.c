/* Fuzz target for the chunk stream.
 * byte 0: bits 0-2 chunk size, bit 7 mode (0: read the rest as a peer's chunk stream;
 *         1: the rest is a script of messages for the writer, read back and compared).
 * byte 1: split pattern for feeding (0 whole, 1 one byte at a time, else pieces that
 *         vary with the position).
 * Like the engine, Set Chunk Size (type 1) and Abort (type 2) messages are applied. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t csids[] = { 2, 3, 4, 5, 6, 63, 64, 65, 319, 320, 1000, 65599 };
static const uint32_t chunk_sizes[8] = { 1, 2, 7, 128, 129, 4096, 65536, 0x7FFFFFFF };

static size_t piece(uint8_t split, size_t pos)
{
    if (split == 0)
        return SIZE_MAX;
    if (split == 1)
        return 1;
    return 1 + (split * 31u + pos * 7u) % (split * 4u);
}

typedef struct ctx {
    rk_chunk_reader *r;
    uint32_t nmsg;
} ctx;

static void on_msg(ctx *c, const rk_message *m)
{
    c->nmsg++;
    {
        /* Act on control messages like the engine would. */
        if (m->type == 1 && m->length >= 4) {
            uint32_t v = (uint32_t)m->data[0] << 24 | (uint32_t)m->data[1] << 16 |
                         (uint32_t)m->data[2] << 8 | m->data[3];
            if (v >= 1 && v <= RK_MAX_CHUNK_SIZE)
                rk_chunk_reader_set_chunk_size(c->r, v);
        } else if (m->type == 2 && m->length >= 4) {
            uint32_t v = (uint32_t)m->data[0] << 24 | (uint32_t)m->data[1] << 16 |
                         (uint32_t)m->data[2] << 8 | m->data[3];
            rk_chunk_reader_abort(c->r, v);
        }
        /* Touch every byte, so that an overread shows. */
        volatile uint8_t sum = 0;
        for (uint32_t i = 0; i < m->length; i++)
            sum ^= m->data[i];
        (void)sum;
    }
}

/* Feeds in pieces, keeping the unconsumed tail as a transport would. For each message,
 * calls on_msg. Returns 0 or the reader's error. */
static int feed(ctx *c, const uint8_t *buf, size_t len, uint8_t split)
{
    size_t pos = 0, end = piece(split, 0);
    if (end > len)
        end = len;
    for (;;) {
        rk_message m;
        int ready = 0;
        int rc = rk_chunk_read(c->r, buf + pos, end - pos, &m, &ready);
        if (rc < 0)
            return rc;
        if ((size_t)rc > end - pos)
            abort();
        pos += (size_t)rc;
        if (ready) {
            if (m.length && !m.data)
                abort();
            on_msg(c, &m);
            continue;
        }
        if (rc == 0 || pos == end) {
            size_t more;
            if (end == len)
                break;
            more = piece(split, end);
            end = more < len - end ? end + more : len;
        }
    }
    return 0;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A script record: csid(2) type(1) sid(1) dts(4) len(2), then len bytes (cut short at
 * the end of the input). */
#define REC 10

static void writer_mode(const uint8_t *s, size_t n, uint32_t cs, uint8_t split)
{
    rk_chunk_writer w;
    rtmpkit_buf out;
    ctx c = { 0 };
    uint32_t ts[8] = { 0 };
    typedef struct { uint32_t csid, sid, ts, len; uint8_t type; const uint8_t *data; } em;
    em *msgs = NULL;
    size_t nmsgs = 0, pos = 0;

    rk_chunk_writer_init(&w);
    w.chunk_size = cs;
    rtmpkit_buf_init(&out, 64u << 20);
    msgs = malloc(sizeof *msgs * (n / REC + 1));
    if (!msgs)
        goto done;
    while (pos + REC <= n) {
        const uint8_t *h = s + pos;
        em *e = &msgs[nmsgs];
        uint32_t len = (uint32_t)h[8] << 8 | h[9];
        e->csid = csids[((uint32_t)h[0] << 8 | h[1]) % (sizeof csids / sizeof csids[0])];
        e->type = h[2];
        e->sid = h[3] & 3;
        /* Mostly small forward steps; sometimes anything (backwards, extended). */
        ts[e->csid % 8] = (h[4] & 0x80) ? ts[e->csid % 8] + (rd32(h + 4) & 0xFF) : rd32(h + 4);
        e->ts = ts[e->csid % 8];
        pos += REC;
        if (len > n - pos)
            len = (uint32_t)(n - pos);
        e->len = len;
        e->data = s + pos;
        pos += len;
        if (rk_chunk_write(&w, &out, e->csid, e->type, e->sid, e->ts, e->data, e->len) != 0)
            abort();
        nmsgs++;
    }

    /* No complete record, nothing written: out.data is still NULL, and there is nothing
     * to read back (rk_chunk_read takes a buffer, never NULL). */
    if (nmsgs == 0)
        goto done;
    c.r = rk_chunk_reader_new();
    if (!c.r)
        goto done;
    rk_chunk_reader_set_chunk_size(c.r, cs);
    {
        /* Read back and compare, message by message. */
        size_t rpos = 0, end = piece(split, 0), k = 0;
        if (end > out.len)
            end = out.len;
        for (;;) {
            rk_message m;
            int ready = 0;
            int rc = rk_chunk_read(c.r, out.data + rpos, end - rpos, &m, &ready);
            if (rc < 0)
                abort();
            rpos += (size_t)rc;
            if (ready) {
                const em *e;
                if (k >= nmsgs)
                    abort();
                e = &msgs[k++];
                if (m.csid != e->csid || m.type != e->type || m.stream_id != e->sid ||
                    m.timestamp != e->ts || m.length != e->len ||
                    (e->len && memcmp(m.data, e->data, e->len) != 0))
                    abort();
                continue;
            }
            if (rc == 0 || rpos == end) {
                size_t more;
                if (end == out.len)
                    break;
                more = piece(split, end);
                end = more < out.len - end ? end + more : out.len;
            }
        }
        if (k != nmsgs || rpos != out.len)
            abort();
    }
done:
    rk_chunk_reader_free(c.r);
    free(msgs);
    rtmpkit_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t cs;
    uint8_t split;
    ctx c = { 0 };
    if (size < 2)
        return 0;
    cs = chunk_sizes[data[0] & 7];
    split = data[1];
    if (data[0] & 0x80) {
        writer_mode(data + 2, size - 2, cs, split);
        return 0;
    }
    c.r = rk_chunk_reader_new();
    if (!c.r)
        return 0;
    rk_chunk_reader_set_chunk_size(c.r, cs);
    /* Every error comes with its reason. */
    if (feed(&c, data + 2, size - 2, split) < 0 && strcmp(rk_chunk_reader_error(c.r), "no error") == 0)
        abort();
    rk_chunk_reader_free(c.r);
    return 0;
}
