/* The built-in test source ("testsrc"): colour bars with a moving box, a frame counter and
 * the wall clock in large digits, the frame number again as a strip of black and white
 * blocks along the bottom (for machines: see draw_strip in testsrc.c), and a continuous
 * 1 kHz tone at -20 dBFS (audio stream n of RK_TESTSRC_AUDIO_STREAMS has a tone of
 * n + 1 kHz, for multitrack tests). Generated here
 * (no libavfilter), as fast as it is asked for; it never ends. */
#ifndef RK_TESTSRC_H
#define RK_TESTSRC_H

#include <stdint.h>

#include <libavutil/frame.h>

#define RK_TESTSRC_STRIP_BLOCKS 24   /* 20 bits of frame number, 4 of check */

typedef struct rk_testsrc rk_testsrc;

struct rk_testsrc_config {
    int width, height;      /* 0: 1280x720; rounded down to even numbers */
    double fps;             /* 0: 30 */
    int sample_rate;        /* 0: 48000 */
    int channels;           /* 0: 2; 1 for mono */
};

int rk_testsrc_open(rk_testsrc **out, const struct rk_testsrc_config *cfg);
/* The next picture (yuv420p, pts in ms). Owned by the source and valid until the next
 * call; a consumer that keeps it takes its own reference. Returns 0 or an error. */
int rk_testsrc_video(rk_testsrc *t, const AVFrame **frame);
#define RK_TESTSRC_AUDIO_STREAMS 8

/* The next 1024 samples of stream 0 (float planar, pts in ms), under the same rules. */
int rk_testsrc_audio(rk_testsrc *t, const AVFrame **frame);
/* The same for audio stream n (0..RK_TESTSRC_AUDIO_STREAMS - 1), each with its own clock. */
int rk_testsrc_audio_stream(rk_testsrc *t, int n, const AVFrame **frame);
void rk_testsrc_size(const rk_testsrc *t, int *width, int *height, double *fps);
void rk_testsrc_close(rk_testsrc *t);

/* Exposed for tests: draws text (digits, ':', '.', ' ') with its top-left corner at (x, y)
 * in white on a black box, each font pixel scale x scale luma pixels. */
void rk_testsrc_draw_text(AVFrame *f, int x, int y, int scale, const char *text);

/* The strip's check of a 20-bit frame number: the sum of its 4-bit digits modulo 16. */
unsigned rk_testsrc_strip_check(uint32_t n);

#endif
