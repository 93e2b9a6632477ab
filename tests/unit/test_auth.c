/* core/auth.c: authmod=adobe and authmod=llnw answers. The expected strings were computed
 * independently with Python's hashlib and base64 from the published algorithm (FFmpeg's
 * rtmpproto.c do_adobe_auth / do_llnw_auth), not with this code. */
#include "check.h"

#include <stdlib.h>

#include "auth.h"
#include "rtmpkit/error.h"

#define DESC_NEED  "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "
#define DESC_ADOBE "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice" \
                   "&salt=s4lt==&challenge=ChAlL3nge&opaque=0pAqUe"

int main(void)
{
    char out[512], why[256];

    /* detection */
    CHECK_INT(rk_auth_method_of(DESC_NEED), RK_AUTH_ADOBE);
    CHECK_INT(rk_auth_method_of("[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth"), RK_AUTH_LLNW);
    CHECK_INT(rk_auth_method_of("Connection failed: application not found"), RK_AUTH_NONE);
    CHECK_INT(rk_auth_method_of(NULL), RK_AUTH_NONE);

    /* adobe: base64(md5(base64(md5(user salt password)) opaque|challenge challenge2)) */
    CHECK_INT(rk_auth_adobe_response("alice", "s4lt==", "p@ss w0rd", "0pAqUe", "ChAlL3nge", "0a1b2c3d", out, sizeof out), 0);
    CHECK_STR(out, "EoAo1wRLTFCgUlJZyQErBw==");
    CHECK_INT(rk_auth_adobe_response("alice", "s4lt==", "p@ss w0rd", NULL, "ChAlL3nge", "0a1b2c3d", out, sizeof out), 0);
    CHECK_STR(out, "3w5HyUlcPWDMYhxySMzIGw==");
    CHECK_INT(rk_auth_adobe_response("alice", "s4lt==", "p@ss w0rd", NULL, NULL, "0a1b2c3d", out, sizeof out), 0);
    CHECK_STR(out, "4BT8LKBwLJyYasL1ITLW4Q==");
    CHECK(rk_auth_adobe_response("alice", "s", "p", NULL, NULL, "0a1b2c3d", out, 24) < 0);   /* no room */

    /* llnw: HTTP-digest-like, realm "live", method "publish", app/_definst_ */
    CHECK_INT(rk_auth_llnw_response("bob", "hunter2", "live", "publish", "live", "N0nCe123", "00000001",
                                    "deadbeef", "auth", out, sizeof out), 0);
    CHECK_STR(out, "a047e86101bb4dc94aef5b7df17409f4");
    CHECK_INT(rk_auth_llnw_response("bob", "hunter2", "live", "publish", "app/inst", "N0nCe123", "00000001",
                                    "deadbeef", "auth", out, sizeof out), 0);
    CHECK_STR(out, "3b4d2b1cf93de8a5904ccc461c4b9a2c");

    /* the exchange: first the user name, then the response */
    CHECK_INT(rk_auth_answer(DESC_NEED, "alice", "p@ss w0rd", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), 0);
    CHECK_STR(out, "?authmod=adobe&user=alice");
    CHECK_INT(rk_auth_answer(DESC_ADOBE, "alice", "p@ss w0rd", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), 0);
    CHECK_STR(out, "?authmod=adobe&user=alice&challenge=0a1b2c3d&response=EoAo1wRLTFCgUlJZyQErBw==&opaque=0pAqUe");
    CHECK_INT(rk_auth_answer("[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt=s4lt==&challenge=ChAlL3nge",
                             "alice", "p@ss w0rd", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), 0);
    CHECK_STR(out, "?authmod=adobe&user=alice&challenge=0a1b2c3d&response=3w5HyUlcPWDMYhxySMzIGw==");
    CHECK_INT(rk_auth_answer("[ AccessManager.Reject ] : [ code=403 need auth; authmod=llnw ] : ",
                             "bob", "hunter2", "live", "deadbeef", out, sizeof out, why, sizeof why), 0);
    CHECK_STR(out, "?authmod=llnw&user=bob");
    CHECK_INT(rk_auth_answer("[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=bob&nonce=N0nCe123",
                             "bob", "hunter2", "live", "deadbeef", out, sizeof out, why, sizeof why), 0);
    CHECK_STR(out, "?authmod=llnw&user=bob&nonce=N0nCe123&cnonce=deadbeef&nc=00000001&response=a047e86101bb4dc94aef5b7df17409f4");

    /* refusals */
    CHECK_INT(rk_auth_answer("[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=x",
                             "alice", "bad", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), RTMPKIT_EAUTH);
    CHECK_STR(why, "incorrect user name or password (authmod=adobe)");
    CHECK_INT(rk_auth_answer("[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=nosuchuser",
                             "x", "y", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), RTMPKIT_EAUTH);
    CHECK_STR(why, "no such user (authmod=llnw)");
    CHECK_INT(rk_auth_answer("[ authmod=adobe ] : ?reason=needauth&user=a&challenge=c",
                             "a", "b", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), RTMPKIT_EAUTH);
    CHECK_STR(why, "the server's authmod=adobe challenge has no salt");
    CHECK_INT(rk_auth_answer("[ authmod=llnw ] : ?reason=needauth&user=a",
                             "a", "b", "live", "0a1b2c3d", out, sizeof out, why, sizeof why), RTMPKIT_EAUTH);
    CHECK_INT(rk_auth_answer("[ authmod=adobe ] : who knows", "a", "b", "live", "0a1b2c3d", out, sizeof out,
                             why, sizeof why), RTMPKIT_EAUTH);
    CHECK_INT(rk_auth_answer("rejected", "a", "b", "live", "0a1b2c3d", out, sizeof out, why, sizeof why),
              RTMPKIT_EAUTH);
    /* a value longer than the cap is not taken (nor overrun) */
    {
        char desc[1200];
        memset(desc, 0, sizeof desc);
        snprintf(desc, sizeof desc, "[ authmod=adobe ] : ?reason=needauth&salt=");
        memset(desc + strlen(desc), 'x', 600);
        CHECK_INT(rk_auth_answer(desc, "a", "b", "live", "0a1b2c3d", out, sizeof out, why, sizeof why),
                  RTMPKIT_EAUTH);
    }
    /* the answer does not fit */
    CHECK(rk_auth_answer(DESC_ADOBE, "alice", "p@ss w0rd", "live", "0a1b2c3d", out, 40, why, sizeof why) < 0);

    /* appending to an app or tcUrl */
    {
        char *s = rk_auth_append_query("live", "?authmod=adobe&user=a");
        CHECK_STR(s, "live?authmod=adobe&user=a");
        free(s);
        s = rk_auth_append_query("rtmp://h/live?token=1", "?authmod=adobe&user=a");
        CHECK_STR(s, "rtmp://h/live?token=1&authmod=adobe&user=a");
        free(s);
    }
    return check_report("auth");
}
