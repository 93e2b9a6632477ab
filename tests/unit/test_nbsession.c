/* The non-blocking session (core/nbsession.c) against peers on loopback made here: a
 * closed port, a server that closes at once, a server that says nothing. No step ever
 * waits: each returns within a few milliseconds while the session waits for its peer, and
 * the failures come with the errors the blocking session gives. */
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"
#include "rtmpkit/nbsession.h"

#define STEP_MAX_MS 50   /* a step that takes longer has waited */

/* A listening socket on 127.0.0.1 (any port); its port in *port. */
static int listener(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    CHECK_INT(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_INT(listen(fd, 4), 0);
    CHECK_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A closed port: a listener opened and closed again. */
static int closed_port(void)
{
    int port, fd = listener(&port);
    close(fd);
    return port;
}

static rtmpkit_nbsession *make(rtmpkit_url *url, int port, int handshake_ms)
{
    char text[128];
    rtmpkit_session_config cfg;
    snprintf(text, sizeof text, "rtmp://127.0.0.1:%d/live/cam1", port);
    CHECK_INT(rtmpkit_url_parse(text, url), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.client.url = url;
    cfg.client.handshake_timeout_ms = handshake_ms;
    cfg.client.connect_timeout_ms = 1000;
    cfg.stream = url->stream;
    cfg.play_start_ms = -2;
    rtmpkit_reconnect_policy_default(&cfg.reconnect, 3);   /* a first connect is not retried */
    return rtmpkit_nbsession_new(&cfg);
}

/* Runs s the way a caller's loop does, with a listener accepting (and closing at once
 * when close_at_once) in the same loop, until the session fails or limit_ms pass.
 * Returns its error, or 0 on the time limit. Checks that no step waits. */
static int run(rtmpkit_nbsession *s, int listen_fd, int close_at_once, int limit_ms)
{
    uint64_t end = rtmpkit_monotonic_ms() + (uint64_t)limit_ms;
    int accepted = -1, result = 0;
    while (rtmpkit_monotonic_ms() < end && result == 0) {
        struct pollfd p[2] = { { .fd = -1 }, { .fd = listen_fd, .events = POLLIN } };
        rtmpkit_session_event ev;
        uint64_t due = rtmpkit_nbsession_want(s, &p[0].fd, &p[0].events), now = rtmpkit_monotonic_ms(), t0;
        int wait = due > now ? (int)(due - now < 100 ? due - now : 100) : 0, n;
        poll(p, 2, wait);
        if (listen_fd >= 0 && (p[1].revents & POLLIN)) {
            accepted = accept(listen_fd, NULL, NULL);
            if (close_at_once && accepted >= 0) {
                close(accepted);
                accepted = -1;
            }
        }
        t0 = rtmpkit_monotonic_ms();
        while ((n = rtmpkit_nbsession_step(s, p[0].revents, &ev)) == 1)
            p[0].revents = 0;
        CHECK(rtmpkit_monotonic_ms() - t0 < STEP_MAX_MS);
        if (n < 0)
            result = n;
    }
    if (accepted >= 0)
        close(accepted);
    return result;
}

static void test_refused(void)
{
    rtmpkit_url url;
    rtmpkit_nbsession *s = make(&url, closed_port(), 1000);
    CHECK(s != NULL);
    CHECK_INT(run(s, -1, 0, 3000), RTMPKIT_EREFUSED);
    CHECK(strstr(rtmpkit_nbsession_error_message(s), "refused") != NULL);
    CHECK_INT(rtmpkit_nbsession_reconnecting(s), 0);
    rtmpkit_nbsession_free(s);
    rtmpkit_url_free(&url);
}

static void test_closed_in_handshake(void)
{
    rtmpkit_url url;
    int port, fd = listener(&port);
    rtmpkit_nbsession *s = make(&url, port, 1000);
    CHECK_INT(run(s, fd, 1, 3000), RTMPKIT_EHANDSHAKE);
    rtmpkit_nbsession_free(s);
    rtmpkit_url_free(&url);
    close(fd);
}

static void test_silent_server(void)
{
    rtmpkit_url url;
    int port, fd = listener(&port);
    uint64_t t0 = rtmpkit_monotonic_ms();
    rtmpkit_nbsession *s = make(&url, port, 300);
    CHECK_INT(run(s, fd, 0, 3000), RTMPKIT_ETIMEOUT);
    CHECK(rtmpkit_monotonic_ms() - t0 >= 300);
    CHECK(strstr(rtmpkit_nbsession_error_message(s), "handshake") != NULL);
    rtmpkit_nbsession_free(s);
    rtmpkit_url_free(&url);
    close(fd);
}

static void test_bad_config(void)
{
    rtmpkit_url url;
    rtmpkit_session_config cfg;
    CHECK_INT(rtmpkit_url_parse("rtmp://127.0.0.1/live/cam1", &url), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.client.url = &url;
    cfg.stream = url.stream;
    cfg.publish = 1;   /* publishing: rtmpkit_session's job */
    CHECK(rtmpkit_nbsession_new(&cfg) == NULL);
    cfg.publish = 0;
    cfg.stream = NULL;
    CHECK(rtmpkit_nbsession_new(&cfg) == NULL);
    CHECK(rtmpkit_nbsession_new(NULL) == NULL);
    rtmpkit_nbsession_free(NULL);
    rtmpkit_url_free(&url);
}

int main(void)
{
    test_bad_config();
    test_refused();
    test_closed_in_handshake();
    test_silent_server();
    return check_report("nbsession");
}
