#include "history.h"

#include <math.h>

void rk_history_init(struct rk_history *h)
{
    h->next = 0;
    h->count = 0;
    for (int i = 0; i < RK_HISTORY_LEN; i++)
        h->v[i] = NAN;
}

void rk_history_push(struct rk_history *h, double value)
{
    h->v[h->next] = value;
    h->next = (h->next + 1) % RK_HISTORY_LEN;
    if (h->count < RK_HISTORY_LEN)
        h->count++;
}

double rk_history_get(const struct rk_history *h, int i)
{
    if (i < 0 || i >= h->count)
        return NAN;
    return h->v[(h->next - h->count + i + RK_HISTORY_LEN) % RK_HISTORY_LEN];
}

double rk_history_last(const struct rk_history *h)
{
    return rk_history_get(h, h->count - 1);
}

double rk_history_max(const struct rk_history *h)
{
    double m = 0;
    for (int i = 0; i < h->count; i++) {
        double x = rk_history_get(h, i);
        if (!isnan(x) && x > m)
            m = x;
    }
    return m;
}
