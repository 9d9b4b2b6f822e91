"""The ``target`` commands: check pyERP's tables against what the sync writes, or create the missing ones."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated

import typer

from flows import database
from flows.cli.common import JsonOption, app, current_settings, print_table

target_app = typer.Typer(
    help="pyERP's tables: compare them with what the sync writes (check), or create the missing ones (create).",
    no_args_is_help=True,
)
app.add_typer(target_app, name="target")

CHECK_HELP = (
    "List every difference between pyERP's tables and the shipped DDL, each breaking or compatible.\n\n"
    "Breaking: a write would fail (a missing table or written column, a narrower type, a NOT NULL column publish "
    "does not fill). Compatible: the rest (extra nullable columns, indexes and constraints, serial ids, wider "
    "types, any type on a column publish never writes). Exits 1 when any difference is breaking: a run would then "
    "refuse to start. Changes nothing."
)
CREATE_HELP = (
    "Create pyERP's missing tables from the shipped DDL (pyERP's own schema) in PYERP_SYNC_TARGET_SCHEMA.\n\n"
    "Tables that exist are never touched. Meant for a database whose pyERP tables Django's migrations do not "
    "manage (a test or staging copy); where Django manages the schema, let `migrate` create them instead."
)
CheckOnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Check only this pyERP table (repeatable) and the tables it references."),
]


@target_app.command("check", help=CHECK_HELP)
def check_command(only: CheckOnlyOption = None, as_json: JsonOption = False) -> None:
    """Classify every difference of pyERP's tables from the shipped DDL (see CHECK_HELP)."""
    from flows.entities import ENTITIES, with_dependencies
    from flows.target import check_target_shape, sync_owns

    settings = current_settings()
    entities = with_dependencies(set(only)) if only else ENTITIES
    url = database.ensure_database(settings)
    with contextlib.closing(database.connect(url)) as conn:
        owned = sync_owns(conn, settings)
        differences = check_target_shape(conn, settings.target_schema, entities, creates_missing_tables=owned)
    breaking = [d for d in differences if d.breaking]
    if as_json:
        document = {
            "schema": settings.target_schema,
            "database_owned_by_sync": owned,
            "tables": [e.table for e in entities],
            "breaking": len(breaking),
            "compatible": len(differences) - len(breaking),
            "differences": [d.to_json() for d in differences],
        }
        typer.echo(json.dumps(document, indent=2))
    elif differences:
        print_table(
            f"pyERP schema {settings.target_schema!r} against the shipped DDL: {len(breaking)} breaking, "
            f"{len(differences) - len(breaking)} compatible difference(s) in {len(entities)} table(s)",
            ["class", "table", "kind", "name", "found", "needed", "why"],
            [[d.classification, d.table, d.kind, d.name, d.found, d.needed, d.reason] for d in differences],
        )
    else:
        typer.echo(f"pyERP schema {settings.target_schema!r}: its {len(entities)} table(s) are the shipped DDL's")
    if breaking:
        typer.echo(
            f"pyerp-sync: target check: {len(breaking)} breaking difference(s); a run would refuse to start", err=True
        )
        raise typer.Exit(1)


@target_app.command("create", help=CREATE_HELP)
def create_command() -> None:
    """Create the missing target tables, explicitly, wherever the settings point (see CREATE_HELP)."""
    from flows.target import TARGET_TABLES, ensure_target_tables

    settings = current_settings()
    url = database.ensure_database(settings)
    with contextlib.closing(database.connect(url)) as conn:
        created = ensure_target_tables(conn, settings.target_schema)
    if created:
        typer.echo(f"created {len(created)} table(s) in schema {settings.target_schema!r}: {', '.join(created)}")
    else:
        typer.echo(f"all {len(TARGET_TABLES)} pyERP tables exist in schema {settings.target_schema!r}; nothing created")
