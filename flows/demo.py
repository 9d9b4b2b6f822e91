"""`pyerp-sync demo`: the whole pipeline on this machine, with nothing to set up.

Its own embedded PostgreSQL (a database of its own, reset on every demo so it can be rerun; never
PYERP_SYNC_DATABASE_URL) unless given --database-url, the bundled 4D emulator in a separate process, then a full
sync, 1 % business activity in 4D, an incremental sync, and a summary that is read back from the run history.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from flows import database
from flows.errors import SyncError
from flows.history import SyncReport
from flows.settings import Settings
from flows.target import ensure_target_tables, mark_database_owned

DEMO_DATABASE = "pyerp_sync_demo"
EMULATOR_START_SECONDS = 300


class DemoError(SyncError):
    """The demo could not set itself up. One-line message."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def emulator_process(scale: float, seed: int, log_path: Path) -> Iterator[str]:
    """The 4D emulator in its own process (so the sync's memory and CPU are measured alone); its base URL."""
    port = _free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", str(port), "--scale", str(scale), "--seed", str(seed)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + EMULATOR_START_SECONDS
        while True:
            if process.poll() is not None:
                raise DemoError(f"the 4D emulator exited at start; see {log_path}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base_url}/_admin/status", timeout=2).ok:
                    break
            if time.monotonic() > deadline:
                raise DemoError(f"the 4D emulator did not start within {EMULATOR_START_SECONDS} s")
            time.sleep(0.3)
        yield base_url
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()
        log.close()


def _reset_demo_database(admin_url: str) -> str:
    """Drop and create the demo's own database on the demo's own server: every demo starts from empty. It is
    marked as the sync's own, so the runs create pyERP's tables in it."""
    conn = database.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{DEMO_DATABASE}" with (force)')
        cur.execute(f'create database "{DEMO_DATABASE}"')
        mark_database_owned(cur, DEMO_DATABASE)
    conn.close()
    return database.ConnectionParts.from_url(admin_url).to_url(dbname=DEMO_DATABASE)


def _reset_local_state(home: Path) -> None:
    """The dlt pipeline state and the 4D session belong to the previous demo's emulator and database."""
    import shutil

    shutil.rmtree(home / "dlt", ignore_errors=True)
    (home / "4d-session.json").unlink(missing_ok=True)


def against_emulator(settings: Settings, url: str, home: Path, emulator_url: str) -> Settings:
    """The settings of a sync from the emulator into ``url``, with its state in ``home``: no 4D credentials, no
    alerts, no Prefect server of the user's (each tool that starts the emulator: demo, bench, soak)."""
    return settings.replace(
        database_url=url,
        home=home,
        legacy_url=emulator_url,
        legacy_username=None,
        legacy_password=None,
        alert_webhook=None,
        prefect_api_url=None,
    )


def mutate(emulator_url: str, percent: float) -> dict[str, Any]:
    """1 % business activity in 4D: updates in every table, some inserts and deletes, child-only changes."""
    ops: list[dict[str, object]] = [
        {"op": "update", "table": table, "percent": percent}
        for table in (
            "Artikel_Familie",
            "Artikel_Variante",
            "Kunden",
            "Adressen",
            "Belege",
            "Belege_Pos",
            "Personal",
            "Stamm_Lagerorte",
            "Stamm_Lager_Schuetten",
            "Stamm_Lager_Schuetten_Slots",
            "Artikel_Lagerorte",
            "Lager_Schuetten",
            "Werksauftraege",
            "WerksauftrPos",
            "Formen",
            "Form_Artikel",
        )
    ]
    ops += [
        {"op": "insert", "table": "Artikel_Variante", "count": 20},
        {"op": "insert", "table": "Belege", "count": 50},
        {"op": "insert", "table": "Belege_Pos", "count": 100},
        {"op": "delete", "table": "Artikel_Variante", "count": 5},
        {"op": "delete", "table": "Belege_Pos", "count": 20},
    ]
    response = requests.post(f"{emulator_url}/_admin/mutate", json={"ops": ops}, timeout=300)
    response.raise_for_status()
    return response.json()


def run_demo(
    settings: Settings,
    database_url: str | None,
    scale: float,
    seed: int,
    percent: float,
    say: Callable[[str], None],
    run_step: Callable[[Settings, bool], SyncReport],
) -> tuple[Settings, list[str]]:
    """Set up, run full → mutate → incremental through ``run_step`` (the flow), and return the run ids."""
    home = settings.home / "demo"
    home.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        say(f"starting the demo's embedded PostgreSQL in {home / 'postgres'}")
        url = _reset_demo_database(database.start_embedded(settings.replace(home=home)))
    else:
        url = database_url
    database.check_database(url)
    if database_url is not None:
        # a database given to the demo: it sets everything up, pyERP's tables too, as `pyerp-sync target create`
        with contextlib.closing(database.connect(url)) as conn:
            created = ensure_target_tables(conn, settings.target_schema)
        if created:
            say(f"created {len(created)} pyERP table(s) in schema {settings.target_schema!r}")
    _reset_local_state(home)
    say(f"generating the 4D dataset (scale {scale}, seed {seed}) and starting the emulator")
    with emulator_process(scale, seed, home / "emulator.log") as emulator_url:
        demo = against_emulator(settings, url, home, emulator_url).replace(prefect_api_url=settings.prefect_api_url)
        say(f"emulator at {emulator_url}; full sync")
        full = run_step(demo, True)
        say(f"full sync done in {full.seconds:.1f} s; now {percent:g} % of the rows change in 4D")
        changes = mutate(emulator_url, percent)
        say(f"changed in 4D: {_describe_changes(changes)}; incremental sync")
        incremental = run_step(demo, False)
        say(f"incremental sync done in {incremental.seconds:.1f} s")
    return demo, [full.run_id, incremental.run_id]


def _describe_changes(changes: dict[str, Any]) -> str:
    """The admin endpoint answers one result per operation, each with the changed keys per table."""
    results = changes.get("results") or [changes]
    counted = {
        kind: sum(len(keys) for result in results for keys in (result.get(kind) or {}).values())
        for kind in ("updated", "inserted", "deleted")
    }
    return ", ".join(f"{n} rows {kind}" for kind, n in counted.items())
