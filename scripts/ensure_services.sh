#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 (install it with apt when missing), and start
# RabbitMQ and Redis when they are installed but down (the Celery end-to-end test uses a broker).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "PostgreSQL is not installed: installing it with apt."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-contrib
fi

if ! pg_up; then
    echo "Starting PostgreSQL."
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }

# The suite connects as postgres over TCP without a password (trust), as on the dev machines.
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    echo "Allowing trust authentication for local TCP connections (test machine only)."
    hba=$($SUDO -u postgres psql -Atc 'show hba_file' 2>/dev/null || su postgres -c "psql -Atc 'show hba_file'")
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$hba"
    sed -i -E 's/^(host\s+all\s+all\s+::1\/128\s+)\S+/\1trust/' "$hba"
    su postgres -c "psql -Atc 'select pg_reload_conf()'" >/dev/null
fi

if command -v rabbitmq-server >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    echo "Starting RabbitMQ."
    $SUDO rabbitmq-server -detached || true
    for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
fi
if command -v redis-server >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    echo "Starting Redis."
    $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
# The admin browser test drives Debian's Chromium (headless, through Playwright's client only).
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    echo "Installing Chromium for the browser test."
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || echo "Chromium could not be installed: the browser test will be skipped." >&2
fi
# The cluster test starts workers in network namespaces (iproute2) behind forwarders (socat).
if ! command -v socat >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
    echo "Installing socat and iproute2 for the namespaced-workers test."
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq socat iproute2 >/dev/null \
        || echo "socat/iproute2 could not be installed: the cluster test will say so." >&2
fi
echo "PostgreSQL is up."
