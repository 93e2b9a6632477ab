#!/usr/bin/env python3
"""Compares rtmp-probe's JSON report with ffprobe's view of the file that was published.

usage: probe_compare.py PROBE_JSON SOURCE_FILE

Prints one line per figure that differs beyond its tolerance and exits 1 when there is
one; prints the figures compared and exits 0 otherwise. ffprobe's figures: codec name,
profile, level, width, height, r_frame_rate, sample rate and channels from its streams;
the keyframe interval (mean, ms and frames) and the bit rates (payload bytes over the
duration) from its packets.
"""
import json
import subprocess
import sys


def ffprobe(path):
    out = subprocess.run(['ffprobe', '-v', 'error', '-show_streams', '-show_packets', '-of', 'json', path],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return json.loads(out)


def packets_of(info, index):
    return [p for p in info['packets'] if p['stream_index'] == index]


def bitrate(packets):
    times = sorted(float(p['dts_time']) for p in packets)
    span = (times[-1] - times[0]) * len(times) / (len(times) - 1)
    return sum(int(p['size']) for p in packets) * 8 / span


def keyframe_interval(packets):
    keys = [(i, float(p['pts_time'])) for i, p in enumerate(sorted(packets, key=lambda p: float(p['dts_time'])))
            if 'K' in p['flags']]
    n = len(keys) - 1
    return (keys[-1][1] - keys[0][1]) * 1000 / n, (keys[-1][0] - keys[0][0]) / n


def main():
    with open(sys.argv[1]) as f:
        probe = json.load(f)
    ref = ffprobe(sys.argv[2])
    problems, shown = [], []

    def compare(what, ours, theirs, tolerance=0.0):
        shown.append('%s %s/%s' % (what, ours, theirs))
        if ours is None:
            problems.append('%s: rtmp-probe says null, ffprobe %s' % (what, theirs))
        elif isinstance(theirs, str):
            if str(ours) != theirs:
                problems.append('%s: rtmp-probe %r, ffprobe %r' % (what, ours, theirs))
        elif abs(ours - theirs) > tolerance * abs(theirs):
            problems.append('%s: rtmp-probe %s, ffprobe %s (tolerance %g%%)' % (what, ours, theirs, tolerance * 100))

    for s in ref['streams']:
        kind = s['codec_type']
        tracks = [t for t in probe['tracks'] if t['type'] == kind and t['id'] == 0]
        if len(tracks) != 1:
            problems.append('%s: %d tracks in the report' % (kind, len(tracks)))
            continue
        t = tracks[0]
        pk = packets_of(ref, s['index'])
        compare(kind + ' codec', t['codec'], s['codec_name'])
        compare(kind + ' profile', t['profile'], s['profile'])
        compare(kind + ' bitrate', t['bitrate'], bitrate(pk), 0.10)
        compare(kind + ' gaps', t['gaps'], 0)
        compare(kind + ' backwards', t['backwards'], 0)
        if kind == 'video':
            num, den = s['r_frame_rate'].split('/')
            ms, frames = keyframe_interval(pk)
            compare('video level', t['level_idc'], s['level'])
            compare('video width', t['width'], s['width'])
            compare('video height', t['height'], s['height'])
            compare('video fps', t['frame_rate'], int(num) / int(den), 0.02)
            compare('video declared fps', t['frame_rate_config'], int(num) / int(den), 0.001)
            compare('video keyframe interval ms', t['keyframe_interval_ms'], ms, 0.05)
            compare('video keyframe interval frames', t['keyframe_interval_frames'], frames, 0.05)
            if t['first_keyframe_ms'] is None or t['first_keyframe_ms'] < probe['start_ms']:
                problems.append('video first_keyframe_ms %s before playing started (%s ms)'
                                % (t['first_keyframe_ms'], probe['start_ms']))
        else:
            compare('audio sample rate', t['sample_rate'], int(s['sample_rate']))
            compare('audio channels', t['channels'], s['channels'])
    for p in problems:
        print(p)
    if not problems:
        print('; '.join(shown))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
