#!/bin/sh
# Installs what `npm run e2e:ui` needs from Debian: Chromium (playwright-core drives it; no browser download from
# npm) and a colour emoji font, without which the status notices' ✅ ⏸ 🟢 show as empty boxes.
set -eu
missing=""
# Any of these does (a GitHub runner has Google Chrome); scripts/e2e-ui.ts looks for them in this order.
browser=""
for candidate in "${E2E_BROWSER:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then browser="$candidate"; break; fi
done
[ -n "$browser" ] || missing="$missing chromium"
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing="$missing fonts-noto-color-emoji"
if [ -z "$missing" ]; then
  echo "a browser and the emoji font are already installed: $("$browser" --version 2>/dev/null || echo "$browser")"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
"${browser:-/usr/bin/chromium}" --version
