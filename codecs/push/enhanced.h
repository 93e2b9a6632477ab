/* Packets -> Enhanced RTMP v2 tag bodies, at the byte level: the sequence-start bodies
 * (hvcC, av1C, vpcC, OpusHead, "fLaC" + STREAMINFO) checked or built from what FFmpeg's
 * demuxers give as extradata, and the tag bodies of either form (legacy AVC/AAC or an
 * enhanced FourCC), through the library's one writer (rtmpkit/flvtag.h). No FFmpeg types
 * here, so that every function is unit tested on byte arrays. Builders append to an
 * rtmpkit_buf and leave errors sticky in it. */
#ifndef RK_ENHANCED_H
#define RK_ENHANCED_H

#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/bytes.h"
#include "rtmpkit/flvtag.h"

/* How one track's tags are written: its FourCC, and the enhanced header or the legacy
 * one (only avc1 and mp4a have a legacy form). */
typedef struct rk_tag_form {
    uint32_t fourcc;
    int enhanced;
    uint8_t track_id;       /* not 0: a Multitrack OneTrack tag with this id (enhanced) */
} rk_tag_form;

/* Appends a video tag body: frame type (RTMPKIT_TAG_FRAME_*), packet
 * (RTMPKIT_TAG_SEQUENCE_START, CODED_FRAMES or SEQUENCE_END), the composition time
 * (frames only; enhanced: CodedFramesX when it is 0, and only avc1/hvc1 carry one). */
void rk_put_video_tag(rtmpkit_buf *out, const rk_tag_form *f, int frame_type, int packet, int32_t cts,
                      const uint8_t *payload, size_t len);
/* Appends an audio tag body (legacy AAC: 0xAF and the AACPacketType). */
void rk_put_audio_tag(rtmpkit_buf *out, const rk_tag_form *f, int packet, const uint8_t *payload, size_t len);

/* Checks an HEVCDecoderConfigurationRecord (version 1, its NAL arrays inside len) and
 * returns its NAL length size (1, 2 or 4), or RTMPKIT_EINPUT / RTMPKIT_ETRUNCATED. */
int rk_hvcc_length_size(const uint8_t *hvcc, size_t len);
/* Builds an HEVCDecoderConfigurationRecord (4-byte NAL lengths) from the VPS, SPS and PPS
 * in an Annex B buffer (MPEG-TS extradata, an encoder's global header): the general
 * profile, tier and level, chroma format, bit depths and temporal layers from the SPS,
 * then one array per NAL type. Returns 0, RTMPKIT_EINPUT when a VPS, SPS or PPS is
 * missing or the SPS is malformed, or the buffer's error. */
int rk_hvcc_from_annexb(const uint8_t *buf, size_t len, rtmpkit_buf *out);
/* Appends an HEVC Annex B access unit with 4-byte NAL lengths, leaving out access unit
 * delimiters and empty NALs. Returns the number of NALs written or out's error. */
int rk_hevc_annexb_to_lp(const uint8_t *buf, size_t len, rtmpkit_buf *out);

/* Builds an AV1CodecConfigurationRecord from OBUs holding a sequence header (an
 * encoder's global header): seq_profile, seq_level_idx[0] and seq_tier[0] from it, the
 * bit depth, monochrome and chroma subsampling as given (the encoder's picture format),
 * then the OBUs as configOBUs. Returns 0, RTMPKIT_EINPUT when there is no sequence
 * header, or the buffer's error. */
int rk_av1c_from_obus(const uint8_t *obus, size_t len, int bit_depth, int mono, int sub_x, int sub_y,
                      rtmpkit_buf *out);

/* 0 when buf is an AV1CodecConfigurationRecord (marker 1, version 1), else RTMPKIT_EINPUT. */
int rk_av1c_check(const uint8_t *buf, size_t len);
/* 0 when buf is an OpusHead (magic, version 0..15, 19 bytes or more), else RTMPKIT_EINPUT. */
int rk_opus_head_check(const uint8_t *buf, size_t len);

#define RK_FLAC_STREAMINFO_SIZE 34

/* The FLAC sequence start: "fLaC" and the metadata blocks. extradata is what demuxers
 * give: a bare 34-byte STREAMINFO (it gets "fLaC" and a last-block header) or "fLaC" and
 * blocks already (copied). Returns 0 or RTMPKIT_EINPUT. */
int rk_flac_config(const uint8_t *extra, size_t len, rtmpkit_buf *out);

/* What a vpcC says (VP Codec ISO Media File Format Binding): the values as the stream
 * has them; level 0 is computed from the size and rate. */
typedef struct rk_vpcc_params {
    int profile;            /* 0..3 */
    int level;              /* 10, 11, 20 ... 62; 0: computed */
    int bit_depth;          /* 8, 10, 12 */
    int chroma_subsampling; /* 0 4:2:0 vertical, 1 4:2:0 colocated, 2 4:2:2, 3 4:4:4 */
    int full_range;
    int color_primaries, transfer, matrix;   /* ISO/IEC 23091-4 values (2: unspecified) */
    int width, height;
    double fps;
} rk_vpcc_params;

/* The VP9 level for a picture size and rate (the smallest whose luma sample rate and
 * picture size hold it; 62 beyond). */
int rk_vp9_level(int width, int height, double fps);
/* Appends a vpcC, version 1, as a full box payload (version, flags, fields, no codec
 * initialization data): 12 bytes. */
void rk_vpcc_build(const rk_vpcc_params *p, rtmpkit_buf *out);

/* The HDR / color description of Enhanced RTMP's video Metadata packet ("colorInfo"):
 * ISO/IEC 23091-4 values (-1: left out), content light levels and mastering display
 * (has_* 0: left out). */
typedef struct rk_color_info {
    int transfer, matrix, primaries;
    int has_cll;
    double max_cll, max_fall;
    int has_primaries, has_luminance;
    double red_x, red_y, green_x, green_y, blue_x, blue_y, white_x, white_y;
    double max_luminance, min_luminance;
} rk_color_info;

/* Appends a video tag body: Metadata packet (frame type 5, as FFmpeg writes it) of fourcc
 * with AMF0 "colorInfo" { colorConfig {...}, hdrCll {...}, hdrMdcv {...} }. With a
 * track_id: a Multitrack OneTrack Metadata packet of frame type 1 with that id. */
void rk_put_color_info_tag(rtmpkit_buf *out, const rk_tag_form *f, const rk_color_info *c);

#endif
