/* Internal to the AMF decoders: the caps of one decode call. The encoders are public (rtmpkit/amf.h). */
#ifndef RK_AMF_H
#define RK_AMF_H

#include "rtmpkit/bytes.h"
#include "rtmpkit/amf.h"

/* Shared by the AMF0 and AMF3 decoders (amf0.c, amf3.c): the caps of one top-level
 * decode call, so that an AMF3 value inside AMF0 (0x11) counts against the same limits. */
#define RK_AMF_MAX_STRING_BYTES (16u << 20)  /* string and key bytes copied per call;
                                                 AMF3 references could multiply them */
typedef struct rk_amf_budget {
    size_t elements;        /* values built so far, RTMPKIT_AMF_MAX_ELEMENTS at most */
    size_t string_bytes;    /* bytes copied so far, RK_AMF_MAX_STRING_BYTES at most */
} rk_amf_budget;

/* Charges one value against the element cap: 0 or RTMPKIT_ELIMIT. */
int rk_amf_count(rk_amf_budget *bg);
/* A NUL-terminated copy of (p, n) charged against the byte cap, in *out. */
int rk_amf_strdup(rk_amf_budget *bg, const uint8_t *p, size_t n, char **out);
/* Appends a property with a copy of key to an OBJECT or ECMA_ARRAY being decoded; its
 * value starts as NULL and *value points at it until the next append. */
int rk_amf_add_prop(rtmpkit_amf *map, rk_amf_budget *bg, const uint8_t *key, size_t klen,
                    rtmpkit_amf **value);
/* Decodes one AMF3 value (fresh reference tables) from r at nesting depth depth into *out,
 * which is left NULL on failure. Returns 0 or a negative error. */
int rk_amf3_read(rtmpkit_reader *r, rtmpkit_amf *out, int depth, rk_amf_budget *bg);

#endif
