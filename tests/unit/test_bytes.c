#include "rtmpkit/bytes.h"
#include "check.h"
#include "rtmpkit/error.h"

static void test_reader(void)
{
    const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    rtmpkit_reader r;
    rtmpkit_reader_init(&r, data, sizeof data);
    CHECK_INT(rtmpkit_read_u8(&r), 1);
    CHECK_INT(rtmpkit_read_u16(&r), 0x0203);
    CHECK_INT(rtmpkit_read_u24(&r), 0x040506);
    CHECK_INT(rtmpkit_read_u32(&r), 0x0708090A);
    CHECK_INT(rtmpkit_read_u32le(&r), 0x0E0D0C0B);
    CHECK_INT(rtmpkit_reader_left(&r), 1);
    CHECK_INT(r.err, 0);
    /* Past the end: zero, sticky error, nothing consumed beyond the end. */
    CHECK_INT(rtmpkit_read_u16(&r), 0);
    CHECK_INT(r.err, RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_reader_left(&r), 0);
    CHECK_INT(rtmpkit_read_u8(&r), 0);
    CHECK(rtmpkit_read_bytes(&r, 1) == NULL);

    rtmpkit_reader_init(&r, data, 3);
    CHECK(rtmpkit_read_bytes(&r, 4) == NULL);
    CHECK_INT(r.err, RTMPKIT_ETRUNCATED);
    rtmpkit_reader_init(&r, NULL, 0);
    CHECK_INT(rtmpkit_read_u8(&r), 0);
    CHECK(r.err != 0);
}

static void test_double(void)
{
    rtmpkit_buf b;
    rtmpkit_reader r;
    const uint8_t one_point_five[8] = { 0x3F, 0xF8, 0, 0, 0, 0, 0, 0 };
    rtmpkit_buf_init(&b, 64);
    rtmpkit_put_f64(&b, 1.5);
    CHECK_INT(b.len, 8);
    CHECK_MEM(b.data, one_point_five, 8);
    rtmpkit_put_f64(&b, -1234.25);
    rtmpkit_reader_init(&r, b.data, b.len);
    CHECK(rtmpkit_read_f64(&r) == 1.5);
    CHECK(rtmpkit_read_f64(&r) == -1234.25);
    rtmpkit_buf_free(&b);
}

static void test_buf(void)
{
    rtmpkit_buf b;
    const uint8_t expected[] = { 0xAB, 0x12, 0x34, 0x01, 0x02, 0x03, 0xDE, 0xAD, 0xBE, 0xEF, 0x78, 0x56, 0x34, 0x12 };
    rtmpkit_buf_init(&b, 16);
    rtmpkit_put_u8(&b, 0xAB);
    rtmpkit_put_u16(&b, 0x1234);
    rtmpkit_put_u24(&b, 0x010203);
    rtmpkit_put_u32(&b, 0xDEADBEEF);
    rtmpkit_put_u32le(&b, 0x12345678);
    CHECK_INT(b.len, sizeof expected);
    CHECK_MEM(b.data, expected, sizeof expected);
    CHECK_INT(b.err, 0);
    /* Past the cap: error, and the write is dropped whole. */
    rtmpkit_put_u32(&b, 1);
    CHECK_INT(b.err, RTMPKIT_ELIMIT);
    CHECK_INT(b.len, sizeof expected);
    rtmpkit_put_u8(&b, 1);   /* sticky */
    CHECK_INT(b.len, sizeof expected);
    rtmpkit_buf_reset(&b);
    CHECK_INT(b.err, 0);
    CHECK_INT(b.len, 0);
    rtmpkit_put_bytes(&b, "abcdef", 6);
    rtmpkit_buf_consume(&b, 2);
    CHECK_INT(b.len, 4);
    CHECK_MEM(b.data, "cdef", 4);
    rtmpkit_buf_consume(&b, 100);
    CHECK_INT(b.len, 0);
    rtmpkit_buf_free(&b);

    /* Growth over many writes. */
    rtmpkit_buf_init(&b, 1 << 20);
    for (int i = 0; i < 100000; i++)
        rtmpkit_put_u8(&b, (uint8_t)i);
    CHECK_INT(b.len, 100000);
    CHECK_INT(b.data[99999], (uint8_t)99999);
    rtmpkit_buf_free(&b);
}

int main(void)
{
    test_reader();
    test_double();
    test_buf();
    return check_report("bytes");
}
