"""Benchmark: every GET page of the portal on the demo data (issue 7), whole request.

    .venv/bin/python -m bench.portal_pages [--rounds 30] [--warm-up 3] [--keep]

The database `network_portal_bench` (or --database-url) is rebuilt first by the real commands:
`scripts/ensure_database.py --recreate`, `network migrate`, `network seed --demo`, and
`network users set-password` (password on stdin) for the three users signed in here.
--keep skips the rebuild (the passwords must then already be set).

Signed in through the sign-in form of `create_app()` over httpx's ASGITransport, as the Wales
partner, the France partner and the member contact Gwenllian Ellis, each user's pages are found
by following the portal's own links from their start page (GET links only: no sign-out, no
language switch, no `after=` pages); every page of a kind is visited when crawling, and one page
of each kind is timed, except the cohort pages, which are all timed. The sign-in and
forgot-password pages are timed signed out.

For each page: the SQL statements of one request (counted on the engine, after warm-up), the
rows it shows (table rows of HTML pages, data lines of CSV files, files of ZIP archives), then
`--rounds` rounds over every page (interleaved) after `--warm-up` rounds: median and p90 of the
whole request in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import io
import os
import platform
import re
import statistics
import sys
import time
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.training_data import bench_settings, forget_jobs
from network.app import create_app
from network.auth.principal import SYSTEM
from network.db import act_as, make_engine, make_session_factory, unit_of_work
from network.kit.enums import StarStep, StepStatus
from network.kit.errors import DomainError
from network.members import service as members
from network.partners.models import Partner
from network.programme import service as programme
from network.programme.models import Cohort
from network.training import bookings
from network.usecases import cohorts as cohort_cases
from network.usecases import contacts as contact_cases

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = os.environ.get(
    "BENCH_PORTAL_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/network_portal_bench",
)
PASSWORD = "bench-portal-pages-password"
USERS = (
    ("Wales partner", "partner@wales.example", "/portal/"),
    ("France partner", "partner@france.example", "/portal/"),
    ("member contact", "gwenllian.ellis@ynysmon.example", "/portal/training"),
)
ANONYMOUS = ("signed out", "", "")
ANONYMOUS_PAGES = ("/portal/login", "/portal/password/forgot")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r'href="(/portal/[^"]*)"')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SKIPPED_PARAMS = {"lang", "after"}
ALL_TIMED = "/portal/cohorts/{id}"  # every cohort page is timed, one page of other kinds
CRAWL_PER_KIND = 10  # pages of one kind followed when crawling


class Counter:
    """Counts the SQL statements the engine sends while `counting`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1

    async def get(self, client: httpx.AsyncClient, url: str) -> tuple[httpx.Response, int]:
        """One request, and the statements it sent."""
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self)
        try:
            answer = await client.get(url)
        finally:
            event.remove(self.engine, "before_cursor_execute", self)
        return answer, self.count


@dataclass
class Kind:
    """Every page of one kind met when crawling: its statements and rows, lowest and highest."""

    pages: int = 0
    statements: tuple[int, int] = (1 << 30, 0)
    rows: tuple[int, int] = (1 << 30, 0)

    def add(self, statements: int, rows: int) -> None:
        self.pages += 1
        self.statements = (min(self.statements[0], statements), max(self.statements[1], statements))
        self.rows = (min(self.rows[0], rows), max(self.rows[1], rows))

    def __str__(self) -> str:
        low, high = self.statements
        spread = f"{low}" if low == high else f"{low} to {high}"
        return f"{spread} over {self.pages} (rows {self.rows[0]} to {self.rows[1]})"


@dataclass
class Page:
    """One page timed for one user."""

    user: str
    url: str
    kind: str
    title: str = ""
    rows: int = 0
    statements: int = 0
    timings: list[float] = field(default_factory=list)
    crawled: Kind = field(default_factory=Kind)
    grown: tuple[int, int] | None = None  # rows and statements after `grow`


def kind_of(url: str) -> str:
    """The page's route: ids replaced by {id}, the query kept but for lang/after."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in SKIPPED_PARAMS]
    kind = UUID.sub("{id}", parts.path)
    if query:
        kind += "?" + UUID.sub("{id}", urlencode(query))
    return kind


def normal(url: str) -> str | None:
    """The GET page a link leads to, without its fragment and ?lang= (which would save the
    user's language); None for the stylesheet, sign-out and next pages (?after=)."""
    parts = urlsplit(url)
    if parts.path.startswith("/portal/static/") or parts.path == "/portal/logout":
        return None
    query = parse_qsl(parts.query)
    if any(k == "after" for k, _ in query):
        return None
    kept = urlencode([(k, v) for k, v in query if k != "lang"])
    return parts.path + ("?" + kept if kept else "")


def rows_of(answer: httpx.Response) -> int:
    """What the page shows: table rows and cards, CSV data lines, files in a ZIP, PDF pages."""
    media = answer.headers.get("content-type", "")
    if media.startswith("text/html"):
        return answer.text.count("<tr") + answer.text.count('<section class="card">')
    if media.startswith("text/csv"):
        return max(0, len(answer.text.splitlines()) - 1)
    if media.startswith("application/zip"):
        return len(zipfile.ZipFile(io.BytesIO(answer.content)).namelist())
    if media.startswith("application/pdf"):
        return answer.content.count(b"/Type /Page") - answer.content.count(b"/Type /Pages")
    return 0


def title_of(answer: httpx.Response) -> str:
    """The page's <title>, or the name of the file a download is saved as."""
    found = (
        TITLE.search(answer.text)
        if answer.headers.get("content-type", "").startswith("text/html")
        else None
    )
    if found is None:
        disposition: str = answer.headers.get("content-disposition", "")
        return disposition.partition("filename=")[2].strip('"')
    return " ".join(html.unescape(found.group(1)).split())


async def _run(*command: str, url: str, stdin: bytes | None = None) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        env={**os.environ, "DATABASE_URL": url},
        stdin=asyncio.subprocess.PIPE if stdin is not None else None,
        stdout=asyncio.subprocess.DEVNULL,
    )
    await process.communicate(stdin)
    if process.returncode != 0:
        raise RuntimeError(f"failed: {' '.join(command)}")


async def rebuild(url: str) -> None:
    """The demo database, made by the project's own commands, and the users' passwords."""
    python = sys.executable
    network = str(Path(python).parent / "network")
    await _run(python, str(ROOT / "scripts" / "ensure_database.py"), url, "--recreate", url=url)
    await _run(network, "migrate", url=url)
    await _run(network, "seed", "--demo", url=url)
    for _, email, _ in USERS:
        await _run(
            network, "users", "set-password", "--email", email, url=url, stdin=PASSWORD.encode()
        )


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    login = await client.get("/portal/login")
    token = CSRF.search(login.text)
    assert token is not None, "no CSRF token on the sign-in page"
    signed = await client.post(
        "/portal/login", data={"csrf": token.group(1), "email": email, "password": PASSWORD}
    )
    assert signed.status_code == 303, f"{email} could not sign in: {signed.status_code}"


async def crawl(client: httpx.AsyncClient, counter: Counter, user: str, start: str) -> list[Page]:
    """The user's pages, found by following links from `start`; the ones to time, each with
    the statements and rows of every page of its kind met on the way."""
    queue = [start]
    seen = {start}
    followed: dict[str, int] = {}
    found: dict[str, list[Page]] = {}
    kinds: dict[str, Kind] = {}
    while queue:
        url = queue.pop(0)
        kind = kind_of(url)
        if followed.get(kind, 0) >= CRAWL_PER_KIND:
            continue
        answer, statements = await counter.get(client, url)
        if answer.status_code in (302, 303, 307):
            target = normal(answer.headers["location"])
            if target is not None and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        assert answer.status_code == 200, f"{user}: GET {url} answered {answer.status_code}"
        followed[kind] = followed.get(kind, 0) + 1
        found.setdefault(kind, []).append(Page(user, url, kind, title_of(answer)))
        kinds.setdefault(kind, Kind()).add(statements, rows_of(answer))
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        for link in LINK.findall(answer.text):
            link = normal(html.unescape(link))
            if link is not None and link not in seen:
                seen.add(link)
                queue.append(link)
    pages: list[Page] = []
    for kind, instances in found.items():
        for page in instances if kind == ALL_TIMED else instances[:1]:
            page.crawled = kinds[kind]
            pages.append(page)
    return pages


async def run(url: str, rounds: int, warm_up: int, keep: bool, extra: int) -> list[Page]:
    if not keep:
        started = time.perf_counter()
        await rebuild(url)
        print(f"demo database rebuilt in {time.perf_counter() - started:.1f} s")
    settings = bench_settings(url)
    engine = make_engine(url, pool_size=2)
    counter = Counter(engine)
    factory = make_session_factory(engine)
    app = create_app(settings, session_factory=factory)
    pages: list[Page] = []
    clients: dict[str, httpx.AsyncClient] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        try:
            for user, email, start in (*USERS, ANONYMOUS):
                client = httpx.AsyncClient(transport=transport, base_url="http://bench")
                clients[user] = client
                if email:
                    await sign_in(client, email)
                    pages.extend(await crawl(client, counter, user, start))
                else:
                    for path in ANONYMOUS_PAGES:
                        answer, statements = await counter.get(client, path)
                        assert answer.status_code == 200, f"GET {path}: {answer.status_code}"
                        page = Page(user, path, path, title_of(answer))
                        page.crawled.add(statements, rows_of(answer))
                        pages.append(page)
            for _ in range(warm_up):
                for page in pages:
                    await clients[page.user].get(page.url)
            for page in pages:
                answer, page.statements = await counter.get(clients[page.user], page.url)
                assert answer.status_code == 200, f"{page.user}: GET {page.url}"
                page.rows = rows_of(answer)
            for _ in range(rounds):
                for page in pages:
                    began = time.perf_counter()
                    answer = await clients[page.user].get(page.url)
                    page.timings.append((time.perf_counter() - began) * 1000)
                    assert answer.status_code == 200, f"{page.user}: GET {page.url}"
            if extra:
                wales = [page for page in pages if page.user == USERS[0][0]]
                await grow(factory, wales, extra)
                for page in wales:
                    await clients[page.user].get(page.url)  # new statements prepared
                    answer, statements = await counter.get(clients[page.user], page.url)
                    assert answer.status_code == 200, f"{page.user}: GET {page.url}"
                    page.grown = (rows_of(answer), statements)
        finally:
            for client in clients.values():
                await client.aclose()
    await engine.dispose()
    await forget_jobs(settings)
    return pages


async def grow(factory: Any, pages: Sequence[Page], extra: int) -> None:
    """More rows behind the Wales partner's pages, through the services: `extra` members of
    the partner, each with two contacts, in its cohort with a step recorded and a contact
    booked on the session timed; `extra` more contacts on the member page timed."""
    urls = {page.kind: page.url for page in pages}
    member_id = uuid.UUID(UUID.findall(urls["/portal/members/{id}"])[0])
    session_id = uuid.UUID(UUID.findall(urls["/portal/sessions/{id}"])[0])
    async with unit_of_work(factory) as session:
        await act_as(session, SYSTEM)  # the app's factory: name the caller (row-level security)
        cohort = (
            await session.scalars(
                select(Cohort)
                .join(Partner, Partner.id == Cohort.partner_id)
                .where(Partner.slug == "wales")
                .order_by(Cohort.name)
            )
        ).first()
        assert cohort is not None, "the demo data has no Wales cohort"
        for n in range(extra):
            await contact_cases.create_contact(
                session,
                SYSTEM,
                member_id=member_id,
                email=f"more.{n}@bench-grown.example",
                first_name="More",
                last_name=f"Contact {n:02d}",
            )
            member = await members.create_member(
                session,
                SYSTEM,
                name=f"Bench grown member {n:02d}",
                network=cohort.network,
                country="GB",
                region="Wales",
                partner_slug="wales",
            )
            people = [
                await contact_cases.create_contact(
                    session,
                    SYSTEM,
                    member_id=member.id,
                    email=f"person.{k}@grown-{n}.example",
                    first_name="Person",
                    last_name=f"{n:02d}-{k}",
                )
                for k in (1, 2)
            ]
            await cohort_cases.add_cohort_member(
                session, SYSTEM, cohort_id=cohort.id, member_id=member.id
            )
            await programme.record_step_progress(
                session,
                SYSTEM,
                cohort_id=cohort.id,
                member_id=member.id,
                step=StarStep.MAP_IT,
                status=StepStatus.COMPLETED,
                started_on=date(2026, 1, 12),
                completed_on=date(2026, 2, 12),
            )
            try:
                async with session.begin_nested():
                    await bookings.book_training(
                        session, SYSTEM, session_id=session_id, contact_id=people[0].id
                    )
            except DomainError:  # full, say: the page then shows fewer bookings
                pass


def p90(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.9) - 1)]


def table(pages: Sequence[Page]) -> str:
    """A Markdown table, one row per page."""
    lines = [
        "| user | page | shows | rows | SQL | SQL on every page of the kind | median ms | p90 ms |",
        "|---|---|---|--:|--:|---|--:|--:|",
    ]
    for page in pages:
        title = page.title if len(page.title) <= 48 else page.title[:47] + "..."
        lines.append(
            f"| {page.user} | `{page.kind}` | {title.replace('|', '/')} | {page.rows} "
            f"| {page.statements} | {page.crawled} | {statistics.median(page.timings):.1f} "
            f"| {p90(page.timings):.1f} |"
        )
    return "\n".join(lines)


def grown_table(pages: Sequence[Page], extra: int) -> str:
    """The Wales partner's pages before and after `grow`."""
    lines = [
        f"| page (Wales partner) | rows on the demo data | rows with +{extra} | SQL "
        f"| SQL with +{extra} |",
        "|---|--:|--:|--:|--:|",
    ]
    for page in pages:
        if page.grown is not None:
            rows, statements = page.grown
            lines.append(
                f"| `{page.kind}` | {page.rows} | {rows} | {page.statements} | {statements} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal_pages", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not rebuild the database")
    parser.add_argument(
        "--grow", type=int, default=40, help="then add this many rows behind the Wales pages"
    )
    args = parser.parse_args(argv)
    pages = asyncio.run(run(args.database_url, args.rounds, args.warm_up, args.keep, args.grow))
    now = datetime.now(UTC)
    print(
        f"python {platform.python_version()}, {len(pages)} pages, {args.rounds} rounds "
        f"after {args.warm_up} warm-up rounds, {now:%Y-%m-%d %H:%M} UTC, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(table(pages))
    if args.grow:
        print(f"\nSQL statements of the Wales partner's pages after adding {args.grow} rows:")
        print(grown_table(pages, args.grow))
    slowest = max(pages, key=lambda p: statistics.median(p.timings))
    print(
        f"slowest median: {slowest.user} {slowest.kind} "
        f"{statistics.median(slowest.timings):.1f} ms; "
        f"most statements: {max(p.statements for p in pages)}"
    )


if __name__ == "__main__":
    main()
