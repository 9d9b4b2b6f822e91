"""The bookkeeping commands: history, status, rejects, conflicts, override."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated

import typer

from flows.cli.common import (
    EntityOption,
    JsonOption,
    app,
    bookkeeping_connection,
    conflicts_app,
    current_settings,
    override_app,
    print_run,
    print_table,
)
from flows.entities import entity as entity_named


@app.command("history")
def history_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs, newest first.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Past runs with their per-entity figures (created, updated, unchanged, deactivated, conflicts …)."""
    from flows.history import list_runs, runs_as_json

    with contextlib.closing(bookkeeping_connection(current_settings())) as conn:
        runs = list_runs(conn, limit)
    if as_json:
        typer.echo(runs_as_json(runs))
        return
    if not runs:
        typer.echo("no runs yet")
        return
    for run in runs:
        print_run(run)


@app.command("status")
def status_command(as_json: JsonOption = False) -> None:
    """The last run, whether one is running now, and what waits for a person (open conflicts)."""
    from flows.conflicts import list_conflicts
    from flows.history import list_runs

    settings = current_settings()
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
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
    with contextlib.closing(bookkeeping_connection(current_settings())) as conn:
        summary, rows = list_rejects(conn, entity, limit)
    if as_json:
        typer.echo(json.dumps({"summary": summary, "rows": rows}, indent=2, default=str))
        return
    if not summary:
        typer.echo("no rejected rows in the last run")
        return
    print_table(
        "rejected rows of the last run, by reason",
        ["entity", "reason", "severity", "rows"],
        [[s["entity"], s["reason"], s["severity"], s["rows"]] for s in summary],
    )
    print_table(
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

    with contextlib.closing(bookkeeping_connection(current_settings())) as conn:
        conflicts = list_conflicts(conn, entity, include_resolved)
    if as_json:
        typer.echo(json.dumps([c.to_json() for c in conflicts], indent=2, default=str))
        return
    if not conflicts:
        typer.echo("no open conflicts" if not include_resolved else "no conflicts")
        return
    print_table(
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
    settings = current_settings()
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
        resolved = resolve_conflict(conn, settings.target_schema, conflict_id, take, resolved_by=current_user())  # type: ignore[arg-type]
    typer.echo(f"conflict {resolved.conflict_id} ({resolved.entity} id {resolved.target_id}) resolved: took {take}")


def current_user() -> str:
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

    settings = current_settings()
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
        pin = add_override(conn, settings.target_schema, entity, target_id, column, reason)
    typer.echo(f"override {pin.override_id}: {entity} id {target_id} {column or '(whole row)'} is pinned")


@override_app.command("list")
def override_list(entity: EntityOption = None, as_json: JsonOption = False) -> None:
    """The pins publish respects."""
    from flows.conflicts import list_overrides

    with contextlib.closing(bookkeeping_connection(current_settings())) as conn:
        pins = list_overrides(conn, entity)
    if as_json:
        typer.echo(json.dumps([p.to_json() for p in pins], indent=2, default=str))
        return
    print_table(
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

    with contextlib.closing(bookkeeping_connection(current_settings())) as conn:
        remove_override(conn, override_id)
    typer.echo(f"override {override_id} removed")
