/* The publisher (core/publisher.c) over a session to the scripted in-memory server:
 * onMetaData sent with @setDataFrame and other data as it is, a timecode once a second of
 * video, pacing in real time, the drop policy against a peer that stopped reading, and
 * the resume after a cut connection (headers again, a keyframe first, timestamps that go
 * on with the real time lost, nothing twice, the input never paused). */
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

static int fixture_follow;   /* the next fixture's session follows ReconnectRequest */

static void fixture_init_policy(struct fixture *f, int paced, int live, int queue_ms,
                                const rtmpkit_reconnect_policy *policy)
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
    cfg.follow_reconnect_request = fixture_follow;
    if (policy)
        cfg.reconnect = *policy;
    f->session = rk_session_new_with_opener(&cfg, &opener);
    CHECK(f->session != NULL);
    CHECK_INT(rtmpkit_session_start(f->session), 0);
    CHECK(find_command(&f->server, "publish", 0) != NULL);
    f->publisher = rtmpkit_publisher_new(&(rtmpkit_publisher_config){
        .client = policy ? NULL : rtmpkit_session_client(f->session), .session = policy ? f->session : NULL,
        .paced = paced, .live = live, .queue_ms = queue_ms });
    CHECK(f->publisher != NULL);
}

static void fixture_init(struct fixture *f, int paced, int live, int queue_ms)
{
    fixture_init_policy(f, paced, live, queue_ms, NULL);
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

/* What the server got of a type on one connection (-1: all), for the resume checks. */
struct seen {
    int config, frames, keyframes;
    int first_is_key;       /* the first frame after the headers is a keyframe */
    int config_first;       /* the headers came before any frame */
    int64_t first_ts, last_ts;
    int monotonic;          /* timestamps never went back (and frames never repeated) */
};

static struct seen seen_of(const struct server *s, uint8_t type, int connection)
{
    struct seen r = { .first_ts = -1, .last_ts = -1, .monotonic = 1, .config_first = 1 };
    int64_t last_frame_ts = -1;
    for (int i = 0; i < s->got_count; i++) {
        const struct received *g = &s->got[i];
        int config = g->second_byte == 0;
        if (g->type != type || (connection >= 0 && g->connection != connection))
            continue;
        if ((int64_t)g->timestamp < r.last_ts || (int64_t)g->timestamp < last_frame_ts ||
            (!config && (int64_t)g->timestamp == last_frame_ts))
            r.monotonic = 0;
        r.last_ts = g->timestamp;
        if (!config)
            last_frame_ts = g->timestamp;
        if (config) {
            r.config++;
            r.config_first &= r.frames == 0;
            continue;
        }
        if (r.frames++ == 0) {
            r.first_ts = g->timestamp;
            r.first_is_key = type != RTMPKIT_FLV_VIDEO || (g->first_byte >> 4) == 1;
        }
        r.keyframes += type == RTMPKIT_FLV_VIDEO && (g->first_byte >> 4) == 1;
    }
    return r;
}

/* The index of the first message named name (a data message's) on a connection, or -1. */
static int first_named(const struct server *s, const char *name, int connection)
{
    for (int i = 0; i < s->got_count; i++)
        if (s->got[i].connection == connection && strcmp(s->got[i].command, name) == 0)
            return i;
    return -1;
}

static int first_of_type(const struct server *s, uint8_t type, int connection)
{
    for (int i = 0; i < s->got_count; i++)
        if (s->got[i].connection == connection && s->got[i].type == type)
            return i;
    return -1;
}

/* A paced stream (25 fps video, keyframe every 5th frame, audio with each frame) whose
 * connection is cut 2.2 s in (past the window in which a close reads as a refused
 * stream); two attempts are refused, the third publishes again. The input keeps its pace
 * through the outage, the newest 200 ms are held; the new connection gets @setDataFrame,
 * both sequence headers, then a keyframe; timestamps go on where the real time is, never
 * back, nothing twice; every frame read is received, dropped (counted) or was in flight. */
static void test_resume_after_cut(void)
{
    static const uint8_t meta[] = { 2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 8, 0, 0, 0, 0, 0, 0, 9 };
    static const uint8_t avcc[] = { 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F }, key[] = { 0x17, 1, 0, 0, 0, 0xAA },
                         inter[] = { 0x27, 1, 0, 0, 0, 0xBB }, aac_config[] = { 0xAF, 0, 0x12, 0x10 },
                         aac[] = { 0xAF, 1, 0x21 };
    rtmpkit_reconnect_policy policy = { .attempts = RTMPKIT_RECONNECT_FOREVER, .first_delay_ms = 100, .factor = 1 };
    rtmpkit_publisher_stats st;
    struct seen v0, v1, a0, a1;
    struct fixture f;
    uint64_t cut_at = 0, resumed_at = 0, start;
    int video_read = 0, audio_read = 0, was_down = 0;
    int64_t outage_ms, gap_ms;
    fixture_init_policy(&f, 1, 0, 200, &policy);
    start = rtmpkit_monotonic_ms();
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_DATA, 0, RTMPKIT_MEDIA_CONFIG, meta, sizeof meta), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_CONFIG, avcc, sizeof avcc), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_AUDIO, 0, RTMPKIT_MEDIA_CONFIG, aac_config, sizeof aac_config), 1);
    for (int64_t dts = 0; dts <= 3400; dts += 40) {
        int keyframe = dts % 200 == 0;
        CHECK(send_tag(&f, RTMPKIT_FLV_VIDEO, dts, keyframe ? RTMPKIT_MEDIA_KEYFRAME : 0,
                       keyframe ? key : inter, 6) >= 0);
        CHECK(send_tag(&f, RTMPKIT_FLV_AUDIO, dts, 0, aac, sizeof aac) >= 0);
        video_read++;
        audio_read++;
        rtmpkit_publisher_get_stats(f.publisher, &st);
        if (st.reconnecting)
            was_down = 1;
        if (was_down && !st.reconnecting && !resumed_at)
            resumed_at = rtmpkit_monotonic_ms();
        if (dts == 2200) {
            cut_at = rtmpkit_monotonic_ms();
            f.server.mem->eof = 1;          /* the link breaks ... */
            f.server.refuse = 2;            /* ... and stays down for two attempts */
        }
    }
    CHECK_INT(rtmpkit_publisher_flush(f.publisher), 0);
    CHECK(rtmpkit_monotonic_ms() - start >= 3300);     /* the pace held through the outage */
    rtmpkit_publisher_get_stats(f.publisher, &st);
    CHECK_INT(st.reconnects, 1);
    CHECK_INT(st.reconnecting, 0);
    CHECK_INT(f.server.opens, 2);
    CHECK_INT(f.server.refuse, 0);
    CHECK(resumed_at > cut_at);
    CHECK(find_command(&f.server, "publish", 1) != NULL);
    /* The new connection: metadata, then the headers, then frames from a keyframe. */
    CHECK(first_named(&f.server, "@setDataFrame", 1) >= 0);
    CHECK(first_named(&f.server, "@setDataFrame", 1) < first_of_type(&f.server, RTMPKIT_FLV_VIDEO, 1));
    v0 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 0);
    v1 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 1);
    a0 = seen_of(&f.server, RTMPKIT_FLV_AUDIO, 0);
    a1 = seen_of(&f.server, RTMPKIT_FLV_AUDIO, 1);
    CHECK_INT(v1.config, 1);
    CHECK_INT(a1.config, 1);
    CHECK(v1.config_first && a1.config_first);
    CHECK(v1.first_is_key);
    CHECK(v1.frames > 0 && a1.frames > 0);
    /* Timestamps: never back across the cut, nothing twice, the gap is time really lost. */
    CHECK(seen_of(&f.server, RTMPKIT_FLV_VIDEO, -1).monotonic);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_AUDIO, -1).monotonic);
    CHECK(v1.first_ts > v0.last_ts && a1.first_ts > a0.last_ts);
    CHECK_INT(v1.last_ts, 3400);                       /* no rebasing: stream time is real time */
    outage_ms = (int64_t)(resumed_at - cut_at);
    gap_ms = v1.first_ts - v0.last_ts;
    /* Held: the newest 200 ms (from a keyframe); lost: the rest of the outage. */
    CHECK(gap_ms <= outage_ms + 200 + 80);
    CHECK(gap_ms >= outage_ms - 200 - 80);
    /* Every frame is accounted for: received, dropped, or in flight when the link broke. */
    CHECK(v0.frames + v1.frames + a0.frames + a1.frames + (int)st.dropped <= video_read + audio_read);
    CHECK(v0.frames + v1.frames + a0.frames + a1.frames + (int)st.dropped >= video_read + audio_read - 4);
    CHECK(st.dropped > 0);
    fixture_free(&f);
}

/* The policy gives up: two attempts, both refused: the error ends the send. */
static void test_reconnect_gives_up(void)
{
    static const uint8_t key[] = { 0x17, 1, 0, 0, 0, 0xAA };
    rtmpkit_reconnect_policy policy = { .attempts = 2, .first_delay_ms = 20, .factor = 1 };
    struct fixture f;
    int n = 1;
    fixture_init_policy(&f, 0, 1, 200, &policy);
    sleep_ms(2100);                         /* past the refusal window */
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    f.server.mem->eof = 1;
    f.server.refuse = 100;
    for (int64_t dts = 40; dts < 4000 && n >= 0; dts += 40) {
        n = send_tag(&f, RTMPKIT_FLV_VIDEO, dts, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key);
        sleep_ms(10);
    }
    CHECK_INT(n, RTMPKIT_EREFUSED);
    CHECK_INT(f.server.refuse, 98);
    CHECK_INT(f.server.opens, 1);
    fixture_free(&f);
}

/* A black hole: the peer stops taking bytes without closing. A live send never waits for
 * the socket, so bytes written that stop moving for the write timeout are the fault; the
 * session reconnects and the stream goes on from a keyframe. */
static void test_blocked_link_reconnects(void)
{
    static const uint8_t key[] = { 0x17, 1, 0, 0, 0, 0xAA }, inter[] = { 0x27, 1, 0, 0, 0, 0xBB };
    rtmpkit_reconnect_policy policy = { .attempts = 3, .first_delay_ms = 20, .factor = 1 };
    rtmpkit_publisher_stats st;
    struct fixture f;
    struct seen v1;
    fixture_init_policy(&f, 0, 1, 200, &policy);
    rtmpkit_publisher_free(f.publisher);
    f.publisher = rtmpkit_publisher_new(&(rtmpkit_publisher_config){
        .session = f.session, .live = 1, .queue_ms = 200, .write_timeout_ms = 300 });
    CHECK(f.publisher != NULL);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_KEYFRAME, key, sizeof key), 1);
    f.server.mem->write_blocked = 1;
    /* Until 30 frames went after the resume (a loaded machine is slower, not wrong). */
    for (int64_t dts = 20, after = 0; dts <= 20000 && after < 30; dts += 20) {
        int keyframe = dts % 200 == 0;
        CHECK(send_tag(&f, RTMPKIT_FLV_VIDEO, dts, keyframe ? RTMPKIT_MEDIA_KEYFRAME : 0,
                       keyframe ? key : inter, 6) >= 0);
        rtmpkit_publisher_get_stats(f.publisher, &st);
        after += st.reconnects > 0;
        sleep_ms(20);
    }
    CHECK_INT(rtmpkit_publisher_flush(f.publisher), 0);
    rtmpkit_publisher_get_stats(f.publisher, &st);
    CHECK_INT(st.reconnects, 1);
    CHECK_INT(f.server.opens, 2);
    v1 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 1);
    CHECK(v1.frames > 10);
    CHECK(v1.first_is_key);
    CHECK(v1.first_ts > 0);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_VIDEO, -1).monotonic);
    fixture_free(&f);
}

/* A file sent as fast as the link takes it (neither paced nor live) has no clock to keep:
 * its send waits for the reconnect, nothing is held or dropped for time, and the new
 * connection starts at the input's next keyframe. */
static void test_unpaced_waits_for_reconnect(void)
{
    static const uint8_t key[] = { 0x17, 1, 0, 0, 0, 0xAA }, inter[] = { 0x27, 1, 0, 0, 0, 0xBB };
    rtmpkit_reconnect_policy policy = { .attempts = 5, .first_delay_ms = 50, .factor = 1 };
    rtmpkit_publisher_stats st;
    struct fixture f;
    struct seen v0, v1;
    int read = 0;
    uint64_t before = 0;
    fixture_init_policy(&f, 0, 0, 200, &policy);
    sleep_ms(2100);                         /* past the refusal window */
    for (int64_t dts = 0; dts < 2000; dts += 40, read++) {
        int keyframe = dts % 400 == 0;
        if (dts == 1000) {
            f.server.mem->eof = 1;
            f.server.refuse = 2;
            before = rtmpkit_monotonic_ms();
        }
        CHECK(send_tag(&f, RTMPKIT_FLV_VIDEO, dts, keyframe ? RTMPKIT_MEDIA_KEYFRAME : 0,
                       keyframe ? key : inter, 6) >= 0);
    }
    CHECK_INT(rtmpkit_publisher_flush(f.publisher), 0);
    CHECK(rtmpkit_monotonic_ms() - before >= 140);   /* three waits of 50 ms: the sends waited */
    rtmpkit_publisher_get_stats(f.publisher, &st);
    CHECK_INT(st.reconnects, 1);
    v0 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 0);
    v1 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 1);
    CHECK(v1.first_is_key);
    CHECK_INT(v1.first_ts % 400, 0);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_VIDEO, -1).monotonic);
    /* Dropped: only frames before the next keyframe; lost: at most the ones in flight. */
    CHECK((int64_t)st.dropped <= 400 / 40);
    CHECK(v0.frames + v1.frames + (int)st.dropped <= read);
    CHECK(v0.frames + v1.frames + (int)st.dropped >= read - 2);
    fixture_free(&f);
}

/* Enhanced RTMP ReconnectRequest, make before break: the publisher moves at the next
 * keyframe after the request; the old connection got every frame before it, the new one
 * (at the tcUrl resolved against ours) @setDataFrame and both sequence headers first,
 * then that keyframe and what follows: nothing lost, nothing twice, no timestamp back;
 * then the old connection is closed. A refused tcUrl, and a new place that refuses the
 * connection, leave the stream on the connection it has; a new place that refuses a
 * second publisher of the stream gets the old connection ended first. */
static void test_move(void)
{
    static const uint8_t meta[] = { 2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 8, 0, 0, 0, 0, 0, 0, 9 };
    static const uint8_t avcc[] = { 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F }, key[] = { 0x17, 1, 0, 0, 0, 0xAA },
                         inter[] = { 0x27, 1, 0, 0, 0, 0xBB }, aac_config[] = { 0xAF, 0, 0x12, 0x10 },
                         aac[] = { 0xAF, 1, 0x21 };
    rtmpkit_reconnect_policy policy = { .attempts = 2, .first_delay_ms = 10 };
    struct seen v0, v1, a0, a1;
    struct fixture f;
    const struct received *connect;
    int video = 0, audio = 0;
    fixture_follow = 1;
    fixture_init_policy(&f, 0, 0, 0, &policy);
    fixture_follow = 0;
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_DATA, 0, RTMPKIT_MEDIA_CONFIG, meta, sizeof meta), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, 0, RTMPKIT_MEDIA_CONFIG, avcc, sizeof avcc), 1);
    CHECK_INT(send_tag(&f, RTMPKIT_FLV_AUDIO, 0, RTMPKIT_MEDIA_CONFIG, aac_config, sizeof aac_config), 1);
    for (int64_t dts = 0; dts <= 1160; dts += 40) {
        int keyframe = dts % 200 == 0;
        if (dts == 80)
            put_reconnect_request(&f.server, "http://127.0.0.1/other");   /* refused */
        if (dts == 240)
            put_reconnect_request(&f.server, "/other");                    /* moves at 400 */
        if (dts == 560) {
            put_reconnect_request(&f.server, "//127.0.0.1:1936/third");
            f.server.refuse = 1;                                           /* fails at 600 */
        }
        if (dts == 640)
            put_reconnect_request(&f.server, NULL);   /* the same place again: moves at 800 */
        if (dts == 880) {   /* a server that refuses a second publisher: break before make at 1000 */
            put_reconnect_request(&f.server, NULL);
            f.server.bad_name = 1;
        }
        CHECK_INT(send_tag(&f, RTMPKIT_FLV_VIDEO, dts, keyframe ? RTMPKIT_MEDIA_KEYFRAME : 0,
                           keyframe ? key : inter, sizeof key), 1);
        CHECK_INT(send_tag(&f, RTMPKIT_FLV_AUDIO, dts, 0, aac, sizeof aac), 1);
        video++;
        audio++;
    }
    CHECK_INT(rtmpkit_publisher_flush(f.publisher), 0);
    CHECK_INT(f.server.opens, 5);
    CHECK_INT(f.server.refuse, 0);
    CHECK_INT(f.server.bad_name, 0);
    CHECK_INT(rtmpkit_session_moves(f.session), 3);
    CHECK_INT(rtmpkit_session_reconnects(f.session), 0);   /* the break before make is a move */
    connect = find_command(&f.server, "connect", 1);
    CHECK(connect != NULL);
    if (connect)
        CHECK_STR(connect->arg, "rtmp://127.0.0.1/other");
    connect = find_command(&f.server, "connect", 2);
    if (connect)
        CHECK_STR(connect->arg, "rtmp://127.0.0.1/other");
    CHECK(find_command(&f.server, "publish", 2) != NULL);
    v0 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 0);
    a0 = seen_of(&f.server, RTMPKIT_FLV_AUDIO, 0);
    v1 = seen_of(&f.server, RTMPKIT_FLV_VIDEO, 1);
    a1 = seen_of(&f.server, RTMPKIT_FLV_AUDIO, 1);
    CHECK_INT(v0.last_ts, 360);               /* the old connection: everything before 400 */
    CHECK_INT(a0.last_ts, 360);
    CHECK_INT(v1.first_ts, 400);              /* the new one: from the keyframe on */
    CHECK_INT(a1.first_ts, 400);
    CHECK_INT(v1.last_ts, 760);
    CHECK(v1.config_first && a1.config_first && v1.first_is_key);
    CHECK(first_named(&f.server, "@setDataFrame", 1) >= 0);
    CHECK(first_named(&f.server, "@setDataFrame", 1) < first_of_type(&f.server, RTMPKIT_FLV_VIDEO, 1));
    CHECK_INT(seen_of(&f.server, RTMPKIT_FLV_VIDEO, 2).first_ts, 800);
    CHECK_INT(seen_of(&f.server, RTMPKIT_FLV_VIDEO, 2).last_ts, 960);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_VIDEO, 2).first_is_key);
    CHECK_INT(seen_of(&f.server, RTMPKIT_FLV_VIDEO, 3).frames, 0);      /* refused: the stream is taken */
    CHECK_INT(seen_of(&f.server, RTMPKIT_FLV_VIDEO, 4).first_ts, 1000);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_VIDEO, 4).first_is_key && seen_of(&f.server, RTMPKIT_FLV_VIDEO, 4).config_first);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_VIDEO, -1).monotonic);
    CHECK(seen_of(&f.server, RTMPKIT_FLV_AUDIO, -1).monotonic);
    CHECK_INT(seen_of(&f.server, RTMPKIT_FLV_VIDEO, -1).frames, video);   /* none lost, none twice */
    CHECK_INT(seen_of(&f.server, RTMPKIT_FLV_AUDIO, -1).frames, audio);
    CHECK(f.server.spent_count == 4);
    for (int i = 0; i < f.server.spent_count; i++)
        CHECK(f.server.spent[i]->closed);
    fixture_free(&f);
}

int main(void)
{
    test_metadata_and_timecodes();
    test_pacing();
    test_drop_policy();
    test_resume_after_cut();
    test_reconnect_gives_up();
    test_blocked_link_reconnects();
    test_unpaced_waits_for_reconnect();
    test_move();
    return check_report("publisher");
}
