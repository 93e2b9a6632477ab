/* Extra connect arguments in rtmpdump's -C syntax (--conn), encoded as AMF0 values that
 * the engine appends after the connect command object. Pure functions. */
#ifndef RTMPKIT_CONNARGS_H
#define RTMPKIT_CONNARGS_H

#include "rtmpkit/export.h"

#include <stddef.h>
#include <stdint.h>

#define RTMPKIT_CONNARGS_MAX       4096   /* encoded bytes of all --conn arguments together */
#define RTMPKIT_CONNARGS_MAX_DEPTH 16     /* objects inside objects */

typedef struct rtmpkit_connargs {
    uint8_t data[RTMPKIT_CONNARGS_MAX];   /* the AMF0 values so far */
    size_t len;
    int depth;                       /* objects opened (O:1) and not yet closed (O:0) */
} rtmpkit_connargs;

RTMPKIT_API void rtmpkit_connargs_init(rtmpkit_connargs *a);

/* Adds one item, rtmpdump's -C syntax:
 *   B:0 / B:1   boolean          N:1.5     number         S:text   string (may hold ':')
 *   Z:          null             O:1       object start   O:0      object end
 *   NB:name:1, NN:name:2, NS:name:text, NZ:name:, NO:name:1   named fields, only inside
 *   an object (which takes nothing else); unnamed items only outside objects.
 * Returns 0, or RTMPKIT_EUSAGE (a bad item: nothing added, why says what is wrong) or
 * RTMPKIT_ELIMIT (more than RTMPKIT_CONNARGS_MAX bytes or RTMPKIT_CONNARGS_MAX_DEPTH levels). */
RTMPKIT_API int rtmpkit_connargs_add(rtmpkit_connargs *a, const char *item, char *why, size_t why_cap);

/* After the last item: 0, or RTMPKIT_EUSAGE when an object was left open. */
RTMPKIT_API int rtmpkit_connargs_finish(const rtmpkit_connargs *a, char *why, size_t why_cap);

#endif
