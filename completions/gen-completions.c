/* Writes the completion script of one command for one shell (bash, zsh or fish) from the
 * one option table (cli/common.c, through cli_option_info()): every option of the
 * command, its help line, and what its argument is (a file, a directory, one of a set of
 * words, or a value nothing can complete). Usage: gen-completions SHELL COMMAND OUTPUT.
 * A command added to the table (enum cli_command, cli_command_name) gets its scripts
 * from the commands cli/meson.build builds (command_exes), with no change here. */
#include <stdio.h>
#include <string.h>

#include "common.h"

#define MAX_COMMAND_BITS 16

/* What the command's arguments that are not options are: rtmp-push reads files (or
 * a device, "-", testsrc), the others take a URL, which nothing can complete. */
static enum cli_arg_kind positional_kind(enum cli_command command)
{
    return command == CLI_PUSH ? CLI_ARG_FILE : CLI_ARG_VALUE;
}

/* Writes s with each character of special written as escape followed by it; each single
 * quote closes and reopens the shell's single quotes when quote_close is set. */
static void put_escaped(FILE *out, const char *s, const char *special, int quote_close)
{
    for (; *s; s++) {
        if (*s == '\'' && quote_close)
            fputs("'\\''", out);
        else if (strchr(special, *s))
            fprintf(out, "\\%c", *s);
        else
            fputc(*s, out);
    }
}

/* The bash statement that fills COMPREPLY for an argument of kind kind. */
static void put_bash_action(FILE *out, enum cli_arg_kind kind, const char *words)
{
    switch (kind) {
    case CLI_ARG_FILE:
        fputs("compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")", out);
        break;
    case CLI_ARG_DIR:
        fputs("compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")", out);
        break;
    case CLI_ARG_WORDS:
        fprintf(out, "mapfile -t COMPREPLY < <(compgen -W '%s' -- \"$cur\")", words);
        break;
    case CLI_ARG_NONE:
    case CLI_ARG_VALUE:
        fputs("COMPREPLY=()", out);
        break;
    }
}

/* One arm of the case on the option before the word: the options of the given kind and
 * optional flag, or the one option only_index when it has words of its own. An optional
 * argument is only ever --name=VALUE. */
static void put_bash_arm(FILE *out, enum cli_command command, enum cli_arg_kind kind, int optional,
                         size_t only_index)
{
    struct cli_option_info o;
    const char *words = NULL;
    int n = 0;
    for (size_t i = 0; cli_option_info(command, i, &o) == 0; i++) {
        if (o.kind != kind || o.optional != optional || (kind == CLI_ARG_WORDS && i != only_index))
            continue;
        fprintf(out, "%s", n++ ? "|" : "    ");
        if (o.short_name)
            fprintf(out, "-%c|", o.short_name);
        fprintf(out, "--%s", o.name);
        words = o.words;
    }
    if (!n)
        return;
    fprintf(out, ")\n        %s", optional ? "[[ $eq ]] || return 0; " : "");
    put_bash_action(out, kind, words);
    fputs("\n        COMPREPLY=(\"${COMPREPLY[@]/#/$pre}\"); return 0 ;;\n", out);
}

static void write_bash(FILE *out, enum cli_command command, const char *name)
{
    struct cli_option_info o;
    char function[64];
    size_t i;

    snprintf(function, sizeof function, "_rtmpkit_%s", name);
    for (char *p = function; *p; p++)
        if (*p == '-')
            *p = '_';
    fprintf(out, "# bash completion for %s, generated from rtmpkit's option table by gen-completions.\n", name);
    fprintf(out, "%s()\n{\n", function);
    fputs("    local cur=${COMP_WORDS[COMP_CWORD]} prev= eq= pre=\n"
          "    [ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    # --name=VALUE: \"=\" is a word of its own when it is in COMP_WORDBREAKS.\n"
          "    if [[ $cur == --*=* ]]; then\n"
          "        prev=${cur%%=*}; pre=$prev=; cur=${cur#*=}; eq=1\n"
          "    elif [[ $cur == = && $prev == --* ]]; then\n"
          "        cur=; eq=1\n"
          "    elif [[ $prev == = && $COMP_CWORD -gt 1 ]]; then\n"
          "        prev=${COMP_WORDS[COMP_CWORD-2]}; eq=1\n"
          "    fi\n"
          "    COMPREPLY=()\n"
          "    case $prev in\n", out);
    for (int optional = 0; optional <= 1; optional++) {
        put_bash_arm(out, command, CLI_ARG_FILE, optional, 0);
        put_bash_arm(out, command, CLI_ARG_DIR, optional, 0);
        put_bash_arm(out, command, CLI_ARG_VALUE, optional, 0);
        for (i = 0; cli_option_info(command, i, &o) == 0; i++)
            put_bash_arm(out, command, CLI_ARG_WORDS, optional, i);
    }
    fputs("    esac\n"
          "    [[ $eq ]] && return 0\n"
          "    if [[ $cur == -* ]]; then\n"
          "        mapfile -t COMPREPLY < <(compgen -W '", out);
    for (i = 0; cli_option_info(command, i, &o) == 0; i++) {
        fprintf(out, "%s--%s", i ? " " : "", o.name);
        if (o.short_name)
            fprintf(out, " -%c", o.short_name);
    }
    fputs("' -- \"$cur\")\n"
          "        return 0\n"
          "    fi\n    ", out);
    put_bash_action(out, positional_kind(command), NULL);
    fprintf(out, "\n    return 0\n}\ncomplete -F %s %s\n", function, name);
}

/* The zsh _arguments action for an argument of kind kind. */
static void put_zsh_action(FILE *out, enum cli_arg_kind kind, const char *words)
{
    switch (kind) {
    case CLI_ARG_FILE:
        fputs("_files", out);
        break;
    case CLI_ARG_DIR:
        fputs("_files -/", out);
        break;
    case CLI_ARG_WORDS:
        fprintf(out, "(%s)", words);
        break;
    case CLI_ARG_NONE:
    case CLI_ARG_VALUE:
        fputs(" ", out);   /* shows the message, completes nothing */
        break;
    }
}

static void write_zsh(FILE *out, enum cli_command command, const char *name)
{
    struct cli_option_info o;

    fprintf(out, "#compdef %s\n", name);
    fprintf(out, "# zsh completion for %s, generated from rtmpkit's option table by gen-completions.\n", name);
    fputs("_arguments -s -S : \\\n", out);
    for (size_t i = 0; cli_option_info(command, i, &o) == 0; i++) {
        const char *long_suffix = o.kind == CLI_ARG_NONE ? "" : o.optional ? "=-" : "=";
        fputs("  ", out);
        if (o.repeatable)
            fputs("'*'", out);
        else if (o.short_name)
            fprintf(out, "'(-%c --%s)'", o.short_name, o.name);
        if (o.short_name)
            fprintf(out, "{-%c%s,--%s%s}", o.short_name, o.kind == CLI_ARG_NONE ? "" : "+", o.name, long_suffix);
        else
            fprintf(out, "--%s%s", o.name, long_suffix);
        fputs("'[", out);
        put_escaped(out, o.help, "[]\\", 1);
        fputc(']', out);
        if (o.kind != CLI_ARG_NONE) {
            fputs(o.optional ? "::" : ":", out);
            put_escaped(out, o.metavar[0] == '[' ? o.name : o.metavar, ":\\", 1);
            fputc(':', out);
            put_zsh_action(out, o.kind, o.words);
        }
        fputs("' \\\n", out);
    }
    if (positional_kind(command) == CLI_ARG_FILE)
        fputs("  '*:input or URL:_files'\n", out);
    else
        fputs("  ':URL: '\n", out);
}

static void write_fish(FILE *out, enum cli_command command, const char *name)
{
    struct cli_option_info o;

    fprintf(out, "# fish completion for %s, generated from rtmpkit's option table by gen-completions.\n", name);
    if (positional_kind(command) != CLI_ARG_FILE)
        fprintf(out, "complete -c %s -f\n", name);   /* a URL: no file names */
    for (size_t i = 0; cli_option_info(command, i, &o) == 0; i++) {
        fprintf(out, "complete -c %s", name);
        if (o.short_name)
            fprintf(out, " -s %c", o.short_name);
        fprintf(out, " -l %s", o.name);
        if (!o.optional) {
            switch (o.kind) {
            case CLI_ARG_NONE:
                break;
            case CLI_ARG_FILE:
                fputs(" -r -F", out);
                break;
            case CLI_ARG_DIR:
                fputs(" -x -a '(__fish_complete_directories (commandline -ct))'", out);
                break;
            case CLI_ARG_WORDS:
                fprintf(out, " -x -a '%s'", o.words);
                break;
            case CLI_ARG_VALUE:
                fputs(" -x", out);
                break;
            }
        }
        fputs(" -d '", out);
        put_escaped(out, o.help, "'\\", 0);
        fputs("'\n", out);
        /* fish has no optional arguments: offer --name=WORD for each word. */
        if (o.optional && o.kind == CLI_ARG_WORDS) {
            fprintf(out, "complete -c %s -f -n 'string match -q -- \"--%s=*\" (commandline -ct)' -a '", name, o.name);
            for (const char *w = o.words; *w;) {
                size_t n = strcspn(w, " ");
                fprintf(out, "%s--%s=%.*s", w == o.words ? "" : " ", o.name, (int)n, w);
                w += n + (w[n] == ' ');
            }
            fputs("'\n", out);
        }
    }
}

/* The command called name, or 0. */
static enum cli_command command_named(const char *name)
{
    for (int bit = 0; bit < MAX_COMMAND_BITS; bit++) {
        const char *n = cli_command_name((enum cli_command)(1 << bit));
        if (n && strcmp(n, name) == 0)
            return (enum cli_command)(1 << bit);
    }
    return 0;
}

int main(int argc, char **argv)
{
    enum cli_command command;
    const char *unknown = cli_option_words_unknown();
    FILE *out;

    if (argc != 4) {
        fprintf(stderr, "usage: gen-completions bash|zsh|fish COMMAND OUTPUT\n");
        return 2;
    }
    if (unknown) {
        fprintf(stderr, "gen-completions: the completion words name --%s, which is not in the option table\n",
                unknown);
        return 1;
    }
    if (!(command = command_named(argv[2]))) {
        fprintf(stderr, "gen-completions: no command %s in cli_command_name()\n", argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "bash") && strcmp(argv[1], "zsh") && strcmp(argv[1], "fish")) {
        fprintf(stderr, "gen-completions: no shell %s (bash, zsh, fish)\n", argv[1]);
        return 2;
    }
    if (!(out = fopen(argv[3], "w"))) {
        perror(argv[3]);
        return 1;
    }
    if (strcmp(argv[1], "bash") == 0)
        write_bash(out, command, argv[2]);
    else if (strcmp(argv[1], "zsh") == 0)
        write_zsh(out, command, argv[2]);
    else
        write_fish(out, command, argv[2]);
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
