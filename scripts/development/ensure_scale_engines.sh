#!/usr/bin/env bash
# Install Debian's engines that the scale-out features run (read replicas use the
# PostgreSQL server already installed): pgbouncer, redis-server, patroni + etcd-server,
# and prometheus for `promtool`. Idempotent; only packages that are missing are installed.
# No system service is left running: the project starts its own instances on demand.
set -euo pipefail

declare -A wanted=(
  [pgbouncer]=pgbouncer
  [redis-server]=redis-server
  [patroni]=patroni
  [etcd]=etcd-server
  [promtool]=prometheus
)

missing=()
for program in "${!wanted[@]}"; do
  if ! command -v "$program" >/dev/null 2>&1; then
    missing+=("${wanted[$program]}")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing scale-out engines (${missing[*]}); run as root: apt-get install ${missing[*]}" >&2
  # The core project works without them; the tests that need one skip, saying which.
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
available=()
for package in "${missing[@]}"; do
  policy_text=$(apt-cache policy "$package" 2>/dev/null || true)
  if [[ "$policy_text" == *"Candidate: "[0-9]* ]]; then
    available+=("$package")
  else
    echo "Debian package $package is not available here; the features needing it are skipped" >&2
  fi
done
[ "${#available[@]}" -eq 0 ] && exit 0

echo "Installing Debian's ${available[*]}..."
# Keep the packages' own system services from starting: the project runs its own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" -eq 1 ] && rm -f "$policy"' EXIT
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${available[@]}" >/dev/null
