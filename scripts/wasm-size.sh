#!/usr/bin/env bash
# Prints the size of the release wasm, raw and brotli-compressed (as the server sends it).
source "$(dirname "$0")/lib.sh"
# The newest build: with hash-files the name carries a content hash.
wasm="$(ls -t "$ROOT"/target/site/pkg/tandem*.wasm 2>/dev/null | head -n 1)"
[ -f "$wasm" ] || { echo "no release wasm at $wasm: run cargo leptos build --release" >&2; exit 1; }
raw=$(stat -c %s "$wasm")
brotli_size=$(python3 -c 'import sys
try:
    import brotli
    print(len(brotli.compress(open(sys.argv[1],"rb").read(), quality=11)))
except ImportError:
    print("")' "$wasm")
if [ -z "$brotli_size" ] && command -v brotli >/dev/null; then
  brotli_size=$(brotli -c -q 11 "$wasm" | wc -c)
fi
gzip_size=$(gzip -9 -c "$wasm" | wc -c)
log "release wasm: raw ${raw} bytes, brotli ${brotli_size:-n/a} bytes, gzip ${gzip_size} bytes"
console="$(ls -t "$ROOT"/target/console/console.*.wasm 2>/dev/null | head -n 1)"
if [ -f "$console" ]; then
  log "staff console's wasm: raw $(stat -c %s "$console") bytes, gzip $(gzip -9 -c "$console" | wc -c) bytes"
fi
