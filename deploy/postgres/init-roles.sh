#!/usr/bin/env bash
# One database and one login role per service: role <service> owns database jbketen_<service> and
# nothing else. No superuser, no CREATEDB/CREATEROLE, no replication, no row-level-security bypass;
# no other role (PUBLIC included) may connect to a service's database, so one service cannot read
# another's tables.
#
# Run by the postgres image on a fresh data directory (/docker-entrypoint-initdb.d), or by hand
# against any server as a superuser (psql's PG* environment says where):
#   JBKETEN_DATABASES="intake:<password> triage:<password> ..." deploy/postgres/init-roles.sh
# Passwords are stored as SCRAM-SHA-256 (the server's default password_encryption).
set -euo pipefail

: "${JBKETEN_DATABASES:?set JBKETEN_DATABASES to 'service:password service:password ...'}"

for entry in ${JBKETEN_DATABASES}; do
  role="${entry%%:*}"
  password="${entry#*:}"
  if [[ -z "${role}" || -z "${password}" || "${role}" == "${entry}" ]]; then
    echo "init-roles: '${entry%%:*}:…' is not service:password" >&2
    false
  fi
  echo "init-roles: role ${role}, database jbketen_${role}"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v role="${role}" -v password="${password}" -v database="jbketen_${role}" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT
  NOREPLICATION NOBYPASSRLS;
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"role";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
SQL
done
