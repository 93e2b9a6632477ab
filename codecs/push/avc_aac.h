/* Packets -> FLV tag bodies, at the byte level: H.264 Annex B and avcC, AAC ADTS and
 * AudioSpecificConfig, the AVC/AAC tag headers, onMetaData. No FFmpeg types here, so
 * every function can be unit tested on byte arrays. Functions that build into an rtmpkit_buf
 * append to it and leave errors sticky in it (check b->err once). */
#ifndef RK_AVC_AAC_H
#define RK_AVC_AAC_H

#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/bytes.h"
#include "rtmpkit/flvtag.h"

/* H.264 NAL unit types we care about. */
enum {
    RK_NAL_SLICE = 1,
    RK_NAL_IDR = 5,
    RK_NAL_SEI = 6,
    RK_NAL_SPS = 7,
    RK_NAL_PPS = 8,
    RK_NAL_AUD = 9,
};

#define RK_AVC_MAX_PARAM_SETS 8      /* SPS or PPS kept in one avcC we build */

/* Iterates over the NAL units of an Annex B buffer (start codes 00 00 01 or 00 00 00 01).
 * Bytes before the first start code are skipped; trailing zero bytes of a NAL (the
 * leading zero of the next 4-byte start code) are not part of it. */
typedef struct rk_annexb_iter {
    const uint8_t *p;
    const uint8_t *end;
} rk_annexb_iter;

void rk_annexb_iter_init(rk_annexb_iter *it, const uint8_t *buf, size_t len);
/* 1 with the next NAL in (*nal, *len) (len may be 0 for an empty NAL), 0 at the end. */
int rk_annexb_next(rk_annexb_iter *it, const uint8_t **nal, size_t *len);

/* 1 when buf starts with a 3- or 4-byte start code. */
int rk_h264_is_annexb(const uint8_t *buf, size_t len);

/* Appends the NAL units of an Annex B buffer to out, each with a 4-byte big-endian
 * length. Empty NALs are skipped; AUD NALs are dropped (the FLV tag delimits the access
 * unit); SPS/PPS are dropped too when drop_param_sets (they are in the avcC). Returns
 * the number of NALs written or a negative error (out->err). */
int rk_annexb_to_avcc(const uint8_t *buf, size_t len, int drop_param_sets, rtmpkit_buf *out);

/* What a frame holds, from its NAL headers. */
typedef struct rk_h264_info {
    int keyframe;     /* an IDR slice is present */
    int droppable;    /* it has slices and all of them have nal_ref_idc 0 */
    int has_sps, has_pps;
    int nals;
} rk_h264_info;

/* Scans a frame: Annex B when length_size is 0, else NALs prefixed by length_size (1, 2
 * or 4) bytes. Returns 0, or RTMPKIT_ETRUNCATED when a length runs past the end. */
int rk_h264_frame_info(const uint8_t *buf, size_t len, int length_size, rk_h264_info *info);

/* Builds an AVCDecoderConfigurationRecord (4-byte lengths) from the SPS and PPS found in
 * an Annex B buffer (extradata, or a keyframe with in-band parameter sets). Returns 0,
 * RTMPKIT_EINPUT when there is no SPS or no PPS or the SPS is shorter than 4 bytes, or
 * a buffer error. */
int rk_avcc_from_annexb(const uint8_t *buf, size_t len, rtmpkit_buf *out);

/* Checks an avcC (first byte 1) and returns its NAL length size (1, 2 or 4) or
 * RTMPKIT_EINPUT / RTMPKIT_ETRUNCATED when it is malformed. */
int rk_avcc_length_size(const uint8_t *avcc, size_t len);

/* The sequence header payload for any H.264 extradata: an avcC as is (validated), or one
 * built from Annex B SPS/PPS. *length_size gets the NAL length size frames will use in
 * the FLV stream (the avcC's, or 4 for a built one). */
int rk_avcc_from_extradata(const uint8_t *extra, size_t len, rtmpkit_buf *out, int *length_size);

/* Appends an AVC video tag body through the library's writer: frame type
 * (RTMPKIT_TAG_FRAME_*), packet (RTMPKIT_TAG_SEQUENCE_START, CODED_FRAMES or
 * SEQUENCE_END), the CTS (pts - dts, clamped to signed 24 bits; frames only), then
 * payload. */
void rk_flv_put_avc(rtmpkit_buf *out, int frame_type, int packet, int32_t cts,
                    const uint8_t *payload, size_t len);

/* Appends an AAC audio tag body: 0xAF (AAC, 44 kHz, 16 bit, stereo as the spec asks),
 * packet (RTMPKIT_TAG_SEQUENCE_START or CODED_FRAMES), payload. */
void rk_flv_put_aac(rtmpkit_buf *out, int packet, const uint8_t *payload, size_t len);

/* A parsed ADTS header. */
typedef struct rk_adts {
    int object_type;      /* MPEG-4 audio object type: profile + 1 (2 = AAC LC) */
    int sr_index;
    int sample_rate;
    int channels;         /* channel configuration 1..7 */
    int header_size;      /* 7, or 9 with CRC */
    int frame_size;       /* header included */
} rk_adts;

/* Parses the ADTS header at the start of buf. Returns 0, RTMPKIT_ETRUNCATED when buf is
 * shorter than the header or the frame, or RTMPKIT_EINPUT when it is not a valid ADTS
 * header we can carry (no sync word, layer != 0, reserved sample rate, channel config 0
 * (a PCE), or more than one raw data block). */
int rk_adts_parse(const uint8_t *buf, size_t len, rk_adts *h);

/* The 2-byte AudioSpecificConfig for an ADTS stream. */
void rk_aac_asc_from_adts(const rk_adts *h, uint8_t asc[2]);

/* One audio (or video) track other than track 0, in audioTrackIdInfoMap (or
 * videoTrackIdInfoMap). */
typedef struct rk_flv_track_meta {
    int id;
    uint32_t codecid;         /* the FourCC */
    int samplerate, channels; /* audio */
    int width, height;        /* video; 0: left out */
    double framerate;         /* video; 0: left out */
    double datarate;          /* kbit/s; 0: left out */
} rk_flv_track_meta;

/* The fields of onMetaData; zero or NULL fields are left out (except the codec ids when
 * the stream is present). */
typedef struct rk_flv_meta {
    int has_video, has_audio;
    double duration;          /* seconds; 0: live / unknown */
    int width, height;
    double framerate;
    double videodatarate;     /* kbit/s */
    double audiodatarate;
    int audiosamplerate;
    int audiosamplesize;      /* bits */
    int stereo;
    const char *encoder;
    uint32_t videocodecid;    /* an Enhanced RTMP FourCC, written as a number; 0: 7 (AVC) */
    uint32_t audiocodecid;    /* the same; 0: 10 (AAC) */
    const rk_flv_track_meta *audio_tracks;   /* Enhanced RTMP multitrack: audioTrackIdInfoMap */
    int n_audio_tracks;
    const rk_flv_track_meta *video_tracks;   /* videoTrackIdInfoMap */
    int n_video_tracks;
} rk_flv_meta;

/* Appends the body of a data tag: the string "onMetaData" and an ECMA array. */
void rk_flv_put_metadata(rtmpkit_buf *out, const rk_flv_meta *m);

#endif
