"""Every setting the system reads from its environment, in one place."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The built-in key: anyone can read it here, so it signs nothing outside development.
DEVELOPMENT_SECRET_KEY = "dev-insecure-secret-change-me"


class InsecureSettingsError(RuntimeError):
    """The settings are unsafe for the environment they run in."""


class Settings(BaseSettings):
    """Environment variables (and an optional `.env` file) read once per process."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/network"
    redis_url: str = "redis://127.0.0.1:6379/0"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "Network CRM <no-reply@citizenpowered.example>"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = Field(default=DEVELOPMENT_SECRET_KEY, min_length=16)
    # `production` refuses to start with the built-in secret_key (network.config.check_startup).
    environment: Literal["development", "production"] = "development"
    db_pool_size: int = 10
    graphql_max_depth: int = 12
    graphql_max_page_size: int = 100
    # Limits paid before any work (README "Limits"): request bodies, then GraphQL documents.
    max_graphql_body_bytes: int = 1_000_000
    max_form_body_bytes: int = 64_000
    graphql_max_tokens: int = 1000
    graphql_max_aliases: int = 15
    # Connect and read timeout of every Redis client: Redis down must not stall a request.
    redis_timeout_seconds: float = 2.0
    log_level: str = "INFO"
    # Outgoing mail (issue 3): the relay, and how the outbox delivers through it.
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_use_tls: bool = False  # TLS from the first byte (port 465)
    smtp_start_tls: bool = False  # upgrade with STARTTLS (port 587)
    smtp_timeout_seconds: float = 30.0  # per SMTP command
    outbox_batch_size: int = 100  # messages per job: one SQL claim, one SMTP connection
    outbox_max_attempts: int = 10  # temporary failures before a message is FAILED
    outbox_retry_base_seconds: float = 30.0  # backoff: base * 2 ** (attempts - 1) ...
    outbox_retry_max_seconds: float = 3600.0  # ... capped here
    outbox_sweep_seconds: int = 15  # how often a worker looks for messages left behind
    outbox_sweep_grace_seconds: float = 30.0  # younger messages still have their own job
    worker_queue_name: str = "arq:queue"
    worker_max_jobs: int = 8  # concurrent jobs (each delivery job holds two connections)
    worker_job_timeout_seconds: int = 300
    meeting_reminder_scan_seconds: int = 2  # how often a worker looks for due meeting reminders
    token_ttl_days: int = 90  # a new bearer token works this long (network tokens create)


def check_startup(settings: Settings) -> None:
    """Refuse to run in production with the built-in secret key (cookies and links signed with
    it could be forged by anyone who has read this file)."""
    if settings.environment == "production" and settings.secret_key == DEVELOPMENT_SECRET_KEY:
        raise InsecureSettingsError(
            "ENVIRONMENT=production but SECRET_KEY is the built-in development key: set "
            "SECRET_KEY to a long random value (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`) in the environment or the .env file."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
