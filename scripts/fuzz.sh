#!/usr/bin/env bash
# Fuzzes the code that reads untrusted bytes (server/fuzz: frame decoder, handshake, client
# messages, help codes, pushed links, pricing) with cargo-fuzz on the nightly toolchain.
# Each target first replays its seed corpus (server/fuzz/corpus/<target>, crashes found
# earlier included), then fuzzes for FUZZ_SECONDS (default 20) with new inputs kept in a
# temporary directory. A longer run: FUZZ_SECONDS=3600 scripts/fuzz.sh pricing
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_cargo_fuzz
seconds="${FUZZ_SECONDS:-20}"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(frame_decoder handshake client_message help_code pushed_link pricing)
cargo +nightly fuzz build --fuzz-dir server/fuzz "${targets[@]:0:0}" >/dev/null
for target in "${targets[@]}"; do
  scratch="$(mktemp -d)"
  log "fuzz $target: replaying the corpus, then ${seconds} s"
  cargo +nightly fuzz run --fuzz-dir server/fuzz "$target" "$scratch" "server/fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2> "$scratch.log" || {
      tail -n 40 "$scratch.log"
      echo "fuzz target $target failed: the crashing input is under server/fuzz/artifacts/$target;" \
        "add it to server/fuzz/corpus/$target as a regression case once fixed" >&2
      exit 1
    }
  grep -E "^stat::number_of_executed_units|^Done" "$scratch.log" | tr '\n' ' '; echo
  rm -rf "$scratch" "$scratch.log"
done
