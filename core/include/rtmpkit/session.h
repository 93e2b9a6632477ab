/* A session: one stream played or published over a client, with a reconnect policy. It
 * connects, starts playing or publishing, hands out the stream's events, and when the
 * connection fails it says so, waits, connects again and resumes, as the policy allows.
 * Blocking, like the client under it; every wait honours the client's cancel flag. */
#ifndef RTMPKIT_SESSION_H
#define RTMPKIT_SESSION_H

#include "rtmpkit/export.h"

#include "rtmpkit/client.h"
#include "rtmpkit/conn.h"

#define RTMPKIT_RECONNECT_FOREVER (-1)

/* The policy every command uses unless told otherwise: the first attempt after 1 s, each
 * further wait 1.5 times longer with up to 20 % random jitter, capped at 30 s. */
#define RTMPKIT_RECONNECT_DEFAULT_FIRST_MS 1000
#define RTMPKIT_RECONNECT_DEFAULT_FACTOR   1.5
#define RTMPKIT_RECONNECT_DEFAULT_MAX_MS   30000
#define RTMPKIT_RECONNECT_DEFAULT_JITTER   20

/* When and how often to connect again after a failure. All zero: never. */
typedef struct rtmpkit_reconnect_policy {
    int attempts;             /* attempts after each failure: 0 none, RTMPKIT_RECONNECT_FOREVER;
                               * play: counted until media flows again */
    int first_delay_ms;       /* wait before the first attempt; 0: the default (1000) */
    double factor;            /* each further wait is this much longer; 0: the default (1.5) */
    int max_delay_ms;         /* waits are capped here; 0: the default (30000) */
    int jitter_percent;       /* waits vary randomly by up to this much, either way */
    /* 1: only a stream that has started once is retried (a first connect that fails is
     * reported at once: the URL or the key is likely wrong). */
    int after_start_only;
} rtmpkit_reconnect_policy;

/* Fills *p with the default waits above and the given number of attempts (0 none,
 * RTMPKIT_RECONNECT_FOREVER), retrying only a stream that has started once. */
RTMPKIT_API void rtmpkit_reconnect_policy_default(rtmpkit_reconnect_policy *p, int attempts);

typedef struct rtmpkit_session_config {
    rtmpkit_client_config client;   /* copied; its pointers must outlive the session */
    int publish;                    /* 1: publish the stream; 0: play it */
    const char *stream;             /* the stream name or key; not owned */
    double play_start_ms;           /* play: -2 live or recorded, -1 live only, >= 0 recorded from */
    const char *publish_type;       /* publish: NULL for "live" */
    rtmpkit_reconnect_policy reconnect;
    /* play: once media has come, media that stops this long makes the session ask the
     * server a question every server answers (rtmpkit_conn_probe). An answer within the
     * same time: the stream has ended without a word (node-media-server says nothing when
     * its publisher leaves), a NO_MEDIA event. No byte at all: the link is silent (a black
     * hole), a lost connection (RTMPKIT_ETIMEOUT) that the policy retries. 0: off (media
     * may stop for ever; the client's idle timeout still catches a silent link). */
    int no_media_end_ms;
    /* 1: follow Enhanced RTMP's ReconnectRequest, and so announce Reconnect in capsEx (the
     * client's caps, or capsEx alone; 0: the bit is taken out). play: next_event moves by
     * itself, make before break (the new place connects and plays in a thread while the
     * old one is read; the switch is aligned on wire times; then a MOVED event); publish: the publisher moves at the next keyframe
     * (rtmpkit_session_move_pending/_start/_finish). */
    int follow_reconnect_request;
} rtmpkit_session_config;

enum rtmpkit_session_event_type {
    RTMPKIT_SESSION_EVENT = 1,      /* an event of the stream (media, status, begin, end) */
    RTMPKIT_SESSION_RECONNECTING,   /* the connection failed: the next attempt is in delay_ms */
    RTMPKIT_SESSION_RESUMED,        /* connected again and playing or publishing */
    RTMPKIT_SESSION_NO_MEDIA,       /* no media for no_media_end_ms, the server still talks */
    RTMPKIT_SESSION_MOVED,          /* play: the server asked us to reconnect elsewhere
                                     * (ReconnectRequest) and the stream now plays there (make
                                     * before break: the old place was read until the switch);
                                     * unless aligned, like RESUMED (new timestamps may start) */
};

typedef struct rtmpkit_session_event {
    enum rtmpkit_session_event_type type;
    rtmpkit_event event;            /* EVENT: valid until the next call */
    int error;                      /* RECONNECTING: why the connection failed */
    int delay_ms;                   /* RECONNECTING: how long until the attempt */
    int attempt;                    /* RECONNECTING, RESUMED: 1 for the first attempt */
    int aligned;                    /* MOVED: 1 when the new place's frames continue the old
                                     * place's (the same clock, nothing lost or twice): the
                                     * wire times go on, nothing to rebase or skip */
} rtmpkit_session_event;

typedef struct rtmpkit_session rtmpkit_session;

/* Returns NULL on a bad config or no memory. */
RTMPKIT_API rtmpkit_session *rtmpkit_session_new(const rtmpkit_session_config *cfg);
/* Closes the stream politely (FCUnpublish/deleteStream) and frees s (NULL is fine). */
RTMPKIT_API void rtmpkit_session_free(rtmpkit_session *s);

/* Connects and starts playing or publishing (retrying as the policy allows). Returns 0
 * once NetStream.Play.Start / Publish.Start arrived, or a negative error
 * (rtmpkit_session_error_message says why). */
RTMPKIT_API int rtmpkit_session_start(rtmpkit_session *s);

/* The next event, waiting at most timeout_ms (0: until the idle timeout) for one.
 * Returns 1 with *ev, RTMPKIT_EAGAIN when timeout_ms passed without one, or a negative
 * error that ends the session (the policy allows no further attempt, or it is not worth
 * one: a refused key, an unknown application, a certificate refused, a cancel).
 * A failed connection the policy retries comes back as a RECONNECTING event; the calls
 * after it wait the delay (returning EAGAIN while timeout_ms is shorter), connect again
 * and return RESUMED, or RECONNECTING again. */
RTMPKIT_API int rtmpkit_session_next_event(rtmpkit_session *s, rtmpkit_session_event *ev, int timeout_ms);

/* For a publisher whose send failed with err: applies the policy (logs the attempt,
 * waits, connects and publishes again). Returns 0 when publishing again, or err (or the
 * attempt's error) when the policy gives up. */
RTMPKIT_API int rtmpkit_session_recover(rtmpkit_session *s, int err);

/* A publisher that must keep reading its input while the connection is down (a live
 * source is never paused) recovers with these two instead: neither waits for the delay.
 * Between them the client must not be used (its connection is gone). */

/* The send failed with err (why: a reason of the caller's own for the log, or NULL for
 * the client's): applies the policy without waiting. Returns 0 when an attempt is
 * scheduled (one log line says why and when), or err when the policy gives up (a
 * permanent error, no attempts left, a cancel). */
RTMPKIT_API int rtmpkit_session_lost(rtmpkit_session *s, int err, const char *why);

/* Makes the scheduled attempt once its time has come. Returns 0 when publishing (again),
 * RTMPKIT_EAGAIN while waiting (its time has not come, the attempt is under way, or it
 * failed and the next one is scheduled and logged), or a negative error when the policy
 * gives up. It never waits: the attempt (TCP, TLS, handshake, connect, publish) is made in
 * a thread of its own, and until a call returns 0 the session's client is not to be used. */
RTMPKIT_API int rtmpkit_session_poll(rtmpkit_session *s);

/* Enhanced RTMP ReconnectRequest, for a publisher (a player's next_event does it all).
 * "Make before break": the new connection publishes before the old one is closed, so
 * nothing is lost or sent twice if the caller switches at a keyframe:
 *   rtmpkit_session_move_pending   whether the server asked (checked after each pump);
 *   rtmpkit_session_move_start     at once: starts connecting to the new URL and
 *                                  publishing there, in a thread of its own; the caller
 *                                  goes on sending on the old connection meanwhile;
 *   rtmpkit_session_move_switch    at each keyframe until it says 0: once the new
 *                                  connection publishes, the session's client (the same
 *                                  pointer) sends there and the old connection is kept aside;
 *   (the caller sends metadata, sequence headers and the keyframe on the client)
 *   rtmpkit_session_move_finish    closes the old connection politely. */

/* 1 when the server asked us to move (or a move is under way) and the new URL is
 * acceptable (one log line says where; a refused one gets one line why, and is
 * forgotten), else 0. */
RTMPKIT_API int rtmpkit_session_move_pending(rtmpkit_session *s);
/* Starts the new connection in a thread of its own and returns at once (nothing when
 * started already): 0, or an error (logged, the request forgotten). The thread uses only
 * its own client and the session's config and log; the session joins it. */
RTMPKIT_API int rtmpkit_session_move_start(rtmpkit_session *s);
/* Returns RTMPKIT_EAGAIN while the new connection is still being made (go on with the old
 * one), 0 when publishing (or playing) at the new URL, or an error: one log line says
 * why, the request is forgotten and the old connection goes on as before. A new place
 * that refuses to publish the stream as taken (NetStream.Publish.BadName: the same server
 * still has it from us) gets the old connection ended first (break before make): the
 * result is RTMPKIT_ENETWORK, the connection is lost (rtmpkit_session_lost returns 0 for
 * it), and rtmpkit_session_poll's attempts go to the new place, the first ones 200 ms
 * apart whatever the policy says (the server soon lets go of the old stream). */
RTMPKIT_API int rtmpkit_session_move_switch(rtmpkit_session *s);
/* Closes the connection move_start left (nothing when there is none). */
RTMPKIT_API void rtmpkit_session_move_finish(rtmpkit_session *s);
/* Moves made so far. */
RTMPKIT_API int rtmpkit_session_moves(const rtmpkit_session *s);

/* 1 between a failure the policy retries and the attempt that succeeds, else 0. */
RTMPKIT_API int rtmpkit_session_reconnecting(const rtmpkit_session *s);

/* The client under the session (to send with a publisher): the same pointer for the
 * session's whole life, across reconnects. */
RTMPKIT_API rtmpkit_client *rtmpkit_session_client(rtmpkit_session *s);

/* Connections made again so far. */
RTMPKIT_API int rtmpkit_session_reconnects(const rtmpkit_session *s);

/* 1 for the errors a reconnect may cure: the network (reset, refused, timeout, no data,
 * a blocked write, DNS) and the handshake; 0 for the rest (rejected, authentication, an
 * unknown application, not found, refused publish, TLS: a certificate refused, bad URL, a
 * stream error, the output, a cancel). The session also retries a publish refused with
 * NetStream.Publish.BadName once the stream has started (the server still holds the
 * dropped connection's stream). */
RTMPKIT_API int rtmpkit_error_is_transient(int err);

/* One line that says why the last call failed. */
RTMPKIT_API const char *rtmpkit_session_error_message(const rtmpkit_session *s);

#endif
