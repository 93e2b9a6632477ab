/* Private to the FFmpeg pipeline (the ffmpeg_*.c files of the module): its state and the
 * functions its files share. The pipeline runs inputs -> (copy | decode + encode) -> FLV
 * tag bodies in two per-track queues -> merged by DTS, rebased to 0, never going back:
 * ffmpeg_input.c demuxes (or asks the test source), times packets and loops;
 * ffmpeg_packetize.c turns H.264/AAC packets into tag bodies and sequence headers;
 * ffmpeg_transcode.c decodes and encodes what cannot be copied; ffmpeg_merge.c queues
 * the tags and hands them out in DTS order; ffmpeg_source.c opens it all and holds the
 * module's entry points. Functions return 0 (or a count) or a negative RTMPKIT_E* error
 * that was logged where it happened. */
#ifndef RK_FFMPEG_PIPELINE_H
#define RK_FFMPEG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "encode.h"
#include "enhanced.h"
#include "ffmpeg_source.h"
#include "rtmpkit/bytes.h"
#include "testsrc.h"

static const AVRational ms_tb = { 1, 1000 };

/* tr[VIDEO], tr[AUDIO] (audio track 0), then the other audio tracks (ids 1, 2...) up to
 * AUDIO_END, then the other video tracks (ids 1, 2...) from VIDEO_X. */
enum {
    VIDEO = 0, AUDIO = 1, AUDIO_END = 1 + RK_MAX_AUDIO_TRACKS, VIDEO_X = AUDIO_END,
    NTRACKS = VIDEO_X + RK_MAX_VIDEO_TRACKS - 1
};

/* One queued tag; data follows the struct. */
struct qtag {
    struct qtag *next;
    int64_t dts;            /* ms, loop offset applied, not yet rebased */
    uint32_t flags;
    uint8_t type;
    size_t size;
    uint8_t data[];
};

struct queue {
    struct qtag *head, *tail;
    size_t count, bytes;
};

struct input {
    AVFormatContext *fmt;       /* NULL for testsrc */
    rk_testsrc *ts;
    const char *name;
    int loops_left;             /* plays still to come after this one; -1: forever */
    int64_t offset_ms;          /* added to all timestamps: the length of the plays so far */
    int64_t first_ms, end_ms;   /* extent of one play (pts, raw), for the next offset */
    int live;
};

struct track {
    int present;
    int kind;                   /* VIDEO or AUDIO */
    struct input *in;
    int index;                  /* stream index in in->fmt */
    AVStream *st;
    int copy;
    enum AVCodecID codec;       /* of the tags: the copied codec, or H.264 / AAC encoded */
    rk_tag_form form;           /* its FourCC and header form (legacy or enhanced) */
    int sent_end;               /* the sequence end tag has been handed out */
    AVCodecContext *dec;
    rk_venc *venc;
    rk_aenc *aenc;
    struct queue q;
    int eof;
    int have_config;
    rtmpkit_buf config;              /* sequence header tag body */
    int length_size;            /* video: NAL length size of the input packets, 0: Annex B.
                                 * Known from the extradata, never guessed per packet: a
                                 * 256..511-byte NAL has a length that looks like 00 00 01. */
    int seen_key;               /* video: leading non-keyframes are dropped */
    int64_t last_raw_dts;       /* ms, to estimate missing packet durations */
    int64_t delta_ms;
    int seen_dts;               /* a packet had a dts: later ones without get dts = pts */
    int leading_no_dts;         /* video: packets before that, with a pts only */
    int64_t first_pts_ms;       /* the first of those packets' pts */
    /* for describe() and onMetaData */
    const char *in_codec;
    int width, height;
    double fps;
    int sample_rate, channels;
    double kbps;
};

struct rk_ffmpeg_source {
    struct rk_source_options opts;
    rtmpkit_log *log;
    struct input main_in, audio_in;
    struct track tr[NTRACKS];
    struct queue head;          /* onMetaData and sequence headers, sent first */
    struct qtag *cur;           /* the tag last returned */
    AVPacket *pkt, *opkt;
    AVFrame *frame;
    rtmpkit_buf scratch;
    int have_base;
    int64_t base, last_out;
    int live;
    char desc[1024];
};

/* ---- ffmpeg_source.c ---- */

/* Logs "what name: FFmpeg's message for averr" and returns RTMPKIT_EINPUT. */
int rk_ff_fail_av(rk_ffmpeg_source *s, const char *what, const char *name, int averr);

/* ---- ffmpeg_input.c ---- */

/* Opens the main input (a file, URL, stdin, device, or the test source) and the audio
 * input when there is one; sets s->live. */
int rk_ff_open_inputs(rk_ffmpeg_source *s);
/* Picks the video and audio stream (best of each, cover art excluded) and initialises
 * their tracks; RTMPKIT_EINPUT when there is neither. */
int rk_ff_pick_streams(rk_ffmpeg_source *s);
/* One step of input for track t: a packet of its input (handed to whichever track it is
 * for, the end of a play handled: loop or finish), or one testsrc frame encoded. */
int rk_ff_fill_step(rk_ffmpeg_source *s, struct track *t);
void rk_ff_close_input(struct input *in);

/* ---- ffmpeg_packetize.c ---- */

/* The FourCC of the codecs a track can carry as they are (H.264, HEVC, AV1, VP9; AAC,
 * Opus, FLAC, AC-3, E-AC-3), 0 for any other. */
uint32_t rk_ff_fourcc(enum AVCodecID codec);
/* The video sequence header from extradata when there is any: for H.264 an avcC or
 * Annex B (sets t->length_size, 0 for Annex B packets), for HEVC an hvcC, for AV1 an
 * av1C; for VP9 a vpcC built from par. Sets t->have_config. RTMPKIT_EINPUT when the
 * extradata is not such a record (then the track cannot be copied). t->codec and
 * t->form say what to build. */
int rk_ff_video_config(struct track *t, const uint8_t *extra, size_t len);
int rk_ff_vp9_config(struct track *t, const AVCodecParameters *par);
/* The audio sequence header from extradata: an AudioSpecificConfig, an OpusHead, a FLAC
 * STREAMINFO (with or without "fLaC"), nothing for AC-3 / E-AC-3 (an empty one). */
int rk_ff_audio_config(struct track *t, const uint8_t *extra, size_t len);
/* Queues one video packet as a tag: an H.264 access unit (Annex B or length-prefixed as
 * t->length_size says) or an HEVC / AV1 / VP9 packet as it is; leading frames before
 * the first keyframe are dropped, a malformed H.264 one is skipped with a warning. pts
 * and dts in ms, loop offset applied. */
int rk_ff_emit_video(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n,
                     int64_t pts, int64_t dts, int container_key);
/* Queues one audio packet: AAC (raw, or ADTS with one or more frames) or any other
 * codec's packet as it is, one tag each. */
int rk_ff_emit_audio(rk_ffmpeg_source *s, struct track *t, const uint8_t *p, size_t n, int64_t dts);
/* The sequence end tag body of a track (enhanced tracks only); 0 with an empty body when
 * it has none. */
int rk_ff_end_body(const struct track *t, rtmpkit_buf *body);
/* A copied packet's new extradata (side data), if any and different, becomes the
 * track's configuration, queued as a sequence header tag at dts. */
int rk_ff_config_update(rk_ffmpeg_source *s, struct track *t, const AVPacket *pkt, int64_t dts);

/* ---- ffmpeg_transcode.c ---- */

/* The encoder's output size: the options', keeping the aspect ratio of in_w x in_h when
 * only one is given; even numbers. */
void rk_ff_output_size(const struct rk_source_options *o, int in_w, int in_h, int *w, int *h);
int rk_ff_open_decoder(rk_ffmpeg_source *s, struct track *t);
/* Opens x264 for the track's size and rate and takes its sequence header. */
int rk_ff_open_video_encoder(rk_ffmpeg_source *s, struct track *t);
/* Sends a packet (NULL: drain) to the track's decoder and the frames it gives to the
 * encoder; an undecodable packet is skipped with a warning. */
int rk_ff_decode_packet(rk_ffmpeg_source *s, struct track *t, const AVPacket *pkt);
/* Sends a frame (pts in ms; NULL: flush) to the track's encoder and queues the packets
 * it gives; at --duration the encoder is flushed and the track ends. */
int rk_ff_encode_frame(rk_ffmpeg_source *s, struct track *t, const AVFrame *f);

/* ---- ffmpeg_merge.c ---- */

/* Queues a copy of body as a tag (body's sticky error returned instead; a body over its
 * cap is an input error). */
int rk_ff_enqueue(struct queue *q, uint8_t type, int64_t dts, uint32_t flags, const rtmpkit_buf *body);
void rk_ff_queue_free(struct queue *q);
/* Reads until every track has a tag queued, has ended, or waits on the other's full
 * look-ahead. */
int rk_ff_fill_queues(rk_ffmpeg_source *s);
/* The next tag as rk_ffmpeg_source_read gives it: the header tags first, then the queued
 * tag with the smallest dts, rebased to 0 and never going back. */
int rk_ff_next_tag(rk_ffmpeg_source *s, rk_tag *tag);

#endif
