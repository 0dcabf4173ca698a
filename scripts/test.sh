#!/usr/bin/env bash
# Sets up this machine (idempotent) and runs every check and test: formatting, clippy,
# Rust unit and integration tests (real Postgres and Redis), and Playwright end-to-end
# tests in Debian Chromium against a release build, with JavaScript off and hydrated.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
report_free_disk

log "formatting"
cargo fmt --all --check

# Each package is checked on its own: a workspace-wide build would unify the ssr and
# hydrate features of `app`, which never meet in a real build.
log "clippy"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p frontend --features hydrate --target wasm32-unknown-unknown -- -D warnings

log "rust tests (each test creates its own database and Redis key prefix)"
export TANDEM_TEST_RUN="r$(date +%s | tail -c 7)$$"
drop_test_databases() {
  psql -h 127.0.0.1 -U postgres -Atq -c "select datname from pg_database where datname like 'tandem_t_${TANDEM_TEST_RUN}_%'" |
    while read -r db; do psql -h 127.0.0.1 -U postgres -q -c "drop database if exists \"$db\" with (force)"; done
  redis-cli -h 127.0.0.1 --scan --pattern "tandem_test_${TANDEM_TEST_RUN}_*" |
    xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null || true
}
trap drop_test_databases EXIT
cargo test -p app --features ssr
cargo test -p server
drop_test_databases

log "release build (wasm-release profile, wasm-opt -Oz)"
cargo leptos build --release
bash "$ROOT/scripts/wasm-size.sh"

log "two processes behind nginx"
bash "$ROOT/scripts/nginx-check.sh"

log "end-to-end tests"
bash "$ROOT/scripts/e2e.sh"
log "all tests passed"
