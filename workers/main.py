"""arq worker settings: which jobs run, how many at once, and the cron schedule."""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import RedisSettings

from network.config import get_settings

logger = logging.getLogger("workers")


async def ping(ctx: dict[str, Any]) -> str:
    """A trivial job the API and tests can enqueue to see a worker is alive."""
    return "pong"


class WorkerSettings:
    """Read by `network worker` (arq.run_worker)."""

    functions = [ping]
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    max_jobs = 50
    poll_delay = 0.05
    job_timeout = 60
    health_check_interval = 30
