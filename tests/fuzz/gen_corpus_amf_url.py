#!/usr/bin/env python3
"""Writes the seed corpora for fuzz_url, fuzz_amf0 and fuzz_amf3 (tests/fuzz/corpus/).
Run from anywhere: python3 tests/fuzz/gen_corpus_amf_url.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    d = os.path.join(HERE, 'corpus', kind)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# --- AMF0 ---
def num(v): return b'\x00' + struct.pack('>d', v)
def boolean(v): return b'\x01' + bytes([1 if v else 0])
def key(k): k = k.encode() if isinstance(k, str) else k; return struct.pack('>H', len(k)) + k
def string(s): return b'\x02' + key(s)
def obj(props): return b'\x03' + b''.join(key(k) + v for k, v in props) + b'\x00\x00\x09'
def ecma(props, hint=None):
    return b'\x08' + struct.pack('>I', len(props) if hint is None else hint) + \
        b''.join(key(k) + v for k, v in props) + b'\x00\x00\x09'
def strict(items): return b'\x0a' + struct.pack('>I', len(items)) + b''.join(items)
NULL = b'\x05'

write('amf0', 'connect', string('connect') + num(1) + obj([
    ('app', string('live')), ('flashVer', string('LNX 9,0,124,2')),
    ('tcUrl', string('rtmp://127.0.0.1:1935/live')), ('fpad', boolean(False)),
    ('capabilities', num(15)), ('audioCodecs', num(4071)), ('videoCodecs', num(252)),
    ('videoFunction', num(1))]))
write('amf0', 'result_connect', string('_result') + num(1) + obj([
    ('fmsVer', string('FMS/3,0,1,123')), ('capabilities', num(31))]) + obj([
    ('level', string('status')), ('code', string('NetConnection.Connect.Success')),
    ('description', string('Connection succeeded.')), ('objectEncoding', num(0))]))
write('amf0', 'onstatus', string('onStatus') + num(0) + NULL + obj([
    ('level', string('status')), ('code', string('NetStream.Publish.Start')),
    ('description', string('Start publishing'))]))
write('amf0', 'metadata_bad_hint', string('onMetaData') + ecma([
    ('duration', num(0)), ('width', num(1280)), ('height', num(720)),
    ('encoder', string('Lavf60.16.100')), ('stereo', boolean(True))], hint=0))
write('amf0', 'strict_huge_count', b'\x0a\xff\xff\xff\xff' + num(1))
write('amf0', 'misc_types', strict([
    b'\x0b' + struct.pack('>dh', 1.7e12, 0), b'\x0c' + struct.pack('>I', 3) + b'abc',
    b'\x0f' + struct.pack('>I', 3) + b'<a>', b'\x06', b'\x0d', b'\x07\x00\x01',
    b'\x10' + key('Cls') + key('x') + num(2) + b'\x00\x00\x09', string(b'a\x00b')]))
write('amf0', 'nested', (b'\x03' + key('a')) * 33 + num(1) + b'\x00\x00\x09' * 33)
write('amf0', 'amf3_switch', string('onTextData') + b'\x11\x0a\x0b\x01\x03x\x04\xff\xff\xff\xff'
      b'\x03y\x06\x07abc\x03z\x06\x04\x01')
write('amf0', 'truncated_string', b'\x02\x00\x10ab')

# --- AMF3 ---
write('amf3', 'integers', b'\x09\x0b\x01\x04\x00\x04\x7f\x04\x81\x00\x04\xff\xff\xff\xff'
      b'\x04\xc0\x80\x80\x00')
write('amf3', 'strings_refs', b'\x09\x09\x01\x06\x07abc\x06\x01\x06\x00\x06\x00')
write('amf3', 'assoc_array', b'\x09\x03\x03k\x04\x05\x01\x06\x03x')
write('amf3', 'objects_traits', bytes([
    0x09, 0x09, 0x01,
    0x0a, 0x23, 0x07]) + b'Ptt' + bytes([0x03]) + b'a' + bytes([0x03]) + b'b' + bytes([
    0x04, 0x01, 0x04, 0x02,
    0x0a, 0x01, 0x04, 0x03, 0x04, 0x7f,
    0x0a, 0x02,
    0x0a, 0x0b, 0x01, 0x02, 0x04, 0x07, 0x03]) + b'x' + bytes([0x06, 0x04, 0x01]))
write('amf3', 'bytes_xml_date', b'\x09\x09\x01\x0c\x07a\x00b\x0b\x07<x>\x0c\x02'
      b'\x08\x01' + struct.pack('>d', 1.7e12) + b'\x05' + struct.pack('>d', 0.5))
write('amf3', 'cycle', b'\x0a\x0b\x01\x03x\x0a\x00\x01')
laughs = b'\x09' + bytes([30 << 1 | 1]) + b'\x01' + b'\x09\x05\x01\x04\x01\x04\x01'
for k in range(1, 30):
    laughs += b'\x09\x05\x01\x09' + bytes([k << 1]) + b'\x09' + bytes([k << 1])
write('amf3', 'billion_laughs', laughs)
write('amf3', 'externalizable', b'\x0a\x07\x07Foo')

# --- URL ---
for name, url in [
    ('basic', 'rtmp://live.example.com/app/KEY'),
    ('instance', 'rtmp://host:1936/app/_definst_/mp4:dir/file.mp4'),
    ('userinfo', 'rtmps://bob:s%40cret@[2001:db8::5]:8443/live/key?sign=abc&t=1'),
    ('app_query', 'rtmp://host/live?token=abc'),
    ('deep', 'rtmp://h/a/b/c/d?x=/y:z'),
    ('bad_port', 'rtmp://u:p@ss@host:70000/a/b'),
    ('bad_v6', 'rtmp://[::1'),
    ('rtmpt', 'RTMPT://user:pw/x@host/live/key?k'),
    ('garbage', 'x:pw@y://h /a\r\n/b?q=1&r'),
    # ReconnectRequest tcUrls (fuzz_url also resolves the input against a current URL)
    ('move_network_path', '//192.0.2.1:1936/realtimeapp'),
    ('move_path', '/realtimeapp/inst?tok=1'),
    ('move_relative', 'other/../x'),
    ('move_scheme', 'javascript:alert(1)'),
]:
    write('url', name, url)
