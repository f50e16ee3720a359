#!/usr/bin/env bash
# The second README command: install the test tools (and Debian's chromium when it is missing), then
# run the linter and the whole test suite. Extra arguments go to pytest (e.g. -k auth, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

"$PYTHON" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Installing Debian's chromium for the browser tests..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "error: Chromium is missing at $CHROMIUM and apt-get is not available; install chromium" >&2
    exit 1
  fi
fi

"$PYTHON" -m ruff check .

# pytest exits 5 when it collected no test at all: a broken selection or import, never a success.
status=0
"$PYTHON" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests (exit 5); check the arguments: $*" >&2
  exit 1
fi
exit "$status"
