/* URL parsing (ffmpeg's app/stream split), overrides and redaction. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rtmpkit/error.h"
#include "rtmpkit/url.h"

struct parse_case {
    const char *in;
    int tls;
    const char *host;
    int port;
    const char *user, *password;
    const char *app, *stream, *tc_url;
};

static const struct parse_case good[] = {
    { "rtmp://live.example.com/app/KEY", 0, "live.example.com", 1935, NULL, NULL,
      "app", "KEY", "rtmp://live.example.com/app" },
    { "rtmp://host/a", 0, "host", 1935, NULL, NULL, "a", "", "rtmp://host/a" },
    { "rtmp://host/a/", 0, "host", 1935, NULL, NULL, "a", "", "rtmp://host/a" },
    { "rtmp://host/a/b/c", 0, "host", 1935, NULL, NULL, "a/b", "c", "rtmp://host/a/b" },
    { "rtmp://host/a/b/c/d", 0, "host", 1935, NULL, NULL, "a/b", "c/d", "rtmp://host/a/b" },
    { "rtmp://host/a/mp4:x/y.mp4", 0, "host", 1935, NULL, NULL, "a", "mp4:x/y.mp4",
      "rtmp://host/a" },
    { "rtmp://host/vod/mp4:file.mp4", 0, "host", 1935, NULL, NULL, "vod", "mp4:file.mp4",
      "rtmp://host/vod" },
    { "rtmp://host/a/b/c:d", 0, "host", 1935, NULL, NULL, "a/b", "c:d", "rtmp://host/a/b" },
    { "rtmp://host/app/_definst_/cam1", 0, "host", 1935, NULL, NULL, "app/_definst_", "cam1",
      "rtmp://host/app/_definst_" },
    { "rtmps://host/live/key", 1, "host", 443, NULL, NULL, "live", "key", "rtmps://host/live" },
    { "RTMPS://Host.Example:8443/live/key", 1, "Host.Example", 8443, NULL, NULL, "live", "key",
      "rtmps://Host.Example:8443/live" },
    { "rtmp://host:1935/live/key", 0, "host", 1935, NULL, NULL, "live", "key",
      "rtmp://host:1935/live" },
    { "rtmp://127.0.0.1:19350/live/cam1", 0, "127.0.0.1", 19350, NULL, NULL, "live", "cam1",
      "rtmp://127.0.0.1:19350/live" },
    { "rtmp://[::1]/live/x", 0, "::1", 1935, NULL, NULL, "live", "x", "rtmp://[::1]/live" },
    { "rtmp://[::1]:1936/live/x", 0, "::1", 1936, NULL, NULL, "live", "x",
      "rtmp://[::1]:1936/live" },
    { "rtmps://[2001:db8::5]:65535/a/b", 1, "2001:db8::5", 65535, NULL, NULL, "a", "b",
      "rtmps://[2001:db8::5]:65535/a" },
    { "rtmp://bob:s%40cret@host/live/key", 0, "host", 1935, "bob", "s@cret", "live", "key",
      "rtmp://host/live" },
    { "rtmp://bob@host:1/live/key", 0, "host", 1, "bob", NULL, "live", "key",
      "rtmp://host:1/live" },
    { "rtmp://u%3Ax:p@ss@host/live", 0, "host", 1935, "u:x", "p@ss", "live", "",
      "rtmp://host/live" },
    { "rtmp://bob:@host/live", 0, "host", 1935, "bob", "", "live", "", "rtmp://host/live" },
    { "rtmp://host/live/key?sign=abc&t=1", 0, "host", 1935, NULL, NULL, "live",
      "key?sign=abc&t=1", "rtmp://host/live" },
    { "rtmp://host/live?token=abc", 0, "host", 1935, NULL, NULL, "live?token=abc", "",
      "rtmp://host/live?token=abc" },
    { "rtmp://host/live/?token=abc", 0, "host", 1935, NULL, NULL, "live?token=abc", "",
      "rtmp://host/live?token=abc" },
    { "rtmp://host/a/b?x=/y:z", 0, "host", 1935, NULL, NULL, "a", "b?x=/y:z", "rtmp://host/a" },
    { "rtmp://my_host-1.example/app/k", 0, "my_host-1.example", 1935, NULL, NULL, "app", "k",
      "rtmp://my_host-1.example/app" },
};

static const char *const bad[] = {
    "",
    "live.example.com/app/key",
    "//host/app/key",
    "rtmp:/host/app",
    "http://host/app/key",
    "rtmpt://host/app/key",
    "rtmpe://host/app/key",
    "rtmpte://host/app/key",
    "rtmp://",
    "rtmp:///app/key",
    "rtmp://host",
    "rtmp://host/",
    "rtmp://host?x=1",
    "rtmp://host//key",
    "rtmp://user:pw@/app/key",
    "rtmp://host:0/app/key",
    "rtmp://host:70000/app/key",
    "rtmp://host:65536/app/key",
    "rtmp://host:/app/key",
    "rtmp://host:12a/app/key",
    "rtmp://host:-1/app/key",
    "rtmp://host:0000001935/app/key",
    "rtmp://[::1",
    "rtmp://[::1/app/key",
    "rtmp://[]/app/key",
    "rtmp://[zz::1]/app/key",
    "rtmp://[::1]x/app/key",
    "rtmp://::1/app/key",
    "rtmp://host name/app/key",
    "rtmp://host/app name/key",
    "rtmp://host/app/key with space",
    "rtmp://host/app/key\n",
    "rtmp://host/app/ke\ty",
    "rtmp://ho%73t/app/key",
    "rtmp://us%zzer:pw@host/app",
    "rtmp://user:pw%0@host/app",
    "rtmp://user:p%00w@host/app",
    "rtmp://host#frag/app",
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const struct parse_case *c = &good[i];
        rtmpkit_url u;
        int rc = rtmpkit_url_parse(c->in, &u);
        CHECK_INT(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "  while parsing %s\n", c->in);
            continue;
        }
        CHECK_INT(u.tls, c->tls);
        CHECK_STR(u.host, c->host);
        CHECK_INT(u.port, c->port);
        if (c->user)
            CHECK_STR(u.user, c->user);
        else
            CHECK(u.user == NULL);
        if (c->password)
            CHECK_STR(u.password, c->password);
        else
            CHECK(u.password == NULL);
        CHECK_STR(u.app, c->app);
        CHECK_STR(u.stream, c->stream);
        CHECK_STR(u.tc_url, c->tc_url);
        rtmpkit_url_free(&u);
        CHECK(u.host == NULL && u.tc_url == NULL);
        rtmpkit_url_free(&u);   /* twice is harmless */
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rtmpkit_url u;
        memset(&u, 0x5a, sizeof u);
        int rc = rtmpkit_url_parse(bad[i], &u);
        CHECK_INT(rc, RTMPKIT_EBAD_URL);
        if (rc != RTMPKIT_EBAD_URL)
            fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK(u.host == NULL && u.app == NULL && u.stream == NULL && u.tc_url == NULL);
        if (rc == 0)
            rtmpkit_url_free(&u);
    }
    CHECK_INT(rtmpkit_url_parse(NULL, &(rtmpkit_url){ 0 }), RTMPKIT_EBAD_URL);
    rtmpkit_url_free(NULL);
}

static void test_override(void)
{
    rtmpkit_url u;
    CHECK_INT(rtmpkit_url_parse("rtmp://user:pw@host:1940/live/key", &u), 0);
    CHECK_INT(rtmpkit_url_override(&u, NULL, NULL, NULL), 0);
    CHECK_STR(u.app, "live");
    CHECK_STR(u.tc_url, "rtmp://host:1940/live");

    CHECK_INT(rtmpkit_url_override(&u, NULL, "other", NULL), 0);
    CHECK_STR(u.stream, "other");
    CHECK_STR(u.app, "live");
    CHECK_STR(u.tc_url, "rtmp://host:1940/live");

    /* A new app rebuilds the tcUrl, keeping the explicit port. */
    CHECK_INT(rtmpkit_url_override(&u, "app/_definst_", NULL, NULL), 0);
    CHECK_STR(u.app, "app/_definst_");
    CHECK_STR(u.tc_url, "rtmp://host:1940/app/_definst_");

    /* An explicit tcUrl wins over the rebuilt one. */
    CHECK_INT(rtmpkit_url_override(&u, "x", "y", "rtmp://origin.example/x"), 0);
    CHECK_STR(u.app, "x");
    CHECK_STR(u.stream, "y");
    CHECK_STR(u.tc_url, "rtmp://origin.example/x");
    CHECK_INT(rtmpkit_url_override(&u, NULL, NULL, "rtmp://elsewhere/z"), 0);
    CHECK_STR(u.app, "x");
    CHECK_STR(u.tc_url, "rtmp://elsewhere/z");
    rtmpkit_url_free(&u);

    /* No port written, none added; IPv6 keeps its brackets. */
    CHECK_INT(rtmpkit_url_parse("rtmps://[::1]/live/key", &u), 0);
    CHECK_INT(rtmpkit_url_override(&u, "vod", NULL, NULL), 0);
    CHECK_STR(u.tc_url, "rtmps://[::1]/vod");
    /* Without a tcUrl to start from, one is built from the fields. */
    free(u.tc_url);
    u.tc_url = NULL;
    u.port = 1936;
    CHECK_INT(rtmpkit_url_override(&u, "live", NULL, NULL), 0);
    CHECK_STR(u.tc_url, "rtmps://[::1]:1936/live");
    rtmpkit_url_free(&u);
    CHECK_INT(rtmpkit_url_override(NULL, "a", NULL, NULL), RTMPKIT_EINTERNAL);
}

/* Checks that out holds none of the secrets. */
static void check_clean(const char *out, const char *const *secrets)
{
    for (; *secrets; secrets++) {
        CHECK(strstr(out, *secrets) == NULL);
        if (strstr(out, *secrets))
            fprintf(stderr, "  \"%s\" leaks \"%s\"\n", out, *secrets);
    }
}

static void test_format_redacted(void)
{
    static const char *const secrets[] = { "hunter2", "s3cr", "KEY123", "abcsig", "t0k", NULL };
    rtmpkit_url u;
    char buf[256];
    size_t n;

    CHECK_INT(rtmpkit_url_parse("rtmp://bob:hunter2@host:1940/live/KEY123?sign=abcsig&e=t0k", &u), 0);
    n = rtmpkit_url_format_redacted(&u, 0, buf, sizeof buf);
    CHECK_STR(buf, "rtmp://***@host:1940/live/KEY123?sign=***&e=***");
    CHECK_INT(n, strlen(buf));
    n = rtmpkit_url_format_redacted(&u, 1, buf, sizeof buf);
    CHECK_STR(buf, "rtmp://***@host:1940/live/***");
    CHECK_INT(n, strlen(buf));
    check_clean(buf, secrets);
    CHECK(strstr(buf, "bob") == NULL);

    /* Truncated output: always terminated, never past len, the full length returned. */
    for (size_t len = 0; len < 40; len++) {
        char small[40];
        memset(small, 'Z', sizeof small);
        n = rtmpkit_url_format_redacted(&u, 1, len ? small : NULL, len);
        CHECK_INT(n, strlen("rtmp://***@host:1940/live/***"));
        if (len) {
            CHECK_INT(strlen(small), len - 1 < n ? len - 1 : n);
            CHECK(strncmp(small, "rtmp://***@host:1940/live/***", strlen(small)) == 0);
            if (len < sizeof small)
                CHECK(small[len] == 'Z');
        }
    }
    rtmpkit_url_free(&u);

    /* The query on the app: values hidden, keys kept; bare tokens hidden whole. */
    CHECK_INT(rtmpkit_url_parse("rtmps://[::1]/live?token=t0k&KEY123&x=", &u), 0);
    rtmpkit_url_format_redacted(&u, 1, buf, sizeof buf);
    CHECK_STR(buf, "rtmps://[::1]/live?token=***&***&x=***");
    check_clean(buf, secrets);
    rtmpkit_url_free(&u);

    /* Default port not shown, password without user, no stream. */
    CHECK_INT(rtmpkit_url_parse("rtmps://:s3cr@host:443/app", &u), 0);
    CHECK_STR(u.user, "");
    CHECK_STR(u.password, "s3cr");
    rtmpkit_url_format_redacted(&u, 1, buf, sizeof buf);
    CHECK_STR(buf, "rtmps://***@host/app");
    rtmpkit_url_free(&u);

    /* A stream set by hand with a newline stays on one line. */
    CHECK_INT(rtmpkit_url_parse("rtmp://host/app", &u), 0);
    CHECK_INT(rtmpkit_url_override(&u, NULL, "a\nb", NULL), 0);
    rtmpkit_url_format_redacted(&u, 0, buf, sizeof buf);
    CHECK_STR(buf, "rtmp://host/app/a?b");
    rtmpkit_url_free(&u);
    CHECK_INT(rtmpkit_url_format_redacted(NULL, 0, buf, sizeof buf), 0);
    CHECK_STR(buf, "");
}

static void test_redact_string(void)
{
    static const char *const secrets[] = { "hunter2", "s3cr", "abcsig", "t0k", NULL };
    static const char *const key[] = { "KEY", NULL };
    static const struct {
        const char *in;
        int hide;
        const char *out;
    } cases[] = {
        /* Parsable: same as format_redacted. */
        { "rtmp://bob:hunter2@host/live/KEY123", 1, "rtmp://***@host/live/***" },
        { "rtmp://host/live/KEY123?sign=abcsig", 0, "rtmp://host/live/KEY123?sign=***" },
        { "rtmp://host/a/b/KEY123/x?e=t0k", 1, "rtmp://host/a/b/***" },
        /* Not parsable: best effort, still nothing secret. */
        { "rtmpt://bob:hunter2@host/live/KEY123", 1, "rtmpt://***@host/live/***" },
        { "rtmpt://bob:hunter2@host/live/KEY123?sign=abcsig", 0,
          "rtmpt://***@host/live/KEY123?sign=***" },
        { "rtmp://bob:hun/ter2@host/live/KEY123", 1, "rtmp://***@host/live/***" },
        { "rtmp://bob:hunter2@host:99999/live/KEY123", 0, "rtmp://***@host:99999/live/KEY123" },
        { "bob:hunter2@host/live/KEY123", 1, "***@host/live/***" },
        { "rtmp:/bob:hunter2@host/live/KEY123", 1, "***@host/live/***" },
        { "rtmp://host/live/KEY123 ", 1, "rtmp://host/live/***" },
        { "rtmp://host/live/KEY123 ", 0, "rtmp://host/live/KEY123 " },
        { "rtmp://host/live/KEY\r\n123", 0, "rtmp://host/live/KEY??123" },
        { "rtmp://ho st/KEY123", 1, "rtmp://ho st/***" },
        { "rtmp://ho st/?sign=abcsig&t0k", 0, "rtmp://ho st/?sign=***&***" },
        { "x:hunter2@y://h/a/b", 0, "***://h/a/b" },
        { "rtmp://[::1/live/KEY123?x=t0k", 1, "rtmp://[::1/live/***" },
        { "garbage?sign=abcsig", 0, "garbage?sign=***" },
        { "", 1, "" },
    };
    char buf[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = rtmpkit_url_redact_string(cases[i].in, cases[i].hide, buf, sizeof buf);
        CHECK_STR(buf, cases[i].out);
        CHECK_INT(n, strlen(buf));
        check_clean(buf, secrets);
        if (cases[i].hide)
            check_clean(buf, key);
    }
    /* Truncation never overflows and always terminates. */
    for (size_t len = 1; len < 30; len++) {
        char small[32];
        memset(small, 'Z', sizeof small);
        size_t n = rtmpkit_url_redact_string("rtmpt://bob:hunter2@host/live/KEY123", 1, small, len);
        CHECK_INT(n, strlen("rtmpt://***@host/live/***"));
        CHECK(strlen(small) <= len - 1);
        CHECK(small[len] == 'Z');
    }
    CHECK_INT(rtmpkit_url_redact_string(NULL, 1, buf, sizeof buf), 0);
    CHECK_STR(buf, "");
    CHECK_INT(rtmpkit_url_redact_string("rtmp://h/a/b", 0, NULL, 0), strlen("rtmp://h/a/b"));
}

/* ReconnectRequest targets: absolute and relative tcUrls resolved against ours; the
 * stream (key and query), user and password stay; hostile ones are refused. */
static void test_resolve_move(void)
{
    static const struct { const char *cur, *ref, *tc_url, *host, *app; int port, tls; } ok[] = {
        { "rtmp://a.example/live/KEY?sign=s1", "rtmp://b.example:1940/other", "rtmp://b.example:1940/other",
          "b.example", "other", 1940, 0 },
        { "rtmp://a.example/live/KEY?sign=s1", "", "rtmp://a.example/live", "a.example", "live", 1935, 0 },
        { "rtmp://a.example/live/KEY?sign=s1", NULL, "rtmp://a.example/live", "a.example", "live", 1935, 0 },
        { "rtmp://a.example:1936/live/KEY", "//192.0.2.1/realtimeapp", "rtmp://192.0.2.1/realtimeapp",
          "192.0.2.1", "realtimeapp", 1935, 0 },
        { "rtmps://a.example/live/KEY", "//b.example:8443/app/inst?tok=1", "rtmps://b.example:8443/app/inst?tok=1",
          "b.example", "app/inst?tok=1", 8443, 1 },
        { "rtmp://a.example:1936/live/KEY", "/realtimeapp", "rtmp://a.example:1936/realtimeapp", "a.example",
          "realtimeapp", 1936, 0 },
        { "rtmp://a.example/app/inst/KEY", "inst2", "rtmp://a.example/app/inst2", "a.example", "app/inst2",
          1935, 0 },
        { "rtmp://a.example/live/KEY", "other?x=1", "rtmp://a.example/other?x=1", "a.example", "other?x=1", 1935, 0 },
        { "rtmp://[::1]:1936/live/KEY", "/b", "rtmp://[::1]:1936/b", "::1", "b", 1936, 0 },
        { "rtmp://a.example/live/KEY", "RTMPS://b.example/x", "RTMPS://b.example/x", "b.example", "x", 443, 1 },
    };
    static const struct { const char *cur, *ref; } bad[] = {
        { "rtmp://a/live/KEY", "http://evil.example/live" },
        { "rtmp://a/live/KEY", "rtmpt://b/live" },
        { "rtmp://a/live/KEY", "file:///etc/passwd" },
        { "rtmp://a/live/KEY", "javascript:alert(1)" },
        { "rtmp://a/live/KEY", "rtmp://b/li\nve" "\r\n" },
        { "rtmp://a/live/KEY", "rtmp://b/live\x1b[2J" },
        { "rtmp://a/live/KEY", "rtmp://b/live app" },
        { "rtmp://a/live/KEY", "rtmp://user:pw@b/live" },
        { "rtmp://a/live/KEY", "rtmp://b/live#frag" },
        { "rtmp://a/live/KEY", "/../admin" },
        { "rtmp://a/live/KEY", "./x" },
        { "rtmp://a/live/KEY", "rtmp://b/" },
        { "rtmp://a/live/KEY", "rtmp://b:99999/live" },
        { "rtmp://a/live/KEY", "rtmp:///live" },
        { "rtmps://a/live/KEY", "rtmp://b/live" },
    };
    char longref[RTMPKIT_MAX_TC_URL + 16];
    const char *why;
    rtmpkit_url cur, out;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK_INT(rtmpkit_url_parse(ok[i].cur, &cur), 0);
        CHECK_INT(rtmpkit_url_resolve_move(&cur, ok[i].ref, &out, &why), 0);
        CHECK_STR(out.tc_url, ok[i].tc_url);
        CHECK_STR(out.host, ok[i].host);
        CHECK_STR(out.app, ok[i].app);
        CHECK_INT(out.port, ok[i].port);
        CHECK_INT(out.tls, ok[i].tls);
        CHECK_STR(out.stream, cur.stream);
        CHECK_STR(why, "");
        rtmpkit_url_free(&out);
        rtmpkit_url_free(&cur);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(rtmpkit_url_parse(bad[i].cur, &cur), 0);
        CHECK_INT(rtmpkit_url_resolve_move(&cur, bad[i].ref, &out, &why), RTMPKIT_EBAD_URL);
        CHECK(why[0] != 0);
        CHECK(out.host == NULL && out.tc_url == NULL);
        rtmpkit_url_free(&cur);
    }
    /* User and password go along; an overlong tcUrl is refused. */
    CHECK_INT(rtmpkit_url_parse("rtmp://bob:pw@a/live/KEY", &cur), 0);
    CHECK_INT(rtmpkit_url_resolve_move(&cur, "/b", &out, &why), 0);
    CHECK_STR(out.user, "bob");
    CHECK_STR(out.password, "pw");
    CHECK_STR(out.tc_url, "rtmp://a/b");
    rtmpkit_url_free(&out);
    memcpy(longref, "rtmp://b/", 9);
    memset(longref + 9, 'x', sizeof longref - 10);
    longref[sizeof longref - 1] = 0;
    CHECK_INT(rtmpkit_url_resolve_move(&cur, longref, &out, &why), RTMPKIT_EBAD_URL);
    CHECK_STR(why, "it is too long");
    longref[RTMPKIT_MAX_TC_URL] = 0;
    CHECK_INT(rtmpkit_url_resolve_move(&cur, longref, &out, &why), 0);
    rtmpkit_url_free(&out);
    rtmpkit_url_free(&cur);
}

int main(void)
{
    test_parse();
    test_override();
    test_format_redacted();
    test_redact_string();
    test_resolve_move();
    return check_report("url");
}
