/* The session's internal constructor: its client's connect attempts get their transport
 * from the caller (the unit tests give one in memory). */
#ifndef RK_SESSION_INTERNAL_H
#define RK_SESSION_INTERNAL_H

#include "rtmpkit/session.h"
#include "transport.h"

/* Like rtmpkit_session_new; opener as for rk_client_new_with_opener (NULL: TCP/TLS). */
rtmpkit_session *rk_session_new_with_opener(const rtmpkit_session_config *cfg, const rk_transport_opener *opener);

/* The policy's arithmetic, shared with the non-blocking session (nbsession.c). */
/* Whether the policy allows another attempt: attempts made since the failure so far,
 * started_once as the session's. (Whether the error is worth one is the caller's.) */
int rk_reconnect_allows(const rtmpkit_reconnect_policy *p, int attempts, int started_once);
/* The wait before attempt number attempt (1, 2...): first delay x factor^(attempt-1),
 * capped, with jitter drawn from seed. */
int rk_reconnect_delay_ms(const rtmpkit_reconnect_policy *p, int attempt, unsigned int *seed);

#endif
