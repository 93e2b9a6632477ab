/* rtmp-push's input for an FLV file of H.264 + AAC or an Enhanced FLV of the codecs
 * rtmp-push copies (FFmpeg 5.1 cannot read those), without FFmpeg: its tags are sent as
 * they are. Same contract as ffmpeg_source.h; rk_source_open picks it when it fits. */
#ifndef RK_FLV_READER_H
#define RK_FLV_READER_H

#include "source.h"

typedef struct rk_flv_reader rk_flv_reader;

/* Returns 1 with *out when the options name a regular FLV file whose codecs are H.264
 * and AAC (or enhanced ones) and nothing asks for encoding or picking tracks; 0 when this input is not for us (FFmpeg's turn,
 * nothing logged); or a negative error (logged). */
int rk_flv_reader_open(rk_flv_reader **out, const struct rk_source_options *opts);
/* As rk_ffmpeg_source_read: metadata and sequence headers first at 0, then the file's
 * tags rebased to 0, --loop repeats later by the time played. */
int rk_flv_reader_read(rk_flv_reader *src, rk_tag *tag);
const char *rk_flv_reader_describe(const rk_flv_reader *src);
/* One pass over the file in ms (its last tag's time less its first's), -1 when the end
 * of the file cannot be read as a tag. */
int64_t rk_flv_reader_duration_ms(const rk_flv_reader *src);
void rk_flv_reader_close(rk_flv_reader *src);

#endif
