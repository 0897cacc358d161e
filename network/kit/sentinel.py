"""A marker for "this field was not given" in partial updates (None means "clear it")."""

from typing import Any, Final

UNSET: Final[Any] = type(
    "Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False}
)()
