#!/usr/bin/env bash
# rtmp-play's stats overlay (key i) under Xvfb: rtmp-push loops a still picture through
# node-media-server (which passes the publisher's onFI timecodes on, so the latency graph
# has data); xdotool presses i; screenshots of the window with the overlay off, on, and
# off again show that the overlay region changes, the picture around it does not, the
# text and the graphs are drawn, and the window title stays short. Without a font the
# graphs are drawn alone after one warning.
# Runs itself under its own Xvfb (xvfb-run), so that screenshots see only the player.
if [ -z "${RTMPKIT_OVERLAY_UNDER_XVFB:-}" ]; then
    export RTMPKIT_OVERLAY_UNDER_XVFB=1
    exec timeout -k 5 300 xvfb-run -a -s "-screen 0 800x600x24" bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
it_setup overlay
need_servers

PLAY=$BUILD/cli/rtmp-play
PUSH=$BUILD/cli/rtmp-push
export SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=/dev/null
for tool in xdotool import compare convert xwininfo; do
    command -v "$tool" >/dev/null || { fail "needs-$tool" "$tool is not installed (scripts/setup.sh)"; it_finish; exit 1; }
done

# A still picture (the first frame of testsrc2) as 4 s of intra-only H.264 at a constant
# quantiser, so that every frame decodes to the same pixels, with a tone: what changes
# between two screenshots is the overlay alone.
STILL=$DATA/overlay-still-4s-640x360-25fps.flv
if [ ! -s "$STILL" ]; then
    timeout 60 ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25 \
        -frames:v 1 "$T/still.png" &&
    timeout 120 ffmpeg -nostdin -loglevel error -y -loop 1 -framerate 25 -i "$T/still.png" \
        -f lavfi -i sine=frequency=440:sample_rate=44100 -t 4 -map 0:v -map 1:a \
        -c:v libx264 -threads 1 -pix_fmt yuv420p -g 1 -qp 20 -c:a aac -ar 44100 -ac 2 \
        -fflags +bitexact -f flv "$STILL.tmp" && mv -f "$STILL.tmp" "$STILL"
fi
check still-source test -s "$STILL"

# player_window NAME: the X window id of the player playing stream NAME.
player_window() { xwininfo -root -tree | grep "\"rtmp://[^\"]*/$1\"" | head -n1 | awk '{ print $1 }'; }
# window_title ID: the window's name as X has it.
window_title() { xwininfo -id "$1" | sed -n 's/^xwininfo: Window id: [^ ]* "\(.*\)"$/\1/p'; }
# press KEY WINDOW: the pointer over the window (the focus follows it without a window
# manager), then the key through XTest.
press() {
    local x y w h
    eval "$(xwininfo -id "$2" | awk '/Absolute upper-left X/ { print "x=" $NF } /Absolute upper-left Y/ { print "y=" $NF }
        /Width:/ { print "w=" $NF } /Height:/ { print "h=" $NF }')"
    timeout 5 xdotool mousemove $((x + w / 2)) $((y + h / 2)) key "$1"
}
# ae A B [GEOMETRY]: pixels that differ by more than 4 % (compression noise and
# rounding stay below), in the region GEOMETRY (WxH+X+Y) of both, or in all of them.
ae() {
    local a=$1 b=$2
    if [ -n "${3:-}" ]; then
        convert "$1" -crop "$3" +repage "$T/ae-a.png"; convert "$2" -crop "$3" +repage "$T/ae-b.png"
        a=$T/ae-a.png; b=$T/ae-b.png
    fi
    compare -metric AE -fuzz 4% "$a" "$b" null: 2>&1 | cut -d' ' -f1
}
# pixels_near IMAGE GEOMETRY R,G,B: pixels of IMAGE's region within 6 % of the colour.
pixels_near() {
    convert "$1" -crop "$2" +repage -fuzz 6% -fill black +opaque "rgb($3)" -fill white -opaque "rgb($3)" \
        -format '%[fx:int(mean*w*h+0.5)]' info:
}

# overlay_run NAME [ENV...]: plays a new stream of the still picture and takes the
# screenshots $T/NAME-off.png, $T/NAME-on.png, $T/NAME-off2.png (the window only);
# the player's stderr in $T/NAME.err; sets RUN_RC (the player's exit status after q),
# TITLE_OFF and TITLE_ON.
overlay_run() {
    local run=$1 name win pid push_pid; shift
    name=$(uniq_name "$run")
    run_bg "$T/$run-push.log" "$PUSH" --loop 0 "$STILL" "$NMS_URL/live/$name"
    push_pid=$BG_PID
    sleep 1
    run_bg "$T/$run.err" env "$@" "$PLAY" "$NMS_URL/live/$name"
    pid=$BG_PID
    wait_for "test -n \"\$(player_window $name)\"" 10
    win=$(player_window "$name")
    # A few seconds of samples, so that the graphs have lines.
    sleep 5
    TITLE_OFF=$(window_title "$win")
    import -window "$win" "$T/$run-off.png"
    press i "$win"
    sleep 1.5
    import -window "$win" "$T/$run-on.png"
    TITLE_ON=$(window_title "$win")
    press i "$win"
    sleep 1
    import -window "$win" "$T/$run-off2.png"
    press q "$win"
    wait_pid "$pid" 5; RUN_RC=$?
    stop_pid "$push_pid"
}

# The overlay's region: the top-left corner of the window, within this rectangle
# (the panel of a 640x360 window is about 230x200).
REGION=320x240+0+0
# outside GEOMETRY: the window's pixels right of and below the region, as two crops.
RIGHT=320x360+320+0
BELOW=320x120+0+240

overlay_run font
check font-player-exits-0 test "$RUN_RC" = 0
check font-window-size test "$(identify -format '%wx%h' "$T/font-off.png")" = 640x360
check font-picture-is-still test "$(ae "$T/font-off.png" "$T/font-off2.png")" -le 50
on_in=$(ae "$T/font-off.png" "$T/font-on.png" "$REGION")
on_right=$(ae "$T/font-off.png" "$T/font-on.png" "$RIGHT")
on_below=$(ae "$T/font-off.png" "$T/font-on.png" "$BELOW")
check font-overlay-region-differs test "$on_in" -gt 20000
check font-picture-around-same test "$on_right" -le 50 -a "$on_below" -le 50
# The difference is one block in the top-left corner: its bounding box starts near it.
check font-overlay-at-top-left sh -c "compare -fuzz 4% '$T/font-off.png' '$T/font-on.png' -compose src \
    -highlight-color white -lowlight-color black '$T/font-diff.png' 2>/dev/null; \
    convert '$T/font-diff.png' -format '%@' info: | awk -F'[x+]' '{ exit !(\$3 <= 16 && \$4 <= 16) }'"
# Text is white; the panel darkens the picture under it, so white there is the text.
check font-text-drawn test "$(pixels_near "$T/font-on.png" "$REGION" 255,255,255)" -gt 300
check font-no-text-when-off test "$(ae "$T/font-off.png" "$T/font-off2.png" "$REGION")" -le 50
# The graphs' colours: bitrate (green), buffer (blue), latency (yellow: onFI timecodes
# come through node-media-server).
check font-bitrate-graph test "$(pixels_near "$T/font-on.png" "$REGION" 80,220,100)" -gt 20
check font-buffer-graph test "$(pixels_near "$T/font-on.png" "$REGION" 80,200,255)" -gt 20
check font-latency-graph test "$(pixels_near "$T/font-on.png" "$REGION" 255,210,60)" -gt 20
check font-title-short test "$TITLE_ON" = "$TITLE_OFF"
check font-title-is-url sh -c "echo '$TITLE_ON' | grep -q '^rtmp://.*/live/font-'"
check font-no-warning sh -c "! grep -qi 'overlay' '$T/font.err'"

# Without a font: the graphs alone, and one warning that says why.
overlay_run nofont RTMP_PLAY_FONT=/nonexistent/font.ttf
check nofont-player-exits-0 test "$RUN_RC" = 0
check nofont-picture-is-still test "$(ae "$T/nofont-off.png" "$T/nofont-off2.png")" -le 50
check nofont-overlay-region-differs test "$(ae "$T/nofont-off.png" "$T/nofont-on.png" "$REGION")" -gt 5000
check nofont-picture-around-same test "$(ae "$T/nofont-off.png" "$T/nofont-on.png" "$RIGHT")" -le 50 -a \
    "$(ae "$T/nofont-off.png" "$T/nofont-on.png" "$BELOW")" -le 50
check nofont-no-text test "$(pixels_near "$T/nofont-on.png" "$REGION" 255,255,255)" -le 20
check nofont-bitrate-graph test "$(pixels_near "$T/nofont-on.png" "$REGION" 80,220,100)" -gt 20
check nofont-warned-once test "$(grep -c 'cannot open the font /nonexistent/font.ttf' "$T/nofont.err")" = 1

[ -n "${RTMPKIT_OVERLAY_SHOT:-}" ] && cp "$T/font-on.png" "$RTMPKIT_OVERLAY_SHOT"
it_finish
