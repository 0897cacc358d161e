#!/usr/bin/env bash
# `make test`: lint, types, migrations in step with models, schema in step with code, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/network_test}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .
echo "== mypy"
$BIN/mypy
echo "== import layers (pyproject.toml [tool.importlinter])"
$BIN/lint-imports
echo "== migrations (fresh database, upgrade, alembic check)"
$BIN/python scripts/ensure_database.py "$TEST_DATABASE_URL" --recreate
DATABASE_URL=$TEST_DATABASE_URL $BIN/network migrate
DATABASE_URL=$TEST_DATABASE_URL $BIN/alembic check
echo "== graphql/schema.graphql is current"
if ! $BIN/network export-schema | diff -u graphql/schema.graphql -; then
  echo "graphql/schema.graphql is out of date: run 'make schema' and commit it" >&2
  exit 1
fi
echo "== pytest"
$BIN/pytest "$@"
