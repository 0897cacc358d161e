"""Per-request GraphQL context: one session, the caller, the client, and the DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from network.api.core.errors import AuthenticationError
from network.api.core.loaders import Loaders
from network.auth.principal import Principal
from network.config import Settings

if TYPE_CHECKING:
    from network.api.core.budget import Budget, CostBudgets
    from network.jobs import JobQueue


@dataclass
class Context(BaseContext):
    """What every resolver can reach through `info.context`."""

    session: AsyncSession
    principal: Principal
    settings: Settings
    token_rejected: bool = False
    request_id: str = ""
    jobs: JobQueue | None = None
    client_address: str = ""
    """For per-client limits (verifyCertificate, requestLoginLink); never used to authorise."""
    budgets: CostBudgets | None = None
    """Where the callers' hourly cost budgets are counted (None: not counted, e.g. benchmarks)."""
    budget: Budget | None = None
    """This request's cost and what is left of the caller's budget, set before execution."""
    _loaders: Loaders | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        super().__init__()

    @property
    def loaders(self) -> Loaders:
        """DataLoaders made for this request only (they cache what this caller may see)."""
        if self._loaders is None:
            self._loaders = Loaders(self.session, self.principal)
        return self._loaders

    @property
    def is_anonymous(self) -> bool:
        """No valid token came with the request: the caller may not learn the schema."""
        return self.token_rejected or not self.principal.is_authenticated

    def require_principal(self) -> Principal:
        """The caller, or an authentication error when no valid token was sent."""
        if self.token_rejected:
            raise AuthenticationError("The bearer token is invalid or revoked.")
        if not self.principal.is_authenticated:
            raise AuthenticationError(
                "Authentication required: send Authorization: Bearer <token>."
            )
        return self.principal

    async def flush_jobs(self, session: AsyncSession) -> None:
        """Enqueue the jobs a committed mutation owes (the unit of work's `after_commit`)."""
        if self.jobs is not None:
            await self.jobs.flush(session)

    def reset_loaders(self) -> None:
        """Forget cached rows (after a mutation changed them)."""
        self._loaders = None


AnyInfo = Info[Context, None]
"""The `info` every resolver receives."""
