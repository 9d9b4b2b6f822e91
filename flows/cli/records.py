"""The bookkeeping commands: history, status, rejects, conflicts, override."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, TypedDict

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


class _RejectFilters(TypedDict):
    """The filters and paging ``rejects`` passes to both of its listings."""

    entity: str | None
    reason: str | None
    severity: str | None
    limit: int
    offset: int


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
    """The last run, whether one is running now, and what waits for a person (open conflicts and rejects)."""
    from flows.conflicts import list_conflicts
    from flows.history import list_runs
    from flows.rejects import open_reject_counts

    settings = current_settings()
    with contextlib.closing(bookkeeping_connection(settings)) as conn:
        runs = list_runs(conn, 20)
        open_conflicts = len(list_conflicts(conn, limit=10_000))
        open_rejects = open_reject_counts(conn)
    last = runs[0] if runs else None
    last_success = next((r for r in runs if r.status == "succeeded"), None)
    status = {
        "last_run": last.to_json() if last else None,
        "last_success_at": last_success.completed_at.isoformat()
        if last_success and last_success.completed_at
        else None,
        "running": any(r.status == "running" for r in runs),
        "open_conflicts": open_conflicts,
        "open_rejects": sum(open_rejects.values()),
        "open_rejects_by_severity": open_rejects,
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
    errors, warnings = open_rejects["error"], open_rejects["warning"]
    typer.echo(
        f"open rejects: {errors + warnings} ({errors} not published, {warnings} published with a warning)"
        + ("  (pyerp-sync rejects)" if errors + warnings else "")
    )


@app.command("rejects")
def rejects_command(
    entity: EntityOption = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Only this reason, e.g. empty_name.")] = None,
    severity: Annotated[
        str | None, typer.Option("--severity", help="error (not published) or warning (published, flagged).")
    ] = None,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Also list resolved rejects (rows a later run published).")
    ] = False,
    run_id: Annotated[
        str | None, typer.Option("--run", help="What one run rejected (its copy), instead of the current state.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many rows first (paging).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Rows not published (errors) or published with a flaw (warnings): the open ones, newest first, each with its
    reason, what exactly failed, and its business key beside the 4D key. Resolved when a later run publishes the
    row; --all lists those too, --run RUN_ID what one run rejected."""
    import uuid

    from flows.rejects import SEVERITIES, format_details, list_reject_state, list_run_rejects, run_exists

    if entity is not None:
        entity_named(entity)
    if severity is not None and severity not in SEVERITIES:
        raise typer.BadParameter("must be error or warning", param_hint="--severity")
    if run_id is not None:
        if include_resolved:
            raise typer.BadParameter("--all lists the current state; a run's copy has no resolved rows")
        try:
            run_id = str(uuid.UUID(run_id))
        except ValueError:
            message = f"{run_id!r} is not a run id (see pyerp-sync history)"
            raise typer.BadParameter(message, param_hint="--run") from None
    filters: _RejectFilters = {
        "entity": entity,
        "reason": reason,
        "severity": severity,
        "limit": limit,
        "offset": offset,
    }
    with contextlib.closing(bookkeeping_connection(current_settings())) as conn:
        if run_id is not None:
            if not run_exists(conn, run_id):
                typer.echo(f"pyerp-sync: error: no run {run_id} in the history", err=True)
                raise typer.Exit(1)
            page = list_run_rejects(conn, run_id, **filters)
        else:
            page = list_reject_state(conn, include_resolved=include_resolved, **filters)
    what = "rejects of run " + run_id if run_id else ("rejects" if include_resolved else "open rejects")
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "run_id": run_id,
                    "include_resolved": include_resolved,
                    "total": page.total,
                    "offset": offset,
                    "limit": limit,
                    "next_offset": page.next_offset,
                    "summary": page.summary,
                    "rows": [r.to_json(state=run_id is None) for r in page.rows],
                },
                indent=2,
                default=str,
            )
        )
        return
    if not page.total:
        typer.echo(f"no {what}" + (" matching the filters" if entity or reason or severity else ""))
        return
    print_table(
        f"{what}, by reason",
        ["entity", "reason", "severity", "rows"],
        [[s["entity"], s["reason"], s["severity"], s["rows"]] for s in page.summary],
    )
    if run_id is not None:
        headers = ["entity", "4D key", "business key", "reason", "severity", "details"]
        rows = [
            [r.entity, r.legacy_key, r.business_key, r.reason, r.severity, format_details(r.details)] for r in page.rows
        ]
    else:
        headers = ["entity", "4D key", "business key", "reason", "severity", "first seen", "last seen"]
        headers += ["resolved", "details"] if include_resolved else ["details"]
        rows = [
            [
                r.entity,
                r.legacy_key,
                r.business_key,
                r.reason,
                r.severity,
                f"{r.first_seen_at:%Y-%m-%d %H:%M}",
                f"{r.last_seen_at:%Y-%m-%d %H:%M}",
            ]
            + ([f"{r.resolved_at:%Y-%m-%d %H:%M}" if r.resolved_at else "open"] if include_resolved else [])
            + [format_details(r.details)]
            for r in page.rows
        ]
    if rows:
        print_table(what + ("" if run_id else ", newest first"), headers, rows)
    typer.echo(rejects_footer(what, page.total, offset, len(page.rows), page.next_offset))


def rejects_footer(what: str, total: int, offset: int, shown: int, next_offset: int | None) -> str:
    """``showing 50 of 230 open rejects; --offset 50 for more``; ``230 open rejects`` when all are shown."""
    if offset == 0 and next_offset is None:
        return f"{total} {what}"
    if shown == 0:
        return f"none of {total} {what} at --offset {offset}"
    window = f"{shown}" if offset == 0 else f"{offset + 1}–{offset + shown}"
    more = f"; --offset {next_offset} for more" if next_offset is not None else ""
    return f"showing {window} of {total} {what}{more}"


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
