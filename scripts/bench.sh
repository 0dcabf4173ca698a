#!/usr/bin/env bash
# Benchmarks (they print figures; they are not tests): the websocket relay against the
# release server, reps keeping their lists current while carts change, a burst of logins,
# the cart finder against 100k carts, and public pages under wrk (bench-pages.sh).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
ulimit -n "$(ulimit -Hn)"
[ -x target/release/server ] || build_release
cargo bench -p server --bench relay
cargo bench -p server --bench reps
cargo bench -p server --bench login
cargo bench -p server --bench finder
bash "$ROOT/scripts/bench-pages.sh"
