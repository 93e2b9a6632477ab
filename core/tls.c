/* TLS over the TCP transport with OpenSSL 3. The SSL object reads and writes through a
 * small BIO over the TCP transport's own read/write, so sends keep MSG_NOSIGNAL (a peer
 * that went away cannot kill the process with SIGPIPE) and there is one socket layer. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rtmpkit/clock.h"
#include "rtmpkit/error.h"

/* Any value works: it only names our BIO type for BIO_find_type(). */
#define TRANSPORT_BIO_TYPE (BIO_TYPE_SOURCE_SINK | 0x7e)

struct tls_transport {
    rk_transport base;      /* first: the client sees an rk_transport */
    rk_transport *tcp;      /* owned once the handshake succeeded */
    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *method;
    int eof;                /* the TCP transport reported the end of the stream */
    int net_error;          /* the TCP transport failed (reset, ...) */
    short read_wants;       /* what the last SSL_read waits for: POLLIN or POLLOUT */
    short write_wants;      /* what the last SSL_write waits for */
};

/* ---- the BIO over the TCP transport ---- */

static int bio_read(BIO *b, char *buf, int len)
{
    struct tls_transport *tt = BIO_get_data(b);
    int n;
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    n = tt->tcp->ops->read(tt->tcp, (uint8_t *)buf, (size_t)len);
    if (n > 0)
        return n;
    if (n == RTMPKIT_EAGAIN) {
        BIO_set_retry_read(b);
        return -1;
    }
    if (n == 0)
        tt->eof = 1;
    else
        tt->net_error = 1;
    return n == 0 ? 0 : -1;
}

static int bio_write(BIO *b, const char *buf, int len)
{
    struct tls_transport *tt = BIO_get_data(b);
    int n;
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    n = tt->tcp->ops->write(tt->tcp, (const uint8_t *)buf, (size_t)len);
    if (n > 0)
        return n;
    if (n == RTMPKIT_EAGAIN) {
        BIO_set_retry_write(b);
        return -1;
    }
    tt->net_error = 1;
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct tls_transport *tt = BIO_get_data(b);
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;           /* nothing is buffered here */
    case BIO_CTRL_EOF:      /* OpenSSL asks to tell a peer's close from an error */
        return tt && tt->eof;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* ---- helpers ---- */

int rk_tls_is_ip_literal(const char *host)
{
    unsigned char addr[16];
    char copy[64];
    const char *zone;
    size_t len;
    if (!host || !*host)
        return 0;
    if (inet_pton(AF_INET, host, addr) == 1)
        return 1;
    zone = strchr(host, '%');   /* fe80::1%eth0 */
    len = zone ? (size_t)(zone - host) : strlen(host);
    if (len >= sizeof copy)
        return 0;
    memcpy(copy, host, len);
    copy[len] = 0;
    return inet_pton(AF_INET6, copy, addr) == 1;
}

void rk_tls_verify_reason(long verify_result, const char *host, char *buf, size_t len)
{
    const char *h = host ? host : "the host";
    switch (verify_result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        snprintf(buf, len, "the certificate has expired");
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        snprintf(buf, len, "the certificate is not valid yet");
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        snprintf(buf, len, "self-signed certificate (no trusted CA issued it; "
                           "--ca-file trusts it, --insecure skips the check)");
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        snprintf(buf, len, "self-signed certificate in the chain: its root CA is not trusted "
                           "(--ca-file adds a CA)");
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        snprintf(buf, len, "unable to get local issuer certificate: the certificate's CA is not "
                           "trusted (--ca-file adds a CA)");
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
        snprintf(buf, len, "host name mismatch: the certificate is not for %s", h);
        break;
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        snprintf(buf, len, "IP address mismatch: the certificate is not for %s", h);
        break;
    case X509_V_ERR_CERT_REVOKED:
        snprintf(buf, len, "the certificate has been revoked");
        break;
    case X509_V_ERR_INVALID_PURPOSE:
        snprintf(buf, len, "the certificate is not meant for a TLS server");
        break;
    default:
        snprintf(buf, len, "%s (X509 error %ld)", X509_verify_cert_error_string(verify_result),
                 verify_result);
        break;
    }
}

/* The reason of OpenSSL's latest queued error, or fallback. */
static const char *ssl_error_text(char *buf, size_t len, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (reason)
        snprintf(buf, len, "%s", reason);
    else if (e)
        ERR_error_string_n(e, buf, len);
    else
        snprintf(buf, len, "%s", fallback);
    return buf;
}

static void free_tls(struct tls_transport *tt, int shutdown)
{
    if (tt->ssl) {
        if (shutdown && SSL_is_init_finished(tt->ssl))
            SSL_shutdown(tt->ssl);   /* close_notify, best effort: never waits */
        SSL_free(tt->ssl);           /* frees the BIO too */
    }
    SSL_CTX_free(tt->ctx);
    BIO_meth_free(tt->method);
    ERR_clear_error();
    free(tt);
}

/* ---- the transport ---- */

static int tls_read(rk_transport *t, uint8_t *buf, size_t len)
{
    struct tls_transport *tt = (struct tls_transport *)t;
    size_t n = 0;
    int e;
    ERR_clear_error();
    if (SSL_read_ex(tt->ssl, buf, len < INT_MAX ? len : INT_MAX, &n) == 1) {
        tt->read_wants = POLLIN;
        return (int)n;
    }
    e = SSL_get_error(tt->ssl, 0);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        tt->read_wants = POLLIN;
        return RTMPKIT_EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        tt->read_wants = POLLOUT;
        return RTMPKIT_EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        return tt->eof && !tt->net_error ? 0 : RTMPKIT_ENETWORK;
    }
}

static int tls_write(rk_transport *t, const uint8_t *buf, size_t len)
{
    struct tls_transport *tt = (struct tls_transport *)t;
    size_t n = 0;
    int e;
    ERR_clear_error();
    if (SSL_write_ex(tt->ssl, buf, len < INT_MAX ? len : INT_MAX, &n) == 1) {
        tt->write_wants = POLLOUT;
        return (int)n;
    }
    e = SSL_get_error(tt->ssl, 0);
    if (e == SSL_ERROR_WANT_WRITE) {
        tt->write_wants = POLLOUT;
        return RTMPKIT_EAGAIN;
    }
    if (e == SSL_ERROR_WANT_READ) {
        tt->write_wants = POLLIN;
        return RTMPKIT_EAGAIN;
    }
    return RTMPKIT_ENETWORK;
}

static short tls_poll_events(rk_transport *t, int want_write)
{
    struct tls_transport *tt = (struct tls_transport *)t;
    short ev = (short)(POLLIN | (tt->read_wants & POLLOUT));
    if (want_write)
        ev = (short)(ev | tt->write_wants);
    return ev;
}

static void tls_close(rk_transport *t)
{
    struct tls_transport *tt = (struct tls_transport *)t;
    rk_transport *tcp = tt->tcp;
    free_tls(tt, 1);
    tcp->ops->close(tcp);
}

static const rk_transport_ops tls_ops = {
    .read = tls_read,
    .write = tls_write,
    .poll_events = tls_poll_events,
    .close = tls_close,
};

void rk_tls_describe(rk_transport *t, char *buf, size_t len)
{
    struct tls_transport *tt = (struct tls_transport *)t;
    snprintf(buf, len, "%s %s", SSL_get_version(tt->ssl), SSL_get_cipher_name(tt->ssl));
}

/* ---- set-up and handshake ---- */

/* Trust: the system store plus the user's CA file / directory. */
static int load_trust(SSL_CTX *ctx, const struct rk_tls_options *o, char *why, size_t why_len)
{
    char text[200];
    struct stat st;
    FILE *f;
    SSL_CTX_set_default_verify_paths(ctx);   /* no system store is not fatal by itself */
    ERR_clear_error();
    if (o->ca_file) {
        if (!(f = fopen(o->ca_file, "r"))) {
            snprintf(why, why_len, "cannot read the CA file %s: %s", o->ca_file, strerror(errno));
            return RTMPKIT_ETLS;
        }
        fclose(f);
        if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
            snprintf(why, why_len, "no usable CA certificate in %s: %s", o->ca_file,
                     ssl_error_text(text, sizeof text, "not PEM"));
            return RTMPKIT_ETLS;
        }
    }
    if (o->ca_path) {
        int found = stat(o->ca_path, &st) == 0;
        if (!found || !S_ISDIR(st.st_mode)) {
            snprintf(why, why_len, "cannot use the CA directory %s: %s", o->ca_path,
                     found ? "not a directory" : strerror(errno));
            return RTMPKIT_ETLS;
        }
        if (SSL_CTX_load_verify_locations(ctx, NULL, o->ca_path) != 1) {
            snprintf(why, why_len, "cannot use the CA directory %s: %s", o->ca_path,
                     ssl_error_text(text, sizeof text, "unknown error"));
            return RTMPKIT_ETLS;
        }
    }
    return 0;
}

/* Sets what the server's certificate must name: an address for literals, else the host
 * name (and SNI). */
static int set_identity(SSL *ssl, const struct rk_tls_options *o, char *why, size_t why_len)
{
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    int ip = rk_tls_is_ip_literal(o->host), ok;
    if (!ip && SSL_set_tlsext_host_name(ssl, o->host) != 1) {
        snprintf(why, why_len, "cannot send the host name %s in TLS (SNI)", o->host);
        return RTMPKIT_ETLS;
    }
    if (o->insecure)
        return 0;
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip) {
        char addr[64];
        size_t len = strcspn(o->host, "%");
        snprintf(addr, sizeof addr, "%.*s", (int)len, o->host);
        ok = X509_VERIFY_PARAM_set1_ip_asc(param, addr);
    } else {
        ok = X509_VERIFY_PARAM_set1_host(param, o->host, 0);
    }
    if (ok != 1) {
        snprintf(why, why_len, "cannot check the certificate against %s", o->host);
        return RTMPKIT_ETLS;
    }
    return 0;
}

/* Turns a failed SSL_connect into an error code and a one-line reason. */
static int handshake_failure(struct tls_transport *tt, const struct rk_tls_options *o, int ssl_error,
                             char *why, size_t why_len)
{
    char text[200];
    long verify = SSL_get_verify_result(tt->ssl);
    if (!o->insecure && verify != X509_V_OK) {
        rk_tls_verify_reason(verify, o->host, text, sizeof text);
        snprintf(why, why_len, "TLS certificate verification failed for %s: %s", o->host, text);
    } else if (tt->eof || ssl_error == SSL_ERROR_ZERO_RETURN) {
        snprintf(why, why_len, "the server closed the connection during the TLS handshake "
                               "(is this an rtmps port?)");
    } else if (tt->net_error) {
        snprintf(why, why_len, "connection lost during the TLS handshake");
    } else {
        unsigned long e = ERR_peek_last_error();
        int not_tls = ERR_GET_LIB(e) == ERR_LIB_SSL &&
                      (ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER ||
                       ERR_GET_REASON(e) == SSL_R_PACKET_LENGTH_TOO_LONG ||
                       ERR_GET_REASON(e) == SSL_R_RECORD_LENGTH_MISMATCH);
        snprintf(why, why_len, "TLS handshake with %s failed: %s%s", o->host,
                 ssl_error_text(text, sizeof text, "unknown error"),
                 not_tls ? " (is this an rtmps port?)" : "");
    }
    return RTMPKIT_ETLS;
}

/* Makes the TLS transport over tcp, ready for its handshake (nothing sent yet). Returns 0
 * with *out, or an error with a reason in why (tcp still the caller's). */
static int tls_setup(rk_transport *tcp, const struct rk_tls_options *o, struct tls_transport **out,
                     char *why, size_t why_len)
{
    struct tls_transport *tt = calloc(1, sizeof *tt);
    BIO *bio = NULL;
    char text[200];
    int err = RTMPKIT_ENOMEM;

    if (!tt) {
        snprintf(why, why_len, "%s", rtmpkit_strerror(err));
        return err;
    }
    tt->tcp = tcp;
    tt->base.ops = &tls_ops;
    tt->base.fd = tcp->fd;
    tt->read_wants = POLLIN;
    tt->write_wants = POLLOUT;
    ERR_clear_error();
    if (!(tt->ctx = SSL_CTX_new(TLS_client_method())) ||
        !(tt->method = BIO_meth_new(TRANSPORT_BIO_TYPE, "rtmpkit transport")))
        goto fail_msg;
    SSL_CTX_set_min_proto_version(tt->ctx, TLS1_2_VERSION);
    /* RTMP frames itself: a peer closing without close_notify is an ordinary end. */
    SSL_CTX_set_options(tt->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* The engine's output queue may move between retries of a write; it only grows. */
    SSL_CTX_set_mode(tt->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(tt->ctx, o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    if ((err = load_trust(tt->ctx, o, why, why_len)) < 0)
        goto fail;
    err = RTMPKIT_ENOMEM;
    if (!BIO_meth_set_read(tt->method, bio_read) || !BIO_meth_set_write(tt->method, bio_write) ||
        !BIO_meth_set_ctrl(tt->method, bio_ctrl) || !BIO_meth_set_create(tt->method, bio_create))
        goto fail_msg;
    if (!(tt->ssl = SSL_new(tt->ctx)) || !(bio = BIO_new(tt->method)))
        goto fail_msg;
    BIO_set_data(bio, tt);
    SSL_set_bio(tt->ssl, bio, bio);   /* the SSL owns the BIO from here */
    if ((err = set_identity(tt->ssl, o, why, why_len)) < 0)
        goto fail;
    *out = tt;
    return 0;

fail_msg:
    snprintf(why, why_len, "cannot set up TLS: %s", ssl_error_text(text, sizeof text, "out of memory"));
fail:
    free_tls(tt, 0);
    return err;
}

/* One try of the handshake: 0 when done, RTMPKIT_EAGAIN with *events to wait for, or
 * RTMPKIT_ETLS with a reason in why. */
static int tls_handshake_step(struct tls_transport *tt, const struct rk_tls_options *o, short *events,
                              char *why, size_t why_len)
{
    int r, e;
    ERR_clear_error();
    r = SSL_connect(tt->ssl);
    if (r == 1)
        return 0;
    e = SSL_get_error(tt->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        *events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return RTMPKIT_EAGAIN;
    }
    return handshake_failure(tt, o, e, why, why_len);
}

int rk_tls_wrap(rk_transport *tcp, const struct rk_tls_options *o, int timeout_ms,
                const volatile sig_atomic_t *cancel, rk_transport **out,
                char *why, size_t why_len)
{
    uint64_t deadline = rtmpkit_monotonic_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    struct tls_transport *tt = NULL;
    int err = tls_setup(tcp, o, &tt, why, why_len);

    if (err < 0)
        return err;
    for (;;) {
        int ready;
        short events = 0;
        uint64_t now;
        err = tls_handshake_step(tt, o, &events, why, why_len);
        if (err == 0)
            break;
        if (err != RTMPKIT_EAGAIN)
            goto fail;
        now = rtmpkit_monotonic_ms();
        ready = now < deadline ? rk_wait_fd(tt->base.fd, events, (int)(deadline - now), cancel) : 0;
        if (ready == 0) {
            snprintf(why, why_len, "no TLS answer from %s within %d ms (is this an rtmps port?)",
                     o->host, timeout_ms);
            err = RTMPKIT_ETLS;
            goto fail;
        }
        if (ready < 0) {
            err = ready;
            snprintf(why, why_len, "%s", ready == RTMPKIT_ECANCELLED ? "interrupted"
                     : "connection lost during the TLS handshake");
            goto fail;
        }
    }
    *out = &tt->base;
    return 0;

fail:
    free_tls(tt, 0);
    return err;
}

int rk_tls_start(rk_transport *tcp, const struct rk_tls_options *o, rk_transport **out, char *why, size_t why_len)
{
    struct tls_transport *tt = NULL;
    int err = tls_setup(tcp, o, &tt, why, why_len);
    if (err < 0)
        return err;
    *out = &tt->base;
    return 0;
}

int rk_tls_step(rk_transport *t, const struct rk_tls_options *o, short *events, char *why, size_t why_len)
{
    return tls_handshake_step((struct tls_transport *)t, o, events, why, why_len);
}
