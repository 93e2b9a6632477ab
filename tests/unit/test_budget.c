/* The player's latency budget (codecs/play/budget.c): nearest-rank median and 95th
 * percentile, the series keeping its newest samples past its cap, and the stages of one
 * picture adding up to its glass-to-glass latency. */
#include "budget.h"
#include "check.h"
#include "queue.h"

static void test_quantiles(void)
{
    struct rk_series s;
    int v = -7;
    rk_series_reset(&s);
    CHECK_INT(rk_series_quantile(&s, 0.5, &v), 0);
    CHECK_INT(v, -7);
    /* 1..100 in a scrambled order. */
    for (int i = 0; i < 100; i++)
        rk_series_add(&s, (i * 37) % 100 + 1);
    CHECK_INT(rk_series_quantile(&s, 0.5, &v), 1);
    CHECK_INT(v, 50);
    rk_series_quantile(&s, 0.95, &v);
    CHECK_INT(v, 95);
    rk_series_quantile(&s, 1.0, &v);
    CHECK_INT(v, 100);
    rk_series_quantile(&s, 0.0, &v);
    CHECK_INT(v, 1);
    rk_series_reset(&s);
    rk_series_add(&s, 42);
    rk_series_quantile(&s, 0.95, &v);
    CHECK_INT(v, 42);
}

static void test_cap(void)
{
    struct rk_series s;
    int v;
    rk_series_reset(&s);
    /* 0 x RK_SERIES_MAX, then 1000 x RK_SERIES_MAX: only the newest are kept. */
    for (int i = 0; i < 2 * RK_SERIES_MAX; i++)
        rk_series_add(&s, i < RK_SERIES_MAX ? 0 : 1000);
    CHECK_INT(s.n, RK_SERIES_MAX);
    rk_series_quantile(&s, 0.0, &v);
    CHECK_INT(v, 1000);
}

static void test_frame_stages(void)
{
    struct rk_budget b;
    struct rk_frame_times t = { .arrival_ms = 1000, .decoded_ms = 1012, .due_ms = 1040, .shown_ms = 1045,
                                .send_utc_ms = 500000, .shown_utc_ms = 500070, .held_ms = 55 };
    int v, sum = 0;
    rk_budget_reset(&b);
    rk_budget_add_frame(&b, &t);
    rk_series_quantile(&b.s[RK_STAGE_ARRIVE_DECODE], 0.5, &v);
    CHECK_INT(v, 12);
    sum += v;
    rk_series_quantile(&b.s[RK_STAGE_DECODE_SHOW], 0.5, &v);
    CHECK_INT(v, 33);
    sum += v;
    rk_series_quantile(&b.s[RK_STAGE_WAIT], 0.5, &v);
    CHECK_INT(v, 28);
    rk_series_quantile(&b.s[RK_STAGE_LATE], 0.5, &v);
    CHECK_INT(v, 5);
    rk_series_quantile(&b.s[RK_STAGE_HELD], 0.5, &v);
    CHECK_INT(v, 55);
    /* Arrival on the wall clock: 500070 - 45 = 500025, 25 ms after the send. */
    rk_series_quantile(&b.s[RK_STAGE_SEND_ARRIVE], 0.5, &v);
    CHECK_INT(v, 25);
    sum += v;
    rk_series_quantile(&b.s[RK_STAGE_LATENCY], 0.5, &v);
    CHECK_INT(v, 70);
    CHECK_INT(sum, v);
    /* A picture decoded after it was due: no wait, late from its decoding. */
    t.due_ms = 1005;
    rk_budget_reset(&b);
    rk_budget_add_frame(&b, &t);
    rk_series_quantile(&b.s[RK_STAGE_WAIT], 0.5, &v);
    CHECK_INT(v, 0);
    rk_series_quantile(&b.s[RK_STAGE_LATE], 0.5, &v);
    CHECK_INT(v, 33);
    /* Without timecodes: no send -> arrival, no latency. */
    t.send_utc_ms = -1;
    rk_budget_reset(&b);
    rk_budget_add_frame(&b, &t);
    CHECK_INT(rk_series_quantile(&b.s[RK_STAGE_LATENCY], 0.5, &v), 0);
    CHECK_INT(rk_series_quantile(&b.s[RK_STAGE_SEND_ARRIVE], 0.5, &v), 0);
}

/* The picture queue keeps each picture's times and holds at most its own limit. */
static void test_frame_queue_limit(void)
{
    struct frame_queue q;
    struct queued_frame in = { 0 }, out;
    atomic_int quit = 1;   /* a full queue frees instead of waiting */
    rk_fq_init(&q, 2);
    for (int i = 0; i < 3; i++) {
        in.f = av_frame_alloc();
        in.f->pts = i;
        in.arrival_ms = 100 + (uint64_t)i;
        in.decoded_ms = 200 + (uint64_t)i;
        rk_fq_push(&q, &in, &quit);
    }
    CHECK_INT(rk_fq_pts(&q, 1), 1);
    CHECK_INT(rk_fq_pts(&q, 2), INT64_MIN);
    CHECK_INT(rk_fq_pop(&q, &out), 1);
    CHECK_INT(out.arrival_ms, 100);
    CHECK_INT(out.decoded_ms, 200);
    av_frame_free(&out.f);
    rk_fq_destroy(&q);
}

int main(void)
{
    test_quantiles();
    test_cap();
    test_frame_stages();
    test_frame_queue_limit();
    return check_report("budget");
}
