"""The `network` command: migrate, seed, serve, worker, users, tokens, schema, mailbox."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError

from network.auth.principal import SYSTEM
from network.config import Settings, get_settings
from network.kit.enums import Role
from network.kit.errors import DomainError

if TYPE_CHECKING:
    from network.meetings.reminders import ReminderPass
    from network.privacy.retention import RetentionPlan, RetentionRun

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]

app = typer.Typer(
    help="The network CRM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
reminders_app = typer.Typer(help="Reminders.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(reminders_app, name="reminders")
outbox_app = typer.Typer(help="The outbox of emails owed.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
privacy_app = typer.Typer(help="Personal data: the register, erasure.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
retention_app = typer.Typer(help="Retention of personal data.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


def _in_transaction(action: Callable[..., Awaitable[T]]) -> T:
    """Run `action(session)` in one transaction; a domain error exits 1 with its message.

    After the commit, the delivery of any email the transaction owes is enqueued (a missing
    Redis only delays it: the workers' sweep finds it).
    """
    from network.db import make_engine, make_session_factory, unit_of_work
    from network.jobs import JobQueue

    async def main() -> T:
        settings = get_settings()
        engine = make_engine(settings.database_url, pool_size=2)
        jobs = JobQueue.from_settings(settings)
        try:
            sessions = make_session_factory(engine, principal=SYSTEM)
            async with unit_of_work(sessions, after_commit=jobs.flush) as session:
                return await action(session)
        finally:
            await jobs.close()
            await engine.dispose()

    return _run(main)


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `main()`; a domain error, or a database that cannot be used, exits 1 with a line
    starting "error:" (never a traceback)."""
    try:
        return asyncio.run(main())
    except DomainError as error:
        for item in error.errors:
            typer.echo(f"error: {item.field}: {item.message}", err=True)
        raise typer.Exit(1) from None
    except (OSError, SQLAlchemyError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        typer.echo(f"error: cannot use the database at DATABASE_URL: {reason}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Apply all migrations to DATABASE_URL."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")
    typer.echo("database is up to date")


@app.command()
def seed(demo: bool = typer.Option(False, "--demo", help="Load the demo data set.")) -> None:
    """Load demo data; running it twice changes nothing."""
    if not demo:
        typer.echo("nothing to do: pass --demo to load the demo data", err=True)
        raise typer.Exit(2)
    from network.demo.seed import load_demo

    summary = _in_transaction(load_demo)
    typer.echo(summary)


def _check_startup() -> None:
    """Stop with a clear message when the settings are unsafe to run with (production)."""
    from network.config import InsecureSettingsError, check_startup

    try:
        check_startup(get_settings())
    except InsecureSettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    reload: bool = typer.Option(False, "--reload"),
) -> None:
    """Run the API (uvicorn)."""
    import uvicorn

    _check_startup()
    uvicorn.run("network.app:create_app", **uvicorn_options(get_settings(), host, port, reload))


def uvicorn_options(settings: Settings, host: str, port: int, reload: bool) -> dict[str, Any]:
    """How `serve` runs uvicorn (README "Logs"): JSON logs and our own access log; forwarded
    headers left to network.proxies (uvicorn would believe 127.0.0.1's by default); h11,
    whose cap on a request's headers httptools lacks."""
    from network.logs import config_dict

    return {
        "factory": True,
        "host": host,
        "port": port,
        "reload": reload,
        "log_config": config_dict(
            settings.log_level,
            settings.log_lines_per_client_per_second,
            settings.log_lines_per_second,
        ),
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "server_header": False,
        "http": "h11",
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        "limit_concurrency": settings.http_limit_concurrency,
    }


@app.command()
def worker() -> None:
    """Run an arq worker (jobs and cron)."""
    from workers.main import run

    _check_startup()
    run()


@app.command()
def mailbox(
    port: int = typer.Option(8025, "--port"),
    directory: Path = typer.Option(ROOT / "var" / "mail", "--dir"),
    host: str = typer.Option("127.0.0.1", "--host"),
    quiet: bool = typer.Option(False, "--quiet", help="Do not print a line per message."),
) -> None:
    """A local SMTP sink saving each message as a .eml file."""
    from network.mailbox import run_mailbox

    run_mailbox(host, port, directory, echo=not quiet)


@outbox_app.command("send-test")
def outbox_send_test(
    to: str = typer.Option(..., "--to", help="The address to write to."),
    language: str = typer.Option("en", "--language", help="en, cy, fr, es or de."),
) -> None:
    """Owe a test notice to an address; a running worker delivers it."""
    import uuid

    from network.db import make_engine, make_session_factory, unit_of_work
    from network.jobs import JobQueue
    from network.kit.emails import InvalidEmail, normalize_email
    from network.messaging.service import queue_email

    try:
        to = normalize_email(to)
    except InvalidEmail as error:
        typer.echo(f"error: --to: Not a valid email address: {error.reason}", err=True)
        raise typer.Exit(2) from None

    async def main() -> uuid.UUID | None:
        settings = get_settings()
        engine = make_engine(settings.database_url, pool_size=1)
        jobs = JobQueue.from_settings(settings)
        try:
            sessions = make_session_factory(engine, principal=SYSTEM)
            async with unit_of_work(sessions, after_commit=jobs.flush) as session:
                return await queue_email(
                    session,
                    template="notice",
                    to_email=to,
                    language=language,
                    context={
                        "recipient_name": to,
                        "title": "Test message from the network CRM",
                        "paragraphs": ["If you can read this, the outbox delivers email."],
                    },
                    dedup_key=f"test-message:{uuid.uuid4()}",
                )
        finally:
            await jobs.close()
            await engine.dispose()

    try:
        message_id = asyncio.run(main())
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"queued outbox message {message_id}")


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Deliver every due message now, in this process (no worker needed)."""
    from network.db import make_engine
    from network.messaging.delivery import Courier, deliver_batch

    async def main() -> tuple[int, int, int, int]:
        settings = get_settings()
        engine = make_engine(settings.database_url, pool_size=2)
        courier = Courier.from_settings(settings, engine)
        sent = failed = skipped = retry = 0
        try:
            while (report := await deliver_batch(courier)).claimed:
                sent += len(report.sent)
                failed += len(report.failed)
                skipped += len(report.skipped)
                retry += sum(len(r.ids) for r in report.retries)
        finally:
            await engine.dispose()
        return sent, failed, skipped, retry

    sent, failed, skipped, retry = asyncio.run(main())
    typer.echo(f"{sent} sent, {failed} failed, {skipped} skipped, {retry} to retry later")


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL SDL."""
    from network.api.schema import schema

    sys.stdout.write(schema.as_str() + "\n")


@users_app.command("create")
def users_create(
    email: str = typer.Option(..., "--email"),
    name: str = typer.Option(..., "--name"),
    role: str = typer.Option(..., "--role", help="staff, partner or member"),
    partner: str | None = typer.Option(None, "--partner", help="partner slug (partner users)"),
    contact_email: str | None = typer.Option(
        None, "--contact-email", help="the member user's contact"
    ),
) -> None:
    """Create a user (a member user is tied to a contact)."""
    from network.auth.service import create_user

    try:
        role_value = Role(role.upper())
    except ValueError:
        typer.echo("error: --role must be staff, partner or member", err=True)
        raise typer.Exit(2) from None
    user = _in_transaction(
        lambda s: create_user(
            s,
            SYSTEM,
            email=email,
            name=name,
            role=role_value,
            partner_slug=partner,
            contact_email=contact_email,
        )
    )
    typer.echo(f"created {user.role.value.lower()} user {user.email}")


@users_app.command("set-password")
def users_set_password(email: str = typer.Option(..., "--email")) -> None:
    """Read the user's new password from standard input."""
    from network.auth.service import set_password

    password = sys.stdin.readline().rstrip("\r\n")
    _in_transaction(lambda s: set_password(s, SYSTEM, email, password))
    typer.echo(f"password set for {email}", err=True)


@users_app.command("revoke-sessions")
def users_revoke_sessions(email: str = typer.Option(..., "--email")) -> None:
    """End every portal session and bearer token of the user (they stop working at once)."""
    from network.auth.service import revoke_access_of

    revoked = _in_transaction(lambda s: revoke_access_of(s, SYSTEM, email))
    typer.echo(
        f"revoked {revoked.sessions} portal session(s) and {revoked.tokens} token(s) of {email}",
        err=True,
    )


@tokens_app.command("create")
def tokens_create(email: str = typer.Option(..., "--email")) -> None:
    """Print a new bearer token for that user, and nothing else, on stdout."""
    from network.auth.service import create_token

    token = _in_transaction(lambda s: create_token(s, SYSTEM, email))
    sys.stdout.write(token + "\n")


@tokens_app.command("list")
def tokens_list(email: str = typer.Option(..., "--email")) -> None:
    """Print the user's tokens: prefix, created, last used, expires, revoked."""
    from network.auth.service import list_tokens

    rows = _in_transaction(lambda s: list_tokens(s, SYSTEM, email))

    def when(moment: datetime | None) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else "-"

    line = "{:<15} {:<17} {:<17} {:<17} {}"
    typer.echo(line.format("PREFIX", "CREATED", "LAST USED", "EXPIRES", "REVOKED"))
    for row in rows:
        # Tokens issued before prefixes were kept have none: revoke them all, or by user.
        prefix = row.prefix or "(none)"
        used, expires, revoked = when(row.last_used_at), when(row.expires_at), when(row.revoked_at)
        typer.echo(line.format(prefix, when(row.created_at), used, expires, revoked))


@tokens_app.command("revoke")
def tokens_revoke(
    email: str = typer.Option(..., "--email"),
    token_prefix: str | None = typer.Option(
        None, "--token-prefix", help="only this token (its prefix, as `tokens list` shows it)"
    ),
) -> None:
    """Revoke all the user's tokens, or the one with that prefix; they stop working at once."""
    from network.auth.service import revoke_tokens_of

    count = _in_transaction(lambda s: revoke_tokens_of(s, SYSTEM, email, token_prefix))
    typer.echo(f"revoked {count} token(s) of {email}")


@privacy_app.command("register")
def privacy_register() -> None:
    """Print the register of personal data as Markdown (for the records of processing)."""
    from network.privacy.register import render_markdown

    sys.stdout.write(render_markdown())


@privacy_app.command("erase")
def privacy_erase(
    contact_id: str = typer.Argument(..., help="The contact's id (a UUID)."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)."),
) -> None:
    """Anonymise a contact in place, for good (see `erasePerson`)."""
    import uuid

    from network.privacy.erasure import erase_person

    try:
        raw = uuid.UUID(contact_id)
    except ValueError:
        typer.echo("error: CONTACT_ID: not a contact id (a UUID)", err=True)
        raise typer.Exit(2) from None
    result = _in_transaction(lambda s: erase_person(s, SYSTEM, raw, reason))
    state = "was already erased" if result.already_erased else "erased"
    typer.echo(f"contact {result.contact_id} {state} at {result.erased_at.isoformat()}")


@reminders_app.command("send")
def reminders_send() -> None:
    """One pass of due reminders, now."""
    from network.training.service import queue_due_reminders

    owed = _in_transaction(lambda s: queue_due_reminders(s))
    typer.echo(f"training: {owed} reminders owed")
    meetings = asyncio.run(_meeting_reminders())
    typer.echo(f"meetings: {meetings.sent} reminders owed, {meetings.skipped} skipped")


async def _meeting_reminders() -> ReminderPass:
    """The meeting reminders' pass, each batch committed and its delivery enqueued."""
    from network.db import make_engine, make_session_factory
    from network.jobs import JobQueue
    from network.meetings.reminders import send_due_reminders

    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    jobs = JobQueue.from_settings(settings)
    try:
        return await send_due_reminders(
            make_session_factory(engine, principal=SYSTEM),
            batch_size=settings.outbox_batch_size,
            after_commit=jobs.flush,
        )
    finally:
        await jobs.close()
        await engine.dispose()


def _print_plan(plan: RetentionPlan, *, ids: bool) -> None:
    """The plan as a table: one line per partner, rule and kind of row."""
    line = "{:<24} {:<18} {:>6}  {:<6} {:<16} {:>7}"
    typer.echo(line.format("PARTNER", "RULE", "DAYS", "ACTION", "WHAT", "COUNT"))
    for item in plan.lines:
        partner = item.partner_slug or "(network-wide)"
        rule = item.kind.value if item.kind else "EXPORT_EXPIRY"
        days = str(item.days) if item.days is not None else "-"
        what = item.what.value
        typer.echo(line.format(partner, rule, days, item.action.value, what, item.count))
        if ids:
            for row_id in item.ids:
                typer.echo(f"    {row_id}")


@retention_app.command("report")
def retention_report(
    ids: bool = typer.Option(False, "--ids", help="List the id of every row, too."),
) -> None:
    """What the next retention run would do, per partner and rule, without doing it."""
    from network.db import utcnow
    from network.privacy.retention import plan

    moment = utcnow()
    found = _in_transaction(lambda s: plan(s, moment))
    _print_plan(found, ids=ids)
    typer.echo(
        f"{found.total} row(s) would change at {moment:%Y-%m-%d %H:%M} UTC; nothing was changed"
    )


@retention_app.command("apply")
def retention_apply(
    yes: bool = typer.Option(False, "--yes", help="Do it without asking."),
) -> None:
    """Run retention now: erase, prune and delete what the rules say is due."""
    from network.db import utcnow
    from network.privacy.retention import plan

    # One moment for the plan shown and the run: it does what it showed (less what became
    # active or was done meanwhile; never more).
    moment = utcnow()
    if not yes:
        _print_plan(_in_transaction(lambda s: plan(s, moment)), ids=False)
        if not typer.confirm("Erase, prune and delete these now? This cannot be undone"):
            typer.echo("nothing was changed", err=True)
            raise typer.Exit(1)
    run = _run(lambda: _apply_retention(moment))
    for key, count in run.by_kind().items():
        typer.echo(f"{key}: {count}")
    typer.echo(f"{run.total} row(s) changed")


async def _apply_retention(moment: datetime) -> RetentionRun:
    """The retention run at `moment`, each batch committed and the jobs it owes enqueued."""
    from network.db import make_engine, make_session_factory
    from network.jobs import JobQueue
    from network.privacy.retention import apply

    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    jobs = JobQueue.from_settings(settings)
    try:
        return await apply(
            make_session_factory(engine, principal=SYSTEM),
            moment,
            SYSTEM,
            batch_size=settings.retention_batch_size,
            after_commit=jobs.flush,
        )
    finally:
        await jobs.close()
        await engine.dispose()


if __name__ == "__main__":
    app()
