/* onMetaData in FLV data tags: recognising it, and the copy a recorder writes with
 * duration and filesize to patch in place when it ends. */
#ifndef RK_FLV_META_H
#define RK_FLV_META_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* 1 when an FLV data tag body (AMF0) starts with the string "onMetaData", else 0. */
int rk_flv_is_metadata(const uint8_t *data, size_t len);

/* Writes to out the onMetaData of data ("onMetaData" + ECMA array or object) as
 * "onMetaData" + ECMA array of the same properties, less any duration and filesize, then
 * duration 0 and filesize 0 last. *duration_at and *filesize_at get the offsets in out of
 * their 8-byte doubles. Returns 0, RTMPKIT_EPROTOCOL when data is no such onMetaData
 * (keep it as it is), or out's error (its cap reached, memory). */
int rk_flv_metadata_with_totals(const uint8_t *data, size_t len, rk_buf *out,
                                size_t *duration_at, size_t *filesize_at);

#endif
