/* Copies a man page source to its output, replacing the line "@EXIT_STATUS@" with the
 * exit status table made from the one error table in rtmpkit/error.h. */
#include <stdio.h>
#include <string.h>

#include "rtmpkit/error.h"

struct entry {
    int exit_status;
    const char *message;
};

static const struct entry entries[] = {
#define ENTRY(name, value, exit_status, message) { exit_status, message },
    RTMPKIT_ERROR_TABLE(ENTRY)
#undef ENTRY
};

#define ENTRY_COUNT (sizeof entries / sizeof entries[0])

static void print_exit_status(FILE *out)
{
    fprintf(out, ".TP\n.B 0\nsuccess: the job finished, the stream ended, or a signal (SIGINT, SIGTERM) stopped it cleanly\n");
    for (int status = 1; status < 256; status++) {
        int first = 1;
        for (size_t i = 0; i < ENTRY_COUNT; i++) {
            if (entries[i].exit_status != status)
                continue;
            if (first)
                fprintf(out, ".TP\n.B %d\n", status);
            fprintf(out, "%s%s", first ? "" : "; ", entries[i].message);
            first = 0;
        }
        if (!first)
            fputc('\n', out);
    }
}

int main(int argc, char **argv)
{
    char line[4096];
    FILE *in, *out;
    if (argc != 3) {
        fprintf(stderr, "usage: gen-man IN OUT\n");
        return 2;
    }
    in = fopen(argv[1], "r");
    out = fopen(argv[2], "w");
    if (!in || !out) {
        fprintf(stderr, "gen-man: cannot open %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    while (fgets(line, sizeof line, in)) {
        if (strcmp(line, "@EXIT_STATUS@\n") == 0)
            print_exit_status(out);
        else
            fputs(line, out);
    }
    fclose(in);
    return fclose(out) == 0 ? 0 : 1;
}
