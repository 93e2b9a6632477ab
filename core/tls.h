/* TLS (OpenSSL) as a transport over a connected TCP transport, for rtmps://. */
#ifndef RK_TLS_H
#define RK_TLS_H

#include <signal.h>
#include <stddef.h>

#include "transport.h"

struct rk_tls_options {
    const char *host;       /* the URL's host: SNI (names only) and the identity checked */
    const char *ca_file;    /* PEM CA certificates trusted besides the system store; NULL: none */
    const char *ca_path;    /* a c_rehash'ed directory of CA certificates; NULL: none */
    int insecure;           /* 1: no chain and no host check (the caller warns) */
};

/* Runs a TLS client handshake (TLS 1.2 or later, chain verified against the system CA
 * store plus ca_file / ca_path, host name or IP literal checked, SNI for names) over tcp,
 * within timeout_ms, checking cancel while it waits. On success returns 0 and *out is a
 * transport that owns tcp from then on (its close shuts TLS down and closes tcp). On
 * failure returns RTMPKIT_ETLS (or ECANCELLED / ENOMEM) with a one-line reason in why
 * (why_len bytes), and tcp still belongs to the caller. */
int rk_tls_wrap(rk_transport *tcp, const struct rk_tls_options *o, int timeout_ms,
                const volatile sig_atomic_t *cancel, rk_transport **out,
                char *why, size_t why_len);

/* The same handshake without waiting, for a caller that polls many sockets itself:
 * rk_tls_start makes the TLS transport over tcp (which it owns from then on: its close
 * closes tcp too) and sends nothing; rk_tls_step tries the handshake and returns 0 when
 * it is done, RTMPKIT_EAGAIN with the poll() *events to wait for, or RTMPKIT_ETLS with a
 * reason in why (then close the transport). o must be the same for every step. On
 * failure rk_tls_start returns an error with a reason, and tcp is still the caller's. */
int rk_tls_start(rk_transport *tcp, const struct rk_tls_options *o, rk_transport **out, char *why, size_t why_len);
int rk_tls_step(rk_transport *t, const struct rk_tls_options *o, short *events, char *why, size_t why_len);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384" for a transport from rk_tls_wrap (into buf, len). */
void rk_tls_describe(rk_transport *t, char *buf, size_t len);

/* A one-line English reason for an X509_V_ERR_* verify result, naming the cause
 * (expired, self-signed, unknown issuer, host name mismatch...); host is the name or
 * address that was checked. Pure: no OpenSSL state is read. */
void rk_tls_verify_reason(long verify_result, const char *host, char *buf, size_t len);

/* 1 when host is an IPv4 or IPv6 address literal (no SNI; checked as an address). */
int rk_tls_is_ip_literal(const char *host);

#endif
