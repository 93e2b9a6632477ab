#include "rtmpkit/flv.h"

#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/amf.h"
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
    rtmpkit_wb32(out + 5, 9);
    rtmpkit_wb32(out + 9, 0);
}

void rtmpkit_flv_write_tag_header(uint8_t out[RTMPKIT_FLV_TAG_HEADER_SIZE], uint8_t type,
                                  uint32_t data_size, uint32_t timestamp)
{
    out[0] = type;
    rtmpkit_wb24(out + 1, data_size);
    rtmpkit_wb24(out + 4, timestamp & 0xFFFFFF);
    out[7] = (uint8_t)(timestamp >> 24);
    rtmpkit_wb24(out + 8, 0);
}

void rtmpkit_flv_write_tag_trailer(uint8_t out[4], uint32_t data_size)
{
    rtmpkit_wb32(out, data_size + RTMPKIT_FLV_TAG_HEADER_SIZE);
}

int rtmpkit_flv_read_header(const uint8_t *buf, size_t len, int *flags)
{
    uint32_t data_offset;
    if (len < 9)
        return 0;
    if (buf[0] != 'F' || buf[1] != 'L' || buf[2] != 'V')
        return RTMPKIT_EPROTOCOL;
    data_offset = rtmpkit_rb32(buf + 5);
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
    size = rtmpkit_rb24(buf + 1);
    if ((size_t)size + RTMPKIT_FLV_TAG_HEADER_SIZE + 4 > len)
        return 0;
    previous = rtmpkit_rb32(buf + RTMPKIT_FLV_TAG_HEADER_SIZE + size);
    /* Some writers leave PreviousTagSize at 0; anything else must match. */
    if (previous != 0 && previous != size + RTMPKIT_FLV_TAG_HEADER_SIZE)
        return RTMPKIT_EPROTOCOL;
    tag->type = buf[0] & 0x1F;
    tag->size = size;
    tag->timestamp = rtmpkit_rb24(buf + 4) | (uint32_t)buf[7] << 24;
    tag->data = buf + RTMPKIT_FLV_TAG_HEADER_SIZE;
    if (tag->type != RTMPKIT_FLV_AUDIO && tag->type != RTMPKIT_FLV_VIDEO && tag->type != RTMPKIT_FLV_DATA)
        return RTMPKIT_EPROTOCOL;
    return (int)(size + RTMPKIT_FLV_TAG_HEADER_SIZE + 4);
}

/* AMF0 string "onMetaData". */
static const uint8_t on_metadata[] = { 0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a' };

int rtmpkit_flv_is_metadata(const uint8_t *data, size_t len)
{
    return len >= sizeof on_metadata && memcmp(data, on_metadata, sizeof on_metadata) == 0;
}

/* Appends "key": 0.0 and returns where the double is. */
static size_t put_zero_number(rtmpkit_buf *out, const char *key)
{
    size_t at;
    rtmpkit_amf0_put_key(out, key);
    at = out->len + 1;   /* after the number marker */
    rtmpkit_amf0_put_number(out, 0);
    return at;
}

int rtmpkit_flv_metadata_with_totals(const uint8_t *data, size_t len, rtmpkit_buf *out,
                                size_t *duration_at, size_t *filesize_at)
{
    rtmpkit_amf values[2];
    const rtmpkit_amf *props = &values[1];
    int n = rtmpkit_flv_is_metadata(data, len) ? rtmpkit_amf0_decode_all(data, len, values, 2) : 0;
    int err = RTMPKIT_EPROTOCOL;

    if (n != 2 || (props->type != RTMPKIT_AMF_ECMA_ARRAY && props->type != RTMPKIT_AMF_OBJECT))
        goto done;
    rtmpkit_amf0_put_string(out, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(out, (uint32_t)props->count + 2);
    for (size_t i = 0; i < props->count; i++) {
        const rtmpkit_amf_prop *p = &props->props[i];
        if (strcmp(p->key, "duration") == 0 || strcmp(p->key, "filesize") == 0)
            continue;
        rtmpkit_amf0_put_key(out, p->key);
        rtmpkit_amf0_put_value(out, &p->value);
    }
    *duration_at = put_zero_number(out, "duration");
    *filesize_at = put_zero_number(out, "filesize");
    rtmpkit_amf0_put_object_end(out);
    err = out->err;
done:
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&values[i]);
    return err;
}

static const char *const track_maps[] = { "audioTrackIdInfoMap", "videoTrackIdInfoMap" };

static int is_track_map(const char *key)
{
    return strcmp(key, track_maps[0]) == 0 || strcmp(key, track_maps[1]) == 0;
}

/* 1 when a map's key names a kept track ("0".."255" among keep); other keys are kept. */
static int track_key_kept(const char *key, const uint8_t *keep, size_t n)
{
    char *end;
    unsigned long id = strtoul(key, &end, 10);
    if (!*key || *end || id > 255)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (keep[i] == id)
            return 1;
    return 0;
}

/* The entries of a track map that are kept. */
static size_t kept_entries(const rtmpkit_amf *map, const uint8_t *keep, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < map->count; i++)
        count += track_key_kept(map->props[i].key, keep, n);
    return count;
}

/* Writes a track map with its kept entries, as an object. */
static void put_kept_map(rtmpkit_buf *out, const rtmpkit_amf *map, const uint8_t *keep, size_t n)
{
    rtmpkit_amf0_put_object_start(out);
    for (size_t i = 0; i < map->count; i++) {
        if (!track_key_kept(map->props[i].key, keep, n))
            continue;
        rtmpkit_amf0_put_key(out, map->props[i].key);
        rtmpkit_amf0_put_value(out, &map->props[i].value);
    }
    rtmpkit_amf0_put_object_end(out);
}

/* A property that is a track map (an object or ECMA array under one of the two names). */
static int track_map_prop(const rtmpkit_amf_prop *p)
{
    return is_track_map(p->key) && (p->value.type == RTMPKIT_AMF_OBJECT || p->value.type == RTMPKIT_AMF_ECMA_ARRAY);
}

/* The entry of a track map for the lowest kept track id it lists with an object: the track
 * that becomes the default when track 0 is not kept. NULL when there is none. */
static const rtmpkit_amf *default_entry(const rtmpkit_amf *map, const uint8_t *keep, size_t n)
{
    const rtmpkit_amf *found = NULL;
    unsigned long best = 256;
    for (size_t i = 0; map && i < map->count; i++) {
        const rtmpkit_amf_prop *p = &map->props[i];
        char *end;
        unsigned long id = strtoul(p->key, &end, 10);
        if (!*p->key || *end || id >= best || !track_key_kept(p->key, keep, n)
            || (p->value.type != RTMPKIT_AMF_OBJECT && p->value.type != RTMPKIT_AMF_ECMA_ARRAY))
            continue;
        best = id;
        found = &p->value;
    }
    return found;
}

/* What a top-level property becomes once track 0 is gone: the value the new default
 * tracks' map entries (entries[0] audio, [1] video; NULL: none) give under the same key;
 * NULL for a codec id no entry gives (it would describe a track not kept); else as it is. */
static const rtmpkit_amf *default_value(const rtmpkit_amf_prop *p, const rtmpkit_amf *const entries[2])
{
    for (int i = 0; i < 2; i++) {
        const rtmpkit_amf *v = rtmpkit_amf_get(entries[i], p->key);
        if (v)
            return v;
    }
    if (strcmp(p->key, "audiocodecid") == 0 || strcmp(p->key, "videocodecid") == 0)
        return NULL;
    return &p->value;
}

/* Writes "onMetaData" + an ECMA array of props with the maps cut to the kept tracks and,
 * when track 0 is not kept (entries given), the top-level values of the new default. */
static void put_kept_metadata(rtmpkit_buf *out, const rtmpkit_amf *props, const uint8_t *keep, size_t n,
                              const rtmpkit_amf *const *entries)
{
    size_t written = 0;
    for (size_t i = 0; i < props->count; i++) {
        const rtmpkit_amf_prop *p = &props->props[i];
        if (track_map_prop(p))
            written += kept_entries(&p->value, keep, n) > 0;
        else
            written += !entries || default_value(p, entries) != NULL;
    }
    rtmpkit_amf0_put_string(out, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(out, (uint32_t)written);
    for (size_t i = 0; i < props->count; i++) {
        const rtmpkit_amf_prop *p = &props->props[i];
        const rtmpkit_amf *v = entries ? default_value(p, entries) : &p->value;
        if (!track_map_prop(p) && v) {
            rtmpkit_amf0_put_key(out, p->key);
            rtmpkit_amf0_put_value(out, v);
        } else if (track_map_prop(p) && kept_entries(&p->value, keep, n) > 0) {
            rtmpkit_amf0_put_key(out, p->key);
            put_kept_map(out, &p->value, keep, n);
        }
    }
    rtmpkit_amf0_put_object_end(out);
}

int rtmpkit_flv_metadata_keep_tracks(const uint8_t *data, size_t len, const uint8_t *keep, size_t n,
                                     rtmpkit_buf *out)
{
    rtmpkit_amf values[2];
    const rtmpkit_amf *props = &values[1], *entries[2];
    int count = rtmpkit_flv_is_metadata(data, len) ? rtmpkit_amf0_decode_all(data, len, values, 2) : 0;
    int err = RTMPKIT_EPROTOCOL, change, default_gone = !track_key_kept("0", keep, n);

    if (count != 2 || (props->type != RTMPKIT_AMF_ECMA_ARRAY && props->type != RTMPKIT_AMF_OBJECT))
        goto done;
    /* Track 0 gone, the top-level values describe another track, or none. */
    change = default_gone;
    for (size_t i = 0; i < props->count; i++)
        if (track_map_prop(&props->props[i]) && kept_entries(&props->props[i].value, keep, n) != props->props[i].value.count)
            change = 1;
    err = 1;
    if (!change)
        goto done;
    for (int i = 0; i < 2; i++) {
        const rtmpkit_amf *map = rtmpkit_amf_get(props, track_maps[i]);
        int is_map = map && (map->type == RTMPKIT_AMF_OBJECT || map->type == RTMPKIT_AMF_ECMA_ARRAY);
        entries[i] = is_map ? default_entry(map, keep, n) : NULL;
    }
    put_kept_metadata(out, props, keep, n, default_gone ? entries : NULL);
    err = out->err ? out->err : 2;
done:
    for (int i = 0; i < count; i++)
        rtmpkit_amf_free(&values[i]);
    return err;
}
