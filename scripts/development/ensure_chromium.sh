#!/usr/bin/env bash
# Install Debian's chromium when it is missing: the browser tests drive it through Playwright
# (Playwright's own browser download is not used). Idempotent; needs root only to install.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  # Not fatal: everything else installs; the browser tests then fail saying what is missing.
  echo "chromium is missing (the browser tests in tests/web need it); as root: apt-get install chromium" >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
