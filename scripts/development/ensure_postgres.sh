#!/usr/bin/env bash
# Install Debian's PostgreSQL server and contrib when no server binaries are present.
# The project runs its own embedded cluster from them; no system service is started.
set -euo pipefail

have_server() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && return 0
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && return 0
  done
  return 1
}

have_contrib() {
  ls /usr/share/postgresql/*/extension/cube.control >/dev/null 2>&1
}

if have_server && have_contrib; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL server binaries are missing; run as root: apt-get install postgresql postgresql-contrib" >&2
  exit 1
fi
echo "Installing Debian's postgresql and postgresql-contrib..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
# Debian's package starts a system cluster; the project does not use it.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r version name _; do
    pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
  done
fi
