/* The RTMP chunk stream: an incremental reader that reassembles messages under caps,
 * and a writer that picks the shortest header. */
#include "chunk.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

#define TS_EXTENDED 0xFFFFFFu   /* 24-bit timestamp field meaning "4 more bytes follow" */

static const uint8_t header_size[4] = { 11, 7, 3, 0 };

/* What we remember about one chunk stream. */
typedef struct cstream {
    uint32_t csid;
    uint32_t stream_id;
    uint32_t timestamp;     /* of the current (or last) message */
    uint32_t ts_field;      /* last header's timestamp field: absolute (fmt 0) or delta */
    uint32_t length;
    uint8_t type;
    uint8_t ext;            /* ts_field was sent as an extended timestamp */
    uint8_t *buf;           /* the partial message (length bytes) or NULL */
    uint32_t have;          /* bytes of it received */
} cstream;

struct rk_chunk_reader {
    uint32_t chunk_size;
    int ncs;
    cstream cs[RK_MAX_CHUNK_STREAMS];
    size_t partial_bytes;   /* sum of the lengths of all partial messages */
    cstream *cur;           /* chunk stream whose chunk payload is being read */
    uint32_t chunk_left;    /* payload bytes of that chunk still to come */
    int skip;               /* the rest of the current chunk belongs to an aborted message */
    uint8_t *done;          /* the last completed message, owned until the next call */
    int failed;
    char err[160];
};

static const uint8_t empty_payload[1];

rk_chunk_reader *rk_chunk_reader_new(void)
{
    rk_chunk_reader *r = calloc(1, sizeof *r);
    if (r)
        r->chunk_size = RK_DEFAULT_CHUNK_SIZE;
    return r;
}

void rk_chunk_reader_free(rk_chunk_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->ncs; i++)
        free(r->cs[i].buf);
    free(r->done);
    free(r);
}

void rk_chunk_reader_set_chunk_size(rk_chunk_reader *r, uint32_t size)
{
    /* The engine validates; clamp anyway so a bad value can never stall or overflow. */
    if (size < 1)
        size = 1;
    if (size > RK_MAX_CHUNK_SIZE)
        size = RK_MAX_CHUNK_SIZE;
    r->chunk_size = size;
}

const char *rk_chunk_reader_error(const rk_chunk_reader *r)
{
    return r->err[0] ? r->err : "no error";
}

static cstream *find_stream(rk_chunk_reader *r, uint32_t csid)
{
    for (int i = 0; i < r->ncs; i++)
        if (r->cs[i].csid == csid)
            return &r->cs[i];
    return NULL;
}

static void drop_partial(rk_chunk_reader *r, cstream *c)
{
    if (c->buf) {
        free(c->buf);
        c->buf = NULL;
        r->partial_bytes -= c->length;
    }
    c->have = 0;
}

void rk_chunk_reader_abort(rk_chunk_reader *r, uint32_t csid)
{
    cstream *c = find_stream(r, csid);
    if (!c || !c->buf)
        return;
    if (r->cur == c && r->chunk_left > 0)
        r->skip = 1;
    drop_partial(r, c);
}

/* Records the one-line reason and makes the reader unusable. Returns err. */
__attribute__((format(printf, 3, 4)))
static int fail(rk_chunk_reader *r, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = err;
    return err;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Hands the completed message of c to the caller. */
static void complete(rk_chunk_reader *r, cstream *c, rk_message *msg)
{
    msg->csid = c->csid;
    msg->type = c->type;
    msg->stream_id = c->stream_id;
    msg->timestamp = c->timestamp;
    msg->length = c->length;
    if (c->buf) {
        msg->data = c->buf;
        r->done = c->buf;
        r->partial_bytes -= c->length;
        c->buf = NULL;
    } else {
        msg->data = empty_payload;
    }
    c->have = 0;
    r->cur = NULL;
    r->chunk_left = 0;
}

/* Parses one chunk header at p. Returns its size, 0 when incomplete, or an error.
 * Sets *ready when the header completes a zero-length message. */
static int read_header(rk_chunk_reader *r, const uint8_t *p, size_t avail, rk_message *msg,
                       int *ready)
{
    size_t hlen = 1;
    int fmt;
    uint32_t csid, field = 0, length = 0, stream_id = 0;
    uint8_t type = 0, ext = 0;
    cstream *c;

    if (avail < 1)
        return 0;
    fmt = p[0] >> 6;
    csid = p[0] & 0x3F;
    if (csid == 0) {
        if (avail < 2)
            return 0;
        csid = 64 + (uint32_t)p[1];
        hlen = 2;
    } else if (csid == 1) {
        if (avail < 3)
            return 0;
        csid = 64 + (uint32_t)p[1] + 256 * (uint32_t)p[2];
        hlen = 3;
    }
    c = find_stream(r, csid);
    if (!c && fmt != 0)
        return fail(r, RTMPKIT_EPROTOCOL, "chunk stream %u: fmt %d header without an earlier fmt 0",
                    csid, fmt);
    if (!c && r->ncs == RK_MAX_CHUNK_STREAMS)
        return fail(r, RTMPKIT_ELIMIT, "chunk stream %u: more than %d chunk streams in use",
                    csid, RK_MAX_CHUNK_STREAMS);
    if (avail < hlen + header_size[fmt])
        return 0;
    if (fmt <= 2)
        field = rtmpkit_rb24(p + hlen);
    if (fmt <= 1) {
        length = rtmpkit_rb24(p + hlen + 3);
        type = p[hlen + 6];
    }
    if (fmt == 0)
        stream_id = (uint32_t)p[hlen + 7] | (uint32_t)p[hlen + 8] << 8 |
                    (uint32_t)p[hlen + 9] << 16 | (uint32_t)p[hlen + 10] << 24;
    hlen += header_size[fmt];
    if (fmt <= 2) {
        if (field == TS_EXTENDED) {
            if (avail < hlen + 4)
                return 0;
            field = rtmpkit_rb32(p + hlen);
            hlen += 4;
            ext = 1;
        }
    } else if (c->ext) {
        /* Some peers repeat the extended timestamp on fmt-3 chunks and some do not:
         * take the 4 bytes only when they hold the value we expect. */
        if (avail < hlen + 4)
            return 0;
        if (rtmpkit_rb32(p + hlen) == c->ts_field)
            hlen += 4;
    }

    if (c && c->buf) {
        /* Continues the partial message; any header must describe the same message. */
        if (fmt <= 1 && (length != c->length || type != c->type ||
                         (fmt == 0 && stream_id != c->stream_id)))
            return fail(r, RTMPKIT_EPROTOCOL,
                        "chunk stream %u: fmt %d header changes the message (length %u->%u, "
                        "type %u->%u) after %u of %u bytes", csid, fmt, c->length, length,
                        c->type, type, c->have, c->length);
        r->cur = c;
        r->chunk_left = min_u32(r->chunk_size, c->length - c->have);
        return (int)hlen;
    }

    if (fmt <= 1) {
        if (length > RK_MAX_MESSAGE_SIZE)
            return fail(r, RTMPKIT_ELIMIT, "chunk stream %u: message of %u bytes exceeds the "
                        "%u-byte limit", csid, length, RK_MAX_MESSAGE_SIZE);
    }
    if (!c) {
        c = &r->cs[r->ncs++];
        memset(c, 0, sizeof *c);
        c->csid = csid;
    }
    switch (fmt) {
    case 0:
        c->timestamp = field;
        c->stream_id = stream_id;
        break;
    case 1:
    case 2:
        c->timestamp += field;
        break;
    default:
        /* A new message with a fmt-3 header re-applies the last timestamp field as a
         * delta, as ffmpeg does (also after fmt 0, where the field was absolute). */
        c->timestamp += c->ts_field;
        break;
    }
    if (fmt <= 2) {
        c->ts_field = field;
        c->ext = ext;
    }
    if (fmt <= 1) {
        c->length = length;
        c->type = type;
    }
    c->have = 0;
    if (c->length == 0) {
        complete(r, c, msg);
        *ready = 1;
        return (int)hlen;
    }
    if (c->length > RK_MAX_PARTIAL_BYTES - r->partial_bytes)
        return fail(r, RTMPKIT_ELIMIT, "chunk stream %u: %u more bytes would pass the %u-byte "
                    "limit on partial messages", csid, c->length, RK_MAX_PARTIAL_BYTES);
    c->buf = malloc(c->length);
    if (!c->buf)
        return fail(r, RTMPKIT_ENOMEM, "chunk stream %u: cannot allocate %u bytes", csid,
                    c->length);
    r->partial_bytes += c->length;
    r->cur = c;
    r->chunk_left = min_u32(r->chunk_size, c->length);
    return (int)hlen;
}

int rk_chunk_read(rk_chunk_reader *r, const uint8_t *buf, size_t len, rk_message *msg, int *ready)
{
    size_t pos = 0;
    *ready = 0;
    free(r->done);
    r->done = NULL;
    if (r->failed)
        return r->failed;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        if (r->chunk_left > 0) {
            cstream *c = r->cur;
            uint32_t n;
            if (pos == len)
                break;
            n = min_u32(r->chunk_left, len - pos > UINT32_MAX ? UINT32_MAX : (uint32_t)(len - pos));
            if (!r->skip) {
                memcpy(c->buf + c->have, buf + pos, n);
                c->have += n;
            }
            pos += n;
            r->chunk_left -= n;
            if (r->chunk_left == 0) {
                if (!r->skip && c->have == c->length) {
                    complete(r, c, msg);
                    *ready = 1;
                    return (int)pos;
                }
                r->skip = 0;
                r->cur = NULL;
            }
            continue;
        }
        int rc = read_header(r, buf + pos, len - pos, msg, ready);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        pos += (size_t)rc;
        if (*ready)
            break;
    }
    return (int)pos;
}

void rk_chunk_writer_init(rk_chunk_writer *w)
{
    memset(w, 0, sizeof *w);
    w->chunk_size = RK_DEFAULT_CHUNK_SIZE;
}

static size_t basic_size(uint32_t csid)
{
    return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

static uint8_t *put_basic(uint8_t *p, int fmt, uint32_t csid)
{
    if (csid < 64) {
        *p++ = (uint8_t)(fmt << 6 | csid);
    } else if (csid < 320) {
        *p++ = (uint8_t)(fmt << 6);
        *p++ = (uint8_t)(csid - 64);
    } else {
        *p++ = (uint8_t)(fmt << 6 | 1);
        *p++ = (uint8_t)((csid - 64) & 0xFF);
        *p++ = (uint8_t)((csid - 64) >> 8);
    }
    return p;
}

/* last[].used: 0 free, 1 last header was fmt 0 (no delta yet), 2 delta holds the last
 * delta sent. A new message gets fmt 3 only in state 2: after fmt 0, peers disagree on
 * what a fmt-3 header means (ffmpeg re-applies the absolute time, nginx-rtmp adds 0). */
int rk_chunk_write(rk_chunk_writer *w, rtmpkit_buf *out, uint32_t csid, uint8_t type,
                   uint32_t stream_id, uint32_t timestamp, const uint8_t *data, uint32_t len)
{
    int slot = -1, free_slot = -1, fmt, ext;
    uint32_t field, cs = w->chunk_size;
    size_t bs, total, nchunks, off;
    uint8_t *p;

    if (csid < 2 || csid > RK_MAX_CSID || cs == 0 || cs > RK_MAX_CHUNK_SIZE ||
        len > 0xFFFFFF || (len && !data))
        return RTMPKIT_EINTERNAL;
    if (out->err)
        return out->err;
    for (int i = 0; i < RK_WRITER_STREAMS; i++) {
        if (w->last[i].used && w->last[i].csid == csid) {
            slot = i;
            break;
        }
        if (!w->last[i].used && free_slot < 0)
            free_slot = i;
    }
    if (slot < 0) {
        /* Reusing another stream's slot is safe: its next message gets fmt 0 again. */
        slot = free_slot >= 0 ? free_slot : (int)(csid % RK_WRITER_STREAMS);
        w->last[slot].used = 0;
    }

    if (!w->last[slot].used || w->last[slot].stream_id != stream_id ||
        timestamp < w->last[slot].timestamp) {
        fmt = 0;
        field = timestamp;
    } else {
        field = timestamp - w->last[slot].timestamp;
        if (len != w->last[slot].length || type != w->last[slot].type)
            fmt = 1;
        else if (w->last[slot].used != 2 || field != w->last[slot].delta)
            fmt = 2;
        else
            fmt = 3;
    }
    ext = field >= TS_EXTENDED;

    bs = basic_size(csid);
    nchunks = len ? (len + (size_t)cs - 1) / cs : 1;
    total = bs + header_size[fmt] + (ext ? 4 : 0) + len + (nchunks - 1) * (bs + (ext ? 4 : 0));
    p = rtmpkit_buf_reserve(out, total);
    if (!p)
        return out->err ? out->err : RTMPKIT_ENOMEM;

    p = put_basic(p, fmt, csid);
    if (fmt <= 2) {
        rtmpkit_wb24(p, ext ? TS_EXTENDED : field);
        p += 3;
    }
    if (fmt <= 1) {
        rtmpkit_wb24(p, len);
        p[3] = type;
        p += 4;
    }
    if (fmt == 0) {
        p[0] = (uint8_t)stream_id;
        p[1] = (uint8_t)(stream_id >> 8);
        p[2] = (uint8_t)(stream_id >> 16);
        p[3] = (uint8_t)(stream_id >> 24);
        p += 4;
    }
    if (ext) {
        rtmpkit_wb32(p, field);
        p += 4;
    }
    for (off = 0; off < len;) {
        size_t n = len - off < cs ? len - off : cs;
        if (off > 0) {
            p = put_basic(p, 3, csid);
            if (ext) {
                rtmpkit_wb32(p, field);
                p += 4;
            }
        }
        memcpy(p, data + off, n);
        p += n;
        off += n;
    }
    out->len += total;

    w->last[slot].csid = csid;
    w->last[slot].stream_id = stream_id;
    w->last[slot].timestamp = timestamp;
    w->last[slot].length = len;
    w->last[slot].type = type;
    if (fmt == 0) {
        w->last[slot].used = 1;
        w->last[slot].delta = 0;
    } else {
        w->last[slot].used = 2;
        w->last[slot].delta = field;
    }
    return 0;
}
