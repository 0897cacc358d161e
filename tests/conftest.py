"""The shared fixtures, loaded as plugins from tests/support/ (pytest reads pytest_plugins here
only, in the root conftest); what tests import lives in tests/support/ too."""

import pytest

# Helpers that tests import (not only the plugins) get pytest's assertion messages.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.database",
    "tests.support.app",
    "tests.support.training",
    "tests.support.meetings",
    "tests.support.messaging",
]
