/* Records a live stream to an FLV file with librtmpkit until the stream ends: a session
 * plays it, a recorder writes each tag as it arrives.
 *   cc record.c $(pkg-config --cflags --libs rtmpkit) -o record
 *   ./record rtmp://localhost/live/cam1 cam1.flv */
#include <stdio.h>
#include <rtmpkit/rtmpkit.h>

int main(int argc, char **argv)
{
    rtmpkit_url url;
    rtmpkit_session_event ev;
    int err;

    if (argc != 3 || rtmpkit_url_parse(argv[1], &url) < 0) {
        fprintf(stderr, "usage: record rtmp://host/app/stream OUT.flv\n");
        return 2;
    }
    rtmpkit_session *session = rtmpkit_session_new(&(rtmpkit_session_config){
        .client.url = &url, .stream = url.stream, .play_start_ms = -2 });
    rtmpkit_recorder *recorder = rtmpkit_recorder_new(&(rtmpkit_recorder_config){ .path = argv[2] });
    err = session && recorder ? rtmpkit_session_start(session) : RTMPKIT_ENOMEM;
    while (err >= 0 && (err = rtmpkit_session_next_event(session, &ev, 0)) > 0) {
        if (ev.type != RTMPKIT_SESSION_EVENT)
            continue;   /* reconnecting: not with the default policy */
        if (ev.event.type == RTMPKIT_EVENT_STREAM_END)
            break;
        if (ev.event.type == RTMPKIT_EVENT_MEDIA)
            err = rtmpkit_recorder_write(recorder, ev.event.media_type, ev.event.timestamp, ev.event.data,
                                         ev.event.length, rtmpkit_monotonic_ms());
    }
    if (recorder && rtmpkit_recorder_close(recorder) < 0 && err >= 0)
        err = RTMPKIT_EOUTPUT;
    if (err < 0)
        fprintf(stderr, "record: %s\n", err == RTMPKIT_EOUTPUT ? rtmpkit_recorder_error_message(recorder)
                                        : session ? rtmpkit_session_error_message(session) : rtmpkit_strerror(err));
    rtmpkit_recorder_free(recorder);
    rtmpkit_session_free(session);
    rtmpkit_url_free(&url);
    return err < 0;
}
