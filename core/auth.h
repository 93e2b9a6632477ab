/* Server authentication in the connect URL's query: Adobe's authmod=adobe (salt,
 * challenge, opaque; MD5 + base64) and Limelight's authmod=llnw (an HTTP-digest-like
 * nonce exchange), as FFmpeg's libavformat/rtmpproto.c does them (do_adobe_auth,
 * do_llnw_auth, handle_connect_error). Pure functions: no I/O, no randomness of their own
 * (the caller passes the client challenge / cnonce). Internal to the core. */
#ifndef RK_AUTH_H
#define RK_AUTH_H

#include <stddef.h>

enum rk_auth_method {
    RK_AUTH_NONE = 0,
    RK_AUTH_ADOBE,
    RK_AUTH_LLNW,
};

/* What a connect _error description asks for ("... authmod=adobe ..." or
 * "... authmod=llnw ..."), or RK_AUTH_NONE. */
enum rk_auth_method rk_auth_method_of(const char *description);

/* "adobe", "llnw" or "" for RK_AUTH_NONE. */
const char *rk_auth_method_name(enum rk_auth_method m);

/* Adobe: base64(md5(base64(md5(user salt password)) (opaque or challenge) challenge2)).
 * opaque and challenge may be NULL (opaque is used when given, else challenge). out
 * receives the 24-character base64 and a NUL (cap >= 25). Returns 0 or an error. */
int rk_auth_adobe_response(const char *user, const char *salt, const char *password,
                           const char *opaque, const char *challenge, const char *challenge2,
                           char *out, size_t cap);

/* Limelight: HA1 = md5hex(user ":" realm ":" password),
 * HA2 = md5hex(method ":/" app [+ "/_definst_" when app has no '/']),
 * response = md5hex(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2), lowercase hex.
 * out receives 32 hex digits and a NUL (cap >= 33). Returns 0 or an error. */
int rk_auth_llnw_response(const char *user, const char *password, const char *realm,
                          const char *method, const char *app, const char *nonce,
                          const char *nc, const char *cnonce, const char *qop,
                          char *out, size_t cap);

/* The query to append to app and tcUrl for the next connect attempt, from the server's
 * connect _error description and our credentials:
 *   "code=403 need auth; authmod=adobe"   -> "?authmod=adobe&user=USER"
 *   "authmod=adobe ... ?reason=needauth&user=..&salt=..&challenge=..&opaque=.."
 *                                         -> "?authmod=adobe&user=USER&challenge=C2&response=R[&opaque=O]"
 *   "authmod=llnw ... ?reason=needauth&user=..&nonce=.."
 *                                         -> "?authmod=llnw&user=USER&nonce=N&cnonce=C2&nc=00000001&response=R"
 * app is the application without its query (llnw digests it); client_nonce is our
 * random challenge / cnonce (8 hex digits). Returns 0 with the query in out, or
 * RTMPKIT_EAUTH with a one-line reason in why ("?reason=authfailed": wrong user
 * name or password; "?reason=nosuchuser"; no parameters to answer), or another error. */
int rk_auth_answer(const char *description, const char *user, const char *password,
                   const char *app, const char *client_nonce, char *out, size_t cap,
                   char *why, size_t why_cap);

/* A new string: base (an app or a tcUrl) with the auth query appended; when base already
 * has a query, the auth query's '?' becomes '&'. NULL when out of memory. */
char *rk_auth_append_query(const char *base, const char *query);

#endif
