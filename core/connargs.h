/* Extra connect arguments in rtmpdump's -C syntax (--conn), encoded as AMF0 values that
 * the engine appends after the connect command object. Pure functions. Internal. */
#ifndef RK_CONNARGS_H
#define RK_CONNARGS_H

#include <stddef.h>
#include <stdint.h>

#define RK_CONNARGS_MAX       4096   /* encoded bytes of all --conn arguments together */
#define RK_CONNARGS_MAX_DEPTH 16     /* objects inside objects */

typedef struct rk_connargs {
    uint8_t data[RK_CONNARGS_MAX];   /* the AMF0 values so far */
    size_t len;
    int depth;                       /* objects opened (O:1) and not yet closed (O:0) */
} rk_connargs;

void rk_connargs_init(rk_connargs *a);

/* Adds one item, rtmpdump's -C syntax:
 *   B:0 / B:1   boolean          N:1.5     number         S:text   string (may hold ':')
 *   Z:          null             O:1       object start   O:0      object end
 *   NB:name:1, NN:name:2, NS:name:text, NZ:name:, NO:name:1   named fields, only inside
 *   an object (which takes nothing else); unnamed items only outside objects.
 * Returns 0, or RTMPKIT_EUSAGE (a bad item: nothing added, why says what is wrong) or
 * RTMPKIT_ELIMIT (more than RK_CONNARGS_MAX bytes or RK_CONNARGS_MAX_DEPTH levels). */
int rk_connargs_add(rk_connargs *a, const char *item, char *why, size_t why_cap);

/* After the last item: 0, or RTMPKIT_EUSAGE when an object was left open. */
int rk_connargs_finish(const rk_connargs *a, char *why, size_t why_cap);

#endif
