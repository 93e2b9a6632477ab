/* The byte-level parsers of codecs/push/avc_aac.c (Annex B, avcC, H.264 NAL headers, ADTS)
 * and enhanced.c (hvcC from Annex B, av1C from OBUs, FLAC, OpusHead).
 * The first byte picks the NAL length size for the frame scan. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/bytes.h"
#include "avc_aac.h"
#include "enhanced.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int length_sizes[4] = { 0, 1, 2, 4 };
    rk_h264_info info;
    rk_adts adts;
    rtmpkit_buf out;
    int length_size;
    if (size < 1)
        return 0;
    length_size = length_sizes[data[0] & 3];
    data++;
    size--;
    rtmpkit_buf_init(&out, 1u << 24);
    rk_h264_frame_info(data, size, length_size, &info);
    rk_annexb_to_avcc(data, size, (int)(size & 1), &out);
    rtmpkit_buf_reset(&out);
    rk_avcc_from_annexb(data, size, &out);
    rtmpkit_buf_reset(&out);
    rk_avcc_from_extradata(data, size, &out, &length_size);
    rk_avcc_length_size(data, size);
    if (rk_adts_parse(data, size, &adts) == 0) {
        uint8_t asc[2];
        rk_aac_asc_from_adts(&adts, asc);
    }
    /* The Enhanced RTMP records (enhanced.c): whatever is built is a record we accept. */
    rtmpkit_buf_reset(&out);
    if (rk_hvcc_from_annexb(data, size, &out) == 0 && rk_hvcc_length_size(out.data, out.len) != 4)
        abort();
    rtmpkit_buf_reset(&out);
    if (rk_av1c_from_obus(data, size, 8, 0, 1, 1, &out) == 0 && rk_av1c_check(out.data, out.len) != 0)
        abort();
    rtmpkit_buf_reset(&out);
    rk_hevc_annexb_to_lp(data, size, &out);
    rtmpkit_buf_reset(&out);
    rk_flac_config(data, size, &out);
    rk_hvcc_length_size(data, size);
    rk_opus_head_check(data, size);
    rtmpkit_buf_free(&out);
    return 0;
}
