/* SDL2 output: a window showing video frames with their aspect ratio kept, and an audio
 * device fed from a bounded queue of timestamped samples whose playback position is the
 * audio clock. The window functions belong to the thread that called rk_window_open (SDL
 * wants one thread for video); rk_audio_* are thread-safe. */
#ifndef RK_RENDER_H
#define RK_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <libavutil/frame.h>

typedef struct rk_window rk_window;

/* Initialises SDL video and makes the window and its renderer, hidden: the window appears
 * with the first frame (or rk_window_ensure). title is copied.
 * Returns 0, or a negative error with the reason in err. */
int rk_window_open(rk_window **out, const char *title, int fullscreen, char *err, size_t err_len);
void rk_window_close(rk_window *w);
/* Uploads and shows one frame (any pixel format: converted when SDL cannot take it). */
int rk_window_show(rk_window *w, const AVFrame *frame);
/* Wakes the window's thread from its wait for window events (an SDL user event): a picture
 * is ready. Safe from any thread once the window is open. */
void rk_window_wake(void);
/* Shows the window now (width x height, black) if no frame did yet: for a stream without
 * video, or to show a title while waiting. */
int rk_window_ensure(rk_window *w, int width, int height);
/* Draws the last frame again (after a resize or an expose), or black before the first. */
void rk_window_redraw(rk_window *w);
void rk_window_set_title(rk_window *w, const char *title);
void rk_window_toggle_fullscreen(rk_window *w);
/* The last frame shown: the window keeps it while the stream is away. */
int rk_window_has_frame(const rk_window *w);
/* draw(opaque, renderer) is called over every picture (and the black of a window without
 * one), just before it is presented: the stats overlay. NULL removes it. */
struct SDL_Renderer;
void rk_window_set_overlay(rk_window *w, void (*draw)(void *opaque, struct SDL_Renderer *r), void *opaque);

typedef struct rk_audio rk_audio;

/* Opens the default audio device (SDL_AUDIODRIVER chooses the driver) for signed 16-bit
 * samples; the rate and channels obtained are in *rate and *channels. max_queue_ms bounds
 * rk_audio_write; device_ms is the device buffer wanted (a power of two of samples at
 * most that long, 256 to 1024). Returns 0, or a negative error with the reason in err. */
int rk_audio_open(rk_audio **out, int volume, int max_queue_ms, int device_ms, int *rate, int *channels,
                  char *err, size_t err_len);
void rk_audio_close(rk_audio *a);
/* Queues n sample frames whose first one has time pts_ms. Returns 0, or RTMPKIT_EAGAIN
 * when the queue holds max_queue_ms already (nothing was queued). The samples are copied. */
int rk_audio_write(rk_audio *a, const int16_t *samples, int n, int64_t pts_ms);
/* The time of the sample being heard now. Returns 1 with *pts_ms, 0 before any sample was
 * played or when the output starved for a while (then the clock is not to be trusted). */
int rk_audio_clock(rk_audio *a, int64_t *pts_ms);
/* How long a sample written now waits before it is heard: the samples queued and the
 * device's buffer, in ms. */
int rk_audio_delay_ms(rk_audio *a);
/* The device's own buffer, in ms. */
int rk_audio_device_ms(rk_audio *a);
/* The time just after the last queued sample (-1 when nothing was ever queued). */
int64_t rk_audio_queued_end(rk_audio *a);
/* Drops queued samples older than pts_ms (catching up with the live edge). Returns the
 * number of milliseconds dropped. */
int rk_audio_drop_before(rk_audio *a, int64_t pts_ms);
/* Empties the queue (a new segment). */
void rk_audio_flush(rk_audio *a);
void rk_audio_set_volume(rk_audio *a, int volume);   /* 0..100 */
int rk_audio_volume(rk_audio *a);
void rk_audio_toggle_mute(rk_audio *a);
int rk_audio_muted(rk_audio *a);
/* Silence played since the first samples because the queue was empty (underruns), in ms. */
uint64_t rk_audio_silence_ms(rk_audio *a);

#endif
