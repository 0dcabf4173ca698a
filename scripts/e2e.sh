#!/usr/bin/env bash
# Runs the Playwright suite against the release build in target/, on its own database,
# Redis key prefix and port, so it never touches a development server's data.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
run_id="e2e_$(date +%s)_$$"
port="${E2E_PORT:-3400}"
database="tandem_${run_id}"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${database}"
export REDIS_KEY_PREFIX="tandem_${run_id}:"
export LEPTOS_SITE_ADDR="127.0.0.1:${port}" LEPTOS_OUTPUT_NAME=tandem LEPTOS_SITE_ROOT=target/site \
  LEPTOS_SITE_PKG_DIR=pkg LEPTOS_WASM_OUTPUT_NAME=tandem LEPTOS_ENV=PROD APP_SEED_DEMO=true RUST_LOG="${RUST_LOG:-warn}"
export BASE_URL="http://127.0.0.1:${port}"

"${SERVER_BIN:-./target/release/server}" > "target/e2e-server.log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "drop database if exists \"${database}\" with (force)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "${REDIS_KEY_PREFIX}*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
}
trap cleanup EXIT

status=0
(cd end2end && npx playwright test "$@") || status=$?
if [ "$status" != 0 ]; then
  log "end-to-end tests failed; server log follows"
  tail -n 50 target/e2e-server.log
fi
exit "$status"
