/* Logging owned by a session: level, sink and the secrets to scrub live here, not in globals. */
#ifndef RTMPKIT_LOG_H
#define RTMPKIT_LOG_H

#include "rtmpkit/export.h"

#include <stddef.h>

enum rtmpkit_log_level {
    RTMPKIT_LOG_QUIET = -1,
    RTMPKIT_LOG_ERROR = 0,
    RTMPKIT_LOG_WARN,
    RTMPKIT_LOG_INFO,
    RTMPKIT_LOG_DEBUG,
    RTMPKIT_LOG_TRACE,
};

#define RTMPKIT_LOG_MAX_SECRETS 32
#define RTMPKIT_LOG_LINE_MAX    1024

/* Receives one finished line (no newline), already scrubbed of secrets and control bytes. */
typedef void (*rtmpkit_log_fn)(void *opaque, int level, const char *line);

typedef struct rtmpkit_log {
    int level;                  /* lines above this level are dropped */
    rtmpkit_log_fn fn;          /* NULL: write "prefix: line" to stderr */
    void *opaque;
    const char *prefix;         /* e.g. "rtmp-dump"; not owned */
    struct rtmpkit_log_secrets *secrets;   /* private to the library: use rtmpkit_log_add_secret */
} rtmpkit_log;

/* Sets defaults: level INFO, stderr, no secrets. */
RTMPKIT_API void rtmpkit_log_init(rtmpkit_log *log, const char *prefix);
/* Frees the stored secrets (the log can be used again, without them). */
RTMPKIT_API void rtmpkit_log_cleanup(rtmpkit_log *log);
/* Every later line has each occurrence of secret replaced by "***". Strings shorter than
 * 3 bytes are ignored (they would scrub ordinary words). Returns 0 or an error. */
RTMPKIT_API int rtmpkit_log_add_secret(rtmpkit_log *log, const char *secret);
/* Formats, scrubs and emits one line: secrets are masked in the whole text before it is
 * cut to RTMPKIT_LOG_LINE_MAX. log may be NULL (then nothing happens). */
RTMPKIT_API void rtmpkit_logf(const rtmpkit_log *log, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replaces each secret in line (in place, NUL-terminated, capacity cap) by "***", and each
 * control byte (C0, DEL, UTF-8 C1) by '?', so that text from a peer stays on one line and
 * cannot drive a terminal. log may be NULL (then only control bytes are replaced). */
RTMPKIT_API void rtmpkit_log_scrub(const rtmpkit_log *log, char *line, size_t cap);

#endif
