/* rtmpdump's -C connect-argument syntax, encoded as AMF0. */
#include "rtmpkit/connargs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amf.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/error.h"

void rtmpkit_connargs_init(rtmpkit_connargs *a)
{
    memset(a, 0, sizeof *a);
}

static int bad(char *why, size_t cap, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad(char *why, size_t cap, int err, const char *fmt, ...)
{
    va_list ap;
    if (why && cap) {
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

int rtmpkit_connargs_add(rtmpkit_connargs *a, const char *item, char *why, size_t why_cap)
{
    const char *value, *name = NULL;
    size_t name_len = 0;
    char type;
    int named, depth = a->depth, err = 0;
    rtmpkit_buf b;

    if (why && why_cap)
        why[0] = 0;
    if (!item || !item[0] || !item[1])
        return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": expected TYPE:VALUE (B:1, N:2, S:text, O:1, O:0, Z:)",
                   item ? item : "");
    named = item[0] == 'N' && item[1] != ':';
    type = named ? item[1] : item[0];
    if (named) {
        const char *colon;
        if (item[2] != ':' || !(colon = strchr(item + 3, ':')) || colon == item + 3)
            return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": a named field is N%c:NAME:VALUE", item, type);
        name = item + 3;
        name_len = (size_t)(colon - name);
        value = colon + 1;
    } else {
        if (item[1] != ':')
            return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": expected TYPE:VALUE (B:1, N:2, S:text, O:1, O:0, Z:)", item);
        value = item + 2;
    }
    if (!strchr("BNSOZ", type))
        return bad(why, why_cap, RTMPKIT_EUSAGE,
                   "--conn \"%s\": unknown type '%c' (B boolean, N number, S string, O object, Z null; N before one of them names a field)",
                   item, type);
    /* An object end closes whatever the name says. */
    if (type == 'O' && strcmp(value, "0") == 0) {
        if (depth == 0)
            return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": O:0 ends an object, but none is open", item);
        rtmpkit_buf_init(&b, RTMPKIT_CONNARGS_MAX - a->len);
        rtmpkit_amf0_put_object_end(&b);
        depth--;
        goto append;
    }
    if (named && depth == 0)
        return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": a named field belongs inside an object (after O:1)", item);
    if (!named && depth > 0)
        return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": inside an object every field needs a name (N%c:NAME:...)", item, type);

    rtmpkit_buf_init(&b, RTMPKIT_CONNARGS_MAX - a->len);
    if (named) {
        rtmpkit_put_u16(&b, (uint16_t)(name_len > 0xffff ? 0xffff : name_len));
        rtmpkit_put_bytes(&b, name, name_len > 0xffff ? 0xffff : name_len);
    }
    switch (type) {
    case 'B':
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
            err = bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": a boolean is 0 or 1", item);
            break;
        }
        rtmpkit_amf0_put_bool(&b, value[0] == '1');
        break;
    case 'N': {
        char *end = NULL;
        double v = strtod(value, &end);
        if (!value[0] || *end || !isfinite(v)) {
            err = bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": \"%s\" is not a number", item, value);
            break;
        }
        rtmpkit_amf0_put_number(&b, v);
        break;
    }
    case 'S':
        rtmpkit_amf0_put_string(&b, value);
        break;
    case 'Z':
        if (value[0]) {
            err = bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": null takes no value (Z:)", item);
            break;
        }
        rtmpkit_amf0_put_null(&b);
        break;
    case 'O':
        if (strcmp(value, "1") != 0) {
            err = bad(why, why_cap, RTMPKIT_EUSAGE, "--conn \"%s\": O:1 starts an object, O:0 ends it", item);
            break;
        }
        if (depth >= RTMPKIT_CONNARGS_MAX_DEPTH) {
            err = bad(why, why_cap, RTMPKIT_ELIMIT, "--conn \"%s\": objects nested more than %d deep", item,
                      RTMPKIT_CONNARGS_MAX_DEPTH);
            break;
        }
        rtmpkit_amf0_put_object_start(&b);
        depth++;
        break;
    }
append:
    if (!err && b.err)
        err = bad(why, why_cap, RTMPKIT_ELIMIT, "--conn: the connect arguments take more than %d bytes",
                  RTMPKIT_CONNARGS_MAX);
    if (!err) {
        if (b.len)
            memcpy(a->data + a->len, b.data, b.len);
        a->len += b.len;
        a->depth = depth;
    }
    rtmpkit_buf_free(&b);
    return err;
}

int rtmpkit_connargs_finish(const rtmpkit_connargs *a, char *why, size_t why_cap)
{
    if (a->depth > 0)
        return bad(why, why_cap, RTMPKIT_EUSAGE, "--conn: %d object%s opened with O:1 but not closed with O:0",
                   a->depth, a->depth > 1 ? "s" : "");
    if (why && why_cap)
        why[0] = 0;
    return 0;
}
