#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine; cheap to re-run (it installs only what is missing).
set -euo pipefail

# System packages the workspace builds against: a C toolchain, the WebKitGTK stack
# the Tauri window (src-tauri) links to, and what shows that window without a
# display (Xvfb, WebKit's WebDriver, ImageMagick for screenshots, poppler's pdftoppm
# for pictures of printed sheets), Chinese fonts
# (for the window, and embedded in the server's PDF report), and curl (the run
# command waits for the server with it).
packages=(build-essential pkg-config
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libssl-dev
  xvfb xauth webkit2gtk-driver fonts-noto-cjk imagemagick poppler-utils curl)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The PostgreSQL client programs: `jinlin-server backup` and `restore` run pg_dump,
# pg_restore and psql on PostgreSQL, and the tests back up and restore one.
if ! command -v pg_dump >/dev/null 2>&1 || ! command -v pg_restore >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  echo "setup: installing postgresql-client"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql-client
fi

# The front end builds with Node.js 20.19 or newer (Vite 8) and npm.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "setup: Node.js $(node --version) is too old for the front end; install Node.js 20.19 or newer." >&2
  exit 1
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: no Rust toolchain found. Install Rust 1.90 or newer with rustup (https://rustup.rs), then re-run." >&2
  exit 1
fi

# The real-window tests drive the app through tauri-driver and WebKitWebDriver.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked
fi
