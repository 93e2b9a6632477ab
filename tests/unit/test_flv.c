#include "amf.h"
#include "rtmpkit/bytes.h"
#include "check.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/amf.h"
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
    CHECK_INT(rtmpkit_rb32(file + len), 16);
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

/* A publisher's onMetaData: width, an old duration and filesize, a nested object. */
static void put_source_metadata(rtmpkit_buf *b, int as_object)
{
    rtmpkit_amf0_put_string(b, "onMetaData");
    if (as_object)
        rtmpkit_put_u8(b, 0x03);
    else
        rtmpkit_amf0_put_ecma_array_start(b, 4);
    rtmpkit_amf0_put_key(b, "duration");
    rtmpkit_amf0_put_number(b, 99);
    rtmpkit_amf0_put_key(b, "width");
    rtmpkit_amf0_put_number(b, 640);
    rtmpkit_amf0_put_key(b, "filesize");
    rtmpkit_amf0_put_number(b, 12345);
    rtmpkit_amf0_put_key(b, "encoder");
    rtmpkit_amf0_put_string(b, "Lavf59");
    rtmpkit_amf0_put_object_end(b);
}

static void test_metadata_with_totals(void)
{
    for (int as_object = 0; as_object <= 1; as_object++) {
        rtmpkit_buf in, out;
        size_t duration_at = 0, filesize_at = 0;
        rtmpkit_amf v[2];
        rtmpkit_buf_init(&in, 4096);
        rtmpkit_buf_init(&out, 4096);
        put_source_metadata(&in, as_object);
        CHECK(rtmpkit_flv_is_metadata(in.data, in.len));
        CHECK_INT(rtmpkit_flv_metadata_with_totals(in.data, in.len, &out, &duration_at, &filesize_at), 0);
        /* The patch offsets hold the doubles of duration and filesize, in that order, last. */
        CHECK(duration_at > 0 && filesize_at == duration_at + 8 + 2 + 8 + 1);
        CHECK_MEM(out.data + duration_at - 1 - 8, "duration", 8);
        CHECK_MEM(out.data + filesize_at - 1 - 8, "filesize", 8);
        CHECK_INT(out.data[filesize_at + 8], 0);        /* then the object end 00 00 09 */
        CHECK_INT(out.data[filesize_at + 10], 9);
        CHECK_INT(out.len, filesize_at + 8 + 3);
        /* Same properties, the old totals gone, zeros in their place. */
        CHECK_INT(rtmpkit_amf0_decode_all(out.data, out.len, v, 2), 2);
        CHECK_STR(v[0].string, "onMetaData");
        CHECK_INT(v[1].type, RTMPKIT_AMF_ECMA_ARRAY);
        CHECK_INT(v[1].count, 4);
        if (v[1].count == 4) {
            CHECK_STR(v[1].props[0].key, "width");
            CHECK_INT(v[1].props[0].value.number, 640);
            CHECK_STR(v[1].props[1].key, "encoder");
            CHECK_STR(v[1].props[1].value.string, "Lavf59");
            CHECK_STR(v[1].props[2].key, "duration");
            CHECK_INT(v[1].props[2].value.number, 0);
            CHECK_STR(v[1].props[3].key, "filesize");
            CHECK_INT(v[1].props[3].value.number, 0);
        }
        rtmpkit_amf_free(&v[0]);
        rtmpkit_amf_free(&v[1]);
        rtmpkit_buf_free(&in);
        rtmpkit_buf_free(&out);
    }
}

static void test_metadata_refused(void)
{
    static const uint8_t cue_point[] = { 0x02, 0x00, 0x0A, 'o', 'n', 'C', 'u', 'e', 'P', 'o', 'i', 'n', 't', 0x05 };
    static const uint8_t no_array[] = { 0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 0x05 };
    static const uint8_t cut[] = { 0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 0x08, 0, 0, 0, 1, 0, 5, 'w' };
    rtmpkit_buf out, big;
    size_t d, f;
    rtmpkit_buf_init(&out, 4096);
    CHECK(!rtmpkit_flv_is_metadata(cue_point, sizeof cue_point));
    CHECK(!rtmpkit_flv_is_metadata(no_array, 12));   /* shorter than the name */
    CHECK_INT(rtmpkit_flv_metadata_with_totals(cue_point, sizeof cue_point, &out, &d, &f), RTMPKIT_EPROTOCOL);
    CHECK_INT(rtmpkit_flv_metadata_with_totals(no_array, sizeof no_array, &out, &d, &f), RTMPKIT_EPROTOCOL);
    CHECK_INT(rtmpkit_flv_metadata_with_totals(cut, sizeof cut, &out, &d, &f), RTMPKIT_EPROTOCOL);
    CHECK_INT(out.len, 0);
    /* An output cap too small for the copy is the buffer's error, not a silent cut. */
    rtmpkit_buf_init(&big, 4096);
    put_source_metadata(&big, 0);
    rtmpkit_buf_free(&out);
    rtmpkit_buf_init(&out, 16);
    CHECK(rtmpkit_flv_metadata_with_totals(big.data, big.len, &out, &d, &f) < 0);
    rtmpkit_buf_free(&out);
    rtmpkit_buf_free(&big);
}

/* onMetaData with track maps: audio {1, 2, 3} (an object), video {0, 1} (an ECMA array),
 * and a key that names no track. */
static void put_tracks_metadata(rtmpkit_buf *b)
{
    static const char *const audio[] = { "1", "2", "3", "name" };
    rtmpkit_amf0_put_string(b, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(b, 3);
    rtmpkit_amf0_put_key(b, "audiocodecid");
    rtmpkit_amf0_put_number(b, 10);
    rtmpkit_amf0_put_key(b, "audioTrackIdInfoMap");
    rtmpkit_amf0_put_object_start(b);
    for (int i = 0; i < 4; i++) {
        rtmpkit_amf0_put_key(b, audio[i]);
        rtmpkit_amf0_put_object_start(b);
        rtmpkit_amf0_put_key(b, "audiocodecid");
        rtmpkit_amf0_put_number(b, 1000 + i);
        rtmpkit_amf0_put_object_end(b);
    }
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_key(b, "videoTrackIdInfoMap");
    rtmpkit_amf0_put_ecma_array_start(b, 2);
    rtmpkit_amf0_put_key(b, "0");
    rtmpkit_amf0_put_number(b, 7);
    rtmpkit_amf0_put_key(b, "1");
    rtmpkit_amf0_put_number(b, 12);
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_object_end(b);
}

/* --track's onMetaData: the maps list the tracks kept, the rest is as it was. */
static void test_metadata_keep_tracks(void)
{
    static const uint8_t keep02[] = { 0, 2 }, keep_all[] = { 0, 1, 2, 3 }, keep1[] = { 1 }, keep7[] = { 7 };
    rtmpkit_buf in, out;
    rtmpkit_amf v[2];
    const rtmpkit_amf *map;
    rtmpkit_buf_init(&in, 4096);
    rtmpkit_buf_init(&out, 4096);
    put_tracks_metadata(&in);

    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, in.len, keep_all, 4, &out), 1);
    CHECK_INT(out.len, 0);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, in.len, keep02, 2, &out), 2);
    CHECK_INT(rtmpkit_amf0_decode_all(out.data, out.len, v, 2), 2);
    CHECK_STR(v[0].string, "onMetaData");
    CHECK_INT(v[1].count, 3);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "audiocodecid", -1), 10);
    map = rtmpkit_amf_get(&v[1], "audioTrackIdInfoMap");
    CHECK(map && map->count == 2);   /* "2" and the key that names no track */
    CHECK(map && rtmpkit_amf_get_number(rtmpkit_amf_get(map, "2"), "audiocodecid", -1) == 1001);
    CHECK(map && !rtmpkit_amf_get(map, "1") && !rtmpkit_amf_get(map, "3") && rtmpkit_amf_get(map, "name"));
    map = rtmpkit_amf_get(&v[1], "videoTrackIdInfoMap");
    CHECK(map && map->count == 1 && rtmpkit_amf_get_number(map, "0", -1) == 7);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);

    /* Track 1 only: the video map keeps "1"; keeping 7, the video map goes. */
    rtmpkit_buf_reset(&out);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, in.len, keep1, 1, &out), 2);
    CHECK_INT(rtmpkit_amf0_decode_all(out.data, out.len, v, 2), 2);
    map = rtmpkit_amf_get(&v[1], "videoTrackIdInfoMap");
    CHECK(map && map->count == 1 && rtmpkit_amf_get_number(map, "1", -1) == 12);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);
    rtmpkit_buf_reset(&out);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, in.len, keep7, 1, &out), 2);
    CHECK_INT(rtmpkit_amf0_decode_all(out.data, out.len, v, 2), 2);
    CHECK_INT(v[1].count, 1);   /* audiocodecid described track 0: no entry gives another */
    CHECK(!rtmpkit_amf_get(&v[1], "audiocodecid"));
    CHECK(!rtmpkit_amf_get(&v[1], "videoTrackIdInfoMap"));
    map = rtmpkit_amf_get(&v[1], "audioTrackIdInfoMap");
    CHECK(map && map->count == 1);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);

    /* No onMetaData, a cut one, an output too small. */
    rtmpkit_buf_reset(&out);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, 12, keep1, 1, &out), RTMPKIT_EPROTOCOL);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, in.len - 3, keep1, 1, &out), RTMPKIT_EPROTOCOL);
    CHECK_INT(out.len, 0);
    rtmpkit_buf_free(&out);
    rtmpkit_buf_init(&out, 16);
    CHECK(rtmpkit_flv_metadata_keep_tracks(in.data, in.len, keep1, 1, &out) < 0);
    rtmpkit_buf_free(&out);
    rtmpkit_buf_free(&in);
}

/* onMetaData of track 0 (AAC, H.264 160 wide) with audio tracks 1 (mp4a 48 kHz) and 2
 * (Opus), and video track 1 (hvc1 320 wide). */
static void put_default_metadata(rtmpkit_buf *b)
{
    rtmpkit_amf0_put_string(b, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(b, 7);
    rtmpkit_amf0_put_key(b, "audiocodecid");
    rtmpkit_amf0_put_number(b, 10);
    rtmpkit_amf0_put_key(b, "audiosamplerate");
    rtmpkit_amf0_put_number(b, 44100);
    rtmpkit_amf0_put_key(b, "videocodecid");
    rtmpkit_amf0_put_number(b, 7);
    rtmpkit_amf0_put_key(b, "width");
    rtmpkit_amf0_put_number(b, 160);
    rtmpkit_amf0_put_key(b, "audioTrackIdInfoMap");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "2");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "audiocodecid");
    rtmpkit_amf0_put_number(b, 0x4F707573);   /* Opus */
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_key(b, "1");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "audiocodecid");
    rtmpkit_amf0_put_number(b, 0x6D703461);   /* mp4a */
    rtmpkit_amf0_put_key(b, "audiosamplerate");
    rtmpkit_amf0_put_number(b, 48000);
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_key(b, "videoTrackIdInfoMap");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "1");
    rtmpkit_amf0_put_object_start(b);
    rtmpkit_amf0_put_key(b, "videocodecid");
    rtmpkit_amf0_put_number(b, 0x68766331);   /* hvc1 */
    rtmpkit_amf0_put_key(b, "width");
    rtmpkit_amf0_put_number(b, 320);
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_object_end(b);
    rtmpkit_amf0_put_key(b, "title");
    rtmpkit_amf0_put_string(b, "t");
    rtmpkit_amf0_put_object_end(b);
}

/* Keeps ids and decodes the result into v (2 values). */
static void keep_and_decode(const rtmpkit_buf *in, const uint8_t *keep, size_t n, int want, rtmpkit_amf v[2])
{
    rtmpkit_buf out;
    rtmpkit_buf_init(&out, 4096);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in->data, in->len, keep, n, &out), want);
    CHECK_INT(rtmpkit_amf0_decode_all(out.data, out.len, v, 2), 2);
    rtmpkit_buf_free(&out);
}

/* --track without 0: the top level describes the lowest kept track the maps list. */
static void test_metadata_new_default(void)
{
    static const uint8_t keep21[] = { 2, 1 }, keep2[] = { 2 }, keep02[] = { 0, 2 };
    rtmpkit_buf in, out;
    rtmpkit_amf v[2];
    rtmpkit_buf_init(&in, 4096);
    put_default_metadata(&in);

    keep_and_decode(&in, keep21, 2, 2, v);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "audiocodecid", -1), 0x6D703461);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "audiosamplerate", -1), 48000);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "videocodecid", -1), 0x68766331);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "width", -1), 320);
    CHECK_STR(rtmpkit_amf_get_string(&v[1], "title"), "t");
    CHECK_INT(v[1].count, 7);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);

    /* Track 2: audio Opus; no video track kept, so no videocodecid. */
    keep_and_decode(&in, keep2, 1, 2, v);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "audiocodecid", -1), 0x4F707573);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "audiosamplerate", -1), 44100);
    CHECK(!rtmpkit_amf_get(&v[1], "videocodecid") && !rtmpkit_amf_get(&v[1], "videoTrackIdInfoMap"));
    CHECK_INT(v[1].count, 5);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);

    /* Track 0 kept: the top level as it was. */
    keep_and_decode(&in, keep02, 2, 2, v);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "audiocodecid", -1), 10);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "videocodecid", -1), 7);
    CHECK_INT(rtmpkit_amf_get_number(&v[1], "width", -1), 160);
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);

    /* A track map that is no object is no map: the codec ids go, nothing is read from it. */
    rtmpkit_buf_reset(&in);
    rtmpkit_amf0_put_string(&in, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(&in, 2);
    rtmpkit_amf0_put_key(&in, "audiocodecid");
    rtmpkit_amf0_put_number(&in, 10);
    rtmpkit_amf0_put_key(&in, "audioTrackIdInfoMap");
    rtmpkit_amf0_put_string(&in, "1");
    rtmpkit_amf0_put_object_end(&in);
    keep_and_decode(&in, keep2, 1, 2, v);
    CHECK_INT(v[1].count, 1);
    CHECK(!rtmpkit_amf_get(&v[1], "audiocodecid"));
    rtmpkit_amf_free(&v[0]);
    rtmpkit_amf_free(&v[1]);
    rtmpkit_buf_init(&out, 4096);
    CHECK_INT(rtmpkit_flv_metadata_keep_tracks(in.data, in.len, keep02, 2, &out), 1);
    rtmpkit_buf_free(&out);
    rtmpkit_buf_free(&in);
}

int main(void)
{
    test_write_read();
    test_metadata_with_totals();
    test_metadata_refused();
    test_metadata_keep_tracks();
    test_metadata_new_default();
    return check_report("flv");
}
