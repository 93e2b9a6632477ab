/* What rtmp-push publishes: any input FFmpeg reads (or the built-in test source), turned
 * into FLV tags in DTS order — copied when the input is H.264/AAC, encoded otherwise. */
#ifndef RK_PUSH_SOURCE_H
#define RK_PUSH_SOURCE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/log.h"
#include "rtmpkit/publisher.h"

/* One FLV tag body ready to send (rtmpkit/publisher.h): exactly what goes into an RTMP
 * audio, video or data message, dts from 0 and non-decreasing across all tags read.
 * data is owned by the source and valid until the next read/close. Flags: keyframe,
 * droppable (H.264 nal_ref_idc 0), config (a sequence header or onMetaData). */
typedef rtmpkit_media_tag rk_tag;
#define RK_TAG_KEYFRAME   RTMPKIT_MEDIA_KEYFRAME
#define RK_TAG_DROPPABLE  RTMPKIT_MEDIA_DROPPABLE
#define RK_TAG_CONFIG     RTMPKIT_MEDIA_CONFIG

/* What the encoders use when an option is 0 / NULL (the help and man pages show these). */
#define RK_PUSH_DEFAULT_VIDEO_KBPS 2500
#define RK_PUSH_DEFAULT_AUDIO_KBPS 128
#define RK_PUSH_DEFAULT_GOP_S      2
#define RK_PUSH_DEFAULT_PRESET     "veryfast"

struct rk_push_source_options {
    const char *input;          /* path, URL, "-" (stdin), "testsrc", or a device name */
    const char *format;         /* -f for input (v4l2, alsa, pulse, x11grab, flv, mpegts...) or NULL */
    const char *audio_input;    /* a second input for audio (a microphone), or NULL */
    const char *audio_format;
    int loop;                   /* times to play the input: 1 once, 0 forever */
    int force_encode;           /* encode even H.264 / AAC */
    int no_video, no_audio;
    int width, height;          /* encoder output size; 0: keep the input's */
    double fps;                 /* encoder frame rate; 0: keep the input's (testsrc: 30) */
    int video_kbps;             /* 0: RK_PUSH_DEFAULT_VIDEO_KBPS */
    int audio_kbps;             /* 0: RK_PUSH_DEFAULT_AUDIO_KBPS */
    int gop_frames;             /* 0: RK_PUSH_DEFAULT_GOP_S worth */
    const char *preset;         /* x264 preset; NULL: RK_PUSH_DEFAULT_PRESET */
    double duration;            /* seconds: encoded tracks end (flushed) at this time; 0: no end */
    rtmpkit_log *log;           /* not owned */
    /* Added: when not NULL, a nonzero *cancel (set by a signal handler) makes a blocking
     * open or read of a file, stdin or device give up with RTMPKIT_ECANCELLED. */
    const volatile sig_atomic_t *cancel;
};

typedef struct rk_push_source rk_push_source;

/* These five are what the FFmpeg module (rtmpkit-codecs.so) exports for rtmp-push. */
#define RK_MODULE_API __attribute__((visibility("default")))

/* The option strings are not copied: they must stay valid until rk_push_source_close.
 * The data tag is the FLV-file form ("onMetaData" + ECMA array); a publisher sends it
 * with "@setDataFrame" in front. A copied stream whose configuration changes mid-way
 * (new SPS/PPS or AudioSpecificConfig from the demuxer) gets a new sequence header tag
 * (RK_TAG_CONFIG) at that point. FFmpeg's own log level (process-wide) is set at open
 * from opts->log's level: errors only unless the level is DEBUG or more.
 *
 * Opens the input(s), picks the best video and audio stream, decides copy or encode for
 * each, and prepares the first tags: onMetaData (width, height, framerate, videocodecid,
 * audiocodecid, videodatarate, audiodatarate, audiosamplerate, stereo, encoder), then the
 * sequence headers, all at dts 0. Returns 0 or a negative RTMPKIT_E* error (EINPUT for
 * an unreadable input or one with no usable stream, with a one-line reason logged). */
RK_MODULE_API int rk_push_source_open(rk_push_source **out, const struct rk_push_source_options *opts);

/* The next tag. Returns 1 with *tag, 0 at the end of the input (after the last loop), or
 * a negative error (EINPUT on a read/decode/encode failure, logged). */
RK_MODULE_API int rk_push_source_read(rk_push_source *src, rk_tag *tag);

/* 1 when the input produces data in real time by itself (devices, stdin, network): it
 * must not be paced again. Files and testsrc return 0 (testsrc is generated as fast as
 * asked; the caller paces it). */
RK_MODULE_API int rk_push_source_is_live(const rk_push_source *src);

/* A one-line description for logs: "h264 1280x720 30 fps (copied) + aac 48000 Hz stereo (encoded)". */
RK_MODULE_API const char *rk_push_source_describe(const rk_push_source *src);

RK_MODULE_API void rk_push_source_close(rk_push_source *src);

#endif
