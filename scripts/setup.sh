#!/usr/bin/env bash
# Installs everything the app and its tests need on a fresh Debian machine. Idempotent, pinned.
source "$(dirname "$0")/lib.sh"
ensure_services
apt_install nginx brotli
ensure_rust_toolchain
ensure_node_packages
ensure_browser
log "setup complete"
