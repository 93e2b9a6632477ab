/* The tag header parsers of codecs/decode.c (legacy and Enhanced RTMP video and audio
 * headers: the server's bytes), without opening a decoder. They are static, so the file
 * is included here; FFmpeg is linked only because the rest of decode.c refers to it.
 * The first byte picks video or audio. Beyond what the sanitizers catch, the payload a
 * parse hands on must lie inside the body, and rk_tag_inspect must agree with it. */
#include "decode.c"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every payload byte is read into this, so that a payload past the body is an overread. */
static volatile unsigned payload_sum;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum rk_decoder_kind kind;
    struct rk_tag_info info;
    struct tag t;
    if (size < 1)
        return 0;
    kind = data[0] & 1 ? RK_DECODER_AUDIO : RK_DECODER_VIDEO;
    data++;
    size--;
    rk_tag_inspect(kind, data, size, &info);
    if (parse(kind, data, size, &t) < 0) {
        if (info.config || info.keyframe || info.frame)
            abort();   /* inspect reported a tag the parser rejects */
        return 0;
    }
    if (t.command)
        return 0;
    /* What rk_decoder_send would copy into a packet or extradata: inside the body. */
    if (t.data < data || t.len > size || t.data + t.len != data + size)
        abort();
    for (size_t i = 0; i < t.len; i++)
        payload_sum += t.data[i];
    if (info.config != t.config || info.frame != (!t.config && !t.end && t.len > 0))
        abort();
    return 0;
}
