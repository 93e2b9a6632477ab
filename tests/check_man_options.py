#!/usr/bin/env python3
"""Checks a built man page against the option table of cli/common.c.

usage: check_man_options.py COMMON_C COMMAND PAGE BINARY   (COMMAND: rtmp-dump, rtmp-push, rtmp-play, rtmp-probe)

Every option the table gives COMMAND has an entry (a .TP tag) in the page's OPTIONS
section; no entry there names an option COMMAND does not accept; the sections and the
environment entries the three pages share are present, and no gen-man directive is left.
The command's --help has every default filled in (no "{NAME}" left), and each default it
shows is a number the page shows too (both take them from cli/defaults.h).
Before passing, it checks itself: the page with one option entry taken out must fail.
"""
import re
import subprocess
import sys

COMMANDS = {'rtmp-dump': 'CLI_DUMP', 'rtmp-push': 'CLI_PUSH', 'rtmp-play': 'CLI_PLAY', 'rtmp-probe': 'CLI_PROBE'}
SHARED_SECTIONS = ['OPTIONS', 'KEYS AND PASSWORDS', 'SERVER AUTHENTICATION', 'ENVIRONMENT', 'EXIT STATUS']
SHARED_ENVIRONMENT = ['RTMP_STREAM_KEY', 'RTMP_PASSWORD']

ENTRY = re.compile(r'\{\s*"([a-z0-9-]+)",\s*(?:\'(.)\'|0),\s*ARG_\w+,\s*([A-Z_ |]+?),')
LONG = re.compile(r'\\-\\-([a-z0-9]+(?:\\-[a-z0-9]+)*)')
SHORT = re.compile(r'\\-([A-Za-z0-9])(?![A-Za-z0-9])')


def fail(msg):
    print('check_man_options: ' + msg)
    sys.exit(1)


def table_options(source, command):
    """The long names and short letters of the options the table gives command."""
    flag = COMMANDS[command]
    m = re.search(r'#define ALL_COMMANDS \(([^)]*)\)', source)
    all_commands = m.group(1).split('|') if m else []
    m = re.search(r'option_table\[\] = \{(.*?)\n\};', source, re.S)
    if not m:
        fail('no option_table in the C source')
    table = m.group(1)
    entries = ENTRY.findall(table)
    # Each entry starts with { "name": one the pattern did not take is a format we do not know.
    if len(entries) != table.count('{ "') or len(entries) < 10:
        fail('read %d entries of %d in option_table' % (len(entries), table.count('{ "')))
    longs, shorts = set(), set()
    for name, short, commands in entries:
        flags = [f.strip() for f in commands.split('|')]
        if flags == ['ALL_COMMANDS']:
            flags = [f.strip() for f in all_commands]
        unknown = [f for f in flags if f not in COMMANDS.values()]
        if unknown or not flags:
            fail('option --%s: commands "%s" not understood' % (name, commands))
        if flag in flags:
            longs.add(name)
            if short:
                shorts.add(short)
    return longs, shorts


def section(page, title):
    m = re.search(r'^\.SH "?%s"?\n(.*?)(?=^\.SH |\Z)' % re.escape(title), page, re.S | re.M)
    return m.group(1) if m else None


def documented_options(page):
    """The long names and short letters in the tags of the OPTIONS entries."""
    lines = (section(page, 'OPTIONS') or '').split('\n')
    tags = [lines[i + 1] for i in range(len(lines) - 1) if lines[i] == '.TP']
    longs = {m.replace('\\-', '-') for tag in tags for m in LONG.findall(tag)}
    shorts = {m for tag in tags for m in SHORT.findall(tag)}
    return longs, shorts


def problems(page, expected):
    longs, shorts = documented_options(page)
    out = []
    out += ['--%s has no entry in OPTIONS' % o for o in sorted(expected[0] - longs)]
    out += ['-%s has no entry in OPTIONS' % o for o in sorted(expected[1] - shorts)]
    out += ['OPTIONS describes --%s, which the command does not accept' % o for o in sorted(longs - expected[0])]
    out += ['OPTIONS describes -%s, which the command does not accept' % o for o in sorted(shorts - expected[1])]
    for title in SHARED_SECTIONS:
        if section(page, title) is None:
            out.append('no %s section' % title)
    env = section(page, 'ENVIRONMENT') or ''
    for var in SHARED_ENVIRONMENT:
        if not re.search(r'^\.TP\n\.B %s\n' % var, env, re.M):
            out.append('ENVIRONMENT has no entry for %s' % var)
    for line in page.split('\n'):
        if line.startswith('@') or '@DEFAULT:' in line or '@VERSION@' in line:
            out.append('gen-man left the line "%s"' % line)
    return out


def help_problems(help_text, page):
    out = ['--help left "%s" unfilled' % t for t in re.findall(r'\{[A-Z_]+\}', help_text)]
    for value in re.findall(r'\(defaults? (\w+)', help_text):
        if not re.search(r'\b%s\b' % re.escape(value), page):
            out.append('--help shows the default %s, the page does not' % value)
    return out


def main():
    if len(sys.argv) != 5 or sys.argv[2] not in COMMANDS:
        fail('usage: check_man_options.py COMMON_C rtmp-dump|rtmp-push|rtmp-play|rtmp-probe PAGE BINARY')
    with open(sys.argv[1]) as f:
        expected = table_options(f.read(), sys.argv[2])
    with open(sys.argv[3]) as f:
        page = f.read()
    help_text = subprocess.run([sys.argv[4], '--help'], capture_output=True, text=True, check=True).stdout
    found = problems(page, expected) + help_problems(help_text, page)
    for p in found:
        print('%s: %s' % (sys.argv[3], p))
    if found:
        sys.exit(1)
    # The check must be able to fail: take out the entry of the page's last option.
    options = section(page, 'OPTIONS')
    last = options.rindex('.TP\n')
    broken = page.replace(options, options[:last], 1)
    if not problems(broken, expected):
        fail('a page without its last option entry passed: the check is broken')
    if not help_problems(help_text + ' {TIMEOUT} (default 987654)', page):
        fail('a help text with an unfilled or unknown default passed: the check is broken')
    print('%s: %d long and %d short options, each with an entry' %
          (sys.argv[2], len(expected[0]), len(expected[1])))


if __name__ == '__main__':
    main()
