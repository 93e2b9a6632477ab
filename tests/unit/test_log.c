#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "log_internal.h"
#include "rtmpkit/log.h"

static char captured[RTMPKIT_LOG_LINE_MAX];
static int lines;

static void capture(void *opaque, int level, const char *line)
{
    (void)opaque;
    (void)level;
    snprintf(captured, sizeof captured, "%s", line);
    lines++;
}

/* rk_log_vformat through a variadic wrapper, as the engine and the client call it. */
static void format_into(const rtmpkit_log *log, char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rk_log_vformat(log, out, cap, fmt, ap);
    va_end(ap);
}

/* A secret across the cut is masked before the line is cut, in log lines and in the
 * engine's and client's fixed error buffers; control bytes never get through. */
static void test_cut_and_controls(rtmpkit_log *log)
{
    char big[RTMPKIT_LOG_LINE_MAX + 100], small[32];

    /* 1020 bytes, then the secret: cut first, "s3c" would be the line's last bytes. */
    memset(big, 'a', 1020);
    snprintf(big + 1020, sizeof big - 1020, "s3cr3tkey and more");
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", big);
    CHECK_INT(strlen(captured), RTMPKIT_LOG_LINE_MAX - 1);
    CHECK(strstr(captured, "s3c") == NULL);
    CHECK(strstr(captured, "***") != NULL);

    /* A server's megabyte of text made of the key: masked in linear time; past the
     * formatted window the key cut at its end is masked too. */
    {
        size_t n = 1 << 20;
        char *huge = malloc(n + 1);
        CHECK(huge != NULL);
        if (huge) {
            for (size_t i = 0; i < n; i++)
                huge[i] = "s3cr3tkey"[i % 9];
            huge[n] = 0;
            format_into(log, small, sizeof small, "%s", huge);
            CHECK_STR(small, "*******************************");
            /* A 4000-byte token, repeated: 16 of them and 1535 bytes of the 17th fill the
             * formatted window (64 KiB); masked, the cut one would be in the line. */
            char token[4001];
            for (int i = 0; i < 4000; i += 4)
                snprintf(token + i, 5, "%04d", i / 4);
            CHECK_INT(rtmpkit_log_add_secret(log, token), 0);
            for (size_t i = 0; i < n; i++)
                huge[i] = token[i % 4000];
            rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "%s", huge);
            CHECK_STR(captured, "***************************************************");   /* 17 masks */
            free(huge);
        }
    }

    format_into(log, small, sizeof small, "connect failed: rtmp://h/app/%s", "s3cr3tkey");
    CHECK_STR(small, "connect failed: rtmp://h/app/**");
    format_into(log, small, sizeof small, "short %s", "s3cr3tkey");
    CHECK_STR(small, "short ***");
    format_into(NULL, small, sizeof small, "no log %s", "a\nb");
    CHECK_STR(small, "no log a?b");

    /* A server's description: ESC, BEL, CR, LF, DEL and a UTF-8 C1 CSI become '?';
     * other UTF-8 stays. */
    rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "status %s", "x\x1b]0;title\x07\r\nrtmp-dump: forged\x7f\xc2\x9b" "2J caf\xc3\xa9");
    CHECK_STR(captured, "status x?]0;title???rtmp-dump: forged???2J caf\xc3\xa9");
    {
        char title[] = "meta\x1b[2Jtitle\n";
        rtmpkit_log_scrub(NULL, title, sizeof title);
        CHECK_STR(title, "meta?[2Jtitle?");
    }
}

int main(void)
{
    rtmpkit_log log;
    rtmpkit_log_init(&log, "test");
    log.fn = capture;
    rtmpkit_logf(&log, RTMPKIT_LOG_INFO, "hello %d", 42);
    CHECK_STR(captured, "hello 42");
    rtmpkit_logf(&log, RTMPKIT_LOG_DEBUG, "hidden");
    CHECK_INT(lines, 1);

    CHECK_INT(rtmpkit_log_add_secret(&log, "s3cr3tkey"), 0);
    CHECK_INT(rtmpkit_log_add_secret(&log, "pw"), 0);   /* too short: ignored */
    rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "publishing rtmp://h/live/s3cr3tkey?x=s3cr3tkeys3cr3tkey");
    CHECK_STR(captured, "publishing rtmp://h/live/***?x=******");
    rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "pw stays");
    CHECK_STR(captured, "pw stays");

    /* Long lines are cut, never overflowed, and still scrubbed. */
    {
        char big[3000];
        memset(big, 'a', sizeof big);
        memcpy(big + 1000, "s3cr3tkey", 9);
        big[sizeof big - 1] = 0;
        rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "%s", big);
        CHECK_INT(strlen(captured), RTMPKIT_LOG_LINE_MAX - 1);   /* masked, then cut: a full line */
        CHECK(strstr(captured, "s3cr3tkey") == NULL);
    }
    test_cut_and_controls(&log);
    log.level = RTMPKIT_LOG_QUIET;
    rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "silent");
    CHECK(strcmp(captured, "silent") != 0);
    rtmpkit_logf(NULL, RTMPKIT_LOG_ERROR, "no log at all");
    rtmpkit_log_cleanup(&log);
    return check_report("log");
}
