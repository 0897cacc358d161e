"""bearer tokens: expiry, last use, a non-secret prefix

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("prefix", sa.String(length=16), nullable=True))
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "api_tokens", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Tokens issued before expiry existed get the default lifetime from today; their prefix is
    # unknown (only a hash was kept), so it stays empty.
    op.execute("UPDATE api_tokens SET expires_at = now() + interval '90 days'")
    op.alter_column("api_tokens", "expires_at", nullable=False)


def downgrade() -> None:
    op.drop_column("api_tokens", "last_used_at")
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("api_tokens", "prefix")
