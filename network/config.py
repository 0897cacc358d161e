"""Every setting the system reads from its environment, in one place."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment variables (and an optional `.env` file) read once per process."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/network"
    redis_url: str = "redis://127.0.0.1:6379/0"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "Network CRM <no-reply@citizenpowered.example>"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = Field(default="dev-insecure-secret-change-me", min_length=16)
    environment: str = "development"
    db_pool_size: int = 10
    graphql_max_depth: int = 12
    graphql_max_page_size: int = 100
    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
