#!/usr/bin/env python3
"""Reads, off a window on the X display, the frame number that rtmp-push testsrc draws as
a strip of blocks along the bottom of each picture (codecs/push/testsrc.c: 24 blocks, white
= 1, least significant first: 20 bits of frame number, then the sum of its five 4-bit
digits modulo 16), again and again.

  strip_reader.py WINDOW_ID PICTURE_WxH SECONDS [INTERVAL_S]

The picture is where the player puts it: as large as the window allows, aspect kept,
centred. Prints one line per screenshot: "utc_ms frame", utc_ms being the middle of the
screenshot, or "utc_ms -" when no strip could be read (no picture yet, a torn one)."""
import re
import subprocess
import sys
import time

BLOCKS = 24


def window_size(win):
    out = subprocess.run(["xwininfo", "-id", win], capture_output=True, text=True, timeout=10).stdout
    w = int(re.search(r"Width: (\d+)", out).group(1))
    h = int(re.search(r"Height: (\d+)", out).group(1))
    return w, h


def picture_rect(ww, wh, pw, ph):
    """The picture's rectangle in the window (render.c: picture_rect)."""
    aspect = pw / ph
    h = wh
    w = int(wh * aspect + 0.5)
    if w > ww:
        w = ww
        h = int(ww / aspect + 0.5)
    return (ww - w) // 2, (wh - h) // 2, w, h


def decode(row):
    """The frame number from one row of grey levels across the picture, or None."""
    n = len(row)
    bits = 0
    for i in range(BLOCKS):
        x0, x1 = n * i // BLOCKS, n * (i + 1) // BLOCKS
        mid = row[x0 + (x1 - x0) // 4: x1 - (x1 - x0) // 4]
        if not mid:
            return None
        level = sum(mid) / len(mid)
        if 80 < level < 176:
            return None   # neither black nor white: not the strip
        if level >= 128:
            bits |= 1 << i
    number, check = bits & 0xFFFFF, bits >> 20
    if sum(number >> (4 * k) & 15 for k in range(5)) & 15 != check:
        return None
    return number


def main():
    win, size, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    pw, ph = (int(v) for v in size.split("x"))
    ww, wh = window_size(win)
    x, y, w, h = picture_rect(ww, wh, pw, ph)
    band = max(2, (ph // 24) & ~1) * h / ph
    row_y = y + h - max(1, int(band / 2))
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        shot = subprocess.run(["import", "-silent", "-window", win, "-crop", "%dx1+%d+%d" % (w, x, row_y),
                               "-depth", "8", "gray:-"], capture_output=True, timeout=10).stdout
        t1 = time.time()
        number = decode(list(shot)) if len(shot) == w else None
        print("%d %s" % ((t0 + t1) * 500, "-" if number is None else number), flush=True)
        rest = interval - (time.time() - t0)
        if rest > 0:
            time.sleep(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
