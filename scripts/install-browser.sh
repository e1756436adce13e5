#!/bin/sh
# Installs what `npm run e2e:ui` needs from Debian: Chromium (playwright-core drives it; no browser download from
# npm) and a colour emoji font, without which the status notices' ✅ ⏸ 🟢 show as empty boxes.
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing="$missing fonts-noto-color-emoji"
if [ -z "$missing" ]; then
  echo "chromium and the emoji font are already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
/usr/bin/chromium --version
