/* The merging end of the FFmpeg pipeline: each track's FLV tags wait in a queue of their
 * own; the next tag out is the one with the smallest DTS across the tracks, rebased so
 * the first is at 0 and never going back. While one track has nothing queued the input
 * is read on, but only as far as the other's look-ahead allows. */
#include "ffmpeg_pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"

/* Look-ahead: while one stream has nothing queued we read on, but stop once the other
 * stream's queue spans this much (a sparse or dead stream must not make us buffer the
 * whole file); its late tags are then clamped to the output clock. */
#define LOOKAHEAD_MS_FILE  10000
#define LOOKAHEAD_MS_LIVE  1000
#define LOOKAHEAD_BYTES    (64u << 20)

/* ---- queues ---- */

static void queue_push(struct queue *q, struct qtag *t)
{
    t->next = NULL;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    q->count++;
    q->bytes += t->size;
}

static struct qtag *queue_pop(struct queue *q)
{
    struct qtag *t = q->head;
    if (!t)
        return NULL;
    q->head = t->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= t->size;
    return t;
}

void rk_ff_queue_free(struct queue *q)
{
    struct qtag *t;
    while ((t = queue_pop(q)))
        free(t);
}

static int queue_span_over(const struct queue *q, int64_t max_ms)
{
    return q->head && (q->tail->dts - q->head->dts > max_ms || q->bytes > LOOKAHEAD_BYTES);
}

/* Queues a copy of body as a tag. */
int rk_ff_enqueue(struct queue *q, uint8_t type, int64_t dts, uint32_t flags, const rtmpkit_buf *body)
{
    struct qtag *t;

    if (body->err)
        return body->err == RTMPKIT_ELIMIT ? RTMPKIT_EINPUT : body->err;
    if (!(t = malloc(sizeof *t + body->len)))
        return RTMPKIT_ENOMEM;
    t->dts = dts;
    t->flags = flags;
    t->type = type;
    t->size = body->len;
    memcpy(t->data, body->data, body->len);
    queue_push(q, t);
    return 0;
}

/* ---- merging ---- */

/* The track to read for next, or NULL when every track has a tag ready, has ended, or
 * waits on a stream whose look-ahead is full. */
static struct track *track_to_fill(rk_ffmpeg_source *s)
{
    int64_t bound = s->live ? LOOKAHEAD_MS_LIVE : LOOKAHEAD_MS_FILE;
    for (int i = 0; i < NTRACKS; i++) {
        struct track *t = &s->tr[i];
        int waits = 0;
        if (!t->present || t->eof || t->q.head)
            continue;
        for (int j = 0; j < NTRACKS && !waits; j++)
            waits = j != i && s->tr[j].present && queue_span_over(&s->tr[j].q, bound);
        if (!waits)
            return t;
    }
    return NULL;
}

int rk_ff_fill_queues(rk_ffmpeg_source *s)
{
    struct track *t;
    int ret;
    while ((t = track_to_fill(s)))
        if ((ret = rk_ff_fill_step(s, t)) < 0)
            return ret;
    return 0;
}

/* The queued tag with the smallest dts (audio first on ties), or NULL at the end. */
static struct track *pick_track(rk_ffmpeg_source *s)
{
    struct track *best = NULL;
    for (int i = NTRACKS - 1; i >= 0; i--) {
        struct track *t = &s->tr[i];
        if (t->present && t->q.head && (!best || t->q.head->dts < best->q.head->dts))
            best = t;
    }
    return best;
}

/* Rebases to the first media tag and keeps the output clock from going back. */
static void rebase(rk_ffmpeg_source *s, struct qtag *q)
{
    int64_t dts;
    if (!s->have_base) {
        s->base = q->dts;
        s->have_base = 1;
    }
    dts = q->dts - s->base;
    if (dts < s->last_out)
        dts = s->last_out;
    s->last_out = dts;
    q->dts = dts;
}

static void set_tag(rk_ffmpeg_source *s, struct qtag *q, rk_tag *tag)
{
    free(s->cur);
    s->cur = q;
    tag->type = q->type;
    tag->dts_ms = q->dts;
    tag->flags = q->flags;
    tag->data = q->data;
    tag->size = q->size;
}

int rk_ff_next_tag(rk_ffmpeg_source *s, rk_tag *tag)
{
    struct track *t;
    struct qtag *q;
    int ret;

    if ((q = queue_pop(&s->head))) {
        set_tag(s, q, tag);
        return 1;
    }
    if ((ret = rk_ff_fill_queues(s)) < 0)
        return ret;
    if (!(t = pick_track(s)))
        return 0;
    q = queue_pop(&t->q);
    rebase(s, q);
    set_tag(s, q, tag);
    return 1;
}
