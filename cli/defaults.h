/* Every default the commands show: one table, whose numbers come from where each default
 * is applied (the library, the codecs glue, the commands). The help text's "{NAME}" and
 * the man pages' "@DEFAULT:NAME@" are replaced with these values (cli/common.c and
 * man/gen-man.c), so no number is written twice. */
#ifndef CLI_DEFAULTS_H
#define CLI_DEFAULTS_H

#include <stdio.h>
#include <string.h>

#include "common.h"
#include "player.h"
#include "source.h"
#include "rtmpkit/client.h"
#include "rtmpkit/conn.h"
#include "rtmpkit/publisher.h"
#include "rtmpkit/session.h"

/* NUMBER(name, integer value), TEXT(name, string value), ATTEMPTS(name, attempts or
 * RTMPKIT_RECONNECT_FOREVER, shown as "forever") */
#define CLI_DEFAULTS(NUMBER, TEXT, ATTEMPTS) \
    NUMBER(TIMEOUT,         RTMPKIT_DEFAULT_IDLE_TIMEOUT_MS / 1000) \
    NUMBER(SEND_TIMEOUT,    RTMPKIT_DEFAULT_WRITE_TIMEOUT_MS / 1000) \
    NUMBER(CONNECT_TIMEOUT, RTMPKIT_DEFAULT_CONNECT_TIMEOUT_MS / 1000) \
    NUMBER(BUFFER,          RTMPKIT_DEFAULT_BUFFER_MS) \
    NUMBER(QUEUE,           RTMPKIT_PUBLISHER_DEFAULT_QUEUE_MS) \
    NUMBER(LATENCY,         RK_PLAYER_DEFAULT_LATENCY_MS) \
    NUMBER(MIN_LATENCY,     RK_PLAYER_MIN_LATENCY_MS) \
    NUMBER(END_TIMEOUT,     CLI_DEFAULT_END_TIMEOUT_S) \
    NUMBER(VOLUME,          CLI_DEFAULT_VOLUME) \
    NUMBER(LOOP,            CLI_DEFAULT_LOOP) \
    NUMBER(VIDEO_BITRATE,   RK_PUSH_DEFAULT_VIDEO_KBPS) \
    NUMBER(AUDIO_BITRATE,   RK_PUSH_DEFAULT_AUDIO_KBPS) \
    NUMBER(GOP,             RK_PUSH_DEFAULT_GOP_S) \
    ATTEMPTS(RECONNECT_PUSH, CLI_DEFAULT_RECONNECT_PUSH) \
    ATTEMPTS(RECONNECT_DUMP, CLI_DEFAULT_RECONNECT_DUMP) \
    ATTEMPTS(RECONNECT_PLAY, CLI_DEFAULT_RECONNECT_PLAY) \
    NUMBER(RECONNECT_FIRST, RTMPKIT_RECONNECT_DEFAULT_FIRST_MS / 1000) \
    NUMBER(RECONNECT_MAX_DELAY, RTMPKIT_RECONNECT_DEFAULT_MAX_MS / 1000) \
    TEXT(PRESET,            RK_PUSH_DEFAULT_PRESET)

/* The value of the default called name (as in the table) written into buf; 0, or -1 when
 * there is no such default. */
static inline int cli_default_text(const char *name, size_t name_len, char *buf, size_t cap)
{
#define CLI_DEFAULT_NUMBER_(n, v) \
    if (name_len == sizeof #n - 1 && memcmp(name, #n, name_len) == 0) \
        return snprintf(buf, cap, "%d", (int)(v)) < 0 ? -1 : 0;
#define CLI_DEFAULT_TEXT_(n, v) \
    if (name_len == sizeof #n - 1 && memcmp(name, #n, name_len) == 0) \
        return snprintf(buf, cap, "%s", v) < 0 ? -1 : 0;
#define CLI_DEFAULT_ATTEMPTS_(n, v) \
    if (name_len == sizeof #n - 1 && memcmp(name, #n, name_len) == 0) \
        return ((v) == RTMPKIT_RECONNECT_FOREVER ? snprintf(buf, cap, "forever") \
                                                 : snprintf(buf, cap, "%d", (int)(v))) < 0 ? -1 : 0;
    CLI_DEFAULTS(CLI_DEFAULT_NUMBER_, CLI_DEFAULT_TEXT_, CLI_DEFAULT_ATTEMPTS_)
#undef CLI_DEFAULT_ATTEMPTS_
#undef CLI_DEFAULT_NUMBER_
#undef CLI_DEFAULT_TEXT_
    return -1;
}

#endif
