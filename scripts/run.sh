#!/usr/bin/env bash
# Runs Jinlin, doing all set-up first: builds the sync server, loads a demo city into
# the embedded SQLite database on first run, and serves it on 127.0.0.1:8080.
# (The desktop app joins this command with its issue.)
#
#   JINLIN_DEMO_SCALE  fraction of the full demo city (default 0.05; 1 = 14,000 elders)
#   JINLIN_BIND        address to listen on (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

cargo build --locked -p jinlin-server
server=target/debug/jinlin-server
mkdir -p target/demo
database="sqlite://$(pwd)/target/demo/jinlin.db"
if [ ! -f target/demo/jinlin.db ]; then
  "$server" --database-url "$database" demo --scale "${JINLIN_DEMO_SCALE:-0.05}"
fi
bind=${JINLIN_BIND:-127.0.0.1:8080}
cat <<TXT

Jinlin's sync server, demo city in target/demo/jinlin.db (delete it to start afresh).
Sign in with the demo password "jinlin-demo" as: admin, s<street code> (supervisors),
or c<community code>a / c<community code>b (assistants), e.g.:

  curl -s http://$bind/api/v1/auth/login -H 'content-type: application/json' \\
    -d '{"protocol":1,"login":"c350203001001a","password":"jinlin-demo","device":{"id":null,"name":"demo"}}'

Ctrl-C stops it.
TXT
exec "$server" --database-url "$database" serve --bind "$bind"
