/* AMF0 decoding (with AMF3 inside via 0x11): decode, re-encode, decode again, compare. */
#include "amf_round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmpkit_amf v, all[8];
    int rc = rtmpkit_amf0_decode(data, size, &v);
    if (rc >= 0) {
        if (rc == 0 || (size_t)rc > size)
            abort();
        amf_round_trip(&v);
        rtmpkit_amf_free(&v);
    } else if (v.type != RTMPKIT_AMF_NULL || v.string || v.props || v.items) {
        abort();   /* a failure leaves nothing behind */
    }
    rc = rtmpkit_amf0_decode_all(data, size, all, 8);
    for (int i = 0; i < rc; i++) {
        amf_round_trip(&all[i]);
        rtmpkit_amf_free(&all[i]);
    }
    return 0;
}
