/* The stats overlay: a translucent panel in the window's top left corner with two lines
 * of text (the video's codec, size and frame rate; the audio's codec; each with the track
 * played when the stream has several) and four graphs of the last RK_HISTORY_LEN
 * seconds, each under a line with its current value. The samples
 * are kept in rings (history.c); the text is set into textures only when it changes (once
 * a second), so that drawing over every picture costs a few copies and lines. */
#include "overlay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "history.h"
#include "player_internal.h"
#include "rtmpkit/clock.h"
#include "rtmpkit/log.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define FONT_ENV     "RTMP_PLAY_FONT"
/* Sizes at a window 480 pixels high; they follow the window's height within limits. */
#define BASE_HEIGHT  480.0
#define MIN_SCALE    0.75
#define MAX_SCALE    2.5
#define FONT_PT      13
#define MARGIN       8      /* from the window's edges */
#define PAD          6      /* inside the panel */
#define GRAPH_STEP   5      /* pixels per second of graph */
#define GRAPH_HEIGHT 30
#define PANEL_ALPHA  190

enum { LINE_VIDEO, LINE_AUDIO, N_HEADER };
enum { G_BITRATE, G_BUFFER, G_LATENCY, G_DROPPED, N_GRAPHS };
#define N_LINES (N_HEADER + N_GRAPHS)

/* Per graph: its colour, and the least top of its scale (a quiet graph stays flat, not
 * magnified noise). */
static const struct {
    Uint8 r, g, b;
    double min_top;
} graph_style[N_GRAPHS] = {
    [G_BITRATE] = { 80, 220, 100, 100 },    /* kb/s */
    [G_BUFFER] = { 80, 200, 255, 100 },     /* ms */
    [G_LATENCY] = { 255, 210, 60, 100 },    /* ms */
    [G_DROPPED] = { 255, 80, 80, 1 },       /* frames per second */
};

struct text_line {
    char text[128];
    char drawn[128];          /* what tex shows */
    int drawn_pt;
    SDL_Texture *tex;
    int w, h;
};

struct rk_overlay {
    rtmpkit_log *log;
    rk_window *win;
    int shown;
    int font_tried;           /* the font is opened once, when first shown */
    int ttf_ready;
    TTF_Font *font;
    int pt;
    struct rk_history graphs[N_GRAPHS];
    struct text_line lines[N_LINES];
    uint64_t last_ms;         /* the previous sample's time and counters */
    uint64_t last_bytes, last_dropped;
};

/* Opens the font (once; a failure is warned about once and leaves the graphs alone). */
static void open_font(struct rk_overlay *o, int pt)
{
    const char *path = getenv(FONT_ENV);
    if (!path || !*path)
        path = DEFAULT_FONT;
    o->font_tried = 1;
    if (TTF_Init() != 0) {
        rtmpkit_logf(o->log, RTMPKIT_LOG_WARN, "stats overlay without text: %s", TTF_GetError());
        return;
    }
    o->ttf_ready = 1;
    if (!(o->font = TTF_OpenFont(path, pt))) {
        rtmpkit_logf(o->log, RTMPKIT_LOG_WARN, "stats overlay without text: cannot open the font %s: %s",
                     path, TTF_GetError());
        return;
    }
    o->pt = pt;
}

static void set_font_size(struct rk_overlay *o, int pt)
{
    if (!o->font_tried)
        open_font(o, pt);
    if (o->font && pt != o->pt && TTF_SetFontSize(o->font, pt) == 0)
        o->pt = pt;
}

/* The line's texture, set again when its text or the font size changed. */
static SDL_Texture *line_texture(struct rk_overlay *o, SDL_Renderer *r, struct text_line *l)
{
    static const SDL_Color white = { 255, 255, 255, 255 };
    SDL_Surface *s;
    if (!o->font || !l->text[0])
        return NULL;
    if (l->tex && l->drawn_pt == o->pt && strcmp(l->drawn, l->text) == 0)
        return l->tex;
    if (l->tex)
        SDL_DestroyTexture(l->tex);
    l->tex = NULL;
    if (!(s = TTF_RenderUTF8_Blended(o->font, l->text, white)))
        return NULL;
    l->tex = SDL_CreateTextureFromSurface(r, s);
    l->w = s->w;
    l->h = s->h;
    SDL_FreeSurface(s);
    snprintf(l->drawn, sizeof l->drawn, "%s", l->text);
    l->drawn_pt = o->pt;
    return l->tex;
}

/* Draws line i at (x, y) if there is text; returns its width. */
static int draw_line(struct rk_overlay *o, SDL_Renderer *r, int i, int x, int y)
{
    SDL_Texture *tex = line_texture(o, r, &o->lines[i]);
    SDL_Rect dst = { x, y, o->lines[i].w, o->lines[i].h };
    if (!tex)
        return 0;
    SDL_RenderCopy(r, tex, NULL, &dst);
    return dst.w;
}

/* The y of value in a box of height h whose top is top (0 at the bottom). */
static int graph_y(const SDL_Rect *box, double value, double top)
{
    double f = value / top;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return box->y + box->h - 1 - (int)lround(f * (box->h - 1));
}

/* One graph in box: the newest sample at the right; bars for dropped frames, a line
 * (broken where the value is unknown) for the others. */
static void draw_graph(SDL_Renderer *r, const struct rk_history *h, int g, const SDL_Rect *box, int step)
{
    double top = rk_history_max(h) * 1.15;
    int first_x = box->x + (RK_HISTORY_LEN - h->count) * step, px = 0, py = 0, have_prev = 0;
    if (top < graph_style[g].min_top)
        top = graph_style[g].min_top;
    SDL_SetRenderDrawColor(r, 255, 255, 255, 40);
    SDL_RenderFillRect(r, box);
    SDL_SetRenderDrawColor(r, graph_style[g].r, graph_style[g].g, graph_style[g].b, 255);
    for (int i = 0; i < h->count; i++) {
        double v = rk_history_get(h, i);
        int x = first_x + i * step + step / 2, y;
        if (isnan(v)) {
            have_prev = 0;
            continue;
        }
        y = graph_y(box, v, top);
        if (g == G_DROPPED) {
            SDL_Rect bar = { first_x + i * step, y, step > 1 ? step - 1 : 1, box->y + box->h - y };
            if (v > 0)
                SDL_RenderFillRect(r, &bar);
            continue;
        }
        if (have_prev) {
            SDL_RenderDrawLine(r, px, py, x, y);
            SDL_RenderDrawLine(r, px, py - 1, x, y - 1);   /* two pixels thick */
        } else {
            SDL_Rect dot = { x - 1, y - 1, 2, 2 };
            SDL_RenderFillRect(r, &dot);
        }
        px = x;
        py = y;
        have_prev = 1;
    }
}

/* The panel's width: the widest text line or the graphs. */
static int panel_width(struct rk_overlay *o, SDL_Renderer *r, int graph_w)
{
    int w = graph_w;
    for (int i = 0; i < N_LINES; i++)
        if (line_texture(o, r, &o->lines[i]) && o->lines[i].w > w)
            w = o->lines[i].w;
    return w;
}

/* The window's hook (render.c): called over each picture, before it is presented. */
static void draw(void *opaque, SDL_Renderer *r)
{
    struct rk_overlay *o = opaque;
    int out_w, out_h, m, pad, step, gh, lh, gap, x, y;
    double s;
    SDL_BlendMode old;
    SDL_Rect panel;
    if (!o->shown || SDL_GetRendererOutputSize(r, &out_w, &out_h) != 0)
        return;
    s = out_h / BASE_HEIGHT;
    s = s < MIN_SCALE ? MIN_SCALE : s > MAX_SCALE ? MAX_SCALE : s;
    set_font_size(o, (int)lround(FONT_PT * s));
    m = (int)lround(MARGIN * s);
    pad = (int)lround(PAD * s);
    step = (int)lround(GRAPH_STEP * s);
    gh = (int)lround(GRAPH_HEIGHT * s);
    gap = pad;
    lh = o->font ? TTF_FontLineSkip(o->font) : 0;
    panel.x = m;
    panel.y = m;
    panel.w = panel_width(o, r, RK_HISTORY_LEN * step) + 2 * pad;
    step = (panel.w - 2 * pad) / RK_HISTORY_LEN;   /* the graphs as wide as the text */
    panel.h = 2 * pad + N_HEADER * lh + N_GRAPHS * (lh + gh) + (N_GRAPHS - 1) * gap + (lh ? gap : 0);
    SDL_GetRenderDrawBlendMode(r, &old);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, 0, 0, 0, PANEL_ALPHA);
    SDL_RenderFillRect(r, &panel);
    x = panel.x + pad;
    y = panel.y + pad;
    for (int i = 0; i < N_HEADER; i++, y += lh)
        draw_line(o, r, i, x, y);
    if (lh)
        y += gap;
    for (int g = 0; g < N_GRAPHS; g++) {
        SDL_Rect box = { x, y + lh, RK_HISTORY_LEN * step, gh };
        draw_line(o, r, N_HEADER + g, x, y);
        draw_graph(r, &o->graphs[g], g, &box, step);
        y += lh + gh + gap;
    }
    SDL_SetRenderDrawBlendMode(r, old);
}

/* "-" for an unknown value, else the value with no decimals. */
static const char *num(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.0f", v);
    return buf;
}

/* The text of every line from the newest samples. */
static void set_text(struct rk_overlay *o, struct rk_player *pl, double fps)
{
    char vdesc[96], adesc[96], a[32], b[32], vtrack[32] = "", atrack[32] = "";
    struct text_line *l = o->lines;
    int n_video = rk_player_video_track_count(pl), n_audio = rk_player_audio_track_count(pl);
    pthread_mutex_lock(&pl->info_lock);
    snprintf(vdesc, sizeof vdesc, "%s", pl->video_desc);
    snprintf(adesc, sizeof adesc, "%s", pl->audio_desc);
    pthread_mutex_unlock(&pl->info_lock);
    /* The tracks played, when the stream has several. */
    if (n_video > 1)
        snprintf(vtrack, sizeof vtrack, "  track %d of %d", pl->video_track, n_video);
    if (n_audio > 1)
        snprintf(atrack, sizeof atrack, "  track %d of %d", atomic_load(&pl->audio_track), n_audio);
    if (vdesc[0])
        snprintf(l[LINE_VIDEO].text, sizeof l->text, "video   %s  %.1f fps%s", vdesc, fps, vtrack);
    else
        snprintf(l[LINE_VIDEO].text, sizeof l->text, "video   -%s", vtrack);
    snprintf(l[LINE_AUDIO].text, sizeof l->text, "audio   %s%s", adesc[0] ? adesc : "-", atrack);
    snprintf(l[N_HEADER + G_BITRATE].text, sizeof l->text, "bitrate %s kb/s  (max %s)",
             num(a, sizeof a, rk_history_last(&o->graphs[G_BITRATE])),
             num(b, sizeof b, rk_history_max(&o->graphs[G_BITRATE])));
    snprintf(l[N_HEADER + G_BUFFER].text, sizeof l->text, "buffer  %s ms  (target %d)",
             num(a, sizeof a, rk_history_last(&o->graphs[G_BUFFER])), pl->opts.latency_ms);
    if (isnan(rk_history_last(&o->graphs[G_LATENCY])))
        snprintf(l[N_HEADER + G_LATENCY].text, sizeof l->text, "latency - (no timecode)");
    else
        snprintf(l[N_HEADER + G_LATENCY].text, sizeof l->text, "latency %s ms glass to glass",
                 num(a, sizeof a, rk_history_last(&o->graphs[G_LATENCY])));
    snprintf(l[N_HEADER + G_DROPPED].text, sizeof l->text, "dropped %s/s  (%llu frames, %llu packets)",
             num(a, sizeof a, rk_history_last(&o->graphs[G_DROPPED])),
             (unsigned long long)atomic_load(&pl->frames_dropped),
             (unsigned long long)atomic_load(&pl->packets_dropped));
}

void rk_overlay_open(struct rk_player *pl, struct view *v)
{
    struct rk_overlay *o = calloc(1, sizeof *o);
    if (!o)
        return;
    o->log = pl->log;
    o->win = v->win;
    for (int g = 0; g < N_GRAPHS; g++)
        rk_history_init(&o->graphs[g]);
    o->last_ms = rtmpkit_monotonic_ms();
    o->last_bytes = atomic_load(&pl->bytes_received);
    o->last_dropped = atomic_load(&pl->frames_dropped);
    set_text(o, pl, 0);
    v->overlay = o;
    rk_window_set_overlay(v->win, draw, o);
}

void rk_overlay_sample(struct rk_player *pl, struct view *v, double fps)
{
    struct rk_overlay *o = v->overlay;
    uint64_t t = rtmpkit_monotonic_ms(), bytes, dropped;
    int64_t edge;
    if (!o)
        return;
    bytes = atomic_load(&pl->bytes_received);
    dropped = atomic_load(&pl->frames_dropped);
    edge = atomic_load(&pl->edge_ts);
    /* Bits per millisecond are kilobits per second. */
    rk_history_push(&o->graphs[G_BITRATE], t > o->last_ms ? (double)(bytes - o->last_bytes) * 8 / (double)(t - o->last_ms) : NAN);
    /* As in the stats line: how far the clock is behind the newest media received. */
    rk_history_push(&o->graphs[G_BUFFER], v->last_clock ? (double)(edge - v->last_clock) : NAN);
    rk_history_push(&o->graphs[G_LATENCY], v->last_latency_ms >= 0 ? (double)v->last_latency_ms : NAN);
    rk_history_push(&o->graphs[G_DROPPED], (double)(dropped - o->last_dropped));
    o->last_ms = t;
    o->last_bytes = bytes;
    o->last_dropped = dropped;
    set_text(o, pl, fps);
    /* A still picture (or none: waiting) is not redrawn by new frames: do it here. */
    if (o->shown)
        rk_window_redraw(v->win);
}

void rk_overlay_toggle(struct view *v)
{
    if (!v->overlay)
        return;
    v->overlay->shown = !v->overlay->shown;
    rk_window_redraw(v->win);
}

void rk_overlay_close(struct view *v)
{
    struct rk_overlay *o = v->overlay;
    if (!o)
        return;
    rk_window_set_overlay(o->win, NULL, NULL);
    for (int i = 0; i < N_LINES; i++)
        if (o->lines[i].tex)
            SDL_DestroyTexture(o->lines[i].tex);
    if (o->font)
        TTF_CloseFont(o->font);
    if (o->ttf_ready)
        TTF_Quit();
    free(o);
    v->overlay = NULL;
}
