"""The register of personal data: every column of a table about a person that could hold
personal data is tagged, and `network privacy register` prints the register as Markdown.

Which columns must be tagged, in a table that refers to a person (contacts and users
themselves, and every table with a foreign key straight to one of them):

- text of any kind (VARCHAR, TEXT, CHAR), email addresses included, but not the enum columns
  (a VARCHAR holding one of a fixed list of values, e.g. a booking's status: no one can write
  a name into it);
- dates and date-times (when someone booked, signed in, answered: their history);
- JSON and JSONB (bodies of emails, audit details);
- arrays of text (opt-outs) and binary columns (certificate PDFs, attachments, exports).

Ids, numbers and booleans are not: they say nothing about a person by themselves.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.types import TypeEngine
from typer.testing import CliRunner

from network.cli import app
from network.kit.pii import Category, Erase, not_personal, personal
from network.models import Base
from network.privacy.register import person_tables, register_rows, render_markdown


def could_hold_personal_data(column_type: TypeEngine[object]) -> bool:
    """Whether a column of this type must be tagged (see the module's docstring)."""
    if isinstance(column_type, Enum):
        return False
    if isinstance(column_type, ARRAY):
        return could_hold_personal_data(column_type.item_type)
    return isinstance(column_type, String | Text | Date | DateTime | JSON | LargeBinary)


def untagged(metadata: MetaData) -> list[str]:
    """`table.column` of every column of a person's table that should be tagged and is not."""
    return [
        f"{table.name}.{column.name}"
        for table in person_tables(metadata)
        for column in table.columns
        if could_hold_personal_data(column.type) and "pii" not in column.info
    ]


def test_every_column_that_could_hold_personal_data_is_tagged() -> None:
    assert untagged(Base.metadata) == []


def test_the_tables_about_a_person_are_found_by_their_foreign_keys() -> None:
    names = [t.name for t in person_tables(Base.metadata)]

    assert {"contacts", "users", "bookings", "certificates", "outbox_messages"} <= set(names)
    assert {"api_tokens", "meeting_invitations", "consent_events"} <= set(names)
    assert "courses" not in names and "members" not in names


def test_an_untagged_column_of_a_table_about_a_person_fails_the_check() -> None:
    metadata = MetaData()
    Table("contacts", metadata, Column("id", Uuid, primary_key=True))
    Table(
        "badges",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("contact_id", ForeignKey("contacts.id")),
        Column("label", Text),
        Column("given_on", Date, info=not_personal("a date")),
        Column("kind", Enum("GOLD", "SILVER", name="badge_kind")),
        Column("tags", ARRAY(String(20))),
        Column("photo", LargeBinary, info=personal(Category.IDENTITY, "a photo", "a year")),
    )
    Table("courses", metadata, Column("id", Uuid, primary_key=True), Column("title", Text))

    assert untagged(metadata) == ["badges.label", "badges.tags"]


def test_the_register_lists_each_personal_column_with_its_tag() -> None:
    rows = {(r.table, r.column): r for r in register_rows()}
    markdown = render_markdown()

    email = rows[("contacts", "email")]
    assert (email.category, email.erase) == (Category.CONTACT, Erase.REPLACE)
    assert ("contacts", "created_at") not in rows  # tagged as not personal
    assert markdown.startswith("# Register of personal data\n")
    assert "| table | column | category | purpose | retention | on erasure |" in markdown
    line = next(x for x in markdown.splitlines() if x.startswith("| contacts | email |"))
    assert line == (
        f"| contacts | email | contact | {email.purpose} | {email.retention} | replace |"
    )
    assert "| certificates | holder_name | identity |" in markdown
    assert "| audit_events | changes | audit |" in markdown


async def test_network_privacy_register_prints_the_markdown() -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["privacy", "register"], catch_exceptions=False
    )

    assert (result.exit_code, result.stdout) == (0, render_markdown())
    assert "| contacts | email | contact |" in result.stdout
