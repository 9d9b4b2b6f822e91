"""The ``legacy-sync`` flow: extract → dbt build → publish → history. The only place the steps are ordered.

Every step is a Prefect task of ``flows.steps``; the schedules, the CLI, the benchmarks and the tests all run this
flow. Retries (contracts.md): a 4D server that is down when the run starts fails it at once (the next scheduled
run is the retry); a connection lost mid-run (4D or PostgreSQL) retries the step with exponential backoff; a
failed dbt test never retries and blocks publish, leaving pyERP as it was. Two runs never overlap: each holds a
PostgreSQL advisory lock for its whole length (the deployments also have a concurrency limit of one).
"""

from __future__ import annotations

import logging
import time
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.history import SyncReport
from flows.run import RunPlan, prepare_database, record_success, release_run_lock, take_run_lock
from flows.settings import Settings, load_settings
from flows.steps import (
    check_pyerp_tables,
    connect_to_4d,
    copy_rejects,
    dbt_build,
    extract_legacy_4d,
    find_changes,
    publish_marts,
)

log = logging.getLogger("pyerp_sync")

SettingsParameter = Annotated[
    Settings | None,
    Field(description="Unset on deployments: the worker's environment. The CLI, benchmarks and tests pass theirs."),
]


@flow(name="legacy-sync", log_prints=True)
def legacy_sync(
    full: bool = False,
    only: list[str] | None = None,
    dry_run: bool = False,
    policies: dict[str, str] | None = None,
    settings: SettingsParameter = None,
) -> SyncReport:
    """One sync run (the deployments' entrypoint). ``only``: these pyERP tables and what they depend on;
    ``policies``: pyERP table → conflict policy for this run instead of the one ``flows.entities`` declares."""
    started = time.monotonic()
    settings = settings or load_settings()
    plan = RunPlan.of(full, only, dry_run, policies)
    url = prepare_database(settings)
    run = take_run_lock(settings, url, plan, str(flow_run.id or "") or None)
    try:
        with run.step("target check"):
            run.report.target = check_pyerp_tables(run)
        with run.step("connect"):
            connect_to_4d(settings)
        with run.step("extract", timed=True):
            extracted = run.report.extracted = extract_legacy_4d(run)
        with run.step("dbt", timed=True):
            rebuild = find_changes(run, extracted)
            run.report.skipped_dbt = not rebuild.entities
            if rebuild.entities:
                dbt_build(run, rebuild)
                copy_rejects(run, rebuild)
        with run.step("publish", timed=True):
            publish_marts(run, rebuild)  # figures even for none
        record_success(run)
    finally:
        release_run_lock(run)
    report = run.report
    report.entities = list(run.records.values())
    report.seconds = time.monotonic() - started
    _summarize(report)
    return report


def _summarize(report: SyncReport) -> None:
    """The run's log and artifact in the Prefect UI (``run`` prints the same itself)."""
    pyerp_schema = report.target.summary() if report.target else None
    if pyerp_schema:
        get_run_logger().info(pyerp_schema)
    create_table_artifact(
        key="legacy-sync-summary",
        table=[dict(vars(r)) for r in report.entities],
        description=f"pyerp-sync {report.mode} run {report.run_id}: {report.seconds:.1f} s",
    )
