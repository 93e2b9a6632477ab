/* rtmp:// and rtmps:// URLs: parse, override, format with secrets redacted. Pure functions. */
#ifndef RTMPKIT_URL_H
#define RTMPKIT_URL_H

#include "rtmpkit/export.h"

#include <stddef.h>

/* rtmp[s]://[user[:password]@]host[:port]/app[/instance]/stream[?query]
 * Split like ffmpeg: one path part is the app; with three or more parts the first two are
 * the app (app/instance) and the rest is the stream, unless the second part holds a ':'
 * (an "mp4:"-style playpath), which then starts the stream. A query string stays on the
 * part it ends: the stream if there is one, else the app (and so the tcUrl). */
typedef struct rtmpkit_url {
    int tls;            /* 1 for rtmps */
    char *host;         /* without IPv6 brackets */
    int port;           /* explicit or 1935 (rtmp) / 443 (rtmps) */
    char *user;         /* from userinfo, percent-decoded; NULL if none */
    char *password;     /* NULL if none */
    char *app;          /* "live", "app/_definst_", may carry "?query" */
    char *stream;       /* "cam1", "mp4:file.mp4", "key?sign=..."; "" if none */
    char *tc_url;       /* rtmp[s]://host[:port]/app — no userinfo */
} rtmpkit_url;

/* Parses s into *out. Returns 0, or RTMPKIT_EBAD_URL (nothing to free then) or
 * RTMPKIT_ENOMEM. On success free with rtmpkit_url_free(). */
RTMPKIT_API int rtmpkit_url_parse(const char *s, rtmpkit_url *out);

/* Replaces app, stream or tc_url with a copy of the given string (NULL leaves it).
 * Overriding the app rebuilds the tcUrl unless tc_url is given too. Returns 0 or an error. */
RTMPKIT_API int rtmpkit_url_override(rtmpkit_url *u, const char *app, const char *stream, const char *tc_url);

RTMPKIT_API void rtmpkit_url_free(rtmpkit_url *u);

/* The longest tcUrl a server may ask us to move to (Enhanced RTMP ReconnectRequest). */
#define RTMPKIT_MAX_TC_URL 1024

/* Enhanced RTMP ReconnectRequest: the URL to move to. tc_url is the server's tcUrl: an
 * absolute rtmp:// or rtmps:// URL, or a reference relative to cur->tc_url ("//host/app",
 * "/app", "app", RFC 3986); NULL or "": cur's own. The result has the scheme, host, port,
 * app (with its query) and tcUrl of the new place, and cur's stream (name or key, with
 * its query), user and password. Refused with RTMPKIT_EBAD_URL, *why set to a few words
 * that say why: more than RTMPKIT_MAX_TC_URL bytes, control bytes or spaces, a scheme
 * other than rtmp/rtmps, user info, a fragment, "." or ".." segments, no host or app,
 * and a move from rtmps to plain rtmp (the key would travel in clear). Returns 0 (free
 * *out with rtmpkit_url_free), RTMPKIT_EBAD_URL (nothing to free) or RTMPKIT_ENOMEM. */
RTMPKIT_API int rtmpkit_url_resolve_move(const rtmpkit_url *cur, const char *tc_url, rtmpkit_url *out,
                                         const char **why);

/* Formats u for a log line into buf (always NUL-terminated, truncated to len):
 * userinfo becomes "***@", every query value becomes "***", and the stream becomes
 * "***" when hide_stream is set (a publish key). Returns the length it needed. */
RTMPKIT_API size_t rtmpkit_url_format_redacted(const rtmpkit_url *u, int hide_stream, char *buf, size_t len);

/* Redacts a raw URL string the same way without parsing it fully, for text that may not
 * parse (an error about a bad URL must not echo its password either). */
RTMPKIT_API size_t rtmpkit_url_redact_string(const char *s, int hide_stream, char *buf, size_t len);

#endif
