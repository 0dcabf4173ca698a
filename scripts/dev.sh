#!/usr/bin/env bash
# Sets up this machine (idempotent) and runs Tandem in development on http://127.0.0.1:3000
# with the demo catalog and demo staff accounts. Rebuilds and reloads on every change.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export APP_SEED_DEMO="${APP_SEED_DEMO:-true}"
# The staff console's wasm is built apart from cargo-leptos (see build_console_bundle): once
# here; run this script again after changing the console's code.
log "building the staff console's wasm"
build_console_bundle dev
log "starting cargo leptos watch on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec cargo leptos watch --split
