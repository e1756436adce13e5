#!/bin/sh
# Installs Debian's Chromium for `npm run e2e:ui` (playwright-core drives it; no browser download from npm).
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium is already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
