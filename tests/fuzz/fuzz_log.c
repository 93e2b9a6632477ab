/* Log lines and the engine's and client's error buffers (core/log.c) on arbitrary text
 * and secrets. Byte 0 picks the buffer's size (1 to 2048, or a whole log line); the rest
 * is split at 0xff bytes: up to four secrets first (kept when alphanumeric, so that no
 * mask or '?' can make one), then the text. Beyond what the sanitizers catch: no control
 * byte and no UTF-8 C1 control is left, and no secret appears whole in what is shown. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log_internal.h"
#include "rtmpkit/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

static char *secrets[4];
static int nsecrets;

static void check_shown(const char *s, size_t cap)
{
    size_t len = strlen(s);
    REQUIRE(len < cap);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        REQUIRE(c >= 0x20 && c != 0x7f);
        REQUIRE(!(c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f));
    }
    for (int i = 0; i < nsecrets; i++)
        REQUIRE(strstr(s, secrets[i]) == NULL);
}

static void sink(void *opaque, int level, const char *line)
{
    (void)opaque;
    (void)level;
    check_shown(line, RTMPKIT_LOG_LINE_MAX);
}

static void format_into(const rtmpkit_log *log, char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rk_log_vformat(log, out, cap, fmt, ap);
    va_end(ap);
}

static int alnum(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmpkit_log log;
    size_t cap, pos = 1;
    char *text, *out;
    if (size < 1)
        return 0;
    cap = (size_t)data[0] * 8 + 1;
    rtmpkit_log_init(&log, NULL);
    log.fn = sink;
    nsecrets = 0;
    /* Secrets: the pieces before the last 0xff, four at most. */
    while (nsecrets < 4) {
        const uint8_t *end = memchr(data + pos, 0xff, size - pos);
        size_t n;
        if (!end)
            break;
        n = (size_t)(end - (data + pos));
        if (n >= 3 && alnum(data + pos, n)) {
            secrets[nsecrets] = strndup((const char *)data + pos, n);
            if (!secrets[nsecrets] || rtmpkit_log_add_secret(&log, secrets[nsecrets]) < 0) {
                free(secrets[nsecrets]);
                break;
            }
            nsecrets++;
        }
        pos += n + 1;
    }
    text = strndup((const char *)data + pos, size - pos);
    out = malloc(cap);
    if (text && out) {
        format_into(&log, out, cap, "%s", text);
        check_shown(out, cap);
        format_into(&log, out, cap, "status %s: %s", text, text);
        check_shown(out, cap);
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", text);
    }
    free(out);
    free(text);
    for (int i = 0; i < nsecrets; i++)
        free(secrets[i]);
    nsecrets = 0;
    rtmpkit_log_cleanup(&log);
    return 0;
}
