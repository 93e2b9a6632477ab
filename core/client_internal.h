/* The client's internal constructor: a client whose connect attempts get their transport
 * from the caller (tests give it one in memory) instead of TCP/TLS to the URL's host. */
#ifndef RK_CLIENT_INTERNAL_H
#define RK_CLIENT_INTERNAL_H

#include "rtmpkit/client.h"
#include "transport.h"

/* Like rtmpkit_client_new; opener (copied; NULL: TCP, and TLS for rtmps) opens the
 * transport of every connect attempt, and the client closes it. */
rtmpkit_client *rk_client_new_with_opener(const rtmpkit_client_config *cfg, const rk_transport_opener *opener);

/* Drops a failed connection at once: closes the transport without the polite goodbye of
 * rtmpkit_client_close (on a link that takes nothing, that would wait). */
void rk_client_abort(rtmpkit_client *cl);
/* The server's status code that failed the stream last ("NetStream.Publish.BadName"), or
 * "" when the last failure was not a status; cleared by each connect. */
const char *rk_client_failed_code(const rtmpkit_client *cl);
/* Whether the last failure was the connection closing right after Play.Start or
 * Publish.Start, before any media (reported as the server refusing the stream); cleared
 * by each connect. */
int rk_client_closed_at_start(const rtmpkit_client *cl);

/* Sends rtmpkit_conn_probe's question now. Returns 0 or an error (recorded). */
int rk_client_probe(rtmpkit_client *cl);

/* When the last byte came from the server (rtmpkit_monotonic_ms). */
uint64_t rk_client_last_read_ms(const rtmpkit_client *cl);

/* Records err with a one-line reason (rtmpkit_client_error_message) and returns err. */
int rk_client_fail(rtmpkit_client *cl, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Enhanced RTMP ReconnectRequest (the engine reports it when connect announced Reconnect
 * in capsEx). The last one the server sent and nobody took yet: 1 with its tcUrl ("" for
 * the same place) and description copied out (cut to the buffers), else 0. */
int rk_client_take_move_request(rtmpkit_client *cl, char *tc_url, size_t tc_cap, char *description, size_t d_cap);

/* A new client like cl (its options, transport opener, log) for url (not owned: it must
 * outlive the client), not connected. NULL: no memory. */
rtmpkit_client *rk_client_new_moved(const rtmpkit_client *cl, const rtmpkit_url *url);

/* Exchanges what two clients are (connections, configs, state), so that the pointer a
 * caller holds stays the same while its connection changes. 0 or RTMPKIT_ENOMEM. */
int rk_client_swap(rtmpkit_client *a, rtmpkit_client *b);

#endif
