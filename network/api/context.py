"""Where network/app.py finds the request context; it lives in network.api.core.context."""

from network.api.core.context import Context

__all__ = ["Context"]
