#include "rtmpkit/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

#define SECRET_MASK "***"
#define SECRET_MIN_LENGTH 3

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

/* Replaces every occurrence of secret in line by the mask, keeping within cap. */
static void scrub_one(char *line, size_t cap, const char *secret)
{
    size_t secret_len = strlen(secret), mask_len = strlen(SECRET_MASK);
    char *hit = line;
    while ((hit = strstr(hit, secret)) != NULL) {
        size_t tail = strlen(hit + secret_len);
        /* The mask is never longer than a secret (SECRET_MIN_LENGTH), so this only shrinks. */
        memmove(hit + mask_len, hit + secret_len, tail + 1);
        memcpy(hit, SECRET_MASK, mask_len);
        hit += mask_len;
    }
    (void)cap;
}

void rtmpkit_log_scrub(const rtmpkit_log *log, char *line, size_t cap)
{
    if (!log || !log->secrets)
        return;
    for (int i = 0; i < RTMPKIT_LOG_MAX_SECRETS; i++)
        if (log->secrets->items[i])
            scrub_one(line, cap, log->secrets->items[i]);
}

void rtmpkit_logf(const rtmpkit_log *log, int level, const char *fmt, ...)
{
    char line[RTMPKIT_LOG_LINE_MAX];
    va_list ap;
    if (!log || level > log->level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    rtmpkit_log_scrub(log, line, sizeof line);
    if (log->fn)
        log->fn(log->opaque, level, line);
    else
        fprintf(stderr, "%s%s%s\n", log->prefix ? log->prefix : "", log->prefix ? ": " : "", line);
}
