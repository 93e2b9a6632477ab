/* rtmp-push's input for an FLV file of H.264 + AAC, without FFmpeg: its tags are sent as
 * they are. Same contract as push_source.h; rk_push_input picks it when it fits. */
#ifndef RK_FLV_SOURCE_H
#define RK_FLV_SOURCE_H

#include "push_source.h"

typedef struct rk_flv_source rk_flv_source;

/* Returns 1 with *out when the options name a regular FLV file whose codecs are H.264
 * and AAC and nothing asks for encoding; 0 when this input is not for us (FFmpeg's turn,
 * nothing logged); or a negative error (logged). */
int rk_flv_source_open(rk_flv_source **out, const struct rk_push_source_options *opts);
/* As rk_push_source_read: metadata and sequence headers first at 0, then the file's tags
 * rebased to 0, --loop repeats later by the time played. */
int rk_flv_source_read(rk_flv_source *src, rk_tag *tag);
const char *rk_flv_source_describe(const rk_flv_source *src);
void rk_flv_source_close(rk_flv_source *src);

#endif
