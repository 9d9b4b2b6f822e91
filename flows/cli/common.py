"""What the CLI's commands share: the Typer apps, options, connection and table printing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from flows import database
from flows.errors import SyncError
from flows.settings import Settings, load_settings

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


def current_settings() -> Settings:
    return load_settings()


conflicts_app = typer.Typer(
    help="Rows changed both in pyERP and in 4D: list them (default) or resolve one.", invoke_without_command=True
)
app.add_typer(conflicts_app, name="conflicts")
override_app = typer.Typer(help="Pin a pyERP row or field so publish never overwrites it.", no_args_is_help=True)
app.add_typer(override_app, name="override")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EntityOption = Annotated[str | None, typer.Option("--entity", help="A pyERP table name, e.g. products_variantproduct.")]


def bookkeeping_connection(settings: Settings):
    """A connection to the sync's database with the bookkeeping schema in place."""
    from flows.history import ensure_bookkeeping

    conn = database.connect(database.ensure_database(settings))
    ensure_bookkeeping(conn)
    return conn


def print_table(title: str, headers: list[str], rows: Sequence[Sequence[object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, justify="right" if header in NUMERIC_HEADERS else "left")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console = Console()
    if not console.is_terminal:  # piped or captured: don't squeeze the table into 80 columns
        console = Console(width=200)
    console.print(table)


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


def prepare_prefect(settings: Settings, quiet: bool = True) -> None:
    """Prefect reads its settings when first imported: point it at the data folder, and keep it offline.

    ``quiet`` (runs from the terminal): this command prints the outcome itself, one line for a failure, so
    Prefect's own failure logs (with tracebacks) stay out of the terminal; the run history keeps the cause."""
    import os

    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL" if quiet else "WARNING")
    # The temporary local API a command starts when no server is set: Prefect waits 20 s for it by default, which
    # a busy 2-core machine misses (seen: "Timed out while attempting to connect to ephemeral Prefect API server").
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)


OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Sync only this pyERP table (repeatable); what it depends on comes along."),
]


def print_run(run) -> None:
    cause = f" — {run.error_class}: {run.error_message}" if run.error_class else ""
    seconds = f"{run.seconds:.1f} s" if run.seconds is not None else "running"
    dry = " (dry run: nothing written to pyERP)" if run.is_dry_run else ""
    steps = " · ".join(f"{step} {sec:.1f} s" for step, sec in run.step_seconds.items() if sec is not None)
    steps = f" ({steps})" if steps else ""
    print_table(
        f"{run.started_at:%Y-%m-%d %H:%M:%S} {run.mode}{dry} {run.status} in {seconds}{steps}{cause}  [{run.run_id}]",
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


class DbtFailed(SyncError):
    """A dbt command failed; dbt has already printed the details."""
