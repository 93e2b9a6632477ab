/* The player's two kinds of bounded queue, shared between threads: tag bodies waiting for
 * a decoder (a count and a byte cap), and decoded pictures waiting for their time. Each
 * queue has its own lock; every wait is short and gives up when the player quits. */
#ifndef RK_PLAY_QUEUE_H
#define RK_PLAY_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <libavutil/frame.h>

#define PACKET_QUEUE_MAX   2048               /* tags waiting for a decoder */
#define PACKET_QUEUE_BYTES (64 * 1024 * 1024)
#define FRAME_QUEUE_MAX    8                  /* decoded pictures waiting for their time */

struct packet {
    int64_t ts;         /* unwrapped, monotonic across publisher restarts */
    uint64_t arrival_ms;   /* monotonic time its bytes arrived */
    uint8_t *data;      /* owned */
    size_t len;
};

struct packet_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct packet items[PACKET_QUEUE_MAX];
    size_t head, count, bytes;
    int eos;            /* no more packets will come */
};

/* A decoded picture and the times of its way so far (monotonic ms). */
struct queued_frame {
    AVFrame *f;
    uint64_t arrival_ms, decoded_ms;
};

struct frame_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct queued_frame items[FRAME_QUEUE_MAX];
    size_t head, count;
    size_t max;         /* 1..FRAME_QUEUE_MAX (rk_fq_init: FRAME_QUEUE_MAX) */
    int eos;
};

void rk_pq_init(struct packet_queue *q);
/* Frees the packets still queued. */
void rk_pq_destroy(struct packet_queue *q);
/* Takes ownership of p->data when it returns 0. Blocks while full when block is set (until
 * quit), else returns RTMPKIT_EAGAIN when full. */
int rk_pq_push(struct packet_queue *q, struct packet *p, int block, atomic_int *quit);
/* No more packets will come: a waiting rk_pq_pop returns -1 once the queue is empty. */
void rk_pq_set_eos(struct packet_queue *q);
/* Returns 1 with *p (the caller owns p->data), 0 after timeout_ms, -1 at the end. */
int rk_pq_pop(struct packet_queue *q, struct packet *p, int timeout_ms);

/* A queue of at most max pictures (1..FRAME_QUEUE_MAX). */
void rk_fq_init(struct frame_queue *q, size_t max);
/* Frees the frames still queued. */
void rk_fq_destroy(struct frame_queue *q);
/* Takes ownership of qf->f; waits while the queue is full (until quit, then it is freed). */
void rk_fq_push(struct frame_queue *q, const struct queued_frame *qf, atomic_int *quit);
/* The pts of the i-th queued frame, or INT64_MIN when there is none. */
int64_t rk_fq_pts(struct frame_queue *q, size_t i);
/* Takes the oldest frame into *qf (the caller owns qf->f). Returns 1, or 0 when the queue
 * is empty. */
int rk_fq_pop(struct frame_queue *q, struct queued_frame *qf);
/* No more frames will come. */
void rk_fq_set_eos(struct frame_queue *q);
/* 1 when no more frames will come and none is left. */
int rk_fq_finished(struct frame_queue *q);

#endif
