"""The benchmark commands of ``pyerp-sync``: ``bench`` and ``soak``.

They belong to the benchmarks, not to the sync: ``flows`` never imports this package. The CLI finds them through the
entry-point group ``pyerp_sync.commands`` (pyproject.toml), which calls ``register`` with its Typer app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import current_settings, prepare_prefect
from flows.settings import Settings


def register(app: typer.Typer) -> None:
    """Add ``bench`` and ``soak`` to the ``pyerp-sync`` app."""
    app.command("bench")(bench_command)
    app.command("soak", help=SOAK_HELP)(soak_command)


def _progress() -> Callable[[str], None]:
    """A printer of progress lines, each with the seconds since the command started."""
    started = time.monotonic()

    def say(message: str) -> None:
        typer.echo(f"[{time.monotonic() - started:6.1f} s] {message}")

    return say


def _prepared_settings() -> Settings:
    """The settings of the environment, with Prefect set up as for every command that runs the sync."""
    settings = current_settings()
    prepare_prefect(settings)
    return settings


def bench_command(
    scale: Annotated[float, typer.Option("--scale", min=0.001, help="Emulator data volume (1 ≈ real).")] = 1.0,
    json_path: Annotated[str | None, typer.Option("--json", help="Also write the figures to this JSON file.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated 4D data.")] = 42,
) -> None:
    """Benchmark: full, 1 % incremental and no-change syncs against COPY, row-by-row, dlt default and MERGE."""
    from benchmarks import report  # loads the sync (Prefect, dbt): only when the command runs
    from benchmarks.run import run_bench

    say = _progress()
    figures = run_bench(_prepared_settings(), scale, seed, say)
    report.print_table(figures, typer.echo)
    if json_path:
        report.write_json(figures, Path(json_path))
        typer.echo(f"figures written to {json_path}")


SOAK_HELP = (
    "Soak: many incremental runs against a faulty 4D, then proof that nothing was lost, doubled or let in.\n\n"
    "The emulator at --scale in its own process, a scratch database (on PYERP_SYNC_DATABASE_URL's server if set, "
    "else an embedded one under $PYERP_SYNC_HOME/soak), a full sync, then --cycles times: 1 % business changes in "
    "4D, faults on (5 % HTTP 503, 5 % connections cut mid-answer, 2 s latency on 2 % of the requests), an "
    "incremental sync (a failed run is recorded; the next cycle's run is its retry, as on the schedule), faults "
    "off. Then one more incremental run without faults, an uninterrupted full sync of the final 4D data into a "
    "second scratch database, and every pyERP table of both compared in SQL (ids and publish timestamps aside, "
    "foreign keys by natural key; rows deleted in 4D, which pyERP keeps deactivated or reported, counted apart)."
    "\n\nPrints each run (changes, outcome, seconds, 4D requests, sessions) and a table per pyERP table; exits 1 "
    "when any table differs or the last run failed. A scale-1 soak of 5 cycles takes several minutes."
)


def soak_command(
    scale: Annotated[float, typer.Option("--scale", min=0.001, help="Emulator data volume (1 ≈ real).")] = 1.0,
    cycles: Annotated[
        int, typer.Option("--cycles", min=0, help="Cycles of 1 % changes in 4D + an incremental run under faults.")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated 4D data (and of its changes).")] = 42,
    json_path: Annotated[str | None, typer.Option("--json", help="Also write the figures to this JSON file.")] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep both scratch databases for inspection (printed at the end).")
    ] = False,
) -> None:
    """Soak under 4D faults, then proof that nothing was lost, doubled or let in (see SOAK_HELP)."""
    from benchmarks import soak  # loads the sync (Prefect, dbt): only when the command runs

    say = _progress()
    try:
        figures = soak.run_soak(_prepared_settings(), scale, cycles, seed, say, keep=keep)
    except soak.SoakError as exc:
        typer.echo(f"pyerp-sync: soak: {exc}", err=True)
        raise typer.Exit(1) from None
    soak.print_summary(figures, typer.echo)
    if json_path:
        soak.write_json(figures, Path(json_path))
        typer.echo(f"figures written to {json_path}")
    if not figures["converged"]:
        differing = figures["differing_tables"]
        cause = f"{len(differing)} table(s) differ: {', '.join(differing)}" if differing else "the last run failed"
        typer.echo(f"pyerp-sync: soak: not converged: {cause}", err=True)
        raise typer.Exit(1)
