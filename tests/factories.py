"""Moved to tests/support/factories.py: kept for tests/api/ until move_tests.sh rewrites it."""

from tests.support.factories import Factory, gid

__all__ = ["Factory", "gid"]
