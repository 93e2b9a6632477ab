/* A non-blocking play session: the same job as rtmpkit_session (connect, play one stream,
 * reconnect as a policy allows, tell a silent link from an ended stream) without ever
 * waiting, so that one thread can run many of them with poll(): ask each what to wait for
 * (rtmpkit_nbsession_want), poll every descriptor together, then step each one.
 *
 *     for (;;) {
 *         for each session i: wake = min(wake, rtmpkit_nbsession_want(s[i], &fd, &events));
 *         poll(fds, n, wake - now);
 *         for each session i: while (rtmpkit_nbsession_step(s[i], revents[i], &ev) == 1) use(ev);
 *     }
 *
 * Every phase is non-blocking: TCP connect, TLS handshake (rtmps), RTMP handshake,
 * connect, play. Only the host name lookup (getaddrinfo) blocks, once per attempt.
 * Not supported here (use rtmpkit_session): publishing, and authmod=adobe/llnw server
 * authentication (an attempt that needs it fails with RTMPKIT_EREJECTED).
 * Not thread-safe; many sessions in one thread share nothing. */
#ifndef RTMPKIT_NBSESSION_H
#define RTMPKIT_NBSESSION_H

#include "rtmpkit/export.h"

#include <stdint.h>

#include "rtmpkit/session.h"

typedef struct rtmpkit_nbsession rtmpkit_nbsession;

/* cfg as for rtmpkit_session_new (copied; its pointers must outlive the session), with
 * publish 0; its client's cancel flag is not looked at (the caller stops stepping).
 * Returns NULL on a bad config or no memory. The first attempt is made by the first step. */
RTMPKIT_API rtmpkit_nbsession *rtmpkit_nbsession_new(const rtmpkit_session_config *cfg);

/* Ends the stream politely when connected (deleteStream, written if the socket takes it
 * at once), closes the socket and frees s (NULL is fine). */
RTMPKIT_API void rtmpkit_nbsession_free(rtmpkit_nbsession *s);

/* What s waits for: *fd (-1: no descriptor, only time) and the poll() *events on it.
 * Returns the monotonic time (rtmpkit_monotonic_ms) by which rtmpkit_nbsession_step must
 * be called even when nothing happened on fd (UINT64_MAX: no such time). */
RTMPKIT_API uint64_t rtmpkit_nbsession_want(const rtmpkit_nbsession *s, int *fd, short *events);

/* Moves s on: revents is what poll() said of its fd (0 after a timeout; a step is always
 * safe). Returns 1 with *ev (an event as rtmpkit_session_next_event gives them: EVENT,
 * RECONNECTING, RESUMED, NO_MEDIA; its pointers valid until the next step): call again;
 * 0 when nothing more can be done until the fd is ready or the time comes; or a negative
 * error that ends the session (the policy allows no further attempt, or none is worth it;
 * rtmpkit_nbsession_error_message says why). After that error each step returns it again. */
RTMPKIT_API int rtmpkit_nbsession_step(rtmpkit_nbsession *s, short revents, rtmpkit_session_event *ev);

/* 1 once NetStream.Play.Start arrived on the current connection. */
RTMPKIT_API int rtmpkit_nbsession_playing(const rtmpkit_nbsession *s);
/* 1 between a failure the policy retries and the attempt that succeeds. */
RTMPKIT_API int rtmpkit_nbsession_reconnecting(const rtmpkit_nbsession *s);
/* Connections made again so far. */
RTMPKIT_API int rtmpkit_nbsession_reconnects(const rtmpkit_nbsession *s);
/* One line that says why the session failed last ("no error" when it did not). */
RTMPKIT_API const char *rtmpkit_nbsession_error_message(const rtmpkit_nbsession *s);

#endif
