/* The one interface rtmp-push reads its tags from. An FLV file of H.264/AAC is read
 * directly (flv_reader.h); anything else goes through the FFmpeg pipeline
 * (ffmpeg_source.h), in the module rtmpkit-codecs.so, loaded only then (FFmpeg's
 * libraries cost tens of megabytes of memory just by being loaded). The tag, the options
 * and the defaults below are the contract all three share. */
#ifndef RK_SOURCE_H
#define RK_SOURCE_H

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

#define RK_MAX_AUDIO_TRACKS 8     /* --audio-track: tracks 0 (the default) to 7 */
#define RK_MAX_VIDEO_TRACKS 8     /* --video-track: tracks 0 (the default) to 7 */

struct rk_source_options {
    const char *input;          /* path, URL, "-" (stdin), "testsrc", or a device name */
    const char *format;         /* -f for input (v4l2, alsa, pulse, x11grab, flv, mpegts...) or NULL */
    const char *audio_input;    /* a second input for audio (a microphone), or NULL */
    const char *audio_format;
    int loop;                   /* times to play the input: 1 once, 0 forever */
    int force_encode;           /* encode even H.264 / AAC */
    const char *video_codec;    /* encode to "h264", "hevc", "av1" or "vp9" unless the input
                                 * already is; NULL: copy what can be, else H.264 */
    const char *audio_codec;    /* the same with "aac", "opus" or "flac"; NULL: AAC */
    int enhanced;               /* Enhanced RTMP headers for H.264 / AAC too (the other
                                 * codecs have no other form) */
    int no_video, no_audio;
    /* --audio-track: the input's audio streams (0-based among its audio streams) that go
     * out as audio tracks 0, 1, 2...; track 0 as the plain audio, the others as Enhanced
     * RTMP Multitrack (OneTrack) tags with their track id. n 0: the best audio stream. */
    int audio_streams[RK_MAX_AUDIO_TRACKS];
    int n_audio_streams;
    /* --video-track: the same for the input's video streams (copied only: the tracks
     * other than 0 need a codec that can go as it is). n 0: the best video stream. */
    int video_streams[RK_MAX_VIDEO_TRACKS];
    int n_video_streams;
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

typedef struct rk_source rk_source;

/* Opens the input as rk_ffmpeg_source_open does (ffmpeg_source.h states the contract of
 * all six functions). Returns 0 or a negative error (logged), RTMPKIT_EINTERNAL when
 * FFmpeg is needed but its module cannot be loaded. */
int rk_source_open(rk_source **out, const struct rk_source_options *opts);
int rk_source_read(rk_source *src, rk_tag *tag);
int rk_source_is_live(const rk_source *src);
const char *rk_source_describe(const rk_source *src);
/* One pass over the input, in ms; -1 when not known (a live input, the test source). */
int64_t rk_source_duration_ms(const rk_source *src);
int rk_source_end(rk_source *src, rk_tag *tag);
void rk_source_close(rk_source *src);

#endif
