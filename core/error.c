#include "rtmpkit/error.h"

#include <stddef.h>

struct error_entry {
    int value;
    int exit_status;
    const char *name;
    const char *message;
};

static const struct error_entry error_table[] = {
#define ERROR_ENTRY(name, value, exit_status, message) { value, exit_status, #name, message },
    RTMPKIT_ERROR_TABLE(ERROR_ENTRY)
#undef ERROR_ENTRY
};

static const struct error_entry *find_error(int err)
{
    for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
        if (error_table[i].value == err)
            return &error_table[i];
    return NULL;
}

const char *rtmpkit_strerror(int err)
{
    const struct error_entry *e = find_error(err);
    if (err >= 0)
        return "success";
    return e ? e->message : "unknown error";
}

int rtmpkit_exit_status(int err)
{
    const struct error_entry *e = find_error(err);
    if (err >= 0)
        return 0;
    return e ? e->exit_status : 1;
}

const char *rtmpkit_error_name(int err)
{
    const struct error_entry *e = find_error(err);
    if (err >= 0)
        return "OK";
    return e ? e->name : "UNKNOWN";
}
