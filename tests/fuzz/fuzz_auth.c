/* The server's connect _error description through the auth answer (core/auth.c), and
 * --conn items through the connect-argument encoder (core/connargs.c): no crash, no
 * overrun, the answer always terminated and within its buffer. The input is split at
 * its first NUL: before it a description, after it newline-separated --conn items. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "rtmpkit/connargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rtmpkit_connargs args;
    char *text = malloc(size + 1), *items, *item;
    char out[256], why[128];
    size_t desc_len;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    desc_len = strlen(text);
    for (size_t cap = 1; cap <= sizeof out; cap *= 4) {
        memset(out, 'Z', sizeof out);
        if (rk_auth_answer(text, "user", "password", "live", "0a1b2c3d", out, cap, why, sizeof why) == 0
            && strlen(out) >= cap)
            abort();
        if (memchr(out, 0, cap) == NULL && cap > 0 && out[0] != 'Z')
            abort();
        if (cap < sizeof out && out[cap] != 'Z')
            abort();
    }
    rtmpkit_connargs_init(&args);
    items = desc_len < size ? text + desc_len + 1 : NULL;
    while (items && *items) {
        item = items;
        items = strchr(items, '\n');
        if (items)
            *items++ = 0;
        rtmpkit_connargs_add(&args, item, why, sizeof why);
        if (args.len > RTMPKIT_CONNARGS_MAX || args.depth < 0 || args.depth > RTMPKIT_CONNARGS_MAX_DEPTH)
            abort();
    }
    rtmpkit_connargs_finish(&args, why, sizeof why);
    free(text);
    return 0;
}
