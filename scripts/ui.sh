#!/usr/bin/env bash
# Client-side-only UI iteration with trunk (see Trunk.toml). Needs scripts/dev.sh running.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cargo_install_pinned trunk "$TRUNK_VERSION" trunk --locked
cd "$ROOT"
exec trunk serve --offline
