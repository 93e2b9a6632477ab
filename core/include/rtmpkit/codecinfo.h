/* What a sequence header (decoder configuration) says about its stream: codec, profile,
 * level, picture size and frame rate, audio sample rate and channels. Sans-I/O and
 * bounded: it reads (data, len) only. Parsed here, without FFmpeg: avcC (with the SPS
 * inside it), hvcC (with its SPS), av1C (with its sequence header OBU),
 * AudioSpecificConfig, OpusHead and FLAC's STREAMINFO. The HEVC SPS and the AV1 sequence
 * header parsers are public too: rtmp-push builds its hvcC and av1C records with them. */
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

/* The fields of an HEVC sequence parameter set (H.265 7.3.2.2) up to its bit depths:
 * what an HEVCDecoderConfigurationRecord repeats and what a viewer is told. */
typedef struct rtmpkit_hevc_sps {
    int max_sub_layers;             /* sps_max_sub_layers_minus1 + 1 (1..8) */
    int temporal_id_nesting;        /* sps_temporal_id_nesting_flag */
    /* profile_tier_level's general part, as the hvcC's bytes 1..12 repeat it */
    int profile_space;              /* general_profile_space (0..3) */
    int tier;                       /* general_tier_flag */
    int profile_idc;                /* general_profile_idc (1 Main, 2 Main 10...) */
    uint32_t compatibility_flags;   /* general_profile_compatibility_flag[0..31], [0] the top bit */
    uint64_t constraint_flags;      /* the 48 bits from general_progressive_source_flag on */
    int level_idc;                  /* general_level_idc (93 = 3.1) */
    int chroma_format_idc;          /* 0..3 (1 is 4:2:0) */
    int bit_depth_luma, bit_depth_chroma;   /* 8..16 */
    int width, height;              /* pic_width/height_in_luma_samples less the conformance window */
} rtmpkit_hevc_sps;

/* Parses the SPS NAL unit nal (its 2-byte NAL header first, emulation prevention bytes
 * still in) into *sps. Returns 0; RTMPKIT_ETRUNCATED when it ends before the bit depths;
 * RTMPKIT_EPROTOCOL when it is no SPS or a field is out of range (chroma_format_idc past
 * 3, a bit depth past 16, a picture size of 0 or past 65536, a window that leaves no
 * picture). *sps is undefined after an error. */
RTMPKIT_API int rtmpkit_hevc_sps_parse(const uint8_t *nal, size_t len, rtmpkit_hevc_sps *sps);

/* The fields of an AV1 sequence header OBU (AV1 5.5) that a record or a viewer wants. */
typedef struct rtmpkit_av1_seq_header {
    int profile;            /* seq_profile (0 Main, 1 High, 2 Professional) */
    int level_idx;          /* seq_level_idx[0] (4 = 3.0) */
    int tier;               /* seq_tier[0] */
    int width, height;      /* max_frame_width/height_minus_1 + 1 */
    double frame_rate;      /* from the timing info; 0: not said */
} rtmpkit_av1_seq_header;

/* Finds the first sequence header among the OBUs in (obus, len) (low overhead bitstream
 * format: each OBU with its size field, or the last one without) and parses it into *sh.
 * Returns 1 when it did, 0 when the OBUs hold no sequence header, RTMPKIT_ETRUNCATED when
 * an OBU or the sequence header ends early, RTMPKIT_EPROTOCOL for a bad size field. *sh is
 * undefined unless 1 is returned. */
RTMPKIT_API int rtmpkit_av1_seq_header_parse(const uint8_t *obus, size_t len, rtmpkit_av1_seq_header *sh);

#endif
