#!/usr/bin/env python3
"""Reads, off a window on the X display, the frame number that rtmp-push testsrc draws as
a strip of blocks along the bottom of each picture (codecs/push/testsrc.c: 24 blocks, white
= 1, least significant first: 20 bits of frame number, then the sum of its five 4-bit
digits modulo 16), again and again.

  strip_reader.py WINDOW_ID PICTURE_WxH SECONDS [INTERVAL_S]

The picture is where the player puts it: as large as the window allows, aspect kept,
centred. Prints one line per screenshot: "utc_ms frame", utc_ms being the middle of the
screenshot, or "utc_ms -" when no strip could be read (no picture yet, a torn one).
The screenshot is one row read with Xlib's XGetImage (about a millisecond), so its time is
that of the picture on screen within a millisecond or two."""
import ctypes
import sys
import time
from ctypes import POINTER, Structure, c_char_p, c_int, c_uint, c_ulong, c_void_p

BLOCKS = 24


class XImage(Structure):
    _fields_ = [("width", c_int), ("height", c_int), ("xoffset", c_int), ("format", c_int),
                ("data", c_void_p), ("byte_order", c_int), ("bitmap_unit", c_int),
                ("bitmap_bit_order", c_int), ("bitmap_pad", c_int), ("depth", c_int),
                ("bytes_per_line", c_int), ("bits_per_pixel", c_int)]


class WindowAttributes(Structure):
    _fields_ = [("x", c_int), ("y", c_int), ("width", c_int), ("height", c_int), ("border_width", c_int),
                ("depth", c_int), ("visual", c_void_p), ("root", c_ulong), ("class_", c_int),
                ("bit_gravity", c_int), ("win_gravity", c_int), ("backing_store", c_int),
                ("backing_planes", c_ulong), ("backing_pixel", c_ulong), ("save_under", c_int),
                ("colormap", c_ulong), ("map_installed", c_int), ("map_state", c_int),
                ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
                ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", c_int), ("screen", c_void_p)]


x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
x11.XOpenDisplay.restype = c_void_p
x11.XOpenDisplay.argtypes = [c_char_p]
x11.XGetImage.restype = POINTER(XImage)
x11.XGetImage.argtypes = [c_void_p, c_ulong, c_int, c_int, c_uint, c_uint, c_ulong, c_int]
x11.XFree.argtypes = [c_void_p]
x11.XGetWindowAttributes.argtypes = [c_void_p, c_ulong, POINTER(WindowAttributes)]
x11.XSync.argtypes = [c_void_p, c_int]
ERROR_HANDLER = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)
x_errors = [0]


@ERROR_HANDLER
def on_x_error(display, event):
    x_errors[0] += 1   # an unmapped window, one being resized: no row this time
    return 0


x11.XSetErrorHandler.argtypes = [ERROR_HANDLER]
x11.XSetErrorHandler(on_x_error)
libc = ctypes.CDLL(None)
libc.free.argtypes = [c_void_p]


def window_size(display, win):
    """(width, height) of a mapped window, or None."""
    attrs = WindowAttributes()
    if not x11.XGetWindowAttributes(display, win, ctypes.byref(attrs)) or attrs.map_state != 2:
        return None
    return attrs.width, attrs.height


def grab_row(display, win, x, y, w):
    """The grey levels of w pixels at (x, y) of the window, or None."""
    errors = x_errors[0]
    img = x11.XGetImage(display, win, x, y, w, 1, 0xFFFFFFFF, 2)   # ZPixmap
    x11.XSync(display, 0)
    if not img or x_errors[0] != errors:
        return None
    im = img.contents
    row = None
    if im.bits_per_pixel == 32:
        raw = ctypes.string_at(im.data, w * 4)
        row = [(raw[4 * i] + raw[4 * i + 1] + raw[4 * i + 2]) // 3 for i in range(w)]
    libc.free(im.data)   # XDestroyImage is a macro: the data, then the structure
    x11.XFree(ctypes.cast(img, c_void_p))
    return row


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
    win, size, seconds = int(sys.argv[1], 0), sys.argv[2], float(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    pw, ph = (int(v) for v in size.split("x"))
    display = x11.XOpenDisplay(None)
    if not display:
        sys.exit("cannot open the display")
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        number = None
        # The window's size each time: a player may resize it for its first picture.
        ws = window_size(display, win)
        if ws:
            x, y, w, h = picture_rect(ws[0], ws[1], pw, ph)
            band = max(2, (ph // 24) & ~1) * h / ph
            t0 = time.time()
            row = grab_row(display, win, x, y + h - max(1, int(band / 2)), w)
            t1 = time.time()
            number = decode(row) if row else None
        else:
            t1 = t0
        print("%d %s" % ((t0 + t1) * 500, "-" if number is None else number), flush=True)
        rest = interval - (time.time() - t0)
        if rest > 0:
            time.sleep(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
