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
# One libFuzzer process per core: each is single-threaded, so on two cores a pair takes
# as long as one target alone.
fuzz_one() {
  local target="$1" scratch
  scratch="$(mktemp -d)"
  if ! cargo +nightly fuzz run --fuzz-dir server/fuzz "$target" "$scratch" "server/fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2> "$scratch.log"; then
    tail -n 40 "$scratch.log"
    echo "fuzz target $target failed: the crashing input is under server/fuzz/artifacts/$target;" \
      "add it to server/fuzz/corpus/$target as a regression case once fixed" >&2
    return 1
  fi
  echo "fuzz $target: $(grep -E "^stat::number_of_executed_units|^Done" "$scratch.log" | tr '\n' ' ')"
  rm -rf "$scratch" "$scratch.log"
}
parallel="$(nproc)"
# Ctrl-C or a CI timeout stops every fuzzer (the whole process group), not only this script.
trap 'trap - INT TERM; kill 0' INT TERM
log "fuzzing ${#targets[@]} targets, ${parallel} at a time: each replays its corpus, then ${seconds} s"
failed=0
for ((i = 0; i < ${#targets[@]}; i += parallel)); do
  pids=()
  for target in "${targets[@]:i:parallel}"; do
    fuzz_one "$target" &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
done
exit "$failed"
