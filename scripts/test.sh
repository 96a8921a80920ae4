#!/usr/bin/env bash
# Runs every test of Jinlin, doing all set-up first. The PostgreSQL tests run against
# the PostgreSQL on 127.0.0.1:5432 when one answers, else against one this starts.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

started=$SECONDS
JINLIN_TEST_POSTGRES=$(./scripts/test-postgres.sh)
export JINLIN_TEST_POSTGRES
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo fmt --all --check

# The front end: its dependencies exactly as locked, type checks, unit tests, build.
ui_log=$(mktemp)
trap 'rm -f "$log" "$ui_log"' EXIT
(
  cd ui
  npm ci --no-audit --no-fund
  npm run check
  NO_COLOR=1 npm test 2>&1 | tee "$ui_log"
  npm run build
)

# Lints, on every target, with the features the tests build (so nothing compiles twice
# for a different feature set).
cargo clippy --workspace --all-targets --locked --features jinlin-desktop/custom-protocol -- -D warnings

# The app is built as it ships, with the UI just built embedded (custom-protocol).
cargo test --workspace --locked --features jinlin-desktop/custom-protocol 2>&1 | tee "$log"
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
ui_passed=$(grep -Eo 'Tests +[0-9]+ passed' "$ui_log" | grep -Eo '[0-9]+' | head -n 1)
passed=$((passed + ${ui_passed:-0}))
# The real-window tests' screenshots, to look at (one folder per scenario).
if [ -n "$(find target/screenshots -name '*.png' 2>/dev/null | head -n 1)" ]; then
  echo "screenshots of the real window:"
  find target/screenshots -name '*.png' | sort | sed 's/^/  /'
fi
echo "every test ran in $((SECONDS - started)) s"
echo "tests: ${passed} passed, ${failed} failed"
