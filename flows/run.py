"""One run of the sync: what it is asked to do (``RunPlan``), the lock it holds, its history row, and what
happens when a step fails (``Run.step``: the history's record, the alert, one ``SyncFailed`` naming the step).

The lock, the history and the alert are Prefect tasks too, so the UI shows a run's whole life; the work itself
is in ``flows.steps``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import cast

import psycopg2
from prefect import task
from prefect.cache_policies import NO_CACHE
from psycopg2 import extensions

from extract.tables import TABLES
from flows import database
from flows.alerts import post_alert
from flows.database import DatabaseError
from flows.entities import CONFLICT_POLICIES, ENTITIES, ConflictPolicy, Entity, with_dependencies
from flows.entities import entity as entity_named
from flows.errors import ErrorClass, SyncFailed, error_class_of, one_line
from flows.history import (
    EntityRecord,
    SyncReport,
    ensure_bookkeeping,
    finish_run,
    mark_abandoned_runs,
    record_step_seconds,
    start_run,
)
from flows.settings import ConfigError, Settings

log = logging.getLogger("pyerp_sync")

RUN_LOCK_KEY = 0x5059_4552  # "PYER": the advisory lock every run holds


# --- what a run is asked to do -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """The entities a run publishes (with their conflict policies) and the 4D tables it extracts for them."""

    mode: str
    only: list[str] | None
    dry_run: bool
    entities: tuple[Entity, ...]
    endpoints: list[str]

    @classmethod
    def of(cls, full: bool, only: list[str] | None, dry_run: bool, policies: Mapping[str, str] | None) -> RunPlan:
        """Refuse an unknown entity or policy before any work starts (ConfigError, one line)."""
        entities = _with_policies(with_dependencies(set(only)) if only else ENTITIES, policies or {})
        return cls("full" if full else "incremental", only, dry_run, entities, endpoints_feeding(entities))

    @property
    def full(self) -> bool:
        return self.mode == "full"


def _with_policies(entities: tuple[Entity, ...], policies: Mapping[str, str]) -> tuple[Entity, ...]:
    for table, policy in policies.items():
        entity_named(table)  # a clear error for an unknown name
        if policy not in CONFLICT_POLICIES:
            raise ConfigError(f"unknown conflict policy {policy!r} for {table}; known: {', '.join(CONFLICT_POLICIES)}")
    chosen = cast(Mapping[str, ConflictPolicy], policies)
    return tuple(replace(e, conflict_policy=chosen.get(e.table, e.conflict_policy)) for e in entities)


def endpoints_feeding(entities: tuple[Entity, ...]) -> list[str]:
    """The 4D tables a run limited to these entities extracts: every table that feeds one of them."""
    wanted = {e.table for e in entities}
    return list(dict.fromkeys(t.endpoint for t in TABLES if wanted & set(t.feeds)))


# --- the run: its lock, its history, its steps ---------------------------------------------------------------------


@dataclass
class Run:
    """One run holding the lock: its history row, its figures, and the connection both are written over."""

    settings: Settings
    url: str
    plan: RunPlan
    run_id: str
    flow_run_id: str | None
    conn: extensions.connection  # the history's connection
    lock: extensions.connection  # holds the advisory lock: closing it releases the lock
    records: dict[str, EntityRecord]
    report: SyncReport

    @contextlib.contextmanager
    def step(self, name: str, timed: bool = False) -> Iterator[None]:
        """A step of this run: its wall time in the history (``timed``), and on failure the history's record,
        the alert and one ``SyncFailed`` naming the step."""
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            if timed:
                self._record_seconds(name, started)
            error_class, message = error_class_of(exc), one_line(exc)
            record_failure(self, error_class, message, name)
            if self.settings.alert_webhook:
                send_failure_alert(self, error_class, message, name)
            raise SyncFailed(error_class, f"{name} failed: {message}") from exc
        if timed:
            self._record_seconds(name, started)

    def reconnect_if_lost(self) -> None:
        """A new history connection when PostgreSQL dropped this one (restarted mid-run, and a step's retry
        carried the run on); the lock's session is gone then too, which a dead server released anyway."""
        try:
            self.conn.rollback()
            with self.conn.cursor() as cur:
                cur.execute("select 1")
        except psycopg2.Error:
            self.conn.close()
            self.conn = database.connect(self.url)

    def _record_seconds(self, name: str, started: float) -> None:
        # the bookkeeping connection may be gone with the failure (PostgreSQL restarted): never hide the cause
        with contextlib.suppress(psycopg2.Error):
            self.conn.rollback()
            record_step_seconds(self.conn, self.run_id, name, time.monotonic() - started)


@task(name="prepare-database", cache_policy=NO_CACHE)
def prepare_database(settings: Settings) -> str:
    """The database resolved (the embedded one started when none is configured), checked, and its bookkeeping
    schema ensured; returns its URL."""
    url = database.ensure_database(settings)
    with contextlib.closing(database.connect(url)) as conn:
        ensure_bookkeeping(conn)
    return url


# Steps pass connections and settings between them inside this process: no step is ever cached (NO_CACHE).


@task(name="take-run-lock", cache_policy=NO_CACHE)
def take_run_lock(settings: Settings, url: str, plan: RunPlan, flow_run_id: str | None) -> Run:
    """Hold the sync's advisory lock for the run (a second run exits with 'already running', and still gets its
    line in the history), mark runs a killed process left 'running', and start this run's history row."""
    lock = database.connect(url)
    lock.autocommit = True
    conn = database.connect(url)
    try:
        with lock.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,))
            held = cast(tuple, cur.fetchone())[0]  # a select without FROM: always one row
        if not held:
            refused = SyncFailed(
                ErrorClass.ALREADY_RUNNING, "another pyerp-sync run is in progress; this one did nothing"
            )
            finish_run(
                conn,
                start_run(conn, plan.mode, plan.only, plan.dry_run, flow_run_id),
                refused.error_class,
                str(refused),
            )
            raise refused
        mark_abandoned_runs(conn)
        run_id = start_run(conn, plan.mode, plan.only, plan.dry_run, flow_run_id)
    except BaseException:
        lock.close()
        conn.close()
        raise
    return Run(
        settings,
        url,
        plan,
        run_id,
        flow_run_id,
        conn,
        lock,
        records={e.table: EntityRecord(entity=e.table) for e in plan.entities},
        report=SyncReport(run_id=run_id, mode=plan.mode, dry_run=plan.dry_run),
    )


def release_run_lock(run: Run) -> None:
    """Close the run's connections; ending the lock's session releases the lock (also when the process dies)."""
    run.conn.close()
    run.lock.close()


@task(name="record-run", cache_policy=NO_CACHE)
def record_success(run: Run) -> None:
    run.reconnect_if_lost()
    finish_run(run.conn, run.run_id)


@task(name="record-failure", cache_policy=NO_CACHE)
def record_failure(run: Run, error_class: str, message: str, step: str) -> None:
    """Mark the run failed, over a new connection when PostgreSQL dropped the run's own (restarted mid-run)."""
    try:
        run.conn.rollback()
        finish_run(run.conn, run.run_id, error_class, message, step)
        return
    except psycopg2.Error:
        pass
    try:
        with contextlib.closing(database.connect(run.url)) as fresh:
            finish_run(fresh, run.run_id, error_class, message, step)
    except (DatabaseError, psycopg2.Error) as exc:
        log.error("run %s failed (%s) and the history could not record it: %s", run.run_id, message, one_line(exc))


@task(name="send-failure-alert", cache_policy=NO_CACHE)
def send_failure_alert(run: Run, error_class: str, message: str, step: str) -> None:
    post_alert(
        cast(str, run.settings.alert_webhook),
        {
            "event": "pyerp-sync run failed",
            "run_id": run.run_id,
            "flow_run_id": run.flow_run_id,
            "mode": run.plan.mode,
            "failed_step": step,
            "error_class": error_class,
            "message": message,
        },
    )
