#!/usr/bin/env bash
# Runs Jinlin, doing all set-up first: builds the UI, the sync server and the desktop
# app; loads a demo city into the embedded SQLite database on first run; serves it on
# 127.0.0.1:8080; and opens the app signed in as an assistant of a demo community.
# Without a display it says so, and runs the app under Xvfb with a screenshot.
#
#   JINLIN_DEMO_SCALE  fraction of the full demo city (default 0.05; 1 = 14,000 elders)
#   JINLIN_BIND        address the server listens on (default 127.0.0.1:8080)
#   JINLIN_LOGIN       whom the app signs in as (default: the demo's first assistant)
#   JINLIN_XVFB        1: run under Xvfb even with a display; 0: never ask, just serve
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
cargo build --locked -p jinlin-server -p jinlin-desktop --features jinlin-desktop/custom-protocol
server=target/debug/jinlin-server
app=target/debug/jinlin-desktop
mkdir -p target/demo
database="sqlite://$(pwd)/target/demo/jinlin.db"
if [ ! -f target/demo/jinlin.db ]; then
  "$server" --database-url "$database" demo --scale "${JINLIN_DEMO_SCALE:-0.05}"
fi
bind=${JINLIN_BIND:-127.0.0.1:8080}
login=${JINLIN_LOGIN:-$("$server" --database-url "$database" user list | awk -F'\t' '$3 == "assistant" && !found { print $1; found = 1 }')}

"$server" --database-url "$database" serve --bind "$bind" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fs "http://$bind/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: the server did not start" >&2; exit 1; }
  sleep 0.1
done

cat <<TXT

Jinlin's sync server: http://$bind, demo city in target/demo/jinlin.db (delete it to
start afresh). Demo password "jinlin-demo" for: admin, s<street code> (supervisors),
c<community code>a / c<community code>b (assistants).
The desktop app opens signed in as $login; its data is in target/demo/station.
Ctrl-C stops both.

TXT

export JINLIN_SERVER="http://$bind" JINLIN_SIGN_IN="$login" JINLIN_PASSWORD=jinlin-demo
export JINLIN_STATION_DATA="$(pwd)/target/demo/station"

if [ "${JINLIN_XVFB:-}" != 1 ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  "$app"
  exit
fi

echo "There is no display here (DISPLAY and WAYLAND_DISPLAY are unset)."
if [ "${JINLIN_XVFB:-}" = 0 ]; then
  echo "Serving only (JINLIN_XVFB=0); Ctrl-C stops the server."
  wait "$server_pid"
  exit
fi
if [ -t 0 ] && [ -z "${JINLIN_XVFB:-}" ]; then
  read -r -p "Run the app in a virtual display (Xvfb) and save a screenshot? [Y/n] " answer
  case "$answer" in
    [nN]*) echo "Serving only; Ctrl-C stops the server."; wait "$server_pid"; exit ;;
  esac
fi
shot=target/demo/run.png
echo "Running the app under Xvfb at 1366x768; the screenshot goes to $shot."
xvfb-run -a -s "-screen 0 1366x768x24" bash -c '
  "$1" & app=$!
  sleep 15
  import -window root "$2" && echo "Saved $2: the app as it looks now (open it in any image viewer)."
  echo "The app keeps running under Xvfb; Ctrl-C stops it and the server."
  wait "$app"
' run-under-xvfb "$app" "$shot"
