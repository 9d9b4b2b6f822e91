"""A sync run meets a broken 4D server or PostgreSQL, and pyERP still ends up exactly as an uninterrupted run leaves it.

Each scenario goes end to end through ``run_sync`` on a fresh fault world (the emulator over HTTP, a real database):
it breaks something during a run, checks that the run either rode it out or failed fast and cleanly (one classified
error, in one line, recorded in the run history, pyERP left as it was), then lets the next run go and compares every
pyERP table row for row with the reference run (``convergence.py``). Proven here:

1. 4D unreachable when the run starts: it fails within a minute as ``source_unavailable``, pyERP untouched; the next
   run, with 4D back, converges.
2. 4D dies partway through the extract: the run fails cleanly; the next scheduled run (a plain incremental one, not a
   forced full) converges.
3. PostgreSQL restarted while the run is busy: no hang and no internal error but a classified failure (or success);
   the next run converges.
4. All 4D licences taken by another client, one freed after a few seconds: the run waits (402, same cookie), opens
   exactly one session, completes and converges.
5. 5 % 503s, 5 % dropped connections and occasional 2 s latency spikes: the full run rides them out and converges.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import psycopg2
import pytest

from emulator import EmulatorServer
from extract.tables import TABLES
from flows.database import start_embedded, stop_embedded
from flows.errors import SyncFailed
from flows.history import RunSummary, SyncReport, list_runs
from flows.settings import Settings
from flows.sync import legacy_sync
from flows.target import ensure_target_tables
from tests.faults.conftest import FaultWorld
from tests.faults.convergence import assert_converged

pytestmark = pytest.mark.integration

DATA_TABLES = [table.endpoint for table in TABLES]  # registry order: the order the extract reads them in


def latest_run(url: str) -> RunSummary:
    with contextlib.closing(psycopg2.connect(url)) as conn:
        return list_runs(conn, 1)[0]


def pyerp_and_raw_rows(url: str) -> int:
    """Rows in pyERP's tables and in legacy_raw, whichever of them exist yet."""
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('pyerp', 'legacy_raw') and table_type = 'BASE TABLE' "
            "and table_name not like '\\_dlt%%'"
        )
        total = 0
        for schema, table in cur.fetchall():
            cur.execute(f'select count(*) from "{schema}"."{table}"')
            total += cur.fetchone()[0]
        return total


def data_table(path: str) -> str | None:
    name = path.removeprefix("/rest/")
    return name if name in DATA_TABLES else None


def answered_tables(server: EmulatorServer, since: int = 0) -> list[str]:
    """4D tables that answered a page (200), in the order the server answered them."""
    return list(
        dict.fromkeys(
            t for r in server.request_log[since:] if (t := data_table(r.path)) is not None and r.status == 200
        )
    )


def assert_clean_failure(failed: SyncFailed, url: str, error_class: str, step: str) -> None:
    """Classified, one line, and the history says so (the run is not left 'running')."""
    assert failed.error_class == error_class, failed
    assert "\n" not in str(failed) and "Traceback" not in str(failed)
    run = latest_run(url)
    assert (run.status, run.error_class, run.failed_step) == ("failed", error_class, step)
    assert run.error_message and "\n" not in run.error_message


def test_4d_unreachable_at_start_fails_fast_then_the_next_run_converges(fault_world: FaultWorld, reference_content):
    server, settings, url = fault_world.server, fault_world.settings, fault_world.url
    server.faults.update(down=True)
    started = time.monotonic()
    with pytest.raises(SyncFailed) as failed:
        legacy_sync(full=True, settings=settings)
    assert time.monotonic() - started < 60  # the real retry budget, not a shortened one
    assert_clean_failure(failed.value, url, "source_unavailable", "connect")
    assert "unreachable" in str(failed.value)
    assert not answered_tables(server) and all(r.status == 0 for r in server.request_log)
    assert pyerp_and_raw_rows(url) == 0

    server.faults.reset()
    legacy_sync(full=True, settings=settings)
    assert latest_run(url).status == "succeeded"
    assert assert_converged(url, reference_content) > 1_000


def test_4d_dies_mid_extract_then_the_next_incremental_run_converges(
    fault_world: FaultWorld, reference_content, quick_retries
) -> None:
    server, settings, url = fault_world.server, fault_world.settings, fault_world.url
    # 4 requests to open and revalidate the session and read the catalog, then one page per table at this scale:
    # 4D answers the first 6 tables and dies on the 7th (Belege_Pos, the largest)
    server.faults.update(fail_after=10)
    with pytest.raises(SyncFailed) as failed:
        legacy_sync(full=True, settings=settings)
    assert_clean_failure(failed.value, url, "source_unavailable", "extract")
    assert answered_tables(server) == DATA_TABLES[:6]
    died_at = next(i for i, r in enumerate(server.request_log) if r.status != 200)
    assert data_table(server.request_log[died_at].path) == DATA_TABLES[6]
    # the client's retries gave up, then the extract step itself was retried: it opened the session again
    assert any(r.path == "/rest/$info" for r in server.request_log[died_at:])
    assert pyerp_and_raw_rows(url) == 0  # one dlt load package per run: a run that dies lands nothing

    server.faults.reset()
    since = len(server.request_log)
    report = legacy_sync(settings=settings)  # what the schedule runs next: incremental
    assert report.mode == "incremental" and latest_run(url).status == "succeeded"
    assert answered_tables(server, since) == DATA_TABLES
    assert assert_converged(url, reference_content) > 1_000


def test_postgresql_restarted_mid_extract_fails_cleanly_then_the_next_run_converges(
    fault_world: FaultWorld, reference_content, tmp_path: Path
) -> None:
    """A private embedded PostgreSQL (never the machine's shared one) is stopped and started while 4D is being read."""
    server = fault_world.server
    postgres = Settings(
        database_url=None, target_schema="pyerp", home=tmp_path / "pg", legacy_url=None, legacy_username=None
    )
    url = start_embedded(postgres)
    with contextlib.closing(psycopg2.connect(url)) as conn:
        conn.autocommit = True
        ensure_target_tables(conn, "pyerp")  # a configured URL: pyERP's tables are there, as `target create` makes them
    try:
        settings = fault_world.settings.replace(database_url=url, home=tmp_path / "home")
        server.faults.update(latency_seconds=0.3)  # about 7 s of extract: the restart lands inside it
        outcome: dict[str, SyncReport | BaseException] = {}

        def run() -> None:
            try:
                outcome["report"] = legacy_sync(full=True, settings=settings)
            except BaseException as exc:  # whatever it is, the test looks at it
                outcome["error"] = exc

        runner = threading.Thread(target=run, name="sync-under-test", daemon=True)
        runner.start()
        deadline = time.monotonic() + 120
        while DATA_TABLES[1] not in answered_tables(server) and runner.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runner.is_alive(), outcome
        restarted_at = len(server.request_log)
        stop_embedded(postgres)
        assert start_embedded(postgres) == url
        server.faults.reset()
        runner.join(timeout=240)
        assert not runner.is_alive(), "the run hangs after PostgreSQL restarted"

        assert answered_tables(server, restarted_at), "the extract had finished before PostgreSQL went away"
        error = outcome.get("error")
        if error is None:
            assert latest_run(url).status == "succeeded"
        else:
            assert isinstance(error, SyncFailed), repr(error)
            assert_clean_failure(error, url, "database", "extract")

        legacy_sync(settings=settings)
        assert latest_run(url).status == "succeeded"
        assert assert_converged(url, reference_content) > 1_000
    finally:
        stop_embedded(postgres)


def test_every_licence_held_by_another_client_then_one_freed_the_run_waits_with_one_session(
    fault_world: FaultWorld, reference_content
) -> None:
    server, settings, url = fault_world.server, fault_world.settings, fault_world.url
    held = server.hold_sessions(3)  # every licence of the server (max_sessions=3)
    freed_at: list[float] = []

    def free_one() -> None:
        server.release_sessions(held[:1])
        freed_at.append(time.monotonic())

    timer = threading.Timer(3.0, free_one)
    timer.start()
    try:
        legacy_sync(full=True, settings=settings)
    finally:
        timer.cancel()
    assert freed_at, "the run finished before a licence was free"

    busy = [r for r in server.request_log if r.status == 402]
    assert 1 <= len(busy) <= 6, f"{len(busy)} requests answered 402: no back-off"  # 1 s, 2 s, … apart
    assert server.sessions_opened == 1
    answered = [r for r in server.request_log if r.status == 200]
    (ours,) = {r.session_id for r in answered}
    assert ours not in held and set(held[1:]) <= set(server.sessions)  # the other client keeps its two
    assert answered_tables(server) == DATA_TABLES
    first_answer = next(i for i, r in enumerate(server.request_log) if r.status == 200)
    assert all(i < first_answer for i, r in enumerate(server.request_log) if r.status == 402)  # waited, then went on
    assert latest_run(url).status == "succeeded"
    assert assert_converged(url, reference_content) > 1_000


def test_503s_dropped_connections_and_latency_spikes_the_full_run_rides_them_out(
    fault_world: FaultWorld, reference_content
) -> None:
    server, settings, url = fault_world.server, fault_world.settings, fault_world.url
    # pages of 50 entities give the faults about 75 requests to hit instead of 22
    server.faults.update(
        error_rate=0.05, error_status=503, drop_rate=0.05, latency_seconds=2.0, latency_rate=0.05, top_cap=50
    )
    legacy_sync(full=True, settings=settings)

    log = server.request_log
    assert any(r.status == 503 for r in log), "no 503 was injected"
    assert any(r.dropped for r in log), "no connection was dropped"
    spikes = [r for r in log if r.duration_ms >= 2_000]
    assert 1 <= len(spikes) <= len(log) // 5, f"{len(spikes)} of {len(log)} requests were slow: not spikes"
    assert server.sessions_opened == 1
    assert latest_run(url).status == "succeeded"
    assert assert_converged(url, reference_content) > 1_000
