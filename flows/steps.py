"""The steps of a sync run, each a Prefect task (the name the UI shows), and the run they belong to.

``flows.sync`` orders them; nothing here decides the order. A step's SQL on the bookkeeping tables lives in
``flows.history``, ``flows.rejects`` and ``flows.raw_changes``; this module only calls it at the right moment.
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
from prefect.tasks import exponential_backoff
from psycopg2 import extensions, sql

from extract.client import LegacyClient
from extract.errors import SourceUnavailable
from extract.pipeline import ExtractResult, run_extract
from extract.tables import TABLES
from flows import database
from flows.alerts import post_alert
from flows.database import ConnectionParts, DatabaseError
from flows.dbt_runner import invoke_dbt
from flows.entities import CONFLICT_POLICIES, ENTITIES, ConflictPolicy, Entity, dependents_of, with_dependencies
from flows.entities import entity as entity_named
from flows.errors import ErrorClass, SyncFailed, causes, error_class_of, one_line
from flows.history import (
    EntityRecord,
    SyncReport,
    ensure_bookkeeping,
    finish_run,
    mark_abandoned_runs,
    record_entities,
    record_step_seconds,
    start_run,
)
from flows.publish import apply_marts, commit_published
from flows.raw_changes import advance_watermarks, newest_loads, tables_with_unpublished_loads
from flows.rejects import REJECTS_MODEL, copy_run_rejects, update_reject_state
from flows.settings import ConfigError, Settings
from flows.target import TargetReport, prepare_target, sync_owns

log = logging.getLogger("pyerp_sync")

RUN_LOCK_KEY = 0x5059_4552  # "PYER": the advisory lock every run holds
TRANSIENT_ERRORS = (SourceUnavailable, psycopg2.OperationalError, psycopg2.InterfaceError)


def _transient(task_, task_run, state) -> bool:
    # dlt wraps a connection lost while loading (PostgreSQL restarted) in PipelineStepFailed
    return any(isinstance(cause, TRANSIENT_ERRORS) for cause in causes(state.result(raise_on_failure=False)))


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


@task(name="check-pyerp-tables", cache_policy=NO_CACHE)
def check_pyerp_tables(run: Run) -> TargetReport:
    """Before 4D is contacted: refuse a pyERP whose tables would break a write (only the tables this run writes),
    create missing ones where the sync owns the database, and say once what differs."""
    with contextlib.closing(database.connect(run.url)) as conn:
        conn.autocommit = True
        target = prepare_target(
            conn, run.settings.target_schema, run.plan.entities, owned=sync_owns(conn, run.settings)
        )
    summary = target.summary()
    if summary:
        log.info(summary)
    return target


@task(name="connect-to-4d", cache_policy=NO_CACHE)
def connect_to_4d(settings: Settings) -> None:
    """Fail fast (within a minute) when 4D is down at start; leaves the session stored for extract to reuse."""
    with LegacyClient(
        settings.require_legacy_url(),
        settings.session_file,
        username=settings.legacy_username,
        password=settings.legacy_password,
    ) as client:
        client.catalog()


@task(
    name="extract",
    retries=2,
    retry_delay_seconds=exponential_backoff(10),
    retry_condition_fn=_transient,
    cache_policy=NO_CACHE,
)
def extract_legacy_4d(run: Run) -> ExtractResult:
    """Land the plan's 4D tables in legacy_raw, and count each entity's rows from the table it is first fed by."""
    settings = run.settings
    extracted = run_extract(
        settings.require_legacy_url(),
        destination_credentials=ConnectionParts.from_url(run.url).dlt_credentials(),
        dlt_dir=settings.dlt_dir,
        session_file=settings.session_file,
        username=settings.legacy_username,
        password=settings.legacy_password,
        tables=run.plan.endpoints,
        full=run.plan.full,
    )
    for table, record in run.records.items():
        primary = _primary_table(table)
        stats = extracted.tables.get(primary) if primary else None
        record.extracted = stats.rows_extracted if stats else 0
    return extracted


def _primary_table(entity: str) -> str | None:
    """The 4D table whose rows an entity counts as 'extracted' (the one it is first fed by)."""
    feeding = [t for t in TABLES if entity in t.feeds]
    first = next((t for t in feeding if t.feeds[0] == entity), feeding[0] if feeding else None)
    return first.endpoint if first else None


@dataclass(frozen=True)
class Rebuild:
    """What the transform and publish work on: the entities whose raw tables hold unpublished loads (all of them
    on a full run), and the newest load per raw table, which publish records as published."""

    entities: tuple[Entity, ...]
    loads: dict[str, float]


@task(name="find-changes", cache_policy=NO_CACHE)
def find_changes(run: Run, extracted: ExtractResult) -> Rebuild:
    """Planner statistics for the raw tables just loaded, and the entities fed by loads no successful run has
    published yet, with everything that depends on them."""
    _analyze_loaded(run.url, extracted)
    scope = tuple(t for t in TABLES if t.endpoint in run.plan.endpoints)
    with contextlib.closing(database.connect(run.url)) as conn:
        loads = newest_loads(conn, scope)
        if run.plan.full:
            return Rebuild(run.plan.entities, loads)
        unpublished = tables_with_unpublished_loads(conn, loads)
    fed = {feed for t in TABLES if t.resource in unpublished for feed in t.feeds}
    changed = dependents_of(fed)
    return Rebuild(tuple(e for e in run.plan.entities if e.table in changed), loads)


def _analyze_loaded(url: str, result: ExtractResult) -> None:
    """autovacuum would come too late for the dbt build that follows."""
    loaded = [stats.resource for stats in result.tables.values() if stats.rows_extracted or stats.rows_deleted]
    with contextlib.closing(database.connect(url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            for resource in loaded:
                cur.execute(sql.SQL("analyze {}").format(sql.Identifier("legacy_raw", resource)))


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build(run: Run, rebuild: Rebuild) -> None:
    """Build the marts and everything upstream, with their tests; raise when any node errors or a test fails."""
    # Marts with everything upstream, and the rejects view itself (it covers whichever entities are built).
    # "cautious": only the tests whose every parent is selected, so a run limited with --only never tests models
    # it did not build. Unit tests check the code, not the data: they run in the test suite, not on every sync.
    selectors = [f"+{e.table}" for e in rebuild.entities] + [REJECTS_MODEL]
    result = invoke_dbt(
        [
            "--quiet",
            "build",
            "--select",
            *selectors,
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
        ],
        database.tool_environment(run.url, run.settings),
    )
    if result.exception is not None:
        raise SyncFailed(ErrorClass.INTERNAL, f"dbt build could not run: {one_line(result.exception)}")
    if not result.success:
        failed = [r.node.name for r in result.result.results if str(r.status) in ("error", "fail")]
        shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
        raise SyncFailed(
            ErrorClass.DATA_TEST_FAILED, f"dbt build failed ({len(failed)} node(s): {shown}); nothing published"
        )


@task(name="copy-rejects", cache_policy=NO_CACHE)
def copy_rejects(run: Run, rebuild: Rebuild) -> None:
    """Keep this run's rejects in the history and count them per entity. The current state
    (``pyerp_sync.reject_state``) follows from this copy only when publish commits."""
    with contextlib.closing(database.connect(run.url)) as conn:
        counts = copy_run_rejects(conn, run.run_id, sorted(e.table for e in rebuild.entities))
    for entity, (rejected, warnings) in counts.items():
        run.records[entity].rejected, run.records[entity].warnings = rejected, warnings


@task(
    name="publish",
    retries=2,
    retry_delay_seconds=exponential_backoff(5),
    retry_condition_fn=_transient,
    cache_policy=NO_CACHE,
)
def publish_marts(run: Run, rebuild: Rebuild) -> None:
    """Apply the rebuilt marts to pyERP in one transaction, committed together with the run's figures, the
    published loads and the reject state: pyERP's rows and what describes them commit together or not at all."""
    entities = rebuild.entities
    with contextlib.closing(database.connect(run.url)) as conn:
        figures = apply_marts(
            conn, run.settings.target_schema, entities, run.run_id, run.plan.dry_run, only_changed=not run.plan.full
        )
        for table, fig in figures.items():
            run.records[table].add_published(fig)
        if run.plan.dry_run:
            return  # rolled back
        try:
            with conn.cursor() as cur:
                record_entities(cur, run.run_id, list(run.records.values()))
                advance_watermarks(cur, run.run_id, rebuild.loads)
                # the entities published here are the ones this run rebuilt and copied the rejects of
                update_reject_state(cur, run.run_id, [e.table for e in entities])
        except Exception:
            conn.rollback()
            raise
        commit_published(conn)


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
