/* Where rtmp-push reads its tags: an FLV file of H.264/AAC is read directly; anything
 * else goes through FFmpeg, in a module loaded only then (FFmpeg's libraries cost tens
 * of megabytes of memory just by being loaded). */
#ifndef RK_PUSH_INPUT_H
#define RK_PUSH_INPUT_H

#include "push_source.h"

typedef struct rk_push_input rk_push_input;

/* Opens the input as rk_push_source_open does. Returns 0 or a negative error (logged),
 * RTMPKIT_EINTERNAL when FFmpeg is needed but its module cannot be loaded. */
int rk_push_input_open(rk_push_input **out, const struct rk_push_source_options *opts);
int rk_push_input_read(rk_push_input *in, rk_tag *tag);
int rk_push_input_is_live(const rk_push_input *in);
const char *rk_push_input_describe(const rk_push_input *in);
void rk_push_input_close(rk_push_input *in);

#endif
