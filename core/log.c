#include "rtmpkit/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_internal.h"
#include "rtmpkit/error.h"

#define SECRET_MASK "***"
#define SECRET_MIN_LENGTH 3
/* Of a longer line, only this much is formatted and masked before the cut (a server's
 * description can be megabytes); a secret across this end is masked as a cut one. */
#define FORMAT_WINDOW (64 * 1024)

/* Owned copies of the strings to scrub, allocated with the first one. */
struct rtmpkit_log_secrets {
    char *items[RTMPKIT_LOG_MAX_SECRETS];
};

void rtmpkit_log_init(rtmpkit_log *log, const char *prefix)
{
    memset(log, 0, sizeof *log);
    log->level = RTMPKIT_LOG_INFO;
    log->prefix = prefix;
}

void rtmpkit_log_cleanup(rtmpkit_log *log)
{
    if (!log->secrets)
        return;
    for (int i = 0; i < RTMPKIT_LOG_MAX_SECRETS; i++)
        free(log->secrets->items[i]);
    free(log->secrets);
    log->secrets = NULL;
}

int rtmpkit_log_add_secret(rtmpkit_log *log, const char *secret)
{
    char **items;
    if (!secret || strlen(secret) < SECRET_MIN_LENGTH)
        return 0;
    if (!log->secrets && !(log->secrets = calloc(1, sizeof *log->secrets)))
        return RTMPKIT_ENOMEM;
    items = log->secrets->items;
    for (int i = 0; i < RTMPKIT_LOG_MAX_SECRETS; i++) {
        if (items[i] && strcmp(items[i], secret) == 0)
            return 0;
        if (!items[i]) {
            items[i] = strdup(secret);
            return items[i] ? 0 : RTMPKIT_ENOMEM;
        }
    }
    return RTMPKIT_ELIMIT;
}

/* Replaces every occurrence of secret in line by the mask, in one pass (a peer's text
 * full of the key costs linear time). The mask is never longer than a secret
 * (SECRET_MIN_LENGTH), so the line only shrinks and the writes stay behind the reads. */
static void scrub_one(char *line, const char *secret)
{
    size_t secret_len = strlen(secret), mask_len = strlen(SECRET_MASK);
    char *read = line, *write = line, *hit;
    while ((hit = strstr(read, secret)) != NULL) {
        memmove(write, read, (size_t)(hit - read));
        write += hit - read;
        memcpy(write, SECRET_MASK, mask_len);
        write += mask_len;
        read = hit + secret_len;
    }
    memmove(write, read, strlen(read) + 1);
}

/* Control bytes (C0, DEL, and the UTF-8 form of the C1 controls) become '?': text from a
 * peer cannot break a line, forge another, or drive the terminal. */
static void replace_controls(char *line)
{
    for (unsigned char *p = (unsigned char *)line; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            p[0] = p[1] = '?';
    }
}

void rtmpkit_log_scrub(const rtmpkit_log *log, char *line, size_t cap)
{
    (void)cap;
    if (log && log->secrets)
        for (int i = 0; i < RTMPKIT_LOG_MAX_SECRETS; i++)
            if (log->secrets->items[i])
                scrub_one(line, log->secrets->items[i]);
    replace_controls(line);
}

/* A line that was cut at its end: any tail that starts a secret is masked too. */
static void mask_cut_secrets(const rtmpkit_log *log, char *line)
{
    size_t len = strlen(line);
    if (!log || !log->secrets)
        return;
    for (int i = 0; i < RTMPKIT_LOG_MAX_SECRETS; i++) {
        const char *s = log->secrets->items[i];
        size_t k = s ? strlen(s) - 1 : 0;
        for (k = k < len ? k : len; k > 0; k--) {
            if (memcmp(line + len - k, s, k) == 0) {
                len -= k;
                line[len] = 0;
                if (k >= strlen(SECRET_MASK)) {
                    memcpy(line + len, SECRET_MASK, strlen(SECRET_MASK) + 1);
                    len += strlen(SECRET_MASK);
                }
                break;
            }
        }
    }
}

void rk_log_vformat(const rtmpkit_log *log, char *out, size_t cap, const char *fmt, va_list ap)
{
    va_list again;
    char *full = NULL;
    int n;
    if (cap == 0)
        return;
    va_copy(again, ap);
    n = vsnprintf(out, cap, fmt, ap);
    if (n < 0)
        out[0] = 0;
    else if ((size_t)n >= cap)
        full = malloc(FORMAT_WINDOW);
    if (full) {
        /* Mask the whole line first, then cut: a secret across the cut is never half shown. */
        vsnprintf(full, FORMAT_WINDOW, fmt, again);
        rtmpkit_log_scrub(log, full, FORMAT_WINDOW);
        if ((size_t)n >= FORMAT_WINDOW)
            mask_cut_secrets(log, full);
        n = (int)strlen(full);
        if ((size_t)n >= cap)
            n = (int)cap - 1;
        memcpy(out, full, (size_t)n);
        out[n] = 0;
        free(full);
    } else {
        rtmpkit_log_scrub(log, out, cap);
        if (n >= 0 && (size_t)n >= cap)
            mask_cut_secrets(log, out);
    }
    va_end(again);
}

void rtmpkit_logf(const rtmpkit_log *log, int level, const char *fmt, ...)
{
    char line[RTMPKIT_LOG_LINE_MAX];
    va_list ap;
    if (!log || level > log->level)
        return;
    va_start(ap, fmt);
    rk_log_vformat(log, line, sizeof line, fmt, ap);
    va_end(ap);
    if (log->fn)
        log->fn(log->opaque, level, line);
    else
        fprintf(stderr, "%s%s%s\n", log->prefix ? log->prefix : "", log->prefix ? ": " : "", line);
}
