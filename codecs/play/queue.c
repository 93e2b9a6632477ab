/* The player's bounded queues (see queue.h): packets from the network reader to a decoder
 * thread, pictures from the video decoder to the window thread. A full packet queue either
 * refuses (the reader drops, with a window) or waits (headless decodes every frame); a full
 * picture queue makes the decoder wait for the window. */
#include "queue.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtmpkit/error.h"

void rk_pq_init(struct packet_queue *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
}

void rk_pq_destroy(struct packet_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        free(q->items[(q->head + i) % PACKET_QUEUE_MAX].data);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/* Takes ownership of p->data when it returns 0. Blocks while full when block is set (until
 * quit), else returns RTMPKIT_EAGAIN when full. */
int rk_pq_push(struct packet_queue *q, struct packet *p, int block, atomic_int *quit)
{
    int err = 0;
    pthread_mutex_lock(&q->lock);
    while (q->count == PACKET_QUEUE_MAX || q->bytes + p->len > PACKET_QUEUE_BYTES) {
        if (!block || atomic_load(quit)) {
            err = RTMPKIT_EAGAIN;
            goto done;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    q->items[(q->head + q->count) % PACKET_QUEUE_MAX] = *p;
    q->count++;
    q->bytes += p->len;
    pthread_cond_broadcast(&q->cond);
done:
    pthread_mutex_unlock(&q->lock);
    return err;
}

void rk_pq_set_eos(struct packet_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->eos = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* Returns 1 with *p (the caller owns p->data), 0 after timeout_ms, -1 at the end. */
int rk_pq_pop(struct packet_queue *q, struct packet *p, int timeout_ms)
{
    int ret = 0;
    pthread_mutex_lock(&q->lock);
    if (q->count == 0 && !q->eos) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)timeout_ms * 1000000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    if (q->count > 0) {
        *p = q->items[q->head];
        q->head = (q->head + 1) % PACKET_QUEUE_MAX;
        q->count--;
        q->bytes -= p->len;
        pthread_cond_broadcast(&q->cond);
        ret = 1;
    } else if (q->eos) {
        ret = -1;
    }
    pthread_mutex_unlock(&q->lock);
    return ret;
}

void rk_fq_init(struct frame_queue *q, size_t max)
{
    memset(q, 0, sizeof *q);
    q->max = max < 1 ? 1 : max > FRAME_QUEUE_MAX ? FRAME_QUEUE_MAX : max;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
}

void rk_fq_destroy(struct frame_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        av_frame_free(&q->items[(q->head + i) % FRAME_QUEUE_MAX].f);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/* Takes ownership of qf->f; waits while the queue is full (until quit). */
void rk_fq_push(struct frame_queue *q, const struct queued_frame *qf, atomic_int *quit)
{
    pthread_mutex_lock(&q->lock);
    while (q->count >= q->max && !atomic_load(quit)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    if (q->count >= q->max) {
        AVFrame *f = qf->f;
        av_frame_free(&f);
    } else {
        q->items[(q->head + q->count) % FRAME_QUEUE_MAX] = *qf;
        q->count++;
    }
    pthread_mutex_unlock(&q->lock);
}

/* The pts of the i-th queued frame, or INT64_MIN when there is none. */
int64_t rk_fq_pts(struct frame_queue *q, size_t i)
{
    int64_t pts = INT64_MIN;
    pthread_mutex_lock(&q->lock);
    if (i < q->count)
        pts = q->items[(q->head + i) % FRAME_QUEUE_MAX].f->pts;
    pthread_mutex_unlock(&q->lock);
    return pts;
}

int rk_fq_pop(struct frame_queue *q, struct queued_frame *qf)
{
    int got = 0;
    pthread_mutex_lock(&q->lock);
    if (q->count > 0) {
        *qf = q->items[q->head];
        got = 1;
        q->head = (q->head + 1) % FRAME_QUEUE_MAX;
        q->count--;
        pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return got;
}

void rk_fq_set_eos(struct frame_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->eos = 1;
    pthread_mutex_unlock(&q->lock);
}

int rk_fq_finished(struct frame_queue *q)
{
    int done;
    pthread_mutex_lock(&q->lock);
    done = q->eos && q->count == 0;
    pthread_mutex_unlock(&q->lock);
    return done;
}
