/* Byte transports under the client: TCP here, TLS over TCP in tls.c, behind one vtable. */
#ifndef RK_TRANSPORT_H
#define RK_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rk_transport rk_transport;

typedef struct rk_transport_ops {
    /* Returns bytes read (> 0), 0 at end of stream, RTMPKIT_EAGAIN when nothing is
     * ready, or another negative error. */
    int (*read)(rk_transport *t, uint8_t *buf, size_t len);
    /* Returns bytes written (> 0), RTMPKIT_EAGAIN when the socket is full, or an error. */
    int (*write)(rk_transport *t, const uint8_t *buf, size_t len);
    /* The poll() events to wait for before trying again (TLS may need to write to read). */
    short (*poll_events)(rk_transport *t, int want_write);
    void (*close)(rk_transport *t);
} rk_transport_ops;

struct rk_transport {
    const rk_transport_ops *ops;
    int fd;
};

/* Resolves host and connects over TCP (non-blocking, timeout_ms for all addresses
 * together, cancel checked while waiting). family: 0 any, 4 or 6. Returns 0 with *out
 * set, or RTMPKIT_EDNS / EREFUSED / ETIMEOUT / ENETWORK / ECANCELLED with a reason in
 * why (why_len bytes). */
int rk_tcp_connect(const char *host, int port, int family, int timeout_ms,
                   const volatile sig_atomic_t *cancel, rk_transport **out,
                   char *why, size_t why_len);

/* Waits until fd is ready for events, up to timeout_ms, waking every 100 ms to check
 * cancel. Returns the revents (> 0), 0 on timeout, or ECANCELLED / ENETWORK. */
int rk_wait_fd(int fd, short events, int timeout_ms, const volatile sig_atomic_t *cancel);

#endif
