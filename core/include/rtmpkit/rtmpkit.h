/* rtmpkit: an RTMP client library with a sans-I/O protocol engine. */
#ifndef RTMPKIT_H
#define RTMPKIT_H

#include "rtmpkit/version.h"
#include "rtmpkit/error.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/log.h"
#include "rtmpkit/url.h"
#include "rtmpkit/bytes.h"
#include "rtmpkit/amf.h"
#include "rtmpkit/connargs.h"
#include "rtmpkit/flv.h"
#include "rtmpkit/flvtag.h"
#include "rtmpkit/conn.h"
#include "rtmpkit/client.h"
#include "rtmpkit/publisher.h"
#include "rtmpkit/session.h"
#include "rtmpkit/nbsession.h"
#include "rtmpkit/timeline.h"
#include "rtmpkit/recorder.h"
#include "rtmpkit/codecinfo.h"
#include "rtmpkit/probe.h"

#endif
