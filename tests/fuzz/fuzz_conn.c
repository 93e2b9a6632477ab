/* The protocol engine after a good handshake: the input is what the server sends next.
 * The first byte picks play or publish and how the input is sliced. Seeds come from
 * make_corpus.py; run with -dict=tests/fuzz/conn.dict (the AMF names and status codes). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* stream: the handle of the stream started on CONNECTED (-1 before). */
static void drain(rtmpkit_conn *c, int publisher, int *stream)
{
    rtmpkit_event ev;
    size_t len;
    while (rtmpkit_conn_poll_event(c, &ev)) {
        if (ev.type == RTMPKIT_EVENT_CONNECTED) {
            if (publisher)
                *stream = rtmpkit_conn_publish(c, "key", "live");
            else
                *stream = rtmpkit_conn_play(c, "cam", -2);
        }
        if (ev.type == RTMPKIT_EVENT_MEDIA && ev.length) {
            volatile uint8_t sink = ev.data[ev.length - 1];
            (void)sink;
        }
        if (ev.type == RTMPKIT_EVENT_RECONNECT_REQUEST) {   /* what the session does with it */
            rtmpkit_url cur, to;
            const char *why;
            if (strlen(ev.tc_url) > RTMPKIT_MAX_TC_URL)
                abort();
            if (rtmpkit_url_parse("rtmp://h/live/key", &cur) == 0) {
                if (rtmpkit_url_resolve_move(&cur, ev.tc_url, &to, &why) == 0)
                    rtmpkit_url_free(&to);
                rtmpkit_url_free(&cur);
            }
        }
        if (ev.type == RTMPKIT_EVENT_PUBLISH_START) {
            static const uint8_t frame[4] = { 0x17, 1, 0, 0 };
            rtmpkit_conn_send_media(c, ev.stream, 9, 0, frame, sizeof frame);
        }
    }
    rtmpkit_conn_output(c, &len);
    rtmpkit_conn_output_done(c, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t handshake[1 + 2 * 1536];
    uint8_t random[1536] = { 0 };
    /* Announces that it follows ReconnectRequest (capsEx Reconnect), as the commands do. */
    static const rtmpkit_caps caps = { .caps_ex = 1 };
    rtmpkit_conn_config cfg = { .app = "live", .tc_url = "rtmp://h/live", .simple_handshake = 1, .caps = &caps };
    rtmpkit_conn *c;
    size_t slice, used = 0;
    int publisher, stream = -1;

    if (size < 1)
        return 0;
    publisher = data[0] & 1;
    slice = (size_t)(data[0] >> 1) + 1;
    data++;
    size--;
    cfg.publisher = publisher;
    c = rtmpkit_conn_new(&cfg);
    if (!c)
        return 0;
    handshake[0] = 3;
    rtmpkit_conn_start(c, 0, random);
    rtmpkit_conn_recv(c, handshake, sizeof handshake, 0);
    drain(c, publisher, &stream);
    while (used < size) {
        size_t len = size - used < slice ? size - used : slice;
        int n = rtmpkit_conn_recv(c, data + used, len, 0);
        drain(c, publisher, &stream);
        if (n < 0)
            break;
        if (n == 0) {
            /* A partial header: give it the rest of the input at once. */
            n = rtmpkit_conn_recv(c, data + used, size - used, 0);
            drain(c, publisher, &stream);
            if (n <= 0)
                break;
        }
        used += (size_t)n;
    }
    rtmpkit_conn_close_stream(c, stream);
    rtmpkit_conn_free(c);
    return 0;
}
