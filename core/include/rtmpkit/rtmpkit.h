/* rtmpkit: an RTMP client library with a sans-I/O protocol engine. */
#ifndef RTMPKIT_H
#define RTMPKIT_H

#include "rtmpkit/error.h"
#include "rtmpkit/log.h"
#include "rtmpkit/url.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/conn.h"
#include "rtmpkit/client.h"

#define RTMPKIT_VERSION "0.1.0"

#endif
