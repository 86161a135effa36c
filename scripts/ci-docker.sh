#!/usr/bin/env bash
# Make Docker usable for golayer's docker-marked tests (idempotent; run as root in CI):
# install docker.io and debootstrap when missing, start dockerd in the background when no daemon
# answers, wait until `docker info` works, then print the version and storage driver.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
DOCKER=/usr/bin/docker

need=()
[ -x "$DOCKER" ] || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci-docker: installing ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/tmp/ci-docker-apt.log 2>&1 \
    || { tail -40 /tmp/ci-docker-apt.log; exit 1; }
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
  echo "ci-docker: starting dockerd (log: /tmp/ci-dockerd.log)"
  if command -v systemctl >/dev/null 2>&1 && systemctl start docker >/dev/null 2>&1; then
    :
  else
    nohup dockerd >/tmp/ci-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 90); do
    "$DOCKER" info >/dev/null 2>&1 && break
    sleep 1
  done
fi
"$DOCKER" info --format 'ci-docker: docker {{.ServerVersion}}, storage driver {{.Driver}}, cgroup v{{.CgroupVersion}}' \
  || { echo "ci-docker: dockerd did not start"; tail -50 /tmp/ci-dockerd.log 2>/dev/null; exit 1; }
