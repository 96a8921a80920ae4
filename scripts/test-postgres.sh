#!/usr/bin/env bash
# Makes sure a PostgreSQL answers for the tests and prints its admin URL.
#
# Uses the one on 127.0.0.1:5432 (trust auth) when it answers; otherwise installs
# PostgreSQL from Debian if needed and starts a private, throw-away cluster on
# JINLIN_TEST_PG_PORT (default 54329), owned by the postgres user.
set -euo pipefail

host=127.0.0.1
port=${JINLIN_TEST_PG_SYSTEM_PORT:-5432}
private_port=${JINLIN_TEST_PG_PORT:-54329}
dir=${JINLIN_TEST_PG_DIR:-/tmp/jinlin-test-postgres}

answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$host" -p "$1" -U postgres
  else
    (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null
  fi
}

if answers "$port"; then
  echo "postgres://postgres@$host:$port/postgres"
  exit 0
fi

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "test-postgres: installing PostgreSQL" >&2
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres() { $sudo_cmd su postgres -s /bin/bash -c "$1"; }
if ! answers "$private_port"; then
  echo "test-postgres: starting a private cluster in $dir on port $private_port" >&2
  if [ ! -f "$dir/PG_VERSION" ]; then
    $sudo_cmd mkdir -p "$dir"
    $sudo_cmd chown postgres "$dir"
    as_postgres "$bin/initdb -D '$dir' -A trust -U postgres" >&2
  fi
  as_postgres "$bin/pg_ctl -D '$dir' -o '-p $private_port -k /tmp -c listen_addresses=$host' -l '$dir/log' -w start" >&2
fi
echo "postgres://postgres@$host:$private_port/postgres"
