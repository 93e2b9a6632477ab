#include "bytes.h"
#include "check.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"

static void test_write_read(void)
{
    uint8_t file[256];
    size_t len = 0;
    int flags = -1, n;
    rtmpkit_flv_tag tag;
    const uint8_t body[5] = { 0x17, 1, 0, 0, 0 };

    rtmpkit_flv_write_header(file, 1, 0);
    CHECK_MEM(file, "FLV\x01\x04\x00\x00\x00\x09\x00\x00\x00\x00", 13);
    len = RTMPKIT_FLV_HEADER_SIZE;
    /* A tag at 0x12345678 ms: 24 low bits, then the extension byte. */
    rtmpkit_flv_write_tag_header(file + len, RTMPKIT_FLV_VIDEO, sizeof body, 0x12345678);
    CHECK_MEM(file + len, "\x09\x00\x00\x05\x34\x56\x78\x12\x00\x00\x00", 11);
    len += RTMPKIT_FLV_TAG_HEADER_SIZE;
    memcpy(file + len, body, sizeof body);
    len += sizeof body;
    rtmpkit_flv_write_tag_trailer(file + len, sizeof body);
    CHECK_INT(rk_rb32(file + len), 16);
    len += 4;

    CHECK_INT(rtmpkit_flv_read_header(file, 8, &flags), 0);
    CHECK_INT(rtmpkit_flv_read_header(file, len, &flags), 13);
    CHECK_INT(flags, 4);
    for (size_t cut = 13; cut < len; cut++)
        CHECK_INT(rtmpkit_flv_read_tag(file + 13, cut - 13, &tag), 0);
    n = rtmpkit_flv_read_tag(file + 13, len - 13, &tag);
    CHECK_INT(n, (int)(len - 13));
    CHECK_INT(tag.type, 9);
    CHECK_INT(tag.size, 5);
    CHECK_INT(tag.timestamp, 0x12345678);
    CHECK_MEM(tag.data, body, 5);

    /* A PreviousTagSize that does not match, and a bad type. */
    file[len - 1] ^= 1;
    CHECK_INT(rtmpkit_flv_read_tag(file + 13, len - 13, &tag), RTMPKIT_EPROTOCOL);
    file[len - 1] ^= 1;
    file[13] = 7;
    CHECK_INT(rtmpkit_flv_read_tag(file + 13, len - 13, &tag), RTMPKIT_EPROTOCOL);
    file[13] = 0x29;   /* filter (encrypted) bit */
    CHECK_INT(rtmpkit_flv_read_tag(file + 13, len - 13, &tag), RTMPKIT_EPROTOCOL);
    CHECK_INT(rtmpkit_flv_read_header((const uint8_t *)"GIF89a\0\0\0\0\0\0\0", 13, &flags), RTMPKIT_EPROTOCOL);
    /* A data offset beyond reason is refused rather than waited for. */
    memcpy(file, "FLV\x01\x05\xff\xff\xff\xff", 9);
    CHECK_INT(rtmpkit_flv_read_header(file, 13, &flags), RTMPKIT_EPROTOCOL);
}

int main(void)
{
    test_write_read();
    return check_report("flv");
}
