#!/usr/bin/env bash
# Websocket conformance: runs the Autobahn|Testsuite fuzzing client against tandem-ws's echo
# server (server/ws/examples/echo.rs, the relay's own handshake and framing) and compares
# every case's `behavior` and `behaviorClose` with server/ws/autobahn/expected.json, failing on
# any difference (as tungstenite's CI does). Cases that are not OK are justified in
# server/ws/autobahn/NOT-OK.md. Installs Autobahn (Python 2.7 only) once, pinned, into
# .tools/autobahn.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_autobahn

port="${AUTOBAHN_PORT:-9301}"
work="$(mktemp -d)"
cargo build -q -p tandem-ws --example echo --release
./target/release/examples/echo "$port" > "$work/echo.log" 2>&1 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

cat > "$work/fuzzingclient.json" <<JSON
{
  "outdir": "$work/reports",
  "servers": [{ "agent": "tandem-ws", "url": "ws://127.0.0.1:$port" }],
  "cases": ["*"],
  "exclude-cases": ["9.*"],
  "exclude-agent-cases": {}
}
JSON
log "Autobahn fuzzing client against the echo server (cases 1-7, 10, 12-13; 9 is a benchmark)"
(cd "$work" && PYENV_VERSION="$AUTOBAHN_PYTHON" "$(pyenv root)/versions/$AUTOBAHN_PYTHON/bin/python2" \
  "$ROOT/.tools/autobahn/wstest.py" -m fuzzingclient -s fuzzingclient.json > wstest.log 2>&1) || {
  tail -n 30 "$work/wstest.log"; exit 1; }
python3 "$ROOT/scripts/autobahn_compare.py" "$work/reports/index.json" "$ROOT/server/ws/autobahn/expected.json" ${AUTOBAHN_WRITE:+--write}
