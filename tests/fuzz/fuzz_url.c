/* URL parsing, overrides, and redaction: no crash, bounded output, and no secret shown. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"
#include "rtmpkit/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formats with several buffer sizes: the same length needed each time, always a
 * terminated prefix of the full text. Returns the full text (static). */
static const char *check_sizes(const char *full, size_t n, const char *which,
                               const rtmpkit_url *u, const char *s, int hide)
{
    static const size_t sizes[] = { 0, 1, 2, 9 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char small[16];
        size_t len = sizes[i];
        memset(small, 'Z', sizeof small);
        size_t m = u ? rtmpkit_url_format_redacted(u, hide, len ? small : NULL, len)
                     : rtmpkit_url_redact_string(s, hide, len ? small : NULL, len);
        if (m != n || (len && (strlen(small) != (n < len - 1 ? n : len - 1)
                               || memcmp(small, full, strlen(small)) != 0))
            || small[len] != 'Z')
            abort();
    }
    (void)which;
    return full;
}

/* out must not show secret, unless the secret is also in public text or is made of
 * characters the redaction itself writes. */
static void check_hidden(const char *out, const char *secret, const char *public_text)
{
    if (!secret || strlen(secret) < 3 || strpbrk(secret, "*@:/?&=[]"))
        return;
    if (public_text && strstr(public_text, secret))
        return;
    if (strstr(out, secret))
        abort();
}

/* The input as a ReconnectRequest's tcUrl, against an rtmps and an rtmp URL: refused
 * with a reason, or a URL that parses again, keeps our stream and credentials, never
 * drops TLS and holds no control byte. */
static void check_move(const char *tc_url)
{
    static const char *const bases[] = { "rtmps://u:pw@a.example:8443/app/inst/KEY?sign=x", "rtmp://a/live/KEY" };
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        rtmpkit_url cur, to, again;
        const char *why = NULL;
        int rc;
        if (rtmpkit_url_parse(bases[i], &cur) != 0)
            abort();
        rc = rtmpkit_url_resolve_move(&cur, tc_url, &to, &why);
        if (rc < 0 && (!why || (rc == RTMPKIT_EBAD_URL && !why[0]) || to.host || to.tc_url))
            abort();
        if (rc == 0) {
            if (strcmp(to.stream, cur.stream) != 0 || (cur.tls && !to.tls) || strlen(to.tc_url) > RTMPKIT_MAX_TC_URL
                || !to.app[0] || (cur.user && (!to.user || strcmp(to.user, cur.user) != 0)))
                abort();
            for (const char *q = to.tc_url; *q; q++)
                if ((unsigned char)*q <= 0x20 || *q == 0x7f)
                    abort();
            if (rtmpkit_url_parse(to.tc_url, &again) != 0 || again.tls != to.tls || again.port != to.port
                || strcmp(again.host, to.host) != 0)
                abort();
            rtmpkit_url_free(&again);
            rtmpkit_url_free(&to);
        }
        rtmpkit_url_free(&cur);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *full = NULL;
    rtmpkit_url u;
    size_t n;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;

    for (int hide = 0; hide < 2; hide++) {
        n = rtmpkit_url_redact_string(s, hide, NULL, 0);
        full = malloc(n + 1);
        if (!full)
            break;
        if (rtmpkit_url_redact_string(s, hide, full, n + 1) != n || strlen(full) != n)
            abort();
        check_sizes(full, n, "redact", NULL, s, hide);
        /* Whatever precedes the last '@' (after "://") is userinfo and stays hidden. */
        {
            const char *start = strstr(s, "://"), *at;
            start = start ? start + 3 : s;
            at = strrchr(start, '@');
            if (at && memchr(s, 0, size) == NULL) {
                char *secret = strndup(start, (size_t)(at - start));
                if (secret && strlen(secret) >= 3 && !strpbrk(secret, "*@:/?&=[]%")) {
                    /* public: the schemes, the input's and what follows the '@' */
                    char *pub = malloc(strlen(s) + 20);
                    if (pub) {
                        size_t pre = (size_t)(start - s);
                        strcpy(pub, "rtmps://");
                        memcpy(pub + 8, s, pre);
                        strcpy(pub + 8 + pre, at + 1);
                        check_hidden(full, secret, pub);
                        free(pub);
                    }
                }
                free(secret);
            }
        }
        free(full);
        full = NULL;
    }

    if (rtmpkit_url_parse(s, &u) == 0) {
        /* What the redacted text may show: the tcUrl (scheme, host, port, app), the stream. */
        char *pub = malloc(2 * strlen(s) + 64);
        if (!pub)
            abort();
        strcpy(pub, "rtmps://");
        if (u.tc_url && u.stream) {
            strcat(pub, u.tc_url);
            strcat(pub, " ");
            strcat(pub, u.stream);
        }
        if (!u.host || !u.app || !u.stream || !u.tc_url || !u.app[0] || u.port < 1
            || u.port > 65535 || !strstr(u.tc_url, "://"))
            abort();
        /* no userinfo in the tcUrl's authority */
        n = strcspn(strstr(u.tc_url, "://") + 3, "/");
        if (memchr(strstr(u.tc_url, "://") + 3, '@', n))
            abort();
        for (int hide = 0; hide < 2; hide++) {
            n = rtmpkit_url_format_redacted(&u, hide, NULL, 0);
            full = malloc(n + 1);
            if (!full)
                break;
            if (rtmpkit_url_format_redacted(&u, hide, full, n + 1) != n)
                abort();
            check_sizes(full, n, "format", &u, NULL, hide);
            check_hidden(full, u.password, pub);
            check_hidden(full, u.user, pub);
            if (hide && u.stream[0])   /* public only if it shows in the rest of the URL */
                check_hidden(full, u.stream, u.tc_url);
            free(full);
            full = NULL;
        }
        if (rtmpkit_url_override(&u, size & 1 ? "app/inst" : NULL, "s", NULL) != 0)
            abort();
        rtmpkit_url_free(&u);
        free(pub);
    }
    check_move(s);
    free(s);
    return 0;
}
