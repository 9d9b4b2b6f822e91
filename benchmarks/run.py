"""`pyerp-sync bench`: full → 1 % mutation → incremental → no-change incremental, then the baselines, one table.

Its own database (``pyerp_sync_bench`` and three scratch ones, on the server of PYERP_SYNC_DATABASE_URL if set,
else the embedded server under ``$PYERP_SYNC_HOME/bench/``), its own home folder, the 4D emulator in a separate
process. The sync steps run through ``run_sync`` (Prefect tasks outside a flow: no server needed); after them, the
no-change run twice more in processes of their own (``served.py``): a served deployment triggered through a local
Prefect server, as the schedule runs it, and a cold ``pyerp-sync run``.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from benchmarks import baselines, report, served, workspace
from flows import database
from flows.settings import Settings

if TYPE_CHECKING:
    from extract.pipeline import ExtractResult

BENCH_DATABASE = "pyerp_sync_bench"
SCRATCH = ("copy", "landing", "dicts")


def run_bench(settings: Settings, scale: float, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    home = settings.home / "bench"
    workspace.prepare_home(home)
    admin_url = workspace.admin_url(settings, home, say)
    if settings.database_url:
        say(f"server of PYERP_SYNC_DATABASE_URL; database {BENCH_DATABASE} (recreated)")
    names = [BENCH_DATABASE, *(f"{BENCH_DATABASE}_{s}" for s in SCRATCH)]
    workspace.recreate(admin_url, names)
    url = workspace.database_url(admin_url, BENCH_DATABASE)
    scratch = {s: workspace.database_url(admin_url, f"{BENCH_DATABASE}_{s}") for s in SCRATCH}
    database.check_database(url)

    from flows import demo

    say(f"generating the 4D dataset (scale {scale:g}, seed {seed}) in the emulator's own process")
    try:
        with demo.emulator_process(scale, seed, home / "emulator.log") as emulator_url:
            figures = _measure(settings, home, url, scratch, emulator_url, say)
    finally:
        workspace.drop(admin_url, names[1:])
    figures["scale"] = scale
    return figures


def _measure(
    settings: Settings, home: Path, url: str, scratch: dict[str, str], emulator_url: str, say: Callable[[str], None]
) -> dict[str, Any]:
    from benchmarks import landing as bench
    from flows import demo, sync

    bench_settings = demo.against_emulator(settings, url, home, emulator_url)
    runs: dict[str, dict[str, Any]] = {}
    workspace.emulator_log(emulator_url, clear=True)
    for name, full in (("full", True), ("incremental", False), ("noop", False)):
        if name == "incremental":
            changes = demo.mutate(emulator_url, 1.0)
            say(f"1 % mutation in 4D: {demo._describe_changes(changes)}")
            workspace.emulator_log(emulator_url, clear=True)
        say(f"{name} sync …")
        started = time.perf_counter()
        sync_report = sync.legacy_sync(full=full, settings=bench_settings)
        wall = time.perf_counter() - started
        extracted = cast("ExtractResult", sync_report.extracted)  # a run that succeeded has extracted
        log = workspace.emulator_log(emulator_url, clear=True)
        steps = workspace.step_seconds(url, sync_report.run_id)
        published = sum(e.created + e.updated + e.deactivated for e in sync_report.entities)
        runs[name] = {
            "run_id": sync_report.run_id,
            "seconds": wall,
            "steps": steps,
            "rows_extracted": extracted.rows_extracted,
            "rows_published": published,
            "skipped_dbt": sync_report.skipped_dbt,
            **log,
        }
        say(
            f"{name} sync: {wall:.1f} s (extract {steps['extract']:.1f}, dbt {steps['dbt']:.1f}, publish "
            f"{steps['publish']:.1f}); {extracted.rows_extracted:,} rows extracted, {published:,} published, "
            f"{log['requests']} 4D requests, {log['sessions_opened']} session(s) opened"
        )
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the syncs only: baselines come after

    # The same no-change run twice more, in processes of their own: as the schedule runs it, and as a person does.
    say("no-change sync as the schedule runs it: a Prefect server, the incremental deployment served, one run …")
    served_noop = served.served_noop(bench_settings, home / "served", emulator_url, say)
    say("no-change sync as a person starts it: `python -m flows.cli run` in a fresh process …")
    cold_noop = served.cold_cli_noop(bench_settings, home / "served", emulator_url, say)

    say(
        "publish baseline: a plain-SQL MERGE per entity of the same mart rows into pyERP's tables, emptied, rolled back"
    )
    merge, merge_failures = baselines.bulk_merge(url, settings.target_schema)
    for failure in merge_failures:
        say(f"  MERGE failed for {failure}")

    say("fetching every table once more over HTTP for the landing baselines (rows kept in memory)")
    pages, attributes, fetch_seconds = bench.fetch(emulator_url, home / "scratch" / "4d-session.json")
    rows = sum(len(p) for table_pages in pages.values() for p in table_pages)
    say(f"fetched {rows:,} rows in {fetch_seconds:.1f} s; COPY limit …")
    copy_total, copy_only = baselines.copy_limit(scratch["copy"], pages, attributes)
    say(f"COPY: {copy_total.seconds:.1f} s; our landing path on the same rows …")
    landing = baselines.landing(scratch["landing"], home / "scratch" / "landing", pages, attributes)
    say(f"landing: {landing.seconds:.1f} s; dlt default (dicts, insert_values) …")
    dicts = baselines.dlt_default(scratch["dicts"], home / "scratch" / "dicts", pages, attributes)
    say(f"dlt default: {dicts.seconds:.1f} s; row-by-row …")
    row_by_row = baselines.row_by_row(scratch["copy"], pages, attributes)
    say(f"row-by-row: {row_by_row.rows:,} rows in {row_by_row.seconds:.1f} s {row_by_row.note}")

    return report.figures(
        runs=runs,
        rows_fetched=rows,
        fetch_seconds=fetch_seconds,
        copy_total=copy_total,
        copy_only=copy_only,
        landing=landing,
        dicts=dicts,
        row_by_row=row_by_row,
        merge=merge,
        merge_failures=merge_failures,
        peak_rss_mb=peak_rss_mb,
        served_noop=served_noop,
        cold_noop=cold_noop,
    )
