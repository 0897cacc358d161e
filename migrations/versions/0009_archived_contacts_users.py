"""archived contacts' member users are deactivated (access ends with the archiving)

Since issue 12, archiving a contact deactivates its member users (network.auth.service.
end_contact_access); contacts archived before that keep active users until this runs. Their
sessions, tokens and links were already ended by the archiving of that time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # migrations/env.py names the system as principal, so row-level security shows every contact.
    op.execute(
        "UPDATE users SET is_active = false WHERE is_active AND contact_id IN "
        "(SELECT id FROM contacts WHERE archived_at IS NOT NULL)"
    )


def downgrade() -> None:
    # Which users were active before cannot be told apart from those deactivated since.
    pass
