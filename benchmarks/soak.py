"""`pyerp-sync soak`: many incremental runs against a faulty 4D, then proof that nothing was lost, doubled or let in.

The emulator at the given scale in its own process; a scratch database (on the server of PYERP_SYNC_DATABASE_URL if
set, else the embedded server under ``$PYERP_SYNC_HOME/soak/``); a full sync; then each cycle: 1 % business
activity in 4D (``flows.demo.mutate``), faults switched on through the emulator's admin API (5 % 503 answers, 5 %
connections cut mid-answer, 2 s latency on 2 % of the requests), one incremental sync (a run that fails is recorded,
and the next cycle's run is its retry, as on the schedule), faults off. At the end one more incremental run without
faults, then the check: an uninterrupted full sync of the final 4D data into a second scratch database, and every
pyERP table of both compared in SQL (``benchmarks/convergence.py``).

The syncs run in this process through ``run_sync`` (Prefect tasks outside a flow: no server), as the bench's do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks import workspace
from benchmarks.convergence import TableComparison, compare
from flows import database
from flows.errors import SyncFailed, one_line
from flows.settings import Settings

SOAK_DATABASE = "pyerp_sync_soak"
PERCENT = 1.0
# What the brief's soak runs under: the production server's bad days (emulator/README.md, "Faults")
FAULTS = {"error_rate": 0.05, "error_status": 503, "drop_rate": 0.05, "latency_seconds": 2.0, "latency_rate": 0.02}


@dataclass
class Run:
    """One sync run of the soak and what 4D saw of it."""

    label: str
    changes: dict[str, int] = field(default_factory=dict)  # made in 4D just before (updated, inserted, deleted)
    faults: bool = False
    outcome: str = ""  # succeeded, or failed: <error class>: <message>
    seconds: float = 0.0
    requests: int = 0
    failed_requests: int = 0  # answered with an error or cut by the faults
    sessions_opened: int = 0
    client_retries: int = 0  # the 4D client's retries (it logs one warning each)
    run_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == "succeeded"


def run_soak(
    settings: Settings, scale: float, cycles: int, seed: int, say: Callable[[str], None], keep: bool = False
) -> dict[str, Any]:
    home = settings.home / "soak"
    reference_home = home / "reference"  # the reference sync's own dlt state and 4D session
    workspace.prepare_home(reference_home)
    workspace.prepare_home(home)
    os.environ["PREFECT_LOGGING_LEVEL"] = "CRITICAL"  # a failed run is one line here; the run history has the cause
    admin = workspace.admin_url(settings, home, say)
    names = [f"{SOAK_DATABASE}_{os.getpid()}", f"{SOAK_DATABASE}_{os.getpid()}_reference"]
    say(f"scratch databases {', '.join(names)} on {database.ConnectionParts.from_url(admin).describe()}")
    workspace.recreate(admin, names)
    url, reference_url = (workspace.database_url(admin, name) for name in names)
    database.check_database(url)

    from flows import demo

    started = time.monotonic()
    say(f"generating the 4D dataset (scale {scale:g}, seed {seed}) in the emulator's own process")
    try:
        with (
            demo.emulator_process(scale, seed, home / "emulator.log") as emulator_url,
            _logged_to(home / "soak.log") as retries,
        ):
            soak = demo.against_emulator(settings, url, home, emulator_url)
            reference = demo.against_emulator(settings, reference_url, reference_home, emulator_url)
            runs = _cycles(soak, url, emulator_url, cycles, retries, say)
            say("reference: an uninterrupted full sync of the final 4D data into the second database …")
            check = _sync(reference, reference_url, "reference full", emulator_url, retries, full=True)
            _say_run(check, say)
        if not check.succeeded:
            raise SoakError(f"the reference full sync failed: {check.outcome}")
        say("comparing every pyERP table of both databases (in SQL) …")
        tables = compare(url, reference_url, settings.target_schema)
    finally:
        if keep:
            say(f"databases kept: {url} and {reference_url}")
        else:
            workspace.drop(admin, names)
    return _figures(scale, seed, runs, check, tables, time.monotonic() - started, [url, reference_url] if keep else [])


class SoakError(Exception):
    """The soak could not reach its check. One-line message."""


def _cycles(
    settings: Settings, url: str, emulator_url: str, cycles: int, retries: list[int], say: Callable[[str], None]
) -> list[Run]:
    from flows import demo

    say("full sync …")
    runs = [_sync(settings, url, "full", emulator_url, retries, full=True)]
    _say_run(runs[0], say)
    if not runs[0].succeeded:
        raise SoakError(f"the first full sync failed: {runs[0].outcome}")
    for cycle in range(1, cycles + 1):
        changes = _counted(demo.mutate(emulator_url, PERCENT))
        with _faults(emulator_url, say if cycle == 1 else None):
            run = _sync(settings, url, f"cycle {cycle}/{cycles}", emulator_url, retries, changes=changes, faults=True)
        runs.append(run)
        _say_run(run, say)
    say("the last incremental run, without faults …")
    runs.append(_sync(settings, url, "final", emulator_url, retries))
    _say_run(runs[-1], say)
    return runs


def _sync(
    settings: Settings,
    url: str,
    label: str,
    emulator_url: str,
    retries: list[int],
    full: bool = False,
    changes: dict[str, int] | None = None,
    faults: bool = False,
) -> Run:
    from flows.sync import legacy_sync

    run = Run(label, changes or {}, faults)
    workspace.emulator_log(emulator_url, clear=True)
    retries[0] = 0
    started = time.perf_counter()
    try:
        run.run_id = legacy_sync(full=full, settings=settings).run_id
        run.outcome = "succeeded"
    except SyncFailed as exc:  # what the schedule sees: the next run is the retry
        run.outcome = f"failed: {exc.error_class}: {one_line(exc)}"
    run.seconds = time.perf_counter() - started
    log = workspace.emulator_log(emulator_url, clear=True)
    run.requests, run.failed_requests, run.sessions_opened = log["requests"], log["failed"], log["sessions_opened"]
    run.client_retries = retries[0]
    return run


@contextlib.contextmanager
def _faults(emulator_url: str, say: Callable[[str], None] | None) -> Iterator[None]:
    """The soak's faults on in the emulator for the block, off after it (whatever happened)."""
    settings = dict(FAULTS)
    response = requests.post(f"{emulator_url}/_admin/faults", json=settings, timeout=60)
    if response.status_code == 400 and "latency_rate" in response.text:
        # an emulator without occasional latency: 503s and cut connections only
        settings = {k: v for k, v in settings.items() if not k.startswith("latency")}
        response = requests.post(f"{emulator_url}/_admin/faults", json=settings, timeout=60)
    response.raise_for_status()
    if say:
        say(f"faults during each cycle's run: {', '.join(f'{k}={v}' for k, v in settings.items())}")
    try:
        yield
    finally:
        requests.delete(f"{emulator_url}/_admin/faults", timeout=60).raise_for_status()


@contextlib.contextmanager
def _logged_to(path: Path) -> Iterator[list[int]]:
    """The extract's and the sync's log lines go to a file, not the terminal; the 4D client's retries are counted."""
    counter = [0]

    class Counting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING and "retry" in record.getMessage():
                counter[0] += 1

    handlers = [logging.FileHandler(path), Counting()]
    handlers[0].setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("extract", "pyerp_sync")]
    saved = [(logger.propagate, logger.level) for logger in loggers]
    for logger in loggers:
        logger.propagate = False
        logger.setLevel(logging.INFO)
        for handler in handlers:
            logger.addHandler(handler)
    try:
        yield counter
    finally:
        for logger, (propagate, level) in zip(loggers, saved, strict=True):
            for handler in handlers:
                logger.removeHandler(handler)
            logger.propagate, logger.level = propagate, level
        handlers[0].close()


def _counted(changes: dict[str, Any]) -> dict[str, int]:
    results = changes.get("results") or [changes]
    return {
        kind: sum(len(keys) for result in results for keys in (result.get(kind) or {}).values())
        for kind in ("updated", "inserted", "deleted")
    }


def _say_run(run: Run, say: Callable[[str], None]) -> None:
    changes = ", ".join(f"{n:,} {kind}" for kind, n in run.changes.items())
    say(
        f"{run.label}: {f'changes in 4D {changes}; ' if changes else ''}{'faults on; ' if run.faults else ''}"
        f"{run.outcome} in {run.seconds:.1f} s; {run.requests} 4D requests ({run.failed_requests} hit by faults, "
        f"{run.client_retries} client retries), {run.sessions_opened} session(s) opened"
    )


def _figures(
    scale: float,
    seed: int,
    runs: list[Run],
    check: Run,
    tables: list[TableComparison],
    seconds: float,
    kept: list[str],
) -> dict[str, Any]:
    cycles = [r for r in runs if r.faults]
    differing = [t.table for t in tables if not t.equal]
    return {
        "scale": scale,
        "seed": seed,
        "faults": FAULTS,
        "seconds": round(seconds, 1),
        "runs": [{**asdict(r), "seconds": round(r.seconds, 3)} for r in runs],
        "reference_run": {**asdict(check), "seconds": round(check.seconds, 3)},
        "cycles": len(cycles),
        "cycles_failed": sum(1 for r in cycles if not r.succeeded),
        "final_run_succeeded": runs[-1].succeeded,
        "sessions_opened": sum(r.sessions_opened for r in runs),
        "tables": [
            {
                "table": t.table,
                "soak_rows": t.actual.rows,
                "soak_rows_deleted_in_4d": t.actual.deleted_in_4d,
                "reference_rows": t.reference.rows,
                "equal": t.equal,
                "detail": t.detail,
            }
            for t in tables
        ],
        "differing_tables": differing,
        "converged": not differing and runs[-1].succeeded,
        "databases_kept": kept,
    }


def print_summary(data: dict[str, Any], echo: Callable[[str], None]) -> None:
    echo(f"\npyerp-sync soak, scale {data['scale']:g}, seed {data['seed']}: {data['seconds']:.0f} s")
    echo(
        f"{'run':<14}{'changes in 4D (upd/ins/del)':>30}{'faults':>8}{'seconds':>9}{'4D req':>8}{'hit':>6}"
        f"{'retries':>9}{'sessions':>10}  outcome"
    )
    for run in [*data["runs"], data["reference_run"]]:
        changes = "/".join(str(run["changes"].get(k, 0)) for k in ("updated", "inserted", "deleted"))
        echo(
            f"{run['label']:<14}{changes if run['changes'] else '':>30}{'on' if run['faults'] else '':>8}"
            f"{run['seconds']:>9.1f}{run['requests']:>8}{run['failed_requests']:>6}{run['client_retries']:>9}"
            f"{run['sessions_opened']:>10}  {run['outcome']}"
        )
    echo(f"\n{'pyERP table':<32}{'soak rows':>11}{'(deleted in 4D, kept)':>23}{'reference rows':>16}  equal")
    for table in data["tables"]:
        echo(
            f"{table['table']:<32}{table['soak_rows']:>11,}{table['soak_rows_deleted_in_4d']:>23,}"
            f"{table['reference_rows']:>16,}  {'yes' if table['equal'] else 'NO'}"
        )
        if table["detail"]:
            echo(f"    {table['detail']}")
    verdict = (
        "converged: every pyERP table equals the uninterrupted full sync"
        if data["converged"]
        else (
            f"NOT converged: {len(data['differing_tables'])} table(s) differ"
            + ("" if data["final_run_succeeded"] else "; the last run (without faults) failed")
        )
    )
    echo(
        f"{verdict}. Cycles under faults: {data['cycles']}, failed {data['cycles_failed']} (the next run retried); "
        f"4D sessions opened in all: {data['sessions_opened']}"
    )


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
