"""Landing throughput, side by side: ``python -m benchmarks.landing --scale 1``.

Starts the bundled 4D emulator at the given scale, reads every registry table from it once over HTTP (timed
separately), then lands the same rows into three fresh databases and prints rows/s for:

1. **plain COPY** — psycopg2 ``COPY FROM STDIN`` of the rows rendered as CSV, into tables of the raw shape with the
   same indexes (unique ``__KEY``, unique ``_dlt_id``): the baseline;
2. **pyerp-sync landing** — the extract's own path: one Arrow table per page, dlt's pipeline with CSV files and
   COPY, merge on ``__KEY`` (what ``run_extract`` does after fetching a page);
3. **dlt default** — the same rows as Python dicts through dlt's default normalize and ``insert_values``.

Every path starts from the same fetched JSON entities, so each includes turning them into rows. Serves the
emulator itself. Needs a PostgreSQL where it may create and drop databases (``--admin-url``, default the CI server).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import psycopg2
from psycopg2 import sql

from emulator import EmulatorServer
from extract.catalog import plan_table
from extract.client import LegacyClient
from extract.landing import raw_destination
from extract.pipeline import DLT_RUN_CONFIG, run_extract
from extract.records import DELETED_AT, IS_DELETED, KEY, arrow_schema, entities_table, render_text
from extract.source import MERGE, column_hints
from extract.tables import TABLES, Table

Pages = dict[str, list[list[dict[str, Any]]]]


def _credentials(admin_url: str, database: str) -> dict[str, object]:
    dsn = psycopg2.extensions.parse_dsn(admin_url)
    return {
        "host": dsn.get("host", "127.0.0.1"),
        "port": int(dsn.get("port", 5432)),
        "username": dsn.get("user", "postgres"),
        "password": dsn.get("password") or "unused",
        "database": database,
    }


def _connect(credentials: dict[str, object]) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=credentials["host"],
        port=credentials["port"],
        user=credentials["username"],
        password=credentials["password"],
        dbname=credentials["database"],
    )


def fetch(base_url: str, session_file: Path) -> tuple[Pages, dict[str, tuple[str, ...]], float]:
    """Every table's pages as 4D sends them, and the attributes landed per table."""
    pages: Pages = {}
    attributes: dict[str, tuple[str, ...]] = {}
    started = time.perf_counter()
    with LegacyClient(base_url, session_file) as client:
        catalog = client.catalog()
        for table in TABLES:
            plan = plan_table(table, catalog[table.endpoint], None)
            attributes[table.resource] = plan.attributes
            pages[table.resource] = [
                page.entities
                for page in client.pages(
                    table.endpoint,
                    key_attribute=plan.remote.key_attribute,
                    attributes=plan.attributes,
                    page_size=table.page_size,
                )
            ]
    return pages, attributes, time.perf_counter() - started


def land_with_copy(credentials: dict[str, object], pages: Pages, attributes: dict[str, tuple[str, ...]]) -> float:
    """COPY every table; return the seconds spent in COPY alone (the rest is rendering the CSV)."""
    copy_seconds = 0.0
    conn = _connect(credentials)
    load_id = str(time.time())
    with conn, conn.cursor() as cur:
        cur.execute("create schema legacy_raw")
        for table in TABLES:
            names = arrow_schema(attributes[table.resource], tracked=False).names
            types = {
                KEY: "varchar not null",
                "__STAMP": "bigint",
                "__TIMESTAMP": "timestamptz",
                IS_DELETED: "boolean not null",
                DELETED_AT: "timestamptz",
            }
            columns = [*names, "_dlt_load_id", "_dlt_id"]
            ddl = sql.SQL("create table legacy_raw.{} ({}, unique ({}), unique (_dlt_id))").format(
                sql.Identifier(table.resource),
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(
                        sql.Identifier(c),
                        sql.SQL(types.get(c, "varchar not null" if c.startswith("_dlt") else "varchar")),
                    )
                    for c in columns
                ),
                sql.Identifier(KEY),
            )
            cur.execute(ddl)
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            row_number = 0
            for page in pages[table.resource]:
                for entity in page:
                    row_number += 1
                    values = [entity[KEY], entity.get("__STAMP"), entity.get("__TIMESTAMP")]
                    values += [render_text(entity.get(a)) for a in attributes[table.resource]]
                    values += ["false", None, load_id, f"{row_number:014d}"]
                    writer.writerow(["" if v is None else v for v in values])
            buffer.seek(0)
            copy = sql.SQL("copy legacy_raw.{} ({}) from stdin with (format csv)").format(
                sql.Identifier(table.resource), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
            )
            started = time.perf_counter()
            cur.copy_expert(copy, buffer)
            copy_seconds += time.perf_counter() - started
    conn.close()
    return copy_seconds


def _pipeline(credentials: dict[str, object], dlt_dir: Path, name: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=raw_destination(credentials),
        dataset_name="legacy_raw",
        pipelines_dir=str(dlt_dir),
    )


def _source(pages: Pages, attributes: dict[str, tuple[str, ...]], as_dicts: bool) -> Any:
    # as run_extract: a first load appends (nothing to merge with); the dict path keeps dlt's merge, its default
    disposition: Any = MERGE if as_dicts else "append"

    def rows(table: Table) -> Iterator[Any]:
        for page in pages[table.resource]:
            arrow = entities_table(page, attributes[table.resource], tracked=False)
            yield arrow.to_pylist() if as_dicts else arrow

    schema = dlt.Schema("legacy_4d", normalizers={"names": "direct"})

    @dlt.source(schema=schema, max_table_nesting=0)
    def legacy_4d() -> Any:
        return [
            dlt.resource(
                rows(table),
                name=table.resource,
                write_disposition=disposition,
                primary_key=KEY,
                columns=column_hints(table),
            )
            for table in TABLES
        ]

    return legacy_4d()


def land_with_dlt(
    credentials: dict[str, object], dlt_dir: Path, pages: Pages, attributes: dict[str, tuple[str, ...]], as_dicts: bool
) -> None:
    pipeline = _pipeline(credentials, dlt_dir, "bench_dicts" if as_dicts else "bench_arrow")
    with dlt.config.values(DLT_RUN_CONFIG):
        if as_dicts:
            pipeline.run(_source(pages, attributes, as_dicts=True))
        else:
            pipeline.run(_source(pages, attributes, as_dicts=False), loader_file_format="csv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.landing", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-dlt-default", action="store_true", help="skip the slow dict path")
    args = parser.parse_args(argv)

    admin = psycopg2.connect(args.admin_url)
    admin.autocommit = True
    names = {path: f"extract_bench_{path}_{os.getpid()}" for path in ("copy", "arrow", "dicts", "e2e")}
    with admin.cursor() as cur:
        for name in names.values():
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    results: list[tuple[str, int, float]] = []
    try:
        print(f"generating the emulator dataset at scale {args.scale} …", flush=True)
        with EmulatorServer(scale=args.scale, max_sessions=1) as server, tempfile.TemporaryDirectory() as tmp:
            session_file = Path(tmp) / "4d-session.json"  # one 4D session for the whole benchmark
            pages, attributes, fetch_seconds = fetch(server.base_url, session_file)
            rows = sum(len(page) for table_pages in pages.values() for page in table_pages)
            print(f"fetched {rows} rows over HTTP in {fetch_seconds:.1f} s ({rows / fetch_seconds:,.0f} rows/s)")

            started = time.perf_counter()
            copy_only = land_with_copy(_credentials(args.admin_url, names["copy"]), pages, attributes)
            results.append(("plain psycopg2 COPY (baseline)", rows, time.perf_counter() - started))

            started = time.perf_counter()
            land_with_dlt(_credentials(args.admin_url, names["arrow"]), Path(tmp) / "a", pages, attributes, False)
            results.append(("pyerp-sync landing (Arrow + dlt CSV COPY)", rows, time.perf_counter() - started))

            if not args.skip_dlt_default:
                started = time.perf_counter()
                land_with_dlt(_credentials(args.admin_url, names["dicts"]), Path(tmp) / "d", pages, attributes, True)
                results.append(("dlt default (dicts, insert_values, merge)", rows, time.perf_counter() - started))

            started = time.perf_counter()
            result = run_extract(
                server.base_url,
                destination_credentials=_credentials(args.admin_url, names["e2e"]),
                dlt_dir=Path(tmp) / "e2e",
                session_file=session_file,
            )
            end_to_end = (result.rows_extracted, time.perf_counter() - started)
    finally:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        admin.close()

    baseline = results[0][1] / results[0][2]
    print(f"\nlanding {results[0][1]:,} rows (scale {args.scale}), same rows on every path:")
    print(f"{'path':<48}{'seconds':>9}{'rows/s':>12}{'vs COPY':>9}")
    for label, count, seconds in results:
        rate = count / seconds
        print(f"{label:<48}{seconds:>9.1f}{rate:>12,.0f}{rate / baseline:>9.0%}")
    print(f"{'(the COPY statements alone, CSV already rendered)':<48}{copy_only:>9.1f}{rows / copy_only:>12,.0f}")
    count, seconds = end_to_end
    rate = count / seconds
    print(f"\nrun_extract, full, end to end over HTTP: {count:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
