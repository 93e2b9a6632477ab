/* A fixed ring of the last RK_HISTORY_LEN per-second samples of one quantity (bitrate,
 * buffer depth...), for the stats overlay's graphs. A sample may be unknown (NAN: no
 * timecode, no clock yet), drawn as a gap. Plain C, no SDL: unit-tested on its own. */
#ifndef RK_HISTORY_H
#define RK_HISTORY_H

#define RK_HISTORY_LEN 30   /* seconds of graph */

struct rk_history {
    double v[RK_HISTORY_LEN];
    int next;               /* where the next sample goes */
    int count;              /* samples held, <= RK_HISTORY_LEN */
};

void rk_history_init(struct rk_history *h);
/* Adds a sample (NAN: unknown); the oldest one goes when the ring is full. */
void rk_history_push(struct rk_history *h, double value);
/* The i-th sample held, 0 the oldest, count - 1 the newest; NAN outside 0..count-1. */
double rk_history_get(const struct rk_history *h, int i);
/* The newest sample (NAN when none). */
double rk_history_last(const struct rk_history *h);
/* The largest known sample (0 when none is known): the graph's scale. */
double rk_history_max(const struct rk_history *h);

#endif
