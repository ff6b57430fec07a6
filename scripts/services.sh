#!/usr/bin/env bash
# Makes sure Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer:
# starts them when they are installed but stopped, and says exactly what to
# install when they are missing. Used by `make run` and `make test`.
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # port name
  for _ in $(seq 1 50); do listening "$1" && return 0; sleep 0.2; done
  echo "services: $2 did not start listening on 127.0.0.1:$1" >&2
  return 1
}

missing=()

if ! listening 5432; then
  if ls /etc/postgresql/*/main >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null; then
    version=$(ls /etc/postgresql | sort -n | tail -1)
    echo "services: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for 5432 PostgreSQL || exit 1
  else
    missing+=(postgresql)
  fi
fi

if ! listening 6379; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ocopbot.log || true
    wait_for 6379 Redis || exit 1
  else
    missing+=(redis-server)
  fi
fi

if ((${#missing[@]})); then
  cat >&2 <<MSG
services: missing ${missing[*]}. Install them with:
  sudo apt-get update && sudo apt-get install -y ${missing[*]}
PostgreSQL must accept the user postgres from 127.0.0.1 without a password
(trust in pg_hba.conf), or set DATABASE_URL and TEST_DATABASE_URL to URLs that work.
MSG
  exit 1
fi

if ! command -v go >/dev/null; then
  echo "services: Go is missing: install Go 1.26 or newer (https://go.dev/dl) and put it on PATH" >&2
  exit 1
fi
