#include "render.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "rtmpkit/error.h"

/* A first window larger than this is scaled down (the user can resize it). */
#define MAX_INITIAL_WIDTH  1920
#define MAX_INITIAL_HEIGHT 1080

struct rk_window {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h;
    AVRational sar;
    int fullscreen;
    int has_frame;
    int placeholder;          /* no picture has sized it yet */
    int hidden;               /* made at open, not shown yet */
    char *title;
    struct SwsContext *sws;
    AVFrame *converted;       /* when the decoder's format is not planar 4:2:0 */
    void (*overlay)(void *opaque, SDL_Renderer *r);   /* drawn over the picture */
    void *overlay_opaque;
};

static int create_window(rk_window *w, int width, int height, int hidden);

int rk_window_open(rk_window **out, const char *title, int fullscreen, char *err, size_t err_len)
{
    rk_window *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w || !(w->title = strdup(title ? title : "rtmp-play"))) {
        free(w);
        snprintf(err, err_len, "out of memory");
        return RTMPKIT_ENOMEM;
    }
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        snprintf(err, err_len, "cannot open a window: %s", SDL_GetError());
        free(w->title);
        free(w);
        return RTMPKIT_EOUTPUT;
    }
    w->fullscreen = fullscreen;
    w->sar = (AVRational){ 1, 1 };
    /* The window and its renderer now, hidden (making them takes a few hundred ms on
     * some systems): the first picture then only needs drawing. */
    if (create_window(w, 640, 360, 1) < 0) {
        snprintf(err, err_len, "cannot open a window: %s", SDL_GetError());
        rk_window_close(w);
        return RTMPKIT_EOUTPUT;
    }
    w->placeholder = 1;
    *out = w;
    return 0;
}

void rk_window_close(rk_window *w)
{
    if (!w)
        return;
    if (w->texture)
        SDL_DestroyTexture(w->texture);
    if (w->renderer)
        SDL_DestroyRenderer(w->renderer);
    if (w->window)
        SDL_DestroyWindow(w->window);
    sws_freeContext(w->sws);
    av_frame_free(&w->converted);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(w->title);
    free(w);
}

/* The window size for a picture: the picture's, halved until it fits the limits. */
/* The picture's size, scaled down (aspect kept) to fit the screen and our cap. */
static void initial_size(int width, int height, int *ww, int *wh)
{
    SDL_Rect usable;
    double max_w = MAX_INITIAL_WIDTH, max_h = MAX_INITIAL_HEIGHT, scale = 1.0;
    if (SDL_GetDisplayUsableBounds(0, &usable) == 0) {
        if (usable.w < max_w)
            max_w = usable.w;
        if (usable.h < max_h)
            max_h = usable.h;
    }
    if (width > max_w)
        scale = max_w / width;
    if (height * scale > max_h)
        scale = max_h / height;
    *ww = (int)(width * scale);
    *wh = (int)(height * scale);
}

static int create_window(rk_window *w, int width, int height, int hidden)
{
    int ww, wh;
    initial_size(width, height, &ww, &wh);
    w->window = SDL_CreateWindow(w->title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, ww, wh,
                                 SDL_WINDOW_RESIZABLE | (w->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) |
                                 (hidden ? SDL_WINDOW_HIDDEN : 0));
    w->hidden = hidden;
    if (!w->window)
        return RTMPKIT_EOUTPUT;
    w->renderer = SDL_CreateRenderer(w->window, -1, SDL_RENDERER_ACCELERATED);
    if (!w->renderer)
        w->renderer = SDL_CreateRenderer(w->window, -1, 0);
    if (!w->renderer)
        return RTMPKIT_EOUTPUT;
    return 0;
}

/* The largest rectangle with the picture's aspect ratio, centred in the window. */
static void picture_rect(rk_window *w, SDL_Rect *r)
{
    int out_w, out_h;
    double aspect = (double)w->tex_w / w->tex_h;
    if (w->sar.num > 0 && w->sar.den > 0)
        aspect *= (double)w->sar.num / w->sar.den;
    SDL_GetRendererOutputSize(w->renderer, &out_w, &out_h);
    r->h = out_h;
    r->w = (int)(out_h * aspect + 0.5);
    if (r->w > out_w) {
        r->w = out_w;
        r->h = (int)(out_w / aspect + 0.5);
    }
    r->x = (out_w - r->w) / 2;
    r->y = (out_h - r->h) / 2;
}

/* Shows the window made hidden at open. */
static void reveal(rk_window *w)
{
    if (!w->hidden)
        return;
    w->hidden = 0;
    SDL_ShowWindow(w->window);
}

int rk_window_ensure(rk_window *w, int width, int height)
{
    if (w->window && !w->hidden)
        return 0;
    if (!w->window) {
        if (create_window(w, width, height, 0) < 0)
            return RTMPKIT_EOUTPUT;
        w->placeholder = 1;
    } else if (w->placeholder && !w->fullscreen) {
        int ww, wh;
        initial_size(width, height, &ww, &wh);
        SDL_SetWindowSize(w->window, ww, wh);
        SDL_SetWindowPosition(w->window, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED);
    }
    reveal(w);
    rk_window_redraw(w);
    return 0;
}

void rk_window_redraw(rk_window *w)
{
    SDL_Rect r;
    if (!w->renderer)
        return;
    SDL_SetRenderDrawColor(w->renderer, 0, 0, 0, 255);
    SDL_RenderClear(w->renderer);
    if (w->texture && w->has_frame) {
        picture_rect(w, &r);
        SDL_RenderCopy(w->renderer, w->texture, NULL, &r);
    }
    if (w->overlay)
        w->overlay(w->overlay_opaque, w->renderer);
    SDL_RenderPresent(w->renderer);
}

/* Converts frame to planar 4:2:0 when needed; returns the frame to upload or NULL. */
static const AVFrame *as_yuv420(rk_window *w, const AVFrame *frame)
{
    if (frame->format == AV_PIX_FMT_YUV420P || frame->format == AV_PIX_FMT_YUVJ420P)
        return frame;
    w->sws = sws_getCachedContext(w->sws, frame->width, frame->height, (enum AVPixelFormat)frame->format,
                                  frame->width, frame->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
    if (!w->sws)
        return NULL;
    if (!w->converted || w->converted->width != frame->width || w->converted->height != frame->height) {
        av_frame_free(&w->converted);
        if (!(w->converted = av_frame_alloc()))
            return NULL;
        w->converted->format = AV_PIX_FMT_YUV420P;
        w->converted->width = frame->width;
        w->converted->height = frame->height;
        if (av_frame_get_buffer(w->converted, 0) < 0) {
            av_frame_free(&w->converted);
            return NULL;
        }
    }
    sws_scale(w->sws, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height,
              w->converted->data, w->converted->linesize);
    return w->converted;
}

int rk_window_show(rk_window *w, const AVFrame *frame)
{
    const AVFrame *f;
    if (frame->width <= 0 || frame->height <= 0)
        return 0;
    if (!w->window && create_window(w, frame->width, frame->height, 0) < 0)
        return RTMPKIT_EOUTPUT;
    /* A window made before any picture takes the first one's size. */
    if (w->placeholder) {
        int ww, wh;
        w->placeholder = 0;
        initial_size(frame->width, frame->height, &ww, &wh);
        if (!w->fullscreen) {
            SDL_SetWindowSize(w->window, ww, wh);
            SDL_SetWindowPosition(w->window, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED);
        }
    }
    reveal(w);
    if (!w->texture || w->tex_w != frame->width || w->tex_h != frame->height) {
        if (w->texture)
            SDL_DestroyTexture(w->texture);
        w->texture = SDL_CreateTexture(w->renderer, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING,
                                       frame->width, frame->height);
        if (!w->texture)
            return RTMPKIT_EOUTPUT;
        w->tex_w = frame->width;
        w->tex_h = frame->height;
    }
    w->sar = frame->sample_aspect_ratio;
    if (!(f = as_yuv420(w, frame)))
        return RTMPKIT_ENOMEM;
    if (f->linesize[0] < 0 || f->linesize[1] < 0 || f->linesize[2] < 0)
        return 0;
    SDL_UpdateYUVTexture(w->texture, NULL, f->data[0], f->linesize[0], f->data[1], f->linesize[1],
                         f->data[2], f->linesize[2]);
    w->has_frame = 1;
    rk_window_redraw(w);
    return 0;
}

void rk_window_wake(void)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_USEREVENT;
    SDL_PushEvent(&e);
}

void rk_window_set_title(rk_window *w, const char *title)
{
    char *copy = strdup(title);
    if (!copy)
        return;
    free(w->title);
    w->title = copy;
    if (w->window)
        SDL_SetWindowTitle(w->window, title);
}

void rk_window_toggle_fullscreen(rk_window *w)
{
    w->fullscreen = !w->fullscreen;
    if (w->window)
        SDL_SetWindowFullscreen(w->window, w->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
}

int rk_window_has_frame(const rk_window *w)
{
    return w->has_frame;
}

void rk_window_set_overlay(rk_window *w, void (*draw)(void *opaque, SDL_Renderer *r), void *opaque)
{
    w->overlay = draw;
    w->overlay_opaque = opaque;
}

/* Timestamp marks in the sample queue: the sample at position pos has time pts. */
#define MAX_MARKS 1024
/* Without a real sample for this long, the audio clock is not trusted. */
#define STARVED_MS 300

struct mark {
    uint64_t pos;
    int64_t pts;
};

struct rk_audio {
    SDL_AudioDeviceID dev;
    pthread_mutex_t lock;
    int rate, channels;
    int16_t *ring;               /* cap frames of channels samples */
    uint64_t cap;
    uint64_t read_pos, write_pos;   /* in sample frames, ever increasing */
    struct mark marks[MAX_MARKS];
    unsigned mark_first, mark_count;
    int volume, muted;
    int latency_ms;              /* the device buffer between the callback and the ear */
    /* The last callback: its time and the time of its first sample. */
    int played;
    uint64_t cb_time_us;
    int64_t cb_pts;
    int cb_real;                 /* real (not silence) sample frames it took */
    uint64_t last_real_us;
    uint64_t silence;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The time of the sample at pos (locked). */
static int64_t pts_at(const rk_audio *a, uint64_t pos)
{
    const struct mark *best = NULL;
    for (unsigned i = 0; i < a->mark_count; i++) {
        const struct mark *m = &a->marks[(a->mark_first + i) % MAX_MARKS];
        if (m->pos <= pos)
            best = m;
        else
            break;
    }
    if (!best)
        return a->mark_count ? a->marks[a->mark_first].pts : 0;
    return best->pts + (int64_t)((pos - best->pos) * 1000 / (uint64_t)a->rate);
}

/* Forgets marks that no queued sample needs (locked). */
static void trim_marks(rk_audio *a)
{
    while (a->mark_count >= 2 && a->marks[(a->mark_first + 1) % MAX_MARKS].pos <= a->read_pos) {
        a->mark_first = (a->mark_first + 1) % MAX_MARKS;
        a->mark_count--;
    }
}

static void audio_callback(void *opaque, Uint8 *stream, int len)
{
    rk_audio *a = opaque;
    int16_t *out = (int16_t *)stream;
    int frames = len / (int)(2 * a->channels), n, i;
    uint64_t t = now_us();
    pthread_mutex_lock(&a->lock);
    n = (int)(a->write_pos - a->read_pos < (uint64_t)frames ? a->write_pos - a->read_pos : (uint64_t)frames);
    a->cb_time_us = t;
    if (n > 0 || !a->played)
        a->cb_pts = pts_at(a, a->read_pos);
    else   /* an underrun: the clock stops where the last real sample ended, not where it began */
        a->cb_pts += (int64_t)a->cb_real * 1000 / a->rate;
    a->cb_real = n;
    if (n > 0) {
        a->played = 1;
        a->last_real_us = t;
    }
    for (i = 0; i < n; i++) {
        const int16_t *src = a->ring + ((a->read_pos + (uint64_t)i) % a->cap) * (uint64_t)a->channels;
        for (int c = 0; c < a->channels; c++)
            out[i * a->channels + c] = a->muted ? 0 : (int16_t)(src[c] * a->volume / 100);
    }
    memset(out + n * a->channels, 0, (size_t)(frames - n) * (size_t)a->channels * 2);
    if (a->played)   /* the silence before the first samples is waiting, not an underrun */
        a->silence += (uint64_t)(frames - n);
    a->read_pos += (uint64_t)n;
    trim_marks(a);
    pthread_mutex_unlock(&a->lock);
}

/* The device buffer: a power of two of samples at 48 kHz no longer than ms, 256 to 1024. */
static Uint16 device_samples(int ms)
{
    Uint16 n = 1024;
    while (n > 256 && (int64_t)n * 1000 > (int64_t)ms * 48000)
        n /= 2;
    return n;
}

int rk_audio_open(rk_audio **out, int volume, int max_queue_ms, int device_ms, int *rate, int *channels,
                  char *err, size_t err_len)
{
    SDL_AudioSpec want, have;
    rk_audio *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a) {
        snprintf(err, err_len, "out of memory");
        return RTMPKIT_ENOMEM;
    }
    pthread_mutex_init(&a->lock, NULL);
    a->volume = volume;
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        snprintf(err, err_len, "no audio output: %s", SDL_GetError());
        goto fail;
    }
    memset(&want, 0, sizeof want);
    want.freq = 48000;
    want.format = AUDIO_S16SYS;
    want.channels = 2;
    want.samples = device_samples(device_ms);
    want.callback = audio_callback;
    want.userdata = a;
    a->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, SDL_AUDIO_ALLOW_FREQUENCY_CHANGE | SDL_AUDIO_ALLOW_CHANNELS_CHANGE);
    if (!a->dev) {
        snprintf(err, err_len, "cannot open the audio device: %s", SDL_GetError());
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        goto fail;
    }
    a->rate = have.freq;
    a->channels = have.channels;
    a->latency_ms = (int)((int64_t)have.samples * 1000 / have.freq);
    a->cap = (uint64_t)a->rate * (uint64_t)(max_queue_ms > 0 ? max_queue_ms : 1000) / 1000 + (uint64_t)have.samples;
    if (!(a->ring = malloc(a->cap * (uint64_t)a->channels * sizeof(int16_t)))) {
        snprintf(err, err_len, "out of memory");
        SDL_CloseAudioDevice(a->dev);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        goto fail;
    }
    *rate = a->rate;
    *channels = a->channels;
    SDL_PauseAudioDevice(a->dev, 0);
    *out = a;
    return 0;
fail:
    pthread_mutex_destroy(&a->lock);
    free(a);
    return RTMPKIT_EOUTPUT;
}

void rk_audio_close(rk_audio *a)
{
    if (!a)
        return;
    SDL_CloseAudioDevice(a->dev);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    pthread_mutex_destroy(&a->lock);
    free(a->ring);
    free(a);
}

int rk_audio_write(rk_audio *a, const int16_t *samples, int n, int64_t pts_ms)
{
    int err = 0;
    pthread_mutex_lock(&a->lock);
    if (a->write_pos - a->read_pos + (uint64_t)n > a->cap || a->mark_count == MAX_MARKS) {
        err = RTMPKIT_EAGAIN;
        goto done;
    }
    struct mark *m = &a->marks[(a->mark_first + a->mark_count) % MAX_MARKS];
    m->pos = a->write_pos;
    m->pts = pts_ms;
    a->mark_count++;
    for (int i = 0; i < n; i++)
        memcpy(a->ring + ((a->write_pos + (uint64_t)i) % a->cap) * (uint64_t)a->channels,
               samples + (size_t)i * (size_t)a->channels, (size_t)a->channels * sizeof(int16_t));
    a->write_pos += (uint64_t)n;
done:
    pthread_mutex_unlock(&a->lock);
    return err;
}

int rk_audio_clock(rk_audio *a, int64_t *pts_ms)
{
    uint64_t t = now_us();
    int ok;
    pthread_mutex_lock(&a->lock);
    ok = a->played && t - a->last_real_us < STARVED_MS * 1000;
    if (ok) {
        int64_t into = (int64_t)(t - a->cb_time_us) / 1000;
        int64_t real_ms = (int64_t)a->cb_real * 1000 / a->rate;
        if (into > real_ms)
            into = real_ms;
        *pts_ms = a->cb_pts + into - a->latency_ms;
    }
    pthread_mutex_unlock(&a->lock);
    return ok;
}

int rk_audio_delay_ms(rk_audio *a)
{
    int ms;
    pthread_mutex_lock(&a->lock);
    ms = (int)((a->write_pos - a->read_pos) * 1000 / (uint64_t)a->rate) + a->latency_ms;
    pthread_mutex_unlock(&a->lock);
    return ms;
}

int rk_audio_device_ms(rk_audio *a)
{
    return a->latency_ms;   /* set once at open */
}

int64_t rk_audio_queued_end(rk_audio *a)
{
    int64_t end = -1;
    pthread_mutex_lock(&a->lock);
    if (a->mark_count)
        end = pts_at(a, a->write_pos);
    pthread_mutex_unlock(&a->lock);
    return end;
}

int rk_audio_drop_before(rk_audio *a, int64_t pts_ms)
{
    int64_t dropped = 0;
    pthread_mutex_lock(&a->lock);
    if (a->mark_count && a->write_pos > a->read_pos) {
        int64_t behind = pts_ms - pts_at(a, a->read_pos);
        if (behind > 0) {
            uint64_t n = (uint64_t)behind * (uint64_t)a->rate / 1000;
            if (n > a->write_pos - a->read_pos)
                n = a->write_pos - a->read_pos;
            a->read_pos += n;
            dropped = (int64_t)(n * 1000 / (uint64_t)a->rate);
            trim_marks(a);
        }
    }
    pthread_mutex_unlock(&a->lock);
    return (int)dropped;
}

void rk_audio_flush(rk_audio *a)
{
    pthread_mutex_lock(&a->lock);
    a->read_pos = a->write_pos;
    if (a->mark_count) {
        a->mark_first = (a->mark_first + a->mark_count - 1) % MAX_MARKS;
        a->mark_count = 1;
    }
    pthread_mutex_unlock(&a->lock);
}

void rk_audio_set_volume(rk_audio *a, int volume)
{
    pthread_mutex_lock(&a->lock);
    a->volume = volume < 0 ? 0 : volume > 100 ? 100 : volume;
    pthread_mutex_unlock(&a->lock);
}

int rk_audio_volume(rk_audio *a)
{
    int v;
    pthread_mutex_lock(&a->lock);
    v = a->volume;
    pthread_mutex_unlock(&a->lock);
    return v;
}

void rk_audio_toggle_mute(rk_audio *a)
{
    pthread_mutex_lock(&a->lock);
    a->muted = !a->muted;
    pthread_mutex_unlock(&a->lock);
}

int rk_audio_muted(rk_audio *a)
{
    int m;
    pthread_mutex_lock(&a->lock);
    m = a->muted;
    pthread_mutex_unlock(&a->lock);
    return m;
}

uint64_t rk_audio_silence_ms(rk_audio *a)
{
    uint64_t s;
    pthread_mutex_lock(&a->lock);
    s = a->silence * 1000 / (uint64_t)a->rate;
    pthread_mutex_unlock(&a->lock);
    return s;
}
