"""Moved to tests/support/world.py: kept for tests/api/ until move_tests.sh rewrites it."""

from tests.support.world import KINDS, PASSWORD, World, build_world

__all__ = ["KINDS", "PASSWORD", "World", "build_world"]
