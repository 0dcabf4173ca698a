#!/usr/bin/env bash
# Two Tandem processes behind nginx (deploy/nginx.conf), sharing Postgres and Redis: checks
# that HTTP and websockets route through the proxy and that a change served by one process
# reaches a rep connected to the other. Needs the release build in target/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
run_id="proxy_$(date +%s)_$$"
database="tandem_${run_id}"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${database}" REDIS_KEY_PREFIX="tandem_${run_id}:" \
  LEPTOS_OUTPUT_NAME=tandem LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD \
  APP_SEED_DEMO=true RUST_LOG=warn
pids=()
cleanup() {
  [ -f /tmp/tandem-nginx.pid ] && kill "$(cat /tmp/tandem-nginx.pid)" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "drop database if exists \"${database}\" with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# The first process migrates and seeds; the second starts once it is up.
for port in 3501 3502; do
  LEPTOS_SITE_ADDR="127.0.0.1:${port}" ./target/release/server > "target/proxy-${port}.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:${port}/health" >/dev/null && break; sleep 0.2; done
done
nginx -c "$ROOT/deploy/nginx.conf" -g "daemon on;"
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:3500/health >/dev/null && break; sleep 0.2; done
log "nginx on :3500 in front of :3501 and :3502"
TANDEM_PROXY_URL=http://127.0.0.1:3500 cargo test -p server --test api -- --ignored \
  through_the_reverse_proxy_every_change
log "stopping the process that serves a rep's websocket (SIGTERM): 1001, then live through the other"
TANDEM_PROXY_URL=http://127.0.0.1:3500 cargo test -p server --test api -- --ignored \
  through_the_reverse_proxy_a_stopping_process
# The stopped process finishes its shutdown within the grace period and exits 0.
stopped=""
for _ in $(seq 1 150); do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || stopped="$pid"; done
  [ -n "$stopped" ] && break
  sleep 0.1
done
[ -n "$stopped" ] || { echo "no process exited after SIGTERM" >&2; exit 1; }
if wait "$stopped"; then
  log "process $stopped exited 0 after SIGTERM"
else
  echo "process $stopped exited with $? after SIGTERM" >&2
  exit 1
fi
