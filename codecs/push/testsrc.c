/* The built-in test source ("rtmp-push testsrc"): colour bars, a moving box, a frame
 * counter and the wall clock drawn into yuv420p pictures, a strip of blocks that a
 * machine reads the frame number from, and a 1 kHz tone, generated on demand without
 * libavfilter. */
#include "testsrc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>

#include "rtmpkit/error.h"

#define SAMPLES_PER_FRAME 1024
#define TONE_HZ 1000.0
#define TONE_AMPLITUDE 0.1      /* -20 dBFS */

struct rk_testsrc {
    AVFrame *video;
    AVFrame *audio;
    double fps;
    int64_t frames;         /* pictures made */
    int64_t samples[RK_TESTSRC_AUDIO_STREAMS];   /* samples made, per audio stream */
    double phase[RK_TESTSRC_AUDIO_STREAMS];      /* of each tone, radians, in [0, 2 pi) */
};

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column. */
static const uint8_t font_digits[10][7] = {
    { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e }, { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e },
    { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f }, { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e },
    { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 }, { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e },
    { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e }, { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
    { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e }, { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c },
};
static const uint8_t font_colon[7] = { 0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00 };
static const uint8_t font_dot[7] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c };
static const uint8_t font_blank[7] = { 0 };

/* 75% colour bars in BT.601 limited range: white, yellow, cyan, green, magenta, red, blue. */
static const uint8_t bars[7][3] = {
    { 180, 128, 128 }, { 162, 44, 142 }, { 131, 156, 44 }, { 112, 72, 58 },
    { 84, 184, 198 }, { 65, 100, 212 }, { 35, 212, 114 },
};

static const uint8_t *glyph(char c)
{
    if (c >= '0' && c <= '9')
        return font_digits[c - '0'];
    return c == ':' ? font_colon : c == '.' ? font_dot : font_blank;
}

/* Fills a rectangle, clipped to the picture; chroma covers the matching half-size area. */
static void fill_rect(AVFrame *f, int x, int y, int w, int h, uint8_t yv, uint8_t u, uint8_t v)
{
    int x1 = x + w, y1 = y + h;
    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    x1 = x1 > f->width ? f->width : x1;
    y1 = y1 > f->height ? f->height : y1;
    if (x >= x1 || y >= y1)
        return;
    for (int j = y; j < y1; j++)
        memset(f->data[0] + (size_t)j * f->linesize[0] + x, yv, (size_t)(x1 - x));
    for (int j = y / 2; j < (y1 + 1) / 2; j++) {
        memset(f->data[1] + (size_t)j * f->linesize[1] + x / 2, u, (size_t)((x1 + 1) / 2 - x / 2));
        memset(f->data[2] + (size_t)j * f->linesize[2] + x / 2, v, (size_t)((x1 + 1) / 2 - x / 2));
    }
}

static void draw_glyph(AVFrame *f, int x, int y, int scale, const uint8_t rows[7])
{
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 5; c++)
            if (rows[r] & (0x10 >> c))
                fill_rect(f, x + c * scale, y + r * scale, scale, scale, 235, 128, 128);
}

void rk_testsrc_draw_text(AVFrame *f, int x, int y, int scale, const char *text)
{
    int n = (int)strlen(text);
    int pad = scale * 2, advance = 6 * scale;

    fill_rect(f, x - pad, y - pad, n * advance - scale + 2 * pad, 7 * scale + 2 * pad, 16, 128, 128);
    for (int i = 0; i < n; i++)
        draw_glyph(f, x + i * advance, y, scale, glyph(text[i]));
}

static void draw_background(AVFrame *f)
{
    int split = f->height * 2 / 3;

    for (int i = 0; i < 7; i++) {
        int x0 = f->width * i / 7, x1 = f->width * (i + 1) / 7;
        fill_rect(f, x0 & ~1, 0, (x1 & ~1) - (x0 & ~1), split, bars[i][0], bars[i][1], bars[i][2]);
    }
    fill_rect(f, 0, split, f->width, f->height - split, 40, 128, 128);
}

/* A box that crosses the lower part of the frame every 4 seconds and changes colour on
 * each pass, so consecutive frames always differ. */
static void draw_box(AVFrame *f, double t)
{
    int size = (f->height / 6) & ~1;
    int span = f->width - size;
    double pass = t / 4.0;
    int x = (int)((pass - floor(pass)) * span) & ~1;
    const uint8_t *c = bars[((int64_t)pass) % 6 + 1];

    fill_rect(f, x, f->height - size - f->height / 24, size, size, c[0], c[1], c[2]);
}

static void draw_labels(AVFrame *f, int64_t frame_no)
{
    char counter[32], clock[32];
    struct timeval tv;
    struct tm tm;
    int scale = f->height / 60 > 1 ? f->height / 60 : 1;

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    snprintf(counter, sizeof counter, "%08lld", (long long)frame_no);
    snprintf(clock, sizeof clock, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));
    rk_testsrc_draw_text(f, 4 * scale, 4 * scale, scale, counter);
    rk_testsrc_draw_text(f, 4 * scale, 15 * scale, scale, clock);
}

/* The frame number as a machine reads it off a screen, compression or scaling
 * notwithstanding: the bottom rows (a 24th of the height) are RK_TESTSRC_STRIP_BLOCKS
 * blocks side by side, each white for a 1 bit and black for a 0, least significant first:
 * the frame number modulo 2^20, then the sum of its five 4-bit digits modulo 16. */
static void draw_strip(AVFrame *f, int64_t frame_no)
{
    uint32_t n = (uint32_t)(frame_no & 0xfffff), bits = n | rk_testsrc_strip_check(n) << 20;
    int band = (f->height / 24) & ~1;
    if (band < 2)
        band = 2;
    for (int i = 0; i < RK_TESTSRC_STRIP_BLOCKS; i++) {
        int x0 = (f->width * i / RK_TESTSRC_STRIP_BLOCKS) & ~1, x1 = (f->width * (i + 1) / RK_TESTSRC_STRIP_BLOCKS) & ~1;
        uint8_t luma = (bits >> i & 1) ? 235 : 16;
        fill_rect(f, x0, f->height - band, x1 - x0, band, luma, 128, 128);
    }
}

unsigned rk_testsrc_strip_check(uint32_t n)
{
    unsigned sum = 0;
    for (int i = 0; i < 5; i++)
        sum += n >> (4 * i) & 15;
    return sum & 15;
}

static int alloc_video(rk_testsrc *t, int w, int h)
{
    t->video->width = w;
    t->video->height = h;
    t->video->format = AV_PIX_FMT_YUV420P;
    return av_frame_get_buffer(t->video, 0) < 0 ? RTMPKIT_ENOMEM : 0;
}

static int alloc_audio(rk_testsrc *t, int rate, int channels)
{
    t->audio->format = AV_SAMPLE_FMT_FLTP;
    t->audio->sample_rate = rate;
    t->audio->nb_samples = SAMPLES_PER_FRAME;
    av_channel_layout_default(&t->audio->ch_layout, channels);
    return av_frame_get_buffer(t->audio, 0) < 0 ? RTMPKIT_ENOMEM : 0;
}

int rk_testsrc_open(rk_testsrc **out, const struct rk_testsrc_config *cfg)
{
    rk_testsrc *t = calloc(1, sizeof *t);
    int w = (cfg->width > 0 ? cfg->width : 1280) & ~1;
    int h = (cfg->height > 0 ? cfg->height : 720) & ~1;
    int ret = RTMPKIT_ENOMEM;

    *out = NULL;
    if (!t)
        goto fail;
    if (w < 16 || h < 16 || w > 8192 || h > 8192) {
        ret = RTMPKIT_EUSAGE;
        goto fail;
    }
    t->fps = cfg->fps > 0 ? cfg->fps : 30;
    if (!(t->video = av_frame_alloc()) || !(t->audio = av_frame_alloc()))
        goto fail;
    if ((ret = alloc_video(t, w, h)) < 0 ||
        (ret = alloc_audio(t, cfg->sample_rate > 0 ? cfg->sample_rate : 48000,
                           cfg->channels == 1 ? 1 : 2)) < 0)
        goto fail;
    *out = t;
    return 0;
fail:
    rk_testsrc_close(t);
    return ret;
}

int rk_testsrc_video(rk_testsrc *t, const AVFrame **frame)
{
    AVFrame *f = t->video;
    double seconds = (double)t->frames / t->fps;

    /* A consumer may still hold the previous picture: draw into a fresh one then. */
    if (av_frame_make_writable(f) < 0)
        return RTMPKIT_ENOMEM;
    draw_background(f);
    draw_box(f, seconds);
    draw_labels(f, t->frames);
    draw_strip(f, t->frames);
    f->pts = llrint(seconds * 1000.0);
    t->frames++;
    *frame = f;
    return 0;
}

int rk_testsrc_audio_stream(rk_testsrc *t, int n, const AVFrame **frame)
{
    AVFrame *f = t->audio;
    double step;

    if (n < 0 || n >= RK_TESTSRC_AUDIO_STREAMS)
        return RTMPKIT_EUSAGE;
    step = 2 * M_PI * TONE_HZ * (n + 1) / f->sample_rate;
    if (av_frame_make_writable(f) < 0)
        return RTMPKIT_ENOMEM;
    for (int i = 0; i < f->nb_samples; i++) {
        float s = (float)(TONE_AMPLITUDE * sin(t->phase[n]));
        for (int c = 0; c < f->ch_layout.nb_channels; c++)
            ((float *)f->data[c])[i] = s;
        t->phase[n] += step;
        if (t->phase[n] >= 2 * M_PI)
            t->phase[n] -= 2 * M_PI;
    }
    f->pts = av_rescale(t->samples[n], 1000, f->sample_rate);
    t->samples[n] += f->nb_samples;
    *frame = f;
    return 0;
}

int rk_testsrc_audio(rk_testsrc *t, const AVFrame **frame)
{
    return rk_testsrc_audio_stream(t, 0, frame);
}

void rk_testsrc_size(const rk_testsrc *t, int *width, int *height, double *fps)
{
    *width = t->video->width;
    *height = t->video->height;
    *fps = t->fps;
}

void rk_testsrc_close(rk_testsrc *t)
{
    if (!t)
        return;
    av_frame_free(&t->video);
    av_frame_free(&t->audio);
    free(t);
}
