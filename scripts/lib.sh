# Shared helpers for the project's scripts. Source it; do not run it.
# Every install step is idempotent and pinned: it checks what is there first.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH:$HOME/.pyenv/bin"

CARGO_LEPTOS_VERSION="0.3.10"
WASM_BINDGEN_VERSION="0.2.130"
TRUNK_VERSION="0.21.14"
SQLX_CLI_VERSION="0.8.6"
CARGO_FUZZ_VERSION="0.13.2"
AUTOBAHN_VERSION="25.10.1"
AUTOBAHN_PYTHON="2.7.18"

log() { printf '\033[1;34m[tandem]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages that are missing, in one apt-get run.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

# cargo install NAME VERSION BIN [extra args]; skipped when BIN --version already prints VERSION.
cargo_install_pinned() {
  local name="$1" version="$2" bin="$3"; shift 3
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  log "cargo install $name $version (slow, once per machine)"
  cargo install "$name" --version "$version" "$@"
}

ensure_services() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
    log "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
    log "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "PostgreSQL or Redis did not come up" >&2
  return 1
}

ensure_rust_toolchain() {
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
  cargo_install_pinned cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-leptos --locked
  # Without --locked: the CLI's lockfile pins a crate version this registry lacks (see TOOLCHAIN.md).
  cargo_install_pinned wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
}

# cargo-fuzz drives libFuzzer on the nightly toolchain (installed beside stable on this
# machine kind; rustup fetches it elsewhere).
ensure_cargo_fuzz() {
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  cargo_install_pinned cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz --locked
}

# Autobahn|Testsuite (websocket conformance) is Python 2.7 only: pyenv's 2.7 installs it into
# .tools/autobahn, pinned; wstest.py starts it through site.addsitedir (pip --target skips
# the .pth files its zope namespace needs).
ensure_autobahn() {
  local dir="$ROOT/.tools/autobahn"
  if [ -f "$dir/installed-$AUTOBAHN_VERSION" ]; then return 0; fi
  command -v pyenv >/dev/null || { echo "pyenv (with Python $AUTOBAHN_PYTHON) is needed for Autobahn" >&2; return 1; }
  [ -x "$(pyenv root)/versions/$AUTOBAHN_PYTHON/bin/python2" ] || pyenv install -s "$AUTOBAHN_PYTHON"
  log "installing autobahntestsuite $AUTOBAHN_VERSION into .tools/autobahn"
  rm -rf "$dir"
  mkdir -p "$dir"
  PYENV_VERSION="$AUTOBAHN_PYTHON" "$(pyenv root)/versions/$AUTOBAHN_PYTHON/bin/python2" -m pip install -q \
    --disable-pip-version-check --target "$dir/site" "autobahntestsuite==$AUTOBAHN_VERSION"
  cat > "$dir/wstest.py" <<PY
import site, sys
site.addsitedir("$dir/site")
from autobahntestsuite.wstest import run
sys.exit(run())
PY
  touch "$dir/installed-$AUTOBAHN_VERSION"
}

ensure_node_packages() {
  (cd "$ROOT" && { [ -x node_modules/.bin/sass ] && [ -x node_modules/.bin/wasm-opt ] || npm ci --no-audit --no-fund; })
}

ensure_browser() {
  apt_install chromium
  (cd "$ROOT/end2end" && { { [ -x node_modules/.bin/playwright ] && [ -d node_modules/@axe-core/playwright ]; } || npm ci --no-audit --no-fund; })
}

# Prints the free space where the build goes and warns early when it is short: a full disk
# shows up much later as a linker "Bus error", which says nothing about the cause.
report_free_disk() {
  local free_kb
  free_kb="$(df -Pk "$ROOT" | awk 'NR==2 {print $4}')"
  log "free disk at $ROOT: $((free_kb / 1024 / 1024)) GiB"
  if [ "$free_kb" -lt $((8 * 1024 * 1024)) ]; then
    log "WARNING: under 8 GiB free; the debug, release and wasm builds need about that much"
  fi
}

# The release build: server and the shopper's wasm (islands; `--split` so that the cart
# page's island is fetched only on the cart page: cargo-leptos has no metadata key for it,
# so every `cargo leptos` call in scripts/ passes it), file names carrying content hashes
# (see `hash-files` in Cargo.toml), the staff console's own wasm, then every static file
# compressed once, at build time, with brotli at its highest quality and gzip -9, for the
# server to send as they are.
build_release() {
  (cd "$ROOT" && cargo leptos build --release --split "$@")
  build_console_bundle wasm-release
  precompress_site
}

# The staff console's wasm (app/src/pages/admin/console.rs), built apart from the shopper's
# so that none of it, not even its constant data, is in a shopper's download: `frontend`
# with the `console` feature, through wasm-bindgen and wasm-opt as cargo-leptos does for the
# shopper's, with the same RUSTFLAGS and LEPTOS_* settings (so the libraries that build
# compiled are reused, and component types are erased as on the server). Both builds write
# `frontend`'s one output file, so each re-links it after the other (about 25 s with LTO);
# never run the two at once. Written beside the site, where cargo-leptos does not clean:
# target/console/console.<content hash>.{js,wasm}, named in console.txt beside the server
# binary, as hash.txt names the shopper's files.
# $1: the cargo profile (wasm-release, or dev for scripts/dev.sh).
build_console_bundle() {
  local profile="${1:-wasm-release}" out="$ROOT/target/console" tmp="$ROOT/target/front/console-bindgen"
  local profile_dir="$profile" bin_dir=release
  [ "$profile" = dev ] && profile_dir=debug bin_dir=debug
  local rustflags="-Clink-args=--emit-relocs --cfg erase_components"
  (cd "$ROOT" && env LEPTOS_OUTPUT_NAME=tandem LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend LEPTOS_BIN_DIR=server \
    LEPTOS_JS_MINIFY="$([ "$profile" = dev ] && echo false || echo true)" LEPTOS_HASH_FILES=true \
    LEPTOS_HASH_FILE_NAME=hash.txt RUSTFLAGS="$rustflags" \
    cargo build --package=frontend --lib --target-dir=target/front --target=wasm32-unknown-unknown \
      --no-default-features --features=console --profile="$profile")
  rm -rf "$tmp"
  wasm-bindgen --target=web --no-typescript --out-name=console --out-dir="$tmp" \
    "$ROOT/target/front/wasm32-unknown-unknown/$profile_dir/frontend.wasm"
  python3 "$ROOT/scripts/strip-link-sections.py" "$tmp/console_bg.wasm"
  if [ "$profile" != dev ]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      "$tmp/console_bg.wasm" -o "$tmp/console_bg.wasm"
  fi
  local hash
  hash="$(cat "$tmp/console_bg.wasm" "$tmp/console.js" | sha256sum | cut -c1-22)"
  rm -rf "$out" && mkdir -p "$out"
  # JS snippets would sit under names without a hash, yet be sent as immutable.
  [ ! -d "$tmp/snippets" ] || { echo "the console's wasm has JS snippets: name them by content first" >&2; return 1; }
  cp "$tmp/console.js" "$out/console.$hash.js"
  cp "$tmp/console_bg.wasm" "$out/console.$hash.wasm"
  mkdir -p "$ROOT/target/$bin_dir"
  echo "console.$hash" > "$ROOT/target/$bin_dir/console.txt"
}

precompress_site() {
  find "$ROOT/target/site" "$ROOT/target/console" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \) -print0 |
    while IFS= read -r -d '' file; do
      # brotli copies the source's time onto its output: touch it, or it is redone every build.
      [ "$file.br" -nt "$file" ] || { brotli -f -q 11 -o "$file.br" "$file" && touch "$file.br"; }
      [ "$file.gz" -nt "$file" ] || gzip -9 -c "$file" > "$file.gz"
    done
}
