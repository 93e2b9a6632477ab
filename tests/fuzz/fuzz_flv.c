/* The FLV reader over arbitrary bytes: header, then tags until an error or the end. */
#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/flv.h"

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
        used += (size_t)n;
    }
    return 0;
}
