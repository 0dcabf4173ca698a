#!/usr/bin/env bash
# Sets up this machine (idempotent) and runs every check and test: formatting, clippy,
# Rust unit and integration tests (real Postgres and Redis, failure drills with their own
# Redis and Postgres), websocket conformance (Autobahn), fuzzing, a release build, two
# processes behind nginx, and Playwright end-to-end tests in Debian Chromium against the
# release build, with JavaScript off and hydrated. Prints how long each stage took.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
report_free_disk
# A thousand websockets (client and server ends) in one test process.
ulimit -n "$(ulimit -Hn)"

timings=()
stage_started=$SECONDS
stage() {
  if [ -n "${stage_name:-}" ]; then timings+=("$(printf '%5ds  %s' $((SECONDS - stage_started)) "$stage_name")"); fi
  stage_name="$1"
  stage_started=$SECONDS
  log "$1"
}

stage "formatting"
cargo fmt --all --check
(cd server/fuzz && cargo fmt --check)

# Each package is checked on its own: a workspace-wide build would unify the ssr and
# hydrate features of `app`, which never meet in a real build.
stage "clippy"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p tandem-ws --all-targets -- -D warnings
cargo clippy -p frontend --features hydrate --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p frontend --features console --target wasm32-unknown-unknown -- -D warnings

stage "rust tests (each test creates its own database and Redis key prefix)"
export TANDEM_TEST_RUN="r$(date +%s | tail -c 7)$$"
drop_test_databases() {
  psql -h 127.0.0.1 -U postgres -Atq -c "select datname from pg_database where datname like 'tandem_t_${TANDEM_TEST_RUN}_%'" |
    while read -r db; do psql -h 127.0.0.1 -U postgres -q -c "drop database if exists \"$db\" with (force)"; done
  redis-cli -h 127.0.0.1 --scan --pattern "tandem_test_${TANDEM_TEST_RUN}_*" |
    xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null || true
}
trap drop_test_databases EXIT
cargo test -p app --features ssr
cargo test -p tandem-ws
cargo test -p server
drop_test_databases

stage "websocket conformance (Autobahn|Testsuite against tandem-ws)"
bash "$ROOT/scripts/autobahn.sh"

stage "fuzzing (each target: its corpus, then ${FUZZ_SECONDS:-20} s)"
bash "$ROOT/scripts/fuzz.sh"

stage "release build (wasm-release profile, wasm-opt -Oz; static files precompressed)"
build_release
bash "$ROOT/scripts/wasm-size.sh"

stage "two processes behind nginx"
bash "$ROOT/scripts/nginx-check.sh"

stage "end-to-end tests"
bash "$ROOT/scripts/e2e.sh"
stage "done"
log "stage timings:"
printf '  %s\n' "${timings[@]}"
log "all tests passed"
