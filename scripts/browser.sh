#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the web chat's browser test
# (make test). Installs it with apt-get when possible; otherwise says how.
set -uo pipefail
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null && exit 0
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "browser: installing Debian's chromium for the browser test (once)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji; } >/tmp/ocopbot-chromium-install.log 2>&1 && exit 0
  echo "browser: apt-get install chromium failed; see /tmp/ocopbot-chromium-install.log" >&2
  exit 1
fi
echo "browser: Chromium is missing. Install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
