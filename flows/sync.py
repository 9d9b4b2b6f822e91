"""The ``legacy-sync`` flow: extract → dbt build → publish → history. The only place the steps are ordered.

Retries (contracts.md): a 4D server that is down when the run starts fails it at once (the next scheduled run is
the retry); a connection lost mid-run (4D or PostgreSQL) retries the step with exponential backoff; a failed dbt
test never retries and blocks publish, leaving pyERP as it was. Two runs never overlap: each holds a PostgreSQL
advisory lock for its whole length (the deployments also have a concurrency limit of one).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import cast

import psycopg2
from prefect import flow, task
from prefect.tasks import exponential_backoff

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
    ensure_bookkeeping,
    finish_run,
    record_entities,
    record_step_seconds,
    start_run,
)
from flows.publish import MARTS_SCHEMA, EntityFigures, publish
from flows.raw_changes import advance_watermarks, newest_loads, tables_with_unpublished_loads
from flows.rejects import update_reject_state
from flows.settings import ConfigError, Settings, load_settings
from flows.target import TargetReport, prepare_target, sync_owns

log = logging.getLogger("pyerp_sync")

RUN_LOCK_KEY = 0x5059_4552  # "PYER": the advisory lock every run holds
REJECTS_MODEL = "sync_rejects"
TRANSIENT_ERRORS = (SourceUnavailable, psycopg2.OperationalError, psycopg2.InterfaceError)


@dataclass
class SyncReport:
    run_id: str
    mode: str
    dry_run: bool
    entities: list[EntityRecord] = field(default_factory=list)
    skipped_dbt: bool = False
    seconds: float = 0.0
    target: TargetReport | None = None  # what the check of pyERP's tables created and accepted


def _transient(task_, task_run, state) -> bool:
    # dlt wraps a connection lost while loading (PostgreSQL restarted) in PipelineStepFailed
    return any(isinstance(cause, TRANSIENT_ERRORS) for cause in causes(state.result(raise_on_failure=False)))


# --- the steps ---------------------------------------------------------------------------------------------------


def check_pyerp_tables(settings: Settings, url: str, entities: tuple[Entity, ...]) -> TargetReport:
    """The run's first step, before 4D is contacted: refuse a pyERP whose tables would break a write (only the
    tables this run writes), create missing ones where the sync owns the database, and say once what differs."""
    with contextlib.closing(database.connect(url)) as conn:
        conn.autocommit = True
        target = prepare_target(conn, settings.target_schema, entities, owned=sync_owns(conn, settings))
    summary = target.summary()
    if summary:
        log.info(summary)
    return target


@task(name="connect-to-4d")
def connect_to_4d(settings: Settings) -> None:
    """Fail fast (within a minute) when 4D is down at start; leaves the session stored for extract to reuse."""
    with LegacyClient(
        settings.require_legacy_url(),
        settings.session_file,
        username=settings.legacy_username,
        password=settings.legacy_password,
    ) as client:
        client.catalog()


@task(name="extract", retries=2, retry_delay_seconds=exponential_backoff(10), retry_condition_fn=_transient)
def extract_legacy_4d(settings: Settings, url: str, endpoints: list[str], full: bool) -> ExtractResult:
    return run_extract(
        settings.require_legacy_url(),
        destination_credentials=ConnectionParts.from_url(url).dlt_credentials(),
        dlt_dir=settings.dlt_dir,
        session_file=settings.session_file,
        username=settings.legacy_username,
        password=settings.legacy_password,
        tables=endpoints,
        full=full,
    )


@task(name="dbt-build")
def dbt_build(env: dict[str, str], marts: list[str]) -> None:
    """Build the marts and everything upstream, with their tests; raise when any node errors or a test fails."""
    # Marts with everything upstream, and the rejects view itself (it covers whichever entities are built).
    # "cautious": only the tests whose every parent is selected, so a run limited with --only never tests models
    # it did not build. Unit tests check the code, not the data: they run in the test suite, not on every sync.
    selectors = [f"+{mart}" for mart in marts] + [REJECTS_MODEL]
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
        env,
    )
    if result.exception is not None:
        raise SyncFailed(ErrorClass.INTERNAL, f"dbt build could not run: {one_line(result.exception)}")
    if not result.success:
        failed = [r.node.name for r in result.result.results if str(r.status) in ("error", "fail")]
        shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
        raise SyncFailed(
            ErrorClass.DATA_TEST_FAILED, f"dbt build failed ({len(failed)} node(s): {shown}); nothing published"
        )


@task(name="publish", retries=2, retry_delay_seconds=exponential_backoff(5), retry_condition_fn=_transient)
def publish_marts(
    settings: Settings,
    url: str,
    entities: tuple[Entity, ...],
    run_id: str,
    dry_run: bool,
    records: dict[str, EntityRecord],
    loads: dict[str, float],
    only_changed: bool,
) -> dict[str, EntityFigures]:
    with contextlib.closing(database.connect(url)) as conn:

        def record(cur, figures: dict[str, EntityFigures]) -> None:
            for table, fig in figures.items():
                rec = records[table]
                rec.created, rec.updated, rec.unchanged = fig.created, fig.updated, fig.unchanged
                rec.deactivated, rec.deleted_reported, rec.conflicts = (
                    fig.deactivated,
                    fig.deleted_reported,
                    fig.conflicts,
                )
                rec.seconds += fig.seconds
            record_entities(cur, run_id, list(records.values()))
            advance_watermarks(cur, run_id, loads)
            # the entities published here are the ones this run rebuilt and copied the rejects of
            update_reject_state(cur, run_id, [e.table for e in entities])

        return publish(
            conn,
            settings.target_schema,
            entities,
            run_id,
            dry_run=dry_run,
            before_commit=record,
            only_changed=only_changed,
        )


# --- helpers -----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def run_lock(url: str) -> Iterator[None]:
    """Hold the sync's advisory lock for the run; a second run exits with 'already running'."""
    conn = database.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,))
            if not cast(tuple, cur.fetchone())[0]:  # a select without FROM: always one row
                raise SyncFailed(
                    ErrorClass.ALREADY_RUNNING, "another pyerp-sync run is in progress; this one did nothing"
                )
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


@contextlib.contextmanager
def _run_lock_or_record_refusal(
    conn, url: str, mode: str, only: list[str] | None, dry_run: bool, flow_run_id: str | None
) -> Iterator[None]:
    """``run_lock``; a run it refuses still gets its line in the history (failed, already_running)."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(run_lock(url))
        except SyncFailed as refused:
            finish_run(conn, start_run(conn, mode, only, dry_run, flow_run_id), refused.error_class, str(refused))
            raise
        yield


def _primary_table(entity: str) -> str | None:
    """The 4D table whose rows an entity counts as 'extracted' (the one it is first fed by)."""
    feeding = [t for t in TABLES if entity in t.feeds]
    first = next((t for t in feeding if t.feeds[0] == entity), feeding[0] if feeding else None)
    return first.endpoint if first else None


def _entities_to_rebuild(conn, entities: tuple[Entity, ...], loads: dict[str, float]) -> set[str]:
    """Entities fed by raw tables holding loads no successful run has published, and what depends on them."""
    unpublished = tables_with_unpublished_loads(conn, loads)
    fed = {feed for t in TABLES if t.resource in unpublished for feed in t.feeds}
    return dependents_of(fed) & {e.table for e in entities}


def _copy_rejects(url: str, run_id: str, entities: list[str], records: dict[str, EntityRecord]) -> None:
    """Keep this run's rejects (from the dbt model) in the history, and count them per entity. The current state
    (``pyerp_sync.reject_state``) follows from this copy only when publish commits (``update_reject_state``)."""
    with contextlib.closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into pyerp_sync.rejects (run_id, entity, legacy_key, business_key, reason, severity, details) "
            f"select %s, entity, legacy_key, business_key, reason, severity, details "
            f"from {MARTS_SCHEMA}.{REJECTS_MODEL} where entity = any(%s)",
            (run_id, entities),
        )
        cur.execute(
            "select entity, count(*) filter (where severity = 'error'), count(*) filter (where severity = 'warning') "
            "from pyerp_sync.rejects where run_id = %s group by entity",
            (run_id,),
        )
        for entity, rejected, warnings in cur.fetchall():
            records[entity].rejected, records[entity].warnings = rejected, warnings
        conn.commit()


def _analyze_loaded(conn, result: ExtractResult) -> None:
    """Planner statistics for the raw tables this run loaded rows into (autovacuum would come too late for the
    dbt build that follows)."""
    from psycopg2 import sql

    loaded = [stats.resource for stats in result.tables.values() if stats.rows_extracted or stats.rows_deleted]
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for resource in loaded:
                cur.execute(sql.SQL("analyze {}").format(sql.Identifier("legacy_raw", resource)))
    finally:
        conn.autocommit = False


@contextlib.contextmanager
def _timed(conn, run_id: str, step: str) -> Iterator[None]:
    started = time.monotonic()

    def record() -> None:
        conn.rollback()
        record_step_seconds(conn, run_id, step, time.monotonic() - started)

    try:
        yield
    except BaseException:
        # the bookkeeping connection may be gone with the failure (PostgreSQL restarted): never hide the cause
        with contextlib.suppress(psycopg2.Error):
            record()
        raise
    record()


def _record_failure(conn, url: str, run_id: str, error_class: str, message: str, step: str) -> None:
    """Mark the run failed, over a new connection when PostgreSQL dropped the run's own (restarted mid-run)."""
    try:
        conn.rollback()
        finish_run(conn, run_id, error_class, message, step)
        return
    except psycopg2.Error:
        pass
    try:
        with contextlib.closing(database.connect(url)) as fresh:
            finish_run(fresh, run_id, error_class, message, step)
    except (DatabaseError, psycopg2.Error) as exc:
        log.error("run %s failed (%s) and the history could not record it: %s", run_id, message, one_line(exc))


def _with_policies(entities: tuple[Entity, ...], policies: Mapping[str, ConflictPolicy]) -> tuple[Entity, ...]:
    for table, policy in policies.items():
        entity_named(table)  # a clear error for an unknown name
        if policy not in CONFLICT_POLICIES:
            raise ConfigError(f"unknown conflict policy {policy!r} for {table}; known: {', '.join(CONFLICT_POLICIES)}")
    return tuple(replace(e, conflict_policy=policies.get(e.table, e.conflict_policy)) for e in entities)


def _mark_abandoned_runs(conn) -> None:
    """Runs still 'running' while we hold the lock were killed: say so in the history."""
    with conn.cursor() as cur:
        cur.execute(
            "update pyerp_sync.runs set status = 'failed', error_class = 'internal', completed_at = now(), "
            "error_message = 'the run ended without finishing (process killed or machine restarted)' "
            "where status = 'running'"
        )
    conn.commit()


# --- the flow ----------------------------------------------------------------------------------------------------


def endpoints_feeding(entities: tuple[Entity, ...]) -> list[str]:
    """The 4D tables a run limited to these entities extracts: every table that feeds one of them."""
    wanted = {e.table for e in entities}
    return list(dict.fromkeys(t.endpoint for t in TABLES if wanted & set(t.feeds)))


def run_sync(
    settings: Settings,
    url: str,
    full: bool = False,
    only: list[str] | None = None,
    dry_run: bool = False,
    flow_run_id: str | None = None,
    policies: Mapping[str, ConflictPolicy] | None = None,
) -> SyncReport:
    """One run: the steps in order, the history around them, the alert on failure.

    ``policies``: pyERP table → conflict policy for this run, instead of the one ``flows.entities`` declares."""
    started = time.monotonic()
    entities = _with_policies(with_dependencies(set(only)) if only else ENTITIES, policies or {})
    endpoints = endpoints_feeding(entities)
    mode = "full" if full else "incremental"
    with contextlib.closing(database.connect(url)) as conn:
        ensure_bookkeeping(conn)
        with _run_lock_or_record_refusal(conn, url, mode, only, dry_run, flow_run_id):
            _mark_abandoned_runs(conn)
            run_id = start_run(conn, mode, only, dry_run, flow_run_id)
            report = SyncReport(run_id=run_id, mode=mode, dry_run=dry_run)
            records = {e.table: EntityRecord(entity=e.table) for e in entities}
            step = "target check"
            try:
                report.target = check_pyerp_tables(settings, url, entities)
                step = "connect"
                connect_to_4d(settings)
                step = "extract"
                with _timed(conn, run_id, step):
                    extracted = extract_legacy_4d(settings, url, endpoints, full)
                for table, record in records.items():
                    primary = _primary_table(table)
                    stats = extracted.tables.get(primary) if primary else None
                    record.extracted = stats.rows_extracted if stats else 0
                step = "dbt"
                scope = tuple(t for t in TABLES if t.endpoint in endpoints)
                _analyze_loaded(conn, extracted)
                loads = newest_loads(conn, scope)
                changed = {e.table for e in entities} if full else _entities_to_rebuild(conn, entities, loads)
                if changed:
                    with _timed(conn, run_id, step):
                        dbt_build(
                            database.tool_environment(url, settings), [e.table for e in entities if e.table in changed]
                        )
                    _copy_rejects(url, run_id, sorted(changed), records)
                else:
                    report.skipped_dbt = True
                step = "publish"
                to_publish = tuple(e for e in entities if e.table in changed)
                with _timed(conn, run_id, step):
                    publish_marts(
                        settings, url, to_publish, run_id, dry_run, records, loads, not full
                    )  # figures even for none
            except Exception as exc:
                error_class = error_class_of(exc)
                message = one_line(exc)
                _record_failure(conn, url, run_id, error_class, message, step)
                if settings.alert_webhook:
                    post_alert(
                        settings.alert_webhook,
                        {
                            "event": "pyerp-sync run failed",
                            "run_id": run_id,
                            "flow_run_id": flow_run_id,
                            "mode": mode,
                            "failed_step": step,
                            "error_class": error_class,
                            "message": message,
                        },
                    )
                raise SyncFailed(error_class, f"{step} failed: {message}") from exc
            finish_run(conn, run_id)
    report.entities = list(records.values())
    report.seconds = time.monotonic() - started
    return report


@flow(name="legacy-sync", log_prints=True)
def legacy_sync(full: bool = False, only: list[str] | None = None, dry_run: bool = False) -> dict[str, object]:
    """The scheduled and manual sync run (the deployments' entrypoint)."""
    from prefect import get_run_logger
    from prefect.artifacts import create_table_artifact
    from prefect.runtime import flow_run

    settings = load_settings()
    url = database.ensure_database(settings)
    report = run_sync(settings, url, full=full, only=only, dry_run=dry_run, flow_run_id=str(flow_run.id or ""))
    pyerp_schema = report.target.summary() if report.target else None
    if pyerp_schema:
        get_run_logger().info(pyerp_schema)  # the run's log in the Prefect UI; `run` prints it itself
    create_table_artifact(
        key="legacy-sync-summary",
        table=[{k: v for k, v in vars(r).items()} for r in report.entities],
        description=f"pyerp-sync {report.mode} run {report.run_id}: {report.seconds:.1f} s",
    )
    return {"run_id": report.run_id, "seconds": report.seconds, "pyerp_schema": pyerp_schema}
