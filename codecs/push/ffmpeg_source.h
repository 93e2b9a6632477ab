/* The FFmpeg pipeline behind rtmp-push, the entry points of the module rtmpkit-codecs.so:
 * any input FFmpeg reads (or the built-in test source), turned into FLV tags in DTS
 * order — copied when the input is H.264, HEVC, AV1 or VP9 video and AAC, Opus, FLAC,
 * AC-3 or E-AC-3 audio (all but H.264/AAC, or all with --enhanced, in Enhanced RTMP v2
 * tags), encoded to H.264/AAC otherwise. source.c loads the
 * module and calls these through dlsym. */
#ifndef RK_FFMPEG_SOURCE_H
#define RK_FFMPEG_SOURCE_H

#include "source.h"

typedef struct rk_ffmpeg_source rk_ffmpeg_source;

/* These six are what the FFmpeg module (rtmpkit-codecs.so) exports for rtmp-push. */
#define RK_MODULE_API __attribute__((visibility("default")))

/* The option strings are not copied: they must stay valid until rk_ffmpeg_source_close.
 * The data tag is the FLV-file form ("onMetaData" + ECMA array); a publisher sends it
 * with "@setDataFrame" in front. A copied stream whose configuration changes mid-way
 * (new SPS/PPS or AudioSpecificConfig from the demuxer) gets a new sequence header tag
 * (RK_TAG_CONFIG) at that point. FFmpeg's own log level (process-wide) is set at open
 * from opts->log's level: errors only unless the level is DEBUG or more.
 *
 * Opens the input(s), picks the best video and audio stream, decides copy or encode for
 * each, and prepares the first tags: onMetaData (width, height, framerate, videocodecid,
 * audiocodecid (7 and 10 for legacy H.264 and AAC, the FourCC as a number for enhanced
 * tracks), videodatarate, audiodatarate, audiosamplerate, stereo, encoder), then the
 * sequence headers, all at dts 0. Returns 0 or a negative RTMPKIT_E* error (EINPUT for
 * an unreadable input or one with no usable stream, with a one-line reason logged). */
RK_MODULE_API int rk_ffmpeg_source_open(rk_ffmpeg_source **out, const struct rk_source_options *opts);

/* The next tag. Returns 1 with *tag, 0 at the end of the input (after the last loop), or
 * a negative error (EINPUT on a read/decode/encode failure, logged). */
RK_MODULE_API int rk_ffmpeg_source_read(rk_ffmpeg_source *src, rk_tag *tag);

/* 1 when the input produces data in real time by itself (devices, stdin, network): it
 * must not be paced again. Files and testsrc return 0 (testsrc is generated as fast as
 * asked; the caller paces it). */
RK_MODULE_API int rk_ffmpeg_source_is_live(const rk_ffmpeg_source *src);

/* The length of one pass over the input in ms, or -1 when it is not known (devices,
 * stdin, the test source, a container that does not say). */
RK_MODULE_API int64_t rk_ffmpeg_source_duration_ms(const rk_ffmpeg_source *src);

/* A one-line description for logs: "h264 1280x720 30 fps (copied) + aac 48000 Hz stereo (encoded)". */
RK_MODULE_API const char *rk_ffmpeg_source_describe(const rk_ffmpeg_source *src);

/* After the last read, or when the caller stops early: 1 with the next end-of-stream tag
 * (an Enhanced RTMP SequenceEnd per enhanced track, at the last dts handed out), 0 when
 * there is none left. */
RK_MODULE_API int rk_ffmpeg_source_end(rk_ffmpeg_source *src, rk_tag *tag);

RK_MODULE_API void rk_ffmpeg_source_close(rk_ffmpeg_source *src);

#endif
