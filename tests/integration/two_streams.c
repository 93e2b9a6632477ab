/* Plays two streams of one server over one connection and records each to its own FLV
 * file, through the library's public API only (test_streams.sh checks the files).
 *
 * usage: two_streams rtmp://host[:port]/app NAME_A NAME_B OUT_A OUT_B [MAX_SECONDS]
 *
 * A stream is done at its first end (UnpublishNotify, StreamEOF...) after some media, or
 * when it fails (its error on stderr): the other one goes on. The program ends when both
 * are done, and exits 1 when one failed, on a connection error or after MAX_SECONDS
 * (default 60). Timestamps are written relative to each stream's first tag. */
#include <stdio.h>
#include <stdlib.h>

#include "rtmpkit/client.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/url.h"

#define STREAMS         2
#define EVENT_WAIT_MS   500
#define DEFAULT_MAX_S   60

struct recording {
    const char *name;
    const char *path;
    FILE *file;
    int stream;             /* the client's handle */
    int started;            /* a tag was written: first_ts holds */
    uint32_t first_ts;
    unsigned long tags;
    int ended;
    int failed;
};

static int open_recording(struct recording *r)
{
    uint8_t header[RTMPKIT_FLV_HEADER_SIZE];
    r->file = fopen(r->path, "wb");
    if (!r->file) {
        perror(r->path);
        return RTMPKIT_EOUTPUT;
    }
    rtmpkit_flv_write_header(header, 1, 1);
    return fwrite(header, sizeof header, 1, r->file) == 1 ? 0 : RTMPKIT_EOUTPUT;
}

static int write_tag(struct recording *r, const rtmpkit_event *ev)
{
    uint8_t header[RTMPKIT_FLV_TAG_HEADER_SIZE], trailer[4];
    uint32_t ts;
    if (ev->length > RTMPKIT_FLV_MAX_TAG_SIZE)
        return RTMPKIT_ELIMIT;
    if (!r->started) {
        r->started = 1;
        r->first_ts = ev->timestamp;
    }
    ts = ev->timestamp >= r->first_ts ? ev->timestamp - r->first_ts : 0;
    rtmpkit_flv_write_tag_header(header, ev->media_type, (uint32_t)ev->length, ts);
    rtmpkit_flv_write_tag_trailer(trailer, (uint32_t)ev->length);
    if (fwrite(header, sizeof header, 1, r->file) != 1
        || (ev->length && fwrite(ev->data, ev->length, 1, r->file) != 1)
        || fwrite(trailer, sizeof trailer, 1, r->file) != 1)
        return RTMPKIT_EOUTPUT;
    r->tags++;
    return 0;
}

static struct recording *recording_of(struct recording *rec, int stream)
{
    for (int i = 0; i < STREAMS; i++)
        if (rec[i].stream == stream)
            return &rec[i];
    return NULL;
}

/* One event: media to its file; an end or an error marks its stream done. */
static int handle_event(struct recording *rec, const rtmpkit_event *ev)
{
    struct recording *r = recording_of(rec, ev->stream);
    if (!r)
        return 0;
    switch (ev->type) {
    case RTMPKIT_EVENT_MEDIA:
        return write_tag(r, ev);
    case RTMPKIT_EVENT_STREAM_END:
        if (r->tags)
            r->ended = 1;
        return 0;
    case RTMPKIT_EVENT_ERROR:
        fprintf(stderr, "two_streams: %s: %s\n", r->name, ev->description);
        r->ended = r->failed = 1;
        return 0;
    default:
        return 0;
    }
}

static int record(rtmpkit_client *cl, struct recording *rec, int max_s)
{
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)max_s * 1000;
    int err = 0;
    for (int i = 0; i < STREAMS && err == 0; i++)
        err = rtmpkit_client_play_stream(cl, rec[i].name, -2, &rec[i].stream);
    while (err == 0 && !(rec[0].ended && rec[1].ended)) {
        rtmpkit_event ev;
        int n;
        if (rtmpkit_monotonic_ms() >= deadline) {
            fprintf(stderr, "two_streams: the streams did not both end within %d s\n", max_s);
            return RTMPKIT_ETIMEOUT;
        }
        n = rtmpkit_client_next_event_timeout(cl, &ev, EVENT_WAIT_MS);
        if (n == RTMPKIT_EAGAIN)
            continue;
        err = n < 0 ? n : handle_event(rec, &ev);
    }
    if (err < 0 && err != RTMPKIT_EOUTPUT)
        fprintf(stderr, "two_streams: %s\n", rtmpkit_client_error_message(cl));
    if (err == 0 && (rec[0].failed || rec[1].failed))
        err = RTMPKIT_ESTREAM_ERROR;
    return err;
}

int main(int argc, char **argv)
{
    struct recording rec[STREAMS] = { { .stream = -1 }, { .stream = -1 } };
    rtmpkit_client_config cfg = { 0 };
    rtmpkit_client *cl = NULL;
    rtmpkit_url url;
    int err, max_s = argc > 6 ? atoi(argv[6]) : DEFAULT_MAX_S;

    if (argc < 6 || max_s <= 0) {
        fprintf(stderr, "usage: two_streams rtmp://host[:port]/app NAME_A NAME_B OUT_A OUT_B [MAX_SECONDS]\n");
        return 2;
    }
    if (rtmpkit_url_parse(argv[1], &url) < 0) {
        fprintf(stderr, "two_streams: bad URL\n");
        return 2;
    }
    for (int i = 0; i < STREAMS; i++) {
        rec[i].name = argv[2 + i];
        rec[i].path = argv[4 + i];
    }
    cfg.url = &url;
    err = open_recording(&rec[0]);
    if (err == 0)
        err = open_recording(&rec[1]);
    if (err == 0 && !(cl = rtmpkit_client_new(&cfg)))
        err = RTMPKIT_ENOMEM;
    if (err == 0 && (err = rtmpkit_client_connect(cl)) < 0)
        fprintf(stderr, "two_streams: %s\n", rtmpkit_client_error_message(cl));
    if (err == 0)
        err = record(cl, rec, max_s);
    if (cl)
        rtmpkit_client_close(cl);
    rtmpkit_client_free(cl);
    for (int i = 0; i < STREAMS; i++) {
        if (rec[i].file && fclose(rec[i].file) != 0 && err == 0)
            err = RTMPKIT_EOUTPUT;
        printf("%s: %lu tags\n", rec[i].name ? rec[i].name : "?", rec[i].tags);
    }
    rtmpkit_url_free(&url);
    if (err == RTMPKIT_EOUTPUT)
        fprintf(stderr, "two_streams: cannot write the output\n");
    return err < 0 ? 1 : 0;
}
