/* The latency budget's samples and percentiles (see budget.h). */
#include "budget.h"

#include <stdlib.h>
#include <string.h>

void rk_series_reset(struct rk_series *s)
{
    s->n = 0;
}

void rk_series_add(struct rk_series *s, int v)
{
    if (s->n == RK_SERIES_MAX) {
        memmove(s->v, s->v + 1, (RK_SERIES_MAX - 1) * sizeof s->v[0]);
        s->n--;
    }
    s->v[s->n++] = v;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int rk_series_quantile(const struct rk_series *s, double q, int *out)
{
    int sorted[RK_SERIES_MAX], i;
    if (s->n <= 0)
        return 0;
    memcpy(sorted, s->v, (size_t)s->n * sizeof sorted[0]);
    qsort(sorted, (size_t)s->n, sizeof sorted[0], cmp_int);
    /* Nearest rank: the smallest value with at least q of the samples at or below it. */
    i = (int)(q * s->n + 0.999999) - 1;
    *out = sorted[i < 0 ? 0 : i >= s->n ? s->n - 1 : i];
    return 1;
}

void rk_budget_reset(struct rk_budget *b)
{
    for (int i = 0; i < RK_STAGES; i++)
        rk_series_reset(&b->s[i]);
}

void rk_budget_add_frame(struct rk_budget *b, const struct rk_frame_times *t)
{
    int64_t wait = (int64_t)t->due_ms - (int64_t)t->decoded_ms;
    rk_series_add(&b->s[RK_STAGE_ARRIVE_DECODE], (int)((int64_t)t->decoded_ms - (int64_t)t->arrival_ms));
    rk_series_add(&b->s[RK_STAGE_DECODE_SHOW], (int)((int64_t)t->shown_ms - (int64_t)t->decoded_ms));
    rk_series_add(&b->s[RK_STAGE_WAIT], (int)(wait > 0 ? wait : 0));
    rk_series_add(&b->s[RK_STAGE_LATE], (int)((int64_t)t->shown_ms - (int64_t)(wait > 0 ? t->due_ms : t->decoded_ms)));
    rk_series_add(&b->s[RK_STAGE_HELD], (int)t->held_ms);
    if (t->send_utc_ms >= 0) {
        /* The arrival on the wall clock: the shown time minus what the monotonic clock says
         * passed since the arrival. */
        int64_t arrival_utc = t->shown_utc_ms - ((int64_t)t->shown_ms - (int64_t)t->arrival_ms);
        rk_series_add(&b->s[RK_STAGE_SEND_ARRIVE], (int)(arrival_utc - t->send_utc_ms));
        rk_series_add(&b->s[RK_STAGE_LATENCY], (int)(t->shown_utc_ms - t->send_utc_ms));
    }
}
