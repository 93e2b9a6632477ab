/* Copies a man page source to its output, replacing the line "@EXIT_STATUS@" with the
 * exit status table made from the one error table in rtmpkit/error.h, and each line
 * "@INCLUDE name@" with the file name found next to the source (the text the three
 * pages share); in every line "@VERSION@" becomes the version (rtmpkit/version.h, from
 * meson) and "@DEFAULT:NAME@" the default of that name (cli/defaults.h, the table the
 * commands' help uses too). A fragment cannot include another. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "defaults.h"
#include "rtmpkit/error.h"
#include "rtmpkit/version.h"

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
#define LINE_MAX_LEN 4096
#define INCLUDE_START "@INCLUDE "
#define DEFAULT_START "@DEFAULT:"

/* Writes a line of a page with "@VERSION@" replaced by the library's version and each
 * "@DEFAULT:NAME@" by that default (cli/defaults.h). Returns 0, or 1 for an unknown name. */
static int put_line(const char *line, const char *source, int line_no, FILE *out)
{
    const char *at;
    while ((at = strchr(line, '@'))) {
        const char *end = strchr(at + 1, '@');
        char value[64];
        fwrite(line, 1, (size_t)(at - line), out);
        if (end && (size_t)(end - at) == strlen("@VERSION") && strncmp(at, "@VERSION@", 9) == 0) {
            fputs(RTMPKIT_VERSION, out);
        } else if (end && strncmp(at, DEFAULT_START, strlen(DEFAULT_START)) == 0) {
            const char *name = at + strlen(DEFAULT_START);
            if (cli_default_text(name, (size_t)(end - name), value, sizeof value) < 0) {
                fprintf(stderr, "gen-man: %s:%d: no default called %.*s\n", source, line_no, (int)(end - name), name);
                return 1;
            }
            fputs(value, out);
        } else {
            fputc('@', out);   /* an @ of the text itself */
            line = at + 1;
            continue;
        }
        line = end + 1;
    }
    fputs(line, out);
    return 0;
}

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

/* The name of an "@INCLUDE name@" line (the line is cut after it); "" when the line starts
 * as one but is not; NULL for any other line. */
static const char *include_name(char *line)
{
    size_t len = strcspn(line, "\r\n");
    size_t start = strlen(INCLUDE_START);
    if (strncmp(line, INCLUDE_START, start) != 0)
        return NULL;
    if (len <= start + 1 || line[len - 1] != '@')
        return "";
    line[len - 1] = 0;
    return line + start;
}

/* Copies the fragment name, from the directory of the source path, to out.
 * Returns 0, or 1 after saying why. */
static int copy_fragment(const char *source, int line_no, const char *name, FILE *out)
{
    char path[LINE_MAX_LEN], line[LINE_MAX_LEN];
    const char *slash = strrchr(source, '/');
    int dir_len = slash ? (int)(slash - source) + 1 : 0;
    int n = 0, err = 0;
    FILE *in;

    if (!name[0]) {
        fprintf(stderr, "gen-man: %s:%d: write \"@INCLUDE name@\" on a line of its own\n", source, line_no);
        return 1;
    }
    if (strchr(name, '/')) {
        fprintf(stderr, "gen-man: %s:%d: \"%s\" is not a file name next to the page\n", source, line_no, name);
        return 1;
    }
    if (snprintf(path, sizeof path, "%.*s%s", dir_len, source, name) >= (int)sizeof path) {
        fprintf(stderr, "gen-man: %s:%d: the path of %s is too long\n", source, line_no, name);
        return 1;
    }
    if (!(in = fopen(path, "r"))) {
        fprintf(stderr, "gen-man: %s:%d: cannot include %s: %s\n", source, line_no, path, strerror(errno));
        return 1;
    }
    while (!err && fgets(line, sizeof line, in)) {
        n++;
        if (strncmp(line, INCLUDE_START, strlen(INCLUDE_START)) == 0) {
            fprintf(stderr, "gen-man: %s:%d: a fragment cannot include another\n", path, n);
            err = 1;
        } else {
            err = put_line(line, path, n, out);
        }
    }
    if (!err && ferror(in)) {
        fprintf(stderr, "gen-man: cannot read %s: %s\n", path, strerror(errno));
        err = 1;
    }
    /* The page's next line must start a line of its own. */
    if (!err && n > 0 && line[strlen(line) - 1] != '\n')
        fputc('\n', out);
    fclose(in);
    return err;
}


int main(int argc, char **argv)
{
    char line[LINE_MAX_LEN];
    const char *name;
    FILE *in, *out;
    int line_no = 0, err = 0, write_err;

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
    while (!err && fgets(line, sizeof line, in)) {
        line_no++;
        if (strcmp(line, "@EXIT_STATUS@\n") == 0)
            print_exit_status(out);
        else if ((name = include_name(line)))
            err = copy_fragment(argv[1], line_no, name, out);
        else
            err = put_line(line, argv[1], line_no, out);
    }
    fclose(in);
    write_err = ferror(out);
    if (fclose(out) != 0 || write_err) {
        if (!err)
            fprintf(stderr, "gen-man: cannot write %s\n", argv[2]);
        err = 1;
    }
    if (err)
        remove(argv[2]);   /* no half page for the next build to take as done */
    return err;
}
