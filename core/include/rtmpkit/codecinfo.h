/* What a sequence header (decoder configuration) says about its stream: codec, profile,
 * level, picture size and frame rate, audio sample rate and channels. Sans-I/O and
 * bounded: it reads (data, len) only. Parsed here, without FFmpeg: avcC (with the SPS
 * inside it), hvcC (profile and level), av1C (profile and level), AudioSpecificConfig,
 * OpusHead and FLAC's STREAMINFO. */
#ifndef RTMPKIT_CODECINFO_H
#define RTMPKIT_CODECINFO_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rtmpkit_codec_info {
    uint32_t fourcc;        /* RTMPKIT_FOURCC_* (rtmpkit/flvtag.h); 0: unknown */
    const char *name;       /* FFmpeg's codec name ("h264", "hevc", "av1", "aac", "opus"...);
                             * static, never NULL ("" when unknown) */
    const char *profile;    /* "Main", "High", "LC", "HE-AAC"... (ffprobe's words); static, "" when unknown */
    int profile_idc;        /* the configuration's own number: H.264 profile_idc, HEVC
                             * general_profile_idc, AV1 seq_profile, AAC audio object type; -1 unknown */
    int level_idc;          /* H.264 level_idc (31 = 3.1), HEVC general_level_idc (93 = 3.1),
                             * AV1 seq_level_idx_0 (5 = 3.1); -1 unknown */
    double level;           /* the level as people write it (3.1); 0: unknown */
    int width, height;      /* the picture after cropping; 0: unknown */
    double frame_rate;      /* from the H.264 VUI timing info; 0: not said */
    int bit_depth;          /* luma bits per sample; 0: unknown */
    int sample_rate;        /* audio: Hz (for HE-AAC the output rate, with SBR); 0: unknown */
    int channels;           /* audio; 0: unknown */
} rtmpkit_codec_info;

/* Fills *info from the body of a sequence start (what follows the tag header) of the
 * codec fourcc: avc1 (avcC), hvc1 (hvcC), av01 (av1C), mp4a (AudioSpecificConfig), Opus
 * (OpusHead), fLaC ("fLaC" and STREAMINFO, with or without its block header). Other
 * FourCCs get their name only. Returns 0, RTMPKIT_ETRUNCATED when the data ends early,
 * or RTMPKIT_EPROTOCOL when a field is invalid; *info keeps what was read before the
 * error (fourcc and name at least). */
RTMPKIT_API int rtmpkit_codec_config_parse(uint32_t fourcc, const uint8_t *data, size_t len,
                                           rtmpkit_codec_info *info);

/* Starts *info for a codec whose tags carry no configuration (or before it came):
 * fourcc, name, and everything else unknown. For legacy codecs without a FourCC pass 0
 * and the tag type with the legacy codec id (video CodecID, audio SoundFormat). */
RTMPKIT_API void rtmpkit_codec_info_init(rtmpkit_codec_info *info, uint32_t fourcc, uint8_t tag_type,
                                         int legacy_codec);

#endif
