#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"

#define CANCEL_CHECK_MS 100

int rk_wait_fd(int fd, short events, int timeout_ms, const volatile sig_atomic_t *cancel)
{
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        uint64_t now = rtmpkit_monotonic_ms();
        int slice, n;
        if (cancel && *cancel)
            return RTMPKIT_ECANCELLED;
        if (now >= deadline)
            return 0;
        slice = (int)(deadline - now < CANCEL_CHECK_MS ? deadline - now : CANCEL_CHECK_MS);
        n = poll(&p, 1, slice);
        if (n < 0 && errno != EINTR)
            return RTMPKIT_ENETWORK;
        if (n > 0)
            return p.revents;
    }
}

int rk_transport_wait(rk_transport *t, int want_write, int timeout_ms, const volatile sig_atomic_t *cancel)
{
    if (t->ops->wait)
        return t->ops->wait(t, want_write, timeout_ms, cancel);
    return rk_wait_fd(t->fd, t->ops->poll_events(t, want_write), timeout_ms, cancel);
}

static int tcp_read(rk_transport *t, uint8_t *buf, size_t len)
{
    ssize_t n = recv(t->fd, buf, len, 0);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return RTMPKIT_EAGAIN;
    return RTMPKIT_ENETWORK;
}

static int tcp_write(rk_transport *t, const uint8_t *buf, size_t len)
{
    ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return RTMPKIT_EAGAIN;
    return RTMPKIT_ENETWORK;
}

static short tcp_poll_events(rk_transport *t, int want_write)
{
    (void)t;
    return (short)(POLLIN | (want_write ? POLLOUT : 0));
}

static void tcp_close(rk_transport *t)
{
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

static const rk_transport_ops tcp_ops = {
    .read = tcp_read,
    .write = tcp_write,
    .poll_events = tcp_poll_events,
    .close = tcp_close,
};

/* Connects one address; returns the fd or a negative error. */
static int connect_address(const struct addrinfo *ai, uint64_t deadline,
                           const volatile sig_atomic_t *cancel)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int err = RTMPKIT_ENETWORK, so_error = 0, one = 1;
    socklen_t len = sizeof so_error;
    uint64_t now = rtmpkit_monotonic_ms();
    if (fd < 0)
        return RTMPKIT_ENETWORK;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int ready;
        if (errno == ECONNREFUSED) {
            err = RTMPKIT_EREFUSED;
            goto fail;
        }
        if (errno != EINPROGRESS)
            goto fail;
        ready = rk_wait_fd(fd, POLLOUT, now < deadline ? (int)(deadline - now) : 0, cancel);
        if (ready <= 0) {
            err = ready < 0 ? ready : RTMPKIT_ETIMEOUT;
            goto fail;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
            err = so_error == ECONNREFUSED ? RTMPKIT_EREFUSED
                : so_error == ETIMEDOUT ? RTMPKIT_ETIMEOUT : RTMPKIT_ENETWORK;
            goto fail;
        }
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
fail:
    close(fd);
    return err;
}

int rk_tcp_connect(const char *host, int port, int family, int timeout_ms,
                   const volatile sig_atomic_t *cancel, rk_transport **out,
                   char *why, size_t why_len)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
    struct addrinfo *list = NULL;
    char service[16];
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)timeout_ms;
    int err = RTMPKIT_ENETWORK, fd = -1, gai;
    rk_transport *t;

    hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    snprintf(service, sizeof service, "%d", port);
    gai = getaddrinfo(host, service, &hints, &list);
    if (gai != 0) {
        snprintf(why, why_len, "cannot resolve %s: %s", host, gai_strerror(gai));
        return gai == EAI_SYSTEM || gai == EAI_MEMORY ? RTMPKIT_ENETWORK : RTMPKIT_EDNS;
    }
    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        int r = connect_address(ai, deadline, cancel);
        if (r >= 0)
            fd = r;
        else if (err != RTMPKIT_EREFUSED || r == RTMPKIT_ECANCELLED)
            err = r;   /* a refusal says more than a later generic failure */
        if (r == RTMPKIT_ECANCELLED || rtmpkit_monotonic_ms() >= deadline)
            break;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        if (err == RTMPKIT_ETIMEOUT)
            snprintf(why, why_len, "connecting to %s port %d timed out after %d ms", host, port, timeout_ms);
        else
            snprintf(why, why_len, "cannot connect to %s port %d: %s", host, port, rtmpkit_strerror(err));
        return err;
    }
    t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        return RTMPKIT_ENOMEM;
    }
    t->ops = &tcp_ops;
    t->fd = fd;
    *out = t;
    return 0;
}

int rk_tcp_connect_start(const struct addrinfo *ai, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int err;
    if (fd < 0)
        return RTMPKIT_ENETWORK;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
        *fd_out = fd;
        return 0;
    }
    err = errno == ECONNREFUSED ? RTMPKIT_EREFUSED : RTMPKIT_ENETWORK;
    close(fd);
    return err;
}

int rk_tcp_connect_finish(int fd, rk_transport **out)
{
    int so_error = 0, one = 1;
    socklen_t len = sizeof so_error;
    rk_transport *t;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
        close(fd);
        return so_error == ECONNREFUSED ? RTMPKIT_EREFUSED : so_error == ETIMEDOUT ? RTMPKIT_ETIMEOUT
                                                                              : RTMPKIT_ENETWORK;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!(t = calloc(1, sizeof *t))) {
        close(fd);
        return RTMPKIT_ENOMEM;
    }
    t->ops = &tcp_ops;
    t->fd = fd;
    *out = t;
    return 0;
}
