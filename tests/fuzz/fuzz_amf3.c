/* AMF3 decoding: decode, re-encode as AMF0, decode that, compare. */
#include "amf_round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmpkit_amf v;
    int rc = rtmpkit_amf3_decode(data, size, &v);
    if (rc >= 0) {
        if (rc == 0 || (size_t)rc > size)
            abort();
        amf_round_trip(&v);
        rtmpkit_amf_free(&v);
    } else if (v.type != RTMPKIT_AMF_NULL || v.string || v.props || v.items) {
        abort();   /* a failure leaves nothing behind */
    }
    return 0;
}
