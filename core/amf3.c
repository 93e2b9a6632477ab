/* AMF3 decoding (values after the AMF0 0x11 switch), under the same caps as AMF0.
 *
 * Reference tables: strings and trait member names point into the input buffer; the
 * object table holds a shallow, non-owning view of each complex value once it is
 * complete (its heap arrays never move after that), and a reference to it is a deep
 * copy charged against the caps. A reference to a value still being decoded (a cycle)
 * is a protocol error. */
#include "amf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

enum {
    AMF3_UNDEFINED = 0x00,
    AMF3_NULL = 0x01,
    AMF3_FALSE = 0x02,
    AMF3_TRUE = 0x03,
    AMF3_INTEGER = 0x04,
    AMF3_DOUBLE = 0x05,
    AMF3_STRING = 0x06,
    AMF3_XML_DOC = 0x07,
    AMF3_DATE = 0x08,
    AMF3_ARRAY = 0x09,
    AMF3_OBJECT = 0x0a,
    AMF3_XML = 0x0b,
    AMF3_BYTE_ARRAY = 0x0c,
    /* vectors (0x0d-0x10) and dictionary (0x11) are not used by RTMP peers: rejected */
};

struct a3_str {
    const uint8_t *p;
    size_t len;
};

/* Sealed member names in all the inline traits of one decode call, together: each one
 * names a value, so a message with more could never decode within the element cap, and
 * the names' array (16 bytes a name) is not allocated past it. */
#define RK_AMF3_MAX_TRAIT_NAMES RTMPKIT_AMF_MAX_ELEMENTS

struct a3_traits {
    struct a3_str *names;   /* sealed member names, owned by the table */
    size_t count;
    int dynamic;
};

struct a3_obj {
    int done;               /* 0 while the value is being decoded */
    rtmpkit_amf view;       /* shallow copy once done; not owned */
};

struct a3_ctx {
    rtmpkit_reader *r;
    rk_amf_budget *bg;
    struct a3_str *strs;
    size_t nstrs, capstrs;
    struct a3_traits *traits;
    size_t ntraits, captraits;
    size_t trait_names;     /* sealed names read so far, RK_AMF3_MAX_TRAIT_NAMES at most */
    struct a3_obj *objs;
    size_t nobjs, capobjs;
};

/* Makes room for one more entry in a reference table, capped. */
static int table_grow(void **arr, size_t *cap, size_t n, size_t size)
{
    size_t ncap;
    void *p;
    if (n < *cap)
        return 0;
    if (n >= RTMPKIT_AMF_MAX_ELEMENTS)
        return RTMPKIT_ELIMIT;
    ncap = *cap ? *cap * 2 : 16;
    if (ncap > RTMPKIT_AMF_MAX_ELEMENTS)
        ncap = RTMPKIT_AMF_MAX_ELEMENTS;
    p = realloc(*arr, ncap * size);
    if (!p)
        return RTMPKIT_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* U29: 1 to 4 bytes, 7 bits each in the first three, 8 in the fourth. */
static uint32_t read_u29(rtmpkit_reader *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t b = rtmpkit_read_u8(r);
        v = v << 7 | (b & 0x7f);
        if (!(b & 0x80))
            return v;
    }
    return v << 8 | rtmpkit_read_u8(r);
}

/* UTF-8-vr: an inline string (added to the table unless empty) or a reference. */
static int read_str(struct a3_ctx *c, struct a3_str *out)
{
    uint32_t h = read_u29(c->r);
    int rc;
    if (c->r->err)
        return c->r->err;
    if (!(h & 1)) {
        if ((h >> 1) >= c->nstrs)
            return RTMPKIT_EPROTOCOL;
        *out = c->strs[h >> 1];
        return 0;
    }
    out->len = h >> 1;
    out->p = rtmpkit_read_bytes(c->r, out->len);
    if (!out->p)
        return c->r->err;
    if (out->len == 0)
        return 0;
    rc = table_grow((void **)&c->strs, &c->capstrs, c->nstrs, sizeof *c->strs);
    if (rc < 0)
        return rc;
    c->strs[c->nstrs++] = *out;
    return 0;
}

static int set_string(struct a3_ctx *c, rtmpkit_amf *out, const uint8_t *p, size_t n)
{
    int rc = rk_amf_strdup(c->bg, p, n, &out->string);
    if (rc < 0)
        return rc;
    out->type = RTMPKIT_AMF_STRING;
    out->length = n;
    return 0;
}

/* Reserves an object table slot for a value about to be decoded; *idx receives it. */
static int obj_add(struct a3_ctx *c, size_t *idx)
{
    int rc = table_grow((void **)&c->objs, &c->capobjs, c->nobjs, sizeof *c->objs);
    if (rc < 0)
        return rc;
    *idx = c->nobjs++;
    memset(&c->objs[*idx], 0, sizeof c->objs[*idx]);
    return 0;
}

static void obj_done(struct a3_ctx *c, size_t idx, const rtmpkit_amf *v)
{
    c->objs[idx].view = *v;
    c->objs[idx].done = 1;
}

/* Deep copy of a completed value into out (already counted), the copy's nested values
 * charged against the caps; depth is where the copy lands. */
static int deep_copy(struct a3_ctx *c, const rtmpkit_amf *src, rtmpkit_amf *out, int depth)
{
    int rc;
    switch (src->type) {
    case RTMPKIT_AMF_STRING:
        return set_string(c, out, (const uint8_t *)src->string, src->length);
    case RTMPKIT_AMF_OBJECT:
    case RTMPKIT_AMF_ECMA_ARRAY:
    case RTMPKIT_AMF_STRICT_ARRAY:
        break;
    default:
        *out = *src;   /* scalars */
        return 0;
    }
    if (depth >= RTMPKIT_AMF_MAX_DEPTH)
        return RTMPKIT_ELIMIT;
    out->type = src->type;
    if (src->type == RTMPKIT_AMF_STRICT_ARRAY) {
        if (src->count == 0)
            return 0;
        if (src->count > RTMPKIT_AMF_MAX_ELEMENTS - c->bg->elements)
            return RTMPKIT_ELIMIT;
        out->items = calloc(src->count, sizeof *out->items);
        if (!out->items)
            return RTMPKIT_ENOMEM;
        for (size_t i = 0; i < src->count; i++) {
            memset(&out->items[i], 0, sizeof out->items[i]);
            out->items[i].type = RTMPKIT_AMF_NULL;
            out->count = i + 1;
            rc = rk_amf_count(c->bg);
            if (rc < 0)
                return rc;
            rc = deep_copy(c, &src->items[i], &out->items[i], depth + 1);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    for (size_t i = 0; i < src->count; i++) {
        rtmpkit_amf *value;
        const rtmpkit_amf_prop *p = &src->props[i];
        rc = rk_amf_count(c->bg);
        if (rc < 0)
            return rc;
        rc = rk_amf_add_prop(out, c->bg, (const uint8_t *)p->key, p->key_length, &value);
        if (rc < 0)
            return rc;
        rc = deep_copy(c, &p->value, value, depth + 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int obj_ref(struct a3_ctx *c, uint32_t idx, rtmpkit_amf *out, int depth)
{
    if (idx >= c->nobjs || !c->objs[idx].done)
        return RTMPKIT_EPROTOCOL;   /* out of range, or a cycle */
    return deep_copy(c, &c->objs[idx].view, out, depth);
}

static int a3_value(struct a3_ctx *c, rtmpkit_amf *out, int depth);

/* XML, XMLDocument and ByteArray: a length (or reference) and bytes, as a STRING. */
static int a3_bytes(struct a3_ctx *c, rtmpkit_amf *out, int depth)
{
    uint32_t h = read_u29(c->r);
    const uint8_t *p;
    size_t idx;
    int rc;
    if (c->r->err)
        return c->r->err;
    if (!(h & 1))
        return obj_ref(c, h >> 1, out, depth);
    p = rtmpkit_read_bytes(c->r, h >> 1);
    if (!p)
        return c->r->err;
    rc = obj_add(c, &idx);
    if (rc < 0)
        return rc;
    rc = set_string(c, out, p, h >> 1);
    if (rc < 0)
        return rc;
    obj_done(c, idx, out);
    return 0;
}

static int a3_date(struct a3_ctx *c, rtmpkit_amf *out, int depth)
{
    uint32_t h = read_u29(c->r);
    size_t idx;
    int rc;
    if (c->r->err)
        return c->r->err;
    if (!(h & 1))
        return obj_ref(c, h >> 1, out, depth);
    out->number = rtmpkit_read_f64(c->r);
    if (c->r->err)
        return c->r->err;
    out->type = RTMPKIT_AMF_DATE;
    rc = obj_add(c, &idx);
    if (rc < 0)
        return rc;
    obj_done(c, idx, out);
    return 0;
}

/* Reads name/value pairs into out's properties until an empty name: the associative
 * part of an array, the dynamic members of an object. */
static int read_named_values(struct a3_ctx *c, rtmpkit_amf *out, int depth)
{
    for (;;) {
        struct a3_str key;
        rtmpkit_amf *value;
        int rc = read_str(c, &key);
        if (rc < 0)
            return rc;
        if (key.len == 0)
            return 0;
        rc = rk_amf_add_prop(out, c->bg, key.p, key.len, &value);
        if (rc < 0)
            return rc;
        rc = a3_value(c, value, depth + 1);
        if (rc < 0)
            return rc;
    }
}

static int a3_array(struct a3_ctx *c, rtmpkit_amf *out, int depth)
{
    uint32_t h = read_u29(c->r), n;
    size_t idx;
    int rc;
    if (c->r->err)
        return c->r->err;
    if (!(h & 1))
        return obj_ref(c, h >> 1, out, depth);
    if (depth >= RTMPKIT_AMF_MAX_DEPTH)
        return RTMPKIT_ELIMIT;
    n = h >> 1;
    rc = obj_add(c, &idx);
    if (rc < 0)
        return rc;
    /* The associative part first, until an empty key. */
    out->type = RTMPKIT_AMF_ECMA_ARRAY;
    rc = read_named_values(c, out, depth);
    if (rc < 0)
        return rc;
    /* Then n dense values: each takes a byte at least, so check before allocating. */
    if (n > rtmpkit_reader_left(c->r))
        return RTMPKIT_ETRUNCATED;
    if (n > RTMPKIT_AMF_MAX_ELEMENTS - c->bg->elements)
        return RTMPKIT_ELIMIT;
    if (out->count == 0) {
        out->type = RTMPKIT_AMF_STRICT_ARRAY;
        free(out->props);
        out->props = NULL;
        if (n) {
            out->items = calloc(n, sizeof *out->items);
            if (!out->items)
                return RTMPKIT_ENOMEM;
        }
        for (uint32_t i = 0; i < n; i++) {
            memset(&out->items[i], 0, sizeof out->items[i]);
            out->items[i].type = RTMPKIT_AMF_NULL;
            out->count = i + 1;
            rc = a3_value(c, &out->items[i], depth + 1);
            if (rc < 0)
                return rc;
        }
    } else {
        /* Both parts: one ECMA array, the dense values under the keys "0", "1", ... */
        for (uint32_t i = 0; i < n; i++) {
            char key[16];
            rtmpkit_amf *value;
            int klen = snprintf(key, sizeof key, "%u", (unsigned)i);
            rc = rk_amf_add_prop(out, c->bg, (const uint8_t *)key, (size_t)klen, &value);
            if (rc < 0)
                return rc;
            rc = a3_value(c, value, depth + 1);
            if (rc < 0)
                return rc;
        }
    }
    obj_done(c, idx, out);
    return 0;
}

/* Inline traits: class name, sealed member names; added to the traits table. */
static int read_traits(struct a3_ctx *c, uint32_t h, struct a3_traits *t)
{
    struct a3_str cls;
    uint32_t n = h >> 4;
    int rc;
    memset(t, 0, sizeof *t);
    if (h & 4)
        return RTMPKIT_EPROTOCOL;   /* externalizable: the format is the class's own */
    t->dynamic = (h >> 3) & 1;
    rc = read_str(c, &cls);
    if (rc < 0)
        return rc;
    if (n > rtmpkit_reader_left(c->r))   /* each name takes a byte at least */
        return RTMPKIT_ETRUNCATED;
    if (n > RK_AMF3_MAX_TRAIT_NAMES - c->trait_names)
        return RTMPKIT_ELIMIT;
    rc = table_grow((void **)&c->traits, &c->captraits, c->ntraits, sizeof *c->traits);
    if (rc < 0)
        return rc;
    if (n) {
        t->names = calloc(n, sizeof *t->names);
        if (!t->names)
            return RTMPKIT_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        rc = read_str(c, &t->names[i]);
        if (rc < 0) {
            free(t->names);
            t->names = NULL;
            return rc;
        }
    }
    t->count = n;
    c->trait_names += n;
    c->traits[c->ntraits++] = *t;
    return 0;
}

static int a3_object(struct a3_ctx *c, rtmpkit_amf *out, int depth)
{
    uint32_t h = read_u29(c->r);
    struct a3_traits t;
    size_t idx;
    int rc;
    if (c->r->err)
        return c->r->err;
    if (!(h & 1))
        return obj_ref(c, h >> 1, out, depth);
    if (depth >= RTMPKIT_AMF_MAX_DEPTH)
        return RTMPKIT_ELIMIT;
    if (!(h & 2)) {
        if ((h >> 2) >= c->ntraits)
            return RTMPKIT_EPROTOCOL;
        t = c->traits[h >> 2];   /* a copy: the table may move while members decode */
    } else {
        rc = read_traits(c, h, &t);
        if (rc < 0)
            return rc;
    }
    if (t.count > rtmpkit_reader_left(c->r))   /* each sealed value takes a byte at least */
        return RTMPKIT_ETRUNCATED;
    rc = obj_add(c, &idx);
    if (rc < 0)
        return rc;
    out->type = RTMPKIT_AMF_OBJECT;
    for (size_t i = 0; i < t.count; i++) {
        rtmpkit_amf *value;
        rc = rk_amf_add_prop(out, c->bg, t.names[i].p, t.names[i].len, &value);
        if (rc < 0)
            return rc;
        rc = a3_value(c, value, depth + 1);
        if (rc < 0)
            return rc;
    }
    if (t.dynamic && (rc = read_named_values(c, out, depth)) < 0)
        return rc;
    obj_done(c, idx, out);
    return 0;
}

static int a3_value(struct a3_ctx *c, rtmpkit_amf *out, int depth)
{
    rtmpkit_reader *r = c->r;
    int rc = rk_amf_count(c->bg);
    uint8_t marker;
    if (rc < 0)
        return rc;
    marker = rtmpkit_read_u8(r);
    if (r->err)
        return r->err;
    switch (marker) {
    case AMF3_UNDEFINED:
        out->type = RTMPKIT_AMF_UNDEFINED;
        return 0;
    case AMF3_NULL:
        out->type = RTMPKIT_AMF_NULL;
        return 0;
    case AMF3_FALSE:
    case AMF3_TRUE:
        out->type = RTMPKIT_AMF_BOOLEAN;
        out->boolean = marker == AMF3_TRUE;
        return 0;
    case AMF3_INTEGER: {
        uint32_t u = read_u29(r);
        /* 29-bit two's complement */
        out->number = (u & 0x10000000) ? (double)u - (double)0x20000000 : (double)u;
        out->type = RTMPKIT_AMF_NUMBER;
        return r->err;
    }
    case AMF3_DOUBLE:
        out->number = rtmpkit_read_f64(r);
        out->type = RTMPKIT_AMF_NUMBER;
        return r->err;
    case AMF3_STRING: {
        struct a3_str s;
        rc = read_str(c, &s);
        return rc < 0 ? rc : set_string(c, out, s.p, s.len);
    }
    case AMF3_XML_DOC:
    case AMF3_XML:
    case AMF3_BYTE_ARRAY:
        return a3_bytes(c, out, depth);
    case AMF3_DATE:
        return a3_date(c, out, depth);
    case AMF3_ARRAY:
        return a3_array(c, out, depth);
    case AMF3_OBJECT:
        return a3_object(c, out, depth);
    default:
        return RTMPKIT_EPROTOCOL;
    }
}

int rk_amf3_read(rtmpkit_reader *r, rtmpkit_amf *out, int depth, rk_amf_budget *bg)
{
    struct a3_ctx c;
    int rc;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.bg = bg;
    memset(out, 0, sizeof *out);
    out->type = RTMPKIT_AMF_NULL;
    rc = a3_value(&c, out, depth);
    if (rc == 0 && r->err)
        rc = r->err;
    if (rc < 0)
        rtmpkit_amf_free(out);
    for (size_t i = 0; i < c.ntraits; i++)
        free(c.traits[i].names);
    free(c.traits);
    free(c.strs);
    free(c.objs);
    return rc;
}

int rtmpkit_amf3_decode(const uint8_t *buf, size_t len, rtmpkit_amf *out)
{
    rk_amf_budget bg = { 0, 0 };
    rtmpkit_reader r;
    int rc;
    if (!out)
        return RTMPKIT_EINTERNAL;
    if (len > 0x7fffffff)
        len = 0x7fffffff;
    rtmpkit_reader_init(&r, buf, len);
    rc = rk_amf3_read(&r, out, 0, &bg);
    return rc < 0 ? rc : (int)(len - rtmpkit_reader_left(&r));
}
