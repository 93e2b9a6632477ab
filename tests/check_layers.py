#!/usr/bin/env python3
"""Checks that the layers hold: outside core/, only the library's public headers.

usage: check_layers.py SOURCE_ROOT LIBRARY [BINARY...]

1. No C file or header under cli/, codecs/ or examples/ includes a header of core/ that
   is not public (core/include/rtmpkit/): a quoted include must name a file of its own
   folder (or of codecs/ and its subfolders for the commands) or "rtmpkit/NAME.h" of the
   public headers.
2. No meson.build outside core/ and tests/ uses the internal library (core_dep,
   core_inc, core_internal).
3. Each BINARY (the commands, the FFmpeg module) defines none of the library's symbols
   (rtmpkit_*): they take them from librtmpkit.so, so no symbol is exported twice.
Before passing, it checks itself: planted private includes must be found, and LIBRARY
(librtmpkit.so) must be seen to define the symbols.
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
LAYERS = ['cli', 'codecs', 'examples']
INTERNAL_MESON = re.compile(r'\b(core_dep|core_inc|core_internal)\b')


def public_headers(root):
    folder = os.path.join(root, 'core', 'include', 'rtmpkit')
    names = set()
    for name in os.listdir(folder):
        if name.endswith('.h'):
            names.add('rtmpkit/' + name)
        elif name.endswith('.h.in'):
            names.add('rtmpkit/' + name[:-3])
    return names


def bad_includes(text, own_headers, public):
    """The includes of one file that reach past the public headers."""
    return [name for name in INCLUDE.findall(text) if name not in public and name not in own_headers]


def check_includes(root):
    public = public_headers(root)
    failures = []
    codecs_headers = {f for _, _, files in os.walk(os.path.join(root, 'codecs')) for f in files}
    for layer in LAYERS:
        top = os.path.join(root, layer)
        if not os.path.isdir(top):
            continue
        for folder, _, files in os.walk(top):
            own = {f for f in files if f.endswith('.h')}
            if layer == 'cli':
                own |= {f for f in codecs_headers if f.endswith('.h')}   # the commands use the glue
            for f in files:
                if not f.endswith(('.c', '.h')):
                    continue
                path = os.path.join(folder, f)
                with open(path, encoding='utf-8') as fh:
                    for name in bad_includes(fh.read(), own, public):
                        failures.append('%s includes "%s", which is not a public header' %
                                        (os.path.relpath(path, root), name))
    return failures


def check_meson(root):
    failures = []
    for folder, _, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        if rel.split(os.sep)[0] in ('core', 'tests', '.git') or rel.startswith('build'):
            continue
        if rel == '.' or 'meson.build' not in files:
            continue
        with open(os.path.join(folder, 'meson.build'), encoding='utf-8') as fh:
            for no, line in enumerate(fh, 1):
                code = line.split('#', 1)[0]
                if INTERNAL_MESON.search(code):
                    failures.append('%s/meson.build:%d uses the internal library: %s' % (rel, no, line.strip()))
    return failures


def defined_library_symbols(binary):
    out = subprocess.run(['nm', '--defined-only', binary], capture_output=True, text=True, check=True).stdout
    return [line.split()[-1] for line in out.splitlines() if re.search(r'\s[TDBR]\s+rtmpkit_', line)]


def check_binaries(binaries):
    failures = []
    for b in binaries:
        syms = defined_library_symbols(b)
        if syms:
            failures.append('%s defines library symbols itself (%d, e.g. %s)' % (os.path.basename(b), len(syms), syms[0]))
    return failures


def self_test(root, library):
    public = public_headers(root)
    planted = '#include "bytes.h"\n#include "rtmpkit/conn.h"\n#include "chunk.h"\n'
    if bad_includes(planted, set(), public) != ['bytes.h', 'chunk.h']:
        sys.exit('check_layers: self-test failed: private includes not found')
    if bad_includes('#include "rtmpkit/conn.h"\n', set(), public):
        sys.exit('check_layers: self-test failed: a public include was refused')
    if len(defined_library_symbols(library)) < 50:
        sys.exit('check_layers: self-test failed: nm finds no rtmpkit_ symbols in ' + library)


def main():
    root, library, binaries = sys.argv[1], sys.argv[2], sys.argv[3:]
    self_test(root, library)
    failures = check_includes(root) + check_meson(root) + check_binaries(binaries)
    for f in failures:
        print('FAIL', f)
    if failures:
        return 1
    print('layers hold: %d binaries checked' % len(binaries))
    return 0


if __name__ == '__main__':
    sys.exit(main())
