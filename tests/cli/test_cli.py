"""The `network` command: demo seed is idempotent, tokens print alone, bad input exits non-zero.

Commands that change a database run against a throwaway database made for this module (created,
migrated by `network migrate`, dropped at the end), never the shared test database.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from click.testing import Result
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from network.cli import app
from network.config import get_settings
from network.demo.seed import load_demo
from network.models import Base
from tests.support.config import ROOT
from tests.support.database import database_of_its_own
from tests.support.helpers import table_counts

NETWORK = str(Path(sys.executable).parent / "network")


def _plain_dsn(url: str, database: str | None = None) -> str:
    """The asyncpg DSN of a SQLAlchemy URL, optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
async def throwaway_url() -> AsyncIterator[str]:
    """A fresh database, migrated with `network migrate`, dropped after the module."""
    with database_of_its_own("cli", migrated=False) as url:
        result = await asyncio.to_thread(_invoke, url, ["migrate"])
        assert (result.exit_code, result.stdout) == (0, "database is up to date\n")
        yield url


@pytest.fixture(scope="module")
async def seeded(throwaway_url: str) -> tuple[str, str]:
    """The throwaway database after one `network seed --demo`, and what that printed."""
    result = await run(throwaway_url, "seed", "--demo")
    assert result.exit_code == 0
    return throwaway_url, result.stdout


def _invoke(url: str, args: list[str], stdin: str | None = None) -> Result:
    """Run the command in-process (in a thread: it runs its own event loop) against `url`."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)
    finally:
        if previous is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()


async def run(url: str, *args: str, stdin: str | None = None) -> Result:
    return await asyncio.to_thread(_invoke, url, list(args), stdin)


async def _counts(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(_plain_dsn(url))
    try:
        return {
            table.name: int(await connection.fetchval(f'SELECT count(*) FROM "{table.name}"'))
            for table in Base.metadata.sorted_tables
        }
    finally:
        await connection.close()


# ------------------------------------------------------------------ seed


async def test_demo_seed_twice_changes_nothing(session: AsyncSession) -> None:
    first = await load_demo(session)
    after_first = await table_counts(session)
    second = await load_demo(session)
    assert await table_counts(session) == after_first
    assert (
        first
        == second
        == (
            "demo data ready: 16 members, 18 contacts, 3 cohorts, 24 progress records,"
            " 4 training sessions, 11 bookings, 4 network meetings, 4 certificates"
        )
    )
    assert {name: after_first[name] for name in ("partners", "members", "contacts", "users")} == {
        "partners": 2,
        "members": 16,
        "contacts": 18,
        "users": 4,
    }


async def test_the_seed_command_is_idempotent_too(seeded: tuple[str, str]) -> None:
    url, first_output = seeded
    after_first = await _counts(url)
    second = await run(url, "seed", "--demo")
    assert (second.exit_code, second.stdout) == (0, first_output)
    assert await _counts(url) == after_first
    assert after_first["members"] == 16


async def test_seed_without_demo_does_nothing_and_says_so(throwaway_url: str) -> None:
    result = await run(throwaway_url, "seed")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "nothing to do: pass --demo to load the demo data\n",
    )


# ------------------------------------------------------------------ users and tokens


async def test_tokens_create_prints_only_the_token(throwaway_url: str) -> None:
    created = await run(
        throwaway_url,
        "users",
        "create",
        "--email",
        "Liaison@Example.org",
        "--name",
        "Liaison",
        "--role",
        "staff",
    )
    assert (created.exit_code, created.stdout) == (0, "created staff user liaison@example.org\n")
    env = {**os.environ, "DATABASE_URL": throwaway_url}
    process = await asyncio.to_thread(
        subprocess.run,
        [NETWORK, "tokens", "create", "--email", "liaison@example.org"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert (process.returncode, process.stderr) == (0, "")
    assert re.fullmatch(r"ncrm_[A-Za-z0-9_-]{43}\n", process.stdout)
    token = process.stdout.strip()
    connection = await asyncpg.connect(_plain_dsn(throwaway_url))
    try:
        stored = await connection.fetchval(
            "SELECT count(*) FROM api_tokens WHERE token_hash = $1",
            hashlib.sha256(token.encode()).digest(),
        )
    finally:
        await connection.close()
    assert stored == 1


async def test_tokens_create_for_an_unknown_user_fails_clearly(throwaway_url: str) -> None:
    result = await run(throwaway_url, "tokens", "create", "--email", "nobody@example.org")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "error: email: No user with email 'nobody@example.org'.\n",
    )


def _listed(output: str) -> list[list[str]]:
    """The rows of `tokens list` (without its header), each split into its columns."""
    header, *rows = output.splitlines()
    assert header.split() == ["PREFIX", "CREATED", "LAST", "USED", "EXPIRES", "REVOKED"]
    # Columns: prefix, then four moments, each a "YYYY-MM-DD HH:MM" or "-".
    return [re.findall(r"ncrm_\S{8}|\(none\)|\d{4}-\d\d-\d\d \d\d:\d\d|-", row) for row in rows]


async def test_tokens_list_and_revoke_one_by_its_prefix_or_all(throwaway_url: str) -> None:
    email = "tokens-owner@example.org"
    created = await run(
        throwaway_url, "users", "create", "--email", email, "--name", "T", "--role", "staff"
    )
    assert created.exit_code == 0
    tokens = [
        (await run(throwaway_url, "tokens", "create", "--email", email)).stdout.strip()
        for _ in range(2)
    ]
    listed = await run(throwaway_url, "tokens", "list", "--email", email)
    assert listed.exit_code == 0
    rows = _listed(listed.stdout)
    assert [row[0] for row in rows] == [token[:13] for token in tokens]
    today = datetime.now(UTC)
    expires = (today + timedelta(days=90)).strftime("%Y-%m-%d")
    for row in rows:
        assert row[1].startswith(today.strftime("%Y-%m-%d"))
        assert (row[2], row[3][:10], row[4]) == ("-", expires, "-")

    one = await run(
        throwaway_url, "tokens", "revoke", "--email", email, "--token-prefix", tokens[0][:13]
    )
    assert (one.exit_code, one.stdout) == (0, f"revoked 1 token(s) of {email}\n")
    rows = _listed((await run(throwaway_url, "tokens", "list", "--email", email)).stdout)
    assert [row[4] != "-" for row in rows] == [True, False]

    bad = await run(throwaway_url, "tokens", "revoke", "--email", email, "--token-prefix", "ab")
    assert (bad.exit_code, bad.stdout) == (1, "")
    assert bad.stderr.startswith("error: tokenPrefix: Give the prefix as")

    rest = await run(throwaway_url, "tokens", "revoke", "--email", email)
    assert (rest.exit_code, rest.stdout) == (0, f"revoked 1 token(s) of {email}\n")
    again = await run(throwaway_url, "tokens", "revoke", "--email", email)
    assert (again.exit_code, again.stdout) == (0, f"revoked 0 token(s) of {email}\n")
    connection = await asyncpg.connect(_plain_dsn(throwaway_url))
    try:
        live = await connection.fetchval(
            "SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id"
            " WHERE u.email = $1 AND t.revoked_at IS NULL",
            email,
        )
    finally:
        await connection.close()
    assert live == 0


async def test_tokens_list_or_revoke_for_an_unknown_user_fails_clearly(
    throwaway_url: str,
) -> None:
    for command in ("list", "revoke"):
        result = await run(throwaway_url, "tokens", command, "--email", "nobody@example.org")
        assert (result.exit_code, result.stdout, result.stderr) == (
            1,
            "",
            "error: email: No user with email 'nobody@example.org'.\n",
        ), command


BAD_USERS = [
    pytest.param(
        ["--email", "not-an-email", "--name", "X", "--role", "staff"],
        1,
        "error: email: Not a valid email address: An email address must have an @-sign.\n",
        id="staff-invalid-email",
    ),
    pytest.param(
        ["--email", "s@example.org", "--name", "  ", "--role", "staff"],
        1,
        "error: name: This field must not be empty.\n",
        id="staff-blank-name",
    ),
    pytest.param(
        ["--email", "s@example.org", "--name", "S", "--role", "staff", "--partner", "wales"],
        1,
        "error: partner: Only a partner user belongs to a partner.\n",
        id="staff-with-a-partner",
    ),
    pytest.param(
        ["--email", "p@example.org", "--name", "P", "--role", "partner"],
        1,
        "error: partner: A partner user needs --partner SLUG.\n",
        id="partner-without-partner",
    ),
    pytest.param(
        ["--email", "p@example.org", "--name", "P", "--role", "partner", "--partner", "atlantis"],
        1,
        "error: partner: No partner with slug 'atlantis'.\n",
        id="partner-unknown-partner",
    ),
    pytest.param(
        [
            "--email",
            "p@example.org",
            "--name",
            "P",
            "--role",
            "partner",
            "--partner",
            "wales",
            "--contact-email",
            "x@example.org",
        ],
        1,
        "error: contactEmail: Only a member user is tied to a contact.\n",
        id="partner-with-a-contact",
    ),
    pytest.param(
        ["--email", "m@example.org", "--name", "M", "--role", "member"],
        1,
        "error: contactEmail: Need exactly one live contact with email 'm@example.org'; found 0.\n",
        id="member-without-contact",
    ),
    pytest.param(
        ["--email", "staff@citizenpowered.example", "--name", "Again", "--role", "staff"],
        1,
        "error: email: A user with this email exists already.\n",
        id="duplicate-email",
    ),
    pytest.param(
        [
            "--email",
            "second@ynysmon.example",
            "--name",
            "G",
            "--role",
            "member",
            "--contact-email",
            "gwenllian.ellis@ynysmon.example",
        ],
        1,
        "error: contactId: This contact has a login already.\n",
        id="second-login-for-a-contact",
    ),
    pytest.param(
        ["--email", "a@example.org", "--name", "A", "--role", "admin"],
        2,
        "error: --role must be staff, partner or member\n",
        id="unknown-role",
    ),
]


@pytest.mark.parametrize(("args", "exit_code", "message"), BAD_USERS)
async def test_users_create_with_bad_input_fails_clearly_and_writes_nothing(
    seeded: tuple[str, str], args: list[str], exit_code: int, message: str
) -> None:
    throwaway_url = seeded[0]
    before = await _counts(throwaway_url)
    result = await run(throwaway_url, "users", "create", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (exit_code, "", message)
    assert await _counts(throwaway_url) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "--email",
                "partner2@wales.example",
                "--name",
                "P",
                "--role",
                "partner",
                "--partner",
                "wales",
            ],
            "created partner user partner2@wales.example\n",
        ),
        (
            ["--email", "huw.owen@ynysmon.example", "--name", "Huw", "--role", "member"],
            "created member user huw.owen@ynysmon.example\n",
        ),
        (
            [
                "--email",
                "login@ynysmon.example",
                "--name",
                "Huw",
                "--role",
                "member",
                "--contact-email",
                "rhian.dafydd@adsscymru.example",
            ],
            "created member user login@ynysmon.example\n",
        ),
    ],
)
async def test_users_create_for_partner_and_member_roles(
    seeded: tuple[str, str], args: list[str], expected: str
) -> None:
    result = await run(seeded[0], "users", "create", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


# ------------------------------------------------------------------ schema


def test_export_schema_matches_the_checked_in_sdl() -> None:
    result = CliRunner().invoke(app, ["export-schema"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "graphql" / "schema.graphql").read_text(encoding="utf-8")


async def test_users_revoke_sessions_ends_every_portal_session_and_token_of_the_user(
    throwaway_url: str,
) -> None:
    email = "revoke-me@example.org"
    created = await run(
        throwaway_url, "users", "create", "--email", email, "--name", "R", "--role", "staff"
    )
    assert created.exit_code == 0
    assert (await run(throwaway_url, "tokens", "create", "--email", email)).exit_code == 0
    connection = await asyncpg.connect(_plain_dsn(throwaway_url))
    try:
        user_id = await connection.fetchval("SELECT id FROM users WHERE email = $1", email)
        for _ in range(2):
            await connection.execute(
                "INSERT INTO portal_sessions (id, user_id, created_at, expires_at)"
                " VALUES (gen_random_uuid(), $1, now(), now() + interval '1 hour')",
                user_id,
            )
        revoked = await run(throwaway_url, "users", "revoke-sessions", "--email", email)
        assert (revoked.exit_code, revoked.stderr) == (
            0,
            f"revoked 2 portal session(s) and 1 token(s) of {email}\n",
        )
        live = await connection.fetchval(
            "SELECT count(*) FROM portal_sessions WHERE user_id = $1 AND revoked_at IS NULL",
            user_id,
        )
        live_tokens = await connection.fetchval(
            "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL", user_id
        )
        assert (live, live_tokens) == (0, 0)
    finally:
        await connection.close()
    unknown = await run(throwaway_url, "users", "revoke-sessions", "--email", "nobody@example.org")
    assert (unknown.exit_code, unknown.stderr) == (
        1,
        "error: email: No user with email 'nobody@example.org'.\n",
    )


async def test_send_test_refuses_an_address_the_rule_refuses_and_writes_nothing(
    throwaway_url: str,
) -> None:
    before = await _counts(throwaway_url)
    refused = await run(throwaway_url, "outbox", "send-test", "--to", "nobody.example.org")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        2,
        "",
        "error: --to: Not a valid email address: An email address must have an @-sign.\n",
    )
    assert await _counts(throwaway_url) == before
