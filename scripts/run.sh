#!/usr/bin/env bash
# Runs Jinlin, doing all set-up first. Until the sync server and the desktop app land,
# this prints the coverage of a generated community, computed by the shared core.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo run --locked -p jinlin-shared --example community_coverage -- "$@"
