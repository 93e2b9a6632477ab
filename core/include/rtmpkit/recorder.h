/* A recorder: the tags of a played stream written to an FLV file as they arrive.
 *
 * - The output is created when the first tag arrives: a stream that is refused or never
 *   published leaves no empty file behind.
 * - Each tag is written with one write as it arrives, nothing is buffered: after a crash
 *   (kill -9) the file ends with whole tags, at most the last one cut.
 * - Timestamps go through a timeline (rtmpkit/timeline.h): unwrapped, rebased when the
 *   publisher restarts or the caller starts a new segment, never backwards.
 * - A sequence header identical to the last one of its track, and an onMetaData
 *   identical to the last one received, are not written again.
 * - The first onMetaData is written with duration and filesize properties; on close their
 *   values and the FLV header's audio/video flags are patched in place when the output
 *   is seekable (a regular file). A pipe gets them as written: duration and filesize 0,
 *   both flags set.
 *
 * Usage: rtmpkit_recorder_new, rtmpkit_recorder_write for each media event,
 * rtmpkit_recorder_close, rtmpkit_recorder_free. Not thread-safe. */
#ifndef RTMPKIT_RECORDER_H
#define RTMPKIT_RECORDER_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rtmpkit_recorder rtmpkit_recorder;

typedef struct rtmpkit_recorder_config {
    const char *path;          /* the file to create (truncated if it exists), or "-" for
                                * standard output; NULL: write to fd. Copied. */
    int fd;                    /* with path NULL: an open descriptor, written from where it
                                * is; the caller keeps it (never closed here) */
    unsigned timeline_flags;   /* for rtmpkit_timeline_init: 0, or RTMPKIT_TIMELINE_CLOSE_GAPS
                                * for a file without dead air when the stream comes back */
} rtmpkit_recorder_config;

typedef struct rtmpkit_recorder_stats {
    int opened;                /* the output was opened: the first tag came */
    uint64_t audio_tags, video_tags, data_tags;   /* written */
    uint64_t audio_frames, video_frames;          /* written tags that carry coded frames */
    uint64_t bytes;            /* written, the FLV header included */
    int64_t duration_ms;       /* the highest timestamp written */
    uint64_t skipped;          /* frames left out after reconnects (see rtmpkit_recorder_reconnected) */
} rtmpkit_recorder_stats;

/* Makes a recorder; opens nothing yet. Returns NULL when out of memory. */
RTMPKIT_API rtmpkit_recorder *rtmpkit_recorder_new(const rtmpkit_recorder_config *cfg);

/* Writes one tag: type RTMPKIT_FLV_AUDIO, _VIDEO or _DATA, timestamp its wire time (ms),
 * data/len its body (not kept), now_ms the caller's monotonic clock when it came
 * (rtmpkit_monotonic_ms). The first tag creates the output. Returns 0, or
 * RTMPKIT_EDISK_FULL (no space left: a regular file is cut back to its last whole tag,
 * valid to its end) or RTMPKIT_EOUTPUT (rtmpkit_recorder_error_message says why; every
 * later write fails the same way). A body longer than an FLV tag can hold is skipped. */
RTMPKIT_API int rtmpkit_recorder_write(rtmpkit_recorder *rec, uint8_t type, uint32_t timestamp,
                                       const uint8_t *data, size_t len, uint64_t now_ms);

/* The stream ended and begins again, or was played again: the next tags continue after
 * what is written (rtmpkit_timeline_new_segment). */
RTMPKIT_API void rtmpkit_recorder_new_segment(rtmpkit_recorder *rec);

/* The connection was lost and made again: the same stream continues in the same file.
 * Timestamps go on by the time that really passed (rtmpkit_timeline_reconnected);
 * frames the server sends again (a GOP cache replaying what is already written) are left
 * out, and so is video before the next keyframe unless such a replay shows the new
 * frames continue the old ones. (Sequence headers and an onMetaData identical to the last
 * ones are left out at any time.) */
RTMPKIT_API void rtmpkit_recorder_reconnected(rtmpkit_recorder *rec);

/* Finishes the output: patches the metadata and the header flags (seekable output),
 * closes a file it opened. Returns 0, or RTMPKIT_EOUTPUT with a message. Calling it
 * again does nothing and returns 0; writes after it fail. */
RTMPKIT_API int rtmpkit_recorder_close(rtmpkit_recorder *rec);

/* What was written so far (also after close). */
RTMPKIT_API void rtmpkit_recorder_get_stats(const rtmpkit_recorder *rec, rtmpkit_recorder_stats *stats);

/* 1 when the output failed because its reader went away (a pipe closed: EPIPE), the way
 * `rtmp-dump URL -o - | head -c 1000` ends. */
RTMPKIT_API int rtmpkit_recorder_reader_gone(const rtmpkit_recorder *rec);

/* One line about the last output failure ("cannot write x.flv: No space left on device"),
 * or "" when there was none. Owned by the recorder. */
RTMPKIT_API const char *rtmpkit_recorder_error_message(const rtmpkit_recorder *rec);

/* Closes (as rtmpkit_recorder_close, its error lost) and frees. NULL is fine. */
RTMPKIT_API void rtmpkit_recorder_free(rtmpkit_recorder *rec);

#endif
