/* The FLV reader over arbitrary bytes: header, then tags until an error or the end;
 * each data tag also goes through the recorder's onMetaData rewrite and rtmp-dump
 * --track's track map rewrite. */
#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/flv.h"

/* The rewrite's patch offsets must point at 8 bytes inside what it wrote. */
static void rewrite_metadata(const rtmpkit_flv_tag *tag)
{
    rtmpkit_buf out;
    size_t duration_at = 0, filesize_at = 0;
    rtmpkit_buf_init(&out, 64 * 1024);
    if (rtmpkit_flv_metadata_with_totals(tag->data, tag->size, &out, &duration_at, &filesize_at) == 0
        && (duration_at + 8 > out.len || filesize_at + 8 > out.len))
        __builtin_trap();
    rtmpkit_buf_free(&out);
}

/* Keeping track 1 (and the tag's last byte as a second id): a rewrite is an onMetaData
 * that decodes again. */
static void keep_tracks(const rtmpkit_flv_tag *tag)
{
    uint8_t keep[2] = { 1, tag->size ? tag->data[tag->size - 1] : 0 };
    rtmpkit_amf v[2];
    rtmpkit_buf out;
    int n;
    rtmpkit_buf_init(&out, 64 * 1024);
    if (rtmpkit_flv_metadata_keep_tracks(tag->data, tag->size, keep, 2, &out) == 2) {
        if (!rtmpkit_flv_is_metadata(out.data, out.len) || (n = rtmpkit_amf0_decode_all(out.data, out.len, v, 2)) != 2)
            __builtin_trap();
        rtmpkit_amf_free(&v[0]);
        rtmpkit_amf_free(&v[1]);
    }
    rtmpkit_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmpkit_flv_tag tag;
    int flags = 0;
    int n = rtmpkit_flv_read_header(data, size, &flags);
    size_t used;
    if (n <= 0)
        return 0;
    used = (size_t)n;
    while (used < size) {
        volatile uint8_t sink = 0;
        n = rtmpkit_flv_read_tag(data + used, size - used, &tag);
        if (n <= 0)
            break;
        if (tag.size)
            sink = tag.data[tag.size - 1];   /* the tag's bytes must be inside the input */
        (void)sink;
        if (tag.type == RTMPKIT_FLV_DATA) {
            rewrite_metadata(&tag);
            keep_tracks(&tag);
        }
        used += (size_t)n;
    }
    return 0;
}
