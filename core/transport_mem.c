/* A transport in memory, for tests: scripted peer bytes in, the client's bytes kept. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "rtmpkit/error.h"
#include "transport.h"

#define MEM_TRANSPORT_MAX (256u * 1024 * 1024)   /* bytes held each way */

static int mem_read(rk_transport *t, uint8_t *buf, size_t len)
{
    rk_mem_transport *m = (rk_mem_transport *)t;
    size_t left = m->in.len - m->in_pos, n = left < len ? left : len;
    if (m->closed)
        return RTMPKIT_ENETWORK;
    if (n == 0)
        return m->eof ? 0 : RTMPKIT_EAGAIN;
    memcpy(buf, m->in.data + m->in_pos, n);
    m->in_pos += n;
    if (m->in_pos == m->in.len) {
        rtmpkit_buf_reset(&m->in);
        m->in_pos = 0;
    }
    return (int)n;
}

static int mem_write(rk_transport *t, const uint8_t *buf, size_t len)
{
    rk_mem_transport *m = (rk_mem_transport *)t;
    if (m->closed || m->eof)
        return RTMPKIT_ENETWORK;
    if (m->write_blocked)
        return RTMPKIT_EAGAIN;
    if (len > INT32_MAX)
        len = INT32_MAX;
    rtmpkit_put_bytes(&m->out, buf, len);
    if (m->out.err)
        return RTMPKIT_ENETWORK;
    if (m->on_write)
        m->on_write(m, m->opaque);
    return (int)len;
}

static short mem_poll_events(rk_transport *t, int want_write)
{
    (void)t;
    return (short)(POLLIN | (want_write ? POLLOUT : 0));
}

/* Writing is ready unless the test blocked it; reading when there are bytes or the end.
 * Nothing changes while the only thread waits, so waiting without them is a
 * (cancellable) sleep. */
static int mem_wait(rk_transport *t, int want_write, int timeout_ms, const volatile sig_atomic_t *cancel)
{
    rk_mem_transport *m = (rk_mem_transport *)t;
    if (cancel && *cancel)
        return RTMPKIT_ECANCELLED;
    if ((want_write && !m->write_blocked) || m->in_pos < m->in.len || m->eof || m->closed)
        return POLLIN;
    return rk_wait_fd(-1, 0, timeout_ms, cancel);
}

static void mem_close(rk_transport *t)
{
    ((rk_mem_transport *)t)->closed = 1;
}

static const rk_transport_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .poll_events = mem_poll_events,
    .close = mem_close,
    .wait = mem_wait,
};

rk_mem_transport *rk_mem_transport_new(void)
{
    rk_mem_transport *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->base.ops = &mem_ops;
    m->base.fd = -1;
    rtmpkit_buf_init(&m->in, MEM_TRANSPORT_MAX);
    rtmpkit_buf_init(&m->out, MEM_TRANSPORT_MAX);
    return m;
}

void rk_mem_transport_free(rk_mem_transport *m)
{
    if (!m)
        return;
    rtmpkit_buf_free(&m->in);
    rtmpkit_buf_free(&m->out);
    free(m);
}
