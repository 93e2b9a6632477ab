#include "rtmpkit/flv.h"

#include "bytes.h"
#include "rtmpkit/error.h"

#define FLV_AUDIO_FLAG 0x04
#define FLV_VIDEO_FLAG 0x01

void rtmpkit_flv_write_header(uint8_t out[RTMPKIT_FLV_HEADER_SIZE], int has_audio, int has_video)
{
    out[0] = 'F';
    out[1] = 'L';
    out[2] = 'V';
    out[3] = 1;
    out[4] = (uint8_t)((has_audio ? FLV_AUDIO_FLAG : 0) | (has_video ? FLV_VIDEO_FLAG : 0));
    rk_wb32(out + 5, 9);
    rk_wb32(out + 9, 0);
}

void rtmpkit_flv_write_tag_header(uint8_t out[RTMPKIT_FLV_TAG_HEADER_SIZE], uint8_t type,
                                  uint32_t data_size, uint32_t timestamp)
{
    out[0] = type;
    rk_wb24(out + 1, data_size);
    rk_wb24(out + 4, timestamp & 0xFFFFFF);
    out[7] = (uint8_t)(timestamp >> 24);
    rk_wb24(out + 8, 0);
}

void rtmpkit_flv_write_tag_trailer(uint8_t out[4], uint32_t data_size)
{
    rk_wb32(out, data_size + RTMPKIT_FLV_TAG_HEADER_SIZE);
}

int rtmpkit_flv_read_header(const uint8_t *buf, size_t len, int *flags)
{
    uint32_t data_offset;
    if (len < 9)
        return 0;
    if (buf[0] != 'F' || buf[1] != 'L' || buf[2] != 'V')
        return RTMPKIT_EPROTOCOL;
    data_offset = rk_rb32(buf + 5);
    /* The header may announce extra bytes before the first PreviousTagSize; cap them. */
    if (data_offset < 9 || data_offset > 1024)
        return RTMPKIT_EPROTOCOL;
    if (len < (size_t)data_offset + 4)
        return 0;
    if (flags)
        *flags = buf[4] & (FLV_AUDIO_FLAG | FLV_VIDEO_FLAG);
    return (int)data_offset + 4;
}

int rtmpkit_flv_read_tag(const uint8_t *buf, size_t len, rtmpkit_flv_tag *tag)
{
    uint32_t size, previous;
    if (len < RTMPKIT_FLV_TAG_HEADER_SIZE)
        return 0;
    /* Bits 5-7 of the type byte are reserved / the filter flag; reject encrypted tags. */
    if (buf[0] & 0xE0)
        return RTMPKIT_EPROTOCOL;
    size = rk_rb24(buf + 1);
    if ((size_t)size + RTMPKIT_FLV_TAG_HEADER_SIZE + 4 > len)
        return 0;
    previous = rk_rb32(buf + RTMPKIT_FLV_TAG_HEADER_SIZE + size);
    /* Some writers leave PreviousTagSize at 0; anything else must match. */
    if (previous != 0 && previous != size + RTMPKIT_FLV_TAG_HEADER_SIZE)
        return RTMPKIT_EPROTOCOL;
    tag->type = buf[0] & 0x1F;
    tag->size = size;
    tag->timestamp = rk_rb24(buf + 4) | (uint32_t)buf[7] << 24;
    tag->data = buf + RTMPKIT_FLV_TAG_HEADER_SIZE;
    if (tag->type != RTMPKIT_FLV_AUDIO && tag->type != RTMPKIT_FLV_VIDEO && tag->type != RTMPKIT_FLV_DATA)
        return RTMPKIT_EPROTOCOL;
    return (int)(size + RTMPKIT_FLV_TAG_HEADER_SIZE + 4);
}
