/* H.264 and AAC at the byte level, for the FLV tags rtmp-push sends: Annex B NAL units
 * to length prefixes, avcC records, frame flags from NAL headers, ADTS headers to
 * AudioSpecificConfig, the AVC/AAC tag body headers and onMetaData. No FFmpeg here. */
#include "avc_aac.h"

#include <stdio.h>
#include <string.h>

#include "rtmpkit/amf.h"
#include "rtmpkit/error.h"

/* ---- Annex B ---- */

/* The offset of the next 00 00 01 in [p, end), or NULL. */
static const uint8_t *find_start_code(const uint8_t *p, const uint8_t *end)
{
    while (end - p >= 3) {
        if (p[2] > 1)
            p += 3;            /* no start code can end at p[0..2] */
        else if (p[0] == 0 && p[1] == 0 && p[2] == 1)
            return p;
        else
            p++;
    }
    return NULL;
}

void rk_annexb_iter_init(rk_annexb_iter *it, const uint8_t *buf, size_t len)
{
    const uint8_t *end = buf ? buf + len : buf;
    const uint8_t *sc = buf ? find_start_code(buf, end) : NULL;
    it->p = sc ? sc + 3 : end;
    it->end = end;
}

int rk_annexb_next(rk_annexb_iter *it, const uint8_t **nal, size_t *len)
{
    const uint8_t *start = it->p, *stop;
    const uint8_t *sc;

    if (!start || start >= it->end)
        return 0;
    sc = find_start_code(start, it->end);
    stop = sc ? sc : it->end;
    /* Zero bytes before a start code belong to it (4-byte form, trailing_zero_8bits). */
    if (sc)
        while (stop > start && stop[-1] == 0)
            stop--;
    it->p = sc ? sc + 3 : it->end;
    *nal = start;
    *len = (size_t)(stop - start);
    return 1;
}

int rk_h264_is_annexb(const uint8_t *buf, size_t len)
{
    if (len >= 3 && buf[0] == 0 && buf[1] == 0 && buf[2] == 1)
        return 1;
    return len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 1;
}

int rk_annexb_to_avcc(const uint8_t *buf, size_t len, int drop_param_sets, rtmpkit_buf *out)
{
    rk_annexb_iter it;
    const uint8_t *nal;
    size_t n;
    int count = 0;

    rk_annexb_iter_init(&it, buf, len);
    while (rk_annexb_next(&it, &nal, &n)) {
        int type;
        if (n == 0)
            continue;
        type = nal[0] & 0x1f;
        if (type == RK_NAL_AUD)
            continue;
        if (drop_param_sets && (type == RK_NAL_SPS || type == RK_NAL_PPS))
            continue;
        if (n > UINT32_MAX) {
            out->err = RTMPKIT_EINPUT;
            break;
        }
        rtmpkit_put_u32(out, (uint32_t)n);
        rtmpkit_put_bytes(out, nal, n);
        count++;
    }
    return out->err ? out->err : count;
}

/* ---- frame inspection ---- */

static void note_nal(rk_h264_info *info, const uint8_t *nal, size_t n, int *ref_slices)
{
    int type;
    if (n == 0)
        return;
    type = nal[0] & 0x1f;
    info->nals++;
    if (type == RK_NAL_SPS)
        info->has_sps = 1;
    else if (type == RK_NAL_PPS)
        info->has_pps = 1;
    if (type == RK_NAL_IDR)
        info->keyframe = 1;
    if (type >= RK_NAL_SLICE && type <= RK_NAL_IDR) {
        if (info->droppable < 0)
            info->droppable = 1;
        if (nal[0] & 0x60)
            (*ref_slices)++;
    }
}

int rk_h264_frame_info(const uint8_t *buf, size_t len, int length_size, rk_h264_info *info)
{
    int ref_slices = 0;
    int err = 0;

    memset(info, 0, sizeof *info);
    info->droppable = -1;   /* unknown until a slice is seen */
    if (length_size == 0) {
        rk_annexb_iter it;
        const uint8_t *nal;
        size_t n;
        rk_annexb_iter_init(&it, buf, len);
        while (rk_annexb_next(&it, &nal, &n))
            note_nal(info, nal, n, &ref_slices);
    } else if (length_size == 1 || length_size == 2 || length_size == 4) {
        rtmpkit_reader r;
        rtmpkit_reader_init(&r, buf, len);
        while (rtmpkit_reader_left(&r) && !r.err) {
            uint32_t n = length_size == 4 ? rtmpkit_read_u32(&r)
                       : length_size == 2 ? rtmpkit_read_u16(&r) : rtmpkit_read_u8(&r);
            const uint8_t *nal = rtmpkit_read_bytes(&r, n);
            if (nal)
                note_nal(info, nal, n, &ref_slices);
        }
        err = r.err;
    } else {
        err = RTMPKIT_EINPUT;
    }
    info->droppable = info->droppable == 1 && ref_slices == 0;
    return err;
}

/* ---- avcC ---- */

struct param_sets {
    const uint8_t *nal[RK_AVC_MAX_PARAM_SETS];
    size_t len[RK_AVC_MAX_PARAM_SETS];
    int count;
};

/* Keeps one copy of each distinct parameter set; extra ones past the cap are ignored. */
static void add_param_set(struct param_sets *ps, const uint8_t *nal, size_t n)
{
    for (int i = 0; i < ps->count; i++)
        if (ps->len[i] == n && memcmp(ps->nal[i], nal, n) == 0)
            return;
    if (ps->count < RK_AVC_MAX_PARAM_SETS && n <= UINT16_MAX) {
        ps->nal[ps->count] = nal;
        ps->len[ps->count] = n;
        ps->count++;
    }
}

static void put_param_sets(rtmpkit_buf *out, const struct param_sets *ps)
{
    for (int i = 0; i < ps->count; i++) {
        rtmpkit_put_u16(out, (uint16_t)ps->len[i]);
        rtmpkit_put_bytes(out, ps->nal[i], ps->len[i]);
    }
}

int rk_avcc_from_annexb(const uint8_t *buf, size_t len, rtmpkit_buf *out)
{
    struct param_sets sps = { .count = 0 }, pps = { .count = 0 };
    rk_annexb_iter it;
    const uint8_t *nal;
    size_t n;

    rk_annexb_iter_init(&it, buf, len);
    while (rk_annexb_next(&it, &nal, &n)) {
        if (n == 0)
            continue;
        if ((nal[0] & 0x1f) == RK_NAL_SPS)
            add_param_set(&sps, nal, n);
        else if ((nal[0] & 0x1f) == RK_NAL_PPS)
            add_param_set(&pps, nal, n);
    }
    if (!sps.count || !pps.count || sps.len[0] < 4)
        return RTMPKIT_EINPUT;
    /* version, profile, compatibility, level from the first SPS; 4-byte lengths. The
     * High-profile extension (chroma format, bit depths) is optional and left out. */
    rtmpkit_put_u8(out, 1);
    rtmpkit_put_u8(out, sps.nal[0][1]);
    rtmpkit_put_u8(out, sps.nal[0][2]);
    rtmpkit_put_u8(out, sps.nal[0][3]);
    rtmpkit_put_u8(out, 0xff);
    rtmpkit_put_u8(out, (uint8_t)(0xe0 | sps.count));
    put_param_sets(out, &sps);
    rtmpkit_put_u8(out, (uint8_t)pps.count);
    put_param_sets(out, &pps);
    return out->err;
}

/* Skips count length-prefixed parameter sets. */
static void skip_param_sets(rtmpkit_reader *r, int count)
{
    for (int i = 0; i < count && !r->err; i++)
        rtmpkit_skip(r, rtmpkit_read_u16(r));
}

int rk_avcc_length_size(const uint8_t *avcc, size_t len)
{
    rtmpkit_reader r;
    int length_size;

    rtmpkit_reader_init(&r, avcc, len);
    if (rtmpkit_read_u8(&r) != 1)
        return r.err ? r.err : RTMPKIT_EINPUT;
    rtmpkit_skip(&r, 3);
    length_size = (rtmpkit_read_u8(&r) & 3) + 1;
    skip_param_sets(&r, rtmpkit_read_u8(&r) & 0x1f);
    skip_param_sets(&r, rtmpkit_read_u8(&r));
    if (r.err)
        return r.err;
    return length_size == 3 ? RTMPKIT_EINPUT : length_size;
}

int rk_avcc_from_extradata(const uint8_t *extra, size_t len, rtmpkit_buf *out, int *length_size)
{
    int ret;

    if (len > 0 && extra[0] == 1) {
        if ((ret = rk_avcc_length_size(extra, len)) < 0)
            return ret;
        *length_size = ret;
        rtmpkit_put_bytes(out, extra, len);
        return out->err;
    }
    *length_size = 4;
    return rk_avcc_from_annexb(extra, len, out);
}

/* ---- tag bodies ---- */

void rk_flv_put_avc(rtmpkit_buf *out, int frame_type, int packet, int32_t cts,
                    const uint8_t *payload, size_t len)
{
    rtmpkit_tag_header h = {
        .type = RTMPKIT_FLV_VIDEO, .codec = RTMPKIT_VIDEO_CODEC_AVC, .frame_type = frame_type, .packet = packet,
        .track = { .cts = cts, .data = payload, .len = len },
    };
    rtmpkit_tag_put(out, &h);
}

void rk_flv_put_aac(rtmpkit_buf *out, int packet, const uint8_t *payload, size_t len)
{
    rtmpkit_tag_header h = {
        .type = RTMPKIT_FLV_AUDIO, .codec = RTMPKIT_SOUND_AAC, .sample_rate = 44100, .sample_bits = 16,
        .channels = 2, .packet = packet, .track = { .data = payload, .len = len },
    };
    rtmpkit_tag_put(out, &h);
}

/* ---- ADTS ---- */

static const int adts_rates[13] = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
};

int rk_adts_parse(const uint8_t *buf, size_t len, rk_adts *h)
{
    uint64_t bits = 0;

    if (len < 7)
        return RTMPKIT_ETRUNCATED;
    for (int i = 0; i < 7; i++)
        bits = bits << 8 | buf[i];
    /* 56 bits: sync 12, id 1, layer 2, protection_absent 1, profile 2, sr 4, private 1,
     * channels 3, orig 1, home 1, copyright 2, frame_length 13, fullness 11, blocks 2. */
    if ((bits >> 44) != 0xfff || ((bits >> 41) & 3) != 0)
        return RTMPKIT_EINPUT;
    h->header_size = ((bits >> 40) & 1) ? 7 : 9;
    h->object_type = (int)((bits >> 38) & 3) + 1;
    h->sr_index = (int)((bits >> 34) & 15);
    h->channels = (int)((bits >> 30) & 7);
    h->frame_size = (int)((bits >> 13) & 0x1fff);
    if (h->sr_index >= 13 || h->channels == 0 || (bits & 3) != 0 || h->frame_size < h->header_size)
        return RTMPKIT_EINPUT;
    h->sample_rate = adts_rates[h->sr_index];
    if ((size_t)h->frame_size > len)
        return RTMPKIT_ETRUNCATED;
    return 0;
}

void rk_aac_asc_from_adts(const rk_adts *h, uint8_t asc[2])
{
    /* object type 5 bits, sampling frequency index 4, channel configuration 4, then
     * frameLength/dependsOnCoreCoder/extensionFlag all 0. */
    asc[0] = (uint8_t)(h->object_type << 3 | h->sr_index >> 1);
    asc[1] = (uint8_t)((h->sr_index & 1) << 7 | h->channels << 3);
}

/* ---- onMetaData ---- */

static void put_number_prop(rtmpkit_buf *b, const char *key, double v)
{
    rtmpkit_amf0_put_key(b, key);
    rtmpkit_amf0_put_number(b, v);
}

static uint32_t count_meta(const rk_flv_meta *m)
{
    uint32_t n = (m->duration > 0) + (m->encoder != NULL);
    if (m->has_video)
        n += 1 + (m->width > 0) + (m->height > 0) + (m->framerate > 0) + (m->videodatarate > 0)
             + (m->n_video_tracks > 0);
    if (m->has_audio)
        n += 2 + (m->audiodatarate > 0) + (m->audiosamplerate > 0) + (m->audiosamplesize > 0)
             + (m->n_audio_tracks > 0);
    return n;
}

static void put_video_track(rtmpkit_buf *out, const rk_flv_track_meta *t)
{
    put_number_prop(out, "videocodecid", t->codecid);
    if (t->width > 0)
        put_number_prop(out, "width", t->width);
    if (t->height > 0)
        put_number_prop(out, "height", t->height);
    if (t->framerate > 0)
        put_number_prop(out, "framerate", t->framerate);
    if (t->datarate > 0)
        put_number_prop(out, "videodatarate", t->datarate);
}

/* {"1": {audiocodecid, audiosamplerate, channels, audiodatarate}, ...}, or for video
 * {"1": {videocodecid, width, height, framerate, videodatarate}, ...}. */
static void put_track_map(rtmpkit_buf *out, const char *key, const rk_flv_track_meta *t, int n, int video)
{
    char id[8];
    rtmpkit_amf0_put_key(out, key);
    rtmpkit_amf0_put_object_start(out);
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%d", t[i].id);
        rtmpkit_amf0_put_key(out, id);
        rtmpkit_amf0_put_object_start(out);
        if (video) {
            put_video_track(out, &t[i]);
            rtmpkit_amf0_put_object_end(out);
            continue;
        }
        put_number_prop(out, "audiocodecid", t[i].codecid);
        if (t[i].samplerate > 0)
            put_number_prop(out, "audiosamplerate", t[i].samplerate);
        if (t[i].channels > 0)
            put_number_prop(out, "channels", t[i].channels);
        if (t[i].datarate > 0)
            put_number_prop(out, "audiodatarate", t[i].datarate);
        rtmpkit_amf0_put_object_end(out);
    }
    rtmpkit_amf0_put_object_end(out);
}

void rk_flv_put_metadata(rtmpkit_buf *out, const rk_flv_meta *m)
{
    rtmpkit_amf0_put_string(out, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(out, count_meta(m));
    if (m->duration > 0)
        put_number_prop(out, "duration", m->duration);
    if (m->has_video) {
        if (m->width > 0)
            put_number_prop(out, "width", m->width);
        if (m->height > 0)
            put_number_prop(out, "height", m->height);
        if (m->framerate > 0)
            put_number_prop(out, "framerate", m->framerate);
        put_number_prop(out, "videocodecid", m->videocodecid ? m->videocodecid : 7);
        if (m->videodatarate > 0)
            put_number_prop(out, "videodatarate", m->videodatarate);
        if (m->n_video_tracks > 0)
            put_track_map(out, "videoTrackIdInfoMap", m->video_tracks, m->n_video_tracks, 1);
    }
    if (m->has_audio) {
        put_number_prop(out, "audiocodecid", m->audiocodecid ? m->audiocodecid : 10);
        if (m->audiodatarate > 0)
            put_number_prop(out, "audiodatarate", m->audiodatarate);
        if (m->audiosamplerate > 0)
            put_number_prop(out, "audiosamplerate", m->audiosamplerate);
        if (m->audiosamplesize > 0)
            put_number_prop(out, "audiosamplesize", m->audiosamplesize);
        rtmpkit_amf0_put_key(out, "stereo");
        rtmpkit_amf0_put_bool(out, m->stereo);
        if (m->n_audio_tracks > 0)
            put_track_map(out, "audioTrackIdInfoMap", m->audio_tracks, m->n_audio_tracks, 0);
    }
    if (m->encoder) {
        rtmpkit_amf0_put_key(out, "encoder");
        rtmpkit_amf0_put_string(out, m->encoder);
    }
    rtmpkit_amf0_put_object_end(out);
}
