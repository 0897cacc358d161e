-- Run once by the postgres image when its data volume is created (docker-compose.yml).
-- The tables' owner is `network` (POSTGRES_USER): `network migrate` connects as it
-- (MIGRATION_DATABASE_URL). The API and the worker log in as `network_api`, which owns
-- nothing, cannot bypass row-level security, and holds only the role `network_app` that
-- migration 0008 grants the table privileges to and switches every transaction to.
CREATE ROLE network_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
CREATE ROLE network_api LOGIN PASSWORD 'network_api' NOSUPERUSER NOBYPASSRLS IN ROLE network_app;
