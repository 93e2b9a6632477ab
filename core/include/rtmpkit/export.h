/* Marks the library's public functions: everything else stays hidden in librtmpkit.so. */
#ifndef RTMPKIT_EXPORT_H
#define RTMPKIT_EXPORT_H

#if defined(__GNUC__)
#define RTMPKIT_API __attribute__((visibility("default")))
#else
#define RTMPKIT_API
#endif

#endif
