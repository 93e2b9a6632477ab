/* rtmp-dump with several streams (URL -o FILE pairs, --from LIST), file name templates
 * and --segment: one poll() loop drives a non-blocking session per stream. */
#ifndef CLI_DUMP_MULTI_H
#define CLI_DUMP_MULTI_H

#include "common.h"

/* The name of part n (n >= 2) of a recording: "cam.flv" -> "cam-2.flv", "cam" ->
 * "cam-2" (the number goes before the last extension of the file name); -1 when it does
 * not fit in cap. --split's parts and a template's repeated names. */
int dump_part_name(char *buf, size_t cap, const char *path, int n);

/* 1 when the options ask for the many-stream recorder: more than one URL, --from,
 * --segment, or an -o with a template field (%). */
int dump_multi_wanted(const struct cli_options *opts);

/* Records every stream until each has ended, failed, or a signal came. Returns the exit
 * status: 0 when every stream ended normally, else the status of the first failure. */
int dump_multi_run(const struct cli_options *opts, const char *name);

#endif
