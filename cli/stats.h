/* The stats of rtmp-push and rtmp-dump: once a second, a text line or one JSON object on
 * standard error (or --stats-file). The keys are those of rtmp-play's where they mean the
 * same; each command's man page lists them (tests/check_stats_keys.py holds both to it). */
#ifndef CLI_STATS_H
#define CLI_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "common.h"

/* What a command knows at one moment. -1 in an int64_t field: not known / not this command's. */
struct cli_stats_sample {
    const char *stream;          /* the stream the line is about (rtmp-dump); NULL: null */
    const char *state;           /* "connecting", "sending"/"recording", "reconnecting", "done" */
    uint64_t bytes;              /* media bytes sent or written so far */
    uint64_t video_frames, audio_frames;
    uint64_t dropped;            /* frames dropped (push: by the queue's policy) */
    int64_t media_ms;            /* media time sent or recorded */
    int reconnects;
    int64_t queue_ms;            /* push: how late the oldest frame not yet written is */
    int64_t lateness_ms;         /* push: how far the media sent is behind real time */
    const char *destination;     /* push: the URL, key redacted; NULL: not this command's */
};

struct cli_stats {
    int mode;                    /* CLI_STATS_* */
    const char *name;            /* the text line's prefix */
    FILE *out;
    int own_out;                 /* out is --stats-file's: closed at the end */
    uint64_t start_ms, next_ms;  /* monotonic */
    uint64_t last_bytes, last_ms;
};

/* From --stats and --stats-file (which alone means JSON). Returns 0, or RTMPKIT_EOUTPUT
 * after logging when the file cannot be created. */
int cli_stats_open(struct cli_stats *st, const struct cli_options *opts, const char *name, rtmpkit_log *log);

/* Writes a line when a second has passed since the last (or at once when force). */
void cli_stats_tick(struct cli_stats *st, const struct cli_stats_sample *s, int force);

/* Closes --stats-file (the command writes its last line, state "done", itself). */
void cli_stats_close(struct cli_stats *st);

#endif
