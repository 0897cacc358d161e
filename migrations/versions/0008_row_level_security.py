"""row-level security: the application role and the partner-scoped tables' policies

The second layer under the Python scope (network/auth/scope.py): the app switches each
transaction to the role `network_app` (no BYPASSRLS) and names its principal in
transaction-local settings (network/db.py); these policies then decide which rows exist for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "network_app"

# Roles belong to the whole cluster, and several databases (tests running at once) may be
# migrated at the same moment: a concurrent CREATE ROLE raises unique_violation (the
# catalog's index) or duplicate_object, and either means the role is there.
CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
"""

# Who is asking, as network/db.py sets it for each transaction ('' once a setting has been
# used on a connection and its transaction ended, NULL before). Plain SQL, so PostgreSQL
# inlines them into the policies.
SETTINGS_FUNCTIONS = [
    """
CREATE FUNCTION network_principal_kind() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT coalesce(nullif(current_setting('network.principal_kind', true), ''), 'NONE') $$
    """,
    """
CREATE FUNCTION network_partner_id() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('network.partner_id', true), '')::uuid $$
    """,
    """
CREATE FUNCTION network_contact_id() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('network.contact_id', true), '')::uuid $$
    """,
    """
CREATE FUNCTION network_sees_all() RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT network_principal_kind() IN ('STAFF', 'SYSTEM') $$
    """,
]

# The visible sets, mirroring network/auth/scope.py. They read tables that have policies of
# their own (a policy reading its own table, or two reading each other, is refused as
# infinite recursion), so they act as the system while they read, and take the caller's
# principal as arguments; a policy calls each once per statement, `IN (SELECT f(...))`.
# The switch is set_config, not a `SET` clause on the function: only a superuser may create a
# function that sets a custom parameter. PL/pgSQL rather than SQL: it keeps its query plans
# for the connection (measured: a SQL function, planned at every call with its tables'
# policies, cost 2.3 ms a call, this 0.3 ms).
VISIBLE = """
CREATE FUNCTION {name}({arguments}) RETURNS SETOF uuid LANGUAGE plpgsql STABLE{strict} AS $$
DECLARE
    caller text := current_setting('network.principal_kind', true);
BEGIN
    PERFORM set_config('network.principal_kind', 'SYSTEM', true);
{body}
    PERFORM set_config('network.principal_kind', coalesce(caller, ''), true);
END
$$
"""
PRINCIPAL_PARAMETERS = "p_kind text, p_partner uuid, p_contact uuid"
VISIBLE_FUNCTIONS = [
    VISIBLE.format(
        name="network_visible_cohorts",
        arguments=PRINCIPAL_PARAMETERS,
        strict="",
        body="""
    IF p_kind = 'PARTNER' THEN
        RETURN QUERY SELECT c.id FROM cohorts c WHERE c.partner_id = p_partner;
    ELSIF p_kind = 'MEMBER' THEN
        RETURN QUERY SELECT cm.cohort_id FROM cohort_members cm
            JOIN contacts ct ON ct.member_id = cm.member_id WHERE ct.id = p_contact;
    END IF;""",
    ),
    VISIBLE.format(
        name="network_visible_members",
        arguments=PRINCIPAL_PARAMETERS,
        strict="",
        body="""
    IF p_kind = 'PARTNER' THEN
        RETURN QUERY SELECT m.id FROM members m WHERE m.partner_id = p_partner
            UNION
            SELECT cm.member_id FROM cohort_members cm JOIN cohorts c ON c.id = cm.cohort_id
             WHERE c.partner_id = p_partner;
    ELSIF p_kind = 'MEMBER' THEN
        RETURN QUERY SELECT ct.member_id FROM contacts ct WHERE ct.id = p_contact;
    END IF;""",
    ),
    VISIBLE.format(
        name="network_visible_meetings",
        arguments=PRINCIPAL_PARAMETERS,
        strict="",
        body="""
    IF p_kind = 'PARTNER' THEN
        RETURN QUERY SELECT m.id FROM network_meetings m JOIN cohorts c ON c.id = m.cohort_id
             WHERE c.partner_id = p_partner;
    ELSIF p_kind = 'MEMBER' THEN
        RETURN QUERY SELECT m.id FROM network_meetings m
            JOIN cohort_members cm ON cm.cohort_id = m.cohort_id
            JOIN contacts ct ON ct.member_id = cm.member_id WHERE ct.id = p_contact
            UNION
            SELECT i.meeting_id FROM meeting_invitations i WHERE i.contact_id = p_contact;
    END IF;""",
    ),
    VISIBLE.format(
        name="network_verifiable_certificates",
        arguments="p_code text",
        strict=" STRICT",
        body="""
    RETURN QUERY SELECT c.id FROM certificates c WHERE c.verification_code = p_code
        UNION
        SELECT c.replaced_by_id FROM certificates c
         WHERE c.verification_code = p_code AND c.replaced_by_id IS NOT NULL;""",
    ),
]

# Each setting is read once per statement: `(SELECT f())` is an InitPlan, evaluated once and
# then compared per row as a parameter (a bare call is evaluated again for every row, which
# cost a partner's members page about 3x its database time; measured in BENCHMARKS.md).
KIND = "(SELECT network_principal_kind())"
PARTNER_ID = "(SELECT network_partner_id())"
CONTACT_ID = "(SELECT network_contact_id())"
SEES_ALL = "(SELECT network_sees_all())"
PRINCIPAL_ARGS = "network_principal_kind(), network_partner_id(), network_contact_id()"
MEMBERS = f"(SELECT network_visible_members({PRINCIPAL_ARGS}))"
COHORTS = f"(SELECT network_visible_cohorts({PRINCIPAL_ARGS}))"
MEETINGS = f"(SELECT network_visible_meetings({PRINCIPAL_ARGS}))"
PARTNER = f"{KIND} = 'PARTNER'"
MEMBER = f"{KIND} = 'MEMBER'"
# A contact row the principal may see (its member's contacts for a partner, itself for a
# member contact): the contacts table's own policy applies inside the subquery.
CONTACT_VISIBLE = (
    f"(({MEMBER} AND contact_id = {CONTACT_ID})"
    f" OR ({PARTNER} AND contact_id IN (SELECT id FROM contacts)))"
)

# Every policy lets staff and the system (workers, the CLI, migrations) see everything, and
# nobody else anything until a principal is named. The same condition checks new rows.
POLICIES: dict[str, str] = {
    # A partner's own members and cohorts directly, so one it is creating passes the check.
    "members": f"({PARTNER} AND partner_id = {PARTNER_ID}) OR id IN {MEMBERS}",
    "contacts": f"({MEMBER} AND id = {CONTACT_ID}) OR ({PARTNER} AND member_id IN {MEMBERS})",
    "cohorts": f"({PARTNER} AND partner_id = {PARTNER_ID}) OR id IN {COHORTS}",
    "cohort_members": f"cohort_id IN {COHORTS}",
    "step_progress": f"cohort_id IN {COHORTS}",
    "initiatives": f"member_id IN {MEMBERS}",
    "network_meetings": f"cohort_id IN {COHORTS} OR ({MEMBER} AND id IN {MEETINGS})",
    "meeting_invitations": f"meeting_id IN {MEETINGS} AND {CONTACT_VISIBLE}",
    # Anyone holding a verification code may read that certificate and the one replacing it
    # (network.certificates.downloads.verify names the code for its transaction).
    "certificates": (
        f"{CONTACT_VISIBLE} OR id IN (SELECT network_verifiable_certificates("
        "(SELECT nullif(current_setting('network.verification_code', true), ''))))"
    ),
}


def upgrade() -> None:
    op.execute(CREATE_ROLE)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {APP_ROLE}")
    # Tables and sequences that later migrations create (as the same user) get the same.
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}"
    )
    for function in [*SETTINGS_FUNCTIONS, *VISIBLE_FUNCTIONS]:
        op.execute(function)
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        visible = f"{SEES_ALL} OR {condition}"
        op.execute(
            f"CREATE POLICY {table}_scope ON {table} USING ({visible}) WITH CHECK ({visible})"
        )


def downgrade() -> None:
    for table in POLICIES:
        op.execute(f"DROP POLICY {table}_scope ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(
        "DROP FUNCTION network_verifiable_certificates(text), "
        "network_visible_meetings(text, uuid, uuid), network_visible_members(text, uuid, uuid), "
        "network_visible_cohorts(text, uuid, uuid), network_sees_all(), network_contact_id(), "
        "network_partner_id(), network_principal_kind()"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    # The role stays: it belongs to the cluster, and other databases may still use it.
