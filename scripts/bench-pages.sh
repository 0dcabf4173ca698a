#!/usr/bin/env bash
# Public pages under load (wrk from Debian): requests per second and latency of the anonymous
# catalog and a product page, as a browser asks for them (Accept-Encoding: br) and without
# compression, against the release server on its own database, Redis prefix and port.
# A baseline for the cheap-anonymous-pages work; figures only, never a pass/fail.
source "$(dirname "$0")/lib.sh"
apt_install wrk
cd "$ROOT"
[ -x target/release/server ] || cargo leptos build --release
run_id="pages_$(date +%s)_$$"
port="${BENCH_PAGES_PORT:-3460}"
database="tandem_bench_${run_id}"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${database}"
export REDIS_KEY_PREFIX="tandem_${run_id}:"
export LEPTOS_SITE_ADDR="127.0.0.1:${port}" LEPTOS_OUTPUT_NAME=tandem LEPTOS_SITE_ROOT=target/site \
  LEPTOS_SITE_PKG_DIR=pkg LEPTOS_WASM_OUTPUT_NAME=tandem LEPTOS_ENV=PROD APP_SEED_DEMO=true RUST_LOG=warn
./target/release/server > target/bench-pages-server.log 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "drop database if exists \"${database}\" with (force)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "${REDIS_KEY_PREFIX}*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:${port}/" 2>/dev/null && break
  sleep 0.2
done

duration="${BENCH_PAGES_SECONDS:-10}"
measure() {
  local what="$1" path="$2"; shift 2
  local out
  out="$(wrk -t2 -c64 -d"${duration}s" --latency "$@" "http://127.0.0.1:${port}${path}")"
  printf '%-44s %10s req/s   p50 %8s   p99 %8s\n' "$what" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}
log "wrk -t2 -c64 -d${duration}s, no cookie"
measure "catalog, no Accept-Encoding" "/"
measure "catalog, Accept-Encoding: br" "/" -H "Accept-Encoding: br"
measure "product page, Accept-Encoding: br" "/products/helmet-aero" -H "Accept-Encoding: br"
printf '%-44s %10s bytes\n' "catalog HTML as served with br" \
  "$(curl -s -H 'Accept-Encoding: br' -o /dev/null -w '%{size_download}' "http://127.0.0.1:${port}/")"
