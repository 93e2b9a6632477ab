/* The TCP transport on 127.0.0.1: connect, read/write through the vtable, EAGAIN and end
 * of stream, and each way a connect fails (refused, timed out, cancelled, no address). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "transport.h"

/* A listening socket on 127.0.0.1 with the given backlog; sets *port. */
static int listen_loopback(int backlog, int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, backlog) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

/* Fills the accept queue of a backlog-0 listener with connections nobody accepts: the
 * kernel then drops further SYNs, so a connect waits (a silent host, on loopback). */
static void fill_accept_queue(int port, int held[4])
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    for (int i = 0; i < 4; i++) {
        held[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        /* EINPROGRESS, or done: the ones that get in fill the queue, the rest wait */
        (void)connect(held[i], (struct sockaddr *)&a, sizeof a);
    }
    usleep(100 * 1000);
}

static void test_connect_read_write(void)
{
    int port, lfd = listen_loopback(4, &port), sfd;
    rk_transport *t = NULL;
    char why[256] = "";
    uint8_t buf[64];
    CHECK(lfd >= 0);
    CHECK_INT(rk_tcp_connect("127.0.0.1", port, 4, 2000, NULL, &t, why, sizeof why), 0);
    if (!t)
        return;
    sfd = accept(lfd, NULL, NULL);
    CHECK(sfd >= 0);

    /* Nothing sent yet: the non-blocking read says so instead of waiting. */
    CHECK_INT(t->ops->read(t, buf, sizeof buf), RTMPKIT_EAGAIN);
    CHECK_INT(rk_wait_fd(t->fd, POLLIN, 50, NULL), 0);

    CHECK_INT(send(sfd, "hello", 5, 0), 5);
    CHECK(rk_wait_fd(t->fd, t->ops->poll_events(t, 0), 2000, NULL) & POLLIN);
    CHECK_INT(t->ops->read(t, buf, sizeof buf), 5);
    CHECK_MEM(buf, "hello", 5);

    CHECK_INT(t->ops->write(t, (const uint8_t *)"abc", 3), 3);
    CHECK_INT(recv(sfd, buf, sizeof buf, 0), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK(t->ops->poll_events(t, 1) & POLLOUT);

    /* The peer closes: end of stream is 0, not an error. */
    close(sfd);
    CHECK(rk_wait_fd(t->fd, POLLIN, 2000, NULL) & POLLIN);
    CHECK_INT(t->ops->read(t, buf, sizeof buf), 0);
    t->ops->close(t);
    close(lfd);
}

static void test_refused(void)
{
    int port, lfd = listen_loopback(1, &port);
    rk_transport *t = NULL;
    char why[256] = "";
    close(lfd);   /* the port is free now: nothing listens */
    CHECK_INT(rk_tcp_connect("127.0.0.1", port, 0, 2000, NULL, &t, why, sizeof why), RTMPKIT_EREFUSED);
    CHECK(t == NULL);
    CHECK(strstr(why, "127.0.0.1") != NULL && strstr(why, "refused") != NULL);
}

static void test_timeout_and_cancel(void)
{
    int port, lfd = listen_loopback(0, &port), held[4];
    rk_transport *t = NULL;
    char why[256] = "";
    volatile sig_atomic_t cancel = 0;
    uint64_t start;
    fill_accept_queue(port, held);

    start = rtmpkit_monotonic_ms();
    CHECK_INT(rk_tcp_connect("127.0.0.1", port, 4, 300, &cancel, &t, why, sizeof why), RTMPKIT_ETIMEOUT);
    CHECK(rtmpkit_monotonic_ms() - start < 5000);   /* bounded: it did not wait for the kernel's retries */
    CHECK(strstr(why, "timed out after 300 ms") != NULL);
    CHECK(t == NULL);

    cancel = 1;
    CHECK_INT(rk_tcp_connect("127.0.0.1", port, 4, 10000, &cancel, &t, why, sizeof why), RTMPKIT_ECANCELLED);
    CHECK(t == NULL);
    CHECK_INT(rk_wait_fd(lfd, POLLIN, 10000, &cancel), RTMPKIT_ECANCELLED);

    for (int i = 0; i < 4; i++)
        close(held[i]);
    close(lfd);
}

static void test_no_address(void)
{
    rk_transport *t = NULL;
    char why[256] = "";
    /* An IPv4 literal has no IPv6 address: a resolver error naming the host. */
    CHECK_INT(rk_tcp_connect("127.0.0.1", 1935, 6, 1000, NULL, &t, why, sizeof why), RTMPKIT_EDNS);
    CHECK(strstr(why, "cannot resolve 127.0.0.1") != NULL);
    CHECK(t == NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_connect_read_write();
    test_refused();
    test_timeout_and_cancel();
    test_no_address();
    return check_report("transport");
}
