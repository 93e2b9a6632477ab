#!/usr/bin/env python3
"""Loads the generated completion scripts of one shell and checks them against what each
command's --help says, asking the shell itself what it completes:

  bash: sources the scripts, sets COMP_WORDS/COMP_CWORD and calls the registered function;
  zsh:  an interactive zsh (zsh/zpty) with compinit, Tab pressed (zsh_complete.zsh);
  fish: `complete -C LINE`, the scripts autoloaded by name from fish_complete_path.

For every command: "CMD --" offers exactly the long options of --help and "CMD -" every
short one; after an option whose argument is a FILE the files of the directory are
offered, after a DIR only its directories, after --name[=WORD] the word, after -f the
formats the help names, after any other value no file names; the arguments that are not
options are files for a command whose usage starts with INPUT, nothing otherwise.

Usage: check_completions.py SHELL SCRIPT... -- COMMAND_EXE...
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
END = "<<END>>"
# "  -o, --output FILE   help" (metavars are upper case, a range, or [=WORD])
OPTION_LINE = re.compile(r"^  (?:-(\S), )?\s*--([a-z0-9-]+)(\[=[^\]]*\]| [A-Z0-9][A-Za-z0-9:_-]*)?\s+(.*)$")


def parse_help(exe):
    """The usage line and [(short, long, metavar)] of exe --help."""
    text = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30, check=True).stdout
    usage = text.splitlines()[0]
    options = []
    for line in text.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            metavar = (m.group(3) or "").strip() or None
            options.append((m.group(1), m.group(2), metavar, m.group(4)))
    return usage, options


def split_words(line):
    """The words readline gives a bash completion function: "=" is one of its own."""
    words = []
    for w in line.split(" "):
        if w.startswith("--") and "=" in w:
            name, value = w.split("=", 1)
            words += [name, "=", value]
        else:
            words.append(w)
    return words


def query_bash(scripts, lines, env):
    prog = ["set +o history"]
    prog += ["source %s" % shlex.quote(s) for s in scripts]
    prog.append(r'''q() {
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    local f; f=$(complete -p "$1" | sed -E 's/.* -F ([^ ]+) .*/\1/')
    COMPREPLY=()
    "$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    [ ${#COMPREPLY[@]} -gt 0 ] && printf '%s\n' "${COMPREPLY[@]}"
    echo "<<END>>"
}''')
    prog += ["q " + " ".join(shlex.quote(w) for w in split_words(line)) for line in lines]
    return subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(prog)], env=env,
                          capture_output=True, text=True, timeout=120).stdout


def query_zsh(scripts, lines, env):
    return subprocess.run(["zsh", "-f", os.path.join(HERE, "zsh_complete.zsh"),
                           os.path.dirname(scripts[0])] + lines, env=env,
                          capture_output=True, text=True, timeout=120).stdout


def query_fish(scripts, lines, env):
    prog = ["set -p fish_complete_path %s" % shlex.quote(os.path.dirname(scripts[0]))]
    for line in lines:
        prog.append("complete -C %s; echo '%s'" % (shlex.quote(line), END))
    out = subprocess.run(["fish", "--no-config", "-c", "\n".join(prog)], env=env,
                         capture_output=True, text=True, timeout=120).stdout
    return "\n".join(l.split("\t")[0] for l in out.splitlines())


def query(shell, scripts, lines, env):
    """For each line, the set of what the shell completes at its end."""
    out = {"bash": query_bash, "zsh": query_zsh, "fish": query_fish}[shell](scripts, lines, env)
    answers, cur = [], set()
    for l in out.splitlines():
        if l == END:
            answers.append(cur)
            cur = set()
        elif l:
            cur.add(l)
    if len(answers) != len(lines):
        sys.exit("%s answered %d of %d questions:\n%s" % (shell, len(answers), len(lines), out[-2000:]))
    return answers


def values(answer, prefix):
    """Completions without a "--name=" prefix (fish) or a directory's "/"."""
    return {(a[len(prefix):] if prefix and a.startswith(prefix) else a).rstrip("/") for a in answer}


def named_words(help_text):
    """The words of a "(a, b, c...)" list in the help, when all are plain words."""
    m = re.search(r"\(([^()]*,[^()]*)\)", help_text)
    if not m:
        return set()
    words = [w.strip().rstrip(".") for w in m.group(1).split(",")]
    return set(words) if all(re.fullmatch(r"[a-z0-9]+", w) for w in words) else set()


def check_command(shell, scripts, exe, workdir, env):
    name = os.path.basename(exe)
    usage, options = parse_help(exe)
    failures = []
    lines = [name + " --", name + " -", name + " "]
    for short, long, metavar, _ in options:
        if metavar and metavar.startswith("[="):
            lines.append("%s --%s=" % (name, long))
        elif metavar:
            lines.append("%s --%s " % (name, long))
    answers = iter(query(shell, scripts, lines, env))

    longs = {"--" + o[1] for o in options}
    got = next(answers)
    if got != longs:
        failures.append("%s --: missing %s, extra %s" % (name, sorted(longs - got), sorted(got - longs)))
    got = next(answers)
    shorts = {"-" + o[0] for o in options if o[0]}
    if not shorts <= got:
        failures.append("%s -: missing %s" % (name, sorted(shorts - got)))
    got = values(next(answers), "")
    wants_files = usage.split()[2] == "INPUT"
    if wants_files != ({"afile", "adir"} <= got):
        failures.append("%s: its arguments complete %s (files expected: %s)" % (name, sorted(got), wants_files))

    for short, long, metavar, help_text in options:
        if not metavar:
            continue
        got = values(next(answers), "--%s=" % long)
        what = "%s --%s %s" % (name, long, metavar)
        if metavar == "FILE":
            ok = {"afile", "adir"} <= got
        elif metavar == "DIR":
            ok = "adir" in got and "afile" not in got
        elif metavar.startswith("[="):
            ok = metavar[2:-1] in got
        else:
            ok = "afile" not in got and named_words(help_text) <= got
        if not ok:
            failures.append("%s: completes %s" % (what, sorted(got)))
    return len(options), failures


def main():
    shell = sys.argv[1]
    sep = sys.argv.index("--")
    scripts = [os.path.abspath(s) for s in sys.argv[2:sep]]
    exes = [os.path.abspath(e) for e in sys.argv[sep + 1:]]
    env = dict(os.environ, HOME=tempfile.mkdtemp(prefix="rtmpkit-completion-home."), LC_ALL="C.UTF-8",
               PATH=os.pathsep.join(sorted({os.path.dirname(e) for e in exes})) + os.pathsep +
               os.environ.get("PATH", ""))
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_DATA_HOME", None)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="rtmpkit-completion.") as workdir:
        open(os.path.join(workdir, "afile"), "w").close()
        os.mkdir(os.path.join(workdir, "adir"))
        os.chdir(workdir)
        for exe in exes:
            count, failures = check_command(shell, scripts, exe, workdir, env)
            for f in failures:
                print("FAIL %s: %s" % (shell, f))
            print("%s %s: %d options, %s" % (shell, os.path.basename(exe), count,
                                             "%d failures" % len(failures) if failures else "all complete"))
            failed += len(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
