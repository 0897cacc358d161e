"""a member contact's transaction reads its colleagues' contact rows

Member contacts book their colleagues onto training (issue 15): the contacts policy of 0008
showed a member contact's transaction its own row only. It now shows the contacts of its own
member (what it may see in Python stays narrower: network.auth.scope and
network.training.scope decide what each query returns; this is the database's outer bound).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 20:35:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEES_ALL = "(SELECT network_sees_all())"
KIND = "(SELECT network_principal_kind())"
CONTACT_ID = "(SELECT network_contact_id())"
PRINCIPAL_ARGS = "network_principal_kind(), network_partner_id(), network_contact_id()"
MEMBERS = f"(SELECT network_visible_members({PRINCIPAL_ARGS}))"
PARTNER = f"{KIND} = 'PARTNER'"
MEMBER = f"{KIND} = 'MEMBER'"
BEFORE = f"({MEMBER} AND id = {CONTACT_ID}) OR ({PARTNER} AND member_id IN {MEMBERS})"
AFTER = f"({MEMBER} AND member_id IN {MEMBERS}) OR ({PARTNER} AND member_id IN {MEMBERS})"


def _policy(condition: str) -> None:
    visible = f"{SEES_ALL} OR {condition}"
    op.execute("DROP POLICY contacts_scope ON contacts")
    op.execute(f"CREATE POLICY contacts_scope ON contacts USING ({visible}) WITH CHECK ({visible})")


def upgrade() -> None:
    _policy(AFTER)


def downgrade() -> None:
    _policy(BEFORE)
