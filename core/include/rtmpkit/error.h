/* rtmpkit error codes: one table gives the enum, the messages and the commands' exit codes. */
#ifndef RTMPKIT_ERROR_H
#define RTMPKIT_ERROR_H

#include "rtmpkit/export.h"

/* X(NAME, value, exit status, message). Values are negative; 0 is success.
 * The exit status is what the commands (rtmp-push, rtmp-play, rtmp-dump, rtmp-probe)
 * return for that error; the man pages' EXIT STATUS sections list the same table
 * (man/gen-man.c makes them from here at build time). Each failure a user acts on
 * differently has a status of its own; statuses only grow: a new error appends a value
 * and, unless it is a case of an existing status, a new status. Shared on purpose: 1
 * (our own faults), 2 (the command line), 9 (malformed data from the server: a protocol
 * violation or a message cut short, the same for the user); a safety limit crossed
 * (18) is told apart: the server may be sound and only bigger than our caps. */
#define RTMPKIT_ERROR_TABLE(X) \
    X(NOMEM,            -1,  1, "out of memory") \
    X(INTERNAL,         -2,  1, "internal error") \
    X(USAGE,            -3,  2, "invalid option or argument") \
    X(BAD_URL,          -4,  2, "invalid RTMP URL") \
    X(DNS,              -5,  3, "host name could not be resolved") \
    X(REFUSED,          -6,  4, "connection refused") \
    X(TIMEOUT,          -7,  5, "timed out") \
    X(HANDSHAKE,        -8,  6, "RTMP handshake failed") \
    X(REJECTED,         -9,  7, "connect rejected by the server") \
    X(NOT_FOUND,        -10, 8, "stream not found") \
    X(PROTOCOL,         -11, 9, "protocol violation by the server") \
    X(LIMIT,            -12, 18, "server exceeded a safety limit") \
    X(OUTPUT,           -13, 10, "cannot write the output") \
    X(NETWORK,          -14, 11, "connection lost") \
    X(INPUT,            -15, 12, "cannot read the input") \
    X(PUBLISH_REFUSED,  -16, 13, "publish refused by the server") \
    X(STREAM_ERROR,     -17, 14, "the server reported a stream error") \
    X(TLS,              -18, 15, "TLS failure") \
    X(CANCELLED,        -19, 0,  "interrupted") \
    X(AGAIN,            -20, 1,  "nothing ready yet (internal)") \
    X(TRUNCATED,        -21, 9,  "truncated data") \
    X(AUTH,             -22, 16, "authentication failed (wrong or missing user name or password)") \
    X(UNKNOWN_APP,      -23, 17, "unknown application") \
    X(DISK_FULL,        -24, 19, "no space left for the output")

enum rtmpkit_error {
    RTMPKIT_OK = 0,
#define RTMPKIT_ERROR_ENUM_(name, value, exit_status, message) RTMPKIT_E##name = value,
    RTMPKIT_ERROR_TABLE(RTMPKIT_ERROR_ENUM_)
#undef RTMPKIT_ERROR_ENUM_
};

/* A static English message for an error code; never NULL. */
RTMPKIT_API const char *rtmpkit_strerror(int err);
/* The exit status a command returns for an error code (0 for success). */
RTMPKIT_API int rtmpkit_exit_status(int err);
/* The symbolic name of an error code, such as "TIMEOUT". */
RTMPKIT_API const char *rtmpkit_error_name(int err);

#endif
