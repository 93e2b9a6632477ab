/* The stats overlay's ring of per-second samples (codecs/play/history.c): order, wrap,
 * unknown samples, the scale. */
#include <math.h>

#include "check.h"
#include "history.h"

static void test_empty(void)
{
    struct rk_history h;
    rk_history_init(&h);
    CHECK_INT(h.count, 0);
    CHECK(isnan(rk_history_last(&h)));
    CHECK(isnan(rk_history_get(&h, 0)));
    CHECK(isnan(rk_history_get(&h, -1)));
    CHECK(rk_history_max(&h) == 0);
}

static void test_fill_and_order(void)
{
    struct rk_history h;
    rk_history_init(&h);
    for (int i = 1; i <= 5; i++)
        rk_history_push(&h, i * 10);
    CHECK_INT(h.count, 5);
    CHECK(rk_history_get(&h, 0) == 10);     /* the oldest first */
    CHECK(rk_history_get(&h, 4) == 50);
    CHECK(rk_history_last(&h) == 50);
    CHECK(isnan(rk_history_get(&h, 5)));    /* past the newest */
    CHECK(rk_history_max(&h) == 50);
}

/* Past RK_HISTORY_LEN samples the oldest go: the ring holds the last 30 in order. */
static void test_wrap(void)
{
    struct rk_history h;
    rk_history_init(&h);
    for (int i = 0; i < RK_HISTORY_LEN * 2 + 7; i++)
        rk_history_push(&h, i);
    CHECK_INT(h.count, RK_HISTORY_LEN);
    int first = RK_HISTORY_LEN + 7, ordered = 1;
    for (int i = 0; i < RK_HISTORY_LEN; i++)
        ordered &= rk_history_get(&h, i) == first + i;
    CHECK(ordered);
    CHECK(rk_history_last(&h) == RK_HISTORY_LEN * 2 + 6);
    CHECK(rk_history_max(&h) == RK_HISTORY_LEN * 2 + 6);
}

/* Unknown samples (no timecode yet) are kept as gaps and never set the scale. */
static void test_unknown(void)
{
    struct rk_history h;
    rk_history_init(&h);
    rk_history_push(&h, NAN);
    rk_history_push(&h, 120);
    rk_history_push(&h, NAN);
    CHECK_INT(h.count, 3);
    CHECK(isnan(rk_history_get(&h, 0)));
    CHECK(rk_history_get(&h, 1) == 120);
    CHECK(isnan(rk_history_last(&h)));
    CHECK(rk_history_max(&h) == 120);
    /* Negative values (a clock ahead of the edge) count as known, the scale stays >= 0. */
    rk_history_init(&h);
    rk_history_push(&h, -5);
    CHECK(rk_history_get(&h, 0) == -5);
    CHECK(rk_history_max(&h) == 0);
}

int main(void)
{
    test_empty();
    test_fill_and_order();
    test_wrap();
    test_unknown();
    return check_report("history");
}
