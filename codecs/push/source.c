/* The dispatcher rtmp-push reads tags from: an FLV file of H.264/AAC goes to the FLV
 * reader; anything else to the FFmpeg pipeline, whose module is loaded (dlopen) only
 * then and called through the six entry points it exports. */
#include "source.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ffmpeg_source.h"
#include "flv_reader.h"
#include "rtmpkit/error.h"

#define MODULE_NAME "rtmpkit-codecs.so"

/* The FFmpeg pipeline's entry points, from the module. */
struct module_api {
    int (*open)(rk_ffmpeg_source **, const struct rk_source_options *);
    int (*read)(rk_ffmpeg_source *, rk_tag *);
    int (*is_live)(const rk_ffmpeg_source *);
    const char *(*describe)(const rk_ffmpeg_source *);
    int64_t (*duration_ms)(const rk_ffmpeg_source *);
    int (*end)(rk_ffmpeg_source *, rk_tag *);
    void (*close)(rk_ffmpeg_source *);
};

struct rk_source {
    rk_flv_reader *flv;         /* either this */
    rk_ffmpeg_source *ffmpeg;   /* or this, through api */
    struct module_api api;
    void *module;
};

/* The module beside the command in the build tree, or where meson installed it. */
static void *load_module(rtmpkit_log *log)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    const char *env = getenv("RTMPKIT_CODECS_MODULE");
    ssize_t n;
    void *handle;
    if (env && *env)
        return dlopen(env, RTLD_NOW | RTLD_LOCAL);
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;
        exe[n] = 0;
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(path, sizeof path, "%s/../codecs/push/%s", exe, MODULE_NAME);
            if (access(path, R_OK) == 0 && (handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
                return handle;
        }
    }
    handle = dlopen(RTMPKIT_MODULE_DIR "/" MODULE_NAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        rtmpkit_logf(log, RTMPKIT_LOG_ERROR, "cannot load FFmpeg support (%s): %s", MODULE_NAME, dlerror());
    return handle;
}

static int bind_api(void *module, struct module_api *api)
{
    *(void **)&api->open = dlsym(module, "rk_ffmpeg_source_open");
    *(void **)&api->read = dlsym(module, "rk_ffmpeg_source_read");
    *(void **)&api->is_live = dlsym(module, "rk_ffmpeg_source_is_live");
    *(void **)&api->describe = dlsym(module, "rk_ffmpeg_source_describe");
    *(void **)&api->end = dlsym(module, "rk_ffmpeg_source_end");
    *(void **)&api->close = dlsym(module, "rk_ffmpeg_source_close");
    *(void **)&api->duration_ms = dlsym(module, "rk_ffmpeg_source_duration_ms");
    return api->open && api->read && api->is_live && api->describe && api->end && api->close && api->duration_ms
           ? 0 : -1;
}

int rk_source_open(rk_source **out, const struct rk_source_options *opts)
{
    rk_source *in = calloc(1, sizeof *in);
    int err;
    *out = NULL;
    if (!in)
        return RTMPKIT_ENOMEM;
    err = rk_flv_reader_open(&in->flv, opts);
    if (err == 0) {
        if (!(in->module = load_module(opts->log)) || bind_api(in->module, &in->api) < 0) {
            if (in->module)
                rtmpkit_logf(opts->log, RTMPKIT_LOG_ERROR, "%s lacks the pipeline's functions", MODULE_NAME);
            err = RTMPKIT_EINTERNAL;
        } else {
            err = in->api.open(&in->ffmpeg, opts);
        }
    }
    if (err < 0) {
        rk_source_close(in);
        return err;
    }
    *out = in;
    return 0;
}

int rk_source_read(rk_source *in, rk_tag *tag)
{
    return in->flv ? rk_flv_reader_read(in->flv, tag) : in->api.read(in->ffmpeg, tag);
}

int rk_source_is_live(const rk_source *in)
{
    return in->flv ? 0 : in->api.is_live(in->ffmpeg);
}

const char *rk_source_describe(const rk_source *in)
{
    return in->flv ? rk_flv_reader_describe(in->flv) : in->api.describe(in->ffmpeg);
}

int64_t rk_source_duration_ms(const rk_source *in)
{
    return in->flv ? rk_flv_reader_duration_ms(in->flv) : in->api.duration_ms(in->ffmpeg);
}

int rk_source_end(rk_source *in, rk_tag *tag)
{
    return in->flv ? 0 : in->api.end(in->ffmpeg, tag);
}

void rk_source_close(rk_source *in)
{
    if (!in)
        return;
    rk_flv_reader_close(in->flv);
    if (in->ffmpeg)
        in->api.close(in->ffmpeg);
    /* The module stays loaded: FFmpeg may keep threads or atexit handlers of its own. */
    free(in);
}
