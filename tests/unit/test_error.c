#include "check.h"
#include "rtmpkit/error.h"

int main(void)
{
    CHECK_STR(rtmpkit_strerror(0), "success");
    CHECK_STR(rtmpkit_strerror(RTMPKIT_ETIMEOUT), "timed out");
    CHECK_STR(rtmpkit_strerror(-9999), "unknown error");
    CHECK_STR(rtmpkit_error_name(RTMPKIT_EREFUSED), "REFUSED");
    CHECK_INT(rtmpkit_exit_status(0), 0);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EUSAGE), 2);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EBAD_URL), 2);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EDNS), 3);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EREFUSED), 4);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_ETIMEOUT), 5);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_ENOT_FOUND), 8);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EOUTPUT), 10);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EREJECTED), 7);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EPROTOCOL), 9);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_ETRUNCATED), 9);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EAUTH), 16);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_EUNKNOWN_APP), 17);
    CHECK_INT(rtmpkit_exit_status(RTMPKIT_ELIMIT), 18);
    CHECK_INT(rtmpkit_exit_status(-9999), 1);
    /* Every value in the table is distinct and negative. */
#define SEEN(name, value, exit_status, message) seen[-(value)]++; CHECK((value) < 0);
    {
        int seen[64] = { 0 };
        RTMPKIT_ERROR_TABLE(SEEN)
        for (int i = 0; i < 64; i++)
            CHECK(seen[i] <= 1);
    }
    /* Distinct failures have distinct statuses: only the documented groups share one
     * (1 our own faults, 2 the command line, 9 malformed server data). */
#define STATUS(name, value, exit_status, message) statuses[exit_status]++;
    {
        int statuses[256] = { 0 };
        RTMPKIT_ERROR_TABLE(STATUS)
        for (int i = 0; i < 256; i++)
            CHECK(statuses[i] <= 1 || i == 1 || i == 2 || i == 9);
        CHECK_INT(statuses[9], 2);
    }
    return check_report("error");
}
