/* Shared by the AMF fuzz targets and the AMF unit test: value equality, and the
 * decode -> encode -> decode round trip that must give the same value back. */
#ifndef AMF_ROUND_TRIP_H
#define AMF_ROUND_TRIP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/amf.h"

/* Equality, numbers compared bit for bit (NaN survives the round trip as NaN). */
static inline int amf_same(const rtmpkit_amf *a, const rtmpkit_amf *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case RTMPKIT_AMF_NUMBER:
    case RTMPKIT_AMF_DATE:
        return memcmp(&a->number, &b->number, sizeof a->number) == 0;
    case RTMPKIT_AMF_BOOLEAN:
        return a->boolean == b->boolean;
    case RTMPKIT_AMF_STRING:
        return a->length == b->length && memcmp(a->string, b->string, a->length) == 0
               && a->string[a->length] == 0;
    case RTMPKIT_AMF_OBJECT:
    case RTMPKIT_AMF_ECMA_ARRAY:
        if (a->count != b->count)
            return 0;
        for (size_t i = 0; i < a->count; i++)
            if (a->props[i].key_length != b->props[i].key_length
                || memcmp(a->props[i].key, b->props[i].key, a->props[i].key_length) != 0
                || !amf_same(&a->props[i].value, &b->props[i].value))
                return 0;
        return 1;
    case RTMPKIT_AMF_STRICT_ARRAY:
        if (a->count != b->count)
            return 0;
        for (size_t i = 0; i < a->count; i++)
            if (!amf_same(&a->items[i], &b->items[i]))
                return 0;
        return 1;
    default:
        return 1;
    }
}

static inline void amf_round_trip(const rtmpkit_amf *v)
{
    rtmpkit_buf b;
    rtmpkit_amf back;
    int rc;
    rtmpkit_buf_init(&b, 64u << 20);
    rtmpkit_amf0_put_value(&b, v);
    if (!b.err) {
        /* What we decoded and wrote, we read back the same. */
        rc = rtmpkit_amf0_decode(b.data, b.len, &back);
        if (rc < 0 || (size_t)rc != b.len || !amf_same(v, &back))
            abort();
        rtmpkit_amf_free(&back);
    }
    rtmpkit_buf_free(&b);
    (void)rtmpkit_amf_get_string(v, "code");
    (void)rtmpkit_amf_get_number(v, "duration", 0);
    (void)rtmpkit_amf_get(v, "");
}

#endif
