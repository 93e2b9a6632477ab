/* The one clock of the library and its programs: monotonic milliseconds. Every time the
 * engine and the library modules take (now_ms) is on this clock. */
#ifndef RTMPKIT_CLOCK_H
#define RTMPKIT_CLOCK_H

#include "rtmpkit/export.h"

#include <stdint.h>

/* Milliseconds since an arbitrary start (CLOCK_MONOTONIC): never jumps with the wall clock. */
RTMPKIT_API uint64_t rtmpkit_monotonic_ms(void);

#endif
