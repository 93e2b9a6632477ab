/* rtmp:// and rtmps:// URLs: parse (ffmpeg's app/stream split), override, redact. */
#include "rtmpkit/url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rtmpkit/error.h"

#define DEFAULT_PORT_RTMP  1935
#define DEFAULT_PORT_RTMPS 443

static char *dup_span(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes (p, n) into a new string; a bad escape or %00 is a bad URL. */
static int percent_decode(const char *p, size_t n, char **out)
{
    char *s = malloc(n + 1), *d = s;
    *out = NULL;
    if (!s)
        return RTMPKIT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '%') {
            *d++ = p[i];
            continue;
        }
        if (n - i < 3 || hex_value(p[i + 1]) < 0 || hex_value(p[i + 2]) < 0
            || (hex_value(p[i + 1]) | hex_value(p[i + 2])) == 0) {
            free(s);
            return RTMPKIT_EBAD_URL;
        }
        *d++ = (char)(hex_value(p[i + 1]) << 4 | hex_value(p[i + 2]));
        i += 2;
    }
    *d = 0;
    *out = s;
    return 0;
}

/* ffmpeg's rule (libavformat/rtmpproto.c): path is what follows the first '/', without
 * the query. One part is the app; with more, the app is the first part, plus the second
 * when a third follows and the second holds no ':' (an "mp4:" playpath starts the
 * stream). *stream_off is where the stream starts (n when there is none). */
static void split_path(const char *path, size_t n, size_t *app_len, size_t *stream_off)
{
    const char *p = memchr(path, '/', n), *rest, *slash, *colon;
    size_t rn;
    if (!p) {
        *app_len = n;
        *stream_off = n;
        return;
    }
    rest = p + 1;
    rn = n - (size_t)(rest - path);
    slash = memchr(rest, '/', rn);
    colon = memchr(rest, ':', rn);
    if (!slash || (colon && colon < slash)) {
        *app_len = (size_t)(p - path);
        *stream_off = (size_t)(rest - path);
    } else {
        *app_len = (size_t)(slash - path);
        *stream_off = (size_t)(slash + 1 - path);
    }
}

static int valid_host_name(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '.' || c == '_' || c >= 0x80))
            return 0;
    }
    return n > 0;
}

static int valid_ipv6(const char *p, size_t n)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    struct in6_addr addr;
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, p, n);
    tmp[n] = 0;
    return inet_pton(AF_INET6, tmp, &addr) == 1;
}

static int default_port(int tls)
{
    return tls ? DEFAULT_PORT_RTMPS : DEFAULT_PORT_RTMP;
}

/* scheme://host[:port]/app, brackets around an IPv6 host. */
static char *make_tc_url(int tls, const char *host, int port, int with_port, const char *app)
{
    const char *scheme = tls ? "rtmps" : "rtmp";
    int v6 = strchr(host, ':') != NULL;
    char portbuf[16] = "";
    size_t n;
    char *s;
    if (with_port)
        snprintf(portbuf, sizeof portbuf, ":%d", port);
    n = strlen(scheme) + 3 + strlen(host) + 2 + strlen(portbuf) + 1 + strlen(app) + 1;
    s = malloc(n);
    if (s)
        snprintf(s, n, "%s://%s%s%s%s/%s", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
                 portbuf, app);
    return s;
}

void rtmpkit_url_free(rtmpkit_url *u)
{
    if (!u)
        return;
    free(u->host);
    free(u->user);
    free(u->password);
    free(u->app);
    free(u->stream);
    free(u->tc_url);
    memset(u, 0, sizeof *u);
}

int rtmpkit_url_parse(const char *s, rtmpkit_url *out)
{
    const char *sep, *auth, *auth_end, *at = NULL, *host, *host_end, *after, *path, *query;
    size_t scheme_len, host_len, path_len, app_len, stream_off, query_len;
    int explicit_port = 0, rc = RTMPKIT_EBAD_URL;
    if (!out)
        return RTMPKIT_EINTERNAL;
    memset(out, 0, sizeof *out);
    if (!s)
        return RTMPKIT_EBAD_URL;
    for (const char *q = s; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f)
            return RTMPKIT_EBAD_URL;

    sep = strstr(s, "://");
    if (!sep)
        return RTMPKIT_EBAD_URL;
    scheme_len = (size_t)(sep - s);
    if (scheme_len == 4 && strncasecmp(s, "rtmp", 4) == 0)
        out->tls = 0;
    else if (scheme_len == 5 && strncasecmp(s, "rtmps", 5) == 0)
        out->tls = 1;
    else
        return RTMPKIT_EBAD_URL;

    auth = sep + 3;
    auth_end = auth + strcspn(auth, "/?#");
    if (*auth_end != '/')
        return RTMPKIT_EBAD_URL;   /* no path, so no app */
    for (const char *q = auth; q < auth_end; q++)
        if (*q == '@')
            at = q;   /* the last one: an unencoded '@' in a password is common */
    host = at ? at + 1 : auth;

    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(auth_end - host));
        if (!close || !valid_ipv6(host + 1, (size_t)(close - host - 1)))
            return RTMPKIT_EBAD_URL;
        host_len = (size_t)(close - host - 1);
        host++;
        after = close + 1;
    } else {
        host_end = memchr(host, ':', (size_t)(auth_end - host));
        if (!host_end)
            host_end = auth_end;
        host_len = (size_t)(host_end - host);
        if (!valid_host_name(host, host_len))
            return RTMPKIT_EBAD_URL;
        after = host_end;
    }
    out->port = default_port(out->tls);
    if (after < auth_end) {
        long port = 0;
        if (*after != ':' || after + 1 == auth_end || auth_end - after > 6)
            return RTMPKIT_EBAD_URL;
        for (const char *q = after + 1; q < auth_end; q++) {
            if (*q < '0' || *q > '9')
                return RTMPKIT_EBAD_URL;
            port = port * 10 + (*q - '0');
        }
        if (port < 1 || port > 65535)
            return RTMPKIT_EBAD_URL;
        out->port = (int)port;
        explicit_port = 1;
    }

    path = auth_end + 1;
    query = strchr(path, '?');
    path_len = query ? (size_t)(query - path) : strlen(path);
    query_len = query ? strlen(query) : 0;
    split_path(path, path_len, &app_len, &stream_off);
    if (app_len == 0)
        return RTMPKIT_EBAD_URL;

    rc = RTMPKIT_ENOMEM;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        int drc = percent_decode(auth, (size_t)((colon ? colon : at) - auth), &out->user);
        if (drc == 0 && colon)
            drc = percent_decode(colon + 1, (size_t)(at - colon - 1), &out->password);
        if (drc < 0) {
            rc = drc;
            goto fail;
        }
    }
    out->host = dup_span(host, host_len);
    if (stream_off < path_len) {
        /* The query stays with the stream. */
        out->app = dup_span(path, app_len);
        out->stream = dup_span(path + stream_off, path_len - stream_off + query_len);
    } else {
        /* No stream: the query stays with the app, and so with the tcUrl. */
        char *app = malloc(app_len + query_len + 1);
        if (app) {
            memcpy(app, path, app_len);
            if (query_len)
                memcpy(app + app_len, query, query_len);
            app[app_len + query_len] = 0;
        }
        out->app = app;
        out->stream = dup_span("", 0);
    }
    if (!out->host || !out->app || !out->stream)
        goto fail;
    out->tc_url = make_tc_url(out->tls, out->host, out->port, explicit_port, out->app);
    if (!out->tc_url)
        goto fail;
    return 0;
fail:
    rtmpkit_url_free(out);
    return rc;
}

/* The tcUrl for a new app: the old tcUrl's scheme://authority, or one from the fields. */
static char *rebuild_tc_url(const rtmpkit_url *u, const char *app)
{
    const char *sep = u->tc_url ? strstr(u->tc_url, "://") : NULL;
    if (sep) {
        size_t prefix = (size_t)(sep + 3 - u->tc_url) + strcspn(sep + 3, "/");
        size_t n = prefix + 1 + strlen(app) + 1;
        char *s = malloc(n);
        if (s)
            snprintf(s, n, "%.*s/%s", (int)prefix, u->tc_url, app);
        return s;
    }
    return make_tc_url(u->tls, u->host ? u->host : "", u->port,
                       u->port != default_port(u->tls), app);
}

int rtmpkit_url_override(rtmpkit_url *u, const char *app, const char *stream, const char *tc_url)
{
    char *na = NULL, *ns = NULL, *nt = NULL;
    if (!u)
        return RTMPKIT_EINTERNAL;
    if (app && !(na = strdup(app)))
        goto fail;
    if (stream && !(ns = strdup(stream)))
        goto fail;
    if (tc_url)
        nt = strdup(tc_url);
    else if (app)
        nt = rebuild_tc_url(u, app);
    if ((tc_url || app) && !nt)
        goto fail;
    if (na) {
        free(u->app);
        u->app = na;
    }
    if (ns) {
        free(u->stream);
        u->stream = ns;
    }
    if (nt) {
        free(u->tc_url);
        u->tc_url = nt;
    }
    return 0;
fail:
    free(na);
    free(ns);
    free(nt);
    return RTMPKIT_ENOMEM;
}

/* A bounded writer: counts everything, stores what fits, never stores a control byte
 * (a log line stays one line). */
struct writer {
    char *buf;
    size_t len;
    size_t n;
};

static void put(struct writer *w, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++, w->n++) {
        if (w->len && w->n < w->len - 1) {
            unsigned char c = (unsigned char)p[i];
            w->buf[w->n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
    }
}

static void put_str(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static size_t finish(struct writer *w)
{
    if (w->len)
        w->buf[w->n < w->len - 1 ? w->n : w->len - 1] = 0;
    return w->n;
}

/* A query (after the '?') with every value hidden: "a=***&b=***"; an item without
 * '=' may be a bare token, so it is hidden whole. */
static void put_query_redacted(struct writer *w, const char *q, size_t n)
{
    const char *end = q + n;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *item_end = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(item_end - q));
        if (eq) {
            put(w, q, (size_t)(eq + 1 - q));
            put_str(w, "***");
        } else if (item_end > q) {
            put_str(w, "***");
        }
        if (!amp)
            break;
        put_str(w, "&");
        q = amp + 1;
    }
}

/* A path part as is, its query (if any) redacted. */
static void put_part_redacted(struct writer *w, const char *s)
{
    const char *q = strchr(s, '?');
    if (!q) {
        put_str(w, s);
        return;
    }
    put(w, s, (size_t)(q - s));
    put_str(w, "?");
    put_query_redacted(w, q + 1, strlen(q + 1));
}

static size_t format_redacted(const rtmpkit_url *u, int hide_stream, struct writer *w)
{
    const char *host = u->host ? u->host : "";
    int v6 = strchr(host, ':') != NULL;
    put_str(w, u->tls ? "rtmps://" : "rtmp://");
    if (u->user || u->password)
        put_str(w, "***@");
    put_str(w, v6 ? "[" : "");
    put_str(w, host);
    put_str(w, v6 ? "]" : "");
    if (u->port != default_port(u->tls)) {
        char portbuf[16];
        snprintf(portbuf, sizeof portbuf, ":%d", u->port);
        put_str(w, portbuf);
    }
    put_str(w, "/");
    put_part_redacted(w, u->app ? u->app : "");
    if (u->stream && u->stream[0]) {
        put_str(w, "/");
        if (hide_stream)
            put_str(w, "***");
        else
            put_part_redacted(w, u->stream);
    }
    return finish(w);
}

size_t rtmpkit_url_format_redacted(const rtmpkit_url *u, int hide_stream, char *buf, size_t len)
{
    struct writer w = { buf, buf ? len : 0, 0 };
    if (!u)
        return finish(&w);
    return format_redacted(u, hide_stream, &w);
}

static int scheme_chars(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '+' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

size_t rtmpkit_url_redact_string(const char *s, int hide_stream, char *buf, size_t len)
{
    struct writer w = { buf, buf ? len : 0, 0 };
    const char *rest, *sep, *at, *auth_end;
    rtmpkit_url u;
    if (!s)
        return finish(&w);
    if (rtmpkit_url_parse(s, &u) == 0) {
        size_t n = format_redacted(&u, hide_stream, &w);
        rtmpkit_url_free(&u);
        return n;
    }
    /* It does not parse: be suspicious. Everything before the last '@' anywhere may be
     * userinfo (a password can hold '/', '?' or '@' unencoded). */
    rest = s;
    sep = strstr(s, "://");
    if (sep) {
        if (scheme_chars(s, (size_t)(sep - s)))
            put(&w, s, (size_t)(sep - s));
        else
            put_str(&w, "***");
        put_str(&w, "://");
        rest = sep + 3;
    }
    at = strrchr(rest, '@');
    if (at) {
        put_str(&w, "***@");
        rest = at + 1;
    }
    auth_end = rest + strcspn(rest, "/?");
    put(&w, rest, (size_t)(auth_end - rest));
    rest = auth_end;
    if (*rest == '/') {
        const char *path = rest + 1, *q = strchr(path, '?');
        size_t plen = q ? (size_t)(q - path) : strlen(path);
        put_str(&w, "/");
        if (hide_stream && plen > 0) {
            size_t app_len, stream_off;
            split_path(path, plen, &app_len, &stream_off);
            if (stream_off >= plen) {
                /* No stream by the split: hide the last segment anyway. */
                const char *last = path + plen;
                while (last > path && last[-1] != '/')
                    last--;
                stream_off = (size_t)(last - path);
            }
            put(&w, path, stream_off);
            put_str(&w, "***");
            return finish(&w);   /* the stream's query goes with it */
        }
        put(&w, path, plen);
        rest = path + plen;
    }
    if (*rest == '?') {
        put_str(&w, "?");
        put_query_redacted(&w, rest + 1, strlen(rest + 1));
    }
    return finish(&w);
}

/* ---- Enhanced RTMP ReconnectRequest: where to move ---- */

/* The length of an RFC 3986 scheme followed by ':' at the start of s, or 0. */
static size_t scheme_length(const char *s)
{
    size_t n = 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    while (s[n] && strchr("/?#:", s[n]) == NULL)
        n++;
    return s[n] == ':' && scheme_chars(s, n) ? n : 0;
}

/* 1 when the path of a reference (up to its query) has a "." or ".." segment. */
static int has_dot_segment(const char *ref)
{
    size_t end = strcspn(ref, "?"), i = 0;
    while (i <= end) {
        size_t n = strcspn(ref + i, "/?");   /* stops at end at the latest */
        if ((n == 1 && ref[i] == '.') || (n == 2 && strncmp(ref + i, "..", 2) == 0))
            return 1;
        i += n + 1;
    }
    return 0;
}

/* s[0..n) followed by t, as a new string. */
static char *join(const char *s, size_t n, const char *t)
{
    size_t tn = strlen(t);
    char *out = malloc(n + tn + 1);
    if (out) {
        memcpy(out, s, n);
        memcpy(out + n, t, tn + 1);
    }
    return out;
}

/* The absolute form of ref against base (an absolute tcUrl), RFC 3986 style; NULL with
 * *why set (or out of memory, *why ""). */
static char *absolute_tc_url(const char *base, const char *ref, const char **why)
{
    const char *sep = base ? strstr(base, "://") : NULL;
    size_t scheme = scheme_length(ref), authority_end, path_end;
    *why = "";
    if (scheme) {
        if ((scheme == 4 && strncasecmp(ref, "rtmp", 4) == 0) || (scheme == 5 && strncasecmp(ref, "rtmps", 5) == 0))
            return strdup(ref);
        *why = "its scheme is not rtmp or rtmps";
        return NULL;
    }
    if (!sep || !scheme_length(base)) {
        *why = "it is relative and our own tcUrl is no URL to resolve it against";
        return NULL;
    }
    if (ref[0] == '/' && ref[1] == '/')   /* //host/app: our scheme */
        return join(base, (size_t)(sep + 1 - base), ref);
    authority_end = (size_t)(sep + 3 - base) + strcspn(sep + 3, "/?");
    if (ref[0] == '/')                    /* /app: our scheme and host */
        return join(base, authority_end, ref);
    /* app: in place of the last segment of our path */
    path_end = authority_end + strcspn(base + authority_end, "?");
    while (path_end > authority_end && base[path_end - 1] != '/')
        path_end--;
    if (path_end == authority_end) {
        char *root = join(base, authority_end, "/"), *out = root ? join(root, strlen(root), ref) : NULL;
        free(root);
        return out;
    }
    return join(base, path_end, ref);
}

int rtmpkit_url_resolve_move(const rtmpkit_url *cur, const char *tc_url, rtmpkit_url *out, const char **why)
{
    const char *ref = tc_url && tc_url[0] ? tc_url : cur->tc_url, *path;
    char *abs = NULL;
    int rc = RTMPKIT_EBAD_URL;
    memset(out, 0, sizeof *out);
    *why = "";
    if (!ref || strlen(ref) > RTMPKIT_MAX_TC_URL) {
        *why = "it is too long";
        return RTMPKIT_EBAD_URL;
    }
    for (const char *q = ref; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f) {
            *why = "it holds control bytes or spaces";
            return RTMPKIT_EBAD_URL;
        }
    if (strchr(ref, '#')) {
        *why = "it has a fragment";
        return RTMPKIT_EBAD_URL;
    }
    if (has_dot_segment(ref)) {
        *why = "it has \".\" or \"..\" segments";
        return RTMPKIT_EBAD_URL;
    }
    if (!(abs = absolute_tc_url(cur->tc_url, ref, why)))
        return (*why)[0] ? RTMPKIT_EBAD_URL : RTMPKIT_ENOMEM;
    if (strlen(abs) > RTMPKIT_MAX_TC_URL) {
        *why = "it is too long";
        goto fail;
    }
    if ((rc = rtmpkit_url_parse(abs, out)) < 0) {
        *why = rc == RTMPKIT_ENOMEM ? "" : "it names no host or no application";
        goto fail;
    }
    rc = RTMPKIT_EBAD_URL;
    if (out->user || out->password) {
        *why = "it carries user info";
        goto fail;
    }
    if (cur->tls && !out->tls) {
        *why = "it moves from rtmps to plain rtmp";
        goto fail;
    }
    /* The whole path is the app: the stream stays ours. */
    path = strstr(abs, "://") + 3;
    path += strcspn(path, "/") + 1;
    rc = RTMPKIT_ENOMEM;
    if (rtmpkit_url_override(out, path, cur->stream ? cur->stream : "", abs) < 0
        || (cur->user && !(out->user = strdup(cur->user)))
        || (cur->password && !(out->password = strdup(cur->password))))
        goto fail;
    free(abs);
    return 0;
fail:
    free(abs);
    rtmpkit_url_free(out);
    return rc;
}
