"""Settings, read from the environment and an optional ``.env`` file.

Nothing here runs at import time: call :func:`load_settings` (the CLI does).
"""

from __future__ import annotations

import logging
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Locale = Literal["nl", "en"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="Bot token from the developer portal.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///verbinder.db",
        description="SQLAlchemy async URL; SQLite file in the working directory by default.",
    )
    dev_guild_id: int | None = Field(default=None, description="Sync commands to this guild on start.")
    timezone: str = Field(default="Europe/Amsterdam", description="Default time zone of a server.")
    default_locale: Locale = Field(default="nl", description="Language where no interaction tells.")
    log_level: str = Field(default="INFO")
    retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days a member's or server's data is kept after they left."
    )
    shard_count: int | Literal["auto"] | None = Field(
        default=None,
        description="Gateway shards, all in this process: empty for one connection (up to 2,500 servers), "
        "'auto' for Discord's recommended count, or a number.",
    )
    discord_api_base: str | None = Field(
        default=None,
        description="Only for tests: the API base URL of a fake Discord (e.g. http://127.0.0.1:8080/api/v10); "
        "its gateway is expected at /gateway/ on the same host. Leave unset.",
    )
    match_cache_mib: int = Field(
        default=768,
        ge=16,
        description="Memory (MiB, estimated) for per-server matching indexes; least recently used go first.",
    )

    @field_validator("dev_guild_id", "discord_api_base", "shard_count", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("shard_count")
    @classmethod
    def _positive_shards(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 1:
            raise ValueError("SHARD_COUNT must be 'auto' or at least 1")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"unknown log level {value!r}")
        return level

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
