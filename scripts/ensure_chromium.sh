#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and we may use apt.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing chromium for the browser tests (about 80 s)…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "Could not install chromium: browser tests will be skipped (or fail in CI)."
else
  echo "chromium is missing and apt-get is not usable: browser tests will be skipped."
fi
exit 0
