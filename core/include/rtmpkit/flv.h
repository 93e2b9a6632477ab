/* FLV files: header, tags, PreviousTagSize; a writer that formats into memory and a
 * sans-I/O reader. */
#ifndef RTMPKIT_FLV_H
#define RTMPKIT_FLV_H

#include "rtmpkit/export.h"
#include "rtmpkit/bytes.h"

#include <stddef.h>
#include <stdint.h>

#define RTMPKIT_FLV_HEADER_SIZE      13   /* 9-byte header + PreviousTagSize0 */
#define RTMPKIT_FLV_TAG_HEADER_SIZE  11
#define RTMPKIT_FLV_MAX_TAG_SIZE     0xFFFFFFu

enum rtmpkit_flv_tag_type {
    RTMPKIT_FLV_AUDIO = 8,
    RTMPKIT_FLV_VIDEO = 9,
    RTMPKIT_FLV_DATA = 18,
};

/* Writes the file header with the audio/video flags, and PreviousTagSize0. */
RTMPKIT_API void rtmpkit_flv_write_header(uint8_t out[RTMPKIT_FLV_HEADER_SIZE], int has_audio, int has_video);
/* Writes a tag header: type, data size, timestamp (24 bits + extension byte), stream id 0. */
RTMPKIT_API void rtmpkit_flv_write_tag_header(uint8_t out[RTMPKIT_FLV_TAG_HEADER_SIZE], uint8_t type,
                                  uint32_t data_size, uint32_t timestamp);
/* Writes the PreviousTagSize that follows a tag of data_size bytes. */
RTMPKIT_API void rtmpkit_flv_write_tag_trailer(uint8_t out[4], uint32_t data_size);

typedef struct rtmpkit_flv_tag {
    uint8_t type;
    uint32_t timestamp;
    uint32_t size;
    const uint8_t *data;    /* points into the caller's buffer */
} rtmpkit_flv_tag;

/* Parses the file header. Returns RTMPKIT_FLV_HEADER_SIZE.. bytes consumed (the header
 * may announce a longer data offset), 0 when more bytes are needed, or RTMPKIT_EPROTOCOL
 * when this is not an FLV file. *flags gets the audio (4) / video (1) bits. */
RTMPKIT_API int rtmpkit_flv_read_header(const uint8_t *buf, size_t len, int *flags);
/* Parses one tag and its PreviousTagSize. Returns bytes consumed, 0 when more bytes are
 * needed, or RTMPKIT_EPROTOCOL (bad type, size past the cap, a PreviousTagSize that does
 * not match). */
RTMPKIT_API int rtmpkit_flv_read_tag(const uint8_t *buf, size_t len, rtmpkit_flv_tag *tag);

/* onMetaData in FLV data tags: recognising it, and the copy a recorder writes with
 * duration and filesize to patch in place when it ends.
 * 1 when an FLV data tag body (AMF0) starts with the string "onMetaData", else 0. */
RTMPKIT_API int rtmpkit_flv_is_metadata(const uint8_t *data, size_t len);

/* Writes to out the onMetaData of data ("onMetaData" + ECMA array or object) as
 * "onMetaData" + ECMA array of the same properties, less any duration and filesize, then
 * duration 0 and filesize 0 last. *duration_at and *filesize_at get the offsets in out of
 * their 8-byte doubles. Returns 0, RTMPKIT_EPROTOCOL when data is no such onMetaData
 * (keep it as it is), or out's error (its cap reached, memory). */
RTMPKIT_API int rtmpkit_flv_metadata_with_totals(const uint8_t *data, size_t len, rtmpkit_buf *out,
                                             size_t *duration_at, size_t *filesize_at);

/* Writes to out the onMetaData of data with its Enhanced RTMP audioTrackIdInfoMap and
 * videoTrackIdInfoMap listing only the tracks whose ids (the maps' keys, "0".."255") are
 * among keep[0..n-1]; a map left empty is left out. When track 0 is not kept, the lowest
 * kept track a map lists becomes the default: the top-level properties its entry also has
 * (audiocodecid, videocodecid, width...) take the entry's values, and a top-level
 * audiocodecid or videocodecid no entry gives is left out (it described track 0). Every
 * other property is copied as it is. Returns 1 when data needs no change (track 0 kept,
 * and no such map or every track listed kept: nothing is written), 2 with the rewritten
 * onMetaData in out, RTMPKIT_EPROTOCOL when data is no onMetaData that decodes (keep it
 * as it is), or out's error. */
RTMPKIT_API int rtmpkit_flv_metadata_keep_tracks(const uint8_t *data, size_t len, const uint8_t *keep, size_t n,
                                                 rtmpkit_buf *out);

#endif
