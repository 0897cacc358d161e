"""Benchmark: outbox messages through one arq worker to the local SMTP sink, against a bare
aiosmtplib loop sending the same messages to the same sink, in one run.

    .venv/bin/python -m bench.outbox_delivery                 # 10,000 messages
    .venv/bin/python -m bench.outbox_delivery --messages 2000 --max-jobs 4
    .venv/bin/python -m bench.outbox_delivery --messages 1000 --bad-every 1000

What runs, each in its own process: the sink (`network mailbox --quiet`, writing .eml files
to a temporary directory), one worker (`network worker`), and this script (PostgreSQL
setup, the bare loop, the clock). The messages are `notice` emails in the five languages
(a fifth of them bilingual Welsh and English), queued with `queue_email` in one
transaction, then enqueued as the API does after a commit: one job per 100 messages.

With `--bad-every N`, every Nth queued row then gets an address the system's rule refuses,
written straight into the table (as data from before the rule would be): those messages must
fail alone, with their reason, while the rest are sent.

The worker's time runs from the enqueue to the last message's receipt (`max(sent_at)`);
the bare loop sends the already rendered bytes of the same messages over one connection,
once before and once after the worker, and the ratio uses their mean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from sqlalchemy import func, select, text, update

from network.auth.principal import SYSTEM
from network.config import Settings
from network.db import make_engine, make_session_factory
from network.jobs import JobQueue
from network.messaging.delivery import SmtpServer
from network.messaging.mime import build_message
from network.messaging.models import OutboxMessage, OutboxStatus
from network.messaging.rendering import Renderer
from network.messaging.service import queue_email, take_queued_ids

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_outbox"
LANGUAGES = ("en", "cy", "fr", "es", "de")
SENDER = "Network CRM <no-reply@citizenpowered.example>"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_files(directory: Path) -> int:
    return sum(1 for _ in directory.iterdir())


def prepare_database(url: str) -> None:
    """Create the benchmark's database afresh and migrate it."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py"), url, "--recreate"],
        check=True,
    )
    subprocess.run(
        [str(BIN / "network"), "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def context_for(n: int) -> dict[str, Any]:
    return {
        "recipient_name": f"Contact {n:05d}",
        "title": "Network meeting after Focus It",
        "paragraphs": [
            "The next network meeting of your cohort is on Thursday 3 December at 10:00.",
            "Please bring your action plan; we will share what each council has learned.",
        ],
        "action_url": f"https://crm.example/meetings/{n}",
        "action_label": "Reply to the invitation",
    }


async def wait_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def bare_loop(port: int, messages: list[tuple[str, bytes]]) -> float:
    """Send pre-rendered messages over one connection; messages per second."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    envelope_from = SmtpServer("127.0.0.1", port, SENDER).envelope_from
    started = time.perf_counter()
    for to_email, data in messages:
        await smtp.sendmail(envelope_from, [to_email], data)
    elapsed = time.perf_counter() - started
    await smtp.quit()
    return len(messages) / elapsed


async def main(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    mail_dir = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    port = free_port()
    queue_name = f"arq:queue:bench-outbox-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=url, redis_url=redis_url, worker_queue_name=queue_name, smtp_port=port
    )
    sink = await asyncio.create_subprocess_exec(
        *(str(BIN / "network"), "mailbox", "--port", str(port), "--dir", str(mail_dir)),
        "--quiet",
        stdout=asyncio.subprocess.DEVNULL,
    )
    worker: asyncio.subprocess.Process | None = None
    engine = make_engine(url, pool_size=2)
    jobs = JobQueue.from_settings(settings)
    try:
        await wait_port(port)
        # Queue the messages as a service would: one transaction, one queue_email each.
        started = time.perf_counter()
        async with make_session_factory(engine, principal=SYSTEM)() as session:
            for n in range(args.messages):
                await queue_email(
                    session,
                    template="notice",
                    to_email=f"contact{n:05d}@council.example",
                    language=LANGUAGES[n % len(LANGUAGES)],
                    context=context_for(n),
                    dedup_key=f"bench:{n}",
                )
            await session.commit()
            ids = take_queued_ids(session)
        queue_seconds = time.perf_counter() - started
        bad = ids[args.bad_every - 1 :: args.bad_every] if args.bad_every else []
        async with engine.begin() as connection:
            for message_id in bad:  # no @-sign: refused by network/kit/emails.py
                await connection.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id)
                    .values(to_email=f"bad-{message_id}.council.example")
                )

        # The same messages, rendered and built once, for the bare loop.
        renderer = Renderer()
        server = SmtpServer("127.0.0.1", port, SENDER)
        built = []
        for n, message_id in enumerate(ids):
            email = renderer.render("notice", LANGUAGES[n % len(LANGUAGES)], context_for(n))
            to_email = f"contact{n:05d}@council.example"
            data = build_message(
                message_id=f"<bare-{message_id}@{server.domain}>",
                sender=server.from_header,
                to=to_email,
                subject=email.subject,
                text=email.text,
                html=email.html,
                date=datetime.now(UTC),
                languages=email.languages,
            )
            built.append((to_email, data))
        mean_size = sum(len(d) for _, d in built) / len(built)

        bare_before = await bare_loop(port, built)

        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "WORKER_QUEUE_NAME": queue_name,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_SENDER": SENDER,
            "WORKER_MAX_JOBS": str(args.max_jobs),
            "OUTBOX_SWEEP_SECONDS": "60",
            "LOG_LEVEL": "WARNING",
        }
        worker = await asyncio.create_subprocess_exec(str(BIN / "network"), "worker", env=env)
        deadline = time.monotonic() + 30
        while not await jobs.redis.exists(f"{queue_name}:health-check"):
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not start")
            await asyncio.sleep(0.05)

        load_before = os.getloadavg()[0]
        cpu_before = {"worker": cpu_seconds(worker.pid), "sink": cpu_seconds(sink.pid)}
        enqueued_at = datetime.now(UTC)
        jobs_enqueued = await jobs.deliver_outbox(ids)
        settled = OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED])
        deadline = time.monotonic() + 600
        while True:
            async with engine.connect() as connection:
                done = await connection.scalar(
                    select(func.count()).select_from(OutboxMessage).where(settled)
                )
            if done == len(ids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {done} of {len(ids)} delivered after 600 s")
            await asyncio.sleep(0.1)
        async with engine.connect() as connection:
            last = await connection.scalar(select(func.max(OutboxMessage.sent_at)))
            attempts = (
                await connection.execute(
                    text("SELECT attempts, count(*) FROM outbox_messages GROUP BY 1")
                )
            ).all()
            failed = (
                await connection.execute(
                    select(OutboxMessage.id, OutboxMessage.last_error).where(
                        OutboxMessage.status == OutboxStatus.FAILED
                    )
                )
            ).all()
        cpu = {
            "worker": cpu_seconds(worker.pid) - cpu_before["worker"],
            "sink": cpu_seconds(sink.pid) - cpu_before["sink"],
        }
        worker_seconds = (last - enqueued_at).total_seconds()
        worker_rate = len(ids) / worker_seconds

        bare_after = await bare_loop(port, built)
        bare_mean = (bare_before + bare_after) / 2
        files = await asyncio.to_thread(count_files, mail_dir)
        result = {
            "benchmark": "outbox_delivery",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
            "messages": len(ids),
            "bad_addresses": len(bad),
            "mean_message_bytes": round(mean_size),
            "max_jobs": args.max_jobs,
            "jobs_enqueued": jobs_enqueued,
            "queue_email_per_s": round(len(ids) / queue_seconds),
            "worker_seconds": round(worker_seconds, 2),
            "worker_per_s": round(worker_rate),
            "bare_loop_per_s_before": round(bare_before),
            "bare_loop_per_s_after": round(bare_after),
            "ratio_worker_to_bare": round(worker_rate / bare_mean, 2),
            "cpu_ms_per_message": {k: round(v * 1000 / len(ids), 2) for k, v in cpu.items()},
            # Other work on the machine skews every figure; the 1-minute load says how much.
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "attempts": {str(a): c for a, c in attempts},
            "files_in_sink": files,
        }
        assert files == 3 * len(ids) - len(bad), f"the sink saved {files} files"
        assert result["attempts"] == {"1": len(ids)}
        assert sorted(i for i, _ in failed) == sorted(bad), "only the bad addresses fail"
        assert {e for _, e in failed} <= {
            "not a deliverable email address: An email address must have an @-sign."
        }
        return result
    finally:
        for process in (worker, sink):
            if process is not None and process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
        await jobs.redis.delete(queue_name, f"{queue_name}:health-check")
        await jobs.close()
        await engine.dispose()
        shutil.rmtree(mail_dir, ignore_errors=True)


def report(result: dict[str, Any]) -> None:
    print(
        f"\noutbox delivery, {result['messages']:,} messages "
        f"(mean {result['mean_message_bytes']:,} bytes), {result['machine']}\n"
        f"  bad addresses (failed alone)   {result['bad_addresses']:>7,}\n"
        f"  queue_email (one transaction)   {result['queue_email_per_s']:>7,} messages/s\n"
        f"  worker (max_jobs={result['max_jobs']}, "
        f"{result['jobs_enqueued']} jobs)  {result['worker_per_s']:>7,} messages/s"
        f"  ({result['worker_seconds']} s)\n"
        f"  bare aiosmtplib loop           {result['bare_loop_per_s_before']:>7,} messages/s"
        f" before, {result['bare_loop_per_s_after']:,} after\n"
        f"  ratio worker / bare loop       {result['ratio_worker_to_bare']:>7}\n"
        f"  CPU per message while the worker ran: {result['cpu_ms_per_message']} ms\n"
        f"  load average (1 min) before and after the worker: {result['load_average']}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--max-jobs", type=int, default=Settings().worker_max_jobs)
    parser.add_argument(
        "--bad-every", type=int, default=0, help="give every Nth row a refused address (0: none)"
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_OUTBOX_DATABASE_URL", DEFAULT_URL)
    )
    arguments = parser.parse_args()
    prepare_database(arguments.database_url)
    outcome = asyncio.run(main(arguments))
    report(outcome)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (results / f"outbox_delivery-{stamp}.json").write_text(json.dumps(outcome, indent=2) + "\n")
