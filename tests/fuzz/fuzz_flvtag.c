/* The audio/video tag header parser (core/flvtag.c) on arbitrary bodies, read both as
 * video and as audio. Beyond what the sanitizers catch: every track's payload lies
 * inside the body (and is read), the tracks counted by the parse are the tracks the
 * iterator yields, track 0 is found when there is one, rtmpkit_tag_is_config agrees
 * with the parse, whatever parses is written again by the writer and parses back
 * to the same fields, and keeping only track 0 (a recorder's --track 0) gives exactly the
 * tracks with id 0. */
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/bytes.h"
#include "rtmpkit/flvtag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every payload byte is read into this, so that a payload past the body is an overread. */
static volatile unsigned payload_sum;

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

static void check_track(const rtmpkit_tag_track *t, const uint8_t *body, size_t len)
{
    REQUIRE(t->len <= len);
    if (t->len) {
        REQUIRE(t->data >= body && t->data + t->len <= body + len);
        for (size_t i = 0; i < t->len; i++)
            payload_sum += t->data[i];
    }
}

static int same_track(const rtmpkit_tag_track *a, const rtmpkit_tag_track *b)
{
    return a->fourcc == b->fourcc && a->id == b->id && a->cts == b->cts && a->len == b->len
        && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int same_header(const rtmpkit_tag_header *a, const rtmpkit_tag_header *b)
{
    return a->type == b->type && a->enhanced == b->enhanced && a->codec == b->codec
        && a->sample_rate == b->sample_rate && a->sample_bits == b->sample_bits && a->channels == b->channels
        && a->frame_type == b->frame_type && a->packet == b->packet && a->coded_frames_x == b->coded_frames_x
        && a->keyframe == b->keyframe && a->config == b->config && a->frame == b->frame
        && a->nano_offset == b->nano_offset && a->multitrack == b->multitrack
        && a->multitrack_type == b->multitrack_type;
}

/* Writes h with its tracks and checks that the result parses to the same. */
static void round_trip(const rtmpkit_tag_header *h, const rtmpkit_tag_track *tracks, int n)
{
    rtmpkit_tag_header again;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t;
    rtmpkit_buf out;
    int i = 0;

    rtmpkit_buf_init(&out, h->body_len + 64);
    REQUIRE(rtmpkit_tag_put_tracks(&out, h, tracks, (size_t)n) == 0);
    REQUIRE(rtmpkit_tag_parse(h->type, out.data, out.len, &again) == n);
    REQUIRE(same_header(h, &again));
    while (rtmpkit_tag_next_track(&again, &it, &t) > 0) {
        REQUIRE(i < n && same_track(&t, &tracks[i]));
        i++;
    }
    REQUIRE(i == n);
    rtmpkit_buf_free(&out);
}

/* rtmpkit_tag_keep_tracks with id 0 against the n parsed tracks. */
static void keep_zero(uint8_t type, const uint8_t *body, size_t len, const rtmpkit_tag_track *tracks, int n)
{
    static const uint8_t zero = 0;
    rtmpkit_tag_header h;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t;
    rtmpkit_buf out;
    int zeros = 0, kept = 0, r;

    for (int i = 0; i < n; i++)
        zeros += tracks[i].id == 0;
    rtmpkit_buf_init(&out, len + 64);
    r = rtmpkit_tag_keep_tracks(type, body, len, &zero, 1, &out);
    REQUIRE(r == (zeros == 0 ? 0 : zeros == n ? 1 : 2));
    if (r == 2) {
        REQUIRE(rtmpkit_tag_parse(type, out.data, out.len, &h) > 0);
        while (rtmpkit_tag_next_track(&h, &it, &t) > 0) {
            REQUIRE(t.id == 0);
            kept++;
        }
        REQUIRE(kept == (zeros > 256 ? 256 : zeros));
    }
    rtmpkit_buf_free(&out);
}

static void parse_as(uint8_t type, const uint8_t *body, size_t len)
{
    rtmpkit_tag_header h;
    rtmpkit_tag_track_iter it = { 0 };
    rtmpkit_tag_track t, *tracks;
    int n = rtmpkit_tag_parse(type, body, len, &h), i = 0, has_zero = 0;

    REQUIRE(rtmpkit_tag_is_config(type, body, len) == (len == 0 || (n > 0 && h.config)));
    if (n < 0)
        return;
    REQUIRE(n >= 1 && (size_t)n <= len);
    if (!(tracks = malloc((size_t)n * sizeof *tracks)))
        return;
    check_track(&h.track, body, len);
    while (rtmpkit_tag_next_track(&h, &it, &t) > 0) {
        REQUIRE(i < n);
        check_track(&t, body, len);
        has_zero |= t.id == 0;
        tracks[i++] = t;
    }
    REQUIRE(i == n && same_track(&tracks[0], &h.track));
    REQUIRE(rtmpkit_tag_find_track(&h, 0, &t) == has_zero);
    REQUIRE(!has_zero || t.id == 0);
    round_trip(&h, tracks, n);
    keep_zero(type, body, len, tracks, n);
    free(tracks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_as(RTMPKIT_FLV_VIDEO, data, size);
    parse_as(RTMPKIT_FLV_AUDIO, data, size);
    return 0;
}
