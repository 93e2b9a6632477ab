#!/usr/bin/env bash
# Starts and stops the real RTMP servers the integration tests talk to, on 127.0.0.1.
#
#   scripts/servers.sh start DIR    nginx-rtmp and node-media-server 4; all state in DIR
#   scripts/servers.sh stop DIR     stop both, wait for them to exit (fine if not running)
#   scripts/servers.sh status DIR   exit 0 if both are up
#
# Ports (env): RTMPKIT_NGINX_PORT (19350), RTMPKIT_NGINX_HTTP_PORT (18080, stat/control),
# RTMPKIT_NMS_PORT (19351), RTMPKIT_NMS_HTTP_PORT (18001, HTTP-FLV; 0 disables).
# RTMPKIT_NGINX_CONNECTIONS (256): nginx's worker_connections (bench.sh scale needs more).
# RTMPKIT_NMS_AUTH_PORT (19352): a second node-media-server with its play and publish
#   auth on (?sign=EXPIRY-md5hex("/app/stream-EXPIRY-SECRET")); the secret is in
#   DIR/nms-auth-secret (a fixed test value); its state in DIR/nms-auth/, log DIR/nms-auth.log.
# rtmps (TLS 1.2+; certificates made once per DIR in DIR/tls/ by the openssl CLI):
#   RTMPKIT_NGINX_TLS_PORT (19443)          nginx stream module terminating TLS in front of
#                                           the nginx-rtmp port; good certificate
#   RTMPKIT_NMS_TLS_PORT (19444)            node-media-server's own rtmps; good certificate
#   RTMPKIT_NGINX_TLS_EXPIRED_PORT (19445)  nginx stream: expired certificate (CA-signed)
#   RTMPKIT_NGINX_TLS_WRONG_PORT (19446)    nginx stream: certificate for wrong.example (CA-signed)
#   RTMPKIT_NGINX_TLS_SELF_PORT (19447)     nginx stream: self-signed certificate for localhost
# DIR/tls/: ca.pem (the test CA: trust it with --ca-file), server.pem (localhost,
#   127.0.0.1, ::1), expired.pem, wrong.pem, self.pem, each with its .key. Without
#   nginx's stream module (libnginx-mod-stream) the nginx TLS ports stay closed (warned).
#
# nginx applications:  live    live on (idle streams: players of an unpublished name wait)
#                      strict  live on, idle_streams off (such players are refused)
#                      vod     play DIR/vod   (vod/sample.flv: 5 s H.264+AAC)
# nginx HTTP: /stat (rtmp_stat XML), /control (rtmp_control, e.g.
#   /control/drop/publisher?app=live&name=x).
# Logs: DIR/nginx-error.log DIR/nginx-access.log DIR/nms.log
set -u

NGINX_PORT=${RTMPKIT_NGINX_PORT:-19350}
NGINX_HTTP_PORT=${RTMPKIT_NGINX_HTTP_PORT:-18080}
NMS_PORT=${RTMPKIT_NMS_PORT:-19351}
NMS_HTTP_PORT=${RTMPKIT_NMS_HTTP_PORT:-18001}
NMS_AUTH_PORT=${RTMPKIT_NMS_AUTH_PORT:-19352}
NMS_AUTH_SECRET=rtmpkit-test-secret-5f3a9c
NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19443}
NMS_TLS_PORT=${RTMPKIT_NMS_TLS_PORT:-19444}
NGINX_TLS_EXPIRED_PORT=${RTMPKIT_NGINX_TLS_EXPIRED_PORT:-19445}
NGINX_TLS_WRONG_PORT=${RTMPKIT_NGINX_TLS_WRONG_PORT:-19446}
NGINX_TLS_SELF_PORT=${RTMPKIT_NGINX_TLS_SELF_PORT:-19447}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NMS_JS="$ROOT/tests/servers/nms-server.js"
START_TIMEOUT=10

die() { echo "servers.sh: $*" >&2; exit 1; }

port_open() {  # port -> 0 if something accepts on 127.0.0.1:port
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

pid_alive() {  # pidfile -> 0 if its process runs
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

rtmp_module() {
    local so
    so=$(dpkg -L libnginx-mod-rtmp 2>/dev/null | grep '/ngx_rtmp_module\.so$' | head -n1)
    [ -n "$so" ] || so=/usr/lib/nginx/modules/ngx_rtmp_module.so
    [ -f "$so" ] || die "ngx_rtmp_module.so not found (is libnginx-mod-rtmp installed? run scripts/setup.sh)"
    echo "$so"
}

stream_module() {  # prints the path of ngx_stream_module.so, or nothing
    local so
    so=$(dpkg -L libnginx-mod-stream 2>/dev/null | grep '/ngx_stream_module\.so$' | head -n1)
    [ -n "$so" ] || so=/usr/lib/nginx/modules/ngx_stream_module.so
    [ -f "$so" ] && echo "$so"
}

# make_tls DIR: a test CA and server certificates in DIR/tls (once; kept across starts).
# EC P-256 keys, SHA-256; the CA-signed ones through `openssl ca`, which takes dates in
# the past for the expired one (no faketime needed).
make_tls() {
    local d=$1/tls t
    [ -s "$d/self.pem" ] && return 0
    command -v openssl >/dev/null || die "openssl not installed (run scripts/setup.sh)"
    t=$(mktemp -d "$1/.tls.XXXXXX") || die "cannot create a temp dir in $1"
    mkdir -p "$t/db/new" && : >"$t/db/index.txt" && echo 1000 >"$t/db/serial"
    cat >"$t/ca.cnf" <<EOF
[ ca ]
default_ca = testca
[ testca ]
database = $t/db/index.txt
new_certs_dir = $t/db/new
serial = $t/db/serial
default_md = sha256
policy = anything
unique_subject = no
email_in_dn = no
[ anything ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:wrong.example
EOF
    local -a key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    sign() {  # name subject extensions ca-options...
        local n=$1 subj=$2 ext=$3; shift 3
        timeout 30 openssl req -new "${key[@]}" -keyout "$t/$n.key" -out "$t/$n.csr" -subj "$subj" \
            -config "$t/ca.cnf" &&
        timeout 30 openssl ca -batch -notext -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca.key" \
            -extensions "$ext" -in "$t/$n.csr" -out "$t/$n.pem" "$@"
    }
    {
        timeout 30 openssl req -x509 "${key[@]}" -keyout "$t/ca.key" -out "$t/ca.pem" -days 3650 \
            -subj "/CN=rtmpkit test CA" -config "$t/ca.cnf" -extensions v3_ca &&
        sign server /CN=localhost server -days 3650 &&
        sign expired /CN=localhost server -startdate 20200101000000Z -enddate 20200201000000Z &&
        sign wrong /CN=wrong.example wrong -days 3650 &&
        timeout 30 openssl req -x509 "${key[@]}" -keyout "$t/self.key" -out "$t/self.pem" -days 3650 \
            -subj /CN=localhost -config "$t/ca.cnf" -extensions server
    } >"$t/openssl.log" 2>&1 || {
        cat "$t/openssl.log" >&2; rm -rf "$t"; die "openssl could not make the test certificates"
    }
    rm -rf "$d"
    mkdir -p "$d" && cp "$t"/{ca,server,expired,wrong,self}.{pem,key} "$d"/ && chmod 600 "$d"/*.key \
        || die "cannot write $d"
    rm -rf "$t"
}

tls_server_block() {  # port certificate-name dir
    cat <<EOF
    server {
        listen 127.0.0.1:$1 ssl;
        ssl_certificate $3/tls/$2.pem;
        ssl_certificate_key $3/tls/$2.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        proxy_pass 127.0.0.1:$NGINX_PORT;
    }
EOF
}

make_vod() {  # dir: a 5 s H.264 (no B-frames, GOP 1 s) + AAC FLV for nginx's vod app
    local d=$1
    mkdir -p "$d/vod"
    [ -s "$d/vod/sample.flv" ] && return 0
    timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
        -t 5 -map 0:v -map 1:a -c:v libx264 -profile:v main -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
        -pix_fmt yuv420p -c:a aac -ar 44100 -ac 2 -bitexact -f flv "$d/vod/sample.flv.tmp" \
        && mv "$d/vod/sample.flv.tmp" "$d/vod/sample.flv" \
        || die "ffmpeg could not generate $d/vod/sample.flv"
}

write_nginx_conf() {  # dir
    local d=$1 user_line="" stream_so stream_load="" stream_conf=""
    [ "$(id -u)" = 0 ] && user_line="user root;"
    # rtmps: nginx's stream module terminates TLS and proxies to the rtmp port.
    stream_so=$(stream_module)
    if [ -n "$stream_so" ]; then
        stream_load="load_module $stream_so;"
        stream_conf="stream {
$(tls_server_block "$NGINX_TLS_PORT" server "$d")
$(tls_server_block "$NGINX_TLS_EXPIRED_PORT" expired "$d")
$(tls_server_block "$NGINX_TLS_WRONG_PORT" wrong "$d")
$(tls_server_block "$NGINX_TLS_SELF_PORT" self "$d")
}"
    else
        echo "servers.sh: warning: nginx's stream module (libnginx-mod-stream) is missing: no rtmps on 127.0.0.1:$NGINX_TLS_PORT" >&2
    fi
    # The IPv6 loopback too, when the machine has it (for rtmp://[::1]:port/ tests).
    local ipv6_listen=""
    grep -q ' lo$' /proc/net/if_inet6 2>/dev/null && ipv6_listen="        listen [::1]:$NGINX_PORT;"
    mkdir -p "$d/nginx-tmp"
    cat >"$d/nginx.conf" <<EOF
# Written by scripts/servers.sh; test servers only.
load_module $(rtmp_module);
$stream_load
$user_line
daemon on;
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/nginx-error.log info;
events { worker_connections ${RTMPKIT_NGINX_CONNECTIONS:-256}; }

rtmp {
    access_log $d/nginx-access.log;
    server {
        listen 127.0.0.1:$NGINX_PORT;
$ipv6_listen
        chunk_size 4096;
        application live {
            live on;
        }
        application strict {
            live on;
            idle_streams off;
        }
        # Enhanced RTMP video: nginx reads an enhanced keyframe's frame type as 9, so
        # with wait_key on (the default) its players never get video (test_enhanced.sh).
        application nowaitkey {
            live on;
            wait_key off;
        }
        application vod {
            play $d/vod;
        }
    }
}

http {
    access_log off;
    client_body_temp_path $d/nginx-tmp/body;
    proxy_temp_path $d/nginx-tmp/proxy;
    fastcgi_temp_path $d/nginx-tmp/fastcgi;
    uwsgi_temp_path $d/nginx-tmp/uwsgi;
    scgi_temp_path $d/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_HTTP_PORT;
        location /stat { rtmp_stat all; }
        location /control { rtmp_control all; }
    }
}

$stream_conf
EOF
}

wait_port() {  # name port pidfile log
    local i
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
        port_open "$2" && return 0
        if [ $i -gt 5 ] && ! pid_alive "$3"; then
            echo "servers.sh: $1 exited during start; last lines of $4:" >&2
            tail -n 15 "$4" >&2 2>/dev/null
            return 1
        fi
        sleep 0.1
    done
    echo "servers.sh: $1 not accepting on 127.0.0.1:$2 after ${START_TIMEOUT}s; last lines of $4:" >&2
    tail -n 15 "$4" >&2 2>/dev/null
    return 1
}

start() {
    local d=$1 p
    mkdir -p "$d" || die "cannot create $d"
    d=$(cd "$d" && pwd)
    for p in "$NGINX_PORT" "$NGINX_HTTP_PORT" "$NMS_PORT" "$NMS_AUTH_PORT" "$NGINX_TLS_PORT" "$NMS_TLS_PORT" \
             "$NGINX_TLS_EXPIRED_PORT" "$NGINX_TLS_WRONG_PORT" "$NGINX_TLS_SELF_PORT"; do
        port_open "$p" && die "port 127.0.0.1:$p is already in use (servers still running? try: $0 stop $d)"
    done
    if [ "$NMS_HTTP_PORT" != 0 ] && port_open "$NMS_HTTP_PORT"; then
        die "port 127.0.0.1:$NMS_HTTP_PORT is already in use"
    fi
    command -v nginx >/dev/null || die "nginx not installed (run scripts/setup.sh)"
    command -v node >/dev/null || die "node not installed (run scripts/setup.sh)"
    [ -f "$ROOT/tests/servers/nms/node_modules/node-media-server/package.json" ] \
        || die "node-media-server missing in tests/servers/nms (run scripts/setup.sh)"

    make_vod "$d"
    make_tls "$d"
    write_nginx_conf "$d"
    rm -f "$d/nginx.pid" "$d/nms.pid" "$d/nms-auth.pid"
    timeout 10 nginx -e "$d/nginx-error.log" -p "$d" -c "$d/nginx.conf" >"$d/nginx-start.log" 2>&1 \
        || { cat "$d/nginx-start.log" >&2; die "nginx failed to start (config $d/nginx.conf)"; }

    node "$NMS_JS" --dir "$d" --rtmp-port "$NMS_PORT" --http-port "$NMS_HTTP_PORT" \
        --rtmps-port "$NMS_TLS_PORT" --tls-cert "$d/tls/server.pem" --tls-key "$d/tls/server.key" \
        </dev/null >"$d/nms.log" 2>&1 &
    echo $! >"$d/nms.pid"
    echo "$NMS_AUTH_SECRET" >"$d/nms-auth-secret"
    node "$NMS_JS" --dir "$d/nms-auth" --rtmp-port "$NMS_AUTH_PORT" --http-port 0 \
        --auth-secret-file "$d/nms-auth-secret" </dev/null >"$d/nms-auth.log" 2>&1 &
    echo $! >"$d/nms-auth.pid"

    wait_port nginx "$NGINX_PORT" "$d/nginx.pid" "$d/nginx-error.log" || { stop "$d"; exit 1; }
    wait_port node-media-server "$NMS_PORT" "$d/nms.pid" "$d/nms.log" || { stop "$d"; exit 1; }
    wait_port "node-media-server rtmps" "$NMS_TLS_PORT" "$d/nms.pid" "$d/nms.log" || { stop "$d"; exit 1; }
    wait_port "node-media-server with auth" "$NMS_AUTH_PORT" "$d/nms-auth.pid" "$d/nms-auth.log" || { stop "$d"; exit 1; }
    if [ -n "$(stream_module)" ]; then
        wait_port "nginx rtmps" "$NGINX_TLS_PORT" "$d/nginx.pid" "$d/nginx-error.log" || { stop "$d"; exit 1; }
    fi
    echo "nginx-rtmp rtmp://127.0.0.1:$NGINX_PORT (apps live strict nowaitkey vod; http 127.0.0.1:$NGINX_HTTP_PORT) pid $(cat "$d/nginx.pid")"
    local http="http 127.0.0.1:$NMS_HTTP_PORT"
    [ "$NMS_HTTP_PORT" = 0 ] && http="http off"
    echo "node-media-server rtmp://127.0.0.1:$NMS_PORT ($http) pid $(cat "$d/nms.pid")"
    echo "node-media-server with play/publish auth rtmp://127.0.0.1:$NMS_AUTH_PORT (secret in $d/nms-auth-secret) pid $(cat "$d/nms-auth.pid")"
    echo "rtmps: nginx 127.0.0.1:$NGINX_TLS_PORT (expired :$NGINX_TLS_EXPIRED_PORT, wrong name :$NGINX_TLS_WRONG_PORT, self-signed :$NGINX_TLS_SELF_PORT), node-media-server 127.0.0.1:$NMS_TLS_PORT; CA $d/tls/ca.pem"
}

stop_pidfile() {  # pidfile name
    local pf=$1 pid i
    [ -s "$pf" ] || return 0
    pid=$(cat "$pf")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "servers.sh: $2 (pid $pid) ignored SIGTERM for 5 s; killing" >&2
            kill -KILL "$pid" 2>/dev/null
            sleep 0.2
        fi
    fi
    rm -f "$pf"
}

stop() {
    local d=$1
    [ -d "$d" ] || return 0
    stop_pidfile "$d/nginx.pid" nginx
    stop_pidfile "$d/nms.pid" node-media-server
    stop_pidfile "$d/nms-auth.pid" "node-media-server with auth"
    return 0
}

status() {
    local d=$1 rc=0
    if pid_alive "$d/nginx.pid" && port_open "$NGINX_PORT"; then echo "nginx up"; else echo "nginx down"; rc=1; fi
    if pid_alive "$d/nms.pid" && port_open "$NMS_PORT"; then echo "node-media-server up"; else echo "node-media-server down"; rc=1; fi
    if port_open "$NGINX_TLS_PORT"; then echo "nginx rtmps up"; else echo "nginx rtmps down"; rc=1; fi
    if pid_alive "$d/nms-auth.pid" && port_open "$NMS_AUTH_PORT"; then echo "node-media-server with auth up"; else echo "node-media-server with auth down"; rc=1; fi
    if port_open "$NMS_TLS_PORT"; then echo "node-media-server rtmps up"; else echo "node-media-server rtmps down"; rc=1; fi
    return $rc
}

[ $# -eq 2 ] || die "usage: $0 start|stop|status DIR"
case "$1" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    status) status "$2" ;;
    *) die "usage: $0 start|stop|status DIR" ;;
esac
