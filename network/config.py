"""Every setting the system reads from its environment, in one place."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_network
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The built-in key: anyone can read it here, so it signs nothing outside development.
DEVELOPMENT_SECRET_KEY = "dev-insecure-secret-change-me"


class InsecureSettingsError(RuntimeError):
    """The settings are unsafe for the environment they run in."""


class Settings(BaseSettings):
    """Environment variables (and an optional `.env` file) read once per process."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/network"
    # `network migrate` connects as the tables' owner when this is set (README "Row-level
    # security"): the app's own DATABASE_URL user then needs no more than the role network_app.
    migration_database_url: str | None = None
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
    # Limits paid before any work (README "Limits"): request bodies, then GraphQL documents.
    max_graphql_body_bytes: int = 1_000_000
    max_form_body_bytes: int = 64_000
    graphql_max_tokens: int = 1000
    graphql_max_aliases: int = 15
    # Cost budget (network/api/core/cost.py; README "Limits"): most one request may cost, and
    # the hourly budget of each user and of each client address without a token.
    graphql_max_cost: int = 20_000
    graphql_cost_budget_per_hour: int = 1_000_000
    graphql_anonymous_cost_budget_per_hour: int = 5_000
    # A request body must arrive whole within this time (network/limits.py), or 408.
    body_read_timeout_seconds: float = 10.0
    # Proxies whose X-Forwarded-For/-Proto headers are believed (network/proxies.py): IPs or
    # CIDRs, comma-separated in TRUSTED_PROXIES; empty (the default) believes nobody.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    # uvicorn (`network serve`, README "Logs"): idle keep-alive, requests and connections in
    # flight per process (more answer 503), and the most bytes a request's headers may take.
    http_keep_alive_seconds: int = 5
    http_limit_concurrency: int = 1000
    http_max_header_bytes: int = 16_384
    # Connect and read timeout of every Redis client: Redis down must not stall a request.
    redis_timeout_seconds: float = 0.5
    # The most a sign-in (or an ask for a sign-in email) waits for its limits in Redis before
    # counting in the process instead (network/auth/throttle.py): it answers within a second.
    sign_in_limit_timeout_seconds: float = 0.5
    log_level: str = "INFO"
    # Log lines a second, per client address and in all, before lines are left out and
    # counted (network/logs.py FloodGuard): a flood of requests cannot flood the log.
    log_lines_per_client_per_second: float = 10.0
    log_lines_per_second: float = 200.0
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
    # The daily retention run (workers/retention.py; README "Personal data: retention"): the
    # UTC hour and minute it starts, and how many rows each of its transactions changes.
    retention_hour_utc: int = Field(default=3, ge=0, le=23)
    retention_minute: int = Field(default=17, ge=0, le=59)
    retention_batch_size: int = Field(default=200, ge=1, le=10_000)
    token_ttl_days: int = 90  # a new bearer token works this long (network tokens create)
    # What every CPD certificate names (network/certificates/pdf.py): the training provider,
    # and the signature block (a name, a role, and a PNG or JPEG of the signature if given).
    certificate_provider: str = "Governance International"
    certificate_signatory_name: str = "Elke Löffler"
    certificate_signatory_role: str = "Chief Executive, Governance International"
    certificate_signature_image: str | None = None  # a path to the image file
    # How often a worker issues the certificates of sessions that have ended.
    certificate_sweep_seconds: int = Field(default=60, ge=5)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        """TRUSTED_PROXIES is a comma-separated list; each item must be an IP or a CIDR."""
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            return value
        networks = tuple(str(item).strip() for item in items if str(item).strip())
        for network in networks:
            try:
                ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an IP address or network") from None
        return networks


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
