/* The client's internal constructor: a client whose connect attempts get their transport
 * from the caller (tests give it one in memory) instead of TCP/TLS to the URL's host. */
#ifndef RK_CLIENT_INTERNAL_H
#define RK_CLIENT_INTERNAL_H

#include "rtmpkit/client.h"
#include "transport.h"

/* Like rtmpkit_client_new; opener (copied; NULL: TCP, and TLS for rtmps) opens the
 * transport of every connect attempt, and the client closes it. */
rtmpkit_client *rk_client_new_with_opener(const rtmpkit_client_config *cfg, const rk_transport_opener *opener);

/* The server's status code that failed the stream last ("NetStream.Publish.BadName"), or
 * "" when the last failure was not a status; cleared by each connect. */
const char *rk_client_failed_code(const rtmpkit_client *cl);

#endif
