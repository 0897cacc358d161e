"""A seeded, repeatable benchmark dataset, loaded with COPY into a database of its own.

    .venv/bin/python -m bench.generate                 # (re)create network_bench, seed 2026
    .venv/bin/python -m bench.generate --if-missing    # only when absent or made differently

The same seed and sizes always give the same rows, ids and bearer tokens; the database
carries a comment naming how it was made, so `--if-missing` can tell a current dataset apart.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import re
import subprocess
import sys
import time
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
from sqlalchemy.engine import make_url

from bench.names import (
    EU_CITIES,
    EU_KINDS,
    FIRST_NAMES,
    GB_KINDS,
    GB_PLACES,
    JOB_TITLES,
    LAST_NAMES,
    PARTNERS,
)
from network.auth.service import TOKEN_PREFIX, hash_token

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench"
)
FORMAT = 3  # bump when the generated rows change, so `--if-missing` rebuilds
# 2: long member names get email domains cut to 63-character DNS labels (_domain).
DEFAULT_SEED = 2026
COUNCIL, CITY = "CITIZEN_POWERED_COUNCIL", "CITIZEN_POWERED_CITY"
STEPS = ["MAP_IT", "FOCUS_IT", "PEOPLE_IT", "MARKET_IT", "GROW_IT"]
EPOCH = datetime(2023, 1, 9, 9, 0, tzinfo=UTC)
TOKENS_EXPIRE = datetime(2100, 1, 1, tzinfo=UTC)  # the bench tokens never expire during a run
SPAN_DAYS = 1380  # up to early October 2026
LAST_DAY = date(2026, 11, 20)  # no step is completed in the future of the dataset
Record = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Spec:
    """What to generate: the seed and the sizes."""

    seed: int = DEFAULT_SEED
    members: int = 1000
    contacts: int = 50_000
    cohorts: int = 40

    def fingerprint(self) -> str:
        """The database comment that names this dataset exactly."""
        return (
            f"network-bench v{FORMAT} seed={self.seed} members={self.members} "
            f"contacts={self.contacts} cohorts={self.cohorts}"
        )


@dataclass(frozen=True, slots=True)
class BenchTokens:
    """Bearer tokens of the dataset's users (derived from the seed, so reproducible)."""

    staff: str
    partner: str
    partner_slug: str = "wales"


def tokens_for(seed: int) -> BenchTokens:
    """The staff and partner tokens that the dataset of this seed stores (hashed)."""
    rng = random.Random(f"tokens:{seed}")

    def one() -> str:
        return TOKEN_PREFIX + base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("=")

    return BenchTokens(staff=one(), partner=one())


@dataclass
class Dataset:
    """Rows per table, in the column order of `COLUMNS`."""

    tables: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))

    def count(self, table: str) -> int:
        """How many rows the table gets."""
        return len(self.tables[table])


COLUMNS: dict[str, tuple[str, ...]] = {
    "partners": ("id", "slug", "name", "countries", "created_at", "updated_at"),
    "members": (
        *("id", "name", "network", "country", "region", "membership_status", "partner_id"),
        *("created_at", "updated_at"),
    ),
    "cohorts": ("id", "name", "network", "partner_id", "created_at", "updated_at"),
    "cohort_members": ("cohort_id", "member_id", "joined_at"),
    "contacts": (
        *("id", "member_id", "email", "first_name", "last_name", "job_title", "language"),
        *("consent_scope", "consent_given_at", "consent_method", "email_opt_outs"),
        *("archived_at", "created_at", "updated_at"),
    ),
    "users": (
        *("id", "email", "name", "role", "partner_id", "contact_id", "password_hash"),
        *("is_active", "created_at"),
    ),
    "api_tokens": ("id", "user_id", "token_hash", "created_at", "revoked_at", "expires_at"),
    "step_progress": (
        *("id", "cohort_id", "member_id", "step", "status", "started_on", "completed_on"),
        *("notes", "action_plan", "updated_by_user_id", "created_at", "updated_at"),
    ),
}


def _ascii_slug(text: str, sep: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", sep, plain.lower()).strip(sep)


MAX_LABEL = 63  # characters of one DNS label (RFC 1035)
MAX_LOCAL = 64  # characters before the @ (RFC 5321)
MAX_ADDRESS = 254  # characters of a whole address (RFC 5321 path less its angle brackets)


def _domain(name: str) -> str:
    """The member's email domain: its name as one DNS label, cut at the last word boundary
    that fits in 63 characters, then `.example`."""
    label = _ascii_slug(name) or "member"
    if len(label) > MAX_LABEL:
        cut = label[: MAX_LABEL + 1].rsplit("-", 1)[0]
        label = cut if cut and len(cut) <= MAX_LABEL else label[:MAX_LABEL].rstrip("-")
    return f"{label}.example"


def _email(local: str, domain: str, n: int = 1) -> str:
    """`local@domain`, with `n` after the local part from 2 on; the local part is shortened
    so it stays within 64 characters and the whole address within 254."""
    suffix = str(n) if n > 1 else ""
    room = min(MAX_LOCAL, MAX_ADDRESS - len(domain) - 1) - len(suffix)
    return f"{local[:room].rstrip('.')}{suffix}@{domain}"


class Generator:
    """Builds every row from one random stream, so a seed always gives the same dataset."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.data = Dataset()

    def new_id(self) -> uuid.UUID:
        """A random (version 4) id drawn from the seeded stream."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, after: datetime | None = None) -> datetime:
        """A time between `after` (or the epoch) and the end of the span, at a whole second."""
        start = after or EPOCH
        end = EPOCH + timedelta(days=SPAN_DAYS)
        seconds = max(1, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randrange(seconds))

    def build(self) -> Dataset:
        """Generate all tables."""
        partners = self._partners()
        members = self._members(partners)
        self._contacts(members)
        cohorts = self._cohorts(partners)
        self._cohort_members(cohorts, members)
        self._users(partners)
        return self.data

    def _partners(self) -> list[dict[str, Any]]:
        out = []
        for slug, name, countries, network, region in PARTNERS:
            created = self.moment()
            partner = {
                "id": self.new_id(),
                "slug": slug,
                "network": COUNCIL if network == "COUNCIL" else CITY,
                "countries": countries,
                "region": region,
            }
            out.append(partner)
            self.data.tables["partners"].append(
                (partner["id"], slug, name, countries, created, created)
            )
        return out

    def _member_names(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        councils = [
            (kind.format(place.replace("-", " ")), "GB", region)
            for place, region in GB_PLACES
            for kind in GB_KINDS[region]
        ]
        cities = [
            (kind.format(city), country, region)
            for city, country, region in EU_CITIES
            for kind in EU_KINDS[country]
        ]
        return councils, cities

    def _pick(self, pool: list[tuple[str, str, str]], count: int) -> list[tuple[str, str, str]]:
        chosen = self.rng.sample(pool, min(count, len(pool)))
        round_ = 2
        while len(chosen) < count:  # larger datasets than the name pool: numbered offices
            extra = [(f"{n} ({round_})", c, r) for n, c, r in pool]
            chosen += self.rng.sample(extra, min(count - len(chosen), len(extra)))
            round_ += 1
        return chosen

    def _members(self, partners: list[dict[str, Any]]) -> list[dict[str, Any]]:
        councils, cities = self._member_names()
        n_city = round(self.spec.members * 0.45)
        picked = [(COUNCIL, *x) for x in self._pick(councils, self.spec.members - n_city)]
        picked += [(CITY, *x) for x in self._pick(cities, n_city)]
        self.rng.shuffle(picked)
        out = []
        for network, name, country, region in picked:
            candidates = [
                p
                for p in partners
                if p["network"] == network
                and country in p["countries"]
                and (p["region"] is None or p["region"] == region)
            ]
            assign = candidates and self.rng.random() < (0.6 if network == COUNCIL else 0.7)
            partner = self.rng.choice(candidates) if assign else None
            status = self.rng.choices(["ACTIVE", "PROSPECT", "LAPSED"], [60, 25, 15])[0]
            created = self.moment()
            member = {
                "id": self.new_id(),
                "name": name,
                "network": network,
                "country": country,
                "region": region,
                "partner_id": partner["id"] if partner else None,
                "domain": _domain(name),
                "created_at": created,
            }
            out.append(member)
            self.data.tables["members"].append(
                (
                    *(member["id"], name, network, country, region, status, member["partner_id"]),
                    *(created, self.moment(created)),
                )
            )
        return out

    def _language(self, member: dict[str, Any]) -> str:
        if self.rng.random() < 0.05:  # some people prefer another language than their office's
            return self.rng.choice(["en", "cy", "fr", "es", "de"])
        country, region = member["country"], member["region"]
        if country == "GB":
            return "cy" if region == "Wales" and self.rng.random() < 0.4 else "en"
        if country in ("FR", "BE"):
            return "fr" if self.rng.random() < 0.85 else "en"
        if country in ("DE", "AT"):
            return "de" if self.rng.random() < 0.9 else "en"
        if country in ("ES", "PT"):
            return "es" if country == "ES" or self.rng.random() < 0.3 else "en"
        return "en"

    def _contact_counts(self, members: int) -> list[int]:
        weights = [self.rng.gammavariate(2.0, 1.0) for _ in range(members)]
        total = sum(weights)
        counts = [max(1, int(w / total * self.spec.contacts)) for w in weights]
        index = 0
        while sum(counts) != self.spec.contacts:  # spread the rounding, one row at a time
            step = 1 if sum(counts) < self.spec.contacts else -1
            if step > 0 or counts[index % members] > 1:
                counts[index % members] += step
            index += 1
        return counts

    def _contacts(self, members: list[dict[str, Any]]) -> None:
        rows = self.data.tables["contacts"]
        for member, count in zip(members, self._contact_counts(len(members)), strict=True):
            emails: set[str] = set()
            for _ in range(count):
                language = self._language(member)
                first = self.rng.choice(FIRST_NAMES[language])
                last = self.rng.choice(LAST_NAMES[language]).replace("-", " ")
                local = f"{_ascii_slug(first, '')}.{_ascii_slug(last, '')}"
                email, n = _email(local, member["domain"]), 2
                while email in emails:
                    email, n = _email(local, member["domain"], n), n + 1
                emails.add(email)
                title = self.rng.choice(JOB_TITLES[language]) if self.rng.random() < 0.85 else None
                created = self.moment(member["created_at"])
                consent: tuple[Any, ...] = (None, None, None)
                if self.rng.random() < 0.7:
                    consent = (
                        self.rng.choice(["programme", "programme,training", "all"]),
                        self.moment(created),
                        self.rng.choice(["web form", "event sign-up", "email reply"]),
                    )
                opt_outs = ["newsletter"] if self.rng.random() < 0.1 else []
                archived = self.moment(created) if self.rng.random() < 0.03 else None
                rows.append(
                    (
                        *(self.new_id(), member["id"], email, first, last, title, language),
                        *(*consent, opt_outs, archived, created, archived or created),
                    )
                )

    def _cohorts(self, partners: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seasons = [f"{year} {term}" for year in (2024, 2025, 2026) for term in ("Spring", "Autumn")]
        owners: list[dict[str, Any] | None] = []
        staff_run = max(1, self.spec.cohorts // 4)
        owners += [partners[i % len(partners)] for i in range(self.spec.cohorts - staff_run)]
        owners += [None] * staff_run
        out = []
        used: set[str] = set()
        for owner in owners:
            if owner is None:
                network = self.rng.choice([COUNCIL, CITY])
                label = "CitizenPoweredCouncil Open" if network == COUNCIL else "Europe Open"
            else:
                network = owner["network"]
                label = owner["slug"].replace("-", " ").title()
            name = f"{label} Star Cohort {self.rng.choice(seasons)}"
            n = 2
            while name in used:
                name, n = f"{label} Star Cohort {self.rng.choice(seasons)} ({n})", n + 1
            used.add(name)
            created = self.moment()
            cohort = {
                "id": self.new_id(),
                "network": network,
                "partner": owner,
                "reached": self.rng.randint(0, 5),
                "created_at": created,
            }
            out.append(cohort)
            self.data.tables["cohorts"].append(
                (cohort["id"], name, network, owner["id"] if owner else None, created, created)
            )
        return out

    def _cohort_members(self, cohorts: list[dict[str, Any]], members: list[dict[str, Any]]) -> None:
        for cohort in cohorts:
            owner = cohort["partner"]
            pool = [
                m
                for m in members
                if m["network"] == cohort["network"]
                and (
                    owner is None
                    or m["partner_id"] == owner["id"]
                    or (
                        m["partner_id"] is None
                        and m["country"] in owner["countries"]
                        and (owner["region"] is None or owner["region"] == m["region"])
                    )
                )
            ]
            chosen = self.rng.sample(pool, min(len(pool), self.rng.randint(12, 35)))
            for member in chosen:
                joined = self.moment(cohort["created_at"])
                self.data.tables["cohort_members"].append((cohort["id"], member["id"], joined))
                self._progress(cohort, member["id"], joined)

    def _progress(self, cohort: dict[str, Any], member_id: uuid.UUID, joined: datetime) -> None:
        completed = max(0, cohort["reached"] - self.rng.choice([0, 0, 0, 1]))
        day = joined.date()
        for index, step in enumerate(STEPS):
            if index > completed or (index == completed and self.rng.random() < 0.4):
                break
            started = day
            finished: date | None = started + timedelta(days=self.rng.randint(20, 90))
            status = "COMPLETED" if index < completed else "IN_PROGRESS"
            if started > LAST_DAY:
                break
            if status == "IN_PROGRESS" or (finished and finished > LAST_DAY):
                status, finished = "IN_PROGRESS", None
            notes = (
                self.rng.choice(["Workshop held.", "Action plan agreed.", "Needs follow-up."])
                if self.rng.random() < 0.3
                else None
            )
            stamp = datetime.combine(finished or started, datetime.min.time(), UTC)
            self.data.tables["step_progress"].append(
                (
                    *(self.new_id(), cohort["id"], member_id, step, status, started, finished),
                    *(notes, None, None, stamp, stamp),
                )
            )
            if finished is None:
                break
            day = finished + timedelta(days=self.rng.randint(7, 30))

    def _users(self, partners: list[dict[str, Any]]) -> None:
        tokens = tokens_for(self.spec.seed)
        partner = next(p for p in partners if p["slug"] == tokens.partner_slug)
        users = [
            ("bench.staff@citizenpowered.example", "Bench Staff", "STAFF", None, tokens.staff),
            (
                "bench.wales@cymru-partner.example",
                "Bench Partner",
                "PARTNER",
                partner["id"],
                tokens.partner,
            ),
        ]
        for email, name, role, partner_id, token in users:
            user_id = self.new_id()
            self.data.tables["users"].append(
                (user_id, email, name, role, partner_id, None, None, True, EPOCH)
            )
            self.data.tables["api_tokens"].append(
                (self.new_id(), user_id, hash_token(token), EPOCH, None, TOKENS_EXPIRE)
            )


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def stored_fingerprint(url: str) -> str | None:
    """The comment on the dataset's database, or None when the database does not exist."""
    connection = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        value: str | None = await connection.fetchval(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database"
            " WHERE datname = $1",
            make_url(url).database,
        )
        return value
    finally:
        await connection.close()


def _prepare_database(url: str) -> None:
    """Drop and recreate the database, then apply the real migrations."""
    python = sys.executable
    subprocess.run(
        [python, str(ROOT / "scripts" / "ensure_database.py"), url, "--recreate"], check=True
    )
    subprocess.run(
        [str(Path(python).parent / "network"), "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )


SECONDARY_INDEXES = """
SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = $1 AND t.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
"""


async def load(url: str, data: Dataset, fingerprint: str) -> dict[str, float]:
    """COPY every table in foreign-key order, analyse, and label the database."""
    connection = await asyncpg.connect(_dsn(url))
    timings: dict[str, float] = {}
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for table, columns in COLUMNS.items():
                started = time.perf_counter()
                # Secondary indexes (the trigram one above all) are cheaper built once than
                # kept up to date row by row: drop them, copy, recreate them as migrated.
                indexes = await connection.fetch(SECONDARY_INDEXES, table)
                for index in indexes:
                    await connection.execute(f'DROP INDEX "{index["name"]}"')
                await connection.copy_records_to_table(
                    table, records=data.tables[table], columns=columns
                )
                copied = time.perf_counter()
                for index in indexes:
                    await connection.execute(index["definition"])
                timings[table] = copied - started
                timings[f"{table}:indexes"] = time.perf_counter() - copied
        await connection.execute("ANALYZE")
        name = make_url(url).database
        literal = fingerprint.replace("'", "''")
        await connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    finally:
        await connection.close()
    return timings


async def ensure(url: str, spec: Spec, *, if_missing: bool, quiet: bool = False) -> bool:
    """Build the dataset unless `if_missing` and it is there already; True if it was built."""
    if if_missing and await stored_fingerprint(url) == spec.fingerprint():
        if not quiet:
            print(f"dataset is current: {spec.fingerprint()}")
        return False
    started = time.perf_counter()
    data = Generator(spec).build()
    generated = time.perf_counter() - started
    _prepare_database(url)
    timings = await load(url, data, spec.fingerprint())
    rows = sum(data.count(t) for t in COLUMNS)
    copied = sum(timings[t] for t in COLUMNS)
    indexed = sum(timings[f"{t}:indexes"] for t in COLUMNS)
    if not quiet:
        print(
            f"generated {rows:,} rows in {generated:.2f} s; COPY {copied:.2f} s "
            f"({rows / copied:,.0f} rows/s), then secondary indexes {indexed:.2f} s"
        )
        for table in COLUMNS:
            print(
                f"  {table:<15} {data.count(table):>7,} rows  copy {timings[table] * 1000:7.1f} ms"
                f"  indexes {timings[f'{table}:indexes'] * 1000:7.1f} ms"
            )
        print(f"database: {make_url(url).render_as_string(hide_password=True)}")
        tokens = tokens_for(spec.seed)
        print(f"staff token:   {tokens.staff}")
        print(f"partner token: {tokens.partner}  (partner '{tokens.partner_slug}')")
    return True


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and build the dataset."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    default = Spec()
    parser.add_argument("--members", type=int, default=default.members)
    parser.add_argument("--contacts", type=int, default=default.contacts)
    parser.add_argument("--cohorts", type=int, default=default.cohorts)
    parser.add_argument(
        "--if-missing", action="store_true", help="keep a dataset made with the same settings"
    )
    args = parser.parse_args(argv)
    spec = Spec(seed=args.seed, members=args.members, contacts=args.contacts, cohorts=args.cohorts)
    asyncio.run(ensure(args.database_url, spec, if_missing=args.if_missing))


if __name__ == "__main__":
    main()
