/* Formatting into the library's fixed error buffers, the way log lines are made. */
#ifndef RK_LOG_INTERNAL_H
#define RK_LOG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "rtmpkit/log.h"

/* Formats fmt into out (capacity cap, always NUL-terminated), masks log's secrets and
 * replaces control bytes in the whole text, and only then cuts it to fit: a secret across
 * the cut is never half shown. log may be NULL (control bytes are still replaced). */
void rk_log_vformat(const rtmpkit_log *log, char *out, size_t cap, const char *fmt, va_list ap);

#endif
