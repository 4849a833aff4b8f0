#!/bin/sh
# Run once by the postgres image when it creates the database (/docker-entrypoint-initdb.d):
# let the `postgres-replica` service of the "scale" profile stream WAL as the mall role.
# For a data volume created before this file existed, add the line by hand and reload.
set -e
echo "host replication ${POSTGRES_USER:-mall} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
