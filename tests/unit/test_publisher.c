/* The publisher (core/publisher.c) over a session to the scripted in-memory server:
 * onMetaData sent with @setDataFrame and other data as it is, a timecode once a second of
 * video, pacing in real time, and the drop policy against a peer that stopped reading. */
#include <time.h>

#include "mem_server.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/publisher.h"
#include "session_internal.h"

struct fixture {
    struct server server;
    rtmpkit_url url;
    rtmpkit_session *session;
    rtmpkit_publisher *publisher;
};

static void fixture_init(struct fixture *f, int paced, int live, int queue_ms)
{
    rtmpkit_session_config cfg;
    rk_transport_opener opener = { server_open, &f->server };
    memset(f, 0, sizeof *f);
    server_init(&f->server, SCRIPT_PUBLISH);
    CHECK_INT(rtmpkit_url_parse("rtmp://127.0.0.1/live/key", &f->url), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.client.url = &f->url;
    cfg.client.handshake_timeout_ms = 2000;
    cfg.client.conn.simple_handshake = 1;
    cfg.publish = 1;
    cfg.stream = f->url.stream;
    f->session = rk_session_new_with_opener(&cfg, &opener);
    CHECK(f->session != NULL);
    CHECK_INT(rtmpkit_session_start(f->session), 0);
    CHECK(find_command(&f->server, "publish", 0) != NULL);
    f->publisher = rtmpkit_publisher_new(&(rtmpkit_publisher_config){
        .client = rtmpkit_session_client(f->session), .paced = paced, .live = live, .queue_ms = queue_ms });
    CHECK(f->publisher != NULL);
}

static void fixture_free(struct fixture *f)
{
    rtmpkit_publisher_free(f->publisher);
    rtmpkit_session_free(f->session);
    server_free(&f->server);
    rtmpkit_url_free(&f->url);
}

static int send_tag(struct fixture *f, uint8_t type, int64_t dts, uint32_t flags, const void *data, size_t size)
{
    return rtmpkit_publisher_send(f->publisher, &(rtmpkit_media_tag){ type, dts, flags, data, size });
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* How many messages of a type (and data name, when given) the server received. */
static int received(const struct server *s, uint8_t type, const char *name)
{
    int n = 0;
    for (int i = 0; i < s->got_count; i++)
        n += s->got[i].type == type && (!name || strcmp(s->got[i].command, name) == 0);
    return n;
}

static void test_metadata_and_timecodes(void)
{
    static const uint8_t meta[] = { 2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 8, 0, 0, 0, 0, 0, 0, 9 };
    static const uint8_t cue[] = { 2, 0, 10, 'o', 'n', 'C', 'u', 'e', 'P', 'o', 'i', 'n', 't', 5 };
    static const uint8_t avcc[] = { 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F }, key[] = { 0x17, 1, 0, 0, 0, 0xAA },
                         inter[] = { 0x27, 1, 0, 0, 0, 0xBB };
    rtmpkit_publisher_stats st;
    struct fixture f;
    fixture_init(&f, 0, 0, RTMPKIT_PUBLISHER_DEFAULT_QUEUE_MS);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_DATA, 0, RTMPKIT_MEDIA_CONFIG, meta, sizeof meta), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_CONFIG, avcc, sizeof avcc), 1);
    for (int64_t dts = 0; dts <= 2000; dts += 100)
        CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, dts, dts % 1000 ? 0 : RTMPKIT_MEDIA_KEYFRAME,
                           dts % 1000 ? inter : key, 6), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_DATA, 2000, 0, cue, sizeof cue), 1);
    CHECK_INT(rtmpkit_publisher_flush(f.publisher), 0);
    CHECK_INT(received(&f.server, RTMPKIT_FLV_DATA, "@setDataFrame"), 1);   /* the metadata, wrapped */
    CHECK_INT(received(&f.server, RTMPKIT_FLV_DATA, "onMetaData"), 0);
    CHECK_INT(received(&f.server, RTMPKIT_FLV_DATA, "onCuePoint"), 1);      /* other data as it is */
    CHECK_INT(received(&f.server, RTMPKIT_FLV_DATA, "onFI"), 3);            /* at 0, 1000 and 2000 */
    CHECK_INT(received(&f.server, RTMPKIT_FLV_VIDEO, NULL), 22);
    rtmpkit_publisher_get_stats(f.publisher, &st);
    CHECK_INT(st.video_sent, 21);                                           /* the header is no frame */
    CHECK_INT(st.dropped, 0);
    CHECK_INT(st.last_dts_ms, 2000);
    CHECK_INT(st.media_bytes, 21 * 6 + sizeof cue);
    fixture_free(&f);
}

/* Paced: each tag waits for its moment (a lower bound only: a busy machine is later). */
static void test_pacing(void)
{
    static const uint8_t key[] = { 0x17, 1, 0, 0, 0, 0xAA };
    struct fixture f;
    uint64_t start;
    fixture_init(&f, 1, 0, RTMPKIT_PUBLISHER_DEFAULT_QUEUE_MS);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    start = rtmpkit_monotonic_ms();
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 150, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 300, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    CHECK(rtmpkit_monotonic_ms() - start >= 290);
    fixture_free(&f);
}

/* A live input and a peer that stopped reading: past the queue limit non-reference frames
 * go, past twice video up to the next keyframe, past four times audio too; headers never. */
static void test_drop_policy(void)
{
    static const uint8_t key[] = { 0x17, 1, 0, 0, 0, 0xAA }, inter[] = { 0x27, 1, 0, 0, 0, 0xBB },
                         aac[] = { 0xAF, 1, 0x21 }, avcc[] = { 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F };
    rtmpkit_publisher_stats st;
    struct fixture f;
    fixture_init(&f, 0, 1, 200);
    f.server.mem->write_blocked = 1;
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    sleep_ms(300);                                                           /* 300 ms late */
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 40, RTMPKIT_MEDIA_DROPPABLE, inter, sizeof inter), 0);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 80, 0, inter, sizeof inter), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_AUDIO, 80, 0, aac, sizeof aac), 1);
    sleep_ms(200);                                                           /* 500 ms */
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 120, 0, inter, sizeof inter), 0);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_AUDIO, 120, 0, aac, sizeof aac), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 120, RTMPKIT_MEDIA_CONFIG, avcc, sizeof avcc), 1);
    sleep_ms(400);                                                           /* 900 ms */
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_AUDIO, 160, 0, aac, sizeof aac), 0);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 160, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 0);
    rtmpkit_publisher_get_stats(f.publisher, &st);
    CHECK(st.queue_latency_ms >= 800);
    f.server.mem->write_blocked = 0;                                         /* the peer reads again */
    CHECK_INT(rtmpkit_client_pump(rtmpkit_session_client(f.session), 0), 0);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 200, 0, inter, sizeof inter), 0);   /* still no keyframe */
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 240, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    CHECK_INT(rtmpkit_publisher_flush(f.publisher), 0);
    rtmpkit_publisher_get_stats(f.publisher, &st);
    CHECK_INT(st.dropped, 5);
    CHECK_INT(st.queue_latency_ms, 0);
    CHECK_INT(received(&f.server, RTMPKIT_FLV_VIDEO, NULL), 4);             /* key, inter, header, key */
    CHECK_INT(received(&f.server, RTMPKIT_FLV_AUDIO, NULL), 2);
    fixture_free(&f);
}

int main(void)
{
    test_metadata_and_timecodes();
    test_pacing();
    test_drop_policy();
    return check_report("publisher");
}
