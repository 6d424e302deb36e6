#!/usr/bin/env bash
# Cached-hit throughput and latency of cachepolicy-proxy against nginx's proxy_cache,
# configured equivalently, on loopback. Not part of `make test`.
#
#   bash proxy/bench/run.sh            # 2 rounds x 10 s per server, 64 connections, 2 wrk threads
#   DURATION=5s ROUNDS=3 CONNECTIONS=32 BODY=4096 bash proxy/bench/run.sh
#
# The servers are measured in alternating rounds (nginx, proxy, nginx, proxy, ...) and the
# figures averaged, since a shared machine's speed drifts from one run to the next.
#
# Installs nginx and wrk from Debian's packages when missing (needs root for apt-get).
# Everything listens on 127.0.0.1 only and stops when the script ends.
set -euo pipefail

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
BODY=${BODY:-1024}
ORIGIN_PORT=${ORIGIN_PORT:-18080}
PROXY_PORT=${PROXY_PORT:-18081}
NGINX_PORT=${NGINX_PORT:-18082}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/cachepolicy-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian" >&2
    if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${need[*]}" >&2; exit 1; fi
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

echo "building cachepolicy-proxy (release)" >&2
(cd "$root" && cargo build -q --release -p cachepolicy-proxy)
PROXY_BIN=${CARGO_TARGET_DIR:-$root/target}/release/cachepolicy-proxy

# The origin: one cacheable resource (max-age=3600, ETag), BODY bytes.
python3 - "$ORIGIN_PORT" "$BODY" >"$work/origin.log" 2>&1 <<'EOF' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, size = int(sys.argv[1]), int(sys.argv[2])
body = (b"0123456789abcdef" * (size // 16 + 1))[:size]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Cache-Control", "max-age=3600")
        self.send_header("ETag", '"bench-1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
pids+=($!)

# nginx, configured like the proxy: an in-memory-backed cache (tmpfs) that honours the
# origin's Cache-Control, collapses misses (proxy_cache_lock), revalidates with conditional
# requests, serves stale on errors and while updating in the background, keeps upstream
# connections alive, no access log, one worker per core.
mkdir -p "$work/nginx/cache" "$work/nginx/tmp"
cache_dir=/dev/shm/cachepolicy-bench-nginx-$$
mkdir -p "$cache_dir"
cat >"$work/nginx.conf" <<EOF
worker_processes $(nproc);
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp;
    proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    uwsgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    proxy_cache_path $cache_dir levels=1:2 keys_zone=bench:16m max_size=64m inactive=1h use_temp_path=off;
    upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        keepalive_requests 1000000;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache bench;
            proxy_cache_key \$host\$request_uri;
            proxy_cache_lock on;
            proxy_cache_revalidate on;
            proxy_cache_background_update on;
            proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
            proxy_connect_timeout 10s;
            proxy_read_timeout 10s;
            add_header Cache-Status "nginx; \$upstream_cache_status";
        }
    }
}
EOF
"$NGINX" -c "$work/nginx.conf" -p "$work/nginx" >"$work/nginx.out" 2>&1 &
pids+=($!)

"$PROXY_BIN" --listen "127.0.0.1:$PROXY_PORT" --origin "http://127.0.0.1:$ORIGIN_PORT" --max-bytes 64M --quiet >"$work/proxy.log" 2>&1 &
pids+=($!)

wait_port() {
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$1/warm" 2>/dev/null || python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}
wait_port "$ORIGIN_PORT"; wait_port "$NGINX_PORT"; wait_port "$PROXY_PORT"

# Warm both caches and check that the second request is a hit.
python3 - "$PROXY_PORT" "$NGINX_PORT" <<'EOF'
import sys, http.client
for port in sys.argv[1:]:
    statuses = []
    for _ in range(3):
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
        c.request("GET", "/bench")
        r = c.getresponse(); r.read()
        statuses.append(r.getheader("Cache-Status"))
        c.close()
    print(f"port {port}: Cache-Status {statuses[-1]!r}", file=sys.stderr)
    if "hit" not in (statuses[-1] or "").lower():
        sys.exit(f"port {port} does not serve hits: {statuses}")
EOF

run() { # name port
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$2/bench" >"$work/$1.wrk" 2>&1
    cat "$work/$1.wrk" >&2
}
echo "wrk: $THREADS threads, $CONNECTIONS connections, $ROUNDS rounds of $DURATION per server, $BODY-byte body, $(nproc) cores" >&2
for round in $(seq 1 "$ROUNDS"); do
    run "nginx.$round" "$NGINX_PORT"
    run "proxy.$round" "$PROXY_PORT"
done

python3 - "$work" "$ROUNDS" <<'EOF'
import re, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def ms(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", text, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return rps, ms("50%"), ms("99%"), (int(errors.group(1)) if errors else 0), (socket_errors.group(1) if socket_errors else "none")
def mean(name):
    runs = [parse(f"{work}/{name}.{r}.wrk") for r in range(1, rounds + 1)]
    avg = [sum(r[i] for r in runs) / rounds for i in range(3)]
    return avg + [sum(r[3] for r in runs), "; ".join(sorted({r[4] for r in runs}))], [r[0] for r in runs]
p, p_runs = mean("proxy")
n, n_runs = mean("nginx")
print()
print(f"Cached hits, {rounds} alternating rounds averaged (req/s per round: proxy {', '.join(f'{x:,.0f}' for x in p_runs)}; nginx {', '.join(f'{x:,.0f}' for x in n_runs)})")
print()
print("| server | req/s | p50 latency | p99 latency | non-2xx | socket errors |")
print("|---|---:|---:|---:|---:|---|")
print(f"| cachepolicy-proxy | {p[0]:,.0f} | {p[1]:.3f} ms | {p[2]:.3f} ms | {p[3]} | {p[4]} |")
print(f"| nginx proxy_cache | {n[0]:,.0f} | {n[1]:.3f} ms | {n[2]:.3f} ms | {n[3]} | {n[4]} |")
print(f"| ratio proxy / nginx | {p[0] / n[0]:.2f}x | {p[1] / n[1]:.2f}x | {p[2] / n[2]:.2f}x | | |")
EOF
rm -rf "$cache_dir"
