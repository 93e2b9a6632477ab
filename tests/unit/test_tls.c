/* TLS transport: the pure parts (verify reasons, IP literals) and the handshake's failure
 * paths against a peer on a socketpair that is silent, closes, or speaks plain RTMP. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "rtmpkit/error.h"
#include "tls.h"

static void test_verify_reasons(void)
{
    char buf[300];
    rk_tls_verify_reason(X509_V_ERR_CERT_HAS_EXPIRED, "h", buf, sizeof buf);
    CHECK(strstr(buf, "expired") != NULL);
    rk_tls_verify_reason(X509_V_ERR_CERT_NOT_YET_VALID, "h", buf, sizeof buf);
    CHECK(strstr(buf, "not valid yet") != NULL);
    rk_tls_verify_reason(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "h", buf, sizeof buf);
    CHECK(strstr(buf, "self-signed certificate") == buf);
    rk_tls_verify_reason(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "h", buf, sizeof buf);
    CHECK(strstr(buf, "self-signed certificate in the chain") == buf);
    rk_tls_verify_reason(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "h", buf, sizeof buf);
    CHECK(strstr(buf, "unable to get local issuer certificate") == buf);
    CHECK(strstr(buf, "--ca-file") != NULL);
    rk_tls_verify_reason(X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "h", buf, sizeof buf);
    CHECK(strstr(buf, "unable to get local issuer certificate") == buf);
    rk_tls_verify_reason(X509_V_ERR_HOSTNAME_MISMATCH, "example.com", buf, sizeof buf);
    CHECK_STR(buf, "host name mismatch: the certificate is not for example.com");
    rk_tls_verify_reason(X509_V_ERR_IP_ADDRESS_MISMATCH, "127.0.0.1", buf, sizeof buf);
    CHECK_STR(buf, "IP address mismatch: the certificate is not for 127.0.0.1");
    rk_tls_verify_reason(X509_V_ERR_HOSTNAME_MISMATCH, NULL, buf, sizeof buf);
    CHECK(strstr(buf, "the host") != NULL);
    /* Anything else: OpenSSL's own words and the number. */
    rk_tls_verify_reason(X509_V_ERR_CERT_SIGNATURE_FAILURE, "h", buf, sizeof buf);
    CHECK(strstr(buf, "X509 error 7") != NULL);
    /* One line, truncated safely. */
    rk_tls_verify_reason(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "h", buf, 10);
    CHECK_INT(strlen(buf), 9);
    CHECK(strchr(buf, '\n') == NULL);
}

static void test_ip_literals(void)
{
    CHECK_INT(rk_tls_is_ip_literal("127.0.0.1"), 1);
    CHECK_INT(rk_tls_is_ip_literal("::1"), 1);
    CHECK_INT(rk_tls_is_ip_literal("2001:db8::7"), 1);
    CHECK_INT(rk_tls_is_ip_literal("fe80::1%eth0"), 1);
    CHECK_INT(rk_tls_is_ip_literal("localhost"), 0);
    CHECK_INT(rk_tls_is_ip_literal("live.example.com"), 0);
    CHECK_INT(rk_tls_is_ip_literal("1.2.3"), 0);          /* inet_aton would take it; we do not */
    CHECK_INT(rk_tls_is_ip_literal("256.1.1.1"), 0);
    CHECK_INT(rk_tls_is_ip_literal(""), 0);
    CHECK_INT(rk_tls_is_ip_literal(NULL), 0);
}

/* A minimal transport over one end of a socketpair, like the TCP one. */
static int pair_read(rk_transport *t, uint8_t *buf, size_t len)
{
    ssize_t n = recv(t->fd, buf, len, MSG_DONTWAIT);
    if (n >= 0)
        return (int)n;
    return errno == EAGAIN || errno == EWOULDBLOCK ? RTMPKIT_EAGAIN : RTMPKIT_ENETWORK;
}

static int pair_write(rk_transport *t, const uint8_t *buf, size_t len)
{
    ssize_t n = send(t->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    return errno == EAGAIN || errno == EWOULDBLOCK ? RTMPKIT_EAGAIN : RTMPKIT_ENETWORK;
}

static short pair_poll_events(rk_transport *t, int want_write)
{
    (void)t;
    return (short)(POLLIN | (want_write ? POLLOUT : 0));
}

static int pair_closed;

static void pair_close(rk_transport *t)
{
    close(t->fd);
    pair_closed = 1;
}

static const rk_transport_ops pair_ops = { pair_read, pair_write, pair_poll_events, pair_close, NULL };

enum peer { PEER_SILENT, PEER_CLOSES, PEER_PLAIN_RTMP };

/* Runs rk_tls_wrap against a peer that behaves as told; returns its result, why filled. */
static int wrap_against(enum peer peer, int timeout_ms, const volatile sig_atomic_t *cancel,
                        char *why, size_t why_len, long *elapsed_ms)
{
    int sv[2];
    rk_transport tcp = { &pair_ops, -1 }, *out = NULL;
    struct rk_tls_options o = { .host = "localhost" };
    struct timespec a, b;
    int err;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    tcp.fd = sv[0];
    if (peer == PEER_CLOSES)
        shutdown(sv[1], SHUT_WR);   /* like a server that closes after accepting */
    if (peer == PEER_PLAIN_RTMP) {
        /* S0 + the start of S1: what a plain RTMP server might send first. */
        uint8_t s0s1[64] = { 3 };
        if (write(sv[1], s0s1, sizeof s0s1) != (ssize_t)sizeof s0s1)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    err = rk_tls_wrap(&tcp, &o, timeout_ms, cancel, &out, why, why_len);
    clock_gettime(CLOCK_MONOTONIC, &b);
    *elapsed_ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(out == NULL);
    CHECK_INT(pair_closed, 0);   /* on failure the caller still owns the TCP transport */
    close(sv[0]);
    close(sv[1]);
    return err;
}

static void test_handshake_failures(void)
{
    char why[400];
    long ms;
    volatile sig_atomic_t cancel = 0;
    int err;

    err = wrap_against(PEER_SILENT, 300, &cancel, why, sizeof why, &ms);
    CHECK_INT(err, RTMPKIT_ETLS);
    CHECK(strstr(why, "no TLS answer") != NULL);
    CHECK(ms >= 250 && ms < 5000);

    err = wrap_against(PEER_CLOSES, 20000, &cancel, why, sizeof why, &ms);
    CHECK_INT(err, RTMPKIT_ETLS);
    CHECK(strstr(why, "closed the connection during the TLS handshake") != NULL);
    CHECK(ms < 5000);

    err = wrap_against(PEER_PLAIN_RTMP, 20000, &cancel, why, sizeof why, &ms);
    CHECK_INT(err, RTMPKIT_ETLS);
    CHECK(strstr(why, "TLS handshake with localhost failed") != NULL);
    CHECK(strstr(why, "rtmps port") != NULL);
    CHECK(ms < 5000);

    cancel = 1;
    err = wrap_against(PEER_SILENT, 20000, &cancel, why, sizeof why, &ms);
    CHECK_INT(err, RTMPKIT_ECANCELLED);
    CHECK(ms < 5000);
}

static void test_bad_trust_options(void)
{
    int sv[2];
    rk_transport tcp = { &pair_ops, -1 }, *out = NULL;
    struct rk_tls_options o = { .host = "localhost", .ca_file = "/nonexistent/ca.pem" };
    char why[400];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    tcp.fd = sv[0];
    CHECK_INT(rk_tls_wrap(&tcp, &o, 1000, NULL, &out, why, sizeof why), RTMPKIT_ETLS);
    CHECK(strstr(why, "cannot read the CA file /nonexistent/ca.pem") != NULL);
    o.ca_file = "/dev/null";
    CHECK_INT(rk_tls_wrap(&tcp, &o, 1000, NULL, &out, why, sizeof why), RTMPKIT_ETLS);
    CHECK(strstr(why, "no usable CA certificate in /dev/null") != NULL);
    o.ca_file = NULL;
    o.ca_path = "/dev/null";
    CHECK_INT(rk_tls_wrap(&tcp, &o, 1000, NULL, &out, why, sizeof why), RTMPKIT_ETLS);
    CHECK(strstr(why, "not a directory") != NULL);
    CHECK(out == NULL);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    test_verify_reasons();
    test_ip_literals();
    test_handshake_failures();
    test_bad_trust_options();
    return check_report("tls");
}
