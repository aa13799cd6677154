#!/usr/bin/env bash
# Run by the postgres image after init-roles.sh, on a fresh data directory: from the network only
# TLS (hostssl) with a SCRAM password; plain TCP is refused. Connections from inside the container
# (the health check) keep the image's local rules. Ordinary roles may connect to no database but
# their own: `postgres` and `template1` are for superusers.
# TLS needs the server started with ssl=on and a certificate (docker-compose.yml: the image's
# self-signed snakeoil pair for development; mount your own for anything else).
set -euo pipefail

hba="${PGDATA:?}/pg_hba.conf"
# The image's catch-all for the network ("host all all all scram-sha-256") gives way to TLS only.
sed -i '/^host all all all /d' "${hba}"
cat >> "${hba}" <<'HBA'
hostssl all all all scram-sha-256
host    all all all reject
HBA

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL'
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;
SQL
