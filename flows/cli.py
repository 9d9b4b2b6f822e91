"""The ``pyerp-sync`` command line. Each command calls the same functions the Prefect deployment calls."""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
from typing import Annotated

import typer

from extract.errors import ExtractError
from flows import database
from flows.conflicts import ConflictError
from flows.database import DatabaseError
from flows.entities import UnknownEntity
from flows.entities import entity as entity_named
from flows.errors import SyncFailed
from flows.prefect_server import PrefectServerError
from flows.publish import PublishError
from flows.settings import ConfigError, Settings, load_settings
from flows.target import TargetShapeError

app = typer.Typer(
    name="pyerp-sync",
    help="Move the legacy 4D ERP's data into pyERP and keep both in step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The embedded PostgreSQL (used when PYERP_SYNC_DATABASE_URL is unset).", no_args_is_help=True)
app.add_typer(db_app, name="db")

# Failures a person can act on: shown as one line on stderr, never as a traceback.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (ConfigError, DatabaseError)


def _settings() -> Settings:
    return load_settings()


@app.command("env")
def env_command() -> None:
    """Print the variables dbt and dlt need, as `export` lines: eval "$(pyerp-sync env)"."""
    settings = _settings()
    url = database.ensure_database(settings)
    for key, value in database.tool_environment(url, settings).items():
        typer.echo(f"export {key}={shlex.quote(value)}")


@app.command(
    "dbt",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def dbt_command(ctx: typer.Context) -> None:
    """Run dbt with the environment prepared, e.g. `pyerp-sync dbt -- build --select staging`."""
    args = list(ctx.args)
    if not args:
        raise typer.BadParameter("give dbt's arguments after --, e.g. pyerp-sync dbt -- debug")
    settings = _settings()
    url = database.ensure_database(settings)
    from flows.dbt import invoke_dbt

    result = invoke_dbt(args, database.tool_environment(url, settings))
    if result.exception is not None:
        raise DbtFailed(f"dbt {args[0]} failed: {str(result.exception).strip().splitlines()[0]}")
    if not result.success:
        raise DbtFailed(f"dbt {args[0]} did not succeed (see dbt's output above)")


@db_app.command("status")
def db_status() -> None:
    """Show where the database is and whether the embedded server runs."""
    settings = _settings()
    if settings.database_url:
        parts = database.ConnectionParts.from_url(settings.database_url)
        version = database.check_database(settings.database_url)
        typer.echo(f"configured server (PYERP_SYNC_DATABASE_URL): {parts.describe()}, PostgreSQL {version // 10000}")
        return
    status = database.embedded_status(settings)
    state = "running" if status.running else ("stopped" if status.initialised else "not created yet")
    typer.echo(f"embedded PostgreSQL: {state}")
    typer.echo(f"  data folder: {status.data_dir}")
    if status.running:
        typer.echo(f"  pid: {status.pid}")
        typer.echo(f"  url: {status.url}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL (its data stays; the next command starts it again)."""
    settings = _settings()
    if settings.database_url:
        raise ConfigError("PYERP_SYNC_DATABASE_URL is set: there is no embedded server to stop")
    stopped = database.stop_embedded(settings)
    typer.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


conflicts_app = typer.Typer(
    help="Rows changed both in pyERP and in 4D: list them (default) or resolve one.", invoke_without_command=True
)
app.add_typer(conflicts_app, name="conflicts")
override_app = typer.Typer(help="Pin a pyERP row or field so publish never overwrites it.", no_args_is_help=True)
app.add_typer(override_app, name="override")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EntityOption = Annotated[str | None, typer.Option("--entity", help="A pyERP table name, e.g. products_variantproduct.")]


def _connection(settings: Settings):
    """A connection to the sync's database with the bookkeeping schema in place."""
    from flows.history import ensure_bookkeeping

    conn = database.connect(database.ensure_database(settings))
    ensure_bookkeeping(conn)
    return conn


def _print_table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, justify="right" if header in NUMERIC_HEADERS else "left")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    Console().print(table)


NUMERIC_HEADERS = {
    "extracted",
    "rejected",
    "created",
    "updated",
    "unchanged",
    "deactivated",
    "conflicts",
    "seconds",
    "id",
    "pyERP id",
    "rows",
}


@app.command("history")
def history_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs, newest first.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Past runs with their per-entity figures (created, updated, unchanged, deactivated, conflicts …)."""
    from flows.history import list_runs, runs_as_json

    with contextlib.closing(_connection(_settings())) as conn:
        runs = list_runs(conn, limit)
    if as_json:
        typer.echo(runs_as_json(runs))
        return
    if not runs:
        typer.echo("no runs yet")
        return
    for run in runs:
        _print_run(run)


@app.command("status")
def status_command(as_json: JsonOption = False) -> None:
    """The last run, whether one is running now, and what waits for a person (open conflicts)."""
    from flows.conflicts import list_conflicts
    from flows.history import list_runs

    settings = _settings()
    with contextlib.closing(_connection(settings)) as conn:
        runs = list_runs(conn, 20)
        open_conflicts = len(list_conflicts(conn, limit=10_000))
    last = runs[0] if runs else None
    last_success = next((r for r in runs if r.status == "succeeded"), None)
    status = {
        "last_run": last.to_json() if last else None,
        "last_success_at": last_success.completed_at.isoformat()
        if last_success and last_success.completed_at
        else None,
        "running": any(r.status == "running" for r in runs),
        "open_conflicts": open_conflicts,
        "database": "configured" if settings.database_url else "embedded",
        "legacy_url": settings.legacy_url,
    }
    if as_json:
        typer.echo(json.dumps(status, indent=2, default=str))
        return
    if last is None:
        typer.echo("no runs yet")
    else:
        typer.echo(
            f"last run: {last.mode} {last.status} at {last.started_at:%Y-%m-%d %H:%M:%S}"
            + (f" — {last.error_class}: {last.error_message}" if last.error_class else "")
        )
    typer.echo(f"last success: {status['last_success_at'] or 'never'}")
    typer.echo(f"open conflicts: {open_conflicts}" + ("  (pyerp-sync conflicts)" if open_conflicts else ""))


@app.command("rejects")
def rejects_command(
    entity: EntityOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Rows the last run did not publish (errors) or published with a warning, each with its reason."""
    from flows.history import list_rejects

    if entity is not None:
        entity_named(entity)
    with contextlib.closing(_connection(_settings())) as conn:
        summary, rows = list_rejects(conn, entity, limit)
    if as_json:
        typer.echo(json.dumps({"summary": summary, "rows": rows}, indent=2, default=str))
        return
    if not summary:
        typer.echo("no rejected rows in the last run")
        return
    _print_table(
        "rejected rows of the last run, by reason",
        ["entity", "reason", "severity", "rows"],
        [[s["entity"], s["reason"], s["severity"], s["rows"]] for s in summary],
    )
    _print_table(
        f"first {limit}",
        ["entity", "legacy key", "reason", "severity", "details"],
        [[r["entity"], r["legacy_key"], r["reason"], r["severity"], r["details"]] for r in rows],
    )


@conflicts_app.callback()
def conflicts_command(
    ctx: typer.Context,
    entity: EntityOption = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Also list resolved conflicts.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List open conflicts (both versions of each differing column)."""
    if ctx.invoked_subcommand is not None:
        return
    from flows.conflicts import list_conflicts

    with contextlib.closing(_connection(_settings())) as conn:
        conflicts = list_conflicts(conn, entity, include_resolved)
    if as_json:
        typer.echo(json.dumps([c.to_json() for c in conflicts], indent=2, default=str))
        return
    if not conflicts:
        typer.echo("no open conflicts" if not include_resolved else "no conflicts")
        return
    _print_table(
        "conflicts (resolve with: pyerp-sync conflicts resolve ID --take source|target)",
        ["id", "entity", "pyERP id", "policy", "status", "column", "4D (source)", "pyERP (target)"],
        [
            [
                c.conflict_id,
                c.entity,
                c.target_id,
                c.policy,
                c.status + (f" → {c.resolution}" if c.resolution else ""),
                column,
                c.source_version.get(column),
                c.target_version.get(column),
            ]
            for c in conflicts
            for column in (c.differing_columns or ["(none)"])
        ],
    )


@conflicts_app.command("resolve")
def conflicts_resolve(
    conflict_id: Annotated[int, typer.Argument(help="The conflict's id, from `pyerp-sync conflicts`.")],
    take: Annotated[str, typer.Option("--take", help="source = the 4D version, target = keep pyERP's.")],
) -> None:
    """Apply a decision: write the 4D version or keep pyERP's; the choice becomes the new baseline."""
    from flows.conflicts import resolve_conflict

    if take not in ("source", "target"):
        raise typer.BadParameter("--take must be source or target")
    settings = _settings()
    with contextlib.closing(_connection(settings)) as conn:
        resolved = resolve_conflict(conn, settings.target_schema, conflict_id, take, resolved_by=_who())  # type: ignore[arg-type]
    typer.echo(f"conflict {resolved.conflict_id} ({resolved.entity} id {resolved.target_id}) resolved: took {take}")


def _who() -> str:
    import getpass

    return getpass.getuser()


@override_app.command("add")
def override_add(
    entity: Annotated[str, typer.Argument(help="The pyERP table, e.g. products_parentproduct.")],
    target_id: Annotated[int, typer.Argument(help="The pyERP row's id.")],
    column: Annotated[str | None, typer.Option("--column", help="Pin only this column (default: the row).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the next person.")] = "",
) -> None:
    """Pin a pyERP row, or one column of it: publish will not overwrite it."""
    from flows.conflicts import add_override

    settings = _settings()
    with contextlib.closing(_connection(settings)) as conn:
        pin = add_override(conn, settings.target_schema, entity, target_id, column, reason)
    typer.echo(f"override {pin.override_id}: {entity} id {target_id} {column or '(whole row)'} is pinned")


@override_app.command("list")
def override_list(entity: EntityOption = None, as_json: JsonOption = False) -> None:
    """The pins publish respects."""
    from flows.conflicts import list_overrides

    with contextlib.closing(_connection(_settings())) as conn:
        pins = list_overrides(conn, entity)
    if as_json:
        typer.echo(json.dumps([p.to_json() for p in pins], indent=2, default=str))
        return
    _print_table(
        "overrides",
        ["id", "entity", "pyERP id", "column", "reason", "since"],
        [
            [p.override_id, p.entity, p.target_id, p.column_name or "(row)", p.reason, f"{p.created_at:%Y-%m-%d}"]
            for p in pins
        ],
    )


@override_app.command("remove")
def override_remove(override_id: Annotated[int, typer.Argument(help="The override's id.")]) -> None:
    """Unpin: the next publish may write the row (or column) again."""
    from flows.conflicts import remove_override

    with contextlib.closing(_connection(_settings())) as conn:
        remove_override(conn, override_id)
    typer.echo(f"override {override_id} removed")


def _prepare_prefect(settings: Settings) -> None:
    """Prefect reads its settings when first imported: point it at the data folder, and keep it offline."""
    import os

    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)


OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Sync only this pyERP table (repeatable); what it depends on comes along."),
]


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
    settings = _settings()
    settings.require_legacy_url()
    for name in only or []:
        entity_named(name)
    _prepare_prefect(settings)
    from flows.sync import legacy_sync

    outcome = legacy_sync(full=full, only=only, dry_run=dry_run)
    from flows.history import list_runs

    with contextlib.closing(_connection(settings)) as conn:
        (run,) = [r for r in list_runs(conn, 5) if r.run_id == outcome["run_id"]]
    if as_json:
        typer.echo(json.dumps(run.to_json(), indent=2, default=str))
        return
    _print_run(run)


def _print_run(run) -> None:
    cause = f" — {run.error_class}: {run.error_message}" if run.error_class else ""
    seconds = f"{run.seconds:.1f} s" if run.seconds is not None else "running"
    dry = " (dry run: nothing written to pyERP)" if run.is_dry_run else ""
    _print_table(
        f"{run.started_at:%Y-%m-%d %H:%M:%S} {run.mode}{dry} {run.status} in {seconds}{cause}  [{run.run_id}]",
        ["entity", "extracted", "rejected", "created", "updated", "unchanged", "deactivated", "conflicts", "seconds"],
        [
            [
                e.entity,
                e.extracted,
                e.rejected,
                e.created,
                e.updated,
                e.unchanged,
                e.deactivated,
                e.conflicts,
                f"{e.seconds:.1f}",
            ]
            for e in run.entities
        ],
    )


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option("--port", help="Port of the Prefect server started when none is set.")] = 4200,
) -> None:
    """Run the schedules of prefect.yaml (incremental every 15 min, full nightly) on this machine until Ctrl-C.

    Uses the Prefect server of PREFECT_API_URL; when unset, starts one (SQLite under the data folder) first."""
    import os

    settings = _settings()
    settings.require_legacy_url()
    database.ensure_database(settings)
    _prepare_prefect(settings)
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
    settings = _settings()
    legacy_url = settings.require_legacy_url()
    url = database.ensure_database(settings)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from extract.pipeline import run_extract

    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        tasks: dict[str, object] = {}

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
    _print_table(
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


EXPECTED_ERRORS += (ExtractError,)


@app.command(
    "emulator",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def emulator_command(ctx: typer.Context) -> None:
    """Serve the bundled 4D emulator: pyerp-sync emulator --port 8080 --scale 1 --seed 42 (--help for options)."""
    import emulator

    code = emulator.main(list(ctx.args))
    if code:
        raise typer.Exit(code)


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
    from flows.publish import publish
    from flows.target import ensure_target_tables, require_target_shape

    settings = _settings()
    entities = with_dependencies(set(only)) if only else ENTITIES
    require_passing_build()
    with contextlib.closing(_connection(settings)) as conn:
        ensure_target_tables(conn, settings.target_schema)
        require_target_shape(conn, settings.target_schema)
        run_id = start_run(conn, "publish", only, dry_run)

        def record(cur, figures) -> None:
            record_entities(
                cur,
                run_id,
                [
                    EntityRecord(
                        entity=t,
                        created=f.created,
                        updated=f.updated,
                        unchanged=f.unchanged,
                        deactivated=f.deactivated,
                        deleted_reported=f.deleted_reported,
                        conflicts=f.conflicts,
                        seconds=f.seconds,
                    )
                    for t, f in figures.items()
                ],
            )

        try:
            figures = publish(conn, settings.target_schema, entities, run_id, dry_run=dry_run, before_commit=record)
        except Exception as exc:
            finish_run(conn, run_id, "publish_failed", str(exc).splitlines()[0] if str(exc) else repr(exc), "publish")
            raise
        finish_run(conn, run_id)
    if as_json:
        typer.echo(json.dumps({t: vars(f) for t, f in figures.items()}, indent=2, default=str))
        return
    title = "publish --dry-run: what would change (nothing was written)" if dry_run else "published"
    _print_table(
        title,
        ["entity", "created", "updated", "unchanged", "deactivated", "conflicts"],
        [[t, f.created, f.updated, f.unchanged, f.deactivated, f.conflicts] for t, f in figures.items()],
    )
    if dry_run:
        for table, fig in figures.items():
            for sample in fig.samples:
                changes = "; ".join(f"{c}: {old!r} → {new!r}" for c, (old, new) in list(sample["changes"].items())[:6])
                typer.echo(f"  {table} {sample['action']} id={sample['target_id']}: {changes}")


@app.command("docs")
def docs_command(
    port: Annotated[int, typer.Option("--port", help="Port to serve the lineage site on.")] = 8081,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve it after generating.")] = True,
) -> None:
    """Generate dbt's lineage and column docs as one static page, and serve it."""
    settings = _settings()
    url = database.ensure_database(settings)
    from flows.dbt import invoke_dbt
    from flows.settings import DBT_PROJECT_DIR

    result = invoke_dbt(["docs", "generate", "--static"], database.tool_environment(url, settings))
    if not result.success:
        raise DbtFailed("dbt docs generate failed (see dbt's output above)")
    page = DBT_PROJECT_DIR / "target" / "static_index.html"
    typer.echo(f"lineage site: {page}")
    if serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(page.parent))
        with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
            typer.echo(f"serving on http://127.0.0.1:{port}/static_index.html  (Ctrl-C to stop)")
            server.serve_forever()


@app.command("reconcile")
def reconcile_command(entity: EntityOption = None, as_json: JsonOption = False) -> None:
    """Compare each pyERP table with its 4D source (counts and key sets over the REST API)."""
    from flows.reconcile import DERIVED, KEY_MAPS, reconcile

    settings = _settings()
    settings.require_legacy_url()
    entities = [entity_named(entity).table] if entity else list(KEY_MAPS)
    with contextlib.closing(_connection(settings)) as conn:
        results = reconcile(conn, settings, entities)
    if as_json:
        typer.echo(json.dumps([{**vars(r), "matches": r.matches} for r in results], indent=2))
    else:
        _print_table(
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

    settings = _settings()
    started = time.monotonic()

    def say(message: str) -> None:
        typer.echo(f"[{time.monotonic() - started:6.1f} s] {message}")

    def run_step(demo_settings: Settings, full: bool) -> dict[str, object]:
        _prepare_prefect(demo_settings)
        from flows.sync import legacy_sync

        return legacy_sync(full=full)

    demo_settings, run_ids = run_demo(settings, database_url, scale, seed, percent, say, run_step)
    with contextlib.closing(_connection(demo_settings)) as conn:
        runs = {r.run_id: r for r in list_runs(conn, 10)}
    full, incremental = runs[run_ids[0]], runs[run_ids[1]]
    by_entity = {e.entity: e for e in incremental.entities}
    _print_table(
        f"demo summary (scale {scale:g}): full sync {full.seconds:.1f} s, incremental after {percent:g} % changes "
        f"{incremental.seconds:.1f} s",
        [
            "entity",
            "4D rows",
            "published",
            "rejected",
            "incr. created",
            "incr. updated",
            "incr. deactivated",
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
                by_entity[e.entity].deactivated,
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


class DbtFailed(Exception):
    """A dbt command failed; dbt has already printed the details."""


EXPECTED_ERRORS += (
    DbtFailed,
    PrefectServerError,
    ConflictError,
    PublishError,
    TargetShapeError,
    UnknownEntity,
    SyncFailed,
)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: expected failures become one line on stderr and a non-zero exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("pyerp-sync: interrupted", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors: typer prints them with the command's usage line
        exc.show()
        return exc.exit_code
    except EXPECTED_ERRORS as exc:
        typer.echo(f"pyerp-sync: error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("pyerp-sync: interrupted", err=True)
        return 130
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
