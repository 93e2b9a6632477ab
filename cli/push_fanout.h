/* rtmp-push to several destinations: the input is read (and encoded) once, on the
 * caller's thread; each destination has a thread of its own with its session, its
 * publisher (send queue, drop policy, reconnect) and a bounded hand-off queue in front of
 * it, so that a slow, stalled or dead destination never holds back the reader or the
 * others. The publisher and the session block (pacing waits, reconnect attempts up to the
 * connect timeout, a flush): a thread per destination keeps them as they are. */
#ifndef CLI_PUSH_FANOUT_H
#define CLI_PUSH_FANOUT_H

#include "common.h"
#include "source.h"
#include "stats.h"

/* Hand-off queue of one destination: tags past these caps are dropped (or, for an input
 * sent as fast as the links allow, wait for room). Sequence headers and metadata always
 * get in. */
#define PUSH_FANOUT_QUEUE_TAGS  1024
#define PUSH_FANOUT_QUEUE_BYTES (32u * 1024 * 1024)
#define PUSH_FANOUT_MIN_SPAN_MS 2000   /* the queue spans at most max(this, 4 x --queue-ms) */

struct push_fanout;

/* Parses the destinations of opts (opts->urls; keys from --key-file, one line per URL in
 * order, an empty line: the URL holds its key) and registers their secrets with log
 * (which must outlive f). Returns 0 or an error it has logged; *out is set unless memory
 * ran out (push_fanout_free it). */
int push_fanout_new(struct push_fanout **out, const struct cli_options *opts, rtmpkit_log *log);

/* Starts a thread per destination, its stats lines in the output of stats, and waits
 * until each has connected or failed its first attempt. realtime: the reader sends in
 * real time (a paced file, a live input): a full hand-off queue drops; else the reader
 * waits for room. Returns 0 when at least one destination is publishing, else the first
 * error. */
int push_fanout_start(struct push_fanout *f, const struct cli_stats *stats, int realtime);

/* Hands the tag (copied) to every destination still running; never waits on one unless
 * the input is not real time. Returns 0, or the first destination's error once every
 * destination has ended. */
int push_fanout_send(struct push_fanout *f, const rk_tag *tag);

/* The stats line of each destination when a second has passed (final: the last ones,
 * state "done"), and the progress line. */
void push_fanout_tick(struct push_fanout *f, int final);
void push_fanout_progress(struct push_fanout *f, struct cli_progress *progress, int force);

/* The input has ended (cancelled: by a signal): each destination sends what it holds
 * and unpublishes; waits for them all, then logs one summary line per destination.
 * Returns 0 when every destination ended normally, else the first failure's error. */
int push_fanout_finish(struct push_fanout *f, int cancelled);

void push_fanout_free(struct push_fanout *f);

/* A stats line from a publisher's stats: lateness behind real time only when realtime,
 * measured from the first frame handed out (at first_send_ms, with first_dts_ms). */
void push_stats_sample(const rtmpkit_publisher_stats *st, const char *state, int realtime, uint64_t first_send_ms,
                       int64_t first_dts_ms, const char *destination, struct cli_stats_sample *s);

/* Once per media type, at its first sequence header: warns when the server announced
 * Enhanced RTMP codecs and this one is not among them. checked: audio, video done. */
void push_check_server_caps(rtmpkit_session *session, rtmpkit_log *log, int checked[2], const rk_tag *tag);

#endif
