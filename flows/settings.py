"""Configuration: the only module that reads ``os.environ``.

Every variable of ``reference/contracts.md`` is read here, once, into a frozen ``Settings``. A ``.env`` file in the
working directory may supply values; variables already set in the environment win.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from flows.errors import ErrorClass, SyncError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULT_TARGET_SCHEMA = "pyerp"
DEFAULT_HOME = ".pyerp-sync"

# Schemas owned by the parts of the pipeline (contracts.md). Fixed names: only the target schema is configurable.
RAW_SCHEMA = "legacy_raw"
STAGING_SCHEMA = "legacy_staging"
MARTS_SCHEMA = "legacy_marts"
SYNC_SCHEMA = "pyerp_sync"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ConfigError(SyncError):
    """A setting is missing or malformed. The message is one line, fit for the terminal."""

    error_class = ErrorClass.CONFIGURATION


class Settings(BaseModel):
    """Every setting, read once by ``load_settings`` and passed in from there (the flow takes it as a parameter).

    Serialized (Prefect stores a flow run's parameters), it never carries a secret: the password is left out, and
    the database URL and the webhook (both may hold credentials) only say whether they are set."""

    model_config = ConfigDict(frozen=True)

    database_url: str | None
    target_schema: str
    home: Path
    legacy_url: str | None
    legacy_username: str | None
    legacy_password: str | None = Field(default=None, exclude=True)
    alert_webhook: str | None = None
    prefect_api_url: str | None = None  # tool-owned: a running Prefect server; unset, `serve` starts one

    @field_serializer("database_url", "alert_webhook")
    def _only_whether_set(self, value: str | None) -> str | None:
        return "<set>" if value else None

    def replace(self, **changes: Any) -> Settings:
        """A copy with these fields changed (validated as the constructor validates them)."""
        return type(self).model_validate({**dict(self), **changes})

    @property
    def postgres_dir(self) -> Path:
        return self.home / "postgres"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"

    @property
    def dlt_dir(self) -> Path:
        return self.home / "dlt"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder: one per data folder, reused across runs (partial parsing), never shared by two
        data folders (a test process, a serve and a by-hand run each have their own)."""
        return self.home / "dbt" / "target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.home / "dbt" / "logs"

    @property
    def session_file(self) -> Path:
        return self.home / "4d-session.json"

    def require_legacy_url(self) -> str:
        if not self.legacy_url:
            raise ConfigError("LEGACY_4D_URL is not set: point it at the 4D server (the part before /rest)")
        return self.legacy_url

    def __repr__(self) -> str:  # never print the password
        return (
            f"Settings(database_url={'<set>' if self.database_url else None}, target_schema={self.target_schema!r}, "
            f"home={str(self.home)!r}, legacy_url={self.legacy_url!r}, legacy_username={self.legacy_username!r})"
        )

    __str__ = __repr__


def _environment(env_file: Path | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    path = env_file if env_file is not None else Path.cwd() / ".env"
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def load_settings(env_file: Path | None = None) -> Settings:
    """Read and validate every setting; raise ConfigError before any work starts."""
    env = _environment(env_file)
    target_schema = _blank_to_none(env.get("PYERP_SYNC_TARGET_SCHEMA")) or DEFAULT_TARGET_SCHEMA
    if not _IDENTIFIER.match(target_schema):
        raise ConfigError(f"PYERP_SYNC_TARGET_SCHEMA={target_schema!r} is not a plain lower-case SQL identifier")
    if target_schema in (RAW_SCHEMA, STAGING_SCHEMA, MARTS_SCHEMA, SYNC_SCHEMA):
        raise ConfigError(f"PYERP_SYNC_TARGET_SCHEMA={target_schema!r} collides with a schema the sync owns")
    if target_schema.startswith("pg_") or target_schema == "information_schema":
        raise ConfigError(f"PYERP_SYNC_TARGET_SCHEMA={target_schema!r} is a PostgreSQL system schema name")
    legacy_url = _blank_to_none(env.get("LEGACY_4D_URL"))
    if legacy_url is not None:
        legacy_url = legacy_url.rstrip("/")
        if legacy_url.endswith("/rest"):
            legacy_url = legacy_url[: -len("/rest")]
        if not re.match(r"^https?://[^/\s]+", legacy_url):
            raise ConfigError(f"LEGACY_4D_URL={legacy_url!r} is not an http(s) URL")
    database_url = _blank_to_none(env.get("PYERP_SYNC_DATABASE_URL"))
    if database_url is not None and not re.match(r"^postgres(ql)?://", database_url):
        raise ConfigError("PYERP_SYNC_DATABASE_URL must start with postgresql://")
    webhook = _blank_to_none(env.get("PYERP_SYNC_ALERT_WEBHOOK"))
    if webhook is not None and not re.match(r"^https?://", webhook):
        raise ConfigError("PYERP_SYNC_ALERT_WEBHOOK must be an http(s) URL")
    return Settings(
        database_url=database_url,
        target_schema=target_schema,
        home=Path(_blank_to_none(env.get("PYERP_SYNC_HOME")) or DEFAULT_HOME).expanduser().absolute(),
        legacy_url=legacy_url,
        legacy_username=_blank_to_none(env.get("LEGACY_4D_USERNAME")),
        legacy_password=_blank_to_none(env.get("LEGACY_4D_PASSWORD")),
        alert_webhook=webhook,
        prefect_api_url=_blank_to_none(env.get("PREFECT_API_URL")),
    )


def test_database_url() -> str | None:
    """The admin URL the test suite may create and drop databases on (tests only)."""
    return _blank_to_none(os.environ.get("PYERP_SYNC_TEST_DATABASE_URL"))


test_database_url.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite the name
