"""The pipeline commands: run, extract, publish, serve, reconcile, demo, bench, soak."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated

import typer

from flows import database
from flows.cli.common import (
    EntityOption,
    JsonOption,
    OnlyOption,
    app,
    bookkeeping_connection,
    current_settings,
    prepare_prefect,
    print_run,
    print_table,
)
from flows.entities import entity as entity_named
from flows.errors import error_class_of, one_line
from flows.history import SyncReport
from flows.settings import Settings


@app.command("run")
def run_command(
    full: Annotated[bool, typer.Option("--full", help="Re-extract every table instead of only what changed.")] = False,
    only: OnlyOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Extract and build, then show what publish would change; write nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """One sync run: extract → dbt build → publish → history (what the schedules run)."""
    settings = current_settings()
    settings.require_legacy_url()
    for name in only or []:
        entity_named(name)
    prepare_prefect(settings)
    from flows.sync import legacy_sync

    report = legacy_sync(full=full, only=only, dry_run=dry_run, settings=settings)
    from flows.history import list_runs

    pyerp_schema = report.target.summary() if report.target else None
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
        (run,) = [r for r in list_runs(conn, 5) if r.run_id == report.run_id]
    if as_json:
        typer.echo(json.dumps({**run.to_json(), "pyerp_schema": pyerp_schema}, indent=2, default=str))
        return
    if pyerp_schema:
        # information about a run that worked: stdout, with the run; stderr is for what went wrong
        typer.echo(pyerp_schema)
    print_run(run)


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option("--port", help="Port of the Prefect server started when none is set.")] = 4200,
) -> None:
    """Run the schedules of prefect.yaml (incremental every 15 min, full nightly) on this machine until Ctrl-C.

    Uses the Prefect server of PREFECT_API_URL; when unset, starts one (SQLite under the data folder) first."""
    import os

    settings = current_settings()
    settings.require_legacy_url()
    database.ensure_database(settings)
    prepare_prefect(settings, quiet=False)
    with contextlib.ExitStack() as stack:
        if settings.prefect_api_url is None:
            from flows.prefect_server import local_prefect_server

            os.environ["PREFECT_API_URL"] = stack.enter_context(local_prefect_server(settings.prefect_home, port))
            typer.echo(f"Prefect UI: http://127.0.0.1:{port}  (server started for this process)")
        from flows.deployments import read_deployments, serve_all

        for spec in read_deployments():
            typer.echo(
                f"serving {spec.name}: {', '.join(s['cron'] + ' ' + s.get('timezone', 'UTC') for s in spec.schedules)}"
            )
        serve_all()


TableOption = Annotated[
    list[str] | None,
    typer.Option("--table", help="Extract only this 4D table (repeatable, e.g. Artikel_Variante); parents come along."),
]


@app.command("extract")
def extract_command(
    table: TableOption = None,
    full: Annotated[bool, typer.Option("--full", help="Read the whole tables instead of only what changed.")] = False,
) -> None:
    """Land 4D tables in legacy_raw (dlt pipeline legacy_4d), showing rows per table as they arrive."""
    from extract.tables import table_for_endpoint

    for name in table or []:
        try:
            table_for_endpoint(name)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--table") from None
    settings = current_settings()
    legacy_url = settings.require_legacy_url()
    url = database.ensure_database(settings)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from extract.pipeline import run_extract

    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def show(name: str, rows: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.update(tasks[name], completed=rows, total=total if total is not None else max(rows, 1))

        result = run_extract(
            legacy_url,
            destination_credentials=database.ConnectionParts.from_url(url).dlt_credentials(),
            dlt_dir=settings.dlt_dir,
            session_file=settings.session_file,
            username=settings.legacy_username,
            password=settings.legacy_password,
            tables=table,
            full=full,
            progress=show,
        )
    session = (
        "reused the stored 4D session" if result.session_reused else f"{result.sessions_established} new 4D session"
    )
    print_table(
        f"extract: {result.rows_extracted} rows landed, {result.rows_deleted} marked deleted, {result.requests} 4D "
        f"requests, {session}, {result.seconds:.1f} s",
        ["4D table", "strategy", "mode", "extracted", "deleted", "requests", "pages", "seconds"],
        [
            [
                t.table,
                t.strategy,
                "full" if t.full else "incremental",
                t.rows_extracted,
                t.rows_deleted,
                t.requests,
                t.pages,
                f"{t.seconds:.1f}",
            ]
            for t in result.tables.values()
        ],
    )
    for warning in result.drift:
        typer.echo(f"drift: {warning}", err=True)


@app.command("publish")
def publish_command(
    only: OnlyOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change (counts and sample diffs); write nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Apply the current marts to pyERP (only after a passing dbt build), in one transaction."""
    from flows.dbt_results import require_passing_build
    from flows.entities import ENTITIES, with_dependencies
    from flows.history import EntityRecord, finish_run, record_entities, start_run
    from flows.publish import apply_marts, commit_published
    from flows.target import prepare_target, sync_owns

    settings = current_settings()
    entities = with_dependencies(set(only)) if only else ENTITIES
    require_passing_build(settings.dbt_target_dir)
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
        target = prepare_target(conn, settings.target_schema, entities, owned=sync_owns(conn, settings))
        if target.summary():
            typer.echo(target.summary(), err=True)  # stderr: --json keeps stdout to the figures
        run_id = start_run(conn, "publish", only, dry_run)
        try:
            figures = apply_marts(conn, settings.target_schema, entities, run_id, dry_run=dry_run)
            if not dry_run:
                records = [EntityRecord(entity=table) for table in figures]
                for record in records:
                    record.add_published(figures[record.entity])
                with conn.cursor() as cur:
                    record_entities(cur, run_id, records)
                commit_published(conn)
        except Exception as exc:
            conn.rollback()
            finish_run(conn, run_id, error_class_of(exc), one_line(exc), "publish")
            raise
        finish_run(conn, run_id)
    if as_json:
        typer.echo(json.dumps({t: vars(f) for t, f in figures.items()}, indent=2, default=str))
        return
    title = "publish --dry-run: what would change (nothing was written)" if dry_run else "published"
    print_table(
        title,
        ["entity", "created", "updated", "unchanged", "deactivated", "conflicts"],
        [[t, f.created, f.updated, f.unchanged, f.deactivated, f.conflicts] for t, f in figures.items()],
    )
    if dry_run:
        for table, fig in figures.items():
            for sample in fig.samples:
                changes = "; ".join(f"{c}: {old!r} → {new!r}" for c, (old, new) in list(sample["changes"].items())[:6])
                typer.echo(f"  {table} {sample['action']} id={sample['target_id']}: {changes}")


@app.command("reconcile")
def reconcile_command(entity: EntityOption = None, as_json: JsonOption = False) -> None:
    """Compare each pyERP table with its 4D source (counts and key sets over the REST API)."""
    from flows.reconcile import DERIVED, KEY_MAPS, reconcile

    settings = current_settings()
    settings.require_legacy_url()
    entities = [entity_named(entity).table] if entity else list(KEY_MAPS)
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
        results = reconcile(conn, settings, entities)
    if as_json:
        typer.echo(json.dumps([{**vars(r), "matches": r.matches} for r in results], indent=2))
    else:
        print_table(
            "4D source vs pyERP (missing: in 4D, not rejected, not in pyERP; extra: in pyERP, not in 4D)",
            ["entity", "4D table", "4D rows", "pyERP rows", "rejected", "missing", "extra", "e.g."],
            [
                [
                    r.entity,
                    r.source_table,
                    r.source_rows,
                    r.pyerp_rows,
                    r.rejected,
                    r.missing_in_pyerp,
                    r.extra_in_pyerp,
                    ", ".join((r.missing_sample + r.extra_sample)[:3]),
                ]
                for r in results
            ],
        )
        skipped = [e for e in DERIVED if entity in (None, e)]
        if skipped:
            typer.echo(f"derived from other tables, compared through them: {', '.join(skipped)}")
    differing = [r.entity for r in results if not r.matches]
    if differing:
        typer.echo(f"pyerp-sync: reconcile: {len(differing)} table(s) differ: {', '.join(differing)}", err=True)
        raise typer.Exit(1)


@app.command("demo")
def demo_command(
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Use this PostgreSQL instead of the demo's embedded one.")
    ] = None,
    scale: Annotated[float, typer.Option("--scale", min=0.001, help="Emulator data volume (1 ≈ real).")] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated 4D data.")] = 42,
    percent: Annotated[float, typer.Option("--percent", min=0.0, max=100.0, help="Rows changed between syncs.")] = 1.0,
) -> None:
    """The whole pipeline with nothing to set up: emulator + embedded Postgres, full sync, 1 % changes, incremental."""
    import time

    from flows.demo import run_demo
    from flows.history import list_runs

    settings = current_settings()
    started = time.monotonic()

    def say(message: str) -> None:
        typer.echo(f"[{time.monotonic() - started:6.1f} s] {message}")

    def run_step(demo_settings: Settings, full: bool) -> SyncReport:
        prepare_prefect(demo_settings)
        from flows.sync import legacy_sync

        return legacy_sync(full=full, settings=demo_settings)

    demo_settings, run_ids = run_demo(settings, database_url, scale, seed, percent, say, run_step)
    with contextlib.closing(bookkeeping_connection(demo_settings)) as conn:
        runs = {r.run_id: r for r in list_runs(conn, 10)}
    full, incremental = runs[run_ids[0]], runs[run_ids[1]]
    by_entity = {e.entity: e for e in incremental.entities}
    print_table(
        f"demo summary (scale {scale:g}): full sync {full.seconds:.1f} s, incremental after {percent:g} % changes "
        f"{incremental.seconds:.1f} s",
        [
            "entity",
            "4D rows",
            "published",
            "rejected",
            "incr. created",
            "incr. updated",
            "incr. deleted",
            "conflicts",
            "full s",
            "incr. s",
        ],
        [
            [
                e.entity,
                e.extracted,
                e.created,
                e.rejected,
                by_entity[e.entity].created,
                by_entity[e.entity].updated,
                by_entity[e.entity].deactivated + by_entity[e.entity].deleted_reported,
                e.conflicts + by_entity[e.entity].conflicts,
                f"{e.seconds:.1f}",
                f"{by_entity[e.entity].seconds:.1f}",
            ]
            for e in full.entities
        ],
    )
    home = demo_settings.home
    typer.echo(
        f"demo finished in {time.monotonic() - started:.0f} s. The same figures: "
        f"PYERP_SYNC_HOME={home} PYERP_SYNC_DATABASE_URL='{demo_settings.database_url}' pyerp-sync history --json"
    )
    typer.echo(
        f"lineage site:  PYERP_SYNC_HOME={home} PYERP_SYNC_DATABASE_URL='{demo_settings.database_url}' pyerp-sync docs"
    )
    typer.echo(
        f"Prefect UI:    PREFECT_HOME={demo_settings.prefect_home} .venv/bin/prefect server start  "
        "(then http://127.0.0.1:4200)"
    )
