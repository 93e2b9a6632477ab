/* AMF0: decode under caps (depth, element count, copied bytes), encode into an rtmpkit_buf. */
#include "amf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

enum {
    AMF0_NUMBER = 0x00,
    AMF0_BOOLEAN = 0x01,
    AMF0_STRING = 0x02,
    AMF0_OBJECT = 0x03,
    AMF0_MOVIECLIP = 0x04,
    AMF0_NULL = 0x05,
    AMF0_UNDEFINED = 0x06,
    AMF0_REFERENCE = 0x07,
    AMF0_ECMA_ARRAY = 0x08,
    AMF0_OBJECT_END = 0x09,
    AMF0_STRICT_ARRAY = 0x0a,
    AMF0_DATE = 0x0b,
    AMF0_LONG_STRING = 0x0c,
    AMF0_UNSUPPORTED = 0x0d,
    AMF0_XML_DOCUMENT = 0x0f,
    AMF0_TYPED_OBJECT = 0x10,
    AMF0_AVMPLUS = 0x11,
};

static void amf_clear(rtmpkit_amf *v)
{
    memset(v, 0, sizeof *v);
    v->type = RTMPKIT_AMF_NULL;
}

void rtmpkit_amf_free(rtmpkit_amf *v)
{
    if (!v)
        return;
    free(v->string);
    if (v->props) {
        for (size_t i = 0; i < v->count; i++) {
            free(v->props[i].key);
            rtmpkit_amf_free(&v->props[i].value);
        }
        free(v->props);
    }
    if (v->items) {
        for (size_t i = 0; i < v->count; i++)
            rtmpkit_amf_free(&v->items[i]);
        free(v->items);
    }
    amf_clear(v);
}

int rk_amf_count(rk_amf_budget *bg)
{
    if (bg->elements >= RTMPKIT_AMF_MAX_ELEMENTS)
        return RTMPKIT_ELIMIT;
    bg->elements++;
    return 0;
}

int rk_amf_strdup(rk_amf_budget *bg, const uint8_t *p, size_t n, char **out)
{
    char *s;
    *out = NULL;
    if (n > RK_AMF_MAX_STRING_BYTES - bg->string_bytes)
        return RTMPKIT_ELIMIT;
    s = malloc(n + 1);
    if (!s)
        return RTMPKIT_ENOMEM;
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    bg->string_bytes += n;
    *out = s;
    return 0;
}

int rk_amf_add_prop(rtmpkit_amf *map, rk_amf_budget *bg, const uint8_t *key, size_t klen,
                    rtmpkit_amf **value)
{
    size_t n = map->count;
    rtmpkit_amf_prop *prop;
    char *k;
    int rc = rk_amf_strdup(bg, key, klen, &k);
    if (rc < 0)
        return rc;
    /* The capacity is implied by the count: 4, then each power of two doubles it. */
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        size_t cap = n ? n * 2 : 4;
        rtmpkit_amf_prop *props = realloc(map->props, cap * sizeof *props);
        if (!props) {
            free(k);
            return RTMPKIT_ENOMEM;
        }
        map->props = props;
    }
    prop = &map->props[n];
    prop->key = k;
    prop->key_length = klen;
    amf_clear(&prop->value);
    map->count = n + 1;
    *value = &prop->value;
    return 0;
}

static int amf0_value(rtmpkit_reader *r, rtmpkit_amf *out, int depth, rk_amf_budget *bg);

/* Reads a string of n bytes into a STRING value. */
static int amf0_string(rtmpkit_reader *r, size_t n, rtmpkit_amf *out, rk_amf_budget *bg)
{
    const uint8_t *p = rtmpkit_read_bytes(r, n);
    int rc;
    if (!p)
        return r->err;
    rc = rk_amf_strdup(bg, p, n, &out->string);
    if (rc < 0)
        return rc;
    out->type = RTMPKIT_AMF_STRING;
    out->length = n;
    return 0;
}

/* Properties until the 00 00 09 end marker; out is already an OBJECT or ECMA_ARRAY. */
static int amf0_props(rtmpkit_reader *r, rtmpkit_amf *out, int depth, rk_amf_budget *bg)
{
    for (;;) {
        size_t klen = rtmpkit_read_u16(r);
        const uint8_t *key = rtmpkit_read_bytes(r, klen);
        rtmpkit_amf *value;
        int rc;
        if (r->err)
            return r->err;
        if (klen == 0 && rtmpkit_reader_left(r) > 0 && r->p[0] == AMF0_OBJECT_END) {
            rtmpkit_skip(r, 1);
            return 0;
        }
        rc = rk_amf_add_prop(out, bg, key, klen, &value);
        if (rc < 0)
            return rc;
        rc = amf0_value(r, value, depth + 1, bg);
        if (rc < 0)
            return rc;
    }
}

static int amf0_strict_array(rtmpkit_reader *r, rtmpkit_amf *out, int depth, rk_amf_budget *bg)
{
    uint32_t n = rtmpkit_read_u32(r);
    if (r->err)
        return r->err;
    /* The count comes from the peer: each item takes at least one byte, so a count the
     * remaining bytes cannot hold fails before anything is allocated. */
    if (n > rtmpkit_reader_left(r))
        return RTMPKIT_ETRUNCATED;
    if (n > RTMPKIT_AMF_MAX_ELEMENTS - bg->elements)
        return RTMPKIT_ELIMIT;
    out->type = RTMPKIT_AMF_STRICT_ARRAY;
    if (n == 0)
        return 0;
    out->items = calloc(n, sizeof *out->items);
    if (!out->items)
        return RTMPKIT_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        int rc;
        amf_clear(&out->items[i]);
        out->count = i + 1;
        rc = amf0_value(r, &out->items[i], depth + 1, bg);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* depth is the number of containers around this value. */
static int amf0_value(rtmpkit_reader *r, rtmpkit_amf *out, int depth, rk_amf_budget *bg)
{
    int rc = rk_amf_count(bg);
    uint8_t marker;
    if (rc < 0)
        return rc;
    marker = rtmpkit_read_u8(r);
    if (r->err)
        return r->err;
    switch (marker) {
    case AMF0_NUMBER:
        out->number = rtmpkit_read_f64(r);
        out->type = RTMPKIT_AMF_NUMBER;
        break;
    case AMF0_BOOLEAN:
        out->boolean = rtmpkit_read_u8(r) != 0;
        out->type = RTMPKIT_AMF_BOOLEAN;
        break;
    case AMF0_STRING:
        rc = amf0_string(r, rtmpkit_read_u16(r), out, bg);
        break;
    case AMF0_LONG_STRING:
    case AMF0_XML_DOCUMENT:
        rc = amf0_string(r, rtmpkit_read_u32(r), out, bg);
        break;
    case AMF0_NULL:
        break;
    case AMF0_UNDEFINED:
    case AMF0_UNSUPPORTED:
        out->type = RTMPKIT_AMF_UNDEFINED;
        break;
    case AMF0_REFERENCE:
        /* A back reference to an earlier complex value. No RTMP server sends one; we
         * read its index and yield undefined rather than copy (or fail the message). */
        rtmpkit_skip(r, 2);
        out->type = RTMPKIT_AMF_UNDEFINED;
        break;
    case AMF0_DATE:
        out->number = rtmpkit_read_f64(r);
        rtmpkit_skip(r, 2);   /* time zone: reserved, should be 0 */
        out->type = RTMPKIT_AMF_DATE;
        break;
    case AMF0_OBJECT:
    case AMF0_TYPED_OBJECT:
    case AMF0_ECMA_ARRAY:
    case AMF0_STRICT_ARRAY:
        if (depth >= RTMPKIT_AMF_MAX_DEPTH)
            return RTMPKIT_ELIMIT;
        if (marker == AMF0_STRICT_ARRAY) {
            rc = amf0_strict_array(r, out, depth, bg);
            break;
        }
        if (marker == AMF0_TYPED_OBJECT)
            rtmpkit_skip(r, rtmpkit_read_u16(r));   /* the class name */
        else if (marker == AMF0_ECMA_ARRAY)
            (void)rtmpkit_read_u32(r);         /* a count hint only: encoders get it wrong */
        if (r->err)
            return r->err;
        out->type = marker == AMF0_ECMA_ARRAY ? RTMPKIT_AMF_ECMA_ARRAY : RTMPKIT_AMF_OBJECT;
        rc = amf0_props(r, out, depth, bg);
        break;
    case AMF0_AVMPLUS:
        rc = rk_amf3_read(r, out, depth, bg);
        break;
    default:   /* movieclip, object end outside an object, recordset, unknown */
        return RTMPKIT_EPROTOCOL;
    }
    if (rc < 0)
        return rc;
    return r->err;
}

static int decode_one(rtmpkit_reader *r, rtmpkit_amf *out, rk_amf_budget *bg)
{
    int rc;
    amf_clear(out);
    rc = amf0_value(r, out, 0, bg);
    if (rc < 0)
        rtmpkit_amf_free(out);
    return rc;
}

int rtmpkit_amf0_decode(const uint8_t *buf, size_t len, rtmpkit_amf *out)
{
    rk_amf_budget bg = { 0, 0 };
    rtmpkit_reader r;
    int rc;
    if (!out)
        return RTMPKIT_EINTERNAL;
    if (len > INT_MAX)
        len = INT_MAX;   /* so that the count of bytes consumed fits the return value */
    rtmpkit_reader_init(&r, buf, len);
    rc = decode_one(&r, out, &bg);
    return rc < 0 ? rc : (int)(len - rtmpkit_reader_left(&r));
}

int rtmpkit_amf0_decode_all(const uint8_t *buf, size_t len, rtmpkit_amf *out, size_t max)
{
    rk_amf_budget bg = { 0, 0 };
    rtmpkit_reader r;
    size_t n = 0;
    int rc = 0;
    if (!out && max)
        return RTMPKIT_EINTERNAL;
    rtmpkit_reader_init(&r, buf, len);
    while (rtmpkit_reader_left(&r) > 0) {
        if (n == max || n == INT_MAX)
            break;   /* the caller wants no more: later arguments are not looked at */
        rc = decode_one(&r, &out[n], &bg);
        if (rc < 0)
            goto fail;
        n++;
    }
    return (int)n;
fail:
    while (n > 0)
        rtmpkit_amf_free(&out[--n]);
    return rc;
}

const rtmpkit_amf *rtmpkit_amf_get(const rtmpkit_amf *v, const char *key)
{
    size_t klen;
    if (!v || !key || !v->props
        || (v->type != RTMPKIT_AMF_OBJECT && v->type != RTMPKIT_AMF_ECMA_ARRAY))
        return NULL;
    klen = strlen(key);
    for (size_t i = 0; i < v->count; i++)
        if (v->props[i].key_length == klen && memcmp(v->props[i].key, key, klen) == 0)
            return &v->props[i].value;
    return NULL;
}

const char *rtmpkit_amf_get_string(const rtmpkit_amf *v, const char *key)
{
    if (key)
        v = rtmpkit_amf_get(v, key);
    return v && v->type == RTMPKIT_AMF_STRING ? v->string : NULL;
}

double rtmpkit_amf_get_number(const rtmpkit_amf *v, const char *key, double dflt)
{
    if (key)
        v = rtmpkit_amf_get(v, key);
    return v && v->type == RTMPKIT_AMF_NUMBER ? v->number : dflt;
}

/* Encoding. Every write goes through the rtmpkit_buf, whose error is sticky. */

static void fail_buf(rtmpkit_buf *b, int err)
{
    if (!b->err)
        b->err = err;
}

void rtmpkit_amf0_put_number(rtmpkit_buf *b, double v)
{
    rtmpkit_put_u8(b, AMF0_NUMBER);
    rtmpkit_put_f64(b, v);
}

void rtmpkit_amf0_put_bool(rtmpkit_buf *b, int v)
{
    rtmpkit_put_u8(b, AMF0_BOOLEAN);
    rtmpkit_put_u8(b, v ? 1 : 0);
}

void rtmpkit_amf0_put_string(rtmpkit_buf *b, const char *s)
{
    s = s ? s : "";
    rtmpkit_amf0_put_string_len(b, s, strlen(s));
}

void rtmpkit_amf0_put_string_len(rtmpkit_buf *b, const char *s, size_t len)
{
    if (len <= 0xffff) {
        rtmpkit_put_u8(b, AMF0_STRING);
        rtmpkit_put_u16(b, (uint16_t)len);
    } else if (len <= 0xffffffffu) {
        rtmpkit_put_u8(b, AMF0_LONG_STRING);
        rtmpkit_put_u32(b, (uint32_t)len);
    } else {
        fail_buf(b, RTMPKIT_ELIMIT);
        return;
    }
    rtmpkit_put_bytes(b, s, len);
}

void rtmpkit_amf0_put_null(rtmpkit_buf *b)
{
    rtmpkit_put_u8(b, AMF0_NULL);
}

void rtmpkit_amf0_put_object_start(rtmpkit_buf *b)
{
    rtmpkit_put_u8(b, AMF0_OBJECT);
}

void rtmpkit_amf0_put_ecma_array_start(rtmpkit_buf *b, uint32_t count)
{
    rtmpkit_put_u8(b, AMF0_ECMA_ARRAY);
    rtmpkit_put_u32(b, count);
}

static void put_key_len(rtmpkit_buf *b, const char *key, size_t len)
{
    if (len > 0xffff) {   /* AMF0 keys have a 16-bit length: no way to write it */
        fail_buf(b, RTMPKIT_ELIMIT);
        return;
    }
    rtmpkit_put_u16(b, (uint16_t)len);
    rtmpkit_put_bytes(b, key, len);
}

void rtmpkit_amf0_put_key(rtmpkit_buf *b, const char *key)
{
    key = key ? key : "";
    put_key_len(b, key, strlen(key));
}

void rtmpkit_amf0_put_object_end(rtmpkit_buf *b)
{
    static const uint8_t end[3] = { 0, 0, AMF0_OBJECT_END };
    rtmpkit_put_bytes(b, end, sizeof end);
}

static void put_value(rtmpkit_buf *b, const rtmpkit_amf *v, int depth)
{
    if (b->err)
        return;
    switch (v->type) {
    case RTMPKIT_AMF_NUMBER:
        rtmpkit_amf0_put_number(b, v->number);
        return;
    case RTMPKIT_AMF_BOOLEAN:
        rtmpkit_amf0_put_bool(b, v->boolean);
        return;
    case RTMPKIT_AMF_STRING:
        rtmpkit_amf0_put_string_len(b, v->string ? v->string : "", v->string ? v->length : 0);
        return;
    case RTMPKIT_AMF_NULL:
        rtmpkit_amf0_put_null(b);
        return;
    case RTMPKIT_AMF_UNDEFINED:
        rtmpkit_put_u8(b, AMF0_UNDEFINED);
        return;
    case RTMPKIT_AMF_DATE:
        rtmpkit_put_u8(b, AMF0_DATE);
        rtmpkit_put_f64(b, v->number);
        rtmpkit_put_u16(b, 0);
        return;
    case RTMPKIT_AMF_OBJECT:
    case RTMPKIT_AMF_ECMA_ARRAY:
    case RTMPKIT_AMF_STRICT_ARRAY:
        break;
    default:
        fail_buf(b, RTMPKIT_EINTERNAL);
        return;
    }
    /* What we write, a decoder with our caps must be able to read back. */
    if (depth >= RTMPKIT_AMF_MAX_DEPTH || v->count > 0xffffffffu) {
        fail_buf(b, RTMPKIT_ELIMIT);
        return;
    }
    if (v->type == RTMPKIT_AMF_STRICT_ARRAY) {
        rtmpkit_put_u8(b, AMF0_STRICT_ARRAY);
        rtmpkit_put_u32(b, v->items ? (uint32_t)v->count : 0);
        for (size_t i = 0; v->items && i < v->count; i++)
            put_value(b, &v->items[i], depth + 1);
        return;
    }
    if (v->type == RTMPKIT_AMF_OBJECT)
        rtmpkit_amf0_put_object_start(b);
    else
        rtmpkit_amf0_put_ecma_array_start(b, v->props ? (uint32_t)v->count : 0);
    for (size_t i = 0; v->props && i < v->count; i++) {
        const rtmpkit_amf_prop *p = &v->props[i];
        put_key_len(b, p->key ? p->key : "", p->key ? p->key_length : 0);
        put_value(b, &p->value, depth + 1);
    }
    rtmpkit_amf0_put_object_end(b);
}

void rtmpkit_amf0_put_value(rtmpkit_buf *b, const rtmpkit_amf *v)
{
    if (!v) {
        rtmpkit_amf0_put_null(b);
        return;
    }
    put_value(b, v, 0);
}
