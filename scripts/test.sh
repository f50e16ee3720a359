#!/usr/bin/env bash
# The second README command: install the test tools (and Debian's chromium when missing), then run
# the linter and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing and apt-get is not available: install chromium at /usr/bin/chromium" >&2
  fi
fi

python -m ruff check .
python -m pytest "$@"
