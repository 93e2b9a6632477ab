/* Enhanced RTMP v2 capabilities in connect: written into our command object, read from
 * the server's _result. See rtmpkit/conn.h. */
#include <stdio.h>
#include <string.h>

#include "amf.h"
#include "conn_internal.h"

#define AMF0_STRICT_ARRAY 0x0A

static void fourcc_text(uint32_t fourcc, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(fourcc >> (24 - 8 * i));
        out[i] = c >= 0x20 && c < 0x7F ? c : '?';
    }
    out[4] = 0;
    if (fourcc == RTMPKIT_FOURCC_ANY)
        strcpy(out, "*");
}

/* "hvc1" -> its FourCC; "*" -> RTMPKIT_FOURCC_ANY; 0 for anything else. */
static uint32_t fourcc_of(const char *s, size_t len)
{
    if (len == 1 && s[0] == '*')
        return RTMPKIT_FOURCC_ANY;
    if (len != 4)
        return 0;
    return (uint32_t)(uint8_t)s[0] << 24 | (uint32_t)(uint8_t)s[1] << 16 | (uint32_t)(uint8_t)s[2] << 8
         | (uint32_t)(uint8_t)s[3];
}

static void put_info_map(rtmpkit_buf *b, const char *key, const rtmpkit_fourcc_cap *caps, int n)
{
    char text[5];
    rtmpkit_amf0_put_key(b, key);
    rtmpkit_amf0_put_object_start(b);
    for (int i = 0; i < n; i++) {
        fourcc_text(caps[i].fourcc, text);
        rtmpkit_amf0_put_key(b, text);
        rtmpkit_amf0_put_number(b, caps[i].flags);
    }
    rtmpkit_amf0_put_object_end(b);
}

void rk_caps_put(rtmpkit_buf *b, const rtmpkit_caps *caps)
{
    char text[5];
    rtmpkit_amf0_put_key(b, "fourCcList");
    rtmpkit_put_u8(b, AMF0_STRICT_ARRAY);
    rtmpkit_put_u32(b, (uint32_t)caps->n_list);
    for (int i = 0; i < caps->n_list; i++) {
        fourcc_text(caps->list[i], text);
        rtmpkit_amf0_put_string(b, text);
    }
    if (caps->n_video)
        put_info_map(b, "videoFourCcInfoMap", caps->video, caps->n_video);
    if (caps->n_audio)
        put_info_map(b, "audioFourCcInfoMap", caps->audio, caps->n_audio);
    if (caps->caps_ex >= 0) {
        rtmpkit_amf0_put_key(b, "capsEx");
        rtmpkit_amf0_put_number(b, caps->caps_ex);
    }
}

static void read_info_map(const rtmpkit_amf *map, rtmpkit_fourcc_cap *out, int *n)
{
    if (!map || (map->type != RTMPKIT_AMF_OBJECT && map->type != RTMPKIT_AMF_ECMA_ARRAY))
        return;
    for (size_t i = 0; i < map->count && *n < RTMPKIT_CAPS_MAX; i++) {
        const rtmpkit_amf_prop *p = &map->props[i];
        uint32_t fourcc = fourcc_of(p->key, p->key_length);
        if (fourcc && p->value.type == RTMPKIT_AMF_NUMBER) {
            out[*n].fourcc = fourcc;
            out[*n].flags = (int)p->value.number & 7;
            (*n)++;
        }
    }
}

void rk_caps_read(const rtmpkit_amf *obj, rtmpkit_caps *caps)
{
    const rtmpkit_amf *list, *ex;
    if (!obj || (obj->type != RTMPKIT_AMF_OBJECT && obj->type != RTMPKIT_AMF_ECMA_ARRAY))
        return;
    list = rtmpkit_amf_get(obj, "fourCcList");
    if (list && list->type == RTMPKIT_AMF_STRICT_ARRAY) {
        caps->present = 1;
        for (size_t i = 0; i < list->count && caps->n_list < 2 * RTMPKIT_CAPS_MAX; i++) {
            const rtmpkit_amf *v = &list->items[i];
            uint32_t fourcc = v->type == RTMPKIT_AMF_STRING ? fourcc_of(v->string, v->length) : 0;
            if (fourcc)
                caps->list[caps->n_list++] = fourcc;
        }
    }
    if (rtmpkit_amf_get(obj, "videoFourCcInfoMap") || rtmpkit_amf_get(obj, "audioFourCcInfoMap"))
        caps->present = 1;
    read_info_map(rtmpkit_amf_get(obj, "videoFourCcInfoMap"), caps->video, &caps->n_video);
    read_info_map(rtmpkit_amf_get(obj, "audioFourCcInfoMap"), caps->audio, &caps->n_audio);
    ex = rtmpkit_amf_get(obj, "capsEx");
    if (ex && ex->type == RTMPKIT_AMF_NUMBER) {
        caps->present = 1;
        caps->caps_ex = (int)ex->number & 0xFF;
    }
}

static int map_lists(const rtmpkit_fourcc_cap *caps, int n, uint32_t fourcc)
{
    for (int i = 0; i < n; i++)
        if (caps[i].fourcc == fourcc || caps[i].fourcc == RTMPKIT_FOURCC_ANY)
            return 1;
    return 0;
}

int rtmpkit_caps_lists(const rtmpkit_caps *caps, int video, uint32_t fourcc)
{
    int n = video ? caps->n_video : caps->n_audio;
    if (map_lists(video ? caps->video : caps->audio, n, fourcc))
        return 1;
    for (int i = 0; i < caps->n_list; i++)
        if (caps->list[i] == fourcc || caps->list[i] == RTMPKIT_FOURCC_ANY)
            return 1;
    /* fourCcList does not say which media type its entries are: silent unless empty. */
    return n > 0 || caps->n_list > 0 ? 0 : -1;
}

/* Appends s to out at *at, within cap (cut when full). */
static void append(char *out, size_t cap, size_t *at, const char *s)
{
    int n;
    if (*at + 1 >= cap)
        return;
    n = snprintf(out + *at, cap - *at, "%s", s);
    *at = n < 0 ? *at : *at + (size_t)n >= cap ? cap - 1 : *at + (size_t)n;
}

static void format_map(char *out, size_t cap, size_t *at, const char *what, const rtmpkit_fourcc_cap *caps, int n)
{
    char text[5], item[24];
    if (n == 0)
        return;
    append(out, cap, at, *at ? " " : "");
    append(out, cap, at, what);
    for (int i = 0; i < n; i++) {
        fourcc_text(caps[i].fourcc, text);
        snprintf(item, sizeof item, " %s:%d", text, caps[i].flags);
        append(out, cap, at, item);
    }
}

void rtmpkit_caps_format(const rtmpkit_caps *caps, char *out, size_t cap)
{
    size_t at = 0;
    char text[5], item[24];
    if (!cap)
        return;
    out[0] = 0;
    if (!caps->present) {
        snprintf(out, cap, "none");
        return;
    }
    if (caps->n_list) {
        append(out, cap, &at, "fourCcList");
        for (int i = 0; i < caps->n_list; i++) {
            fourcc_text(caps->list[i], text);
            append(out, cap, &at, " ");
            append(out, cap, &at, text);
        }
    }
    format_map(out, cap, &at, "video", caps->video, caps->n_video);
    format_map(out, cap, &at, "audio", caps->audio, caps->n_audio);
    if (caps->caps_ex >= 0) {
        snprintf(item, sizeof item, "%scapsEx %d", at ? " " : "", caps->caps_ex);
        append(out, cap, &at, item);
    }
}
