"""The register of personal data: every tagged column of every table, for the records of
processing (`network privacy register` prints it as Markdown)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from network.kit.pii import Category, Erase, NotPersonal, Personal, tag_of
from network.models import Base

# The tables that are people; a table with a foreign key to one of them refers to a person.
PEOPLE = ("contacts", "users")


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One personal column: where it is, what it holds, why, how long, and what erasure does."""

    table: str
    column: str
    category: Category
    purpose: str
    retention: str
    erase: Erase


def refers_to_a_person(table: Table) -> bool:
    """Is the table a person (contacts, users), or does it point at one by a foreign key?"""
    if table.name in PEOPLE:
        return True
    return any(key.column.table.name in PEOPLE for key in table.foreign_keys)


def person_tables(metadata: MetaData | None = None) -> list[Table]:
    """The tables that refer to a person, by name."""
    tables = (metadata or Base.metadata).tables.values()
    return sorted((t for t in tables if refers_to_a_person(t)), key=lambda t: t.name)


def register_rows(metadata: MetaData | None = None) -> list[RegisterRow]:
    """Every column tagged personal, by table then column position."""
    rows: list[RegisterRow] = []
    for table in sorted((metadata or Base.metadata).tables.values(), key=lambda t: t.name):
        for column in table.columns:
            tag = tag_of(column.info)
            if isinstance(tag, Personal):
                rows.append(
                    RegisterRow(
                        table.name,
                        column.name,
                        tag.category,
                        tag.purpose,
                        tag.retention,
                        tag.erase,
                    )
                )
    return rows


def not_personal_columns(metadata: MetaData | None = None) -> dict[tuple[str, str], str]:
    """The columns tagged as holding no personal data, with the reason given."""
    found: dict[tuple[str, str], str] = {}
    for table in (metadata or Base.metadata).tables.values():
        for column in table.columns:
            tag = tag_of(column.info)
            if isinstance(tag, NotPersonal):
                found[(table.name, column.name)] = tag.reason
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: list[RegisterRow] | None = None) -> str:
    """The register as a Markdown document with one table row per personal column."""
    rows = register_rows() if rows is None else rows
    lines = [
        "# Register of personal data",
        "",
        "Every column that can hold personal data, as tagged in the models "
        "(network/kit/pii.py). *On erasure*: null (emptied), replace (a placeholder), "
        "scrub (the person's name and address cut out of free text), delete (the row goes), "
        "keep (kept, unnamed once the rest is gone).",
        "",
        "| table | column | category | purpose | retention | on erasure |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.table} | {r.column} | {r.category.value} | {_cell(r.purpose)} "
        f"| {_cell(r.retention)} | {r.erase.value} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"
