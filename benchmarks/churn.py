"""Churn: after 1 % business changes in 4D, does publish update exactly the pyERP rows whose content changed?

    python -m benchmarks.churn --scale 0.05 [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

A full sync into a fresh database, the demo's 1 % mutation, an incremental sync; then, per pyERP table, the rows
publish reported as updated beside the rows whose content differs from before. Content is every column but the
identity and the stamps: Django's auto_now(_add) columns and the 4D change times the marts leave out of their
content hash (var pyerp_stamp_columns). Prints one line per table and exits 1 when any table differs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

import psycopg2
from psycopg2 import sql

# Prefect reads these when first imported (run_sync's tasks run outside a flow here): keep it quiet and offline.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # as flows/cli/common.py sets it

from benchmarks.convergence import VOLATILE_COLUMNS
from emulator import EmulatorServer
from flows import demo
from flows.database import ConnectionParts
from flows.entities import ENTITIES
from flows.settings import Settings
from flows.sync import legacy_sync
from flows.target import mark_database_owned


def content_hashes(url: str, table: str) -> dict[int, str]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped "
            "order by attnum",
            (f"pyerp.{table}",),
        )
        columns = [name for (name,) in cur.fetchall() if name not in VOLATILE_COLUMNS]
        cur.execute(
            sql.SQL("select id, md5(row({})::text) from {}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier("pyerp", table)
            )
        )
        return dict(cur.fetchall())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.05, help="emulator scale (default 0.05)")
    parser.add_argument("--percent", type=float, default=1.0, help="share of rows changed in 4D (default 1)")
    parser.add_argument(
        "--admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where a scratch database may be created and dropped",
    )
    args = parser.parse_args(argv)
    admin = ConnectionParts.from_url(args.admin_url)
    name = "pyerp_sync_churn"
    with contextlib.closing(psycopg2.connect(args.admin_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"drop database if exists {name} with (force)")
            cur.execute(f"create database {name}")
            mark_database_owned(cur, name)  # the sync's own scratch database: it creates pyERP's tables there
    url = admin.to_url(dbname=name)
    with EmulatorServer(scale=args.scale, seed=42) as server, tempfile.TemporaryDirectory() as home:
        settings = Settings(
            database_url=url, target_schema="pyerp", home=Path(home), legacy_url=server.base_url, legacy_username=None
        )
        legacy_sync(full=True, settings=settings)
        before = {e.table: content_hashes(url, e.table) for e in ENTITIES}
        demo.mutate(server.base_url, args.percent)
        report = legacy_sync(settings=settings)
        figures = {r.entity: r for r in report.entities}
        differing = 0
        print(f"{'table':32} {'updated+deactivated':>20} {'content changed':>16} {'created':>8} {'new rows':>9}")
        for entity in ENTITIES:
            after = content_hashes(url, entity.table)
            old = before[entity.table]
            changed = sum(1 for i, h in after.items() if i in old and old[i] != h)
            new = sum(1 for i in after if i not in old)
            record = figures[entity.table]
            written = record.updated + record.deactivated
            mark = "" if (written, record.created) == (changed, new) else "  <- differs"
            differing += bool(mark)
            print(f"{entity.table:32} {written:>20} {changed:>16} {record.created:>8} {new:>9}{mark}")
        total_updated = sum(r.updated for r in report.entities)
        print(f"updated in all: {total_updated}; tables where publish and content disagree: {differing}")
    with contextlib.closing(psycopg2.connect(args.admin_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"drop database if exists {name} with (force)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
