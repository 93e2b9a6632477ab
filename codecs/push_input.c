#include "push_input.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flv_source.h"
#include "rtmpkit/error.h"

#define MODULE_NAME "rtmpkit-codecs.so"

/* The FFmpeg pipeline's entry points, from the module. */
struct module_api {
    int (*open)(rk_push_source **, const struct rk_push_source_options *);
    int (*read)(rk_push_source *, rk_tag *);
    int (*is_live)(const rk_push_source *);
    const char *(*describe)(const rk_push_source *);
    void (*close)(rk_push_source *);
};

struct rk_push_input {
    rk_flv_source *flv;         /* either this */
    rk_push_source *ffmpeg;     /* or this, through api */
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
            snprintf(path, sizeof path, "%s/../codecs/%s", exe, MODULE_NAME);
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
    *(void **)&api->open = dlsym(module, "rk_push_source_open");
    *(void **)&api->read = dlsym(module, "rk_push_source_read");
    *(void **)&api->is_live = dlsym(module, "rk_push_source_is_live");
    *(void **)&api->describe = dlsym(module, "rk_push_source_describe");
    *(void **)&api->close = dlsym(module, "rk_push_source_close");
    return api->open && api->read && api->is_live && api->describe && api->close ? 0 : -1;
}

int rk_push_input_open(rk_push_input **out, const struct rk_push_source_options *opts)
{
    rk_push_input *in = calloc(1, sizeof *in);
    int err;
    *out = NULL;
    if (!in)
        return RTMPKIT_ENOMEM;
    err = rk_flv_source_open(&in->flv, opts);
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
        rk_push_input_close(in);
        return err;
    }
    *out = in;
    return 0;
}

int rk_push_input_read(rk_push_input *in, rk_tag *tag)
{
    return in->flv ? rk_flv_source_read(in->flv, tag) : in->api.read(in->ffmpeg, tag);
}

int rk_push_input_is_live(const rk_push_input *in)
{
    return in->flv ? 0 : in->api.is_live(in->ffmpeg);
}

const char *rk_push_input_describe(const rk_push_input *in)
{
    return in->flv ? rk_flv_source_describe(in->flv) : in->api.describe(in->ffmpeg);
}

void rk_push_input_close(rk_push_input *in)
{
    if (!in)
        return;
    rk_flv_source_close(in->flv);
    if (in->ffmpeg)
        in->api.close(in->ffmpeg);
    /* The module stays loaded: FFmpeg may keep threads or atexit handlers of its own. */
    free(in);
}
