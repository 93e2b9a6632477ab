/* The recorder (core/recorder.c): FLV written tag by tag, read back with the library's
 * FLV reader; metadata and header flags patched; pipes; no file before the first tag;
 * output errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/recorder.h"
#include "rtmpkit/timeline.h"

#define MAX_TAGS 32
#define FILE_MAX (1024 * 1024)

static char dir[64];

/* A stream as a server sends it: metadata and sequence headers at 0, frames at their
 * publisher's time. */
struct tag {
    uint8_t type;
    uint32_t wire;
    uint8_t body[64];
    size_t len;
};

static const uint8_t avc_header[] = { 0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1F };
static const uint8_t aac_header[] = { 0xAF, 0x00, 0x12, 0x10 };
static const uint8_t keyframe[] = { 0x17, 0x01, 0, 0, 0x50, 0xAA, 0xBB, 0xCC };   /* CTS 80 */
static const uint8_t interframe[] = { 0x27, 0x01, 0, 0, 0x00, 0xDD };
static const uint8_t aac_frame[] = { 0xAF, 0x01, 0x21, 0x10, 0x04 };

static struct tag make_tag(uint8_t type, uint32_t wire, const void *body, size_t len)
{
    struct tag t = { type, wire, { 0 }, len };
    memcpy(t.body, body, len);
    return t;
}

/* onMetaData { width: 640, duration: 99 } as a publisher sends it. */
static struct tag metadata_tag(void)
{
    rtmpkit_buf b;
    struct tag t;
    rtmpkit_buf_init(&b, 64);
    rtmpkit_amf0_put_string(&b, "onMetaData");
    rtmpkit_amf0_put_ecma_array_start(&b, 2);
    rtmpkit_amf0_put_key(&b, "width");
    rtmpkit_amf0_put_number(&b, 640);
    rtmpkit_amf0_put_key(&b, "duration");
    rtmpkit_amf0_put_number(&b, 99);
    rtmpkit_amf0_put_object_end(&b);
    t = make_tag(RTMPKIT_FLV_DATA, 0, b.data, b.len);
    rtmpkit_buf_free(&b);
    return t;
}

static size_t stream(struct tag *tags, int with_video)
{
    size_t n = 0;
    tags[n++] = metadata_tag();
    if (with_video)
        tags[n++] = make_tag(RTMPKIT_FLV_VIDEO, 0, avc_header, sizeof avc_header);
    tags[n++] = make_tag(RTMPKIT_FLV_AUDIO, 0, aac_header, sizeof aac_header);
    if (with_video)
        tags[n++] = make_tag(RTMPKIT_FLV_VIDEO, 70000, keyframe, sizeof keyframe);
    tags[n++] = make_tag(RTMPKIT_FLV_AUDIO, 70010, aac_frame, sizeof aac_frame);
    tags[n++] = make_tag(RTMPKIT_FLV_AUDIO, 70033, aac_frame, sizeof aac_frame);
    if (with_video)
        tags[n++] = make_tag(RTMPKIT_FLV_VIDEO, 70040, interframe, sizeof interframe);
    tags[n++] = make_tag(RTMPKIT_FLV_AUDIO, 71250, aac_frame, sizeof aac_frame);
    return n;
}

/* The caller's clock: the frames come in real time, the headers before them. */
static uint64_t now_of(const struct tag *t)
{
    return 1000 + (t->wire >= 70000 ? t->wire - 70000 : 0);
}

static size_t read_file(const char *path, uint8_t *buf, size_t max)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, max) : -1;
    if (fd >= 0)
        close(fd);
    return n > 0 ? (size_t)n : 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

struct parsed {
    int flags;
    size_t count;
    rtmpkit_flv_tag tags[MAX_TAGS];
    size_t whole;        /* bytes in the header and whole tags */
    int err;             /* the reader's last answer: 0 = needs more */
};

/* Reads header and tags until the bytes run out or a tag is cut. */
static void parse(const uint8_t *buf, size_t len, struct parsed *p)
{
    int n = rtmpkit_flv_read_header(buf, len, &p->flags);
    memset(p->tags, 0, sizeof p->tags);
    p->count = 0;
    p->whole = n > 0 ? (size_t)n : 0;
    p->err = n;
    while (n > 0 && p->count < MAX_TAGS) {
        n = rtmpkit_flv_read_tag(buf + p->whole, len - p->whole, &p->tags[p->count]);
        p->err = n;
        if (n > 0) {
            p->whole += (size_t)n;
            p->count++;
        }
    }
}

static double metadata_number(const rtmpkit_flv_tag *t, const char *key)
{
    rtmpkit_amf v[2];
    double d = -1;
    int n = rtmpkit_amf0_decode_all(t->data, t->size, v, 2);
    if (n == 2)
        d = rtmpkit_amf_get_number(&v[1], key, -1);
    for (int i = 0; i < n; i++)
        rtmpkit_amf_free(&v[i]);
    return d;
}

static rtmpkit_recorder *recorder_to(const char *path, int fd, unsigned flags)
{
    rtmpkit_recorder_config cfg = { .path = path, .fd = fd, .timeline_flags = flags };
    return rtmpkit_recorder_new(&cfg);
}

static void test_file(void)
{
    static const uint32_t want_ts[] = { 0, 0, 0, 0, 10, 33, 40, 1250 };
    char path[128];
    struct tag tags[MAX_TAGS];
    size_t n = stream(tags, 1), written = RTMPKIT_FLV_HEADER_SIZE;
    static uint8_t buf[FILE_MAX];
    struct parsed p;
    rtmpkit_recorder_stats st;
    rtmpkit_recorder *rec;
    size_t len;

    snprintf(path, sizeof path, "%s/av.flv", dir);
    rec = recorder_to(path, -1, 0);
    CHECK(rec != NULL);
    CHECK(!exists(path));
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(rtmpkit_recorder_write(rec, tags[i].type, tags[i].wire, tags[i].body, tags[i].len, now_of(&tags[i])), 0);
        /* On disk at once, whole: nothing is held back in a buffer. The metadata grows
         * (duration and filesize added). */
        if (i == 0) {
            written = read_file(path, buf, sizeof buf);
            CHECK(written > RTMPKIT_FLV_HEADER_SIZE + RTMPKIT_FLV_TAG_HEADER_SIZE + tags[0].len + 4);
        } else {
            written += RTMPKIT_FLV_TAG_HEADER_SIZE + tags[i].len + 4;
            CHECK_INT(read_file(path, buf, sizeof buf), written);
        }
    }
    rtmpkit_recorder_get_stats(rec, &st);
    CHECK_INT(st.opened, 1);
    CHECK_INT(st.video_tags, 3);
    CHECK_INT(st.audio_tags, 4);
    CHECK_INT(st.data_tags, 1);
    CHECK_INT(st.video_frames, 2);                             /* the headers carry none */
    CHECK_INT(st.audio_frames, 3);
    CHECK_INT(st.duration_ms, 1250);
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    CHECK_INT(rtmpkit_recorder_close(rec), 0);                 /* again: nothing */
    CHECK_INT(rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 71300, aac_frame, sizeof aac_frame, 3000),
              RTMPKIT_EOUTPUT);
    rtmpkit_recorder_free(rec);

    len = read_file(path, buf, sizeof buf);
    CHECK_INT(len, st.bytes);
    parse(buf, len, &p);
    CHECK_INT(p.flags, 5);                                     /* audio and video */
    CHECK_INT(p.count, n);
    CHECK_INT(p.whole, len);
    for (size_t i = 0; i < n && i < p.count; i++) {
        CHECK_INT(p.tags[i].type, tags[i].type);
        CHECK_INT(p.tags[i].timestamp, want_ts[i]);
        if (i > 0) {                                           /* bodies as received */
            CHECK_INT(p.tags[i].size, tags[i].len);
            CHECK_MEM(p.tags[i].data, tags[i].body, tags[i].len);
        }
    }
    /* The metadata: the publisher's properties, duration and filesize patched. */
    CHECK(metadata_number(&p.tags[0], "width") == 640);
    CHECK(metadata_number(&p.tags[0], "duration") == 1.25);
    CHECK(metadata_number(&p.tags[0], "filesize") == (double)len);

    /* Cut after any byte: what is left parses up to the last whole tag. */
    for (size_t cut = RTMPKIT_FLV_HEADER_SIZE; cut <= len; cut++) {
        struct parsed q;
        size_t whole = 0;
        parse(buf, cut, &q);
        for (size_t i = 0, at = RTMPKIT_FLV_HEADER_SIZE; i < n; i++) {
            at += RTMPKIT_FLV_TAG_HEADER_SIZE + p.tags[i].size + 4;
            if (at <= cut)
                whole = i + 1;
        }
        if (q.count != whole || q.err != 0) {                 /* report the first cut only */
            CHECK_INT(q.count, whole);
            CHECK_INT(q.err, 0);
            break;
        }
    }
    unlink(path);
}

static void test_audio_only(void)
{
    char path[128];
    struct tag tags[MAX_TAGS];
    size_t n = stream(tags, 0);
    static uint8_t buf[FILE_MAX];
    struct parsed p;
    rtmpkit_recorder *rec;

    snprintf(path, sizeof path, "%s/audio.flv", dir);
    rec = recorder_to(path, -1, 0);
    for (size_t i = 0; i < n; i++)
        rtmpkit_recorder_write(rec, tags[i].type, tags[i].wire, tags[i].body, tags[i].len, now_of(&tags[i]));
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    rtmpkit_recorder_free(rec);
    parse(buf, read_file(path, buf, sizeof buf), &p);
    CHECK_INT(p.flags, 4);
    CHECK_INT(p.count, n);
    CHECK_INT(p.tags[n - 1].timestamp, 1240);
    unlink(path);
}

/* A given descriptor, already holding bytes: the FLV is patched where it begins. */
static void test_fd_at_offset(void)
{
    char path[128];
    struct tag tags[MAX_TAGS];
    size_t n = stream(tags, 1), len;
    static uint8_t buf[FILE_MAX];
    struct parsed p;
    rtmpkit_recorder *rec;
    int fd;

    snprintf(path, sizeof path, "%s/fd.flv", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(write(fd, "JUNK", 4) == 4);
    rec = recorder_to(NULL, fd, 0);
    for (size_t i = 0; i < n; i++)
        rtmpkit_recorder_write(rec, tags[i].type, tags[i].wire, tags[i].body, tags[i].len, now_of(&tags[i]));
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    rtmpkit_recorder_free(rec);
    CHECK(fcntl(fd, F_GETFD) >= 0);                            /* still the caller's */
    close(fd);
    len = read_file(path, buf, sizeof buf);
    CHECK_MEM(buf, "JUNK", 4);
    parse(buf + 4, len - 4, &p);
    CHECK_INT(p.flags, 5);
    CHECK_INT(p.count, n);
    CHECK(p.count > 0 && metadata_number(&p.tags[0], "filesize") == (double)(len - 4));
    unlink(path);
}

/* A pipe is not seekable: written as it goes, nothing patched, the descriptor kept. */
static void test_pipe(void)
{
    struct tag tags[MAX_TAGS];
    size_t n = stream(tags, 0), len = 0;
    static uint8_t buf[FILE_MAX];
    struct parsed p;
    rtmpkit_recorder *rec;
    int fds[2];
    ssize_t got;

    CHECK(pipe(fds) == 0);
    rec = recorder_to(NULL, fds[1], 0);
    for (size_t i = 0; i < n; i++)
        CHECK_INT(rtmpkit_recorder_write(rec, tags[i].type, tags[i].wire, tags[i].body, tags[i].len, now_of(&tags[i])), 0);
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    rtmpkit_recorder_free(rec);
    close(fds[1]);
    while ((got = read(fds[0], buf + len, sizeof buf - len)) > 0)
        len += (size_t)got;
    close(fds[0]);
    parse(buf, len, &p);
    CHECK_INT(p.flags, 5);                                     /* as written: both */
    CHECK_INT(p.count, n);
    CHECK_INT(p.whole, len);
    CHECK(metadata_number(&p.tags[0], "duration") == 0);
    CHECK(metadata_number(&p.tags[0], "filesize") == 0);
    CHECK(metadata_number(&p.tags[0], "width") == 640);
}

/* The timeline inside: a publisher that comes back, with and without closed gaps. */
static void test_segments(void)
{
    char path[128];
    static uint8_t buf[FILE_MAX];
    struct parsed p;
    rtmpkit_recorder *rec;

    snprintf(path, sizeof path, "%s/segments.flv", dir);
    rec = recorder_to(path, -1, RTMPKIT_TIMELINE_CLOSE_GAPS);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0xFFFFFFF0u, aac_frame, sizeof aac_frame, 0);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0x00000010u, aac_frame, sizeof aac_frame, 32);
    rtmpkit_recorder_new_segment(rec);                         /* the stream ends, comes back */
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0, aac_header, sizeof aac_header, 5000);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0, aac_frame, sizeof aac_frame, 5000);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 23, aac_frame, sizeof aac_frame, 5023);
    rtmpkit_recorder_free(rec);
    parse(buf, read_file(path, buf, sizeof buf), &p);
    CHECK_INT(p.count, 5);
    CHECK_INT(p.tags[1].timestamp, 32);                        /* across the wrap */
    CHECK_INT(p.tags[2].timestamp, 64);                        /* the last frame ends: 32 ms on */
    CHECK_INT(p.tags[3].timestamp, 64);
    CHECK_INT(p.tags[4].timestamp, 87);
    unlink(path);
}

static void test_no_file_before_first_tag(void)
{
    char path[128];
    rtmpkit_recorder_stats st;
    rtmpkit_recorder *rec;

    snprintf(path, sizeof path, "%s/never.flv", dir);
    rec = recorder_to(path, -1, 0);
    rtmpkit_recorder_new_segment(rec);
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    rtmpkit_recorder_get_stats(rec, &st);
    CHECK_INT(st.opened, 0);
    CHECK_INT(st.bytes, 0);
    CHECK_STR(rtmpkit_recorder_error_message(rec), "");
    rtmpkit_recorder_free(rec);
    CHECK(!exists(path));
    rtmpkit_recorder_free(NULL);
}

static void test_output_errors(void)
{
    char path[128], want[256];
    rtmpkit_recorder *rec;

    snprintf(path, sizeof path, "%s/no-such-dir/x.flv", dir);
    rec = recorder_to(path, -1, 0);
    CHECK_INT(rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0, aac_frame, sizeof aac_frame, 0), RTMPKIT_EOUTPUT);
    snprintf(want, sizeof want, "cannot create %s: %s", path, strerror(ENOENT));
    CHECK_STR(rtmpkit_recorder_error_message(rec), want);
    CHECK_INT(rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 23, aac_frame, sizeof aac_frame, 0), RTMPKIT_EOUTPUT);
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    CHECK_STR(rtmpkit_recorder_error_message(rec), want);      /* the first failure's line */
    rtmpkit_recorder_free(rec);

    if (exists("/dev/full")) {
        rec = recorder_to("/dev/full", -1, 0);
        CHECK_INT(rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0, aac_frame, sizeof aac_frame, 0), RTMPKIT_EDISK_FULL);
        snprintf(want, sizeof want, "cannot write /dev/full: %s", strerror(ENOSPC));
        CHECK_STR(rtmpkit_recorder_error_message(rec), want);
        rtmpkit_recorder_free(rec);
    }

    rec = recorder_to(NULL, 1000, 0);                          /* no such descriptor */
    CHECK_INT(rtmpkit_recorder_write(rec, RTMPKIT_FLV_AUDIO, 0, aac_frame, sizeof aac_frame, 0), RTMPKIT_EOUTPUT);
    snprintf(want, sizeof want, "cannot write to descriptor 1000: %s", strerror(EBADF));
    CHECK_STR(rtmpkit_recorder_error_message(rec), want);
    rtmpkit_recorder_free(rec);
}

/* A reconnect: the server replays frames already written (a GOP cache) and sends the
 * same sequence headers and metadata again: none of it is written twice; the wire times
 * continue, so the outage keeps its length. Then a server that restarts its times at 0:
 * the gap is the real time passed, even with CLOSE_GAPS, and video waits for a keyframe. */
static void test_reconnected(void)
{
    char path[128];
    static uint8_t buf[FILE_MAX];
    struct tag meta = metadata_tag();
    struct parsed p;
    rtmpkit_recorder_stats st;
    rtmpkit_recorder *rec;

    snprintf(path, sizeof path, "%s/reconnected.flv", dir);
    rec = recorder_to(path, -1, RTMPKIT_TIMELINE_CLOSE_GAPS);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_DATA, 0, meta.body, meta.len, 0);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 0, avc_header, sizeof avc_header, 0);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 1000, keyframe, sizeof keyframe, 0);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 1040, interframe, sizeof interframe, 40);
    rtmpkit_recorder_reconnected(rec);                         /* 2 s later, the same publisher */
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_DATA, 0, meta.body, meta.len, 2040);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 0, avc_header, sizeof avc_header, 2040);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 1000, keyframe, sizeof keyframe, 2040);     /* replayed */
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 1040, interframe, sizeof interframe, 2040); /* replayed */
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 1080, interframe, sizeof interframe, 2041); /* new: continues */
    rtmpkit_recorder_reconnected(rec);                         /* a server that counts from 0 */
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 0, interframe, sizeof interframe, 5000);    /* no keyframe yet */
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 40, keyframe, sizeof keyframe, 5040);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 80, interframe, sizeof interframe, 5080);
    rtmpkit_recorder_get_stats(rec, &st);
    CHECK_INT(st.skipped, 3);
    rtmpkit_recorder_free(rec);
    parse(buf, read_file(path, buf, sizeof buf), &p);
    CHECK_INT(p.count, 7);                                     /* metadata, header, 5 frames */
    CHECK_INT(p.tags[4].timestamp, 80);                        /* the wire's time: continues */
    CHECK_INT(p.tags[5].timestamp, 80 + 5040 - 2041);          /* the real time passed */
    CHECK_INT(p.tags[6].timestamp, 80 + 5040 - 2041 + 40);
    CHECK_INT(p.tags[5].data[0], 0x17);
    unlink(path);
}

/* No space left in the middle of a tag: the file is cut back to its last whole tag, the
 * error is DISK_FULL, and the metadata's totals are right. (A file size limit stands in
 * for a full disk: EFBIG.) */
static void test_disk_full(void)
{
    char path[128];
    static uint8_t buf[FILE_MAX];
    static uint8_t big[600];
    struct tag meta = metadata_tag();
    struct parsed p;
    struct rlimit old, lim;
    rtmpkit_recorder *rec;
    int err = 0, i;

    snprintf(path, sizeof path, "%s/full.flv", dir);
    memcpy(big, interframe, sizeof interframe);
    CHECK_INT(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4000;
    signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
    rec = recorder_to(path, -1, 0);
    rtmpkit_recorder_write(rec, RTMPKIT_FLV_DATA, 0, meta.body, meta.len, 0);
    for (i = 0; i < 20 && err == 0; i++)
        err = rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, (uint32_t)i * 40, big, sizeof big, (uint64_t)i * 40);
    CHECK_INT(err, RTMPKIT_EDISK_FULL);
    CHECK_INT(rtmpkit_recorder_write(rec, RTMPKIT_FLV_VIDEO, 2000, big, sizeof big, 2000), RTMPKIT_EDISK_FULL);
    CHECK(strstr(rtmpkit_recorder_error_message(rec), "File too large") != NULL);
    CHECK_INT(rtmpkit_recorder_close(rec), 0);
    rtmpkit_recorder_free(rec);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    parse(buf, read_file(path, buf, sizeof buf), &p);
    CHECK_INT(p.err, 0);                                       /* ends at a tag's end */
    CHECK_INT(p.whole, read_file(path, buf, sizeof buf));
    CHECK_INT(p.count, (size_t)i);                             /* metadata + the frames that fit */
    CHECK(metadata_number(&p.tags[0], "filesize") == (double)p.whole);
    unlink(path);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rtmpkit-test-recorder-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_file();
    test_audio_only();
    test_fd_at_offset();
    test_pipe();
    test_segments();
    test_no_file_before_first_tag();
    test_output_errors();
    test_reconnected();
    test_disk_full();
    rmdir(dir);
    return check_report("recorder");
}
