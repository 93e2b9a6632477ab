/* Links against librtmpkit.so and uses only the installed headers: the public API must
 * be exported, the internals must not be. */
#include <dlfcn.h>

#include "check.h"
#include "rtmpkit/rtmpkit.h"

int main(void)
{
    rtmpkit_url url;
    rtmpkit_conn_config cfg = { .app = "live", .tc_url = "rtmp://h/live" };
    rtmpkit_conn *conn;
    char shown[128];

    CHECK_STR(rtmpkit_strerror(RTMPKIT_ETIMEOUT), "timed out");
    CHECK_INT(rtmpkit_url_parse("rtmp://u:pw@h:1936/live/key?t=1", &url), 0);
    rtmpkit_url_format_redacted(&url, 1, shown, sizeof shown);
    CHECK(strstr(shown, "pw") == NULL && strstr(shown, "key") == NULL);
    rtmpkit_url_free(&url);
    conn = rtmpkit_conn_new(&cfg);
    CHECK(conn != NULL);
    rtmpkit_conn_free(conn);
    /* Internal symbols stay hidden. */
    CHECK(dlsym(RTLD_DEFAULT, "rk_chunk_reader_new") == NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_client_connect") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_timeline_map") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_probe_new") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_codec_config_parse") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_hevc_sps_parse") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_av1_seq_header_parse") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rk_bits_read") == NULL);
    CHECK(dlsym(RTLD_DEFAULT, "rtmpkit_client_connect_properties") != NULL);
    return check_report("shared");
}
