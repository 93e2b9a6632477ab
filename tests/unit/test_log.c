#include "check.h"
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
        CHECK_INT(strlen(captured), RTMPKIT_LOG_LINE_MAX - 1 - 6);   /* 9-byte secret became *** */
        CHECK(strstr(captured, "s3cr3tkey") == NULL);
    }
    log.level = RTMPKIT_LOG_QUIET;
    rtmpkit_logf(&log, RTMPKIT_LOG_ERROR, "silent");
    CHECK(strcmp(captured, "silent") != 0);
    rtmpkit_logf(NULL, RTMPKIT_LOG_ERROR, "no log at all");
    rtmpkit_log_cleanup(&log);
    return check_report("log");
}
