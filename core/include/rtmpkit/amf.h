/* AMF0 values (with AMF3 values inside AMF0 via the 0x11 switch): decode with caps, encode. */
#ifndef RTMPKIT_AMF_H
#define RTMPKIT_AMF_H

#include "rtmpkit/export.h"
#include "rtmpkit/bytes.h"

#include <stddef.h>
#include <stdint.h>

/* Limits on what a peer can make us build. Crossing one is RTMPKIT_ELIMIT. */
#define RTMPKIT_AMF_MAX_DEPTH    32      /* nested objects/arrays */
#define RTMPKIT_AMF_MAX_ELEMENTS 65536   /* values in one decode call, all levels together */

enum rtmpkit_amf_type {
    RTMPKIT_AMF_NUMBER,
    RTMPKIT_AMF_BOOLEAN,
    RTMPKIT_AMF_STRING,       /* AMF0 string and long string, AMF3 string, XML, byte array */
    RTMPKIT_AMF_OBJECT,       /* AMF0 object / typed object, AMF3 object */
    RTMPKIT_AMF_NULL,
    RTMPKIT_AMF_UNDEFINED,
    RTMPKIT_AMF_ECMA_ARRAY,   /* AMF0 ECMA array, AMF3 array with associative part */
    RTMPKIT_AMF_STRICT_ARRAY, /* AMF0 strict array, AMF3 dense array */
    RTMPKIT_AMF_DATE,         /* number = ms since epoch */
};

typedef struct rtmpkit_amf rtmpkit_amf;
typedef struct rtmpkit_amf_prop rtmpkit_amf_prop;

struct rtmpkit_amf {
    enum rtmpkit_amf_type type;
    double number;          /* NUMBER, DATE */
    int boolean;            /* BOOLEAN: 0 or 1 */
    char *string;           /* STRING: NUL-terminated copy; length excludes the NUL */
    size_t length;
    rtmpkit_amf_prop *props;   /* OBJECT, ECMA_ARRAY: count properties */
    rtmpkit_amf *items;        /* STRICT_ARRAY: count items */
    size_t count;
};

struct rtmpkit_amf_prop {
    char *key;              /* NUL-terminated copy */
    size_t key_length;
    rtmpkit_amf value;
};

/* Decodes one AMF0 value from buf. Returns the bytes consumed (> 0), or a negative
 * error: RTMPKIT_ETRUNCATED when the value runs past len, RTMPKIT_EPROTOCOL for an
 * unknown marker or malformed data, RTMPKIT_ELIMIT when a cap is crossed, RTMPKIT_ENOMEM.
 * On success *out owns its memory: release it with rtmpkit_amf_free(). On failure *out
 * is left empty (type NULL, nothing to free). */
RTMPKIT_API int rtmpkit_amf0_decode(const uint8_t *buf, size_t len, rtmpkit_amf *out);

/* Decodes consecutive AMF0 values filling buf (a command message body), at most max:
 * values after the first max are not decoded (a command's extra arguments are ignored).
 * Returns the number of values decoded into out[0..n-1], or a negative error (nothing
 * to free then). Bytes that do not form a value among the first max are an error. */
RTMPKIT_API int rtmpkit_amf0_decode_all(const uint8_t *buf, size_t len, rtmpkit_amf *out, size_t max);

/* Decodes one AMF3 value (as found after the AMF0 0x11 marker). Same contract as
 * rtmpkit_amf0_decode. */
RTMPKIT_API int rtmpkit_amf3_decode(const uint8_t *buf, size_t len, rtmpkit_amf *out);

/* Releases what a decoded value owns and sets it to NULL type. Safe on a NULL value. */
RTMPKIT_API void rtmpkit_amf_free(rtmpkit_amf *v);

/* Looks up a property of an OBJECT or ECMA_ARRAY by key; NULL if absent or not a map. */
RTMPKIT_API const rtmpkit_amf *rtmpkit_amf_get(const rtmpkit_amf *v, const char *key);
/* The string of a STRING value or of property key of a map; NULL otherwise. */
RTMPKIT_API const char *rtmpkit_amf_get_string(const rtmpkit_amf *v, const char *key);
/* The number of a NUMBER value at key of a map, or dflt. */
RTMPKIT_API double rtmpkit_amf_get_number(const rtmpkit_amf *v, const char *key, double dflt);

/* Encoding into an rtmpkit_buf (rtmpkit/bytes.h); errors are sticky in the buffer. */
RTMPKIT_API void rtmpkit_amf0_put_number(rtmpkit_buf *b, double v);
RTMPKIT_API void rtmpkit_amf0_put_bool(rtmpkit_buf *b, int v);
/* Strings longer than 65535 bytes are written as long strings. */
RTMPKIT_API void rtmpkit_amf0_put_string(rtmpkit_buf *b, const char *s);
RTMPKIT_API void rtmpkit_amf0_put_string_len(rtmpkit_buf *b, const char *s, size_t len);
RTMPKIT_API void rtmpkit_amf0_put_null(rtmpkit_buf *b);
RTMPKIT_API void rtmpkit_amf0_put_object_start(rtmpkit_buf *b);
RTMPKIT_API void rtmpkit_amf0_put_ecma_array_start(rtmpkit_buf *b, uint32_t count);
/* A property name inside an object or ECMA array (no type marker). */
RTMPKIT_API void rtmpkit_amf0_put_key(rtmpkit_buf *b, const char *key);
/* Ends an object or an ECMA array: 00 00 09. */
RTMPKIT_API void rtmpkit_amf0_put_object_end(rtmpkit_buf *b);
/* Encodes a whole value tree (AMF0 only; AMF3 values come out as their AMF0 twins). */
RTMPKIT_API void rtmpkit_amf0_put_value(rtmpkit_buf *b, const rtmpkit_amf *v);

#endif
