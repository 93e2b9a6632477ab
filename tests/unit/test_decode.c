/* The decoder (codecs/play/decode.c) reads tag headers through the library: an H.264 + AAC
 * FLV (made by ffmpeg at build time) decodes to the same frames, with the same times,
 * as it is and rewritten with the library's writer into Enhanced RTMP headers:
 * avc1/mp4a, CodedFramesX, a ModEx nano offset, Multitrack OneTrack, and ManyTracks /
 * ManyTracksManyCodecs where track 0 (the one decoded) comes after another track (of
 * an unknown codec, too). A codec it does not know is reported once, then skipped. */
#include <stdlib.h>

#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libavutil/samplefmt.h>

#include "check.h"
#include "decode.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"

#define MAX_FILE (4 << 20)
/* The MODEX variant's TimestampOffsetNano: 0.6 ms, which rounds each frame 1 ms later. */
#define MODEX_NS 600000

enum variant { LEGACY, ENHANCED, CODED_FRAMES_X, MODEX, ONE_TRACK, MANY_TRACKS, MANY_CODECS, UNKNOWN_CODEC,
               VARIANTS };

/* What came out of a decoder. */
struct result {
    int sent, frames;
    int64_t pts_sum;
    int64_t sub_ms_ns;   /* the frames' exact presentation times past their whole ms, summed */
    uint64_t sum;
};

/* Rewrites one legacy tag body as variant v. Returns 0 or an error. */
static int rewrite(enum variant v, uint8_t type, const uint8_t *body, size_t len, rtmpkit_buf *out)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track tracks[2];
    if (v == LEGACY) {
        rtmpkit_put_bytes(out, body, len);
        return out->err;
    }
    if (rtmpkit_tag_parse(type, body, len, &h) < 0)
        return -1;
    h.enhanced = 1;
    h.coded_frames_x = v == CODED_FRAMES_X;
    h.nano_offset = v == MODEX ? MODEX_NS : 0;
    if (v >= ONE_TRACK) {
        h.multitrack = 1;
        h.multitrack_type = v == ONE_TRACK ? RTMPKIT_TAG_ONE_TRACK
                          : v == MANY_TRACKS ? RTMPKIT_TAG_MANY_TRACKS : RTMPKIT_TAG_MANY_TRACKS_MANY_CODECS;
    }
    if (v < MANY_TRACKS)
        return rtmpkit_tag_put(out, &h);
    /* Track 1 first, with bytes no decoder could take; then track 0. */
    tracks[0] = (rtmpkit_tag_track){ .fourcc = h.track.fourcc, .id = 1, .data = (const uint8_t *)"garbage!", .len = 8 };
    if (v == MANY_CODECS)
        tracks[0].fourcc = type == RTMPKIT_FLV_VIDEO ? RTMPKIT_FOURCC_VP09 : RTMPKIT_FOURCC_OPUS;
    if (v == UNKNOWN_CODEC)
        tracks[0].fourcc = RTMPKIT_FOURCC('x', 'y', 'z', '1');
    tracks[1] = h.track;
    return rtmpkit_tag_put_tracks(out, &h, tracks, 2);
}

static void take_frames(rk_decoder *d, AVFrame *f, struct result *r)
{
    while (rk_decoder_receive(d, f) > 0) {
        r->frames++;
        r->pts_sum += f->pts;
        r->sub_ms_ns += rk_decoder_pts_ns(d) - (rk_decoder_pts_ns(d) / 1000000) * 1000000;
        for (int p = 0; p < 2 && f->data[p]; p++)
            for (int i = 0; i < f->linesize[p] && i < 4096; i++)
                r->sum = r->sum * 31 + f->data[p][i];
    }
}

/* Decodes the tags of one media type of the file, rewritten as v. */
static void decode_file(const uint8_t *file, size_t len, uint8_t type, enum variant v, struct result *r)
{
    rk_decoder *d = rk_decoder_new(type == RTMPKIT_FLV_VIDEO ? RK_DECODER_VIDEO : RK_DECODER_AUDIO);
    AVFrame *f = av_frame_alloc();
    rtmpkit_buf body;
    int at = rtmpkit_flv_read_header(file, len, NULL), n;
    rtmpkit_flv_tag tag;

    memset(r, 0, sizeof *r);
    rtmpkit_buf_init(&body, MAX_FILE);
    CHECK(d && f && at > 0);
    while (d && f && at > 0 && (n = rtmpkit_flv_read_tag(file + at, len - (size_t)at, &tag)) > 0) {
        at += n;
        if (tag.type != type)
            continue;
        rtmpkit_buf_reset(&body);
        CHECK_INT(rewrite(v, type, tag.data, tag.size, &body), 0);
        if (rk_decoder_send(d, body.data, body.len, tag.timestamp) > 0)
            r->sent++;
        take_frames(d, f, r);
    }
    if (d) {
        rk_decoder_drain(d);
        take_frames(d, f, r);
    }
    rtmpkit_buf_free(&body);
    av_frame_free(&f);
    rk_decoder_free(d);
}

/* The sum of the presentation times of the file's frames, read by hand: the timestamp,
 * plus for AVC NAL units (0x?7 0x01) the SI24 composition time. */
static int64_t presentation_sum(const uint8_t *file, size_t len, uint8_t type)
{
    int at = rtmpkit_flv_read_header(file, len, NULL), n;
    rtmpkit_flv_tag tag;
    int64_t sum = 0;
    while (at > 0 && (n = rtmpkit_flv_read_tag(file + at, len - (size_t)at, &tag)) > 0) {
        at += n;
        if (tag.type != type || tag.size < 3 || tag.data[1] != 1)
            continue;   /* only frames (AVC NALU, AAC raw) */
        sum += tag.timestamp;
        if (type == RTMPKIT_FLV_VIDEO && tag.size >= 5) {
            int32_t cts = (int32_t)rtmpkit_rb24(tag.data + 2);
            sum += cts & 0x800000 ? cts - 0x1000000 : cts;
        }
    }
    return sum;
}

static void test_variants(const uint8_t *file, size_t len, uint8_t type, int expect_frames)
{
    struct result legacy, r;
    decode_file(file, len, type, LEGACY, &legacy);
    CHECK(legacy.frames >= expect_frames);
    CHECK_INT(legacy.sent, legacy.frames);
    if (type == RTMPKIT_FLV_VIDEO)
        CHECK_INT(legacy.pts_sum, presentation_sum(file, len, type));
    for (int v = ENHANCED; v < VARIANTS; v++) {
        decode_file(file, len, type, (enum variant)v, &r);
        CHECK_INT(r.sent, legacy.sent);
        CHECK_INT(r.frames, legacy.frames);
        /* The ModEx offset reaches every frame: exact in ns, to the nearest ms in pts. */
        CHECK_INT(r.pts_sum, legacy.pts_sum + (v == MODEX ? legacy.frames : 0));
        CHECK_INT(r.sub_ms_ns, v == MODEX ? (int64_t)legacy.frames * MODEX_NS : 0);
        CHECK(r.sum == legacy.sum);
    }
}

/* One silent stereo S16 frame of n samples at rate Hz through a 48 kHz stereo resampler.
 * Returns what rk_resample returned; *cap is the output buffer's size after it. */
static int resample_once(int rate, int n, int *cap)
{
    rk_resampler *rs = rk_resampler_new(48000, 2);
    AVFrame *f = av_frame_alloc();
    int16_t *out = NULL;
    int rc = RTMPKIT_ENOMEM;
    *cap = 0;
    if (!rs || !f)
        goto done;
    f->format = AV_SAMPLE_FMT_S16;
    f->sample_rate = rate;
    f->nb_samples = n;
    av_channel_layout_default(&f->ch_layout, 2);
    if (av_frame_get_buffer(f, 0) < 0)
        goto done;
    av_samples_set_silence(f->extended_data, 0, n, 2, AV_SAMPLE_FMT_S16);
    rc = rk_resample(rs, f, 1.0, &out, cap);
done:
    av_free(out);
    av_frame_free(&f);
    rk_resampler_free(rs);
    return rc;
}

/* A peer's absurd rate cannot make the player allocate hundreds of megabytes (30 Hz with
 * 65535-sample FLAC blocks was 419 MB a frame) or overflow the size (1 Hz): rejected with
 * nothing allocated. Real rates and long-but-real frames still convert. */
static void test_resample_limits(void)
{
    int cap, n;
    CHECK_INT(resample_once(30, 65535, &cap), RTMPKIT_EINPUT);
    CHECK_INT(cap, 0);
    CHECK_INT(resample_once(1, 65535, &cap), RTMPKIT_EINPUT);
    CHECK_INT(cap, 0);
    CHECK_INT(resample_once(999, 1024, &cap), RTMPKIT_EINPUT);
    CHECK_INT(resample_once(768001, 1024, &cap), RTMPKIT_EINPUT);
    /* 1 kHz is a rate we take, but 65 s in one frame is past the cap. */
    CHECK_INT(resample_once(1000, 65535, &cap), RTMPKIT_EINPUT);
    CHECK_INT(cap, 0);
    n = resample_once(44100, 1024, &cap);
    CHECK(n > 0 && n <= cap && cap < 1024 * 48000 / 44100 + 100);
    /* 65535 samples at 8 kHz (8.2 s), the longest legitimate FLAC frame. */
    n = resample_once(8000, 65535, &cap);
    CHECK(n > 0 && cap <= 48000 * 10);
}

/* Two empty H.264 sequence headers in a row: the second is compared with the first,
 * stored as no extradata at all (this used to be memcmp(NULL, p, 0), which UBSan
 * reports), and neither reopens nor fails. */
static void test_empty_sequence_headers(void)
{
    static const uint8_t empty_avc_config[] = { 0x17, 0x00, 0x00, 0x00, 0x00 };
    rk_decoder *d = rk_decoder_new(RK_DECODER_VIDEO);
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_INT(rk_decoder_send(d, empty_avc_config, sizeof empty_avc_config, 0), 0);
    CHECK_INT(rk_decoder_send(d, empty_avc_config, sizeof empty_avc_config, 40), 0);
    rk_decoder_free(d);
}

/* A codec the decoder does not know: one error that names it, then its tags skipped. */
static void test_unknown_fourcc(void)
{
    rk_decoder *d = rk_decoder_new(RK_DECODER_VIDEO);
    static const uint8_t start[] = { 0x90, 'x', 'y', 'z', '1', 0x01 }, frame[] = { 0x93, 'x', 'y', 'z', '1', 0x55 };
    static const uint8_t odd[] = { 0x93, 'q', 0x1b, 'x', '2', 0x55 };
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(rk_decoder_send(d, start, sizeof start, 0) < 0);
    CHECK(strstr(rk_decoder_error(d), "unknown codec FourCC \"xyz1\"") != NULL);
    CHECK_INT(rk_decoder_send(d, frame, sizeof frame, 40), 0);
    CHECK_INT(rk_decoder_send(d, start, sizeof start, 80), 0);
    /* Control bytes of a FourCC are not shown as they are. */
    CHECK(rk_decoder_send(d, odd, sizeof odd, 120) < 0);
    CHECK(strstr(rk_decoder_error(d), "\"q?x2\"") != NULL);
    rk_decoder_free(d);
}

/* A switch of tracks in the middle of a stream: a decoder that starts on track 1 (Opus of
 * garbage) of the MANY_CODECS audio switches to track 0 (AAC) after the sequence header
 * has gone by: the header it remembered opens AAC, and every frame from there on decodes. */
static void test_switch_track(const uint8_t *file, size_t len)
{
    rk_decoder *d = rk_decoder_new(RK_DECODER_AUDIO);
    AVFrame *f = av_frame_alloc();
    struct result r = { 0 };
    rtmpkit_buf body;
    int at = rtmpkit_flv_read_header(file, len, NULL), n, tags = 0, want = 0;
    rtmpkit_flv_tag tag;

    rtmpkit_buf_init(&body, MAX_FILE);
    CHECK(d && f && at > 0);
    if (d)
        rk_decoder_set_track(d, 1);
    while (d && f && at > 0 && (n = rtmpkit_flv_read_tag(file + at, len - (size_t)at, &tag)) > 0) {
        at += n;
        if (tag.type != RTMPKIT_FLV_AUDIO)
            continue;
        if (++tags == 20) {
            take_frames(d, f, &r);
            r.frames = 0;
            rk_decoder_set_track(d, 0);
        }
        if (tags >= 20 && tag.size > 2 && tag.data[1] == 1)
            want++;   /* an AAC frame after the switch */
        rtmpkit_buf_reset(&body);
        CHECK_INT(rewrite(MANY_CODECS, RTMPKIT_FLV_AUDIO, tag.data, tag.size, &body), 0);
        rk_decoder_send(d, body.data, body.len, tag.timestamp);
        take_frames(d, f, &r);
    }
    if (d) {
        rk_decoder_drain(d);
        take_frames(d, f, &r);
    }
    CHECK(want > 40);
    CHECK_INT(r.frames, want);
    CHECK(strncmp(d ? rk_decoder_describe(d) : "", "aac", 3) == 0);
    rtmpkit_buf_free(&body);
    av_frame_free(&f);
    rk_decoder_free(d);
}

int main(int argc, char **argv)
{
    test_unknown_fourcc();
    uint8_t *file = malloc(MAX_FILE);
    FILE *fp = argc > 1 ? fopen(argv[1], "rb") : NULL;
    size_t len = fp && file ? fread(file, 1, MAX_FILE, fp) : 0;

    CHECK(len > 0 && len < MAX_FILE);
    if (fp)
        fclose(fp);
    /* 2 s at 25 fps with B-frames (composition times), and 2 s of AAC at 44.1 kHz. */
    test_variants(file, len, RTMPKIT_FLV_VIDEO, 50);
    test_variants(file, len, RTMPKIT_FLV_AUDIO, 80);
    test_switch_track(file, len);
    test_resample_limits();
    test_empty_sequence_headers();
    free(file);
    return check_report("decode");
}
