/* FLV tag bodies -> decoded frames, with libavcodec. Legacy FLV codecs (H.264, the H.263 /
 * VP6 / screen video of old Flash, AAC, MP3, PCM, ADPCM, Nellymoser, G.711, Speex) and
 * Enhanced RTMP FourCCs (avc1 hvc1 av01 vp09; mp4a Opus fLaC ac-3 ec-3 .mp3).
 * A sequence header that differs from the current one (a new resolution, another codec)
 * reopens the decoder. Not thread-safe: one thread per decoder. */
#ifndef RK_DECODE_H
#define RK_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <libavutil/frame.h>

enum rk_decoder_kind { RK_DECODER_VIDEO, RK_DECODER_AUDIO };

typedef struct rk_decoder rk_decoder;

/* Returns NULL when out of memory. The decoder takes Enhanced RTMP track 0 (and tags
 * that are not multitrack) until rk_decoder_set_track says otherwise. */
rk_decoder *rk_decoder_new(enum rk_decoder_kind kind);
/* Decodes the track with this id of multitrack tags (0: the default track, which plain
 * tags are too); tags without it are skipped. Switching while decoding: the decoder is
 * flushed and configured from the new track's last sequence header (every track's is
 * remembered), reopened when its codec or header differ. */
void rk_decoder_set_track(rk_decoder *d, uint8_t track);
/* 1 when the decoder knows the codec of this Enhanced RTMP FourCC. */
int rk_fourcc_known(enum rk_decoder_kind kind, uint32_t fourcc);
void rk_decoder_free(rk_decoder *d);

/* What one tag body says, without decoding. */
struct rk_tag_info {
    int config;        /* a sequence header (decoder configuration) */
    int keyframe;      /* video: a keyframe (or any audio frame) */
    int frame;         /* carries a coded frame */
};
void rk_tag_inspect(enum rk_decoder_kind kind, uint8_t track, const uint8_t *body, size_t len,
                    struct rk_tag_info *info);

/* Feeds one tag body whose (unwrapped, monotonic) timestamp is dts_ms. Sequence headers
 * (re)configure the decoder; frames are decoded. Returns 1 when a frame was sent to the
 * decoder, 0 when the tag was only configuration or was skipped (unknown codec, a command
 * frame, no keyframe yet after a reopen), or a negative RTMPKIT_E* error that names a
 * corrupt frame (the decoder goes on with the next one) or, once per FourCC, an Enhanced
 * RTMP codec it does not know (its tags are skipped). */
int rk_decoder_send(rk_decoder *d, const uint8_t *body, size_t len, int64_t dts_ms);
/* Takes the next decoded frame into frame (pts in ms in frame->pts, to the nearest ms;
 * pkt_dts in ms too). Returns 1 with a frame, 0 when none is ready. */
int rk_decoder_receive(rk_decoder *d, AVFrame *frame);
/* The exact presentation time, in nanoseconds, of the frame rk_decoder_receive gave last:
 * its timestamp and composition time plus an Enhanced RTMP ModEx TimestampOffsetNano. */
int64_t rk_decoder_pts_ns(const rk_decoder *d);
/* End of a segment: the frames still inside the decoder come out of rk_decoder_receive;
 * the decoder then accepts the next segment's frames. */
void rk_decoder_drain(rk_decoder *d);
/* Low delay (the player's low-latency mode): no frame threading (it holds a frame back),
 * slices in threads instead, and libavcodec's low-delay flag. Takes effect at the next
 * (re)open of the codec: set it before the first tag. */
void rk_decoder_set_low_delay(rk_decoder *d, int on);
/* Video catching up: skips decoding the frames no other frame refers to (B-frames that
 * are not references, disposable frames) while on; the others are decoded as usual. */
void rk_decoder_skip_nonref(rk_decoder *d, int on);
/* "h264 1280x720", "aac 44100 Hz 2 ch", or "" before the first sequence header. */
const char *rk_decoder_describe(const rk_decoder *d);
/* The last error's words ("" when none). */
const char *rk_decoder_error(const rk_decoder *d);

/* Audio: converts decoded frames to interleaved signed 16-bit samples at a fixed rate and
 * channel count; speed > 1 plays faster (fewer output samples, slightly higher pitch). */
typedef struct rk_resampler rk_resampler;
rk_resampler *rk_resampler_new(int out_rate, int out_channels);
void rk_resampler_free(rk_resampler *r);
/* Converts frame into *out (grown as needed, up to a named cap of 10 s of output; the
 * caller frees it with av_free). Returns the number of output sample frames, or a negative
 * error: RTMPKIT_EINPUT for an input rate outside 1000..768000 Hz or a frame longer than
 * the cap (nothing is allocated for it). */
int rk_resample(rk_resampler *r, const AVFrame *frame, double speed, int16_t **out, int *out_cap);

#endif
