/* Byte transports under the client: TCP here, TLS over TCP in tls.c, behind one vtable. */
#ifndef RK_TRANSPORT_H
#define RK_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmpkit/bytes.h"

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
    /* Optional, for transports without a socket: waits like rk_transport_wait. NULL: the
     * fd is polled for poll_events. */
    int (*wait)(rk_transport *t, int want_write, int timeout_ms, const volatile sig_atomic_t *cancel);
} rk_transport_ops;

struct rk_transport {
    const rk_transport_ops *ops;
    int fd;                 /* -1 for a transport without a socket */
};

/* Opens a transport for one connect attempt of a client (a fresh one per attempt).
 * Returns 0 with *out, or a negative error with a one-line reason in why. */
typedef struct rk_transport_opener {
    int (*open)(void *opaque, rk_transport **out, char *why, size_t why_len);
    void *opaque;
} rk_transport_opener;

/* Waits up to timeout_ms until t can read (and write, with want_write), checking cancel.
 * Returns > 0 when ready, 0 on timeout, or ECANCELLED / ENETWORK. */
int rk_transport_wait(rk_transport *t, int want_write, int timeout_ms, const volatile sig_atomic_t *cancel);

/* Resolves host and connects over TCP (non-blocking, timeout_ms for all addresses
 * together, cancel checked while waiting). family: 0 any, 4 or 6. Returns 0 with *out
 * set, or RTMPKIT_EDNS / EREFUSED / ETIMEOUT / ENETWORK / ECANCELLED with a reason in
 * why (why_len bytes). */
int rk_tcp_connect(const char *host, int port, int family, int timeout_ms,
                   const volatile sig_atomic_t *cancel, rk_transport **out,
                   char *why, size_t why_len);

/* The same without waiting, one address at a time, for a caller that polls many sockets:
 * rk_tcp_connect_start begins a non-blocking connect to ai (0 with *fd, or EREFUSED /
 * ENETWORK); once poll() says the fd is writable, rk_tcp_connect_finish checks the result
 * and returns 0 with the transport in *out (it owns fd), or EREFUSED / ETIMEOUT / ENETWORK
 * (fd closed). */
struct addrinfo;
int rk_tcp_connect_start(const struct addrinfo *ai, int *fd);
int rk_tcp_connect_finish(int fd, rk_transport **out);

/* Waits until fd is ready for events, up to timeout_ms, waking every 100 ms to check
 * cancel. Returns the revents (> 0), 0 on timeout, or ECANCELLED / ENETWORK. */
int rk_wait_fd(int fd, short events, int timeout_ms, const volatile sig_atomic_t *cancel);

/* A transport in memory, for tests: the client reads what the test put in `in` (then
 * end of stream when eof is set), and what it writes is appended to `out`; on_write, when
 * set, runs after each write so that a scripted peer can answer. Owned by whoever made it:
 * close only marks it closed, rk_mem_transport_free frees it. */
typedef struct rk_mem_transport rk_mem_transport;
struct rk_mem_transport {
    rk_transport base;
    rtmpkit_buf in;              /* bytes for the client to read */
    size_t in_pos;          /* read so far */
    rtmpkit_buf out;             /* everything the client wrote */
    int eof;                /* once in is read: end of stream (the peer closed) */
    int closed;             /* the client closed it */
    int write_blocked;      /* 1: writes find the transport full (a peer that stopped reading) */
    void (*on_write)(rk_mem_transport *m, void *opaque);
    void *opaque;
};

rk_mem_transport *rk_mem_transport_new(void);
void rk_mem_transport_free(rk_mem_transport *m);

#endif
