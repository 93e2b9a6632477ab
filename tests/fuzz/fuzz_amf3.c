/* AMF3 decoding: decode, re-encode as AMF0, decode that, compare. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "bytes.h"
#include "rtmpkit/amf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Equality, numbers compared bit for bit (NaN survives the round trip as NaN). */
static int same(const rtmpkit_amf *a, const rtmpkit_amf *b)
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
                || !same(&a->props[i].value, &b->props[i].value))
                return 0;
        return 1;
    case RTMPKIT_AMF_STRICT_ARRAY:
        if (a->count != b->count)
            return 0;
        for (size_t i = 0; i < a->count; i++)
            if (!same(&a->items[i], &b->items[i]))
                return 0;
        return 1;
    default:
        return 1;
    }
}

static void round_trip(const rtmpkit_amf *v)
{
    rk_buf b;
    rtmpkit_amf back;
    int rc;
    rk_buf_init(&b, 64u << 20);
    rk_amf0_put_value(&b, v);
    if (!b.err) {
        /* What we decoded and wrote, we read back the same. */
        rc = rtmpkit_amf0_decode(b.data, b.len, &back);
        if (rc < 0 || (size_t)rc != b.len || !same(v, &back))
            abort();
        rtmpkit_amf_free(&back);
    }
    rk_buf_free(&b);
    (void)rtmpkit_amf_get_string(v, "code");
    (void)rtmpkit_amf_get_number(v, "duration", 0);
    (void)rtmpkit_amf_get(v, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmpkit_amf v;
    int rc = rtmpkit_amf3_decode(data, size, &v);
    if (rc >= 0) {
        if (rc == 0 || (size_t)rc > size)
            abort();
        round_trip(&v);
        rtmpkit_amf_free(&v);
    } else if (v.type != RTMPKIT_AMF_NULL || v.string || v.props || v.items) {
        abort();   /* a failure leaves nothing behind */
    }
    return 0;
}
