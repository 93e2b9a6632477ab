/* AMF0/AMF3 decoding and AMF0 encoding on real byte arrays, plus the dangerous inputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "rtmpkit/bytes.h"
#include "../fuzz/amf_round_trip.h"
#include "check.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/error.h"

/* A byte builder for test messages, written marker by marker. */
struct bb {
    uint8_t *d;
    size_t n, cap;
};

static void b_bytes(struct bb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->d = realloc(b->d, b->cap);
        if (!b->d)
            abort();
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void b8(struct bb *b, uint8_t v) { b_bytes(b, &v, 1); }
static void b16(struct bb *b, uint16_t v) { b8(b, (uint8_t)(v >> 8)); b8(b, (uint8_t)v); }
static void b32(struct bb *b, uint32_t v) { b16(b, (uint16_t)(v >> 16)); b16(b, (uint16_t)v); }

static void b_f64(struct bb *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    for (int i = 7; i >= 0; i--)
        b8(b, (uint8_t)(bits >> (i * 8)));
}

static void b_num(struct bb *b, double v) { b8(b, 0x00); b_f64(b, v); }
static void b_bool(struct bb *b, int v) { b8(b, 0x01); b8(b, (uint8_t)v); }
static void b_key(struct bb *b, const char *k) { b16(b, (uint16_t)strlen(k)); b_bytes(b, k, strlen(k)); }
static void b_str(struct bb *b, const char *s) { b8(b, 0x02); b_key(b, s); }
static void b_end(struct bb *b) { b8(b, 0); b8(b, 0); b8(b, 0x09); }

static void b_free(struct bb *b)
{
    free(b->d);
    memset(b, 0, sizeof *b);
}


/* Decodes one value, checks it used all of buf and returns the error or 0. */
static int decode_whole(const uint8_t *buf, size_t len, rtmpkit_amf *v)
{
    int rc = rtmpkit_amf0_decode(buf, len, v);
    if (rc >= 0 && (size_t)rc != len) {
        rtmpkit_amf_free(v);
        return -1000;
    }
    return rc < 0 ? rc : 0;
}

/* Encodes v as AMF0, decodes that, and checks the trees are equal and that re-encoding
 * gives the same bytes. */
static void check_round_trip(const rtmpkit_amf *v)
{
    rtmpkit_buf b1, b2;
    rtmpkit_amf back;
    rtmpkit_buf_init(&b1, 1 << 24);
    rtmpkit_buf_init(&b2, 1 << 24);
    rtmpkit_amf0_put_value(&b1, v);
    CHECK_INT(b1.err, 0);
    CHECK_INT(decode_whole(b1.data, b1.len, &back), 0);
    CHECK(amf_same(v, &back));
    rtmpkit_amf0_put_value(&b2, &back);
    CHECK_INT(b2.len, b1.len);
    CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
    rtmpkit_amf_free(&back);
    rtmpkit_buf_free(&b1);
    rtmpkit_buf_free(&b2);
}

/* connect as ffmpeg sends it for playing (libavformat/rtmpproto.c gen_connect). */
static void build_ffmpeg_connect(struct bb *b)
{
    b_str(b, "connect");
    b_num(b, 1.0);
    b8(b, 0x03);
    b_key(b, "app"); b_str(b, "live");
    b_key(b, "flashVer"); b_str(b, "LNX 9,0,124,2");
    b_key(b, "tcUrl"); b_str(b, "rtmp://127.0.0.1:1935/live");
    b_key(b, "fpad"); b_bool(b, 0);
    b_key(b, "capabilities"); b_num(b, 15.0);
    b_key(b, "audioCodecs"); b_num(b, 4071.0);
    b_key(b, "videoCodecs"); b_num(b, 252.0);
    b_key(b, "videoFunction"); b_num(b, 1.0);
    b_end(b);
}

static void test_connect(void)
{
    struct bb b = { 0 };
    rtmpkit_amf v[8];
    rtmpkit_buf enc;
    build_ffmpeg_connect(&b);
    /* Spot check the first bytes against the wire format. */
    static const uint8_t head[] = { 0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't',
                                    0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x03, 0x00, 0x03,
                                    'a', 'p', 'p', 0x02, 0x00, 0x04, 'l', 'i', 'v', 'e' };
    CHECK_MEM(b.d, head, sizeof head);

    CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, v, 8), 3);
    CHECK_INT(v[0].type, RTMPKIT_AMF_STRING);
    CHECK_STR(v[0].string, "connect");
    CHECK_INT(v[0].length, 7);
    CHECK_INT(v[1].type, RTMPKIT_AMF_NUMBER);
    CHECK(v[1].number == 1.0);
    CHECK_INT(v[2].type, RTMPKIT_AMF_OBJECT);
    CHECK_INT(v[2].count, 8);
    CHECK_STR(rtmpkit_amf_get_string(&v[2], "app"), "live");
    CHECK_STR(rtmpkit_amf_get_string(&v[2], "tcUrl"), "rtmp://127.0.0.1:1935/live");
    CHECK(rtmpkit_amf_get_number(&v[2], "audioCodecs", -1) == 4071.0);
    CHECK(rtmpkit_amf_get_number(&v[2], "nothere", -1) == -1);
    CHECK(rtmpkit_amf_get_number(&v[2], "app", -2) == -2);   /* not a number */
    CHECK(rtmpkit_amf_get_string(&v[2], "capabilities") == NULL);
    CHECK(rtmpkit_amf_get(&v[2], "fpad") != NULL);
    CHECK_INT(rtmpkit_amf_get(&v[2], "fpad")->type, RTMPKIT_AMF_BOOLEAN);
    CHECK_INT(rtmpkit_amf_get(&v[2], "fpad")->boolean, 0);
    CHECK(rtmpkit_amf_get(&v[0], "app") == NULL);   /* not a map */
    CHECK(rtmpkit_amf_get(NULL, "app") == NULL);
    CHECK_STR(rtmpkit_amf_get_string(&v[0], NULL), "connect");
    CHECK(rtmpkit_amf_get_number(&v[1], NULL, 0) == 1.0);

    /* The encoders produce the same bytes... */
    rtmpkit_buf_init(&enc, 4096);
    rtmpkit_amf0_put_string(&enc, "connect");
    rtmpkit_amf0_put_number(&enc, 1.0);
    rtmpkit_amf0_put_object_start(&enc);
    rtmpkit_amf0_put_key(&enc, "app"); rtmpkit_amf0_put_string(&enc, "live");
    rtmpkit_amf0_put_key(&enc, "flashVer"); rtmpkit_amf0_put_string(&enc, "LNX 9,0,124,2");
    rtmpkit_amf0_put_key(&enc, "tcUrl"); rtmpkit_amf0_put_string(&enc, "rtmp://127.0.0.1:1935/live");
    rtmpkit_amf0_put_key(&enc, "fpad"); rtmpkit_amf0_put_bool(&enc, 0);
    rtmpkit_amf0_put_key(&enc, "capabilities"); rtmpkit_amf0_put_number(&enc, 15.0);
    rtmpkit_amf0_put_key(&enc, "audioCodecs"); rtmpkit_amf0_put_number(&enc, 4071.0);
    rtmpkit_amf0_put_key(&enc, "videoCodecs"); rtmpkit_amf0_put_number(&enc, 252.0);
    rtmpkit_amf0_put_key(&enc, "videoFunction"); rtmpkit_amf0_put_number(&enc, 1.0);
    rtmpkit_amf0_put_object_end(&enc);
    CHECK_INT(enc.err, 0);
    CHECK_INT(enc.len, b.n);
    CHECK(enc.len == b.n && memcmp(enc.data, b.d, b.n) == 0);

    /* ...and so does the tree encoder. */
    rtmpkit_buf_reset(&enc);
    for (int i = 0; i < 3; i++)
        rtmpkit_amf0_put_value(&enc, &v[i]);
    CHECK(enc.len == b.n && memcmp(enc.data, b.d, b.n) == 0);
    for (int i = 0; i < 3; i++) {
        check_round_trip(&v[i]);
        rtmpkit_amf_free(&v[i]);
    }
    CHECK_INT(v[2].type, RTMPKIT_AMF_NULL);
    rtmpkit_buf_free(&enc);

    /* decode_all: more values than room, trailing junk, empty input. */
    for (int i = 0; i < 8; i++)
        memset(&v[i], 0x5a, sizeof v[i]);
    /* Only the first two are decoded; the rest is not looked at, even if broken. */
    CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, v, 2), 2);
    CHECK_INT(v[0].type, RTMPKIT_AMF_STRING);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);
    CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n - 1, v, 2), 2);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);
    CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n - 1, v, 8), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode_all(b.d, 0, v, 8), 0);
    b8(&b, 0x04);   /* a movieclip after the command */
    CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, v, 8), RTMPKIT_EPROTOCOL);
    b_free(&b);
}

/* onStatus as nginx-rtmp sends it after publish (ngx_rtmp_cmd_module). */
static void test_nginx_onstatus(void)
{
    struct bb b = { 0 };
    rtmpkit_amf v[8];
    b_str(&b, "onStatus");
    b_num(&b, 0);
    b8(&b, 0x05);
    b8(&b, 0x03);
    b_key(&b, "level"); b_str(&b, "status");
    b_key(&b, "code"); b_str(&b, "NetStream.Publish.Start");
    b_key(&b, "description"); b_str(&b, "Start publishing");
    b_end(&b);
    CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, v, 8), 4);
    CHECK_INT(v[2].type, RTMPKIT_AMF_NULL);
    CHECK_STR(rtmpkit_amf_get_string(&v[3], "code"), "NetStream.Publish.Start");
    CHECK_STR(rtmpkit_amf_get_string(&v[3], "level"), "status");
    for (int i = 0; i < 4; i++)
        rtmpkit_amf_free(&v[i]);
    b_free(&b);
}

/* onMetaData in an ECMA array whose count hint is wrong (both ways). */
static void test_metadata_ecma(void)
{
    for (int hint = 0; hint < 3; hint++) {
        struct bb b = { 0 };
        rtmpkit_amf v[4];
        static const uint32_t hints[3] = { 0, 3, 1000000 };
        b_str(&b, "onMetaData");
        b8(&b, 0x08);
        b32(&b, hints[hint]);
        b_key(&b, "width"); b_num(&b, 1280);
        b_key(&b, "height"); b_num(&b, 720);
        b_key(&b, "encoder"); b_str(&b, "Lavf60.16.100");
        b_end(&b);
        CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, v, 4), 2);
        CHECK_INT(v[1].type, RTMPKIT_AMF_ECMA_ARRAY);
        CHECK_INT(v[1].count, 3);
        CHECK(rtmpkit_amf_get_number(&v[1], "width", 0) == 1280);
        CHECK_STR(rtmpkit_amf_get_string(&v[1], "encoder"), "Lavf60.16.100");
        check_round_trip(&v[1]);
        rtmpkit_amf_free(&v[0]);
        rtmpkit_amf_free(&v[1]);
        /* Without its end marker the array is truncated. */
        CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n - 3, v, 4), RTMPKIT_ETRUNCATED);
        b_free(&b);
    }
}

static void test_strict_array(void)
{
    struct bb b = { 0 };
    rtmpkit_amf v;
    /* A count of 4 billion and five bytes: fails before allocating anything. */
    b8(&b, 0x0a); b32(&b, 0xffffffffu);
    b_num(&b, 1);
    memset(&v, 0x5a, sizeof v);
    CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    CHECK(v.items == NULL && v.props == NULL && v.string == NULL);
    b_free(&b);

    /* A right count. */
    b8(&b, 0x0a); b32(&b, 3);
    b_num(&b, 1); b_str(&b, "two"); b8(&b, 0x05);
    CHECK_INT(decode_whole(b.d, b.n, &v), 0);
    CHECK_INT(v.type, RTMPKIT_AMF_STRICT_ARRAY);
    CHECK_INT(v.count, 3);
    CHECK_STR(v.items[1].string, "two");
    CHECK_INT(v.items[2].type, RTMPKIT_AMF_NULL);
    check_round_trip(&v);
    rtmpkit_amf_free(&v);
    /* One item short. */
    CHECK_INT(rtmpkit_amf0_decode(b.d, b.n - 1, &v), RTMPKIT_ETRUNCATED);
    b_free(&b);

    /* Empty. */
    b8(&b, 0x0a); b32(&b, 0);
    CHECK_INT(decode_whole(b.d, b.n, &v), 0);
    CHECK_INT(v.count, 0);
    check_round_trip(&v);
    rtmpkit_amf_free(&v);
    b_free(&b);

    /* More items than the element cap, with the bytes to back them. */
    b8(&b, 0x0a); b32(&b, RTMPKIT_AMF_MAX_ELEMENTS + 10);
    for (int i = 0; i < RTMPKIT_AMF_MAX_ELEMENTS + 10; i++)
        b8(&b, 0x05);
    CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    b_free(&b);
}

static void build_nested_objects(struct bb *b, int n)
{
    for (int i = 0; i < n; i++) {
        b8(b, 0x03);
        b_key(b, "a");
    }
    b_num(b, 42);
    for (int i = 0; i < n; i++)
        b_end(b);
}

static void test_limits(void)
{
    struct bb b = { 0 };
    rtmpkit_amf v;
    const rtmpkit_amf *p;

    build_nested_objects(&b, RTMPKIT_AMF_MAX_DEPTH);
    CHECK_INT(decode_whole(b.d, b.n, &v), 0);
    p = &v;
    for (int i = 0; i < RTMPKIT_AMF_MAX_DEPTH; i++)
        p = p ? rtmpkit_amf_get(p, "a") : NULL;
    CHECK(p && p->type == RTMPKIT_AMF_NUMBER && p->number == 42);
    check_round_trip(&v);
    rtmpkit_amf_free(&v);
    b_free(&b);

    build_nested_objects(&b, RTMPKIT_AMF_MAX_DEPTH + 1);
    CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    b_free(&b);

    /* Deep nesting of strict arrays, and far deeper than any stack would like. */
    for (int i = 0; i < 100000; i++) {
        b8(&b, 0x0a);
        b32(&b, 1);
    }
    b8(&b, 0x05);
    CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    b_free(&b);

    /* An ECMA array of 65536 values plus itself: one too many. */
    b8(&b, 0x08); b32(&b, 1);
    for (int i = 0; i < RTMPKIT_AMF_MAX_ELEMENTS; i++) {
        b16(&b, 0);       /* an empty key is a key, unless the end marker follows */
        b8(&b, 0x05);
    }
    b_end(&b);
    CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    b_free(&b);

    /* The cap holds across the values of one decode_all call. */
    {
        rtmpkit_amf vs[3];
        b8(&b, 0x0a); b32(&b, 40000);
        for (int i = 0; i < 40000; i++)
            b8(&b, 0x05);
        CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, vs, 3), 1);
        rtmpkit_amf_free(&vs[0]);
        {
            size_t n = b.n;
            uint8_t *copy = malloc(n);
            memcpy(copy, b.d, n);
            b_bytes(&b, copy, n);
            free(copy);
        }
        CHECK_INT(rtmpkit_amf0_decode_all(b.d, b.n, vs, 3), RTMPKIT_ELIMIT);
        b_free(&b);
    }

    /* Encoding a tree deeper than a decoder accepts is refused. */
    {
        rtmpkit_amf nodes[RTMPKIT_AMF_MAX_DEPTH + 1];
        rtmpkit_buf enc;
        for (int i = 0; i <= RTMPKIT_AMF_MAX_DEPTH; i++) {
            memset(&nodes[i], 0, sizeof nodes[i]);
            nodes[i].type = RTMPKIT_AMF_STRICT_ARRAY;
            nodes[i].items = i < RTMPKIT_AMF_MAX_DEPTH ? &nodes[i + 1] : NULL;
            nodes[i].count = i < RTMPKIT_AMF_MAX_DEPTH ? 1 : 0;
        }
        rtmpkit_buf_init(&enc, 1 << 20);
        rtmpkit_amf0_put_value(&enc, &nodes[0]);
        CHECK_INT(enc.err, RTMPKIT_ELIMIT);
        rtmpkit_buf_reset(&enc);
        rtmpkit_amf0_put_value(&enc, &nodes[1]);
        CHECK_INT(enc.err, 0);
        rtmpkit_buf_free(&enc);
    }
}

static void test_truncated(void)
{
    rtmpkit_amf v;
    static const uint8_t short_string[] = { 0x02, 0x00, 0x10, 'a', 'b' };
    static const uint8_t long_string[] = { 0x0c, 0xff, 0xff, 0xff, 0xff, 'a' };
    static const uint8_t key_past_end[] = { 0x03, 0x00, 0x20, 'k' };
    static const uint8_t number_short[] = { 0x00, 0x40, 0x45 };
    static const uint8_t no_value[] = { 0x03, 0x00, 0x01, 'k' };
    static const uint8_t date_short[] = { 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0x00 };
    static const uint8_t xml_short[] = { 0x0f, 0x00, 0x00, 0x01, 0x00 };
    static const uint8_t typed_short[] = { 0x10, 0x00, 0x09, 'F', 'o', 'o' };
    static const uint8_t ecma_short[] = { 0x08, 0x00, 0x00 };
    static const uint8_t bool_short[] = { 0x01 };
    CHECK_INT(rtmpkit_amf0_decode(short_string, sizeof short_string, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    CHECK_INT(rtmpkit_amf0_decode(long_string, sizeof long_string, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(key_past_end, sizeof key_past_end, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(number_short, sizeof number_short, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(no_value, sizeof no_value, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    CHECK_INT(rtmpkit_amf0_decode(date_short, sizeof date_short, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(xml_short, sizeof xml_short, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(typed_short, sizeof typed_short, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(ecma_short, sizeof ecma_short, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(bool_short, sizeof bool_short, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf0_decode(NULL, 0, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(rtmpkit_amf3_decode(NULL, 0, &v), RTMPKIT_ETRUNCATED);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
}

static void test_amf0_types(void)
{
    rtmpkit_amf v;
    /* Embedded NUL kept, length kept. */
    static const uint8_t nul_string[] = { 0x02, 0x00, 0x03, 'a', 0x00, 'b' };
    CHECK_INT(rtmpkit_amf0_decode(nul_string, sizeof nul_string, &v), 6);
    CHECK_INT(v.length, 3);
    CHECK_MEM(v.string, "a\0b", 4);
    check_round_trip(&v);
    rtmpkit_amf_free(&v);

    /* Date: ms since the epoch and a time zone we ignore. */
    {
        struct bb b = { 0 };
        b8(&b, 0x0b); b_f64(&b, 1700000000123.0); b16(&b, 0xfe20);
        CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), 11);
        CHECK_INT(v.type, RTMPKIT_AMF_DATE);
        CHECK(v.number == 1700000000123.0);
        check_round_trip(&v);
        rtmpkit_amf_free(&v);
        b_free(&b);
    }

    /* Long string (marker 12) and the encoder's choice of marker. */
    {
        struct bb b = { 0 };
        char *big = malloc(70001);
        rtmpkit_buf enc;
        memset(big, 'x', 70000);
        big[70000] = 0;
        b8(&b, 0x0c); b32(&b, 70000); b_bytes(&b, big, 70000);
        CHECK_INT(decode_whole(b.d, b.n, &v), 0);
        CHECK_INT(v.type, RTMPKIT_AMF_STRING);
        CHECK_INT(v.length, 70000);
        CHECK_INT(strlen(v.string), 70000);
        rtmpkit_amf_free(&v);
        rtmpkit_buf_init(&enc, 1 << 20);
        rtmpkit_amf0_put_string(&enc, big);
        CHECK_INT(enc.len, b.n);
        CHECK(enc.len == b.n && memcmp(enc.data, b.d, b.n) == 0);
        rtmpkit_buf_reset(&enc);
        rtmpkit_amf0_put_string_len(&enc, big, 65535);
        CHECK_INT(enc.data[0], 0x02);
        CHECK_INT(enc.len, 3 + 65535);
        rtmpkit_buf_reset(&enc);
        rtmpkit_amf0_put_string_len(&enc, big, 65536);
        CHECK_INT(enc.data[0], 0x0c);
        CHECK_INT(enc.len, 5 + 65536);
        rtmpkit_buf_reset(&enc);
        big[65536] = 0;
        rtmpkit_amf0_put_key(&enc, big);   /* keys cannot be that long */
        CHECK_INT(enc.err, RTMPKIT_ELIMIT);
        rtmpkit_buf_free(&enc);
        free(big);
        b_free(&b);
    }

    /* Typed object: the class name is dropped, the properties kept. */
    {
        struct bb b = { 0 };
        b8(&b, 0x10); b_key(&b, "flash.net.Thing");
        b_key(&b, "x"); b_num(&b, 1);
        b_key(&b, "y"); b_str(&b, "z");
        b_end(&b);
        CHECK_INT(decode_whole(b.d, b.n, &v), 0);
        CHECK_INT(v.type, RTMPKIT_AMF_OBJECT);
        CHECK_INT(v.count, 2);
        CHECK_STR(rtmpkit_amf_get_string(&v, "y"), "z");
        rtmpkit_amf_free(&v);
        b_free(&b);
    }

    /* Markers we read as undefined or string, and those we refuse. */
    {
        static const uint8_t ref[] = { 0x07, 0x00, 0x01 };
        static const uint8_t undef[] = { 0x06 };
        static const uint8_t unsup[] = { 0x0d };
        static const uint8_t xml[] = { 0x0f, 0, 0, 0, 3, '<', 'a', '>' };
        static const uint8_t clip[] = { 0x04 };
        static const uint8_t end[] = { 0x09 };
        static const uint8_t recordset[] = { 0x0e };
        static const uint8_t unknown[] = { 0x42 };
        static const uint8_t bool_two[] = { 0x01, 0x02 };
        CHECK_INT(rtmpkit_amf0_decode(ref, sizeof ref, &v), 3);
        CHECK_INT(v.type, RTMPKIT_AMF_UNDEFINED);
        CHECK_INT(rtmpkit_amf0_decode(undef, sizeof undef, &v), 1);
        CHECK_INT(v.type, RTMPKIT_AMF_UNDEFINED);
        CHECK_INT(rtmpkit_amf0_decode(unsup, sizeof unsup, &v), 1);
        CHECK_INT(v.type, RTMPKIT_AMF_UNDEFINED);
        CHECK_INT(rtmpkit_amf0_decode(xml, sizeof xml, &v), 8);
        CHECK_STR(v.string, "<a>");
        rtmpkit_amf_free(&v);
        CHECK_INT(rtmpkit_amf0_decode(bool_two, sizeof bool_two, &v), 2);
        CHECK_INT(v.boolean, 1);
        CHECK_INT(rtmpkit_amf0_decode(clip, sizeof clip, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf0_decode(end, sizeof end, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf0_decode(recordset, sizeof recordset, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf0_decode(unknown, sizeof unknown, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    }

    /* An error deep inside frees what was built (valgrind checks that). */
    {
        struct bb b = { 0 };
        b8(&b, 0x03);
        b_key(&b, "a"); b_str(&b, "built");
        b_key(&b, "b"); b8(&b, 0x0a); b32(&b, 2); b_str(&b, "item"); b8(&b, 0x04);
        b_end(&b);
        CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(v.type, RTMPKIT_AMF_NULL);
        b_free(&b);
    }

    /* The small encoders. */
    {
        rtmpkit_buf enc;
        static const uint8_t want[] = { 0x05, 0x01, 0x01, 0x02, 0x00, 0x00, 0x08, 0, 0, 0, 2,
                                        0x00, 0x01, 'k', 0x00, 0x00, 0x09 };
        rtmpkit_buf_init(&enc, 64);
        rtmpkit_amf0_put_null(&enc);
        rtmpkit_amf0_put_bool(&enc, 7);
        rtmpkit_amf0_put_string(&enc, NULL);
        rtmpkit_amf0_put_ecma_array_start(&enc, 2);
        rtmpkit_amf0_put_key(&enc, "k");
        rtmpkit_amf0_put_object_end(&enc);
        CHECK_INT(enc.len, sizeof want);
        CHECK_MEM(enc.data, want, sizeof want);
        rtmpkit_buf_reset(&enc);
        rtmpkit_amf0_put_value(&enc, NULL);
        CHECK_INT(enc.len, 1);
        CHECK_INT(enc.data[0], 0x05);
        rtmpkit_buf_free(&enc);
    }
}

/* AMF3 after the 0x11 switch. */
static void test_amf3_integers(void)
{
    static const struct {
        uint8_t bytes[5];
        size_t len;
        double value;
    } cases[] = {
        { { 0x00 }, 1, 0 },
        { { 0x7f }, 1, 127 },
        { { 0x81, 0x00 }, 2, 128 },
        { { 0xff, 0x7f }, 2, 16383 },
        { { 0x81, 0x80, 0x00 }, 3, 16384 },
        { { 0xbf, 0xff, 0xff, 0xff }, 4, 268435455 },     /* 2^28 - 1 */
        { { 0xff, 0xff, 0xff, 0xff }, 4, -1 },
        { { 0xff, 0xff, 0xff, 0xfe }, 4, -2 },
        { { 0xc0, 0x80, 0x80, 0x00 }, 4, -268435456 },    /* -2^28 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[8] = { 0x11, 0x04 };
        rtmpkit_amf v;
        memcpy(buf + 2, cases[i].bytes, cases[i].len);
        CHECK_INT(rtmpkit_amf0_decode(buf, 2 + cases[i].len, &v), (int)(2 + cases[i].len));
        CHECK_INT(v.type, RTMPKIT_AMF_NUMBER);
        CHECK(v.number == cases[i].value);
        /* As an AMF0 number on the way out. */
        check_round_trip(&v);
        /* And directly through the AMF3 entry point. */
        CHECK_INT(rtmpkit_amf3_decode(buf + 1, 1 + cases[i].len, &v), (int)(1 + cases[i].len));
        CHECK(v.number == cases[i].value);
        /* Cut short. */
        if (cases[i].len > 1)
            CHECK_INT(rtmpkit_amf0_decode(buf, 1 + cases[i].len, &v), RTMPKIT_ETRUNCATED);
    }
}

static void test_amf3_values(void)
{
    rtmpkit_amf v;
    /* Scalars. */
    {
        static const uint8_t in[] = { 0x09, 0x0d, 0x01,   /* dense array of 6 */
                                      0x00, 0x01, 0x02, 0x03,
                                      0x05, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
                                      0x08, 0x01, 0x42, 0x78, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00 };
        CHECK_INT(rtmpkit_amf3_decode(in, sizeof in, &v), (int)sizeof in);
        CHECK_INT(v.type, RTMPKIT_AMF_STRICT_ARRAY);
        CHECK_INT(v.count, 6);
        if (v.count == 6) {
            CHECK_INT(v.items[0].type, RTMPKIT_AMF_UNDEFINED);
            CHECK_INT(v.items[1].type, RTMPKIT_AMF_NULL);
            CHECK_INT(v.items[2].type, RTMPKIT_AMF_BOOLEAN);
            CHECK_INT(v.items[2].boolean, 0);
            CHECK_INT(v.items[3].boolean, 1);
            CHECK(v.items[4].number == 1.5);
            CHECK_INT(v.items[5].type, RTMPKIT_AMF_DATE);
            CHECK(v.items[5].number == 1700000000000.0);
        }
        check_round_trip(&v);
        rtmpkit_amf_free(&v);
    }
    /* Strings with references; an empty string is never a table entry. */
    {
        static const uint8_t in[] = { 0x09, 0x09, 0x01,
                                      0x06, 0x07, 'a', 'b', 'c',
                                      0x06, 0x01,
                                      0x06, 0x00,
                                      0x06, 0x00 };
        static const uint8_t bad_ref[] = { 0x09, 0x05, 0x01, 0x06, 0x07, 'a', 'b', 'c', 0x06, 0x02 };
        CHECK_INT(rtmpkit_amf3_decode(in, sizeof in, &v), (int)sizeof in);
        CHECK_INT(v.count, 4);
        if (v.count == 4) {
            CHECK_STR(v.items[0].string, "abc");
            CHECK_STR(v.items[1].string, "");
            CHECK_STR(v.items[2].string, "abc");
            CHECK(v.items[2].string != v.items[0].string);   /* an owned copy */
            CHECK_STR(v.items[3].string, "abc");
        }
        rtmpkit_amf_free(&v);
        CHECK_INT(rtmpkit_amf3_decode(bad_ref, sizeof bad_ref, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    }
    /* An array with an associative part is an ECMA array; dense items get keys. */
    {
        static const uint8_t in[] = { 0x09, 0x03, 0x03, 'k', 0x04, 0x05, 0x01, 0x06, 0x03, 'x' };
        CHECK_INT(rtmpkit_amf3_decode(in, sizeof in, &v), (int)sizeof in);
        CHECK_INT(v.type, RTMPKIT_AMF_ECMA_ARRAY);
        CHECK_INT(v.count, 2);
        CHECK(rtmpkit_amf_get_number(&v, "k", 0) == 5);
        CHECK_STR(rtmpkit_amf_get_string(&v, "0"), "x");
        check_round_trip(&v);
        rtmpkit_amf_free(&v);
    }
    /* Objects: inline traits, a traits reference, an object reference, dynamic members. */
    {
        static const uint8_t in[] = {
            0x09, 0x09, 0x01,                         /* [ (object 0) */
            0x0a, 0x23, 0x07, 'P', 't', 't',          /* object 1, traits 0: class "Ptt", 2 sealed */
            0x03, 'a', 0x03, 'b',                     /* sealed names a, b */
            0x04, 0x01, 0x04, 0x02,                   /* a=1 b=2 */
            0x0a, 0x01, 0x04, 0x03, 0x04, 0x7f,       /* object 2, traits ref 0: a=3 b=127 */
            0x0a, 0x02,                               /* object ref 1: a copy of {a:1,b:2} */
            0x0a, 0x0b, 0x01, 0x02, 0x04, 0x07,       /* dynamic, no class: "a"(ref 1)=7 */
            0x03, 'x', 0x06, 0x04, 0x01 };            /* x="b"(string ref 2); end */
        const rtmpkit_amf *o;
        CHECK_INT(rtmpkit_amf3_decode(in, sizeof in, &v), (int)sizeof in);
        CHECK_INT(v.type, RTMPKIT_AMF_STRICT_ARRAY);
        CHECK_INT(v.count, 4);
        if (v.count == 4) {
            o = &v.items[0];
            CHECK_INT(o->type, RTMPKIT_AMF_OBJECT);
            CHECK(rtmpkit_amf_get_number(o, "a", 0) == 1);
            CHECK(rtmpkit_amf_get_number(o, "b", 0) == 2);
            o = &v.items[1];
            CHECK(rtmpkit_amf_get_number(o, "a", 0) == 3);
            CHECK(rtmpkit_amf_get_number(o, "b", 0) == 127);
            o = &v.items[2];
            CHECK(amf_same(o, &v.items[0]));
            CHECK(o->props != v.items[0].props);
            o = &v.items[3];
            CHECK_INT(o->count, 2);
            CHECK(rtmpkit_amf_get_number(o, "a", 0) == 7);
            CHECK_STR(rtmpkit_amf_get_string(o, "x"), "b");
        }
        check_round_trip(&v);
        rtmpkit_amf_free(&v);
    }
    /* Refused: externalizable traits, a cycle, bad references, vectors, dictionaries. */
    {
        static const uint8_t ext[] = { 0x0a, 0x07, 0x07, 'F', 'o', 'o' };
        static const uint8_t cycle[] = { 0x0a, 0x0b, 0x01, 0x03, 'x', 0x0a, 0x00, 0x01 };
        static const uint8_t cycle_array[] = { 0x09, 0x03, 0x01, 0x09, 0x00 };
        static const uint8_t traits_ref[] = { 0x0a, 0x05 };
        static const uint8_t obj_ref[] = { 0x0a, 0x00 };
        static const uint8_t vec[] = { 0x0d, 0x01, 0x00 };
        static const uint8_t dict[] = { 0x11, 0x01, 0x00 };
        CHECK_INT(rtmpkit_amf3_decode(ext, sizeof ext, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf3_decode(cycle, sizeof cycle, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf3_decode(cycle_array, sizeof cycle_array, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf3_decode(traits_ref, sizeof traits_ref, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf3_decode(obj_ref, sizeof obj_ref, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf3_decode(vec, sizeof vec, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(rtmpkit_amf3_decode(dict, sizeof dict, &v), RTMPKIT_EPROTOCOL);
        CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    }
    /* Byte arrays, XML, and a reference to a byte array. */
    {
        static const uint8_t in[] = { 0x09, 0x07, 0x01,
                                      0x0c, 0x07, 'a', 0x00, 'b',
                                      0x0b, 0x07, '<', 'x', '>',
                                      0x0c, 0x02 };
        CHECK_INT(rtmpkit_amf3_decode(in, sizeof in, &v), (int)sizeof in);
        CHECK_INT(v.count, 3);
        if (v.count == 3) {
            CHECK_INT(v.items[0].type, RTMPKIT_AMF_STRING);
            CHECK_INT(v.items[0].length, 3);
            CHECK_MEM(v.items[0].string, "a\0b", 4);
            CHECK_STR(v.items[1].string, "<x>");
            CHECK(amf_same(&v.items[2], &v.items[0]));
        }
        rtmpkit_amf_free(&v);
    }
    /* A huge dense count with few bytes fails fast. */
    {
        static const uint8_t in[] = { 0x09, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01 };
        static const uint8_t sealed[] = { 0x0a, 0xff, 0xff, 0xff, 0xf3, 0x01, 0x01 };
        CHECK_INT(rtmpkit_amf3_decode(in, sizeof in, &v), RTMPKIT_ETRUNCATED);
        CHECK_INT(rtmpkit_amf3_decode(sealed, sizeof sealed, &v), RTMPKIT_ETRUNCATED);
        CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    }
}

/* AMF3's variable-length U29 (1 to 4 bytes). */
static void b_u29(struct bb *b, uint32_t v)
{
    if (v < 0x80) {
        b8(b, (uint8_t)v);
    } else if (v < 0x4000) {
        b8(b, (uint8_t)(0x80 | v >> 7)); b8(b, (uint8_t)(v & 0x7f));
    } else if (v < 0x200000) {
        b8(b, (uint8_t)(0x80 | v >> 14)); b8(b, (uint8_t)(0x80 | ((v >> 7) & 0x7f))); b8(b, (uint8_t)(v & 0x7f));
    } else {
        b8(b, (uint8_t)(0x80 | v >> 22)); b8(b, (uint8_t)(0x80 | ((v >> 15) & 0x7f)));
        b8(b, (uint8_t)(0x80 | ((v >> 8) & 0x7f))); b8(b, (uint8_t)v);
    }
}

/* An inline object with inline, sealed traits of n empty names (class ""). */
static void b_sealed_object(struct bb *b, uint32_t n)
{
    b8(b, 0x0a);
    b_u29(b, n << 4 | 0x3);
    b8(b, 0x01);
    for (uint32_t i = 0; i < n; i++)
        b8(b, 0x01);
}

/* Trait member names are capped before their array is allocated: one trait, or several
 * together, past the element cap is ELIMIT (it used to allocate 16 bytes a name for as
 * many names as the message had bytes, and fail later on running out of input). */
static void test_amf3_trait_names(void)
{
    struct bb b = { 0 };
    rtmpkit_amf v;

    b_sealed_object(&b, RTMPKIT_AMF_MAX_ELEMENTS + 1);
    CHECK_INT(rtmpkit_amf3_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    b_free(&b);

    /* Two traits of 40000 names: the second one (the first value of the first object)
     * crosses the cap, whatever follows. */
    b_sealed_object(&b, 40000);
    b_sealed_object(&b, 40000);
    for (int i = 0; i < 80000; i++)
        b8(&b, 0x01);
    CHECK_INT(rtmpkit_amf3_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    b_free(&b);

    /* Under the cap a sealed object decodes. */
    b_sealed_object(&b, 1000);
    for (int i = 0; i < 1000; i++)
        b8(&b, 0x04), b8(&b, (uint8_t)(i & 0x7f));
    CHECK_INT(rtmpkit_amf3_decode(b.d, b.n, &v), (int)b.n);
    CHECK_INT(v.type, RTMPKIT_AMF_OBJECT);
    rtmpkit_amf_free(&v);
    b_free(&b);
}

static void test_amf3_limits(void)
{
    struct bb b = { 0 };
    rtmpkit_amf v;

    /* AMF0 objects, then AMF3 arrays: the depth counts both. */
    for (int extra = 0; extra < 2; extra++) {
        int amf0 = 20, amf3 = RTMPKIT_AMF_MAX_DEPTH - 20 + extra;
        for (int i = 0; i < amf0; i++) {
            b8(&b, 0x03);
            b_key(&b, "a");
        }
        b8(&b, 0x11);
        for (int i = 0; i < amf3; i++) {
            b8(&b, 0x09); b8(&b, 0x03); b8(&b, 0x01);
        }
        b8(&b, 0x04); b8(&b, 0x05);
        for (int i = 0; i < amf0; i++)
            b_end(&b);
        if (!extra) {
            CHECK_INT(decode_whole(b.d, b.n, &v), 0);
            check_round_trip(&v);
            rtmpkit_amf_free(&v);
        } else {
            CHECK_INT(rtmpkit_amf0_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
        }
        b_free(&b);
    }

    /* References that double at each step (a billion laughs): the element cap stops
     * the copies. Outer array (object 0) of 30 arrays; array k+1 = [ref k+1, ref k+1]. */
    b8(&b, 0x09); b8(&b, 30 << 1 | 1); b8(&b, 0x01);
    b8(&b, 0x09); b8(&b, 0x05); b8(&b, 0x01); b8(&b, 0x04); b8(&b, 0x01); b8(&b, 0x04); b8(&b, 0x01);
    for (int k = 1; k < 30; k++) {
        b8(&b, 0x09); b8(&b, 0x05); b8(&b, 0x01);
        b8(&b, 0x09); b8(&b, (uint8_t)(k << 1));
        b8(&b, 0x09); b8(&b, (uint8_t)(k << 1));
    }
    CHECK_INT(rtmpkit_amf3_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
    CHECK_INT(v.type, RTMPKIT_AMF_NULL);
    b_free(&b);

    /* A deep copy placed deeper than its original may not exceed the depth cap. */
    {
        int n = RTMPKIT_AMF_MAX_DEPTH - 2;
        /* [ x, [[[...x...]]] ] where x = 16 nested arrays (object 1..16), then a chain of
         * n arrays whose innermost item references object 1. */
        b8(&b, 0x09); b8(&b, 0x05); b8(&b, 0x01);
        for (int i = 0; i < 16; i++) {
            b8(&b, 0x09); b8(&b, 0x03); b8(&b, 0x01);
        }
        b8(&b, 0x01);
        for (int i = 0; i < n; i++) {
            b8(&b, 0x09); b8(&b, 0x03); b8(&b, 0x01);
        }
        b8(&b, 0x09); b8(&b, 0x02);
        CHECK_INT(rtmpkit_amf3_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
        b_free(&b);
    }

    /* One big string referenced many times: the copied bytes are capped. */
    {
        size_t big = 1 << 20;
        int refs = 20;
        b8(&b, 0x09);
        b8(&b, (uint8_t)((refs + 1) << 1 | 1)); b8(&b, 0x01);
        b8(&b, 0x06);
        /* U29 of big << 1 | 1 = 0x200001: 0x80 | 0x00, 0x80 | 0x40, 0x00, ... as 4 bytes */
        {
            uint32_t h = (uint32_t)(big << 1 | 1);
            b8(&b, (uint8_t)(0x80 | (h >> 22)));
            b8(&b, (uint8_t)(0x80 | ((h >> 15) & 0x7f)));
            b8(&b, (uint8_t)(0x80 | ((h >> 8) & 0x7f)));
            b8(&b, (uint8_t)h);
        }
        for (size_t i = 0; i < big; i++)
            b8(&b, 'k');
        for (int i = 0; i < refs; i++) {
            b8(&b, 0x06); b8(&b, 0x00);
        }
        CHECK_INT(rtmpkit_amf3_decode(b.d, b.n, &v), RTMPKIT_ELIMIT);
        /* With fewer references it is fine. */
        b.d[1] = (uint8_t)(4 << 1 | 1);
        CHECK_INT(rtmpkit_amf3_decode(b.d, b.n - (size_t)(refs - 3) * 2, &v),
                  (int)(b.n - (size_t)(refs - 3) * 2));
        CHECK_INT(v.count, 4);
        if (v.count == 4)
            CHECK_INT(v.items[3].length, big);
        rtmpkit_amf_free(&v);
        b_free(&b);
    }
}

int main(void)
{
    test_connect();
    test_nginx_onstatus();
    test_metadata_ecma();
    test_strict_array();
    test_limits();
    test_truncated();
    test_amf0_types();
    test_amf3_integers();
    test_amf3_values();
    test_amf3_limits();
    test_amf3_trait_names();
    return check_report("amf");
}
