"""What `pyerp-sync bench` and `pyerp-sync soak` share: their home folder, their scratch databases, the settings and
environment a sync needs against the emulator, and the emulator's request log."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import cast

import requests

from flows import database
from flows.settings import Settings
from flows.target import OWNED_DATABASE_MARKER


def prepare_home(home: Path) -> None:
    """A fresh start in ``home``: no dlt state or 4D session of an earlier emulator; Prefect kept inside, offline."""
    shutil.rmtree(home / "dlt", ignore_errors=True)
    shutil.rmtree(home / "scratch", ignore_errors=True)
    (home / "4d-session.json").unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    for key, value in {
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }.items():
        os.environ[key] = value
    (home / "prefect").mkdir(exist_ok=True)


def admin_url(settings: Settings, home: Path, say: Callable[[str], None]) -> str:
    """The server to create the scratch databases on: PYERP_SYNC_DATABASE_URL's, else an embedded one in ``home``."""
    if settings.database_url:
        return settings.database_url
    say(f"starting the embedded PostgreSQL under {home / 'postgres'}")
    return database.start_embedded(settings.replace(home=home))


def database_url(admin: str, name: str) -> str:
    return database.ConnectionParts.from_url(admin).to_url(dbname=name)


def recreate(admin: str, names: list[str]) -> None:
    """Drop and create the scratch databases, each marked as the sync's own: a run creates pyERP's tables there."""
    _for_each_database(
        admin,
        names,
        'drop database if exists "{}" with (force)',
        'create database "{}"',
        'comment on database "{}" is \'' + OWNED_DATABASE_MARKER + "'",
    )


def drop(admin: str, names: list[str]) -> None:
    _for_each_database(admin, names, 'drop database if exists "{}" with (force)')


def _for_each_database(admin: str, names: list[str], *statements: str) -> None:
    """Run the statements, each with the database's name filled in, for every name (autocommit: CREATE/DROP
    DATABASE cannot run in a transaction)."""
    conn = database.connect(admin)
    conn.autocommit = True
    with contextlib.closing(conn), conn.cursor() as cur:
        for name in names:
            for statement in statements:
                cur.execute(statement.format(name))


def sync_environment(settings: Settings) -> dict[str, str]:
    """The environment of a ``pyerp-sync`` process that syncs with ``settings``: this one's, with every variable the
    sync reads set (blank ones too, so a ``.env`` in the working directory cannot fill them in), and no Prefect API."""
    env = dict(os.environ)
    env.update(
        {
            "PYERP_SYNC_DATABASE_URL": settings.database_url or "",
            "PYERP_SYNC_HOME": str(settings.home),
            "PYERP_SYNC_TARGET_SCHEMA": settings.target_schema,
            "LEGACY_4D_URL": settings.legacy_url or "",
            "LEGACY_4D_USERNAME": settings.legacy_username or "",
            "LEGACY_4D_PASSWORD": settings.legacy_password or "",
            "PYERP_SYNC_ALERT_WEBHOOK": settings.alert_webhook or "",
            "PREFECT_HOME": str(settings.prefect_home),
        }
    )
    env.pop("PREFECT_API_URL", None)
    return env


def emulator_log(emulator_url: str, clear: bool = False) -> dict[str, int]:
    """4D requests and sessions in the emulator's log since it was last cleared (then clear it when asked)."""
    records = requests.get(f"{emulator_url}/_admin/log", timeout=60).json()
    rest = [r for r in records if str(r.get("path", "")).startswith("/rest")]
    figures = {
        "requests": len(rest),
        "sessions_opened": sum(bool(r.get("session_opened")) for r in rest),
        "sessions_used": len({r.get("session_id") for r in rest if r.get("session_id")}),
        "rows_sent": sum(int(r.get("rows_sent") or 0) for r in rest),
        "failed": sum(1 for r in rest if r.get("dropped") or int(r.get("status") or 0) >= 500),
    }
    if clear:
        requests.delete(f"{emulator_url}/_admin/log", timeout=60).raise_for_status()
    return figures


def step_seconds(url: str, run_id: str) -> dict[str, float]:
    conn = database.connect(url)
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute(
            "select coalesce(extract_seconds, 0), coalesce(dbt_seconds, 0), coalesce(publish_seconds, 0) "
            "from pyerp_sync.runs where run_id = %s",
            (run_id,),
        )
        extract, dbt, publish = cast(tuple, cur.fetchone())  # the run the caller just made is in the table
    return {"extract": float(extract), "dbt": float(dbt), "publish": float(publish)}
