/* authmod=adobe and authmod=llnw: the answers to a server's connect _error, computed
 * the way FFmpeg's rtmpproto.c computes them. MD5 and base64 come from OpenSSL's EVP. */
#include "auth.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

#define MD5_LEN          16
#define MD5_HEX_LEN      32
#define MD5_BASE64_LEN   24                 /* 4 * ceil(16 / 3) */
#define PARAM_VALUE_MAX  256                /* a salt, challenge, opaque or nonce */
#define LLNW_REALM       "live"
#define LLNW_METHOD      "publish"          /* what FFmpeg sends, playing or publishing */
#define LLNW_QOP         "auth"
#define LLNW_NC          "00000001"

enum rk_auth_method rk_auth_method_of(const char *description)
{
    if (!description)
        return RK_AUTH_NONE;
    if (strstr(description, "authmod=adobe"))
        return RK_AUTH_ADOBE;
    if (strstr(description, "authmod=llnw"))
        return RK_AUTH_LLNW;
    return RK_AUTH_NONE;
}

const char *rk_auth_method_name(enum rk_auth_method m)
{
    switch (m) {
    case RK_AUTH_ADOBE: return "adobe";
    case RK_AUTH_LLNW: return "llnw";
    case RK_AUTH_NONE: break;
    }
    return "";
}

/* MD5 of the concatenation of the NULL-terminated list of strings. Returns 0 or an error. */
static int md5_concat(uint8_t out[MD5_LEN], const char *const *parts)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok;
    if (!ctx)
        return RTMPKIT_ENOMEM;
    ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
    for (size_t i = 0; ok && parts[i]; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == MD5_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : RTMPKIT_EINTERNAL;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

static int md5_base64(const char *const *parts, char out[MD5_BASE64_LEN + 1])
{
    uint8_t md[MD5_LEN];
    int err = md5_concat(md, parts);
    if (err < 0)
        return err;
    return EVP_EncodeBlock((unsigned char *)out, md, MD5_LEN) == MD5_BASE64_LEN ? 0 : RTMPKIT_EINTERNAL;
}

static int md5_hex(const char *const *parts, char out[MD5_HEX_LEN + 1])
{
    uint8_t md[MD5_LEN];
    int err = md5_concat(md, parts);
    if (err < 0)
        return err;
    to_hex(md, MD5_LEN, out);
    return 0;
}

int rk_auth_adobe_response(const char *user, const char *salt, const char *password,
                           const char *opaque, const char *challenge, const char *challenge2,
                           char *out, size_t cap)
{
    char first[MD5_BASE64_LEN + 1];
    const char *p1[] = { user, salt, password, NULL };
    const char *p2[] = { first, opaque ? opaque : challenge ? challenge : "", challenge2, NULL };
    int err;
    if (!user || !salt || !password || !challenge2 || !out || cap < MD5_BASE64_LEN + 1)
        return RTMPKIT_EINTERNAL;
    if ((err = md5_base64(p1, first)) < 0)
        return err;
    return md5_base64(p2, out);
}

int rk_auth_llnw_response(const char *user, const char *password, const char *realm,
                          const char *method, const char *app, const char *nonce,
                          const char *nc, const char *cnonce, const char *qop,
                          char *out, size_t cap)
{
    char ha1[MD5_HEX_LEN + 1], ha2[MD5_HEX_LEN + 1];
    const char *p1[] = { user, ":", realm, ":", password, NULL };
    const char *p2[] = { method, ":/", app, strchr(app ? app : "", '/') ? "" : "/_definst_", NULL };
    const char *p3[] = { ha1, ":", nonce ? nonce : "", ":", nc, ":", cnonce, ":", qop, ":", ha2, NULL };
    int err;
    if (!user || !password || !realm || !method || !app || !nc || !cnonce || !qop || !out
        || cap < MD5_HEX_LEN + 1)
        return RTMPKIT_EINTERNAL;
    if ((err = md5_hex(p1, ha1)) < 0 || (err = md5_hex(p2, ha2)) < 0)
        return err;
    return md5_hex(p3, out);
}

/* The value of name in the "?reason=needauth&a=b&..." part of a description, copied into
 * out (cap bytes); a value ends at '&', whitespace or the end. Returns 1 when found. */
static int query_param(const char *query, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = query;
    while (p && *p) {
        if (*p == '?' || *p == '&')
            p++;
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            const char *v = p + nlen + 1;
            size_t n = strcspn(v, "& \t\r\n");
            if (n >= cap)
                return 0;
            memcpy(out, v, n);
            out[n] = 0;
            return 1;
        }
        p += strcspn(p, "& \t\r\n");
        if (*p != '&')
            break;
    }
    return 0;
}

/* Appends s to out at *len, as is: like FFmpeg, which the servers of these methods
 * (FMS, Wowza, Limelight) are known to accept, base64 '+', '/' and '=' included. A
 * truncation sets *len to cap. */
static void put_raw(char *out, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n < cap) {
        memcpy(out + *len, s, n + 1);
        *len += n;
    } else {
        *len = cap;
    }
}

static int set_why(char *why, size_t why_cap, int err, const char *fmt, const char *method)
{
    if (why && why_cap)
        snprintf(why, why_cap, fmt, method);
    return err;
}

int rk_auth_answer(const char *description, const char *user, const char *password,
                   const char *app, const char *client_nonce, char *out, size_t cap,
                   char *why, size_t why_cap)
{
    enum rk_auth_method m = rk_auth_method_of(description);
    const char *name = rk_auth_method_name(m);
    const char *query;
    char salt[PARAM_VALUE_MAX], challenge[PARAM_VALUE_MAX], opaque[PARAM_VALUE_MAX];
    char nonce[PARAM_VALUE_MAX], response[MD5_HEX_LEN + 1];
    size_t len = 0;
    int have_challenge, have_opaque, err;

    if (why && why_cap)
        why[0] = 0;
    if (!out || cap == 0 || !user || !password || !app || !client_nonce)
        return RTMPKIT_EINTERNAL;
    out[0] = 0;
    if (m == RK_AUTH_NONE)
        return set_why(why, why_cap, RTMPKIT_EAUTH, "the server wants an authentication method we do not know%s", "");
    if (strstr(description, "?reason=authfailed"))
        return set_why(why, why_cap, RTMPKIT_EAUTH, "incorrect user name or password (authmod=%s)", name);
    if (strstr(description, "?reason=nosuchuser"))
        return set_why(why, why_cap, RTMPKIT_EAUTH, "no such user (authmod=%s)", name);
    if (strstr(description, "code=403 need auth")) {
        /* The first step: say who we are and get the challenge. */
        snprintf(out, cap, "?authmod=%s&user=", name);
        len = strlen(out);
        put_raw(out, cap, &len, user);
        return len < cap ? 0 : RTMPKIT_ELIMIT;
    }
    query = strstr(description, "?reason=needauth");
    if (!query)
        return set_why(why, why_cap, RTMPKIT_EAUTH,
                       "the server's authmod=%s answer has no challenge to respond to", name);

    if (m == RK_AUTH_ADOBE) {
        if (!query_param(query, "salt", salt, sizeof salt))
            return set_why(why, why_cap, RTMPKIT_EAUTH, "the server's authmod=%s challenge has no salt", name);
        have_challenge = query_param(query, "challenge", challenge, sizeof challenge);
        have_opaque = query_param(query, "opaque", opaque, sizeof opaque);
        err = rk_auth_adobe_response(user, salt, password, have_opaque ? opaque : NULL,
                                     have_challenge ? challenge : NULL, client_nonce,
                                     response, sizeof response);
        if (err < 0)
            return err;
        snprintf(out, cap, "?authmod=adobe&user=");
        len = strlen(out);
        put_raw(out, cap, &len, user);
        if (len < cap)
            len += (size_t)snprintf(out + len, cap - len, "&challenge=%s&response=", client_nonce);
        if (len < cap)
            put_raw(out, cap, &len, response);
        if (have_opaque && len < cap) {
            len += (size_t)snprintf(out + len, cap - len, "&opaque=");
            if (len < cap)
                put_raw(out, cap, &len, opaque);
        }
        return len < cap ? 0 : RTMPKIT_ELIMIT;
    }

    if (!query_param(query, "nonce", nonce, sizeof nonce))
        return set_why(why, why_cap, RTMPKIT_EAUTH, "the server's authmod=%s challenge has no nonce", name);
    err = rk_auth_llnw_response(user, password, LLNW_REALM, LLNW_METHOD, app, nonce, LLNW_NC,
                                client_nonce, LLNW_QOP, response, sizeof response);
    if (err < 0)
        return err;
    snprintf(out, cap, "?authmod=llnw&user=");
    len = strlen(out);
    put_raw(out, cap, &len, user);
    if (len < cap) {
        len += (size_t)snprintf(out + len, cap - len, "&nonce=");
        if (len < cap)
            put_raw(out, cap, &len, nonce);
    }
    if (len < cap)
        len += (size_t)snprintf(out + len, cap - len, "&cnonce=%s&nc=%s&response=%s", client_nonce,
                                LLNW_NC, response);
    return len < cap ? 0 : RTMPKIT_ELIMIT;
}

char *rk_auth_append_query(const char *base, const char *query)
{
    size_t bl = strlen(base), ql = strlen(query);
    char *s = malloc(bl + ql + 1);
    if (!s)
        return NULL;
    memcpy(s, base, bl);
    memcpy(s + bl, query, ql + 1);
    if (ql && query[0] == '?' && strchr(base, '?'))
        s[bl] = '&';
    return s;
}
