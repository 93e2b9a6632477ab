/* A publisher: sends a stream of FLV tag bodies over a client that is publishing, in real
 * time or as fast as the link allows, through a bounded queue with a drop policy, with
 * onMetaData sent the way servers expect and a wall-clock timecode once a second. */
#ifndef RTMPKIT_PUBLISHER_H
#define RTMPKIT_PUBLISHER_H

#include "rtmpkit/export.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/client.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/session.h"

/* Tag flags. */
#define RTMPKIT_MEDIA_KEYFRAME   0x01   /* video: a keyframe (IDR / random access point) */
#define RTMPKIT_MEDIA_DROPPABLE  0x02   /* video: no other frame refers to it (H.264 nal_ref_idc 0) */
#define RTMPKIT_MEDIA_CONFIG     0x04   /* a sequence header or onMetaData: never dropped */

/* One FLV tag body to send: exactly what goes into an RTMP audio (8), video (9) or data
 * (18) message. data is the caller's; the publisher copies what it keeps. */
typedef struct rtmpkit_media_tag {
    uint8_t type;           /* RTMPKIT_FLV_AUDIO, _VIDEO or _DATA */
    int64_t dts_ms;         /* from 0, non-decreasing across the tags of a stream */
    uint32_t flags;         /* RTMPKIT_MEDIA_* */
    const uint8_t *data;
    size_t size;
} rtmpkit_media_tag;

#define RTMPKIT_PUBLISHER_DEFAULT_QUEUE_MS 2000
#define RTMPKIT_PUBLISHER_TIMECODE_MS      1000   /* onFI timecodes this far apart */

/* Tags held while the connection is down are capped here too, whatever queue_ms says. */
#define RTMPKIT_PUBLISHER_HELD_MAX_TAGS  4096
#define RTMPKIT_PUBLISHER_HELD_MAX_BYTES (64u * 1024 * 1024)

typedef struct rtmpkit_publisher_config {
    rtmpkit_client *client;     /* not owned; connected, with NetStream.Publish.Start received */
    /* Not owned; may be NULL. When set (client may then be NULL: the session's is used), a
     * lost connection is recovered by the session's policy without pausing the input
     * (rtmpkit_session_lost/_poll): while it is down, paced and live tags keep coming at
     * their pace and the newest queue_ms of them are held (older ones dropped, counted);
     * once publishing again, onMetaData and the sequence headers are sent again, then the
     * held tags, video from its first keyframe on, with their own timestamps (the gap is
     * the time really lost). An input neither paced nor live waits for the reconnect. */
    rtmpkit_session *session;
    /* 1: each tag is sent at its moment in real time (dts from the first tag sent); 0: as
     * fast as the link takes them, with at most a few hundred KB queued. */
    int paced;
    /* 1: the input comes in real time by itself (a device, a pipe): the drop policy applies
     * even when not paced. */
    int live;
    /* Drop when the oldest undelivered tag is this late (ms): past it non-reference
     * frames, past twice video up to the next keyframe, past four times audio too.
     * 0: never drop. Applies when paced or live. */
    int queue_ms;
    int write_timeout_ms;       /* nothing sent for this long is an error; 0: RTMPKIT_DEFAULT_WRITE_TIMEOUT_MS */
    int no_timecodes;           /* 1: no onFI data messages */
    const volatile sig_atomic_t *cancel;   /* non-zero: waits return RTMPKIT_ECANCELLED */
} rtmpkit_publisher_config;

typedef struct rtmpkit_publisher_stats {
    uint64_t video_sent, audio_sent;   /* coded frames queued for sending (not headers or sequence ends) */
    uint64_t dropped;
    uint64_t media_bytes;              /* bytes of the frames above */
    int64_t last_dts_ms;               /* of the last tag sent */
    int64_t queue_latency_ms;          /* how late the oldest undelivered tag is */
    int reconnecting;                  /* 1: the connection is down, tags are being held */
    int reconnects;                    /* times publishing resumed after a lost connection */
} rtmpkit_publisher_stats;

typedef struct rtmpkit_publisher rtmpkit_publisher;

/* Returns NULL on a bad config or no memory. Live or paced publishers cap the kernel's
 * send buffer, so that what waits, waits in the queue where frames can still be dropped. */
RTMPKIT_API rtmpkit_publisher *rtmpkit_publisher_new(const rtmpkit_publisher_config *cfg);
RTMPKIT_API void rtmpkit_publisher_free(rtmpkit_publisher *p);

/* Sends one tag: waits for its moment when paced (serving the connection meanwhile),
 * applies the drop policy, queues it (an onMetaData goes out as "@setDataFrame"
 * "onMetaData" {...}; other data tags as they are), adds a timecode once a second of
 * video, and writes what the socket takes. With a session, a lost connection is
 * recovered as said above. Returns 1 when sent (or held for sending after a reconnect),
 * 0 when dropped, or a negative error (rtmpkit_publisher_error_message says why). */
RTMPKIT_API int rtmpkit_publisher_send(rtmpkit_publisher *p, const rtmpkit_media_tag *tag);

/* Waits until everything queued has been written (up to the write timeout without
 * progress; with a session, through reconnects as its policy allows, so that held tags
 * go out too). Returns 0 or a negative error. */
RTMPKIT_API int rtmpkit_publisher_flush(rtmpkit_publisher *p);

/* One line that says why the last call failed. */
RTMPKIT_API const char *rtmpkit_publisher_error_message(const rtmpkit_publisher *p);

RTMPKIT_API void rtmpkit_publisher_get_stats(rtmpkit_publisher *p, rtmpkit_publisher_stats *stats);

#endif
