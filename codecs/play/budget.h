/* The player's latency budget: for each frame shown, how long each stage of its way took
 * (the publisher's send to the arrival of its bytes, arrival to decoded, decoded to shown,
 * and within that the wait for its due time), collected over one stats interval, with the
 * median and 95th percentile of each. Plain data, no locks: one owner at a time. */
#ifndef RK_PLAY_BUDGET_H
#define RK_PLAY_BUDGET_H

#include <stdint.h>

#define RK_SERIES_MAX 512        /* samples per interval: more are counted, not kept */

/* The samples of one stage over one interval (ms). */
struct rk_series {
    int n;                       /* samples kept (at most RK_SERIES_MAX) */
    int v[RK_SERIES_MAX];
};

enum rk_stage {
    RK_STAGE_SEND_ARRIVE,        /* publisher's timecode clock -> bytes arrived (timecodes only) */
    RK_STAGE_ARRIVE_DECODE,      /* bytes arrived -> picture decoded */
    RK_STAGE_DECODE_SHOW,        /* picture decoded -> shown (its wait and the present) */
    RK_STAGE_WAIT,               /* picture decoded -> due by the clock (0 when it came late) */
    RK_STAGE_LATE,               /* due -> shown */
    RK_STAGE_HELD,               /* the live edge minus the picture's time when shown (media ms) */
    RK_STAGE_LATENCY,            /* glass to glass: publisher's clock -> shown (timecodes only) */
    RK_STAGE_AUDIO_DEVICE,       /* audio written -> heard: our queue plus the device buffer */
    RK_STAGES
};

struct rk_budget {
    struct rk_series s[RK_STAGES];
};

void rk_series_reset(struct rk_series *s);
/* Adds one sample; past RK_SERIES_MAX the oldest kept sample makes room. */
void rk_series_add(struct rk_series *s, int v);
/* The q-quantile (0..1, nearest rank) of the samples. Returns 1 with *out, 0 when empty. */
int rk_series_quantile(const struct rk_series *s, double q, int *out);

void rk_budget_reset(struct rk_budget *b);

/* One picture's times (monotonic ms; due_ms is when the clock reached its time) and, when
 * the publisher sends timecodes, its publisher-clock time and the wall clock when shown
 * (send_utc_ms < 0: unknown). held_ms is the live edge minus its time when shown. */
struct rk_frame_times {
    uint64_t arrival_ms, decoded_ms, due_ms, shown_ms;
    int64_t send_utc_ms, shown_utc_ms;
    int64_t held_ms;
};
/* Adds the stages of one picture shown to b. The per-frame stages add up exactly: send ->
 * arrival + arrival -> decoded + decoded -> shown = glass to glass. */
void rk_budget_add_frame(struct rk_budget *b, const struct rk_frame_times *t);

#endif
