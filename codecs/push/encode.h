/* Encoders for inputs that cannot be copied (or --video-codec / --audio-codec): H.264
 * (libx264), HEVC (libx265), AV1 (libsvtav1), VP9 (libvpx-vp9); AAC (FFmpeg's), Opus
 * (libopus), FLAC (FFmpeg's); with scaling (swscale) and resampling (swresample) in front.
 * Timestamps in and out are milliseconds (time base 1/1000). */
#ifndef RK_ENCODE_H
#define RK_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

#include "rtmpkit/log.h"

typedef struct rk_venc rk_venc;
typedef struct rk_aenc rk_aenc;

struct rk_venc_config {
    int width, height;      /* output size (even numbers); the input may differ */
    double fps;             /* nominal rate: rate control and the default GOP */
    int force_fps;          /* 1: put frames on a 1/fps grid, dropping extra ones */
    int kbps;               /* 0: RK_PUSH_DEFAULT_VIDEO_KBPS */
    int gop_frames;         /* 0: RK_PUSH_DEFAULT_GOP_S worth */
    const char *preset;     /* x264's names (ultrafast..veryslow), mapped for the others;
                             * NULL: RK_PUSH_DEFAULT_PRESET */
    enum AVCodecID codec;   /* H264 (also when 0), HEVC, AV1 or VP9 */
    rtmpkit_log *log;       /* not owned */
};

/* Opens the encoder (yuv420p, global header: extradata holds the H.264 SPS/PPS, the HEVC
 * VPS/SPS/PPS in Annex B, or the AV1 sequence header OBU; VP9 has none). */
int rk_venc_open(rk_venc **out, const struct rk_venc_config *cfg);
/* Sends one frame (any size and pixel format; pts in ms) or NULL to flush. The frame is
 * not taken over. Frames whose pts does not advance are dropped. Returns 0 or an error. */
int rk_venc_send(rk_venc *e, const AVFrame *frame);
/* 1 with a packet in pkt (Annex B, pts/dts in ms; the caller unrefs it), 0 when more
 * input is needed or the encoder is drained, or a negative error. */
int rk_venc_receive(rk_venc *e, AVPacket *pkt);
/* The encoder's global header (owned by the encoder), see rk_venc_open. */
const uint8_t *rk_venc_extradata(const rk_venc *e, size_t *len);
/* The open encoder, for its parameters (profile, level, pixel format, colors). */
const AVCodecContext *rk_venc_context(const rk_venc *e);
void rk_venc_close(rk_venc *e);

struct rk_aenc_config {
    int sample_rate;        /* 44100 or 48000 */
    int channels;           /* 1 or 2 */
    int kbps;               /* 0: 128 */
    enum AVCodecID codec;   /* AAC (also when 0), OPUS (48 kHz only) or FLAC */
    rtmpkit_log *log;
};

/* Opens the encoder, global header: extradata = AudioSpecificConfig, OpusHead or the
 * FLAC STREAMINFO. */
int rk_aenc_open(rk_aenc **out, const struct rk_aenc_config *cfg);
/* Sends decoded audio of any format, rate and layout (pts in ms), or NULL to flush. The
 * first frame's pts anchors the output clock; later ones count samples (a forward jump
 * of more than 500 ms moves the clock). Returns 0 or an error. */
int rk_aenc_send(rk_aenc *e, const AVFrame *frame);
/* Like rk_venc_receive (raw AAC frames, timestamps in ms). */
int rk_aenc_receive(rk_aenc *e, AVPacket *pkt);
const uint8_t *rk_aenc_extradata(const rk_aenc *e, size_t *len);
void rk_aenc_close(rk_aenc *e);

#endif
