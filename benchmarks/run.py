"""`pyerp-sync bench`: full → 1 % mutation → incremental → no-change incremental, then the baselines, one table.

Its own database (``pyerp_sync_bench`` and three scratch ones, on the server of PYERP_SYNC_DATABASE_URL if set,
else the embedded server under ``$PYERP_SYNC_HOME/bench/``), its own home folder, the 4D emulator in a separate
process. The sync steps run through ``run_sync`` (Prefect tasks outside a flow: no server needed).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import requests

from benchmarks import baselines, report
from flows import database
from flows.database import ConnectionParts
from flows.settings import Settings

BENCH_DATABASE = "pyerp_sync_bench"
SCRATCH = ("copy", "landing", "dicts")


def _recreate(admin_url: str, names: list[str]) -> None:
    conn = database.connect(admin_url)
    conn.autocommit = True
    with contextlib.closing(conn), conn.cursor() as cur:
        for name in names:
            cur.execute(f'drop database if exists "{name}" with (force)')
            cur.execute(f'create database "{name}"')


def _drop(admin_url: str, names: list[str]) -> None:
    conn = database.connect(admin_url)
    conn.autocommit = True
    with contextlib.closing(conn), conn.cursor() as cur:
        for name in names:
            cur.execute(f'drop database if exists "{name}" with (force)')


def _log(emulator_url: str, clear: bool = False) -> dict[str, int]:
    """4D requests and sessions in the emulator's log since it was last cleared (then clear it when asked)."""
    records = requests.get(f"{emulator_url}/_admin/log", timeout=60).json()
    rest = [r for r in records if str(r.get("path", "")).startswith("/rest")]
    figures = {
        "requests": len(rest),
        "sessions_opened": sum(bool(r.get("session_opened")) for r in rest),
        "sessions_used": len({r.get("session_id") for r in rest if r.get("session_id")}),
        "rows_sent": sum(int(r.get("rows_sent") or 0) for r in rest),
    }
    if clear:
        requests.delete(f"{emulator_url}/_admin/log", timeout=60).raise_for_status()
    return figures


def _step_seconds(url: str, run_id: str) -> dict[str, float]:
    conn = database.connect(url)
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute(
            "select coalesce(extract_seconds, 0), coalesce(dbt_seconds, 0), coalesce(publish_seconds, 0) "
            "from pyerp_sync.runs where run_id = %s",
            (run_id,),
        )
        extract, dbt, publish = cur.fetchone()
    return {"extract": float(extract), "dbt": float(dbt), "publish": float(publish)}


def run_bench(settings: Settings, scale: float, seed: int, say: Callable[[str], None]) -> dict[str, object]:
    home = settings.home / "bench"
    shutil.rmtree(home / "dlt", ignore_errors=True)
    shutil.rmtree(home / "scratch", ignore_errors=True)
    (home / "4d-session.json").unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    for key, value in {
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }.items():
        os.environ[key] = value
    (home / "prefect").mkdir(exist_ok=True)

    if settings.database_url:
        admin_url = settings.database_url
        say(f"server of PYERP_SYNC_DATABASE_URL; database {BENCH_DATABASE} (recreated)")
    else:
        say(f"starting the embedded PostgreSQL under {home / 'postgres'}")
        admin_url = database.start_embedded(replace(settings, home=home))
    parts = ConnectionParts.from_url(admin_url)
    names = [BENCH_DATABASE, *(f"{BENCH_DATABASE}_{s}" for s in SCRATCH)]
    _recreate(admin_url, names)
    url = parts.to_url(dbname=BENCH_DATABASE)
    scratch = {s: parts.to_url(dbname=f"{BENCH_DATABASE}_{s}") for s in SCRATCH}
    database.check_database(url)

    from flows import demo

    say(f"generating the 4D dataset (scale {scale:g}, seed {seed}) in the emulator's own process")
    try:
        with demo.emulator_process(scale, seed, home / "emulator.log") as emulator_url:
            figures = _measure(settings, home, url, scratch, emulator_url, say)
    finally:
        _drop(admin_url, names[1:])
    figures["scale"] = scale
    return figures


def _measure(
    settings: Settings, home: Path, url: str, scratch: dict[str, str], emulator_url: str, say: Callable[[str], None]
) -> dict[str, object]:
    from extract import bench
    from flows import demo, sync

    bench_settings = replace(
        settings,
        database_url=url,
        home=home,
        legacy_url=emulator_url,
        legacy_username=None,
        legacy_password=None,
        alert_webhook=None,
    )
    captured: list[object] = []
    original = sync.run_extract

    def capturing(*args, **kwargs):
        result = original(*args, **kwargs)
        captured.append(result)
        return result

    sync.run_extract = capturing
    runs: dict[str, dict[str, object]] = {}
    try:
        _log(emulator_url, clear=True)
        for name, full in (("full", True), ("incremental", False), ("noop", False)):
            if name == "incremental":
                changes = demo.mutate(emulator_url, 1.0)
                say(f"1 % mutation in 4D: {demo._describe_changes(changes)}")
                _log(emulator_url, clear=True)
            say(f"{name} sync …")
            started = time.perf_counter()
            sync_report = sync.run_sync(bench_settings, url, full=full)
            wall = time.perf_counter() - started
            extracted = captured[-1]
            log = _log(emulator_url, clear=True)
            steps = _step_seconds(url, sync_report.run_id)
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
    finally:
        sync.run_extract = original
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the syncs only: baselines come after

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
    )
