"""Row-for-row check at scale: ``python -m benchmarks.extract_verify --scale 1 [--tracking]``.

Starts the bundled emulator (change tracking off, as on production, unless ``--tracking``), runs a full extract,
applies business activity (updates, inserts, deletes, child-only changes, same-second changes), runs an incremental
extract, and compares every table of ``legacy_raw`` with the emulator row for row (``__KEY``, ``__STAMP`` and every
attribute as text; rows 4D no longer has must be marked ``_is_deleted``). Prints what the incremental run asked 4D
for and how many 4D sessions were opened. A dev tool like ``benchmarks.landing``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import psycopg2
from psycopg2 import sql

from benchmarks.landing import _connect, _credentials
from emulator import EmulatorServer
from extract.pipeline import run_extract
from extract.records import render_text
from extract.tables import TABLES

SYSTEM = {"__KEY", "__STAMP", "__TIMESTAMP", "__GlobalStamp"}


def mutate(server, percent: float) -> None:
    """Business activity on every kind of table (the same kinds the tests use)."""
    server.update("Artikel_Variante", percent=percent)
    server.update("Kunden", percent=percent)
    server.insert("Artikel_Familie", count=3)
    server.insert("Belege", count=5)
    server.delete("Adressen", count=3)
    server.delete("Belege", count=3)
    server.update("Belege_Pos", percent=percent / 4)
    server.insert("Belege_Pos", count=5)
    server.delete("Belege_Pos", count=5)
    server.delete("WerksauftrPos", count=3)
    server.update("Stamm_Lager_Schuetten_Slots", count=5)
    server.delete("Form_Artikel", count=2)
    server.update("Lager_Schuetten", percent=percent)
    with server.same_second():
        server.update("Artikel_Familie", count=5)
        server.update("Werksauftraege", count=3)
        server.insert("WerksauftrPos", count=2)


def compare(server, credentials: dict[str, object]) -> list[str]:
    """Differences between the emulator and legacy_raw, one line per table that differs."""
    problems = []
    conn = _connect(credentials)
    try:
        for table in TABLES:
            served = list(server.rows(table.endpoint))
            with conn.cursor() as cur:
                cur.execute(sql.SQL("select * from legacy_raw.{}").format(sql.Identifier(table.resource)))
                names = [d[0] for d in cast(tuple, cur.description)]  # a select: it has a description
                raw = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            columns = set(names)
            attributes = sorted({n for row in served for n in row if n in columns} - SYSTEM)
            expected = {(r["__KEY"], r["__STAMP"], tuple(render_text(r.get(a)) for a in attributes)) for r in served}
            live = {(r["__KEY"], r["__STAMP"], tuple(r[a] for a in attributes)) for r in raw if not r["_is_deleted"]}
            served_keys = {r["__KEY"] for r in served}
            unmarked = sum(1 for r in raw if r["__KEY"] not in served_keys and not r["_is_deleted"])
            if expected != live or unmarked or len(raw) != len({r["__KEY"] for r in raw}):
                problems.append(
                    f"{table.endpoint}: {len(live - expected)} extra, {len(expected - live)} missing, "
                    f"{unmarked} deleted rows not marked"
                )
            print(
                f"  {table.endpoint:<28} {len(served):>8} rows on the server, {len(live):>8} live in raw,"
                f" {len(raw) - len(live):>4} marked deleted"
            )
    finally:
        conn.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extract_verify", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--tracking", action="store_true", help="turn 4D change tracking on (global_stamp)")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)

    name = f"extract_verify_{os.getpid()}"
    admin = psycopg2.connect(args.admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    credentials = _credentials(args.admin_url, name)
    try:
        with (
            EmulatorServer(scale=args.scale, max_sessions=1, change_tracking=args.tracking) as server,
            tempfile.TemporaryDirectory() as tmp,
        ):
            options: dict[str, Any] = {
                "destination_credentials": credentials,
                "dlt_dir": Path(tmp) / "dlt",
                "session_file": Path(tmp) / "4d-session.json",
            }
            started = time.perf_counter()
            first = run_extract(server.base_url, **options)
            print(
                f"full: {first.rows_extracted:,} rows, {first.requests} requests, {time.perf_counter() - started:.1f} s"
            )
            mutate(server, percent=0.5)
            before = len(server.request_log)
            started = time.perf_counter()
            second = run_extract(server.base_url, **options)
            log = server.request_log[before:]
            print(
                f"incremental: {second.rows_extracted:,} rows changed, {second.rows_deleted} marked deleted, "
                f"{second.requests} requests, {sum(r.rows_sent for r in log):,} rows sent by 4D, "
                f"{time.perf_counter() - started:.1f} s"
            )
            print(f"{'table':<28} {'strategy':<14} {'extracted':>9} {'deleted':>8} {'requests':>8} {'pages':>6}")
            for t in second.tables.values():
                print(
                    f"{t.table:<28} {t.strategy:<14} {t.rows_extracted:>9} {t.rows_deleted:>8} {t.requests:>8}"
                    f" {t.pages:>6}"
                )
            print(f"4D sessions opened over both runs: {server.sessions_opened}")
            problems = compare(server, credentials)
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        admin.close()
    for problem in problems:
        print("DIFFERS:", problem)
    print("legacy_raw equals the emulator row for row" if not problems else f"{len(problems)} tables differ")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
