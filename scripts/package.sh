#!/usr/bin/env bash
# Builds the workstation's installers with Tauri's bundler, then tries the Linux one:
# the .deb is unpacked into a scratch root and the app started there under Xvfb, with a
# home of its own, until it has opened its store and its log.
#
#   ./scripts/package.sh [--debug] [--server https://jinlin.city.gov.cn] [--ca city-ca.pem]
#
#   --server URL  the server a new workstation starts pointed at (https://, or http:// to
#                 this computer only); the settings screen can still change it
#   --ca FILE     the city's certificate authority (PEM), trusted from the first start
#   --debug       a debug build (minutes faster; for trying the script, not for handing out)
#
# Bundles land in target/<profile>/bundle/. Here (Linux): the .deb. The AppImage is
# configured but needs linuxdeploy, which Tauri downloads from GitHub at bundle time
# (not reachable from the machines this is built on). Windows: on a Windows PC with
# Rust, Node.js and WebView2, run the same build with
#   npm --prefix ui ci && npm --prefix ui run build
#   set JINLIN_PRESET_SERVER=https://… & set JINLIN_PRESET_CA=C:\path\city-ca.pem
#   cd src-tauri && ..\ui\node_modules\.bin\tauri build --bundles nsis,msi
# which writes the NSIS installer (Chinese, per-user, no administrator needed) and the
# MSI (for pushing out by group policy) to target\release\bundle\, named 近邻.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
tauri_flags=()
while (($#)); do
  case "$1" in
    --debug) profile=debug; tauri_flags+=(--debug) ;;
    --server) export JINLIN_PRESET_SERVER="$2"; shift ;;
    --ca) JINLIN_PRESET_CA="$(realpath "$2")"; export JINLIN_PRESET_CA; shift ;;
    *) echo "package.sh: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
  shift
done

# Bad presets are refused before anything is built.
if [ -n "${JINLIN_PRESET_SERVER:-}" ]; then
  case "$JINLIN_PRESET_SERVER" in
    https://*) ;;
    http://127.0.0.1*|http://localhost*|http://\[::1\]*) ;;
    *) echo "package.sh: --server must be an https:// address (plain http:// only to this computer): $JINLIN_PRESET_SERVER" >&2; exit 2 ;;
  esac
  rest=${JINLIN_PRESET_SERVER#*://}
  if [[ "$rest" == */?* ]]; then
    echo "package.sh: --server is the server's address alone, without a path: $JINLIN_PRESET_SERVER" >&2; exit 2
  fi
fi
if [ -n "${JINLIN_PRESET_CA:-}" ] && ! grep -q -- "-----BEGIN CERTIFICATE-----" "$JINLIN_PRESET_CA" 2>/dev/null; then
  echo "package.sh: --ca must be a PEM certificate (-----BEGIN CERTIFICATE-----): $JINLIN_PRESET_CA" >&2
  exit 2
fi

./scripts/setup.sh
(cd ui && npm ci --no-audit --no-fund && npm run build)

echo "package.sh: building the $profile app and its .deb (server preset: ${JINLIN_PRESET_SERVER:-none}, authority: ${JINLIN_PRESET_CA:-none})"
# The UI was just built; the bundler's own step would build it again.
(cd src-tauri && ../ui/node_modules/.bin/tauri build "${tauri_flags[@]}" --bundles deb --ci \
  --config '{"build":{"beforeBuildCommand":""}}')

deb=$(ls -t target/"$profile"/bundle/deb/*.deb | head -n 1)
echo "package.sh: built $deb ($(du -h "$deb" | cut -f1))"

# Smoke test: unpack into a scratch root and start it headless with a home of its own.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dpkg-deb -x "$deb" "$scratch/root"
app="$scratch/root/usr/bin/jinlin-desktop"
[ -x "$app" ] || { echo "package.sh: the .deb holds no /usr/bin/jinlin-desktop" >&2; exit 1; }
[ -f "$scratch/root/usr/share/applications/"*.desktop ] || { echo "package.sh: the .deb holds no menu entry" >&2; exit 1; }
mkdir -p "$scratch/home"
HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config" XDG_DATA_HOME="$scratch/home/.local/share" \
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$1" & pid=$!
    for _ in $(seq 1 100); do
      [ -d "$2/.local/share/cn.jinlin.desktop/logs" ] && [ -n "$(ls -A "$2/.local/share/cn.jinlin.desktop" 2>/dev/null)" ] && break
      kill -0 "$pid" 2>/dev/null || { echo "package.sh: the installed app exited at start" >&2; exit 1; }
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null || { echo "package.sh: the installed app exited at start" >&2; exit 1; }
    kill "$pid"; wait "$pid" 2>/dev/null || true
  ' smoke "$app" "$scratch/home"
[ -d "$scratch/home/.local/share/cn.jinlin.desktop/logs" ] || { echo "package.sh: the installed app wrote no log" >&2; exit 1; }
if [ -n "${JINLIN_PRESET_CA:-}" ] && ! cmp -s "$JINLIN_PRESET_CA" "$scratch/home/.config/cn.jinlin.desktop/city-ca.pem"; then
  echo "package.sh: the installed app did not take the preset certificate authority" >&2; exit 1
fi
echo "package.sh: the installed app started headless and opened its store and log"
echo "bundles:"
find target/"$profile"/bundle -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' -o -name '*.msi' -o -name '*.exe' \) \
  -exec du -h {} \; | sed 's/^/  /'
