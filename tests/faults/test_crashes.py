"""A sync run killed (SIGKILL) in landing, in dbt build or in publish, and two runs started at once: the sync as a
person runs it, ``python -m flows.cli run`` in a process of its own.

The kill lands in the phase by construction, not after a guessed sleep: a test connection holds a SHARE lock on a
table that phase writes (reads pass, writes wait), the test waits until ``pg_stat_activity`` shows the run's backend
blocked by that lock with that phase's statement, checks the phase has already written part of its work, kills, and
then lets the lock go.

What it proves, for every phase: after the kill pyERP, what publish recorded as published and the raw watermarks are
exactly what they were before the run (publish is all or nothing; no watermark moves for data that never reached
pyERP); the next scheduled run — a plain incremental ``run`` — marks the killed run failed in the history and
converges, row for row and with no duplicates, to an uninterrupted run on the same 4D data. (Two runs started at
once: test_concurrent_runs.py, which uses this module's CLI helpers.)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from emulator import EmulatorServer
from flows.settings import Settings
from flows.sync import legacy_sync
from flows.target import TARGET_TABLES
from tests.faults.conftest import SCALE, SEED, FaultWorld, _settings
from tests.faults.convergence import Content, assert_converged, pyerp_content

pytestmark = pytest.mark.integration

WAIT_SECONDS = 240  # for a run to reach the phase, or to finish (a full run here is ~20 s on an idle machine)


def change_4d(server: EmulatorServer) -> list[object]:
    """Updates, inserts and deletions across the registry, Form_Artikel (landed late) included. The emulator's
    mutations are seeded and its clock moves only with them, so every fresh emulator gets the same changes."""
    return [
        server.update("Artikel_Variante", count=3),
        server.update("Kunden", count=3),
        server.insert("Belege", count=2),
        server.delete("Belege", count=2),
        server.delete("Kunden", count=1),
        server.update("Werksauftraege", count=3),
        server.update("Form_Artikel", count=3),
    ]


# --- databases and the CLI -------------------------------------------------------------------------------------------


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(statement, params or None)
        return cur.fetchall() if cur.description else []


@pytest.fixture(scope="module")
def clone_database(create_database) -> Callable[[str], str]:
    """Factory: a copy (CREATE DATABASE … TEMPLATE) of a database nobody is connected to; its URL."""
    return create_database


class Cli:
    """``python -m flows.cli run …`` started in its own process group, configured by the environment only."""

    def __init__(self, settings: Settings, url: str, workdir: Path, *args: str) -> None:
        env = {
            **os.environ,
            "PYERP_SYNC_DATABASE_URL": url,
            "PYERP_SYNC_HOME": str(settings.home),
            "LEGACY_4D_URL": str(settings.legacy_url),
        }
        env.pop("PREFECT_LOGGING_LEVEL", None)  # the tests' setting; a person's terminal has none
        workdir.mkdir(parents=True, exist_ok=True)
        self.out, self.err = workdir / "stdout", workdir / "stderr"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flows.cli", "run", *args],
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def finish(self, timeout: float = WAIT_SECONDS) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the run, then whatever it started (Prefect's ephemeral server) in its process group."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    @property
    def stderr(self) -> str:
        return self.err.read_text()


@dataclass
class Blocked:
    pid: int
    application_name: str
    query: str


class TableLock:
    """A test connection holding a SHARE lock on one table: the run reads it freely and waits to write it."""

    def __init__(self, url: str, table: str) -> None:
        self.url = url
        self.conn = psycopg2.connect(url)
        with self.conn.cursor() as cur:
            cur.execute(f"lock table {table} in share mode")
            cur.execute("select pg_backend_pid()")
            (self.pid,) = cur.fetchone()

    def wait_for_blocked(self, cli: Cli, ready: Callable[[], bool] = lambda: True) -> Blocked:
        """The run's backend blocked by this lock, once ``ready()`` holds as well."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            rows = query(
                self.url,
                "select pid, application_name, query from pg_stat_activity "
                "where wait_event_type = 'Lock' and %s = any(pg_blocking_pids(pid))",
                (self.pid,),
            )
            if rows and ready():
                return Blocked(*rows[0])
            assert cli.process.poll() is None, f"the run ended before the phase: {cli.stderr[-2000:]}"
            time.sleep(0.2)
        raise AssertionError(f"the run never waited on the lock in {WAIT_SECONDS} s")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def backends(url: str) -> set[int]:
    """The client connections to the database, other than the one asking."""
    return {
        pid
        for (pid,) in query(
            url,
            "select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend' "
            "and pid <> pg_backend_pid()",
        )
    }


def backends_gone(url: str, pids: set[int]) -> None:
    """Wait until the killed run's server processes have ended (each rolls back what it had not committed)."""
    deadline = time.monotonic() + 60
    while query(url, "select pid from pg_stat_activity where pid = any(%s)", (list(pids),)):
        assert time.monotonic() < deadline, "the killed run's backends are still there"
        time.sleep(0.1)


def sync_state(url: str) -> dict[str, object]:
    """What a run may only change by publishing: pyERP's content, what was published, the raw watermarks."""
    return {
        "pyerp": pyerp_content(url),
        "published_rows": query(
            url, "select entity, target_id, mart_hash, target_hash from pyerp_sync.published_rows order by 1, 2"
        ),
        "raw_watermarks": query(url, "select raw_table, load_id, run_id from pyerp_sync.raw_watermarks order by 1"),
    }


def runs(url: str) -> list[tuple]:
    return query(
        url, "select run_id::text, mode, status, error_class, error_message from pyerp_sync.runs order by started_at"
    )


# --- the worlds ------------------------------------------------------------------------------------------------------


@dataclass
class SyncedOnce:
    """A database and data folder right after one uninterrupted full run (a template, never connected to), the
    pyERP content of that run, and the content of an uninterrupted incremental run after ``change_4d``."""

    template_url: str
    home: Path
    changes: list[object]
    full_content: Content
    changed_content: Content


@pytest.fixture(scope="module")
def synced_once(create_database, clone_database, tmp_path_factory: pytest.TempPathFactory) -> SyncedOnce:
    with EmulatorServer(scale=SCALE, seed=SEED) as server:
        url = create_database()
        settings = _settings(server, url, tmp_path_factory.mktemp("synced-once") / "home")
        legacy_sync(full=True, settings=settings)
        full_content = pyerp_content(url)
        template_url = clone_database(url)
        home = tmp_path_factory.mktemp("synced-once-template") / "home"
        shutil.copytree(settings.home, home)
        changes = change_4d(server)
        legacy_sync(settings=settings)
        return SyncedOnce(template_url, home, changes, full_content, pyerp_content(url))


@pytest.fixture
def changed_world(fault_world: FaultWorld, synced_once: SyncedOnce, clone_database, tmp_path: Path) -> FaultWorld:
    """The fault world's fresh emulator with ``change_4d`` applied, and a copy of the database and data folder of
    one full run before the changes: the next run is an incremental one with changes to land, build and publish."""
    assert change_4d(fault_world.server) == synced_once.changes
    url = clone_database(synced_once.template_url)
    home = tmp_path / "changed-home"
    shutil.copytree(synced_once.home, home)
    return FaultWorld(fault_world.server, fault_world.settings.replace(database_url=url, home=home), url)


# --- the kills -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    table: str  # the table the phase writes and the test locks
    application_name: str  # of the run's connection that waits (dlt and publish set none, dbt sets "dbt")
    statement: str  # the waiting statement, as a regular expression
    evidence: str  # what "the phase already wrote part of its work" means, for the message


def _raw_tables(url: str) -> list[str]:
    """The landed 4D tables (dlt's own tables aside)."""
    statement = (
        "select table_name from information_schema.tables where table_schema = 'legacy_raw' "
        "and table_name not like '\\_dlt%' order by 1"
    )
    return [name for (name,) in query(url, statement)]


def _landed_tables(url: str, before: float) -> list[str]:
    """Raw tables already holding rows of a load newer than ``before`` (a load not yet marked complete)."""
    tables = _raw_tables(url)
    landed = query(
        url,
        " union all ".join(
            f"select '{name}' from legacy_raw.\"{name}\" where _dlt_load_id::numeric > %s having count(*) > 0"
            for name in tables
        ),
        tuple(before for _ in tables),
    )
    return [name for (name,) in landed]


def _raw_doubles(url: str) -> dict[str, int]:
    """Raw tables holding a 4D key more than once (a load package applied twice would)."""
    counts = query(
        url,
        " union all ".join(
            f'select \'{t}\', count(*) - count(distinct "__KEY") from legacy_raw."{t}"' for t in _raw_tables(url)
        ),
    )
    return {table: doubled for table, doubled in counts if doubled}


def _mart_fingerprints(url: str) -> dict[str, str]:
    return dict(
        query(
            url,
            " union all ".join(
                f"select '{t}', md5(coalesce(string_agg(content_hash, ',' order by content_hash), '')) "
                f'from legacy_marts."{t}"'
                for t in TARGET_TABLES
            ),
        )
    )


def _tables_written_in_transaction(url: str, pid: int) -> list[str]:
    """pyERP tables the backend ``pid`` holds a RowExclusiveLock on: written in its open transaction."""
    return sorted(
        name
        for (name,) in query(
            url,
            "select c.relname from pg_locks as l join pg_class as c on c.oid = l.relation "
            "join pg_namespace as n on n.oid = c.relnamespace "
            "where l.pid = %s and l.granted and l.mode = 'RowExclusiveLock' and n.nspname = 'pyerp' "
            "and c.relkind = 'r'",
            (pid,),
        )
    )


PHASES = {
    "landing": Phase(
        'legacy_raw."form_artikel"',
        "",
        r'^DELETE FROM "legacy_raw"\."form_artikel" .*"legacy_raw_staging"\."form_artikel"',
        "other raw tables already merged from the same load package",
    ),
    "dbt": Phase(
        'legacy_marts."sales_salesrecorditem"',
        "dbt",
        r'merge into "[^"]+"\."legacy_marts"\."sales_salesrecorditem"',
        "other marts already merged with the changes",
    ),
    "publish": Phase(
        'pyerp."sales_salesrecorditem"',
        "",
        r'^insert into "pyerp"\."sales_salesrecorditem"',
        "pyERP tables earlier in foreign-key order already written in publish's transaction",
    ),
}


@pytest.mark.parametrize("phase", list(PHASES))
def test_a_run_killed_in_a_phase_leaves_pyerp_as_it_was_and_the_next_run_converges(
    phase: str, changed_world: FaultWorld, synced_once: SyncedOnce, tmp_path: Path
) -> None:
    started = time.monotonic()
    spec = PHASES[phase]
    url = changed_world.url
    before = sync_state(url)
    assert before["pyerp"] == synced_once.full_content
    (newest_load,) = query(url, "select max(load_id::numeric) from legacy_raw._dlt_loads")[0]
    marts_before = _mart_fingerprints(url)
    partial: list[str] = []

    def phase_has_written() -> bool:
        if phase == "landing":
            partial[:] = [t for t in _landed_tables(url, float(newest_load)) if t != "form_artikel"]
        elif phase == "dbt":
            now = _mart_fingerprints(url)
            partial[:] = [t for t in TARGET_TABLES if now[t] != marts_before[t]]
        return bool(partial) or phase == "publish"

    lock = TableLock(url, spec.table)
    cli = Cli(changed_world.settings, url, tmp_path / "killed")
    try:
        blocked = lock.wait_for_blocked(cli, phase_has_written)
        assert blocked.application_name == spec.application_name, blocked
        assert re.search(spec.statement, blocked.query, re.IGNORECASE), blocked.query[:300]
        if phase == "publish":
            partial[:] = _tables_written_in_transaction(url, blocked.pid)
            assert set(partial) <= set(TARGET_TABLES[: TARGET_TABLES.index("sales_salesrecorditem")]), partial
        assert partial, f"{phase}: expected {spec.evidence}"
        run_backends = backends(url) - {lock.pid}
        cli.kill()
    finally:
        cli.kill()
        lock.release()
    backends_gone(url, run_backends)

    # all or nothing: pyERP, what was published and the watermarks are as before the run
    after_kill = sync_state(url)
    for part, value in before.items():
        assert after_kill[part] == value, f"{part} changed by a run killed in {phase}"
    (killed,) = [run_id for run_id, _, status, _, _ in runs(url) if status == "running"]  # until the next run
    assert query(url, "select count(*) from pyerp_sync.run_entities where run_id = %s", (killed,)) == [(0,)]

    rerun = Cli(changed_world.settings, url, tmp_path / "rerun")
    assert rerun.finish() == 0, rerun.stderr[-3000:]
    compared = assert_converged(url, synced_once.changed_content)
    assert _raw_doubles(url) == {}
    history = {run[0]: run[1:] for run in runs(url)}
    assert history[killed][1:3] == ("failed", "internal") and "killed" in history[killed][3], history[killed]
    # the full run before, the killed one, the rerun
    assert [(mode, status) for mode, status, *_ in history.values()] == [
        ("full", "succeeded"),
        ("incremental", "failed"),
        ("incremental", "succeeded"),
    ]
    assert query(url, "select count(*) from pyerp_sync.raw_watermarks where run_id = %s", (killed,)) == [(0,)]
    print(
        f"\n{phase}: killed while {spec.table} was locked ({len(partial)} {spec.evidence}: {', '.join(partial)}); "
        f"the rerun converged, {compared} rows compared, {time.monotonic() - started:.1f} s"
    )


# --- two runs at once ------------------------------------------------------------------------------------------------
