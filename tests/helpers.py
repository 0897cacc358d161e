"""Moved to tests/support/helpers.py: kept for tests/api/ until move_tests.sh rewrites it."""

from tests.support.helpers import error_codes, snapshot, table_counts

__all__ = ["error_codes", "snapshot", "table_counts"]
