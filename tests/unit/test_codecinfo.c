/* The bitstream parsers the library shares (core/bitreader.c, and rtmpkit_hevc_sps_parse
 * and rtmpkit_av1_seq_header_parse in core/codecinfo.c, which rtmp-probe and rtmp-push
 * both use): real headers from encoders, every cut of them, and hostile fields built bit
 * by bit. The SPS bytes are what ffmpeg's libx265 wrote (-f hevc), the OBUs what libaom
 * and libsvtav1 wrote (-f obu); the expected facts are ffprobe's. */
#include <math.h>
#include <string.h>

#include "bitreader.h"
#include "check.h"
#include "rtmpkit/codecinfo.h"
#include "rtmpkit/error.h"

/* libx265 -pix_fmt yuv420p10le, 318x178 (coded 320x184, conformance window right 2 and
 * bottom 6 luma samples): ffprobe says Main 10, level 60 (2.0). */
static const uint8_t sps_main10[] = {
    0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03,
    0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0b, 0x9d, 0x48, 0xd9, 0x65, 0x66, 0x92, 0x4c, 0xaf, 0x01, 0x68,
    0x08, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x40 };
/* libx265 -pix_fmt yuv444p, 322x240 (coded 328x240): ffprobe says Rext, level 60. */
static const uint8_t sps_rext444[] = {
    0x42, 0x01, 0x01, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x3c, 0x90, 0x01, 0x49, 0x01, 0xe3, 0x9f, 0xcb, 0x2b, 0x34, 0x92, 0x65, 0x78, 0x0b, 0x40, 0x40,
    0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x06, 0x58, 0x05, 0x25, 0x97, 0x80, 0x03, 0xd0, 0x90,
    0x00, 0x7a, 0x12, 0x20 };
/* libaom (gbrp: High profile), 320x240, timing info 25 fps: a temporal delimiter, then the
 * sequence header. */
static const uint8_t obus_aom[] = {
    0x12, 0x00, 0x0a, 0x16, 0x24, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x67, 0x40, 0x00, 0x00,
    0xbc, 0x3c, 0xff, 0xbc, 0xda, 0xf9, 0x20, 0x21, 0xa0, 0x04 };
/* libsvtav1, 320x240 Main, level index 0 (2.0), no timing info. */
static const uint8_t obus_svt[] = { 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0xfb, 0xf9, 0x00, 0x40 };

/* ---- a bit writer for hostile SPSs ---- */

struct writer {
    uint8_t buf[256];
    size_t bits;
};

static void put_bits(struct writer *w, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, w->bits++)
        if (v >> i & 1)
            w->buf[w->bits / 8] |= (uint8_t)(0x80 >> (w->bits % 8));
}

static void put_ue(struct writer *w, uint32_t v)
{
    uint64_t x = (uint64_t)v + 1;
    int len = 0;
    while (x >> (len + 1))
        len++;
    put_bits(w, 0, len);
    put_bits(w, x, len + 1);
}

/* The SPS fields rtmpkit_hevc_sps_parse reads, after a NAL header of type 33. */
struct sps_fields {
    int sub_layers_minus1, nesting, space, tier, profile, level;
    uint32_t chroma, width, height, crop[4], luma_minus8, chroma_minus8;
    int window;
};

static const struct sps_fields main8 = { 0, 1, 0, 0, 1, 93, 1, 1920, 1080, { 0 }, 0, 0, 0 };

/* The NAL of the RBSP written: emulation prevention bytes put in. */
static size_t escape(const struct writer *w, uint8_t *out)
{
    size_t n = 0, zeros = 0;
    for (size_t i = 0; i < (w->bits + 7) / 8; i++) {
        if (zeros >= 2 && w->buf[i] <= 3) {
            out[n++] = 3;
            zeros = 0;
        }
        zeros = w->buf[i] == 0 ? zeros + 1 : 0;
        out[n++] = w->buf[i];
    }
    return n;
}

/* Writes f as an SPS NAL (with emulation prevention) into out; returns its length. */
static size_t make_sps(const struct sps_fields *f, uint8_t *out)
{
    struct writer w = { { 0 }, 0 };
    put_bits(&w, 0x4201, 16);
    put_bits(&w, 0, 4);
    put_bits(&w, (uint32_t)f->sub_layers_minus1, 3);
    put_bits(&w, (uint32_t)f->nesting, 1);
    put_bits(&w, (uint32_t)f->space, 2);
    put_bits(&w, (uint32_t)f->tier, 1);
    put_bits(&w, (uint32_t)f->profile, 5);
    put_bits(&w, 0x40000000u >> (f->profile - 1), 32);
    put_bits(&w, 0xB00000000000ull, 48);
    put_bits(&w, (uint32_t)f->level, 8);
    for (int i = 0; i < f->sub_layers_minus1; i++)
        put_bits(&w, 3, 2);                            /* sub-layer profile and level present */
    if (f->sub_layers_minus1 > 0)
        put_bits(&w, 0, 2 * (8 - f->sub_layers_minus1));
    for (int i = 0; i < f->sub_layers_minus1; i++) {
        put_bits(&w, 0xFFFFFFFFFFFull, 44);            /* 88 bits of sub-layer profile: not zero */
        put_bits(&w, 0xFFFFFFFFFFFull, 44);
        put_bits(&w, 0x5A, 8);
    }
    put_ue(&w, 0);
    put_ue(&w, f->chroma);
    if (f->chroma == 3)
        put_bits(&w, 0, 1);
    put_ue(&w, f->width);
    put_ue(&w, f->height);
    put_bits(&w, (uint32_t)f->window, 1);
    if (f->window)
        for (int i = 0; i < 4; i++)
            put_ue(&w, f->crop[i]);
    put_ue(&w, f->luma_minus8);
    put_ue(&w, f->chroma_minus8);
    put_bits(&w, 1, 1);                                /* whatever follows */
    return escape(&w, out);
}

/* Each field of s as in want (one check each, so a failure names the field). */
static void check_sps(const rtmpkit_hevc_sps *s, const rtmpkit_hevc_sps *want)
{
    CHECK_INT(s->max_sub_layers, want->max_sub_layers);
    CHECK_INT(s->temporal_id_nesting, want->temporal_id_nesting);
    CHECK_INT(s->profile_space, want->profile_space);
    CHECK_INT(s->tier, want->tier);
    CHECK_INT(s->profile_idc, want->profile_idc);
    CHECK_INT(s->compatibility_flags, want->compatibility_flags);
    CHECK(s->constraint_flags == want->constraint_flags);
    CHECK_INT(s->level_idc, want->level_idc);
    CHECK_INT(s->chroma_format_idc, want->chroma_format_idc);
    CHECK_INT(s->bit_depth_luma, want->bit_depth_luma);
    CHECK_INT(s->bit_depth_chroma, want->bit_depth_chroma);
    CHECK_INT(s->width, want->width);
    CHECK_INT(s->height, want->height);
}

/* Writes f as an SPS and parses it. */
static int parse_made(const struct sps_fields *f, rtmpkit_hevc_sps *s)
{
    uint8_t nal[300];
    return rtmpkit_hevc_sps_parse(nal, make_sps(f, nal), s);
}

/* ---- tests ---- */

static void test_bit_reader(void)
{
    static const uint8_t data[] = { 0xA5, 0x39, 0xE0 };   /* 101 001010011 1 00111 1 00000 */
    static const uint8_t escaped[] = { 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x03, 0x00, 0x00, 0x03 };
    uint8_t out[16];
    rk_bits b;

    rk_bits_init(&b, data, sizeof data);
    CHECK_INT(rk_bits_read(&b, 3), 5);
    CHECK_INT(rk_bits_read(&b, 9), 0x053);             /* across a byte */
    CHECK_INT(rk_bits_ue(&b), 0);                      /* 1 */
    CHECK_INT(rk_bits_ue(&b), 6);                      /* 00111 */
    CHECK_INT(rk_bits_se(&b), 0);                      /* 1 */
    CHECK_INT(b.err, 0);
    CHECK_INT(rk_bits_read(&b, 8), 0);                 /* 5 bits left: past the end */
    CHECK_INT(b.err, RTMPKIT_ETRUNCATED);
    CHECK_INT(rk_bits_read(&b, 1), 0);                 /* sticky */

    rk_bits_init(&b, (const uint8_t *)"\x00\x00\x00\x00\x80", 5);
    CHECK_INT(rk_bits_ue(&b), 0);                      /* 32 leading zeros: malformed */
    CHECK_INT(b.err, RTMPKIT_EPROTOCOL);
    rk_bits_init(&b, (const uint8_t *)"\x00\x00\x00\x01\xFF\xFF\xFF\xFE", 8);
    CHECK_INT(rk_bits_ue(&b), 0xFFFFFFFEu);            /* 31 zeros: the largest value */
    CHECK_INT(b.err, 0);
    rk_bits_init(&b, (const uint8_t *)"\x00\x00\x00\x00\x80", 5);
    CHECK_INT(rk_bits_uvlc(&b), UINT32_MAX);           /* AV1: 32 zeros mean the largest */
    rk_bits_init(&b, (const uint8_t *)"\x28", 1);
    CHECK_INT(rk_bits_uvlc(&b), 4);                    /* 00101 */
    rk_bits_init(&b, data, sizeof data);
    rk_bits_skip(&b, 16);
    CHECK_INT(rk_bits_read(&b, 4), 14);
    rk_bits_skip(&b, 100);
    CHECK_INT(b.err, RTMPKIT_ETRUNCATED);

    /* 00 00 03 loses its 03 (also before 03 and at the end); 01 after it stays. */
    CHECK_INT(rk_nal_rbsp(escaped, sizeof escaped, out, sizeof out), 8);
    CHECK_MEM(out, "\x00\x00\x01\x00\x00\x03\x00\x00", 8);
    CHECK_INT(rk_nal_rbsp(escaped, sizeof escaped, out, 3), 3);   /* at most cap bytes */
}

static void test_hevc_sps_real(void)
{
    /* Main 10: compatibility flag [2]; progressive and frame only constraints. */
    static const rtmpkit_hevc_sps main10 = { 1, 1, 0, 0, 2, 0x20000000, 0x900000000000ull, 60, 1, 10, 10, 318, 178 };
    /* Rext: flag [4]; the 4:4:4 8-bit constraint flags. 4:4:4: the window counts single samples. */
    static const rtmpkit_hevc_sps rext444 = { 1, 1, 0, 0, 4, 0x08000000, 0x9e0800000000ull, 60, 3, 8, 8, 322, 240 };
    rtmpkit_hevc_sps s;
    CHECK_INT(rtmpkit_hevc_sps_parse(sps_main10, sizeof sps_main10, &s), 0);
    check_sps(&s, &main10);
    CHECK_INT(rtmpkit_hevc_sps_parse(sps_rext444, sizeof sps_rext444, &s), 0);
    check_sps(&s, &rext444);

    /* Cut anywhere: an error, or (once the bit depths are in) the same facts. */
    for (size_t n = 0; n < sizeof sps_main10; n++) {
        rtmpkit_hevc_sps c;
        int err = rtmpkit_hevc_sps_parse(sps_main10, n, &c);
        CHECK(err == 0 || err == RTMPKIT_ETRUNCATED);
        if (err == 0)
            CHECK(c.width == 318 && c.height == 178 && c.bit_depth_chroma == 10);
        if (n < 20)
            CHECK_INT(err, RTMPKIT_ETRUNCATED);
    }
    /* No SPS: a PPS, or too short for a NAL header. */
    CHECK_INT(rtmpkit_hevc_sps_parse((const uint8_t *)"\x44\x01\xc1\x72", 4, &s), RTMPKIT_EPROTOCOL);
    CHECK_INT(rtmpkit_hevc_sps_parse(sps_main10, 1, &s), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_hevc_sps_parse(NULL, 0, &s), RTMPKIT_ETRUNCATED);
}

static void test_hevc_sps_hostile(void)
{
    /* 4:2:2: a window unit is 2 samples across, 1 down. */
    static const rtmpkit_hevc_sps many = { 7, 0, 2, 1, 3, 0x10000000, 0xB00000000000ull, 93, 2, 16, 12, 1914, 1073 };
    uint8_t nal[300];
    rtmpkit_hevc_sps s;
    struct sps_fields f = main8;
    size_t n;

    /* The writer's own SPS first: every field where it was put. */
    CHECK_INT(parse_made(&f, &s), 0);
    CHECK_INT(s.width, 1920);
    CHECK_INT(s.height, 1080);
    CHECK_INT(s.level_idc, 93);
    CHECK_INT(s.bit_depth_luma, 8);
    f = (struct sps_fields){ 6, 0, 2, 1, 3, 93, 2, 1920, 1080, { 1, 2, 3, 4 }, 8, 4, 1 };   /* sub-layers to skip */
    CHECK_INT(parse_made(&f, &s), 0);
    check_sps(&s, &many);                              /* 16 bits: the largest depth */

    /* Bit depth minus 8 as large as ue(v) goes (2^32 - 2), or just past 16 bits: refused,
     * never 8 + it (the signed overflow CI's fuzzing found in both former copies). */
    f = main8;
    f.luma_minus8 = 0xFFFFFFFEu;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f.luma_minus8 = 9;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f.luma_minus8 = 0;
    f.chroma_minus8 = 0xFFFFFFFEu;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f.chroma_minus8 = 0x7FFFFFF8u;                     /* 8 + it is INT_MAX */
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    /* chroma_format_idc past 3; a size of 0 or past 65536; a window that leaves nothing,
     * or whose sum overflows 32 bits. */
    f = main8;
    f.chroma = 4;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f = main8;
    f.width = 0;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f.width = 65537;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f = main8;
    f.window = 1;
    f.crop[2] = 270;                                   /* 4:2:0: 2 * (270 + 270) = 1080 */
    f.crop[3] = 270;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    f.crop[2] = 0xFFFFFFFEu;
    f.crop[3] = 0xFFFFFFFEu;
    CHECK_INT(parse_made(&f, &s), RTMPKIT_EPROTOCOL);
    /* A ue(v) with 32 leading zeros (the width here). */
    {
        struct writer w = { { 0 }, 0 };
        put_bits(&w, 0x420101, 24);
        put_bits(&w, 0x016000000090ull, 48);           /* the general PTL */
        put_bits(&w, 0x00000000005Dull, 48);
        put_ue(&w, 0);
        put_ue(&w, 1);
        put_bits(&w, 0, 32);
        put_bits(&w, 0x1FFFF, 17);
        n = escape(&w, nal);
        CHECK_INT(rtmpkit_hevc_sps_parse(nal, n, &s), RTMPKIT_EPROTOCOL);
    }
}

static void test_av1_seq_header(void)
{
    rtmpkit_av1_seq_header sh;
    uint8_t obu[64];

    CHECK_INT(rtmpkit_av1_seq_header_parse(obus_aom, sizeof obus_aom, &sh), 1);
    CHECK_INT(sh.profile, 1);                          /* High */
    CHECK_INT(sh.level_idx, 0);
    CHECK_INT(sh.tier, 0);
    CHECK_INT(sh.width, 320);
    CHECK_INT(sh.height, 240);
    CHECK(fabs(sh.frame_rate - 25) < 1e-9);
    CHECK_INT(rtmpkit_av1_seq_header_parse(obus_svt, sizeof obus_svt, &sh), 1);
    CHECK_INT(sh.profile, 0);
    CHECK_INT(sh.width, 320);
    CHECK_INT(sh.height, 240);
    CHECK(sh.frame_rate == 0);
    /* Cut anywhere: an OBU cut short, or only the temporal delimiter whole. */
    for (size_t n = 0; n < sizeof obus_aom; n++)
        CHECK_INT(rtmpkit_av1_seq_header_parse(obus_aom, n, &sh), n == 0 || n == 2 ? 0 : RTMPKIT_ETRUNCATED);
    /* A sequence header without a size field, cut anywhere: never 1 before the frame size. */
    obu[0] = 0x08;
    memcpy(obu + 1, obus_svt + 2, sizeof obus_svt - 2);
    for (size_t n = 1; n < sizeof obus_svt - 1; n++) {
        int r = rtmpkit_av1_seq_header_parse(obu, n, &sh);
        CHECK(r == RTMPKIT_ETRUNCATED || (r == 1 && sh.width == 320 && sh.height == 240));
        if (n < 8)
            CHECK_INT(r, RTMPKIT_ETRUNCATED);
    }
    /* No sequence header: a temporal delimiter only. */
    CHECK_INT(rtmpkit_av1_seq_header_parse(obus_aom, 2, &sh), 0);
    CHECK_INT(rtmpkit_av1_seq_header_parse(NULL, 0, &sh), 0);
    /* A size field of 8 bytes all saying "more". */
    CHECK_INT(rtmpkit_av1_seq_header_parse((const uint8_t *)"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10, &sh),
              RTMPKIT_EPROTOCOL);
    /* A size past the end. */
    CHECK_INT(rtmpkit_av1_seq_header_parse((const uint8_t *)"\x0a\x0c\x00", 3, &sh), RTMPKIT_ETRUNCATED);
    /* With an extension header and no size field: the rest of the data is the OBU. */
    obu[0] = 0x0c;
    obu[1] = 0x00;
    memcpy(obu + 2, obus_svt + 2, sizeof obus_svt - 2);
    CHECK_INT(rtmpkit_av1_seq_header_parse(obu, sizeof obus_svt, &sh), 1);
    CHECK_INT(sh.width, 320);
}

int main(void)
{
    test_bit_reader();
    test_hevc_sps_real();
    test_hevc_sps_hostile();
    test_av1_seq_header();
    return check_report("codecinfo");
}
