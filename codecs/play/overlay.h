/* The stats overlay of rtmp-play's window (key i, like mpv's stats page): the codecs,
 * the picture size and frame rate, and graphs of the last 30 s of bitrate, buffer depth,
 * glass-to-glass latency (when the publisher sends onFI timecodes) and dropped frames,
 * drawn over the picture. Text is set with SDL2_ttf in DejaVu Sans Mono (RTMP_PLAY_FONT
 * names another font); without a font the graphs are drawn alone, after one warning.
 *
 * Everything here runs on the window's thread (struct view's owner). The samples are
 * taken once a second whether the overlay is shown or not, so that i shows a full graph. */
#ifndef RK_OVERLAY_H
#define RK_OVERLAY_H

struct rk_player;
struct view;

/* Prepares v->overlay (hidden) and hooks its drawing into v->win. Without memory the
 * player simply has no overlay. */
void rk_overlay_open(struct rk_player *pl, struct view *v);
/* The end of a stats interval: one sample of each graph (fps: frames shown per second). */
void rk_overlay_sample(struct rk_player *pl, struct view *v, double fps);
/* Shows or hides the overlay (key i) and redraws the window at once. */
void rk_overlay_toggle(struct view *v);
/* Frees v->overlay; call before the window closes (its textures are the renderer's). */
void rk_overlay_close(struct view *v);

#endif
