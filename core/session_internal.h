/* The session's internal constructor: its client's connect attempts get their transport
 * from the caller (the unit tests give one in memory). */
#ifndef RK_SESSION_INTERNAL_H
#define RK_SESSION_INTERNAL_H

#include "rtmpkit/session.h"
#include "transport.h"

/* Like rtmpkit_session_new; opener as for rk_client_new_with_opener (NULL: TCP/TLS). */
rtmpkit_session *rk_session_new_with_opener(const rtmpkit_session_config *cfg, const rk_transport_opener *opener);

#endif
