"""Two sync runs started at once on a new database, as a person (or two schedules) would start them: ``python -m
flows.cli run`` each in a process of its own. One runs; the other exits non-zero with one line "already running" and
is in the history as ``already_running``; pyERP equals an uninterrupted full run.

A module of its own (not in test_crashes.py) so that pytest-xdist can run it beside the kill tests.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import psycopg2
import pytest

from flows.history import BOOKKEEPING_LOCK_KEY
from tests.faults.conftest import FaultWorld
from tests.faults.convergence import Content, assert_converged
from tests.faults.test_crashes import WAIT_SECONDS, Cli, query, runs

pytestmark = pytest.mark.integration


def test_two_runs_started_at_once_one_runs_the_other_refuses(
    fault_world: FaultWorld, reference_content: Content, tmp_path: Path
) -> None:
    started = time.monotonic()
    url = fault_world.url
    # Line both up at the first thing a run does in the database (creating the bookkeeping schema of a new
    # database), then let them go together.
    gate = psycopg2.connect(url)
    gate.autocommit = True
    with gate.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s)", (BOOKKEEPING_LOCK_KEY,))
        cur.execute("select pg_backend_pid()")
        (gate_pid,) = cur.fetchone()
    clis = [Cli(fault_world.settings, url, tmp_path / f"run-{index}") for index in (1, 2)]
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        waiting = "select pid from pg_stat_activity where %s = any(pg_blocking_pids(pid))"
        while len(query(url, waiting, (gate_pid,))) < 2:
            assert time.monotonic() < deadline, "the two runs never both reached the database"
            assert all(cli.process.poll() is None for cli in clis), [cli.stderr[-2000:] for cli in clis]
            time.sleep(0.1)
        gate.close()
        codes = sorted((cli.finish(), index) for index, cli in enumerate(clis))
    finally:
        for cli in clis:
            cli.kill()
        gate.close()

    (ran, refused) = (clis[codes[0][1]], clis[codes[1][1]])
    assert [code for code, _ in codes] == [0, 1], [cli.stderr[-2000:] for cli in clis]
    assert ran.stderr == "", ran.stderr[-2000:]
    one_line = r"pyerp-sync: error: [^\n]*(already running|in progress)[^\n]*\n"
    assert re.fullmatch(one_line, refused.stderr), refused.stderr
    history = runs(url)
    assert sorted((run[2], run[3]) for run in history) == [("failed", "already_running"), ("succeeded", None)]
    compared = assert_converged(url, reference_content)
    print(
        f"\ntwo runs at once: one succeeded, the other refused ({refused.stderr.strip()}); "
        f"{compared} rows compared, {time.monotonic() - started:.1f} s"
    )
