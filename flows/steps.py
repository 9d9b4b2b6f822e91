"""The work of a sync run, each step a Prefect task (the name the UI shows); ``flows.run`` is the run itself.

``flows.sync`` orders them; nothing here decides the order. A step's SQL on the bookkeeping tables lives in
``flows.history``, ``flows.rejects`` and ``flows.raw_changes``; this module only calls it at the right moment.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import psycopg2
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from psycopg2 import sql

from extract.client import LegacyClient
from extract.errors import SourceUnavailable
from extract.pipeline import ExtractResult, run_extract
from extract.tables import TABLES
from flows import database
from flows.database import ConnectionParts
from flows.dbt_runner import invoke_dbt
from flows.entities import Entity, dependents_of
from flows.errors import ErrorClass, SyncFailed, causes, one_line
from flows.history import record_entities
from flows.publish import apply_marts, commit_published
from flows.raw_changes import advance_watermarks, newest_loads, tables_with_unpublished_loads
from flows.rejects import REJECTS_MODEL, copy_run_rejects, update_reject_state
from flows.run import Run
from flows.settings import Settings
from flows.target import TargetReport, prepare_target, sync_owns

log = logging.getLogger("pyerp_sync")

TRANSIENT_ERRORS = (SourceUnavailable, psycopg2.OperationalError, psycopg2.InterfaceError)


# Steps pass connections and settings between them inside this process: no step is ever cached (NO_CACHE).


def _transient(task_, task_run, state) -> bool:
    # dlt wraps a connection lost while loading (PostgreSQL restarted) in PipelineStepFailed
    return any(isinstance(cause, TRANSIENT_ERRORS) for cause in causes(state.result(raise_on_failure=False)))


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
