#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 (trust auth for the postgres role).
# Starts the local cluster if it is installed but stopped; installs it from Debian if missing.
set -euo pipefail
answers() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if command -v pg_isready >/dev/null && answers; then exit 0; fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "PostgreSQL not installed: installing from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q postgresql
  v=$(ls /etc/postgresql | sort -V | tail -1)
  # trust auth on loopback, as on the development machines
  sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' \
    /etc/postgresql/$v/main/pg_hba.conf
fi
v=$(ls /etc/postgresql | sort -V | tail -1)
pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
for _ in $(seq 1 30); do answers && exit 0; sleep 1; done
echo "PostgreSQL did not start" >&2
exit 1
