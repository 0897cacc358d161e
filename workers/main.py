"""arq worker settings: which jobs run, how many at once, and the cron schedule.

arq stays behind this module. Each job is a plain async function taking a `Runtime` and ids
(workers/outbox.py); `job()` adapts it to arq's `(ctx, *args)` convention, so nothing else
sees ctx. arq delivers at least once, so every job is safe to run twice.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine
from arq.worker import run_worker

from network.config import Settings, get_settings
from network.jobs import arq_redis
from network.kit.owed import Job
from network.logs import configure as configure_logging
from network.logs import logged_as
from workers import certificates, exports, meetings, outbox, retention, signin, training
from workers.runtime import Runtime

logger = logging.getLogger("workers")


def job(function: Callable[..., Awaitable[Any]]) -> WorkerCoroutine:
    """arq's view of a plain job function: unpack the Runtime from ctx, pass the rest on."""

    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        with logged_as(str(ctx.get("job_id", ""))):  # the job's log lines carry its id
            return await function(ctx["runtime"], *args, **kwargs)

    run.__name__ = run.__qualname__ = function.__name__
    run.__doc__ = function.__doc__
    return run


async def ping(ctx: dict[str, Any]) -> str:
    """A trivial job the API and tests can enqueue to see a worker is alive."""
    return "pong"


async def startup(ctx: dict[str, Any]) -> None:
    """Build the Runtime the jobs use."""
    ctx["runtime"] = Runtime.start(get_settings(), ctx["redis"])


async def shutdown(ctx: dict[str, Any]) -> None:
    """Close what startup opened."""
    runtime: Runtime | None = ctx.get("runtime")
    if runtime is not None:
        await runtime.stop()


def _every(seconds: int) -> set[int]:
    step = max(1, min(seconds, 60))
    return set(range(0, 60, step))


def redis_settings(settings: Settings) -> RedisSettings:
    """arq's connection settings, with our connect timeout (`arq workers.main.WorkerSettings`
    uses these; `run` gives the worker a client with a read timeout too: network.jobs)."""
    redis = RedisSettings.from_dsn(settings.redis_url)
    redis.conn_timeout = max(1, math.ceil(settings.redis_timeout_seconds))
    return redis


def owed_job(name: Job, function: Callable[..., Awaitable[Any]]) -> Any:
    """A job that work in PostgreSQL is owed to: no stored result (a finished job's id can be
    used again at once) and three tries (each run is idempotent in PostgreSQL)."""
    return func(job(function), name=name.value, keep_result=0, max_tries=3)


def settings_for(settings: Settings) -> dict[str, Any]:
    """The arq Worker's arguments for these settings."""
    return {
        "functions": [
            func(ping, name=Job.PING.value),
            owed_job(Job.DELIVER_OUTBOX, outbox.deliver_outbox),
            # Attendance marked ATTENDED: issue the certificates owed.
            owed_job(Job.ISSUE_CERTIFICATES, certificates.issue_certificates),
            # Sign-in and reset links asked for by address: the lookup happens here, not in
            # the request (the ask's id makes a second run a no-op).
            owed_job(Job.SEND_LOGIN_LINK, signin.send_login_link),
            owed_job(Job.SEND_PASSWORD_RESET, signin.send_password_reset),
            # Someone asked for a person's data: build the ZIP (a no-op once it is built).
            owed_job(Job.BUILD_PERSONAL_DATA_EXPORT, exports.build_personal_data_export),
        ],
        "cron_jobs": [
            cron(
                job(outbox.sweep_outbox),
                name=Job.SWEEP_OUTBOX.value,
                second=_every(settings.outbox_sweep_seconds),
                run_at_startup=True,
                timeout=60,
            ),
            # Every few seconds: certificates of attendees of sessions that have ended
            # (attendance is marked from the start; a certificate waits for the end).
            cron(
                job(certificates.issue_due_certificates),
                name=Job.ISSUE_DUE_CERTIFICATES.value,
                second=_every(settings.certificate_sweep_seconds),
                run_at_startup=True,
                timeout=300,
            ),
            # Every minute: the two-day training reminders that have come due.
            cron(
                job(training.send_training_reminders),
                name=Job.SEND_TRAINING_REMINDERS.value,
                timeout=60,
            ),
            # Every few seconds: meeting reminders that have come due (a scan of a partial
            # index when nothing is due; FOR UPDATE SKIP LOCKED when several workers scan).
            cron(
                job(meetings.send_meeting_reminders),
                name=Job.SEND_MEETING_REMINDERS.value,
                second=_every(settings.meeting_reminder_scan_seconds),
                run_at_startup=True,
                timeout=300,
            ),
            # Every minute: personal-data exports whose job was lost (PENDING for over a
            # minute) are enqueued again; READY ones past their expiry lose their ZIP.
            cron(
                job(exports.sweep_personal_data_exports),
                name=Job.SWEEP_PERSONAL_DATA_EXPORTS.value,
                second={30},
                timeout=60,
            ),
            # Once a day at a quiet hour (03:17 UTC by default): the retention rules applied.
            # A batch per transaction; a run cut short by the timeout is finished the next day.
            cron(
                job(retention.apply_retention),
                name=Job.APPLY_RETENTION.value,
                hour={settings.retention_hour_utc},
                minute={settings.retention_minute},
                timeout=3600,
            ),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": redis_settings(settings),
        "queue_name": settings.worker_queue_name,
        # Deliveries are batches of up to outbox_batch_size messages; poll often (arq's
        # default 0.5 s and 10 jobs cap a backlog near 20 jobs per second).
        "max_jobs": settings.worker_max_jobs,
        "poll_delay": 0.05,
        "job_timeout": settings.worker_job_timeout_seconds,
        "keep_result": 60,
        "health_check_interval": 30,
    }


class WorkerSettings:
    """Read by `arq workers.main.WorkerSettings` (the `network worker` command uses `run`)."""

    locals().update(settings_for(get_settings()))


def run() -> None:
    """Run a worker in the foreground until SIGINT/SIGTERM (`network worker`)."""
    settings = get_settings()
    configure_logging(
        settings.log_level, settings.log_lines_per_client_per_second, settings.log_lines_per_second
    )
    try:
        import uvloop
    except ImportError:  # uvloop is optional (it comes with uvicorn[standard])
        pass
    else:
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    # Our client, with a read timeout: a hanging Redis stops the worker (to be restarted)
    # instead of freezing it. Unlike arq's own pool it is not retried at startup.
    run_worker(settings_for(settings), redis_pool=arq_redis(settings))
